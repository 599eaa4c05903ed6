/*
 * Closed forms of queueing theory, for validating the simulator.  See
 * analytic.h for the formulas, units and conventions.
 */
#include "analytic.h"

#include <math.h>
#include <stdlib.h>

/* A rate that may be zero (an arrival rate). */
static int bad_arrival(double lambda)
{
	return !(lambda >= 0.0) || isinf(lambda);
}

/* A rate that must be positive (a service rate). */
static int bad_service(double mu)
{
	return !(mu > 0.0) || isinf(mu);
}

/* ---- M/M/1 --------------------------------------------------------------- */

double cs_an_mm1_wq(double lambda, double mu)
{
	if (bad_arrival(lambda) || bad_service(mu))
		return NAN;
	if (lambda >= mu)
		return INFINITY;
	return lambda / (mu * (mu - lambda));
}

double cs_an_mm1_w(double lambda, double mu)
{
	if (bad_arrival(lambda) || bad_service(mu))
		return NAN;
	if (lambda >= mu)
		return INFINITY;
	return 1.0 / (mu - lambda);
}

double cs_an_mm1_resp_tail(double lambda, double mu, double t)
{
	if (bad_arrival(lambda) || bad_service(mu) || isnan(t))
		return NAN;
	if (lambda >= mu || t <= 0.0)
		return 1.0;
	return exp(-(mu - lambda) * t);
}

double cs_an_mm1_l(double lambda, double mu)
{
	if (bad_arrival(lambda) || bad_service(mu))
		return NAN;
	if (lambda >= mu)
		return INFINITY;
	return lambda / (mu - lambda);
}

/* ---- Erlang B and C ------------------------------------------------------ */

double cs_an_erlang_b(unsigned c, double a)
{
	double b = 1.0;
	unsigned k;

	if (!(a >= 0.0) || isinf(a))
		return NAN;
	/* Each step is a ratio of positive numbers below 1: no overflow,
	 * no cancellation, unlike a^c / c! over a partial exponential sum. */
	for (k = 1; k <= c; k++)
		b = a * b / ((double)k + a * b);
	return b;
}

double cs_an_erlang_c(unsigned c, double a)
{
	double b, rho;

	if (c == 0 || !(a >= 0.0) || isinf(a))
		return NAN;
	if (a >= (double)c)
		return 1.0;
	b = cs_an_erlang_b(c, a);
	rho = a / (double)c;
	return b / (1.0 - rho * (1.0 - b));
}

/* ---- M/M/c --------------------------------------------------------------- */

double cs_an_mmc_wq(unsigned c, double lambda, double mu)
{
	double cap;

	if (c == 0 || bad_arrival(lambda) || bad_service(mu))
		return NAN;
	cap = (double)c * mu;
	if (lambda >= cap)
		return INFINITY;
	return cs_an_erlang_c(c, lambda / mu) / (cap - lambda);
}

double cs_an_mmc_w(unsigned c, double lambda, double mu)
{
	double wq = cs_an_mmc_wq(c, lambda, mu);

	return isnan(wq) || isinf(wq) ? wq : wq + 1.0 / mu;
}

double cs_an_mmc_lq(unsigned c, double lambda, double mu)
{
	double wq = cs_an_mmc_wq(c, lambda, mu);

	return isnan(wq) || isinf(wq) ? wq : lambda * wq;
}

double cs_an_mmc_l(unsigned c, double lambda, double mu)
{
	double w = cs_an_mmc_w(c, lambda, mu);

	return isnan(w) || isinf(w) ? w : lambda * w;
}

double cs_an_mmc_wait_tail(unsigned c, double lambda, double mu, double t)
{
	double cap;

	if (c == 0 || bad_arrival(lambda) || bad_service(mu) || isnan(t))
		return NAN;
	cap = (double)c * mu;
	if (lambda >= cap)
		return 1.0;
	if (t < 0.0)
		return 1.0;
	return cs_an_erlang_c(c, lambda / mu) * exp(-(cap - lambda) * t);
}

