/*
 * models/bottleneck — which resource binds a run: one rule for `run`,
 * `sweep`, `capacity` and `report`, so that they name the same one.
 *
 * Works on a run's metrics through a lookup function, so that the same
 * code reads a result in memory (cs_result) and one read back from JSON
 * (a sweep's points, a report's input).  Every number it reads is a mean
 * across replications.
 */
#ifndef CS_MODELS_BOTTLENECK_H
#define CS_MODELS_BOTTLENECK_H

#include <stdbool.h>
#include <stddef.h>

#include "capsim.h"

/* How busy one resource is. */
typedef struct cs_use {
	char name[96];  /* "DB pool", "app CPU", "service ai concurrency" */
	double u;       /* fraction of its capacity, time average; a rate
	                 * limit may be asked for more than 1 */
	double queue;   /* requests waiting for it, time average; NaN for a
	                 * resource without a queue of its own */
	int depth;      /* how deep it is held: the backlog 0, a worker 1,
	                 * what a worker waits for 2 (CPU, pool, a service's
	                 * slot), what those wait for 3 (DB CPU, rate limits,
	                 * a batch server) */
} cs_use;

/* A resource at or above this fraction of its capacity is saturated... */
#define CS_USE_SATURATED 0.9
/* ...and so is one with at least this many requests waiting for it: a DB
 * pool with 80 waiters is the wall even while it reports 83% busy. */
#define CS_USE_QUEUED 1.0

bool cs_use_saturated(const cs_use *u);

/* The mean of the metric at a dotted path ("resources.app.backlog.mean"),
 * NaN when the result has none. */
typedef double (*cs_use_get)(void *ctx, const char *path);

/*
 * Every resource of a result that it has metrics for, outer first: app
 * backlog, app workers (queue: the backlog), app CPU, DB pool (queue: its
 * waiters), DB CPU, then for each of the services named in svc its
 * concurrency limit (queue: the slot's waiters), rate limit, token limit
 * and batch server (queue: the server's).  Writes at most max; returns how
 * many it wrote.
 */
size_t cs_uses(cs_use_get get, void *ctx, const char *const *svc,
               size_t nsvc, cs_use *out, size_t max);

/*
 * The bottleneck among n resources: of the saturated ones the deepest
 * (a worker waiting for a DB connection is busy because of the pool, not
 * by itself), the busiest among equally deep ones; when none is
 * saturated, the busiest.  Returns its index, or -1 when n is 0.
 */
long cs_bottleneck_pick(const cs_use *use, size_t n);

/* The bottleneck of a result (cs_uses with the scenario's services, then
 * cs_bottleneck_pick).  false when the result has no resource metrics. */
bool cs_result_bottleneck(const cs_result *r, cs_use *out);

#endif
