/*
 * report/plot — charts drawn by gnuplot.
 *
 * gnuplot runs without a shell (posix_spawnp): its script is its standard
 * input (a temporary file, so a gnuplot that dies early cannot leave us
 * blocked on a pipe or killed by SIGPIPE), the data is another temporary
 * file, and the picture is its standard output, written into a temporary
 * file beside the destination and renamed into place when complete.  No
 * user text reaches a command line; text in the script is quoted for
 * gnuplot and drawn without markup ("noenhanced").
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config/outfile.h"
#include "report/report-private.h"

extern char **environ;

/* Colours that stay apart for the colour-blind (Okabe and Ito), then a
 * few more; black is kept for measured points. */
static const char *const colours[] = {
	"#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9",
	"#7f7f7f", "#8c564b",
};
#define NCOLOURS (sizeof colours / sizeof colours[0])
#define SLO_COLOUR "#c0392b"

/* Measured points: filled circle, square, triangle, diamond. */
static const int mark_types[] = { 7, 5, 9, 13 };
#define NMARKS (sizeof mark_types / sizeof mark_types[0])

typedef struct line {
	char *title;         /* legend */
	cs_rep_series s;     /* owns its arrays */
	int colour, dash;
	size_t metric;       /* its index in the options' y */
} line;

typedef struct mark {
	char *title;
	size_t n;
	double *x, *y;       /* users; value as shown */
	char **name;         /* the point's name, or NULL */
	int type;
} mark;

typedef struct hline {
	double y;            /* as shown */
	char *label;
	char path[64];       /* the SLO term's metric */
} hline;

/* Where a line crosses an SLO limit, by linear interpolation between the
 * two points around it: the load at which the SLO starts (or stops)
 * being met, the answer a capacity chart is read for. */
typedef struct crossing {
	double x, y;         /* as shown */
	char *label;
} crossing;

struct cs_rep_chart {
	char *title, *subtitle, *xlabel, *ylabel, *note;
	char *varies;        /* the third title line: what varies */
	size_t label_len;    /* the subtitle's label and ": " (0: none), a
	                      * line of its own when the whole is too long
	                      * for the chart's width */
	cs_rep_unit unit;
	line *lines;
	size_t nlines;
	mark *marks;
	size_t nmarks;
	hline *hlines;
	size_t nhlines;
	crossing *cross;
	size_t ncross;
	bool logy;
	double ymin, ymax;   /* the y range, as shown */
	unsigned width, height;
};

/* ---- layout -------------------------------------------------------------- */

void
cs_rep_chart_free(cs_rep_chart *c)
{
	size_t i, k;

	if (!c)
		return;
	for (i = 0; i < c->nlines; i++) {
		free(c->lines[i].title);
		free(c->lines[i].s.label);
		free(c->lines[i].s.x);
		free(c->lines[i].s.y);
		free(c->lines[i].s.point);
	}
	for (i = 0; i < c->nmarks; i++) {
		for (k = 0; k < c->marks[i].n; k++)
			free(c->marks[i].name[k]);
		free(c->marks[i].title);
		free(c->marks[i].x);
		free(c->marks[i].y);
		free(c->marks[i].name);
	}
	for (i = 0; i < c->nhlines; i++)
		free(c->hlines[i].label);
	for (i = 0; i < c->ncross; i++)
		free(c->cross[i].label);
	free(c->cross);
	free(c->lines);
	free(c->marks);
	free(c->hlines);
	free(c->title);
	free(c->subtitle);
	free(c->varies);
	free(c->xlabel);
	free(c->ylabel);
	free(c->note);
	free(c);
}

bool
cs_rep_chart_logy(const cs_rep_chart *c)
{
	return c->logy;
}

size_t
cs_rep_chart_nlimits(const cs_rep_chart *c)
{
	return c->nhlines;
}

const char *
cs_rep_chart_note(const cs_rep_chart *c)
{
	return c->note;
}

/* printf into a new string; NULL when out of memory. */
static char *
fmt(const char *f, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 1, 2)))
#endif
	;

static char *
fmt(const char *f, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, f);
	n = vsnprintf(NULL, 0, f, ap);
	va_end(ap);
	if (n < 0 || !(s = malloc((size_t)n + 1)))
		return NULL;
	va_start(ap, f);
	vsnprintf(s, (size_t)n + 1, f, ap);
	va_end(ap);
	return s;
}

static const char *
base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* "p50, p95, p99" from the metrics' names. */
static char *
names_of(const cs_rep_y *y, size_t ny)
{
	size_t i, len = 1;
	char *s;

	for (i = 0; i < ny; i++)
		len += strlen(y[i].name) + 2;
	if (!(s = malloc(len)))
		return NULL;
	s[0] = '\0';
	for (i = 0; i < ny; i++) {
		if (i)
			strcat(s, ", ");
		strcat(s, y[i].name);
	}
	return s;
}

/*
 * What a value counts where it matters: a varied pool size is per pool
 * (pools are per instance or per process), not the system's connections;
 * workers and cores are per instance; the resources' levels are sums over
 * every instance or pool.  NULL: nothing to say.
 */
