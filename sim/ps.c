/* Processor sharing by a virtual clock; see ps.h. */
#include <math.h>
#include <stdlib.h>

#include "sim/check.h"
#include "sim/ps.h"

cs_status
cs_ps_init(cs_ps *ps, unsigned cores, double sigma, double kappa,
           cs_ps_done done, void *ctx)
{
	ps->cores = cores ? cores : 1;
	ps->sigma = sigma;
	ps->kappa = kappa;
	ps->v = 0;
	ps->last = 0;
	ps->gen = 0;
	ps->seq = 0;
	ps->ev = 0;
	ps->rate = 1;
	ps->n = 0;
	ps->cap = 64;
	ps->heap = malloc(ps->cap * sizeof *ps->heap);
	ps->done = done;
	ps->ctx = ctx;
	ps->work_done = 0;
	ps->lanes = NULL;
	ps->nlanes = ps->active = 0;
	ps->total = 0;
	ps->next = 0;
	ps->background = 0;
	ps->slowdown = 0;
	ps->oh_busy = false;
	ps->oh_owed = 0;
	ps->general = 0;
	ps->fifo = false;
	ps->direct = true;
	for (size_t k = 0; k < CS_PS_MEMO; k++)
		ps->memo_rate[k] = ps->memo_busy[k] = NAN;
	cs_tstat_init(&ps->busy, 0, 0);
	cs_tstat_init(&ps->lanes_busy, 0, 0);
	return ps->heap ? CS_OK : CS_ERR_NOMEM;
}

cs_status
cs_ps_set_lanes(cs_ps *ps, unsigned nlanes)
{
	unsigned l;

	cs_assert(!ps->lanes && ps->n == 0, "lanes are set before any job");
	if (nlanes == 0)
		return CS_OK;
	ps->lanes = calloc((size_t)nlanes + 1, sizeof *ps->lanes);
	if (!ps->lanes)
		return CS_ERR_NOMEM;
	ps->nlanes = nlanes;
	ps->general = 1;
	for (l = 1; l <= nlanes; l++) {
		ps->lanes[l].cap = 8;
		ps->lanes[l].heap = malloc(8 * sizeof *ps->lanes[l].heap);
		if (!ps->lanes[l].heap)
			return CS_ERR_NOMEM; /* cs_ps_destroy frees the rest */
	}
	return CS_OK;
}

void
cs_ps_set_lane_fifo(cs_ps *ps, bool fifo)
{
	cs_assert(ps->total == 0, "the lanes' order is set before any job");
	ps->fifo = fifo;
}

void
cs_ps_set_background(cs_ps *ps, double b)
{
	cs_assert(ps->n == 0 && b >= 0, "background is set before any job");
	ps->background = b;
	if (b > 0)
		ps->general = 1;
}

void
cs_ps_set_slowdown(cs_ps *ps, double s)
{
	cs_assert(ps->n == 0 && s >= 0, "slowdown is set before any job");
	ps->slowdown = s;
}

/* How many times slower each busy core runs with `busy` of them busy. */
static inline double
slow(const cs_ps *ps, double busy)
{
	if (ps->slowdown == 0 || ps->cores < 2 || busy <= 1)
		return 1;
	if (ps->cores == 2) /* x / 1 is x: no division to wait for */
		return 1 + ps->slowdown * (busy - 1);
	return 1 + ps->slowdown * (busy - 1) / (double)(ps->cores - 1);
}

void
cs_ps_destroy(cs_ps *ps)
{
	unsigned l;

	free(ps->heap);
	ps->heap = NULL;
	ps->n = ps->cap = 0;
	if (ps->lanes)
		for (l = 1; l <= ps->nlanes; l++)
			free(ps->lanes[l].heap);
	free(ps->lanes);
	ps->lanes = NULL;
	ps->nlanes = 0;
}

double
cs_ps_rate_slow(const cs_ps *ps, size_t n)
{
	double active = n < ps->cores ? (double)n : (double)ps->cores, u;

	u = 1 + ps->sigma * (double)(n - 1) + ps->kappa * (double)n * (double)(n - 1);
	return active / ((double)n * u * slow(ps, active));
}

static inline int
earlier(const cs_ps_job *a, const cs_ps_job *b)
{
	return a->vfinish < b->vfinish ||
	       (a->vfinish == b->vfinish && a->seq < b->seq);
}

