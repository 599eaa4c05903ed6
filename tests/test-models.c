/*
 * Tests for the component models (load, app, dbpool, cache, service) through
 * the public API: cs_scenario_load_string, cs_run, cs_result_metric.  One
 * test looks inside (models/model.h) at how many events are pending.
 *
 * Each scenario is small and most use constant times, so the expected value
 * follows by hand and the run is exact up to the edges of the measured
 * window; the comment above each check says where its number comes from.
 * Random ones use a fixed seed and a tolerance from either
 *   - a binomial/Poisson/CLT bound computed here from the run's own counts
 *     (ZB = 4.5 standard deviations: a miss has probability 7e-6), or
 *   - the run's confidence interval, widened from 95% to 99.9% with the
 *     same Student t degrees of freedom (ci_covers()).
 */
#include <check.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capsim.h"
#include "analytic.h"
#include "models/bottleneck.h"
#include "models/model.h"
#include "harness.h"

#define ZB 4.5     /* standard deviations for binomial/Poisson/CLT bounds */
#define HIST 0.008 /* relative error of a latency percentile (sim/hist.h) */

/* ---- helpers ------------------------------------------------------------ */

typedef struct sim {
	cs_scenario *sc;
	cs_result *r;
	unsigned reps;
} sim;

static void
sim_load(sim *s, const char *yaml)
{
	cs_error err;
	cs_status st;

	memset(&err, 0, sizeof err);
	st = cs_scenario_load_string(yaml, "test.yaml", NULL, 0, &s->sc, &err);
	ck_assert_msg(st == CS_OK, "scenario: %d:%d: %s: %s", err.line, err.col,
	              err.path, err.msg);
}

/* Load and run yaml with reps replications (0: the file's) and seed. */
static void
sim_run_jobs(sim *s, const char *yaml, unsigned reps, uint64_t seed,
             unsigned jobs)
{
	cs_run_opts o = { .replications = reps, .seed = seed, .has_seed = 1,
	                  .jobs = jobs };
	cs_error err;
	cs_status st;

	memset(s, 0, sizeof *s);
	sim_load(s, yaml);
	memset(&err, 0, sizeof err);
	st = cs_run(s->sc, &o, &s->r, &err);
	ck_assert_msg(st == CS_OK, "cs_run: %s: %s", cs_status_str(st), err.msg);
	ck_assert_ptr_nonnull(s->r);
	s->reps = reps;
}

static void
sim_run(sim *s, const char *yaml, unsigned reps, uint64_t seed)
{
	sim_run_jobs(s, yaml, reps, seed, 0);
}

static void
sim_free(sim *s)
{
	cs_result_free(s->r);
	cs_scenario_free(s->sc);
	s->r = NULL;
	s->sc = NULL;
}

static void
get3(const sim *s, const char *path, double *m, double *lo, double *hi)
{
	ck_assert_msg(cs_result_metric(s->r, path, m, lo, hi) == CS_OK,
	              "no metric \"%s\"", path);
}

/* Mean of a metric over the replications. */
static double
M(const sim *s, const char *path)
{
	double m, lo, hi;

	get3(s, path, &m, &lo, &hi);
	return m;
}

/* The metric's 95% CI widened to 99.9% (same t degrees of freedom) must
 * cover want. */
static void
ci_covers(const sim *s, const char *path, double want)
{
	double m, lo, hi, k, half;

	get3(s, path, &m, &lo, &hi);
	ck_assert_msg(isfinite(lo) && isfinite(hi), "%s: no CI", path);
	k = gsl_cdf_tdist_Pinv(0.9995, s->reps - 1) /
	    gsl_cdf_tdist_Pinv(0.975, s->reps - 1);
	/* the larger side: cs_run cuts the interval at 0 (and 1 for ratios) */
	half = fmax(m - lo, hi - m) * k;
	ck_assert_msg(fabs(m - want) <= half,
	              "%s = %.6g (95%% CI %.6g .. %.6g, 99.9%% half-width %.3g), "
	              "want %.6g", path, m, lo, hi, half, want);
}

/* Seconds measured per replication: the duration less the warm-up. */
static double
window(const sim *s)
{
	return M(s, "overall.requests") / M(s, "overall.throughput_rps");
}

/* ---- dbpool ---------------------------------------------------------------- */

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

/* ---- app ------------------------------------------------------------------- */

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
	sim_free(&s);

	snprintf(text, sizeof text, yaml, "false");
	sim_run(&s, text, 6, 11);
	ci_covers(&s, "overall.latency_ms.mean",
	          1e3 * cs_an_mmc_w(4, 8.0, 10.0));
	sim_free(&s);
}
END_TEST

/* ---- services -------------------------------------------------------------- */

/*
 * Poisson 20/s offered to a provider that allows 10/s (bucket of 10): it
 * passes 10/s, within the bucket's size plus one token over the window, and
 * answers the rest 429.  No retries, so each 429 is one failed request.
 */
START_TEST(service_rate_limit_answers_429)
{
	static const char yaml[] =
		"run: {duration: 110s, warmup: 10s}\n"
		"load: {arrival_rate: 20}\n"
		"services:\n"
		"  api:\n"
		"    latency: 50ms\n"
		"    rate_limit: {rps: 10}\n"
		"endpoints:\n"
		"  - name: send\n"
		"    steps: [{call: api}]\n";
	const unsigned reps = 5;
	sim s;
	double w, req, rl, ok, sd, lam_lo, lam_hi, frac, slack;

	sim_run(&s, yaml, reps, 7);
	w = window(&s);
	ck_near(w, 100.0, 1e-6);
	req = M(&s, "overall.requests");
	rl = M(&s, "resources.services.api.rate_limited");
	ok = M(&s, "overall.ok_rps");
	ck_assert(rl > 0);
	ck_near(M(&s, "overall.errors_by_cause.rate_limited"), rl, 1e-9);
	ck_near(req - ok * w, rl, 1e-6);
	/* token bucket: 10/s, +- (burst + 1 token) over the window */
	slack = (10.0 + 1.0) / w;
	ck_near(ok, 10.0, slack);
	/* the share answered 429 is 1 - 10/lambda, lambda the realized
	 * arrival rate: Poisson, 4.5 sd over reps x 100 s */
	sd = sqrt(20.0 * w * reps) / (w * reps);
	lam_lo = 20.0 - ZB * sd;
	lam_hi = 20.0 + ZB * sd;
	frac = rl / req;
	ck_assert_msg(frac >= 1 - (10.0 + slack) / lam_lo &&
	              frac <= 1 - (10.0 - slack) / lam_hi,
	              "rate-limited share %g, want 1 - 10/[%g, %g]", frac,
	              lam_lo, lam_hi);
	/* every attempt is seen by the provider, no retries */
	ck_near(M(&s, "resources.services.api.attempts_rps"),
	        M(&s, "overall.throughput_rps"), 2.0 / w);
	sim_free(&s);
}
END_TEST

/*
 * Each attempt fails with probability 1/2; up to 3 retries: a request fails
 * only when all 4 attempts fail, 1/16 = 0.0625.  Binomial bound on the
 * failed share; attempts per request 1 + 1/2 + 1/4 + 1/8 = 1.875 (sd of one
 * request's count 1.0533), CLT bound.  With retries only on rate_limited
 * the errors are not retried: the failed share is 1/2.
 */
static const char retry_yaml[] =
	"run: {duration: 66s, warmup: 6s}\n"
	"load: {arrival_rate: 50}\n"
	"app: {workers: 100}\n"
	"services:\n"
	"  api:\n"
	"    latency: 20ms\n"
	"    error_rate: 50%%\n"
	"    retries: {max: 3, backoff: 10ms%s}\n"
	"endpoints:\n"
	"  - name: send\n"
	"    steps: [{call: api}]\n";

START_TEST(service_retries_recover)
{
	const unsigned reps = 5;
	char yaml[512];
	sim s;
	double n, p, sd, k;

	snprintf(yaml, sizeof yaml, retry_yaml, "");
	sim_run(&s, yaml, reps, 7);
	n = M(&s, "overall.requests") * reps;
	p = 0.0625;
	sd = sqrt(p * (1 - p) / n);
	ck_near(M(&s, "overall.error_rate"), p, ZB * sd);
	ck_near(M(&s, "overall.errors_by_cause.upstream_error"),
	        M(&s, "overall.requests") -
	        M(&s, "overall.ok_rps") * window(&s), 1e-6);
	k = M(&s, "resources.services.api.attempts_rps") /
	    M(&s, "overall.throughput_rps");
	/* plus the edges: attempts of requests that straddle the window
	 * start or end, at most 4 attempts x 0.15 s (4 x 20 ms + 10 + 20 + 40
	 * ms of backoff) of arrivals, relative to the window */
	ck_near(k, 1.875, ZB * 1.0533 / sqrt(n) + 4 * 0.15 / window(&s));
	/* errors seen by the provider: half the attempts */
	ck_near(M(&s, "resources.services.api.errors") /
	        (M(&s, "resources.services.api.attempts_rps") * window(&s)),
	        0.5, ZB * 0.5 / sqrt(n * k));
	sim_free(&s);

	snprintf(yaml, sizeof yaml, retry_yaml, ", on: [rate_limited]");
	sim_run(&s, yaml, reps, 7);
	n = M(&s, "overall.requests") * reps;
	ck_near(M(&s, "overall.error_rate"), 0.5, ZB * 0.5 / sqrt(n));
	sim_free(&s);
}
END_TEST

