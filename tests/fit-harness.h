/*
 * The shared helpers of the calibration tests (test-fit.c and the
 * test-fit-*.c files it runs, one suite "fit"): a temporary folder for the
 * files a calibration reads, a small system whose true parameters are known
 * (model_fmt, generate: its measurements, simulated), a smaller one for
 * quick fits (small_model), and the points the baselines are fitted to.
 * Defined in test-fit.c.
 */
#ifndef CS_TEST_FIT_HARNESS_H
#define CS_TEST_FIT_HARNESS_H

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>

#include "calibration/fit.h"
#include "calibration/import.h"
#include "calibration/validate.h"
#include "harness.h"

#define ck_assert_rel(got, want, tol) \
	ck_assert_msg(fabs((double)(got) - (double)(want)) <= \
	              (tol) * fabs((double)(want)), \
	              "%s = %.9g, expected %.9g within %g%%", #got, \
	              (double)(got), (double)(want), 100.0 * (tol))

/* A fresh temporary folder; files written into it; it and they removed. */
void make_tmp(void);
void remove_tmp(const char *const *names, size_t n);
const char *write_tmp(const char *name, const char *text);

/*
 * The system: one app instance with 2 cores, exponential CPU demand D and
 * a 10 ms wait, closed users with exponential think time Z (model_fmt
 * takes Z and D as text).  Capacity is 2 / D; below the knee throughput is
 * about N / (Z + R), so the low-load point fixes Z and the saturated point
 * fixes D.
 */
extern const char model_fmt[];
#define TRUE_D 0.020  /* s of CPU per request */
#define TRUE_Z 1.0    /* s of think time */
#define NDATA 3
extern const double data_users[NDATA];

typedef struct gen {
	double x[NDATA];       /* throughput, 1/s */
	double x_half[NDATA];  /* its 95% CI half-width, 1/s */
} gen;

/* Simulate the true system (seed 7, 4 replications) at the data's user
 * counts and write the measurements file (data.yaml); its path. */
const char *generate(gen *g);

/* model_fmt from `start` calibrated on the points of set with options o,
 * fitting the CPU demand and the think time (100 ms - 10 s). */
cs_cal *fit_generated(const char *start, const cs_imp_set *set,
                      const cs_cal_opts *o);

/* One endpoint, one CPU step of 20 ms on 2 cores, 20 users. */
extern const char small_model[];

/* Options for a quick fit: one start, one replication an evaluation. */
void quick_opts(cs_cal_opts *o, unsigned proposals, unsigned max_evals);

/* small_model fitted to the points of data_text (d.yaml; the model as
 * m.yaml) with options o, fitting the CPU step's mean.  *data gets the
 * data file's path. */
cs_cal *fit_small_cpu(const char *data_text, const cs_cal_opts *o,
                      cs_imp_set *set, const char **data);

/* small_model (m.yaml) with the points of the measurements file `data`
 * read into set, the last one with the overrides last_sets, and the first
 * estimates made (no fit): the data's warnings are in. */
cs_cal *estimated(const char *data, cs_imp_set *set,
                  const char *const *last_sets, size_t nlast);

/* Whether one of cal's warnings contains s. */
int warned(const cs_cal *cal, const char *s);

/* A measured point with only these numbers. */
cs_imp_point mk_point(double users, double x, double p50, double p95,
                      double p99, double er);

void fit_add_calibrate(TCase *tf);
void fit_add_noise(TCase *tc, TCase *te, TCase *tf);

#endif
