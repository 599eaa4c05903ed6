/*
 * The baselines a prediction must beat — a straight line and a Universal
 * Scalability Law fit of the calibration points — and the scores that
 * compare them (calibration/fit.h).  Pure functions of the measured points:
 * no simulation.
 */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_fit.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_multifit.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <gsl/gsl_vector.h>

#include "calibration/fit.h"

static cs_status
nomem(cs_error *err)
{
	return cs_error_set(err, CS_ERR_NOMEM, "", 0, 0, "", "out of memory");
}

/* ---- baselines ------------------------------------------------------------ */

cs_status
cs_cal_linear_fit(const double *x, const double *y, size_t n, double *a,
                  double *b)
{
	double c0, c1, cov00, cov01, cov11, sumsq, xm = 0, ym = 0;
	size_t i;
	bool same = true;

	if (n == 0)
		return CS_ERR_INVALID;
	for (i = 0; i < n; i++) {
		xm += x[i] / (double)n;
		ym += y[i] / (double)n;
		if (x[i] != x[0])
			same = false;
	}
	if (n == 1 || same) {
		/* one abscissa: proportional extrapolation through the origin */
		*a = 0;
		*b = xm != 0 ? ym / xm : 0;
		if (xm == 0)
			*a = ym;
		return CS_OK;
	}
	if (gsl_fit_linear(x, 1, y, 1, n, &c0, &c1, &cov00, &cov01, &cov11,
	                   &sumsq) != GSL_SUCCESS)
		return CS_ERR_NUMERIC;
	*a = c0;
	*b = c1;
	return CS_OK;
}

double
cs_cal_usl_eval(const cs_cal_usl *u, double n)
{
	double d = 1 + u->sigma * (n - 1) + u->kappa * n * (n - 1);

	return d > 0 ? u->lambda * n / d : NAN;
}

struct usl_data {
	const double *n, *x;
	size_t count;
};

/* r_i = ln X(N_i) - ln X_i with p = (ln lambda, sqrt sigma, sqrt kappa). */
static int
usl_f(const gsl_vector *p, void *params, gsl_vector *f)
{
	const struct usl_data *d = params;
	cs_cal_usl u;
	size_t i;

	u.lambda = exp(gsl_vector_get(p, 0));
	u.sigma = gsl_vector_get(p, 1) * gsl_vector_get(p, 1);
	u.kappa = gsl_vector_get(p, 2) * gsl_vector_get(p, 2);
	for (i = 0; i < d->count; i++) {
		double m = cs_cal_usl_eval(&u, d->n[i]);

		if (!(m > 0) || !isfinite(m))
			return GSL_EDOM;
		gsl_vector_set(f, i, log(m) - log(d->x[i]));
	}
	return GSL_SUCCESS;
}

/* Least squares of N/X = a + b (N-1) + c N (N-1): exact for USL data. */
static cs_status
usl_linear(const double *n, const double *x, size_t count, double *a,
           double *b, double *c)
{
	gsl_matrix *X = NULL, *cov = NULL;
	gsl_vector *yv = NULL, *coef = NULL;
	gsl_multifit_linear_workspace *w = NULL;
	double chisq;
	cs_status s = CS_ERR_NOMEM;
	size_t i;

	X = gsl_matrix_alloc(count, 3);
	cov = gsl_matrix_alloc(3, 3);
	yv = gsl_vector_alloc(count);
	coef = gsl_vector_alloc(3);
	w = gsl_multifit_linear_alloc(count, 3);
	if (!X || !cov || !yv || !coef || !w)
		goto out;
	for (i = 0; i < count; i++) {
		/* each row divided by its N/X: every point counts by its
		 * relative error, as in the log fit that follows */
		double y = n[i] / x[i];

		gsl_vector_set(yv, i, 1);
		gsl_matrix_set(X, i, 0, 1 / y);
		gsl_matrix_set(X, i, 1, (n[i] - 1) / y);
		gsl_matrix_set(X, i, 2, n[i] * (n[i] - 1) / y);
	}
	if (gsl_multifit_linear(X, yv, coef, cov, &chisq, w) != GSL_SUCCESS) {
		s = CS_ERR_NUMERIC;
		goto out;
	}
	*a = gsl_vector_get(coef, 0);
	*b = gsl_vector_get(coef, 1);
	*c = gsl_vector_get(coef, 2);
	s = CS_OK;
out:
	gsl_multifit_linear_free(w);
	gsl_vector_free(coef);
	gsl_vector_free(yv);
	gsl_matrix_free(cov);
	gsl_matrix_free(X);
	return s;
}

