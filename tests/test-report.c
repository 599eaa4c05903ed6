/*
 * Tests for report: reading sweep and run documents, lines of points, the
 * log-scale rule, SLO terms, utilizations, HTML escaping, the gnuplot
 * script, and (when gnuplot is installed) real pictures.
 *
 * The documents are small sweeps written here, with every number chosen
 * so that the expected lines, verdicts and bottlenecks follow by hand.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/report.h"
#include "harness.h"


static char tmp_dir[256];
static char src_dir[1024];

/* ---- fixtures ------------------------------------------------------------- */

/* A metric object. */
static int
metric(char *b, size_t n, const char *key, double mean, double lo, double hi)
{
	return snprintf(b, n, "\"%s\": {\"mean\": %.17g, \"ci_low\": %.17g, "
	                "\"ci_high\": %.17g}", key, mean, lo, hi);
}

/*
 * A run result with the given p95 (ms; CI +-10%), throughput (req/s),
 * error rate (0..1), DB pool utilization and waiters, and app CPU.
 * Caller frees.
 */
static char *
result(double p95, double rps, double err, double pool, double waiters,
       double cpu)
{
	char *b = malloc(8192), m[17][256];

	metric(m[0], 256, "p50", p95 / 4, p95 / 4 * 0.9, p95 / 4 * 1.1);
	metric(m[1], 256, "p95", p95, p95 * 0.9, p95 * 1.1);
	metric(m[2], 256, "p99", p95 * 2, p95 * 1.8, p95 * 2.2);
	metric(m[3], 256, "throughput_rps", rps, rps - 1, rps + 1);
	metric(m[4], 256, "error_rate", err, err * 0.5, err * 1.5);
	metric(m[5], 256, "utilization", pool, pool, pool);
	metric(m[6], 256, "mean", waiters, waiters, waiters);
	metric(m[7], 256, "cpu_utilization", cpu, cpu, cpu);
	metric(m[8], 256, "worker_utilization", 0.1, 0.1, 0.1);
	metric(m[9], 256, "cpu_utilization", 0.2, 0.2, 0.2);
	metric(m[10], 256, "mean", 30, 30, 30);
	metric(m[11], 256, "attempts_rps", 40, 40, 40);
	metric(m[12], 256, "max", 100, 100, 100);
	metric(m[13], 256, "pool_timeout", 5, 0, 10);
	metric(m[14], 256, "rate_limited", 1, 0, 2);
	metric(m[15], 256, "error_rate", 0.5, 0.5, 0.5);
	metric(m[16], 256, "mean", 0.1, 0.1, 0.1);
	snprintf(b, 8192,
	    "{\"run\": {\"scenario\": \"tiny <shop> & co\", \"file\": "
	    "\"tiny.yaml\", \"replications\": 3, \"seed\": 7},"
	    " \"overall\": {%s, %s, \"latency_ms\": {%s, %s, %s},"
	    "  \"errors_by_cause\": {%s, %s}},"
	    " \"endpoints\": {\"GET /a.b\": {%s}},"
	    " \"resources\": {\"app\": {%s, %s, \"backlog\": {%s}},"
	    "  \"db_pool\": {%s, \"waiters\": {%s}}, \"db\": {%s},"
	    "  \"services\": {\"ai\": {\"concurrency\": {%s}, %s}},"
	    "  \"load\": {\"users\": {%s}}}}",
	    m[3], m[4], m[0], m[1], m[2], m[13], m[14], m[15], m[8], m[7],
	    m[16], m[5], m[6], m[9], m[10], m[11], m[12]);
	return b;
}

/*
 * A sweep of load.users (in the order given: the reader must sort) by
 * db.pool.size 20 and 50.  Pool 20 saturates at 300 users (waiters) and
 * misses p95<400ms there; pool 50 stays fine but for its p95 at 300.
 */
static char *
sweep_doc(void)
{
	static const struct {
		const char *users, *pool;
		double p95, rps, err, pool_u, waiters, cpu;
	} pts[] = {
		{ "300", "20", 900, 150, 0.03, 0.88, 12, 0.5 },
		{ "100", "20", 100, 100, 0.001, 0.4, 0, 0.2 },
		{ "200", "20", 300, 140, 0.008, 0.7, 0.2, 0.35 },
		{ "300", "50", 420, 200, 0.002, 0.6, 0, 0.6 },
		{ "100", "50", 90, 100, 0, 0.2, 0, 0.2 },
		{ "200", "50", 150, 180, 0.001, 0.4, 0, 0.4 },
	};
	size_t i, n = sizeof pts / sizeof pts[0], o = 0, cap = 200000;
	char *b = malloc(cap);

	o += (size_t)snprintf(b + o, cap - o,
	    "{\"sweep\": {\"scenario\": \"tiny.yaml\", \"grid\": \"g\", "
	    "\"sets\": \"run.duration=1m;cache.hit_ratio=0.5\", \"seed\": 7, "
	    "\"replications\": 3, \"points_total\": 8, \"points_done\": 6, "
	    "\"vary\": [\"load.users\", \"db.pool.size\"]}, \"points\": [");
	for (i = 0; i < n; i++) {
		char *r = result(pts[i].p95, pts[i].rps, pts[i].err,
		                 pts[i].pool_u, pts[i].waiters, pts[i].cpu);

		o += (size_t)snprintf(b + o, cap - o, "%s{\"index\": %zu, "
		    "\"values\": {\"load.users\": \"%s\", \"db.pool.size\": "
		    "\"%s\"}, \"result\": %s}", i ? ", " : "", i, pts[i].users,
		    pts[i].pool, r);
		free(r);
	}
	snprintf(b + o, cap - o, "]}");
	return b;
}

static cs_rep_doc *
load_sweep(void)
{
	char *t = sweep_doc();
	cs_rep_doc *d = NULL;
	cs_error err = { 0 };

	ck_assert_int_eq(cs_rep_doc_parse(t, "s.json", &d, &err), CS_OK);
	free(t);
	return d;
}

static const char *
write_tmp(const char *name, const char *text)
{
	static char path[4][512];
	static int k;
	FILE *f;

	k = (k + 1) % 4;
	snprintf(path[k], sizeof path[k], "%s/%s", tmp_dir, name);
	f = fopen(path[k], "wb");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return path[k];
}

/* ---- documents ------------------------------------------------------------ */

START_TEST(report_reads_sweep_document)
{
	cs_rep_doc *d = load_sweep();

	ck_assert_uint_eq(d->n, 6);
	ck_assert_uint_eq(d->total, 8);
	ck_assert_uint_eq(d->ndims, 2);
	ck_assert_str_eq(d->paths[0], "load.users");
	ck_assert_str_eq(d->paths[1], "db.pool.size");
	ck_assert_str_eq(d->values[0 * 2 + 0], "300");
	ck_assert_str_eq(d->values[3 * 2 + 1], "50");
	ck_assert_uint_eq(d->nsets, 2);
	ck_assert_str_eq(d->sets[0], "run.duration=1m");
	ck_assert_str_eq(d->sets[1], "cache.hit_ratio=0.5");
	ck_assert_str_eq(d->scenario, "tiny.yaml");
	ck_assert_str_eq(d->name, "tiny <shop> & co");
	ck_assert_uint_eq(d->seed, 7);
	ck_assert_uint_eq(d->replications, 3);
	ck_assert_int_eq(cs_rep_doc_dim(d, "db.pool.size"), 1);
	ck_assert_int_eq(cs_rep_doc_dim(d, "nope"), -1);
	cs_rep_doc_free(d);
	cs_rep_doc_free(NULL);
}
END_TEST

