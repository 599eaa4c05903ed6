/*
 * Tests for the closed forms in analytic.c, against values worked out
 * independently: exact rational arithmetic for Erlang B/C and M/M/c/K
 * (the constants below), hand algebra, numerical integration of the tail
 * functions, and continuous-time Markov chains solved here by brute force.
 */
#include <check.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_linalg.h>
#include <math.h>
#include <stdlib.h>

#include "analytic.h"
#include "harness.h"

/* |got - want| <= tol * max(1, |want|): relative for large values. */
#define ck_close(got, want, tol)                                              \
	do {                                                                 \
		double g_ = (got), w_ = (want);                              \
		double s_ = fabs(w_) > 1.0 ? fabs(w_) : 1.0;                 \
		ck_assert_msg(fabs(g_ - w_) <= (tol) * s_,                   \
		              "%s = %.17g, want %.17g (tol %g)", #got, g_,   \
		              w_, (double)(tol));                            \
	} while (0)

/* Relative: |got - want| <= tol |want|, for tiny probabilities too. */
#define ck_rel(got, want, tol)                                               \
	do {                                                                 \
		double g_ = (got), w_ = (want);                              \
		ck_assert_msg(fabs(g_ - w_) <= (tol) * fabs(w_),             \
		              "%s = %.17g, want %.17g (rel tol %g)", #got,   \
		              g_, w_, (double)(tol));                        \
	} while (0)

/* ---- M/M/1 --------------------------------------------------------------- */

START_TEST(analytic_mm1_rho_half)
{
	/* lambda 1/s, mu 2/s: rho 0.5, Wq = 0.5/(2-1), W = 1/(2-1). */
	ck_close(cs_an_mm1_wq(1.0, 2.0), 0.5, 1e-15);
	ck_close(cs_an_mm1_w(1.0, 2.0), 1.0, 1e-15);
	ck_close(cs_an_mm1_l(1.0, 2.0), 1.0, 1e-15);
	ck_close(cs_an_mm1_resp_tail(1.0, 2.0, 0.0), 1.0, 1e-15);
	ck_close(cs_an_mm1_resp_tail(1.0, 2.0, 1.0), exp(-1.0), 1e-15);
	ck_close(cs_an_mm1_resp_tail(1.0, 2.0, 3.0), 0.049787068367863944,
	        1e-15);
	/* rho 0.9: Wq = 0.9/(1 * 0.1) = 9 s at mu = 1. */
	ck_close(cs_an_mm1_wq(0.9, 1.0), 9.0, 1e-13);
	ck_close(cs_an_mm1_l(0.9, 1.0), 9.0, 1e-13);
}
END_TEST

START_TEST(analytic_mm1_unstable_and_invalid)
{
	ck_assert(isinf(cs_an_mm1_wq(2.0, 2.0)));
	ck_assert(isinf(cs_an_mm1_w(3.0, 2.0)));
	ck_assert(isinf(cs_an_mm1_l(3.0, 2.0)));
	ck_close(cs_an_mm1_resp_tail(3.0, 2.0, 10.0), 1.0, 0.0);
	ck_assert(isnan(cs_an_mm1_wq(-1.0, 2.0)));
	ck_assert(isnan(cs_an_mm1_w(1.0, 0.0)));
	ck_assert(isnan(cs_an_mm1_l(NAN, 1.0)));
	ck_assert(isnan(cs_an_mm1_resp_tail(0.5, 1.0, NAN)));
	/* No arrivals: no wait. */
	ck_close(cs_an_mm1_wq(0.0, 2.0), 0.0, 0.0);
	ck_close(cs_an_mm1_w(0.0, 2.0), 0.5, 0.0);
}
END_TEST

/* ---- Erlang B and C ------------------------------------------------------ */

START_TEST(analytic_erlang_b_textbook)
{
	/* B(10, 9) = (9^10/10!) / sum_{k<=10} 9^k/k!, exact rational
	 * 0.16796322629158644; B(2, 1) = 0.5 / 2.5. */
	ck_close(cs_an_erlang_b(10, 9.0), 0.16796322629158644, 1e-14);
	ck_close(cs_an_erlang_b(2, 1.0), 0.2, 1e-15);
	ck_close(cs_an_erlang_b(1, 3.0), 0.75, 1e-15);
	ck_close(cs_an_erlang_b(0, 3.0), 1.0, 0.0);
	ck_close(cs_an_erlang_b(5, 0.0), 0.0, 0.0);
	ck_assert(isnan(cs_an_erlang_b(5, -1.0)));
}
END_TEST

