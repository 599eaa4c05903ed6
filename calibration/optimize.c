/*
 * calibration/optimize — the fit (cs_cal_fit): Nelder-Mead in log space
 * from several starts (the first estimates, the file's values, a Latin
 * hypercube over the bounds) on the objective (objective.c), each to a
 * coarse simplex and the best of them on to a fine one, then what the
 * data leave unknown at the best values: standard errors from the
 * Jacobian, the values not identified, the model's discrepancy per metric
 * and a sample of the posterior.
 *
 * Cost: one evaluation of the objective is one cs_run() per point (YAML
 * parsing included, a millisecond or so), the points run at once on
 * opts.jobs threads (cs_calp_run_points); a fit is at most
 * starts x max_evals evaluations plus 2 per parameter for the Jacobian
 * and up to 2 x opts.proposals for the posterior sample (its importance
 * sample, then the normal approximation's draws if that collapses); evaluations are cached
 * (objective.c).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>

#include "calibration/fit-private.h"

#define SIMPLEX_TOL 5e-3   /* simplex size (log space) that ends the fit */
#define COARSE_TOL 0.05    /* ... that ends a start's first stage */

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- Nelder-Mead -------------------------------------------------------- */

/* From log space to values, clamped; the squared distance outside. */
static double
to_values(const cs_cal *c, const gsl_vector *u, double *v)
{
	double out = 0;
	size_t k;

	for (k = 0; k < c->nparams; k++) {
		const cs_cal_param *p = &c->params[k].pub;
		double x = gsl_vector_get(u, k);
		double l = log(p->lo), h = log(p->hi);

		if (x < l) {
			out += (l - x) * (l - x);
			x = l;
		} else if (x > h) {
			out += (x - h) * (x - h);
			x = h;
		}
		v[k] = exp(x);
	}
	return out;
}

typedef struct fctx {
	cs_cal *c;
	double *v, *r;
	unsigned calls;
	/* the function a minimizer is given: GSL keeps a pointer to it,
	 * and iterates through it long after nm_begin has returned, so it
	 * lives as long as the fit (it was nm_begin's local: iterating read
	 * a dead stack frame, which an ASan build caught) */
	gsl_multimin_function mf;
} fctx;

static double
objective(const gsl_vector *u, void *params)
{
	fctx *x = params;
	cs_cal *c = x->c;
	double pen, sum = 0;
	size_t k;
	int bad;
	cs_status s;

	x->calls++;
	if (c->fatal)
		return 1e30;
	pen = to_values(c, u, x->v);
	s = cs_calp_residuals(c, x->v, x->r, &bad, &c->fatal_err);
	if (s) {
		c->fatal = s;
		return 1e30;
	}
	for (k = 0; k < c->nres; k++)
		sum += x->r[k] * x->r[k];
	/* outside the bounds the value is clamped; the penalty makes the
	 * simplex come back instead of wandering on a flat plateau */
	return sum / c->wsum + 100 * pen;
}

/* One start of Nelder-Mead: its minimizer, kept between its coarse and
 * its fine stage. */
typedef struct nmrun {
	gsl_multimin_fminimizer *mz;
	gsl_vector *step;
	unsigned calls;   /* evaluations so far */
	double seconds;   /* wall-clock time so far */
	double best;      /* the best value so far */
} nmrun;

static void
nm_free(nmrun *r)
{
	gsl_vector_free(r->step);
	gsl_multimin_fminimizer_free(r->mz);
	r->step = NULL;
	r->mz = NULL;
}

/* Start Nelder-Mead from u0 (its first simplex evaluated). */
static cs_status
nm_begin(cs_cal *c, fctx *x, const gsl_vector *u0, nmrun *r, cs_error *err)
{
	double t0 = now_seconds();
	size_t k, n = c->nparams;
	int gs;

	memset(r, 0, sizeof *r);
	r->step = gsl_vector_alloc(n);
	r->mz = gsl_multimin_fminimizer_alloc(
		gsl_multimin_fminimizer_nmsimplex2, n);
	if (!r->step || !r->mz) {
		nm_free(r);
		return cs_calp_nomem(err);
	}
	for (k = 0; k < n; k++) {
		double w = log(c->params[k].pub.hi / c->params[k].pub.lo);

		gsl_vector_set(r->step, k, fmin(fmax(0.15 * w, 0.05), 0.7));
	}
	x->mf.n = n;
	x->mf.f = objective;
	x->mf.params = x;
	x->calls = 0;
	gs = gsl_multimin_fminimizer_set(r->mz, &x->mf, u0, r->step);
	r->calls = x->calls;
	r->seconds = now_seconds() - t0;
	if (c->fatal) {
		nm_free(r);
		if (err)
			*err = c->fatal_err;
		return c->fatal;
	}
	if (gs != GSL_SUCCESS) {
		nm_free(r);
		return cs_error_set(err, CS_ERR_NUMERIC, "", 0, 0, "",
		                    "Nelder-Mead could not start: %s",
		                    gsl_strerror(gs));
	}
	r->best = gsl_multimin_fminimizer_minimum(r->mz);
	return CS_OK;
}

/* Iterate r until its simplex is smaller than tol or it has spent
 * max_evals evaluations; the pieces of one start's iterations are the
 * iterations it would make in one go. */
