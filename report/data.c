/*
 * report/data — results documents, metrics, lines of points, SLO terms and
 * resource utilization: everything the pictures and the page draw from,
 * without drawing.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "calibration/import.h"
#include "config/conf.h"
#include "config/text.h"
#include "sweep/slo.h"
#include "report/report-private.h"

/* ---- small helpers ------------------------------------------------------- */

static char *
xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);

	if (d)
		memcpy(d, s, n);
	return d;
}

cs_status
cs_rep_slurp(const char *path, char **out, cs_error *err)
{
	return cs_text_read_file(path, CS_TEXT_READ_MAX, out, NULL, err);
}

/* ---- documents ----------------------------------------------------------- */

void
cs_rep_doc_free(cs_rep_doc *d)
{
	size_t i;

	if (!d)
		return;
	if (d->values)
		for (i = 0; i < d->n * d->ndims; i++)
			free(d->values[i]);
	for (i = 0; i < d->nsets; i++)
		free(d->sets[i]);
	for (i = 0; i < d->ndims; i++)
		free(d->paths[i]);
	free(d->values);
	free(d->results);
	free(d->sets);
	free(d->paths);
	free(d->file);
	free(d->scenario);
	free(d->name);
	cJSON_Delete(d->root);
	free(d);
}

const char *
cs_rep_doc_label(const cs_rep_doc *d, char *buf, size_t size)
{
	size_t o = 0, k;

	if (!d->nsets && !d->ndims)
		return d->name ? d->name : NULL;
	o += (size_t)snprintf(buf, size, "%s", d->scenario ? d->scenario :
	                      d->file);
	for (k = 0; k < d->nsets && o < size; k++)
		o += (size_t)snprintf(buf + o, size - o, "%s%s",
		                      k ? ", " : " with ", d->sets[k]);
	for (k = 0; k < d->ndims && o < size; k++)
		o += (size_t)snprintf(buf + o, size - o, "%s%s",
		                      k ? ", " : d->nsets ? "; varying " :
		                      " varying ", d->paths[k]);
	return buf;
}

int
cs_rep_doc_dim(const cs_rep_doc *d, const char *path)
{
	size_t k;

	for (k = 0; k < d->ndims; k++)
		if (!strcmp(d->paths[k], path))
			return (int)k;
	return -1;
}

static const char *
str_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double
num_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* The sweep's fixed --set list, stored joined by ';'. */
static int
split_sets(cs_rep_doc *d, const char *joined)
{
	const char *p = joined, *e;

	if (!joined || !*joined)
		return 0;
	d->sets = calloc(strlen(joined) / 2 + 2, sizeof *d->sets);
	if (!d->sets)
		return -1;
	while (*p) {
		e = strchr(p, ';');
		if (!e)
			e = p + strlen(p);
		if (e > p) {
			d->sets[d->nsets] = strndup(p, (size_t)(e - p));
			if (!d->sets[d->nsets])
				return -1;
			d->nsets++;
		}
		p = *e ? e + 1 : e;
	}
	return 0;
}

static cs_status
bad(cs_error *err, const char *name, const char *path, const char *msg)
{
	return cs_error_set(err, CS_ERR_INVALID, name, 0, 0, path, "%s", msg);
}

/*
 * The seed and replication count of header o ("sweep" or "run", named
 * where) into d: 0 when absent (shown as unknown), an error when present
 * but not a whole number in capsim run's ranges.  Checked before the
 * cast, which 1e300 or -5 would overflow.
 */
static cs_status
run_ids(cs_rep_doc *d, const cJSON *o, const char *name, const char *where,
        cs_error *err)
{
	static const char *const keys[] = { "seed", "replications" };
	static const double lo[] = { 0, 1 }, hi[] = { 9007199254740991.0, 100000 };
	int k;

	d->seed = 0;
	d->replications = 0;
	for (k = 0; k < 2; k++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, keys[k]);
		char at[32];

		if (!v)
			continue;
		if (!cJSON_IsNumber(v) || !(v->valuedouble >= lo[k] &&
		    v->valuedouble <= hi[k]) ||
		    v->valuedouble != floor(v->valuedouble)) {
			snprintf(at, sizeof at, "%s.%s", where, keys[k]);
			return cs_error_set(err, CS_ERR_INVALID, name, 0, 0, at,
			    "must be a whole number from %.17g to %.17g",
			    lo[k], hi[k]);
		}
		if (k == 0)
			d->seed = (unsigned long long)v->valuedouble;
		else
			d->replications = (unsigned)v->valuedouble;
	}
	return CS_OK;
}

