/*
 * sim/replicate — run independent replications on a pool of threads.
 *
 * Replication i always gets the same random streams whatever thread runs
 * it, and results are stored by index, so output never depends on the
 * number of threads.
 */
#ifndef CS_SIM_REPLICATE_H
#define CS_SIM_REPLICATE_H

#include "capsim.h"

/* Run one replication; must be safe to call from several threads at once
 * for different rep. */
typedef cs_status (*cs_sim_rep_fn)(unsigned rep, void *ctx);

/*
 * Call fn(rep, ctx) for rep = 0..n-1 on up to `jobs` threads (0: one per
 * online core).  Returns CS_OK, or the status of the lowest-numbered
 * replication that failed.
 */
cs_status cs_sim_replicate(unsigned n, unsigned jobs, cs_sim_rep_fn fn, void *ctx);

/*
 * The same for rep = first..n-1: one batch of a sequential run (models/
 * result.c adds batches until the intervals are narrow enough).  Which
 * replications a batch holds never depends on jobs, so neither does the
 * output.  Returns CS_OK, or the status of the lowest-numbered
 * replication of the batch that failed.
 */
cs_status cs_sim_replicate_range(unsigned first, unsigned n, unsigned jobs,
                                 cs_sim_rep_fn fn, void *ctx);

/* Online cores (at least 1). */
unsigned cs_sim_cores(void);

#endif
