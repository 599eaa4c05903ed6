/*
 * Tests for sim/ps: a processor-sharing station on the engine.  Completion
 * times are worked out by hand: with n jobs on c cores each job runs at
 * min(n, c) / (n u(n)) core-seconds per second, u(n) = 1 + sigma (n - 1)
 * + kappa n (n - 1).
 */
#include <check.h>
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "sim/engine.h"
#include "sim/ps.h"
#include "harness.h"

#define TOL 1e-12 /* seconds: only rounding separates got from want */

typedef struct job {
	cs_ps_job ps;   /* first: done() gets this pointer back */
	int id;
	double work;    /* core-seconds */
	double finish;  /* seconds, simulated; NaN until done */
	int order;      /* completion rank, from 0 */
} job;

typedef struct bench {
	cs_engine *e;
	cs_ps ps;
	int ndone;
	job *resubmit;  /* when set, the first completion re-adds it */
} bench;

static void
done(cs_engine *e, void *ctx, cs_ps_job *pj)
{
	bench *b = ctx;
	job *j = (job *)pj;

	ck_assert(isnan(j->finish)); /* once only */
	j->finish = cs_engine_now(e);
	j->order = b->ndone++;
	if (b->resubmit) {
		job *r = b->resubmit;

		b->resubmit = NULL;
		ck_assert_int_eq(cs_ps_add(&b->ps, e, &r->ps, r->work), CS_OK);
	}
}

static void
bench_init(bench *b, unsigned cores, double sigma, double kappa)
{
	b->e = cs_engine_new();
	ck_assert_ptr_nonnull(b->e);
	ck_assert_int_eq(cs_ps_init(&b->ps, cores, sigma, kappa, done, b), CS_OK);
	b->ndone = 0;
	b->resubmit = NULL;
}

static void
bench_free(bench *b)
{
	cs_ps_destroy(&b->ps);
	cs_engine_free(b->e);
}

static void
job_init(job *j, int id, double work)
{
	j->id = id;
	j->work = work;
	j->finish = NAN;
	j->order = -1;
}

/* Add job j now. */
static void
add(bench *b, job *j)
{
	ck_assert_int_eq(cs_ps_add(&b->ps, b->e, &j->ps, j->work), CS_OK);
}

/* An engine event that adds job `arg` of the array in bench_at. */
typedef struct later {
	bench *b;
	job *j;
} later;

static void
add_ev(cs_engine *e, void *data, uint64_t arg)
{
	later *l = data;

	(void)arg;
	add(l->b, l->j);
}

/* The same, into lane `arg`. */
static void
add_lane_ev(cs_engine *e, void *data, uint64_t arg)
{
	later *l = data;

	ck_assert_int_eq(cs_ps_add_in(&l->b->ps, e, &l->j->ps, l->j->work,
	                              (unsigned)arg), CS_OK);
}

/*
 * Lanes (a GIL, an event loop): 2 cores; job C outside the lanes, A and B
 * in lane 1, D in lane 2, each 1 core-second, all at t = 0.  Three
 * entities share 2 cores: 2/3 each; lane 1 splits its 2/3 between A and
 * B.  C and D finish at 1.5 (C first: the lower lane); A and B have done
 * 0.5 each and, alone, share one core: 1 more second.  Busy cores: 2 until
 * 1.5, then 1 (a lane uses one core at most): 1.6 on average.
 */
/* The lanes tests' set-up: 2 cores, 2 lanes (fifo or shared); A and B in
 * lane 1, C outside, D in lane 2, 1 core-second each, all at t = 0; run. */
static void
four_jobs_in_lanes(bench *b, job j[4], bool fifo)
{
	static const unsigned lane[4] = { 1, 1, 0, 2 };
	int i;

	bench_init(b, 2, 0, 0);
	ck_assert_int_eq(cs_ps_set_lanes(&b->ps, 2), CS_OK);
	cs_ps_set_lane_fifo(&b->ps, fifo);
	for (i = 0; i < 4; i++) {
		job_init(&j[i], i, 1.0);
		ck_assert_int_eq(cs_ps_add_in(&b->ps, b->e, &j[i].ps, 1.0,
		                              lane[i]), CS_OK);
	}
	ck_assert_int_eq(cs_engine_run_until(b->e, 10), CS_OK);
}

