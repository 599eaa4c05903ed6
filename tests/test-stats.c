/*
 * Tests for sim/stats (confidence intervals, time-weighted levels) and
 * sim/dist (random durations and stream seeds).
 *
 * Student t quantiles below are table values (t_{0.975, df}); the intervals
 * are worked out by hand from them: mean +- t * s / sqrt(n).  Distribution
 * checks draw n = 200000 samples with a fixed seed and accept a sample mean
 * within 5 standard errors of the true mean (the CLT; a 5-sigma miss has
 * probability 6e-7), the standard error estimated from the same samples.
 */
#include <check.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/dist.h"
#include "sim/stats.h"
#include "harness.h"

#define NSAMP 200000
#define ZCLT 5.0

#define ck_rel(got, want, tol)                                               \
	do {                                                                 \
		double g_ = (got), w_ = (want);                              \
		ck_assert_msg(fabs(g_ - w_) <= (tol) * fabs(w_),             \
		              "%s = %.15g, want %.15g (rel tol %g)", #got, g_, \
		              w_, (double)(tol));                            \
	} while (0)

/* ---- cs_stats_ci ----------------------------------------------------------- */

START_TEST(stats_t975_matches_table)
{
	ck_rel(cs_stats_t975(2), 12.7062047361747, 1e-10);  /* df 1 */
	ck_rel(cs_stats_t975(3), 4.30265272974946, 1e-10);  /* df 2 */
	ck_rel(cs_stats_t975(5), 2.77644510519779, 1e-10);  /* df 4 */
	ck_rel(cs_stats_t975(10), 2.26215716279820, 1e-10); /* df 9 */
	ck_rel(cs_stats_t975(11), 2.22813885196450, 1e-10); /* df 10 */
	ck_rel(cs_stats_t975(31), 2.04227245630124, 1e-10); /* df 30 */
	ck_assert(isnan(cs_stats_t975(1)));
	ck_assert(isnan(cs_stats_t975(0)));
}
END_TEST

START_TEST(stats_ci_matches_hand_student_t)
{
	/* 1..5: mean 3, s^2 = 10/4, se = sqrt(0.5), half = 2.776445 * 0.707107 */
	static const double a[] = { 1, 2, 3, 4, 5 };
	/* 10, 12: mean 11, s = sqrt(2), se = 1, half = t(df 1) */
	static const double b[] = { 10, 12 };
	/* ten throughputs: mean 0.564, s^2 = 0.04284 / 9 = 0.00476,
	 * half = 2.262157 * sqrt(0.000476) = 0.0493544 */
	static const double c[] = { 0.52, 0.61, 0.48, 0.55, 0.70, 0.49, 0.58,
	                            0.63, 0.51, 0.57 };
	double m, lo, hi;

	cs_stats_ci(a, 5, &m, &lo, &hi);
	ck_near(m, 3.0, 1e-15);
	ck_near(lo, 1.0367568385224453, 1e-12);
	ck_near(hi, 4.963243161477555, 1e-12);

	cs_stats_ci(b, 2, &m, &lo, &hi);
	ck_near(m, 11.0, 1e-15);
	ck_near(lo, -1.7062047361747, 1e-11);
	ck_near(hi, 23.7062047361747, 1e-11);

	cs_stats_ci(c, 10, &m, &lo, &hi);
	ck_near(m, 0.564, 1e-15);
	ck_near(lo, 0.5146455575059468, 1e-12);
	ck_near(hi, 0.6133544424940534, 1e-12);
}
END_TEST

START_TEST(stats_ci_large_common_offset)
{
	/* 1e9 + {1, 2, 3}: s = 1, half = t(df 2) / sqrt(3) = 2.4841377;
	 * a naive sum of squares would lose every digit of s */
	static const double x[] = { 1e9 + 1, 1e9 + 2, 1e9 + 3 };
	double m, lo, hi;

	cs_stats_ci(x, 3, &m, &lo, &hi);
	ck_near(m, 1e9 + 2, 1e-6);
	ck_near(hi - m, 2.484137711750329, 1e-6);
	ck_near(m - lo, 2.484137711750329, 1e-6);
}
END_TEST

