/*
 * Scenario files: YAML (through config/conf.h) to struct cs_scenario.
 *
 * Every key is checked: unknown keys get a suggestion, values their range,
 * and every message points at file:line:col with the key path.  The keys
 * each map allows and the words of each choice come from the key table
 * (models/keys.c), which also documents the defaults set here; a test
 * checks that table against docs/guide.md.
 */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/conf.h"
#include "models/keys.h"
#include "models/model.h"

#define BIG 1e12
#define PATHLEN 256

typedef struct binder {
	cs_conf *c;
	cs_error *err;
	cs_scenario *sc;
	bool counts;   /* distributions of counts (tokens), not durations */
	int cache_depth; /* keyed cache steps open around the current step */
	struct keycache *kc; /* the key table's lists, once per load */
} binder;

/* ---- small helpers ----------------------------------------------------- */

/*
 * The key table's lists (models/keys.h), looked up once per load and kept:
 * a table scan is O(rows) and a scenario asks for the same few lists once
 * per step and distribution (20,000 endpoints of three steps: 2.1 s to
 * load without the cache, 1.2 s with it, as before the table).  Entries: one per (parent, variant) and per
 * choice, bounded by the table, not by the input.
 */
#define KC_MAX 96
typedef struct keycache {
	size_t n;
	struct {
		char parent[48], variant[24]; /* variant "" for NULL; parent
		                               * "=path" for the choices of path */
		const char *v[32];
		cs_key_words w;
	} e[KC_MAX];
} keycache;

static const char *const *
cached(binder *b, const char *parent, const char *variant, bool words)
{
	keycache *kc = b->kc;
	size_t i;
	char key[48];

	snprintf(key, sizeof key, "%s%s", words ? "=" : "", parent);
	for (i = 0; i < kc->n; i++)
		if (!strcmp(kc->e[i].parent, key) &&
		    !strcmp(kc->e[i].variant, variant ? variant : ""))
			return words ? kc->e[i].w.v : kc->e[i].v;
	/* more lists than the table has is a bug, not input */
	assert(kc->n < KC_MAX && strlen(parent) + 1 < sizeof key);
	snprintf(kc->e[i].parent, sizeof kc->e[i].parent, "%s", key);
	snprintf(kc->e[i].variant, sizeof kc->e[i].variant, "%s",
	         variant ? variant : "");
	kc->n++;
	if (words) {
		cs_scenario_key_choices(parent, &kc->e[i].w);
		return kc->e[i].w.v;
	}
	cs_scenario_key_names(parent, variant, kc->e[i].v, 32);
	return kc->e[i].v;
}

/* The keys the table allows right under parent, for variant (NULL: any). */
static const char *const *
allowed(binder *b, const char *parent, const char *variant)
{
	return cached(b, parent, variant, false);
}

/* The words of the choice at table path key, in the loader's order. */
static const char *const *
choices(binder *b, const char *key)
{
	return cached(b, key, NULL, true);
}

static char *
xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);

	if (d)
		memcpy(d, s, n);
	return d;
}

/* A distribution's value: a duration, or a plain number for counts. */
static cs_status
amount(binder *b, const cs_conf_node *n, const char *path, double lo,
       double *out)
{
	if (b->counts)
		return cs_conf_number(b->c, n, path, lo, BIG, out, b->err);
	return cs_conf_duration(b->c, n, path, lo, BIG, out, b->err);
}

/* Optional number child: leaves *out alone when absent. */
static cs_status
opt_num(binder *b, const cs_conf_node *map, const char *base, const char *key,
        double lo, double hi, double *out)
{
	cs_conf_node *n = cs_conf_get(map, key);
	char path[PATHLEN];

	if (!n)
		return CS_OK;
	cs_conf_path(path, sizeof path, base, key);
	return cs_conf_number(b->c, n, path, lo, hi, out, b->err);
}

static cs_status
opt_int(binder *b, const cs_conf_node *map, const char *base, const char *key,
        long lo, long hi, long *out)
{
	cs_conf_node *n = cs_conf_get(map, key);
	char path[PATHLEN];

	if (!n)
		return CS_OK;
	cs_conf_path(path, sizeof path, base, key);
	return cs_conf_int(b->c, n, path, lo, hi, out, b->err);
}

static cs_status
dur(binder *b, const cs_conf_node *map, const char *base, const char *key,
    double lo, double hi, double *out, bool none_ok)
{
	cs_conf_node *n = cs_conf_get(map, key);
	char path[PATHLEN];

	if (!n)
		return CS_OK;
	cs_conf_path(path, sizeof path, base, key);
	/* "none" / "off": no limit, for timeouts only */
	if (none_ok && n->kind == CS_CONF_SCALAR && n->value &&
	    (!strcmp(n->value, "none") || !strcmp(n->value, "off"))) {
		n->used = true;
		*out = INFINITY;
		return CS_OK;
	}
	return cs_conf_duration(b->c, n, path, lo, hi, out, b->err);
}

/* An optional duration. */
static cs_status
opt_dur(binder *b, const cs_conf_node *map, const char *base, const char *key,
        double lo, double hi, double *out)
{
	return dur(b, map, base, key, lo, hi, out, false);
}

/* An optional timeout: a duration, or "none"/"off" for no limit. */
static cs_status
opt_timeout(binder *b, const cs_conf_node *map, const char *base,
            const char *key, double lo, double *out)
{
	return dur(b, map, base, key, lo, BIG, out, true);
}

static cs_status
opt_ratio(binder *b, const cs_conf_node *map, const char *base,
          const char *key, double *out)
{
	cs_conf_node *n = cs_conf_get(map, key);
	char path[PATHLEN];

	if (!n)
		return CS_OK;
	cs_conf_path(path, sizeof path, base, key);
	return cs_conf_ratio(b->c, n, path, out, b->err);
}

/* A child that must be a map when present. */
static cs_status
opt_map(binder *b, const cs_conf_node *map, const char *base, const char *key,
        const char *const *allowed, cs_conf_node **out, char *path)
{
	cs_conf_node *n = cs_conf_get(map, key);
	cs_status s;

	*out = NULL;
	cs_conf_path(path, PATHLEN, base, key);
	if (!n)
		return CS_OK;
	s = cs_conf_expect_map(b->c, n, path, b->err);
	if (!s)
		s = cs_conf_check_keys(b->c, n, path, allowed, b->err);
	if (!s)
		*out = n;
	return s;
}

static cs_status
contention(binder *b, const cs_conf_node *map, const char *base,
           double *sigma, double *kappa)
{
	cs_conf_node *n;
	char path[PATHLEN];
	cs_status s;

	*sigma = *kappa = 0;
	cs_conf_path(path, sizeof path, base, "contention");
	s = opt_map(b, map, base, "contention", allowed(b, path, NULL), &n,
	            path);
	if (s || !n)
		return s;
	s = opt_num(b, n, path, "sigma", 0, 1, sigma);
	if (!s)
		s = opt_num(b, n, path, "kappa", 0, 1, kappa);
	return s;
}

/* ---- distributions ----------------------------------------------------- */

static cs_status
need(binder *b, const cs_conf_node *map, const char *path, const char *key,
     const char *what, cs_conf_node **out)
{
	*out = cs_conf_get(map, key);
	if (*out)
		return CS_OK;
	return cs_conf_error(b->c, map, path, b->err,
	                     "%s distribution needs \"%s\"", what, key);
}

static cs_status
need_dur(binder *b, const cs_conf_node *map, const char *base,
         const char *key, const char *what, double lo, double *out)
{
	cs_conf_node *n;
	char path[PATHLEN];
	cs_status s = need(b, map, base, key, what, &n);

	if (s)
		return s;
	cs_conf_path(path, sizeof path, base, key);
	return amount(b, n, path, lo, out);
}

static cs_status
need_num(binder *b, const cs_conf_node *map, const char *base,
         const char *key, const char *what, double lo, double hi, double *out)
{
	cs_conf_node *n;
	char path[PATHLEN];
	cs_status s = need(b, map, base, key, what, &n);

	if (s)
		return s;
	cs_conf_path(path, sizeof path, base, key);
	return cs_conf_number(b->c, n, path, lo, hi, out, b->err);
}

