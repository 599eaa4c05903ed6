/*
 * The shared helpers of the model tests (test-models.c and the
 * test-models-*.c files it runs, one suite "models"): they go through the
 * public API: cs_scenario_load_string, cs_run, cs_result_metric.
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
#ifndef CS_TEST_MODELS_HARNESS_H
#define CS_TEST_MODELS_HARNESS_H

#include <check.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capsim.h"
#include "analytic.h"
#include "harness.h"
#include "models/model.h"
#include "models/reuse.h"

#define ZB 4.5     /* standard deviations for binomial/Poisson/CLT bounds */
#define HIST 0.008 /* relative error of a latency percentile (sim/hist.h) */

typedef struct sim {
	cs_scenario *sc;
	cs_result *r;
	unsigned reps;
} sim;

static inline void
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
static inline void
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

static inline void
sim_run(sim *s, const char *yaml, unsigned reps, uint64_t seed)
{
	sim_run_jobs(s, yaml, reps, seed, 0);
}

/* Run s's scenario alone (into s->r) and through the store c (models/
 * reuse.h, key "k") with seed on 2 jobs, and check that both give the
 * same bytes (JSON) and events.  what: the value's name, for the
 * message. */
static inline void
sim_run_shared(sim *s, cs_reuse *c, uint64_t seed, const char *what)
{
	cs_run_opts o = { .seed = seed, .has_seed = 1, .jobs = 2 };
	cs_result *shared;
	cs_error err;
	char *ja, *js;

	memset(&err, 0, sizeof err);
	ck_assert_int_eq(cs_run(s->sc, &o, &s->r, &err), CS_OK);
	ck_assert_int_eq(cs_run_reuse(s->sc, &o, c, "k", &shared, &err), CS_OK);
	s->reps = cs_result_replications(s->r);
	ja = cs_result_json(s->r);
	js = cs_result_json(shared);
	ck_assert_ptr_nonnull(ja);
	ck_assert_ptr_nonnull(js);
	ck_assert_msg(!strcmp(ja, js), "%s: the shared result differs from "
	              "the run alone", what);
	ck_assert(cs_result_events(s->r) == cs_result_events(shared));
	free(ja);
	free(js);
	cs_result_free(shared);
}

static inline void
sim_free(sim *s)
{
	cs_result_free(s->r);
	cs_scenario_free(s->sc);
	s->r = NULL;
	s->sc = NULL;
}

static inline void
get3(const sim *s, const char *path, double *m, double *lo, double *hi)
{
	ck_assert_msg(cs_result_metric(s->r, path, m, lo, hi) == CS_OK,
	              "no metric \"%s\"", path);
}

/* Mean of a metric over the replications. */
static inline double
M(const sim *s, const char *path)
{
	double m, lo, hi;

	get3(s, path, &m, &lo, &hi);
	return m;
}

/* The metric's 95% CI widened to 99.9% (same t degrees of freedom) must
 * cover want. */
static inline void
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
static inline double
window(const sim *s)
{
	return M(s, "overall.requests") / M(s, "overall.throughput_rps");
}

/* yaml must fail to load at line:col, naming path, with msg in the
 * message; case i of a table (for the failure message). */
static inline void
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
static inline void
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

/* A scenario with a bit of everything (runs and explain). */
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

/* Each test-models-<subject>.c adds its tests to a test case of the suite. */
void models_add_db(TCase *tc);
void models_add_app(TCase *tc);
void models_add_services(TCase *tc);
void models_add_cache(TCase *tc);
void models_add_load(TCase *tc);
void models_add_runs(TCase *tc);
void models_add_explain(TCase *tc);

/* A sweep of one limit through the store c: the scenario fmt (a printf
 * format taking the value, a long, then extra) at each of values[0..n),
 * run alone and through c with seed, the same bytes each time
 * (sim_run_shared); after the first nh values the store must have
 * handed out hits[0..nh) replications, and at the value full (where the
 * limit binds) the metric bound must be above 0. */
static inline void
sim_sweep_shared(cs_reuse *c, const char *fmt, const char *extra,
                 const long *values, size_t n, const unsigned long *hits,
                 size_t nh, uint64_t seed, long full, const char *bound)
{
	char yaml[1024], what[48];
	size_t i;

	ck_assert_ptr_nonnull(c);
	for (i = 0; i < n; i++) {
		sim s;

		snprintf(yaml, sizeof yaml, fmt, values[i], extra);
		snprintf(what, sizeof what, "value %ld", values[i]);
		sim_load(&s, yaml);
		sim_run_shared(&s, c, seed, what);
		if (i < nh)
			ck_assert_uint_eq(cs_reuse_hits(c), hits[i]);
		if (values[i] == full)
			ck_assert_msg(M(&s, bound) > 0, "%s: %s not above 0",
			              what, bound);
		sim_free(&s);
	}
}

#endif
