/*
 * Tests for calibration/fit: the operational laws, the baselines (straight
 * line and USL) on exact data and editing scenario text in place here, with
 * the helpers every part shares (fit-harness.h); calibrations of systems
 * whose parameters are known in test-fit-calibrate.c, noise,
 * identifiability and prediction intervals in test-fit-noise.c.
 */
#include "fit-harness.h"


static char tmp_dir[256];

void
make_tmp(void)
{
	snprintf(tmp_dir, sizeof tmp_dir, "/tmp/capsim-test-fit-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp_dir));
}

void
remove_tmp(const char *const *names, size_t n)
{
	char p[512];
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(p, sizeof p, "%s/%s", tmp_dir, names[i]);
		unlink(p);
	}
	rmdir(tmp_dir);
}

const char *
write_tmp(const char *name, const char *text)
{
	static char paths[8][512];
	static int k;
	FILE *f;

	k = (k + 1) % 8;
	snprintf(paths[k], sizeof paths[k], "%s/%s", tmp_dir, name);
	f = fopen(paths[k], "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
	return paths[k];
}
/* ---- operational laws ----------------------------------------------------- */

START_TEST(fit_little_and_utilization_laws)
{
	/* seed report 002's baseline: 100 users, 242 req/s, p50 82 ms */
	ck_assert_rel(cs_cal_little_think(100, 242, 0.082),
	              100.0 / 242 - 0.082, 1e-12);
	ck_assert_rel(cs_cal_little_think(10, 4, 0.5), 2.0, 1e-12);
	ck_assert(cs_cal_little_think(10, 0, 0.5) != cs_cal_little_think(10,
	          0, 0.5)); /* NaN */
	/* 38.5% of 4 cores at 242 req/s: 6.36 ms of CPU per request */
	ck_assert_rel(cs_cal_util_demand(0.385, 4, 242), 0.385 * 4 / 242,
	              1e-12);
	ck_assert_rel(cs_cal_util_demand(0.5, 2, 100), 0.01, 1e-12);
	ck_assert(isnan(cs_cal_util_demand(NAN, 2, 100)));
}
END_TEST

START_TEST(fit_errors_and_targets)
{
	ck_assert_rel(cs_cal_error(CS_CAL_THROUGHPUT, 100, 110), 0.1, 1e-12);
	ck_assert_rel(cs_cal_error(CS_CAL_P95, 200, 150), -0.25, 1e-12);
	/* the error rate is a difference in points, not relative */
	ck_assert_rel(cs_cal_error(CS_CAL_ERROR_RATE, 0.0, 0.02), 0.02,
	              1e-12);
	ck_assert(isnan(cs_cal_error(CS_CAL_P50, NAN, 1)));
	ck_assert(isnan(cs_cal_error(CS_CAL_P50, 0, 1)));
	ck_assert(isnan(cs_cal_target(CS_CAL_P99)));
	ck_assert_rel(cs_cal_target(CS_CAL_THROUGHPUT), 0.10, 1e-12);
	ck_assert_int_eq(cs_cal_metric_parse("p95"), CS_CAL_P95);
	ck_assert_int_eq(cs_cal_metric_parse("error_rate"),
	                 CS_CAL_ERROR_RATE);
	ck_assert_int_eq(cs_cal_metric_parse("p96"), -1);
}
END_TEST

START_TEST(fit_score_median_and_within)
{
	const double e[4][CS_CAL_NMETRICS] = {
		{ 0.05, 0.30, 0.10, 0.5, 0.01 },
		{ -0.20, 0.10, NAN, 0.2, 0.03 },
		{ 0.08, -0.20, 0.40, NAN, -0.015 },
		{ NAN, NAN, NAN, NAN, NAN },
	};
	cs_cal_score sc;

	cs_cal_score_compute(e, 4, &sc);
	ck_assert_uint_eq(sc.counted[CS_CAL_THROUGHPUT], 3);
	ck_assert_rel(sc.median[CS_CAL_THROUGHPUT], 0.08, 1e-12);
	ck_assert_uint_eq(sc.within[CS_CAL_THROUGHPUT], 2);
	ck_assert_rel(sc.median[CS_CAL_P50], 0.20, 1e-12);
	ck_assert_uint_eq(sc.within[CS_CAL_P50], 2);
	ck_assert_rel(sc.median[CS_CAL_P95], 0.25, 1e-12);
	ck_assert_uint_eq(sc.within[CS_CAL_P95], 1);
	ck_assert_uint_eq(sc.within[CS_CAL_P99], 0);  /* no target */
	ck_assert_uint_eq(sc.within[CS_CAL_ERROR_RATE], 2);
}
END_TEST

/* ---- baselines -------------------------------------------------------------- */

START_TEST(fit_linear_exact_on_linear_data)
{
	const double x[] = { 10, 20, 50, 100 };
	double y[4], a, b;
	size_t i;

	for (i = 0; i < 4; i++)
		y[i] = 3.5 + 2.25 * x[i];
	ck_assert_int_eq(cs_cal_linear_fit(x, y, 4, &a, &b), CS_OK);
	ck_assert_rel(a, 3.5, 1e-10);
	ck_assert_rel(b, 2.25, 1e-12);
	/* one point: through the origin */
	ck_assert_int_eq(cs_cal_linear_fit(x, y, 1, &a, &b), CS_OK);
	ck_assert(a == 0);
	ck_assert_rel(b, y[0] / x[0], 1e-12);
	ck_assert_int_eq(cs_cal_linear_fit(x, y, 0, &a, &b), CS_ERR_INVALID);
}
END_TEST

START_TEST(fit_usl_recovers_exact_parameters)
{
	const double n[] = { 1, 2, 4, 8, 16, 32, 64, 128 };
	const cs_cal_usl truth = { 12.5, 0.04, 0.0007 };
	double x[8];
	cs_cal_usl u;
	cs_error err;
	size_t i;

	for (i = 0; i < 8; i++)
		x[i] = cs_cal_usl_eval(&truth, n[i]);
	ck_assert_int_eq(cs_cal_usl_fit(n, x, 8, &u, &err), CS_OK);
	ck_assert_rel(u.lambda, truth.lambda, 1e-6);
	ck_assert_rel(u.sigma, truth.sigma, 1e-5);
	ck_assert_rel(u.kappa, truth.kappa, 1e-5);
	/* three points are enough for three parameters */
	{
		const double n3[] = { 5, 40, 120 };
		double x3[3];

		for (i = 0; i < 3; i++)
			x3[i] = cs_cal_usl_eval(&truth, n3[i]);
		ck_assert_int_eq(cs_cal_usl_fit(n3, x3, 3, &u, &err), CS_OK);
		ck_assert_rel(u.sigma, truth.sigma, 1e-5);
		ck_assert_rel(u.kappa, truth.kappa, 1e-5);
	}
	/* two points: Amdahl (kappa 0) through both */
	{
		const cs_cal_usl am = { 3, 0.1, 0 };
		const double n2[] = { 10, 50 };
		double x2[2];

		for (i = 0; i < 2; i++)
			x2[i] = cs_cal_usl_eval(&am, n2[i]);
		ck_assert_int_eq(cs_cal_usl_fit(n2, x2, 2, &u, &err), CS_OK);
		ck_assert_rel(u.lambda, 3, 1e-12);
		ck_assert_rel(u.sigma, 0.1, 1e-12);
		ck_assert(u.kappa == 0);
	}
	/* one point: linear */
	ck_assert_int_eq(cs_cal_usl_fit(n + 3, x + 3, 1, &u, &err), CS_OK);
	ck_assert_rel(u.lambda, x[3] / n[3], 1e-12);
	ck_assert(u.sigma == 0 && u.kappa == 0);
	x[2] = -1;
	ck_assert_int_eq(cs_cal_usl_fit(n, x, 8, &u, &err), CS_ERR_INVALID);
	ck_assert_has(err.msg, "must be > 0");
}
END_TEST

cs_imp_point
mk_point(double users, double x, double p50, double p95, double p99,
         double er)
{
	cs_imp_point p;

	memset(&p, 0, sizeof p);
	p.users = users;
	p.arrival_rate = NAN;
	p.duration = p.requests = p.failures = NAN;
	p.throughput = x;
	p.latency.p50 = p50;
	p.latency.p90 = NAN;
	p.latency.p95 = p95;
	p.latency.p99 = p99;
	p.latency.max = p.latency.mean = NAN;
	p.error_rate = er;
	p.util.app_cpu = p.util.db_cpu = p.util.pool_in_use = NAN;
	p.util.pool_waiters = p.util.cache_hit_ratio = p.util.event_loop = NAN;
	return p;
}

START_TEST(fit_baselines_line_and_usl_latency)
{
	/* think time 1 s, p50 = R: Z = N/X - R = 1 at both points */
	cs_imp_point a = mk_point(10, 10 / 1.1, 100, 200, 300, 0.01);
	cs_imp_point b = mk_point(20, 20 / 1.2, 200, 400, 600, 0.03);
	const cs_imp_point *pts[2] = { &a, &b };
	cs_cal_baseline bl;
	double line[CS_CAL_NMETRICS], usl[CS_CAL_NMETRICS];
	cs_error err;

	ck_assert_int_eq(cs_cal_baseline_fit(pts, 2, &bl, &err), CS_OK);
	ck_assert_rel(bl.think, 1.0, 1e-12);
	ck_assert_int_eq(bl.r_is_mean, 0);
	cs_cal_baseline_eval(&bl, 30, line, usl);
	/* straight lines through the two points */
	ck_assert_rel(line[CS_CAL_P50], 300, 1e-9);
	ck_assert_rel(line[CS_CAL_ERROR_RATE], 0.05, 1e-9);
	/* the USL goes through both points exactly (two points, kappa 0);
	 * its p50 is R = N/X - Z and p95 = 2 R as at the highest point */
	ck_assert_rel(cs_cal_usl_eval(&bl.usl, 10), 10 / 1.1, 1e-9);
	ck_assert_rel(cs_cal_usl_eval(&bl.usl, 20), 20 / 1.2, 1e-9);
	ck_assert_rel(usl[CS_CAL_P50], 1e3 * (30 / usl[CS_CAL_THROUGHPUT] - 1),
	              1e-9);
	ck_assert_rel(usl[CS_CAL_P95], 2 * usl[CS_CAL_P50], 1e-9);
	ck_assert(isnan(usl[CS_CAL_ERROR_RATE]));
}
END_TEST

/* ---- editing scenario text -------------------------------------------------- */

static const char edit_src[] =
	"# a comment that must stay\n"
	"name: \"edit test\"\n"
	"load:\n"
	"  users: 10   # ten\n"
	"  think: {dist: uniform, min: 300ms, max: 1300ms}\n"
	"app:\n"
	"  cores: 2\n"
	"services:\n"
	"  ai:\n"
	"    latency: {dist: lognormal, median: '250ms', p95: 1s}\n"
	"endpoints:\n"
	"  - name: GET /x\n"
	"    steps:\n"
	"      - cpu: {dist: exponential, mean: 5ms}\n"
	"      - {call: ai}\n";

START_TEST(fit_edit_text_in_place)
{
	const char *as[] = {
		"load.users=25",
		"load.think.scale=0.5",
		"endpoints.0.steps.0.cpu.mean=7.5ms",
		"services.ai.latency.median=300ms",
		"app.contention.sigma=0.01",
		"app.contention.kappa=0.001",
		"db.cores=4",
	};
	char *out = NULL;
	cs_scenario *sc = NULL;
	cs_error err;

	memset(&err, 0, sizeof err);
	ck_assert_int_eq(cs_cal_edit_text(edit_src, "edit.yaml", as, 7, &out,
	                                  &err), CS_OK);
	ck_assert_has(out, "# a comment that must stay\n");
	ck_assert_has(out, "  users: 25   # ten\n");
	ck_assert_has(out, "think: {dist: uniform, min: 300ms, max: 1300ms, "
	              "scale: 0.5}");
	ck_assert_has(out, "cpu: {dist: exponential, mean: 7.5ms}");
	ck_assert_has(out, "median: 300ms, p95: 1s}");
	ck_assert_has(out, "contention: {sigma: 0.01, kappa: 0.001}");
	ck_assert_has(out, "db: {cores: 4}");
	ck_assert_int_eq(cs_scenario_load_string(out, "edited", NULL, 0, &sc,
	                                         &err), CS_OK);
	cs_scenario_free(sc);
	free(out);
	/* a whole map cannot be replaced in place */
	{
		const char *m[] = { "load.think=2s" };

		ck_assert_int_eq(cs_cal_edit_text(edit_src, "edit.yaml", m, 1,
		                                  &out, &err), CS_ERR_USAGE);
		ck_assert_ptr_null(out);
		ck_assert_has(err.msg, "a map or a list");
	}
	/* a list item that does not exist */
	{
		const char *m[] = { "endpoints.3.weight=2" };

		ck_assert_int_eq(cs_cal_edit_text(edit_src, "edit.yaml", m, 1,
		                                  &out, &err), CS_ERR_USAGE);
	}
}
END_TEST

START_TEST(fit_format_values)
{
	char b[64];

	cs_cal_format(CS_CAL_DURATION, 0, 0.0123456, b, sizeof b);
	ck_assert_str_eq(b, "12.346ms");
	cs_cal_format(CS_CAL_DURATION, 0, 2.5, b, sizeof b);
	ck_assert_str_eq(b, "2.5s");
	cs_cal_format(CS_CAL_DURATION, 0, 250e-6, b, sizeof b);
	ck_assert_str_eq(b, "250us");
	cs_cal_format(CS_CAL_RATIO, 1, 0.873, b, sizeof b);
	ck_assert_str_eq(b, "87.3%");
	cs_cal_format(CS_CAL_INTEGER, 0, 2.6, b, sizeof b);
	ck_assert_str_eq(b, "3");
	cs_cal_format(CS_CAL_RATE, 0, 60, b, sizeof b);
	ck_assert_str_eq(b, "60/s");
}
END_TEST
/* ---- the systems the calibration tests fit ------------------------------------------------------------ */

const char model_fmt[] =
	"name: fit test\n"
	"run: {duration: 150s, warmup: 15s, replications: 2, seed: 1}\n"
	"load:\n"
	"  users: 10\n"
	"  think: {dist: exponential, mean: %s}\n"
	"app: {instances: 1, workers: 256, cores: 2}\n"
	"endpoints:\n"
	"  - name: GET /x\n"
	"    steps:\n"
	"      - cpu: {dist: exponential, mean: %s}\n"
	"      - delay: 10ms\n";

const double data_users[NDATA] = { 20, 70, 160 };

const char *
generate(gen *g)
{
	char text[600], yaml[4096], set[64];
	size_t i, o;

	snprintf(text, sizeof text, model_fmt, "1s", "20ms");
	o = (size_t)snprintf(yaml, sizeof yaml, "source: \"capsim itself, "
	                     "seed 7\"\npoints:\n");
	for (i = 0; i < NDATA; i++) {
		const char *sets[1];
		cs_scenario *sc = NULL;
		cs_result *res = NULL;
		cs_run_opts ro = { .replications = 4, .seed = 7, .has_seed = 1 };
		cs_error err;
		double x, lo, hi, p50, p95, p99, cpu, er;

		snprintf(set, sizeof set, "load.users=%g", data_users[i]);
		sets[0] = set;
		ck_assert_int_eq(cs_scenario_load_string(text, "truth", sets, 1,
		                                         &sc, &err), CS_OK);
		ck_assert_int_eq(cs_run(sc, &ro, &res, &err), CS_OK);
		cs_result_metric(res, "overall.throughput_rps", &x, &lo, &hi);
		cs_result_metric(res, "overall.latency_ms.p50", &p50, NULL,
		                 NULL);
		cs_result_metric(res, "overall.latency_ms.p95", &p95, NULL,
		                 NULL);
		cs_result_metric(res, "overall.latency_ms.p99", &p99, NULL,
		                 NULL);
		cs_result_metric(res, "overall.error_rate", &er, NULL, NULL);
		cs_result_metric(res, "resources.app.cpu_utilization", &cpu,
		                 NULL, NULL);
		g->x[i] = x;
		g->x_half[i] = 0.5 * (hi - lo);
		o += (size_t)snprintf(yaml + o, sizeof yaml - o,
		    "  - name: u%g\n    users: %g\n    duration: 135s\n"
		    "    throughput: %.6g\n    latency: {p50: %.6gms, p95: "
		    "%.6gms, p99: %.6gms}\n    error_rate: %.6g\n"
		    "    utilization: {app_cpu: %.6g}\n", data_users[i],
		    data_users[i], x, p50, p95, p99, er, cpu);
		cs_result_free(res);
		cs_scenario_free(sc);
	}
	return write_tmp("data.yaml", yaml);
}

const char small_model[] =
	"run: {duration: 30s, warmup: 5s, replications: 1, seed: 1}\n"
	"load: {users: 20, think: {dist: exponential, mean: 1s}}\n"
	"app: {cores: 2}\n"
	"endpoints:\n"
	"  - name: GET /x\n"
	"    steps:\n"
	"      - cpu: {dist: exponential, mean: 20ms}\n";

cs_cal *
estimated(const char *data, cs_imp_set *set, const char *const *last_sets,
          size_t nlast)
{
	const char *model = write_tmp("m.yaml", small_model);
	cs_cal *cal = NULL;
	cs_cal_opts o;
	cs_error err;
	size_t i;

	cs_imp_set_init(set);
	ck_assert_int_eq(cs_imp_read_files(&data, 1, NULL, set, &err), CS_OK);
	cs_cal_opts_init(&o);
	o.proposals = 16; /* a small posterior sample: the tests stay quick */
	o.replications = 1;
	ck_assert_int_eq(cs_cal_new(model, NULL, 0, &o, &cal, &err), CS_OK);
	for (i = 0; i < set->n; i++)
		ck_assert_int_eq(cs_cal_add_point(cal, &set->points[i],
		                 i + 1 == set->n ? last_sets : NULL,
		                 i + 1 == set->n ? nlast : 0, &err), CS_OK);
	ck_assert_int_eq(cs_cal_estimate(cal, &err), CS_OK);
	return cal;
}

int
warned(const cs_cal *cal, const char *s)
{
	size_t i;

	for (i = 0; i < cs_cal_nwarnings(cal); i++)
		if (strstr(cs_cal_warning(cal, i), s))
			return 1;
	return 0;
}

void
quick_opts(cs_cal_opts *o, unsigned proposals, unsigned max_evals)
{
	cs_cal_opts_init(o);
	o->proposals = proposals;
	o->starts = 1;
	o->max_evals = max_evals;
	o->replications = 1;
}

cs_cal *
fit_small_cpu(const char *data_text, const cs_cal_opts *o, cs_imp_set *set,
              const char **data)
{
	const char *model = write_tmp("m.yaml", small_model);
	cs_cal *cal = NULL;
	cs_error err;
	size_t i;

	*data = write_tmp("d.yaml", data_text);
	cs_imp_set_init(set);
	ck_assert_int_eq(cs_imp_read_files(data, 1, NULL, set, &err), CS_OK);
	ck_assert_int_eq(cs_cal_new(model, NULL, 0, o, &cal, &err), CS_OK);
	for (i = 0; i < set->n; i++)
		ck_assert_int_eq(cs_cal_add_point(cal, &set->points[i], NULL, 0,
		                                  &err), CS_OK);
	ck_assert_int_eq(cs_cal_add_param(cal, "endpoints.0.steps.0.cpu.mean",
	                                  &err), CS_OK);
	ck_assert_int_eq(cs_cal_fit(cal, &err), CS_OK);
	return cal;
}

cs_cal *
fit_generated(const char *start, const cs_imp_set *set, const cs_cal_opts *o)
{
	cs_cal *cal = NULL;
	cs_error err;
	size_t i;

	memset(&err, 0, sizeof err);
	ck_assert_int_eq(cs_cal_new(start, NULL, 0, o, &cal, &err), CS_OK);
	for (i = 0; i < set->n; i++)
		ck_assert_int_eq(cs_cal_add_point(cal, &set->points[i], NULL, 0,
		                                  &err), CS_OK);
	ck_assert_int_eq(cs_cal_add_param(cal, "endpoints.0.steps.0.cpu.mean",
	                                  &err), CS_OK);
	ck_assert_int_eq(cs_cal_add_param(cal, "load.think.mean=100ms:10s",
	                                  &err), CS_OK);
	ck_assert_int_eq(cs_cal_fit(cal, &err), CS_OK);
	return cal;
}

static Suite *
fit_suite(void)
{
	Suite *s = suite_create("fit");
	TCase *tc = tcase_create("laws");
	TCase *tb = tcase_create("baselines");
	TCase *te = tcase_create("edit");
	TCase *tf = tcase_create("calibrate");

	tcase_add_test(tc, fit_little_and_utilization_laws);
	tcase_add_test(tc, fit_errors_and_targets);
	tcase_add_test(tc, fit_score_median_and_within);
	tcase_add_test(tb, fit_linear_exact_on_linear_data);
	tcase_add_test(tb, fit_usl_recovers_exact_parameters);
	tcase_add_test(tb, fit_baselines_line_and_usl_latency);
	tcase_add_test(te, fit_edit_text_in_place);
	tcase_add_test(te, fit_format_values);
	/* a few seconds normally, a minute or two under valgrind */
	tcase_set_timeout(tf, 900);
	fit_add_calibrate(tf);
	fit_add_noise(tc, te, tf);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, tb);
	suite_add_tcase(s, te);
	suite_add_tcase(s, tf);
	return s;
}

int
main(void)
{
	return cs_test_run(fit_suite());
}
