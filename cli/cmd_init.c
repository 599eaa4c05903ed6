/*
 * capsim init [-o FILE] [--from FILE...] [--type T] [--force]
 *
 * A commented starter scenario: a template, or one pre-filled from k6,
 * Locust or JMeter output (calibration/starter.h does the work).
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "calibration/import.h"
#include "calibration/starter.h"
#include "cli/cli.h"
#include "cli/opts.h"

int cs_cmd_init(int argc, char **argv);

static const cs_cli_opt init_opts[] = {
	{ .name = "from", .val = 'F', .arg = "FILE...",
	  .flags = CS_OPT_FILE | CS_OPT_FILES,
	  .help = "pre-fill from load-test output (whatever capsim import "
	          "reads): the files after --from, up to the next option" },
	{ .name = "type", .val = 't', .arg = "TYPE",
	  .def = "detected from the name and content",
	  .values = "locust k6 k6-ndjson k6-csv jmeter measurements",
	  .help = "the --from files' tool, as for capsim import" },
	{ .name = "output", .val = 'o', .arg = "FILE", .def = "standard output",
	  .flags = CS_OPT_SHORT | CS_OPT_FILE,
	  .help = "write the scenario to FILE (atomically)" },
	{ .name = "force", .val = 'f', .flags = CS_OPT_SHORT,
	  .help = "let -o replace a file that exists" },
	CS_CLI_OPT_HELP,
	{ 0 }
};

const cs_cli_cmd cs_cli_cmd_init = {
	.name = "init", .args = "",
	.summary = "Write a commented starter scenario: a template, or with "
	           "--from one pre-filled from k6, Locust or JMeter output "
	           "(endpoints and weights, users or arrival rate, think time "
	           "by Little's law, first service times), each value's comment "
	           "saying whether it came from the data or is a default.",
	.example = "init --from lab2/data/c03_15u_pool5_2inst.jtl -o "
	           "scenario.yaml",
	.opts = init_opts, .main = cs_cmd_init, .in_order = 1,
};

int
cs_cmd_init(int argc, char **argv)
{
	const char **from = calloc((size_t)argc + 1, sizeof *from);
	const char *out_path = NULL;
	cs_imp_opts io = { CS_IMP_AUTO, 0 };
	bool force = false, in_from = false;
	size_t nfrom = 0;
	cs_imp_set set;
	cs_error err = { 0 };
	struct stat st;
	cs_status s;
	cs_out out;
	int c, rc = CS_EXIT_INPUT;

	cs_imp_set_init(&set);
	if (!from)
		return CS_EXIT_FAIL;
	optind = 0;     /* glibc: start over */
	while ((c = cs_cli_getopt(&cs_cli_cmd_init, argc, argv)) != -1) {
		if (c == 1) {
			if (!in_from) {
				cs_cli_fail("init", "unexpected argument \"%s\" "
				            "(data files go after --from)", optarg);
				cs_cli_usage(&cs_cli_cmd_init, stderr);
				goto out;
			}
			from[nfrom++] = optarg;
			continue;
		}
		in_from = c == 'F';
		switch (c) {
		case 'F': from[nfrom++] = optarg; break;
		case 't':
			if ((s = cs_imp_type_parse(optarg, &io.type, &err))) {
				cs_cli_fail("init", "%s", err.msg);
				goto out;
			}
			break;
		case 'o': out_path = optarg; break;
		case 'f': force = true; break;
		case 'h':
			cs_cli_help(&cs_cli_cmd_init, stdout);
			rc = CS_EXIT_OK;
			goto out;
		default:
			rc = cs_cli_bad_option(&cs_cli_cmd_init, c, argv);
			goto out;
		}
	}
	if (out_path && !force && strcmp(out_path, "-") &&
	    !stat(out_path, &st) && S_ISREG(st.st_mode)) {
		cs_cli_fail("init", "%s exists; add --force to replace it",
		            out_path);
		goto out;
	}
	for (size_t k = 0; k < nfrom; k++)
		if ((rc = cs_cli_same_file("init", out_path, from[k])))
			goto out;
	rc = CS_EXIT_INPUT;
	if (nfrom && (s = cs_imp_read_files(from, nfrom, &io, &set, &err))) {
		cs_error_print(stderr, &err);
		rc = cs_cli_exit(s);
		goto out;
	}
	if (cs_out_open(&out, out_path)) {
		rc = cs_out_fail("init", &out, CS_EXIT_INPUT);
		goto out;
	}
	if ((s = cs_cal_starter_write(out.f, &set, from, nfrom, &err))) {
		cs_out_abort(&out);
		if (s == CS_ERR_IO) {
			rc = cs_out_write_fail("init", &out, 0, CS_EXIT_FAIL);
		} else {
			cs_error_print(stderr, &err);
			rc = cs_cli_exit(s);
		}
		goto out;
	}
	rc = cs_out_commit(&out) ? cs_out_fail("init", &out, CS_EXIT_FAIL) :
	     CS_EXIT_OK;
out:
	cs_imp_set_destroy(&set);
	free(from);
	return rc;
}
