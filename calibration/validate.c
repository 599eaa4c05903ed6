/* Validation: predictions, intervals, baselines, scores; see validate.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "capsim.h"
#include "calibration/fit-private.h"
#include "calibration/validate.h"

/* ---- number formatting --------------------------------------------------- */

const char *
cs_cal_fmt_metric(cs_cal_metric m, double v, char *buf, size_t size)
{
	if (isnan(v))
		return "-";
	if (m == CS_CAL_THROUGHPUT && v != 0 && fabs(v) < 10)
		snprintf(buf, size, "%.3g/s", v); /* 0.021/s, not 0.0/s */
	else if (m == CS_CAL_THROUGHPUT)
		snprintf(buf, size, "%.1f/s", v);
	else if (m == CS_CAL_ERROR_RATE)
		snprintf(buf, size, "%.2f%%", 100 * v);
	else if (m == CS_CAL_APP_CPU || m == CS_CAL_DB_CPU ||
	         m == CS_CAL_EVENT_LOOP)
		snprintf(buf, size, "%.1f%%", 100 * v);
	else if (m == CS_CAL_POOL)
		snprintf(buf, size, "%.1f", v); /* connections */
	else if (v >= 100)
		snprintf(buf, size, "%.0fms", v);
	else if (v >= 10)
		snprintf(buf, size, "%.1fms", v);
	else
		snprintf(buf, size, "%.2fms", v);
	return buf;
}

const char *
cs_cal_fmt_error(cs_cal_metric m, double e, char *buf, size_t size)
{
	if (isnan(e))
		return "-";
	if (m == CS_CAL_ERROR_RATE)
		snprintf(buf, size, "%+.2fpp", 100 * e);
	else if (fabs(e) >= 10)
		snprintf(buf, size, "%+.0fx", e + 1);
	else
		snprintf(buf, size, "%+.1f%%", 100 * e);
	return buf;
}

const char *
cs_cal_fmt_load(const cs_imp_point *p, char *buf, size_t size)
{
	if (!isnan(p->users))
		snprintf(buf, size, "%g users", p->users);
	else
		snprintf(buf, size, "%.4g/s", p->arrival_rate);
	return buf;
}

void
cs_cal_print_notes(FILE *f, const cs_cal *cal)
{
	size_t i, j;
	bool any = false;

	for (i = 0; i < cs_cal_npoints(cal); i++) {
		const cs_imp_point *p = cs_cal_point_at(cal, i);

		for (j = 0; j < p->nnotes; j++) {
			if (!any)
				fputs("\nnotes in the data\n", f);
			any = true;
			fprintf(f, "  %s: %s\n", cs_cal_point_name(cal, i),
			        p->notes[j]);
		}
	}
}


/* ---- helpers of the scores and the JSON ----------------------------------- */

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
piscore_compute(const cs_cal_vrow *rows, const cs_cal *cal, size_t n,
                cs_cal_piscore *ps)
{
	double *w = malloc((n + 1) * sizeof *w);
	size_t i, m;

	memset(ps, 0, sizeof *ps);
	for (m = 0; m < CS_CAL_NMETRICS; m++) {
		size_t k = 0;

		for (i = 0; i < n; i++) {
			double y = cs_cal_measured(cs_cal_point_at(cal, i),
			                           (cs_cal_metric)m);
			double lo = rows[i].pi_lo[m], hi = rows[i].pi_hi[m];
			double mid = rows[i].pred.mean[m];

			if (!rows[i].scored || isnan(y) || isnan(lo) || isnan(hi))
				continue;
			ps->counted[m]++;
			if (y >= lo && y <= hi)
				ps->covered[m]++;
			if (w)
				w[k++] = m == CS_CAL_ERROR_RATE ? (hi - lo) / 2 :
				         mid > 0 ? (hi - lo) / 2 / mid : NAN;
		}
		if (w && k) {
			qsort(w, k, sizeof *w, cmp_double);
			ps->median_half[m] = k % 2 ? w[k / 2] :
			                     (w[k / 2 - 1] + w[k / 2]) / 2;
		} else {
			ps->median_half[m] = NAN;
		}
	}
	free(w);
}


