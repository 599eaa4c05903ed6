/*
 * result-walk: the metric walker.  Each replication fills one vector of
 * numbers; one function (cs_resultp_walk) both names the entries and
 * fills them, so names and values cannot drift apart.  cs_run (result.c)
 * calls it to count, to name, and then once per replication to fill.
 */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/model.h"
#include "models/result-private.h"
#include "sim/stats.h"

/* ---- naming and filling -------------------------------------------------- */

static void
put5(walker *w, int unit, double val, const char *a, const char *b,
     const char *c, const char *d, const char *e)
{
	if (w->r->metrics && !w->v) {
		metric *mt = &w->r->metrics[w->i];
		const char *s[MAXSEG] = { a, b, c, d, e };
		int k;

		mt->nseg = 0;
		mt->unit = unit;
		for (k = 0; k < MAXSEG && s[k]; k++)
			mt->seg[mt->nseg++] = s[k];
	}
	if (w->v)
		w->v[w->i] = val;
	w->i++;
}

static void
put(walker *w, int unit, double val, const char *a, const char *b,
    const char *c, const char *d)
{
	put5(w, unit, val, a, b, c, d, NULL);
}

/* A metric named by nseg segments (at most MAXSEG). */
static void
put_segs(walker *w, int unit, double val, const char *const *seg, int nseg)
{
	if (w->r->metrics && !w->v) {
		metric *mt = &w->r->metrics[w->i];
		int k;

		mt->nseg = nseg;
		mt->unit = unit;
		for (k = 0; k < nseg; k++)
			mt->seg[k] = seg[k];
	}
	if (w->v)
		w->v[w->i] = val;
	w->i++;
}

static const char *const pct_names[] = { "p50", "p90", "p95", "p99" };
static const double pct_q[] = { 0.50, 0.90, 0.95, 0.99 };

static void
latency(walker *w, const cs_hist *h, const char *a, const char *b,
        const char *key)
{
	size_t k;
	/* segments: a [b] key leaf */
#define L(leaf, val) \
	(b ? put(w, U_MS, (val), a, b, key, leaf) : put(w, U_MS, (val), a, key, leaf, NULL))

	L("mean", cs_hist_mean(h) * 1e3);
	for (k = 0; k < 4; k++) {
		if (b)
			put(w, U_PCT, cs_hist_quantile(h, pct_q[k]) * 1e3, a, b, key,
			    pct_names[k]);
		else
			put(w, U_PCT, cs_hist_quantile(h, pct_q[k]) * 1e3, a, key,
			    pct_names[k], NULL);
	}
	L("max", h->count ? h->max * 1e3 : NAN);
#undef L
}

static void
epstats(walker *w, const cs_epstats *s, double window, const char *a,
        const char *b)
{
	double n = (double)s->requests;
	int c;
#define P(unit, key, val) \
	(b ? put(w, unit, (val), a, b, key, NULL) : put(w, unit, (val), a, key, NULL, NULL))

	P(U_COUNT, "requests", n);
	P(U_RATE, "throughput_rps", n / window);
	P(U_RATE, "ok_rps", (double)s->ok / window);
	P(U_RATIO, "error_rate", n > 0 ? (n - (double)s->ok) / n : NAN);
#undef P
	latency(w, &s->all, a, b, "latency_ms");
	latency(w, &s->okh, a, b, "latency_ok_ms");
	for (c = 0; c < CS_CAUSE_N; c++) {
		if (b)
			put(w, U_COUNT, (double)s->fail[c], a, b, "errors_by_cause",
			    cs_cause_names[c]);
		else
			put(w, U_COUNT, (double)s->fail[c], a, "errors_by_cause",
			    cs_cause_names[c], NULL);
	}
}

/* resources.services.<nm>.<key>.{mean,p50,p90,p95,p99,max}: ms */
static void
svc_latency(walker *w, const cs_hist *h, const char *nm, const char *key)
{
	size_t k;

	put5(w, U_MS, cs_hist_mean(h) * 1e3, "resources", "services", nm, key,
	     "mean");
	for (k = 0; k < 4; k++)
		put5(w, U_PCT, cs_hist_quantile(h, pct_q[k]) * 1e3, "resources",
		     "services", nm, key, pct_names[k]);
	put5(w, U_MS, h->count ? h->max * 1e3 : NAN, "resources", "services",
	     nm, key, "max");
}