START_TEST(analytic_erlang_c_textbook)
{
	/* C(10, 9) exact rational 0.668731524107697; C(2, 1) = 1/3;
	 * C(16, 12.8) = 0.3048839129300168; C(1, rho) = rho. */
	ck_close(cs_an_erlang_c(10, 9.0), 0.668731524107697, 1e-14);
	ck_close(cs_an_erlang_c(2, 1.0), 1.0 / 3.0, 1e-15);
	ck_close(cs_an_erlang_c(16, 12.8), 0.3048839129300168, 1e-14);
	ck_close(cs_an_erlang_c(1, 0.7), 0.7, 1e-15);
	ck_close(cs_an_erlang_c(10, 10.0), 1.0, 0.0);
	ck_close(cs_an_erlang_c(10, 12.0), 1.0, 0.0);
	ck_assert(isnan(cs_an_erlang_c(0, 0.5)));
}
END_TEST

/* Erlang C from the textbook formula, in logarithms (lgamma) so that it
 * does not overflow: a different route from the Erlang B recursion. */
static double erlang_c_logsum(unsigned c, double a)
{
	double lmax = -INFINITY, s = 0.0, lt, lw;
	unsigned k;

	lw = (double)c * log(a) - lgamma((double)c + 1.0) +
	     log((double)c / ((double)c - a));
	for (k = 0; k < c; k++) {
		lt = (double)k * log(a) - lgamma((double)k + 1.0);
		if (lt > lmax)
			lmax = lt;
	}
	if (lw > lmax)
		lmax = lw;
	for (k = 0; k < c; k++)
		s += exp((double)k * log(a) - lgamma((double)k + 1.0) - lmax);
	return exp(lw - lmax) / (s + exp(lw - lmax));
}

START_TEST(analytic_erlang_c_large_c_stable)
{
	/* a^c / c! overflows a double from c = 171; the recursion must not. */
	static const struct {
		unsigned c;
		double a;
	} cases[] = { { 200, 190.0 }, { 1000, 950.0 }, { 5000, 4990.0 },
		      { 50, 10.0 } };
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		double got = cs_an_erlang_c(cases[i].c, cases[i].a);

		ck_assert(isfinite(got) && got > 0.0 && got < 1.0);
		ck_rel(got, erlang_c_logsum(cases[i].c, cases[i].a), 1e-9);
	}
}
END_TEST

/* ---- M/M/c --------------------------------------------------------------- */

START_TEST(analytic_mmc_means_c10)
{
	const double c9 = 0.668731524107697;

	/* c = 10, lambda 9/s, mu 1/s: Wq = C / (10 - 9). */
	ck_close(cs_an_mmc_wq(10, 9.0, 1.0), c9, 1e-14);
	ck_close(cs_an_mmc_w(10, 9.0, 1.0), c9 + 1.0, 1e-14);
	ck_close(cs_an_mmc_lq(10, 9.0, 1.0), 9.0 * c9, 1e-14);
	ck_close(cs_an_mmc_l(10, 9.0, 1.0), 9.0 * (c9 + 1.0), 1e-14);
	/* Same queue in milliseconds-scale rates: lambda 9000/s, mu 1000/s. */
	ck_close(cs_an_mmc_wq(10, 9000.0, 1000.0), c9 / 1000.0, 1e-17);
	ck_assert(isinf(cs_an_mmc_wq(10, 10.0, 1.0)));
	ck_assert(isnan(cs_an_mmc_w(0, 1.0, 1.0)));
}
END_TEST

START_TEST(analytic_mmc_c1_is_mm1)
{
	ck_close(cs_an_mmc_wq(1, 0.5, 1.0), cs_an_mm1_wq(0.5, 1.0), 1e-15);
	ck_close(cs_an_mmc_w(1, 0.5, 1.0), cs_an_mm1_w(0.5, 1.0), 1e-15);
	ck_close(cs_an_mmc_l(1, 0.8, 1.0), cs_an_mm1_l(0.8, 1.0), 1e-14);
	ck_close(cs_an_mmc_resp_tail(1, 0.8, 1.0, 2.5),
	        cs_an_mm1_resp_tail(0.8, 1.0, 2.5), 1e-15);
	ck_close(cs_an_mmc_resp_tail(1, 0.3, 2.0, 0.7),
	        cs_an_mm1_resp_tail(0.3, 2.0, 0.7), 1e-15);
}
END_TEST

START_TEST(analytic_mmc_wait_tail_values)
{
	const double c9 = 0.668731524107697;

	ck_close(cs_an_mmc_wait_tail(10, 9.0, 1.0, 0.0), c9, 1e-14);
	ck_close(cs_an_mmc_wait_tail(10, 9.0, 1.0, 1.0), c9 * exp(-1.0), 1e-14);
	/* theta = 2 * 3 - 4 = 2; C(2, 4/3) = 8/15 by hand. */
	ck_close(cs_an_erlang_c(2, 4.0 / 3.0), 8.0 / 15.0, 1e-15);
	ck_close(cs_an_mmc_wait_tail(2, 4.0, 3.0, 0.5), 8.0 / 15.0 * exp(-1.0),
	        1e-15);
	ck_close(cs_an_mmc_wait_tail(2, 4.0, 3.0, -1.0), 1.0, 0.0);
}
END_TEST

