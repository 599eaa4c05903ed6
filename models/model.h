/*
 * models — the system under test: load, app instances, DB pool and server,
 * cache and external services, and the endpoint programs that use them.
 *
 * Two halves: the configuration (struct cs_scenario, built once from YAML by
 * scenario.c and read-only afterwards, so replications in several threads
 * share it) and the run state of one replication (struct cs_model).
 */
#ifndef CS_MODELS_MODEL_H
#define CS_MODELS_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "capsim.h"
#include "sim/check.h"
#include "sim/dist.h"
#include "sim/engine.h"
#include "sim/hist.h"
#include "sim/ps.h"
#include "sim/stats.h"

/* Why a request failed.  Names (cs_cause_names) are the JSON keys. */
typedef enum cs_cause {
	CS_CAUSE_POOL_TIMEOUT,     /* waited acquire_timeout for a DB connection */
	CS_CAUSE_BACKLOG_FULL,     /* all workers busy and the backlog full */
	CS_CAUSE_CLIENT_TIMEOUT,   /* the load generator gave up waiting */
	CS_CAUSE_SERVER_TIMEOUT,   /* app.request_timeout stopped it */
	CS_CAUSE_UPSTREAM_TIMEOUT, /* an external call exceeded its timeout */
	CS_CAUSE_RATE_LIMITED,     /* an external service answered 429 */
	CS_CAUSE_UPSTREAM_ERROR,   /* an external service answered an error */
	CS_CAUSE_DB_REFUSED,       /* DB server at max_connections */
	CS_CAUSE_N
} cs_cause;

extern const char *const cs_cause_names[CS_CAUSE_N];

/* ---- configuration ------------------------------------------------------ */

typedef struct cs_stage {
	double duration; /* seconds */
	double target;   /* users or requests/s; a fraction of the base if relative */
	bool relative;   /* written as a percentage of load.users / arrival_rate */
	double t_end;    /* seconds from the start: when this stage ends */
} cs_stage;

typedef struct cs_load_conf {
	bool open;              /* arrival_rate given: open Poisson arrivals */
	long users;             /* closed population (max when stages are given) */
	double rate;            /* requests/s, open */
	cs_dist think;          /* closed: pause between a response and the next */
	double client_timeout;  /* seconds; INFINITY: none */
	cs_dist rtt;            /* network round trip, load generator <-> app:
	                         * half on the way in, half on the way out */
	bool has_rtt;
	cs_stage *stages;
	size_t nstages;
} cs_load_conf;

enum { CS_LB_ROUND_ROBIN, CS_LB_LEAST_CONN, CS_LB_RANDOM };

typedef struct cs_app_conf {
	long instances;
	long workers;           /* per instance: concurrent requests in service */
	long processes;         /* per instance: the workers are split evenly
	                         * across this many processes (gunicorn -w) */
	long cores;             /* per instance (per host with `hosts`) */
	long hosts;             /* machines the instances run on: instance i
	                         * on host i mod hosts, sharing its cores;
	                         * = instances by default (one each) */
	bool gil;               /* the CPU steps of one process share at most
	                         * one core (CPython's GIL, a Node.js event
	                         * loop): a lane of the host's cores */
	bool gil_fifo;          /* gil_order: fifo — a lane runs its cpu
	                         * steps one at a time, each to its end */
	double background;      /* per host: runnable threads of other work
	                         * competing for its cores (0: none) */
	double overhead;        /* per instance: cores of work it does whatever
	                         * the requests (GC, timers), outside any lane */
	double slowdown;        /* each host's cores run 1 + this times slower
	                         * when all are busy (0: never) */
	double cold_delay;      /* seconds: a cpu step on a process idle for g
	                         * seconds first waits cold_delay (1 - exp(-g /
	                         * cold_after)) without a core (0: never) */
	double cold_after;      /* seconds, the idle time constant */
	long backlog;           /* per instance: waiting requests beyond workers */
	int balancer;
	double request_timeout; /* seconds from arrival at the instance; INFINITY */
	double sigma, kappa;    /* USL contention/coherency on the CPU */
	double cpu_scale;       /* multiplies every cpu step (a slower CPU: 2) */
	bool sticky;            /* affinity: user — a closed user's requests
	                         * always go to the same process (keep-alive) */
	bool pin_random;        /* affinity: user_random — that process is
	                         * drawn at random per user (the kernel's
	                         * accept race), not user i -> process i mod n */
	long *pin_counts;       /* affinity_users: users per process (NULL:
	                         * none), app.processes of them */
	double pin_alpha;       /* affinity_alpha: > 0, the processes' shares
	                         * of the users are Dirichlet(pin_alpha, ...)
	                         * per replication; 0: equal shares */
} cs_app_conf;

