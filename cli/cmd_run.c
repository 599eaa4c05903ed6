/* capsim run SCENARIO [options]: simulate one scenario and print the result. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const char usage[] =
	"usage: capsim run SCENARIO [--replications R] [--seed S] [--jobs N]\n"
	"                  [--set path=value]... [--format table|json|csv]\n"
	"                  [-o FILE] [--timeseries 10s]\n";

static int
bad(const char *fmt, const char *arg)
{
	cs_cli_fail("run", fmt, arg);
	fputs(usage, stderr);
	return CS_EXIT_INPUT;
}

int
cs_cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "replications", required_argument, NULL, 'r' },
		{ "seed", required_argument, NULL, 'S' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "set", required_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "timeseries", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	cs_run_opts ro = { 0 };
	cs_format fmt = CS_FORMAT_TABLE;
	const char *out_path = NULL, **sets;
	size_t nsets = 0;
	cs_scenario *sc = NULL;
	cs_result *res = NULL;
	cs_error err = { 0 };
	cs_out out;
	int c, rc;
	cs_status s;

	sets = calloc((size_t)argc, sizeof *sets);
	if (!sets)
		return CS_EXIT_FAIL;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":r:S:j:s:f:o:t:h", opts, NULL)) != -1) {
		switch ((rc = cs_cli_run_option("run", c, optarg, &ro))) {
		case 0:
			continue;
		case 1:
			break;
		default:
			free(sets);
			fputs(usage, stderr);
			return rc;
		}
		switch (c) {
		case 's':
			sets[nsets++] = optarg;
			break;
		case 'f':
			if (!strcmp(optarg, "table"))
				fmt = CS_FORMAT_TABLE;
			else if (!strcmp(optarg, "json"))
				fmt = CS_FORMAT_JSON;
			else if (!strcmp(optarg, "csv"))
				fmt = CS_FORMAT_CSV;
			else {
				free(sets);
				return bad("--format must be table, json or csv (got \"%s\")", optarg);
			}
			break;
		case 'o':
			out_path = optarg;
			break;
		case 't':
			ro.timeseries = cs_cli_seconds(optarg);
			if (!(ro.timeseries > 0)) {
				free(sets);
				return bad("--timeseries needs an interval like 10s or 1m (got \"%s\")", optarg);
			}
			break;
		case 'h':
			fputs(usage, stdout);
			free(sets);
			return CS_EXIT_OK;
		default:
			free(sets);
			return cs_cli_bad_option("run", c, argv, usage);
		}
	}
	if (optind != argc - 1) {
		free(sets);
		return bad("%s", optind >= argc ? "missing the scenario file" :
		           "give exactly one scenario file");
	}
	if ((rc = cs_cli_same_file("run", out_path, argv[optind]))) {
		free(sets);
		return rc;
	}
	s = cs_scenario_load_file(argv[optind], sets, nsets, &sc, &err);
	free(sets);
	if (s) {
		cs_error_print(stderr, &err);
		return cs_cli_exit(s);
	}
	if (ro.timeseries > cs_scenario_duration(sc)) {
		char msg[160];

		snprintf(msg, sizeof msg, "--timeseries interval (%gs) is longer "
		         "than the run (%gs)", ro.timeseries, cs_scenario_duration(sc));
		cs_scenario_free(sc);
		return bad("%s", msg);
	}
	if (ro.timeseries > 0 &&
	    cs_scenario_duration(sc) / ro.timeseries > CS_TIMESERIES_MAX_ROWS) {
		char msg[200];

		snprintf(msg, sizeof msg, "--timeseries interval (%gs) makes %.3g "
		         "rows over the run (%gs); at most %d: choose an interval "
		         "of at least %gs", ro.timeseries,
		         cs_scenario_duration(sc) / ro.timeseries,
		         cs_scenario_duration(sc), CS_TIMESERIES_MAX_ROWS,
		         cs_scenario_duration(sc) / CS_TIMESERIES_MAX_ROWS);
		cs_scenario_free(sc);
		return bad("%s", msg);
	}
	/* before the simulation: a bad -o path should not cost a whole run */
	if (cs_out_open(&out, out_path)) {
		cs_scenario_free(sc);
		return cs_out_fail("run", &out, CS_EXIT_INPUT);
	}
	s = cs_run(sc, &ro, &res, &err);
	if (s) {
		cs_error_print(stderr, &err);
		cs_out_abort(&out);
		cs_scenario_free(sc);
		return s == CS_ERR_INVALID ? CS_EXIT_INPUT : CS_EXIT_FAIL;
	}
	errno = 0;
	s = cs_result_write(res, fmt, out.f);
	if (s == CS_ERR_IO) {
		/* a full disk mid-write must say so, not only exit 1 */
		rc = cs_out_write_fail("run", &out, errno, CS_EXIT_FAIL);
	} else if (s) {
		cs_out_abort(&out);
		fprintf(stderr, "capsim run: error: writing the result failed: "
		        "%s\n", cs_status_str(s));
		rc = CS_EXIT_FAIL;
	} else if (cs_out_commit(&out)) {
		rc = cs_out_fail("run", &out, CS_EXIT_FAIL);
	} else {
		rc = CS_EXIT_OK;
	}
	cs_result_free(res);
	cs_scenario_free(sc);
	return rc;
}
