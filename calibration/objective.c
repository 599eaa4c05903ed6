/*
 * calibration/objective — what the fit minimizes: one residual per
 * measured number (a point's throughput, percentiles, error rate and
 * utilizations, or its endpoints' where they are scored), each in units of
 * its noise: the measurement's sampling sd and the between-run noise floor
 * (given, from repeated points, or the default).  The weighted residuals at
 * a set of values are one simulation per point; they are cached by the
 * text of the values, so the simplex revisiting a point (or an integer
 * parameter rounding to the same value) costs nothing.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calibration/fit-private.h"
#include "config/conf.h"

#define LOG_FLOOR 1e-6     /* a predicted 0 or NaN counts as this ratio */
#define BAD_RESIDUAL 10.0  /* residual of a run that failed to load */
#define NOISE_PRIOR_DOF 4.0 /* the default floor's weight against repeats */

/* ---- noise -------------------------------------------------------------- */

double
cs_cal_noise_default(cs_cal_metric m)
{
	static const double d[CS_CAL_NMETRICS] = {
		0.05, 0.10, 0.12, 0.20, 0.03, 0.10, 0.10, 0.10, 0.10
	};

	return (unsigned)m < CS_CAL_NMETRICS ? d[m] : NAN;
}

double
cs_cal_sampling_sd(cs_cal_metric m, double v, double count, const char *tool)
{
	double p, sd, res = 0;

	if (!(count > 0))
		return 0;
	switch (m) {
	case CS_CAL_THROUGHPUT:
		return 1 / sqrt(count);
	case CS_CAL_P50: p = 0.50; break;
	case CS_CAL_P95: p = 0.95; break;
	case CS_CAL_P99: p = 0.99; break;
	case CS_CAL_ERROR_RATE:
		/* binomial, on the angle: var(asin sqrt(e)) = 1 / 4n */
		(void)v;
		return 0.5 / sqrt(count);
	default:
		return 0;
	}
	/* the sample quantile of an exponential tail: var(q) = p(1-p) /
	 * (n f(q)^2), f(q) = lambda (1-p), q = -ln(1-p) / lambda */
	sd = sqrt(p / ((1 - p) * count)) / -log(1 - p);
	/* Locust keeps response times rounded (stats.py): to 1 ms below
	 * 100 ms, 10 ms below 1 s, 100 ms below 10 s, then 1 s; a uniform
	 * rounding error of one step has sd step / sqrt(12) */
	if (tool && !strcmp(tool, "locust") && v > 0) {
		double step = v < 100 ? 1 : v < 1000 ? 10 : v < 10000 ? 100 :
		              1000;

		res = step / sqrt(12) / v;
	}
	return sqrt(sd * sd + res * res);
}

double
cs_cal_angle(double e)
{
	return asin(sqrt(fmin(fmax(e, 0), 1)));
}

double
cs_cal_unangle(double z)
{
	double s = sin(fmin(fmax(z, 0), 1.5707963267948966)); /* pi / 2 */

	return s * s;
}

/* The value a residual of metric m compares: ln for relative metrics,
 * the angle for the error rate. */
static double
noise_scale(cs_cal_metric m, double y)
{
	return m == CS_CAL_ERROR_RATE ? cs_cal_angle(y) : log(y);
}

/* The number of requests behind point p's numbers. */
static double
count_of(const cs_imp_point *p)
{
	if (p->requests > 0)
		return p->requests;
	if (p->throughput > 0 && p->duration > 0)
		return p->throughput * p->duration;
	return NAN;
}

/* Whether the override "path=value" sets a covariate (opts.covariates). */
static int
is_covariate(const cs_cal *c, const char *set)
{
	size_t len = strcspn(set, "="), k;

	for (k = 0; k < c->opts.ncovariates; k++)
		if (strlen(c->opts.covariates[k]) == len &&
		    !strncmp(set, c->opts.covariates[k], len))
			return 1;
	return 0;
}

/* Points i and j are repeats: the same load and the same overrides, the
 * covariates (a measured background) aside. */
static int
same_experiment(const cs_cal *c, size_t i, size_t j)
{
	const point *a = &c->points[i], *b = &c->points[j];
	size_t ka = 0, kb = 0;

	if (!(a->p->users == b->p->users ||
	      (isnan(a->p->users) && isnan(b->p->users))) ||
	    !(a->p->arrival_rate == b->p->arrival_rate ||
	      (isnan(a->p->arrival_rate) && isnan(b->p->arrival_rate))))
		return 0;
	for (;;) {
		while (ka < a->nsets && is_covariate(c, a->sets[ka]))
			ka++;
		while (kb < b->nsets && is_covariate(c, b->sets[kb]))
			kb++;
		if (ka == a->nsets || kb == b->nsets)
			return ka == a->nsets && kb == b->nsets;
		if (strcmp(a->sets[ka++], b->sets[kb++]))
			return 0;
	}
}