typedef struct cs_db_conf {
	long pool_size;         /* per pool */
	bool per_process;       /* one pool per app process, else per instance */
	double acquire_timeout; /* seconds; INFINITY: wait forever */
	double handoff;         /* seconds a woken waiter takes to claim a
	                         * returned connection, which a newcomer to
	                         * the pool may take meanwhile; 0: at once */
	bool order_random;      /* a released connection goes to a waiter
	                         * drawn uniformly, else the longest waiting */
	long max_waiting;       /* per pool: a request that finds this many
	                         * waiting fails at once; -1: no limit */
	long cores;
	long max_connections;   /* server limit over all pools */
	bool on_app_host;       /* the DB shares the (first) app instance's
	                         * cores instead of having its own */
	double sigma, kappa;
	double query_scale;     /* multiplies every query (a slower DB: 2) */
	double overhead;        /* cores of work the DB does whatever the
	                         * queries (background writer, vacuum) */
	double slowdown;        /* its own host's cores run 1 + this times
	                         * slower when all are busy (db.host: own) */
	double conn_cost;       /* a query's work x (1 + this x the other
	                         * connections checked out at its start) */
	cs_dist round_trip;     /* each query's time outside the DB's CPU
	                         * (network, protocol), before its work */
	bool has_round_trip;
} cs_db_conf;

/* Overhead work (app.overhead, db.overhead) arrives in slices this many
 * seconds apart, as a runtime's periodic GC and timer work does. */
#define CS_OVERHEAD_PERIOD 0.01

/* Most distinct keys a keyed cache takes: its per-key arrays cost 8 bytes
 * a key in the scenario (Zipf only) and 8 (16 with capacity) a key in each
 * running replication, 240 MB at this size. */
#define CS_CACHE_MAX_KEYS 10000000L
/* Keyed cache steps nested in each other's miss paths, deepest: a request
 * keeps the key of each open lookup until its miss path sets it. */
#define CS_CACHE_NEST 4
/* Points in a service's load-dependent error_rate table. */
#define CS_ERR_TABLE_MAX 32

/* How a keyed cache's keys are requested (cache.popularity). */
enum {
	CS_POP_UNIFORM, /* every key alike */
	CS_POP_ZIPF,    /* p_i proportional to i^-s, ranks i = 1..keys */
	CS_POP_HOT      /* hot_share of requests uniform over the first hot
	                 * keys, the rest uniform over the others */
};

typedef struct cs_cache_conf {
	double hit_ratio;       /* constant form: probability a lookup hits */
	cs_dist latency;
	/* keyed form (cache.keys given): the hit ratio comes out of the load */
	long keys;              /* distinct keys; 0: the constant hit_ratio */
	int popularity;         /* CS_POP_* */
	double zipf_s;          /* Zipf exponent, >= 0 */
	double *cdf;            /* Zipf: cdf[i] = P(rank <= i + 1); keys
	                         * entries, the last exactly 1 */
	long hot;               /* CS_POP_HOT: size of the hot set */
	double hot_share;       /* CS_POP_HOT: share of lookups to it */
	double ttl;             /* seconds an entry lives; INFINITY: none */
	long capacity;          /* entries before LRU eviction; 0: none */
} cs_cache_conf;

enum { CS_JITTER_FULL, CS_JITTER_EQUAL, CS_JITTER_NONE };

/* What answers a service's attempts (services.NAME.kind). */
enum {
	CS_SVC_FIXED, /* a latency draw per attempt, unlimited capacity */
	CS_SVC_BATCH  /* one continuous-batching inference server (batch.c) */
};

typedef struct cs_service_conf {
	char *name;
	int kind;               /* CS_SVC_FIXED or CS_SVC_BATCH */
	cs_dist latency;        /* fixed only */
	/* batch only (see batch.c and docs/model.md) */
	cs_dist prompt_tokens;  /* tokens in (a count, not seconds) */
	cs_dist output_tokens;  /* tokens out, at least 1 */
	double step_base;       /* seconds: a in step = a + b x running */
	double step_per_seq;    /* seconds per running sequence: b */
	double *step_n;         /* table form: batch sizes, increasing ... */
	double *step_t;         /* ... and their step times, seconds */
	size_t nstep;           /* 0: the a + b x n form */
	double prefill_per_token; /* seconds per prompt token, paid in the
	                         * step the sequence joins */
	long max_batch;         /* running sequences (vLLM max_num_seqs) */
	double max_tokens;      /* KV-cache budget, tokens; INFINITY: none */
	double timeout;         /* seconds per attempt (queueing included); INFINITY */
	long concurrency;       /* client-side limit per app instance; 0: none */
	double rl_rate;         /* token bucket refill, requests/s; 0: no limit */
	double rl_burst;        /* bucket size, requests */
	double rl_latency;      /* seconds to receive a 429 */
	double tpm_rate;        /* token bucket for rate_limit.tpm: refill,
	                         * tokens/s (tpm / 60); 0: no token limit */
	double tpm_burst;       /* its size, tokens */
	cs_dist tokens;         /* a call's count against tpm (a number) */
	bool retry_after;       /* 429s carry Retry-After and retries wait it */
	double error_rate;      /* probability an attempt answers an error */
	double err_n[CS_ERR_TABLE_MAX]; /* error_rate as a table: attempts in
	                         * flight at the provider (increasing) ... */
	double err_p[CS_ERR_TABLE_MAX]; /* ... and the probability there */
	int err_len;            /* points in the table; 0: error_rate */
	bool hold_on_timeout;   /* on_timeout: hold — an attempt the client
	                         * gave up on keeps its slot until the
	                         * provider would have answered */
	long retries;           /* extra attempts after a failed one */
	double backoff;         /* seconds: first retry delay (doubles each time) */
	double max_backoff;     /* seconds */
	int jitter;
	unsigned retry_on;      /* bit mask of cs_cause */
} cs_service_conf;

