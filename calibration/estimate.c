/*
 * calibration/estimate — what the data say before any fit: the
 * operational laws (Little's law, the utilization law), the contradictions
 * in the measurements that no model can fit (cs_cal_check_data, into the
 * warnings), and the first estimates of the parameters from the
 * lowest-load point (cs_cal_estimate, into the estimate lines): one
 * simulation of the scenario as written, then each parameter scaled by
 * what the law for its class measures against what the model gives.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calibration/fit-private.h"
#include "config/conf.h"

/* ---- operational laws --------------------------------------------------- */

double
cs_cal_little_think(double users, double throughput, double resp)
{
	if (!(throughput > 0) || isnan(users) || isnan(resp))
		return NAN;
	return users / throughput - resp;
}

double
cs_cal_util_demand(double util, double servers, double throughput)
{
	if (!(throughput > 0) || isnan(util) || isnan(servers))
		return NAN;
	return util * servers / throughput;
}

double
cs_cal_resp(const cs_imp_point *p, int use_mean)
{
	double r = use_mean ? p->latency.mean : p->latency.p50;

	return isnan(r) ? NAN : r / 1e3;
}

/* ---- contradictions in the data ----------------------------------------- */

/* A number at path in the tree, or dflt. */
static double
tree_number(cs_conf *cf, const char *path, double dflt)
{
	cs_conf_node *n, *last;
	size_t matched;
	segs g;
	double v;
	cs_cal_kind k;
	int pct;

	if (cs_calp_split_path(path, strlen(path), &g))
		return dflt;
	n = cs_calp_walk(cf->root, &g, &last, &matched);
	if (!n || n->kind != CS_CONF_SCALAR || !n->value ||
	    cs_calp_parse_value(n->value, &v, &k, &pct))
		return dflt;
	return v;
}

static int
has_kappa(const cs_cal *c)
{
	cs_conf *cf = NULL;
	cs_error e;
	int k = 0;

	if (cs_calp_tree(c, NULL, 0, &cf, &e))
		return 0;
	k = tree_number(cf, "app.contention.kappa", 0) > 0 ||
	    tree_number(cf, "db.contention.kappa", 0) > 0;
	cs_conf_free(cf);
	return k;
}

/* Order of points by load (users or arrival rate), for the checks. */
static double
load_of(const cs_imp_point *p)
{
	return isnan(p->users) ? p->arrival_rate : p->users;
}