static void script(const cs_rep_chart *c, cs_rep_fmt fmt, char **s,
                   char **dat);

START_TEST(report_reads_run_document_as_one_point)
{
	char *r = result(200, 50, 0.01, 0.5, 0, 0.3);
	cs_rep_doc *d = NULL;
	cs_error err = { 0 };
	cs_rep_x x;

	ck_assert_int_eq(cs_rep_doc_parse(r, "run.json", &d, &err), CS_OK);
	ck_assert_uint_eq(d->n, 1);
	ck_assert_uint_eq(d->ndims, 0);
	ck_assert_str_eq(d->scenario, "tiny.yaml");
	ck_assert_uint_eq(d->replications, 3);
	/* nothing varied: x is the users the run reached */
	ck_assert_int_eq(cs_rep_x_resolve(d, NULL, &x, &err), CS_OK);
	ck_assert_str_eq(x.path, "resources.load.users.max");
	ck_assert(x.users);
	/* its chart says it is one run */
	{
		cs_rep_y y[CS_REP_Y_MAX];
		cs_rep_chart_opts o = { 0 };
		cs_rep_chart *c;
		size_t ny;
		char *s, *dat;

		ck_assert_int_eq(cs_rep_y_parse("p95", NULL, y, CS_REP_Y_MAX, &ny,
		                                &err), CS_OK);
		o.y = y;
		o.ny = ny;
		ck_assert_int_eq(cs_rep_chart_new(d, &o, &c, &err), CS_OK);
		script(c, CS_REP_SVG, &s, &dat);
		ck_assert_has(s, "3 replications; error bars are 95% confidence "
		              "intervals' . \"\\n\" . 'a single run, nothing "
		              "varied'");
		free(s);
		free(dat);
		cs_rep_chart_free(c);
	}
	cs_rep_doc_free(d);
	free(r);
}
END_TEST

START_TEST(report_reads_validate_document_along_users)
{
	static const char v[] =
		"{\"scenario\": \"lab.yaml\", \"replications\": 4, \"seed\": 1,"
		" \"points\": ["
		"  {\"name\": \"a\", \"users\": 20, \"metrics\": {"
		"    \"throughput\": {\"measured\": 36, \"predicted\": 37,"
		"                     \"ci_low\": 36.5, \"ci_high\": 37.5},"
		"    \"p95\": {\"measured\": 270, \"predicted\": 264,"
		"              \"ci_low\": 250, \"ci_high\": 280}}},"
		"  {\"name\": \"b\", \"users\": 120, \"metrics\": {"
		"    \"p95\": {\"measured\": 600, \"predicted\": 607,"
		"              \"ci_low\": 580, \"ci_high\": 635}}},"
		"  {\"name\": \"no load\", \"users\": null, \"metrics\": {}}]}";
	cs_rep_doc *d = NULL;
	cs_error err = { 0 };
	cs_rep_ci ci;

	ck_assert_int_eq(cs_rep_doc_parse(v, "v.json", &d, &err), CS_OK);
	/* the point without a load level is left out */
	ck_assert_uint_eq(d->n, 2);
	ck_assert_uint_eq(d->ndims, 1);
	ck_assert_str_eq(d->paths[0], "load.users");
	ck_assert_str_eq(d->values[1], "120");
	ck_assert_str_eq(d->scenario, "lab.yaml");
	ck_assert_uint_eq(d->replications, 4);
	ck_assert_int_eq(cs_rep_metric(d->results[0], "overall.throughput_rps",
	                               &ci), CS_OK);
	ck_assert_double_eq(ci.mean, 37);
	ck_assert_double_eq(ci.lo, 36.5);
	ck_assert_int_eq(cs_rep_metric(d->results[1], "overall.latency_ms.p95",
	                               &ci), CS_OK);
	ck_assert_double_eq(ci.hi, 635);
	ck_assert_int_eq(cs_rep_metric(d->results[1], "overall.throughput_rps",
	                               &ci), CS_ERR_INVALID);
	cs_rep_doc_free(d);
}
END_TEST

START_TEST(report_rejects_what_is_not_results)
{
	cs_rep_doc *d = (cs_rep_doc *)1;
	cs_error err = { 0 };

	ck_assert_int_eq(cs_rep_doc_parse("name: x\n", "a.yaml", &d, &err),
	                 CS_ERR_PARSE);
	ck_assert_ptr_null(d);
	ck_assert_str_eq(err.file, "a.yaml");
	ck_assert_has(err.msg, "not JSON");
	ck_assert_int_eq(cs_rep_doc_parse("{\"points\": []}", "b.json", &d,
	                                  &err), CS_ERR_INVALID);
	ck_assert_has(err.msg, "not capsim results");
	ck_assert_int_eq(cs_rep_doc_parse(
	    "{\"sweep\": {\"vary\": [\"a\"]}, \"points\": [{\"index\": 0, "
	    "\"values\": {}, \"result\": {\"overall\": {}}}]}", "c.json", &d,
	    &err), CS_ERR_INVALID);
	ck_assert_has(err.msg, "lacks its value of a");
	ck_assert_str_eq(err.path, "points[0]");
	/* the second point lacks its second value: nothing leaks */
	ck_assert_int_eq(cs_rep_doc_parse(
	    "{\"sweep\": {\"vary\": [\"a\", \"b\"]}, \"points\": ["
	    "{\"index\": 0, \"values\": {\"a\": \"1\", \"b\": 2}, "
	    "\"result\": {\"overall\": {}}}, {\"index\": 1, \"values\": "
	    "{\"a\": \"1\", \"b\": null}, \"result\": {\"overall\": {}}}]}",
	    "c2.json", &d, &err), CS_ERR_INVALID);
	ck_assert_has(err.msg, "lacks its value of b");
	ck_assert_str_eq(err.path, "points[1]");
	ck_assert_int_eq(cs_rep_doc_parse(
	    "{\"sweep\": {\"vary\": [\"a\"]}, \"points\": [{\"index\": 0, "
	    "\"values\": {\"a\": \"1\"}}]}", "d.json", &d, &err), CS_ERR_INVALID);
	ck_assert_has(err.msg, "no run result");
	ck_assert_int_eq(cs_rep_doc_parse(
	    "{\"sweep\": {}, \"points\": []}", "e.json", &d, &err),
	    CS_ERR_INVALID);
	ck_assert_has(err.msg, "vary");
	ck_assert_int_eq(cs_rep_doc_load("/nonexistent/x.json", &d, &err),
	                 CS_ERR_IO);
	ck_assert_has(err.msg, "cannot open");
}
END_TEST

