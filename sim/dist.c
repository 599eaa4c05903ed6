/* Random durations and stream seeding. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>

#include "sim/dist.h"

#define Z95 1.6448536269514722 /* standard normal 95th percentile */

static void
init(cs_dist *d, cs_dist_kind k, double p1, double p2)
{
	memset(d, 0, sizeof *d);
	d->kind = k;
	d->p1 = p1;
	d->p2 = p2;
	d->scale = 1;
}

void cs_dist_const(cs_dist *d, double v) { init(d, CS_DIST_CONST, v, 0); }
void cs_dist_exp(cs_dist *d, double mean) { init(d, CS_DIST_EXP, mean, 0); }

void
cs_dist_lognormal_median_p95(cs_dist *d, double median, double p95)
{
	init(d, CS_DIST_LOGNORMAL, log(median), log(p95 / median) / Z95);
}

void
cs_dist_lognormal_mean_cv(cs_dist *d, double mean, double cv)
{
	double s2 = log1p(cv * cv);

	init(d, CS_DIST_LOGNORMAL, log(mean) - s2 / 2, sqrt(s2));
}

void
cs_dist_gamma_mean_cv(cs_dist *d, double mean, double cv)
{
	init(d, CS_DIST_GAMMA, 1 / (cv * cv), mean * cv * cv);
}

cs_status
cs_dist_empirical(cs_dist *d, const double *q, const double *x, size_t n)
{
	init(d, CS_DIST_EMPIRICAL, 0, 0);
	d->x = malloc(n * sizeof *d->x);
	d->q = malloc(n * sizeof *d->q);
	if (!d->x || !d->q) {
		cs_dist_destroy(d);
		return CS_ERR_NOMEM;
	}
	memcpy(d->x, x, n * sizeof *x);
	memcpy(d->q, q, n * sizeof *q);
	d->n = n;
	return CS_OK;
}

cs_status
cs_dist_copy(cs_dist *dst, const cs_dist *src)
{
	double scale = src->scale;

	if (src->kind == CS_DIST_EMPIRICAL) {
		cs_status s = cs_dist_empirical(dst, src->q, src->x, src->n);

		dst->scale = scale;
		return s;
	}
	*dst = *src;
	return CS_OK;
}

void
cs_dist_destroy(cs_dist *d)
{
	free(d->x);
	free(d->q);
	d->x = d->q = NULL;
	d->n = 0;
}

/* Inverse CDF of the empirical points at u in [0,1]: O(log n). */
static double
empirical_at(const cs_dist *d, double u)
{
	size_t lo = 0, hi = d->n - 1;

	if (d->n == 1 || u <= d->q[0])
		return d->x[0];
	if (u >= d->q[hi])
		return d->x[hi];
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (d->q[mid] <= u)
			lo = mid;
		else
			hi = mid;
	}
	if (d->q[hi] == d->q[lo])
		return d->x[hi];
	return d->x[lo] + (d->x[hi] - d->x[lo]) * (u - d->q[lo]) /
	       (d->q[hi] - d->q[lo]);
}

/* The draws cs_dist_sample does not make inline. */
double
cs_dist_sample_slow(const cs_dist *d, gsl_rng *r)
{
	double v;

	switch (d->kind) {
	case CS_DIST_CONST: v = d->p1; break;
	case CS_DIST_EXP: v = gsl_ran_exponential(r, d->p1); break;
	case CS_DIST_UNIFORM: v = gsl_ran_flat(r, d->p1, d->p2); break;
	case CS_DIST_LOGNORMAL: v = gsl_ran_lognormal(r, d->p1, d->p2); break;
	case CS_DIST_GAMMA: v = gsl_ran_gamma(r, d->p1, d->p2); break;
	case CS_DIST_WEIBULL: v = gsl_ran_weibull(r, d->p2, d->p1); break;
	case CS_DIST_EMPIRICAL: v = empirical_at(d, gsl_rng_uniform(r)); break;
	default: v = 0; break;
	}
	return v * d->scale;
}

