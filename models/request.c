/*
 * A request: the interpreter of an endpoint's program, and the free list
 * that recycles request objects so the hot path allocates nothing once the
 * peak number of requests in flight has been reached.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "models/model.h"

const char *const cs_cause_names[CS_CAUSE_N] = {
	[CS_CAUSE_POOL_TIMEOUT] = "pool_timeout",
	[CS_CAUSE_BACKLOG_FULL] = "backlog_full",
	[CS_CAUSE_CLIENT_TIMEOUT] = "client_timeout",
	[CS_CAUSE_SERVER_TIMEOUT] = "server_timeout",
	[CS_CAUSE_UPSTREAM_TIMEOUT] = "upstream_timeout",
	[CS_CAUSE_RATE_LIMITED] = "rate_limited",
	[CS_CAUSE_UPSTREAM_ERROR] = "upstream_error",
	[CS_CAUSE_DB_REFUSED] = "db_refused",
};


/* Refill the free list with a slab of requests; the first, or NULL
 * without memory. */
cs_req *
cs_req_slab(cs_model *m)
{
	cs_req *slab;
	size_t i;

	if (m->nslabs == m->capslabs) {
		size_t nc = m->capslabs ? 2 * m->capslabs : 16;
		cs_req **ns = realloc(m->slabs, nc * sizeof *ns);

		if (!ns)
			return NULL;
		m->slabs = ns;
		m->capslabs = nc;
	}
	/* the requests, then their time-by-part arrays, in one
	 * block: nothing more to allocate or free per request */
	slab = calloc(CS_REQ_SLAB, sizeof *slab + m->nparts * sizeof(double));
	if (!slab)
		return NULL;
	m->slabs[m->nslabs++] = slab;
	for (i = 0; i < CS_REQ_SLAB; i++) {
		slab[i].part = (double *)(slab + CS_REQ_SLAB) + i * m->nparts;
		slab[i].next = m->free_reqs;
		m->free_reqs = &slab[i];
	}
	return m->free_reqs;
}

static void
req_recycle(cs_model *m, cs_req *r)
{
	r->serial = ++m->serials; /* outstanding timers now miss */
	r->live = false;
	/* its parts from 0 for the next request, here while they are in
	 * the cache (a slab's start from calloc) */
	memset(r->part, 0, m->nparts * sizeof *r->part);
	r->next = m->free_reqs;
	m->free_reqs = r;
}

void
cs_queue_remove(cs_queue *q, cs_req *r)
{
	cs_assert(q->n > 0 && (r->prev ? r->prev->next == r : q->head == r) &&
	          (r->next ? r->next->prev == r : q->tail == r),
	          "a request is removed from the queue it is in");
	if (r->prev)
		r->prev->next = r->next;
	else
		q->head = r->next;
	if (r->next)
		r->next->prev = r->prev;
	else
		q->tail = r->prev;
	r->prev = r->next = NULL;
	q->n--;
}

void
cs_req_resume_ev(cs_engine *e, void *data, uint64_t serial)
{
	cs_req *r = data;

	if (r->serial != serial)
		return;
	cs_req_run(r->m, r);
}

/* A query's round trip is over: its work reaches the DB's cores. */
static void
round_trip_ev(cs_engine *e, void *data, uint64_t serial)
{
	cs_req *r = data;

	(void)e;
	cs_assert(r->serial == serial && r->has_conn,
	          "a query's round trip belongs to a live request holding "
	          "a connection");
	cs_db_query(r->m, r, r->wait_work);
}

/*
 * Run the program from r->pc until it has to wait for something (a CPU, a
 * timer, a connection, a service) or ends.  O(1) per step.
 */
