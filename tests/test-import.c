/*
 * Tests for calibration/import: the readers of Locust, k6 and JMeter output
 * and of the measurements file, against real files from public repositories
 * (tests/data/import/, see its README) and against malformed input.
 *
 * Expected numbers come from the files themselves: the tools' own totals
 * rows where there are some, else counts and exact nearest-rank percentiles
 * computed independently from the raw rows.  Percentiles computed by capsim
 * from raw samples go through a log-bucket histogram whose bucket midpoints
 * are within 0.8% of any value in the bucket: they are checked against the
 * exact values with a 1% relative tolerance, the histogram's stated bound.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "calibration/import-private.h"
#include "harness.h"


/* |got - want| <= 1% of want: the histogram's error bound. */
#define ck_assert_pct1(got, want) \
	ck_assert_msg(fabs((got) - (double)(want)) <= \
	              0.01 * fabs((double)(want)), \
	              "%s = %.6g, expected %.6g within 1%%", #got, \
	              (double)(got), (double)(want))

/* ---- helpers ------------------------------------------------------------- */

static char data_dir[1024];
static char tmp_dir[256];

/* tests/data/import, wherever the test runs from. */
static void
find_data(void)
{
	const char *env = getenv("CS_TEST_DATA");
	char cand[6][512];
	size_t i, n = 0;
	const char *slash = strrchr(__FILE__, '/');

	if (env)
		snprintf(cand[n++], sizeof cand[0], "%s/import", env);
	if (slash)
		snprintf(cand[n++], sizeof cand[0], "%.*s/data/import",
		         (int)(slash - __FILE__), __FILE__);
	snprintf(cand[n++], sizeof cand[0], "tests/data/import");
	snprintf(cand[n++], sizeof cand[0], "../tests/data/import");
	snprintf(cand[n++], sizeof cand[0], "../../tests/data/import");
	snprintf(cand[n++], sizeof cand[0], "data/import");
	for (i = 0; i < n; i++) {
		char probe[600];

		snprintf(probe, sizeof probe, "%.511s/jiangbm__XFJ__example_stats.csv",
		         cand[i]);
		if (access(probe, R_OK) == 0) {
			snprintf(data_dir, sizeof data_dir, "%.511s", cand[i]);
			return;
		}
	}
	fprintf(stderr, "test-import: cannot find tests/data/import\n");
	exit(1);
}

static const char *
fixture(const char *name)
{
	static char buf[4][1400];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", data_dir, name);
	return buf[k];
}

/* Read one file that must import; the set holds its points. */
static const cs_imp_point *
read_ok(cs_imp_set *set, const char *path, cs_imp_type type, int siblings)
{
	cs_imp_opts o = { type, !siblings };
	cs_error e;
	cs_status st;

	memset(&e, 0, sizeof e);
	cs_imp_set_init(set);
	st = cs_imp_read(path, &o, set, &e);
	ck_assert_msg(st == CS_OK, "%s:%d:%d: %s", e.file, e.line, e.col,
	              e.msg);
	ck_assert_uint_ge(set->n, 1);
	return &set->points[0];
}

static bool
has_note(const cs_imp_point *p, const char *needle)
{
	size_t i;

	for (i = 0; i < p->nnotes; i++)
		if (strstr(p->notes[i], needle))
			return true;
	return false;
}

#define ck_assert_note(p, needle) \
	ck_assert_msg(has_note((p), (needle)), "no note with \"%s\"", (needle))

static double
cause(const cs_imp_point *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->ncauses; i++)
		if (strcmp(p->causes[i].name, name) == 0)
			return p->causes[i].count;
	return NAN;
}

static const cs_imp_endpoint *
endpoint(const cs_imp_point *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->nendpoints; i++)
		if (strcmp(p->endpoints[i].name, name) == 0)
			return &p->endpoints[i];
	ck_abort_msg("no endpoint \"%s\"", name);
	return NULL;
}

/* Write a scratch file named name with len bytes of text. */
static const char *
scratch(const char *name, const char *text, size_t len)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", tmp_dir, name);
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

/*
 * Import text (as a file called name) that must fail with status, a
 * message containing needle and, when line > 0, that line.  Nothing may
 * be left in the set.
 */
static void
bad_n(const char *name, const char *text, size_t len, cs_imp_type type,
      cs_status status, const char *needle, int line)
{
	cs_imp_opts o = { type, 1 };
	const char *path = scratch(name, text, len);
	cs_imp_set set;
	cs_error e;
	cs_status st;

	memset(&e, 0, sizeof e);
	cs_imp_set_init(&set);
	st = cs_imp_read(path, &o, &set, &e);
	ck_assert_msg(st == status, "%s: status %d (%s), expected %d; "
	              "message: %s", name, st, cs_status_str(st), status, e.msg);
	ck_assert_uint_eq(set.n, 0);
	ck_assert_has(e.msg, needle);
	ck_assert_str_eq(e.file, path);
	if (line > 0)
		ck_assert_int_eq(e.line, line);
	cs_imp_set_destroy(&set);
	unlink(path);
}

static void
bad(const char *name, const char *text, cs_imp_type type, cs_status status,
    const char *needle, int line)
{
	bad_n(name, text, strlen(text), type, status, needle, line);
}

/* ---- Locust -------------------------------------------------------------- */

#define EREN "erenyildiz23__ConnectFourPro__test_results__load_tests__" \
             "locust_reports__locust_"
#define ONS "ONSdigital__eq-author-benchmarks__doc__performance-" \
            "investigations__0003-session-performance__baseline_performance"

START_TEST(import_locust_reads_aggregated_row)
{
	cs_imp_set set;
	const cs_imp_point *p = read_ok(&set, fixture(EREN "50users_stats.csv"),
	                                CS_IMP_AUTO, 0);
	const cs_imp_endpoint *e;

	ck_assert_str_eq(p->tool, "locust");
	ck_assert_str_eq(p->format, "locust-stats");
	/* the ",Aggregated,96,0,13,..." row */
	ck_assert_double_eq(p->requests, 96);
	ck_assert_double_eq(p->failures, 0);
	ck_assert_double_eq(p->error_rate, 0);
	ck_assert_double_eq_tol(p->throughput, 24.939013028634456, 1e-9);
	ck_assert_double_eq_tol(p->duration, 96 / 24.939013028634456, 1e-9);
	ck_assert_double_eq(p->latency.p50, 14);
	ck_assert_double_eq(p->latency.p90, 29);
	ck_assert_double_eq(p->latency.p95, 30);
	ck_assert_double_eq(p->latency.p99, 69);
	ck_assert_double_eq_tol(p->latency.max, 68.56308100032038, 1e-9);
	ck_assert_double_eq_tol(p->latency.mean, 13.601565229147164, 1e-9);
	/* no siblings: the file name is the only hint of the users */
	ck_assert_double_eq(p->users, 50);
	ck_assert_note(p, "taken from the file name");
	ck_assert_uint_eq(p->nendpoints, 4);
	e = endpoint(p, "GET /leaderboard");
	ck_assert_double_eq(e->requests, 44);
	ck_assert_double_eq(e->latency.p95, 16);
	ck_assert_double_eq(e->latency.p99, 23);
	ck_assert_double_eq_tol(e->throughput, 11.430380971457458, 1e-9);
	cs_imp_set_destroy(&set);
}
END_TEST

START_TEST(import_locust_history_gives_users)
{
	cs_imp_set set;
	const cs_imp_point *p = read_ok(&set, fixture(EREN "50users_stats.csv"),
	                                CS_IMP_AUTO, 1);

	/* the history's User Count reached 20, the file name says 50 */
	ck_assert_uint_eq(p->nsources, 2);
	ck_assert_double_eq(p->users, 20);
	ck_assert_note(p, "the file name says 50 users, but the run reached "
	                  "only 20");
	cs_imp_set_destroy(&set);
}
END_TEST

