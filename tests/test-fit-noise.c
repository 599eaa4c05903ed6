/*
 * Calibration tests of what the data cannot know (fit-harness.h): sampling
 * noise and its floor, identifiability, prediction intervals, seed
 * stability, the multi-start search, per-endpoint terms, the discrepancy,
 * and validate through the library.
 */
#include "fit-harness.h"

/* ---- noise, identifiability, prediction intervals -------------------------- */

START_TEST(fit_sampling_noise_closed_forms)
{
	/* throughput: a Poisson count */
	ck_assert_rel(cs_cal_sampling_sd(CS_CAL_THROUGHPUT, 50, 400, "k6"),
	              0.05, 1e-12);
	/* a sample quantile of an exponential tail: sqrt(p/((1-p) n)) /
	 * -ln(1-p); k6 and JMeter values are exact */
	ck_assert_rel(cs_cal_sampling_sd(CS_CAL_P50, 120, 100, "k6"),
	              sqrt(1.0 / 100) / log(2), 1e-12);
	ck_assert_rel(cs_cal_sampling_sd(CS_CAL_P95, 300, 1000, "jmeter"),
	              sqrt(0.95 / (0.05 * 1000)) / -log(0.05), 1e-12);
	/* Locust keeps 2 ms as a whole millisecond: +-0.5 ms, uniform */
	ck_assert_rel(cs_cal_sampling_sd(CS_CAL_P50, 2, 1e12, "locust"),
	              1 / sqrt(12) / 2, 1e-6);
	ck_assert_rel(cs_cal_sampling_sd(CS_CAL_P95, 270, 1e12, "locust"),
	              10 / sqrt(12) / 270, 1e-6);
	/* binomial error rate, on the angle asin(sqrt(e)): 1 / (2 sqrt(n))
	 * whatever e; the delta method at e = 0.1: sqrt(e (1-e) / n) / (2
	 * sqrt(e (1-e))) */
	ck_assert_rel(cs_cal_sampling_sd(CS_CAL_ERROR_RATE, 0.1, 900, "k6"),
	              sqrt(0.1 * 0.9 / 900) / (2 * sqrt(0.1 * 0.9)), 1e-9);
	ck_assert_rel(cs_cal_sampling_sd(CS_CAL_ERROR_RATE, 0, 100, "k6"),
	              0.05, 1e-9);
	ck_assert_rel(cs_cal_angle(0.25), asin(0.5), 1e-12);
	ck_assert(cs_cal_angle(-0.1) == 0 && cs_cal_angle(2) == asin(1.0));
	ck_assert_rel(cs_cal_unangle(cs_cal_angle(0.037)), 0.037, 1e-12);
	ck_assert(cs_cal_unangle(-1) == 0 && cs_cal_unangle(9) == 1);
	/* no count: no sampling noise */
	ck_assert(cs_cal_sampling_sd(CS_CAL_P95, 300, NAN, "k6") == 0);
	ck_assert(cs_cal_sampling_sd(CS_CAL_APP_CPU, 0.5, 100, "k6") == 0);
	ck_assert_rel(cs_cal_noise_default(CS_CAL_P95), 0.12, 1e-12);
}
END_TEST

START_TEST(fit_prediction_interval_quantiles)
{
	double y[3] = { 100, 100, 100 }, lo, hi, z = 1.6448536269514722;

	/* one prediction: ln y +- z sd */
	cs_cal_pi(CS_CAL_THROUGHPUT, y, 1, 0.1, 0.10, &lo, &hi);
	ck_assert_rel(lo, 100 * exp(-z * 0.1), 1e-6);
	ck_assert_rel(hi, 100 * exp(z * 0.1), 1e-6);
	/* identical draws: the same interval */
	cs_cal_pi(CS_CAL_THROUGHPUT, y, 3, 0.1, 0.10, &lo, &hi);
	ck_assert_rel(hi, 100 * exp(z * 0.1), 1e-6);
	/* two far apart with little noise: the mixture's 5% and 95% sit
	 * at each one's own 10% and 90% */
	y[0] = 10;
	y[1] = 1000;
	cs_cal_pi(CS_CAL_P95, y, 2, 0.01, 0.10, &lo, &hi);
	ck_assert_rel(lo, 10 * exp(-1.2815515655446004 * 0.01), 1e-6);
	ck_assert_rel(hi, 1000 * exp(1.2815515655446004 * 0.01), 1e-6);
	/* the error rate on its angle, mapped back: in [0, 1], and the
	 * same sd spans more percentage points at 25% than at 0.1% */
	y[0] = 0.001;
	cs_cal_pi(CS_CAL_ERROR_RATE, y, 1, 0.03, 0.10, &lo, &hi);
	ck_assert(lo == 0);
	ck_assert_rel(hi, pow(sin(asin(sqrt(0.001)) + z * 0.03), 2), 1e-6);
	y[0] = 0.25;
	cs_cal_pi(CS_CAL_ERROR_RATE, y, 1, 0.03, 0.10, &lo, &hi);
	ck_assert_rel(lo, pow(sin(asin(0.5) - z * 0.03), 2), 1e-6);
	ck_assert_rel(hi, pow(sin(asin(0.5) + z * 0.03), 2), 1e-6);
	ck_assert(hi - lo > 0.08 && hi - lo < 0.09); /* 0.001: 0.0065 */
	/* nothing usable */
	y[0] = NAN;
	cs_cal_pi(CS_CAL_P50, y, 1, 0.1, 0.10, &lo, &hi);
	ck_assert(isnan(lo) && isnan(hi));
}
END_TEST

/* Three repeats of one experiment and one other point: the floor comes
 * from the repeats' spread less their sampling noise, pooled with the
 * default. */
