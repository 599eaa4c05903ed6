/*
 * calibration/fit — fit a scenario's unknowns to measured load levels,
 * predict measured load levels, and the two baselines a prediction must
 * beat (a straight line and a Universal Scalability Law fit).
 *
 * A calibration (cs_cal) holds a scenario file, measurement points (from
 * calibration/import.h) and the scenario paths to fit.  It drives the
 * engine through the public API only: every evaluation loads the scenario
 * text with "path=value" overrides (the CLI's --set) and runs it with one
 * fixed seed, so the objective is a deterministic function of the
 * parameters (common random numbers).
 *
 * Each point becomes overrides: a closed point sets load.users, an open one
 * load.arrival_rate; with the steady option the scenario's stages are
 * replaced by an immediate jump to the target that then holds for the
 * run's duration.  Then come the parameter values, then the point's own
 * overrides (pool size, processes, ...: facts of that experiment).
 *
 * Nothing here prints.  Progress goes to a callback; estimates, warnings
 * and the data files' own notes are kept as text for the caller to show.
 */
#ifndef CS_CAL_FIT_H
#define CS_CAL_FIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "capsim.h"
#include "calibration/import.h"

/* The measured numbers the objective, validation and scores use. */
typedef enum cs_cal_metric {
	CS_CAL_THROUGHPUT = 0, /* completed requests per second */
	CS_CAL_P50,            /* latency percentiles, milliseconds */
	CS_CAL_P95,
	CS_CAL_P99,
	CS_CAL_ERROR_RATE,     /* failed / all answers, 0..1 */
	CS_CAL_APP_CPU,        /* utilizations, 0..1: resources.app.cpu_utilization */
	CS_CAL_DB_CPU,         /* resources.db.cpu_utilization */
	CS_CAL_POOL,           /* DB connections in use, mean:
	                        * resources.db_pool.in_use.mean */
	CS_CAL_EVENT_LOOP,     /* 0..1: resources.app.event_loop_utilization
	                        * (with app.gil) */
	CS_CAL_NMETRICS
} cs_cal_metric;

/* The result path of metric m: "overall.throughput_rps",
 * "overall.latency_ms.p95", "resources.app.cpu_utilization", ... */
const char *cs_cal_metric_path(cs_cal_metric m);
/* "throughput", "p50", "p95", "p99", "error_rate", "app_cpu", "db_cpu",
 * "pool", "event_loop". */
const char *cs_cal_metric_name(cs_cal_metric m);
/* The reverse (also "X", "error", "errors"); -1 if unknown. */
int cs_cal_metric_parse(const char *s);
/* The point's measured value of m (NaN: unknown). */
double cs_cal_measured(const cs_imp_point *p, cs_cal_metric m);

/*
 * The error of a prediction against a measurement: relative
 * ((pred - meas) / meas) for throughput and latencies, absolute (pred -
 * meas, a fraction: 0.02 is 2 percentage points) for the error rate.  NaN
 * when either is unknown or a relative error has meas == 0.
 */
double cs_cal_error(cs_cal_metric m, double measured, double predicted);
/* The targets on |error|: throughput 0.10, p50 and p95 0.25, error
 * rate 0.02 (2 points); p99 has none (NaN). */
double cs_cal_target(cs_cal_metric m);

/* ---- operational laws (first estimates) ---------------------------------- */

/* Little's law for a closed system: think time Z = N/X - R, seconds.
 * users N, throughput X (1/s), response time R (s).  NaN if X <= 0. */
double cs_cal_little_think(double users, double throughput, double resp);
/* The utilization law: demand D = U * servers / X, seconds of one server
 * per request.  util U (0..1), servers (cores), throughput X (1/s). */
double cs_cal_util_demand(double util, double servers, double throughput);

/* A point's response time R, seconds: its mean latency when known and
 * use_mean, else its p50 (NaN if unknown). */
double cs_cal_resp(const cs_imp_point *p, int use_mean);

/* ---- baselines (calibration/baseline.c) ----------------------------------- */

/*
 * Least-squares straight line y = a + b x through n points (n >= 1).  With
 * one point (or all x equal) the line goes through the origin and the mean
 * point: proportional extrapolation.  CS_ERR_INVALID if n == 0.
 */
