/*
 * calibration/fit — what the files of a calibration share: the
 * calibration object (struct cs_cal, opaque in fit.h) with its points and
 * parameters, and the small helpers they all use.  Not part of the public
 * API: included only by the calibration's own .c files.
 */
#ifndef CS_CAL_FIT_PRIVATE_H
#define CS_CAL_FIT_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "calibration/fit.h"
#include "config/conf.h"

#define CACHE_SIZE 512     /* remembered evaluations */
#define MAXSEG 32          /* path segments, as config's --set */
/* the speed noise's default, as looks at a run's CPU per request */
#define CS_CALP_SPEED_PRIOR_DOF 4.0

/* ---- small helpers (fit.c) ---------------------------------------------- */

/* A growing list of lines. */
typedef struct lines {
	char **v;
	size_t n, cap;
} lines;

/* A copy of s, or NULL when out of memory; caller frees. */
char *cs_calp_strdup(const char *s);
/* A new string formatted as printf does, or NULL; caller frees. */
char *cs_calp_printf(const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 1, 2)))
#endif
	;
/* Append s (l takes it; freed on failure); CS_ERR_NOMEM when s is NULL. */
cs_status cs_calp_lines_add(lines *l, char *s);
/* Append a line formatted as printf does, cut at 1,199 bytes. */
cs_status cs_calp_lines_addf(lines *l, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;
/* Free l's lines and empty it. */
void cs_calp_lines_free(lines *l);
/* Free v[0..n) and v itself; v may be NULL. */
void cs_calp_strv_free(char **v, size_t n);
/* *out = a copy of src[0..n), NULL when n is 0; free with cs_calp_strv_free. */
cs_status cs_calp_strv_copy(const char *const *src, size_t n, char ***out);
/* Set err to "out of memory"; returns CS_ERR_NOMEM. */
cs_status cs_calp_nomem(cs_error *err);

/* ---- the calibration object (fit.c) ------------------------------------- */

/* What a first estimate scales a parameter by. */
enum pclass {
	PC_NONE, PC_THINK, PC_CPU, PC_APP_CORES, PC_QUERY, PC_DB_CORES,
	PC_LATENCY, PC_DISPERSION, PC_HIT
};

/* A value being fitted: its public view (pub) and what only we keep. */
typedef struct param {
	cs_cal_param pub;
	char *path;
	char *from;
	int pct;             /* ratio written as a percentage */
	enum pclass cls;
	double dflt;         /* capsim's default where the file leaves the
	                        value out (0 for a mechanism that is off);
	                        NaN if the file gives it or there is none */
} param;

/* A measurement point with its overrides and its fitted prediction. */
typedef struct point {
	const cs_imp_point *p;
	char *name;
	char **sets;         /* the point's own overrides */
	size_t nsets;
	char **load;         /* users / rate / steady-run overrides */
	size_t nload;
	cs_cal_pred fitted;
	int has_fitted;
	int use_ep;          /* the objective scores its endpoints */
} point;

/* A remembered evaluation of the objective (objective.c). */
typedef struct centry {
	char *key;           /* the parameter values as text */
	double *r;           /* residuals */
	int bad;             /* the scenario did not load or run there */
} centry;

/* The calibration: fit.h's opaque cs_cal. */
struct cs_cal {
	char *path;
	char *text;          /* the scenario file's content */
	char **sets;
	size_t nsets;
	cs_cal_opts opts;
	uint64_t seed;
	double duration;     /* the scenario's run.duration, s */
	int has_stages, stages_rel, has_users, has_rate;
	param *params;
	size_t nparams;
	point *points;
	size_t npoints;
	lines est, warn;
	int checked, estimated, fitted;
	double objective, seconds;
	unsigned evals;      /* simulations run (cache misses) */
	/* the objective's residuals */
	size_t nres;
	int *res_point, *res_metric;
	int *res_ep;         /* the point's endpoint index, -1: overall */
	double *res_w;       /* weight of each residual: the metric's weight
	                      * / (sampling^2 + floor^2) */
	double *res_samp;    /* sampling sd of each residual's measurement */
	double wsum;         /* sum of the metrics' weights over residuals */
	double floor[CS_CAL_NMETRICS];   /* between-run noise used */
	int floor_src[CS_CAL_NMETRICS];  /* 0 default, 1 repeats, 2 given */
	size_t floor_dof[CS_CAL_NMETRICS];
	double disc[CS_CAL_NMETRICS];    /* model discrepancy at the fit */
	double speed;        /* speed noise between runs (cs_cal_speed_noise) */
	int speed_src;       /* 0 default, 1 the utilizations, 2 given */
	size_t speed_dof;
	double *draws;       /* ndraws x nparams: a sample of the posterior */
	size_t ndraws;
	double ess;          /* effective sample size behind it */
	size_t tried;        /* importance proposals simulated (all, or
	                      * the first half when they collapsed) */
	size_t kept;         /* > 0: drawn from the normal approximation
	                      * instead, this many of them kept */
	double *svd_v, *svd_s; /* the fit's Jacobian: V (k x k) and singular
	                      * values (k), log space; NULL if none */
	centry cache[CACHE_SIZE];
	size_t cache_next;
	/* a fatal error inside the minimizer's callback */
	cs_status fatal;
	cs_error fatal_err;
};

/* Add a warning (cs_cal_warning) to c, printf-style. */
#define cs_calp_warnf(c, ...) cs_calp_lines_addf(&(c)->warn, __VA_ARGS__)

/* "12ms" -> 0.012 (a duration), "85%" -> 0.85, "60/s", "0.5"; -1 if not. */
int cs_calp_parse_value(const char *s, double *v, cs_cal_kind *kind,
                        int *pct);
/* The scenario's tree with the overrides and more[0..nmore); caller frees. */
cs_status cs_calp_tree(const cs_cal *c, char *const *more, size_t nmore,
                       cs_conf **out, cs_error *err);
/* Load the scenario with the overrides and extra[0..nextra). */
cs_status cs_calp_load_with(const cs_cal *c, const char *const *extra,
                            size_t nextra, cs_scenario **sc, cs_error *err);

/* ---- paths in a YAML tree (yamledit.c) ---------------------------------- */

/* A dotted path split into its segments. */
typedef struct segs {
	char buf[512];
	char *s[MAXSEG];
	size_t n;
	const char *path; /* what was split, len bytes */
	size_t len;
} segs;

/* Split path[0..len) at its dots into g; -1 if empty or too long. */
int cs_calp_split_path(const char *path, size_t len, segs *g);
/* The node at g's path, by the rules of --set (cs_conf_walk). */
cs_conf_node *cs_calp_walk(cs_conf_node *root, const segs *g,
                           cs_conf_node **last, size_t *matched);

/* ---- points (points.c) -------------------------------------------------- */

/* Per endpoint of a point: its share of requests and its p50, p95, p99
 * and error rate (EP_N numbers, in this order: fit.h's CS_CAL_EP_*). */
enum { EP_SHARE = CS_CAL_EP_SHARE, EP_P50 = CS_CAL_EP_P50,
       EP_P95 = CS_CAL_EP_P95, EP_P99 = CS_CAL_EP_P99,
       EP_ERR = CS_CAL_EP_ERR, EP_N = CS_CAL_EP_N };

/* Whether points i and k are the same configuration: the same
 * --point-set overrides, in the same order. */
bool cs_calp_same_config(const cs_cal *c, size_t i, size_t k);
/* The assignment "path=value" of v to pr, in its units, in buf. */
void cs_calp_assign(const param *pr, double v, char *buf, size_t size);
/* The value pr actually gets for v: v rounded as it is written. */
double cs_calp_applied(const param *pr, double v);
/* Simulate point i at v; ep and causes, if not NULL, get its endpoints' and
 * causes' numbers; precise: a reported prediction (opts.precision). */
cs_status cs_calp_run_point_x(cs_cal *c, size_t i, const double *v,
                              const char *const *extra, size_t nextra,
                              unsigned reps, bool precise, cs_cal_pred *out,
                              double *ep, double *causes, cs_error *err);
/* Simulate point i at values v (NULL: the file's), reps replications. */
cs_status cs_calp_run_point(cs_cal *c, size_t i, const double *v,
                            unsigned reps, cs_cal_pred *out, cs_error *err);
/* cs_calp_run_point for a reported prediction (see cs_calp_run_point_x). */
cs_status cs_calp_run_point_precise(cs_cal *c, size_t i, const double *v,
                                    unsigned reps, cs_cal_pred *out,
                                    cs_error *err);
/* Simulate every point at v, several at once (opts.jobs): out[i], ep[i]
 * (ep or ep[i] may be NULL), st[i], errs[i]; the first failed point in
 * point order, or c->npoints (points.c says more). */
size_t cs_calp_run_points(cs_cal *c, const double *v, bool precise,
                          cs_cal_pred *out, double **ep, cs_status *st,
                          cs_error *errs);
/* Simulate point i with each of n lists of nextra overrides (extra,
 * list after list), several at once, as cs_cal_predict_sets: out[j],
 * st[j], errs[j]; the first failed list in order, or n. */
size_t cs_calp_run_sets(cs_cal *c, size_t i, const char *const *extra,
                        size_t nextra, size_t n, unsigned reps,
                        cs_cal_pred *out, cs_status *st, cs_error *errs);

/* ---- the objective (objective.c) ---------------------------------------- */

/* The objective's residuals, their weights and noise floors, for c's points. */
cs_status cs_calp_setup_residuals(cs_cal *c, cs_error *err);
/* The weighted residuals at values v into r; *bad if the scenario failed. */
cs_status cs_calp_residuals(cs_cal *c, const double *v, double *r, int *bad,
                            cs_error *err);

#endif /* CS_CAL_FIT_PRIVATE_H */