/* empirical: samples: [durations] or percentiles: {p50: 80ms, p95: ...} */
static cs_status
empirical(binder *b, const cs_conf_node *n, const char *base, cs_dist *d)
{
	cs_conf_node *smp = cs_conf_get(n, "samples");
	cs_conf_node *pct = cs_conf_get(n, "percentiles");
	char path[PATHLEN], ipath[PATHLEN];
	double *q = NULL, *x = NULL;
	size_t i, k = 0;
	cs_status s = CS_OK;

	if (!!smp == !!pct)
		return cs_conf_error(b->c, n, base, b->err,
		    "empirical distribution needs exactly one of \"samples\" "
		    "(a list of durations) or \"percentiles\" (p50: 80ms, ...)");
	if (smp) {
		cs_conf_path(path, sizeof path, base, "samples");
		if ((s = cs_conf_expect_seq(b->c, smp, path, b->err)))
			return s;
		if (smp->n == 0)
			return cs_conf_error(b->c, smp, path, b->err,
			                     "needs at least one sample");
	} else {
		cs_conf_path(path, sizeof path, base, "percentiles");
		if ((s = cs_conf_expect_map(b->c, pct, path, b->err)))
			return s;
		if (pct->n < 2)
			return cs_conf_error(b->c, pct, path, b->err,
			    "needs at least two percentiles, e.g. {p50: 80ms, p99: 400ms}");
	}
	const cs_conf_node *src = smp ? smp : pct;
	q = malloc(src->n * sizeof *q);
	x = malloc(src->n * sizeof *x);
	if (!q || !x) {
		s = CS_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < src->n; i++) {
		const cs_conf_node *it = src->items[i];

		if (smp) {
			cs_conf_path_index(ipath, sizeof ipath, path, i);
			s = amount(b, it, ipath, 0, &x[k]);
		} else {
			char *end;
			double pv;

			cs_conf_path(ipath, sizeof ipath, path, it->key);
			pv = (it->key[0] == 'p' || it->key[0] == 'P') ?
			     strtod(it->key + 1, &end) : NAN;
			if (isnan(pv) || *end || pv < 0 || pv > 100) {
				s = cs_conf_error(b->c, it, ipath, b->err,
				    "percentile keys look like p50, p95, p99.9 (got \"%s\")",
				    it->key);
				goto out;
			}
			q[k] = pv / 100;
			s = amount(b, it, ipath, 0, &x[k]);
			if (!s && k > 0 && (q[k] <= q[k - 1] || x[k] < x[k - 1])) {
				s = cs_conf_error(b->c, it, ipath, b->err,
				    "percentiles must increase, with values that do not decrease");
			}
		}
		if (s)
			goto out;
		k++;
	}
	if (!smp && (q[0] != 0 || q[k - 1] != 1)) {
		s = cs_conf_error(b->c, pct, path, b->err,
		    "give p0 (the fastest) and p100 (the slowest) too: between "
		    "the points capsim interpolates, beyond them it cannot know");
		goto out;
	}
	if (smp) {
		/* sorted samples: the i-th is the i/(n-1) quantile */
		for (i = 1; i < k; i++) {
			double v = x[i];
			size_t j = i;

			while (j > 0 && x[j - 1] > v) {
				x[j] = x[j - 1];
				j--;
			}
			x[j] = v;
		}
		for (i = 0; i < k; i++)
			q[i] = k > 1 ? (double)i / (double)(k - 1) : 1;
	}
	s = cs_dist_empirical(d, q, x, k);
out:
	free(q);
	free(x);
	return s;
}

/*
 * A distribution: a duration scalar ("450ms": constant), or a map with
 * "dist" and its parameters, plus an optional "scale" multiplier.
 */
static cs_status
dist(binder *b, const cs_conf_node *n, const char *path, cs_dist *d)
{
	cs_conf_node *dn;
	const char *const *kinds;
	double a = 0, c = 0, k = 0, scale = 1;
	int kind;
	cs_status s;
	char p[PATHLEN];

	memset(d, 0, sizeof *d);
	d->scale = 1;
	if (n->kind == CS_CONF_SCALAR) {
		s = amount(b, n, path, 0, &a);
		if (!s)
			cs_dist_const(d, a);
		return s;
	}
	if ((s = cs_conf_expect_map(b->c, n, path, b->err)) ||
	    (s = cs_conf_check_keys(b->c, n, path,
	                            allowed(b, "<distribution>", NULL), b->err)))
		return s;
	dn = cs_conf_get(n, "dist");
	if (!dn)
		return cs_conf_error(b->c, n, path, b->err,
		    "a distribution needs \"dist\" (one of: constant, exponential, "
		    "uniform, lognormal, gamma, weibull, empirical), or write a "
		    "plain duration like 450ms");
	cs_conf_path(p, sizeof p, path, "dist");
	kinds = choices(b, "<distribution>.dist");
	if ((s = cs_conf_enum(b->c, dn, p, kinds, &kind, b->err)))
		return s;
	if ((s = cs_conf_check_keys(b->c, n, path, allowed(b,
	                            "<distribution>", kinds[kind]), b->err)))
		return s;
	switch (kind) {
	case 0:
		if ((s = need_dur(b, n, path, "value", "a constant", 0, &a)))
			return s;
		cs_dist_const(d, a);
		break;
	case 1:
		if ((s = need_dur(b, n, path, "mean", "an exponential", 1e-12, &a)))
			return s;
		cs_dist_exp(d, a);
		break;
	case 2:
		if ((s = need_dur(b, n, path, "min", "a uniform", 0, &a)) ||
		    (s = need_dur(b, n, path, "max", "a uniform", a, &c)))
			return s;
		cs_dist_const(d, 0);
		d->kind = CS_DIST_UNIFORM;
		d->p1 = a;
		d->p2 = c;
		break;
	case 3:
	case 4:
		if (kind == 3 && cs_conf_get(n, "median") && (cs_conf_get(n, "mean") ||
		    cs_conf_get(n, "cv")))
			return cs_conf_error(b->c, n, path, b->err,
			    "a lognormal takes median and p95, or mean and cv, not both");
		if (cs_conf_get(n, "median") && kind == 3) {
			if ((s = need_dur(b, n, path, "median", "a lognormal", 1e-12, &a)) ||
			    (s = need_dur(b, n, path, "p95", "a lognormal", a, &c)))
				return s;
			cs_dist_lognormal_median_p95(d, a, c);
			if (c == a)
				cs_dist_const(d, a);
		} else {
			const char *what = kind == 3 ? "a lognormal" : "a gamma";

			if (!cs_conf_get(n, "mean"))
				return cs_conf_error(b->c, n, path, b->err,
				    "%s distribution needs \"mean\" and \"cv\"%s", what,
				    kind == 3 ? ", or \"median\" and \"p95\"" : "");
			if ((s = need_dur(b, n, path, "mean", what, 1e-12, &a)) ||
			    (s = need_num(b, n, path, "cv", what, 1e-6, 100, &c)))
				return s;
			if (kind == 3)
				cs_dist_lognormal_mean_cv(d, a, c);
			else
				cs_dist_gamma_mean_cv(d, a, c);
		}
		break;
	case 5:
		if ((s = need_num(b, n, path, "shape", "a weibull", 0.05, 100, &k)))
			return s;
		if (cs_conf_get(n, "mean")) {
			if ((s = need_dur(b, n, path, "mean", "a weibull", 1e-12, &a)))
				return s;
			/* scale from mean: lambda = mean / Gamma(1 + 1/k) */
			cs_dist_const(d, 0);
			d->kind = CS_DIST_WEIBULL;
			d->p1 = k;
			d->p2 = 1;
			d->p2 = a / cs_dist_mean(d);
		} else {
			return cs_conf_error(b->c, n, path, b->err,
			    "a weibull distribution needs \"shape\" and \"mean\"");
		}
		break;
	case 6:
		if ((s = empirical(b, n, path, d)))
			return s;
		break;
	}
	if ((s = opt_num(b, n, path, "scale", 0, 1e6, &scale)))
		return s;
	d->scale = scale;
	return CS_OK;
}

/* ---- sections ---------------------------------------------------------- */

static cs_status
stages(binder *b, const cs_conf_node *n, const char *path)
{
	const char *const *keys;
	cs_load_conf *l = &b->sc->load;
	char ip[PATHLEN], p[PATHLEN];
	size_t i;
	cs_status s;

	if ((s = cs_conf_expect_seq(b->c, n, path, b->err)))
		return s;
	if (n->n == 0)
		return cs_conf_error(b->c, n, path, b->err,
		                     "needs at least one stage");
	keys = allowed(b, "load.stages[]", NULL);
	l->stages = calloc(n->n, sizeof *l->stages);
	if (!l->stages)
		return CS_ERR_NOMEM;
	for (i = 0; i < n->n; i++) {
		const cs_conf_node *st = n->items[i];
		cs_conf_node *t;
		cs_stage *sg = &l->stages[i];

		cs_conf_path_index(ip, sizeof ip, path, i);
		if ((s = cs_conf_expect_map(b->c, st, ip, b->err)) ||
		    (s = cs_conf_check_keys(b->c, st, ip, keys, b->err)))
			return s;
		if (!cs_conf_get(st, "duration") || !cs_conf_get(st, "target"))
			return cs_conf_error(b->c, st, ip, b->err,
			    "a stage needs \"duration\" and \"target\", e.g. "
			    "{duration: 1m, target: 500}");
		if ((s = opt_dur(b, st, ip, "duration", 0, 1e9, &sg->duration)))
			return s;
		t = cs_conf_get(st, "target");
		cs_conf_path(p, sizeof p, ip, "target");
		if (t->kind == CS_CONF_SCALAR && t->value &&
		    strchr(t->value, '%')) {
			char *end;
			double v = strtod(t->value, &end);

			t->used = true;
			while (*end == ' ')
				end++;
			if (end == t->value || strcmp(end, "%") || !(v >= 0) ||
			    v > 10000)
				return cs_conf_error(b->c, t, p, b->err,
				    "a relative target is a percentage from 0%% to "
				    "10000%% of load.%s (got \"%s\")",
				    l->open ? "arrival_rate" : "users", t->value);
			sg->target = v / 100;
			sg->relative = true;
		} else if (l->open) {
			s = cs_conf_rate(b->c, t, p, 0, 1e8, &sg->target, b->err);
		} else {
			long v;

			s = cs_conf_int(b->c, t, p, 0, 10000000, &v, b->err);
			sg->target = (double)v;
		}
		if (s)
			return s;
		l->nstages++;
	}
	return CS_OK;
}