static cs_status
nm_until(cs_cal *c, fctx *x, nmrun *r, double tol, cs_error *err)
{
	double t0 = now_seconds();
	int gs;

	x->calls = r->calls;
	while (x->calls < c->opts.max_evals &&
	       gsl_multimin_test_size(gsl_multimin_fminimizer_size(r->mz),
	                              tol) != GSL_SUCCESS) {
		gs = gsl_multimin_fminimizer_iterate(r->mz);
		if (c->fatal) {
			if (err)
				*err = c->fatal_err;
			return c->fatal;
		}
		if (gs == GSL_ENOPROG)
			break;
		if (gs != GSL_SUCCESS)
			return cs_error_set(err, CS_ERR_NUMERIC, "", 0, 0, "",
			                    "Nelder-Mead failed: %s",
			                    gsl_strerror(gs));
	}
	r->calls = x->calls;
	r->seconds += now_seconds() - t0;
	r->best = gsl_multimin_fminimizer_minimum(r->mz);
	return CS_OK;
}

static void
nm_report(const cs_cal *c, const nmrun *r, unsigned start, double best_all,
          int refine, double tol)
{
	cs_cal_progress pg;

	if (!c->opts.progress)
		return;
	memset(&pg, 0, sizeof pg);
	pg.start = start;
	pg.starts = c->opts.starts;
	pg.evals = r->calls;
	pg.objective = r->best;
	pg.best = fmin(r->best, best_all);
	pg.seconds = r->seconds;
	pg.done = 1;
	pg.refine = refine;
	pg.tol = tol;
	c->opts.progress(&pg, c->opts.progress_ctx);
}

/* ---- what the data leave unknown ---------------------------------------- */

/*
 * Standard errors from the Jacobian of the weighted residuals in log
 * space (central differences, h = 0.05, clamped to the bounds):
 * cov = s^2 (J'J)^-1 through the SVD of J; a singular direction makes the
 * parameters in it not identifiable (+inf).
 */
static cs_status
uncertainty(cs_cal *c, const double *v, cs_error *err)
{
	size_t k = c->nparams, m = c->nres, i, j, q;
	gsl_matrix *J = NULL, *V = NULL;
	gsl_vector *S = NULL, *work = NULL;
	double *vp = NULL, *rp = NULL, *rm = NULL, rss = 0, s2;
	int bad, *skip = NULL;
	cs_status s = CS_OK;

	for (i = 0; i < k; i++)
		c->params[i].pub.se_log = NAN;
	if (m < k) {
		return cs_calp_warnf(c, "%zu measured numbers for %zu "
		                     "parameters: the fit cannot pin them all "
		                     "down and no uncertainty is given", m, k) ?
		       cs_calp_nomem(err) : CS_OK;
	}
	J = gsl_matrix_alloc(m, k);
	V = gsl_matrix_alloc(k, k);
	S = gsl_vector_alloc(k);
	work = gsl_vector_alloc(k);
	vp = malloc(k * sizeof *vp);
	rp = malloc(m * sizeof *rp);
	rm = malloc(m * sizeof *rm);
	skip = calloc(k, sizeof *skip);
	if (!J || !V || !S || !work || !vp || !rp || !rm || !skip) {
		s = cs_calp_nomem(err);
		goto out;
	}
	if ((s = cs_calp_residuals(c, v, rp, &bad, err)))
		goto out;
	for (q = 0; q < m; q++)
		rss += rp[q] * rp[q];
	for (j = 0; j < k; j++) {
		const param *pr = &c->params[j];
		double up, dn, h = 0.05;

		memcpy(vp, v, k * sizeof *vp);
		up = cs_calp_applied(pr, fmin(v[j] * exp(h), pr->pub.hi));
		dn = cs_calp_applied(pr, fmax(v[j] * exp(-h), pr->pub.lo));
		if (pr->pub.kind == CS_CAL_INTEGER && up == dn) {
			/* an integer too large to move by 5%: step by one */
			up = cs_calp_applied(pr, fmin(v[j] + 1, pr->pub.hi));
			dn = cs_calp_applied(pr, fmax(v[j] - 1, pr->pub.lo));
		}
		if (!(up > dn)) {
			for (q = 0; q < m; q++)
				gsl_matrix_set(J, q, j, 0);
			skip[j] = 1;
			continue;
		}
		vp[j] = up;
		if ((s = cs_calp_residuals(c, vp, rp, &bad, err)))
			goto out;
		vp[j] = dn;
		if ((s = cs_calp_residuals(c, vp, rm, &bad, err)))
			goto out;
		for (q = 0; q < m; q++)
			gsl_matrix_set(J, q, j, (rp[q] - rm[q]) /
			               (log(up) - log(dn)));
	}
	if (gsl_linalg_SV_decomp(J, V, S, work) != GSL_SUCCESS) {
		s = cs_error_set(err, CS_ERR_NUMERIC, "", 0, 0, "",
		                 "SVD of the Jacobian failed");
		goto out;
	}
	/* residuals are in units of their noise: s2 near 1 means the model
	 * fits within it; a worse fit widens the intervals, a better one
	 * (over-fitting few points) does not narrow them below the noise */
	s2 = m > k ? fmax(rss / (double)(m - k), 1) : 1;
	/* keep the directions: the posterior sample walks along them */
	free(c->svd_v);
	free(c->svd_s);
	c->svd_v = malloc(k * k * sizeof *c->svd_v);
	c->svd_s = malloc(k * sizeof *c->svd_s);
	if (c->svd_v && c->svd_s) {
		for (i = 0; i < k; i++) {
			c->svd_s[i] = gsl_vector_get(S, i) / sqrt(s2);
			for (j = 0; j < k; j++)
				c->svd_v[i * k + j] = gsl_matrix_get(V, i, j);
		}
	} else {
		free(c->svd_v);
		free(c->svd_s);
		c->svd_v = c->svd_s = NULL;
	}
	for (j = 0; j < k; j++) {
		double var = 0;
		int unident = 0;

		if (skip[j])
			continue;   /* pinned by its bounds: no interval */

		for (i = 0; i < k; i++) {
			double sv = gsl_vector_get(S, i);
			double vji = gsl_matrix_get(V, j, i);

			if (sv <= 1e-6 * gsl_vector_get(S, 0) || sv == 0) {
				if (fabs(vji) > 0.1)
					unident = 1;
				continue;
			}
			var += vji * vji / (sv * sv);
		}
		c->params[j].pub.se_log = unident ? INFINITY : sqrt(s2 * var);
		if (unident && (s = cs_calp_warnf(c, "%s is not identifiable "
		    "from these data: changing it does not change the fit, or "
		    "another parameter makes up for it", c->params[j].path))) {
			s = cs_calp_nomem(err);
			goto out;
		}
	}
	if (m == k && cs_calp_warnf(c, "as many measured numbers (%zu) as "
	    "parameters: the fit can be exact; the intervals come from the "
	    "measurements' noise alone", m)) {
		s = cs_calp_nomem(err);
		goto out;
	}
	/* strongly correlated pairs */
	for (i = 0; i < k; i++)
		for (j = i + 1; j < k; j++) {
			double cij = 0, cii = 0, cjj = 0, corr;

			if (skip[i] || skip[j])
				continue;

			for (q = 0; q < k; q++) {
				double sv = gsl_vector_get(S, q);

				if (sv <= 1e-6 * gsl_vector_get(S, 0))
					continue;
				cij += gsl_matrix_get(V, i, q) *
				       gsl_matrix_get(V, j, q) / (sv * sv);
				cii += pow(gsl_matrix_get(V, i, q) / sv, 2);
				cjj += pow(gsl_matrix_get(V, j, q) / sv, 2);
			}
			corr = cij / sqrt(cii * cjj);
			if (fabs(corr) > 0.95 && isfinite(corr) &&
			    cs_calp_warnf(c, "%s and %s are strongly "
			    "correlated in the fit (%.2f): the data fix a "
			    "combination of them better than each",
			    c->params[i].path,
			    c->params[j].path, corr)) {
				s = cs_calp_nomem(err);
				goto out;
			}
		}
out:
	free(skip);
	free(vp);
	free(rp);
	free(rm);
	gsl_vector_free(work);
	gsl_vector_free(S);
	gsl_matrix_free(V);
	gsl_matrix_free(J);
	return s;
}