START_TEST(analytic_mmc_resp_tail_equal_rates)
{
	double t;

	/* c = 2, lambda = mu = 1: theta = 2 - 1 = mu, C = 1/3, so
	 * P(T > t) = (2/3) e^-t + (1/3)(1 + t) e^-t = (1 + t/3) e^-t. */
	for (t = 0.0; t <= 20.0; t += 0.25)
		ck_rel(cs_an_mmc_resp_tail(2, 1.0, 1.0, t),
		       (1.0 + t / 3.0) * exp(-t), 1e-14);
	/* Rates a hair apart either way: no cancellation, continuous. */
	ck_rel(cs_an_mmc_resp_tail(2, 1.0 + 1e-9, 1.0, 2.0),
	       (1.0 + 2.0 / 3.0) * exp(-2.0), 1e-8);
	ck_rel(cs_an_mmc_resp_tail(2, 1.0 - 1e-9, 1.0, 2.0),
	       (1.0 + 2.0 / 3.0) * exp(-2.0), 1e-8);
	/* c = 4, lambda = 3, mu = 1: theta = 1 = mu as well. */
	{
		double pw = cs_an_erlang_c(4, 3.0);

		ck_rel(cs_an_mmc_resp_tail(4, 3.0, 1.0, 1.5),
		       ((1.0 - pw) + pw * 2.5) * exp(-1.5), 1e-14);
	}
}
END_TEST

struct tail_args {
	unsigned c;
	double lambda, mu;
	int resp; /* 1: response tail, 0: wait tail */
};

static double tail_fn(double t, void *arg)
{
	const struct tail_args *a = arg;

	return a->resp ? cs_an_mmc_resp_tail(a->c, a->lambda, a->mu, t)
		       : cs_an_mmc_wait_tail(a->c, a->lambda, a->mu, t);
}

/* E[T] = integral of P(T > t) over t >= 0. */
static double integrate_tail(struct tail_args *a)
{
	gsl_integration_workspace *w = gsl_integration_workspace_alloc(1000);
	gsl_function f = { .function = tail_fn, .params = a };
	double res = NAN, err;
	int st;

	ck_assert_ptr_nonnull(w);
	st = gsl_integration_qagiu(&f, 0.0, 1e-13, 1e-12, 1000, w, &res, &err);
	gsl_integration_workspace_free(w);
	ck_assert_msg(st == GSL_SUCCESS, "qagiu: %s", gsl_strerror(st));
	return res;
}

START_TEST(analytic_mmc_tails_integrate_to_means)
{
	static const struct tail_args cases[] = {
		{ 10, 9.0, 1.0, 0 }, { 10, 9.0, 1.0, 1 }, { 3, 2.0, 1.0, 1 },
		{ 2, 1.0, 1.0, 1 },  { 4, 1.0, 1.0, 1 },  { 16, 700.0, 50.0, 1 },
		{ 1, 0.5, 1.0, 1 },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct tail_args a = cases[i];
		double want = a.resp ? cs_an_mmc_w(a.c, a.lambda, a.mu)
				     : cs_an_mmc_wq(a.c, a.lambda, a.mu);

		ck_rel(integrate_tail(&a), want, 1e-9);
	}
}
END_TEST

/* ---- M/M/c/K ------------------------------------------------------------- */

START_TEST(analytic_mmck_textbook)
{
	struct cs_an_mmck q;

	/* M/M/1/3, rho = 0.5: P_K = (1 - rho) rho^3 / (1 - rho^4) = 1/15,
	 * L = 11/15, Lq = 4/15, W = L / (1 (1 - 1/15)) = 11/14. */
	ck_assert_int_eq(cs_an_mmck_solve(1, 3, 1.0, 2.0, &q), CS_OK);
	ck_close(q.p_block, 1.0 / 15.0, 1e-15);
	ck_close(q.throughput, 14.0 / 15.0, 1e-15);
	ck_close(q.l, 11.0 / 15.0, 1e-15);
	ck_close(q.lq, 4.0 / 15.0, 1e-15);
	ck_close(q.w, 11.0 / 14.0, 1e-15);
	ck_close(q.wq, 4.0 / 14.0, 1e-15);

	/* M/M/3/6, a = 2 (exact rationals): P_K = 32/665. */
	ck_assert_int_eq(cs_an_mmck_solve(3, 6, 2.0, 1.0, &q), CS_OK);
	ck_close(q.p_block, 32.0 / 665.0, 1e-15);
	ck_close(q.throughput, 1.9037593984962407, 1e-15);
	ck_close(q.l, 2.300751879699248, 1e-14);
	ck_close(q.w, 1.2085308056872037, 1e-14);
	ck_close(q.lq, 0.3969924812030075, 1e-14);
	ck_close(q.wq, 0.20853080568720378, 1e-14);

	/* M/M/10/20 at lambda 9, mu 1 (exact rationals). */
	ck_assert_int_eq(cs_an_mmck_solve(10, 20, 9.0, 1.0, &q), CS_OK);
	ck_close(q.p_block, 0.029510061564106894, 1e-14);
	ck_close(q.l, 11.039661065501521, 1e-13);
	ck_close(q.w, 1.2639275882188585, 1e-13);
}
END_TEST

