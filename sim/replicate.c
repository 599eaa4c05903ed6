/* A minimal thread pool: workers take the next replication number. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "sim/replicate.h"

typedef struct pool {
	atomic_uint next;
	unsigned first;    /* status[i - first] belongs to replication i */
	unsigned n;
	cs_sim_rep_fn fn;
	void *ctx;
	cs_status *status; /* per replication */
} pool;

static void *
worker(void *arg)
{
	pool *p = arg;
	unsigned i;

	while ((i = atomic_fetch_add(&p->next, 1)) < p->n)
		p->status[i - p->first] = p->fn(i, p->ctx);
	return NULL;
}

unsigned
cs_sim_cores(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned)n : 1;
}

cs_status
cs_sim_replicate(unsigned n, unsigned jobs, cs_sim_rep_fn fn, void *ctx)
{
	return cs_sim_replicate_range(0, n, jobs, fn, ctx);
}

cs_status
cs_sim_replicate_range(unsigned first, unsigned n, unsigned jobs,
                       cs_sim_rep_fn fn, void *ctx)
{
	pool p;
	pthread_t *th;
	unsigned i, started = 0, count = n > first ? n - first : 0;
	cs_status s = CS_OK;

	if (jobs == 0)
		jobs = cs_sim_cores();
	if (jobs > count)
		jobs = count;
	p.first = first;
	p.n = n;
	p.fn = fn;
	p.ctx = ctx;
	atomic_init(&p.next, first);
	p.status = calloc(count ? count : 1, sizeof *p.status);
	th = calloc(jobs ? jobs : 1, sizeof *th);
	if (!p.status || !th) {
		free(p.status);
		free(th);
		return CS_ERR_NOMEM;
	}
	/* the calling thread works too */
	for (i = 1; i < jobs; i++)
		if (pthread_create(&th[i], NULL, worker, &p) == 0)
			started++;
		else
			break;
	worker(&p);
	for (i = 1; i <= started; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < count; i++)
		if (p.status[i]) {
			s = p.status[i];
			break;
		}
	free(p.status);
	free(th);
	return s;
}
