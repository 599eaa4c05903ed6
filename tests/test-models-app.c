/*
 * Tests of the app: backlog, server timeouts, the balancer, processor
 * sharing on cores, the GIL, background work and overhead, affinity and
 * the cpu/query scales.
 *
 * Suite "models", test case "components"; the helpers: models-harness.h.
 */
#include "models-harness.h"

/*
 * Poisson arrivals at 20/s to one worker with exponential 100 ms service
 * and a backlog of 2: an M/M/1/3 loss queue.  The share rejected with
 * backlog_full is its blocking probability (tests/analytic.c).
 */
START_TEST(app_rejects_when_backlog_full)
{
	static const char yaml[] =
		"run: {duration: 220s, warmup: 20s}\n"
		"load: {arrival_rate: 20}\n"
		"app: {workers: 1, backlog: 2}\n"
		"endpoints:\n"
		"  - name: slow\n"
		"    steps: [{delay: {dist: exponential, mean: 100ms}}]\n";
	struct cs_an_mmck q;
	sim s;
	double req, full;

	ck_assert_int_eq(cs_an_mmck_solve(1, 3, 20, 10, &q), CS_OK);
	sim_run(&s, yaml, 8, 11);
	req = M(&s, "overall.requests");
	full = M(&s, "overall.errors_by_cause.backlog_full");
	ck_assert(full > 0);
	/* the only failure cause: requests = ok + backlog_full (per
	 * replication, so also for the means) */
	ck_near(full, req - M(&s, "overall.ok_rps") * window(&s), 1e-6);
	ck_assert(M(&s, "resources.app.backlog.max") == 2);
	ck_assert(M(&s, "resources.app.workers_busy.max") == 1);
	ci_covers(&s, "overall.error_rate", q.p_block);
	ci_covers(&s, "overall.ok_rps", q.throughput);
	ci_covers(&s, "resources.app.backlog.mean", q.lq);
	/* admitted requests: mean response of the M/M/1/3 queue */
	ci_covers(&s, "overall.latency_ok_ms.mean", q.w * 1e3);
	sim_free(&s);
}
END_TEST

/* app.cpu_scale and db.query_scale multiply every step of their kind: the
 * same product-form check with 2.5 ms steps doubled. */
START_TEST(scales_multiply_cpu_and_query_steps)
{
	static const char yaml[] =
		"run: {duration: 3000s, warmup: 300s}\n"
		"load: {arrival_rate: 50/s, client_timeout: none}\n"
		"app: {workers: 1000, cores: 1, cpu_scale: 2}\n"
		"db: {host: app, query_scale: 2, pool: {size: 1000}}\n"
		"endpoints:\n"
		"  - name: a\n"
		"    steps: [{cpu: {dist: exponential, mean: 2.5ms}},\n"
		"            {query: {dist: exponential, mean: 2.5ms}}]\n";
	sim s;

	sim_run(&s, yaml, 6, 5);
	ci_covers(&s, "overall.latency_ms.mean", 20.0);
	ci_covers(&s, "resources.db.cpu_utilization", 0.25);
	sim_free(&s);
}
END_TEST

/*
 * app.affinity: user pins each user to one process: 4 users with exp(100 ms)
 * think on 2 processes x 1 thread, exp(100 ms) service, become two closed
 * networks of 2 users and one server each (MVA), where without affinity
 * they share the 2 threads (load-dependent MVA, c = 2): pooling serves
 * more.
 */