START_TEST(analytic_mmck_limits)
{
	struct cs_an_mmck q;

	/* K = c is the Erlang loss system. */
	ck_assert_int_eq(cs_an_mmck_solve(10, 10, 9.0, 1.0, &q), CS_OK);
	ck_close(q.p_block, cs_an_erlang_b(10, 9.0), 1e-14);
	ck_close(q.w, 1.0, 1e-14);
	ck_close(q.wq, 0.0, 1e-15);
	/* K large: M/M/c (the tail beyond K is ~0.9^3000). */
	ck_assert_int_eq(cs_an_mmck_solve(10, 3000, 9.0, 1.0, &q), CS_OK);
	ck_assert(q.p_block < 1e-100);
	ck_close(q.wq, cs_an_mmc_wq(10, 9.0, 1.0), 1e-12);
	ck_close(q.l, cs_an_mmc_l(10, 9.0, 1.0), 1e-12);
	/* Overload, huge K: M/M/1/K at rho = 2 has
	 * P_K = (rho - 1) rho^K / (rho^{K+1} - 1) -> 1/2, and almost all
	 * K customers present: no overflow of 2^5000. */
	ck_assert_int_eq(cs_an_mmck_solve(1, 5000, 2.0, 1.0, &q), CS_OK);
	ck_close(q.p_block, 0.5, 1e-14);
	ck_close(q.throughput, 1.0, 1e-14);
	ck_close(q.l, 4999.0, 1e-12);
	ck_close(q.w, 4999.0, 1e-12);
	/* No arrivals. */
	ck_assert_int_eq(cs_an_mmck_solve(2, 4, 0.0, 1.0, &q), CS_OK);
	ck_close(q.p_block, 0.0, 0.0);
	ck_close(q.w, 1.0, 0.0);
	ck_assert_int_eq(cs_an_mmck_solve(3, 2, 1.0, 1.0, &q), CS_ERR_INVALID);
	ck_assert_int_eq(cs_an_mmck_solve(0, 2, 1.0, 1.0, &q), CS_ERR_INVALID);
	ck_assert_int_eq(cs_an_mmck_solve(1, 2, 1.0, 0.0, &q), CS_ERR_INVALID);
}
END_TEST

/* ---- M/G/1 --------------------------------------------------------------- */

START_TEST(analytic_mg1_pollaczek_khinchine)
{
	/* M/D/1, lambda 0.5/s, S = 1 s: Wq = 0.5 * 1 / (2 * 0.5). */
	ck_close(cs_an_md1_wq(0.5, 1.0), 0.5, 1e-15);
	ck_close(cs_an_md1_w(0.5, 1.0), 1.5, 1e-15);
	/* M/D/1 waits half as long as M/M/1 at the same load. */
	ck_close(cs_an_md1_wq(0.9, 1.0), 0.5 * cs_an_mm1_wq(0.9, 1.0), 1e-14);
	/* Exponential service, E[S^2] = 2 / mu^2: M/M/1. */
	ck_close(cs_an_mg1_wq(0.8, 0.5, 2.0 * 0.25), cs_an_mm1_wq(0.8, 2.0),
	        1e-15);
	ck_close(cs_an_mg1_w(0.8, 0.5, 0.5), cs_an_mm1_w(0.8, 2.0), 1e-15);
	/* 20 ms deterministic service at 40/s: rho 0.8,
	 * Wq = 40 * 4e-4 / 0.4 = 0.04 s. */
	ck_close(cs_an_md1_wq(40.0, 0.02), 0.04, 1e-15);
	ck_assert(isinf(cs_an_md1_wq(1.0, 1.0)));
	ck_assert(isnan(cs_an_mg1_wq(0.5, 1.0, 0.5))); /* E[S^2] < E[S]^2 */
}
END_TEST

