/*
 * capsim sweep SCENARIO --vary PATH=VALUES [...]: a what-if grid.
 */
#include <errno.h>
#include <math.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "calibration/fit.h"
#include "cli/cli.h"
#include "cli/opts.h"
#include "sweep/sweepio.h"
#include "models/reuse.h"
#include "sweep/sweep.h"

static const cs_cli_opt sweep_opts[] = {
	{ .name = "vary", .val = 'v', .arg = "PATH=VALUES",
	  .flags = CS_OPT_SHORT | CS_OPT_PATH,
	  .help = "a scenario path and its values: a list (10,20,50) or a range "
	          "LO:HI:STEP (10:60:5, 100ms:1s:100ms); repeat for a grid" },
	{ .name = "set", .val = 's', .arg = "PATH=VALUE",
	  .flags = CS_OPT_SHORT | CS_OPT_PATH,
	  .help = "a fixed override applied to every point first" },
	{ .name = "replications", .val = 'r', .arg = "R",
	  .def = "run.replications (5)", .flags = CS_OPT_SHORT,
	  .help = "independent runs per point" },
	{ .name = "seed", .val = 'S', .arg = "S", .def = "run.seed (1)",
	  .flags = CS_OPT_SHORT, .help = "base random seed" },
	{ .name = "jobs", .val = 'j', .arg = "N", .def = "0: one per core",
	  .flags = CS_OPT_SHORT,
	  .help = "points run in parallel; never changes the output" },
	{ .name = "format", .val = 'f', .arg = "F",
	  .def = "table; from -o's .csv or .json", .flags = CS_OPT_SHORT,
	  .values = "table csv json", .help = "table, csv or json" },
	{ .name = "output", .val = 'o', .arg = "FILE", .def = "standard output",
	  .flags = CS_OPT_SHORT | CS_OPT_FILE,
	  .help = "write to FILE; each finished point is saved beside it in "
	          "FILE.journal" },
	{ .name = "resume", .val = 'R', .flags = CS_OPT_SHORT,
	  .help = "skip the points already in FILE.journal (needs -o)" },
	{ .name = "shard", .val = 'x', .arg = "I/N", .def = "1/1",
	  .flags = CS_OPT_SHORT,
	  .help = "run every N-th point from the I-th, as JSON for capsim merge" },
	{ .name = "no-share", .val = 'N',
	  .help = "run every replication of every point, even where a sweep "
	          "of a limit (pool, workers, a service's concurrency) could "
	          "take it from another point; the output is the same bytes" },
	CS_CLI_OPT_PRECISION,
	CS_CLI_OPT_HELP,
	{ 0 }
};

const cs_cli_cmd cs_cli_cmd_sweep = {
	.name = "sweep", .args = "SCENARIO --vary PATH=VALUES...",
	.summary = "A what-if grid: run the scenario at every combination of "
	           "the --vary values and print one row per point, every "
	           "metric with its 95% CI.",
	.example = "sweep scenarios/500u.yaml --vary db.pool.size=10:60:10 "
	           "--vary load.users=100,300,500",
	.opts = sweep_opts, .main = cs_cmd_sweep,
};

typedef struct state {
	sweepdoc *doc;
	const cs_sweep *sw;
	FILE *journal;
	size_t wanted, finished;
	double t0;
	int tty;
	int failed;
	size_t die_after;  /* tests: SIGKILL after this many journal lines */
	size_t journaled;
	/* a calibrated scenario: each point's run as its prediction
	 * interval's centre (exact: its JSON has been through text), for
	 * the points run here (reps 0: not run here); NULL otherwise */
	cs_cal_pred *centre;
} state;

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
progress(state *st)
{
	double el = mono() - st->t0;
	double eta = st->finished ? el / (double)st->finished *
	             (double)(st->wanted - st->finished) : 0;
	int w = 30, k, fill = st->wanted ? (int)(w * st->finished / st->wanted) : w;

	fputs("\r[", stderr);
	for (k = 0; k < w; k++)
		fputc(k < fill ? '#' : '-', stderr);
	fprintf(stderr, "] %zu/%zu points, %.0fs, ETA %.0fs ", st->finished,
	        st->wanted, el, eta);
	if (st->finished == st->wanted)
		fputc('\n', stderr);
}

/* Point values of the grid, as the document stores them. */
static char **
values_of(const cs_sweep *sw, size_t i, char **buf)
{
	size_t k;

	for (k = 0; k < cs_sweep_ndims(sw); k++)
		buf[k] = (char *)cs_sweep_value(sw, i, k);
	return buf;
}

