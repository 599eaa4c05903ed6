/*
 * k6 output: the end-of-test summary (--summary-export, or the data that
 * handleSummary() receives, written with JSON.stringify), and the raw
 * per-request outputs --out json (NDJSON) and --out csv.
 *
 * The summary is small and read whole with cJSON.  The raw outputs are
 * read one line at a time (lines capped at 1 MiB) and every request goes
 * into a cs_imp_agg, so memory does not depend on the file's size.
 *
 * Failures in the raw outputs come from the request's own tags, the way
 * k6 computes http_req_failed: expected_response == "false", or, from k6
 * versions without that tag, a status >= 400 or 0 (no response).  The
 * http_req_failed points are then only a cross-check.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "calibration/import-private.h"

#define MAX_SUMMARY (64L << 20)
#define MAX_LINE (1 << 20)

/* ---- shared -------------------------------------------------------------- */

/* A cause from k6's tags: status, error_code (k6 error codes: 1050 request
 * timeout, 1100s DNS, 1200s TCP, 1300s TLS, 1400s/1500s HTTP 4xx/5xx) and
 * the error text. */
static const char *
k6_cause(const char *status, const char *code, const char *error, char *buf,
         size_t size)
{
	double st = 0, ec = 0;

	if (status)
		cs_imp_parse_num(status, &st);
	if (code)
		cs_imp_parse_num(code, &ec);
	if (ec == 1050) {
		snprintf(buf, size, "client_timeout");
		return buf;
	}
	if (ec >= 1200 && ec < 1300) {
		snprintf(buf, size, "connection_error");
		return buf;
	}
	if (ec >= 1100 && ec < 1200) {
		snprintf(buf, size, "other: DNS error");
		return buf;
	}
	if (ec >= 1300 && ec < 1400) {
		snprintf(buf, size, "other: TLS error");
		return buf;
	}
	return cs_imp_classify((int)st, error, buf, size);
}

/* Did the request fail, from its tags? */
static bool
k6_failed(const char *status, const char *expected)
{
	double st;

	if (expected && *expected)
		return strcmp(expected, "false") == 0;
	if (!status || !*status || !cs_imp_parse_num(status, &st))
		return false;
	return st >= 400 || st == 0;
}

static cs_status
k6_request(cs_imp_agg *a, const char *name, double ms, double t_end,
           const char *status, const char *expected, const char *code,
           const char *error)
{
	cs_status s;

	if ((s = cs_imp_agg_request(a, name, ms, t_end - ms / 1000, t_end)))
		return s;
	if (k6_failed(status, expected)) {
		char cause[128];

		k6_cause(status, code, error, cause, sizeof cause);
		return cs_imp_agg_failure(a, name, cause);
	}
	return CS_OK;
}

/* Line and column of byte offset off in text. */
static void
position(const char *text, size_t off, int *line, int *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < off && text[i]; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

/* ---- summary ------------------------------------------------------------- */

typedef struct summary {
	const char *path;
	const char *text;  /* for line numbers in messages */
	bool values;       /* handleSummary shape: metrics.X.values */
} summary;

/* Line of the metric's key (and of key inside it, if given) in the text:
 * cJSON keeps no positions, so search for the quoted names. */
static int
line_of(const summary *sm, const char *metric, const char *key)
{
	char q[512];
	const char *p;
	int line, col;

	snprintf(q, sizeof q, "\"%s\"", metric);
	p = strstr(sm->text, q);
	if (!p)
		return 0;
	if (key) {
		const char *k;

		snprintf(q, sizeof q, "\"%s\"", key);
		k = strstr(p, q);
		if (k)
			p = k;
	}
	position(sm->text, (size_t)(p - sm->text), &line, &col);
	return line;
}

/* The object holding a metric's statistics, or NULL. */
static const cJSON *
stats_of(const summary *sm, const cJSON *metrics, const char *name)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(metrics, name);

	if (!cJSON_IsObject(m))
		return NULL;
	if (sm->values) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, "values");

		return cJSON_IsObject(v) ? v : NULL;
	}
	return m;
}

/* metrics.<name>.<key> as a number: NaN when absent; an error when it is
 * there but not a non-negative number. */