cs_status cs_cal_linear_fit(const double *x, const double *y, size_t n,
                            double *a, double *b);

/* Universal Scalability Law: X(N) = lambda N / (1 + sigma (N-1) +
 * kappa N (N-1)). */
typedef struct cs_cal_usl {
	double lambda;  /* throughput of one user, 1/s */
	double sigma;   /* contention, >= 0 */
	double kappa;   /* coherency, >= 0 */
} cs_cal_usl;

/*
 * Fit the USL to n (users, throughput) points, all > 0, minimizing the
 * squared log error of X (GSL nonlinear least squares, started from the
 * exact linear form N/X = 1/lambda + (sigma/lambda)(N-1) +
 * (kappa/lambda) N(N-1)); sigma and kappa are kept >= 0.  With one point
 * sigma = kappa = 0; with two, kappa = 0.  CS_ERR_INVALID for bad points,
 * CS_ERR_NUMERIC if GSL fails.
 */
cs_status cs_cal_usl_fit(const double *users, const double *throughput,
                         size_t n, cs_cal_usl *out, cs_error *err);
double cs_cal_usl_eval(const cs_cal_usl *u, double users);

/*
 * Both baselines, fitted on calibration points and evaluated at any users.
 * The straight line fits every metric against users.  The USL fits
 * throughput; its latencies come from the interactive response time law
 * R = N/X - Z, with Z the mean of the calibration points' N/X - R (R the
 * mean latency when measured, else p50), and each percentile as R times
 * the percentile/R ratio of the highest-load calibration point that has
 * it; R never drops below the lowest measured R.  The USL says nothing of
 * errors: its error rate is NaN.
 */
typedef struct cs_cal_baseline {
	double line_a[CS_CAL_NMETRICS]; /* intercept per metric (NaN: none) */
	double line_b[CS_CAL_NMETRICS]; /* slope per user */
	cs_cal_usl usl;
	int has_usl;
	double think;      /* Z, seconds (NaN: no point had N, X and R) */
	double r_floor;    /* lowest measured R, seconds */
	int r_is_mean;     /* R is the mean latency (else p50) */
	double ratio[CS_CAL_NMETRICS]; /* latency percentile / R */
	size_t npoints;    /* calibration points used */
} cs_cal_baseline;

/* Fit both baselines on the closed points pts[0..n).  CS_ERR_INVALID with a
 * message when no point has users and throughput. */
cs_status cs_cal_baseline_fit(const cs_imp_point *const *pts, size_t n,
                              cs_cal_baseline *out, cs_error *err);
/* Predictions at users: line[m] (clamped to >= 0, error rate to [0,1])
 * and usl[m] (NaN where the USL has nothing). */
void cs_cal_baseline_eval(const cs_cal_baseline *b, double users,
                          double line[CS_CAL_NMETRICS],
                          double usl[CS_CAL_NMETRICS]);

/* ---- scores --------------------------------------------------------------- */

/* Over a set of points, per metric: median |error| and how many points are
 * within the target. */
typedef struct cs_cal_score {
	double median[CS_CAL_NMETRICS];  /* NaN when no point has the metric */
	size_t within[CS_CAL_NMETRICS];
	size_t counted[CS_CAL_NMETRICS];
} cs_cal_score;

/* errors: n rows of CS_CAL_NMETRICS errors (as cs_cal_error), NaN skipped. */
void cs_cal_score_compute(const double (*errors)[CS_CAL_NMETRICS], size_t n,
                          cs_cal_score *out);

/* ---- scenario text -------------------------------------------------------- */

/*
 * Apply "path=value" assignments to YAML text the way a person would edit
 * it: a scalar that exists is replaced in place; a key that does not
 * exist is inserted into its nearest existing map (as "key: value" or
 * nested "key: {key2: value}"); comments, order and layout are kept.  The
 * value is written as given.  Only scalars can be replaced.  On success
 * *out is new text (caller frees with free()); CS_ERR_USAGE (with the
 * assignment as path) when an assignment cannot be done in place,
 * CS_ERR_PARSE if text is not YAML.
 */