/* The extra metrics of a kind: batch service (models/batch.c). */
static void
batch_metrics(walker *w, const cs_service_conf *c, const cs_batch *b,
              double now, double window)
{
	static cs_batch zero;
	const char *nm = c->name;
	double kv;

	if (!b)
		b = &zero;
	svc_latency(w, &b->ttft, nm, "ttft_ms");
	svc_latency(w, &b->total, nm, "total_ms");
#define LV(x, key) \
	put5(w, U_NUM, b == &zero ? 0 : cs_tstat_mean(&b->x, now), "resources", \
	     "services", nm, key, "mean"); \
	put5(w, U_NUM, b->x.max, "resources", "services", nm, key, "max")
	LV(size, "batch_size");
	LV(queue, "queue");
	LV(kv, "kv_tokens");
#undef LV
	kv = b == &zero ? 0 : cs_tstat_mean(&b->kv, now);
	put5(w, U_RATIO, isfinite(c->max_tokens) ? kv / c->max_tokens : NAN,
	     "resources", "services", nm, "kv_utilization", NULL);
	put5(w, U_RATE, (double)b->out_tokens / window, "resources", "services",
	     nm, "output_tokens_per_s", NULL);
	put5(w, U_RATE, (double)b->in_tokens / window, "resources", "services",
	     nm, "prompt_tokens_per_s", NULL);
	put5(w, U_RATE, (double)b->steps / window, "resources", "services", nm,
	     "steps_per_s", NULL);
	put5(w, U_COUNT, (double)b->finished, "resources", "services", nm,
	     "sequences", NULL);
}

/* A p95 neighbourhood of fewer successful requests than this (in a
 * replication) is too thin to say where its time goes: NaN. */
#define NEAR_MIN 20

/*
 * <a>[.<b>].time_ms.<part> (and .services.<svc>.<part>): the mean
 * milliseconds the successful requests spent in each part that the
 * scenario makes possible (ep: the endpoint, SIZE_MAX overall); with
 * bins, the same over the p95 neighbourhood under near_p95, with its
 * request count and mean response time.
 */
static void
time_parts(walker *w, const cs_model *m, const cs_parts *p, const char *a,
           const char *b, size_t ep, bool bins)
{
	const cs_scenario *sc = w->r->sc;
	size_t np = CS_PART_FIXED + CS_PART_SVC_N * sc->nservices, k;
	double near[np ? np : 1], lat = NAN;
	uint64_t n = 0;
	int pass;

	if (m && bins) {
		n = cs_parts_near(m, p, 0.94, 0.96, near);
		if (n < NEAR_MIN)
			for (k = 0; k < np; k++)
				near[k] = NAN;
		lat = 0;
		for (k = 0; k < np; k++)
			lat += near[k];
	}
	for (pass = 0; pass < (bins ? 2 : 1); pass++) {
		const char *seg[MAXSEG];
		int ns = 0, base;

		seg[ns++] = a;
		if (b)
			seg[ns++] = b;
		if (pass) {
			seg[ns++] = "near_p95";
			seg[ns] = "requests";
			put_segs(w, U_COUNT, (double)n, seg, ns + 1);
			seg[ns] = "latency_ms";
			put_segs(w, U_MS, lat * 1e3, seg, ns + 1);
		}
		seg[ns++] = "time_ms";
		base = ns;
		for (k = 0; k < np; k++) {
			double v;

			if (!cs_parts_possible(sc, ep, k))
				continue;
			ns = base;
			if (k < CS_PART_FIXED) {
				seg[ns++] = cs_part_keys[k];
			} else {
				seg[ns++] = "services";
				seg[ns++] = sc->services[(k - CS_PART_FIXED) /
				                         CS_PART_SVC_N].name;
				seg[ns++] = cs_part_svc_keys[(k - CS_PART_FIXED) %
				                             CS_PART_SVC_N];
			}
			if (!m)
				v = 0;
			else if (pass)
				v = near[k] * 1e3;
			else
				v = p->n ? p->sum[k] / (double)p->n * 1e3 : NAN;
			put_segs(w, U_MS, v, seg, ns);
		}
	}
}