static const char *
scope_of(const char *path)
{
	static const struct {
		const char *prefix, *scope;
	} t[] = {
		{ "db.pool.size", "per pool" },
		{ "db.pool.max_waiting", "per pool" },
		{ "app.workers", "per instance" },
		{ "app.cores", "per instance" },
		{ "app.backlog", "per instance" },
		{ "app.processes", "per instance" },
		{ "resources.app.workers_busy", "all instances" },
		{ "resources.app.backlog", "all instances" },
		{ "resources.db_pool.in_use", "all pools" },
		{ "resources.db_pool.waiters", "all pools" },
		{ "resources.db_pool.queue_full", "all pools" },
	};
	size_t k, n;

	for (k = 0; k < sizeof t / sizeof t[0]; k++) {
		n = strlen(t[k].prefix);
		if (!strncmp(path, t[k].prefix, n) &&
		    (!path[n] || path[n] == '.' || path[n] == '='))
			return t[k].scope;
	}
	/* services' concurrency limits are per app instance (docs/guide.md
	 * 4.9): services.NAME.concurrency */
	n = strlen(path);
	if (!strncmp(path, "services.", 9) && n > 12 &&
	    !strcmp(path + n - 12, ".concurrency"))
		return "per instance";
	return NULL;
}

/* A series label "a=1, b=2" with each value's scope after it:
 * "db.pool.size=20 per pool". */
static char *
scoped_label(const char *label)
{
	size_t len = strlen(label), o = 0;
	char *out = malloc(2 * len + 64), seg[256];
	const char *p = label;

	if (!out)
		return NULL;
	while (*p) {
		size_t w = strcspn(p, ",");
		const char *sc;

		snprintf(seg, sizeof seg, "%.*s", (int)w, p);
		sc = scope_of(seg[0] == ' ' ? seg + 1 : seg);
		o += (size_t)snprintf(out + o, 2 * len + 64 - o, "%s%s%s", seg,
		                      sc ? " " : "", sc ? sc : "");
		p += w;
		if (*p == ',') {
			out[o++] = ',';
			p++;
		}
		if (o + 20 >= 2 * len + 64)
			break;
	}
	out[o] = 0;
	return out;
}

static cs_status
oom(cs_error *err)
{
	return cs_error_set(err, CS_ERR_NOMEM, "", 0, 0, "", "out of memory");
}

static cs_status
add_lines(cs_rep_chart *c, const cs_rep_doc *d, const cs_rep_x *x,
          const cs_rep_chart_opts *o, cs_error *err)
{
	size_t k, i;
	cs_status s;

	for (k = 0; k < o->ny; k++) {
		cs_rep_series *ss;
		size_t ns;
		line *nl;

		if ((s = cs_rep_series_build(d, x, &o->y[k], &ss, &ns, err)))
			return s;
		nl = realloc(c->lines, (c->nlines + ns + 1) * sizeof *nl);
		if (!nl) {
			cs_rep_series_free(ss, ns);
			return oom(err);
		}
		c->lines = nl;
		for (i = 0; i < ns; i++) {
			line *l = &c->lines[c->nlines++];

			memset(l, 0, sizeof *l);
			l->s = ss[i];
			l->metric = k;
			/* several groups: colour by group, dash by metric;
			 * one group: colour by metric */
			if (ns > 1) {
				l->colour = (int)(i % NCOLOURS);
				l->dash = (int)k + 1;
			} else {
				l->colour = (int)(k % NCOLOURS);
				l->dash = 1;
			}
			{
				const char *ys = scope_of(o->y[k].path);
				char *lab = scoped_label(ss[i].label);

				if (o->ny > 1 && lab && lab[0])
					l->title = fmt("%s%s%s%s, %s", o->y[k].name,
					               ys ? " (" : "", ys ? ys : "",
					               ys ? ")" : "", lab);
				else if (lab && lab[0])
					l->title = fmt("%s", lab);
				else
					l->title = fmt("%s%s%s%s", o->y[k].name,
					               ys ? " (" : "", ys ? ys : "",
					               ys ? ")" : "");
				free(lab);
			}
			if (!l->title) {
				/* the rest of ss is not owned by the chart yet */
				for (i++; i < ns; i++) {
					free(ss[i].label);
					free(ss[i].x);
					free(ss[i].y);
					free(ss[i].point);
				}
				free(ss);
				return oom(err);
			}
		}
		free(ss);
	}
	return CS_OK;
}

