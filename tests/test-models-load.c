/*
 * Tests of the load and how requests go: client timeouts and round trips,
 * stages, open arrivals, endpoint weights, branches and steps named by id.
 *
 * Suite "models", test case "components"; the helpers: models-harness.h.
 */
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "models-harness.h"

/*
 * 2 users, no think time, a 3 s request and a 1 s client timeout: each user
 * gives up after 1 s and sends the next request, while the server keeps
 * working on the old one for the full 3 s.  So 2 requests start per second
 * and each holds a worker 3 s: 6 workers busy (Little's law), not 2.
 */
START_TEST(load_client_timeout_abandons_but_server_continues)
{
	static const char yaml[] =
		"run: {duration: 60s}\n"
		"load: {users: 2, think: 0s, client_timeout: 1s}\n"
		"app: {workers: 16}\n"
		"endpoints:\n"
		"  - name: slow\n"
		"    steps: [{delay: 3s}]\n";
	sim s;
	double w;

	sim_run(&s, yaml, 2, 7);
	w = window(&s);
	ck_near(M(&s, "overall.error_rate"), 1.0, 0);
	ck_near(M(&s, "overall.errors_by_cause.client_timeout"),
	        M(&s, "overall.requests"), 0);
	/* answers at 6, 7, ..., 60 s: one more per user than the window's
	 * 54 s, since both edges count */
	ck_near(M(&s, "overall.throughput_rps"), 2.0, 2.5 / w);
	ck_near(M(&s, "overall.latency_ms.mean"), 1000.0, 1e-6);
	ck_near(M(&s, "resources.app.workers_busy.mean"), 6.0, 1e-6);
	ck_assert(M(&s, "resources.app.workers_busy.max") == 6);
	ck_assert(M(&s, "overall.errors_by_cause.server_timeout") == 0);
	sim_free(&s);
}
END_TEST

/*
 * A client timeout far longer than the answers: each request used to leave
 * its timer pending until it expired, so the event list grew with requests
 * sent per client_timeout, not with users, and 1,000,000 users filled its
 * 2^24 slots.  200 users (constant 10 ms think, 1 ms of CPU) send ~360,000
 * requests in 20 s; what can be pending is one think or step per user, one
 * event per CPU station, the load's tick and one client-timeout timer.
 * The list starts with 1,024 slots and must never have grown.
 */
START_TEST(load_client_timeouts_keep_event_list_small)
{
	static const char yaml[] =
		"run: {duration: 20s, warmup: 0s, replications: 1}\n"
		"load: {users: 200, think: 10ms, client_timeout: 1h}\n"
		"app: {workers: 1000, cores: 64}\n"
		"endpoints:\n"
		"  - name: a\n"
		"    steps: [{cpu: 1ms}]\n";
	cs_scenario *sc = NULL;
	cs_model *m = NULL;
	cs_error err;

	memset(&err, 0, sizeof err);
	ck_assert_int_eq(cs_scenario_load_string(yaml, "t.yaml", NULL, 0, &sc,
	                                         &err), CS_OK);
	ck_assert_int_eq(cs_model_new(sc, 1, 0, 0, &m), CS_OK);
	ck_assert_int_eq(cs_model_run(m), CS_OK);
	ck_assert_uint_gt(m->generated, 300000);
	ck_assert_uint_le(m->e->n, 200 + 2);
	ck_assert_uint_eq(m->e->cap, 1024);
	cs_model_free(m);
	cs_scenario_free(sc);
}
END_TEST

/*
 * load.rtt 50 ms around a 10 ms request: every answer takes 60 ms and the
 * worker is held only the 10 ms (the network half-trips hold nothing).
 * 10 users with exponential think of mean 1 s: X = 10 / 1.06 req/s.
 */
START_TEST(load_rtt_adds_round_trip_outside_the_server)
{
	static const char yaml[] =
		"run: {duration: 4000s, warmup: 100s}\n"
		"load: {users: 10, think: {dist: exponential, mean: 1s}, rtt: 50ms}\n"
		"app: {workers: 100, cores: 4}\n"
		"endpoints:\n"
		"  - name: a\n"
		"    steps: [{delay: 10ms}]\n";
	sim s;

	sim_run(&s, yaml, 4, 11);
	ck_near(M(&s, "overall.latency_ms.mean"), 60.0, 1e-6);
	ci_covers(&s, "overall.throughput_rps", 10 / 1.06);
	/* Little's law for the worker alone: X x 10 ms */
	ci_covers(&s, "resources.app.workers_busy.mean",
	          M(&s, "overall.throughput_rps") * 0.010);
	sim_free(&s);
}
END_TEST

