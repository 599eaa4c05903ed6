/*
 * Analytic validation: the simulation engine against the closed forms of
 * queueing theory in analytic.h (M/M/1, M/M/c with the Erlang C waiting
 * and response tails, M/M/c/K and Erlang B loss, M/D/1, closed networks
 * against exact MVA), the keyed TTL cache against its renewal (Che) hit
 * ratio, Little's law and conservation on every run, and
 * byte-identical output whatever the thread count.
 *
 * The tolerance rule, the same for every comparison (within()):
 *
 *   A check passes when the analytic value lies inside the simulation's
 *   confidence interval, widened from the 95% that capsim reports to 99.9%:
 *   the half-width h (Student t across the R replications) is multiplied by
 *   t_{0.9995,R-1} / t_{0.975,R-1}, which is 2.11 for R = 10.  A percentile
 *   also gets the histogram's resolution: capsim reports a bucket midpoint,
 *   within 0.8% of every value in the bucket (sim/hist.h), so 0.008 x the
 *   analytic value is added.  And the 95% interval itself must be narrow:
 *   h <= MAX_REL_HW (2%) of the analytic value, so that a run too short
 *   to tell anything cannot pass by having a wide interval.
 *
 * Each case's duration and replications were chosen once so that every
 * interval meets MAX_REL_HW with room to spare, and the seeds are fixed;
 * nothing here was widened until it passed.  At 99.9% per check and
 * about 150 checks, a correct engine fails a given check with probability
 * 0.1% and some check with probability at most ~15% under independence
 * (far less in practice, as the checks of one run are strongly correlated);
 * the seeds are fixed, so the outcome is reproducible either way.
 *
 * Every check prints one line (analytic value, simulated mean, 95% CI, the
 * allowed deviation) so the log shows the numbers; a case runs all its
 * checks before it fails, and its failure message lists the failed ones.
 * Times are printed in seconds (capsim reports latencies in ms), rates per
 * second.
 */
#include <check.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytic.h"
#include "harness.h"

#define MAX_REL_HW 0.02  /* widest acceptable 95% half-width, relative */
#define HIST_RES 0.008   /* relative: a percentile is a bucket midpoint */
#define LITTLE_REL 0.005 /* Little's law: L vs lambda W in one replication */
#define REPS 10          /* replications of every validation run */
#define MS 1e-3          /* capsim latencies are in ms; analytic.h in s */

/* ---- the tolerance rule ------------------------------------------------ */

/*
 * The one tolerance rule (see the top of the file).  ref: the analytic
 * value; mean, lo, hi: the simulation's mean and 95% CI across reps
 * replications; pct: the metric is a percentile.  *tol gets the allowed
 * |mean - ref|, *hw the 95% half-width.  Returns NULL when the check
 * passes, else why it fails.
 */
static const char *
within(double ref, double mean, double lo, double hi, unsigned reps, int pct,
       double *tol, double *hw)
{
	double widen;

	*tol = *hw = NAN;
	if (reps < 2 || !isfinite(lo) || !isfinite(hi) || !isfinite(mean))
		return "no confidence interval";
	widen = gsl_cdf_tdist_Pinv(0.9995, (double)(reps - 1)) /
	        gsl_cdf_tdist_Pinv(0.975, (double)(reps - 1));
	*hw = (hi - lo) / 2;
	*tol = *hw * widen + (pct ? HIST_RES * fabs(ref) : 0);
	if (!(*hw <= MAX_REL_HW * fabs(ref)))
		return "CI too wide";
	if (!(fabs(mean - ref) <= *tol))
		return "outside";
	return NULL;
}

/* ---- one simulated case ------------------------------------------------ */

typedef struct vcase {
	char name[64];
	cs_scenario *sc;
	cs_result *res;
	unsigned reps;
	int checks, failed;
	char why[2048];   /* the failed checks, for the Check message */
} vcase;

static void
note_failure(vcase *v, const char *what)
{
	size_t n = strlen(v->why);

	v->failed++;
	snprintf(v->why + n, sizeof v->why - n, " [%s]", what);
}

/* Load the scenario (a printf format) and run REPS replications of it on
 * every core. */
static void
case_run(vcase *v, const char *name, const char *fmt, ...)
{
	char yaml[4096];
	cs_run_opts opts = { .replications = REPS, .jobs = 0 };
	cs_error err = { 0 };
	cs_status s;
	va_list ap;

	memset(v, 0, sizeof *v);
	snprintf(v->name, sizeof v->name, "%s", name);
	va_start(ap, fmt);
	vsnprintf(yaml, sizeof yaml, fmt, ap);
	va_end(ap);
	s = cs_scenario_load_string(yaml, name, NULL, 0, &v->sc, &err);
	ck_assert_msg(s == CS_OK, "%s: %s:%d:%d: %s: %s", name, err.file,
	              err.line, err.col, err.path, err.msg);
	s = cs_run(v->sc, &opts, &v->res, &err);
	ck_assert_msg(s == CS_OK, "%s: cs_run: %s: %s", name, cs_status_str(s),
	              err.msg);
	v->reps = REPS;
	printf("\n== %s (%u replications)\n", name, v->reps);
	fflush(stdout);
}

static void
case_end(vcase *v)
{
	char msg[2200];
	int failed = v->failed, checks = v->checks;

	snprintf(msg, sizeof msg, "%s: %d of %d checks failed:%s", v->name,
	         failed, checks, v->why);
	printf("-- %s: %d checks, %d failed\n", v->name, checks, failed);
	fflush(stdout);
	cs_result_free(v->res);
	cs_scenario_free(v->sc);
	ck_assert_msg(failed == 0, "%s", msg);
}

static double
metric(vcase *v, const char *path, double *lo, double *hi)
{
	double m = NAN, l = NAN, h = NAN;
	cs_status s = cs_result_metric(v->res, path, &m, &l, &h);

	ck_assert_msg(s == CS_OK, "%s: no metric \"%s\"", v->name, path);
	if (lo)
		*lo = l;
	if (hi)
		*hi = h;
	return m;
}

/*
 * Compare mul * metric + add (a linear function of the metric, and so of
 * its CI: ms to s, response to wait) with the analytic value ref.
 */
