/*
 * capsim calibrate SCENARIO --data FILE... --fit PATH[=LO:HI]... [-o FILE]
 * capsim validate SCENARIO --data FILE... [--baseline-from N1,N2,...]
 *
 * calibrate fits scenario values to measured load levels and writes the
 * calibrated scenario; validate predicts measured load levels and scores
 * the predictions, beside a straight-line and a USL extrapolation from the
 * calibration points.  The work is in calibration/fit.h; this file parses
 * arguments and prints.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "calibration/fit.h"
#include "calibration/validate.h"
#include "calibration/import.h"
#include "cli/cli.h"
#include "cli/opts.h"
#include "cli/commands.h"

/* declared in cli/commands.h too; repeated so this file stands alone */
int cs_cmd_calibrate(int argc, char **argv);
int cs_cmd_validate(int argc, char **argv);

static const cs_cli_opt cal_opts[] = {
	{ .name = "data", .val = 'd', .arg = "FILE...", .flags = CS_OPT_SHORT |
	  CS_OPT_FILE | CS_OPT_FILES,
	  .help = "measurements, Locust, k6 or JMeter output: the files after "
	          "--data, up to the next option (repeatable; required)" },
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
	{ .name = "set", .val = 's', .arg = "PATH=VALUE",
	  .flags = CS_OPT_SHORT | CS_OPT_PATH,
	  .help = "an override for every run" },
	{ .name = "weights", .val = 'w', .arg = "M=W,...",
	  .def = "throughput 1, p50 1, p95 1, p99 0.5, error_rate 1",
	  .flags = CS_OPT_SHORT,
	  .help = "objective weights of throughput, p50, p95, p99, error_rate, "
	          "app_cpu, db_cpu" },
	{ .name = "noise", .val = 'N', .arg = "M=SD,...",
	  .def = "from repeated points, else throughput 0.05, p50 0.1, p95 0.12, "
	         "p99 0.2, error_rate 0.03, app_cpu 0.1, db_cpu 0.1",
	  .flags = CS_OPT_SHORT,
	  .help = "between-run noise floor per metric: sd of ln(value), of "
	          "asin(sqrt(e)) for the error rate e" },
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
	{ .name = "jobs", .val = 'j', .arg = "N", .def = "0: one per core",
	  .flags = CS_OPT_SHORT,
	  .help = "threads per run; never changes the result" },
	{ .name = "steady", .val = 'y', .flags = CS_OPT_SHORT,
	  .def = "off: the points' own stages",
	  .help = "replace the stages by a jump to the point's load" },
	{ .name = "duration", .val = 'D', .arg = "D",
	  .def = "the point's, at most 10m", .flags = CS_OPT_SHORT,
	  .help = "simulated time of a steady run (10m, 4m30s)" },
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

static const cs_cli_opt val_opts[] = {
	{ .name = "data", .val = 'd', .arg = "FILE...", .flags = CS_OPT_SHORT |
	  CS_OPT_FILE | CS_OPT_FILES,
	  .help = "measurements, Locust, k6 or JMeter output: the files after "
	          "--data, up to the next option (repeatable; required)" },
	{ .name = "points", .val = 'P', .arg = "LIST", .def = "every point",
	  .flags = CS_OPT_SHORT,
	  .help = "the points to predict: numbers from 1 or names" },
	{ .name = "point-set", .val = 'p', .arg = "P:PATH=VALUE",
	  .flags = CS_OPT_SHORT, .help = "an override for point P only" },
	{ .name = "set", .val = 's', .arg = "PATH=VALUE",
	  .flags = CS_OPT_SHORT | CS_OPT_PATH,
	  .help = "an override for every run" },
	{ .name = "baseline-from", .val = 'b', .arg = "N1,N2,...",
	  .def = "no baselines; score every point", .flags = CS_OPT_SHORT,
	  .help = "users of the calibration points: fit a straight line and a "
	          "USL on them, score the other points" },
	{ .name = "format", .val = 'f', .arg = "F", .def = "table",
	  .flags = CS_OPT_SHORT, .values = "table json",
	  .help = "table or json" },
	{ .name = "replications", .val = 'r', .arg = "R",
	  .def = "run.replications (5)", .flags = CS_OPT_SHORT,
	  .help = "replications per point" },
	{ .name = "seed", .val = 'S', .arg = "S", .def = "run.seed (1)",
	  .flags = CS_OPT_SHORT, .help = "base random seed" },
	{ .name = "jobs", .val = 'j', .arg = "N", .def = "0: one per core",
	  .flags = CS_OPT_SHORT,
	  .help = "threads per run; never changes the result" },
	{ .name = "draws", .val = 'K', .arg = "K", .def = "16",
	  .flags = CS_OPT_SHORT,
	  .help = "parameter sets sampled from the scenario's calibration "
	          "block for the 90% prediction interval (1: the fitted values "
	          "only)" },
	{ .name = "steady", .val = 'y', .flags = CS_OPT_SHORT,
	  .def = "off: the points' own stages",
	  .help = "replace the stages by a jump to the point's load" },
	{ .name = "duration", .val = 'D', .arg = "D",
	  .def = "the point's, at most 10m", .flags = CS_OPT_SHORT,
	  .help = "simulated time of a steady run (10m, 4m30s)" },
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

/* ---- shared arguments ---------------------------------------------------- */

typedef struct args {
	const char *cmd;
	const cs_cli_cmd *cli;
	const char *scenario;
	const char **data;
	size_t ndata;
	const char **sets;
	size_t nsets;
	const char **psets;     /* "P:PATH=VALUE" */
	size_t npsets;
	const char **fits;
	size_t nfits;
	const char *points;
	const char *baseline;
	const char *out;
	bool json;
	cs_cal_opts opts;
	bool has_reps;
	unsigned draws;      /* validate: parameter sets for the interval */
} args;

static int
bad(const args *a, const char *fmt, const char *arg)
{
	fprintf(stderr, "capsim %s: error: ", a->cmd);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	cs_cli_usage(a->cli, stderr);
	return CS_EXIT_INPUT;
}

static int
parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!*s || *s == '-')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end || errno || v > max)
		return -1;
	*out = v;
	return 0;
}