/* Binary heap by (vfinish, seq): O(log n).  Take heap[i] out of a heap
 * of n + 1 (n after): the last in its place, sifted up or down. */
static void
heap_remove_at(cs_ps_job **heap, size_t n, size_t i)
{
	cs_ps_job *last = heap[n];

	if (i == n)
		return;
	while (i > 0 && earlier(last, heap[(i - 1) / 2])) {
		heap[i] = heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && earlier(heap[c + 1], heap[c]))
			c++;
		if (!earlier(heap[c], last))
			break;
		heap[i] = heap[c];
		i = c;
	}
	heap[i] = last;
}

/* The earliest out of a heap of n + 1 (n after). */
static inline void
heap_pop(cs_ps_job **heap, size_t n)
{
	heap_remove_at(heap, n, 0);
}

static void
heap_push(cs_ps_job **heap, size_t i, cs_ps_job *job)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (!earlier(job, heap[p]))
			break;
		heap[i] = heap[p];
		i = p;
	}
	heap[i] = job;
}

static cs_status
heap_grow(cs_ps_job ***heap, size_t *cap)
{
	size_t ncap = *cap * 2;
	cs_ps_job **nh = realloc(*heap, ncap * sizeof *nh);

	if (!nh)
		return CS_ERR_NOMEM;
	*heap = nh;
	*cap = ncap;
	return CS_OK;
}

/* With lanes: the speed of each runnable entity (a job outside the lanes,
 * or a lane with a job), core-seconds per second. */
static double
entity_rate(const cs_ps *ps)
{
	double ent = (double)(ps->n + ps->active) + ps->background;
	double n = (double)ps->total, active, u;

	if (ps->total == 0)
		return 1;
	active = ent < (double)ps->cores ? ent : (double)ps->cores;
	u = 1 + ps->sigma * (n - 1) + ps->kappa * n * (n - 1);
	return active / (ent * u * slow(ps, active));
}

/* What reschedule sets from a count alone, from its memo when there (the
 * same value: the same expression of the same operands, once).  Plain:
 * the rate at n jobs.  General: the station's share of the busy cores and
 * the rate of an entity at k = n + active entities (the background and
 * the coefficients are set before any job, so nothing else changes them;
 * the rate also depends on the jobs in all when there is contention, and
 * is not kept then). */
static inline bool
memo_has(const double *memo, size_t k)
{
	return k < CS_PS_MEMO && !isnan(memo[k]);
}

static inline double
memo_put(double *memo, size_t k, double v)
{
	if (k < CS_PS_MEMO)
		memo[k] = v;
	return v;
}

static inline double
plain_rate(cs_ps *ps, size_t n)
{
	return memo_has(ps->memo_rate, n) ? ps->memo_rate[n] :
	       memo_put(ps->memo_rate, n, cs_ps_rate(ps, n));
}

/* The station's own entities' share of the busy cores, k of them. */
static double
busy_of(const cs_ps *ps, size_t k)
{
	double ent = (double)k + ps->background;
	double busy = ent < (double)ps->cores ? ent : (double)ps->cores;

	return ent > 0 ? busy * (double)k / ent : 0;
}

static inline double
busy_share(cs_ps *ps, size_t k)
{
	return memo_has(ps->memo_busy, k) ? ps->memo_busy[k] :
	       memo_put(ps->memo_busy, k, busy_of(ps, k));
}

static inline double
general_rate(cs_ps *ps, size_t k)
{
	if (ps->sigma != 0 || ps->kappa != 0)
		return entity_rate(ps);
	return memo_has(ps->memo_rate, k) ? ps->memo_rate[k] :
	       memo_put(ps->memo_rate, k, entity_rate(ps));
}

/* O(1); with lanes O(lanes).  ps->rate is the speed set at the last
 * change: per job, or with lanes or background per entity. */
static void
advance(cs_ps *ps, double now)
{
	double dt = now - ps->last;
	unsigned l;

	if (ps->n > 0)
		ps->v += dt * ps->rate;
	if (ps->general)
		for (l = 1; l <= ps->nlanes; l++)
			if (ps->lanes[l].n > 0)
				/* x / 1 is x: one job, no division */
				ps->lanes[l].v += ps->fifo || ps->lanes[l].n == 1 ?
				                  dt * ps->rate :
				                  dt * ps->rate /
				                  (double)ps->lanes[l].n;
	ps->last = now;
}

