/*
 * calibration/import — points, sets, format detection, failure causes and
 * the small parsers every importer uses.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/text.h"
#include "calibration/import-private.h"

#define MAX_NOTES 64

/* ---- type names ---------------------------------------------------------- */

static const char *const type_names[] = {
	"auto", "locust", "k6", "k6-ndjson", "k6-csv", "jmeter",
	"measurements", NULL
};

const char *
cs_imp_type_name(cs_imp_type t)
{
	if ((int)t < 0 || t > CS_IMP_MEASUREMENTS)
		return "?";
	return type_names[t];
}

cs_status
cs_imp_type_parse(const char *s, cs_imp_type *out, cs_error *err)
{
	int i;

	for (i = 0; type_names[i]; i++)
		if (strcasecmp(s, type_names[i]) == 0) {
			*out = (cs_imp_type)i;
			return CS_OK;
		}
	if (strcasecmp(s, "k6-json") == 0 || strcasecmp(s, "k6-summary") == 0) {
		*out = CS_IMP_K6;
		return CS_OK;
	}
	if (strcasecmp(s, "jtl") == 0) {
		*out = CS_IMP_JMETER;
		return CS_OK;
	}
	return cs_error_set(err, CS_ERR_USAGE, "", 0, 0, "--type",
	                    "unknown type '%s' (choose locust, k6, k6-ndjson, "
	                    "k6-csv, jmeter or measurements)", s);
}

/* ---- points -------------------------------------------------------------- */

void
cs_imp_latency_unknown(cs_imp_latency *l)
{
	l->p50 = l->p90 = l->p95 = l->p99 = l->max = l->mean = NAN;
}

static char *
dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

cs_imp_point *
cs_imp_point_new(const char *source, const char *tool, const char *format)
{
	cs_imp_point *p = calloc(1, sizeof *p);

	if (!p)
		return NULL;
	p->users = p->arrival_rate = p->duration = NAN;
	p->requests = p->failures = p->throughput = p->error_rate = NAN;
	cs_imp_latency_unknown(&p->latency);
	p->util.app_cpu = p->util.db_cpu = p->util.pool_in_use = NAN;
	p->util.pool_waiters = p->util.cache_hit_ratio = NAN;
	p->util.event_loop = NAN;
	p->source = dup_or_null(source);
	p->tool = dup_or_null(tool);
	p->format = dup_or_null(format);
	if ((source && !p->source) || (tool && !p->tool) ||
	    (format && !p->format) ||
	    (source && cs_imp_add_source(p, source) != CS_OK)) {
		cs_imp_point_free(p);
		return NULL;
	}
	return p;
}

void
cs_imp_point_clear(cs_imp_point *p)
{
	size_t i;

	if (!p)
		return;
	free(p->source);
	free(p->tool);
	free(p->format);
	free(p->name);
	for (i = 0; i < p->ncauses; i++)
		free(p->causes[i].name);
	free(p->causes);
	for (i = 0; i < p->nendpoints; i++)
		free(p->endpoints[i].name);
	free(p->endpoints);
	for (i = 0; i < p->nnotes; i++)
		free(p->notes[i]);
	free(p->notes);
	for (i = 0; i < p->nsources; i++)
		free(p->sources[i]);
	free(p->sources);
	memset(p, 0, sizeof *p);
}

void
cs_imp_point_free(cs_imp_point *p)
{
	if (!p)
		return;
	cs_imp_point_clear(p);
	free(p);
}

void
cs_imp_set_init(cs_imp_set *set)
{
	set->points = NULL;
	set->n = set->cap = 0;
}

void
cs_imp_set_destroy(cs_imp_set *set)
{
	size_t i;

	if (!set)
		return;
	for (i = 0; i < set->n; i++)
		cs_imp_point_clear(&set->points[i]);
	free(set->points);
	cs_imp_set_init(set);
}

