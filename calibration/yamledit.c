/*
 * calibration/yamledit — the scenario file as YAML text: a dotted path
 * (app.cpu_scale, endpoints.0.name) in its tree, path=value assignments
 * applied to the text in place (cs_cal_edit_text: comments, order and layout
 * kept), and the calibrated scenario (cs_cal_scenario_text): the fitted
 * values written in, a header saying how they were found, and the
 * calibration block that predictions read back (predict.c).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calibration/fit-private.h"
#include "config/conf.h"

/* ---- paths in a YAML tree ----------------------------------------------- */

int
cs_calp_split_path(const char *path, size_t len, segs *g)
{
	char *p;

	if (len >= sizeof g->buf || len == 0)
		return -1;
	memcpy(g->buf, path, len);
	g->buf[len] = '\0';
	g->n = 0;
	g->path = path;
	g->len = len;
	p = g->buf;
	for (;;) {
		char *dot = strchr(p, '.');

		if (g->n == MAXSEG)
			return -1;
		if (dot)
			*dot = '\0';
		if (!*p)
			return -1;
		g->s[g->n++] = p;
		if (!dot)
			return 0;
		p = dot + 1;
	}
}

static int
is_index(const char *s, size_t *idx)
{
	size_t v = 0;
	const char *p;

	if (!*s || strlen(s) > 18)
		return 0;
	for (p = s; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return 0;
		v = v * 10 + (size_t)(*p - '0');
	}
	*idx = v;
	return 1;
}

/* The node at g's path, by the rules of --set (cs_conf_walk). */
cs_conf_node *
cs_calp_walk(cs_conf_node *root, const segs *g, cs_conf_node **last,
             size_t *matched)
{
	return cs_conf_walk(root, g->path, g->len, last, matched);
}

/* ---- editing YAML text -------------------------------------------------- */

/* Byte offset of 1-based (line, col), col counted in characters as
 * libyaml's marks are.  -1 if outside the text. */
