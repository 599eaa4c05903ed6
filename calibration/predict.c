/*
 * Prediction intervals from a calibrated scenario: the parameter
 * uncertainty its calibration block records, sampled and simulated by the
 * caller, and the real system's between-run and sampling noise.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "calibration/fit-private.h"
#include "config/conf.h"
#include "models/reuse.h"
#include "sim/replicate.h"

static const char *const kind_names[] = {
	"duration", "rate", "ratio", "number", "integer", NULL
};

void
cs_cal_unc_free(cs_cal_unc *u)
{
	size_t k;

	if (!u)
		return;
	for (k = 0; k < u->n; k++) {
		free(u->params[k].path);
		free(u->params[k].pin);
	}
	free(u->params);
	free(u->draws);
	memset(u, 0, sizeof *u);
}

static cs_status
read_param(const cs_conf *cf, const cs_conf_node *n, const char *base,
           cs_cal_unc_param *p, cs_error *err)
{
	static const char *const keys[] = {
		"path", "kind", "value", "se_log", "low", "high", "identified",
		"pin", NULL
	};
	char path[300];
	const char *str;
	cs_conf_node *x;
	cs_status s;
	int kind;
	bool b = true;

	if ((s = cs_conf_expect_map(cf, n, base, err)) ||
	    (s = cs_conf_check_keys(cf, n, base, keys, err)))
		return s;
	p->se_log = NAN;
	p->identified = 1;
#define NEED(key) do { x = cs_conf_get(n, key); cs_conf_path(path, \
		sizeof path, base, key); if (!x) return cs_conf_error(cf, n, \
		path, err, "missing"); } while (0)
	NEED("path");
	if ((s = cs_conf_string(cf, x, path, &str, err)))
		return s;
	if (!(p->path = strdup(str)))
		return cs_error_set(err, CS_ERR_NOMEM, "", 0, 0, "",
		                    "out of memory");
	NEED("kind");
	if ((s = cs_conf_enum(cf, x, path, kind_names, &kind, err)))
		return s;
	p->kind = (cs_cal_kind)kind;
	NEED("value");
	if ((s = cs_conf_number(cf, x, path, 0, 1e300, &p->value, err)))
		return s;
	NEED("low");
	if ((s = cs_conf_number(cf, x, path, 0, 1e300, &p->lo, err)))
		return s;
	NEED("high");
	if ((s = cs_conf_number(cf, x, path, p->lo, 1e300, &p->hi, err)))
		return s;
#undef NEED
	if ((x = cs_conf_get(n, "identified"))) {
		cs_conf_path(path, sizeof path, base, "identified");
		if ((s = cs_conf_bool(cf, x, path, &b, err)))
			return s;
	}
	p->identified = b;
	if ((x = cs_conf_get(n, "pin"))) {
		cs_conf_path(path, sizeof path, base, "pin");
		if ((s = cs_conf_string(cf, x, path, &str, err)))
			return s;
		if (!(p->pin = strdup(str)))
			return cs_error_set(err, CS_ERR_NOMEM, "", 0, 0, "",
			                    "out of memory");
	}
	if ((x = cs_conf_get(n, "se_log"))) {
		cs_conf_path(path, sizeof path, base, "se_log");
		if ((s = cs_conf_number(cf, x, path, 0, 100, &p->se_log, err)))
			return s;
	}
	if (!(p->lo > 0) || p->value < p->lo || p->value > p->hi) {
		cs_conf_path(path, sizeof path, base, "value");
		return cs_conf_error(cf, n, path, err, "value %g must lie in "
		                     "low .. high (%g .. %g), low > 0", p->value,
		                     p->lo, p->hi);
	}
	return CS_OK;
}

/*
 * The CPU work a machine's speed scales (docs/calibration.md 2.4.3): the
 * time of every cpu and query step, and the fixed CPU.  A scale the
 * block does not fit is added to it at the file's value (1 if the file
 * leaves it out), fixed; a fixed CPU the file leaves at 0 has nothing to
 * scale.
 */
static const char *const speed_paths[4][2] = {
	{ "app", "cpu_scale" }, { "db", "query_scale" },
	{ "app", "overhead" }, { "db", "overhead" },
};

