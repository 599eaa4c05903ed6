/*
 * Calibrations of systems whose parameters are known (fit-harness.h):
 * recovering them from data capsim generated itself, the bound and
 * contradiction warnings, bad parameters, and the points' own overrides.
 */
#include "fit-harness.h"
#include "calibration/fit-private.h"

START_TEST(fit_recovers_known_parameters)
{
	static const char *const files[] = {
		"data.yaml", "start.yaml", "calibrated.yaml"
	};
	char text[600], *cal_text = NULL;
	const char *data, *start, *fits[2], *calp;
	cs_imp_set set;
	cs_cal_opts o;
	cs_cal *cal = NULL;
	cs_error err;
	gen g;
	double hd, hz, tol_d, tol_z;
	const cs_cal_param *pd, *pz;
	cs_scenario *sc = NULL;
	size_t i;

	make_tmp();
	memset(&err, 0, sizeof err);
	data = generate(&g);
	/* start far from the truth: D 35 ms instead of 20, Z 0.5 s instead
	 * of 1 */
	snprintf(text, sizeof text, model_fmt, "500ms", "35ms");
	start = write_tmp("start.yaml", text);
	cs_imp_set_init(&set);
	ck_assert_int_eq(cs_imp_read_files(&data, 1, NULL, &set, &err), CS_OK);
	ck_assert_uint_eq(set.n, NDATA);

	cs_cal_opts_init(&o);
	o.proposals = 16; /* a small posterior sample: the tests stay quick */
	o.seed = 1;          /* not the data's seed: independent noise */
	o.has_seed = 1;
	o.starts = 2;
	o.max_evals = 80;
	ck_assert_int_eq(cs_cal_new(start, NULL, 0, &o, &cal, &err), CS_OK);
	for (i = 0; i < set.n; i++)
		ck_assert_int_eq(cs_cal_add_point(cal, &set.points[i], NULL, 0,
		                                  &err), CS_OK);
	fits[0] = "endpoints.0.steps.0.cpu.mean";
	fits[1] = "load.think.mean=100ms:10s";
	ck_assert_int_eq(cs_cal_add_param(cal, fits[0], &err), CS_OK);
	ck_assert_int_eq(cs_cal_add_param(cal, fits[1], &err), CS_OK);
	pd = cs_cal_param_at(cal, 0);
	pz = cs_cal_param_at(cal, 1);
	ck_assert_int_eq(pd->kind, CS_CAL_DURATION);
	ck_assert_rel(pd->lo, 0.0035, 1e-12);  /* a tenth of 35 ms */
	ck_assert_rel(pz->hi, 10.0, 1e-12);

	ck_assert_int_eq(cs_cal_estimate(cal, &err), CS_OK);
	/* the utilization law and Little's law put the first estimates
	 * near the truth already (within 15%: they ignore the delay step's
	 * share of R and use p50 for the mean) */
	ck_assert_rel(pd->estimate, TRUE_D, 0.15);
	ck_assert_rel(pz->estimate, TRUE_Z, 0.15);

	ck_assert_int_eq(cs_cal_fit(cal, &err), CS_OK);
	/*
	 * Tolerance.  The data's throughput carries sampling noise whose 95%
	 * half-width h is known from the data's own runs; the fit adds its
	 * own, independent noise (seed 1, 2 replications instead of 4: sqrt 2
	 * times the standard error), so the combined 95% half-width is
	 * sqrt(1 + 2) h = 1.73 h.  D = 2 cores / X at the saturated point
	 * inherits X's relative error 1:1; Z = N/X - R at the low point
	 * inherits it times (N/X) / Z.  Add 1% for the simplex's stopping
	 * size (0.5% in log space) and the values' 5 significant digits.
	 */
	hd = g.x_half[NDATA - 1] / g.x[NDATA - 1];
	hz = g.x_half[0] / g.x[0] * (data_users[0] / g.x[0]) / TRUE_Z;
	tol_d = 1.73 * hd + 0.01;
	tol_z = 1.73 * hz + 0.01;
	ck_assert_msg(fabs(pd->value / TRUE_D - 1) <= tol_d,
	              "D = %g, true %g, tolerance %.2f%%", pd->value, TRUE_D,
	              100 * tol_d);
	ck_assert_msg(fabs(pz->value / TRUE_Z - 1) <= tol_z,
	              "Z = %g, true %g, tolerance %.2f%%", pz->value, TRUE_Z,
	              100 * tol_z);
	ck_assert_int_eq(pd->on_bound, 0);
	ck_assert_int_eq(pz->on_bound, 0);
	/* 18 residuals (3 points x throughput, p50, p95, p99, error rate
	 * and the measured app CPU), 2 parameters: a finite standard error,
	 * and it is small since both parameters are well identified */
	ck_assert_uint_eq(cs_cal_nresiduals(cal), 18);
	ck_assert(isfinite(pd->se_log) && pd->se_log < 0.2);
	ck_assert(isfinite(pz->se_log) && pz->se_log < 0.2);
	for (i = 0; i < NDATA; i++)
		ck_assert_ptr_nonnull(cs_cal_fitted(cal, i));

	/* the calibrated scenario loads and holds the fitted values */
	ck_assert_int_eq(cs_cal_scenario_text(cal, &data, 1, &cal_text, &err),
	                 CS_OK);
	ck_assert_has(cal_text, "# Calibrated by capsim calibrate");
	{
		char want[64], w2[128];

		cs_cal_format(CS_CAL_DURATION, 0, pd->value, want, sizeof want);
		snprintf(w2, sizeof w2, "mean: %s}", want);
		ck_assert_has(cal_text, w2);
	}
	calp = write_tmp("calibrated.yaml", cal_text);
	ck_assert_int_eq(cs_scenario_load_string(cal_text, "calibrated", NULL,
	                                         0, &sc, &err), CS_OK);
	cs_scenario_free(sc);
	/*
	 * The posterior sample carries the parameters' uncertainty: its sets
	 * differ, and each value's spread (sd of its log over the 16 sets) is
	 * of the order of its standard error — between a third and three
	 * times it (16 draws estimate an sd within about +-35% at 95%; the
	 * rest is the quadratic approximation's and the bounds').  Importance
	 * weights let one set take the whole sample here (every set equal).
	 */
	{
		cs_cal_unc u;
		size_t k, distinct = 0;

		ck_assert_int_eq(cs_cal_unc_read(calp, &u, &err), CS_OK);
		ck_assert_uint_eq(u.ndraws, 16);
		for (i = 0; i < u.ndraws; i++) {
			int seen = 0;

			for (k = 0; k < i; k++)
				seen |= u.draws[k * u.n] == u.draws[i * u.n];
			distinct += !seen;
		}
		ck_assert_msg(distinct >= 8, "%zu distinct sets of 16", distinct);
		for (k = 0; k < 2; k++) {
			double m = 0, v = 0, se = k ? pz->se_log : pd->se_log;

			for (i = 0; i < u.ndraws; i++)
				m += log(u.draws[i * u.n + k]) / (double)u.ndraws;
			for (i = 0; i < u.ndraws; i++)
				v += pow(log(u.draws[i * u.n + k]) - m, 2) /
				     (double)(u.ndraws - 1);
			ck_assert_msg(sqrt(v) > se / 3 && sqrt(v) < 3 * se,
			              "parameter %zu: sample sd %g, se %g", k,
			              sqrt(v), se);
		}
		cs_cal_unc_free(&u);
	}
	free(cal_text);
	cs_cal_free(cal);
	cs_imp_set_destroy(&set);
	remove_tmp(files, 3);
}
END_TEST

