/*
 * capsim import FILE... [--type T] [--format table|json] [--no-siblings]
 *
 * Show what capsim reads from load-test output: per file and per point the
 * users, duration, requests, throughput, percentiles, error rate and
 * errors by cause, then the endpoints.  Unknown numbers print as "-" (null
 * in JSON) and are listed.  Bytes that are not UTF-8 (GBK labels) print
 * as \xNN.
 */
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "calibration/import.h"
#include "config/text.h"
#include "cli/cli.h"
#include "cli/opts.h"
#include "cli/commands.h"

static const cs_cli_opt import_opts[] = {
	{ .name = "type", .val = 't', .arg = "TYPE",
	  .def = "detected from the name and content", .flags = CS_OPT_SHORT,
	  .values = "locust k6 k6-ndjson k6-csv jmeter measurements",
	  .help = "locust, k6, k6-ndjson, k6-csv, jmeter or measurements, for "
	          "every file" },
	{ .name = "format", .val = 'f', .arg = "F", .def = "table",
	  .flags = CS_OPT_SHORT, .values = "table json",
	  .help = "table or json" },
	{ .name = "no-siblings", .val = 'n',
	  .help = "read a Locust _stats.csv alone, without its "
	          "_stats_history.csv and _failures.csv" },
	CS_CLI_OPT_HELP,
	{ 0 }
};

const cs_cli_cmd cs_cli_cmd_import = {
	.name = "import", .args = "FILE...",
	.summary = "Show what capsim reads from load-test output: per file and "
	           "point the users, duration, requests, throughput, "
	           "percentiles, error rate and errors by cause, then the "
	           "endpoints.",
	.notes = "FILE: Locust --csv files, k6 --summary-export or "
	         "handleSummary JSON, k6 --out json or --out csv, JMeter JTL "
	         "(CSV or XML), or a measurements YAML file.",
	.example = "import lab2/data/c03_15u_pool5_2inst.jtl",
	.opts = import_opts, .main = cs_cmd_import,
};

/* s with control characters written as \xNN, and every byte >= 0x80 too
 * when s is not valid UTF-8 (JSON must be UTF-8); caller frees. */
static char *
safe(const char *s)
{
	const unsigned char *u = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)u), o = 0;
	char *out = malloc(4 * n + 1);
	bool utf8 = true;

	if (!out)
		return NULL;
	/* text in another encoding (GBK) is escaped byte for byte, not
	 * half-decoded where its bytes happen to look like UTF-8 */
	for (o = 0; u[o] && utf8; o += n)
		utf8 = (n = cs_text_utf8_len(u + o)) > 0;
	o = 0;
	while (*u) {
		size_t k = utf8 ? cs_text_utf8_len(u) : *u < 0x80;

		if (k == 1 && (*u < 0x20 || *u == 0x7F))
			k = 0;
		if (k) {
			memcpy(out + o, u, k);
			o += k;
			u += k;
		} else {
			o += (size_t)sprintf(out + o, "\\x%02X", *u);
			u++;
		}
	}
	out[o] = '\0';
	return out;
}

/* ---- table --------------------------------------------------------------- */

/* A number for the table: "-" when unknown. */
static const char *
num(char *buf, size_t size, double v, int decimals)
{
	if (isnan(v))
		return "-";
	snprintf(buf, size, "%.*f", decimals, v);
	return buf;
}

static const char *
ms(char *buf, size_t size, double v)
{
	return num(buf, size, v, isnan(v) || v >= 100 ? 0 : v >= 10 ? 1 : 2);
}

static const char *
pct(char *buf, size_t size, double v)
{
	if (isnan(v))
		return "-";
	snprintf(buf, size, v > 0 && v < 0.001 ? "%.3f%%" : "%.2f%%", 100 * v);
	return buf;
}

static void
print_safe(FILE *f, const char *fmt, const char *s)
{
	char *t = safe(s);

	fprintf(f, fmt, t ? t : "?");
	free(t);
}