START_TEST(import_locust_merges_failures_file)
{
	cs_imp_set set;
	const cs_imp_point *p = read_ok(&set, fixture(EREN "200users_stats.csv"),
	                                CS_IMP_AUTO, 1);
	const cs_imp_endpoint *e;

	ck_assert_uint_eq(p->nsources, 3);
	ck_assert_double_eq(p->requests, 142);
	ck_assert_double_eq(p->failures, 45);
	ck_assert_double_eq_tol(p->error_rate, 45.0 / 142, 1e-12);
	/* the history holds only its t=0 row: users from the name */
	ck_assert_double_eq(p->users, 200);
	ck_assert_note(p, "User Count never rises above 0");
	/* HTTPError('409 Client Error: ...') x16, ('401 ...') x29 */
	ck_assert_uint_eq(p->ncauses, 2);
	ck_assert_double_eq(cause(p, "other: HTTP 401"), 29);
	ck_assert_double_eq(cause(p, "other: HTTP 409"), 16);
	e = endpoint(p, "POST /login");
	ck_assert_double_eq(e->failures, 29);
	ck_assert_double_eq_tol(e->error_rate, 29.0 / 44, 1e-12);
	cs_imp_set_destroy(&set);
}
END_TEST

START_TEST(import_locust_old_quoted_format)
{
	cs_imp_set set;
	const cs_imp_point *p = read_ok(&set, fixture(ONS "_stats.csv"),
	                                CS_IMP_LOCUST, 1);

	/* 0.13: "# requests", "Median response time", "99.999" without % */
	ck_assert_double_eq(p->requests, 5488);
	ck_assert_double_eq(p->failures, 288);
	ck_assert_double_eq(p->throughput, 3.05);
	ck_assert_double_eq(p->latency.p50, 180);
	ck_assert_double_eq(p->latency.p90, 610);
	ck_assert_double_eq(p->latency.p95, 780);
	ck_assert_double_eq(p->latency.p99, 1300);
	ck_assert_double_eq(p->latency.max, 5208);
	ck_assert_uint_eq(p->nendpoints, 17);
	ck_assert_double_eq(endpoint(p, "GET /questionnaire/visitor/add-"
	                             "visitor/?previous=any-visitors")->failures,
	                    288);
	/* the history has no User Count: users stay unknown */
	ck_assert(isnan(p->users));
	ck_assert_uint_eq(p->nsources, 2);
	cs_imp_set_destroy(&set);
}
END_TEST

START_TEST(import_locust_history_alone)
{
	cs_imp_set set;
	const cs_imp_point *p = read_ok(&set, fixture(ONS "_stats_history.csv"),
	                                CS_IMP_AUTO, 1);
	const char *names[16];
	size_t n;

	ck_assert_str_eq(p->format, "locust-history");
	ck_assert_double_eq(p->requests, 5488);
	ck_assert_double_eq(p->failures, 288);
	ck_assert_double_eq(p->latency.p50, 180);
	/* 1585746850 .. 1585748650 */
	ck_assert_double_eq(p->duration, 1800);
	/* the history's percentiles are a moving window: not the run's */
	ck_assert(isnan(p->latency.p95));
	n = cs_imp_point_unknown(p, names, 16);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(names[0], "users");
	ck_assert_str_eq(names[3], "latency_ms.p99");
	cs_imp_set_destroy(&set);
}
END_TEST

START_TEST(import_locust_gbk_name_and_cr_cr_lf)
{
	cs_imp_set set;
	const cs_imp_point *p =
		read_ok(&set, fixture("zhajiangmian2342__20200823__locust_stats."
		                      "csv"), CS_IMP_AUTO, 1);
	char shown[64];

	/* lines end in CR CR LF; the label is GBK, kept byte for byte */
	ck_assert_double_eq(p->requests, 15);
	ck_assert_double_eq(p->latency.p95, 88);
	ck_assert_uint_eq(p->nendpoints, 1);
	ck_assert_str_eq(p->endpoints[0].name, "GET get\xBD\xD3\xBF\xDA");
	ck_assert(!cs_imp_utf8_valid(p->endpoints[0].name));
	ck_assert_str_eq(cs_imp_printable(p->endpoints[0].name, shown,
	                                  sizeof shown),
	                 "GET get\\xBD\\xD3\\xBF\\xDA");
	cs_imp_set_destroy(&set);
}
END_TEST

START_TEST(import_locust_gbk_failures_by_cause)
{
	cs_imp_set set;
	const cs_imp_point *p =
		read_ok(&set, fixture("jiangbm__XFJ__example_stats.csv"),
		        CS_IMP_AUTO, 1);

	/* "None","Aggregated",84115,1681,... */
	ck_assert_double_eq(p->requests, 84115);
	ck_assert_double_eq(p->failures, 1681);
	ck_assert_double_eq(p->latency.p95, 1100);
	ck_assert_double_eq(p->latency.p99, 30000);
	ck_assert_double_eq(p->latency.max, 91321);
	ck_assert_uint_eq(p->nendpoints, 11);
	/* the (truncated) history reaches 200 users */
	ck_assert_double_eq(p->users, 200);
	/* 404 Client Error, 502/504 Server Error, ConnectionResetError */
	ck_assert_uint_eq(p->ncauses, 3);
	ck_assert_double_eq(cause(p, "other: HTTP 404"), 789);
	ck_assert_double_eq(cause(p, "server_error"), 561);
	ck_assert_double_eq(cause(p, "connection_error"), 331);
	ck_assert_double_eq(789 + 561 + 331, 1681);
	cs_imp_set_destroy(&set);
}
END_TEST

START_TEST(import_locust_old_requests_with_distribution)
{
	cs_imp_set set;
	const cs_imp_point *p =
		read_ok(&set, fixture("jmath1__ChatOps-LocustIO__example_"
		                      "requests.csv"), CS_IMP_AUTO, 1);

	ck_assert_str_eq(p->format, "locust-requests");
	ck_assert_double_eq(p->requests, 635);
	ck_assert_double_eq(p->failures, 1);
	ck_assert_double_eq(p->throughput, 10.60);
	/* percentiles from the _distribution.csv sibling's "Total" row */
	ck_assert_double_eq(p->latency.p95, 6);
	ck_assert_double_eq(p->latency.p99, 10);
	ck_assert_double_eq(endpoint(p, "GET /third-task")->latency.p99, 12);
	cs_imp_set_destroy(&set);
}
END_TEST

START_TEST(import_read_files_merges_listed_siblings)
{
	const char *paths[3];
	cs_imp_set set;
	cs_error e;

	paths[0] = fixture(EREN "200users_stats_history.csv");
	paths[1] = fixture(EREN "200users_stats.csv");
	paths[2] = fixture(EREN "200users_failures.csv");
	memset(&e, 0, sizeof e);
	cs_imp_set_init(&set);
	ck_assert_int_eq(cs_imp_read_files(paths, 3, NULL, &set, &e), CS_OK);
	/* one point, not three */
	ck_assert_uint_eq(set.n, 1);
	ck_assert_uint_eq(set.points[0].nsources, 3);
	ck_assert_double_eq(set.points[0].failures, 45);
	cs_imp_set_destroy(&set);
}
END_TEST

/* ---- k6 ------------------------------------------------------------------ */

START_TEST(import_k6_summary_export)
{
	cs_imp_set set;
	const cs_imp_point *p =
		read_ok(&set, fixture("itzaddddd__ticket-reserve__summary-export."
		                      "json"), CS_IMP_AUTO, 1);

	ck_assert_str_eq(p->format, "k6-summary-export");
	ck_assert_double_eq(p->requests, 100);
	ck_assert_double_eq_tol(p->throughput, 23.738350582489275, 1e-12);
	ck_assert_double_eq(p->failures, 1);     /* http_req_failed passes */
	ck_assert_double_eq(p->error_rate, 0.01);
	ck_assert_double_eq_tol(p->latency.p95, 4101.811365, 1e-9);
	ck_assert_double_eq_tol(p->latency.p90, 4030.33387, 1e-9);
	ck_assert_double_eq_tol(p->latency.p50, 3390.69845, 1e-9);
	ck_assert_double_eq_tol(p->latency.max, 4180.7135, 1e-9);
	ck_assert(isnan(p->latency.p99));        /* not in summaryTrendStats */
	ck_assert_double_eq(p->users, 100);      /* vus_max */
	ck_assert_double_eq_tol(p->duration, 100 / 23.738350582489275, 1e-9);
	ck_assert_note(p, "checks: 99 passed, 1 failed");
	cs_imp_set_destroy(&set);
}
END_TEST