START_TEST(fit_warns_on_a_bound)
{
	static const char *const files[] = { "m.yaml", "d.yaml" };
	const char *model, *data;
	cs_imp_set set;
	cs_cal_opts o;
	cs_cal *cal = NULL;
	cs_error err;

	make_tmp();
	model = write_tmp("m.yaml", small_model);
	/* 20 users, 1 s think, 20 ms CPU: X about 19.5/s, R about 21 ms */
	data = write_tmp("d.yaml", "points:\n  - name: low\n    users: 20\n"
	                 "    throughput: 19.5\n    latency: {p50: 15ms, "
	                 "p95: 60ms}\n");
	cs_imp_set_init(&set);
	ck_assert_int_eq(cs_imp_read_files(&data, 1, NULL, &set, &err), CS_OK);
	cs_cal_opts_init(&o);
	o.proposals = 16; /* a small posterior sample: the tests stay quick */
	o.starts = 1;
	o.max_evals = 25;
	o.replications = 1;
	ck_assert_int_eq(cs_cal_new(model, NULL, 0, &o, &cal, &err), CS_OK);
	ck_assert_int_eq(cs_cal_add_point(cal, &set.points[0], NULL, 0, &err),
	                 CS_OK);
	/* the truth, 20 ms, is below the bounds: the fit ends on LO */
	ck_assert_int_eq(cs_cal_add_param(cal, "endpoints.0.steps.0.cpu.mean="
	                                  "60ms:200ms", &err), CS_OK);
	ck_assert_int_eq(cs_cal_fit(cal, &err), CS_OK);
	ck_assert_int_eq(cs_cal_param_at(cal, 0)->on_bound, -1);
	ck_assert_msg(warned(cal, "its lower bound"), "no bound warning");
	cs_cal_free(cal);
	cs_imp_set_destroy(&set);
	remove_tmp(files, 2);
}
END_TEST