/*
 * A tokens-per-minute limit, by hand.  tpm 60000 refills 1000 tokens/s into
 * a bucket of 2000 (full at 0); each call counts 1000 tokens; the provider
 * answers in 250 ms, a 429 in 125 ms; one user, no think time.  Retries
 * honour Retry-After (backoff 62.5 ms, less than any Retry-After here):
 *   t = 0      passes (2000 -> 1000), answered at 0.25
 *   t = 0.25   1250 -> passes (250), answered at 0.5
 *   t = 0.5    500: 429, Retry-After (1000 - 500) / 1000 = 0.5 s, received
 *              at 0.625; retry at 1.125: 1125 -> passes (125), answered
 *              at 1.375 (the request took 0.875 s)
 *   t = 1.375  375: 429, Retry-After 0.625 s, received at 1.5; retry at
 *              2.125: 1125 -> passes (125), answered at 2.375
 * and from then on every request repeats the last: one 429 and one success,
 * 1 s each, so 1 request/s = tpm / (60 x tokens), two attempts a request.
 * Every time is a multiple of 1/64 s, so the arithmetic is exact.
 */
static const char tpm_yaml[] =
	"run: {duration: 100s, warmup: 10s}\n"
	"load: {users: 1, think: 0s}\n"
	"services:\n"
	"  llm:\n"
	"    latency: 250ms\n"
	"    tokens: %d\n"
	"    rate_limit: {tpm: 60000, tpm_burst: 2000, latency: 125ms%s}\n"
	"    retries: {max: 3, backoff: 62.5ms, jitter: none}\n"
	"endpoints:\n"
	"  - name: ask\n"
	"    steps: [{call: llm}]\n";

START_TEST(service_tpm_retry_after_by_hand)
{
	char yaml[1024];
	sim s;
	double w;

	snprintf(yaml, sizeof yaml, tpm_yaml, 1000, ", retry_after: header");
	sim_run(&s, yaml, 2, 7);
	w = window(&s);
	ck_near(w, 90.0, 1e-6);
	ck_near(M(&s, "overall.error_rate"), 0, 0);
	ck_near(M(&s, "overall.latency_ms.mean"), 1000.0, 1e-6);
	ck_near(M(&s, "overall.latency_ms.max"), 1000.0, 1e-6);
	/* 90 windows of 1 s: one success and one 429 each, +-1 at the edges */
	ck_near(M(&s, "overall.ok_rps") * w, 90.0, 1.0);
	ck_near(M(&s, "resources.services.llm.rate_limited"), 90.0, 1.0);
	ck_near(M(&s, "resources.services.llm.attempts_rps") * w, 180.0, 2.0);
	sim_free(&s);

	/*
	 * Without Retry-After the client goes by its backoff alone: retries
	 * 62.5, 187.5 and 437.5 ms after the 429 arrives, at S + 0.1875,
	 * S + 0.4375 and S + 0.8125 for a request sent at S finding L tokens.
	 * The third request finds 500: short twice more, passes at the third
	 * retry and leaves 500 + 812.5 - 1000 + 250 = 562.5 for the next.
	 * From there L cycles 562.5 (passes at the second retry: 3 429s,
	 * 0.6875 s), 250, 312.5, 375, 437.5, 500 (each at the third: 4 429s,
	 * 1.0625 s; L grows by 62.5): 6 requests in 6 s with 17 429s between
	 * them, so again 1 request/s, 1 s on average, none failing.
	 */
	snprintf(yaml, sizeof yaml, tpm_yaml, 1000, "");
	sim_run(&s, yaml, 2, 7);
	w = window(&s);
	ck_near(M(&s, "overall.error_rate"), 0, 0);
	ck_near(M(&s, "overall.ok_rps") * w, 90.0, 1.0);
	ck_near(M(&s, "overall.latency_ms.max"), 1062.5, 1e-6);
	/* a partial cycle at each edge: at most 1 s and 4 429s */
	ck_near(M(&s, "overall.latency_ms.mean"), 1000.0, 2 * 375.0 / 90);
	ck_near(M(&s, "resources.services.llm.rate_limited"), 90.0 * 17 / 6,
	        8.0);
	sim_free(&s);

	/*
	 * A call of 3000 tokens never fits a bucket of 2000: every attempt is
	 * answered 429 (with no Retry-After), and every request fails after
	 * its 3 retries.
	 */
	snprintf(yaml, sizeof yaml, tpm_yaml, 3000, ", retry_after: header");
	sim_run(&s, yaml, 2, 7);
	ck_near(M(&s, "overall.error_rate"), 1.0, 0);
	ck_near(M(&s, "overall.errors_by_cause.rate_limited"),
	        M(&s, "overall.requests"), 0);
	sim_free(&s);
}
END_TEST

/*
 * Poisson calls of 100 tokens against tpm 60000: room for
 * 60000 / (60 x 100) = 10 calls/s.  At 2/s a bucket of a minute's tokens
 * (600 calls) never runs dry: no 429 at all.  At 40/s the provider passes
 * exactly its refill: successes per second are 10, give or take the
 * bucket's content at the window's two ends (at most tpm_burst / 100 = 10
 * calls over the window); the run's own CI must cover 10 as well.
 * rpm: 600 is rps: 10, to the byte.
 */
START_TEST(service_tpm_throughput_closed_form)
{
	static const char yaml[] =
		"run: {duration: 130s, warmup: 30s}\n"
		"load: {arrival_rate: %d}\n"
		"app: {workers: 1000}\n"
		"services:\n"
		"  llm:\n"
		"    latency: {dist: exponential, mean: 200ms}\n"
		"    tokens: 100\n"
		"    rate_limit: {tpm: 60000%s}\n"
		"endpoints:\n"
		"  - name: ask\n"
		"    steps: [{call: llm}]\n";
	static const char rl_yaml[] =
		"run: {duration: 60s, warmup: 10s}\n"
		"load: {arrival_rate: 20}\n"
		"services:\n"
		"  api:\n"
		"    latency: 50ms\n"
		"    rate_limit: {%s}\n"
		"endpoints:\n"
		"  - name: send\n"
		"    steps: [{call: api}]\n";
	const unsigned reps = 6;
	char y[1024];
	char *a, *b;
	sim s;
	double w;

	snprintf(y, sizeof y, yaml, 2, "");
	sim_run(&s, y, reps, 7);
	ck_assert(M(&s, "overall.requests") > 0);
	ck_near(M(&s, "resources.services.llm.rate_limited"), 0, 0);
	ck_near(M(&s, "overall.error_rate"), 0, 0);
	sim_free(&s);

	snprintf(y, sizeof y, yaml, 40, ", tpm_burst: 1000");
	sim_run(&s, y, reps, 7);
	w = window(&s);
	ck_near(M(&s, "overall.ok_rps"), 10.0, 10.0 / w);
	ci_covers(&s, "overall.ok_rps", 10.0);
	ck_assert(M(&s, "overall.errors_by_cause.rate_limited") > 0);
	sim_free(&s);

	snprintf(y, sizeof y, rl_yaml, "rps: 10");
	sim_run(&s, y, 2, 7);
	a = cs_result_json(s.r);
	sim_free(&s);
	snprintf(y, sizeof y, rl_yaml, "rpm: 600");
	sim_run(&s, y, 2, 7);
	b = cs_result_json(s.r);
	sim_free(&s);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
}
END_TEST

/* Bad rate-limit and token keys: position, path and the gist. */
/* yaml must fail to load at line:col, naming path, with msg in the
 * message; case i of a table (for the failure message). */
static void
expect_load_error(const char *yaml, int i, int line, int col,
                  const char *path, const char *msg)
{
	cs_scenario *sc = NULL;
	cs_error err;

	memset(&err, 0, sizeof err);
	ck_assert_int_eq(cs_scenario_load_string(yaml, "t.yaml", NULL, 0, &sc,
	                                         &err), CS_ERR_INVALID);
	ck_assert_ptr_null(sc);
	ck_assert_msg(err.line == line && err.col == col &&
	              !strcmp(err.path, path) && strstr(err.msg, msg),
	              "case %d: got %d:%d: %s: %s", i, err.line, err.col,
	              err.path, err.msg);
}

/* Load yaml (sets applied), run it, and read one metric's mean and CI. */
static void
run_metric(const char *yaml, const char *const *sets, size_t nsets,
           const char *path, double *mean, double *lo, double *hi)
{
	cs_scenario *sc = NULL;
	cs_result *res = NULL;
	cs_run_opts ro = { 0 };
	cs_error err;

	ck_assert_int_eq(cs_scenario_load_string(yaml, "t.yaml", sets, nsets,
	                                         &sc, &err), CS_OK);
	ck_assert_int_eq(cs_run(sc, &ro, &res, &err), CS_OK);
	ck_assert_int_eq(cs_result_metric(res, path, mean, lo, hi), CS_OK);
	cs_result_free(res);
	cs_scenario_free(sc);
}