static void fire(cs_engine *e, void *data, uint64_t gen);

/* Point the one pending event at the earliest job (moved, not scheduled
 * anew: no stale event left to pop). */
static void
reschedule(cs_ps *ps, cs_engine *e)
{
	double dv, best, t;
	unsigned l;

	ps->gen++;
	if (!ps->general) {
		cs_tstat_set(&ps->busy, e->now,
		             ps->n < ps->cores ? (double)ps->n : (double)ps->cores);
		if (ps->n == 0) {
			cs_engine_cancel(e, ps->ev);
			ps->ev = 0;
			return;
		}
		ps->rate = plain_rate(ps, ps->n);
		dv = ps->heap[0]->vfinish - ps->v;
		if (dv < 0)
			dv = 0;
		cs_engine_move(e, &ps->ev, e->now + dv / ps->rate, fire, ps,
		               ps->gen);
		return;
	}
	/* the station's own entities' share of the busy cores */
	cs_tstat_set(&ps->busy, e->now, busy_share(ps, ps->n + ps->active));
	if (ps->nlanes)
		cs_tstat_set(&ps->lanes_busy, e->now, (double)ps->active);
	if (ps->total == 0) {
		cs_engine_cancel(e, ps->ev);
		ps->ev = 0;
		return;
	}
	ps->rate = general_rate(ps, ps->n + ps->active);
	best = -1;
	if (ps->n > 0) {
		dv = ps->heap[0]->vfinish - ps->v;
		best = (dv < 0 ? 0 : dv) / ps->rate;
		ps->next = 0;
	}
	/* ties go to the lowest lane: the same choice whatever the history */
	for (l = 1; l <= ps->nlanes; l++) {
		const cs_ps_lane *ln = &ps->lanes[l];

		if (ln->n == 0)
			continue;
		dv = ln->heap[0]->vfinish - ln->v;
		t = ps->fifo ? (dv < 0 ? 0 : dv) / ps->rate :
		    (dv < 0 ? 0 : dv) * (double)ln->n / ps->rate;
		if (best < 0 || t < best) {
			best = t;
			ps->next = l;
		}
	}
	cs_engine_move(e, &ps->ev, e->now + best, fire, ps, ps->gen);
}

/* A plain station (no lanes, background, contention or slowdown): with no
 * more jobs than cores each runs at full speed. */
static inline bool
plain(const cs_ps *ps)
{
	return !ps->general && ps->sigma == 0 && ps->kappa == 0 &&
	       ps->slowdown == 0;
}

static void direct_fire(cs_engine *e, void *data, uint64_t arg);

/* A departure (job out of the station), then the overhead's bookkeeping
 * or the owner's done(). */
static void
departed(cs_ps *ps, cs_engine *e, cs_ps_job *job)
{
	if (job == &ps->oh_job) {
		double owed = ps->oh_owed;

		ps->oh_busy = false;
		ps->oh_owed = 0;
		if (owed > 0 && cs_ps_add_overhead(ps, e, owed))
			e->nomem = true;
		return;
	}
	ps->done(e, ps->ctx, job);
}

/* Direct now (from fire: the shared departure has just run): every job
 * present gets its own departure at full speed. */
static void
go_direct(cs_ps *ps, cs_engine *e)
{
	size_t i;

	ps->direct = true;
	ps->rate = 1;
	cs_tstat_set(&ps->busy, e->now, (double)ps->n);
	for (i = 0; i < ps->n; i++) {
		cs_ps_job *j = ps->heap[i];
		double dv = j->vfinish - ps->v;

		if (cs_engine_schedule_id(e, e->now + (dv < 0 ? 0 : dv),
		                          direct_fire, ps, (uintptr_t)j, &j->ev))
			e->nomem = true;
	}
}

