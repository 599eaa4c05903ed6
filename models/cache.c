/*
 * The keyed cache: a cache-aside store (Redis) with a TTL and, optionally,
 * a capacity with LRU eviction, whose hit ratio comes out of the load.
 *
 * Each keyed lookup draws a key from cache.popularity.  It hits when the
 * key's entry is present and unexpired; otherwise the request runs the miss
 * path, and the CS_OP_CACHE_SET at its end sets the entry to expire ttl
 * later.  A miss path that fails sets nothing.  Concurrent misses on one key
 * each run the miss path (no request coalescing) and each set the entry, the
 * last one deciding its expiry, as plain cache-aside does.
 *
 * State is one expiry time per key (and two LRU links with a capacity),
 * allocated once per replication: a lookup and a set allocate nothing and
 * cost O(1), plus O(log keys) for a Zipf draw.
 */
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_rng.h>

#include "models/model.h"

#define NIL UINT32_MAX /* end of the LRU list */

cs_status
cs_cache_init(cs_model *m)
{
	const cs_cache_conf *c = &m->sc->cache;
	cs_cache *k;
	size_t n = (size_t)c->keys, i;

	if (c->keys <= 0)
		return CS_OK;
	k = calloc(1, sizeof *k);
	if (!k)
		return CS_ERR_NOMEM;
	m->cache = k;
	k->head = k->tail = NIL;
	k->expiry = malloc(n * sizeof *k->expiry);
	if (!k->expiry)
		return CS_ERR_NOMEM; /* cs_cache_destroy frees the rest */
	for (i = 0; i < n; i++)
		k->expiry[i] = -1; /* the cache starts empty */
	if (c->capacity > 0) {
		k->prev = malloc(n * sizeof *k->prev);
		k->next = malloc(n * sizeof *k->next);
		if (!k->prev || !k->next)
			return CS_ERR_NOMEM;
	}
	return CS_OK;
}

void
cs_cache_destroy(cs_model *m)
{
	cs_cache *k = m->cache;

	if (!k)
		return;
	free(k->expiry);
	free(k->prev);
	free(k->next);
	free(k);
	m->cache = NULL;
}

uint32_t
cs_cache_draw(const cs_cache_conf *c, gsl_rng *rng)
{
	switch (c->popularity) {
	case CS_POP_ZIPF: {
		/* smallest i with u < cdf[i]: binary search, O(log keys) */
		double u = gsl_rng_uniform(rng);
		size_t lo = 0, hi = (size_t)c->keys - 1;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (u < c->cdf[mid])
				hi = mid;
			else
				lo = mid + 1;
		}
		return (uint32_t)lo;
	}
	case CS_POP_HOT:
		if (gsl_rng_uniform(rng) < c->hot_share)
			return (uint32_t)gsl_rng_uniform_int(rng,
			    (unsigned long)c->hot);
		return (uint32_t)(c->hot + (long)gsl_rng_uniform_int(rng,
		    (unsigned long)(c->keys - c->hot)));
	default:
		return (uint32_t)gsl_rng_uniform_int(rng, (unsigned long)c->keys);
	}
}

/* ---- the LRU list (capacity only) --------------------------------------- */

static void
lru_unlink(cs_cache *k, uint32_t i)
{
	if (k->prev[i] != NIL)
		k->next[k->prev[i]] = k->next[i];
	else
		k->head = k->next[i];
	if (k->next[i] != NIL)
		k->prev[k->next[i]] = k->prev[i];
	else
		k->tail = k->prev[i];
	k->entries--;
}

static void
lru_push_front(cs_cache *k, uint32_t i)
{
	k->prev[i] = NIL;
	k->next[i] = k->head;
	if (k->head != NIL)
		k->prev[k->head] = i;
	else
		k->tail = i;
	k->head = i;
	k->entries++;
}

/* ---- lookups and sets ----------------------------------------------------- */

bool
cs_cache_lookup(cs_model *m, cs_req *r, const cs_op *op)
{
	const cs_cache_conf *c = &m->sc->cache;
	cs_cache *k = m->cache;
	uint32_t i = cs_cache_draw(c, m->rng[CS_RNG_CACHE]);
	double e = k->expiry[i];

	r->ckey[op->level] = i;
	if (e > m->e->now) {
		if (k->prev) { /* touch: most recently used */
			lru_unlink(k, i);
			lru_push_front(k, i);
		}
		return true;
	}
	if (e >= 0) {
		/* present but expired: removed on access, as Redis does lazily */
		k->expiry[i] = -1;
		if (k->prev)
			lru_unlink(k, i);
	}
	if (m->measuring)
		k->misses++;
	return false;
}

void
cs_cache_set(cs_model *m, cs_req *r, const cs_op *op)
{
	const cs_cache_conf *c = &m->sc->cache;
	cs_cache *k = m->cache;
	uint32_t i = r->ckey[op->level];
	bool present = k->expiry[i] >= 0;

	/* another request's miss may have set it meanwhile: this SET
	 * overwrites it, with a new expiry */
	k->expiry[i] = m->e->now + c->ttl;
	if (!k->prev)
		return;
	if (present)
		lru_unlink(k, i);
	lru_push_front(k, i);
	if (k->entries > c->capacity) {
		uint32_t v = k->tail; /* allkeys-lru: the least recently used */

		lru_unlink(k, v);
		k->expiry[v] = -1;
		if (m->measuring)
			k->evictions++;
	}
}
