/*
 * Scenario files: the services section (external services: latency,
 * retries, timeouts, errors, rate limits, batch servers).  Part of the
 * scenario loader (scenario.c; shared declarations in scenario-private.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/conf.h"
#include "models/model.h"
#include "models/scenario-private.h"

/* ---- services ---------------------------------------------------------- */

static cs_status
retries(binder *b, const cs_conf_node *n, const char *path,
        cs_service_conf *sv)
{
	/* in the order of the table's services.NAME.retries.on */
	static const int on_cause[] = {
		CS_CAUSE_RATE_LIMITED, CS_CAUSE_UPSTREAM_ERROR,
		CS_CAUSE_UPSTREAM_TIMEOUT
	};
	const char *const *on;
	cs_conf_node *j, *o;
	char p[PATHLEN], ip[PATHLEN];
	cs_status s;
	size_t i;
	int k;

	if ((s = cs_conf_expect_map(b->c, n, path, b->err)) ||
	    (s = cs_conf_check_keys(b->c, n, path, cs_scnp_allowed(b,
	                            "services.NAME.retries", NULL), b->err)) ||
	    (s = cs_scnp_opt_int(b, n, path, "max", 0, 100, &sv->retries)) ||
	    (s = cs_scnp_opt_dur(b, n, path, "backoff", 0, BIG, &sv->backoff)) ||
	    (s = cs_scnp_opt_dur(b, n, path, "max_backoff", 0, BIG, &sv->max_backoff)))
		return s;
	if ((j = cs_conf_get(n, "jitter"))) {
		cs_conf_path(p, sizeof p, path, "jitter");
		if ((s = cs_conf_enum(b->c, j, p,
		                      cs_scnp_choices(b, "services.NAME.retries.jitter"),
		                      &sv->jitter, b->err)))
			return s;
	}
	if ((o = cs_conf_get(n, "on"))) {
		cs_conf_path(p, sizeof p, path, "on");
		if ((s = cs_conf_expect_seq(b->c, o, p, b->err)))
			return s;
		sv->retry_on = 0;
		on = cs_scnp_choices(b, "services.NAME.retries.on");
		for (i = 0; i < o->n; i++) {
			cs_conf_path_index(ip, sizeof ip, p, i);
			if ((s = cs_conf_enum(b->c, o->items[i], ip, on, &k, b->err)))
				return s;
			sv->retry_on |= 1u << on_cause[k];
		}
	}
	return CS_OK;
}

