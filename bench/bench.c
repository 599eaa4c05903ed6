/*
 * capsim-bench: wall time, requests/s, events/s and peak memory of the
 * engine on fixed models, the same closed backend in a minimal hand-written
 * C loop (capsim-refloop) and in SimPy side by side, and, with --callgrind,
 * the instructions each case executes per event and per request.
 *
 *   capsim-bench [--source DIR] [--no-simpy] [--quick] [--repeat N]
 *                [--callgrind]
 *
 * Each case runs in a child process (this program again, with --run-case:
 * one replication, one thread), so its peak resident memory is its own
 * (wait4's ru_maxrss) and a case can run under valgrind alone.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>

#include "capsim.h"
#include "sweep/sweep.h"

typedef struct bcase {
	const char *label;
	const char *file;   /* relative to the source dir */
	const char *set;    /* one --set, or NULL */
	int slow;           /* left out by --quick and --callgrind, run once */
} bcase;

static const bcase cases[] = {
	{ "M/M/10, 200k customers", "bench/mm10.yaml", NULL, 0 },
	{ "closed backend, 600 s", "bench/closed.yaml", NULL, 0 },
	{ "scenarios/500u.yaml (1 rep)", "scenarios/500u.yaml", "run.replications=1", 0 },
	{ "500u steady, 1 min", "bench/steady500.yaml", "run.duration=1m", 0 },
	{ "500u steady, 24 h", "bench/steady500.yaml", "run.duration=24h", 1 },
};
#define NCASES (sizeof cases / sizeof cases[0])
#define CLOSED 1 /* the case capsim-refloop implements */
#define REF_ARGS "--users", "500", "--duration", "600", "--seed", "1"

/* What one run of a case measured. */
typedef struct meas {
	double req, ev;     /* requests, events */
	double wall;        /* seconds, the run only (median over repeats) */
	double cpu;         /* CPU seconds, the run only (median over repeats) */
	double mb;          /* peak resident memory, MB (largest over repeats) */
	double ir;          /* instructions (--callgrind), else 0 */
} meas;

static char self[4096];   /* this program's path */
static char refloop[4096]; /* capsim-refloop's: built beside this one */

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds of this process, all threads: on a shared machine the time
 * it ran, not the time it waited for a core. */
static double
cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --run-case: run case i in this process, print "requests events wall
 * cpu". */
static int
run_case_here(const char *src, int i)
{
	const bcase *c = &cases[i];
	const char *sets[1] = { c->set };
	char path[4096];
	cs_scenario *sc;
	cs_result *r;
	cs_error err;
	cs_run_opts o = { .replications = 1, .jobs = 1 };
	double t0, c0, wall, cpu, req;

	gsl_set_error_handler_off();
	snprintf(path, sizeof path, "%s/%s", src, c->file);
	if (cs_scenario_load_file(path, sets, c->set ? 1 : 0, &sc, &err)) {
		cs_error_print(stderr, &err);
		return 2;
	}
	t0 = now_s();
	c0 = cpu_s();
	if (cs_run(sc, &o, &r, &err)) {
		cs_error_print(stderr, &err);
		return 1;
	}
	wall = now_s() - t0;
	cpu = cpu_s() - c0;
	cs_result_metric(r, "checks.conservation.generated", &req, NULL, NULL);
	printf("%.0f %llu %.6f %.6f\n", req,
	       (unsigned long long)cs_result_events(r), wall, cpu);
	cs_result_free(r);
	cs_scenario_free(sc);
	return 0;
}

/* Run argv with its stdout into out (NUL-terminated) and its stderr to
 * /dev/null when quiet.  Returns the exit status, -1 when it could not run
 * or was killed; *ru gets its resource usage. */
