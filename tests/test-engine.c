/*
 * Tests for sim/engine: the clock and the 4-ary event heap.  Every handler
 * appends (time, id) to a log, so a test states the exact order and times
 * it expects.
 */
#include <check.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdbool.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/engine.h"
#include "harness.h"
#include "sim/check.h"

/* ---- a log of executed events --------------------------------------------- */

typedef struct entry {
	double t;    /* seconds, simulated: engine clock when it ran */
	uint64_t id; /* the event's arg */
} entry;

typedef struct elog {
	entry *e;
	size_t n, cap;
} elog;

static void
log_push(elog *l, double t, uint64_t id)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->e = realloc(l->e, l->cap * sizeof *l->e);
		ck_assert_ptr_nonnull(l->e);
	}
	l->e[l->n].t = t;
	l->e[l->n].id = id;
	l->n++;
}

static void
record(cs_engine *e, void *data, uint64_t arg)
{
	log_push(data, cs_engine_now(e), arg);
}

/* Records, then stops the engine. */
static void
record_and_stop(cs_engine *e, void *data, uint64_t arg)
{
	log_push(data, cs_engine_now(e), arg);
	cs_engine_stop(e);
}

static cs_engine *
engine(void)
{
	cs_engine *e = cs_engine_new();

	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq((int)cs_engine_pending(e), 0);
	ck_assert(cs_engine_now(e) == 0.0);
	return e;
}

static void
sched(cs_engine *e, double t, elog *l, uint64_t id)
{
	ck_assert_int_eq(cs_engine_schedule(e, t, record, l, id), CS_OK);
}

/* ---- ordering -------------------------------------------------------------- */

START_TEST(engine_orders_by_time)
{
	cs_engine *e = engine();
	elog l = { 0 };
	static const double t[] = { 3.0, 1.0, 2.5, 0.5, 2.0 };
	static const uint64_t want[] = { 3, 1, 4, 2, 0 }; /* ids by time */
	size_t i;

	for (i = 0; i < 5; i++)
		sched(e, t[i], &l, i);
	ck_assert_int_eq((int)cs_engine_pending(e), 5);
	for (i = 0; i < 5; i++) {
		ck_assert(cs_engine_step(e));
		ck_assert_int_eq((int)l.n, (int)i + 1);
		ck_assert_uint_eq(l.e[i].id, want[i]);
		ck_assert(l.e[i].t == t[want[i]]);
		ck_assert(cs_engine_now(e) == t[want[i]]);
	}
	ck_assert(!cs_engine_step(e)); /* nothing pending */
	ck_assert_uint_eq(e->executed, 5);
	ck_assert(cs_engine_now(e) == 3.0);
	free(l.e);
	cs_engine_free(e);
}
END_TEST

START_TEST(engine_ties_fifo_by_insertion_sequence)
{
	cs_engine *e = engine();
	elog l = { 0 };
	uint64_t i;

	/* 300 events at t = 1, interleaved with 300 at t = 0.5 and 2: the heap
	 * moves them around, but equal times must still come out in the order
	 * they were scheduled. */
	for (i = 0; i < 300; i++) {
		sched(e, 1.0, &l, 1000 + i);
		sched(e, 2.0, &l, 2000 + i);
		sched(e, 0.5, &l, i);
	}
	ck_assert_int_eq(cs_engine_run_until(e, 10.0), CS_OK);
	ck_assert_int_eq((int)l.n, 900);
	for (i = 0; i < 300; i++) {
		ck_assert_uint_eq(l.e[i].id, i);
		ck_assert(l.e[i].t == 0.5);
		ck_assert_uint_eq(l.e[300 + i].id, 1000 + i);
		ck_assert(l.e[300 + i].t == 1.0);
		ck_assert_uint_eq(l.e[600 + i].id, 2000 + i);
		ck_assert(l.e[600 + i].t == 2.0);
	}
	free(l.e);
	cs_engine_free(e);
}
END_TEST

/* A handler that schedules `arg` more events for "now" and one in the past. */
typedef struct chain {
	elog *l;
	double past; /* seconds, simulated: a time before now */
} chain;

