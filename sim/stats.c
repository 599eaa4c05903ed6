/* Confidence intervals and time-weighted levels. */
#include <math.h>

#include <gsl/gsl_cdf.h>

#include "sim/stats.h"

double
cs_stats_t975(size_t n)
{
	if (n < 2)
		return NAN;
	return gsl_cdf_tdist_Pinv(0.975, (double)(n - 1));
}

void
cs_stats_ci(const double *x, size_t n, double *mean, double *lo, double *hi)
{
	double m = 0, m2 = 0, h;
	size_t k = 0, i;

	/* Welford: stable for values with a large common offset */
	for (i = 0; i < n; i++) {
		double d;

		if (isnan(x[i]))
			continue;
		k++;
		d = x[i] - m;
		m += d / (double)k;
		m2 += d * (x[i] - m);
	}
	if (k == 0) {
		*mean = *lo = *hi = NAN;
		return;
	}
	*mean = m;
	if (k < 2) {
		*lo = *hi = NAN;
		return;
	}
	h = cs_stats_t975(k) * sqrt(m2 / (double)(k - 1) / (double)k);
	*lo = m - h;
	*hi = m + h;
}

void
cs_tstat_init(cs_tstat *s, double now, double value)
{
	s->value = value;
	s->last = now;
	s->t0 = now;
	s->area = 0;
	s->total = 0;
	s->max = value;
}

void
cs_tstat_reset(cs_tstat *s, double now)
{
	s->last = now;
	s->t0 = now;
	s->area = 0;
	s->max = s->value;
}

double
cs_tstat_mean(const cs_tstat *s, double now)
{
	double span = now - s->t0;

	if (span <= 0)
		return s->value;
	return (s->area + s->value * (now - s->last)) / span;
}