/*
 * P(Exp(r1) + Exp(r2) > t) for t >= 0.  With lo <= hi the two rates,
 *   P = e^{-lo t} [1 + lo (1 - e^{-(hi-lo) t}) / (hi - lo)],
 * and (1 - e^{-d t}) / d = -expm1(-d t) / d tends to t as d -> 0, so the
 * equal-rate case (1 + lo t) e^{-lo t} is the same expression, and nearly
 * equal rates lose nothing to cancellation.  Never overflows: d >= 0.
 */
static double hypoexp_tail(double r1, double r2, double t)
{
	double lo = r1 < r2 ? r1 : r2;
	double d = fabs(r1 - r2);
	double f = d > 0.0 ? -expm1(-d * t) / d : t;

	return exp(-lo * t) * (1.0 + lo * f);
}

double cs_an_mmc_resp_tail(unsigned c, double lambda, double mu, double t)
{
	double cap, pw;

	if (c == 0 || bad_arrival(lambda) || bad_service(mu) || isnan(t))
		return NAN;
	cap = (double)c * mu;
	if (lambda >= cap)
		return 1.0;
	if (t <= 0.0)
		return 1.0;
	pw = cs_an_erlang_c(c, lambda / mu);
	return (1.0 - pw) * exp(-mu * t) + pw * hypoexp_tail(cap - lambda, mu, t);
}

/* ---- M/M/c/K ------------------------------------------------------------- */

cs_status cs_an_mmck_solve(unsigned c, unsigned k, double lambda, double mu,
                           struct cs_an_mmck *out)
{
	double t, g, sl, slq;
	unsigned n;

	if (out == NULL || c == 0 || k < c || bad_arrival(lambda) ||
	    bad_service(mu))
		return CS_ERR_INVALID;
	if (lambda == 0.0) {
		out->p_block = 0.0;
		out->throughput = 0.0;
		out->l = 0.0;
		out->lq = 0.0;
		out->w = 1.0 / mu;
		out->wq = 0.0;
		return CS_OK;
	}
	/* p_n is proportional to t_n = prod_{i<=n} a / min(i, c).  a^K / c!
	 * overflows a double for moderate K, so every sum is scaled down
	 * together when it grows large; terms that underflow are below
	 * 1e-300 of the total.  Summing log t_n instead would cost accuracy:
	 * the rounding of a log near 3000 is 1e-13 relative in t_n.
	 * One O(K) pass; t ends as the scaled t_K. */
	t = 1.0;
	g = 1.0;
	sl = 0.0;
	slq = 0.0;
	for (n = 1; n <= k; n++) {
		t *= lambda / (mu * (double)(n < c ? n : c));
		g += t;
		sl += (double)n * t;
		if (n > c)
			slq += (double)(n - c) * t;
		if (g > 1e200) {
			t *= 1e-200;
			g *= 1e-200;
			sl *= 1e-200;
			slq *= 1e-200;
		}
	}
	out->p_block = t / g;
	out->throughput = lambda * (1.0 - out->p_block);
	out->l = sl / g;
	out->lq = slq / g;
	out->w = out->l / out->throughput;
	out->wq = out->lq / out->throughput;
	return CS_OK;
}

/* ---- M/G/1 and M/D/1 ----------------------------------------------------- */

double cs_an_mg1_wq(double lambda, double es, double es2)
{
	double rho;

	if (bad_arrival(lambda) || !(es >= 0.0) || isinf(es) ||
	    !(es2 >= es * es) || isinf(es2))
		return NAN;
	rho = lambda * es;
	if (rho >= 1.0)
		return INFINITY;
	return lambda * es2 / (2.0 * (1.0 - rho));
}

double cs_an_mg1_w(double lambda, double es, double es2)
{
	double wq = cs_an_mg1_wq(lambda, es, es2);

	return isnan(wq) || isinf(wq) ? wq : wq + es;
}

double cs_an_md1_wq(double lambda, double s)
{
	return cs_an_mg1_wq(lambda, s, s * s);
}

double cs_an_md1_w(double lambda, double s)
{
	return cs_an_mg1_w(lambda, s, s * s);
}

/* ---- exact MVA ----------------------------------------------------------- */