static cs_status
speed_columns(const cs_conf *cf, cs_cal_unc *u, cs_error *err)
{
	size_t w, k, j, n0 = u->n;
	cs_cal_unc_param *np;

	np = realloc(u->params, (u->n + 5) * sizeof *np);
	if (!np)
		return cs_error_set(err, CS_ERR_NOMEM, "", 0, 0, "",
		                    "out of memory");
	u->params = np;
	for (w = 0; w < 4; w++) {
		char path[64];
		cs_conf_node *sec = cf->root ? cs_conf_get(cf->root,
		                    speed_paths[w][0]) : NULL;
		cs_conf_node *x;
		double v = w < 2 ? 1 : 0;
		cs_cal_kind kind;
		int pct;

		snprintf(path, sizeof path, "%s.%s", speed_paths[w][0],
		         speed_paths[w][1]);
		for (k = 0; k < n0 && strcmp(u->params[k].path, path); k++)
			;
		if (k < n0) {
			u->speed_col[u->nspeed++] = k;
			continue;
		}
		if (!sec || sec->kind != CS_CONF_MAP)
			continue; /* no such part in the model */
		if ((x = cs_conf_get(sec, speed_paths[w][1])) && x->value &&
		    cs_calp_parse_value(x->value, &v, &kind, &pct))
			continue; /* not a plain number: leave it be */
		if (!(v > 0))
			continue;
		np = &u->params[u->n];
		memset(np, 0, sizeof *np);
		if (!(np->path = strdup(path)))
			return cs_error_set(err, CS_ERR_NOMEM, "", 0, 0, "",
			                    "out of memory");
		np->kind = CS_CAL_NUMBER;
		np->value = np->lo = np->hi = v;
		np->se_log = NAN;
		np->identified = 1;
		u->speed_col[u->nspeed++] = u->n++;
	}
	if (u->n > n0 && u->ndraws) {
		/* the sample's rows get the added values */
		double *d = malloc(u->ndraws * u->n * sizeof *d);

		if (!d)
			return cs_error_set(err, CS_ERR_NOMEM, "", 0, 0, "",
			                    "out of memory");
		for (j = 0; j < u->ndraws; j++)
			for (k = 0; k < u->n; k++)
				d[j * u->n + k] = k < n0 ?
				    u->draws[j * n0 + k] : u->params[k].value;
		free(u->draws);
		u->draws = d;
	}
	return CS_OK;
}

bool
cs_cal_has_params(const char *path)
{
	cs_cal_unc u;
	bool has;

	if (cs_cal_unc_read(path, &u, NULL))
		return false;
	has = u.n > 0;
	cs_cal_unc_free(&u);
	return has;
}

