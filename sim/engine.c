/* The event list: a 4-ary heap of 16-byte keys in one array. */
#include <stdlib.h>
#include <string.h>

#include "sim/check.h"
#include "sim/engine.h"

#define SLOT_MASK ((UINT64_C(1) << CS_ENGINE_SLOT_BITS) - 1)
#define MAX_PENDING ((size_t)1 << CS_ENGINE_SLOT_BITS)
#define MAX_SEQ (UINT64_C(1) << (64 - CS_ENGINE_SLOT_BITS))

/* Grow the four arrays to ncap; the new slots go on the free stack. */
static int
grow(cs_engine *e, size_t ncap)
{
	cs_hkey *h = realloc(e->heap, ncap * sizeof *h);
	cs_event *s;
	uint32_t *f;
	size_t i;

	if (!h)
		return -1;
	e->heap = h;
	s = realloc(e->slot, ncap * sizeof *s);
	if (!s)
		return -1;
	e->slot = s;
	f = realloc(e->free, ncap * sizeof *f);
	if (!f)
		return -1;
	e->free = f;
	f = realloc(e->pos, ncap * sizeof *f);
	if (!f)
		return -1;
	e->pos = f;
	/* highest first, so slot 0 is used first */
	for (i = ncap; i-- > e->cap;)
		e->free[e->nfree++] = (uint32_t)i;
	e->cap = ncap;
	return 0;
}

cs_engine *
cs_engine_new(void)
{
	cs_engine *e = calloc(1, sizeof *e);

	if (!e)
		return NULL;
	e->seq = 1; /* no key is 0: an id of 0 means none */
	if (grow(e, 1024)) {
		cs_engine_free(e);
		return NULL;
	}
	return e;
}

void
cs_engine_free(cs_engine *e)
{
	if (!e)
		return;
	free(e->heap);
	free(e->slot);
	free(e->free);
	free(e->pos);
	free(e->ring);
	free(e);
}

__extension__ typedef unsigned __int128 u128;

/* Times in the heap are >= now >= 0 (+0), where the bit patterns of doubles order
 * as the values do: (time, key) compares as one 128-bit integer, without
 * branches.  (A NaN time lands in the heap too; its bits sort it after
 * every number, so run_until never reaches it.) */
static inline int
before(const cs_hkey *a, const cs_hkey *b)
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

/* Put key k at heap index i and tell its slot. */
static inline void
put(cs_engine *e, size_t i, cs_hkey k)
{
	e->heap[i] = k;
	e->pos[k.key & SLOT_MASK] = (uint32_t)i;
}

/* Move key k up from the hole at i to its place: O(log4 n). */
static void
sift_up(cs_engine *e, size_t i, cs_hkey k)
{
	while (i > 0) {
		size_t p = (i - 1) / 4;

		if (!before(&k, &e->heap[p]))
			break;
		put(e, i, e->heap[p]);
		i = p;
	}
	put(e, i, k);
}

/* The earlier of heap entries a and b (indices). */
static inline size_t
min2(const cs_hkey *h, size_t a, size_t b)
{
	/* a select by mask, not a branch: which child is earlier is a coin
	 * toss the branch predictor loses half the time */
	size_t lt = (size_t)before(&h[b], &h[a]);

	return a ^ ((a ^ b) & (0 - lt));
}

/* Move key k down from the hole at i to its place, n keys in the heap:
 * O(log4 n), 3 comparisons to find a node's earliest child and one to
 * compare it with k per level. */
static void
sift_down(cs_engine *e, size_t i, cs_hkey k)
{
	cs_hkey *h = e->heap;
	size_t n = e->n, c, best;

	/* levels where all four children exist: no bounds checks inside */
	while ((c = 4 * i + 1) + 3 < n) {
		best = min2(h, min2(h, c, c + 1), min2(h, c + 2, c + 3));
		if (!before(&h[best], &k))
			goto done;
		put(e, i, h[best]);
		i = best;
	}
	/* the last parent may have fewer */
	if (c < n) {
		best = c;
		for (c++; c < n; c++)
			best = min2(h, best, c);
		if (before(&h[best], &k)) {
			put(e, i, h[best]);
			i = best;
		}
	}
done:
	put(e, i, k);
}

/* A free slot holding fn(data, arg), and a key for it at time t; -1 when
 * the arrays cannot grow or the sequence is spent. */
static int
new_key(cs_engine *e, double t, cs_handler fn, void *data, uint64_t arg,
        cs_hkey *k)
{
	uint32_t sl;

	if (e->nfree == 0 &&
	    (e->cap >= MAX_PENDING ||
	     grow(e, e->cap * 2 > MAX_PENDING ? MAX_PENDING : e->cap * 2)))
		return -1;
	if (e->seq >= MAX_SEQ)
		return -1;
	sl = e->free[--e->nfree];
	e->slot[sl].fn = fn;
	e->slot[sl].data = data;
	e->slot[sl].arg = arg;
	k->tb = tbits(t);
	k->key = e->seq++ << CS_ENGINE_SLOT_BITS | sl;
	return 0;
}

