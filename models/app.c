/*
 * App instances behind a load balancer.  Each has `workers` request slots
 * (gunicorn workers x threads, a Node server's concurrency), a bounded
 * backlog for requests that find every worker busy, and `cores` shared by
 * processor sharing among the requests running CPU steps.
 */
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_rng.h>

#include "models/model.h"

static unsigned
pick_instance(cs_model *m)
{
	const cs_app_conf *a = &m->sc->app;
	unsigned i, best = 0;

	switch (a->balancer) {
	case CS_LB_LEAST_CONN:
		/* ties go to the next in round-robin order */
		best = m->rr % (unsigned)a->instances;
		for (i = 0; i < (unsigned)a->instances; i++) {
			unsigned k = (m->rr + i) % (unsigned)a->instances;

			if (m->inst[k].inflight < m->inst[best].inflight)
				best = k;
		}
		m->rr++;
		return best;
	case CS_LB_RANDOM:
		return (unsigned)gsl_rng_uniform_int(m->rng[CS_RNG_ROUTE],
		                                     (unsigned long)a->instances);
	default:
		return m->rr++ % (unsigned)a->instances;
	}
}

static void
server_timeout_ev(cs_engine *e, void *data, uint64_t serial)
{
	cs_req *r = data;

	if (r->serial != serial || r->server_done)
		return;
	r->aborted = true;
	cs_req_answer(r->m, r, CS_CAUSE_SERVER_TIMEOUT);
}

/* The process a request must use: with affinity: user, its user's (a
 * keep-alive connection stays with the process that accepted it); else -1. */
static long
pinned(const cs_model *m, const cs_req *r)
{
	if (!m->sc->app.sticky || r->user == UINT32_MAX)
		return -1;
	if (m->sc->app.pin_random || m->sc->app.pin_counts)
		return (long)m->users[r->user].proc;
	return (long)(r->user % (uint32_t)m->sc->app.processes);
}

/* Take a worker: the pinned process, or else the process with the most
 * idle threads (an idle process is the one blocked in accept()); ties go
 * to the lowest. */
static void
start(cs_model *m, cs_req *r)
{
	const cs_scenario *sc = m->sc;
	cs_instance *in = &m->inst[r->inst];
	long np = sc->app.processes, k, best = pinned(m, r);

	if (best < 0) {
		best = 0;
		for (k = 1; k < np; k++)
			if (in->proc_busy[k] < in->proc_busy[best])
				best = k;
	}
	in->proc_busy[best]++;
	if (in->proc_busy_t)
		cs_tstat_add(&in->proc_busy_t[best], m->e->now, 1);
	r->proc = (uint32_t)best;
	r->pool = sc->db.per_process ? r->inst * (uint32_t)np + r->proc : r->inst;
	r->has_worker = true;
	in->busy++;
	if (in->busy > m->worker_peak)
		m->worker_peak = in->busy;
	cs_tstat_add(&m->workers_busy, m->e->now, 1);
}

void
cs_app_admit(cs_model *m, cs_req *r)
{
	const cs_app_conf *a = &m->sc->app;
	cs_instance *in;
	long p;

	r->inst = pick_instance(m);
	in = &m->inst[r->inst];
	in->inflight++;
	if (isfinite(a->request_timeout) &&
	    cs_engine_schedule_id(m->e, m->e->now + a->request_timeout,
	                          server_timeout_ev, r, r->serial, &r->srv_tmo))
		m->status = CS_ERR_NOMEM;
	p = pinned(m, r);
	if (p >= 0 ? in->proc_busy[p] < a->workers / a->processes :
	    in->busy < a->workers) {
		start(m, r);
		cs_req_run(m, r);
		return;
	}
	/* from here on the number of workers decides what happens */
	m->worker_bound = true;
	if (in->waiting < a->backlog) {
		cs_part_to(m, r, p >= 0 ? CS_PART_PROC_WAIT : CS_PART_BACKLOG);
		cs_queue_push(p >= 0 ? &in->proc_wait[p] : &in->backlog, r);
		in->waiting++;
		cs_tstat_add(&m->backlog, m->e->now, 1);
	} else {
		cs_req_finish(m, r, CS_CAUSE_BACKLOG_FULL);
	}
}