START_TEST(import_k6_summary_export_thresholds_are_inverted)
{
	cs_imp_set set;
	const cs_imp_point *p =
		read_ok(&set, fixture("Sweet-Poision__rate-limiter__results__"
		                      "heavy__summary.json"), CS_IMP_K6, 1);

	ck_assert_double_eq(p->requests, 752192);
	ck_assert_double_eq(p->failures, 171890);
	ck_assert_double_eq_tol(p->error_rate, 0.22851878243852633, 1e-12);
	ck_assert_double_eq_tol(p->latency.p95, 165.28824989999978, 1e-9);
	ck_assert_double_eq(p->users, 3083);
	/* "p(95)<50": true with p(95) = 165: true means failed (k6 #1498) */
	ck_assert_note(p, "threshold http_req_duration 'p(95)<50': failed");
	ck_assert_note(p, "188 dropped iterations");
	cs_imp_set_destroy(&set);
}
END_TEST

START_TEST(import_k6_handlesummary_custom_trend_stats)
{
	cs_imp_set set;
	const cs_imp_point *p =
		read_ok(&set, fixture("MiguelFerreira18__Comparing_JSON_and_"
		                      "ProtoBuf_in_HTTP-based-_REST_architectures__"
		                      "Gateway__k6_json__json_get_user_id__reports__"
		                      "json_get_user_id_gateway__1000__report_1__"
		                      "summary.json"), CS_IMP_AUTO, 1);

	ck_assert_str_eq(p->format, "k6-handlesummary");
	ck_assert_double_eq(p->requests, 1000);
	ck_assert_double_eq(p->failures, 0);
	ck_assert_double_eq_tol(p->latency.p99, 54.957348749999994, 1e-12);
	ck_assert_double_eq_tol(p->latency.p95, 7.514513799999983, 1e-12);
	ck_assert_double_eq_tol(p->latency.p50, 3.1879185, 1e-12);
	ck_assert_double_eq_tol(p->duration, 5.275886185, 1e-9);
	ck_assert_double_eq(p->users, 1);
	cs_imp_set_destroy(&set);
}
END_TEST

START_TEST(import_k6_handlesummary_threshold_ok_objects)
{
	cs_imp_set set;
	const cs_imp_point *p =
		read_ok(&set, fixture("grafana__k6-example-circleci-orb__summary."
		                      "json"), CS_IMP_AUTO, 1);

	ck_assert_double_eq(p->requests, 20);
	ck_assert_double_eq(p->users, 5);
	ck_assert_double_eq(p->error_rate, 0);
	ck_assert_double_eq_tol(p->latency.p95, 265.1961, 1e-9);
	ck_assert_double_eq_tol(p->duration, 8.301648, 1e-9);
	ck_assert_note(p, "threshold http_req_failed 'rate<0.01': passed");
	cs_imp_set_destroy(&set);
}
END_TEST

START_TEST(import_k6_ndjson_agrees_with_summary)
{
	cs_imp_set set;
	const cs_imp_point *p =
		read_ok(&set, fixture("itzaddddd__ticket-reserve__output.json"),
		        CS_IMP_AUTO, 1);

	ck_assert_str_eq(p->format, "k6-ndjson");
	/* the same run as the summary-export above */
	ck_assert_double_eq(p->requests, 100);
	ck_assert_double_eq(p->failures, 1);
	ck_assert_double_eq(cause(p, "server_error"), 1);   /* status 500 */
	ck_assert_double_eq(p->users, 100);
	/* exact nearest-rank values of the 100 http_req_duration points */
	ck_assert_pct1(p->latency.p50, 3382.21);
	ck_assert_pct1(p->latency.p90, 4029.64);
	ck_assert_pct1(p->latency.p95, 4100.84);
	ck_assert_pct1(p->latency.p99, 4150.76);
	ck_assert_double_eq_tol(p->latency.max, 4180.7135, 1e-9);
	ck_assert_double_eq_tol(p->latency.mean, 3264.9925, 1e-3);
	/* and the summary's interpolated p(95), 4101.81 */
	ck_assert_pct1(p->latency.p95, 4101.811365);
	ck_assert_uint_eq(p->nendpoints, 1);
	ck_assert_str_eq(p->endpoints[0].name,
	                 "http://localhost:8080/event/reserve");
	cs_imp_set_destroy(&set);
}
END_TEST

START_TEST(import_k6_csv_output)
{
	cs_imp_set set;
	const cs_imp_point *p =
		read_ok(&set, fixture("MiguelFerreira18__Comparing_JSON_and_"
		                      "ProtoBuf_in_HTTP-based-_REST_architectures__"
		                      "Gateway__k6_json__json_get_user_id__reports__"
		                      "json_get_user_id_gateway__1000__report_1__"
		                      "data.csv"), CS_IMP_AUTO, 1);

	/* the first 2,551 lines: 150 requests */
	ck_assert_str_eq(p->format, "k6-csv");
	ck_assert_double_eq(p->requests, 150);
	ck_assert_double_eq(p->failures, 0);
	ck_assert_pct1(p->latency.p50, 3.90692);
	ck_assert_pct1(p->latency.p95, 54.9504);
	ck_assert_pct1(p->latency.p99, 57.3488);
	ck_assert_double_eq_tol(p->latency.max, 60.118592, 1e-9);
	ck_assert_double_eq(p->users, 1);
	ck_assert_note(p, "1 s resolution");
	cs_imp_set_destroy(&set);
}
END_TEST

/* ---- JMeter -------------------------------------------------------------- */

START_TEST(import_jtl_counts_samples_and_errors)
{
	cs_imp_set set;
	const cs_imp_point *p =
		read_ok(&set, fixture("Victoriia88__hillel_jmeter__results_100.jtl"),
		        CS_IMP_AUTO, 1);

	ck_assert_str_eq(p->format, "jtl-csv");
	ck_assert_double_eq(p->requests, 500);
	ck_assert_double_eq(p->failures, 31);
	ck_assert_double_eq(cause(p, "other: HTTP 404"), 31);
	ck_assert_double_eq(p->users, 72);           /* max allThreads */
	ck_assert_uint_eq(p->nendpoints, 5);
	ck_assert_double_eq(endpoint(p, "DeleteHero")->failures, 26);
	ck_assert_pct1(p->latency.p90, 21);
	ck_assert_pct1(p->latency.p95, 70);
	ck_assert_pct1(p->latency.p99, 75);
	ck_assert_double_eq(p->latency.max, 78);
	ck_assert_double_eq_tol(p->latency.mean, 9.798, 1e-9);
	cs_imp_set_destroy(&set);
}
END_TEST

START_TEST(import_jtl_socket_errors_by_cause)
{
	cs_imp_set set;
	const cs_imp_point *p =
		read_ok(&set, fixture("Victoriia88__hillel_jmeter__results_1000."
		                      "jtl"), CS_IMP_AUTO, 1);

	/* the first 1,500 samples */
	ck_assert_double_eq(p->requests, 1500);
	ck_assert_double_eq(p->failures, 561);
	/* "Broken pipe" SocketExceptions; URISyntaxException is other */
	ck_assert_double_eq(cause(p, "connection_error"), 372);
	ck_assert_double_eq(cause(p, "other: java.net.URISyntaxException"), 189);
	ck_assert_double_eq(p->users, 1000);
	ck_assert_pct1(p->latency.p95, 1526);
	cs_imp_set_destroy(&set);
}
END_TEST

