/*
 * report — pictures and pages from results: the curves `capsim plot` draws
 * with gnuplot, the self-contained HTML page of `capsim report`, and what
 * both need (the points of a sweep as lines, SLO terms, the busiest
 * resource of a point).
 *
 * Results are the JSON documents capsim writes: a sweep (`capsim sweep
 * --format json`: a "sweep" header and "points", each with the varied
 * "values" and the run "result") or a single run (`capsim run --format
 * json`, read as a sweep of one point that varies nothing).  Every metric
 * in a result is {mean, ci_low, ci_high}.
 *
 * gnuplot (Debian's gnuplot-nox) draws: it is run without a shell, its
 * script on standard input and its data in temporary files that are
 * removed afterwards.  Nothing here prints.
 */
#ifndef CS_REPORT_H
#define CS_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "capsim.h"
#include "calibration/import.h"
#include "models/bottleneck.h"

/* ---- results ------------------------------------------------------------ */

/*
 * A results document in memory.  Point i varies paths[k] to
 * values[i * ndims + k] and has the run result results[i] (points in grid
 * order; those a shard or an interrupted sweep lacks are left out).
 */
typedef struct cs_rep_doc {
	char *file;             /* where it was read from */
	char *scenario;         /* the scenario file as the sweep was given it */
	char *name;             /* the scenario's name (run.scenario) */
	char **sets;            /* the sweep's fixed --set assignments */
	size_t nsets;
	unsigned long long seed;
	unsigned replications;  /* per point; with precision the first batch */
	double precision;       /* the sweep's --precision target; 0: none */
	unsigned reps_min, reps_max; /* replications the points ran */
	size_t total;           /* points in the whole grid */
	size_t ndims;
	char **paths;           /* [ndims] varied paths, slowest first */
	size_t n;               /* points present */
	char **values;          /* [n * ndims] */
	cJSON **results;        /* [n] */
	cJSON *root;            /* private: the parsed document */
} cs_rep_doc;

/*
 * Parse a sweep or run JSON document from text; name is used in messages.
 * On success *out is new (caller frees with cs_rep_doc_free()).  Errors:
 * CS_ERR_PARSE (not JSON), CS_ERR_INVALID (JSON, but not capsim results, or
 * a point without its values or result), CS_ERR_NOMEM.
 */
cs_status cs_rep_doc_parse(const char *text, const char *name,
                           cs_rep_doc **out, cs_error *err);
/* The same from a file (CS_ERR_IO when it cannot be read). */
cs_status cs_rep_doc_load(const char *path, cs_rep_doc **out, cs_error *err);
/* No-op on NULL. */
void cs_rep_doc_free(cs_rep_doc *d);
/*
 * What the document's results are of, for a title: the scenario's name
 * when nothing overrides the file; otherwise, since the name may then say
 * the opposite ("pool 20" on a pool-25 run), the file with its --set
 * overrides and varied paths ("s.yaml with db.pool.size=25; varying
 * load.users"), written into buf.  NULL when there is neither.
 */
const char *cs_rep_doc_label(const cs_rep_doc *d, char *buf, size_t size);

/* The dimension of a varied path, or -1. */
int cs_rep_doc_dim(const cs_rep_doc *d, const char *path);

/* A metric's mean and 95% confidence interval. */
typedef struct cs_rep_ci {
	double mean, lo, hi;
} cs_rep_ci;

/*
 * The metric at a dotted path of a run result ("overall.latency_ms.p95",
 * "endpoints.GET /a.b.error_rate": a name may hold dots).  CS_ERR_INVALID,
 * and NaNs in out, when the result has no such metric.
 */
cs_status cs_rep_metric(const cJSON *result, const char *path,
                        cs_rep_ci *out);

/*
 * A number written the way scenario values are: "300", "1.5", "85%"
 * (85), "450ms" (450), "2s" (2000, milliseconds like every latency
 * here), "1m" (60000).  *unit gets "", "%" or "ms".  -1 if it is not one.
 */
int cs_rep_number(const char *s, double *out, const char **unit);

/* ---- what to plot ------------------------------------------------------- */

/* The unit a metric is shown in. */
typedef enum cs_rep_unit {
	CS_REP_MS,       /* latency, milliseconds */
	CS_REP_RPS,      /* requests per second */
	CS_REP_RATIO,    /* a fraction 0..1, shown in percent */
	CS_REP_PLAIN     /* anything else, shown as it is */
} cs_rep_unit;