/* ---- closed networks: brute-force CTMC ----------------------------------- */

/*
 * A cyclic network: customers go station 0 -> 1 -> ... -> m-1 -> 0.  Each
 * station has exponential service with mean d[i] seconds per server and
 * c[i] servers (0: infinitely many, a delay station).  Product form holds,
 * so its mean values are the MVA's with demands d and think time d[0].
 */
#define NET_MAX 6

struct net {
	unsigned m;
	double d[NET_MAX];
	unsigned c[NET_MAX];
};

struct net_sol {
	double x;            /* per second */
	double q[NET_MAX];   /* customers */
	double u[NET_MAX];   /* mean busy servers / c (delay: mean present) */
};

static unsigned long ipow(unsigned long b, unsigned e)
{
	unsigned long r = 1;

	while (e-- > 0)
		r *= b;
	return r;
}

static double net_rate(const struct net *nt, unsigned i, unsigned ni)
{
	unsigned busy = nt->c[i] == 0 || ni < nt->c[i] ? ni : nt->c[i];

	return (double)busy / nt->d[i];
}

/*
 * Enumerate every state (n_0..n_{m-1}) summing to n, build the generator,
 * and solve pi Q = 0, sum pi = 1 by LU (one balance equation replaced by
 * the normalization).  Dense: meant for tens of states.
 */
static void net_solve(const struct net *nt, unsigned n, struct net_sol *out)
{
	unsigned long ncode = ipow(n + 1, nt->m), code;
	long *index = malloc(ncode * sizeof *index);
	unsigned *states = NULL;
	size_t ns = 0, s, t;
	unsigned i;
	gsl_matrix *a;
	gsl_vector *b, *pi;
	gsl_permutation *perm;
	int sign;

	ck_assert_ptr_nonnull(index);
	for (code = 0; code < ncode; code++) {
		unsigned long cc = code;
		unsigned sum = 0;

		for (i = 0; i < nt->m; i++) {
			sum += (unsigned)(cc % (n + 1));
			cc /= n + 1;
		}
		index[code] = -1;
		if (sum != n)
			continue;
		states = realloc(states, (ns + 1) * nt->m * sizeof *states);
		ck_assert_ptr_nonnull(states);
		cc = code;
		for (i = 0; i < nt->m; i++) {
			states[ns * nt->m + i] = (unsigned)(cc % (n + 1));
			cc /= n + 1;
		}
		index[code] = (long)ns++;
	}

	a = gsl_matrix_calloc(ns, ns);
	b = gsl_vector_calloc(ns);
	pi = gsl_vector_alloc(ns);
	perm = gsl_permutation_alloc(ns);
	ck_assert(a != NULL && b != NULL && pi != NULL && perm != NULL);
	/* a = Q^T: row t collects the flow into state t. */
	for (s = 0; s < ns; s++) {
		const unsigned *st = states + s * nt->m;

		for (i = 0; i < nt->m; i++) {
			unsigned j = (i + 1) % nt->m;
			unsigned long to = 0, mul = 1;
			double rate;
			unsigned k;

			if (st[i] == 0)
				continue;
			rate = net_rate(nt, i, st[i]);
			for (k = 0; k < nt->m; k++) {
				unsigned v = st[k];

				if (k == i)
					v--;
				if (k == j)
					v++;
				to += v * mul;
				mul *= n + 1;
			}
			t = (size_t)index[to];
			*gsl_matrix_ptr(a, t, s) += rate;
			*gsl_matrix_ptr(a, s, s) -= rate;
		}
	}
	for (s = 0; s < ns; s++)
		gsl_matrix_set(a, ns - 1, s, 1.0);
	gsl_vector_set(b, ns - 1, 1.0);
	ck_assert_int_eq(gsl_linalg_LU_decomp(a, perm, &sign), GSL_SUCCESS);
	ck_assert_int_eq(gsl_linalg_LU_solve(a, perm, b, pi), GSL_SUCCESS);

	out->x = 0.0;
	for (i = 0; i < nt->m; i++) {
		out->q[i] = 0.0;
		out->u[i] = 0.0;
	}
	for (s = 0; s < ns; s++) {
		const unsigned *st = states + s * nt->m;
		double p = gsl_vector_get(pi, s);

		out->x += p * net_rate(nt, 0, st[0]);
		for (i = 0; i < nt->m; i++) {
			out->q[i] += p * st[i];
			out->u[i] += p * net_rate(nt, i, st[i]) * nt->d[i] /
				     (nt->c[i] ? nt->c[i] : 1);
		}
	}
	gsl_permutation_free(perm);
	gsl_vector_free(pi);
	gsl_vector_free(b);
	gsl_matrix_free(a);
	free(states);
	free(index);
}