/* A job's own departure (direct). */
static void
direct_fire(cs_engine *e, void *data, uint64_t arg)
{
	cs_ps *ps = data;
	cs_ps_job *job = (cs_ps_job *)(uintptr_t)arg;
	size_t i = 0;

	cs_assert(ps->direct && ps->n > 0, "a direct departure while direct");
	job->ev = 0;
	advance(ps, e->now);
	if (job->vfinish > ps->v)
		ps->v = job->vfinish; /* rounding: the event was exact */
	/* the earliest, but for rounding or ties after go_direct */
	while (ps->heap[i] != job) {
		i++;
		cs_assert(i < ps->n, "a direct departure of a job present");
	}
	heap_remove_at(ps->heap, --ps->n, i);
	ps->total--;
	cs_tstat_set(&ps->busy, e->now, (double)ps->n);
	departed(ps, e, job);
}

static void
fire(cs_engine *e, void *data, uint64_t gen)
{
	cs_ps *ps = data;
	cs_ps_job *job;

	ps->ev = 0; /* it ran */
	if (gen != ps->gen)
		return; /* superseded by a later change */
	advance(ps, e->now);
	if (ps->general && ps->next > 0) {
		cs_ps_lane *ln = &ps->lanes[ps->next];

		cs_assert(ln->n > 0, "a departure from an empty lane");
		job = ln->heap[0];
		if (job->vfinish > ln->v)
			ln->v = job->vfinish; /* rounding: the event was exact */
		heap_pop(ln->heap, --ln->n);
		if (ln->n == 0)
			ps->active--;
	} else {
		cs_assert(ps->n > 0, "a departure from an empty station");
		job = ps->heap[0];
		if (job->vfinish > ps->v)
			ps->v = job->vfinish; /* rounding: the event was exact */
		heap_pop(ps->heap, --ps->n);
	}
	ps->total--;
	if (ps->n <= ps->cores && plain(ps))
		go_direct(ps, e);
	else
		reschedule(ps, e);
	departed(ps, e, job);
}

cs_status
cs_ps_add_overhead(cs_ps *ps, cs_engine *e, double work)
{
	if (ps->oh_busy) {
		ps->oh_owed += work;
		return CS_OK;
	}
	ps->oh_busy = true;
	return cs_ps_add(ps, e, &ps->oh_job, work);
}

cs_status
cs_ps_add_in(cs_ps *ps, cs_engine *e, cs_ps_job *job, double work,
             unsigned lane)
{
	cs_ps_lane *ln;

	cs_assert(lane <= ps->nlanes, "a job in a lane the station has");
	if (lane == 0)
		return cs_ps_add(ps, e, job, work);
	ln = &ps->lanes[lane];
	if (ln->n == ln->cap && heap_grow(&ln->heap, &ln->cap))
		return CS_ERR_NOMEM;
	advance(ps, e->now);
	ps->work_done += work;
	/* fifo: after the job before it (the lane's clock is at most that
	 * job's finish while it runs) */
	job->vfinish = (ps->fifo && ln->n > 0 ? ln->tail : ln->v) + work;
	ln->tail = job->vfinish;
	job->seq = ps->seq++;
	if (ln->n == 0)
		ps->active++;
	heap_push(ln->heap, ln->n++, job);
	ps->total++;
	reschedule(ps, e);
	return CS_OK;
}

cs_status
cs_ps_add(cs_ps *ps, cs_engine *e, cs_ps_job *job, double work)
{
	size_t i;

	if (ps->n == ps->cap && heap_grow(&ps->heap, &ps->cap))
		return CS_ERR_NOMEM;
	advance(ps, e->now);
	ps->work_done += work;
	job->vfinish = ps->v + work;
	job->seq = ps->seq++;
	job->ev = 0;
	heap_push(ps->heap, ps->n++, job);
	ps->total++;
	if (ps->direct) {
		if (ps->n <= ps->cores && plain(ps)) {
			/* full speed, whatever the others do */
			ps->rate = 1;
			cs_tstat_set(&ps->busy, e->now, (double)ps->n);
			return cs_engine_schedule_id(e, e->now + work, direct_fire,
			                             ps, (uintptr_t)job, &job->ev);
		}
		/* one too many (or not plain): the shared departure */
		for (i = 0; i < ps->n; i++) {
			cs_engine_cancel(e, ps->heap[i]->ev);
			ps->heap[i]->ev = 0;
		}
		ps->direct = false;
	}
	reschedule(ps, e);
	return CS_OK;
}
