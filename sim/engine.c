/* The event list: a 4-ary heap of 16-byte keys in one array. */
#include <stdlib.h>

#include "sim/engine.h"

#define SLOT_MASK ((UINT64_C(1) << CS_ENGINE_SLOT_BITS) - 1)
#define MAX_PENDING ((size_t)1 << CS_ENGINE_SLOT_BITS)
#define MAX_SEQ (UINT64_C(1) << (64 - CS_ENGINE_SLOT_BITS))

/* Grow the three arrays to ncap; the new slots go on the free stack. */
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
	free(e->ring);
	free(e);
}

static inline int
before(const cs_hkey *a, const cs_hkey *b)
{
	return a->t < b->t || (a->t == b->t && a->key < b->key);
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

cs_status
cs_engine_schedule(cs_engine *e, double t, cs_handler fn, void *data,
                   uint64_t arg)
{
	cs_hkey k;
	uint32_t sl;
	size_t i;

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
	if (e->nfree == 0 &&
	    (e->cap >= MAX_PENDING ||
	     grow(e, e->cap * 2 > MAX_PENDING ? MAX_PENDING : e->cap * 2))) {
		e->nomem = true;
		return CS_ERR_NOMEM;
	}
	if (e->seq >= MAX_SEQ) {
		e->nomem = true;
		return CS_ERR_NOMEM;
	}
	sl = e->free[--e->nfree];
	e->slot[sl].fn = fn;
	e->slot[sl].data = data;
	e->slot[sl].arg = arg;
	k.t = t;
	k.key = e->seq++ << CS_ENGINE_SLOT_BITS | sl;
	/* sift up: O(log4 n) */
	i = e->n++;
	while (i > 0) {
		size_t p = (i - 1) / 4;

		if (!before(&k, &e->heap[p]))
			break;
		e->heap[i] = e->heap[p];
		i = p;
	}
	e->heap[i] = k;
	return CS_OK;
}

/* Remove the root and return its slot's event; O(4 log4 n) comparisons. */
static void
pop(cs_engine *e, cs_event *out)
{
	cs_hkey last;
	size_t i = 0, n;
	uint32_t sl = (uint32_t)(e->heap[0].key & SLOT_MASK);

	e->now = e->heap[0].t;
	*out = e->slot[sl];
	e->free[e->nfree++] = sl;
	n = --e->n;
	if (n == 0)
		return;
	last = e->heap[n];
	for (;;) {
		size_t c = 4 * i + 1, best, k, end;

		if (c >= n)
			break;
		best = c;
		end = c + 4 < n ? c + 4 : n;
		for (k = c + 1; k < end; k++)
			if (before(&e->heap[k], &e->heap[best]))
				best = k;
		if (!before(&e->heap[best], &last))
			break;
		e->heap[i] = e->heap[best];
		i = best;
	}
	e->heap[i] = last;
}

/* The ring's front comes first unless the heap holds an event at the
 * same time (the current one) that was scheduled before it. */
static inline bool
ring_first(const cs_engine *e)
{
	return e->rn > 0 &&
	       !(e->n > 0 && e->heap[0].t == e->now &&
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
	/* ring events are at now */
	while (((e->rn > 0 && e->now <= t) || (e->n > 0 && e->heap[0].t <= t)) &&
	       !e->stopped) {
		cs_event ev;

		next(e, &ev);
		e->executed++;
		ev.fn(e, ev.data, ev.arg);
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
