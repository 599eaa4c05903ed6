/*
 * The scenario keys: one table of every key the scenario loader accepts,
 * with its type, unit, default and meaning.  The loader takes each map's
 * allowed keys and each key's choices from it (models/scenario.c); capsim
 * keys prints it; the JSON Schema (docs/scenario.schema.json) and the fuzz
 * dictionary are generated from it; a test checks it against the scenario
 * reference (docs/guide.md, section 4).  A key the table lacks cannot be
 * read, so the four cannot drift apart.
 *
 * Paths are --set paths with three kinds of placeholder: "NAME" for a name
 * the user picks (services.NAME.timeout), "[]" for every item of a list
 * (endpoints[].weight), and the shared grammars "<distribution>" and
 * "<step>", which hang wherever a key of type CS_KEY_DIST or CS_KEY_STEPS
 * is (<distribution>.mean, <step>.cache.miss).
 */
#ifndef CS_MODELS_KEYS_H
#define CS_MODELS_KEYS_H

#include <stddef.h>

typedef enum cs_key_type {
	CS_KEY_MAP,        /* a map of the keys under it */
	CS_KEY_NAMED,      /* a map from names the user picks to maps */
	CS_KEY_LIST,       /* a list of maps (items: the keys under PATH[]) */
	CS_KEY_STEPS,      /* a list of <step> */
	CS_KEY_STRING,
	CS_KEY_INT,
	CS_KEY_NUMBER,
	CS_KEY_BOOL,       /* true / false (yes, no, on, off) */
	CS_KEY_DURATION,   /* "450ms", "1m30s" */
	CS_KEY_AMOUNT,     /* a duration, or a plain number in a count
	                    * distribution (tokens) */
	CS_KEY_RATE,       /* "60", "60/s", "3600/m" */
	CS_KEY_RATIO,      /* "0.87", "87%" */
	CS_KEY_DIST,       /* a <distribution> of durations */
	CS_KEY_COUNTS,     /* a <distribution> of plain numbers */
	CS_KEY_ENUM,       /* one of .choices */
	CS_KEY_ENUMS,      /* a list of .choices */
	CS_KEY_PAIRS,      /* a list of [number, value] pairs */
	CS_KEY_AMOUNTS,    /* a list of CS_KEY_AMOUNT */
	CS_KEY_QUANTILES,  /* a map p0: AMOUNT, p50: AMOUNT, ... p100: AMOUNT */
	CS_KEY_TARGET,     /* users (closed), a rate (open) or a percentage */
	CS_KEY_INTS,       /* a list of integers */
	CS_KEY_FOREIGN     /* read and checked by another module */
} cs_key_type;

/* cs_key.flags */
enum {
	CS_KEY_NONE_OK = 1 << 0,  /* "none" / "off" also: no limit */
	CS_KEY_OR_MAP = 1 << 1,   /* or a map of the keys under it */
	CS_KEY_REQUIRED = 1 << 2  /* must be given (in its variant) */
};

typedef struct cs_key {
	const char *path;    /* see above */
	cs_key_type type;
	unsigned flags;      /* CS_KEY_* */
	const char *choices; /* ENUM, ENUMS: the words, by spaces, in the
	                      * order the loader numbers them */
	const char *only;    /* the variants that take it (distribution
	                      * names, service kinds, popularity kinds), by
	                      * spaces; NULL: every one */
	const char *unit;    /* "s", "1/s", "requests", ... ; "" none */
	const char *def;     /* the default, as text; NULL: none */
	const char *meaning; /* one line */
} cs_key;

/* The table, in document order; *n gets its length. */
const cs_key *cs_scenario_keys(size_t *n);

/* The row of path exactly, or NULL. */
const cs_key *cs_scenario_key(const char *path);

/*
 * The names of the keys right under parent ("db.pool", "<distribution>")
 * that variant takes (NULL: whatever their variants), into out, NULL-
 * terminated, at most cap - 1 of them.  Returns how many.  O(rows).
 */
size_t cs_scenario_key_names(const char *parent, const char *variant,
                             const char **out, size_t cap);

/* The words of an enum: choices of path into out, NULL-terminated, their
 * text copied into buf.  Returns how many; 0 if path is no enum. */
typedef struct cs_key_words {
	char buf[256];
	const char *v[24];
} cs_key_words;
size_t cs_scenario_key_choices(const char *path, cs_key_words *w);

/* The type's name in words ("duration", "integer or none"), into buf. */
const char *cs_scenario_key_type_text(const cs_key *k, char *buf,
                                      size_t size);

/* A JSON Schema (draft 2020-12) of the scenario format, from the table;
 * caller frees with free(); NULL when out of memory. */
char *cs_scenario_keys_schema(void);

#endif /* CS_MODELS_KEYS_H */
