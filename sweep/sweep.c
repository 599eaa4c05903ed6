/* What-if grids: parsing the --vary specs and running the points. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calibration/fit.h"
#include "models/reuse.h"
#include "sim/replicate.h"
#include "sweep/sweep.h"

#define MAXVALUES 100000

typedef struct dim {
	char *path;
	char **values;
	size_t n;
	size_t cap;   /* values allocated */
} dim;

struct cs_sweep {
	dim *dims;
	size_t ndims;
	size_t npoints;
	char *spec;
	bool no_share;  /* run every replication (cs_sweep_set_share) */
};

static char *
xstrndup(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = 0;
	}
	return d;
}

static int
push(dim *d, const char *s, size_t n)
{
	char **nv;

	if (d->n >= MAXVALUES)
		return -1;
	if (d->n == d->cap) {
		/* doubling: a value at a time would copy the list each time */
		size_t cap = d->cap ? 2 * d->cap : 8;

		nv = realloc(d->values, cap * sizeof *nv);
		if (!nv)
			return -1;
		d->values = nv;
		d->cap = cap;
	}
	if (!(d->values[d->n] = xstrndup(s, n)))
		return -1;
	d->n++;
	return 0;
}

/* "12.5ms" -> 12.5 and suffix "ms".  -1 if there is no number. */
static int
num_suffix(const char *s, double *v, const char **suffix)
{
	char *end;

	*v = strtod(s, &end);
	if (end == s || !isfinite(*v))
		return -1;
	*suffix = end;
	return 0;
}

static cs_status
range(dim *d, const char *spec, const char *vals, cs_error *err)
{
	char a[64], b[64], c[64];
	const char *sa, *sb, *sc;
	double lo, hi, step, n;
	size_t k;

	if (sscanf(vals, "%63[^:]:%63[^:]:%63s", a, b, c) != 3 ||
	    num_suffix(a, &lo, &sa) || num_suffix(b, &hi, &sb) ||
	    num_suffix(c, &step, &sc))
		return cs_error_set(err, CS_ERR_USAGE, "--vary", 0, 0, spec,
		    "a range is LO:HI:STEP, e.g. 10:60:5 or 100ms:1s:100ms");
	if (strcmp(sa, sb) || strcmp(sa, sc))
		return cs_error_set(err, CS_ERR_USAGE, "--vary", 0, 0, spec,
		    "LO, HI and STEP need the same unit (\"%s\", \"%s\", \"%s\"); "
		    "write a list instead", sa, sb, sc);
	if (!(step > 0) || hi < lo)
		return cs_error_set(err, CS_ERR_USAGE, "--vary", 0, 0, spec,
		    "a range needs STEP > 0 and HI >= LO");
	n = floor((hi - lo) / step + 1e-9) + 1;
	if (n > MAXVALUES)
		return cs_error_set(err, CS_ERR_USAGE, "--vary", 0, 0, spec,
		    "a range of %.0f values is too many (at most %d)", n,
		    MAXVALUES);
	for (k = 0; k < (size_t)n; k++) {
		char buf[96];
		double v = lo + (double)k * step;

		/* %.10g keeps 0.1 steps readable: 0.3, not 0.30000000000000004 */
		snprintf(buf, sizeof buf, "%.10g%s", v, sa);
		if (push(d, buf, strlen(buf)))
			return CS_ERR_NOMEM;
	}
	return CS_OK;
}

static cs_status
parse_one(dim *d, const char *spec, cs_error *err)
{
	const char *eq = strchr(spec, '='), *p, *vals;
	cs_status s;

	if (!eq || eq == spec || !eq[1])
		return cs_error_set(err, CS_ERR_USAGE, "--vary", 0, 0, spec,
		    "expected PATH=VALUES, e.g. db.pool.size=10:60:5 or "
		    "load.users=100,200,500");
	d->path = xstrndup(spec, (size_t)(eq - spec));
	if (!d->path)
		return CS_ERR_NOMEM;
	vals = eq + 1;
	if (strchr(vals, ':') && !strchr(vals, ',') && vals[0] != '{')
		return range(d, spec, vals, err);
	/* a list; a flow value in braces or brackets is one value */
	if (vals[0] == '{' || vals[0] == '[')
		return push(d, vals, strlen(vals)) ? CS_ERR_NOMEM : CS_OK;
	for (p = vals;;) {
		const char *c = strchr(p, ',');
		size_t n = c ? (size_t)(c - p) : strlen(p);

		if (n == 0)
			return cs_error_set(err, CS_ERR_USAGE, "--vary", 0, 0, spec,
			                    "empty value in the list");
		if ((s = push(d, p, n) ? CS_ERR_NOMEM : CS_OK))
			return s;
		if (!c)
			break;
		p = c + 1;
	}
	return CS_OK;
}

