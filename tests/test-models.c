/*
 * Tests for the component models (load, app, dbpool, cache, service) through
 * the public API: cs_scenario_load_string, cs_run, cs_result_metric.  One
 * suite, "models", built from the test-models-<subject>.c files; the
 * shared helpers and how the tolerances are chosen: models-harness.h.
 */
#include "models-harness.h"

static Suite *
models_suite(void)
{
	Suite *s = suite_create("models");
	TCase *tc = tcase_create("components");

	models_add_db(tc);
	models_add_app(tc);
	models_add_services(tc);
	models_add_cache(tc);
	models_add_load(tc);
	suite_add_tcase(s, tc);

	tc = tcase_create("runs");
	models_add_runs(tc);
	suite_add_tcase(s, tc);

	tc = tcase_create("explain");
	models_add_explain(tc);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return cs_test_run(models_suite());
}
