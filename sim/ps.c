/* Processor sharing by a virtual clock; see ps.h. */
#include <stdlib.h>

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
	cs_tstat_init(&ps->busy, 0, 0);
	return ps->heap ? CS_OK : CS_ERR_NOMEM;
}

void
cs_ps_destroy(cs_ps *ps)
{
	free(ps->heap);
	ps->heap = NULL;
	ps->n = ps->cap = 0;
}

double
cs_ps_rate(const cs_ps *ps, size_t n)
{
	double active, u;

	if (n == 0)
		return 1;
	active = n < ps->cores ? (double)n : (double)ps->cores;
	u = 1 + ps->sigma * (double)(n - 1) + ps->kappa * (double)n * (double)(n - 1);
	return active / ((double)n * u);
}

static inline int
earlier(const cs_ps_job *a, const cs_ps_job *b)
{
	return a->vfinish < b->vfinish ||
	       (a->vfinish == b->vfinish && a->seq < b->seq);
}

static void
advance(cs_ps *ps, double now)
{
	if (ps->n > 0)
		ps->v += (now - ps->last) * ps->rate;
	ps->last = now;
}

static void fire(cs_engine *e, void *data, uint64_t gen);

/* Point the one pending event at the earliest job. */
static void
reschedule(cs_ps *ps, cs_engine *e)
{
	double dv;

	ps->gen++;
	cs_tstat_set(&ps->busy, e->now,
	             ps->n < ps->cores ? (double)ps->n : (double)ps->cores);
	if (ps->n == 0) {
		cs_engine_cancel(e, ps->ev);
		ps->ev = 0;
		return;
	}
	ps->rate = cs_ps_rate(ps, ps->n);
	dv = ps->heap[0]->vfinish - ps->v;
	if (dv < 0)
		dv = 0;
	cs_engine_move(e, &ps->ev, e->now + dv / ps->rate, fire, ps, ps->gen);
}

static void
fire(cs_engine *e, void *data, uint64_t gen)
{
	cs_ps *ps = data;
	cs_ps_job *job, *last;
	size_t i = 0, n;

	ps->ev = 0; /* it ran */
	if (gen != ps->gen)
		return; /* superseded by a later change */
	advance(ps, e->now);
	job = ps->heap[0];
	if (job->vfinish > ps->v)
		ps->v = job->vfinish; /* rounding: the event was exact */
	n = --ps->n;
	if (n > 0) {
		last = ps->heap[n];
		for (;;) {
			size_t c = 2 * i + 1;

			if (c >= n)
				break;
			if (c + 1 < n && earlier(ps->heap[c + 1], ps->heap[c]))
				c++;
			if (!earlier(ps->heap[c], last))
				break;
			ps->heap[i] = ps->heap[c];
			i = c;
		}
		ps->heap[i] = last;
	}
	reschedule(ps, e);
	ps->done(e, ps->ctx, job);
}

cs_status
cs_ps_add(cs_ps *ps, cs_engine *e, cs_ps_job *job, double work)
{
	size_t i;

	if (ps->n == ps->cap) {
		size_t ncap = ps->cap * 2;
		cs_ps_job **nh = realloc(ps->heap, ncap * sizeof *nh);

		if (!nh)
			return CS_ERR_NOMEM;
		ps->heap = nh;
		ps->cap = ncap;
	}
	advance(ps, e->now);
	ps->work_done += work;
	job->vfinish = ps->v + work;
	job->seq = ps->seq++;
	i = ps->n++;
	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (!earlier(job, ps->heap[p]))
			break;
		ps->heap[i] = ps->heap[p];
		i = p;
	}
	ps->heap[i] = job;
	reschedule(ps, e);
	return CS_OK;
}
