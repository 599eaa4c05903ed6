/*
 * models/result — what the files of a result share: the result object
 * (struct cs_result, opaque in capsim.h) with its metrics, and the walker
 * that names and fills them.  Not part of the public API: included only by
 * result.c (running, lookup), result-walk.c (the metric walker) and
 * result-out.c (the JSON, table and CSV writers).
 */
#ifndef CS_MODELS_RESULT_PRIVATE_H
#define CS_MODELS_RESULT_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include "models/model.h"

/* ---- the result object (result.c) --------------------------------------- */

#define MAXSEG 7

typedef struct metric {
	const char *seg[MAXSEG]; /* point into the scenario or static text */
	int nseg;
	int unit;                /* for the table: see enum below */
} metric;

enum { U_NUM, U_COUNT, U_RATE, U_MS, U_PCT, U_RATIO };

struct cs_result {
	const cs_scenario *sc;
	unsigned reps;
	unsigned cap;        /* rows of v allocated */
	double prec, floor;  /* the sequential rule's (cs_run_opts); prec 0:
	                      * a fixed count */
	unsigned first, max; /* its first batch and its maximum */
	uint64_t seed;
	double ts_every;
	metric *metrics;
	size_t nmetrics;
	double *v;           /* reps x nmetrics */
	double *mean, *lo, *hi;
	uint64_t events;     /* over all replications */
	cs_tsrow *ts;        /* replication 0 */
	size_t nts;
	struct mref *byname; /* [nmetrics] sorted by path, for lookups */
	char *version, *hash; /* provenance for the table; NULL: unknown */
	char **sets;
	size_t nsets;
};

/* A metric and its index, in the order of their dotted paths. */
typedef struct mref {
	const metric *mt;
	size_t i;
} mref;

/* mt's dotted path in buf, cut to size (lookup, in result.c; the CSV
 * writes it too). */
void cs_resultp_metric_path(const metric *mt, char *buf, size_t size);

/* ---- naming and filling (result-walk.c) --------------------------------- */

typedef struct walker {
	cs_result *r;
	double *v;     /* NULL: only count/name */
	size_t i;
} walker;

/* Name (m == NULL) or fill every metric of one replication. */
void cs_resultp_walk(walker *w, const cs_model *m);

#endif
