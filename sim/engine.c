/* The event list: a calendar queue of buckets, one list node per slot. */
#include <stdlib.h>
#include <string.h>

#include "sim/check.h"
#include "sim/engine.h"

#define SLOT_MASK ((UINT64_C(1) << CS_ENGINE_SLOT_BITS) - 1)
#define MAX_PENDING ((size_t)1 << CS_ENGINE_SLOT_BITS)
#define MAX_SEQ CS_ENGINE_MAX_SEQ

#define NONE UINT32_MAX
/* Slot 0 is no event: the end of every bucket's list (an empty bucket
 * holds it), its time and key after every event's and its day no day's,
 * so a walk or a look at a bucket's first needs no test for the end.  Its
 * links are written (to no effect) and never read. */
#define SENT 0u
#define SENT_DAY (UINT64_MAX - 1)
/* days past this (and NaN times) share the last day: bucket nb - 1, in
 * time order, found only when nothing earlier is pending */
#define LAST_DAY UINT64_MAX
#define MIN_BUCKETS 64
#define WIDTH_GAPS 0.75
#define CROWDED 16 /* events a day: the day is too long, rebuild */


/* Grow the slot array to ncap; the new slots go on the free list, lowest
 * first, so slot 0 is used first. */
static int
grow(cs_engine *e, size_t ncap)
{
	cs_cqnode *nd = realloc(e->node, ncap * sizeof *nd);
	size_t i;

	if (!nd)
		return -1;
	e->node = nd;
	for (i = ncap; i-- > e->cap;) {
		if (i == SENT) {
			nd[i].tb = UINT64_MAX;
			nd[i].key = UINT64_MAX;
			nd[i].day = SENT_DAY;
			nd[i].next = nd[i].prev = SENT;
			continue;
		}
		nd[i].key = 0;
		nd[i].next = e->freelist;
		e->freelist = (uint32_t)i;
	}
	e->cap = ncap;
	return 0;
}

cs_engine *
cs_engine_new(void)
{
	cs_engine *e = calloc(1, sizeof *e);
	size_t i;

	if (!e)
		return NULL;
	e->seq = 1; /* no key is 0: an id of 0 means none */
	e->first = NONE;
	e->freelist = NONE;
	e->nb = MIN_BUCKETS;
	e->mask = MIN_BUCKETS - 1;
	e->width = 1e-3;
	e->inv_width = 1e3;
	e->bucket = malloc(e->nb * sizeof *e->bucket);
	if (!e->bucket || grow(e, 1024)) {
		cs_engine_free(e);
		return NULL;
	}
	for (i = 0; i < e->nb; i++)
		e->bucket[i] = SENT;
	return e;
}

void
cs_engine_free(cs_engine *e)
{
	if (!e)
		return;
	free(e->node);
	free(e->bucket);
	free(e->ring);
	free(e);
}

__extension__ typedef unsigned __int128 u128;

/* Times in the calendar are >= now >= 0 (+0), where the bit patterns of
 * doubles order as the values do: (time, key) compares as one 128-bit
 * integer, without branches.  (A NaN time is pending too; its bits sort
 * it after every number, so run_until never reaches it.) */
static inline int
before(const cs_cqnode *a, const cs_cqnode *b)
{
	return ((u128)a->tb << 64 | a->key) < ((u128)b->tb << 64 | b->key);
}

static inline uint64_t
tbits(double t)
{
	uint64_t b;

	memcpy(&b, &t, sizeof b);
	return b;
}

static inline double
btime(uint64_t b)
{
	double t;

	memcpy(&t, &b, sizeof t);
	return t;
}

/* The day of time t: floor(t / width), monotone in t; LAST_DAY for NaN
 * and times too far to count in days. */
static inline uint64_t
day_of(const cs_engine *e, double t)
{
	double d = t * e->inv_width;

	if (!(d < 4e18))
		return LAST_DAY;
	return (uint64_t)(int64_t)d; /* < 2^63: the signed conversion, one
	                              * instruction */
}

/* Double the ring, unwrapping it; 0 on success. */
static int
ring_grow(cs_engine *e)
{
	size_t ncap = e->rcap ? 2 * e->rcap : 256, i;
	cs_nowev *r = malloc(ncap * sizeof *r);

	if (!r || ncap > MAX_PENDING) {
		free(r);
		return -1;
	}
	for (i = 0; i < e->rn; i++)
		r[i] = e->ring[(e->rhead + i) & (e->rcap - 1)];
	free(e->ring);
	e->ring = r;
	e->rhead = 0;
	e->rcap = ncap;
	return 0;
}