static cs_status
check_data(cs_cal *c)
{
	size_t i, j, k, n = c->npoints;
	double zmin = INFINITY, zmax = -INFINITY;
	size_t imin = 0, imax = 0, nz = 0;
	cs_status s;

	for (i = 0; i < n; i++) {
		const cs_imp_point *p = c->points[i].p;
		const char *nm = c->points[i].name;
		int mean = !isnan(p->latency.mean);
		double r = cs_cal_resp(p, mean);
		double z = cs_cal_little_think(p->users, p->throughput, r);

		if (!isnan(z)) {
			if (z < 0 && (s = cs_calp_warnf(c, "point \"%s\": "
			    "Little's law gives a negative think time: %g "
			    "users / %.4g req/s = %.4g s per cycle, less than "
			    "the response time (%s %.4g s); users, throughput "
			    "and latency do not belong together (were all "
			    "users active the whole time?)", nm, p->users,
			    p->throughput,
			    p->users / p->throughput, mean ? "mean" : "p50",
			    r)))
				return s;
			if (z > 0 && z < zmin) {
				zmin = z;
				imin = i;
			}
			if (z > 0 && z > zmax) {
				zmax = z;
				imax = i;
			}
			nz += z > 0;
		}
		if (!isnan(p->requests) && p->requests > 0 &&
		    !isnan(p->failures) && !isnan(p->error_rate)) {
			double e = p->failures / p->requests;

			if (fabs(e - p->error_rate) > 0.001 &&
			    fabs(e - p->error_rate) > 0.1 * p->error_rate &&
			    (s = cs_calp_warnf(c, "point \"%s\": %g failures "
			    "in %g requests is %.3g%%, but the error rate is "
			    "%.3g%%",
			    nm, p->failures, p->requests, 100 * e,
			    100 * p->error_rate)))
				return s;
		}
		if (p->ncauses && (!isnan(p->failures) ||
		                   (!isnan(p->error_rate) &&
		                    !isnan(p->requests)))) {
			double sum = 0, f = !isnan(p->failures) ? p->failures :
			    p->error_rate * p->requests;

			for (j = 0; j < p->ncauses; j++)
				sum += p->causes[j].count;
			if (fabs(sum - f) > 0.1 * f + 1 &&
			    (s = cs_calp_warnf(c, "point \"%s\": the errors by "
			    "cause add up to %g but the failures are %.0f "
			    "(%.3g%% of requests): the error counts and the "
			    "error rate disagree", nm, sum, f,
			    100 * f / p->requests)))
				return s;
		}
	}
	if (nz >= 2 && zmin > 0 && zmax > 1.3 * zmin &&
	    (s = cs_calp_warnf(c, "Little's law gives think times that differ "
	    "between points: %.3g s at \"%s\" (%g users) and %.3g s at \"%s\" "
	    "(%g users), a factor %.2f; one think time cannot fit both (a "
	    "different load script, measurement window or ramp-up?)",
	    zmin, c->points[imin].name, c->points[imin].p->users, zmax,
	    c->points[imax].name, c->points[imax].p->users, zmax / zmin)))
		return s;
	/* throughput falling while users rise: each point against the
	 * busiest point with fewer users and the same --point-set overrides
	 * (a smaller pool, fewer instances or a measured neighbour may well
	 * serve less: runs that each carry their own measured background are
	 * not compared at all), one warning per point at most */
	for (j = 0; j < n; j++) {
		const cs_imp_point *b = c->points[j].p, *a = NULL;

		i = SIZE_MAX;
		for (k = 0; k < n; k++) {
			const cs_imp_point *q = c->points[k].p;

			if (!isnan(q->users) && q->users < b->users &&
			    !isnan(q->throughput) &&
			    cs_calp_same_config(c, k, j) &&
			    (!a || q->throughput > a->throughput)) {
				a = q;
				i = k;
			}
		}
		if (!a || isnan(b->throughput) ||
		    !(b->throughput < 0.97 * a->throughput))
			continue;
		{
			s = cs_calp_warnf(c, "throughput falls while users "
			    "rise: %.4g req/s at %g users (\"%s\"), %.4g req/s "
			    "at %g users (\"%s\"); %s", a->throughput, a->users,
			    c->points[i].name, b->throughput, b->users,
			    c->points[j].name, has_kappa(c) ?
			    "the scenario's coherency term (contention.kappa) "
			    "can do that, if these points belong together" :
			    "the scenario has no coherency term "
			    "(app.contention.kappa or db.contention.kappa), so "
			    "it cannot fit both unless a limit (errors, "
			    "timeouts) causes the drop");
			if (s)
				return s;
		}
	}
	return CS_OK;
}

/* ---- first estimates ---------------------------------------------------- */

/* A line of the first estimates' report (cs_cal_estimate_line). */
#define estf(c, ...) cs_calp_lines_addf(&(c)->est, __VA_ARGS__)

static const char *
class_word(enum pclass k)
{
	switch (k) {
	case PC_THINK: return "think time";
	case PC_CPU: return "app CPU per request";
	case PC_APP_CORES: return "app CPU per request (cores, inverse)";
	case PC_QUERY: return "DB CPU per request";
	case PC_DB_CORES: return "DB CPU per request (cores, inverse)";
	case PC_LATENCY: return "low-load latency";
	case PC_DISPERSION: return "dispersion p95/p50";
	case PC_HIT: return "cache hit ratio";
	default: return "";
	}
}

/* The point with the lowest load among those with a throughput. */
static size_t
lowest_point(const cs_cal *c)
{
	size_t i, best = SIZE_MAX;

	for (i = 0; i < c->npoints; i++) {
		const cs_imp_point *p = c->points[i].p;

		if (isnan(p->throughput))
			continue;
		if (best == SIZE_MAX || load_of(p) < load_of(c->points[best].p))
			best = i;
	}
	return best;
}

static void
fmt_dur(double s, char *buf, size_t size)
{
	cs_cal_format(CS_CAL_DURATION, 0, s, buf, size);
}

cs_status
cs_cal_check_data(cs_cal *c, cs_error *err)
{
	if (c->checked)
		return CS_OK;
	c->checked = 1;
	return check_data(c) ? cs_calp_nomem(err) : CS_OK;
}