static cs_status
parse_sweep(cs_rep_doc *d, const cJSON *h, const cJSON *pts, const char *name,
            cs_error *err)
{
	const cJSON *vary = cJSON_GetObjectItemCaseSensitive(h, "vary"), *it, *p;
	size_t k, np = (size_t)cJSON_GetArraySize(pts);
	double v;
	cs_status ids;

	if (!cJSON_IsArray(vary))
		return bad(err, name, "sweep.vary",
		           "the sweep header has no \"vary\" list of paths");
	d->ndims = (size_t)cJSON_GetArraySize(vary);
	d->paths = calloc(d->ndims + 1, sizeof *d->paths);
	d->values = calloc(np * d->ndims + 1, sizeof *d->values);
	d->results = calloc(np + 1, sizeof *d->results);
	if (!d->paths || !d->values || !d->results)
		return cs_error_set(err, CS_ERR_NOMEM, name, 0, 0, "", "out of memory");
	k = 0;
	cJSON_ArrayForEach(it, vary) {
		if (!cJSON_IsString(it))
			return bad(err, name, "sweep.vary",
			           "the \"vary\" list holds something that is not a path");
		if (!(d->paths[k++] = xstrdup(it->valuestring)))
			return cs_error_set(err, CS_ERR_NOMEM, name, 0, 0, "",
			                    "out of memory");
	}
	d->scenario = str_of(h, "scenario") ? xstrdup(str_of(h, "scenario")) : NULL;
	if (split_sets(d, str_of(h, "sets")))
		return cs_error_set(err, CS_ERR_NOMEM, name, 0, 0, "", "out of memory");
	if ((ids = run_ids(d, h, name, "sweep", err)))
		return ids;
	v = num_of(h, "points_total");
	d->total = v >= 1 && v < 1e9 ? (size_t)v : np;
	cJSON_ArrayForEach(p, pts) {
		const cJSON *vals = cJSON_GetObjectItemCaseSensitive(p, "values");
		cJSON *res = cJSON_GetObjectItemCaseSensitive(p, "result");
		char where[64];

		snprintf(where, sizeof where, "points[%zu]", d->n);
		if (!cJSON_IsObject(res) ||
		    !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(res, "overall")))
			return bad(err, name, where, "a point has no run result");
		for (k = 0; k < d->ndims; k++) {
			const cJSON *x = cJSON_GetObjectItemCaseSensitive(vals,
			                                                  d->paths[k]);
			char buf[64], *s;

			if (cJSON_IsString(x))
				s = xstrdup(x->valuestring);
			else if (cJSON_IsNumber(x)) {
				snprintf(buf, sizeof buf, "%.17g", x->valuedouble);
				s = xstrdup(buf);
			} else {
				s = NULL;
			}
			if (!s) {
				size_t j = d->n * d->ndims;
				cs_status st = cJSON_IsString(x) || cJSON_IsNumber(x) ?
				    cs_error_set(err, CS_ERR_NOMEM, name, 0, 0, "",
				                 "out of memory") :
				    cs_error_set(err, CS_ERR_INVALID, name, 0, 0,
				                 where, "a point lacks its value of %s",
				                 d->paths[k]);

				/* this point's values so far: the document
				 * frees whole points only */
				while (k--) {
					free(d->values[j + k]);
					d->values[j + k] = NULL;
				}
				return st;
			}
			d->values[d->n * d->ndims + k] = s;
		}
		d->results[d->n++] = res;
		/* under --precision each point ran its own number */
		{
			const cJSON *run = cJSON_GetObjectItemCaseSensitive(res,
			                                                  "run");
			double r = num_of(run, "replications");

			if (r >= 1 && r < 1e9) {
				if (!d->reps_min || r < d->reps_min)
					d->reps_min = (unsigned)r;
				if (r > d->reps_max)
					d->reps_max = (unsigned)r;
			}
		}
	}
	{
		const cJSON *pr = cJSON_GetObjectItemCaseSensitive(h, "precision");
		double t = pr ? num_of(pr, "target") : NAN;

		d->precision = t > 0 && t < 1 ? t : 0;
	}
	return CS_OK;
}

static cs_status
parse_run(cs_rep_doc *d, cJSON *root, const char *name, cs_error *err)
{
	const cJSON *run = cJSON_GetObjectItemCaseSensitive(root, "run");

	d->paths = calloc(1, sizeof *d->paths);
	d->values = calloc(1, sizeof *d->values);
	d->results = calloc(1, sizeof *d->results);
	if (!d->paths || !d->values || !d->results)
		return cs_error_set(err, CS_ERR_NOMEM, name, 0, 0, "", "out of memory");
	const cJSON *sets = cJSON_GetObjectItemCaseSensitive(run, "sets"), *it;

	d->results[0] = root;
	d->n = d->total = 1;
	d->scenario = str_of(run, "file") ? xstrdup(str_of(run, "file")) : NULL;
	/* a run's --set overrides: its charts must not present the file's
	 * name as a description of it */
	if (cJSON_IsArray(sets) && cJSON_GetArraySize(sets) > 0) {
		d->sets = calloc((size_t)cJSON_GetArraySize(sets),
		                 sizeof *d->sets);
		if (!d->sets)
			return cs_error_set(err, CS_ERR_NOMEM, name, 0, 0, "",
			                    "out of memory");
		cJSON_ArrayForEach(it, sets)
			if (cJSON_IsString(it) &&
			    !(d->sets[d->nsets++] = xstrdup(it->valuestring)))
				return cs_error_set(err, CS_ERR_NOMEM, name, 0, 0, "",
				                    "out of memory");
	}
	return run_ids(d, run, name, "run", err);
}

/* The object under o at key, made when missing. */
static cJSON *
obj_at(cJSON *o, const char *key)
{
	cJSON *c = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!c)
		c = cJSON_AddObjectToObject(o, key);
	return c;
}

/*
 * capsim validate --format json: its predictions become run-like results
 * (mean = predicted, with the interval) along load.users (or the arrival
 * rate), one point per measured load level, so the curves draw as for a
 * sweep; the measured values are plotted with --measured and the same data
 * files.  The made-up results live in the document's own tree.
 */
