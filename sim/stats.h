/*
 * sim/stats — confidence intervals across replications and time-weighted
 * averages within one.
 */
#ifndef CS_SIM_STATS_H
#define CS_SIM_STATS_H

#include <stddef.h>

/*
 * Mean of x[0..n) and its 95% confidence interval by Student's t with n-1
 * degrees of freedom.  NaN values are skipped.  With fewer than 2 values the
 * interval is NaN (unknown), not zero.
 */
void cs_stats_ci(const double *x, size_t n, double *mean, double *lo,
                 double *hi);

/* Half-width factor t_{0.975, n-1}; NaN for n < 2. */
double cs_stats_t975(size_t n);

/*
 * A level that changes at event times (busy workers, pool in use): its
 * time-average and maximum since the last reset.
 */
typedef struct cs_tstat {
	double value;  /* current level */
	double last;   /* seconds, simulated: time of last change */
	double t0;     /* seconds, simulated: start of the window */
	double area;   /* level x seconds, since t0 */
	double total;  /* level x seconds, since 0: never reset */
	double max;
} cs_tstat;

void cs_tstat_init(cs_tstat *s, double now, double value);
/* Restart the window at now, keeping the current level. */
void cs_tstat_reset(cs_tstat *s, double now);

static inline void
cs_tstat_set(cs_tstat *s, double now, double value)
{
	double a = s->value * (now - s->last);

	s->area += a;
	s->total += a;
	s->last = now;
	s->value = value;
	if (value > s->max)
		s->max = value;
}

/* A level never exceeds its max (init, reset and set keep it so), so a
 * fall cannot raise it: with a constant delta (the callers' +1 and -1)
 * the compiler drops the test where it cannot be true. */
static inline void
cs_tstat_add(cs_tstat *s, double now, double delta)
{
	double a = s->value * (now - s->last), value = s->value + delta;

	s->area += a;
	s->total += a;
	s->last = now;
	s->value = value;
	if (delta > 0 && value > s->max)
		s->max = value;
}

/* Time-average over [t0, now]; the current level if the window is empty. */
double cs_tstat_mean(const cs_tstat *s, double now);

/* Level x seconds from 0 to now (for averages over any interval). */
static inline double
cs_tstat_total(const cs_tstat *s, double now)
{
	return s->total + s->value * (now - s->last);
}

#endif