/* What measurement would pin a parameter of this path and class. */
static const char *
pin_text(const param *pr)
{
	const char *p = pr->path;

	if (!strcmp(p, "db.connection_cost"))
		return "the DB's CPU utilization at points with different "
		       "numbers of connections in use (pool sizes, instances)";
	if (pr->cls == PC_APP_CORES || pr->cls == PC_CPU ||
	    (strstr(p, "app.") == p && strstr(p, "cpu")))
		return "the app's CPU utilization at any measured point, or a "
		       "point past the knee";
	if (pr->cls == PC_DB_CORES || pr->cls == PC_QUERY ||
	    (strstr(p, "db.") == p && (strstr(p, "cpu") || strstr(p, "query"))))
		return "the DB's CPU utilization at any measured point, or a "
		       "point past the knee";
	if (pr->cls == PC_THINK)
		return "throughput and mean latency at one point (Little's law)";
	if (pr->cls == PC_HIT)
		return "the cache hit ratio";
	if (pr->cls == PC_LATENCY)
		return "latency at a low-load point";
	if (pr->cls == PC_DISPERSION)
		return "p95 and p50 at a low-load point";
	return "a point past the knee (where throughput stops "
	       "rising with users)";
}

/* True when every point sets path itself (--point-set PATH=...): then
 * no point shows the fit what the value does. */
static int
set_at_every_point(const cs_cal *c, const char *path)
{
	size_t i, j, n = strlen(path);

	if (c->npoints == 0)
		return 0;
	for (i = 0; i < c->npoints; i++) {
		const point *pt = &c->points[i];

		for (j = 0; j < pt->nsets; j++)
			if (!strncmp(pt->sets[j], path, n) &&
			    pt->sets[j][n] == '=')
				break;
		if (j == pt->nsets)
			return 0;
	}
	return 1;
}

/*
 * A value whose 95% interval is wider than x10 overall (or infinite) is
 * not known from these data: its bounds become the range that
 * predictions sample over.  The value written stays the fit's best, not
 * the file's: when the data pin a combination of values (cores x CPU
 * time), putting one back alone would break the combination they pin.
 */