static const struct bad_svc {
	const char *svc;
	int line, col;
	const char *path, *msg;
} bad_svcs[] = {
	{ "{latency: 1s, tokens: 100}", 2, 37, "services.a.tokens", "tpm" },
	{ "{latency: 1s, rate_limit: {tpm: 6000}}", 2, 47,
	  "services.a.rate_limit.tpm", "\"tokens\"" },
	{ "{latency: 1s, tokens: 1s, rate_limit: {tpm: 6000}}", 2, 37,
	  "services.a.tokens", "" },
	{ "{latency: 1s, tokens: 10, rate_limit: {tpm: 0}}", 2, 59,
	  "services.a.rate_limit.tpm", ">= 1" },
	{ "{latency: 1s, rate_limit: {latency: 1s}}", 2, 41,
	  "services.a.rate_limit", "tpm" },
	{ "{latency: 1s, rate_limit: {rps: 1, rpm: 60}}", 2, 55,
	  "services.a.rate_limit.rpm", "not both" },
	{ "{latency: 1s, rate_limit: {rpm: -5}}", 2, 47,
	  "services.a.rate_limit.rpm", "" },
	{ "{latency: 1s, tokens: 10, rate_limit: {tpm: 600, burst: 5}}", 2, 71,
	  "services.a.rate_limit.burst", "tpm_burst" },
	{ "{latency: 1s, rate_limit: {rps: 5, tpm_burst: 5}}", 2, 61,
	  "services.a.rate_limit.tpm_burst", "give tpm" },
	{ "{latency: 1s, rate_limit: {rps: 5, retry_after: yes}}", 2, 63,
	  "services.a.rate_limit.retry_after", "header" },
	{ "{kind: batch, output_tokens: 9, step_time: {base: 1ms}, "
	  "rate_limit: {tpm: 600}}", 2, 89, "services.a.rate_limit.tpm",
	  "batch" },
};

START_TEST(service_rejects_bad_rate_limits)
{
	const struct bad_svc *b = &bad_svcs[_i];
	char yaml[512];

	snprintf(yaml, sizeof yaml,
	         "load: {users: 1}\n"
	         "services: {a: %s}\n"
	         "endpoints: [{steps: [{call: a}]}]\n", b->svc);
	expect_load_error(yaml, _i, b->line, b->col, b->path, b->msg);
}
END_TEST

/*
 * A provider that takes 2 s behind a 500 ms timeout: every attempt times
 * out.  Without retries a request fails at 500 ms; with one retry after a
 * fixed 100 ms backoff at 500 + 100 + 500 = 1100 ms, two timeouts each.
 */
START_TEST(service_timeout_counts_upstream_timeout)
{
	static const char yaml[] =
		"run: {duration: 44s, warmup: 4s}\n"
		"load: {arrival_rate: 10}\n"
		"app: {workers: 1000}\n"
		"services:\n"
		"  slow: {latency: 2s, timeout: 500ms}\n"
		"  slow2:\n"
		"    latency: 2s\n"
		"    timeout: 500ms\n"
		"    retries: {max: 1, backoff: 100ms, jitter: none}\n"
		"endpoints:\n"
		"  - name: once\n"
		"    steps: [{call: slow}]\n"
		"  - name: twice\n"
		"    steps: [{call: slow2}]\n";
	sim s;
	double n1, n2;

	sim_run(&s, yaml, 2, 7);
	n1 = M(&s, "endpoints.once.requests");
	n2 = M(&s, "endpoints.twice.requests");
	ck_assert(n1 > 0 && n2 > 0);
	ck_near(M(&s, "endpoints.once.errors_by_cause.upstream_timeout"), n1, 0);
	ck_near(M(&s, "endpoints.twice.errors_by_cause.upstream_timeout"), n2, 0);
	ck_near(M(&s, "overall.error_rate"), 1.0, 0);
	ck_near(M(&s, "endpoints.once.latency_ms.mean"), 500.0, 1e-6);
	ck_near(M(&s, "endpoints.twice.latency_ms.mean"), 1100.0, 1e-6);
	/* timeouts are counted per attempt, when they happen: edges of the
	 * window move at most the requests in flight (10/s x 1.1 s) */
	ck_near(M(&s, "resources.services.slow.timeouts"), n1, 10);
	ck_near(M(&s, "resources.services.slow2.timeouts"), 2 * n2, 20);
	sim_free(&s);
}
END_TEST

/*
 * 8 calls/s with exponential 200 ms latency through a client limit of 3
 * slots: never more than 3 in flight, and the calls queue as in M/M/3
 * (mean response from tests/analytic.c).
 */
START_TEST(service_concurrency_limits_inflight)
{
	static const char yaml[] =
		"run: {duration: 220s, warmup: 20s}\n"
		"load: {arrival_rate: 8}\n"
		"app: {workers: 1000}\n"
		"services:\n"
		"  lim: {latency: {dist: exponential, mean: 200ms}, concurrency: 3}\n"
		"endpoints:\n"
		"  - name: b\n"
		"    steps: [{call: lim}]\n";
	sim s;

	sim_run(&s, yaml, 8, 7);
	ck_assert(M(&s, "resources.services.lim.concurrency.max") == 3);
	ck_assert(M(&s, "resources.services.lim.concurrency.mean") <= 3);
	ci_covers(&s, "resources.services.lim.concurrency.mean", 8 * 0.2);
	ci_covers(&s, "overall.latency_ms.mean", 1e3 * cs_an_mmc_w(3, 8, 5));
	ck_assert(M(&s, "overall.error_rate") == 0);
	sim_free(&s);
}
END_TEST

/* ---- cache, branches, endpoints ------------------------------------------ */

/*
 * A cache with hit ratio 0.7 (1 ms) in front of a 50 ms miss path: the
 * observed hit ratio and the mean latency 1 + 0.3 x 50 = 16 ms, within
 * binomial bounds on the number of lookups.  A step may override the ratio.
 */
START_TEST(cache_hit_ratio_respected)
{
	static const char yaml[] =
		"run: {duration: 110s, warmup: 10s}\n"
		"load: {arrival_rate: 40}\n"
		"app: {workers: 1000}\n"
		"cache: {hit_ratio: 70%%, latency: 1ms}\n"
		"endpoints:\n"
		"  - name: c\n"
		"    weight: %s\n"
		"    steps: [{cache: {miss: [{delay: 50ms}]}}]\n"
		"  - name: d\n"
		"    weight: %s\n"
		"    steps: [{cache: {hit_ratio: 20%%, miss: [{delay: 50ms}]}}]\n";
	const unsigned reps = 4;
	char text[1024];
	sim s;
	double n, sd;

	snprintf(text, sizeof text, yaml, "1", "0");
	sim_run(&s, text, reps, 7);
	n = M(&s, "overall.requests") * reps;
	sd = sqrt(0.7 * 0.3 / n);
	ck_near(M(&s, "resources.cache.hit_ratio"), 0.7, ZB * sd);
	ck_near(M(&s, "overall.latency_ms.mean"), 16.0, ZB * 50.0 * sd);
	ck_near(M(&s, "overall.latency_ms.p50"), 1.0, HIST);
	ck_near(M(&s, "overall.latency_ms.p99"), 51.0, 51.0 * HIST);
	sim_free(&s);

	snprintf(text, sizeof text, yaml, "0", "1");
	sim_run(&s, text, reps, 7);
	n = M(&s, "overall.requests") * reps;
	sd = sqrt(0.2 * 0.8 / n);
	ck_near(M(&s, "resources.cache.hit_ratio"), 0.2, ZB * sd);
	ck_near(M(&s, "overall.latency_ms.mean"), 41.0, ZB * 50.0 * sd);
	sim_free(&s);
}
END_TEST

/*
 * A keyed cache, by hand: one key, a TTL of 4 s, a 500 ms miss path and
 * one closed user thinking 1 s between answers.  A miss at t sets the
 * entry at t + 0.5, expiring at t + 4.5; the hits come at t + 1.5, 2.5,
 * 3.5 and the lookup at t + 4.5 finds it just expired (an entry lives
 * while now < expiry).  So every 4.5 s: one miss, three hits.  The window
 * [9 s, 53.75 s] holds the ten cycles starting at 9, 13.5, ..., 49.5 (the
 * last one's lookups at 49.5, 51, 52, 53): 10 misses and 30 hits, exactly.
 */
START_TEST(cache_ttl_expires_and_refills)
{
	static const char yaml[] =
		"run: {duration: 53.75s, warmup: 9s}\n"
		"load: {users: 1, think: 1s}\n"
		"cache: {keys: 1, ttl: 4s, latency: 0}\n"
		"endpoints:\n"
		"  - steps: [{cache: {miss: [{delay: 500ms}]}}]\n";
	sim s;

	sim_run(&s, yaml, 2, 1);
	ck_near(M(&s, "overall.requests"), 40, 1e-9);
	ck_near(M(&s, "resources.cache.hit_ratio"), 0.75, 1e-12);
	ck_near(M(&s, "resources.cache.misses_rps"), 10 / 44.75, 1e-12);
	/* no capacity, no evictions metric */
	ck_assert_int_ne(cs_result_metric(s.r, "resources.cache.evictions",
	                                  NULL, NULL, NULL), CS_OK);
	sim_free(&s);
}
END_TEST

/*
 * A miss path that fails sets nothing (cache-aside: there is no value to
 * store).  One key, no TTL: a miss path that succeeded once would make every
 * later lookup hit, but this one calls a service that always answers an
 * error, so every lookup misses.
 */
START_TEST(cache_ttl_failed_miss_sets_nothing)
{
	static const char yaml[] =
		"run: {duration: 20s, warmup: 2s}\n"
		"load: {arrival_rate: 20}\n"
		"app: {workers: 100}\n"
		"cache: {keys: 1, ttl: none, latency: 0}\n"
		"services: {down: {latency: 1ms, error_rate: 100%}}\n"
		"endpoints: [{steps: [{cache: {miss: [{call: down}]}}]}]\n";
	sim s;

	sim_run(&s, yaml, 2, 3);
	ck_assert(M(&s, "overall.requests") > 0);
	ck_near(M(&s, "resources.cache.hit_ratio"), 0, 1e-12);
	ck_near(M(&s, "overall.error_rate"), 1, 1e-12);
	sim_free(&s);
}
END_TEST