static long
offset_of(const char *text, int line, int col)
{
	const unsigned char *p = (const unsigned char *)text;
	int l = 1, c = 1;

	if (p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
		p += 3;
	while (*p && l < line) {
		if (*p == '\n')
			l++;
		p++;
	}
	if (l != line)
		return -1;
	while (*p && *p != '\n' && c < col) {
		p++;
		while ((*p & 0xC0) == 0x80)
			p++;
		c++;
	}
	if (c != col)
		return -1;
	return (long)((const char *)p - text);
}

/* End (exclusive) of the scalar token starting at off; -1 if it does not
 * read as value there. */
static long
scalar_end(const char *text, long off, const cs_conf_node *n)
{
	const char *p = text + off;

	if (*p == '"' || *p == '\'') {
		char q = *p++;

		while (*p) {
			if (q == '"' && *p == '\\' && p[1]) {
				p += 2;
				continue;
			}
			if (*p == q) {
				if (q == '\'' && p[1] == '\'') {
					p += 2;
					continue;
				}
				return (long)(p + 1 - text);
			}
			if (*p == '\n')
				return -1;  /* multi-line quoted: not here */
			p++;
		}
		return -1;
	}
	if (!n->value || !*n->value)
		return -1;
	if (strncmp(p, n->value, strlen(n->value)))
		return -1;
	return off + (long)strlen(n->value);
}

/* Offset of the bracket closing the flow collection opened at off; -1 if
 * none.  Skips quoted scalars and comments. */
static long
flow_end(const char *text, long off)
{
	const char *p = text + off;
	int depth = 0;

	for (; *p; p++) {
		if (*p == '"' || *p == '\'') {
			char q = *p++;

			while (*p && *p != q) {
				if (q == '"' && *p == '\\' && p[1])
					p++;
				p++;
			}
			if (!*p)
				return -1;
		} else if (*p == '#' && (p == text || isspace((unsigned char)
		                                               p[-1]))) {
			while (*p && *p != '\n')
				p++;
			if (!*p)
				return -1;
		} else if (*p == '{' || *p == '[') {
			depth++;
		} else if (*p == '}' || *p == ']') {
			if (--depth == 0)
				return (long)(p - text);
		}
	}
	return -1;
}

static cs_status
splice(char **text, long at, long len, const char *ins)
{
	size_t old = strlen(*text), il = strlen(ins);
	char *t = malloc(old - (size_t)len + il + 1);

	if (!t)
		return CS_ERR_NOMEM;
	memcpy(t, *text, (size_t)at);
	memcpy(t + at, ins, il);
	memcpy(t + (size_t)at + il, *text + at + len, old - (size_t)at -
	       (size_t)len + 1);
	free(*text);
	*text = t;
	return CS_OK;
}

static cs_status
edit_fail(cs_error *err, const char *name, const char *a, const char *why)
{
	return cs_error_set(err, CS_ERR_USAGE, name, 0, 0, a,
	                    "cannot edit the file in place: %s", why);
}

static cs_status
edit_one(char **text, const char *name, const char *a, cs_error *err)
{
	cs_conf *cf = NULL;
	cs_conf_node *n, *last;
	const char *eq = strchr(a, '=');
	segs g;
	size_t matched, i, dummy;
	long off, end;
	char *ins = NULL;
	cs_status s;

	if (!eq || cs_calp_split_path(a, (size_t)(eq - a), &g))
		return edit_fail(err, name, a, "expected path=value");
	if ((s = cs_conf_parse_string(*text, strlen(*text), name, &cf, err)))
		return s;
	n = cs_calp_walk(cf->root, &g, &last, &matched);
	if (n) {
		if (n->kind != CS_CONF_SCALAR) {
			s = edit_fail(err, name, a, "the value there is a map or "
			              "a list, not a single value");
			goto out;
		}
		off = offset_of(*text, n->line, n->col);
		end = off < 0 ? -1 : scalar_end(*text, off, n);
		if (end < 0) {
			s = edit_fail(err, name, a, "the value is not written "
			              "on one line");
			goto out;
		}
		s = splice(text, off, end - off, eq + 1);
		if (s)
			s = cs_calp_nomem(err);
		goto out;
	}
	/* insert the missing keys into the deepest map there is */
	if (!last || last->kind != CS_CONF_MAP) {
		s = edit_fail(err, name, a, "its parent is not a map in the "
		              "file");
		goto out;
	}
	for (i = matched; i < g.n; i++)
		if (is_index(g.s[i], &dummy)) {
			s = edit_fail(err, name, a, "a list item is missing");
			goto out;
		}
	{
		/* "k1: {k2: {k3: value}}" */
		size_t cap = strlen(a) + 8 * g.n + 16, o = 0;

		ins = malloc(cap);
		if (!ins) {
			s = cs_calp_nomem(err);
			goto out;
		}
		for (i = matched; i < g.n; i++)
			o += (size_t)snprintf(ins + o, cap - o, "%s: %s",
			                      g.s[i], i + 1 < g.n ? "{" : "");
		o += (size_t)snprintf(ins + o, cap - o, "%s", eq + 1);
		for (i = matched + 1; i < g.n; i++)
			o += (size_t)snprintf(ins + o, cap - o, "}");
	}
	off = offset_of(*text, last->line, last->col);
	if (off >= 0 && (*text)[off] == '{') {
		/* flow map: a last item before the closing brace */
		long close = flow_end(*text, off), at;
		char *t;

		if (close < 0) {
			s = edit_fail(err, name, a, "cannot find the end of "
			              "the map");
			goto out;
		}
		at = close;
		while (at > off + 1 && isspace((unsigned char)(*text)[at - 1]))
			at--;
		t = cs_calp_printf("%s%s", last->n ? ", " : "", ins);
		s = t ? splice(text, at, 0, t) : CS_ERR_NOMEM;
		free(t);
	} else if (last->n && last->items[0]->key_line > 0) {
		/* block map: a new first line at the first key's indentation */
		long k = offset_of(*text, last->items[0]->key_line,
		                   last->items[0]->key_col);
		long ls = k;
		char *t;

		if (k < 0) {
			s = edit_fail(err, name, a, "cannot find the map");
			goto out;
		}
		while (ls > 0 && (*text)[ls - 1] != '\n')
			ls--;
		t = cs_calp_printf("%s\n%*s", ins, (int)(k - ls), "");
		/* keep the bytes before the key on its line (a "- ") */
		s = t ? splice(text, k, 0, t) : CS_ERR_NOMEM;
		free(t);
	} else {
		s = edit_fail(err, name, a, "the map there is empty");
		goto out;
	}
	if (s)
		s = cs_calp_nomem(err);
out:
	free(ins);
	cs_conf_free(cf);
	return s;
}

cs_status
cs_cal_edit_text(const char *text, const char *name,
                 const char *const *assignments, size_t n, char **out,
                 cs_error *err)
{
	char *t = cs_calp_strdup(text);
	size_t i;
	cs_status s;

	*out = NULL;
	if (!t)
		return cs_calp_nomem(err);
	/* one at a time, re-reading the text: positions stay right and a
	 * map inserted by one assignment receives the next */
	for (i = 0; i < n; i++)
		if ((s = edit_one(&t, name, assignments[i], err))) {
			free(t);
			return s;
		}
	*out = t;
	return CS_OK;
}

/* ---- the calibrated scenario -------------------------------------------- */

/* Remove a top-level "calibration:" block (a file calibrated before)
 * from text, in place: the key's line and the indented or blank lines
 * under it. */
static void
strip_block(char *text)
{
	char *p = text;

	while (*p) {
		char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p + 1) : strlen(p);

		if (!strncmp(p, "calibration:", 12)) {
			char *q = p + len;

			/* the block: indented lines and blank ones */
			while (*q == ' ' || *q == '\t' || *q == '\n') {
				char *e = strchr(q, '\n');

				q = e ? e + 1 : q + strlen(q);
			}
			memmove(p, q, strlen(q) + 1);
			continue;
		}
		p += len;
	}
}