cs_status
cs_imp_set_take(cs_imp_set *set, cs_imp_point *p)
{
	if (set->n == set->cap) {
		size_t ncap = set->cap ? 2 * set->cap : 8;
		cs_imp_point *np = realloc(set->points, ncap * sizeof *np);

		if (!np) {
			cs_imp_point_free(p);
			return CS_ERR_NOMEM;
		}
		set->points = np;
		set->cap = ncap;
	}
	set->points[set->n++] = *p;
	free(p);
	return CS_OK;
}

/* Grow an array of n elements of size sz to hold one more. */
static void *
grow(void *arr, size_t n, size_t sz)
{
	/* capacities are powers of two: grow when n is one */
	if (n == 0 || (n & (n - 1)) == 0)
		return realloc(arr, (n ? 2 * n : 1) * sz);
	return arr;
}

cs_status
cs_imp_note(cs_imp_point *p, const char *fmt, ...)
{
	char buf[1024];
	char **nn;
	va_list ap;

	if (p->nnotes >= MAX_NOTES)
		return CS_OK;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	nn = grow(p->notes, p->nnotes, sizeof *nn);
	if (!nn)
		return CS_ERR_NOMEM;
	p->notes = nn;
	p->notes[p->nnotes] = strdup(buf);
	if (!p->notes[p->nnotes])
		return CS_ERR_NOMEM;
	p->nnotes++;
	return CS_OK;
}

cs_status
cs_imp_add_source(cs_imp_point *p, const char *path)
{
	char **ns = grow(p->sources, p->nsources, sizeof *ns);

	if (!ns)
		return CS_ERR_NOMEM;
	p->sources = ns;
	p->sources[p->nsources] = strdup(path);
	if (!p->sources[p->nsources])
		return CS_ERR_NOMEM;
	p->nsources++;
	return CS_OK;
}

cs_status
cs_imp_add_cause(cs_imp_point *p, const char *name, double count)
{
	cs_imp_cause *nc;
	size_t i;

	for (i = 0; i < p->ncauses; i++)
		if (strcmp(p->causes[i].name, name) == 0) {
			p->causes[i].count += count;
			return CS_OK;
		}
	if (p->ncauses >= CS_IMP_MAX_CAUSES && strcmp(name, "other: (more)"))
		return cs_imp_add_cause(p, "other: (more)", count);
	nc = grow(p->causes, p->ncauses, sizeof *nc);
	if (!nc)
		return CS_ERR_NOMEM;
	p->causes = nc;
	p->causes[p->ncauses].name = strdup(name);
	if (!p->causes[p->ncauses].name)
		return CS_ERR_NOMEM;
	p->causes[p->ncauses].count = count;
	p->ncauses++;
	return CS_OK;
}

cs_imp_endpoint *
cs_imp_add_endpoint(cs_imp_point *p, const char *name)
{
	cs_imp_endpoint *ne, *e;

	ne = grow(p->endpoints, p->nendpoints, sizeof *ne);
	if (!ne)
		return NULL;
	p->endpoints = ne;
	e = &p->endpoints[p->nendpoints];
	memset(e, 0, sizeof *e);
	e->name = strdup(name ? name : "");
	if (!e->name)
		return NULL;
	e->requests = e->failures = e->throughput = e->error_rate = NAN;
	cs_imp_latency_unknown(&e->latency);
	p->nendpoints++;
	return e;
}

cs_imp_endpoint *
cs_imp_find_endpoint(cs_imp_point *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->nendpoints; i++)
		if (strcmp(p->endpoints[i].name, name) == 0)
			return &p->endpoints[i];
	return NULL;
}

/* |a - b| > tol * max(|a|, |b|) */
static bool
differs(double a, double b, double tol)
{
	double m = fabs(a) > fabs(b) ? fabs(a) : fabs(b);

	return fabs(a - b) > tol * m;
}

