/*
 * capsim-refloop: a minimal hand-written event loop of the benchmark's
 * closed backend (bench/closed.yaml), the yardstick capsim's engine is
 * measured against.
 *
 *   capsim-refloop [--users N] [--duration S] [--seed S]
 *
 * The model, as capsim runs it: N users start at time 0 and each sends a
 * request at once; a request takes one of 16 workers (or waits in a FIFO
 * backlog), holds it for exp(mean 20 ms), then asks for one of 20 pool
 * connections (FIFO wait, acquire timeout 1 s: a pool_timeout failure
 * releases the worker), holds both for exp(mean 15 ms), releases both; the
 * user then thinks exp(mean 1 s) and sends again.  The response time runs
 * from sending to releasing both.
 *
 * What makes it minimal: one binary heap of 24-byte events keyed by (time,
 * insertion sequence) for reproducible ties, a user's one request living in
 * the user's own slot (a closed user has at most one), xoshiro256** for the
 * random numbers, and only the counts and the mean response as statistics.
 * A stale timeout (the request got its connection) is skipped by a token
 * check, as capsim does.  No allocation once the heap has grown.
 *
 * Prints one line:
 *
 *   refloop closed_backend: requests=... completed=... failed=...
 *   events=... sim_s=... wall_s=... cpu_s=... req_per_s=... mean_resp_ms=...
 *
 * requests = completed + failed among requests that ended by the end of the
 * run; wall_s and cpu_s time the run only (the first sends and ref_run),
 * not the set-up; req_per_s is per wall second.
 */
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define WORKERS 16
#define POOL 20
#define THINK_S 1.0         /* seconds, mean think time */
#define WORKER_HOLD_S 0.020 /* seconds, mean worker-only service */
#define CONN_HOLD_S 0.015   /* seconds, mean service holding a connection */
#define ACQUIRE_TIMEOUT_S 1.0

enum { EV_SEND, EV_WORKER_DONE, EV_CONN_DONE, EV_TIMEOUT };

typedef struct event {
	double t;       /* seconds, simulated */
	uint64_t seq;   /* insertion order: ties break by it */
	uint32_t what;  /* user << 2 | EV_* */
	uint32_t token; /* EV_TIMEOUT: the pool wait it is for */
} event;

typedef struct vuser {
	double t_sent;  /* seconds, simulated */
	uint32_t next;  /* FIFO link (backlog or pool wait) */
	uint32_t token; /* the pool wait's: a timeout for an older one is stale */
	int waiting;    /* in the pool's wait queue */
	int prev_wait;  /* pool wait: the previous waiter, -1: none */
} vuser;

typedef struct fifo {
	uint32_t head, tail; /* UINT32_MAX: empty */
} fifo;

static struct {
	double now;
	uint64_t seq, events;
	event *heap;
	size_t n, cap;
	uint64_t s[4];          /* xoshiro256** state */
	vuser *u;
	int busy, in_use;
	fifo backlog;           /* waiting for a worker */
	uint32_t pw_head, pw_tail; /* waiting for a connection (doubly linked) */
	uint64_t completed, failed;
	double resp_sum;        /* seconds, over completed requests */
} S;

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256** (Blackman and Vigna) */
static inline uint64_t
next_u64(void)
{
	uint64_t *s = S.s, r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return r;
}

/* Exponential of the given mean, by inversion: -mean log(1 - u), u in
 * [0, 1) from the top 53 bits. */
static inline double
exp_draw(double mean)
{
	double u = (double)(next_u64() >> 11) * 0x1.0p-53;

	return -mean * log(1 - u);
}

static inline int
before(const event *a, const event *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

/* O(log2 n), n = pending events. */
static void
schedule(double t, uint32_t user, uint32_t kind, uint32_t token)
{
	event ev = { t, S.seq++, user << 2 | kind, token };
	size_t i;

	if (S.n == S.cap) {
		S.cap = S.cap ? 2 * S.cap : 1024;
		S.heap = realloc(S.heap, S.cap * sizeof *S.heap);
		if (!S.heap) {
			perror("refloop");
			exit(1);
		}
	}
	i = S.n++;
	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (!before(&ev, &S.heap[p]))
			break;
		S.heap[i] = S.heap[p];
		i = p;
	}
	S.heap[i] = ev;
}

/* O(log2 n). */
static event
pop(void)
{
	event top = S.heap[0], last = S.heap[--S.n];
	size_t i = 0, n = S.n;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && before(&S.heap[c + 1], &S.heap[c]))
			c++;
		if (!before(&S.heap[c], &last))
			break;
		S.heap[i] = S.heap[c];
		i = c;
	}
	S.heap[i] = last;
	return top;
}

static void
fifo_push(fifo *q, uint32_t u)
{
	S.u[u].next = UINT32_MAX;
	if (q->tail == UINT32_MAX)
		q->head = u;
	else
		S.u[q->tail].next = u;
	q->tail = u;
}

static uint32_t
fifo_pop(fifo *q)
{
	uint32_t u = q->head;

	if (u != UINT32_MAX) {
		q->head = S.u[u].next;
		if (q->head == UINT32_MAX)
			q->tail = UINT32_MAX;
	}
	return u;
}