START_TEST(stats_ci_nan_below_two_values)
{
	static const double one[] = { 7.5 };
	static const double gaps[] = { 10, NAN, 12, NAN };
	static const double allnan[] = { NAN, NAN };
	double m, lo, hi;

	cs_stats_ci(one, 1, &m, &lo, &hi);
	ck_assert(m == 7.5);
	ck_assert(isnan(lo) && isnan(hi)); /* unknown, not zero */

	cs_stats_ci(one, 0, &m, &lo, &hi);
	ck_assert(isnan(m) && isnan(lo) && isnan(hi));

	cs_stats_ci(allnan, 2, &m, &lo, &hi);
	ck_assert(isnan(m) && isnan(lo) && isnan(hi));

	/* NaN values are skipped: the same as {10, 12}, df 1 */
	cs_stats_ci(gaps, 4, &m, &lo, &hi);
	ck_near(m, 11.0, 1e-15);
	ck_near(lo, -1.7062047361747, 1e-11);
	ck_near(hi, 23.7062047361747, 1e-11);

	/* identical values: a zero-width interval, not NaN */
	{
		static const double same[] = { 4, 4, 4 };

		cs_stats_ci(same, 3, &m, &lo, &hi);
		ck_assert(m == 4 && lo == 4 && hi == 4);
	}
}
END_TEST

/* ---- cs_tstat -------------------------------------------------------------- */

START_TEST(stats_tstat_time_average)
{
	cs_tstat s;

	/* level 0 on [0,1), 2 on [1,3), 3 on [3,5]: area 0 + 4 + 6 = 10 */
	cs_tstat_init(&s, 0, 0);
	ck_assert(cs_tstat_mean(&s, 0) == 0); /* empty window: the level */
	cs_tstat_set(&s, 1, 2);
	cs_tstat_add(&s, 3, 1);
	ck_near(cs_tstat_mean(&s, 5), 2.0, 1e-15);
	ck_assert(s.max == 3);
	ck_assert(s.value == 3);

	/* reset at 5 keeps the level: 3 on [5,6), then 2 on [6,7] */
	cs_tstat_reset(&s, 5);
	ck_assert(cs_tstat_mean(&s, 5) == 3);
	ck_assert(s.max == 3);
	cs_tstat_add(&s, 6, -1);
	ck_near(cs_tstat_mean(&s, 7), 2.5, 1e-15);
	ck_assert(s.max == 3);

	/* a window that starts late: init at t = 10 with level 4 */
	cs_tstat_init(&s, 10, 4);
	cs_tstat_set(&s, 12, 0);
	ck_near(cs_tstat_mean(&s, 14), 2.0, 1e-15); /* 4 x 2 s over 4 s */
	ck_assert(s.max == 4);
}
END_TEST

/* ---- distributions ----------------------------------------------------- */

static gsl_rng *
rng(unsigned long seed)
{
	gsl_rng *r = gsl_rng_alloc(cs_rng_xoshiro); /* the model's */

	ck_assert_ptr_nonnull(r);
	gsl_rng_set(r, seed);
	return r;
}

/* Sample mean of d against cs_dist_mean(d) within ZCLT standard errors. */
static void
check_mean(const char *what, const cs_dist *d, unsigned long seed)
{
	gsl_rng *r = rng(seed);
	double mean = 0, m2 = 0, want = cs_dist_mean(d), se, minv = INFINITY;
	size_t i;

	for (i = 0; i < NSAMP; i++) {
		double v = cs_dist_sample(d, r), delta = v - mean;

		mean += delta / (double)(i + 1);
		m2 += delta * (v - mean);
		if (v < minv)
			minv = v;
	}
	se = sqrt(m2 / (NSAMP - 1) / NSAMP);
	ck_assert_msg(minv >= 0, "%s: negative sample %g", what, minv);
	ck_assert_msg(fabs(mean - want) <= ZCLT * se + 1e-15 * want,
	              "%s: sample mean %.9g, cs_dist_mean %.9g, se %.3g",
	              what, mean, want, se);
	gsl_rng_free(r);
}