static void
expect_lin(vcase *v, const char *label, double ref, const char *path,
           double mul, double add, int pct)
{
	double m, lo, hi, tol, hw, a, b;
	const char *why;
	char what[160];

	m = metric(v, path, &lo, &hi);
	a = mul * lo + add;
	b = mul * hi + add;
	m = mul * m + add;
	if (a > b) {
		double t = a;
		a = b;
		b = t;
	}
	why = within(ref, m, a, b, v->reps, pct, &tol, &hw);
	v->checks++;
	printf("  %-34s analytic %11.6g  sim %11.6g [%11.6g, %11.6g]"
	       "  |d| %9.3g <= %9.3g  hw %5.2f%%  %s\n", label, ref, m, a, b,
	       fabs(m - ref), tol, 100 * hw / fabs(ref), why ? why : "ok");
	fflush(stdout);
	if (why) {
		snprintf(what, sizeof what, "%s: %s", label, why);
		note_failure(v, what);
	}
}

static void
expect(vcase *v, const char *label, double ref, const char *path)
{
	expect_lin(v, label, ref, path, 1, 0, 0);
}

/* A latency in ms against an analytic time in s. */
static void
expect_ms(vcase *v, const char *label, double ref_s, const char *path,
          int pct)
{
	expect_lin(v, label, ref_s, path, MS, 0, pct);
}

/* An exact statement about a metric (counts that must be 0, ...). */
static void
expect_true(vcase *v, const char *label, int ok, const char *fmt, ...)
{
	char detail[200], what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	v->checks++;
	printf("  %-34s %s  %s\n", label, detail, ok ? "ok" : "FAILED");
	fflush(stdout);
	if (!ok) {
		snprintf(what, sizeof what, "%s: %s", label, detail);
		note_failure(v, what);
	}
}

/* Every failure cause other than `allowed` (NULL: none) never happened. */
static void
expect_no_failures_but(vcase *v, const char *allowed)
{
	static const char *const causes[] = {
		"pool_timeout", "backlog_full", "client_timeout",
		"server_timeout", "upstream_timeout", "rate_limited",
		"upstream_error", "db_refused"
	};
	char path[128];
	double total = 0;
	size_t i;

	for (i = 0; i < sizeof causes / sizeof causes[0]; i++) {
		if (allowed && !strcmp(causes[i], allowed))
			continue;
		snprintf(path, sizeof path, "overall.errors_by_cause.%s",
		         causes[i]);
		total += metric(v, path, NULL, NULL);
	}
	expect_true(v, allowed ? "no failures but that cause" : "no failures",
	            total == 0, "other causes: %g", total);
}

/*
 * Little's law and conservation, on every run.  l_ref: the analytic mean
 * number in system (requests the clients wait for); can_fail: whether any
 * request may fail in this model.
 *
 * Little's law over a finite window holds up to the requests in flight at
 * its two ends: |L - lambda W| / L is O(L / (lambda T)) per replication,
 * far below LITTLE_REL here.  lambda_W is also compared with L's widened
 * CI, and L with the analytic value, by the tolerance rule.
 *
 * Conservation holds exactly in each replication (the counts are integers;
 * the engine also fails a run that breaks it); the means are floating-point
 * averages of R integers, so their sums agree to rounding: 1e-12 relative.
 */
static void
expect_little_and_conservation(vcase *v, double l_ref, int can_fail)
{
	double l, llo, lhi, lw, rd, tol, hw;
	double gen, comp, fail, infl, flo, fhi;
	const char *why;

	l = metric(v, "checks.littles_law.L", &llo, &lhi);
	lw = metric(v, "checks.littles_law.lambda_W", NULL, NULL);
	rd = metric(v, "checks.littles_law.rel_diff", NULL, NULL);
	expect_true(v, "Little: mean |L - lambda W| / L", rd < LITTLE_REL,
	            "%.3g < %g", rd, LITTLE_REL);
	why = within(lw, l, llo, lhi, v->reps, 0, &tol, &hw);
	expect_true(v, "Little: lambda W in L's CI", why == NULL,
	            "L %.6g [%.6g, %.6g]  lambda W %.6g  tol %.3g%s%s", l, llo,
	            lhi, lw, tol, why ? "  " : "", why ? why : "");
	expect(v, "Little: L (in system)", l_ref, "checks.littles_law.L");

	gen = metric(v, "checks.conservation.generated", NULL, NULL);
	comp = metric(v, "checks.conservation.completed", NULL, NULL);
	fail = metric(v, "checks.conservation.failed", &flo, &fhi);
	infl = metric(v, "checks.conservation.in_flight", NULL, NULL);
	expect_true(v, "conservation: gen = done+fail+fl",
	            gen > 0 && fabs(gen - (comp + fail + infl)) <= 1e-12 * gen,
	            "%.1f = %.1f + %.1f + %.1f", gen, comp, fail, infl);
	if (!can_fail)
		expect_true(v, "conservation: failed = 0",
		            fail == 0 && flo == 0 && fhi == 0, "failed %g", fail);
}

/* ---- analytic quantiles ------------------------------------------------ */

/* An M/M/c response tail shifted by p: Brent's method finds its root. */
typedef struct mmc_tail {
	unsigned c;
	double lambda, mu;
	double p;
} mmc_tail;

static double
tail_minus_p(double t, void *arg)
{
	const mmc_tail *f = arg;

	return cs_an_mmc_resp_tail(f->c, f->lambda, f->mu, t) - f->p;
}

/*
 * The q-quantile of the M/M/c response time: solve P(R > t) = 1 - q by
 * Brent's method on a bracket found by doubling.
 */
static double
mmc_quantile(mmc_tail *f, double q)
{
	gsl_root_fsolver *s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
	gsl_function fn = { .function = tail_minus_p, .params = f };
	double lo = 0, hi = 1 / f->mu, t = NAN;
	int status = GSL_CONTINUE, iter = 0;

	ck_assert(s != NULL);
	f->p = 1 - q;
	while (tail_minus_p(hi, f) > 0)
		hi *= 2;
	ck_assert(gsl_root_fsolver_set(s, &fn, lo, hi) == GSL_SUCCESS);
	while (status == GSL_CONTINUE && iter++ < 200) {
		ck_assert(gsl_root_fsolver_iterate(s) == GSL_SUCCESS);
		t = gsl_root_fsolver_root(s);
		status = gsl_root_test_interval(gsl_root_fsolver_x_lower(s),
		                                gsl_root_fsolver_x_upper(s), 0,
		                                1e-12);
	}
	gsl_root_fsolver_free(s);
	ck_assert_msg(status == GSL_SUCCESS, "quantile %g did not converge", q);
	return t;
}