static cs_status
load(binder *b, const cs_conf_node *root)
{
	cs_load_conf *l = &b->sc->load;
	cs_conf_node *n, *u, *r, *t, *st;
	char path[PATHLEN], p[PATHLEN];
	cs_status s;

	l->client_timeout = 60; /* k6's default */
	cs_dist_const(&l->think, 0);
	cs_dist_const(&l->rtt, 0);
	if ((s = opt_map(b, root, "", "load", allowed(b, "load", NULL), &n,
	                 path)))
		return s;
	if (!n)
		return cs_conf_error(b->c, root, "load", b->err,
		    "missing section \"load\" (e.g. load: {users: 100, think: 1s})");
	u = cs_conf_get(n, "users");
	r = cs_conf_get(n, "arrival_rate");
	if (u && r)
		return cs_conf_error(b->c, r, "load.arrival_rate", b->err,
		    "give either users (a closed population) or arrival_rate "
		    "(open arrivals), not both");
	st = cs_conf_get(n, "stages");
	if (!u && !r && !st)
		return cs_conf_error(b->c, n, path, b->err,
		    "needs \"users\" (closed: virtual users with think time) or "
		    "\"arrival_rate\" (open: requests per second)");
	l->open = r != NULL;
	if (u) {
		cs_conf_path(p, sizeof p, path, "users");
		if ((s = cs_conf_int(b->c, u, p, 0, 10000000, &l->users, b->err)))
			return s;
	}
	if (u && l->users == 0 && !st) {
		cs_conf_path(p, sizeof p, path, "users");
		return cs_conf_error(b->c, u, p, b->err,
		    "must be >= 1 (0 users send nothing; with stages, users is "
		    "the base of percentage targets)");
	}
	if (r) {
		cs_conf_path(p, sizeof p, path, "arrival_rate");
		if ((s = cs_conf_rate(b->c, r, p, 0, 1e8, &l->rate, b->err)))
			return s;
	}
	if ((t = cs_conf_get(n, "think"))) {
		cs_conf_path(p, sizeof p, path, "think");
		if (l->open)
			return cs_conf_error(b->c, t, p, b->err,
			    "think time applies to closed users, not to arrival_rate");
		if ((s = dist(b, t, p, &l->think)))
			return s;
	}
	if ((s = opt_timeout(b, n, path, "client_timeout", 1e-6,
	                     &l->client_timeout)))
		return s;
	if ((t = cs_conf_get(n, "rtt"))) {
		cs_conf_path(p, sizeof p, path, "rtt");
		cs_dist_destroy(&l->rtt);
		if ((s = dist(b, t, p, &l->rtt)))
			return s;
		l->has_rtt = cs_dist_mean(&l->rtt) > 0;
	}
	if (st) {
		size_t i;
		bool rel = false;

		cs_conf_path(p, sizeof p, path, "stages");
		if ((s = stages(b, st, p)))
			return s;
		for (i = 0; i < l->nstages; i++)
			rel |= l->stages[i].relative;
		if ((u || r) && !rel)
			return cs_conf_error(b->c, u ? u : r, u ? "load.users" :
			    "load.arrival_rate", b->err,
			    "has no effect: every stage target is absolute; write "
			    "targets as percentages (target: 100%%) to scale them "
			    "with it, or leave it out");
		if (!u && !r && rel)
			return cs_conf_error(b->c, st, p, b->err,
			    "percentage targets need load.users (or arrival_rate) "
			    "as their base");
	}
	return CS_OK;
}

static cs_status
app(binder *b, const cs_conf_node *root)
{
	cs_app_conf *a = &b->sc->app;
	cs_conf_node *n, *lb;
	char path[PATHLEN], p[PATHLEN];
	cs_status s;

	a->instances = 1;
	a->workers = 16;
	a->processes = 1;
	a->cpu_scale = 1;
	a->cores = 2;
	a->backlog = 2048; /* gunicorn's and Linux's usual listen backlog */
	a->balancer = CS_LB_ROUND_ROBIN;
	a->request_timeout = INFINITY;
	a->hosts = 1; /* one an instance */
	if ((s = opt_map(b, root, "", "app", allowed(b, "app", NULL), &n,
	                 path)) || !n)
		return s;
	if ((s = opt_int(b, n, path, "instances", 1, 100000, &a->instances)) ||
	    (s = opt_int(b, n, path, "workers", 1, 10000000, &a->workers)) ||
	    (s = opt_int(b, n, path, "processes", 1, 100000, &a->processes)) ||
	    (s = opt_num(b, n, path, "cpu_scale", 0, 1e6, &a->cpu_scale)) ||
	    (s = opt_num(b, n, path, "background", 0, 1e6, &a->background)) ||
	    (s = opt_num(b, n, path, "overhead", 0, 4096, &a->overhead)) ||
	    (s = opt_num(b, n, path, "core_slowdown", 0, 100, &a->slowdown)) ||
	    (s = opt_int(b, n, path, "cores", 1, 4096, &a->cores)) ||
	    (s = opt_int(b, n, path, "backlog", 0, 1000000000, &a->backlog)) ||
	    (s = opt_timeout(b, n, path, "request_timeout", 1e-6,
	                     &a->request_timeout)) ||
	    (s = contention(b, n, path, &a->sigma, &a->kappa)))
		return s;
	a->hosts = a->instances;
	if ((lb = cs_conf_get(n, "hosts"))) {
		cs_conf_path(p, sizeof p, path, "hosts");
		if ((s = cs_conf_int(b->c, lb, p, 1, a->instances, &a->hosts,
		                     b->err)))
			return s;
	}
	if ((lb = cs_conf_get(n, "gil"))) {
		cs_conf_path(p, sizeof p, path, "gil");
		if ((s = cs_conf_bool(b->c, lb, p, &a->gil, b->err)))
			return s;
	}
	if (a->workers % a->processes) {
		cs_conf_node *pn = cs_conf_get(n, "processes");

		cs_conf_path(p, sizeof p, path, "processes");
		return cs_conf_error(b->c, pn, p, b->err,
		    "app.workers (%ld) must be a multiple of app.processes (%ld): "
		    "workers counts every thread of every process", a->workers,
		    a->processes);
	}
	if ((lb = cs_conf_get(n, "affinity"))) {
		int k;

		cs_conf_path(p, sizeof p, path, "affinity");
		if ((s = cs_conf_enum(b->c, lb, p, choices(b, "app.affinity"), &k,
		                      b->err)))
			return s;
		a->sticky = k >= 1;
		a->pin_random = k == 2;
	}
	if ((lb = cs_conf_get(n, "balancer"))) {
		cs_conf_path(p, sizeof p, path, "balancer");
		if ((s = cs_conf_enum(b->c, lb, p, choices(b, "app.balancer"),
		                      &a->balancer, b->err)))
			return s;
	}
	return CS_OK;
}

static cs_status
db(binder *b, const cs_conf_node *root)
{
	cs_db_conf *d = &b->sc->db;
	cs_conf_node *n, *pn, *per;
	char path[PATHLEN], pp[PATHLEN];
	cs_status s;

	d->pool_size = 10;
	d->acquire_timeout = 30;
	d->max_waiting = -1;
	d->cores = 2;
	d->max_connections = 100; /* PostgreSQL's default */
	d->query_scale = 1;
	if ((s = opt_map(b, root, "", "db", allowed(b, "db", NULL), &n,
	                 path)) || !n)
		return s;
	if ((s = opt_map(b, n, path, "pool", allowed(b, "db.pool", NULL), &pn,
	                 pp)))
		return s;
	if (pn && ((s = opt_int(b, pn, pp, "size", 1, 10000000, &d->pool_size)) ||
	           (s = opt_timeout(b, pn, pp, "acquire_timeout", 0,
	                            &d->acquire_timeout))))
		return s;
	if (pn && (per = cs_conf_get(pn, "per"))) {
		char q[PATHLEN];
		int k;

		cs_conf_path(q, sizeof q, pp, "per");
		if ((s = cs_conf_enum(b->c, per, q, choices(b, "db.pool.per"), &k,
		                      b->err)))
			return s;
		d->per_process = k == 1;
	}
	/* an integer >= 0, or "none"/"off" (the default): no limit */
	if (pn && (per = cs_conf_get(pn, "max_waiting"))) {
		char q[PATHLEN];

		cs_conf_path(q, sizeof q, pp, "max_waiting");
		if (per->kind == CS_CONF_SCALAR && per->value &&
		    (!strcmp(per->value, "none") || !strcmp(per->value, "off")))
			per->used = true;
		else if ((s = cs_conf_int(b->c, per, q, 0, 1000000000,
		                          &d->max_waiting, b->err)))
			return s;
	}
	if ((per = cs_conf_get(n, "host"))) {
		char q[PATHLEN];
		int k;

		cs_conf_path(q, sizeof q, path, "host");
		if ((s = cs_conf_enum(b->c, per, q, choices(b, "db.host"), &k,
		                      b->err)))
			return s;
		d->on_app_host = k == 1;
		if (d->on_app_host && cs_conf_get(n, "cores")) {
			cs_conf_path(q, sizeof q, path, "cores");
			return cs_conf_error(b->c, cs_conf_get(n, "cores"), q, b->err,
			    "a DB on the app host uses app.cores; leave db.cores out");
		}
	}
	if ((s = opt_num(b, n, path, "query_scale", 0, 1e6, &d->query_scale)) ||
	    (s = opt_num(b, n, path, "overhead", 0, 4096, &d->overhead)) ||
	    (s = opt_num(b, n, path, "core_slowdown", 0, 100, &d->slowdown)) ||
	    (s = opt_int(b, n, path, "cores", 1, 4096, &d->cores)) ||
	    (s = opt_int(b, n, path, "max_connections", 1, 100000000,
	                 &d->max_connections)) ||
	    (s = contention(b, n, path, &d->sigma, &d->kappa)))
		return s;
	return CS_OK;
}

