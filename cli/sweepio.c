/* Sweep documents: JSON, CSV, table and the resume journal. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/sweepio.h"
#include "config/text.h"
#include "report/report.h"

static char *
xstrdup(const char *s)
{
	size_t n = strlen(s ? s : "") + 1;
	char *d = malloc(n);

	if (d)
		memcpy(d, s ? s : "", n);
	return d;
}

int
sweepdoc_init(sweepdoc *d, const char *scenario, const char *spec,
              const char *sets, unsigned long long seed,
              unsigned replications, size_t total, size_t ndims,
              const char *const *paths)
{
	size_t i;

	memset(d, 0, sizeof *d);
	d->scenario = xstrdup(scenario);
	d->spec = xstrdup(spec);
	d->sets = xstrdup(sets);
	d->seed = seed;
	d->replications = replications;
	d->total = total;
	d->ndims = ndims;
	d->paths = calloc(ndims ? ndims : 1, sizeof *d->paths);
	d->points = calloc(total ? total : 1, sizeof *d->points);
	d->values = calloc(total ? total : 1, sizeof *d->values);
	if (!d->scenario || !d->spec || !d->sets || !d->paths || !d->points ||
	    !d->values)
		return -1;
	for (i = 0; i < ndims; i++)
		if (!(d->paths[i] = xstrdup(paths[i])))
			return -1;
	return 0;
}

void
sweepdoc_free(sweepdoc *d)
{
	size_t i, k;

	if (d->points)
		for (i = 0; i < d->total; i++)
			cJSON_Delete(d->points[i]);
	if (d->values)
		for (i = 0; i < d->total; i++) {
			if (!d->values[i])
				continue;
			for (k = 0; k < d->ndims; k++)
				free(d->values[i][k]);
			free(d->values[i]);
		}
	if (d->paths)
		for (k = 0; k < d->ndims; k++)
			free(d->paths[k]);
	free(d->paths);
	free(d->points);
	free(d->values);
	free(d->scenario);
	free(d->spec);
	free(d->sets);
	free(d->content);
	memset(d, 0, sizeof *d);
}

int
sweepdoc_put(sweepdoc *d, size_t index, char **values, cJSON *result)
{
	size_t k;

	if (index >= d->total) {
		cJSON_Delete(result);
		return -1;
	}
	if (d->points[index]) { /* already there: keep the first */
		cJSON_Delete(result);
		return 0;
	}
	d->values[index] = calloc(d->ndims ? d->ndims : 1, sizeof(char *));
	if (!d->values[index]) {
		cJSON_Delete(result);
		return -1;
	}
	for (k = 0; k < d->ndims; k++)
		if (!(d->values[index][k] = xstrdup(values[k]))) {
			cJSON_Delete(result);
			return -1;
		}
	d->points[index] = result;
	d->done++;
	return 0;
}

/* ---- reading metrics back --------------------------------------------- */