START_TEST(fit_warns_on_contradictions)
{
	static const char *const files[] = { "m.yaml", "d.yaml" };
	const char *data;
	cs_imp_set set;
	cs_cal *cal;
	size_t i;
	int neg = 0, falls = 0, causes = 0, spread = 0;

	make_tmp();
	data = write_tmp("d.yaml",
	    "points:\n"
	    /* Z = 10/9 - 0.02 = 1.09 s */
	    "  - {name: a, users: 10, throughput: 9, latency: {p50: 20ms}}\n"
	    /* Z = 20/10 - 0.05 = 1.95 s: a factor 1.8 from point a */
	    "  - {name: b, users: 20, throughput: 10, latency: {p50: 50ms}}\n"
	    /* fewer requests per second with more users */
	    "  - {name: c, users: 40, throughput: 8, latency: {p50: 1s}}\n"
	    /* Z = 60/200 - 0.5 < 0 */
	    "  - {name: d, users: 60, throughput: 200, latency: {p50: 500ms}}\n"
	    /* 100 failures by cause, but 5% of 10000 requests is 500 */
	    "  - {name: e, users: 30, requests: 10000, error_rate: 5%,\n"
	    "     errors: {pool_timeout: 60, client_timeout: 40}}\n");
	cal = estimated(data, &set, NULL, 0);
	for (i = 0; i < cs_cal_nwarnings(cal); i++) {
		const char *w = cs_cal_warning(cal, i);

		neg |= strstr(w, "\"d\": Little's law gives a negative think "
		              "time") != NULL;
		falls |= strstr(w, "throughput falls while users rise") != NULL
		         && strstr(w, "no coherency term") != NULL;
		causes |= strstr(w, "\"e\": the errors by cause add up to 100 "
		                 "but the failures are 500") != NULL;
		spread |= strstr(w, "think times that differ between points")
		          != NULL;
	}
	ck_assert_msg(neg, "no negative think time warning");
	ck_assert_msg(falls, "no falling throughput warning");
	ck_assert_msg(causes, "no error count warning");
	ck_assert_msg(spread, "no think time spread warning");
	/* and the estimate came from the lowest-load point */
	ck_assert_has(cs_cal_estimate_line(cal, 0), "\"a\" (10 users");
	cs_cal_free(cal);
	cs_imp_set_destroy(&set);
	remove_tmp(files, 2);
}
END_TEST

/* Less throughput at more users is no contradiction when the points are
 * different configurations (a smaller pool): only points with the same
 * --point-set overrides are compared. */
START_TEST(fit_compares_throughput_within_a_configuration)
{
	static const char *const files[] = { "m.yaml", "d.yaml" };
	static const char *const small_pool[] = { "db.pool.size=1" };
	const char *data;
	int pass;

	make_tmp();
	data = write_tmp("d.yaml",
	    "points:\n"
	    "  - {name: a, users: 10, throughput: 9, latency: {p50: 20ms}}\n"
	    "  - {name: b, users: 20, throughput: 5, latency: {p50: 30ms}}\n");
	/* pass 0: b is the same system; pass 1: b has a pool of one */
	for (pass = 0; pass < 2; pass++) {
		cs_imp_set set;
		cs_cal *cal = estimated(data, &set, small_pool, pass ? 1 : 0);
		int falls = warned(cal, "throughput falls while users rise");

		ck_assert_msg(falls == !pass, "pass %d: falling throughput "
		              "warned %d", pass, falls);
		cs_cal_free(cal);
		cs_imp_set_destroy(&set);
	}
	remove_tmp(files, 2);
}
END_TEST