START_TEST(fit_noise_floor_from_repeats)
{
	static const char *const files[] = { "m.yaml", "d.yaml" };
	const char *data;
	double xs[3] = { 18.0, 19.5, 21.0 }, mean = 0, ss = 0, samp, want;
	cs_imp_set set;
	cs_cal_opts o;
	cs_cal *cal;
	size_t i, dof;
	int src;

	make_tmp();
	quick_opts(&o, 16, 10); /* a small posterior sample: quick */
	o.noise[CS_CAL_P50] = 0.3;   /* given */
	cal = fit_small_cpu("points:\n"
	    "  - {name: a, users: 20, requests: 100000, throughput: 18.0}\n"
	    "  - {name: b, users: 20, requests: 100000, throughput: 19.5}\n"
	    "  - {name: c, users: 20, requests: 100000, throughput: 21.0}\n"
	    "  - {name: d, users: 10, requests: 100000, throughput: 9.8}\n",
	    &o, &set, &data);
	for (i = 0; i < 3; i++)
		mean += log(xs[i]) / 3;
	for (i = 0; i < 3; i++)
		ss += pow(log(xs[i]) - mean, 2);
	samp = 1.0 / 100000;  /* each repeat's Poisson variance */
	/* pooled with the default (0.05) as a prior of 4 degrees of freedom */
	want = sqrt((4 * 0.05 * 0.05 + 2 * (ss / 2 - samp)) / (4 + 2));
	ck_assert_rel(cs_cal_noise_floor(cal, CS_CAL_THROUGHPUT, &src, &dof),
	              want, 1e-9);
	ck_assert_int_eq(src, 1);
	ck_assert_uint_eq(dof, 2);
	ck_assert_rel(cs_cal_noise_floor(cal, CS_CAL_P50, &src, NULL), 0.3,
	              1e-12);
	ck_assert_int_eq(src, 2);
	ck_assert_rel(cs_cal_noise_floor(cal, CS_CAL_P95, &src, NULL), 0.12,
	              1e-12);
	ck_assert_int_eq(src, 0);
	/* every term weighs metric weight / (sampling^2 (1 + 1/R) +
	 * floor^2), R = 1 replication: the model's own noise as much again */
	for (i = 0; i < cs_cal_nresiduals(cal); i++) {
		cs_cal_term t;

		cs_cal_term_at(cal, i, &t);
		ck_assert_int_eq(t.metric, CS_CAL_THROUGHPUT);
		ck_assert_rel(t.weight, 1 / (2 * t.sampling * t.sampling +
		              t.floor * t.floor), 1e-12);
	}
	cs_cal_free(cal);
	cs_imp_set_destroy(&set);
	remove_tmp(files, 2);
}
END_TEST

/*
 * A value measured per run and given per point (the other work on the
 * machine, app.background) makes every point a configuration of its own,
 * so two runs of one test are no longer repeats; named a covariate, it
 * is left out of the comparison and they are.
 */
START_TEST(fit_covariates_leave_repeats_repeats)
{
	static const char *const files[] = { "m.yaml", "d.yaml" };
	static const char *const bg[3] = {
		"app.background=0.1", "app.background=0.2", "app.background=0.1"
	};
	static const char *const covs[1] = { "app.background" };
	const char *model, *data;
	cs_imp_set set;
	cs_cal_opts o;
	cs_error err;
	size_t dof;
	int src, withcov;

	make_tmp();
	model = write_tmp("m.yaml", small_model);
	data = write_tmp("d.yaml", "points:\n"
	    "  - {name: a, users: 20, requests: 100000, throughput: 18.0}\n"
	    "  - {name: b, users: 20, requests: 100000, throughput: 21.0}\n"
	    "  - {name: d, users: 10, requests: 100000, throughput: 9.8}\n");
	cs_imp_set_init(&set);
	ck_assert_int_eq(cs_imp_read_files(&data, 1, NULL, &set, &err), CS_OK);
	for (withcov = 0; withcov < 2; withcov++) {
		cs_cal *cal = NULL;
		size_t i;

		quick_opts(&o, 0, 10);
		if (withcov) {
			o.covariates = covs;
			o.ncovariates = 1;
		}
		ck_assert_int_eq(cs_cal_new(model, NULL, 0, &o, &cal, &err), CS_OK);
		for (i = 0; i < set.n; i++)
			ck_assert_int_eq(cs_cal_add_point(cal, &set.points[i],
			                                  &bg[i], 1, &err), CS_OK);
		ck_assert_int_eq(cs_cal_add_param(cal, "endpoints.0.steps.0.cpu."
		                                  "mean", &err), CS_OK);
		ck_assert_int_eq(cs_cal_fit(cal, &err), CS_OK);
		cs_cal_noise_floor(cal, CS_CAL_THROUGHPUT, &src, &dof);
		ck_assert_int_eq(src, withcov ? 1 : 0);
		ck_assert_uint_eq(dof, withcov ? 1 : 0);
		cs_cal_free(cal);
	}
	cs_imp_set_destroy(&set);
	remove_tmp(files, 2);
}
END_TEST

/* A calibration of small_model on one point of 5 users far below
 * saturation, the point setting sets[0 .. nsets), fitting app.cores over
 * 2 .. 32 (which such a point cannot pin).  Returns the data file's path. */
