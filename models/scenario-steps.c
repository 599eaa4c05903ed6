/*
 * Scenario files: the endpoints section, each endpoint's steps compiled
 * to a program of ops.  Part of the scenario loader (scenario.c; shared
 * declarations in scenario-private.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/conf.h"
#include "models/model.h"
#include "models/scenario-private.h"

/* ---- endpoint programs ------------------------------------------------- */

typedef struct prog {
	cs_op *ops;
	size_t n, cap;
} prog;

static cs_op *
emit(prog *pg, cs_opkind k)
{
	cs_op *op;

	if (pg->n == pg->cap) {
		size_t nc = pg->cap ? 2 * pg->cap : 16;
		cs_op *no = realloc(pg->ops, nc * sizeof *no);

		if (!no)
			return NULL;
		pg->ops = no;
		pg->cap = nc;
	}
	op = &pg->ops[pg->n++];
	memset(op, 0, sizeof *op);
	op->kind = k;
	op->service = -1;
	op->d.scale = 1;
	return op;
}

static cs_status steps(binder *b, const cs_conf_node *n, const char *path,
                       prog *pg, int in_tx);

static const char *const step_names[] = {
	"cpu", "delay", "query", "db", "cache", "call", "branch", NULL
};

/* A sequence node of steps, or a map with "steps". */
static const cs_conf_node *
step_list(const cs_conf_node *n)
{
	if (n->kind == CS_CONF_MAP)
		return cs_conf_get(n, "steps");
	return n;
}