/*
 * cache.popularity: "uniform", {dist: uniform}, {dist: zipf, s: 0.9} or
 * {dist: hot, hot: 1000, hot_share: 80%} (dist may be left out when "hot"
 * is given).  Zipf builds its CDF here, once: O(keys) time and memory,
 * shared read-only by every replication.
 */
static cs_status
popularity(binder *b, const cs_conf_node *n, const char *path)
{
	cs_cache_conf *c = &b->sc->cache;
	const char *const *kinds;
	cs_conf_node *dn, *hn;
	char p[PATHLEN];
	cs_status s;
	int kind = CS_POP_HOT;

	if (n->kind == CS_CONF_SCALAR && n->value && !strcmp(n->value, "uniform")) {
		((cs_conf_node *)n)->used = true;
		c->popularity = CS_POP_UNIFORM;
		return CS_OK;
	}
	if ((s = cs_conf_expect_map(b->c, n, path, b->err)) ||
	    (s = cs_conf_check_keys(b->c, n, path,
	                            allowed(b, "cache.popularity", NULL), b->err)))
		return s;
	kinds = choices(b, "cache.popularity.dist");
	if ((dn = cs_conf_get(n, "dist"))) {
		cs_conf_path(p, sizeof p, path, "dist");
		if ((s = cs_conf_enum(b->c, dn, p, kinds, &kind, b->err)))
			return s;
	} else if (!cs_conf_get(n, "hot")) {
		return cs_conf_error(b->c, n, path, b->err,
		    "popularity needs \"dist\" (uniform, zipf or hot), e.g. "
		    "{dist: zipf, s: 0.9} or {hot: 1000, hot_share: 80%%}");
	}
	if ((s = cs_conf_check_keys(b->c, n, path, allowed(b,
	                            "cache.popularity", kinds[kind]), b->err)))
		return s;
	c->popularity = kind;
	if (kind == CS_POP_ZIPF) {
		double sum = 0, acc = 0;
		long i;

		if (!cs_conf_get(n, "s"))
			return cs_conf_error(b->c, n, path, b->err,
			    "a zipf popularity needs \"s\", its exponent "
			    "(0: uniform; web caches are often 0.6-1.0)");
		if ((s = opt_num(b, n, path, "s", 0, 10, &c->zipf_s)))
			return s;
		c->cdf = malloc((size_t)c->keys * sizeof *c->cdf);
		if (!c->cdf)
			return CS_ERR_NOMEM;
		for (i = 0; i < c->keys; i++)
			sum += pow((double)(i + 1), -c->zipf_s);
		for (i = 0; i < c->keys; i++) {
			acc += pow((double)(i + 1), -c->zipf_s);
			c->cdf[i] = acc / sum;
		}
		c->cdf[c->keys - 1] = 1; /* a draw u < 1 always finds a key */
	} else if (kind == CS_POP_HOT) {
		if (!(hn = cs_conf_get(n, "hot")) || !cs_conf_get(n, "hot_share"))
			return cs_conf_error(b->c, n, path, b->err,
			    "a hot popularity needs \"hot\" (keys in the hot set) "
			    "and \"hot_share\" (the share of lookups to it), e.g. "
			    "{hot: 1000, hot_share: 80%%}");
		cs_conf_path(p, sizeof p, path, "hot");
		if ((s = cs_conf_int(b->c, hn, p, 1, CS_CACHE_MAX_KEYS, &c->hot,
		                     b->err)))
			return s;
		if (c->hot >= c->keys)
			return cs_conf_error(b->c, hn, p, b->err,
			    "the hot set must be smaller than cache.keys (%ld), so "
			    "that the other keys get the rest (got %ld)", c->keys,
			    c->hot);
		if ((s = opt_ratio(b, n, path, "hot_share", &c->hot_share)))
			return s;
	}
	return CS_OK;
}

static cs_status
cache(binder *b, const cs_conf_node *root)
{
	static const char *const keyed[] = { "popularity", "ttl", "capacity", NULL };
	cs_cache_conf *c = &b->sc->cache;
	cs_conf_node *n, *l, *k;
	char path[PATHLEN], p[PATHLEN];
	cs_status s;
	size_t i;

	c->hit_ratio = 0.9;
	c->ttl = INFINITY;
	cs_dist_const(&c->latency, 0.001);
	if ((s = opt_map(b, root, "", "cache", allowed(b, "cache", NULL), &n,
	                 path)) || !n)
		return s;
	if ((s = opt_ratio(b, n, path, "hit_ratio", &c->hit_ratio)))
		return s;
	if ((l = cs_conf_get(n, "latency"))) {
		cs_conf_path(p, sizeof p, path, "latency");
		if ((s = dist(b, l, p, &c->latency)))
			return s;
	}
	if (!(k = cs_conf_get(n, "keys"))) {
		for (i = 0; keyed[i]; i++)
			if ((l = cs_conf_get(n, keyed[i]))) {
				cs_conf_path(p, sizeof p, path, keyed[i]);
				return cs_conf_error(b->c, l, p, b->err,
				    "belongs to a keyed cache: give cache.keys (the "
				    "number of distinct keys) too");
			}
		return CS_OK;
	}
	cs_conf_path(p, sizeof p, path, "keys");
	if ((l = cs_conf_get(n, "hit_ratio")))
		return cs_conf_error(b->c, l, "cache.hit_ratio", b->err,
		    "give either hit_ratio (a constant) or keys (a TTL cache whose "
		    "hit ratio comes out of the load), not both");
	if ((s = cs_conf_int(b->c, k, p, 1, 1000000000000L, &c->keys, b->err)))
		return s;
	if (c->keys > CS_CACHE_MAX_KEYS)
		return cs_conf_error(b->c, k, p, b->err,
		    "at most %ld keys (got %ld): each key costs 8-16 bytes in "
		    "every replication; model the hottest keys and fold the rest "
		    "into a lower hot_share", CS_CACHE_MAX_KEYS, c->keys);
	if ((s = opt_timeout(b, n, path, "ttl", 0, &c->ttl)))
		return s;
	if ((l = cs_conf_get(n, "capacity"))) {
		cs_conf_path(p, sizeof p, path, "capacity");
		if (l->kind == CS_CONF_SCALAR && l->value &&
		    (!strcmp(l->value, "none") || !strcmp(l->value, "off")))
			l->used = true;
		else if ((s = cs_conf_int(b->c, l, p, 1, CS_CACHE_MAX_KEYS,
		                          &c->capacity, b->err)))
			return s;
		if (c->capacity >= c->keys)
			c->capacity = 0; /* room for every key: never evicts */
	}
	c->popularity = CS_POP_UNIFORM;
	if ((l = cs_conf_get(n, "popularity"))) {
		cs_conf_path(p, sizeof p, path, "popularity");
		return popularity(b, l, p);
	}
	return CS_OK;
}

static cs_status
retries(binder *b, const cs_conf_node *n, const char *path,
        cs_service_conf *sv)
{
	/* in the order of the table's services.NAME.retries.on */
	static const int on_cause[] = {
		CS_CAUSE_RATE_LIMITED, CS_CAUSE_UPSTREAM_ERROR,
		CS_CAUSE_UPSTREAM_TIMEOUT
	};
	const char *const *on;
	cs_conf_node *j, *o;
	char p[PATHLEN], ip[PATHLEN];
	cs_status s;
	size_t i;
	int k;

	if ((s = cs_conf_expect_map(b->c, n, path, b->err)) ||
	    (s = cs_conf_check_keys(b->c, n, path, allowed(b,
	                            "services.NAME.retries", NULL), b->err)) ||
	    (s = opt_int(b, n, path, "max", 0, 100, &sv->retries)) ||
	    (s = opt_dur(b, n, path, "backoff", 0, BIG, &sv->backoff)) ||
	    (s = opt_dur(b, n, path, "max_backoff", 0, BIG, &sv->max_backoff)))
		return s;
	if ((j = cs_conf_get(n, "jitter"))) {
		cs_conf_path(p, sizeof p, path, "jitter");
		if ((s = cs_conf_enum(b->c, j, p,
		                      choices(b, "services.NAME.retries.jitter"),
		                      &sv->jitter, b->err)))
			return s;
	}
	if ((o = cs_conf_get(n, "on"))) {
		cs_conf_path(p, sizeof p, path, "on");
		if ((s = cs_conf_expect_seq(b->c, o, p, b->err)))
			return s;
		sv->retry_on = 0;
		on = choices(b, "services.NAME.retries.on");
		for (i = 0; i < o->n; i++) {
			cs_conf_path_index(ip, sizeof ip, p, i);
			if ((s = cs_conf_enum(b->c, o->items[i], ip, on, &k, b->err)))
				return s;
			sv->retry_on |= 1u << on_cause[k];
		}
	}
	return CS_OK;
}