START_TEST(analytic_mva_single_customer)
{
	const double d[] = { 0.3, 0.05, 0.15 };
	double x, r, u[3], q[3];
	size_t i;

	/* Alone, a customer never waits: R = sum D, X = 1 / (Z + sum D). */
	ck_assert_int_eq(cs_an_mva(1, 1.5, 3, d, &x, &r, u, q), CS_OK);
	ck_close(r, 0.5, 1e-15);
	ck_close(x, 0.5, 1e-15);
	for (i = 0; i < 3; i++) {
		ck_close(u[i], 0.5 * d[i], 1e-15);
		ck_close(q[i], 0.5 * d[i], 1e-15);
	}
	/* n = 0: empty. */
	ck_assert_int_eq(cs_an_mva(0, 1.5, 3, d, &x, &r, u, q), CS_OK);
	ck_close(x, 0.0, 0.0);
	ck_close(q[0], 0.0, 0.0);
}
END_TEST

START_TEST(analytic_mva_hand_values)
{
	const double d[] = { 1.0, 1.0 };
	double x, r, q[2];

	/* Two equal stations, no think: R(2) = 2 (1 + 1/2) = 3, X = 2/3,
	 * Q = 1 each; R(3) = 2 (1 + 1) = 4, X = 3/4. */
	ck_assert_int_eq(cs_an_mva(2, 0.0, 2, d, &x, &r, NULL, q), CS_OK);
	ck_close(r, 3.0, 1e-15);
	ck_close(x, 2.0 / 3.0, 1e-15);
	ck_close(q[0], 1.0, 1e-15);
	ck_assert_int_eq(cs_an_mva(3, 0.0, 2, d, &x, &r, NULL, NULL), CS_OK);
	ck_close(r, 4.0, 1e-15);
	ck_close(x, 0.75, 1e-15);
}
END_TEST

START_TEST(analytic_mva_matches_ctmc)
{
	/* Think 1 s, then stations of 0.3, 0.5 and 0.2 s, four customers. */
	const struct net nt = { .m = 4,
				.d = { 1.0, 0.3, 0.5, 0.2 },
				.c = { 0, 1, 1, 1 } };
	const double d[] = { 0.3, 0.5, 0.2 };
	unsigned n;

	for (n = 1; n <= 5; n++) {
		struct net_sol sol;
		double x, r, u[3], q[3];
		size_t i;

		net_solve(&nt, n, &sol);
		ck_assert_int_eq(cs_an_mva(n, 1.0, 3, d, &x, &r, u, q), CS_OK);
		ck_rel(x, sol.x, 1e-11);
		ck_rel(r, (sol.q[1] + sol.q[2] + sol.q[3]) / sol.x, 1e-11);
		for (i = 0; i < 3; i++) {
			ck_rel(u[i], sol.u[i + 1], 1e-11);
			ck_rel(q[i], sol.q[i + 1], 1e-11);
		}
	}
}
END_TEST

START_TEST(analytic_mva_large_n_bounds)
{
	const double d[] = { 0.02, 0.015, 0.004 };
	double x, r, u[3], q[3];

	/* 2000 users thinking 1 s against a 20 ms bottleneck: X -> 50/s,
	 * and R = N / X - Z. */
	ck_assert_int_eq(cs_an_mva(2000, 1.0, 3, d, &x, &r, u, q), CS_OK);
	ck_close(x, 50.0, 1e-12);
	ck_close(r, 2000.0 / x - 1.0, 1e-12);
	ck_close(u[0], 1.0, 1e-12);
	ck_close(q[0] + q[1] + q[2], x * r, 1e-12);
	/* Behind a saturated bottleneck the others see Poisson arrivals at
	 * 50/s: M/M/1 queues, Q = rho / (1 - rho) at rho 0.75 and 0.2. */
	ck_close(q[1], 3.0, 1e-12);
	ck_close(q[2], 0.25, 1e-12);
	ck_assert_int_eq(cs_an_mva(1, 0.0, 0, NULL, &x, &r, u, q),
	                 CS_ERR_INVALID);
	ck_assert_int_eq(cs_an_mva(1, -1.0, 3, d, &x, &r, u, q),
	                 CS_ERR_INVALID);
}
END_TEST

/* ---- load-dependent MVA -------------------------------------------------- */