static bool
add_num(cJSON *o, const char *k, double v)
{
	cJSON *n = isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();

	return n && cJSON_AddItemToObject(o, k, n);
}

static cJSON *
score_json(const cs_cal_score *sc)
{
	cJSON *o = cJSON_CreateObject();
	size_t m;

	if (!o)
		return NULL;
	for (m = 0; m < CS_CAL_NMETRICS; m++) {
		cJSON *e = cJSON_AddObjectToObject(o,
		    cs_cal_metric_name((cs_cal_metric)m));

		if (!e || !add_num(e, "median_abs_error", sc->median[m]) ||
		    !add_num(e, "target", cs_cal_target((cs_cal_metric)m)) ||
		    !add_num(e, "within_target", isnan(cs_cal_target(
		        (cs_cal_metric)m)) ? NAN : (double)sc->within[m]) ||
		    !add_num(e, "points", (double)sc->counted[m])) {
			cJSON_Delete(o);
			return NULL;
		}
	}
	return o;
}

/* The pool's and the event loops' rows and scores appear only where the
 * data measured them (the other metrics always: their "-" says so). */
static bool
shown(cs_cal_metric m, double measured)
{
	return m < CS_CAL_POOL || !isnan(measured);
}

static void
print_score(FILE *f, const char *who, const cs_cal_score *sc,
            const cs_cal_score *cap)
{
	size_t m;
	char b[32];

	fprintf(f, "  %-7s", who);
	for (m = 0; m < CS_CAL_NMETRICS; m++) {
		double t = cs_cal_target((cs_cal_metric)m);

		if (!shown((cs_cal_metric)m, cap->counted[m] ? 0 : NAN))
			continue;
		if (!sc->counted[m]) {
			fprintf(f, "  %s -", cs_cal_metric_name((cs_cal_metric)m));
			continue;
		}
		if (m == CS_CAL_ERROR_RATE)
			snprintf(b, sizeof b, "%.2fpp", 100 * sc->median[m]);
		else
			snprintf(b, sizeof b, "%.1f%%", 100 * sc->median[m]);
		fprintf(f, "  %s %s", cs_cal_metric_name((cs_cal_metric)m), b);
		if (!isnan(t))
			fprintf(f, " (%zu/%zu within %g%s)", sc->within[m],
			        sc->counted[m], m == CS_CAL_ERROR_RATE ?
			        100 * t : 100 * t, m == CS_CAL_ERROR_RATE ?
			        "pp" : "%");
	}
	fputc('\n', f);
}

/* A point's endpoints and causes, measured beside predicted. */
static bool
detail_json(cJSON *pt, const cs_imp_point *p, const cs_cal_vrow *row)
{
	static const char *const names[CS_CAL_EP_N] = {
		"share", "p50", "p95", "p99", "error_rate"
	};
	cJSON *ea = cJSON_AddArrayToObject(pt, "endpoints"), *co;
	size_t k, m;
	bool ok = ea != NULL;

	for (k = 0; ok && k < p->nendpoints; k++) {
		const cs_imp_endpoint *e = &p->endpoints[k];
		double meas[CS_CAL_EP_N] = {
			p->requests > 0 ? e->requests / p->requests : NAN,
			e->latency.p50, e->latency.p95, e->latency.p99, e->error_rate
		};
		cJSON *o = cJSON_CreateObject(), *mo, *po;

		ok = o && cJSON_AddItemToArray(ea, o) &&
		     cJSON_AddStringToObject(o, "name", e->name ? e->name : "") &&
		     add_num(o, "requests", e->requests);
		mo = ok ? cJSON_AddObjectToObject(o, "measured") : NULL;
		po = mo ? cJSON_AddObjectToObject(o, "predicted") : NULL;
		ok = ok && mo && po;
		for (m = 0; ok && m < CS_CAL_EP_N; m++)
			ok = add_num(mo, names[m], meas[m]) &&
			     add_num(po, names[m], row->ep[k * CS_CAL_EP_N + m]);
	}
	co = ok ? cJSON_AddObjectToObject(pt, "errors_by_cause") : NULL;
	ok = ok && co;
	for (k = 0; ok && k < CS_CAL_NCAUSES; k++) {
		const char *name = cs_cal_cause_name(k);
		double meas = NAN;
		cJSON *o;

		for (m = 0; m < p->ncauses; m++)
			if (p->causes[m].name && !strcmp(p->causes[m].name, name) &&
			    p->requests > 0)
				meas = p->causes[m].count / p->requests;
		o = cJSON_AddObjectToObject(co, name);
		ok = o && add_num(o, "measured", meas) &&
		     add_num(o, "predicted", row->causes[k]);
	}
	return ok;
}