static int
capture(char *const argv[], char *out, size_t outsz, int quiet,
        struct rusage *ru)
{
	int p[2], status;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(p))
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		if (quiet && !freopen("/dev/null", "w", stderr))
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	while (len + 1 < outsz &&
	       (n = read(p[0], out + len, outsz - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = 0;
	close(p[0]);
	if (wait4(pid, &status, 0, ru) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* The instruction count a callgrind output file reports ("totals: N"). */
static double
callgrind_total(const char *file)
{
	char line[256];
	double ir = -1;
	FILE *f = fopen(file, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, "totals:", 7) || !strncmp(line, "summary:", 8))
			ir = atof(strchr(line, ':') + 1);
	fclose(f);
	return ir;
}

/* Run argv (a capsim case or capsim-refloop) once, under callgrind when
 * toggle is set (counting only inside that function).  parse reads the
 * child's output into *m. */
static int
run_once(char **argv, const char *toggle, int (*parse)(const char *, meas *),
         meas *m)
{
	char out[1024], cgfile[] = "/tmp/capsim-bench-cg-XXXXXX";
	char outopt[64], togopt[128];
	char *vg[32];
	struct rusage ru;
	int k = 0, fd, rc;

	if (!toggle) {
		rc = capture(argv, out, sizeof out, 0, &ru);
		if (rc || parse(out, m))
			return -1;
		m->mb = ru.ru_maxrss / 1024.0;
		m->ir = 0;
		return 0;
	}
	fd = mkstemp(cgfile);
	if (fd < 0)
		return -1;
	close(fd);
	snprintf(outopt, sizeof outopt, "--callgrind-out-file=%s", cgfile);
	snprintf(togopt, sizeof togopt, "--toggle-collect=%s", toggle);
	vg[k++] = "valgrind";
	vg[k++] = "--tool=callgrind";
	vg[k++] = "-q";
	vg[k++] = outopt;
	vg[k++] = togopt;
	while (*argv && k < 31)
		vg[k++] = *argv++;
	vg[k] = NULL;
	rc = capture(vg, out, sizeof out, 1, &ru);
	m->ir = callgrind_total(cgfile);
	remove(cgfile);
	if (rc || parse(out, m) || m->ir <= 0)
		return -1;
	m->mb = 0;
	return 0;
}

static int
parse_case(const char *out, meas *m)
{
	return sscanf(out, "%lf %lf %lf %lf", &m->req, &m->ev, &m->wall,
	              &m->cpu) == 4 ? 0 : -1;
}

static int
parse_ref(const char *out, meas *m)
{
	const char *r = strstr(out, "requests="), *e = strstr(out, "events="),
	           *w = strstr(out, "wall_s="), *c = strstr(out, "cpu_s=");

	if (!r || !e || !w || !c)
		return -1;
	m->req = atof(r + 9);
	m->ev = atof(e + 7);
	m->wall = atof(w + 7);
	m->cpu = atof(c + 6);
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Run argv `repeat` times: the median wall and CPU times, the largest
 * memory. */
static int
run_median(char **argv, int (*parse)(const char *, meas *), int repeat,
           meas *m)
{
	double walls[64], cpus[64];
	int k;

	if (repeat > 64)
		repeat = 64;
	for (k = 0; k < repeat; k++) {
		meas one;

		if (run_once(argv, NULL, parse, &one))
			return -1;
		walls[k] = one.wall;
		cpus[k] = one.cpu;
		if (k == 0)
			*m = one;
		else if (one.mb > m->mb)
			m->mb = one.mb;
	}
	m->wall = median(walls, repeat);
	m->cpu = median(cpus, repeat);
	return 0;
}

/* Rates per CPU second: the same as per wall second on an idle machine,
 * and not inflated by time spent waiting for a core on a busy one. */
static void
row(const char *label, const meas *m)
{
	printf("%-34s %11.0f %12.0f %8.3f %8.3f %13.0f %13.0f %8.1f\n", label,
	       m->req, m->ev, m->wall, m->cpu, m->req / m->cpu, m->ev / m->cpu,
	       m->mb);
}

static void
cg_row(const char *label, const meas *m)
{
	printf("%-34s %11.0f %12.0f %15.0f %9.1f %9.1f %8.2f\n", label, m->req,
	       m->ev, m->ir, m->ir / m->ev, m->ir / m->req, m->ev / m->req);
}

static int
count_point(size_t point, const cs_result *res, void *ctx)
{
	(void)point;
	(void)res;
	(*(size_t *)ctx)++;
	return 0;
}

/* Replications run and points that met the precision asked. */
typedef struct prec_tally {
	unsigned reps;
	size_t met;
} prec_tally;

static int
tally_point(size_t point, const cs_result *res, void *ctx)
{
	prec_tally *t = ctx;
	cs_precision_info pi;

	(void)point;
	cs_result_precision(res, &pi);
	t->reps += pi.replications;
	t->met += pi.met != 0;
	return 0;
}

/* The sweep: 20 pool sizes of scenarios/500u.yaml, 10
 * replications each, on 1 and on 2 threads: as capsim sweep runs it
 * (sharing the replications of the sizes no replication filled:
 * models/reuse.h), then with every replication run (--no-share: the
 * engine's time, the same output). */
static void
bench_sweep(const char *src)
{
	const char *vary[] = { "db.pool.size=5:100:5" };
	char path[4096];
	cs_sweep *sw;
	cs_error err;
	cs_run_opts ro = { .replications = 10 };
	size_t wanted[20], i, done;
	unsigned jobs;
	int share;

	snprintf(path, sizeof path, "%s/scenarios/500u.yaml", src);
	if (cs_sweep_new(vary, 1, &sw, &err)) {
		cs_error_print(stderr, &err);
		return;
	}
	for (i = 0; i < 20; i++)
		wanted[i] = i;
	for (share = 1; share >= 0; share--) {
		double t[3] = { 0 }, c[3] = { 0 };

		cs_sweep_set_share(sw, share);
		for (jobs = 1; jobs <= 2; jobs++) {
			double t0 = now_s(), c0 = cpu_s();

			done = 0;
			if (cs_sweep_run(sw, path, NULL, 0, &ro, wanted, 20,
			                 jobs, count_point, &done, &err)) {
				cs_error_print(stderr, &err);
				break;
			}
			t[jobs] = now_s() - t0;
			c[jobs] = cpu_s() - c0;
		}
		if (t[1] > 0 && t[2] > 0)
			printf("sweep 500u.yaml, 20 pool sizes x 10 replications%s: "
			       "%.2f s on 1 job, %.2f s on 2 jobs (speed-up %.2fx); "
			       "CPU %.2f s and %.2f s\n",
			       share ? "" : " (--no-share)", t[1], t[2],
			       t[1] / t[2], c[1], c[2]);
	}
	cs_sweep_set_share(sw, true);
	/* the same sweep under the sequential rule, on 2 jobs: each point
	 * stops when its watched metrics are within 2% (at most 200, at
	 * most 20, and at most 10 replications: never more than the fixed
	 * sweep, fewer where 2% comes sooner) */
	{
		static const unsigned maxes[] = { 0, 20, 10 };
		size_t m;

		for (m = 0; m < 3; m++) {
			cs_run_opts po = { .precision = 0.02,
			                   .max_replications = maxes[m] };
			prec_tally tl = { 0 };
			double t0 = now_s();

			if (cs_sweep_run(sw, path, NULL, 0, &po, wanted, 20, 2,
			                 tally_point, &tl, &err)) {
				cs_error_print(stderr, &err);
				break;
			}
			printf("sweep 500u.yaml, 20 pool sizes, --precision 2%% "
			       "--max-replications %u: %.2f s on 2 jobs, %u "
			       "replications, %zu of 20 points within 2%%\n",
			       maxes[m] ? maxes[m] : CS_PRECISION_MAX_REPS,
			       now_s() - t0, tl.reps, tl.met);
		}
	}
	cs_sweep_free(sw);
}

static void
simpy(const char *src, double capsim_rps)
{
	char cmd[4096], line[512];
	FILE *f;
	double s_rps = 0;

	snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s/bench/simpy_closed.py "
	         "--users 500 --duration 600 --seed 1", src);
	f = popen(cmd, "r");
	if (f && fgets(line, sizeof line, f)) {
		char *p = strstr(line, "req_per_s=");

		fputs(line, stdout);
		if (p)
			s_rps = atof(p + 10);
	}
	if (f)
		pclose(f);
	if (s_rps > 0 && capsim_rps > 0)
		printf("closed backend: capsim %.0f requests/s vs SimPy %.0f "
		       "requests/s = %.0fx\n", capsim_rps, s_rps, capsim_rps / s_rps);
	else
		printf("SimPy comparison unavailable (python3-simpy missing?)\n");
}

/* Find this program and capsim-refloop beside it. */
static void
find_programs(const char *argv0)
{
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	char *slash;

	if (n > 0)
		self[n] = 0;
	else
		snprintf(self, sizeof self, "%s", argv0);
	snprintf(refloop, sizeof refloop, "%s", self);
	slash = strrchr(refloop, '/');
	snprintf(slash ? slash + 1 : refloop,
	         sizeof refloop - (size_t)(slash ? slash + 1 - refloop : 0),
	         "capsim-refloop");
}

/* --callgrind: instructions per event and per request, each case and the
 * hand-written loop under valgrind, counting only the run itself. */
static int
bench_callgrind(const char *src)
{
	char *ref[] = { refloop, REF_ARGS, NULL };
	char idx[16], *argv[] = { self, "--source", (char *)src, "--run-case",
	                          idx, NULL };
	meas m, closed = { 0 }, rm;
	size_t i;
	int fails = 0;

	printf("%-34s %11s %12s %15s %9s %9s %8s\n", "case", "requests",
	       "events", "instructions", "per_event", "per_req", "ev/req");
	for (i = 0; i < NCASES; i++) {
		if (cases[i].slow)
			continue;
		snprintf(idx, sizeof idx, "%zu", i);
		if (run_once(argv, "cs_run", parse_case, &m)) {
			printf("%-34s  failed (is valgrind installed?)\n",
			       cases[i].label);
			fails++;
			continue;
		}
		cg_row(cases[i].label, &m);
		if (i == CLOSED)
			closed = m;
	}
	if (run_once(ref, "ref_run", parse_ref, &rm)) {
		printf("%-34s  failed\n", "hand-written loop, closed");
		return 1;
	}
	cg_row("hand-written loop, closed", &rm);
	if (closed.req > 0)
		printf("closed backend: capsim %.0f instructions per request, the "
		       "hand-written loop %.0f: %.2fx\n", closed.ir / closed.req,
		       rm.ir / rm.req, (closed.ir / closed.req) / (rm.ir / rm.req));
	return fails ? 1 : 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "source", required_argument, NULL, 's' },
		{ "no-simpy", no_argument, NULL, 'n' },
		{ "quick", no_argument, NULL, 'q' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "callgrind", no_argument, NULL, 'c' },
		{ "run-case", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 }
	};
	const char *src = ".";
	int simpy_on = 1, quick = 0, cg = 0, repeat = 3, one = -1, c, fails = 0;
	size_t i;
	meas m, closed = { 0 }, rm;
	double load[1] = { -1 };
	char idx[16];
	char *ref[] = { refloop, REF_ARGS, NULL };
	char *cargv[] = { self, "--source", NULL, "--run-case", idx, NULL };

	while ((c = getopt_long(argc, argv, "s:nqr:cR:", opts, NULL)) != -1) {
		if (c == 's')
			src = optarg;
		else if (c == 'n')
			simpy_on = 0;
		else if (c == 'q')
			quick = 1;
		else if (c == 'r')
			repeat = atoi(optarg);
		else if (c == 'c')
			cg = 1;
		else if (c == 'R')
			one = atoi(optarg);
		else
			return 2;
	}
	if (one >= 0)
		return one < (int)NCASES ? run_case_here(src, one) : 2;
	if (repeat < 1 || repeat > 64) {
		fprintf(stderr, "capsim-bench: --repeat must be 1..64\n");
		return 2;
	}
	find_programs(argv[0]);
	cargv[2] = (char *)src;
	if (cg)
		return bench_callgrind(src);
	getloadavg(load, 1);
	printf("wall_s, cpu_s: medians of %d runs (the 24 h case: 1); rates per "
	       "CPU second; load average %.2f at the start\n", repeat, load[0]);
	printf("%-34s %11s %12s %8s %8s %13s %13s %8s\n", "case", "requests",
	       "events", "wall_s", "cpu_s", "requests/s", "events/s", "peak_MB");
	for (i = 0; i < NCASES; i++) {
		if (quick && cases[i].slow)
			continue;
		snprintf(idx, sizeof idx, "%zu", i);
		if (run_median(cargv, parse_case, cases[i].slow ? 1 : repeat, &m)) {
			printf("%-34s  failed\n", cases[i].label);
			fails++;
			continue;
		}
		row(cases[i].label, &m);
		if (i == CLOSED)
			closed = m;
	}
	if (run_median(ref, parse_ref, repeat, &rm)) {
		printf("%-34s  failed\n", "hand-written loop, closed");
		fails++;
	} else {
		row("hand-written loop, closed", &rm);
		if (closed.req > 0)
			printf("closed backend: capsim %.0f requests/s = %.0f%% of "
			       "the hand-written loop's %.0f requests/s (by CPU "
			       "time; by wall time %.0f%%)\n",
			       closed.req / closed.cpu,
			       100 * (closed.req / closed.cpu) / (rm.req / rm.cpu),
			       rm.req / rm.cpu,
			       100 * (closed.req / closed.wall) / (rm.req / rm.wall));
	}
	if (!quick)
		bench_sweep(src);
	if (simpy_on)
		simpy(src, closed.req > 0 ? closed.req / closed.wall : 0);
	return fails ? 1 : 0;
}