/* step_time: {base: A, per_seq: B} or {table: [[batch, time], ...]}. */
static cs_status
step_time(binder *b, const cs_conf_node *n, const char *path,
          cs_service_conf *sv)
{
	cs_conf_node *t;
	char p[PATHLEN], ip[PATHLEN], q[PATHLEN];
	cs_status s;
	size_t i;

	if ((s = cs_conf_expect_map(b->c, n, path, b->err)) ||
	    (s = cs_conf_check_keys(b->c, n, path, allowed(b,
	                            "services.NAME.step_time", NULL), b->err)))
		return s;
	t = cs_conf_get(n, "table");
	if (!t == !cs_conf_get(n, "base") || (t && cs_conf_get(n, "per_seq")))
		return cs_conf_error(b->c, n, path, b->err,
		    "step_time takes base and per_seq (step = base + per_seq x "
		    "running sequences), or a table of [batch, time] pairs, "
		    "e.g. {base: 30ms, per_seq: 1.5ms}");
	if (!t) {
		if ((s = need_dur(b, n, path, "base", "step_time", 0,
		                  &sv->step_base)))
			return s;
		return opt_dur(b, n, path, "per_seq", 0, BIG, &sv->step_per_seq);
	}
	cs_conf_path(p, sizeof p, path, "table");
	if ((s = cs_conf_expect_seq(b->c, t, p, b->err)))
		return s;
	if (t->n == 0)
		return cs_conf_error(b->c, t, p, b->err,
		    "needs at least one [batch, time] pair, e.g. [[1, 30ms], [32, 80ms]]");
	sv->step_n = calloc(t->n, sizeof *sv->step_n);
	sv->step_t = calloc(t->n, sizeof *sv->step_t);
	if (!sv->step_n || !sv->step_t)
		return CS_ERR_NOMEM;
	for (i = 0; i < t->n; i++) {
		const cs_conf_node *pr = t->items[i];

		cs_conf_path_index(ip, sizeof ip, p, i);
		if ((s = cs_conf_expect_seq(b->c, pr, ip, b->err)))
			return s;
		if (pr->n != 2)
			return cs_conf_error(b->c, pr, ip, b->err,
			    "a table row is [batch size, step time], e.g. [8, 45ms] "
			    "(got %zu items)", pr->n);
		cs_conf_path_index(q, sizeof q, ip, 0);
		if ((s = cs_conf_number(b->c, pr->items[0], q, 1, 1e9,
		                        &sv->step_n[i], b->err)))
			return s;
		if (i > 0 && !(sv->step_n[i] > sv->step_n[i - 1]))
			return cs_conf_error(b->c, pr->items[0], q, b->err,
			    "batch sizes must increase (got %g after %g)",
			    sv->step_n[i], sv->step_n[i - 1]);
		cs_conf_path_index(q, sizeof q, ip, 1);
		if ((s = cs_conf_duration(b->c, pr->items[1], q, 1e-9, BIG,
		                          &sv->step_t[i], b->err)))
			return s;
		sv->nstep++;
	}
	/* beyond the last row the last segment goes on: it must not fall
	 * below zero before any batch the server could run */
	if (sv->nstep > 1 && cs_batch_step_time(sv, 1e9) <= 0)
		return cs_conf_error(b->c, t, p, b->err,
		    "the last two rows give a step time that falls to 0 at larger "
		    "batches; make the last step time the largest");
	return CS_OK;
}

/* A distribution of counts (tokens): plain numbers, a duration is an
 * error. */
static cs_status
count_dist(binder *b, const cs_conf_node *n, const char *path, cs_dist *d)
{
	cs_status s;

	b->counts = true;
	s = dist(b, n, path, d);
	b->counts = false;
	return s;
}

/*
 * error_rate: a ratio, or {table: [[N, R], ...]}: the probability R of an
 * error when N attempts (this one included) are in flight at the provider,
 * N increasing from 1, linear between points and flat beyond the ends.
 */
static cs_status
service_errors(binder *b, const cs_conf_node *it, const char *sp,
               cs_service_conf *sv)
{
	cs_conf_node *n = cs_conf_get(it, "error_rate"), *t;
	char p[PATHLEN], q[PATHLEN];
	cs_status s;
	size_t k;

	sv->err_len = 0;
	if (!n || n->kind != CS_CONF_MAP)
		return opt_ratio(b, it, sp, "error_rate", &sv->error_rate);
	cs_conf_path(p, sizeof p, sp, "error_rate");
	if ((s = cs_conf_check_keys(b->c, n, p, allowed(b,
	                            "services.NAME.error_rate", NULL), b->err)))
		return s;
	if (!(t = cs_conf_get(n, "table")))
		return cs_conf_error(b->c, n, p, b->err, "give a table of "
		    "[attempts in flight, error rate] pairs, e.g. {table: "
		    "[[1, 1%%], [20, 8%%]]}, or a single rate such as 2%%");
	cs_conf_path(p, sizeof p, p, "table");
	if ((s = cs_conf_expect_seq(b->c, t, p, b->err)))
		return s;
	if (t->n < 1 || t->n > CS_ERR_TABLE_MAX)
		return cs_conf_error(b->c, t, p, b->err, "from 1 to %d points "
		    "(got %zu)", CS_ERR_TABLE_MAX, t->n);
	for (k = 0; k < t->n; k++) {
		cs_conf_node *row = t->items[k];
		double v;

		cs_conf_path_index(q, sizeof q, p, k);
		if ((s = cs_conf_expect_seq(b->c, row, q, b->err)))
			return s;
		if (row->n != 2)
			return cs_conf_error(b->c, row, q, b->err, "a point is "
			    "[attempts in flight, error rate] (got %zu values)",
			    row->n);
		if ((s = cs_conf_number(b->c, row->items[0], q, 1, 1e9, &v,
		                        b->err)))
			return s;
		if (k && !(v > sv->err_n[k - 1]))
			return cs_conf_error(b->c, row->items[0], q, b->err,
			    "the attempts in flight must increase from point to "
			    "point (%g after %g)", v, sv->err_n[k - 1]);
		sv->err_n[k] = v;
		if ((s = cs_conf_ratio(b->c, row->items[1], q, &sv->err_p[k],
		                       b->err)))
			return s;
	}
	sv->err_len = (int)t->n;
	sv->error_rate = sv->err_p[0];
	return CS_OK;
}

/* The keys of a kind: batch service (see batch.c). */
static cs_status
batch_service(binder *b, const cs_conf_node *it, const char *sp,
              cs_service_conf *sv)
{
	cs_conf_node *n;
	char p[PATHLEN];
	cs_status s;

	sv->max_batch = 256; /* vLLM's default max_num_seqs */
	sv->max_tokens = INFINITY;
	if (!(n = cs_conf_get(it, "output_tokens")))
		return cs_conf_error(b->c, it, sp, b->err,
		    "a batch service needs \"output_tokens\", e.g. {dist: "
		    "lognormal, median: 200, p95: 600}");
	cs_conf_path(p, sizeof p, sp, "output_tokens");
	if ((s = count_dist(b, n, p, &sv->output_tokens)))
		return s;
	if ((n = cs_conf_get(it, "prompt_tokens"))) {
		cs_conf_path(p, sizeof p, sp, "prompt_tokens");
		if ((s = count_dist(b, n, p, &sv->prompt_tokens)))
			return s;
	}
	if (!(n = cs_conf_get(it, "step_time")))
		return cs_conf_error(b->c, it, sp, b->err,
		    "a batch service needs \"step_time\", e.g. {base: 30ms, "
		    "per_seq: 1.5ms}");
	cs_conf_path(p, sizeof p, sp, "step_time");
	if ((s = step_time(b, n, p, sv)) ||
	    (s = opt_dur(b, it, sp, "prefill_per_token", 0, BIG,
	                 &sv->prefill_per_token)) ||
	    (s = opt_int(b, it, sp, "max_batch", 1, 100000000, &sv->max_batch)))
		return s;
	if ((n = cs_conf_get(it, "max_tokens"))) {
		cs_conf_path(p, sizeof p, sp, "max_tokens");
		if (n->kind == CS_CONF_SCALAR && n->value &&
		    (!strcmp(n->value, "none") || !strcmp(n->value, "off"))) {
			n->used = true;
		} else if ((s = cs_conf_number(b->c, n, p, 1, 1e15, &sv->max_tokens,
		                               b->err))) {
			return s;
		}
	}
	if (sv->nstep == 0 && sv->step_base + sv->step_per_seq <= 0) {
		cs_conf_path(p, sizeof p, sp, "step_time");
		return cs_conf_error(b->c, cs_conf_get(it, "step_time"), p, b->err,
		    "a step must take some time: base + per_seq must be > 0");
	}
	return CS_OK;
}

/*
 * rate_limit: a request bucket (rps, or rpm = rps x 60, with burst) and a
 * token bucket (tpm with tpm_burst, counting the service's tokens), at
 * least one of the two; latency of the 429; retry_after: none or header.
 * tokens belongs with tpm: each needs the other.
 */