/* ---- 1. M/M/1 ------------------------------------------------------------ */

/*
 * One worker, no backlog limit, exponential service holding the worker:
 * M/M/1 FCFS.  The response is exponential with rate mu - lambda, so its
 * q-quantile is -ln(1 - q) / (mu - lambda).
 */
static void
check_mm1(double lambda, double mu, const char *name, double duration)
{
	static const char *const pn[] = { "p50", "p90", "p95", "p99" };
	static const double pq[] = { 0.50, 0.90, 0.95, 0.99 };
	double rho = lambda / mu;
	mmc_tail one = { .c = 1, .lambda = lambda, .mu = mu };
	char path[64], label[64];
	vcase v;
	int k;

	case_run(&v, name,
	    "name: %s\n"
	    "run: {duration: %gs, warmup: %gs, seed: 1}\n"
	    "load: {arrival_rate: %g/s, client_timeout: none}\n"
	    "app: {instances: 1, workers: 1, backlog: 1000000000}\n"
	    "endpoints:\n"
	    "  - name: serve\n"
	    "    steps: [{delay: {dist: exponential, mean: %gs}}]\n",
	    name, duration, duration / 10, lambda, 1 / mu);
	expect(&v, "throughput (/s)", lambda, "overall.throughput_rps");
	expect(&v, "utilization", rho, "resources.app.worker_utilization");
	expect_ms(&v, "mean response W (s)", cs_an_mm1_w(lambda, mu),
	          "overall.latency_ms.mean", 0);
	expect_lin(&v, "mean wait Wq = W - 1/mu (s)", cs_an_mm1_wq(lambda, mu),
	           "overall.latency_ms.mean", MS, -1 / mu, 0);
	expect(&v, "mean queue Lq (backlog)", lambda * cs_an_mm1_wq(lambda, mu),
	       "resources.app.backlog.mean");
	for (k = 0; k < 4; k++) {
		double t = -log1p(-pq[k]) / (mu - lambda);

		ck_assert(fabs(cs_an_mm1_resp_tail(lambda, mu, t) -
		               (1 - pq[k])) < 1e-12);
		/* and the root finder used for M/M/c agrees at c = 1 */
		ck_assert(fabs(mmc_quantile(&one, pq[k]) - t) <= 1e-9 * t);
		snprintf(path, sizeof path, "overall.latency_ms.%s", pn[k]);
		snprintf(label, sizeof label, "response %s (s)", pn[k]);
		expect_ms(&v, label, t, path, 1);
	}
	expect_no_failures_but(&v, NULL);
	expect_little_and_conservation(&v, cs_an_mm1_l(lambda, mu), 0);
	case_end(&v);
}

START_TEST(validation_mm1_rho05)
{
	check_mm1(5, 10, "mm1_rho0.5", 40000);
}
END_TEST

START_TEST(validation_mm1_rho08)
{
	check_mm1(8, 10, "mm1_rho0.8", 100000);
}
END_TEST

/* ---- 2. M/M/c ------------------------------------------------------------ */

/*
 * c workers, exponential service: M/M/c FCFS.  The probability of waiting
 * is derived from the time-average queue: Lq = C rho / (1 - rho), so
 * C = Lq (1 - rho) / rho (a linear function of the backlog metric).  The
 * response-time percentiles are compared with the quantiles of
 * cs_an_mmc_resp_tail found by root finding.
 */
static void
check_mmc(unsigned c, double lambda, double mu, const char *name,
          double duration)
{
	static const char *const pn[] = { "p50", "p90", "p95", "p99" };
	static const double pq[] = { 0.50, 0.90, 0.95, 0.99 };
	double rho = lambda / (c * mu), p95, t95;
	mmc_tail f = { .c = c, .lambda = lambda, .mu = mu };
	char path[64], label[64];
	vcase v;
	int k;

	case_run(&v, name,
	    "name: %s\n"
	    "run: {duration: %gs, warmup: %gs, seed: 1}\n"
	    "load: {arrival_rate: %g/s, client_timeout: none}\n"
	    "app: {instances: 1, workers: %u, backlog: 1000000000}\n"
	    "endpoints:\n"
	    "  - name: serve\n"
	    "    steps: [{delay: {dist: exponential, mean: %gs}}]\n",
	    name, duration, duration / 10, lambda, c, 1 / mu);
	expect(&v, "throughput (/s)", lambda, "overall.throughput_rps");
	expect(&v, "utilization", rho, "resources.app.worker_utilization");
	expect(&v, "mean queue Lq (backlog)", cs_an_mmc_lq(c, lambda, mu),
	       "resources.app.backlog.mean");
	expect_lin(&v, "P(wait) = Lq (1-rho)/rho",
	           cs_an_erlang_c(c, lambda / mu),
	           "resources.app.backlog.mean", (1 - rho) / rho, 0, 0);
	expect_ms(&v, "mean response W (s)", cs_an_mmc_w(c, lambda, mu),
	          "overall.latency_ms.mean", 0);
	expect_lin(&v, "mean wait Wq = W - 1/mu (s)",
	           cs_an_mmc_wq(c, lambda, mu), "overall.latency_ms.mean", MS,
	           -1 / mu, 0);
	for (k = 0; k < 4; k++) {
		snprintf(path, sizeof path, "overall.latency_ms.%s", pn[k]);
		snprintf(label, sizeof label, "response %s (s)", pn[k]);
		expect_ms(&v, label, mmc_quantile(&f, pq[k]), path, 1);
	}
	/* the same tail read the other way: P(R > simulated p95) */
	p95 = metric(&v, "overall.latency_ms.p95", NULL, NULL) * MS;
	t95 = cs_an_mmc_resp_tail(c, lambda, mu, p95);
	printf("  %-34s %.5f (0.05 wanted; informational)\n",
	       "P(R > simulated p95)", t95);
	expect_no_failures_but(&v, NULL);
	expect_little_and_conservation(&v, cs_an_mmc_l(c, lambda, mu), 0);
	case_end(&v);
}

