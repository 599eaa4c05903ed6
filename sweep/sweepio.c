/* Sweep documents: the document, its JSON, CSV and table writers, and the
 * resume journal's writing (reading back: sweep/sweepread.c). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sweep/sweepio.h"
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