static int
on_point(size_t i, const cs_result *res, void *ctx)
{
	state *st = ctx;
	char *text = cs_result_json(res), *vals[64];
	cJSON *j;

	if (!text)
		return st->failed = 1;
	j = cJSON_Parse(text);
	free(text);
	if (!j)
		return st->failed = 1;
	cJSON_DeleteItemFromObjectCaseSensitive(j, "timeseries");
	if (st->journal && journal_point(st->journal, i, j)) {
		cJSON_Delete(j);
		return st->failed = 1;
	}
	/* the resume tests' deterministic "kill -9 mid-sweep" */
	if (st->journal && st->die_after && ++st->journaled == st->die_after)
		raise(SIGKILL);
	if (sweepdoc_put(st->doc, i, values_of(st->sw, i, vals), j))
		return st->failed = 1;
	if (st->centre)
		cs_cal_pred_of_result(res, &st->centre[i]);
	st->finished++;
	if (st->tty)
		progress(st);
	return 0;
}

/*
 * For a calibrated scenario (a calibration block with parameters): the
 * 90% prediction interval of every point, as "prediction_interval" beside
 * its metrics (capsim run's fields).  The block is read once; the points
 * are done in order, each with the grid's values as overrides.
 */
static cs_status
add_intervals(sweepdoc *d, const state *st, const cs_sweep *sw,
              const char *scenario, const char **sets, size_t nsets,
              const cs_run_opts *ro, cs_error *err)
{
	static const char *const names[CS_CAL_NMETRICS] = {
		"throughput_rps", "p50_ms", "p95_ms", "p99_ms", "error_rate",
		"app_cpu_utilization", "db_cpu_utilization", "pool_in_use",
		"event_loop_utilization"
	};
	size_t i, m, dim = 0;
	struct cs_reuse *reuse;
	cs_run_opts po = *ro;
	cs_cal_unc u;
	cs_status s;

	/* a bad block is an error here (file:line:col), not "no block" */
	if ((s = cs_cal_unc_read(scenario, &u, err)))
		return s;
	m = u.n;
	cs_cal_unc_free(&u);
	if (!m)
		return CS_OK;
	if (!po.has_seed) {
		po.seed = d->seed;
		po.has_seed = 1;
	}
	/* a sweep of a limit: each interval run shared across the limit's
	 * values as the sweep's own are (models/reuse.h) */
	reuse = cs_sweep_reuse_new(sw, &dim);
	for (i = 0; !s && i < d->total; i++) {
		cs_cal_run_pi pi;
		cJSON *o, *mo;

		if (!d->points[i] || cJSON_GetObjectItemCaseSensitive(d->points[i],
		    "prediction_interval"))
			continue;
		/* centred on the point's own run, as capsim run's interval
		 * is (else, for a point from the journal, run again) */
		if ((s = cs_sweep_point_pi(sw, i, scenario, sets, nsets, &po,
		                           st->centre && st->centre[i].reps ?
		                           &st->centre[i] : NULL, reuse, dim, &pi,
		                           err)))
			break;
		o = cJSON_AddObjectToObject(d->points[i], "prediction_interval");
		mo = o ? cJSON_AddObjectToObject(o, "metrics") : NULL;
		if (!mo || !cJSON_AddNumberToObject(o, "level", 0.9) ||
		    !cJSON_AddNumberToObject(o, "draws", (double)pi.draws) ||
		    !cJSON_AddStringToObject(o, "unidentified", pi.unidentified))
			s = CS_ERR_NOMEM;
		for (m = 0; !s && m < CS_CAL_NMETRICS; m++) {
			cJSON *e;

			if (isnan(pi.lo[m]))
				continue;
			e = cJSON_AddObjectToObject(mo, names[m]);
			if (!e || !cJSON_AddNumberToObject(e, "low", pi.lo[m]) ||
			    !cJSON_AddNumberToObject(e, "high", pi.hi[m]))
				s = CS_ERR_NOMEM;
		}
		if (s)
			cs_error_set(err, s, "", 0, 0, "", "out of memory");
	}
	cs_reuse_free(reuse);
	return s;
}

#define fail cs_cli_fail

