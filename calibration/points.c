/*
 * calibration/points — the measurement points of a calibration and their
 * simulation: a point added with its own overrides and its load (users or
 * arrival rate, or a steady run) as overrides of the scenario, and one
 * cs_run() of a point at a set of parameter values, read back as the
 * metrics the fit and the predictions compare (cs_cal_predict*).
 */
#include <math.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calibration/fit-private.h"
#include "sim/replicate.h"

#define MAX_STEADY 600.0   /* s: default cap on a steady run */

/* ---- points ------------------------------------------------------------- */

static cs_status
point_load_sets(const cs_cal *c, point *pt, cs_error *err)
{
	const cs_imp_point *p = pt->p;
	char *v[4] = { NULL, NULL, NULL, NULL };
	size_t n = 0, i;
	int open = !isnan(p->arrival_rate);

	if (open && c->has_users)
		return cs_error_set(err, CS_ERR_INVALID, c->path, 0, 0,
		    "load", "point \"%s\" is an open test (an arrival rate) "
		    "but the scenario has closed users", pt->name);
	if (!open && c->has_rate)
		return cs_error_set(err, CS_ERR_INVALID, c->path, 0, 0,
		    "load", "point \"%s\" is a closed test (users) but the "
		    "scenario has an arrival rate", pt->name);
	if (!open && !(p->users >= 1))
		return cs_error_set(err, CS_ERR_INVALID, c->path, 0, 0,
		    "load.users", "point \"%s\" has %g users", pt->name,
		    p->users);
	if (c->opts.steady) {
		double d = c->opts.duration;

		if (!(d > 0))
			d = p->duration > 0 ? fmin(p->duration, MAX_STEADY) :
			    c->duration;
		if (c->has_stages && (c->stages_rel ||
		                      (!c->has_users && !c->has_rate))) {
			if (c->stages_rel)
				v[n++] = cs_calp_strdup("load.stages=[{"
				                        "duration: 0s, "
				                        "target: 100%}]");
			else if (open)
				v[n++] = cs_calp_printf("load.stages=[{"
				                        "duration: 0s, "
				                        "target: %.6g}]",
				                        p->arrival_rate);
			else
				v[n++] = cs_calp_printf("load.stages=[{"
				                        "duration: 0s, "
				                        "target: %.0f}]",
				                        floor(p->users + 0.5));
		}
		v[n++] = cs_calp_printf("run.duration=%.6gs", d);
		v[n++] = cs_calp_printf("run.warmup=%.6gs", 0.1 * d);
	}
	if (c->has_users || c->has_rate || !c->has_stages || c->stages_rel) {
		if (open)
			v[n++] = cs_calp_printf("load.arrival_rate=%.6g",
			                        p->arrival_rate);
		else
			v[n++] = cs_calp_printf("load.users=%.0f",
			                        floor(p->users + 0.5));
	} else if (!c->opts.steady) {
		return cs_error_set(err, CS_ERR_INVALID, c->path, 0, 0,
		    "load.stages", "the stages' targets are absolute, so the "
		    "point's load cannot be applied: write the targets as "
		    "percentages of load.users (target: 100%%) or use the "
		    "steady option");
	}
	for (i = 0; i < n; i++)
		if (!v[i]) {
			for (i = 0; i < n; i++)
				free(v[i]);
			return cs_calp_nomem(err);
		}
	pt->load = calloc(n, sizeof *pt->load);
	if (!pt->load) {
		for (i = 0; i < n; i++)
			free(v[i]);
		return cs_calp_nomem(err);
	}
	memcpy(pt->load, v, n * sizeof *v);
	pt->nload = n;
	return CS_OK;
}

/* A point without a name of its own is named after its file (the last
 * component, less the extension): "result-1m-8", "r06_80u_pool4_2x8_stats";
 * "#2", "#3" tell apart the points of one file; "point N" without a file. */
