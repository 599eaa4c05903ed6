/* capsim: the command-line front end.  Parses, calls the library, prints. */
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "cli/cli.h"
#include "config/conf.h"
#include "cli/commands.h"

static const char usage[] =
	"usage: capsim COMMAND [ARGS]\n"
	"\n"
	"commands:\n"
	"  run SCENARIO      simulate a scenario; print a k6-style summary, JSON or CSV\n"
	"  sweep SCENARIO    what-if grid: --vary db.pool.size=10:60:5 ...\n"
	"  merge FILE...     join the shards of one sweep (--shard I/N)\n"
	"  capacity SCENARIO the most users / the least pool meeting an SLO\n"
	"  import FILE...    show what capsim reads from k6, Locust or JMeter output\n"
	"  calibrate SCENARIO  fit scenario values to measurements: --data FILE --fit PATH\n"
	"  validate SCENARIO   predicted vs measured, with line and USL baselines\n"
	"  plot RESULTS      a sweep's curves with gnuplot: -o curves.png\n"
	"  report RESULTS    a sweep as one HTML page: -o report.html\n"
	"  version           print the version\n"
	"\n"
	"capsim COMMAND --help (or capsim help COMMAND) shows a command's\n"
	"options; docs/ has the guide.\n";

int
main(int argc, char **argv)
{
	/* GSL's default handler aborts; every GSL status is checked instead */
	gsl_set_error_handler_off();
	if (argc < 2) {
		fputs(usage, stderr);
		return CS_EXIT_INPUT;
	}
	/* "capsim help CMD" is "capsim CMD --help" */
	if (argc == 3 && !strcmp(argv[1], "help") && strcmp(argv[2], "help")) {
		char *args[3] = { argv[0], argv[2], (char *)"--help" };

		return main(3, args);
	}
	if (!strcmp(argv[1], "run"))
		return cs_cmd_run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "sweep"))
		return cs_cmd_sweep(argc - 1, argv + 1);
	if (!strcmp(argv[1], "merge"))
		return cs_cmd_merge(argc - 1, argv + 1);
	if (!strcmp(argv[1], "capacity"))
		return cs_cmd_capacity(argc - 1, argv + 1);
	if (!strcmp(argv[1], "import"))
		return cs_cmd_import(argc - 1, argv + 1);
	if (!strcmp(argv[1], "calibrate"))
		return cs_cmd_calibrate(argc - 1, argv + 1);
	if (!strcmp(argv[1], "validate"))
		return cs_cmd_validate(argc - 1, argv + 1);
	if (!strcmp(argv[1], "plot"))
		return cs_cmd_plot(argc - 1, argv + 1);
	if (!strcmp(argv[1], "report"))
		return cs_cmd_report(argc - 1, argv + 1);
	if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
		puts("capsim " CAPSIM_VERSION);
		return CS_EXIT_OK;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "-h")) {
		fputs(usage, stdout);
		return CS_EXIT_OK;
	}
	{
		static const char *const cmds[] = {
			"run", "sweep", "merge", "capacity", "import", "calibrate",
			"validate", "plot", "report", "version", "help", NULL
		};
		const char *near = cs_conf_suggest(argv[1], cmds);

		fprintf(stderr, "capsim: error: unknown command \"%s\"%s%s%s\n\n%s",
		        argv[1], near ? " (did you mean \"" : "",
		        near ? near : "", near ? "\"?)" : "", usage);
	}
	return CS_EXIT_INPUT;
}
