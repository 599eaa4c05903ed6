/*
 * sim/ps — a processor-sharing station: c cores shared by n jobs.
 *
 * Every job progresses at rate min(n, c) / (n * u(n)) core-seconds per
 * second, where u(n) = 1 + sigma (n - 1) + kappa n (n - 1) is the Universal
 * Scalability Law's contention/coherency penalty (u = 1 when both are 0: plain
 * processor sharing, so 8 workers on 2 cores each run at 1/4 speed).
 *
 * All jobs advance alike, so the station keeps one virtual clock V that runs
 * at that per-job rate; a job finishes when V reaches its arrival V plus its
 * work.  Jobs sit in a binary heap by finish V; one pending engine event
 * targets the earliest.  A change of n moves it (cs_engine_move: as a new
 * event, without leaving the old one behind to be popped and ignored).
 * O(log n) per arrival/departure.
 */
#ifndef CS_SIM_PS_H
#define CS_SIM_PS_H

#include <stdint.h>

#include "sim/engine.h"
#include "sim/stats.h"

typedef struct cs_ps_job {
	double vfinish; /* virtual seconds */
	uint64_t seq;   /* tie-breaker for equal vfinish */
} cs_ps_job;

typedef void (*cs_ps_done)(cs_engine *e, void *ctx, cs_ps_job *job);

typedef struct cs_ps {
	unsigned cores;
	double sigma, kappa;  /* USL coefficients; 0 = none */
	double v;             /* virtual seconds */
	double last;          /* seconds, simulated: when v was last advanced */
	uint64_t gen, seq;
	cs_event_id ev;       /* the pending completion event, 0: none */
	double rate;          /* cs_ps_rate at n, set whenever n changes (every
	                       * change reschedules), so advancing V costs no
	                       * second computation of it */
	cs_ps_job **heap;
	size_t n, cap;
	cs_ps_done done;
	void *ctx;
	cs_tstat busy;        /* cores busy: min(n, c) */
	double work_done;     /* core-seconds of work completed */
} cs_ps;

cs_status cs_ps_init(cs_ps *ps, unsigned cores, double sigma, double kappa,
                     cs_ps_done done, void *ctx);
void cs_ps_destroy(cs_ps *ps);

/* Start a job needing `work` core-seconds; done(e, ctx, job) is called when
 * it completes.  job must stay valid until then. */
cs_status cs_ps_add(cs_ps *ps, cs_engine *e, cs_ps_job *job, double work);

/* Per-job speed with n jobs present (core-seconds per second). */
double cs_ps_rate(const cs_ps *ps, size_t n);

#endif