START_TEST(ps_lanes_use_one_core_each)
{
	bench b;
	job j[4];

	four_jobs_in_lanes(&b, j, false);
	ck_near(j[2].finish, 1.5, 1e-12);
	ck_near(j[3].finish, 1.5, 1e-12);
	ck_assert_int_eq(j[2].order, 0);
	ck_near(j[0].finish, 2.5, 1e-12);
	ck_near(j[1].finish, 2.5, 1e-12);
	ck_near(cs_tstat_mean(&b.ps.busy, 2.5), 1.6, 1e-12);
	ck_near(b.ps.work_done, 4.0, 1e-12);
	bench_free(&b);
}
END_TEST

/*
 * The same with fifo lanes (an event loop runs each callback to its end):
 * lane 1 runs A alone at the lane's 2/3, so A, C and D all finish at 1.5
 * (C first: outside the lanes; then A before D, the lower lane); then B
 * starts, alone on a core: 2.5.  Busy cores as before: 1.6 on average.
 */
START_TEST(ps_fifo_lanes_run_one_job_at_a_time)
{
	bench b;
	job j[4];

	four_jobs_in_lanes(&b, j, true);
	ck_near(j[0].finish, 1.5, 1e-12);
	ck_near(j[2].finish, 1.5, 1e-12);
	ck_near(j[3].finish, 1.5, 1e-12);
	ck_assert_int_eq(j[2].order, 0);
	ck_assert_int_eq(j[0].order, 1);
	ck_assert_int_eq(j[3].order, 2);
	ck_near(j[1].finish, 2.5, 1e-12);
	ck_near(cs_tstat_mean(&b.ps.busy, 2.5), 1.6, 1e-12);
	ck_near(b.ps.work_done, 4.0, 1e-12);
	bench_free(&b);
}
END_TEST

/*
 * One fifo lane on one core: A (2 core-s) at 0, B (1) at 0.5 waits for
 * A: A at 2, B at 3.  Shared, B would finish first: A alone for 0.5 s,
 * then both at half speed, B's 1 in 2 s (2.5), A's last 0.5 alone (3).
 */
START_TEST(ps_fifo_lane_queues_a_later_job)
{
	int fifo;

	for (fifo = 0; fifo < 2; fifo++) {
		bench b;
		job j[2];
		later l;

		bench_init(&b, 1, 0, 0);
		ck_assert_int_eq(cs_ps_set_lanes(&b.ps, 1), CS_OK);
		cs_ps_set_lane_fifo(&b.ps, fifo);
		job_init(&j[0], 0, 2.0);
		job_init(&j[1], 1, 1.0);
		ck_assert_int_eq(cs_ps_add_in(&b.ps, b.e, &j[0].ps, 2.0, 1),
		                 CS_OK);
		l.b = &b;
		l.j = &j[1];
		ck_assert_int_eq(cs_engine_schedule(b.e, 0.5, add_lane_ev, &l,
		                                    1), CS_OK);
		ck_assert_int_eq(cs_engine_run_until(b.e, 10), CS_OK);
		ck_near(j[0].finish, fifo ? 2.0 : 3.0, 1e-12);
		ck_near(j[1].finish, fifo ? 3.0 : 2.5, 1e-12);
		ck_near(cs_tstat_mean(&b.ps.busy, 3.0), 1.0, 1e-12);
		bench_free(&b);
	}
}
END_TEST