static void
table_point(FILE *f, const cs_imp_point *p, size_t idx)
{
	char a[32], b[32], c[32], d[32], e[32], g[32];
	const char *unknown[16];
	size_t i, nu;

	fprintf(f, "  point %zu", idx + 1);
	if (p->name)
		print_safe(f, ": %s", p->name);
	fprintf(f, "  (%s, %s)\n", p->tool ? p->tool : "?",
	        p->format ? p->format : "?");
	for (i = 1; i < p->nsources; i++)
		print_safe(f, "    + %s\n", p->sources[i]);
	if (!isnan(p->arrival_rate))
		fprintf(f, "    arrival rate %s/s", num(a, sizeof a,
		                                        p->arrival_rate, 2));
	else
		fprintf(f, "    users %s", num(a, sizeof a, p->users, 0));
	fprintf(f, "   duration %s s   requests %s   failures %s   "
	        "throughput %s req/s\n", num(b, sizeof b, p->duration, 1),
	        num(c, sizeof c, p->requests, 0),
	        num(d, sizeof d, p->failures, 0),
	        num(e, sizeof e, p->throughput, 2));
	fprintf(f, "    latency ms: p50 %s  p90 %s  p95 %s  p99 %s",
	        ms(a, sizeof a, p->latency.p50), ms(b, sizeof b, p->latency.p90),
	        ms(c, sizeof c, p->latency.p95), ms(d, sizeof d, p->latency.p99));
	fprintf(f, "  max %s  mean %s\n", ms(e, sizeof e, p->latency.max),
	        ms(g, sizeof g, p->latency.mean));
	fprintf(f, "    error rate %s\n", pct(a, sizeof a, p->error_rate));
	if (p->ncauses) {
		fputs("    errors by cause:\n", f);
		for (i = 0; i < p->ncauses; i++) {
			char *n = safe(p->causes[i].name);

			fprintf(f, "      %-40s %s\n", n ? n : "?",
			        num(a, sizeof a, p->causes[i].count, 0));
			free(n);
		}
	}
	if (!isnan(p->util.app_cpu) || !isnan(p->util.db_cpu) ||
	    !isnan(p->util.pool_in_use) || !isnan(p->util.pool_waiters) ||
	    !isnan(p->util.cache_hit_ratio))
		fprintf(f, "    utilization: app cpu %s  db cpu %s  pool in use "
		        "%s  pool waiters %s  cache hits %s\n",
		        pct(a, sizeof a, p->util.app_cpu),
		        pct(b, sizeof b, p->util.db_cpu),
		        num(c, sizeof c, p->util.pool_in_use, 1),
		        num(d, sizeof d, p->util.pool_waiters, 1),
		        pct(e, sizeof e, p->util.cache_hit_ratio));
	if (!isnan(p->util.event_loop))
		fprintf(f, "    event loops busy: %s\n",
		        pct(a, sizeof a, p->util.event_loop));
	nu = cs_imp_point_unknown(p, unknown, 16);
	if (nu) {
		fputs("    unknown:", f);
		for (i = 0; i < nu && i < 16; i++)
			fprintf(f, "%s %s", i ? "," : "", unknown[i]);
		fputc('\n', f);
	}
	if (p->nendpoints) {
		fprintf(f, "    %-40s %9s %8s %9s %8s %8s %8s %8s\n", "endpoint",
		        "requests", "failures", "req/s", "p50", "p95", "p99",
		        "errors");
		for (i = 0; i < p->nendpoints; i++) {
			const cs_imp_endpoint *ep = &p->endpoints[i];
			char *n = safe(ep->name);
			char h[32];

			fprintf(f, "    %-40s %9s %8s %9s %8s %8s %8s %8s\n",
			        n ? n : "?", num(a, sizeof a, ep->requests, 0),
			        num(b, sizeof b, ep->failures, 0),
			        num(c, sizeof c, ep->throughput, 2),
			        ms(d, sizeof d, ep->latency.p50),
			        ms(e, sizeof e, ep->latency.p95),
			        ms(g, sizeof g, ep->latency.p99),
			        pct(h, sizeof h, ep->error_rate));
			free(n);
		}
	}
	for (i = 0; i < p->nnotes; i++)
		print_safe(f, "    note: %s\n", p->notes[i]);
}

static void
print_table(FILE *f, const cs_imp_set *set)
{
	const char *last = NULL;
	size_t i, k = 0;

	for (i = 0; i < set->n; i++) {
		const cs_imp_point *p = &set->points[i];

		if (!last || strcmp(last, p->source) != 0) {
			if (last)
				fputc('\n', f);
			print_safe(f, "%s\n", p->source);
			last = p->source;
			k = 0;
		}
		table_point(f, p, k++);
	}
}

