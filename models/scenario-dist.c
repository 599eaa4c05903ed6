/*
 * Scenario files: distributions (durations, or counts for tokens), as
 * cs_scnp_dist reads them for the loader's sections.  Part of the scenario
 * loader (scenario.c; shared declarations in scenario-private.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/conf.h"
#include "models/model.h"
#include "models/scenario-private.h"

/* ---- distributions ----------------------------------------------------- */

/* A distribution's value: a duration, or a plain number for counts. */
static cs_status
amount(binder *b, const cs_conf_node *n, const char *path, double lo,
       double *out)
{
	if (b->counts)
		return cs_conf_number(b->c, n, path, lo, BIG, out, b->err);
	return cs_conf_duration(b->c, n, path, lo, BIG, out, b->err);
}

static cs_status
need(binder *b, const cs_conf_node *map, const char *path, const char *key,
     const char *what, cs_conf_node **out)
{
	*out = cs_conf_get(map, key);
	if (*out)
		return CS_OK;
	return cs_conf_error(b->c, map, path, b->err,
	                     "%s distribution needs \"%s\"", what, key);
}

cs_status
cs_scnp_need_dur(binder *b, const cs_conf_node *map, const char *base,
                 const char *key, const char *what, double lo, double *out)
{
	cs_conf_node *n;
	char path[PATHLEN];
	cs_status s = need(b, map, base, key, what, &n);

	if (s)
		return s;
	cs_conf_path(path, sizeof path, base, key);
	return amount(b, n, path, lo, out);
}

static cs_status
need_num(binder *b, const cs_conf_node *map, const char *base,
         const char *key, const char *what, double lo, double hi, double *out)
{
	cs_conf_node *n;
	char path[PATHLEN];
	cs_status s = need(b, map, base, key, what, &n);

	if (s)
		return s;
	cs_conf_path(path, sizeof path, base, key);
	return cs_conf_number(b->c, n, path, lo, hi, out, b->err);
}

/* empirical: samples: [durations] or percentiles: {p50: 80ms, p95: ...} */
static cs_status
empirical(binder *b, const cs_conf_node *n, const char *base, cs_dist *d)
{
	cs_conf_node *smp = cs_conf_get(n, "samples");
	cs_conf_node *pct = cs_conf_get(n, "percentiles");
	char path[PATHLEN], ipath[PATHLEN];
	double *q = NULL, *x = NULL;
	size_t i, k = 0;
	cs_status s = CS_OK;

	if (!!smp == !!pct)
		return cs_conf_error(b->c, n, base, b->err,
		    "empirical distribution needs exactly one of \"samples\" "
		    "(a list of durations) or \"percentiles\" (p50: 80ms, ...)");
	if (smp) {
		cs_conf_path(path, sizeof path, base, "samples");
		if ((s = cs_conf_expect_seq(b->c, smp, path, b->err)))
			return s;
		if (smp->n == 0)
			return cs_conf_error(b->c, smp, path, b->err,
			                     "needs at least one sample");
	} else {
		cs_conf_path(path, sizeof path, base, "percentiles");
		if ((s = cs_conf_expect_map(b->c, pct, path, b->err)))
			return s;
		if (pct->n < 2)
			return cs_conf_error(b->c, pct, path, b->err,
			    "needs at least two percentiles, e.g. {p50: 80ms, p99: 400ms}");
	}
	const cs_conf_node *src = smp ? smp : pct;
	q = malloc(src->n * sizeof *q);
	x = malloc(src->n * sizeof *x);
	if (!q || !x) {
		s = CS_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < src->n; i++) {
		const cs_conf_node *it = src->items[i];

		if (smp) {
			cs_conf_path_index(ipath, sizeof ipath, path, i);
			s = amount(b, it, ipath, 0, &x[k]);
		} else {
			char *end;
			double pv;

			cs_conf_path(ipath, sizeof ipath, path, it->key);
			pv = (it->key[0] == 'p' || it->key[0] == 'P') ?
			     strtod(it->key + 1, &end) : NAN;
			if (isnan(pv) || *end || pv < 0 || pv > 100) {
				s = cs_conf_error(b->c, it, ipath, b->err,
				    "percentile keys look like p50, p95, p99.9 (got \"%s\")",
				    it->key);
				goto out;
			}
			q[k] = pv / 100;
			s = amount(b, it, ipath, 0, &x[k]);
			if (!s && k > 0 && (q[k] <= q[k - 1] || x[k] < x[k - 1])) {
				s = cs_conf_error(b->c, it, ipath, b->err,
				    "percentiles must increase, with values that do not decrease");
			}
		}
		if (s)
			goto out;
		k++;
	}
	if (!smp && (q[0] != 0 || q[k - 1] != 1)) {
		s = cs_conf_error(b->c, pct, path, b->err,
		    "give p0 (the fastest) and p100 (the slowest) too: between "
		    "the points capsim interpolates, beyond them it cannot know");
		goto out;
	}
	if (smp) {
		/* sorted samples: the i-th is the i/(n-1) quantile */
		for (i = 1; i < k; i++) {
			double v = x[i];
			size_t j = i;

			while (j > 0 && x[j - 1] > v) {
				x[j] = x[j - 1];
				j--;
			}
			x[j] = v;
		}
		for (i = 0; i < k; i++)
			q[i] = k > 1 ? (double)i / (double)(k - 1) : 1;
	}
	s = cs_dist_empirical(d, q, x, k);
out:
	free(q);
	free(x);
	return s;
}