START_TEST(app_affinity_pins_users_to_processes)
{
	static const char yaml[] =
		"run: {duration: 4000s, warmup: 200s}\n"
		"load: {users: 4, think: {dist: exponential, mean: 100ms},\n"
		"       client_timeout: none}\n"
		"app: {workers: 2, processes: 2, affinity: user}\n"
		"endpoints:\n"
		"  - name: a\n"
		"    steps: [{delay: {dist: exponential, mean: 100ms}}]\n";
	struct cs_an_station two = { .demand = 0.1, .servers = 2 };
	double d = 0.1, x1, x2, r, u, q;
	const char *sets[1] = { "app.affinity=none" };
	cs_run_opts o = { .replications = 6, .seed = 9, .has_seed = 1 };
	cs_error err;
	sim s;

	ck_assert_int_eq(cs_an_mva(2, 0.1, 1, &d, &x1, &r, &u, &q), CS_OK);
	ck_assert_int_eq(cs_an_mva_ld(4, 0.1, 1, &two, &x2, &r, &u, &q), CS_OK);
	sim_run(&s, yaml, 6, 9);
	ci_covers(&s, "overall.throughput_rps", 2 * x1);
	sim_free(&s);
	/* the same scenario without affinity */
	memset(&s, 0, sizeof s);
	ck_assert_int_eq(cs_scenario_load_string(yaml, "t.yaml", sets, 1, &s.sc,
	                                         &err), CS_OK);
	ck_assert_int_eq(cs_run(s.sc, &o, &s.r, &err), CS_OK);
	s.reps = 6;
	ci_covers(&s, "overall.throughput_rps", x2);
	ck_assert(x2 > 2 * x1 * 1.02);
	sim_free(&s);
}
END_TEST

/*
 * request_timeout 1 s on a request of three 600 ms steps: the client gets
 * server_timeout at 1 s and the request stops at the next step boundary,
 * 1.2 s, instead of running to 1.8 s.  2 users with no think time send 2
 * requests per second, each holding a worker 1.2 s: 2.4 busy.
 */
START_TEST(app_server_timeout_stops_request)
{
	static const char yaml[] =
		"run: {duration: 60s}\n"
		"load: {users: 2, think: 0s}\n"
		"app: {request_timeout: %s}\n"
		"endpoints:\n"
		"  - name: slow\n"
		"    steps: [{delay: 600ms}, {delay: 600ms}, {delay: 600ms}]\n";
	char text[512];
	sim s;
	double w;

	snprintf(text, sizeof text, yaml, "1s");
	sim_run(&s, text, 2, 7);
	w = window(&s);
	ck_near(M(&s, "overall.errors_by_cause.server_timeout"),
	        M(&s, "overall.requests"), 0);
	ck_near(M(&s, "overall.throughput_rps"), 2.0, 2.5 / w); /* edges */
	ck_near(M(&s, "overall.latency_ms.mean"), 1000.0, 1e-6);
	ck_near(M(&s, "resources.app.workers_busy.mean"), 2.4, 1e-6);
	ck_assert(M(&s, "overall.errors_by_cause.client_timeout") == 0);
	sim_free(&s);

	/* without the timeout: 1.8 s each, 2 workers busy, no errors */
	snprintf(text, sizeof text, yaml, "none");
	sim_run(&s, text, 2, 7);
	ck_assert(M(&s, "overall.error_rate") == 0);
	ck_near(M(&s, "overall.latency_ms.mean"), 1800.0, 1e-6);
	ck_near(M(&s, "resources.app.workers_busy.mean"), 2.0, 1e-6);
	sim_free(&s);
}
END_TEST

/*
 * 2 users, no think time, 2 instances of 1 worker, exponential 100 ms
 * requests.  Least connections sends each new request to the idle instance,
 * so nobody ever waits: latency is the service time and throughput 2 / 0.1.
 * Round robin alternates blindly and sometimes queues behind the other user.
 */
static const char lb_yaml[] =
	"run: {duration: 60s}\n"
	"load: {users: 2, think: 0s}\n"
	"app: {instances: 2, workers: 1, balancer: %s}\n"
	"endpoints:\n"
	"  - name: a\n"
	"    steps: [{delay: {dist: exponential, mean: 100ms}}]\n";

START_TEST(app_least_connections_balancer_avoids_busy_instance)
{
	char yaml[512];
	sim s;
	double n;

	snprintf(yaml, sizeof yaml, lb_yaml, "least_connections");
	sim_run(&s, yaml, 4, 7);
	ck_assert(M(&s, "resources.app.backlog.max") == 0);
	ck_near(M(&s, "resources.app.workers_busy.mean"), 2.0, 1e-9);
	/* CLT on the mean of n exponential(100 ms) service times */
	n = M(&s, "overall.requests") * 4;
	ck_near(M(&s, "overall.latency_ms.mean"), 100.0, ZB * 100.0 / sqrt(n));
	ck_near(M(&s, "overall.throughput_rps"), 20.0,
	        ZB * 20.0 / sqrt(n) + 2.0 / window(&s));
	sim_free(&s);

	snprintf(yaml, sizeof yaml, lb_yaml, "round_robin");
	sim_run(&s, yaml, 4, 7);
	ck_assert(M(&s, "resources.app.backlog.max") == 1);
	ck_assert(M(&s, "resources.app.backlog.mean") > 0.1);
	ck_assert(M(&s, "overall.throughput_rps") < 18.0);
	sim_free(&s);
}
END_TEST

