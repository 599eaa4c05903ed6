/*
 * capsim calibrate SCENARIO --data FILE... --fit PATH[=LO:HI]... [-o FILE]
 *
 * Fits scenario values to measured load levels and writes the calibrated
 * scenario.  The work is in calibration/fit.h; the arguments calibrate
 * shares with validate are read in calargs.c and the points chosen in
 * points.c, so this file holds the options and prints.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calibration/fit.h"
#include "calibration/validate.h"
#include "calibration/import.h"
#include "cli/calargs.h"
#include "cli/cli.h"
#include "cli/opts.h"
#include "cli/commands.h"
#include "cli/points.h"

/* declared in cli/commands.h too; repeated so this file stands alone */
int cs_cmd_calibrate(int argc, char **argv);

static const cs_cli_opt cal_opts[] = {
	CS_CLI_CAL_OPT_DATA,
	{ .name = "fit", .val = 'F', .arg = "PATH[=LO:HI]",
	  .flags = CS_OPT_SHORT | CS_OPT_PATH,
	  .def = "bounds a tenth to ten times the file's value",
	  .help = "a scenario value to fit, with bounds in its units "
	          "(repeatable; required)" },
	{ .name = "points", .val = 'P', .arg = "LIST", .def = "every point",
	  .flags = CS_OPT_SHORT,
	  .help = "the points to use: numbers from 1 or names, by commas" },
	{ .name = "point-set", .val = 'p', .arg = "P:PATH=VALUE",
	  .flags = CS_OPT_SHORT,
	  .help = "an override for point P only (pool size, instances...)" },
	CS_CLI_CAL_OPT_SET,
	{ .name = "weights", .val = 'w', .arg = "M=W,...",
	  .def = "throughput 1, p50 1, p95 1, p99 0.5, error_rate 1, app_cpu 1, "
	         "db_cpu 1, pool 0, event_loop 1",
	  .flags = CS_OPT_SHORT,
	  .help = "objective weights of throughput, p50, p95, p99, error_rate, "
	          "app_cpu, db_cpu, pool, event_loop" },
	{ .name = "noise", .val = 'N', .arg = "M=SD,...",
	  .def = "from repeated points, else throughput 0.05, p50 0.1, p95 0.12, "
	         "p99 0.2, error_rate 0.03, app_cpu 0.1, db_cpu 0.1, pool 0.1, "
	         "event_loop 0.1",
	  .flags = CS_OPT_SHORT,
	  .help = "between-run noise floor per metric: sd of ln(value), of "
	          "asin(sqrt(e)) for the error rate e" },
	{ .name = "covariate", .val = 'C', .arg = "PATH",
	  .flags = CS_OPT_PATH, .def = "none",
	  .help = "a --point-set path measured per run (app.background), not "
	          "configuration: points differing only in it are still "
	          "repeats for the noise floor (repeatable)" },
	{ .name = "speed-noise", .val = 'V', .arg = "SD",
	  .def = "from the measured CPU per request, else 0.05",
	  .help = "how much the machines' speed varies between runs: sd of "
	          "ln(CPU per request); every prediction samples it" },
	{ .name = "error-scale", .val = 'e', .arg = "E", .def = "as --noise",
	  .flags = CS_OPT_SHORT, .help = "the same as --noise error_rate=E "
	  "(of asin(sqrt(e)))" },
	{ .name = "replications", .val = 'r', .arg = "R", .def = "2",
	  .flags = CS_OPT_SHORT, .help = "replications per evaluation" },
	{ .name = "seed", .val = 'S', .arg = "S", .def = "run.seed (1)",
	  .flags = CS_OPT_SHORT, .help = "the one seed of every evaluation" },
	{ .name = "starts", .val = 'k', .arg = "K", .def = "3",
	  .flags = CS_OPT_SHORT, .help = "Nelder-Mead starts" },
	{ .name = "evals", .val = 'n', .arg = "N", .def = "200",
	  .flags = CS_OPT_SHORT, .help = "evaluations per start at most" },
	{ .name = "proposals", .val = 'Q', .arg = "P", .def = "96",
	  .flags = CS_OPT_SHORT,
	  .help = "parameter sets tried for the posterior sample (0: none)" },
	CS_CLI_CAL_OPT_JOBS,
	CS_CLI_CAL_OPT_STEADY,
	{ .name = "output", .val = 'o', .arg = "FILE", .def = "not written",
	  .flags = CS_OPT_SHORT | CS_OPT_FILE,
	  .help = "write the calibrated scenario to FILE" },
	CS_CLI_OPT_PRECISION,
	CS_CLI_OPT_HELP,
	{ 0 }
};

const cs_cli_cmd cs_cli_cmd_calibrate = {
	.name = "calibrate", .args = "SCENARIO --data FILE... --fit PATH...",
	.summary = "Fit scenario values to measured load levels and write the "
	           "calibrated scenario, with what the data could not pin: "
	           "standard errors, ranges and a posterior sample.",
	.example = "calibrate lab2/scenario.yaml --data "
	           "lab2/data/measurements.yaml --fit app.cpu_scale=0.3:5 "
	           "--steady --duration 80s -o calibrated.yaml",
	.opts = cal_opts, .main = cs_cmd_calibrate, .in_order = 1,
};

static void
progress(const cs_cal_progress *p, void *ctx)
{
	(void)ctx;
	if (p->refine)
		fprintf(stderr, "  start %u refined (simplex %g): %u "
		        "evaluations in all, objective %.4g, %.1f s\n",
		        p->start, p->tol, p->evals, p->objective, p->seconds);
	else
		fprintf(stderr, "  start %u/%u (simplex %g): %u evaluations, "
		        "objective %.4g (best so far %.4g), %.1f s\n", p->start,
		        p->starts, p->tol, p->evals, p->objective, p->best,
		        p->seconds);
}