/* "throughput=1,p50=1,p99=0.5": values in [0, max] */
static int
parse_metric_values(const char *s, double *w, double max)
{
	char buf[256], *tok, *save = NULL;

	if (strlen(s) >= sizeof buf)
		return -1;
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '='), *end;
		int m;
		double v;

		if (!eq)
			return -1;
		*eq = '\0';
		m = cs_cal_metric_parse(tok);
		if (m < 0)
			return -1;
		errno = 0;
		v = strtod(eq + 1, &end);
		if (end == eq + 1 || *end || errno || !(v >= 0) || v > max)
			return -1;
		w[m] = v;
	}
	return 0;
}


/* The objective's terms: what each measured number weighs, and why. */
/* An option getopt did not know: one of the other command's gets a
 * pointer there, anything else a suggestion. */
static int
other_command(const args *a, int c, char **argv)
{
	const cs_cli_cmd *other = a->cli == &cs_cli_cmd_calibrate ?
	                          &cs_cli_cmd_validate : &cs_cli_cmd_calibrate;
	const char *arg = argv[optind - 1];
	const cs_cli_opt *o;

	if (c == '?' && !optopt && !strncmp(arg, "--", 2))
		for (o = other->opts; o->name; o++)
			if (!strncmp(arg + 2, o->name, strcspn(arg + 2, "=")) &&
			    !o->name[strcspn(arg + 2, "=")] &&
			    !cs_cli_opt_find(a->cli, o->name)) {
				fprintf(stderr, "capsim %s: error: --%s belongs to "
				        "capsim %s\n", a->cmd, o->name, other->name);
				cs_cli_usage(a->cli, stderr);
				return CS_EXIT_INPUT;
			}
	return cs_cli_bad_option(a->cli, c, argv);
}