static cs_status
stat(const summary *sm, const cJSON *metrics, const char *name,
     const char *key, double *out, cs_error *err)
{
	const cJSON *o = stats_of(sm, metrics, name), *v;

	*out = NAN;
	if (!o)
		return CS_OK;
	v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!v)
		return CS_OK;
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) {
		char *txt = cJSON_PrintUnformatted(v);
		char shown[64];

		cs_imp_printable(txt ? txt : "?", shown, sizeof shown);
		free(txt);
		return cs_error_set(err, CS_ERR_INVALID, sm->path,
		                    line_of(sm, name, key), 0, NULL,
		                    "metrics.%s%s.%s must be a number, got %s",
		                    name, sm->values ? ".values" : "", key, shown);
	}
	if (v->valuedouble < 0)
		return cs_error_set(err, CS_ERR_INVALID, sm->path,
		                    line_of(sm, name, key), 0, NULL,
		                    "metrics.%s%s.%s must not be negative "
		                    "(got %g)", name,
		                    sm->values ? ".values" : "", key,
		                    v->valuedouble);
	*out = v->valuedouble;
	return CS_OK;
}

/* A trend's latency statistics (ms). */
static cs_status
trend(const summary *sm, const cJSON *metrics, const char *name,
      cs_imp_latency *l, cs_error *err)
{
	cs_status s;
	double v;

	cs_imp_latency_unknown(l);
	if ((s = stat(sm, metrics, name, "med", &l->p50, err)) ||
	    (s = stat(sm, metrics, name, "p(50)", &v, err)))
		return s;
	if (isnan(l->p50))
		l->p50 = v;
	if ((s = stat(sm, metrics, name, "p(90)", &l->p90, err)) ||
	    (s = stat(sm, metrics, name, "p(95)", &l->p95, err)) ||
	    (s = stat(sm, metrics, name, "p(99)", &l->p99, err)) ||
	    (s = stat(sm, metrics, name, "max", &l->max, err)) ||
	    (s = stat(sm, metrics, name, "avg", &l->mean, err)))
		return s;
	return CS_OK;
}

/* Notes for thresholds: --summary-export writes true for a threshold that
 * FAILED (k6 issue #1498); handleSummary data has {"ok": bool}. */
static cs_status
thresholds(const summary *sm, const cJSON *metrics, cs_imp_point *p)
{
	const cJSON *m, *ts, *t;
	cs_status s;

	cJSON_ArrayForEach(m, metrics) {
		ts = cJSON_GetObjectItemCaseSensitive(m, "thresholds");
		if (!cJSON_IsObject(ts))
			continue;
		cJSON_ArrayForEach(t, ts) {
			bool failed;

			if (cJSON_IsBool(t)) {
				failed = cJSON_IsTrue(t);
			} else if (cJSON_IsObject(t)) {
				const cJSON *ok =
					cJSON_GetObjectItemCaseSensitive(t, "ok");

				if (!cJSON_IsBool(ok))
					continue;
				failed = !cJSON_IsTrue(ok);
			} else {
				continue;
			}
			if ((s = cs_imp_note(p, "threshold %s '%s': %s", m->string,
			                     t->string,
			                     failed ? "failed" : "passed")))
				return s;
		}
	}
	(void)sm;
	return CS_OK;
}

/* Endpoints from submetrics "http_req_duration{name:X}" (k6 makes them
 * for thresholds on tagged metrics). */