/*
 * 8 users, no think time, 100 ms of CPU each on 2 cores: processor sharing
 * runs all 8 at 1/4 speed, so every request takes 400 ms and 20 finish per
 * second; with USL contention sigma 0.1 the 8 run 1 + 0.1 x 7 = 1.7 times
 * slower again: 680 ms.
 */
START_TEST(app_cpu_processor_sharing_on_cores)
{
	static const char yaml[] =
		"run: {duration: 30s}\n"
		"load: {users: 8, think: 0s}\n"
		"app: {workers: 8, cores: 2%s}\n"
		"endpoints:\n"
		"  - name: a\n"
		"    steps: [{cpu: 100ms}]\n";
	char text[512];
	sim s;
	double w;

	snprintf(text, sizeof text, yaml, "");
	sim_run(&s, text, 2, 7);
	w = window(&s);
	ck_near(M(&s, "overall.latency_ms.mean"), 400.0, 1e-6);
	ck_near(M(&s, "overall.latency_ms.max"), 400.0, 1e-6);
	ck_near(M(&s, "overall.throughput_rps"), 20.0, 8.0 / w);
	ck_near(M(&s, "resources.app.cpu_utilization"), 1.0, 1e-9);
	ck_near(M(&s, "resources.app.workers_busy.mean"), 8.0, 1e-9);
	sim_free(&s);

	snprintf(text, sizeof text, yaml, ", contention: {sigma: 0.1}");
	sim_run(&s, text, 2, 7);
	ck_near(M(&s, "overall.latency_ms.mean"), 680.0, 1e-6);
	ck_near(M(&s, "overall.throughput_rps"), 8.0 / 0.68, 8.0 / w);
	sim_free(&s);
}
END_TEST

/*
 * app.gil and app.hosts, by hand: 8 users, no think time, one 100 ms CPU
 * step each, everything constant.  The cores are shared equally by the
 * runnable entities (a process under its GIL is one); each process's share
 * is split among its requests.  R = 800 ms is 8 requests on one core;
 * 400 ms, 8 on two; 200 ms, 4 on two.
 */
START_TEST(app_gil_and_hosts_share_cores_by_hand)
{
	static const struct {
		const char *app;
		double r_ms, cpu_util;
	} cases[] = {
		/* one process of 8 threads: one core of two, 8 requests */
		{ "{workers: 8, cores: 2, gil: true}", 800, 0.5 },
		/* two processes of 4 threads: each its own core */
		{ "{workers: 8, processes: 2, cores: 2, gil: true}", 400, 1 },
		/* four processes of 2: each half a core, a quarter a request */
		{ "{workers: 8, processes: 4, cores: 2, gil: true}", 400, 1 },
		/* two instances on one 2-core host: 8 requests on 2 cores */
		{ "{instances: 2, hosts: 1, workers: 8, cores: 2}", 400, 1 },
		/* two instances, a 2-core host each: 4 requests on 2 cores */
		{ "{instances: 2, workers: 8, cores: 2}", 200, 1 },
		/* two event loops on one 1-core host: half a core each */
		{ "{instances: 2, hosts: 1, workers: 8, cores: 1, gil: true}",
		  800, 1 },
		/* two event loops on one 2-core host: a core each */
		{ "{instances: 2, hosts: 1, workers: 8, cores: 2, gil: true}",
		  400, 1 },
	};
	static const char yaml[] =
		"run: {duration: 30s}\n"
		"load: {users: 8, think: 0s}\n"
		"app: %s\n"
		"endpoints:\n"
		"  - name: a\n"
		"    steps: [{cpu: 100ms}]\n";
	char text[512];
	size_t i;
	sim s;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(text, sizeof text, yaml, cases[i].app);
		sim_run(&s, text, 2, 7);
		ck_assert_msg(fabs(M(&s, "overall.latency_ms.mean") -
		                   cases[i].r_ms) < 1e-6,
		              "%s: mean %.9g ms, want %g", cases[i].app,
		              M(&s, "overall.latency_ms.mean"), cases[i].r_ms);
		ck_near(M(&s, "overall.latency_ms.max"), cases[i].r_ms, 1e-6);
		ck_near(M(&s, "resources.app.cpu_utilization"),
		        cases[i].cpu_util, 1e-9);
		sim_free(&s);
	}
}
END_TEST