static void
weibull(cs_dist *d, double shape, double lambda)
{
	cs_dist_const(d, 0);
	d->kind = CS_DIST_WEIBULL;
	d->p1 = shape;
	d->p2 = lambda;
}

static void
uniform(cs_dist *d, double lo, double hi)
{
	cs_dist_const(d, 0);
	d->kind = CS_DIST_UNIFORM;
	d->p1 = lo;
	d->p2 = hi;
}

START_TEST(dist_sample_means_match_within_clt_bound)
{
	static const double q[] = { 0, 0.5, 0.9, 1 };
	static const double x[] = { 0.010, 0.020, 0.060, 0.100 };
	cs_dist d;

	cs_dist_const(&d, 0.45);
	ck_assert(cs_dist_mean(&d) == 0.45);
	check_mean("constant", &d, 1);

	cs_dist_exp(&d, 0.2);
	ck_near(cs_dist_mean(&d), 0.2, 1e-15);
	check_mean("exponential", &d, 2);

	uniform(&d, 0.3, 1.3);
	ck_near(cs_dist_mean(&d), 0.8, 1e-15);
	check_mean("uniform", &d, 3);

	cs_dist_lognormal_median_p95(&d, 0.45, 0.9);
	check_mean("lognormal median/p95", &d, 4);

	cs_dist_lognormal_mean_cv(&d, 0.25, 1.2);
	ck_near(cs_dist_mean(&d), 0.25, 1e-14);
	check_mean("lognormal mean/cv", &d, 5);

	cs_dist_gamma_mean_cv(&d, 0.1, 0.5);
	ck_near(cs_dist_mean(&d), 0.1, 1e-15);
	ck_near(d.p1, 4.0, 1e-12); /* shape 1/cv^2 */
	check_mean("gamma", &d, 6);

	/* shape 2: mean = lambda Gamma(1.5) = lambda sqrt(pi) / 2 */
	weibull(&d, 2.0, 0.3);
	ck_near(cs_dist_mean(&d), 0.3 * sqrt(M_PI) / 2, 1e-14);
	check_mean("weibull k=2", &d, 7);
	weibull(&d, 0.7, 0.3);
	check_mean("weibull k=0.7", &d, 8);

	ck_assert_int_eq(cs_dist_empirical(&d, q, x, 4), CS_OK);
	check_mean("empirical", &d, 9);
	cs_dist_destroy(&d);
}
END_TEST

START_TEST(dist_lognormal_from_median_p95_has_those_quantiles)
{
	cs_dist d;
	gsl_rng *r = rng(11);
	size_t i, below50 = 0, below95 = 0;
	/* binomial: the count below the p-quantile has sd sqrt(n p (1-p)) */
	double sd50 = sqrt(NSAMP * 0.5 * 0.5), sd95 = sqrt(NSAMP * 0.95 * 0.05);

	cs_dist_lognormal_median_p95(&d, 0.45, 0.9);
	ck_rel(cs_dist_quantile(&d, 0.5), 0.45, 1e-9);
	ck_rel(cs_dist_quantile(&d, 0.95), 0.9, 1e-9);
	/* sigma of log = ln 2 / z_0.95 */
	ck_rel(d.p2, log(2.0) / 1.6448536269514722, 1e-12);
	for (i = 0; i < NSAMP; i++) {
		double v = cs_dist_sample(&d, r);

		below50 += v <= 0.45;
		below95 += v <= 0.9;
	}
	ck_assert_msg(fabs((double)below50 - NSAMP * 0.5) <= ZCLT * sd50,
	              "%zu of %d below the median", below50, NSAMP);
	ck_assert_msg(fabs((double)below95 - NSAMP * 0.95) <= ZCLT * sd95,
	              "%zu of %d below p95", below95, NSAMP);
	gsl_rng_free(r);
}
END_TEST