cs_status
cs_sweep_new(const char *const *specs, size_t nspecs, cs_sweep **out,
             cs_error *err)
{
	cs_sweep *sw = calloc(1, sizeof *sw);
	size_t i, j, len = 1;
	cs_status s;
	double total = 1;

	*out = NULL;
	if (!sw)
		return CS_ERR_NOMEM;
	if (nspecs == 0) {
		cs_sweep_free(sw);
		return cs_error_set(err, CS_ERR_USAGE, "--vary", 0, 0, "",
		    "give at least one --vary PATH=VALUES");
	}
	sw->dims = calloc(nspecs, sizeof *sw->dims);
	if (!sw->dims) {
		cs_sweep_free(sw);
		return CS_ERR_NOMEM;
	}
	for (i = 0; i < nspecs; i++) {
		sw->ndims++;
		if ((s = parse_one(&sw->dims[i], specs[i], err))) {
			cs_sweep_free(sw);
			return s;
		}
		for (j = 0; j < i; j++)
			if (!strcmp(sw->dims[j].path, sw->dims[i].path)) {
				cs_sweep_free(sw);
				return cs_error_set(err, CS_ERR_USAGE, "--vary", 0, 0,
				    specs[i], "%s is varied twice", specs[i]);
			}
		total *= (double)sw->dims[i].n;
		len += strlen(specs[i]) + 1;
	}
	if (total > 1e7) {
		cs_sweep_free(sw);
		return cs_error_set(err, CS_ERR_USAGE, "--vary", 0, 0, "",
		    "the grid has %.0f points; at most 10 million", total);
	}
	sw->npoints = (size_t)total;
	/* canonical spec: path=v1,v2,...;path=... */
	for (i = 0; i < sw->ndims; i++)
		for (j = 0; j < sw->dims[i].n; j++)
			len += strlen(sw->dims[i].values[j]) + 2;
	sw->spec = malloc(len + strlen(sw->dims[0].path) * sw->ndims + 16);
	if (!sw->spec) {
		cs_sweep_free(sw);
		return CS_ERR_NOMEM;
	}
	/* appended at a moving end: strcat would rescan the whole text for
	 * every value, seconds for a 100000-value range */
	{
		char *e = sw->spec;

		for (i = 0; i < sw->ndims; i++) {
			if (i)
				*e++ = ';';
			e = stpcpy(e, sw->dims[i].path);
			*e++ = '=';
			for (j = 0; j < sw->dims[i].n; j++) {
				if (j)
					*e++ = ',';
				e = stpcpy(e, sw->dims[i].values[j]);
			}
		}
		*e = 0;
	}
	*out = sw;
	return CS_OK;
}

void
cs_sweep_free(cs_sweep *sw)
{
	size_t i, j;

	if (!sw)
		return;
	for (i = 0; i < sw->ndims; i++) {
		for (j = 0; j < sw->dims[i].n; j++)
			free(sw->dims[i].values[j]);
		free(sw->dims[i].values);
		free(sw->dims[i].path);
	}
	free(sw->dims);
	free(sw->spec);
	free(sw);
}

size_t cs_sweep_npoints(const cs_sweep *sw) { return sw->npoints; }
void cs_sweep_set_share(cs_sweep *sw, bool share) { sw->no_share = !share; }
size_t cs_sweep_ndims(const cs_sweep *sw) { return sw->ndims; }
const char *cs_sweep_path(const cs_sweep *sw, size_t d) { return sw->dims[d].path; }
size_t cs_sweep_nvalues(const cs_sweep *sw, size_t d) { return sw->dims[d].n; }
const char *cs_sweep_spec(const cs_sweep *sw) { return sw->spec; }

