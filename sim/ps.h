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
 *
 * Direct: while no more jobs than cores are present on a plain station
 * (no lanes, background, contention or slowdown) every job runs at full
 * speed whatever the others do, so each has its own departure event, set
 * once when it arrives, instead of the shared one moved at every change:
 * one engine operation less per job.  An arrival that leaves more jobs
 * than cores cancels them and sets the shared event; a departure that
 * leaves no more than cores gives each job its own again.  The same
 * departures at the same times (to rounding).
 *
 * Lanes (optional, cs_ps_set_lanes): a lane is a group of jobs that can use
 * at most one core between them — the threads of one CPython process under
 * its GIL, the callbacks of one Node.js event loop.  The cores are shared
 * equally among the runnable entities, E = (jobs outside lanes) + (lanes
 * with a job): each gets min(1, c / E) / u(n), and a lane splits its share
 * among its jobs.  Lane 0 is the jobs outside any lane; with no lanes the
 * station is exactly the one above.  Each lane keeps its own virtual clock
 * and heap; the next departure is the earliest over the lanes: O(lanes +
 * log n) per arrival/departure.  A lane shares its core among its jobs
 * (CPython switches threads every few ms), or with cs_ps_set_lane_fifo
 * runs them one at a time in arrival order, each to its end (a Node.js
 * event loop runs each callback to completion): its virtual clock then
 * runs at the lane's whole speed and a job finishes at the finish of the
 * job before it plus its work.
 *
 * Background (optional, cs_ps_set_background): b runnable threads of other
 * work (noisy neighbours, a load generator on the same machine) that are
 * always there: E grows by b, and they take b of every E shares.  The busy
 * statistic counts only the station's own jobs.
 *
 * Slowdown (optional, cs_ps_set_slowdown): cores that get slower as more of
 * them are busy — SMT siblings, shared caches and memory bandwidth, a
 * hypervisor's virtual CPUs on fewer physical ones.  With b = min(E, c)
 * cores busy (background included), each runs 1 + s (b - 1) / (c - 1) times
 * slower than a core alone on the machine: 1 + s when all are busy.  A job
 * then holds its core longer for the same work, so the busy statistic (core
 * time, as the OS counts CPU seconds) grows with it.  No effect on 1 core.
 *
 * Overhead (optional, cs_ps_add_overhead): work the station does whatever
 * the requests (a runtime's garbage collector and compiler threads, a
 * database's background writer): one internal job outside the lanes; work
 * added while it runs is owed and run next, so a saturated station falls
 * behind on it instead of piling up jobs.  done() is not called for it.
 */
#ifndef CS_SIM_PS_H
#define CS_SIM_PS_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/engine.h"
#include "sim/stats.h"

typedef struct cs_ps_job {
	double vfinish; /* virtual seconds */
	uint64_t seq;   /* tie-breaker for equal vfinish */
	cs_event_id ev; /* its own departure while the station is direct */
} cs_ps_job;

typedef void (*cs_ps_done)(cs_engine *e, void *ctx, cs_ps_job *job);

/* The jobs of one lane (lanes >= 1) that share one core between them. */
typedef struct cs_ps_lane {
	double v;             /* virtual seconds of this lane */
	double tail;          /* fifo: the last job's finish, virtual s */
	cs_ps_job **heap;
	size_t n, cap;
} cs_ps_lane;

#define CS_PS_MEMO 64

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
	cs_tstat busy;        /* cores busy: min(n, c) (with lanes: min(E, c)) */
	double work_done;     /* core-seconds of work completed */
	cs_ps_lane *lanes;    /* [1..nlanes]; NULL: none */
	unsigned nlanes;
	unsigned active;      /* lanes holding a job */
	cs_tstat lanes_busy;  /* active, over time (with lanes only): a
	                       * process with a step queued or running, as
	                       * an event loop's utilization counts it */
	size_t total;         /* jobs in all lanes and outside them */
	unsigned next;        /* lane of the pending departure (0: outside) */
	double background;    /* runnable threads of other work; 0: none */
	double slowdown;      /* s: all cores busy run 1 + s times slower */
	cs_ps_job oh_job;     /* the overhead job (cs_ps_add_overhead) */
	bool oh_busy;         /* ... is in the station */
	double oh_owed;       /* overhead work added while it was */
	int general;          /* lanes or background: the O(lanes) path */
	bool fifo;            /* lanes run their jobs one at a time */
	bool direct;          /* each job has its own departure (see above) */
	/* Memos of what reschedule computes from the count of jobs (plain)
	 * or of entities (n + active, with lanes or background) alone, the
	 * same expression's value kept instead of divided out again; NaN:
	 * not yet.  For counts below CS_PS_MEMO; the rate's only without
	 * contention (then it depends on nothing else). */
	double memo_rate[CS_PS_MEMO];
	double memo_busy[CS_PS_MEMO];
} cs_ps;

cs_status cs_ps_init(cs_ps *ps, unsigned cores, double sigma, double kappa,
                     cs_ps_done done, void *ctx);
void cs_ps_destroy(cs_ps *ps);

/* Give the station `nlanes` lanes, numbered 1..nlanes (see above); call
 * once, before any job.  Freed by cs_ps_destroy(). */
cs_status cs_ps_set_lanes(cs_ps *ps, unsigned nlanes);

/* Make the lanes run their jobs one at a time, in arrival order (see
 * above); call once, after cs_ps_set_lanes and before any job. */
void cs_ps_set_lane_fifo(cs_ps *ps, bool fifo);

/* Give the station b >= 0 threads of other work (see above); call once,
 * before any job. */
void cs_ps_set_background(cs_ps *ps, double b);

/* Make the cores slow down by s >= 0 when all are busy (see above); call
 * once, before any job. */
void cs_ps_set_slowdown(cs_ps *ps, double s);

/* Add `work` core-seconds of the station's own overhead (see above). */
cs_status cs_ps_add_overhead(cs_ps *ps, cs_engine *e, double work);

/* Start a job needing `work` core-seconds; done(e, ctx, job) is called when
 * it completes.  job must stay valid until then. */
cs_status cs_ps_add(cs_ps *ps, cs_engine *e, cs_ps_job *job, double work);

/* The same in lane `lane` (0: outside every lane, as cs_ps_add). */
cs_status cs_ps_add_in(cs_ps *ps, cs_engine *e, cs_ps_job *job, double work,
                       unsigned lane);

/* Per-job speed with n jobs present (core-seconds per second). */
double cs_ps_rate_slow(const cs_ps *ps, size_t n);

static inline double
cs_ps_rate(const cs_ps *ps, size_t n)
{
	if (n == 0)
		return 1;
	/* without contention u is exactly 1 (the terms are zeros), the same
	 * bits for less work: this runs at every arrival and departure */
	if (ps->sigma == 0 && ps->kappa == 0 && ps->slowdown == 0)
		return (n < ps->cores ? (double)n : (double)ps->cores) /
		       (double)n;
	return cs_ps_rate_slow(ps, n);
}

#endif