static cs_status
sub_endpoints(const summary *sm, const cJSON *metrics, cs_imp_point *p,
              cs_error *err)
{
	static const char pre[] = "http_req_duration{";
	const cJSON *m;
	cs_status s;

	cJSON_ArrayForEach(m, metrics) {
		const char *k = m->string, *tag;
		char name[512], key[600];
		size_t n;
		cs_imp_endpoint *e;
		double v;

		if (!k || strncmp(k, pre, sizeof pre - 1) != 0)
			continue;
		tag = k + sizeof pre - 1;
		if (strncmp(tag, "name:", 5) == 0)
			tag += 5;
		else if (strncmp(tag, "url:", 4) == 0)
			tag += 4;
		else
			continue;
		n = strlen(tag);
		if (n == 0 || tag[n - 1] != '}' || n >= sizeof name ||
		    p->nendpoints >= CS_IMP_MAX_ENDPOINTS)
			continue;
		memcpy(name, tag, n - 1);
		name[n - 1] = '\0';
		e = cs_imp_add_endpoint(p, name);
		if (!e)
			return CS_ERR_NOMEM;
		if ((s = trend(sm, metrics, k, &e->latency, err)))
			return s;
		snprintf(key, sizeof key, "http_reqs{%s", k + sizeof pre - 1);
		if ((s = stat(sm, metrics, key, "count", &e->requests, err)) ||
		    (s = stat(sm, metrics, key, "rate", &e->throughput, err)))
			return s;
		snprintf(key, sizeof key, "http_req_failed{%s",
		         k + sizeof pre - 1);
		if ((s = stat(sm, metrics, key, sm->values ? "rate" : "value",
		              &v, err)))
			return s;
		e->error_rate = v;
	}
	return CS_OK;
}

static cs_status
read_all(const char *path, char **out, size_t *len, cs_error *err)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;

	*out = NULL;
	*len = 0;
	if (!f)
		return cs_error_set(err, CS_ERR_IO, path, 0, 0, NULL,
		                    "cannot open: %s", strerror(errno));
	for (;;) {
		size_t r;

		if (n + 65536 + 1 > cap) {
			size_t ncap = cap ? 2 * cap : 65536 + 1;
			char *nb;

			if (ncap > (size_t)MAX_SUMMARY + 65536 + 1) {
				free(buf);
				fclose(f);
				return cs_error_set(err, CS_ERR_PARSE, path, 0, 0,
				                    NULL, "over 64 MiB: too big for "
				                    "a k6 summary (for --out json "
				                    "output use --type k6-ndjson)");
			}
			nb = realloc(buf, ncap);
			if (!nb) {
				free(buf);
				fclose(f);
				return cs_error_set(err, CS_ERR_NOMEM, path, 0, 0,
				                    NULL, "out of memory");
			}
			buf = nb;
			cap = ncap;
		}
		r = fread(buf + n, 1, 65536, f);
		n += r;
		if (r < 65536)
			break;
	}
	if (ferror(f)) {
		free(buf);
		fclose(f);
		return cs_error_set(err, CS_ERR_IO, path, 0, 0, NULL,
		                    "read error");
	}
	fclose(f);
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return CS_OK;
}

/* Does the text end with an object or array still open (outside
 * strings)?  Then a parse error means the file was cut short. */
static bool
unclosed(const char *text, size_t len)
{
	long depth = 0;
	bool str = false;
	size_t i;

	for (i = 0; i < len; i++) {
		char c = text[i];

		if (str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				str = false;
			continue;
		}
		if (c == '"')
			str = true;
		else if (c == '{' || c == '[')
			depth++;
		else if (c == '}' || c == ']')
			depth--;
	}
	return depth > 0 || str;
}

static cs_status
json_error(const char *path, const char *text, size_t len, const char *at,
           int line_base, cs_error *err)
{
	int line = 1, col = 1;
	size_t off = at && at >= text ? (size_t)(at - text) : len;

	if (off > len)
		off = len;
	position(text, off, &line, &col);
	if (off >= len || text[off] == '\0' || unclosed(text, len))
		return cs_error_set(err, CS_ERR_PARSE, path, line + line_base,
		                    col, NULL, "not valid JSON: it ends too "
		                    "early (a truncated file?)");
	if (memchr(text, '\0', len))
		return cs_error_set(err, CS_ERR_PARSE, path, line + line_base,
		                    col, NULL, "not valid JSON: binary data");
	{
		char near[40];
		char frag[24];
		size_t n;

		/* cJSON stops inside a bad word: show it from its start */
		while (col > 1 && off > 0 &&
		       (isalnum((unsigned char)text[off - 1]) ||
		        text[off - 1] == '_')) {
			off--;
			col--;
		}
		n = strcspn(text + off, "\r\n");

		if (n >= sizeof frag)
			n = sizeof frag - 1;
		memcpy(frag, text + off, n);
		frag[n] = '\0';
		return cs_error_set(err, CS_ERR_PARSE, path, line + line_base,
		                    col, NULL, "not valid JSON near \"%s\"",
		                    cs_imp_printable(frag, near, sizeof near));
	}
}