static cs_status
add_marks(cs_rep_chart *c, const cs_rep_x *x, const cs_rep_chart_opts *o,
          cs_error *err)
{
	const cs_imp_set *m = o->measured;
	const char *src = NULL;
	bool one_src = true;
	size_t k, i, placed = 0;

	if (!m || !m->n)
		return CS_OK;
	if (!x->users) {
		c->note = fmt("the measured points are placed by their users; "
		              "x is %s, so they are not drawn", x->path);
		return c->note ? CS_OK : oom(err);
	}
	for (i = 0; i < m->n; i++) {
		if (src && strcmp(src, m->points[i].source))
			one_src = false;
		src = m->points[i].source;
	}
	c->marks = calloc(o->ny, sizeof *c->marks);
	if (!c->marks)
		return oom(err);
	for (k = 0; k < o->ny; k++) {
		mark *mk = &c->marks[c->nmarks];

		if (o->y[k].field == CS_REP_F_NONE)
			continue;
		mk->x = calloc(m->n, sizeof(double));
		mk->y = calloc(m->n, sizeof(double));
		mk->name = calloc(m->n, sizeof(char *));
		mk->type = mark_types[c->nmarks % NMARKS];
		mk->title = one_src ? fmt("measured %s (%s)", o->y[k].name,
		                          base_name(src))
		                    : fmt("measured %s", o->y[k].name);
		c->nmarks++;
		if (!mk->x || !mk->y || !mk->name || !mk->title)
			return oom(err);
		for (i = 0; i < m->n; i++) {
			const cs_imp_point *p = &m->points[i];
			double v = cs_rep_field_get(p, o->y[k].field);

			if (!isfinite(p->users) || !isfinite(v))
				continue;
			mk->x[mk->n] = p->users;
			mk->y[mk->n] = cs_rep_shown(o->y[k].unit, v);
			if (p->name && !(mk->name[mk->n] = strdup(p->name)))
				return oom(err);
			mk->n++;
			placed++;
		}
	}
	if (!placed) {
		char *names = names_of(o->y, o->ny);

		if (!names)
			return oom(err);
		if (!c->nmarks)
			c->note = fmt("measured points give latency, throughput "
			              "and error rate; %s has no measured "
			              "counterpart", names);
		else
			c->note = fmt("none of the %zu measured points has both "
			              "its users and %s", m->n, names);
		free(names);
		if (!c->note)
			return oom(err);
	}
	return CS_OK;
}

static cs_status
add_hlines(cs_rep_chart *c, const cs_rep_chart_opts *o, cs_error *err)
{
	size_t i, k;

	if (!o->slo || !o->slo->n)
		return CS_OK;
	c->hlines = calloc(o->slo->n, sizeof *c->hlines);
	if (!c->hlines)
		return oom(err);
	for (i = 0; i < o->slo->n; i++) {
		const cs_rep_slo_term *t = &o->slo->terms[i];
		bool show = false;

		if (t->unit != c->unit)
			continue;
		/* any latency limit means something on a latency chart; other
		 * limits only on the chart of their own metric */
		for (k = 0; k < o->ny; k++)
			if (t->unit == CS_REP_MS || !strcmp(t->path, o->y[k].path))
				show = true;
		if (!show)
			continue;
		c->hlines[c->nhlines].y = cs_rep_shown(t->unit, t->limit);
		snprintf(c->hlines[c->nhlines].path,
		         sizeof c->hlines[c->nhlines].path, "%s", t->path);
		if (!(c->hlines[c->nhlines].label = fmt("SLO %s", t->text)))
			return oom(err);
		c->nhlines++;
	}
	return CS_OK;
}

/*
 * Every crossing of an SLO limit by a line of the limit's own metric,
 * interpolated linearly between the two points around it.  O(lines x
 * points x limits).
 */
static cs_status
add_crossings(cs_rep_chart *c, const cs_rep_x *x, const cs_rep_chart_opts *o,
              cs_error *err)
{
	size_t h, i, j;

	for (h = 0; h < c->nhlines; h++)
		for (i = 0; i < c->nlines; i++) {
			const line *l = &c->lines[i];
			double y = c->hlines[h].y;

			if (strcmp(o->y[l->metric].path, c->hlines[h].path))
				continue;
			for (j = 0; j + 1 < l->s.n; j++) {
				double y0 = l->s.y[j].mean, y1 = l->s.y[j + 1].mean;
				double x0 = l->s.x[j], x1 = l->s.x[j + 1], xc;
				crossing *nc;

				if (!isfinite(y0) || !isfinite(y1) ||
				    !((y0 <= y && y1 > y) || (y0 > y && y1 <= y)))
					continue;
				xc = x0 + (y - y0) * (x1 - x0) / (y1 - y0);
				nc = realloc(c->cross, (c->ncross + 1) * sizeof *nc);
				if (!nc)
					return oom(err);
				c->cross = nc;
				nc[c->ncross].x = xc;
				nc[c->ncross].y = y;
				/* "≈217 users": whole numbers from 100 on */
				nc[c->ncross].label = fmt(fabs(xc) >= 100 ?
				    "\u2248%.0f%s" : "\u2248%.3g%s", xc,
				    x->users ? " users" : "");
				if (!nc[c->ncross].label)
					return oom(err);
				c->ncross++;
			}
		}
	return CS_OK;
}

/*
 * The y axis: logarithmic for latency that spans more than a decade, and
 * a range that holds every mean, band, marker and SLO line with some room
 * above for the labels.  gnuplot's own autoscaling would stretch a log
 * axis out to whole decades and ignores lines drawn with "set arrow".
 */
