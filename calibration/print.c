/*
 * calibration/print — the fit's text report, as capsim calibrate prints
 * it: the between-run floors and every objective term with its weight
 * (cs_cal_print_terms), the fitted values with their intervals and each
 * point measured against fitted (cs_cal_print_fit).
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>

#include "calibration/fit.h"
#include "calibration/validate.h"

void
cs_cal_print_terms(FILE *f, const cs_cal *cal)
{
	size_t k, m;

	fputs("\nnoise floor between runs (sd of ln value; error rate e: of "
	      "asin(sqrt(e)))\n ", f);
	for (m = 0; m < CS_CAL_NMETRICS; m++) {
		int src;
		size_t dof;
		double v = cs_cal_noise_floor(cal, (cs_cal_metric)m, &src, &dof);

		fprintf(f, " %s %.3g (%s", cs_cal_metric_name((cs_cal_metric)m),
		        v, src == 1 ? "repeats" : src == 2 ? "given" : "default");
		if (src == 1)
			fprintf(f, ", %zu dof", dof);
		fputs(m + 1 < CS_CAL_NMETRICS ? ")," : ")\n", f);
	}
	{
		int src;
		size_t dof;
		double sp = cs_cal_speed_noise(cal, &src, &dof);

		fprintf(f, "speed of the machines between runs (sd of ln(CPU per "
		        "request), sampled by every prediction): %.3g (%s", sp,
		        src == 2 ? "given" : src == 1 ? "from the CPU per request "
		        "measured" : "default: no point measured a utilization");
		if (src == 1)
			fprintf(f, " at %zu point-utilizations, pooled with the "
			        "default %.3g", dof, CS_CAL_SPEED_NOISE_DEFAULT);
		fputs(")\n", f);
	}
	fputs("objective terms: weight = metric weight / (sampling sd^2 "
	      "(1 + 1/replications) + floor^2), / k for each of a point's k "
	      "percentiles;\nan endpoint's terms name it (share: its part of "
	      "the requests)\n", f);
	fprintf(f, "  %-22s %-11s %10s %9s %9s %10s\n", "point", "metric",
	        "measured", "sampling", "floor", "weight");
	for (k = 0; k < cs_cal_nresiduals(cal); k++) {
		cs_cal_term t;
		char b[64];

		cs_cal_term_at(cal, k, &t);
		if (t.endpoint && t.metric == CS_CAL_THROUGHPUT)
			snprintf(b, sizeof b, "%.1f%%", 100 * t.measured);
		else
			cs_cal_fmt_metric(t.metric, t.measured, b, sizeof b);
		fprintf(f, "  %-22.22s %-11s %10s %9.3g %9.3g %10.4g%s%s\n",
		        cs_cal_point_name(cal, t.point), t.endpoint &&
		        t.metric == CS_CAL_THROUGHPUT ? "share" :
		        cs_cal_metric_name(t.metric), b, t.sampling, t.floor,
		        t.weight, t.endpoint ? "  " : "",
		        t.endpoint ? t.endpoint : "");
	}
}

void
cs_cal_print_fit(FILE *f, const cs_cal *cal, const cs_cal_opts *o)
{
	size_t i, m;
	char a[64], b[64], c[64], lo[64], hi[64], ci[160];

	fputs("\nfitted values (95% interval: value x exp(+-1.96 se), se of the "
	      "log value from the\nGauss-Newton covariance s^2 (J'J)^-1 of the "
	      "weighted residuals; cut at the bounds)\n", f);
	fprintf(f, "  %-36s %10s %10s %10s  %s\n", "path", "file", "estimate",
	        "fitted", "95% interval");
	for (i = 0; i < cs_cal_nparams(cal); i++) {
		const cs_cal_param *p = cs_cal_param_at(cal, i);
		cs_cal_format(p->kind, 0, p->value, c, sizeof c);
		if (isnan(p->initial))
			snprintf(a, sizeof a, "(default)");
		else
			cs_cal_format(p->kind, 0, p->initial, a, sizeof a);
		cs_cal_format(p->kind, 0, p->estimate, b, sizeof b);
		if (isfinite(p->se_log) && 1.96 * p->se_log > log(100)) {
			snprintf(ci, sizeof ci, "wider than x100 either way");
		} else if (isfinite(p->se_log)) {
			double l, h;

			cs_cal_interval(p, &l, &h);
			cs_cal_format(p->kind, 0, l, lo, sizeof lo);
			cs_cal_format(p->kind, 0, h, hi, sizeof hi);
			snprintf(ci, sizeof ci, "[%s .. %s]", lo, hi);
		} else {
			snprintf(ci, sizeof ci, "%s", isinf(p->se_log) ?
			         "not identifiable" : "-");
		}
		fprintf(f, "  %-36s %10s %10s %10s  %s%s\n", p->path, a, b, c,
		        ci, p->on_bound < 0 ? "  ON THE LOWER BOUND" :
		        p->on_bound > 0 ? "  ON THE UPPER BOUND" : "");
		fprintf(f, "  %-36s estimate from %s\n", "",
		        p->estimated_from);
	}
	if (o->precision > 0) {
		fprintf(f, "\nmeasured vs fitted (at the fitted values, the fit's "
		        "seed, replications until +-%.3g%%:", 100 * o->precision);
		for (i = 0; i < cs_cal_npoints(cal); i++) {
			const cs_cal_pred *pr = cs_cal_fitted(cal, i);

			fprintf(f, "%s %u%s", i ? "," : "", pr->reps,
			        pr->prec_met ? "" : " (not met)");
		}
		fputs(")\n", f);
	} else {
		fputs("\nmeasured vs fitted (at the fitted values, with the fit's "
		      "replications and seed)\n", f);
	}
	fprintf(f, "  %-22s %-12s %-11s %10s %10s %9s\n", "point", "load",
	        "metric", "measured", "fitted", "error");
	for (i = 0; i < cs_cal_npoints(cal); i++) {
		const cs_imp_point *p = cs_cal_point_at(cal, i);
		const cs_cal_pred *pr = cs_cal_fitted(cal, i);
		bool first = true;

		for (m = 0; m < CS_CAL_NMETRICS; m++) {
			double y = cs_cal_measured(p, (cs_cal_metric)m);
			double q = pr ? pr->mean[m] : NAN;

			if (isnan(y))
				continue;
			fprintf(f, "  %-22s %-12s %-11s %10s %10s %9s\n",
			        first ? cs_cal_point_name(cal, i) : "",
			        first ? cs_cal_fmt_load(p, lo, sizeof lo) : "",
			        cs_cal_metric_name((cs_cal_metric)m),
			        cs_cal_fmt_metric((cs_cal_metric)m, y, a, sizeof a),
			        cs_cal_fmt_metric((cs_cal_metric)m, q, b, sizeof b),
			        cs_cal_fmt_error((cs_cal_metric)m,
			                  cs_cal_error((cs_cal_metric)m, y, q),
			                  c, sizeof c));
			first = false;
		}
	}
}