static int
parse_args(args *a, int argc, char **argv, bool calibrate)
{
	cs_run_opts pro = { 0 }; /* the sequential rule's options */
	unsigned long v;
	int c;
	bool in_data = false; /* the last option was --data */

	a->data = calloc((size_t)argc, sizeof *a->data);
	a->sets = calloc((size_t)argc, sizeof *a->sets);
	a->psets = calloc((size_t)argc, sizeof *a->psets);
	a->fits = calloc((size_t)argc, sizeof *a->fits);
	if (!a->data || !a->sets || !a->psets || !a->fits) {
		fprintf(stderr, "capsim %s: error: out of memory\n", a->cmd);
		return CS_EXIT_FAIL;
	}
	cs_cal_opts_init(&a->opts);
	optind = 0;     /* glibc: start over */
	/* in order: arguments that are not options come back as 1, so the
	 * files after --data can be told from the scenario */
	while ((c = cs_cli_getopt(a->cli, argc, argv)) != -1) {
		if (c == 1) {
			if (in_data) {
				a->data[a->ndata++] = optarg;
			} else if (a->scenario) {
				return bad(a, "give exactly one scenario file "
				           "(\"%s\" is a second one; data files go "
				           "after --data)", optarg);
			} else {
				a->scenario = optarg;
			}
			continue;
		}
		in_data = c == 'd';
		switch (c) {
		case 'd':
			a->data[a->ndata++] = optarg;
			break;
		case 'F':
			a->fits[a->nfits++] = optarg;
			break;
		case 'P':
			a->points = optarg;
			break;
		case 'p':
			if (!strchr(optarg, ':') || !strchr(optarg, '='))
				return bad(a, "--point-set is POINT:PATH=VALUE, "
				           "e.g. 2:db.pool.size=50 (got \"%s\")",
				           optarg);
			a->psets[a->npsets++] = optarg;
			break;
		case 's':
			a->sets[a->nsets++] = optarg;
			break;
		case 'w':
			if (parse_metric_values(optarg, a->opts.weight, 1e6))
				return bad(a, "--weights is a list like "
				           "throughput=1,p50=1,p95=1,p99=0.5,"
				           "error_rate=1 with weights >= 0 (got "
				           "\"%s\")", optarg);
			break;
		case 'e': {
			char *end;
			double x;

			errno = 0;
			x = strtod(optarg, &end);
			if (end != optarg && !strcmp(end, "%")) {
				x /= 100;
				end++;
			}
			if (end == optarg || *end || errno || !(x > 0) || x > 1)
				return bad(a, "--error-scale must be a fraction "
				           "in (0, 1] such as 0.1 or 10%% (got "
				           "\"%s\")", optarg);
			a->opts.error_scale = x;
			a->opts.noise[CS_CAL_ERROR_RATE] = x;
			break;
		}
		case 'N':
			if (parse_metric_values(optarg, a->opts.noise, 10))
				return bad(a, "--noise is a list like "
				           "throughput=0.05,p95=0.12,error_rate=0.03 "
				           "with values from 0 to 10 (got \"%s\")",
				           optarg);
			break;
		case 'Q':
			if (parse_ulong(optarg, 100000, &v))
				return bad(a, "--proposals must be a whole number "
				           "from 0 to 100000 (got \"%s\")", optarg);
			a->opts.proposals = (unsigned)v;
			break;
		case 'K':
			if (parse_ulong(optarg, 1000, &v) || v == 0)
				return bad(a, "--draws must be a whole number from 1 "
				           "to 1000 (got \"%s\")", optarg);
			a->draws = (unsigned)v;
			break;
		case 'r':
			if (parse_ulong(optarg, 100000, &v) || v == 0)
				return bad(a, "--replications must be a whole "
				           "number from 1 to 100000 (got \"%s\")",
				           optarg);
			a->opts.replications = (unsigned)v;
			a->has_reps = true;
			break;
		case 'S':
			if (parse_ulong(optarg, 9007199254740991UL, &v))
				return bad(a, "--seed must be a whole number >= 0 "
				           "(got \"%s\")", optarg);
			a->opts.seed = v;
			a->opts.has_seed = 1;
			break;
		case 'k':
			if (parse_ulong(optarg, 1000, &v) || v == 0)
				return bad(a, "--starts must be a whole number "
				           "from 1 to 1000 (got \"%s\")", optarg);
			a->opts.starts = (unsigned)v;
			break;
		case 'n':
			if (parse_ulong(optarg, 1000000, &v) || v < 1)
				return bad(a, "--evals must be a whole number "
				           "from 1 to 1000000 (got \"%s\")", optarg);
			a->opts.max_evals = (unsigned)v;
			break;
		case 'j':
			if (parse_ulong(optarg, 1024, &v))
				return bad(a, "--jobs must be a whole number from "
				           "0 (all cores) to 1024 (got \"%s\")",
				           optarg);
			a->opts.jobs = (unsigned)v;
			break;
		case 'y':
			a->opts.steady = 1;
			break;
		case 'D':
			a->opts.duration = cs_cli_seconds(optarg);
			if (!(a->opts.duration >= 0.001))
				return bad(a, "--duration needs a time with a "
				           "unit, like 5m, 300s or 4m30s (got \"%s\")",
				           optarg);
			break;
		case 'b':
			a->baseline = optarg;
			break;
		case 'f':
			if (!strcmp(optarg, "json"))
				a->json = true;
			else if (!strcmp(optarg, "table"))
				a->json = false;
			else
				return bad(a, "--format must be table or json "
				           "(got \"%s\")", optarg);
			break;
		case 'o':
			a->out = optarg;
			break;
		case CS_OPT_PRECISION:
		case CS_OPT_PRECISION_FLOOR:
		case CS_OPT_MAX_REPS:
			if (cs_cli_run_option(a->cmd, c, optarg, &pro)) {
				cs_cli_usage(a->cli, stderr);
				return CS_EXIT_INPUT;
			}
			a->opts.precision = pro.precision;
			a->opts.precision_floor = pro.precision_floor;
			a->opts.max_replications = pro.max_replications;
			break;
		case 'h':
			cs_cli_help(a->cli, stdout);
			return -1;
		default:
			return other_command(a, c, argv);
		}
	}
	/* the first batch is --replications (at least 5), as for run */
	pro.replications = a->has_reps ? a->opts.replications : 0;
	if (cs_cli_run_check(a->cmd, &pro)) {
		cs_cli_usage(a->cli, stderr);
		return CS_EXIT_INPUT;
	}
	if (!a->scenario)
		return bad(a, "%s", "missing the scenario file");
	if (!a->ndata)
		return bad(a, "%s", "no --data FILE given");
	{
		const char *cmd = calibrate ? "calibrate" : "validate";
		size_t k;
		int rc;

		if ((rc = cs_cli_same_file(cmd, a->out, a->scenario)))
			return rc;
		for (k = 0; k < a->ndata; k++)
			if ((rc = cs_cli_same_file(cmd, a->out, a->data[k])))
				return rc;
	}
	if (calibrate && !a->nfits)
		return bad(a, "%s", "no --fit PATH given: say which scenario "
		           "values to fit, e.g. --fit load.think.mean");
	return 0;
}

