/*
 * capacity — the largest load (users, arrival rate) or the smallest
 * resource (pool size, workers, instances, cores) that meets an SLO, by
 * bisection with common random numbers.
 */
#ifndef CS_CAPACITY_H
#define CS_CAPACITY_H

#include <stdbool.h>
#include <stddef.h>

#include "capsim.h"
#include "models/bottleneck.h"
#include "sweep/slo.h"

typedef struct cs_cap_eval {
	double x;            /* the searched value */
	bool met[3];         /* by mean, pessimistic and optimistic CI ends */
	size_t worst;        /* the binding term by the mean */
	double ratio;        /* its value / limit */
	double util[8];      /* see cs_cap_resource_names */
	cs_use bn;           /* the bottleneck (models/bottleneck.h) */
	bool has_bn;
	unsigned reps;       /* replications run (the sequential rule's
	                      * stopping point with cs_run_opts.precision) */
	double reached;      /* precision reached (cs_precision_info) */
	bool prec_met;       /* with precision: reached <= the target */
} cs_cap_eval;

typedef struct cs_cap_answer {
	bool largest;        /* looking for the largest value (a load) */
	bool integer;
	bool found;          /* some value in the range meets the SLO */
	bool at_bound;       /* the answer is the range's end (more may pass) */
	double lo, hi;       /* the range searched */
	double value;        /* by the means */
	double value_pess;   /* by the pessimistic CI ends */
	double value_opt;    /* by the optimistic CI ends */
	size_t binding;      /* SLO term that fails just past the answer */
	cs_use bottleneck;   /* at the answer, by the rule every command
	                      * uses (models/bottleneck.h); name "" if none */
	double bottleneck_util; /* its utilization */
	cs_cap_eval *evals;  /* every point evaluated, in order */
	size_t nevals;
} cs_cap_answer;

/* The four resources whose utilization each evaluation lists. */
extern const char *const cs_cap_resource_names[];
extern const size_t cs_cap_nresources;

/*
 * Search path (e.g. "load.users", "db.pool.size") over [lo, hi] (NaN: from
 * the scenario's value, doubling or halving until the SLO flips) on the
 * scenario file with fixed overrides sets[].  Whether the largest or the
 * smallest value is wanted is read off the SLO at the two ends.  Caller
 * frees ans->evals with free().
 */
cs_status cs_cap_search(const char *scenario, const char *const *sets,
                        size_t nsets, const char *path, double lo, double hi,
                        const cs_slo *slo, const cs_run_opts *ro,
                        cs_cap_answer *ans, cs_error *err);

#endif
