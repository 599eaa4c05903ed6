/*
 * capsim report RESULTS -o report.html [--measured DATA...]
 *               [--measured-points NAMES] [--slo SLO] [--x PATH]
 *               [--scenario FILE] [--no-charts]
 *
 * One self-contained HTML page of a sweep: charts (SVG drawn by gnuplot,
 * inlined), the points, the bottleneck analysis and the scenario.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "calibration/import.h"
#include "cli/cli.h"
#include "cli/opts.h"
#include "cli/commands.h"
#include "cli/inputs.h"
#include "report/report.h"

static const cs_cli_opt report_opts[] = {
	{ .name = "output", .val = 'o', .arg = "FILE.html", .flags =
	  CS_OPT_SHORT | CS_OPT_FILE,
	  .help = "the page; \"-\" is standard output (required)" },
	{ .name = "measured", .val = 'm', .arg = "DATA...",
	  .flags = CS_OPT_FILE | CS_OPT_FILES,
	  .help = "load-test output or measurements files (whatever capsim "
	          "import reads): a table, and markers on the charts" },
	{ .name = "measured-points", .val = 'P', .arg = "NAMES",
	  .help = "only these measured points (baseline,peak)" },
	{ .name = "slo", .val = 'S', .arg = "TERMS",
	  .def = "'p95<400ms,error_rate<1%'",
	  .help = "the SLO the points are judged by" },
	{ .name = "x", .val = 'x', .arg = "PATH", .def = "the first varied path",
	  .help = "the charts' horizontal axis" },
	{ .name = "scenario", .val = 's', .arg = "FILE", .flags = CS_OPT_FILE,
	  .def = "the one the sweep names",
	  .help = "the scenario to show and read services' limits from" },
	{ .name = "no-charts", .val = 'n',
	  .help = "tables only (no gnuplot needed)" },
	CS_CLI_OPT_HELP,
	{ 0 }
};

const cs_cli_cmd cs_cli_cmd_report = {
	.name = "report", .args = "RESULTS -o FILE.html",
	.summary = "A sweep as one self-contained HTML page: charts, the points, "
	           "the bottleneck analysis and the scenario.",
	.notes = "RESULTS: capsim sweep --format json output, or capsim run "
	         "--format json.",
	.example = "report pool.json -o report.html",
	.opts = report_opts, .main = cs_cmd_report, .in_order = 1,
};

#define fail(...) cs_cli_fail("report", __VA_ARGS__)

static bool
is_html(const char *path)
{
	const char *dot = strrchr(path, '.');

	return !strcmp(path, "-") || (dot && !strchr(dot, '/') &&
	       (!strcasecmp(dot, ".html") || !strcasecmp(dot, ".htm")));
}

int
cs_cmd_report(int argc, char **argv)
{
	cs_cli_inputs in;
	const char *out_path = NULL, *slo_spec = NULL;
	int c, rc = CS_EXIT_FAIL;
	cs_rep_html_opts ho = { 0 };
	cs_rep_doc *doc = NULL;
	cs_rep_slo slo;
	cs_imp_set set;
	cs_error err = { 0 };
	cs_out out = { 0 };
	cs_status s;

	cs_imp_set_init(&set);
	if (cs_cli_inputs_init(&in, "report", argc)) {
		fputs("capsim report: error: out of memory\n", stderr);
		return CS_EXIT_FAIL;
	}
	ho.charts = true;
	ho.generator = "capsim " CAPSIM_VERSION;
	optind = 0;     /* glibc: start over */
	/* in order: non-options come back as 1 (see cmd_plot.c) */
	while ((c = cs_cli_getopt(&cs_cli_cmd_report, argc, argv)) != -1) {
		if ((rc = cs_cli_inputs_take(&in, c, optarg)) != 1) {
			if (rc)
				goto out;
			continue;
		}
		switch (c) {
		case 'o': out_path = optarg; break;
		case 'S': slo_spec = optarg; break;
		case 'x': ho.x = optarg; break;
		case 's': ho.scenario = optarg; break;
		case 'n': ho.charts = false; break;
		case 'h':
			cs_cli_help(&cs_cli_cmd_report, stdout);
			rc = CS_EXIT_OK;
			goto out;
		default:
			rc = cs_cli_bad_option(&cs_cli_cmd_report, c, argv);
			goto out;
		}
	}
	if ((rc = cs_cli_inputs_need_results(&in, &cs_cli_cmd_report)))
		goto out;
	if (!out_path) {
		rc = fail("%s", "missing -o FILE.html");
		goto out;
	}
	if (!is_html(out_path)) {
		rc = fail("-o: capsim report writes an .html page (got \"%s\")",
		          out_path);
		goto out;
	}
	if ((rc = cs_cli_inputs_check_only(&in)) ||
	    (rc = cs_cli_inputs_not_output(&in, out_path)))
		goto out;
	if (slo_spec) {
		if ((s = cs_rep_slo_parse(slo_spec, &slo, &err)))
			goto bad_input;
		ho.slo = &slo;
	}
	if (ho.scenario) {
		FILE *f = fopen(ho.scenario, "r");

		if (!f) {
			rc = fail("--scenario: cannot read \"%s\"", ho.scenario);
			goto out;
		}
		fclose(f);
	}
	if ((rc = cs_cli_inputs_results(&in, &doc)))
		goto out;
	if (slo_spec && (s = cs_rep_slo_check(&slo, doc->results[0], &err)))
		goto bad_input;
	if ((rc = cs_cli_inputs_measured(&in, &set)))
		goto out;
	rc = CS_EXIT_FAIL; /* until the output is written */
	if (in.nmeasured)
		ho.measured = &set;
	{
		/* --x is checked before any output exists */
		cs_rep_x x;

		if ((s = cs_rep_x_resolve(doc, ho.x, &x, &err)))
			goto bad_input;
	}
	if (cs_out_open(&out, out_path)) {
		rc = cs_out_fail("report", &out, CS_EXIT_INPUT);
		goto out;
	}
	errno = 0;
	if ((s = cs_rep_html_write(doc, &ho, out.f, &err))) {
		if (s == CS_ERR_IO && ferror(out.f)) {
			/* the page itself could not be written (disk full) */
			rc = cs_out_write_fail("report", &out, errno,
			                       CS_EXIT_FAIL);
			goto out;
		}
		cs_out_abort(&out);
		fputs("capsim report: ", stderr);
		cs_error_print(stderr, &err);
		/* the input was read: a failure now is gnuplot's or the disk's,
		 * except a value on the axis that is not a number */
		rc = s == CS_ERR_INVALID || s == CS_ERR_USAGE ? CS_EXIT_INPUT :
		     CS_EXIT_FAIL;
		goto out;
	}
	if (cs_out_commit(&out)) {
		rc = cs_out_fail("report", &out, CS_EXIT_FAIL);
		goto out;
	}
	rc = CS_EXIT_OK;
	goto out;
bad_input:
	cs_error_print(stderr, &err);
	rc = cs_cli_exit(s);
out:
	cs_rep_doc_free(doc);
	cs_imp_set_destroy(&set);
	cs_cli_inputs_destroy(&in);
	return rc;
}