static void
args_free(args *a)
{
	free(a->data);
	free(a->sets);
	free(a->psets);
	free(a->fits);
}

/* ---- points -------------------------------------------------------------- */

/* Index of the point named or numbered by s (len bytes); -1 if none. */
static long
find_point(const cs_imp_set *set, const char *s, size_t len)
{
	unsigned long v;
	char buf[256];
	size_t i;

	if (len >= sizeof buf)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (!parse_ulong(buf, 1000000000UL, &v))
		return v >= 1 && v <= set->n ? (long)v - 1 : -1;
	for (i = 0; i < set->n; i++)
		if (set->points[i].name && !strcmp(set->points[i].name, buf))
			return (long)i;
	return -1;
}

static const char *
pname(const cs_imp_set *set, size_t i, char *buf, size_t size)
{
	if (set->points[i].name)
		return set->points[i].name;
	snprintf(buf, size, "point %zu", i + 1);
	return buf;
}

/*
 * Choose the points and add them to cal with their --point-set overrides.
 * chosen[i] says which point of set is cal's point k: map[k] = i.
 */
static int
add_points(const args *a, cs_cal *cal, const cs_imp_set *set, size_t *map,
           size_t *nmap)
{
	bool *use = calloc(set->n + 1, sizeof *use);
	bool explicit_pts = a->points != NULL;
	const char **ps = calloc(a->npsets + 1, sizeof *ps);
	size_t i, j;
	cs_error err;
	int rc = 0;

	memset(&err, 0, sizeof err);
	*nmap = 0;
	if (!use || !ps) {
		free(use);
		free(ps);
		fprintf(stderr, "capsim %s: error: out of memory\n", a->cmd);
		return CS_EXIT_FAIL;
	}
	if (a->points) {
		const char *p = a->points;

		while (*p) {
			size_t len = strcspn(p, ",");
			long k = find_point(set, p, len);

			if (k < 0) {
				char w[300];

				snprintf(w, sizeof w, "%.*s", (int)len, p);
				fprintf(stderr, "capsim %s: error: --points: no "
				        "point \"%s\" in the data (%zu points: "
				        "numbers from 1, or names)\n", a->cmd, w,
				        set->n);
				rc = CS_EXIT_INPUT;
				goto out;
			}
			use[k] = true;
			p += len;
			if (*p == ',')
				p++;
		}
	} else {
		for (i = 0; i < set->n; i++)
			use[i] = true;
	}
	/* every --point-set must name a point */
	for (j = 0; j < a->npsets; j++) {
		const char *s = a->psets[j], *c;
		long k = -1;

		/* the point is the longest prefix before a ':' that names one
		 * (names may hold colons) */
		for (c = strchr(s, ':'); c; c = strchr(c + 1, ':')) {
			long t = find_point(set, s, (size_t)(c - s));

			if (t >= 0)
				k = t;
		}
		if (k < 0) {
			fprintf(stderr, "capsim %s: error: --point-set %s: no "
			        "such point (numbers from 1, or names)\n",
			        a->cmd, s);
			rc = CS_EXIT_INPUT;
			goto out;
		}
	}
	for (i = 0; i < set->n; i++) {
		const cs_imp_point *p = &set->points[i];
		char nb[32];
		size_t n = 0;
		cs_status s;

		if (!use[i])
			continue;
		for (j = 0; j < a->npsets; j++) {
			const char *str = a->psets[j], *c, *after = NULL;

			for (c = strchr(str, ':'); c; c = strchr(c + 1, ':'))
				if (find_point(set, str, (size_t)(c - str)) ==
				    (long)i)
					after = c + 1;
			if (after)
				ps[n++] = after;
		}
		if (isnan(p->users) && isnan(p->arrival_rate) && !explicit_pts) {
			fprintf(stderr, "capsim %s: note: skipping \"%s\": no "
			        "users and no arrival rate\n", a->cmd,
			        pname(set, i, nb, sizeof nb));
			continue;
		}
		s = cs_cal_add_point(cal, p, ps, n, &err);
		if (s == CS_ERR_INVALID && !explicit_pts) {
			/* an open point on a closed scenario, say: the user
			 * did not ask for this one */
			fprintf(stderr, "capsim %s: note: skipping \"%s\": %s\n",
			        a->cmd, pname(set, i, nb, sizeof nb), err.msg);
			continue;
		}
		if (s) {
			cs_error_print(stderr, &err);
			rc = cs_cli_exit(s);
			goto out;
		}
		map[(*nmap)++] = i;
	}
	if (!*nmap) {
		fprintf(stderr, "capsim %s: error: no point to use\n", a->cmd);
		rc = CS_EXIT_INPUT;
	}
out:
	free(use);
	free(ps);
	return rc;
}

