/*
 * Prediction intervals against a truth that is known: "real" systems are
 * simulated (each with its own CPU demand and its own seed), measured at
 * two low loads, calibrated there, and their held-out loads predicted
 * with 90% intervals.  The intervals must hold the held-out measurements
 * at their nominal rate: 85-95% of 240 values (20 systems x 3 held-out
 * loads x throughput, p50, p95, p99).
 *
 * The simulated systems of the first test have no between-run noise beyond
 * their own sampling noise, so the calibration is told so (--noise 0 for
 * every metric, --speed-noise 0); what the interval must carry is the
 * fitted value's uncertainty and the measurements' sampling noise.  In
 * the second every run of a system has its own machine speed (its CPU
 * demand times a lognormal factor, sd 0.07 of its log), as lab 1's
 * virtual machine had: the calibration must find it in the CPU per
 * request its four light-load runs measured, and the intervals carry it
 * to held-out runs past the knee, where the throughput and the latency
 * move with it.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "capsim.h"
#include "calibration/fit.h"
#include "calibration/import.h"
#include "harness.h"

#define SYSTEMS 20

static const char model_fmt[] =
	"name: coverage\n"
	"run: {duration: 120s, warmup: 12s, replications: 1, seed: %u}\n"
	"load:\n"
	"  users: 10\n"
	"  think: {dist: exponential, mean: 500ms}\n"
	"app: {instances: 1, workers: 256, cores: 2}\n"
	"endpoints:\n"
	"  - name: GET /x\n"
	"    steps:\n"
	"      - cpu: {dist: exponential, mean: %s}\n"
	"      - delay: 5ms\n";

/* The runs: calibration at light load, held out at and past the knee;
 * the second test's systems have two more light runs (their speed is
 * learnt from the CPU per request of each). */
static const double cal_users[] = { 4, 8, 6, 12 };
static const double held_users[] = { 24, 40, 60 };

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* One "real" run: the truth at users, its own seed; a measurements
 * point as YAML text appended to buf. */
static void
measure(const char *truth, double users, unsigned seed, double speed,
        char *buf, size_t size)
{
	char set[64], sset[64], fset[64];
	const char *sets[3];
	cs_scenario *sc = NULL;
	cs_result *res = NULL;
	cs_run_opts ro = { .replications = 1, .has_seed = 1, .jobs = 1 };
	cs_error err;
	double x, p50, p95, p99, ucpu;
	char util[64] = "";
	size_t o = strlen(buf);

	snprintf(set, sizeof set, "load.users=%g", users);
	snprintf(sset, sizeof sset, "run.seed=%u", seed);
	snprintf(fset, sizeof fset, "app.cpu_scale=%.9g", speed);
	sets[0] = set;
	sets[1] = sset;
	sets[2] = fset;
	ro.seed = seed;
	ck_assert_int_eq(cs_scenario_load_string(truth, "truth", sets, 3, &sc,
	                                         &err), CS_OK);
	ck_assert_int_eq(cs_run(sc, &ro, &res, &err), CS_OK);
	cs_result_metric(res, "overall.throughput_rps", &x, NULL, NULL);
	cs_result_metric(res, "overall.latency_ms.p50", &p50, NULL, NULL);
	cs_result_metric(res, "overall.latency_ms.p95", &p95, NULL, NULL);
	cs_result_metric(res, "overall.latency_ms.p99", &p99, NULL, NULL);
	cs_result_metric(res, cs_cal_metric_path(CS_CAL_APP_CPU), &ucpu, NULL,
	                 NULL);
	/* a system whose speed varies says so by its CPU per request */
	if (speed != 1)
		snprintf(util, sizeof util, ", utilization: {app_cpu: %.6g}",
		         ucpu);
	snprintf(buf + o, size - o,
	         "  - {name: u%g, users: %g, duration: 108s, requests: %.0f, "
	         "throughput: %.6g, latency: {p50: %.6gms, p95: %.6gms, p99: "
	         "%.6gms}%s}\n", users, users, x * 108, x, p50, p95, p99,
	         util);
	cs_result_free(res);
	cs_scenario_free(sc);
}

/*
 * SYSTEMS simulated systems, each calibrated on ncal light-load runs and
 * its held-out runs predicted: the held-out values inside their 90%
 * intervals, per metric (in[4], of all[4]); with speed_sd > 0 every run
 * has its own speed (the CPU demand times exp(speed_sd z)) and the
 * calibration estimates the speed noise, else it is told there is none.
 * nospeed_in[4], if not NULL, gets the coverage of the same predictions
 * without the speed noise.
 */
