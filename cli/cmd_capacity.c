/*
 * capsim capacity SCENARIO --slo 'p95<400ms,error_rate<1%' --search PATH[=LO:HI]
 */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "calibration/fit.h"
#include "cli/cli.h"
#include "cli/opts.h"
#include "sweep/capacity.h"

static const cs_cli_opt capacity_opts[] = {
	{ .name = "slo", .val = 'l', .arg = "TERMS", .flags = CS_OPT_SHORT,
	  .help = "what must hold, every term at once: 'p95<400ms,"
	          "error_rate<1%' (required)" },
	{ .name = "search", .val = 'x', .arg = "PATH[=LO:HI]",
	  .flags = CS_OPT_SHORT | CS_OPT_PATH,
	  .help = "the value to search (required): load.users finds the most "
	          "that meet the SLO, a resource (db.pool.size) the least; "
	          "LO:HI bounds it" },
	{ .name = "set", .val = 's', .arg = "PATH=VALUE",
	  .flags = CS_OPT_SHORT | CS_OPT_PATH,
	  .help = "an override for every run" },
	{ .name = "replications", .val = 'r', .arg = "R",
	  .def = "run.replications (5)", .flags = CS_OPT_SHORT,
	  .help = "independent runs per value tried" },
	{ .name = "seed", .val = 'S', .arg = "S", .def = "run.seed (1)",
	  .flags = CS_OPT_SHORT, .help = "base random seed" },
	{ .name = "jobs", .val = 'j', .arg = "N", .def = "0: one per core",
	  .flags = CS_OPT_SHORT,
	  .help = "threads per run; never changes the output" },
	{ .name = "format", .val = 'f', .arg = "F", .def = "table",
	  .flags = CS_OPT_SHORT, .values = "table json",
	  .help = "table or json" },
	{ .name = "output", .val = 'o', .arg = "FILE", .def = "standard output",
	  .flags = CS_OPT_SHORT | CS_OPT_FILE, .help = "write to FILE" },
	CS_CLI_OPT_PRECISION,
	CS_CLI_OPT_HELP,
	{ 0 }
};

const cs_cli_cmd cs_cli_cmd_capacity = {
	.name = "capacity", .args = "SCENARIO --slo TERMS --search PATH",
	.summary = "The most users, or the least of a resource, that meets an "
	           "SLO: a search over one scenario value, each step judged "
	           "with its confidence interval.",
	.example = "capacity scenarios/500u.yaml --slo 'p95<400ms,error_rate<1%' "
	           "--search db.pool.size=5:60",
	.opts = capacity_opts, .main = cs_cmd_capacity,
};

#define fail(...) cs_cli_fail("capacity", __VA_ARGS__)

static void
num_or_null(cJSON *o, const char *k, double v)
{
	if (isfinite(v))
		cJSON_AddNumberToObject(o, k, v);
	else
		cJSON_AddNullToObject(o, k);
}

/* The answer at each parameter set of a calibrated file's posterior
 * sample (none: n == 0). */
typedef struct spread {
	size_t n;            /* parameter sets searched */
	size_t found;        /* of which some value met the SLO */
	double lo, hi;       /* the answers' range over those */
	char unidentified[512];
} spread;

