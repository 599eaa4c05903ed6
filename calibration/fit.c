/*
 * calibration/fit — the calibration object (cs_cal): the scenario it reads
 * and its options, the parameters to fit (--fit PATH[=LO:HI]: their kinds,
 * units and bounds) and the accessors; with the metrics, errors, value
 * formats and small helpers the other parts share (fit-private.h).  The
 * method is in fit.h.  The other parts: points.c (the measurement points
 * and their simulation), estimate.c (the data checks and first
 * estimates), objective.c (what the fit minimizes), optimize.c
 * (cs_cal_fit) and yamledit.c (the calibrated scenario).
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calibration/fit-private.h"
#include "config/conf.h"
#include "models/keys.h"

/* ---- small helpers ------------------------------------------------------- */

char *
cs_calp_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);

	if (d)
		memcpy(d, s, n);
	return d;
}

char *
cs_calp_printf(const char *fmt, ...)
{
	va_list ap;
	int n;
	char *s;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	s = malloc((size_t)n + 1);
	if (!s)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

cs_status
cs_calp_lines_add(lines *l, char *s)
{
	if (!s)
		return CS_ERR_NOMEM;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		char **v = realloc(l->v, cap * sizeof *v);

		if (!v) {
			free(s);
			return CS_ERR_NOMEM;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = s;
	return CS_OK;
}

cs_status
cs_calp_lines_addf(lines *l, const char *fmt, ...)
{
	char buf[1200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return cs_calp_lines_add(l, cs_calp_strdup(buf));
}

void
cs_calp_lines_free(lines *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}

void
cs_calp_strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

cs_status
cs_calp_strv_copy(const char *const *src, size_t n, char ***out)
{
	size_t i;

	*out = NULL;
	if (!n)
		return CS_OK;
	*out = calloc(n, sizeof **out);
	if (!*out)
		return CS_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		(*out)[i] = cs_calp_strdup(src[i]);
		if (!(*out)[i]) {
			cs_calp_strv_free(*out, n);
			*out = NULL;
			return CS_ERR_NOMEM;
		}
	}
	return CS_OK;
}

cs_status
cs_calp_nomem(cs_error *err)
{
	return cs_error_set(err, CS_ERR_NOMEM, "", 0, 0, "", "out of memory");
}

/* ---- metrics and errors ------------------------------------------------ */

static const char *const metric_names[CS_CAL_NMETRICS] = {
	"throughput", "p50", "p95", "p99", "error_rate", "app_cpu", "db_cpu",
	"pool", "event_loop"
};

const char *
cs_cal_metric_path(cs_cal_metric m)
{
	static const char *const paths[CS_CAL_NMETRICS] = {
		"overall.throughput_rps", "overall.latency_ms.p50",
		"overall.latency_ms.p95", "overall.latency_ms.p99",
		"overall.error_rate", "resources.app.cpu_utilization",
		"resources.db.cpu_utilization", "resources.db_pool.in_use.mean",
		"resources.app.event_loop_utilization"
	};

	return (unsigned)m < CS_CAL_NMETRICS ? paths[m] : "";
}

const char *
cs_cal_metric_name(cs_cal_metric m)
{
	return (unsigned)m < CS_CAL_NMETRICS ? metric_names[m] : "?";
}

int
cs_cal_metric_parse(const char *s)
{
	int m;

	for (m = 0; m < CS_CAL_NMETRICS; m++)
		if (!strcmp(s, metric_names[m]))
			return m;
	if (!strcmp(s, "X") || !strcmp(s, "rps"))
		return CS_CAL_THROUGHPUT;
	if (!strcmp(s, "error") || !strcmp(s, "errors"))
		return CS_CAL_ERROR_RATE;
	return -1;
}

double
cs_cal_measured(const cs_imp_point *p, cs_cal_metric m)
{
	switch (m) {
	case CS_CAL_THROUGHPUT: return p->throughput;
	case CS_CAL_P50: return p->latency.p50;
	case CS_CAL_P95: return p->latency.p95;
	case CS_CAL_P99: return p->latency.p99;
	case CS_CAL_ERROR_RATE: return p->error_rate;
	/* measured utilizations pin the service demands (utilization law) */
	case CS_CAL_APP_CPU: return p->util.app_cpu;
	case CS_CAL_DB_CPU: return p->util.db_cpu;
	/* and so do the connections in use (Little's law: throughput x
	 * hold) and the event loops' busy share */
	case CS_CAL_POOL: return p->util.pool_in_use;
	case CS_CAL_EVENT_LOOP: return p->util.event_loop;
	default: return NAN;
	}
}

double
cs_cal_error(cs_cal_metric m, double measured, double predicted)
{
	if (isnan(measured) || isnan(predicted))
		return NAN;
	if (m == CS_CAL_ERROR_RATE)
		return predicted - measured;
	if (measured == 0)
		return NAN;
	return (predicted - measured) / measured;
}

double
cs_cal_target(cs_cal_metric m)
{
	switch (m) {
	case CS_CAL_THROUGHPUT: return 0.10;
	case CS_CAL_P50:
	case CS_CAL_P95: return 0.25;
	case CS_CAL_ERROR_RATE: return 0.02;
	default: return NAN;
	}
}

/* ---- values ---------------------------------------------------------------- */

void
cs_cal_format(cs_cal_kind kind, int ratio_pct, double v, char *buf,
              size_t size)
{
	switch (kind) {
	case CS_CAL_DURATION:
		if (v == 0)
			snprintf(buf, size, "0s");
		else if (v < 1e-3)
			snprintf(buf, size, "%.5gus", v * 1e6);
		else if (v < 1)
			snprintf(buf, size, "%.5gms", v * 1e3);
		else
			snprintf(buf, size, "%.5gs", v);
		break;
	case CS_CAL_RATE:
		snprintf(buf, size, "%.5g/s", v);
		break;
	case CS_CAL_RATIO:
		if (ratio_pct)
			snprintf(buf, size, "%.5g%%", v * 100);
		else
			snprintf(buf, size, "%.5g", v);
		break;
	case CS_CAL_INTEGER:
		snprintf(buf, size, "%.0f", floor(v + 0.5));
		break;
	default:
		snprintf(buf, size, "%.5g", v);
		break;
	}
}

/* "12ms" -> 0.012 (kind duration), "85%" -> 0.85 (ratio), "60/s" -> 60
 * (rate), "0.5" -> 0.5 (number).  -1 if not a number with such a unit. */
int
cs_calp_parse_value(const char *s, double *v, cs_cal_kind *kind, int *pct)
{
	static const struct { const char *u; double f; } units[] = {
		{ "us", 1e-6 }, { "\xC2\xB5s", 1e-6 }, { "ms", 1e-3 },
		{ "s", 1 }, { "sec", 1 }, { "m", 60 }, { "min", 60 },
		{ "h", 3600 }
	};
	static const struct { const char *u; double f; } rates[] = {
		{ "/s", 1 }, { "/sec", 1 }, { "/m", 1.0 / 60 },
		{ "/min", 1.0 / 60 }, { "/h", 1.0 / 3600 }
	};
	char *end;
	size_t i;
	double x;

	while (isspace((unsigned char)*s))
		s++;
	x = strtod(s, &end);
	if (end == s || !isfinite(x))
		return -1;
	while (*end == ' ')
		end++;
	*pct = 0;
	if (!*end) {
		*v = x;
		*kind = CS_CAL_NUMBER;
		return 0;
	}
	if (!strcmp(end, "%")) {
		*v = x / 100;
		*kind = CS_CAL_RATIO;
		*pct = 1;
		return 0;
	}
	for (i = 0; i < sizeof units / sizeof units[0]; i++)
		if (!strcmp(end, units[i].u)) {
			*v = x * units[i].f;
			*kind = CS_CAL_DURATION;
			return 0;
		}
	for (i = 0; i < sizeof rates / sizeof rates[0]; i++)
		if (!strcmp(end, rates[i].u)) {
			*v = x * rates[i].f;
			*kind = CS_CAL_RATE;
			return 0;
		}
	return -1;
}

/* ---- the calibration object ------------------------------------------------ */

void
cs_cal_opts_init(cs_cal_opts *o)
{
	memset(o, 0, sizeof *o);
	o->weight[CS_CAL_THROUGHPUT] = 1;
	o->weight[CS_CAL_P50] = 1;
	o->weight[CS_CAL_P95] = 1;
	o->weight[CS_CAL_P99] = 0.5;
	o->weight[CS_CAL_ERROR_RATE] = 1;
	o->weight[CS_CAL_APP_CPU] = 1;  /* used only where measured */
	o->weight[CS_CAL_DB_CPU] = 1;
	/* the connections in use: opt-in (--weights pool=1) until held out;
	 * lab 1's and the seeds' files, whose calibrations validation.md
	 * reports, give them */
	o->weight[CS_CAL_POOL] = 0;
	o->weight[CS_CAL_EVENT_LOOP] = 1;
	o->error_scale = 0.1;
	for (int m = 0; m < CS_CAL_NMETRICS; m++)
		o->noise[m] = NAN;
	o->speed_noise = NAN;
	o->replications = 2;
	o->starts = 3;
	o->max_evals = 200;
	o->proposals = 96;
}

static cs_status
read_text(const char *path, char **out, cs_error *err)
{
	FILE *f = fopen(path, "rb");
	size_t n = 0, cap = 4096;
	char *t;

	*out = NULL;
	if (!f)
		return cs_error_set(err, CS_ERR_IO, path, 0, 0, "",
		                    "cannot open the file");
	t = malloc(cap);
	while (t) {
		size_t k = fread(t + n, 1, cap - n - 1, f);

		n += k;
		if (n + 1 < cap)
			break;
		cap *= 2;
		{
			char *u = realloc(t, cap);

			if (!u) {
				free(t);
				t = NULL;
			}
			t = u;
		}
	}
	if (!t) {
		fclose(f);
		return cs_calp_nomem(err);
	}
	if (ferror(f)) {
		fclose(f);
		free(t);
		return cs_error_set(err, CS_ERR_IO, path, 0, 0, "",
		                    "cannot read the file");
	}
	fclose(f);
	t[n] = '\0';
	if (strlen(t) != n) {
		free(t);
		return cs_error_set(err, CS_ERR_PARSE, path, 0, 0, "",
		                    "the file holds a NUL byte: not YAML");
	}
	*out = t;
	return CS_OK;
}

/* The scenario's tree with the global overrides applied (caller frees). */
cs_status
cs_calp_tree(const cs_cal *c, char *const *more, size_t nmore, cs_conf **out,
             cs_error *err)
{
	cs_status s;
	size_t i;

	if ((s = cs_conf_parse_string(c->text, strlen(c->text), c->path, out,
	                              err)))
		return s;
	for (i = 0; i < c->nsets + nmore; i++) {
		s = cs_conf_set(*out, i < c->nsets ? c->sets[i] :
		                more[i - c->nsets], err);
		if (s) {
			cs_conf_free(*out);
			*out = NULL;
			return s;
		}
	}
	return CS_OK;
}

cs_status
cs_cal_new(const char *path, const char *const *sets, size_t nsets,
           const cs_cal_opts *opts, cs_cal **out, cs_error *err)
{
	cs_cal *c;
	cs_scenario *sc = NULL;
	cs_conf *cf = NULL;
	cs_conf_node *load, *last;
	size_t matched;
	segs g;
	cs_status s;

	*out = NULL;
	c = calloc(1, sizeof *c);
	if (!c)
		return cs_calp_nomem(err);
	if (opts)
		c->opts = *opts;
	else
		cs_cal_opts_init(&c->opts);
	if (!c->opts.replications)
		c->opts.replications = 2;
	if (!c->opts.starts)
		c->opts.starts = 1;
	if (!c->opts.max_evals)
		c->opts.max_evals = 200;
	if (!(c->opts.error_scale > 0))
		c->opts.error_scale = 0.1;
	c->path = cs_calp_strdup(path);
	if (!c->path || cs_calp_strv_copy(sets, nsets, &c->sets)) {
		s = cs_calp_nomem(err);
		goto fail;
	}
	c->nsets = nsets;
	if ((s = read_text(path, &c->text, err)))
		goto fail;
	s = cs_scenario_load_string(c->text, c->path,
	                            (const char *const *)c->sets, c->nsets,
	                            &sc, err);
	if (s)
		goto fail;
	c->seed = c->opts.has_seed ? c->opts.seed : cs_scenario_seed(sc);
	c->duration = cs_scenario_duration(sc);
	cs_scenario_free(sc);
	if ((s = cs_calp_tree(c, NULL, 0, &cf, err)))
		goto fail;
	cs_calp_split_path("load", 4, &g);
	load = cs_calp_walk(cf->root, &g, &last, &matched);
	if (load && load->kind == CS_CONF_MAP) {
		size_t i, j;

		for (i = 0; i < load->n; i++) {
			cs_conf_node *k = load->items[i];

			if (!strcmp(k->key, "users"))
				c->has_users = 1;
			if (!strcmp(k->key, "arrival_rate"))
				c->has_rate = 1;
			if (!strcmp(k->key, "stages") &&
			    k->kind == CS_CONF_SEQ) {
				c->has_stages = 1;
				for (j = 0; j < k->n; j++) {
					cs_conf_node *t = k->items[j];
					size_t q;

					for (q = 0; t->kind == CS_CONF_MAP &&
					     q < t->n; q++)
						if (!strcmp(t->items[q]->key,
						            "target") &&
						    t->items[q]->value &&
						    strchr(t->items[q]->value,
						           '%'))
							c->stages_rel = 1;
				}
			}
		}
	}
	cs_conf_free(cf);
	*out = c;
	return CS_OK;
fail:
	cs_cal_free(c);
	return s;
}

void
cs_cal_free(cs_cal *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->nparams; i++) {
		free(c->params[i].path);
		free(c->params[i].from);
	}
	free(c->params);
	for (i = 0; i < c->npoints; i++) {
		free(c->points[i].name);
		cs_calp_strv_free(c->points[i].sets, c->points[i].nsets);
		cs_calp_strv_free(c->points[i].load, c->points[i].nload);
	}
	free(c->points);
	for (i = 0; i < CACHE_SIZE; i++) {
		free(c->cache[i].key);
		free(c->cache[i].r);
	}
	free(c->res_point);
	free(c->res_metric);
	free(c->res_w);
	free(c->res_samp);
	free(c->res_ep);
	free(c->draws);
	free(c->svd_v);
	free(c->svd_s);
	cs_calp_lines_free(&c->est);
	cs_calp_lines_free(&c->warn);
	cs_calp_strv_free(c->sets, c->nsets);
	free(c->text);
	free(c->path);
	free(c);
}

/* Load the scenario with the global, extra and more overrides. */
cs_status
cs_calp_load_with(const cs_cal *c, const char *const *extra, size_t nextra,
                  cs_scenario **sc, cs_error *err)
{
	const char **all = calloc(c->nsets + nextra + 1, sizeof *all);
	size_t i;
	cs_status s;

	if (!all)
		return cs_calp_nomem(err);
	for (i = 0; i < c->nsets; i++)
		all[i] = c->sets[i];
	for (i = 0; i < nextra; i++)
		all[c->nsets + i] = extra[i];
	s = cs_scenario_load_string(c->text, c->path, all, c->nsets + nextra,
	                            sc, err);
	free(all);
	return s;
}

/* ---- parameters ------------------------------------------------------------ */

static int
has_seg(const segs *g, const char *s)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		if (!strcmp(g->s[i], s))
			return 1;
	return 0;
}