START_TEST(validation_mmc_c10_rho09)
{
	check_mmc(10, 9, 1, "mmc_c10_lambda9", 200000);
}
END_TEST

START_TEST(validation_mmc_c4_rho06)
{
	check_mmc(4, 2.4, 1, "mmc_c4_lambda2.4", 200000);
}
END_TEST

/* ---- 3. loss systems ------------------------------------------------------ */

/*
 * M/M/c/K: c workers and a backlog of K - c.  An arrival that finds K
 * present fails at once with backlog_full (latency 0); by PASTA the
 * fraction failing is P_K, which the error rate measures.
 */
START_TEST(validation_mmck_c3_k6)
{
	const unsigned c = 3, k = 6;
	const double lambda = 2.7, mu = 1;
	struct cs_an_mmck q;
	vcase v;

	ck_assert(cs_an_mmck_solve(c, k, lambda, mu, &q) == CS_OK);
	case_run(&v, "mmck_c3_k6",
	    "name: mmck\n"
	    "run: {duration: 200000s, warmup: 20000s, seed: 1}\n"
	    "load: {arrival_rate: %g/s, client_timeout: none}\n"
	    "app: {instances: 1, workers: %u, backlog: %u}\n"
	    "endpoints:\n"
	    "  - name: serve\n"
	    "    steps: [{delay: {dist: exponential, mean: %gs}}]\n",
	    lambda, c, k - c, 1 / mu);
	expect(&v, "blocking P_K (error rate)", q.p_block,
	       "overall.error_rate");
	expect(&v, "throughput admitted (/s)", q.throughput,
	       "overall.ok_rps");
	expect(&v, "offered rate (/s)", lambda, "overall.throughput_rps");
	expect(&v, "busy workers", q.throughput / mu,
	       "resources.app.workers_busy.mean");
	expect(&v, "mean queue Lq (backlog)", q.lq,
	       "resources.app.backlog.mean");
	expect_ms(&v, "mean response, admitted (s)", q.w,
	          "overall.latency_ok_ms.mean", 0);
	expect_true(&v, "backlog never above K - c",
	            metric(&v, "resources.app.backlog.max", NULL, NULL) <= k - c,
	            "max %g <= %u",
	            metric(&v, "resources.app.backlog.max", NULL, NULL), k - c);
	expect_no_failures_but(&v, "backlog_full");
	expect_little_and_conservation(&v, q.l, 1);
	case_end(&v);
}
END_TEST

/* Erlang B, and what any M/M/c/c loss system must show besides. */
static void
check_erlang_b(vcase *v, unsigned c, double lambda, double mu,
               const char *busy_path, const char *cause)
{
	double a = lambda / mu, b = cs_an_erlang_b(c, a);

	expect(v, "blocking B(c, a) (error rate)", b, "overall.error_rate");
	expect(v, "throughput admitted (/s)", lambda * (1 - b),
	       "overall.ok_rps");
	expect(v, "busy servers a (1 - B)", a * (1 - b), busy_path);
	expect_ms(v, "mean response, admitted (s)", 1 / mu,
	          "overall.latency_ok_ms.mean", 0);
	expect_no_failures_but(v, cause);
	expect_little_and_conservation(v, a * (1 - b), 1);
}

/* Erlang B through the app: c workers and no backlog. */
START_TEST(validation_erlang_b_backlog0)
{
	vcase v;

	case_run(&v, "erlang_b_backlog0",
	    "name: erlang b\n"
	    "run: {duration: 100000s, warmup: 10000s, seed: 1}\n"
	    "load: {arrival_rate: 9/s, client_timeout: none}\n"
	    "app: {instances: 1, workers: 10, backlog: 0}\n"
	    "endpoints:\n"
	    "  - name: serve\n"
	    "    steps: [{delay: {dist: exponential, mean: 1s}}]\n");
	check_erlang_b(&v, 10, 9, 1, "resources.app.workers_busy.mean",
	               "backlog_full");
	case_end(&v);
}
END_TEST

/*
 * Erlang B through the DB pool: plenty of workers, a pool of c connections
 * and acquire_timeout 0, so a request that finds every connection in use
 * fails at once with pool_timeout.  The connection is held for an
 * exponential delay.
 */
START_TEST(validation_erlang_b_pool)
{
	vcase v;

	case_run(&v, "erlang_b_pool",
	    "name: erlang b pool\n"
	    "run: {duration: 100000s, warmup: 10000s, seed: 2}\n"
	    "load: {arrival_rate: 9/s, client_timeout: none}\n"
	    "app: {instances: 1, workers: 100000, backlog: 1000000000}\n"
	    "db: {pool: {size: 10, acquire_timeout: 0}}\n"
	    "endpoints:\n"
	    "  - name: serve\n"
	    "    steps: [{db: {steps: [{delay: {dist: exponential, mean: 1s}}]}}]\n");
	check_erlang_b(&v, 10, 9, 1, "resources.db_pool.in_use.mean",
	               "pool_timeout");
	/* a request that finds no connection leaves the queue at once */
	expect_true(&v, "pool: no time spent waiting",
	            metric(&v, "resources.db_pool.waiters.mean", NULL, NULL) == 0,
	            "waiters mean %g",
	            metric(&v, "resources.db_pool.waiters.mean", NULL, NULL));
	case_end(&v);
}
END_TEST

/*
 * M/M/c/(c+K) through the DB pool: plenty of workers, a pool of c
 * connections, no acquire timeout and db.pool.max_waiting K.  A request
 * that finds K waiting fails at once with pool_timeout (latency 0); by
 * PASTA the fraction failing is P_{c+K}.  The connection is held for an
 * exponential delay, so the pool is the M/M/c/(c+K) queue: its waiters are
 * the queue Lq and an admitted request's response is W = Wq + 1/mu.
 */