/*
 * A distribution: a duration scalar ("450ms": constant), or a map with
 * "dist" and its parameters, plus an optional "scale" multiplier.
 */
cs_status
cs_scnp_dist(binder *b, const cs_conf_node *n, const char *path, cs_dist *d)
{
	cs_conf_node *dn;
	const char *const *kinds;
	double a = 0, c = 0, k = 0, scale = 1;
	int kind;
	cs_status s;
	char p[PATHLEN];

	memset(d, 0, sizeof *d);
	d->scale = 1;
	if (n->kind == CS_CONF_SCALAR) {
		s = amount(b, n, path, 0, &a);
		if (!s)
			cs_dist_const(d, a);
		return s;
	}
	if ((s = cs_conf_expect_map(b->c, n, path, b->err)) ||
	    (s = cs_conf_check_keys(b->c, n, path,
	                            cs_scnp_allowed(b, "<distribution>", NULL), b->err)))
		return s;
	dn = cs_conf_get(n, "dist");
	if (!dn)
		return cs_conf_error(b->c, n, path, b->err,
		    "a distribution needs \"dist\" (one of: constant, exponential, "
		    "uniform, lognormal, gamma, weibull, empirical), or write a "
		    "plain duration like 450ms");
	cs_conf_path(p, sizeof p, path, "dist");
	kinds = cs_scnp_choices(b, "<distribution>.dist");
	if ((s = cs_conf_enum(b->c, dn, p, kinds, &kind, b->err)))
		return s;
	if ((s = cs_conf_check_keys(b->c, n, path, cs_scnp_allowed(b,
	                            "<distribution>", kinds[kind]), b->err)))
		return s;
	switch (kind) {
	case 0:
		if ((s = cs_scnp_need_dur(b, n, path, "value", "a constant", 0, &a)))
			return s;
		cs_dist_const(d, a);
		break;
	case 1:
		if ((s = cs_scnp_need_dur(b, n, path, "mean", "an exponential", 1e-12, &a)))
			return s;
		cs_dist_exp(d, a);
		break;
	case 2:
		if ((s = cs_scnp_need_dur(b, n, path, "min", "a uniform", 0, &a)) ||
		    (s = cs_scnp_need_dur(b, n, path, "max", "a uniform", a, &c)))
			return s;
		cs_dist_const(d, 0);
		d->kind = CS_DIST_UNIFORM;
		d->p1 = a;
		d->p2 = c;
		break;
	case 3:
	case 4:
		if (kind == 3 && cs_conf_get(n, "median") && (cs_conf_get(n, "mean") ||
		    cs_conf_get(n, "cv")))
			return cs_conf_error(b->c, n, path, b->err,
			    "a lognormal takes median and p95, or mean and cv, not both");
		if (cs_conf_get(n, "median") && kind == 3) {
			if ((s = cs_scnp_need_dur(b, n, path, "median", "a lognormal", 1e-12, &a)) ||
			    (s = cs_scnp_need_dur(b, n, path, "p95", "a lognormal", a, &c)))
				return s;
			cs_dist_lognormal_median_p95(d, a, c);
			if (c == a)
				cs_dist_const(d, a);
		} else {
			const char *what = kind == 3 ? "a lognormal" : "a gamma";

			if (!cs_conf_get(n, "mean"))
				return cs_conf_error(b->c, n, path, b->err,
				    "%s distribution needs \"mean\" and \"cv\"%s", what,
				    kind == 3 ? ", or \"median\" and \"p95\"" : "");
			if ((s = cs_scnp_need_dur(b, n, path, "mean", what, 1e-12, &a)) ||
			    (s = need_num(b, n, path, "cv", what, 1e-6, 100, &c)))
				return s;
			if (kind == 3)
				cs_dist_lognormal_mean_cv(d, a, c);
			else
				cs_dist_gamma_mean_cv(d, a, c);
		}
		break;
	case 5:
		if ((s = need_num(b, n, path, "shape", "a weibull", 0.05, 100, &k)))
			return s;
		if (cs_conf_get(n, "mean")) {
			if ((s = cs_scnp_need_dur(b, n, path, "mean", "a weibull", 1e-12, &a)))
				return s;
			/* scale from mean: lambda = mean / Gamma(1 + 1/k) */
			cs_dist_const(d, 0);
			d->kind = CS_DIST_WEIBULL;
			d->p1 = k;
			d->p2 = 1;
			d->p2 = a / cs_dist_mean(d);
		} else {
			return cs_conf_error(b->c, n, path, b->err,
			    "a weibull distribution needs \"shape\" and \"mean\"");
		}
		break;
	case 6:
		if ((s = empirical(b, n, path, d)))
			return s;
		break;
	}
	if ((s = cs_scnp_opt_num(b, n, path, "scale", 0, 1e6, &scale)))
		return s;
	d->scale = scale;
	return CS_OK;
}