cs_status cs_an_mva(unsigned n, double z, size_t k, const double *d,
                    double *x, double *r, double *util, double *qlen)
{
	double *q, xn = 0.0, rn = 0.0, dsum = 0.0;
	size_t i;
	unsigned m;

	if (!(z >= 0.0) || isinf(z) || (k > 0 && d == NULL))
		return CS_ERR_INVALID;
	for (i = 0; i < k; i++) {
		if (!(d[i] >= 0.0) || isinf(d[i]))
			return CS_ERR_INVALID;
		dsum += d[i];
	}
	if (n > 0 && z == 0.0 && dsum == 0.0)
		return CS_ERR_INVALID;
	q = calloc(k > 0 ? k : 1, sizeof *q);
	if (q == NULL)
		return CS_ERR_NOMEM;
	/* Arrival theorem: an arriving customer sees the network with one
	 * customer fewer.  O(k) per population step. */
	for (m = 1; m <= n; m++) {
		rn = 0.0;
		for (i = 0; i < k; i++)
			rn += d[i] * (1.0 + q[i]);
		xn = (double)m / (z + rn);
		for (i = 0; i < k; i++)
			q[i] = xn * d[i] * (1.0 + q[i]);
	}
	if (x != NULL)
		*x = xn;
	if (r != NULL)
		*r = rn;
	for (i = 0; i < k; i++) {
		if (util != NULL)
			util[i] = xn * d[i];
		if (qlen != NULL)
			qlen[i] = q[i];
	}
	free(q);
	return CS_OK;
}

static unsigned nservers(const struct cs_an_station *s)
{
	return s->servers > 1 ? s->servers : 1;
}

/*
 * Solve the network of the stations i with off[i] == 0 for populations
 * 0..n: xs[m] = X(m), requests per second.  If rn is not NULL, *rn =
 * R(n); if q is not NULL, q[i] = Q_i(n) (off stations: 0).  A network in
 * which no time passes (z and all active demands zero) has no state with
 * customers: xs[m] = INFINITY for m >= 1, which the caller turns into
 * p(0 | m) = 0.  off is scratch: changed and restored.
 */
static cs_status ld_solve(unsigned n, double z, size_t k,
                          const struct cs_an_station *st, unsigned char *off,
                          double *xs, double *rn, double *q)
{
	double *qq = NULL, *rr = NULL, *p = NULL, *xc = NULL, dsum = 0.0;
	size_t *poff = NULL, *xoff = NULL;
	size_t i, np = 0, nx = 0;
	unsigned m;
	cs_status s = CS_OK;

	xs[0] = 0.0;
	for (i = 0; i < k; i++) {
		if (off[i])
			continue;
		dsum += st[i].demand;
		if (nservers(&st[i]) > 1) {
			np += nservers(&st[i]) - 1;
			nx++;
		}
	}
	if (z == 0.0 && dsum == 0.0) {
		for (m = 1; m <= n; m++)
			xs[m] = INFINITY;
		if (rn != NULL)
			*rn = 0.0;
		for (i = 0; q != NULL && i < k; i++)
			q[i] = 0.0;
		return CS_OK;
	}

	qq = calloc(k > 0 ? k : 1, sizeof *qq);
	rr = calloc(k > 0 ? k : 1, sizeof *rr);
	poff = calloc(k > 0 ? k : 1, sizeof *poff);
	xoff = calloc(k > 0 ? k : 1, sizeof *xoff);
	p = calloc(np > 0 ? np : 1, sizeof *p);
	xc = calloc(nx > 0 ? nx * ((size_t)n + 1) : 1, sizeof *xc);
	if (qq == NULL || rr == NULL || poff == NULL || xoff == NULL ||
	    p == NULL || xc == NULL) {
		s = CS_ERR_NOMEM;
		goto out;
	}

	/* Lay out each multi-server station's p(0..c-2 | m) and the
	 * throughputs of the network without it; p(0 | 0) = 1. */
	np = 0;
	nx = 0;
	for (i = 0; i < k; i++) {
		if (off[i] || nservers(&st[i]) == 1)
			continue;
		poff[i] = np;
		p[np] = 1.0;
		np += nservers(&st[i]) - 1;
		xoff[i] = nx;
		nx += (size_t)n + 1;
		off[i] = 1;
		s = ld_solve(n, z, k, st, off, xc + xoff[i], NULL, NULL);
		off[i] = 0;
		if (s != CS_OK)
			goto out;
	}

	for (m = 1; m <= n; m++) {
		double r = 0.0, xm;

		for (i = 0; i < k; i++) {
			unsigned c = nservers(&st[i]);
			double sum;
			unsigned j;

			if (off[i])
				continue;
			if (c == 1) {
				rr[i] = st[i].demand * (1.0 + qq[i]);
			} else {
				/* Arriving to j others, a customer spends
				 * D (j + 1) / c when j >= c (j - c + 1
				 * departures at rate c / D, then its own D)
				 * and D when j < c: that is D / c (j + 1)
				 * plus D / c (c - 1 - j) below c. */
				sum = 1.0 + qq[i];
				for (j = 0; j + 1 < c; j++)
					sum += (double)(c - 1 - j) *
					       p[poff[i] + j];
				rr[i] = st[i].demand / (double)c * sum;
			}
			r += rr[i];
		}
		xm = (double)m / (z + r);
		for (i = 0; i < k; i++) {
			unsigned c = nservers(&st[i]);
			double *pi;
			unsigned j;

			if (off[i])
				continue;
			qq[i] = xm * rr[i];
			if (c == 1)
				continue;
			pi = p + poff[i];
			/* Downwards, so p[j-1] is still p(j-1 | m-1). */
			for (j = c - 2; j >= 1; j--)
				pi[j] = xm * st[i].demand / (double)j *
					pi[j - 1];
			/* p(0 | m) = G'(m) / G(m): a ratio of throughputs,
			 * never a difference.  X' infinite: the rest of the
			 * network cannot hold a customer, so p(0 | m) = 0. */
			pi[0] *= xm / xc[xoff[i] + m];
		}
		xs[m] = xm;
		if (m == n && rn != NULL)
			*rn = r;
	}
	if (n == 0 && rn != NULL)
		*rn = 0.0;
	for (i = 0; q != NULL && i < k; i++)
		q[i] = off[i] ? 0.0 : qq[i];
out:
	free(xc);
	free(p);
	free(xoff);
	free(poff);
	free(rr);
	free(qq);
	return s;
}