cs_status
cs_engine_schedule(cs_engine *e, double t, cs_handler fn, void *data,
                   uint64_t arg)
{
	cs_hkey k;

	cs_assert(t == t, "an event's time is a number");
	if (t <= e->now) {
		/* now (or clamped to now): the back of the ring, O(1) */
		cs_nowev *q;

		if ((e->rn == e->rcap && ring_grow(e)) || e->seq >= MAX_SEQ) {
			e->nomem = true;
			return CS_ERR_NOMEM;
		}
		q = &e->ring[(e->rhead + e->rn++) & (e->rcap - 1)];
		q->ev.fn = fn;
		q->ev.data = data;
		q->ev.arg = arg;
		q->seq = e->seq++;
		return CS_OK;
	}
	if (new_key(e, t, fn, data, arg, &k)) {
		e->nomem = true;
		return CS_ERR_NOMEM;
	}
	sift_up(e, e->n++, k);
	return CS_OK;
}

cs_status
cs_engine_schedule_id(cs_engine *e, double t, cs_handler fn, void *data,
                      uint64_t arg, cs_event_id *id)
{
	cs_hkey k;

	cs_assert(t == t, "an event's time is a number");
	/* clamped, but in the heap: a ring entry could not be cancelled */
	if (!(t > e->now) && !(t != t))
		t = e->now;
	if (new_key(e, t, fn, data, arg, &k)) {
		e->nomem = true;
		*id = 0;
		return CS_ERR_NOMEM;
	}
	*id = k.key;
	sift_up(e, e->n++, k);
	return CS_OK;
}

/* Where pending event id's key is in the heap, or -1. */
static inline long
find(const cs_engine *e, cs_event_id id)
{
	uint64_t sl = id & SLOT_MASK;
	uint32_t pos;

	if (id == 0 || sl >= e->cap)
		return -1;
	pos = e->pos[sl];
	/* a slot run or cancelled keeps a stale pos: the key tells */
	if (pos >= e->n || e->heap[pos].key != id)
		return -1;
	return (long)pos;
}

/* Put key k in the hole at i, up or down as it belongs. */
static void
refill(cs_engine *e, size_t i, cs_hkey k)
{
	if (i > 0 && before(&k, &e->heap[(i - 1) / 4]))
		sift_up(e, i, k);
	else
		sift_down(e, i, k);
}

bool
cs_engine_cancel(cs_engine *e, cs_event_id id)
{
	long i = find(e, id);
	size_t n;

	if (i < 0)
		return false;
	e->free[e->nfree++] = (uint32_t)(id & SLOT_MASK);
	n = --e->n;
	if ((size_t)i < n)
		refill(e, (size_t)i, e->heap[n]);
	return true;
}

cs_status
cs_engine_move(cs_engine *e, cs_event_id *id, double t, cs_handler fn,
               void *data, uint64_t arg)
{
	long i = find(e, *id);
	cs_hkey k;

	if (i < 0)
		return cs_engine_schedule_id(e, t, fn, data, arg, id);
	if (e->seq >= MAX_SEQ) {
		e->nomem = true;
		return CS_ERR_NOMEM;
	}
	if (!(t > e->now) && !(t != t))
		t = e->now;
	/* the same slot, a new sequence: the order of a fresh schedule */
	k.tb = tbits(t);
	k.key = e->seq++ << CS_ENGINE_SLOT_BITS | (*id & SLOT_MASK);
	e->slot[k.key & SLOT_MASK].fn = fn;
	e->slot[k.key & SLOT_MASK].data = data;
	e->slot[k.key & SLOT_MASK].arg = arg;
	*id = k.key;
	refill(e, (size_t)i, k);
	return CS_OK;
}

/* Remove the root and return its slot's event. */
static void
pop(cs_engine *e, cs_event *out)
{
	uint32_t sl = (uint32_t)(e->heap[0].key & SLOT_MASK);
	size_t n;

	e->now = btime(e->heap[0].tb);
	*out = e->slot[sl];
	e->free[e->nfree++] = sl;
	n = --e->n;
	if (n > 0)
		sift_down(e, 0, e->heap[n]);
}

/* The ring's front comes first unless the heap holds an event at the
 * same time (the current one) that was scheduled before it. */
static inline bool
ring_first(const cs_engine *e)
{
	return e->rn > 0 &&
	       !(e->n > 0 && e->heap[0].tb == tbits(e->now) &&
	         e->heap[0].key >> CS_ENGINE_SLOT_BITS <
	         e->ring[e->rhead].seq);
}

/* Take the next event (one is pending) and advance the clock to it. */
static inline void
next(cs_engine *e, cs_event *out)
{
	if (ring_first(e)) {
		*out = e->ring[e->rhead].ev;
		e->rhead = (e->rhead + 1) & (e->rcap - 1);
		e->rn--;
		return;
	}
	pop(e, out);
}

bool
cs_engine_step(cs_engine *e)
{
	cs_event ev;

	if (e->n == 0 && e->rn == 0)
		return false;
	next(e, &ev);
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

		if (ring_first(e)) {
			/* ring events are at now */
			if (e->now > t)
				break;
			ev = e->ring[e->rhead].ev;
			e->rhead = (e->rhead + 1) & (e->rcap - 1);
			e->rn--;
		} else {
			if (e->n == 0 || !(btime(e->heap[0].tb) <= t))
				break;
			pop(e, &ev);
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
