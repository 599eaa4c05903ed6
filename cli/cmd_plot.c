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
#include "cli/commands.h"
#include "report/report.h"

static const char usage[] =
	"usage: capsim plot RESULTS -o FILE.png|FILE.svg [--x PATH] [--y METRICS]\n"
	"                   [--measured DATA...] [--measured-points NAMES]\n"
	"                   [--slo SLO] [--title TEXT] [--size WxH]\n"
	"\n"
	"  RESULTS        capsim sweep --format json output, or capsim run --format json\n"
	"  -o FILE        the picture: .png or .svg\n"
	"  --x PATH       the horizontal axis: a varied path (default: the first)\n"
	"                 or a metric of the results; a second varied path gives\n"
	"                 one line per value\n"
	"  --y METRICS    p50,p95,p99 (default), throughput, error_rate, or metric\n"
	"                 paths (resources.db_pool.utilization), one unit per chart\n"
	"  --measured DATA...  load-test output or measurements files (whatever\n"
	"                 capsim import reads), drawn as markers at their users\n"
	"  --measured-points NAMES  only these measured points (baseline,peak)\n"
	"  --slo SLO      limits drawn as dashed lines: 'p95<400ms,error_rate<1%'\n"
	"  --title TEXT   the chart's title (default: from the metrics)\n"
	"  --size WxH     pixels (default 1000x600)\n";

#define fail(...) cs_cli_fail("plot", __VA_ARGS__)

int
cs_cmd_plot(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "x", required_argument, NULL, 'x' },
		{ "y", required_argument, NULL, 'y' },
		{ "measured", required_argument, NULL, 'm' },
		{ "measured-points", required_argument, NULL, 'P' },
		{ "slo", required_argument, NULL, 'S' },
		{ "title", required_argument, NULL, 't' },
		{ "size", required_argument, NULL, 'z' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char **measured = calloc((size_t)argc + 1, sizeof *measured);
	const char *results = NULL, *out = NULL, *yspec = "p50,p95,p99";
	const char *xpath = NULL, *title = NULL, *slo_spec = NULL, *only = NULL;
	size_t nmeasured = 0, ny = 0;
	unsigned width = 1000, height = 600;
	bool in_measured = false;
	int c, rc = CS_EXIT_FAIL;
	cs_rep_y y[CS_REP_Y_MAX];
	cs_rep_chart_opts co = { 0 };
	cs_rep_chart *chart = NULL;
	cs_rep_doc *doc = NULL;
	cs_rep_slo slo;
	cs_imp_set set;
	cs_rep_fmt fmt;
	cs_error err = { 0 };
	cs_status s;

	cs_imp_set_init(&set);
	if (!measured) {
		fputs("capsim plot: error: out of memory\n", stderr);
		return CS_EXIT_FAIL;
	}
	optind = 0;     /* glibc: start over */
	opterr = 0;
	/* "-": arguments that are not options come back in order as 1, so
	 * the files after --measured can be told from RESULTS */
	while ((c = getopt_long(argc, argv, "-:o:h", opts, NULL)) != -1) {
		if (c != 1)
			in_measured = false;
		switch (c) {
		case 1:
			if (in_measured)
				measured[nmeasured++] = optarg;
			else if (!results)
				results = optarg;
			else {
				rc = fail("give one RESULTS file (\"%s\" is a second; "
				          "measured data go after --measured)", optarg);
				goto out;
			}
			break;
		case 'o': out = optarg; break;
		case 'x': xpath = optarg; break;
		case 'y': yspec = optarg; break;
		case 'm':
			measured[nmeasured++] = optarg;
			in_measured = true;
			break;
		case 'P': only = optarg; break;
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
			fputs(usage, stdout);
			rc = CS_EXIT_OK;
			goto out;
		default:
			rc = cs_cli_bad_option("plot", c, argv, usage);
			goto out;
		}
	}
	if (!results) {
		rc = fail("%s", nmeasured ? "missing RESULTS (every file after "
		          "--measured is measured data: put RESULTS first)" :
		          "missing RESULTS (a capsim sweep or run JSON file)");
		fputs(usage, stderr);
		goto out;
	}
	if (!out) {
		rc = fail("%s", "missing -o FILE.png or -o FILE.svg");
		goto out;
	}
	if (cs_rep_fmt_of(out, &fmt)) {
		rc = fail("-o: capsim plot writes .png or .svg pictures (got \"%s\")",
		          out);
		goto out;
	}
	if (only && !nmeasured) {
		rc = fail("%s", "--measured-points needs --measured DATA");
		goto out;
	}
	if (slo_spec && (s = cs_rep_slo_parse(slo_spec, &slo, &err)))
		goto bad_input;
	if ((s = cs_rep_doc_load(results, &doc, &err)))
		goto bad_input;
	if (!doc->n) {
		rc = fail("%s: the results hold no finished point", results);
		goto out;
	}
	if ((s = cs_rep_y_parse(yspec, doc->results[0], y, CS_REP_Y_MAX, &ny,
	                        &err)))
		goto bad_input;
	if (slo_spec && (s = cs_rep_slo_check(&slo, doc->results[0], &err)))
		goto bad_input;
	if (nmeasured) {
		if ((s = cs_imp_read_files(measured, nmeasured, NULL, &set, &err)))
			goto bad_input;
		if (only && (s = cs_rep_measured_keep(&set, only, &err)))
			goto bad_input;
	}
	co.x = xpath;
	co.y = y;
	co.ny = ny;
	co.measured = nmeasured ? &set : NULL;
	co.slo = slo_spec ? &slo : NULL;
	co.title = title;
	co.width = width;
	co.height = height;
	if ((s = cs_rep_chart_new(doc, &co, &chart, &err)))
		goto bad_input;
	if (cs_rep_chart_note(chart))
		fprintf(stderr, "capsim plot: note: %s\n", cs_rep_chart_note(chart));
	/* the input was good: from here a failure is gnuplot's or the disk's */
	if ((s = cs_rep_chart_render(chart, fmt, out, &err))) {
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
	cs_rep_chart_free(chart);
	cs_rep_doc_free(doc);
	cs_imp_set_destroy(&set);
	free(measured);
	return rc;
}