/* v (in the metric's own unit) as it is shown: ratios in percent. */
double cs_rep_shown(cs_rep_unit u, double v);
/* The unit of a metric path, from its name. */
cs_rep_unit cs_rep_unit_of(const char *path);

/* The measured number that corresponds to a metric, if any. */
typedef enum cs_rep_field {
	CS_REP_F_NONE = 0,
	CS_REP_F_P50, CS_REP_F_P90, CS_REP_F_P95, CS_REP_F_P99,
	CS_REP_F_MEAN, CS_REP_F_MAX,
	CS_REP_F_THROUGHPUT,
	CS_REP_F_ERROR_RATE
} cs_rep_field;

/* The value of field in a measured point (NaN if unknown or NONE). */
double cs_rep_field_get(const cs_imp_point *p, cs_rep_field f);

/* One metric to plot. */
typedef struct cs_rep_y {
	char path[256];      /* in a run result */
	char name[256];      /* for legends: "p95", "throughput" */
	cs_rep_unit unit;
	cs_rep_field field;  /* its measured counterpart */
} cs_rep_y;

#define CS_REP_Y_MAX 8

/*
 * Parse --y: a comma list of p50, p90, p95, p99, mean, max (the overall
 * latency), throughput, error_rate, or metric paths of a run result, all
 * shown in one unit.  sample: a result to check paths against (NULL: no
 * check).  Errors are CS_ERR_USAGE with file "--y".
 */
cs_status cs_rep_y_parse(const char *spec, const cJSON *sample,
                         cs_rep_y *out, size_t max, size_t *n,
                         cs_error *err);

/* The horizontal axis. */
typedef struct cs_rep_x {
	char path[256];      /* the varied path, or the metric */
	int dim;             /* its dimension; -1 when x is a metric */
	char label[320];     /* "users (load.users)" */
	bool users;          /* x counts users: measured points can be placed */
} cs_rep_x;

/*
 * Resolve --x.  path NULL: the first varied path, or for a document that
 * varies nothing the users the run reached.  A path that is not varied may
 * be a metric of the results ("overall.throughput_rps"); "load.users" then
 * means resources.load.users.max.  Errors are CS_ERR_USAGE with file "--x",
 * naming the varied paths.
 */
cs_status cs_rep_x_resolve(const cs_rep_doc *d, const char *path,
                           cs_rep_x *x, cs_error *err);

/* One line: the points that share the varied values other than x. */
/* Does any point carry a prediction_interval (a calibrated scenario's
 * sweep)?  Then the charts' bands are those 90% intervals, for the metrics
 * that have one, instead of the simulation's 95% CIs. */
bool cs_rep_doc_has_pi(const cs_rep_doc *d);

typedef struct cs_rep_series {
	char *label;         /* "db.pool.size=20", "" when one line */
	size_t n;
	double *x;           /* ascending */
	cs_rep_ci *y;        /* as shown: ms, req/s, percent */
	size_t *point;       /* the point of each, into the document */
} cs_rep_series;

/*
 * The points as lines of y against x: one line per combination of the
 * other varied values, in grid order, each sorted by x; points whose x or
 * y is unknown are left out.  On success *out is new (caller frees with
 * cs_rep_series_free(*out, *n)).  CS_ERR_INVALID when a varied value on the
 * axis is not a number.
 */
cs_status cs_rep_series_build(const cs_rep_doc *d, const cs_rep_x *x,
                              const cs_rep_y *y, cs_rep_series **out,
                              size_t *n, cs_error *err);
void cs_rep_series_free(cs_rep_series *s, size_t n);

/*
 * A log scale for values that span more than a decade: true when the
 * largest positive value is more than 10 times the smallest.  Values that
 * are not positive (or NaN) cannot go on a log axis and are ignored.
 */
bool cs_rep_log_scale(const double *v, size_t n);

/* ---- SLOs --------------------------------------------------------------- */

typedef enum cs_rep_op { CS_REP_LT, CS_REP_LE, CS_REP_GT, CS_REP_GE } cs_rep_op;

typedef struct cs_rep_slo_term {
	char name[64];       /* as written: "p95", "error_rate", "throughput" */
	char path[64];       /* the metric in a run result */
	cs_rep_unit unit;
	cs_rep_field field;
	cs_rep_op op;
	double limit;        /* in the metric's unit: ms, a fraction, req/s */
	char text[96];       /* "p95 < 400 ms" */
} cs_rep_slo_term;

#define CS_REP_SLO_MAX 16

