/*
 * Tests of the database: its connection pool (acquire timeout, max_waiting)
 * and max_connections, and a db sharing the app host's cores.
 *
 * Suite "models", test case "components"; the helpers: models-harness.h.
 */
#include "models-harness.h"

/*
 * 4 users, no think time, one connection held for 1 s by each request:
 * one user holds it, three wait; a waiter gives up after 100 ms and at once
 * asks again.  So the pool is always in use (1), 3 wait on average, one
 * request per second succeeds, and each of the 3 waiting users fails every
 * 100 ms except when it is the one granted the connection: between 29 and 30
 * pool timeouts per second.  Everything is constant: the 3 replications are
 * identical.
 */
static const char pool_yaml[] =
	"run: {duration: 60s, replications: 3}\n"
	"load: {users: 4, think: 0s}\n"
	"db: {pool: {size: 1, acquire_timeout: %s}}\n"
	"endpoints:\n"
	"  - name: hold\n"
	"    steps: [{db: {steps: [{delay: 1s}]}}]\n";

START_TEST(dbpool_times_out_when_saturated)
{
	char yaml[512];
	sim s;
	double w, to;

	snprintf(yaml, sizeof yaml, pool_yaml, "100ms");
	sim_run(&s, yaml, 3, 7);
	w = window(&s);
	ck_near(w, 54.0, 1e-6); /* 60 s less the default 10% warm-up */
	to = M(&s, "overall.errors_by_cause.pool_timeout");
	/* edges of the window: at most one unfinished wait per user */
	ck_assert_msg(to >= 29 * w - 4 && to <= 30 * w + 4,
	              "pool_timeout %g in %g s, want 29..30/s", to, w);
	/* one hold may straddle each edge of the window */
	ck_near(M(&s, "overall.ok_rps"), 1.0, 2.0 / w);
	ck_near(M(&s, "overall.requests"),
	        to + M(&s, "overall.ok_rps") * w, 1e-6);
	ck_near(M(&s, "resources.db_pool.in_use.mean"), 1.0, 1e-9);
	ck_assert(M(&s, "resources.db_pool.in_use.max") == 1);
	ck_near(M(&s, "resources.db_pool.waiters.mean"), 3.0, 1e-9);
	ck_assert(M(&s, "resources.db_pool.waiters.max") == 3);
	/* a failed request waited exactly acquire_timeout: p50 is 100 ms */
	ck_near(M(&s, "overall.latency_ms.p50"), 100.0, 100.0 * HIST);
	sim_free(&s);

	/* no timeout: nobody fails, still one request per second */
	snprintf(yaml, sizeof yaml, pool_yaml, "none");
	sim_run(&s, yaml, 3, 7);
	ck_assert(M(&s, "overall.errors_by_cause.pool_timeout") == 0);
	ck_assert(M(&s, "overall.error_rate") == 0);
	ck_near(M(&s, "overall.ok_rps"), 1.0, 2.0 / window(&s));
	/* FIFO: each request waits for the 3 ahead of it, then holds 1 s */
	ck_near(M(&s, "overall.latency_ms.mean"), 4000.0, 1e-6);
	sim_free(&s);
}
END_TEST

/*
 * 2 instances x pool 20 = 40 connections wanted, the server allows 30: the
 * second pool can open only 10, and its requests beyond those are refused.
 */
static const char refuse_yaml[] =
	"run: {duration: 20s, replications: 2}\n"
	"load: {users: 60, think: 10ms}\n"
	"app: {instances: 2, workers: 100}\n"
	"db: {pool: {size: 20}, max_connections: %d}\n"
	"endpoints:\n"
	"  - name: q\n"
	"    steps: [{query: 50ms}]\n";