/* step_time: {base: A, per_seq: B} or {table: [[batch, time], ...]}. */
static cs_status
step_time(binder *b, const cs_conf_node *n, const char *path,
          cs_service_conf *sv)
{
	cs_conf_node *t;
	char p[PATHLEN], ip[PATHLEN], q[PATHLEN];
	cs_status s;
	size_t i;

	if ((s = cs_conf_expect_map(b->c, n, path, b->err)) ||
	    (s = cs_conf_check_keys(b->c, n, path, cs_scnp_allowed(b,
	                            "services.NAME.step_time", NULL), b->err)))
		return s;
	t = cs_conf_get(n, "table");
	if (!t == !cs_conf_get(n, "base") || (t && cs_conf_get(n, "per_seq")))
		return cs_conf_error(b->c, n, path, b->err,
		    "step_time takes base and per_seq (step = base + per_seq x "
		    "running sequences), or a table of [batch, time] pairs, "
		    "e.g. {base: 30ms, per_seq: 1.5ms}");
	if (!t) {
		if ((s = cs_scnp_need_dur(b, n, path, "base", "step_time", 0,
		                          &sv->step_base)))
			return s;
		return cs_scnp_opt_dur(b, n, path, "per_seq", 0, BIG, &sv->step_per_seq);
	}
	cs_conf_path(p, sizeof p, path, "table");
	if ((s = cs_conf_expect_seq(b->c, t, p, b->err)))
		return s;
	if (t->n == 0)
		return cs_conf_error(b->c, t, p, b->err,
		    "needs at least one [batch, time] pair, e.g. [[1, 30ms], [32, 80ms]]");
	sv->step_n = calloc(t->n, sizeof *sv->step_n);
	sv->step_t = calloc(t->n, sizeof *sv->step_t);
	if (!sv->step_n || !sv->step_t)
		return CS_ERR_NOMEM;
	for (i = 0; i < t->n; i++) {
		const cs_conf_node *pr = t->items[i];

		cs_conf_path_index(ip, sizeof ip, p, i);
		if ((s = cs_conf_expect_seq(b->c, pr, ip, b->err)))
			return s;
		if (pr->n != 2)
			return cs_conf_error(b->c, pr, ip, b->err,
			    "a table row is [batch size, step time], e.g. [8, 45ms] "
			    "(got %zu items)", pr->n);
		cs_conf_path_index(q, sizeof q, ip, 0);
		if ((s = cs_conf_number(b->c, pr->items[0], q, 1, 1e9,
		                        &sv->step_n[i], b->err)))
			return s;
		if (i > 0 && !(sv->step_n[i] > sv->step_n[i - 1]))
			return cs_conf_error(b->c, pr->items[0], q, b->err,
			    "batch sizes must increase (got %g after %g)",
			    sv->step_n[i], sv->step_n[i - 1]);
		cs_conf_path_index(q, sizeof q, ip, 1);
		if ((s = cs_conf_duration(b->c, pr->items[1], q, 1e-9, BIG,
		                          &sv->step_t[i], b->err)))
			return s;
		sv->nstep++;
	}
	/* beyond the last row the last segment goes on: it must not fall
	 * below zero before any batch the server could run */
	if (sv->nstep > 1 && cs_batch_step_time(sv, 1e9) <= 0)
		return cs_conf_error(b->c, t, p, b->err,
		    "the last two rows give a step time that falls to 0 at larger "
		    "batches; make the last step time the largest");
	return CS_OK;
}

/* A distribution of counts (tokens): plain numbers, a duration is an
 * error. */
static cs_status
count_dist(binder *b, const cs_conf_node *n, const char *path, cs_dist *d)
{
	cs_status s;

	b->counts = true;
	s = cs_scnp_dist(b, n, path, d);
	b->counts = false;
	return s;
}

/*
 * error_rate: a ratio, or {table: [[N, R], ...]}: the probability R of an
 * error when N attempts (this one included) are in flight at the provider,
 * N increasing from 1, linear between points and flat beyond the ends.
 */
static cs_status
service_errors(binder *b, const cs_conf_node *it, const char *sp,
               cs_service_conf *sv)
{
	cs_conf_node *n = cs_conf_get(it, "error_rate"), *t;
	char p[PATHLEN], q[PATHLEN];
	cs_status s;
	size_t k;

	sv->err_len = 0;
	if (!n || n->kind != CS_CONF_MAP)
		return cs_scnp_opt_ratio(b, it, sp, "error_rate", &sv->error_rate);
	cs_conf_path(p, sizeof p, sp, "error_rate");
	if ((s = cs_conf_check_keys(b->c, n, p, cs_scnp_allowed(b,
	                            "services.NAME.error_rate", NULL), b->err)))
		return s;
	if (!(t = cs_conf_get(n, "table")))
		return cs_conf_error(b->c, n, p, b->err, "give a table of "
		    "[attempts in flight, error rate] pairs, e.g. {table: "
		    "[[1, 1%%], [20, 8%%]]}, or a single rate such as 2%%");
	cs_conf_path(p, sizeof p, p, "table");
	if ((s = cs_conf_expect_seq(b->c, t, p, b->err)))
		return s;
	if (t->n < 1 || t->n > CS_ERR_TABLE_MAX)
		return cs_conf_error(b->c, t, p, b->err, "from 1 to %d points "
		    "(got %zu)", CS_ERR_TABLE_MAX, t->n);
	for (k = 0; k < t->n; k++) {
		cs_conf_node *row = t->items[k];
		double v;

		cs_conf_path_index(q, sizeof q, p, k);
		if ((s = cs_conf_expect_seq(b->c, row, q, b->err)))
			return s;
		if (row->n != 2)
			return cs_conf_error(b->c, row, q, b->err, "a point is "
			    "[attempts in flight, error rate] (got %zu values)",
			    row->n);
		if ((s = cs_conf_number(b->c, row->items[0], q, 1, 1e9, &v,
		                        b->err)))
			return s;
		if (k && !(v > sv->err_n[k - 1]))
			return cs_conf_error(b->c, row->items[0], q, b->err,
			    "the attempts in flight must increase from point to "
			    "point (%g after %g)", v, sv->err_n[k - 1]);
		sv->err_n[k] = v;
		if ((s = cs_conf_ratio(b->c, row->items[1], q, &sv->err_p[k],
		                       b->err)))
			return s;
	}
	sv->err_len = (int)t->n;
	sv->error_rate = sv->err_p[0];
	return CS_OK;
}