START_TEST(ps_single_job_runs_at_full_speed)
{
	bench b;
	job j;

	bench_init(&b, 2, 0, 0);
	job_init(&j, 0, 0.3);
	add(&b, &j);
	ck_assert_int_eq(cs_engine_run_until(b.e, 10), CS_OK);
	ck_near(j.finish, 0.3, TOL);
	ck_assert_int_eq(b.ndone, 1);
	ck_assert_int_eq((int)b.ps.n, 0);
	ck_near(b.ps.work_done, 0.3, TOL);
	/* one of two cores busy for 0.3 s of 10 s */
	ck_near(cs_tstat_mean(&b.ps.busy, 10), 0.03, TOL);
	ck_assert(b.ps.busy.max == 1);
	ck_assert(cs_ps_rate(&b.ps, 0) == 1);
	ck_assert(cs_ps_rate(&b.ps, 1) == 1);
	bench_free(&b);
}
END_TEST

START_TEST(ps_two_jobs_on_one_core_take_twice_as_long)
{
	bench b;
	job j[2];

	bench_init(&b, 1, 0, 0);
	job_init(&j[0], 0, 1.0);
	job_init(&j[1], 1, 1.0);
	add(&b, &j[0]);
	add(&b, &j[1]);
	ck_assert_int_eq(cs_engine_run_until(b.e, 10), CS_OK);
	ck_near(j[0].finish, 2.0, TOL);
	ck_near(j[1].finish, 2.0, TOL);
	ck_near(cs_ps_rate(&b.ps, 2), 0.5, 1e-15);
	bench_free(&b);

	/* unequal work 1 and 2 on one core: both at rate 1/2 until the short
	 * one ends at t = 2; the long one then has 1 left, alone: t = 3 */
	bench_init(&b, 1, 0, 0);
	job_init(&j[0], 0, 2.0);
	job_init(&j[1], 1, 1.0);
	add(&b, &j[0]);
	add(&b, &j[1]);
	ck_assert_int_eq(cs_engine_run_until(b.e, 10), CS_OK);
	ck_near(j[1].finish, 2.0, TOL);
	ck_near(j[0].finish, 3.0, TOL);
	ck_assert_int_eq(j[1].order, 0);
	ck_assert_int_eq(j[0].order, 1);
	/* the core was busy from 0 to 3 */
	ck_near(cs_tstat_mean(&b.ps.busy, 3), 1.0, TOL);
	bench_free(&b);
}
END_TEST

START_TEST(ps_no_slowdown_up_to_cores)
{
	bench b;
	job j[4];
	int i;

	/* 4 jobs, 4 cores: each alone on a core */
	bench_init(&b, 4, 0, 0);
	for (i = 0; i < 4; i++) {
		job_init(&j[i], i, 1.0 + i);
		add(&b, &j[i]);
	}
	ck_assert_int_eq(cs_engine_run_until(b.e, 10), CS_OK);
	for (i = 0; i < 4; i++) {
		ck_near(j[i].finish, 1.0 + i, TOL);
		ck_assert_int_eq(j[i].order, i);
	}
	for (i = 1; i <= 4; i++)
		ck_assert(cs_ps_rate(&b.ps, (size_t)i) == 1);
	ck_near(cs_ps_rate(&b.ps, 5), 0.8, 1e-15);
	ck_assert(b.ps.busy.max == 4);
	bench_free(&b);
}
END_TEST

