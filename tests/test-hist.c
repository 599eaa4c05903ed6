/*
 * Tests for sim/hist: the log-bucket latency histogram.  Quantiles are
 * compared with the exact nearest-rank quantiles of the same samples,
 * sorted.  The bound: a bucket spans [lo, lo (1 + 1/64)) and the histogram
 * answers its midpoint, so the answer is within half a bucket, 1/128 of the
 * lower edge (0.78%), of every sample in it; 0.8% is the stated bound.
 */
#include <check.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "sim/hist.h"
#include "harness.h"

#define REL_BOUND 0.008 /* the documented 0.8% */

static const double qs[] = {
	0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 0.9999
};
#define NQ (sizeof qs / sizeof qs[0])

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Exact nearest-rank quantile of sorted x[0..n): the ceil(q n)-th value. */
static double
exact_quantile(const double *x, size_t n, double q)
{
	size_t rank = (size_t)ceil(q * (double)n);

	if (rank < 1)
		rank = 1;
	return x[rank - 1];
}

static cs_hist *
hist_new(void)
{
	cs_hist *h = malloc(sizeof *h);

	ck_assert_ptr_nonnull(h);
	cs_hist_reset(h);
	return h;
}

static gsl_rng *
rng(unsigned long seed)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);

	ck_assert_ptr_nonnull(r);
	gsl_rng_set(r, seed);
	return r;
}

/* Fill h and x with n samples of kind (0: exponential, 1: lognormal). */
static void
check_quantiles(int kind, unsigned long seed)
{
	const size_t n = 200000;
	double *x = malloc(n * sizeof *x), sum = 0;
	cs_hist *h = hist_new();
	gsl_rng *r = rng(seed);
	size_t i, k;

	ck_assert_ptr_nonnull(x);
	for (i = 0; i < n; i++) {
		/* exponential mean 200 ms; lognormal median 250 ms with
		 * sigma 1.5: 9 decades between p0.01 and p99.99 */
		x[i] = kind == 0 ? gsl_ran_exponential(r, 0.2)
		                 : gsl_ran_lognormal(r, log(0.25), 1.5);
		cs_hist_add(h, x[i]);
		sum += x[i];
	}
	qsort(x, n, sizeof *x, cmp_double);
	ck_assert_uint_eq(h->count, n);
	ck_assert(h->min == x[0]);
	ck_assert(h->max == x[n - 1]);
	ck_assert(fabs(cs_hist_mean(h) - sum / (double)n) <=
	          1e-12 * sum / (double)n);
	for (k = 0; k < NQ; k++) {
		double want = exact_quantile(x, n, qs[k]);
		double got = cs_hist_quantile(h, qs[k]);

		ck_assert_msg(fabs(got - want) <= REL_BOUND * want,
		              "kind %d q %g: hist %.9g, exact %.9g (rel err %.5f)",
		              kind, qs[k], got, want, fabs(got - want) / want);
	}
	/* q = 0 and q = 1 are the exact extremes */
	ck_assert(cs_hist_quantile(h, 0) == x[0]);
	ck_assert(cs_hist_quantile(h, 1) == x[n - 1]);
	gsl_rng_free(r);
	free(h);
	free(x);
}

START_TEST(hist_quantiles_within_bound_exponential)
{
	check_quantiles(0, 20240601);
}
END_TEST

START_TEST(hist_quantiles_within_bound_lognormal)
{
	check_quantiles(1, 777);
}
END_TEST

/* Every value on a fine log grid over the whole range: the quantile of a
 * single-value histogram is the value itself (clamped to min = max), and of
 * a two-value one within the bound. */
START_TEST(hist_single_values_across_range)
{
	cs_hist *h = hist_new();
	double v;

	for (v = ldexp(1, CS_HIST_EMIN + 1); v < ldexp(1, CS_HIST_EMAX - 1);
	     v *= 1.0137) {
		double got;

		cs_hist_reset(h);
		cs_hist_add(h, v);
		cs_hist_add(h, v * 1.001);
		got = cs_hist_quantile(h, 0.5);
		ck_assert_msg(fabs(got - v) <= REL_BOUND * v,
		              "v %.9g: p50 %.9g", v, got);
	}
	free(h);
}
END_TEST

START_TEST(hist_tiny_and_huge_values_clamp)
{
	cs_hist *h = hist_new();
	const double tiny[] = { 1e-15, 2e-15, 3e-15 }; /* below 2^-30 s */
	const double huge[] = { 1e8, 2e8, 3e8 };       /* above 2^21 s */
	int i;

	for (i = 0; i < 3; i++)
		cs_hist_add(h, tiny[i]);
	/* all in the first bucket: clamped, answers stay within [min, max] */
	ck_assert_uint_eq(h->b[0], 3);
	ck_assert(h->min == 1e-15);
	ck_assert(h->max == 3e-15);
	ck_assert(cs_hist_quantile(h, 0.5) >= 1e-15);
	ck_assert(cs_hist_quantile(h, 0.5) <= 3e-15);
	ck_assert(fabs(cs_hist_mean(h) - 2e-15) <= 1e-27);

	cs_hist_reset(h);
	for (i = 0; i < 3; i++)
		cs_hist_add(h, huge[i]);
	ck_assert_uint_eq(h->b[CS_HIST_BUCKETS - 1], 3);
	ck_assert(cs_hist_quantile(h, 0.5) >= 1e8);
	ck_assert(cs_hist_quantile(h, 0.5) <= 3e8);
	ck_assert(cs_hist_quantile(h, 1) == 3e8);
	ck_assert(fabs(cs_hist_mean(h) - 2e8) <= 1e-6);

	/* zero, a negative value and 1e300 land in the end buckets */
	cs_hist_reset(h);
	cs_hist_add(h, 0.0);
	cs_hist_add(h, -1.0);
	cs_hist_add(h, 1e300);
	ck_assert_uint_eq(h->b[0], 2);
	ck_assert_uint_eq(h->b[CS_HIST_BUCKETS - 1], 1);
	ck_assert(h->min == -1.0);
	ck_assert(h->max == 1e300);
	ck_assert(cs_hist_quantile(h, 0) == -1.0);
	ck_assert(cs_hist_quantile(h, 1) == 1e300);
	/* the median is in bucket 0, whose midpoint (about 2^-30 s) is kept */
	ck_assert(cs_hist_quantile(h, 0.5) > 0);
	ck_assert(cs_hist_quantile(h, 0.5) < ldexp(1, CS_HIST_EMIN + 1));
	free(h);
}
END_TEST