START_TEST(analytic_mva_ld_c1_is_mva)
{
	const double d[] = { 0.3, 0.5, 0.2 };
	const struct cs_an_station st[] = { { 0.3, 1 }, { 0.5, 0 }, { 0.2, 1 } };
	unsigned n;

	for (n = 0; n <= 300; n += 37) {
		double x1, r1, u1[3], q1[3], x2, r2, u2[3], q2[3];
		size_t i;

		ck_assert_int_eq(cs_an_mva(n, 2.0, 3, d, &x1, &r1, u1, q1),
		                 CS_OK);
		ck_assert_int_eq(cs_an_mva_ld(n, 2.0, 3, st, &x2, &r2, u2, q2),
		                 CS_OK);
		ck_close(x2, x1, 1e-13);
		ck_close(r2, r1, 1e-13);
		for (i = 0; i < 3; i++) {
			ck_close(u2[i], u1[i], 1e-13);
			ck_close(q2[i], q1[i], 1e-13);
		}
	}
}
END_TEST

/*
 * Users thinking z seconds and one c-server station of demand d: a
 * birth-death chain in j, the number at the station (up (n - j) / z,
 * down min(j, c) / d).  Its balance gives the weights directly; kept in
 * logarithms for n in the thousands.
 */
static void bd_solve(unsigned n, double z, unsigned c, double d, double *x,
                     double *q)
{
	double *lw = malloc(((size_t)n + 1) * sizeof *lw);
	double lmax = 0.0, g = 0.0, sx = 0.0, sq = 0.0;
	unsigned j;

	ck_assert_ptr_nonnull(lw);
	lw[0] = 0.0;
	for (j = 1; j <= n; j++) {
		lw[j] = lw[j - 1] + log((double)(n - j + 1) / z) -
			log((double)(j < c ? j : c) / d);
		if (lw[j] > lmax)
			lmax = lw[j];
	}
	for (j = 0; j <= n; j++) {
		double w = exp(lw[j] - lmax);

		g += w;
		sx += w * (double)(j < c ? j : c) / d;
		sq += w * (double)j;
	}
	*x = sx / g;
	*q = sq / g;
	free(lw);
}

START_TEST(analytic_mva_ld_matches_birth_death)
{
	/* The benchmark's worker pool (16 servers, 20 ms) and smaller ones,
	 * below, at and far past the knee N* = c (Z + D) / D. */
	static const struct {
		unsigned n, c;
		double z, d;
	} cases[] = {
		{ 1, 16, 1.0, 0.02 },   { 10, 16, 1.0, 0.02 },
		{ 500, 16, 1.0, 0.02 }, { 800, 16, 1.0, 0.02 },
		{ 816, 16, 1.0, 0.02 }, { 1000, 16, 1.0, 0.02 },
		{ 2000, 16, 1.0, 0.02 }, { 2000, 2, 1.0, 0.5 },
		{ 2000, 40, 0.5, 0.03 }, { 2000, 64, 2.0, 0.064 },
		{ 2000, 300, 1.0, 0.2 }, { 1500, 5, 3.0, 0.01 },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct cs_an_station st = { cases[i].d, cases[i].c };
		double x, r, u, q, bx, bq;

		bd_solve(cases[i].n, cases[i].z, cases[i].c, cases[i].d, &bx,
		         &bq);
		ck_assert_int_eq(cs_an_mva_ld(cases[i].n, cases[i].z, 1, &st,
		                              &x, &r, &u, &q),
		                 CS_OK);
		ck_rel(x, bx, 1e-10);
		ck_rel(q, bq, 1e-10);
		ck_rel(r, bq / bx, 1e-10);
		ck_rel(u, bx * cases[i].d / cases[i].c, 1e-10);
	}
}
END_TEST

START_TEST(analytic_mva_ld_matches_ctmc)
{
	/* Think 0.5 s, a single server of 0.2 s, 3 servers of 0.9 s and
	 * 2 servers of 0.4 s: two multi-server stations at once. */
	const struct net nt = { .m = 4,
				.d = { 0.5, 0.2, 0.9, 0.4 },
				.c = { 0, 1, 3, 2 } };
	const struct cs_an_station st[] = { { 0.2, 1 }, { 0.9, 3 },
					    { 0.4, 2 } };
	unsigned n;

	for (n = 1; n <= 7; n++) {
		struct net_sol sol;
		double x, r, u[3], q[3];
		size_t i;

		net_solve(&nt, n, &sol);
		ck_assert_int_eq(cs_an_mva_ld(n, 0.5, 3, st, &x, &r, u, q),
		                 CS_OK);
		ck_rel(x, sol.x, 1e-11);
		ck_rel(r, (sol.q[1] + sol.q[2] + sol.q[3]) / sol.x, 1e-11);
		for (i = 0; i < 3; i++) {
			ck_rel(u[i], sol.u[i + 1], 1e-11);
			ck_rel(q[i], sol.q[i + 1], 1e-11);
		}
	}
}
END_TEST

