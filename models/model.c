/*
 * One replication: build the components, run the engine to the end of the
 * scenario, delete the warm-up, check conservation.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/model.h"

/*
 * The components, in start-up order.  Adding one means a file with its
 * init/destroy pair and a line here.
 */
static const struct component {
	const char *name;
	cs_status (*init)(cs_model *m);
	void (*destroy)(cs_model *m);
} components[] = {
	{ .name = "app", .init = cs_app_init, .destroy = cs_app_destroy },
	{ .name = "db", .init = cs_db_init, .destroy = cs_db_destroy },
	{ .name = "service", .init = cs_service_init, .destroy = cs_service_destroy },
	{ .name = "batch", .init = cs_batch_init, .destroy = cs_batch_destroy },
	{ .name = "cache", .init = cs_cache_init, .destroy = cs_cache_destroy },
	{ .name = "parts", .init = cs_parts_init, .destroy = cs_parts_destroy },
	{ .name = "load", .init = cs_load_init, .destroy = cs_load_destroy },
};
#define NCOMP (sizeof components / sizeof components[0])

static void
epstats_reset(cs_epstats *s)
{
	s->requests = s->ok = 0;
	memset(s->fail, 0, sizeof s->fail);
	cs_hist_reset(&s->all);
	cs_hist_reset(&s->okh);
	cs_hist_reset(&s->failh);
	s->sum_all = s->sum_ok = 0;
}

cs_status
cs_model_new(const cs_scenario *sc, uint64_t seed, unsigned rep,
             double ts_every, cs_model **out)
{
	cs_model *m = calloc(1, sizeof *m);
	size_t i;
	cs_status s;

	*out = NULL;
	if (!m)
		return CS_ERR_NOMEM;
	m->sc = sc;
	m->ts_every = ts_every;
	m->e = cs_engine_new();
	m->eps = calloc(sc->nendpoints, sizeof *m->eps);
	if (!m->e || !m->eps)
		goto nomem;
	for (i = 0; i < CS_RNG_N; i++) {
		/* xoshiro256**, drawn inline (sim/dist.h) */
		m->rng[i] = gsl_rng_alloc(cs_rng_xoshiro);
		if (!m->rng[i])
			goto nomem;
		gsl_rng_set(m->rng[i], cs_rng_seed(seed, rep, i));
	}
	for (i = 0; i < NCOMP; i++) {
		s = components[i].init(m);
		if (s) {
			cs_model_free(m);
			return s;
		}
	}
	epstats_reset(&m->overall);
	for (i = 0; i < sc->nendpoints; i++)
		epstats_reset(&m->eps[i]);
	cs_hist_reset(&m->ts_hist);
	cs_tstat_init(&m->workers_busy, 0, 0);
	cs_tstat_init(&m->backlog, 0, 0);
	cs_tstat_init(&m->pool_in_use, 0, 0);
	cs_tstat_init(&m->pool_waiters, 0, 0);
	cs_tstat_init(&m->db_conns, 0, 0);
	cs_tstat_init(&m->inflight, 0, 0);
	cs_tstat_init(&m->users_running, 0, 0);
	*out = m;
	return CS_OK;
nomem:
	cs_model_free(m);
	return CS_ERR_NOMEM;
}

void
cs_model_free(cs_model *m)
{
	size_t i;

	if (!m)
		return;
	for (i = NCOMP; i-- > 0;)
		components[i].destroy(m);
	for (i = 0; i < CS_RNG_N; i++)
		if (m->rng[i])
			gsl_rng_free(m->rng[i]);
	for (i = 0; i < m->nslabs; i++)
		free(m->slabs[i]);
	free(m->slabs);
	free(m->eps);
	free(m->ts);
	cs_engine_free(m->e);
	free(m);
}

/* Start of the measured window: forget what happened before. */
static void
warmup_ev(cs_engine *e, void *data, uint64_t arg)
{
	cs_model *m = data;
	double now = e->now;
	size_t i;
	long k;

	m->measuring = true;
	m->t_measure = now;
	epstats_reset(&m->overall);
	for (i = 0; i < m->sc->nendpoints; i++)
		epstats_reset(&m->eps[i]);
	cs_tstat_reset(&m->workers_busy, now);
	cs_tstat_reset(&m->backlog, now);
	cs_tstat_reset(&m->pool_in_use, now);
	cs_tstat_reset(&m->pool_waiters, now);
	cs_tstat_reset(&m->db_conns, now);
	cs_tstat_reset(&m->inflight, now);
	cs_tstat_reset(&m->users_running, now);
	for (k = 0; k < m->sc->app.instances; k++) {
		cs_tstat_reset(&m->inst[k].cpu.busy, now);
		cs_tstat_reset(&m->inst[k].cpu.lanes_busy, now);
		if (m->inst[k].proc_busy_t) {
			long j;

			for (j = 0; j < m->sc->app.processes; j++)
				cs_tstat_reset(&m->inst[k].proc_busy_t[j], now);
		}
	}
	cs_tstat_reset(&m->dbcpu.busy, now);
	m->db_work = 0;
	m->host_work0 = m->inst[0].cpu.work_done;
	for (i = 0; i < m->sc->nservices; i++) {
		cs_tstat_reset(&m->svc[i].conc, now);
		cs_tstat_reset(&m->svc[i].slotq, now);
		m->svc[i].tpm_asked = 0;
		m->svc[i].attempts = m->svc[i].rejected = 0;
		m->svc[i].errors = m->svc[i].timeouts = 0;
	}
	cs_batch_reset(m, now);
	cs_parts_reset(m);
	m->cache_lookups = m->cache_hits = 0;
	m->pool_full = 0;
	m->pool_barged = 0;
	if (m->cache)
		m->cache->misses = m->cache->evictions = 0;
}