static cs_status
rate_limit(binder *b, const cs_conf_node *it, const char *sp,
           cs_service_conf *sv)
{
	cs_conf_node *rl, *rps, *rpm, *tpm, *tk, *n;
	char p[PATHLEN], q[PATHLEN];
	cs_status s;
	double v;
	int k;

	if ((s = opt_map(b, it, sp, "rate_limit", allowed(b,
	                 "services.NAME.rate_limit", NULL), &rl, p)))
		return s;
	tk = cs_conf_get(it, "tokens");
	tpm = rl ? cs_conf_get(rl, "tpm") : NULL;
	if (tk && !tpm) {
		cs_conf_path(q, sizeof q, sp, "tokens");
		return cs_conf_error(b->c, tk, q, b->err,
		    "tokens count against a tokens-per-minute limit: give "
		    "rate_limit.tpm too, e.g. rate_limit: {tpm: 90000}");
	}
	if (!rl)
		return CS_OK;
	rps = cs_conf_get(rl, "rps");
	rpm = cs_conf_get(rl, "rpm");
	if (!rps && !rpm && !tpm)
		return cs_conf_error(b->c, rl, p, b->err,
		    "a rate limit needs \"rps\" (requests per second), \"rpm\" "
		    "(requests per minute) or \"tpm\" (tokens per minute)");
	if (rps && rpm) {
		cs_conf_path(q, sizeof q, p, "rpm");
		return cs_conf_error(b->c, rpm, q, b->err,
		    "give rps or rpm, not both (rpm: 600 is rps: 10)");
	}
	if (rps) {
		cs_conf_path(q, sizeof q, p, "rps");
		if ((s = cs_conf_rate(b->c, rps, q, 1e-9, 1e9, &sv->rl_rate,
		                      b->err)))
			return s;
	} else if (rpm) {
		cs_conf_path(q, sizeof q, p, "rpm");
		if ((s = cs_conf_number(b->c, rpm, q, 1e-9, 6e10, &v, b->err)))
			return s;
		sv->rl_rate = v / 60;
	}
	if (rps || rpm) {
		sv->rl_burst = sv->rl_rate < 1 ? 1 : sv->rl_rate;
		if ((s = opt_num(b, rl, p, "burst", 1, 1e9, &sv->rl_burst)))
			return s;
	} else if ((n = cs_conf_get(rl, "burst"))) {
		cs_conf_path(q, sizeof q, p, "burst");
		return cs_conf_error(b->c, n, q, b->err,
		    "burst sizes the requests bucket, which needs rps or rpm; "
		    "the tokens bucket's size is tpm_burst");
	}
	if (tpm) {
		cs_conf_path(q, sizeof q, p, "tpm");
		if ((s = cs_conf_number(b->c, tpm, q, 1, 1e15, &v, b->err)))
			return s;
		if (!tk)
			return cs_conf_error(b->c, tpm, q, b->err,
			    sv->kind == CS_SVC_BATCH ?
			    "a kind: batch service has no tokens-per-minute limit "
			    "(it takes no \"tokens\"); leave tpm out" :
			    "a tokens-per-minute limit needs the service's "
			    "\"tokens\": the count one call holds against it "
			    "(input + max output), e.g. tokens: {dist: lognormal, "
			    "median: 1500, p95: 4000}");
		sv->tpm_rate = v / 60;
		sv->tpm_burst = v; /* a full minute's worth */
		if ((s = opt_num(b, rl, p, "tpm_burst", 1, 1e15, &sv->tpm_burst)))
			return s;
		cs_conf_path(q, sizeof q, sp, "tokens");
		if ((s = count_dist(b, tk, q, &sv->tokens)))
			return s;
	} else if ((n = cs_conf_get(rl, "tpm_burst"))) {
		cs_conf_path(q, sizeof q, p, "tpm_burst");
		return cs_conf_error(b->c, n, q, b->err,
		    "tpm_burst sizes the tokens bucket: give tpm too");
	}
	if ((n = cs_conf_get(rl, "retry_after"))) {
		cs_conf_path(q, sizeof q, p, "retry_after");
		if ((s = cs_conf_enum(b->c, n, q, choices(b,
		                      "services.NAME.rate_limit.retry_after"), &k,
		                      b->err)))
			return s;
		sv->retry_after = k == 1;
	}
	return opt_dur(b, rl, p, "latency", 0, BIG, &sv->rl_latency);
}

static cs_status
services(binder *b, const cs_conf_node *root)
{
	cs_conf_node *n = cs_conf_get(root, "services");
	cs_scenario *sc = b->sc;
	char p[PATHLEN], sp[PATHLEN];
	size_t i;
	cs_status s;

	if (!n)
		return CS_OK;
	if ((s = cs_conf_expect_map(b->c, n, "services", b->err)))
		return s;
	sc->services = calloc(n->n ? n->n : 1, sizeof *sc->services);
	if (!sc->services)
		return CS_ERR_NOMEM;
	for (i = 0; i < n->n; i++) {
		cs_conf_node *it = n->items[i], *lat, *rt, *kn;
		cs_service_conf *sv = &sc->services[i];

		sc->nservices++;
		cs_conf_path(sp, sizeof sp, "services", it->key);
		sv->name = xstrdup(it->key);
		if (!sv->name)
			return CS_ERR_NOMEM;
		sv->timeout = 30;
		sv->backoff = 0.1;
		sv->max_backoff = 10;
		sv->jitter = CS_JITTER_FULL;
		sv->retry_on = 1u << CS_CAUSE_RATE_LIMITED |
		               1u << CS_CAUSE_UPSTREAM_ERROR |
		               1u << CS_CAUSE_UPSTREAM_TIMEOUT;
		cs_dist_const(&sv->latency, 0);
		cs_dist_const(&sv->prompt_tokens, 0);
		cs_dist_const(&sv->output_tokens, 1);
		cs_dist_const(&sv->tokens, 0);
		if ((s = cs_conf_expect_map(b->c, it, sp, b->err)))
			return s;
		if ((kn = cs_conf_get(it, "kind"))) {
			cs_conf_path(p, sizeof p, sp, "kind");
			if ((s = cs_conf_enum(b->c, kn, p,
			                      choices(b, "services.NAME.kind"),
			                      &sv->kind, b->err)))
				return s;
		}
		if (sv->kind == CS_SVC_BATCH && (lat = cs_conf_get(it, "latency"))) {
			cs_conf_path(p, sizeof p, sp, "latency");
			return cs_conf_error(b->c, lat, p, b->err,
			    "a kind: batch service takes its time from step_time, "
			    "prefill_per_token and the tokens; leave latency out");
		}
		if ((s = cs_conf_check_keys(b->c, it, sp, allowed(b,
		                            "services.NAME", sv->kind == CS_SVC_BATCH ?
		                            "batch" : "fixed"), b->err)))
			return s;
		if (sv->kind == CS_SVC_BATCH) {
			if ((s = batch_service(b, it, sp, sv)))
				return s;
		} else if (!(lat = cs_conf_get(it, "latency"))) {
			return cs_conf_error(b->c, it, sp, b->err,
			    "a service needs \"latency\", e.g. {dist: lognormal, "
			    "median: 450ms, p95: 900ms}");
		} else {
			cs_conf_path(p, sizeof p, sp, "latency");
			if ((s = dist(b, lat, p, &sv->latency)))
				return s;
		}
		if ((s = opt_timeout(b, it, sp, "timeout", 1e-6, &sv->timeout)) ||
		    (s = opt_int(b, it, sp, "concurrency", 0, 100000000,
		                 &sv->concurrency)) ||
		    (s = service_errors(b, it, sp, sv)))
			return s;
		{
			cs_conf_node *on = cs_conf_get(it, "on_timeout");
			int k;

			if (on) {
				cs_conf_path(p, sizeof p, sp, "on_timeout");
				if ((s = cs_conf_enum(b->c, on, p, choices(b,
				                      "services.NAME.on_timeout"), &k,
				                      b->err)))
					return s;
				sv->hold_on_timeout = k == 1;
			}
		}
		if ((s = rate_limit(b, it, sp, sv)))
			return s;
		if ((rt = cs_conf_get(it, "retries"))) {
			cs_conf_path(p, sizeof p, sp, "retries");
			if ((s = retries(b, rt, p, sv)))
				return s;
		}
	}
	return CS_OK;
}

/* ---- endpoint programs ------------------------------------------------- */

typedef struct prog {
	cs_op *ops;
	size_t n, cap;
} prog;

static cs_op *
emit(prog *pg, cs_opkind k)
{
	cs_op *op;

	if (pg->n == pg->cap) {
		size_t nc = pg->cap ? 2 * pg->cap : 16;
		cs_op *no = realloc(pg->ops, nc * sizeof *no);

		if (!no)
			return NULL;
		pg->ops = no;
		pg->cap = nc;
	}
	op = &pg->ops[pg->n++];
	memset(op, 0, sizeof *op);
	op->kind = k;
	op->service = -1;
	op->d.scale = 1;
	return op;
}

static cs_status steps(binder *b, const cs_conf_node *n, const char *path,
                       prog *pg, int in_tx);

static const char *const step_names[] = {
	"cpu", "delay", "query", "db", "cache", "call", "branch", NULL
};

/* A sequence node of steps, or a map with "steps". */
static const cs_conf_node *
step_list(const cs_conf_node *n)
{
	if (n->kind == CS_CONF_MAP)
		return cs_conf_get(n, "steps");
	return n;
}