static enum pclass
classify(const char *path, cs_cal_kind kind)
{
	segs g;
	const char *lastseg;
	int timeish;

	if (cs_calp_split_path(path, strlen(path), &g))
		return PC_NONE;
	lastseg = g.s[g.n - 1];
	if (!strcmp(path, "app.cores"))
		return PC_APP_CORES;
	if (!strcmp(path, "db.cores"))
		return PC_DB_CORES;
	if (!strcmp(lastseg, "hit_ratio"))
		return PC_HIT;
	if (!strcmp(lastseg, "cv"))
		return PC_DISPERSION;
	timeish = kind == CS_CAL_DURATION || !strcmp(lastseg, "scale");
	if (!timeish)
		return PC_NONE;
	if (g.n >= 2 && !strcmp(g.s[0], "load") && !strcmp(g.s[1], "think"))
		return PC_THINK;
	if (has_seg(&g, "cpu"))
		return PC_CPU;
	if (has_seg(&g, "query"))
		return PC_QUERY;
	if (has_seg(&g, "delay") || has_seg(&g, "latency") ||
	    has_seg(&g, "rtt"))
		return PC_LATENCY;
	return PC_NONE;
}

/* Load with "path=value"; the error message in msg. */
static cs_status
probe(const cs_cal *c, const char *path, const char *value, char *msg,
      size_t size)
{
	char *a = cs_calp_printf("%s=%s", path, value);
	cs_scenario *sc = NULL;
	cs_error e;
	const char *one[1];
	cs_status s;

	memset(&e, 0, sizeof e);
	if (!a)
		return CS_ERR_NOMEM;
	one[0] = a;
	s = cs_calp_load_with(c, one, 1, &sc, &e);
	cs_scenario_free(sc);
	free(a);
	if (msg)
		snprintf(msg, size, "%s", e.msg);
	return s;
}