/*
 * The between-run floor of each metric: given, else from repeated points
 * (pooled variance within groups of the same experiment, less their mean
 * sampling variance, pooled with the default as a prior of
 * NOISE_PRIOR_DOF degrees of freedom), else the default.
 */
static void
setup_noise(cs_cal *c)
{
	size_t m, i, j;
	int *group = calloc(c->npoints + 1, sizeof *group);

	for (i = 0; group && i < c->npoints; i++) {
		group[i] = (int)i;
		for (j = 0; j < i; j++)
			if (same_experiment(c, i, j)) {
				group[i] = group[j];
				break;
			}
	}
	for (m = 0; m < CS_CAL_NMETRICS; m++) {
		double ss = 0, samp = 0;
		size_t dof = 0, ns = 0;

		c->floor[m] = cs_cal_noise_default((cs_cal_metric)m);
		c->floor_src[m] = 0;
		c->floor_dof[m] = 0;
		if (!isnan(c->opts.noise[m])) {
			c->floor[m] = c->opts.noise[m];
			c->floor_src[m] = 2;
			continue;
		}
		for (i = 0; group && i < c->npoints; i++) {
			double sum = 0, sq = 0;
			size_t n = 0;

			if (group[i] != (int)i)
				continue;
			for (j = i; j < c->npoints; j++) {
				double y = cs_cal_measured(c->points[j].p,
				                           (cs_cal_metric)m);
				double sd;

				if (group[j] != (int)i || isnan(y) ||
				    (m != CS_CAL_ERROR_RATE && !(y > 0)))
					continue;
				y = noise_scale((cs_cal_metric)m, y);
				sum += y;
				sq += y * y;
				n++;
				sd = cs_cal_sampling_sd((cs_cal_metric)m,
				    cs_cal_measured(c->points[j].p,
				                    (cs_cal_metric)m),
				    count_of(c->points[j].p), c->points[j].p->tool);
				samp += sd * sd;
				ns++;
			}
			if (n >= 2) {
				ss += sq - sum * sum / (double)n;
				dof += n - 1;
			}
		}
		if (dof >= 1) {
			/* a variance from a few repeats is itself uncertain
			 * (2 dof: its 90% range spans x20): pool it with the
			 * default as a prior worth NOISE_PRIOR_DOF degrees of
			 * freedom, as an inverse-chi-square prior would */
			double v = ss / (double)dof - (ns ? samp / (double)ns : 0);
			double d = cs_cal_noise_default((cs_cal_metric)m);

			v = v > 0 ? v : 0;
			c->floor[m] = sqrt((NOISE_PRIOR_DOF * d * d + (double)dof * v) /
			                   (NOISE_PRIOR_DOF + (double)dof));
			c->floor_src[m] = 1;
			c->floor_dof[m] = dof;
		}
	}
	free(group);
}

double
cs_cal_noise_floor(const cs_cal *c, cs_cal_metric m, int *source,
                   size_t *dof)
{
	if ((unsigned)m >= CS_CAL_NMETRICS)
		return NAN;
	if (source)
		*source = c->floor_src[m];
	if (dof)
		*dof = c->floor_dof[m];
	return c->floor[m];
}

/* ---- the terms ---------------------------------------------------------- */

/* The measured value residual k compares. */
static double
res_measured(const cs_cal *c, size_t k)
{
	const cs_imp_point *p = c->points[c->res_point[k]].p;
	int m = c->res_metric[k], e = c->res_ep[k];
	const cs_imp_endpoint *ep;

	if (e < 0)
		return cs_cal_measured(p, (cs_cal_metric)m);
	ep = &p->endpoints[e];
	switch (m) {
	case CS_CAL_THROUGHPUT:
		return p->requests > 0 ? ep->requests / p->requests : NAN;
	case CS_CAL_P50: return ep->latency.p50;
	case CS_CAL_P95: return ep->latency.p95;
	case CS_CAL_P99: return ep->latency.p99;
	case CS_CAL_ERROR_RATE: return ep->error_rate;
	default: return NAN;
	}
}