typedef enum cs_opkind {
	CS_OP_CPU,     /* app CPU: processor-shared on the instance's cores */
	CS_OP_DELAY,   /* pure wait holding the worker */
	CS_OP_ACQUIRE, /* take a pool connection */
	CS_OP_QUERY,   /* run a query on the DB server (connection held) */
	CS_OP_RELEASE, /* give the connection back */
	CS_OP_CACHE,   /* lookup; a hit jumps over the miss path */
	CS_OP_CACHE_SET, /* keyed cache: the miss path is done, set the entry */
	CS_OP_CALL,    /* external service */
	CS_OP_BRANCH,  /* with probability p run the next ops, else jump */
	CS_OP_END
} cs_opkind;

typedef struct cs_op {
	cs_opkind kind;
	uint32_t jump;    /* CACHE, BRANCH: pc to continue at when skipping */
	int service;      /* CALL */
	bool keyed;       /* CACHE: a key drawn from cache.popularity decides,
	                   * not p */
	uint8_t level;    /* CACHE (keyed), CACHE_SET: index into cs_req.ckey,
	                   * the nesting depth of keyed lookups */
	double p;         /* CACHE: hit ratio; BRANCH: probability */
	cs_dist d;        /* CPU, DELAY, QUERY, CACHE latency */
} cs_op;

typedef struct cs_endpoint_conf {
	char *name;
	double weight;
	cs_op *ops;
	size_t nops;
} cs_endpoint_conf;

struct cs_scenario {
	char *name;
	char *file;
	double duration;      /* seconds simulated per replication */
	double warmup;        /* seconds deleted at the start */
	unsigned replications;
	uint64_t seed;
	cs_load_conf load;
	cs_app_conf app;
	cs_db_conf db;
	cs_cache_conf cache;
	cs_service_conf *services;
	size_t nservices;
	cs_endpoint_conf *endpoints;
	size_t nendpoints;
	double *cum_weight;   /* cumulative endpoint weights, normalized to 1 */
};

/* Number of DB pools: instances, or instances x processes. */
size_t cs_scenario_npools(const cs_scenario *sc);

/* ---- run state of one replication -------------------------------------- */

enum { CS_RNG_LOAD, CS_RNG_ROUTE, CS_RNG_APP, CS_RNG_DB, CS_RNG_CACHE,
       CS_RNG_EXT, CS_RNG_PIN, CS_RNG_POOL, CS_RNG_N };

typedef struct cs_req cs_req;
typedef struct cs_model cs_model;

/*
 * Where a request's time goes (timeparts.c): the part it is in now is
 * known at every hand-over, so each transition adds the time since the
 * last one to that part.  CPU and QUERY are each followed by their
 * queueing part (the same step's time beyond its work at full speed).
 * Then each service has CS_PART_SVC_N parts: CS_PART_SVC(id, k).
 */
enum {
	CS_PART_NETWORK,     /* round trip: half on the way in, half out */
	CS_PART_BACKLOG,     /* in the app backlog, waiting for a worker */
	CS_PART_PROC_WAIT,   /* affinity: waiting for its process's worker */
	CS_PART_CPU,         /* app CPU at full speed (work x cpu_scale) */
	CS_PART_CPU_QUEUE,   /* the rest of the CPU steps: sharing, USL */
	CS_PART_POOL_WAIT,   /* waiting for a DB pool connection */
	CS_PART_QUERY,       /* queries at full speed (work x query_scale) */
	CS_PART_QUERY_QUEUE, /* the rest of the queries: DB CPU sharing */
	CS_PART_CACHE,       /* cache lookups */
	CS_PART_DELAY,       /* delay steps */
	CS_PART_FIXED
};
enum {
	CS_PART_SVC_QUEUE,   /* waiting for a concurrency slot */
	CS_PART_SVC_RATE,    /* attempts answered 429 and the waits after */
	CS_PART_SVC_RETRY,   /* other failed attempts and their backoff */
	CS_PART_SVC_BATCH,   /* kind: batch: waiting to join the batch */
	CS_PART_SVC_SERVICE, /* the attempt that answered */
	CS_PART_SVC_N
};
#define CS_PART_SVC(id, k) (CS_PART_FIXED + (unsigned)(id) * CS_PART_SVC_N + (k))