static const char *
fit_cores_at_low_point(const char *const *sets, size_t nsets,
                       cs_imp_set *set, cs_cal **cal, int starts, int evals)
{
	const char *model, *data;
	cs_cal_opts o;
	cs_error err;

	model = write_tmp("m.yaml", small_model);
	/* 5 users, 1 s think, 20 ms of CPU on 2 cores or more: at most 5%
	 * busy, nothing waits */
	data = write_tmp("d.yaml", "points:\n  - {name: low, users: 5, "
	                 "requests: 500, throughput: 4.9, latency: {p50: "
	                 "14ms, p95: 60ms}}\n");
	cs_imp_set_init(set);
	ck_assert_int_eq(cs_imp_read_files(&data, 1, NULL, set, &err), CS_OK);
	cs_cal_opts_init(&o);
	o.proposals = 16; /* a small posterior sample: the tests stay quick */
	o.starts = starts;
	o.max_evals = evals;
	o.replications = 1;
	ck_assert_int_eq(cs_cal_new(model, NULL, 0, &o, cal, &err), CS_OK);
	ck_assert_int_eq(cs_cal_add_point(*cal, &set->points[0], sets, nsets,
	                                  &err), CS_OK);
	ck_assert_int_eq(cs_cal_add_param(*cal, "app.cores=2:32", &err), CS_OK);
	ck_assert_int_eq(cs_cal_fit(*cal, &err), CS_OK);
	return data;
}

/* A value every point sets for itself (--point-set) is seen by no point:
 * the fit says so, and says which measurement would pin it. */
START_TEST(fit_set_at_every_point_names_why)
{
	static const char *const files[] = { "m.yaml", "d.yaml" };
	static const char *const sets[] = { "app.cores=4" };
	cs_imp_set set;
	cs_cal *cal = NULL;
	const cs_cal_param *pc;

	make_tmp();
	fit_cores_at_low_point(sets, 1, &set, &cal, 1, 20);
	pc = cs_cal_param_at(cal, 0);
	ck_assert_int_eq(pc->identified, 0);
	ck_assert_has(pc->pin_with, "a point that does not set it with "
	              "--point-set");
	cs_cal_free(cal);
	cs_imp_set_destroy(&set);
	remove_tmp(files, 2);
}
END_TEST

/* Cores cannot be known from a point far below saturation: the fit says
 * so, the calibrated file keeps the range, and the block reads back. */
START_TEST(fit_unidentified_keeps_a_range)
{
	static const char *const files[] = { "m.yaml", "d.yaml", "c.yaml" };
	const char *data, *calp;
	char *text = NULL;
	cs_imp_set set;
	cs_cal *cal = NULL;
	cs_cal_unc u;
	cs_error err;
	const cs_cal_param *pc;
	size_t i;

	make_tmp();
	data = fit_cores_at_low_point(NULL, 0, &set, &cal, 2, 40);
	pc = cs_cal_param_at(cal, 0);
	ck_assert_int_eq(pc->identified, 0);
	ck_assert_has(pc->pin_with, "CPU utilization");
	ck_assert_msg(warned(cal, "app.cores is not identified"),
	              "no identifiability warning");
	ck_assert_int_eq(cs_cal_scenario_text(cal, &data, 1, &text, &err),
	                 CS_OK);
	ck_assert_has(text, "NOT IDENTIFIED: range 2 .. 32");
	ck_assert_has(text, "identified: false, pin: \"the app's CPU "
	              "utilization");
	ck_assert_has(text, "  draws:\n");
	calp = write_tmp("c.yaml", text);
	ck_assert_int_eq(cs_cal_unc_read(calp, &u, &err), CS_OK);
	/* the block's one value, and the app's CPU scale the speed noise
	 * varies (the default: the points measured no utilization) */
	ck_assert_has(text, "  speed_noise: 0.05\n");
	ck_assert_uint_eq(u.nfile, 1);
	ck_assert_uint_eq(u.n, 2);
	ck_assert_str_eq(u.params[1].path, "app.cpu_scale");
	ck_assert_uint_eq(u.nspeed, 1);
	ck_assert_str_eq(u.params[0].path, "app.cores");
	ck_assert_int_eq(u.params[0].identified, 0);
	ck_assert_has(u.params[0].pin, "CPU utilization");
	ck_assert(u.params[0].lo == 2 && u.params[0].hi == 32);
	ck_assert_uint_eq(u.ndraws, 16);
	for (i = 0; i < u.ndraws; i++)
		ck_assert(u.draws[i * u.n] >= 2 && u.draws[i * u.n] <= 32 &&
		          u.draws[i * u.n] == floor(u.draws[i * u.n]) &&
		          u.draws[i * u.n + 1] == 1);
	cs_cal_unc_free(&u);
	free(text);
	cs_cal_free(cal);
	cs_imp_set_destroy(&set);
	remove_tmp(files, 3);
}
END_TEST