/*
 * Beside a keyed cache, a step with its own hit_ratio keeps the constant
 * ratio.  One key, no TTL, so the keyed lookups all hit after the first;
 * the other endpoint's lookups (weight 1 of 2) never do: overall 1/2,
 * binomial bound.
 */
START_TEST(cache_step_hit_ratio_stays_constant)
{
	static const char yaml[] =
		"run: {duration: 110s, warmup: 10s}\n"
		"load: {arrival_rate: 40}\n"
		"app: {workers: 100}\n"
		"cache: {keys: 1, latency: 0}\n"
		"endpoints:\n"
		"  - name: keyed\n"
		"    steps: [{cache: {miss: [{delay: 1ms}]}}]\n"
		"  - name: fixed\n"
		"    steps: [{cache: {hit_ratio: 0%}}]\n";
	const unsigned reps = 3;
	sim s;
	double n;

	sim_run(&s, yaml, reps, 3);
	n = M(&s, "overall.requests") * reps;
	ck_near(M(&s, "resources.cache.hit_ratio"), 0.5, ZB * sqrt(0.25 / n));
	sim_free(&s);
}
END_TEST

/*
 * LRU with room for one entry of two equally likely keys, no TTL: a lookup
 * hits when it asks for the key the previous one asked for, with
 * probability exactly 1/2 (binomial bound), and every miss in the window
 * evicts the other key (the cache is full from the first miss on).
 */
START_TEST(cache_capacity_evicts_lru)
{
	static const char yaml[] =
		"run: {duration: 110s, warmup: 10s}\n"
		"load: {arrival_rate: 50}\n"
		"app: {workers: 1000}\n"
		"cache: {keys: 2, capacity: 1, latency: 0}\n"
		"endpoints:\n"
		"  - steps: [{cache: {miss: []}}]\n";
	const unsigned reps = 3;
	sim s;
	double n, w;

	sim_run(&s, yaml, reps, 5);
	n = M(&s, "overall.requests") * reps;
	w = window(&s);
	ck_near(M(&s, "resources.cache.hit_ratio"), 0.5, ZB * sqrt(0.25 / n));
	ck_near(M(&s, "resources.cache.evictions"),
	        M(&s, "resources.cache.misses_rps") * w, 1e-6);
	sim_free(&s);
}
END_TEST

/*
 * The key draws follow the popularity: Zipf p_i = i^-s / H(N, s) for the
 * top keys, and the hot set's share, against binomial bounds.
 */
START_TEST(cache_popularity_draws)
{
	static const char zipf[] =
		"load: {users: 1}\n"
		"cache: {keys: 100, popularity: {dist: zipf, s: 1.2}}\n"
		"endpoints: [{steps: [{cache: default}]}]\n";
	static const char hot[] =
		"load: {users: 1}\n"
		"cache: {keys: 1000, popularity: {hot: 10, hot_share: 80%}}\n"
		"endpoints: [{steps: [{cache: default}]}]\n";
	const long n = 400000;
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	long cnt[3] = { 0 }, i, inhot = 0, k5 = 0;
	double h = 0, p;
	sim s;

	gsl_rng_set(rng, 42);
	sim_load(&s, zipf);
	for (i = 1; i <= 100; i++)
		h += pow((double)i, -1.2);
	for (i = 0; i < n; i++) {
		uint32_t k = cs_cache_draw(&s.sc->cache, rng);

		ck_assert_uint_lt(k, 100);
		if (k < 3)
			cnt[k]++;
	}
	for (i = 0; i < 3; i++) {
		p = pow((double)(i + 1), -1.2) / h;
		ck_near((double)cnt[i] / n, p, ZB * sqrt(p * (1 - p) / n));
	}
	cs_scenario_free(s.sc);

	sim_load(&s, hot);
	for (i = 0; i < n; i++) {
		uint32_t k = cs_cache_draw(&s.sc->cache, rng);

		ck_assert_uint_lt(k, 1000);
		inhot += k < 10;
		k5 += k == 5;
	}
	ck_near((double)inhot / n, 0.8, ZB * sqrt(0.16 / n));
	ck_near((double)k5 / n, 0.08, ZB * sqrt(0.08 * 0.92 / n));
	cs_scenario_free(s.sc);
	gsl_rng_free(rng);
}
END_TEST

/*
 * A quick closed-form check (the validation suite has the long ones): a
 * TTL cache under Poisson lookups with an instantaneous miss path hits key
 * i with probability h_i = x / (1 + x), x = lambda p_i T.  Uniform over 50
 * keys, lambda = 100/s, T = 1 s: x = 2, hit ratio 2/3.
 */
START_TEST(cache_ttl_matches_closed_form_quick)
{
	static const char yaml[] =
		"run: {duration: 105s, warmup: 5s}\n"
		"load: {arrival_rate: 100}\n"
		"app: {workers: 1000}\n"
		"cache: {keys: 50, ttl: 1s, latency: 0}\n"
		"endpoints: [{steps: [{cache: {miss: []}}]}]\n";
	sim s;

	sim_run(&s, yaml, 6, 9);
	ci_covers(&s, "resources.cache.hit_ratio", 2.0 / 3.0);
	sim_free(&s);
}
END_TEST

/* The same seed gives the same keyed-cache numbers whatever --jobs is. */
START_TEST(cache_ttl_same_output_whatever_jobs)
{
	static const char yaml[] =
		"run: {duration: 30s, warmup: 5s}\n"
		"load: {arrival_rate: 200}\n"
		"app: {workers: 1000}\n"
		"cache: {keys: 5000, popularity: {dist: zipf, s: 0.9}, ttl: 2s,\n"
		"        capacity: 300}\n"
		"endpoints: [{steps: [{cache: {miss: [{delay: 5ms}]}}]}]\n";
	static const char *const paths[] = {
		"resources.cache.hit_ratio", "resources.cache.misses_rps",
		"resources.cache.evictions",
	};
	sim a, b;
	size_t i;

	sim_run_jobs(&a, yaml, 4, 17, 1);
	sim_run_jobs(&b, yaml, 4, 17, 3);
	for (i = 0; i < 3; i++) {
		double m1, l1, h1, m2, l2, h2;

		get3(&a, paths[i], &m1, &l1, &h1);
		get3(&b, paths[i], &m2, &l2, &h2);
		ck_assert_msg(m1 == m2 && l1 == l2 && h1 == h2, "%s differs",
		              paths[i]);
	}
	ck_assert(M(&a, "resources.cache.evictions") > 0);
	sim_free(&a);
	sim_free(&b);
}
END_TEST

/* Bad keyed-cache keys: position, path and the gist of the message. */
static const struct bad_cache {
	const char *cache;
	int line, col;
	const char *path, *msg;
} bad_caches[] = {
	{ "{keys: 0}", 2, 15, "cache.keys", ">= 1" },
	{ "{keys: 20000000}", 2, 15, "cache.keys", "at most 10000000 keys" },
	{ "{keys: 1.5}", 2, 15, "cache.keys", "" },
	{ "{keys: 10, hit_ratio: 50%}", 2, 30, "cache.hit_ratio", "not both" },
	{ "{ttl: 5s}", 2, 14, "cache.ttl", "cache.keys" },
	{ "{keys: 10, ttl: 5}", 2, 24, "cache.ttl", "unit" },
	{ "{keys: 10, ttl: -1s}", 2, 24, "cache.ttl", "" },
	{ "{keys: 10, capacity: 0}", 2, 29, "cache.capacity", ">= 1" },
	{ "{keys: 10, popularity: zipf}", 2, 31, "cache.popularity", "" },
	{ "{keys: 10, popularity: {dist: zipf}}", 2, 31, "cache.popularity",
	  "needs \"s\"" },
	{ "{keys: 10, popularity: {dist: zipf, s: -1}}", 2, 47,
	  "cache.popularity.s", ">= 0" },
	{ "{keys: 10, popularity: {dist: zipff, s: 1}}", 2, 38,
	  "cache.popularity.dist", "zipf" },
	{ "{keys: 10, popularity: {dist: zipf, s: 1, hot: 3}}", 2, 50,
	  "cache.popularity", "hot" },
	{ "{keys: 10, popularity: {hot: 10, hot_share: 80%}}", 2, 37,
	  "cache.popularity.hot", "smaller than cache.keys" },
	{ "{keys: 10, popularity: {hot: 3}}", 2, 31, "cache.popularity",
	  "hot_share" },
	{ "{keys: 10, popularity: {hot: 3, hot_share: 2}}", 2, 51,
	  "cache.popularity.hot_share", "between 0 and 1" },
	{ "{keys: 10, popularity: {s: 1}}", 2, 31, "cache.popularity",
	  "needs \"dist\"" },
};

START_TEST(cache_rejects_bad_keys)
{
	const struct bad_cache *b = &bad_caches[_i];
	char yaml[512];

	snprintf(yaml, sizeof yaml,
	         "load: {users: 1}\n"
	         "cache: %s\n"
	         "endpoints: [{steps: [{cache: default}]}]\n", b->cache);
	expect_load_error(yaml, _i, b->line, b->col, b->path, b->msg);
}
END_TEST

/* Keyed lookups nested n deep, each in the previous one's miss path. */
static cs_status
load_nested(int n, cs_error *err)
{
	char yaml[1024], steps[512] = "{cache: {}}", in[512];
	cs_scenario *sc = NULL;
	cs_status st;
	int i;

	for (i = 1; i < n; i++) {
		snprintf(in, sizeof in, "{cache: {miss: [%s]}}", steps);
		snprintf(steps, sizeof steps, "%s", in);
	}
	snprintf(yaml, sizeof yaml, "load: {users: 1}\ncache: {keys: 5}\n"
	         "endpoints: [{steps: [%s]}]\n", steps);
	memset(err, 0, sizeof *err);
	st = cs_scenario_load_string(yaml, "t.yaml", NULL, 0, &sc, err);
	cs_scenario_free(sc);
	return st;
}

