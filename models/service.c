/*
 * External services (an AI provider, the WhatsApp Cloud API).
 *
 * One attempt: wait for a client-side concurrency slot (an HTTP agent's
 * maxSockets; the limit holds per app instance, each having its own
 * client), pass the provider's token bucket (or get a 429 after
 * rl_latency; a second bucket counts the call's tokens against a
 * tokens-per-minute limit), then take a latency draw; with probability
 * error_rate the answer is an error.  The attempt's timeout counts from its start, queueing
 * included.  A failed attempt is retried up to `retries` times after an
 * exponential backoff with jitter, when its cause is in retry_on; a client
 * that honours Retry-After waits at least the 429's value.
 *
 * A kind: batch service replaces the latency draw by a place in one
 * continuous-batching server (batch.c); slots, rate limit, timeout, errors
 * and retries work the same for both kinds.
 */
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_rng.h>

#include "models/model.h"

static void attempt_start(cs_model *m, cs_req *r);
static void slot_granted_ev(cs_engine *e, void *data, uint64_t token);

/* Free a slot of service id at app instance inst and hand it to the next
 * waiter there. */
static void
slot_free(cs_model *m, int id, uint32_t inst)
{
	cs_service *s = &m->svc[id];
	cs_req *next;

	s->inflight[inst]--;
	s->active--;
	cs_tstat_add(&s->conc, m->e->now, -1);
	next = cs_queue_pop(&s->wait[inst]);
	if (next) {
		cs_tstat_add(&s->slotq, m->e->now, -1);
		next->svc = id;
		s->inflight[inst]++;
		s->active++;
		cs_tstat_add(&s->conc, m->e->now, 1);
		/* an event, not a nested call: hand-off chains stay flat */
		if (cs_engine_schedule(m->e, m->e->now, slot_granted_ev, next,
		                       next->token))
			m->status = CS_ERR_NOMEM;
	}
}

/* Give the slot back and hand it to the next waiter. */
void
cs_service_release(cs_model *m, cs_req *r)
{
	int id = r->svc;

	if (r->b_where != CS_BATCH_NONE)
		cs_batch_leave(m, r, id);
	r->svc = -1;
	slot_free(m, id, r->inst);
}

/* The provider finishes an attempt its client gave up on (on_timeout:
 * hold): the slot is free now.  No request is involved: the token carries
 * the service (high 32 bits) and the instance (low 32). */
static void
held_end_ev(cs_engine *e, void *data, uint64_t token)
{
	(void)e;
	slot_free(data, (int)(token >> 32), (uint32_t)(token & 0xffffffffu));
}

uint32_t
cs_service_count(const cs_dist *d, gsl_rng *rng, uint32_t lo)
{
	double x = nearbyint(cs_dist_sample(d, rng));

	if (!(x >= lo))
		return lo;
	return x > 1e9 ? 1000000000u : (uint32_t)x;
}

static double
backoff(cs_model *m, const cs_service_conf *c, uint32_t attempt)
{
	double d = c->backoff * ldexp(1.0, (int)attempt);

	if (d > c->max_backoff)
		d = c->max_backoff;
	switch (c->jitter) {
	case CS_JITTER_FULL:
		return gsl_rng_uniform(m->rng[CS_RNG_EXT]) * d;
	case CS_JITTER_EQUAL:
		return d / 2 + gsl_rng_uniform(m->rng[CS_RNG_EXT]) * d / 2;
	default:
		return d;
	}
}

static void
retry_ev(cs_engine *e, void *data, uint64_t token)
{
	cs_req *r = data;

	if (r->token != token)
		return;
	attempt_start(r->m, r);
}

/* The attempt ended with cause (-1: success). */
void
cs_service_attempt_end(cs_model *m, cs_req *r, int cause)
{
	int id = m->sc->endpoints[r->ep].ops[r->pc - 1].service;
	const cs_service_conf *c = &m->sc->services[id];
	unsigned k;

	r->token = ++m->tokens;
	/* an answer in time: its timeout would only be popped and ignored */
	cs_engine_cancel(m->e, r->tmo);
	r->tmo = 0;
	if (r->svc >= 0)
		cs_service_release(m, r);
	if (cause < 0) {
		cs_req_run(m, r);
		return;
	}
	if (r->attempt < (uint32_t)c->retries && (c->retry_on >> cause & 1u) &&
	    !r->aborted) {
		double d = backoff(m, c, r->attempt);

		/* a client that honours Retry-After (the OpenAI SDKs do) waits
		 * at least that long after a 429 */
		if (cause == CS_CAUSE_RATE_LIMITED && c->retry_after &&
		    r->retry_after > d)
			d = r->retry_after;
		/* the wait before the next attempt, and the failed attempt's
		 * time at the provider (relabelled: it was not the answer),
		 * go to rate limiting after a 429, else to retries; its time
		 * in the slot queue stays queueing, a 429's stays rate
		 * limiting */
		k = cause == CS_CAUSE_RATE_LIMITED ? CS_PART_SVC_RATE :
		    CS_PART_SVC_RETRY;
		if (r->part_now == CS_PART_SVC(id, CS_PART_SVC_QUEUE) ||
		    r->part_now == CS_PART_SVC(id, CS_PART_SVC_RATE))
			cs_part_to(m, r, CS_PART_SVC(id, k));
		else
			r->part_now = CS_PART_SVC(id, k);
		r->attempt++;
		if (cs_engine_schedule(m->e, m->e->now + d, retry_ev, r, r->token))
			m->status = CS_ERR_NOMEM;
		return;
	}
	cs_req_finish(m, r, cause);
}