cs_status cs_cal_edit_text(const char *text, const char *name,
                           const char *const *assignments, size_t n,
                           char **out, cs_error *err);

/* ---- calibration ---------------------------------------------------------- */

typedef struct cs_cal cs_cal;

/* What kind of value a fitted path holds; decides units and formatting. */
typedef enum cs_cal_kind {
	CS_CAL_DURATION = 0, /* seconds; written "12.5ms", "1.2s" */
	CS_CAL_RATE,         /* 1/s; written "60/s" */
	CS_CAL_RATIO,        /* 0..1; written "85%" or "0.85" as in the file */
	CS_CAL_NUMBER,       /* plain number */
	CS_CAL_INTEGER       /* whole number; rounded at every evaluation */
} cs_cal_kind;

typedef struct cs_cal_param {
	const char *path;    /* scenario path, e.g. "load.think.scale" */
	cs_cal_kind kind;
	double lo, hi;       /* bounds (seconds for durations), 0 < lo < hi */
	double initial;      /* value in the scenario file; NaN if absent */
	double estimate;     /* first estimate: where start 1 begins */
	const char *estimated_from; /* how the estimate was made ("" if not) */
	double value;        /* fitted value (the estimate before the fit) */
	double se_log;       /* standard error of ln(value); NaN: unknown,
	                      * +inf: not identifiable from these data */
	int on_bound;        /* -1 at lo, +1 at hi, 0 inside */
	int identified;      /* after the fit: 1 when the data pin the value
	                      * (95% interval narrower than x10 overall);
	                      * 0: value is the file's (or the middle of the
	                      * bounds) and [lo, hi] is what is known */
	const char *pin_with;/* for an unidentified value: the measurement
	                      * that would pin it ("" when identified) */
} cs_cal_param;

/* The 95% interval of a fitted value: value x exp(+-1.96 se_log), cut at
 * the bounds; NaN when se_log is not finite. */
void cs_cal_interval(const cs_cal_param *p, double *lo, double *hi);

/* Per point: predicted mean and 95% CI of each metric (NaN: none). */
typedef struct cs_cal_pred {
	double mean[CS_CAL_NMETRICS];
	double lo[CS_CAL_NMETRICS];
	double hi[CS_CAL_NMETRICS];
	double app_cpu, db_cpu; /* utilizations (mean), for the estimates */
	double latency_mean;    /* milliseconds */
	unsigned reps;          /* replications behind mean, lo and hi */
	double reached;         /* their precision (cs_precision_info) */
	int prec_met;           /* with opts.precision: reached <= it */
} cs_cal_pred;

typedef struct cs_cal_progress {
	unsigned start, starts;  /* 1-based start number, of how many */
	unsigned evals;          /* evaluations in this start so far */
	double objective;        /* best in this start */
	double best;             /* best over all starts */
	double seconds;          /* wall-clock time of this start */
	int done;                /* the stage has finished */
	int refine;              /* 0: the start's first stage (to a coarse
	                          * simplex); 1: the leader's second (to the
	                          * fine one; evals and seconds are the
	                          * start's in all) */
	double tol;              /* the simplex size that ended the stage */
} cs_cal_progress;

typedef void (*cs_cal_progress_fn)(const cs_cal_progress *p, void *ctx);