/* An intrusive FIFO with O(1) removal (a timed-out waiter leaves). */
typedef struct cs_queue {
	cs_req *head, *tail;
	size_t n;
} cs_queue;

#define CS_REQ_SLAB 1024 /* requests allocated at a time */

struct cs_req {
	cs_ps_job ps;         /* while on a CPU */
	cs_req *prev, *next;  /* while in one wait queue; free list link */
	cs_req *cprev, *cnext; /* while its client waits (load.client_timeout) */
	cs_model *m;
	uint64_t serial;      /* incarnation: timers for an old one are ignored */
	uint64_t token;       /* current wait/attempt: stale timers are ignored */
	cs_event_id tmo;      /* the pool wait's or the attempt's timeout,
	                       * cancelled when the wait or attempt ends */
	cs_event_id srv_tmo;  /* app.request_timeout's, cancelled at the end */
	double t_start;       /* seconds: client sent it */
	double deadline;      /* seconds: a pool wait's acquire_timeout ends */
	double rtt;           /* seconds: this request's network round trip */
	uint32_t ep, pc, inst, user;
	const cs_op *ops;     /* its endpoint's steps (pc indexes them): one
	                       * load fewer before each step's dispatch */
	uint32_t proc;        /* app process within the instance */
	uint32_t pool;        /* index into cs_model.pools */
	uint32_t attempt;     /* of the current external call */
	double tpm_need;      /* tokens the current call counts against
	                       * rate_limit.tpm (drawn once a call) */
	double retry_after;   /* seconds: the last 429's Retry-After; 0: none */
	int svc;              /* service whose slot is held, or -1 */
	double svc_end;       /* seconds: when the provider answers the
	                       * current attempt (fixed kind) */
	uint32_t ckey[CS_CACHE_NEST]; /* keyed cache: the key each open
	                       * lookup missed, set when its miss path ends */
	/* batch service (batch.c): the sequence of the current attempt */
	uint32_t b_left;      /* output tokens still to generate */
	uint32_t b_prompt;    /* prompt tokens */
	double b_need;        /* KV tokens reserved: prompt + output */
	double b_t0;          /* seconds: reached the server */
	double wait_work;     /* the work of a cpu step while its process
	                       * wakes, or of a query during its round trip */
	uint8_t b_where;      /* CS_BATCH_NONE, _WAITING or _RUNNING */
	bool has_worker, has_conn;
	bool handing;         /* in its pool's handing queue (db.pool.handoff) */
	bool cold_step;       /* an app cpu step counted in its process's
	                       * proc_cpu (app.cold_delay) is waking or
	                       * running */
	bool live;            /* not on the free list */
	bool client_done;     /* the client has its answer (or gave up) */
	bool server_done;     /* finished; the answer is on its way back */
	bool notified;        /* an answer (a server timeout) is on its way */
	uint8_t holds;        /* the server, and answers in flight: recycled
	                       * when none is left */
	bool aborted;         /* server-side timeout: stop at the next step */
	int fail;             /* cs_cause, or -1 */
	/* where the time goes (timeparts.c) */
	double *part;         /* [cs_model.nparts] seconds in each part */
	double part_t;        /* seconds, simulated: last transition (in a
	                       * CPU step or query: plus its work) */
	uint32_t part_now;    /* the part it is in since part_t */
};

typedef struct cs_instance {
	long busy;            /* workers in use */
	long inflight;        /* admitted or waiting: least-connections key */
	long *proc_busy;      /* workers in use per process */
	cs_tstat *proc_busy_t; /* sticky, processes > 1: each process's workers
	                       * in use over time (the crowd's measure) */
	long *proc_cpu;       /* with app.cold_delay: cpu steps of each process
	                       * queued or running ... */
	double *proc_idle;    /* ... and when its last one ended (s) */
	cs_queue backlog;     /* waiting for any worker */
	cs_queue *proc_wait;  /* sticky: waiting for a worker of one process */
	long waiting;         /* in backlog or proc_wait: the backlog limit */
	cs_ps cpu;
} cs_instance;

typedef struct cs_pool {
	long open, in_use;    /* connections */
	cs_queue wait;        /* FIFO; wait.n is bounded by db.pool.max_waiting */
	cs_queue handing;     /* woken waiters claiming a returned connection
	                       * (db.pool.handoff): each such connection still
	                       * counts in in_use */
} cs_pool;

enum { CS_BATCH_NONE, CS_BATCH_WAITING, CS_BATCH_RUNNING };

