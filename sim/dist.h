/*
 * sim/dist — random durations.
 *
 * Parameters are stored in the form the sampler needs; the constructors take
 * what people know (median and p95, mean and cv) and convert.  Every sample
 * is multiplied by scale (1 by default), so "the AI provider gets 2x slower"
 * is one number.
 */
#ifndef CS_SIM_DIST_H
#define CS_SIM_DIST_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "capsim.h"

typedef enum cs_dist_kind {
	CS_DIST_CONST,       /* p1 = value */
	CS_DIST_EXP,         /* p1 = mean */
	CS_DIST_UNIFORM,     /* p1 = min, p2 = max */
	CS_DIST_LOGNORMAL,   /* p1 = mu, p2 = sigma of log */
	CS_DIST_GAMMA,       /* p1 = shape k, p2 = scale theta */
	CS_DIST_WEIBULL,     /* p1 = shape k, p2 = scale lambda */
	CS_DIST_EMPIRICAL    /* x[0..n) values at cumulative probs q[0..n) */
} cs_dist_kind;

typedef struct cs_dist {
	cs_dist_kind kind;
	double p1, p2;
	double scale;
	double *x, *q; /* empirical only; owned (freed by cs_dist_destroy) */
	size_t n;
} cs_dist;

void cs_dist_const(cs_dist *d, double v);
void cs_dist_exp(cs_dist *d, double mean);
/* median > 0, p95 >= median. */
void cs_dist_lognormal_median_p95(cs_dist *d, double median, double p95);
void cs_dist_lognormal_mean_cv(cs_dist *d, double mean, double cv);
void cs_dist_gamma_mean_cv(cs_dist *d, double mean, double cv);
/*
 * Empirical inverse CDF through points (q[i], x[i]), q increasing in [0,1],
 * x non-decreasing; linear between points.  Copies the arrays.
 */
cs_status cs_dist_empirical(cs_dist *d, const double *q, const double *x,
                            size_t n);
/* Deep copy (empirical arrays included). */
cs_status cs_dist_copy(cs_dist *dst, const cs_dist *src);
void cs_dist_destroy(cs_dist *d);

/* ---- random streams --------------------------------------------------- */

/*
 * The model's generator: xoshiro256** (Blackman and Vigna, 2018), its 256
 * bits of state seeded by splitmix64 from the stream's seed, with its state
 * readable here, so that the hot draws take a number in a few instructions
 * inline instead of two indirect calls into GSL.  Every GSL function takes
 * it like any gsl_rng (gsl_rng_get gives the upper 32 bits of a draw,
 * gsl_rng_uniform its upper 53).  Allocate with gsl_rng_alloc(cs_rng_xoshiro).
 */
typedef struct cs_xo_state {
	uint64_t s[4];
} cs_xo_state;

extern const gsl_rng_type *cs_rng_xoshiro;

static inline uint64_t
cs_xo_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* The next 64-bit word of xoshiro256**. */
static inline uint64_t
cs_xo_next(cs_xo_state *st)
{
	uint64_t *s = st->s;
	uint64_t r = cs_xo_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = cs_xo_rotl(s[3], 45);
	return r;
}

/* Uniform in [0, 1): the upper 53 bits. */
static inline double
cs_xo_uniform(cs_xo_state *s)
{
	return (double)(cs_xo_next(s) >> 11) * 0x1.0p-53;
}

/* gsl_rng_uniform(r), in [0, 1): inline for cs_rng_xoshiro. */
static inline double
cs_rng_uniform(gsl_rng *r)
{
	if (r->type != cs_rng_xoshiro)
		return gsl_rng_uniform(r);
	return cs_xo_uniform(r->state);
}

/*
 * Exponential (mean 1) and standard normal draws by the ziggurat method
 * (Marsaglia and Tsang, 2000) with 256 layers: one 64-bit word, its low 8
 * bits choose the layer and its upper bits the point, and about 99% of
 * draws are accepted at the first test.  cs_zig_*_x[i] is layer i's right
 * edge (x[0] the base's equivalent width, x[1] the tail's start r, x[256]
 * = 0), cs_zig_*_f the density there; filled once at start-up.
 */
extern double cs_zig_exp_x[257], cs_zig_exp_f[257];
extern double cs_zig_norm_x[257], cs_zig_norm_f[257];
double cs_zig_exp_slow(cs_xo_state *s, unsigned i, double x);
double cs_zig_norm_slow(cs_xo_state *s, unsigned i, double x);

static inline double
cs_zig_exp(cs_xo_state *s)
{
	uint64_t b = cs_xo_next(s);
	unsigned i = (unsigned)(b & 0xff);
	double x = (double)(b >> 11) * 0x1.0p-53 * cs_zig_exp_x[i];

	if (x < cs_zig_exp_x[i + 1])
		return x;
	return cs_zig_exp_slow(s, i, x);
}

static inline double
cs_zig_norm(cs_xo_state *s)
{
	uint64_t b = cs_xo_next(s);
	unsigned i = (unsigned)(b & 0xff);
	/* the upper 53 bits as a signed number: (-1, 1) * x[i] */
	double x = (double)((int64_t)b >> 11) * 0x1.0p-52 * cs_zig_norm_x[i];

	if (fabs(x) < cs_zig_norm_x[i + 1])
		return x;
	return cs_zig_norm_slow(s, i, x);
}

/* Gamma (shape k, scale 1) by Marsaglia and Tsang (2000) on the draws above. */
double cs_xo_gamma(cs_xo_state *s, double k);

/* Any distribution on any gsl_rng, by GSL's own draws (the inline ones
 * below are for cs_rng_xoshiro). */
double cs_dist_sample_gsl(const cs_dist *d, gsl_rng *r);
/* The draws on cs_rng_xoshiro that cs_dist_sample does not make inline. */
double cs_dist_sample_slow(const cs_dist *d, gsl_rng *r);

/* One draw, seconds (>= 0).  On cs_rng_xoshiro the constant, exponential,
 * uniform and lognormal draws are inline (exponential and normal by the
 * ziggurat; lognormal exp(mu + sigma z)).  Always inline: left to itself
 * the compiler made it a function, a call and saved registers per draw. */
static inline __attribute__((always_inline)) double
cs_dist_sample(const cs_dist *d, gsl_rng *r)
{
	cs_xo_state *s;

	if (d->kind == CS_DIST_CONST)
		return d->p1 * d->scale;
	if (r->type != cs_rng_xoshiro)
		return cs_dist_sample_gsl(d, r);
	s = r->state;
	switch (d->kind) {
	case CS_DIST_EXP:
		return d->p1 * cs_zig_exp(s) * d->scale;
	case CS_DIST_UNIFORM: {
		double u = cs_xo_uniform(s);

		return (d->p1 * (1 - u) + d->p2 * u) * d->scale;
	}
	case CS_DIST_LOGNORMAL:
		return exp(d->p1 + d->p2 * cs_zig_norm(s)) * d->scale;
	default:
		return cs_dist_sample_slow(d, r);
	}
}
double cs_dist_mean(const cs_dist *d);
/* Quantile q in (0,1) of the distribution (scale applied). */
double cs_dist_quantile(const cs_dist *d, double q);

/* A seed for stream `stream` of replication `rep`: splitmix64 of the three,
 * so streams are independent and a stream's numbers do not depend on how
 * many other streams there are. */
unsigned long cs_rng_seed(uint64_t seed, uint64_t rep, uint64_t stream);

#endif
