/*
 * capsim merge FILE...: join the shards of one sweep (capsim sweep
 * --shard I/N) into one result.
 */
#include <getopt.h>
#include <stdio.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "sweep/sweepio.h"

static const cs_cli_opt merge_opts[] = {
	{ .name = "format", .val = 'f', .arg = "F", .def = "json",
	  .flags = CS_OPT_SHORT, .values = "table csv json",
	  .help = "table, csv or json" },
	{ .name = "output", .val = 'o', .arg = "FILE", .def = "standard output",
	  .flags = CS_OPT_SHORT | CS_OPT_FILE, .help = "write to FILE" },
	CS_CLI_OPT_HELP,
	{ 0 }
};

const cs_cli_cmd cs_cli_cmd_merge = {
	.name = "merge", .args = "SHARD.json...",
	.summary = "Join the shards of one sweep (each run with --shard I/N) "
	           "into one result, as if it had run on one machine.",
	.example = "merge shard1.json shard2.json -o pool.json",
	.opts = merge_opts, .main = cs_cmd_merge,
};

#define fail cs_cli_fail

int
cs_cmd_merge(int argc, char **argv)
{
	sweepfmt fmt = SWEEP_JSON;
	const char *out_path = NULL;
	sweepdoc doc = { 0 };
	cs_error err = { 0 };
	cs_out output;
	int c, rc, i;

	optind = 1;
	while ((c = cs_cli_getopt(&cs_cli_cmd_merge, argc, argv)) != -1) {
		if (c == 'f') {
			if (sweepfmt_parse(optarg, &fmt))
				return fail("merge", "--format must be table, csv or json (got \"%s\")", optarg);
		} else if (c == 'o') {
			out_path = optarg;
		} else if (c == 'h') {
			cs_cli_help(&cs_cli_cmd_merge, stdout);
			return CS_EXIT_OK;
		} else {
			return cs_cli_bad_option(&cs_cli_cmd_merge, c, argv);
		}
	}
	if (optind >= argc)
		return fail("merge", "%s", "give the shard files to merge");
	for (i = optind; i < argc; i++)
		if ((rc = cs_cli_same_file("merge", out_path, argv[i])))
			return rc;
	if (cs_out_open(&output, out_path))
		return cs_out_fail("merge", &output, CS_EXIT_INPUT);
	for (i = optind; i < argc; i++) {
		size_t dups;

		if (sweep_read_json(&doc, argv[i], &dups, &err)) {
			cs_error_print(stderr, &err);
			sweepdoc_free(&doc);
			cs_out_abort(&output);
			return CS_EXIT_INPUT;
		}
		if (dups)
			fprintf(stderr, "capsim merge: warning: %s: %zu point%s "
			        "already read from an earlier file, with the same "
			        "result (a shard given twice?); kept once\n",
			        argv[i], dups, dups == 1 ? "" : "s");
	}
	if (doc.done != doc.total)
		fprintf(stderr, "capsim merge: warning: %zu of %zu points present; "
		        "some shards are missing\n", doc.done, doc.total);
	rc = sweep_write_out("merge", &doc, fmt, &output);
	sweepdoc_free(&doc);
	return rc;
}