START_TEST(validation_mmck_pool_max_waiting)
{
	const unsigned c = 5, kw = 4;
	const double lambda = 4.5, mu = 1;
	struct cs_an_mmck q;
	double full, to;
	vcase v;

	ck_assert(cs_an_mmck_solve(c, c + kw, lambda, mu, &q) == CS_OK);
	case_run(&v, "mmck_pool_c5_k4",
	    "name: mmck pool\n"
	    "run: {duration: 200000s, warmup: 20000s, seed: 3}\n"
	    "load: {arrival_rate: %g/s, client_timeout: none}\n"
	    "app: {instances: 1, workers: 100000, backlog: 1000000000}\n"
	    "db: {pool: {size: %u, acquire_timeout: none, max_waiting: %u}}\n"
	    "endpoints:\n"
	    "  - name: serve\n"
	    "    steps: [{db: {steps: [{delay: {dist: exponential, mean: %gs}}]}}]\n",
	    lambda, c, kw, 1 / mu);
	expect(&v, "blocking P_c+K (error rate)", q.p_block,
	       "overall.error_rate");
	expect(&v, "throughput admitted (/s)", q.throughput,
	       "overall.ok_rps");
	expect(&v, "busy connections", q.throughput / mu,
	       "resources.db_pool.in_use.mean");
	expect(&v, "mean queue Lq (pool waiters)", q.lq,
	       "resources.db_pool.waiters.mean");
	expect_ms(&v, "mean response, admitted (s)", q.w,
	          "overall.latency_ok_ms.mean", 0);
	expect_lin(&v, "mean wait Wq, admitted (s)", q.wq,
	           "overall.latency_ok_ms.mean", MS, -1 / mu, 0);
	expect_true(&v, "waiters never above K",
	            metric(&v, "resources.db_pool.waiters.max", NULL, NULL) <= kw,
	            "max %g <= %u",
	            metric(&v, "resources.db_pool.waiters.max", NULL, NULL), kw);
	full = metric(&v, "resources.db_pool.queue_full", NULL, NULL);
	to = metric(&v, "overall.errors_by_cause.pool_timeout", NULL, NULL);
	expect_true(&v, "every failure a queue_full refusal", full == to,
	            "queue_full %g = pool_timeout %g", full, to);
	expect_no_failures_but(&v, "pool_timeout");
	expect_little_and_conservation(&v, q.l, 1);
	case_end(&v);
}
END_TEST

/* ---- 4. M/D/1 ------------------------------------------------------------ */

START_TEST(validation_md1_rho07)
{
	const double lambda = 7, s = 0.1;
	vcase v;

	case_run(&v, "md1_rho0.7",
	    "name: md1\n"
	    "run: {duration: 100000s, warmup: 10000s, seed: 1}\n"
	    "load: {arrival_rate: %g/s, client_timeout: none}\n"
	    "app: {instances: 1, workers: 1, backlog: 1000000000}\n"
	    "endpoints:\n"
	    "  - name: serve\n"
	    "    steps: [{delay: %gs}]\n",
	    lambda, s);
	expect(&v, "utilization", lambda * s,
	       "resources.app.worker_utilization");
	expect_ms(&v, "mean response W (P-K) (s)", cs_an_md1_w(lambda, s),
	          "overall.latency_ms.mean", 0);
	expect_lin(&v, "mean wait Wq = W - s (P-K) (s)",
	           cs_an_md1_wq(lambda, s), "overall.latency_ms.mean", MS, -s,
	           0);
	expect(&v, "mean queue Lq (backlog)", lambda * cs_an_md1_wq(lambda, s),
	       "resources.app.backlog.mean");
	expect_no_failures_but(&v, NULL);
	expect_little_and_conservation(&v, lambda * cs_an_md1_w(lambda, s), 0);
	case_end(&v);
}
END_TEST

/* ---- 5. closed networks vs exact MVA -------------------------------------- */

/*
 * n users with exponential think time z; each request runs an exponential
 * CPU step on the app's cores (processor sharing) and then one exponential
 * query on the DB's cores (processor sharing), with more workers, pool
 * connections and DB connections than users, so nothing else queues.  A
 * product-form network: exact MVA gives throughput and response.
 */
static void
check_closed(const char *name, unsigned n, double z, unsigned app_cores,
             double d_app, double d_db, double duration)
{
	struct cs_an_station st[2] = {
		{ .demand = d_app, .servers = app_cores },
		{ .demand = d_db, .servers = 1 },
	};
	double x, r, util[2], qlen[2];
	vcase v;

	if (app_cores == 1) {
		double d[2] = { d_app, d_db };

		ck_assert(cs_an_mva(n, z, 2, d, &x, &r, util, qlen) == CS_OK);
	} else {
		ck_assert(cs_an_mva_ld(n, z, 2, st, &x, &r, util, qlen) == CS_OK);
	}
	case_run(&v, name,
	    "name: %s\n"
	    "run: {duration: %gs, warmup: %gs, seed: 1}\n"
	    "load: {users: %u, think: {dist: exponential, mean: %gs},"
	    " client_timeout: none}\n"
	    "app: {instances: 1, workers: 100000, cores: %u,"
	    " backlog: 1000000000}\n"
	    "db: {pool: {size: 100000, acquire_timeout: none}, cores: 1,"
	    " max_connections: 100000000}\n"
	    "endpoints:\n"
	    "  - name: serve\n"
	    "    steps:\n"
	    "      - {cpu: {dist: exponential, mean: %gs}}\n"
	    "      - {query: {dist: exponential, mean: %gs}}\n",
	    name, duration, duration / 10, n, z, app_cores, d_app, d_db);
	printf("  MVA: X %.6g/s  R %.6g s  Q_app %.4g  Q_db %.4g\n", x, r,
	       qlen[0], qlen[1]);
	expect(&v, "throughput X (/s)", x, "overall.throughput_rps");
	expect_ms(&v, "mean response R (s)", r, "overall.latency_ms.mean", 0);
	expect(&v, "app CPU utilization", util[0],
	       "resources.app.cpu_utilization");
	expect(&v, "DB CPU utilization", util[1],
	       "resources.db.cpu_utilization");
	expect_no_failures_but(&v, NULL);
	/* requests in flight: the users not thinking, X R */
	expect_little_and_conservation(&v, x * r, 0);
	case_end(&v);
}

#define Z_THINK 1.0   /* s */
#define D_APP 0.040   /* s of app CPU per request */
#define D_DB 0.025    /* s of DB CPU per request */

START_TEST(validation_mva_n1)
{
	check_closed("mva_n1", 1, Z_THINK, 1, D_APP, D_DB, 20000);
}
END_TEST

START_TEST(validation_mva_n5)
{
	check_closed("mva_n5", 5, Z_THINK, 1, D_APP, D_DB, 20000);
}
END_TEST