static cs_status
check_order(cs_imp_point *p, const cs_imp_latency *l, const char *what)
{
	static const char *const names[] = { "p50", "p90", "p95", "p99", "max" };
	double v[5];
	int i, j;

	v[0] = l->p50;
	v[1] = l->p90;
	v[2] = l->p95;
	v[3] = l->p99;
	v[4] = l->max;
	for (i = 0; i < 5; i++) {
		if (isnan(v[i]))
			continue;
		for (j = i + 1; j < 5; j++) {
			if (isnan(v[j]))
				continue;
			/* tools round percentiles (Locust to 2 digits) */
			if (v[j] < v[i] && differs(v[i], v[j], 0.05))
				return cs_imp_note(p, "%s%s %s (%g ms) is below %s "
				                   "(%g ms): percentiles must not "
				                   "decrease", what, *what ? ":" : "",
				                   names[j], v[j], names[i], v[i]);
		}
	}
	return CS_OK;
}

cs_status
cs_imp_point_finish(cs_imp_point *p)
{
	cs_status s = CS_OK;
	double sum, ep_req;
	size_t i, ep_known;

	/* derive what follows from what is known */
	if (isnan(p->throughput) && p->requests >= 0 && p->duration > 0) {
		p->throughput = p->requests / p->duration;
		s = cs_imp_note(p, "throughput derived: requests / duration");
	} else if (isnan(p->duration) && p->requests >= 0 &&
	           p->throughput > 0) {
		p->duration = p->requests / p->throughput;
		s = cs_imp_note(p, "duration derived: requests / throughput");
	} else if (isnan(p->requests) && p->throughput >= 0 &&
	           p->duration > 0) {
		p->requests = round(p->throughput * p->duration);
		s = cs_imp_note(p, "requests derived: throughput x duration");
	} else if (p->requests >= 0 && p->throughput >= 0 &&
	           p->duration > 0 &&
	           differs(p->requests, p->throughput * p->duration, 0.10)) {
		s = cs_imp_note(p, "inconsistent: %.0f requests in %.0f s is "
		                "%.4g req/s, but the throughput is %.4g req/s "
		                "(%.2fx)", p->requests, p->duration,
		                p->requests / p->duration, p->throughput,
		                p->requests / (p->throughput * p->duration));
	}
	if (s)
		return s;
	if (isnan(p->error_rate) && p->failures >= 0 && p->requests > 0) {
		p->error_rate = p->failures / p->requests;
	} else if (isnan(p->failures) && p->error_rate >= 0 &&
	           p->requests >= 0) {
		p->failures = round(p->error_rate * p->requests);
		s = cs_imp_note(p, "failures derived: error_rate x requests");
	} else if (p->failures >= 0 && p->requests > 0 &&
	           p->error_rate >= 0 &&
	           fabs(p->failures / p->requests - p->error_rate) >
	           0.1 * p->error_rate + 0.0005) {
		s = cs_imp_note(p, "inconsistent: %.0f failures in %.0f "
		                "requests is %.3g%%, but the error rate is "
		                "%.3g%%", p->failures, p->requests,
		                100 * p->failures / p->requests,
		                100 * p->error_rate);
	}
	if (s)
		return s;
	if (p->failures > p->requests && p->requests >= 0 &&
	    (s = cs_imp_note(p, "inconsistent: %.0f failures but only %.0f "
	                     "requests", p->failures, p->requests)))
		return s;

	/* causes vs failures */
	if (p->ncauses > 0) {
		sum = 0;
		for (i = 0; i < p->ncauses; i++)
			sum += p->causes[i].count;
		if (isnan(p->failures)) {
			p->failures = sum;
			if (p->requests > 0 && isnan(p->error_rate))
				p->error_rate = sum / p->requests;
			s = cs_imp_note(p, "failures derived: the sum of the "
			                "errors by cause");
		} else if (differs(sum, p->failures, 0.01) &&
		           fabs(sum - p->failures) >= 1) {
			s = cs_imp_note(p, "the errors by cause add up to %.0f, "
			                "but there are %.0f failures", sum,
			                p->failures);
		}
		if (s)
			return s;
	}

	/* endpoints */
	ep_req = 0;
	ep_known = 0;
	for (i = 0; i < p->nendpoints; i++) {
		cs_imp_endpoint *e = &p->endpoints[i];

		if (isnan(e->error_rate) && e->failures >= 0 && e->requests > 0)
			e->error_rate = e->failures / e->requests;
		if (isnan(e->failures) && e->error_rate >= 0 &&
		    e->requests >= 0)
			e->failures = round(e->error_rate * e->requests);
		if (isnan(e->throughput) && e->requests >= 0 &&
		    p->duration > 0)
			e->throughput = e->requests / p->duration;
		if (e->requests >= 0) {
			ep_req += e->requests;
			ep_known++;
		}
		if ((s = check_order(p, &e->latency, e->name)))
			return s;
	}
	/* only when every row has a count: a report may list a few */
	if (p->nendpoints > 0 && ep_known == p->nendpoints &&
	    p->requests > 0 && differs(ep_req, p->requests, 0.02) &&
	    (s = cs_imp_note(p, "the endpoints' requests add up to %.0f, "
	                     "but the total is %.0f", ep_req, p->requests)))
		return s;
	return check_order(p, &p->latency, "");
}