/* Refine a bare number's kind by what the scenario accepts at path. */
static cs_status
probe_kind(const cs_cal *c, const char *path, double v, cs_cal_kind *kind)
{
	char msg[800], buf[64];
	cs_status s;

	snprintf(buf, sizeof buf, "%.6g", floor(fabs(v)) + 0.5);
	s = probe(c, path, buf, msg, sizeof msg);
	if (s == CS_ERR_NOMEM)
		return s;
	if (s && strstr(msg, "expected an integer")) {
		*kind = CS_CAL_INTEGER;
		return CS_OK;
	}
	if (s && strstr(msg, "has no unit")) {
		*kind = CS_CAL_DURATION;
		return CS_OK;
	}
	s = probe(c, path, "1.5", msg, sizeof msg);
	if (s == CS_ERR_NOMEM)
		return s;
	if (s && strstr(msg, "between 0 and 1"))
		*kind = CS_CAL_RATIO;
	return CS_OK;
}

static cs_status
fit_usage(cs_error *err, const char *spec, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

static cs_status
fit_usage(cs_error *err, const char *spec, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return cs_error_set(err, CS_ERR_USAGE, "--fit", 0, 0, spec, "%s", msg);
}

static const char *
kind_word(cs_cal_kind k)
{
	switch (k) {
	case CS_CAL_DURATION: return "a duration";
	case CS_CAL_RATE: return "a rate";
	case CS_CAL_RATIO: return "a ratio";
	case CS_CAL_INTEGER: return "an integer";
	default: return "a number";
	}
}

/* Parse one bound for a parameter of kind k. */
static int
parse_bound(const char *s, cs_cal_kind k, double *v, cs_cal_kind *bk)
{
	int pct;

	if (cs_calp_parse_value(s, v, bk, &pct))
		return -1;
	if (*bk == k)
		return 0;
	if (k == CS_CAL_RATIO && *bk == CS_CAL_NUMBER)
		return 0;
	if ((k == CS_CAL_INTEGER || k == CS_CAL_RATE) &&
	    *bk == CS_CAL_NUMBER)
		return 0;
	return -2;
}

cs_status
cs_cal_add_param(cs_cal *c, const char *spec, cs_error *err)
{
	const char *eq = strchr(spec, '=');
	size_t plen = eq ? (size_t)(eq - spec) : strlen(spec);
	cs_conf *cf = NULL;
	cs_conf_node *n, *last;
	size_t matched, i;
	segs g;
	param pr, *ps;
	double lo = NAN, hi = NAN, init = NAN;
	cs_cal_kind kind = CS_CAL_NUMBER;
	int pct = 0;
	char buf[64], msg[800], text[64];
	int scale, have;
	cs_status s;

	memset(&pr, 0, sizeof pr);
	if (cs_calp_split_path(spec, plen, &g))
		return fit_usage(err, spec, "expected PATH or PATH=LO:HI, e.g. "
		                 "load.think.mean=100ms:5s");
	for (i = 0; i < c->nparams; i++)
		if (strlen(c->params[i].path) == plen &&
		    !strncmp(c->params[i].path, spec, plen))
			return fit_usage(err, spec, "this path is already "
			                 "being fitted");
	if ((s = cs_calp_tree(c, NULL, 0, &cf, err)))
		return s;
	n = cs_calp_walk(cf->root, &g, &last, &matched);
	if (n && n->kind != CS_CONF_SCALAR) {
		int map = n->kind == CS_CONF_MAP;

		cs_conf_free(cf);
		return fit_usage(err, spec, "%.*s is a %s in the scenario, not "
		                 "a number (fit one of its values, e.g. "
		                 "%.*s.mean or %.*s.scale)", (int)plen, spec,
		                 map ? "map" : "list", (int)plen, spec,
		                 (int)plen, spec);
	}
	if (n) {
		if (!n->value ||
		    cs_calp_parse_value(n->value, &init, &kind, &pct)) {
			s = fit_usage(err, spec, "%.*s is \"%s\" in the "
			              "scenario, not a number", (int)plen, spec,
			              n->value ? n->value : "");
			cs_conf_free(cf);
			return s;
		}
	}
	have = n != NULL;
	if (n)
		snprintf(text, sizeof text, "%s", n->value);
	cs_conf_free(cf);
	/* every distribution's "scale" defaults to 1 */
	scale = !have && !strcmp(g.s[g.n - 1], "scale");
	if (scale) {
		init = 1;
		kind = CS_CAL_NUMBER;
	}
	pr.path = malloc(plen + 1);
	if (!pr.path)
		return cs_calp_nomem(err);
	memcpy(pr.path, spec, plen);
	pr.path[plen] = '\0';
	if (eq) {
		char lo_s[64], hi_s[64];
		const char *colon = strchr(eq + 1, ':');
		cs_cal_kind k1, k2;
		int pct1, pct2;

		if (!colon || (size_t)(colon - eq - 1) >= sizeof lo_s ||
		    strlen(colon + 1) >= sizeof hi_s) {
			s = fit_usage(err, spec, "bounds are LO:HI, e.g. "
			              "1ms:50ms or 0.5:2");
			goto fail;
		}
		memcpy(lo_s, eq + 1, (size_t)(colon - eq - 1));
		lo_s[colon - eq - 1] = '\0';
		snprintf(hi_s, sizeof hi_s, "%s", colon + 1);
		if (cs_calp_parse_value(lo_s, &lo, &k1, &pct1) ||
		    cs_calp_parse_value(hi_s, &hi, &k2, &pct2)) {
			s = fit_usage(err, spec, "bounds are LO:HI with numbers "
			              "and units, e.g. 1ms:50ms or 0.5:2 or "
			              "50%%:99%%");
			goto fail;
		}
		if (!have) {
			/* the file does not give the value: the bounds' units
			 * say what it is */
			kind = k1;
			pct = pct1;
		}
		if (parse_bound(lo_s, kind, &lo, &k1) ||
		    parse_bound(hi_s, kind, &hi, &k2)) {
			s = fit_usage(err, spec, "%s is %s in the scenario: "
			              "give the bounds in its units%s",
			              pr.path, kind_word(kind),
			              kind == CS_CAL_DURATION ?
			              " (e.g. 1ms:50ms)" : "");
			goto fail;
		}
		if (!(lo > 0) || !(hi > lo)) {
			s = fit_usage(err, spec, "bounds must be 0 < LO < HI "
			              "(the fit works on logarithms)");
			goto fail;
		}
	} else if (!have && !scale) {
		s = fit_usage(err, spec, "%s is not in the scenario (capsim "
		              "uses its default): give bounds, e.g. "
		              "%s=LO:HI", pr.path, pr.path);
		goto fail;
	} else if (!(init > 0)) {
		s = fit_usage(err, spec, "%s is %s in the scenario: give "
		              "bounds (the fit works on logarithms, so the "
		              "start cannot be 0)", pr.path, text);
		goto fail;
	}
	if (kind == CS_CAL_NUMBER && !scale) {
		double v = have ? init : sqrt(lo * hi);

		if ((s = probe_kind(c, pr.path, v, &kind))) {
			s = cs_calp_nomem(err);
			goto fail;
		}
	}
	if (!eq) {
		lo = init / 10;
		hi = init * 10;
		if (kind == CS_CAL_INTEGER)
			lo = fmax(1, floor(lo));
	}
	if (kind == CS_CAL_RATIO && hi > 1) {
		if (eq) {
			s = fit_usage(err, spec, "%s is a ratio: HI must be at "
			              "most 1 (100%%)", pr.path);
			goto fail;
		}
		hi = 1;
	}
	if (kind == CS_CAL_INTEGER && lo < 1 && eq) {
		s = fit_usage(err, spec, "%s is an integer: LO must be at "
		              "least 1", pr.path);
		goto fail;
	}
	/* the path must take a value: try the middle of the bounds */
	cs_cal_format(kind, pct, sqrt(lo * hi), buf, sizeof buf);
	s = probe(c, pr.path, buf, msg, sizeof msg);
	if (s == CS_ERR_NOMEM) {
		s = cs_calp_nomem(err);
		goto fail;
	}
	if (s) {
		s = fit_usage(err, spec, "the scenario does not take %s=%s: %s",
		              pr.path, buf, msg);
		goto fail;
	}
	pr.pub.kind = kind;
	pr.pub.lo = lo;
	pr.pub.hi = hi;
	pr.pub.initial = have || scale ? init : NAN;
	pr.dflt = NAN;
	if (!have && !scale) {
		/* capsim's own default for a key the file leaves out: the
		 * second start's value (optimize.c) */
		const cs_key *key = cs_scenario_key(pr.path);
		double dv;
		cs_cal_kind dk;
		int dp;

		if (key && key->def &&
		    !cs_calp_parse_value(key->def, &dv, &dk, &dp) && dk == kind)
			pr.dflt = dv;
	}
	pr.pub.estimate = have || scale ? fmin(fmax(init, lo), hi) :
	                  sqrt(lo * hi);
	pr.pub.value = pr.pub.estimate;
	pr.pub.se_log = NAN;
	pr.pct = pct;
	pr.cls = classify(pr.path, kind);
	pr.from = cs_calp_strdup(have ? "the scenario file" : scale ?
	                         "the default scale, 1" : "the middle of the "
	                         "bounds (geometric mean)");
	if (!pr.from) {
		s = cs_calp_nomem(err);
		goto fail;
	}
	ps = realloc(c->params, (c->nparams + 1) * sizeof *ps);
	if (!ps) {
		s = cs_calp_nomem(err);
		goto fail;
	}
	c->params = ps;
	ps[c->nparams++] = pr;
	for (i = 0; i < c->nparams; i++) {
		ps[i].pub.path = ps[i].path;
		ps[i].pub.estimated_from = ps[i].from;
	}
	return CS_OK;
fail:
	free(pr.path);
	free(pr.from);
	return s;
}

/* ---- accessors --------------------------------------------------------------- */

size_t cs_cal_nparams(const cs_cal *c) { return c->nparams; }
size_t cs_cal_npoints(const cs_cal *c) { return c->npoints; }
double cs_cal_objective(const cs_cal *c) { return c->objective; }
unsigned cs_cal_evaluations(const cs_cal *c) { return c->evals; }
double cs_cal_seconds(const cs_cal *c) { return c->seconds; }
size_t cs_cal_nresiduals(const cs_cal *c) { return c->nres; }
size_t cs_cal_nestimates(const cs_cal *c) { return c->est.n; }
size_t cs_cal_nwarnings(const cs_cal *c) { return c->warn.n; }

const cs_cal_param *
cs_cal_param_at(const cs_cal *c, size_t i)
{
	return i < c->nparams ? &c->params[i].pub : NULL;
}

const cs_imp_point *
cs_cal_point_at(const cs_cal *c, size_t i)
{
	return i < c->npoints ? c->points[i].p : NULL;
}

const char *
cs_cal_point_name(const cs_cal *c, size_t i)
{
	return i < c->npoints ? c->points[i].name : "";
}

const cs_cal_pred *
cs_cal_fitted(const cs_cal *c, size_t i)
{
	return i < c->npoints && c->points[i].has_fitted ?
	       &c->points[i].fitted : NULL;
}

const char *
cs_cal_estimate_line(const cs_cal *c, size_t i)
{
	return i < c->est.n ? c->est.v[i] : "";
}

const char *
cs_cal_warning(const cs_cal *c, size_t i)
{
	return i < c->warn.n ? c->warn.v[i] : "";
}

void
cs_cal_interval(const cs_cal_param *p, double *lo, double *hi)
{
	if (!isfinite(p->se_log)) {
		*lo = *hi = NAN;
		return;
	}
	*lo = fmax(p->value * exp(-1.96 * p->se_log), p->lo);
	*hi = fmin(p->value * exp(1.96 * p->se_log), p->hi);
}