static void
coverage(double speed_sd, size_t ncal, size_t *in, size_t *all,
         size_t *nospeed_in)
{
	static const cs_cal_metric ms[] = {
		CS_CAL_THROUGHPUT, CS_CAL_P50, CS_CAL_P95, CS_CAL_P99
	};
	char dir[] = "/tmp/capsim-test-predict-XXXXXX";
	char pm[300], pd[300], pc[300], ph[300], truth[800], start[800];
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	unsigned sys;
	size_t i, k;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(pm, sizeof pm, "%s/start.yaml", dir);
	snprintf(pd, sizeof pd, "%s/cal.yaml", dir);
	snprintf(pc, sizeof pc, "%s/calibrated.yaml", dir);
	snprintf(ph, sizeof ph, "%s/held.yaml", dir);
	gsl_rng_set(rng, speed_sd > 0 ? 2027 : 2026);
	for (k = 0; k < 4; k++) {
		in[k] = all[k] = 0;
		if (nospeed_in)
			nospeed_in[k] = 0;
	}
	for (sys = 0; sys < SYSTEMS; sys++) {
		/* a system: CPU demand 14-40 ms (capacity 50-140 req/s on 2
		 * cores), so the held-out loads reach or pass the knee */
		double d = 0.014 * exp(gsl_rng_uniform(rng) * log(40.0 / 14));
		char dtext[32], *text = NULL, cal[4096] = "points:\n";
		char held[4096] = "points:\n";
		const char *paths[1];
		cs_imp_set cset, hset;
		cs_cal_opts o;
		cs_cal *c = NULL, *v = NULL;
		cs_cal_unc u;
		cs_error err;
		double *draws = NULL, *plain = NULL;
		size_t nd;

		memset(&err, 0, sizeof err);
		snprintf(dtext, sizeof dtext, "%.6gms", d * 1e3);
		snprintf(truth, sizeof truth, model_fmt, 1u, dtext);
		for (i = 0; i < ncal; i++)
			measure(truth, cal_users[i], 1000 + 10 * sys + (unsigned)i,
			        speed_sd > 0 ? exp(speed_sd *
			        gsl_ran_ugaussian(rng)) : 1, cal, sizeof cal);
		for (i = 0; i < 3; i++)
			measure(truth, held_users[i], 5000 + 10 * sys + (unsigned)i,
			        speed_sd > 0 ? exp(speed_sd *
			        gsl_ran_ugaussian(rng)) : 1, held, sizeof held);
		write_file(pd, cal);
		write_file(ph, held);
		/* the model starts at 20 ms whatever the truth */
		snprintf(start, sizeof start, model_fmt, 7u, "20ms");
		write_file(pm, start);

		cs_imp_set_init(&cset);
		paths[0] = pd;
		ck_assert_int_eq(cs_imp_read_files(paths, 1, NULL, &cset, &err),
		                 CS_OK);
		cs_cal_opts_init(&o);
		/* no noise between runs, and the calibration is told so;
		 * runs of different speeds are what a user has: the floors
		 * are the defaults and the speed noise is estimated */
		for (k = 0; speed_sd == 0 && k < CS_CAL_NMETRICS; k++)
			o.noise[k] = 0;
		if (speed_sd == 0)
			o.speed_noise = 0;
		o.replications = 2;
		o.starts = 2;
		o.max_evals = 60;
		o.proposals = 48;
		ck_assert_int_eq(cs_cal_new(pm, NULL, 0, &o, &c, &err), CS_OK);
		for (i = 0; i < cset.n; i++)
			ck_assert_int_eq(cs_cal_add_point(c, &cset.points[i], NULL,
			                                  0, &err), CS_OK);
		ck_assert_int_eq(cs_cal_add_param(c, "endpoints.0.steps.0.cpu."
		                                  "mean=2ms:200ms", &err), CS_OK);
		ck_assert_int_eq(cs_cal_fit(c, &err), CS_OK);
		ck_assert_int_eq(cs_cal_scenario_text(c, paths, 1, &text, &err),
		                 CS_OK);
		write_file(pc, text);
		free(text);
		if (speed_sd > 0 && getenv("CS_TEST_VERBOSE"))
			printf("  system %u: speed noise %.3g\n", sys,
			       cs_cal_speed_noise(c, NULL, NULL));
		cs_cal_free(c);
		cs_imp_set_destroy(&cset);

		/* predict the held-out loads from the calibrated file */
		ck_assert_int_eq(cs_cal_unc_read(pc, &u, &err), CS_OK);
		ck_assert_uint_eq(u.nfile, 1);
		ck_assert_uint_eq(u.n, speed_sd > 0 ? 2 : 1);
		ck_assert_int_eq(cs_cal_unc_sets(&u, 1, &draws, &nd, &err),
		                 CS_OK);
		ck_assert_uint_gt(nd, 0);
		if (nospeed_in) {
			double keep = u.speed_noise;

			u.speed_noise = 0;
			ck_assert_int_eq(cs_cal_unc_sets(&u, 1, &plain, &nd, &err),
			                 CS_OK);
			u.speed_noise = keep;
		}
		cs_imp_set_init(&hset);
		paths[0] = ph;
		ck_assert_int_eq(cs_imp_read_files(paths, 1, NULL, &hset, &err),
		                 CS_OK);
		cs_cal_opts_init(&o);
		o.replications = 2;
		ck_assert_int_eq(cs_cal_new(pc, NULL, 0, &o, &v, &err), CS_OK);
		for (i = 0; i < hset.n; i++) {
			cs_cal_pred pred;
			double lo[CS_CAL_NMETRICS], hi[CS_CAL_NMETRICS];
			double lo0[CS_CAL_NMETRICS], hi0[CS_CAL_NMETRICS];

			ck_assert_int_eq(cs_cal_add_point(v, &hset.points[i], NULL,
			                                  0, &err), CS_OK);
			ck_assert_int_eq(cs_cal_predict(v, i, 5, &pred, &err),
			                 CS_OK);
			ck_assert_int_eq(cs_cal_point_pi(v, i, &u, draws, nd, &pred,
			                                 lo, hi, &err), CS_OK);
			if (plain)
				ck_assert_int_eq(cs_cal_point_pi(v, i, &u, plain, nd,
				                 &pred, lo0, hi0, &err), CS_OK);
			for (k = 0; k < 4; k++) {
				double y = cs_cal_measured(&hset.points[i], ms[k]);

				ck_assert(!isnan(y) && !isnan(lo[ms[k]]));
				all[k]++;
				if (plain && y >= lo0[ms[k]] && y <= hi0[ms[k]])
					nospeed_in[k]++;
				if (y >= lo[ms[k]] && y <= hi[ms[k]]) {
					in[k]++;
				} else if (getenv("CS_TEST_VERBOSE")) {
					printf("  miss: system %u (%.1f ms) %g users "
					       "%s %.4g not in [%.4g, %.4g], "
					       "predicted %.4g; fitted %.2f ms\n",
					       sys, d * 1e3, held_users[i],
					       cs_cal_metric_name(ms[k]), y,
					       lo[ms[k]], hi[ms[k]],
					       pred.mean[ms[k]],
					       u.params[0].value * 1e3);
				}
			}
		}
		free(draws);
		free(plain);
		cs_cal_free(v);
		cs_imp_set_destroy(&hset);
		cs_cal_unc_free(&u);
	}
	for (k = 0; k < 4; k++) {
		printf("  %-10s %zu/%zu inside the 90%% interval", 
		       cs_cal_metric_name(ms[k]), in[k], all[k]);
		if (nospeed_in)
			printf(" (without the speed noise %zu)", nospeed_in[k]);
		putchar('\n');
	}
	unlink(pm);
	unlink(pd);
	unlink(pc);
	unlink(ph);
	rmdir(dir);
	gsl_rng_free(rng);
}