static void
write_json(FILE *f, const char *path, const cs_slo *slo, const cs_cap_answer *a,
           const spread *sp, const cs_run_opts *ro)
{
	cJSON *o = cJSON_CreateObject(), *ev, *terms;
	char *t;
	size_t i, k;

	cJSON_AddStringToObject(o, "search", path);
	cJSON_AddStringToObject(o, "goal", a->largest ? "largest" : "smallest");
	terms = cJSON_AddArrayToObject(o, "slo");
	for (i = 0; i < slo->n; i++)
		cJSON_AddItemToArray(terms, cJSON_CreateString(slo->t[i].text));
	cJSON_AddBoolToObject(o, "found", a->found);
	cJSON_AddBoolToObject(o, "at_range_end", a->at_bound);
	num_or_null(o, "range_lo", a->lo);
	num_or_null(o, "range_hi", a->hi);
	num_or_null(o, "value", a->value);
	num_or_null(o, "value_pessimistic", a->value_pess);
	num_or_null(o, "value_optimistic", a->value_opt);
	if (sp->n) {
		cJSON *c = cJSON_AddObjectToObject(o, "calibrated_range");

		cJSON_AddNumberToObject(c, "sets", (double)sp->n);
		cJSON_AddNumberToObject(c, "found", (double)sp->found);
		num_or_null(c, "low", sp->found ? sp->lo : NAN);
		num_or_null(c, "high", sp->found ? sp->hi : NAN);
		cJSON_AddStringToObject(c, "unidentified", sp->unidentified);
	}
	if (ro->precision > 0) {
		cJSON *p = cJSON_AddObjectToObject(o, "precision");

		cJSON_AddNumberToObject(p, "target", ro->precision);
		cJSON_AddNumberToObject(p, "floor", ro->precision_floor > 0 ?
		                        ro->precision_floor : CS_PRECISION_FLOOR);
		cJSON_AddNumberToObject(p, "max_replications",
		                        ro->max_replications ? ro->max_replications :
		                        CS_PRECISION_MAX_REPS);
	}
	cJSON_AddStringToObject(o, "binding", slo->t[a->binding].text);
	if (a->found) {
		cJSON_AddStringToObject(o, "bottleneck", a->bottleneck.name);
		num_or_null(o, "bottleneck_utilization", a->bottleneck_util);
		num_or_null(o, "bottleneck_queue", a->bottleneck.queue);
		cJSON_AddBoolToObject(o, "bottleneck_saturated",
		                      cs_use_saturated(&a->bottleneck));
	}
	ev = cJSON_AddArrayToObject(o, "evaluations");
	for (i = 0; i < a->nevals; i++) {
		cJSON *e = cJSON_CreateObject(), *u;

		num_or_null(e, "value", a->evals[i].x);
		cJSON_AddBoolToObject(e, "meets_slo", a->evals[i].met[0]);
		cJSON_AddBoolToObject(e, "meets_slo_pessimistic", a->evals[i].met[1]);
		cJSON_AddBoolToObject(e, "meets_slo_optimistic", a->evals[i].met[2]);
		cJSON_AddStringToObject(e, "worst_term", slo->t[a->evals[i].worst].text);
		num_or_null(e, "worst_ratio", a->evals[i].ratio);
		u = cJSON_AddObjectToObject(e, "utilization");
		for (k = 0; k < cs_cap_nresources; k++)
			num_or_null(u, cs_cap_resource_names[k], a->evals[i].util[k]);
		if (ro->precision > 0) {
			/* only with the sequential rule: other searches'
			 * output is unchanged */
			cJSON_AddNumberToObject(e, "replications", a->evals[i].reps);
			num_or_null(e, "precision_reached", a->evals[i].reached);
			cJSON_AddBoolToObject(e, "precision_met", a->evals[i].prec_met);
		}
		cJSON_AddItemToArray(ev, e);
	}
	t = cJSON_Print(o);
	cJSON_Delete(o);
	if (t) {
		fprintf(f, "%s\n", t);
		cJSON_free(t);
	}
}

static int
cmp_x(const void *a, const void *b)
{
	double x = ((const cs_cap_eval *)a)->x, y = ((const cs_cap_eval *)b)->x;

	return (x > y) - (x < y);
}