typedef struct cs_cal_opts {
	double weight[CS_CAL_NMETRICS]; /* objective weights per metric */
	double error_scale;   /* unused since the noise model; kept for the
	                       * callers that set it */
	double noise[CS_CAL_NMETRICS]; /* between-run noise floor: standard
	                       * deviation of ln(value) (throughput,
	                       * latencies, utilizations) or of the angle
	                       * asin(sqrt(e)) (error rate).  NaN: estimated
	                       * from repeated points when there are any,
	                       * else cs_cal_noise_default() */
	double speed_noise;   /* how much the machines' speed varies between
	                       * runs: sd of ln(CPU time per request), which
	                       * every prediction from the calibrated file
	                       * samples (cs_cal_unc.speed_noise).  NaN:
	                       * estimated from the measured utilizations,
	                       * pooled with CS_CAL_SPEED_NOISE_DEFAULT */
	const char *const *covariates; /* --point-set paths that are measured
	                       * per run (app.background), not configuration:
	                       * points that differ only in them are still
	                       * repeats for the noise floor; ncovariates */
	size_t ncovariates;
	unsigned replications;/* per evaluation */
	double precision;     /* > 0: the reported predictions (the fitted
	                       * points, cs_cal_predict*) run the sequential
	                       * rule of cs_run_opts.precision, with
	                       * replications as the first batch; the
	                       * objective's evaluations always run a fixed
	                       * `replications` (see docs/calibration.md) */
	double precision_floor; /* cs_run_opts.precision_floor */
	unsigned max_replications; /* cs_run_opts.max_replications */
	uint64_t seed;        /* used when has_seed */
	int has_seed;         /* else the scenario's run.seed */
	unsigned jobs;        /* threads per run; 0: all cores */
	unsigned starts;      /* Nelder-Mead starts */
	unsigned proposals;   /* parameter sets tried for the posterior
	                       * sample (default 96; 0: no sample) */
	unsigned max_evals;   /* evaluations per start */
	double coarse_tol;    /* simplex size (log space) that ends a start's
	                       * first stage; 0: 0.05; at or below 0.005
	                       * every start runs to the end */
	int steady;           /* replace stages by a jump to the target */
	double duration;      /* seconds simulated per steady run; 0: the
	                       * point's duration (at most 600 s), else the
	                       * scenario's */
	cs_cal_progress_fn progress; /* may be NULL */
	void *progress_ctx;
} cs_cal_opts;

/* Defaults: weights throughput 1, p50 1, p95 1, p99 0.5, error rate 1;
 * noise NaN (from repeats, else the defaults); 2 replications; the
 * scenario's seed; 3 starts of 200 evaluations; 96 proposals for the
 * posterior sample; not steady. */
void cs_cal_opts_init(cs_cal_opts *o);

/* ---- noise ----------------------------------------------------------------- */

/*
 * The default between-run noise floor of metric m (see cs_cal_opts.noise):
 * throughput 0.05, p50 0.10, p95 0.12, p99 0.20, error rate 0.03 (of the
 * angle asin(sqrt(e)): +-0.6 percentage points at 1% errors, +-1.3 at 5%,
 * +-2.4 at 20%), app and DB CPU 0.10.  What two runs of the same test on
 * the same system typically differ by, beyond their sampling noise.
 */
double cs_cal_noise_default(cs_cal_metric m);

/* The default of cs_cal_opts.speed_noise: 0.05, a run's machines 5%
 * faster or slower than another's (docs/calibration.md 2.2). */
#define CS_CAL_SPEED_NOISE_DEFAULT 0.05

/*
 * The error rate's noise scale: the angle asin(sqrt(e)) (e cut to [0, 1]),
 * on which a binomial proportion's sampling sd is 1/(2 sqrt(n)) whatever
 * e is, so one noise figure serves a run with 0.2% errors and one with
 * 25%; and back (z cut to [0, pi/2]).
 */
double cs_cal_angle(double e);
double cs_cal_unangle(double z);

/*
 * The sampling noise of a measurement of metric m with value v over count
 * requests (standard deviation, in the floor's units): throughput
 * 1/sqrt(count) (Poisson count); a percentile q_p sqrt(p / ((1-p) count))
 * / -ln(1-p) (the order statistic of an exponential-like tail), plus the
 * resolution of the tool's rounding: Locust keeps response times rounded
 * to 1 ms below 100 ms, 10 ms below 1 s, 100 ms below 10 s, then 1 s
 * (step / sqrt(12) / v: 0.14 at 2 ms), k6 and JMeter report exact values;
 * v in milliseconds for percentiles; the error rate 1 / (2 sqrt(count)),
 * of its angle (cs_cal_angle).  Utilizations: 0 (their noise is in the floor).  count <= 0
 * or NaN: 0.
 */
double cs_cal_sampling_sd(cs_cal_metric m, double v, double count,
                          const char *tool);

/*
 * A calibration of the scenario file at path, with overrides sets[]
 * applied first (copied).  The file is read once and loaded with the sets
 * to check it.  Caller frees with cs_cal_free().
 */