static cs_status
parse_validate(cs_rep_doc *d, cJSON *root, const cJSON *pts, const char *name,
               cs_error *err)
{
	static const struct {
		const char *metric;
		const char *path[3];
	} map[] = {
		{ "throughput", { "overall", "throughput_rps", NULL } },
		{ "p50", { "overall", "latency_ms", "p50" } },
		{ "p95", { "overall", "latency_ms", "p95" } },
		{ "p99", { "overall", "latency_ms", "p99" } },
		{ "error_rate", { "overall", "error_rate", NULL } },
		{ "app_cpu", { "resources", "app", "cpu_utilization" } },
		{ "db_cpu", { "resources", "db", "cpu_utilization" } },
	};
	size_t np = (size_t)cJSON_GetArraySize(pts), k;
	const cJSON *p;
	cJSON *keep;
	bool open = false;
	double v;

	cJSON_ArrayForEach(p, pts)
		if (!(num_of(p, "users") >= 0) && num_of(p, "arrival_rate_rps") > 0)
			open = true;
	d->ndims = 1;
	d->paths = calloc(2, sizeof *d->paths);
	d->values = calloc(np + 1, sizeof *d->values);
	d->results = calloc(np + 1, sizeof *d->results);
	keep = cJSON_AddArrayToObject(root, "capsim_plot_results");
	if (!d->paths || !d->values || !d->results || !keep ||
	    !(d->paths[0] = xstrdup(open ? "load.arrival_rate" : "load.users")))
		return cs_error_set(err, CS_ERR_NOMEM, name, 0, 0, "", "out of memory");
	d->scenario = str_of(root, "scenario") ? xstrdup(str_of(root, "scenario"))
	                                       : NULL;
	v = num_of(root, "seed");
	d->seed = v >= 0 ? (unsigned long long)v : 0;
	v = num_of(root, "replications");
	d->replications = v >= 1 && v < 1e9 ? (unsigned)v : 0;
	cJSON_ArrayForEach(p, pts) {
		const cJSON *ms = cJSON_GetObjectItemCaseSensitive(p, "metrics");
		double x = num_of(p, open ? "arrival_rate_rps" : "users");
		cJSON *res, *run;
		char buf[64];

		if (!(x >= 0) || !cJSON_IsObject(ms))
			continue; /* a point without a load level: nothing to place */
		res = cJSON_CreateObject();
		if (!res)
			return cs_error_set(err, CS_ERR_NOMEM, name, 0, 0, "",
			                    "out of memory");
		cJSON_AddItemToArray(keep, res);
		run = obj_at(res, "run");
		if (run && str_of(root, "scenario"))
			cJSON_AddStringToObject(run, "scenario", str_of(root, "scenario"));
		for (k = 0; k < sizeof map / sizeof map[0]; k++) {
			const cJSON *m = cJSON_GetObjectItemCaseSensitive(ms,
			                                                  map[k].metric);
			cJSON *o = res;
			int j;

			if (!cJSON_IsObject(m) ||
			    !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(m, "predicted")))
				continue;
			for (j = 0; j < 3 && map[k].path[j]; j++)
				o = o ? obj_at(o, map[k].path[j]) : NULL;
			if (!o)
				return cs_error_set(err, CS_ERR_NOMEM, name, 0, 0, "",
				                    "out of memory");
			cJSON_AddNumberToObject(o, "mean", num_of(m, "predicted"));
			if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(m, "ci_low"))) {
				cJSON_AddNumberToObject(o, "ci_low", num_of(m, "ci_low"));
				cJSON_AddNumberToObject(o, "ci_high", num_of(m, "ci_high"));
			}
		}
		if (!cJSON_GetObjectItemCaseSensitive(res, "overall"))
			obj_at(res, "overall");
		snprintf(buf, sizeof buf, "%.10g", x);
		if (!(d->values[d->n] = xstrdup(buf)))
			return cs_error_set(err, CS_ERR_NOMEM, name, 0, 0, "",
			                    "out of memory");
		d->results[d->n++] = res;
	}
	d->total = d->n;
	if (d->n == 0)
		return bad(err, name, "points", "no point with a load level to plot");
	return CS_OK;
}

cs_status
cs_rep_doc_parse(const char *text, const char *name, cs_rep_doc **out,
                 cs_error *err)
{
	cs_rep_doc *d;
	cJSON *root, *h, *pts;
	const char *sc;
	cs_status s;

	*out = NULL;
	name = name ? name : "";
	root = cJSON_Parse(text);
	if (!root)
		return cs_error_set(err, CS_ERR_PARSE, name, 0, 0, "",
		    "not JSON: expected the output of capsim sweep --format json "
		    "or capsim run --format json");
	d = calloc(1, sizeof *d);
	if (!d || !(d->file = xstrdup(name))) {
		free(d);
		cJSON_Delete(root);
		return cs_error_set(err, CS_ERR_NOMEM, name, 0, 0, "", "out of memory");
	}
	d->root = root;
	h = cJSON_GetObjectItemCaseSensitive(root, "sweep");
	pts = cJSON_GetObjectItemCaseSensitive(root, "points");
	if (cJSON_IsObject(h) && cJSON_IsArray(pts))
		s = parse_sweep(d, h, pts, name, err);
	else if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(root, "overall")) &&
	         cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(root, "run")))
		s = parse_run(d, root, name, err);
	else if (cJSON_IsArray(pts) && str_of(root, "scenario"))
		s = parse_validate(d, root, pts, name, err);
	else
		s = bad(err, name, "", "not capsim results: expected the JSON of "
		        "capsim sweep (a \"sweep\" header and \"points\"), of "
		        "capsim run or of capsim validate (--format json)");
	if (s == CS_OK && d->n) {
		sc = str_of(cJSON_GetObjectItemCaseSensitive(d->results[0], "run"),
		            "scenario");
		if (sc && !(d->name = xstrdup(sc)))
			s = cs_error_set(err, CS_ERR_NOMEM, name, 0, 0, "",
			                 "out of memory");
	}
	if (s) {
		cs_rep_doc_free(d);
		return s;
	}
	*out = d;
	return CS_OK;
}

cs_status
cs_rep_doc_load(const char *path, cs_rep_doc **out, cs_error *err)
{
	char *text;
	cs_status s;

	*out = NULL;
	if ((s = cs_rep_slurp(path, &text, err)))
		return s;
	s = cs_rep_doc_parse(text, path, out, err);
	free(text);
	return s;
}

/* ---- metrics ------------------------------------------------------------- */

/* The object at a dotted path under o, where a key may itself hold dots:
 * each segment tries the shortest key first, then longer ones, and
 * backtracks.  Depth is bounded by the path's length. */
static const cJSON *
find(const cJSON *o, const char *p)
{
	const char *dot = p;
	char key[256];

	if (!*p)
		return o;
	if (!cJSON_IsObject(o))
		return NULL;
	for (;;) {
		const cJSON *c, *r;
		size_t n;

		dot = strchr(dot, '.');
		n = dot ? (size_t)(dot - p) : strlen(p);
		if (n >= sizeof key)
			return NULL;
		memcpy(key, p, n);
		key[n] = '\0';
		c = cJSON_GetObjectItemCaseSensitive(o, key);
		if (c) {
			r = dot ? find(c, dot + 1) : c;
			if (r)
				return r;
		}
		if (!dot)
			return NULL;
		dot++;
	}
}