static char *
file_name(const cs_cal *c, const cs_imp_point *p)
{
	const char *src = p->source, *base, *dot;
	char *name;
	size_t len, i, same = 0;

	if (!src || !*src)
		return cs_calp_printf("point %zu", c->npoints + 1);
	base = strrchr(src, '/') ? strrchr(src, '/') + 1 : src;
	dot = strrchr(base, '.');
	len = dot && dot > base ? (size_t)(dot - base) : strlen(base);
	for (i = 0; i < c->npoints; i++)
		if (c->points[i].p->source && !strcmp(c->points[i].p->source, src))
			same++;
	name = same ? cs_calp_printf("%.*s#%zu", (int)len, base, same + 1) :
	       cs_calp_printf("%.*s", (int)len, base);
	return name;
}

cs_status
cs_cal_add_point(cs_cal *c, const cs_imp_point *p, const char *const *sets,
                 size_t nsets, cs_error *err)
{
	point *pts, *pt;
	cs_status s;

	if (isnan(p->users) && isnan(p->arrival_rate))
		return cs_error_set(err, CS_ERR_INVALID, p->source ? p->source :
		    "", p->line, 0, "", "point \"%s\" has neither users nor an "
		    "arrival rate: it cannot be simulated",
		    p->name ? p->name : "?");
	pts = realloc(c->points, (c->npoints + 1) * sizeof *pts);
	if (!pts)
		return cs_calp_nomem(err);
	c->points = pts;
	pt = &pts[c->npoints];
	memset(pt, 0, sizeof *pt);
	pt->p = p;
	pt->name = p->name ? cs_calp_strdup(p->name) : file_name(c, p);
	if (!pt->name || cs_calp_strv_copy(sets, nsets, &pt->sets)) {
		free(pt->name);
		return cs_calp_nomem(err);
	}
	pt->nsets = nsets;
	s = point_load_sets(c, pt, err);
	if (s) {
		free(pt->name);
		cs_calp_strv_free(pt->sets, pt->nsets);
		return s;
	}
	c->npoints++;
	/* check that it loads */
	{
		cs_scenario *sc = NULL;
		const char **all = calloc(pt->nload + pt->nsets + 1,
		                          sizeof *all);
		size_t i;

		if (!all) {
			s = cs_calp_nomem(err);
		} else {
			for (i = 0; i < pt->nload; i++)
				all[i] = pt->load[i];
			for (i = 0; i < pt->nsets; i++)
				all[pt->nload + i] = pt->sets[i];
			s = cs_calp_load_with(c, all, pt->nload + pt->nsets,
			                      &sc, err);
			free(all);
			cs_scenario_free(sc);
		}
		if (s) {
			c->npoints--;
			free(pt->name);
			cs_calp_strv_free(pt->sets, pt->nsets);
			cs_calp_strv_free(pt->load, pt->nload);
			return s;
		}
	}
	return CS_OK;
}

/* ---- running points ----------------------------------------------------- */

/* The parameter assignment for value v (in a buffer of the caller's). */
void
cs_calp_assign(const param *pr, double v, char *buf, size_t size)
{
	char val[64];

	cs_cal_format(pr->pub.kind, pr->pct, v, val, sizeof val);
	snprintf(buf, size, "%s=%s", pr->path, val);
}

/* The value the scenario actually gets for v: rounded as written. */
double
cs_calp_applied(const param *pr, double v)
{
	char val[64];
	double x;
	cs_cal_kind k;
	int pct;

	cs_cal_format(pr->pub.kind, pr->pct, v, val, sizeof val);
	if (cs_calp_parse_value(val, &x, &k, &pct))
		return v;
	return x;
}

static double
metric_of(const cs_result *r, const char *path)
{
	double m = NAN;

	if (cs_result_metric(r, path, &m, NULL, NULL))
		return NAN;
	return m;
}

static void
ci_of(const cs_result *r, const char *path, double *m, double *lo,
      double *hi)
{
	*m = *lo = *hi = NAN;
	cs_result_metric(r, path, m, lo, hi);
}

static const char *const cause_names[CS_CAL_NCAUSES] = {
	"pool_timeout", "backlog_full", "client_timeout", "server_timeout",
	"upstream_timeout", "rate_limited", "upstream_error", "db_refused"
};

const char *
cs_cal_cause_name(size_t k)
{
	return k < CS_CAL_NCAUSES ? cause_names[k] : "";
}