static size_t
sum4(const size_t *v)
{
	return v[0] + v[1] + v[2] + v[3];
}

START_TEST(predict_intervals_cover_at_their_rate)
{
	size_t in[4], all[4];

	coverage(0, 2, in, all, NULL);
	printf("  all        %zu/%zu = %.1f%%\n", sum4(in), sum4(all),
	       100.0 * (double)sum4(in) / (double)sum4(all));
	/* 240 values, correlated within a system: 85-95% is the band the
	 * calibration issue set for a 90% interval */
	ck_assert_msg(sum4(in) >= 0.85 * sum4(all) &&
	              sum4(in) <= 0.95 * sum4(all),
	              "%zu of %zu held-out values inside the 90%% interval",
	              sum4(in), sum4(all));
}
END_TEST

/*
 * Runs whose machines differ in speed: the speed noise the calibration
 * finds in the light runs' CPU per request carries to the held-out runs.
 * Their throughput and latency past the knee move with the speed, which
 * the flat floor (0 here) does not carry: without the speed noise the
 * intervals hold fewer of them.
 */
START_TEST(predict_intervals_carry_the_speed)
{
	size_t in[4], all[4], none[4];

	coverage(0.07, 4, in, all, none);
	printf("  all        %zu/%zu = %.1f%% (without the speed noise "
	       "%.1f%%)\n", sum4(in), sum4(all),
	       100.0 * (double)sum4(in) / (double)sum4(all),
	       100.0 * (double)sum4(none) / (double)sum4(all));
	ck_assert_msg(sum4(in) >= 0.85 * sum4(all) &&
	              sum4(in) <= 0.95 * sum4(all),
	              "%zu of %zu held-out values inside the 90%% interval",
	              sum4(in), sum4(all));
	/* the throughput, 60 values: at least 85% */
	ck_assert_msg(in[0] >= 0.85 * all[0], "throughput %zu of %zu", in[0],
	              all[0]);
	/* and the speed noise holds more of the 240 values than the same
	 * intervals without it (the throughput's 60 alone are too few to
	 * show it every time: 54 and 54 with one draw of the systems, while
	 * p50 went 45 -> 51 and p95 47 -> 53) */
	ck_assert_msg(sum4(none) < sum4(in), "the speed noise added nothing: "
	              "%zu of %zu either way", sum4(in), sum4(all));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("predict");
	TCase *tc = tcase_create("coverage");
	SRunner *sr;
	int failed;

	gsl_set_error_handler_off();
	tcase_set_timeout(tc, 3000);
	tcase_add_test(tc, predict_intervals_cover_at_their_rate);
	tcase_add_test(tc, predict_intervals_carry_the_speed);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
