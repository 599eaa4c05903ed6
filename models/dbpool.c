/*
 * The DB connection pool of each app instance and the DB server behind it.
 *
 * A pool (SQLAlchemy QueuePool, node-postgres Pool, HikariCP) opens up to
 * pool.size connections, lazily, and keeps them; a request that finds none
 * idle waits up to acquire_timeout (in FIFO order, or with db.pool.order:
 * random any waiter gets a released connection; with db.pool.handoff the
 * woken waiter takes a moment to claim it, and a newcomer may take it
 * first), then fails with
 * pool_timeout.  With db.pool.max_waiting, a request that finds that many
 * already waiting fails at once, also with pool_timeout (the application's
 * guard against a deep queue: a pool-exhausted / queue-full error).  Opening a connection beyond the server's max_connections
 * fails at once (PostgreSQL's "too many clients": db_refused).  Queries share
 * the server's cores by processor sharing.
 */
#include <math.h>
#include <stdlib.h>

#include "models/model.h"

static void
grant(cs_model *m, cs_req *r)
{
	cs_pool *pl = &m->pools[r->pool];

	r->has_conn = true;
	pl->in_use++;
	cs_tstat_add(&m->pool_in_use, m->e->now, 1);
}

static void handoff_ev(cs_engine *e, void *data, uint64_t token);
static void pass_on(cs_model *m, cs_pool *pl);

static void
timeout_ev(cs_engine *e, void *data, uint64_t token)
{
	cs_req *r = data;
	cs_model *m = r->m;
	cs_pool *pl;

	if (r->token != token)
		return; /* it got a connection, or is another request now */
	pl = &m->pools[r->pool];
	r->tmo = 0;
	r->token = ++m->tokens;
	cs_tstat_add(&m->pool_waiters, e->now, -1);
	if (r->handing) {
		/* it timed out while claiming a connection, which passes on */
		cs_queue_remove(&pl->handing, r);
		r->handing = false;
		cs_req_finish(m, r, CS_CAUSE_POOL_TIMEOUT);
		pass_on(m, pl);
		return;
	}
	cs_queue_remove(&pl->wait, r);
	cs_req_finish(m, r, CS_CAUSE_POOL_TIMEOUT);
}

/* r's pool wait, to its deadline: a new token (so that the timers of an
 * earlier wait cannot match) and its timer. */
static void
wait_timer(cs_model *m, cs_req *r)
{
	r->token = ++m->tokens;
	/* most waits end with a grant, which cancels the timer: left pending,
	 * 30 s timers outnumbered every other event in the list */
	if (isfinite(r->deadline) &&
	    cs_engine_schedule_id(m->e, r->deadline, timeout_ev, r, r->token,
	                          &r->tmo))
		m->status = CS_ERR_NOMEM;
}

bool
cs_pool_acquire(cs_model *m, cs_req *r)
{
	const cs_db_conf *db = &m->sc->db;
	cs_pool *pl = &m->pools[r->pool];

	if (pl->in_use < pl->open) {
		grant(m, r);
		return true;
	}
	if (pl->open < db->pool_size) {
		if (m->db_open >= db->max_connections) {
			cs_req_finish(m, r, CS_CAUSE_DB_REFUSED);
			return false;
		}
		pl->open++;
		m->db_open++;
		if (pl->open > m->pool_peak)
			m->pool_peak = pl->open;
		cs_tstat_set(&m->db_conns, m->e->now, (double)m->db_open);
		grant(m, r);
		return true;
	}
	/* from here on the pool's size decides what happens */
	m->pool_bound = true;
	/* db.pool.handoff: a returned connection whose woken waiter has not
	 * claimed it yet goes to whoever asks first; the waiter (the one
	 * woken longest ago) finds it gone and waits again at the back, to
	 * the same deadline */
	if (pl->handing.n > 0) {
		cs_req *w = cs_queue_pop(&pl->handing);

		w->handing = false;
		cs_queue_push(&pl->wait, w);
		cs_engine_cancel(m->e, w->tmo);
		w->tmo = 0;
		wait_timer(m, w);
		r->has_conn = true; /* the connection is in in_use already */
		m->pool_barged++;
		return true;
	}
	/* bounded wait queue: fail fast, before any timer is scheduled.
	 * O(1): the queue keeps its length */
	if (db->max_waiting >= 0 &&
	    pl->wait.n >= (size_t)db->max_waiting) {
		m->pool_full++;
		cs_req_finish(m, r, CS_CAUSE_POOL_TIMEOUT);
		return false;
	}
	cs_part_to(m, r, CS_PART_POOL_WAIT);
	cs_queue_push(&pl->wait, r);
	cs_tstat_add(&m->pool_waiters, m->e->now, 1);
	r->deadline = m->e->now + db->acquire_timeout;
	wait_timer(m, r);
	return false;
}

/*
 * db.pool.order: random — any waiter, uniformly, taken out of q (n > 1).
 * A CPython pool's released connection wakes the longest waiter, which
 * then needs the GIL and the pool's lock; a thread of the process that
 * asks meanwhile takes the connection, and the woken one waits again at
 * the back: the order is closer to random than to first come, first
 * served.  O(waiters), which a pool's threads bound.
 */
static cs_req *
random_waiter(cs_model *m, cs_queue *q)
{
	unsigned long k = gsl_rng_uniform_int(m->rng[CS_RNG_POOL],
	                                      (unsigned long)q->n);
	cs_req *r = q->head;

	while (k--)
		r = r->next;
	cs_queue_remove(q, r);
	return r;
}

/* The waiter a returned connection goes to (db.pool.order), taken out of
 * the queue; NULL when none waits. */
