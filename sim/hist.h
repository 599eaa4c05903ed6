/*
 * sim/hist — latency histogram with logarithmic buckets.
 *
 * A value v > 0 is written v = m * 2^e with m in [0.5, 1); each power of two
 * is split into CS_HIST_SUB linear buckets, so a bucket is at most 1/64 of
 * its lower edge wide and its midpoint is within 0.8% of any value in it.
 * Range 2^-30 s (about 1 ns) to 2^21 s (24 days); values outside are clamped
 * into the end buckets (exact min and max are kept beside).  Fixed size:
 * memory does not grow with the number of samples.  Adding is O(1).
 */
#ifndef CS_SIM_HIST_H
#define CS_SIM_HIST_H

#include <stdint.h>
#include <string.h>

#define CS_HIST_SUB 64
#define CS_HIST_EMIN (-30)
#define CS_HIST_EMAX 21
#define CS_HIST_BUCKETS ((CS_HIST_EMAX - CS_HIST_EMIN) * CS_HIST_SUB)

typedef struct cs_hist {
	uint64_t count;
	double sum;   /* seconds */
	double min;   /* seconds */
	double max;   /* seconds */
	uint64_t b[CS_HIST_BUCKETS];
} cs_hist;

void cs_hist_reset(cs_hist *h);

/* The bucket of v, read off its bits: the exponent e of v = m 2^e (m in
 * [0.5, 1)) and the top 6 bits of the fraction, which are (m - 0.5) x 128
 * truncated, exactly.  Inline, so that one response's several adds (the
 * overall and the endpoint's histograms, all and ok) compute it once. */
_Static_assert(CS_HIST_SUB == 64, "cs_hist_bucket reads 6 fraction bits");

static inline int
cs_hist_bucket(double v)
{
	uint64_t bits;
	int e;

	if (!(v > 0))
		return 0;
	memcpy(&bits, &v, sizeof bits);
	e = (int)(bits >> 52) - 1022; /* subnormals: -1022, clamped below */
	if (e <= CS_HIST_EMIN)
		return 0;
	if (e > CS_HIST_EMAX)
		return CS_HIST_BUCKETS - 1;
	return (e - CS_HIST_EMIN - 1) * CS_HIST_SUB +
	       (int)(bits >> 46 & (CS_HIST_SUB - 1));
}

/* O(1). */
static inline void
cs_hist_add(cs_hist *h, double v)
{
	h->b[cs_hist_bucket(v)]++;
	h->count++;
	h->sum += v;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}
/* Add every sample of src to dst. */
void cs_hist_merge(cs_hist *dst, const cs_hist *src);
/* Nearest-rank quantile q in [0,1] (q = 1: the max).  NaN when empty. */
double cs_hist_quantile(const cs_hist *h, double q);
/* Fraction of samples > t (bucket resolution).  NaN when empty. */
double cs_hist_tail(const cs_hist *h, double t);
double cs_hist_mean(const cs_hist *h);

#endif