size_t
cs_imp_point_unknown(const cs_imp_point *p, const char **names, size_t max)
{
	struct { const char *name; double v; } f[] = {
		{ "users", p->users },
		{ "duration_s", p->duration },
		{ "requests", p->requests },
		{ "failures", p->failures },
		{ "throughput_rps", p->throughput },
		{ "latency_ms.p50", p->latency.p50 },
		{ "latency_ms.p90", p->latency.p90 },
		{ "latency_ms.p95", p->latency.p95 },
		{ "latency_ms.p99", p->latency.p99 },
		{ "latency_ms.max", p->latency.max },
		{ "latency_ms.mean", p->latency.mean },
		{ "error_rate", p->error_rate },
	};
	size_t i, n = 0;

	for (i = 0; i < sizeof f / sizeof f[0]; i++) {
		/* an open-model point has no users, and that is not unknown */
		if (i == 0 && !isnan(p->arrival_rate))
			continue;
		if (isnan(f[i].v)) {
			if (n < max)
				names[n] = f[i].name;
			n++;
		}
	}
	return n;
}

/* ---- text helpers -------------------------------------------------------- */

const char *
cs_imp_stristr(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	if (!hay)
		return NULL;
	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return hay;
	return n == 0 ? hay : NULL;
}


bool
cs_imp_utf8_valid(const char *s)
{
	return cs_text_utf8_valid(s);
}

const char *
cs_imp_printable(const char *s, char *buf, size_t size)
{
	const unsigned char *u = (const unsigned char *)(s ? s : "");
	/* text in another encoding (GBK) is escaped byte for byte, not
	 * half-decoded where its bytes happen to look like UTF-8 */
	bool utf8 = cs_imp_utf8_valid((const char *)u);
	size_t o = 0;

	if (size == 0)
		return buf;
	while (*u) {
		size_t n = utf8 ? cs_text_utf8_len(u) : *u < 0x80;
		char tmp[5];
		size_t tl;

		if (n == 1 && (*u < 0x20 || *u == 0x7F))
			n = 0;
		if (n) {
			memcpy(tmp, u, n);
			tl = n;
		} else {
			snprintf(tmp, sizeof tmp, "\\x%02X", *u);
			tl = 4;
			n = 1;
		}
		if (o + tl + 4 > size) {
			if (o + 4 <= size) {
				memcpy(buf + o, "...", 3);
				o += 3;
			}
			break;
		}
		memcpy(buf + o, tmp, tl);
		o += tl;
		u += n;
	}
	buf[o < size ? o : size - 1] = '\0';
	return buf;
}

