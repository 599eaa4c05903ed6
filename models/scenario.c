/*
 * Scenario files: YAML (through config/conf.h) to struct cs_scenario.
 *
 * Every key is checked: unknown keys get a suggestion, values their range,
 * and every message points at file:line:col with the key path.  The keys
 * each map allows and the words of each choice come from the key table
 * (models/keys.c), which also documents the defaults set here; a test
 * checks that table against docs/guide.md.
 *
 * This file has the entry points, the binder and its small helpers, and
 * the run, load, app, db and cache sections; the distributions are in
 * scenario-dist.c, the services in scenario-services.c and the endpoints
 * with their steps in scenario-steps.c (shared: scenario-private.h).
 */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/conf.h"
#include "models/keys.h"
#include "models/model.h"
#include "models/scenario-private.h"

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
const char *const *
cs_scnp_allowed(binder *b, const char *parent, const char *variant)
{
	return cached(b, parent, variant, false);
}

/* The words of the choice at table path key, in the loader's order. */
const char *const *
cs_scnp_choices(binder *b, const char *key)
{
	return cached(b, key, NULL, true);
}

char *
cs_scnp_xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);

	if (d)
		memcpy(d, s, n);
	return d;
}

/* Optional number child: leaves *out alone when absent. */
cs_status
cs_scnp_opt_num(binder *b, const cs_conf_node *map, const char *base,
                const char *key, double lo, double hi, double *out)
{
	cs_conf_node *n = cs_conf_get(map, key);
	char path[PATHLEN];

	if (!n)
		return CS_OK;
	cs_conf_path(path, sizeof path, base, key);
	return cs_conf_number(b->c, n, path, lo, hi, out, b->err);
}

cs_status
cs_scnp_opt_int(binder *b, const cs_conf_node *map, const char *base,
                const char *key, long lo, long hi, long *out)
{
	cs_conf_node *n = cs_conf_get(map, key);
	char path[PATHLEN];

	if (!n)
		return CS_OK;
	cs_conf_path(path, sizeof path, base, key);
	return cs_conf_int(b->c, n, path, lo, hi, out, b->err);
}