cs_status cs_cal_new(const char *path, const char *const *sets, size_t nsets,
                     const cs_cal_opts *opts, cs_cal **out, cs_error *err);
void cs_cal_free(cs_cal *c);

/*
 * Add a measurement point (borrowed: it must outlive c) with its own
 * overrides (copied).  CS_ERR_INVALID when the point has neither users nor
 * an arrival rate, or the scenario does not load with its overrides.
 */
cs_status cs_cal_add_point(cs_cal *c, const cs_imp_point *p,
                           const char *const *sets, size_t nsets,
                           cs_error *err);

/*
 * Add a parameter: "PATH" or "PATH=LO:HI" (LO and HI in the value's units:
 * "1ms:50ms", "0.2:5", "50%:99%").  Without bounds they are a tenth and ten
 * times the file's value (ratios at most 1).  A distribution's "scale"
 * that the file leaves out starts at its default, 1.  CS_ERR_USAGE with file
 * "--fit" when the path is not a number in the scenario, bounds are
 * missing for a value the file does not give, or bounds are bad.
 */
cs_status cs_cal_add_param(cs_cal *c, const char *spec, cs_error *err);

/*
 * Check the points for contradictions: Little's law giving a negative
 * think time, or think times that differ by more than 30% between points;
 * throughput falling while users rise (with or without a coherency term in
 * the scenario); failures that disagree with the error rate or with the
 * errors by cause.  Adds to the warnings (cs_cal_warning()); runs once.
 */
cs_status cs_cal_check_data(cs_cal *c, cs_error *err);

/*
 * First estimates from the operational laws on the lowest-load point:
 * Little's law (think time), the utilization law (app and DB CPU per
 * request), low-load latency and p95/p50.  One run of the scenario as
 * written at that point gives the model's own figures; each parameter is
 * then scaled by measured / model for its kind (think, CPU, query,
 * latency, dispersion, cache hit ratio) and clamped to its bounds.  The
 * lines of the report are in cs_cal_estimate_line().  Runs
 * cs_cal_check_data() first.
 */
cs_status cs_cal_estimate(cs_cal *c, cs_error *err);

/*
 * Fit: Nelder-Mead (gsl_multimin_fminimizer_nmsimplex2) in log space of
 * the parameters, from the first estimate, from the file's values, and
 * from Latin-hypercube points of the bounds box; each start runs until the
 * simplex is smaller than 0.05, then the best of them on until it is
 * smaller than 5e-3 (0.5%); max_evals evaluations a start at most.  The
 * objective is the mean over points and known metrics (each endpoint's
 * where the data name them) of squared errors in units of each number's
 * noise: log errors for throughput, latencies and utilizations, the
 * difference of angles (cs_cal_angle) for the error rate, each over sqrt(sampling^2 (1 + 1/R) +
 * floor^2) (cs_cal_sampling_sd, cs_cal_noise_floor; the k percentiles of
 * a point weigh 1/k each); values are clamped to the bounds and a penalty
 * grows outside them.  Keeps the best start, estimates each value's
 * standard error from the residuals' Jacobian (Gauss-Newton: cov = s^2
 * (J'J)^-1, s^2 = max(1, residual sum / (residuals - parameters))), marks
 * the values it cannot pin (cs_cal_param.identified), measures the model's
 * discrepancy, draws the posterior sample (opts.proposals), and predicts
 * every point at the best values.  Runs cs_cal_estimate() first if it was
 * not.
 */
cs_status cs_cal_fit(cs_cal *c, cs_error *err);

/* After cs_cal_fit: the noise floor used for metric m; *source says
 * where it came from: 1 estimated from repeated points (*dof degrees of
 * freedom), 2 given, 0 the default.  Either pointer may be NULL. */
double cs_cal_noise_floor(const cs_cal *c, cs_cal_metric m, int *source,
                          size_t *dof);

/* After cs_cal_fit: the speed noise between runs (cs_cal_opts.speed_noise)
 * written to the calibration block; *source 1: from the CPU per request
 * the points measured (*dof of them, pooled with the default as 4), 2
 * given, 0 the default (no point measured a utilization). */
double cs_cal_speed_noise(const cs_cal *c, int *source, size_t *dof);

