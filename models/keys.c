/*
 * The scenario key table (models/keys.h) and what is made from it: the
 * loader's key lists and choices, and the JSON Schema.
 *
 * Each row is one key.  Adding a key to the format is a row here, its
 * reading in models/scenario.c and its row in docs/guide.md section 4; a
 * test fails until all three are there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "models/keys.h"

#define DIST_KINDS "constant exponential uniform lognormal gamma weibull empirical"

static const cs_key table[] = {
	/* ---- top level (guide 4.3) */
	{ "name", CS_KEY_STRING, 0, NULL, NULL, "", "scenario",
	  "shown in the summary and in the JSON's run.scenario" },
	{ "description", CS_KEY_STRING, 0, NULL, NULL, "", NULL,
	  "free text; ignored" },
	{ "run", CS_KEY_MAP, 0, NULL, NULL, "", NULL,
	  "how long and how many times to simulate" },
	{ "load", CS_KEY_MAP, CS_KEY_REQUIRED, NULL, NULL, "", NULL,
	  "who sends requests: closed users or open arrivals" },
	{ "app", CS_KEY_MAP, 0, NULL, NULL, "", NULL,
	  "the app servers: instances, workers, cores" },
	{ "db", CS_KEY_MAP, 0, NULL, NULL, "", NULL,
	  "the database and its connection pools" },
	{ "cache", CS_KEY_MAP, 0, NULL, NULL, "", NULL,
	  "the defaults of every cache step" },
	{ "services", CS_KEY_NAMED, 0, NULL, NULL, "", NULL,
	  "external APIs by name, called with {call: NAME}" },
	{ "endpoints", CS_KEY_LIST, CS_KEY_REQUIRED, NULL, NULL, "", NULL,
	  "what the requests do: at least one endpoint" },
	{ "calibration", CS_KEY_FOREIGN, 0, NULL, NULL, "", NULL,
	  "written by capsim calibrate -o: what the fit knows and does not "
	  "(calibration.md 2.4.2)" },

	/* ---- run (4.4) */
	{ "run.duration", CS_KEY_DURATION, 0, NULL, NULL, "",
	  "the stages' sum; without stages 300s",
	  "simulated time per replication, 1ms-1e9s" },
	{ "run.warmup", CS_KEY_DURATION, 0, NULL, NULL, "",
	  "0 with stages; else 10% of duration",
	  "time at the start left out of the statistics; < duration" },
	{ "run.replications", CS_KEY_INT, 0, NULL, NULL, "runs", "5",
	  "independent runs the CIs come from, 1-100000" },
	{ "run.seed", CS_KEY_INT, 0, NULL, NULL, "", "1",
	  "base random seed, 0-9007199254740991" },

	/* ---- load (4.5) */
	{ "load.users", CS_KEY_INT, 0, NULL, NULL, "users", NULL,
	  "closed virtual users looping request, answer, think; 1-10000000 "
	  "(with stages: the base of % targets)" },
	{ "load.arrival_rate", CS_KEY_RATE, 0, NULL, NULL, "1/s", NULL,
	  "open Poisson arrivals, whatever the answers; not with users" },
	{ "load.think", CS_KEY_DIST, 0, NULL, NULL, "", "0",
	  "pause between an answer and the user's next request (closed only)" },
	{ "load.client_timeout", CS_KEY_DURATION, CS_KEY_NONE_OK, NULL, NULL,
	  "", "60s",
	  "the client gives up after this, round trip included "
	  "(client_timeout)" },
	{ "load.rtt", CS_KEY_DIST, 0, NULL, NULL, "", "0",
	  "network round trip between the load generator and the app, per "
	  "request" },
	{ "load.stages", CS_KEY_LIST, 0, NULL, NULL, "", NULL,
	  "k6-style ramps: the target moves linearly over each stage" },
	{ "load.stages[].duration", CS_KEY_DURATION, CS_KEY_REQUIRED, NULL,
	  NULL, "", NULL, "length of the stage" },
	{ "load.stages[].target", CS_KEY_TARGET, CS_KEY_REQUIRED, NULL, NULL,
	  "users or 1/s", NULL,
	  "where the stage ends: users (closed), a rate (open) or a percentage "
	  "of load.users / arrival_rate" },

	/* ---- app (4.6) */
	{ "app.instances", CS_KEY_INT, 0, NULL, NULL, "servers", "1",
	  "app servers behind the load balancer, 1-100000" },
	{ "app.workers", CS_KEY_INT, 0, NULL, NULL, "requests", "16",
	  "requests one instance serves at once, over all its processes" },
	{ "app.processes", CS_KEY_INT, 0, NULL, NULL, "processes", "1",
	  "processes per instance; workers must be a multiple" },
	{ "app.cores", CS_KEY_INT, 0, NULL, NULL, "cores", "2",
	  "CPU cores per instance, shared by cpu steps" },
	{ "app.backlog", CS_KEY_INT, 0, NULL, NULL, "requests", "2048",
	  "requests per instance that may wait for a worker (backlog_full)" },
	{ "app.balancer", CS_KEY_ENUM, 0,
	  "round_robin least_connections random", NULL, "", "round_robin",
	  "how the load balancer picks an instance" },
	{ "app.request_timeout", CS_KEY_DURATION, CS_KEY_NONE_OK, NULL, NULL,
	  "", "none",
	  "server-side deadline from arrival, backlog included "
	  "(server_timeout)" },
	{ "app.contention", CS_KEY_MAP, 0, NULL, NULL, "", NULL,
	  "USL slowdown of the instance CPU" },
	{ "app.contention.sigma", CS_KEY_NUMBER, 0, NULL, NULL, "", "0",
	  "USL contention on the instance CPU, 0-1" },
	{ "app.contention.kappa", CS_KEY_NUMBER, 0, NULL, NULL, "", "0",
	  "USL coherency (retrograde slowdown) on the instance CPU, 0-1" },
	{ "app.cpu_scale", CS_KEY_NUMBER, 0, NULL, NULL, "x", "1",
	  "multiplies every cpu step's time" },
	{ "app.affinity", CS_KEY_ENUM, 0, "none user user_random", NULL, "",
	  "none", "whether a closed user's requests stay with one process" },
	{ "app.affinity_users", CS_KEY_INTS, 0, NULL, NULL, "users", "none",
	  "with affinity: user or user_random, the users each process holds, "
	  "in process order (a layout measured, such as a run's client "
	  "connections per process): users are pinned in these proportions "
	  "instead of in turn or drawn" },
	{ "app.affinity_alpha", CS_KEY_NUMBER, 0, NULL, NULL, "", NULL,
	  "with affinity: user_random, how evenly the processes share the "
	  "users: each replication draws their shares from a symmetric "
	  "Dirichlet with this concentration per process (small: uneven); "
	  "absent: each user's process uniform" },
	{ "app.gil", CS_KEY_BOOL, 0, NULL, NULL, "", "false",
	  "the cpu steps of one process share at most one core (CPython's GIL, "
	  "a Node.js event loop)" },
	{ "app.gil_order", CS_KEY_ENUM, 0, "shared fifo", NULL, "", "shared",
	  "how the cpu steps of one process take their turns under app.gil: "
	  "shared (CPython switches threads every few ms) or fifo (a Node.js "
	  "event loop runs each callback to its end, in arrival order)" },
	{ "app.hosts", CS_KEY_INT, 0, NULL, NULL, "machines", "instances",
	  "machines the instances run on, sharing each host's cores, "
	  "1 - instances" },
	{ "app.background", CS_KEY_NUMBER, 0, NULL, NULL, "threads", "0",
	  "always-runnable threads of other work on each host, competing for "
	  "its cores" },
	{ "app.overhead", CS_KEY_NUMBER, 0, NULL, NULL, "cores", "0",
	  "CPU each instance spends whatever the requests (GC and compiler "
	  "threads, timers), in slices every 10 ms, outside any lane" },
	{ "app.cold_delay", CS_KEY_DURATION, 0, NULL, NULL, "", "0s",
	  "how long a cpu step waits, without a core, for a process that has "
	  "been idle long to wake (a sleeping thread scheduled, an idle CPU "
	  "out of its sleep state); 0: never" },
	{ "app.cold_after", CS_KEY_DURATION, 0, NULL, NULL, "", "1s",
	  "the idle time constant of app.cold_delay: after an idle gap g a cpu "
	  "step waits cold_delay (1 - exp(-g / cold_after))" },
	{ "app.core_slowdown", CS_KEY_NUMBER, 0, NULL, NULL, "x", "0",
	  "how much slower each core of a host runs when all are busy (SMT "
	  "siblings, shared caches, virtual CPUs): 1 = twice as slow, 0 - 100" },

	/* ---- db (4.7) */
	{ "db.pool", CS_KEY_MAP, 0, NULL, NULL, "", NULL,
	  "the connection pools, one per instance or per process" },
	{ "db.pool.size", CS_KEY_INT, 0, NULL, NULL, "connections", "10",
	  "connections per pool, 1-10000000" },
	{ "db.pool.acquire_timeout", CS_KEY_DURATION, CS_KEY_NONE_OK, NULL,
	  NULL, "", "30s",
	  "how long a request waits for a connection (pool_timeout)" },
	{ "db.pool.per", CS_KEY_ENUM, 0, "instance process", NULL, "",
	  "instance", "one pool per app instance, or per app process" },
	{ "db.pool.handoff", CS_KEY_DURATION, 0, NULL, NULL, "", "0s",
	  "how long a woken waiter takes to claim a returned connection; a "
	  "request that asks meanwhile takes it, and the waiter waits again "
	  "at the back (CPython's GIL and a condition variable)" },
	{ "db.pool.order", CS_KEY_ENUM, 0, "fifo random", NULL, "", "fifo",
	  "which waiter a released connection goes to: the longest waiting, "
	  "or any of them (a pool whose woken waiter races new arrivals, as "
	  "SQLAlchemy's QueuePool under CPython's GIL)" },
	{ "db.pool.max_waiting", CS_KEY_INT, CS_KEY_NONE_OK, NULL, NULL,
	  "requests", "none",
	  "requests that may wait in one pool; more fail at once "
	  "(pool_timeout)" },
	{ "db.cores", CS_KEY_INT, 0, NULL, NULL, "cores", "2",
	  "DB server cores, shared by running queries" },
	{ "db.max_connections", CS_KEY_INT, 0, NULL, NULL, "connections", "100",
	  "connections the server accepts over all pools (db_refused)" },
	{ "db.contention", CS_KEY_MAP, 0, NULL, NULL, "", NULL,
	  "USL slowdown of the DB CPU" },
	{ "db.contention.sigma", CS_KEY_NUMBER, 0, NULL, NULL, "", "0",
	  "USL contention on the DB CPU, 0-1" },
	{ "db.contention.kappa", CS_KEY_NUMBER, 0, NULL, NULL, "", "0",
	  "USL coherency on the DB CPU, 0-1" },
	{ "db.host", CS_KEY_ENUM, 0, "own app", NULL, "", "own",
	  "app: the DB shares the first app instance's cores" },
	{ "db.round_trip", CS_KEY_DIST, 0, NULL, NULL, "", "0",
	  "each query's time outside the DB's CPU (the network and the "
	  "protocol's messages, the backend waking), waited before its work "
	  "with the connection held and no core" },
	{ "db.query_scale", CS_KEY_NUMBER, 0, NULL, NULL, "x", "1",
	  "multiplies every query step's time" },
	{ "db.overhead", CS_KEY_NUMBER, 0, NULL, NULL, "cores", "0",
	  "CPU the database spends whatever the queries (background writer, "
	  "WAL, vacuum), in slices every 10 ms" },
	{ "db.core_slowdown", CS_KEY_NUMBER, 0, NULL, NULL, "x", "0",
	  "as app.core_slowdown, for the DB's own host (db.host: own)" },
	{ "db.connection_cost", CS_KEY_NUMBER, 0, NULL, NULL, "x", "0",
	  "each query's work grows by this fraction for every other "
	  "connection checked out when it starts (a server's per-backend "
	  "costs)" },

	/* ---- cache (4.8) */
	{ "cache.hit_ratio", CS_KEY_RATIO, 0, NULL, NULL, "fraction", "0.9",
	  "probability a lookup hits (the constant form; not with keys)" },
	{ "cache.latency", CS_KEY_DIST, 0, NULL, NULL, "", "1ms",
	  "time of one lookup, hit or miss" },
	{ "cache.keys", CS_KEY_INT, 0, NULL, NULL, "keys", NULL,
	  "distinct keys: a TTL cache whose hit ratio comes out of the load" },
	{ "cache.popularity", CS_KEY_ENUM, CS_KEY_OR_MAP, "uniform", NULL, "",
	  "uniform", "how lookups spread over the keys (needs keys)" },
	{ "cache.popularity.dist", CS_KEY_ENUM, 0, "uniform zipf hot", NULL,
	  "", "hot when hot is given", "the popularity's kind" },
	{ "cache.popularity.s", CS_KEY_NUMBER, CS_KEY_REQUIRED, NULL, "zipf",
	  "", NULL, "zipf exponent, 0-10: rank i asked with weight i^-s" },
	{ "cache.popularity.hot", CS_KEY_INT, CS_KEY_REQUIRED, NULL, "hot",
	  "keys", NULL, "keys in the hot set, 1 - keys-1" },
	{ "cache.popularity.hot_share", CS_KEY_RATIO, CS_KEY_REQUIRED, NULL,
	  "hot", "fraction", NULL, "share of lookups to the hot set" },
	{ "cache.ttl", CS_KEY_DURATION, CS_KEY_NONE_OK, NULL, NULL, "", "none",
	  "how long an entry lives after a miss path sets it (needs keys)" },
	{ "cache.capacity", CS_KEY_INT, CS_KEY_NONE_OK, NULL, NULL, "entries",
	  "none", "entries that fit; a full cache evicts the least recently "
	  "used (needs keys)" },

	/* ---- services (4.9) */
	{ "services.NAME", CS_KEY_MAP, 0, NULL, NULL, "", NULL,
	  "one external API or inference server" },
	{ "services.NAME.kind", CS_KEY_ENUM, 0, "fixed batch", NULL, "",
	  "fixed", "fixed: a latency per attempt; batch: a continuous-batching "
	  "server (vLLM)" },
	{ "services.NAME.latency", CS_KEY_DIST, CS_KEY_REQUIRED, NULL, "fixed",
	  "", NULL, "time for the provider to answer one attempt" },
	{ "services.NAME.timeout", CS_KEY_DURATION, CS_KEY_NONE_OK, NULL, NULL,
	  "", "30s",
	  "per attempt, waiting for a slot included (upstream_timeout)" },
	{ "services.NAME.on_timeout", CS_KEY_ENUM, 0, "release hold", "fixed",
	  "", "release",
	  "whether a timed-out attempt's concurrency slot is freed at once" },
	{ "services.NAME.concurrency", CS_KEY_INT, 0, NULL, NULL, "attempts",
	  "0 (no limit)", "attempts in flight at once per app instance" },
	{ "services.NAME.rate_limit", CS_KEY_MAP, 0, NULL, NULL, "", NULL,
	  "the provider's request and token buckets (429s)" },
	{ "services.NAME.rate_limit.rps", CS_KEY_RATE, 0, NULL, NULL, "1/s",
	  NULL, "requests bucket refill rate" },
	{ "services.NAME.rate_limit.rpm", CS_KEY_NUMBER, 0, NULL, NULL,
	  "1/min", NULL, "the same per minute; not with rps" },
	{ "services.NAME.rate_limit.burst", CS_KEY_NUMBER, 0, NULL, NULL,
	  "requests", "rps (at least 1)", "requests bucket size" },
	{ "services.NAME.rate_limit.tpm", CS_KEY_NUMBER, 0, NULL, NULL,
	  "tokens/min", NULL, "tokens per minute: a second bucket, needs "
	  "tokens" },
	{ "services.NAME.rate_limit.tpm_burst", CS_KEY_NUMBER, 0, NULL, NULL,
	  "tokens", "tpm", "tokens bucket size" },
	{ "services.NAME.rate_limit.latency", CS_KEY_DURATION, 0, NULL, NULL,
	  "", "0", "time to receive a 429" },
	{ "services.NAME.rate_limit.retry_after", CS_KEY_ENUM, 0,
	  "none header", NULL, "", "none",
	  "header: a 429 says when to retry, and retries wait that long" },
	{ "services.NAME.tokens", CS_KEY_COUNTS, 0, NULL, "fixed", "tokens",
	  NULL, "tokens one call counts against rate_limit.tpm" },
	{ "services.NAME.error_rate", CS_KEY_RATIO, CS_KEY_OR_MAP, NULL, NULL,
	  "fraction", "0",
	  "probability an attempt's answer is an error (upstream_error)" },
	{ "services.NAME.error_rate.table", CS_KEY_PAIRS, CS_KEY_REQUIRED, NULL,
	  NULL, "", NULL,
	  "[attempts in flight, error rate] points, at most 32: errors "
	  "growing with load" },
	{ "services.NAME.retries", CS_KEY_MAP, 0, NULL, NULL, "", NULL,
	  "what a failed attempt does next" },
	{ "services.NAME.retries.max", CS_KEY_INT, 0, NULL, NULL, "attempts",
	  "0", "extra attempts after a failed one, 0-100" },
	{ "services.NAME.retries.backoff", CS_KEY_DURATION, 0, NULL, NULL, "",
	  "100ms", "delay before the first retry; doubles each retry" },
	{ "services.NAME.retries.max_backoff", CS_KEY_DURATION, CS_KEY_NONE_OK,
	  NULL, NULL, "", "10s", "cap on the delay" },
	{ "services.NAME.retries.jitter", CS_KEY_ENUM, 0, "full equal none",
	  NULL, "", "full", "the delay: uniform in [0, d], in [d/2, d], or d" },
	{ "services.NAME.retries.on", CS_KEY_ENUMS, 0,
	  "rate_limited upstream_error upstream_timeout", NULL, "",
	  "all three", "causes that are retried" },
	/* kind: batch (the second table of 4.9) */
	{ "services.NAME.output_tokens", CS_KEY_COUNTS, CS_KEY_REQUIRED, NULL,
	  "batch", "tokens", NULL, "tokens generated per attempt" },
	{ "services.NAME.prompt_tokens", CS_KEY_COUNTS, 0, NULL, "batch",
	  "tokens", "0", "tokens in per attempt (the prompt)" },
	{ "services.NAME.step_time", CS_KEY_MAP, CS_KEY_REQUIRED, NULL, "batch",
	  "", NULL, "one decoding step's time with n sequences running" },
	{ "services.NAME.step_time.base", CS_KEY_DURATION, 0, NULL, NULL, "",
	  NULL, "step time = base + per_seq x n" },
	{ "services.NAME.step_time.per_seq", CS_KEY_DURATION, 0, NULL, NULL,
	  "", "0", "added per running sequence" },
	{ "services.NAME.step_time.table", CS_KEY_PAIRS, 0, NULL, NULL, "",
	  NULL, "[batch size, step time] points instead of base and per_seq" },
	{ "services.NAME.prefill_per_token", CS_KEY_DURATION, 0, NULL, "batch",
	  "", "0", "prefill cost per prompt token" },
	{ "services.NAME.max_batch", CS_KEY_INT, 0, NULL, "batch", "sequences",
	  "256", "running sequences at most (vLLM --max-num-seqs)" },
	{ "services.NAME.max_tokens", CS_KEY_NUMBER, CS_KEY_NONE_OK, NULL,
	  "batch", "tokens", "none",
	  "KV-cache budget: the running sequences' tokens must fit" },

	/* ---- endpoints (4.10) */
	{ "endpoints[].name", CS_KEY_STRING, 0, NULL, NULL, "",
	  "endpoint 1, endpoint 2, ...", "unique; used in the output and in "
	  "--set paths" },
	{ "endpoints[].weight", CS_KEY_NUMBER, 0, NULL, NULL, "", "1",
	  "relative share of requests" },
	{ "endpoints[].steps", CS_KEY_STEPS, CS_KEY_REQUIRED, NULL, NULL, "",
	  NULL, "what the request does, in order" },

	/* ---- steps (4.11): a map with one of these and maybe an id */
	{ "<step>.cpu", CS_KEY_DIST, 0, NULL, NULL, "", NULL,
	  "CPU time on an idle core of the instance" },
	{ "<step>.delay", CS_KEY_DIST, 0, NULL, NULL, "", NULL,
	  "a wait holding the worker and nothing else" },
	{ "<step>.query", CS_KEY_DIST, 0, NULL, NULL, "", NULL,
	  "a query's DB CPU time; outside a db block it takes its own "
	  "connection" },
	{ "<step>.db", CS_KEY_STEPS, CS_KEY_OR_MAP, NULL, NULL, "", NULL,
	  "steps run holding one connection" },
	{ "<step>.db.steps", CS_KEY_STEPS, CS_KEY_REQUIRED, NULL, NULL, "",
	  NULL, "the steps of the block" },
	{ "<step>.cache", CS_KEY_ENUM, CS_KEY_OR_MAP, "default", NULL, "", NULL,
	  "a cache lookup; on a miss its miss steps run" },
	{ "<step>.cache.hit_ratio", CS_KEY_RATIO, 0, NULL, NULL, "fraction",
	  "cache.hit_ratio", "this step's own hit ratio" },
	{ "<step>.cache.latency", CS_KEY_DIST, 0, NULL, NULL, "",
	  "cache.latency", "this step's own lookup time" },
	{ "<step>.cache.miss", CS_KEY_STEPS, 0, NULL, NULL, "", "none",
	  "steps run on a miss" },
	{ "<step>.call", CS_KEY_STRING, 0, NULL, NULL, "", NULL,
	  "calls the service of that name" },
	{ "<step>.branch", CS_KEY_MAP, 0, NULL, NULL, "", NULL,
	  "steps run with a probability" },
	{ "<step>.branch.p", CS_KEY_RATIO, CS_KEY_REQUIRED, NULL, NULL,
	  "fraction", NULL, "the probability the steps run" },
	{ "<step>.branch.steps", CS_KEY_STEPS, CS_KEY_REQUIRED, NULL, NULL, "",
	  NULL, "the steps" },
	{ "<step>.id", CS_KEY_STRING, 0, NULL, NULL, "", NULL,
	  "a word without dots naming the step in --set, --vary and --fit "
	  "paths" },

	/* ---- distributions (4.2): a duration, or a map with dist */
	{ "<distribution>.dist", CS_KEY_ENUM, CS_KEY_REQUIRED, DIST_KINDS, NULL,
	  "", NULL, "the family" },
	{ "<distribution>.value", CS_KEY_AMOUNT, CS_KEY_REQUIRED, NULL,
	  "constant", "", NULL, "the constant" },
	{ "<distribution>.mean", CS_KEY_AMOUNT, 0, NULL,
	  "exponential lognormal gamma weibull", "", NULL,
	  "the mean, > 0" },
	{ "<distribution>.min", CS_KEY_AMOUNT, CS_KEY_REQUIRED, NULL, "uniform",
	  "", NULL, "the smallest, >= 0" },
	{ "<distribution>.max", CS_KEY_AMOUNT, CS_KEY_REQUIRED, NULL, "uniform",
	  "", NULL, "the largest, >= min" },
	{ "<distribution>.median", CS_KEY_AMOUNT, 0, NULL, "lognormal", "",
	  NULL, "the median, with p95 (not with mean and cv)" },
	{ "<distribution>.p95", CS_KEY_AMOUNT, 0, NULL, "lognormal", "", NULL,
	  "the 95th percentile, >= median" },
	{ "<distribution>.cv", CS_KEY_NUMBER, 0, NULL, "lognormal gamma", "",
	  NULL, "coefficient of variation (sd / mean), 1e-6-100" },
	{ "<distribution>.shape", CS_KEY_NUMBER, CS_KEY_REQUIRED, NULL,
	  "weibull", "", NULL, "Weibull shape, 0.05-100: < 1 heavy tail" },
	{ "<distribution>.samples", CS_KEY_AMOUNTS, 0, NULL, "empirical", "",
	  NULL, "measured values: the draws interpolate their quantiles" },
	{ "<distribution>.percentiles", CS_KEY_QUANTILES, 0, NULL, "empirical",
	  "", NULL, "{p0: .., p50: .., p100: ..}: increasing percentiles, "
	  "p0 and p100 included" },
	{ "<distribution>.scale", CS_KEY_NUMBER, 0, NULL, NULL, "x", "1",
	  "multiplies every draw, 0-1e6" },
};