static void
write_table(FILE *f, const char *path, const cs_slo *slo, cs_cap_answer *a,
            const spread *sp, const cs_run_opts *ro)
{
	cs_cap_eval *ev = malloc(a->nevals * sizeof *ev);
	size_t i, k;

	fprintf(f, "\n  capsim capacity: %s %s value of %s meeting",
	        a->largest ? "the largest" : "the smallest",
	        a->integer ? "whole" : "", path);
	for (i = 0; i < slo->n; i++)
		fprintf(f, "%s %s", i ? "," : "", slo->t[i].text);
	fputc('\n', f);
	if (ro->precision > 0)
		fprintf(f, "  each value: replications until +-%.3g%% (ratios: "
		        "+-%.3g points), at most %u\n", 100 * ro->precision,
		        100 * (ro->precision_floor > 0 ? ro->precision_floor :
		               CS_PRECISION_FLOOR),
		        ro->max_replications ? ro->max_replications :
		        CS_PRECISION_MAX_REPS);
	fputc('\n', f);
	if (ev) {
		memcpy(ev, a->evals, a->nevals * sizeof *ev);
		qsort(ev, a->nevals, sizeof *ev, cmp_x);
		fprintf(f, "  %12s  %-6s %-22s %6s", path, "SLO", "worst term",
		        "x lim");
		for (k = 0; k < cs_cap_nresources; k++)
			fprintf(f, " %11s", cs_cap_resource_names[k]);
		if (ro->precision > 0)
			fprintf(f, " %5s %7s", "reps", "reached");
		fputc('\n', f);
		for (i = 0; i < a->nevals; i++) {
			fprintf(f, "  %12.6g  %-6s %-22s %6.2f", ev[i].x,
			        ev[i].met[0] ? "met" : "MISSED",
			        slo->t[ev[i].worst].text, ev[i].ratio);
			for (k = 0; k < cs_cap_nresources; k++)
				fprintf(f, " %10.0f%%", 100 * ev[i].util[k]);
			if (ro->precision > 0)
				fprintf(f, " %5u %6.2f%%%s", ev[i].reps,
				        100 * ev[i].reached,
				        ev[i].prec_met ? "" : " NOT MET");
			fputc('\n', f);
		}
		free(ev);
	}
	fputc('\n', f);
	if (!a->found) {
		fprintf(f, "  no value in [%g, %g] meets the SLO; %s fails most.\n\n",
		        a->lo, a->hi, slo->t[a->binding].text);
		return;
	}
	fprintf(f, "  answer: %s = %g%s\n", path, a->value,
	        a->at_bound ? " (the end of the range: the SLO holds there too; "
	                      "widen the range with --search PATH=LO:HI)" : "");
	fprintf(f, "  with the 95%% intervals: %g if every term must hold at its "
	        "pessimistic end, %g at its optimistic end\n", a->value_pess,
	        a->value_opt);
	if (sp->n && sp->found)
		fprintf(f, "  over the calibrated values the data allow (%zu "
		        "sets of the posterior sample): %g [%g .. %g]%s%s\n",
		        sp->n, a->value, sp->lo, sp->hi, sp->found < sp->n ?
		        "; some sets meet the SLO nowhere in the range" : "",
		        "");
	else if (sp->n)
		fprintf(f, "  over the calibrated values the data allow (%zu "
		        "sets): none meets the SLO in the range\n", sp->n);
	if (sp->n && sp->unidentified[0])
		fprintf(f, "  (spanning the ranges of what the calibration data "
		        "could not pin: %s)\n", sp->unidentified);
	if (!a->at_bound)
		fprintf(f, "  binding term: %s (the first to fail past the answer)\n",
		        slo->t[a->binding].text);
	if (a->bottleneck.name[0]) {
		fprintf(f, "  bottleneck at the answer: %s%s, %.0f%% utilized",
		        cs_use_saturated(&a->bottleneck) ? "" :
		        "none saturated; the busiest is ", a->bottleneck.name,
		        100 * a->bottleneck_util);
		if (isfinite(a->bottleneck.queue) && a->bottleneck.queue >= 0.05)
			fprintf(f, ", %.*f waiting", a->bottleneck.queue < 10 ?
			        1 : 0, a->bottleneck.queue);
		fputc('\n', f);
	}
	fputc('\n', f);
}

/*
 * A calibrated file: the search again at up to 8 sets of its posterior
 * sample (evenly spaced through it), so that the answer carries what the
 * calibration does not know.  The SLO is judged on each set's means, as
 * the main answer is.
 */
static cs_status
calibrated_spread(const char *file, const char **sets, size_t nsets,
                  const char *path, double lo, double hi, const cs_slo *slo,
                  const cs_run_opts *ro, spread *sp, cs_error *err)
{
	cs_cal_unc u;
	const char **all = NULL;
	char *abuf = NULL;
	double *draws = NULL;
	size_t nd, use, j, k;
	cs_status s;

	memset(sp, 0, sizeof *sp);
	if ((s = cs_cal_unc_read(file, &u, err)) || !u.n) {
		cs_cal_unc_free(&u);
		return s;
	}
	if ((s = cs_cal_unc_sets(&u, ro->has_seed ? ro->seed : 1, &draws, &nd,
	                         err)))
		goto out;
	use = nd < 8 ? nd : 8;
	all = calloc(nsets + u.n + 1, sizeof *all);
	abuf = malloc(u.n * 600);
	if (!all || !abuf) {
		s = cs_error_set(err, CS_ERR_NOMEM, "", 0, 0, "", "out of memory");
		goto out;
	}
	for (k = 0; k < nsets; k++)
		all[k] = sets[k];
	for (j = 0; j < use; j++) {
		size_t row = j * nd / use;
		cs_cap_answer a = { 0 };

		for (k = 0; k < u.n; k++) {
			cs_cal_unc_assign(&u, k, draws[row * u.n + k],
			                  abuf + 600 * k, 600);
			all[nsets + k] = abuf + 600 * k;
		}
		s = cs_cap_search(file, all, nsets + u.n, path, lo, hi, slo, ro,
		                  &a, err);
		if (s) {
			free(a.evals);
			goto out;
		}
		sp->n++;
		if (a.found) {
			if (!sp->found || a.value < sp->lo)
				sp->lo = a.value;
			if (!sp->found || a.value > sp->hi)
				sp->hi = a.value;
			sp->found++;
		}
		free(a.evals);
	}
	for (k = 0; k < u.n; k++)
		if (!u.params[k].identified) {
			size_t len = strlen(sp->unidentified);

			snprintf(sp->unidentified + len,
			         sizeof sp->unidentified - len, "%s%s",
			         len ? ", " : "", u.params[k].path);
		}
	s = CS_OK;
out:
	free(draws);
	free(all);
	free(abuf);
	cs_cal_unc_free(&u);
	return s;
}

