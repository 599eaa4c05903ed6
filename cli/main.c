/* capsim: the command-line front end.  Parses, calls the library, prints. */
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "config/conf.h"

/* The command list, from the commands' own tables. */
static void
usage(FILE *f)
{
	size_t k;

	fputs("usage: capsim COMMAND [ARGS]\n\ncommands:\n", f);
	for (k = 0; cs_cli_commands[k]; k++) {
		const cs_cli_cmd *c = cs_cli_commands[k];
		size_t n = strcspn(c->summary, ".:;");

		fprintf(f, "  %-10s %.*s\n", c->name, (int)n, c->summary);
	}
	fputs("\ncapsim COMMAND --help (or capsim help COMMAND) shows a "
	      "command's options\nwith their defaults; docs/ has the guide, "
	      "and man capsim the same tables.\n", f);
}

static const cs_cli_opt bare_opts[] = { CS_CLI_OPT_HELP, { 0 } };

static int
cmd_version(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		cs_cli_help(&cs_cli_cmd_version, stdout);
		return CS_EXIT_OK;
	}
	puts("capsim " CAPSIM_VERSION);
	return CS_EXIT_OK;
}

const cs_cli_cmd cs_cli_cmd_version = {
	.name = "version", .args = "",
	.summary = "Print the version.",
	.example = "version", .opts = bare_opts, .main = cmd_version,
};

static int cmd_help(int argc, char **argv);

const cs_cli_cmd cs_cli_cmd_help = {
	.name = "help", .args = "[COMMAND]",
	.summary = "List the commands, or show one command's options: capsim "
	           "help run is capsim run --help.",
	.example = "help sweep", .opts = bare_opts, .main = cmd_help,
};

/* Commands without operands or options of their own but --help: anything
 * else is a usage error. */
static int
no_args(const cs_cli_cmd *cmd, int argc, char **argv)
{
	int c;

	optind = 1;
	while ((c = cs_cli_getopt(cmd, argc, argv)) != -1) {
		if (c == 'h') {
			cs_cli_help(cmd, stdout);
			return -1;
		}
		return cs_cli_bad_option(cmd, c, argv);
	}
	if (optind < argc) {
		cs_cli_fail(cmd->name, "unexpected argument \"%s\"", argv[optind]);
		cs_cli_usage(cmd, stderr);
		return CS_EXIT_INPUT;
	}
	return 0;
}

static int cmd_completion(int argc, char **argv);

const cs_cli_cmd cs_cli_cmd_completion = {
	.name = "completion", .args = "bash",
	.summary = "Print the bash completion script (meson install puts it in "
	           "share/bash-completion/completions).",
	.example = "completion bash > ~/.local/share/bash-completion/completions/"
	           "capsim",
	.opts = bare_opts, .main = cmd_completion,
};

static int
cmd_completion(int argc, char **argv)
{
	int rc;

	if (argc == 2 && !strcmp(argv[1], "bash")) {
		cs_cli_completion_bash(stdout);
		return fflush(stdout) ? CS_EXIT_FAIL : CS_EXIT_OK;
	}
	if ((rc = no_args(&cs_cli_cmd_completion, argc, argv)))
		return rc < 0 ? CS_EXIT_OK : rc;
	return cs_cli_fail("completion", "%s", argc > 1 ? "only bash is known"
	                   " (capsim completion bash)" :
	                   "which shell? capsim completion bash");
}

static int cmd_man(int argc, char **argv);

const cs_cli_cmd cs_cli_cmd_man = {
	.name = "man", .args = "",
	.summary = "Print this manual page, capsim(1), in roff (meson install "
	           "installs it).",
	.example = "man | man -l -", .opts = bare_opts, .main = cmd_man,
};

static int
cmd_man(int argc, char **argv)
{
	int rc = no_args(&cs_cli_cmd_man, argc, argv);

	if (rc)
		return rc < 0 ? CS_EXIT_OK : rc;
	cs_cli_man(stdout);
	return fflush(stdout) ? CS_EXIT_FAIL : CS_EXIT_OK;
}

static int
cmd_help(int argc, char **argv)
{
	const cs_cli_cmd *c;

	if (argc == 1) {
		usage(stdout);
		return CS_EXIT_OK;
	}
	if (argc == 2 && !strcmp(argv[1], "--help")) {
		cs_cli_help(&cs_cli_cmd_help, stdout);
		return CS_EXIT_OK;
	}
	if (argc == 2 && (c = cs_cli_command(argv[1]))) {
		cs_cli_help(c, stdout);
		return CS_EXIT_OK;
	}
	return -1;
}

/* "unknown command", with the nearest one. */
static int
unknown(const char *word)
{
	const char *names[64], *near;
	size_t k;

	for (k = 0; cs_cli_commands[k] && k < 63; k++)
		names[k] = cs_cli_commands[k]->name;
	names[k] = NULL;
	near = cs_conf_suggest(word, names);
	fprintf(stderr, "capsim: error: unknown command \"%s\"%s%s%s\n\n", word,
	        near ? " (did you mean \"" : "", near ? near : "",
	        near ? "\"?)" : "");
	usage(stderr);
	return CS_EXIT_INPUT;
}

int
main(int argc, char **argv)
{
	const cs_cli_cmd *c;

	/* GSL's default handler aborts; every GSL status is checked instead */
	gsl_set_error_handler_off();
#ifdef M_TOP_PAD
	/*
	 * A calibration or a sweep builds and frees thousands of models of a
	 * few MB each.  glibc gives the freed top of the heap back to the
	 * kernel and takes it again for the next model, a page fault per
	 * page: a fifth of lab 2's calibration time was this system time.
	 * Growing the heap (and each thread's arena) 64 MB at a time keeps
	 * it; memory is given back only when that much is free.
	 */
	mallopt(M_TOP_PAD, 64 << 20);
#endif
	if (argc < 2) {
		usage(stderr);
		return CS_EXIT_INPUT;
	}
	if (!strcmp(argv[1], "--version"))
		return cmd_version(1, argv + 1);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(1, argv + 1);
	if (!(c = cs_cli_command(argv[1])))
		return unknown(argv[1]);
	if (c == &cs_cli_cmd_help) {
		int rc = cmd_help(argc - 1, argv + 1);

		if (rc >= 0)
			return rc;
		if (argc == 3)
			return unknown(argv[2]);
		cs_cli_fail("help", "%s", "give one command: capsim help COMMAND");
		cs_cli_usage(c, stderr);
		return CS_EXIT_INPUT;
	}
	return c->main(argc - 1, argv + 1);
}
