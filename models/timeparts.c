/*
 * Where the time goes: each request carries the seconds it has spent in
 * each part of its life (network, backlog, CPU, pool, queries, cache, each
 * service's queue, rate limiting, retries and answer), moved along by
 * cs_part_to() at every hand-over, so the parts of one request add up to
 * its response time.  A successful answer adds them to its endpoint's and
 * the overall sums, and to the sums of its response-time bin, from which
 * the parts of the requests near the 95th percentile are read at the end.
 *
 * Cost: one add per part the endpoint can spend time in, per successful
 * request (its bin's; its sums and the overall ones are added up once at
 * the end; two adds without bins), one subtraction and add per hand-over,
 * and a request's parts zeroed when it is recycled; memory: parts x 8
 * bytes a request object, CS_PART_BINS x (parts + 1) x 8 bytes for the
 * overall bins, and CS_PART_BINS x (its parts + 1) x 8 bytes for each
 * endpoint's when there are at most CS_PART_BIN_EPS (a row holds only the
 * parts the endpoint can spend time in, so the rows a run touches stay in
 * the cache).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/model.h"

const char *const cs_part_keys[CS_PART_FIXED] = {
	[CS_PART_NETWORK] = "network",
	[CS_PART_BACKLOG] = "backlog",
	[CS_PART_PROC_WAIT] = "process_wait",
	[CS_PART_CPU] = "cpu",
	[CS_PART_CPU_QUEUE] = "cpu_queue",
	[CS_PART_POOL_WAIT] = "pool_wait",
	[CS_PART_QUERY] = "query",
	[CS_PART_QUERY_QUEUE] = "query_queue",
	[CS_PART_CACHE] = "cache",
	[CS_PART_DELAY] = "delay",
};

const char *const cs_part_words[CS_PART_FIXED] = {
	[CS_PART_NETWORK] = "network round trip",
	[CS_PART_BACKLOG] = "in the app backlog, waiting for a worker",
	[CS_PART_PROC_WAIT] = "waiting for a worker of its process",
	[CS_PART_CPU] = "app CPU",
	[CS_PART_CPU_QUEUE] = "app CPU queueing",
	[CS_PART_POOL_WAIT] = "waiting for a DB connection",
	[CS_PART_QUERY] = "DB queries",
	[CS_PART_QUERY_QUEUE] = "DB CPU queueing",
	[CS_PART_CACHE] = "cache",
	[CS_PART_DELAY] = "delay steps",
};

const char *const cs_part_svc_keys[CS_PART_SVC_N] = {
	[CS_PART_SVC_QUEUE] = "queue",
	[CS_PART_SVC_RATE] = "rate_limited",
	[CS_PART_SVC_RETRY] = "retries",
	[CS_PART_SVC_BATCH] = "batch_queue",
	[CS_PART_SVC_SERVICE] = "service",
};

const char *const cs_part_svc_words[CS_PART_SVC_N] = {
	[CS_PART_SVC_QUEUE] = "waiting for a concurrency slot",
	[CS_PART_SVC_RATE] = "rate-limited (429s and the waits after)",
	[CS_PART_SVC_RETRY] = "failed attempts and backoff",
	[CS_PART_SVC_BATCH] = "waiting to join the batch",
	[CS_PART_SVC_SERVICE] = "answering",
};

/* p's sums of nparts parts, and with bins its rows (its idx set first) */
static cs_status
parts_alloc(cs_parts *p, size_t nparts, bool bins)
{
	size_t width = cs_parts_row(p, nparts);

	p->sum = calloc(nparts ? nparts : 1, sizeof *p->sum);
	if (!p->sum)
		return CS_ERR_NOMEM;
	if (!bins)
		return CS_OK;
	p->bn = calloc(CS_PART_BINS, sizeof *p->bn);
	p->bsum = calloc(CS_PART_BINS * (width ? width : 1), sizeof *p->bsum);
	return p->bn && p->bsum ? CS_OK : CS_ERR_NOMEM;
}