static void
answer_ev(cs_engine *e, void *data, uint64_t token)
{
	cs_req *r = data;

	if (r->token != token)
		return;
	if (r->fail == CS_CAUSE_UPSTREAM_ERROR && r->m->measuring)
		r->m->svc[r->m->sc->endpoints[r->ep].ops[r->pc - 1].service].errors++;
	cs_service_attempt_end(r->m, r, r->fail);
}

static void
timeout_ev(cs_engine *e, void *data, uint64_t token)
{
	cs_req *r = data;
	cs_model *m = r->m;
	int id;

	if (r->token != token)
		return; /* answered already, or r is another request now */
	id = m->sc->endpoints[r->ep].ops[r->pc - 1].service;
	if (r->svc < 0) { /* still queued for a slot */
		cs_queue_remove(&m->svc[id].wait[r->inst], r);
		cs_tstat_add(&m->svc[id].slotq, m->e->now, -1);
	}
	else if (r->b_where != CS_BATCH_NONE) /* the client hangs up: vLLM
	                                       * aborts the sequence */
		cs_batch_leave(m, r, id);
	else if (m->sc->services[id].hold_on_timeout &&
	         r->svc_end > m->e->now) {
		/* the provider goes on with it: the slot stays taken until
		 * it would have answered; the request moves on without it */
		if (cs_engine_schedule(m->e, r->svc_end, held_end_ev, m,
		                       (uint64_t)id << 32 | r->inst))
			m->status = CS_ERR_NOMEM;
		r->svc = -1;
	}
	if (m->measuring)
		m->svc[id].timeouts++;
	cs_service_attempt_end(m, r, CS_CAUSE_UPSTREAM_TIMEOUT);
}

/*
 * A provider that fails more as it gets busier (an LLM API's 500s rising
 * with load): the probability at the attempts in flight at the provider,
 * this one included, linear between the table's points and flat beyond
 * its ends.  O(table) per attempt; tables hold at most CS_ERR_TABLE_MAX.
 */
static double
error_at(const cs_service_conf *c, double n)
{
	int k;

	if (n <= c->err_n[0])
		return c->err_p[0];
	for (k = 1; k < c->err_len; k++)
		if (n <= c->err_n[k])
			return c->err_p[k - 1] + (c->err_p[k] - c->err_p[k - 1]) *
			       (n - c->err_n[k - 1]) / (c->err_n[k] - c->err_n[k - 1]);
	return c->err_p[c->err_len - 1];
}

/*
 * The provider's rate limits: a request bucket (rps) and a token bucket
 * (tpm), both refilled continuously up to now.  The attempt passes when the
 * first holds 1 and the second its need, and then takes both; otherwise it
 * takes nothing and *wait gets the seconds until both would hold enough
 * without other takers (the Retry-After), 0 when never (a call larger than
 * the token bucket: no retry-after helps).  O(1).
 */
static bool
rate_pass(cs_service *s, const cs_service_conf *c, double need, double now,
          double *wait)
{
	double dt = now - s->tokens_t, w = 0;
	bool pass = true;

	s->tokens_t = now;
	if (c->rl_rate > 0) {
		s->tokens += dt * c->rl_rate;
		if (s->tokens > c->rl_burst)
			s->tokens = c->rl_burst;
		if (s->tokens < 1) {
			pass = false;
			w = (1 - s->tokens) / c->rl_rate;
		}
	}
	if (c->tpm_rate > 0) {
		s->tpm_level += dt * c->tpm_rate;
		if (s->tpm_level > c->tpm_burst)
			s->tpm_level = c->tpm_burst;
		if (need > c->tpm_burst) {
			*wait = 0;
			return false;
		}
		if (s->tpm_level < need) {
			pass = false;
			w = fmax(w, (need - s->tpm_level) / c->tpm_rate);
		}
	}
	*wait = w;
	if (!pass)
		return false;
	if (c->rl_rate > 0)
		s->tokens -= 1;
	if (c->tpm_rate > 0)
		s->tpm_level -= need;
	return true;
}

