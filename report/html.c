/*
 * report/html — one self-contained HTML page of a sweep: charts inlined as
 * SVG, tables, the bottleneck analysis and the scenario's text.  The page
 * has no scripts and loads nothing: it opens offline, from a mail
 * attachment as well as from disk.
 */
#include <libgen.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/text.h"
#include "report/report-private.h"

/* ---- escaping ------------------------------------------------------------ */


char *
cs_rep_html_escape(const char *s)
{
	const unsigned char *u = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)u), o = 0, k;
	/* the longest replacement, "&quot;", is 6 bytes for 1 */
	char *out = malloc(6 * n + 1);

	if (!out)
		return NULL;
	while (*u) {
		const char *rep = NULL;

		switch (*u) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		case '\t': case '\n': break;
		case '\r': rep = ""; break;   /* CRLF files show as LF */
		default:
			if (*u < 0x20 || *u == 0x7F)
				rep = "\xEF\xBF\xBD";
		}
		if (rep) {
			k = strlen(rep);
			memcpy(out + o, rep, k);
			o += k;
			u++;
			continue;
		}
		k = cs_text_utf8_len(u);
		if (k) {
			memcpy(out + o, u, k);
			o += k;
			u += k;
		} else {
			memcpy(out + o, "\xEF\xBF\xBD", 3);
			o += 3;
			u++;
		}
	}
	out[o] = '\0';
	return out;
}

/* Write s escaped. */
static void
esc(FILE *f, const char *s)
{
	char *e = cs_rep_html_escape(s);

	fputs(e ? e : "?", f);
	free(e);
}

/* ---- numbers ------------------------------------------------------------- */

static void
put_num(FILE *f, double v, int dec)
{
	if (isfinite(v))
		fprintf(f, "%.*f", dec, v);
	else
		fputs("&ndash;", f);
}

/* Decimals for a latency in ms: three significant digits up to 100. */
static int
ms_dec(double v)
{
	v = fabs(v);
	return v < 10 ? 2 : v < 100 ? 1 : 0;
}

/* "574<span class=ci>570&ndash;579</span>" */
static void
put_ci(FILE *f, const cs_rep_ci *c, double scale, int dec)
{
	put_num(f, c->mean * scale, dec);
	if (isfinite(c->lo) && isfinite(c->hi) && c->lo != c->hi) {
		fputs("<span class=\"ci\">", f);
		put_num(f, c->lo * scale, dec);
		fputs("&ndash;", f);
		put_num(f, c->hi * scale, dec);
		fputs("</span>", f);
	}
}

static void
td_metric(FILE *f, const cJSON *r, const char *path, double scale, int dec)
{
	cs_rep_ci c;

	fputs("<td class=\"n\">", f);
	if (cs_rep_metric(r, path, &c))
		fputs("&ndash;", f);
	else
		put_ci(f, &c, scale, dec < 0 ? ms_dec(c.mean) : dec);
	fputs("</td>", f);
}

/* ---- the pieces of the page ---------------------------------------------- */