/* The hot paths below are inlined into the few public functions so that
 * scheduling an event or taking one is one call, not four. */
#define HOT static inline __attribute__((always_inline))

_Static_assert(sizeof(cs_cqnode) == 64, "a slot's record is 64 bytes");

/* Put pending slot sl (its tb and key set) in its bucket, in (time, key)
 * order, and keep the calendar's day and earliest slot right: a new
 * first of its bucket on the calendar's day or before is the earliest
 * (every event of its day is in that bucket, none is on an earlier
 * day); an event put after another is not.  So e->first, when known, is
 * always on the calendar's day. */
HOT void
link_in(cs_engine *e, uint32_t sl)
{
	cs_cqnode *nd = e->node, *x = &nd[sl];
	uint64_t day = day_of(e, btime(x->tb));
	uint32_t *head = &e->bucket[day & e->mask];
	uint32_t p, c;

	x->day = day;
	p = SENT;
	c = *head;
	while (before(&nd[c], x)) { /* the end is after every event */
		p = c;
		c = nd[c].next;
	}
	x->prev = p;
	x->next = c;
	if (p == SENT)
		*head = sl;
	else
		nd[p].next = sl;
	nd[c].prev = sl;
	if (p == SENT && day <= e->day) {
		e->day = day;
		e->first = sl;
	}
}

/* Take pending slot sl out of its bucket.  When it was the earliest, the
 * next in its bucket is the earliest now if it is on the same day (every
 * event of that day is in that bucket, in order, and every later day's
 * is later): the next look need not search. */
HOT void
unlink_out(cs_engine *e, uint32_t sl)
{
	cs_cqnode *nd = e->node, *x = &nd[sl];
	uint32_t p = x->prev, c = x->next;

	if (p == SENT)
		e->bucket[x->day & e->mask] = c;
	else
		nd[p].next = c;
	nd[c].prev = p;
	x->key = 0;
	if (e->first == sl)
		e->first = nd[c].day == x->day ? c : NONE;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	if (x != x || y != y) /* NaN last, as the keys order it */
		return (x != x) - (y != y);
	return (x > y) - (x < y);
}

/*
 * Rebuild the calendar with nb buckets (a power of 2) and a day as long
 * as three times the mean gap between the earliest pending events (the
 * calendar queue's rule, R. Brown 1988), so the next events sit a bucket
 * or two apart.  On failure the calendar stays as it was.
 */
static void
rebuild(cs_engine *e, size_t nb)
{
	uint32_t *b = malloc(nb * sizeof *b), *all;
	double *t, w;
	size_t i, k, m = 0;

	if (nb != e->nb)
		e->crowd_stuck = false;
	if (!b)
		return;
	all = malloc((e->n + 1) * sizeof *all);
	t = malloc((e->n + 1) * sizeof *t);
	if (!all || !t) {
		free(b);
		free(all);
		free(t);
		return;
	}
	for (i = 0; i < e->nb; i++) {
		uint32_t c;

		for (c = e->bucket[i]; c != SENT; c = e->node[c].next) {
			all[m] = c;
			t[m] = btime(e->node[c].tb);
			m++;
		}
	}
	cs_assert(m == e->n, "every pending event is in a bucket");
	qsort(t, m, sizeof *t, cmp_double);
	k = m < 25 ? m : 25;
	w = 0;
	while (k > 1 && !(t[k - 1] == t[k - 1] && t[k - 1] < 1e300))
		k--; /* NaN and the far end do not set the day */
	if (k > 1)
		w = WIDTH_GAPS * (t[k - 1] - t[0]) / (double)(k - 1);
	if (m == 0 || !(w > 1e-9 * (t[0] > 1 ? t[0] : 1)))
		w = e->width; /* none, or all at once: keep the day */
	free(t);
	free(e->bucket);
	e->bucket = b;
	e->nb = nb;
	e->mask = nb - 1;
	e->width = w;
	e->inv_width = 1 / w;
	for (i = 0; i < nb; i++)
		b[i] = SENT;
	e->nlow = nb > MIN_BUCKETS ? nb / 8 : 0;
	e->day = LAST_DAY;
	e->first = NONE;
	e->pops = e->scans = 0;
	for (i = 0; i < m; i++)
		link_in(e, all[i]);
	free(all);
}

