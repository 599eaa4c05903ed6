/*
 * The bottleneck of a run: see bottleneck.h.  O(resources) per call, a
 * metric lookup each (O(log metrics) on a cs_result).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/bottleneck.h"
#include "models/model.h"

bool
cs_use_saturated(const cs_use *u)
{
	return u->u >= CS_USE_SATURATED ||
	       (isfinite(u->queue) && u->queue >= CS_USE_QUEUED);
}

/* Append a resource when its utilization metric is there. */
static size_t
one(cs_use_get get, void *ctx, cs_use *out, size_t n, size_t max,
    const char *name, int depth, double u, const char *queue)
{
	if (n >= max || !isfinite(u))
		return n;
	snprintf(out[n].name, sizeof out[n].name, "%s", name);
	out[n].u = u;
	out[n].queue = queue ? get(ctx, queue) : NAN;
	out[n].depth = depth;
	return n + 1;
}

size_t
cs_uses(cs_use_get get, void *ctx, const char *const *svc, size_t nsvc,
        cs_use *out, size_t max)
{
	char path[400], path2[400], name[96];
	size_t n = 0, i;

#define G(p) get(ctx, p)
	n = one(get, ctx, out, n, max, "app backlog", 0,
	        G("resources.app.backlog_utilization"), NULL);
	n = one(get, ctx, out, n, max, "app workers", 1,
	        G("resources.app.worker_utilization"),
	        "resources.app.backlog.mean");
	n = one(get, ctx, out, n, max, "app CPU", 2,
	        G("resources.app.cpu_utilization"), NULL);
	n = one(get, ctx, out, n, max, "DB pool", 2,
	        G("resources.db_pool.utilization"),
	        "resources.db_pool.waiters.mean");
	n = one(get, ctx, out, n, max, "DB CPU", 3,
	        G("resources.db.cpu_utilization"), NULL);
	for (i = 0; i < nsvc; i++) {
		double u, kv;

#define P(key) (snprintf(path, sizeof path, "resources.services.%s.%s", \
                         svc[i], key), path)
		snprintf(path2, sizeof path2,
		         "resources.services.%s.slot_waiters.mean", svc[i]);
		snprintf(name, sizeof name, "service %.60s concurrency", svc[i]);
		n = one(get, ctx, out, n, max, name, 2,
		        G(P("concurrency_utilization")), path2);
		snprintf(name, sizeof name, "service %.60s rate limit", svc[i]);
		n = one(get, ctx, out, n, max, name, 3,
		        G(P("rate_limit_utilization")), NULL);
		snprintf(name, sizeof name, "service %.60s token limit", svc[i]);
		n = one(get, ctx, out, n, max, name, 3,
		        G(P("tpm_utilization")), NULL);
		/* a batch server is full when its batch is (max_batch) or its
		 * KV cache is */
		u = G(P("batch_utilization"));
		kv = G(P("kv_utilization"));
		if (isfinite(kv) && kv > u)
			u = kv;
		snprintf(path2, sizeof path2, "resources.services.%s.queue.mean",
		         svc[i]);
		snprintf(name, sizeof name, "service %.60s batch server", svc[i]);
		n = one(get, ctx, out, n, max, name, 3, u, path2);
#undef P
	}
#undef G
	return n;
}

long
cs_bottleneck_pick(const cs_use *use, size_t n)
{
	long best = -1;
	size_t i;

	for (i = 0; i < n; i++) {
		const cs_use *b = best >= 0 ? &use[best] : NULL;

		if (!cs_use_saturated(&use[i]))
			continue;
		if (!b || use[i].depth > b->depth ||
		    (use[i].depth == b->depth && use[i].u > b->u))
			best = (long)i;
	}
	if (best >= 0)
		return best;
	for (i = 0; i < n; i++)
		if (best < 0 || use[i].u > use[best].u)
			best = (long)i;
	return best;
}

static double
result_get(void *ctx, const char *path)
{
	double v = NAN;

	if (cs_result_metric(ctx, path, &v, NULL, NULL))
		return NAN;
	return v;
}

/* The most resources a scenario has: five, and four a service. */
#define MAX_USES(nsvc) (5 + 4 * (nsvc))

bool
cs_result_bottleneck(const cs_result *r, cs_use *out)
{
	const cs_scenario *sc = cs_result_scenario(r);
	size_t i, n, max = MAX_USES(sc->nservices);
	const char **names = calloc(sc->nservices + 1, sizeof *names);
	cs_use *use = calloc(max, sizeof *use);
	long k = -1;

	if (names && use) {
		for (i = 0; i < sc->nservices; i++)
			names[i] = sc->services[i].name;
		n = cs_uses(result_get, (void *)r, names, sc->nservices, use,
		            max);
		k = cs_bottleneck_pick(use, n);
		if (k >= 0)
			*out = use[k];
	}
	free(names);
	free(use);
	return k >= 0;
}