/* A server timeout's answer also takes the way back: a 50 ms
 * request_timeout with a 100 ms round trip is seen after 150 ms. */
START_TEST(load_rtt_applies_to_server_timeouts)
{
	static const char yaml[] =
		"run: {duration: 200s}\n"
		"load: {users: 2, think: 1s, rtt: 100ms}\n"
		"app: {request_timeout: 50ms}\n"
		"endpoints:\n"
		"  - name: a\n"
		"    steps: [{delay: 200ms}]\n";
	sim s;

	sim_run(&s, yaml, 2, 3);
	ck_near(M(&s, "overall.error_rate"), 1.0, 0);
	ck_near(M(&s, "overall.latency_ms.mean"), 150.0, 1e-6);
	ck_near(M(&s, "overall.errors_by_cause.server_timeout"),
	        M(&s, "overall.requests"), 0);
	sim_free(&s);
}
END_TEST

/*
 * A branch taken with p = 0.3 adds 100 ms to a 10 ms request: the mean
 * latency is 10 + 100 p, so p_hat = (mean - 10) / 100, binomial bound.
 */
START_TEST(branch_probability_respected)
{
	static const char yaml[] =
		"run: {duration: 110s, warmup: 10s}\n"
		"load: {arrival_rate: 50}\n"
		"app: {workers: 1000}\n"
		"endpoints:\n"
		"  - name: br\n"
		"    steps:\n"
		"      - branch: {p: 0.3, steps: [{delay: 100ms}]}\n"
		"      - {delay: 10ms}\n";
	const unsigned reps = 4;
	sim s;
	double n, p_hat;

	sim_run(&s, yaml, reps, 7);
	n = M(&s, "overall.requests") * reps;
	p_hat = (M(&s, "overall.latency_ms.mean") - 10.0) / 100.0;
	ck_near(p_hat, 0.3, ZB * sqrt(0.3 * 0.7 / n));
	/* the mixture: 70% at 10 ms, 30% at 110 ms */
	ck_near(M(&s, "overall.latency_ms.p50"), 10.0, 10.0 * HIST);
	ck_near(M(&s, "overall.latency_ms.p90"), 110.0, 110.0 * HIST);
	sim_free(&s);
}
END_TEST

/* Weights 1 : 2 : 7 give request shares 0.1, 0.2, 0.7: binomial bounds. */
START_TEST(load_endpoint_weights_respected)
{
	static const char yaml[] =
		"run: {duration: 110s, warmup: 10s}\n"
		"load: {arrival_rate: 40}\n"
		"app: {workers: 1000}\n"
		"endpoints:\n"
		"  - {name: a, weight: 1, steps: [{delay: 10ms}]}\n"
		"  - {name: b, weight: 2, steps: [{delay: 10ms}]}\n"
		"  - {name: c, weight: 7, steps: [{delay: 10ms}]}\n";
	static const char *const names[] = { "a", "b", "c" };
	static const double share[] = { 0.1, 0.2, 0.7 };
	const unsigned reps = 4;
	char path[128];
	sim s;
	double n, sum = 0;
	int i;

	sim_run(&s, yaml, reps, 7);
	n = M(&s, "overall.requests");
	for (i = 0; i < 3; i++) {
		double ni, x;

		snprintf(path, sizeof path, "endpoints.%s.requests", names[i]);
		ni = M(&s, path);
		sum += ni;
		ck_near(ni / n, share[i],
		        ZB * sqrt(share[i] * (1 - share[i]) / (n * reps)));
		snprintf(path, sizeof path, "endpoints.%s.throughput_rps", names[i]);
		x = M(&s, path);
		ck_near(x / M(&s, "overall.throughput_rps"), ni / n, 1e-12);
	}
	ck_near(sum, n, 1e-6);
	sim_free(&s);
}
END_TEST