/* The keys of a kind: batch service (see batch.c). */
static cs_status
batch_service(binder *b, const cs_conf_node *it, const char *sp,
              cs_service_conf *sv)
{
	cs_conf_node *n;
	char p[PATHLEN];
	cs_status s;

	sv->max_batch = 256; /* vLLM's default max_num_seqs */
	sv->max_tokens = INFINITY;
	if (!(n = cs_conf_get(it, "output_tokens")))
		return cs_conf_error(b->c, it, sp, b->err,
		    "a batch service needs \"output_tokens\", e.g. {dist: "
		    "lognormal, median: 200, p95: 600}");
	cs_conf_path(p, sizeof p, sp, "output_tokens");
	if ((s = count_dist(b, n, p, &sv->output_tokens)))
		return s;
	if ((n = cs_conf_get(it, "prompt_tokens"))) {
		cs_conf_path(p, sizeof p, sp, "prompt_tokens");
		if ((s = count_dist(b, n, p, &sv->prompt_tokens)))
			return s;
	}
	if (!(n = cs_conf_get(it, "step_time")))
		return cs_conf_error(b->c, it, sp, b->err,
		    "a batch service needs \"step_time\", e.g. {base: 30ms, "
		    "per_seq: 1.5ms}");
	cs_conf_path(p, sizeof p, sp, "step_time");
	if ((s = step_time(b, n, p, sv)) ||
	    (s = cs_scnp_opt_dur(b, it, sp, "prefill_per_token", 0, BIG,
	                         &sv->prefill_per_token)) ||
	    (s = cs_scnp_opt_int(b, it, sp, "max_batch", 1, 100000000, &sv->max_batch)))
		return s;
	if ((n = cs_conf_get(it, "max_tokens"))) {
		cs_conf_path(p, sizeof p, sp, "max_tokens");
		if (n->kind == CS_CONF_SCALAR && n->value &&
		    (!strcmp(n->value, "none") || !strcmp(n->value, "off"))) {
			n->used = true;
		} else if ((s = cs_conf_number(b->c, n, p, 1, 1e15, &sv->max_tokens,
		                               b->err))) {
			return s;
		}
	}
	if (sv->nstep == 0 && sv->step_base + sv->step_per_seq <= 0) {
		cs_conf_path(p, sizeof p, sp, "step_time");
		return cs_conf_error(b->c, cs_conf_get(it, "step_time"), p, b->err,
		    "a step must take some time: base + per_seq must be > 0");
	}
	return CS_OK;
}

/*
 * rate_limit: a request bucket (rps, or rpm = rps x 60, with burst) and a
 * token bucket (tpm with tpm_burst, counting the service's tokens), at
 * least one of the two; latency of the 429; retry_after: none or header.
 * tokens belongs with tpm: each needs the other.
 */