START_TEST(fit_calibration_block_errors)
{
	static const char *const files[] = {
		"b1.yaml", "b2.yaml", "b3.yaml", "b4.yaml", "b5.yaml", "b6.yaml"
	};
	const char *p;
	cs_cal_unc u;
	cs_error err;

	make_tmp();
	p = write_tmp("b1.yaml", "run: {duration: 10s}\ncalibration:\n"
	    "  parameters:\n    - {path: app.cores, kind: cores, value: 2, "
	    "low: 1, high: 4}\n");
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(cs_cal_unc_read(p, &u, &err), CS_ERR_INVALID);
	ck_assert_int_eq(err.line, 4);
	ck_assert_has(err.path, "calibration.parameters[0].kind");
	p = write_tmp("b2.yaml", "calibration:\n  parameters:\n"
	    "    - {path: app.cores, kind: integer, value: 9, low: 1, "
	    "high: 4}\n");
	ck_assert_int_eq(cs_cal_unc_read(p, &u, &err), CS_ERR_INVALID);
	ck_assert_has(err.msg, "low .. high");
	p = write_tmp("b3.yaml", "calibration:\n  noize: {p50: 0.1}\n");
	ck_assert_int_eq(cs_cal_unc_read(p, &u, &err), CS_ERR_INVALID);
	ck_assert_has(err.msg, "noise");
	/* the error rate's units: a block that does not say was written
	 * before the angle scale, so of the fraction */
	p = write_tmp("b4.yaml", "calibration:\n  noise: {error_rate: 0.005}\n");
	ck_assert_int_eq(cs_cal_unc_read(p, &u, &err), CS_OK);
	ck_assert_int_eq(u.err_fraction, 1);
	cs_cal_unc_free(&u);
	p = write_tmp("b5.yaml", "calibration:\n  noise: {error_rate: 0.03}\n"
	    "  error_rate_units: angle\n");
	ck_assert_int_eq(cs_cal_unc_read(p, &u, &err), CS_OK);
	ck_assert_int_eq(u.err_fraction, 0);
	ck_assert_rel(u.noise[CS_CAL_ERROR_RATE], 0.03, 1e-12);
	cs_cal_unc_free(&u);
	p = write_tmp("b6.yaml", "calibration:\n  error_rate_units: radians\n");
	ck_assert_int_eq(cs_cal_unc_read(p, &u, &err), CS_ERR_INVALID);
	ck_assert_int_eq(err.line, 2);
	ck_assert_has(err.path, "calibration.error_rate_units");
	ck_assert_has(err.msg, "angle");
	remove_tmp(files, 6);
}
END_TEST

/*
 * The machines' speed between runs: every prediction's parameter sets
 * scale the CPU work (fitted or not) by one factor per set, lognormal
 * with the block's speed_noise, stratified; a block without it (every
 * file written before it) predicts as it did.
 */
START_TEST(fit_speed_noise_scales_cpu_work)
{
	static const char *const files[] = { "s1.yaml", "s2.yaml", "s3.yaml" };
	static const char blk[] =
	    "app: {instances: 1, workers: 4, cores: 2, overhead: 0.02}\n"
	    "db: {cores: 2, query_scale: 0.9}\n"
	    "calibration:\n"
	    "  parameters:\n"
	    "    - {path: app.cpu_scale, kind: number, value: 1.2, se_log: 0.1, "
	    "low: 0.5, high: 4}\n"
	    "    - {path: app.cores, kind: integer, value: 2, low: 1, high: 8, "
	    "identified: false}\n";
	char text[1200];
	const char *p;
	cs_cal_unc u, u0;
	cs_error err;
	double *v, *v0, s1 = 0, s2 = 0;
	size_t nd, nd0, j, cols[3] = { 0, 2, 3 }, k;

	make_tmp();
	memset(&err, 0, sizeof err);
	snprintf(text, sizeof text, "%s  speed_noise: 0.08\n", blk);
	p = write_tmp("s1.yaml", text);
	ck_assert_int_eq(cs_cal_unc_read(p, &u, &err), CS_OK);
	/* app.cpu_scale fitted; db.query_scale (0.9) and app.overhead (0.02)
	 * added as fixed values; db.overhead absent (0): nothing to scale */
	ck_assert_uint_eq(u.nfile, 2);
	ck_assert_uint_eq(u.n, 4);
	ck_assert_uint_eq(u.nspeed, 3);
	ck_assert_str_eq(u.params[2].path, "db.query_scale");
	ck_assert_str_eq(u.params[3].path, "app.overhead");
	ck_assert_rel(u.params[2].value, 0.9, 1e-12);
	ck_assert_rel(u.params[3].value, 0.02, 1e-12);
	ck_assert_int_eq(cs_cal_unc_sets(&u, 7, &v, &nd, &err), CS_OK);
	p = write_tmp("s2.yaml", blk);
	ck_assert_int_eq(cs_cal_unc_read(p, &u0, &err), CS_OK);
	ck_assert_uint_eq(u0.n, 2);
	ck_assert_uint_eq(u0.nspeed, 0);
	ck_assert_int_eq(cs_cal_unc_sets(&u0, 7, &v0, &nd0, &err), CS_OK);
	ck_assert_uint_eq(nd, 16);
	ck_assert_uint_eq(nd0, 16);
	for (j = 0; j < nd; j++) {
		/* one factor per set, on every column of CPU work */
		double f = v[j * u.n] / v0[j * u0.n];

		for (k = 1; k < 3; k++)
			ck_assert_rel(v[j * u.n + cols[k]] /
			              u.params[cols[k]].value, f, 1e-9);
		/* the other values as without it */
		ck_assert(v[j * u.n + 1] == v0[j * u0.n + 1]);
		s1 += log(f);
		s2 += log(f) * log(f);
	}
	/* stratified: mean 0, sd within a few % of 0.08 */
	ck_assert(fabs(s1 / 16) < 1e-9);
	ck_assert_msg(fabs(sqrt(s2 / 16) / 0.08 - 1) < 0.1, "sd %g",
	              sqrt(s2 / 16));
	free(v);
	free(v0);
	cs_cal_unc_free(&u);
	cs_cal_unc_free(&u0);
	snprintf(text, sizeof text, "%s  speed_noise: 2\n", blk);
	p = write_tmp("s3.yaml", text);
	ck_assert_int_eq(cs_cal_unc_read(p, &u, &err), CS_ERR_INVALID);
	ck_assert_has(err.path, "calibration.speed_noise");
	remove_tmp(files, 3);
}
END_TEST

/*
 * A refit with another seed moves no parameter outside the first fit's
 * 95% interval: the fit answers the data, not the seed's luck.
 */
