/*
 * The load generator: a closed population of virtual users with think time
 * (k6 VUs, Locust users) or an open Poisson arrival stream, either one
 * following k6-style stages (linear ramps between targets), and the client
 * timeout.  It is also where the client sees each answer, so it records the
 * latency statistics.
 */
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "models/model.h"

#define RAMP_TICK 0.1 /* seconds between target updates during a ramp */

static double
stage_value(const cs_scenario *sc, const cs_stage *st)
{
	double base = sc->load.open ? sc->load.rate : (double)sc->load.users;

	return st->relative ? st->target * base : st->target;
}

/* The stage holding t: the first whose end is after t (nstages after the
 * last).  A binary search of the stage ends, O(log n): a scan per tick or
 * arrival made 100,000 one-second stages quadratic. */
static size_t
stage_at(const cs_scenario *sc, double t)
{
	size_t lo = 0, hi = sc->load.nstages;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t < sc->load.stages[mid].t_end)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* Target users (closed) or rate (open) at time t: stages ramp linearly from
 * the previous stage's target (0 before the first); after the last stage the
 * last target holds.  Without stages: load.users / load.arrival_rate. */
double
cs_load_target_at(const cs_scenario *sc, double t)
{
	const cs_load_conf *l = &sc->load;
	size_t i;
	double t0, prev, v, f;

	if (l->nstages == 0)
		return l->open ? l->rate : (double)l->users;
	i = stage_at(sc, t);
	if (i == l->nstages)
		return stage_value(sc, &l->stages[i - 1]);
	t0 = i ? l->stages[i - 1].t_end : 0;
	prev = i ? stage_value(sc, &l->stages[i - 1]) : 0;
	v = stage_value(sc, &l->stages[i]);
	f = l->stages[i].duration > 0 ? (t - t0) / l->stages[i].duration : 1;
	return prev + (v - prev) * f;
}

/* End of the stage holding t, or INFINITY after the last. */
static double
stage_end(const cs_scenario *sc, double t, bool *ramp)
{
	size_t i = stage_at(sc, t);
	double prev;

	if (i == sc->load.nstages) {
		*ramp = false;
		return INFINITY;
	}
	prev = i ? stage_value(sc, &sc->load.stages[i - 1]) : 0;
	*ramp = stage_value(sc, &sc->load.stages[i]) != prev;
	return sc->load.stages[i].t_end;
}

/* ---- answers ----------------------------------------------------------- */

/* One answer of endpoint ep: its histogram and the in-order sums. */
static void
record(cs_model *m, cs_epstats *s, double lat, int cause)
{
	s->sum_all += lat;
	m->overall.sum_all += lat;
	if (cause < 0) {
		s->ok++;
		cs_hist_add(&s->okh, lat);
		m->overall.sum_ok += lat;
	} else {
		s->fail[cause]++;
		cs_hist_add(&s->failh, lat);
	}
}

void
cs_load_finish(cs_model *m)
{
	cs_epstats *o = &m->overall;
	size_t i, c;

	cs_assert(o->requests == 0 && o->all.count == 0 && o->okh.count == 0,
	          "the overall answers are made once, at the end");
	for (i = 0; i < m->sc->nendpoints; i++) {
		cs_epstats *s = &m->eps[i];

		s->requests = s->ok;
		for (c = 0; c < CS_CAUSE_N; c++) {
			s->requests += s->fail[c];
			o->fail[c] += s->fail[c];
		}
		cs_hist_merge(&s->all, &s->okh);
		cs_hist_merge(&s->all, &s->failh);
		s->all.sum = s->sum_all;
		o->requests += s->requests;
		o->ok += s->ok;
		cs_hist_merge(&o->all, &s->all);
		cs_hist_merge(&o->okh, &s->okh);
	}
	o->all.sum = o->sum_all;
	o->okh.sum = o->sum_ok;
}

static void user_next(cs_model *m, uint32_t u, double lat, int cause);