/* The prediction_interval key (capsim run's) of a metric path, or NULL. */
static const char *
pi_key(const char *path)
{
	static const char *const map[][2] = {
		{ "overall.throughput_rps", "throughput_rps" },
		{ "overall.latency_ms.p50", "p50_ms" },
		{ "overall.latency_ms.p95", "p95_ms" },
		{ "overall.latency_ms.p99", "p99_ms" },
		{ "overall.error_rate", "error_rate" },
		{ "resources.app.cpu_utilization", "app_cpu_utilization" },
		{ "resources.db.cpu_utilization", "db_cpu_utilization" },
	};
	size_t k;

	for (k = 0; k < sizeof map / sizeof map[0]; k++)
		if (!strcmp(path, map[k][0]))
			return map[k][1];
	return NULL;
}

/* Replace ci's ends by the result's 90% prediction interval of path, when
 * it has one. */
static void
pi_band(const cJSON *result, const char *path, cs_rep_ci *ci)
{
	const char *key = pi_key(path);
	const cJSON *pi = cJSON_GetObjectItemCaseSensitive(result,
	                                                   "prediction_interval");
	const cJSON *m = key ? cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(pi, "metrics"), key) : NULL;
	const cJSON *lo = cJSON_GetObjectItemCaseSensitive(m, "low");
	const cJSON *hi = cJSON_GetObjectItemCaseSensitive(m, "high");

	if (cJSON_IsNumber(lo) && cJSON_IsNumber(hi)) {
		ci->lo = lo->valuedouble;
		ci->hi = hi->valuedouble;
	}
}

bool
cs_rep_doc_has_pi(const cs_rep_doc *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (cJSON_GetObjectItemCaseSensitive(d->results[i],
		                                     "prediction_interval"))
			return true;
	return false;
}

cs_status
cs_rep_metric(const cJSON *result, const char *path, cs_rep_ci *out)
{
	const cJSON *o = find(result, path), *m, *lo, *hi;

	out->mean = out->lo = out->hi = NAN;
	m = cJSON_GetObjectItemCaseSensitive(o, "mean");
	if (!cJSON_IsNumber(m))
		return CS_ERR_INVALID;
	lo = cJSON_GetObjectItemCaseSensitive(o, "ci_low");
	hi = cJSON_GetObjectItemCaseSensitive(o, "ci_high");
	out->mean = m->valuedouble;
	out->lo = cJSON_IsNumber(lo) ? lo->valuedouble : m->valuedouble;
	out->hi = cJSON_IsNumber(hi) ? hi->valuedouble : m->valuedouble;
	return CS_OK;
}

int
cs_rep_number(const char *s, double *out, const char **unit)
{
	static const struct { const char *sfx; double mul; const char *unit; }
	units[] = {
		{ "", 1, "" }, { "%", 1, "%" }, { "us", 1e-3, "ms" },
		{ "ms", 1, "ms" }, { "s", 1e3, "ms" }, { "sec", 1e3, "ms" },
		{ "m", 6e4, "ms" }, { "min", 6e4, "ms" }, { "h", 3.6e6, "ms" },
	};
	char *end;
	double v;
	size_t i;

	if (!s)
		return -1;
	while (isspace((unsigned char)*s))
		s++;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno == ERANGE || !isfinite(v))
		return -1;
	while (*end == ' ')
		end++;
	for (i = 0; i < sizeof units / sizeof units[0]; i++)
		if (!strcmp(end, units[i].sfx)) {
			*out = v * units[i].mul;
			if (unit)
				*unit = units[i].unit;
			return 0;
		}
	return -1;
}

static bool
ends_with(const char *s, const char *sfx)
{
	size_t a = strlen(s), b = strlen(sfx);

	return a >= b && !strcmp(s + a - b, sfx);
}

cs_rep_unit
cs_rep_unit_of(const char *path)
{
	if (strstr(path, "latency_ms.") || strstr(path, "latency_ok_ms."))
		return CS_REP_MS;
	if (ends_with(path, "_rps"))
		return CS_REP_RPS;
	if (ends_with(path, "error_rate") || ends_with(path, "utilization") ||
	    ends_with(path, "hit_ratio"))
		return CS_REP_RATIO;
	return CS_REP_PLAIN;
}

double
cs_rep_shown(cs_rep_unit u, double v)
{
	return u == CS_REP_RATIO ? 100 * v : v;
}

double
cs_rep_field_get(const cs_imp_point *p, cs_rep_field f)
{
	switch (f) {
	case CS_REP_F_P50: return p->latency.p50;
	case CS_REP_F_P90: return p->latency.p90;
	case CS_REP_F_P95: return p->latency.p95;
	case CS_REP_F_P99: return p->latency.p99;
	case CS_REP_F_MEAN: return p->latency.mean;
	case CS_REP_F_MAX: return p->latency.max;
	case CS_REP_F_THROUGHPUT: return p->throughput;
	case CS_REP_F_ERROR_RATE: return p->error_rate;
	case CS_REP_F_NONE: break;
	}
	return NAN;
}

/* The short names of --y and --slo, their metric and measured field. */
static const struct shortname {
	const char *name;
	const char *path;
	cs_rep_field field;
} shortnames[] = {
	{ "p50", "overall.latency_ms.p50", CS_REP_F_P50 },
	{ "p90", "overall.latency_ms.p90", CS_REP_F_P90 },
	{ "p95", "overall.latency_ms.p95", CS_REP_F_P95 },
	{ "p99", "overall.latency_ms.p99", CS_REP_F_P99 },
	{ "mean", "overall.latency_ms.mean", CS_REP_F_MEAN },
	{ "max", "overall.latency_ms.max", CS_REP_F_MAX },
	{ "throughput", "overall.throughput_rps", CS_REP_F_THROUGHPUT },
	{ "error_rate", "overall.error_rate", CS_REP_F_ERROR_RATE },
};
#define NSHORT (sizeof shortnames / sizeof shortnames[0])

static const char *const shortlist[] = {
	"p50", "p90", "p95", "p99", "mean", "max", "throughput", "error_rate",
	"errors", "rps", NULL
};

static const struct shortname *
short_find(const char *s)
{
	size_t i;

	/* two words people type for the same thing */
	if (!strcmp(s, "errors"))
		s = "error_rate";
	else if (!strcmp(s, "rps"))
		s = "throughput";
	for (i = 0; i < NSHORT; i++)
		if (!strcmp(s, shortnames[i].name) || !strcmp(s, shortnames[i].path))
			return &shortnames[i];
	return NULL;
}

