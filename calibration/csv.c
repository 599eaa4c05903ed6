/*
 * A streaming RFC 4180 CSV reader: one record in memory at a time.
 *
 * Input comes through a 64 KiB buffer; the current record's fields are
 * stored back to back, NUL-terminated, in one growing byte array capped at
 * CS_CSV_MAX_RECORD, so memory does not depend on the file's size.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "calibration/import-private.h"

#define INBUF 65536

struct cs_imp_csv {
	FILE *f;
	char *name;
	char delim;
	unsigned char in[INBUF];
	size_t in_len, in_pos;
	bool eof;
	bool started;        /* BOM check done */

	int line;            /* current physical line, 1-based */
	int col;             /* byte column of the next byte, 1-based */

	char *buf;           /* fields of the current record, NUL-separated */
	size_t len, cap;
	size_t *off;         /* start of each field in buf */
	int *fline, *fcol;   /* where each field starts */
	size_t nf, fcap;
	int rec_line;
	long row;            /* data rows read (after the header) */
	bool have_header;

	char **hdr;          /* header names (copies) */
	size_t nhdr;
};

static cs_status
csv_err(const cs_imp_csv *c, cs_error *err, cs_status st, int line, int col,
        const char *msg)
{
	return cs_error_set(err, st, c->name, line, col, NULL, "%s", msg);
}

cs_status
cs_imp_csv_open(const char *path, char delim, cs_imp_csv **out, cs_error *err)
{
	cs_imp_csv *c;

	*out = NULL;
	c = calloc(1, sizeof *c);
	if (!c)
		return cs_error_set(err, CS_ERR_NOMEM, path, 0, 0, NULL,
		                    "out of memory");
	c->name = strdup(path);
	if (!c->name) {
		free(c);
		return cs_error_set(err, CS_ERR_NOMEM, path, 0, 0, NULL,
		                    "out of memory");
	}
	c->f = fopen(path, "rb");
	if (!c->f) {
		int e = errno;

		free(c->name);
		free(c);
		return cs_error_set(err, CS_ERR_IO, path, 0, 0, NULL,
		                    "cannot open: %s", strerror(e));
	}
	c->delim = delim;
	c->line = 1;
	c->col = 1;
	*out = c;
	return CS_OK;
}

void
cs_imp_csv_free(cs_imp_csv *c)
{
	size_t i;

	if (!c)
		return;
	if (c->f)
		fclose(c->f);
	for (i = 0; i < c->nhdr; i++)
		free(c->hdr[i]);
	free(c->hdr);
	free(c->buf);
	free(c->off);
	free(c->fline);
	free(c->fcol);
	free(c->name);
	free(c);
}

/* Next byte, or -1 at the end (-2 on a read error). */
static int
getb(cs_imp_csv *c)
{
	if (c->in_pos == c->in_len) {
		if (c->eof)
			return -1;
		c->in_len = fread(c->in, 1, INBUF, c->f);
		c->in_pos = 0;
		if (c->in_len == 0) {
			c->eof = true;
			return ferror(c->f) ? -2 : -1;
		}
		if (!c->started) {
			c->started = true;
			if (c->in_len >= 3 && c->in[0] == 0xEF &&
			    c->in[1] == 0xBB && c->in[2] == 0xBF)
				c->in_pos = 3;
		}
		if (c->in_pos == c->in_len)
			return getb(c);
	}
	return c->in[c->in_pos++];
}

static int
peekb(cs_imp_csv *c)
{
	int b = getb(c);

	if (b >= 0)
		c->in_pos--;
	return b;
}

static cs_status
put(cs_imp_csv *c, int b, cs_error *err)
{
	if (c->len + 1 >= c->cap) {
		size_t ncap = c->cap ? 2 * c->cap : 256;
		char *nb;

		if (c->cap >= CS_CSV_MAX_RECORD)
			return csv_err(c, err, CS_ERR_PARSE, c->rec_line, 0,
			               "record longer than 1 MiB (an unterminated "
			               "quote, or not a CSV file?)");
		if (ncap > CS_CSV_MAX_RECORD)
			ncap = CS_CSV_MAX_RECORD;
		nb = realloc(c->buf, ncap);
		if (!nb)
			return csv_err(c, err, CS_ERR_NOMEM, 0, 0, "out of memory");
		c->buf = nb;
		c->cap = ncap;
	}
	c->buf[c->len++] = (char)b;
	return CS_OK;
}