static cs_status
identify(cs_cal *c, double *v, cs_error *err)
{
	size_t k;

	for (k = 0; k < c->nparams; k++) {
		param *pr = &c->params[k];
		double se = pr->pub.se_log;
		char a[64], lo[64], hi[64];

		pr->pub.identified = 1;
		pr->pub.pin_with = "";
		if (isfinite(se) && 2 * 1.96 * se <= log(10))
			continue;
		if (isnan(se) && c->nres > c->nparams)
			continue;   /* pinned by its bounds: no interval */
		pr->pub.identified = 0;
		pr->pub.pin_with = set_at_every_point(c, pr->path) ?
		    "a point that does not set it with --point-set (every "
		    "point here does, so none shows what it changes)" :
		    pin_text(pr);
		cs_cal_format(pr->pub.kind, pr->pct, pr->pub.value, a, sizeof a);
		cs_cal_format(pr->pub.kind, pr->pct, pr->pub.lo, lo, sizeof lo);
		cs_cal_format(pr->pub.kind, pr->pct, pr->pub.hi, hi, sizeof hi);
		(void)v;
		if (cs_calp_warnf(c, "%s is not identified by these data (its "
		    "95%% interval is wider than x10): the fit's best %s is "
		    "written but not known; every prediction from the "
		    "calibrated file samples its whole range %s .. %s; to pin "
		    "it, measure %s",
		    pr->path, a, lo, hi, pr->pub.pin_with))
			return cs_calp_nomem(err);
	}
	return CS_OK;
}

/*
 * What the model misses at the calibration points beyond their noise, per
 * metric: sqrt(max(0, mean(t^2) - mean(sampling^2 + floor^2))), t the
 * log error (the error-rate difference).  A model that cannot reproduce
 * what it was fitted to will not do better elsewhere: predictions add it.
 * Predictions are of whole-run metrics, so the whole-run terms set it;
 * an endpoint's terms (its share of the requests, its percentiles) only
 * when the data have no whole-run term of that metric.  Pooled, the many
 * endpoint terms diluted a whole-run miss: lab 2's throughput, off by up
 * to 25% at its own points, got a discrepancy of 3.6%.  r: the weighted
 * residuals at the fit (NULL: the scenario did not run there; all 0).
 */
static void
discrepancy(cs_cal *c, const double *r)
{
	double t2[2][CS_CAL_NMETRICS] = { { 0 } };
	double n2[2][CS_CAL_NMETRICS] = { { 0 } };
	size_t cnt[2][CS_CAL_NMETRICS] = { { 0 } }, k, m;

	for (m = 0; m < CS_CAL_NMETRICS; m++)
		c->disc[m] = 0;
	for (k = 0; r && k < c->nres; k++) {
		int mm = c->res_metric[k], whole = c->res_ep[k] < 0;
		double t = r[k] / sqrt(c->res_w[k] / c->opts.weight[mm]);

		t2[whole][mm] += t * t;
		n2[whole][mm] += c->res_samp[k] * c->res_samp[k] +
		                 c->floor[mm] * c->floor[mm];
		cnt[whole][mm]++;
	}
	for (m = 0; m < CS_CAL_NMETRICS; m++) {
		int w = cnt[1][m] > 0; /* whole-run terms, if any */

		if (cnt[w][m]) {
			double d = (t2[w][m] - n2[w][m]) / (double)cnt[w][m];

			c->disc[m] = d > 0 ? sqrt(d) : 0;
		}
	}
}

/*
 * How much the machines' speed varies between runs (docs/calibration.md
 * 2.4.3): at each point that measured a CPU utilization u and a
 * throughput x, the log error of its CPU per request, e = ln(u/x) less the
 * model's, is one look at a run's speed (at saturation, where u is pinned
 * at 1, it is the throughput's error).  Their mean square, less the
 * throughput's sampling variance, pooled with the default as a prior
 * worth CS_CALP_SPEED_PRIOR_DOF looks (what a single measured point would
 * otherwise decide alone), is the speed noise every prediction samples.
 * The fit's own misses count too: an upper bound where the model does
 * not explain the CPU per request, which is the honest side to err on.
 * r: the weighted residuals at the fit (NULL: the scenario did not run
 * there; the default stands).
 */
static cs_status
speed_noise(cs_cal *c, const double *r, cs_error *err)
{
	double d0 = CS_CAL_SPEED_NOISE_DEFAULT, sum = 0, samp = 0;
	double reps = c->opts.replications ? (double)c->opts.replications : 2;
	size_t *thr, k, n = 0;

	c->speed_dof = 0;
	if (!isnan(c->opts.speed_noise)) {
		c->speed = c->opts.speed_noise;
		c->speed_src = 2;
		return CS_OK;
	}
	c->speed = d0;
	c->speed_src = 0;
	if (!r)
		return CS_OK;
	/* each point's whole-run throughput term (nres: none) */
	if (!(thr = malloc((c->npoints + 1) * sizeof *thr)))
		return cs_calp_nomem(err);
	for (k = 0; k < c->npoints; k++)
		thr[k] = c->nres;
	for (k = 0; k < c->nres; k++)
		if (c->res_ep[k] < 0 && c->res_metric[k] == CS_CAL_THROUGHPUT)
			thr[c->res_point[k]] = k;
	for (k = 0; k < c->nres; k++) {
		int mm = c->res_metric[k];
		size_t j = thr[c->res_point[k]];
		double e;

		if (c->res_ep[k] >= 0 || (mm != CS_CAL_APP_CPU &&
		    mm != CS_CAL_DB_CPU) || j == c->nres ||
		    !(c->res_w[k] > 0) || !(c->res_w[j] > 0))
			continue;
		e = r[k] / sqrt(c->res_w[k]) - r[j] / sqrt(c->res_w[j]);
		sum += e * e;
		samp += c->res_samp[j] * c->res_samp[j] * (1 + 1 / reps);
		n++;
	}
	free(thr);
	if (n) {
		double vv = fmax(0, (sum - samp) / (double)n);

		c->speed = sqrt((CS_CALP_SPEED_PRIOR_DOF * d0 * d0 + (double)n * vv) /
		                (CS_CALP_SPEED_PRIOR_DOF + (double)n));
		c->speed_src = 1;
		c->speed_dof = n;
	}
	return CS_OK;
}