static const char *
unit_word(cs_rep_unit u)
{
	switch (u) {
	case CS_REP_MS: return "ms";
	case CS_REP_RPS: return "req/s";
	case CS_REP_RATIO: return "%";
	case CS_REP_PLAIN: break;
	}
	return "its own unit";
}

/* Copy [b, e) without surrounding blanks into buf. */
static void
trimmed(char *buf, size_t size, const char *b, const char *e)
{
	size_t n;

	while (b < e && isspace((unsigned char)*b))
		b++;
	while (e > b && isspace((unsigned char)e[-1]))
		e--;
	n = (size_t)(e - b) < size - 1 ? (size_t)(e - b) : size - 1;
	memcpy(buf, b, n);
	buf[n] = '\0';
}

cs_status
cs_rep_y_parse(const char *spec, const cJSON *sample, cs_rep_y *out,
               size_t max, size_t *n, cs_error *err)
{
	const char *p = spec, *e;

	*n = 0;
	if (!spec || !*spec)
		return cs_error_set(err, CS_ERR_USAGE, "--y", 0, 0, "",
		    "empty: give p50,p95,p99, throughput, error_rate or a "
		    "metric path");
	for (;;) {
		const struct shortname *sn;
		char item[256];
		cs_rep_y *y;
		cs_rep_ci ci;

		e = strchr(p, ',');
		if (!e)
			e = p + strlen(p);
		trimmed(item, sizeof item, p, e);
		if (!item[0])
			return cs_error_set(err, CS_ERR_USAGE, "--y", 0, 0, spec,
			    "an empty item (separate metrics with single commas, "
			    "e.g. p50,p95,p99)");
		if (*n == max)
			return cs_error_set(err, CS_ERR_USAGE, "--y", 0, 0, spec,
			                    "at most %zu metrics in one chart", max);
		y = &out[*n];
		memset(y, 0, sizeof *y);
		sn = short_find(item);
		if (sn) {
			snprintf(y->path, sizeof y->path, "%s", sn->path);
			snprintf(y->name, sizeof y->name, "%s", sn->name);
			y->field = sn->field;
		} else if (strchr(item, '.')) {
			const char *dot = strrchr(item, '.');

			snprintf(y->path, sizeof y->path, "%s", item);
			/* "latency_ms.p95" reads better as "p95" on a line */
			snprintf(y->name, sizeof y->name, "%s",
			         cs_rep_unit_of(item) == CS_REP_MS ? dot + 1 : item);
		} else {
			const char *near = cs_conf_suggest(item, shortlist);

			if (near)
				return cs_error_set(err, CS_ERR_USAGE, "--y", 0, 0,
				    item, "unknown metric (did you mean \"%s\"?)",
				    near);
			return cs_error_set(err, CS_ERR_USAGE, "--y", 0, 0, item,
			    "unknown metric: choose p50, p90, p95, p99, mean, max, "
			    "throughput, error_rate, or a metric path such as "
			    "resources.db_pool.utilization");
		}
		y->unit = cs_rep_unit_of(y->path);
		if (sample && cs_rep_metric(sample, y->path, &ci))
			return cs_error_set(err, CS_ERR_USAGE, "--y", 0, 0, item,
			    "the results have no metric %s (metric paths are "
			    "those of capsim run --format json, e.g. "
			    "resources.db_pool.utilization)", y->path);
		if (*n && y->unit != out[0].unit)
			return cs_error_set(err, CS_ERR_USAGE, "--y", 0, 0, spec,
			    "%s is in %s but %s in %s: one chart shows one unit, "
			    "draw them separately", out[0].name,
			    unit_word(out[0].unit), y->name, unit_word(y->unit));
		++*n;
		if (!*e)
			break;
		p = e + 1;
	}
	return CS_OK;
}

/* ---- the x axis and lines ---------------------------------------------- */

#define USERS_METRIC "resources.load.users.max"

cs_status
cs_rep_x_resolve(const cs_rep_doc *d, const char *path, cs_rep_x *x,
                 cs_error *err)
{
	cs_rep_ci ci;
	int dim;

	memset(x, 0, sizeof *x);
	x->dim = -1;
	if (!path)
		path = d->ndims ? d->paths[0] : "load.users";
	dim = cs_rep_doc_dim(d, path);
	if (dim >= 0) {
		const char *unit = "";
		size_t i;
		double v;

		x->dim = dim;
		snprintf(x->path, sizeof x->path, "%s", path);
		for (i = 0; i < d->n; i++)
			if (!cs_rep_number(d->values[i * d->ndims + (size_t)dim],
			                   &v, &unit))
				break;
		x->users = !strcmp(path, "load.users");
		if (x->users)
			snprintf(x->label, sizeof x->label, "users (%s)", path);
		else if (*unit)
			snprintf(x->label, sizeof x->label, "%s (%s)", path, unit);
		else
			snprintf(x->label, sizeof x->label, "%s", path);
		return CS_OK;
	}
	if (!strcmp(path, "load.users") || !strcmp(path, USERS_METRIC)) {
		snprintf(x->path, sizeof x->path, "%s", USERS_METRIC);
		snprintf(x->label, sizeof x->label, "users (%s)", path);
		x->users = true;
		return CS_OK;
	}
	if (d->n && cs_rep_metric(d->results[0], path, &ci) == CS_OK) {
		cs_rep_unit u = cs_rep_unit_of(path);

		snprintf(x->path, sizeof x->path, "%s", path);
		if (u == CS_REP_PLAIN)
			snprintf(x->label, sizeof x->label, "%s", path);
		else
			snprintf(x->label, sizeof x->label, "%s (%s)", path,
			         unit_word(u));
		return CS_OK;
	}
	if (d->ndims) {
		char list[512] = "";
		size_t k, l = 0;

		for (k = 0; k < d->ndims && l < sizeof list; k++)
			l += (size_t)snprintf(list + l, sizeof list - l, "%s%s",
			                      k ? ", " : "", d->paths[k]);
		return cs_error_set(err, CS_ERR_USAGE, "--x", 0, 0, path,
		    "neither a varied path of the sweep (%s) nor a metric of "
		    "its results", list);
	}
	return cs_error_set(err, CS_ERR_USAGE, "--x", 0, 0, path,
	    "not a metric of the results (a single run varies nothing)");
}

