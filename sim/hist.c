/* Log-bucket histogram: see hist.h for the error bound. */
#include <math.h>
#include <string.h>

#include "sim/hist.h"

void
cs_hist_reset(cs_hist *h)
{
	memset(h, 0, sizeof *h);
	h->min = INFINITY;
	h->max = -INFINITY;
}

/* Lower edge of bucket b in seconds. */
static double
bucket_low(int b)
{
	int e = b / CS_HIST_SUB + CS_HIST_EMIN + 1;
	int i = b % CS_HIST_SUB;

	return ldexp(0.5 + (double)i / (2 * CS_HIST_SUB), e);
}

void
cs_hist_merge(cs_hist *dst, const cs_hist *src)
{
	int i;

	if (src->count == 0)
		return;
	for (i = 0; i < CS_HIST_BUCKETS; i++)
		dst->b[i] += src->b[i];
	dst->count += src->count;
	dst->sum += src->sum;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

double
cs_hist_quantile(const cs_hist *h, double q)
{
	uint64_t rank, cum = 0;
	int i;

	if (h->count == 0)
		return NAN;
	if (q >= 1)
		return h->max;
	if (q <= 0)
		return h->min;
	rank = (uint64_t)ceil(q * (double)h->count);
	if (rank < 1)
		rank = 1;
	for (i = 0; i < CS_HIST_BUCKETS; i++) {
		cum += h->b[i];
		if (cum >= rank) {
			double lo = bucket_low(i), hi = bucket_low(i + 1);
			double mid = 0.5 * (lo + hi);

			if (mid < h->min)
				mid = h->min;
			if (mid > h->max)
				mid = h->max;
			return mid;
		}
	}
	return h->max;
}

double
cs_hist_tail(const cs_hist *h, double t)
{
	uint64_t above = 0;
	int i, b;

	if (h->count == 0)
		return NAN;
	b = cs_hist_bucket(t);
	for (i = b + 1; i < CS_HIST_BUCKETS; i++)
		above += h->b[i];
	/* the bucket holding t: assume uniform within it */
	if (h->b[b]) {
		double lo = bucket_low(b), hi = bucket_low(b + 1);
		double f = (hi - t) / (hi - lo);

		if (f < 0)
			f = 0;
		if (f > 1)
			f = 1;
		return ((double)above + f * (double)h->b[b]) / (double)h->count;
	}
	return (double)above / (double)h->count;
}

double
cs_hist_mean(const cs_hist *h)
{
	return h->count ? h->sum / (double)h->count : NAN;
}