cs_status
cs_imp_k6_summary_read(const char *path, cs_imp_set *set, cs_error *err)
{
	char *text;
	size_t len;
	cJSON *root;
	const cJSON *metrics, *m, *state;
	const char *end = NULL;
	cs_imp_point *p = NULL;
	summary sm;
	cs_status s;
	double v, passes, fails, rate, vmax, vus, dropped, cp, cf;
	double iters, iter_ms;

	if ((s = read_all(path, &text, &len, err)))
		return s;
	if (len == 0) {
		free(text);
		return cs_error_set(err, CS_ERR_PARSE, path, 0, 0, NULL,
		                    "the file is empty");
	}
	root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (!root) {
		s = json_error(path, text, len, end ? end : cJSON_GetErrorPtr(),
		               0, err);
		free(text);
		return s;
	}
	sm.path = path;
	sm.text = text;
	metrics = cJSON_GetObjectItemCaseSensitive(root, "metrics");
	if (!cJSON_IsObject(metrics)) {
		s = cs_error_set(err, CS_ERR_PARSE, path, 1, 1, NULL,
		                 "no \"metrics\" object: not a k6 summary "
		                 "(--summary-export or handleSummary JSON)");
		goto out;
	}
	/* handleSummary data nests each metric's numbers under "values" */
	m = cJSON_GetObjectItemCaseSensitive(metrics, "http_reqs");
	sm.values = cJSON_IsObject(m) &&
	            cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(m, "values"));
	if (!m) {
		s = cs_error_set(err, CS_ERR_INVALID, path, line_of(&sm,
		                 "metrics", NULL), 0, NULL,
		                 "no metrics.http_reqs: the test made no HTTP "
		                 "requests, or this is not a k6 summary");
		goto out;
	}
	p = cs_imp_point_new(path, "k6", sm.values ? "k6-handlesummary"
	                                           : "k6-summary-export");
	if (!p) {
		s = CS_ERR_NOMEM;
		goto out;
	}
	if ((s = stat(&sm, metrics, "http_reqs", "count", &p->requests, err)) ||
	    (s = stat(&sm, metrics, "http_reqs", "rate", &p->throughput, err)) ||
	    (s = trend(&sm, metrics, "http_req_duration", &p->latency, err)))
		goto out;
	if (isnan(p->requests)) {
		s = cs_error_set(err, CS_ERR_INVALID, path,
		                 line_of(&sm, "http_reqs", NULL), 0, NULL,
		                 "metrics.http_reqs has no \"count\"");
		goto out;
	}
	/* a Rate metric counts its non-zero samples as "passes": for
	 * http_req_failed those are the failed requests */
	if ((s = stat(&sm, metrics, "http_req_failed", "passes", &passes,
	              err)) ||
	    (s = stat(&sm, metrics, "http_req_failed", "fails", &fails, err)) ||
	    (s = stat(&sm, metrics, "http_req_failed",
	              sm.values ? "rate" : "value", &rate, err)))
		goto out;
	if (!isnan(passes)) {
		p->failures = passes;
		if (!isnan(fails) && passes + fails != p->requests &&
		    (s = cs_imp_note(p, "http_req_failed counts %.0f requests, "
		                     "http_reqs %.0f", passes + fails,
		                     p->requests)))
			goto out;
	} else if (!isnan(rate)) {
		p->error_rate = rate;
	} else if ((s = cs_imp_note(p, "no http_req_failed metric (k6 older "
	                            "than 0.31?): errors unknown"))) {
		goto out;
	}
	if (p->failures > 0 &&
	    (s = cs_imp_note(p, "errors by cause unknown: a k6 summary "
	                     "counts failed requests but not why")))
		goto out;
	if ((s = stat(&sm, metrics, "vus_max", "max", &vmax, err)) ||
	    (s = stat(&sm, metrics, "vus_max", "value", &v, err)))
		goto out;
	if (isnan(vmax))
		vmax = v;
	if ((s = stat(&sm, metrics, "vus", "max", &vus, err)))
		goto out;
	if (!isnan(vmax)) {
		p->users = vmax;
		s = cs_imp_note(p, "users: vus_max %.0f (the most VUs k6 "
		                "allocated)%s", vmax,
		                !isnan(vus) && vus != vmax ?
		                "; the 1 s samples of vus peaked lower" : "");
	} else if (!isnan(vus)) {
		p->users = vus;
		s = cs_imp_note(p, "users: the largest 1 s sample of vus");
	}
	if (s)
		goto out;
	state = cJSON_GetObjectItemCaseSensitive(root, "state");
	m = cJSON_GetObjectItemCaseSensitive(state, "testRunDurationMs");
	if (cJSON_IsNumber(m) && m->valuedouble > 0) {
		p->duration = m->valuedouble / 1000;
		if ((s = cs_imp_note(p, "duration: state.testRunDurationMs "
		                     "(the whole run)")))
			goto out;
	} else if (p->throughput > 0) {
		p->duration = p->requests / p->throughput;
		if ((s = cs_imp_note(p, "duration derived: http_reqs count / "
		                     "rate")))
			goto out;
	}
	if ((s = stat(&sm, metrics, "dropped_iterations", "count", &dropped,
	              err)))
		goto out;
	if (dropped > 0 &&
	    (s = cs_imp_note(p, "%.0f dropped iterations: the arrival-rate "
	                     "executor ran out of VUs", dropped)))
		goto out;
	/* iterations and their mean length: with the users, Little's law
	 * gives the think time per iteration */
	if ((s = stat(&sm, metrics, "iterations", "count", &iters, err)) ||
	    (s = stat(&sm, metrics, "iteration_duration", "avg", &iter_ms,
	              err)))
		goto out;
	if (!isnan(iters) && !isnan(iter_ms) &&
	    (s = cs_imp_note(p, "iterations: %.0f, mean iteration_duration "
	                     "%.1f ms", iters, iter_ms)))
		goto out;
	if ((s = stat(&sm, metrics, "checks", "passes", &cp, err)) ||
	    (s = stat(&sm, metrics, "checks", "fails", &cf, err)))
		goto out;
	if (!isnan(cp) && !isnan(cf) &&
	    (s = cs_imp_note(p, "checks: %.0f passed, %.0f failed", cp, cf)))
		goto out;
	if ((s = thresholds(&sm, metrics, p)) ||
	    (s = sub_endpoints(&sm, metrics, p, err)))
		goto out;
	if (isnan(p->latency.p99) &&
	    (s = cs_imp_note(p, "p99 unknown: add \"p(99)\" to "
	                     "summaryTrendStats to get it")))
		goto out;
	if ((s = cs_imp_point_finish(p)))
		goto out;
	s = cs_imp_set_take(set, p);
	p = NULL;