/* small_model (m.yaml in a fresh temporary folder) opened for fitting,
 * with default options and no points. */
static cs_cal *
small_cal(void)
{
	cs_cal *cal = NULL;
	cs_error err;

	make_tmp();
	ck_assert_int_eq(cs_cal_new(write_tmp("m.yaml", small_model), NULL, 0,
	                            NULL, &cal, &err), CS_OK);
	return cal;
}

START_TEST(fit_rejects_bad_parameters)
{
	static const char *const files[] = { "m.yaml" };
	cs_cal *cal = small_cal();
	cs_error err;

	/* a map, not a number */
	ck_assert_int_eq(cs_cal_add_param(cal, "load.think", &err),
	                 CS_ERR_USAGE);
	ck_assert_has(err.msg, "not a number");
	ck_assert_str_eq(err.file, "--fit");
	/* not in the file and no bounds */
	ck_assert_int_eq(cs_cal_add_param(cal, "db.cores", &err),
	                 CS_ERR_USAGE);
	ck_assert_has(err.msg, "give bounds");
	/* a duration with bare bounds */
	ck_assert_int_eq(cs_cal_add_param(cal, "load.think.mean=0.1:2", &err),
	                 CS_ERR_USAGE);
	ck_assert_has(err.msg, "units");
	/* bounds the wrong way round, or not positive */
	ck_assert_int_eq(cs_cal_add_param(cal, "load.think.mean=2s:1s", &err),
	                 CS_ERR_USAGE);
	ck_assert_int_eq(cs_cal_add_param(cal, "load.think.mean=0s:1s", &err),
	                 CS_ERR_USAGE);
	/* a key the scenario does not take */
	ck_assert_int_eq(cs_cal_add_param(cal, "app.corez=1:4", &err),
	                 CS_ERR_USAGE);
	ck_assert_has(err.msg, "corez");
	/* an integer found by what the scenario accepts */
	ck_assert_int_eq(cs_cal_add_param(cal, "app.cores", &err), CS_OK);
	ck_assert_int_eq(cs_cal_param_at(cal, 0)->kind, CS_CAL_INTEGER);
	ck_assert_rel(cs_cal_param_at(cal, 0)->lo, 1, 1e-12);
	/* the same path twice */
	ck_assert_int_eq(cs_cal_add_param(cal, "app.cores=1:8", &err),
	                 CS_ERR_USAGE);
	/* a scale the file leaves out starts at 1 */
	ck_assert_int_eq(cs_cal_add_param(cal, "load.think.scale", &err),
	                 CS_OK);
	ck_assert_rel(cs_cal_param_at(cal, 1)->initial, 1, 1e-12);
	ck_assert_rel(cs_cal_param_at(cal, 1)->hi, 10, 1e-12);
	/* fitting needs points */
	ck_assert_int_eq(cs_cal_fit(cal, &err), CS_ERR_USAGE);
	cs_cal_free(cal);
	remove_tmp(files, 1);
}
END_TEST

/* The second start is the scenario as written: the file's values, and
 * capsim's default (moved into the bounds) for a key the file leaves out,
 * so a term that is off by default starts at its lower bound. */
