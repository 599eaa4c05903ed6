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
	size_t next, cut = fz_split(data, size, "#--set", &next);
	char *yaml = fz_strndup(data, cut);
	char *rest = fz_strndup(data + next, size - next);
	const char *sets[MAX_SETS];
	size_t nsets = 0;
	char *line, *save = NULL;
	cs_scenario *sc = NULL;
	cs_error err;

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	for (line = strtok_r(rest, "\n", &save); line && nsets < MAX_SETS;
	     line = strtok_r(NULL, "\n", &save))
		sets[nsets++] = line;
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
