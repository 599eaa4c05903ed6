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

#include <stddef.h>

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

/* One draw, seconds (>= 0). */
double cs_dist_sample(const cs_dist *d, gsl_rng *r);
double cs_dist_mean(const cs_dist *d);
/* Quantile q in (0,1) of the distribution (scale applied). */
double cs_dist_quantile(const cs_dist *d, double q);

/* ---- random streams --------------------------------------------------- */

/* A seed for stream `stream` of replication `rep`: splitmix64 of the three,
 * so streams are independent and a stream's numbers do not depend on how
 * many other streams there are. */
unsigned long cs_rng_seed(uint64_t seed, uint64_t rep, uint64_t stream);

#endif
