/*
 * JMeter results (JTL): CSV with a header line, CSV without one (the
 * default column layouts of JMeter 3.x and 5.x), or XML.
 *
 * What counts as a request.  JMeter writes some rows that are not requests
 * of their own, and counting them would count requests twice:
 *  - Transaction Controller samples (responseMessage "Number of samples in
 *    transaction : N, number of failing samples : M"; URL "null"): they
 *    sum the samples inside them, which are written too.  Skipped.
 *  - Sub-results (redirects and embedded resources): JMeter writes the
 *    parent "label" and then "label-0", "label-1"... from the same thread.
 *    The parent holds the whole time; the "-N" rows are skipped.  In XML
 *    they are nested inside the parent and skipped by nesting.
 * Both are counted in the point's notes.
 *
 * Users: the largest allThreads (active threads in all thread groups)
 * seen; duration: first sample start to last sample end, without idle gaps
 * longer than CS_AGG_GAP (see agg.c).  Everything streams.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "calibration/import-private.h"

#define TC_MSG "Number of samples in transaction"

/* The default CSV layouts of headerless files, by field count. */
static const char *const layout17[] = {
	"timeStamp", "elapsed", "label", "responseCode", "responseMessage",
	"threadName", "dataType", "success", "failureMessage", "bytes",
	"sentBytes", "grpThreads", "allThreads", "URL", "Latency", "IdleTime",
	"Connect"
};
static const char *const layout16[] = {
	"timeStamp", "elapsed", "label", "responseCode", "responseMessage",
	"threadName", "dataType", "success", "failureMessage", "bytes",
	"sentBytes", "grpThreads", "allThreads", "Latency", "IdleTime",
	"Connect"
};

/* State shared by the CSV and XML readers. */
typedef struct jtl {
	cs_imp_agg *agg;
	double tc_skipped, sub_skipped, no_time;
	char *parent, *parent_thread;   /* last parent sample */
	size_t pcap, tcap;
} jtl;

static cs_status
keep(char **buf, size_t *cap, const char *s)
{
	size_t n = strlen(s) + 1;

	if (n > *cap) {
		char *nb = realloc(*buf, n);

		if (!nb)
			return CS_ERR_NOMEM;
		*buf = nb;
		*cap = n;
	}
	memcpy(*buf, s, n);
	return CS_OK;
}

/* label == parent + "-" + digits, from the same thread. */
static bool
is_sub(const jtl *j, const char *label, const char *thread)
{
	size_t n;
	const char *p;

	if (!j->parent || !*j->parent)
		return false;
	n = strlen(j->parent);
	if (strncmp(label, j->parent, n) != 0 || label[n] != '-' ||
	    !isdigit((unsigned char)label[n + 1]))
		return false;
	for (p = label + n + 1; isdigit((unsigned char)*p); p++)
		;
	return *p == '\0' && strcmp(thread ? thread : "",
	                            j->parent_thread ? j->parent_thread : "") == 0;
}

/* The cause of a failed sample. */
static const char *
jtl_cause(const char *code, const char *msg, const char *fmsg, char *buf,
          size_t size)
{
	static const char nonhttp[] = "Non HTTP response code: ";
	char text[600];
	double st = 0;
	bool numeric = cs_imp_parse_num(code, &st);

	if (numeric && st >= 200 && st < 400) {
		/* the server answered fine; an assertion failed it */
		snprintf(buf, size, "other: assertion failed");
		return buf;
	}
	snprintf(text, sizeof text, "%s %s %s", code, msg ? msg : "",
	         fmsg ? fmsg : "");
	cs_imp_classify(numeric ? (int)st : 0, text, buf, size);
	if (strncmp(buf, "other: ", 7) == 0 && !numeric) {
		/* "other: java.net.URISyntaxException": one cause per
		 * exception class, not per message */
		const char *cls = code;

		if (strncmp(cls, nonhttp, sizeof nonhttp - 1) == 0)
			cls += sizeof nonhttp - 1;
		if (*cls) {
			char shown[96];

			snprintf(shown, sizeof shown, "%.80s", cls);
			snprintf(buf, size, "other: %s", shown);
		}
	}
	return buf;
}

