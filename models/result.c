/*
 * cs_run: replications of a scenario, their metrics with 95% confidence
 * intervals, and the three output formats (a k6-style table, JSON, CSV).
 *
 * Each replication fills one vector of numbers; one function (walk) both
 * names the entries and fills them, so names and values cannot drift apart.
 * The JSON nests by the name's segments: overall.latency_ms.p95 becomes
 * {"overall": {"latency_ms": {"p95": {"mean", "ci_low", "ci_high"}}}}.
 */
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "config/text.h"
#include "models/bottleneck.h"
#include "models/model.h"
#include "sim/replicate.h"
#include "sim/stats.h"

#define MAXSEG 7

typedef struct metric {
	const char *seg[MAXSEG]; /* point into the scenario or static text */
	int nseg;
	int unit;                /* for the table: see enum below */
} metric;

enum { U_NUM, U_COUNT, U_RATE, U_MS, U_PCT, U_RATIO };

/* Half a histogram bucket, relative: a percentile is known no better. */
#define PCT_RESOLUTION (0.5 / CS_HIST_SUB)

struct cs_result {
	const cs_scenario *sc;
	unsigned reps;
	unsigned cap;        /* rows of v allocated */
	double prec, floor;  /* the sequential rule's (cs_run_opts); prec 0:
	                      * a fixed count */
	unsigned first, max; /* its first batch and its maximum */
	uint64_t seed;
	double ts_every;
	metric *metrics;
	size_t nmetrics;
	double *v;           /* reps x nmetrics */
	double *mean, *lo, *hi;
	uint64_t events;     /* over all replications */
	cs_tsrow *ts;        /* replication 0 */
	size_t nts;
	struct mref *byname; /* [nmetrics] sorted by path, for lookups */
	char *version, *hash; /* provenance for the table; NULL: unknown */
	char **sets;
	size_t nsets;
};

/* A metric and its index, in the order of their dotted paths. */
typedef struct mref {
	const metric *mt;
	size_t i;
} mref;

/* ---- naming and filling -------------------------------------------------- */

typedef struct walker {
	cs_result *r;
	double *v;     /* NULL: only count/name */
	size_t i;
} walker;

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

/* The utilizations the bottleneck (bottleneck.c) reads besides the older
 * ones, each only where the scenario has that limit: the backlog's fill,
 * and each service's slot use and waiters, rate and token limits (asked
 * for / allowed, so above 1 when the provider refuses), batch fill. */
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

/* Name (m == NULL) or fill every metric of one replication. */
static void
walk(walker *w, const cs_model *m)
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
	put(w, U_RATIO, TS(pool_in_use) / pool, "resources", "db_pool", "utilization", NULL);
	put(w, U_NUM, TS(pool_waiters), "resources", "db_pool", "waiters", "mean");
	put(w, U_NUM, MX(pool_waiters), "resources", "db_pool", "waiters", "max");
	/* only with db.pool.max_waiting, so that other runs' output is
	 * unchanged */
	if (sc->db.max_waiting >= 0)
		put(w, U_COUNT, m ? (double)m->pool_full : 0, "resources",
		    "db_pool", "queue_full", NULL);
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
#undef TS
#undef MX
}

/* ---- running ------------------------------------------------------------ */

typedef struct runctx {
	cs_result *r;
	const cs_run_opts *opts;
	atomic_uint done;   /* replications finished, for opts->progress */
	int *stall;         /* per replication: its instant failure, or -2 */
	uint64_t *events;   /* per replication */
	cs_tsrow *ts;
	size_t nts;
} runctx;

static cs_status
one(unsigned rep, void *arg)
{
	runctx *ctx = arg;
	cs_result *r = ctx->r;
	cs_model *m;
	walker w = { .r = r, .v = r->v + (size_t)rep * r->nmetrics };
	cs_status s;

	s = cs_model_new(r->sc, r->seed, rep, rep == 0 ? r->ts_every : 0, &m);
	if (s)
		return s;
	s = cs_model_run(m);
	ctx->stall[rep] = s == CS_ERR_INVALID ? m->stall_cause : -2;
	if (!s) {
		walk(&w, m);
		ctx->events[rep] = m->e->executed;
		if (rep == 0) {
			ctx->ts = m->ts;
			ctx->nts = m->nts;
			m->ts = NULL;
		}
	}
	cs_model_free(m);
	if (ctx->opts && ctx->opts->progress)
		ctx->opts->progress(ctx->opts->progress_ctx,
		                    atomic_fetch_add(&ctx->done, 1) + 1, r->reps);
	return s;
}

/* ---- finding a metric by its path ------------------------------------------ */

/* The characters of a metric's dotted path, one at a time, without
 * building the string; 0 at the end. */
typedef struct pathit {
	const metric *mt;
	int k;
	const char *p;
} pathit;

static int
path_next(pathit *it)
{
	while (!*it->p) {
		if (it->k + 1 >= it->mt->nseg)
			return 0;
		it->p = it->mt->seg[++it->k];
		return '.';
	}
	return (unsigned char)*it->p++;
}

static void
path_start(pathit *it, const metric *mt)
{
	it->mt = mt;
	it->k = 0;
	it->p = mt->nseg ? mt->seg[0] : "";
}

/* strcmp of mt's dotted path with path. */
static int
path_cmp(const metric *mt, const char *path)
{
	pathit it;
	int a, b;

	path_start(&it, mt);
	do {
		a = path_next(&it);
		b = (unsigned char)*path++;
	} while (a && a == b);
	return a - b;
}

/* Paths in strcmp order; equal paths (an endpoint name with a dot can
 * make two) by index, so a lookup finds the first, as a scan would. */
