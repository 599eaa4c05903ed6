/*
 * The points capsim calibrate and capsim validate use, and their
 * --point-set overrides; see points.h.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calibration/fit.h"
#include "calibration/import.h"
#include "cli/calargs.h"
#include "cli/cli.h"
#include "cli/points.h"

/* Index of the point named or numbered by s (len bytes); -1 if none. */
static long
find_point(const cs_imp_set *set, const char *s, size_t len)
{
	unsigned long v;
	char buf[256];
	size_t i;

	if (len >= sizeof buf)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (!cs_cli_cal_ulong(buf, 1000000000UL, &v))
		return v >= 1 && v <= set->n ? (long)v - 1 : -1;
	for (i = 0; i < set->n; i++)
		if (set->points[i].name && !strcmp(set->points[i].name, buf))
			return (long)i;
	return -1;
}

static const char *
pname(const cs_imp_set *set, size_t i, char *buf, size_t size)
{
	if (set->points[i].name)
		return set->points[i].name;
	snprintf(buf, size, "point %zu", i + 1);
	return buf;
}

/*
 * Choose the points and add them to cal with their --point-set overrides.
 * chosen[i] says which point of set is cal's point k: map[k] = i.
 */
int
cs_cli_cal_add_points(const cs_cli_cal_args *a, cs_cal *cal,
                      const cs_imp_set *set, size_t *map, size_t *nmap)
{
	bool *use = calloc(set->n + 1, sizeof *use);
	bool explicit_pts = a->points != NULL;
	const char **ps = calloc(a->npsets + 1, sizeof *ps);
	size_t i, j;
	cs_error err;
	int rc = 0;

	memset(&err, 0, sizeof err);
	*nmap = 0;
	if (!use || !ps) {
		free(use);
		free(ps);
		fprintf(stderr, "capsim %s: error: out of memory\n", a->cmd);
		return CS_EXIT_FAIL;
	}
	if (a->points) {
		const char *p = a->points;

		while (*p) {
			size_t len = strcspn(p, ",");
			long k = find_point(set, p, len);

			if (k < 0) {
				char w[300];

				snprintf(w, sizeof w, "%.*s", (int)len, p);
				fprintf(stderr, "capsim %s: error: --points: no "
				        "point \"%s\" in the data (%zu points: "
				        "numbers from 1, or names)\n", a->cmd, w,
				        set->n);
				rc = CS_EXIT_INPUT;
				goto out;
			}
			use[k] = true;
			p += len;
			if (*p == ',')
				p++;
		}
	} else {
		for (i = 0; i < set->n; i++)
			use[i] = true;
	}
	/* every --point-set must name a point */
	for (j = 0; j < a->npsets; j++) {
		const char *s = a->psets[j], *c;
		long k = -1;

		/* the point is the longest prefix before a ':' that names one
		 * (names may hold colons) */
		for (c = strchr(s, ':'); c; c = strchr(c + 1, ':')) {
			long t = find_point(set, s, (size_t)(c - s));

			if (t >= 0)
				k = t;
		}
		if (k < 0) {
			fprintf(stderr, "capsim %s: error: --point-set %s: no "
			        "such point (numbers from 1, or names)\n",
			        a->cmd, s);
			rc = CS_EXIT_INPUT;
			goto out;
		}
	}
	for (i = 0; i < set->n; i++) {
		const cs_imp_point *p = &set->points[i];
		char nb[32];
		size_t n = 0;
		cs_status s;

		if (!use[i])
			continue;
		for (j = 0; j < a->npsets; j++) {
			const char *str = a->psets[j], *c, *after = NULL;

			for (c = strchr(str, ':'); c; c = strchr(c + 1, ':'))
				if (find_point(set, str, (size_t)(c - str)) ==
				    (long)i)
					after = c + 1;
			if (after)
				ps[n++] = after;
		}
		if (isnan(p->users) && isnan(p->arrival_rate) && !explicit_pts) {
			fprintf(stderr, "capsim %s: note: skipping \"%s\": no "
			        "users and no arrival rate\n", a->cmd,
			        pname(set, i, nb, sizeof nb));
			continue;
		}
		s = cs_cal_add_point(cal, p, ps, n, &err);
		if (s == CS_ERR_INVALID && !explicit_pts) {
			/* an open point on a closed scenario, say: the user
			 * did not ask for this one */
			fprintf(stderr, "capsim %s: note: skipping \"%s\": %s\n",
			        a->cmd, pname(set, i, nb, sizeof nb), err.msg);
			continue;
		}
		if (s) {
			cs_error_print(stderr, &err);
			rc = cs_cli_exit(s);
			goto out;
		}
		map[(*nmap)++] = i;
	}
	if (!*nmap) {
		fprintf(stderr, "capsim %s: error: no point to use\n", a->cmd);
		rc = CS_EXIT_INPUT;
	}
out:
	free(use);
	free(ps);
	return rc;
}