/* Keyed lookups nest at most CS_CACHE_NEST deep in each other's miss
 * paths (each open one keeps its key in the request). */
START_TEST(cache_keyed_nesting_is_bounded)
{
	cs_error err;

	ck_assert_int_eq(load_nested(CS_CACHE_NEST, &err), CS_OK);
	ck_assert_int_eq(load_nested(CS_CACHE_NEST + 1, &err), CS_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err.msg, "nest at most"));
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

/* ---- load ---------------------------------------------------------------- */

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

/* ---- whole runs ---------------------------------------------------------- */

static const char mix_yaml[] =
	"run: {duration: 20s, replications: 3}\n"
	"load: {users: 40, think: {dist: exponential, mean: 200ms},"
	" client_timeout: 700ms}\n"
	"app: {instances: 2, workers: 8, backlog: 4, request_timeout: 900ms,"
	" cores: 1, balancer: least_connections}\n"
	"db: {pool: {size: 3, acquire_timeout: 300ms}, max_connections: 5,"
	" cores: 1}\n"
	"cache: {hit_ratio: 50%}\n"
	"services:\n"
	"  ai:\n"
	"    latency: {dist: lognormal, median: 200ms, p95: 900ms}\n"
	"    timeout: 600ms\n"
	"    concurrency: 4\n"
	"    rate_limit: {rps: 15, burst: 3, latency: 5ms}\n"
	"    error_rate: 10%\n"
	"    retries: {max: 2, backoff: 50ms}\n"
	"endpoints:\n"
	"  - name: a\n"
	"    steps:\n"
	"      - {cpu: {dist: exponential, mean: 20ms}}\n"
	"      - db: {steps: [{query: 20ms}, {call: ai}, {query: 10ms}]}\n"
	"  - name: b\n"
	"    steps:\n"
	"      - cache: {miss: [{query: {dist: exponential, mean: 30ms}}]}\n"
	"      - branch: {p: 0.5, steps: [{call: ai}]}\n";

static char *
run_json(const char *yaml, unsigned reps, uint64_t seed, unsigned jobs)
{
	sim s;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	sim_run_jobs(&s, yaml, reps, seed, jobs);
	ck_assert_int_eq(cs_result_write(s.r, CS_FORMAT_JSON, f), CS_OK);
	ck_assert_int_eq(fclose(f), 0);
	sim_free(&s);
	ck_assert_uint_gt(len, 1000);
	return buf;
}

/* ---- the sequential rule (cs_run_opts.precision) ------------------------ */

static const char prec_yaml[] =
	"run: {duration: 20s, warmup: 2s}\n"
	"load: {users: 20, think: {dist: exponential, mean: 200ms}}\n"
	"app: {workers: 4, cores: 2}\n"
	"db: {pool: {size: 3, acquire_timeout: 500ms}}\n"
	"endpoints:\n"
	"  - name: a\n"
	"    steps: [{cpu: {dist: exponential, mean: 4ms}},\n"
	"            {db: {steps: [{query: {dist: exponential, mean: 3ms}}]}}]\n";

/* Run prec_yaml with o; the JSON as a string (caller frees). */
static char *
prec_json(const cs_run_opts *o, cs_precision_info *pi)
{
	cs_scenario *sc = NULL;
	cs_result *r = NULL;
	cs_error err;
	char *j;

	memset(&err, 0, sizeof err);
	ck_assert_int_eq(cs_scenario_load_string(prec_yaml, "t.yaml", NULL, 0,
	                                         &sc, &err), CS_OK);
	ck_assert_int_eq(cs_run(sc, o, &r, &err), CS_OK);
	if (pi)
		cs_result_precision(r, pi);
	j = cs_result_json(r);
	ck_assert_ptr_nonnull(j);
	cs_result_free(r);
	cs_scenario_free(sc);
	return j;
}

/* Equal, NaN included. */
static int
same(double a, double b)
{
	return a == b || (isnan(a) && isnan(b));
}

/* The rule stops with every watched metric within the target, and its
 * numbers are those of a fixed run of as many replications: it only
 * decides how many to run. */
START_TEST(result_precision_stops_when_met_as_a_fixed_run_would_say)
{
	cs_run_opts o = { .seed = 3, .has_seed = 1, .jobs = 2,
	                  .precision = 0.03 };
	cs_run_opts f = { .seed = 3, .has_seed = 1, .jobs = 1 };
	cs_precision_info pi, pf;
	cs_scenario *sc = NULL;
	cs_result *a = NULL, *b = NULL;
	cs_error err;
	size_t i, n;

	memset(&err, 0, sizeof err);
	ck_assert_int_eq(cs_scenario_load_string(prec_yaml, "t.yaml", NULL, 0,
	                                         &sc, &err), CS_OK);
	ck_assert_int_eq(cs_run(sc, &o, &a, &err), CS_OK);
	cs_result_precision(a, &pi);
	ck_assert_uint_ge(pi.replications, CS_PRECISION_MIN_REPS);
	ck_assert_uint_lt(pi.replications, CS_PRECISION_MAX_REPS);
	ck_assert_uint_eq(cs_result_replications(a), pi.replications);
	ck_assert_int_eq(pi.met, 1);
	ck_assert_double_le(pi.reached, 0.03);
	ck_assert_str_ne(pi.worst, "");
	f.replications = pi.replications;
	ck_assert_int_eq(cs_run(sc, &f, &b, &err), CS_OK);
	cs_result_precision(b, &pf);
	ck_assert_int_eq(pf.met, 0);
	ck_assert_double_eq(pf.target, 0);
	n = cs_result_nmetrics(a);
	ck_assert_uint_eq(n, cs_result_nmetrics(b));
	for (i = 0; i < n; i++) {
		double m[2], lo[2], hi[2];
		char name[256];

		cs_result_metric_at(a, i, &m[0], &lo[0], &hi[0]);
		cs_result_metric_at(b, i, &m[1], &lo[1], &hi[1]);
		cs_result_metric_name(a, i, name, sizeof name);
		ck_assert_msg(same(m[0], m[1]) && same(lo[0], lo[1]) &&
		              same(hi[0], hi[1]), "%s: %.17g [%.17g, %.17g] vs "
		              "the fixed run's %.17g [%.17g, %.17g]", name, m[0],
		              lo[0], hi[0], m[1], lo[1], hi[1]);
	}
	/* a fixed run of fewer replications is less precise than asked */
	f.replications = pi.replications - 1;
	cs_result_free(b);
	ck_assert_int_eq(cs_run(sc, &f, &b, &err), CS_OK);
	ck_assert_uint_eq(cs_result_replications(b), pi.replications - 1);
	cs_result_free(a);
	cs_result_free(b);
	cs_scenario_free(sc);
}
END_TEST

/* Where the rule stops does not depend on the thread count. */
START_TEST(result_precision_same_output_whatever_jobs)
{
	cs_run_opts o = { .seed = 11, .has_seed = 1, .jobs = 1,
	                  .precision = 0.02 };
	char *a, *b;

	a = prec_json(&o, NULL);
	o.jobs = 3;
	b = prec_json(&o, NULL);
	ck_assert_msg(strcmp(a, b) == 0, "--jobs 1 and 3 differ under the rule");
	free(a);
	free(b);
}
END_TEST

/* The first batch is max(5, replications); the maximum is a hard stop,
 * and a target not met there is reported as not met. */
START_TEST(result_precision_first_batch_and_maximum)
{
	cs_run_opts o = { .seed = 5, .has_seed = 1, .precision = 0.5 };
	cs_precision_info pi;

	free(prec_json(&o, &pi));
	ck_assert_uint_eq(pi.replications, CS_PRECISION_MIN_REPS);
	ck_assert_uint_eq(pi.first, CS_PRECISION_MIN_REPS);
	ck_assert_uint_eq(pi.max, CS_PRECISION_MAX_REPS);
	ck_assert_double_eq(pi.floor, CS_PRECISION_FLOOR);
	o.replications = 2;
	free(prec_json(&o, &pi));
	ck_assert_uint_eq(pi.replications, CS_PRECISION_MIN_REPS);
	o.replications = 9;
	free(prec_json(&o, &pi));
	ck_assert_uint_eq(pi.replications, 9);
	o.replications = 0;
	o.precision = 0.001;
	o.max_replications = 7;
	free(prec_json(&o, &pi));
	ck_assert_uint_eq(pi.replications, 7);
	ck_assert_int_eq(pi.met, 0);
	ck_assert_double_gt(pi.reached, 0.001);
}
END_TEST

/* A ratio near zero is judged against the absolute floor: an error rate
 * of exactly 0 everywhere, or one below floor / target, does not make
 * the rule run to its maximum. */
START_TEST(result_precision_floor_for_ratios_near_zero)
{
	cs_run_opts o = { .seed = 5, .has_seed = 1, .precision = 0.05 };
	cs_precision_info pi;
	const char *worst;
	cs_scenario *sc = NULL;
	cs_result *r = NULL;
	cs_error err;
	double with, without;

	memset(&err, 0, sizeof err);
	ck_assert_int_eq(cs_scenario_load_string(prec_yaml, "t.yaml", NULL, 0,
	                                         &sc, &err), CS_OK);
	ck_assert_int_eq(cs_run(sc, &o, &r, &err), CS_OK);
	cs_result_precision(r, &pi);
	ck_assert_int_eq(pi.met, 1);
	ck_assert_uint_lt(pi.replications, CS_PRECISION_MAX_REPS);
	/* the floor only ever makes the reached value smaller */
	with = cs_result_reached(r, 0.05, 0.01, &worst);
	without = cs_result_reached(r, 0, 0, NULL);
	ck_assert_double_le(with, without);
	ck_assert_str_ne(worst, "");
	cs_result_free(r);
	cs_scenario_free(sc);
}
END_TEST