static cs_status
step(binder *b, const cs_conf_node *n, const char *path, prog *pg, int in_tx)
{
	const cs_conf_node *v;
	char p[PATHLEN], q[PATHLEN];
	cs_op *op;
	int kind;
	cs_status s;

	const cs_conf_node *id;
	size_t nk;

	if ((s = cs_conf_expect_map(b->c, n, path, b->err)))
		return s;
	/* an optional id names the step for --set and --fit paths
	 * ("endpoints.checkout.steps.charge.cpu.mean"), so that inserting a
	 * step does not change what a path means */
	id = cs_conf_get(n, "id");
	nk = n->n - (id ? 1 : 0);
	if (id) {
		const char *str;

		cs_conf_path(q, sizeof q, path, "id");
		if ((s = cs_conf_string(b->c, id, q, &str, b->err)))
			return s;
		if (!*str || strchr(str, '.'))
			return cs_conf_error(b->c, id, q, b->err, "a step id is a "
			    "non-empty word without dots (got \"%s\")", str);
	}
	if (nk != 1)
		return cs_conf_error(b->c, n, path, b->err,
		    "a step is a map with one key: cpu, delay, query, db, cache, "
		    "call or branch, and optionally an id (got %zu keys)", n->n);
	if ((s = cs_conf_check_keys(b->c, n, path, allowed(b, "<step>", NULL),
	                            b->err)))
		return s;
	v = n->items[0] == id ? n->items[1] : n->items[0];
	((cs_conf_node *)v)->used = true;
	cs_conf_path(p, sizeof p, path, v->key);
	for (kind = 0; strcmp(step_names[kind], v->key); kind++)
		;
	switch (kind) {
	case 0: /* cpu */
	case 1: /* delay */
		if (!(op = emit(pg, kind == 0 ? CS_OP_CPU : CS_OP_DELAY)))
			return CS_ERR_NOMEM;
		return dist(b, v, p, &op->d);
	case 2: { /* query: alone, it takes and returns a connection */
		cs_dist d;

		if ((s = dist(b, v, p, &d)))
			return s;
		if (!in_tx && !emit(pg, CS_OP_ACQUIRE))
			goto nomem;
		if (!(op = emit(pg, CS_OP_QUERY)))
			goto nomem;
		op->d = d;
		if (!in_tx && !emit(pg, CS_OP_RELEASE))
			goto nomem;
		return CS_OK;
	nomem:
		cs_dist_destroy(&d);
		return CS_ERR_NOMEM;
	}
	case 3: { /* db: hold one connection across the inner steps */
		const cs_conf_node *l;

		if (in_tx)
			return cs_conf_error(b->c, v, p, b->err,
			    "a db block inside a db block would take a second "
			    "connection; put the steps in the outer block");
		if (v->kind == CS_CONF_MAP &&
		    (s = cs_conf_check_keys(b->c, v, p, allowed(b, "<step>.db",
		                            NULL), b->err)))
			return s;
		l = step_list(v);
		if (!l)
			return cs_conf_error(b->c, v, p, b->err,
			    "a db block needs \"steps\", e.g. {steps: [{query: 12ms}]}");
		cs_conf_path(q, sizeof q, p, "steps");
		if (!emit(pg, CS_OP_ACQUIRE))
			return CS_ERR_NOMEM;
		if ((s = steps(b, l, v->kind == CS_CONF_MAP ? q : p, pg, 1)))
			return s;
		return emit(pg, CS_OP_RELEASE) ? CS_OK : CS_ERR_NOMEM;
	}
	case 4: { /* cache */
		const cs_conf_node *l, *miss = NULL;
		bool keyed;
		size_t at;

		if (!(op = emit(pg, CS_OP_CACHE)))
			return CS_ERR_NOMEM;
		op->p = b->sc->cache.hit_ratio;
		if ((s = cs_dist_copy(&op->d, &b->sc->cache.latency)))
			return s;
		at = pg->n - 1;
		if (v->kind == CS_CONF_SCALAR && v->value &&
		    !strcmp(v->value, "default")) {
			((cs_conf_node *)v)->used = true;
		} else {
			if ((s = cs_conf_expect_map(b->c, v, p, b->err)) ||
			    (s = cs_conf_check_keys(b->c, v, p, allowed(b,
			                            "<step>.cache", NULL), b->err)) ||
			    (s = opt_ratio(b, v, p, "hit_ratio", &pg->ops[at].p)))
				return s;
			if ((l = cs_conf_get(v, "latency"))) {
				cs_conf_path(q, sizeof q, p, "latency");
				cs_dist_destroy(&pg->ops[at].d);
				if ((s = dist(b, l, q, &pg->ops[at].d)))
					return s;
			}
			miss = cs_conf_get(v, "miss");
		}
		/* with cache.keys, a step without its own hit_ratio is a
		 * lookup in the keyed cache; its miss path ends with a SET */
		keyed = b->sc->cache.keys > 0 &&
		        !(v->kind == CS_CONF_MAP && cs_conf_get(v, "hit_ratio"));
		if (keyed && b->cache_depth >= CS_CACHE_NEST)
			return cs_conf_error(b->c, v, p, b->err,
			    "keyed cache steps nest at most %d deep (one inside "
			    "another's miss path)", CS_CACHE_NEST);
		pg->ops[at].keyed = keyed;
		pg->ops[at].level = (uint8_t)b->cache_depth;
		if (miss) {
			cs_conf_path(q, sizeof q, p, "miss");
			b->cache_depth += keyed;
			s = steps(b, miss, q, pg, in_tx);
			b->cache_depth -= keyed;
			if (s)
				return s;
		}
		if (keyed) {
			if (!(op = emit(pg, CS_OP_CACHE_SET)))
				return CS_ERR_NOMEM;
			op->level = pg->ops[at].level;
		}
		pg->ops[at].jump = (uint32_t)pg->n;
		return CS_OK;
	}
	case 5: { /* call */
		const char *name;
		const char *names[64];
		size_t i, k = 0;

		if ((s = cs_conf_string(b->c, v, p, &name, b->err)))
			return s;
		for (i = 0; i < b->sc->nservices; i++)
			if (!strcmp(b->sc->services[i].name, name))
				break;
		if (i == b->sc->nservices) {
			const char *sug;

			for (k = 0; k < b->sc->nservices && k < 63; k++)
				names[k] = b->sc->services[k].name;
			names[k] = NULL;
			sug = cs_conf_suggest(name, names);
			return cs_conf_error(b->c, v, p, b->err,
			    "no service \"%s\" under services:%s%s%s", name,
			    sug ? " (did you mean \"" : "", sug ? sug : "",
			    sug ? "\"?)" : "");
		}
		if (!(op = emit(pg, CS_OP_CALL)))
			return CS_ERR_NOMEM;
		op->service = (int)i;
		return CS_OK;
	}
	case 6: { /* branch */
		const cs_conf_node *l;
		size_t at;

		if ((s = cs_conf_expect_map(b->c, v, p, b->err)) ||
		    (s = cs_conf_check_keys(b->c, v, p, allowed(b,
		                            "<step>.branch", NULL), b->err)))
			return s;
		if (!cs_conf_get(v, "p") || !(l = cs_conf_get(v, "steps")))
			return cs_conf_error(b->c, v, p, b->err,
			    "a branch needs \"p\" (its probability) and \"steps\"");
		if (!(op = emit(pg, CS_OP_BRANCH)))
			return CS_ERR_NOMEM;
		at = pg->n - 1;
		if ((s = opt_ratio(b, v, p, "p", &pg->ops[at].p)))
			return s;
		cs_conf_path(q, sizeof q, p, "steps");
		if ((s = steps(b, l, q, pg, in_tx)))
			return s;
		pg->ops[at].jump = (uint32_t)pg->n;
		return CS_OK;
	}
	}
	return CS_ERR_INTERNAL;
}

static cs_status
steps(binder *b, const cs_conf_node *n, const char *path, prog *pg, int in_tx)
{
	char ip[PATHLEN];
	size_t i;
	cs_status s;

	if ((s = cs_conf_expect_seq(b->c, n, path, b->err)))
		return s;
	for (i = 0; i < n->n; i++) {
		cs_conf_path_index(ip, sizeof ip, path, i);
		if ((s = step(b, n->items[i], ip, pg, in_tx)))
			return s;
	}
	return CS_OK;
}

/*
 * An endpoint name used twice is refused at its second use.  A hash set
 * of the names seen: O(n), where comparing each with every earlier one
 * took 20,000 endpoints 2e8 comparisons.
 */
static cs_status
unique_names(binder *b, const cs_conf_node *n)
{
	const cs_scenario *sc = b->sc;
	size_t cap = 16, i, j, *set;
	char ip[PATHLEN], p[PATHLEN];
	cs_conf_node *nm;
	cs_status s = CS_OK;

	while (cap < 2 * sc->nendpoints)
		cap *= 2;
	if (!(set = calloc(cap, sizeof *set))) /* endpoint index + 1; 0: free */
		return CS_ERR_NOMEM;
	for (i = 0; i < sc->nendpoints && !s; i++) {
		const char *name = sc->endpoints[i].name, *c;
		uint64_t h = 14695981039346656037ULL;

		for (c = name; *c; c++)
			h = (h ^ (unsigned char)*c) * 1099511628211ULL;
		for (j = (size_t)h & (cap - 1); set[j]; j = (j + 1) & (cap - 1))
			if (!strcmp(sc->endpoints[set[j] - 1].name, name))
				break;
		if (!set[j]) {
			set[j] = i + 1;
			continue;
		}
		/* an unnamed endpoint's "endpoint N" may match: not an error */
		if (!(nm = cs_conf_get(n->items[i], "name")))
			continue;
		cs_conf_path_index(ip, sizeof ip, "endpoints", i);
		cs_conf_path(p, sizeof p, ip, "name");
		s = cs_conf_error(b->c, nm, p, b->err,
		                  "endpoint name \"%s\" is used twice", name);
	}
	free(set);
	return s;
}

