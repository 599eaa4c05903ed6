/*
 * Aggregate single requests into a point, in fixed memory.
 *
 * Cost per request: one histogram add for the total and one for its
 * endpoint (O(1)), an endpoint lookup in a small open-addressing table
 * (O(1) expected) and a window update that usually hits the current busy
 * period.  Memory: at most CS_IMP_MAX_ENDPOINTS + 2 histograms of
 * sizeof(cs_hist) (about 26 KB each), CS_IMP_MAX_CAUSES cause names and
 * MAX_SEGS busy periods, whatever the number of requests.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "calibration/import-private.h"
#include "sim/hist.h"

#define NSLOTS 1024          /* > 4 x (CS_IMP_MAX_ENDPOINTS + 1) */
#define MAX_SEGS 32
#define OTHER_EP "(other endpoints)"
#define OTHER_CAUSE "other: (more)"

typedef struct ep {
	char *name;
	cs_hist *h;     /* seconds */
	double req, fail;
} ep;

typedef struct seg {
	double a, b;    /* seconds */
	double n;
} seg;

struct cs_imp_agg {
	cs_hist *all;   /* seconds */
	double req, fail;
	char *cause[CS_IMP_MAX_CAUSES + 1];
	double ccount[CS_IMP_MAX_CAUSES + 1];
	size_t ncause;
	ep eps[CS_IMP_MAX_ENDPOINTS + 1];
	size_t nep;
	bool pooled;            /* endpoints beyond the cap were pooled */
	int slot[NSLOTS];       /* index into eps + 1; 0 = empty */
	seg segs[MAX_SEGS];
	size_t nseg, lastseg;
	double users;
};

cs_imp_agg *
cs_imp_agg_new(void)
{
	cs_imp_agg *a = calloc(1, sizeof *a);

	if (!a)
		return NULL;
	a->all = malloc(sizeof *a->all);
	if (!a->all) {
		free(a);
		return NULL;
	}
	cs_hist_reset(a->all);
	a->users = NAN;
	return a;
}

void
cs_imp_agg_free(cs_imp_agg *a)
{
	size_t i;

	if (!a)
		return;
	for (i = 0; i < a->nep; i++) {
		free(a->eps[i].name);
		free(a->eps[i].h);
	}
	for (i = 0; i < a->ncause; i++)
		free(a->cause[i]);
	free(a->all);
	free(a);
}