/*
 * app.background: threads of other work on the host take their share.
 * One user, no think time, 100 ms of CPU a request, everything constant.
 */
START_TEST(app_background_takes_its_share_by_hand)
{
	static const struct {
		const char *app;
		double r_ms, cpu_util;
	} cases[] = {
		/* one core, one other thread: half a core each */
		{ "{cores: 1, background: 1}", 200, 0.5 },
		/* two cores, one other thread: a core each */
		{ "{cores: 2, background: 1}", 100, 0.5 },
		/* two cores, three other threads: 4 entities, half a core each */
		{ "{cores: 2, background: 3}", 200, 0.25 },
		/* half a thread of other work: 1.5 entities on one core */
		{ "{cores: 1, background: 0.5}", 150, 2.0 / 3.0 },
		/* with a GIL lane: the same rule, the lane is one entity */
		{ "{cores: 1, background: 1, gil: true}", 200, 0.5 },
		/* cores at half speed when both are busy: the request's core
		 * runs at 1/2, held twice as long (a core of the two) */
		{ "{cores: 2, background: 1, core_slowdown: 1}", 200, 0.5 },
		/* 1.5 cores busy: 1.5 times slower; 1.5 entities, 1/1.5 each */
		{ "{cores: 2, background: 0.5, core_slowdown: 1}", 150, 0.5 },
		/* alone on the host: no slowdown */
		{ "{cores: 2, core_slowdown: 1}", 100, 0.5 },
	};
	static const char yaml[] =
		"run: {duration: 30s}\n"
		"load: {users: 1, think: 0s}\n"
		"app: %s\n"
		"endpoints:\n"
		"  - name: a\n"
		"    steps: [{cpu: 100ms}]\n";
	char text[512];
	size_t i;
	sim s;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(text, sizeof text, yaml, cases[i].app);
		sim_run(&s, text, 2, 7);
		ck_assert_msg(fabs(M(&s, "overall.latency_ms.mean") -
		                   cases[i].r_ms) < 1e-6,
		              "%s: mean %.9g ms, want %g", cases[i].app,
		              M(&s, "overall.latency_ms.mean"), cases[i].r_ms);
		ck_near(M(&s, "resources.app.cpu_utilization"),
		        cases[i].cpu_util, 1e-9);
		sim_free(&s);
	}
}
END_TEST

/*
 * app.overhead: half a core of the instance's own work, in 5 ms slices
 * every 10 ms on one core.  Each slice takes the whole 10 ms at half speed
 * beside the request, so the one user's 100 ms of CPU gets half the core
 * throughout: 200 ms, and the core is always busy.  db.overhead on its own
 * host shows in the DB's utilization only.
 */
START_TEST(app_overhead_takes_its_cores)
{
	static const char yaml[] =
		"run: {duration: 60s, warmup: 1s}\n"
		"load: {users: 1, think: 0s}\n"
		"app: {cores: 1, overhead: 0.5}\n"
		"db: {overhead: 0.3, cores: 2}\n"
		"endpoints:\n"
		"  - name: a\n"
		"    steps: [{cpu: 100ms}]\n";
	sim s;

	sim_run(&s, yaml, 2, 7);
	ck_assert_msg(fabs(M(&s, "overall.latency_ms.mean") - 200) < 1,
	              "mean %.9g ms", M(&s, "overall.latency_ms.mean"));
	ck_near(M(&s, "resources.app.cpu_utilization"), 1.0, 1e-3);
	ck_near(M(&s, "resources.db.cpu_utilization"), 0.15, 1e-3);
	sim_free(&s);
}
END_TEST