START_TEST(ps_eight_jobs_on_two_cores)
{
	bench b;
	job j[8];
	int i;

	/* 8 x 100 ms of CPU on 2 cores: each at 1/4 speed, all done at 0.4 s */
	bench_init(&b, 2, 0, 0);
	for (i = 0; i < 8; i++) {
		job_init(&j[i], i, 0.1);
		add(&b, &j[i]);
	}
	ck_near(cs_ps_rate(&b.ps, 8), 0.25, 1e-15);
	ck_assert_int_eq(cs_engine_run_until(b.e, 0.4), CS_OK);
	for (i = 0; i < 8; i++) {
		ck_near(j[i].finish, 0.4, TOL);
		ck_assert_int_eq(j[i].order, i); /* equal finish: FIFO */
	}
	ck_near(b.ps.work_done, 0.8, TOL);
	ck_near(cs_tstat_mean(&b.ps.busy, 0.4), 2.0, TOL);
	ck_assert(b.ps.busy.max == 2);
	bench_free(&b);

	/* 3 jobs {1, 1, 2} on 2 cores: rate 2/3 each until V = 1 at t = 1.5;
	 * the last one then runs alone at rate 1 for its remaining 1: t = 2.5 */
	bench_init(&b, 2, 0, 0);
	job_init(&j[0], 0, 2.0);
	job_init(&j[1], 1, 1.0);
	job_init(&j[2], 2, 1.0);
	for (i = 0; i < 3; i++)
		add(&b, &j[i]);
	ck_assert_int_eq(cs_engine_run_until(b.e, 10), CS_OK);
	ck_near(j[1].finish, 1.5, TOL);
	ck_near(j[2].finish, 1.5, TOL);
	ck_near(j[0].finish, 2.5, TOL);
	bench_free(&b);
}
END_TEST

START_TEST(ps_job_arriving_mid_way)
{
	bench b;
	job a, c;
	later l = { &b, &c };

	/* one core: A (work 2) alone on [0,1], has 1 left; C (work 0.5)
	 * arrives at 1; both at 1/2 until C ends at 2; A has 0.5 left: 2.5 */
	bench_init(&b, 1, 0, 0);
	job_init(&a, 0, 2.0);
	job_init(&c, 1, 0.5);
	add(&b, &a);
	ck_assert_int_eq(cs_engine_schedule(b.e, 1.0, add_ev, &l, 0), CS_OK);
	ck_assert_int_eq(cs_engine_run_until(b.e, 10), CS_OK);
	ck_near(c.finish, 2.0, TOL);
	ck_near(a.finish, 2.5, TOL);
	bench_free(&b);
}
END_TEST

START_TEST(ps_usl_slowdown_formula)
{
	bench b;
	job j[4];
	double sigma = 0.1, kappa = 0.01, u4;
	int i;

	bench_init(&b, 2, sigma, kappa);
	/* u(1) = 1; u(2) = 1 + 0.1 + 0.02; u(4) = 1 + 0.3 + 0.12 */
	ck_assert(cs_ps_rate(&b.ps, 1) == 1);
	ck_near(cs_ps_rate(&b.ps, 2), 2.0 / (2 * 1.12), 1e-15);
	u4 = 1 + sigma * 3 + kappa * 4 * 3;
	ck_near(cs_ps_rate(&b.ps, 4), 2.0 / (4 * u4), 1e-15);
	ck_near(cs_ps_rate(&b.ps, 4), 2.0 / (4 * 1.42), 1e-15);
	/* 4 jobs of 1 s: all at 1 / rate(4) = 2 x 1.42 = 2.84 s */
	for (i = 0; i < 4; i++) {
		job_init(&j[i], i, 1.0);
		add(&b, &j[i]);
	}
	ck_assert_int_eq(cs_engine_run_until(b.e, 10), CS_OK);
	for (i = 0; i < 4; i++)
		ck_near(j[i].finish, 2.84, 1e-12);
	bench_free(&b);

	/* sigma only, one core, two jobs of 1: rate 1 / (2 x 1.5) = 1/3, so
	 * both end at 3 s; without contention it would be 2 s */
	bench_init(&b, 1, 0.5, 0);
	job_init(&j[0], 0, 1.0);
	job_init(&j[1], 1, 1.0);
	add(&b, &j[0]);
	add(&b, &j[1]);
	ck_assert_int_eq(cs_engine_run_until(b.e, 10), CS_OK);
	ck_near(j[0].finish, 3.0, TOL);
	ck_near(j[1].finish, 3.0, TOL);
	bench_free(&b);

	/* kappa only, 4 cores, 2 jobs: u = 1 + 0.25 x 2 = 1.5, rate 2/3 */
	bench_init(&b, 4, 0, 0.25);
	ck_near(cs_ps_rate(&b.ps, 2), 1.0 / 1.5, 1e-15);
	bench_free(&b);
}
END_TEST