static void
y_axis(cs_rep_chart *c)
{
	size_t i, k, n = 0, cap = c->nhlines + 1;
	double *v, lo = INFINITY, hi = -INFINITY;

	for (i = 0; i < c->nlines; i++)
		cap += 3 * c->lines[i].s.n;
	for (i = 0; i < c->nmarks; i++)
		cap += c->marks[i].n;
	v = malloc(cap * sizeof *v);
	if (!v) {
		c->logy = false;
		c->ymin = c->ymax = NAN;
		return;
	}
	for (i = 0; i < c->nlines; i++)
		for (k = 0; k < c->lines[i].s.n; k++)
			v[n++] = c->lines[i].s.y[k].mean;
	for (i = 0; i < c->nmarks; i++)
		for (k = 0; k < c->marks[i].n; k++)
			v[n++] = c->marks[i].y[k];
	for (i = 0; i < c->nhlines; i++)
		v[n++] = c->hlines[i].y;
	/* the decision looks at what the lines and markers say, not at
	 * how wide their bands are */
	c->logy = c->unit == CS_REP_MS && cs_rep_log_scale(v, n);
	for (i = 0; i < c->nlines; i++)
		for (k = 0; k < c->lines[i].s.n; k++) {
			v[n++] = c->lines[i].s.y[k].lo;
			v[n++] = c->lines[i].s.y[k].hi;
		}
	for (i = 0; i < n; i++) {
		if (!isfinite(v[i]) || (c->logy && v[i] <= 0))
			continue;
		lo = v[i] < lo ? v[i] : lo;
		hi = v[i] > hi ? v[i] : hi;
	}
	free(v);
	if (!isfinite(lo)) {
		c->ymin = 0;
		c->ymax = 1;
	} else if (c->logy) {
		/* a band down to a hundredth of the lines' lowest point says
		 * "could be near 0"; more would only squash the lines */
		double floor_ = INFINITY;

		for (i = 0; i < c->nlines; i++)
			for (k = 0; k < c->lines[i].s.n; k++)
				if (c->lines[i].s.y[k].mean > 0 &&
				    c->lines[i].s.y[k].mean < floor_)
					floor_ = c->lines[i].s.y[k].mean;
		if (isfinite(floor_) && lo < floor_ / 100)
			lo = floor_ / 100;
		c->ymin = lo / 1.4;
		c->ymax = hi * 1.8;
	} else {
		c->ymin = 0;
		c->ymax = hi > 0 ? hi * 1.12 : 1;
	}
}

static char *
default_title(const cs_rep_chart_opts *o, const cs_rep_x *x)
{
	char *names = names_of(o->y, o->ny), *t = NULL;
	const char *xs = x->users ? "users" : x->path;

	if (!names)
		return NULL;
	switch (o->y[0].unit) {
	case CS_REP_MS:
		t = fmt("Latency %s vs %s", names, xs);
		break;
	case CS_REP_RPS:
		t = o->ny == 1 && o->y[0].field == CS_REP_F_THROUGHPUT ?
		    fmt("Throughput vs %s", xs) : fmt("%s vs %s", names, xs);
		break;
	case CS_REP_RATIO:
		t = o->ny == 1 && o->y[0].field == CS_REP_F_ERROR_RATE ?
		    fmt("Error rate vs %s", xs) : fmt("%s vs %s", names, xs);
		break;
	case CS_REP_PLAIN:
		t = fmt("%s vs %s", names, xs);
		break;
	}
	free(names);
	return t;
}

static char *
y_label(const cs_rep_chart_opts *o)
{
	switch (o->y[0].unit) {
	case CS_REP_MS:
		return o->ny == 1 ? fmt("%s latency (ms)", o->y[0].name) :
		       fmt("latency (ms)");
	case CS_REP_RPS:
		return o->ny == 1 && o->y[0].field == CS_REP_F_THROUGHPUT ?
		       fmt("throughput (req/s)") : fmt("req/s");
	case CS_REP_RATIO:
		return o->ny == 1 && o->y[0].field == CS_REP_F_ERROR_RATE ?
		       fmt("error rate (%% of requests)") :
		       o->ny == 1 ? fmt("%s (%%)", o->y[0].name) : fmt("%%");
	case CS_REP_PLAIN:
		break;
	}
	return o->ny == 1 ? fmt("%s", o->y[0].name) : fmt("value");
}

/* The title's third line: "varies load.users (x), db.pool.size (one line
 * each)", or that a single run varies nothing; caller frees. */
static char *
what_varies(const cs_rep_doc *d, const cs_rep_x *x)
{
	size_t k, len = 64;
	char *s;

	if (!d->ndims)
		return fmt("a single run, nothing varied");
	for (k = 0; k < d->ndims; k++)
		len += strlen(d->paths[k]) + 32;
	if (!(s = malloc(len)))
		return NULL;
	snprintf(s, len, "varies ");
	if (x->dim >= 0) {
		strcat(s, d->paths[x->dim]);
		strcat(s, " (x)");
	}
	for (k = 0; k < d->ndims; k++) {
		if ((int)k == x->dim)
			continue;
		if (strlen(s) > 7)
			strcat(s, ", ");
		strcat(s, d->paths[k]);
		strcat(s, " (one line each)");
	}
	return s;
}