static int
mref_cmp(const void *pa, const void *pb)
{
	const mref *x = pa, *y = pb;
	pathit i, j;
	int a, b;

	path_start(&i, x->mt);
	path_start(&j, y->mt);
	do {
		a = path_next(&i);
		b = path_next(&j);
	} while (a && a == b);
	if (a != b)
		return a - b;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* Sort the metrics by path once, so that a lookup is a binary search
 * instead of a scan: O(n log n) here, O(log n) per cs_result_metric,
 * where the table of 20,000 endpoints used to scan a million paths per
 * lookup. */
static int
index_names(cs_result *r)
{
	size_t i;

	r->byname = malloc((r->nmetrics ? r->nmetrics : 1) * sizeof *r->byname);
	if (!r->byname)
		return -1;
	for (i = 0; i < r->nmetrics; i++) {
		r->byname[i].mt = &r->metrics[i];
		r->byname[i].i = i;
	}
	qsort(r->byname, r->nmetrics, sizeof *r->byname, mref_cmp);
	return 0;
}

void
cs_result_free(cs_result *r)
{
	if (!r)
		return;
	free(r->metrics);
	free(r->v);
	free(r->mean);
	free(r->lo);
	free(r->hi);
	free(r->ts);
	free(r->byname);
	free(r->version);
	free(r->hash);
	for (size_t i = 0; i < r->nsets; i++)
		free(r->sets[i]);
	free(r->sets);
	free(r);
}

static char *
dup_or_null(const char *s, bool *fail)
{
	char *d;

	if (!s)
		return NULL;
	d = malloc(strlen(s) + 1);
	if (!d)
		*fail = true;
	else
		strcpy(d, s);
	return d;
}

cs_status
cs_result_set_provenance(cs_result *r, const char *version,
                         const char *file_hash, const char *const *sets,
                         size_t nsets)
{
	bool fail = false;
	size_t i;

	free(r->version);
	free(r->hash);
	for (i = 0; i < r->nsets; i++)
		free(r->sets[i]);
	free(r->sets);
	r->nsets = 0;
	r->version = dup_or_null(version, &fail);
	r->hash = dup_or_null(file_hash, &fail);
	r->sets = nsets ? calloc(nsets, sizeof *r->sets) : NULL;
	if (nsets && !r->sets)
		return CS_ERR_NOMEM;
	for (i = 0; i < nsets; i++)
		r->sets[r->nsets++] = dup_or_null(sets[i], &fail);
	return fail ? CS_ERR_NOMEM : CS_OK;
}

/* ---- summaries and the sequential rule --------------------------------- */

const char *const cs_precision_metrics[] = {
	"overall.throughput_rps", "overall.error_rate",
	"overall.latency_ms.mean", "overall.latency_ms.p50",
	"overall.latency_ms.p95", "overall.latency_ms.p99",
	"resources.app.worker_utilization", "resources.app.cpu_utilization",
	"resources.db_pool.utilization", "resources.db.cpu_utilization",
	NULL
};

/*
 * Metric i over replications 0..n-1: its mean and reported interval, and
 * in *hw (may be NULL) the half-width the precision rule judges: Student
 * t's before the cuts at 0 and 1 (a cut would make a ratio near zero look
 * precise), at least the histogram's resolution for a percentile.  col:
 * scratch for n values.  O(n).
 */
static void
summarise(const cs_result *r, size_t i, unsigned n, double *col,
          double *mean, double *lo, double *hi, double *hw)
{
	unsigned k;

	for (k = 0; k < n; k++)
		col[k] = r->v[(size_t)k * r->nmetrics + i];
	cs_stats_ci(col, n, mean, lo, hi);
	if (hw)
		*hw = (*hi - *lo) / 2;
	/* every metric is >= 0 and ratios are <= 1: the symmetric t
	 * interval is cut at those bounds */
	if (*lo < 0)
		*lo = 0;
	if (r->metrics[i].unit == U_RATIO && *hi > 1)
		*hi = 1;
	/* a percentile read from the histogram is uncertain by half a
	 * bucket even when every replication lands in the same one */
	if (r->metrics[i].unit == U_PCT && isfinite(*lo)) {
		double h = *mean * PCT_RESOLUTION;

		if (*lo > *mean - h)
			*lo = *mean - h;
		if (*hi < *mean + h)
			*hi = *mean + h;
		if (hw && *hw < h)
			*hw = h;
	}
}

static long find_metric(const cs_result *r, const char *path);

/*
 * The precision of replications 0..n-1: the largest, over
 * cs_precision_metrics, of half-width / max(|mean|, floor / target) (with
 * target 0: half-width / |mean|).  A metric with no value in any
 * replication (latency without requests) is skipped; one with a single
 * value counts as infinitely imprecise.  NaN when n < 2.  *worst (may be
 * NULL) gets the path that sets it.  O(n) per metric watched.
 */
static double
reached_n(const cs_result *r, unsigned n, double target, double floor,
          double *col, const char **worst)
{
	double most = 0;
	const char *w = "";
	size_t j;

	if (worst)
		*worst = "";
	if (n < 2)
		return NAN;
	for (j = 0; cs_precision_metrics[j]; j++) {
		long i = find_metric(r, cs_precision_metrics[j]);
		double m, lo, hi, hw, scale, q;

		if (i < 0)
			continue;
		summarise(r, (size_t)i, n, col, &m, &lo, &hi, &hw);
		if (isnan(m))
			continue;
		scale = fabs(m);
		if (target > 0 && r->metrics[i].unit == U_RATIO &&
		    floor / target > scale)
			scale = floor / target;
		if (isnan(hw))
			q = INFINITY;
		else
			q = hw == 0 ? 0 : scale > 0 ? hw / scale : INFINITY;
		if (q > most || !w[0]) {
			most = q;
			w = cs_precision_metrics[j];
		}
	}
	if (worst)
		*worst = w;
	return most;
}

/*
 * How many replications to have after n, when the worst half-width is q
 * times its target (q > 1).  A half-width shrinks about as 1/sqrt(n), so
 * about n q^2 replications would meet it (a little over: Student's t
 * also shrinks).  The step is at least max(2, n/4), so that a run just
 * short of the target does not go one replication at a time, and at most
 * n (doubling), so that a first variance estimate that is far off does
 * not commit to a huge batch.  Depends on nothing but n and q, which come
 * from replications 0..n-1: the same whatever the thread count.
 */
static unsigned
next_count(unsigned n, double q, unsigned max)
{
	double need = isfinite(q) ? ceil((double)n * q * q) : 2.0 * n;
	unsigned step_min = n / 4 > 2 ? n / 4 : 2, next;

	if (need < (double)(n + step_min))
		next = n + step_min;
	else if (need > 2.0 * n)
		next = 2 * n;
	else
		next = (unsigned)need;
	return next < max ? next : max;
}

/* Room for rows replications in r->v and the context's per-replication
 * arrays; the rows already there are kept. */
static int
grow(cs_result *r, runctx *ctx, double **col, unsigned rows)
{
	double *v, *c;
	uint64_t *ev;
	int *st;

	if (rows <= r->cap)
		return 0;
	v = realloc(r->v, (size_t)rows * r->nmetrics * sizeof *v +
	            (r->nmetrics ? 0 : sizeof *v));
	if (!v)
		return -1;
	r->v = v;
	ev = realloc(ctx->events, rows * sizeof *ev);
	if (!ev)
		return -1;
	ctx->events = ev;
	st = realloc(ctx->stall, rows * sizeof *st);
	if (!st)
		return -1;
	ctx->stall = st;
	c = realloc(*col, rows * sizeof *c);
	if (!c)
		return -1;
	*col = c;
	memset(r->v + (size_t)r->cap * r->nmetrics, 0,
	       (size_t)(rows - r->cap) * r->nmetrics * sizeof *r->v);
	memset(ctx->events + r->cap, 0, (rows - r->cap) * sizeof *ctx->events);
	memset(ctx->stall + r->cap, 0, (rows - r->cap) * sizeof *ctx->stall);
	r->cap = rows;
	return 0;
}

cs_status
cs_run(const cs_scenario *sc, const cs_run_opts *opts, cs_result **out,
       cs_error *err)
{
	cs_result *r = calloc(1, sizeof *r);
	walker w = { 0 };
	runctx ctx = { 0 };
	double *col = NULL;
	size_t i;
	unsigned k, done = 0;
	int stall = -1;
	cs_status s;

	*out = NULL;
	if (opts && opts->timeseries > 0 &&
	    sc->duration / opts->timeseries > CS_TIMESERIES_MAX_ROWS) {
		/* rows are kept in memory: 1e-300 s would never end */
		free(r);
		return cs_error_set(err, CS_ERR_INVALID, "", 0, 0, "timeseries",
		    "an interval of %gs makes %.3g rows over %gs; at most %d",
		    opts->timeseries, sc->duration / opts->timeseries,
		    sc->duration, CS_TIMESERIES_MAX_ROWS);
	}
	if (!r)
		return CS_ERR_NOMEM;
	r->sc = sc;
	r->reps = opts && opts->replications ? opts->replications : sc->replications;
	if (opts && opts->precision > 0) {
		/* the sequential rule: a first batch, then batches sized from
		 * the worst half-width so far (next_count) */
		r->prec = opts->precision;
		r->floor = opts->precision_floor > 0 ? opts->precision_floor :
		           CS_PRECISION_FLOOR;
		r->first = opts->replications > CS_PRECISION_MIN_REPS ?
		           opts->replications : CS_PRECISION_MIN_REPS;
		r->max = opts->max_replications ? opts->max_replications :
		         CS_PRECISION_MAX_REPS;
		if (r->max < r->first)
			r->max = r->first;
		r->reps = r->first;
	}
	r->seed = opts && opts->has_seed ? opts->seed : sc->seed;
	r->ts_every = opts ? opts->timeseries : 0;
	/* first pass counts, second names */
	w.r = r;
	walk(&w, NULL);
	r->nmetrics = w.i;
	r->metrics = calloc(r->nmetrics, sizeof *r->metrics);
	r->mean = calloc(r->nmetrics, sizeof *r->mean);
	r->lo = calloc(r->nmetrics, sizeof *r->lo);
	r->hi = calloc(r->nmetrics, sizeof *r->hi);
	if (!r->metrics || !r->mean || !r->lo || !r->hi ||
	    grow(r, &ctx, &col, r->reps)) {
		s = CS_ERR_NOMEM;
		goto fail;
	}
	w.i = 0;
	walk(&w, NULL);
	/* the names are known before any run: the rule looks metrics up */
	if (index_names(r)) {
		s = CS_ERR_NOMEM;
		goto fail;
	}
	ctx.r = r;
	ctx.opts = opts;
	atomic_init(&ctx.done, 0);
	for (;;) {
		double q;
		unsigned next;

		s = cs_sim_replicate_range(done, r->reps, opts ? opts->jobs : 0,
		                           one, &ctx);
		if (!done) {
			r->ts = ctx.ts;
			r->nts = ctx.nts;
		}
		if (s)
			goto fail;
		done = r->reps;
		if (!(r->prec > 0) || done >= r->max)
			break;
		/* decided on replications 0..done-1 only */
		q = reached_n(r, done, r->prec, r->floor, col, NULL) / r->prec;
		if (q <= 1)
			break;
		next = next_count(done, q, r->max);
		if (grow(r, &ctx, &col, next)) {
			s = CS_ERR_NOMEM;
			goto fail;
		}
		r->reps = next;
	}
	for (k = 0; k < r->reps; k++)
		r->events += ctx.events[k];
	for (i = 0; i < r->nmetrics; i++)
		summarise(r, i, r->reps, col, &r->mean[i], &r->lo[i], &r->hi[i],
		          NULL);
	free(col);
	free(ctx.events);
	free(ctx.stall);
	*out = r;
	return CS_OK;
fail:
	for (k = done; s == CS_ERR_INVALID && k < r->reps; k++)
		if (ctx.stall[k] != -2) {
			stall = ctx.stall[k]; /* the lowest: the same whatever jobs */
			break;
		}
	if (s == CS_ERR_INVALID)
		cs_error_set(err, s, sc->file, 0, 0, "load.think",
		    "the simulation stalled: users with no think time get their "
		    "answers in no time at all (%s), so the clock cannot move; give "
		    "load.think a non-zero time, or make that failure take time "
		    "(e.g. a service's rate_limit.latency)", stall >= 0 &&
		    stall < CS_CAUSE_N ? cs_cause_names[stall] : "success");
	else if (s == CS_ERR_INTERNAL)
		cs_error_set(err, s, sc->file, 0, 0, "",
		    "conservation check failed: generated != completed + failed "
		    "+ in flight (a bug in capsim; please report it with this "
		    "scenario)");
	else
		cs_error_set(err, s, sc->file, 0, 0, "", "simulation failed: %s",
		             cs_status_str(s));
	free(col);
	free(ctx.events);
	free(ctx.stall);
	cs_result_free(r);
	return s;
}

const cs_scenario *
cs_result_scenario(const cs_result *r)
{
	return r->sc;
}

unsigned
cs_result_replications(const cs_result *r)
{
	return r->reps;
}

double
cs_result_reached(const cs_result *r, double target, double floor,
                  const char **worst)
{
	double *col = malloc((r->reps ? r->reps : 1) * sizeof *col), q;

	if (worst)
		*worst = "";
	if (!col)
		return NAN;
	q = reached_n(r, r->reps, target, floor, col, worst);
	free(col);
	return q;
}

void
cs_result_precision(const cs_result *r, cs_precision_info *info)
{
	info->target = r->prec;
	info->floor = r->prec > 0 ? r->floor : 0;
	info->first = r->prec > 0 ? r->first : r->reps;
	info->max = r->prec > 0 ? r->max : r->reps;
	info->replications = r->reps;
	info->reached = cs_result_reached(r, info->target, info->floor,
	                                  &info->worst);
	info->met = r->prec > 0 && info->reached <= r->prec;
}

uint64_t
cs_result_events(const cs_result *r)
{
	return r->events;
}

/* ---- lookup --------------------------------------------------------------- */

static void
metric_path(const metric *mt, char *buf, size_t size)
{
	size_t used = 0;
	int k;

	buf[0] = 0;
	for (k = 0; k < mt->nseg && used < size; k++)
		used += (size_t)snprintf(buf + used, size - used, "%s%s",
		                         k ? "." : "", mt->seg[k]);
}

/* The index of the metric at path, or -1.  O(log n). */
static long
find_metric(const cs_result *r, const char *path)
{
	size_t lo = 0, hi = r->nmetrics;

	/* the first metric whose path is not below path */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (path_cmp(r->byname[mid].mt, path) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == r->nmetrics || path_cmp(r->byname[lo].mt, path))
		return -1;
	return (long)r->byname[lo].i;
}

cs_status
cs_result_metric(const cs_result *r, const char *path, double *mean,
                 double *ci_low, double *ci_high)
{
	long k = find_metric(r, path);
	size_t i;

	if (k < 0)
		return CS_ERR_INVALID;
	i = (size_t)k;
	if (mean)
		*mean = r->mean[i];
	if (ci_low)
		*ci_low = r->lo[i];
	if (ci_high)
		*ci_high = r->hi[i];
	return CS_OK;
}

size_t
cs_result_nmetrics(const cs_result *r)
{
	return r->nmetrics;
}

void
cs_result_metric_name(const cs_result *r, size_t i, char *buf, size_t size)
{
	metric_path(&r->metrics[i], buf, size);
}

void
cs_result_metric_at(const cs_result *r, size_t i, double *mean,
                    double *ci_low, double *ci_high)
{
	if (mean)
		*mean = r->mean[i];
	if (ci_low)
		*ci_low = r->lo[i];
	if (ci_high)
		*ci_high = r->hi[i];
}

/* ---- JSON ------------------------------------------------------------------- */

static cJSON *
num(double v)
{
	return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

static cJSON *
child(cJSON *parent, const char *key)
{
	cJSON *c = cJSON_GetObjectItemCaseSensitive(parent, key);

	if (!c) {
		c = cJSON_CreateObject();
		cJSON_AddItemToObject(parent, key, c);
	}
	return c;
}

/*
 * The objects made so far, by (parent, key): cJSON finds a key by a scan
 * of its parent, and "endpoints" holds one object per endpoint, so
 * child() alone costs O(endpoints) per metric, O(n^2) in all (20,000
 * endpoints: over a minute).  Open addressing, grown at half full.
 */
typedef struct kid {
	const cJSON *parent;
	const char *key;
	cJSON *obj;
} kid;

typedef struct kids {
	kid *t;
	size_t cap, n; /* cap: a power of two */
} kids;

static size_t
kid_hash(const cJSON *parent, const char *key)
{
	uint64_t h = 14695981039346656037ULL ^ (uint64_t)(uintptr_t)parent;

	while (*key) {
		h ^= (unsigned char)*key++;
		h *= 1099511628211ULL;
	}
	return (size_t)(h ^ h >> 29);
}

static int
kids_grow(kids *ks)
{
	size_t nc = ks->cap ? 2 * ks->cap : 1024, i, j;
	kid *nt = calloc(nc, sizeof *nt);

	if (!nt)
		return -1;
	for (i = 0; i < ks->cap; i++) {
		if (!ks->t[i].obj)
			continue;
		j = kid_hash(ks->t[i].parent, ks->t[i].key) & (nc - 1);
		while (nt[j].obj)
			j = (j + 1) & (nc - 1);
		nt[j] = ks->t[i];
	}
	free(ks->t);
	ks->t = nt;
	ks->cap = nc;
	return 0;
}

/* child(parent, key) in O(1); a plain child() if memory runs out. */
static cJSON *
kid_of(kids *ks, cJSON *parent, const char *key)
{
	size_t j;
	cJSON *c;

	if (2 * (ks->n + 1) > ks->cap && kids_grow(ks))
		return child(parent, key);
	j = kid_hash(parent, key) & (ks->cap - 1);
	for (; ks->t[j].obj; j = (j + 1) & (ks->cap - 1))
		if (ks->t[j].parent == parent && !strcmp(ks->t[j].key, key))
			return ks->t[j].obj;
	/* every object under root is made here, so a miss is a new key:
	 * no scan of the parent */
	c = cJSON_CreateObject();
	cJSON_AddItemToObject(parent, key, c);
	ks->t[j].parent = parent;
	ks->t[j].key = key;
	ks->t[j].obj = c;
	ks->n++;
	return c;
}

static cJSON *
to_json(const cs_result *r)
{
	const cs_scenario *sc = r->sc;
	cJSON *root = cJSON_CreateObject(), *run, *ts;
	kids ks = { 0 };
	cs_use bn;
	size_t i;

	run = kid_of(&ks, root, "run");
	cJSON_AddStringToObject(run, "scenario", sc->name);
	cJSON_AddStringToObject(run, "file", sc->file);
	cJSON_AddNumberToObject(run, "replications", r->reps);
	cJSON_AddNumberToObject(run, "seed", (double)r->seed);
	cJSON_AddNumberToObject(run, "duration_s", sc->duration);
	cJSON_AddNumberToObject(run, "warmup_s", sc->warmup);
	cJSON_AddNumberToObject(run, "events", (double)r->events);
	cJSON_AddStringToObject(run, "confidence", "95% Student t across replications");
	if (r->prec > 0) {
		/* only with the sequential rule: other runs' output is
		 * unchanged */
		cs_precision_info pi;
		cJSON *p = kid_of(&ks, run, "precision");

		cs_result_precision(r, &pi);
		cJSON_AddNumberToObject(p, "target", pi.target);
		cJSON_AddNumberToObject(p, "floor", pi.floor);
		cJSON_AddItemToObject(p, "reached", num(pi.reached));
		cJSON_AddBoolToObject(p, "met", pi.met);
		cJSON_AddStringToObject(p, "worst", pi.worst);
		cJSON_AddNumberToObject(p, "first_batch", pi.first);
		cJSON_AddNumberToObject(p, "max_replications", pi.max);
	}
	for (i = 0; i < r->nmetrics; i++) {
		const metric *mt = &r->metrics[i];
		cJSON *o = root, *leaf;
		int k;

		for (k = 0; k < mt->nseg; k++)
			o = kid_of(&ks, o, mt->seg[k]);
		leaf = o;
		cJSON_AddItemToObject(leaf, "mean", num(r->mean[i]));
		cJSON_AddItemToObject(leaf, "ci_low", num(r->lo[i]));
		cJSON_AddItemToObject(leaf, "ci_high", num(r->hi[i]));
	}
	if (cs_result_bottleneck(r, &bn)) {
		cJSON *b = kid_of(&ks, root, "bottleneck");

		cJSON_AddStringToObject(b, "resource", bn.name);
		cJSON_AddItemToObject(b, "utilization", num(bn.u));
		cJSON_AddItemToObject(b, "queue", num(bn.queue));
		cJSON_AddBoolToObject(b, "saturated", cs_use_saturated(&bn));
	}
	if (r->ts_every > 0) {
		ts = cJSON_AddArrayToObject(root, "timeseries");
		for (i = 0; i < r->nts; i++) {
			const cs_tsrow *row = &r->ts[i];
			cJSON *o = cJSON_CreateObject();

			cJSON_AddItemToObject(o, "t_s", num(row->t));
			cJSON_AddItemToObject(o, "users", num(row->users));
			cJSON_AddItemToObject(o, "throughput_rps", num(row->rps));
			cJSON_AddItemToObject(o, "error_rate", num(row->error_rate));
			cJSON_AddItemToObject(o, "p50_ms", num(row->p50 * 1e3));
			cJSON_AddItemToObject(o, "p95_ms", num(row->p95 * 1e3));
			cJSON_AddItemToObject(o, "p99_ms", num(row->p99 * 1e3));
			cJSON_AddItemToObject(o, "workers_busy", num(row->workers_busy));
			cJSON_AddItemToObject(o, "backlog", num(row->backlog));
			cJSON_AddItemToObject(o, "pool_in_use", num(row->pool_in_use));
			cJSON_AddItemToObject(o, "pool_waiters", num(row->pool_waiters));
			cJSON_AddItemToObject(o, "app_cpu", num(row->app_cpu));
			cJSON_AddItemToObject(o, "db_cpu", num(row->db_cpu));
			cJSON_AddItemToArray(ts, o);
		}
	}
	free(ks.t);
	return root;
}

char *
cs_result_json(const cs_result *r)
{
	cJSON *j = to_json(r);
	char *text, *out;
	size_t n;

	if (!j)
		return NULL;
	text = cJSON_Print(j);
	cJSON_Delete(j);
	if (!text)
		return NULL;
	/* hand back memory the caller can free() whatever cJSON's allocator */
	n = strlen(text) + 1;
	out = malloc(n);
	if (out)
		memcpy(out, text, n);
	cJSON_free(text);
	return out;
}

/* ---- table ------------------------------------------------------------------ */

static const char *
fmt_ms(char *buf, size_t n, double ms)
{
	if (!isfinite(ms))
		snprintf(buf, n, "-");
	else if (ms < 1)
		snprintf(buf, n, "%.2fms", ms);
	else if (ms < 100)
		snprintf(buf, n, "%.1fms", ms);
	else if (ms < 1000)
		snprintf(buf, n, "%.0fms", ms);
	else if (ms < 60000)
		snprintf(buf, n, "%.2fs", ms / 1e3);
	else
		snprintf(buf, n, "%.0fm%02.0fs", floor(ms / 60e3),
		         fmod(ms / 1e3, 60));
	return buf;
}

static double
get(const cs_result *r, const char *path, double *lo, double *hi)
{
	double m = NAN, l = NAN, h = NAN;

	cs_result_metric(r, path, &m, &l, &h);
	if (lo)
		*lo = l;
	if (hi)
		*hi = h;
	return m;
}

static void
ci_text(char *buf, size_t n, double lo, double hi, const char *f, double mul,
        const char *suffix)
{
	char a[32], b[32];

	if (!isfinite(lo)) {
		snprintf(buf, n, "(one replication: no CI)");
		return;
	}
	snprintf(a, sizeof a, f, lo * mul);
	snprintf(b, sizeof b, f, hi * mul);
	snprintf(buf, n, "[%s%s .. %s%s]", a, suffix, b, suffix);
}

static void
table_latency(FILE *f, const cs_result *r, const char *base, const char *label)
{
	char p[512], b[6][32];
	static const char *leaf[] = { "mean", "p50", "p90", "p95", "p99", "max" };
	double v[6];
	int k;

	for (k = 0; k < 6; k++) {
		snprintf(p, sizeof p, "%s.%s", base, leaf[k]);
		v[k] = get(r, p, NULL, NULL);
		fmt_ms(b[k], sizeof b[k], v[k]);
	}
	fprintf(f, "     %-24s: avg=%s p(50)=%s p(90)=%s p(95)=%s p(99)=%s max=%s\n",
	        label, b[0], b[1], b[2], b[3], b[4], b[5]);
}

static void
dots(FILE *f, const char *label)
{
	size_t n = strlen(label);

	fprintf(f, "     %s", label);
	while (n++ < 24)
		fputc('.', f);
	fputs(": ", f);
}

/* The lines of a kind: batch service under its "service" line. */
static void
table_batch(FILE *f, const cs_result *r, const char *nm)
{
	char p[512], a[32], b[32], c[32], d[32];
	double v, mx, q, qmx, kv;

#define G(key) (snprintf(p, sizeof p, "resources.services.%s.%s", nm, key), \
	        get(r, p, NULL, NULL))
	v = G("batch_size.mean");
	mx = G("batch_size.max");
	q = G("queue.mean");
	qmx = G("queue.max");
	kv = G("kv_utilization");
	dots(f, "  batch size");
	fprintf(f, "%.1f running, max %.0f; %.1f queued, max %.0f", v, mx, q, qmx);
	if (isfinite(kv))
		fprintf(f, "; KV %.0f%%", 100 * kv);
	fputc('\n', f);
	dots(f, "  tokens");
	fprintf(f, "%.1f out/s, %.0f in/s, %.1f steps/s\n",
	        G("output_tokens_per_s"), G("prompt_tokens_per_s"),
	        G("steps_per_s"));
	fmt_ms(a, sizeof a, G("ttft_ms.p50"));
	fmt_ms(b, sizeof b, G("ttft_ms.p95"));
	fmt_ms(c, sizeof c, G("total_ms.p50"));
	fmt_ms(d, sizeof d, G("total_ms.p95"));
	dots(f, "  time to first token");
	fprintf(f, "p(50)=%s p(95)=%s; total p(50)=%s p(95)=%s\n", a, b, c, d);
#undef G
}

/* Does any endpoint take a connection or run a query?  A scenario whose
 * endpoints never touch the DB leaves its (default) pool and cores out of
 * the table. */
static bool
uses_db(const cs_scenario *sc)
{
	size_t e, k;

	for (e = 0; e < sc->nendpoints; e++)
		for (k = 0; k < sc->endpoints[e].nops; k++)
			if (sc->endpoints[e].ops[k].kind == CS_OP_ACQUIRE ||
			    sc->endpoints[e].ops[k].kind == CS_OP_QUERY)
				return true;
	return false;
}

/* One line of parts: "<total>: 210ms waiting for a DB connection, ...",
 * biggest first; parts under 1% of the total are summed as "other".
 * base: "overall.time_ms" or "endpoints.E.near_p95.time_ms". */
static void
table_parts_line(FILE *f, const cs_result *r, const char *base, size_t ep,
                 double total)
{
	const cs_scenario *sc = r->sc;
	size_t np = CS_PART_FIXED + CS_PART_SVC_N * sc->nservices, k, j, n = 0;
	size_t idx[np ? np : 1];
	double v[np ? np : 1], rest = 0;
	char p[768], buf[32], words[160];
	int shown = 0;

	for (k = 0; k < np; k++) {
		if (!cs_parts_possible(sc, ep, k))
			continue;
		if (k < CS_PART_FIXED)
			snprintf(p, sizeof p, "%s.%s", base, cs_part_keys[k]);
		else
			snprintf(p, sizeof p, "%s.services.%s.%s", base,
			         sc->services[(k - CS_PART_FIXED) / CS_PART_SVC_N].name,
			         cs_part_svc_keys[(k - CS_PART_FIXED) % CS_PART_SVC_N]);
		v[n] = get(r, p, NULL, NULL);
		idx[n++] = k;
	}
	/* biggest first; a stable insertion sort (n is a handful) */
	for (k = 1; k < n; k++)
		for (j = k; j > 0 && v[j - 1] < v[j]; j--) {
			double tv = v[j];
			size_t ti = idx[j];

			v[j] = v[j - 1];
			idx[j] = idx[j - 1];
			v[j - 1] = tv;
			idx[j - 1] = ti;
		}
	for (k = 0; k < n; k++) {
		if (!(v[k] > 0))
			continue;
		if (v[k] < 0.01 * total) {
			rest += v[k];
			continue;
		}
		if (idx[k] < CS_PART_FIXED)
			snprintf(words, sizeof words, "%s", cs_part_words[idx[k]]);
		else
			snprintf(words, sizeof words, "%s %s",
			         sc->services[(idx[k] - CS_PART_FIXED) /
			                      CS_PART_SVC_N].name,
			         cs_part_svc_words[(idx[k] - CS_PART_FIXED) %
			                           CS_PART_SVC_N]);
		fprintf(f, "%s%s %s", shown++ ? ", " : " ",
		        fmt_ms(buf, sizeof buf, v[k]), words);
	}
	if (rest > 0)
		fprintf(f, "%s%s other", shown++ ? ", " : " ",
		        fmt_ms(buf, sizeof buf, rest));
	if (!shown)
		fputs(" -", f);
	fputc('\n', f);
}

/* "where the time goes": the mean's parts and the p95 neighbourhood's,
 * overall and for each endpoint. */
static void
table_parts(FILE *f, const cs_result *r)
{
	const cs_scenario *sc = r->sc;
	char base[512], p[sizeof base + 32], a[32], b[32];
	size_t i;

	fputs("\n  where the time goes (successful requests; the parts add up "
	      "to the mean, and near p95\n  to the mean of the requests between "
	      "the 94th and 96th percentiles)\n", f);
	for (i = 0; i <= sc->nendpoints; i++) {
		const char *nm = i ? sc->endpoints[i - 1].name : "overall";
		size_t ep = i ? i - 1 : SIZE_MAX;
		double mean, p95, near;

		if (i)
			snprintf(base, sizeof base, "endpoints.%s", nm);
		else
			snprintf(base, sizeof base, "overall");
		snprintf(p, sizeof p, "%s.latency_ok_ms.mean", base);
		mean = get(r, p, NULL, NULL);
		if (!isfinite(mean))
			continue; /* no successful request */
		dots(f, nm);
		fprintf(f, "avg=%s:", fmt_ms(a, sizeof a, mean));
		snprintf(p, sizeof p, "%s.time_ms", base);
		table_parts_line(f, r, p, ep, mean);
		snprintf(p, sizeof p, "%s.near_p95.latency_ms", base);
		near = get(r, p, NULL, NULL);
		snprintf(p, sizeof p, "%s.latency_ok_ms.p95", base);
		p95 = get(r, p, NULL, NULL);
		if (!isfinite(near))
			continue; /* no neighbourhood, or too thin */
		fprintf(f, "     %-24s  p(95)=%s (near it: %s):", "",
		        fmt_ms(a, sizeof a, p95), fmt_ms(b, sizeof b, near));
		snprintf(p, sizeof p, "%s.near_p95.time_ms", base);
		table_parts_line(f, r, p, ep, near);
	}
}

/* "DB pool, 98% busy, 80.2 waiting": the one rule of bottleneck.c */
static void
table_bottleneck(FILE *f, const cs_result *r)
{
	cs_use bn;
	size_t n;

	if (!cs_result_bottleneck(r, &bn))
		return;
	n = strlen(bn.name);
	dots(f, "bottleneck");
	if (!cs_use_saturated(&bn))
		fputs("none saturated; the busiest is ", f);
	fprintf(f, "%s, %.0f%% %s", bn.name, 100 * bn.u,
	        n >= 5 && !strcmp(bn.name + n - 5, "limit") ?
	        "of the limit asked for" : "busy");
	if (isfinite(bn.queue) && bn.queue >= 0.05)
		fprintf(f, ", %.*f waiting", bn.queue < 10 ? 1 : 0, bn.queue);
	fputc('\n', f);
}

static void
write_table(const cs_result *r, FILE *f)
{
	const cs_scenario *sc = r->sc;
	char p[512], ci[96], lo_s[32], hi_s[32];
	double v, lo, hi, total;
	size_t i;
	int c, shown;

	if (r->nsets) {
		/* the name describes the file, which the overrides change:
		 * "pool 20" must not head a pool-25 run */
		fprintf(f, "\n  capsim: %s", sc->file[0] ? sc->file : sc->name);
		for (i = 0; i < r->nsets; i++)
			fprintf(f, " --set %s", r->sets[i] ? r->sets[i] : "");
		fprintf(f, "\n  (the file's own name, \"%s\", describes it "
		        "without these overrides)\n", sc->name);
	} else {
		fprintf(f, "\n  capsim: %s%s%s%s\n", sc->name,
		        sc->file[0] ? " (" : "", sc->file, sc->file[0] ? ")" : "");
	}
	if (r->version || r->hash)
		fprintf(f, "  capsim %s%s%s\n", r->version ? r->version : "",
		        r->hash ? ", scenario file fnv1a64 " : "",
		        r->hash ? r->hash : "");
	fprintf(f, "  %u replication%s x %gs simulated, warm-up %gs deleted, seed %llu;"
	        " [..] = 95%% confidence interval\n", r->reps,
	        r->reps == 1 ? "" : "s", sc->duration, sc->warmup,
	        (unsigned long long)r->seed);
	if (r->prec > 0) {
		cs_precision_info pi;

		cs_result_precision(r, &pi);
		fprintf(f, "  precision: +-%.3g%% asked (ratios: or +-%.3g points), "
		        "+-%.3g%% reached%s (worst: %s)\n", 100 * pi.target,
		        100 * pi.floor, 100 * pi.reached, pi.met ? "" :
		        r->reps >= r->max ? " - NOT MET at --max-replications" :
		        " - NOT MET", pi.worst);
	}
	fputc('\n', f);

	total = get(r, "overall.requests", &lo, &hi);
	dots(f, "http_reqs");
	ci_text(ci, sizeof ci, lo, hi, "%.0f", 1, "");
	fprintf(f, "%.0f %s\n", total, ci);
	v = get(r, "overall.throughput_rps", &lo, &hi);
	dots(f, "throughput");
	ci_text(ci, sizeof ci, lo, hi, "%.1f", 1, "/s");
	fprintf(f, "%.1f/s %s\n", v, ci);
	v = get(r, "overall.error_rate", &lo, &hi);
	dots(f, "http_req_failed");
	ci_text(ci, sizeof ci, lo, hi, "%.2f", 100, "%");
	fprintf(f, "%.2f%% %s\n", v * 100, ci);
	table_latency(f, r, "overall.latency_ms", "http_req_duration");
	v = get(r, "overall.latency_ms.p95", &lo, &hi);
	fprintf(f, "     %-24s: [%s .. %s]\n", "  p(95) 95% CI",
	        fmt_ms(lo_s, sizeof lo_s, lo), fmt_ms(hi_s, sizeof hi_s, hi));
	table_latency(f, r, "overall.latency_ok_ms", "  {expected_response}");

	fprintf(f, "\n  errors by cause\n");
	for (c = 0, shown = 0; c < CS_CAUSE_N; c++) {
		snprintf(p, sizeof p, "overall.errors_by_cause.%s", cs_cause_names[c]);
		v = get(r, p, &lo, &hi);
		if (!(v > 0))
			continue;
		dots(f, cs_cause_names[c]);
		ci_text(ci, sizeof ci, lo, hi, v < 10 ? "%.1f" : "%.0f", 1, "");
		shown++;
		fprintf(f, v < 10 ? "%.1f (%.2f%% of requests) %s\n" :
		        "%.0f (%.2f%% of requests) %s\n", v,
		        total > 0 ? 100 * v / total : 0, ci);
	}
	if (!shown)
		fprintf(f, "     none\n");

	fprintf(f, "\n  %-28s %9s %8s %9s %9s %9s %8s\n", "endpoint", "rps",
	        "p50", "p95", "p99", "max", "errors");
	for (i = 0; i < sc->nendpoints; i++) {
		const char *nm = sc->endpoints[i].name;
		char b[4][32];
		static const char *leaf[] = { "p50", "p95", "p99", "max" };
		int k;

		for (k = 0; k < 4; k++) {
			snprintf(p, sizeof p, "endpoints.%s.latency_ms.%s", nm, leaf[k]);
			fmt_ms(b[k], sizeof b[k], get(r, p, NULL, NULL));
		}
		snprintf(p, sizeof p, "endpoints.%s.throughput_rps", nm);
		v = get(r, p, NULL, NULL);
		snprintf(p, sizeof p, "endpoints.%s.error_rate", nm);
		fprintf(f, "  %-28.28s %9.1f %8s %9s %9s %9s %7.2f%%\n", nm, v, b[0],
		        b[1], b[2], b[3], 100 * get(r, p, NULL, NULL));
	}

	table_parts(f, r);

	fprintf(f, "\n  resources (time averages over the measured window; max = "
	        "highest level, averaged across replications)\n");
	dots(f, "app workers busy");
	fprintf(f, "%.1f of %ld (%.0f%%), max %.0f\n",
	        get(r, "resources.app.workers_busy.mean", NULL, NULL),
	        sc->app.instances * sc->app.workers,
	        100 * get(r, "resources.app.worker_utilization", NULL, NULL),
	        get(r, "resources.app.workers_busy.max", NULL, NULL));
	dots(f, "app backlog");
	fprintf(f, "%.1f waiting, max %.0f\n",
	        get(r, "resources.app.backlog.mean", NULL, NULL),
	        get(r, "resources.app.backlog.max", NULL, NULL));
	dots(f, "app CPU");
	fprintf(f, "%.0f%% of %ld cores\n",
	        100 * get(r, "resources.app.cpu_utilization", NULL, NULL),
	        sc->app.hosts * sc->app.cores);
	if (!uses_db(sc))
		goto cache; /* no endpoint touches the DB: nothing to show */
	dots(f, "db pool in use");
	fprintf(f, "%.1f of %ld (%.0f%%), max %.0f\n",
	        get(r, "resources.db_pool.in_use.mean", NULL, NULL),
	        (long)cs_scenario_npools(sc) * sc->db.pool_size,
	        100 * get(r, "resources.db_pool.utilization", NULL, NULL),
	        get(r, "resources.db_pool.in_use.max", NULL, NULL));
	dots(f, "db pool waiters");
	fprintf(f, "%.1f, max %.0f\n",
	        get(r, "resources.db_pool.waiters.mean", NULL, NULL),
	        get(r, "resources.db_pool.waiters.max", NULL, NULL));
	dots(f, "db CPU");
	fprintf(f, "%.0f%% of %ld cores\n",
	        100 * get(r, "resources.db.cpu_utilization", NULL, NULL),
	        sc->db.cores);
cache:
	v = get(r, "resources.cache.hit_ratio", NULL, NULL);
	if (isfinite(v)) {
		dots(f, "cache hit ratio");
		fprintf(f, "%.1f%%\n", 100 * v);
	}
	for (i = 0; i < sc->nservices; i++) {
		const char *nm = sc->services[i].name;
		char lab[64];
		double mx, rl;

		snprintf(p, sizeof p, "resources.services.%s.concurrency.mean", nm);
		v = get(r, p, NULL, NULL);
		snprintf(p, sizeof p, "resources.services.%s.concurrency.max", nm);
		mx = get(r, p, NULL, NULL);
		snprintf(p, sizeof p, "resources.services.%s.rate_limited", nm);
		rl = get(r, p, NULL, NULL);
		snprintf(lab, sizeof lab, "service %s", nm);
		dots(f, lab);
		fprintf(f, "%.1f in flight, max %.0f; %.0f rate-limited\n", v, mx, rl);
		if (sc->services[i].kind == CS_SVC_BATCH)
			table_batch(f, r, nm);
	}
	table_bottleneck(f, r);
	if (r->ts_every > 0 && r->nts > 0) {
		fprintf(f, "\n  timeseries (replication 1; levels are interval averages)\n"
		        "  %8s %7s %9s %7s %9s %9s %6s %7s %6s %6s\n",
		        "t", "users", "rps", "errors", "p50", "p95", "pool", "waiters",
		        "appCPU", "dbCPU");
		for (i = 0; i < r->nts; i++) {
			const cs_tsrow *row = &r->ts[i];
			char a[32], b[32];

			fprintf(f, "  %7.0fs %7.0f %9.1f %6.2f%% %9s %9s %6.1f %7.1f %5.0f%% %5.0f%%\n",
			        row->t, row->users, row->rps,
			        isfinite(row->error_rate) ? 100 * row->error_rate : 0,
			        fmt_ms(a, sizeof a, row->p50 * 1e3),
			        fmt_ms(b, sizeof b, row->p95 * 1e3), row->pool_in_use,
			        row->pool_waiters, 100 * row->app_cpu, 100 * row->db_cpu);
		}
	}
	fputc('\n', f);
}

/* ---- CSV ---------------------------------------------------------------------- */


static void
csv_num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, ",%.10g", v);
	else
		fputs(",", f);
}

