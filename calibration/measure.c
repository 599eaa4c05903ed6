/*
 * The measurements file: numbers a person transcribed from a written
 * report, in YAML (read through config/conf.h, so every bad value is
 * reported with its line, column and key path).  The format is in
 * docs/import.md; in short:
 *
 *   system: "..."            source: "..."        tool: k6
 *   notes: ["..."]
 *   points:
 *     - name: baseline
 *       users: 100           # or arrival_rate: 20/s
 *       duration: 10m
 *       requests: 145234
 *       failures: 436
 *       throughput: 242      # req/s ("242/s", "14520/min")
 *       latency: {p50: 82ms, p90: 136ms, p95: 145ms, p99: 187ms,
 *                 max: 900ms, mean: 95ms}
 *       error_rate: 0.3%
 *       errors: {pool_timeout: 1245, "other: HTTP 404": 12}
 *       utilization: {app_cpu: 38.5%, db_cpu: 0.315, pool_in_use: 16.5,
 *                     pool_waiters: 0, cache_hit_ratio: 87.3%,
 *                     event_loop: 41%}
 *       endpoints:
 *         - {name: "GET /x", requests: 36308, p95: 95ms, error_rate: 0.1%}
 *       notes: ["..."]
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "calibration/import-private.h"
#include "config/conf.h"

static const char *const top_keys[] = {
	"system", "source", "tool", "date", "notes", "points", NULL
};
static const char *const point_keys[] = {
	"name", "users", "arrival_rate", "duration", "requests", "failures",
	"throughput", "latency", "error_rate", "errors", "utilization",
	"endpoints", "notes", NULL
};
static const char *const latency_keys[] = {
	"p50", "p90", "p95", "p99", "max", "mean", NULL
};
static const char *const util_keys[] = {
	"app_cpu", "db_cpu", "pool_in_use", "pool_waiters", "cache_hit_ratio",
	"event_loop",
	NULL
};
static const char *const endpoint_keys[] = {
	"name", "requests", "failures", "throughput", "p50", "p90", "p95",
	"p99", "max", "mean", "error_rate", NULL
};
/* capsim's failure causes; anything else must start with "other". */
static const char *const causes[] = {
	"pool_timeout", "backlog_full", "client_timeout", "server_timeout",
	"upstream_timeout", "rate_limited", "upstream_error", "db_refused",
	"server_error", "connection_error", "other", NULL
};

#define BIG 1e15  /* upper bound for counts and rates */

typedef struct ctx {
	const cs_conf *c;
	cs_error *err;
} ctx;

/* Optional number-like key: leaves *out alone when absent. */
typedef cs_status (*getter)(const ctx *x, const cs_conf_node *n,
                            const char *path, double *out);

static cs_status
get_count(const ctx *x, const cs_conf_node *n, const char *path, double *out)
{
	return cs_conf_number(x->c, n, path, 0, BIG, out, x->err);
}

static cs_status
get_duration(const ctx *x, const cs_conf_node *n, const char *path,
             double *out)
{
	return cs_conf_duration(x->c, n, path, 1e-9, 1e9, out, x->err);
}

/* Latencies are durations in ms here. */
static cs_status
get_ms(const ctx *x, const cs_conf_node *n, const char *path, double *out)
{
	double v;
	cs_status s = cs_conf_duration(x->c, n, path, 0, 1e7, &v, x->err);

	if (!s)
		*out = v * 1000;
	return s;
}

static cs_status
get_rate(const ctx *x, const cs_conf_node *n, const char *path, double *out)
{
	return cs_conf_rate(x->c, n, path, 0, BIG, out, x->err);
}

static cs_status
get_ratio(const ctx *x, const cs_conf_node *n, const char *path, double *out)
{
	return cs_conf_ratio(x->c, n, path, out, x->err);
}

static cs_status
opt(const ctx *x, const cs_conf_node *map, const char *base, const char *key,
    getter g, double *out)
{
	char path[256];
	cs_conf_node *n = cs_conf_get(map, key);

	if (!n)
		return CS_OK;
	cs_conf_path(path, sizeof path, base, key);
	return g(x, n, path, out);
}

/* notes: a string or a list of strings. */
static cs_status
read_notes(const ctx *x, const cs_conf_node *n, const char *path,
           cs_imp_point *p)
{
	char ip[256];
	const char *s;
	cs_status st;
	size_t i;

	if (n->kind == CS_CONF_SCALAR) {
		if ((st = cs_conf_string(x->c, n, path, &s, x->err)))
			return st;
		return p ? cs_imp_note(p, "%s", s) : CS_OK;
	}
	if ((st = cs_conf_expect_seq(x->c, n, path, x->err)))
		return st;
	for (i = 0; i < n->n; i++) {
		cs_conf_path_index(ip, sizeof ip, path, i);
		if ((st = cs_conf_string(x->c, n->items[i], ip, &s, x->err)))
			return st;
		if (p && (st = cs_imp_note(p, "%s", s)))
			return st;
	}
	return CS_OK;
}

