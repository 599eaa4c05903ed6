/*
 * Locust --csv output.
 *
 * Locust writes, per run prefix: _stats.csv (one row per endpoint plus the
 * "Aggregated" row; 0.x calls it "Total"), _stats_history.csv (one row per
 * few seconds, cumulative counts; 2.x adds "User Count"), _failures.csv
 * (method, name, error text, occurrences) and, in 0.x, _requests.csv and
 * _distribution.csv instead of _stats.csv.  Column names changed across
 * versions ("Request Count" / "# requests", "99.999%" / "99.999"), so
 * columns are found by name.
 *
 * A point comes from the _stats.csv (or _requests.csv); the history adds
 * the user count and the time span, the failures file the errors by cause,
 * the distribution file the percentiles.  The history's percentile columns
 * describe only the last few seconds (a moving window), so they are never
 * used as the run's percentiles.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "calibration/import-private.h"

enum kind { K_STATS, K_REQUESTS, K_HISTORY, K_FAILURES, K_DISTRIBUTION };

static const char *const kind_format[] = {
	"locust-stats", "locust-requests", "locust-history", "locust-failures",
	"locust-distribution"
};

/* First column present among names (NULL-terminated); -1 if none. */
static int
col_any(const cs_imp_csv *c, const char *const *names)
{
	int i, k;

	for (i = 0; names[i]; i++)
		if ((k = cs_imp_csv_col(c, names[i])) >= 0)
			return k;
	return -1;
}

#define COLS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static cs_status
need(const cs_imp_csv *c, int col, const char *name, cs_error *err)
{
	if (col >= 0)
		return CS_OK;
	return cs_error_set(err, CS_ERR_PARSE, cs_imp_csv_name(c), 1, 0, NULL,
	                    "missing required column '%s' in a Locust CSV",
	                    name);
}

static cs_status
kind_of(const cs_imp_csv *c, enum kind *k, cs_error *err)
{
	bool count = cs_imp_csv_col(c, "Request Count") >= 0 ||
	             cs_imp_csv_col(c, "# requests") >= 0;

	if (cs_imp_csv_col(c, "Occurrences") >= 0)
		*k = K_FAILURES;
	else if (cs_imp_csv_col(c, "Timestamp") >= 0)
		*k = K_HISTORY;
	else if (count && cs_imp_csv_col(c, "Median Response Time") >= 0)
		*k = cs_imp_csv_col(c, "50%") >= 0 ||
		     cs_imp_csv_col(c, "Type") >= 0 ? K_STATS : K_REQUESTS;
	else if (count && cs_imp_csv_col(c, "50%") >= 0)
		*k = K_DISTRIBUTION;
	else
		return cs_error_set(err, CS_ERR_PARSE, cs_imp_csv_name(c), 1, 0,
		                    NULL, "not a Locust _stats, _stats_history, "
		                    "_failures, _requests or _distribution CSV "
		                    "(no 'Request Count'/'# requests', "
		                    "'Timestamp' or 'Occurrences' column)");
	return CS_OK;
}

static bool
is_total(const char *type, const char *name)
{
	return (strcmp(name, "Aggregated") == 0 || strcmp(name, "Total") == 0) &&
	       (!*type || strcmp(type, "None") == 0);
}

/* "GET /x" from the Type/Method and Name columns. */
static void
endpoint_name(const char *type, const char *name, char *buf, size_t size)
{
	if (*type && strcmp(type, "None") != 0)
		snprintf(buf, size, "%s %s", type, name);
	else
		snprintf(buf, size, "%s", name);
}

/* Percentile columns: p50, p90, p95, p99, max ("100%"). */
typedef struct pcols {
	int p50, p90, p95, p99, p100;
} pcols;

static void
find_pcols(const cs_imp_csv *c, pcols *pc)
{
	pc->p50 = cs_imp_csv_col(c, "50%");
	pc->p90 = cs_imp_csv_col(c, "90%");
	pc->p95 = cs_imp_csv_col(c, "95%");
	pc->p99 = cs_imp_csv_col(c, "99%");
	pc->p100 = cs_imp_csv_col(c, "100%");
}