double
result_get(const cJSON *result, const char *path, const char *which)
{
	char buf[512], *seg, *save = NULL;
	const cJSON *o = result, *v;

	snprintf(buf, sizeof buf, "%s", path);
	for (seg = strtok_r(buf, ".", &save); seg && o;
	     seg = strtok_r(NULL, ".", &save))
		o = cJSON_GetObjectItemCaseSensitive(o, seg);
	if (!o)
		return NAN;
	v = cJSON_GetObjectItemCaseSensitive(o, which ? which : "mean");
	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* From a point's "run" object: "replications", or a key of its
 * "precision" object ("reached"; "met" as 1 or 0).  NaN if absent. */
static double
run_get(const cJSON *result, const char *key)
{
	const cJSON *run = cJSON_GetObjectItemCaseSensitive(result, "run"), *v;

	if (!strcmp(key, "replications"))
		v = cJSON_GetObjectItemCaseSensitive(run, key);
	else
		v = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(run, "precision"), key);
	if (cJSON_IsBool(v))
		return cJSON_IsTrue(v) ? 1 : 0;
	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

typedef struct leafs {
	char **path;
	size_t n, cap;
} leafs;

/* Every metric leaf (an object with "mean") under o, in document order. */
static int
collect(const cJSON *o, const char *base, leafs *l)
{
	const cJSON *c;

	if (cJSON_GetObjectItemCaseSensitive(o, "mean")) {
		if (l->n == l->cap) {
			size_t nc = l->cap ? 2 * l->cap : 256;
			char **np = realloc(l->path, nc * sizeof *np);

			if (!np)
				return -1;
			l->path = np;
			l->cap = nc;
		}
		if (!(l->path[l->n] = xstrdup(base)))
			return -1;
		l->n++;
		return 0;
	}
	cJSON_ArrayForEach(c, o) {
		char p[512];

		if (!cJSON_IsObject(c))
			continue;
		if (!base[0] && (!strcmp(c->string, "run")))
			continue;
		snprintf(p, sizeof p, "%s%s%s", base, base[0] ? "." : "", c->string);
		if (collect(c, p, l))
			return -1;
	}
	return 0;
}

/* The metric object at a dotted path that may contain dots in names:
 * walk segment by segment, joining segments when a key is not found. */
static const cJSON *
find(const cJSON *o, const char *path)
{
	char buf[512];
	const char *p = path;

	while (o && *p) {
		const char *dot = p;
		const cJSON *c = NULL;

		/* try the shortest key first, then longer ones with dots */
		for (;;) {
			size_t n;

			dot = strchr(dot, '.');
			n = dot ? (size_t)(dot - p) : strlen(p);
			if (n >= sizeof buf)
				return NULL;
			memcpy(buf, p, n);
			buf[n] = 0;
			c = cJSON_GetObjectItemCaseSensitive(o, buf);
			if (c || !dot)
				break;
			dot++;
		}
		if (!c)
			return NULL;
		o = c;
		p = dot ? dot + 1 : p + strlen(p);
	}
	return o;
}


static void
csv_num(FILE *f, const cJSON *v)
{
	fputc(',', f);
	if (cJSON_IsNumber(v))
		fprintf(f, "%.10g", v->valuedouble);
}

static int
write_csv(const sweepdoc *d, FILE *f)
{
	leafs l = { 0 };
	size_t i, k, first = d->total;

	for (i = 0; i < d->total; i++)
		if (d->points[i]) {
			first = i;
			break;
		}
	if (first < d->total && collect(d->points[first], "", &l))
		return -1;
	fputs("index", f);
	for (k = 0; k < d->ndims; k++) {
		fputc(',', f);
		cs_text_csv_field(f, d->paths[k]);
	}
	/* only with the sequential rule: other sweeps' columns are as
	 * they were */
	if (d->precision > 0)
		fputs(",run.replications,run.precision.reached,"
		      "run.precision.met", f);
	for (k = 0; k < l.n; k++) {
		static const char *const sfx[] = { ".mean", ".ci_low", ".ci_high" };
		int j;

		for (j = 0; j < 3; j++) {
			char p[600];

			snprintf(p, sizeof p, "%s%s", l.path[k], sfx[j]);
			fputc(',', f);
			cs_text_csv_field(f, p);
		}
	}
	fputc('\n', f);
	for (i = 0; i < d->total; i++) {
		if (!d->points[i])
			continue;
		fprintf(f, "%zu", i);
		for (k = 0; k < d->ndims; k++) {
			fputc(',', f);
			cs_text_csv_field(f, d->values[i][k]);
		}
		if (d->precision > 0) {
			double v[3];
			int j;

			v[0] = run_get(d->points[i], "replications");
			v[1] = run_get(d->points[i], "reached");
			v[2] = run_get(d->points[i], "met");
			for (j = 0; j < 3; j++) {
				fputc(',', f);
				if (isfinite(v[j]))
					fprintf(f, "%.10g", v[j]);
			}
		}
		for (k = 0; k < l.n; k++) {
			const cJSON *o = find(d->points[i], l.path[k]);

			csv_num(f, cJSON_GetObjectItemCaseSensitive(o, "mean"));
			csv_num(f, cJSON_GetObjectItemCaseSensitive(o, "ci_low"));
			csv_num(f, cJSON_GetObjectItemCaseSensitive(o, "ci_high"));
		}
		fputc('\n', f);
	}
	for (k = 0; k < l.n; k++)
		free(l.path[k]);
	free(l.path);
	return 0;
}

static const char *
ms(char *buf, size_t n, double v)
{
	if (!isfinite(v))
		snprintf(buf, n, "-");
	else if (v < 100)
		snprintf(buf, n, "%.1fms", v);
	else if (v < 1000)
		snprintf(buf, n, "%.0fms", v);
	else
		snprintf(buf, n, "%.2fs", v / 1e3);
	return buf;
}

/* A column as wide as its varied path, at least 12. */
static int
width(const char *path)
{
	size_t n = strlen(path);

	return n < 12 ? 12 : (int)n;
}

static void
write_table(const sweepdoc *d, FILE *f)
{
	size_t i, k;

	if (d->precision > 0)
		fprintf(f, "\n  capsim sweep: %s, %zu of %zu points, replications "
		        "until +-%.3g%% (ratios: +-%.3g points), %u to %u a point, "
		        "seed %llu (same seed at every point)\n\n", d->scenario,
		        d->done, d->total, 100 * d->precision,
		        100 * d->precision_floor, d->replications,
		        d->max_replications, d->seed);
	else
		fprintf(f, "\n  capsim sweep: %s, %zu of %zu points, %u replications each, "
		        "seed %llu (same seed at every point)\n\n", d->scenario, d->done,
		        d->total, d->replications, d->seed);
	fputs(" ", f);
	for (k = 0; k < d->ndims; k++)
		fprintf(f, " %*s", width(d->paths[k]), d->paths[k]);
	fprintf(f, " %9s %8s %8s %8s %8s %8s %6s %8s %6s %6s", "rps", "errors",
	        "p50", "p95", "p95 CI+-", "p99", "pool", "waiters", "appCPU",
	        "dbCPU");
	if (d->precision > 0)
		fprintf(f, " %5s %7s", "reps", "reached");
	fprintf(f, "  %s\n", "bottleneck");
	for (i = 0; i < d->total; i++) {
		const cJSON *r = d->points[i];
		char a[32], b[32], c[32], e[32];
		cs_use bn;
		double lo, hi;

		if (!r)
			continue;
		fputs(" ", f);
		for (k = 0; k < d->ndims; k++)
			fprintf(f, " %*.*s", width(d->paths[k]), width(d->paths[k]),
			        d->values[i][k]);
		lo = result_get(r, "overall.latency_ms.p95", "ci_low");
		hi = result_get(r, "overall.latency_ms.p95", "ci_high");
		fprintf(f, " %9.1f %7.2f%% %8s %8s %8s %8s %5.0f%% %8.1f %5.0f%% %5.0f%%",
		        result_get(r, "overall.throughput_rps", NULL),
		        100 * result_get(r, "overall.error_rate", NULL),
		        ms(a, sizeof a, result_get(r, "overall.latency_ms.p50", NULL)),
		        ms(b, sizeof b, result_get(r, "overall.latency_ms.p95", NULL)),
		        ms(e, sizeof e, (hi - lo) / 2),
		        ms(c, sizeof c, result_get(r, "overall.latency_ms.p99", NULL)),
		        100 * result_get(r, "resources.db_pool.utilization", NULL),
		        result_get(r, "resources.db_pool.waiters.mean", NULL),
		        100 * result_get(r, "resources.app.cpu_utilization", NULL),
		        100 * result_get(r, "resources.db.cpu_utilization", NULL));
		if (d->precision > 0)
			fprintf(f, " %5.0f %6.2f%%%s", run_get(r, "replications"),
			        100 * run_get(r, "reached"),
			        run_get(r, "met") > 0 ? "" : " NOT MET");
		/* by the rule of run, capacity and report (models/bottleneck.h) */
		if (cs_rep_bottleneck(r, NULL, 0, &bn))
			fprintf(f, "  %s%s %.0f%%", cs_use_saturated(&bn) ? "" :
			        "(none) ", bn.name, 100 * bn.u);
		fputc('\n', f);
	}
	fputc('\n', f);
}

static cJSON *
header_json(const sweepdoc *d)
{
	cJSON *h = cJSON_CreateObject(), *v;
	size_t k;

	cJSON_AddStringToObject(h, "scenario", d->scenario);
	cJSON_AddStringToObject(h, "grid", d->spec);
	cJSON_AddStringToObject(h, "sets", d->sets);
	cJSON_AddNumberToObject(h, "seed", (double)d->seed);
	cJSON_AddNumberToObject(h, "replications", d->replications);
	if (d->precision > 0) {
		/* only with the sequential rule, so that other sweeps'
		 * files are as they were */
		cJSON *p = cJSON_AddObjectToObject(h, "precision");

		cJSON_AddNumberToObject(p, "target", d->precision);
		cJSON_AddNumberToObject(p, "floor", d->precision_floor);
		cJSON_AddNumberToObject(p, "max_replications",
		                        d->max_replications);
	}
	cJSON_AddNumberToObject(h, "points_total", (double)d->total);
	v = cJSON_AddArrayToObject(h, "vary");
	for (k = 0; k < d->ndims; k++)
		cJSON_AddItemToArray(v, cJSON_CreateString(d->paths[k]));
	/* what the file said, not only its name: shards of an edited
	 * scenario are not one sweep */
	if (d->content)
		cJSON_AddStringToObject(h, "scenario_fnv1a64", d->content);
	return h;
}

int
sweep_write(const sweepdoc *d, sweepfmt fmt, FILE *f)
{
	cJSON *root, *pts;
	char *text;
	size_t i, k;

	if (fmt == SWEEP_CSV)
		return write_csv(d, f);
	if (fmt == SWEEP_TABLE) {
		write_table(d, f);
		return 0;
	}
	root = cJSON_CreateObject();
	cJSON_AddItemToObject(root, "sweep", header_json(d));
	cJSON_AddNumberToObject(cJSON_GetObjectItem(root, "sweep"), "points_done",
	                        (double)d->done);
	pts = cJSON_AddArrayToObject(root, "points");
	for (i = 0; i < d->total; i++) {
		cJSON *p, *vals;

		if (!d->points[i])
			continue;
		p = cJSON_CreateObject();
		cJSON_AddNumberToObject(p, "index", (double)i);
		vals = cJSON_AddObjectToObject(p, "values");
		for (k = 0; k < d->ndims; k++)
			cJSON_AddStringToObject(vals, d->paths[k], d->values[i][k]);
		cJSON_AddItemReferenceToObject(p, "result", d->points[i]);
		cJSON_AddItemToArray(pts, p);
	}
	text = cJSON_Print(root);
	cJSON_Delete(root);
	if (!text)
		return -1;
	fputs(text, f);
	fputc('\n', f);
	cJSON_free(text);
	return ferror(f) ? -1 : 0;
}

/* ---- reading ---------------------------------------------------------------- */

/* The header's seed and replication count as numbers, or -1. */
static double
header_num(const cJSON *h, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(h, key);

	return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

/* The header's precision rule: target, floor, max_replications; all 0
 * when the sweep ran a fixed count (no "precision" object), -1 where a
 * value is not a number. */
static void
header_precision(const cJSON *h, double p[3])
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(h, "precision");

	p[0] = p[1] = p[2] = 0;
	if (!o)
		return;
	p[0] = header_num(o, "target");
	p[1] = header_num(o, "floor");
	p[2] = header_num(o, "max_replications");
}

/*
 * Does header h (of a shard, or of a journal when journal is set) belong
 * to the sweep d?  Each difference is named, what h holds and what d
 * holds, so that a refused --resume says which argument or file changed.
 */
static int
header_matches(const sweepdoc *d, const cJSON *h, const char *path,
               int journal, cs_error *err)
{
	static const char *const keys[] = { "scenario", "grid", "sets" };
	static const char *const what[] = { "the scenario file",
		"the grid (--vary)", "the --set list" };
	const char *mine[] = { d->scenario, d->spec, d->sets };
	const char *hint = journal ? "; run it again as it was, or without "
	                   "--resume to start over" : "";
	const cJSON *v;
	double seed, reps;
	int k;

	for (k = 0; k < 3; k++) {
		v = cJSON_GetObjectItemCaseSensitive(h, keys[k]);
		if (!cJSON_IsString(v) || strcmp(v->valuestring, mine[k])) {
			cs_error_set(err, CS_ERR_INVALID, path, 0, 0, keys[k],
			    "belongs to another sweep: %s differs (\"%s\" there, "
			    "\"%s\" now)%s", what[k],
			    cJSON_IsString(v) ? v->valuestring : "?", mine[k], hint);
			return -1;
		}
	}
	if (journal && d->content) {
		/* the name alone would let an edited file mix two models */
		v = cJSON_GetObjectItemCaseSensitive(h, "scenario_fnv1a64");
		if (!cJSON_IsString(v)) {
			cs_error_set(err, CS_ERR_INVALID, path, 0, 0, "scenario",
			    "belongs to another sweep: the journal does not record "
			    "the content of %s, so it cannot be checked; run without "
			    "--resume to start over", d->scenario);
			return -1;
		}
		if (strcmp(v->valuestring, d->content)) {
			cs_error_set(err, CS_ERR_INVALID, path, 0, 0, "scenario",
			    "belongs to another sweep: %s has changed since the "
			    "journal was written (content hash %s there, %s now)%s",
			    d->scenario, v->valuestring, d->content, hint);
			return -1;
		}
	}
	if (!journal && d->content) {
		/* a shard that records its scenario's content must match */
		v = cJSON_GetObjectItemCaseSensitive(h, "scenario_fnv1a64");
		if (cJSON_IsString(v) && strcmp(v->valuestring, d->content)) {
			cs_error_set(err, CS_ERR_INVALID, path, 0, 0, "scenario",
			    "belongs to another sweep: %s had other contents when "
			    "this shard ran (content hash %s there, %s in the first "
			    "file)", d->scenario, v->valuestring, d->content);
			return -1;
		}
	}
	seed = header_num(h, "seed");
	if (seed != (double)d->seed) {
		cs_error_set(err, CS_ERR_INVALID, path, 0, 0, "seed",
		    "belongs to another sweep: the seed differs (%.17g there, "
		    "%llu now)%s", seed, d->seed, hint);
		return -1;
	}
	reps = header_num(h, "replications");
	if (reps != (double)d->replications) {
		cs_error_set(err, CS_ERR_INVALID, path, 0, 0, "replications",
		    "belongs to another sweep: the replication count differs "
		    "(%.17g there, %u now)%s", reps, d->replications, hint);
		return -1;
	}
	{
		/* the sequential rule decides the numbers as much as the
		 * count does */
		double p[3];

		header_precision(h, p);
		if (p[0] != d->precision || p[1] != d->precision_floor ||
		    p[2] != (double)d->max_replications) {
			cs_error_set(err, CS_ERR_INVALID, path, 0, 0, "precision",
			    "belongs to another sweep: the precision rule differs "
			    "(--precision %.6g, floor %.6g, at most %.17g "
			    "replications there; %.6g, %.6g, %u now)%s", p[0], p[1],
			    p[2], d->precision, d->precision_floor,
			    d->max_replications, hint);
			return -1;
		}
	}
	return 0;
}

/* A whole number of h at key in [lo, hi], into *out; else -1 with err.
 * Checked before any cast: 1e300 or -5 would wrap. */
static int
header_whole(const cJSON *h, const char *key, double lo, double hi,
             double *out, const char *path, cs_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(h, key);

	if (!v) {
		cs_error_set(err, CS_ERR_INVALID, path, 0, 0, "sweep",
		    "the sweep header is incomplete: it has no \"%s\"", key);
		return -1;
	}
	if (!cJSON_IsNumber(v) || !(v->valuedouble >= lo &&
	    v->valuedouble <= hi) || v->valuedouble != floor(v->valuedouble)) {
		cs_error_set(err, CS_ERR_INVALID, path, 0, 0, key,
		    "must be a whole number from %.17g to %.17g (got %s%g)",
		    lo, hi, cJSON_IsNumber(v) ? "" : "a non-number ",
		    cJSON_IsNumber(v) ? v->valuedouble : 0.0);
		return -1;
	}
	*out = v->valuedouble;
	return 0;
}

/* Start d from the header h of the first file read: every key must be
 * there and in range (run's own limits for seed and replications). */
static int
header_init(sweepdoc *d, const cJSON *h, const char *path, cs_error *err)
{
	static const char *const strs[] = { "scenario", "grid", "sets" };
	const char *sv[3], *paths[64];
	const cJSON *vary = cJSON_GetObjectItemCaseSensitive(h, "vary"), *it;
	double seed, reps, total;
	size_t nd = 0;
	int k;

	for (k = 0; k < 3; k++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(h, strs[k]);

		if (!cJSON_IsString(v)) {
			cs_error_set(err, CS_ERR_INVALID, path, 0, 0, "sweep",
			    "the sweep header is incomplete: it has no \"%s\" "
			    "string", strs[k]);
			return -1;
		}
		sv[k] = v->valuestring;
	}
	if (!cJSON_IsArray(vary) || cJSON_GetArraySize(vary) < 1 ||
	    cJSON_GetArraySize(vary) > 64) {
		cs_error_set(err, CS_ERR_INVALID, path, 0, 0, "sweep",
		    "the sweep header is incomplete: \"vary\" must list 1 to "
		    "64 paths");
		return -1;
	}
	cJSON_ArrayForEach(it, vary) {
		if (!cJSON_IsString(it)) {
			cs_error_set(err, CS_ERR_INVALID, path, 0, 0, "vary",
			             "holds something that is not a path");
			return -1;
		}
		paths[nd++] = it->valuestring;
	}
	if (header_whole(h, "seed", 0, 9007199254740991.0, &seed, path, err) ||
	    header_whole(h, "replications", 1, 100000, &reps, path, err) ||
	    header_whole(h, "points_total", 1, 1e7, &total, path, err))
		return -1;
	if (sweepdoc_init(d, sv[0], sv[1], sv[2], (unsigned long long)seed,
	                  (unsigned)reps, (size_t)total, nd, paths)) {
		cs_error_set(err, CS_ERR_NOMEM, path, 0, 0, "", "out of memory");
		return -1;
	}
	if (cJSON_GetObjectItemCaseSensitive(h, "precision")) {
		/* the sequential rule, in run's own limits */
		double p[3];

		header_precision(h, p);
		if (!(p[0] >= 0.001 && p[0] <= 0.5) || !(p[1] > 0 && p[1] <= 0.5) ||
		    !(p[2] >= reps && p[2] <= 100000) || p[2] != floor(p[2])) {
			cs_error_set(err, CS_ERR_INVALID, path, 0, 0, "precision",
			    "the sweep header's precision rule is out of range: "
			    "target 0.001 to 0.5, floor above 0 to 0.5, "
			    "max_replications a whole number from replications to "
			    "100000");
			return -1;
		}
		d->precision = p[0];
		d->precision_floor = p[1];
		d->max_replications = (unsigned)p[2];
	}
	{
		/* the first file's record of its scenario's content, which
		 * the other shards must match and the merge keeps */
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(h,
		                                                  "scenario_fnv1a64");

		if (cJSON_IsString(c) && !(d->content = strdup(c->valuestring))) {
			cs_error_set(err, CS_ERR_NOMEM, path, 0, 0, "",
			             "out of memory");
			return -1;
		}
	}
	return 0;
}

int
sweep_read_json(sweepdoc *d, const char *path, size_t *dups,
                cs_error *err)
{
	char *text;
	cJSON *root, *h, *pts, *p;
	size_t k;

	*dups = 0;
	if (cs_text_read_file(path, CS_TEXT_READ_MAX, &text, NULL, err))
		return -1;
	root = cJSON_Parse(text);
	free(text);
	if (!root) {
		cs_error_set(err, CS_ERR_PARSE, path, 0, 0, "",
		    "not a capsim sweep JSON file (write shards with --format json)");
		return -1;
	}
	h = cJSON_GetObjectItemCaseSensitive(root, "sweep");
	pts = cJSON_GetObjectItemCaseSensitive(root, "points");
	if (!cJSON_IsObject(h) || !cJSON_IsArray(pts)) {
		cJSON_Delete(root);
		cs_error_set(err, CS_ERR_INVALID, path, 0, 0, "",
		    "no \"sweep\" header and \"points\" list: not a capsim sweep file");
		return -1;
	}
	if (!d->spec) {
		if (header_init(d, h, path, err)) {
			cJSON_Delete(root);
			return -1;
		}
	} else if (header_matches(d, h, path, 0, err)) {
		cJSON_Delete(root);
		return -1;
	}
	cJSON_ArrayForEach(p, pts) {
		const cJSON *ix = cJSON_GetObjectItemCaseSensitive(p, "index");
		const cJSON *vals = cJSON_GetObjectItemCaseSensitive(p, "values");
		cJSON *res = cJSON_DetachItemFromObjectCaseSensitive(p, "result");
		char *v[64] = { 0 };

		if (!cJSON_IsNumber(ix) || !res || d->ndims > 64) {
			cJSON_Delete(res);
			cJSON_Delete(root);
			cs_error_set(err, CS_ERR_INVALID, path, 0, 0, "points",
			             "a point lacks its index or result");
			return -1;
		}
		for (k = 0; k < d->ndims; k++)
			v[k] = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(vals, d->paths[k]));
		for (k = 0; k < d->ndims; k++)
			if (!v[k])
				v[k] = (char *)"?";
		/* copy the index out first: the error path frees the tree it
		 * lives in, and sweepdoc_put owns res whatever it returns */
		double index = ix->valuedouble;

		if (!(index >= 0 && index < (double)d->total) ||
		    index != (double)(size_t)index) {
			cJSON_Delete(res);
			cJSON_Delete(root);
			cs_error_set(err, CS_ERR_INVALID, path, 0, 0, "points",
			             "point index %g is outside the grid (0 to %zu)",
			             index, d->total - 1);
			return -1;
		}
		if (!cJSON_IsObject(res) || !cJSON_IsObject(
		    cJSON_GetObjectItemCaseSensitive(res, "overall"))) {
			/* a string here once dropped every metric column of
			 * the merged CSV without a word */
			cJSON_Delete(res);
			cJSON_Delete(root);
			cs_error_set(err, CS_ERR_INVALID, path, 0, 0, "points",
			             "point %g: its \"result\" is not a run result "
			             "(an object with \"overall\")", index);
			return -1;
		}
		if (d->points[(size_t)index]) {
			/* the same point twice: harmless when the results are
			 * the same, two different sweeps when they are not */
			int same = cJSON_Compare(d->points[(size_t)index], res, 1);

			cJSON_Delete(res);
			if (!same) {
				cJSON_Delete(root);
				cs_error_set(err, CS_ERR_INVALID, path, 0, 0, "points",
				    "point %g is also in an earlier file, with a "
				    "different result: these are not shards of one "
				    "sweep", index);
				return -1;
			}
			(*dups)++;
			continue;
		}
		if (sweepdoc_put(d, (size_t)index, v, res)) {
			cJSON_Delete(root);
			cs_error_set(err, CS_ERR_NOMEM, path, 0, 0, "points",
			             "out of memory storing point %g", index);
			return -1;
		}
	}
	cJSON_Delete(root);
	return 0;
}