START_TEST(db_max_connections_refuses)
{
	char yaml[512];
	sim s;

	snprintf(yaml, sizeof yaml, refuse_yaml, 30);
	sim_run(&s, yaml, 2, 7);
	ck_assert(M(&s, "overall.errors_by_cause.db_refused") > 0);
	ck_assert(M(&s, "resources.db.connections.max") == 30);
	ck_assert(M(&s, "resources.db_pool.in_use.max") == 30);
	ck_assert(M(&s, "overall.errors_by_cause.pool_timeout") == 0);
	ck_near(M(&s, "overall.errors_by_cause.db_refused"),
	        M(&s, "overall.requests") -
	        M(&s, "overall.ok_rps") * window(&s), 1e-6);
	sim_free(&s);

	/* room for both pools: nothing refused, all 40 connections open */
	snprintf(yaml, sizeof yaml, refuse_yaml, 40);
	sim_run(&s, yaml, 2, 7);
	ck_assert(M(&s, "overall.errors_by_cause.db_refused") == 0);
	ck_assert(M(&s, "overall.error_rate") == 0);
	ck_assert(M(&s, "resources.db.connections.max") == 40);
	sim_free(&s);
}
END_TEST

/*
 * db.pool.handoff: 2 users with no think time share one connection, each
 * holding it 100 ms.  In FIFO order (handoff 0) they alternate: 10 answers
 * a second, none failing.  With a 10 ms hand-off, the user who returns the
 * connection asks again at once, inside the woken waiter's claim, and
 * takes it back (barged): it is served every 100 ms while the other waits
 * out its 1.05 s acquire_timeout, again and again.  Everything is
 * constant: exact but for the window's edges.
 */
static const char handoff_yaml[] =
	"run: {duration: 110s, warmup: 10s}\n"
	"load: {users: 2, think: 0s}\n"
	"db: {pool: {size: 1, acquire_timeout: 1050ms, handoff: %s}}\n"
	"endpoints:\n"
	"  - name: hold\n"
	"    steps: [{db: {steps: [{delay: 100ms}]}}]\n";

START_TEST(dbpool_handoff_lets_newcomers_barge)
{
	char yaml[512];
	sim s;
	double w, ok, to;

	snprintf(yaml, sizeof yaml, handoff_yaml, "0s");
	sim_run(&s, yaml, 1, 7);
	w = window(&s);
	ck_assert(M(&s, "overall.error_rate") == 0);
	ck_near(M(&s, "overall.ok_rps"), 10.0, 2.0 / w);
	/* FIFO: each waits out the other's hold, then holds */
	ck_near(M(&s, "overall.latency_ms.mean"), 200.0, 1e-6);
	{
		double v;

		ck_assert_int_ne(cs_result_metric(s.r, "resources.db_pool.barged",
		                                  &v, NULL, NULL), CS_OK);
	}
	sim_free(&s);

	snprintf(yaml, sizeof yaml, handoff_yaml, "10ms");
	sim_run(&s, yaml, 1, 7);
	w = window(&s);
	ok = M(&s, "overall.ok_rps") * w;
	to = M(&s, "overall.errors_by_cause.pool_timeout");
	/* one user served every 100 ms, the other failing every 1.05 s */
	ck_assert_msg(ok >= 10 * w - 2 && ok <= 10 * w + 2, "ok %g in %g s",
	              ok, w);
	ck_assert_msg(to >= w / 1.05 - 2 && to <= w / 1.05 + 2,
	              "pool_timeout %g in %g s", to, w);
	/* every answer but the window's first took the connection from the
	 * waiter woken for it */
	ck_assert_msg(M(&s, "resources.db_pool.barged") >= ok - 2 &&
	              M(&s, "resources.db_pool.barged") <= ok + 2,
	              "barged %g, answers %g", M(&s, "resources.db_pool.barged"),
	              ok);
	/* the connection never idles: a hand-off it loses costs nothing */
	ck_near(M(&s, "resources.db_pool.in_use.mean"), 1.0, 1e-9);
	sim_free(&s);
}
END_TEST