/* ---- prediction and scores ---------------------------------------------- */

cs_status
cs_cal_validate(cs_cal *cal, const cs_cal_opts *copts,
                const cs_cal_validate_opts *o, cs_cal_validation **out,
                cs_error *err)
{
	cs_cal_validation *v;
	const cs_imp_point **bpts = NULL;
	double (*e_cap)[CS_CAL_NMETRICS] = NULL, (*e_lin)[CS_CAL_NMETRICS] = NULL;
	double (*e_usl)[CS_CAL_NMETRICS] = NULL, *draws = NULL;
	cs_scenario *scn = NULL;
	size_t i, j, m, n = cs_cal_npoints(cal);
	cs_status s;

	*out = NULL;
	v = calloc(1, sizeof *v);
	if (!v)
		return cs_error_set(err, CS_ERR_NOMEM, "", 0, 0, "",
		                    "out of memory");
	v->cal = cal;
	v->scenario = o->scenario;
	v->baseline = o->baseline_text;
	v->baseline_named = o->nbaseline_names > 0;
	v->n = n;
	v->precision = copts->precision;
	v->precision_floor = copts->precision_floor > 0 ?
	                     copts->precision_floor : CS_PRECISION_FLOOR;
	v->max_replications = copts->max_replications ?
	                      copts->max_replications : CS_PRECISION_MAX_REPS;
	/* what the calibration knows: the intervals sample it */
	if ((s = cs_cal_unc_read(o->scenario, &v->unc, err)))
		goto fail;
	/* the scenario's replications and seed unless given */
	if ((s = cs_scenario_load_file(o->scenario, o->sets, o->nsets, &scn,
	                               err)))
		goto fail;
	v->reps = o->replications ? o->replications :
	          cs_scenario_replications(scn);
	v->seed = copts->has_seed ? copts->seed : cs_scenario_seed(scn);
	cs_scenario_free(scn);

	v->rows = calloc(n + 1, sizeof *v->rows);
	bpts = calloc(n + 1, sizeof *bpts);
	e_cap = calloc(n + 1, sizeof *e_cap);
	e_lin = calloc(n + 1, sizeof *e_lin);
	e_usl = calloc(n + 1, sizeof *e_usl);
	if (!v->rows || !bpts || !e_cap || !e_lin || !e_usl) {
		s = cs_error_set(err, CS_ERR_NOMEM, "", 0, 0, "", "out of memory");
		goto fail;
	}
	/* baselines, on the points with the given user counts and names */
	if (o->nbaseline || o->nbaseline_names) {
		size_t k = 0;

		for (j = 0; j < o->nbaseline; j++) {
			bool found = false;
			size_t first = 0;

			for (i = 0; i < n; i++)
				if (cs_cal_point_at(cal, i)->users ==
				    o->baseline_users[j]) {
					v->rows[i].cal = true;
					if (!found)
						first = i;
					else if (!cs_calp_same_config(cal, first, i) &&
					         (s = cs_calp_warnf(cal,
					    "--baseline-from %g takes points \"%s\" "
					    "and \"%s\", whose --point-set overrides "
					    "differ: if one is another configuration "
					    "(a pool, a layout) rather than another "
					    "run's measured conditions, name the "
					    "calibration points to take only them",
					    o->baseline_users[j],
					    cs_cal_point_name(cal, first),
					    cs_cal_point_name(cal, i))))
						goto fail;
					found = true;
				}
			if (!found) {
				s = cs_error_set(err, CS_ERR_INVALID, "", 0, 0,
				    "--baseline-from", "no point with %g users "
				    "among the points used", o->baseline_users[j]);
				goto fail;
			}
		}
		for (j = 0; j < o->nbaseline_names; j++) {
			bool found = false;

			for (i = 0; i < n && !found; i++)
				if (!strcmp(cs_cal_point_name(cal, i),
				            o->baseline_names[j]))
					v->rows[i].cal = found = true;
			if (!found) {
				s = cs_error_set(err, CS_ERR_INVALID, "", 0, 0,
				    "--baseline-from", "no point named \"%s\" "
				    "among the points used", o->baseline_names[j]);
				goto fail;
			}
		}
		for (i = 0; i < n; i++)
			if (v->rows[i].cal)
				bpts[k++] = cs_cal_point_at(cal, i);
		if ((s = cs_cal_baseline_fit(bpts, k, &v->base, err)))
			goto fail;
		v->has_base = true;
	}
	/* the block's posterior sample; without one, draws from the
	 * values' own intervals and ranges */
	v->ndraws = !v->unc.n ? 1 : o->draws ? o->draws :
	            v->unc.ndraws ? v->unc.ndraws : 16;
	if (v->unc.n) {
		draws = malloc(v->ndraws * v->unc.n * sizeof *draws);
		if (!draws) {
			s = cs_error_set(err, CS_ERR_NOMEM, "", 0, 0, "",
			                 "out of memory");
			goto fail;
		}
		if (v->unc.ndraws && !o->draws)
			memcpy(draws, v->unc.draws,
			       v->ndraws * v->unc.n * sizeof *draws);
		else if (v->unc.ndraws)
			/* --draws K: cycle through the sample */
			for (i = 0; i < v->ndraws; i++)
				memcpy(draws + i * v->unc.n, v->unc.draws +
				       (i % v->unc.ndraws) * v->unc.n,
				       v->unc.n * sizeof *draws);
		else
			cs_cal_unc_draw(&v->unc, v->ndraws, v->seed, draws);
		cs_cal_unc_speed(&v->unc, draws, v->ndraws, v->seed);
	}
	for (i = 0; i < n; i++) {
		const cs_imp_point *p = cs_cal_point_at(cal, i);
		cs_cal_vrow *row = &v->rows[i];

		if (o->progress)
			o->progress(cs_cal_point_name(cal, i), o->ctx);
		row->ep = malloc((p->nendpoints * CS_CAL_EP_N + 1) *
		                 sizeof *row->ep);
		if (!row->ep) {
			s = cs_error_set(err, CS_ERR_NOMEM, "", 0, 0, "",
			                 "out of memory");
			goto fail;
		}
		if ((s = cs_cal_predict_detail(cal, i, v->reps, &row->pred,
		                               row->ep, row->causes, err)))
			goto fail;
		for (m = 0; m < CS_CAL_NMETRICS; m++)
			row->line[m] = row->usl[m] = NAN;
		if (v->has_base && !isnan(p->users))
			cs_cal_baseline_eval(&v->base, p->users, row->line,
			                     row->usl);
		if ((s = cs_cal_point_pi(cal, i, &v->unc, draws, v->ndraws,
		                         &row->pred, row->pi_lo, row->pi_hi,
		                         err)))
			goto fail;
	}
	/* scores: the held-out points when there are baselines, else all */
	for (i = 0; i < n; i++) {
		const cs_imp_point *p = cs_cal_point_at(cal, i);
		const cs_cal_vrow *row = &v->rows[i];

		if (v->has_base && row->cal)
			continue;
		v->rows[i].scored = true;
		for (m = 0; m < CS_CAL_NMETRICS; m++) {
			double y = cs_cal_measured(p, (cs_cal_metric)m);

			e_cap[v->nheld][m] = cs_cal_error((cs_cal_metric)m, y,
			                                  row->pred.mean[m]);
			e_lin[v->nheld][m] = cs_cal_error((cs_cal_metric)m, y,
			                                  row->line[m]);
			e_usl[v->nheld][m] = cs_cal_error((cs_cal_metric)m, y,
			                                  row->usl[m]);
		}
		v->nheld++;
	}
	cs_cal_score_compute((const double (*)[CS_CAL_NMETRICS])e_cap,
	                     v->nheld, &v->cap);
	cs_cal_score_compute((const double (*)[CS_CAL_NMETRICS])e_lin,
	                     v->nheld, &v->lin);
	cs_cal_score_compute((const double (*)[CS_CAL_NMETRICS])e_usl,
	                     v->nheld, &v->usl);
	piscore_compute(v->rows, cal, n, &v->pis);
	free(bpts);
	free(e_cap);
	free(e_lin);
	free(e_usl);
	free(draws);
	*out = v;
	return CS_OK;
fail:
	free(bpts);
	free(e_cap);
	free(e_lin);
	free(e_usl);
	free(draws);
	cs_cal_validation_free(v);
	return s;
}

