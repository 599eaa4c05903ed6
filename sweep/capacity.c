/* Capacity search: bisection on one scenario path against an SLO. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/reuse.h"
#include "sweep/capacity.h"

const char *const cs_cap_resource_names[] = {
	"app workers", "app CPU", "DB pool", "DB CPU"
};
static const char *const util_paths[] = {
	"resources.app.worker_utilization", "resources.app.cpu_utilization",
	"resources.db_pool.utilization", "resources.db.cpu_utilization"
};
const size_t cs_cap_nresources = 4;

#define MAXEVALS 200

typedef struct ctx {
	const char *scenario;
	const char *const *sets;
	size_t nsets;
	const char *path;
	const cs_slo *slo;
	const cs_run_opts *ro;
	bool integer;
	cs_cap_answer *ans;
	cs_error *err;
	cs_reuse *reuse;    /* searching a limit: shared replications
	                     * (models/reuse.h), or NULL */
} ctx;

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && !strcmp(s + n - k, suffix);
}

static bool
integer_path(const char *p)
{
	static const char *const ints[] = {
		"users", "size", "workers", "instances", "cores",
		"max_connections", "processes", "backlog", "concurrency",
		"max_waiting", NULL
	};
	int i;

	for (i = 0; ints[i]; i++)
		if (ends_with(p, ints[i]))
			return true;
	return false;
}

static bool
load_path(const char *p)
{
	return !strcmp(p, "load.users") || !strcmp(p, "load.arrival_rate");
}

/* Run the scenario at x (memoized: the same x is never run twice). */
static cs_status
evaluate(ctx *c, double x, const cs_cap_eval **out)
{
	cs_cap_answer *a = c->ans;
	const char **sets;
	char assign[512];
	cs_scenario *sc = NULL;
	cs_result *r = NULL;
	cs_cap_eval *ev, *ne;
	size_t i;
	cs_status s;

	if (c->integer)
		x = round(x);
	for (i = 0; i < a->nevals; i++)
		if (a->evals[i].x == x) {
			*out = &a->evals[i];
			return CS_OK;
		}
	if (a->nevals == MAXEVALS)
		return cs_error_set(c->err, CS_ERR_INVALID, "--search", 0, 0,
		    c->path, "no answer after %d runs: is the SLO monotone in %s?",
		    MAXEVALS, c->path);
	ne = realloc(a->evals, (a->nevals + 1) * sizeof *ne);
	sets = calloc(c->nsets + 1, sizeof *sets);
	if (!ne || !sets) {
		free(sets);
		if (ne)
			a->evals = ne;
		return CS_ERR_NOMEM;
	}
	a->evals = ne;
	for (i = 0; i < c->nsets; i++)
		sets[i] = c->sets[i];
	snprintf(assign, sizeof assign, "%s=%.10g", c->path, x);
	sets[c->nsets] = assign;
	s = cs_scenario_load_file(c->scenario, sets, c->nsets + 1, &sc, c->err);
	free(sets);
	if (!s)
		s = cs_run_reuse(sc, c->ro, c->reuse, "", &r, c->err);
	if (s) {
		cs_scenario_free(sc);
		return s;
	}
	ev = &a->evals[a->nevals++];
	memset(ev, 0, sizeof *ev);
	ev->x = x;
	ev->met[0] = cs_slo_met(c->slo, r, 0, &ev->worst);
	ev->met[1] = cs_slo_met(c->slo, r, +1, NULL);
	ev->met[2] = cs_slo_met(c->slo, r, -1, NULL);
	ev->ratio = cs_slo_ratio(&c->slo->t[ev->worst], r, 0);
	for (i = 0; i < cs_cap_nresources; i++)
		cs_result_metric(r, util_paths[i], &ev->util[i], NULL, NULL);
	ev->has_bn = cs_result_bottleneck(r, &ev->bn);
	{
		cs_precision_info pi;

		cs_result_precision(r, &pi);
		ev->reps = pi.replications;
		ev->reached = pi.reached;
		ev->prec_met = pi.met;
	}
	cs_result_free(r);
	cs_scenario_free(sc); /* after the result, which names its parts */
	*out = ev;
	return CS_OK;
}

/* met under criterion k, oriented so that true is on the "good" side */
static bool
good(const cs_cap_eval *e, int k)
{
	return e->met[k];
}

/*
 * Bisect for criterion k between the evaluated points: for a largest-value
 * search the answer is the largest good x below the smallest bad x.
 */