/* The endpoint-level counterpart of metric m in a point's EP_N numbers. */
static int
ep_slot(int m)
{
	switch (m) {
	case CS_CAL_THROUGHPUT: return EP_SHARE;
	case CS_CAL_P50: return EP_P50;
	case CS_CAL_P95: return EP_P95;
	case CS_CAL_P99: return EP_P99;
	case CS_CAL_ERROR_RATE: return EP_ERR;
	default: return -1;
	}
}

/*
 * Does the objective score point i's endpoints?  When the point names
 * them with their requests, and every one that received requests is an
 * endpoint of the scenario (by name): then its p50/p95/p99 and error rate
 * are scored per endpoint (the overall ones, a mixture of them, are not
 * scored again), and each endpoint's share of the requests too.
 */
static int
endpoints_usable(const cs_cal *c, const cs_imp_point *p,
                 const char *const *names, size_t nnames)
{
	size_t k, j, used = 0;

	if (!p->nendpoints || !(p->requests > 0))
		return 0;
	for (k = 0; k < p->nendpoints; k++) {
		const cs_imp_endpoint *e = &p->endpoints[k];
		int found = 0;

		if (!(e->requests > 0))
			continue;
		for (j = 0; j < nnames && !found; j++)
			found = e->name && !strcmp(e->name, names[j]);
		if (!found)
			return 0;
		used++;
	}
	(void)c;
	return used > 0;
}

void
cs_cal_term_at(const cs_cal *c, size_t k, cs_cal_term *out)
{
	memset(out, 0, sizeof *out);
	if (k >= c->nres)
		return;
	out->point = (size_t)c->res_point[k];
	out->metric = (cs_cal_metric)c->res_metric[k];
	out->measured = res_measured(c, k);
	out->endpoint = c->res_ep[k] >= 0 ?
	    c->points[out->point].p->endpoints[c->res_ep[k]].name : NULL;
	out->sampling = c->res_samp[k];
	out->floor = c->floor[out->metric];
	out->weight = c->res_w[k];
}

static int
is_percentile(int m)
{
	return m == CS_CAL_P50 || m == CS_CAL_P95 || m == CS_CAL_P99;
}

/*
 * One residual per known measurement, weighted by its noise: a metric's
 * weight / (sampling sd^2 + floor^2), so that a residual of one standard
 * deviation counts 1 (times the metric's weight) whatever its unit.
 */