static unsigned
hash(const char *s)
{
	unsigned h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

/* The endpoint row for name (NULL when out of memory). */
static ep *
endpoint(cs_imp_agg *a, const char *name)
{
	unsigned i = hash(name) % NSLOTS;
	ep *e;

	while (a->slot[i]) {
		e = &a->eps[a->slot[i] - 1];
		if (strcmp(e->name, name) == 0)
			return e;
		i = (i + 1) % NSLOTS;
	}
	if (a->nep >= CS_IMP_MAX_ENDPOINTS && strcmp(name, OTHER_EP) != 0) {
		/* full: pool the rest under one name (the probe above finds
		 * it once it exists; eps has room for it) */
		a->pooled = true;
		return endpoint(a, OTHER_EP);
	}
	e = &a->eps[a->nep];
	e->name = strdup(name);
	e->h = malloc(sizeof *e->h);
	if (!e->name || !e->h) {
		free(e->name);
		free(e->h);
		e->name = NULL;
		e->h = NULL;
		return NULL;
	}
	cs_hist_reset(e->h);
	e->req = e->fail = 0;
	a->slot[i] = (int)++a->nep;
	return e;
}

static void
window(cs_imp_agg *a, double s, double e)
{
	size_t i, j;
	seg *g;

	if (isnan(s))
		s = e;
	if (isnan(e))
		e = s;
	if (isnan(s))
		return;
	if (e < s)
		e = s;
	/* rows come roughly in time order: try the last hit first */
	if (a->nseg > 0) {
		i = a->lastseg;
		g = &a->segs[i];
		if (s <= g->b + CS_AGG_GAP && e >= g->a - CS_AGG_GAP)
			goto found;
	}
	for (i = 0; i < a->nseg; i++) {
		g = &a->segs[i];
		if (i != a->lastseg && s <= g->b + CS_AGG_GAP &&
		    e >= g->a - CS_AGG_GAP)
			goto found;
	}
	if (a->nseg < MAX_SEGS) {
		i = a->nseg++;
		a->segs[i].a = s;
		a->segs[i].b = e;
		a->segs[i].n = 1;
		a->lastseg = i;
		return;
	}
	/* too many periods: join the nearest */
	{
		double best = INFINITY, d;

		i = 0;
		for (j = 0; j < a->nseg; j++) {
			g = &a->segs[j];
			d = s > g->b ? s - g->b : g->a - e;
			if (d < best) {
				best = d;
				i = j;
			}
		}
	}
found:
	g = &a->segs[i];
	g->n++;
	a->lastseg = i;
	if (s >= g->a && e <= g->b)
		return;         /* the usual case: inside the current period */
	if (s < g->a)
		g->a = s;
	if (e > g->b)
		g->b = e;
	/* a period that grew may now touch another: merge them */
	for (j = 0; j < a->nseg; j++) {
		seg *o = &a->segs[j];

		if (j == i)
			continue;
		if (o->a <= g->b + CS_AGG_GAP && o->b >= g->a - CS_AGG_GAP) {
			if (o->a < g->a)
				g->a = o->a;
			if (o->b > g->b)
				g->b = o->b;
			g->n += o->n;
			a->segs[j] = a->segs[--a->nseg];
			if (i == a->nseg)
				i = j;
			g = &a->segs[i];
			a->lastseg = i;
			j = (size_t)-1; /* start over */
		}
	}
}

cs_status
cs_imp_agg_request(cs_imp_agg *a, const char *endpoint_name, double ms,
                   double t_start, double t_end)
{
	double v = ms / 1000.0;

	a->req++;
	if (!isnan(ms))
		cs_hist_add(a->all, v);
	if (endpoint_name) {
		ep *e = endpoint(a, endpoint_name);

		if (!e)
			return CS_ERR_NOMEM;
		e->req++;
		if (!isnan(ms))
			cs_hist_add(e->h, v);
	}
	window(a, t_start, t_end);
	return CS_OK;
}

cs_status
cs_imp_agg_failure(cs_imp_agg *a, const char *endpoint_name,
                   const char *cause)
{
	size_t i;

	a->fail++;
	if (endpoint_name) {
		ep *e = endpoint(a, endpoint_name);

		if (!e)
			return CS_ERR_NOMEM;
		e->fail++;
	}
	if (!cause)
		cause = "other: (unknown)";
	for (i = 0; i < a->ncause; i++)
		if (strcmp(a->cause[i], cause) == 0)
			break;
	if (i == a->ncause) {
		if (a->ncause == CS_IMP_MAX_CAUSES) {
			cause = OTHER_CAUSE;
			for (i = 0; i < a->ncause; i++)
				if (strcmp(a->cause[i], cause) == 0)
					break;
		}
		if (i == a->ncause) {
			a->cause[i] = strdup(cause);
			if (!a->cause[i])
				return CS_ERR_NOMEM;
			a->ccount[i] = 0;
			a->ncause++;
		}
	}
	a->ccount[i]++;
	return CS_OK;
}

void
cs_imp_agg_users(cs_imp_agg *a, double users)
{
	if (!isnan(users) && (isnan(a->users) || users > a->users))
		a->users = users;
}

double
cs_imp_agg_requests(const cs_imp_agg *a)
{
	return a->req;
}

static void
latency_of(const cs_hist *h, cs_imp_latency *l)
{
	if (h->count == 0) {
		cs_imp_latency_unknown(l);
		return;
	}
	l->p50 = 1000 * cs_hist_quantile(h, 0.50);
	l->p90 = 1000 * cs_hist_quantile(h, 0.90);
	l->p95 = 1000 * cs_hist_quantile(h, 0.95);
	l->p99 = 1000 * cs_hist_quantile(h, 0.99);
	l->max = 1000 * h->max;
	l->mean = 1000 * cs_hist_mean(h);
}

static int
by_count(const void *x, const void *y)
{
	const cs_imp_cause *a = x, *b = y;

	if (a->count != b->count)
		return a->count < b->count ? 1 : -1;
	return strcmp(a->name, b->name);
}

cs_status
cs_imp_agg_fill(const cs_imp_agg *a, cs_imp_point *p)
{
	double dur = 0, gap = 0, main_n = 0;
	size_t i, main_i = 0;
	cs_status s;

	p->requests = a->req;
	p->failures = a->fail;
	latency_of(a->all, &p->latency);
	if (!isnan(a->users))
		p->users = a->users;
	for (i = 0; i < a->nseg; i++) {
		dur += a->segs[i].b - a->segs[i].a;
		if (a->segs[i].n > main_n) {
			main_n = a->segs[i].n;
			main_i = i;
		}
	}
	if (a->nseg > 0)
		p->duration = dur;
	if (a->nseg > 1) {
		/* the widest gap, for the note */
		for (i = 0; i < a->nseg; i++) {
			size_t j;
			double next = INFINITY;

			for (j = 0; j < a->nseg; j++)
				if (a->segs[j].a > a->segs[i].b &&
				    a->segs[j].a < next)
					next = a->segs[j].a;
			if (isfinite(next) && next - a->segs[i].b > gap)
				gap = next - a->segs[i].b;
		}
		if ((s = cs_imp_note(p, "requests fall in %zu busy periods "
		                     "separated by idle gaps of more than %.0f s "
		                     "(the longest %.0f s = %.1f days); only the "
		                     "busy periods count in the duration; %.0f "
		                     "requests lie outside the main period",
		                     a->nseg, CS_AGG_GAP, gap, gap / 86400,
		                     a->req - a->segs[main_i].n)))
			return s;
	}
	for (i = 0; i < a->ncause; i++)
		if ((s = cs_imp_add_cause(p, a->cause[i], a->ccount[i])))
			return s;
	if (p->ncauses > 1)
		qsort(p->causes, p->ncauses, sizeof *p->causes, by_count);
	for (i = 0; i < a->nep; i++) {
		const ep *e = &a->eps[i];
		cs_imp_endpoint *r = cs_imp_add_endpoint(p, e->name);

		if (!r)
			return CS_ERR_NOMEM;
		r->requests = e->req;
		r->failures = e->fail;
		latency_of(e->h, &r->latency);
	}
	if (a->pooled)
		return cs_imp_note(p, "more than %d endpoint names: the rest are "
		                   "pooled as \"" OTHER_EP "\"",
		                   CS_IMP_MAX_ENDPOINTS);
	return CS_OK;
}