#define NROWS (sizeof table / sizeof table[0])

const cs_key *
cs_scenario_keys(size_t *n)
{
	*n = NROWS;
	return table;
}

const cs_key *
cs_scenario_key(const char *path)
{
	size_t k;

	for (k = 0; k < NROWS; k++)
		if (!strcmp(table[k].path, path))
			return &table[k];
	return NULL;
}

/* Whether the word w is one of the words of list (by spaces). */
static int
has_word(const char *list, const char *w)
{
	size_t n = strlen(w);
	const char *p = list;

	while ((p = strstr(p, w))) {
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return 1;
		p += n;
	}
	return 0;
}

/* The part of path after parent + ".", if that is one segment; else
 * NULL.  Items of a list are "parent[]." */
static const char *
child_of(const char *path, const char *parent)
{
	size_t n = strlen(parent);
	const char *leaf;

	if (!n)
		leaf = path;
	else if (!strncmp(path, parent, n) && path[n] == '.')
		leaf = path + n + 1;
	else
		return NULL;
	/* a step's own keys (<step>.db.steps) are not the step's keys */
	return strchr(leaf, '.') || strchr(leaf, '[') ? NULL : leaf;
}

size_t
cs_scenario_key_names(const char *parent, const char *variant,
                      const char **out, size_t cap)
{
	size_t k, n = 0;

	for (k = 0; k < NROWS && n + 1 < cap; k++) {
		const char *leaf = child_of(table[k].path, parent);

		if (leaf && (!variant || !table[k].only ||
		             has_word(table[k].only, variant)))
			out[n++] = leaf;
	}
	if (cap)
		out[n] = NULL;
	return n;
}