static void
spawn_now(cs_engine *e, void *data, uint64_t arg)
{
	chain *c = data;

	log_push(c->l, cs_engine_now(e), arg);
	if (arg == 1) {
		/* scheduled from inside a handler at an earlier time: clamped to
		 * now, and after the events already pending at now */
		ck_assert_int_eq(cs_engine_schedule(e, c->past, record, c->l, 10),
		                 CS_OK);
		ck_assert_int_eq(cs_engine_schedule(e, cs_engine_now(e), record,
		                                    c->l, 11), CS_OK);
	}
}

START_TEST(engine_clamps_past_times)
{
	cs_engine *e = engine();
	elog l = { 0 };
	chain c = { .l = &l, .past = 1.0 };

	ck_assert_int_eq(cs_engine_run_until(e, 5.0), CS_OK);
	ck_assert(cs_engine_now(e) == 5.0);
	/* in the past, and -infinity: both run at the current time 5 */
	sched(e, 2.0, &l, 1);
	sched(e, -INFINITY, &l, 2);
	sched(e, 5.0, &l, 3);
	ck_assert_int_eq((int)cs_engine_pending(e), 3);
	ck_assert_int_eq(cs_engine_run_until(e, 5.0), CS_OK);
	ck_assert_int_eq((int)l.n, 3);
	ck_assert_uint_eq(l.e[0].id, 1);
	ck_assert_uint_eq(l.e[1].id, 2);
	ck_assert_uint_eq(l.e[2].id, 3);
	ck_assert(l.e[0].t == 5.0 && l.e[1].t == 5.0 && l.e[2].t == 5.0);

	/* from inside a handler at t = 7 */
	l.n = 0;
	ck_assert_int_eq(cs_engine_schedule(e, 7.0, spawn_now, &c, 1), CS_OK);
	ck_assert_int_eq(cs_engine_schedule(e, 7.0, spawn_now, &c, 2), CS_OK);
	ck_assert_int_eq(cs_engine_run_until(e, 8.0), CS_OK);
	ck_assert_int_eq((int)l.n, 4);
	ck_assert_uint_eq(l.e[0].id, 1);
	ck_assert_uint_eq(l.e[1].id, 2);  /* pending before the clamped ones */
	ck_assert_uint_eq(l.e[2].id, 10); /* clamped from t = 1 */
	ck_assert_uint_eq(l.e[3].id, 11);
	ck_assert(l.e[2].t == 7.0 && l.e[3].t == 7.0);
	ck_assert(cs_engine_now(e) == 8.0);
	free(l.e);
	cs_engine_free(e);
}
END_TEST

START_TEST(engine_run_until_stops_and_sets_clock)
{
	cs_engine *e = engine();
	elog l = { 0 };

	/* an empty engine: the clock still moves to t */
	ck_assert_int_eq(cs_engine_run_until(e, 0.25), CS_OK);
	ck_assert(cs_engine_now(e) == 0.25);
	sched(e, 1.0, &l, 1);
	sched(e, 2.0, &l, 2);
	sched(e, 3.0, &l, 3);
	/* events at <= t run, then the clock is t exactly */
	ck_assert_int_eq(cs_engine_run_until(e, 2.5), CS_OK);
	ck_assert_int_eq((int)l.n, 2);
	ck_assert(cs_engine_now(e) == 2.5);
	ck_assert_int_eq((int)cs_engine_pending(e), 1);
	/* an event exactly at t runs */
	ck_assert_int_eq(cs_engine_run_until(e, 3.0), CS_OK);
	ck_assert_int_eq((int)l.n, 3);
	ck_assert_uint_eq(l.e[2].id, 3);
	ck_assert(cs_engine_now(e) == 3.0);
	ck_assert_int_eq((int)cs_engine_pending(e), 0);
	/* an earlier t never moves the clock back */
	ck_assert_int_eq(cs_engine_run_until(e, 1.0), CS_OK);
	ck_assert(cs_engine_now(e) == 3.0);
	ck_assert_uint_eq(e->executed, 3);
	free(l.e);
	cs_engine_free(e);
}
END_TEST