/* One sample; ts in ms since the epoch (NaN: none), elapsed in ms. */
static cs_status
sample(jtl *j, const char *label, double ts, double elapsed, bool ok,
       const char *code, const char *msg, const char *fmsg, double threads)
{
	double t0 = NAN, t1 = NAN;
	cs_status s;

	if (!*label)
		label = "(unlabeled)";
	if (ts > 0) {
		t0 = ts / 1000;
		t1 = t0 + elapsed / 1000;
	} else {
		j->no_time++;
	}
	cs_imp_agg_users(j->agg, threads);
	if ((s = cs_imp_agg_request(j->agg, label, elapsed, t0, t1)))
		return s;
	if (!ok) {
		char cause[128];

		jtl_cause(code, msg, fmsg, cause, sizeof cause);
		return cs_imp_agg_failure(j->agg, label, cause);
	}
	return CS_OK;
}

static cs_status
finish(jtl *j, const char *path, const char *format, cs_imp_set *set,
       int line, cs_error *err)
{
	cs_imp_point *p;
	cs_status s;

	if (cs_imp_agg_requests(j->agg) == 0)
		return cs_error_set(err, CS_ERR_INVALID, path, line, 0, NULL,
		                    "no samples in this JTL file");
	p = cs_imp_point_new(path, "jmeter", format);
	if (!p)
		return CS_ERR_NOMEM;
	if ((s = cs_imp_agg_fill(j->agg, p)))
		goto fail;
	if (!isnan(p->users) &&
	    (s = cs_imp_note(p, "users: the most active threads (allThreads) "
	                     "seen")))
		goto fail;
	if (isnan(p->users) &&
	    (s = cs_imp_note(p, "users unknown: no allThreads/grpThreads "
	                     "column (jmeter.save.saveservice.thread_counts)")))
		goto fail;
	if ((s = cs_imp_note(p, "percentiles from a log-bucket histogram "
	                     "(within 1%%)")))
		goto fail;
	if (j->tc_skipped > 0 &&
	    (s = cs_imp_note(p, "%.0f Transaction Controller samples skipped "
	                     "(they repeat the samples inside them)",
	                     j->tc_skipped)))
		goto fail;
	if (j->sub_skipped > 0 &&
	    (s = cs_imp_note(p, "%.0f sub-samples (label-N: redirects, "
	                     "embedded resources) skipped: their parent "
	                     "sample holds them", j->sub_skipped)))
		goto fail;
	if (j->no_time > 0 &&
	    (s = cs_imp_note(p, "%.0f samples have no time stamp (0): counted, "
	                     "but not in the duration", j->no_time)))
		goto fail;
	if ((s = cs_imp_point_finish(p)))
		goto fail;
	return cs_imp_set_take(set, p);
fail:
	cs_imp_point_free(p);
	return s;
}

/* ---- CSV ----------------------------------------------------------------- */