static cs_status
read_pcols(const cs_imp_csv *c, const pcols *pc, cs_imp_latency *l,
           cs_error *err)
{
	cs_status s;
	double v;

	if (pc->p50 >= 0) {
		if ((s = cs_imp_csv_num(c, pc->p50, true, false, &v, err)))
			return s;
		if (!isnan(v))
			l->p50 = v;
	}
	if (pc->p90 >= 0 &&
	    (s = cs_imp_csv_num(c, pc->p90, true, false, &l->p90, err)))
		return s;
	if (pc->p95 >= 0 &&
	    (s = cs_imp_csv_num(c, pc->p95, true, false, &l->p95, err)))
		return s;
	if (pc->p99 >= 0 &&
	    (s = cs_imp_csv_num(c, pc->p99, true, false, &l->p99, err)))
		return s;
	if (pc->p100 >= 0 && isnan(l->max)) {
		if ((s = cs_imp_csv_num(c, pc->p100, true, false, &v, err)))
			return s;
		l->max = v;
	}
	return CS_OK;
}

/* _stats.csv and 0.x _requests.csv. */
static cs_status
read_stats(cs_imp_csv *c, enum kind k, cs_imp_point *p, cs_error *err)
{
	int ctype, cname, creq, cfail, cmed, cavg, cmax, crps;
	double sum_req = 0, sum_fail = 0, sum_rps = 0, max_max = NAN;
	bool total = false, got;
	pcols pc;
	cs_status s;

	ctype = col_any(c, COLS("Type", "Method"));
	cname = cs_imp_csv_col(c, "Name");
	creq = col_any(c, COLS("Request Count", "# requests"));
	cfail = col_any(c, COLS("Failure Count", "# failures"));
	cmed = cs_imp_csv_col(c, "Median Response Time");
	cavg = cs_imp_csv_col(c, "Average Response Time");
	cmax = cs_imp_csv_col(c, "Max Response Time");
	crps = cs_imp_csv_col(c, "Requests/s");
	if ((s = need(c, cname, "Name", err)) ||
	    (s = need(c, creq, "Request Count", err)) ||
	    (s = need(c, cfail, "Failure Count", err)))
		return s;
	find_pcols(c, &pc);

	for (;;) {
		const char *type, *name;
		double req, fail, rps = NAN;
		cs_imp_latency l;

		if ((s = cs_imp_csv_next(c, &got, err)))
			return s;
		if (!got)
			break;
		type = ctype >= 0 ? cs_imp_csv_field(c, ctype) : "";
		name = cs_imp_csv_field(c, cname);
		cs_imp_latency_unknown(&l);
		if ((s = cs_imp_csv_num(c, creq, false, false, &req, err)) ||
		    (s = cs_imp_csv_num(c, cfail, false, false, &fail, err)) ||
		    (cmed >= 0 &&
		     (s = cs_imp_csv_num(c, cmed, true, false, &l.p50, err))) ||
		    (cavg >= 0 &&
		     (s = cs_imp_csv_num(c, cavg, true, false, &l.mean, err))) ||
		    (cmax >= 0 &&
		     (s = cs_imp_csv_num(c, cmax, true, false, &l.max, err))) ||
		    (crps >= 0 &&
		     (s = cs_imp_csv_num(c, crps, true, false, &rps, err))) ||
		    (s = read_pcols(c, &pc, &l, err)))
			return s;
		if (fail > req)
			return cs_imp_csv_fail(c, err, CS_ERR_INVALID,
			                       "%.0f failures but only %.0f "
			                       "requests", fail, req);
		if (req == 0) {
			/* Locust writes 0 for the times of an empty row */
			cs_imp_latency_unknown(&l);
		}
		if (is_total(type, name)) {
			if (total)
				return cs_imp_csv_fail(c, err, CS_ERR_INVALID,
				                       "a second '%s' row", name);
			total = true;
			p->requests = req;
			p->failures = fail;
			p->throughput = rps;
			p->latency = l;
		} else {
			char en[512];
			cs_imp_endpoint *e;

			endpoint_name(type, name, en, sizeof en);
			if (p->nendpoints >= CS_IMP_MAX_ENDPOINTS) {
				e = cs_imp_find_endpoint(p, "(other endpoints)");
				if (!e) {
					e = cs_imp_add_endpoint(p, "(other endpoints)");
					if (!e)
						return CS_ERR_NOMEM;
					e->requests = e->failures = 0;
				}
				e->requests += req;
				e->failures += fail;
			} else {
				e = cs_imp_add_endpoint(p, en);
				if (!e)
					return CS_ERR_NOMEM;
				e->requests = req;
				e->failures = fail;
				e->throughput = rps;
				e->latency = l;
			}
			sum_req += req;
			sum_fail += fail;
			if (!isnan(rps))
				sum_rps += rps;
			if (!isnan(l.max) && (isnan(max_max) || l.max > max_max))
				max_max = l.max;
		}
	}
	if (!total) {
		if (p->nendpoints == 0)
			return cs_error_set(err, CS_ERR_PARSE, cs_imp_csv_name(c),
			                    cs_imp_csv_line(c), 0, NULL,
			                    "no data rows: only a header");
		p->requests = sum_req;
		p->failures = sum_fail;
		p->throughput = sum_rps;
		p->latency.max = max_max;
		if ((s = cs_imp_note(p, "no '%s' row: totals are the sums of "
		                     "the endpoint rows; percentiles unknown",
		                     k == K_REQUESTS ? "Total" : "Aggregated")))
			return s;
	}
	return CS_OK;
}