static cs_status
step(binder *b, const cs_conf_node *n, const char *path, prog *pg, int in_tx)
{
	const cs_conf_node *v;
	char p[PATHLEN], q[PATHLEN];
	cs_op *op;
	int kind;
	cs_status s;

	const cs_conf_node *id;
	size_t nk;

	if ((s = cs_conf_expect_map(b->c, n, path, b->err)))
		return s;
	/* an optional id names the step for --set and --fit paths
	 * ("endpoints.checkout.steps.charge.cpu.mean"), so that inserting a
	 * step does not change what a path means */
	id = cs_conf_get(n, "id");
	nk = n->n - (id ? 1 : 0);
	if (id) {
		const char *str;

		cs_conf_path(q, sizeof q, path, "id");
		if ((s = cs_conf_string(b->c, id, q, &str, b->err)))
			return s;
		if (!*str || strchr(str, '.'))
			return cs_conf_error(b->c, id, q, b->err, "a step id is a "
			    "non-empty word without dots (got \"%s\")", str);
	}
	if (nk != 1)
		return cs_conf_error(b->c, n, path, b->err,
		    "a step is a map with one key: cpu, delay, query, db, cache, "
		    "call or branch, and optionally an id (got %zu keys)", n->n);
	if ((s = cs_conf_check_keys(b->c, n, path, cs_scnp_allowed(b, "<step>", NULL),
	                            b->err)))
		return s;
	v = n->items[0] == id ? n->items[1] : n->items[0];
	((cs_conf_node *)v)->used = true;
	cs_conf_path(p, sizeof p, path, v->key);
	for (kind = 0; strcmp(step_names[kind], v->key); kind++)
		;
	switch (kind) {
	case 0: /* cpu */
	case 1: /* delay */
		if (!(op = emit(pg, kind == 0 ? CS_OP_CPU : CS_OP_DELAY)))
			return CS_ERR_NOMEM;
		return cs_scnp_dist(b, v, p, &op->d);
	case 2: { /* query: alone, it takes and returns a connection */
		cs_dist d;

		if ((s = cs_scnp_dist(b, v, p, &d)))
			return s;
		if (!in_tx && !emit(pg, CS_OP_ACQUIRE))
			goto nomem;
		if (!(op = emit(pg, CS_OP_QUERY)))
			goto nomem;
		op->d = d;
		if (!in_tx && !emit(pg, CS_OP_RELEASE))
			goto nomem;
		return CS_OK;
	nomem:
		cs_dist_destroy(&d);
		return CS_ERR_NOMEM;
	}
	case 3: { /* db: hold one connection across the inner steps */
		const cs_conf_node *l;

		if (in_tx)
			return cs_conf_error(b->c, v, p, b->err,
			    "a db block inside a db block would take a second "
			    "connection; put the steps in the outer block");
		if (v->kind == CS_CONF_MAP &&
		    (s = cs_conf_check_keys(b->c, v, p, cs_scnp_allowed(b, "<step>.db",
		                            NULL), b->err)))
			return s;
		l = step_list(v);
		if (!l)
			return cs_conf_error(b->c, v, p, b->err,
			    "a db block needs \"steps\", e.g. {steps: [{query: 12ms}]}");
		cs_conf_path(q, sizeof q, p, "steps");
		if (!emit(pg, CS_OP_ACQUIRE))
			return CS_ERR_NOMEM;
		if ((s = steps(b, l, v->kind == CS_CONF_MAP ? q : p, pg, 1)))
			return s;
		return emit(pg, CS_OP_RELEASE) ? CS_OK : CS_ERR_NOMEM;
	}
	case 4: { /* cache */
		const cs_conf_node *l, *miss = NULL;
		bool keyed;
		size_t at;

		if (!(op = emit(pg, CS_OP_CACHE)))
			return CS_ERR_NOMEM;
		op->p = b->sc->cache.hit_ratio;
		if ((s = cs_dist_copy(&op->d, &b->sc->cache.latency)))
			return s;
		at = pg->n - 1;
		if (v->kind == CS_CONF_SCALAR && v->value &&
		    !strcmp(v->value, "default")) {
			((cs_conf_node *)v)->used = true;
		} else {
			if ((s = cs_conf_expect_map(b->c, v, p, b->err)) ||
			    (s = cs_conf_check_keys(b->c, v, p, cs_scnp_allowed(b,
			                            "<step>.cache", NULL), b->err)) ||
			    (s = cs_scnp_opt_ratio(b, v, p, "hit_ratio", &pg->ops[at].p)))
				return s;
			if ((l = cs_conf_get(v, "latency"))) {
				cs_conf_path(q, sizeof q, p, "latency");
				cs_dist_destroy(&pg->ops[at].d);
				if ((s = cs_scnp_dist(b, l, q, &pg->ops[at].d)))
					return s;
			}
			miss = cs_conf_get(v, "miss");
		}
		/* with cache.keys, a step without its own hit_ratio is a
		 * lookup in the keyed cache; its miss path ends with a SET */
		keyed = b->sc->cache.keys > 0 &&
		        !(v->kind == CS_CONF_MAP && cs_conf_get(v, "hit_ratio"));
		if (keyed && b->cache_depth >= CS_CACHE_NEST)
			return cs_conf_error(b->c, v, p, b->err,
			    "keyed cache steps nest at most %d deep (one inside "
			    "another's miss path)", CS_CACHE_NEST);
		pg->ops[at].keyed = keyed;
		pg->ops[at].level = (uint8_t)b->cache_depth;
		if (miss) {
			cs_conf_path(q, sizeof q, p, "miss");
			b->cache_depth += keyed;
			s = steps(b, miss, q, pg, in_tx);
			b->cache_depth -= keyed;
			if (s)
				return s;
		}
		if (keyed) {
			if (!(op = emit(pg, CS_OP_CACHE_SET)))
				return CS_ERR_NOMEM;
			op->level = pg->ops[at].level;
		}
		pg->ops[at].jump = (uint32_t)pg->n;
		return CS_OK;
	}
	case 5: { /* call */
		const char *name;
		const char *names[64];
		size_t i, k = 0;

		if ((s = cs_conf_string(b->c, v, p, &name, b->err)))
			return s;
		for (i = 0; i < b->sc->nservices; i++)
			if (!strcmp(b->sc->services[i].name, name))
				break;
		if (i == b->sc->nservices) {
			const char *sug;

			for (k = 0; k < b->sc->nservices && k < 63; k++)
				names[k] = b->sc->services[k].name;
			names[k] = NULL;
			sug = cs_conf_suggest(name, names);
			return cs_conf_error(b->c, v, p, b->err,
			    "no service \"%s\" under services:%s%s%s", name,
			    sug ? " (did you mean \"" : "", sug ? sug : "",
			    sug ? "\"?)" : "");
		}
		if (!(op = emit(pg, CS_OP_CALL)))
			return CS_ERR_NOMEM;
		op->service = (int)i;
		return CS_OK;
	}
	case 6: { /* branch */
		const cs_conf_node *l;
		size_t at;

		if ((s = cs_conf_expect_map(b->c, v, p, b->err)) ||
		    (s = cs_conf_check_keys(b->c, v, p, cs_scnp_allowed(b,
		                            "<step>.branch", NULL), b->err)))
			return s;
		if (!cs_conf_get(v, "p") || !(l = cs_conf_get(v, "steps")))
			return cs_conf_error(b->c, v, p, b->err,
			    "a branch needs \"p\" (its probability) and \"steps\"");
		if (!(op = emit(pg, CS_OP_BRANCH)))
			return CS_ERR_NOMEM;
		at = pg->n - 1;
		if ((s = cs_scnp_opt_ratio(b, v, p, "p", &pg->ops[at].p)))
			return s;
		cs_conf_path(q, sizeof q, p, "steps");
		if ((s = steps(b, l, q, pg, in_tx)))
			return s;
		pg->ops[at].jump = (uint32_t)pg->n;
		return CS_OK;
	}
	}
	return CS_ERR_INTERNAL;
}

static cs_status
steps(binder *b, const cs_conf_node *n, const char *path, prog *pg, int in_tx)
{
	char ip[PATHLEN];
	size_t i;
	cs_status s;

	if ((s = cs_conf_expect_seq(b->c, n, path, b->err)))
		return s;
	for (i = 0; i < n->n; i++) {
		cs_conf_path_index(ip, sizeof ip, path, i);
		if ((s = step(b, n->items[i], ip, pg, in_tx)))
			return s;
	}
	return CS_OK;
}