double
cs_cal_speed_noise(const cs_cal *c, int *source, size_t *dof)
{
	if (source)
		*source = c->speed_src;
	if (dof)
		*dof = c->speed_dof;
	return c->speed;
}

#define KEPT 16           /* resampled into the calibration block */
#define ESS_MIN 8         /* fewer effective sets: the normal approximation */


/* The posterior's tempering s2 (the fit's mean squared residual, at least
 * 1) and the box's diagonal in log space (the widest a flat direction is
 * drawn). */
static void
post_scales(const cs_cal *c, double *s2, double *diag)
{
	size_t k, n = c->nparams, nres = c->nres;

	*s2 = nres > n ? fmax(c->objective * c->wsum / (double)(nres - n), 1) : 1;
	*diag = 0;
	for (k = 0; k < n; k++) {
		const param *pr = &c->params[k];

		*diag += pow(log(pr->pub.hi) - log(pr->pub.lo), 2);
	}
	*diag = sqrt(*diag);
}

/* Values v of the log-space point x, clipped to the bounds and rounded as
 * the scenario will get them. */
static void
post_values(const cs_cal *c, const double *x, double *v)
{
	size_t k;

	for (k = 0; k < c->nparams && c->nparams <= 64; k++) {
		const param *pr = &c->params[k];
		double l = log(pr->pub.lo), h = log(pr->pub.hi);

		v[k] = cs_calp_applied(pr, exp(fmin(fmax(x[k], l), h)));
	}
}

/*
 * The fallback when the weights collapse (below): the fit's approximate
 * posterior.  opts.proposals parameter sets: the fit itself, then draws from a normal
 * around it in log space along the Jacobian's directions, each with its
 * standard error (tempered by s2, the fit's own mean squared residual when
 * above 1, as the printed intervals are: a model that misses its data by
 * more than the noise does not claim to know more); a direction
 * the data leave flat is drawn as wide as the box, so the sample walks the
 * ridge they leave free.  Each set is simulated at every calibration point
 * and kept when the data allow it: chi^2 within s2 x the chi-square
 * quantile 0.999 of the fit's (chi^2 on as many degrees of freedom as
 * parameters) — what the quadratic approximation cannot know (a bound, a
 * knee along a flat direction) the simulation then rules on.  KEPT sets
 * are spread evenly over the kept ones.
 *
 */
static cs_status
laplace_draws(cs_cal *c, const double *best, cs_error *err)
{
	size_t n = c->nparams, j, k, nres = c->nres, nkept = 0;
	size_t PROPOSALS = c->opts.proposals;
	double *vals = NULL, *chi = NULL;
	size_t *kept = NULL;
	double *r = malloc((nres + 1) * sizeof *r);
	double s2, diag, limit;
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	cs_status s = CS_OK;
	int bad;

	free(c->draws);
	c->draws = NULL;
	c->ndraws = 0;
	vals = malloc(PROPOSALS * n * sizeof *vals);
	chi = malloc(PROPOSALS * sizeof *chi);
	kept = malloc(PROPOSALS * sizeof *kept);
	if (!vals || !chi || !kept || !r || !rng) {
		s = cs_calp_nomem(err);
		goto out;
	}
	gsl_rng_set(rng, c->seed ^ 0x9e3779b97f4a7c15ULL);
	post_scales(c, &s2, &diag);
	for (j = 0; j < PROPOSALS; j++) {
		double x[64];
		double *v = vals + j * n;
		size_t q;

		for (k = 0; k < n && n <= 64; k++)
			x[k] = log(best[k]);
		if (j > 0 && n <= 64) {
			for (q = 0; q < n; q++) {
				double sd = !c->svd_v ? diag :
				            c->svd_s[q] > 0 ?
				            fmin(1 / c->svd_s[q], diag) : diag;
				double z = gsl_ran_gaussian(rng, sd);

				for (k = 0; k < n; k++)
					x[k] += (c->svd_v ? c->svd_v[k * n + q] :
					         (double)(k == q)) * z;
			}
		}
		post_values(c, x, v);
		if ((s = cs_calp_residuals(c, v, r, &bad, err)))
			goto out;
		chi[j] = 0;
		for (k = 0; k < nres; k++)
			chi[j] += r[k] * r[k];
		if (bad)
			chi[j] = INFINITY;
	}
	limit = chi[0] + s2 * gsl_cdf_chisq_Pinv(0.999, (double)n);
	for (j = 0; j < PROPOSALS; j++)
		if (chi[j] <= limit || j == 0)
			kept[nkept++] = j;
	c->kept = nkept;
	if (!(c->draws = malloc(KEPT * n * sizeof *c->draws))) {
		s = cs_calp_nomem(err);
		goto out;
	}
	/* evenly over the kept sets, from a random start: deterministic for
	 * the seed */
	{
		double u0 = gsl_rng_uniform(rng);

		for (k = 0; k < KEPT; k++) {
			size_t at = (size_t)((u0 + (double)k) * (double)nkept /
			                     KEPT) % nkept;

			memcpy(c->draws + k * n, vals + kept[at] * n,
			       n * sizeof *vals);
		}
	}
	c->ndraws = KEPT;
	if (nkept < ESS_MIN && cs_calp_warnf(c, "only %zu of the %zu parameter "
	    "sets drawn from the fit's normal approximation fit the data as "
	    "well as its uncertainty allows: the posterior sample's spread is "
	    "rough", nkept, PROPOSALS))
		s = cs_calp_nomem(err);
out:
	gsl_rng_free(rng);
	free(vals);
	free(chi);
	free(kept);
	free(r);
	return s;
}


