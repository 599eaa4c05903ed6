/*
 * What capsim plot and capsim report read: one RESULTS file (a sweep, run
 * or validate JSON) and optional measured data after --measured, filtered
 * by --measured-points.
 */
#ifndef CS_CLI_INPUTS_H
#define CS_CLI_INPUTS_H

#include <stdbool.h>
#include <stddef.h>

#include "calibration/import.h"
#include "report/report.h"

struct cs_cli_cmd; /* cli/opts.h */

typedef struct cs_cli_inputs {
	const char *cmd;        /* for messages: "plot", "report" */
	const char *results;
	const char **measured;  /* [argc] */
	size_t nmeasured;
	bool in_measured;       /* the last option was --measured */
	const char *only;       /* --measured-points */
} cs_cli_inputs;

/* Room for argc files; -1 when out of memory.  Free with
 * cs_cli_inputs_destroy(). */
int cs_cli_inputs_init(cs_cli_inputs *in, const char *cmd, int argc);
void cs_cli_inputs_destroy(cs_cli_inputs *in);

/*
 * Give each getopt_long result (optstring starting "-:", so non-options
 * come back as 1) here first.  Returns 0 when it was a file or
 * --measured(-points) ('m', 'P'), 1 when it is the caller's, and
 * CS_EXIT_INPUT after printing why a file is one too many.
 */
int cs_cli_inputs_take(cs_cli_inputs *in, int c, const char *arg);

/* After the options: RESULTS must be there (else a message, the usage and
 * CS_EXIT_INPUT). */
int cs_cli_inputs_need_results(const cs_cli_inputs *in,
                               const struct cs_cli_cmd *cmd);
/* --measured-points needs --measured: 0, or CS_EXIT_INPUT with a message. */
int cs_cli_inputs_check_only(const cs_cli_inputs *in);

/* -o out must not name RESULTS or a --measured file: 0, or CS_EXIT_INPUT
 * with a message. */
int cs_cli_inputs_not_output(const cs_cli_inputs *in, const char *out);

/* Read RESULTS (at least one finished point) into *doc: 0, or an exit
 * status after printing the problem. */
int cs_cli_inputs_results(const cs_cli_inputs *in, cs_rep_doc **doc);
/* Read the measured data into set, keeping --measured-points: 0 (also when
 * there is none), or an exit status after printing the problem. */
int cs_cli_inputs_measured(const cs_cli_inputs *in, cs_imp_set *set);

#endif
