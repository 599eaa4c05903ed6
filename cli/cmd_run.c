/* capsim run SCENARIO [options]: simulate one scenario and print the result. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "calibration/fit.h"
#include "cli/cli.h"
#include "cli/opts.h"
#include "sweep/sweepio.h"
#include "sweep/slo.h"

/* Exit status when an --slo term is missed (k6's for failed thresholds). */
#define EXIT_SLO_MISSED 99

static const cs_cli_opt run_opts[] = {
	{ .name = "replications", .val = 'r', .arg = "R",
	  .def = "run.replications (5)", .flags = CS_OPT_SHORT,
	  .help = "independent runs, 1-100000; the CIs come from their spread" },
	{ .name = "seed", .val = 'S', .arg = "S", .def = "run.seed (1)",
	  .flags = CS_OPT_SHORT,
	  .help = "base random seed, 0-2^53-1: the same seed gives the same "
	          "bytes" },
	{ .name = "jobs", .val = 'j', .arg = "N", .def = "0: one per core",
	  .flags = CS_OPT_SHORT,
	  .help = "threads running replications; never changes the output" },
	{ .name = "set", .val = 's', .arg = "PATH=VALUE",
	  .flags = CS_OPT_SHORT | CS_OPT_PATH,
	  .help = "override a scenario value (repeatable, in order): "
	          "db.pool.size=25, 'load.think={dist: exponential, mean: 1s}'" },
	{ .name = "format", .val = 'f', .arg = "F", .def = "table",
	  .flags = CS_OPT_SHORT, .values = "table json csv",
	  .help = "table (a k6-style summary), json or csv" },
	{ .name = "output", .val = 'o', .arg = "FILE", .def = "standard output",
	  .flags = CS_OPT_SHORT | CS_OPT_FILE,
	  .help = "write to FILE, atomically" },
	{ .name = "timeseries", .val = 't', .arg = "INTERVAL", .def = "off",
	  .flags = CS_OPT_SHORT,
	  .help = "also one row per INTERVAL (10s, 1m) of replication 1" },
	{ .name = "slo", .val = 'l', .arg = "TERMS", .def = "none",
	  .flags = CS_OPT_SHORT,
	  .help = "judge the run like k6's thresholds ('p95<400ms,"
	          "error_rate<1%'): each term printed with its CI; exit status "
	          "99 when a term's mean misses" },
	CS_CLI_OPT_PRECISION,
	CS_CLI_OPT_HELP,
	{ 0 }
};

const cs_cli_cmd cs_cli_cmd_run = {
	.name = "run", .args = "SCENARIO",
	.summary = "Simulate a scenario and print a k6-style summary, JSON or "
	           "CSV: latency percentiles, errors by cause, throughput and "
	           "each resource's use, each with a 95% confidence interval.",
	.example = "run scenarios/500u.yaml --set db.pool.size=25",
	.opts = run_opts, .main = cs_cmd_run,
};

static int
bad(const char *fmt, const char *arg)
{
	cs_cli_fail("run", fmt, arg);
	cs_cli_usage(&cs_cli_cmd_run, stderr);
	return CS_EXIT_INPUT;
}

static const char *const pi_names[] = {
	"throughput_rps", "p50_ms", "p95_ms", "p99_ms", "error_rate",
	"app_cpu_utilization", "db_cpu_utilization", "pool_in_use",
	"event_loop_utilization"
};

/* One --slo term judged on the result: its value with CI, and whether the
 * mean meets it and whether the whole CI does. */
typedef struct judged {
	double mean, lo, hi;
	bool met, certain;
} judged;

static void
judge(const cs_slo_term *t, const cs_result *res, judged *j)
{
	j->mean = j->lo = j->hi = NAN;
	cs_result_metric(res, t->metric, &j->mean, &j->lo, &j->hi);
	j->met = cs_slo_ratio(t, res, 0) <= 1 && !isnan(j->mean) &&
	         (t->less ? j->mean < t->limit : j->mean > t->limit);
	/* the whole interval on the same side as the mean */
	j->certain = j->met ? (t->less ? j->hi < t->limit : j->lo > t->limit) :
	             (t->less ? j->lo >= t->limit : j->hi <= t->limit);
}

/* The run's JSON with "prediction_interval" (a calibrated scenario) and
 * "slo" (--slo) objects beside "overall". */