START_TEST(validation_mva_n20)
{
	check_closed("mva_n20", 20, Z_THINK, 1, D_APP, D_DB, 20000);
}
END_TEST

START_TEST(validation_mva_n50)
{
	check_closed("mva_n50", 50, Z_THINK, 1, D_APP, D_DB, 20000);
}
END_TEST

/* Four app cores: a load-dependent station, vs cs_an_mva_ld. */
START_TEST(validation_mva_ld_cores4)
{
	check_closed("mva_ld_cores4_n30", 30, Z_THINK, 4, 0.160, D_DB, 20000);
}
END_TEST

/* ---- 7. determinism -------------------------------------------------------- */

/* Everything capsim models at once, loaded so that backlogs, pool waits
 * and timeouts, rate limiting and upstream errors all happen: every
 * component draws from its random streams and every code path counts. */
static const char determinism_yaml[] =
	"name: determinism\n"
	"run: {duration: 600s, warmup: 60s, replications: 6, seed: 7}\n"
	"load: {arrival_rate: 330/s, client_timeout: 3s}\n"
	"app: {instances: 2, workers: 16, cores: 2, backlog: 40,"
	" balancer: least_connections, request_timeout: 2s}\n"
	"db: {pool: {size: 4, acquire_timeout: 100ms}, cores: 2,"
	" max_connections: 10}\n"
	"cache: {hit_ratio: 70%, latency: {dist: lognormal, median: 1ms,"
	" p95: 3ms}}\n"
	"services:\n"
	"  ext:\n"
	"    latency: {dist: lognormal, median: 60ms, p95: 400ms}\n"
	"    timeout: 500ms\n"
	"    concurrency: 20\n"
	"    error_rate: 2%\n"
	"    rate_limit: {rps: 25, burst: 5, latency: 5ms}\n"
	"    retries: {max: 2, backoff: 50ms}\n"
	"endpoints:\n"
	"  - name: read\n"
	"    weight: 3\n"
	"    steps:\n"
	"      - {cpu: {dist: exponential, mean: 8ms}}\n"
	"      - cache:\n"
	"          miss: [{query: {dist: exponential, mean: 10ms}}]\n"
	"  - name: write\n"
	"    weight: 1\n"
	"    steps:\n"
	"      - {cpu: {dist: gamma, mean: 5ms, cv: 2}}\n"
	"      - db: {steps: [{query: 5ms}, {delay: {dist: uniform, min: 1ms,"
	" max: 9ms}}, {query: {dist: exponential, mean: 5ms}}]}\n"
	"      - branch: {p: 30%, steps: [{call: ext}]}\n";

/* Run with jobs threads; the output in fmt (caller frees).  timeseries:
 * seconds per row, 0 for none (CSV then lists every metric path). */
static char *
run_to_text(const cs_scenario *sc, unsigned jobs, double timeseries,
            cs_format fmt, cs_result **keep)
{
	cs_run_opts opts = { .jobs = jobs, .timeseries = timeseries };
	cs_error err = { 0 };
	cs_result *res;
	cs_status s;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	s = cs_run(sc, &opts, &res, &err);
	ck_assert_msg(s == CS_OK, "jobs %u: %s: %s", jobs, cs_status_str(s),
	              err.msg);
	f = open_memstream(&buf, &len);
	ck_assert(f != NULL);
	ck_assert(cs_result_write(res, fmt, f) == CS_OK);
	ck_assert(fclose(f) == 0);
	if (keep)
		*keep = res;
	else
		cs_result_free(res);
	return buf;
}

/* ---- the sequential rule: coverage of stopped intervals ----------------- */

/*
 * cs_run_opts.precision stops adding replications when every watched
 * metric's 95% CI is narrow enough.  Stopping on a random event biases an
 * interval's coverage a little (an interval is more likely to stop when
 * its spread happens to look small), so this measures it: COV_CASES
 * runs, each with its own seed, cycling through three closed forms --
 * M/M/1 (rho 0.5), M/M/3 (rho 0.6) and the Erlang B loss system M/M/4/4
 * (offered load 2) -- each stopped by the rule at COV_TARGET, and counts
 * how often the reported 95% CI holds the exact value.  The requirement
 * is COV_MIN of the cases for each exact mean: throughput, utilization,
 * mean response (served requests' in the loss system) and the blocking
 * probability.  The run lengths were chosen once so that the rule stops
 * anywhere from its first batch of 5 to a few tens of replications (the
 * test prints where: 5 to 43, 18.4 on average, with the xoshiro256**
 * streams); nothing was tuned to pass.
 *
 * Percentiles are printed, not judged: their per-replication estimate
 * (a histogram quantile of one run) covers less than nominally at this
 * run length even with a fixed count (93.2% for p99 at 20 replications
 * over 600 such cases, against 91.8% under the rule; the means 94.7-95.0%
 * both ways: an ad-hoc study measured under the old MT19937 streams),
 * which is the estimator's and not the rule's.
 */
#define COV_CASES 200
#define COV_TARGET 0.05
#define COV_MIN 0.93

enum { COV_THR, COV_UTIL, COV_MEAN, COV_ERR, COV_P50, COV_P95, COV_P99,
       COV_N };