/* The earliest pending slot (one is pending, e->first is not known): the
 * bucket of the calendar's day holds it when its first event is on that
 * day; otherwise the next day's, for one year (nb days); after that a
 * direct look at every bucket. */
static uint32_t
earliest(cs_engine *e)
{
	cs_cqnode *nd = e->node;
	uint64_t d = e->day;
	size_t i, mask = e->mask, lim;
	uint32_t best = SENT;

	/* one year of days, or up to LAST_DAY's (not counted in days) */
	lim = LAST_DAY - d < e->nb ? (size_t)(LAST_DAY - d) : e->nb;

	for (i = 0; i < lim; i++, d++) {
		uint32_t c = e->bucket[d & mask];
		uint64_t cd = nd[c].day; /* an empty bucket's: SENT_DAY */

		if (cd == d) {
			e->day = d;
			e->scans += i + 1;
			return e->first = c;
		}
		cs_assert(cd > d, "no pending event is before the calendar's day");
	}
	e->scans += i + e->nb;
	for (i = 0; i < e->nb; i++) {
		uint32_t c = e->bucket[i];

		if (before(&nd[c], &nd[best]))
			best = c;
	}
	e->day = nd[best].day;
	return e->first = best;
}

/* The earliest pending slot, or NONE. */
HOT uint32_t
first(cs_engine *e)
{
	if (e->first != NONE || e->n == 0)
		return e->first;
	return earliest(e);
}

/* Make room for one more slot; -1 when the array cannot grow. */
static int
more(cs_engine *e)
{
	if (e->cap >= MAX_PENDING)
		return -1;
	return grow(e, e->cap * 2 > MAX_PENDING ? MAX_PENDING : e->cap * 2);
}

/* The first free slot (there is one, and a sequence) holding fn(data,
 * arg), with its key at time t, pending in the calendar. */
HOT uint32_t
fill(cs_engine *e, double t, cs_handler fn, void *data, uint64_t arg)
{
	uint32_t sl = e->freelist;
	cs_cqnode *x = &e->node[sl];

	e->freelist = x->next;
	x->ev.fn = fn;
	x->ev.data = data;
	x->ev.arg = arg;
	x->tb = tbits(t);
	x->key = e->seq++ << CS_ENGINE_SLOT_BITS | sl;
	e->n++;
	link_in(e, sl);
	return sl;
}

/* cs_engine_schedule's halves that are not inline (engine.h): the
 * calendar, whose common case calls nothing (the rest are reached by tail
 * calls, so it keeps no frame for them), and a full ring or a spent
 * sequence. */
static __attribute__((noinline)) cs_status
schedule_later_grow(cs_engine *e, double t, cs_handler fn, void *data,
                    uint64_t arg)
{
	if ((e->freelist == NONE && more(e)) || e->seq >= MAX_SEQ) {
		e->nomem = true;
		return CS_ERR_NOMEM;
	}
	return cs_engine_schedule_later(e, t, fn, data, arg);
}

static __attribute__((noinline)) cs_status
calendar_grow(cs_engine *e)
{
	rebuild(e, 2 * e->nb);
	return CS_OK;
}

cs_status
cs_engine_schedule_later(cs_engine *e, double t, cs_handler fn, void *data,
                         uint64_t arg)
{
	if (e->freelist == NONE || e->seq >= MAX_SEQ)
		return schedule_later_grow(e, t, fn, data, arg);
	fill(e, t, fn, data, arg);
	if (e->n > e->nb)
		return calendar_grow(e);
	return CS_OK;
}

cs_status
cs_engine_schedule_now_slow(cs_engine *e, cs_handler fn, void *data,
                            uint64_t arg)
{
	if ((e->rn == e->rcap && ring_grow(e)) || e->seq >= MAX_SEQ) {
		e->nomem = true;
		return CS_ERR_NOMEM;
	}
	return cs_engine_schedule_now(e, fn, data, arg);
}

/* cs_engine_schedule_id after the clamp: as schedule_later, and *id. */
static cs_status schedule_id_in(cs_engine *e, double t, cs_handler fn,
                                void *data, uint64_t arg, cs_event_id *id);

