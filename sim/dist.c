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

/* Any distribution by GSL's own draws, on any generator. */
double
cs_dist_sample_gsl(const cs_dist *d, gsl_rng *r)
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

/* The draws on cs_rng_xoshiro that cs_dist_sample does not make inline. */
double
cs_dist_sample_slow(const cs_dist *d, gsl_rng *r)
{
	cs_xo_state *s = r->state;

	switch (d->kind) {
	case CS_DIST_GAMMA:
		return cs_xo_gamma(s, d->p1) * d->p2 * d->scale;
	case CS_DIST_EMPIRICAL:
		return empirical_at(d, cs_xo_uniform(s)) * d->scale;
	default:
		return cs_dist_sample_gsl(d, r);
	}
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

/* ---- xoshiro256** (Blackman and Vigna, 2018) ----------------------------- */

static uint64_t
splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static unsigned long
xo_get(void *vs)
{
	return (unsigned long)(cs_xo_next(vs) >> 32);
}

static double
xo_get_double(void *vs)
{
	return cs_xo_uniform(vs);
}

/* The state: four successive outputs of splitmix64 started at the seed, as
 * the generator's authors advise (never all zero). */
static void
xo_set(void *vs, unsigned long seed)
{
	cs_xo_state *s = vs;
	uint64_t z = seed;
	int i;

	for (i = 0; i < 4; i++) {
		s->s[i] = splitmix64(z);
		z += 0x9e3779b97f4a7c15ULL;
	}
}

static const gsl_rng_type xo_type = {
	.name = "capsim-xoshiro256**",
	.max = 0xffffffffUL,
	.min = 0,
	.size = sizeof(cs_xo_state),
	.set = xo_set,
	.get = xo_get,
	.get_double = xo_get_double,
};

const gsl_rng_type *cs_rng_xoshiro = &xo_type;

unsigned long
cs_rng_seed(uint64_t seed, uint64_t rep, uint64_t stream)
{
	uint64_t h = splitmix64(seed);

	h = splitmix64(h ^ (rep * 0x100000001b3ULL));
	h = splitmix64(h ^ (stream * 0xc2b2ae3d27d4eb4fULL));
	return (unsigned long)h;
}

/* ---- the ziggurat (Marsaglia and Tsang, 2000; 256 layers) ---------------- */

#define ZIG_EXP_R 7.69711747013104972
#define ZIG_EXP_V 3.949659822581572e-3
#define ZIG_NORM_R 3.6541528853610088
#define ZIG_NORM_V 4.92867323399e-3

double cs_zig_exp_x[257], cs_zig_exp_f[257];
double cs_zig_norm_x[257], cs_zig_norm_f[257];

static double exp_pdf(double x) { return exp(-x); }
static double exp_inv(double y) { return -log(y); }
static double norm_pdf(double x) { return exp(-x * x / 2); }
static double norm_inv(double y) { return sqrt(-2 * log(y)); }

/* Layer i spans [0, x[i]) at heights f(x[i]) .. f(x[i+1]); each layer and
 * the base (the strip under f(r) plus the tail) have the area v. */
static void
zig_tables(double *x, double *f, double r, double v, double (*pdf)(double),
           double (*inv)(double))
{
	int i;

	x[0] = v / pdf(r);
	x[1] = r;
	for (i = 2; i < 256; i++)
		x[i] = inv(v / x[i - 1] + pdf(x[i - 1]));
	x[256] = 0;
	for (i = 0; i < 257; i++)
		f[i] = pdf(x[i]);
}

__attribute__((constructor)) static void
zig_init(void)
{
	zig_tables(cs_zig_exp_x, cs_zig_exp_f, ZIG_EXP_R, ZIG_EXP_V, exp_pdf,
	           exp_inv);
	zig_tables(cs_zig_norm_x, cs_zig_norm_f, ZIG_NORM_R, ZIG_NORM_V,
	           norm_pdf, norm_inv);
}

/* Rejected by the fast test: the tail (i = 0) or the wedge's test; a
 * point the wedge rejects starts a new draw (about 1 in 100 do, so the
 * calls back into the inline draw nest no deeper in practice). */
double
cs_zig_exp_slow(cs_xo_state *s, unsigned i, double x)
{
	if (i == 0) /* the tail beyond r is r + Exp(1) */
		return ZIG_EXP_R - log1p(-cs_xo_uniform(s));
	if (cs_zig_exp_f[i + 1] + (cs_zig_exp_f[i] - cs_zig_exp_f[i + 1]) *
	    cs_xo_uniform(s) < exp(-x))
		return x;
	return cs_zig_exp(s);
}

double
cs_zig_norm_slow(cs_xo_state *s, unsigned i, double x)
{
	if (i == 0) {
		/* the tail beyond r (Marsaglia, 1964) */
		double a, y;

		do {
			a = log1p(-cs_xo_uniform(s)) / ZIG_NORM_R;
			y = log1p(-cs_xo_uniform(s));
		} while (-2 * y < a * a);
		return x < 0 ? a - ZIG_NORM_R : ZIG_NORM_R - a;
	}
	if (cs_zig_norm_f[i + 1] + (cs_zig_norm_f[i] - cs_zig_norm_f[i + 1]) *
	    cs_xo_uniform(s) < exp(-x * x / 2))
		return x;
	return cs_zig_norm(s);
}

/* Marsaglia and Tsang's gamma (2000), as GSL's gsl_ran_gamma; shape k < 1
 * by Gamma(k + 1) U^(1/k). */
double
cs_xo_gamma(cs_xo_state *s, double k)
{
	double d, c, x, v, u;

	if (k < 1) {
		u = cs_xo_uniform(s);
		return cs_xo_gamma(s, 1 + k) * pow(1 - u, 1 / k);
	}
	d = k - 1.0 / 3;
	c = 1 / sqrt(9 * d);
	for (;;) {
		do {
			x = cs_zig_norm(s);
			v = 1 + c * x;
		} while (v <= 0);
		v = v * v * v;
		u = cs_xo_uniform(s);
		if (u < 1 - 0.0331 * x * x * x * x)
			break;
		if (log(u) < 0.5 * x * x + d * (1 - v + log(v)))
			break;
	}
	return d * v;
}
