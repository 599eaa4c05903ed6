/*
 * config — a YAML document as a tree of nodes that remember where they came
 * from, plus typed getters that turn a bad value into a precise cs_error.
 *
 * Used by the scenario loader (models/scenario.c) and by the measurements
 * importer (calibration/).  Built on libyaml's event parser.
 */
#ifndef CS_CONF_H
#define CS_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "capsim.h"

typedef enum cs_conf_kind {
	CS_CONF_MAP,
	CS_CONF_SEQ,
	CS_CONF_SCALAR
} cs_conf_kind;

typedef struct cs_conf_node cs_conf_node;
struct cs_conf_node {
	cs_conf_kind kind;
	int line, col;        /* 1-based position of the node's value */
	int key_line, key_col;/* 1-based position of the key (map children) */
	char *key;            /* key when the node is a map child, else NULL */
	char *value;          /* scalar text; NULL for map and seq */
	bool quoted;          /* scalar was quoted in the source */
	cs_conf_node **items; /* children of a map or seq, in document order */
	size_t n;
	bool used;            /* set when a getter read this node */
	const char *origin;   /* the --set assignment that made this node (line
	                       * and col are then 0), NULL if from the file */
};

typedef struct cs_conf {
	cs_conf_node *root; /* NULL for an empty document */
	char *file;         /* name used in messages */
	char **sets;        /* private: copies of the --set assignments that */
	size_t nsets;       /* nodes' origin points to (owned, freed by free) */
} cs_conf;

/*
 * Parse YAML.  Anchors/aliases are rejected, duplicate keys are an error,
 * only the first document is read (a second one is an error).  On success
 * *out is new (caller frees with cs_conf_free()).  Errors: CS_ERR_IO (cannot
 * open), CS_ERR_PARSE (libyaml's problem text, with its mark + 1).
 */
cs_status cs_conf_parse_file(const char *path, cs_conf **out, cs_error *err);
cs_status cs_conf_parse_string(const char *text, size_t len, const char *name,
                               cs_conf **out, cs_error *err);
void cs_conf_free(cs_conf *c);

/*
 * Apply a command-line override "a.b.c=value".  Path segments are map keys;
 * a segment that is a decimal number indexes a sequence ("endpoints.0.weight").
 * A sequence of maps may also be indexed by the value of its items' "name"
 * key ("endpoints.POST /webhook.weight" is not allowed because of the dot,
 * but "services.ai.timeout" walks the map "services").  Missing maps along
 * the path are created.  The value is parsed as a YAML flow value, so
 * "[1,2]" and "{dist: constant, value: 1s}" work; plain text stays a scalar.
 * Errors name "--set" as the file and the assignment as the path, and so do
 * later errors (cs_conf_error and the getters) about the nodes it created.
 * Errors are CS_ERR_USAGE (CS_ERR_NOMEM); on error c is unchanged.
 */
cs_status cs_conf_set(cs_conf *c, const char *assignment, cs_error *err);

/*
 * The node at path (len bytes, dot-separated) under root, by the rules of
 * cs_conf_set, which --set, calibrate's --fit and --point-set share: a
 * map's key; a sequence's item by its index or by its "name" (else its
 * "id": a step).  NULL when it is not there (or a segment is empty); then
 * *last is the deepest node reached and *matched how many segments led to
 * it (both may be NULL).  O(segments x items).
 */
cs_conf_node *cs_conf_walk(cs_conf_node *root, const char *path, size_t len,
                           cs_conf_node **last, size_t *matched);

/* Child of a map by key (NULL if absent or map is not a map).  Marks the
 * child used. */
cs_conf_node *cs_conf_get(const cs_conf_node *map, const char *key);

/* Set err to point at node n (its file/line/col) with path and message;
 * returns CS_ERR_INVALID.  For a node made by cs_conf_set the file is
 * "--set", line and col are 0 and the path is the assignment. */
cs_status cs_conf_error(const cs_conf *c, const cs_conf_node *n,
                        const char *path, cs_error *err, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 5, 6)))
#endif
	;

/*
 * Typed getters.  Each checks the node's kind and value, writes *out on
 * success, and on failure fills err with the node's position, the path and
 * what was expected ("expected a number, got \"abc\"", "must be >= 1 (got 0)").
 * n must not be NULL.  Bounds are inclusive.
 */
cs_status cs_conf_number(const cs_conf *c, const cs_conf_node *n,
                         const char *path, double lo, double hi, double *out,
                         cs_error *err);
cs_status cs_conf_int(const cs_conf *c, const cs_conf_node *n,
                      const char *path, long lo, long hi, long *out,
                      cs_error *err);
cs_status cs_conf_bool(const cs_conf *c, const cs_conf_node *n,
                       const char *path, bool *out, cs_error *err);
/* Duration with a unit: "250us", "450ms", "2s", "1.5m", "5min", "1h", "0"
 * (units us, µs, ms, s, sec, m, min, h; a space may precede the unit).
 * A bare non-zero number is an error ('add a unit, e.g. "450ms" or "2s"').
 * Seconds; bound errors read "must be >= 0s (got -1s)". */
cs_status cs_conf_duration(const cs_conf *c, const cs_conf_node *n,
                           const char *path, double lo, double hi,
                           double *out, cs_error *err);
/* Rate in 1/s: "60", "60/s", "3600/m", "1000/min", "10/h" (also /sec). */
cs_status cs_conf_rate(const cs_conf *c, const cs_conf_node *n,
                       const char *path, double lo, double hi, double *out,
                       cs_error *err);
/* Fraction in [0,1]: "0.87" or "87%". */
cs_status cs_conf_ratio(const cs_conf *c, const cs_conf_node *n,
                        const char *path, double *out, cs_error *err);
/* A scalar string; *out points into the tree (valid until cs_conf_free). */
cs_status cs_conf_string(const cs_conf *c, const cs_conf_node *n,
                         const char *path, const char **out, cs_error *err);
/* One of a NULL-terminated list of words; *out is its index.  The error
 * lists the choices and suggests the nearest. */
cs_status cs_conf_enum(const cs_conf *c, const cs_conf_node *n,
                       const char *path, const char *const *choices,
                       int *out, cs_error *err);
/* n must be a map / a sequence. */
cs_status cs_conf_expect_map(const cs_conf *c, const cs_conf_node *n,
                             const char *path, cs_error *err);
cs_status cs_conf_expect_seq(const cs_conf *c, const cs_conf_node *n,
                             const char *path, cs_error *err);

/*
 * Every key of map must be in the NULL-terminated list allowed; the first
 * that is not gives 'unknown key "pol" (did you mean "pool"?)' pointing at
 * the key, or lists the allowed keys when nothing is close.  Suggestion by
 * edit distance (<= 2, or <= a third of the length).
 */
cs_status cs_conf_check_keys(const cs_conf *c, const cs_conf_node *map,
                             const char *path, const char *const *allowed,
                             cs_error *err);

/* The closest word in choices to s within the distance above, or NULL.
 * Case-insensitive; never a word as far from s as strlen(s) (nothing in
 * common), so "x" does not suggest "a". */
const char *cs_conf_suggest(const char *s, const char *const *choices);

/* Join a path: out = base + "." + key (or key when base is empty).
 * For sequence items use cs_conf_path_index: base + "[" i "]". */
void cs_conf_path(char *out, size_t size, const char *base, const char *key);
void cs_conf_path_index(char *out, size_t size, const char *base, size_t i);

#endif /* CS_CONF_H */
