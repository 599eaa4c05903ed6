/*
 * A continuous-batching inference server (vLLM, TGI, SGLang): the server
 * behind a services.NAME with kind: batch.
 *
 * The server runs in steps.  Every step serves every running sequence at
 * once: each gets one output token.  A step lasts step_time(n), n the
 * running sequences (a + b n, or a table), plus prefill_per_token times the
 * prompt tokens of the sequences that joined at its start (their prefill;
 * that step also gives them their first token, as vLLM's first iteration
 * does).  At a step boundary the finished sequences leave and the waiting
 * ones join, oldest first, while the batch has fewer than max_batch and
 * their KV tokens (prompt + output, reserved whole when they join) fit in
 * max_tokens; the first one that does not fit stops admission (FCFS, no
 * overtaking).  So a request alone takes
 *     prefill_per_token x prompt + output x step_time(1),
 * and k identical requests sent together take output x step_time(k) plus
 * their k prefills, and finish together.
 *
 * One server per service, shared by all app instances.  Cost: one event per
 * step, O(n) per step for the n running sequences; the queues are the
 * requests' own links, so nothing is allocated after start-up.
 */
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_rng.h>

#include "models/model.h"

static void step_ev(cs_engine *e, void *data, uint64_t id);

double
cs_batch_step_time(const cs_service_conf *c, double n)
{
	size_t k;

	if (c->nstep == 0)
		return c->step_base + c->step_per_seq * n;
	if (c->nstep == 1 || n <= c->step_n[0])
		return c->step_t[0];
	/* between two points, or beyond the last along the last segment */
	for (k = 1; k < c->nstep - 1 && n > c->step_n[k]; k++)
		;
	return c->step_t[k - 1] + (c->step_t[k] - c->step_t[k - 1]) *
	       (n - c->step_n[k - 1]) / (c->step_n[k] - c->step_n[k - 1]);
}

static void
levels(cs_batch *b, double now)
{
	cs_tstat_set(&b->size, now, (double)b->running.n);
	cs_tstat_set(&b->queue, now, (double)b->waiting.n);
	cs_tstat_set(&b->kv, now, b->kv_used);
}

/* Make sure a step boundary comes: at once when the server is idle, so that
 * requests arriving at the same instant join the same step. */
static void
wake(cs_model *m, cs_batch *b, int id)
{
	if (b->stepping)
		return;
	b->stepping = true;
	if (cs_engine_schedule(m->e, m->e->now, step_ev, m, (uint64_t)id))
		m->status = CS_ERR_NOMEM;
}

void
cs_batch_submit(cs_model *m, cs_req *r, int id)
{
	const cs_service_conf *c = &m->sc->services[id];
	cs_batch *b = m->svc[id].batch;

	r->b_prompt = cs_service_count(&c->prompt_tokens, m->rng[CS_RNG_EXT], 0);
	r->b_left = cs_service_count(&c->output_tokens, m->rng[CS_RNG_EXT], 1);
	r->b_need = (double)r->b_prompt + (double)r->b_left;
	r->b_t0 = m->e->now;
	b->in++;
	if (r->b_need > c->max_tokens) {
		/* can never fit: vLLM answers 400 (longer than the context) */
		b->dropped++;
		r->fail = CS_CAUSE_UPSTREAM_ERROR;
		if (m->measuring)
			m->svc[id].errors++;
		cs_service_attempt_end(m, r, CS_CAUSE_UPSTREAM_ERROR);
		return;
	}
	r->b_where = CS_BATCH_WAITING;
	cs_part_to(m, r, CS_PART_SVC(id, CS_PART_SVC_BATCH));
	cs_queue_push(&b->waiting, r);
	cs_tstat_set(&b->queue, m->e->now, (double)b->waiting.n);
	wake(m, b, id);
}

void
cs_batch_leave(cs_model *m, cs_req *r, int id)
{
	cs_batch *b = m->svc[id].batch;

	if (r->b_where == CS_BATCH_WAITING) {
		cs_queue_remove(&b->waiting, r);
	} else if (r->b_where == CS_BATCH_RUNNING) {
		cs_queue_remove(&b->running, r);
		b->kv_used -= r->b_need;
	} else {
		return;
	}
	r->b_where = CS_BATCH_NONE;
	b->dropped++;
	levels(b, m->e->now);
	/* a freed place may let the head of the queue in at the next
	 * boundary; an idle server with waiters starts one now */
	if (b->waiting.n > 0)
		wake(m, b, id);
}