cs_status
cs_cal_unc_read(const char *file, cs_cal_unc *u, cs_error *err)
{
	static const char *const keys[] = {
		"parameters", "noise", "discrepancy", "error_rate_units",
		"draws", "speed_noise", "speed_dof", NULL
	};
	static const char *const units[] = { "angle", "fraction", NULL };
	static const char *const maps[] = { "noise", "discrepancy" };
	int b;
	cs_conf *cf = NULL;
	cs_conf_node *blk, *ps, *nz;
	cs_status s;
	size_t k;
	int m;

	memset(u, 0, sizeof *u);
	for (m = 0; m < CS_CAL_NMETRICS; m++)
		u->noise[m] = cs_cal_noise_default((cs_cal_metric)m);
	if ((s = cs_conf_parse_file(file, &cf, err)))
		return s;
	blk = cf->root ? cs_conf_get(cf->root, "calibration") : NULL;
	if (!blk) {
		cs_conf_free(cf);
		return CS_OK;
	}
	u->has_block = 1;
	if ((s = cs_conf_expect_map(cf, blk, "calibration", err)) ||
	    (s = cs_conf_check_keys(cf, blk, "calibration", keys, err)))
		goto out;
	/* blocks written before the error rate's angle scale say nothing:
	 * theirs are of the fraction */
	u->err_fraction = 1;
	if ((nz = cs_conf_get(blk, "error_rate_units"))) {
		int which;

		if ((s = cs_conf_enum(cf, nz, "calibration.error_rate_units",
		                      units, &which, err)))
			goto out;
		u->err_fraction = which == 1;
	}
	if ((ps = cs_conf_get(blk, "parameters"))) {
		if ((s = cs_conf_expect_seq(cf, ps, "calibration.parameters",
		                            err)))
			goto out;
		u->params = calloc(ps->n + 1, sizeof *u->params);
		if (!u->params) {
			s = cs_error_set(err, CS_ERR_NOMEM, "", 0, 0, "",
			                 "out of memory");
			goto out;
		}
		for (k = 0; k < ps->n; k++) {
			char base[64];

			cs_conf_path_index(base, sizeof base,
			                   "calibration.parameters", k);
			u->n++;
			if ((s = read_param(cf, ps->items[k], base,
			                    &u->params[k], err)))
				goto out;
		}
	}
	for (b = 0; b < 2; b++) {
		const char *names[CS_CAL_NMETRICS + 1];
		char base[32];
		double *dst = b ? u->discrepancy : u->noise;

		if (!(nz = cs_conf_get(blk, maps[b])))
			continue;
		snprintf(base, sizeof base, "calibration.%s", maps[b]);

		for (m = 0; m < CS_CAL_NMETRICS; m++)
			names[m] = cs_cal_metric_name((cs_cal_metric)m);
		names[CS_CAL_NMETRICS] = NULL;
		if ((s = cs_conf_expect_map(cf, nz, base, err)) ||
		    (s = cs_conf_check_keys(cf, nz, base, names, err)))
			goto out;
		for (m = 0; m < CS_CAL_NMETRICS; m++) {
			cs_conf_node *x = cs_conf_get(nz, names[m]);
			char path[64];

			cs_conf_path(path, sizeof path, base, names[m]);
			if (x && (s = cs_conf_number(cf, x, path, 0, 10,
			                             &dst[m], err)))
				goto out;
		}
	}
	if ((nz = cs_conf_get(blk, "draws"))) {
		if ((s = cs_conf_expect_seq(cf, nz, "calibration.draws", err)))
			goto out;
		u->draws = calloc(nz->n * u->n + 1, sizeof *u->draws);
		if (!u->draws) {
			s = cs_error_set(err, CS_ERR_NOMEM, "", 0, 0, "",
			                 "out of memory");
			goto out;
		}
		for (k = 0; k < nz->n; k++) {
			cs_conf_node *row = nz->items[k];
			char base[64];
			size_t j;

			cs_conf_path_index(base, sizeof base, "calibration.draws",
			                   k);
			if ((s = cs_conf_expect_seq(cf, row, base, err)))
				goto out;
			if (row->n != u->n) {
				s = cs_conf_error(cf, row, base, err, "expected %zu "
				    "values, one per parameter (got %zu)", u->n,
				    row->n);
				goto out;
			}
			for (j = 0; j < u->n; j++) {
				const cs_cal_unc_param *p = &u->params[j];
				double *x = &u->draws[k * u->n + j];

				if ((s = cs_conf_number(cf, row->items[j], base,
				                        p->lo, p->hi, x, err)))
					goto out;
			}
		}
		u->ndraws = nz->n;
	}
	u->nfile = u->n;
	if ((nz = cs_conf_get(blk, "speed_noise"))) {
		if ((s = cs_conf_number(cf, nz, "calibration.speed_noise", 0, 1,
		                        &u->speed_noise, err)))
			goto out;
		if (u->speed_noise > 0 && (s = speed_columns(cf, u, err)))
			goto out;
	}
	if ((nz = cs_conf_get(blk, "speed_dof")) &&
	    (s = cs_conf_number(cf, nz, "calibration.speed_dof", 1, 1e6,
	                        &u->speed_dof, err)))
		goto out;
	s = CS_OK;
out:
	cs_conf_free(cf);
	if (s)
		cs_cal_unc_free(u);
	return s;
}

void
cs_cal_unc_draw(const cs_cal_unc *u, size_t nd, uint64_t seed, double *v)
{
	gsl_rng *rng;
	size_t *perm, j, k;

	if (!u->n || !nd)
		return;
	if (nd == 1) {
		for (k = 0; k < u->n; k++)
			v[k] = u->params[k].value;
		return;
	}
	rng = gsl_rng_alloc(gsl_rng_mt19937);
	perm = malloc(nd * sizeof *perm);
	if (!rng || !perm) {
		/* no room to sample: every draw is the calibrated values */
		for (j = 0; j < nd; j++)
			for (k = 0; k < u->n; k++)
				v[j * u->n + k] = u->params[k].value;
		gsl_rng_free(rng);
		free(perm);
		return;
	}
	gsl_rng_set(rng, seed ^ 0x9e3779b97f4a7c15ULL);
	for (k = 0; k < u->n; k++) {
		const cs_cal_unc_param *p = &u->params[k];

		for (j = 0; j < nd; j++)
			perm[j] = j;
		gsl_ran_shuffle(rng, perm, nd, sizeof *perm);
		for (j = 0; j < nd; j++) {
			/* one draw per stratum of [0, 1) in every dimension */
			double q = ((double)perm[j] + gsl_rng_uniform(rng)) /
			           (double)nd, x;

			if (q <= 0)
				q = 0.5 / (double)nd;
			if (p->identified && isfinite(p->se_log))
				x = log(p->value) + p->se_log *
				    gsl_cdf_ugaussian_Pinv(q);
			else if (p->identified)
				x = log(p->value);
			else
				x = log(p->lo) + q * (log(p->hi) - log(p->lo));
			x = exp(x);
			x = fmin(fmax(x, p->lo), p->hi);
			if (p->kind == CS_CAL_INTEGER)
				x = floor(x + 0.5);
			v[j * u->n + k] = x;
		}
	}
	free(perm);
	gsl_rng_free(rng);
}

