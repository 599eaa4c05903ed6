/* Sweep documents read back: a sweep or shard JSON file, its header
 * checked, its points merged (sweep_read_json), and the journal a
 * resumed sweep starts from (journal_load; sweep/sweepio.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sweep/sweepio.h"
#include "config/text.h"


/* The header's seed and replication count as numbers, or -1. */
static double
header_num(const cJSON *h, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(h, key);

	return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

/* The header's precision rule: target, floor, max_replications; all 0
 * when the sweep ran a fixed count (no "precision" object), -1 where a
 * value is not a number. */
static void
header_precision(const cJSON *h, double p[3])
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(h, "precision");

	p[0] = p[1] = p[2] = 0;
	if (!o)
		return;
	p[0] = header_num(o, "target");
	p[1] = header_num(o, "floor");
	p[2] = header_num(o, "max_replications");
}

/*
 * Does header h (of a shard, or of a journal when journal is set) belong
 * to the sweep d?  Each difference is named, what h holds and what d
 * holds, so that a refused --resume says which argument or file changed.
 */
static int
header_matches(const sweepdoc *d, const cJSON *h, const char *path,
               int journal, cs_error *err)
{
	static const char *const keys[] = { "scenario", "grid", "sets" };
	static const char *const what[] = { "the scenario file",
		"the grid (--vary)", "the --set list" };
	const char *mine[] = { d->scenario, d->spec, d->sets };
	const char *hint = journal ? "; run it again as it was, or without "
	                   "--resume to start over" : "";
	const cJSON *v;
	double seed, reps;
	int k;

	for (k = 0; k < 3; k++) {
		v = cJSON_GetObjectItemCaseSensitive(h, keys[k]);
		if (!cJSON_IsString(v) || strcmp(v->valuestring, mine[k])) {
			cs_error_set(err, CS_ERR_INVALID, path, 0, 0, keys[k],
			    "belongs to another sweep: %s differs (\"%s\" there, "
			    "\"%s\" now)%s", what[k],
			    cJSON_IsString(v) ? v->valuestring : "?", mine[k], hint);
			return -1;
		}
	}
	if (journal && d->content) {
		/* the name alone would let an edited file mix two models */
		v = cJSON_GetObjectItemCaseSensitive(h, "scenario_fnv1a64");
		if (!cJSON_IsString(v)) {
			cs_error_set(err, CS_ERR_INVALID, path, 0, 0, "scenario",
			    "belongs to another sweep: the journal does not record "
			    "the content of %s, so it cannot be checked; run without "
			    "--resume to start over", d->scenario);
			return -1;
		}
		if (strcmp(v->valuestring, d->content)) {
			cs_error_set(err, CS_ERR_INVALID, path, 0, 0, "scenario",
			    "belongs to another sweep: %s has changed since the "
			    "journal was written (content hash %s there, %s now)%s",
			    d->scenario, v->valuestring, d->content, hint);
			return -1;
		}
	}
	if (!journal && d->content) {
		/* a shard that records its scenario's content must match */
		v = cJSON_GetObjectItemCaseSensitive(h, "scenario_fnv1a64");
		if (cJSON_IsString(v) && strcmp(v->valuestring, d->content)) {
			cs_error_set(err, CS_ERR_INVALID, path, 0, 0, "scenario",
			    "belongs to another sweep: %s had other contents when "
			    "this shard ran (content hash %s there, %s in the first "
			    "file)", d->scenario, v->valuestring, d->content);
			return -1;
		}
	}
	seed = header_num(h, "seed");
	if (seed != (double)d->seed) {
		cs_error_set(err, CS_ERR_INVALID, path, 0, 0, "seed",
		    "belongs to another sweep: the seed differs (%.17g there, "
		    "%llu now)%s", seed, d->seed, hint);
		return -1;
	}
	reps = header_num(h, "replications");
	if (reps != (double)d->replications) {
		cs_error_set(err, CS_ERR_INVALID, path, 0, 0, "replications",
		    "belongs to another sweep: the replication count differs "
		    "(%.17g there, %u now)%s", reps, d->replications, hint);
		return -1;
	}
	{
		/* the sequential rule decides the numbers as much as the
		 * count does */
		double p[3];

		header_precision(h, p);
		if (p[0] != d->precision || p[1] != d->precision_floor ||
		    p[2] != (double)d->max_replications) {
			cs_error_set(err, CS_ERR_INVALID, path, 0, 0, "precision",
			    "belongs to another sweep: the precision rule differs "
			    "(--precision %.6g, floor %.6g, at most %.17g "
			    "replications there; %.6g, %.6g, %u now)%s", p[0], p[1],
			    p[2], d->precision, d->precision_floor,
			    d->max_replications, hint);
			return -1;
		}
	}
	return 0;
}

/* A whole number of h at key in [lo, hi], into *out; else -1 with err.
 * Checked before any cast: 1e300 or -5 would wrap. */
