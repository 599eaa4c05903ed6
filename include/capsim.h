/*
 * capsim — capacity-planning discrete-event simulator.
 *
 * The one public header.  Every object is opaque; callers use the functions
 * below.  Functions return a cs_status and never print or exit.
 */
#ifndef CAPSIM_H
#define CAPSIM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum cs_status {
	CS_OK = 0,
	CS_ERR_NOMEM,    /* an allocation failed */
	CS_ERR_IO,       /* a file could not be opened, read or written */
	CS_ERR_PARSE,    /* input is not well-formed (YAML, CSV, JSON) */
	CS_ERR_INVALID,  /* input is well-formed but a value is wrong */
	CS_ERR_USAGE,    /* a command-line argument is wrong */
	CS_ERR_NUMERIC,  /* a numerical routine failed (GSL) */
	CS_ERR_INTERNAL  /* an invariant was broken: a bug in capsim */
} cs_status;

/* A one-line description of a status; never NULL. */
const char *cs_status_str(cs_status s);

/*
 * Where a user-input error is, and what is wrong.  line/col are 1-based;
 * 0 when unknown.  path is the key path ("db.pool.size"), may be empty.
 */
typedef struct cs_error {
	char file[512];
	int line;
	int col;
	char path[256];
	char msg[768];
} cs_error;

/* Fill err (may be NULL: then nothing happens).  Returns status. */
cs_status cs_error_set(cs_error *err, cs_status status, const char *file,
                       int line, int col, const char *path,
                       const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 7, 8)))
#endif
	;

/* Print like a compiler: "file:line:col: error: path: msg\n". */
void cs_error_print(FILE *f, const cs_error *err);

/* ---- scenarios ---------------------------------------------------------- */

typedef struct cs_scenario cs_scenario;

/*
 * Load a scenario from a YAML file.  sets: nsets "path=value" overrides
 * applied before validation (the CLI's --set).  On success *out is a new
 * scenario (caller frees with cs_scenario_free()).  On failure err says where.
 */
cs_status cs_scenario_load_file(const char *path, const char *const *sets,
                                size_t nsets, cs_scenario **out,
                                cs_error *err);

/* The same from text in memory; name is used in error messages. */
cs_status cs_scenario_load_string(const char *text, const char *name,
                                  const char *const *sets, size_t nsets,
                                  cs_scenario **out, cs_error *err);

/* No-op on NULL. */
void cs_scenario_free(cs_scenario *sc);

/* The scenario's own run settings (run.seed, run.replications). */
uint64_t cs_scenario_seed(const cs_scenario *sc);
unsigned cs_scenario_replications(const cs_scenario *sc);
/* Seconds simulated per replication (run.duration). */
double cs_scenario_duration(const cs_scenario *sc);
/* Seconds deleted at the start of each replication (run.warmup). */
double cs_scenario_warmup(const cs_scenario *sc);

/* ---- running ------------------------------------------------------------ */

typedef struct cs_run_opts {
	unsigned replications; /* 0: the scenario's (default 5).  With
	                        * precision: the first batch (0: 5; at
	                        * least CS_PRECISION_MIN_REPS) */
	uint64_t seed;         /* used when has_seed != 0 */
	int has_seed;
	unsigned jobs;         /* threads; 0: number of cores.  Never changes output. */
	double timeseries;     /* seconds per timeseries row; 0: none; at most
	                        * CS_TIMESERIES_MAX_ROWS rows per run */
	/* Called after each replication with how many are done of how many
	 * (NULL: not called).  Called from the threads that run them, one at
	 * a time or at once, in any order: it must be thread-safe.  Never
	 * changes the output. */
	void (*progress)(void *ctx, unsigned done, unsigned total);
	void *progress_ctx;
	double precision;      /* > 0: add replications in batches until every
	                        * metric of cs_precision_metrics has a 95% CI
	                        * half-width <= precision x |mean| (a fraction:
	                        * 0.02 for 2%), or until max_replications;
	                        * 0: run exactly `replications` */
	double precision_floor; /* with precision: a ratio metric (error rate,
	                        * utilization) is also precise enough when its
	                        * half-width is <= this (a fraction: 0.001 is
	                        * 0.1 percentage point); 0: CS_PRECISION_FLOOR */
	unsigned max_replications; /* with precision: never more; 0:
	                        * CS_PRECISION_MAX_REPS */
} cs_run_opts;