/*
 * An endpoint name used twice is refused at its second use.  A hash set
 * of the names seen: O(n), where comparing each with every earlier one
 * took 20,000 endpoints 2e8 comparisons.
 */
static cs_status
unique_names(binder *b, const cs_conf_node *n)
{
	const cs_scenario *sc = b->sc;
	size_t cap = 16, i, j, *set;
	char ip[PATHLEN], p[PATHLEN];
	cs_conf_node *nm;
	cs_status s = CS_OK;

	while (cap < 2 * sc->nendpoints)
		cap *= 2;
	if (!(set = calloc(cap, sizeof *set))) /* endpoint index + 1; 0: free */
		return CS_ERR_NOMEM;
	for (i = 0; i < sc->nendpoints && !s; i++) {
		const char *name = sc->endpoints[i].name, *c;
		uint64_t h = 14695981039346656037ULL;

		for (c = name; *c; c++)
			h = (h ^ (unsigned char)*c) * 1099511628211ULL;
		for (j = (size_t)h & (cap - 1); set[j]; j = (j + 1) & (cap - 1))
			if (!strcmp(sc->endpoints[set[j] - 1].name, name))
				break;
		if (!set[j]) {
			set[j] = i + 1;
			continue;
		}
		/* an unnamed endpoint's "endpoint N" may match: not an error */
		if (!(nm = cs_conf_get(n->items[i], "name")))
			continue;
		cs_conf_path_index(ip, sizeof ip, "endpoints", i);
		cs_conf_path(p, sizeof p, ip, "name");
		s = cs_conf_error(b->c, nm, p, b->err,
		                  "endpoint name \"%s\" is used twice", name);
	}
	free(set);
	return s;
}

cs_status
cs_scnp_endpoints(binder *b, const cs_conf_node *root)
{
	cs_conf_node *n = cs_conf_get(root, "endpoints");
	cs_scenario *sc = b->sc;
	const char *const *keys;
	char ip[PATHLEN], p[PATHLEN];
	double total = 0;
	size_t i;
	cs_status s;

	if (!n)
		return cs_conf_error(b->c, root, "endpoints", b->err,
		    "missing section \"endpoints\" (a list of {name, weight, steps})");
	if ((s = cs_conf_expect_seq(b->c, n, "endpoints", b->err)))
		return s;
	if (n->n == 0)
		return cs_conf_error(b->c, n, "endpoints", b->err,
		                     "needs at least one endpoint");
	keys = cs_scnp_allowed(b, "endpoints[]", NULL);
	sc->endpoints = calloc(n->n, sizeof *sc->endpoints);
	sc->cum_weight = calloc(n->n, sizeof *sc->cum_weight);
	if (!sc->endpoints || !sc->cum_weight)
		return CS_ERR_NOMEM;
	for (i = 0; i < n->n; i++) {
		cs_conf_node *it = n->items[i], *nm, *st;
		cs_endpoint_conf *ep = &sc->endpoints[i];
		const char *name;
		char defname[32];
		prog pg = { 0 };

		sc->nendpoints++;
		cs_conf_path_index(ip, sizeof ip, "endpoints", i);
		if ((s = cs_conf_expect_map(b->c, it, ip, b->err)) ||
		    (s = cs_conf_check_keys(b->c, it, ip, keys, b->err)))
			return s;
		snprintf(defname, sizeof defname, "endpoint %zu", i + 1);
		name = defname;
		if ((nm = cs_conf_get(it, "name"))) {
			cs_conf_path(p, sizeof p, ip, "name");
			if ((s = cs_conf_string(b->c, nm, p, &name, b->err)))
				return s;
		}
		ep->name = cs_scnp_xstrdup(name);
		if (!ep->name)
			return CS_ERR_NOMEM;
		ep->weight = 1;
		if ((s = cs_scnp_opt_num(b, it, ip, "weight", 0, 1e12, &ep->weight)))
			return s;
		if (!(st = cs_conf_get(it, "steps")))
			return cs_conf_error(b->c, it, ip, b->err,
			    "an endpoint needs \"steps\", e.g. [{cpu: 5ms}, {query: 10ms}]");
		cs_conf_path(p, sizeof p, ip, "steps");
		s = steps(b, st, p, &pg, 0);
		if (!s && !emit(&pg, CS_OP_END))
			s = CS_ERR_NOMEM;
		ep->ops = pg.ops;
		ep->nops = pg.n;
		if (s)
			return s;
		total += ep->weight;
	}
	if ((s = unique_names(b, n)))
		return s;
	if (!(total > 0))
		return cs_conf_error(b->c, n, "endpoints", b->err,
		                     "the endpoint weights add up to 0");
	for (i = 0; i < sc->nendpoints; i++) {
		double acc = (i ? sc->cum_weight[i - 1] : 0) +
		             sc->endpoints[i].weight / total;
		sc->cum_weight[i] = acc;
	}
	sc->cum_weight[sc->nendpoints - 1] = 1;
	return CS_OK;
}