cs_status
cs_scnp_opt_enum(binder *b, const cs_conf_node *map, const char *base,
                 const char *key, const char *table_key, int *out)
{
	cs_conf_node *n = cs_conf_get(map, key);
	char path[PATHLEN];

	if (!n)
		return CS_OK;
	cs_conf_path(path, sizeof path, base, key);
	return cs_conf_enum(b->c, n, path, cs_scnp_choices(b, table_key), out,
	                    b->err);
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
cs_status
cs_scnp_opt_dur(binder *b, const cs_conf_node *map, const char *base,
                const char *key, double lo, double hi, double *out)
{
	return dur(b, map, base, key, lo, hi, out, false);
}

/* An optional timeout: a duration, or "none"/"off" for no limit. */
cs_status
cs_scnp_opt_timeout(binder *b, const cs_conf_node *map, const char *base,
                    const char *key, double lo, double *out)
{
	return dur(b, map, base, key, lo, BIG, out, true);
}

cs_status
cs_scnp_opt_ratio(binder *b, const cs_conf_node *map, const char *base,
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
cs_status
cs_scnp_opt_map(binder *b, const cs_conf_node *map, const char *base,
                const char *key, const char *const *allowed,
                cs_conf_node **out, char *path)
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
	s = cs_scnp_opt_map(b, map, base, "contention", cs_scnp_allowed(b, path, NULL), &n,
	                    path);
	if (s || !n)
		return s;
	s = cs_scnp_opt_num(b, n, path, "sigma", 0, 1, sigma);
	if (!s)
		s = cs_scnp_opt_num(b, n, path, "kappa", 0, 1, kappa);
	return s;
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
	keys = cs_scnp_allowed(b, "load.stages[]", NULL);
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
		if ((s = cs_scnp_opt_dur(b, st, ip, "duration", 0, 1e9, &sg->duration)))
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

/* An optional delay distribution (load.rtt, db.round_trip) replacing the
 * constant 0 *d holds; *on: whether its mean is above 0 (the mechanism
 * runs). */
static cs_status
opt_delay(binder *b, const cs_conf_node *map, const char *path,
          const char *key, cs_dist *d, bool *on)
{
	const cs_conf_node *t = cs_conf_get(map, key);
	char p[PATHLEN];
	cs_status s;

	if (!t)
		return CS_OK;
	cs_conf_path(p, sizeof p, path, key);
	cs_dist_destroy(d);
	if ((s = cs_scnp_dist(b, t, p, d)))
		return s;
	*on = cs_dist_mean(d) > 0;
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
	if ((s = cs_scnp_opt_map(b, root, "", "load", cs_scnp_allowed(b, "load", NULL), &n,
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
		if ((s = cs_scnp_dist(b, t, p, &l->think)))
			return s;
	}
	if ((s = cs_scnp_opt_timeout(b, n, path, "client_timeout", 1e-6,
	                             &l->client_timeout)))
		return s;
	if ((s = opt_delay(b, n, path, "rtt", &l->rtt, &l->has_rtt)))
		return s;
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
	a->cold_after = 1;
	if ((s = cs_scnp_opt_map(b, root, "", "app", cs_scnp_allowed(b, "app", NULL), &n,
	                         path)) || !n)
		return s;
	if ((s = cs_scnp_opt_int(b, n, path, "instances", 1, 100000, &a->instances)) ||
	    (s = cs_scnp_opt_int(b, n, path, "workers", 1, 10000000, &a->workers)) ||
	    (s = cs_scnp_opt_int(b, n, path, "processes", 1, 100000, &a->processes)) ||
	    (s = cs_scnp_opt_num(b, n, path, "cpu_scale", 0, 1e6, &a->cpu_scale)) ||
	    (s = cs_scnp_opt_num(b, n, path, "background", 0, 1e6, &a->background)) ||
	    (s = cs_scnp_opt_num(b, n, path, "overhead", 0, 4096, &a->overhead)) ||
	    (s = cs_scnp_opt_num(b, n, path, "core_slowdown", 0, 100, &a->slowdown)) ||
	    (s = cs_scnp_opt_dur(b, n, path, "cold_delay", 0, BIG,
	                         &a->cold_delay)) ||
	    (s = cs_scnp_opt_dur(b, n, path, "cold_after", 1e-6, BIG,
	                         &a->cold_after)) ||
	    (s = cs_scnp_opt_int(b, n, path, "cores", 1, 4096, &a->cores)) ||
	    (s = cs_scnp_opt_int(b, n, path, "backlog", 0, 1000000000, &a->backlog)) ||
	    (s = cs_scnp_opt_timeout(b, n, path, "request_timeout", 1e-6,
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
	if ((lb = cs_conf_get(n, "gil_order"))) {
		int k;

		cs_conf_path(p, sizeof p, path, "gil_order");
		if ((s = cs_conf_enum(b->c, lb, p,
		                      cs_scnp_choices(b, "app.gil_order"), &k,
		                      b->err)))
			return s;
		if (k == 1 && !a->gil)
			return cs_conf_error(b->c, lb, p, b->err,
			    "fifo orders the turns of a process's "
			    "cpu steps on its one core: it needs app.gil: true");
		a->gil_fifo = k == 1;
	}
	if (a->workers % a->processes) {
		cs_conf_node *pn = cs_conf_get(n, "processes");

		cs_conf_path(p, sizeof p, path, "processes");
		return cs_conf_error(b->c, pn, p, b->err,
		    "app.workers (%ld) must be a multiple of app.processes (%ld): "
		    "workers counts every thread of every process", a->workers,
		    a->processes);
	}
	{
		int k = 0;

		if ((s = cs_scnp_opt_enum(b, n, path, "affinity", "app.affinity",
		                          &k)))
			return s;
		a->sticky = k >= 1;
		a->pin_random = k == 2;
	}
	if ((lb = cs_conf_get(n, "affinity_alpha"))) {
		cs_conf_path(p, sizeof p, path, "affinity_alpha");
		if ((s = cs_conf_number(b->c, lb, p, 1e-3, 1e6, &a->pin_alpha,
		                        b->err)))
			return s;
		if (!a->pin_random)
			return cs_conf_error(b->c, lb, p, b->err, "needs app."
			    "affinity: user_random (the shares it draws are of "
			    "the users pinned at random)");
	}
	if ((lb = cs_conf_get(n, "affinity_users"))) {
		long sum = 0;
		size_t i;

		cs_conf_path(p, sizeof p, path, "affinity_users");
		if (lb->kind != CS_CONF_SEQ || lb->n != (size_t)a->processes)
			return cs_conf_error(b->c, lb, p, b->err, "expected a list "
			    "of %ld integers: the users each of app.processes "
			    "holds", a->processes);
		if (!a->sticky)
			return cs_conf_error(b->c, lb, p, b->err, "needs app."
			    "affinity: user or user_random (users pinned to "
			    "processes)");
		lb->used = true;
		a->pin_counts = calloc(lb->n, sizeof *a->pin_counts);
		if (!a->pin_counts)
			return cs_error_set(b->err, CS_ERR_NOMEM, "", 0, 0, "",
			                    "out of memory");
		for (i = 0; i < lb->n; i++) {
			char q[PATHLEN];

			cs_conf_path_index(q, sizeof q, p, i);
			if ((s = cs_conf_int(b->c, lb->items[i], q, 0, 1000000000,
			                     &a->pin_counts[i], b->err)))
				return s;
			sum += a->pin_counts[i];
		}
		if (sum == 0)
			return cs_conf_error(b->c, lb, p, b->err, "the users add "
			    "up to 0: at least one process holds some");
	}
	return cs_scnp_opt_enum(b, n, path, "balancer", "app.balancer",
	                        &a->balancer);
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
	cs_dist_const(&d->round_trip, 0);
	if ((s = cs_scnp_opt_map(b, root, "", "db", cs_scnp_allowed(b, "db", NULL), &n,
	                         path)) || !n)
		return s;
	if ((s = cs_scnp_opt_map(b, n, path, "pool", cs_scnp_allowed(b, "db.pool", NULL), &pn,
	                         pp)))
		return s;
	if (pn && ((s = cs_scnp_opt_int(b, pn, pp, "size", 1, 10000000, &d->pool_size)) ||
	           (s = cs_scnp_opt_timeout(b, pn, pp, "acquire_timeout", 0,
	                                    &d->acquire_timeout)) ||
	           (s = cs_scnp_opt_dur(b, pn, pp, "handoff", 0, 3600,
	                                &d->handoff))))
		return s;
	if (pn) {
		int per_k = 0, order_k = 0;

		if ((s = cs_scnp_opt_enum(b, pn, pp, "per", "db.pool.per", &per_k)) ||
		    (s = cs_scnp_opt_enum(b, pn, pp, "order", "db.pool.order",
		                          &order_k)))
			return s;
		d->per_process = per_k == 1;
		d->order_random = order_k == 1;
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
	{
		static const char *const own[] = { "cores", "contention",
		                                   "core_slowdown" };
		int k = 0;
		char q[PATHLEN];
		size_t i;

		if ((s = cs_scnp_opt_enum(b, n, path, "host", "db.host", &k)))
			return s;
		d->on_app_host = k == 1;
		/* the queries run on host 0's cores, whose count, contention
		 * and slowdown are app's: the DB's own would be read and never
		 * used */
		for (i = 0; d->on_app_host && i < sizeof own / sizeof own[0]; i++) {
			const cs_conf_node *x = cs_conf_get(n, own[i]);

			if (!x)
				continue;
			cs_conf_path(q, sizeof q, path, own[i]);
			return cs_conf_error(b->c, x, q, b->err,
			    "a DB on the app host (db.host: app) runs its queries "
			    "on the app's cores: set app.%s instead, which covers "
			    "them; leave db.%s out", own[i], own[i]);
		}
	}
	if ((s = cs_scnp_opt_num(b, n, path, "query_scale", 0, 1e6, &d->query_scale)) ||
	    (s = cs_scnp_opt_num(b, n, path, "overhead", 0, 4096, &d->overhead)) ||
	    (s = cs_scnp_opt_num(b, n, path, "core_slowdown", 0, 100, &d->slowdown)) ||
	    (s = cs_scnp_opt_num(b, n, path, "connection_cost", 0, 100, &d->conn_cost)) ||
	    (s = cs_scnp_opt_int(b, n, path, "cores", 1, 4096, &d->cores)) ||
	    (s = cs_scnp_opt_int(b, n, path, "max_connections", 1, 100000000,
	                         &d->max_connections)) ||
	    (s = contention(b, n, path, &d->sigma, &d->kappa)))
		return s;
	return opt_delay(b, n, path, "round_trip", &d->round_trip,
	                 &d->has_round_trip);
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
	                            cs_scnp_allowed(b, "cache.popularity", NULL), b->err)))
		return s;
	kinds = cs_scnp_choices(b, "cache.popularity.dist");
	if ((dn = cs_conf_get(n, "dist"))) {
		cs_conf_path(p, sizeof p, path, "dist");
		if ((s = cs_conf_enum(b->c, dn, p, kinds, &kind, b->err)))
			return s;
	} else if (!cs_conf_get(n, "hot")) {
		return cs_conf_error(b->c, n, path, b->err,
		    "popularity needs \"dist\" (uniform, zipf or hot), e.g. "
		    "{dist: zipf, s: 0.9} or {hot: 1000, hot_share: 80%%}");
	}
	if ((s = cs_conf_check_keys(b->c, n, path, cs_scnp_allowed(b,
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
		if ((s = cs_scnp_opt_num(b, n, path, "s", 0, 10, &c->zipf_s)))
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
		if ((s = cs_scnp_opt_ratio(b, n, path, "hot_share", &c->hot_share)))
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
	if ((s = cs_scnp_opt_map(b, root, "", "cache", cs_scnp_allowed(b, "cache", NULL), &n,
	                         path)) || !n)
		return s;
	if ((s = cs_scnp_opt_ratio(b, n, path, "hit_ratio", &c->hit_ratio)))
		return s;
	if ((l = cs_conf_get(n, "latency"))) {
		cs_conf_path(p, sizeof p, path, "latency");
		if ((s = cs_scnp_dist(b, l, p, &c->latency)))
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
	if ((s = cs_scnp_opt_timeout(b, n, path, "ttl", 0, &c->ttl)))
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
	if ((s = cs_scnp_opt_map(b, root, "", "run", cs_scnp_allowed(b, "run", NULL), &n,
	                         path)))
		return s;
	if (n) {
		if ((s = cs_scnp_opt_dur(b, n, path, "duration", 1e-3, 1e9, &sc->duration)) ||
		    (s = cs_scnp_opt_int(b, n, path, "replications", 1, 100000, &reps)) ||
		    (s = cs_scnp_opt_int(b, n, path, "seed", 0, 9007199254740991L, &seed)))
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
	    (s = cs_conf_check_keys(b->c, root, "", cs_scnp_allowed(b, "", NULL),
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
	b->sc->name = cs_scnp_xstrdup(name);
	b->sc->file = cs_scnp_xstrdup(b->c->file ? b->c->file : "");
	if (!b->sc->name || !b->sc->file)
		return CS_ERR_NOMEM;
	if ((s = load(b, root)) || (s = app(b, root)) || (s = db(b, root)) ||
	    (s = cache(b, root)) || (s = cs_scnp_services(b, root)) ||
	    (s = cs_scnp_endpoints(b, root)) || (s = run(b, root)))
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
	cs_dist_destroy(&sc->db.round_trip);
	free(sc->load.stages);
	free(sc->app.pin_counts);
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