/*
 * db.pool.order: random against fifo, 8 users on one connection held an
 * exponential 50 ms, think exponential 100 ms, timeout 300 ms: the same
 * requests wait (the order does not change how many are in the queue, so
 * the mean waiters agree within their CIs), but the tail is longer, so
 * more time out.
 */
static const char order_yaml[] =
	"run: {duration: 300s, warmup: 30s}\n"
	"load: {users: 8, think: {dist: exponential, mean: 100ms}}\n"
	"db: {pool: {size: 1, acquire_timeout: none, order: %s}}\n"
	"endpoints:\n"
	"  - name: hold\n"
	"    steps: [{db: {steps: [{delay: {dist: exponential, mean: 50ms}}]}}]\n";

START_TEST(dbpool_random_order_keeps_the_mean_lengthens_the_tail)
{
	char yaml[512];
	sim f, r;
	double m, lo, hi;

	snprintf(yaml, sizeof yaml, order_yaml, "fifo");
	sim_run(&f, yaml, 5, 3);
	snprintf(yaml, sizeof yaml, order_yaml, "random");
	sim_run(&r, yaml, 5, 3);
	/* no timeout: the order does not change the queue length process
	 * (a closed M/M/1 with exponential service either way) */
	get3(&f, "resources.db_pool.waiters.mean", &m, &lo, &hi);
	ck_assert_msg(M(&r, "resources.db_pool.waiters.mean") >= lo - (hi - lo) &&
	              M(&r, "resources.db_pool.waiters.mean") <= hi + (hi - lo),
	              "waiters %g (random) against [%g, %g] (fifo)",
	              M(&r, "resources.db_pool.waiters.mean"), lo, hi);
	ck_assert_msg(M(&r, "overall.latency_ms.p99") >
	              1.2 * M(&f, "overall.latency_ms.p99"),
	              "p99 %g (random) against %g (fifo)",
	              M(&r, "overall.latency_ms.p99"),
	              M(&f, "overall.latency_ms.p99"));
	sim_free(&f);
	sim_free(&r);
}
END_TEST

/*
 * db.pool.max_waiting: Poisson arrivals at 20/s, one connection held for an
 * exponential 100 ms, no acquire timeout and at most 2 waiting: an M/M/1/3
 * loss queue in the pool.  A request that finds 2 waiting fails at once
 * with pool_timeout: the share failing is the blocking probability, the
 * waiters are the queue (tests/analytic.c).  Exact besides: the queue never
 * passes 2, every failure is a refusal counted in queue_full.
 */
static const char maxwait_yaml[] =
	"run: {duration: 220s, warmup: 20s}\n"
	"load: {arrival_rate: 20}\n"
	"app: {workers: 100000, backlog: 1000000000}\n"
	"db: {pool: {size: 1, acquire_timeout: none, max_waiting: 2}}\n"
	"endpoints:\n"
	"  - name: hold\n"
	"    steps: [{db: {steps: [{delay: {dist: exponential, mean: 100ms}}]}}]\n";

START_TEST(dbpool_max_waiting_fails_fast)
{
	struct cs_an_mmck q;
	sim s;
	double req, to;

	ck_assert_int_eq(cs_an_mmck_solve(1, 3, 20, 10, &q), CS_OK);
	sim_run(&s, maxwait_yaml, 8, 11);
	req = M(&s, "overall.requests");
	to = M(&s, "overall.errors_by_cause.pool_timeout");
	ck_assert(to > 0);
	ck_near(to, req - M(&s, "overall.ok_rps") * window(&s), 1e-6);
	/* refused at once, so counted at the pool and by the client at the
	 * same instant: the same requests in the window */
	ck_assert(M(&s, "resources.db_pool.queue_full") == to);
	ck_assert(M(&s, "resources.db_pool.waiters.max") == 2);
	ck_assert(M(&s, "resources.db_pool.in_use.max") == 1);
	ci_covers(&s, "overall.error_rate", q.p_block);
	ci_covers(&s, "overall.ok_rps", q.throughput);
	ci_covers(&s, "resources.db_pool.waiters.mean", q.lq);
	ci_covers(&s, "resources.db_pool.in_use.mean", q.throughput / 10);
	ci_covers(&s, "overall.latency_ok_ms.mean", q.w * 1e3);
	sim_free(&s);
}
END_TEST