out:
	if (s == CS_ERR_NOMEM)
		cs_error_set(err, s, path, 0, 0, NULL, "out of memory");
	cs_imp_point_free(p);
	cJSON_Delete(root);
	free(text);
	return s;
}

/* ---- line reader --------------------------------------------------------- */

typedef struct lines {
	FILE *f;
	const char *path;
	char *buf;
	size_t cap;
	long line;
} lines;

/* Next line without its end; *got false at the end of the file. */
static cs_status
next_line(lines *l, size_t *len, bool *got, cs_error *err)
{
	size_t n = 0;
	int c;

	*got = false;
	for (;;) {
		c = getc(l->f);
		if (c == EOF) {
			if (ferror(l->f))
				return cs_error_set(err, CS_ERR_IO, l->path,
				                    (int)l->line + 1, 0, NULL,
				                    "read error");
			if (n == 0)
				return CS_OK;
			break;
		}
		if (c == '\n')
			break;
		if (c == 0)
			return cs_error_set(err, CS_ERR_PARSE, l->path,
			                    (int)l->line + 1, (int)n + 1, NULL,
			                    "NUL byte: binary data, not k6 output");
		if (n + 2 > l->cap) {
			size_t ncap = l->cap ? 2 * l->cap : 4096;
			char *nb;

			if (ncap > MAX_LINE + 2)
				return cs_error_set(err, CS_ERR_PARSE, l->path,
				                    (int)l->line + 1, 0, NULL,
				                    "line longer than 1 MiB: not "
				                    "k6 --out json output");
			nb = realloc(l->buf, ncap);
			if (!nb)
				return cs_error_set(err, CS_ERR_NOMEM, l->path, 0,
				                    0, NULL, "out of memory");
			l->buf = nb;
			l->cap = ncap;
		}
		l->buf[n++] = (char)c;
	}
	if (n > 0 && l->buf[n - 1] == '\r')
		n--;
	if (!l->buf) {
		l->buf = malloc(1);
		if (!l->buf)
			return cs_error_set(err, CS_ERR_NOMEM, l->path, 0, 0,
			                    NULL, "out of memory");
		l->cap = 1;
	}
	l->buf[n] = '\0';
	l->line++;
	*len = n;
	*got = true;
	return CS_OK;
}