/* The run state of one continuous-batching server (kind: batch). */
typedef struct cs_batch {
	cs_queue waiting;        /* FIFO, all app instances together */
	cs_queue running;        /* sequences in the batch */
	cs_queue done;           /* finished at this boundary, not yet answered */
	double kv_used;          /* tokens reserved by running sequences */
	bool stepping;           /* a step-boundary event is scheduled */
	cs_tstat size, queue, kv; /* running sequences, waiting, KV tokens */
	cs_hist ttft, total;     /* seconds: arrival to first / last token */
	uint64_t out_tokens, in_tokens, finished; /* in the window */
	uint64_t steps;          /* in the window */
	uint64_t in, out, dropped; /* whole run: conservation */
} cs_batch;

/* The run state of a keyed cache (cache.c): one shared by all app
 * instances, as one Redis is.  Arrays of cache.keys entries. */
typedef struct cs_cache {
	double *expiry;          /* seconds, simulated: when key i's entry
	                          * expires; < 0: no entry (never set, evicted
	                          * or found expired); INFINITY: ttl none */
	uint32_t *prev, *next;   /* capacity only: LRU list, most recent at
	                          * head; UINT32_MAX ends it */
	uint32_t head, tail;
	long entries;            /* capacity only: entries in the list */
	uint64_t misses, evictions; /* in the window */
} cs_cache;

typedef struct cs_service {
	long *inflight;          /* per app instance: attempts holding a slot */
	long active;             /* all instances: attempts at the provider */
	cs_queue *wait;          /* per app instance: waiting for a slot */
	double tokens, tokens_t; /* bucket level and when it was computed */
	double tpm_level;        /* tokens in the rate_limit.tpm bucket, at
	                          * tokens_t too */
	cs_tstat conc;
	cs_tstat slotq;          /* waiting for a slot, all instances */
	double tpm_asked;        /* tokens the attempts asked rate_limit.tpm
	                          * for, in the window */
	uint64_t attempts, rejected, errors, timeouts;
	cs_batch *batch;         /* kind: batch only, else NULL */
	long peak;               /* most slots held at once at an instance */
	bool bound;              /* an attempt found its instance's
	                          * concurrency all held (models/reuse.h) */
} cs_service;

typedef struct cs_user {
	uint64_t token;
	uint32_t proc;        /* affinity: user_random — its process */
	uint32_t instant;     /* answers in a row that took no time at all */
	bool running;         /* in its loop (thinking or waiting) */
	bool waiting;         /* has a request outstanding */
} cs_user;

/* An endpoint's answers, or all of them.  During the run only an
 * endpoint's ok and fail counts, its okh and failh histograms and the
 * in-order sums are kept (one histogram add an answer, not four);
 * cs_load_finish() makes requests, all and the overall ones from them,
 * with the sums added in the order the answers came, as adding each
 * answer to each would have. */
typedef struct cs_epstats {
	uint64_t requests, ok, fail[CS_CAUSE_N];
	cs_hist all, okh;     /* latency, seconds */
	cs_hist failh;        /* the failed answers' (endpoints only) */
	double sum_all, sum_ok; /* seconds, in answer order (sum_ok: overall
	                       * only, an endpoint's is okh's) */
} cs_epstats;

/* Response-time bins of the p95 neighbourhood: 16 to an octave (each
 * 4.4% wide, four cs_hist buckets), 2^-14 s to 2^14 s; beyond, the end
 * bins. */
#define CS_PART_BIN_SUB 16
#define CS_PART_BIN_EMIN (-14)
#define CS_PART_BIN_EMAX 14
#define CS_PART_BINS ((CS_PART_BIN_EMAX - CS_PART_BIN_EMIN) * CS_PART_BIN_SUB)
/* Endpoints beyond this many get no p95 neighbourhood of their own (its
 * bins cost CS_PART_BINS x (its parts + 1) x 8 bytes an endpoint). */
#define CS_PART_BIN_EPS 64

/* The successful requests' time by part, of one endpoint or overall. */
typedef struct cs_parts {
	uint64_t n;           /* requests added */
	double *sum;          /* [nparts] seconds */
	uint64_t *bn;         /* [CS_PART_BINS] requests by response time, or
	                       * NULL (no neighbourhood kept) */
	double *bsum;         /* [CS_PART_BINS x cs_parts_row] seconds, by
	                       * bin: overall every part, an endpoint its
	                       * own (in idx order: a row is a few cache
	                       * lines fewer) */
	uint32_t *idx;        /* endpoints: the parts it can spend time in;
	                       * NULL overall */
	size_t nidx;
} cs_parts;

/* The width of p's bin rows. */
static inline size_t
cs_parts_row(const cs_parts *p, size_t nparts)
{
	return p->idx ? p->nidx : nparts;
}

typedef struct cs_tsrow {
	double t;             /* seconds: end of the interval */
	double users, rps, error_rate, p50, p95, p99; /* latency in seconds */
	/* time averages over the interval */
	double workers_busy, backlog, pool_in_use, pool_waiters, app_cpu, db_cpu;
} cs_tsrow;

