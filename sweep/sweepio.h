/*
 * Sweep results on disk: the JSON document (also what shards hold and
 * `capsim merge` reads), the CSV and table writers, and the journal that
 * makes --resume possible.
 */
#ifndef CS_SWEEP_SWEEPIO_H
#define CS_SWEEP_SWEEPIO_H

#include <stdio.h>

#include <cjson/cJSON.h>

#include "capsim.h"
#include "config/text.h"

/* A sweep in memory: header plus finished points (cJSON run results). */
typedef struct sweepdoc {
	char *scenario;      /* the scenario file as given */
	char *spec;          /* canonical grid (cs_sweep_spec) */
	char *sets;          /* the fixed --set list, joined by ';' */
	char *content;       /* the scenario file's bytes as an FNV-1a 64 hash
	                      * in hex (sweep_file_hash), or NULL: binds the
	                      * journal to the file, not only to its name */
	unsigned long long seed;
	unsigned replications; /* with precision: the first batch */
	double precision;    /* the sequential rule (--precision); 0: a fixed
	                      * count.  Set after sweepdoc_init */
	double precision_floor;
	unsigned max_replications;
	size_t total;        /* points in the whole grid */
	size_t ndims;
	char **paths;        /* varied paths */
	cJSON **points;      /* [total]; NULL where not done */
	char ***values;      /* [total][ndims] */
	size_t done;
} sweepdoc;

void sweepdoc_free(sweepdoc *d);
/* Add a finished point (takes ownership of result). */
int sweepdoc_put(sweepdoc *d, size_t index, char **values, cJSON *result);

/* Header-only copy, for building from a grid. */
int sweepdoc_init(sweepdoc *d, const char *scenario, const char *spec,
                  const char *sets, unsigned long long seed,
                  unsigned replications, size_t total, size_t ndims,
                  const char *const *paths);

typedef enum { SWEEP_TABLE, SWEEP_CSV, SWEEP_JSON } sweepfmt;

/* Write the finished points in index order. */
int sweep_write(const sweepdoc *d, sweepfmt fmt, FILE *f);
/* "table", "csv" or "json" into *f; -1 for anything else. */
int sweepfmt_parse(const char *s, sweepfmt *f);
/* The format a file's name asks for: .csv, .json; else *f unchanged. */
void sweepfmt_from_path(const char *path, sweepfmt *f);
/* Write d into out (opened before any work, so that a bad -o fails
 * first) and put it in place; an exit status (cmd names the command in
 * an error).  In cli/util.c, with the cs_out it writes through. */
struct cs_out;
int sweep_write_out(const char *cmd, const sweepdoc *d, sweepfmt fmt,
                    struct cs_out *out);

/*
 * Read a sweep JSON file (a whole sweep or a shard, at most
 * CS_TEXT_READ_MAX bytes); 0 on success, else -1 and a message in err.
 * The first file's header must be complete and in range; later files
 * are merged into d and their header must match.  A point already in d
 * with the same result is counted in *dups and skipped; with a
 * different result it is an error.
 */
int sweep_read_json(sweepdoc *d, const char *path, size_t *dups,
                    cs_error *err);

/*
 * The FNV-1a 64 hash of the bytes of the file at path, as 16 hex digits
 * and a NUL in hex.  Returns 0, or -1 with err saying why.
 */
int sweep_file_hash(const char *path, char hex[17], cs_error *err);

/*
 * Journal: one JSON object per line; the header first (with d->content).
 * append: keep the first keep bytes of an existing journal (the complete
 * lines journal_load read; a line cut short by an interruption is cut
 * off) and append after them; otherwise start a new journal.  Returns the
 * stream, or NULL with errno set.
 */
FILE *journal_open(const sweepdoc *d, const char *path, int append,
                   long keep);
int journal_point(FILE *j, size_t index, const cJSON *result);
/*
 * Load the points of an existing journal into d.  The header must match
 * d, d->content included; else -1 with err naming what changed.  *keep is
 * set to the length of the complete, readable lines (0 when there is no
 * journal or no header).
 */
int journal_load(sweepdoc *d, const char *path, long *keep, cs_error *err);

/* The mean of a metric in a run result ("overall.latency_ms.p95"), or NaN. */
double result_get(const cJSON *result, const char *path, const char *which);

#endif