typedef struct cs_rep_slo {
	cs_rep_slo_term terms[CS_REP_SLO_MAX];
	size_t n;
} cs_rep_slo;

/*
 * Parse "p95<400ms,error_rate<1%" with the grammar of every --slo
 * (sweep/slo.h: latency names with a unit, error_rate as a percentage or
 * a fraction, throughput in req/s, or a metric path with a number; < <= >
 * >=), refusing besides an empty term and an error rate above 1 written
 * without %.  Errors are CS_ERR_USAGE with file "--slo" and say what was
 * expected.
 */
cs_status cs_rep_slo_parse(const char *s, cs_rep_slo *out, cs_error *err);

/* Every term's metric is in sample (a run result); else CS_ERR_USAGE with
 * file "--slo" naming the term. */
cs_status cs_rep_slo_check(const cs_rep_slo *slo, const cJSON *sample,
                           cs_error *err);

/* Whether value (in the metric's unit) meets the term. */
bool cs_rep_slo_holds(const cs_rep_slo_term *t, double value);

typedef enum cs_rep_verdict {
	CS_REP_MEETS,        /* mean and the whole interval meet the term */
	CS_REP_UNSURE,       /* the mean meets it, the interval crosses it */
	CS_REP_VIOLATES      /* the mean does not meet it */
} cs_rep_verdict;

cs_rep_verdict cs_rep_slo_judge(const cs_rep_slo_term *t,
                                const cs_rep_ci *v);

/* ---- bottlenecks -------------------------------------------------------- */

/* A service's limits (0: none). */
typedef struct cs_rep_svc {
	char name[64];
	double concurrency;  /* attempts in flight at once */
	double rate;         /* rate limit, 1/s */
} cs_rep_svc;

/*
 * The services' limits of a scenario file with overrides ("path=value",
 * like --set) applied.  On success *out is new (caller frees with free()),
 * *n may be 0.  Errors as the scenario reader's (CS_ERR_IO, CS_ERR_PARSE,
 * CS_ERR_USAGE).
 */
cs_status cs_rep_svc_load(const char *scenario, const char *const *sets,
                          size_t nsets, cs_rep_svc **out, size_t *n,
                          cs_error *err);

/* How busy one resource is: the rule and its thresholds are those of
 * every command (models/bottleneck.h). */
typedef cs_use cs_rep_use;
#define CS_REP_SATURATED CS_USE_SATURATED
#define CS_REP_QUEUED CS_USE_QUEUED

bool cs_rep_use_saturated(const cs_rep_use *u);

/*
 * The utilization of every resource in a result, by cs_uses(): app
 * backlog, app workers (queue: the backlog), app CPU, DB pool (queue: its
 * waiters), DB CPU, and each service's concurrency, rate and token limits
 * and batch server.  A result written before those services' utilizations
 * were (no concurrency_utilization, rate_limit_utilization) gets them from
 * the limits in svc: concurrency.mean / limit, attempts_rps / rate.
 * Writes at most max, busiest first, and returns how many it wrote.
 */
size_t cs_rep_uses(const cJSON *result, const cs_rep_svc *svc, size_t nsvc,
                   cs_rep_use *out, size_t max);

/* The bottleneck of a result (cs_bottleneck_pick over the same resources
 * as cs_rep_uses): what `run`, `sweep` and `capacity` name for it.  false
 * when the result has no resource metrics. */
bool cs_rep_bottleneck(const cJSON *result, const cs_rep_svc *svc,
                       size_t nsvc, cs_rep_use *out);

/* ---- pictures ----------------------------------------------------------- */

typedef enum cs_rep_fmt { CS_REP_PNG, CS_REP_SVG } cs_rep_fmt;

/* The picture format of a file name (.png or .svg, any case); -1 if
 * neither. */
int cs_rep_fmt_of(const char *path, cs_rep_fmt *out);

typedef struct cs_rep_chart_opts {
	const char *x;               /* --x (NULL: the default) */
	const cs_rep_y *y;           /* metrics, one unit */
	size_t ny;
	const cs_imp_set *measured;  /* points to mark (NULL: none) */
	const cs_rep_slo *slo;       /* lines to draw (NULL: none) */
	const char *title;           /* NULL: made from the metrics */
	unsigned width, height;      /* pixels; 0: 1000 x 600 */
} cs_rep_chart_opts;

typedef struct cs_rep_chart cs_rep_chart;