static cs_status
read_latency(const ctx *x, const cs_conf_node *n, const char *path,
             cs_imp_latency *l)
{
	cs_status s;

	if ((s = cs_conf_expect_map(x->c, n, path, x->err)) ||
	    (s = cs_conf_check_keys(x->c, n, path, latency_keys, x->err)) ||
	    (s = opt(x, n, path, "p50", get_ms, &l->p50)) ||
	    (s = opt(x, n, path, "p90", get_ms, &l->p90)) ||
	    (s = opt(x, n, path, "p95", get_ms, &l->p95)) ||
	    (s = opt(x, n, path, "p99", get_ms, &l->p99)) ||
	    (s = opt(x, n, path, "max", get_ms, &l->max)) ||
	    (s = opt(x, n, path, "mean", get_ms, &l->mean)))
		return s;
	return CS_OK;
}

/* p50 <= p90 <= p95 <= p99 <= max, else an error at the later key. */
static cs_status
check_order(const ctx *x, const cs_conf_node *map, const char *path,
            const cs_imp_latency *l)
{
	const char *names[5] = { "p50", "p90", "p95", "p99", "max" };
	double v[5];
	int i, j;

	v[0] = l->p50;
	v[1] = l->p90;
	v[2] = l->p95;
	v[3] = l->p99;
	v[4] = l->max;
	for (i = 0; i < 5; i++)
		for (j = i + 1; j < 5; j++)
			if (!isnan(v[i]) && !isnan(v[j]) && v[j] < v[i]) {
				char kp[256];

				cs_conf_path(kp, sizeof kp, path, names[j]);
				return cs_conf_error(x->c, cs_conf_get(map, names[j]),
				                     kp, x->err, "%s (%g ms) is below "
				                     "%s (%g ms): percentiles cannot "
				                     "decrease", names[j], v[j],
				                     names[i], v[i]);
			}
	return CS_OK;
}

static cs_status
read_errors(const ctx *x, const cs_conf_node *n, const char *path,
            cs_imp_point *p)
{
	char kp[256];
	cs_status s;
	size_t i;

	if ((s = cs_conf_expect_map(x->c, n, path, x->err)))
		return s;
	for (i = 0; i < n->n; i++) {
		const cs_conf_node *e = n->items[i];
		const char *k = e->key;
		double v;
		int j;
		bool known = strncmp(k, "other", 5) == 0;

		for (j = 0; causes[j] && !known; j++)
			known = strcmp(k, causes[j]) == 0;
		cs_conf_path(kp, sizeof kp, path, k);
		if (!known) {
			const char *sug = cs_conf_suggest(k, causes);
			cs_error *err = x->err;

			cs_error_set(err, CS_ERR_INVALID, x->c->file, e->key_line,
			             e->key_col, kp, "unknown cause \"%s\"%s%s%s "
			             "(capsim's causes: pool_timeout, backlog_full, "
			             "client_timeout, server_timeout, "
			             "upstream_timeout, rate_limited, upstream_error, "
			             "db_refused, server_error, connection_error; or "
			             "\"other: <text>\")", k,
			             sug ? " (did you mean \"" : "", sug ? sug : "",
			             sug ? "\"?)" : "");
			return CS_ERR_INVALID;
		}
		if ((s = cs_conf_number(x->c, e, kp, 0, BIG, &v, x->err)) ||
		    (s = cs_imp_add_cause(p, k, v)))
			return s;
	}
	return CS_OK;
}