/*
 * max_waiting 0 without a timeout and acquire_timeout 0 without a limit
 * are the same loss system (Erlang B in the pool): a request that finds no
 * idle connection fails at once.  With continuous holds no two events tie,
 * so the runs make the same draws and agree bit for bit.  They differ in
 * two places only: acquire_timeout 0 queues a request for no time (its
 * waiters.max is 1), and only max_waiting reports queue_full.
 */
START_TEST(dbpool_max_waiting_0_is_acquire_timeout_0)
{
	static const char yaml[] =
		"run: {duration: 120s, warmup: 10s}\n"
		"load: {arrival_rate: 25}\n"
		"app: {workers: 100000}\n"
		"db: {pool: {size: 3, %s}}\n"
		"endpoints:\n"
		"  - name: hold\n"
		"    steps: [{db: {steps: [{delay: {dist: exponential, mean: 100ms}}]}}]\n";
	static const char *const paths[] = {
		"overall.requests", "overall.error_rate", "overall.ok_rps",
		"overall.errors_by_cause.pool_timeout", "overall.latency_ms.mean",
		"overall.latency_ms.p99", "overall.latency_ok_ms.mean",
		"resources.db_pool.in_use.mean", "resources.db_pool.waiters.mean",
		"checks.conservation.generated",
	};
	char ya[512], yb[512];
	sim a, b;
	double ma, la, ha, mb, lb, hb;
	size_t i;

	snprintf(ya, sizeof ya, yaml, "max_waiting: 0, acquire_timeout: none");
	snprintf(yb, sizeof yb, yaml, "acquire_timeout: 0");
	sim_run(&a, ya, 3, 5);
	sim_run(&b, yb, 3, 5);
	for (i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		get3(&a, paths[i], &ma, &la, &ha);
		get3(&b, paths[i], &mb, &lb, &hb);
		ck_assert_msg(ma == mb && la == lb && ha == hb,
		              "%s: max_waiting 0 %.17g, acquire_timeout 0 %.17g",
		              paths[i], ma, mb);
	}
	ck_assert(M(&a, "overall.errors_by_cause.pool_timeout") > 0);
	ck_assert(M(&a, "resources.db_pool.queue_full") ==
	          M(&a, "overall.errors_by_cause.pool_timeout"));
	ck_assert(M(&a, "resources.db_pool.waiters.max") == 0);
	ck_assert_int_eq(cs_result_metric(b.r, "resources.db_pool.queue_full",
	                                  &mb, &lb, &hb), CS_ERR_INVALID);
	sim_free(&a);
	sim_free(&b);
}
END_TEST

/* Bad db.pool.max_waiting values: position, key path and message. */
static const struct bad_maxwait {
	const char *value;
	int col;
	const char *msg;
} bad_maxwaits[] = {
	{ "-1", 26, ">= 0" },
	{ "1.5", 26, "integer" },
	{ "lots", 26, "integer" },
	{ "2000000000", 26, "<= 1000000000" },
	{ "[1]", 26, "" },
};

START_TEST(dbpool_max_waiting_rejects_bad_values)
{
	const struct bad_maxwait *b = &bad_maxwaits[_i];
	char yaml[512];
	cs_scenario *sc = NULL;
	cs_error err;
	cs_status st;

	memset(&err, 0, sizeof err);
	snprintf(yaml, sizeof yaml,
	         "load: {users: 1}\n"
	         "db: {pool: {max_waiting: %s}}\n"
	         "endpoints: [{steps: [{query: 1ms}]}]\n", b->value);
	st = cs_scenario_load_string(yaml, "t.yaml", NULL, 0, &sc, &err);
	ck_assert_int_eq(st, CS_ERR_INVALID);
	ck_assert_ptr_null(sc);
	ck_assert_msg(err.line == 2 && err.col == b->col &&
	              !strcmp(err.path, "db.pool.max_waiting") &&
	              strstr(err.msg, b->msg),
	              "case %d: got %d:%d: %s: %s", _i, err.line, err.col,
	              err.path, err.msg);
}
END_TEST