cs_status
cs_calp_setup_residuals(cs_cal *c, cs_error *err)
{
	size_t i, m, n = 0, cap = c->npoints * CS_CAL_NMETRICS + 1, k;
	const char **names = NULL;
	size_t nnames = 0;
	cs_conf *cf = NULL;
	cs_conf_node *eps, *app, *gil;
	int loops = 0, unscored = 0;

	for (i = 0; i < c->npoints; i++)
		cap += c->points[i].p->nendpoints * EP_N;
	free(c->res_point);
	free(c->res_metric);
	free(c->res_w);
	free(c->res_samp);
	free(c->res_ep);
	c->res_point = malloc(cap * sizeof *c->res_point);
	c->res_metric = malloc(cap * sizeof *c->res_metric);
	c->res_w = malloc(cap * sizeof *c->res_w);
	c->res_samp = malloc(cap * sizeof *c->res_samp);
	c->res_ep = malloc(cap * sizeof *c->res_ep);
	if (!c->res_point || !c->res_metric || !c->res_w || !c->res_samp ||
	    !c->res_ep)
		return cs_calp_nomem(err);
	/* the scenario's endpoint names, to match the data's */
	if (cs_calp_tree(c, NULL, 0, &cf, NULL) == CS_OK && cf->root &&
	    (eps = cs_conf_get(cf->root, "endpoints")) &&
	    eps->kind == CS_CONF_SEQ) {
		names = calloc(eps->n + 1, sizeof *names);
		for (k = 0; names && k < eps->n; k++) {
			cs_conf_node *nm = eps->items[k]->kind == CS_CONF_MAP ?
			    cs_conf_get(eps->items[k], "name") : NULL;

			if (nm && nm->value)
				names[nnames++] = nm->value;
		}
	}
	/* the event loops' busy share is a model output only with app.gil */
	if (cf && cf->root && (app = cs_conf_get(cf->root, "app")) &&
	    app->kind == CS_CONF_MAP && (gil = cs_conf_get(app, "gil"))) {
		bool on = false;

		/* as the scenario reads it (true, yes, on; any case) */
		if (cs_conf_bool(cf, gil, "app.gil", &on, NULL) == CS_OK && on)
			loops = 1;
	}
	setup_noise(c);
	c->wsum = 0;
	for (i = 0; i < c->npoints; i++) {
		const cs_imp_point *p = c->points[i].p;
		int use = endpoints_usable(c, p, names, nnames);
		int by_ep[CS_CAL_NMETRICS] = { 0 };

		c->points[i].use_ep = use;
		/* endpoint terms first; they replace the overall latency and
		 * error rate that they make up */
		for (k = 0; use && k < p->nendpoints; k++) {
			const cs_imp_endpoint *e = &p->endpoints[k];

			if (!(e->requests > 0))
				continue;
			for (m = 0; m < CS_CAL_NMETRICS; m++) {
				double y, w = c->opts.weight[m], sd, cnt;

				if (ep_slot((int)m) < 0 || !(w > 0))
					continue;
				c->res_point[n] = (int)i;
				c->res_metric[n] = (int)m;
				c->res_ep[n] = (int)k;
				y = res_measured(c, n);
				if (isnan(y) || (m != CS_CAL_ERROR_RATE && !(y > 0)))
					continue;
				if (m == CS_CAL_THROUGHPUT) {
					/* a share s of n requests: binomial */
					sd = y < 1 ? sqrt((1 - y) / (y * p->requests)) :
					     0;
				} else {
					cnt = e->requests;
					sd = cs_cal_sampling_sd((cs_cal_metric)m, y,
					                        cnt, p->tool);
				}
				if (m != CS_CAL_THROUGHPUT)
					by_ep[m] = 1;
				c->res_samp[n] = sd;
				c->res_w[n] = w / (sd * sd + c->floor[m] *
				                   c->floor[m]);
				c->wsum += w;
				n++;
			}
		}
		for (m = 0; m < CS_CAL_NMETRICS; m++) {
			double y = cs_cal_measured(p, (cs_cal_metric)m);
			double w = c->opts.weight[m], sd;

			if (isnan(y) || !(w > 0) || by_ep[m] ||
			    (m != CS_CAL_ERROR_RATE && !(y > 0)))
				continue;
			if (m == CS_CAL_EVENT_LOOP && !loops) {
				unscored = 1;
				continue;
			}
			sd = cs_cal_sampling_sd((cs_cal_metric)m, y, count_of(p),
			                        p->tool);
			c->res_point[n] = (int)i;
			c->res_metric[n] = (int)m;
			c->res_ep[n] = -1;
			c->res_samp[n] = sd;
			c->res_w[n] = w / (sd * sd + c->floor[m] * c->floor[m]);
			c->wsum += w;
			n++;
		}
	}
	free(names);
	cs_conf_free(cf);
	if (unscored && cs_calp_warnf(c, "the data give the event loops' "
	    "utilization (event_loop), but the scenario has no app.gil, whose "
	    "processes it describes: not scored"))
		return cs_calp_nomem(err);
	/*
	 * Two corrections to independent sampling noise.  The model's own
	 * prediction is noisy too (R replications of a run as long as the
	 * test: 1/R of its variance), and the percentiles of one run share
	 * that run's luck (a slow stretch moves p50, p95 and p99 together):
	 * the k percentiles of one point (or endpoint) count as one
	 * observation, each weighing 1/k.
	 */
	for (k = 0; k < n;) {
		/* the terms of one point (or endpoint) are contiguous */
		size_t end = k, kp = 0, j;

		while (end < n && c->res_point[end] == c->res_point[k] &&
		       c->res_ep[end] == c->res_ep[k])
			end++;
		for (j = k; j < end; j++)
			if (is_percentile(c->res_metric[j]))
				kp++;
		for (j = k; j < end; j++) {
			int mm = c->res_metric[j];
			double sd = c->res_samp[j], reps = c->opts.replications ?
			            (double)c->opts.replications : 2;

			c->res_w[j] = c->opts.weight[mm] /
			              (sd * sd * (1 + 1 / reps) +
			               c->floor[mm] * c->floor[mm]);
			if (is_percentile(mm) && kp > 1)
				c->res_w[j] /= (double)kp;
		}
		k = end;
	}
	c->nres = n;
	if (!n)
		return cs_error_set(err, CS_ERR_INVALID, "", 0, 0, "",
		    "the points have no measured throughput, p50, p95, p99 or "
		    "error rate with a weight > 0: nothing to fit to");
	return CS_OK;
}

/* ---- the weighted residuals --------------------------------------------- */

