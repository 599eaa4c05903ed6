/*
 * Tests of where the time goes (the parts of the response time) and the
 * bottleneck.
 *
 * Suite "models", test case "explain"; the helpers: models-harness.h.
 */
#include "models-harness.h"
#include "models/bottleneck.h"

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
	/* the queries' round trips are network time, with no load.rtt */
	"run: {duration: 30s, warmup: 3s, replications: 2}\n"
	"load: {users: 20, think: 20ms}\n"
	"app: {workers: 8, cores: 1}\n"
	"db: {cores: 1, pool: {size: 2, acquire_timeout: 50ms},"
	" round_trip: {dist: lognormal, median: 1ms, p95: 3ms}}\n"
	"endpoints:\n"
	"  - name: x\n"
	"    steps:\n"
	"      - {cpu: {dist: exponential, mean: 2ms}}\n"
	"      - db: [{query: 3ms}, {cpu: 1ms}, {query: 2ms}]\n"
	"      - {query: {dist: exponential, mean: 1ms}}\n",
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

void
models_add_explain(TCase *tc)
{
	tcase_add_loop_test(tc, parts_add_up_to_the_response_time, 0,
	                    (int)(sizeof parts_yaml / sizeof parts_yaml[0]));
	tcase_add_test(tc, parts_by_hand);
	tcase_add_test(tc, parts_split_cpu_queueing_and_pool_wait);
	tcase_add_test(tc, bottleneck_is_the_deepest_saturated);
}