/*
 * Run point i with values v (NULL: the file's) and reps replications on
 * up to jobs threads.  Only reads c, so several points may run at once
 * (cs_calp_run_points); the caller counts the run in c->evals.
 */
static cs_status
run_point(const cs_cal *c, size_t i, const double *v,
          const char *const *extra, size_t nextra, unsigned reps,
          bool precise, unsigned jobs, cs_cal_pred *out, double *ep,
          double *causes, cs_error *err)
{
	const point *pt = &c->points[i];
	size_t np = v ? c->nparams : 0, n = 0, k;
	const char **all;
	char *abuf = NULL;
	cs_scenario *sc = NULL;
	cs_result *res = NULL;
	cs_run_opts ro;
	cs_status s;
	size_t m;

	all = calloc(pt->nload + np + nextra + pt->nsets + 1, sizeof *all);
	abuf = np ? malloc(np * 600) : NULL;
	if (!all || (np && !abuf)) {
		free(all);
		free(abuf);
		return cs_calp_nomem(err);
	}
	for (k = 0; k < pt->nload; k++)
		all[n++] = pt->load[k];
	for (k = 0; k < np; k++) {
		cs_calp_assign(&c->params[k], v[k], abuf + 600 * k, 600);
		all[n++] = abuf + 600 * k;
	}
	for (k = 0; k < nextra; k++)
		all[n++] = extra[k];
	for (k = 0; k < pt->nsets; k++)
		all[n++] = pt->sets[k];
	s = cs_calp_load_with(c, all, n, &sc, err);
	free(all);
	free(abuf);
	if (s)
		return s;
	memset(&ro, 0, sizeof ro);
	ro.replications = reps ? reps : c->opts.replications;
	ro.seed = c->seed;
	ro.has_seed = 1;
	ro.jobs = jobs;
	if (precise && c->opts.precision > 0) {
		ro.precision = c->opts.precision;
		ro.precision_floor = c->opts.precision_floor;
		ro.max_replications = c->opts.max_replications;
	}
	s = cs_run(sc, &ro, &res, err);
	if (s) {
		cs_scenario_free(sc);
		return s;
	}
	/* the result's metric names point into the scenario: free it last */
	for (m = 0; m < CS_CAL_NMETRICS; m++)
		ci_of(res, cs_cal_metric_path((cs_cal_metric)m), &out->mean[m],
		      &out->lo[m], &out->hi[m]);
	if (causes) {
		double total = metric_of(res, "overall.requests");

		for (k = 0; k < CS_CAL_NCAUSES; k++) {
			char path[128];

			snprintf(path, sizeof path, "overall.errors_by_cause.%s",
			         cause_names[k]);
			causes[k] = total > 0 ? metric_of(res, path) / total : NAN;
		}
	}
	if (ep) {
		static const char *const eps[EP_N] = {
			"requests", "latency_ms.p50", "latency_ms.p95",
			"latency_ms.p99", "error_rate"
		};
		double total = metric_of(res, "overall.requests");
		const cs_imp_point *p = pt->p;

		for (k = 0; k < p->nendpoints; k++)
			for (m = 0; m < EP_N; m++) {
				char path[700];
				double x;

				snprintf(path, sizeof path, "endpoints.%s.%s",
				         p->endpoints[k].name, eps[m]);
				x = metric_of(res, path);
				if (m == EP_SHARE)
					x = total > 0 ? x / total : NAN;
				ep[k * EP_N + m] = x;
			}
	}
	out->app_cpu = metric_of(res, "resources.app.cpu_utilization");
	out->db_cpu = metric_of(res, "resources.db.cpu_utilization");
	out->latency_mean = metric_of(res, "overall.latency_ms.mean");
	{
		cs_precision_info pi;

		cs_result_precision(res, &pi);
		out->reps = pi.replications;
		out->reached = pi.reached;
		out->prec_met = pi.met;
	}
	cs_result_free(res);
	cs_scenario_free(sc);
	return CS_OK;
}

/*
 * Run point i with values v (NULL: the file's) and reps replications.
 * A scenario that does not load gives its status (CS_ERR_INVALID,
 * CS_ERR_USAGE) and err.
 *
 * precise: a reported prediction, which runs the sequential rule when
 * opts.precision asks for it; the objective's evaluations do not (a
 * replication count that changed with the parameters would make the
 * objective's noise, and its comparisons under common random numbers,
 * change with them too).
 */