/* ---- number formatting --------------------------------------------------- */

/* ---- calibrate ----------------------------------------------------------- */

static void
progress(const cs_cal_progress *p, void *ctx)
{
	(void)ctx;
	fprintf(stderr, "  start %u/%u: %u evaluations, objective %.4g (best "
	        "so far %.4g), %.1f s\n", p->start, p->starts, p->evals,
	        p->objective, p->best, p->seconds);
}

int
cs_cmd_calibrate(int argc, char **argv)
{
	args a;
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
	rc = parse_args(&a, argc, argv, true);
	if (rc) {
		args_free(&a);
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
	if ((rc = add_points(&a, cal, &set, map, &nmap)))
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
	args_free(&a);
	return rc;
}

/* ---- validate ------------------------------------------------------------ */

/* Parse "100,200" into users; -1 on error. */
static int
parse_users(const char *s, double *u, size_t max, size_t *n)
{
	*n = 0;
	while (*s) {
		char *end;
		double v;

		errno = 0;
		v = strtod(s, &end);
		if (end == s || errno || !(v > 0) || *n == max ||
		    (*end && *end != ','))
			return -1;
		u[(*n)++] = v;
		s = *end ? end + 1 : end;
	}
	return *n ? 0 : -1;
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
	args a;
	cs_imp_set set;
	cs_cal *cal = NULL;
	cs_cal_validation *v = NULL;
	cs_cal_validate_opts vo;
	cs_error err;
	size_t *map = NULL, nmap = 0, nb = 0;
	double busers[256];
	cs_out out;
	int rc;
	cs_status s;

	memset(&a, 0, sizeof a);
	memset(&err, 0, sizeof err);
	memset(&vo, 0, sizeof vo);
	a.cmd = "validate";
	a.cli = &cs_cli_cmd_validate;
	cs_imp_set_init(&set);
	rc = parse_args(&a, argc, argv, false);
	if (rc) {
		args_free(&a);
		return rc < 0 ? CS_EXIT_OK : rc;
	}
	if (a.baseline && parse_users(a.baseline, busers, 256, &nb)) {
		rc = bad(&a, "--baseline-from is a list of user counts, e.g. "
		         "50,100 (got \"%s\")", a.baseline);
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
	if ((rc = add_points(&a, cal, &set, map, &nmap)))
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
	free(map);
	cs_cal_free(cal);
	cs_imp_set_destroy(&set);
	args_free(&a);
	return rc;
}