START_TEST(analytic_mva_ld_no_think_time)
{
	/* No delay station, so removing the 4-server station leaves the
	 * network's other stations only, or (alone) nothing at all. */
	const struct net nt = { .m = 2, .d = { 0.3, 0.8 }, .c = { 1, 4 } };
	const struct cs_an_station st[] = { { 0.3, 1 }, { 0.8, 4 } };
	const struct cs_an_station alone = { 0.8, 4 };
	unsigned n;

	for (n = 1; n <= 9; n++) {
		struct net_sol sol;
		double x, r, u[2], q[2];

		net_solve(&nt, n, &sol);
		ck_assert_int_eq(cs_an_mva_ld(n, 0.0, 2, st, &x, &r, u, q),
		                 CS_OK);
		ck_rel(x, sol.x, 1e-11);
		ck_rel(r, (double)n / sol.x, 1e-11);
		ck_rel(q[0], sol.q[0], 1e-11);
		ck_rel(q[1], sol.q[1], 1e-11);
		ck_rel(u[1], sol.u[1], 1e-11);

		/* Alone: everyone is at the station, min(n, 4) busy. */
		ck_assert_int_eq(cs_an_mva_ld(n, 0.0, 1, &alone, &x, &r, u, q),
		                 CS_OK);
		ck_rel(x, (n < 4 ? n : 4) / 0.8, 1e-13);
		ck_rel(q[0], (double)n, 1e-13);
	}
	ck_assert_int_eq(cs_an_mva_ld(1, 0.0, 0, NULL, NULL, NULL, NULL, NULL),
	                 CS_ERR_INVALID);
}
END_TEST

/*
 * TTL cache: uniform over n keys gives x / (1 + x) with x = lambda T / n;
 * two keys by hand; no TTL caches everything asked; bad input is NAN.
 */
START_TEST(analytic_ttl_hit_ratio_values)
{
	double u[4] = { 0.25, 0.25, 0.25, 0.25 }, two[2] = { 0.75, 0.25 };

	/* x = 8 x 0.25 x 0.5 = 1: 1/2 */
	ck_assert_double_eq_tol(cs_an_ttl_hit_ratio(4, u, 8, 0.5), 0.5, 1e-15);
	/* x = 3, 1: 0.75 x 3/4 + 0.25 x 1/2 = 0.6875 */
	ck_assert_double_eq_tol(cs_an_ttl_hit_ratio(2, two, 4, 1), 0.6875,
	                        1e-15);
	ck_assert_double_eq_tol(cs_an_ttl_hit_ratio(2, two, 4, INFINITY), 1,
	                        1e-15);
	ck_assert_double_eq_tol(cs_an_ttl_hit_ratio(2, two, 4, 0), 0, 1e-15);
	ck_assert(isnan(cs_an_ttl_hit_ratio(2, two, 0, 1)));
	ck_assert(isnan(cs_an_ttl_hit_ratio(2, NULL, 1, 1)));
}
END_TEST

static Suite *analytic_suite(void)
{
	Suite *s = suite_create("analytic");
	TCase *tc = tcase_create("closed_forms");

	tcase_add_test(tc, analytic_mm1_rho_half);
	tcase_add_test(tc, analytic_mm1_unstable_and_invalid);
	tcase_add_test(tc, analytic_erlang_b_textbook);
	tcase_add_test(tc, analytic_erlang_c_textbook);
	tcase_add_test(tc, analytic_erlang_c_large_c_stable);
	tcase_add_test(tc, analytic_mmc_means_c10);
	tcase_add_test(tc, analytic_mmc_c1_is_mm1);
	tcase_add_test(tc, analytic_mmc_wait_tail_values);
	tcase_add_test(tc, analytic_mmc_resp_tail_equal_rates);
	tcase_add_test(tc, analytic_mmc_tails_integrate_to_means);
	tcase_add_test(tc, analytic_mmck_textbook);
	tcase_add_test(tc, analytic_mmck_limits);
	tcase_add_test(tc, analytic_mg1_pollaczek_khinchine);
	tcase_add_test(tc, analytic_ttl_hit_ratio_values);
	suite_add_tcase(s, tc);

	tc = tcase_create("mva");
	tcase_add_test(tc, analytic_mva_single_customer);
	tcase_add_test(tc, analytic_mva_hand_values);
	tcase_add_test(tc, analytic_mva_matches_ctmc);
	tcase_add_test(tc, analytic_mva_large_n_bounds);
	tcase_add_test(tc, analytic_mva_ld_c1_is_mva);
	tcase_add_test(tc, analytic_mva_ld_matches_birth_death);
	tcase_add_test(tc, analytic_mva_ld_matches_ctmc);
	tcase_add_test(tc, analytic_mva_ld_no_think_time);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return cs_test_run(analytic_suite());
}
