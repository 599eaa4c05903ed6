/*
 * The arguments capsim calibrate and capsim validate share; see
 * calargs.h.  Both commands go through one parser so that an option they
 * both take cannot come to mean two things.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calibration/fit.h"
#include "cli/calargs.h"
#include "cli/cli.h"
#include "cli/opts.h"

static int
bad(const cs_cli_cal_args *a, const char *fmt, const char *arg)
{
	fprintf(stderr, "capsim %s: error: ", a->cmd);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	cs_cli_usage(a->cli, stderr);
	return CS_EXIT_INPUT;
}

int
cs_cli_cal_ulong(const char *s, unsigned long max, unsigned long *out)
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


/* An option getopt did not know: one of the other command's gets a
 * pointer there, anything else a suggestion. */
static int
other_command(const cs_cli_cal_args *a, int c, char **argv)
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

int
cs_cli_cal_args_parse(cs_cli_cal_args *a, int argc, char **argv,
                      bool calibrate)
{
	cs_run_opts pro = { 0 }; /* the sequential rule's options */
	unsigned long v;
	int c;
	bool in_data = false; /* the last option was --data */

	a->data = calloc((size_t)argc, sizeof *a->data);
	a->sets = calloc((size_t)argc, sizeof *a->sets);
	a->psets = calloc((size_t)argc, sizeof *a->psets);
	a->fits = calloc((size_t)argc, sizeof *a->fits);
	a->covs = calloc((size_t)argc, sizeof *a->covs);
	if (!a->data || !a->sets || !a->psets || !a->fits || !a->covs) {
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
		case 'C':
			if (!*optarg || strchr(optarg, '=') || strchr(optarg, ':'))
				return bad(a, "--covariate is a --point-set path such "
				           "as app.background, without a value (got "
				           "\"%s\")", optarg);
			a->covs[a->ncovs++] = optarg;
			a->opts.covariates = a->covs;
			a->opts.ncovariates = a->ncovs;
			break;
		case 'V': {
			char *end;
			double x;

			errno = 0;
			x = strtod(optarg, &end);
			if (end == optarg || *end || errno || !(x >= 0) || x > 1)
				return bad(a, "--speed-noise is a standard deviation "
				           "of ln(CPU per request) from 0 to 1, such "
				           "as 0.05 (got \"%s\")", optarg);
			a->opts.speed_noise = x;
			break;
		}
		case 'Q':
			if (cs_cli_cal_ulong(optarg, 100000, &v))
				return bad(a, "--proposals must be a whole number "
				           "from 0 to 100000 (got \"%s\")", optarg);
			a->opts.proposals = (unsigned)v;
			break;
		case 'K':
			if (cs_cli_cal_ulong(optarg, 1000, &v) || v == 0)
				return bad(a, "--draws must be a whole number from 1 "
				           "to 1000 (got \"%s\")", optarg);
			a->draws = (unsigned)v;
			break;
		case 'r':
			if (cs_cli_cal_ulong(optarg, 100000, &v) || v == 0)
				return bad(a, "--replications must be a whole "
				           "number from 1 to 100000 (got \"%s\")",
				           optarg);
			a->opts.replications = (unsigned)v;
			a->has_reps = true;
			break;
		case 'S':
			if (cs_cli_cal_ulong(optarg, 9007199254740991UL, &v))
				return bad(a, "--seed must be a whole number >= 0 "
				           "(got \"%s\")", optarg);
			a->opts.seed = v;
			a->opts.has_seed = 1;
			break;
		case 'k':
			if (cs_cli_cal_ulong(optarg, 1000, &v) || v == 0)
				return bad(a, "--starts must be a whole number "
				           "from 1 to 1000 (got \"%s\")", optarg);
			a->opts.starts = (unsigned)v;
			break;
		case 'n':
			if (cs_cli_cal_ulong(optarg, 1000000, &v) || v < 1)
				return bad(a, "--evals must be a whole number "
				           "from 1 to 1000000 (got \"%s\")", optarg);
			a->opts.max_evals = (unsigned)v;
			break;
		case 'j':
			if (cs_cli_cal_ulong(optarg, 1024, &v))
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

void
cs_cli_cal_args_free(cs_cli_cal_args *a)
{
	free(a->data);
	free(a->sets);
	free(a->psets);
	free(a->fits);
	free(a->covs);
}