static cs_status
rate_limit(binder *b, const cs_conf_node *it, const char *sp,
           cs_service_conf *sv)
{
	cs_conf_node *rl, *rps, *rpm, *tpm, *tk, *n;
	char p[PATHLEN], q[PATHLEN];
	cs_status s;
	double v;
	int k;

	if ((s = cs_scnp_opt_map(b, it, sp, "rate_limit", cs_scnp_allowed(b,
	                         "services.NAME.rate_limit", NULL), &rl, p)))
		return s;
	tk = cs_conf_get(it, "tokens");
	tpm = rl ? cs_conf_get(rl, "tpm") : NULL;
	if (tk && !tpm) {
		cs_conf_path(q, sizeof q, sp, "tokens");
		return cs_conf_error(b->c, tk, q, b->err,
		    "tokens count against a tokens-per-minute limit: give "
		    "rate_limit.tpm too, e.g. rate_limit: {tpm: 90000}");
	}
	if (!rl)
		return CS_OK;
	rps = cs_conf_get(rl, "rps");
	rpm = cs_conf_get(rl, "rpm");
	if (!rps && !rpm && !tpm)
		return cs_conf_error(b->c, rl, p, b->err,
		    "a rate limit needs \"rps\" (requests per second), \"rpm\" "
		    "(requests per minute) or \"tpm\" (tokens per minute)");
	if (rps && rpm) {
		cs_conf_path(q, sizeof q, p, "rpm");
		return cs_conf_error(b->c, rpm, q, b->err,
		    "give rps or rpm, not both (rpm: 600 is rps: 10)");
	}
	if (rps) {
		cs_conf_path(q, sizeof q, p, "rps");
		if ((s = cs_conf_rate(b->c, rps, q, 1e-9, 1e9, &sv->rl_rate,
		                      b->err)))
			return s;
	} else if (rpm) {
		cs_conf_path(q, sizeof q, p, "rpm");
		if ((s = cs_conf_number(b->c, rpm, q, 1e-9, 6e10, &v, b->err)))
			return s;
		sv->rl_rate = v / 60;
	}
	if (rps || rpm) {
		sv->rl_burst = sv->rl_rate < 1 ? 1 : sv->rl_rate;
		if ((s = cs_scnp_opt_num(b, rl, p, "burst", 1, 1e9, &sv->rl_burst)))
			return s;
	} else if ((n = cs_conf_get(rl, "burst"))) {
		cs_conf_path(q, sizeof q, p, "burst");
		return cs_conf_error(b->c, n, q, b->err,
		    "burst sizes the requests bucket, which needs rps or rpm; "
		    "the tokens bucket's size is tpm_burst");
	}
	if (tpm) {
		cs_conf_path(q, sizeof q, p, "tpm");
		if ((s = cs_conf_number(b->c, tpm, q, 1, 1e15, &v, b->err)))
			return s;
		if (!tk)
			return cs_conf_error(b->c, tpm, q, b->err,
			    sv->kind == CS_SVC_BATCH ?
			    "a kind: batch service has no tokens-per-minute limit "
			    "(it takes no \"tokens\"); leave tpm out" :
			    "a tokens-per-minute limit needs the service's "
			    "\"tokens\": the count one call holds against it "
			    "(input + max output), e.g. tokens: {dist: lognormal, "
			    "median: 1500, p95: 4000}");
		sv->tpm_rate = v / 60;
		sv->tpm_burst = v; /* a full minute's worth */
		if ((s = cs_scnp_opt_num(b, rl, p, "tpm_burst", 1, 1e15, &sv->tpm_burst)))
			return s;
		cs_conf_path(q, sizeof q, sp, "tokens");
		if ((s = count_dist(b, tk, q, &sv->tokens)))
			return s;
	} else if ((n = cs_conf_get(rl, "tpm_burst"))) {
		cs_conf_path(q, sizeof q, p, "tpm_burst");
		return cs_conf_error(b->c, n, q, b->err,
		    "tpm_burst sizes the tokens bucket: give tpm too");
	}
	if ((n = cs_conf_get(rl, "retry_after"))) {
		cs_conf_path(q, sizeof q, p, "retry_after");
		if ((s = cs_conf_enum(b->c, n, q, cs_scnp_choices(b,
		                      "services.NAME.rate_limit.retry_after"), &k,
		                      b->err)))
			return s;
		sv->retry_after = k == 1;
	}
	return cs_scnp_opt_dur(b, rl, p, "latency", 0, BIG, &sv->rl_latency);
}