static cs_status
endpoints(binder *b, const cs_conf_node *root)
{
	cs_conf_node *n = cs_conf_get(root, "endpoints");
	cs_scenario *sc = b->sc;
	const char *const *keys;
	char ip[PATHLEN], p[PATHLEN];
	double total = 0;
	size_t i;
	cs_status s;

	if (!n)
		return cs_conf_error(b->c, root, "endpoints", b->err,
		    "missing section \"endpoints\" (a list of {name, weight, steps})");
	if ((s = cs_conf_expect_seq(b->c, n, "endpoints", b->err)))
		return s;
	if (n->n == 0)
		return cs_conf_error(b->c, n, "endpoints", b->err,
		                     "needs at least one endpoint");
	keys = allowed(b, "endpoints[]", NULL);
	sc->endpoints = calloc(n->n, sizeof *sc->endpoints);
	sc->cum_weight = calloc(n->n, sizeof *sc->cum_weight);
	if (!sc->endpoints || !sc->cum_weight)
		return CS_ERR_NOMEM;
	for (i = 0; i < n->n; i++) {
		cs_conf_node *it = n->items[i], *nm, *st;
		cs_endpoint_conf *ep = &sc->endpoints[i];
		const char *name;
		char defname[32];
		prog pg = { 0 };

		sc->nendpoints++;
		cs_conf_path_index(ip, sizeof ip, "endpoints", i);
		if ((s = cs_conf_expect_map(b->c, it, ip, b->err)) ||
		    (s = cs_conf_check_keys(b->c, it, ip, keys, b->err)))
			return s;
		snprintf(defname, sizeof defname, "endpoint %zu", i + 1);
		name = defname;
		if ((nm = cs_conf_get(it, "name"))) {
			cs_conf_path(p, sizeof p, ip, "name");
			if ((s = cs_conf_string(b->c, nm, p, &name, b->err)))
				return s;
		}
		ep->name = xstrdup(name);
		if (!ep->name)
			return CS_ERR_NOMEM;
		ep->weight = 1;
		if ((s = opt_num(b, it, ip, "weight", 0, 1e12, &ep->weight)))
			return s;
		if (!(st = cs_conf_get(it, "steps")))
			return cs_conf_error(b->c, it, ip, b->err,
			    "an endpoint needs \"steps\", e.g. [{cpu: 5ms}, {query: 10ms}]");
		cs_conf_path(p, sizeof p, ip, "steps");
		s = steps(b, st, p, &pg, 0);
		if (!s && !emit(&pg, CS_OP_END))
			s = CS_ERR_NOMEM;
		ep->ops = pg.ops;
		ep->nops = pg.n;
		if (s)
			return s;
		total += ep->weight;
	}
	if ((s = unique_names(b, n)))
		return s;
	if (!(total > 0))
		return cs_conf_error(b->c, n, "endpoints", b->err,
		                     "the endpoint weights add up to 0");
	for (i = 0; i < sc->nendpoints; i++) {
		double acc = (i ? sc->cum_weight[i - 1] : 0) +
		             sc->endpoints[i].weight / total;
		sc->cum_weight[i] = acc;
	}
	sc->cum_weight[sc->nendpoints - 1] = 1;
	return CS_OK;
}

static cs_status
run(binder *b, const cs_conf_node *root)
{
	cs_scenario *sc = b->sc;
	cs_conf_node *n, *w = NULL, *d = NULL;
	char path[PATHLEN];
	double stages_total = 0;
	long reps = 5, seed = 1;
	size_t i;
	cs_status s;

	for (i = 0; i < sc->load.nstages; i++) {
		stages_total += sc->load.stages[i].duration;
		sc->load.stages[i].t_end = stages_total; /* a binary search's key */
	}
	sc->duration = stages_total > 0 ? stages_total : 300;
	if ((s = opt_map(b, root, "", "run", allowed(b, "run", NULL), &n,
	                 path)))
		return s;
	if (n) {
		if ((s = opt_dur(b, n, path, "duration", 1e-3, 1e9, &sc->duration)) ||
		    (s = opt_int(b, n, path, "replications", 1, 100000, &reps)) ||
		    (s = opt_int(b, n, path, "seed", 0, 9007199254740991L, &seed)))
			return s;
		d = cs_conf_get(n, "duration");
		w = cs_conf_get(n, "warmup");
	}
	(void)d;
	/* with stages the whole test is measured, as k6 does; a steady run
	 * loses its first 10% to warm-up */
	sc->warmup = stages_total > 0 ? 0 : 0.1 * sc->duration;
	if (w) {
		char p[PATHLEN];

		cs_conf_path(p, sizeof p, path, "warmup");
		if ((s = cs_conf_duration(b->c, w, p, 0, BIG, &sc->warmup, b->err)))
			return s;
		if (sc->warmup >= sc->duration)
			return cs_conf_error(b->c, w, p, b->err,
			    "warm-up (%gs) must be shorter than the duration (%gs)",
			    sc->warmup, sc->duration);
	}
	sc->replications = (unsigned)reps;
	sc->seed = (uint64_t)seed;
	return CS_OK;
}

static cs_status
bind(binder *b)
{
	const cs_conf_node *root = b->c->root;
	cs_conf_node *nm;
	const char *name = "scenario";
	cs_status s;

	if (!root)
		return cs_error_set(b->err, CS_ERR_INVALID, b->c->file, 1, 1, "",
		    "the scenario is empty: it needs at least load and endpoints");
	if ((s = cs_conf_expect_map(b->c, root, "", b->err)) ||
	    (s = cs_conf_check_keys(b->c, root, "", allowed(b, "", NULL),
	                            b->err)))
		return s;
	if ((nm = cs_conf_get(root, "name")) &&
	    (s = cs_conf_string(b->c, nm, "name", &name, b->err)))
		return s;
	if ((nm = cs_conf_get(root, "description"))) {
		const char *ignored;

		if ((s = cs_conf_string(b->c, nm, "description", &ignored, b->err)))
			return s;
	}
	b->sc->name = xstrdup(name);
	b->sc->file = xstrdup(b->c->file ? b->c->file : "");
	if (!b->sc->name || !b->sc->file)
		return CS_ERR_NOMEM;
	if ((s = load(b, root)) || (s = app(b, root)) || (s = db(b, root)) ||
	    (s = cache(b, root)) || (s = services(b, root)) ||
	    (s = endpoints(b, root)) || (s = run(b, root)))
		return s;
	return CS_OK;
}

uint64_t cs_scenario_seed(const cs_scenario *sc) { return sc->seed; }
unsigned cs_scenario_replications(const cs_scenario *sc) { return sc->replications; }
double cs_scenario_duration(const cs_scenario *sc) { return sc->duration; }
double cs_scenario_warmup(const cs_scenario *sc) { return sc->warmup; }

void
cs_scenario_free(cs_scenario *sc)
{
	size_t i, j;

	if (!sc)
		return;
	for (i = 0; i < sc->nendpoints; i++) {
		for (j = 0; j < sc->endpoints[i].nops; j++)
			cs_dist_destroy(&sc->endpoints[i].ops[j].d);
		free(sc->endpoints[i].ops);
		free(sc->endpoints[i].name);
	}
	free(sc->endpoints);
	free(sc->cum_weight);
	for (i = 0; i < sc->nservices; i++) {
		cs_dist_destroy(&sc->services[i].latency);
		cs_dist_destroy(&sc->services[i].prompt_tokens);
		cs_dist_destroy(&sc->services[i].output_tokens);
		cs_dist_destroy(&sc->services[i].tokens);
		free(sc->services[i].step_n);
		free(sc->services[i].step_t);
		free(sc->services[i].name);
	}
	free(sc->services);
	cs_dist_destroy(&sc->cache.latency);
	free(sc->cache.cdf);
	cs_dist_destroy(&sc->load.think);
	cs_dist_destroy(&sc->load.rtt);
	free(sc->load.stages);
	free(sc->name);
	free(sc->file);
	free(sc);
}

static cs_status
from_conf(cs_conf *c, const char *const *sets, size_t nsets,
          cs_scenario **out, cs_error *err)
{
	binder b = { .c = c, .err = err };
	size_t i;
	cs_status s;

	*out = NULL;
	for (i = 0; i < nsets; i++)
		if ((s = cs_conf_set(c, sets[i], err)))
			return s;
	b.kc = calloc(1, sizeof *b.kc);
	b.sc = calloc(1, sizeof *b.sc);
	if (!b.sc || !b.kc) {
		free(b.kc);
		free(b.sc);
		return cs_error_set(err, CS_ERR_NOMEM, c->file, 0, 0, "",
		                    "out of memory");
	}
	s = bind(&b);
	free(b.kc);
	if (s) {
		if (s == CS_ERR_NOMEM)
			cs_error_set(err, s, c->file, 0, 0, "", "out of memory");
		cs_scenario_free(b.sc);
		return s;
	}
	*out = b.sc;
	return CS_OK;
}

cs_status
cs_scenario_load_file(const char *path, const char *const *sets, size_t nsets,
                      cs_scenario **out, cs_error *err)
{
	cs_conf *c;
	cs_status s;

	*out = NULL;
	if ((s = cs_conf_parse_file(path, &c, err)))
		return s;
	s = from_conf(c, sets, nsets, out, err);
	cs_conf_free(c);
	return s;
}

cs_status
cs_scenario_load_string(const char *text, const char *name,
                        const char *const *sets, size_t nsets,
                        cs_scenario **out, cs_error *err)
{
	cs_conf *c;
	cs_status s;

	*out = NULL;
	if ((s = cs_conf_parse_string(text, strlen(text), name, &c, err)))
		return s;
	s = from_conf(c, sets, nsets, out, err);
	cs_conf_free(c);
	return s;
}
