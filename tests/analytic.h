/*
 * Closed forms of queueing theory, for validating the simulator.
 *
 * Every rate is per second and every time is in seconds.  The scalar
 * functions return NAN when a parameter is invalid (negative or zero rate,
 * zero servers, NaN); a queue with no steady state (utilization >= 1)
 * gives INFINITY for its means and 1 for its tail probabilities.  The
 * network solvers return a cs_status.
 *
 * Notation: lambda arrival rate, mu service rate of one server,
 * a = lambda / mu offered load in erlangs, c servers,
 * rho = lambda / (c mu) utilization of one server.
 */
#ifndef CS_TESTS_ANALYTIC_H
#define CS_TESTS_ANALYTIC_H

#include <stddef.h>

#include "capsim.h"

/* ---- M/M/1 (FCFS for the tail) ------------------------------------------ */

/* Mean wait in queue: rho / (mu - lambda), seconds. */
double cs_an_mm1_wq(double lambda, double mu);

/* Mean response (wait plus service): 1 / (mu - lambda), seconds. */
double cs_an_mm1_w(double lambda, double mu);

/* P(response > t) under FCFS: exp(-(mu - lambda) t); t in seconds. */
double cs_an_mm1_resp_tail(double lambda, double mu, double t);

/* Mean number in system: rho / (1 - rho), customers. */
double cs_an_mm1_l(double lambda, double mu);

/* ---- Erlang B and C ------------------------------------------------------ */

/*
 * Erlang B: probability that an arrival to an M/M/c/c loss system finds
 * all c servers busy; a in erlangs.  Uses B(k) = a B(k-1) / (k + a B(k-1)),
 * which stays in [0, 1] and never overflows: O(c).
 */
double cs_an_erlang_b(unsigned c, double a);

/*
 * Erlang C: probability that an arrival to an M/M/c queue waits; a in
 * erlangs.  C = B / (1 - rho (1 - B)) from Erlang B, so no factorials:
 * O(c).  1 when a >= c.
 */
double cs_an_erlang_c(unsigned c, double a);

/* ---- M/M/c (FCFS) -------------------------------------------------------- */

/* Mean wait in queue: C(c, a) / (c mu - lambda), seconds. */
double cs_an_mmc_wq(unsigned c, double lambda, double mu);

/* Mean response: Wq + 1 / mu, seconds. */
double cs_an_mmc_w(unsigned c, double lambda, double mu);

/* Mean number waiting: lambda Wq, customers. */
double cs_an_mmc_lq(unsigned c, double lambda, double mu);

/* Mean number in system: lambda W, customers. */
double cs_an_mmc_l(unsigned c, double lambda, double mu);

/* P(wait in queue > t) = C(c, a) exp(-(c mu - lambda) t); t in seconds. */
double cs_an_mmc_wait_tail(unsigned c, double lambda, double mu, double t);

/*
 * P(response > t) under FCFS; t in seconds.  Response = wait + service,
 * independent; the wait is 0 with probability 1 - C and exponential with
 * rate theta = c mu - lambda otherwise, so
 *   P = (1 - C) e^{-mu t} + C P(Exp(theta) + Exp(mu) > t).
 * The hypoexponential tail is written with expm1 so that it is exact and
 * continuous through theta == mu, where it is (1 + mu t) e^{-mu t}.
 */
double cs_an_mmc_resp_tail(unsigned c, double lambda, double mu, double t);

/* ---- M/M/c/K (K = total capacity, in service plus waiting) --------------- */

/* Steady state of an M/M/c/K queue. */
struct cs_an_mmck {
	double p_block;    /* P_K: an arrival finds K present and is lost */
	double throughput; /* per second: lambda (1 - P_K), admitted customers */
	double l;          /* customers: mean number in system */
	double lq;         /* customers: mean number waiting */
	double w;          /* seconds: mean response of admitted customers */
	double wq;         /* seconds: mean wait of admitted customers */
};

/*
 * Solve an M/M/c/K queue (c >= 1, K >= c, lambda >= 0, mu > 0; any load,
 * since the state space is finite).  The birth-death weights are summed
 * with a running rescale so that large K or a does not overflow: O(K).
 * Returns CS_OK, or CS_ERR_INVALID and leaves *out untouched.
 */
