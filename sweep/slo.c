/* SLO terms: parsing and checking against a run's result. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/conf.h"
#include "sweep/slo.h"

static const struct alias {
	const char *name;
	const char *path;
	int kind; /* 0 latency (needs a unit), 1 ratio, 2 plain number */
} aliases[] = {
	{ "p50", "overall.latency_ms.p50", 0 },
	{ "p90", "overall.latency_ms.p90", 0 },
	{ "p95", "overall.latency_ms.p95", 0 },
	{ "p99", "overall.latency_ms.p99", 0 },
	{ "max", "overall.latency_ms.max", 0 },
	{ "mean", "overall.latency_ms.mean", 0 },
	{ "ok_p50", "overall.latency_ok_ms.p50", 0 },
	{ "ok_p95", "overall.latency_ok_ms.p95", 0 },
	{ "ok_p99", "overall.latency_ok_ms.p99", 0 },
	{ "error_rate", "overall.error_rate", 1 },
	{ "errors", "overall.error_rate", 1 },
	{ "throughput", "overall.throughput_rps", 2 },
	{ "rps", "overall.throughput_rps", 2 },
};

static cs_status
bad(cs_error *err, const char *term, const char *why)
{
	return cs_error_set(err, CS_ERR_USAGE, "--slo", 0, 0, term, "%s", why);
}

static cs_status
term(const char *s, cs_slo_term *t, cs_error *err)
{
	char name[64], unit[16], *end;
	const char *op;
	size_t n, k;
	double v;
	int kind = 2;

	snprintf(t->text, sizeof t->text, "%.63s", s);
	op = strpbrk(s, "<>");
	if (!op)
		return bad(err, s, "a term is NAME<LIMIT or NAME>LIMIT, e.g. "
		           "p95<400ms, error_rate<1%, throughput>100");
	n = (size_t)(op - s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	if (n == 0 || n >= sizeof name)
		return bad(err, s, "missing the metric name before < or >");
	memcpy(name, s, n);
	name[n] = 0;
	t->less = *op == '<';
	op++;
	if (*op == '=')
		op++;
	while (isspace((unsigned char)*op))
		op++;
	snprintf(t->metric, sizeof t->metric, "%s", name);
	for (k = 0; k < sizeof aliases / sizeof aliases[0]; k++)
		if (!strcmp(name, aliases[k].name)) {
			snprintf(t->metric, sizeof t->metric, "%s", aliases[k].path);
			kind = aliases[k].kind;
			break;
		}
	if (k == sizeof aliases / sizeof aliases[0] && !strchr(name, '.')) {
		const char *names[sizeof aliases / sizeof aliases[0] + 1];
		const char *near;

		for (k = 0; k < sizeof aliases / sizeof aliases[0]; k++)
			names[k] = aliases[k].name;
		names[k] = NULL;
		near = cs_conf_suggest(name, names);
		return cs_error_set(err, CS_ERR_USAGE, "--slo", 0, 0, s,
		    "unknown metric%s%s%s: use p50, p90, p95, p99, max, mean, "
		    "ok_p95, error_rate, throughput, or a result path like "
		    "resources.db_pool.utilization", near ? " (did you mean \"" : "",
		    near ? near : "", near ? "\"?)" : "");
	}
	v = strtod(op, &end);
	if (end == op || !isfinite(v))
		return bad(err, s, "the limit is not a number");
	while (isspace((unsigned char)*end))
		end++;
	{
		/* trailing blanks are not part of the unit */
		size_t u = strlen(end);

		while (u > 0 && isspace((unsigned char)end[u - 1]))
			u--;
		if (u >= sizeof unit)
			return bad(err, s, "unexpected text after the limit");
		memcpy(unit, end, u);
		unit[u] = 0;
		end = unit;
	}
	if (kind == 0) {
		if (!strcmp(end, "ms"))
			;
		else if (!strcmp(end, "s"))
			v *= 1e3;
		else if (!strcmp(end, "us"))
			v /= 1e3;
		else
			return bad(err, s, "a latency limit needs a unit: 400ms or 1.5s");
	} else if (kind == 1) {
		if (!strcmp(end, "%")) {
			v /= 100;
			if (v > 1)
				return bad(err, s, "a percentage is at most 100%");
		} else if (*end)
			return bad(err, s, "an error rate limit is a percentage (1%) "
			           "or a ratio (0.01)");
		else if (v > 1)
			return bad(err, s, "a bare error rate is a ratio from 0 to 1: "
			           "write 5% for five percent");
	} else if (*end && strcmp(end, "/s")) {
		return bad(err, s, "unexpected text after the limit");
	}
	if (v < 0)
		return bad(err, s, "the limit must be >= 0");
	t->limit = v;
	return CS_OK;
}

cs_status
cs_slo_parse(const char *text, cs_slo *out, cs_error *err)
{
	char buf[1024], *p, *save;
	cs_status s;

	memset(out, 0, sizeof *out);
	if (!text || strlen(text) >= sizeof buf)
		return bad(err, "", "the SLO is empty or too long");
	snprintf(buf, sizeof buf, "%s", text);
	for (p = buf;; p = save + 1) {
		save = strchr(p, ',');
		if (save)
			*save = 0;
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			return bad(err, text, "an empty term: remove the extra comma");
		if (out->n == CS_SLO_MAX)
			return bad(err, p, "at most 16 terms");
		if ((s = term(p, &out->t[out->n], err)))
			return s;
		out->n++;
		if (!save)
			break;
	}
	if (out->n == 0)
		return bad(err, "", "give at least one term, e.g. 'p95<400ms,error_rate<1%'");
	return CS_OK;
}

double
cs_slo_ratio(const cs_slo_term *t, const cs_result *r, int which)
{
	double m, lo, hi, v;

	if (cs_result_metric(r, t->metric, &m, &lo, &hi))
		return NAN;
	v = m;
	if (which != 0 && isfinite(lo)) {
		/* pessimistic: the end that is worse for this term */
		bool high = (which > 0) == t->less;

		v = high ? hi : lo;
	}
	if (!isfinite(v))
		return INFINITY; /* no data (no requests): not met */
	if (t->less)
		return t->limit > 0 ? v / t->limit : (v > 0 ? INFINITY : 0);
	return v > 0 ? t->limit / v : INFINITY;
}

bool
cs_slo_met(const cs_slo *slo, const cs_result *r, int which, size_t *worst)
{
	double w = -INFINITY;
	bool ok = true;
	size_t i;

	for (i = 0; i < slo->n; i++) {
		double x = cs_slo_ratio(&slo->t[i], r, which);

		if (isnan(x))
			x = INFINITY; /* an unknown metric cannot be met */
		if (!(x < 1)) /* strict: at the limit is not under it */
			ok = false;
		if (x > w) {
			w = x;
			if (worst)
				*worst = i;
		}
	}
	return ok;
}