/* Timeseries rows are kept in memory: more than CS_TIMESERIES_MAX_ROWS
 * is refused before any work (1e-300 s once grew without bound), exactly
 * that many is run. */
START_TEST(run_refuses_too_many_timeseries_rows)
{
	static const char yaml[] =
		"run: {duration: 10s, warmup: 0s, replications: 1}\n"
		"load: {users: 1, think: 1s}\n"
		"endpoints:\n"
		"  - name: a\n"
		"    steps: [{cpu: 1ms}]\n";
	cs_run_opts o = { .timeseries = 1e-300 };
	cs_scenario *sc = NULL;
	cs_result *r = NULL;
	cs_error err;

	memset(&err, 0, sizeof err);
	ck_assert_int_eq(cs_scenario_load_string(yaml, "t.yaml", NULL, 0, &sc,
	                                         &err), CS_OK);
	ck_assert_int_eq(cs_run(sc, &o, &r, &err), CS_ERR_INVALID);
	ck_assert_ptr_null(r);
	ck_assert_str_eq(err.path, "timeseries");
	ck_assert_msg(strstr(err.msg, "at most 1000000"), "%s", err.msg);
	o.timeseries = 10.0 / 1000001;
	ck_assert_int_eq(cs_run(sc, &o, &r, &err), CS_ERR_INVALID);
	o.timeseries = 0.125; /* 80 rows: fine */
	ck_assert_int_eq(cs_run(sc, &o, &r, &err), CS_OK);
	cs_result_free(r);
	cs_scenario_free(sc);
}
END_TEST

/* cs_result_metric finds every metric by its own name (a binary search
 * of the sorted names), names with dots and spaces included, and nothing
 * that is only a prefix of one. */
START_TEST(run_metric_lookup_finds_every_name)
{
	static const char yaml[] =
		"run: {duration: 5s, warmup: 0s, replications: 2}\n"
		"load: {users: 3, think: 100ms}\n"
		"endpoints:\n"
		"  - {name: b, steps: [{cpu: 1ms}]}\n"
		"  - {name: a.x, steps: [{cpu: 2ms}]}\n"
		"  - {name: GET /a b, steps: [{cpu: 3ms}]}\n"
		"  - {name: a, steps: [{cpu: 4ms}]}\n";
	sim s;
	size_t i, n;
	char name[512];
	double m, lo, hi, m2, lo2, hi2;

	sim_run(&s, yaml, 2, 3);
	n = cs_result_nmetrics(s.r);
	ck_assert_uint_gt(n, 100);
	for (i = 0; i < n; i++) {
		cs_result_metric_name(s.r, i, name, sizeof name);
		ck_assert_int_eq(cs_result_metric(s.r, name, &m, &lo, &hi), CS_OK);
		cs_result_metric_at(s.r, i, &m2, &lo2, &hi2);
		ck_assert_msg((m == m2 || (isnan(m) && isnan(m2))) &&
		              (lo == lo2 || (isnan(lo) && isnan(lo2))),
		              "%s: %g, expected %g", name, m, m2);
	}
	ck_assert_int_eq(cs_result_metric(s.r, "endpoints.a.latency_ms", &m,
	                                  NULL, NULL), CS_ERR_INVALID);
	ck_assert_int_eq(cs_result_metric(s.r, "endpoints.a.x.requests", &m,
	                                  NULL, NULL), CS_OK);
	ck_assert_int_eq(cs_result_metric(s.r, "zzz", &m, NULL, NULL),
	                 CS_ERR_INVALID);
	ck_assert_int_eq(cs_result_metric(s.r, "", &m, NULL, NULL),
	                 CS_ERR_INVALID);
	sim_free(&s);
}
END_TEST

START_TEST(run_same_seed_gives_identical_json)
{
	char *a = run_json(mix_yaml, 3, 42, 1);
	char *b = run_json(mix_yaml, 3, 42, 1);
	char *c = run_json(mix_yaml, 3, 42, 3); /* threads never change output */
	char *d = run_json(mix_yaml, 3, 43, 1);

	ck_assert_str_eq(a, b);
	ck_assert_str_eq(a, c);
	/* another seed gives other numbers: compared from the results on,
	 * past the "run" block that names the seed (which would differ even
	 * if the simulation ignored it) */
	ck_assert_ptr_nonnull(strstr(a, "\"overall\""));
	ck_assert_ptr_nonnull(strstr(d, "\"overall\""));
	ck_assert_str_ne(strstr(a, "\"overall\""), strstr(d, "\"overall\""));
	ck_assert_ptr_nonnull(strstr(a, "\"seed\":\t42,"));
	ck_assert_ptr_nonnull(strstr(d, "\"seed\":\t43,"));
	free(a);
	free(b);
	free(c);
	free(d);
}
END_TEST

START_TEST(run_replications_give_ci)
{
	static const char *const paths[] = {
		"overall.requests", "overall.throughput_rps", "overall.error_rate",
		"overall.latency_ms.mean", "overall.latency_ms.p95",
		"resources.app.workers_busy.mean", "resources.db_pool.in_use.mean",
		"resources.services.ai.concurrency.mean",
		"endpoints.a.latency_ms.p50",
	};
	sim s;
	size_t i;
	double m, lo, hi;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	sim_run(&s, mix_yaml, 5, 9);
	for (i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		get3(&s, paths[i], &m, &lo, &hi);
		ck_assert_msg(isfinite(m) && isfinite(lo) && isfinite(hi),
		              "%s: %g [%g, %g]", paths[i], m, lo, hi);
		ck_assert_msg(lo <= m && m <= hi, "%s: %g [%g, %g]", paths[i],
		              m, lo, hi);
		/* a quantile may land in the same bucket every time; a
		 * mean or count of a random run may not */
		ck_assert_msg(hi > lo || strstr(paths[i], ".p"),
		              "%s: a random metric with a zero-width CI",
		              paths[i]);
	}
	/* away from the bounds that cut it (0, and 1 for ratios), and for a
	 * mean rather than a percentile, the interval is mean +- t s / sqrt(n) */
	get3(&s, "overall.latency_ms.mean", &m, &lo, &hi);
	ck_assert(lo > 0);
	ck_near(m - lo, hi - m, 1e-9 * m);
	get3(&s, "overall.requests", &m, &lo, &hi);
	ck_assert(lo > 0);
	ck_near(m - lo, hi - m, 1e-9 * m);
	ck_assert_int_eq(cs_result_metric(s.r, "overall.no_such_metric", &m,
	                                  &lo, &hi), CS_ERR_INVALID);
	sim_free(&s);

	/* one replication: a mean, and an unknown interval */
	sim_run(&s, mix_yaml, 1, 9);
	for (i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		get3(&s, paths[i], &m, &lo, &hi);
		ck_assert_msg(isfinite(m), "%s: mean %g", paths[i], m);
		ck_assert_msg(isnan(lo) && isnan(hi), "%s: CI [%g, %g] from one "
		              "replication", paths[i], lo, hi);
	}
	f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(cs_result_write(s.r, CS_FORMAT_JSON, f), CS_OK);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, "\"ci_low\":\tnull"));
	free(buf);
	sim_free(&s);
}
END_TEST

/*
 * generated = completed + failed + in flight, in a run where requests fail
 * for many causes, some are abandoned by the client while the server goes
 * on, and some are still in flight at the end.
 */