static cs_status
read_endpoint(const ctx *x, const cs_conf_node *n, const char *path,
              cs_imp_point *p)
{
	cs_conf_node *nn;
	cs_imp_endpoint *e;
	const char *name;
	char kp[256];
	cs_status s;

	if ((s = cs_conf_expect_map(x->c, n, path, x->err)) ||
	    (s = cs_conf_check_keys(x->c, n, path, endpoint_keys, x->err)))
		return s;
	nn = cs_conf_get(n, "name");
	cs_conf_path(kp, sizeof kp, path, "name");
	if (!nn)
		return cs_conf_error(x->c, n, path, x->err, "an endpoint needs a "
		                     "name");
	if ((s = cs_conf_string(x->c, nn, kp, &name, x->err)))
		return s;
	if (cs_imp_find_endpoint(p, name))
		return cs_conf_error(x->c, nn, kp, x->err, "endpoint \"%s\" is "
		                     "listed twice", name);
	e = cs_imp_add_endpoint(p, name);
	if (!e)
		return CS_ERR_NOMEM;
	if ((s = opt(x, n, path, "requests", get_count, &e->requests)) ||
	    (s = opt(x, n, path, "failures", get_count, &e->failures)) ||
	    (s = opt(x, n, path, "throughput", get_rate, &e->throughput)) ||
	    (s = opt(x, n, path, "p50", get_ms, &e->latency.p50)) ||
	    (s = opt(x, n, path, "p90", get_ms, &e->latency.p90)) ||
	    (s = opt(x, n, path, "p95", get_ms, &e->latency.p95)) ||
	    (s = opt(x, n, path, "p99", get_ms, &e->latency.p99)) ||
	    (s = opt(x, n, path, "max", get_ms, &e->latency.max)) ||
	    (s = opt(x, n, path, "mean", get_ms, &e->latency.mean)) ||
	    (s = opt(x, n, path, "error_rate", get_ratio, &e->error_rate)) ||
	    (s = check_order(x, n, path, &e->latency)))
		return s;
	if (e->failures > e->requests)
		return cs_conf_error(x->c, cs_conf_get(n, "failures"), path,
		                     x->err, "%g failures but only %g requests",
		                     e->failures, e->requests);
	return CS_OK;
}

static cs_status
read_point(const ctx *x, const cs_conf_node *n, const char *path,
           const char *file, const char *tool, cs_imp_point **out)
{
	cs_imp_point *p;
	cs_conf_node *v;
	char kp[256];
	const char *name;
	cs_status s;
	size_t i;

	*out = NULL;
	if ((s = cs_conf_expect_map(x->c, n, path, x->err)) ||
	    (s = cs_conf_check_keys(x->c, n, path, point_keys, x->err)))
		return s;
	p = cs_imp_point_new(file, tool, "measurements");
	if (!p)
		return CS_ERR_NOMEM;
	p->line = n->line;
	if ((v = cs_conf_get(n, "name"))) {
		cs_conf_path(kp, sizeof kp, path, "name");
		if ((s = cs_conf_string(x->c, v, kp, &name, x->err)))
			goto fail;
		p->name = strdup(name);
		if (!p->name) {
			s = CS_ERR_NOMEM;
			goto fail;
		}
	}
	if ((s = opt(x, n, path, "users", get_count, &p->users)) ||
	    (s = opt(x, n, path, "arrival_rate", get_rate, &p->arrival_rate)) ||
	    (s = opt(x, n, path, "duration", get_duration, &p->duration)) ||
	    (s = opt(x, n, path, "requests", get_count, &p->requests)) ||
	    (s = opt(x, n, path, "failures", get_count, &p->failures)) ||
	    (s = opt(x, n, path, "throughput", get_rate, &p->throughput)) ||
	    (s = opt(x, n, path, "error_rate", get_ratio, &p->error_rate)))
		goto fail;
	if (!isnan(p->users) && !isnan(p->arrival_rate)) {
		cs_conf_path(kp, sizeof kp, path, "arrival_rate");
		s = cs_conf_error(x->c, cs_conf_get(n, "arrival_rate"), kp,
		                  x->err, "give users (a closed test) or "
		                  "arrival_rate (an open one), not both");
		goto fail;
	}
	if (p->failures > p->requests) {
		cs_conf_path(kp, sizeof kp, path, "failures");
		s = cs_conf_error(x->c, cs_conf_get(n, "failures"), kp, x->err,
		                  "%g failures but only %g requests",
		                  p->failures, p->requests);
		goto fail;
	}
	if ((v = cs_conf_get(n, "latency"))) {
		cs_conf_path(kp, sizeof kp, path, "latency");
		if ((s = read_latency(x, v, kp, &p->latency)) ||
		    (s = check_order(x, v, kp, &p->latency)))
			goto fail;
	}
	if ((v = cs_conf_get(n, "errors"))) {
		cs_conf_path(kp, sizeof kp, path, "errors");
		if ((s = read_errors(x, v, kp, p)))
			goto fail;
	}
	if ((v = cs_conf_get(n, "utilization"))) {
		cs_conf_path(kp, sizeof kp, path, "utilization");
		if ((s = cs_conf_expect_map(x->c, v, kp, x->err)) ||
		    (s = cs_conf_check_keys(x->c, v, kp, util_keys, x->err)) ||
		    (s = opt(x, v, kp, "app_cpu", get_ratio, &p->util.app_cpu)) ||
		    (s = opt(x, v, kp, "db_cpu", get_ratio, &p->util.db_cpu)) ||
		    (s = opt(x, v, kp, "pool_in_use", get_count,
		             &p->util.pool_in_use)) ||
		    (s = opt(x, v, kp, "pool_waiters", get_count,
		             &p->util.pool_waiters)) ||
		    (s = opt(x, v, kp, "cache_hit_ratio", get_ratio,
		             &p->util.cache_hit_ratio)) ||
		    (s = opt(x, v, kp, "event_loop", get_ratio,
		             &p->util.event_loop)))
			goto fail;
	}
	if ((v = cs_conf_get(n, "endpoints"))) {
		cs_conf_path(kp, sizeof kp, path, "endpoints");
		if ((s = cs_conf_expect_seq(x->c, v, kp, x->err)))
			goto fail;
		if (v->n > CS_IMP_MAX_ENDPOINTS) {
			s = cs_conf_error(x->c, v, kp, x->err, "more than %d "
			                  "endpoints", CS_IMP_MAX_ENDPOINTS);
			goto fail;
		}
		for (i = 0; i < v->n; i++) {
			char ip[256];

			cs_conf_path_index(ip, sizeof ip, kp, i);
			if ((s = read_endpoint(x, v->items[i], ip, p)))
				goto fail;
		}
	}
	if ((v = cs_conf_get(n, "notes"))) {
		cs_conf_path(kp, sizeof kp, path, "notes");
		if ((s = read_notes(x, v, kp, p)))
			goto fail;
	}
	if ((s = cs_imp_point_finish(p)))
		goto fail;
	*out = p;
	return CS_OK;
fail:
	cs_imp_point_free(p);
	return s;
}