static void
waiting_remove(cs_model *m, cs_req *r)
{
	if (r->cprev)
		r->cprev->cnext = r->cnext;
	else
		m->waiting_head = r->cnext;
	if (r->cnext)
		r->cnext->cprev = r->cprev;
	else
		m->waiting_tail = r->cprev;
	r->cprev = r->cnext = NULL;
}

/* A user that thinks for no time and gets its answers in no time would
 * loop forever at one instant; after this many in a row the run stops. */
#define STALL_LIMIT 10000

void
cs_load_respond(cs_model *m, cs_req *r, int cause)
{
	double now = m->e->now, lat = now - r->t_start;

	r->client_done = true;
	if (isfinite(m->sc->load.client_timeout))
		waiting_remove(m, r);
	m->outstanding--;
	if (cause < 0)
		m->completed++;
	else
		m->failed++;
	cs_tstat_add(&m->inflight, now, -1);
	if (m->measuring) {
		record(m, &m->eps[r->ep], lat, cause);
		if (cause < 0)
			cs_parts_record(m, r, lat);
	}
	if (m->ts_every > 0) {
		cs_hist_add(&m->ts_hist, lat);
		m->ts_req++;
		m->ts_fail += cause >= 0;
	}
	if (r->user != UINT32_MAX)
		user_next(m, r->user, lat, cause);
}

/* Time out every client that has waited load.client_timeout, oldest
 * first, then arm the timer for the next.  O(1) per request. */
static void
client_timeout_ev(cs_engine *e, void *data, uint64_t arg)
{
	cs_model *m = data;
	double limit = m->sc->load.client_timeout;

	(void)arg;
	/* still armed while answering: a user that sends again at once
	 * joins the tail, and the timer is armed once, below */
	while (m->waiting_head && m->waiting_head->t_start + limit <= e->now)
		/* the client gives up; the server goes on until it finishes */
		cs_load_respond(m, m->waiting_head, CS_CAUSE_CLIENT_TIMEOUT);
	m->timeout_armed = false;
	if (m->waiting_head && m->status == CS_OK) {
		if (cs_engine_schedule(e, m->waiting_head->t_start + limit,
		                       client_timeout_ev, m, 0))
			m->status = CS_ERR_NOMEM;
		else
			m->timeout_armed = true;
	}
}

static void
arrive_ev(cs_engine *e, void *data, uint64_t serial)
{
	cs_req *r = data;

	if (r->serial == serial)
		cs_app_admit(r->m, r);
}

/* Send one request from user u (UINT32_MAX: an open arrival). */
static void
send(cs_model *m, uint32_t u)
{
	const cs_scenario *sc = m->sc;
	cs_req *r = cs_req_new(m);
	double x;
	size_t lo = 0, len = sc->nendpoints;

	if (!r) {
		m->status = CS_ERR_NOMEM;
		cs_engine_stop(m->e);
		return;
	}
	/* endpoint by weight: the first whose cumulative weight is above x
	 * (the last's is 1), by a binary search without branches: the
	 * answer is in [lo, lo + len); a random x made the branchy one's
	 * every step a coin toss for the processor */
	x = cs_rng_uniform(m->rng[CS_RNG_LOAD]);
	while (len > 1) {
		size_t half = len / 2;

		lo += x < sc->cum_weight[lo + half - 1] ? 0 : half;
		len -= half;
	}
	r->ep = (uint32_t)lo;
	r->ops = sc->endpoints[lo].ops;
	r->user = u;
	r->t_start = m->e->now;
	cs_parts_start(m, r);
	m->generated++;
	m->outstanding++;
	cs_tstat_add(&m->inflight, m->e->now, 1);
	if (isfinite(sc->load.client_timeout)) {
		/* sent last, so it times out last: the tail */
		r->cnext = NULL;
		r->cprev = m->waiting_tail;
		if (m->waiting_tail)
			m->waiting_tail->cnext = r;
		else
			m->waiting_head = r;
		m->waiting_tail = r;
		if (!m->timeout_armed) {
			if (cs_engine_schedule(m->e, r->t_start +
			                       sc->load.client_timeout,
			                       client_timeout_ev, m, 0))
				m->status = CS_ERR_NOMEM;
			else
				m->timeout_armed = true;
		}
	}
	if (sc->load.has_rtt) {
		/* half the round trip before the app sees it */
		r->rtt = cs_dist_sample(&sc->load.rtt, m->rng[CS_RNG_LOAD]);
		if (cs_engine_schedule(m->e, m->e->now + r->rtt / 2, arrive_ev, r,
		                       r->serial))
			m->status = CS_ERR_NOMEM;
		return;
	}
	r->rtt = 0;
	cs_app_admit(m, r);
}