/*
 * k6-style stages, as percentages of load.users = 50: 0 -> 50 users over
 * 20 s, 50 for 30 s, 50 -> 0 over 10 s.
 * The whole test is measured (no warm-up with stages).  The peak is 50 and
 * the time-average is the trapezoid 50 (10 + 30 + 5) / 60 = 37.5 users,
 * within half a user: targets are rounded to whole users, updated every
 * 0.1 s on a ramp, and a ramping-down user leaves after its current request
 * (10 ms + 100 ms think).
 */
START_TEST(load_stages_ramp_users)
{
	static const char yaml[] =
		"run: {replications: 2}\n"
		"app: {workers: 100}\n"
		"load:\n"
		"  users: 50\n"
		"  think: 100ms\n"
		"  stages:\n"
		"    - {duration: 20s, target: 100%}\n"
		"    - {duration: 30s, target: 100%}\n"
		"    - {duration: 10s, target: 0%}\n"
		"endpoints:\n"
		"  - name: a\n"
		"    steps: [{delay: 10ms}]\n";
	sim s;

	sim_run(&s, yaml, 2, 7);
	ck_near(window(&s), 60.0, 1e-6);
	ck_assert(M(&s, "resources.load.users.max") == 50);
	ck_near(M(&s, "resources.load.users.mean"), 37.5, 0.5);
	/* each user cycles every 110 ms: 37.5 / 0.11 requests per second */
	ck_near(M(&s, "overall.throughput_rps"), 37.5 / 0.11, 0.5 / 0.11);
	ck_near(M(&s, "checks.conservation.in_flight"), 0, 0);
	sim_free(&s);
}
END_TEST

/*
 * Open arrivals: the throughput is the arrival rate (Poisson bound on the
 * count); with stages the count is the area under the rate curve,
 * 100 x (60/2 + 30 + 30/2) = 7500 requests.
 */
START_TEST(load_open_arrivals_rate)
{
	static const char yaml[] =
		"run: {duration: 110s, warmup: 10s}\n"
		"load: {arrival_rate: 40}\n"
		"endpoints:\n"
		"  - name: a\n"
		"    steps: [{delay: 5ms}]\n";
	static const char ramp[] =
		"load:\n"
		"  arrival_rate: 100\n"
		"  stages:\n"
		"    - {duration: 60s, target: 100%}\n"
		"    - {duration: 30s, target: 100%}\n"
		"    - {duration: 30s, target: 0%}\n"
		"endpoints:\n"
		"  - name: a\n"
		"    steps: [{delay: 5ms}]\n";
	const unsigned reps = 4;
	sim s;
	double w, n;

	sim_run(&s, yaml, reps, 7);
	w = window(&s);
	ck_near(w, 100.0, 1e-6);
	ck_near(M(&s, "overall.throughput_rps"), 40.0,
	        ZB * sqrt(40.0 * w * reps) / (w * reps));
	/* every arrival of the whole 110 s */
	ck_near(M(&s, "checks.conservation.generated"), 40.0 * 110,
	        ZB * sqrt(40.0 * 110 / reps));
	sim_free(&s);

	sim_run(&s, ramp, reps, 7);
	n = M(&s, "overall.requests");
	ck_near(n, 7500.0, ZB * sqrt(7500.0 / reps));
	ck_near(window(&s), 120.0, 1e-6);
	sim_free(&s);
}
END_TEST

/*
 * A closed user with no think time whose request fails at once (backlog
 * full: 3 users, 1 worker, no backlog) asks again at the same instant.
 *
 * Left alone the simulated clock would never advance.  capsim stops such
 * a run after 10,000 instant answers in a row to one user and says why
 * (CS_ERR_INVALID, path load.think), with or without a client timeout
 * (whose pending timers would otherwise pile up).  The run happens in a
 * child process under a 3 s alarm, so a regression fails this test
 * instead of hanging the suite.
 */