static __attribute__((noinline)) cs_status
schedule_id_grow(cs_engine *e, double t, cs_handler fn, void *data,
                 uint64_t arg, cs_event_id *id)
{
	if ((e->freelist == NONE && more(e)) || e->seq >= MAX_SEQ) {
		e->nomem = true;
		*id = 0;
		return CS_ERR_NOMEM;
	}
	return schedule_id_in(e, t, fn, data, arg, id);
}

static __attribute__((noinline)) cs_status
schedule_id_in(cs_engine *e, double t, cs_handler fn, void *data,
               uint64_t arg, cs_event_id *id)
{
	uint32_t sl;

	if (e->freelist == NONE || e->seq >= MAX_SEQ)
		return schedule_id_grow(e, t, fn, data, arg, id);
	sl = fill(e, t, fn, data, arg);
	/* the key stays the slot's: a rebuild moves no slot */
	*id = e->node[sl].key;
	if (e->n > e->nb)
		return calendar_grow(e);
	return CS_OK;
}

cs_status
cs_engine_schedule_id(cs_engine *e, double t, cs_handler fn, void *data,
                      uint64_t arg, cs_event_id *id)
{
	cs_assert(t == t, "an event's time is a number");
	/* clamped, but in the calendar: a ring entry could not be cancelled */
	if (!(t > e->now) && !(t != t))
		t = e->now;
	return schedule_id_in(e, t, fn, data, arg, id);
}

/* The slot of pending event id, or NONE. */
static inline uint32_t
find(const cs_engine *e, cs_event_id id)
{
	uint64_t sl = id & SLOT_MASK;

	if (id == 0 || sl >= e->cap || e->node[sl].key != id)
		return NONE;
	return (uint32_t)sl;
}

/* Put slot sl (out of the calendar) on the free list. */
HOT void
release(cs_engine *e, uint32_t sl)
{
	e->node[sl].next = e->freelist;
	e->freelist = sl;
	e->n--;
}

bool
cs_engine_cancel(cs_engine *e, cs_event_id id)
{
	uint32_t sl = find(e, id);

	if (sl == NONE)
		return false;
	unlink_out(e, sl);
	release(e, sl);
	return true;
}

cs_status
cs_engine_move(cs_engine *e, cs_event_id *id, double t, cs_handler fn,
               void *data, uint64_t arg)
{
	uint32_t sl = find(e, *id);
	cs_cqnode *x;

	if (sl == NONE)
		return cs_engine_schedule_id(e, t, fn, data, arg, id);
	if (e->seq >= MAX_SEQ) {
		e->nomem = true;
		return CS_ERR_NOMEM;
	}
	if (!(t > e->now) && !(t != t))
		t = e->now;
	/* the same slot, a new sequence: the order of a fresh schedule */
	unlink_out(e, sl);
	x = &e->node[sl];
	x->tb = tbits(t);
	x->key = e->seq++ << CS_ENGINE_SLOT_BITS | sl;
	x->ev.fn = fn;
	x->ev.data = data;
	x->ev.arg = arg;
	*id = x->key;
	link_in(e, sl);
	return CS_OK;
}

/* Whether the next day holds CROWDED events or more: a day far longer
 * than the gaps between events (set when they were sparse) makes every
 * schedule walk its bucket's list, which the scan count does not see. */
static bool
crowded(const cs_engine *e)
{
	uint64_t d = e->day + 1;
	uint32_t c;
	size_t k = 0;

	if (e->day == LAST_DAY)
		return false;
	/* the day's events lead its bucket, in order */
	for (c = e->bucket[d & e->mask]; e->node[c].day == d;
	     c = e->node[c].next)
		if (++k >= CROWDED)
			return true;
	return false;
}

/* After a pop: halve the calendar when the events have shrunk below an
 * eighth of the buckets; every nb pops, rebuild it when finding them took
 * more than four buckets each, or when a day is crowded. */
static void
resize(cs_engine *e)
{
	double w = e->width;

	if (e->n < e->nlow) {
		rebuild(e, e->nb / 2);
	} else if (e->scans > 4 * e->pops) {
		rebuild(e, e->nb); /* the day no longer fits the events */
	} else if (!e->crowd_stuck && crowded(e)) {
		rebuild(e, e->nb);
		/* a day that did not get much shorter will not (ties): ask
		 * again only once the calendar has changed size */
		e->crowd_stuck = !(e->width < w / 2);
	} else {
		e->pops = e->scans = 0;
	}
}

