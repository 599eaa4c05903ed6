/*
 * The simulator: the scenario harness's input (the YAML, then optionally
 * a line "#--set" and one PATH=VALUE override per line), loaded and, when
 * it loads, run for one replication with every metric read back as the
 * JSON result and written as a table and CSV.  The fuzz build stops a replication after
 * CS_FUZZ_MAX_EVENTS events (meson.build), so an input's cost is bounded
 * whatever its load; populations past MAX_USERS are not run (their
 * per-user state is allocated up front: memory, not a finding).
 */
#include "fuzz-common.h"

#include "capsim.h"
#include "models/model.h"

#define MAX_SETS 16
#define MAX_USERS 5000

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *sets[MAX_SETS];
	size_t nsets;
	char *yaml;
	char *rest = fz_scenario_input(data, size, &yaml, sets, MAX_SETS,
	                               &nsets);
	cs_scenario *sc = NULL;
	cs_result *res = NULL;
	cs_run_opts opts;
	cs_error err;
	static FILE *devnull;

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	memset(&err, 0, sizeof err);
	if (cs_scenario_load_string(yaml, "fuzz.yaml", sets, nsets, &sc,
	                            &err) == CS_OK &&
	    (sc->load.open || sc->load.users <= MAX_USERS)) {
		memset(&opts, 0, sizeof opts);
		opts.replications = 1;
		opts.jobs = 1;
		memset(&err, 0, sizeof err);
		if (cs_run(sc, &opts, &res, &err) == CS_OK) {
			char *json = cs_result_json(res);
			size_t i, n = cs_result_nmetrics(res);

			free(json);
			if (devnull) {
				(void)cs_result_write(res, CS_FORMAT_TABLE, devnull);
				(void)cs_result_write(res, CS_FORMAT_CSV, devnull);
			}
			for (i = 0; i < n; i++) {
				double mean, lo, hi;

				cs_result_metric_at(res, i, &mean, &lo, &hi);
			}
			cs_result_free(res);
		}
	}
	cs_scenario_free(sc);
	free(rest);
	free(yaml);
	return 0;
}