cs_status
cs_cal_usl_fit(const double *n, const double *x, size_t count,
               cs_cal_usl *out, cs_error *err)
{
	gsl_multifit_nlinear_fdf fdf;
	gsl_multifit_nlinear_parameters fp;
	gsl_multifit_nlinear_workspace *w;
	gsl_vector *p0;
	struct usl_data d = { n, x, count };
	double a, b, c;
	int info, gs;
	size_t i;
	cs_status s;

	for (i = 0; i < count; i++)
		if (!(n[i] > 0) || !(x[i] > 0) || !isfinite(n[i]) ||
		    !isfinite(x[i]))
			return cs_error_set(err, CS_ERR_INVALID, "", 0, 0, "",
			    "USL: users and throughput must be > 0 (point "
			    "%zu: %g users, %g/s)", i + 1, n[i], x[i]);
	if (count == 0)
		return cs_error_set(err, CS_ERR_INVALID, "", 0, 0, "",
		                    "USL: no points");
	if (count == 1) {
		out->lambda = x[0] / n[0];
		out->sigma = out->kappa = 0;
		return CS_OK;
	}
	if (count == 2) {
		double y0 = n[0] / x[0], y1 = n[1] / x[1];

		b = n[1] != n[0] ? (y1 - y0) / (n[1] - n[0]) : 0;
		a = y0 - b * (n[0] - 1);
		if (b < 0 || a <= 0) {
			b = 0;
			a = 0.5 * (y0 + y1);
		}
		out->lambda = 1 / a;
		out->sigma = b / a;
		out->kappa = 0;
		return CS_OK;
	}
	if ((s = usl_linear(n, x, count, &a, &b, &c)))
		return cs_error_set(err, s, "", 0, 0, "", "USL: the linear "
		                    "least squares failed");
	if (!(a > 0)) {
		/* no sensible intercept: start from the best single-user rate */
		a = INFINITY;
		for (i = 0; i < count; i++)
			if (n[i] / x[i] < a)
				a = n[i] / x[i];
	}
	p0 = gsl_vector_alloc(3);
	if (!p0)
		return nomem(err);
	gsl_vector_set(p0, 0, -log(a));
	gsl_vector_set(p0, 1, sqrt(fmax(b / a, 1e-6)));
	gsl_vector_set(p0, 2, sqrt(fmax(c / a, 1e-9)));
	fdf.f = usl_f;
	fdf.df = NULL;       /* finite-difference Jacobian */
	fdf.fvv = NULL;
	fdf.n = count;
	fdf.p = 3;
	fdf.params = &d;
	fp = gsl_multifit_nlinear_default_parameters();
	w = gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &fp,
	                               count, 3);
	if (!w) {
		gsl_vector_free(p0);
		return nomem(err);
	}
	gs = gsl_multifit_nlinear_init(p0, &fdf, w);
	if (gs == GSL_SUCCESS)
		gs = gsl_multifit_nlinear_driver(200, 1e-10, 1e-10, 0, NULL,
		                                 NULL, &info, w);
	/* GSL_EMAXITER still leaves the best point found */
	if (gs == GSL_SUCCESS || gs == GSL_EMAXITER || gs == GSL_ENOPROG) {
		gsl_vector *p = gsl_multifit_nlinear_position(w);

		out->lambda = exp(gsl_vector_get(p, 0));
		out->sigma = gsl_vector_get(p, 1) * gsl_vector_get(p, 1);
		out->kappa = gsl_vector_get(p, 2) * gsl_vector_get(p, 2);
		s = CS_OK;
	} else {
		s = cs_error_set(err, CS_ERR_NUMERIC, "", 0, 0, "",
		                 "USL: GSL nonlinear least squares failed: %s",
		                 gsl_strerror(gs));
	}
	gsl_multifit_nlinear_free(w);
	gsl_vector_free(p0);
	return s;
}