/* The effective sample size of the log weights lw[0..n-1], mx their
 * largest. */
static double
ess_of(const double *lw, size_t n, double mx)
{
	double sum = 0, sum2 = 0, w;
	size_t j;

	if (!isfinite(mx))
		return 1;
	for (j = 0; j < n; j++) {
		w = exp(lw[j] - mx);
		sum += w;
		sum2 += w * w;
	}
	return sum * sum / sum2;
}

/*
 * A sample of what the data allow: opts.proposals parameter sets, half drawn
 * log-uniformly over the bounds (the prior: --fit PATH=LO:HI is a range),
 * half near the fit (lognormal with twice the standard error where the
 * value is identified), each simulated at every calibration point and
 * weighted by prior / proposal x likelihood, the likelihood
 * exp(-chi^2 / 2 s2) in the residuals' noise units, tempered by s2 (the
 * fit's own mean squared residual when above 1: a model that misses its
 * data by more than the noise must not claim to know more).  KEPT sets
 * are then resampled (systematic, deterministic for the seed).  Values
 * the data pin stay near the fit; values they do not pin spread as far as
 * the data let them, together with the values they trade off against.
 *
 * With hundreds of measured numbers and a simulated likelihood, the
 * simulations' own noise moves chi^2 by several units between
 * neighbouring sets and one set can take all the weight (1-4 effective
 * sets of 96 on every real calibration before this fallback): the
 * prediction intervals then lose the parameters' uncertainty altogether.
 * Below ESS_MIN effective sets the sample comes from laplace_draws
 * instead; under ESS_MIN / 2 after the first half of the proposals it
 * does so without simulating the second half.
 */
static cs_status
posterior_draws(cs_cal *c, const double *best, cs_error *err)
{
	size_t n = c->nparams, j, k, nres = c->nres;
	size_t PROPOSALS = c->opts.proposals;
	double *vals = NULL, *lw = NULL;
	double *r = malloc((nres + 1) * sizeof *r);
	double s2, mx = -INFINITY, sum = 0, u0, acc, diag;
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	cs_status s = CS_OK;
	int bad;

	free(c->draws);
	c->draws = NULL;
	c->ndraws = 0;
	if (!PROPOSALS) {
		free(r);
		gsl_rng_free(rng);
		return CS_OK;
	}
	vals = malloc(PROPOSALS * n * sizeof *vals);
	lw = malloc(PROPOSALS * sizeof *lw);
	if (!vals || !lw || !r || !rng) {
		s = cs_calp_nomem(err);
		goto out;
	}
	gsl_rng_set(rng, c->seed ^ 0xd1b54a32d192ed03ULL);
	post_scales(c, &s2, &diag);
	/* the local proposal: a normal around the fit along the Jacobian's
	 * directions, twice their standard error, a flat direction as wide
	 * as the box (so it walks the ridge the data leave free) */
	for (j = 0; j < PROPOSALS; j++) {
		double lq_box = 0, lq_loc = 0, chi2 = 0, z[64], x[64];
		double *v = vals + j * n;
		int local = j % 2 == 1 && c->svd_v && n <= 64;
		size_t q;

		for (k = 0; k < n && n <= 64; k++) {
			const param *pr = &c->params[k];
			double l = log(pr->pub.lo), h = log(pr->pub.hi);

			x[k] = j == 0 || local ? log(best[k]) :
			       l + gsl_rng_uniform(rng) * (h - l);
			lq_box += -log(h - l);
		}
		if (local || (j != 0 && c->svd_v && n <= 64)) {
			/* the local density of this point (also for box
			 * draws: the proposal is the mixture of both) */
			for (q = 0; q < n; q++) {
				double sd = c->svd_s[q] > 0 ?
				            fmin(2 / c->svd_s[q], diag) : diag;

				if (local) {
					z[q] = gsl_ran_gaussian(rng, sd);
					for (k = 0; k < n; k++)
						x[k] += c->svd_v[k * n + q] * z[q];
				}
			}
			for (q = 0; q < n; q++) {
				double sd = c->svd_s[q] > 0 ?
				            fmin(2 / c->svd_s[q], diag) : diag;
				double t = 0;

				for (k = 0; k < n; k++)
					t += c->svd_v[k * n + q] *
					     (x[k] - log(best[k]));
				lq_loc += -0.5 * t * t / (sd * sd) -
				          log(sd * sqrt(2 * M_PI));
			}
		} else {
			lq_loc = j == 0 ? 0 : lq_box;
		}
		post_values(c, x, v);
		if ((s = cs_calp_residuals(c, v, r, &bad, err)))
			goto out;
		for (k = 0; k < nres; k++)
			chi2 += r[k] * r[k];
		/* prior (uniform in the box) over the two-part proposal */
		lw[j] = lq_box - (fmax(lq_box, lq_loc) +
		        log(0.5 * exp(lq_box - fmax(lq_box, lq_loc)) +
		            0.5 * exp(lq_loc - fmax(lq_box, lq_loc)))) -
		        0.5 * chi2 / s2;
		if (bad)
			lw[j] = -INFINITY;
		mx = fmax(mx, lw[j]);
		/* halfway, a sample headed for collapse stops: the ESS grows
		 * about as the number of proposals, so under ESS_MIN / 2 of
		 * the first half it would end under ESS_MIN, and the normal
		 * approximation takes over (the same draws it would take
		 * after all of them) */
		if (j + 1 == PROPOSALS / 2 && c->svd_v && n <= 64 &&
		    PROPOSALS >= 2 * ESS_MIN) {
			double e = ess_of(lw, j + 1, mx);

			if (e < ESS_MIN / 2.0) {
				c->ess = e;
				c->tried = j + 1;
				s = laplace_draws(c, best, err);
				goto out;
			}
		}
	}
	c->tried = PROPOSALS;
	c->ess = ess_of(lw, PROPOSALS, mx);
	for (j = 0; j < PROPOSALS; j++) {
		lw[j] = isfinite(mx) ? exp(lw[j] - mx) : (j == 0);
		sum += lw[j];
	}
	for (j = 0; j < PROPOSALS; j++)
		lw[j] /= sum;
	if (!(c->draws = malloc(KEPT * n * sizeof *c->draws))) {
		s = cs_calp_nomem(err);
		goto out;
	}
	/* systematic resampling */
	u0 = gsl_rng_uniform(rng) / KEPT;
	acc = lw[0];
	for (j = 0, k = 0; k < KEPT; k++) {
		double target = u0 + (double)k / KEPT;

		while (acc < target && j + 1 < PROPOSALS)
			acc += lw[++j];
		memcpy(c->draws + k * n, vals + j * n, n * sizeof *vals);
	}
	c->ndraws = KEPT;
	c->kept = 0;
	if (c->ess < ESS_MIN && c->svd_v && n <= 64)
		s = laplace_draws(c, best, err);
	else if (c->ess < 4 && cs_calp_warnf(c, "the posterior sample rests on "
	    "%.1f effective parameter sets of %zu tried: its spread is rough",
	    c->ess, PROPOSALS))
		s = cs_calp_nomem(err);
out:
	gsl_rng_free(rng);
	free(vals);
	free(lw);
	free(r);
	return s;
}