static cs_status
key_of(const cs_cal *c, const double *v, char **out)
{
	size_t k, cap = 64 * c->nparams + 1, o = 0;
	char *s = malloc(cap);

	*out = s;
	if (!s)
		return CS_ERR_NOMEM;
	s[0] = '\0';
	for (k = 0; k < c->nparams; k++) {
		char val[64];

		cs_cal_format(c->params[k].pub.kind, c->params[k].pct, v[k], val,
		              sizeof val);
		o += (size_t)snprintf(s + o, cap - o, "%s\n", val);
	}
	return CS_OK;
}

/*
 * The weighted residuals at values v.  A scenario that does not load or
 * run at v gives BAD_RESIDUAL everywhere (the simplex then moves away);
 * only out-of-memory and internal faults are returned.
 */
cs_status
cs_calp_residuals(cs_cal *c, const double *v, double *r, int *bad,
                  cs_error *err)
{
	double **epv = NULL;  /* per point: its endpoints' numbers */
	cs_cal_pred *pred;
	cs_status *st;
	cs_error *errs;
	char *key;
	size_t i, k, f;
	centry *e;
	cs_status s = CS_OK;

	*bad = 0;
	if (key_of(c, v, &key))
		return cs_calp_nomem(err);
	/* the cache is the calling thread's alone: the points' threads
	 * (cs_calp_run_points) only read c */
	for (i = 0; i < CACHE_SIZE; i++)
		if (c->cache[i].key && !strcmp(c->cache[i].key, key)) {
			memcpy(r, c->cache[i].r, c->nres * sizeof *r);
			*bad = c->cache[i].bad;
			free(key);
			return CS_OK;
		}
	pred = malloc(c->npoints * sizeof *pred);
	epv = calloc(c->npoints, sizeof *epv);
	st = malloc(c->npoints * sizeof *st);
	errs = malloc(c->npoints * sizeof *errs);
	if (!pred || !epv || !st || !errs) {
		s = cs_calp_nomem(err);
		goto fail;
	}
	for (i = 0; i < c->npoints; i++)
		if (c->points[i].use_ep &&
		    !(epv[i] = malloc((c->points[i].p->nendpoints * EP_N + 1) *
		                      sizeof **epv))) {
			s = cs_calp_nomem(err);
			goto fail;
		}
	/* all the points at once; what counts is the first one, in point
	 * order, that failed, as if they had run in turn */
	f = cs_calp_run_points(c, v, false, pred, epv, st, errs);
	if (f < c->npoints) {
		s = st[f];
		if (s == CS_ERR_NOMEM || s == CS_ERR_INTERNAL ||
		    s == CS_ERR_IO || s == CS_ERR_NUMERIC) {
			if (err)
				*err = errs[f];
			goto fail;
		}
		*bad = 1;
		s = CS_OK;
	}
	for (k = 0; k < c->nres; k++) {
		int m = c->res_metric[k], ei = c->res_ep[k];
		double y = res_measured(c, k);
		double q, t;

		if (*bad) {
			r[k] = BAD_RESIDUAL;
			continue;
		}
		q = ei < 0 ? pred[c->res_point[k]].mean[m] :
		    epv[c->res_point[k]][ei * EP_N + ep_slot(m)];
		if (m == CS_CAL_ERROR_RATE) {
			t = isnan(q) ? 1 : cs_cal_angle(q) - cs_cal_angle(y);
		} else {
			double ratio = q / y;

			if (!(ratio >= LOG_FLOOR) || !isfinite(ratio))
				ratio = ratio > 1 ? 1 / LOG_FLOOR : LOG_FLOOR;
			t = log(ratio);
		}
		r[k] = sqrt(c->res_w[k]) * t;
	}
	for (i = 0; i < c->npoints; i++)
		free(epv[i]);
	free(epv);
	free(pred);
	free(st);
	free(errs);
	e = &c->cache[c->cache_next];
	c->cache_next = (c->cache_next + 1) % CACHE_SIZE;
	free(e->key);
	free(e->r);
	e->key = key;
	e->bad = *bad;
	e->r = malloc((c->nres + 1) * sizeof *e->r);
	if (e->r)
		memcpy(e->r, r, c->nres * sizeof *r);
	else {
		free(e->key);
		e->key = NULL;
	}
	return CS_OK;
fail:
	for (i = 0; epv && i < c->npoints; i++)
		free(epv[i]);
	free(epv);
	free(pred);
	free(st);
	free(errs);
	free(key);
	return s;
}
