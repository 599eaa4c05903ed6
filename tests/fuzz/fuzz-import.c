/*
 * The importers.  The input is written to a file and read with each
 * forced type (under a name that type expects), then once detected from
 * its name and bytes.  An input with "--8<--" separator lines is also
 * split into a Locust _stats.csv, its _stats_history.csv and its
 * _failures.csv, read together so that the sibling merge is fuzzed.
 */
#include "fuzz-common.h"

#include "calibration/import.h"

static const struct {
	cs_imp_type type;
	const char *name;
} reads[] = {
	{ CS_IMP_K6, "summary.json" },
	{ CS_IMP_K6_NDJSON, "out.json" },
	{ CS_IMP_K6_CSV, "out.csv" },
	{ CS_IMP_LOCUST, "run_stats.csv" },
	{ CS_IMP_LOCUST, "run_stats_history.csv" },
	{ CS_IMP_LOCUST, "run_failures.csv" },
	{ CS_IMP_LOCUST, "old_distribution.csv" },
	{ CS_IMP_JMETER, "results.jtl" },
	{ CS_IMP_MEASUREMENTS, "measurements.yaml" },
	{ CS_IMP_AUTO, "input" },
};

static void
read_one(const char *const *paths, size_t n, cs_imp_type type,
         int no_siblings)
{
	static FILE *devnull;
	cs_imp_opts opts = { type, no_siblings };
	cs_imp_set set;
	cs_error err;
	const char *names[32];
	size_t i;

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	memset(&err, 0, sizeof err);
	cs_imp_set_init(&set);
	if (cs_imp_read_files(paths, n, &opts, &set, &err) != CS_OK && devnull)
		cs_error_print(devnull, &err);
	for (i = 0; i < set.n; i++)
		(void)cs_imp_point_unknown(&set.points[i], names, 32);
	cs_imp_set_destroy(&set);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const sib[] = { "lr_stats.csv",
		"lr_stats_history.csv", "lr_failures.csv" };
	char path[4200], paths[3][4200];
	size_t i, k, at = 0, next, cut;
	cs_imp_type t;
	cs_error err;

	for (i = 0; i < sizeof reads / sizeof reads[0]; i++) {
		fz_write(reads[i].name, data, size, path, sizeof path);
		const char *p = path;

		read_one(&p, 1, reads[i].type, 0);
		if (reads[i].type == CS_IMP_AUTO)
			(void)cs_imp_detect(path, &t, &err);
		unlink(path);
	}
	cut = fz_split(data, size, "--8<--", &next);
	if (cut == size)
		return 0;
	for (k = 0; k < 3; k++) {
		fz_write(sib[k], data + at, cut - at, paths[k], sizeof paths[k]);
		at = next;
		cut = fz_split(data + at, size - at, "--8<--", &next) + at;
		next += at;
	}
	{
		const char *const list[] = { paths[0], paths[1], paths[2] };

		/* the stats file alone finds its siblings; the three
		 * listed together are merged as they are named */
		read_one(list, 1, CS_IMP_LOCUST, 0);
		read_one(list, 3, CS_IMP_AUTO, 0);
	}
	for (k = 0; k < 3; k++)
		unlink(paths[k]);
	return 0;
}