cs_status
cs_rep_chart_new(const cs_rep_doc *d, const cs_rep_chart_opts *o,
                 cs_rep_chart **out, cs_error *err)
{
	cs_rep_chart *c;
	cs_rep_x x;
	cs_status s;
	size_t i;
	char lbuf[512];
	const char *label;

	*out = NULL;
	if (!o->ny)
		return cs_error_set(err, CS_ERR_USAGE, "--y", 0, 0, "",
		                    "no metric to plot");
	if ((s = cs_rep_x_resolve(d, o->x, &x, err)))
		return s;
	if (!(c = calloc(1, sizeof *c)))
		return oom(err);
	c->unit = o->y[0].unit;
	c->width = o->width ? o->width : 1000;
	c->height = o->height ? o->height : 600;
	c->ylabel = y_label(o);
	c->xlabel = scope_of(x.path) ? fmt("%s (%s)", x.label,
	            scope_of(x.path)) : fmt("%s", x.label);
	c->title = o->title ? fmt("%s", o->title) : default_title(o, &x);
	if (!c->ylabel || !c->xlabel || !c->title) {
		cs_rep_chart_free(c);
		return oom(err);
	}
	if ((s = add_lines(c, d, &x, o, err)) || (s = add_marks(c, &x, o, err)) ||
	    (s = add_hlines(c, o, err)) || (s = add_crossings(c, &x, o, err))) {
		cs_rep_chart_free(c);
		return s;
	}
	for (i = 0; i < c->nlines && c->lines[i].s.n < 2; i++)
		;
	/* lines of one point have an error bar instead of a band */
	c->varies = what_varies(d, &x);
	label = cs_rep_doc_label(d, lbuf, sizeof lbuf);
	c->label_len = label ? strlen(label) + 2 : 0;
	c->subtitle = fmt("%s%s%u replications%s; %s are %s",
	                  label ? label : "", label ? ": " : "",
	                  d->replications, d->ndims ? " per point" : "",
	                  i < c->nlines ? "shaded bands" : "error bars",
	                  cs_rep_doc_has_pi(d) ? "90% prediction intervals" :
	                  "95% confidence intervals");
	if (!c->subtitle || !c->varies) {
		cs_rep_chart_free(c);
		return oom(err);
	}
	y_axis(c);
	*out = c;
	return CS_OK;
}

/* ---- the script ---------------------------------------------------------- */

/* s (at most its first n bytes) as a gnuplot single-quoted string: ''
 * stands for ', nothing else is special; control characters become
 * spaces. */
static void
quoted_n(FILE *f, const char *s, size_t n)
{
	fputc('\'', f);
	for (; n > 0 && *s; s++, n--) {
		if (*s == '\'')
			fputs("''", f);
		else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			fputc(' ', f);
		else
			fputc(*s, f);
	}
	fputc('\'', f);
}

static void
quoted(FILE *f, const char *s)
{
	quoted_n(f, s, SIZE_MAX);
}

/* A string column of the data file: double quotes, none inside. */
static void
data_text(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++)
		fputc(*s == '"' ? '\'' : (unsigned char)*s < 0x20 ? ' ' : *s, f);
	fputc('"', f);
}

static void
data_num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, " %.10g", v);
	else
		fputs(" NaN", f);
}