/*
 * Poisson 8/s, exponential 100 ms of CPU, 16 threads of one process on 4
 * cores under the GIL: one core serves them all, M/M/1 (processor sharing
 * or not: exponential work, the same mean): R = 100 / (1 - 0.8) = 500 ms,
 * 0.8 of one core busy, a fifth of the four.  Without the GIL it is M/M/4:
 * the mean is the M/M/4 figure (104.2 ms).
 */
START_TEST(app_gil_is_one_core_per_process)
{
	static const char yaml[] =
		"run: {duration: 4000s, warmup: 400s}\n"
		"load: {arrival_rate: 8/s, client_timeout: none}\n"
		"app: {workers: 16, cores: 4, gil: %s}\n"
		"endpoints:\n"
		"  - name: a\n"
		"    steps: [{cpu: {dist: exponential, mean: 100ms}}]\n";
	char text[512];
	sim s;

	snprintf(text, sizeof text, yaml, "true");
	sim_run(&s, text, 6, 11);
	ci_covers(&s, "overall.latency_ms.mean", 500.0);
	ci_covers(&s, "resources.app.cpu_utilization", 0.2);
	/* the one process has a step queued or running (its event loop
	 * busy) with probability rho = 0.8, as M/M/1's server */
	ci_covers(&s, "resources.app.event_loop_utilization", 0.8);
	sim_free(&s);

	snprintf(text, sizeof text, yaml, "false");
	sim_run(&s, text, 6, 11);
	ci_covers(&s, "overall.latency_ms.mean",
	          1e3 * cs_an_mmc_w(4, 8.0, 10.0));
	sim_free(&s);
}
END_TEST

/*
 * Whose turn (app.gil_order): Poisson 5/s, a constant 100 ms of CPU,
 * under the GIL on one core: rho = 0.5.  fifo serves one step at a time
 * in order, M/D/1: R = S + rho S / (2 (1 - rho)) = 150 ms (Pollaczek-
 * Khinchine); shared is M/D/1 under processor sharing, whose mean does
 * not depend on the work's distribution: R = S / (1 - rho) = 200 ms.  The
 * CPU busy is the same, 0.5 of a core either way.
 */
START_TEST(app_gil_order_fifo_is_first_come_first_served)
{
	static const char yaml[] =
		"run: {duration: 4000s, warmup: 400s}\n"
		"load: {arrival_rate: 5/s, client_timeout: none}\n"
		"app: {workers: 16, cores: 4, gil: true, gil_order: %s}\n"
		"endpoints:\n"
		"  - name: a\n"
		"    steps: [{cpu: 100ms}]\n";
	const char *order[2] = { "fifo", "shared" };
	const double want[2] = { 150.0, 200.0 };
	char text[512];
	int k;
	sim s;

	for (k = 0; k < 2; k++) {
		snprintf(text, sizeof text, yaml, order[k]);
		sim_run(&s, text, 6, 11);
		ci_covers(&s, "overall.latency_ms.mean", want[k]);
		ci_covers(&s, "resources.app.cpu_utilization", 0.125);
		sim_free(&s);
	}
}
END_TEST

/*
 * The event loop's utilization counts the wait for a core, not only the
 * work: one user, a constant 90 ms think time, one cpu step of a constant
 * 10 ms, one process (gil) on one core.  Alone, the loop is busy 10 ms of
 * every 100: 0.1.  Beside one thread of other work (background: 1) the
 * step gets half the core and takes 20 ms: busy 20 ms of every 110, while
 * the app's CPU is still 10 ms of them.
 */
START_TEST(app_event_loop_utilization_counts_the_wait_for_a_core)
{
	static const char yaml[] =
		"run: {duration: 200s, warmup: 10s, replications: 2}\n"
		"load: {users: 1, think: {dist: constant, value: 90ms}}\n"
		"app: {workers: 4, cores: 1, gil: true, background: %d}\n"
		"endpoints:\n"
		"  - name: a\n"
		"    steps: [{cpu: 10ms}]\n";
	const double elu[2] = { 0.1, 20.0 / 110 }, cpu[2] = { 0.1, 10.0 / 110 };
	int c;

	for (c = 0; c < 2; c++) {
		char text[512];
		sim s;
		double m, lo, hi;

		snprintf(text, sizeof text, yaml, c);
		sim_run(&s, text, 2, 5);
		get3(&s, "resources.app.event_loop_utilization", &m, &lo, &hi);
		ck_assert_msg(fabs(m - elu[c]) < 1e-3, "case %d: event loop "
		              "%.6f, want %.6f", c, m, elu[c]);
		get3(&s, "resources.app.cpu_utilization", &m, &lo, &hi);
		ck_assert_msg(fabs(m - cpu[c]) < 1e-3, "case %d: cpu %.6f, "
		              "want %.6f", c, m, cpu[c]);
		sim_free(&s);
	}
}
END_TEST

