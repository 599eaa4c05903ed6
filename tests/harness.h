/*
 * The shared Check harness of the test programs: assertions on numbers
 * and text that Check lacks, and the runner every test main() uses.
 */
#ifndef CS_TEST_HARNESS_H
#define CS_TEST_HARNESS_H

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

/* |got - want| <= tol (absolute). */
#define ck_near(got, want, tol)                                              \
	do {                                                                 \
		double g_ = (got), w_ = (want), t_ = (tol);                  \
		ck_assert_msg(fabs(g_ - w_) <= t_,                           \
		              "%s = %.15g, want %.15g (tol %g)", #got, g_, w_, \
		              t_);                                           \
	} while (0)

/* The text hay contains (lacks) needle. */
#define ck_assert_has(hay, needle)                                           \
	ck_assert_msg(strstr((hay), (needle)) != NULL,                       \
	              "\"%.300s\" does not contain \"%s\"", (hay), (needle))
#define ck_assert_lacks(hay, needle)                                         \
	ck_assert_msg(strstr((hay), (needle)) == NULL,                       \
	              "\"%.300s\" contains \"%s\"", (hay), (needle))

/* Run suite s (GSL's aborting error handler off: capsim checks every
 * status) and give main()'s exit status. */
static inline int
cs_test_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	gsl_set_error_handler_off();
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
