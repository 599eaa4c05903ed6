/* Atomic output files and small parsers for the CLI. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "sweep/sweepio.h"
#include "config/conf.h"

/*
 * A named temporary output is removed if a signal that ends the process
 * arrives before the rename; an unnamed one (the usual case) vanishes by
 * itself, even on SIGKILL.
 */
static void
on_signal(int sig)
{
	cs_outfile_unlink_pending(); /* async-signal-safe */
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
install_handlers(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	static int installed;
	size_t k;

	if (installed)
		return;
	for (k = 0; k < sizeof sigs / sizeof sigs[0]; k++)
		signal(sigs[k], on_signal);
	installed = 1;
}

int
cs_out_open(cs_out *o, const char *path)
{
	int fd;

	memset(o, 0, sizeof *o);
	o->file.fd = -1;
	if (!path || !strcmp(path, "-")) {
		o->f = stdout;
		return 0;
	}
	install_handlers();
	if (cs_outfile_open(&o->file, path, &o->err))
		return -1;
	/* the stream writes through its own descriptor, so that closing it
	 * leaves the outfile's for the sync and the rename */
	fd = dup(o->file.fd);
	o->f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!o->f) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		cs_outfile_abort(&o->file);
		cs_error_set(&o->err, CS_ERR_IO, path, 0, 0, "",
		             "cannot write: %s", strerror(e));
		return -1;
	}
	return 0;
}

int
cs_out_commit(cs_out *o)
{
	int rc = 0;

	if (o->f == stdout) {
		rc = fflush(stdout) || ferror(stdout) ? -1 : 0;
		o->f = NULL;
		if (rc)
			cs_error_set(&o->err, CS_ERR_IO, "stdout", 0, 0, "",
			             "cannot write: %s", strerror(errno));
		return rc;
	}
	if (!o->f)
		return -1;
	if (fflush(o->f) || ferror(o->f)) {
		cs_error_set(&o->err, CS_ERR_IO, o->file.target, 0, 0, "",
		             "cannot write: %s", strerror(errno ? errno : EIO));
		rc = -1;
	}
	if (fclose(o->f) && !rc) {
		cs_error_set(&o->err, CS_ERR_IO, o->file.target, 0, 0, "",
		             "cannot write: %s", strerror(errno));
		rc = -1;
	}
	o->f = NULL;
	if (rc)
		cs_outfile_abort(&o->file);
	else if (cs_outfile_commit(&o->file, &o->err))
		rc = -1;
	return rc;
}

void
cs_out_abort(cs_out *o)
{
	if (o->f && o->f != stdout)
		fclose(o->f);
	o->f = NULL;
	cs_outfile_abort(&o->file);
}

int
cs_out_write_fail(const char *cmd, cs_out *o, int e, int status)
{
	const char *name = o->f == stdout ? "stdout" :
	                   o->file.target ? o->file.target : "the output";

	/* the name first: the abort frees it */
	cs_error_set(&o->err, CS_ERR_IO, name, 0, 0, "", "cannot write: %s",
	             strerror(e ? e : EIO));
	cs_out_abort(o);
	return cs_out_fail(cmd, o, status);
}

int
cs_out_fail(const char *cmd, const cs_out *o, int status)
{
	fprintf(stderr, "capsim %s: ", cmd);
	cs_error_print(stderr, &o->err);
	return status;
}

int
cs_cli_same_file(const char *cmd, const char *out, const char *in)
{
	if (!out || !strcmp(out, "-") || !cs_outfile_same(out, in))
		return 0;
	fprintf(stderr, "capsim %s: error: -o %s would overwrite the input "
	        "%s; choose another output file\n", cmd, out, in);
	return CS_EXIT_INPUT;
}