bool
cs_imp_parse_num(const char *s, double *out)
{
	char *end;
	double v;

	if (!s)
		return false;
	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s)
		return false;
	/* strtod takes "nan", "inf" and hex: tools write none of them */
	if (!(isdigit((unsigned char)*s) || *s == '-' || *s == '+' ||
	      *s == '.'))
		return false;
	if (strchr(s, 'x') || strchr(s, 'X'))
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno == ERANGE)
		return false;
	while (*end == ' ' || *end == '\t')
		end++;
	if (*end || !isfinite(v))
		return false;
	*out = v;
	return true;
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static long
days_from_civil(long y, unsigned m, unsigned d)
{
	long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

/* Read exactly n digits. */
static bool
digits(const char **s, int n, long *out)
{
	long v = 0;
	int i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*s)[i]))
			return false;
		v = v * 10 + ((*s)[i] - '0');
	}
	*s += n;
	*out = v;
	return true;
}

bool
cs_imp_parse_time(const char *s, double unit_hint, double *out)
{
	const char *p;
	long Y, M, D, h, mi, sec;
	double frac = 0, t;

	while (*s == ' ')
		s++;
	for (p = s; isdigit((unsigned char)*p); p++)
		;
	if (p > s && (*p == '\0' || *p == '.' || *p == ' ')) {
		/* epoch number */
		double v, unit = unit_hint;
		size_t nd = (size_t)(p - s);

		if (!cs_imp_parse_num(s, &v))
			return false;
		if (unit <= 0)
			unit = nd >= 18 ? 1e9 : nd >= 15 ? 1e6 : nd >= 12 ? 1e3 : 1;
		*out = v / unit;
		return true;
	}
	p = s;
	if (!digits(&p, 4, &Y) || (*p != '-' && *p != '/'))
		return false;
	p++;
	if (!digits(&p, 2, &M) || (*p != '-' && *p != '/'))
		return false;
	p++;
	if (!digits(&p, 2, &D) || (*p != 'T' && *p != ' ' && *p != 't'))
		return false;
	p++;
	if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi) ||
	    *p++ != ':' || !digits(&p, 2, &sec))
		return false;
	if (M < 1 || M > 12 || D < 1 || D > 31 || h > 24 || mi > 59 ||
	    sec > 60)
		return false;
	if (*p == '.' || *p == ',') {
		double scale = 0.1;

		p++;
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p)) {
			frac += (*p - '0') * scale;
			scale /= 10;
			p++;
		}
	}
	t = (double)days_from_civil(Y, (unsigned)M, (unsigned)D) * 86400.0 +
	    (double)(h * 3600 + mi * 60 + sec) + frac;
	while (*p == ' ')
		p++;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1;
		long oh, om = 0;

		p++;
		if (!digits(&p, 2, &oh))
			return false;
		if (*p == ':')
			p++;
		if (isdigit((unsigned char)*p) && !digits(&p, 2, &om))
			return false;
		t -= sign * (double)(oh * 3600 + om * 60);
	}
	while (*p == ' ')
		p++;
	if (*p)
		return false;
	*out = t;
	return true;
}

double
cs_imp_users_from_name(const char *path)
{
	static const char *const units[] = {
		"users", "user", "vus", "vu", "threads", "clients", "client", "u",
		NULL
	};
	const char *base = strrchr(path, '/');
	const char *p;
	int i;

	base = base ? base + 1 : path;
	for (p = base; *p; p++) {
		const char *q;
		double v = 0;

		if (!isdigit((unsigned char)*p) ||
		    (p > base && isalnum((unsigned char)p[-1])))
			continue;
		for (q = p; isdigit((unsigned char)*q); q++)
			v = v * 10 + (*q - '0');
		if (*q == '_' || *q == '-')
			q++;
		for (i = 0; units[i]; i++) {
			size_t n = strlen(units[i]);

			if (strncasecmp(q, units[i], n) == 0 &&
			    !isalpha((unsigned char)q[n]))
				return v;
		}
	}
	return NAN;
}

/* ---- causes -------------------------------------------------------------- */

/* A 3-digit HTTP status in text ("502 Server Error", "HTTPError('404 ...",
 * "Response code: 503"), or 0. */
