/*
 * capsim report RESULTS -o report.html [--measured DATA...]
 *               [--measured-points NAMES] [--slo SLO] [--x PATH]
 *               [--scenario FILE] [--no-charts]
 *
 * One self-contained HTML page of a sweep: charts (SVG drawn by gnuplot,
 * inlined), the points, the bottleneck analysis and the scenario.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "calibration/import.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "report/report.h"

static const char usage[] =
	"usage: capsim report RESULTS -o FILE.html [--measured DATA...]\n"
	"                     [--measured-points NAMES] [--slo SLO] [--x PATH]\n"
	"                     [--scenario FILE] [--no-charts]\n"
	"\n"
	"  RESULTS        capsim sweep --format json output, or capsim run --format json\n"
	"  -o FILE.html   the page (\"-\": standard output)\n"
	"  --measured DATA...  load-test output or measurements files (whatever\n"
	"                 capsim import reads): a table, and markers on the charts\n"
	"  --measured-points NAMES  only these measured points (baseline,peak)\n"
	"  --slo SLO      the SLO the points are judged by\n"
	"                 (default 'p95<400ms,error_rate<1%')\n"
	"  --x PATH       the charts' horizontal axis (default: the first varied path)\n"
	"  --scenario FILE  the scenario to show and read services' limits from\n"
	"                 (default: the one the sweep names)\n"
	"  --no-charts    tables only (no gnuplot needed)\n";

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
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "measured", required_argument, NULL, 'm' },
		{ "measured-points", required_argument, NULL, 'P' },
		{ "slo", required_argument, NULL, 'S' },
		{ "x", required_argument, NULL, 'x' },
		{ "scenario", required_argument, NULL, 's' },
		{ "no-charts", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char **measured = calloc((size_t)argc + 1, sizeof *measured);
	const char *results = NULL, *out_path = NULL, *slo_spec = NULL;
	const char *only = NULL;
	size_t nmeasured = 0;
	bool in_measured = false;
	int c, rc = CS_EXIT_FAIL;
	cs_rep_html_opts ho = { 0 };
	cs_rep_doc *doc = NULL;
	cs_rep_slo slo;
	cs_imp_set set;
	cs_error err = { 0 };
	cs_out out = { 0 };
	cs_status s;

	cs_imp_set_init(&set);
	if (!measured) {
		fputs("capsim report: error: out of memory\n", stderr);
		return CS_EXIT_FAIL;
	}
	ho.charts = true;
	ho.generator = "capsim " CAPSIM_VERSION;
	optind = 0;     /* glibc: start over */
	opterr = 0;
	/* "-": non-options come back in order as 1 (see cmd_plot.c) */
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
		case 'o': out_path = optarg; break;
		case 'm':
			measured[nmeasured++] = optarg;
			in_measured = true;
			break;
		case 'P': only = optarg; break;
		case 'S': slo_spec = optarg; break;
		case 'x': ho.x = optarg; break;
		case 's': ho.scenario = optarg; break;
		case 'n': ho.charts = false; break;
		case 'h':
			fputs(usage, stdout);
			rc = CS_EXIT_OK;
			goto out;
		default:
			rc = cs_cli_bad_option("report", c, argv, usage);
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
	if (!out_path) {
		rc = fail("%s", "missing -o FILE.html");
		goto out;
	}
	if (!is_html(out_path)) {
		rc = fail("-o: capsim report writes an .html page (got \"%s\")",
		          out_path);
		goto out;
	}
	if (only && !nmeasured) {
		rc = fail("%s", "--measured-points needs --measured DATA");
		goto out;
	}
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
	if ((s = cs_rep_doc_load(results, &doc, &err)))
		goto bad_input;
	if (!doc->n) {
		rc = fail("%s: the results hold no finished point", results);
		goto out;
	}
	if (slo_spec && (s = cs_rep_slo_check(&slo, doc->results[0], &err)))
		goto bad_input;
	if (nmeasured) {
		if ((s = cs_imp_read_files(measured, nmeasured, NULL, &set, &err)))
			goto bad_input;
		if (only && (s = cs_rep_measured_keep(&set, only, &err)))
			goto bad_input;
		ho.measured = &set;
	}
	{
		/* --x is checked before any output exists */
		cs_rep_x x;

		if ((s = cs_rep_x_resolve(doc, ho.x, &x, &err)))
			goto bad_input;
	}
	if (cs_out_open(&out, out_path)) {
		perror(out_path);
		goto out;
	}
	if (out.f != stdout) {
		/* mkstemp made it 0600: a page is for reading, like any file */
		mode_t m = umask(0);

		umask(m);
		fchmod(fileno(out.f), 0666 & ~m);
	}
	if ((s = cs_rep_html_write(doc, &ho, out.f, &err))) {
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
		perror(out_path);
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
	free(measured);
	return rc;
}
