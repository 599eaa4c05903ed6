/*
 * Tests of external services: rate limits (rps and tokens per minute) and
 * 429s, retries, timeouts, concurrency limits, load-dependent errors and
 * on_timeout: hold.
 *
 * Suite "models", test case "components"; the helpers: models-harness.h.
 */
#include "models-harness.h"

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

/*
 * A sweep of a service's concurrency shares replications as a pool sweep
 * does (models/reuse.h): a replication in which every attempt found a
 * free slot is the same run at every concurrency >= the most held at
 * once.  Same bytes as each value run alone; 1 first (8 calls a second of
 * 200 ms fill one slot: nothing kept, nothing for 40 to take), then 40,
 * then 80 (takes 40's four: about 1.6 held, rarely above 12); 0 (no
 * limit, other metrics) and a count on another service share nothing.
 */
static const char svc_yaml[] =
	"run: {duration: 40s, replications: 4}\n"
	"load: {arrival_rate: 8}\n"
	"app: {workers: 1000}\n"
	"services:\n"
	"  lim: {latency: {dist: exponential, mean: 200ms}, concurrency: %ld}\n"
	"  other: {latency: 10ms, concurrency: 5}\n"
	"endpoints:\n"
	"  - name: b\n"
	"    steps: [{call: lim}, {call: other}]\n";

START_TEST(service_concurrency_sweep_shares_replications_exactly)
{
	static const long conc[] = { 1, 40, 80, 0, 12 };
	static const unsigned long hits_after[] = { 0, 0, 4, 4 };
	static const unsigned long none[] = { 0, 0, 0, 0, 0 };
	cs_reuse *c = cs_reuse_new("services.lim.concurrency");

	ck_assert_ptr_null(cs_reuse_new("services.lim.timeout"));
	sim_sweep_shared(c, svc_yaml, "", conc, 5, hits_after, 4, 3, 1,
	                 "resources.services.lim.slot_waiters.max");
	cs_reuse_free(c);
	/* a store for a service the scenario does not have: every
	 * replication runs */
	c = cs_reuse_new("services.nosuch.concurrency");
	sim_sweep_shared(c, svc_yaml, "", conc, 5, none, 5, 3, 1,
	                 "resources.services.lim.slot_waiters.max");
	cs_reuse_free(c);
}
END_TEST

void
models_add_services(TCase *tc)
{
	tcase_add_test(tc, service_errors_grow_with_load);
	tcase_add_test(tc, service_concurrency_sweep_shares_replications_exactly);
	tcase_add_test(tc, service_on_timeout_hold_keeps_the_slot);
	tcase_add_test(tc, service_rate_limit_answers_429);
	tcase_add_test(tc, service_retries_recover);
	tcase_add_test(tc, service_tpm_retry_after_by_hand);
	tcase_add_test(tc, service_tpm_throughput_closed_form);
	tcase_add_loop_test(tc, service_rejects_bad_rate_limits, 0,
	                    (int)(sizeof bad_svcs / sizeof bad_svcs[0]));
	tcase_add_test(tc, service_timeout_counts_upstream_timeout);
	tcase_add_test(tc, service_concurrency_limits_inflight);
}