START_TEST(dist_empirical_percentile_interpolation)
{
	static const double q[] = { 0, 0.5, 0.9, 1 };
	static const double x[] = { 10, 20, 60, 100 };
	static const double q2[] = { 0.2, 0.8 };
	static const double x2[] = { 1, 2 };
	static const double one_q[] = { 1 };
	static const double one_x[] = { 3 };
	cs_dist d;

	ck_assert_int_eq(cs_dist_empirical(&d, q, x, 4), CS_OK);
	ck_assert(cs_dist_quantile(&d, 0) == 10);
	ck_near(cs_dist_quantile(&d, 0.25), 15, 1e-12);
	ck_assert(cs_dist_quantile(&d, 0.5) == 20);
	ck_near(cs_dist_quantile(&d, 0.7), 40, 1e-12);
	ck_near(cs_dist_quantile(&d, 0.95), 80, 1e-12);
	ck_assert(cs_dist_quantile(&d, 1) == 100);
	/* trapezoids: 0.5 x 15 + 0.4 x 40 + 0.1 x 80 */
	ck_near(cs_dist_mean(&d), 31.5, 1e-12);
	cs_dist_destroy(&d);

	/* below the first and above the last point: flat */
	ck_assert_int_eq(cs_dist_empirical(&d, q2, x2, 2), CS_OK);
	ck_assert(cs_dist_quantile(&d, 0.1) == 1);
	ck_near(cs_dist_quantile(&d, 0.5), 1.5, 1e-12);
	ck_assert(cs_dist_quantile(&d, 0.9) == 2);
	ck_near(cs_dist_mean(&d), 0.2 * 1 + 0.6 * 1.5 + 0.2 * 2, 1e-12);
	check_mean("empirical with flat ends", &d, 12);
	cs_dist_destroy(&d);

	ck_assert_int_eq(cs_dist_empirical(&d, one_q, one_x, 1), CS_OK);
	ck_assert(cs_dist_quantile(&d, 0.3) == 3);
	ck_assert(cs_dist_mean(&d) == 3);
	cs_dist_destroy(&d);
	cs_dist_destroy(&d); /* twice: the arrays were cleared */
}
END_TEST

START_TEST(dist_scale_multiplies)
{
	static const double q[] = { 0, 0.5, 1 };
	static const double x[] = { 0.01, 0.02, 0.2 };
	cs_dist base[7], sc;
	int k, i;

	cs_dist_const(&base[0], 0.45);
	cs_dist_exp(&base[1], 0.2);
	uniform(&base[2], 0.1, 0.4);
	cs_dist_lognormal_median_p95(&base[3], 0.45, 0.9);
	cs_dist_gamma_mean_cv(&base[4], 0.1, 0.5);
	weibull(&base[5], 1.5, 0.3);
	ck_assert_int_eq(cs_dist_empirical(&base[6], q, x, 3), CS_OK);
	for (k = 0; k < 7; k++) {
		gsl_rng *r1 = rng(21), *r2 = rng(21);

		ck_assert(base[k].scale == 1);
		ck_assert_int_eq(cs_dist_copy(&sc, &base[k]), CS_OK);
		sc.scale = 2.5;
		ck_rel(cs_dist_mean(&sc), 2.5 * cs_dist_mean(&base[k]), 1e-14);
		ck_rel(cs_dist_quantile(&sc, 0.9),
		       2.5 * cs_dist_quantile(&base[k], 0.9), 1e-12);
		/* the same random numbers give exactly 2.5 x the draws */
		for (i = 0; i < 1000; i++) {
			double a = cs_dist_sample(&base[k], r1);
			double b = cs_dist_sample(&sc, r2);

			ck_assert_msg(b == 2.5 * a, "kind %d draw %d: %.17g vs 2.5 x %.17g",
			              k, i, b, a);
		}
		cs_dist_destroy(&sc);
		gsl_rng_free(r1);
		gsl_rng_free(r2);
	}
	cs_dist_destroy(&base[6]);
}
END_TEST

