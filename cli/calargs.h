/*
 * The arguments capsim calibrate and capsim validate share: one parser
 * over either command's option table, so the options both take (--data,
 * --points, --point-set, --set, --replications, ...) mean the same and
 * fail with the same messages in both.
 */
#ifndef CS_CLI_CALARGS_H
#define CS_CLI_CALARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "calibration/fit.h"

struct cs_cli_cmd; /* cli/opts.h */

typedef struct cs_cli_cal_args {
	const char *cmd;
	const struct cs_cli_cmd *cli;
	const char *scenario;
	const char **data;
	size_t ndata;
	const char **sets;
	size_t nsets;
	const char **psets;     /* "P:PATH=VALUE" */
	size_t npsets;
	const char **fits;
	size_t nfits;
	const char **covs;      /* --covariate PATH */
	size_t ncovs;
	const char *points;
	const char *baseline;
	const char *out;
	bool json;
	cs_cal_opts opts;
	bool has_reps;
	unsigned draws;      /* validate: parameter sets for the interval */
} cs_cli_cal_args;

/* Options both commands take with the same meaning and words. */
#define CS_CLI_CAL_OPT_DATA \
	{ .name = "data", .val = 'd', .arg = "FILE...", .flags = CS_OPT_SHORT | \
	  CS_OPT_FILE | CS_OPT_FILES, \
	  .help = "measurements, Locust, k6 or JMeter output: the files after " \
	          "--data, up to the next option (repeatable; required)" }
#define CS_CLI_CAL_OPT_SET \
	{ .name = "set", .val = 's', .arg = "PATH=VALUE", \
	  .flags = CS_OPT_SHORT | CS_OPT_PATH, \
	  .help = "an override for every run" }
#define CS_CLI_CAL_OPT_JOBS \
	{ .name = "jobs", .val = 'j', .arg = "N", .def = "0: one per core", \
	  .flags = CS_OPT_SHORT, \
	  .help = "threads per run; never changes the result" }
#define CS_CLI_CAL_OPT_STEADY \
	{ .name = "steady", .val = 'y', .flags = CS_OPT_SHORT, \
	  .def = "off: the points' own stages", \
	  .help = "replace the stages by a jump to the point's load" }, \
	{ .name = "duration", .val = 'D', .arg = "D", \
	  .def = "the point's, at most 10m", .flags = CS_OPT_SHORT, \
	  .help = "simulated time of a steady run (10m, 4m30s)" }

/*
 * Parse argv into a, which holds cmd and cli and is zero otherwise:
 * 0 when the command should go on, -1 after --help was printed, or an
 * exit status after printing why the arguments are wrong.  calibrate says
 * which command (it needs --fit).  Free a with cs_cli_cal_args_free()
 * whatever it returns.
 */
int cs_cli_cal_args_parse(cs_cli_cal_args *a, int argc, char **argv,
                          bool calibrate);
void cs_cli_cal_args_free(cs_cli_cal_args *a);

/* A whole number from 0 to max, digits only, into *out: 0, or -1. */
int cs_cli_cal_ulong(const char *s, unsigned long max, unsigned long *out);

#endif /* CS_CLI_CALARGS_H */