int
cs_cmd_calibrate(int argc, char **argv)
{
	cs_cli_cal_args a;
	cs_imp_set set;
	cs_cal *cal = NULL;
	cs_error err;
	size_t *map = NULL, nmap = 0, i;
	char *text = NULL;
	cs_out out;
	bool opened = false;
	int rc;
	cs_status s;

	memset(&a, 0, sizeof a);
	memset(&err, 0, sizeof err);
	a.cmd = "calibrate";
	a.cli = &cs_cli_cmd_calibrate;
	cs_imp_set_init(&set);
	rc = cs_cli_cal_args_parse(&a, argc, argv, true);
	if (rc) {
		cs_cli_cal_args_free(&a);
		return rc < 0 ? CS_EXIT_OK : rc;
	}
	a.opts.progress = progress;
	s = cs_imp_read_files(a.data, a.ndata, NULL, &set, &err);
	if (s) {
		cs_error_print(stderr, &err);
		rc = cs_cli_exit(s);
		goto out;
	}
	s = cs_cal_new(a.scenario, a.sets, a.nsets, &a.opts, &cal, &err);
	if (s) {
		cs_error_print(stderr, &err);
		rc = cs_cli_exit(s);
		goto out;
	}
	map = calloc(set.n + 1, sizeof *map);
	if (!map) {
		rc = CS_EXIT_FAIL;
		goto out;
	}
	if ((rc = cs_cli_cal_add_points(&a, cal, &set, map, &nmap)))
		goto out;
	for (i = 0; i < a.nfits; i++) {
		s = cs_cal_add_param(cal, a.fits[i], &err);
		if (s) {
			cs_error_print(stderr, &err);
			rc = cs_cli_exit(s);
			goto out;
		}
	}
	/* a bad -o path should fail now, not after the fit */
	if (a.out) {
		if (cs_out_open(&out, a.out)) {
			rc = cs_out_fail("calibrate", &out, CS_EXIT_INPUT);
			goto out;
		}
		opened = true;
	}
	printf("capsim calibrate: %s, %zu point%s, %zu parameter%s\n",
	       a.scenario, nmap, nmap == 1 ? "" : "s", a.nfits,
	       a.nfits == 1 ? "" : "s");
	for (i = 0; i < nmap; i++) {
		char lb[64];

		printf("  point \"%s\" (%s) from %s\n", cs_cal_point_name(cal, i),
		       cs_cal_fmt_load(cs_cal_point_at(cal, i), lb, sizeof lb),
		       cs_cal_point_at(cal, i)->source);
	}
	cs_cal_print_notes(stdout, cal);
	s = cs_cal_estimate(cal, &err);
	if (s) {
		cs_error_print(stderr, &err);
		rc = cs_cli_exit(s);
		goto out;
	}
	fputs("\nfirst estimates (operational laws)\n", stdout);
	for (i = 0; i < cs_cal_nestimates(cal); i++)
		printf("  %s\n", cs_cal_estimate_line(cal, i));
	printf("\nfit: Nelder-Mead in log space, %u start%s x up to %u "
	       "evaluations, %u replication%s per run\n", a.opts.starts,
	       a.opts.starts == 1 ? "" : "s", a.opts.max_evals,
	       a.opts.replications, a.opts.replications == 1 ? "" : "s");
	fflush(stdout);
	s = cs_cal_fit(cal, &err);
	if (s) {
		cs_error_print(stderr, &err);
		rc = s == CS_ERR_USAGE || s == CS_ERR_INVALID ? CS_EXIT_INPUT :
		     CS_EXIT_FAIL;
		goto out;
	}
	printf("  best objective %.4g (mean squared error in units of each "
	       "number's noise, over %zu measured numbers: rms %.3g noise "
	       "sd), %u simulations, %.1f s\n",
	       cs_cal_objective(cal), cs_cal_nresiduals(cal),
	       sqrt(cs_cal_objective(cal)), cs_cal_evaluations(cal),
	       cs_cal_seconds(cal));
	cs_cal_print_terms(stdout, cal);
	cs_cal_print_fit(stdout, cal, &a.opts);
	if (cs_cal_nwarnings(cal)) {
		fputs("\nwarnings\n", stdout);
		for (i = 0; i < cs_cal_nwarnings(cal); i++)
			printf("  warning: %s\n", cs_cal_warning(cal, i));
	}
	if (!a.out) {
		fputs("\n(use -o FILE to write the calibrated scenario)\n",
		      stdout);
		rc = CS_EXIT_OK;
		goto out;
	}
	s = cs_cal_scenario_text(cal, a.data, a.ndata, &text, &err);
	if (s) {
		cs_error_print(stderr, &err);
		rc = CS_EXIT_FAIL;
		goto out;
	}
	fputs(text, out.f);
	opened = false;
	if (cs_out_commit(&out)) {
		rc = cs_out_fail("calibrate", &out, CS_EXIT_FAIL);
		goto out;
	}
	printf("\nwrote %s\n", a.out);
	rc = CS_EXIT_OK;
out:
	if (opened)
		cs_out_abort(&out);
	if (fflush(stdout) && rc == CS_EXIT_OK) {
		fputs("capsim calibrate: error: cannot write the output\n",
		      stderr);
		rc = CS_EXIT_FAIL;
	}
	free(text);
	free(map);
	cs_cal_free(cal);
	cs_imp_set_destroy(&set);
	cs_cli_cal_args_free(&a);
	return rc;
}
