/*
 * Each command's options as one table: getopt's long options and short
 * letters, the --help text, "did you mean" for a mistyped option, the man
 * page and the bash completion are all made from it, so none of them can
 * drift from what the command accepts.  Adding an option is one row in the
 * command's table (and its case in the command's switch).
 */
#ifndef CS_CLI_OPTS_H
#define CS_CLI_OPTS_H

#include <stdio.h>

/* cs_cli_opt.flags */
enum {
	CS_OPT_SHORT = 1 << 0, /* -val works as well as --name */
	CS_OPT_FILE = 1 << 1,  /* the value is a file name (completion) */
	CS_OPT_FILES = 1 << 2, /* ... and the words after it too, up to the
	                        * next option (--data, --measured, --from) */
	CS_OPT_PATH = 1 << 3   /* the value starts with a scenario key path
	                        * (completion offers capsim keys' paths) */
};

typedef struct cs_cli_opt {
	const char *name;   /* long name without "--"; NULL ends a table */
	int val;            /* what getopt_long returns for it */
	const char *arg;    /* its value's name ("N", "FILE"); NULL: none */
	const char *def;    /* the default as --help shows it; NULL: none */
	const char *help;   /* what it does: one paragraph, wrapped on output */
	unsigned flags;     /* CS_OPT_* */
	const char *values; /* the values it takes, by spaces ("table json"),
	                     * for completion; NULL: any */
} cs_cli_opt;

/* The row every command has. */
#define CS_CLI_OPT_HELP \
	{ .name = "help", .val = 'h', .help = "print this help and exit", \
	  .flags = CS_OPT_SHORT }

typedef struct cs_cli_cmd {
	const char *name;     /* "run" */
	const char *args;     /* the operands and required options */
	const char *summary;  /* one line, for capsim --help and capsim(1) */
	const char *example;  /* one command line, without "capsim " */
	const char *notes;    /* a paragraph after the options, or NULL */
	const cs_cli_opt *opts;
	int (*main)(int argc, char **argv);
	int in_order;         /* non-options come back in order as 1 ("-") */
} cs_cli_cmd;

/* The commands, each defined beside its code (cli/cmd_*.c, main.c). */
extern const cs_cli_cmd cs_cli_cmd_init, cs_cli_cmd_run, cs_cli_cmd_sweep,
	cs_cli_cmd_merge, cs_cli_cmd_capacity, cs_cli_cmd_import,
	cs_cli_cmd_calibrate, cs_cli_cmd_validate, cs_cli_cmd_plot,
	cs_cli_cmd_report, cs_cli_cmd_keys, cs_cli_cmd_help,
	cs_cli_cmd_version, cs_cli_cmd_completion, cs_cli_cmd_man;

/* Every command, in the order capsim --help lists them; NULL-terminated. */
extern const cs_cli_cmd *const cs_cli_commands[];

/* The command named name, or NULL. */
const cs_cli_cmd *cs_cli_command(const char *name);

/* cmd's option with long name name, or NULL. */
const cs_cli_opt *cs_cli_opt_find(const cs_cli_cmd *cmd, const char *name);

/*
 * getopt_long over cmd's table, with opterr off and ':' first, so that a
 * missing value returns ':' and an unknown option '?'.  The caller sets
 * optind as before.  The getopt arrays are built once per command, in
 * static storage: call from one thread.
 */
int cs_cli_getopt(const cs_cli_cmd *cmd, int argc, char **argv);

/* The whole --help text: usage, summary, the options with their defaults,
 * the notes and one example. */
void cs_cli_help(const cs_cli_cmd *cmd, FILE *f);

/* The usage line and where the rest is, for after an error. */
void cs_cli_usage(const cs_cli_cmd *cmd, FILE *f);

/* Print why getopt returned c (an unknown option, with the nearest known
 * one; a missing value) and the usage; returns CS_EXIT_INPUT. */
int cs_cli_bad_option(const cs_cli_cmd *cmd, int c, char **argv);

/* capsim(1) in roff, from the tables. */
void cs_cli_man(FILE *f);

/* A bash completion script for capsim, from the tables. */
void cs_cli_completion_bash(FILE *f);

#endif /* CS_CLI_OPTS_H */