size_t
cs_scenario_key_choices(const char *path, cs_key_words *w)
{
	const cs_key *k = cs_scenario_key(path);
	size_t n = 0;
	char *p, *save = NULL;

	w->v[0] = NULL;
	if (!k || !k->choices || strlen(k->choices) >= sizeof w->buf)
		return 0;
	strcpy(w->buf, k->choices);
	/* strtok_r: the loader may run on several threads at once */
	for (p = strtok_r(w->buf, " ", &save);
	     p && n + 1 < sizeof w->v / sizeof w->v[0];
	     p = strtok_r(NULL, " ", &save))
		w->v[n++] = p;
	w->v[n] = NULL;
	return n;
}

const char *
cs_scenario_key_type_text(const cs_key *k, char *buf, size_t size)
{
	static const char *const names[] = {
		[CS_KEY_MAP] = "map", [CS_KEY_NAMED] = "map of name -> map",
		[CS_KEY_LIST] = "list of maps", [CS_KEY_STEPS] = "list of steps",
		[CS_KEY_STRING] = "string", [CS_KEY_INT] = "integer",
		[CS_KEY_NUMBER] = "number", [CS_KEY_BOOL] = "boolean",
		[CS_KEY_DURATION] = "duration",
		[CS_KEY_AMOUNT] = "duration (number for tokens)",
		[CS_KEY_RATE] = "rate", [CS_KEY_RATIO] = "ratio",
		[CS_KEY_DIST] = "distribution",
		[CS_KEY_COUNTS] = "distribution of numbers",
		[CS_KEY_ENUM] = "one of", [CS_KEY_ENUMS] = "list of",
		[CS_KEY_PAIRS] = "list of [number, value] pairs",
		[CS_KEY_AMOUNTS] = "list of durations (numbers for tokens)",
		[CS_KEY_QUANTILES] = "map of pN -> duration",
		[CS_KEY_TARGET] = "integer, rate or percentage",
		[CS_KEY_INTS] = "list of integers",
		[CS_KEY_FOREIGN] = "map",
	};
	const char *or_map = k->flags & CS_KEY_OR_MAP ?
	                     (k->type == CS_KEY_STEPS ? " or {steps: ...}" :
	                      " or map") : "";

	if (k->type == CS_KEY_ENUM || k->type == CS_KEY_ENUMS) {
		size_t n;
		char *c;

		n = (size_t)snprintf(buf, size, "%s ", names[k->type]);
		if (n < size)
			snprintf(buf + n, size - n, "%s", k->choices);
		/* "one of a b c" reads "one of a, b, c" */
		for (c = buf + n; n < size && (c = strchr(c, ' ')); c += 2) {
			size_t rest = strlen(c);

			if (c + rest + 2 >= buf + size)
				break;
			memmove(c + 1, c, rest + 1);
			*c = ',';
		}
		n = strlen(buf);
		snprintf(buf + n, size - n, "%s%s", or_map,
		         k->flags & CS_KEY_NONE_OK ? " or none" : "");
	}
	else {
		snprintf(buf, size, "%s%s%s", names[k->type], or_map,
		         k->flags & CS_KEY_NONE_OK ? " or none" : "");
	}
	return buf;
}

