/* The event list: a 4-ary heap in one array. */
#include <stdlib.h>

#include "sim/engine.h"

cs_engine *
cs_engine_new(void)
{
	cs_engine *e = calloc(1, sizeof *e);

	if (!e)
		return NULL;
	e->cap = 1024;
	e->heap = malloc(e->cap * sizeof *e->heap);
	if (!e->heap) {
		free(e);
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
	free(e);
}

static inline bool
before(const cs_event *a, const cs_event *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

cs_status
cs_engine_schedule(cs_engine *e, double t, cs_handler fn, void *data,
                   uint64_t arg)
{
	cs_event ev;
	size_t i;

	if (e->n == e->cap) {
		size_t ncap = e->cap * 2;
		cs_event *nh = realloc(e->heap, ncap * sizeof *nh);

		if (!nh) {
			e->nomem = true;
			return CS_ERR_NOMEM;
		}
		e->heap = nh;
		e->cap = ncap;
	}
	ev.t = t < e->now ? e->now : t;
	ev.seq = e->seq++;
	ev.fn = fn;
	ev.data = data;
	ev.arg = arg;
	/* sift up: O(log4 n) */
	i = e->n++;
	while (i > 0) {
		size_t p = (i - 1) / 4;

		if (!before(&ev, &e->heap[p]))
			break;
		e->heap[i] = e->heap[p];
		i = p;
	}
	e->heap[i] = ev;
	return CS_OK;
}

/* Remove the root; O(4 log4 n) comparisons. */
static void
pop(cs_engine *e, cs_event *out)
{
	cs_event last;
	size_t i = 0, n;

	*out = e->heap[0];
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

bool
cs_engine_step(cs_engine *e)
{
	cs_event ev;

	if (e->n == 0)
		return false;
	pop(e, &ev);
	e->now = ev.t;
	e->executed++;
	ev.fn(e, ev.data, ev.arg);
	return true;
}

cs_status
cs_engine_run_until(cs_engine *e, double t)
{
	e->stopped = false;
	while (e->n > 0 && e->heap[0].t <= t && !e->stopped) {
		cs_event ev;

		pop(e, &ev);
		e->now = ev.t;
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