cs_status
cs_cal_unc_sets(const cs_cal_unc *u, uint64_t seed, double **out, size_t *nd,
                cs_error *err)
{
	*nd = u->ndraws ? u->ndraws : 16;
	*out = malloc((*nd * u->n + 1) * sizeof **out);
	if (!*out)
		return cs_error_set(err, CS_ERR_NOMEM, "", 0, 0, "",
		                    "out of memory");
	if (u->ndraws)
		memcpy(*out, u->draws, *nd * u->n * sizeof **out);
	else
		cs_cal_unc_draw(u, *nd, seed, *out);
	cs_cal_unc_speed(u, *out, *nd, seed);
	return CS_OK;
}

void
cs_cal_unc_speed(const cs_cal_unc *u, double *v, size_t nd, uint64_t seed)
{
	gsl_rng *rng;
	size_t *perm, j, k;

	if (!(u->speed_noise > 0) || !u->nspeed || !nd)
		return;
	rng = gsl_rng_alloc(gsl_rng_mt19937);
	perm = malloc(nd * sizeof *perm);
	if (!rng || !perm) {
		/* no room: the sets keep the calibrated speed */
		gsl_rng_free(rng);
		free(perm);
		return;
	}
	gsl_rng_set(rng, seed ^ 0x5851f42d4c957f2dULL);
	for (j = 0; j < nd; j++)
		perm[j] = j;
	gsl_ran_shuffle(rng, perm, nd, sizeof *perm);
	for (j = 0; j < nd; j++) {
		/* the middle of one stratum of probability per set */
		double q = ((double)perm[j] + 0.5) / (double)nd;
		double z = u->speed_dof > 0 ?
		           gsl_cdf_tdist_Pinv(q, u->speed_dof) :
		           gsl_cdf_ugaussian_Pinv(q);
		double f = exp(u->speed_noise * z);

		for (k = 0; k < u->nspeed; k++)
			v[j * u->n + u->speed_col[k]] *= f;
	}
	free(perm);
	gsl_rng_free(rng);
}

void
cs_cal_unc_assign(const cs_cal_unc *u, size_t k, double v, char *buf,
                  size_t size)
{
	char val[64];

	cs_cal_format(u->params[k].kind, 0, v, val, sizeof val);
	snprintf(buf, size, "%s=%s", u->params[k].path, val);
}

/* The mixture's CDF at x: mean of Phi((x - z_j) / sd). */
static double
mix_cdf(const double *z, size_t n, double sd, double x)
{
	double f = 0;
	size_t j;

	for (j = 0; j < n; j++)
		f += gsl_cdf_ugaussian_P((x - z[j]) / sd);
	return f / (double)n;
}

static double
mix_quantile(const double *z, size_t n, double sd, double q)
{
	double lo = INFINITY, hi = -INFINITY;
	size_t j;
	int it;

	for (j = 0; j < n; j++) {
		lo = fmin(lo, z[j]);
		hi = fmax(hi, z[j]);
	}
	lo -= 10 * sd;
	hi += 10 * sd;
	for (it = 0; it < 200; it++) {
		double mid = 0.5 * (lo + hi);

		if (mix_cdf(z, n, sd, mid) < q)
			lo = mid;
		else
			hi = mid;
	}
	return 0.5 * (lo + hi);
}

/* de/dz at error rate e, z = asin(sqrt(e)): 2 sqrt(e (1 - e)), e kept off
 * 0 and 1 where the slope vanishes. */