void
cs_rep_series_free(cs_rep_series *s, size_t n)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < n; i++) {
		free(s[i].label);
		free(s[i].x);
		free(s[i].y);
		free(s[i].point);
	}
	free(s);
}

/* The label of a point's line: its values of the dimensions other than x. */
static char *
group_label(const cs_rep_doc *d, size_t i, int xdim)
{
	size_t k, len = 1;
	char *s;

	for (k = 0; k < d->ndims; k++)
		if ((int)k != xdim)
			len += strlen(d->paths[k]) + strlen(d->values[i * d->ndims + k]) + 3;
	s = malloc(len);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (k = 0; k < d->ndims; k++) {
		if ((int)k == xdim)
			continue;
		if (s[0])
			strcat(s, ", ");
		strcat(s, d->paths[k]);
		strcat(s, "=");
		strcat(s, d->values[i * d->ndims + k]);
	}
	return s;
}

typedef struct xyp {
	double x;
	cs_rep_ci y;
	size_t point;
} xyp;

static int
by_x(const void *a, const void *b)
{
	const xyp *p = a, *q = b;

	if (p->x != q->x)
		return p->x < q->x ? -1 : 1;
	return p->point < q->point ? -1 : p->point > q->point;
}

static cs_status
x_value(const cs_rep_doc *d, const cs_rep_x *x, size_t i, double *v,
        cs_error *err)
{
	cs_rep_ci ci;

	if (x->dim >= 0) {
		const char *s = d->values[i * d->ndims + (size_t)x->dim];

		if (cs_rep_number(s, v, NULL))
			return cs_error_set(err, CS_ERR_INVALID, "--x", 0, 0, x->path,
			    "the value \"%s\" is not a number, so it cannot go on "
			    "an axis (choose another path with --x)", s);
		return CS_OK;
	}
	cs_rep_metric(d->results[i], x->path, &ci);
	*v = ci.mean;
	return CS_OK;
}

cs_status
cs_rep_series_build(const cs_rep_doc *d, const cs_rep_x *x,
                    const cs_rep_y *y, cs_rep_series **out, size_t *n,
                    cs_error *err)
{
	cs_rep_series *s = calloc(d->n + 1, sizeof *s);
	xyp *tmp = calloc(d->n + 1, sizeof *tmp);
	char **keys = calloc(d->n + 1, sizeof *keys);
	size_t *of = calloc(d->n + 1, sizeof *of);
	size_t i, g, ng = 0, k;
	cs_status st = CS_OK;

	*out = NULL;
	*n = 0;
	if (!s || !tmp || !keys || !of) {
		st = cs_error_set(err, CS_ERR_NOMEM, "", 0, 0, "", "out of memory");
		goto done;
	}
	/* which line each point is on, lines in order of first appearance */
	for (i = 0; i < d->n; i++) {
		char *key = group_label(d, i, x->dim);

		if (!key) {
			st = cs_error_set(err, CS_ERR_NOMEM, "", 0, 0, "", "out of memory");
			goto done;
		}
		for (g = 0; g < ng && strcmp(keys[g], key); g++)
			;
		if (g == ng)
			keys[ng++] = key;
		else
			free(key);
		of[i] = g;
	}
	for (g = 0; g < ng; g++) {
		size_t m = 0;

		for (i = 0; i < d->n; i++) {
			double xv;
			cs_rep_ci ci;

			if (of[i] != g)
				continue;
			if ((st = x_value(d, x, i, &xv, err)))
				goto done;
			if (cs_rep_metric(d->results[i], y->path, &ci) ||
			    !isfinite(xv) || !isfinite(ci.mean))
				continue;
			/* a calibrated scenario's points: the band is where a
			 * real test should land, not the simulation's CI */
			pi_band(d->results[i], y->path, &ci);
			tmp[m].x = xv;
			tmp[m].y.mean = cs_rep_shown(y->unit, ci.mean);
			tmp[m].y.lo = cs_rep_shown(y->unit, ci.lo);
			tmp[m].y.hi = cs_rep_shown(y->unit, ci.hi);
			tmp[m].point = i;
			m++;
		}
		if (!m)
			continue;
		qsort(tmp, m, sizeof *tmp, by_x);
		s[*n].label = keys[g];
		keys[g] = NULL;
		s[*n].n = m;
		s[*n].x = malloc(m * sizeof(double));
		s[*n].y = malloc(m * sizeof(cs_rep_ci));
		s[*n].point = malloc(m * sizeof(size_t));
		++*n;
		if (!s[*n - 1].x || !s[*n - 1].y || !s[*n - 1].point) {
			st = cs_error_set(err, CS_ERR_NOMEM, "", 0, 0, "", "out of memory");
			goto done;
		}
		for (k = 0; k < m; k++) {
			s[*n - 1].x[k] = tmp[k].x;
			s[*n - 1].y[k] = tmp[k].y;
			s[*n - 1].point[k] = tmp[k].point;
		}
	}
done:
	for (g = 0; g < ng; g++)
		free(keys[g]);
	free(keys);
	free(of);
	free(tmp);
	if (st) {
		cs_rep_series_free(s, *n);
		*n = 0;
		return st;
	}
	*out = s;
	return CS_OK;
}

bool
cs_rep_log_scale(const double *v, size_t n)
{
	double lo = INFINITY, hi = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] > 0 && isfinite(v[i])) {
			lo = v[i] < lo ? v[i] : lo;
			hi = v[i] > hi ? v[i] : hi;
		}
	return hi > 10 * lo;
}

/* ---- SLOs ---------------------------------------------------------------- */

/*
 * One grammar for every --slo: sweep/slo.c's, which capsim capacity uses
 * (it also catches the slips: empty terms, bare error rates above 1,
 * misspelt names).  What is added here is what a picture and a page need:
 * the unit, the measured counterpart, a text to print.
 */

static const char *const op_text[] = { "<", "<=", ">", ">=" };