static cs_status
read_csv(const char *path, char delim, bool header, cs_imp_set *set,
         cs_error *err)
{
	cs_imp_csv *c = NULL;
	jtl j = { 0 };
	int cts, cel, clb, ccode, cmsg, cthr, cok, cfm, call;
	bool got, first = true;
	cs_status s;

	if ((s = cs_imp_csv_open(path, delim, &c, err)))
		return s;
	j.agg = cs_imp_agg_new();
	if (!j.agg) {
		s = CS_ERR_NOMEM;
		goto out;
	}
	if (header) {
		if ((s = cs_imp_csv_header(c, err)))
			goto out;
	} else {
		size_t nf;

		if ((s = cs_imp_csv_next(c, &got, err)))
			goto out;
		if (!got) {
			s = cs_error_set(err, CS_ERR_PARSE, path, 0, 0, NULL,
			                 "the file is empty");
			goto out;
		}
		nf = cs_imp_csv_nfields(c);
		if (nf == 17)
			s = cs_imp_csv_set_header(c, layout17, 17, err);
		else if (nf == 16)
			s = cs_imp_csv_set_header(c, layout16, 16, err);
		else
			s = cs_error_set(err, CS_ERR_PARSE, path, 1, 0, NULL,
			                 "a JTL without a header line has %zu "
			                 "columns; capsim knows JMeter's default "
			                 "layouts of 16 and 17 columns: save the "
			                 "header (jmeter.save.saveservice."
			                 "print_field_names=true)", nf);
		if (s)
			goto out;
	}
	cts = cs_imp_csv_col(c, "timeStamp");
	cel = cs_imp_csv_col(c, "elapsed");
	cok = cs_imp_csv_col(c, "success");
	clb = cs_imp_csv_col(c, "label");
	ccode = cs_imp_csv_col(c, "responseCode");
	cmsg = cs_imp_csv_col(c, "responseMessage");
	cthr = cs_imp_csv_col(c, "threadName");
	cfm = cs_imp_csv_col(c, "failureMessage");
	call = cs_imp_csv_col(c, "allThreads");
	if (call < 0)
		call = cs_imp_csv_col(c, "grpThreads");
	if (cts < 0 || cel < 0 || cok < 0) {
		s = cs_error_set(err, CS_ERR_PARSE, path, 1, 0, NULL,
		                 "missing required column '%s' in a JTL CSV "
		                 "(jmeter.save.saveservice.%s=true)",
		                 cts < 0 ? "timeStamp" : cel < 0 ? "elapsed" :
		                 "success", cts < 0 ? "time" : cel < 0 ? "time" :
		                 "successful");
		goto out;
	}
	for (;;) {
		const char *label, *thread, *okf, *msg, *tsf;
		double ts, el, thr = NAN;
		bool ok;

		if (!first || header) {
			if ((s = cs_imp_csv_next(c, &got, err)))
				goto out;
			if (!got)
				break;
		}
		first = false;
		if (cs_imp_csv_nfields(c) < cs_imp_csv_ncols(c) &&
		    cs_imp_csv_nfields(c) <= (size_t)cok) {
			s = cs_imp_csv_fail(c, err, CS_ERR_PARSE, "%zu fields, the "
			                    "header has %zu (a truncated line?)",
			                    cs_imp_csv_nfields(c),
			                    cs_imp_csv_ncols(c));
			goto out;
		}
		label = clb >= 0 ? cs_imp_csv_field(c, clb) : "";
		thread = cthr >= 0 ? cs_imp_csv_field(c, cthr) : "";
		msg = cmsg >= 0 ? cs_imp_csv_field(c, cmsg) : "";
		if (strncmp(msg, TC_MSG, sizeof TC_MSG - 1) == 0) {
			j.tc_skipped++;
			continue;
		}
		if (is_sub(&j, label, thread)) {
			j.sub_skipped++;
			continue;
		}
		if ((s = keep(&j.parent, &j.pcap, label)) ||
		    (s = keep(&j.parent_thread, &j.tcap, thread)))
			goto out;
		tsf = cs_imp_csv_field(c, cts);
		if (!cs_imp_parse_time(tsf, 1000, &ts)) {
			s = cs_imp_csv_bad(c, err, CS_ERR_INVALID, cts,
			                   "is neither epoch milliseconds nor a "
			                   "date like 2019/12/05 12:37:24");
			goto out;
		}
		/* an epoch number came back in seconds from ms: back to ms */
		ts *= 1000;
		if ((s = cs_imp_csv_num(c, cel, false, false, &el, err)))
			goto out;
		okf = cs_imp_csv_field(c, cok);
		if (strcasecmp(okf, "true") == 0) {
			ok = true;
		} else if (strcasecmp(okf, "false") == 0) {
			ok = false;
		} else {
			s = cs_imp_csv_bad(c, err, CS_ERR_INVALID, cok,
			                   "is not true or false");
			goto out;
		}
		if (call >= 0 &&
		    (s = cs_imp_csv_num(c, call, true, false, &thr, err)))
			goto out;
		if ((s = sample(&j, label, ts, el, ok,
		                ccode >= 0 ? cs_imp_csv_field(c, ccode) : "",
		                msg, cfm >= 0 ? cs_imp_csv_field(c, cfm) : "",
		                thr)))
			goto out;
	}
	s = finish(&j, path, header ? "jtl-csv" : "jtl-csv-headerless", set,
	           cs_imp_csv_line(c), err);
out:
	if (s == CS_ERR_NOMEM)
		cs_error_set(err, s, path, 0, 0, NULL, "out of memory");
	cs_imp_agg_free(j.agg);
	free(j.parent);
	free(j.parent_thread);
	cs_imp_csv_free(c);
	return s;
}

/* ---- XML ----------------------------------------------------------------- */

/*
 * A small streaming scan, enough for JTL: elements, attributes with
 * entities, comments, CDATA, processing instructions.  Text between tags
 * (response data) is skipped unread.  Not a validating parser.
 */
#define MAX_ATTR 65536
#define MAX_DEPTH 64
#define NATTR 9

static const char *const attr_names[NATTR] = {
	"t", "ts", "s", "lb", "rc", "rm", "na", "ng", NULL
};
enum { A_T, A_TS, A_S, A_LB, A_RC, A_RM, A_NA, A_NG };

