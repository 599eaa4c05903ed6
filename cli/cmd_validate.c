/*
 * capsim validate SCENARIO --data FILE... [--baseline-from N1,N2,...]
 *
 * Predicts measured load levels and scores the predictions, beside a
 * straight-line and a USL extrapolation from the calibration points.  The
 * work is in calibration/validate.h; the arguments validate shares with
 * calibrate are read in calargs.c and the points chosen in points.c, so
 * this file holds the options and prints.
 */
#include <errno.h>
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
int cs_cmd_validate(int argc, char **argv);

static const cs_cli_opt val_opts[] = {
	CS_CLI_CAL_OPT_DATA,
	{ .name = "points", .val = 'P', .arg = "LIST", .def = "every point",
	  .flags = CS_OPT_SHORT,
	  .help = "the points to predict: numbers from 1 or names" },
	{ .name = "point-set", .val = 'p', .arg = "P:PATH=VALUE",
	  .flags = CS_OPT_SHORT, .help = "an override for point P only" },
	CS_CLI_CAL_OPT_SET,
	{ .name = "baseline-from", .val = 'b', .arg = "LIST",
	  .def = "no baselines; score every point", .flags = CS_OPT_SHORT,
	  .help = "the calibration points, by user count (every point with "
	          "those users) or name: fit a straight line and a USL on "
	          "them, score the other points" },
	{ .name = "format", .val = 'f', .arg = "F", .def = "table",
	  .flags = CS_OPT_SHORT, .values = "table json",
	  .help = "table or json" },
	{ .name = "replications", .val = 'r', .arg = "R",
	  .def = "run.replications (5)", .flags = CS_OPT_SHORT,
	  .help = "replications per point" },
	{ .name = "seed", .val = 'S', .arg = "S", .def = "run.seed (1)",
	  .flags = CS_OPT_SHORT, .help = "base random seed" },
	CS_CLI_CAL_OPT_JOBS,
	{ .name = "draws", .val = 'K', .arg = "K", .def = "16",
	  .flags = CS_OPT_SHORT,
	  .help = "parameter sets sampled from the scenario's calibration "
	          "block for the 90% prediction interval (1: the fitted values "
	          "only)" },
	CS_CLI_CAL_OPT_STEADY,
	{ .name = "output", .val = 'o', .arg = "FILE", .def = "standard output",
	  .flags = CS_OPT_SHORT | CS_OPT_FILE,
	  .help = "write the report to FILE" },
	CS_CLI_OPT_PRECISION,
	CS_CLI_OPT_HELP,
	{ 0 }
};

const cs_cli_cmd cs_cli_cmd_validate = {
	.name = "validate", .args = "SCENARIO --data FILE...",
	.summary = "Predict measured load levels and score the predictions, "
	           "beside a straight-line and a USL extrapolation from the "
	           "calibration points.",
	.example = "validate calibrated.yaml --data lab2/data/measurements.yaml "
	           "lab2/data/heldout.yaml --steady --duration 80s "
	           "--baseline-from 5,10,15,25",
	.opts = val_opts, .main = cs_cmd_validate, .in_order = 1,
};

/* Parse "100,200" or "s01,s02" (or both): a number is a user count, any
 * other item a point's name (pointing into the copy *buf, which the
 * caller frees).  -1 on an empty item or too many. */