static void
parts_free(cs_parts *p)
{
	free(p->sum);
	free(p->bn);
	free(p->bsum);
}

static void
parts_zero(cs_parts *p, size_t nparts)
{
	p->n = 0;
	memset(p->sum, 0, nparts * sizeof *p->sum);
	if (p->bn) {
		memset(p->bn, 0, CS_PART_BINS * sizeof *p->bn);
		memset(p->bsum, 0, CS_PART_BINS * cs_parts_row(p, nparts) *
		       sizeof *p->bsum);
	}
}

cs_status
cs_parts_init(cs_model *m)
{
	const cs_scenario *sc = m->sc;
	bool ep_bins = sc->nendpoints <= CS_PART_BIN_EPS;
	size_t i, k;

	m->nparts = CS_PART_FIXED + CS_PART_SVC_N * sc->nservices;
	m->parts_ep = calloc(sc->nendpoints ? sc->nendpoints : 1,
	                     sizeof *m->parts_ep);
	if (!m->parts_ep ||
	    parts_alloc(&m->parts_all, m->nparts, true))
		return CS_ERR_NOMEM;
	for (i = 0; i < sc->nendpoints; i++) {
		cs_parts *p = &m->parts_ep[i];

		/* only the parts the endpoint can spend time in are added:
		 * the others stay 0 */
		p->idx = calloc(m->nparts ? m->nparts : 1, sizeof *p->idx);
		if (!p->idx)
			return CS_ERR_NOMEM;
		for (k = 0; k < m->nparts; k++)
			if (cs_parts_possible(sc, i, k))
				p->idx[p->nidx++] = (uint32_t)k;
		if (parts_alloc(p, m->nparts, ep_bins))
			return CS_ERR_NOMEM;
	}
	return CS_OK;
}

void
cs_parts_destroy(cs_model *m)
{
	size_t i;

	parts_free(&m->parts_all);
	if (m->parts_ep)
		for (i = 0; i < m->sc->nendpoints; i++) {
			parts_free(&m->parts_ep[i]);
			free(m->parts_ep[i].idx);
		}
	free(m->parts_ep);
	m->parts_ep = NULL;
}

void
cs_parts_reset(cs_model *m)
{
	size_t i;

	parts_zero(&m->parts_all, m->nparts);
	for (i = 0; i < m->sc->nendpoints; i++)
		parts_zero(&m->parts_ep[i], m->nparts);
}

void
cs_parts_finish(cs_model *m)
{
	cs_parts *all = &m->parts_all;
	size_t i, k, b, np = m->nparts, nb = CS_PART_BINS * np;

	all->n = 0;
	memset(all->sum, 0, np * sizeof *all->sum);
	for (i = 0; i < m->sc->nendpoints; i++) {
		cs_parts *p = &m->parts_ep[i];

		all->n += p->n;
		if (p->bn) {
			/* the endpoint's sums are its bins' (its rows hold
			 * its parts only: the others' sums are 0) */
			const double *row = p->bsum;

			memset(p->sum, 0, np * sizeof *p->sum);
			if (i == 0) {
				memset(all->bn, 0, CS_PART_BINS * sizeof *all->bn);
				memset(all->bsum, 0, nb * sizeof *all->bsum);
			}
			for (b = 0; b < CS_PART_BINS; b++, row += p->nidx) {
				all->bn[b] += p->bn[b];
				for (k = 0; k < p->nidx; k++) {
					p->sum[p->idx[k]] += row[k];
					all->bsum[b * np + p->idx[k]] += row[k];
				}
			}
		}
		for (k = 0; k < np; k++)
			all->sum[k] += p->sum[k];
	}
}

/* The bin holding the nearest-rank q-quantile of the n requests. */
static size_t
bin_at(const cs_parts *p, double q)
{
	uint64_t rank = (uint64_t)ceil(q * (double)p->n), seen = 0;
	size_t b;

	if (rank < 1)
		rank = 1;
	for (b = 0; b < CS_PART_BINS; b++) {
		seen += p->bn[b];
		if (seen >= rank)
			return b;
	}
	return CS_PART_BINS - 1;
}