/* After cs_cal_fit: residual k of the objective: its point, metric,
 * sampling sd, floor and weight: the metric's weight / (sampling^2 (1 +
 * 1/R) + floor^2), R the replications per evaluation, divided by k for
 * each of the k percentiles of one point (or endpoint). */
typedef struct cs_cal_term {
	size_t point;
	cs_cal_metric metric;
	const char *endpoint; /* an endpoint's own term (NULL: the point's);
	                      * its "throughput" is its share of requests */
	double measured, sampling, floor, weight;
} cs_cal_term;
void cs_cal_term_at(const cs_cal *c, size_t k, cs_cal_term *out);

size_t cs_cal_nparams(const cs_cal *c);
const cs_cal_param *cs_cal_param_at(const cs_cal *c, size_t i);
size_t cs_cal_npoints(const cs_cal *c);
const cs_imp_point *cs_cal_point_at(const cs_cal *c, size_t i);
/* The point's name: its own (a measurements file's name:), else its
 * file's name less folder and extension ("result-1m-8"; "#2", "#3" for
 * the further points of one file), else "point N" (N = order added). */
const char *cs_cal_point_name(const cs_cal *c, size_t i);
/* After cs_cal_fit: the point predicted at the fitted values. */
const cs_cal_pred *cs_cal_fitted(const cs_cal *c, size_t i);
/* After cs_cal_fit: objective at the optimum, evaluations, seconds. */
double cs_cal_objective(const cs_cal *c);
unsigned cs_cal_evaluations(const cs_cal *c);
double cs_cal_seconds(const cs_cal *c);
/* Number of weighted residuals the objective uses (known measurements). */
size_t cs_cal_nresiduals(const cs_cal *c);

/* Report lines (never NULL; valid until cs_cal_free). */
size_t cs_cal_nestimates(const cs_cal *c);
const char *cs_cal_estimate_line(const cs_cal *c, size_t i);
size_t cs_cal_nwarnings(const cs_cal *c);
const char *cs_cal_warning(const cs_cal *c, size_t i);

/*
 * Predict point i with the parameters at their current values (fitted, or
 * the file's before a fit) and replications reps (0: the options').  This
 * is what validate does, with no parameters.
 */
cs_status cs_cal_predict(cs_cal *c, size_t i, unsigned reps,
                         cs_cal_pred *out, cs_error *err);

/*
 * Point i predicted with its endpoints and failure causes (as
 * cs_cal_predict): ep gets, per endpoint the point names (in its order),
 * CS_CAL_EP_N numbers: its share of the requests, p50, p95, p99 (ms) and
 * error rate (NaN where the scenario has no such endpoint); causes gets
 * the fraction of requests failed by each of capsim's causes, in the
 * order of cs_cal_cause_name().  Either may be NULL.
 */
enum { CS_CAL_EP_SHARE, CS_CAL_EP_P50, CS_CAL_EP_P95, CS_CAL_EP_P99,
       CS_CAL_EP_ERR, CS_CAL_EP_N };
#define CS_CAL_NCAUSES 8
const char *cs_cal_cause_name(size_t k);
cs_status cs_cal_predict_detail(cs_cal *c, size_t i, unsigned reps,
                                cs_cal_pred *out, double *ep, double *causes,
                                cs_error *err);

/* The same with extra "path=value" overrides applied where fitted
 * parameters go (after the point's load, before its own overrides). */
cs_status cs_cal_predict_sets(cs_cal *c, size_t i, const char *const *extra,
                              size_t nextra, unsigned reps, cs_cal_pred *out,
                              cs_error *err);

/*
 * The value text written for a parameter kind ("12.5ms", "60/s", "85%",
 * "0.85", "3"), 5 significant digits; ratio_pct selects "85%".
 */
void cs_cal_format(cs_cal_kind kind, int ratio_pct, double v, char *buf,
                   size_t size);

/*
 * The calibrated scenario: the file's text with the fitted values (and the
 * scalar --set overrides) edited in place, after a comment block that says
 * what was fitted, on what data, with which uncertainty.  Checked to load
 * before it is returned.  *out is new (caller frees with free()).
 */