/* ---- the JSON Schema ---------------------------------------------------- */

/* the grammars of config/conf.c as patterns (one unit or k6's compound
 * form; a space may precede a unit) */
#define NUM "([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][-+]?[0-9]+)?"
#define UNIT " ?(us|µs|ms|s|sec|m|min|h)"
#define DURATION_RE "^" NUM UNIT "(" NUM UNIT ")*$"
#define RATE_RE "^" NUM " ?(/s|/sec|/m|/min|/h)?$"
#define PERCENT_RE "^" NUM " ?%$"

static cJSON *object_for(const char *parent);

static cJSON *
ref(const char *name)
{
	char buf[64];
	cJSON *o = cJSON_CreateObject();

	snprintf(buf, sizeof buf, "#/$defs/%s", name);
	cJSON_AddStringToObject(o, "$ref", buf);
	return o;
}

static cJSON *
typed(const char *type)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "type", type);
	return o;
}

static cJSON *
any_of(cJSON *a, cJSON *b)
{
	cJSON *o = cJSON_CreateObject(), *l = cJSON_AddArrayToObject(o, "anyOf");

	cJSON_AddItemToArray(l, a);
	cJSON_AddItemToArray(l, b);
	return o;
}

static cJSON *
words(const char *list)
{
	cJSON *o = cJSON_CreateObject(), *e = cJSON_AddArrayToObject(o, "enum");
	char buf[256], *p, *save = NULL;

	snprintf(buf, sizeof buf, "%s", list);
	for (p = strtok_r(buf, " ", &save); p; p = strtok_r(NULL, " ", &save))
		cJSON_AddItemToArray(e, cJSON_CreateString(p));
	return o;
}

