/*
 * capsim-bench: wall time, requests/s, events/s and peak memory of the
 * engine on fixed models, and the same closed backend in SimPy side by side.
 *
 *   capsim-bench [--source DIR] [--no-simpy] [--quick]
 *
 * Each case runs in a child process (one replication, one thread), so its
 * peak resident memory is its own (wait4's ru_maxrss).
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
} bcase;

static const bcase cases[] = {
	{ "M/M/10, 200k customers", "bench/mm10.yaml", NULL },
	{ "closed backend, 600 s", "bench/closed.yaml", NULL },
	{ "scenarios/500u.yaml (1 rep)", "scenarios/500u.yaml", "run.replications=1" },
	{ "500u steady, 1 min", "bench/steady500.yaml", "run.duration=1m" },
	{ "500u steady, 24 h", "bench/steady500.yaml", "run.duration=24h" },
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* In the child: run the case, write "requests events wall" to fd. */
static int
child(const char *path, const char *set, int fd)
{
	const char *sets[1] = { set };
	cs_scenario *sc;
	cs_result *r;
	cs_error err;
	cs_run_opts o = { .replications = 1, .jobs = 1 };
	double t0, wall, req;
	char buf[128];
	int n;

	gsl_set_error_handler_off();
	if (cs_scenario_load_file(path, sets, set ? 1 : 0, &sc, &err)) {
		cs_error_print(stderr, &err);
		return 2;
	}
	t0 = now_s();
	if (cs_run(sc, &o, &r, &err)) {
		cs_error_print(stderr, &err);
		return 1;
	}
	wall = now_s() - t0;
	cs_result_metric(r, "checks.conservation.generated", &req, NULL, NULL);
	n = snprintf(buf, sizeof buf, "%.0f %llu %.6f\n", req,
	             (unsigned long long)cs_result_events(r), wall);
	if (write(fd, buf, (size_t)n) != n)
		return 1;
	cs_result_free(r);
	cs_scenario_free(sc);
	return 0;
}

static int
run_case(const bcase *c, const char *src, double *rps)
{
	char path[4096], buf[128];
	int p[2], status;
	struct rusage ru;
	pid_t pid;
	ssize_t n;
	double req = 0, wall = 0;
	unsigned long long ev = 0;

	snprintf(path, sizeof path, "%s/%s", src, c->file);
	if (pipe(p))
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(p[0]);
		_exit(child(path, c->set, p[1]));
	}
	close(p[1]);
	n = read(p[0], buf, sizeof buf - 1);
	close(p[0]);
	if (wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) || n <= 0) {
		printf("%-30s  failed\n", c->label);
		return -1;
	}
	buf[n] = 0;
	sscanf(buf, "%lf %llu %lf", &req, &ev, &wall);
	*rps = req / wall;
	printf("%-30s %11.0f %12llu %8.3f %13.0f %13.0f %8.1f\n", c->label, req,
	       ev, wall, req / wall, (double)ev / wall, ru.ru_maxrss / 1024.0);
	return 0;
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
 * replications each, on 1 and on 2 threads. */
static void
bench_sweep(const char *src)
{
	const char *vary[] = { "db.pool.size=5:100:5" };
	char path[4096];
	cs_sweep *sw;
	cs_error err;
	cs_run_opts ro = { .replications = 10 };
	size_t wanted[20], i, done;
	double t1 = 0, t2 = 0;
	unsigned jobs;

	snprintf(path, sizeof path, "%s/scenarios/500u.yaml", src);
	if (cs_sweep_new(vary, 1, &sw, &err)) {
		cs_error_print(stderr, &err);
		return;
	}
	for (i = 0; i < 20; i++)
		wanted[i] = i;
	for (jobs = 1; jobs <= 2; jobs++) {
		double t0 = now_s();

		done = 0;
		if (cs_sweep_run(sw, path, NULL, 0, &ro, wanted, 20, jobs,
		                 count_point, &done, &err)) {
			cs_error_print(stderr, &err);
			break;
		}
		if (jobs == 1)
			t1 = now_s() - t0;
		else
			t2 = now_s() - t0;
	}
	if (t1 > 0 && t2 > 0)
		printf("sweep 500u.yaml, 20 pool sizes x 10 replications: "
		       "%.2f s on 1 job, %.2f s on 2 jobs (speed-up %.2fx)\n",
		       t1, t2, t1 / t2);
	/* the same sweep under the sequential rule, on 2 jobs: each point
	 * stops when its watched metrics are within 2% (at most 200, and
	 * at most 20 replications) */
	{
		static const unsigned maxes[] = { 0, 20 };
		size_t m;

		for (m = 0; m < 2; m++) {
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

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "source", required_argument, NULL, 's' },
		{ "no-simpy", no_argument, NULL, 'n' },
		{ "quick", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 }
	};
	const char *src = ".";
	int simpy = 1, quick = 0, c, fails = 0;
	size_t i, ncases = sizeof cases / sizeof cases[0];
	double rps[sizeof cases / sizeof cases[0]] = { 0 };

	while ((c = getopt_long(argc, argv, "s:nq", opts, NULL)) != -1) {
		if (c == 's')
			src = optarg;
		else if (c == 'n')
			simpy = 0;
		else if (c == 'q')
			quick = 1;
		else
			return 2;
	}
	printf("%-30s %11s %12s %8s %13s %13s %8s\n", "case", "requests",
	       "events", "wall_s", "requests/s", "events/s", "peak_MB");
	for (i = 0; i < ncases; i++) {
		if (quick && i == ncases - 1)
			continue;
		if (run_case(&cases[i], src, &rps[i]))
			fails++;
	}
	if (!quick)
		bench_sweep(src);
	if (simpy) {
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
		if (s_rps > 0 && rps[1] > 0)
			printf("closed backend: capsim %.0f requests/s vs SimPy %.0f "
			       "requests/s = %.0fx\n", rps[1], s_rps, rps[1] / s_rps);
		else
			printf("SimPy comparison unavailable (python3-simpy missing?)\n");
	}
	return fails ? 1 : 0;
}
