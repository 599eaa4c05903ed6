/*
 * calibration/import — what the importers share: a streaming CSV reader,
 * a sample aggregator (counts, histograms, causes, endpoints, time window),
 * point helpers and the per-format readers.  Not part of the public API.
 */
#ifndef CS_CAL_IMPORT_PRIVATE_H
#define CS_CAL_IMPORT_PRIVATE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "calibration/import.h"

/* ---- CSV (csv.c) -------------------------------------------------------- */

/*
 * RFC 4180 reader: quoted fields with "" for a quote, delimiters and line
 * breaks inside quotes, CRLF, LF, CR and CR CR LF line ends, a UTF-8 BOM,
 * blank lines skipped.  Bytes are kept as they are (any encoding).  One
 * record is held at a time; a record longer than CS_CSV_MAX_RECORD bytes or
 * with more than CS_CSV_MAX_FIELDS fields is an error, so memory is bounded.
 */
#define CS_CSV_MAX_RECORD (1 << 20)
#define CS_CSV_MAX_FIELDS 4096

typedef struct cs_imp_csv cs_imp_csv;

/* Open path (CS_ERR_IO if it cannot be).  delim: ',' usually.  Caller
 * frees with cs_imp_csv_free(). */
cs_status cs_imp_csv_open(const char *path, char delim, cs_imp_csv **out,
                          cs_error *err);
void cs_imp_csv_free(cs_imp_csv *c);

/* Read the next record.  *got is false at the end of the file.  Errors:
 * CS_ERR_PARSE (NUL byte, unterminated quote, record too long), CS_ERR_IO. */
cs_status cs_imp_csv_next(cs_imp_csv *c, bool *got, cs_error *err);

/* Read the next record as the header (names are kept for cs_imp_csv_col
 * and messages).  CS_ERR_PARSE if the file is empty. */
cs_status cs_imp_csv_header(cs_imp_csv *c, cs_error *err);
/* Use these names as the header (headerless files).  A record already
 * read becomes data row 1. */
cs_status cs_imp_csv_set_header(cs_imp_csv *c, const char *const *names,
                                size_t n, cs_error *err);

size_t cs_imp_csv_nfields(const cs_imp_csv *c);
/* Field i of the current record, NUL-terminated ("" if i is past the end). */
const char *cs_imp_csv_field(const cs_imp_csv *c, int i);
/* Header column by name, case-insensitive, surrounding blanks ignored; -1
 * if absent. */
int cs_imp_csv_col(const cs_imp_csv *c, const char *name);
size_t cs_imp_csv_ncols(const cs_imp_csv *c);
const char *cs_imp_csv_colname(const cs_imp_csv *c, int i);
/* Line of the current record's first byte; 1-based. */
int cs_imp_csv_line(const cs_imp_csv *c);
/* Data rows read so far, header excluded (the current row's number). */
long cs_imp_csv_row(const cs_imp_csv *c);
const char *cs_imp_csv_name(const cs_imp_csv *c);

/* Error about field i of the current row: "row R: column 'name' <what>:
 * \"value\"", at the field's line and column.  Returns status. */
cs_status cs_imp_csv_bad(const cs_imp_csv *c, cs_error *err,
                         cs_status status, int i, const char *what);
/* Error at the current row (no column), printf-style message. */
cs_status cs_imp_csv_fail(const cs_imp_csv *c, cs_error *err,
                          cs_status status, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 4, 5)))
#endif
	;

/* Number in field i: *out, or NaN when the field is empty or "N/A" and
 * allow_empty; else an error naming the column.  Negative numbers are an
 * error when !allow_negative. */
cs_status cs_imp_csv_num(const cs_imp_csv *c, int i, bool allow_empty,
                         bool allow_negative, double *out, cs_error *err);

/* ---- aggregation of single samples (agg.c) ------------------------------ */

/*
 * Requests seen one by one (JTL rows, k6 points): overall and per-endpoint
 * histograms, counts, causes and the time window.  Memory is bounded by
 * CS_IMP_MAX_ENDPOINTS histograms.  The window is kept as a few busy
 * periods: an idle gap longer than CS_AGG_GAP seconds between requests is
 * not counted in the duration (a stray row from another day does not turn
 * a 2-minute test into a 2-month one).
 */
#define CS_AGG_GAP 300.0

typedef struct cs_imp_agg cs_imp_agg;

/* NULL when out of memory.  Caller frees with cs_imp_agg_free(). */
cs_imp_agg *cs_imp_agg_new(void);
void cs_imp_agg_free(cs_imp_agg *a);

/* A completed request: endpoint name (may be NULL), latency in ms, its
 * start and end in seconds (any epoch; NaN if unknown).  Returns
 * CS_ERR_NOMEM or CS_OK. */