const char *
cs_sweep_value_at(const cs_sweep *sw, size_t d, size_t k)
{
	return sw->dims[d].values[k];
}

const char *
cs_sweep_value(const cs_sweep *sw, size_t point, size_t d)
{
	size_t k, stride = 1;

	/* row-major: the last dimension varies fastest */
	for (k = sw->ndims; k-- > d + 1;)
		stride *= sw->dims[k].n;
	return sw->dims[d].values[(point / stride) % sw->dims[d].n];
}

/* ---- a point's overrides, and its prediction interval ------------------ */

/* The overrides of point: sets[0..nsets), then "path=value" for each
 * dimension, into *all (nsets + ndims entries); the latter are owned by
 * *own (ndims strings).  Free both with overrides_free, also after a
 * failure (CS_ERR_NOMEM). */
static cs_status
overrides(const cs_sweep *sw, size_t point, const char *const *sets,
          size_t nsets, const char ***all, char ***own)
{
	size_t k;

	*all = calloc(nsets + sw->ndims + 1, sizeof **all);
	*own = calloc(sw->ndims + 1, sizeof **own);
	if (!*all || !*own)
		return CS_ERR_NOMEM;
	for (k = 0; k < nsets; k++)
		(*all)[k] = sets[k];
	for (k = 0; k < sw->ndims; k++) {
		const char *v = cs_sweep_value(sw, point, k);
		size_t len = strlen(sw->dims[k].path) + strlen(v) + 2;

		if (!((*own)[k] = malloc(len)))
			return CS_ERR_NOMEM;
		snprintf((*own)[k], len, "%s=%s", sw->dims[k].path, v);
		(*all)[nsets + k] = (*own)[k];
	}
	return CS_OK;
}

static void
overrides_free(const cs_sweep *sw, const char **all, char **own)
{
	size_t k;

	for (k = 0; own && k < sw->ndims; k++)
		free(own[k]);
	free(own);
	free(all);
}


cs_status
cs_sweep_point_pi(const cs_sweep *sw, size_t point, const char *scenario,
                  const char *const *sets, size_t nsets,
                  const cs_run_opts *ro, const cs_cal_pred *centre,
                  struct cs_reuse *reuse, size_t limit_dim,
                  cs_cal_run_pi *pi, cs_error *err)
{
	const char **all;
	char **own, *key = NULL;
	cs_status s = overrides(sw, point, sets, nsets, &all, &own);

	if (!s && reuse && !(key = cs_sweep_reuse_key(sw, point, limit_dim, "")))
		s = CS_ERR_NOMEM;
	if (s)
		cs_error_set(err, s, "", 0, 0, "", "out of memory");
	else
		s = cs_cal_run_pi_shared(scenario, all, nsets + sw->ndims, ro,
		                         centre, reuse, key, pi, err);
	overrides_free(sw, all, own);
	free(key);
	return s;
}

/* ---- running ------------------------------------------------------------ */

struct cs_reuse *
cs_sweep_reuse_new(const cs_sweep *sw, size_t *limit_dim)
{
	size_t t, k, best = SIZE_MAX;
	int rank = -1;

	if (sw->no_share)
		return NULL;
	/* the most preferred limit varied (db.pool.size, app.workers, a
	 * service's concurrency: the others' values are then part of the
	 * key), none when its path is varied twice (the last value wins) */
	for (t = 0; t < sw->ndims; t++) {
		int r = cs_reuse_rank(sw->dims[t].path);

		if (r >= 0 && (rank < 0 || r < rank)) {
			rank = r;
			best = t;
		}
	}
	if (best == SIZE_MAX)
		return NULL;
	for (k = 0; k < sw->ndims; k++)
		if (k != best && !strcmp(sw->dims[k].path, sw->dims[best].path))
			return NULL;
	*limit_dim = best;
	return cs_reuse_new(sw->dims[best].path);
}

char *
cs_sweep_reuse_key(const cs_sweep *sw, size_t point, size_t limit_dim,
                   const char *prefix)
{
	size_t len = strlen(prefix) + 1, k;
	char *key;

	for (k = 0; k < sw->ndims; k++)
		len += strlen(sw->dims[k].path) + strlen(cs_sweep_value(sw, point,
		                                                        k)) + 2;
	key = malloc(len);
	if (!key)
		return NULL;
	strcpy(key, prefix);
	for (k = 0; k < sw->ndims; k++)
		if (k != limit_dim) {
			strcat(key, sw->dims[k].path);
			strcat(key, "=");
			strcat(key, cs_sweep_value(sw, point, k));
			strcat(key, "\n");
		}
	return key;
}