static int
status_in_text(const char *t)
{
	static const char *const marks[] = {
		" Client Error", " Server Error", NULL
	};
	const char *p;
	int i;

	for (i = 0; marks[i]; i++) {
		p = cs_imp_stristr(t, marks[i]);
		if (p && p - t >= 3 && isdigit((unsigned char)p[-1]) &&
		    isdigit((unsigned char)p[-2]) &&
		    isdigit((unsigned char)p[-3]) &&
		    (p - t == 3 || !isdigit((unsigned char)p[-4])))
			return (p[-3] - '0') * 100 + (p[-2] - '0') * 10 +
			       (p[-1] - '0');
	}
	/* a status on its own: "503 db pool timeout",
	 * "CatchResponseError('503 ...')", "HTTP 502", "status code: 429";
	 * three digits 400-599 between a start, space, quote, bracket or
	 * colon and an end, space, quote, bracket, comma or colon (not in a
	 * URL: /item/503 is preceded by a slash) */
	for (p = t; *p; p++) {
		int v;

		if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]) ||
		    !isdigit((unsigned char)p[2]))
			continue;
		if (p > t && !strchr(" '\"(:[", p[-1]))
			continue;
		if (p[3] && !strchr(" '\")]:,", p[3]))
			continue;
		v = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
		if (v >= 400 && v <= 599)
			return v;
	}
	return 0;
}

/* capsim's failure causes (models/model.h cs_cause_names). */
static const char *const cause_names[] = {
	"pool_timeout", "backlog_full", "client_timeout", "server_timeout",
	"upstream_timeout", "rate_limited", "upstream_error", "db_refused"
};
#define CS_IMP_NCAUSE_NAMES 8

const char *
cs_imp_classify(int status, const char *text, char *buf, size_t size)
{
	static const char *const conn[] = {
		"connection refused", "connectionrefused", "connection reset",
		"connectionreset", "remotedisconnected", "remote end closed",
		"broken pipe", "connection aborted", "connectionaborted",
		"connecterror", "connectexception", "connection error",
		"connectionerror", "nohttpresponse", "econnrefused",
		"econnreset", "socketexception", "unexpected eof",
		"connection closed", NULL
	};
	static const char *const tmo[] = {
		"timeout", "timed out", "time out", "time-out", NULL
	};
	const char *t = text ? text : "";
	char clean[96];
	const char *cut;
	size_t n;
	int i;

	/* a server that names capsim's own cause in its error body (as the
	 * lab's app does: "503 ... pool_timeout") is taken at its word */
	for (i = 0; i < CS_IMP_NCAUSE_NAMES; i++)
		if (cs_imp_stristr(t, cause_names[i])) {
			snprintf(buf, size, "%s", cause_names[i]);
			return buf;
		}
	if (status == 0)
		status = status_in_text(t);
	if (status == 429) {
		snprintf(buf, size, "rate_limited");
		return buf;
	}
	if (status >= 500 && status <= 599) {
		snprintf(buf, size, "server_error");
		return buf;
	}
	for (i = 0; tmo[i]; i++)
		if (cs_imp_stristr(t, tmo[i])) {
			snprintf(buf, size, "client_timeout");
			return buf;
		}
	for (i = 0; conn[i]; i++)
		if (cs_imp_stristr(t, conn[i])) {
			snprintf(buf, size, "connection_error");
			return buf;
		}
	if (status >= 400 && status <= 499) {
		snprintf(buf, size, "other: HTTP %d", status);
		return buf;
	}
	if (!*t) {
		if (status > 0)
			snprintf(buf, size, "other: HTTP %d", status);
		else
			snprintf(buf, size, "other: (no message)");
		return buf;
	}
	/* one cause per kind of failure, not per URL: cut the URL off */
	n = strlen(t);
	cut = cs_imp_stristr(t, " for url");
	if (cut)
		n = (size_t)(cut - t);
	if (n > 80)
		n = 80;
	if (n >= sizeof clean)
		n = sizeof clean - 1;
	memcpy(clean, t, n);
	clean[n] = '\0';
	snprintf(buf, size, "other: %s", clean);
	return buf;
}