void
cs_req_run(cs_model *m, cs_req *r)
{
	for (;;) {
		const cs_op *op;

		if (r->aborted) {
			cs_req_finish(m, r, CS_CAUSE_SERVER_TIMEOUT);
			return;
		}
		op = &r->ops[r->pc++];
		switch (op->kind) {
		case CS_OP_CPU: {
			double work = cs_dist_sample(&op->d, m->rng[CS_RNG_APP]);

			cs_part_work(m, r, CS_PART_CPU, work * m->sc->app.cpu_scale);
			cs_app_cpu(m, r, work);
			return;
		}
		case CS_OP_DELAY:
			cs_part_to(m, r, CS_PART_DELAY);
			if (cs_engine_schedule(m->e, m->e->now +
			    cs_dist_sample(&op->d, m->rng[CS_RNG_APP]),
			    cs_req_resume_ev, r, r->serial))
				m->status = CS_ERR_NOMEM;
			return;
		case CS_OP_ACQUIRE:
			if (!cs_pool_acquire(m, r))
				return; /* waiting, or failed and finished */
			break;
		case CS_OP_QUERY: {
			double work = cs_dist_sample(&op->d, m->rng[CS_RNG_DB]);
			double rt = m->sc->db.has_round_trip ?
			    cs_dist_sample(&m->sc->db.round_trip,
			                   m->rng[CS_RNG_DB]) : 0;

			/* db.round_trip: the query's messages travel before
			 * its work starts; the connection stays held */
			if (rt > 0) {
				cs_part_to(m, r, CS_PART_NETWORK);
				r->wait_work = work;
				if (cs_engine_schedule(m->e, m->e->now + rt,
				    round_trip_ev, r, r->serial))
					m->status = CS_ERR_NOMEM;
				return;
			}
			cs_db_query(m, r, work);
			return;
		}
		case CS_OP_RELEASE:
			cs_pool_release(m, r);
			break;
		case CS_OP_CACHE: {
			/* the hit is decided when the lookup is sent */
			bool hit = op->keyed ? cs_cache_lookup(m, r, op) :
			           cs_rng_uniform(m->rng[CS_RNG_CACHE]) < op->p;
			double lat = cs_dist_sample(&op->d, m->rng[CS_RNG_CACHE]);

			if (m->measuring) {
				m->cache_lookups++;
				m->cache_hits += hit;
			}
			if (hit)
				r->pc = op->jump;
			if (lat > 0) {
				cs_part_to(m, r, CS_PART_CACHE);
				if (cs_engine_schedule(m->e, m->e->now + lat,
				    cs_req_resume_ev, r, r->serial))
					m->status = CS_ERR_NOMEM;
				return;
			}
			break;
		}
		case CS_OP_CACHE_SET:
			cs_cache_set(m, r, op);
			break;
		case CS_OP_CALL:
			r->attempt = 0;
			cs_service_call(m, r, op->service);
			return;
		case CS_OP_BRANCH:
			if (!(cs_rng_uniform(m->rng[CS_RNG_ROUTE]) < op->p))
				r->pc = op->jump;
			break;
		case CS_OP_END:
			cs_req_finish(m, r, -1);
			return;
		}
	}
}

/* Drop one hold on r; the last one recycles it. */
static void
release_hold(cs_model *m, cs_req *r)
{
	if (--r->holds == 0)
		req_recycle(m, r);
}

/* The answer reaches the client half a round trip after the app sent it. */
static void
deliver_ev(cs_engine *e, void *data, uint64_t arg)
{
	cs_req *r = data;

	if (!r->client_done) /* the client may have given up meanwhile */
		cs_load_respond(r->m, r, (int)arg - 1);
	release_hold(r->m, r);
}

void
cs_req_answer(cs_model *m, cs_req *r, int cause)
{
	if (r->client_done || r->notified)
		return;
	r->notified = true;
	if (r->rtt > 0) {
		/* r stays alive until the answer arrives */
		r->holds++;
		if (cs_engine_schedule(m->e, m->e->now + r->rtt / 2, deliver_ev, r,
		                       (uint64_t)(cause + 1)))
			m->status = CS_ERR_NOMEM;
		return;
	}
	cs_load_respond(m, r, cause);
}

/*
 * The server is done with r (success, or a failure with a cause): give back
 * everything it holds, answer the client if it still waits, recycle.
 */
void
cs_req_finish(cs_model *m, cs_req *r, int cause)
{
	if (r->svc >= 0)
		cs_service_release(m, r);
	if (r->has_conn)
		cs_pool_release(m, r);
	if (r->has_worker)
		cs_app_release_worker(m, r);
	m->inst[r->inst].inflight--;
	r->server_done = true;
	/* app.request_timeout has nothing left to stop */
	if (r->srv_tmo)
		cs_engine_cancel(m->e, r->srv_tmo);
	cs_part_to(m, r, CS_PART_NETWORK); /* the answer's way back */
	cs_req_answer(m, r, cause);
	release_hold(m, r);
}