static int
header_whole(const cJSON *h, const char *key, double lo, double hi,
             double *out, const char *path, cs_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(h, key);

	if (!v) {
		cs_error_set(err, CS_ERR_INVALID, path, 0, 0, "sweep",
		    "the sweep header is incomplete: it has no \"%s\"", key);
		return -1;
	}
	if (!cJSON_IsNumber(v) || !(v->valuedouble >= lo &&
	    v->valuedouble <= hi) || v->valuedouble != floor(v->valuedouble)) {
		cs_error_set(err, CS_ERR_INVALID, path, 0, 0, key,
		    "must be a whole number from %.17g to %.17g (got %s%g)",
		    lo, hi, cJSON_IsNumber(v) ? "" : "a non-number ",
		    cJSON_IsNumber(v) ? v->valuedouble : 0.0);
		return -1;
	}
	*out = v->valuedouble;
	return 0;
}

/* Start d from the header h of the first file read: every key must be
 * there and in range (run's own limits for seed and replications). */
static int
header_init(sweepdoc *d, const cJSON *h, const char *path, cs_error *err)
{
	static const char *const strs[] = { "scenario", "grid", "sets" };
	const char *sv[3], *paths[64];
	const cJSON *vary = cJSON_GetObjectItemCaseSensitive(h, "vary"), *it;
	double seed, reps, total;
	size_t nd = 0;
	int k;

	for (k = 0; k < 3; k++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(h, strs[k]);

		if (!cJSON_IsString(v)) {
			cs_error_set(err, CS_ERR_INVALID, path, 0, 0, "sweep",
			    "the sweep header is incomplete: it has no \"%s\" "
			    "string", strs[k]);
			return -1;
		}
		sv[k] = v->valuestring;
	}
	if (!cJSON_IsArray(vary) || cJSON_GetArraySize(vary) < 1 ||
	    cJSON_GetArraySize(vary) > 64) {
		cs_error_set(err, CS_ERR_INVALID, path, 0, 0, "sweep",
		    "the sweep header is incomplete: \"vary\" must list 1 to "
		    "64 paths");
		return -1;
	}
	cJSON_ArrayForEach(it, vary) {
		if (!cJSON_IsString(it)) {
			cs_error_set(err, CS_ERR_INVALID, path, 0, 0, "vary",
			             "holds something that is not a path");
			return -1;
		}
		paths[nd++] = it->valuestring;
	}
	if (header_whole(h, "seed", 0, 9007199254740991.0, &seed, path, err) ||
	    header_whole(h, "replications", 1, 100000, &reps, path, err) ||
	    header_whole(h, "points_total", 1, 1e7, &total, path, err))
		return -1;
	if (sweepdoc_init(d, sv[0], sv[1], sv[2], (unsigned long long)seed,
	                  (unsigned)reps, (size_t)total, nd, paths)) {
		cs_error_set(err, CS_ERR_NOMEM, path, 0, 0, "", "out of memory");
		return -1;
	}
	if (cJSON_GetObjectItemCaseSensitive(h, "precision")) {
		/* the sequential rule, in run's own limits */
		double p[3];

		header_precision(h, p);
		if (!(p[0] >= 0.001 && p[0] <= 0.5) || !(p[1] > 0 && p[1] <= 0.5) ||
		    !(p[2] >= reps && p[2] <= 100000) || p[2] != floor(p[2])) {
			cs_error_set(err, CS_ERR_INVALID, path, 0, 0, "precision",
			    "the sweep header's precision rule is out of range: "
			    "target 0.001 to 0.5, floor above 0 to 0.5, "
			    "max_replications a whole number from replications to "
			    "100000");
			return -1;
		}
		d->precision = p[0];
		d->precision_floor = p[1];
		d->max_replications = (unsigned)p[2];
	}
	{
		/* the first file's record of its scenario's content, which
		 * the other shards must match and the merge keeps */
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(h,
		                                                  "scenario_fnv1a64");

		if (cJSON_IsString(c) && !(d->content = strdup(c->valuestring))) {
			cs_error_set(err, CS_ERR_NOMEM, path, 0, 0, "",
			             "out of memory");
			return -1;
		}
	}
	return 0;
}