typedef struct job {
	const cs_sweep *sw;
	const char *scenario;
	const char *const *sets;
	size_t nsets;
	cs_run_opts ro;
	const size_t *wanted;
	cs_sweep_cb cb;
	void *ctx;
	pthread_mutex_t lock;
	int stop;
	cs_error *errs;     /* per wanted entry */
	cs_reuse *reuse;    /* replications shared across a limit's values,
	                     * or NULL */
	size_t limit_dim;    /* the dimension that is that limit */
} job;

static cs_status
point(unsigned t, void *arg)
{
	job *jb = arg;
	size_t i = jb->wanted[t], k, n = jb->nsets + jb->sw->ndims;
	const char **sets = NULL;
	char **own = NULL, *key = NULL;
	cs_scenario *sc = NULL;
	cs_result *res = NULL;
	cs_status s;
	int stop;

	pthread_mutex_lock(&jb->lock);
	stop = jb->stop;
	pthread_mutex_unlock(&jb->lock);
	if (stop)
		return CS_OK;
	if ((s = overrides(jb->sw, i, jb->sets, jb->nsets, &sets, &own)))
		goto out;
	s = cs_scenario_load_file(jb->scenario, sets, n, &sc, &jb->errs[t]);
	if (s && !strcmp(jb->errs[t].file, "--set"))
		for (k = 0; k < jb->sw->ndims; k++)
			if (!strcmp(jb->errs[t].path, own[k])) {
				/* the value came from --vary: say so */
				snprintf(jb->errs[t].file, sizeof jb->errs[t].file,
				         "--vary");
				break;
			}
	if (!s && jb->reuse) {
		key = cs_sweep_reuse_key(jb->sw, i, jb->limit_dim, "");
		if (!key)
			s = CS_ERR_NOMEM;
	}
	if (!s)
		s = cs_run_reuse(sc, &jb->ro, jb->reuse, key, &res,
		                 &jb->errs[t]);
	if (!s) {
		pthread_mutex_lock(&jb->lock);
		if (!jb->stop && jb->cb(i, res, jb->ctx))
			jb->stop = 1;
		pthread_mutex_unlock(&jb->lock);
	}
out:
	free(key);
	cs_result_free(res);
	cs_scenario_free(sc);
	overrides_free(jb->sw, sets, own);
	return s;
}

cs_status
cs_sweep_run(const cs_sweep *sw, const char *scenario,
             const char *const *sets, size_t nsets, const cs_run_opts *ro,
             const size_t *wanted, size_t nwanted, unsigned jobs,
             cs_sweep_cb cb, void *ctx, cs_error *err)
{
	job jb = { 0 };
	size_t t;
	cs_status s;

	if (nwanted == 0)
		return CS_OK;
	jb.sw = sw;
	jb.scenario = scenario;
	jb.sets = sets;
	jb.nsets = nsets;
	if (ro)
		jb.ro = *ro;
	jb.ro.jobs = 1; /* parallel across points instead */
	jb.wanted = wanted;
	jb.cb = cb;
	jb.ctx = ctx;
	jb.errs = calloc(nwanted, sizeof *jb.errs);
	if (!jb.errs)
		return CS_ERR_NOMEM;
	/* a pool (or workers) sweep: a replication in which the limit never
	 * bound is the same run at every larger value (models/reuse.h);
	 * without memory for the store every point simply runs */
	jb.reuse = cs_sweep_reuse_new(sw, &jb.limit_dim);
	pthread_mutex_init(&jb.lock, NULL);
	s = cs_sim_replicate((unsigned)nwanted, jobs, point, &jb);
	if (s && err) {
		/* the lowest failing point: the same message whatever jobs is */
		for (t = 0; t < nwanted; t++)
			if (jb.errs[t].msg[0]) {
				*err = jb.errs[t];
				break;
			}
	}
	pthread_mutex_destroy(&jb.lock);
	cs_reuse_free(jb.reuse);
	free(jb.errs);
	return s;
}