cs_status cs_imp_agg_request(cs_imp_agg *a, const char *endpoint, double ms,
                             double t_start, double t_end);
/* A failed request (counted in addition to cs_imp_agg_request for the same
 * request): endpoint and cause name. */
cs_status cs_imp_agg_failure(cs_imp_agg *a, const char *endpoint,
                             const char *cause);
/* An observation of the number of active users (threads, VUs); the
 * largest is kept. */
void cs_imp_agg_users(cs_imp_agg *a, double users);
/* Requests counted so far. */
double cs_imp_agg_requests(const cs_imp_agg *a);
/* Fill p's counts, latency, duration, throughput, causes, endpoints and
 * users from the aggregate (notes about gaps included). */
cs_status cs_imp_agg_fill(const cs_imp_agg *a, cs_imp_point *p);

/* ---- points (import.c) -------------------------------------------------- */

/* A point with every number NaN and the given strings copied.  NULL when
 * out of memory. */
cs_imp_point *cs_imp_point_new(const char *source, const char *tool,
                               const char *format);
void cs_imp_point_free(cs_imp_point *p);
/* Move *p into the set (the set owns it; p is freed). */
cs_status cs_imp_set_take(cs_imp_set *set, cs_imp_point *p);

cs_status cs_imp_note(cs_imp_point *p, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;
cs_status cs_imp_add_source(cs_imp_point *p, const char *path);
/* Add count to the cause name (summing with an existing one). */
cs_status cs_imp_add_cause(cs_imp_point *p, const char *name, double count);
/* A new endpoint row with every number NaN; NULL when out of memory. */
cs_imp_endpoint *cs_imp_add_endpoint(cs_imp_point *p, const char *name);
/* An endpoint by name, or NULL. */
cs_imp_endpoint *cs_imp_find_endpoint(cs_imp_point *p, const char *name);
void cs_imp_latency_unknown(cs_imp_latency *l);

/*
 * Complete a point after a reader filled what it had: derive what follows
 * (throughput = requests / duration, error_rate = failures / requests, the
 * other way round, endpoint rates) and note what is derived and what does
 * not add up (requests vs rate x duration, failures vs causes, percentile
 * order).  Called by every reader before cs_imp_set_take.
 */
cs_status cs_imp_point_finish(cs_imp_point *p);

/* Users from a file name like "run_200users_stats.csv", "k6-50vus.json",
 * "test_100u.jtl"; NaN if none. */
double cs_imp_users_from_name(const char *path);

/* Strict number: the whole string (blanks around allowed) is a finite
 * number.  Returns false otherwise. */
bool cs_imp_parse_num(const char *s, double *out);
/* A time stamp in seconds: epoch seconds / ms / us / ns by digit count
 * (unit_hint: 0 guess, else the divisor to seconds, e.g. 1000 for ms), or
 * a date "2019/12/05 12:37:24", "2024-08-05T15:24:38.95+07:00" (zone
 * offsets applied; none means UTC).  Returns false if it is neither. */
bool cs_imp_parse_time(const char *s, double unit_hint, double *out);

/* Copy s into buf for a message: non-UTF-8 bytes and control characters
 * as \xNN, cut at size with "...".  Returns buf. */
const char *cs_imp_printable(const char *s, char *buf, size_t size);
/* Does s hold only valid UTF-8? */
bool cs_imp_utf8_valid(const char *s);

/* Case-insensitive substring search. */
const char *cs_imp_stristr(const char *hay, const char *needle);

/* Read up to size-1 bytes of the head of a file, NUL-terminated; *len gets
 * the count.  CS_ERR_IO if it cannot be opened. */
cs_status cs_imp_head(const char *path, char *buf, size_t size, size_t *len,
                      cs_error *err);

/* ---- readers ------------------------------------------------------------ */

/* Each reads one file and appends its points (or merges siblings). */
cs_status cs_imp_locust_read(const char *path, const cs_imp_opts *opts,
                             cs_imp_set *set, cs_error *err);
/* The sibling files a Locust file would merge (NULL-terminated list of
 * suffixes replaced); used by cs_imp_read_files to skip them. */
bool cs_imp_locust_is_sibling_of(const char *sibling, const char *main);

cs_status cs_imp_k6_summary_read(const char *path, cs_imp_set *set,
                                 cs_error *err);
cs_status cs_imp_k6_ndjson_read(const char *path, cs_imp_set *set,
                                cs_error *err);
cs_status cs_imp_k6_csv_read(const char *path, cs_imp_set *set,
                             cs_error *err);
cs_status cs_imp_jmeter_read(const char *path, cs_imp_set *set,
                             cs_error *err);
cs_status cs_imp_measure_read(const char *path, cs_imp_set *set,
                              cs_error *err);

#endif /* CS_CAL_IMPORT_PRIVATE_H */