static cs_status
start_field(cs_imp_csv *c, cs_error *err)
{
	if (c->nf == c->fcap) {
		size_t ncap = c->fcap ? 2 * c->fcap : 32;
		size_t *no;
		int *nl, *nc;

		if (c->nf >= CS_CSV_MAX_FIELDS)
			return csv_err(c, err, CS_ERR_PARSE, c->rec_line, 0,
			               "more than 4096 fields in one record");
		no = realloc(c->off, ncap * sizeof *no);
		if (!no)
			return csv_err(c, err, CS_ERR_NOMEM, 0, 0, "out of memory");
		c->off = no;
		nl = realloc(c->fline, ncap * sizeof *nl);
		if (!nl)
			return csv_err(c, err, CS_ERR_NOMEM, 0, 0, "out of memory");
		c->fline = nl;
		nc = realloc(c->fcol, ncap * sizeof *nc);
		if (!nc)
			return csv_err(c, err, CS_ERR_NOMEM, 0, 0, "out of memory");
		c->fcol = nc;
		c->fcap = ncap;
	}
	c->off[c->nf] = c->len;
	c->fline[c->nf] = c->line;
	c->fcol[c->nf] = c->col;
	c->nf++;
	return CS_OK;
}

/* After a CR or LF outside quotes: swallow the rest of the line end
 * (CR CR LF counts as one). */
static void
eat_eol(cs_imp_csv *c, int b)
{
	if (b == '\r') {
		int n;

		while ((n = peekb(c)) == '\r')
			getb(c);
		if (n == '\n')
			getb(c);
	}
	c->line++;
	c->col = 1;
}

enum { F_START, F_PLAIN, F_QUOTED, F_QUOTE };

/* One record, blank lines included (the caller skips them). */
static cs_status
read_record(cs_imp_csv *c, bool *got, cs_error *err)
{
	int st = F_START, b, qline = 0, qcol = 0;
	bool any = false;
	cs_status s;

	c->len = 0;
	c->nf = 0;
	c->rec_line = c->line;
	*got = false;
	if ((s = start_field(c, err)))
		return s;
	for (;;) {
		b = getb(c);
		if (b == -2)
			return csv_err(c, err, CS_ERR_IO, c->line, 0,
			               "read error");
		if (b == 0)
			return csv_err(c, err, CS_ERR_PARSE, c->line, c->col,
			               "NUL byte: this is binary data, not a "
			               "text CSV file");
		if (b == -1) {
			if (st == F_QUOTED) {
				char m[160];

				snprintf(m, sizeof m, "quoted field starting at "
				         "line %d column %d is never closed "
				         "(truncated file?)", qline, qcol);
				return csv_err(c, err, CS_ERR_PARSE, qline, qcol, m);
			}
			if (!any)
				return CS_OK;       /* clean end */
			break;
		}
		any = true;
		switch (st) {
		case F_START:
		case F_PLAIN:
			if (b == c->delim) {
				c->col++;
				if ((s = put(c, 0, err)) ||
				    (s = start_field(c, err)))
					return s;
				st = F_START;
				continue;
			}
			if (b == '\r' || b == '\n') {
				eat_eol(c, b);
				goto done;
			}
			if (b == '"' && st == F_START) {
				qline = c->line;
				qcol = c->col;
				c->col++;
				st = F_QUOTED;
				continue;
			}
			c->col++;
			if ((s = put(c, b, err)))
				return s;
			st = F_PLAIN;
			break;
		case F_QUOTED:
			if (b == '"') {
				c->col++;
				st = F_QUOTE;
				continue;
			}
			if (b == '\n' || (b == '\r' && peekb(c) != '\n')) {
				c->line++;
				c->col = 1;
			} else {
				c->col++;
			}
			if ((s = put(c, b, err)))
				return s;
			break;
		case F_QUOTE:
			if (b == '"') {         /* "" inside quotes */
				c->col++;
				if ((s = put(c, '"', err)))
					return s;
				st = F_QUOTED;
				continue;
			}
			if (b == c->delim) {
				c->col++;
				if ((s = put(c, 0, err)) ||
				    (s = start_field(c, err)))
					return s;
				st = F_START;
				continue;
			}
			if (b == '\r' || b == '\n') {
				eat_eol(c, b);
				goto done;
			}
			/* "abc"def: not RFC 4180; keep the text as written */
			c->col++;
			if ((s = put(c, b, err)))
				return s;
			st = F_PLAIN;
			break;
		}
	}
done:
	if ((s = put(c, 0, err)))
		return s;
	*got = true;
	return CS_OK;
}

cs_status
cs_imp_csv_next(cs_imp_csv *c, bool *got, cs_error *err)
{
	cs_status s;

	for (;;) {
		if ((s = read_record(c, got, err)))
			return s;
		if (!*got)
			return CS_OK;
		/* a blank line is one empty field */
		if (c->nf == 1 && c->buf[c->off[0]] == '\0')
			continue;
		if (c->have_header)
			c->row++;
		return CS_OK;
	}
}