/* Remove pending slot sl (the earliest), advance the clock to it and
 * return its event. */
HOT void
pop(cs_engine *e, uint32_t sl, cs_event *out)
{
	cs_cqnode *nd = e->node, *x = &nd[sl];
	uint32_t c = x->next;

	cs_assert(sl == e->first && x->prev == SENT,
	          "the earliest event is the first of its bucket");
	e->now = btime(x->tb);
	*out = x->ev;
	/* unlink_out, knowing it is the first of its bucket and the
	 * earliest */
	e->bucket[x->day & e->mask] = c;
	nd[c].prev = SENT;
	if (x->day != LAST_DAY) {
		/* its successor when on its day, else the next day's bucket's
		 * first, else the day after's (the search's next looks: a day
		 * holds about one event), chosen without a branch (the first
		 * look on its day, by a bit scan): which one it is goes either
		 * way at random */
		static const unsigned char scan[4] = { 0, 2, 3, 0 };
		uint64_t d0 = x->day;
		uint32_t cand[4], k;

		cand[0] = c;
		cand[1] = e->bucket[(d0 + 1) & e->mask];
		cand[2] = e->bucket[(d0 + 2) & e->mask];
		cand[3] = NONE;
		/* the first look that is on its day (a day is < 2^62 when not
		 * LAST_DAY: d0 + 2 is a day) */
		k = (unsigned)__builtin_ctz((nd[cand[0]].day == d0) |
		                            (nd[cand[1]].day == d0 + 1) << 1 |
		                            (nd[cand[2]].day == d0 + 2) << 2 |
		                            8u);
		cs_assert(e->day == d0, "the earliest is on the calendar's day");
		e->first = cand[k];
		e->day = d0 + (k < 3 ? k : 0); /* none: the day stays */
		e->scans += scan[k];
	} else {
		e->first = nd[c].day == x->day ? c : NONE;
	}
	x->key = 0;
	release(e, sl);
	if (e->n < e->nlow || ++e->pops >= e->nb)
		resize(e);
}

/* The ring's front (one is there) comes first unless the calendar's
 * earliest, sl (NONE: empty), is at the same time (the current one) and
 * was scheduled before it. */
HOT bool
ring_first(const cs_engine *e, uint32_t sl)
{
	return !(sl != NONE && e->node[sl].tb == tbits(e->now) &&
	         e->node[sl].key >> CS_ENGINE_SLOT_BITS <
	         e->ring[e->rhead].seq);
}

/* Take the ring's front. */
HOT void
ring_pop(cs_engine *e, cs_event *out)
{
	*out = e->ring[e->rhead].ev;
	e->rhead = (e->rhead + 1) & (e->rcap - 1);
	e->rn--;
}

bool
cs_engine_step(cs_engine *e)
{
	cs_event ev;
	uint32_t sl;

	if (e->n == 0 && e->rn == 0)
		return false;
	sl = first(e);
	if (e->rn > 0 && ring_first(e, sl))
		ring_pop(e, &ev);
	else
		pop(e, sl, &ev);
	e->executed++;
	ev.fn(e, ev.data, ev.arg);
	return true;
}

cs_status
cs_engine_run_until(cs_engine *e, double t)
{
	e->stopped = false;
	while (!e->stopped) {
		cs_event ev;
		uint32_t sl = first(e);

		if (e->rn > 0 && ring_first(e, sl)) {
			/* ring events are at now */
			if (e->now > t)
				break;
			ring_pop(e, &ev);
		} else {
			if (sl == NONE || !(btime(e->node[sl].tb) <= t))
				break;
			pop(e, sl, &ev);
		}
		e->executed++;
		ev.fn(e, ev.data, ev.arg);
#ifdef CS_FUZZ_MAX_EVENTS
		/* fuzz builds only (meson.build): bound the work of one input */
		if (e->executed >= CS_FUZZ_MAX_EVENTS) {
			e->stopped = true; /* the clock stays where it is */
			break;
		}
#endif
	}
	if (!e->stopped && e->now < t)
		e->now = t;
	return e->nomem ? CS_ERR_NOMEM : CS_OK;
}

void
cs_engine_stop(cs_engine *e)
{
	e->stopped = true;
}