/*
 * Cold processes: one user, a constant 1 s think time, one cpu step of a
 * constant 10 ms on a process of its own.  The process is idle 1 s before
 * every step, so each first waits d (1 - exp(-1 / tau)) for it to wake:
 * with d = 5 ms, tau = 500 ms, 10 + 4.323 ms in all.  Back to back (no
 * think time) it is never idle: 10 ms (the run's first step, cold from time
 * 0, falls in the warm-up).  Without cold_delay nothing is tracked.  The
 * CPU is the step's work either way (the wait holds no core).
 */
START_TEST(app_cold_delay_follows_the_idle_gap)
{
	static const char yaml[] =
		"run: {duration: 200s, warmup: 10s, replications: 2}\n"
		"load: {users: 1, think: {dist: constant, value: %s}}\n"
		"app: {workers: 4, cores: 2, cold_delay: %s, cold_after: 500ms}\n"
		"endpoints:\n"
		"  - name: a\n"
		"    steps: [{cpu: 10ms}]\n";
	const char *think[3] = { "1s", "0s", "1s" };
	const char *delay[3] = { "5ms", "5ms", "0s" };
	const double want[3] = { 10 + 5 * (1 - exp(-2.0)), 10, 10 };
	int c;

	for (c = 0; c < 3; c++) {
		char text[512];
		sim s;
		double m = 0, lo, hi, u;

		snprintf(text, sizeof text, yaml, think[c], delay[c]);
		sim_run(&s, text, 2, 5);
		get3(&s, "overall.latency_ms.mean", &m, &lo, &hi);
		ck_assert_msg(fabs(m - want[c]) < 1e-6, "case %d: mean %.9g ms, "
		              "want %.9g", c, m, want[c]);
		/* one core of two busy 10 ms of every (think + latency) */
		get3(&s, "resources.app.cpu_utilization", &u, &lo, &hi);
		ck_assert_msg(fabs(u - 0.010 / (c == 1 ? 0.010 : 1 + want[c] /
		              1000) / 2) < 1e-3, "case %d: cpu %g", c, u);
		sim_free(&s);
	}
}
END_TEST

/*
 * Keep-alive pinning at random: 2 users, no think time, a constant 100 ms
 * in a process of one thread, 2 processes.  Pinned i mod 2 (affinity:
 * user) each user has a process: 20 answers/s.  Pinned at random, both
 * land on one process with probability 1/2 (10/s), else 20/s: 15/s on
 * average over replications, each replication drawing anew.  With the
 * processes' shares drawn from a Beta(a, a) (affinity_alpha a), both
 * land on one process with probability E[p^2 + (1-p)^2] = (a + 1) /
 * (2a + 1): 3/4 at a = 0.5, so 12.5/s.
 */