struct cs_model {
	const cs_scenario *sc;
	cs_engine *e;
	gsl_rng *rng[CS_RNG_N];
	uint64_t serials, tokens;
	cs_req *free_reqs;
	cs_req **slabs;       /* request storage, freed at the end */
	size_t nslabs, capslabs;

	cs_instance *inst;
	unsigned rr;
	cs_pool *pools;       /* per instance, or per process (db.pool.per) */
	size_t npools;
	cs_ps dbcpu;          /* the DB's own cores (unused when on the app host) */
	double db_work;       /* core-seconds of queries started in the window */
	double db_work_total; /* the same since 0 */
	double host_work0;    /* app host 0's work_done at the window's start */
	long db_open;         /* connections open on the DB server */
	long pool_peak;       /* most connections any one pool opened */
	bool pool_bound;      /* an acquire found its pool at db.pool.size
	                      * with none idle: the size shaped the run (a
	                      * run where it never did is the run of any
	                      * size >= pool_peak; models/reuse.h) */
	long worker_peak;     /* most workers busy at once in an instance */
	bool worker_bound;    /* an arrival found every worker of its
	                      * instance busy (the same for app.workers) */
	cs_service *svc;
	cs_cache *cache;      /* keyed cache, else NULL */

	/* load */
	cs_user *users;
	long nusers;          /* allocated = max target */
	long target;          /* users that should be running now */
	double rate_now;      /* open: requests/s now */
	uint64_t arr_token;

	/* statistics of the window [warmup, duration] */
	bool measuring;
	double t_measure;
	cs_epstats overall, *eps;
	cs_tstat workers_busy, backlog, pool_in_use, pool_waiters, db_conns,
	         inflight, users_running;
	uint64_t cache_lookups, cache_hits;
	uint64_t pool_full;   /* requests refused: max_waiting already waiting */
	uint64_t pool_barged; /* connections taken by a newcomer while their
	                       * woken waiter claimed them (db.pool.handoff) */
	size_t nparts;        /* CS_PART_FIXED + CS_PART_SVC_N x services */
	cs_parts parts_all, *parts_ep; /* successes in the window; the
	                       * overall sums are made by cs_parts_finish() */

	/* conservation over the whole run */
	uint64_t generated, completed, failed, outstanding;

	/* Requests whose client waits, oldest first (cprev/cnext).  The client
	 * timeout is one constant, so the oldest is the next to time out: one
	 * timer for the head instead of one per request, which would stay
	 * pending long after most answers and fill the event list. */
	cs_req *waiting_head, *waiting_tail;
	bool timeout_armed;   /* a client-timeout event is pending */

	/* timeseries (replication 0 only) */
	double ts_every;
	cs_hist ts_hist;
	uint64_t ts_req, ts_fail;
	double ts_prev[6];    /* cs_tstat_total at the last row */
	cs_tsrow *ts;
	size_t nts, capts;

	cs_status status;     /* first failure inside a handler */
	int stall_cause;      /* status CS_ERR_INVALID: the instant failure */
};

/* Build the run state for replication rep; caller frees with
 * cs_model_free().  ts_every: seconds per timeseries row, 0 for none. */
cs_status cs_model_new(const cs_scenario *sc, uint64_t seed, unsigned rep,
                       double ts_every, cs_model **out);
void cs_model_free(cs_model *m);

/* Run the replication to sc->duration. */
cs_status cs_model_run(cs_model *m);

/* ---- shared by the component files ------------------------------------- */

/* request.c */
cs_req *cs_req_slab(cs_model *m); /* more requests: the first, or NULL */

/* A new request (NULL without memory); inline, as every request is. */
static inline cs_req *
cs_req_new(cs_model *m)
{
	cs_req *r = m->free_reqs;

	if (!r && !(r = cs_req_slab(m)))
		return NULL;
	m->free_reqs = r->next;
	r->prev = r->next = NULL;
	r->m = m;
	r->serial = ++m->serials;
	r->token = 0;
	r->tmo = r->srv_tmo = 0;
	r->pc = 0;
	r->attempt = 0;
	r->svc = -1;
	r->b_where = CS_BATCH_NONE;
	r->has_worker = r->has_conn = false;
	r->live = true;
	r->server_done = false;
	r->notified = false;
	r->holds = 1; /* the server's */
	r->client_done = false;
	r->aborted = false;
	r->handing = false;
	r->fail = -1;
	return r;
}
void cs_req_run(cs_model *m, cs_req *r);        /* execute from r->pc */
void cs_req_finish(cs_model *m, cs_req *r, int cause); /* -1: success */
/* Send the client its answer (after half the round trip), once. */
void cs_req_answer(cs_model *m, cs_req *r, int cause);
/* The event resuming r (arg: its serial then; a recycled r ignores it). */
void cs_req_resume_ev(cs_engine *e, void *data, uint64_t serial);

/* Run r at now, as an event: chains of hand-offs stay flat.  Inline, as
 * every hand-off of a worker or a connection calls it. */