START_TEST(validation_precision_coverage)
{
	static const char *const label[COV_N] = {
		"throughput", "utilization", "mean response", "blocking (Erlang B)",
		"p50 (informational)", "p95 (informational)", "p99 (informational)"
	};
	unsigned covered[COV_N] = { 0 }, counted[COV_N] = { 0 }, nsum = 0;
	unsigned nmin = UINT_MAX, nmax = 0, k;
	int j, failed = 0;
	char why[512] = "";

	printf("\n== sequential rule: %d cases at +-%g%%\n", COV_CASES,
	       100 * COV_TARGET);
	for (k = 0; k < COV_CASES; k++) {
		char yaml[1024];
		const char *path[COV_N] = {
			"overall.throughput_rps", "resources.app.worker_utilization",
			"overall.latency_ms.mean", "overall.error_rate",
			"overall.latency_ms.p50", "overall.latency_ms.p95",
			"overall.latency_ms.p99"
		};
		double ex[COV_N], lambda, mu = 10, dur;
		unsigned c;
		cs_run_opts o = { .seed = 1000 + k, .has_seed = 1, .jobs = 0,
		                  .precision = COV_TARGET };
		cs_scenario *sc = NULL;
		cs_result *r = NULL;
		cs_error err = { 0 };
		unsigned n;

		for (j = 0; j < COV_N; j++)
			ex[j] = NAN;
		if (k % 3 == 0) {          /* M/M/1, rho 0.5 */
			c = 1;
			lambda = 5;
			dur = 600;
			ex[COV_THR] = lambda;
			ex[COV_UTIL] = lambda / mu;
			ex[COV_MEAN] = cs_an_mm1_w(lambda, mu) / MS;
			ex[COV_P50] = log(2) / (mu - lambda) / MS;
			ex[COV_P95] = log(20) / (mu - lambda) / MS;
			ex[COV_P99] = log(100) / (mu - lambda) / MS;
		} else if (k % 3 == 1) {   /* M/M/3, rho 0.6 */
			mmc_tail f = { .c = 3, .lambda = 18, .mu = mu };

			c = 3;
			lambda = 18;
			dur = 200;
			ex[COV_THR] = lambda;
			ex[COV_UTIL] = lambda / (c * mu);
			ex[COV_MEAN] = cs_an_mmc_w(c, lambda, mu) / MS;
			ex[COV_P50] = mmc_quantile(&f, 0.50) / MS;
			ex[COV_P95] = mmc_quantile(&f, 0.95) / MS;
			ex[COV_P99] = mmc_quantile(&f, 0.99) / MS;
		} else {                   /* M/M/4/4: Erlang B */
			double b = cs_an_erlang_b(4, 20 / mu);

			c = 4;
			lambda = 20;
			dur = 150;
			ex[COV_THR] = lambda; /* requests, blocked ones too */
			ex[COV_UTIL] = lambda * (1 - b) / (c * mu);
			ex[COV_ERR] = b;
			path[COV_MEAN] = "overall.latency_ok_ms.mean";
			ex[COV_MEAN] = 1 / mu / MS;
			path[COV_P50] = "overall.latency_ok_ms.p50";
			ex[COV_P50] = log(2) / mu / MS;
			path[COV_P95] = "overall.latency_ok_ms.p95";
			ex[COV_P95] = log(20) / mu / MS;
			path[COV_P99] = "overall.latency_ok_ms.p99";
			ex[COV_P99] = log(100) / mu / MS;
		}
		snprintf(yaml, sizeof yaml,
		    "name: coverage\n"
		    "run: {duration: %gs, warmup: %gs}\n"
		    "load: {arrival_rate: %g/s, client_timeout: none}\n"
		    "app: {instances: 1, workers: %u, backlog: %s}\n"
		    "endpoints:\n"
		    "  - name: serve\n"
		    "    steps: [{delay: {dist: exponential, mean: %gs}}]\n",
		    dur, dur / 10, lambda, c, k % 3 == 2 ? "0" : "1000000000",
		    1 / mu);
		ck_assert_int_eq(cs_scenario_load_string(yaml, "coverage", NULL, 0,
		                                         &sc, &err), CS_OK);
		ck_assert_msg(cs_run(sc, &o, &r, &err) == CS_OK, "case %u: %s", k,
		              err.msg);
		n = cs_result_replications(r);
		nsum += n;
		nmin = n < nmin ? n : nmin;
		nmax = n > nmax ? n : nmax;
		for (j = 0; j < COV_N; j++) {
			double m, lo, hi;

			if (isnan(ex[j]))
				continue;
			ck_assert_int_eq(cs_result_metric(r, path[j], &m, &lo, &hi),
			                 CS_OK);
			counted[j]++;
			if (ex[j] >= lo && ex[j] <= hi)
				covered[j]++;
		}
		cs_result_free(r);
		cs_scenario_free(sc);
	}
	printf("  replications at the stop: mean %.1f, from %u to %u\n",
	       (double)nsum / COV_CASES, nmin, nmax);
	for (j = 0; j < COV_N; j++) {
		double rate = (double)covered[j] / counted[j];
		int judged = j < COV_P50;

		printf("  %-24s %3u of %3u covered: %5.1f%%%s\n", label[j],
		       covered[j], counted[j], 100 * rate, !judged ? "" :
		       rate >= COV_MIN ? "  ok" : "  BELOW 93%");
		if (judged && rate < COV_MIN) {
			size_t len = strlen(why);

			failed++;
			snprintf(why + len, sizeof why - len, " [%s %.1f%%]",
			         label[j], 100 * rate);
		}
	}
	fflush(stdout);
	ck_assert_msg(!failed, "stopped intervals cover less than %g%%:%s",
	              100 * COV_MIN, why);
}
END_TEST

/* Same bits: NaN equals NaN, and 0.0 differs from -0.0. */
static int
same_bits(double a, double b)
{
	return memcmp(&a, &b, sizeof a) == 0;
}

