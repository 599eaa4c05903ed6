/*
 * The sweep readers of `capsim merge` and `sweep --resume`: the input is
 * written to a file and read as a sweep JSON document (then once more
 * into the same sweep, as merge reads a second shard), and as a journal
 * against a fixed sweep (the one the seed journals were written for) and
 * against the sweep the input itself described.
 */
#include "fuzz-common.h"

#include "sweep/sweepio.h"

/* The sweep tests/fuzz/corpus/sweepio/journal-* belong to. */
static int
fixed_doc(sweepdoc *d)
{
	static const char *const paths[] = { "load.users" };

	memset(d, 0, sizeof *d);
	if (sweepdoc_init(d, "fuzz.yaml", "load.users=10,20", "", 1, 2, 2, 1,
	                  paths))
		return -1;
	d->content = strdup("cbf29ce484222325");
	return d->content ? 0 : -1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[4200];
	sweepdoc d;
	cs_error err;
	size_t dups;
	long keep;

	fz_write("sweep.json", data, size, path, sizeof path);

	memset(&d, 0, sizeof d);
	if (sweep_read_json(&d, path, &dups, &err) == 0) {
		(void)sweep_read_json(&d, path, &dups, &err);
		{
			FILE *f = fopen("/dev/null", "w");

			if (f) {
				(void)sweep_write(&d, SWEEP_CSV, f);
				(void)sweep_write(&d, SWEEP_TABLE, f);
				(void)sweep_write(&d, SWEEP_JSON, f);
				fclose(f);
			}
		}
		/* after the writers: journal points get their values from the
		 * caller's grid, which this harness does not have */
		(void)journal_load(&d, path, &keep, &err);
	}
	sweepdoc_free(&d);

	if (fixed_doc(&d) == 0)
		(void)journal_load(&d, path, &keep, &err);
	sweepdoc_free(&d);

	unlink(path);
	return 0;
}