static cs_status
write_json_extra(const cs_result *res, const cs_cal_run_pi *pi,
                 const cs_slo *slo, const char *file, const char **sets,
                 size_t nsets, FILE *f)
{
	char *txt = cs_result_json(res), *outs, hex[17];
	cJSON *root = txt ? cJSON_Parse(txt) : NULL, *o, *mo, *run, *sa;
	size_t m;
	bool ok = true;

	free(txt);
	if (!root)
		return CS_ERR_NOMEM;
	/* provenance: what exactly was run, so that a result file says it */
	run = cJSON_GetObjectItemCaseSensitive(root, "run");
	if (run) {
		ok = cJSON_AddStringToObject(run, "capsim_version",
		                             CAPSIM_VERSION) != NULL;
		if (ok && !sweep_file_hash(file, hex, NULL))
			ok = cJSON_AddStringToObject(run, "scenario_fnv1a64",
			                             hex) != NULL;
		sa = ok ? cJSON_AddArrayToObject(run, "sets") : NULL;
		ok = ok && sa;
		for (m = 0; ok && m < nsets; m++)
			ok = cJSON_AddItemToArray(sa, cJSON_CreateString(sets[m]));
	}
	if (ok && slo && slo->n) {
		sa = cJSON_AddArrayToObject(root, "slo");
		ok = sa != NULL;
		for (m = 0; ok && m < slo->n; m++) {
			cJSON *e = cJSON_CreateObject();
			judged j;

			judge(&slo->t[m], res, &j);
			ok = e && cJSON_AddItemToArray(sa, e) &&
			     cJSON_AddStringToObject(e, "term", slo->t[m].text) &&
			     cJSON_AddStringToObject(e, "metric", slo->t[m].metric) &&
			     cJSON_AddNumberToObject(e, "limit", slo->t[m].limit) &&
			     (isnan(j.mean) ? cJSON_AddNullToObject(e, "mean") != NULL :
			      cJSON_AddNumberToObject(e, "mean", j.mean) != NULL &&
			      cJSON_AddNumberToObject(e, "ci_low", j.lo) != NULL &&
			      cJSON_AddNumberToObject(e, "ci_high", j.hi) != NULL) &&
			     cJSON_AddBoolToObject(e, "met", j.met) &&
			     cJSON_AddBoolToObject(e, "certain", j.certain);
		}
	}
	if (!pi || !pi->has)
		goto print;
	o = cJSON_CreateObject();
	ok = ok && o && cJSON_AddItemToObject(root, "prediction_interval", o) &&
	     cJSON_AddNumberToObject(o, "level", 0.9) &&
	     cJSON_AddNumberToObject(o, "draws", (double)pi->draws) &&
	     cJSON_AddStringToObject(o, "unidentified", pi->unidentified) &&
	     cJSON_AddStringToObject(o, "to_narrow_it", pi->pin);
	mo = ok ? cJSON_AddObjectToObject(o, "metrics") : NULL;
	ok = ok && mo;
	for (m = 0; ok && m < CS_CAL_NMETRICS; m++) {
		cJSON *e;

		if (isnan(pi->lo[m]))
			continue;
		e = cJSON_AddObjectToObject(mo, pi_names[m]);
		ok = e && cJSON_AddNumberToObject(e, "low", pi->lo[m]) &&
		     cJSON_AddNumberToObject(e, "high", pi->hi[m]);
	}
print:
	outs = ok ? cJSON_Print(root) : NULL;
	cJSON_Delete(root);
	if (!outs)
		return CS_ERR_NOMEM;
	fprintf(f, "%s\n", outs);
	free(outs);
	return ferror(f) ? CS_ERR_IO : CS_OK;
}

static void
write_table_pi(const cs_cal_run_pi *pi, FILE *f)
{
	size_t m;

	fprintf(f, "\n  prediction interval (90%%: where a real test like this "
	        "run should land; %zu calibrated parameter sets + the real "
	        "system's noise)\n", pi->draws);
	for (m = 0; m < CS_CAL_NMETRICS; m++) {
		double lo = pi->lo[m], hi = pi->hi[m];

		if (isnan(lo))
			continue;
		if (m == CS_CAL_THROUGHPUT)
			fprintf(f, "    %-22s %.4g .. %.4g req/s\n", pi_names[m], lo, hi);
		else if (m == CS_CAL_POOL)
			fprintf(f, "    %-22s %.4g .. %.4g connections\n",
			        pi_names[m], lo, hi);
		else if (m == CS_CAL_ERROR_RATE || m >= CS_CAL_APP_CPU)
			fprintf(f, "    %-22s %.2f%% .. %.2f%%\n", pi_names[m],
			        100 * lo, 100 * hi);
		else
			fprintf(f, "    %-22s %.4g .. %.4g ms\n", pi_names[m], lo, hi);
	}
	if (pi->unidentified[0])
		fprintf(f, "    not known from the calibration data, so spanning "
		        "their ranges: %s\n", pi->unidentified);
	if (pi->pin[0])
		fprintf(f, "    to narrow it, measure %s\n", pi->pin);
}

