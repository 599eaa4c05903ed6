/*
 * cs_run: replications of a scenario, their metrics with 95% confidence
 * intervals, and the three output formats (a k6-style table, JSON, CSV).
 * Here: running (the sequential --precision rule included) and finding a
 * metric by its path; the walker that names and fills the metrics is in
 * result-walk.c, the writers in result-out.c, and what they share in
 * result-private.h.
 *
 * Each replication fills one vector of numbers; one function
 * (cs_resultp_walk) both names the entries and fills them, so names and
 * values cannot drift apart.
 * The JSON nests by the name's segments: overall.latency_ms.p95 becomes
 * {"overall": {"latency_ms": {"p95": {"mean", "ci_low", "ci_high"}}}}.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "models/model.h"
#include "models/result-private.h"
#include "models/reuse.h"
#include "sim/replicate.h"
#include "sim/stats.h"

/* Half a histogram bucket, relative: a percentile is known no better. */
#define PCT_RESOLUTION (0.5 / CS_HIST_SUB)

/* ---- replications shared across a limit's values (models/reuse.h) ----- */

typedef struct reuse_ent {
	char *key;
	unsigned rep;
	long peak;          /* the most of the limit it used */
	uint64_t events;
	size_t n;           /* metrics */
	double *v;
} reuse_ent;

/* The limits (cs_reuse_rank's order). */
enum { LIM_POOL, LIM_WORKERS, LIM_SVC };

struct cs_reuse {
	int limit;          /* LIM_* */
	char *svc;          /* LIM_SVC: the service's name */
	pthread_mutex_t lock;
	reuse_ent *e;
	size_t n, cap;
	size_t doubles;     /* kept so far */
	size_t budget;      /* at most (cs_reuse_set_budget) */
	unsigned long hits;
};

#define SVC_PREFIX "services."
#define SVC_SUFFIX ".concurrency"

int
cs_reuse_rank(const char *path)
{
	size_t n = strlen(path), a = strlen(SVC_PREFIX), b = strlen(SVC_SUFFIX);

	if (!strcmp(path, "db.pool.size"))
		return LIM_POOL;
	if (!strcmp(path, "app.workers"))
		return LIM_WORKERS;
	if (n > a + b && !strncmp(path, SVC_PREFIX, a) &&
	    !strcmp(path + n - b, SVC_SUFFIX))
		return LIM_SVC;
	return -1;
}