cs_status
cs_imp_measure_read(const char *path, cs_imp_set *set, cs_error *err)
{
	cs_conf *c = NULL;
	cs_conf_node *root, *v, *pts;
	cs_imp_set tmp;
	const char *tool = "report", *str;
	ctx x;
	cs_status s;
	size_t i;

	cs_imp_set_init(&tmp);
	if ((s = cs_conf_parse_file(path, &c, err)))
		return s;
	x.c = c;
	x.err = err;
	root = c->root;
	if (!root) {
		s = cs_error_set(err, CS_ERR_PARSE, path, 1, 1, NULL,
		                 "the file is empty: a measurements file needs "
		                 "a 'points:' list");
		goto out;
	}
	if ((s = cs_conf_expect_map(c, root, "", err)) ||
	    (s = cs_conf_check_keys(c, root, "", top_keys, err)))
		goto out;
	if ((v = cs_conf_get(root, "system")) &&
	    (s = cs_conf_string(c, v, "system", &str, err)))
		goto out;
	if ((v = cs_conf_get(root, "source")) &&
	    (s = cs_conf_string(c, v, "source", &str, err)))
		goto out;
	if ((v = cs_conf_get(root, "date")) &&
	    (s = cs_conf_string(c, v, "date", &str, err)))
		goto out;
	if ((v = cs_conf_get(root, "tool")) &&
	    (s = cs_conf_string(c, v, "tool", &tool, err)))
		goto out;
	if ((v = cs_conf_get(root, "notes")) &&
	    (s = read_notes(&x, v, "notes", NULL)))
		goto out;
	pts = cs_conf_get(root, "points");
	if (!pts) {
		s = cs_conf_error(c, root, "points", err, "no 'points:' list: "
		                  "a measurements file needs at least one point");
		goto out;
	}
	if ((s = cs_conf_expect_seq(c, pts, "points", err)))
		goto out;
	if (pts->n == 0) {
		s = cs_conf_error(c, pts, "points", err, "the 'points:' list is "
		                  "empty");
		goto out;
	}
	for (i = 0; i < pts->n; i++) {
		char ip[64];
		cs_imp_point *p;

		cs_conf_path_index(ip, sizeof ip, "points", i);
		if ((s = read_point(&x, pts->items[i], ip, path, tool, &p)))
			goto out;
		if ((s = cs_imp_set_take(&tmp, p)))
			goto out;
	}
	/* all or nothing */
	for (i = 0; i < tmp.n; i++) {
		cs_imp_point *p = malloc(sizeof *p);

		if (!p) {
			s = CS_ERR_NOMEM;
			goto out;
		}
		*p = tmp.points[i];
		memset(&tmp.points[i], 0, sizeof tmp.points[i]);
		if ((s = cs_imp_set_take(set, p)))
			goto out;
	}
out:
	if (s == CS_ERR_NOMEM)
		cs_error_set(err, s, path, 0, 0, NULL, "out of memory");
	cs_imp_set_destroy(&tmp);
	cs_conf_free(c);
	return s;
}