/* Defaults of the sequential rule (cs_run_opts.precision). */
#define CS_PRECISION_MIN_REPS 5
#define CS_PRECISION_MAX_REPS 200
#define CS_PRECISION_FLOOR 0.001

/* The most timeseries rows one run records: run.duration / timeseries
 * beyond this is refused (CS_ERR_INVALID), as rows are kept in memory. */
#define CS_TIMESERIES_MAX_ROWS 1000000

typedef struct cs_result cs_result;

/*
 * Simulate the scenario.  On success *out holds every metric with its 95%
 * confidence interval (caller frees with cs_result_free()).  The result
 * refers to the scenario's names: free the scenario after the result.
 * CS_ERR_INVALID (with err) when opts->timeseries asks for more than
 * CS_TIMESERIES_MAX_ROWS rows.
 */
cs_status cs_run(const cs_scenario *sc, const cs_run_opts *opts,
                 cs_result **out, cs_error *err);

void cs_result_free(cs_result *r);

typedef enum cs_format {
	CS_FORMAT_TABLE = 0, /* k6-style human summary */
	CS_FORMAT_JSON,
	CS_FORMAT_CSV
} cs_format;

/* Write the result to f in the given format. */
cs_status cs_result_write(const cs_result *r, cs_format fmt, FILE *f);

/*
 * What the run was made from, for the table's header: the capsim version,
 * the scenario file's hash (hex) and the "path=value" overrides it was
 * loaded with (the CLI's --set; sets may be NULL when nsets is 0).  Any
 * string may be NULL: left out.  Copied.  With overrides the header names
 * the file and them instead of presenting the scenario's name, which they
 * may contradict, as the run's description.  CS_ERR_NOMEM on failure.
 */
cs_status cs_result_set_provenance(cs_result *r, const char *version,
                                   const char *file_hash,
                                   const char *const *sets, size_t nsets);
/* Replications behind the result (with precision: where the rule stopped). */
unsigned cs_result_replications(const cs_result *r);

/* The metrics the precision rule watches, as cs_result_metric paths;
 * a NULL ends the list. */
extern const char *const cs_precision_metrics[];

/* How precise a result is.  reached is the largest, over
 * cs_precision_metrics, of half-width / max(|mean|, floor / target): the
 * relative half-width, with the floor standing in for a ratio near zero
 * (so that met is reached <= target).  Half-widths are those reported
 * (a percentile's includes the histogram's resolution). */
typedef struct cs_precision_info {
	double target;         /* asked; 0: a fixed number of replications */
	double floor;          /* absolute half-width enough for a ratio */
	unsigned first, max;   /* first batch, most replications allowed */
	unsigned replications; /* run */
	double reached;        /* see above; NaN with fewer than 2 replications */
	int met;               /* reached <= target */
	const char *worst;     /* the metric that sets reached, or "" */
} cs_precision_info;

/* Fill info for r.  A fixed-count run has target 0 and met 0; its
 * reached is the plain largest relative half-width (no floor). */
void cs_result_precision(const cs_result *r, cs_precision_info *info);

/* reached (above) of any result against a target and floor of one's
 * choosing, e.g. to compare a fixed-count run with a --precision one;
 * *worst (may be NULL) gets the metric's path.  NaN with fewer than 2
 * replications. */
double cs_result_reached(const cs_result *r, double target, double floor,
                         const char **worst);

/* Events the engine executed over all replications (for benchmarks). */
uint64_t cs_result_events(const cs_result *r);

/* Mean, ci_low and ci_high of a metric by its JSON path, e.g.
 * "overall.latency_ms.p95", "resources.db_pool.in_use.mean",
 * "endpoints.POST /webhook.error_rate".  CS_ERR_INVALID if unknown. */
cs_status cs_result_metric(const cs_result *r, const char *path,
                           double *mean, double *ci_low, double *ci_high);

/* Metrics by position, for writers that list them all (sweep CSV).
 * cs_result_metric_name writes the dotted path into buf. */
size_t cs_result_nmetrics(const cs_result *r);
void cs_result_metric_name(const cs_result *r, size_t i, char *buf,
                           size_t size);
void cs_result_metric_at(const cs_result *r, size_t i, double *mean,
                         double *ci_low, double *ci_high);

/* The JSON of cs_result_write as a string; caller frees with free().
 * NULL when out of memory. */
char *cs_result_json(const cs_result *r);

#ifdef __cplusplus
}
#endif

#endif /* CAPSIM_H */