/* The levels a timeseries row averages, in cs_tsrow order. */
static void
ts_levels(const cs_model *m, double now, double *v)
{
	long k;

	v[0] = cs_tstat_total(&m->workers_busy, now);
	v[1] = cs_tstat_total(&m->backlog, now);
	v[2] = cs_tstat_total(&m->pool_in_use, now);
	v[3] = cs_tstat_total(&m->pool_waiters, now);
	v[4] = 0;
	for (k = 0; k < m->sc->app.instances; k++)
		v[4] += cs_tstat_total(&m->inst[k].cpu.busy, now);
	v[4] /= (double)(m->sc->app.hosts * m->sc->app.cores);
	v[5] = m->sc->db.on_app_host ?
	       m->db_work_total / (double)m->sc->app.cores :
	       cs_tstat_total(&m->dbcpu.busy, now) / (double)m->sc->db.cores;
}

static void
ts_ev(cs_engine *e, void *data, uint64_t arg)
{
	cs_model *m = data;
	cs_tsrow *row;
	double lv[6], dt = m->ts_every;

	if (m->nts == m->capts) {
		size_t nc = m->capts ? 2 * m->capts : 64;
		cs_tsrow *nr = realloc(m->ts, nc * sizeof *nr);

		if (!nr) {
			m->status = CS_ERR_NOMEM;
			return;
		}
		m->ts = nr;
		m->capts = nc;
	}
	row = &m->ts[m->nts++];
	row->t = e->now;
	/* open load: the arrival rate; closed: users running now */
	row->users = m->sc->load.open ? cs_load_target_at(m->sc, e->now)
	                              : m->users_running.value;
	row->rps = (double)m->ts_req / dt;
	row->error_rate = m->ts_req ? (double)m->ts_fail / (double)m->ts_req : NAN;
	row->p50 = cs_hist_quantile(&m->ts_hist, 0.50);
	row->p95 = cs_hist_quantile(&m->ts_hist, 0.95);
	row->p99 = cs_hist_quantile(&m->ts_hist, 0.99);
	ts_levels(m, e->now, lv);
	row->workers_busy = (lv[0] - m->ts_prev[0]) / dt;
	row->backlog = (lv[1] - m->ts_prev[1]) / dt;
	row->pool_in_use = (lv[2] - m->ts_prev[2]) / dt;
	row->pool_waiters = (lv[3] - m->ts_prev[3]) / dt;
	row->app_cpu = (lv[4] - m->ts_prev[4]) / dt;
	row->db_cpu = (lv[5] - m->ts_prev[5]) / dt;
	memcpy(m->ts_prev, lv, sizeof lv);
	m->ts_req = m->ts_fail = 0;
	cs_hist_reset(&m->ts_hist);
	if (e->now + m->ts_every <= m->sc->duration + 1e-9)
		cs_engine_schedule(e, e->now + m->ts_every, ts_ev, m, 0);
}

/* Requests the client still waits for, counted from the request objects
 * themselves: an independent check of the counters.  O(requests allocated). */
static uint64_t
count_in_flight(const cs_model *m)
{
	uint64_t n = 0;
	size_t i, j;

	for (i = 0; i < m->nslabs; i++)
		for (j = 0; j < CS_REQ_SLAB; j++)
			if (m->slabs[i][j].live && !m->slabs[i][j].client_done)
				n++;
	return n;
}

cs_status
cs_model_run(cs_model *m)
{
	const cs_scenario *sc = m->sc;
	cs_status s;

	s = cs_load_start(m);
	if (!s && sc->warmup > 0)
		s = cs_engine_schedule(m->e, sc->warmup, warmup_ev, m, 0);
	else if (!s)
		warmup_ev(m->e, m, 0);
	if (!s && m->ts_every > 0)
		s = cs_engine_schedule(m->e, m->ts_every, ts_ev, m, 0);
	if (s)
		return s;
	s = cs_engine_run_until(m->e, sc->duration);
	if (s)
		return s;
	if (m->status)
		return m->status;
	cs_load_finish(m);
	cs_parts_finish(m);
	/* conservation: generated = completed + failed + in flight */
	if (m->generated != m->completed + m->failed + m->outstanding ||
	    count_in_flight(m) != m->outstanding || !cs_batch_conserved(m))
		return CS_ERR_INTERNAL;
	return CS_OK;
}