cs_status cs_cal_scenario_text(const cs_cal *c, const char *const *data_files,
                               size_t nfiles, char **out, cs_error *err);


/* ---- prediction intervals (calibration/predict.c) -------------------------- */

/*
 * What a calibrated scenario knows about its fitted values and the real
 * system's noise: the scenario's top-level "calibration:" block, written
 * by cs_cal_scenario_text():
 *
 *   calibration:
 *     parameters:
 *       - {path: "app.cpu_scale", kind: number, value: 1.84,
 *          se_log: 0.031, low: 0.3, high: 5, identified: true}
 *     noise: {throughput: 0.05, p50: 0.1, p95: 0.12, p99: 0.2,
 *             error_rate: 0.03, app_cpu: 0.1, db_cpu: 0.1}
 *     discrepancy: {throughput: 0, p50: 0.4, ...}
 *     error_rate_units: angle
 *     draws:
 *       - [1.81]
 *       - [1.93]
 *
 * value, low and high are in base units (seconds, 1/s, fractions).
 */
typedef struct cs_cal_unc_param {
	char *path;
	cs_cal_kind kind;
	double value, se_log, lo, hi;
	int identified;      /* 0: sampled log-uniformly over [lo, hi] */
	char *pin;           /* for an unidentified value: what would pin
	                      * it (NULL if the block does not say) */
} cs_cal_unc_param;

typedef struct cs_cal_unc {
	cs_cal_unc_param *params;
	size_t n;
	double noise[CS_CAL_NMETRICS]; /* the floors (defaults if absent) */
	double discrepancy[CS_CAL_NMETRICS]; /* model error at the
	                      * calibration points beyond the noise (0 if
	                      * absent), same units */
	int has_block;       /* the file had a calibration block */
	int err_fraction;    /* its error-rate noise and discrepancy are of
	                      * the fraction (error_rate_units: fraction, or a
	                      * block written before the angle scale); else of
	                      * the angle (cs_cal_angle) */
	double *draws;       /* ndraws x n: the block's posterior sample */
	size_t ndraws;
	double speed_noise;  /* sd of ln(speed) between runs (0 if absent) */
	double speed_dof;    /* the degrees of freedom behind it: sampled
	                      * as Student's t with as many (0: normal) */
	size_t speed_col[4]; /* the parameters it scales: the CPU work */
	size_t nspeed;       /* (app.cpu_scale, db.query_scale, app. and
	                      * db.overhead), those the block does not fit
	                      * added after its own as fixed values */
	size_t nfile;        /* the block's own parameters (n - added) */
} cs_cal_unc;

/* Read the block of the scenario file at path (none: n = 0, default
 * noise, has_block 0).  A bad block gives file:line:col and the key path,
 * CS_ERR_INVALID.  Free with cs_cal_unc_free(). */
cs_status cs_cal_unc_read(const char *path, cs_cal_unc *u, cs_error *err);
/* Whether the scenario file at path has a calibration block with
 * parameters (false also when it cannot be read). */
bool cs_cal_has_params(const char *path);
void cs_cal_unc_free(cs_cal_unc *u);

/*
 * ndraws parameter sets (rows of u->n values, into values[ndraws * u->n]):
 * a Latin hypercube, deterministic for seed; an identified value is
 * lognormal (value, se_log) cut at its bounds, an unidentified one
 * log-uniform over [lo, hi].  With ndraws == 1 the values themselves.
 */
void cs_cal_unc_draw(const cs_cal_unc *u, size_t ndraws, uint64_t seed,
                     double *values);

/* The parameter sets a prediction simulates: the block's posterior sample,
 * else 16 draws from its intervals and ranges (cs_cal_unc_draw, seed).
 * *out gets *nd x u->n values; caller frees with free(). */
cs_status cs_cal_unc_sets(const cs_cal_unc *u, uint64_t seed, double **out,
                          size_t *nd, cs_error *err);

/* The run-to-run speed: multiply each of the nd sets' CPU work (the
 * speed_col columns) by one factor exp(speed_noise z), z a stratified
 * draw (one per 1/nd of probability, order shuffled by seed) of Student's
 * t with speed_dof degrees of freedom (normal if 0): a new run's speed
 * given a noise estimated from so many looks.
 * Nothing when speed_noise is 0.  cs_cal_unc_sets calls it. */