/* The name of a term as written: the text before its operator. */
static void
term_name(const char *text, char *buf, size_t size)
{
	const char *op = strpbrk(text, "<>");

	trimmed(buf, size, text, op ? op : text + strlen(text));
}

static cs_status
slo_term(const cs_slo_term *in, cs_rep_slo_term *t, cs_error *err)
{
	const char *op = strpbrk(in->text, "<>");
	const struct shortname *sn = short_find(in->metric);
	char name[64];

	memset(t, 0, sizeof *t);
	term_name(in->text, name, sizeof name);
	snprintf(t->name, sizeof t->name, "%s", name);
	snprintf(t->path, sizeof t->path, "%s", in->metric);
	t->unit = cs_rep_unit_of(in->metric);
	t->field = sn ? sn->field : CS_REP_F_NONE;
	t->limit = in->limit;
	if (in->less)
		t->op = op && op[1] == '=' ? CS_REP_LE : CS_REP_LT;
	else
		t->op = op && op[1] == '=' ? CS_REP_GE : CS_REP_GT;
	switch (t->unit) {
	case CS_REP_MS:
		snprintf(t->text, sizeof t->text, "%s %s %g ms", t->name,
		         op_text[t->op], t->limit);
		break;
	case CS_REP_RATIO:
		snprintf(t->text, sizeof t->text, "%s %s %g%%", t->name,
		         op_text[t->op], 100 * t->limit);
		break;
	case CS_REP_RPS:
		snprintf(t->text, sizeof t->text, "%s %s %g req/s", t->name,
		         op_text[t->op], t->limit);
		break;
	case CS_REP_PLAIN:
		snprintf(t->text, sizeof t->text, "%s %s %g", t->name,
		         op_text[t->op], t->limit);
		break;
	}
	return CS_OK;
}

cs_status
cs_rep_slo_parse(const char *s, cs_rep_slo *out, cs_error *err)
{
	char clean[1024];
	size_t i;
	cs_slo slo;
	cs_status st;

	memset(out, 0, sizeof *out);
	if (!s)
		s = "";
	if (strlen(s) >= sizeof clean)
		return cs_error_set(err, CS_ERR_USAGE, "--slo", 0, 0, "",
		                    "the SLO is too long");
	snprintf(clean, sizeof clean, "%s", s);
	if ((st = cs_slo_parse(clean, &slo, err)))
		return st;
	for (i = 0; i < slo.n; i++)
		if ((st = slo_term(&slo.t[i], &out->terms[i], err)))
			return st;
	out->n = slo.n;
	return CS_OK;
}

cs_status
cs_rep_slo_check(const cs_rep_slo *slo, const cJSON *sample, cs_error *err)
{
	cs_rep_ci ci;
	size_t i;

	for (i = 0; i < slo->n; i++)
		if (cs_rep_metric(sample, slo->terms[i].path, &ci))
			return cs_error_set(err, CS_ERR_USAGE, "--slo", 0, 0,
			    slo->terms[i].name, "the results have no metric %s",
			    slo->terms[i].path);
	return CS_OK;
}

bool
cs_rep_slo_holds(const cs_rep_slo_term *t, double v)
{
	if (!isfinite(v))
		return false;
	switch (t->op) {
	case CS_REP_LT: return v < t->limit;
	case CS_REP_LE: return v <= t->limit;
	case CS_REP_GT: return v > t->limit;
	case CS_REP_GE: return v >= t->limit;
	}
	return false;
}

cs_rep_verdict
cs_rep_slo_judge(const cs_rep_slo_term *t, const cs_rep_ci *v)
{
	if (!cs_rep_slo_holds(t, v->mean))
		return CS_REP_VIOLATES;
	/* the end of the interval on the side the limit is on */
	if (!cs_rep_slo_holds(t, t->op <= CS_REP_LE ? v->hi : v->lo))
		return CS_REP_UNSURE;
	return CS_REP_MEETS;
}

/* ---- bottlenecks --------------------------------------------------------- */

cs_status
cs_rep_svc_load(const char *scenario, const char *const *sets, size_t nsets,
                cs_rep_svc **out, size_t *n, cs_error *err)
{
	cs_conf *c = NULL;
	cs_conf_node *svcs;
	cs_rep_svc *v = NULL;
	cs_status s;
	size_t i;

	*out = NULL;
	*n = 0;
	if ((s = cs_conf_parse_file(scenario, &c, err)))
		return s;
	for (i = 0; i < nsets; i++)
		if ((s = cs_conf_set(c, sets[i], err))) {
			cs_conf_free(c);
			return s;
		}
	svcs = c->root ? cs_conf_get(c->root, "services") : NULL;
	if (svcs && svcs->kind == CS_CONF_MAP && svcs->n) {
		v = calloc(svcs->n, sizeof *v);
		if (!v) {
			cs_conf_free(c);
			return cs_error_set(err, CS_ERR_NOMEM, scenario, 0, 0, "",
			                    "out of memory");
		}
		for (i = 0; i < svcs->n; i++) {
			const cs_conf_node *it = svcs->items[i], *cn, *rl, *rps;
			char path[320];
			long lim;

			snprintf(v[*n].name, sizeof v[*n].name, "%s", it->key);
			cn = it->kind == CS_CONF_MAP ? cs_conf_get(it, "concurrency") : NULL;
			snprintf(path, sizeof path, "services.%s.concurrency", it->key);
			if (cn && cs_conf_int(c, cn, path, 0, 100000000, &lim, err) == CS_OK)
				v[*n].concurrency = (double)lim;
			rl = it->kind == CS_CONF_MAP ? cs_conf_get(it, "rate_limit") : NULL;
			rps = rl && rl->kind == CS_CONF_MAP ? cs_conf_get(rl, "rps") : NULL;
			snprintf(path, sizeof path, "services.%s.rate_limit.rps", it->key);
			if (rps)
				cs_conf_rate(c, rps, path, 0, 1e12, &v[*n].rate, err);
			if (v[*n].concurrency > 0 || v[*n].rate > 0)
				++*n;
		}
		/* a value the scenario reader would have refused is no limit
		 * here: the sweep ran, so it was read; do not report it */
		if (err)
			memset(err, 0, sizeof *err);
	}
	cs_conf_free(c);
	if (!*n) {
		free(v);
		v = NULL;
	}
	*out = v;
	return CS_OK;
}