START_TEST(engine_stop_ends_run_at_the_stopping_event)
{
	cs_engine *e = engine();
	elog l = { 0 };

	sched(e, 1.0, &l, 1);
	ck_assert_int_eq(cs_engine_schedule(e, 2.0, record_and_stop, &l, 2),
	                 CS_OK);
	sched(e, 2.0, &l, 3); /* same time, later sequence: not run */
	sched(e, 4.0, &l, 4);
	ck_assert_int_eq(cs_engine_run_until(e, 10.0), CS_OK);
	ck_assert_int_eq((int)l.n, 2);
	ck_assert_uint_eq(l.e[1].id, 2);
	/* the clock stays at the stopping event, not at 10 */
	ck_assert(cs_engine_now(e) == 2.0);
	ck_assert_int_eq((int)cs_engine_pending(e), 2);
	/* the next run starts afresh and finishes the rest */
	ck_assert_int_eq(cs_engine_run_until(e, 10.0), CS_OK);
	ck_assert_int_eq((int)l.n, 4);
	ck_assert_uint_eq(l.e[2].id, 3);
	ck_assert(l.e[2].t == 2.0);
	ck_assert_uint_eq(l.e[3].id, 4);
	ck_assert(cs_engine_now(e) == 10.0);
	free(l.e);
	cs_engine_free(e);
}
END_TEST

START_TEST(engine_grows_past_1024_pending)
{
	cs_engine *e = engine();
	elog l = { 0 };
	const uint64_t n = 5000;
	uint64_t i;

	ck_assert_uint_eq(e->cap, 1024);
	/* descending times: every insert sifts to the root */
	for (i = 0; i < n; i++)
		sched(e, (double)(n - i), &l, i);
	ck_assert_uint_eq(cs_engine_pending(e), n);
	ck_assert_uint_ge(e->cap, n);
	ck_assert(!e->nomem);
	ck_assert_int_eq(cs_engine_run_until(e, (double)n), CS_OK);
	ck_assert_uint_eq(l.n, n);
	for (i = 0; i < n; i++) {
		ck_assert(l.e[i].t == (double)(i + 1));
		ck_assert_uint_eq(l.e[i].id, n - 1 - i);
	}
	ck_assert_int_eq((int)cs_engine_pending(e), 0);
	free(l.e);
	cs_engine_free(e);
}
END_TEST

/* Random times on a coarse grid (many ties), some events scheduled from
 * handlers while the heap is busy: the log must be sorted by (time, seq). */
typedef struct rnd {
	elog l;
	gsl_rng *r;
	uint64_t *seq_of; /* id -> insertion sequence */
	uint64_t next_id, max_id;
	cs_engine *e;
} rnd;

/* A random-schedule test's engine, generator (seeded) and id table. */
static void
rnd_open(rnd *x, unsigned long seed, uint64_t nmax)
{
	x->e = engine();
	x->r = gsl_rng_alloc(gsl_rng_mt19937);
	ck_assert_ptr_nonnull(x->r);
	gsl_rng_set(x->r, seed);
	x->seq_of = calloc(nmax, sizeof *x->seq_of);
	ck_assert_ptr_nonnull(x->seq_of);
	x->max_id = nmax;
}

/* Every event ran in (time, sequence) order. */
static void
rnd_check_order(const rnd *x)
{
	size_t i;

	for (i = 1; i < x->l.n; i++) {
		const entry *a = &x->l.e[i - 1], *b = &x->l.e[i];

		ck_assert_msg(a->t < b->t ||
		              (a->t == b->t && x->seq_of[a->id] < x->seq_of[b->id]),
		              "event %lu out of order: (%g, seq %lu) then (%g, seq %lu)",
		              (unsigned long)i, a->t,
		              (unsigned long)x->seq_of[a->id], b->t,
		              (unsigned long)x->seq_of[b->id]);
	}
}

static void
rnd_close(rnd *x)
{
	free(x->seq_of);
	free(x->l.e);
	gsl_rng_free(x->r);
	cs_engine_free(x->e);
}

static void
rnd_ev(cs_engine *e, void *data, uint64_t id)
{
	rnd *x = data;

	log_push(&x->l, cs_engine_now(e), id);
	/* half the handlers schedule one more event in the future */
	if (x->next_id < x->max_id && gsl_rng_uniform(x->r) < 0.5) {
		double t = cs_engine_now(e) +
		           floor(gsl_rng_uniform(x->r) * 200) / 8;
		uint64_t nid = x->next_id++;

		x->seq_of[nid] = e->seq;
		ck_assert_int_eq(cs_engine_schedule(e, t, rnd_ev, x, nid), CS_OK);
	}
}

/* As rnd_ev, but the next event is 1 us to 1000 s away, log-uniform, and
 * some handlers add two: the calendar's day width must follow gaps that
 * differ by nine orders of magnitude while the count grows and shrinks. */
