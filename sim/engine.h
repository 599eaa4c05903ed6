/*
 * sim/engine — the clock and the event list.
 *
 * The pending events are kept in a calendar queue (R. Brown, "Calendar
 * queues", CACM 31(10), 1988): a ring of nb buckets, each "a day" of
 * simulated time long; an event at time t goes to bucket floor(t / day)
 * mod nb, in a list ordered by (time, insertion sequence), so ties break
 * in scheduling order and runs are reproducible.  The earliest event is
 * the first of the current day's bucket when it falls on that day, else
 * of the next day's, one year (nb days) at most, else a look at every
 * bucket.  The calendar is rebuilt when the events outgrow (or shrink
 * below) its buckets, when finding them takes more than four buckets an
 * event, or when a day holds 16 events or more (a day set while events
 * were sparse makes every schedule walk a long list): a day then lasts
 * 0.75 x the mean gap between the 25 earliest events.  Scheduling and
 * taking an event cost O(1) on average whatever the number pending (a
 * heap's cost grows with it: here mostly the thinking users' timers);
 * nothing is allocated per event once the arrays have grown.  A key
 * (time; sequence and slot packed in one word) compares as one 128-bit
 * integer: a time is always >= +0, so its bits order as its value does.
 *
 * The earliest event is kept known rather than searched for at each step:
 * an event that becomes the first of its bucket on the calendar's day (or
 * earlier) is the earliest; taking the earliest leaves its successor in the
 * bucket as the earliest when it is on the same day, or else the first of
 * the next day's bucket when that is on its day, or of the day after's (a
 * day holds about one event; the three are looked at together and the
 * answer chosen without a branch, since which it is goes either way at
 * random); only otherwise is the calendar searched.  A
 * slot is one 64-byte record holding both the event (handler, data,
 * argument) and its place in the calendar, and the free slots are a list
 * through the records.  Slot 0 is no event but every bucket's end (an
 * empty bucket holds it): its time and key sort after every event's and
 * its day is none, so walking a bucket, or asking whether a bucket's first
 * is on a day, tests no end of list (a branch the processor could not
 * predict, taken or not at random; a tenth of 500u.yaml's time).  The hot
 * paths are inline and their rare parts
 * (growing, rebuilding) tail calls, so scheduling an event is one call
 * without a stack frame, a hand-off to the ring none.
 *
 * An event for the current time (a hand-off: a freed worker or connection
 * resumes its next waiter "now") skips the calendar: it goes to the back
 * of a FIFO ring, O(1), and the loop takes the ring's front before any
 * calendar event except one at the same time with a smaller sequence.
 * Every event in the ring is at the current time and the ring is in
 * sequence order, so that merge is the same (time, sequence) order the
 * calendar alone would give.
 *
 * A timer that usually does not fire (an acquire timeout, most waits end
 * with a grant) or that moves (a processor-sharing station's next
 * completion) is scheduled with an id and cancelled or moved through it,
 * O(1): each slot is its own list node.  Left pending, such timers made
 * up a quarter of scenarios/500u.yaml's events and most of its pending
 * ones (every pool wait left a 30 s timer behind).
 * Cancelling one changes nothing but the count of events run; moving one
 * gives it a new sequence, exactly as scheduling a new one would.
 *
 * The engine knows nothing about requests or databases: a handler is a
 * function pointer with a data pointer and a 64-bit argument (components
 * use the argument as a generation number to ignore stale timers).
 */
#ifndef CS_SIM_ENGINE_H
#define CS_SIM_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capsim.h"
#include "sim/check.h"

typedef struct cs_engine cs_engine;
typedef void (*cs_handler)(cs_engine *e, void *data, uint64_t arg);

/* Bits of an event's key given to its slot; the rest order by sequence. */
#define CS_ENGINE_SLOT_BITS 24

typedef struct cs_event {
	cs_handler fn;
	void *data;
	uint64_t arg;
} cs_event;


/* A pending event's id (its key), for cancelling or moving it; 0 is
 * no event.  Ids are never reused within a run. */
typedef uint64_t cs_event_id;

/* An event in the ring of events for the current time. */
typedef struct cs_nowev {
	cs_event ev;
	uint64_t seq;   /* insertion sequence, as in a key */
} cs_nowev;

/* A slot: a pending event's place in the calendar and what it calls, in
 * one record of 64 bytes, so taking an event reads one place and finding
 * a slot's record is a shift. */
typedef struct cs_cqnode {
	uint64_t tb;       /* time: the bits of a double >= +0 */
	uint64_t key;      /* sequence << SLOT_BITS | slot; 0: not pending */
	uint64_t day;      /* floor(time / width): which bucket, which year */
	uint32_t next, prev; /* the bucket's list, in (time, key) order; a
	                    * free slot: next is the next free one */
	cs_event ev;       /* what it calls */
	uint64_t unused;   /* to 64 bytes */
} cs_cqnode;