cs_status cs_an_mva_ld(unsigned n, double z, size_t k,
                       const struct cs_an_station *st, double *x, double *r,
                       double *util, double *qlen)
{
	double *xs = NULL, *q = NULL, dsum = 0.0, rn = 0.0;
	unsigned char *off = NULL;
	size_t i;
	cs_status s;

	if (!(z >= 0.0) || isinf(z) || (k > 0 && st == NULL))
		return CS_ERR_INVALID;
	for (i = 0; i < k; i++) {
		if (!(st[i].demand >= 0.0) || isinf(st[i].demand))
			return CS_ERR_INVALID;
		dsum += st[i].demand;
	}
	if (n > 0 && z == 0.0 && dsum == 0.0)
		return CS_ERR_INVALID;

	xs = calloc((size_t)n + 1, sizeof *xs);
	q = calloc(k > 0 ? k : 1, sizeof *q);
	off = calloc(k > 0 ? k : 1, 1);
	if (xs == NULL || q == NULL || off == NULL) {
		s = CS_ERR_NOMEM;
		goto out;
	}
	s = ld_solve(n, z, k, st, off, xs, &rn, q);
	if (s != CS_OK)
		goto out;
	if (x != NULL)
		*x = xs[n];
	if (r != NULL)
		*r = rn;
	for (i = 0; i < k; i++) {
		if (util != NULL)
			util[i] = xs[n] * st[i].demand /
				  (double)nservers(&st[i]);
		if (qlen != NULL)
			qlen[i] = q[i];
	}
out:
	free(off);
	free(q);
	free(xs);
	return s;
}

/* ---- TTL cache ------------------------------------------------------------ */

double
cs_an_ttl_hit_ratio(size_t n, const double *p, double lambda, double ttl)
{
	double h = 0, x;
	size_t i;

	if (!(lambda > 0) || !(ttl >= 0) || !p)
		return NAN;
	for (i = 0; i < n; i++) {
		if (!(p[i] >= 0))
			return NAN;
		if (p[i] == 0)
			continue;
		x = lambda * p[i] * ttl;
		h += p[i] * (isinf(x) ? 1 : x / (1 + x));
	}
	return h;
}