static double
frac_per_angle(double e)
{
	e = isnan(e) ? 1e-4 : fmin(fmax(e, 1e-4), 1 - 1e-4);
	return 2 * sqrt(e * (1 - e));
}

/* The variance the block adds to metric m: its floor and discrepancy,
 * for the error rate on the angle, converted at rate e (delta method)
 * from a block whose figures are of the fraction. */
static double
block_var(const cs_cal_unc *u, size_t m, double e)
{
	double n = u->noise[m], d = u->discrepancy[m];

	if (m == CS_CAL_ERROR_RATE && u->err_fraction) {
		n /= frac_per_angle(e);
		d /= frac_per_angle(e);
	}
	return n * n + d * d;
}

void
cs_cal_pi(cs_cal_metric m, const double *y, size_t n, double sd,
          double alpha, double *lo, double *hi)
{
	double *z = malloc((n + 1) * sizeof *z);
	size_t j, k = 0;
	int rel = m != CS_CAL_ERROR_RATE;

	*lo = *hi = NAN;
	if (!z)
		return;
	for (j = 0; j < n; j++) {
		if (isnan(y[j]) || (rel && !(y[j] > 0)))
			continue;
		z[k++] = rel ? log(y[j]) : cs_cal_angle(y[j]);
	}
	if (k) {
		sd = fmax(sd, 1e-9);
		*lo = mix_quantile(z, k, sd, alpha / 2);
		*hi = mix_quantile(z, k, sd, 1 - alpha / 2);
		if (rel) {
			*lo = exp(*lo);
			*hi = exp(*hi);
			/* a utilization cannot pass 100% */
			if (m == CS_CAL_APP_CPU || m == CS_CAL_DB_CPU ||
			    m == CS_CAL_EVENT_LOOP) {
				*lo = fmin(*lo, 1);
				*hi = fmin(*hi, 1);
			}
		} else {
			*lo = cs_cal_unangle(*lo);
			*hi = cs_cal_unangle(*hi);
		}
	}
	free(z);
}

/*
 * The draws of a prediction interval run on one seed (common random
 * numbers): all of them share one replication's noise — one layout of
 * users pinned to processes, one stretch of slow answers — which, left
 * in, would move the whole interval by that one replication's deviation
 * while the blur adds a run's noise again.  Shift metric m's draws y[0..n)
 * by the difference between the mean over the prediction's replications
 * and y0, the same one replication at the prediction's own values (a
 * ratio for relative metrics, a difference of angles for the error rate):
 * the draws then carry the parameters' effect only, and a run's noise
 * enters once, as the blur.  Nothing when y0 or mean is unusable.
 */
static void
recentre(cs_cal_metric m, double *y, size_t n, double y0, double mean)
{
	size_t j;

	if (!isfinite(y0) || !isfinite(mean))
		return;
	if (m == CS_CAL_ERROR_RATE) {
		double d = cs_cal_angle(mean) - cs_cal_angle(y0);

		for (j = 0; j < n; j++)
			if (!isnan(y[j]))
				y[j] = cs_cal_unangle(cs_cal_angle(y[j]) + d);
		return;
	}
	if (!(y0 > 0) || !(mean > 0))
		return;
	for (j = 0; j < n; j++)
		y[j] *= mean / y0;
}

/*
 * The standard deviation of one replication of metric m (of ln value; of
 * the error rate's angle, by the delta method: sd(e) / (2 sqrt(e (1 -
 * e)))), from the prediction's 95% CI over its replications: half-width /
 * t(0.975, R - 1) x sqrt(R).  0 with fewer than 3 replications (too few
 * to say).
 */
static double
replication_sd(cs_cal_metric m, const cs_cal_pred *p)
{
	double half = (p->hi[m] - p->lo[m]) / 2, t, s;

	if (p->reps < 3 || !(half >= 0) || isnan(p->mean[m]))
		return 0;
	t = gsl_cdf_tdist_Pinv(0.975, (double)(p->reps - 1));
	s = half / t * sqrt((double)p->reps);
	/* a new run against the mean of R: sqrt(1 + 1/R) of it, with the
	 * tails of Student's t on R - 1 degrees of freedom where the
	 * interval's normal blur has z's (at the 90% interval's ends) */
	s *= sqrt(1 + 1 / (double)p->reps) *
	     gsl_cdf_tdist_Pinv(0.95, (double)(p->reps - 1)) /
	     gsl_cdf_ugaussian_Pinv(0.95);
	if (m == CS_CAL_ERROR_RATE)
		return s / frac_per_angle(p->mean[m]);
	return p->mean[m] > 0 ? s / p->mean[m] : 0;
}

