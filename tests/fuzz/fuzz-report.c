/*
 * The results reader of `capsim plot` and `capsim report`: a sweep or run
 * JSON document, then what the plots take from it (the x axis, the y
 * metrics checked against the first result, the lines).
 */
#include "fuzz-common.h"

#include "report/report.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const ys[] = { "p95,p99", "throughput",
		"error_rate", "overall.latency_ms.p50" };
	char *text = fz_strndup(data, size);
	cs_rep_doc *d = NULL;
	cs_error err;
	size_t i;

	memset(&err, 0, sizeof err);
	if (cs_rep_doc_parse(text, "fuzz.json", &d, &err) == CS_OK) {
		cs_rep_x x;
		cs_rep_y y[CS_REP_Y_MAX];
		size_t ny, k;

		(void)cs_rep_doc_dim(d, "load.users");
		if (cs_rep_x_resolve(d, NULL, &x, &err) == CS_OK)
			for (i = 0; i < sizeof ys / sizeof ys[0]; i++) {
				cs_rep_series *s = NULL;
				size_t ns = 0;

				if (cs_rep_y_parse(ys[i], d->n ? d->results[0] : NULL,
				                   y, CS_REP_Y_MAX, &ny, &err) != CS_OK)
					continue;
				for (k = 0; k < ny; k++)
					if (cs_rep_series_build(d, &x, &y[k], &s, &ns,
					                        &err) == CS_OK)
						cs_rep_series_free(s, ns);
			}
		for (i = 0; i < d->n; i++) {
			cs_rep_ci ci;

			(void)cs_rep_metric(d->results[i], "overall.latency_ms.p95",
			                    &ci);
		}
	}
	cs_rep_doc_free(d);
	free(text);
	return 0;
}
