/* Atomic output files and small parsers for the CLI. */
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

/*
 * The temporary file being written, removed if SIGINT or SIGTERM arrives
 * before the rename: an interrupted run leaves neither a half-written
 * output nor a stray temporary.  One output at a time per process.
 */
static char pending_tmp[4096];
static volatile sig_atomic_t pending_set;

static void
on_signal(int sig)
{
	if (pending_set)
		unlink(pending_tmp); /* async-signal-safe */
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
pending(const char *tmp)
{
	static int installed;

	pending_set = 0;
	if (!tmp)
		return;
	snprintf(pending_tmp, sizeof pending_tmp, "%s", tmp);
	pending_set = 1;
	if (!installed) {
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
		installed = 1;
	}
}

int
cs_out_open(cs_out *o, const char *path)
{
	int fd;
	size_t n;

	memset(o, 0, sizeof *o);
	if (!path || !strcmp(path, "-")) {
		o->f = stdout;
		return 0;
	}
	n = strlen(path) + 16;
	o->path = strdup(path);
	o->tmp = malloc(n);
	if (!o->path || !o->tmp) {
		cs_out_abort(o);
		return -1;
	}
	snprintf(o->tmp, n, "%s.tmpXXXXXX", path);
	fd = mkstemp(o->tmp);
	if (fd < 0) {
		free(o->tmp);
		o->tmp = NULL;
		cs_out_abort(o);
		return -1;
	}
	o->f = fdopen(fd, "w");
	if (!o->f) {
		close(fd);
		cs_out_abort(o);
		return -1;
	}
	if (strlen(o->tmp) < sizeof pending_tmp)
		pending(o->tmp);
	return 0;
}

int
cs_out_commit(cs_out *o)
{
	int rc = 0;

	if (o->f == stdout) {
		rc = fflush(stdout) ? -1 : 0;
		o->f = NULL;
		return rc;
	}
	if (fflush(o->f) || fsync(fileno(o->f)))
		rc = -1;
	if (fclose(o->f))
		rc = -1;
	o->f = NULL;
	if (rc == 0 && rename(o->tmp, o->path))
		rc = -1;
	pending(NULL);
	if (rc)
		unlink(o->tmp);
	free(o->tmp);
	free(o->path);
	o->tmp = o->path = NULL;
	return rc;
}

void
cs_out_abort(cs_out *o)
{
	pending(NULL);
	if (o->f && o->f != stdout)
		fclose(o->f);
	if (o->tmp)
		unlink(o->tmp);
	free(o->tmp);
	free(o->path);
	memset(o, 0, sizeof *o);
}

double
cs_cli_seconds(const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || !(v >= 0))
		return -1;
	while (*end == ' ')
		end++;
	if (!strcmp(end, "ms"))
		return v / 1e3;
	if (!strcmp(end, "s") || !*end)
		return v;
	if (!strcmp(end, "m") || !strcmp(end, "min"))
		return v * 60;
	if (!strcmp(end, "h"))
		return v * 3600;
	return -1;
}

int
cs_cli_exit(cs_status s)
{
	switch (s) {
	case CS_OK: return CS_EXIT_OK;
	case CS_ERR_PARSE:
	case CS_ERR_INVALID:
	case CS_ERR_USAGE:
	case CS_ERR_IO:
		return CS_EXIT_INPUT;
	default:
		return CS_EXIT_FAIL;
	}
}

int
cs_cli_bad_option(const char *cmd, int c, char **argv, const char *usage)
{
	const char *arg = argv[optind - 1];

	if (c == ':')
		fprintf(stderr, "capsim %s: error: option %s needs a value\n",
		        cmd, arg);
	else if (optopt)
		fprintf(stderr, "capsim %s: error: unknown option -%c\n", cmd,
		        optopt);
	else
		fprintf(stderr, "capsim %s: error: unknown option %s\n", cmd, arg);
	fputs(usage, stderr);
	return CS_EXIT_INPUT;
}

int
cs_cli_fail(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "capsim %s: error: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CS_EXIT_INPUT;
}

/* A whole number in [0, max]; -1 if s is anything else. */
static int
whole(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return *end || errno || *out > max ? -1 : 0;
}

int
cs_cli_run_option(const char *cmd, int c, const char *arg, cs_run_opts *ro)
{
	unsigned long long v;

	switch (c) {
	case 'r':
		if (whole(arg, 100000, &v) || v == 0)
			return cs_cli_fail(cmd, "--replications must be a whole "
			                   "number from 1 to 100000 (got \"%s\")", arg);
		ro->replications = (unsigned)v;
		return 0;
	case 'S':
		if (whole(arg, 9007199254740991ULL, &v))
			return cs_cli_fail(cmd, "--seed must be a whole number >= 0 "
			                   "(got \"%s\")", arg);
		ro->seed = v;
		ro->has_seed = 1;
		return 0;
	case 'j':
		if (whole(arg, 1024, &v))
			return cs_cli_fail(cmd, "--jobs must be a whole number from 0 "
			                   "(all cores) to 1024 (got \"%s\")", arg);
		ro->jobs = (unsigned)v;
		return 0;
	default:
		return 1;
	}
}