void
cs_app_release_worker(cs_model *m, cs_req *r)
{
	cs_instance *in = &m->inst[r->inst];
	cs_req *next;

	cs_assert(r->has_worker && in->busy > 0 && in->proc_busy[r->proc] > 0,
	          "a worker is released by the request holding it");
	r->has_worker = false;
	in->busy--;
	in->proc_busy[r->proc]--;
	if (in->proc_busy_t)
		cs_tstat_add(&in->proc_busy_t[r->proc], m->e->now, -1);
	cs_tstat_add(&m->workers_busy, m->e->now, -1);
	/* a pinned process serves only its own connections */
	next = cs_queue_pop(m->sc->app.sticky ? &in->proc_wait[r->proc]
	                                      : &in->backlog);
	if (next) {
		in->waiting--;
		cs_tstat_add(&m->backlog, m->e->now, -1);
		start(m, next);
		/* as an event, not a nested call: chains of hand-offs stay flat */
		cs_req_resume_later(m, next);
	}
}

static void
cpu_done(cs_engine *e, void *ctx, cs_ps_job *job)
{
	cs_req *r = (cs_req *)job; /* ps is the first member of cs_req */
	cs_model *m = r->m;

	/* with db.host: app the host's queries end here too: only an app
	 * cpu step was counted */
	if (r->cold_step) {
		cs_instance *in = &m->inst[r->inst];

		cs_assert(in->proc_cpu[r->proc] > 0,
		          "a cpu step ends in a process that has one");
		r->cold_step = false;
		if (--in->proc_cpu[r->proc] == 0)
			in->proc_idle[r->proc] = cs_engine_now(e);
	}
	cs_req_run(m, r);
}

/* Instance i runs on host i mod hosts, whose cores are the station of
 * instance (i mod hosts); with gil, process p of the k-th instance on that
 * host is lane 1 + k x processes + p. */
static void
add_cpu(cs_model *m, cs_req *r, double work)
{
	const cs_app_conf *a = &m->sc->app;
	long h = (long)r->inst % a->hosts;
	unsigned lane = a->gil ? 1 + (unsigned)((long)r->inst / a->hosts *
	                                        a->processes) + r->proc : 0;

	if (cs_ps_add_in(&m->inst[h].cpu, m->e, &r->ps, work * a->cpu_scale,
	                 lane))
		m->status = CS_ERR_NOMEM;
}

/* The process has woken: the step joins the cores. */
static void
woken_ev(cs_engine *e, void *data, uint64_t serial)
{
	cs_req *r = data;

	(void)e;
	cs_assert(r->serial == serial && r->cold_step,
	          "a waking cpu step belongs to a live request");
	add_cpu(r->m, r, r->wait_work);
}

/* With app.cold_delay, a cpu step that finds its process idle for g
 * seconds (no cpu step of its own queued, waking or running) first waits
 * cold_delay (1 - exp(-g / cold_after)) without a core: the process and
 * the machine waking up (a sleeping thread scheduled, an idle CPU out of
 * its sleep state, caches refilled).  O(1). */
void
cs_app_cpu(cs_model *m, cs_req *r, double work)
{
	const cs_app_conf *a = &m->sc->app;

	if (a->cold_delay > 0) {
		cs_instance *in = &m->inst[r->inst];
		double now = cs_engine_now(m->e), g = 0, d;

		r->cold_step = true;
		if (in->proc_cpu[r->proc]++ == 0)
			g = now - in->proc_idle[r->proc];
		d = a->cold_delay * -expm1(-g / a->cold_after);
		if (d > 0) {
			r->wait_work = work;
			if (cs_engine_schedule(m->e, now + d, woken_ev, r,
			                       r->serial))
				m->status = CS_ERR_NOMEM;
			return;
		}
	}
	add_cpu(m, r, work);
}

/* The instances on host h: instance i runs on host i mod hosts. */
static long
on_host(const cs_app_conf *a, long h)
{
	return a->instances / a->hosts + (h < a->instances % a->hosts);
}

