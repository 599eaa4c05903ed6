/*
 * Service-level objectives: "p95<400ms,error_rate<1%,throughput>100".
 */
#ifndef CS_SLO_H
#define CS_SLO_H

#include <stdbool.h>
#include <stddef.h>

#include "capsim.h"

#define CS_SLO_MAX 16

typedef struct cs_slo_term {
	char metric[64];   /* result path: "overall.latency_ms.p95" */
	char text[64];     /* as written: "p95<400ms" */
	bool less;         /* value must be < limit (else >) */
	double limit;      /* in the metric's unit: ms, ratio 0-1, req/s */
} cs_slo_term;

typedef struct cs_slo {
	cs_slo_term t[CS_SLO_MAX];
	size_t n;
} cs_slo;

/*
 * Parse a comma-separated list of terms.  Names: p50 p90 p95 p99 max mean
 * (latency over all requests, with a unit: 400ms, 1.5s), ok_p95 etc.
 * (successful requests only), error_rate (a percentage or ratio),
 * throughput (req/s), or any result path ("resources.db_pool.utilization").
 * Operators < <= > >=.  Errors: CS_ERR_USAGE, file "--slo".
 */
cs_status cs_slo_parse(const char *text, cs_slo *out, cs_error *err);

/*
 * Does the result meet every term?  which: 0 = mean, +1 = the pessimistic
 * end of each interval (ci_high for "<" terms), -1 = the optimistic end.
 * *worst gets the index of the term with the largest value/limit excess
 * (the binding one); may be NULL.
 */
bool cs_slo_met(const cs_slo *slo, const cs_result *r, int which,
                size_t *worst);

/* How far a term is from its limit: > 1 means violated. */
double cs_slo_ratio(const cs_slo_term *t, const cs_result *r, int which);

#endif