START_TEST(hist_merge_equals_adding_all)
{
	cs_hist *a = hist_new(), *b = hist_new(), *all = hist_new();
	gsl_rng *r = rng(99);
	int i, k;

	for (i = 0; i < 50000; i++) {
		double v = gsl_ran_lognormal(r, log(0.05), 1.0);

		cs_hist_add(i % 3 ? a : b, v);
		cs_hist_add(all, v);
	}
	cs_hist_merge(a, b);
	ck_assert_uint_eq(a->count, 50000);
	ck_assert(memcmp(a->b, all->b, sizeof a->b) == 0);
	ck_assert(a->min == all->min);
	ck_assert(a->max == all->max);
	ck_assert(fabs(a->sum - all->sum) <= 1e-9 * all->sum);
	for (k = 0; k < (int)NQ; k++)
		ck_assert(cs_hist_quantile(a, qs[k]) ==
		          cs_hist_quantile(all, qs[k]));

	/* an empty source changes nothing; into an empty target copies */
	cs_hist_reset(b);
	cs_hist_merge(a, b);
	ck_assert_uint_eq(a->count, 50000);
	ck_assert(a->min == all->min && a->max == all->max);
	cs_hist_merge(b, all);
	ck_assert_uint_eq(b->count, 50000);
	ck_assert(b->min == all->min && b->max == all->max);
	ck_assert(cs_hist_quantile(b, 0.95) == cs_hist_quantile(all, 0.95));
	gsl_rng_free(r);
	free(a);
	free(b);
	free(all);
}
END_TEST

START_TEST(hist_empty_gives_nan)
{
	cs_hist *h = hist_new();

	ck_assert_uint_eq(h->count, 0);
	ck_assert(isnan(cs_hist_quantile(h, 0.5)));
	ck_assert(isnan(cs_hist_quantile(h, 0)));
	ck_assert(isnan(cs_hist_quantile(h, 1)));
	ck_assert(isnan(cs_hist_mean(h)));
	ck_assert(isnan(cs_hist_tail(h, 0.1)));
	/* reset after use empties it again */
	cs_hist_add(h, 0.5);
	ck_assert(cs_hist_quantile(h, 0.5) == 0.5);
	cs_hist_reset(h);
	ck_assert(isnan(cs_hist_quantile(h, 0.5)));
	ck_assert(isinf(h->min) && h->min > 0);
	ck_assert(isinf(h->max) && h->max < 0);
	free(h);
}
END_TEST

START_TEST(hist_tail_fraction_above)
{
	cs_hist *h = hist_new();
	int i;

	/* 1000 values evenly over (0, 1] s: P(v > t) = 1 - t */
	for (i = 1; i <= 1000; i++)
		cs_hist_add(h, i / 1000.0);
	ck_assert(fabs(cs_hist_tail(h, 0.5) - 0.5) <= 0.01);
	ck_assert(fabs(cs_hist_tail(h, 0.9) - 0.1) <= 0.01);
	ck_assert(cs_hist_tail(h, 2.0) == 0.0);
	ck_assert(cs_hist_tail(h, 1e-6) == 1.0);
	free(h);
}
END_TEST

START_TEST(hist_memory_is_fixed)
{
	cs_hist *h = hist_new();
	size_t i;

	/* 51 powers of two x 64 buckets of 8 bytes, plus the four summaries:
	 * 26144 bytes whatever the number of samples */
	ck_assert_int_eq(CS_HIST_BUCKETS, 51 * 64);
	ck_assert_uint_eq(sizeof(cs_hist),
	                  offsetof(cs_hist, b) + CS_HIST_BUCKETS * sizeof(uint64_t));
	ck_assert_uint_eq(sizeof(cs_hist), 26144);
	for (i = 0; i < 2000000; i++)
		cs_hist_add(h, 1e-3 * (double)(i % 977 + 1));
	ck_assert_uint_eq(h->count, 2000000);
	ck_assert(h->max == 0.977);
	free(h);
}
END_TEST

static Suite *
hist_suite(void)
{
	Suite *s = suite_create("hist");
	TCase *tc = tcase_create("hist");

	tcase_add_test(tc, hist_quantiles_within_bound_exponential);
	tcase_add_test(tc, hist_quantiles_within_bound_lognormal);
	tcase_add_test(tc, hist_single_values_across_range);
	tcase_add_test(tc, hist_tiny_and_huge_values_clamp);
	tcase_add_test(tc, hist_merge_equals_adding_all);
	tcase_add_test(tc, hist_empty_gives_nan);
	tcase_add_test(tc, hist_tail_fraction_above);
	tcase_add_test(tc, hist_memory_is_fixed);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return cs_test_run(hist_suite());
}