/* ---- journal ------------------------------------------------------------------ */

int
sweep_file_hash(const char *path, char hex[17], cs_error *err)
{
	/* FNV-1a 64: a byte-wise hash, enough to notice an edited file (it
	 * is no defence against a file crafted to collide) */
	unsigned long long h = 14695981039346656037ULL;
	unsigned char buf[65536];
	FILE *f = fopen(path, "rb");
	size_t n, i;

	if (!f) {
		cs_error_set(err, CS_ERR_IO, path, 0, 0, "", "cannot open: %s",
		             strerror(errno));
		return -1;
	}
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		for (i = 0; i < n; i++) {
			h ^= buf[i];
			h *= 1099511628211ULL;
		}
	if (ferror(f)) {
		cs_error_set(err, CS_ERR_IO, path, 0, 0, "", "cannot read: %s",
		             strerror(errno));
		fclose(f);
		return -1;
	}
	fclose(f);
	snprintf(hex, 17, "%016llx", h);
	return 0;
}

FILE *
journal_open(const sweepdoc *d, const char *path, int append, long keep)
{
	FILE *j;
	cJSON *h;
	char *t;

	if (append) {
		/* a line cut short by a kill or a full disk would otherwise
		 * run into the next point and hide every point after it */
		j = fopen(path, "r+");
		if (!j)
			return NULL;
		if (ftruncate(fileno(j), (off_t)keep) || fseek(j, 0, SEEK_END)) {
			int e = errno;

			fclose(j);
			errno = e;
			return NULL;
		}
		return j;
	}
	j = fopen(path, "w");
	if (!j)
		return NULL;
	h = header_json(d);
	cJSON_AddStringToObject(h, "journal", "capsim sweep");
	t = cJSON_PrintUnformatted(h);
	cJSON_Delete(h);
	if (!t) {
		fclose(j);
		errno = ENOMEM;
		return NULL;
	}
	fprintf(j, "%s\n", t);
	cJSON_free(t);
	fflush(j);
	return j;
}