static cs_status
bisect(ctx *c, int k, double *answer, double *next_bad)
{
	cs_cap_answer *a = c->ans;
	double g = NAN, bd = NAN;
	size_t i;
	cs_status s;

	for (;;) {
		const cs_cap_eval *e;
		double mid;

		/* the bracket from what has been evaluated so far */
		g = bd = NAN;
		for (i = 0; i < a->nevals; i++) {
			double x = a->evals[i].x;

			if (good(&a->evals[i], k)) {
				if (a->largest ? !(x <= g) : !(x >= g))
					g = x;
			}
		}
		if (isnan(g))
			break;
		for (i = 0; i < a->nevals; i++) {
			double x = a->evals[i].x;

			if (!good(&a->evals[i], k) &&
			    (a->largest ? x > g : x < g) &&
			    (isnan(bd) || (a->largest ? x < bd : x > bd)))
				bd = x;
		}
		if (isnan(bd))
			break; /* good up to the end of the range */
		if (c->integer ? fabs(bd - g) <= 1 :
		    fabs(bd - g) <= 0.005 * fmax(fabs(g), fabs(bd)))
			break;
		mid = c->integer ? floor((g + bd) / 2) : (g + bd) / 2;
		if (c->integer && (mid == g || mid == bd))
			break;
		if ((s = evaluate(c, mid, &e)))
			return s;
	}
	*answer = g;
	*next_bad = bd;
	return CS_OK;
}

static cs_status search(ctx *c, double lo, double hi);

cs_status
cs_cap_search(const char *scenario, const char *const *sets, size_t nsets,
              const char *path, double lo, double hi, const cs_slo *slo,
              const cs_run_opts *ro, cs_cap_answer *ans, cs_error *err)
{
	ctx c = { scenario, sets, nsets, path, slo, ro, integer_path(path),
	          ans, err, NULL };
	cs_status s;

	/* a pool size's, workers' or service concurrency's search: a
	 * replication in which the limit never bound is the same run at
	 * every larger value (models/reuse.h); NULL for any other path, and
	 * without memory for the store, and every value simply runs */
	c.reuse = cs_reuse_new(path);
	s = search(&c, lo, hi);
	cs_reuse_free(c.reuse);
	return s;
}

static cs_status
search(ctx *c, double lo, double hi)
{
	const char *path = c->path;
	cs_cap_answer *ans = c->ans;
	const cs_cap_eval *elo, *ehi;
	double bad_next = NAN, dummy;
	size_t i, ihi;
	cs_status s;

	memset(ans, 0, sizeof *ans);
	ans->integer = c->integer;
	if (isnan(lo))
		lo = c->integer ? 1 : 0.1;
	if ((s = evaluate(c, lo, &elo)))
		return s;
	lo = elo->x;
	if (isnan(hi)) {
		/* double until the SLO flips, or give up at a huge value */
		bool first = elo->met[0];

		hi = lo;
		do {
			hi = hi * 2 > hi + 1 ? hi * 2 : hi + 1;
			if ((s = evaluate(c, hi, &ehi)))
				return s;
			elo = &ans->evals[0];
		} while (ehi->met[0] == first && hi < 1e7);
	} else if ((s = evaluate(c, hi, &ehi))) {
		return s;
	}
	/* evaluations move when the array grows: keep indices from here on */
	ihi = (size_t)(ehi - ans->evals);
	elo = &ans->evals[0];
	ans->lo = lo;
	ans->hi = ehi->x;
	if (elo->met[0] && !ehi->met[0])
		ans->largest = true;
	else if (!elo->met[0] && ehi->met[0])
		ans->largest = false;
	else
		ans->largest = load_path(path);
	if (!elo->met[0] && !ehi->met[0]) {
		ans->found = false;
		ans->value = ans->value_pess = ans->value_opt = NAN;
		ans->binding = ehi->worst;
		return CS_OK;
	}
	ans->found = true;
	if ((s = bisect(c, 0, &ans->value, &bad_next)) ||
	    (s = bisect(c, 1, &ans->value_pess, &dummy)) ||
	    (s = bisect(c, 2, &ans->value_opt, &dummy)))
		return s;
	ans->at_bound = isnan(bad_next);
	/* the binding term: what fails just past the answer */
	ans->binding = ans->evals[ihi].worst;
	for (i = 0; i < ans->nevals; i++) {
		if (!isnan(bad_next) && ans->evals[i].x == bad_next)
			ans->binding = ans->evals[i].worst;
		if (ans->evals[i].x == ans->value && ans->evals[i].has_bn) {
			ans->bottleneck = ans->evals[i].bn;
			ans->bottleneck_util = ans->evals[i].bn.u;
		}
	}
	return CS_OK;
}