static void
skew_ev(cs_engine *e, void *data, uint64_t id)
{
	rnd *x = data;
	int k, n = gsl_rng_uniform(x->r) < 0.3 ? 2 : gsl_rng_uniform(x->r) <
	           0.6 ? 1 : 0;

	log_push(&x->l, cs_engine_now(e), id);
	for (k = 0; k < n && x->next_id < x->max_id; k++) {
		double t = cs_engine_now(e) +
		           pow(10, -6 + 9 * gsl_rng_uniform(x->r));
		uint64_t nid = x->next_id++;

		x->seq_of[nid] = e->seq;
		ck_assert_int_eq(cs_engine_schedule(e, t, skew_ev, x, nid), CS_OK);
	}
}

START_TEST(engine_skewed_gaps_pop_sorted)
{
	rnd x = { 0 };
	const uint64_t n0 = 3000, nmax = 60000;
	uint64_t i;

	rnd_open(&x, 777, nmax);
	for (i = 0; i < n0; i++) {
		/* a dense burst, a sparse tail and far, huge and infinite
		 * times, which never run */
		double t = i % 3 ? gsl_rng_uniform(x.r) * 1e-3 :
		           pow(10, 6 * gsl_rng_uniform(x.r));

		if (i % 997 == 5)
			t = i % 2 ? 1e300 : INFINITY;
		x.seq_of[i] = x.e->seq;
		ck_assert_int_eq(cs_engine_schedule(x.e, t, skew_ev, &x, i), CS_OK);
	}
	x.next_id = n0;
	ck_assert_int_eq(cs_engine_run_until(x.e, 1e12), CS_OK);
	ck_assert_uint_gt(x.next_id, 2 * n0); /* handlers did schedule */
	ck_assert_uint_eq(cs_engine_pending(x.e), 4); /* 1e300 and infinity */
	rnd_check_order(&x);
	rnd_close(&x);
}
END_TEST

START_TEST(engine_many_random_events_pop_sorted)
{
	rnd x = { 0 };
	const uint64_t n0 = 100000, nmax = 150000;
	uint64_t i;

	rnd_open(&x, 12345, nmax);
	for (i = 0; i < n0; i++) {
		/* 1/8 s grid over 1000 s: about 12 events share each time */
		double t = floor(gsl_rng_uniform(x.r) * 8000) / 8;

		x.seq_of[i] = x.e->seq;
		ck_assert_int_eq(cs_engine_schedule(x.e, t, rnd_ev, &x, i), CS_OK);
	}
	x.next_id = n0;
	ck_assert_uint_eq(cs_engine_pending(x.e), n0);
	ck_assert_int_eq(cs_engine_run_until(x.e, 1e9), CS_OK);
	ck_assert_uint_eq(x.l.n, x.next_id);
	ck_assert_uint_gt(x.next_id, n0 + n0 / 4); /* handlers did schedule */
	ck_assert_uint_eq(x.e->executed, x.next_id);
	rnd_check_order(&x);
	ck_assert(cs_engine_now(x.e) == 1e9);
	rnd_close(&x);
}
END_TEST

/* Each of the first n events schedules one more for now: the ring of
 * current-time events wraps and grows while it is being drained. */
typedef struct fan {
	elog l;
	uint64_t n;
} fan;

static void
fan_ev(cs_engine *e, void *data, uint64_t id)
{
	fan *f = data;

	log_push(&f->l, cs_engine_now(e), id);
	if (id < f->n)
		ck_assert_int_eq(cs_engine_schedule(e, cs_engine_now(e), fan_ev, f,
		                                    id + f->n), CS_OK);
}

START_TEST(engine_now_ring_keeps_fifo_order_while_growing)
{
	cs_engine *e = engine();
	fan f = { .n = 700 };
	uint64_t i;

	ck_assert_int_eq(cs_engine_run_until(e, 1.0), CS_OK);
	/* 700 at now (the ring), and one at 2 in the heap */
	for (i = 0; i < f.n; i++)
		ck_assert_int_eq(cs_engine_schedule(e, 1.0, fan_ev, &f, i), CS_OK);
	ck_assert_int_eq(cs_engine_schedule(e, 2.0, fan_ev, &f, 5000), CS_OK);
	ck_assert_uint_eq(cs_engine_pending(e), f.n + 1);
	ck_assert_int_eq(cs_engine_run_until(e, 1.0), CS_OK);
	/* the 700, then the 700 they spawned, in order; not the one at 2 */
	ck_assert_uint_eq(f.l.n, 2 * f.n);
	for (i = 0; i < 2 * f.n; i++) {
		ck_assert_uint_eq(f.l.e[i].id, i);
		ck_assert(f.l.e[i].t == 1.0);
	}
	ck_assert_uint_eq(cs_engine_pending(e), 1);
	ck_assert_uint_eq(e->executed, 2 * f.n);
	free(f.l.e);
	cs_engine_free(e);
}
END_TEST