cs_status
cs_rep_chart_script(const cs_rep_chart *c, cs_rep_fmt format,
                    const char *data_path, FILE *fs, FILE *fd)
{
	size_t i, k, block = 0;
	bool first = true;

	/* data: one block per line (x mean lo hi), then one per set of
	 * measured points (x y "name"), separated by two blank lines */
	for (i = 0; i < c->nlines; i++, block++) {
		const cs_rep_series *s = &c->lines[i].s;

		fprintf(fd, "# %zu: ", block);
		data_text(fd, c->lines[i].title);
		fputc('\n', fd);
		for (k = 0; k < s->n; k++) {
			double lo = s->y[k].lo;

			/* a log axis has no room for 0: leave that part of
			 * the band out rather than stretch it down */
			if (c->logy && !(lo > 0))
				lo = NAN;
			data_num(fd, s->x[k]);
			data_num(fd, s->y[k].mean);
			data_num(fd, lo);
			data_num(fd, s->y[k].hi);
			fputc('\n', fd);
		}
		fputs("\n\n", fd);
	}
	for (i = 0; i < c->nmarks; i++, block++) {
		fprintf(fd, "# %zu: ", block);
		data_text(fd, c->marks[i].title);
		fputc('\n', fd);
		for (k = 0; k < c->marks[i].n; k++) {
			data_num(fd, c->marks[i].x[k]);
			data_num(fd, c->marks[i].y[k]);
			fputc(' ', fd);
			data_text(fd, c->marks[i].name[k] ? c->marks[i].name[k] : "");
			fputc('\n', fd);
		}
		/* an empty block would merge with its neighbours' separators */
		if (!c->marks[i].n)
			fputs("NaN NaN \"\"\n", fd);
		fputs("\n\n", fd);
	}

	if (format == CS_REP_PNG)
		fprintf(fs, "set terminal pngcairo size %u,%u font 'Sans,11' "
		        "noenhanced background rgb 'white'\n", c->width, c->height);
	else
		fprintf(fs, "set terminal svg size %u,%u font 'Sans,12' "
		        "noenhanced background rgb 'white'\n", c->width, c->height);
	fputs("set encoding utf8\n", fs);
	fputs("set title ", fs);
	quoted(fs, c->title);
	fputs(" . \"\\n\" . ", fs);
	/* a label and the rest on two lines when the whole would not fit:
	 * about 8 pixels a character of the title's font */
	if (c->label_len > 0 && strlen(c->subtitle) > c->width / 8) {
		quoted_n(fs, c->subtitle, c->label_len - 2);
		fputs(" . \"\\n\" . ", fs);
		quoted(fs, c->subtitle + c->label_len);
	} else {
		quoted(fs, c->subtitle);
	}
	fputs(" . \"\\n\" . ", fs);
	quoted(fs, c->varies);
	fputs("\nset xlabel ", fs);
	quoted(fs, c->xlabel);
	fputs("\nset ylabel ", fs);
	quoted(fs, c->ylabel);
	fputs("\nset grid xtics ytics nomxtics nomytics lt 1 lc rgb '#e2e2e2' "
	      "lw 1\n", fs);
	fputs("set border 3 lc rgb '#555555'\nset tics nomirror out\n", fs);
	/* under the chart: a key inside would hide points somewhere */
	fputs("set key below center horizontal Left reverse noopaque nobox "
	      "samplen 3 spacing 1.1 width 2\n", fs);
	fputs("set style fill transparent solid 0.18 noborder\n", fs);
	/* room left and right so markers and labels are not cut */
	fputs("set offsets graph 0.04, graph 0.08, 0, 0\n", fs);
	fputs("set xrange [*:*]\n", fs);
	if (c->logy)
		fputs("set logscale y 10\nset format y '%g'\n", fs);
	if (isfinite(c->ymin) && isfinite(c->ymax))
		fprintf(fs, "set yrange [%.10g:%.10g]\n", c->ymin, c->ymax);
	for (i = 0; i < c->nhlines; i++) {
		fprintf(fs, "set label %zu ", i + 1);
		quoted(fs, c->hlines[i].label);
		fprintf(fs, " at graph 0.01, first %.10g left offset 0,0.6 "
		        "tc rgb '%s' front\n", c->hlines[i].y, SLO_COLOUR);
		/* across the whole width; the y range was made to hold it */
		fprintf(fs, "set arrow %zu from graph 0, first %.10g to graph 1, "
		        "first %.10g nohead dt 2 lw 2 lc rgb '%s' front\n", i + 1,
		        c->hlines[i].y, c->hlines[i].y, SLO_COLOUR);
	}
	for (i = 0; i < c->ncross; i++) {
		fprintf(fs, "set label %zu ", c->nhlines + i + 1);
		quoted(fs, c->cross[i].label);
		fprintf(fs, " at first %.10g, first %.10g point pt 6 ps 1.6 "
		        "lc rgb '%s' offset 0.6,-1 tc rgb '%s' front\n",
		        c->cross[i].x, c->cross[i].y, SLO_COLOUR, SLO_COLOUR);
	}
	fputs("plot ", fs);
	block = 0;
	for (i = 0; i < c->nlines; i++, block++) {
		const char *col = colours[c->lines[i].colour];

		if (!first)
			fputs(", \\\n     ", fs);
		first = false;
		quoted(fs, data_path);
		/* a band needs two points; one point gets an error bar */
		if (c->lines[i].s.n > 1)
			fprintf(fs, " index %zu using 1:3:4 with filledcurves "
			        "lc rgb '%s' notitle", block, col);
		else
			fprintf(fs, " index %zu using 1:2:3:4 with yerrorbars "
			        "pt 7 ps 0.7 lw 1.5 lc rgb '%s' notitle", block, col);
		fputs(", \\\n     ", fs);
		quoted(fs, data_path);
		fprintf(fs, " index %zu using 1:2 with linespoints lw 2 pt 7 "
		        "ps 0.7 dt %d lc rgb '%s' title ", block,
		        c->lines[i].dash, col);
		quoted(fs, c->lines[i].title);
	}
	for (i = 0; i < c->nmarks; i++, block++) {
		if (!c->marks[i].n)
			continue;
		if (!first)
			fputs(", \\\n     ", fs);
		first = false;
		quoted(fs, data_path);
		/* the svg terminal draws points larger than pngcairo */
		fprintf(fs, " index %zu using 1:2 with points pt %d ps %s "
		        "lc rgb '#000000' title ", block, c->marks[i].type,
		        format == CS_REP_PNG ? "1.8" : "1.2");
		quoted(fs, c->marks[i].title);
		fputs(", \\\n     ", fs);
		quoted(fs, data_path);
		fprintf(fs, " index %zu using 1:2:3 with labels left "
		        "offset char 1.2, char 0.3 font ',9' tc rgb '#333333' "
		        "notitle", block);
	}
	if (first)
		fputs("NaN notitle", fs);
	fputc('\n', fs);
	return ferror(fs) || ferror(fd) ? CS_ERR_IO : CS_OK;
}

/* ---- running gnuplot ----------------------------------------------------- */

static const char *
tmp_dir(void)
{
	const char *t = getenv("TMPDIR");

	return t && *t ? t : "/tmp";
}