START_TEST(app_affinity_user_random_pins_unevenly)
{
	const char *yaml =
		"run: {duration: 100s, warmup: 10s, replications: 200, seed: 11}\n"
		"load: {users: 2, think: {dist: constant, value: 0s}}\n"
		"app: {processes: 2, workers: 2, cores: 2, affinity: %s}\n"
		"endpoints:\n"
		"  - name: a\n"
		"    steps: [{delay: 100ms}]\n";
	const char *modes[3] = {
		"user", "user_random", "user_random, affinity_alpha: 0.5"
	};
	double want[3] = { 20, 15, 12.5 };
	char text[512];
	cs_scenario *sc = NULL;
	cs_error err;
	int k;

	/* one run per mode; its process_busy too: each process is busy
	 * whenever it has a user, so a replication's spread is 0 (a user
	 * each) or 1/2 (both on one: shares 1 and 0, (1/2)^2 twice); its mean
	 * is 1/2 x the chance of both on one: 0, 1/4, 3/8; the busiest
	 * process is always fully busy */
	for (k = 0; k < 3; k++) {
		double x, lo, hi, half, spread[3] = { 0, 0.25, 0.375 };
		cs_result *res = NULL;
		cs_run_opts ro = { 0 };

		snprintf(text, sizeof text, yaml, modes[k]);
		ck_assert_int_eq(cs_scenario_load_string(text, "t.yaml", NULL, 0,
		                                         &sc, &err), CS_OK);
		ck_assert_int_eq(cs_run(sc, &ro, &res, &err), CS_OK);
		ck_assert_int_eq(cs_result_metric(res, "overall.throughput_rps",
		                                  &x, &lo, &hi), CS_OK);
		if (k == 0) {
			ck_assert_msg(fabs(x - 20) < 0.05, "round robin: %g", x);
		} else {
			/* the run's 95% CI (t(199) 1.972) widened to 99.9%
			 * (3.340) */
			half = (hi - lo) / 2 * 3.340 / 1.972;
			ck_assert_msg(fabs(x - want[k]) <= half && hi - lo > 0.5,
			              "random pinning (%s): %g [%g, %g], want %g",
			              modes[k], x, lo, hi, want[k]);
		}
		ck_assert_int_eq(cs_result_metric(res,
		                 "resources.app.process_busy.spread", &x, &lo,
		                 &hi), CS_OK);
		half = k ? (hi - lo) / 2 * 3.340 / 1.972 : 1e-9;
		ck_assert_msg(fabs(x - spread[k]) <= half,
		              "spread (%s): %g [%g, %g], want %g", modes[k], x,
		              lo, hi, spread[k]);
		ck_assert_int_eq(cs_result_metric(res,
		                 "resources.app.process_busy.busiest_utilization",
		                 &x, &lo, &hi), CS_OK);
		ck_assert_msg(fabs(x - 1) < 1e-9, "busiest (%s): %g", modes[k],
		              x);
		cs_result_free(res);
		cs_scenario_free(sc);
		sc = NULL;
	}
	/* without pinning the processes are not reported */
	{
		cs_result *res = NULL;
		cs_run_opts ro = { 0 };
		double x, lo, hi;

		snprintf(text, sizeof text, yaml, "none");
		ck_assert_int_eq(cs_scenario_load_string(text, "t.yaml", NULL, 0,
		                                         &sc, &err), CS_OK);
		ck_assert_int_eq(cs_run(sc, &ro, &res, &err), CS_OK);
		ck_assert_int_ne(cs_result_metric(res,
		                 "resources.app.process_busy.spread", &x, &lo,
		                 &hi), CS_OK);
		cs_result_free(res);
		cs_scenario_free(sc);
		sc = NULL;
	}
	/* the shares are of users pinned at random */
	snprintf(text, sizeof text, yaml, "user, affinity_alpha: 2");
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(cs_scenario_load_string(text, "t.yaml", NULL, 0, &sc,
	                                         &err), CS_ERR_INVALID);
	ck_assert_str_eq(err.path, "app.affinity_alpha");
	ck_assert_msg(strstr(err.msg, "user_random") != NULL, "%s", err.msg);
}
END_TEST

/*
 * app.affinity_users: 4 users with no think time, 100 ms of CPU each, 2
 * processes x 2 threads on 4 cores.  Held 2 and 2 (or in turn), each
 * process serves its two users at once: 40 answers a second, 100 ms
 * each.  Held 4 and 0, one process serves all four on two threads: 20 a
 * second, 200 ms each.  Exact.
 */
static const char layout_yaml[] =
	"run: {duration: 60s, warmup: 6s}\n"
	"load: {users: 4, think: 0s}\n"
	"app: {processes: 2, workers: 4, cores: 4, affinity: user%s}\n"
	"endpoints: [{name: e, steps: [{cpu: 100ms}]}]\n";