START_TEST(import_jtl_skips_transaction_controller_rows)
{
	cs_imp_set set;
	const cs_imp_point *p =
		read_ok(&set, fixture("DEFRA__rod-catch-returns-performance-tests__"
		                      "result.jtl"), CS_IMP_AUTO, 1);

	/* 1,126 rows: 568 transaction rows (URL "null") + 558 samples */
	ck_assert_double_eq(p->requests, 558);
	ck_assert_note(p, "568 Transaction Controller samples skipped");
	ck_assert_double_eq(p->failures, 192);
	ck_assert_double_eq(cause(p, "other: assertion failed"), 192);
	ck_assert_double_eq(p->users, 3);
	ck_assert_uint_eq(p->nendpoints, 11);
	ck_assert_pct1(p->latency.p50, 1993);
	ck_assert_pct1(p->latency.p95, 8188);
	/* formatted time stamps: 12:37:24 .. 12:51:16 plus the last
	 * sample's elapsed time */
	ck_assert_double_eq_tol(p->duration, 858, 1);
	cs_imp_set_destroy(&set);
}
END_TEST

START_TEST(import_jtl_skips_sub_samples)
{
	cs_imp_set set;
	const cs_imp_point *p =
		read_ok(&set, fixture("Gwayaboy__mslearn-tailspin-spacegame-web-"
		                      "deploy__results.jtl"), CS_IMP_AUTO, 1);

	/* 300 rows: 100 "HTTP Request" + their "-0"/"-1" redirect parts */
	ck_assert_double_eq(p->requests, 100);
	ck_assert_note(p, "200 sub-samples");
	ck_assert_uint_eq(p->nendpoints, 1);
	ck_assert_pct1(p->latency.p50, 69);
	ck_assert_pct1(p->latency.p99, 512);
	ck_assert_double_eq(p->latency.max, 685);
	cs_imp_set_destroy(&set);
}
END_TEST

START_TEST(import_jtl_headerless_with_stray_rows)
{
	cs_imp_set set;
	const cs_imp_point *p =
		read_ok(&set, fixture("SUPERCOMPTEAM__SCT_Jmeter__jmetr_data__"
		                      "results.jtl"), CS_IMP_AUTO, 1);

	ck_assert_str_eq(p->format, "jtl-csv-headerless");
	ck_assert_double_eq(p->requests, 2000);
	ck_assert_double_eq(p->failures, 2);
	ck_assert_double_eq(p->users, 500);
	ck_assert_pct1(p->latency.p95, 7082);
	/* 3 rows from a run two months earlier must not stretch the
	 * duration to two months */
	ck_assert_note(p, "2 busy periods");
	ck_assert_double_lt(p->duration, 3600);
	cs_imp_set_destroy(&set);
}
END_TEST

START_TEST(import_jtl_zero_timestamps_and_no_url_column)
{
	cs_imp_set set;
	const cs_imp_point *p =
		read_ok(&set, fixture("chriswang92__Java__result.jtl"), CS_IMP_AUTO,
		        1);

	ck_assert_double_eq(p->requests, 118);
	ck_assert_double_eq(p->failures, 34);
	ck_assert_double_eq(cause(p, "other: HTTP 400"), 13);
	ck_assert_double_eq(cause(p, "other: assertion failed"), 15);
	ck_assert_double_eq(cause(p, "other: java.lang.Error"), 3);
	ck_assert_note(p, "3 samples have no time stamp");
	ck_assert_pct1(p->latency.p99, 3714);
	cs_imp_set_destroy(&set);
}
END_TEST

START_TEST(import_jtl_xml)
{
	cs_imp_set set;
	const cs_imp_point *p =
		read_ok(&set, fixture("nwillc__jmeter-out__sample__basic.xml"),
		        CS_IMP_AUTO, 1);

	ck_assert_str_eq(p->format, "jtl-xml");
	ck_assert_double_eq(p->requests, 304);
	ck_assert_double_eq(p->failures, 0);
	ck_assert_double_eq(p->users, 5);
	ck_assert_uint_eq(p->nendpoints, 8);
	ck_assert_double_eq(endpoint(p, "SYMBOL")->requests, 50);
	ck_assert_pct1(p->latency.p95, 1118);
	ck_assert_double_eq(p->latency.max, 43360);
	cs_imp_set_destroy(&set);
}
END_TEST

START_TEST(import_jtl_xml_nesting_and_entities)
{
	static const char xml[] =
		"<?xml version=\"1.0\"?>\n<testResults version=\"1.2\">\n"
		"<!-- a comment with <httpSample t=\"1\"/> inside -->\n"
		"<httpSample t=\"100\" ts=\"1000\" s=\"true\" lb=\"a &amp; b\" "
		"rc=\"200\" tn=\"g 1-1\" na=\"2\">\n"
		"  <httpSample t=\"40\" ts=\"1000\" s=\"true\" lb=\"a &amp; b-0\" "
		"rc=\"302\" tn=\"g 1-1\"/>\n"
		"  <responseData class=\"java.lang.String\">x &lt; y</responseData>\n"
		"</httpSample>\n"
		"<sample t=\"300\" ts=\"2000\" s=\"false\" lb=\"tx\" rc=\"200\" "
		"rm=\"Number of samples in transaction : 1, number of failing "
		"samples : 1\" tn=\"g 1-1\">\n"
		"  <httpSample t=\"300\" ts=\"2000\" s=\"false\" lb=\"c\" rc=\"503\" "
		"tn=\"g 1-1\" na=\"2\"/>\n"
		"</sample>\n"
		"<![CDATA[ <httpSample t=\"9\"/> ]]>\n"
		"</testResults>\n";
	const char *path = scratch("nest.xml", xml, sizeof xml - 1);
	cs_imp_set set;
	const cs_imp_point *p = read_ok(&set, path, CS_IMP_AUTO, 1);

	/* the parent "a & b" and the transaction's child "c" */
	ck_assert_double_eq(p->requests, 2);
	ck_assert_double_eq(p->failures, 1);
	ck_assert_double_eq(cause(p, "server_error"), 1);
	ck_assert_double_eq(endpoint(p, "a & b")->latency.max, 100);
	ck_assert_note(p, "1 Transaction Controller");
	ck_assert_note(p, "1 sub-samples");
	ck_assert_double_eq(p->users, 2);
	ck_assert_double_eq_tol(p->duration, 1.3, 1e-9);
	cs_imp_set_destroy(&set);
	unlink(path);
}
END_TEST

/* ---- measurements -------------------------------------------------------- */

/* calibration/measurements/, beside tests/data/import. */
static const char *
measurement(const char *name)
{
	static char buf[1400];

	snprintf(buf, sizeof buf, "%s/../../../calibration/measurements/%s",
	         data_dir, name);
	return buf;
}

START_TEST(import_measurements_seed_files)
{
	static const char *const files[] = {
		"seed-000-whatsapp-bot-node.yaml",
		"seed-001-fastapi-platform.yaml",
		"seed-002-whatsapp-saas.yaml",
		"seed-003-whatsapp-bot-gunicorn.yaml",
		"seed-004-bot-node-ollama.yaml",
	};
	static const size_t npoints[] = { 6, 7, 5, 3, 12 };
	size_t i;

	for (i = 0; i < 5; i++) {
		cs_imp_set set;

		read_ok(&set, measurement(files[i]), CS_IMP_AUTO, 1);
		ck_assert_msg(set.n == npoints[i], "%s: %zu points", files[i],
		              set.n);
		cs_imp_set_destroy(&set);
	}
}
END_TEST

/* The event loops' utilization, a ratio like the CPU's. */
START_TEST(import_measurements_event_loop)
{
	static const char text[] =
	    "points:\n"
	    "  - {name: a, users: 10, duration: 60s, throughput: 5,\n"
	    "     utilization: {app_cpu: 20%, event_loop: 41%}}\n"
	    "  - {name: b, users: 20, duration: 60s, throughput: 9,\n"
	    "     utilization: {event_loop: 0.5}}\n";
	cs_imp_set set;

	read_ok(&set, scratch("elu.yaml", text, sizeof text - 1), CS_IMP_AUTO,
	        1);
	ck_assert_double_eq_tol(set.points[0].util.event_loop, 0.41, 1e-12);
	ck_assert_double_eq_tol(set.points[1].util.event_loop, 0.5, 1e-12);
	cs_imp_set_destroy(&set);
	bad_n("elu-bad.yaml", "points:\n  - {name: a, users: 10, duration: "
	      "60s, throughput: 5, utilization: {event_loop: 140%}}\n",
	      strlen("points:\n  - {name: a, users: 10, duration: 60s, "
	      "throughput: 5, utilization: {event_loop: 140%}}\n"),
	      CS_IMP_AUTO, CS_ERR_INVALID, "140%", 2);
}
END_TEST

