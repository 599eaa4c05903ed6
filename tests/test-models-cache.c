/*
 * Tests of the cache: hit ratios, keyed caches with TTL, capacity (LRU) and
 * popularity, their closed form, bad keys and nesting.
 *
 * Suite "models", test case "components"; the helpers: models-harness.h.
 */
#include "models-harness.h"

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
		ck_assert_int_lt(snprintf(in, sizeof in, "{cache: {miss: [%s]}}",
		                          steps), (int)sizeof in);
		ck_assert_int_lt(snprintf(steps, sizeof steps, "%s", in),
		                 (int)sizeof steps);
	}
	ck_assert_int_lt(snprintf(yaml, sizeof yaml, "load: {users: 1}\n"
	                          "cache: {keys: 5}\nendpoints: [{steps: [%s]}]\n",
	                          steps), (int)sizeof yaml);
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

void
models_add_cache(TCase *tc)
{
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
}