cs_status cs_an_mmck_solve(unsigned c, unsigned k, double lambda, double mu,
                           struct cs_an_mmck *out);

/* ---- M/G/1 and M/D/1 (Pollaczek-Khinchine) ------------------------------- */

/*
 * M/G/1 mean wait in queue: lambda E[S^2] / (2 (1 - rho)), rho = lambda
 * E[S]; es in seconds, es2 = E[S^2] in seconds^2 (es2 >= es^2).
 */
double cs_an_mg1_wq(double lambda, double es, double es2);

/* M/G/1 mean response: Wq + E[S], seconds. */
double cs_an_mg1_w(double lambda, double es, double es2);

/* M/D/1 mean wait in queue, deterministic service s seconds. */
double cs_an_md1_wq(double lambda, double s);

/* M/D/1 mean response: Wq + s, seconds. */
double cs_an_md1_w(double lambda, double s);

/* ---- closed networks: exact mean value analysis -------------------------- */

/*
 * Exact MVA of a single-class closed network: n customers alternate between
 * a delay station (think time z seconds, infinite servers) and k queueing
 * stations (single server, FCFS with exponential service or PS,
 * load-independent) with service demands d[0..k-1] seconds (visits times
 * service time).  Outputs, each may be NULL:
 *   *x        requests per second: X(n)
 *   *r        seconds: R(n), response through the k stations (think excluded)
 *   util[i]   fraction of time station i is busy: X(n) d[i]
 *   qlen[i]   customers at station i, in queue or in service
 * n == 0 gives zeros.  Cost O(n k); all terms are positive, so it is
 * stable for any n.  Returns CS_OK, CS_ERR_INVALID (negative demand or
 * think time, or z and every demand zero with n > 0) or CS_ERR_NOMEM.
 */
cs_status cs_an_mva(unsigned n, double z, size_t k, const double *d,
                    double *x, double *r, double *util, double *qlen);

/* One station of a network for cs_an_mva_ld(). */
struct cs_an_station {
	double demand;    /* seconds: service demand (visits x service time) */
	unsigned servers; /* 0 or 1: single server; c > 1: c identical servers */
};

/*
 * Exact load-dependent MVA: as cs_an_mva() but a station may have c > 1
 * servers (service rate min(j, c) / demand with j present).  A c-server
 * station's response uses its marginal probabilities p(j | n - 1),
 * j = 0..c-2:
 *   R(n) = D / c [1 + Q(n-1) + sum_j (c - 1 - j) p(j | n-1)],
 *   p(j | n) = X(n) D / j p(j-1 | n-1).
 * The textbook p(0 | n) = 1 - sum_{j>=1} p(j | n) cancels catastrophically
 * near saturation and the error grows geometrically with n; instead
 * p(0 | n) = p(0 | n-1) X(n) / X'(n), where X' is the throughput of the
 * network without that station, solved the same way (a ratio of
 * normalizing constants: every step multiplies positive numbers, so the
 * relative error grows only linearly in n; stable for n in the thousands).
 * util[i] is the mean fraction of station i's servers busy: X d[i] / c.
 * Cost O(n (k + sum c)) per solve and one solve for every subset reached by
 * removing multi-server stations: meant for a few of them (M! solves for
 * M multi-server stations).  Returns as cs_an_mva().
 */
cs_status cs_an_mva_ld(unsigned n, double z, size_t k,
                       const struct cs_an_station *st, double *x, double *r,
                       double *util, double *qlen);

/* ---- TTL cache ------------------------------------------------------------ */

/*
 * Hit ratio of a TTL cache set on every miss (and only then), under Poisson
 * lookups at lambda per second, key i asked with probability p[i] (n keys,
 * summing to 1), every entry living ttl seconds, the miss path taking no
 * time.  Key i's misses form a renewal process: each starts a window of ttl
 * in which all lookups hit (lambda p_i ttl of them on average), then the
 * next miss comes an exponential 1 / (lambda p_i) later.  So
 * h_i = x_i / (1 + x_i) with x_i = lambda p_i ttl, and the hit ratio is
 * sum p_i h_i (the Che approximation, exact for this cache).  ttl may be
 * INFINITY (every key asked at all ends up cached: 1).
 */
double cs_an_ttl_hit_ratio(size_t n, const double *p, double lambda,
                           double ttl);

#endif /* CS_TESTS_ANALYTIC_H */
