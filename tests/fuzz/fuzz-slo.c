/*
 * The --slo grammars (sweep/slo.h for sweep and capacity, report/report.h
 * for plot and report), --y, and the number syntax of report values.  The
 * input is one string.
 */
#include "fuzz-common.h"

#include "report/report.h"
#include "sweep/slo.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fz_strndup(data, size);
	cs_slo slo;
	cs_rep_slo rslo;
	cs_rep_y y[CS_REP_Y_MAX];
	cs_error err;
	size_t n;
	double v;
	const char *unit;

	(void)cs_slo_parse(text, &slo, &err);
	(void)cs_rep_slo_parse(text, &rslo, &err);
	(void)cs_rep_y_parse(text, NULL, y, CS_REP_Y_MAX, &n, &err);
	(void)cs_rep_number(text, &v, &unit);
	free(text);
	return 0;
}