/* ---- detection and reading ----------------------------------------------- */

cs_status
cs_imp_head(const char *path, char *buf, size_t size, size_t *len,
            cs_error *err)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	*len = 0;
	buf[0] = '\0';
	if (!f)
		return cs_error_set(err, CS_ERR_IO, path, 0, 0, NULL,
		                    "cannot open: %s", strerror(errno));
	n = fread(buf, 1, size - 1, f);
	if (ferror(f)) {
		fclose(f);
		return cs_error_set(err, CS_ERR_IO, path, 0, 0, NULL,
		                    "cannot read: %s", strerror(errno));
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return CS_OK;
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

cs_status
cs_imp_detect(const char *path, cs_imp_type *out, cs_error *err)
{
	char head[8192], line[2048];
	size_t len, i, ctrl = 0, n;
	const char *p;
	cs_status s;

	if ((s = cs_imp_head(path, head, sizeof head, &len, err)))
		return s;
	if (len == 0)
		return cs_error_set(err, CS_ERR_PARSE, path, 0, 0, NULL,
		                    "the file is empty");
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)head[i];

		if (c == 0)
			return cs_error_set(err, CS_ERR_PARSE, path, 0, 0, NULL,
			                    "binary data (a NUL byte at offset "
			                    "%zu): not load-test output", i);
		if (c < 0x20 && c != '\n' && c != '\r' && c != '\t')
			ctrl++;
	}
	if (ctrl * 20 > len)
		return cs_error_set(err, CS_ERR_PARSE, path, 0, 0, NULL,
		                    "binary data (%zu control bytes in the first "
		                    "%zu): not load-test output", ctrl, len);
	p = head;
	if (len >= 3 && (unsigned char)p[0] == 0xEF &&
	    (unsigned char)p[1] == 0xBB && (unsigned char)p[2] == 0xBF)
		p += 3;
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	/* first line */
	n = strcspn(p, "\r\n");
	if (n >= sizeof line)
		n = sizeof line - 1;
	memcpy(line, p, n);
	line[n] = '\0';

	if (ends_with(path, ".yaml") || ends_with(path, ".yml")) {
		*out = CS_IMP_MEASUREMENTS;
		return CS_OK;
	}
	if (*p == '{') {
		/* NDJSON: every line is a k6 Metric or Point object */
		if (strstr(line, "\"type\"") &&
		    (strstr(line, "\"Metric\"") || strstr(line, "\"Point\""))) {
			*out = CS_IMP_K6_NDJSON;
			return CS_OK;
		}
		*out = CS_IMP_K6;
		return CS_OK;
	}
	if (*p == '<') {
		if (strstr(head, "<testResults") || strstr(head, "<httpSample") ||
		    strstr(head, "<sample")) {
			*out = CS_IMP_JMETER;
			return CS_OK;
		}
		return cs_error_set(err, CS_ERR_PARSE, path, 1, 0, NULL,
		                    "XML but not a JMeter JTL (no <testResults>)");
	}
	if (cs_imp_stristr(line, "metric_name") &&
	    cs_imp_stristr(line, "metric_value")) {
		*out = CS_IMP_K6_CSV;
		return CS_OK;
	}
	if (cs_imp_stristr(line, "timeStamp") && cs_imp_stristr(line, "elapsed")) {
		*out = CS_IMP_JMETER;
		return CS_OK;
	}
	if (strstr(line, "Name") &&
	    (strstr(line, "# requests") || strstr(line, "Request Count") ||
	     strstr(line, "Occurrences") || strstr(line, "User Count") ||
	     strstr(line, "Requests/s") || strstr(line, "# failures"))) {
		*out = CS_IMP_LOCUST;
		return CS_OK;
	}
	if (strstr(line, "Traceback") && strstr(line, "Message")) {
		return cs_error_set(err, CS_ERR_PARSE, path, 1, 0, NULL,
		                    "a Locust _exceptions.csv holds no request "
		                    "counts: import the _stats.csv");
	}
	/* headerless JTL: epoch ms, elapsed, label, ... */
	if (isdigit((unsigned char)*p)) {
		size_t commas = 0;

		for (i = 0; line[i]; i++)
			commas += line[i] == ',';
		if (commas >= 12 && (strstr(line, ",true,") ||
		                     strstr(line, ",false,"))) {
			*out = CS_IMP_JMETER;
			return CS_OK;
		}
	}
	if (ends_with(path, ".jtl")) {
		*out = CS_IMP_JMETER;
		return CS_OK;
	}
	if (strncmp(p, "---", 3) == 0 || strncmp(p, "points:", 7) == 0 ||
	    strncmp(p, "system:", 7) == 0 || strncmp(p, "source:", 7) == 0 ||
	    *p == '#') {
		*out = CS_IMP_MEASUREMENTS;
		return CS_OK;
	}
	{
		char shown[80];

		return cs_error_set(err, CS_ERR_PARSE, path, 1, 0, NULL,
		                    "cannot tell which tool wrote this (first "
		                    "line \"%s\"); capsim reads Locust --csv, k6 "
		                    "JSON/NDJSON/CSV, JMeter JTL and measurements "
		                    "YAML; use --type to say which",
		                    cs_imp_printable(line, shown, sizeof shown));
	}
}