START_TEST(report_survives_pathological_documents)
{
	static const unsigned char garbage[] = {
		0x7b, 0xff, 0x00, 0x22, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0
	};
	char *deep = malloc(20002), *t;
	cs_rep_doc *d = NULL;
	cs_error err = { 0 };
	cs_rep_x x;
	cs_rep_y y = { "overall.error_rate", "error_rate", CS_REP_RATIO,
	               CS_REP_F_ERROR_RATE };
	cs_rep_series *s;
	size_t n, i;

	ck_assert_int_eq(cs_rep_doc_parse((const char *)garbage, "g", &d, &err),
	                 CS_ERR_PARSE);
	for (i = 0; i < 10000; i++) {
		deep[i] = '[';
		deep[10000 + i] = ']';
	}
	deep[20000] = '\0';
	ck_assert_int_ne(cs_rep_doc_parse(deep, "deep", &d, &err), CS_OK);
	free(deep);
	/* values that are numbers, huge numbers and not numbers at all */
	t = result(100, 10, 0, 0.1, 0, 0.1);
	deep = malloc(strlen(t) + 512);
	sprintf(deep, "{\"sweep\": {\"vary\": [\"load.users\", \"x\"]}, "
	        "\"points\": [{\"index\": 0, \"values\": {\"load.users\": 1e308, "
	        "\"x\": \"a\\u0000b<\"}, \"result\": %s}]}", t);
	ck_assert_int_eq(cs_rep_doc_parse(deep, "n", &d, &err), CS_OK);
	ck_assert_int_eq(cs_rep_x_resolve(d, NULL, &x, &err), CS_OK);
	ck_assert_int_eq(cs_rep_series_build(d, &x, &y, &s, &n, &err), CS_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_double_eq(s[0].x[0], 1e308);
	cs_rep_series_free(s, n);
	/* a value on the axis that is not a number */
	ck_assert_int_eq(cs_rep_x_resolve(d, "x", &x, &err), CS_OK);
	ck_assert_int_eq(cs_rep_series_build(d, &x, &y, &s, &n, &err),
	                 CS_ERR_INVALID);
	ck_assert_has(err.msg, "not a number");
	cs_rep_doc_free(d);
	free(deep);
	free(t);
}
END_TEST

START_TEST(report_metric_finds_dotted_names)
{
	char *r = result(200, 50, 0.01, 0.5, 0, 0.3);
	cJSON *j = cJSON_Parse(r);
	cs_rep_ci c;

	ck_assert_int_eq(cs_rep_metric(j, "overall.latency_ms.p95", &c), CS_OK);
	ck_assert_double_eq(c.mean, 200);
	ck_assert_double_eq_tol(c.lo, 180, 1e-9);
	ck_assert_int_eq(cs_rep_metric(j, "endpoints.GET /a.b.error_rate", &c),
	                 CS_OK);
	ck_assert_double_eq(c.mean, 0.5);
	ck_assert_int_eq(cs_rep_metric(j, "overall.latency_ms", &c),
	                 CS_ERR_INVALID);
	ck_assert(isnan(c.mean));
	ck_assert_int_eq(cs_rep_metric(j, "overall.nope", &c), CS_ERR_INVALID);
	cJSON_Delete(j);
	free(r);
}
END_TEST

START_TEST(report_numbers_with_units)
{
	const char *u;
	double v;

	ck_assert_int_eq(cs_rep_number("300", &v, &u), 0);
	ck_assert_double_eq(v, 300);
	ck_assert_str_eq(u, "");
	ck_assert_int_eq(cs_rep_number("450ms", &v, &u), 0);
	ck_assert_double_eq(v, 450);
	ck_assert_str_eq(u, "ms");
	ck_assert_int_eq(cs_rep_number("2s", &v, &u), 0);
	ck_assert_double_eq(v, 2000);
	ck_assert_int_eq(cs_rep_number("1.5 m", &v, &u), 0);
	ck_assert_double_eq(v, 90000);
	ck_assert_int_eq(cs_rep_number("85%", &v, &u), 0);
	ck_assert_double_eq(v, 85);
	ck_assert_str_eq(u, "%");
	ck_assert_int_eq(cs_rep_number("abc", &v, &u), -1);
	ck_assert_int_eq(cs_rep_number("10 apples", &v, &u), -1);
	ck_assert_int_eq(cs_rep_number("1e999", &v, &u), -1);
	ck_assert_int_eq(cs_rep_number("", &v, &u), -1);
}
END_TEST

/* ---- lines ------------------------------------------------------------------ */

START_TEST(report_series_group_and_sort)
{
	cs_rep_doc *d = load_sweep();
	cs_error err = { 0 };
	cs_rep_series *s;
	cs_rep_y y[CS_REP_Y_MAX];
	cs_rep_x x;
	size_t n, ny;

	ck_assert_int_eq(cs_rep_x_resolve(d, NULL, &x, &err), CS_OK);
	ck_assert_str_eq(x.path, "load.users");
	ck_assert_int_eq(x.dim, 0);
	ck_assert(x.users);
	ck_assert_str_eq(x.label, "users (load.users)");
	ck_assert_int_eq(cs_rep_y_parse("error_rate", d->results[0], y,
	                                CS_REP_Y_MAX, &ny, &err), CS_OK);
	ck_assert_int_eq(cs_rep_series_build(d, &x, &y[0], &s, &n, &err), CS_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(s[0].label, "db.pool.size=20");
	ck_assert_str_eq(s[1].label, "db.pool.size=50");
	ck_assert_uint_eq(s[0].n, 3);
	/* sorted by users though the sweep listed 300 first */
	ck_assert_double_eq(s[0].x[0], 100);
	ck_assert_double_eq(s[0].x[1], 200);
	ck_assert_double_eq(s[0].x[2], 300);
	ck_assert_uint_eq(s[0].point[2], 0);
	/* error rate shown in percent, its interval too */
	ck_assert_double_eq_tol(s[0].y[2].mean, 3, 1e-12);
	ck_assert_double_eq_tol(s[0].y[2].lo, 1.5, 1e-12);
	ck_assert_double_eq_tol(s[0].y[2].hi, 4.5, 1e-12);
	cs_rep_series_free(s, n);

	/* pool size on the axis: one line per number of users */
	ck_assert_int_eq(cs_rep_x_resolve(d, "db.pool.size", &x, &err), CS_OK);
	ck_assert(!x.users);
	ck_assert_int_eq(cs_rep_series_build(d, &x, &y[0], &s, &n, &err), CS_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(s[0].label, "load.users=300");
	ck_assert_uint_eq(s[0].n, 2);
	ck_assert_double_eq(s[0].x[0], 20);
	ck_assert_double_eq(s[0].x[1], 50);
	cs_rep_series_free(s, n);

	/* a metric on the axis */
	ck_assert_int_eq(cs_rep_x_resolve(d, "overall.throughput_rps", &x, &err),
	                 CS_OK);
	ck_assert_int_eq(x.dim, -1);
	ck_assert_str_eq(x.label, "overall.throughput_rps (req/s)");
	cs_rep_doc_free(d);
}
END_TEST

START_TEST(report_x_errors_name_the_choices)
{
	cs_rep_doc *d = load_sweep();
	cs_error err = { 0 };
	cs_rep_x x;

	ck_assert_int_eq(cs_rep_x_resolve(d, "db.pool.sise", &x, &err),
	                 CS_ERR_USAGE);
	ck_assert_str_eq(err.file, "--x");
	ck_assert_has(err.msg, "load.users, db.pool.size");
	cs_rep_doc_free(d);
}
END_TEST

START_TEST(report_y_parse_names_paths_and_units)
{
	cs_rep_doc *d = load_sweep();
	cs_rep_y y[CS_REP_Y_MAX];
	cs_error err = { 0 };
	size_t n;

	ck_assert_int_eq(cs_rep_y_parse("p50, p95,p99", d->results[0], y,
	                                CS_REP_Y_MAX, &n, &err), CS_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(y[1].path, "overall.latency_ms.p95");
	ck_assert_str_eq(y[1].name, "p95");
	ck_assert_int_eq(y[1].unit, CS_REP_MS);
	ck_assert_int_eq(y[1].field, CS_REP_F_P95);
	ck_assert_int_eq(cs_rep_y_parse("throughput", NULL, y, CS_REP_Y_MAX,
	                                &n, &err), CS_OK);
	ck_assert_int_eq(y[0].unit, CS_REP_RPS);
	ck_assert_int_eq(y[0].field, CS_REP_F_THROUGHPUT);
	ck_assert_int_eq(cs_rep_y_parse("resources.db_pool.utilization",
	                                d->results[0], y, CS_REP_Y_MAX, &n,
	                                &err), CS_OK);
	ck_assert_int_eq(y[0].unit, CS_REP_RATIO);
	ck_assert_int_eq(y[0].field, CS_REP_F_NONE);
	ck_assert_int_eq(cs_rep_y_parse("endpoints.GET /a.b.error_rate",
	                                d->results[0], y, CS_REP_Y_MAX, &n,
	                                &err), CS_OK);

	ck_assert_int_eq(cs_rep_y_parse("p95,throughput", NULL, y, CS_REP_Y_MAX,
	                                &n, &err), CS_ERR_USAGE);
	ck_assert_str_eq(err.file, "--y");
	ck_assert_has(err.msg, "one chart shows one unit");
	ck_assert_int_eq(cs_rep_y_parse("p59", NULL, y, CS_REP_Y_MAX, &n, &err),
	                 CS_ERR_USAGE);
	ck_assert_has(err.msg, "did you mean");
	ck_assert_int_eq(cs_rep_y_parse("latency", NULL, y, CS_REP_Y_MAX, &n,
	                                &err), CS_ERR_USAGE);
	ck_assert_has(err.msg, "choose p50");
	ck_assert_int_eq(cs_rep_y_parse("resources.nope", d->results[0], y,
	                                CS_REP_Y_MAX, &n, &err), CS_ERR_USAGE);
	ck_assert_has(err.msg, "no metric resources.nope");
	ck_assert_int_eq(cs_rep_y_parse("p50,,p95", NULL, y, CS_REP_Y_MAX, &n,
	                                &err), CS_ERR_USAGE);
	ck_assert_has(err.msg, "empty item");
	ck_assert_int_eq(cs_rep_y_parse("", NULL, y, CS_REP_Y_MAX, &n, &err),
	                 CS_ERR_USAGE);
	ck_assert_int_eq(cs_rep_y_parse("p50,p50,p50", NULL, y, 2, &n, &err),
	                 CS_ERR_USAGE);
	ck_assert_has(err.msg, "at most 2");
	cs_rep_doc_free(d);
}
END_TEST

START_TEST(report_log_scale_when_span_exceeds_a_decade)
{
	const double a[] = { 10, 50, 99 };
	const double b[] = { 10, 101 };
	const double c[] = { 10, 100 };            /* exactly a decade: no */
	const double d[] = { 0, -5, 5, 40, NAN };  /* 0 cannot be on a log axis */
	const double e[] = { 0.5, 2, 400, INFINITY };

	ck_assert(!cs_rep_log_scale(a, 3));
	ck_assert(cs_rep_log_scale(b, 2));
	ck_assert(!cs_rep_log_scale(c, 2));
	ck_assert(!cs_rep_log_scale(d, 5));
	ck_assert(cs_rep_log_scale(e, 4));
	ck_assert(!cs_rep_log_scale(a, 0));
}
END_TEST

/* ---- SLOs ------------------------------------------------------------------- */

START_TEST(report_slo_parses_terms)
{
	cs_rep_slo s;
	cs_error err = { 0 };

	ck_assert_int_eq(cs_rep_slo_parse("p95<400ms", &s, &err), CS_OK);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_str_eq(s.terms[0].path, "overall.latency_ms.p95");
	ck_assert_int_eq(s.terms[0].op, CS_REP_LT);
	ck_assert_double_eq(s.terms[0].limit, 400);
	ck_assert_str_eq(s.terms[0].text, "p95 < 400 ms");

	ck_assert_int_eq(cs_rep_slo_parse("p99<1s", &s, &err), CS_OK);
	ck_assert_double_eq(s.terms[0].limit, 1000);

	ck_assert_int_eq(cs_rep_slo_parse("error_rate<1%", &s, &err), CS_OK);
	ck_assert_double_eq_tol(s.terms[0].limit, 0.01, 1e-15);
	ck_assert_int_eq(s.terms[0].unit, CS_REP_RATIO);
	ck_assert_str_eq(s.terms[0].text, "error_rate < 1%");

	ck_assert_int_eq(cs_rep_slo_parse("throughput>100", &s, &err), CS_OK);
	ck_assert_int_eq(s.terms[0].op, CS_REP_GT);
	ck_assert_double_eq(s.terms[0].limit, 100);
	ck_assert_str_eq(s.terms[0].text, "throughput > 100 req/s");

	ck_assert_int_eq(cs_rep_slo_parse(
	    " p95 <= 0.4s , error_rate < 0.005,throughput>=20/s,p50<80 ms",
	    &s, &err), CS_OK);
	ck_assert_uint_eq(s.n, 4);
	ck_assert_int_eq(s.terms[0].op, CS_REP_LE);
	ck_assert_double_eq(s.terms[0].limit, 400);
	ck_assert_str_eq(s.terms[0].text, "p95 <= 400 ms");
	ck_assert_double_eq(s.terms[1].limit, 0.005);
	ck_assert_int_eq(s.terms[2].op, CS_REP_GE);
	ck_assert_double_eq(s.terms[3].limit, 80);

	/* the other names and paths of the shared grammar */
	ck_assert_int_eq(cs_rep_slo_parse("errors<2%,rps>5,ok_p95<1s,"
	                                  "resources.db_pool.utilization<0.9",
	                                  &s, &err), CS_OK);
	ck_assert_uint_eq(s.n, 4);
	ck_assert_str_eq(s.terms[0].path, "overall.error_rate");
	ck_assert_int_eq(s.terms[0].field, CS_REP_F_ERROR_RATE);
	ck_assert_str_eq(s.terms[1].path, "overall.throughput_rps");
	ck_assert_str_eq(s.terms[2].path, "overall.latency_ok_ms.p95");
	ck_assert_int_eq(s.terms[2].unit, CS_REP_MS);
	ck_assert_int_eq(s.terms[2].field, CS_REP_F_NONE);
	ck_assert_str_eq(s.terms[3].text,
	                 "resources.db_pool.utilization < 90%");
}
END_TEST

/* Parse bad, expect CS_ERR_USAGE with "--slo" and want in the message. */
static void
slo_bad(const char *bad, const char *want)
{
	cs_rep_slo s;
	cs_error err = { 0 };

	ck_assert_msg(cs_rep_slo_parse(bad, &s, &err) == CS_ERR_USAGE,
	              "\"%s\" was accepted", bad);
	ck_assert_str_eq(err.file, "--slo");
	ck_assert_msg(strstr(err.msg, want) != NULL,
	              "\"%s\": message \"%s\" lacks \"%s\"", bad, err.msg, want);
}

START_TEST(report_slo_rejects_bad_strings)
{
	slo_bad("", "empty term");
	slo_bad(" , ", "empty term");
	slo_bad("p95", "NAME<LIMIT or NAME>LIMIT");
	slo_bad("p95=400ms", "NAME<LIMIT or NAME>LIMIT");
	slo_bad("p95<400", "needs a unit: 400ms or 1.5s");
	slo_bad("p95<abc", "not a number");
	slo_bad("p95<-5ms", "must be >= 0");
	slo_bad("p95<400ms,", "empty term");
	slo_bad("p95<400ms,,error_rate<1%", "empty term");
	slo_bad("p95<<400ms", "not a number");
	slo_bad("p59<400ms", "did you mean \"p50\"");
	slo_bad("latency<400ms", "unknown metric");
	slo_bad("<400ms", "missing the metric name");
	slo_bad("p95<", "not a number");
	slo_bad("error_rate<5", "write 5% for five percent");
	slo_bad("error_rate<150%", "at most 100%");
	slo_bad("error_rate<1s", "a percentage (1%) or a ratio");
	slo_bad("throughput>fast", "not a number");
	slo_bad("throughput>100 apples", "unexpected text");
	slo_bad("p95<400ms,p95<400ms,p95<400ms,p95<400ms,p95<400ms,p95<400ms,"
	        "p95<400ms,p95<400ms,p95<400ms,p95<400ms,p95<400ms,p95<400ms,"
	        "p95<400ms,p95<400ms,p95<400ms,p95<400ms,p95<400ms", "at most 16");
}
END_TEST

START_TEST(report_slo_judges_with_the_interval)
{
	cs_rep_slo s;
	cs_rep_ci in = { 300, 280, 320 }, cross = { 390, 370, 410 },
	          out = { 420, 400, 440 };

	ck_assert_int_eq(cs_rep_slo_parse("p95<400ms,throughput>100", &s, NULL),
	                 CS_OK);
	ck_assert_int_eq(cs_rep_slo_judge(&s.terms[0], &in), CS_REP_MEETS);
	ck_assert_int_eq(cs_rep_slo_judge(&s.terms[0], &cross), CS_REP_UNSURE);
	ck_assert_int_eq(cs_rep_slo_judge(&s.terms[0], &out), CS_REP_VIOLATES);
	/* "more than": the low end decides */
	ck_assert_int_eq(cs_rep_slo_judge(&s.terms[1], &(cs_rep_ci){ 120, 90, 150 }),
	                 CS_REP_UNSURE);
	ck_assert(!cs_rep_slo_holds(&s.terms[0], NAN));
	ck_assert(!cs_rep_slo_holds(&s.terms[0], 400));
}
END_TEST

START_TEST(report_slo_metrics_must_exist)
{
	char *r = result(200, 50, 0.01, 0.5, 0, 0.3);
	cJSON *j = cJSON_Parse(r);
	cs_rep_slo s;
	cs_error err = { 0 };

	ck_assert_int_eq(cs_rep_slo_parse("p95<1s,resources.db_pool.utilization"
	                                  "<0.9", &s, &err), CS_OK);
	ck_assert_int_eq(cs_rep_slo_check(&s, j, &err), CS_OK);
	ck_assert_int_eq(cs_rep_slo_parse("resources.nope<1", &s, &err), CS_OK);
	ck_assert_int_eq(cs_rep_slo_check(&s, j, &err), CS_ERR_USAGE);
	ck_assert_str_eq(err.file, "--slo");
	ck_assert_has(err.msg, "no metric resources.nope");
	cJSON_Delete(j);
	free(r);
}
END_TEST

/* ---- bottlenecks ------------------------------------------------------------ */

START_TEST(report_uses_busiest_first)
{
	char *r = result(200, 50, 0.01, 0.83, 80, 0.5);
	cJSON *j = cJSON_Parse(r);
	cs_rep_svc svc = { "ai", 40, 50 };
	cs_rep_use u[16];
	size_t n = cs_rep_uses(j, &svc, 1, u, 16);

	/* DB pool 0.83, ai concurrency 30/40, ai rate 40/50, app CPU 0.5,
	 * DB CPU 0.2, workers 0.1 */
	ck_assert_uint_eq(n, 6);
	ck_assert_str_eq(u[0].name, "DB pool");
	ck_assert_double_eq(u[0].u, 0.83);
	ck_assert_double_eq(u[0].queue, 80);
	ck_assert(cs_rep_use_saturated(&u[0]));    /* 80 waiting */
	ck_assert_str_eq(u[1].name, "service ai rate limit");
	ck_assert_double_eq(u[1].u, 0.8);
	ck_assert(isnan(u[1].queue));
	ck_assert(!cs_rep_use_saturated(&u[1]));
	ck_assert_str_eq(u[2].name, "service ai concurrency");
	ck_assert_double_eq(u[2].u, 0.75);
	ck_assert_str_eq(u[5].name, "app workers");
	ck_assert_double_eq(u[5].queue, 0.1);      /* the backlog */
	ck_assert_uint_eq(cs_rep_uses(j, NULL, 0, u, 2), 2);
	cJSON_Delete(j);
	free(r);
}
END_TEST

START_TEST(report_service_limits_from_scenario)
{
	const char *p = write_tmp("svc.yaml",
	    "services:\n"
	    "  ai:\n"
	    "    latency: {dist: constant, value: 1s}\n"
	    "    concurrency: 100\n"
	    "    rate_limit: {rps: 3000/m, burst: 50}\n"
	    "  mail:\n"
	    "    latency: {dist: constant, value: 1s}\n"
	    "  wa:\n"
	    "    latency: {dist: constant, value: 1s}\n"
	    "    rate_limit: {rps: 80}\n");
	const char *sets[] = { "services.ai.concurrency=40" };
	cs_rep_svc *v;
	cs_error err = { 0 };
	size_t n;

	ck_assert_int_eq(cs_rep_svc_load(p, NULL, 0, &v, &n, &err), CS_OK);
	ck_assert_uint_eq(n, 2);      /* mail has no limits */
	ck_assert_str_eq(v[0].name, "ai");
	ck_assert_double_eq(v[0].concurrency, 100);
	ck_assert_double_eq(v[0].rate, 50);
	ck_assert_str_eq(v[1].name, "wa");
	ck_assert_double_eq(v[1].concurrency, 0);
	ck_assert_double_eq(v[1].rate, 80);
	free(v);
	ck_assert_int_eq(cs_rep_svc_load(p, sets, 1, &v, &n, &err), CS_OK);
	ck_assert_double_eq(v[0].concurrency, 40);
	free(v);
	ck_assert_int_eq(cs_rep_svc_load("/nonexistent.yaml", NULL, 0, &v, &n,
	                                 &err), CS_ERR_IO);
	unlink(p);
}
END_TEST

/* ---- measured points -------------------------------------------------------- */

static const char *
seed002(void)
{
	static char p[1200];

	snprintf(p, sizeof p, "%s/calibration/measurements/"
	         "seed-002-whatsapp-saas.yaml", src_dir);
	return p;
}

START_TEST(report_measured_keep_by_name)
{
	cs_imp_set set;
	cs_error err = { 0 };

	cs_imp_set_init(&set);
	ck_assert_int_eq(cs_imp_read(seed002(), NULL, &set, &err), CS_OK);
	ck_assert_uint_eq(set.n, 5);
	ck_assert_int_eq(cs_rep_measured_keep(&set, "peak,nope", &err),
	                 CS_ERR_USAGE);
	ck_assert_has(err.msg, "\"nope\"");
	ck_assert_has(err.msg, "baseline, peak, spike-hold-300");
	ck_assert_uint_eq(set.n, 5);
	ck_assert_int_eq(cs_rep_measured_keep(&set, "peak, baseline", &err),
	                 CS_OK);
	ck_assert_uint_eq(set.n, 2);
	ck_assert_str_eq(set.points[0].name, "baseline");
	ck_assert_str_eq(set.points[1].name, "peak");
	ck_assert_double_eq(cs_rep_field_get(&set.points[1], CS_REP_F_P95), 485);
	ck_assert(isnan(cs_rep_field_get(&set.points[1], CS_REP_F_NONE)));
	cs_imp_set_destroy(&set);
}
END_TEST

/* ---- HTML ------------------------------------------------------------------- */

START_TEST(report_html_escape)
{
	char *e;

	e = cs_rep_html_escape("<script>alert(\"x\" & 'y')</script>");
	ck_assert_str_eq(e, "&lt;script&gt;alert(&quot;x&quot; &amp; "
	                 "&#39;y&#39;)&lt;/script&gt;");
	free(e);
	/* UTF-8 stays; a lone byte of another encoding becomes U+FFFD */
	e = cs_rep_html_escape("caf\xC3\xA9 \xE6\x97\xA5 \xB2\xE2 \xF0\x9F\x98\x80");
	ck_assert_str_eq(e, "caf\xC3\xA9 \xE6\x97\xA5 \xEF\xBF\xBD\xEF\xBF\xBD "
	                 "\xF0\x9F\x98\x80");
	free(e);
	/* overlong and surrogate forms are not UTF-8 either */
	e = cs_rep_html_escape("\xC0\xAF\xED\xA0\x80");
	ck_assert_ptr_null(strstr(e, "\xC0"));
	ck_assert_ptr_null(strstr(e, "\xED\xA0"));
	free(e);
	/* tab and newline stay, CR goes, other controls are replaced */
	e = cs_rep_html_escape("a\tb\r\nc\x01\x7f");
	ck_assert_str_eq(e, "a\tb\nc\xEF\xBF\xBD\xEF\xBF\xBD");
	free(e);
	e = cs_rep_html_escape(NULL);
	ck_assert_str_eq(e, "");
	free(e);
}
END_TEST

/* The page as a string (charts off: no gnuplot needed). */
static char *
page(cs_rep_doc *d, const cs_rep_html_opts *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cs_error err = { 0 };

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(cs_rep_html_write(d, o, f, &err), CS_OK);
	fclose(f);
	return buf;
}

START_TEST(report_html_page_has_tables_and_analysis)
{
	cs_rep_doc *d = load_sweep();
	const char *scen = write_tmp("tiny.yaml",
	    "# a <b>scenario</b> & co\n"
	    "services:\n  ai:\n    latency: {dist: constant, value: 1s}\n"
	    "    concurrency: 40\n");
	cs_rep_html_opts o = { 0 };
	cs_imp_set set;
	cs_error err = { 0 };
	char *h;

	cs_imp_set_init(&set);
	ck_assert_int_eq(cs_imp_read(seed002(), NULL, &set, &err), CS_OK);
	o.scenario = scen;
	o.measured = &set;
	o.generator = "capsim test";
	h = page(d, &o);
	ck_assert_has(h, "<!DOCTYPE html>");
	ck_assert_has(h, "<meta charset=\"utf-8\">");
	/* a sweep overrides its file: the title says how, not the file's
	 * name, which may say otherwise */
	ck_assert_has(h, "<title>capsim report: tiny.yaml with "
	              "run.duration=1m, cache.hit_ratio=0.5; varying "
	              "load.users, db.pool.size</title>");
	ck_assert_lacks(h, "tiny &lt;shop&gt; &amp; co");
	ck_assert_has(h, "<table id=\"points\">");
	ck_assert_has(h, "<table id=\"measured\">");
	ck_assert_has(h, "<th>load.users</th><th>db.pool.size</th>");
	/* p95 of users=300, pool=20, with its interval */
	ck_assert_has(h, "900<span class=\"ci\">810&ndash;990</span>");
	/* the default SLO, judged */
	ck_assert_has(h, "p95 &lt; 400 ms, error_rate &lt; 1% (the default");
	ck_assert_has(h, "misses p95, error_rate");
	ck_assert_has(h, "<td class=\"ok\">meets</td>");
	ck_assert_has(h, "unsure: error_rate");
	/* pool 20: the pool saturates at 300 users (12 waiting); the SLO
	 * holds at 100 and 200, fails at 300 */
	ck_assert_has(h, "<h3>db.pool.size=20</h3>");
	ck_assert_has(h, "<b>DB pool</b> saturates first, at load.users=300: "
	              "88% busy, 12 waiting");
	ck_assert_has(h, "first missed at <b>load.users=300</b> (p95, "
	              "error_rate); the last point before that meets it: "
	              "load.users=200");
	/* pool 50: nothing saturates; the service's concurrency (30 of 40)
	 * is the busiest at 300 users */
	ck_assert_has(h, "busiest at load.users=300 is service ai concurrency "
	              "75% busy");
	ck_assert_has(h, "<td>pool_timeout (83%)</td>");
	/* the scenario, escaped */
	ck_assert_has(h, "# a &lt;b&gt;scenario&lt;/b&gt; &amp; co");
	ck_assert_lacks(h, "<b>scenario</b>");
	ck_assert_lacks(h, "<script");
	ck_assert_lacks(h, "http://");
	ck_assert_lacks(h, "https://");
	ck_assert_has(h, "Made by capsim test");
	free(h);

	/* without the scenario file: a note, and services left out */
	o.scenario = NULL;
	o.measured = NULL;
	h = page(d, &o);
	ck_assert_has(h, "could not be read");
	ck_assert_lacks(h, "<table id=\"measured\">");
	ck_assert_lacks(h, "service ai");
	free(h);
	unlink(scen);

	/* bytes that are not UTF-8 (the YAML reader refuses such a file, so
	 * no limits either) still give a UTF-8 page */
	scen = write_tmp("gbk.yaml", "name: \"\xc4\xe3\xba\xc3\" \xff\n");
	o.scenario = scen;
	h = page(d, &o);
	ck_assert_has(h, "name: &quot;\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
	              "\xEF\xBF\xBD&quot; \xEF\xBF\xBD");
	free(h);
	cs_imp_set_destroy(&set);
	cs_rep_doc_free(d);
	unlink(scen);
}
END_TEST

/* ---- charts ----------------------------------------------------------------- */

/* The chart's script and data as strings. */
static void
script(const cs_rep_chart *c, cs_rep_fmt fmt, char **s, char **dat)
{
	size_t ls = 0, ld = 0;
	FILE *fs = open_memstream(s, &ls), *fd = open_memstream(dat, &ld);

	ck_assert_int_eq(cs_rep_chart_script(c, fmt, "/tmp/d'x", fs, fd), CS_OK);
	fclose(fs);
	fclose(fd);
}

START_TEST(report_chart_script)
{
	cs_rep_doc *d = load_sweep();
	cs_rep_y y[CS_REP_Y_MAX];
	cs_rep_chart_opts o = { 0 };
	cs_rep_chart *c;
	cs_rep_slo slo;
	cs_imp_set set;
	cs_error err = { 0 };
	size_t ny;
	char *s, *dat;

	cs_imp_set_init(&set);
	ck_assert_int_eq(cs_imp_read(seed002(), NULL, &set, &err), CS_OK);
	ck_assert_int_eq(cs_rep_slo_parse("p95<400ms,error_rate<1%", &slo, &err),
	                 CS_OK);
	ck_assert_int_eq(cs_rep_y_parse("p50,p95,p99", NULL, y, CS_REP_Y_MAX,
	                                &ny, &err), CS_OK);
	o.y = y;
	o.ny = ny;
	o.measured = &set;
	o.slo = &slo;
	o.title = "it's <p95>";
	ck_assert_int_eq(cs_rep_chart_new(d, &o, &c, &err), CS_OK);
	/* p50 from 22.5 ms to p99 at 1800 ms: more than a decade */
	ck_assert(cs_rep_chart_logy(c));
	ck_assert_uint_eq(cs_rep_chart_nlimits(c), 1);  /* only the latency term */
	ck_assert_ptr_null(cs_rep_chart_note(c));
	script(c, CS_REP_PNG, &s, &dat);
	ck_assert_has(s, "set terminal pngcairo");
	ck_assert_has(s, "noenhanced");
	ck_assert_has(s, "set title 'it''s <p95>'");
	ck_assert_has(s, "set logscale y");
	ck_assert_has(s, "'SLO p95 < 400 ms'");
	ck_assert_has(s, "set arrow 1 from graph 0, first 400 to graph 1, first 400");
	ck_assert_has(s, "'/tmp/d''x' index 0 using 1:3:4 with filledcurves");
	ck_assert_has(s, "title 'p95, db.pool.size=50 per pool'");
	/* the subtitle (153 characters) is wider than a 1000-pixel chart
	 * holds: what the results are of on a line of its own */
	ck_assert_has(s, "'tiny.yaml with run.duration=1m, cache.hit_ratio=0.5; "
	              "varying load.users, db.pool.size' . \"\\n\" . '3 "
	              "replications per point; shaded bands are 95% confidence "
	              "intervals' . \"\\n\" . 'varies load.users (x), "
	              "db.pool.size (one line each)'");
	/* each p95 line's crossing of 400 ms, interpolated between its
	 * points around it; p50 and p99 lines are not p95 */
	ck_assert_has(s, "set label 2 '\u2248217 users' at first 216.6666667, "
	              "first 400 point");
	ck_assert_has(s, "set label 3 '\u2248293 users' at first 292.5925926, "
	              "first 400 point");
	ck_assert_lacks(s, "set label 4 ");
	ck_assert_has(s, "title 'measured p95 (seed-002-whatsapp-saas.yaml)'");
	ck_assert_lacks(s, "error_rate < 1%");
	/* six lines of three points, then the measured p50, p95 and p99 */
	ck_assert_has(dat, "# 0: \"p50, db.pool.size=20 per pool\"\n 100 25 22.5 27.5\n"
	              " 200 75 67.5 82.5\n 300 225 202.5 247.5\n\n\n");
	ck_assert_has(dat, "# 7: \"measured p95 (seed-002-whatsapp-saas.yaml)\"\n"
	              " 100 145 \"baseline\"\n 500 485 \"peak\"\n"
	              " 300 198 \"spike-hold-300\"\n 100 3870 \"business-flow\"\n");
	free(s);
	free(dat);
	cs_rep_chart_free(c);

	/* on a chart 2000 pixels wide it fits on one line */
	o.width = 2000;
	ck_assert_int_eq(cs_rep_chart_new(d, &o, &c, &err), CS_OK);
	script(c, CS_REP_PNG, &s, &dat);
	ck_assert_has(s, "db.pool.size: 3 replications per point; shaded bands "
	              "are 95% confidence intervals' . \"\\n\" . 'varies");
	free(s);
	free(dat);
	cs_rep_chart_free(c);
	o.width = 0;

	/* error rate: linear, in percent, its own SLO line; SVG */
	ck_assert_int_eq(cs_rep_y_parse("error_rate", NULL, y, CS_REP_Y_MAX, &ny,
	                                &err), CS_OK);
	o.ny = ny;
	o.title = NULL;
	ck_assert_int_eq(cs_rep_chart_new(d, &o, &c, &err), CS_OK);
	ck_assert(!cs_rep_chart_logy(c));
	script(c, CS_REP_SVG, &s, &dat);
	ck_assert_has(s, "set terminal svg");
	ck_assert_has(s, "set title 'Error rate vs users'");
	ck_assert_has(s, "set ylabel 'error rate (% of requests)'");
	ck_assert_has(s, "set yrange [0:");
	ck_assert_has(s, "'SLO error_rate < 1%'");
	ck_assert_lacks(s, "logscale");
	ck_assert_has(dat, " 500 2.1 \"peak\"\n");
	free(s);
	free(dat);
	cs_rep_chart_free(c);

	/* pool size on x: measured points have no place */
	o.x = "db.pool.size";
	ck_assert_int_eq(cs_rep_chart_new(d, &o, &c, &err), CS_OK);
	ck_assert_has(cs_rep_chart_note(c), "not drawn");
	cs_rep_chart_free(c);
	cs_imp_set_destroy(&set);
	cs_rep_doc_free(d);
}
END_TEST

START_TEST(report_format_of_name)
{
	cs_rep_fmt f;

	ck_assert_int_eq(cs_rep_fmt_of("a.png", &f), 0);
	ck_assert_int_eq(f, CS_REP_PNG);
	ck_assert_int_eq(cs_rep_fmt_of("dir.x/A.SVG", &f), 0);
	ck_assert_int_eq(f, CS_REP_SVG);
	ck_assert_int_eq(cs_rep_fmt_of("a.jpg", &f), -1);
	ck_assert_int_eq(cs_rep_fmt_of("dir.png/a", &f), -1);
	ck_assert_int_eq(cs_rep_fmt_of("png", &f), -1);
}
END_TEST

static bool
have_gnuplot(void)
{
	const char *path = getenv("PATH");
	char *p, *tok, *save = NULL, probe[1024];
	bool found = false;

	if (!path || !(p = strdup(path)))
		return false;
	for (tok = strtok_r(p, ":", &save); tok && !found;
	     tok = strtok_r(NULL, ":", &save)) {
		snprintf(probe, sizeof probe, "%s/gnuplot", tok);
		found = access(probe, X_OK) == 0;
	}
	free(p);
	return found;
}

START_TEST(report_renders_png_and_svg)
{
	cs_rep_doc *d;
	cs_rep_y y[CS_REP_Y_MAX];
	cs_rep_chart_opts o = { 0 };
	cs_rep_chart *c;
	cs_error err = { 0 };
	char path[600], *svg, *text;
	unsigned char magic[8];
	struct stat st;
	size_t ny;
	FILE *f;

	d = load_sweep();
	ck_assert_int_eq(cs_rep_y_parse("p95", NULL, y, CS_REP_Y_MAX, &ny, &err),
	                 CS_OK);
	o.y = y;
	o.ny = ny;
	ck_assert_int_eq(cs_rep_chart_new(d, &o, &c, &err), CS_OK);
	snprintf(path, sizeof path, "%s/c.png", tmp_dir);
	ck_assert_int_eq(cs_rep_chart_render(c, CS_REP_PNG, path, &err), CS_OK);
	f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fread(magic, 1, 8, f), 8);
	fclose(f);
	ck_assert_int_eq(memcmp(magic, "\x89PNG\r\n\x1a\n", 8), 0);
	unlink(path);
	snprintf(path, sizeof path, "%s/c.svg", tmp_dir);
	ck_assert_int_eq(cs_rep_chart_render(c, CS_REP_SVG, path, &err), CS_OK);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_gt(st.st_size, 1000);
	unlink(path);
	/* inline: no prologue, ids prefixed */
	ck_assert_int_eq(cs_rep_chart_svg(c, "k1-", &svg, &err), CS_OK);
	ck_assert_int_eq(strncmp(svg, "<svg", 4), 0);
	ck_assert_has(svg, "id='k1-gpPt0'");
	ck_assert_has(svg, "href='#k1-gpPt");
	ck_assert_lacks(svg, "<?xml");
	free(svg);
	/* a destination that cannot be written: an error, nothing left */
	ck_assert_int_eq(cs_rep_chart_render(c, CS_REP_PNG,
	                                     "/nonexistent/dir/c.png", &err),
	                 CS_ERR_IO);
	ck_assert_has(err.msg, "cannot write");
	cs_rep_chart_free(c);
	/* a whole page with its charts */
	{
		cs_rep_html_opts ho = { 0 };

		ho.charts = true;
		text = page(d, &ho);
		ck_assert_has(text, "<figure id=\"chart-1\">\n<svg");
		ck_assert_has(text, "id='c3-gpPt0'");
		ck_assert_has(text, "Latency percentiles (logarithmic axis)");
		free(text);
	}
	cs_rep_doc_free(d);
}
END_TEST

START_TEST(report_missing_gnuplot_is_a_clear_error)
{
	cs_rep_doc *d = load_sweep();
	cs_rep_y y[CS_REP_Y_MAX];
	cs_rep_chart_opts o = { 0 };
	cs_rep_chart *c;
	cs_error err = { 0 };
	char path[600], *old = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	size_t ny;

	ck_assert_int_eq(cs_rep_y_parse("p95", NULL, y, CS_REP_Y_MAX, &ny, &err),
	                 CS_OK);
	o.y = y;
	o.ny = ny;
	ck_assert_int_eq(cs_rep_chart_new(d, &o, &c, &err), CS_OK);
	snprintf(path, sizeof path, "%s/none.png", tmp_dir);
	setenv("PATH", tmp_dir, 1);
	ck_assert_int_eq(cs_rep_chart_render(c, CS_REP_PNG, path, &err),
	                 CS_ERR_IO);
	if (old)
		setenv("PATH", old, 1);
	free(old);
	ck_assert_has(err.msg, "gnuplot is not installed");
	ck_assert_has(err.msg, "gnuplot-nox");
	ck_assert_int_ne(access(path, F_OK), 0);
	cs_rep_chart_free(c);
	cs_rep_doc_free(d);
}
END_TEST

static Suite *
report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *t = tcase_create("data");

	tcase_add_test(t, report_reads_sweep_document);
	tcase_add_test(t, report_reads_run_document_as_one_point);
	tcase_add_test(t, report_reads_validate_document_along_users);
	tcase_add_test(t, report_rejects_what_is_not_results);
	tcase_add_test(t, report_survives_pathological_documents);
	tcase_add_test(t, report_metric_finds_dotted_names);
	tcase_add_test(t, report_numbers_with_units);
	tcase_add_test(t, report_series_group_and_sort);
	tcase_add_test(t, report_x_errors_name_the_choices);
	tcase_add_test(t, report_y_parse_names_paths_and_units);
	tcase_add_test(t, report_log_scale_when_span_exceeds_a_decade);
	tcase_add_test(t, report_slo_parses_terms);
	tcase_add_test(t, report_slo_rejects_bad_strings);
	tcase_add_test(t, report_slo_judges_with_the_interval);
	tcase_add_test(t, report_slo_metrics_must_exist);
	tcase_add_test(t, report_uses_busiest_first);
	tcase_add_test(t, report_service_limits_from_scenario);
	tcase_add_test(t, report_measured_keep_by_name);
	suite_add_tcase(s, t);

	t = tcase_create("html");
	tcase_add_test(t, report_html_escape);
	tcase_add_test(t, report_html_page_has_tables_and_analysis);
	suite_add_tcase(s, t);

	t = tcase_create("plot");
	tcase_add_test(t, report_chart_script);
	tcase_add_test(t, report_format_of_name);
	tcase_add_test(t, report_missing_gnuplot_is_a_clear_error);
	suite_add_tcase(s, t);
	return s;
}

/* The pictures, with gnuplot: their own meson test (report-pictures), so
 * that a machine without gnuplot reports it skipped, not passed. */
static Suite *
pictures_suite(void)
{
	Suite *s = suite_create("report-pictures");
	TCase *t = tcase_create("pictures");

	tcase_set_timeout(t, 120);
	tcase_add_test(t, report_renders_png_and_svg);
	suite_add_tcase(s, t);
	return s;
}

int
main(int argc, char **argv)
{
	const char *env = getenv("CS_SOURCE_ROOT");
	int pictures = argc > 1 && !strcmp(argv[1], "--pictures");
	const char *slash = strrchr(__FILE__, '/');
	SRunner *r;
	int failed;

	/* the source tree, for calibration/measurements, wherever the test
	 * runs from */
	{
		char cand[5][1024];
		size_t i, n = 0;

		if (env)
			snprintf(cand[n++], sizeof cand[0], "%s", env);
		if (slash)
			snprintf(cand[n++], sizeof cand[0], "%.*s/..",
			         (int)(slash - __FILE__), __FILE__);
		snprintf(cand[n++], sizeof cand[0], ".");
		snprintf(cand[n++], sizeof cand[0], "..");
		snprintf(cand[n++], sizeof cand[0], "../..");
		for (i = 0; i < n; i++) {
			snprintf(src_dir, sizeof src_dir, "%s", cand[i]);
			if (access(seed002(), R_OK) == 0)
				break;
		}
		if (i == n) {
			fprintf(stderr, "test-report: cannot find calibration/"
			        "measurements (set CS_SOURCE_ROOT)\n");
			return 1;
		}
	}
	snprintf(tmp_dir, sizeof tmp_dir, "/tmp/capsim-report-XXXXXX");
	if (!mkdtemp(tmp_dir)) {
		perror("mkdtemp");
		return 1;
	}
	if (pictures && !have_gnuplot()) {
		fprintf(stderr, "test-report: skipped: gnuplot is not installed\n");
		rmdir(tmp_dir);
		return 77; /* meson: SKIP */
	}
	r = srunner_create(pictures ? pictures_suite() : report_suite());
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	rmdir(tmp_dir);
	return failed ? 1 : 0;
}