static cJSON *
schema_of(const cs_key *k)
{
	char sub[128];
	cJSON *o = NULL, *x;

	switch (k->type) {
	case CS_KEY_MAP:
		o = object_for(k->path);
		break;
	case CS_KEY_NAMED:
		o = typed("object");
		snprintf(sub, sizeof sub, "%s.NAME", k->path);
		cJSON_AddItemToObject(o, "additionalProperties", object_for(sub));
		break;
	case CS_KEY_LIST:
		o = typed("array");
		cJSON_AddNumberToObject(o, "minItems", 1);
		snprintf(sub, sizeof sub, "%s[]", k->path);
		cJSON_AddItemToObject(o, "items", object_for(sub));
		break;
	case CS_KEY_STEPS: o = ref("steps"); break;
	case CS_KEY_STRING: o = typed("string"); break;
	case CS_KEY_INT: o = typed("integer"); break;
	case CS_KEY_NUMBER: o = typed("number"); break;
	case CS_KEY_BOOL: o = typed("boolean"); break;
	case CS_KEY_DURATION: o = ref("duration"); break;
	case CS_KEY_AMOUNT: o = ref("amount"); break;
	case CS_KEY_RATE: o = ref("rate"); break;
	case CS_KEY_RATIO: o = ref("ratio"); break;
	case CS_KEY_DIST:
	case CS_KEY_COUNTS: o = ref("distribution"); break;
	case CS_KEY_ENUM: o = words(k->choices); break;
	case CS_KEY_ENUMS:
		o = typed("array");
		cJSON_AddItemToObject(o, "items", words(k->choices));
		break;
	case CS_KEY_PAIRS:
		o = typed("array");
		cJSON_AddNumberToObject(o, "minItems", 1);
		x = cJSON_AddObjectToObject(o, "items");
		cJSON_AddStringToObject(x, "type", "array");
		cJSON_AddNumberToObject(x, "minItems", 2);
		cJSON_AddNumberToObject(x, "maxItems", 2);
		break;
	case CS_KEY_AMOUNTS:
		o = typed("array");
		cJSON_AddNumberToObject(o, "minItems", 1);
		cJSON_AddItemToObject(o, "items", ref("amount"));
		break;
	case CS_KEY_QUANTILES:
		o = typed("object");
		cJSON_AddNumberToObject(o, "minProperties", 2);
		x = cJSON_AddObjectToObject(o, "propertyNames");
		cJSON_AddStringToObject(x, "pattern", "^[pP]" NUM "$");
		cJSON_AddItemToObject(o, "additionalProperties", ref("amount"));
		break;
	case CS_KEY_TARGET:
		o = any_of(ref("rate"), typed("string"));
		x = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "anyOf"), 1);
		cJSON_AddStringToObject(x, "pattern", PERCENT_RE);
		break;
	case CS_KEY_INTS:
		o = typed("array");
		cJSON_AddNumberToObject(o, "minItems", 1);
		x = typed("integer");
		cJSON_AddNumberToObject(x, "minimum", 0);
		cJSON_AddItemToObject(o, "items", x);
		break;
	case CS_KEY_FOREIGN: o = typed("object"); break;
	}
	if ((k->flags & CS_KEY_OR_MAP) && k->type != CS_KEY_MAP)
		o = any_of(o, object_for(k->path));
	if (k->flags & CS_KEY_NONE_OK)
		o = any_of(o, words("none off"));
	return o;
}