int
journal_point(FILE *j, size_t index, const cJSON *result)
{
	cJSON *p = cJSON_CreateObject();
	char *t;

	cJSON_AddNumberToObject(p, "index", (double)index);
	cJSON_AddItemReferenceToObject(p, "result", (cJSON *)result);
	t = cJSON_PrintUnformatted(p);
	cJSON_Delete(p);
	if (!t)
		return -1;
	fprintf(j, "%s\n", t);
	cJSON_free(t);
	/* the point is on disk before the next one starts */
	if (fflush(j) || fsync(fileno(j)))
		return -1;
	return 0;
}

int
journal_load(sweepdoc *d, const char *path, long *keep, cs_error *err)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t n;
	long end = 0; /* bytes of complete, readable lines */
	int rc = 0;

	*keep = 0;
	if (!f)
		return 0; /* nothing to resume */
	while ((n = getline(&line, &cap, f)) > 0) {
		cJSON *o;

		lineno++;
		if (line[n - 1] != '\n')
			break; /* a line cut short by the interruption */
		o = cJSON_Parse(line);
		if (!o)
			break;
		if (lineno == 1) {
			if (header_matches(d, o, path, 1, err))
				rc = -1;
			cJSON_Delete(o);
			if (rc)
				break;
			end += (long)n;
			continue;
		} else {
			const cJSON *ix = cJSON_GetObjectItemCaseSensitive(o, "index");
			cJSON *res = cJSON_DetachItemFromObjectCaseSensitive(o, "result");

			if (cJSON_IsNumber(ix) && res && ix->valuedouble >= 0 &&
			    ix->valuedouble < (double)d->total) {
				size_t i = (size_t)ix->valuedouble;

				/* values: the caller's grid fills them */
				if (d->points[i])
					cJSON_Delete(res);
				else
					d->points[i] = res;
			} else {
				cJSON_Delete(res);
			}
		}
		cJSON_Delete(o);
		end += (long)n;
	}
	free(line);
	fclose(f);
	*keep = rc ? 0 : end;
	return rc;
}

int
sweepfmt_parse(const char *s, sweepfmt *f)
{
	if (!strcmp(s, "table"))
		*f = SWEEP_TABLE;
	else if (!strcmp(s, "csv"))
		*f = SWEEP_CSV;
	else if (!strcmp(s, "json"))
		*f = SWEEP_JSON;
	else
		return -1;
	return 0;
}

void
sweepfmt_from_path(const char *path, sweepfmt *f)
{
	size_t n = strlen(path);

	if (n > 4 && !strcmp(path + n - 4, ".csv"))
		*f = SWEEP_CSV;
	else if (n > 5 && !strcmp(path + n - 5, ".json"))
		*f = SWEEP_JSON;
}