START_TEST(load_zero_think_instant_failure_terminates)
{
	static const char yaml[] =
		"run: {duration: 2s, replications: 1}\n"
		"load: {users: 3, think: 0s}\n"
		"app: {workers: 1, backlog: 0}\n"
		"endpoints:\n"
		"  - name: a\n"
		"    steps: [{delay: 100ms}]\n";
	pid_t pid;
	int status = 0;

	fflush(NULL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		cs_scenario *sc = NULL;
		cs_result *r = NULL;
		cs_error err;
		cs_run_opts o = { .replications = 1, .jobs = 1 };
		cs_status st;
		int code;

		/* Check's own SIGALRM handler is inherited: it would kill
		 * the whole test; the default action ends this child only */
		signal(SIGALRM, SIG_DFL);
		alarm(3);
		st = cs_scenario_load_string(yaml, "test.yaml", NULL, 0, &sc, &err);
		if (st != CS_OK)
			_exit(3);
		st = cs_run(sc, &o, &r, &err);
		code = st == CS_ERR_INVALID && !strcmp(err.path, "load.think") &&
		       strstr(err.msg, "stalled") && strstr(err.msg, "backlog_full")
		       ? 0 : 10 + (int)st;
		cs_result_free(r);
		cs_scenario_free(sc);
		_exit(code);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(!WIFSIGNALED(status),
	              "the run did not end: killed by signal %d after 3 s "
	              "(2 s simulated)",
	              WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	              "the run failed: exit %d (10 + cs_status)",
	              WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}
END_TEST

/* A step named by id: --set (and --fit) paths use the id, so inserting a
 * step before it does not change what the path means. */
START_TEST(steps_are_addressed_by_id)
{
	static const char *const yaml[2] = {
		"run: {duration: 20s, warmup: 2s, replications: 2, seed: 3}\n"
		"load: {users: 5, think: {dist: constant, value: 1s}}\n"
		"endpoints:\n"
		"  - name: a\n"
		"    steps:\n"
		"      - {id: work, delay: 10ms}\n",
		/* the same with a step inserted before it */
		"run: {duration: 20s, warmup: 2s, replications: 2, seed: 3}\n"
		"load: {users: 5, think: {dist: constant, value: 1s}}\n"
		"endpoints:\n"
		"  - name: a\n"
		"    steps:\n"
		"      - {delay: 0ms}\n"
		"      - {id: work, delay: 10ms}\n"
	};
	const char *sets[1] = { "endpoints.a.steps.work.delay=100ms" };
	int k;

	for (k = 0; k < 2; k++) {
		double p50;

		run_metric(yaml[k], sets, 1, "overall.latency_ms.p50", &p50, NULL,
		           NULL);
		/* constant delays: exactly 100 ms (within the histogram's
		 * 0.8% bucket) */
		ck_assert_msg(fabs(p50 - 100) <= 1, "p50 %g", p50);
	}
	{
		cs_scenario *sc = NULL;
		cs_error err;

		ck_assert_int_eq(cs_scenario_load_string(
		    "run: {duration: 20s}\nload: {users: 2}\nendpoints:\n"
		    "  - name: a\n    steps:\n      - {id: a.b, delay: 4ms}\n",
		    "t.yaml", NULL, 0, &sc, &err), CS_ERR_INVALID);
		ck_assert_int_eq(err.line, 6);
		ck_assert_str_eq(err.path, "endpoints[0].steps[0].id");
		ck_assert_int_eq(cs_scenario_load_string(
		    "run: {duration: 20s}\nload: {users: 2}\nendpoints:\n"
		    "  - name: a\n    steps:\n      - {id: x, delay: 4ms, cpu: 1ms}\n",
		    "t.yaml", NULL, 0, &sc, &err), CS_ERR_INVALID);
		ck_assert_ptr_nonnull(strstr(err.msg, "one key"));
	}
}
END_TEST

void
models_add_load(TCase *tc)
{
	tcase_add_test(tc, steps_are_addressed_by_id);
	tcase_add_test(tc, load_client_timeouts_keep_event_list_small);
	tcase_add_test(tc, load_client_timeout_abandons_but_server_continues);
	tcase_add_test(tc, branch_probability_respected);
	tcase_add_test(tc, load_endpoint_weights_respected);
	tcase_add_test(tc, load_stages_ramp_users);
	tcase_add_test(tc, load_open_arrivals_rate);
	tcase_add_test(tc, load_zero_think_instant_failure_terminates);
	tcase_add_test(tc, load_rtt_adds_round_trip_outside_the_server);
	tcase_add_test(tc, load_rtt_applies_to_server_timeouts);
}
