/*
 * sweep — what-if grids: every combination of values for a few scenario
 * paths, each point a full run with the same seed (common random numbers),
 * so curves are smooth and differences between points are real.
 */
#ifndef CS_SWEEP_H
#define CS_SWEEP_H

#include <stdbool.h>
#include <stddef.h>

#include "capsim.h"

typedef struct cs_sweep cs_sweep;

/*
 * Parse "--vary" specs, each "PATH=VALUES" with VALUES a list ("10,20,50")
 * or an inclusive range "LO:HI:STEP" ("10:60:5", "100ms:1s:100ms"; the
 * three must share a unit suffix).  The first spec varies slowest.  Errors
 * are CS_ERR_USAGE with file "--vary".  Caller frees with cs_sweep_free().
 */
cs_status cs_sweep_new(const char *const *specs, size_t nspecs,
                       cs_sweep **out, cs_error *err);
void cs_sweep_free(cs_sweep *sw);

size_t cs_sweep_npoints(const cs_sweep *sw);
size_t cs_sweep_ndims(const cs_sweep *sw);
const char *cs_sweep_path(const cs_sweep *sw, size_t dim);
size_t cs_sweep_nvalues(const cs_sweep *sw, size_t dim);
const char *cs_sweep_value_at(const cs_sweep *sw, size_t dim, size_t k);
/* The value of dimension dim at point i. */
const char *cs_sweep_value(const cs_sweep *sw, size_t point, size_t dim);
/* Canonical text of the grid ("db.pool.size=10,20;load.users=100"), to
 * check that a journal or a shard belongs to the same sweep. */
const char *cs_sweep_spec(const cs_sweep *sw);

/* Whether a grid that varies db.pool.size (or app.workers, or a
 * service's concurrency) shares replications between its points (true,
 * the default): a replication in which no pool ever filled is the same
 * run at every size at or above the most connections it opened, so it
 * runs once for all of them; the others the same (models/reuse.h).  The
 * output is the same bytes either way; false runs every one, to check
 * that or to time the engine. */
void cs_sweep_set_share(cs_sweep *sw, bool share);

/* A store for sharing replications between this grid's points
 * (models/reuse.h), with in *limit_dim the dimension that is its limit
 * (db.pool.size, else app.workers, else a service's concurrency); NULL
 * when the grid varies none (or varies that path twice), sharing is off,
 * or memory is short.
 * Caller frees with cs_reuse_free(). */
struct cs_reuse *cs_sweep_reuse_new(const cs_sweep *sw, size_t *limit_dim);
/* The key of point's runs in that store: prefix, then the other
 * dimensions' "path=value" lines.  Caller frees; NULL on no memory. */
char *cs_sweep_reuse_key(const cs_sweep *sw, size_t point, size_t limit_dim,
                         const char *prefix);

/* A calibrated scenario's 90% prediction interval at point (as capsim
 * run's: cs_cal_run_pi_shared), the fixed overrides sets[] then the
 * point's values applied; centred on centre (the point's own run's
 * metrics; NULL: run it again), its runs shared through reuse (from
 * cs_sweep_reuse_new, limit_dim its dimension; NULL: none). */
struct cs_cal_pred;
struct cs_cal_run_pi;
cs_status cs_sweep_point_pi(const cs_sweep *sw, size_t point,
                            const char *scenario, const char *const *sets,
                            size_t nsets, const cs_run_opts *ro,
                            const struct cs_cal_pred *centre,
                            struct cs_reuse *reuse, size_t limit_dim,
                            struct cs_cal_run_pi *pi, cs_error *err);

/* Called once per finished point, never concurrently; res is freed after
 * the call returns.  A non-zero return stops the sweep. */
typedef int (*cs_sweep_cb)(size_t point, const cs_result *res, void *ctx);

/*
 * Run the points wanted[0..nwanted) of the grid on the scenario file with the
 * fixed overrides sets[] (applied before the point's own).  Points run in
 * parallel on `jobs` threads (0: all cores), each point's replications in
 * sequence; results do not depend on jobs (nor on which point of a pool
 * sweep ran a shared replication first).  On a bad value at a point, err
 * names it.
 */
cs_status cs_sweep_run(const cs_sweep *sw, const char *scenario,
                       const char *const *sets, size_t nsets,
                       const cs_run_opts *ro, const size_t *wanted,
                       size_t nwanted, unsigned jobs, cs_sweep_cb cb,
                       void *ctx, cs_error *err);

#endif