/* ---- JSON ---------------------------------------------------------------- */

static bool
add_num(cJSON *o, const char *key, double v)
{
	cJSON *n = isnan(v) ? cJSON_CreateNull() : cJSON_CreateNumber(v);

	return n && cJSON_AddItemToObject(o, key, n);
}

static bool
add_str(cJSON *o, const char *key, const char *s)
{
	char *t;
	cJSON *n;

	if (!s)
		return cJSON_AddNullToObject(o, key) != NULL;
	t = safe(s);
	if (!t)
		return false;
	n = cJSON_CreateString(t);
	free(t);
	return n && cJSON_AddItemToObject(o, key, n);
}

static cJSON *
latency_json(const cs_imp_latency *l)
{
	cJSON *o = cJSON_CreateObject();

	if (!o || !add_num(o, "p50", l->p50) || !add_num(o, "p90", l->p90) ||
	    !add_num(o, "p95", l->p95) || !add_num(o, "p99", l->p99) ||
	    !add_num(o, "max", l->max) || !add_num(o, "mean", l->mean)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static bool
add_strings(cJSON *o, const char *key, char *const *v, size_t n)
{
	cJSON *a = cJSON_AddArrayToObject(o, key);
	size_t i;

	if (!a)
		return false;
	for (i = 0; i < n; i++) {
		char *t = safe(v[i]);
		cJSON *s = t ? cJSON_CreateString(t) : NULL;

		free(t);
		if (!s || !cJSON_AddItemToArray(a, s))
			return false;
	}
	return true;
}

static cJSON *
point_json(const cs_imp_point *p)
{
	cJSON *o = cJSON_CreateObject(), *c, *u, *a, *l;
	const char *unknown[16];
	size_t i, nu;

	if (!o)
		return NULL;
	if (!add_str(o, "source", p->source) ||
	    !add_strings(o, "sources", p->sources, p->nsources) ||
	    !add_str(o, "tool", p->tool) || !add_str(o, "format", p->format) ||
	    !add_str(o, "name", p->name) || !add_num(o, "users", p->users) ||
	    !add_num(o, "arrival_rate_rps", p->arrival_rate) ||
	    !add_num(o, "duration_s", p->duration) ||
	    !add_num(o, "requests", p->requests) ||
	    !add_num(o, "failures", p->failures) ||
	    !add_num(o, "throughput_rps", p->throughput))
		goto fail;
	l = latency_json(&p->latency);
	if (!l || !cJSON_AddItemToObject(o, "latency_ms", l)) {
		cJSON_Delete(l);
		goto fail;
	}
	if (!add_num(o, "error_rate", p->error_rate))
		goto fail;
	c = cJSON_AddObjectToObject(o, "errors_by_cause");
	if (!c)
		goto fail;
	for (i = 0; i < p->ncauses; i++) {
		char *t = safe(p->causes[i].name);
		bool ok = t && add_num(c, t, p->causes[i].count);

		free(t);
		if (!ok)
			goto fail;
	}
	u = cJSON_AddObjectToObject(o, "utilization");
	if (!u || !add_num(u, "app_cpu", p->util.app_cpu) ||
	    !add_num(u, "db_cpu", p->util.db_cpu) ||
	    !add_num(u, "pool_in_use", p->util.pool_in_use) ||
	    !add_num(u, "pool_waiters", p->util.pool_waiters) ||
	    !add_num(u, "cache_hit_ratio", p->util.cache_hit_ratio) ||
	    !add_num(u, "event_loop", p->util.event_loop))
		goto fail;
	a = cJSON_AddArrayToObject(o, "endpoints");
	if (!a)
		goto fail;
	for (i = 0; i < p->nendpoints; i++) {
		const cs_imp_endpoint *ep = &p->endpoints[i];
		cJSON *e = cJSON_CreateObject();

		if (!e || !cJSON_AddItemToArray(a, e))
			goto fail;
		if (!add_str(e, "name", ep->name) ||
		    !add_num(e, "requests", ep->requests) ||
		    !add_num(e, "failures", ep->failures) ||
		    !add_num(e, "throughput_rps", ep->throughput))
			goto fail;
		l = latency_json(&ep->latency);
		if (!l || !cJSON_AddItemToObject(e, "latency_ms", l)) {
			cJSON_Delete(l);
			goto fail;
		}
		if (!add_num(e, "error_rate", ep->error_rate))
			goto fail;
	}
	nu = cs_imp_point_unknown(p, unknown, 16);
	a = cJSON_AddArrayToObject(o, "unknown");
	if (!a)
		goto fail;
	for (i = 0; i < nu && i < 16; i++) {
		cJSON *s = cJSON_CreateString(unknown[i]);

		if (!s || !cJSON_AddItemToArray(a, s))
			goto fail;
	}
	if (!add_strings(o, "notes", p->notes, p->nnotes))
		goto fail;
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

static int
print_json(FILE *f, const cs_imp_set *set)
{
	cJSON *root = cJSON_CreateObject(), *a;
	char *text;
	size_t i;

	if (!root)
		return -1;
	a = cJSON_AddArrayToObject(root, "points");
	if (!a)
		goto fail;
	for (i = 0; i < set->n; i++) {
		cJSON *p = point_json(&set->points[i]);

		if (!p || !cJSON_AddItemToArray(a, p)) {
			cJSON_Delete(p);
			goto fail;
		}
	}
	text = cJSON_Print(root);
	if (!text)
		goto fail;
	fputs(text, f);
	fputc('\n', f);
	free(text);
	cJSON_Delete(root);
	return 0;
fail:
	cJSON_Delete(root);
	return -1;
}

/* ---- command ------------------------------------------------------------- */

static int
exit_of(cs_status s)
{
	switch (s) {
	case CS_OK:
		return CS_EXIT_OK;
	case CS_ERR_IO:
	case CS_ERR_PARSE:
	case CS_ERR_INVALID:
	case CS_ERR_USAGE:
		return CS_EXIT_INPUT;
	default:
		return CS_EXIT_FAIL;
	}
}

static int
usage_error(const char *fmt, const char *arg)
{
	fputs("capsim import: error: ", stderr);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	cs_cli_usage(&cs_cli_cmd_import, stderr);
	return CS_EXIT_INPUT;
}

int
cs_cmd_import(int argc, char **argv)
{
	cs_imp_opts opts = { CS_IMP_AUTO, 0 };
	cs_imp_set set;
	cs_error err;
	bool json = false;
	cs_status s;
	int c, rc;

	memset(&err, 0, sizeof err);
	optind = 0;     /* glibc: start over (the front end may parse twice) */
	while ((c = cs_cli_getopt(&cs_cli_cmd_import, argc, argv)) != -1) {
		switch (c) {
		case 't':
			if ((s = cs_imp_type_parse(optarg, &opts.type, &err)) ||
			    opts.type == CS_IMP_AUTO) {
				if (!s)
					break;
				return usage_error("%s", err.msg);
			}
			break;
		case 'f':
			if (!strcmp(optarg, "json"))
				json = true;
			else if (!strcmp(optarg, "table"))
				json = false;
			else
				return usage_error("--format must be table or "
				                   "json (got \"%s\")", optarg);
			break;
		case 'n':
			opts.no_siblings = 1;
			break;
		case 'h':
			cs_cli_help(&cs_cli_cmd_import, stdout);
			return CS_EXIT_OK;
		default:
			return cs_cli_bad_option(&cs_cli_cmd_import, c, argv);
		}
	}
	if (optind >= argc)
		return usage_error("%s", "no FILE given");

	cs_imp_set_init(&set);
	s = cs_imp_read_files((const char *const *)argv + optind,
	                      (size_t)(argc - optind), &opts, &set, &err);
	if (s) {
		cs_error_print(stderr, &err);
		cs_imp_set_destroy(&set);
		return exit_of(s);
	}
	if (json) {
		rc = print_json(stdout, &set) ? CS_EXIT_FAIL : CS_EXIT_OK;
		if (rc)
			fputs("capsim import: error: out of memory\n", stderr);
	} else {
		print_table(stdout, &set);
		rc = CS_EXIT_OK;
	}
	if (fflush(stdout)) {
		fputs("capsim import: error: cannot write the output\n", stderr);
		rc = CS_EXIT_FAIL;
	}
	cs_imp_set_destroy(&set);
	return rc;
}
