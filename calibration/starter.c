/*
 * Starter scenarios (calibration/starter.h).  The numbers taken from data
 * use the operational laws of calibration/fit.h (Little's law for the
 * think time and for the requests in the server), as capsim calibrate's
 * first estimates do; everything else is a default and says so.
 */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "calibration/fit.h"
#include "calibration/starter.h"
#include "config/text.h"

static const char template_text[] =
"# A starter scenario written by capsim init: every value below is a\n"
"# default or an example to replace with your system's.  capsim keys lists\n"
"# every key with its meaning; docs/guide.md section 4 has the details.\n"
"# Check it with: capsim run THIS_FILE\n"
"name: starter\n"
"run:\n"
"  duration: 5m          # simulated time per replication (default 300s)\n"
"  replications: 5       # the 95% CIs come from their spread\n"
"  seed: 1\n"
"load:\n"
"  users: 100            # closed users, like k6 VUs or Locust users\n"
"  think: {dist: uniform, min: 500ms, max: 1500ms}   # between requests\n"
"  # arrival_rate: 50/s  # open arrivals instead of users\n"
"app:\n"
"  instances: 1          # servers behind the load balancer\n"
"  workers: 16           # requests one instance serves at once\n"
"  cores: 2              # CPU cores per instance\n"
"db:\n"
"  pool: {size: 10, acquire_timeout: 30s}   # per app instance\n"
"  cores: 2\n"
"  max_connections: 100\n"
"cache:\n"
"  hit_ratio: 85%        # the default of every cache step\n"
"  latency: 1ms\n"
"services:\n"
"  payments:             # an external API, called with {call: payments}\n"
"    latency: {dist: lognormal, median: 120ms, p95: 400ms}\n"
"    timeout: 5s\n"
"    retries: {max: 1, backoff: 200ms}\n"
"endpoints:\n"
"  - name: GET /items\n"
"    weight: 80          # relative share of requests\n"
"    steps:\n"
"      - cpu: 3ms        # CPU time on one core\n"
"      - cache: {miss: [{query: 4ms}]}   # on a miss: one query, own connection\n"
"  - name: POST /orders\n"
"    weight: 20\n"
"    steps:\n"
"      - cpu: 8ms\n"
"      - db:             # one connection held for the whole block\n"
"          steps: [{query: 2ms}, {query: 5ms}]\n"
"      - call: payments\n";

/* ---- writing YAML ------------------------------------------------------- */

/* s as a double-quoted YAML scalar: control bytes as \xNN, and every
 * byte from 0x80 on too when s is not UTF-8 (a GBK label: escaped byte for
 * byte, not half-decoded where its bytes happen to look like UTF-8, as
 * capsim import prints it), so the file stays valid UTF-8. */
static void
quoted(FILE *f, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	bool utf8 = cs_text_utf8_valid(s);

	fputc('"', f);
	while (*u) {
		size_t k = utf8 ? cs_text_utf8_len(u) : *u < 0x80;

		if (k == 1 && (*u < 0x20 || *u == 0x7F))
			k = 0;
		if (!k) {
			fprintf(f, "\\x%02X", *u++);
			continue;
		}
		if (*u == '"' || *u == '\\')
			fputc('\\', f);
		fwrite(u, 1, k, f);
		u += k;
	}
	fputc('"', f);
}

/* A duration in the scenario grammar: ms below a second, else s. */
static void
dur(char *buf, size_t size, double ms)
{
	if (ms >= 1000)
		snprintf(buf, size, "%.4gs", ms / 1e3);
	else
		snprintf(buf, size, "%.4gms", ms);
}

static int
by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* ---- from data ----------------------------------------------------------- */

/* One endpoint over every point: its requests, and the latency of the
 * lowest-load point that has it. */
typedef struct ep {
	const char *name;
	double requests;
	double p50, p95;   /* ms; NaN: unknown */
	double failures;
	const cs_imp_point *at;
} ep;

static double
load_of(const cs_imp_point *p)
{
	if (!isnan(p->users))
		return p->users;
	if (!isnan(p->arrival_rate))
		return p->arrival_rate;
	return p->throughput;
}