START_TEST(dist_copy_is_deep)
{
	static const double q[] = { 0, 1 };
	static const double x[] = { 1, 3 };
	cs_dist a, b;

	ck_assert_int_eq(cs_dist_empirical(&a, q, x, 2), CS_OK);
	a.scale = 2;
	ck_assert_int_eq(cs_dist_copy(&b, &a), CS_OK);
	ck_assert(b.x != a.x && b.q != a.q);
	ck_assert(b.scale == 2);
	cs_dist_destroy(&a);
	ck_near(cs_dist_quantile(&b, 0.5), 4.0, 1e-12); /* 2 x 2 */
	ck_near(cs_dist_mean(&b), 4.0, 1e-12);
	cs_dist_destroy(&b);
}
END_TEST

static int
cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return (x > y) - (x < y);
}

/* The model's generator is xoshiro256**: the reference implementation's
 * first outputs from the state {1, 2, 3, 4}; GSL's interface gives the
 * upper 32 bits as a word and the upper 53 as a uniform, the same as the
 * inline uniform. */
START_TEST(dist_rng_xoshiro_known_answers)
{
	static const uint64_t want[] = { 11520u, 0u, 1509978240u,
	                                 1215971899390074240u,
	                                 1216172134540287360u,
	                                 607988272756665600u };
	cs_xo_state s = { { 1, 2, 3, 4 } };
	gsl_rng *a = gsl_rng_alloc(cs_rng_xoshiro), *b = gsl_rng_alloc(cs_rng_xoshiro);
	size_t i;

	for (i = 0; i < sizeof want / sizeof want[0]; i++)
		ck_assert(cs_xo_next(&s) == want[i]);
	ck_assert(a && b);
	gsl_rng_set(a, 42);
	gsl_rng_set(b, 42);
	for (i = 0; i < 1000; i++) {
		uint64_t w = cs_xo_next(b->state);

		ck_assert_uint_eq(gsl_rng_get(a), (unsigned long)(w >> 32));
	}
	for (i = 0; i < 1000; i++) {
		double u = gsl_rng_uniform(a);

		ck_assert(u >= 0 && u < 1);
		ck_assert(u == cs_rng_uniform(b));
	}
	gsl_rng_free(a);
	gsl_rng_free(b);
}
END_TEST

/* The ziggurat tables end where they must: the top layer closes at f(0) = 1
 * and each layer has the base's area. */
START_TEST(dist_ziggurat_tables_close)
{
	int i;

	ck_assert(cs_zig_exp_x[256] == 0 && cs_zig_norm_x[256] == 0);
	for (i = 1; i < 256; i++) {
		ck_assert(cs_zig_exp_x[i + 1] < cs_zig_exp_x[i]);
		ck_assert(cs_zig_norm_x[i + 1] < cs_zig_norm_x[i]);
		/* layer i: width x[i], height f(x[i+1]) - f(x[i]) ... the area v */
		ck_rel(cs_zig_exp_x[i] * (cs_zig_exp_f[i + 1] - cs_zig_exp_f[i]),
		       3.949659822581572e-3, 1e-6);
		ck_rel(cs_zig_norm_x[i] * (cs_zig_norm_f[i + 1] - cs_zig_norm_f[i]),
		       4.92867323399e-3, 1e-6);
	}
}
END_TEST

/*
 * The model's draws have the right shape, not only the right mean: 1,000,000
 * draws of each into 1,000 bins of equal probability under the exact CDF
 * (GSL's), a chi-square against its 0.999 quantile, and the Kolmogorov
 * distance against 1.95 / sqrt(n) (its 0.001 critical value); the far tails
 * (beyond the ziggurat's r, drawn by their own method) counted against the
 * binomial within 5 standard deviations.  The generator is fixed, so each
 * check passes or fails the same way every run; a wrong layer, wedge or
 * tail moves a bin by far more than these bounds allow.
 */