static int
parse_baseline(const char *s, double *u, size_t *nu, const char **names,
               size_t *nn, size_t max, char **buf)
{
	char *t, *item, *save = NULL;

	*nu = *nn = 0;
	if (!(*buf = t = strdup(s)))
		return -1;
	if (!*t || *t == ',' || t[strlen(t) - 1] == ',' || strstr(t, ",,"))
		return -1;
	for (item = strtok_r(t, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		char *end;
		double v;

		if (*nu + *nn == max)
			return -1;
		errno = 0;
		v = strtod(item, &end);
		if (end != item && !*end && !errno && v > 0)
			u[(*nu)++] = v;
		else
			names[(*nn)++] = item;
	}
	return 0;
}

static void
predicting(const char *point, void *ctx)
{
	(void)ctx;
	fprintf(stderr, "  predicting \"%s\"...\n", point);
}

int
cs_cmd_validate(int argc, char **argv)
{
	cs_cli_cal_args a;
	cs_imp_set set;
	cs_cal *cal = NULL;
	cs_cal_validation *v = NULL;
	cs_cal_validate_opts vo;
	cs_error err;
	size_t *map = NULL, nmap = 0, nb = 0, nbn = 0;
	double busers[256];
	const char *bnames[256];
	char *bbuf = NULL;
	cs_out out;
	int rc;
	cs_status s;

	memset(&a, 0, sizeof a);
	memset(&err, 0, sizeof err);
	memset(&vo, 0, sizeof vo);
	a.cmd = "validate";
	a.cli = &cs_cli_cmd_validate;
	cs_imp_set_init(&set);
	rc = cs_cli_cal_args_parse(&a, argc, argv, false);
	if (rc) {
		cs_cli_cal_args_free(&a);
		return rc < 0 ? CS_EXIT_OK : rc;
	}
	if (a.baseline && parse_baseline(a.baseline, busers, &nb, bnames,
	                                 &nbn, 256, &bbuf)) {
		rc = cs_cli_fail("validate", "--baseline-from is a list of "
		                 "user counts or point names, e.g. 50,100 or "
		                 "s01,s02 (got \"%s\")", a.baseline);
		cs_cli_usage(a.cli, stderr);
		goto out;
	}
	s = cs_imp_read_files(a.data, a.ndata, NULL, &set, &err);
	if (s) {
		cs_error_print(stderr, &err);
		rc = cs_cli_exit(s);
		goto out;
	}
	/* the replications of validate are the scenario's unless given */
	if (!a.has_reps)
		a.opts.replications = 0;
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
	s = cs_cal_check_data(cal, &err);
	if (s) {
		cs_error_print(stderr, &err);
		rc = CS_EXIT_FAIL;
		goto out;
	}
	vo.scenario = a.scenario;
	vo.sets = (const char *const *)a.sets;
	vo.nsets = a.nsets;
	vo.baseline_users = busers;
	vo.nbaseline = nb;
	vo.baseline_names = bnames;
	vo.nbaseline_names = nbn;
	vo.baseline_text = a.baseline;
	vo.replications = a.has_reps ? a.opts.replications : 0;
	vo.draws = a.draws;
	vo.progress = predicting;
	s = cs_cal_validate(cal, &a.opts, &vo, &v, &err);
	if (s == CS_ERR_INVALID && !strcmp(err.path, "--baseline-from")) {
		fprintf(stderr, "capsim validate: error: --baseline-from: %s\n",
		        err.msg);
		rc = CS_EXIT_INPUT;
		goto out;
	}
	if (s) {
		cs_error_print(stderr, &err);
		rc = cs_cli_exit(s);
		goto out;
	}
	if (cs_out_open(&out, a.out)) {
		rc = cs_out_fail("validate", &out, CS_EXIT_INPUT);
		goto out;
	}
	if (cs_cal_validation_write(v, a.json, out.f)) {
		cs_out_abort(&out);
		fputs("capsim validate: error: out of memory\n", stderr);
		rc = CS_EXIT_FAIL;
		goto out;
	}
	if (cs_out_commit(&out)) {
		rc = cs_out_fail("validate", &out, CS_EXIT_FAIL);
		goto out;
	}
	rc = CS_EXIT_OK;
out:
	cs_cal_validation_free(v);
	free(bbuf);
	free(map);
	cs_cal_free(cal);
	cs_imp_set_destroy(&set);
	cs_cli_cal_args_free(&a);
	return rc;
}