cs_reuse *
cs_reuse_new(const char *path)
{
	int k = cs_reuse_rank(path);
	cs_reuse *c;

	if (k < 0 || !(c = calloc(1, sizeof *c)))
		return NULL;
	c->limit = k;
	c->budget = CS_REUSE_BUDGET;
	if (k == LIM_SVC) {
		size_t a = strlen(SVC_PREFIX);
		size_t len = strlen(path) - a - strlen(SVC_SUFFIX);

		c->svc = malloc(len + 1);
		if (!c->svc) {
			free(c);
			return NULL;
		}
		memcpy(c->svc, path + a, len);
		c->svc[len] = '\0';
	}
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

void
cs_reuse_free(cs_reuse *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->n; i++) {
		free(c->e[i].key);
		free(c->e[i].v);
	}
	free(c->e);
	free(c->svc);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

void
cs_reuse_set_budget(cs_reuse *c, size_t numbers)
{
	c->budget = numbers;
}

unsigned long
cs_reuse_hits(const cs_reuse *c)
{
	return c ? c->hits : 0;
}

/* Replication rep under key for the limit at size: its metrics into v (n of
 * them) and its events; false when none stored fits.  O(entries). */
static bool
reuse_get(cs_reuse *c, const char *key, unsigned rep, long size, double *v,
          size_t n, uint64_t *events)
{
	bool hit = false;
	size_t i;

	pthread_mutex_lock(&c->lock);
	for (i = 0; i < c->n && !hit; i++) {
		reuse_ent *x = &c->e[i];

		if (x->rep == rep && size >= x->peak && !strcmp(x->key, key)) {
			cs_assert(x->n == n, "runs sharing a key have the same "
			          "metrics");
			memcpy(v, x->v, n * sizeof *v);
			*events = x->events;
			c->hits++;
			hit = true;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return hit;
}

/* Keep replication rep under key: its limit never bound, and it used at
 * most peak (connections a pool, busy workers an instance).  One entry a
 * (key, rep): another run of it is the same run.  Nothing kept past the
 * budget or on no memory. */
static void
reuse_put(cs_reuse *c, const char *key, unsigned rep, long peak,
          const double *v, size_t n, uint64_t events)
{
	reuse_ent x = { .rep = rep, .peak = peak, .events = events, .n = n };
	size_t i;

	pthread_mutex_lock(&c->lock);
	for (i = 0; i < c->n; i++)
		if (c->e[i].rep == rep && !strcmp(c->e[i].key, key))
			goto out;
	if (c->doubles + n > c->budget)
		goto out;
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 16;
		reuse_ent *e = realloc(c->e, cap * sizeof *e);

		if (!e)
			goto out;
		c->e = e;
		c->cap = cap;
	}
	x.key = strdup(key);
	x.v = malloc((n ? n : 1) * sizeof *x.v);
	if (!x.key || !x.v) {
		free(x.key);
		free(x.v);
		goto out;
	}
	memcpy(x.v, v, n * sizeof *v);
	c->e[c->n++] = x;
	c->doubles += n;
out:
	pthread_mutex_unlock(&c->lock);
}

/* ---- running ------------------------------------------------------------ */

typedef struct runctx {
	cs_result *r;
	const cs_run_opts *opts;
	cs_reuse *reuse;    /* NULL: run every replication */
	const char *key;
	long value;         /* the limit's value in this run */
	double capacity;    /* what the walk divides its mean in use by */
	size_t svc;         /* a service's concurrency: which service */
	long util_i, in_use_i; /* the limit's utilization and its mean in
	                    * use: what a stored replication's metrics need
	                    * for this run's value */
	atomic_uint done;   /* replications finished, for opts->progress */
	int *stall;         /* per replication: its instant failure, or -2 */
	uint64_t *events;   /* per replication */
	cs_tsrow *ts;
	size_t nts;
} runctx;

static long find_metric(const cs_result *r, const char *path);

/*
 * ctx's sharing through c for a run of sc: the limit's value, what the
 * walk divides its mean in use by (each exactly as result-walk.c computes
 * it) and where both metrics are.  False when this run cannot share: users
 * pinned to processes (for workers: a process's share counts, not the
 * instance's), a service without that name, or one without a limit (0:
 * its metrics differ).
 */
static bool
share_setup(runctx *ctx, cs_reuse *c, const cs_scenario *sc)
{
	char util[600], in_use[600];
	size_t i;

	switch (c->limit) {
	case LIM_POOL:
		ctx->value = sc->db.pool_size;
		ctx->capacity = (double)cs_scenario_npools(sc) *
		                (double)sc->db.pool_size;
		snprintf(util, sizeof util, "resources.db_pool.utilization");
		snprintf(in_use, sizeof in_use, "resources.db_pool.in_use.mean");
		break;
	case LIM_WORKERS:
		if (sc->app.sticky)
			return false;
		ctx->value = sc->app.workers;
		ctx->capacity = (double)(sc->app.instances * sc->app.workers);
		snprintf(util, sizeof util, "resources.app.worker_utilization");
		snprintf(in_use, sizeof in_use, "resources.app.workers_busy.mean");
		break;
	default:
		for (i = 0; i < sc->nservices; i++)
			if (!strcmp(sc->services[i].name, c->svc))
				break;
		if (i == sc->nservices || sc->services[i].concurrency <= 0)
			return false;
		ctx->svc = i;
		ctx->value = sc->services[i].concurrency;
		ctx->capacity = (double)sc->app.instances *
		                (double)sc->services[i].concurrency;
		snprintf(util, sizeof util, "resources.services.%s."
		         "concurrency_utilization", c->svc);
		snprintf(in_use, sizeof in_use, "resources.services.%s."
		         "concurrency.mean", c->svc);
		break;
	}
	ctx->reuse = c;
	ctx->util_i = find_metric(ctx->r, util);
	ctx->in_use_i = find_metric(ctx->r, in_use);
	return true;
}

static cs_status
one(unsigned rep, void *arg)
{
	runctx *ctx = arg;
	cs_result *r = ctx->r;
	cs_model *m;
	walker w = { .r = r, .v = r->v + (size_t)rep * r->nmetrics };
	/* the timeseries comes from replication 0's model: run it */
	bool share = ctx->reuse && !(rep == 0 && r->ts_every > 0);
	cs_status s;

	if (share && reuse_get(ctx->reuse, ctx->key, rep, ctx->value, w.v,
	                       r->nmetrics, &ctx->events[rep])) {
		/* the walk's mean in use / capacity, for this value */
		if (ctx->util_i >= 0 && ctx->in_use_i >= 0)
			w.v[ctx->util_i] = w.v[ctx->in_use_i] / ctx->capacity;
		ctx->stall[rep] = -2;
		s = CS_OK;
		goto done;
	}
	s = cs_model_new(r->sc, r->seed, rep, rep == 0 ? r->ts_every : 0, &m);
	if (s)
		return s;
	s = cs_model_run(m);
	ctx->stall[rep] = s == CS_ERR_INVALID ? m->stall_cause : -2;
	if (!s) {
		cs_resultp_walk(&w, m);
		ctx->events[rep] = m->e->executed;
		if (share) {
			int lim = ctx->reuse->limit;
			const cs_service *sv = lim == LIM_SVC ?
			                       &m->svc[ctx->svc] : NULL;

			if (!(lim == LIM_POOL ? m->pool_bound :
			      lim == LIM_WORKERS ? m->worker_bound : sv->bound))
				reuse_put(ctx->reuse, ctx->key, rep,
				          lim == LIM_POOL ? m->pool_peak :
				          lim == LIM_WORKERS ? m->worker_peak :
				          sv->peak, w.v, r->nmetrics,
				          m->e->executed);
		}
		if (rep == 0) {
			ctx->ts = m->ts;
			ctx->nts = m->nts;
			m->ts = NULL;
		}
	}
	cs_model_free(m);
done:
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
	return cs_run_reuse(sc, opts, NULL, NULL, out, err);
}

cs_status
cs_run_reuse(const cs_scenario *sc, const cs_run_opts *opts, cs_reuse *c,
             const char *key, cs_result **out, cs_error *err)
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
	cs_resultp_walk(&w, NULL);
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
	cs_resultp_walk(&w, NULL);
	/* the names are known before any run: the rule looks metrics up */
	if (index_names(r)) {
		s = CS_ERR_NOMEM;
		goto fail;
	}
	ctx.r = r;
	ctx.opts = opts;
	if (c && key && share_setup(&ctx, c, sc))
		ctx.key = key;
	else
		ctx.reuse = NULL;
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

void
cs_resultp_metric_path(const metric *mt, char *buf, size_t size)
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
	cs_resultp_metric_path(&r->metrics[i], buf, size);
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