/* The request holds a slot: the provider sees the attempt. */
static void
attempt_go(cs_model *m, cs_req *r)
{
	int id = m->sc->endpoints[r->ep].ops[r->pc - 1].service;
	const cs_service_conf *c = &m->sc->services[id];
	cs_service *s = &m->svc[id];
	double now = m->e->now, lat, perr;

	if (m->measuring) {
		s->attempts++;
		if (c->tpm_rate > 0)
			s->tpm_asked += r->tpm_need;
	}
	if ((c->rl_rate > 0 || c->tpm_rate > 0) &&
	    !rate_pass(s, c, r->tpm_need, now, &r->retry_after)) {
		if (m->measuring)
			s->rejected++;
		cs_part_to(m, r, CS_PART_SVC(id, CS_PART_SVC_RATE));
		r->fail = CS_CAUSE_RATE_LIMITED;
		r->svc_end = now + c->rl_latency;
		if (cs_engine_schedule(m->e, now + c->rl_latency, answer_ev, r,
		                       r->token))
			m->status = CS_ERR_NOMEM;
		return;
	}
	if (c->kind == CS_SVC_BATCH) {
		cs_batch_submit(m, r, id);
		return;
	}
	cs_part_to(m, r, CS_PART_SVC(id, CS_PART_SVC_SERVICE));
	lat = cs_dist_sample(&c->latency, m->rng[CS_RNG_EXT]);
	r->fail = -1;
	perr = c->err_len ? error_at(c, (double)s->active) : c->error_rate;
	if (perr > 0 && cs_rng_uniform(m->rng[CS_RNG_EXT]) < perr)
		r->fail = CS_CAUSE_UPSTREAM_ERROR; /* counted when it arrives */
	r->svc_end = now + lat;
	if (cs_engine_schedule(m->e, now + lat, answer_ev, r, r->token))
		m->status = CS_ERR_NOMEM;
}

static void
slot_granted_ev(cs_engine *e, void *data, uint64_t token)
{
	cs_req *r = data;

	if (r->token != token)
		return;
	attempt_go(r->m, r);
}

static void
attempt_start(cs_model *m, cs_req *r)
{
	int id = m->sc->endpoints[r->ep].ops[r->pc - 1].service;
	const cs_service_conf *c = &m->sc->services[id];
	cs_service *s = &m->svc[id];

	r->token = ++m->tokens;
	if (isfinite(c->timeout) &&
	    cs_engine_schedule_id(m->e, m->e->now + c->timeout, timeout_ev, r,
	                          r->token, &r->tmo))
		m->status = CS_ERR_NOMEM;
	if (c->concurrency > 0 && s->inflight[r->inst] >= c->concurrency) {
		s->bound = true; /* the concurrency decides from here */
		cs_part_to(m, r, CS_PART_SVC(id, CS_PART_SVC_QUEUE));
		cs_queue_push(&s->wait[r->inst], r);
		cs_tstat_add(&s->slotq, m->e->now, 1);
		return;
	}
	r->svc = id;
	if (++s->inflight[r->inst] > s->peak)
		s->peak = s->inflight[r->inst];
	s->active++;
	cs_tstat_add(&s->conc, m->e->now, 1);
	attempt_go(m, r);
}

void
cs_service_call(cs_model *m, cs_req *r, int svc)
{
	const cs_service_conf *c = &m->sc->services[svc];

	/* one count for the call: a retry sends the same request again */
	if (c->tpm_rate > 0)
		r->tpm_need = (double)cs_service_count(&c->tokens,
		                                       m->rng[CS_RNG_EXT], 0);
	attempt_start(m, r);
}

cs_status
cs_service_init(cs_model *m)
{
	size_t i;

	if (m->sc->nservices == 0)
		return CS_OK;
	m->svc = calloc(m->sc->nservices, sizeof *m->svc);
	if (!m->svc)
		return CS_ERR_NOMEM;
	for (i = 0; i < m->sc->nservices; i++) {
		size_t ni = (size_t)m->sc->app.instances;

		m->svc[i].tokens = m->sc->services[i].rl_burst;
		m->svc[i].tpm_level = m->sc->services[i].tpm_burst;
		cs_tstat_init(&m->svc[i].conc, 0, 0);
		cs_tstat_init(&m->svc[i].slotq, 0, 0);
		m->svc[i].inflight = calloc(ni, sizeof *m->svc[i].inflight);
		m->svc[i].wait = calloc(ni, sizeof *m->svc[i].wait);
		if (!m->svc[i].inflight || !m->svc[i].wait)
			return CS_ERR_NOMEM;
	}
	return CS_OK;
}

void
cs_service_destroy(cs_model *m)
{
	size_t i;

	if (!m->svc)
		return;
	for (i = 0; i < m->sc->nservices; i++) {
		free(m->svc[i].inflight);
		free(m->svc[i].wait);
	}
	free(m->svc);
	m->svc = NULL;
}