/*
 * A step boundary: the step that ends gave every running sequence a token;
 * the finished leave, the waiting join, the next step starts, and then the
 * finished get their answers (last, so that a request calling the same
 * service again queues for the next boundary).  O(running + joining).
 */
static void
step_ev(cs_engine *e, void *data, uint64_t arg)
{
	cs_model *m = data;
	int id = (int)arg;
	const cs_service_conf *c = &m->sc->services[id];
	cs_service *s = &m->svc[id];
	cs_batch *b = s->batch;
	double now = e->now, prefill = 0;
	cs_req *r, *next;

	if (b->running.n > 0 && m->measuring)
		b->steps++; /* the step ending now */
	for (r = b->running.head; r; r = next) {
		next = r->next;
		if (m->measuring) {
			b->out_tokens++;
			/* the first token: this sequence's first step ends now */
			if (r->b_left + r->b_prompt == r->b_need)
				cs_hist_add(&b->ttft, now - r->b_t0);
		}
		if (--r->b_left == 0) {
			cs_queue_remove(&b->running, r);
			b->kv_used -= r->b_need;
			r->b_where = CS_BATCH_NONE;
			cs_queue_push(&b->done, r);
		}
	}
	while ((r = b->waiting.head) && (long)b->running.n < c->max_batch &&
	       b->kv_used + r->b_need <= c->max_tokens) {
		cs_queue_remove(&b->waiting, r);
		cs_queue_push(&b->running, r);
		r->b_where = CS_BATCH_RUNNING;
		cs_part_to(m, r, CS_PART_SVC(id, CS_PART_SVC_SERVICE));
		b->kv_used += r->b_need;
		prefill += c->prefill_per_token * r->b_prompt;
		if (m->measuring)
			b->in_tokens += r->b_prompt;
	}
	levels(b, now);
	if (b->running.n > 0) {
		if (cs_engine_schedule(e, now + prefill +
		    cs_batch_step_time(c, (double)b->running.n), step_ev, m, arg))
			m->status = CS_ERR_NOMEM;
	} else {
		b->stepping = false;
	}
	while ((r = cs_queue_pop(&b->done))) {
		int cause = -1;

		b->out++;
		if (m->measuring) {
			b->finished++;
			cs_hist_add(&b->total, now - r->b_t0);
		}
		if (c->error_rate > 0 &&
		    gsl_rng_uniform(m->rng[CS_RNG_EXT]) < c->error_rate) {
			cause = CS_CAUSE_UPSTREAM_ERROR;
			if (m->measuring)
				s->errors++;
		}
		r->fail = cause;
		cs_service_attempt_end(m, r, cause);
	}
}

void
cs_batch_reset(cs_model *m, double now)
{
	size_t i;

	for (i = 0; i < m->sc->nservices; i++) {
		cs_batch *b = m->svc[i].batch;

		if (!b)
			continue;
		cs_tstat_reset(&b->size, now);
		cs_tstat_reset(&b->queue, now);
		cs_tstat_reset(&b->kv, now);
		cs_hist_reset(&b->ttft);
		cs_hist_reset(&b->total);
		b->out_tokens = b->in_tokens = b->finished = b->steps = 0;
	}
}

bool
cs_batch_conserved(const cs_model *m)
{
	size_t i;

	for (i = 0; i < m->sc->nservices; i++) {
		const cs_batch *b = m->svc[i].batch;

		if (b && b->in != b->out + b->dropped + b->waiting.n +
		    b->running.n + b->done.n)
			return false;
	}
	return true;
}

cs_status
cs_batch_init(cs_model *m)
{
	size_t i;

	for (i = 0; i < m->sc->nservices; i++) {
		cs_batch *b;

		if (m->sc->services[i].kind != CS_SVC_BATCH)
			continue;
		b = calloc(1, sizeof *b);
		if (!b)
			return CS_ERR_NOMEM;
		m->svc[i].batch = b;
		cs_tstat_init(&b->size, 0, 0);
		cs_tstat_init(&b->queue, 0, 0);
		cs_tstat_init(&b->kv, 0, 0);
		cs_hist_reset(&b->ttft);
		cs_hist_reset(&b->total);
	}
	return CS_OK;
}

void
cs_batch_destroy(cs_model *m)
{
	size_t i;

	if (!m->svc)
		return;
	for (i = 0; i < m->sc->nservices; i++) {
		free(m->svc[i].batch);
		m->svc[i].batch = NULL;
	}
}