START_TEST(fit_second_start_takes_the_defaults)
{
	static const char *const files[] = { "m.yaml" };
	cs_cal *cal = small_cal();
	cs_error err;

	/* in the file: its value, no default */
	ck_assert_int_eq(cs_cal_add_param(cal, "app.cores", &err), CS_OK);
	ck_assert_rel(cal->params[0].pub.initial, 2, 1e-12);
	ck_assert(isnan(cal->params[0].dflt));
	/* off by default (0): the lower bound is the start */
	ck_assert_int_eq(cs_cal_add_param(cal, "app.contention.sigma="
	                                  "0.0001:0.05", &err), CS_OK);
	ck_assert(isnan(cal->params[1].pub.initial));
	ck_assert_rel(cal->params[1].dflt + 1, 1, 1e-12);
	/* a duration's default, in seconds */
	ck_assert_int_eq(cs_cal_add_param(cal, "app.cold_after=5ms:5s", &err),
	                 CS_OK);
	ck_assert_rel(cal->params[2].dflt, 1.0, 1e-12);
	ck_assert_int_eq(cs_cal_add_param(cal, "app.cold_delay=0.1ms:20ms",
	                                  &err), CS_OK);
	ck_assert_rel(cal->params[3].dflt + 1, 1, 1e-12);
	/* no numeric default ("none"): none */
	ck_assert_int_eq(cs_cal_add_param(cal, "app.request_timeout=1s:10s",
	                                  &err), CS_OK);
	ck_assert(isnan(cal->params[4].dflt));
	/* a path that is not a key of its own (an endpoint's step) */
	ck_assert_int_eq(cs_cal_add_param(cal, "endpoints.0.steps.0.cpu.scale",
	                                  &err), CS_OK);
	ck_assert(isnan(cal->params[5].dflt));
	cs_cal_free(cal);
	remove_tmp(files, 1);
}
END_TEST

START_TEST(fit_point_overrides_and_load)
{
	static const char *const files[] = { "m.yaml" };
	const char *model, *sets[1] = { "app.cores=8" };
	cs_imp_point a = mk_point(300, 100, 20, 50, 80, 0);
	cs_imp_point open = mk_point(NAN, 100, 20, 50, 80, 0);
	cs_imp_point none = mk_point(NAN, 100, 20, 50, 80, 0);
	cs_cal_pred p2, p8;
	cs_cal *cal = NULL;
	cs_cal_opts o;
	cs_error err;

	make_tmp();
	model = write_tmp("m.yaml", small_model);
	open.arrival_rate = 50;
	cs_cal_opts_init(&o);
	o.proposals = 16; /* a small posterior sample: the tests stay quick */
	o.replications = 1;
	ck_assert_int_eq(cs_cal_new(model, NULL, 0, &o, &cal, &err), CS_OK);
	/* the same load level twice, the second with 8 cores: 300 users
	 * saturate 2 cores (100/s at 20 ms) but not 8 */
	ck_assert_int_eq(cs_cal_add_point(cal, &a, NULL, 0, &err), CS_OK);
	ck_assert_int_eq(cs_cal_add_point(cal, &a, sets, 1, &err), CS_OK);
	ck_assert_str_eq(cs_cal_point_name(cal, 1), "point 2");
	ck_assert_int_eq(cs_cal_predict(cal, 0, 0, &p2, &err), CS_OK);
	ck_assert_int_eq(cs_cal_predict(cal, 1, 0, &p8, &err), CS_OK);
	ck_assert_msg(p2.mean[CS_CAL_THROUGHPUT] < 105 &&
	              p8.mean[CS_CAL_THROUGHPUT] > 200, "X %g and %g",
	              p2.mean[CS_CAL_THROUGHPUT], p8.mean[CS_CAL_THROUGHPUT]);
	/* an open point on a closed scenario, a point with no load */
	ck_assert_int_eq(cs_cal_add_point(cal, &open, NULL, 0, &err),
	                 CS_ERR_INVALID);
	ck_assert_has(err.msg, "open test");
	ck_assert_int_eq(cs_cal_add_point(cal, &none, NULL, 0, &err),
	                 CS_ERR_INVALID);
	ck_assert_has(err.msg, "neither users nor an arrival rate");
	/* a bad override names itself (the scenario's unknown key) */
	sets[0] = "app.corez=8";
	ck_assert_int_eq(cs_cal_add_point(cal, &a, sets, 1, &err),
	                 CS_ERR_INVALID);
	ck_assert_has(err.msg, "corez");
	ck_assert_uint_eq(cs_cal_npoints(cal), 2);
	cs_cal_free(cal);
	remove_tmp(files, 1);
}
END_TEST

void
fit_add_calibrate(TCase *tf)
{
	tcase_add_test(tf, fit_recovers_known_parameters);
	tcase_add_test(tf, fit_warns_on_a_bound);
	tcase_add_test(tf, fit_warns_on_contradictions);
	tcase_add_test(tf, fit_compares_throughput_within_a_configuration);
	tcase_add_test(tf, fit_rejects_bad_parameters);
	tcase_add_test(tf, fit_second_start_takes_the_defaults);
	tcase_add_test(tf, fit_point_overrides_and_load);
}