typedef double (*cdf_fn)(double x, const double *p);
static double cdf_exp(double x, const double *p) { (void)p; return gsl_cdf_exponential_P(x, 1); }
static double cdf_norm(double x, const double *p) { (void)p; return gsl_cdf_ugaussian_P(x); }
/* Beyond the ziggurat's r, conditional on being there (p[0] = r). */
static double cdf_exp_tail(double x, const double *p) { return gsl_cdf_exponential_P(x - p[0], 1); }
static double cdf_norm_tail(double x, const double *p)
{
	return (gsl_cdf_ugaussian_Q(p[0]) - gsl_cdf_ugaussian_Q(x)) /
	       gsl_cdf_ugaussian_Q(p[0]);
}
static double cdf_gamma(double x, const double *p) { return gsl_cdf_gamma_P(x, p[0], 1); }
static double cdf_lognormal(double x, const double *p) { return gsl_cdf_lognormal_P(x, p[0], p[1]); }

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
check_shape(const char *what, double *v, size_t n, cdf_fn cdf, const double *p,
            double tail_at, double tail_p)
{
	enum { BINS = 1000 };
	static size_t count[BINS];
	double chi2 = 0, dmax = 0, e = (double)n / BINS;
	size_t i, tail = 0;

	memset(count, 0, sizeof count);
	qsort(v, n, sizeof *v, cmp_double);
	for (i = 0; i < n; i++) {
		double c = cdf(v[i], p), d;
		size_t k = (size_t)(c * BINS);

		count[k < BINS ? k : BINS - 1]++;
		d = fmax(fabs(c - (double)i / (double)n),
		         fabs(c - (double)(i + 1) / (double)n));
		if (d > dmax)
			dmax = d;
		tail += fabs(v[i]) > tail_at;
	}
	for (i = 0; i < BINS; i++)
		chi2 += ((double)count[i] - e) * ((double)count[i] - e) / e;
	ck_assert_msg(chi2 < gsl_cdf_chisq_Pinv(0.999, BINS - 1),
	              "%s: chi-square %.1f over %d bins", what, chi2, BINS);
	ck_assert_msg(dmax < 1.95 / sqrt((double)n),
	              "%s: Kolmogorov distance %.3g", what, dmax);
	if (tail_p > 0)
		ck_assert_msg(fabs((double)tail - (double)n * tail_p) <=
		              ZCLT * sqrt((double)n * tail_p * (1 - tail_p)),
		              "%s: %zu beyond %g, expected %.1f", what, tail,
		              tail_at, (double)n * tail_p);
}

START_TEST(dist_xoshiro_draws_have_the_right_shape)
{
	enum { N = 1000000 };
	double *v = malloc(N * sizeof *v), p[2];
	gsl_rng *r = gsl_rng_alloc(cs_rng_xoshiro);
	cs_dist d;
	size_t i;

	ck_assert(v && r);
	gsl_rng_set(r, 2026);
	for (i = 0; i < N; i++)
		v[i] = cs_zig_exp(r->state);
	check_shape("exponential", v, N, cdf_exp, NULL, 7.69711747013104972,
	            exp(-7.69711747013104972));
	for (i = 0; i < N; i++)
		v[i] = cs_zig_norm(r->state);
	check_shape("normal", v, N, cdf_norm, NULL, 3.6541528853610088,
	            2 * gsl_cdf_ugaussian_Q(3.6541528853610088));
	/* the tails alone, each by its own method (a draw lands there 1 in
	 * 2,200 or 3,800 times: too few above to see their shape) */
	p[0] = 7.69711747013104972;
	for (i = 0; i < N / 4; i++)
		v[i] = cs_zig_exp_slow(r->state, 0, 8);
	check_shape("exponential's tail", v, N / 4, cdf_exp_tail, p, 0, 0);
	p[0] = 3.6541528853610088;
	for (i = 0; i < N / 4; i++)
		v[i] = cs_zig_norm_slow(r->state, 0, 4);
	check_shape("normal's tail", v, N / 4, cdf_norm_tail, p, 0, 0);
	p[0] = 4; /* the 500-user scenario's cv 0.5 */
	cs_dist_gamma_mean_cv(&d, 4, 0.5);
	for (i = 0; i < N; i++)
		v[i] = cs_dist_sample(&d, r);
	check_shape("gamma k=4", v, N, cdf_gamma, p, 0, 0);
	p[0] = 0.5; /* below 1: the boost */
	cs_dist_gamma_mean_cv(&d, 0.5, sqrt(2));
	for (i = 0; i < N; i++)
		v[i] = cs_dist_sample(&d, r);
	check_shape("gamma k=0.5", v, N, cdf_gamma, p, 0, 0);
	cs_dist_lognormal_median_p95(&d, 0.03, 0.08);
	p[0] = d.p1;
	p[1] = d.p2;
	for (i = 0; i < N; i++)
		v[i] = cs_dist_sample(&d, r);
	check_shape("lognormal", v, N, cdf_lognormal, p, 0, 0);
	cs_dist_exp(&d, 0.02); /* the scaled inline path */
	for (i = 0; i < N; i++)
		v[i] = cs_dist_sample(&d, r) / 0.02;
	check_shape("exponential, mean 20 ms", v, N, cdf_exp, NULL, 0, 0);
	gsl_rng_free(r);
	free(v);
}
END_TEST