/* The answer res gives for every metric, with its CI and replications. */
void
cs_cal_pred_of_result(const cs_result *res, cs_cal_pred *p)
{
	size_t m;

	memset(p, 0, sizeof *p);
	p->reps = cs_result_replications(res);
	for (m = 0; m < CS_CAL_NMETRICS; m++)
		if (cs_result_metric(res, cs_cal_metric_path((cs_cal_metric)m),
		                     &p->mean[m], &p->lo[m], &p->hi[m]))
			p->mean[m] = p->lo[m] = p->hi[m] = NAN;
}

cs_status
cs_cal_run_pi_compute(const char *path, const char *const *sets, size_t nsets,
                      const cs_run_opts *ro, const cs_result *centre,
                      cs_cal_run_pi *out, cs_error *err)
{
	cs_cal_pred c;

	if (centre)
		cs_cal_pred_of_result(centre, &c);
	return cs_cal_run_pi_shared(path, sets, nsets, ro, centre ? &c : NULL,
	                            NULL, NULL, out, err);
}

/* One run of a prediction interval (cs_cal_run_pi_shared): run j of the
 * parameter sets drawn (j < nd), at the block's values with one
 * replication (j == nd) or with the run's own (j == nd + 1). */
typedef struct pijob {
	const char *path;
	const char *const *sets;
	size_t nsets;
	const cs_cal_unc *u;
	const double *draws;
	size_t nd;
	const cs_run_opts *ro;
	struct cs_reuse *reuse;
	const char *key;
	double *y;           /* nd x CS_CAL_NMETRICS, by metric */
	double *y0;          /* CS_CAL_NMETRICS: j == nd */
	cs_cal_pred *c0;     /* j == nd + 1 */
	double *window;      /* run 0's: the scenario's measured window */
	cs_error *errs;      /* per j */
} pijob;

static cs_status
pi_one(unsigned jj, void *arg)
{
	const pijob *pj = arg;
	const cs_cal_unc *u = pj->u;
	size_t j = jj, k, m, nd = pj->nd;
	const char **all = calloc(pj->nsets + u->n + 1, sizeof *all);
	char *abuf = malloc(u->n * 600), *jkey = NULL;
	cs_scenario *sc = NULL;
	cs_result *res = NULL;
	cs_run_opts o = *pj->ro;
	cs_error *err = &pj->errs[j];
	cs_status s;

	if (!all || !abuf) {
		s = cs_error_set(err, CS_ERR_NOMEM, "", 0, 0, "", "out of memory");
		goto out;
	}
	for (k = 0; k < pj->nsets; k++)
		all[k] = pj->sets[k];
	for (k = 0; k < u->n; k++) {
		cs_cal_unc_assign(u, k, j < nd ? pj->draws[j * u->n + k] :
		                  u->params[k].value, abuf + 600 * k, 600);
		all[pj->nsets + k] = abuf + 600 * k;
	}
	if ((s = cs_scenario_load_file(pj->path, all, pj->nsets + u->n, &sc,
	                               err)))
		goto out;
	if (j == 0)
		*pj->window = cs_scenario_duration(sc) - cs_scenario_warmup(sc);
	/* a real test is one replication: the sequential rule (--precision)
	 * is for the model's own CIs, not for these; they run side by side,
	 * each on one thread */
	if (j <= nd) {
		o.replications = 1;
		o.precision = 0;
		o.jobs = 1;
	}
	o.timeseries = 0;
	o.progress = NULL;
	if (pj->reuse) {
		/* each draw (and the centre) its own runs: the same parameters
		 * and options at every point of the key */
		size_t len = strlen(pj->key) + 32;

		if (!(jkey = malloc(len))) {
			s = cs_error_set(err, CS_ERR_NOMEM, "", 0, 0, "",
			                 "out of memory");
			goto out;
		}
		snprintf(jkey, len, "%sinterval run %zu\n", pj->key, j);
	}
	s = pj->reuse ? cs_run_reuse(sc, &o, pj->reuse, jkey, &res, err) :
	                cs_run(sc, &o, &res, err);
	if (!s && j == nd + 1)
		cs_cal_pred_of_result(res, pj->c0);
	else if (!s)
		for (m = 0; m < CS_CAL_NMETRICS; m++) {
			double v = NAN;

			if (cs_result_metric(res, cs_cal_metric_path((cs_cal_metric)m),
			                     &v, NULL, NULL))
				v = NAN;
			if (j < nd)
				pj->y[m * nd + j] = v;
			else
				pj->y0[m] = v;
		}
out:
	cs_result_free(res);
	cs_scenario_free(sc);
	free(jkey);
	free(all);
	free(abuf);
	return s;
}

