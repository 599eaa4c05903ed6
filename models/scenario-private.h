/*
 * models/scenario — what the files of the scenario loader share: the
 * binder (the parse being bound to a struct cs_scenario), the small
 * helpers that read optional keys, and each file's section.  Not part of
 * the public API: included only by the loader's own .c files
 * (scenario.c, scenario-dist.c, scenario-services.c, scenario-steps.c).
 */
#ifndef CS_MODELS_SCENARIO_PRIVATE_H
#define CS_MODELS_SCENARIO_PRIVATE_H

#include <stdbool.h>

#include "config/conf.h"
#include "models/model.h"

#define BIG 1e12
#define PATHLEN 256

typedef struct binder {
	cs_conf *c;
	cs_error *err;
	cs_scenario *sc;
	bool counts;   /* distributions of counts (tokens), not durations */
	int cache_depth; /* keyed cache steps open around the current step */
	struct keycache *kc; /* the key table's lists, once per load */
} binder;

/* ---- small helpers (scenario.c) ------------------------------------------ */

/* The keys the table allows right under parent, for variant (NULL: any). */
const char *const *cs_scnp_allowed(binder *b, const char *parent,
                                   const char *variant);
/* The words of the choice at table path key, in the loader's order. */
const char *const *cs_scnp_choices(binder *b, const char *key);
/* A copy of s, or NULL when out of memory; caller frees. */
char *cs_scnp_xstrdup(const char *s);
/* Optional number child: leaves *out alone when absent. */
cs_status cs_scnp_opt_num(binder *b, const cs_conf_node *map,
                          const char *base, const char *key, double lo,
                          double hi, double *out);
/* Optional integer child: leaves *out alone when absent. */
cs_status cs_scnp_opt_int(binder *b, const cs_conf_node *map,
                          const char *base, const char *key, long lo,
                          long hi, long *out);
/* Optional choice child, one of the words of the key table's table_key:
 * *out gets its index; left alone when absent. */
cs_status cs_scnp_opt_enum(binder *b, const cs_conf_node *map,
                           const char *base, const char *key,
                           const char *table_key, int *out);
/* An optional duration. */
cs_status cs_scnp_opt_dur(binder *b, const cs_conf_node *map,
                          const char *base, const char *key, double lo,
                          double hi, double *out);
/* An optional timeout: a duration, or "none"/"off" for no limit. */
cs_status cs_scnp_opt_timeout(binder *b, const cs_conf_node *map,
                              const char *base, const char *key, double lo,
                              double *out);
/* An optional ratio child: leaves *out alone when absent. */
cs_status cs_scnp_opt_ratio(binder *b, const cs_conf_node *map,
                            const char *base, const char *key, double *out);
/* A child that must be a map when present; path gets its path
 * (PATHLEN bytes). */
cs_status cs_scnp_opt_map(binder *b, const cs_conf_node *map,
                          const char *base, const char *key,
                          const char *const *allowed, cs_conf_node **out,
                          char *path);

/* ---- distributions (scenario-dist.c) ------------------------------------- */

/* The duration child key of a distribution map, at least lo; an error
 * naming what when it is missing. */
cs_status cs_scnp_need_dur(binder *b, const cs_conf_node *map,
                           const char *base, const char *key,
                           const char *what, double lo, double *out);
/* A distribution: a duration scalar ("450ms": constant), or a map with
 * "dist" and its parameters, plus an optional "scale" multiplier. */
cs_status cs_scnp_dist(binder *b, const cs_conf_node *n, const char *path,
                       cs_dist *d);

/* ---- sections ------------------------------------------------------------ */

/* services (scenario-services.c) */
cs_status cs_scnp_services(binder *b, const cs_conf_node *root);
/* endpoints and their steps (scenario-steps.c) */
cs_status cs_scnp_endpoints(binder *b, const cs_conf_node *root);

#endif /* CS_MODELS_SCENARIO_PRIVATE_H */