/* A DB on the app host has no cores of its own: db.contention and
 * db.core_slowdown, which would be read and never used, are refused at
 * their key, pointing at app's; on the DB's own cores they are taken. */
START_TEST(dbpool_host_app_refuses_own_core_keys)
{
	static const char *const keys[] = { "contention: {sigma: 0.01}",
	                                    "core_slowdown: 0.2" };
	static const char *const path[] = { "db.contention", "db.core_slowdown" };
	static const char *const want[] = { "app.contention", "app.core_slowdown" };
	char yaml[512];
	cs_scenario *sc = NULL;
	cs_error err;
	size_t i;

	for (i = 0; i < 2; i++) {
		memset(&err, 0, sizeof err);
		snprintf(yaml, sizeof yaml,
		         "load: {users: 1}\n"
		         "db: {host: app, %s}\n"
		         "endpoints: [{steps: [{query: 1ms}]}]\n", keys[i]);
		ck_assert_int_eq(cs_scenario_load_string(yaml, "t.yaml", NULL, 0,
		                                         &sc, &err), CS_ERR_INVALID);
		ck_assert_ptr_null(sc);
		ck_assert_msg(err.line == 2 && err.col > 1 &&
		              !strncmp(err.path, path[i], strlen(path[i])) &&
		              strstr(err.msg, want[i]),
		              "%zu: got %d:%d: %s: %s", i, err.line, err.col,
		              err.path, err.msg);
		snprintf(yaml, sizeof yaml,
		         "load: {users: 1}\n"
		         "db: {%s}\n"
		         "endpoints: [{steps: [{query: 1ms}]}]\n", keys[i]);
		ck_assert_int_eq(cs_scenario_load_string(yaml, "t.yaml", NULL, 0,
		                                         &sc, &err), CS_OK);
		cs_scenario_free(sc);
		sc = NULL;
	}
}
END_TEST

/* "none", "off" and 0 .. 1e9 are accepted; the default is no limit. */
START_TEST(dbpool_max_waiting_accepts_none_and_zero)
{
	static const char *const ok[] = { "none", "off", "0", "1000000000" };
	static const long want[] = { -1, -1, 0, 1000000000 };
	char yaml[512];
	cs_scenario *sc;
	cs_error err;
	size_t i;

	for (i = 0; i < 4; i++) {
		snprintf(yaml, sizeof yaml,
		         "load: {users: 1}\n"
		         "db: {pool: {max_waiting: %s}}\n"
		         "endpoints: [{steps: [{query: 1ms}]}]\n", ok[i]);
		sc = NULL;
		memset(&err, 0, sizeof err);
		ck_assert_msg(cs_scenario_load_string(yaml, "t.yaml", NULL, 0, &sc,
		                                      &err) == CS_OK,
		              "%s: %s", ok[i], err.msg);
		ck_assert_int_eq(sc->db.max_waiting, want[i]);
		cs_scenario_free(sc);
	}
	sc = NULL;
	ck_assert_int_eq(cs_scenario_load_string(
	    "load: {users: 1}\nendpoints: [{steps: [{query: 1ms}]}]\n",
	    "t.yaml", NULL, 0, &sc, &err), CS_OK);
	ck_assert_int_eq(sc->db.max_waiting, -1);
	cs_scenario_free(sc);
}
END_TEST

/*
 * db.host: app puts the queries on the app's cores: one processor-sharing
 * core visited twice per request (5 ms of app CPU, then 5 ms of query) is
 * a product-form network with mean response D / (1 - U) = 10 / (1 - 0.5)
 * = 20 ms at 50 req/s; the DB's share of the core is 25%, the host's 50%.
 */
