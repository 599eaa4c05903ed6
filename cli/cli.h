/* Shared pieces of the command-line front end. */
#ifndef CS_CLI_H
#define CS_CLI_H

#include <stdio.h>

#include "capsim.h"
#include "config/outfile.h"

/* Exit statuses. */
enum { CS_EXIT_OK = 0, CS_EXIT_FAIL = 1, CS_EXIT_INPUT = 2 };

int cs_cmd_run(int argc, char **argv);
int cs_cmd_sweep(int argc, char **argv);
int cs_cmd_merge(int argc, char **argv);
int cs_cmd_capacity(int argc, char **argv);

/*
 * Output that appears whole or not at all (config/outfile.h): cs_out_open
 * gives a stream to a temporary file beside path (or stdout when path is
 * NULL or "-"; straight to a device or FIFO); cs_out_commit flushes, syncs
 * and renames it into place; cs_out_abort removes it.  Open and commit
 * return -1 with err saying why; cs_out_fail prints it.
 */
typedef struct cs_out {
	FILE *f;
	cs_outfile file;
	cs_error err;
} cs_out;

int cs_out_open(cs_out *o, const char *path);
int cs_out_commit(cs_out *o);
void cs_out_abort(cs_out *o);

/* Print "capsim CMD: PATH: error: why" from o's last failure; returns
 * status. */
int cs_out_fail(const char *cmd, const cs_out *o, int status);

/* A write into o failed with errno e (0: unknown): abort o, print
 * "capsim CMD: PATH: error: cannot write: why" and return status. */
int cs_out_write_fail(const char *cmd, cs_out *o, int e, int status);

/* If output path out names the same file as input in, print why that is
 * refused and return CS_EXIT_INPUT; else 0. */
int cs_cli_same_file(const char *cmd, const char *out, const char *in);

/* Parse "10s", "1m", "500ms" into seconds; -1 if malformed. */
double cs_cli_seconds(const char *s);

/* getopt_long was called with opterr = 0 and an optstring starting with
 * ':'; print what went wrong for return value c like every other error,
 * then the usage.  Returns CS_EXIT_INPUT. */
int cs_cli_bad_option(const char *cmd, int c, char **argv, const char *usage);

/* Print "capsim CMD: error: MESSAGE" on stderr; returns CS_EXIT_INPUT. */
int cs_cli_fail(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

/* getopt values of the long-only options of the sequential rule, and
 * their entries for a command's option table. */
enum { CS_OPT_PRECISION = 1000, CS_OPT_PRECISION_FLOOR, CS_OPT_MAX_REPS };
#define CS_CLI_PRECISION_OPTIONS \
	{ "precision", required_argument, NULL, CS_OPT_PRECISION }, \
	{ "precision-floor", required_argument, NULL, CS_OPT_PRECISION_FLOOR }, \
	{ "max-replications", required_argument, NULL, CS_OPT_MAX_REPS }

/* Their lines for a usage text. */
#define CS_CLI_PRECISION_USAGE \
	"  --precision P        add replications until every watched metric's\n" \
	"                       95% CI is within +-P of its mean (e.g. 2%)\n" \
	"  --precision-floor F  or, for a ratio (error rate, utilization),\n" \
	"                       within +-F absolute (default 0.1%)\n" \
	"  --max-replications N never more (default 200)\n"

/*
 * The options every simulating command shares: -r/--replications,
 * -S/--seed, -j/--jobs and the sequential rule's --precision,
 * --precision-floor and --max-replications (getopt value c, argument arg)
 * into ro.  Returns 0 when c was one of them and arg was good, 1 when c
 * is not one of them, and CS_EXIT_INPUT after printing why arg is bad.
 */
int cs_cli_run_option(const char *cmd, int c, const char *arg,
                      cs_run_opts *ro);

/* After all options: --precision-floor and --max-replications need
 * --precision, and the maximum cannot be below the first batch.  0, or
 * CS_EXIT_INPUT after printing why. */
int cs_cli_run_check(const char *cmd, const cs_run_opts *ro);

/* "2%" or 0.02 as a fraction in (0, max]; -1 if s is anything else. */
double cs_cli_fraction(const char *s, double max);

/* Map a library status to an exit status. */
int cs_cli_exit(cs_status s);

#endif
