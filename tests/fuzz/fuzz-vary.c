/*
 * The --vary parser: one PATH=VALUES spec per input line.  A grid it
 * accepts is walked (its first points, and its canonical text).
 */
#include "fuzz-common.h"

#include "sweep/sweep.h"

#define MAX_SPECS 8

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fz_strndup(data, size);
	const char *specs[MAX_SPECS];
	char *line, *save = NULL;
	size_t n = 0, i, k;
	cs_sweep *sw = NULL;
	cs_error err;

	for (line = strtok_r(text, "\n", &save); line && n < MAX_SPECS;
	     line = strtok_r(NULL, "\n", &save))
		specs[n++] = line;
	if (cs_sweep_new(specs, n, &sw, &err) == CS_OK) {
		size_t np = cs_sweep_npoints(sw), nd = cs_sweep_ndims(sw);

		(void)cs_sweep_spec(sw);
		for (k = 0; k < nd; k++) {
			(void)cs_sweep_path(sw, k);
			if (cs_sweep_nvalues(sw, k))
				(void)cs_sweep_value_at(sw, k,
				    cs_sweep_nvalues(sw, k) - 1);
		}
		for (i = 0; i < np && i < 64; i++)
			for (k = 0; k < nd; k++)
				(void)cs_sweep_value(sw, i, k);
		if (np)
			for (k = 0; k < nd; k++)
				(void)cs_sweep_value(sw, np - 1, k);
	}
	cs_sweep_free(sw);
	free(text);
	return 0;
}