START_TEST(db_on_app_host_shares_cores)
{
	static const char yaml[] =
		"run: {duration: 3000s, warmup: 300s}\n"
		"load: {arrival_rate: 50/s, client_timeout: none}\n"
		"app: {workers: 1000, cores: 1}\n"
		"db: {host: app, pool: {size: 1000}}\n"
		"endpoints:\n"
		"  - name: a\n"
		"    steps: [{cpu: {dist: exponential, mean: 5ms}},\n"
		"            {query: {dist: exponential, mean: 5ms}}]\n";
	sim s;

	sim_run(&s, yaml, 6, 5);
	ci_covers(&s, "overall.latency_ms.mean", 20.0);
	ci_covers(&s, "resources.app.cpu_utilization", 0.5);
	ci_covers(&s, "resources.db.cpu_utilization", 0.25);
	sim_free(&s);
}
END_TEST

/*
 * db.connection_cost: four users with no think time always hold a
 * connection each (the DB has a core for each, so nothing queues), so
 * every query starts with the three others checked out and takes
 * 1 + 3 x 0.1 times its time: mean response 10 x 1.3 = 13 ms, the DB's
 * work per request 13 ms (utilization 4 x 13 ms x X / 4 cores = 1).
 * Without it, 10 ms.
 */
START_TEST(db_connection_cost_grows_with_checked_out_connections)
{
	static const char *const cost[] = { "connection_cost: 0.1, ", "" };
	static const double want[] = { 13.0, 10.0 };
	char yaml[512];
	size_t i;

	for (i = 0; i < 2; i++) {
		sim s;

		snprintf(yaml, sizeof yaml,
		         "run: {duration: 600s, warmup: 60s}\n"
		         "load: {users: 4, think: 0s}\n"
		         "app: {workers: 100, cores: 4}\n"
		         "db: {cores: 4, %spool: {size: 4}}\n"
		         "endpoints: [{steps: [{query: {dist: exponential, "
		         "mean: 10ms}}]}]\n", cost[i]);
		sim_run(&s, yaml, 6, 3);
		ci_covers(&s, "overall.latency_ms.mean", want[i]);
		ci_covers(&s, "overall.throughput_rps", 4 / (want[i] / 1e3));
		sim_free(&s);
	}
}
END_TEST

/*
 * db.round_trip: with one connection and users that never think, the
 * connection is never idle, so the throughput is 1 / (round trip + query)
 * whatever the distributions: 1 / (5 ms + 10 ms) = 66.67/s, the DB's core
 * busy 10 ms of every 15 (the round trip uses none), the pool's one
 * connection always in use.  Without it, 100/s and a busy core.
 */
START_TEST(db_round_trip_holds_the_connection_not_a_core)
{
	static const char *const rt[] = {
		"round_trip: {dist: exponential, mean: 5ms}, ", "" };
	static const double want[] = { 15.0, 10.0 };
	char yaml[512];
	size_t i;

	for (i = 0; i < 2; i++) {
		sim s;

		snprintf(yaml, sizeof yaml,
		         "run: {duration: 600s, warmup: 60s}\n"
		         "load: {users: 4, think: 0s}\n"
		         "app: {workers: 100, cores: 4}\n"
		         "db: {cores: 1, %spool: {size: 1, acquire_timeout: "
		         "none}}\n"
		         "endpoints: [{steps: [{query: {dist: exponential, "
		         "mean: 10ms}}]}]\n", rt[i]);
		sim_run(&s, yaml, 6, 3);
		ci_covers(&s, "overall.throughput_rps", 1e3 / want[i]);
		ci_covers(&s, "resources.db.cpu_utilization", 10.0 / want[i]);
		ci_covers(&s, "resources.db_pool.in_use.mean", 1);
		/* four users, one at the connection: 4 x its time in all */
		ci_covers(&s, "overall.latency_ms.mean", 4 * want[i]);
		if (i == 0)
			ci_covers(&s, "overall.time_ms.network", 5);
		sim_free(&s);
	}
}
END_TEST