static inline void
cs_req_resume_later(cs_model *m, cs_req *r)
{
	if (cs_engine_schedule_now(m->e, cs_req_resume_ev, r, r->serial))
		m->status = CS_ERR_NOMEM;
}
void cs_queue_remove(cs_queue *q, cs_req *r);

/* Push and pop are inline: a request's hand-off calls them. */
static inline void
cs_queue_push(cs_queue *q, cs_req *r)
{
	r->next = NULL;
	r->prev = q->tail;
	if (q->tail)
		q->tail->next = r;
	else
		q->head = r;
	q->tail = r;
	q->n++;
}

/* The front, taken out of q; NULL when q is empty. */
static inline cs_req *
cs_queue_pop(cs_queue *q)
{
	cs_req *r = q->head;

	if (!r)
		return NULL;
	cs_assert(q->n > 0 && !r->prev &&
	          (r->next ? r->next->prev == r : q->tail == r),
	          "a request is removed from the queue it is in");
	q->head = r->next;
	if (r->next)
		r->next->prev = NULL;
	else
		q->tail = NULL;
	r->next = NULL;
	q->n--;
	return r;
}

/* load.c */
cs_status cs_load_start(cs_model *m);
void cs_load_respond(cs_model *m, cs_req *r, int cause); /* client sees it */
/* End of the run: the answers' counts and histograms, overall and of
 * each endpoint, from what cs_load_respond() kept. */
void cs_load_finish(cs_model *m);
double cs_load_target_at(const cs_scenario *sc, double t);

/* Component set-up and tear-down (model.c calls them in order). */
cs_status cs_app_init(cs_model *m);
void cs_app_destroy(cs_model *m);
cs_status cs_db_init(cs_model *m);
void cs_db_destroy(cs_model *m);
cs_status cs_service_init(cs_model *m);
void cs_service_destroy(cs_model *m);
cs_status cs_batch_init(cs_model *m);
void cs_batch_destroy(cs_model *m);
cs_status cs_load_init(cs_model *m);
void cs_load_destroy(cs_model *m);
cs_status cs_cache_init(cs_model *m);
void cs_cache_destroy(cs_model *m);

/* app.c */
void cs_app_admit(cs_model *m, cs_req *r);
void cs_app_release_worker(cs_model *m, cs_req *r);
void cs_app_cpu(cs_model *m, cs_req *r, double work);
/* One slice of a process's fixed CPU (app.overhead, db.overhead): `work`
 * core-seconds onto station ps, and the ticker's next slice, `tick` with
 * arg, CS_OVERHEAD_PERIOD later. */
void cs_overhead_slice(cs_model *m, cs_ps *ps, double work, cs_handler tick,
                       uint64_t arg);

/* dbpool.c */
/* true: r holds a connection now; false: it waits or has failed */
bool cs_pool_acquire(cs_model *m, cs_req *r);
void cs_pool_release(cs_model *m, cs_req *r);
/* A query of drawn time work, times db.query_scale and db.connection_cost's
 * factor: r's query part, then DB CPU work on its station. */
void cs_db_query(cs_model *m, cs_req *r, double work);

/* service.c */
void cs_service_call(cs_model *m, cs_req *r, int svc);
void cs_service_release(cs_model *m, cs_req *r);
/* The attempt of r on service id ended: cause -1 is success. */
void cs_service_attempt_end(cs_model *m, cs_req *r, int cause);
/* A draw of a distribution of counts (tokens), rounded to the nearest
 * integer, at least lo and at most 1e9. */
uint32_t cs_service_count(const cs_dist *d, gsl_rng *rng, uint32_t lo);

/* result.c: the scenario a result was run from */
const cs_scenario *cs_result_scenario(const cs_result *r);

/* timeparts.c: where the time goes */
/* r moves to part p now: the time since its last move goes to the part
 * it was in.  O(1), a subtraction and an add: it runs at every hand-over. */
static inline void
cs_part_to(cs_model *m, cs_req *r, unsigned p)
{
	double now = m->e->now;

	r->part[r->part_now] += now - r->part_t;
	r->part_t = now;
	r->part_now = p;
}
/* r starts a CPU step or a query (part CS_PART_CPU or CS_PART_QUERY) of
 * work seconds at full speed: they go to that part at once, and the time
 * the step takes beyond them, counted from now + work, to its queueing
 * part (the next in the enum) at the next hand-over.  No branch in
 * cs_part_to for it. */
static inline void
cs_part_work(cs_model *m, cs_req *r, unsigned p, double work)
{
	cs_part_to(m, r, p + 1);
	r->part[p] += work;
	r->part_t += work;
}
cs_status cs_parts_init(cs_model *m);
void cs_parts_destroy(cs_model *m);
void cs_parts_reset(cs_model *m);
/* r, with its endpoint chosen, starts now: its parts from 0.  Inline, as
 * every request calls it. */