cs_status
cs_calp_run_point_x(cs_cal *c, size_t i, const double *v,
                    const char *const *extra, size_t nextra, unsigned reps,
                    bool precise, cs_cal_pred *out, double *ep,
                    double *causes, cs_error *err)
{
	cs_status s = run_point(c, i, v, extra, nextra, reps, precise,
	                        c->opts.jobs, out, ep, causes, err);

	if (!s)
		c->evals++;
	return s;
}

/* The runs of one cs_calp_run_points or cs_calp_run_sets, shared by its
 * threads: run t is point t at v, or point `point` with extra[t]. */
typedef struct batch {
	const cs_cal *c;
	const double *v;
	size_t point;
	const char *const *extra; /* n lists of nextra, or NULL */
	size_t nextra;
	unsigned reps;
	bool precise;
	unsigned jobs;       /* each run's cs_run */
	cs_cal_pred *out;
	double **ep;
	cs_status *st;
	cs_error *errs;
	atomic_size_t first_bad; /* lowest run that failed so far */
} batch;

static cs_status
batch_point(unsigned t, void *arg)
{
	batch *b = arg;
	size_t i = t, f;

	/* a later run than one that failed is not needed: the caller
	 * stops at the first failure in order */
	if (i > atomic_load(&b->first_bad))
		return CS_OK;
	memset(&b->errs[i], 0, sizeof b->errs[i]);
	if (b->extra)
		b->st[i] = run_point(b->c, b->point, NULL,
		                     b->extra + i * b->nextra, b->nextra,
		                     b->reps, b->precise, b->jobs, &b->out[i],
		                     NULL, NULL, &b->errs[i]);
	else
		b->st[i] = run_point(b->c, i, b->v, NULL, 0, b->reps,
		                     b->precise, b->jobs, &b->out[i],
		                     b->ep ? b->ep[i] : NULL, NULL, &b->errs[i]);
	f = atomic_load(&b->first_bad);
	while (b->st[i] && i < f &&
	       !atomic_compare_exchange_weak(&b->first_bad, &f, i))
		;
	/* the statuses are read from st: the pool's own is for its faults */
	return CS_OK;
}

/* Run b's n runs on up to opts.jobs threads (0: one per core); the first
 * failed run in order, or n, those before it counted in c->evals. */
static size_t
run_batch(cs_cal *c, batch *b, size_t n)
{
	unsigned jobs = c->opts.jobs ? c->opts.jobs : cs_sim_cores();
	unsigned outer = n < jobs ? (unsigned)n : jobs;
	size_t f;

	if (!n)
		return 0;
	b->c = c;
	/* fewer runs than threads: their replications share the rest */
	b->jobs = outer < jobs ? jobs / outer : 1;
	atomic_init(&b->first_bad, n);
	if (cs_sim_replicate((unsigned)n, outer, batch_point, b)) {
		/* the pool could not start */
		b->st[0] = cs_calp_nomem(&b->errs[0]);
		return 0;
	}
	f = atomic_load(&b->first_bad);
	c->evals += (unsigned)f;
	return f;
}

/*
 * Run every point at v, as cs_calp_run_point_x with its replication
 * count, on up to opts.jobs threads (0: one per core) over the points,
 * each point's cs_run taking the rest: a point of 80 simulated seconds
 * is a few tens of ms of CPU and its 2 replications alone leave cores
 * idle.  Each run is seeded as it would be alone and its numbers are
 * stored by index, so nothing depends on the threads.  out[i], ep[i]
 * (ep or ep[i] may be NULL), st[i] and errs[i] are point i's.
 *
 * Returns the first point, in point order, that failed (st and errs say
 * how), or c->npoints; the points after it may not have run.  Those
 * before it are counted in c->evals, as running them in turn would.
 */
size_t
cs_calp_run_points(cs_cal *c, const double *v, bool precise,
                   cs_cal_pred *out, double **ep, cs_status *st,
                   cs_error *errs)
{
	batch b;

	memset(&b, 0, sizeof b);
	b.v = v;
	b.precise = precise;
	b.out = out;
	b.ep = ep;
	b.st = st;
	b.errs = errs;
	return run_batch(c, &b, c->npoints);
}