/* ---- NDJSON -------------------------------------------------------------- */

static const char *
tag(const cJSON *tags, const char *name)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(tags, name);

	return cJSON_IsString(t) ? t->valuestring : NULL;
}

/*
 * The one point of raw k6 output (NDJSON or CSV) from its aggregate: an
 * error when no request was seen (what: "points" or "rows"; line: where
 * the file ended).  On success *out is the caller's to add or free.
 */
static cs_status
raw_point(cs_imp_agg *a, const char *path, const char *format, int line,
          const char *what, cs_imp_point **out, cs_error *err)
{
	cs_imp_point *p;
	cs_status s;

	*out = NULL;
	if (cs_imp_agg_requests(a) == 0)
		return cs_error_set(err, CS_ERR_INVALID, path, line, 0, NULL,
		                    "no http_req_duration %s: no HTTP requests "
		                    "in this k6 output", what);
	p = cs_imp_point_new(path, "k6", format);
	if (!p)
		return CS_ERR_NOMEM;
	*out = p;
	if ((s = cs_imp_agg_fill(a, p)))
		return s;
	if (!isnan(p->users))
		return cs_imp_note(p, "users: the largest vus_max sample");
	return CS_OK;
}

cs_status
cs_imp_k6_ndjson_read(const char *path, cs_imp_set *set, cs_error *err)
{
	lines l = { 0 };
	cs_imp_agg *a = NULL;
	cs_imp_point *p = NULL;
	cJSON *o = NULL;
	double failed_points = 0, reqs_points = 0;
	bool saw_failed = false, got;
	size_t len;
	cs_status s = CS_OK;

	l.path = path;
	l.f = fopen(path, "rb");
	if (!l.f)
		return cs_error_set(err, CS_ERR_IO, path, 0, 0, NULL,
		                    "cannot open: %s", strerror(errno));
	a = cs_imp_agg_new();
	if (!a) {
		s = CS_ERR_NOMEM;
		goto out;
	}
	for (;;) {
		const cJSON *type, *metric, *data, *tags, *value, *time;
		const char *end = NULL, *name;
		double t, v;

		if ((s = next_line(&l, &len, &got, err)))
			goto out;
		if (!got)
			break;
		if (len == 0)
			continue;
		o = cJSON_ParseWithLengthOpts(l.buf, len, &end, 0);
		if (!o) {
			s = json_error(path, l.buf, len,
			               end ? end : cJSON_GetErrorPtr(),
			               (int)l.line - 1, err);
			goto out;
		}
		type = cJSON_GetObjectItemCaseSensitive(o, "type");
		if (!cJSON_IsString(type)) {
			s = cs_error_set(err, CS_ERR_PARSE, path, (int)l.line, 1,
			                 NULL, "not a k6 --out json line (no "
			                 "\"type\": \"Metric\" or \"Point\")");
			goto out;
		}
		if (strcmp(type->valuestring, "Point") != 0) {
			cJSON_Delete(o);
			o = NULL;
			continue;
		}
		metric = cJSON_GetObjectItemCaseSensitive(o, "metric");
		data = cJSON_GetObjectItemCaseSensitive(o, "data");
		if (!cJSON_IsString(metric) || !cJSON_IsObject(data)) {
			s = cs_error_set(err, CS_ERR_PARSE, path, (int)l.line, 1,
			                 NULL, "a Point without \"metric\" or "
			                 "\"data\"");
			goto out;
		}
		value = cJSON_GetObjectItemCaseSensitive(data, "value");
		time = cJSON_GetObjectItemCaseSensitive(data, "time");
		tags = cJSON_GetObjectItemCaseSensitive(data, "tags");
		if (!cJSON_IsNumber(value) || !isfinite(value->valuedouble)) {
			s = cs_error_set(err, CS_ERR_INVALID, path, (int)l.line, 1,
			                 NULL, "%s point: data.value is not a "
			                 "number", metric->valuestring);
			goto out;
		}
		v = value->valuedouble;
		if (strcmp(metric->valuestring, "http_req_duration") == 0) {
			char shown[64];

			if (!cJSON_IsString(time) ||
			    !cs_imp_parse_time(time->valuestring, 0, &t)) {
				s = cs_error_set(err, CS_ERR_INVALID, path,
				                 (int)l.line, 1, NULL,
				                 "http_req_duration point: data.time "
				                 "is not a time: %s",
				                 cJSON_IsString(time) ?
				                 cs_imp_printable(time->valuestring,
				                                  shown, sizeof shown)
				                 : "(missing)");
				goto out;
			}
			if (v < 0) {
				s = cs_error_set(err, CS_ERR_INVALID, path,
				                 (int)l.line, 1, NULL,
				                 "http_req_duration must not be "
				                 "negative (got %g)", v);
				goto out;
			}
			name = tag(tags, "name");
			if (!name)
				name = tag(tags, "url");
			if ((s = k6_request(a, name ? name : "(unnamed)", v, t,
			                    tag(tags, "status"),
			                    tag(tags, "expected_response"),
			                    tag(tags, "error_code"),
			                    tag(tags, "error"))))
				goto out;
		} else if (strcmp(metric->valuestring, "http_req_failed") == 0) {
			saw_failed = true;
			failed_points += v != 0;
		} else if (strcmp(metric->valuestring, "http_reqs") == 0) {
			reqs_points += v;
		} else if (strcmp(metric->valuestring, "vus_max") == 0 ||
		           strcmp(metric->valuestring, "vus") == 0) {
			/* vus_max is what k6 allocated; vus only a 1 s sample */
			if (metric->valuestring[3] == '_')
				cs_imp_agg_users(a, v);
		}
		cJSON_Delete(o);
		o = NULL;
	}
	if ((s = raw_point(a, path, "k6-ndjson", (int)l.line, "points", &p,
	                   err)))
		goto out;
	if ((s = cs_imp_note(p, "percentiles from a log-bucket histogram "
	                     "(within 1%%); duration: first request start to "
	                     "last request end")))
		goto out;
	if (saw_failed && failed_points != p->failures &&
	    (s = cs_imp_note(p, "http_req_failed points count %.0f failures, "
	                     "the requests' tags %.0f", failed_points,
	                     p->failures)))
		goto out;
	if (reqs_points > 0 && reqs_points != p->requests &&
	    (s = cs_imp_note(p, "http_reqs points count %.0f requests, "
	                     "http_req_duration %.0f", reqs_points,
	                     p->requests)))
		goto out;
	if ((s = cs_imp_point_finish(p)))
		goto out;
	s = cs_imp_set_take(set, p);
	p = NULL;
out:
	if (s == CS_ERR_NOMEM)
		cs_error_set(err, s, path, 0, 0, NULL, "out of memory");
	cJSON_Delete(o);
	cs_imp_point_free(p);
	cs_imp_agg_free(a);
	free(l.buf);
	fclose(l.f);
	return s;
}