cs_status
cs_cal_run_pi_shared(const char *path, const char *const *sets, size_t nsets,
                     const cs_run_opts *ro, const cs_cal_pred *centre,
                     struct cs_reuse *reuse, const char *key,
                     cs_cal_run_pi *out, cs_error *err)
{
	cs_cal_unc u;
	double *draws = NULL, *y = NULL, window = NAN, y0[CS_CAL_NMETRICS];
	cs_cal_pred c0;
	cs_error *errs = NULL;
	pijob pj;
	size_t nd, j, k, m;
	cs_status s;

	memset(out, 0, sizeof *out);
	if ((s = cs_cal_unc_read(path, &u, err)))
		return s;
	if (!u.n) {
		cs_cal_unc_free(&u);
		return CS_OK;
	}
	if ((s = cs_cal_unc_sets(&u, ro->has_seed ? ro->seed : 1, &draws, &nd,
	                         err)))
		goto out;
	y = malloc(nd * CS_CAL_NMETRICS * sizeof *y);
	errs = calloc(nd + 2, sizeof *errs);
	if (!y || !errs) {
		s = cs_error_set(err, CS_ERR_NOMEM, "", 0, 0, "", "out of memory");
		goto out;
	}
	pj = (pijob){ .path = path, .sets = sets, .nsets = nsets, .u = &u,
	              .draws = draws, .nd = nd, .ro = ro, .reuse = reuse,
	              .key = key ? key : "", .y = y, .y0 = y0, .c0 = &c0,
	              .window = &window, .errs = errs };
	/* the draws (one replication each) and the block's own values with
	 * one (y0, the one the draws share), side by side on ro's threads;
	 * then, unless the caller ran them (centre), the run's own
	 * replications (c0: the centre, and one replication's spread) on
	 * those threads.  Each result goes to its own place: the same
	 * whatever the threads */
	if (centre)
		c0 = *centre;
	s = cs_sim_replicate((unsigned)nd + 1, ro->jobs, pi_one, &pj);
	if (!s && !centre)
		s = pi_one((unsigned)nd + 1, &pj);
	if (s) {
		/* the lowest failing run's error, as if they had run in turn */
		for (j = 0; j < nd + 2; j++)
			if (errs[j].msg[0]) {
				if (err)
					*err = errs[j];
				break;
			}
		goto out;
	}
	for (m = 0; m < CS_CAL_NMETRICS; m++)
		recentre((cs_cal_metric)m, y + m * nd, nd, y0[m], c0.mean[m]);
	for (m = 0; m < CS_CAL_NMETRICS; m++) {
		double x = 0, q = 0, samp, sd, rs;
		size_t c = 0;

		/* the sampling noise of a test as long as this run's window,
		 * at the draws' median throughput and metric */
		for (j = 0; j < nd; j++)
			if (y[CS_CAL_THROUGHPUT * nd + j] > 0 &&
			    !isnan(y[m * nd + j])) {
				x += y[CS_CAL_THROUGHPUT * nd + j];
				q += y[m * nd + j];
				c++;
			}
		samp = c ? cs_cal_sampling_sd((cs_cal_metric)m, q / (double)c,
		                              x / (double)c * window, NULL) : 0;
		rs = replication_sd((cs_cal_metric)m, &c0);
		/* a test is one replication (as cs_cal_point_pi) */
		if (rs > samp)
			samp = rs;
		sd = sqrt(block_var(&u, m, c ? q / (double)c : NAN) +
		          samp * samp);
		cs_cal_pi((cs_cal_metric)m, y + m * nd, nd, sd, 0.10,
		          &out->lo[m], &out->hi[m]);
	}
	for (k = 0; k < u.n; k++)
		if (!u.params[k].identified) {
			size_t len = strlen(out->unidentified), pl;

			snprintf(out->unidentified + len,
			         sizeof out->unidentified - len, "%s%s",
			         len ? ", " : "", u.params[k].path);
			pl = strlen(out->pin);
			if (u.params[k].pin && !strstr(out->pin, u.params[k].pin))
				snprintf(out->pin + pl, sizeof out->pin - pl, "%s%s",
				         pl ? "; " : "", u.params[k].pin);
		}
	out->has = 1;
	out->draws = nd;
	s = CS_OK;
out:
	free(draws);
	free(y);
	free(errs);
	cs_cal_unc_free(&u);
	return s;
}