START_TEST(ps_jobs_finishing_at_the_same_time)
{
	bench b;
	job j[3], again;
	int i;

	/* three equal jobs on three cores end together at t = 0.5, in the
	 * order they were added; the first completion starts another job
	 * (work 0.5) at 0.5, which then runs alone: ends at 1.0 */
	bench_init(&b, 3, 0, 0);
	for (i = 0; i < 3; i++) {
		job_init(&j[i], i, 0.5);
		add(&b, &j[i]);
	}
	job_init(&again, 3, 0.5);
	b.resubmit = &again;
	ck_assert_int_eq(cs_engine_run_until(b.e, 10), CS_OK);
	for (i = 0; i < 3; i++) {
		ck_near(j[i].finish, 0.5, TOL);
		ck_assert_int_eq(j[i].order, i);
	}
	ck_near(again.finish, 1.0, TOL);
	ck_assert_int_eq(again.order, 3);
	ck_assert_int_eq(b.ndone, 4);
	ck_assert_int_eq((int)b.ps.n, 0);
	ck_near(b.ps.work_done, 2.0, TOL);
	bench_free(&b);
}
END_TEST

START_TEST(ps_many_jobs_grow_heap)
{
	bench b;
	job *j = calloc(300, sizeof *j);
	int i;

	ck_assert_ptr_nonnull(j);
	/* 300 jobs (the heap starts at 64) with work 1..300 ms on 1 core:
	 * job k (work k ms) ends when every job has had min(work, k) ms, so
	 * at sum_{i<k} i + (300 - k + 1) k ms */
	bench_init(&b, 1, 0, 0);
	for (i = 299; i >= 0; i--) {
		job_init(&j[i], i, (i + 1) * 1e-3);
		add(&b, &j[i]);
	}
	ck_assert_uint_ge(b.ps.cap, 300);
	ck_assert_int_eq(cs_engine_run_until(b.e, 100), CS_OK);
	for (i = 0; i < 300; i++) {
		double k = i + 1;
		double want = (k * (k - 1) / 2 + (300 - k + 1) * k) * 1e-3;

		ck_near(j[i].finish, want, 1e-9);
		ck_assert_int_eq(j[i].order, i);
	}
	bench_free(&b);
	free(j);
}
END_TEST

/*
 * Cores that slow down when busy (s = 1: all busy, each at half speed).
 * Two 1-core-second jobs on 2 cores: both cores busy, each job at 1/2:
 * both end at 2, having held 4 core-seconds for 2 of work.  A third job,
 * alone from 2, runs at full speed.  With half a thread of background and
 * one job: 1.5 entities on 2 cores, 1.5 busy, 1 + 0.5 times slower, the
 * job's share 1 / 1.5 of that: it ends at 1.5 and holds 1.5 core-seconds.
 * On 1 core there is nothing to slow down.
 */
