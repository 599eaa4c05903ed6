/*
 * result-out: a result's three output formats, a k6-style table, JSON and
 * CSV.  The JSON nests by the name's segments: overall.latency_ms.p95
 * becomes
 * {"overall": {"latency_ms": {"p95": {"mean", "ci_low", "ci_high"}}}}.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "config/text.h"
#include "models/bottleneck.h"
#include "models/model.h"
#include "models/result-private.h"

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
		cs_resultp_metric_path(&r->metrics[i], buf, sizeof buf);
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