static cs_status
keep_header(cs_imp_csv *c, const char *const *names, size_t n, cs_error *err)
{
	size_t i;

	c->hdr = calloc(n ? n : 1, sizeof *c->hdr);
	if (!c->hdr)
		return csv_err(c, err, CS_ERR_NOMEM, 0, 0, "out of memory");
	for (i = 0; i < n; i++) {
		c->hdr[i] = strdup(names[i]);
		if (!c->hdr[i])
			return csv_err(c, err, CS_ERR_NOMEM, 0, 0, "out of memory");
		c->nhdr = i + 1;
	}
	c->have_header = true;
	return CS_OK;
}

cs_status
cs_imp_csv_header(cs_imp_csv *c, cs_error *err)
{
	const char **names;
	bool got;
	cs_status s;
	size_t i;

	if ((s = cs_imp_csv_next(c, &got, err)))
		return s;
	if (!got)
		return csv_err(c, err, CS_ERR_PARSE, 0, 0,
		               "the file is empty (no header line)");
	names = malloc(c->nf * sizeof *names);
	if (!names)
		return csv_err(c, err, CS_ERR_NOMEM, 0, 0, "out of memory");
	for (i = 0; i < c->nf; i++)
		names[i] = c->buf + c->off[i];
	s = keep_header(c, names, c->nf, err);
	free(names);
	return s;
}

cs_status
cs_imp_csv_set_header(cs_imp_csv *c, const char *const *names, size_t n,
                      cs_error *err)
{
	/* a record already read is the first data row */
	if (c->nf > 0)
		c->row = 1;
	return keep_header(c, names, n, err);
}

size_t
cs_imp_csv_nfields(const cs_imp_csv *c)
{
	return c->nf;
}

const char *
cs_imp_csv_field(const cs_imp_csv *c, int i)
{
	if (i < 0 || (size_t)i >= c->nf)
		return "";
	return c->buf + c->off[i];
}

/* Compare ignoring case and blanks around a. */
static bool
same_name(const char *a, const char *b)
{
	size_t la, lb = strlen(b);

	while (*a == ' ' || *a == '\t')
		a++;
	la = strlen(a);
	while (la && (a[la - 1] == ' ' || a[la - 1] == '\t'))
		la--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

int
cs_imp_csv_col(const cs_imp_csv *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nhdr; i++)
		if (same_name(c->hdr[i], name))
			return (int)i;
	return -1;
}

size_t
cs_imp_csv_ncols(const cs_imp_csv *c)
{
	return c->nhdr;
}

const char *
cs_imp_csv_colname(const cs_imp_csv *c, int i)
{
	if (i < 0 || (size_t)i >= c->nhdr)
		return "?";
	return c->hdr[i];
}

int
cs_imp_csv_line(const cs_imp_csv *c)
{
	return c->rec_line;
}

long
cs_imp_csv_row(const cs_imp_csv *c)
{
	return c->row;
}

const char *
cs_imp_csv_name(const cs_imp_csv *c)
{
	return c->name;
}

cs_status
cs_imp_csv_bad(const cs_imp_csv *c, cs_error *err, cs_status status, int i,
               const char *what)
{
	char v[96], n[96];
	int line = c->rec_line, col = 0;

	if (i >= 0 && (size_t)i < c->nf) {
		line = c->fline[i];
		col = c->fcol[i];
	}
	cs_imp_printable(cs_imp_csv_field(c, i), v, sizeof v);
	cs_imp_printable(cs_imp_csv_colname(c, i), n, sizeof n);
	return cs_error_set(err, status, c->name, line, col, NULL,
	                    "row %ld: column '%s' %s: \"%s\"", c->row, n, what,
	                    v);
}

cs_status
cs_imp_csv_fail(const cs_imp_csv *c, cs_error *err, cs_status status,
                const char *fmt, ...)
{
	char m[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m, sizeof m, fmt, ap);
	va_end(ap);
	if (c->have_header && c->row > 0)
		return cs_error_set(err, status, c->name, c->rec_line, 0, NULL,
		                    "row %ld: %s", c->row, m);
	return cs_error_set(err, status, c->name, c->rec_line, 0, NULL, "%s",
	                    m);
}

cs_status
cs_imp_csv_num(const cs_imp_csv *c, int i, bool allow_empty,
               bool allow_negative, double *out, cs_error *err)
{
	const char *s = cs_imp_csv_field(c, i);
	const char *t = s;

	while (*t == ' ')
		t++;
	if (*t == '\0' || strcasecmp(t, "N/A") == 0 ||
	    strcasecmp(t, "None") == 0) {
		*out = NAN;
		if (allow_empty)
			return CS_OK;
		return cs_imp_csv_bad(c, err, CS_ERR_INVALID, i,
		                      "is empty, expected a number");
	}
	if (!cs_imp_parse_num(s, out))
		return cs_imp_csv_bad(c, err, CS_ERR_INVALID, i,
		                      "is not a number");
	if (*out < 0 && !allow_negative)
		return cs_imp_csv_bad(c, err, CS_ERR_INVALID, i,
		                      "must not be negative");
	return CS_OK;
}