/* A new temporary file from template tpl (modified), closed on exec. */
static int
temp_fd(char *tpl)
{
	int fd = mkstemp(tpl);

	if (fd >= 0)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
}

/* gnuplot's complaint, from its stderr file: the last non-empty lines,
 * which name the script line and the problem. */
static void
complaint(int fd, char *buf, size_t size)
{
	ssize_t n;
	char *p;

	struct stat st;
	off_t from = 0;

	buf[0] = '\0';
	/* the end: warnings come first, the fatal complaint last */
	if (!fstat(fd, &st) && st.st_size > (off_t)size - 1)
		from = st.st_size - ((off_t)size - 1);
	if (lseek(fd, from, SEEK_SET) < 0)
		return;
	n = read(fd, buf, size - 1);
	if (n <= 0) {
		buf[0] = '\0';
		return;
	}
	buf[n] = '\0';
	for (p = buf; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	while (n > 0 && buf[n - 1] == ' ')
		buf[--n] = '\0';
}

/*
 * Run gnuplot on the chart with its standard output on out_fd.  The
 * script and data files live in the temporary folder and are removed
 * before returning, whatever happens.
 */
static cs_status
run_gnuplot(const cs_rep_chart *c, cs_rep_fmt f, int out_fd, cs_error *err)
{
	char sp[600], dp[600], ep[600], msg[600];
	int sfd = -1, dfd = -1, efd = -1, status, rc;
	FILE *fs = NULL, *fd = NULL;
	posix_spawn_file_actions_t fa;
	char *argv[] = { (char *)"gnuplot", (char *)"-d", NULL };
	cs_status s = CS_OK;
	pid_t pid;

	snprintf(sp, sizeof sp, "%s/capsim-plot-XXXXXX", tmp_dir());
	snprintf(dp, sizeof dp, "%s/capsim-data-XXXXXX", tmp_dir());
	snprintf(ep, sizeof ep, "%s/capsim-gperr-XXXXXX", tmp_dir());
	sfd = temp_fd(sp);
	dfd = sfd >= 0 ? temp_fd(dp) : -1;
	efd = dfd >= 0 ? temp_fd(ep) : -1;
	if (efd < 0) {
		s = cs_error_set(err, CS_ERR_IO, tmp_dir(), 0, 0, "",
		                 "cannot make a temporary file: %s",
		                 strerror(errno));
		goto out;
	}
	fs = fdopen(sfd, "w+");
	fd = fs ? fdopen(dfd, "w") : NULL;
	if (!fs || !fd) {
		s = oom(err);
		goto out;
	}
	sfd = dfd = -1;   /* the streams own them now */
	if (cs_rep_chart_script(c, f, dp, fs, fd) || fflush(fs) || fflush(fd) ||
	    fseek(fs, 0, SEEK_SET)) {
		s = cs_error_set(err, CS_ERR_IO, tmp_dir(), 0, 0, "",
		                 "cannot write a temporary file: %s",
		                 strerror(errno));
		goto out;
	}
	if (posix_spawn_file_actions_init(&fa)) {
		s = oom(err);
		goto out;
	}
	rc = posix_spawn_file_actions_adddup2(&fa, fileno(fs), 0);
	if (!rc)
		rc = posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	if (!rc)
		rc = posix_spawn_file_actions_adddup2(&fa, efd, 2);
	if (!rc)
		rc = posix_spawnp(&pid, "gnuplot", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc == ENOENT) {
		s = cs_error_set(err, CS_ERR_IO, "gnuplot", 0, 0, "",
		    "gnuplot is not installed (on Debian: apt-get install "
		    "gnuplot-nox); it draws the charts");
		goto out;
	}
	if (rc) {
		s = cs_error_set(err, CS_ERR_IO, "gnuplot", 0, 0, "",
		                 "cannot run gnuplot: %s", strerror(rc));
		goto out;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			s = cs_error_set(err, CS_ERR_IO, "gnuplot", 0, 0, "",
			                 "lost gnuplot: %s", strerror(errno));
			goto out;
		}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		complaint(efd, msg, sizeof msg);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
			s = cs_error_set(err, CS_ERR_IO, "gnuplot", 0, 0, "",
			    "gnuplot is not installed (on Debian: apt-get "
			    "install gnuplot-nox); it draws the charts");
		else
			s = cs_error_set(err, CS_ERR_IO, "gnuplot", 0, 0, "",
			                 "gnuplot failed%s%s", msg[0] ? ": " : "",
			                 msg);
	}
out:
	if (fs)
		fclose(fs);
	if (fd)
		fclose(fd);
	if (sfd >= 0)
		close(sfd);
	if (dfd >= 0)
		close(dfd);
	if (efd >= 0)
		close(efd);
	/* names that mkstemp did not fill still end in XXXXXX: nothing
	 * was made there */
	if (strcmp(sp + strlen(sp) - 6, "XXXXXX"))
		unlink(sp);
	if (strcmp(dp + strlen(dp) - 6, "XXXXXX"))
		unlink(dp);
	if (strcmp(ep + strlen(ep) - 6, "XXXXXX"))
		unlink(ep);
	return s;
}