START_TEST(engine_cancel_removes_only_pending_events)
{
	cs_engine *e = engine();
	elog l = { 0 };
	cs_event_id a, b, c;

	ck_assert_int_eq(cs_engine_schedule_id(e, 1.0, record, &l, 1, &a), CS_OK);
	ck_assert_int_eq(cs_engine_schedule_id(e, 2.0, record, &l, 2, &b), CS_OK);
	ck_assert_int_eq(cs_engine_schedule_id(e, 3.0, record, &l, 3, &c), CS_OK);
	ck_assert(a && b && c && a != b && b != c);
	ck_assert(cs_engine_cancel(e, b));
	ck_assert(!cs_engine_cancel(e, b)); /* twice: nothing */
	ck_assert(!cs_engine_cancel(e, 0));
	ck_assert_int_eq((int)cs_engine_pending(e), 2);
	ck_assert(cs_engine_step(e));
	ck_assert(!cs_engine_cancel(e, a)); /* it ran */
	/* a's slot is reused: its old id still names nothing */
	ck_assert_int_eq(cs_engine_schedule(e, 4.0, record, &l, 4), CS_OK);
	ck_assert(!cs_engine_cancel(e, a));
	ck_assert_int_eq(cs_engine_run_until(e, 10.0), CS_OK);
	ck_assert_int_eq((int)l.n, 3);
	ck_assert_uint_eq(l.e[0].id, 1);
	ck_assert_uint_eq(l.e[1].id, 3);
	ck_assert_uint_eq(l.e[2].id, 4);
	ck_assert_uint_eq(e->executed, 3); /* a cancelled event never counts */
	free(l.e);
	cs_engine_free(e);
}
END_TEST

START_TEST(engine_move_orders_as_a_new_event)
{
	cs_engine *e = engine();
	elog l = { 0 };
	cs_event_id a, none = 0;

	ck_assert_int_eq(cs_engine_schedule_id(e, 5.0, record, &l, 1, &a), CS_OK);
	sched(e, 2.0, &l, 2);
	/* moved to 2: after the event already at 2, as a new one would be;
	 * it takes the new argument */
	ck_assert_int_eq(cs_engine_move(e, &a, 2.0, record, &l, 10), CS_OK);
	sched(e, 2.0, &l, 3);
	/* nothing pending under id 0: move schedules */
	ck_assert_int_eq(cs_engine_move(e, &none, 1.0, record, &l, 4), CS_OK);
	ck_assert(none != 0);
	ck_assert_int_eq((int)cs_engine_pending(e), 4);
	ck_assert_int_eq(cs_engine_run_until(e, 10.0), CS_OK);
	ck_assert_int_eq((int)l.n, 4);
	ck_assert_uint_eq(l.e[0].id, 4);
	ck_assert_uint_eq(l.e[1].id, 2);
	ck_assert_uint_eq(l.e[2].id, 10);
	ck_assert_uint_eq(l.e[3].id, 3);
	ck_assert(l.e[2].t == 2.0);
	free(l.e);
	cs_engine_free(e);
}
END_TEST

/* Random schedules, cancels and moves against a list kept by hand: what
 * runs is exactly what is left, in (time, sequence) order. */