/* Points in increasing load, those without a throughput left out. */
static size_t
order_points(const cs_imp_set *set, const cs_imp_point **pts)
{
	size_t i, j, n = 0;

	for (i = 0; i < set->n; i++) {
		const cs_imp_point *p = &set->points[i];

		if (!(p->throughput > 0))
			continue;
		for (j = n; j > 0 && load_of(pts[j - 1]) > load_of(p); j--)
			pts[j] = pts[j - 1];
		pts[j] = p;
		n++;
	}
	return n;
}

/* s cut to fit buf, for a comment: printable ASCII only, so that a GBK
 * name cannot make the file invalid UTF-8 */
static const char *
ascii(const char *s, char *buf, size_t size)
{
	char *c;

	snprintf(buf, size, "%s", s);
	for (c = buf; *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7F)
			*c = '?';
	return buf;
}

/* A point's name for comments: its own, else its file's. */
static const char *
point_name(const cs_imp_point *p, char *buf, size_t size)
{
	const char *base = strrchr(p->source, '/');

	return ascii(p->name ? p->name : base ? base + 1 : p->source, buf,
	             size < 61 ? size : 61);
}

/* The endpoints of every point, merged by name; caller frees. */
static ep *
merge_endpoints(const cs_imp_point **pts, size_t npts, size_t *n)
{
	size_t cap = 0, i, j, k;
	ep *e = NULL;

	*n = 0;
	for (i = 0; i < npts; i++)
		cap += pts[i]->nendpoints;
	if (!cap)
		return NULL;
	if (!(e = calloc(cap, sizeof *e)))
		return NULL;
	/* O(points x endpoints^2), endpoints <= CS_IMP_MAX_ENDPOINTS */
	for (i = 0; i < npts; i++)
		for (j = 0; j < pts[i]->nendpoints; j++) {
			const cs_imp_endpoint *x = &pts[i]->endpoints[j];

			for (k = 0; k < *n && strcmp(e[k].name, x->name); k++)
				;
			if (k == *n) {
				e[k].name = x->name;
				e[k].p50 = e[k].p95 = NAN;
				(*n)++;
			}
			if (!isnan(x->requests))
				e[k].requests += x->requests;
			if (!isnan(x->failures))
				e[k].failures += x->failures;
			/* points come in increasing load: the first that
			 * has a latency is the least queued */
			if (isnan(e[k].p50) && !isnan(x->latency.p50)) {
				e[k].p50 = x->latency.p50;
				e[k].p95 = x->latency.p95;
				e[k].at = pts[i];
			}
		}
	return e;
}

/* The steps of an endpoint whose low-load latency is p50, p95 (ms). */
static void
write_steps(FILE *f, double p50, double p95, const char *where)
{
	char a[32], b[32];

	if (isnan(p50) || !(p50 > 0)) {
		fputs("    steps:\n      - delay: 10ms   # a default: the data "
		      "has no latency for it\n", f);
		return;
	}
	dur(a, sizeof a, p50);
	if (!isnan(p95) && p95 > p50) {
		dur(b, sizeof b, p95);
		fprintf(f, "    steps:\n      # from the data: p50 %s, p95 %s at "
		        "%s; where the time goes is not in the data\n"
		        "      - delay: {dist: lognormal, median: %s, p95: %s}\n",
		        a, b, where, a, b);
	} else {
		fprintf(f, "    steps:\n      # from the data: p50 %s at %s; "
		        "where the time goes is not in the data\n"
		        "      - delay: %s\n", a, where, a);
	}
}