START_TEST(import_measurements_values_and_units)
{
	cs_imp_set set;
	const cs_imp_point *p;

	read_ok(&set, measurement("seed-002-whatsapp-saas.yaml"), CS_IMP_AUTO,
	        1);
	p = &set.points[0];
	ck_assert_str_eq(p->name, "baseline");
	ck_assert_str_eq(p->tool, "k6");
	ck_assert_double_eq(p->users, 100);
	ck_assert_double_eq(p->duration, 660);              /* 11m */
	ck_assert_double_eq(p->requests, 145234);
	ck_assert_double_eq(p->throughput, 242);
	ck_assert_double_eq_tol(p->latency.p95, 145, 1e-9); /* 145ms */
	ck_assert_double_eq_tol(p->error_rate, 0.003, 1e-12);
	ck_assert_double_eq(p->failures, 436);              /* derived */
	ck_assert_double_eq_tol(p->util.cache_hit_ratio, 0.873, 1e-12);
	ck_assert_double_eq(p->util.pool_in_use, 16.5);
	ck_assert(isnan(p->util.event_loop));               /* not given */
	ck_assert_uint_eq(p->nendpoints, 6);
	ck_assert_double_eq_tol(endpoint(p, "POST /webhook/whatsapp")->
	                        latency.p99, 168, 1e-9);
	p = &set.points[1];
	ck_assert_str_eq(p->name, "peak");
	ck_assert_double_eq(cause(p, "pool_timeout"), 1245);
	ck_assert_double_eq(cause(p, "connection_error"), 297);
	/* 2.1% of 168,423 is not 1,542: the report contradicts itself */
	ck_assert_note(p, "the errors by cause add up to 1542, but there are "
	                  "3537 failures");
	cs_imp_set_destroy(&set);
}
END_TEST

START_TEST(import_measurements_flag_inconsistency)
{
	cs_imp_set set;
	const cs_imp_point *p;

	read_ok(&set, measurement("seed-004-bot-node-ollama.yaml"), CS_IMP_AUTO,
	        1);
	p = &set.points[0];
	/* 10,000 requests in 15 min vs 20 messages/min */
	ck_assert_double_eq_tol(p->throughput, 20.0 / 60, 1e-12);
	ck_assert_note(p, "inconsistent: 10000 requests in 900 s");
	/* an open point: no users, and that is not "unknown" */
	p = &set.points[3];
	ck_assert_double_eq_tol(p->arrival_rate, 200.0 / 60, 1e-12);
	ck_assert(isnan(p->users));
	cs_imp_set_destroy(&set);
}
END_TEST

/* ---- detection, causes, CSV reader --------------------------------------- */

START_TEST(import_detects_every_fixture)
{
	static const struct { const char *file; cs_imp_type t; } cases[] = {
		{ EREN "50users_stats.csv", CS_IMP_LOCUST },
		{ EREN "200users_failures.csv", CS_IMP_LOCUST },
		{ ONS "_stats_history.csv", CS_IMP_LOCUST },
		{ "jmath1__ChatOps-LocustIO__example_distribution.csv",
		  CS_IMP_LOCUST },
		{ "itzaddddd__ticket-reserve__summary-export.json", CS_IMP_K6 },
		{ "grafana__k6-example-circleci-orb__summary.json", CS_IMP_K6 },
		{ "itzaddddd__ticket-reserve__output.json", CS_IMP_K6_NDJSON },
		{ "MiguelFerreira18__Comparing_JSON_and_ProtoBuf_in_HTTP-based-_"
		  "REST_architectures__Gateway__k6_json__json_get_user_id__"
		  "reports__json_get_user_id_gateway__1000__report_1__data.csv",
		  CS_IMP_K6_CSV },
		{ "DEFRA__rod-catch-returns-performance-tests__result.jtl",
		  CS_IMP_JMETER },
		{ "SUPERCOMPTEAM__SCT_Jmeter__jmetr_data__results.jtl",
		  CS_IMP_JMETER },
		{ "nwillc__jmeter-out__sample__basic.xml", CS_IMP_JMETER },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cs_imp_type t = CS_IMP_AUTO;
		cs_error e;

		memset(&e, 0, sizeof e);
		ck_assert_int_eq(cs_imp_detect(fixture(cases[i].file), &t, &e),
		                 CS_OK);
		ck_assert_msg(t == cases[i].t, "%s: %s", cases[i].file,
		              cs_imp_type_name(t));
	}
}
END_TEST

START_TEST(import_type_names_round_trip)
{
	cs_imp_type t;
	cs_error e;
	int i;

	for (i = CS_IMP_LOCUST; i <= CS_IMP_MEASUREMENTS; i++) {
		ck_assert_int_eq(cs_imp_type_parse(cs_imp_type_name(i), &t, &e),
		                 CS_OK);
		ck_assert_int_eq(t, i);
	}
	ck_assert_int_eq(cs_imp_type_parse("gatling", &t, &e), CS_ERR_USAGE);
	ck_assert_has(e.msg, "unknown type 'gatling'");
}
END_TEST

START_TEST(import_classifies_failure_causes)
{
	static const struct { int status; const char *text, *want; } c[] = {
		{ 429, "Too Many Requests", "rate_limited" },
		{ 0, "HTTPError('429 Client Error: Too Many Requests')",
		  "rate_limited" },
		{ 503, NULL, "server_error" },
		{ 0, "504 Server Error: Gateway Time-out for url: /x",
		  "server_error" },
		{ 0, "ReadTimeout(\"read timed out\")", "client_timeout" },
		{ 0, "Non HTTP response code: java.net.SocketTimeoutException",
		  "client_timeout" },
		{ 0, "ConnectionRefusedError(111, 'Connection refused')",
		  "connection_error" },
		{ 0, "RemoteDisconnected('Remote end closed connection without "
		     "response')", "connection_error" },
		{ 0, "('Connection aborted.', ConnectionResetError(10054, 'x'))",
		  "connection_error" },
		{ 404, "Not Found", "other: HTTP 404" },
		{ 0, "HTTPError('409 Client Error: CONFLICT for url: /signup')",
		  "other: HTTP 409" },
		{ 0, "CatchResponseError('bad body for url: /a')",
		  "other: CatchResponseError('bad body" },
		{ 0, "", "other: (no message)" },
		/* a body naming one of capsim's causes wins over the status */
		{ 0, "CatchResponseError('503 Server Error: pool_timeout')",
		  "pool_timeout" },
		{ 502, "rate_limited", "rate_limited" },
		{ 0, "upstream_timeout", "upstream_timeout" },
		/* the status comes first, whatever words follow it */
		{ 0, "CatchResponseError('503 db pool timeout')",
		  "server_error" },
		{ 0, "HTTP 502: upstream timed out", "server_error" },
		{ 0, "status code: 429", "rate_limited" },
		/* a number in a URL is not a status */
		{ 0, "ReadTimeout for url: /item/503", "client_timeout" },
	};
	char buf[128];
	size_t i;

	for (i = 0; i < sizeof c / sizeof c[0]; i++)
		ck_assert_str_eq(cs_imp_classify(c[i].status, c[i].text, buf,
		                                 sizeof buf), c[i].want);
}
END_TEST