START_TEST(engine_random_cancel_and_move_keep_order)
{
	enum { N = 20000 };
	cs_engine *e = engine();
	elog l = { 0 };
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	cs_event_id *id = calloc(N, sizeof *id);
	double *t = calloc(N, sizeof *t);
	uint64_t *seq = calloc(N, sizeof *seq);
	bool *live = calloc(N, sizeof *live);
	size_t i, k, nlive = 0;

	ck_assert(r && id && t && seq && live);
	gsl_rng_set(r, 99);
	for (i = 0; i < N; i++) {
		/* a coarse grid: many ties */
		t[i] = 1 + floor(gsl_rng_uniform(r) * 500) / 4;
		seq[i] = e->seq;
		ck_assert_int_eq(cs_engine_schedule_id(e, t[i], record, &l, i,
		                                       &id[i]), CS_OK);
		live[i] = true;
		nlive++;
		/* now and then cancel or move an earlier one */
		k = (size_t)gsl_rng_uniform_int(r, i + 1);
		if (gsl_rng_uniform(r) < 0.3) {
			ck_assert(cs_engine_cancel(e, id[k]) == live[k]);
			nlive -= live[k];
			live[k] = false;
		} else if (gsl_rng_uniform(r) < 0.3 && live[k]) {
			t[k] = 1 + floor(gsl_rng_uniform(r) * 500) / 4;
			seq[k] = e->seq;
			ck_assert_int_eq(cs_engine_move(e, &id[k], t[k], record, &l,
			                                k), CS_OK);
		}
	}
	ck_assert_uint_eq(cs_engine_pending(e), nlive);
	ck_assert_int_eq(cs_engine_run_until(e, 1e9), CS_OK);
	ck_assert_uint_eq(l.n, nlive);
	for (i = 0; i < l.n; i++) {
		ck_assert(live[l.e[i].id]);
		ck_assert(l.e[i].t == t[l.e[i].id]);
		if (i > 0) {
			uint64_t a = l.e[i - 1].id, b = l.e[i].id;

			ck_assert(t[a] < t[b] || (t[a] == t[b] && seq[a] < seq[b]));
		}
	}
	free(id);
	free(t);
	free(seq);
	free(live);
	free(l.e);
	gsl_rng_free(r);
	cs_engine_free(e);
}
END_TEST

START_TEST(engine_free_null_is_noop)
{
	cs_engine *e = engine();
	elog l = { 0 };

	cs_engine_free(NULL);
	/* freeing with events still pending must not leak (valgrind) */
	sched(e, 1.0, &l, 1);
	sched(e, 2.0, &l, 2);
	ck_assert_int_eq((int)cs_engine_pending(e), 2);
	cs_engine_free(e);
	ck_assert_int_eq((int)l.n, 0);
}
END_TEST

/* A broken invariant names its file, line and what broke, then aborts. */
START_TEST(engine_assert_names_file_and_line)
{
	int fd[2], status;
	char buf[512] = { 0 };
	ssize_t got;
	pid_t pid;

	ck_assert_int_eq(pipe(fd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(fd[1], 2);
		close(fd[0]);
		cs_assert(1 + 1 == 3, "arithmetic holds");
		_exit(0); /* not reached */
	}
	close(fd[1]);
	got = read(fd[0], buf, sizeof buf - 1);
	close(fd[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
	ck_assert_int_gt(got, 0);
	ck_assert_has(buf, "capsim: internal error at ");
	ck_assert_has(buf, "test-engine.c:");
	ck_assert_has(buf, "arithmetic holds (1 + 1 == 3 is false)");
	/* assertions that hold cost nothing visible */
	cs_assert(2 + 2 == 4, "arithmetic holds");
}
END_TEST

static Suite *
engine_suite(void)
{
	Suite *s = suite_create("engine");
	TCase *tc = tcase_create("engine");

	tcase_add_test(tc, engine_assert_names_file_and_line);
	tcase_add_test(tc, engine_orders_by_time);
	tcase_add_test(tc, engine_ties_fifo_by_insertion_sequence);
	tcase_add_test(tc, engine_clamps_past_times);
	tcase_add_test(tc, engine_run_until_stops_and_sets_clock);
	tcase_add_test(tc, engine_stop_ends_run_at_the_stopping_event);
	tcase_add_test(tc, engine_grows_past_1024_pending);
	tcase_add_test(tc, engine_many_random_events_pop_sorted);
	tcase_add_test(tc, engine_skewed_gaps_pop_sorted);
	tcase_add_test(tc, engine_now_ring_keeps_fifo_order_while_growing);
	tcase_add_test(tc, engine_cancel_removes_only_pending_events);
	tcase_add_test(tc, engine_move_orders_as_a_new_event);
	tcase_add_test(tc, engine_random_cancel_and_move_keep_order);
	tcase_add_test(tc, engine_free_null_is_noop);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return cs_test_run(engine_suite());
}