/* The words of a variant list (an ENUM row's choices). */
static cJSON *
variant_rules(const char *parent, const cs_key *disc)
{
	cJSON *all = cJSON_CreateArray();
	char buf[256], *save = NULL, *v;

	snprintf(buf, sizeof buf, "%s", disc->choices);
	for (v = strtok_r(buf, " ", &save); v; v = strtok_r(NULL, " ", &save)) {
		cJSON *rule = cJSON_CreateObject(), *cond, *then, *props, *req, *x;
		const char *names[64];
		size_t n = cs_scenario_key_names(parent, v, names, 64), i;
		const char *leaf = strrchr(disc->path, '.') + 1;
		char path[128];

		cond = cJSON_AddObjectToObject(rule, "if");
		x = cJSON_AddObjectToObject(cond, "properties");
		x = cJSON_AddObjectToObject(x, leaf);
		cJSON_AddStringToObject(x, "const", v);
		/* the default variant also when the discriminator is absent */
		if (!disc->def || strcmp(disc->def, v)) {
			x = cJSON_AddArrayToObject(cond, "required");
			cJSON_AddItemToArray(x, cJSON_CreateString(leaf));
		}
		then = cJSON_AddObjectToObject(rule, "then");
		props = cJSON_AddObjectToObject(then, "properties");
		req = cJSON_CreateArray();
		for (i = 0; i < n; i++) {
			const cs_key *k;

			cJSON_AddTrueToObject(props, names[i]);
			snprintf(path, sizeof path, "%s.%s", parent, names[i]);
			k = cs_scenario_key(path);
			if (k && (k->flags & CS_KEY_REQUIRED) && k->only)
				cJSON_AddItemToArray(req, cJSON_CreateString(names[i]));
		}
		cJSON_AddFalseToObject(then, "additionalProperties");
		if (cJSON_GetArraySize(req))
			cJSON_AddItemToObject(then, "required", req);
		else
			cJSON_Delete(req);
		cJSON_AddItemToArray(all, rule);
	}
	return all;
}