cs_status
cs_cal_estimate(cs_cal *c, cs_error *err)
{
	double factor[PC_HIT + 1];
	const char *why[PC_HIT + 1];
	char whybuf[PC_HIT + 1][400];
	size_t lo, i;
	const cs_imp_point *p;
	const char *nm;
	cs_cal_pred mp;
	cs_conf *cf = NULL;
	double inst, cores, dbcores, z, zm, r, rm, d, dm;
	char a[32], b[32];
	int use_mean;
	cs_status s;

	if (c->estimated)
		return CS_OK;
	c->estimated = 1;
	if (!c->npoints)
		return cs_error_set(err, CS_ERR_USAGE, "", 0, 0, "",
		                    "no measurement points to calibrate on");
	if ((s = cs_cal_check_data(c, err)))
		return s;
	for (i = 0; i <= PC_HIT; i++) {
		factor[i] = NAN;
		why[i] = NULL;
		whybuf[i][0] = '\0';
	}
	lo = lowest_point(c);
	if (lo == SIZE_MAX) {
		estf(c, "no point has a throughput: no first estimates; the "
		     "fit starts from the scenario's values");
		return CS_OK;
	}
	p = c->points[lo].p;
	nm = c->points[lo].name;
	if (!isnan(p->users))
		estf(c, "from the lowest-load point \"%s\" (%g users, %.4g "
		     "req/s):", nm, p->users, p->throughput);
	else
		estf(c, "from the lowest-load point \"%s\" (%.4g/s arriving, "
		     "%.4g req/s):", nm, p->arrival_rate, p->throughput);
	/* the scenario as written, at that point */
	s = cs_calp_run_point(c, lo, NULL, 0, &mp, err);
	if (s)
		return s;
	if ((s = cs_calp_tree(c, c->points[lo].sets, c->points[lo].nsets, &cf,
	                      err)))
		return s;
	inst = tree_number(cf, "app.instances", 1);
	/* app.cores is per host; one host per instance unless app.hosts */
	inst = tree_number(cf, "app.hosts", inst);
	cores = tree_number(cf, "app.cores", 2);
	dbcores = tree_number(cf, "db.cores", 2);
	cs_conf_free(cf);

	/* Little's law */
	use_mean = !isnan(p->latency.mean);
	r = cs_cal_resp(p, use_mean);
	z = cs_cal_little_think(p->users, p->throughput, r);
	rm = (use_mean ? mp.latency_mean : mp.mean[CS_CAL_P50]) / 1e3;
	zm = cs_cal_little_think(p->users, mp.mean[CS_CAL_THROUGHPUT], rm);
	if (!isnan(z)) {
		fmt_dur(z, a, sizeof a);
		fmt_dur(zm, b, sizeof b);
		estf(c, "  think time (Little's law, Z = N/X - R, R = %s): "
		     "%g / %.4g - %.4g = %s; the scenario as written gives "
		     "%s", use_mean ? "mean latency" : "p50", p->users,
		     p->throughput, r, a, b);
		if (z > 0 && zm > 0) {
			factor[PC_THINK] = z / zm;
			snprintf(whybuf[PC_THINK], sizeof whybuf[0],
			         "Little's law at \"%s\": think time %s "
			         "measured / %s in the model", nm, a, b);
		}
	}
	/* the utilization law */
	d = cs_cal_util_demand(p->util.app_cpu, inst * cores, p->throughput);
	dm = cs_cal_util_demand(mp.app_cpu, inst * cores,
	                        mp.mean[CS_CAL_THROUGHPUT]);
	if (!isnan(d)) {
		fmt_dur(d, a, sizeof a);
		fmt_dur(dm, b, sizeof b);
		estf(c, "  app CPU per request (utilization law, D = U x "
		     "cores / X): %.3g%% x %g / %.4g = %s; the scenario gives "
		     "%s", 100 * p->util.app_cpu, inst * cores, p->throughput,
		     a, b);
		if (d > 0 && dm > 0) {
			factor[PC_CPU] = d / dm;
			factor[PC_APP_CORES] = dm / d;
			snprintf(whybuf[PC_CPU], sizeof whybuf[0],
			         "utilization law at \"%s\": app CPU %s per "
			         "request measured / %s in the model", nm, a, b);
		}
	}
	d = cs_cal_util_demand(p->util.db_cpu, dbcores, p->throughput);
	dm = cs_cal_util_demand(mp.db_cpu, dbcores, mp.mean[CS_CAL_THROUGHPUT]);
	if (!isnan(d)) {
		fmt_dur(d, a, sizeof a);
		fmt_dur(dm, b, sizeof b);
		estf(c, "  DB CPU per request (utilization law): %.3g%% x %g / "
		     "%.4g = %s; the scenario gives %s", 100 * p->util.db_cpu,
		     dbcores, p->throughput, a, b);
		if (d > 0 && dm > 0) {
			factor[PC_QUERY] = d / dm;
			factor[PC_DB_CORES] = dm / d;
			snprintf(whybuf[PC_QUERY], sizeof whybuf[0],
			         "utilization law at \"%s\": DB CPU %s per "
			         "request measured / %s in the model", nm, a, b);
		}
	}
	/* low-load latency and dispersion */
	if (!isnan(p->latency.p50)) {
		estf(c, "  low-load latency (service time with little "
		     "queueing): p50 %.4g ms; the scenario gives %.4g ms",
		     p->latency.p50, mp.mean[CS_CAL_P50]);
		if (mp.mean[CS_CAL_P50] > 0) {
			factor[PC_LATENCY] = p->latency.p50 /
			                     mp.mean[CS_CAL_P50];
			snprintf(whybuf[PC_LATENCY], sizeof whybuf[0],
			         "low-load p50 at \"%s\": %.4g ms measured / "
			         "%.4g ms in the model", nm, p->latency.p50,
			         mp.mean[CS_CAL_P50]);
		}
		if (!isnan(p->latency.p95) && p->latency.p50 > 0) {
			double q = p->latency.p95 / p->latency.p50;
			double qm = mp.mean[CS_CAL_P95] / mp.mean[CS_CAL_P50];

			estf(c, "  dispersion p95/p50: %.3g; the scenario "
			     "gives %.3g", q, qm);
			if (qm > 0 && q > 0) {
				factor[PC_DISPERSION] = log(q) / log(qm);
				if (!(factor[PC_DISPERSION] > 0))
					factor[PC_DISPERSION] = NAN;
				snprintf(whybuf[PC_DISPERSION],
				         sizeof whybuf[0], "p95/p50 at \"%s\": "
				         "%.3g measured, %.3g in the model (cv "
				         "scaled by the ratio of their logs)",
				         nm, q, qm);
			}
		}
	}
	if (!isnan(p->util.cache_hit_ratio)) {
		estf(c, "  cache hit ratio: %.3g%% measured",
		     100 * p->util.cache_hit_ratio);
		snprintf(whybuf[PC_HIT], sizeof whybuf[0], "the measured cache "
		         "hit ratio at \"%s\"", nm);
	}
	for (i = 0; i <= PC_HIT; i++)
		why[i] = whybuf[i][0] ? whybuf[i] : NULL;
	why[PC_APP_CORES] = why[PC_CPU];
	why[PC_DB_CORES] = why[PC_QUERY];
	/* apply to the parameters */
	for (i = 0; i < c->nparams; i++) {
		param *pr = &c->params[i];
		double v = NAN;
		char *from;

		if (pr->cls == PC_HIT && !isnan(p->util.cache_hit_ratio))
			v = p->util.cache_hit_ratio;
		else if (pr->cls != PC_NONE && !isnan(factor[pr->cls]) &&
		         !isnan(pr->pub.initial))
			v = pr->pub.initial * factor[pr->cls];
		if (isnan(v) || !why[pr->cls] || !(v > 0))
			continue;
		from = cs_calp_printf("%s%s", why[pr->cls],
		                      v < pr->pub.lo || v > pr->pub.hi ?
		                      " (clamped to the bounds)" : "");
		if (!from)
			return cs_calp_nomem(err);
		free(pr->from);
		pr->from = from;
		pr->pub.estimated_from = from;
		pr->pub.estimate = fmin(fmax(v, pr->pub.lo), pr->pub.hi);
		pr->pub.value = pr->pub.estimate;
		cs_cal_format(pr->pub.kind, pr->pct, pr->pub.estimate, a,
		              sizeof a);
		estf(c, "  -> %s = %s (%s)", pr->path, a, class_word(pr->cls));
	}
	return CS_OK;
}
