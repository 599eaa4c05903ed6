/* Shared pieces of the command-line front end. */
#ifndef CS_CLI_H
#define CS_CLI_H

#include <stdio.h>

#include <pthread.h>

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

/* Print "capsim CMD: error: MESSAGE" on stderr; returns CS_EXIT_INPUT. */
int cs_cli_fail(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

/* getopt values of the long-only options of the sequential rule, and
 * their entries for a command's option table. */
enum { CS_OPT_PRECISION = 1000, CS_OPT_PRECISION_FLOOR, CS_OPT_MAX_REPS };
/* Their rows in a command's option table (cli/opts.h). */
#define CS_CLI_OPT_PRECISION \
	{ .name = "precision", .val = CS_OPT_PRECISION, .arg = "P", \
	  .def = "off: exactly --replications", \
	  .help = "add replications until every watched metric's 95% CI is " \
	          "within +-P of its mean (2%); see the guide" }, \
	{ .name = "precision-floor", .val = CS_OPT_PRECISION_FLOOR, .arg = "F", \
	  .def = "0.1%", \
	  .help = "with --precision: a ratio (error rate, utilization) is " \
	          "also precise enough within +-F absolute" }, \
	{ .name = "max-replications", .val = CS_OPT_MAX_REPS, .arg = "N", \
	  .def = "200", .help = "with --precision: never more replications" }

/*
 * The options every simulating command shares: -r/--replications,
 * -S/--seed, -j/--jobs and the sequential rule's --precision,
 * --precision-floor and --max-replications (getopt value c, argument arg)
 * into ro.  Returns 0 when c was one of them and arg was good, 1 when c
 * is not one of them, and CS_EXIT_INPUT after printing why arg is bad.
 */
int cs_cli_run_option(const char *cmd, int c, const char *arg,
                      cs_run_opts *ro);

/*
 * Progress on a terminal: after a second, one line on stderr that each
 * finished replication rewrites ("capsim run: 3/20 replications, 4s"),
 * cleared at the end.  Nothing when stderr is not a terminal (a pipe, a
 * file, a test), so that output there never changes.  Set ro->progress
 * to cs_cli_progress_rep and ro->progress_ctx to the state.
 */
typedef struct cs_cli_progress {
	const char *cmd;      /* "run", "capacity" */
	int tty;              /* isatty(2) */
	double t0;            /* seconds, monotonic clock: the start */
	double after;         /* seconds before the line shows (1; env
	                       * CAPSIM_PROGRESS_AFTER) */
	unsigned runs;        /* capacity: evaluations finished */
	int shown;            /* the line is on the terminal */
	pthread_mutex_t lock;
} cs_cli_progress;

void cs_cli_progress_start(cs_cli_progress *p, const char *cmd,
                           cs_run_opts *ro);
void cs_cli_progress_rep(void *ctx, unsigned done, unsigned total);
/* Clear the line (if shown) before the results or an error. */
void cs_cli_progress_end(cs_cli_progress *p);
/* After all options: --precision-floor and --max-replications need
 * --precision, and the maximum cannot be below the first batch.  0, or
 * CS_EXIT_INPUT after printing why. */
int cs_cli_run_check(const char *cmd, const cs_run_opts *ro);

/* "2%" or 0.02 as a fraction in (0, max]; -1 if s is anything else. */
double cs_cli_fraction(const char *s, double max);

/* Map a library status to an exit status. */
int cs_cli_exit(cs_status s);

#endif