/* ---- the fit ------------------------------------------------------------ */

/* Each point's prediction at the best values v, the points run at once
 * (cs_calp_run_points); the first failure in point order is returned. */
static cs_status
fitted_predictions(cs_cal *c, const double *v, cs_error *err)
{
	cs_cal_pred *pred = malloc((c->npoints + 1) * sizeof *pred);
	cs_status *st = malloc((c->npoints + 1) * sizeof *st);
	cs_error *errs = malloc((c->npoints + 1) * sizeof *errs);
	cs_status s = CS_OK;
	size_t i, f;

	if (!pred || !st || !errs) {
		s = cs_calp_nomem(err);
		goto out;
	}
	f = cs_calp_run_points(c, v, true, pred, NULL, st, errs);
	for (i = 0; i < f; i++) {
		c->points[i].fitted = pred[i];
		c->points[i].has_fitted = 1;
	}
	if (f < c->npoints) {
		s = st[f];
		if (err)
			*err = errs[f];
	}
out:
	free(pred);
	free(st);
	free(errs);
	return s;
}

cs_status
cs_cal_fit(cs_cal *c, cs_error *err)
{
	size_t k, n = c->nparams, i;
	unsigned st, lhs = 0, nlhs;
	gsl_vector *u = NULL, *bestu = NULL;
	gsl_rng *rng = NULL;
	size_t *perm = NULL;
	double best = INFINITY, t0 = now_seconds();
	nmrun lead, cur;
	unsigned lead_st = 0;
	double coarse = c->opts.coarse_tol > 0 ?
	                fmax(c->opts.coarse_tol, SIMPLEX_TOL) : COARSE_TOL;
	fctx x;
	cs_status s;
	char a[64], b[64];

	memset(&x, 0, sizeof x);
	memset(&lead, 0, sizeof lead);
	if ((s = cs_cal_estimate(c, err)))
		return s;
	if (!n)
		return cs_error_set(err, CS_ERR_USAGE, "--fit", 0, 0, "",
		                    "no parameter to fit");
	if ((s = cs_calp_setup_residuals(c, err)))
		return s;
	for (k = 0; k < n; k++)
		if (c->params[k].pub.kind == CS_CAL_INTEGER &&
		    cs_calp_warnf(c, "%s is an integer: the fit rounds it, so "
		    "the objective is a staircase in it and Nelder-Mead may "
		    "stop on a step; try its neighbours by hand",
		    c->params[k].path))
			return cs_calp_nomem(err);
	u = gsl_vector_alloc(n);
	bestu = gsl_vector_alloc(n);
	rng = gsl_rng_alloc(gsl_rng_mt19937);
	x.v = malloc(n * sizeof *x.v);
	x.r = malloc((c->nres + 1) * sizeof *x.r);
	nlhs = c->opts.starts > 2 ? c->opts.starts - 2 : 1;
	perm = malloc(n * nlhs * sizeof *perm);
	x.c = c;
	if (!u || !bestu || !rng || !x.v || !x.r || !perm) {
		s = cs_calp_nomem(err);
		goto out;
	}
	gsl_rng_set(rng, c->seed ^ 0x5eedca1bULL);
	/* Latin hypercube: in each dimension, one start per stratum */
	for (k = 0; k < n; k++) {
		size_t *pk = perm + k * nlhs;

		for (i = 0; i < nlhs; i++)
			pk[i] = i;
		gsl_ran_shuffle(rng, pk, nlhs, sizeof *pk);
	}
	c->fatal = CS_OK;
	for (st = 1; st <= c->opts.starts; st++) {
		int differs = 0;

		for (k = 0; k < n; k++) {
			const param *pr = &c->params[k];
			double l = log(pr->pub.lo), h = log(pr->pub.hi), x0;

			if (st == 1) {
				x0 = log(pr->pub.estimate);
			} else if (st == 2 && (!isnan(pr->pub.initial) ||
			                       !isnan(pr->dflt))) {
				/* the scenario as written: the file's value,
				 * or capsim's default (nearest bound) where
				 * the file leaves it out, so that a term off
				 * by default starts as near off as the bounds
				 * allow */
				double v0 = !isnan(pr->pub.initial) ?
				            pr->pub.initial : pr->dflt;

				x0 = log(fmin(fmax(v0, pr->pub.lo), pr->pub.hi));
			} else {
				double q = ((double)perm[k * nlhs + lhs % nlhs] +
				            gsl_rng_uniform(rng)) / (double)nlhs;

				x0 = l + q * (h - l);
			}
			if (st == 2 && fabs(x0 - log(pr->pub.estimate)) > 0.01)
				differs = 1;
			gsl_vector_set(u, k, x0);
		}
		if (st == 2 && !differs) {
			/* the file's values are the estimate: a random start */
			for (k = 0; k < n; k++) {
				const param *pr = &c->params[k];
				double l = log(pr->pub.lo), h = log(pr->pub.hi);
				double q = ((double)perm[k * nlhs + lhs % nlhs] +
				            gsl_rng_uniform(rng)) / (double)nlhs;

				gsl_vector_set(u, k, l + q * (h - l));
			}
			lhs++;
		} else if (st > 2) {
			lhs++;
		}
		/* the first stage: down to a coarse simplex, where the
		 * starts are told apart */
		if ((s = nm_begin(c, &x, u, &cur, err)))
			goto out;
		if ((s = nm_until(c, &x, &cur, coarse, err))) {
			nm_free(&cur);
			goto out;
		}
		nm_report(c, &cur, st, best, 0, coarse);
		if (cur.best < best || !lead.mz) {
			best = cur.best;
			nm_free(&lead);
			lead = cur;
			lead_st = st;
		} else {
			nm_free(&cur);
		}
	}
	/* the second stage, for the leader only: on to the fine simplex,
	 * the iterations it would have made in one go */
	if ((s = nm_until(c, &x, &lead, SIMPLEX_TOL, err)))
		goto out;
	nm_report(c, &lead, lead_st, lead.best, 1, SIMPLEX_TOL);
	best = lead.best;
	gsl_vector_memcpy(bestu, gsl_multimin_fminimizer_x(lead.mz));
	/* the winner */
	to_values(c, bestu, x.v);
	for (k = 0; k < n; k++) {
		param *pr = &c->params[k];
		double l = log(pr->pub.lo), h = log(pr->pub.hi);
		double xv = log(x.v[k]);

		pr->pub.value = cs_calp_applied(pr, x.v[k]);
		x.v[k] = pr->pub.value;
		/* within 5% (or 1% of the box, if wider) of a bound: the
		 * simplex stops about that close to a minimum on the edge */
		pr->pub.on_bound = xv - l < fmax(0.01 * (h - l), 0.05) ? -1 :
		                   h - xv < fmax(0.01 * (h - l), 0.05) ? 1 : 0;
		if (pr->pub.on_bound) {
			cs_cal_format(pr->pub.kind, pr->pct, pr->pub.value, a,
			              sizeof a);
			cs_cal_format(pr->pub.kind, pr->pct, pr->pub.on_bound <
			              0 ? pr->pub.lo : pr->pub.hi, b, sizeof b);
			if (cs_calp_warnf(c, "%s = %s sits on (or next to) its "
			    "%s bound (%s): the best fit may lie beyond it; "
			    "widen the bounds, or the model lacks something "
			    "the data show",
			    pr->path, a, pr->pub.on_bound < 0 ? "lower" :
			    "upper", b)) {
				s = cs_calp_nomem(err);
				goto out;
			}
		}
	}
	c->objective = best;
	if ((s = uncertainty(c, x.v, err)))
		goto out;
	if ((s = identify(c, x.v, err)))
		goto out;
	/* the residuals at the fit, once, for what the model misses there
	 * and for the machines' speed */
	{
		int bad;

		if ((s = cs_calp_residuals(c, x.v, x.r, &bad, err)))
			goto out;
		discrepancy(c, bad ? NULL : x.r);
		if ((s = speed_noise(c, bad ? NULL : x.r, err)))
			goto out;
	}
	if ((s = posterior_draws(c, x.v, err)))
		goto out;
	if ((s = fitted_predictions(c, x.v, err)))
		goto out;
	c->fitted = 1;
	c->seconds = now_seconds() - t0;
out:
	nm_free(&lead);
	free(perm);
	free(x.v);
	free(x.r);
	gsl_rng_free(rng);
	gsl_vector_free(u);
	gsl_vector_free(bestu);
	return s;
}