cs_status
cs_scnp_services(binder *b, const cs_conf_node *root)
{
	cs_conf_node *n = cs_conf_get(root, "services");
	cs_scenario *sc = b->sc;
	char p[PATHLEN], sp[PATHLEN];
	size_t i;
	cs_status s;

	if (!n)
		return CS_OK;
	if ((s = cs_conf_expect_map(b->c, n, "services", b->err)))
		return s;
	sc->services = calloc(n->n ? n->n : 1, sizeof *sc->services);
	if (!sc->services)
		return CS_ERR_NOMEM;
	for (i = 0; i < n->n; i++) {
		cs_conf_node *it = n->items[i], *lat, *rt, *kn;
		cs_service_conf *sv = &sc->services[i];

		sc->nservices++;
		cs_conf_path(sp, sizeof sp, "services", it->key);
		sv->name = cs_scnp_xstrdup(it->key);
		if (!sv->name)
			return CS_ERR_NOMEM;
		sv->timeout = 30;
		sv->backoff = 0.1;
		sv->max_backoff = 10;
		sv->jitter = CS_JITTER_FULL;
		sv->retry_on = 1u << CS_CAUSE_RATE_LIMITED |
		               1u << CS_CAUSE_UPSTREAM_ERROR |
		               1u << CS_CAUSE_UPSTREAM_TIMEOUT;
		cs_dist_const(&sv->latency, 0);
		cs_dist_const(&sv->prompt_tokens, 0);
		cs_dist_const(&sv->output_tokens, 1);
		cs_dist_const(&sv->tokens, 0);
		if ((s = cs_conf_expect_map(b->c, it, sp, b->err)))
			return s;
		if ((kn = cs_conf_get(it, "kind"))) {
			cs_conf_path(p, sizeof p, sp, "kind");
			if ((s = cs_conf_enum(b->c, kn, p,
			                      cs_scnp_choices(b, "services.NAME.kind"),
			                      &sv->kind, b->err)))
				return s;
		}
		if (sv->kind == CS_SVC_BATCH && (lat = cs_conf_get(it, "latency"))) {
			cs_conf_path(p, sizeof p, sp, "latency");
			return cs_conf_error(b->c, lat, p, b->err,
			    "a kind: batch service takes its time from step_time, "
			    "prefill_per_token and the tokens; leave latency out");
		}
		if ((s = cs_conf_check_keys(b->c, it, sp, cs_scnp_allowed(b,
		                            "services.NAME", sv->kind == CS_SVC_BATCH ?
		                            "batch" : "fixed"), b->err)))
			return s;
		if (sv->kind == CS_SVC_BATCH) {
			if ((s = batch_service(b, it, sp, sv)))
				return s;
		} else if (!(lat = cs_conf_get(it, "latency"))) {
			return cs_conf_error(b->c, it, sp, b->err,
			    "a service needs \"latency\", e.g. {dist: lognormal, "
			    "median: 450ms, p95: 900ms}");
		} else {
			cs_conf_path(p, sizeof p, sp, "latency");
			if ((s = cs_scnp_dist(b, lat, p, &sv->latency)))
				return s;
		}
		if ((s = cs_scnp_opt_timeout(b, it, sp, "timeout", 1e-6, &sv->timeout)) ||
		    (s = cs_scnp_opt_int(b, it, sp, "concurrency", 0, 100000000,
		                         &sv->concurrency)) ||
		    (s = service_errors(b, it, sp, sv)))
			return s;
		{
			cs_conf_node *on = cs_conf_get(it, "on_timeout");
			int k;

			if (on) {
				cs_conf_path(p, sizeof p, sp, "on_timeout");
				if ((s = cs_conf_enum(b->c, on, p, cs_scnp_choices(b,
				                      "services.NAME.on_timeout"), &k,
				                      b->err)))
					return s;
				sv->hold_on_timeout = k == 1;
			}
		}
		if ((s = rate_limit(b, it, sp, sv)))
			return s;
		if ((rt = cs_conf_get(it, "retries"))) {
			cs_conf_path(p, sizeof p, sp, "retries");
			if ((s = retries(b, rt, p, sv)))
				return s;
		}
	}
	return CS_OK;
}