/* What a history file says. */
typedef struct hist_info {
	double users_max;   /* NaN: no User Count column */
	double t_first, t_last;
	double req, fail, med, avg, max;
	long rows;
	bool user_col;
} hist_info;

static cs_status
read_history(cs_imp_csv *c, hist_info *h, cs_error *err)
{
	int cts, cusers, ctype, cname, creq, cfail, cmed, cavg, cmax;
	bool got;
	cs_status s;

	h->users_max = h->t_first = h->t_last = NAN;
	h->req = h->fail = h->med = h->avg = h->max = NAN;
	h->rows = 0;
	cts = cs_imp_csv_col(c, "Timestamp");
	cusers = cs_imp_csv_col(c, "User Count");
	h->user_col = cusers >= 0;
	ctype = col_any(c, COLS("Type", "Method"));
	cname = cs_imp_csv_col(c, "Name");
	creq = col_any(c, COLS("Total Request Count", "# requests"));
	cfail = col_any(c, COLS("Total Failure Count", "# failures"));
	cmed = col_any(c, COLS("Total Median Response Time",
	                       "Median Response Time"));
	cavg = col_any(c, COLS("Total Average Response Time",
	                       "Average Response Time"));
	cmax = col_any(c, COLS("Total Max Response Time", "Max Response Time"));
	if ((s = need(c, cname, "Name", err)) ||
	    (s = need(c, creq, "Total Request Count", err)) ||
	    (s = need(c, cfail, "Total Failure Count", err)))
		return s;
	for (;;) {
		const char *ts;
		double t, u, v;

		if ((s = cs_imp_csv_next(c, &got, err)))
			return s;
		if (!got)
			break;
		if (!is_total(ctype >= 0 ? cs_imp_csv_field(c, ctype) : "",
		              cs_imp_csv_field(c, cname)))
			continue;       /* --csv-full-history per-endpoint rows */
		ts = cs_imp_csv_field(c, cts);
		if (!cs_imp_parse_time(ts, 0, &t))
			return cs_imp_csv_bad(c, err, CS_ERR_INVALID, cts,
			                      "is not a time stamp");
		if (h->rows == 0)
			h->t_first = t;
		h->t_last = t;
		if (cusers >= 0) {
			if ((s = cs_imp_csv_num(c, cusers, true, false, &u, err)))
				return s;
			if (!isnan(u) && (isnan(h->users_max) || u > h->users_max))
				h->users_max = u;
		}
		if ((s = cs_imp_csv_num(c, creq, false, false, &h->req, err)) ||
		    (s = cs_imp_csv_num(c, cfail, false, false, &h->fail, err)))
			return s;
		if (cmed >= 0 &&
		    (s = cs_imp_csv_num(c, cmed, true, false, &h->med, err)))
			return s;
		if (cavg >= 0 &&
		    (s = cs_imp_csv_num(c, cavg, true, false, &h->avg, err)))
			return s;
		if (cmax >= 0) {
			if ((s = cs_imp_csv_num(c, cmax, true, false, &v, err)))
				return s;
			h->max = v;
		}
		h->rows++;
	}
	if (h->rows == 0)
		return cs_error_set(err, CS_ERR_PARSE, cs_imp_csv_name(c), 0, 0,
		                    NULL, "no 'Aggregated' rows in the history");
	return CS_OK;
}