START_TEST(import_csv_reader_rfc4180)
{
	static const char text[] =
		"\xEF\xBB\xBF" "Name,\"Request Count\", Quote \r\n"
		"\"a,b\",1,\"say \"\"hi\"\"\"\r\n"
		"\"two\nlines\",2,x\r\r\n"
		"\n"
		"plain,3,\r"
		"last,4,end";
	const char *path = scratch("rfc.csv", text, sizeof text - 1);
	cs_imp_csv *c;
	cs_error e;
	bool got;

	ck_assert_int_eq(cs_imp_csv_open(path, ',', &c, &e), CS_OK);
	ck_assert_int_eq(cs_imp_csv_header(c, &e), CS_OK);
	ck_assert_int_eq(cs_imp_csv_col(c, "name"), 0);
	ck_assert_int_eq(cs_imp_csv_col(c, "request count"), 1);
	ck_assert_int_eq(cs_imp_csv_col(c, "QUOTE"), 2);
	ck_assert_int_eq(cs_imp_csv_col(c, "missing"), -1);

	ck_assert_int_eq(cs_imp_csv_next(c, &got, &e), CS_OK);
	ck_assert(got);
	ck_assert_str_eq(cs_imp_csv_field(c, 0), "a,b");
	ck_assert_str_eq(cs_imp_csv_field(c, 2), "say \"hi\"");
	ck_assert_int_eq(cs_imp_csv_line(c), 2);

	ck_assert_int_eq(cs_imp_csv_next(c, &got, &e), CS_OK);
	ck_assert_str_eq(cs_imp_csv_field(c, 0), "two\nlines");
	ck_assert_str_eq(cs_imp_csv_field(c, 2), "x");
	ck_assert_int_eq(cs_imp_csv_line(c), 3);

	/* CR CR LF was one line end; the blank line is skipped */
	ck_assert_int_eq(cs_imp_csv_next(c, &got, &e), CS_OK);
	ck_assert_str_eq(cs_imp_csv_field(c, 0), "plain");
	ck_assert_str_eq(cs_imp_csv_field(c, 2), "");
	ck_assert_int_eq(cs_imp_csv_line(c), 6);
	ck_assert_int_eq(cs_imp_csv_row(c), 3);

	ck_assert_int_eq(cs_imp_csv_next(c, &got, &e), CS_OK);
	ck_assert_str_eq(cs_imp_csv_field(c, 0), "last");
	ck_assert_str_eq(cs_imp_csv_field(c, 2), "end");
	ck_assert_str_eq(cs_imp_csv_field(c, 7), "");
	ck_assert_int_eq(cs_imp_csv_line(c), 7);

	ck_assert_int_eq(cs_imp_csv_next(c, &got, &e), CS_OK);
	ck_assert(!got);
	cs_imp_csv_free(c);
	unlink(path);
}
END_TEST

START_TEST(import_parses_time_stamps)
{
	double t;

	ck_assert(cs_imp_parse_time("1601209013719", 1000, &t));
	ck_assert_double_eq_tol(t, 1601209013.719, 1e-6);
	ck_assert(cs_imp_parse_time("1749889289", 0, &t));
	ck_assert_double_eq(t, 1749889289);
	ck_assert(cs_imp_parse_time("2019/12/05 12:37:24", 0, &t));
	ck_assert_double_eq(t, 1575549444);
	/* the same instant in +07:00 */
	ck_assert(cs_imp_parse_time("2024-08-05T15:24:38.5+07:00", 0, &t));
	ck_assert_double_eq_tol(t, 1722846278.5, 1e-6);
	ck_assert(cs_imp_parse_time("2024-08-05T08:24:38.5Z", 0, &t));
	ck_assert_double_eq_tol(t, 1722846278.5, 1e-6);
	ck_assert(!cs_imp_parse_time("yesterday", 0, &t));
	ck_assert(!cs_imp_parse_time("2019/13/05 12:37:24", 0, &t));
	ck_assert(!cs_imp_parse_time("", 0, &t));
}
END_TEST

START_TEST(import_users_from_file_names)
{
	ck_assert_double_eq(cs_imp_users_from_name("a/locust_200users_stats.csv"),
	                    200);
	ck_assert_double_eq(cs_imp_users_from_name("k6-50vus.json"), 50);
	ck_assert_double_eq(cs_imp_users_from_name("run_100_threads.jtl"), 100);
	/* the ONS series: one client, and many */
	ck_assert_double_eq(cs_imp_users_from_name(
	    "investigation_1_client_stats.csv"), 1);
	ck_assert_double_eq(cs_imp_users_from_name(
	    "investigation_25_clients_stats.csv"), 25);
	ck_assert(isnan(cs_imp_users_from_name("results_1000.jtl")));
	ck_assert(isnan(cs_imp_users_from_name("v2users/x.csv")));
}
END_TEST

/* A generated JTL much larger than the histogram: percentiles stay within
 * the histogram's 1% of the exact ones, and counts are exact. */
