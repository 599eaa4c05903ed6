/*
 * models/reuse — replications shared between runs that differ only in
 * db.pool.size.
 *
 * A pool opens connections lazily and its size is read at one place: an
 * acquire that finds every open connection busy opens another while the
 * pool is below its size, and otherwise waits (or fails).  A replication
 * in which no acquire ever got that far (none found its pool full) opened
 * at most pool_peak connections per pool, and the same replication (same
 * seed, same index) with any size >= pool_peak makes exactly the same
 * decisions, draws the same numbers and ends in the same state.  Its
 * metrics are then the same numbers, save the one that divides by the
 * size (resources.db_pool.utilization), which is recomputed from the mean
 * in use exactly as the walk computes it.  So a pool sweep runs each
 * replication once for all the sizes above what it used (in
 * scenarios/500u.yaml's sweep of 5..100, 14 of the 20 points), with
 * output byte-identical to running every point, whatever the thread
 * count: a point takes a stored replication or runs it, and both give the
 * same numbers.
 *
 * The store is keyed by the caller's text (what else the runs differ in:
 * the sweep's other values) and the replication index; it holds a
 * replication's metric vector (not its model), up to a budget of memory,
 * beyond which replications simply run.  Thread-safe.
 */
#ifndef CS_MODELS_REUSE_H
#define CS_MODELS_REUSE_H

#include "capsim.h"

typedef struct cs_reuse cs_reuse;

/* NULL on allocation failure (the caller then runs without one). */
cs_reuse *cs_reuse_new(void);
void cs_reuse_free(cs_reuse *c);
/* Replications taken from the store so far. */
unsigned long cs_reuse_hits(const cs_reuse *c);

/* cs_run, taking and leaving replications in c under key (c NULL: plain
 * cs_run).  Every run sharing c and key must be of the same scenario,
 * options and seed but for db.pool.size. */
cs_status cs_run_reuse(const cs_scenario *sc, const cs_run_opts *opts,
                       cs_reuse *c, const char *key, cs_result **out,
                       cs_error *err);

#endif