static cJSON *
object_for(const char *parent)
{
	cJSON *o = typed("object"), *props = cJSON_AddObjectToObject(o,
	    "properties"), *req = cJSON_CreateArray();
	const cs_key *disc = NULL;
	int variants = 0;
	size_t k;

	for (k = 0; k < NROWS; k++) {
		const char *leaf = child_of(table[k].path, parent);
		cJSON *s;
		char text[512];

		if (!leaf)
			continue;
		s = schema_of(&table[k]);
		snprintf(text, sizeof text, "%s%s%s%s", table[k].meaning,
		         table[k].def ? " (default: " : "",
		         table[k].def ? table[k].def : "", table[k].def ? ")" : "");
		cJSON_AddStringToObject(s, "description", text);
		cJSON_AddItemToObject(props, leaf, s);
		if ((table[k].flags & CS_KEY_REQUIRED) && !table[k].only)
			cJSON_AddItemToArray(req, cJSON_CreateString(leaf));
		variants |= table[k].only != NULL;
		if (table[k].type == CS_KEY_ENUM && table[k].choices &&
		    strchr(table[k].choices, ' ') && !disc)
			disc = &table[k];
	}
	cJSON_AddFalseToObject(o, "additionalProperties");
	if (cJSON_GetArraySize(req))
		cJSON_AddItemToObject(o, "required", req);
	else
		cJSON_Delete(req);
	if (variants && disc)
		cJSON_AddItemToObject(o, "allOf", variant_rules(parent, disc));
	return o;
}