START_TEST(fit_does_not_depend_on_the_seed)
{
	static const char *const files[] = { "data.yaml", "start.yaml" };
	char text[600];
	const char *data, *start;
	double v1[2], lo[2], hi[2];
	cs_imp_set set;
	gen g;
	cs_error err;
	int run, k;

	make_tmp();
	memset(&err, 0, sizeof err);
	data = generate(&g);
	snprintf(text, sizeof text, model_fmt, "500ms", "35ms");
	start = write_tmp("start.yaml", text);
	cs_imp_set_init(&set);
	ck_assert_int_eq(cs_imp_read_files(&data, 1, NULL, &set, &err), CS_OK);
	for (run = 0; run < 2; run++) {
		cs_cal_opts o;
		cs_cal *cal;

		cs_cal_opts_init(&o);
		o.proposals = 16; /* a small posterior sample: the tests stay quick */
		o.seed = run ? 12345 : 1;
		o.has_seed = 1;
		o.starts = 2;
		o.max_evals = 80;
		cal = fit_generated(start, &set, &o);
		for (k = 0; k < 2; k++) {
			const cs_cal_param *p = cs_cal_param_at(cal, (size_t)k);

			if (run == 0) {
				v1[k] = p->value;
				cs_cal_interval(p, &lo[k], &hi[k]);
				ck_assert(isfinite(lo[k]) && isfinite(hi[k]));
			} else {
				ck_assert_msg(p->value >= lo[k] &&
				              p->value <= hi[k], "%s: %g with seed "
				              "12345, outside [%g, %g] (seed 1: %g)",
				              p->path, p->value, lo[k], hi[k], v1[k]);
			}
		}
		cs_cal_free(cal);
	}
	cs_imp_set_destroy(&set);
	remove_tmp(files, 2);
}
END_TEST


/* What the progress callback saw: each start's first stage, then the
 * leader's second. */
typedef struct stages {
	unsigned n, start[8], evals[8], refine[8];
	double objective[8], tol[8];
} stages;

static void
record_stage(const cs_cal_progress *p, void *ctx)
{
	stages *g = ctx;

	if (g->n < 8) {
		g->start[g->n] = p->start;
		g->evals[g->n] = p->evals;
		g->refine[g->n] = (unsigned)p->refine;
		g->objective[g->n] = p->objective;
		g->tol[g->n] = p->tol;
		g->n++;
	}
}

/* Every start runs to a coarse simplex, the best of them alone on to the
 * fine one, and its iterations are those it makes in one go: the fit ends
 * exactly where running every start to the end leaves that start, in
 * fewer evaluations.  (Here another start would have ended lower: all
 * three end within 0.001 of each other, far inside the data's noise, the
 * kind of tie the coarse stage cannot break.) */
START_TEST(fit_refines_the_leading_start_only)
{
	static const char *const files[] = { "data.yaml", "start.yaml" };
	char text[600];
	const char *data, *start;
	double value[2][2], objective[2];
	unsigned sims[2];
	stages g[2];
	cs_imp_set set;
	gen gn;
	cs_error err;
	unsigned lead = 0, win = 0, run, k, i;

	make_tmp();
	memset(&err, 0, sizeof err);
	memset(g, 0, sizeof g);
	data = generate(&gn);
	snprintf(text, sizeof text, model_fmt, "500ms", "35ms");
	start = write_tmp("start.yaml", text);
	cs_imp_set_init(&set);
	ck_assert_int_eq(cs_imp_read_files(&data, 1, NULL, &set, &err), CS_OK);
	for (run = 0; run < 2; run++) {
		cs_cal_opts o;
		cs_cal *cal;

		cs_cal_opts_init(&o);
		o.proposals = 0;
		o.seed = 1;
		o.has_seed = 1;
		o.starts = 3;
		o.max_evals = 80;
		o.coarse_tol = run ? 0.005 : 0; /* run 1: every start to the end */
		o.progress = record_stage;
		o.progress_ctx = &g[run];
		cal = fit_generated(start, &set, &o);
		for (k = 0; k < 2; k++)
			value[run][k] = cs_cal_param_at(cal, k)->value;
		objective[run] = cs_cal_objective(cal);
		sims[run] = cs_cal_evaluations(cal);
		cs_cal_free(cal);
	}
	/* three first stages, then one second stage: the lowest's */
	ck_assert_uint_eq(g[0].n, 4);
	for (i = 0; i < 3; i++) {
		ck_assert_uint_eq(g[0].start[i], i + 1);
		ck_assert(!g[0].refine[i] && g[0].tol[i] == 0.05);
		if (!lead || g[0].objective[i] < g[0].objective[lead - 1])
			lead = i + 1;
		ck_assert(g[1].tol[i] == 0.005);
		if (!win || g[1].objective[i] < g[1].objective[win - 1])
			win = i + 1;
	}
	ck_assert(g[0].refine[3] && g[0].tol[3] == 0.005);
	ck_assert_uint_eq(g[0].start[3], lead);
	ck_assert(g[0].objective[3] <= g[0].objective[lead - 1]);
	ck_assert_uint_ge(g[0].evals[3], g[0].evals[lead - 1]);
	/* the leader's second stage is the rest of its run in one go: the
	 * same evaluations, the same objective to the bit */
	ck_assert_uint_eq(g[0].evals[3], g[1].evals[lead - 1]);
	ck_assert(g[0].objective[3] == g[1].objective[lead - 1]);
	ck_assert(objective[0] == g[0].objective[3]);
	ck_assert(objective[1] == g[1].objective[win - 1]);
	ck_assert(fabs(objective[0] - objective[1]) < 0.01);
	if (win == lead)
		for (k = 0; k < 2; k++)
			ck_assert(value[0][k] == value[1][k]);
	ck_assert_uint_lt(sims[0], sims[1]);
	cs_imp_set_destroy(&set);
	remove_tmp(files, 2);
}
END_TEST