/* Append the calibration block (cs_cal_unc_read reads it back). */
static cs_status
calibration_block(const cs_cal *c, char **text, cs_error *err)
{
	lines l = { 0 };
	size_t i, len, o;
	char *t;
	int m;

#define ADD(...) do { if (cs_calp_lines_add(&l, \
		cs_calp_printf(__VA_ARGS__))) { cs_calp_lines_free(&l); \
		return cs_calp_nomem(err); } } while (0)
	strip_block(*text);
	ADD("calibration:");
	ADD("  # What the calibration knows, and does not: predictions from "
	    "this file");
	ADD("  # (capsim validate) sample these values and add this noise "
	    "(docs/calibration.md).");
	ADD("  parameters:");
	for (i = 0; i < c->nparams; i++) {
		const param *pr = &c->params[i];
		static const char *const kinds[] = {
			"duration", "rate", "ratio", "number", "integer"
		};
		char se[64];

		if (isfinite(pr->pub.se_log) && pr->pub.identified)
			snprintf(se, sizeof se, ", se_log: %.4g", pr->pub.se_log);
		else
			se[0] = '\0';
		ADD("    - {path: \"%s\", kind: %s, value: %.6g%s, low: %.6g, "
		    "high: %.6g, identified: %s%s%s%s}", pr->path,
		    kinds[pr->pub.kind], pr->pub.value, se, pr->pub.lo,
		    pr->pub.hi, pr->pub.identified ? "true" : "false",
		    pr->pub.identified ? "" : ", pin: \"",
		    pr->pub.identified ? "" : pr->pub.pin_with,
		    pr->pub.identified ? "" : "\"");
	}
	{
		char buf[600];
		size_t n = 0;

		/* the real system's noise, and what the model missed at the
		 * calibration points beyond it: both blur every prediction */
		for (m = 0; m < CS_CAL_NMETRICS; m++)
			n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s: %.4g",
			    m ? ", " : "", cs_cal_metric_name((cs_cal_metric)m),
			    c->floor[m]);
		ADD("  noise: {%s}", buf);
		n = 0;
		for (m = 0; m < CS_CAL_NMETRICS; m++)
			n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s: %.4g",
			    m ? ", " : "", cs_cal_metric_name((cs_cal_metric)m),
			    c->disc[m]);
		ADD("  discrepancy: {%s}", buf);
		/* the error rate's figures are of asin(sqrt(e)): a reader
		 * that finds no such line takes them as of the fraction */
		ADD("  error_rate_units: angle");
		/* the run-to-run speed of the machines: predictions scale the
		 * CPU work of each parameter set by a factor drawn with it */
		ADD("  # the machines' speed between runs: sd of ln(CPU per request) "
		    "(%s)", c->speed_src == 2 ? "given" : c->speed_src == 1 ?
		    "from the CPU per request the points measured" : "default");
		ADD("  speed_noise: %.4g", c->speed);
		/* an estimate's looks and the default's worth: a new run's
		 * speed is Student's t with as many degrees of freedom */
		if (c->speed_src != 2)
			ADD("  speed_dof: %.0f", (double)c->speed_dof +
			    CS_CALP_SPEED_PRIOR_DOF);
	}
	if (c->ndraws) {
		if (c->kept)
			ADD("  # a sample of the values the data allow (%zu sets, from "
			    "the fit's normal approximation: %zu of %u drawn fit "
			    "within its uncertainty; weighted, %.1f effective "
			    "of %zu tried)", c->ndraws, c->kept,
			    c->opts.proposals, c->ess, c->tried);
		else
			ADD("  # a sample of the values the data allow (%zu sets, "
			    "from %.1f effective of %u tried)", c->ndraws, c->ess,
			    c->opts.proposals);
		ADD("  draws:");
		for (i = 0; i < c->ndraws; i++) {
			char buf[2000];
			size_t n = 0, k;

			for (k = 0; k < c->nparams && n < sizeof buf - 40; k++)
				n += (size_t)snprintf(buf + n, sizeof buf - n,
				    "%s%.6g", k ? ", " : "",
				    c->draws[i * c->nparams + k]);
			ADD("    - [%s]", buf);
		}
	}