START_TEST(ps_cores_slow_down_when_busy)
{
	bench b;
	job j[3];
	int i;

	bench_init(&b, 2, 0, 0);
	cs_ps_set_slowdown(&b.ps, 1.0);
	for (i = 0; i < 3; i++)
		job_init(&j[i], i, 1.0);
	add(&b, &j[0]);
	add(&b, &j[1]);
	ck_assert_int_eq(cs_engine_run_until(b.e, 2.0), CS_OK);
	ck_near(j[0].finish, 2.0, TOL);
	ck_near(j[1].finish, 2.0, TOL);
	ck_near(cs_tstat_mean(&b.ps.busy, 2.0) * 2.0, 4.0, TOL);
	add(&b, &j[2]);
	ck_assert_int_eq(cs_engine_run_until(b.e, 10), CS_OK);
	ck_near(j[2].finish, 3.0, TOL);
	bench_free(&b);

	bench_init(&b, 2, 0, 0);
	cs_ps_set_background(&b.ps, 0.5);
	cs_ps_set_slowdown(&b.ps, 1.0);
	job_init(&j[0], 0, 1.0);
	add(&b, &j[0]);
	ck_assert_int_eq(cs_engine_run_until(b.e, 10), CS_OK);
	ck_near(j[0].finish, 1.5, TOL);
	ck_near(cs_tstat_mean(&b.ps.busy, 1.5) * 1.5, 1.5, TOL);
	bench_free(&b);

	bench_init(&b, 1, 0, 0);
	cs_ps_set_slowdown(&b.ps, 1.0);
	job_init(&j[0], 0, 1.0);
	job_init(&j[1], 1, 1.0);
	add(&b, &j[0]);
	add(&b, &j[1]);
	ck_assert_int_eq(cs_engine_run_until(b.e, 10), CS_OK);
	ck_near(j[0].finish, 2.0, TOL);
	ck_near(j[1].finish, 2.0, TOL);
	bench_free(&b);
}
END_TEST

static void
overhead_ev(cs_engine *e, void *data, uint64_t arg)
{
	bench *b = data;

	(void)arg;
	ck_assert_int_eq(cs_ps_add_overhead(&b->ps, e, 0.3), CS_OK);
}

/*
 * Overhead on 1 core: 0.3 core-seconds at 0 beside a 1-core-second job,
 * 0.3 more at 0.1 while the first is still running (owed, not a second
 * job).  Halves of the core: the first slice ends at 0.6, the owed one
 * starts then and ends at 1.2 (the job has 0.4 left), the job alone at
 * 1.6.  done() sees only the job; the core was busy throughout.
 */
START_TEST(ps_overhead_is_owed_not_piled_up)
{
	bench b;
	job j;

	bench_init(&b, 1, 0, 0);
	job_init(&j, 0, 1.0);
	ck_assert_int_eq(cs_ps_add_overhead(&b.ps, b.e, 0.3), CS_OK);
	add(&b, &j);
	ck_assert_int_eq(cs_engine_schedule(b.e, 0.1, overhead_ev, &b, 0),
	                 CS_OK);
	ck_assert_int_eq(cs_engine_run_until(b.e, 0.7), CS_OK);
	ck_assert(b.ps.oh_busy);
	ck_assert_uint_eq(b.ps.n, 2);
	ck_assert_int_eq(cs_engine_run_until(b.e, 10), CS_OK);
	ck_near(j.finish, 1.6, TOL);
	ck_assert_int_eq(b.ndone, 1);
	ck_assert(!b.ps.oh_busy);
	ck_near(b.ps.work_done, 1.6, TOL);
	ck_near(cs_tstat_mean(&b.ps.busy, 1.6), 1.0, TOL);
	bench_free(&b);
}
END_TEST

static Suite *
ps_suite(void)
{
	Suite *s = suite_create("ps");
	TCase *tc = tcase_create("ps");

	tcase_add_test(tc, ps_single_job_runs_at_full_speed);
	tcase_add_test(tc, ps_two_jobs_on_one_core_take_twice_as_long);
	tcase_add_test(tc, ps_no_slowdown_up_to_cores);
	tcase_add_test(tc, ps_eight_jobs_on_two_cores);
	tcase_add_test(tc, ps_job_arriving_mid_way);
	tcase_add_test(tc, ps_usl_slowdown_formula);
	tcase_add_test(tc, ps_jobs_finishing_at_the_same_time);
	tcase_add_test(tc, ps_many_jobs_grow_heap);
	tcase_add_test(tc, ps_lanes_use_one_core_each);
	tcase_add_test(tc, ps_fifo_lanes_run_one_job_at_a_time);
	tcase_add_test(tc, ps_fifo_lane_queues_a_later_job);
	tcase_add_test(tc, ps_cores_slow_down_when_busy);
	tcase_add_test(tc, ps_overhead_is_owed_not_piled_up);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return cs_test_run(ps_suite());
}
