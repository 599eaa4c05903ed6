/*
 * The scenario loader with --set overrides.  Input: the YAML text, then
 * optionally a line "#--set" (a YAML comment, so a plain scenario is a
 * valid input as it is) and one PATH=VALUE override per line.
 */
#include "fuzz-common.h"

#include "capsim.h"

#define MAX_SETS 16

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	const char *sets[MAX_SETS];
	size_t nsets;
	char *yaml;
	char *rest = fz_scenario_input(data, size, &yaml, sets, MAX_SETS,
	                               &nsets);
	cs_scenario *sc = NULL;
	cs_error err;

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	memset(&err, 0, sizeof err);
	if (cs_scenario_load_string(yaml, "fuzz.yaml", sets, nsets, &sc,
	                            &err) == CS_OK) {
		(void)cs_scenario_seed(sc);
		(void)cs_scenario_replications(sc);
	} else if (devnull) {
		/* the message is part of the contract: print it */
		cs_error_print(devnull, &err);
	}
	cs_scenario_free(sc);
	free(rest);
	free(yaml);
	return 0;
}
