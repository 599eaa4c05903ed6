/*
 * calibration/import — read what load tests produced (Locust --csv files,
 * k6 summaries and raw outputs, JMeter JTL files) and numbers transcribed
 * from written reports (the measurements YAML file) into measurement
 * points: one per load level or run, in one shape whatever the tool.
 *
 * Everything streams: a 2 GB JTL or NDJSON file is read in bounded memory
 * (latency percentiles come from the engine's log-bucket histogram, within
 * 1% of the exact value; see sim/hist.h).  Unknown numbers are NaN, never
 * zero; each point's notes say what was derived, what was unknown and what
 * looked inconsistent.
 *
 * Bad input gives CS_ERR_PARSE (not well-formed: truncated JSON, missing
 * columns, binary data) or CS_ERR_INVALID (well-formed but a value is wrong:
 * a negative count, a number that is not a number), with file, line and
 * (where it means something) column in the cs_error.  Nothing here prints.
 */
#ifndef CS_CAL_IMPORT_H
#define CS_CAL_IMPORT_H

#include <stddef.h>

#include "capsim.h"

typedef enum cs_imp_type {
	CS_IMP_AUTO = 0,     /* detect from the file name and its first bytes */
	CS_IMP_LOCUST,       /* Locust --csv: _stats, _stats_history, _failures,
	                      * 0.x _requests and _distribution */
	CS_IMP_K6,           /* k6 --summary-export or handleSummary() JSON */
	CS_IMP_K6_NDJSON,    /* k6 --out json (one JSON object per line) */
	CS_IMP_K6_CSV,       /* k6 --out csv */
	CS_IMP_JMETER,       /* JMeter JTL: CSV with or without header, or XML */
	CS_IMP_MEASUREMENTS  /* capsim measurements YAML (docs/import.md) */
} cs_imp_type;

/* Bounds that keep memory fixed whatever the input.  Endpoints beyond the
 * first CS_IMP_MAX_ENDPOINTS names are pooled into one row named
 * "(other endpoints)"; causes beyond CS_IMP_MAX_CAUSES into "other: (more)". */
#define CS_IMP_MAX_ENDPOINTS 256
#define CS_IMP_MAX_CAUSES 64

/* Latencies in milliseconds; NaN where the source does not give them. */
typedef struct cs_imp_latency {
	double p50, p90, p95, p99;
	double max;
	double mean;
} cs_imp_latency;

/* Failures of one cause.  Names are capsim's causes where the tool's text
 * maps clearly (client_timeout, rate_limited, server_error,
 * connection_error, pool_timeout, ...), else "other: <text>". */
typedef struct cs_imp_cause {
	char *name;
	double count;
} cs_imp_cause;

typedef struct cs_imp_endpoint {
	char *name;          /* "GET /x" (bytes as the tool wrote them) */
	double requests;
	double failures;
	double throughput;   /* requests per second */
	cs_imp_latency latency;
	double error_rate;   /* failures / requests, 0..1 */
} cs_imp_endpoint;

/* Resource utilization, only from the measurements file.  NaN: unknown. */
typedef struct cs_imp_util {
	double app_cpu;         /* fraction of the app servers' CPU busy, 0..1 */
	double db_cpu;          /* fraction of the DB server's CPU busy, 0..1 */
	double pool_in_use;     /* DB connections in use (mean), connections */
	double pool_waiters;    /* requests waiting for a connection (mean) */
	double cache_hit_ratio; /* 0..1 */
	double event_loop;      /* share of time the app's processes are busy
	                         * (Node.js event-loop utilization), mean over
	                         * processes, 0..1 */
} cs_imp_util;

/*
 * One measured load level.  Plain data: the importers fill it, the
 * calibration reads it.  Strings and arrays are owned by the point (freed
 * by cs_imp_set_destroy()).
 */