/* Endpoints named in the data are scored one by one; a point naming one
 * the scenario lacks is scored as a whole. */
START_TEST(fit_scores_endpoints)
{
	static const char *const files[] = { "m.yaml", "d.yaml" };
	const char *data;
	cs_imp_set set;
	cs_cal_opts o;
	cs_cal *cal;
	size_t i, ep_p95 = 0, ep_share = 0, all_p95 = 0, other_p95 = 0;

	make_tmp();
	quick_opts(&o, 0, 10);
	cal = fit_small_cpu("points:\n"
	    "  - {name: a, users: 20, requests: 1000, throughput: 19.5,\n"
	    "     latency: {p50: 15ms, p95: 60ms},\n"
	    "     endpoints: [{name: \"GET /x\", requests: 1000, p95: 60ms}]}\n"
	    "  - {name: b, users: 20, requests: 1000, throughput: 19.5,\n"
	    "     latency: {p50: 15ms, p95: 60ms},\n"
	    "     endpoints: [{name: \"GET /y\", requests: 1000, p95: 60ms}]}\n",
	    &o, &set, &data);
	for (i = 0; i < cs_cal_nresiduals(cal); i++) {
		cs_cal_term t;

		cs_cal_term_at(cal, i, &t);
		if (t.point == 0 && t.endpoint && t.metric == CS_CAL_P95) {
			ck_assert_str_eq(t.endpoint, "GET /x");
			ck_assert_rel(t.measured, 60, 1e-12);
			ep_p95++;
		}
		if (t.point == 0 && t.endpoint &&
		    t.metric == CS_CAL_THROUGHPUT) {
			ck_assert_rel(t.measured, 1.0, 1e-12);
			ck_assert(t.sampling == 0);
			ep_share++;
		}
		if (t.point == 0 && !t.endpoint && t.metric == CS_CAL_P95)
			all_p95++;
		if (t.point == 1) {
			ck_assert_ptr_null(t.endpoint);
			if (t.metric == CS_CAL_P95)
				other_p95++;
		}
	}
	ck_assert_uint_eq(ep_p95, 1);
	ck_assert_uint_eq(ep_share, 1);
	ck_assert_uint_eq(all_p95, 0);   /* not scored twice */
	ck_assert_uint_eq(other_p95, 1); /* "GET /y" is not in the model */
	cs_cal_free(cal);
	cs_imp_set_destroy(&set);
	remove_tmp(files, 2);
}
END_TEST

/*
 * The model's discrepancy is measured on the whole-run terms, which are
 * what predictions are made of: a whole-run throughput the model misses
 * (40 users thinking 1 s cannot send more than 40/s; 50/s measured) is
 * not diluted by the endpoint shares it fits exactly (one endpoint: 100%
 * of the requests; pooled with them it read 0.088, not 0.134).  Checked
 * against the formula of the block: sqrt(mean(e^2 - sampling^2 -
 * floor^2)) over the two whole-run throughput terms, e the log error at
 * the fitted values.
 */
START_TEST(fit_discrepancy_from_whole_run_terms)
{
	static const char *const files[] = { "m.yaml", "d.yaml", "c.yaml" };
	const char *data, *calp;
	char *text = NULL;
	cs_imp_set set;
	cs_cal_opts o;
	cs_cal *cal;
	cs_cal_unc u;
	cs_error err;
	double sum = 0;
	size_t i, n = 0;

	make_tmp();
	quick_opts(&o, 0, 30);
	cal = fit_small_cpu("points:\n"
	    "  - {name: a, users: 20, requests: 1170, throughput: 19.5,\n"
	    "     endpoints: [{name: \"GET /x\", requests: 1170}]}\n"
	    "  - {name: b, users: 40, requests: 3000, throughput: 50,\n"
	    "     endpoints: [{name: \"GET /x\", requests: 3000}]}\n",
	    &o, &set, &data);
	for (i = 0; i < cs_cal_nresiduals(cal); i++) {
		cs_cal_term t;
		double e;

		cs_cal_term_at(cal, i, &t);
		if (t.endpoint || t.metric != CS_CAL_THROUGHPUT)
			continue;
		e = log(t.measured /
		        cs_cal_fitted(cal, t.point)->mean[CS_CAL_THROUGHPUT]);
		sum += e * e - t.sampling * t.sampling - t.floor * t.floor;
		n++;
	}
	ck_assert_uint_eq(n, 2);
	ck_assert_msg(sum / 2 > 0.01, "the model should miss point b");
	ck_assert_int_eq(cs_cal_scenario_text(cal, &data, 1, &text, &err),
	                 CS_OK);
	calp = write_tmp("c.yaml", text);
	ck_assert_int_eq(cs_cal_unc_read(calp, &u, &err), CS_OK);
	ck_assert_rel(u.discrepancy[CS_CAL_THROUGHPUT], sqrt(sum / 2), 2e-3);
	cs_cal_unc_free(&u);
	free(text);
	cs_cal_free(cal);
	cs_imp_set_destroy(&set);
	remove_tmp(files, 3);
}
END_TEST

/*
 * validate as a library: the true model (no calibration block: noise-only
 * intervals) predicts the data it generated.  Baselines from the two
 * lower points, so the third alone is scored; its throughput is the
 * model's own up to sampling noise, so the 90% interval holds it and the
 * error is small.  A baseline user count no point has is refused with
 * the option's name; the JSON writer gives every point.
 */