/* On a host whose cores slow down when busy (app.core_slowdown), core time
 * per unit of work: app host 0's busy core-seconds over the work started
 * on it in the window (1 without a slowdown).  The DB's share of that
 * host's CPU is its work times this, as the OS would count it. */
static double
host_inflation(const cs_model *m, double now, double window)
{
	double work = m->inst[0].cpu.work_done - m->host_work0;

	if (m->sc->app.slowdown == 0 || work <= 0)
		return 1;
	return cs_tstat_mean(&m->inst[0].cpu.busy, now) * window / work;
}

/* The utilizations the bottleneck (bottleneck.c) reads besides the older
 * ones, each only where the scenario has that limit: the backlog's fill,
 * and each service's slot use and waiters, rate and token limits (asked
 * for / allowed, so above 1 when the provider refuses), batch fill. */
static void
use_metrics(walker *w, const cs_model *m, double now, double window)
{
	const cs_scenario *sc = w->r->sc;
	double inst = (double)sc->app.instances;
	size_t i;

	if (sc->app.backlog > 0)
		put(w, U_RATIO, m ? cs_tstat_mean(&m->backlog, now) /
		    (inst * (double)sc->app.backlog) : 0, "resources", "app",
		    "backlog_utilization", NULL);
	for (i = 0; i < sc->nservices; i++) {
		const cs_service_conf *c = &sc->services[i];
		const cs_service *s = m ? &m->svc[i] : NULL;
		const char *nm = c->name;

		if (c->concurrency > 0) {
			put5(w, U_RATIO, s ? cs_tstat_mean(&s->conc, now) /
			     (inst * (double)c->concurrency) : 0, "resources",
			     "services", nm, "concurrency_utilization", NULL);
			put5(w, U_NUM, s ? cs_tstat_mean(&s->slotq, now) : 0,
			     "resources", "services", nm, "slot_waiters", "mean");
			put5(w, U_NUM, s ? s->slotq.max : 0, "resources",
			     "services", nm, "slot_waiters", "max");
		}
		if (c->rl_rate > 0)
			put5(w, U_NUM, s ? (double)s->attempts / window /
			     c->rl_rate : 0, "resources", "services", nm,
			     "rate_limit_utilization", NULL);
		if (c->tpm_rate > 0)
			put5(w, U_NUM, s ? s->tpm_asked / window / c->tpm_rate : 0,
			     "resources", "services", nm, "tpm_utilization", NULL);
		if (c->kind == CS_SVC_BATCH)
			put5(w, U_RATIO, s && s->batch ?
			     cs_tstat_mean(&s->batch->size, now) /
			     (double)c->max_batch : 0, "resources", "services", nm,
			     "batch_utilization", NULL);
	}
}

/* How unevenly an instance's processes are busy: the sum over processes of
 * (share of the instance's busy worker time - 1/k)^2, averaged over the
 * instances with any busy time (0 when all are even; (k-1)/k when one
 * process does everything), and the busiest process's mean busy workers
 * over its workers. */
static void
process_busy(const cs_model *m, double now, double *spread, double *top)
{
	const cs_app_conf *a = &m->sc->app;
	double k = (double)a->processes, per = (double)(a->workers / a->processes);
	double sum = 0;
	long i, j, n = 0;

	*spread = *top = 0;
	for (i = 0; i < a->instances; i++) {
		const cs_tstat *t = m->inst[i].proc_busy_t;
		double tot = 0, d = 0;

		cs_assert(t != NULL, "pinned processes keep their busy time");
		for (j = 0; j < a->processes; j++) {
			double b = cs_tstat_mean(&t[j], now);

			tot += b;
			if (b / per > *top)
				*top = b / per;
		}
		if (!(tot > 0))
			continue;
		for (j = 0; j < a->processes; j++) {
			double s = cs_tstat_mean(&t[j], now) / tot - 1 / k;

			d += s * s;
		}
		sum += d;
		n++;
	}
	*spread = n ? sum / (double)n : 0;
}