static inline void
cs_parts_start(cs_model *m, cs_req *r)
{
	/* its parts are 0: a request is recycled with them so */
	r->part_t = m->e->now;
	r->part_now = CS_PART_NETWORK; /* on its way in */
}

/* Bin of a response time in seconds: the cs_hist bucket scheme with 16
 * instead of 64 steps an octave, so a bin is exactly four buckets.  Read
 * off the double's bits (v = m 2^e, m in [0.5, 1): the exponent and the
 * mantissa's top four bits), which is what frexp() would give, without its
 * call: this runs once a successful request.  Inline, with
 * cs_parts_record(). */
static inline size_t
cs_part_bin(double v)
{
	uint64_t bits;
	int e;

	if (!(v > 0))
		return 0;
	memcpy(&bits, &v, sizeof bits);
	e = (int)(bits >> 52 & 0x7ff) - 1022; /* frexp's exponent */
	if (e <= CS_PART_BIN_EMIN)
		return 0; /* subnormals too */
	if (e > CS_PART_BIN_EMAX)
		return CS_PART_BINS - 1;
	return (size_t)(e - CS_PART_BIN_EMIN - 1) * CS_PART_BIN_SUB +
	       (size_t)(bits >> (52 - 4) & (CS_PART_BIN_SUB - 1));
}

/* r's client has its successful answer now: close its last part; its
 * parts go to its bin of its endpoint (whose sums are the bins' sums,
 * made at the end), or, when endpoints keep no bins, to the endpoint's
 * sums and the overall bins.  O(parts of the endpoint).  Inline: it runs
 * once a request. */
static inline void
cs_parts_record(cs_model *m, cs_req *r, double lat)
{
	cs_parts *ep = &m->parts_ep[r->ep], *p = &m->parts_all;
	const uint32_t *idx = ep->idx;
	size_t b = cs_part_bin(lat), j, n = ep->nidx;
	double *to;

	cs_part_to(m, r, CS_PART_NETWORK);
	ep->n++;
	if (ep->bn) {
		ep->bn[b]++;
		to = ep->bsum + b * n; /* the endpoint's parts in a row */
		for (j = 0; j < n; j++)
			to[j] += r->part[idx[j]];
		return;
	}
	for (j = 0; j < n; j++)
		ep->sum[idx[j]] += r->part[idx[j]];
	p->bn[b]++;
	to = p->bsum + b * m->nparts;
	for (j = 0; j < n; j++)
		to[idx[j]] += r->part[idx[j]];
}

/* End of the run: the overall sums (and bins) from the endpoints'. */
void cs_parts_finish(cs_model *m);
/* The mean seconds in each part (out[nparts]) over the p95
 * neighbourhood of p: the requests in the bins from the one holding the
 * 94th percentile to the one holding the 96th.  Returns how many
 * requests that is (0, and NaNs, without bins). */
uint64_t cs_parts_near(const cs_model *m, const cs_parts *p, double q_lo,
                       double q_hi, double *out);
/* Can endpoint ep (SIZE_MAX: any) spend time in part k?  The parts that
 * cannot are left out of the output. */
bool cs_parts_possible(const cs_scenario *sc, size_t ep, size_t k);
/* Key (JSON) and words (table) of part k: fixed parts only; a service's
 * part is named by its k - CS_PART_FIXED mod CS_PART_SVC_N. */
extern const char *const cs_part_keys[CS_PART_FIXED];
extern const char *const cs_part_words[CS_PART_FIXED];
extern const char *const cs_part_svc_keys[CS_PART_SVC_N];
extern const char *const cs_part_svc_words[CS_PART_SVC_N];

/* cache.c: the keyed (TTL) cache */
/* A keyed lookup by r at op: draws the key, remembers it in r->ckey, and
 * returns true on a hit (the entry is present and unexpired). */
bool cs_cache_lookup(cs_model *m, cs_req *r, const cs_op *op);
/* r's miss path at op's level is done: set the entry, expiring ttl later. */
void cs_cache_set(cs_model *m, cs_req *r, const cs_op *op);
/* A key index 0..keys-1 drawn from the popularity.  O(log keys) (Zipf),
 * O(1) otherwise. */
uint32_t cs_cache_draw(const cs_cache_conf *c, gsl_rng *rng);

/* batch.c: the continuous-batching server behind a kind: batch service */
/* r holds its slot and passed the rate limit: join the server's queue. */
void cs_batch_submit(cs_model *m, cs_req *r, int id);
/* r's attempt ended early (timeout): leave the queue or the batch. */
void cs_batch_leave(cs_model *m, cs_req *r, int id);
/* Start of the measured window. */
void cs_batch_reset(cs_model *m, double now);
/* Step time for n running sequences, seconds (the table or a + b n). */
double cs_batch_step_time(const cs_service_conf *c, double n);
/* false: a sequence was lost (a bug): submitted != finished + dropped +
 * waiting + running. */
bool cs_batch_conserved(const cs_model *m);

#endif