/* A result read back, and the services' limits for one written before
 * their utilizations were. */
typedef struct useget {
	const cJSON *r;
	const cs_rep_svc *svc;
	size_t nsvc;
} useget;

static bool
path_ends(const char *s, const char *tail)
{
	size_t n = strlen(s), k = strlen(tail);

	return n >= k && !strcmp(s + n - k, tail);
}

static double
use_get(void *ctx, const char *path)
{
	const useget *g = ctx;
	char p[400];
	cs_rep_ci ci;
	size_t i;

	if (!cs_rep_metric(g->r, path, &ci))
		return ci.mean;
	/* an older result: from the scenario's limits, if given */
	for (i = 0; i < g->nsvc; i++) {
		snprintf(p, sizeof p, "resources.services.%s.", g->svc[i].name);
		if (strncmp(path, p, strlen(p)))
			continue;
		if (path_ends(path, ".concurrency_utilization") &&
		    g->svc[i].concurrency > 0) {
			snprintf(p, sizeof p, "resources.services.%s.concurrency.mean",
			         g->svc[i].name);
			if (!cs_rep_metric(g->r, p, &ci))
				return ci.mean / g->svc[i].concurrency;
		}
		if (path_ends(path, ".rate_limit_utilization") &&
		    g->svc[i].rate > 0) {
			snprintf(p, sizeof p, "resources.services.%s.attempts_rps",
			         g->svc[i].name);
			if (!cs_rep_metric(g->r, p, &ci))
				return ci.mean / g->svc[i].rate;
		}
	}
	return NAN;
}

/* Every resource, in cs_uses order; *out is new (free()), NULL if none. */
static size_t
uses_all(const cJSON *result, const cs_rep_svc *svc, size_t nsvc,
         cs_rep_use **out)
{
	const cJSON *ss = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(result, "resources"), "services"), *c;
	useget g = { result, svc, nsvc };
	size_t n = 0, max;
	const char **names;

	*out = NULL;
	cJSON_ArrayForEach(c, ss)
		n++;
	names = calloc(n + 1, sizeof *names);
	max = 5 + 4 * n;
	*out = calloc(max, sizeof **out);
	if (!names || !*out) {
		free(names);
		free(*out);
		*out = NULL;
		return 0;
	}
	n = 0;
	cJSON_ArrayForEach(c, ss)
		if (c->string)
			names[n++] = c->string;
	n = cs_uses(use_get, &g, names, n, *out, max);
	free(names);
	return n;
}

size_t
cs_rep_uses(const cJSON *result, const cs_rep_svc *svc, size_t nsvc,
            cs_rep_use *out, size_t max)
{
	cs_rep_use *all;
	size_t n = uses_all(result, svc, nsvc, &all), i, j;

	/* busiest first; a stable insertion sort keeps ties in cs_uses
	 * order (n is a handful) */
	for (i = 1; i < n; i++) {
		cs_rep_use u = all[i];

		for (j = i; j > 0 && all[j - 1].u < u.u; j--)
			all[j] = all[j - 1];
		all[j] = u;
	}
	if (n > max)
		n = max;
	for (i = 0; i < n; i++)
		out[i] = all[i];
	free(all);
	return n;
}

bool
cs_rep_bottleneck(const cJSON *result, const cs_rep_svc *svc, size_t nsvc,
                  cs_rep_use *out)
{
	cs_rep_use *all;
	size_t n = uses_all(result, svc, nsvc, &all);
	long k = cs_bottleneck_pick(all, n);

	if (k >= 0)
		*out = all[k];
	free(all);
	return k >= 0;
}

bool
cs_rep_use_saturated(const cs_rep_use *u)
{
	return cs_use_saturated(u);
}

/* ---- measured points ----------------------------------------------------- */

static bool
listed(const char *names, const char *name)
{
	const char *p = names, *e;
	char item[256];

	for (;;) {
		e = strchr(p, ',');
		if (!e)
			e = p + strlen(p);
		trimmed(item, sizeof item, p, e);
		if (name && item[0] && !strcmp(item, name))
			return true;
		if (!*e)
			return false;
		p = e + 1;
	}
}

cs_status
cs_rep_measured_keep(cs_imp_set *set, const char *names, cs_error *err)
{
	const char *p = names, *e;
	size_t i, k;

	/* every name must be there before anything is dropped */
	for (;;) {
		char item[256];
		bool found = false;

		e = strchr(p, ',');
		if (!e)
			e = p + strlen(p);
		trimmed(item, sizeof item, p, e);
		for (i = 0; i < set->n && item[0] && !found; i++)
			found = set->points[i].name &&
			        !strcmp(set->points[i].name, item);
		if (!found) {
			char have[512] = "";
			size_t o = 0;

			for (i = 0; i < set->n && o < sizeof have; i++)
				if (set->points[i].name)
					o += (size_t)snprintf(have + o, sizeof have - o,
					    "%s%s", o ? ", " : "", set->points[i].name);
			return cs_error_set(err, CS_ERR_USAGE, "--measured-points",
			    0, 0, names, "no measured point is named \"%s\" "
			    "(%s%s)", item, o ? "the names are: " : "",
			    o ? have : "the measured points have no names");
		}
		if (!*e)
			break;
		p = e + 1;
	}
	for (i = k = 0; i < set->n; i++) {
		if (listed(names, set->points[i].name))
			set->points[k++] = set->points[i];
		else
			cs_imp_point_clear(&set->points[i]);
	}
	set->n = k;
	return CS_OK;
}

/* ---- formats ------------------------------------------------------------- */

int
cs_rep_fmt_of(const char *path, cs_rep_fmt *out)
{
	const char *dot = path ? strrchr(path, '.') : NULL;

	if (!dot || strchr(dot, '/'))
		return -1;
	if (!strcasecmp(dot, ".png"))
		*out = CS_REP_PNG;
	else if (!strcasecmp(dot, ".svg"))
		*out = CS_REP_SVG;
	else
		return -1;
	return 0;
}