uint64_t
cs_parts_near(const cs_model *m, const cs_parts *p, double q_lo, double q_hi,
              double *out)
{
	size_t b, lo, hi, k, w = cs_parts_row(p, m->nparts);
	uint64_t n = 0;

	for (k = 0; k < m->nparts; k++)
		out[k] = NAN;
	if (!p->bn || p->n == 0)
		return 0;
	lo = bin_at(p, q_lo);
	hi = bin_at(p, q_hi);
	for (k = 0; k < m->nparts; k++)
		out[k] = 0;
	for (b = lo; b <= hi; b++) {
		const double *row = p->bsum + b * w;

		n += p->bn[b];
		/* an endpoint's row: its parts, in idx order */
		for (k = 0; k < w; k++)
			out[p->idx ? p->idx[k] : k] += row[k];
	}
	for (k = 0; k < m->nparts; k++)
		out[k] /= (double)n;
	return n;
}

/* Does endpoint e have a step of kind? */
static bool
has_op(const cs_endpoint_conf *e, cs_opkind kind, int service)
{
	size_t k;

	for (k = 0; k < e->nops; k++)
		if (e->ops[k].kind == kind &&
		    (kind != CS_OP_CALL || e->ops[k].service == service))
			return true;
	return false;
}

static bool
ep_possible(const cs_scenario *sc, const cs_endpoint_conf *e, size_t k)
{
	const cs_service_conf *c;
	size_t id;

	switch (k) {
	case CS_PART_NETWORK:
		return sc->load.has_rtt || sc->db.has_round_trip;
	case CS_PART_BACKLOG:
		/* with affinity: user a closed user's request waits for its
		 * own process; an open arrival for any worker */
		return sc->app.backlog > 0 && (!sc->app.sticky || sc->load.open);
	case CS_PART_PROC_WAIT:
		return sc->app.backlog > 0 && sc->app.sticky && !sc->load.open;
	case CS_PART_CPU:
	case CS_PART_CPU_QUEUE:
		return has_op(e, CS_OP_CPU, -1);
	case CS_PART_POOL_WAIT:
		return has_op(e, CS_OP_ACQUIRE, -1);
	case CS_PART_QUERY:
	case CS_PART_QUERY_QUEUE:
		return has_op(e, CS_OP_QUERY, -1);
	case CS_PART_CACHE:
		return has_op(e, CS_OP_CACHE, -1);
	case CS_PART_DELAY:
		return has_op(e, CS_OP_DELAY, -1);
	default:
		break;
	}
	id = (k - CS_PART_FIXED) / CS_PART_SVC_N;
	if (id >= sc->nservices || !has_op(e, CS_OP_CALL, (int)id))
		return false;
	c = &sc->services[id];
	/* a successful request spent time in a failed attempt only if
	 * that attempt was retried */
	switch ((k - CS_PART_FIXED) % CS_PART_SVC_N) {
	case CS_PART_SVC_QUEUE:
		return c->concurrency > 0;
	case CS_PART_SVC_RATE:
		/* a 429 whose attempt then times out is retried on the
		 * timeout: retry_on need not hold rate_limited */
		return (c->rl_rate > 0 || c->tpm_rate > 0) && c->retries > 0;
	case CS_PART_SVC_RETRY:
		return c->retries > 0;
	case CS_PART_SVC_BATCH:
		return c->kind == CS_SVC_BATCH;
	default:
		return true;
	}
}

bool
cs_parts_possible(const cs_scenario *sc, size_t ep, size_t k)
{
	size_t i;

	if (ep != SIZE_MAX)
		return ep_possible(sc, &sc->endpoints[ep], k);
	for (i = 0; i < sc->nendpoints; i++)
		if (ep_possible(sc, &sc->endpoints[i], k))
			return true;
	return false;
}