START_TEST(fit_validate_library_scores_held_out)
{
	char text[600], *json = NULL;
	const char *data, *truth;
	size_t jlen = 0, i;
	cs_imp_set set;
	cs_cal *cal = NULL;
	cs_cal_opts o;
	cs_cal_validate_opts vo;
	cs_cal_validation *v = NULL;
	cs_error err;
	gen g;
	FILE *f;
	const double base[2] = { 20, 70 }, wrong[1] = { 33 };

	make_tmp();
	memset(&err, 0, sizeof err);
	data = generate(&g);
	snprintf(text, sizeof text, model_fmt, "1s", "20ms");
	truth = write_tmp("truth.yaml", text);
	cs_imp_set_init(&set);
	ck_assert_int_eq(cs_imp_read_files(&data, 1, NULL, &set, &err), CS_OK);
	cs_cal_opts_init(&o);
	o.seed = 3;
	o.has_seed = 1;
	ck_assert_int_eq(cs_cal_new(truth, NULL, 0, &o, &cal, &err), CS_OK);
	for (i = 0; i < set.n; i++)
		ck_assert_int_eq(cs_cal_add_point(cal, &set.points[i], NULL, 0,
		                                  &err), CS_OK);
	ck_assert_int_eq(cs_cal_check_data(cal, &err), CS_OK);

	memset(&vo, 0, sizeof vo);
	vo.scenario = truth;
	vo.baseline_users = wrong;
	vo.nbaseline = 1;
	ck_assert_int_eq(cs_cal_validate(cal, &o, &vo, &v, &err),
	                 CS_ERR_INVALID);
	ck_assert_ptr_null(v);
	ck_assert_str_eq(err.path, "--baseline-from");

	vo.baseline_users = base;
	vo.nbaseline = 2;
	vo.baseline_text = "20,70";
	vo.replications = 3;
	ck_assert_int_eq(cs_cal_validate(cal, &o, &vo, &v, &err), CS_OK);
	ck_assert_uint_eq(v->n, NDATA);
	ck_assert(v->has_base);
	ck_assert_uint_eq(v->nheld, 1);
	ck_assert(v->rows[0].cal && v->rows[1].cal && !v->rows[2].cal);
	ck_assert(v->rows[2].scored && !v->rows[0].scored);
	ck_assert_uint_eq(v->reps, 3);
	ck_assert_uint_eq(v->ndraws, 1); /* no block: its own values */
	ck_assert_uint_eq(v->pis.counted[CS_CAL_THROUGHPUT], 1);
	ck_assert_uint_eq(v->pis.covered[CS_CAL_THROUGHPUT], 1);
	ck_assert(v->rows[2].pi_lo[CS_CAL_THROUGHPUT] <=
	          v->rows[2].pred.mean[CS_CAL_THROUGHPUT] &&
	          v->rows[2].pred.mean[CS_CAL_THROUGHPUT] <=
	          v->rows[2].pi_hi[CS_CAL_THROUGHPUT]);
	/* the same model, another seed: within a few sampling half-widths */
	ck_assert_msg(fabs(v->cap.median[CS_CAL_THROUGHPUT]) <=
	              4 * g.x_half[NDATA - 1] / g.x[NDATA - 1] + 0.01,
	              "throughput error %g", v->cap.median[CS_CAL_THROUGHPUT]);
	/* the baselines were fitted: the USL predicts the held-out point */
	ck_assert(isfinite(v->rows[2].usl[CS_CAL_THROUGHPUT]));

	f = open_memstream(&json, &jlen);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(cs_cal_validation_write(v, true, f), CS_OK);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(json, "\"name\":\t\"u160\""));
	ck_assert_ptr_nonnull(strstr(json, "\"pi_low\""));
	ck_assert_ptr_nonnull(strstr(json, "\"usl_lambda\""));
	free(json);

	cs_cal_validation_free(v);
	cs_cal_validation_free(NULL);
	cs_cal_free(cal);
	cs_imp_set_destroy(&set);
}
END_TEST

/*
 * The connections in use are evidence of how long a request holds one
 * (Little's law: in use = throughput x hold), which throughput alone
 * hardly is when the users mostly think.  A query of 30 ms (exponential,
 * on the DB's cores) behind an unbounded pool, 20 and 40 users thinking
 * 1 s; the measurements are the true model's (seed 7, 4 replications of
 * 600 s: throughput and connections in use).  Fitted from throughput and
 * the pool's use, the query's mean comes back within 5% (the data's and
 * the fit's own simulation noise over ~23,000 holds is about 1% each)
 * with a standard error of about the pool floor's 0.10 / sqrt 2; from
 * throughput alone (--weights pool=0) it moves throughput by 3% from 30
 * to 60 ms, so its standard error is many times larger.  And the event
 * loops' utilization is scored only where the scenario has app.gil (the
 * processes it describes): otherwise left out, with a warning.
 */
static const char pool_model[] =
	"run: {duration: 600s, warmup: 20s, replications: 1}\n"
	"load: {users: 20, think: {dist: exponential, mean: 1s}}\n"
	"app: {workers: 200, cores: 4%s}\n"
	"db: {pool: {size: 100}}\n"
	"endpoints:\n"
	"  - name: a\n"
	"    steps:\n"
	"      - db: [{query: {dist: exponential, mean: %s}}]\n";