START_TEST(app_affinity_users_pins_a_given_layout)
{
	static const struct { const char *extra; double x, lat; } c[] = {
		{ "", 40, 100 },
		{ ", affinity_users: [2, 2]", 40, 100 },
		{ ", affinity_users: [4, 0]", 20, 200 },
		{ ", affinity_users: [8, 0]", 20, 200 }, /* proportions */
	};
	char yaml[512];
	size_t i;
	sim s;

	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		snprintf(yaml, sizeof yaml, layout_yaml, c[i].extra);
		sim_run(&s, yaml, 1, 3);
		/* a request per user may straddle the window's start */
		ck_near(M(&s, "overall.ok_rps"), c[i].x, 4.0 / window(&s) + 1e-9);
		ck_near(M(&s, "overall.latency_ms.mean"), c[i].lat, 1e-6);
		sim_free(&s);
	}
	snprintf(yaml, sizeof yaml, layout_yaml, ", affinity_users: [1, 2, 1]");
	expect_load_error(yaml, 0, 3, 75, "app.affinity_users",
	                  "expected a list of 2 integers");
	snprintf(yaml, sizeof yaml, layout_yaml, ", affinity_users: [0, 0]");
	expect_load_error(yaml, 1, 3, 75, "app.affinity_users",
	                  "add up to 0");
}
END_TEST

/*
 * A workers sweep shares replications as a pool sweep does
 * (models/reuse.h): a replication in which every arrival found a free
 * worker is the same run at every count >= its most busy at once.  Same
 * bytes as each count run alone; counts 2 (the backlog fills: nothing
 * kept, and nothing for 64 to take, which a kept run of 2 would give it),
 * 64, then 128 (128 takes 64's four replications: 30 users hold at most
 * 30 workers); with users pinned to processes nothing is shared (a
 * process's share of the workers is what counts there).
 */
static const char workers_yaml[] =
	"run: {duration: 30s, replications: 4}\n"
	"load: {users: 30, think: {dist: exponential, mean: 50ms}}\n"
	"app: {instances: 2, workers: %ld, processes: 2, cores: 2%s}\n"
	"endpoints:\n"
	"  - name: q\n"
	"    steps: [{cpu: {dist: exponential, mean: 3ms}}, "
	"{delay: {dist: exponential, mean: 20ms}}]\n";

START_TEST(app_workers_sweep_shares_replications_exactly)
{
	static const long count[] = { 2, 64, 128, 16, 256 };
	static const unsigned long hits_after[] = { 0, 0, 4 };
	static const unsigned long none[] = { 0, 0, 0, 0, 0 };
	cs_reuse *c = cs_reuse_new("app.workers");

	sim_sweep_shared(c, workers_yaml, "", count, 5, hits_after, 3, 5, 2,
	                 "resources.app.backlog.max");
	cs_reuse_free(c);
	/* pinned: nothing shared */
	c = cs_reuse_new("app.workers");
	sim_sweep_shared(c, workers_yaml, ", affinity: user", count, 5, none,
	                 5, 5, 2, "resources.app.backlog.max");
	cs_reuse_free(c);
}
END_TEST

void
models_add_app(TCase *tc)
{
	tcase_add_test(tc, app_affinity_user_random_pins_unevenly);
	tcase_add_test(tc, app_workers_sweep_shares_replications_exactly);
	tcase_add_test(tc, app_gil_order_fifo_is_first_come_first_served);
	tcase_add_test(tc, app_event_loop_utilization_counts_the_wait_for_a_core);
	tcase_add_test(tc, app_cold_delay_follows_the_idle_gap);
	tcase_add_test(tc, app_rejects_when_backlog_full);
	tcase_add_test(tc, app_server_timeout_stops_request);
	tcase_add_test(tc, app_least_connections_balancer_avoids_busy_instance);
	tcase_add_test(tc, app_cpu_processor_sharing_on_cores);
	tcase_add_test(tc, app_gil_and_hosts_share_cores_by_hand);
	tcase_add_test(tc, app_gil_is_one_core_per_process);
	tcase_add_test(tc, app_background_takes_its_share_by_hand);
	tcase_add_test(tc, app_overhead_takes_its_cores);
	tcase_add_test(tc, scales_multiply_cpu_and_query_steps);
	tcase_add_test(tc, app_affinity_pins_users_to_processes);
	tcase_add_test(tc, app_affinity_users_pins_a_given_layout);
}