START_TEST(dist_rng_seed_distinct_per_stream_and_rep)
{
	enum { SEEDS = 3, REPS = 100, STREAMS = 8 };
	static unsigned long v[SEEDS * REPS * STREAMS];
	static const uint64_t seeds[SEEDS] = { 0, 1, 42 };
	size_t n = 0, i;
	unsigned s, rep, st;

	for (s = 0; s < SEEDS; s++)
		for (rep = 0; rep < REPS; rep++)
			for (st = 0; st < STREAMS; st++) {
				unsigned long x = cs_rng_seed(seeds[s], rep, st);

				/* deterministic */
				ck_assert(x == cs_rng_seed(seeds[s], rep, st));
				v[n++] = x;
			}
	qsort(v, n, sizeof *v, cmp_ulong);
	for (i = 1; i < n; i++)
		ck_assert_msg(v[i] != v[i - 1], "seed %lu appears twice", v[i]);
	/* swapping rep and stream gives different streams */
	ck_assert(cs_rng_seed(1, 2, 3) != cs_rng_seed(1, 3, 2));

	/* distinct seeds give distinct number sequences */
	{
		gsl_rng *a = rng(cs_rng_seed(1, 0, 0));
		gsl_rng *b = rng(cs_rng_seed(1, 1, 0));
		int same = 0;

		for (i = 0; i < 1000; i++)
			same += gsl_rng_get(a) == gsl_rng_get(b);
		ck_assert_int_le(same, 2);
		gsl_rng_free(a);
		gsl_rng_free(b);
	}
}
END_TEST

static Suite *
stats_suite(void)
{
	Suite *s = suite_create("stats");
	TCase *tc = tcase_create("stats");

	tcase_add_test(tc, stats_t975_matches_table);
	tcase_add_test(tc, stats_ci_matches_hand_student_t);
	tcase_add_test(tc, stats_ci_large_common_offset);
	tcase_add_test(tc, stats_ci_nan_below_two_values);
	tcase_add_test(tc, stats_tstat_time_average);
	suite_add_tcase(s, tc);

	tc = tcase_create("dist");
	tcase_add_test(tc, dist_sample_means_match_within_clt_bound);
	tcase_add_test(tc, dist_lognormal_from_median_p95_has_those_quantiles);
	tcase_add_test(tc, dist_empirical_percentile_interpolation);
	tcase_add_test(tc, dist_scale_multiplies);
	tcase_add_test(tc, dist_copy_is_deep);
	tcase_add_test(tc, dist_rng_seed_distinct_per_stream_and_rep);
	tcase_add_test(tc, dist_rng_xoshiro_known_answers);
	tcase_add_test(tc, dist_ziggurat_tables_close);
	tcase_add_test(tc, dist_xoshiro_draws_have_the_right_shape);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return cs_test_run(stats_suite());
}