/* A slice of app.overhead for host `arg` (every instance on it), and the
 * next slice. */
static void
overhead_ev(cs_engine *e, void *data, uint64_t arg)
{
	cs_model *m = data;
	const cs_app_conf *a = &m->sc->app;
	long h = (long)arg;

	(void)e;
	cs_overhead_slice(m, &m->inst[h].cpu, a->overhead *
	                  (double)on_host(a, h) * CS_OVERHEAD_PERIOD,
	                  overhead_ev, arg);
}

void
cs_overhead_slice(cs_model *m, cs_ps *ps, double work, cs_handler tick,
                  uint64_t arg)
{
	if (cs_ps_add_overhead(ps, m->e, work) ||
	    cs_engine_schedule(m->e, m->e->now + CS_OVERHEAD_PERIOD, tick, m,
	                       arg))
		m->status = CS_ERR_NOMEM;
}

cs_status
cs_app_init(cs_model *m)
{
	const cs_app_conf *a = &m->sc->app;
	long i;

	m->inst = calloc((size_t)a->instances, sizeof *m->inst);
	if (!m->inst)
		return CS_ERR_NOMEM;
	for (i = 0; i < a->instances; i++) {
		m->inst[i].proc_busy = calloc((size_t)a->processes, sizeof(long));
		m->inst[i].proc_wait = calloc((size_t)a->processes,
		                              sizeof *m->inst[i].proc_wait);
		if (a->cold_delay > 0) {
			m->inst[i].proc_cpu = calloc((size_t)a->processes,
			                             sizeof(long));
			m->inst[i].proc_idle = calloc((size_t)a->processes,
			                              sizeof(double));
			if (!m->inst[i].proc_cpu || !m->inst[i].proc_idle)
				return CS_ERR_NOMEM;
		}
		/* each process's busy workers, where users are pinned to
		 * processes (resources.app.process_busy) */
		if (a->sticky && a->processes > 1) {
			long j;

			m->inst[i].proc_busy_t = calloc((size_t)a->processes,
			                                sizeof(cs_tstat));
			if (!m->inst[i].proc_busy_t)
				return CS_ERR_NOMEM;
			for (j = 0; j < a->processes; j++)
				cs_tstat_init(&m->inst[i].proc_busy_t[j], 0, 0);
		}
		if (!m->inst[i].proc_busy || !m->inst[i].proc_wait ||
		    cs_ps_init(&m->inst[i].cpu, (unsigned)a->cores, a->sigma,
		               a->kappa, cpu_done, m))
			return CS_ERR_NOMEM;
		/* the processes of every instance on this host: ceil(instances
		 * / hosts) of them on host 0 */
		if (i < a->hosts) {
			cs_ps_set_background(&m->inst[i].cpu, a->background);
			cs_ps_set_slowdown(&m->inst[i].cpu, a->slowdown);
		}
		/* the hosts' slices staggered over the period */
		if (a->overhead > 0 && i < a->hosts &&
		    cs_engine_schedule(m->e, CS_OVERHEAD_PERIOD *
		                       ((double)i + 0.5) / (double)a->hosts,
		                       overhead_ev, m, (uint64_t)i))
			return CS_ERR_NOMEM;
		if (a->gil && i < a->hosts &&
		    cs_ps_set_lanes(&m->inst[i].cpu, (unsigned)(
		        (a->instances + a->hosts - 1) / a->hosts * a->processes)))
			return CS_ERR_NOMEM;
		if (a->gil && i < a->hosts)
			cs_ps_set_lane_fifo(&m->inst[i].cpu, a->gil_fifo);
	}
	return CS_OK;
}

void
cs_app_destroy(cs_model *m)
{
	long i;

	if (!m->inst)
		return;
	for (i = 0; i < m->sc->app.instances; i++) {
		cs_ps_destroy(&m->inst[i].cpu);
		free(m->inst[i].proc_busy);
		free(m->inst[i].proc_busy_t);
		free(m->inst[i].proc_wait);
		free(m->inst[i].proc_cpu);
		free(m->inst[i].proc_idle);
	}
	free(m->inst);
	m->inst = NULL;
}