typedef struct cs_imp_point {
	char *source;        /* the file it came from */
	char *tool;          /* "locust", "k6", "jmeter", "report" */
	char *format;        /* "locust-stats", "k6-summary-export", "jtl-csv", ... */
	char *name;          /* the point's name (measurements), else NULL */
	int line;            /* line of the point in source, 0 if not meaningful */

	double users;        /* closed population (VUs, users, threads); NaN */
	double arrival_rate; /* open arrivals, 1/s; NaN */
	double duration;     /* seconds of measurement */
	double requests;
	double failures;
	double throughput;   /* completed requests per second */
	cs_imp_latency latency;
	double error_rate;   /* failures / requests, 0..1 */

	cs_imp_cause *causes;
	size_t ncauses;
	cs_imp_util util;
	cs_imp_endpoint *endpoints;
	size_t nendpoints;

	char **notes;        /* what was derived, unknown or inconsistent */
	size_t nnotes;
	char **sources;      /* every file merged into the point (Locust
	                      * siblings), sources[0] == source */
	size_t nsources;
} cs_imp_point;

/* A growing list of points. */
typedef struct cs_imp_set {
	cs_imp_point *points;
	size_t n;
	size_t cap;          /* private */
} cs_imp_set;

typedef struct cs_imp_opts {
	cs_imp_type type;    /* CS_IMP_AUTO: detect per file */
	int no_siblings;     /* do not look for a Locust _stats.csv's
	                      * _stats_history.csv and _failures.csv */
} cs_imp_opts;

void cs_imp_set_init(cs_imp_set *set);
/* Free every point and reset to empty.  No-op on NULL. */
void cs_imp_set_destroy(cs_imp_set *set);

/* Free a point's members and zero it, keeping p itself (one point of a set
 * that a caller drops, as report --measured-points does). */
void cs_imp_point_clear(cs_imp_point *p);

/*
 * Read one file and append its points to set.  opts may be NULL (detect,
 * merge siblings).  A Locust _stats.csv picks up its _stats_history.csv
 * (users, span) and _failures.csv (errors by cause) from the same prefix;
 * an old _requests.csv its _distribution.csv (percentiles).  On failure
 * nothing is appended and err says where.
 */
cs_status cs_imp_read(const char *path, const cs_imp_opts *opts,
                      cs_imp_set *set, cs_error *err);

/*
 * Read several files in order.  A Locust history, failures or distribution
 * file whose _stats.csv (_requests.csv) is also in the list is merged into
 * that point instead of becoming a point of its own.  Stops at the first
 * error; points from the files before it stay in set.
 */
cs_status cs_imp_read_files(const char *const *paths, size_t n,
                            const cs_imp_opts *opts, cs_imp_set *set,
                            cs_error *err);

/* Which tool wrote path, from its name and first bytes.  CS_ERR_IO if it
 * cannot be read, CS_ERR_PARSE if empty, binary or not recognised. */
cs_status cs_imp_detect(const char *path, cs_imp_type *out, cs_error *err);

/* "locust", "k6", "k6-ndjson", "k6-csv", "jmeter", "measurements"
 * ("auto" for CS_IMP_AUTO). */
const char *cs_imp_type_name(cs_imp_type t);
/* The reverse; CS_ERR_USAGE with the choices in err for an unknown word. */
cs_status cs_imp_type_parse(const char *s, cs_imp_type *out, cs_error *err);

/*
 * Map a tool's failure to a capsim cause.  status: HTTP status (0 if none
 * or unknown); text: the tool's message (may be NULL).  Writes the cause
 * into buf (size bytes) and returns buf.  429 -> rate_limited, 5xx ->
 * server_error, "timeout"/"timed out" -> client_timeout, refused / reset /
 * RemoteDisconnected / broken pipe -> connection_error, other 4xx ->
 * "other: HTTP 404", else "other: <text>" (URLs cut off, at most 80 bytes).
 */
const char *cs_imp_classify(int status, const char *text, char *buf,
                            size_t size);

/*
 * Names of the point's unknown (NaN) headline numbers, in JSON key form
 * ("users", "latency_ms.p99", ...).  Writes at most max pointers to static
 * strings and returns how many are unknown.
 */
size_t cs_imp_point_unknown(const cs_imp_point *p, const char **names,
                            size_t max);

#endif /* CS_CAL_IMPORT_H */
