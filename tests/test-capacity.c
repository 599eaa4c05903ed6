/*
 * SLO parsing and the capacity search, checked against an M/M/c queue
 * whose answer is known from the Erlang C response-time distribution.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sweep/capacity.h"
#include "sweep/slo.h"
#include "sweep/sweep.h"
#include "analytic.h"
#include "harness.h"

START_TEST(slo_parses_terms)
{
	cs_slo s;
	cs_error e;

	ck_assert_int_eq(cs_slo_parse("p95<400ms, error_rate<1%,throughput>100",
	                              &s, &e), CS_OK);
	ck_assert_uint_eq(s.n, 3);
	ck_assert_str_eq(s.t[0].metric, "overall.latency_ms.p95");
	ck_assert(s.t[0].less);
	ck_assert_double_eq_tol(s.t[0].limit, 400, 1e-12);
	ck_assert_str_eq(s.t[1].metric, "overall.error_rate");
	ck_assert_double_eq_tol(s.t[1].limit, 0.01, 1e-12);
	ck_assert_str_eq(s.t[2].metric, "overall.throughput_rps");
	ck_assert(!s.t[2].less);
	ck_assert_int_eq(cs_slo_parse("p99<1.5s", &s, &e), CS_OK);
	ck_assert_double_eq_tol(s.t[0].limit, 1500, 1e-9);
	ck_assert_int_eq(cs_slo_parse("resources.db_pool.utilization<0.8", &s, &e),
	                 CS_OK);
	ck_assert_str_eq(s.t[0].metric, "resources.db_pool.utilization");
}
END_TEST

START_TEST(slo_rejects_bad_terms)
{
	cs_slo s;
	cs_error e;

	ck_assert_int_eq(cs_slo_parse("p95<400", &s, &e), CS_ERR_USAGE);
	ck_assert_ptr_nonnull(strstr(e.msg, "needs a unit"));
	ck_assert_int_eq(cs_slo_parse("p97<400ms", &s, &e), CS_ERR_USAGE);
	ck_assert_ptr_nonnull(strstr(e.msg, "unknown metric"));
	ck_assert_int_eq(cs_slo_parse("p95=400ms", &s, &e), CS_ERR_USAGE);
	ck_assert_int_eq(cs_slo_parse("error_rate<1 percent", &s, &e), CS_ERR_USAGE);
	ck_assert_int_eq(cs_slo_parse("", &s, &e), CS_ERR_USAGE);
	ck_assert_int_eq(cs_slo_parse("p95<abcms", &s, &e), CS_ERR_USAGE);
}
END_TEST

/* p95 of the M/M/c response time by bisection on the tail. */
static double
mmc_p95(unsigned c, double lambda, double mu)
{
	double lo = 0, hi = 100;
	int i;

	for (i = 0; i < 200; i++) {
		double mid = (lo + hi) / 2;

		if (cs_an_mmc_resp_tail(c, lambda, mu, mid) > 0.05)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

START_TEST(capacity_finds_mmc_servers)
{
	/* lambda 9/s, mean service 1 s: p95 falls with c; put the SLO limit
	 * halfway (in log) between c*-1 and c* so the answer is clear-cut */
	const unsigned want = 11;
	double a = mmc_p95(want - 1, 9, 1), b = mmc_p95(want, 9, 1);
	double limit = sqrt(a * b) * 1e3;
	char slo_text[64], path[] = "/tmp/capsim-cap-XXXXXX";
	const char *yaml =
		"run: {duration: 4000s, warmup: 400s, replications: 4, seed: 3}\n"
		"load: {arrival_rate: 9/s, client_timeout: none}\n"
		"app: {instances: 1, workers: 10, cores: 64, backlog: 100000000}\n"
		"endpoints:\n"
		"  - steps: [{delay: {dist: exponential, mean: 1s}}]\n";
	cs_slo slo;
	cs_error e;
	cs_cap_answer ans;
	cs_run_opts ro = { 0 };
	int fd = mkstemp(path);
	FILE *f;

	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	fputs(yaml, f);
	fclose(f);
	printf("M/M/c: p95 with %u servers %.3f s, with %u %.3f s; limit %.0f ms\n",
	       want - 1, a, want, b, limit);
	snprintf(slo_text, sizeof slo_text, "p95<%.0fms", limit);
	ck_assert_int_eq(cs_slo_parse(slo_text, &slo, &e), CS_OK);
	ck_assert_int_eq(cs_cap_search(path, NULL, 0, "app.workers", 10, 40,
	                               &slo, &ro, &ans, &e), CS_OK);
	printf("capacity: smallest app.workers = %g [%g, %g], %zu runs\n",
	       ans.value, ans.value_opt, ans.value_pess, ans.nevals);
	ck_assert(ans.found);
	ck_assert(!ans.largest);
	ck_assert(ans.integer);
	ck_assert_double_eq(ans.value, want);
	ck_assert(ans.value_opt <= ans.value && ans.value <= ans.value_pess);
	free(ans.evals);
	unlink(path);
}
END_TEST

START_TEST(capacity_largest_load_and_unreachable)
{
	char path[] = "/tmp/capsim-cap-XXXXXX";
	const char *yaml =
		"run: {duration: 2000s, warmup: 200s, replications: 3, seed: 3}\n"
		"load: {arrival_rate: 1/s, client_timeout: none}\n"
		"app: {instances: 1, workers: 1, cores: 1, backlog: 100000000}\n"
		"endpoints:\n"
		"  - steps: [{delay: {dist: exponential, mean: 100ms}}]\n";
	cs_slo slo;
	cs_error e;
	cs_cap_answer ans;
	cs_run_opts ro = { 0 };
	int fd = mkstemp(path);
	FILE *f;

	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	fputs(yaml, f);
	fclose(f);
	/* M/M/1 with mu 10/s: mean response 1/(10 - lambda) < 250 ms holds up
	 * to lambda = 6/s */
	ck_assert_int_eq(cs_slo_parse("mean<250ms", &slo, &e), CS_OK);
	ck_assert_int_eq(cs_cap_search(path, NULL, 0, "load.arrival_rate", 1, 9.5,
	                               &slo, &ro, &ans, &e), CS_OK);
	printf("capacity: largest arrival rate = %g (analytic 6)\n", ans.value);
	ck_assert(ans.found && ans.largest && !ans.integer);
	ck_assert_double_eq_tol(ans.value, 6, 0.3);
	free(ans.evals);
	/* an SLO no value meets */
	ck_assert_int_eq(cs_slo_parse("mean<50ms", &slo, &e), CS_OK);
	ck_assert_int_eq(cs_cap_search(path, NULL, 0, "load.arrival_rate", 1, 9,
	                               &slo, &ro, &ans, &e), CS_OK);
	ck_assert(!ans.found);
	free(ans.evals);
	unlink(path);
}
END_TEST

/* Found by fuzzing (tests/fuzz/regress/vary/): the canonical spec was built
 * with strcat, rescanning it for every value, so a 100000-value range --
 * within the limits -- took seconds (quadratic) before the sweep began. */
START_TEST(sweep_long_range_is_linear)
{
	const char *spec[] = { "load.users=1:100000:1", "db.pool.size=5,10" };
	cs_sweep *sw = NULL;
	cs_error e;
	clock_t t0 = clock();
	const char *text;
	double cpu;

	ck_assert_int_eq(cs_sweep_new(spec, 2, &sw, &e), CS_OK);
	cpu = (double)(clock() - t0) / CLOCKS_PER_SEC;
	ck_assert_uint_eq(cs_sweep_npoints(sw), 200000);
	ck_assert_uint_eq(cs_sweep_nvalues(sw, 0), 100000);
	ck_assert_str_eq(cs_sweep_value(sw, 2 * 99999 + 1, 0), "100000");
	ck_assert_str_eq(cs_sweep_value(sw, 2 * 99999 + 1, 1), "10");
	text = cs_sweep_spec(sw);
	ck_assert(!strncmp(text, "load.users=1,2,3,", 17));
	ck_assert(strstr(text, ",99999,100000;db.pool.size=5,10") != NULL);
	ck_assert_uint_eq(strlen(text), strlen("load.users=;db.pool.size=5,10") +
	                  488895 + 99999);
	/* linear: milliseconds; the quadratic build took over 5 s */
	ck_assert_msg(cpu < 2.0, "parsing took %.2f s of CPU", cpu);
	cs_sweep_free(sw);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("capacity");
	TCase *tc = tcase_create("capacity");
	SRunner *sr;
	int nf;

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, slo_parses_terms);
	tcase_add_test(tc, slo_rejects_bad_terms);
	tcase_add_test(tc, sweep_long_range_is_linear);
	tcase_add_test(tc, capacity_finds_mmc_servers);
	tcase_add_test(tc, capacity_largest_load_and_unreachable);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