START_TEST(run_conservation_holds)
{
	sim s;
	double gen, done, failed, inflight, req;
	int causes = 0;
	static const char *const cause[] = {
		"pool_timeout", "backlog_full", "client_timeout", "rate_limited",
		"db_refused",
	};
	char path[128];
	size_t i;

	sim_run(&s, mix_yaml, 3, 5);
	gen = M(&s, "checks.conservation.generated");
	done = M(&s, "checks.conservation.completed");
	failed = M(&s, "checks.conservation.failed");
	inflight = M(&s, "checks.conservation.in_flight");
	req = M(&s, "overall.requests");
	ck_assert(gen > 0 && done > 0 && failed > 0 && inflight > 0);
	ck_near(gen, done + failed + inflight, 1e-6);
	/* the window holds answers only: no more than were generated */
	ck_assert(req <= gen);
	ck_assert(inflight <= 40); /* at most one per user */
	for (i = 0; i < sizeof cause / sizeof cause[0]; i++) {
		snprintf(path, sizeof path, "overall.errors_by_cause.%s", cause[i]);
		causes += M(&s, path) > 0;
	}
	ck_assert_int_eq(causes, 5); /* the scenario exercises them all */
	sim_free(&s);
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


/*
 * Errors that grow with load: 4 users, no think time, a constant 100 ms
 * answer.  The users stay in step: at each answer instant the four answers
 * come first, then the four new attempts start one by one, finding 1, 2,
 * 3 and 4 attempts in flight (themselves included).  With the table
 * [[1, 0%], [4, 50%]] they fail with 0, 1/6, 1/3 and 1/2: 25% in all.
 */
START_TEST(service_errors_grow_with_load)
{
	const char *yaml =
		"run: {duration: 200s, warmup: 20s, replications: 5, seed: 4}\n"
		"load: {users: 4, think: {dist: constant, value: 0s}}\n"
		"services:\n"
		"  llm:\n"
		"    latency: {dist: constant, value: 100ms}\n"
		"    timeout: none\n"
		"    error_rate: {table: [[1, 0%], [4, 50%]]}\n"
		"endpoints:\n"
		"  - name: ask\n"
		"    steps: [{call: llm}]\n";
	double e, lo, hi, half;

	run_metric(yaml, NULL, 0, "overall.error_rate", &e, &lo, &hi);
	/* the run's own 95% CI, widened to 99.9% (t(4): 2.776 -> 8.610) */
	half = (hi - lo) / 2 * 8.610 / 2.776;
	ck_assert_msg(fabs(e - 0.25) <= half, "error rate %g, want 0.25 +- %g",
	              e, half);
}
END_TEST


/*
 * Keep-alive pinning at random: 2 users, no think time, a constant 100 ms
 * in a process of one thread, 2 processes.  Pinned i mod 2 (affinity:
 * user) each user has a process: 20 answers/s.  Pinned at random, both
 * land on one process with probability 1/2 (10/s), else 20/s: 15/s on
 * average over replications, each replication drawing anew.
 */
START_TEST(app_affinity_user_random_pins_unevenly)
{
	const char *yaml =
		"run: {duration: 100s, warmup: 10s, replications: 40, seed: 11}\n"
		"load: {users: 2, think: {dist: constant, value: 0s}}\n"
		"app: {processes: 2, workers: 2, cores: 2, affinity: %s}\n"
		"endpoints:\n"
		"  - name: a\n"
		"    steps: [{delay: 100ms}]\n";
	const char *modes[2] = { "user", "user_random" };
	double want[2] = { 20, 15 };
	int k;

	for (k = 0; k < 2; k++) {
		char text[512];
		double x, lo, hi, half;

		snprintf(text, sizeof text, yaml, modes[k]);
		run_metric(text, NULL, 0, "overall.throughput_rps", &x, &lo, &hi);
		if (k == 0) {
			ck_assert_msg(fabs(x - 20) < 0.05, "round robin: %g", x);
		} else {
			/* the run's 95% CI (t(39) 2.023) widened to 99.9%
			 * (3.558) */
			half = (hi - lo) / 2 * 3.558 / 2.023;
			ck_assert_msg(fabs(x - want[k]) <= half && hi - lo > 1,
			              "random pinning: %g [%g, %g], want 15", x,
			              lo, hi);
		}
	}
}
END_TEST


/*
 * Work that goes on after the caller gives up: 1 user thinking 0.3 s, a
 * provider answering in exactly 1 s through 1 slot, a 0.5 s timeout.
 * release: each attempt holds the slot 0.5 s of every 0.8 s cycle (mean
 * concurrency 0.625).  hold: the slot stays taken until the provider
 * answers; attempts at 0, 0.8, 1.6, 2.4 get it at 0, 1.0, 2.0 and never
 * (the fourth times out in the queue at 2.9), the slot idles from 3.0 to
 * 3.2, and it repeats: busy 3.0 of every 3.2 s (0.9375).  Every attempt
 * times out either way (1.25 a second).
 */
START_TEST(service_on_timeout_hold_keeps_the_slot)
{
	const char *yaml =
		"run: {duration: 352s, warmup: 32s, replications: 2, seed: 1}\n"
		"load: {users: 1, think: {dist: constant, value: 300ms}}\n"
		"services:\n"
		"  slow:\n"
		"    latency: {dist: constant, value: 1s}\n"
		"    timeout: 500ms\n"
		"    concurrency: 1\n"
		"    on_timeout: %s\n"
		"endpoints:\n"
		"  - name: a\n"
		"    steps: [{call: slow}]\n";
	const char *modes[2] = { "release", "hold" };
	double want[2] = { 0.625, 0.9375 };
	int k;

	for (k = 0; k < 2; k++) {
		char text[512];
		cs_scenario *sc = NULL;
		cs_result *res = NULL;
		cs_run_opts ro = { 0 };
		cs_error err;
		double c, x, e;

		snprintf(text, sizeof text, yaml, modes[k]);
		ck_assert_int_eq(cs_scenario_load_string(text, "t.yaml", NULL, 0,
		                                         &sc, &err), CS_OK);
		ck_assert_int_eq(cs_run(sc, &ro, &res, &err), CS_OK);
		cs_result_metric(res, "resources.services.slow.concurrency.mean",
		                 &c, NULL, NULL);
		cs_result_metric(res, "overall.throughput_rps", &x, NULL, NULL);
		cs_result_metric(res, "overall.error_rate", &e, NULL, NULL);
		ck_assert_msg(fabs(c - want[k]) < 1e-9, "%s: concurrency %.12g",
		              modes[k], c);
		ck_assert_msg(fabs(x - 1.25) < 1e-9 && e == 1, "%s: %g/s, %g",
		              modes[k], x, e);
		cs_result_free(res);
		cs_scenario_free(sc);
	}
}
END_TEST

/* ---- where the time goes, and the bottleneck -------------------------------- */

/* Sum of the metrics whose path starts with prefix. */
static double
sum_under(const sim *s, const char *prefix, size_t *n)
{
	size_t i, len = strlen(prefix);
	double sum = 0, v;
	char name[512];

	*n = 0;
	for (i = 0; i < cs_result_nmetrics(s->r); i++) {
		cs_result_metric_name(s->r, i, name, sizeof name);
		if (strncmp(name, prefix, len))
			continue;
		cs_result_metric_at(s->r, i, &v, NULL, NULL);
		sum += v;
		++*n;
	}
	return sum;
}

/* The parts of overall and of each endpoint add up to the mean response
 * time of the successes, and near p95 to that neighbourhood's. */
static void
check_parts_add_up(const sim *s)
{
	const cs_scenario *sc = s->sc;
	size_t e, n;

	for (e = 0; e <= sc->nendpoints; e++) {
		char base[300], p[400];
		double sum, want;

		if (e)
			snprintf(base, sizeof base, "endpoints.%s",
			         sc->endpoints[e - 1].name);
		else
			snprintf(base, sizeof base, "overall");
		snprintf(p, sizeof p, "%s.time_ms.", base);
		sum = sum_under(s, p, &n);
		ck_assert_uint_gt(n, 0);
		snprintf(p, sizeof p, "%s.latency_ok_ms.mean", base);
		want = M(s, p);
		ck_assert_msg(isfinite(want) && want > 0, "%s: no successes", p);
		/* floating-point rounding only: a few adds a hand-over */
		ck_assert_msg(fabs(sum - want) <= 1e-9 * want,
		              "%s: parts %.15g ms, mean %.15g ms", base, sum, want);
		snprintf(p, sizeof p, "%s.near_p95.time_ms.", base);
		sum = sum_under(s, p, &n);
		snprintf(p, sizeof p, "%s.near_p95.latency_ms", base);
		want = M(s, p);
		if (isfinite(want))
			ck_assert_msg(fabs(sum - want) <= 1e-9 * want,
			              "%s near p95: parts %.15g, mean %.15g", base,
			              sum, want);
	}
}

/* Scenarios with every kind of hand-over: retries after errors, 429s and
 * timeouts, a slot queue, a batch server, cache, client and server
 * timeouts, affinity, a round trip, the DB on the app host, delays and a
 * token limit with Retry-After. */
static const char *const parts_yaml[] = {
	mix_yaml,
	"run: {duration: 30s, warmup: 3s, replications: 2}\n"
	"load: {users: 30, think: 100ms, client_timeout: 5s,"
	" rtt: {dist: exponential, mean: 20ms}}\n"
	"app: {workers: 16}\n"
	"services:\n"
	"  llm:\n"
	"    kind: batch\n"
	"    prompt_tokens: {dist: exponential, mean: 50}\n"
	"    output_tokens: {dist: exponential, mean: 20}\n"
	"    step_time: {base: 20ms, per_seq: 1ms}\n"
	"    max_batch: 4\n"
	"    concurrency: 6\n"
	"    timeout: 2s\n"
	"    error_rate: 5%\n"
	"    retries: {max: 2, backoff: 20ms}\n"
	"endpoints:\n"
	"  - name: ask\n"
	"    steps: [{cpu: 5ms}, {call: llm}]\n",
	"run: {duration: 30s, warmup: 3s, replications: 2}\n"
	"load: {users: 12, think: 50ms, rtt: 8ms}\n"
	"app: {workers: 4, processes: 2, cores: 1, affinity: user, backlog: 100}\n"
	"db: {host: app, pool: {size: 1}}\n"
	"services:\n"
	"  api:\n"
	"    latency: {dist: exponential, mean: 30ms}\n"
	"    tokens: 100\n"
	"    rate_limit: {tpm: 60000, tpm_burst: 300, retry_after: header}\n"
	"    retries: {max: 5, backoff: 5ms, on: [rate_limited]}\n"
	"endpoints:\n"
	"  - name: x\n"
	"    steps:\n"
	"      - {cpu: {dist: exponential, mean: 10ms}}\n"
	"      - {delay: 3ms}\n"
	"      - db: {steps: [{query: 4ms}]}\n"
	"      - {call: api}\n",
};

START_TEST(parts_add_up_to_the_response_time)
{
	sim s;

	sim_run(&s, parts_yaml[_i], 0, 3);
	check_parts_add_up(&s);
	sim_free(&s);
}
END_TEST

/* Constant times, one user: 10 ms round trip, 20 ms of CPU alone on a
 * core (no queueing), a 5 ms delay, a 7 ms query: each part exactly. */
START_TEST(parts_by_hand)
{
	sim s;

	sim_run(&s, "run: {duration: 20s, replications: 2}\n"
	        "load: {users: 1, think: 100ms, rtt: 10ms}\n"
	        "endpoints:\n"
	        "  - name: e\n"
	        "    steps: [{cpu: 20ms}, {delay: 5ms}, {db: {steps: "
	        "[{query: 7ms}]}}]\n", 0, 1);
	ck_near(M(&s, "overall.time_ms.network"), 10, 1e-9);
	ck_near(M(&s, "overall.time_ms.cpu"), 20, 1e-9);
	ck_near(M(&s, "overall.time_ms.cpu_queue"), 0, 1e-9);
	ck_near(M(&s, "overall.time_ms.delay"), 5, 1e-9);
	ck_near(M(&s, "overall.time_ms.query"), 7, 1e-9);
	ck_near(M(&s, "overall.time_ms.pool_wait"), 0, 1e-9);
	ck_near(M(&s, "endpoints.e.near_p95.latency_ms"), 42, 1e-9);
	check_parts_add_up(&s);
	sim_free(&s);
}
END_TEST

/* Two requests always on one core: each 20 ms CPU step takes 40 ms, half
 * of it queueing; with a pool of one, each waits for the other's query. */
START_TEST(parts_split_cpu_queueing_and_pool_wait)
{
	sim s;

	sim_run(&s, "run: {duration: 20s, replications: 2}\n"
	        "load: {users: 2, think: 0s}\n"
	        "app: {cores: 1, workers: 2}\n"
	        "endpoints:\n"
	        "  - name: e\n"
	        "    steps: [{cpu: 20ms}]\n", 0, 1);
	ck_near(M(&s, "overall.time_ms.cpu"), 20, 1e-6);
	ck_near(M(&s, "overall.time_ms.cpu_queue"), 20, 1e-6);
	sim_free(&s);
	sim_run(&s, "run: {duration: 20s, replications: 2}\n"
	        "load: {users: 2, think: 0s}\n"
	        "db: {pool: {size: 1}, cores: 4}\n"
	        "endpoints:\n"
	        "  - name: e\n"
	        "    steps: [{db: {steps: [{query: 10ms}]}}]\n", 0, 1);
	ck_near(M(&s, "overall.time_ms.query"), 10, 1e-6);
	ck_near(M(&s, "overall.time_ms.pool_wait"), 10, 1e-3);
	sim_free(&s);
}
END_TEST

START_TEST(bottleneck_is_the_deepest_saturated)
{
	cs_use u[] = {
		{ "app backlog", 0.95, NAN, 0 },
		{ "app workers", 1.0, 120, 1 },
		{ "app CPU", 0.4, NAN, 2 },
		{ "DB pool", 0.83, 80, 2 },  /* saturated by its waiters */
		{ "DB CPU", 0.5, NAN, 3 },
	};
	sim s;
	cs_use bn;

	/* the workers wait for the pool: the pool binds */
	ck_assert_int_eq(cs_bottleneck_pick(u, 5), 3);
	u[4].u = 0.92; /* and the DB CPU behind it, when that is full */
	ck_assert_int_eq(cs_bottleneck_pick(u, 5), 4);
	u[2].u = 0.95; /* equally deep: the busier */
	u[4].u = 0.5;
	ck_assert_int_eq(cs_bottleneck_pick(u, 5), 2);
	/* nothing saturated: the busiest */
	u[0].u = 0.1;
	u[1].u = 0.3;
	u[1].queue = 0;
	u[2].u = 0.6;
	u[3].queue = 0.2;
	ck_assert_int_eq(cs_bottleneck_pick(u, 5), 3);
	ck_assert_int_eq(cs_bottleneck_pick(u, 0), -1);
	/* a run: 40 users on 8 workers and a pool of 2 */
	sim_run(&s, "run: {duration: 20s, warmup: 2s, replications: 2}\n"
	        "load: {users: 40, think: 0s}\n"
	        "app: {workers: 8, backlog: 1000}\n"
	        "db: {pool: {size: 2}, cores: 8}\n"
	        "endpoints:\n"
	        "  - name: e\n"
	        "    steps: [{db: {steps: [{query: 10ms}]}}]\n", 0, 1);
	ck_assert(cs_result_bottleneck(s.r, &bn));
	ck_assert_str_eq(bn.name, "DB pool");
	ck_assert(cs_use_saturated(&bn));
	ck_near(bn.queue, 6, 0.01); /* 8 workers, 2 connections */
	sim_free(&s);
}
END_TEST

static Suite *
models_suite(void)
{
	Suite *s = suite_create("models");
	TCase *tc = tcase_create("components");

	tcase_add_test(tc, dbpool_times_out_when_saturated);
	tcase_add_test(tc, steps_are_addressed_by_id);
	tcase_add_test(tc, service_errors_grow_with_load);
	tcase_add_test(tc, app_affinity_user_random_pins_unevenly);
	tcase_add_test(tc, service_on_timeout_hold_keeps_the_slot);
	tcase_add_test(tc, db_max_connections_refuses);
	tcase_add_test(tc, dbpool_max_waiting_fails_fast);
	tcase_add_test(tc, dbpool_max_waiting_0_is_acquire_timeout_0);
	tcase_add_loop_test(tc, dbpool_max_waiting_rejects_bad_values, 0,
	                    (int)(sizeof bad_maxwaits / sizeof bad_maxwaits[0]));
	tcase_add_test(tc, dbpool_max_waiting_accepts_none_and_zero);
	tcase_add_test(tc, app_rejects_when_backlog_full);
	tcase_add_test(tc, load_client_timeouts_keep_event_list_small);
	tcase_add_test(tc, load_client_timeout_abandons_but_server_continues);
	tcase_add_test(tc, app_server_timeout_stops_request);
	tcase_add_test(tc, app_least_connections_balancer_avoids_busy_instance);
	tcase_add_test(tc, app_cpu_processor_sharing_on_cores);
	tcase_add_test(tc, app_gil_and_hosts_share_cores_by_hand);
	tcase_add_test(tc, app_gil_is_one_core_per_process);
	tcase_add_test(tc, app_background_takes_its_share_by_hand);
	tcase_add_test(tc, app_overhead_takes_its_cores);
	tcase_add_test(tc, service_rate_limit_answers_429);
	tcase_add_test(tc, service_retries_recover);
	tcase_add_test(tc, service_tpm_retry_after_by_hand);
	tcase_add_test(tc, service_tpm_throughput_closed_form);
	tcase_add_loop_test(tc, service_rejects_bad_rate_limits, 0,
	                    (int)(sizeof bad_svcs / sizeof bad_svcs[0]));
	tcase_add_test(tc, service_timeout_counts_upstream_timeout);
	tcase_add_test(tc, service_concurrency_limits_inflight);
	tcase_add_test(tc, cache_hit_ratio_respected);
	tcase_add_test(tc, cache_ttl_expires_and_refills);
	tcase_add_test(tc, cache_ttl_failed_miss_sets_nothing);
	tcase_add_test(tc, cache_step_hit_ratio_stays_constant);
	tcase_add_test(tc, cache_capacity_evicts_lru);
	tcase_add_test(tc, cache_popularity_draws);
	tcase_add_test(tc, cache_ttl_matches_closed_form_quick);
	tcase_add_test(tc, cache_ttl_same_output_whatever_jobs);
	tcase_add_loop_test(tc, cache_rejects_bad_keys, 0,
	                    (int)(sizeof bad_caches / sizeof bad_caches[0]));
	tcase_add_test(tc, cache_keyed_nesting_is_bounded);
	tcase_add_test(tc, branch_probability_respected);
	tcase_add_test(tc, load_endpoint_weights_respected);
	tcase_add_test(tc, load_stages_ramp_users);
	tcase_add_test(tc, load_open_arrivals_rate);
	tcase_add_test(tc, load_zero_think_instant_failure_terminates);
	tcase_add_test(tc, load_rtt_adds_round_trip_outside_the_server);
	tcase_add_test(tc, load_rtt_applies_to_server_timeouts);
	tcase_add_test(tc, db_on_app_host_shares_cores);
	tcase_add_test(tc, scales_multiply_cpu_and_query_steps);
	tcase_add_test(tc, app_affinity_pins_users_to_processes);
	suite_add_tcase(s, tc);

	tc = tcase_create("runs");
	tcase_add_test(tc, run_same_seed_gives_identical_json);
	tcase_add_test(tc, run_refuses_too_many_timeseries_rows);
	tcase_add_test(tc, run_metric_lookup_finds_every_name);
	tcase_add_test(tc, run_replications_give_ci);
	tcase_add_test(tc, run_conservation_holds);
	tcase_add_test(tc, result_precision_stops_when_met_as_a_fixed_run_would_say);
	tcase_add_test(tc, result_precision_same_output_whatever_jobs);
	tcase_add_test(tc, result_precision_first_batch_and_maximum);
	tcase_add_test(tc, result_precision_floor_for_ratios_near_zero);
	suite_add_tcase(s, tc);

	tc = tcase_create("explain");
	tcase_add_loop_test(tc, parts_add_up_to_the_response_time, 0,
	                    (int)(sizeof parts_yaml / sizeof parts_yaml[0]));
	tcase_add_test(tc, parts_by_hand);
	tcase_add_test(tc, parts_split_cpu_queueing_and_pool_wait);
	tcase_add_test(tc, bottleneck_is_the_deepest_saturated);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return cs_test_run(models_suite());
}