char *
cs_scenario_keys_schema(void)
{
	cJSON *root = cJSON_CreateObject(), *top = object_for(""), *defs, *x, *l;
	char *text;

	cJSON_AddStringToObject(root, "$schema",
	                        "https://json-schema.org/draft/2020-12/schema");
	cJSON_AddStringToObject(root, "title", "capsim scenario");
	cJSON_AddStringToObject(root, "description",
	    "A capsim scenario (docs/guide.md section 4). Generated by capsim "
	    "keys --schema from the table the loader reads its keys from.");
	/* the top level's rules after the title (cJSON keeps the order) */
	while (top && top->child) {
		x = top->child;
		cJSON_DetachItemViaPointer(top, x);
		cJSON_AddItemToObject(root, x->string, x);
	}
	cJSON_Delete(top);
	defs = cJSON_AddObjectToObject(root, "$defs");

	x = cJSON_AddObjectToObject(defs, "duration");
	l = cJSON_AddArrayToObject(x, "anyOf");
	cJSON_AddItemToArray(l, typed("string"));
	cJSON_AddStringToObject(cJSON_GetArrayItem(l, 0), "pattern", DURATION_RE);
	cJSON_AddItemToArray(l, cJSON_CreateObject());
	cJSON_AddNumberToObject(cJSON_GetArrayItem(l, 1), "const", 0);
	cJSON_AddStringToObject(x, "description", "250us, 450ms, 2s, 1.5m, "
	                        "1m30s, 1h; 0 needs no unit");

	cJSON_AddItemToObject(defs, "amount", any_of(ref("duration"),
	                                             typed("number")));
	x = any_of(typed("number"), typed("string"));
	cJSON_AddStringToObject(cJSON_GetArrayItem(cJSON_GetObjectItem(x,
	    "anyOf"), 1), "pattern", RATE_RE);
	cJSON_AddStringToObject(x, "description", "per second: 60, 60/s, "
	                        "3600/m, 10/h");
	cJSON_AddItemToObject(defs, "rate", x);
	x = any_of(typed("number"), typed("string"));
	l = cJSON_GetArrayItem(cJSON_GetObjectItem(x, "anyOf"), 0);
	cJSON_AddNumberToObject(l, "minimum", 0);
	cJSON_AddNumberToObject(l, "maximum", 1);
	cJSON_AddStringToObject(cJSON_GetArrayItem(cJSON_GetObjectItem(x,
	    "anyOf"), 1), "pattern", PERCENT_RE);
	cJSON_AddStringToObject(x, "description", "0.87 or 87%");
	cJSON_AddItemToObject(defs, "ratio", x);

	x = any_of(ref("amount"), object_for("<distribution>"));
	cJSON_AddStringToObject(x, "description", "a constant (450ms), or "
	                        "{dist: ..., ...} (docs/guide.md 4.2)");
	cJSON_AddItemToObject(defs, "distribution", x);

	x = object_for("<step>");
	cJSON_AddNumberToObject(x, "minProperties", 1);
	cJSON_AddNumberToObject(x, "maxProperties", 2);
	cJSON_AddStringToObject(x, "description", "one of cpu, delay, query, "
	                        "db, cache, call, branch, and maybe an id");
	cJSON_AddItemToObject(defs, "step", x);
	x = typed("array");
	cJSON_AddItemToObject(x, "items", ref("step"));
	cJSON_AddItemToObject(defs, "steps", x);

	text = cJSON_Print(root);
	cJSON_Delete(root);
	return text;
}