/* The table's thresholds block, as k6 prints its thresholds. */
static void
write_table_slo(const cs_slo *slo, const cs_result *res, FILE *f)
{
	size_t m;

	fputs("\n  thresholds (--slo; judged on the mean, 95% CI beside it)\n", f);
	for (m = 0; m < slo->n; m++) {
		judged j;

		judge(&slo->t[m], res, &j);
		fprintf(f, "    %s %-22s %.4g [%.4g .. %.4g]%s\n",
		        j.met ? "met   " : "MISSED", slo->t[m].text, j.mean, j.lo,
		        j.hi, j.certain ? "" : "  (the CI crosses the limit: "
		        "more replications would say)");
	}
}

static bool
slo_all_met(const cs_slo *slo, const cs_result *res)
{
	size_t m;

	for (m = 0; m < slo->n; m++) {
		judged j;

		judge(&slo->t[m], res, &j);
		if (!j.met)
			return false;
	}
	return true;
}

int
cs_cmd_run(int argc, char **argv)
{
	cs_run_opts ro = { 0 };
	cs_cli_progress prog;
	cs_format fmt = CS_FORMAT_TABLE;
	const char *out_path = NULL, **sets;
	size_t nsets = 0;
	cs_scenario *sc = NULL;
	cs_result *res = NULL;
	cs_error err = { 0 };
	cs_out out;
	cs_cal_run_pi pi;
	cs_slo slo = { 0 };
	const char *slo_text = NULL;
	int c, rc;
	cs_status s;

	sets = calloc((size_t)argc, sizeof *sets);
	if (!sets)
		return CS_EXIT_FAIL;
	optind = 1;
	while ((c = cs_cli_getopt(&cs_cli_cmd_run, argc, argv)) != -1) {
		switch ((rc = cs_cli_run_option("run", c, optarg, &ro))) {
		case 0:
			continue;
		case 1:
			break;
		default:
			free(sets);
			cs_cli_usage(&cs_cli_cmd_run, stderr);
			return rc;
		}
		switch (c) {
		case 's':
			sets[nsets++] = optarg;
			break;
		case 'f':
			if (!strcmp(optarg, "table"))
				fmt = CS_FORMAT_TABLE;
			else if (!strcmp(optarg, "json"))
				fmt = CS_FORMAT_JSON;
			else if (!strcmp(optarg, "csv"))
				fmt = CS_FORMAT_CSV;
			else {
				free(sets);
				return bad("--format must be table, json or csv (got \"%s\")", optarg);
			}
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'l':
			slo_text = optarg;
			break;
		case 't':
			ro.timeseries = cs_cli_seconds(optarg);
			if (!(ro.timeseries > 0)) {
				free(sets);
				return bad("--timeseries needs an interval with a unit, like 10s, 1m or 1m30s (got \"%s\")", optarg);
			}
			break;
		case 'h':
			cs_cli_help(&cs_cli_cmd_run, stdout);
			free(sets);
			return CS_EXIT_OK;
		default:
			free(sets);
			return cs_cli_bad_option(&cs_cli_cmd_run, c, argv);
		}
	}
	if (optind != argc - 1) {
		free(sets);
		return bad("%s", optind >= argc ? "missing the scenario file" :
		           "give exactly one scenario file");
	}
	if ((rc = cs_cli_run_check("run", &ro))) {
		free(sets);
		cs_cli_usage(&cs_cli_cmd_run, stderr);
		return rc;
	}
	if ((rc = cs_cli_same_file("run", out_path, argv[optind]))) {
		free(sets);
		return rc;
	}
	if (slo_text && (s = cs_slo_parse(slo_text, &slo, &err))) {
		free(sets);
		cs_error_print(stderr, &err);
		return cs_cli_exit(s);
	}
	s = cs_scenario_load_file(argv[optind], sets, nsets, &sc, &err);
	if (s) {
		free(sets);
		cs_error_print(stderr, &err);
		return cs_cli_exit(s);
	}
	/* a calibrated file's block is checked now, before the run; its
	 * prediction interval is made after it, centred on its answer */
	{
		cs_cal_unc u;

		if (!(s = cs_cal_unc_read(argv[optind], &u, &err)))
			cs_cal_unc_free(&u);
	}
	/* sets stay until the output is written: its provenance */
	if (s) {
		cs_error_print(stderr, &err);
		cs_scenario_free(sc);
		free(sets);
		return cs_cli_exit(s);
	}
	if (ro.timeseries > cs_scenario_duration(sc)) {
		char msg[160];

		snprintf(msg, sizeof msg, "--timeseries interval (%gs) is longer "
		         "than the run (%gs)", ro.timeseries, cs_scenario_duration(sc));
		cs_scenario_free(sc);
		free(sets);
		return bad("%s", msg);
	}
	if (ro.timeseries > 0 &&
	    cs_scenario_duration(sc) / ro.timeseries > CS_TIMESERIES_MAX_ROWS) {
		char msg[200];

		snprintf(msg, sizeof msg, "--timeseries interval (%gs) makes %.3g "
		         "rows over the run (%gs); at most %d: choose an interval "
		         "of at least %gs", ro.timeseries,
		         cs_scenario_duration(sc) / ro.timeseries,
		         cs_scenario_duration(sc), CS_TIMESERIES_MAX_ROWS,
		         cs_scenario_duration(sc) / CS_TIMESERIES_MAX_ROWS);
		cs_scenario_free(sc);
		free(sets);
		return bad("%s", msg);
	}
	/* before the simulation: a bad -o path should not cost a whole run */
	if (cs_out_open(&out, out_path)) {
		cs_scenario_free(sc);
		free(sets);
		return cs_out_fail("run", &out, CS_EXIT_INPUT);
	}
	cs_cli_progress_start(&prog, "run", &ro);
	s = cs_run(sc, &ro, &res, &err);
	cs_cli_progress_end(&prog);
	/* a calibrated file: where the real system will land, not only what
	 * the model computes */
	if (!s) {
		cs_run_opts po = ro;

		if (!po.has_seed) {
			po.seed = cs_scenario_seed(sc);
			po.has_seed = 1;
		}
		s = cs_cal_run_pi_compute(argv[optind], sets, nsets, &po, res,
		                          &pi, &err);
	}
	if (s) {
		cs_error_print(stderr, &err);
		cs_out_abort(&out);
		cs_result_free(res);
		cs_scenario_free(sc);
		free(sets);
		return s == CS_ERR_INVALID ? CS_EXIT_INPUT : CS_EXIT_FAIL;
	}
	/* the table's header says what exactly ran, as the JSON's run
	 * block does */
	{
		char hex[17];

		s = cs_result_set_provenance(res, CAPSIM_VERSION,
		    sweep_file_hash(argv[optind], hex, NULL) ? NULL : hex,
		    sets, nsets);
	}
	errno = 0;
	if (s)
		; /* out of memory: reported below */
	else if (fmt == CS_FORMAT_JSON)
		s = write_json_extra(res, &pi, &slo, argv[optind], sets, nsets,
		                     out.f);
	else
		s = cs_result_write(res, fmt, out.f);
	if (!s && fmt == CS_FORMAT_TABLE) {
		if (pi.has)
			write_table_pi(&pi, out.f);
		if (slo.n)
			write_table_slo(&slo, res, out.f);
		if (ferror(out.f))
			s = CS_ERR_IO;
	}
	if (s == CS_ERR_IO) {
		/* a full disk mid-write must say so, not only exit 1 */
		rc = cs_out_write_fail("run", &out, errno, CS_EXIT_FAIL);
	} else if (s) {
		cs_out_abort(&out);
		fprintf(stderr, "capsim run: error: writing the result failed: "
		        "%s\n", cs_status_str(s));
		rc = CS_EXIT_FAIL;
	} else if (cs_out_commit(&out)) {
		rc = cs_out_fail("run", &out, CS_EXIT_FAIL);
	} else if (slo.n && !slo_all_met(&slo, res)) {
		/* the output is written; the status gates a pipeline */
		fputs("capsim run: an --slo term is missed (exit status 99)\n",
		      stderr);
		rc = EXIT_SLO_MISSED;
	} else {
		rc = CS_EXIT_OK;
	}
	cs_result_free(res);
	cs_scenario_free(sc);
	free(sets);
	return rc;
}
