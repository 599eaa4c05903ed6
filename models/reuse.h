/*
 * models/reuse — replications shared between runs that differ only in a
 * limit that never bound: db.pool.size, app.workers or a service's
 * concurrency.
 *
 * A pool opens connections lazily and its size is read at one place: an
 * acquire that finds every open connection busy opens another while the
 * pool is below its size, and otherwise waits (or fails).  A replication
 * in which no acquire ever got that far (none found its pool full) opened
 * at most pool_peak connections per pool, and the same replication (same
 * seed, same index) with any size >= pool_peak makes exactly the same
 * decisions, draws the same numbers and ends in the same state.  Workers
 * the same: their number is read when a request arrives at an instance
 * (a free worker, else the backlog); a replication in which every arrival
 * found a free one, at most worker_peak busy, is the same run with any
 * app.workers >= worker_peak (not with users pinned to processes, where
 * a process's share of the workers counts, and its busiest utilization
 * is reported).  A service's concurrency (slots per app instance) the
 * same: read when an attempt starts; a replication in which every attempt
 * found a free slot is the same run at any concurrency >= the most held
 * at once (0, no limit, is not shared: its metrics differ).  The metrics
 * are then the same numbers, save the one that divides by the limit
 * (resources.db_pool.utilization, resources.app.worker_utilization,
 * resources.services.NAME.concurrency_utilization), which is recomputed
 * from the mean in use exactly as the walk computes it.  So a sweep over either runs each
 * replication once for all the values above what it used (in
 * scenarios/500u.yaml's pool sweep of 5..100, 14 of the 20 points), with
 * output byte-identical to running every point, whatever the thread
 * count: a point takes a stored replication or runs it, and both give the
 * same numbers.
 *
 * The store is for one limit and keyed by the caller's text (what else
 * the runs differ in: the sweep's other values) and the replication index;
 * it holds a replication's metric vector (not its model), up to a budget
 * of memory, beyond which replications simply run.  Thread-safe.
 */
#ifndef CS_MODELS_REUSE_H
#define CS_MODELS_REUSE_H

#include "capsim.h"

typedef struct cs_reuse cs_reuse;

/* Whether path is a limit runs can share replications across, and how
 * strongly a sweep should prefer it when it varies several: 0 for
 * db.pool.size, 1 for app.workers, 2 for services.NAME.concurrency; -1
 * for any other path. */
int cs_reuse_rank(const char *path);

/* A store for runs that differ in the limit at path (cs_reuse_rank >= 0);
 * NULL for another path or on allocation failure (the caller then runs
 * without one). */
cs_reuse *cs_reuse_new(const char *path);
void cs_reuse_free(cs_reuse *c);
/* Keep at most this many numbers (metric values) in all; the default is
 * CS_REUSE_BUDGET.  Past it replications are not kept (they still run). */
#define CS_REUSE_BUDGET ((size_t)16 << 20) /* 128 MB of doubles */
void cs_reuse_set_budget(cs_reuse *c, size_t numbers);
/* Replications taken from the store so far. */
unsigned long cs_reuse_hits(const cs_reuse *c);

/* cs_run, taking and leaving replications in c under key (c NULL: plain
 * cs_run).  Every run sharing c and key must be of the same scenario,
 * options and seed but for c's limit. */
cs_status cs_run_reuse(const cs_scenario *sc, const cs_run_opts *opts,
                       cs_reuse *c, const char *key, cs_result **out,
                       cs_error *err);

#endif