static const char style[] =
	"body{font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,"
	"\"DejaVu Sans\",sans-serif;margin:0;color:#1d2330;background:#fff;"
	"line-height:1.45}\n"
	"main{max-width:1180px;margin:0 auto;padding:24px 28px 48px}\n"
	"h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:36px 0 10px;"
	"border-bottom:1px solid #dde1e8;padding-bottom:4px}\n"
	".sub{color:#5a6372;margin:0}\n"
	"dl.facts{display:grid;grid-template-columns:max-content 1fr;"
	"gap:2px 16px;margin:14px 0}dl.facts dt{color:#5a6372}dl.facts dd{margin:0}\n"
	"code,pre{font-family:\"DejaVu Sans Mono\",Menlo,Consolas,monospace;"
	"font-size:13px}\n"
	"pre{background:#f6f7f9;border:1px solid #e3e6eb;padding:12px;"
	"overflow-x:auto;white-space:pre}\n"
	".scroll{overflow-x:auto}\n"
	"table{border-collapse:collapse;font-size:13px;margin:6px 0}\n"
	"th,td{border-bottom:1px solid #e6e8ec;padding:4px 8px;text-align:left;"
	"vertical-align:top}\n"
	"th{background:#f3f5f8;font-weight:600;white-space:nowrap}\n"
	"td.n{text-align:right;white-space:nowrap;font-variant-numeric:"
	"tabular-nums}\n"
	".ci{display:block;color:#7a8391;font-size:11px}\n"
	".ok{color:#17703a}.unsure{color:#9a6400}.bad{color:#b3261e;"
	"font-weight:600}\n"
	"figure{margin:18px 0}figure svg{max-width:100%;height:auto;"
	"border:1px solid #e3e6eb}\n"
	"figcaption{color:#5a6372;font-size:13px}\n"
	"ul.findings li{margin:4px 0}\n"
	".note{background:#fff8e5;border-left:4px solid #e6a700;padding:6px 10px}\n"
	"footer{color:#7a8391;font-size:12px;margin-top:40px}\n";

/* The point's value of each varied path, "load.users=300, db.pool.size=20". */
static void
put_where(FILE *f, const cs_rep_doc *d, size_t i)
{
	size_t k;

	if (!d->ndims) {
		fputs("the run", f);
		return;
	}
	for (k = 0; k < d->ndims; k++) {
		if (k)
			fputs(", ", f);
		esc(f, d->paths[k]);
		fputc('=', f);
		esc(f, d->values[i * d->ndims + k]);
	}
}

/* What limits every point: the services' limits with its values applied. */
typedef struct limits {
	cs_rep_svc *svc;
	size_t n;
} limits;

static void
limits_free(limits *l, size_t n)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < n; i++)
		free(l[i].svc);
	free(l);
}

static limits *
limits_load(const cs_rep_doc *d, const char *scenario)
{
	limits *l = calloc(d->n + 1, sizeof *l);
	const char **sets = calloc(d->nsets + d->ndims + 1, sizeof *sets);
	char **own = calloc(d->ndims + 1, sizeof *own);
	size_t i, k;

	if (!l || !sets || !own) {
		free(l);
		l = NULL;
		goto out;
	}
	for (i = 0; scenario && i < d->n; i++) {
		cs_error err = { 0 };

		for (k = 0; k < d->nsets; k++)
			sets[k] = d->sets[k];
		for (k = 0; k < d->ndims; k++) {
			const char *v = d->values[i * d->ndims + k];

			free(own[k]);
			own[k] = malloc(strlen(d->paths[k]) + strlen(v) + 2);
			if (!own[k])
				continue;
			sprintf(own[k], "%s=%s", d->paths[k], v);
			sets[d->nsets + k] = own[k];
		}
		/* an unreadable file leaves the services out, nothing more */
		cs_rep_svc_load(scenario, sets, d->nsets + d->ndims, &l[i].svc,
		                &l[i].n, &err);
	}
out:
	if (own)
		for (k = 0; k < d->ndims; k++)
			free(own[k]);
	free(own);
	free(sets);
	return l;
}

/* The SLO terms a point misses (VIOLATES) or is unsure about. */
static cs_rep_verdict
judge(const cs_rep_slo *slo, const cJSON *r, char *which, size_t size)
{
	cs_rep_verdict worst = CS_REP_MEETS;
	size_t i, o = 0;

	which[0] = '\0';
	for (i = 0; i < slo->n; i++) {
		cs_rep_ci c;
		cs_rep_verdict v;

		if (cs_rep_metric(r, slo->terms[i].path, &c))
			continue;
		v = cs_rep_slo_judge(&slo->terms[i], &c);
		if (v > worst) {
			worst = v;
			o = 0;
			which[0] = '\0';
		}
		if (v == worst && v != CS_REP_MEETS && o < size)
			o += (size_t)snprintf(which + o, size - o, "%s%s",
			                      o ? ", " : "", slo->terms[i].name);
	}
	return worst;
}