static cs_cal *
fit_pool(const char *app_extra, const char *util_extra, double pool_weight,
         cs_imp_set *set)
{
	char model[700], data[1000];
	const char *mp, *dp;
	cs_cal_opts o;
	cs_cal *cal = NULL;
	cs_error err;
	size_t i, n = 0;

	memset(&err, 0, sizeof err);
	/* the truth, simulated */
	snprintf(model, sizeof model, pool_model, "", "30ms");
	n += (size_t)snprintf(data, sizeof data, "points:\n");
	for (i = 0; i < 2; i++) {
		const char *sets[1] = { i ? "load.users=40" : "load.users=20" };
		cs_scenario *sc = NULL;
		cs_result *res = NULL;
		cs_run_opts ro = { .replications = 4, .seed = 7, .has_seed = 1 };
		double x, use;

		ck_assert_int_eq(cs_scenario_load_string(model, "truth", sets, 1,
		                                         &sc, &err), CS_OK);
		ck_assert_int_eq(cs_run(sc, &ro, &res, &err), CS_OK);
		cs_result_metric(res, "overall.throughput_rps", &x, NULL, NULL);
		cs_result_metric(res, "resources.db_pool.in_use.mean", &use,
		                 NULL, NULL);
		n += (size_t)snprintf(data + n, sizeof data - n,
		    "  - {name: n%d, users: %d, duration: 600s, requests: %.0f,\n"
		    "     throughput: %.6g, utilization: {pool_in_use: %.6g%s}}\n",
		    i ? 40 : 20, i ? 40 : 20, x * 600, x, use, util_extra);
		cs_result_free(res);
		cs_scenario_free(sc);
	}
	dp = write_tmp("d.yaml", data);
	/* the model to fit, from 60 ms */
	snprintf(model, sizeof model, pool_model, app_extra, "60ms");
	mp = write_tmp("m.yaml", model);
	quick_opts(&o, 0, 60);
	o.weight[CS_CAL_POOL] = pool_weight;
	o.seed = 3;
	o.has_seed = 1;
	cs_imp_set_init(set);
	ck_assert_int_eq(cs_imp_read_files(&dp, 1, NULL, set, &err), CS_OK);
	ck_assert_int_eq(cs_cal_new(mp, NULL, 0, &o, &cal, &err), CS_OK);
	for (i = 0; i < set->n; i++)
		ck_assert_int_eq(cs_cal_add_point(cal, &set->points[i], NULL, 0,
		                                  &err), CS_OK);
	ck_assert_int_eq(cs_cal_add_param(cal,
	    "endpoints.0.steps.0.db.0.query.mean=1ms:200ms", &err), CS_OK);
	ck_assert_int_eq(cs_cal_estimate(cal, &err), CS_OK);
	ck_assert_int_eq(cs_cal_fit(cal, &err), CS_OK);
	return cal;
}

static int
has_warning(const cs_cal *cal, const char *text)
{
	size_t i;

	for (i = 0; i < cs_cal_nwarnings(cal); i++)
		if (strstr(cs_cal_warning(cal, i), text))
			return 1;
	return 0;
}

START_TEST(fit_pool_in_use_pins_the_hold)
{
	static const char *const files[] = { "m.yaml", "d.yaml" };
	cs_imp_set set;
	cs_cal *cal;
	const cs_cal_param *pd;
	double se_with, se_without;

	make_tmp();
	cal = fit_pool("", "", 1, &set);
	pd = cs_cal_param_at(cal, 0);
	ck_assert_msg(fabs(pd->value / 0.030 - 1) < 0.05, "query %g s",
	              pd->value);
	/* 2 points x (throughput, pool) */
	ck_assert_uint_eq(cs_cal_nresiduals(cal), 4);
	se_with = pd->se_log;
	ck_assert(isfinite(se_with) && se_with < 0.15);
	cs_cal_free(cal);
	cs_imp_set_destroy(&set);

	cal = fit_pool("", "", 0, &set);
	pd = cs_cal_param_at(cal, 0);
	ck_assert_uint_eq(cs_cal_nresiduals(cal), 2);
	se_without = pd->se_log;
	ck_assert_msg(!(se_without < 3 * se_with), "se %g with the pool, %g "
	              "without", se_with, se_without);
	cs_cal_free(cal);
	cs_imp_set_destroy(&set);

	/* the event loops: scored with gil (one term a point more; the
	 * scenario says it as YAML may: yes) ... */
	cal = fit_pool(", gil: yes", ", event_loop: 0.01", 1, &set);
	ck_assert_uint_eq(cs_cal_nresiduals(cal), 6);
	ck_assert(!has_warning(cal, "event_loop"));
	cs_cal_free(cal);
	cs_imp_set_destroy(&set);
	/* ... and left out, said so, without */
	cal = fit_pool("", ", event_loop: 0.01", 1, &set);
	ck_assert_uint_eq(cs_cal_nresiduals(cal), 4);
	ck_assert(has_warning(cal, "no app.gil"));
	cs_cal_free(cal);
	cs_imp_set_destroy(&set);
	remove_tmp(files, 2);
}
END_TEST

void
fit_add_noise(TCase *tc, TCase *te, TCase *tf)
{
	tcase_add_test(tc, fit_sampling_noise_closed_forms);
	tcase_add_test(tc, fit_prediction_interval_quantiles);
	tcase_add_test(tf, fit_noise_floor_from_repeats);
	tcase_add_test(tf, fit_covariates_leave_repeats_repeats);
	tcase_add_test(tf, fit_set_at_every_point_names_why);
	tcase_add_test(tf, fit_unidentified_keeps_a_range);
	tcase_add_test(te, fit_calibration_block_errors);
	tcase_add_test(te, fit_speed_noise_scales_cpu_work);
	tcase_add_test(tf, fit_does_not_depend_on_the_seed);
	tcase_add_test(tf, fit_refines_the_leading_start_only);
	tcase_add_test(tf, fit_scores_endpoints);
	tcase_add_test(tf, fit_discrepancy_from_whole_run_terms);
	tcase_add_test(tf, fit_pool_in_use_pins_the_hold);
	tcase_add_test(tc, fit_validate_library_scores_held_out);
}