START_TEST(validation_determinism)
{
	static const unsigned jobs[] = { 2, 0, 5 };
	cs_scenario *sc;
	cs_result *r1, *rk;
	cs_error err = { 0 };
	char *json1, *csv1, *line, *save = NULL;
	size_t i, paths = 0;
	int failed = 0;

	ck_assert_msg(cs_scenario_load_string(determinism_yaml, "determinism",
	                                      NULL, 0, &sc, &err) == CS_OK,
	              "%d:%d: %s: %s", err.line, err.col, err.path, err.msg);
	json1 = run_to_text(sc, 1, 30, CS_FORMAT_JSON, &r1);
	csv1 = run_to_text(sc, 1, 0, CS_FORMAT_CSV, NULL);
	printf("\n== determinism (jobs 1 vs 2, all cores, 5)\n");
	for (i = 0; i < sizeof jobs / sizeof jobs[0]; i++) {
		char *json = run_to_text(sc, jobs[i], 30, CS_FORMAT_JSON, &rk);
		int same = strcmp(json, json1) == 0;
		size_t diffs = 0;
		char *csv = strdup(csv1);

		ck_assert(csv != NULL);
		/* every metric path, bit for bit: mean, ci_low, ci_high */
		paths = 0;
		for (line = strtok_r(csv, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			double a[3], b[3];
			char *comma = strchr(line, ',');
			int k;

			if (!strncmp(line, "metric,", 7) || !comma)
				continue;
			*comma = 0;
			ck_assert_msg(cs_result_metric(r1, line, &a[0], &a[1],
			                               &a[2]) == CS_OK, "%s", line);
			ck_assert_msg(cs_result_metric(rk, line, &b[0], &b[1],
			                               &b[2]) == CS_OK, "%s", line);
			paths++;
			for (k = 0; k < 3; k++)
				if (!same_bits(a[k], b[k])) {
					if (diffs++ < 5)
						printf("  jobs %u: %s differs: %.17g vs"
						       " %.17g\n", jobs[i], line, a[k],
						       b[k]);
				}
		}
		printf("  jobs 1 vs jobs %u: JSON (%zu bytes, timeseries"
		       " included) %s; %zu metric paths, %zu differ  %s\n",
		       jobs[i], strlen(json1), same ? "identical" : "DIFFERS",
		       paths, diffs, same && !diffs ? "ok" : "FAILED");
		failed += !same || diffs;
		free(csv);
		free(json);
		cs_result_free(rk);
	}
	ck_assert_msg(paths > 100, "only %zu metric paths", paths);
	fflush(stdout);
	cs_result_free(r1);
	free(json1);
	free(csv1);
	cs_scenario_free(sc);
	ck_assert_msg(failed == 0, "output depends on the thread count");
}
END_TEST

/* ---- TTL cache ------------------------------------------------------------ */

/*
 * A keyed cache with a TTL under Poisson lookups against the renewal
 * (Che) closed form, cs_an_ttl_hit_ratio: every cache latency and miss
 * path takes no time, so a miss sets its entry at once, as the formula
 * assumes.  The popularity is written out here independently of the
 * simulator's CDF: uniform (pop_s = 0, hot = 0), Zipf (pop_s > 0), or a
 * hot set (hot keys share hot_share, the rest uniform).  The warm-up is
 * many TTLs long: the cache starts empty.
 */
static void
check_ttl(const char *name, long n, double pop_s, long hot, double hot_share,
          double lambda, double ttl, double duration)
{
	double *p = malloc((size_t)n * sizeof *p), sum = 0, ref;
	char pop[128];
	vcase v;
	long i;

	ck_assert_ptr_nonnull(p);
	for (i = 0; i < n; i++) {
		if (hot > 0)
			p[i] = i < hot ? hot_share / (double)hot :
			       (1 - hot_share) / (double)(n - hot);
		else
			p[i] = pow((double)(i + 1), -pop_s);
		sum += p[i];
	}
	for (i = 0; i < n; i++)
		p[i] /= sum;
	ref = cs_an_ttl_hit_ratio((size_t)n, p, lambda, ttl);
	free(p);
	if (hot > 0)
		snprintf(pop, sizeof pop, "{hot: %ld, hot_share: %.17g}", hot,
		         hot_share);
	else if (pop_s > 0)
		snprintf(pop, sizeof pop, "{dist: zipf, s: %.17g}", pop_s);
	else
		snprintf(pop, sizeof pop, "uniform");
	case_run(&v, name,
	    "name: ttl cache\n"
	    "run: {duration: %gs, warmup: %gs, seed: 1}\n"
	    "load: {arrival_rate: %g, client_timeout: none}\n"
	    "app: {workers: 100000}\n"
	    "cache: {keys: %ld, popularity: %s, ttl: %gs, latency: 0}\n"
	    "endpoints:\n"
	    "  - name: get\n"
	    "    steps: [{cache: {miss: []}}]\n",
	    duration, 20 * ttl, lambda, n, pop, ttl);
	expect(&v, "hit ratio", ref, "resources.cache.hit_ratio");
	expect(&v, "misses/s", lambda * (1 - ref), "resources.cache.misses_rps");
	case_end(&v);
}

/* uniform over 100 keys, lambda T / n = 1: exactly 1/2 */
START_TEST(validation_ttl_uniform)
{
	check_ttl("ttl_uniform_n100", 100, 0, 0, 0, 100, 1, 2000);
}
END_TEST

START_TEST(validation_ttl_zipf09)
{
	check_ttl("ttl_zipf_n1000_s0.9", 1000, 0.9, 0, 0, 200, 10, 2000);
}
END_TEST

/* a long tail of rare keys: most of the misses come from it */
START_TEST(validation_ttl_zipf12_long_tail)
{
	check_ttl("ttl_zipf_n100000_s1.2", 100000, 1.2, 0, 0, 500, 2, 2000);
}
END_TEST

START_TEST(validation_ttl_hot_set)
{
	check_ttl("ttl_hot_n10000", 10000, 0, 100, 0.9, 50, 5, 4000);
}
END_TEST

/* ---- suite ------------------------------------------------------------------ */

static Suite *
validation_suite(void)
{
	Suite *s = suite_create("validation");
	TCase *tc = tcase_create("closed_forms");

	tcase_add_test(tc, validation_mm1_rho05);
	tcase_add_test(tc, validation_mm1_rho08);
	tcase_add_test(tc, validation_mmc_c10_rho09);
	tcase_add_test(tc, validation_mmc_c4_rho06);
	tcase_add_test(tc, validation_mmck_c3_k6);
	tcase_add_test(tc, validation_erlang_b_backlog0);
	tcase_add_test(tc, validation_erlang_b_pool);
	tcase_add_test(tc, validation_mmck_pool_max_waiting);
	tcase_add_test(tc, validation_md1_rho07);
	tcase_add_test(tc, validation_mva_n1);
	tcase_add_test(tc, validation_mva_n5);
	tcase_add_test(tc, validation_mva_n20);
	tcase_add_test(tc, validation_mva_n50);
	tcase_add_test(tc, validation_mva_ld_cores4);
	tcase_add_test(tc, validation_determinism);
	suite_add_tcase(s, tc);

	/* CK_RUN_CASE=precision runs it alone */
	tc = tcase_create("precision");
	tcase_add_test(tc, validation_precision_coverage);
	suite_add_tcase(s, tc);

	tc = tcase_create("ttl_cache");
	tcase_add_test(tc, validation_ttl_uniform);
	tcase_add_test(tc, validation_ttl_zipf09);
	tcase_add_test(tc, validation_ttl_zipf12_long_tail);
	tcase_add_test(tc, validation_ttl_hot_set);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return cs_test_run(validation_suite());
}