/* Name (m == NULL) or fill every metric of one replication. */
void
cs_resultp_walk(walker *w, const cs_model *m)
{
	const cs_scenario *sc = w->r->sc;
	double now = m ? m->e->now : 0, window = m ? now - m->t_measure : 1;
	double workers = (double)(sc->app.instances * sc->app.workers);
	double pool = (double)cs_scenario_npools(sc) * (double)sc->db.pool_size;
	double cpu = 0, Lq, lw;
	size_t i;
	long k;
	static const cs_epstats zero;

#define TS(x) (m ? cs_tstat_mean(&m->x, now) : 0)
#define MX(x) (m ? m->x.max : 0)
	epstats(w, m ? &m->overall : &zero, window, "overall", NULL);
	for (i = 0; i < sc->nendpoints; i++)
		epstats(w, m ? &m->eps[i] : &zero, window, "endpoints",
		        sc->endpoints[i].name);

	put(w, U_NUM, TS(workers_busy), "resources", "app", "workers_busy", "mean");
	put(w, U_NUM, MX(workers_busy), "resources", "app", "workers_busy", "max");
	/* reads app.workers: recomputed as here for a replication shared
	 * across worker counts (models/reuse.h, result.c's one()) */
	put(w, U_RATIO, TS(workers_busy) / workers, "resources", "app", "worker_utilization", NULL);
	put(w, U_NUM, TS(backlog), "resources", "app", "backlog", "mean");
	put(w, U_NUM, MX(backlog), "resources", "app", "backlog", "max");
	if (m)
		for (k = 0; k < sc->app.instances; k++)
			cpu += cs_tstat_mean(&m->inst[k].cpu.busy, now);
	put(w, U_RATIO, cpu / (double)(sc->app.hosts * sc->app.cores),
	    "resources", "app", "cpu_utilization", NULL);

	put(w, U_NUM, TS(pool_in_use), "resources", "db_pool", "in_use", "mean");
	put(w, U_NUM, MX(pool_in_use), "resources", "db_pool", "in_use", "max");
	/* the one metric that reads db.pool.size: a replication shared
	 * across pool sizes (models/reuse.h) recomputes it as here, in
	 * result.c's one(); a new metric that reads the size (or
	 * app.workers) must be recomputed there too (test-models-db checks
	 * the bytes) */
	put(w, U_RATIO, TS(pool_in_use) / pool, "resources", "db_pool", "utilization", NULL);
	put(w, U_NUM, TS(pool_waiters), "resources", "db_pool", "waiters", "mean");
	put(w, U_NUM, MX(pool_waiters), "resources", "db_pool", "waiters", "max");
	/* only with db.pool.max_waiting, so that other runs' output is
	 * unchanged */
	if (sc->db.max_waiting >= 0)
		put(w, U_COUNT, m ? (double)m->pool_full : 0, "resources",
		    "db_pool", "queue_full", NULL);
	/* only with db.pool.handoff (the same) */
	if (sc->db.handoff > 0)
		put(w, U_COUNT, m ? (double)m->pool_barged : 0, "resources",
		    "db_pool", "barged", NULL);
	put(w, U_NUM, MX(db_conns), "resources", "db", "connections", "max");
	/* on the app host: the queries' share of that host's cores (work
	 * started in the window; app.cpu_utilization is then the host's) */
	put(w, U_RATIO, !m ? 0 : sc->db.on_app_host ?
	    m->db_work * host_inflation(m, now, window) /
	    (window * (double)sc->app.cores) :
	    cs_tstat_mean(&m->dbcpu.busy, now) / (double)sc->db.cores,
	    "resources", "db", "cpu_utilization", NULL);
	put(w, U_RATIO, m && m->cache_lookups ?
	    (double)m->cache_hits / (double)m->cache_lookups : NAN,
	    "resources", "cache", "hit_ratio", NULL);
	if (sc->cache.keys > 0) {
		/* keyed cache only: the misses are the load the miss paths
		 * (usually the DB) get */
		put(w, U_RATE, m ? (double)m->cache->misses / window : 0,
		    "resources", "cache", "misses_rps", NULL);
		if (sc->cache.capacity > 0)
			put(w, U_COUNT, m ? (double)m->cache->evictions : 0,
			    "resources", "cache", "evictions", NULL);
	}
	for (i = 0; i < sc->nservices; i++) {
		const char *nm = sc->services[i].name;
		const cs_service *s = m ? &m->svc[i] : NULL;

		put5(w, U_NUM, s ? cs_tstat_mean(&s->conc, now) : 0, "resources", "services", nm, "concurrency", "mean");
		put5(w, U_NUM, s ? s->conc.max : 0, "resources", "services", nm, "concurrency", "max");
		put5(w, U_RATE, s ? (double)s->attempts / window : 0, "resources", "services", nm, "attempts_rps", NULL);
		put5(w, U_COUNT, s ? (double)s->rejected : 0, "resources", "services", nm, "rate_limited", NULL);
		put5(w, U_COUNT, s ? (double)s->errors : 0, "resources", "services", nm, "errors", NULL);
		put5(w, U_COUNT, s ? (double)s->timeouts : 0, "resources", "services", nm, "timeouts", NULL);
		if (sc->services[i].kind == CS_SVC_BATCH)
			batch_metrics(w, &sc->services[i], s ? s->batch : NULL, now,
			              window);
	}
	put(w, U_NUM, TS(users_running), "resources", "load", "users", "mean");
	put(w, U_NUM, MX(users_running), "resources", "load", "users", "max");

	/* Little's law over the window: L (time-average requests the clients
	 * wait for) against lambda x W (answers per second x mean latency) */
	Lq = TS(inflight);
	lw = m && m->overall.requests ?
	     (double)m->overall.requests / window * cs_hist_mean(&m->overall.all) : 0;
	put(w, U_NUM, Lq, "checks", "littles_law", "L", NULL);
	put(w, U_NUM, lw, "checks", "littles_law", "lambda_W", NULL);
	put(w, U_RATIO, Lq > 0 ? fabs(Lq - lw) / Lq : 0, "checks", "littles_law", "rel_diff", NULL);
	put(w, U_COUNT, m ? (double)m->generated : 0, "checks", "conservation", "generated", NULL);
	put(w, U_COUNT, m ? (double)m->completed : 0, "checks", "conservation", "completed", NULL);
	put(w, U_COUNT, m ? (double)m->failed : 0, "checks", "conservation", "failed", NULL);
	put(w, U_COUNT, m ? (double)m->outstanding : 0, "checks", "conservation", "in_flight", NULL);

	/* after every older metric, so that their order (CSV rows and
	 * columns) is unchanged */
	use_metrics(w, m, now, window);
	time_parts(w, m, m ? &m->parts_all : NULL, "overall", NULL, SIZE_MAX,
	           true);
	for (i = 0; i < sc->nendpoints; i++)
		time_parts(w, m, m ? &m->parts_ep[i] : NULL, "endpoints",
		           sc->endpoints[i].name, i,
		           sc->nendpoints <= CS_PART_BIN_EPS);
	/* users pinned to processes: how unevenly the processes are busy
	 * (only then, and last, so that other runs' output is unchanged) */
	if (sc->app.sticky && sc->app.processes > 1) {
		double spread = 0, top = 0;

		if (m)
			process_busy(m, now, &spread, &top);
		put(w, U_NUM, spread, "resources", "app", "process_busy",
		    "spread");
		put(w, U_RATIO, top, "resources", "app", "process_busy",
		    "busiest_utilization");
	}
	/* with gil: how much of the time each process had a cpu step queued
	 * or running (an event loop's utilization), over all processes
	 * (only then, and last, so that other runs' output is unchanged) */
	if (sc->app.gil) {
		double lanes = 0;

		for (k = 0; m && k < sc->app.hosts; k++)
			lanes += cs_tstat_mean(&m->inst[k].cpu.lanes_busy, now);
		put(w, U_RATIO, lanes / (double)(sc->app.instances *
		                                 sc->app.processes),
		    "resources", "app", "event_loop_utilization", NULL);
	}
#undef TS
#undef MX
}