#undef ADD
	len = strlen(*text) + 2;
	for (i = 0; i < l.n; i++)
		len += strlen(l.v[i]) + 1;
	t = malloc(len);
	if (!t) {
		cs_calp_lines_free(&l);
		return cs_calp_nomem(err);
	}
	o = (size_t)sprintf(t, "%s", *text);
	if (o && t[o - 1] != '\n')
		t[o++] = '\n';
	for (i = 0; i < l.n; i++)
		o += (size_t)sprintf(t + o, "%s\n", l.v[i]);
	free(*text);
	*text = t;
	cs_calp_lines_free(&l);
	return CS_OK;
}

cs_status
cs_cal_scenario_text(const cs_cal *c, const char *const *files,
                     size_t nfiles, char **out, cs_error *err)
{
	lines head = { 0 };
	char **as = NULL, *edited = NULL, *t = NULL, *cur = NULL;
	size_t i, na = 0, len;
	cs_scenario *sc = NULL;
	cs_status s = CS_OK;
	char a[64], b[160], d[64];

	*out = NULL;
	as = calloc(c->nsets + c->nparams + 1, sizeof *as);
	if (!as)
		return cs_calp_nomem(err);
#define HEAD(...) do { if (cs_calp_lines_add(&head, \
		cs_calp_printf(__VA_ARGS__))) { s = cs_calp_nomem(err); \
		goto out; } } while (0)
	HEAD("# Calibrated by capsim calibrate from %s", c->path);
	for (i = 0; i < nfiles; i++)
		HEAD("#   data: %s", files[i]);
	for (i = 0; i < c->npoints; i++) {
		char sets[600];
		size_t j, o = 0;

		sets[0] = '\0';
		for (j = 0; j < c->points[i].nsets && o < sizeof sets; j++)
			o += (size_t)snprintf(sets + o, sizeof sets - o,
			                      " --point-set %s", c->points[i].sets[j]);
		HEAD("#   point \"%s\"%s", c->points[i].name, sets);
	}
	if (c->opts.steady)
		HEAD("#   fitted on steady runs (stages replaced by a jump to "
		     "the point's load)");
	HEAD("#   objective %.4g (mean squared error in units of each number's noise), %u "
	     "simulations, %u replications each, seed %llu", c->objective,
	     c->evals, c->opts.replications, (unsigned long long)c->seed);
	/* global overrides that are single values go into the text; the
	 * others stay on the command line */
	cur = cs_calp_strdup(c->text);
	if (!cur) {
		s = cs_calp_nomem(err);
		goto out;
	}
	for (i = 0; i < c->nsets; i++) {
		const char *eqs = strchr(c->sets[i], '=');
		const char *one[1];
		char *next = NULL;
		cs_error e2;

		one[0] = c->sets[i];
		if (eqs && (eqs[1] == '[' || eqs[1] == '{')) {
			HEAD("#   not written into the file: --set %s (pass it "
			     "to capsim run)", c->sets[i]);
			continue;
		}
		memset(&e2, 0, sizeof e2);
		if (cs_cal_edit_text(cur, c->path, one, 1, &next, &e2)) {
			HEAD("#   not written into the file: --set %s (pass it "
			     "to capsim run)", c->sets[i]);
			continue;
		}
		free(cur);
		cur = next;
		HEAD("#   written into the file: --set %s", c->sets[i]);
	}
	HEAD("# Fitted values (95%% interval: exp(+-1.96 x standard error of "
	     "the log), from the Gauss-Newton covariance of the fit, cut at "
	     "the bounds):");
	for (i = 0; i < c->nparams; i++) {
		const param *pr = &c->params[i];
		double se = pr->pub.se_log;

		as[na] = malloc(600);
		if (!as[na]) {
			s = cs_calp_nomem(err);
			goto out;
		}
		cs_calp_assign(pr, pr->pub.value, as[na], 600);
		na++;
		cs_cal_format(pr->pub.kind, pr->pct, pr->pub.value, a, sizeof a);
		if (!isnan(pr->pub.initial))
			cs_cal_format(pr->pub.kind, pr->pct, pr->pub.initial, d,
			              sizeof d);
		else
			snprintf(d, sizeof d, "(default)");
		if (isfinite(se) && 1.96 * se > log(100)) {
			snprintf(b, sizeof b, "(wider than x100 either way: the "
			         "data do not pin it down)");
		} else if (isfinite(se)) {
			char lo[64], hi[64];
			double l, h;

			cs_cal_interval(&pr->pub, &l, &h);
			cs_cal_format(pr->pub.kind, pr->pct, l, lo, sizeof lo);
			cs_cal_format(pr->pub.kind, pr->pct, h, hi, sizeof hi);
			snprintf(b, sizeof b, "[%s .. %s]", lo, hi);
		} else {
			snprintf(b, sizeof b, "%s", isinf(se) ?
			         "(not identifiable)" : "(no interval)");
		}
		if (!pr->pub.identified) {
			char lo[64], hi[64];

			cs_cal_format(pr->pub.kind, pr->pct, pr->pub.lo, lo,
			              sizeof lo);
			cs_cal_format(pr->pub.kind, pr->pct, pr->pub.hi, hi,
			              sizeof hi);
			snprintf(b, sizeof b, "NOT IDENTIFIED: range %s .. %s",
			         lo, hi);
		}
		HEAD("#   %s: %s -> %s %s%s", pr->path, d, a, b,
		     pr->pub.on_bound ? " ON A BOUND" : "");
		if (!pr->pub.identified)
			HEAD("#     to pin it, measure %s", pr->pub.pin_with);
	}
	for (i = 0; i < c->warn.n; i++)
		HEAD("# warning: %s", c->warn.v[i]);
	s = cs_cal_edit_text(cur, c->path, (const char *const *)as, na,
	                     &edited, err);
	if (s)
		goto out;
	if ((s = calibration_block(c, &edited, err)))
		goto out;
	len = strlen(edited) + 2;
	for (i = 0; i < head.n; i++)
		len += strlen(head.v[i]) + 1;
	t = malloc(len + 1);
	if (!t) {
		s = cs_calp_nomem(err);
		goto out;
	}
	t[0] = '\0';
	{
		size_t o = 0;

		for (i = 0; i < head.n; i++)
			o += (size_t)sprintf(t + o, "%s\n", head.v[i]);
		sprintf(t + o, "#\n%s", edited);
	}
	/* it must load, and say what the fit used */
	s = cs_scenario_load_string(t, c->path, NULL, 0, &sc, err);
	cs_scenario_free(sc);
	if (s)
		goto out;
	*out = t;
	t = NULL;
out:
#undef HEAD
	free(t);
	free(edited);
	free(cur);
	cs_calp_strv_free(as, c->nsets + c->nparams + 1);
	cs_calp_lines_free(&head);
	return s;
}