static cs_status
read_failures(cs_imp_csv *c, cs_imp_point *p, double *total, cs_error *err)
{
	int cerr, cocc;
	bool got;
	cs_status s;

	*total = 0;
	cerr = cs_imp_csv_col(c, "Error");
	cocc = cs_imp_csv_col(c, "Occurrences");
	if ((s = need(c, cerr, "Error", err)) ||
	    (s = need(c, cocc, "Occurrences", err)))
		return s;
	for (;;) {
		char cause[128];
		double n;

		if ((s = cs_imp_csv_next(c, &got, err)))
			return s;
		if (!got)
			break;
		if ((s = cs_imp_csv_num(c, cocc, false, false, &n, err)))
			return s;
		cs_imp_classify(0, cs_imp_csv_field(c, cerr), cause,
		                sizeof cause);
		if ((s = cs_imp_add_cause(p, cause, n)))
			return s;
		*total += n;
	}
	return CS_OK;
}

/* 0.x _distribution.csv: "Name" is "GET /x", "Total" the aggregate. */
static cs_status
read_distribution(cs_imp_csv *c, cs_imp_point *p, bool main, cs_error *err)
{
	int cname, creq;
	bool got;
	pcols pc;
	cs_status s;

	cname = cs_imp_csv_col(c, "Name");
	creq = cs_imp_csv_col(c, "# requests");
	if ((s = need(c, cname, "Name", err)) ||
	    (s = need(c, creq, "# requests", err)))
		return s;
	find_pcols(c, &pc);
	for (;;) {
		const char *name;
		cs_imp_latency l;
		cs_imp_endpoint *e;
		double req;

		if ((s = cs_imp_csv_next(c, &got, err)))
			return s;
		if (!got)
			break;
		name = cs_imp_csv_field(c, cname);
		cs_imp_latency_unknown(&l);
		if ((s = cs_imp_csv_num(c, creq, false, false, &req, err)) ||
		    (s = read_pcols(c, &pc, &l, err)))
			return s;
		if (strcmp(name, "Total") == 0 || strcmp(name, "None Total") == 0 ||
		    strcmp(name, "Aggregated") == 0) {
			p->latency.p50 = l.p50;
			p->latency.p90 = l.p90;
			p->latency.p95 = l.p95;
			p->latency.p99 = l.p99;
			if (isnan(p->latency.max))
				p->latency.max = l.max;
			if (main)
				p->requests = req;
			continue;
		}
		e = cs_imp_find_endpoint(p, name);
		if (!e) {
			if (p->nendpoints >= CS_IMP_MAX_ENDPOINTS)
				continue;
			e = cs_imp_add_endpoint(p, name);
			if (!e)
				return CS_ERR_NOMEM;
			e->requests = req;
		}
		e->latency.p50 = l.p50;
		e->latency.p90 = l.p90;
		e->latency.p95 = l.p95;
		e->latency.p99 = l.p99;
		if (isnan(e->latency.max))
			e->latency.max = l.max;
	}
	return CS_OK;
}

