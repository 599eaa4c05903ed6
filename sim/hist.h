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
void cs_hist_add(cs_hist *h, double v);
/* Add every sample of src to dst. */
void cs_hist_merge(cs_hist *dst, const cs_hist *src);
/* Nearest-rank quantile q in [0,1] (q = 1: the max).  NaN when empty. */
double cs_hist_quantile(const cs_hist *h, double q);
/* Fraction of samples > t (bucket resolution).  NaN when empty. */
double cs_hist_tail(const cs_hist *h, double t);
double cs_hist_mean(const cs_hist *h);

#endif