double
cs_cli_seconds(const char *s)
{
	/* the scenario file's own grammar (config/conf.c): "250ms", "30s",
	 * "1m30s", "1h"; a bare number other than 0 has no unit and is
	 * refused, as it is in YAML */
	cs_conf cf;
	cs_conf_node n;
	double v;

	memset(&cf, 0, sizeof cf);
	memset(&n, 0, sizeof n);
	cf.file = (char *)"";
	n.kind = CS_CONF_SCALAR;
	n.value = (char *)s;
	if (cs_conf_duration(&cf, &n, "", 0, INFINITY, &v, NULL))
		return -1;
	return v;
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
	case CS_OPT_PRECISION:
		/* under the histogram's resolution (0.8%) a percentile
		 * cannot get there: such a run goes to the maximum and says
		 * so; above 50% an interval says little */
		ro->precision = cs_cli_fraction(arg, 0.5);
		if (!(ro->precision >= 0.001))
			return cs_cli_fail(cmd, "--precision must be a relative "
			                   "half-width from 0.1%% to 50%%, like 2%% or "
			                   "0.02 (got \"%s\")", arg);
		return 0;
	case CS_OPT_PRECISION_FLOOR:
		ro->precision_floor = cs_cli_fraction(arg, 0.5);
		if (!(ro->precision_floor > 0))
			return cs_cli_fail(cmd, "--precision-floor must be an absolute "
			                   "half-width of a ratio in (0, 50%%], like "
			                   "0.1%% or 0.001 (got \"%s\")", arg);
		return 0;
	case CS_OPT_MAX_REPS:
		if (whole(arg, 100000, &v) || v < 2)
			return cs_cli_fail(cmd, "--max-replications must be a whole "
			                   "number from 2 to 100000 (got \"%s\")", arg);
		ro->max_replications = (unsigned)v;
		return 0;
	default:
		return 1;
	}
}

/* ---- progress on a terminal ---------------------------------------------- */

static double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
cs_cli_progress_start(cs_cli_progress *p, const char *cmd, cs_run_opts *ro)
{
	p->cmd = cmd;
	p->tty = isatty(2);
	p->t0 = mono_now();
	p->after = 1;
	{
		/* how long a run must take before its line shows: a second,
		 * unless the environment says otherwise (0: at once) */
		const char *a = getenv("CAPSIM_PROGRESS_AFTER");
		char *end;
		double v;

		if (a && *a) {
			v = strtod(a, &end);
			if (*end == '\0' && v >= 0 && v <= 1e6)
				p->after = v;
		}
	}
	p->runs = 0;
	p->shown = 0;
	pthread_mutex_init(&p->lock, NULL);
	if (p->tty) {
		ro->progress = cs_cli_progress_rep;
		ro->progress_ctx = p;
	}
}

void
cs_cli_progress_rep(void *ctx, unsigned done, unsigned total)
{
	cs_cli_progress *p = ctx;
	double el;

	pthread_mutex_lock(&p->lock);
	if (done == total)
		p->runs++; /* the calls may come in any order: count ends */
	el = mono_now() - p->t0;
	/* a run shorter than a second shows nothing */
	if (el >= p->after) {
		if (!strcmp(p->cmd, "capacity"))
			fprintf(stderr, "\r\033[Kcapsim capacity: %u runs done; "
			        "this one %u/%u replications, %.0fs", p->runs,
			        done, total, el);
		else
			fprintf(stderr, "\r\033[Kcapsim %s: %u/%u replications, "
			        "%.0fs", p->cmd, done, total, el);
		fflush(stderr);
		p->shown = 1;
	}
	pthread_mutex_unlock(&p->lock);
}

void
cs_cli_progress_end(cs_cli_progress *p)
{
	if (p->shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		p->shown = 0;
	}
	pthread_mutex_destroy(&p->lock);
}

int
cs_cli_run_check(const char *cmd, const cs_run_opts *ro)
{
	unsigned first;

	if (!(ro->precision > 0)) {
		if (ro->precision_floor > 0)
			return cs_cli_fail(cmd, "--precision-floor needs --precision");
		if (ro->max_replications)
			return cs_cli_fail(cmd, "--max-replications needs --precision "
			                   "(without it, --replications is the count)");
		return 0;
	}
	first = ro->replications > CS_PRECISION_MIN_REPS ? ro->replications :
	        CS_PRECISION_MIN_REPS;
	if (ro->max_replications && ro->max_replications < first)
		return cs_cli_fail(cmd, "--max-replications (%u) is below the "
		                   "first batch of %u replications (--replications, "
		                   "at least %d)", ro->max_replications, first,
		                   CS_PRECISION_MIN_REPS);
	return 0;
}

double
cs_cli_fraction(const char *s, double max)
{
	char *end;
	double x;

	errno = 0;
	x = strtod(s, &end);
	if (end == s || errno)
		return -1;
	if (*end == '%') {
		x /= 100;
		end++;
	}
	if (*end || !(x > 0) || x > max)
		return -1;
	return x;
}

int
sweep_write_out(const char *cmd, const sweepdoc *d, sweepfmt fmt,
                cs_out *out)
{
	errno = 0;
	if (sweep_write(d, fmt, out->f))
		return cs_out_write_fail(cmd, out, errno, CS_EXIT_FAIL);
	if (cs_out_commit(out))
		return cs_out_fail(cmd, out, CS_EXIT_FAIL);
	return CS_EXIT_OK;
}