/* Open path and read its header and kind. */
static cs_status
open_locust(const char *path, cs_imp_csv **c, enum kind *k, cs_error *err)
{
	cs_status s;

	if ((s = cs_imp_csv_open(path, ',', c, err)))
		return s;
	if ((s = cs_imp_csv_header(*c, err)) || (s = kind_of(*c, k, err))) {
		cs_imp_csv_free(*c);
		*c = NULL;
	}
	return s;
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* prefix + suffix into buf, where path = prefix + old. */
static bool
swap_suffix(const char *path, const char *old, const char *suffix, char *buf,
            size_t size)
{
	size_t a = strlen(path), b = strlen(old);

	if (!ends_with(path, old))
		return false;
	return (size_t)snprintf(buf, size, "%.*s%s", (int)(a - b), path,
	                        suffix) < size;
}

static const char *const main_suffix[] = { "_stats.csv", "_requests.csv",
                                           NULL };
static const char *const sib_suffix[] = { "_stats_history.csv",
                                          "_failures.csv",
                                          "_distribution.csv", NULL };

bool
cs_imp_locust_is_sibling_of(const char *sibling, const char *main)
{
	char want[4096];
	int i, j;

	for (i = 0; main_suffix[i]; i++)
		for (j = 0; sib_suffix[j]; j++)
			if (swap_suffix(main, main_suffix[i], sib_suffix[j], want,
			                sizeof want) &&
			    strcmp(want, sibling) == 0)
				return true;
	return false;
}

static cs_status
merge_history(const char *path, cs_imp_point *p, cs_error *err)
{
	cs_imp_csv *c;
	enum kind k;
	hist_info h;
	cs_status s;
	double span;

	if ((s = open_locust(path, &c, &k, err)))
		return s;
	if (k != K_HISTORY) {
		cs_imp_csv_free(c);
		return cs_error_set(err, CS_ERR_PARSE, path, 1, 0, NULL,
		                    "expected a Locust _stats_history.csv");
	}
	s = read_history(c, &h, err);
	cs_imp_csv_free(c);
	if (s)
		return s;
	if ((s = cs_imp_add_source(p, path)))
		return s;
	span = h.t_last - h.t_first;
	if (h.users_max > 0) {
		p->users = h.users_max;
		if ((s = cs_imp_note(p, "users: the most in the history's User "
		                     "Count column")))
			return s;
	} else if (h.user_col) {
		if ((s = cs_imp_note(p, "the history's User Count never rises "
		                     "above 0 (%ld row%s): the run was too short "
		                     "to record it", h.rows,
		                     h.rows == 1 ? "" : "s")))
			return s;
	}
	if (span > 0 && p->duration > 0 && fabs(span - p->duration) >
	    0.2 * p->duration + 2)
		return cs_imp_note(p, "the history spans %.0f s, but requests "
		                   "/ Requests/s gives %.1f s", span,
		                   p->duration);
	if (span > 0 && isnan(p->duration) && isnan(p->throughput)) {
		p->duration = span;
		return cs_imp_note(p, "duration: the history's time span");
	}
	return CS_OK;
}

static cs_status
merge_failures(const char *path, cs_imp_point *p, cs_error *err)
{
	cs_imp_csv *c;
	enum kind k;
	double total;
	cs_status s;

	if ((s = open_locust(path, &c, &k, err)))
		return s;
	if (k != K_FAILURES) {
		cs_imp_csv_free(c);
		return cs_error_set(err, CS_ERR_PARSE, path, 1, 0, NULL,
		                    "expected a Locust _failures.csv");
	}
	s = read_failures(c, p, &total, err);
	cs_imp_csv_free(c);
	if (s)
		return s;
	return cs_imp_add_source(p, path);
}

static cs_status
merge_distribution(const char *path, cs_imp_point *p, cs_error *err)
{
	cs_imp_csv *c;
	enum kind k;
	cs_status s;

	if ((s = open_locust(path, &c, &k, err)))
		return s;
	if (k != K_DISTRIBUTION) {
		cs_imp_csv_free(c);
		return cs_error_set(err, CS_ERR_PARSE, path, 1, 0, NULL,
		                    "expected a Locust _distribution.csv");
	}
	s = read_distribution(c, p, false, err);
	cs_imp_csv_free(c);
	if (s)
		return s;
	return cs_imp_add_source(p, path);
}

static bool
exists(const char *path)
{
	return access(path, R_OK) == 0;
}

/* Look for the siblings of a _stats.csv / _requests.csv and merge them. */
static cs_status
merge_siblings(const char *path, enum kind k, cs_imp_point *p, cs_error *err)
{
	const char *old = k == K_STATS ? "_stats.csv" : "_requests.csv";
	char sib[4096];
	cs_status s;

	if (!ends_with(path, old))
		return CS_OK;
	if (swap_suffix(path, old, "_stats_history.csv", sib, sizeof sib) &&
	    exists(sib) && (s = merge_history(sib, p, err)))
		return s;
	if (swap_suffix(path, old, "_failures.csv", sib, sizeof sib) &&
	    exists(sib) && (s = merge_failures(sib, p, err)))
		return s;
	if (k == K_REQUESTS &&
	    swap_suffix(path, old, "_distribution.csv", sib, sizeof sib) &&
	    exists(sib) && (s = merge_distribution(sib, p, err)))
		return s;
	return CS_OK;
}

cs_status
cs_imp_locust_read(const char *path, const cs_imp_opts *opts,
                   cs_imp_set *set, cs_error *err)
{
	cs_imp_csv *c;
	cs_imp_point *p;
	enum kind k;
	hist_info h;
	double total, u;
	cs_status s;

	if ((s = open_locust(path, &c, &k, err)))
		return s;
	p = cs_imp_point_new(path, "locust", kind_format[k]);
	if (!p) {
		cs_imp_csv_free(c);
		return cs_error_set(err, CS_ERR_NOMEM, path, 0, 0, NULL,
		                    "out of memory");
	}
	switch (k) {
	case K_STATS:
	case K_REQUESTS:
		s = read_stats(c, k, p, err);
		cs_imp_csv_free(c);
		/* Locust's Requests/s is requests over the whole run: the
		 * duration follows (the history note compares with it) */
		if (!s && p->throughput > 0 && p->requests >= 0) {
			p->duration = p->requests / p->throughput;
			s = cs_imp_note(p, "duration: requests / Requests/s of "
			                "the totals row");
		}
		if (!s && !opts->no_siblings)
			s = merge_siblings(path, k, p, err);
		break;
	case K_HISTORY:
		s = read_history(c, &h, err);
		cs_imp_csv_free(c);
		if (s)
			break;
		p->requests = h.req;
		p->failures = h.fail;
		if (h.req > 0) {
			/* Locust writes 0 for the times before any request */
			p->latency.p50 = h.med;
			p->latency.mean = h.avg;
			p->latency.max = h.max;
		}
		if (h.t_last > h.t_first)
			p->duration = h.t_last - h.t_first;
		if (h.users_max > 0)
			p->users = h.users_max;
		s = cs_imp_note(p, "from the history's last 'Aggregated' row; "
		                "p90/p95/p99 unknown (the history's percentile "
		                "columns cover only the last seconds); duration "
		                "is the history's time span");
		if (!s && h.req == 0)
			s = cs_imp_note(p, "the history records no requests (%ld "
			                "row%s): the run was too short", h.rows,
			                h.rows == 1 ? "" : "s");
		break;
	case K_FAILURES:
		s = read_failures(c, p, &total, err);
		cs_imp_csv_free(c);
		if (!s)
			s = cs_imp_note(p, "a failures file alone: errors by "
			                "cause only; import the _stats.csv for "
			                "the rest");
		break;
	case K_DISTRIBUTION:
		s = read_distribution(c, p, true, err);
		cs_imp_csv_free(c);
		break;
	}
	if (s) {
		cs_imp_point_free(p);
		if (s == CS_ERR_NOMEM)
			cs_error_set(err, s, path, 0, 0, NULL, "out of memory");
		return s;
	}
	u = cs_imp_users_from_name(path);
	if (!isnan(u) && isnan(p->users)) {
		p->users = u;
		s = cs_imp_note(p, "users: %.0f, taken from the file name", u);
	} else if (!isnan(u) && u > p->users) {
		s = cs_imp_note(p, "the file name says %.0f users, but the run "
		                "reached only %.0f (ramp-up not finished?)", u,
		                p->users);
	} else if (!isnan(u) && u != p->users) {
		s = cs_imp_note(p, "the file name says %.0f users, the run had "
		                "%.0f", u, p->users);
	}
	if (!s)
		s = cs_imp_point_finish(p);
	if (s) {
		cs_imp_point_free(p);
		return cs_error_set(err, s, path, 0, 0, NULL, "out of memory");
	}
	return cs_imp_set_take(set, p);
}