/*
 * The 90% prediction interval of every metric at point i: the point
 * simulated at nd parameter sets drawn from the calibration block (the
 * fitted values when it has none), each blurred by the real system's
 * noise: the between-run floor and the sampling noise of a test as long
 * as the measured one at the predicted rate.
 */
cs_status
cs_cal_point_pi(cs_cal *cal, size_t i, const cs_cal_unc *u,
                const double *draws, size_t nd, const cs_cal_pred *pred,
                double *pi_lo, double *pi_hi, cs_error *err)
{
	const cs_imp_point *p = cs_cal_point_at(cal, i);
	double *y = calloc(nd * CS_CAL_NMETRICS + 1, sizeof *y);
	/* every draw's overrides, u->n after u->n, so that the draws can run
	 * at once (cs_calp_run_sets) */
	char *abuf = malloc((nd + 1) * u->n * 600 + 1);
	const char **as = calloc((nd + 1) * u->n + 1, sizeof *as);
	cs_cal_pred *q = malloc((nd + 1) * sizeof *q);
	cs_status *st = malloc((nd + 1) * sizeof *st);
	cs_error *errs = malloc((nd + 1) * sizeof *errs);
	size_t j, k, m, f;
	cs_status s = CS_OK;

	if (!y || !abuf || !as || !q || !st || !errs) {
		s = cs_error_set(err, CS_ERR_NOMEM, "", 0, 0, "",
		                 "out of memory");
		goto out;
	}
	if (u->n == 0) {
		for (j = 0; j < nd; j++)
			q[j] = *pred;
	} else if (i >= cal->npoints) {
		s = cs_error_set(err, CS_ERR_INTERNAL, "", 0, 0, "",
		                 "no point %zu", i);
		goto out;
	} else {
		/* the draws, then (set nd) the block's own values: the one
		 * replication the draws share, for recentre() */
		for (j = 0; j <= nd; j++)
			for (k = 0; k < u->n; k++) {
				char *a = abuf + (j * u->n + k) * 600;

				cs_cal_unc_assign(u, k, j < nd ?
				                  draws[j * u->n + k] :
				                  u->params[k].value, a, 600);
				as[j * u->n + k] = a;
			}
		/* the first failed draw in order, as when they ran in turn */
		f = cs_calp_run_sets(cal, i, as, u->n, nd + 1, 1, q, st, errs);
		if (f <= nd) {
			s = st[f];
			if (err)
				*err = errs[f];
			goto out;
		}
	}
	for (j = 0; j < nd; j++)
		for (m = 0; m < CS_CAL_NMETRICS; m++)
			y[m * nd + j] = q[j].mean[m];
	if (u->n)
		for (m = 0; m < CS_CAL_NMETRICS; m++)
			recentre((cs_cal_metric)m, y + m * nd, nd,
			         q[nd].mean[m], pred->mean[m]);
	for (m = 0; m < CS_CAL_NMETRICS; m++) {
		double x = pred->mean[CS_CAL_THROUGHPUT];
		double dur = p->duration > 0 ? p->duration :
		             p->throughput > 0 && p->requests > 0 ?
		             p->requests / p->throughput : NAN;
		double count = x > 0 && dur > 0 ? x * dur : NAN;
		double samp = cs_cal_sampling_sd((cs_cal_metric)m,
		                                 pred->mean[m], count, p->tool);
		double rs = replication_sd((cs_cal_metric)m, pred);
		double sd;

		/* a test is one replication: the replications' own spread
		 * is its sampling noise, autocorrelation and all, where it
		 * is larger than the i.i.d. formula says */
		if (rs > samp)
			samp = rs;
		sd = sqrt(block_var(u, m, pred->mean[m]) + samp * samp);

		cs_cal_pi((cs_cal_metric)m, y + m * nd, nd, sd, 0.10,
		          &pi_lo[m], &pi_hi[m]);
	}
out:
	free(errs);
	free(st);
	free(q);
	free(as);
	free(abuf);
	free(y);
	return s;
}