void cs_cal_unc_speed(const cs_cal_unc *u, double *values, size_t nd,
                      uint64_t seed);

/* "path=value" text of parameter k at value v (for cs_cal_predict_sets). */
void cs_cal_unc_assign(const cs_cal_unc *u, size_t k, double v, char *buf,
                       size_t size);

/*
 * The central (1 - alpha) prediction interval of metric m from the
 * predictions y[0..n) of n parameter draws, each blurred by noise of
 * standard deviation sd (in the floor's units: of ln y, or of the angle
 * asin(sqrt(y)) for the error rate): the alpha/2 and 1 - alpha/2
 * quantiles of the equal mixture of N(ln y_j, sd^2) (of N(asin(sqrt(y_j)),
 * sd^2), mapped back, for the error rate).
 * Utilizations are cut at 1.  NaN when no y_j is usable.
 */
void cs_cal_pi(cs_cal_metric m, const double *y, size_t n, double sd,
               double alpha, double *lo, double *hi);


/*
 * The 90% prediction interval of every metric at point i of cal (as
 * validate shows it): the point simulated at the nd parameter sets draws
 * (nd x u->n values; with u->n == 0, pred itself), one replication each,
 * each blurred by u's noise floor and discrepancy and the sampling noise
 * of a test as long as the measured one at the predicted rate; pred is
 * the point's prediction at the calibrated values.  pi_lo and pi_hi get
 * CS_CAL_NMETRICS values each (NaN where none).
 */
cs_status cs_cal_point_pi(cs_cal *cal, size_t i, const cs_cal_unc *u,
                          const double *draws, size_t nd,
                          const cs_cal_pred *pred, double *pi_lo,
                          double *pi_hi, cs_error *err);

/*
 * The 90% prediction interval of a run of the scenario file at path (with
 * overrides sets) from its calibration block: the block's posterior
 * sample (else 16 draws from its intervals and ranges) simulated with one
 * replication each and the run's seed, each blurred by the block's noise
 * floor and discrepancy and the sampling noise of a test as long as the
 * scenario's measured window; centred on centre, the run itself with ro
 * (NULL: run here).  out->has is 0 (and nothing is run) when the file has
 * no calibration block with parameters.
 */
typedef struct cs_cal_run_pi {
	int has;
	size_t draws;
	double lo[CS_CAL_NMETRICS], hi[CS_CAL_NMETRICS];
	char unidentified[512]; /* the unidentified paths, ", "-joined */
	char pin[512];        /* what would pin them, "; "-joined */
} cs_cal_run_pi;

cs_status cs_cal_run_pi_compute(const char *path, const char *const *sets,
                                size_t nsets, const cs_run_opts *ro,
                                const cs_result *centre, cs_cal_run_pi *out,
                                cs_error *err);
/* The same, centred on centre given as its metrics (NULL: run here; a
 * sweep gives each point's own run's: cs_cal_pred_of_result), its runs
 * sharing replications through reuse under key (a sweep's points that
 * differ only in a limit: models/reuse.h; reuse NULL: none). */
struct cs_reuse;
cs_status cs_cal_run_pi_shared(const char *path, const char *const *sets,
                               size_t nsets, const cs_run_opts *ro,
                               const cs_cal_pred *centre,
                               struct cs_reuse *reuse, const char *key,
                               cs_cal_run_pi *out, cs_error *err);

/* What a run's result says of the calibrated metrics (a prediction
 * interval's centre): their means and 95% intervals, and its
 * replications. */
void cs_cal_pred_of_result(const cs_result *res, cs_cal_pred *p);

/* The fit's text report (calibration/print.c), after cs_cal_fit: the
 * between-run floors and every objective term with its sampling sd, floor
 * and weight; the fitted values with their 95% intervals and each point's
 * measured and fitted metrics (o: the options the fit ran with). */
void cs_cal_print_terms(FILE *f, const cs_cal *c);
void cs_cal_print_fit(FILE *f, const cs_cal *c, const cs_cal_opts *o);

#endif /* CS_CAL_FIT_H */