cs_status
cs_imp_read(const char *path, const cs_imp_opts *opts, cs_imp_set *set,
            cs_error *err)
{
	cs_imp_opts def = { CS_IMP_AUTO, 0 };
	cs_imp_type t;
	cs_status s;
	size_t before = set->n, i;

	if (err)
		err->msg[0] = '\0';
	if (!opts)
		opts = &def;
	t = opts->type;
	if (t == CS_IMP_AUTO && (s = cs_imp_detect(path, &t, err)))
		return s;
	switch (t) {
	case CS_IMP_LOCUST:
		s = cs_imp_locust_read(path, opts, set, err);
		break;
	case CS_IMP_K6:
		s = cs_imp_k6_summary_read(path, set, err);
		break;
	case CS_IMP_K6_NDJSON:
		s = cs_imp_k6_ndjson_read(path, set, err);
		break;
	case CS_IMP_K6_CSV:
		s = cs_imp_k6_csv_read(path, set, err);
		break;
	case CS_IMP_JMETER:
		s = cs_imp_jmeter_read(path, set, err);
		break;
	case CS_IMP_MEASUREMENTS:
		s = cs_imp_measure_read(path, set, err);
		break;
	default:
		return cs_error_set(err, CS_ERR_INTERNAL, path, 0, 0, NULL,
		                    "unknown import type %d", (int)t);
	}
	if (s) {
		/* nothing half-read stays behind */
		for (i = before; i < set->n; i++)
			cs_imp_point_clear(&set->points[i]);
		set->n = before;
		if (s == CS_ERR_NOMEM && err && !err->msg[0])
			cs_error_set(err, s, path, 0, 0, NULL, "out of memory");
	}
	return s;
}

cs_status
cs_imp_read_files(const char *const *paths, size_t n, const cs_imp_opts *opts,
                  cs_imp_set *set, cs_error *err)
{
	size_t i, j;
	cs_status s;

	for (i = 0; i < n; i++) {
		bool merged = false;

		/* a Locust sibling whose main file is also listed is merged
		 * into that file's point */
		if (!opts || !opts->no_siblings)
			for (j = 0; j < n && !merged; j++)
				if (j != i && cs_imp_locust_is_sibling_of(paths[i],
				                                          paths[j]))
					merged = true;
		if (merged)
			continue;
		if ((s = cs_imp_read(paths[i], opts, set, err)))
			return s;
	}
	return CS_OK;
}