int
cs_cmd_capacity(int argc, char **argv)
{
	const char **sets = calloc((size_t)argc + 1, sizeof *sets);
	const char *slo_text = NULL, *search = NULL, *out_path = NULL;
	char path[256];
	double lo = NAN, hi = NAN;
	size_t nsets = 0;
	int c, json = 0, rc = CS_EXIT_INPUT;
	cs_run_opts ro = { 0 };
	cs_cli_progress prog;
	cs_slo slo;
	cs_cap_answer ans = { 0 };
	spread sp = { 0 };
	cs_error err = { 0 };
	cs_out out;
	cs_status s;

	if (!sets)
		return CS_EXIT_FAIL;
	optind = 1;
	while ((c = cs_cli_getopt(&cs_cli_cmd_capacity, argc, argv)) != -1) {
		switch (c) {
		case 'l': slo_text = optarg; break;
		case 'x': search = optarg; break;
		case 's': sets[nsets++] = optarg; break;
		case 'r':
		case 'S':
		case 'j':
		case CS_OPT_PRECISION:
		case CS_OPT_PRECISION_FLOOR:
		case CS_OPT_MAX_REPS:
			/* rc stays an error status: a good option must not
			 * turn a later failure into exit 0 */
			if (cs_cli_run_option("capacity", c, optarg, &ro))
				goto out;
			break;
		case 'f':
			if (!strcmp(optarg, "json"))
				json = 1;
			else if (strcmp(optarg, "table")) {
				rc = fail("--format must be table or json (got \"%s\")", optarg);
				goto out;
			}
			break;
		case 'o': out_path = optarg; break;
		case 'h':
			cs_cli_help(&cs_cli_cmd_capacity, stdout);
			rc = CS_EXIT_OK;
			goto out;
		default:
			rc = cs_cli_bad_option(&cs_cli_cmd_capacity, c, argv);
			goto out;
		}
	}
	if (optind != argc - 1) {
		rc = fail("%s", optind >= argc ? "missing the scenario file" :
		          "give exactly one scenario file");
		cs_cli_usage(&cs_cli_cmd_capacity, stderr);
		goto out;
	}
	if ((rc = cs_cli_run_check("capacity", &ro))) {
		cs_cli_usage(&cs_cli_cmd_capacity, stderr);
		goto out;
	}
	if (!slo_text || !search) {
		rc = fail("%s", "give --slo 'p95<400ms,error_rate<1%' and --search PATH");
		goto out;
	}
	if ((s = cs_slo_parse(slo_text, &slo, &err))) {
		cs_error_print(stderr, &err);
		rc = cs_cli_exit(s);
		goto out;
	}
	{
		const char *eq = strchr(search, '=');
		size_t n = eq ? (size_t)(eq - search) : strlen(search);
		char tail[8];

		if (n == 0 || n >= sizeof path) {
			rc = fail("--search needs a scenario path (got \"%s\")", search);
			goto out;
		}
		memcpy(path, search, n);
		path[n] = 0;
		if (eq && (sscanf(eq + 1, "%lf:%lf%7s", &lo, &hi, tail) != 2 ||
		           !(lo >= 0) || !(hi > lo))) {
			rc = fail("--search range is PATH=LO:HI with 0 <= LO < HI (got \"%s\")",
			          search);
			goto out;
		}
	}
	if ((rc = cs_cli_same_file("capacity", out_path, argv[optind])))
		goto out;
	rc = CS_EXIT_INPUT;
	if (cs_out_open(&out, out_path)) {
		rc = cs_out_fail("capacity", &out, CS_EXIT_INPUT);
		goto out;
	}
	cs_cli_progress_start(&prog, "capacity", &ro);
	s = cs_cap_search(argv[optind], sets, nsets, path, lo, hi, &slo, &ro,
	                  &ans, &err);
	if (!s)
		s = calibrated_spread(argv[optind], sets, nsets, path, lo, hi,
		                      &slo, &ro, &sp, &err);
	cs_cli_progress_end(&prog);
	if (s) {
		cs_error_print(stderr, &err);
		cs_out_abort(&out);
		rc = cs_cli_exit(s);
		goto out;
	}

	if (json)
		write_json(out.f, path, &slo, &ans, &sp, &ro);
	else
		write_table(out.f, path, &slo, &ans, &sp, &ro);
	rc = cs_out_commit(&out) ? cs_out_fail("capacity", &out, CS_EXIT_FAIL) :
	     CS_EXIT_OK;
out:
	free(ans.evals);
	free(sets);
	return rc;
}