int
sweep_read_json(sweepdoc *d, const char *path, size_t *dups,
                cs_error *err)
{
	char *text;
	cJSON *root, *h, *pts, *p;
	size_t k;

	*dups = 0;
	if (cs_text_read_file(path, CS_TEXT_READ_MAX, &text, NULL, err))
		return -1;
	root = cJSON_Parse(text);
	free(text);
	if (!root) {
		cs_error_set(err, CS_ERR_PARSE, path, 0, 0, "",
		    "not a capsim sweep JSON file (write shards with --format json)");
		return -1;
	}
	h = cJSON_GetObjectItemCaseSensitive(root, "sweep");
	pts = cJSON_GetObjectItemCaseSensitive(root, "points");
	if (!cJSON_IsObject(h) || !cJSON_IsArray(pts)) {
		cJSON_Delete(root);
		cs_error_set(err, CS_ERR_INVALID, path, 0, 0, "",
		    "no \"sweep\" header and \"points\" list: not a capsim sweep file");
		return -1;
	}
	if (!d->spec) {
		if (header_init(d, h, path, err)) {
			cJSON_Delete(root);
			return -1;
		}
	} else if (header_matches(d, h, path, 0, err)) {
		cJSON_Delete(root);
		return -1;
	}
	cJSON_ArrayForEach(p, pts) {
		const cJSON *ix = cJSON_GetObjectItemCaseSensitive(p, "index");
		const cJSON *vals = cJSON_GetObjectItemCaseSensitive(p, "values");
		cJSON *res = cJSON_DetachItemFromObjectCaseSensitive(p, "result");
		char *v[64] = { 0 };

		if (!cJSON_IsNumber(ix) || !res || d->ndims > 64) {
			cJSON_Delete(res);
			cJSON_Delete(root);
			cs_error_set(err, CS_ERR_INVALID, path, 0, 0, "points",
			             "a point lacks its index or result");
			return -1;
		}
		for (k = 0; k < d->ndims; k++)
			v[k] = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(vals, d->paths[k]));
		for (k = 0; k < d->ndims; k++)
			if (!v[k])
				v[k] = (char *)"?";
		/* copy the index out first: the error path frees the tree it
		 * lives in, and sweepdoc_put owns res whatever it returns */
		double index = ix->valuedouble;

		if (!(index >= 0 && index < (double)d->total) ||
		    index != (double)(size_t)index) {
			cJSON_Delete(res);
			cJSON_Delete(root);
			cs_error_set(err, CS_ERR_INVALID, path, 0, 0, "points",
			             "point index %g is outside the grid (0 to %zu)",
			             index, d->total - 1);
			return -1;
		}
		if (!cJSON_IsObject(res) || !cJSON_IsObject(
		    cJSON_GetObjectItemCaseSensitive(res, "overall"))) {
			/* a string here once dropped every metric column of
			 * the merged CSV without a word */
			cJSON_Delete(res);
			cJSON_Delete(root);
			cs_error_set(err, CS_ERR_INVALID, path, 0, 0, "points",
			             "point %g: its \"result\" is not a run result "
			             "(an object with \"overall\")", index);
			return -1;
		}
		if (d->points[(size_t)index]) {
			/* the same point twice: harmless when the results are
			 * the same, two different sweeps when they are not */
			int same = cJSON_Compare(d->points[(size_t)index], res, 1);

			cJSON_Delete(res);
			if (!same) {
				cJSON_Delete(root);
				cs_error_set(err, CS_ERR_INVALID, path, 0, 0, "points",
				    "point %g is also in an earlier file, with a "
				    "different result: these are not shards of one "
				    "sweep", index);
				return -1;
			}
			(*dups)++;
			continue;
		}
		if (sweepdoc_put(d, (size_t)index, v, res)) {
			cJSON_Delete(root);
			cs_error_set(err, CS_ERR_NOMEM, path, 0, 0, "points",
			             "out of memory storing point %g", index);
			return -1;
		}
	}
	cJSON_Delete(root);
	return 0;
}

/* ---- the journal, read back --------------------------------------------------- */

int
journal_load(sweepdoc *d, const char *path, long *keep, cs_error *err)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t n;
	long end = 0; /* bytes of complete, readable lines */
	int rc = 0;

	*keep = 0;
	if (!f)
		return 0; /* nothing to resume */
	while ((n = getline(&line, &cap, f)) > 0) {
		cJSON *o;

		lineno++;
		if (line[n - 1] != '\n')
			break; /* a line cut short by the interruption */
		o = cJSON_Parse(line);
		if (!o)
			break;
		if (lineno == 1) {
			if (header_matches(d, o, path, 1, err))
				rc = -1;
			cJSON_Delete(o);
			if (rc)
				break;
			end += (long)n;
			continue;
		} else {
			const cJSON *ix = cJSON_GetObjectItemCaseSensitive(o, "index");
			cJSON *res = cJSON_DetachItemFromObjectCaseSensitive(o, "result");

			if (cJSON_IsNumber(ix) && res && ix->valuedouble >= 0 &&
			    ix->valuedouble < (double)d->total) {
				size_t i = (size_t)ix->valuedouble;

				/* values: the caller's grid fills them */
				if (d->points[i])
					cJSON_Delete(res);
				else
					d->points[i] = res;
			} else {
				cJSON_Delete(res);
			}
		}
		cJSON_Delete(o);
		end += (long)n;
	}
	free(line);
	fclose(f);
	*keep = rc ? 0 : end;
	return rc;
}