/*
 * A pool sweep shares replications (models/reuse.h): a replication that
 * never found its pool full is the same run at every size >= the most
 * connections a pool opened in it.  Each result through the store must be
 * the same bytes as the point run alone, and the store must be used when
 * (and only when) that holds: size 2 first, where the pools fill (40
 * users keep about 5 queries in flight on two pools of 2: nothing kept,
 * and nothing for 30 to take, which a kept run of 2 would give it), then
 * 30, then 60 (60 takes all four of 30's replications).
 */
static const char reuse_yaml[] =
	"run: {duration: 30s, replications: 4}\n"
	"load: {users: 40, think: {dist: exponential, mean: 100ms}}\n"
	"app: {instances: 2, workers: 50}\n"
	"db: {pool: {size: %ld, acquire_timeout: 200ms}, cores: 2}\n"
	"endpoints:\n"
	"  - name: q\n"
	"    steps: [{cpu: 2ms}, {query: {dist: exponential, mean: 15ms}}]\n";

START_TEST(db_pool_sweep_shares_replications_exactly)
{
	static const long size[] = { 2, 30, 60, 12, 5, 100 };
	static const unsigned long hits_after[] = { 0, 0, 4 };
	cs_reuse *c = cs_reuse_new("db.pool.size");
	char yaml[512], what[32];
	size_t i;

	sim_sweep_shared(c, reuse_yaml, "", size, 6, hits_after, 3, 11, 2,
	                 "resources.db_pool.waiters.max");
	cs_reuse_free(c);

	/* a store with room for one replication's metrics keeps only the
	 * first: 100 takes replication 0 of 30's and runs the other three,
	 * with the same bytes */
	c = cs_reuse_new("db.pool.size");
	ck_assert_ptr_nonnull(c);
	for (i = 0; i < 2; i++) {
		long n = i ? 100 : 30;
		sim s;

		snprintf(yaml, sizeof yaml, reuse_yaml, n);
		snprintf(what, sizeof what, "pool %ld, small store", n);
		if (i == 0) {
			/* one replication's metrics: as many as the result has */
			sim_run(&s, yaml, 1, 11);
			cs_reuse_set_budget(c, cs_result_nmetrics(s.r));
			sim_free(&s);
		}
		sim_load(&s, yaml);
		sim_run_shared(&s, c, 11, what);
		sim_free(&s);
	}
	ck_assert_uint_eq(cs_reuse_hits(c), 1);
	cs_reuse_free(c);
}
END_TEST

void
models_add_db(TCase *tc)
{
	tcase_add_test(tc, dbpool_times_out_when_saturated);
	tcase_add_test(tc, db_max_connections_refuses);
	tcase_add_test(tc, dbpool_max_waiting_fails_fast);
	tcase_add_test(tc, dbpool_handoff_lets_newcomers_barge);
	tcase_add_test(tc, dbpool_random_order_keeps_the_mean_lengthens_the_tail);
	tcase_add_test(tc, dbpool_max_waiting_0_is_acquire_timeout_0);
	tcase_add_test(tc, dbpool_host_app_refuses_own_core_keys);
	tcase_add_loop_test(tc, dbpool_max_waiting_rejects_bad_values, 0,
	                    (int)(sizeof bad_maxwaits / sizeof bad_maxwaits[0]));
	tcase_add_test(tc, dbpool_max_waiting_accepts_none_and_zero);
	tcase_add_test(tc, db_on_app_host_shares_cores);
	tcase_add_test(tc, db_connection_cost_grows_with_checked_out_connections);
	tcase_add_test(tc, db_round_trip_holds_the_connection_not_a_core);
	tcase_add_test(tc, db_pool_sweep_shares_replications_exactly);
}
