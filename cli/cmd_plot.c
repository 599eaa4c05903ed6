/*
 * capsim plot RESULTS -o FILE.png|FILE.svg [--x PATH] [--y METRICS]
 *             [--measured DATA...] [--measured-points NAMES] [--slo SLO]
 *             [--title T] [--size WxH]
 *
 * Curves of a sweep (or the point of a run) drawn by gnuplot: each metric
 * with its 95% CI band, one line per value of the other varied paths,
 * measured points as markers, SLO limits as dashed lines.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calibration/import.h"
#include "cli/cli.h"
#include "cli/opts.h"
#include "cli/commands.h"
#include "cli/inputs.h"
#include "report/report.h"

static const cs_cli_opt plot_opts[] = {
	{ .name = "output", .val = 'o', .arg = "FILE", .flags = CS_OPT_SHORT |
	  CS_OPT_FILE, .help = "the picture, .png or .svg (required)" },
	{ .name = "x", .val = 'x', .arg = "PATH", .def = "the first varied path",
	  .help = "the horizontal axis: a varied path or a metric of the "
	          "results; a second varied path gives one line per value" },
	{ .name = "y", .val = 'y', .arg = "METRICS", .def = "p50,p95,p99",
	  .help = "p50, p95, p99, throughput, error_rate or metric paths "
	          "(resources.db_pool.utilization), one unit per chart" },
	{ .name = "measured", .val = 'm', .arg = "DATA...",
	  .flags = CS_OPT_FILE | CS_OPT_FILES,
	  .help = "load-test output or measurements files (whatever capsim "
	          "import reads), drawn as markers at their users" },
	{ .name = "measured-points", .val = 'P', .arg = "NAMES",
	  .help = "only these measured points (baseline,peak)" },
	{ .name = "slo", .val = 'S', .arg = "TERMS",
	  .help = "limits drawn as dashed lines, each crossing marked at its "
	          "interpolated value: 'p95<400ms,error_rate<1%'" },
	{ .name = "title", .val = 't', .arg = "TEXT", .def = "from the metrics",
	  .help = "the chart's title" },
	{ .name = "size", .val = 'z', .arg = "WxH", .def = "1000x600",
	  .help = "pixels, from 200x150 to 10000x10000" },
	CS_CLI_OPT_HELP,
	{ 0 }
};

const cs_cli_cmd cs_cli_cmd_plot = {
	.name = "plot", .args = "RESULTS -o FILE.png|FILE.svg",
	.summary = "A sweep's curves drawn by gnuplot: each metric with its 95% "
	           "CI band, one line per value of another varied path, "
	           "measured points as markers, SLO limits as dashed lines.",
	.notes = "RESULTS: capsim sweep --format json output, or capsim run "
	         "--format json.",
	.example = "plot pool.json -o pool.png --slo 'p95<400ms'",
	.opts = plot_opts, .main = cs_cmd_plot, .in_order = 1,
};

#define fail(...) cs_cli_fail("plot", __VA_ARGS__)

int
cs_cmd_plot(int argc, char **argv)
{
	cs_cli_inputs in;
	const char *out = NULL, *yspec = "p50,p95,p99";
	const char *xpath = NULL, *title = NULL, *slo_spec = NULL;
	size_t ny = 0;
	unsigned width = 1000, height = 600;
	int c, rc = CS_EXIT_FAIL;
	cs_rep_y y[CS_REP_Y_MAX];
	cs_rep_chart_opts co = { 0 };
	cs_rep_chart *chart = NULL;
	cs_rep_doc *doc = NULL;
	cs_rep_slo slo;
	cs_imp_set set;
	cs_rep_fmt fmt;
	cs_error err = { 0 };
	cs_outfile file;
	int opened = 0;
	cs_status s;

	cs_imp_set_init(&set);
	if (cs_cli_inputs_init(&in, "plot", argc)) {
		fputs("capsim plot: error: out of memory\n", stderr);
		return CS_EXIT_FAIL;
	}
	optind = 0;     /* glibc: start over */
	/* in order: arguments that are not options come back as 1, so the
	 * files after --measured can be told from RESULTS */
	while ((c = cs_cli_getopt(&cs_cli_cmd_plot, argc, argv)) != -1) {
		if ((rc = cs_cli_inputs_take(&in, c, optarg)) != 1) {
			if (rc)
				goto out;
			continue;
		}
		switch (c) {
		case 'o': out = optarg; break;
		case 'x': xpath = optarg; break;
		case 'y': yspec = optarg; break;
		case 'S': slo_spec = optarg; break;
		case 't': title = optarg; break;
		case 'z': {
			char tail;

			if (sscanf(optarg, "%ux%u%c", &width, &height, &tail) != 2 ||
			    width < 200 || height < 150 || width > 10000 ||
			    height > 10000) {
				rc = fail("--size is WIDTHxHEIGHT in pixels, from "
				          "200x150 to 10000x10000 (got \"%s\")", optarg);
				goto out;
			}
			break;
		}
		case 'h':
			cs_cli_help(&cs_cli_cmd_plot, stdout);
			rc = CS_EXIT_OK;
			goto out;
		default:
			rc = cs_cli_bad_option(&cs_cli_cmd_plot, c, argv);
			goto out;
		}
	}
	if ((rc = cs_cli_inputs_need_results(&in, &cs_cli_cmd_plot)))
		goto out;
	if (!out) {
		rc = fail("%s", "missing -o FILE.png or -o FILE.svg");
		goto out;
	}
	if (cs_rep_fmt_of(out, &fmt)) {
		rc = fail("-o: capsim plot writes .png or .svg pictures (got \"%s\")",
		          out);
		goto out;
	}
	if ((rc = cs_cli_inputs_check_only(&in)) ||
	    (rc = cs_cli_inputs_not_output(&in, out)))
		goto out;
	/* a bad -o fails now, as a bad argument */
	if ((s = cs_outfile_open(&file, out, &err))) {
		fputs("capsim plot: ", stderr);
		cs_error_print(stderr, &err);
		rc = CS_EXIT_INPUT;
		goto out;
	}
	opened = 1;
	if (slo_spec && (s = cs_rep_slo_parse(slo_spec, &slo, &err)))
		goto bad_input;
	if ((rc = cs_cli_inputs_results(&in, &doc)))
		goto out;
	if ((s = cs_rep_y_parse(yspec, doc->results[0], y, CS_REP_Y_MAX, &ny,
	                        &err)))
		goto bad_input;
	if (slo_spec && (s = cs_rep_slo_check(&slo, doc->results[0], &err)))
		goto bad_input;
	if ((rc = cs_cli_inputs_measured(&in, &set)))
		goto out;
	rc = CS_EXIT_FAIL; /* until the output is written */
	co.x = xpath;
	co.y = y;
	co.ny = ny;
	co.measured = in.nmeasured ? &set : NULL;
	co.slo = slo_spec ? &slo : NULL;
	co.title = title;
	co.width = width;
	co.height = height;
	if ((s = cs_rep_chart_new(doc, &co, &chart, &err)))
		goto bad_input;
	if (cs_rep_chart_note(chart))
		fprintf(stderr, "capsim plot: note: %s\n", cs_rep_chart_note(chart));
	/* the input was good: from here a failure is gnuplot's or the disk's */
	opened = 0;
	if ((s = cs_rep_chart_render_to(chart, fmt, &file, &err))) {
		fputs("capsim plot: ", stderr);
		cs_error_print(stderr, &err);
		rc = CS_EXIT_FAIL;
		goto out;
	}
	rc = CS_EXIT_OK;
	goto out;
bad_input:
	cs_error_print(stderr, &err);
	rc = cs_cli_exit(s);
out:
	if (opened)
		cs_outfile_abort(&file);
	cs_rep_chart_free(chart);
	cs_rep_doc_free(doc);
	cs_imp_set_destroy(&set);
	cs_cli_inputs_destroy(&in);
	return rc;
}