typedef struct xml {
	FILE *f;
	const char *path;
	int line;
	char *val[NATTR];   /* attribute values of the current element */
	size_t vcap[NATTR];
	bool has[NATTR];
	char tmp[MAX_ATTR + 8];
} xml;

static int
xget(xml *x)
{
	int c = getc(x->f);

	if (c == '\n')
		x->line++;
	return c;
}

static cs_status
xeof(xml *x, cs_error *err)
{
	return cs_error_set(err, CS_ERR_PARSE, x->path, x->line, 0, NULL,
	                    "the file ends inside a tag (truncated?)");
}

/* Skip until the string end has been read. */
static cs_status
skip_past(xml *x, const char *end, cs_error *err)
{
	size_t n = strlen(end), m = 0;
	int c;

	while ((c = xget(x)) != EOF) {
		if (c == 0)
			return cs_error_set(err, CS_ERR_PARSE, x->path, x->line, 0,
			                    NULL, "NUL byte: binary data, not XML");
		if (c == end[m]) {
			if (++m == n)
				return CS_OK;
		} else {
			m = c == end[0] ? 1 : 0;
		}
	}
	return xeof(x, err);
}

/* Decode entities in place. */
static void
decode(char *s)
{
	char *o = s;

	while (*s) {
		if (*s == '&') {
			static const struct { const char *e; char c; } ent[] = {
				{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
				{ "&quot;", '"' }, { "&apos;", '\'' }
			};
			size_t i;
			bool done = false;

			for (i = 0; i < sizeof ent / sizeof ent[0]; i++) {
				size_t n = strlen(ent[i].e);

				if (strncmp(s, ent[i].e, n) == 0) {
					*o++ = ent[i].c;
					s += n;
					done = true;
					break;
				}
			}
			if (!done && s[1] == '#') {
				char *end;
				unsigned long cp = s[2] == 'x' || s[2] == 'X' ?
				                   strtoul(s + 3, &end, 16) :
				                   strtoul(s + 2, &end, 10);

				if (*end == ';' && cp > 0 && cp < 0x110000) {
					/* as UTF-8 */
					if (cp < 0x80) {
						*o++ = (char)cp;
					} else if (cp < 0x800) {
						*o++ = (char)(0xC0 | (cp >> 6));
						*o++ = (char)(0x80 | (cp & 0x3F));
					} else if (cp < 0x10000) {
						*o++ = (char)(0xE0 | (cp >> 12));
						*o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
						*o++ = (char)(0x80 | (cp & 0x3F));
					} else {
						*o++ = (char)(0xF0 | (cp >> 18));
						*o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
						*o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
						*o++ = (char)(0x80 | (cp & 0x3F));
					}
					s = end + 1;
					done = true;
				}
			}
			if (done)
				continue;
		}
		*o++ = *s++;
	}
	*o = '\0';
}

/*
 * Read an element's name and attributes after "<".  *kind: 0 open,
 * 1 self-closing, 2 closing tag.  Keeps the attributes in attr_names.
 */
static cs_status
read_tag(xml *x, char *name, size_t nsize, int *kind, cs_error *err)
{
	size_t n = 0;
	int c, i;

	for (i = 0; i < NATTR; i++)
		x->has[i] = false;
	*kind = 0;
	c = xget(x);
	if (c == '/') {
		*kind = 2;
		c = xget(x);
	}
	while (c != EOF && !isspace(c) && c != '>' && c != '/') {
		if (n + 1 < nsize)
			name[n++] = (char)c;
		c = xget(x);
	}
	name[n] = '\0';
	for (;;) {
		char an[32];
		size_t al = 0, vl = 0;
		int q;

		while (c != EOF && isspace(c))
			c = xget(x);
		if (c == EOF)
			return xeof(x, err);
		if (c == '>')
			return CS_OK;
		if (c == '/') {
			c = xget(x);
			if (c != '>')
				return cs_error_set(err, CS_ERR_PARSE, x->path,
				                    x->line, 0, NULL, "'/' not "
				                    "followed by '>' in <%s>", name);
			if (*kind == 0)
				*kind = 1;
			return CS_OK;
		}
		while (c != EOF && c != '=' && !isspace(c) && c != '>') {
			if (al + 1 < sizeof an)
				an[al++] = (char)c;
			c = xget(x);
		}
		an[al] = '\0';
		while (c != EOF && isspace(c))
			c = xget(x);
		if (c != '=')
			return c == EOF ? xeof(x, err) :
			       cs_error_set(err, CS_ERR_PARSE, x->path, x->line, 0,
			                    NULL, "attribute '%s' of <%s> has no "
			                    "value", an, name);
		c = xget(x);
		while (c != EOF && isspace(c))
			c = xget(x);
		if (c != '"' && c != '\'')
			return c == EOF ? xeof(x, err) :
			       cs_error_set(err, CS_ERR_PARSE, x->path, x->line, 0,
			                    NULL, "attribute '%s' of <%s> is not "
			                    "quoted", an, name);
		q = c;
		while ((c = xget(x)) != EOF && c != q) {
			if (c == 0)
				return cs_error_set(err, CS_ERR_PARSE, x->path,
				                    x->line, 0, NULL, "NUL byte: "
				                    "binary data, not XML");
			if (vl >= MAX_ATTR)
				return cs_error_set(err, CS_ERR_PARSE, x->path,
				                    x->line, 0, NULL, "attribute "
				                    "'%s' longer than 64 KiB", an);
			x->tmp[vl++] = (char)c;
		}
		if (c == EOF)
			return xeof(x, err);
		x->tmp[vl] = '\0';
		for (i = 0; attr_names[i]; i++)
			if (strcmp(an, attr_names[i]) == 0) {
				decode(x->tmp);
				if (keep(&x->val[i], &x->vcap[i], x->tmp))
					return cs_error_set(err, CS_ERR_NOMEM,
					                    x->path, 0, 0, NULL,
					                    "out of memory");
				x->has[i] = true;
			}
		c = xget(x);
	}
}

static const char *
av(const xml *x, int i)
{
	return x->has[i] ? x->val[i] : "";
}

static cs_status
xml_num(xml *x, int i, const char *el, bool required, double *out,
        cs_error *err)
{
	char shown[64];

	*out = NAN;
	if (!x->has[i]) {
		if (!required)
			return CS_OK;
		return cs_error_set(err, CS_ERR_INVALID, x->path, x->line, 0,
		                    NULL, "<%s> without the %s= attribute", el,
		                    attr_names[i]);
	}
	if (!cs_imp_parse_num(x->val[i], out) || *out < 0)
		return cs_error_set(err, CS_ERR_INVALID, x->path, x->line, 0,
		                    NULL, "<%s> attribute %s= is not a "
		                    "non-negative number: \"%s\"", el,
		                    attr_names[i],
		                    cs_imp_printable(x->val[i], shown,
		                                     sizeof shown));
	return CS_OK;
}

static cs_status
read_xml(const char *path, cs_imp_set *set, cs_error *err)
{
	xml *x;
	jtl j = { 0 };
	bool tc[MAX_DEPTH];
	int depth = 0, c, i;
	bool root = false;
	cs_status s = CS_OK;

	x = calloc(1, sizeof *x);
	if (!x)
		return cs_error_set(err, CS_ERR_NOMEM, path, 0, 0, NULL,
		                    "out of memory");
	x->path = path;
	x->line = 1;
	x->f = fopen(path, "rb");
	if (!x->f) {
		s = cs_error_set(err, CS_ERR_IO, path, 0, 0, NULL,
		                 "cannot open: %s", strerror(errno));
		goto out;
	}
	j.agg = cs_imp_agg_new();
	if (!j.agg) {
		s = CS_ERR_NOMEM;
		goto out;
	}
	while ((c = xget(x)) != EOF) {
		char name[64];
		int kind, line;

		if (c == 0) {
			s = cs_error_set(err, CS_ERR_PARSE, path, x->line, 0, NULL,
			                 "NUL byte: binary data, not XML");
			goto out;
		}
		if (c != '<')
			continue;       /* text: response data, blanks */
		c = getc(x->f);
		if (c == '?') {
			if ((s = skip_past(x, "?>", err)))
				goto out;
			continue;
		}
		if (c == '!') {
			int d = getc(x->f);

			if (d == '-') {
				s = skip_past(x, "-->", err);
			} else if (d == '[') {
				s = skip_past(x, "]]>", err);
			} else {
				if (d != EOF)
					ungetc(d, x->f);
				s = skip_past(x, ">", err);
			}
			if (s)
				goto out;
			continue;
		}
		if (c == EOF) {
			s = xeof(x, err);
			goto out;
		}
		ungetc(c, x->f);
		line = x->line;
		if ((s = read_tag(x, name, sizeof name, &kind, err)))
			goto out;
		if (strcmp(name, "testResults") == 0) {
			root = true;
			continue;
		}
		if (strcmp(name, "httpSample") != 0 && strcmp(name, "sample") != 0)
			continue;
		if (kind == 2) {
			if (depth > 0)
				depth--;
			continue;
		}
		{
			bool is_tc = strncmp(av(x, A_RM), TC_MSG,
			                     sizeof TC_MSG - 1) == 0;
			bool counted = !is_tc;
			double t, ts, thr, ng;

			/* counted if every enclosing sample is a transaction */
			for (i = 0; i < depth && counted; i++)
				counted = tc[i];
			if (!counted) {
				if (is_tc)
					j.tc_skipped++;
				else
					j.sub_skipped++;
			} else {
				const char *sv = av(x, A_S);

				x->line = line;
				if ((s = xml_num(x, A_T, name, true, &t, err)) ||
				    (s = xml_num(x, A_TS, name, true, &ts, err)) ||
				    (s = xml_num(x, A_NA, name, false, &thr, err)) ||
				    (s = xml_num(x, A_NG, name, false, &ng, err)))
					goto out;
				if (strcmp(sv, "true") != 0 &&
				    strcmp(sv, "false") != 0) {
					char shown[64];

					s = cs_error_set(err, CS_ERR_INVALID, path, line,
					                 0, NULL, "<%s> attribute s= is "
					                 "not true or false: \"%s\"", name,
					                 cs_imp_printable(sv, shown,
					                                  sizeof shown));
					goto out;
				}
				if (isnan(thr))
					thr = ng;
				if ((s = sample(&j, av(x, A_LB), ts, t,
				                strcmp(sv, "true") == 0, av(x, A_RC),
				                av(x, A_RM), "", thr)))
					goto out;
			}
			if (kind == 0) {
				if (depth == MAX_DEPTH) {
					s = cs_error_set(err, CS_ERR_PARSE, path, line,
					                 0, NULL, "samples nested more "
					                 "than %d deep", MAX_DEPTH);
					goto out;
				}
				tc[depth++] = is_tc;
			}
		}
	}
	if (ferror(x->f)) {
		s = cs_error_set(err, CS_ERR_IO, path, x->line, 0, NULL,
		                 "read error");
		goto out;
	}
	if (!root && cs_imp_agg_requests(j.agg) == 0) {
		s = cs_error_set(err, CS_ERR_PARSE, path, 1, 0, NULL,
		                 "no <testResults> element: not a JMeter XML "
		                 "JTL");
		goto out;
	}
	s = finish(&j, path, "jtl-xml", set, x->line, err);
out:
	if (s == CS_ERR_NOMEM)
		cs_error_set(err, s, path, 0, 0, NULL, "out of memory");
	cs_imp_agg_free(j.agg);
	free(j.parent);
	free(j.parent_thread);
	for (i = 0; i < NATTR; i++)
		free(x->val[i]);
	if (x->f)
		fclose(x->f);
	free(x);
	return s;
}

/* ---- entry --------------------------------------------------------------- */

cs_status
cs_imp_jmeter_read(const char *path, cs_imp_set *set, cs_error *err)
{
	char head[4096], *p;
	size_t len, n, i, counts[4] = { 0 };
	const char delims[4] = { ',', ';', '\t', '|' };
	char delim = ',';
	cs_status s;

	if ((s = cs_imp_head(path, head, sizeof head, &len, err)))
		return s;
	if (len == 0)
		return cs_error_set(err, CS_ERR_PARSE, path, 0, 0, NULL,
		                    "the file is empty");
	p = head;
	if (len >= 3 && (unsigned char)p[0] == 0xEF &&
	    (unsigned char)p[1] == 0xBB && (unsigned char)p[2] == 0xBF)
		p += 3;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '<')
		return read_xml(path, set, err);
	/* the delimiter: jmeter.save.saveservice.default_delimiter */
	n = strcspn(p, "\r\n");
	for (i = 0; i < n; i++) {
		size_t k;

		for (k = 0; k < 4; k++)
			counts[k] += p[i] == delims[k];
	}
	for (i = 1; i < 4; i++)
		if (counts[i] >= 8 && counts[i] > counts[0])
			delim = delims[i];
	return read_csv(path, delim, cs_imp_stristr(p, "timeStamp") == p ||
	                (n > 0 && !isdigit((unsigned char)*p)), set, err);
}