START_TEST(import_large_jtl_streams)
{
	const int n = 60000;
	char path[512];
	FILE *f;
	cs_imp_set set;
	const cs_imp_point *p;
	int i;

	snprintf(path, sizeof path, "%s/large.jtl", tmp_dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("timeStamp,elapsed,label,responseCode,responseMessage,threadName,"
	      "success,allThreads\n", f);
	/* elapsed = 1..1000 ms, each value 60 times: p95 = 950 exactly */
	for (i = 0; i < n; i++)
		fprintf(f, "%d,%d,ep%d,%d,x,t-%d,%s,%d\n", 1600000000 + i * 10,
		        i % 1000 + 1, i % 7, i % 500 == 0 ? 429 : 200, i % 50,
		        i % 500 == 0 ? "false" : "true", 50);
	ck_assert_int_eq(fclose(f), 0);
	p = read_ok(&set, path, CS_IMP_JMETER, 1);
	ck_assert_double_eq(p->requests, n);
	ck_assert_double_eq(p->failures, n / 500);
	ck_assert_double_eq(cause(p, "rate_limited"), n / 500);
	ck_assert_pct1(p->latency.p50, 500);
	ck_assert_pct1(p->latency.p95, 950);
	ck_assert_pct1(p->latency.p99, 990);
	ck_assert_double_eq(p->latency.max, 1000);
	ck_assert_double_eq_tol(p->latency.mean, 500.5, 1e-6);
	ck_assert_uint_eq(p->nendpoints, 7);
	ck_assert_double_eq(p->users, 50);
	cs_imp_set_destroy(&set);
	unlink(path);
}
END_TEST

/* ---- malformed input ----------------------------------------------------- */

START_TEST(import_rejects_empty_file)
{
	bad("empty.csv", "", CS_IMP_AUTO, CS_ERR_PARSE, "empty", 0);
	bad("empty.jtl", "", CS_IMP_JMETER, CS_ERR_PARSE, "empty", 0);
	bad("empty.json", "", CS_IMP_K6, CS_ERR_PARSE, "empty", 0);
}
END_TEST

START_TEST(import_rejects_binary_garbage)
{
	static const char junk[] = "\x7f" "ELF\x02\x01\x01\0\0\0\0\0\x03\0>\0";
	static const char junk2[] = "timeStamp,elapsed,success\n1,2,tr\0ue\n";

	bad_n("a.out", junk, sizeof junk - 1, CS_IMP_AUTO, CS_ERR_PARSE,
	      "binary data", 0);
	/* forced type: the CSV reader refuses NUL bytes with the line */
	bad_n("nul.jtl", junk2, sizeof junk2 - 1, CS_IMP_JMETER, CS_ERR_PARSE,
	      "NUL byte", 2);
}
END_TEST

START_TEST(import_rejects_unknown_format)
{
	bad("notes.txt", "hello, world\nthis is not a load test\n", CS_IMP_AUTO,
	    CS_ERR_PARSE, "cannot tell which tool wrote this", 1);
	bad("page.xml", "<html><body>no</body></html>", CS_IMP_AUTO,
	    CS_ERR_PARSE, "not a JMeter JTL", 1);
}
END_TEST

START_TEST(import_rejects_truncated_json)
{
	bad("cut.json", "{\n  \"metrics\": {\n    \"http_reqs\": {\"count\": 10,",
	    CS_IMP_AUTO, CS_ERR_PARSE, "ends too early", 3);
	bad("syntax.json", "{\n  \"metrics\": {\n    \"http_reqs\": {count: 1}}}",
	    CS_IMP_K6, CS_ERR_PARSE, "not valid JSON near \"count: 1}}}\"", 3);
}
END_TEST

START_TEST(import_rejects_json_without_metrics)
{
	bad("other.json", "{\"name\": \"package\", \"version\": \"1.0\"}",
	    CS_IMP_AUTO, CS_ERR_PARSE, "no \"metrics\" object", 0);
	bad("nohttp.json", "{\"metrics\": {\"vus\": {\"max\": 3}}}", CS_IMP_K6,
	    CS_ERR_INVALID, "no metrics.http_reqs", 0);
}
END_TEST

START_TEST(import_rejects_wrong_json_types)
{
	bad("type.json",
	    "{\"metrics\": {\n"
	    "  \"http_reqs\": {\"count\": 10, \"rate\": 2},\n"
	    "  \"http_req_duration\": {\"avg\": 1, \"p(95)\": \"fast\"}\n}}",
	    CS_IMP_K6, CS_ERR_INVALID,
	    "metrics.http_req_duration.p(95) must be a number, got \"fast\"", 3);
	bad("neg.json",
	    "{\"metrics\": {\n  \"http_reqs\": {\"count\": -5, \"rate\": 2}}}",
	    CS_IMP_K6, CS_ERR_INVALID,
	    "metrics.http_reqs.count must not be negative (got -5)", 2);
}
END_TEST

START_TEST(import_rejects_bad_ndjson_lines)
{
	static const char good[] =
		"{\"type\":\"Metric\",\"data\":{\"name\":\"http_req_duration\"},"
		"\"metric\":\"http_req_duration\"}\n";
	char buf[1024];

	snprintf(buf, sizeof buf, "%s%s", good,
	         "{\"metric\":\"http_req_duration\",\"type\":\"Point\",\"data\""
	         ":{\"time\":\"2024-08-05T15:24:38Z\",\"value\":12.5,\"tags\":{");
	bad("cut.ndjson", buf, CS_IMP_K6_NDJSON, CS_ERR_PARSE,
	    "ends too early", 2);
	snprintf(buf, sizeof buf, "%s%s", good,
	         "{\"metric\":\"http_req_duration\",\"type\":\"Point\",\"data\""
	         ":{\"time\":\"2024-08-05T15:24:38Z\",\"value\":\"12\"}}\n");
	bad("str.ndjson", buf, CS_IMP_K6_NDJSON, CS_ERR_INVALID,
	    "data.value is not a number", 2);
	snprintf(buf, sizeof buf, "%s%s", good,
	         "{\"metric\":\"http_req_duration\",\"type\":\"Point\",\"data\""
	         ":{\"time\":\"noon\",\"value\":12}}\n");
	bad("time.ndjson", buf, CS_IMP_K6_NDJSON, CS_ERR_INVALID,
	    "data.time is not a time: noon", 2);
	bad("none.ndjson", good, CS_IMP_K6_NDJSON, CS_ERR_INVALID,
	    "no http_req_duration points", 0);
	bad("notype.ndjson", "{\"a\":1}\n", CS_IMP_K6_NDJSON, CS_ERR_PARSE,
	    "not a k6 --out json line", 1);
}
END_TEST

START_TEST(import_rejects_jtl_missing_column)
{
	bad("nocol.jtl", "timeStamp,label,success\n1601209013719,a,true\n",
	    CS_IMP_AUTO, CS_ERR_PARSE, "missing required column 'elapsed'", 1);
}
END_TEST

START_TEST(import_rejects_jtl_bad_number)
{
	bad("num.jtl",
	    "timeStamp,elapsed,label,success\n"
	    "1601209013719,12,a,true\n"
	    "1601209013720,abc,a,true\n",
	    CS_IMP_AUTO, CS_ERR_INVALID,
	    "row 2: column 'elapsed' is not a number: \"abc\"", 3);
}
END_TEST

START_TEST(import_rejects_jtl_negative_and_bad_values)
{
	bad("negative.jtl", "timeStamp,elapsed,label,success\n"
	    "1601209013719,-12,a,true\n", CS_IMP_AUTO, CS_ERR_INVALID,
	    "row 1: column 'elapsed' must not be negative", 2);
	bad("success.jtl", "timeStamp,elapsed,label,success\n"
	    "1601209013719,12,a,maybe\n", CS_IMP_AUTO, CS_ERR_INVALID,
	    "column 'success' is not true or false: \"maybe\"", 2);
	bad("stamp.jtl", "timeStamp,elapsed,label,success\n"
	    "5 Dec 2019,12,a,true\n", CS_IMP_AUTO, CS_ERR_INVALID,
	    "column 'timeStamp' is neither epoch milliseconds", 2);
	bad("nosamples.jtl", "timeStamp,elapsed,label,success\n", CS_IMP_AUTO,
	    CS_ERR_INVALID, "no samples", 0);
}
END_TEST

START_TEST(import_rejects_headerless_jtl_of_unknown_layout)
{
	bad("short.jtl", "1601209013719,685,HTTP Request,200,OK,T 1-1,text,"
	    "true,,39447\n", CS_IMP_JMETER, CS_ERR_PARSE,
	    "layouts of 16 and 17 columns", 1);
}
END_TEST

START_TEST(import_rejects_unterminated_quote)
{
	bad("quote.jtl", "timeStamp,elapsed,label,success\n"
	    "1601209013719,12,\"never closed,true\n1601209013720,3,b,true\n",
	    CS_IMP_JMETER, CS_ERR_PARSE, "is never closed", 2);
}
END_TEST

START_TEST(import_rejects_bad_jtl_xml)
{
	bad("cut.xml", "<?xml version=\"1.0\"?>\n<testResults>\n"
	    "<httpSample t=\"12\" ts=\"1000\" s=\"tr", CS_IMP_AUTO, CS_ERR_PARSE,
	    "ends inside a tag", 0);
	bad("attr.xml", "<testResults>\n"
	    "<httpSample t=\"fast\" ts=\"1000\" s=\"true\" lb=\"a\"/>\n"
	    "</testResults>\n", CS_IMP_AUTO, CS_ERR_INVALID,
	    "attribute t= is not a non-negative number: \"fast\"", 2);
	bad("nots.xml", "<testResults>\n<httpSample t=\"3\" s=\"true\"/>\n"
	    "</testResults>\n", CS_IMP_AUTO, CS_ERR_INVALID,
	    "without the ts= attribute", 2);
}
END_TEST

START_TEST(import_rejects_bad_locust_csv)
{
	bad("x_stats.csv", "Type,Name,Median Response Time,Requests/s\n"
	    "GET,/a,3,1\n", CS_IMP_AUTO, CS_ERR_PARSE,
	    "not a Locust _stats, _stats_history", 1);
	bad("neg_stats.csv",
	    "Type,Name,Request Count,Failure Count,Median Response Time,"
	    "Requests/s\nGET,/a,-4,0,3,1\n,Aggregated,4,0,3,1\n", CS_IMP_AUTO,
	    CS_ERR_INVALID, "column 'Request Count' must not be negative", 2);
	bad("more_stats.csv",
	    "Type,Name,Request Count,Failure Count,Median Response Time,"
	    "Requests/s\n,Aggregated,4,9,3,1\n", CS_IMP_AUTO, CS_ERR_INVALID,
	    "9 failures but only 4 requests", 2);
	bad("word_stats.csv",
	    "Type,Name,Request Count,Failure Count,Median Response Time,"
	    "Requests/s,95%\n,Aggregated,4,0,3,1,fast\n", CS_IMP_AUTO,
	    CS_ERR_INVALID, "row 1: column '95%' is not a number: \"fast\"", 2);
	bad("t_stats_history.csv",
	    "Timestamp,User Count,Type,Name,Total Request Count,"
	    "Total Failure Count\nlater,5,,Aggregated,3,0\n", CS_IMP_AUTO,
	    CS_ERR_INVALID, "column 'Timestamp' is not a time stamp", 2);
}
END_TEST

START_TEST(import_rejects_bad_k6_csv)
{
	bad("k6.csv", "metric_name,timestamp,value\nhttp_reqs,1,1\n",
	    CS_IMP_K6_CSV, CS_ERR_PARSE, "missing required column "
	    "'metric_value'", 1);
	bad("k6b.csv", "metric_name,timestamp,metric_value\n"
	    "http_req_duration,1749889289,slow\n", CS_IMP_AUTO, CS_ERR_INVALID,
	    "column 'metric_value' is not a number: \"slow\"", 2);
}
END_TEST

START_TEST(import_rejects_bad_measurements)
{
	bad("typo.yaml", "points:\n  - users: 10\n    duraton: 5m\n",
	    CS_IMP_AUTO, CS_ERR_INVALID, "did you mean \"duration\"", 3);
	bad("unit.yaml", "points:\n  - latency: {p95: 145}\n", CS_IMP_AUTO,
	    CS_ERR_INVALID, "add a unit", 2);
	bad("cause.yaml", "points:\n  - errors: {pool_timout: 3}\n",
	    CS_IMP_AUTO, CS_ERR_INVALID,
	    "unknown cause \"pool_timout\" (did you mean \"pool_timeout\"?)",
	    2);
	bad("order.yaml", "points:\n  - latency: {p50: 200ms, p95: 150ms}\n",
	    CS_IMP_AUTO, CS_ERR_INVALID, "percentiles cannot decrease", 2);
	bad("both.yaml", "points:\n  - users: 10\n    arrival_rate: 5/s\n",
	    CS_IMP_AUTO, CS_ERR_INVALID, "not both", 3);
	bad("nopoints.yaml", "system: x\npoints: []\n", CS_IMP_AUTO,
	    CS_ERR_INVALID, "empty", 2);
	bad("ratio.yaml", "points:\n  - error_rate: 140%\n", CS_IMP_AUTO,
	    CS_ERR_INVALID, "must be between 0 and 1", 2);
	bad("count.yaml", "points:\n  - requests: -3\n", CS_IMP_AUTO,
	    CS_ERR_INVALID, "must be >= 0 (got -3)", 2);
	bad("empty.yaml", "", CS_IMP_MEASUREMENTS, CS_ERR_PARSE, "empty", 0);
	bad("broken.yaml", "points:\n  - {users: 10\n", CS_IMP_AUTO,
	    CS_ERR_PARSE, "while parsing a flow mapping", 3);
}
END_TEST

START_TEST(import_missing_file_is_io_error)
{
	cs_imp_set set;
	cs_error e;

	cs_imp_set_init(&set);
	ck_assert_int_eq(cs_imp_read("/nonexistent/x_stats.csv", NULL, &set, &e),
	                 CS_ERR_IO);
	ck_assert_has(e.msg, "cannot open");
	ck_assert_uint_eq(set.n, 0);
	cs_imp_set_destroy(&set);
	cs_imp_set_destroy(NULL);
}
END_TEST

/* Every prefix of a real file either imports or fails cleanly. */
START_TEST(import_truncations_never_crash)
{
	static const char *const files[] = {
		"itzaddddd__ticket-reserve__summary-export.json",
		"nwillc__jmeter-out__sample__basic.xml",
		EREN "200users_stats.csv",
	};
	size_t i;

	for (i = 0; i < 3; i++) {
		FILE *f = fopen(fixture(files[i]), "rb");
		static char buf[65536];
		size_t n, cut;

		ck_assert_ptr_nonnull(f);
		n = fread(buf, 1, sizeof buf, f);
		fclose(f);
		for (cut = 0; cut < n; cut += n / 37 + 1) {
			const char *path = scratch(i == 2 ? "cut_stats.csv" :
			                           i == 1 ? "cut.xml" : "cut.json",
			                           buf, cut);
			cs_imp_set set;
			cs_error e;
			cs_status st;

			memset(&e, 0, sizeof e);
			cs_imp_set_init(&set);
			st = cs_imp_read(path, NULL, &set, &e);
			ck_assert(st == CS_OK || st == CS_ERR_PARSE ||
			          st == CS_ERR_INVALID);
			if (st != CS_OK)
				ck_assert(e.msg[0] != '\0');
			cs_imp_set_destroy(&set);
			unlink(path);
		}
	}
}
END_TEST

/* ---- main ---------------------------------------------------------------- */

static Suite *
import_suite(void)
{
	Suite *s = suite_create("import");
	TCase *t = tcase_create("locust");

	tcase_add_test(t, import_locust_reads_aggregated_row);
	tcase_add_test(t, import_locust_history_gives_users);
	tcase_add_test(t, import_locust_merges_failures_file);
	tcase_add_test(t, import_locust_old_quoted_format);
	tcase_add_test(t, import_locust_history_alone);
	tcase_add_test(t, import_locust_gbk_name_and_cr_cr_lf);
	tcase_add_test(t, import_locust_gbk_failures_by_cause);
	tcase_add_test(t, import_locust_old_requests_with_distribution);
	tcase_add_test(t, import_read_files_merges_listed_siblings);
	suite_add_tcase(s, t);

	t = tcase_create("k6");
	tcase_add_test(t, import_k6_summary_export);
	tcase_add_test(t, import_k6_summary_export_thresholds_are_inverted);
	tcase_add_test(t, import_k6_handlesummary_custom_trend_stats);
	tcase_add_test(t, import_k6_handlesummary_threshold_ok_objects);
	tcase_add_test(t, import_k6_ndjson_agrees_with_summary);
	tcase_add_test(t, import_k6_csv_output);
	suite_add_tcase(s, t);

	t = tcase_create("jmeter");
	tcase_add_test(t, import_jtl_counts_samples_and_errors);
	tcase_add_test(t, import_jtl_socket_errors_by_cause);
	tcase_add_test(t, import_jtl_skips_transaction_controller_rows);
	tcase_add_test(t, import_jtl_skips_sub_samples);
	tcase_add_test(t, import_jtl_headerless_with_stray_rows);
	tcase_add_test(t, import_jtl_zero_timestamps_and_no_url_column);
	tcase_add_test(t, import_jtl_xml);
	tcase_add_test(t, import_jtl_xml_nesting_and_entities);
	tcase_add_test(t, import_large_jtl_streams);
	suite_add_tcase(s, t);

	t = tcase_create("measurements");
	tcase_add_test(t, import_measurements_seed_files);
	tcase_add_test(t, import_measurements_values_and_units);
	tcase_add_test(t, import_measurements_flag_inconsistency);
	suite_add_tcase(s, t);

	t = tcase_create("common");
	tcase_add_test(t, import_detects_every_fixture);
	tcase_add_test(t, import_type_names_round_trip);
	tcase_add_test(t, import_classifies_failure_causes);
	tcase_add_test(t, import_csv_reader_rfc4180);
	tcase_add_test(t, import_parses_time_stamps);
	tcase_add_test(t, import_users_from_file_names);
	suite_add_tcase(s, t);

	t = tcase_create("malformed");
	tcase_add_test(t, import_rejects_empty_file);
	tcase_add_test(t, import_rejects_binary_garbage);
	tcase_add_test(t, import_rejects_unknown_format);
	tcase_add_test(t, import_rejects_truncated_json);
	tcase_add_test(t, import_rejects_json_without_metrics);
	tcase_add_test(t, import_rejects_wrong_json_types);
	tcase_add_test(t, import_rejects_bad_ndjson_lines);
	tcase_add_test(t, import_rejects_jtl_missing_column);
	tcase_add_test(t, import_rejects_jtl_bad_number);
	tcase_add_test(t, import_rejects_jtl_negative_and_bad_values);
	tcase_add_test(t, import_rejects_headerless_jtl_of_unknown_layout);
	tcase_add_test(t, import_rejects_unterminated_quote);
	tcase_add_test(t, import_rejects_bad_jtl_xml);
	tcase_add_test(t, import_rejects_bad_locust_csv);
	tcase_add_test(t, import_rejects_bad_k6_csv);
	tcase_add_test(t, import_rejects_bad_measurements);
	tcase_add_test(t, import_measurements_event_loop);
	tcase_add_test(t, import_missing_file_is_io_error);
	tcase_add_test(t, import_truncations_never_crash);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	SRunner *r;
	int failed;

	find_data();
	snprintf(tmp_dir, sizeof tmp_dir, "/tmp/capsim-import-XXXXXX");
	if (!mkdtemp(tmp_dir)) {
		perror("mkdtemp");
		return 1;
	}
	r = srunner_create(import_suite());
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	rmdir(tmp_dir);
	return failed ? 1 : 0;
}