static cs_status
write_from(FILE *f, const cs_imp_set *set, const char *const *files,
           size_t nfiles, cs_error *err)
{
	const cs_imp_point **pts = calloc(set->n ? set->n : 1, sizeof *pts);
	const cs_imp_point *lo, *hi;
	char nm[96], a[32], b[32];
	size_t n, i, ne = 0, nz = 0;
	double z = NAN, r, *zs, busy = 0, total = 0, zmin = INFINITY, zmax = 0;
	bool use_mean, closed;
	ep *e = NULL;
	long workers;

	if (!pts)
		return cs_error_set(err, CS_ERR_NOMEM, "", 0, 0, "",
		                    "out of memory");
	n = order_points(set, pts);
	if (!n) {
		free(pts);
		return cs_error_set(err, CS_ERR_INVALID, files[0], 0, 0, "",
		    "no point in the data has a throughput: nothing to start a "
		    "scenario from (capsim import shows what was read)");
	}
	lo = pts[0];
	hi = pts[n - 1];
	closed = !isnan(hi->users) && hi->users >= 1;

	fputs("# A starter scenario written by capsim init --from, from:\n", f);
	for (i = 0; i < nfiles; i++) {
		char file[200];

		fprintf(f, "#   %s\n", ascii(files[i], file, sizeof file));
	}
	fputs("# Its points, by load (users or arrivals, throughput, mean or "
	      "p50 latency):\n", f);
	for (i = 0; i < n; i++) {
		const cs_imp_point *p = pts[i];
		double zi;

		use_mean = !isnan(p->latency.mean);
		r = cs_cal_resp(p, use_mean);
		zi = cs_cal_little_think(p->users, p->throughput, r);
		if (!isnan(r))
			busy = fmax(busy, p->throughput * r);
		fprintf(f, "#   %-32s ", point_name(p, nm, sizeof nm));
		if (!isnan(p->users))
			fprintf(f, "%g users", p->users);
		else if (!isnan(p->arrival_rate))
			fprintf(f, "%.4g/s arriving", p->arrival_rate);
		else
			fputs("load unknown", f);
		fprintf(f, ", %.4g req/s", p->throughput);
		if (!isnan(r))
			fprintf(f, ", %.4g ms", 1e3 * r);
		if (!isnan(zi)) {
			fprintf(f, "; Little's law: think %.4g s", zi);
			zmin = fmin(zmin, zi);
			zmax = fmax(zmax, zi);
		}
		if (p->error_rate > 0)
			fprintf(f, "; %.3g%% errors", 100 * p->error_rate);
		fputc('\n', f);
	}
	fputs("# Lines marked \"from the data\" come from these points; every "
	      "other value\n# is a default to replace with your system's "
	      "(capsim keys says what\n# each key means).  Then calibrate: "
	      "capsim calibrate THIS_FILE --data FILES\n# --fit PATH... fits "
	      "what the data can pin (docs/calibration.md).\n", f);
	fprintf(f, "name: ");
	quoted(f, point_name(hi, nm, sizeof nm));
	fputs("\nrun:\n  duration: 5m          # a default (simulated time per "
	      "replication)\n  replications: 5\n  seed: 1\nload:\n", f);

	if (closed) {
		fprintf(f, "  users: %-14.0f # from the data: the highest "
		        "load, %s\n", hi->users, point_name(hi, nm, sizeof nm));
		/* Little's law at every point with users, and their median:
		 * one point cut short (a ramp-up not finished) or saturated
		 * does not decide it alone */
		zs = calloc(n, sizeof *zs);
		for (i = 0; zs && i < n; i++) {
			use_mean = !isnan(pts[i]->latency.mean);
			z = cs_cal_little_think(pts[i]->users, pts[i]->throughput,
			                        cs_cal_resp(pts[i], use_mean));
			if (!isnan(z))
				zs[nz++] = z;
		}
		z = NAN;
		if (nz) {
			qsort(zs, nz, sizeof *zs, by_value);
			z = nz % 2 ? zs[nz / 2] : (zs[nz / 2 - 1] + zs[nz / 2]) / 2;
		}
		free(zs);
		if (isnan(z)) {
			fputs("  think: 1s             # a default: no point has "
			      "users, throughput and latency for Little's law\n", f);
		} else if (z <= 0) {
			fprintf(f, "  think: 0              # from the data: Little's "
			        "law gives %.3g s, the median over %zu points (no "
			        "think time, or users not all active)\n", z, nz);
		} else {
			dur(a, sizeof a, 1e3 * z);
			fprintf(f, "  think: %-14s # from the data: Little's law Z = "
			        "N/X - R, the median over %zu point%s; its shape is a "
			        "default (Locust's between(a, b) is {dist: uniform, "
			        "min: a, max: b})\n", a, nz, nz == 1 ? "" : "s");
			if (zmax > 1.3 * zmin && zmin > 0)
				fprintf(f, "  # the points' think times differ from "
				        "%.3g s to %.3g s: saturation at the higher "
				        "loads, or scripts that differed\n", zmin, zmax);
		}
	} else if (!isnan(hi->arrival_rate)) {
		fprintf(f, "  arrival_rate: %.6g/s  # from the data: the highest "
		        "load, %s\n", hi->arrival_rate,
		        point_name(hi, nm, sizeof nm));
	} else {
		fprintf(f, "  arrival_rate: %.6g/s  # from the data: the measured "
		        "throughput of %s, as open arrivals (the data gives no "
		        "users)\n", hi->throughput, point_name(hi, nm, sizeof nm));
	}
	fputs("  client_timeout: 60s   # a default (k6's)\n", f);

	/* workers: twice the most requests in the server that the data
	 * shows (Little's law, N = X R), so that the starter's workers are
	 * not what limits it before you give the real count */
	workers = (long)ceil(2 * busy);
	if (workers < 16)
		workers = 16;
	fprintf(f, "app:\n  instances: 1          # a default\n"
	        "  workers: %-12ld # a default: at least twice the requests "
	        "in the server in the data (X x R = %.3g); give your real "
	        "count\n  cores: 2              # a default\n", workers, busy);
	fputs("db:\n  pool: {size: 10, acquire_timeout: 30s}   # defaults; no "
	      "step uses the DB yet\n", f);
	if (!isnan(lo->util.app_cpu) || !isnan(lo->util.db_cpu))
		fprintf(f, "# the data has CPU use at %s (app %.3g%%, DB %.3g%%): "
		        "with your cores, the utilization law D = U x cores / X "
		        "gives CPU per request to move from the delays into cpu "
		        "and query steps\n", point_name(lo, nm, sizeof nm),
		        100 * lo->util.app_cpu, 100 * lo->util.db_cpu);
	if (hi->error_rate > 0) {
		fprintf(f, "# the data has %.3g%% errors at %s", 100 *
		        hi->error_rate, point_name(hi, nm, sizeof nm));
		for (i = 0; i < hi->ncauses && i < 4; i++) {
			char cause[64];

			fprintf(f, "%s%s %g", i ? ", " : " (",
			        ascii(hi->causes[i].name, cause, sizeof cause),
			        hi->causes[i].count);
		}
		fputs(hi->ncauses ? "); this starter models none: see timeouts, "
		      "services' error_rate and limits\n" : "; this starter models "
		      "none\n", f);
	}

	fputs("endpoints:\n", f);
	if (!(e = merge_endpoints(pts, n, &ne)) && set->n && lo->nendpoints) {
		free(pts);
		return cs_error_set(err, CS_ERR_NOMEM, "", 0, 0, "",
		                    "out of memory");
	}
	for (i = 0; i < ne; i++)
		total += e[i].requests;
	if (!ne || !(total > 0)) {
		fputs("  - name: all requests  # the data names no endpoints\n"
		      "    weight: 1\n", f);
		write_steps(f, lo->latency.p50, lo->latency.p95,
		            point_name(lo, nm, sizeof nm));
	}
	for (i = 0; ne && total > 0 && i < ne; i++) {
		fputs("  - name: ", f);
		quoted(f, e[i].name);
		fprintf(f, "\n    weight: %-11g # from the data: %.3g%% of the "
		        "requests\n", e[i].requests, 100 * e[i].requests / total);
		if (e[i].failures > 0)
			fprintf(f, "    # the data: %g of its requests failed\n",
			        e[i].failures);
		snprintf(b, sizeof b, "%s", e[i].at ?
		         point_name(e[i].at, nm, sizeof nm) : "");
		write_steps(f, e[i].p50, e[i].p95, b);
	}
	free(e);
	free(pts);
	return ferror(f) ? cs_error_set(err, CS_ERR_IO, "", 0, 0, "",
	                                "cannot write") : CS_OK;
}

cs_status
cs_cal_starter_write(FILE *f, const cs_imp_set *set, const char *const *files,
                     size_t nfiles, cs_error *err)
{
	if (!set || !set->n) {
		fputs(template_text, f);
		return ferror(f) ? cs_error_set(err, CS_ERR_IO, "", 0, 0, "",
		                                "cannot write") : CS_OK;
	}
	return write_from(f, set, files, nfiles, err);
}