/* ---- closed users ------------------------------------------------------ */

static void
think_done_ev(cs_engine *e, void *data, uint64_t token)
{
	cs_model *m = data;
	uint32_t u = (uint32_t)(token & 0xffffffffu);

	if (m->users[u].token != token >> 32)
		return;
	m->users[u].waiting = true;
	send(m, u);
}

static void
user_next(cs_model *m, uint32_t u, double lat, int cause)
{
	cs_user *us = &m->users[u];
	double z = 0;

	us->waiting = false;
	us->instant = lat > 0 ? 0 : us->instant + 1;
	if ((long)u >= m->target) { /* ramping down: retire after this one */
		us->running = false;
		cs_tstat_add(&m->users_running, m->e->now, -1);
		return;
	}
	z = cs_dist_sample(&m->sc->load.think, m->rng[CS_RNG_LOAD]);
	if (z > 0)
		us->instant = 0;
	else if (us->instant > STALL_LIMIT) {
		m->status = CS_ERR_INVALID;
		m->stall_cause = cause;
		cs_engine_stop(m->e);
		return;
	}
	us->token++;
	if (cs_engine_schedule(m->e, m->e->now + z, think_done_ev, m,
	                       (us->token << 32) | u))
		m->status = CS_ERR_NOMEM;
}

static void
user_start(cs_model *m, uint32_t u)
{
	cs_user *us = &m->users[u];

	us->running = true;
	cs_tstat_add(&m->users_running, m->e->now, 1);
	us->waiting = true;
	us->token++;
	send(m, u);
}

static long
round_target(double x)
{
	return (long)floor(x + 0.5);
}

static void
closed_tick_ev(cs_engine *e, void *data, uint64_t arg)
{
	cs_model *m = data;
	double now = e->now, end, next;
	bool ramp;
	long t, u;

	t = round_target(cs_load_target_at(m->sc, now));
	if (t > m->nusers)
		t = m->nusers;
	m->target = t;
	for (u = 0; u < t; u++)
		if (!m->users[u].running)
			user_start(m, (uint32_t)u);
	end = stage_end(m->sc, now, &ramp);
	next = ramp ? fmin(now + RAMP_TICK, end) : end;
	if (isfinite(next) && next < m->sc->duration &&
	    cs_engine_schedule(e, next, closed_tick_ev, m, 0))
		m->status = CS_ERR_NOMEM;
}

/* ---- open arrivals ----------------------------------------------------- */

static void
arrival_ev(cs_engine *e, void *data, uint64_t candidate)
{
	cs_model *m = data;
	double now = e->now, end, lmax, t, rate;
	bool ramp;

	/* candidate != 0: a proposed arrival, accepted with probability
	 * rate(t) / lmax (thinning; lmax is what the candidate was drawn at) */
	if (candidate) {
		rate = cs_load_target_at(m->sc, now);
		if (m->rate_now > 0 &&
		    cs_rng_uniform(m->rng[CS_RNG_LOAD]) * m->rate_now < rate)
			send(m, UINT32_MAX);
	}
	/* next candidate by thinning against the stage's peak rate */
	end = stage_end(m->sc, now, &ramp);
	lmax = fmax(cs_load_target_at(m->sc, now),
	            isfinite(end) ? cs_load_target_at(m->sc, end - 1e-9) : 0);
	m->rate_now = lmax;
	if (lmax <= 0) {
		if (isfinite(end) && end < m->sc->duration &&
		    cs_engine_schedule(e, end, arrival_ev, m, 0))
			m->status = CS_ERR_NOMEM;
		return;
	}
	t = now + gsl_ran_exponential(m->rng[CS_RNG_LOAD], 1 / lmax);
	if (t >= end) { /* memoryless: start again at the boundary */
		if (end < m->sc->duration &&
		    cs_engine_schedule(e, end, arrival_ev, m, 0))
			m->status = CS_ERR_NOMEM;
		return;
	}
	if (t <= m->sc->duration &&
	    cs_engine_schedule(e, t, arrival_ev, m, 1))
		m->status = CS_ERR_NOMEM;
}