int
cs_cmd_sweep(int argc, char **argv)
{
	const char **vary = calloc((size_t)argc, sizeof *vary);
	const char **sets = calloc((size_t)argc, sizeof *sets);
	size_t nvary = 0, nsets = 0, i, *wanted = NULL, nwanted = 0;
	const char *out_path = NULL, *scenario;
	sweepfmt fmt = SWEEP_TABLE;
	int fmt_given = 0, resume = 0, share = 1, c, rc = CS_EXIT_FAIL;
	unsigned long shard_i = 1, shard_n = 1;
	cs_run_opts ro = { 0 };
	cs_sweep *sw = NULL;
	cs_scenario *sc = NULL;
	cs_error err = { 0 };
	sweepdoc doc = { 0 };
	state st = { 0 };
	char *joined = NULL, *jpath = NULL;
	size_t jl = 1;
	long keep = 0; /* bytes of the journal to keep on --resume */
	cs_status s;
	cs_out output = { 0 };
	int opened = 0;

	if (!vary || !sets)
		goto out;
	optind = 1;
	while ((c = cs_cli_getopt(&cs_cli_cmd_sweep, argc, argv)) != -1) {
		switch (c) {
		case 'v': vary[nvary++] = optarg; break;
		case 's': sets[nsets++] = optarg; jl += strlen(optarg) + 1; break;
		case 'r':
		case 'S':
		case 'j':
		case CS_OPT_PRECISION:
		case CS_OPT_PRECISION_FLOOR:
		case CS_OPT_MAX_REPS:
			/* rc stays an error status: a good option must not
			 * turn a later failure into exit 0 */
			if (cs_cli_run_option("sweep", c, optarg, &ro)) {
				rc = CS_EXIT_INPUT;
				goto out;
			}
			break;
		case 'f':
			if (sweepfmt_parse(optarg, &fmt)) {
				rc = fail("sweep", "--format must be table, csv or json (got \"%s\")", optarg);
				goto out;
			}
			fmt_given = 1;
			break;
		case 'o': out_path = optarg; break;
		case 'R': resume = 1; break;
		case 'N': share = 0; break;
		case 'x':
			if (sscanf(optarg, "%lu/%lu%c", &shard_i, &shard_n, (char *)&c) != 2 ||
			    shard_n < 1 || shard_i < 1 || shard_i > shard_n) {
				rc = fail("sweep", "--shard is I/N with 1 <= I <= N, e.g. 2/4 (got \"%s\")", optarg);
				goto out;
			}
			break;
		case 'h':
			cs_cli_help(&cs_cli_cmd_sweep, stdout);
			rc = CS_EXIT_OK;
			goto out;
		default:
			rc = cs_cli_bad_option(&cs_cli_cmd_sweep, c, argv);
			goto out;
		}
	}
	if (optind != argc - 1) {
		rc = fail("sweep", "%s", optind >= argc ? "missing the scenario file" :
		          "give exactly one scenario file");
		cs_cli_usage(&cs_cli_cmd_sweep, stderr);
		goto out;
	}
	scenario = argv[optind];
	if ((rc = cs_cli_run_check("sweep", &ro))) {
		cs_cli_usage(&cs_cli_cmd_sweep, stderr);
		goto out;
	}
	rc = CS_EXIT_FAIL;
	if (resume && !out_path) {
		rc = fail("sweep", "%s", "--resume needs -o FILE (the journal sits beside it)");
		goto out;
	}
	if (!fmt_given && out_path)
		sweepfmt_from_path(out_path, &fmt);
	if (shard_n > 1 && fmt != SWEEP_JSON) {
		rc = fail("sweep", "%s", "a shard is written as JSON for capsim merge: add --format json or -o NAME.json");
		goto out;
	}
	if ((rc = cs_cli_same_file("sweep", out_path, scenario)))
		goto out;
	rc = CS_EXIT_FAIL;
	s = cs_sweep_new(vary, nvary, &sw, &err);
	if (s) {
		cs_error_print(stderr, &err);
		rc = cs_cli_exit(s);
		goto out;
	}
	/* load once up front: a bad file or --set fails before any work */
	s = cs_scenario_load_file(scenario, sets, nsets, &sc, &err);
	if (s) {
		cs_error_print(stderr, &err);
		rc = cs_cli_exit(s);
		goto out;
	}
	joined = calloc(jl, 1);
	if (!joined)
		goto out;
	for (i = 0; i < nsets; i++) {
		if (i)
			strcat(joined, ";");
		strcat(joined, sets[i]);
	}
	{
		const char *paths[64];
		size_t k, nd = cs_sweep_ndims(sw);

		if (nd > 64) {
			rc = fail("sweep", "%s", "at most 64 --vary dimensions");
			goto out;
		}
		for (k = 0; k < nd; k++)
			paths[k] = cs_sweep_path(sw, k);
		/* the run options that decide the numbers */
		if (sweepdoc_init(&doc, scenario, cs_sweep_spec(sw), joined,
		        ro.has_seed ? ro.seed : cs_scenario_seed(sc),
		        ro.precision > 0 ? (ro.replications > CS_PRECISION_MIN_REPS ?
		                            ro.replications : CS_PRECISION_MIN_REPS) :
		        ro.replications ? ro.replications : cs_scenario_replications(sc),
		        cs_sweep_npoints(sw), nd, paths))
			goto out;
		if (ro.precision > 0) {
			doc.precision = ro.precision;
			doc.precision_floor = ro.precision_floor > 0 ?
			                      ro.precision_floor : CS_PRECISION_FLOOR;
			doc.max_replications = ro.max_replications ?
			                       ro.max_replications :
			                       CS_PRECISION_MAX_REPS;
		}
	}
	{
		/* the journal and the output are bound to what the file says,
		 * not its name */
		char hex[17];

		if (sweep_file_hash(scenario, hex, &err)) {
			cs_error_print(stderr, &err);
			rc = CS_EXIT_INPUT;
			goto out;
		}
		if (!(doc.content = strdup(hex)))
			goto out;
	}
	/* a bad -o fails now, not after the whole sweep */
	if (cs_out_open(&output, out_path)) {
		rc = cs_out_fail("sweep", &output, CS_EXIT_INPUT);
		goto out;
	}
	opened = 1;
	if (out_path) {
		jpath = malloc(strlen(out_path) + 16);
		if (!jpath)
			goto out;
		sprintf(jpath, "%s.journal", out_path);
		if (resume) {
			char *v[64];

			if (journal_load(&doc, jpath, &keep, &err)) {
				cs_error_print(stderr, &err);
				rc = CS_EXIT_INPUT;
				goto out;
			}
			for (i = 0; i < doc.total; i++)
				if (doc.points[i] && !doc.values[i]) {
					cJSON *p = doc.points[i];

					doc.points[i] = NULL;
					sweepdoc_put(&doc, i, values_of(sw, i, v), p);
				}
			if (doc.done)
				fprintf(stderr, "capsim sweep: resuming: %zu of %zu points "
				        "already done\n", doc.done, doc.total);
		}
		st.journal = journal_open(&doc, jpath, resume && doc.done, keep);
		if (!st.journal) {
			rc = fail("sweep", "cannot write the journal %s: %s", jpath,
			          strerror(errno));
			goto out;
		}
	}
	wanted = calloc(doc.total, sizeof *wanted);
	if (!wanted)
		goto out;
	for (i = 0; i < doc.total; i++)
		if (i % shard_n == shard_i - 1 && !doc.points[i])
			wanted[nwanted++] = i;
	st.doc = &doc;
	st.sw = sw;
	st.wanted = nwanted;
	st.t0 = mono();
	st.tty = isatty(2);
	if (getenv("CAPSIM_TEST_KILL_AFTER"))
		st.die_after = strtoul(getenv("CAPSIM_TEST_KILL_AFTER"), NULL, 10);
	cs_sweep_set_share(sw, share);
	/* short of memory, the intervals run each point again */
	if (cs_cal_has_params(scenario))
		st.centre = calloc(doc.total, sizeof *st.centre);
	s = cs_sweep_run(sw, scenario, sets, nsets, &ro, wanted, nwanted,
	                 ro.jobs, on_point, &st, &err);
	if (s || st.failed) {
		if (s)
			cs_error_print(stderr, &err);
		else
			fputs("capsim sweep: error: could not record a point\n", stderr);
		if (out_path)
			fprintf(stderr, "capsim sweep: %zu points are saved; run again "
			        "with --resume to finish\n", doc.done);
		rc = s ? cs_cli_exit(s) : CS_EXIT_FAIL;
		goto out;
	}
	if (shard_n > 1) {
		/* a shard holds only its own points */
		for (i = 0; i < doc.total; i++)
			if (i % shard_n != shard_i - 1 && doc.points[i]) {
				cJSON_Delete(doc.points[i]);
				doc.points[i] = NULL;
				doc.done--;
			}
	}
	/* a calibrated scenario: every point says where a real test would
	 * land, as capsim run does */
	if ((s = add_intervals(&doc, &st, sw, scenario, sets, nsets, &ro,
	                       &err))) {
		cs_error_print(stderr, &err);
		rc = cs_cli_exit(s);
		goto out;
	}
	opened = 0;
	rc = sweep_write_out("sweep", &doc, fmt, &output);
	if (rc == CS_EXIT_OK && st.journal) {
		fclose(st.journal);
		st.journal = NULL;
		unlink(jpath);
	}
out:
	if (opened)
		cs_out_abort(&output);
	if (st.journal)
		fclose(st.journal);
	sweepdoc_free(&doc);
	cs_scenario_free(sc);
	cs_sweep_free(sw);
	free(st.centre);
	free(wanted);
	free(jpath);
	free(joined);
	free(vary);
	free(sets);
	return rc;
}