double
cs_dist_mean(const cs_dist *d)
{
	double m = 0;
	size_t i;

	switch (d->kind) {
	case CS_DIST_CONST: m = d->p1; break;
	case CS_DIST_EXP: m = d->p1; break;
	case CS_DIST_UNIFORM: m = (d->p1 + d->p2) / 2; break;
	case CS_DIST_LOGNORMAL: m = exp(d->p1 + d->p2 * d->p2 / 2); break;
	case CS_DIST_GAMMA: m = d->p1 * d->p2; break;
	case CS_DIST_WEIBULL: m = d->p2 * gsl_sf_gamma(1 + 1 / d->p1); break;
	case CS_DIST_EMPIRICAL:
		/* piecewise-linear inverse CDF: trapezoids in q */
		for (i = 1; i < d->n; i++)
			m += (d->q[i] - d->q[i - 1]) * (d->x[i] + d->x[i - 1]) / 2;
		if (d->n)
			m += d->q[0] * d->x[0] + (1 - d->q[d->n - 1]) * d->x[d->n - 1];
		break;
	}
	return m * d->scale;
}

double
cs_dist_quantile(const cs_dist *d, double q)
{
	double v = 0;

	switch (d->kind) {
	case CS_DIST_CONST: v = d->p1; break;
	case CS_DIST_EXP: v = -d->p1 * log1p(-q); break;
	case CS_DIST_UNIFORM: v = d->p1 + q * (d->p2 - d->p1); break;
	case CS_DIST_LOGNORMAL: v = gsl_cdf_lognormal_Pinv(q, d->p1, d->p2); break;
	case CS_DIST_GAMMA: v = gsl_cdf_gamma_Pinv(q, d->p1, d->p2); break;
	case CS_DIST_WEIBULL: v = gsl_cdf_weibull_Pinv(q, d->p2, d->p1); break;
	case CS_DIST_EMPIRICAL: v = empirical_at(d, q); break;
	}
	return v * d->scale;
}

/* ---- MT19937 (Matsumoto and Nishimura, 1998; the 2002 seeding) ---------- */

#define MT_M 397
#define MT_UPPER 0x80000000u
#define MT_LOWER 0x7fffffffu

static inline uint32_t
mt_twist(uint32_t a, uint32_t b, uint32_t c)
{
	uint32_t y = (a & MT_UPPER) | (b & MT_LOWER);

	return c ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0);
}

void
cs_mt_refill(cs_mt_state *s)
{
	uint32_t *mt = s->mt;
	int k;

	for (k = 0; k < CS_MT_N - MT_M; k++)
		mt[k] = mt_twist(mt[k], mt[k + 1], mt[k + MT_M]);
	for (; k < CS_MT_N - 1; k++)
		mt[k] = mt_twist(mt[k], mt[k + 1], mt[k + MT_M - CS_MT_N]);
	mt[CS_MT_N - 1] = mt_twist(mt[CS_MT_N - 1], mt[0], mt[MT_M - 1]);
	s->mti = 0;
}

static unsigned long
mt_get(void *vs)
{
	return cs_mt_next(vs);
}

static double
mt_get_double(void *vs)
{
	return (double)mt_get(vs) / 4294967296.0;
}

/* As GSL seeds its mt19937: 0 means 4357. */
static void
mt_set(void *vs, unsigned long seed)
{
	cs_mt_state *s = vs;
	int i;

	s->mt[0] = (uint32_t)(seed ? seed : 4357);
	for (i = 1; i < CS_MT_N; i++)
		s->mt[i] = 1812433253u * (s->mt[i - 1] ^ (s->mt[i - 1] >> 30)) +
		           (uint32_t)i;
	s->mti = CS_MT_N;
}

static const gsl_rng_type mt_type = {
	.name = "capsim-mt19937",
	.max = 0xffffffffUL,
	.min = 0,
	.size = sizeof(cs_mt_state),
	.set = mt_set,
	.get = mt_get,
	.get_double = mt_get_double,
};

const gsl_rng_type *cs_rng_mt19937 = &mt_type;

static uint64_t
splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

unsigned long
cs_rng_seed(uint64_t seed, uint64_t rep, uint64_t stream)
{
	uint64_t h = splitmix64(seed);

	h = splitmix64(h ^ (rep * 0x100000001b3ULL));
	h = splitmix64(h ^ (stream * 0xc2b2ae3d27d4eb4fULL));
	/* mt19937 takes 32 bits; 0 would be replaced by its default seed */
	h &= 0xffffffffULL;
	return (unsigned long)(h ? h : 1);
}
