/*
 * calibration/validate — predict measured load levels from a (calibrated)
 * scenario and score the predictions: each point simulated with its 95%
 * CI and its 90% prediction interval (calibration/predict.c), beside a
 * straight line and a USL fitted to the calibration points, and the
 * scores over the held-out points.  What `capsim validate` prints, as a
 * library: the command parses its options, reads the data and writes.
 */
#ifndef CS_CAL_VALIDATE_H
#define CS_CAL_VALIDATE_H

#include <stdbool.h>
#include <stdio.h>

#include "calibration/fit.h"

/* One point's predictions. */
typedef struct cs_cal_vrow {
	cs_cal_pred pred;
	double line[CS_CAL_NMETRICS], usl[CS_CAL_NMETRICS]; /* baselines */
	double pi_lo[CS_CAL_NMETRICS], pi_hi[CS_CAL_NMETRICS]; /* 90% PI */
	double *ep;      /* per measured endpoint: CS_CAL_EP_N predictions */
	double causes[CS_CAL_NCAUSES]; /* predicted share failed per cause */
	bool cal;        /* a baseline calibration point */
	bool scored;     /* counted in the scores */
} cs_cal_vrow;

/* Over the scored points, per metric: how often the 90% prediction
 * interval held the measurement, and its median half-width (relative to
 * the prediction; points of the error rate). */
typedef struct cs_cal_piscore {
	size_t covered[CS_CAL_NMETRICS], counted[CS_CAL_NMETRICS];
	double median_half[CS_CAL_NMETRICS];
} cs_cal_piscore;

typedef struct cs_cal_validate_opts {
	const char *scenario;         /* the file cal was made from */
	const char *const *sets;      /* its --set overrides */
	size_t nsets;
	const double *baseline_users; /* the calibration points' users: the
	                               * baselines are fitted on them and
	                               * only the others scored; none: no
	                               * baselines, every point scored */
	size_t nbaseline;
	const char *const *baseline_names; /* ... and the points so named */
	size_t nbaseline_names;
	const char *baseline_text;    /* as the user gave them, for the text */
	unsigned replications;        /* per point; 0: the scenario's */
	size_t draws;                 /* parameter sets for the interval; 0:
	                               * the block's sample, else 16 */
	/* called before each point is simulated (may be NULL) */
	void (*progress)(const char *point, void *ctx);
	void *ctx;
} cs_cal_validate_opts;

typedef struct cs_cal_validation {
	cs_cal *cal;                 /* the points; not owned */
	const char *scenario;        /* not owned */
	const char *baseline;        /* the users text; not owned */
	bool baseline_named;         /* ... naming points, not only users */
	size_t n;                    /* points */
	cs_cal_vrow *rows;           /* [n] */
	unsigned reps;               /* replications per point (with
	                              * precision: the first batch) */
	uint64_t seed;
	double precision, precision_floor; /* the sequential rule, if any */
	unsigned max_replications;
	bool has_base;
	cs_cal_baseline base;
	size_t nheld;                /* points scored */
	cs_cal_score cap, lin, usl;  /* capsim's score and the baselines' */
	cs_cal_piscore pis;
	cs_cal_unc unc;              /* the scenario's calibration block */
	size_t ndraws;               /* parameter sets behind the intervals */
} cs_cal_validation;

/*
 * Predict every point of cal (already holding the measured points, with
 * cs_cal_check_data passed) with opts o and score them.  copts are the
 * options cal was made with (seed, precision).  On success *out is the
 * result; the caller frees it with cs_cal_validation_free().  A
 * baseline user count that no point has, a bad calibration block or a
 * failed simulation is an error (err says which; nothing allocated).
 */
cs_status cs_cal_validate(cs_cal *cal, const cs_cal_opts *copts,
                          const cs_cal_validate_opts *o,
                          cs_cal_validation **out, cs_error *err);

/* Write the validation as capsim validate's table or JSON (docs/calibration.md,
 * section 3).  CS_ERR_NOMEM if the JSON could not be built. */
cs_status cs_cal_validation_write(const cs_cal_validation *v, bool json,
                                  FILE *f);

/* _free(NULL) is a no-op. */
void cs_cal_validation_free(cs_cal_validation *v);

/* Number formats of calibrate's and validate's tables: "26.1/s",
 * "0.021/s", "0.97%", "363ms"; errors "+4.0%", "-0.68pp", "+12x".  A NaN
 * is "-".  Return buf (or a constant). */
const char *cs_cal_fmt_metric(cs_cal_metric m, double v, char *buf,
                              size_t size);
const char *cs_cal_fmt_error(cs_cal_metric m, double e, char *buf,
                             size_t size);
/* A point's load: "15 users" or "8.5/s". */
const char *cs_cal_fmt_load(const cs_imp_point *p, char *buf, size_t size);
/* The notes the data files carry, per point, under a heading (nothing
 * when there are none). */
void cs_cal_print_notes(FILE *f, const cs_cal *cal);

#endif