static cs_req *
next_waiter(cs_model *m, cs_pool *pl)
{
	return m->sc->db.order_random && pl->wait.n > 1 ?
	       random_waiter(m, &pl->wait) : cs_queue_pop(&pl->wait);
}

/* The woken waiter's claim (db.pool.handoff): it takes the connection,
 * unless a newcomer took it first or it timed out (then the event is
 * stale: its token moved on). */
static void
handoff_ev(cs_engine *e, void *data, uint64_t token)
{
	cs_req *r = data;
	cs_model *m = r->m;
	cs_pool *pl;

	if (r->token != token || !r->handing)
		return;
	pl = &m->pools[r->pool];
	cs_queue_remove(&pl->handing, r);
	r->handing = false;
	r->token = ++m->tokens; /* its timeout timer is now stale */
	cs_engine_cancel(m->e, r->tmo);
	r->tmo = 0;
	cs_tstat_add(&m->pool_waiters, e->now, -1);
	r->has_conn = true; /* counted in in_use since it was returned */
	cs_req_resume_later(m, r);
}

/* Wake waiter w to claim a connection that stays counted in in_use. */
static void
start_handoff(cs_model *m, cs_pool *pl, cs_req *w)
{
	cs_queue_push(&pl->handing, w);
	w->handing = true;
	if (cs_engine_schedule(m->e, m->e->now + m->sc->db.handoff, handoff_ev,
	                       w, w->token))
		m->status = CS_ERR_NOMEM;
}

/* A connection counted in pl's in_use is free: to the next waiter (after
 * db.pool.handoff), else idle. */
static void
pass_on(cs_model *m, cs_pool *pl)
{
	cs_req *next = next_waiter(m, pl);

	if (next) {
		start_handoff(m, pl, next);
		return;
	}
	pl->in_use--;
	cs_tstat_add(&m->pool_in_use, m->e->now, -1);
}

void
cs_pool_release(cs_model *m, cs_req *r)
{
	cs_pool *pl = &m->pools[r->pool];
	cs_req *next;

	cs_assert(r->has_conn && pl->in_use > 0,
	          "a pool connection is released by the request holding it");
	r->has_conn = false;
	if (m->sc->db.handoff > 0) {
		pass_on(m, pl);
		return;
	}
	pl->in_use--;
	cs_tstat_add(&m->pool_in_use, m->e->now, -1);
	next = next_waiter(m, pl);
	if (next) {
		next->token = ++m->tokens; /* its timeout timer is now stale */
		cs_engine_cancel(m->e, next->tmo);
		next->tmo = 0;
		cs_tstat_add(&m->pool_waiters, m->e->now, -1);
		grant(m, next);
		cs_req_resume_later(m, next);
	}
}

static void
query_done(cs_engine *e, void *ctx, cs_ps_job *job)
{
	cs_req *r = (cs_req *)job; /* ps is the first member of cs_req */

	cs_req_run(r->m, r);
}

void
cs_db_query(cs_model *m, cs_req *r, double work)
{
	/* on the app host the query competes with the app's own CPU work:
	 * one processor-sharing station for both */
	cs_ps *cpu = m->sc->db.on_app_host ? &m->inst[0].cpu : &m->dbcpu;

	work *= m->sc->db.query_scale;
	/* db.connection_cost: PostgreSQL's work per query grows with the
	 * backends in a transaction (snapshots scan them, the lock tables
	 * and the scheduler hold more); this request holds one of those
	 * counted, so the others are one fewer */
	if (m->sc->db.conn_cost > 0 && m->pool_in_use.value > 1)
		work *= 1 + m->sc->db.conn_cost * (m->pool_in_use.value - 1);
	cs_part_work(m, r, CS_PART_QUERY, work); /* at full speed */
	if (m->measuring)
		m->db_work += work;
	m->db_work_total += work;
	if (cs_ps_add(cpu, m->e, &r->ps, work))
		m->status = CS_ERR_NOMEM;
}

size_t
cs_scenario_npools(const cs_scenario *sc)
{
	return (size_t)sc->app.instances *
	       (sc->db.per_process ? (size_t)sc->app.processes : 1);
}

/* A slice of db.overhead, counted as DB work, and the next slice. */
static void
db_overhead_ev(cs_engine *e, void *data, uint64_t arg)
{
	cs_model *m = data;
	cs_ps *cpu = m->sc->db.on_app_host ? &m->inst[0].cpu : &m->dbcpu;
	double work = m->sc->db.overhead * CS_OVERHEAD_PERIOD;

	if (m->measuring)
		m->db_work += work;
	m->db_work_total += work;
	(void)e;
	cs_overhead_slice(m, cpu, work, db_overhead_ev, arg);
}

cs_status
cs_db_init(cs_model *m)
{
	const cs_db_conf *db = &m->sc->db;
	cs_status s;

	m->npools = cs_scenario_npools(m->sc);
	m->pools = calloc(m->npools, sizeof *m->pools);
	if (!m->pools)
		return CS_ERR_NOMEM;
	s = cs_ps_init(&m->dbcpu, (unsigned)db->cores, db->sigma, db->kappa,
	               query_done, m);
	if (s)
		return s;
	cs_ps_set_slowdown(&m->dbcpu, db->slowdown);
	/* a quarter period after the app's first slice, so the two do not
	 * arrive together */
	if (db->overhead > 0 &&
	    cs_engine_schedule(m->e, CS_OVERHEAD_PERIOD * 0.75, db_overhead_ev,
	                       m, 0))
		return CS_ERR_NOMEM;
	return CS_OK;
}

void
cs_db_destroy(cs_model *m)
{
	cs_ps_destroy(&m->dbcpu);
	free(m->pools);
	m->pools = NULL;
}