static void
write_csv(const cs_result *r, FILE *f)
{
	char buf[512];
	size_t i;

	if (r->ts_every > 0) {
		/* the timeseries, like Locust's _stats_history.csv */
		fputs("t_s,users,throughput_rps,error_rate,p50_ms,p95_ms,p99_ms,"
		      "workers_busy,backlog,pool_in_use,pool_waiters,app_cpu,db_cpu\n", f);
		for (i = 0; i < r->nts; i++) {
			const cs_tsrow *row = &r->ts[i];

			fprintf(f, "%.10g", row->t);
			csv_num(f, row->users);
			csv_num(f, row->rps);
			csv_num(f, row->error_rate);
			csv_num(f, row->p50 * 1e3);
			csv_num(f, row->p95 * 1e3);
			csv_num(f, row->p99 * 1e3);
			csv_num(f, row->workers_busy);
			csv_num(f, row->backlog);
			csv_num(f, row->pool_in_use);
			csv_num(f, row->pool_waiters);
			csv_num(f, row->app_cpu);
			csv_num(f, row->db_cpu);
			fputc('\n', f);
		}
		return;
	}
	fputs("metric,mean,ci_low,ci_high\n", f);
	for (i = 0; i < r->nmetrics; i++) {
		metric_path(&r->metrics[i], buf, sizeof buf);
		cs_text_csv_field(f, buf);
		csv_num(f, r->mean[i]);
		csv_num(f, r->lo[i]);
		csv_num(f, r->hi[i]);
		fputc('\n', f);
	}
}

cs_status
cs_result_write(const cs_result *r, cs_format fmt, FILE *f)
{
	cJSON *j;
	char *text;

	switch (fmt) {
	case CS_FORMAT_JSON:
		j = to_json(r);
		if (!j)
			return CS_ERR_NOMEM;
		text = cJSON_Print(j);
		cJSON_Delete(j);
		if (!text)
			return CS_ERR_NOMEM;
		fputs(text, f);
		fputc('\n', f);
		cJSON_free(text);
		break;
	case CS_FORMAT_CSV:
		write_csv(r, f);
		break;
	default:
		write_table(r, f);
		break;
	}
	return ferror(f) ? CS_ERR_IO : CS_OK;
}