/* The pool's waiters: FIFO, and a timed-out one leaves from the middle. */
static void
pw_push(uint32_t u)
{
	S.u[u].waiting = 1;
	S.u[u].next = UINT32_MAX;
	S.u[u].prev_wait = S.pw_tail == UINT32_MAX ? -1 : (int)S.pw_tail;
	if (S.pw_tail == UINT32_MAX)
		S.pw_head = u;
	else
		S.u[S.pw_tail].next = u;
	S.pw_tail = u;
}

static void
pw_remove(uint32_t u)
{
	uint32_t prev = S.u[u].prev_wait < 0 ? UINT32_MAX :
	                (uint32_t)S.u[u].prev_wait, next = S.u[u].next;

	if (prev == UINT32_MAX)
		S.pw_head = next;
	else
		S.u[prev].next = next;
	if (next == UINT32_MAX)
		S.pw_tail = prev;
	else
		S.u[next].prev_wait = (int)prev;
	S.u[u].waiting = 0;
}

/* A worker starts on u's request. */
static void
start_worker(uint32_t u)
{
	S.busy++;
	schedule(S.now + exp_draw(WORKER_HOLD_S), u, EV_WORKER_DONE, 0);
}

/* u's request leaves its worker; the backlog's oldest takes it. */
static void
release_worker(void)
{
	uint32_t next = fifo_pop(&S.backlog);

	S.busy--;
	if (next != UINT32_MAX)
		start_worker(next);
}

static void
send(uint32_t u)
{
	S.u[u].t_sent = S.now;
	if (S.busy < WORKERS)
		start_worker(u);
	else
		fifo_push(&S.backlog, u);
}

static void
think(uint32_t u)
{
	schedule(S.now + exp_draw(THINK_S), u, EV_SEND, 0);
}

static void
handle(const event *ev)
{
	uint32_t u = ev->what >> 2, next;

	switch (ev->what & 3) {
	case EV_SEND:
		send(u);
		break;
	case EV_WORKER_DONE:
		if (S.in_use < POOL) {
			S.in_use++;
			schedule(S.now + exp_draw(CONN_HOLD_S), u, EV_CONN_DONE, 0);
		} else {
			S.u[u].token++;
			pw_push(u);
			schedule(S.now + ACQUIRE_TIMEOUT_S, u, EV_TIMEOUT,
			         S.u[u].token);
		}
		break;
	case EV_CONN_DONE:
		S.in_use--;
		if (S.pw_head != UINT32_MAX) {
			next = S.pw_head;
			pw_remove(next);
			S.u[next].token++; /* its timeout is stale now */
			S.in_use++;
			schedule(S.now + exp_draw(CONN_HOLD_S), next,
			         EV_CONN_DONE, 0);
		}
		release_worker();
		S.completed++;
		S.resp_sum += S.now - S.u[u].t_sent;
		think(u);
		break;
	case EV_TIMEOUT:
		if (!S.u[u].waiting || S.u[u].token != ev->token)
			return;
		pw_remove(u);
		release_worker();
		S.failed++;
		think(u);
		break;
	}
}

/* The event loop, kept out of line so that an instruction count can be
 * limited to it (valgrind --tool=callgrind --toggle-collect=ref_run). */
__attribute__((noinline)) void ref_run(double duration);

void
ref_run(double duration)
{
	while (S.n > 0 && S.heap[0].t <= duration) {
		event ev = pop();

		S.now = ev.t;
		S.events++;
		handle(&ev);
	}
}

static double
clock_s(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "users", required_argument, NULL, 'u' },
		{ "duration", required_argument, NULL, 'd' },
		{ "seed", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	long users = 500;
	double duration = 600, t0, c0, wall, cpu;
	uint64_t seed = 1, x;
	uint32_t i;
	int c;

	while ((c = getopt_long(argc, argv, "u:d:s:", opts, NULL)) != -1) {
		if (c == 'u')
			users = atol(optarg);
		else if (c == 'd')
			duration = atof(optarg);
		else if (c == 's')
			seed = strtoull(optarg, NULL, 10);
		else
			return 2;
	}
	if (users < 1 || users > 10000000 || !(duration > 0)) {
		fprintf(stderr, "refloop: --users must be 1..1e7 and --duration > 0\n");
		return 2;
	}
	x = seed;
	for (i = 0; i < 4; i++)
		S.s[i] = splitmix64(&x);
	S.u = calloc((size_t)users, sizeof *S.u);
	if (!S.u) {
		perror("refloop");
		return 1;
	}
	S.backlog.head = S.backlog.tail = UINT32_MAX;
	S.pw_head = S.pw_tail = UINT32_MAX;
	t0 = clock_s(CLOCK_MONOTONIC);
	c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	/* every user sends at time 0, in order, as capsim's users do */
	for (i = 0; i < (uint32_t)users; i++)
		send(i);
	ref_run(duration);
	wall = clock_s(CLOCK_MONOTONIC) - t0;
	cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
	printf("refloop closed_backend: requests=%llu completed=%llu failed=%llu "
	       "events=%llu sim_s=%g wall_s=%.6f cpu_s=%.6f req_per_s=%.1f "
	       "mean_resp_ms=%.3f\n",
	       (unsigned long long)(S.completed + S.failed),
	       (unsigned long long)S.completed, (unsigned long long)S.failed,
	       (unsigned long long)S.events, duration, wall, cpu,
	       (double)(S.completed + S.failed) / wall,
	       S.completed ? 1000 * S.resp_sum / (double)S.completed : NAN);
	free(S.heap);
	free(S.u);
	return 0;
}
