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
 * The model's generator: MT19937 exactly as GSL's gsl_rng_mt19937 (the
 * same seeding, the same numbers), with its state readable here, so that
 * the hot draws take a number in a few instructions inline instead of two
 * indirect calls into GSL.  Every GSL function takes it like any gsl_rng.
 * Allocate with gsl_rng_alloc(cs_rng_mt19937).
 */
#define CS_MT_N 624
typedef struct cs_mt_state {
	uint32_t mt[CS_MT_N];
	int mti;              /* next word; CS_MT_N: regenerate first */
} cs_mt_state;

extern const gsl_rng_type *cs_rng_mt19937;

/* Regenerate the state's 624 words (every 624th draw). */
void cs_mt_refill(cs_mt_state *s);

/* gsl_rng_uniform(r), in [0, 1): inline for cs_rng_mt19937. */
/* The next tempered 32-bit word of MT19937 (GSL's, word for word). */
static inline uint32_t
cs_mt_next(cs_mt_state *s)
{
	uint32_t k;

	if (s->mti >= CS_MT_N)
		cs_mt_refill(s);
	k = s->mt[s->mti++];
	k ^= k >> 11;
	k ^= (k << 7) & 0x9d2c5680u;
	k ^= (k << 15) & 0xefc60000u;
	k ^= k >> 18;
	return k;
}

static inline double
cs_rng_uniform(gsl_rng *r)
{
	cs_mt_state *s;
	uint32_t k;

	if (r->type != cs_rng_mt19937)
		return gsl_rng_uniform(r);
	s = r->state;
	k = cs_mt_next(s);
	return k / 4294967296.0;
}

double cs_dist_sample_slow(const cs_dist *d, gsl_rng *r);

/* One draw, seconds (>= 0).  The constant, exponential and uniform draws
 * are inline and give the numbers GSL's would (gsl_ran_exponential:
 * -mean log1p(-u); gsl_ran_flat: a (1 - u) + b u).  Always inline: left
 * to itself the compiler made it a function, a call and saved registers
 * per draw. */
static inline __attribute__((always_inline)) double
cs_dist_sample(const cs_dist *d, gsl_rng *r)
{
	double u;

	switch (d->kind) {
	case CS_DIST_CONST:
		return d->p1 * d->scale;
	case CS_DIST_EXP:
		u = cs_rng_uniform(r);
		return -d->p1 * log1p(-u) * d->scale;
	case CS_DIST_UNIFORM:
		u = cs_rng_uniform(r);
		return (d->p1 * (1 - u) + d->p2 * u) * d->scale;
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