/*
 * Run point i with each of n lists of overrides, list j being
 * extra[j * nextra .. (j + 1) * nextra), as cs_cal_predict_sets with reps
 * replications, several lists at once as cs_calp_run_points runs points:
 * a prediction interval's draws are one replication each, which alone
 * keeps one core busy.  out[j], st[j] and errs[j] are list j's; returns
 * the first list, in order, that failed, or n.
 */
size_t
cs_calp_run_sets(cs_cal *c, size_t i, const char *const *extra,
                 size_t nextra, size_t n, unsigned reps, cs_cal_pred *out,
                 cs_status *st, cs_error *errs)
{
	batch b;

	memset(&b, 0, sizeof b);
	b.point = i;
	b.extra = extra;
	b.nextra = nextra;
	b.reps = reps;
	b.precise = true;
	b.out = out;
	b.st = st;
	b.errs = errs;
	return run_batch(c, &b, n);
}

cs_status
cs_calp_run_point(cs_cal *c, size_t i, const double *v, unsigned reps,
                  cs_cal_pred *out, cs_error *err)
{
	return cs_calp_run_point_x(c, i, v, NULL, 0, reps, false, out, NULL,
	                           NULL, err);
}

/* cs_calp_run_point for a reported prediction (see cs_calp_run_point_x). */
cs_status
cs_calp_run_point_precise(cs_cal *c, size_t i, const double *v, unsigned reps,
                          cs_cal_pred *out, cs_error *err)
{
	return cs_calp_run_point_x(c, i, v, NULL, 0, reps, true, out, NULL,
	                           NULL, err);
}

cs_status
cs_cal_predict_detail(cs_cal *c, size_t i, unsigned reps, cs_cal_pred *out,
                      double *ep, double *causes, cs_error *err)
{
	double *v = NULL;
	size_t k;
	cs_status s;

	if (i >= c->npoints)
		return cs_error_set(err, CS_ERR_INTERNAL, "", 0, 0, "",
		                    "no point %zu", i);
	if (c->nparams && !(v = malloc(c->nparams * sizeof *v)))
		return cs_calp_nomem(err);
	for (k = 0; k < c->nparams; k++)
		v[k] = c->params[k].pub.value;
	s = cs_calp_run_point_x(c, i, v, NULL, 0, reps, true, out, ep, causes,
	                        err);
	free(v);
	return s;
}

cs_status
cs_cal_predict_sets(cs_cal *c, size_t i, const char *const *extra,
                    size_t nextra, unsigned reps, cs_cal_pred *out,
                    cs_error *err)
{
	if (i >= c->npoints)
		return cs_error_set(err, CS_ERR_INTERNAL, "", 0, 0, "",
		                    "no point %zu", i);
	return cs_calp_run_point_x(c, i, NULL, extra, nextra, reps, true, out,
	                           NULL, NULL, err);
}

cs_status
cs_cal_predict(cs_cal *c, size_t i, unsigned reps, cs_cal_pred *out,
               cs_error *err)
{
	double *v;
	size_t k;
	cs_status s;

	if (i >= c->npoints)
		return cs_error_set(err, CS_ERR_INTERNAL, "", 0, 0, "",
		                    "no point %zu", i);
	if (!c->nparams)
		return cs_calp_run_point_precise(c, i, NULL, reps, out, err);
	v = malloc(c->nparams * sizeof *v);
	if (!v)
		return cs_calp_nomem(err);
	for (k = 0; k < c->nparams; k++)
		v[k] = c->params[k].pub.value;
	s = cs_calp_run_point_precise(c, i, v, reps, out, err);
	free(v);
	return s;
}

bool
cs_calp_same_config(const cs_cal *c, size_t i, size_t k)
{
	const point *a = &c->points[i], *b = &c->points[k];
	size_t q;

	if (a->nsets != b->nsets)
		return false;
	for (q = 0; q < a->nsets; q++)
		if (strcmp(a->sets[q], b->sets[q]))
			return false;
	return true;
}