/*
 * Lay out a chart of the document's points: one line per metric and per
 * value of the other varied paths, 95% CI bands, the measured points whose
 * users and metric are known (when x counts users), and a dashed line for
 * each SLO term shown in the chart's unit.  The latency axis is
 * logarithmic when the values span more than a decade.  On success *out is
 * new (caller frees with cs_rep_chart_free()).  Errors as
 * cs_rep_x_resolve and cs_rep_series_build.
 */
cs_status cs_rep_chart_new(const cs_rep_doc *d, const cs_rep_chart_opts *o,
                           cs_rep_chart **out, cs_error *err);
void cs_rep_chart_free(cs_rep_chart *c);

bool cs_rep_chart_logy(const cs_rep_chart *c);
/* How many SLO lines the chart draws. */
size_t cs_rep_chart_nlimits(const cs_rep_chart *c);
/* Measured points that were given but could not be placed, and why;
 * NULL when there is nothing to say.  Valid until the chart is freed. */
const char *cs_rep_chart_note(const cs_rep_chart *c);

/*
 * The gnuplot script and its data: data is written to fdata (blocks that
 * the script reads by index from the file named data_path), the script to
 * fscript.  Pure; the picture goes to gnuplot's standard output.
 */
cs_status cs_rep_chart_script(const cs_rep_chart *c, cs_rep_fmt fmt,
                              const char *data_path, FILE *fscript,
                              FILE *fdata);

/*
 * Draw the chart into path, atomically (config/outfile.h): gnuplot writes
 * a temporary file beside it, renamed into place when complete, or
 * straight through to a device or FIFO.  CS_ERR_IO when gnuplot cannot be
 * run (not installed: the message says to install gnuplot-nox), fails, or
 * the file cannot be written.
 */
cs_status cs_rep_chart_render(const cs_rep_chart *c, cs_rep_fmt fmt,
                              const char *path, cs_error *err);

/* The same into o, opened by the caller with cs_outfile_open (so that a
 * bad path fails before any work); commits or aborts o. */
struct cs_outfile;
cs_status cs_rep_chart_render_to(const cs_rep_chart *c, cs_rep_fmt fmt,
                                 struct cs_outfile *o, cs_error *err);

/*
 * Draw the chart as SVG for inlining in HTML: *svg gets the <svg> element
 * (no XML prologue), its ids prefixed with id_prefix so that several
 * charts can share a page.  Caller frees with free().
 */
cs_status cs_rep_chart_svg(const cs_rep_chart *c, const char *id_prefix,
                           char **svg, cs_error *err);

/* ---- measured points ---------------------------------------------------- */

/*
 * Keep only the points of set whose name (measurements files name their
 * points) is in the comma list names ("baseline,peak"), in their order in
 * set.  A name that no point has is CS_ERR_USAGE with file
 * "--measured-points" and the names there are; set is then unchanged.
 */
cs_status cs_rep_measured_keep(cs_imp_set *set, const char *names,
                               cs_error *err);

/* ---- the HTML page ------------------------------------------------------ */

/*
 * s with &, <, >, " and ' as entities; bytes that are not UTF-8 and
 * control characters other than tab and newline become U+FFFD, so the
 * page is valid UTF-8 whatever the input.  Caller frees with free(); NULL
 * when out of memory.
 */
char *cs_rep_html_escape(const char *s);

typedef struct cs_rep_html_opts {
	const char *scenario;        /* the scenario file to show and read the
	                              * services' limits from; NULL: the
	                              * document's, if it can be found */
	const cs_imp_set *measured;  /* NULL: none */
	const cs_rep_slo *slo;       /* NULL: p95<400ms,error_rate<1% */
	const char *x;               /* --x for the charts (NULL: default) */
	const char *generator;       /* "capsim 0.1.0", for the footer */
	bool charts;                 /* draw charts (needs gnuplot) */
} cs_rep_html_opts;

/*
 * Write one self-contained HTML page: the charts inlined as SVG, a table
 * of the points (values, req/s, errors, p50/p95/p99 with CIs, pool
 * utilization and waiters, app and DB CPU, the busiest resource, the SLO
 * verdict), the bottleneck analysis of each line (which resource
 * saturates first, where the SLO is first missed), the measured points,
 * and the scenario's text.  No scripts, styles or pictures from elsewhere.
 * Errors: CS_ERR_IO (gnuplot), CS_ERR_NOMEM, and those of
 * cs_rep_chart_new.
 */
cs_status cs_rep_html_write(const cs_rep_doc *d, const cs_rep_html_opts *o,
                            FILE *f, cs_error *err);

#endif /* CS_REPORT_H */
