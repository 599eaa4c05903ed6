/*
 * Tests of whole runs: same seed same output, replications and their CIs,
 * conservation, metric lookup, the timeseries limit and the sequential
 * rule (cs_run_opts.precision).
 *
 * Suite "models", test case "runs"; the helpers: models-harness.h.
 */
#include "models-harness.h"

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

void
models_add_runs(TCase *tc)
{
	tcase_add_test(tc, run_same_seed_gives_identical_json);
	tcase_add_test(tc, run_refuses_too_many_timeseries_rows);
	tcase_add_test(tc, run_metric_lookup_finds_every_name);
	tcase_add_test(tc, run_replications_give_ci);
	tcase_add_test(tc, run_conservation_holds);
	tcase_add_test(tc, result_precision_stops_when_met_as_a_fixed_run_would_say);
	tcase_add_test(tc, result_precision_same_output_whatever_jobs);
	tcase_add_test(tc, result_precision_first_batch_and_maximum);
	tcase_add_test(tc, result_precision_floor_for_ratios_near_zero);
}