static void
put_verdict(FILE *f, const cs_rep_slo *slo, const cJSON *r)
{
	char which[256];

	switch (judge(slo, r, which, sizeof which)) {
	case CS_REP_MEETS:
		fputs("<td class=\"ok\">meets</td>", f);
		break;
	case CS_REP_UNSURE:
		fputs("<td class=\"unsure\">unsure: ", f);
		esc(f, which);
		fputs("</td>", f);
		break;
	case CS_REP_VIOLATES:
		fputs("<td class=\"bad\">misses ", f);
		esc(f, which);
		fputs("</td>", f);
		break;
	}
}

/* The commonest error cause, "pool_timeout (81%)". */
static void
put_cause(FILE *f, const cJSON *r)
{
	const cJSON *by = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(r, "overall"), "errors_by_cause"), *c;
	const char *top = NULL;
	double best = 0, total = 0;

	cJSON_ArrayForEach(c, by) {
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(c, "mean");
		double v = cJSON_IsNumber(m) ? m->valuedouble : 0;

		total += v;
		if (v > best) {
			best = v;
			top = c->string;
		}
	}
	fputs("<td>", f);
	if (top) {
		esc(f, top);
		fprintf(f, " (%.0f%%)", 100 * best / total);
	} else {
		fputs("&ndash;", f);
	}
	fputs("</td>", f);
}

/* "DB pool 83% busy, 80 waiting"; without the name when named is false. */
static void
put_use(FILE *f, const cs_rep_use *u, bool named)
{
	size_t n = strlen(u->name);

	if (named) {
		esc(f, u->name);
		fputc(' ', f);
	}
	if (n >= 10 && !strcmp(u->name + n - 10, "rate limit"))
		fprintf(f, "%.0f%% of the limit", 100 * u->u);
	else
		fprintf(f, "%.0f%% busy", 100 * u->u);
	if (isfinite(u->queue) && u->queue >= 0.05)
		fprintf(f, ", %.*f waiting", u->queue < 10 ? 1 : 0, u->queue);
}