void
cs_cal_validation_free(cs_cal_validation *v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; v->rows && i < v->n; i++)
		free(v->rows[i].ep);
	free(v->rows);
	cs_cal_unc_free(&v->unc);
	free(v);
}

/* ---- the table and the JSON ---------------------------------------------- */

cs_status
cs_cal_validation_write(const cs_cal_validation *v, bool json, FILE *f)
{
	size_t i, m;

	if (json) {
		cJSON *root = cJSON_CreateObject(), *pa, *o;
		char *txt;
		bool ok = root != NULL;

		ok = ok && cJSON_AddStringToObject(root, "scenario", v->scenario);
		ok = ok && add_num(root, "replications", v->reps);
		if (ok && v->precision > 0) {
			/* only with the sequential rule: other runs' files
			 * are unchanged */
			cJSON *pr = cJSON_AddObjectToObject(root, "precision");

			ok = pr && add_num(pr, "target", v->precision) &&
			     add_num(pr, "floor", v->precision_floor > 0 ?
			             v->precision_floor : CS_PRECISION_FLOOR) &&
			     add_num(pr, "max_replications",
			             v->max_replications ?
			             v->max_replications : CS_PRECISION_MAX_REPS);
		}
		ok = ok && add_num(root, "seed", (double)v->seed);
		pa = ok ? cJSON_AddArrayToObject(root, "points") : NULL;
		ok = ok && pa;
		for (i = 0; ok && i < v->n; i++) {
			const cs_imp_point *p = cs_cal_point_at(v->cal, i);
			cJSON *pt = cJSON_CreateObject(), *ms;

			ok = pt && cJSON_AddItemToArray(pa, pt);
			ok = ok && cJSON_AddStringToObject(pt, "name",
			    cs_cal_point_name(v->cal, i));
			ok = ok && add_num(pt, "users", p->users);
			ok = ok && add_num(pt, "arrival_rate_rps",
			                   p->arrival_rate);
			ok = ok && cJSON_AddBoolToObject(pt, "calibration",
			                                 v->rows[i].cal);
			if (ok && v->precision > 0)
				ok = add_num(pt, "replications", v->rows[i].pred.reps) &&
				     add_num(pt, "precision_reached",
				             v->rows[i].pred.reached) &&
				     cJSON_AddBoolToObject(pt, "precision_met",
				                           v->rows[i].pred.prec_met);
			ok = ok && detail_json(pt, p, &v->rows[i]);
			if (ok) {
				cJSON *na = cJSON_AddArrayToObject(pt, "notes");
				size_t j;

				ok = na != NULL;
				for (j = 0; ok && j < p->nnotes; j++) {
					cJSON *t = cJSON_CreateString(
					    p->notes[j]);

					ok = t && cJSON_AddItemToArray(na, t);
				}
			}
			ms = ok ? cJSON_AddObjectToObject(pt, "metrics") : NULL;
			ok = ok && ms;
			for (m = 0; ok && m < CS_CAL_NMETRICS; m++) {
				double y = cs_cal_measured(p, (cs_cal_metric)m);
				cJSON *e = cJSON_AddObjectToObject(ms,
				    cs_cal_metric_name((cs_cal_metric)m));

				ok = e && add_num(e, "measured", y) &&
				     add_num(e, "predicted",
				             v->rows[i].pred.mean[m]) &&
				     add_num(e, "ci_low", v->rows[i].pred.lo[m]) &&
				     add_num(e, "ci_high", v->rows[i].pred.hi[m]) &&
				     add_num(e, "pi_low", v->rows[i].pi_lo[m]) &&
				     add_num(e, "pi_high", v->rows[i].pi_hi[m]) &&
				     (isnan(y) || isnan(v->rows[i].pi_lo[m]) ||
				      cJSON_AddBoolToObject(e, "covered",
				          y >= v->rows[i].pi_lo[m] &&
				          y <= v->rows[i].pi_hi[m])) &&
				     add_num(e, "error", cs_cal_error(
				         (cs_cal_metric)m, y,
				         v->rows[i].pred.mean[m]));
				if (ok && v->has_base)
					ok = add_num(e, "line", v->rows[i].line[m]) &&
					     add_num(e, "line_error",
					         cs_cal_error((cs_cal_metric)m, y,
					                      v->rows[i].line[m])) &&
					     add_num(e, "usl", v->rows[i].usl[m]) &&
					     add_num(e, "usl_error",
					         cs_cal_error((cs_cal_metric)m, y,
					                      v->rows[i].usl[m]));
			}
		}
		if (ok && v->has_base) {
			o = cJSON_AddObjectToObject(root, "baselines");
			ok = o && add_num(o, "calibration_points",
			                  (double)v->base.npoints) &&
			     add_num(o, "usl_lambda", v->base.usl.lambda) &&
			     add_num(o, "usl_sigma", v->base.usl.sigma) &&
			     add_num(o, "usl_kappa", v->base.usl.kappa) &&
			     add_num(o, "think_s", v->base.think) &&
			     add_num(o, "line_throughput_intercept",
			             v->base.line_a[CS_CAL_THROUGHPUT]) &&
			     add_num(o, "line_throughput_slope",
			             v->base.line_b[CS_CAL_THROUGHPUT]);
		}
		if (ok) {
			cJSON *wa = cJSON_AddArrayToObject(root, "warnings");

			ok = wa != NULL;
			for (i = 0; ok && i < cs_cal_nwarnings(v->cal); i++) {
				cJSON *t = cJSON_CreateString(
				    cs_cal_warning(v->cal, i));

				ok = t && cJSON_AddItemToArray(wa, t);
			}
		}
		if (ok) {
			cJSON *s2 = cJSON_AddObjectToObject(root, "score");
			cJSON *x;

			ok = s2 && add_num(s2, "points", (double)v->nheld) &&
			     cJSON_AddStringToObject(s2, "over", v->has_base ?
			         "held-out points" : "all points");
			if (ok) {
				x = score_json(&v->cap);
				ok = x && cJSON_AddItemToObject(s2, "capsim", x);
			}
			if (ok) {
				cJSON *pj = cJSON_AddObjectToObject(s2,
				    "prediction_interval");

				ok = pj && cJSON_AddNumberToObject(pj, "level",
				                                   0.9) &&
				     add_num(pj, "draws", (double)v->ndraws) &&
				     add_num(pj, "speed_noise",
				             v->unc.speed_noise);
				for (m = 0; ok && m < CS_CAL_NMETRICS; m++) {
					cJSON *e = cJSON_AddObjectToObject(pj,
					    cs_cal_metric_name((cs_cal_metric)m));

					ok = e && add_num(e, "covered",
					         (double)v->pis.covered[m]) &&
					     add_num(e, "points",
					         (double)v->pis.counted[m]) &&
					     add_num(e, "median_half_width",
					         v->pis.median_half[m]);
				}
			}
			if (ok && v->has_base) {
				x = score_json(&v->lin);
				ok = x && cJSON_AddItemToObject(s2, "line", x);
				x = ok ? score_json(&v->usl) : NULL;
				ok = ok && x && cJSON_AddItemToObject(s2, "usl", x);
			}
		}
		txt = ok ? cJSON_Print(root) : NULL;
		cJSON_Delete(root);
		if (!txt)
			return CS_ERR_NOMEM;
		fprintf(f, "%s\n", txt);
		free(txt);
	} else {
		char b1[64], b2[64], b3[64], b4[64], b5[64], b6[64], b7[64];
		char b8[64], b9[160], b10[160];

		if (v->precision > 0) {
			fprintf(f, "capsim validate: %s, %zu point%s, "
			        "replications until +-%.3g%% (", v->scenario, v->n,
			        v->n == 1 ? "" : "s", 100 * v->precision);
			for (i = 0; i < v->n; i++)
				fprintf(f, "%s%u%s", i ? ", " : "", v->rows[i].pred.reps,
				        v->rows[i].pred.prec_met ? "" : " not met");
			fprintf(f, "), seed %llu\n",
			        (unsigned long long)v->seed);
		} else {
			fprintf(f, "capsim validate: %s, %zu point%s, %u "
			        "replication%s, seed %llu\n", v->scenario, v->n,
			        v->n == 1 ? "" : "s", v->reps, v->reps == 1 ? "" : "s",
			        (unsigned long long)v->seed);
		}
		if (v->has_base) {
			fprintf(f, "baselines from %zu calibration point%s "
			        "(%s%s):\n", v->base.npoints,
			        v->base.npoints == 1 ? "" : "s",
			        v->baseline_named ? "" : "users ", v->baseline);
			fprintf(f, "  line: least squares of each metric "
			        "against users%s; throughput = %.4g + %.4g x "
			        "users\n", v->base.npoints == 1 ?
			        " (one point: throughput proportional to "
			        "users, the rest as measured)" : "",
			        v->base.line_a[CS_CAL_THROUGHPUT],
			        v->base.line_b[CS_CAL_THROUGHPUT]);
			fprintf(f, "  USL: lambda %.4g/s, sigma %.4g, kappa "
			        "%.4g; latency from R = N/X - Z with Z = %.3g s "
			        "(Little's law, R = %s) and the measured "
			        "percentile/R ratios\n", v->base.usl.lambda,
			        v->base.usl.sigma, v->base.usl.kappa, v->base.think,
			        v->base.r_is_mean ? "mean latency" : "p50");
		}
		cs_cal_print_notes(f, v->cal);
		if (cs_cal_nwarnings(v->cal)) {
			fputs("\nwarnings about the data\n", f);
			for (i = 0; i < cs_cal_nwarnings(v->cal); i++)
				fprintf(f, "  warning: %s\n",
				        cs_cal_warning(v->cal, i));
		}
		for (i = 0; i < v->n; i++) {
			const cs_imp_point *p = cs_cal_point_at(v->cal, i);

			fprintf(f, "\npoint \"%s\" (%s)%s\n",
			        cs_cal_point_name(v->cal, i),
			        cs_cal_fmt_load(p, b1, sizeof b1), v->rows[i].cal ?
			        "  [baseline calibration point]" : "");
			fprintf(f, "  %-11s %10s %10s %-22s %-24s %9s", "metric",
			        "measured", "capsim", "95% CI (simulation)",
			        "90% prediction interval", "error");
			if (v->has_base)
				fprintf(f, " %10s %9s %10s %9s", "line", "error",
				        "USL", "error");
			fputc('\n', f);
			for (m = 0; m < CS_CAL_NMETRICS; m++) {
				cs_cal_metric mm = (cs_cal_metric)m;
				double y = cs_cal_measured(p, mm);
				const cs_cal_pred *q = &v->rows[i].pred;

				if (!shown(mm, y))
					continue;
				if (isnan(q->lo[m]))
					snprintf(b9, sizeof b9, "-");
				else
					snprintf(b9, sizeof b9, "[%s .. %s]",
					         cs_cal_fmt_metric(mm, q->lo[m], b3,
					                    sizeof b3),
					         cs_cal_fmt_metric(mm, q->hi[m], b4,
					                    sizeof b4));
				if (isnan(v->rows[i].pi_lo[m]))
					snprintf(b10, sizeof b10, "-");
				else
					snprintf(b10, sizeof b10, "[%s .. %s]%s",
					         cs_cal_fmt_metric(mm, v->rows[i].pi_lo[m],
					                    b3, sizeof b3),
					         cs_cal_fmt_metric(mm, v->rows[i].pi_hi[m],
					                    b4, sizeof b4),
					         isnan(y) ? "" : y >= v->rows[i].pi_lo[m]
					         && y <= v->rows[i].pi_hi[m] ? "" :
					         " MISS");
				fprintf(f, "  %-11s %10s %10s %-22s %-24s %9s",
				        cs_cal_metric_name(mm),
				        cs_cal_fmt_metric(mm, y, b1, sizeof b1),
				        cs_cal_fmt_metric(mm, q->mean[m], b2,
				                   sizeof b2), b9, b10,
				        cs_cal_fmt_error(mm, cs_cal_error(mm, y,
				                  q->mean[m]), b5, sizeof b5));
				if (v->has_base)
					fprintf(f, " %10s %9s %10s %9s",
					        cs_cal_fmt_metric(mm, v->rows[i].line[m],
					                   b6, sizeof b6),
					        cs_cal_fmt_error(mm, cs_cal_error(mm, y,
					                  v->rows[i].line[m]), b7,
					                  sizeof b7),
					        cs_cal_fmt_metric(mm, v->rows[i].usl[m],
					                   b8, sizeof b8),
					        cs_cal_fmt_error(mm, cs_cal_error(mm, y,
					                  v->rows[i].usl[m]), b3,
					                  sizeof b3));
				fputc('\n', f);
			}
		}
		fprintf(f, "\nscore on %zu %spoint%s (median |error|; points "
		        "within the target)\n", v->nheld, v->has_base ? "held-out " :
		        "", v->nheld == 1 ? "" : "s");
		print_score(f, "capsim", &v->cap, &v->cap);
		if (v->has_base) {
			print_score(f, "line", &v->lin, &v->cap);
			print_score(f, "USL", &v->usl, &v->cap);
		}
		fprintf(f, "90%% prediction interval (%zu parameter set%s%s): "
		        "measured inside / points; median half-width\n ",
		        v->ndraws, v->ndraws == 1 ? "" : "s", !v->unc.n ? ", no "
		        "calibration block: noise only" : v->unc.ndraws ? " from "
		        "the calibration's posterior sample" : " from the "
		        "calibration block's intervals and ranges");
		for (m = 0; m < CS_CAL_NMETRICS; m++) {
			if (!v->pis.counted[m])
				continue;
			fprintf(f, " %s %zu/%zu %s%.3g%s", cs_cal_metric_name(
			        (cs_cal_metric)m), v->pis.covered[m], v->pis.counted[m],
			        m == CS_CAL_ERROR_RATE ? "+-" : "+-",
			        m == CS_CAL_ERROR_RATE ? 100 * v->pis.median_half[m] :
			        100 * v->pis.median_half[m], m == CS_CAL_ERROR_RATE ?
			        "pp" : "%");
		}
		fputc('\n', f);
		if (v->unc.speed_noise > 0 && v->unc.nspeed)
			fprintf(f, "  each parameter set at its own machine speed: "
			        "the CPU work times exp(%.3g z), z %s (calibration."
			        "speed_noise)\n", v->unc.speed_noise,
			        v->unc.speed_dof > 0 ? "Student's t" : "normal");
		for (i = 0; i < v->unc.n; i++)
			if (!v->unc.params[i].identified)
				fprintf(f, "  %s is not identified: the intervals "
				        "span its range %g .. %g%s%s\n",
				        v->unc.params[i].path, v->unc.params[i].lo,
				        v->unc.params[i].hi, v->unc.params[i].pin ?
				        "; to pin it, measure " : "",
				        v->unc.params[i].pin ? v->unc.params[i].pin : "");
	}
	return CS_OK;
}