/* ---- CSV ----------------------------------------------------------------- */

cs_status
cs_imp_k6_csv_read(const char *path, cs_imp_set *set, cs_error *err)
{
	cs_imp_csv *c = NULL;
	cs_imp_agg *a = NULL;
	cs_imp_point *p = NULL;
	int cm, cts, cv, cname, curl, cst, cexp, ccode, cerr;
	bool got, coarse = true;
	double failed_rows = 0;
	cs_status s;

	if ((s = cs_imp_csv_open(path, ',', &c, err)))
		return s;
	if ((s = cs_imp_csv_header(c, err)))
		goto out;
	cm = cs_imp_csv_col(c, "metric_name");
	cts = cs_imp_csv_col(c, "timestamp");
	cv = cs_imp_csv_col(c, "metric_value");
	cname = cs_imp_csv_col(c, "name");
	curl = cs_imp_csv_col(c, "url");
	cst = cs_imp_csv_col(c, "status");
	cexp = cs_imp_csv_col(c, "expected_response");
	ccode = cs_imp_csv_col(c, "error_code");
	cerr = cs_imp_csv_col(c, "error");
	if (cm < 0 || cts < 0 || cv < 0) {
		s = cs_error_set(err, CS_ERR_PARSE, path, 1, 0, NULL,
		                 "missing required column '%s' in a k6 CSV "
		                 "(expected metric_name,timestamp,metric_value,"
		                 "...)", cm < 0 ? "metric_name" :
		                 cts < 0 ? "timestamp" : "metric_value");
		goto out;
	}
	a = cs_imp_agg_new();
	if (!a) {
		s = CS_ERR_NOMEM;
		goto out;
	}
	for (;;) {
		const char *m, *ts, *name;
		double t, v;

		if ((s = cs_imp_csv_next(c, &got, err)))
			goto out;
		if (!got)
			break;
		m = cs_imp_csv_field(c, cm);
		if (strcmp(m, "http_req_duration") == 0) {
			if ((s = cs_imp_csv_num(c, cv, false, false, &v, err)))
				goto out;
			ts = cs_imp_csv_field(c, cts);
			if (!cs_imp_parse_time(ts, 0, &t)) {
				s = cs_imp_csv_bad(c, err, CS_ERR_INVALID, cts,
				                   "is not a time stamp");
				goto out;
			}
			if (strchr(ts, '.') || strlen(ts) > 10)
				coarse = false;
			name = cname >= 0 ? cs_imp_csv_field(c, cname) : "";
			if (!*name && curl >= 0)
				name = cs_imp_csv_field(c, curl);
			if ((s = k6_request(a, *name ? name : "(unnamed)", v, t,
			                    cst >= 0 ? cs_imp_csv_field(c, cst) : NULL,
			                    cexp >= 0 ? cs_imp_csv_field(c, cexp) :
			                    NULL,
			                    ccode >= 0 ? cs_imp_csv_field(c, ccode) :
			                    NULL,
			                    cerr >= 0 ? cs_imp_csv_field(c, cerr) :
			                    NULL)))
				goto out;
		} else if (strcmp(m, "http_req_failed") == 0) {
			if ((s = cs_imp_csv_num(c, cv, false, false, &v, err)))
				goto out;
			failed_rows += v != 0;
		} else if (strcmp(m, "vus_max") == 0) {
			if ((s = cs_imp_csv_num(c, cv, false, false, &v, err)))
				goto out;
			cs_imp_agg_users(a, v);
		}
	}
	if ((s = raw_point(a, path, "k6-csv", cs_imp_csv_line(c), "rows", &p,
	                   err)))
		goto out;
	if ((s = cs_imp_note(p, "percentiles from a log-bucket histogram "
	                     "(within 1%%)")))
		goto out;
	if (coarse && (s = cs_imp_note(p, "time stamps have 1 s resolution: "
	                               "the duration may be off by 1 s (use "
	                               "K6_CSV_TIME_FORMAT=unix_milli)")))
		goto out;
	if (failed_rows != p->failures &&
	    (s = cs_imp_note(p, "http_req_failed rows count %.0f failures, the "
	                     "requests' tags %.0f", failed_rows, p->failures)))
		goto out;
	if ((s = cs_imp_point_finish(p)))
		goto out;
	s = cs_imp_set_take(set, p);
	p = NULL;
out:
	if (s == CS_ERR_NOMEM)
		cs_error_set(err, s, path, 0, 0, NULL, "out of memory");
	cs_imp_point_free(p);
	cs_imp_agg_free(a);
	cs_imp_csv_free(c);
	return s;
}