cs_status
cs_cal_baseline_fit(const cs_imp_point *const *pts, size_t n,
                    cs_cal_baseline *b, cs_error *err)
{
	double *xs = NULL, *ys = NULL, best_users;
	size_t i, k, nz = 0, m;
	int use_mean = 1, any = 0;
	cs_status s = CS_OK;

	memset(b, 0, sizeof *b);
	for (m = 0; m < CS_CAL_NMETRICS; m++) {
		b->line_a[m] = b->line_b[m] = NAN;
		b->ratio[m] = NAN;
	}
	b->think = b->r_floor = NAN;
	xs = malloc((n + 1) * sizeof *xs);
	ys = malloc((n + 1) * sizeof *ys);
	if (!xs || !ys) {
		s = nomem(err);
		goto out;
	}
	for (i = 0; i < n; i++)
		if (!isnan(pts[i]->users) && !isnan(pts[i]->throughput)) {
			any = 1;
			if (isnan(pts[i]->latency.mean))
				use_mean = 0;
		}
	if (!any) {
		s = cs_error_set(err, CS_ERR_INVALID, "", 0, 0, "",
		                 "baselines need points with users and a "
		                 "throughput");
		goto out;
	}
	b->r_is_mean = use_mean;
	/* the straight line, metric by metric */
	for (m = 0; m < CS_CAL_NMETRICS; m++) {
		for (i = k = 0; i < n; i++) {
			double y = cs_cal_measured(pts[i], (cs_cal_metric)m);

			if (isnan(pts[i]->users) || isnan(y))
				continue;
			xs[k] = pts[i]->users;
			ys[k++] = y;
		}
		if (!k)
			continue;
		if (k == 1 && m != CS_CAL_THROUGHPUT) {
			/* one point: latency and errors as measured there */
			b->line_a[m] = ys[0];
			b->line_b[m] = 0;
			continue;
		}
		if ((s = cs_cal_linear_fit(xs, ys, k, &b->line_a[m],
		                           &b->line_b[m]))) {
			s = cs_error_set(err, s, "", 0, 0, "",
			                 "straight line: the fit failed");
			goto out;
		}
	}
	/* the USL on throughput */
	for (i = k = 0; i < n; i++) {
		if (isnan(pts[i]->users) || isnan(pts[i]->throughput) ||
		    !(pts[i]->users > 0) || !(pts[i]->throughput > 0))
			continue;
		xs[k] = pts[i]->users;
		ys[k++] = pts[i]->throughput;
	}
	if (k) {
		if ((s = cs_cal_usl_fit(xs, ys, k, &b->usl, err)))
			goto out;
		b->has_usl = 1;
	}
	b->npoints = k;
	/* think time and the latency ratios of the highest-load point */
	b->think = 0;
	best_users = -1;
	for (i = 0; i < n; i++) {
		const cs_imp_point *p = pts[i];
		double r = cs_cal_resp(p, use_mean);
		double z = cs_cal_little_think(p->users, p->throughput, r);

		if (isnan(z))
			continue;
		b->think += z;
		nz++;
		if (isnan(b->r_floor) || r < b->r_floor)
			b->r_floor = r;
		if (p->users > best_users) {
			best_users = p->users;
			for (m = CS_CAL_P50; m <= CS_CAL_P99; m++) {
				double v = cs_cal_measured(p, (cs_cal_metric)m);

				if (!isnan(v))
					b->ratio[m] = v / 1e3 / r;
			}
		}
	}
	b->think = nz ? b->think / (double)nz : NAN;
	/* a ratio the highest point lacks: from any point that has it */
	for (m = CS_CAL_P50; m <= CS_CAL_P99; m++)
		for (i = 0; isnan(b->ratio[m]) && i < n; i++) {
			double r = cs_cal_resp(pts[i], use_mean);
			double v = cs_cal_measured(pts[i], (cs_cal_metric)m);

			if (!isnan(r) && r > 0 && !isnan(v))
				b->ratio[m] = v / 1e3 / r;
		}
out:
	free(xs);
	free(ys);
	return s;
}

void
cs_cal_baseline_eval(const cs_cal_baseline *b, double users,
                     double line[CS_CAL_NMETRICS],
                     double usl[CS_CAL_NMETRICS])
{
	size_t m;

	for (m = 0; m < CS_CAL_NMETRICS; m++) {
		double v = b->line_a[m] + b->line_b[m] * users;

		if (!isnan(v)) {
			v = fmax(v, 0);
			if (m == CS_CAL_ERROR_RATE)
				v = fmin(v, 1);
		}
		line[m] = v;
		usl[m] = NAN;
	}
	if (!b->has_usl)
		return;
	usl[CS_CAL_THROUGHPUT] = cs_cal_usl_eval(&b->usl, users);
	if (!isnan(b->think) && usl[CS_CAL_THROUGHPUT] > 0) {
		double r = users / usl[CS_CAL_THROUGHPUT] - b->think;

		if (!(r >= b->r_floor))
			r = b->r_floor;
		for (m = CS_CAL_P50; m <= CS_CAL_P99; m++)
			usl[m] = r * b->ratio[m] * 1e3;
	}
}

/* ---- scores --------------------------------------------------------------- */

void
cs_cal_score_compute(const double (*errors)[CS_CAL_NMETRICS], size_t n,
                     cs_cal_score *out)
{
	double *v = malloc((n + 1) * sizeof *v);
	size_t m, i, k;

	memset(out, 0, sizeof *out);
	for (m = 0; m < CS_CAL_NMETRICS; m++) {
		double t = cs_cal_target((cs_cal_metric)m);

		out->median[m] = NAN;
		for (i = k = 0; i < n; i++) {
			double e = errors[i][m];

			if (isnan(e))
				continue;
			if (v)
				v[k] = fabs(e);
			k++;
			if (!isnan(t) && fabs(e) <= t)
				out->within[m]++;
		}
		out->counted[m] = k;
		if (k && v) {
			gsl_sort(v, 1, k);
			out->median[m] = gsl_stats_median_from_sorted_data(v, 1,
			                                                   k);
		}
	}
	free(v);
}