static void
points_table(FILE *f, const cs_rep_doc *d, const cs_rep_slo *slo,
             const limits *lim)
{
	size_t i, k;

	fputs("<div class=\"scroll\"><table id=\"points\">\n<thead><tr>", f);
	for (k = 0; k < d->ndims; k++) {
		fputs("<th>", f);
		esc(f, d->paths[k]);
		fputs("</th>", f);
	}
	fputs("<th>req/s</th><th>errors %</th><th>p50 ms</th><th>p95 ms</th>"
	      "<th>p99 ms</th><th>pool busy %</th><th>pool waiters</th>"
	      "<th>app workers %</th><th>app CPU %</th><th>DB CPU %</th>"
	      "<th>bottleneck</th><th>main error cause</th><th>SLO</th>"
	      "</tr></thead>\n<tbody>\n", f);
	for (i = 0; i < d->n; i++) {
		const cJSON *r = d->results[i];
		cs_rep_use bn;
		bool has = cs_rep_bottleneck(r, lim ? lim[i].svc : NULL,
		                             lim ? lim[i].n : 0, &bn);

		fputs("<tr>", f);
		for (k = 0; k < d->ndims; k++) {
			fputs("<td class=\"n\">", f);
			esc(f, d->values[i * d->ndims + k]);
			fputs("</td>", f);
		}
		td_metric(f, r, "overall.throughput_rps", 1, 1);
		td_metric(f, r, "overall.error_rate", 100, 2);
		td_metric(f, r, "overall.latency_ms.p50", 1, -1);
		td_metric(f, r, "overall.latency_ms.p95", 1, -1);
		td_metric(f, r, "overall.latency_ms.p99", 1, -1);
		td_metric(f, r, "resources.db_pool.utilization", 100, 0);
		td_metric(f, r, "resources.db_pool.waiters.mean", 1, 1);
		td_metric(f, r, "resources.app.worker_utilization", 100, 0);
		td_metric(f, r, "resources.app.cpu_utilization", 100, 0);
		td_metric(f, r, "resources.db.cpu_utilization", 100, 0);
		fputs("<td>", f);
		if (has)
			put_use(f, &bn, true);
		else
			fputs("&ndash;", f);
		fputs("</td>", f);
		put_cause(f, r);
		put_verdict(f, slo, r);
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table></div>\n", f);
}

/* x of a line's k-th point, as the sweep wrote it. */
static void
put_at(FILE *f, const cs_rep_doc *d, const cs_rep_x *x,
       const cs_rep_series *s, size_t k)
{
	if (x->dim >= 0) {
		esc(f, x->path);
		fputc('=', f);
		esc(f, d->values[s->point[k] * d->ndims + (size_t)x->dim]);
	} else {
		put_where(f, d, s->point[k]);
	}
}

/* For each line: the resource that saturates first, where the SLO is first
 * missed, and the last point that meets it. */
static cs_status
findings(FILE *f, const cs_rep_doc *d, const cs_rep_x *x,
         const cs_rep_slo *slo, const limits *lim, cs_error *err)
{
	cs_rep_y y = { "overall.throughput_rps", "throughput", CS_REP_RPS,
	               CS_REP_F_THROUGHPUT };
	cs_rep_series *s;
	size_t ns, g, k;
	cs_status st;

	if ((st = cs_rep_series_build(d, x, &y, &s, &ns, err)))
		return st;
	for (g = 0; g < ns; g++) {
		const cs_rep_series *l = &s[g];
		size_t sat = l->n, miss = l->n, last_ok = l->n;
		cs_rep_use bn, sat_use = { "", 0, NAN, 0 }, top = { "", 0, NAN, 0 };
		char which[256], miss_which[256] = "";

		for (k = 0; k < l->n; k++) {
			const cJSON *r = d->results[l->point[k]];
			bool has = cs_rep_bottleneck(r, lim ? lim[l->point[k]].svc :
			                             NULL, lim ? lim[l->point[k]].n : 0,
			                             &bn);
			cs_rep_verdict v = judge(slo, r, which, sizeof which);

			/* the bottleneck by the rule run, sweep and capacity use */
			if (sat == l->n && has && cs_rep_use_saturated(&bn)) {
				sat = k;
				sat_use = bn;
			}
			if (has)
				top = bn;
			if (v == CS_REP_VIOLATES && miss == l->n) {
				miss = k;
				snprintf(miss_which, sizeof miss_which, "%s", which);
			}
			if (v != CS_REP_VIOLATES && miss == l->n)
				last_ok = k;
		}
		fputs("<h3>", f);
		if (l->label[0])
			esc(f, l->label);
		else
			fputs("All points", f);
		fputs("</h3>\n<ul class=\"findings\">\n<li>", f);
		if (sat < l->n) {
			fputs("<b>", f);
			esc(f, sat_use.name);
			fputs("</b> saturates first, at ", f);
			put_at(f, d, x, l, sat);
			fputs(": ", f);
			put_use(f, &sat_use, false);
			fputs(".", f);
		} else if (top.name[0]) {
			fprintf(f, "No resource saturates (none reaches %.0f%% of "
			        "its capacity or has requests waiting); the busiest "
			        "at ", 100 * CS_REP_SATURATED);
			put_at(f, d, x, l, l->n - 1);
			fputs(" is ", f);
			put_use(f, &top, true);
			fputs(".", f);
		} else {
			fputs("The results give no utilization.", f);
		}
		fputs("</li>\n<li>", f);
		if (miss == 0) {
			fputs("The SLO is missed already at the first point, ", f);
			put_at(f, d, x, l, 0);
			fputs(" (", f);
			esc(f, miss_which);
			fputs(").", f);
		} else if (miss < l->n) {
			fputs("The SLO is first missed at <b>", f);
			put_at(f, d, x, l, miss);
			fputs("</b> (", f);
			esc(f, miss_which);
			fputs("); the last point before that meets it: ", f);
			put_at(f, d, x, l, last_ok);
			fputs(".", f);
		} else {
			fputs("The SLO is met at every point, up to ", f);
			put_at(f, d, x, l, l->n - 1);
			fputs(".", f);
		}
		fputs("</li>\n</ul>\n", f);
	}
	cs_rep_series_free(s, ns);
	return CS_OK;
}

static void
measured_table(FILE *f, const cs_imp_set *m)
{
	size_t i;

	fputs("<div class=\"scroll\"><table id=\"measured\">\n<thead><tr>"
	      "<th>point</th><th>source</th><th>users</th><th>req/s</th>"
	      "<th>errors %</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th>"
	      "<th>app CPU %</th><th>DB CPU %</th><th>pool in use</th>"
	      "<th>pool waiters</th></tr></thead>\n<tbody>\n", f);
	for (i = 0; i < m->n; i++) {
		const cs_imp_point *p = &m->points[i];
		const char *b = strrchr(p->source, '/');

		fputs("<tr><td>", f);
		if (p->name)
			esc(f, p->name);
		else
			fprintf(f, "%zu", i + 1);
		fputs("</td><td>", f);
		esc(f, b ? b + 1 : p->source);
		fputs("</td><td class=\"n\">", f);
		put_num(f, p->users, 0);
		fputs("</td><td class=\"n\">", f);
		put_num(f, p->throughput, 1);
		fputs("</td><td class=\"n\">", f);
		put_num(f, 100 * p->error_rate, 2);
		fputs("</td><td class=\"n\">", f);
		put_num(f, p->latency.p50, ms_dec(p->latency.p50));
		fputs("</td><td class=\"n\">", f);
		put_num(f, p->latency.p95, ms_dec(p->latency.p95));
		fputs("</td><td class=\"n\">", f);
		put_num(f, p->latency.p99, ms_dec(p->latency.p99));
		fputs("</td><td class=\"n\">", f);
		put_num(f, 100 * p->util.app_cpu, 0);
		fputs("</td><td class=\"n\">", f);
		put_num(f, 100 * p->util.db_cpu, 0);
		fputs("</td><td class=\"n\">", f);
		put_num(f, p->util.pool_in_use, 1);
		fputs("</td><td class=\"n\">", f);
		put_num(f, p->util.pool_waiters, 1);
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody></table></div>\n", f);
}

static cs_status
charts(FILE *f, const cs_rep_doc *d, const cs_rep_html_opts *o,
       const cs_rep_slo *slo, cs_error *err)
{
	static const struct { const char *y, *caption; } which[] = {
		{ "p50,p95,p99", "Latency percentiles" },
		{ "throughput", "Throughput" },
		{ "error_rate", "Error rate" },
	};
	size_t i;

	for (i = 0; i < sizeof which / sizeof which[0]; i++) {
		cs_rep_y y[CS_REP_Y_MAX];
		cs_rep_chart_opts co = { 0 };
		cs_rep_chart *c;
		char *svg, id[16];
		size_t ny;
		cs_status s;

		if ((s = cs_rep_y_parse(which[i].y, NULL, y, CS_REP_Y_MAX, &ny, err)))
			return s;
		co.x = o->x;
		co.y = y;
		co.ny = ny;
		co.measured = o->measured;
		co.slo = slo;
		co.width = 1000;
		co.height = 560;
		if ((s = cs_rep_chart_new(d, &co, &c, err)))
			return s;
		snprintf(id, sizeof id, "c%zu-", i + 1);
		s = cs_rep_chart_svg(c, id, &svg, err);
		if (s) {
			cs_rep_chart_free(c);
			return s;
		}
		fprintf(f, "<figure id=\"chart-%zu\">\n%s\n<figcaption>", i + 1, svg);
		esc(f, which[i].caption);
		fputs(cs_rep_chart_logy(c) ? " (logarithmic axis)" : "", f);
		fputs(cs_rep_doc_has_pi(d) ? ". Shaded bands: 90% prediction "
		      "intervals (a calibrated scenario: where a real test "
		      "should land)." : ". Shaded bands: 95% confidence "
		      "intervals.", f);
		if (cs_rep_chart_nlimits(c))
			fputs(" Dashed red lines: the SLO.", f);
		if (cs_rep_chart_note(c)) {
			fputs(" Note: ", f);
			esc(f, cs_rep_chart_note(c));
			fputc('.', f);
		}
		fputs("</figcaption>\n</figure>\n", f);
		free(svg);
		cs_rep_chart_free(c);
	}
	return CS_OK;
}

/* The scenario file: the one given, else the document's as written, else
 * beside the document.  NULL if none can be read; caller frees. */
static char *
find_scenario(const cs_rep_doc *d, const char *given)
{
	char *dir, *cand;

	if (given)
		return access(given, R_OK) ? NULL : strdup(given);
	if (!d->scenario || !d->scenario[0])
		return NULL;
	if (!access(d->scenario, R_OK))
		return strdup(d->scenario);
	if (d->scenario[0] == '/' || !(dir = strdup(d->file)))
		return NULL;
	cand = malloc(strlen(d->file) + strlen(d->scenario) + 2);
	if (cand) {
		sprintf(cand, "%s/%s", dirname(dir), d->scenario);
		if (access(cand, R_OK)) {
			free(cand);
			cand = NULL;
		}
	}
	free(dir);
	return cand;
}

cs_status
cs_rep_html_write(const cs_rep_doc *d, const cs_rep_html_opts *o, FILE *f,
                  cs_error *err)
{
	cs_rep_slo slo_default;
	const cs_rep_slo *slo = o->slo;
	char *scen = find_scenario(d, o->scenario), *text = NULL;
	limits *lim = NULL;
	cs_error e2 = { 0 };
	cs_rep_x x;
	size_t i;
	cs_status s;
	char lbuf[512];
	const char *label;

	if (!slo) {
		cs_rep_slo_parse("p95<400ms,error_rate<1%", &slo_default, NULL);
		slo = &slo_default;
	}
	if ((s = cs_rep_x_resolve(d, o->x, &x, err)))
		goto out;
	if (scen && cs_rep_slurp(scen, &text, &e2)) {
		free(scen);
		scen = NULL;
	}
	lim = limits_load(d, scen);

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	      "<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, "
	      "initial-scale=1\">\n<title>capsim report: ", f);
	label = cs_rep_doc_label(d, lbuf, sizeof lbuf);
	esc(f, label ? label : d->file);
	fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n",
	        style);
	fputs("<h1>capsim report</h1>\n<p class=\"sub\">", f);
	esc(f, label ? label : "(unnamed scenario)");
	fputs("</p>\n<dl class=\"facts\">\n<dt>results</dt><dd><code>", f);
	esc(f, d->file);
	fputs("</code></dd>\n<dt>scenario</dt><dd><code>", f);
	esc(f, d->scenario ? d->scenario : "?");
	fputs("</code></dd>\n", f);
	if (d->nsets) {
		fputs("<dt>fixed settings</dt><dd>", f);
		for (i = 0; i < d->nsets; i++) {
			fputs(i ? ", <code>" : "<code>", f);
			esc(f, d->sets[i]);
			fputs("</code>", f);
		}
		fputs("</dd>\n", f);
	}
	fputs("<dt>varied</dt><dd>", f);
	if (!d->ndims)
		fputs("nothing (a single run)", f);
	for (i = 0; i < d->ndims; i++) {
		fputs(i ? ", <code>" : "<code>", f);
		esc(f, d->paths[i]);
		fputs("</code>", f);
	}
	fprintf(f, "</dd>\n<dt>points</dt><dd>%zu of %zu", d->n, d->total);
	if (d->precision > 0 && d->reps_max)
		fprintf(f, "</dd>\n<dt>replications</dt><dd>%u to %u per point "
		        "(--precision %g%%: each point until its CIs were "
		        "within that), seed %llu (the same at every point)"
		        "</dd>\n<dt>SLO</dt><dd>", d->reps_min, d->reps_max,
		        100 * d->precision, d->seed);
	else
		fprintf(f, "</dd>\n<dt>replications</dt><dd>%u per point, seed "
		        "%llu (the same at every point)</dd>\n<dt>SLO</dt><dd>",
		        d->replications, d->seed);
	for (i = 0; i < slo->n; i++) {
		fputs(i ? ", " : "", f);
		esc(f, slo->terms[i].text);
	}
	fputs(o->slo ? "" : " (the default; set it with --slo)", f);
	fputs("</dd>\n</dl>\n", f);

	fputs("<section id=\"analysis\">\n<h2>Bottlenecks and the SLO</h2>\n", f);
	fprintf(f, "<p>A resource is saturated at %.0f%% of its capacity, or "
	        "when requests wait for it (a DB pool's waiters, the app's "
	        "backlog). "
	        "A point misses the SLO when a term's mean does; it is unsure "
	        "when only its 95%% confidence interval crosses the limit.</p>\n",
	        100 * CS_REP_SATURATED);
	if (!scen)
		fputs("<p class=\"note\">The scenario file could not be read, so "
		      "the services' limits are not known: their concurrency and "
		      "rate limits are left out. Give the file with "
		      "--scenario.</p>\n", f);
	if ((s = findings(f, d, &x, slo, lim, err)))
		goto out;
	fputs("</section>\n", f);

	if (o->charts && d->n == 1)
		fputs("<p>One point: no curves to draw (capsim plot draws it "
		      "with its confidence interval and the measured points)."
		      "</p>\n", f);
	if (o->charts && d->n > 1) {
		fputs("<section id=\"charts\">\n<h2>Charts</h2>\n", f);
		if ((s = charts(f, d, o, slo, err)))
			goto out;
		fputs("</section>\n", f);
	}

	fputs("<section id=\"points-section\">\n<h2>Points</h2>\n<p>Each "
	      "number is the mean over the replications; below it in grey, "
	      "its 95% confidence interval.</p>\n", f);
	points_table(f, d, slo, lim);
	fputs("</section>\n", f);

	if (o->measured && o->measured->n) {
		fputs("<section id=\"measured-section\">\n<h2>Measured</h2>\n", f);
		measured_table(f, o->measured);
		fputs("</section>\n", f);
	}

	fputs("<section id=\"scenario\">\n<h2>Scenario</h2>\n", f);
	if (text) {
		fputs("<p><code>", f);
		esc(f, scen);
		fputs("</code>", f);
		if (d->nsets)
			fputs(", with the fixed settings above", f);
		fputs("; each point sets its varied values on top.</p>\n<pre>", f);
		esc(f, text);
		fputs("</pre>\n", f);
	} else {
		fputs("<p class=\"note\">The scenario file <code>", f);
		esc(f, d->scenario ? d->scenario : "?");
		fputs("</code> could not be read.</p>\n", f);
	}
	fputs("</section>\n<footer>Made by ", f);
	esc(f, o->generator ? o->generator : "capsim");
	fputs(". This page needs nothing from the network.</footer>\n"
	      "</main>\n</body>\n</html>\n", f);
	s = ferror(f) ? cs_error_set(err, CS_ERR_IO, "", 0, 0, "",
	                             "cannot write the page") : CS_OK;
out:
	limits_free(lim, d->n);
	free(text);
	free(scen);
	return s;
}