struct cs_engine {
	double now;        /* seconds, simulated */
	uint64_t seq;
	uint64_t executed; /* events run so far */
	cs_cqnode *node;   /* the slots */
	uint32_t freelist; /* the first unused slot, or none */
	size_t n, cap;
	uint32_t *bucket;  /* each bucket's earliest node (slot), or none */
	size_t nb;         /* buckets: a power of 2 */
	size_t mask;       /* nb - 1: a day's bucket is day & mask */
	size_t nlow;       /* fewer pending than this: halve the buckets */
	double width;      /* seconds a bucket covers ("a day") */
	double inv_width;
	uint64_t day;      /* no pending event is on an earlier day */
	uint32_t first;    /* the earliest pending slot once found, or none */
	size_t pops, scans; /* since the last rebuild: events taken, buckets
	                    * looked at to find them */
	bool crowd_stuck;  /* a crowded day did not shorten: do not retry */
	cs_nowev *ring;    /* events at the current time, FIFO */
	size_t rhead, rn, rcap; /* front, count, capacity (a power of 2) */
	bool stopped;
	bool nomem;        /* a schedule failed (no memory, or too many) */
};

/* Caller frees with cs_engine_free(). NULL on allocation failure. */
cs_engine *cs_engine_new(void);
void cs_engine_free(cs_engine *e);


/* As cs_engine_schedule, and *id gets the event's id (0 on failure).  The
 * event stays in the calendar even at the current time.  O(1) on average. */
cs_status cs_engine_schedule_id(cs_engine *e, double t, cs_handler fn,
                                void *data, uint64_t arg, cs_event_id *id);

/* Remove a pending event.  False when id is 0, or the event has run or
 * been cancelled already (then nothing happens).  O(1). */
bool cs_engine_cancel(cs_engine *e, cs_event_id id);

/* Cancel *id if pending and schedule fn(e, data, arg) at t (clamped to
 * now) in its place: the new event gets a new sequence and *id its id, as
 * cancelling and scheduling would.  O(1) on average. */
cs_status cs_engine_move(cs_engine *e, cs_event_id *id, double t,
                         cs_handler fn, void *data, uint64_t arg);

static inline double
cs_engine_now(const cs_engine *e)
{
	return e->now;
}

/* Sequences run out here (the rest of a key is the slot). */
#define CS_ENGINE_MAX_SEQ (UINT64_C(1) << (64 - CS_ENGINE_SLOT_BITS))

/* The halves of cs_engine_schedule that are not inline: the calendar (t
 * after now), and the ring when it is full or the sequence spent. */
cs_status cs_engine_schedule_later(cs_engine *e, double t, cs_handler fn,
                                   void *data, uint64_t arg);
cs_status cs_engine_schedule_now_slow(cs_engine *e, cs_handler fn,
                                      void *data, uint64_t arg);

/* cs_engine_schedule(e, cs_engine_now(e), fn, data, arg): a hand-off to
 * the back of the ring, inline while the ring has room. */
static inline cs_status
cs_engine_schedule_now(cs_engine *e, cs_handler fn, void *data,
                       uint64_t arg)
{
	cs_nowev *q;

	if (e->rn == e->rcap || e->seq >= CS_ENGINE_MAX_SEQ)
		return cs_engine_schedule_now_slow(e, fn, data, arg);
	q = &e->ring[(e->rhead + e->rn++) & (e->rcap - 1)];
	q->ev.fn = fn;
	q->ev.data = data;
	q->ev.arg = arg;
	q->seq = e->seq++;
	return CS_OK;
}

/* Schedule fn(e, data, arg) at absolute time t (>= now; earlier is clamped
 * to now).  O(1) on average.  Fails only when the arrays cannot grow.
 * Inline, as every event's scheduling is: the choice of half. */
static inline cs_status
cs_engine_schedule(cs_engine *e, double t, cs_handler fn, void *data,
                   uint64_t arg)
{
	cs_assert(t == t, "an event's time is a number");
	if (t > e->now)
		return cs_engine_schedule_later(e, t, fn, data, arg);
	/* now (or clamped to now): the back of the ring, O(1) */
	return cs_engine_schedule_now(e, fn, data, arg);
}

/* Run the earliest event.  Returns false when none is pending. */
bool cs_engine_step(cs_engine *e);

/* Run events with time <= t, then set the clock to t.  Stops early when a
 * handler calls cs_engine_stop().  Returns CS_ERR_NOMEM if scheduling ever
 * failed during the run. */
cs_status cs_engine_run_until(cs_engine *e, double t);

void cs_engine_stop(cs_engine *e);

static inline size_t
cs_engine_pending(const cs_engine *e)
{
	return e->n + e->rn;
}

#endif