/*
 * Users pinned to processes that share them unevenly (affinity_alpha): the
 * processes' shares are drawn from a symmetric Dirichlet, then each user's
 * process from them, all from the pinning stream, so a replication's
 * crowd is its own (lab 1's gunicorn processes held 71/29% of 80 users in
 * one run and 46/54% in another).
 */
static cs_status
pin_shares(cs_model *m, size_t nusers)
{
	size_t k = (size_t)m->sc->app.processes, i, j;
	double *alpha = malloc(2 * k * sizeof *alpha), *share;

	if (!alpha)
		return CS_ERR_NOMEM;
	share = alpha + k;
	for (j = 0; j < k; j++)
		alpha[j] = m->sc->app.pin_alpha;
	gsl_ran_dirichlet(m->rng[CS_RNG_PIN], k, alpha, share);
	for (i = 0; i < nusers; i++) {
		double u = gsl_rng_uniform(m->rng[CS_RNG_PIN]), c = 0;

		for (j = 0; j + 1 < k; j++) {
			c += share[j];
			if (u < c)
				break;
		}
		m->users[i].proc = (uint32_t)j;
	}
	free(alpha);
	return CS_OK;
}

cs_status
cs_load_init(cs_model *m)
{
	const cs_load_conf *l = &m->sc->load;
	long maxu = l->users;
	size_t i;

	if (l->open)
		return CS_OK;
	for (i = 0; i < l->nstages; i++) {
		double v = stage_value(m->sc, &l->stages[i]);

		if (round_target(v) > maxu)
			maxu = round_target(v);
	}
	m->nusers = maxu;
	m->users = calloc(maxu > 0 ? (size_t)maxu : 1, sizeof *m->users);
	if (!m->users)
		return CS_ERR_NOMEM;
	/* each user's keep-alive connection lands on a process at random, as
	 * processes racing in accept() spread them: unevenly (its own
	 * stream, so the other draws are those of affinity: user) */
	/* a layout given (affinity_users): user i to the process whose
	 * cumulative share of the users its middle falls in; exact when the
	 * counts add up to the users */
	if (m->sc->app.sticky && m->sc->app.pin_counts) {
		const long *c = m->sc->app.pin_counts;
		size_t k = (size_t)m->sc->app.processes, j = 0;
		double sum = 0, cum;

		for (i = 0; i < k; i++)
			sum += (double)c[i];
		cum = (double)c[0];
		for (i = 0; i < (size_t)maxu; i++) {
			while (j + 1 < k &&
			       ((double)i + 0.5) * sum / (double)maxu >= cum)
				cum += (double)c[++j];
			m->users[i].proc = (uint32_t)j;
		}
		return CS_OK;
	}
	if (m->sc->app.sticky && m->sc->app.pin_random &&
	    m->sc->app.pin_alpha > 0)
		return pin_shares(m, (size_t)maxu);
	if (m->sc->app.sticky && m->sc->app.pin_random)
		for (i = 0; i < (size_t)maxu; i++)
			m->users[i].proc = (uint32_t)gsl_rng_uniform_int(
			    m->rng[CS_RNG_PIN],
			    (unsigned long)m->sc->app.processes);
	return CS_OK;
}

void
cs_load_destroy(cs_model *m)
{
	free(m->users);
	m->users = NULL;
}

cs_status
cs_load_start(cs_model *m)
{
	if (m->sc->load.open)
		return cs_engine_schedule(m->e, 0, arrival_ev, m, 0);
	return cs_engine_schedule(m->e, 0, closed_tick_ev, m, 0);
}