/*
 * Render into a temporary file, then copy it to o's device or FIFO:
 * gnuplot does not report a failed write (a full device, a reader gone),
 * so the copy is where such a failure is seen.
 */
static cs_status
render_through(const cs_rep_chart *c, cs_rep_fmt f, cs_outfile *o,
               cs_error *err)
{
	char path[600], buf[65536];
	cs_status s;
	ssize_t n;
	int fd, e = 0;
	size_t total = 0;

	snprintf(path, sizeof path, "%s/capsim-plot-XXXXXX", tmp_dir());
	if ((fd = temp_fd(path)) < 0) {
		s = cs_error_set(err, CS_ERR_IO, tmp_dir(), 0, 0, "",
		                 "cannot make a temporary file: %s",
		                 strerror(errno));
		cs_outfile_abort(o);
		return s;
	}
	unlink(path);
	s = run_gnuplot(c, f, fd, err);
	if (!s && lseek(fd, 0, SEEK_SET) < 0)
		e = errno;
	while (!s && !e && (n = read(fd, buf, sizeof buf)) != 0) {
		size_t off = 0;

		if (n < 0) {
			if (errno != EINTR)
				e = errno;
			continue;
		}
		total += (size_t)n;
		while (!e && off < (size_t)n) {
			ssize_t w = write(o->fd, buf + off, (size_t)n - off);

			if (w < 0 && errno != EINTR)
				e = errno;
			else if (w > 0)
				off += (size_t)w;
		}
	}
	close(fd);
	if (!s && e)
		s = cs_error_set(err, CS_ERR_IO, o->target, 0, 0, "",
		                 "cannot write: %s", strerror(e));
	if (!s && total == 0)
		s = cs_error_set(err, CS_ERR_IO, "gnuplot", 0, 0, "",
		                 "gnuplot wrote nothing");
	if (s) {
		cs_outfile_abort(o);
		return s;
	}
	return cs_outfile_commit(o, err);
}

cs_status
cs_rep_chart_render_to(const cs_rep_chart *c, cs_rep_fmt f, cs_outfile *o,
                       cs_error *err)
{
	struct stat st;
	cs_status s;

	if (o->through)
		return render_through(c, f, o, err);
	s = run_gnuplot(c, f, o->fd, err);
	if (!s && (fstat(o->fd, &st) || st.st_size == 0))
		s = cs_error_set(err, CS_ERR_IO, "gnuplot", 0, 0, "",
		                 "gnuplot wrote nothing");
	if (s) {
		cs_outfile_abort(o);
		return s;
	}
	return cs_outfile_commit(o, err);
}

cs_status
cs_rep_chart_render(const cs_rep_chart *c, cs_rep_fmt f, const char *path,
                    cs_error *err)
{
	cs_outfile o;
	cs_status s;

	/* a temporary beside path renamed into place, or straight through
	 * to a device or FIFO; never a rename over one */
	if ((s = cs_outfile_open(&o, path, err)))
		return s;
	return cs_rep_chart_render_to(c, f, &o, err);
}

/* Give every id of an SVG, and every reference to one, a prefix. */
static char *
prefix_ids(const char *svg, const char *pfx)
{
	static const char *const pats[] = {
		"id='", "id=\"", "href='#", "href=\"#", "url(#"
	};
	size_t n = 0, len = strlen(svg), pl = strlen(pfx), i;
	const char *p;
	char *out, *o;

	for (p = svg; *p; p++)
		for (i = 0; i < 5; i++)
			if (!strncmp(p, pats[i], strlen(pats[i])))
				n++;
	if (!(out = malloc(len + n * pl + 1)))
		return NULL;
	for (p = svg, o = out; *p;) {
		for (i = 0; i < 5; i++)
			if (!strncmp(p, pats[i], strlen(pats[i])))
				break;
		if (i < 5) {
			size_t m = strlen(pats[i]);

			memcpy(o, p, m);
			o += m;
			p += m;
			memcpy(o, pfx, pl);
			o += pl;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	return out;
}

cs_status
cs_rep_chart_svg(const cs_rep_chart *c, const char *id_prefix, char **svg,
                 cs_error *err)
{
	char path[600], *text = NULL;
	const char *start;
	cs_status s;
	int fd;

	*svg = NULL;
	snprintf(path, sizeof path, "%s/capsim-svg-XXXXXX", tmp_dir());
	if ((fd = temp_fd(path)) < 0)
		return cs_error_set(err, CS_ERR_IO, tmp_dir(), 0, 0, "",
		                    "cannot make a temporary file: %s",
		                    strerror(errno));
	s = run_gnuplot(c, CS_REP_SVG, fd, err);
	close(fd);
	if (!s)
		s = cs_rep_slurp(path, &text, err);
	unlink(path);
	if (s)
		return s;
	start = strstr(text, "<svg");
	if (!start) {
		free(text);
		return cs_error_set(err, CS_ERR_IO, "gnuplot", 0, 0, "",
		                    "gnuplot wrote no SVG");
	}
	*svg = prefix_ids(start, id_prefix ? id_prefix : "");
	free(text);
	return *svg ? CS_OK : oom(err);
}
