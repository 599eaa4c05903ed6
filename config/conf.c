/*
 * config — YAML into a tree of nodes that remember their position, typed
 * getters with precise errors, and command-line overrides (--set).
 *
 * The parser is libyaml's event API driven by an explicit stack, so the
 * nesting depth is bounded (MAX_DEPTH) and nothing here recurses deeper than
 * the tree, which is itself bounded by MAX_DEPTH.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "conf.h"

#define MAX_DEPTH 64     /* collections nested in one another */
#define QUOTE_MAX 48     /* characters of a value shown in a message */
#define SUGGEST_MAX 128  /* longer words get no suggestion */
#define SET_FILE "--set" /* the file named by errors about overrides */

#if defined(__GNUC__)
#define PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF(f, a)
#endif

/* ---- nodes -------------------------------------------------------------- */

static cs_conf_node *
node_new(cs_conf_kind kind)
{
	cs_conf_node *n = calloc(1, sizeof *n);

	if (n)
		n->kind = kind;
	return n;
}

static void
node_free(cs_conf_node *n)
{
	size_t i;

	if (!n)
		return;
	for (i = 0; i < n->n; i++)
		node_free(n->items[i]);
	free(n->items);
	free(n->key);
	free(n->value);
	free(n);
}

static char *
dup_n(const char *s, size_t len)
{
	char *d = malloc(len + 1);

	if (d) {
		memcpy(d, s, len);
		d[len] = '\0';
	}
	return d;
}

/* Mark a subtree as made by the override origin: no position in a file. */
static void
set_origin(cs_conf_node *n, const char *origin)
{
	size_t i;

	n->origin = origin;
	n->line = n->col = n->key_line = n->key_col = 0;
	for (i = 0; i < n->n; i++)
		set_origin(n->items[i], origin);
}

/* Child of map whose key is the len bytes at key; its index or SIZE_MAX. */
static size_t
find_key(const cs_conf_node *map, const char *key, size_t len)
{
	size_t i;

	for (i = 0; i < map->n; i++) {
		const char *k = map->items[i]->key;

		if (k && strncmp(k, key, len) == 0 && k[len] == '\0')
			return i;
	}
	return SIZE_MAX;
}

/* The "name" scalar of a sequence item (an endpoint), else its "id" (a
 * step), or NULL. */
static const char *
item_name(const cs_conf_node *item)
{
	size_t i;

	if (item->kind != CS_CONF_MAP)
		return NULL;
	i = find_key(item, "name", 4);
	if (i == SIZE_MAX)
		i = find_key(item, "id", 2);
	if (i == SIZE_MAX || item->items[i]->kind != CS_CONF_SCALAR)
		return NULL;
	return item->items[i]->value;
}

/* ---- messages ----------------------------------------------------------- */

/* Write len bytes of s into buf as a double-quoted, escaped string, cut
 * after QUOTE_MAX characters.  size should be at least 8 * QUOTE_MAX. */
static void
quote_n(char *buf, size_t size, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0, i, chars = 0;
	char esc[8];

#define PUT(ch) do { if (o + 1 < size) buf[o++] = (char)(ch); } while (0)
	if (!size)
		return;
	PUT('"');
	for (i = 0; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80 && chars++ == QUOTE_MAX) {
			PUT('.'); PUT('.'); PUT('.');
			break;
		}
		if (p[i] == '"' || p[i] == '\\') {
			PUT('\\');
			PUT(p[i]);
		} else if (p[i] < 0x20 || p[i] == 0x7f) {
			const char *e;

			if (p[i] == '\n')
				e = "\\n";
			else if (p[i] == '\t')
				e = "\\t";
			else {
				snprintf(esc, sizeof esc, "\\x%02x", p[i]);
				e = esc;
			}
			for (; *e; e++)
				PUT(*e);
		} else {
			PUT(p[i]);
		}
	}
	PUT('"');
	buf[o] = '\0';
#undef PUT
}

static void
quote(char *buf, size_t size, const char *s)
{
	quote_n(buf, size, s, strlen(s));
}

/* What a node is, for "expected X, got Y": into buf, which it returns. */
static const char *
describe(char *buf, size_t size, const cs_conf_node *n)
{
	if (n->kind == CS_CONF_MAP)
		snprintf(buf, size, "a map");
	else if (n->kind == CS_CONF_SEQ)
		snprintf(buf, size, "a sequence");
	else if (!n->value[0] && !n->quoted)
		snprintf(buf, size, "an empty value");
	else
		quote(buf, size, n->value);
	return buf;
}

/* A number as short as possible that reads back exactly; "1e6" not
 * "1e+06". */
static const char *
fmt_num(char *buf, size_t size, double v)
{
	char *e, *d, *s;
	int prec;

	for (prec = 6; prec < 17; prec++) {
		snprintf(buf, size, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	if (prec == 17)
		snprintf(buf, size, "%.17g", v);
	e = strchr(buf, 'e');
	if (e) {
		/* e+06 -> e6, e-05 -> e-5 */
		d = e + 1;
		s = d;
		if (*s == '+')
			s++;
		else if (*s == '-')
			*d++ = *s++;
		while (*s == '0' && s[1])
			s++;
		memmove(d, s, strlen(s) + 1);
	}
	return buf;
}

static cs_status
vfail(const cs_conf *c, const cs_conf_node *n, int at_key, const char *path,
      cs_status st, cs_error *err, const char *fmt, va_list ap)
{
	char msg[sizeof err->msg];

	if (!err)
		return st;
	vsnprintf(msg, sizeof msg, fmt, ap);
	if (n && n->origin)
		return cs_error_set(err, st, SET_FILE, 0, 0, n->origin, "%s",
		                    msg);
	return cs_error_set(err, st, c && c->file ? c->file : "",
	                    n ? (at_key ? n->key_line : n->line) : 0,
	                    n ? (at_key ? n->key_col : n->col) : 0, path, "%s",
	                    msg);
}

/* An invalid value at node n. */
static PRINTF(5, 6) cs_status
fail(const cs_conf *c, const cs_conf_node *n, const char *path, cs_error *err,
     const char *fmt, ...)
{
	va_list ap;
	cs_status st;

	va_start(ap, fmt);
	st = vfail(c, n, 0, path, CS_ERR_INVALID, err, fmt, ap);
	va_end(ap);
	return st;
}

/* The same, pointing at n's key. */
static PRINTF(5, 6) cs_status
fail_key(const cs_conf *c, const cs_conf_node *n, const char *path,
         cs_error *err, const char *fmt, ...)
{
	va_list ap;
	cs_status st;

	va_start(ap, fmt);
	st = vfail(c, n, 1, path, CS_ERR_INVALID, err, fmt, ap);
	va_end(ap);
	return st;
}

cs_status
cs_conf_error(const cs_conf *c, const cs_conf_node *n, const char *path,
              cs_error *err, const char *fmt, ...)
{
	va_list ap;
	cs_status st;

	va_start(ap, fmt);
	st = vfail(c, n, 0, path, CS_ERR_INVALID, err, fmt, ap);
	va_end(ap);
	return st;
}

/* ---- suggestions -------------------------------------------------------- */

static size_t
distance(const char *a, size_t la, const char *b, size_t lb)
{
	size_t row[SUGGEST_MAX + 1], i, j, diag, up;

	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		diag = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t best;

			up = row[j];
			best = diag + (tolower((unsigned char)a[i - 1]) !=
			               tolower((unsigned char)b[j - 1]));
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/*
 * Within 2 edits or a third of the length; never a word that shares nothing
 * with s (distance = strlen(s)), which would make every one-letter word a
 * suggestion for every other.
 */
const char *
cs_conf_suggest(const char *s, const char *const *choices)
{
	size_t ls, limit, best_d = SIZE_MAX, i;
	const char *best = NULL;

	if (!s || !choices)
		return NULL;
	ls = strlen(s);
	if (ls == 0 || ls > SUGGEST_MAX)
		return NULL;
	limit = ls / 3 > 2 ? ls / 3 : 2;
	for (i = 0; choices[i]; i++) {
		size_t lc = strlen(choices[i]), d;

		if (lc > SUGGEST_MAX || (lc > ls ? lc - ls : ls - lc) > limit)
			continue;
		d = distance(s, ls, choices[i], lc);
		if (d <= limit && d < ls && d < best_d) {
			best_d = d;
			best = choices[i];
		}
	}
	return best;
}

/* "a, b, c" */
static void
join(char *buf, size_t size, const char *const *words)
{
	size_t o = 0, i;

	buf[0] = '\0';
	for (i = 0; words[i] && o + 1 < size; i++) {
		int k = snprintf(buf + o, size - o, "%s%s", i ? ", " : "",
		                 words[i]);

		if (k < 0)
			break;
		o += (size_t)k;
	}
}

/* ---- paths -------------------------------------------------------------- */

static void
append(char *out, size_t size, size_t *o, const char *s)
{
	size_t l = strlen(s);

	if (*o + 1 >= size)
		return;
	if (l > size - 1 - *o)
		l = size - 1 - *o;
	memmove(out + *o, s, l);
	*o += l;
	out[*o] = '\0';
}

/* base may be out itself. */
void
cs_conf_path(char *out, size_t size, const char *base, const char *key)
{
	size_t o;

	if (!out || !size)
		return;
	o = base ? strlen(base) : 0;
	if (o > size - 1)
		o = size - 1;
	if (o && base != out)
		memmove(out, base, o);
	out[o] = '\0';
	if (o)
		append(out, size, &o, ".");
	append(out, size, &o, key ? key : "");
}

void
cs_conf_path_index(char *out, size_t size, const char *base, size_t i)
{
	char idx[32];
	size_t o;

	if (!out || !size)
		return;
	o = base ? strlen(base) : 0;
	if (o > size - 1)
		o = size - 1;
	if (o && base != out)
		memmove(out, base, o);
	out[o] = '\0';
	snprintf(idx, sizeof idx, "[%zu]", i);
	append(out, size, &o, idx);
}

/* ---- parsing ------------------------------------------------------------ */

struct frame {
	cs_conf_node *node;   /* the open map or sequence */
	size_t cap;           /* allocated node->items */
	char *key;            /* a map's key waiting for its value */
	int key_line, key_col;
	size_t *slots;        /* a map's keys: hash of item index + 1 */
	size_t nslots;
};

struct builder {
	const char *file;
	int max_depth;
	struct frame stack[MAX_DEPTH];
	int depth;
	cs_conf_node *root;
	int root_flow;        /* root is a flow-style collection */
	int ndocs;
	/* the input, to turn a reader error's byte offset into line:col */
	const unsigned char *text;
	size_t len;
	FILE *fp;
};

static void
builder_free(struct builder *b)
{
	while (b->depth > 0) {
		struct frame *f = &b->stack[--b->depth];

		free(f->key);
		free(f->slots);
	}
	node_free(b->root);
	b->root = NULL;
}

static PRINTF(5, 6) cs_status
at_mark(const struct builder *b, yaml_mark_t m, cs_status st, cs_error *err,
        const char *fmt, ...)
{
	char msg[sizeof err->msg];
	va_list ap;

	if (!err)
		return st;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return cs_error_set(err, st, b->file, (int)m.line + 1,
	                    (int)m.column + 1, "", "%s", msg);
}

static size_t
hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (size_t)h;
}

/*
 * Record key as the map's next item (index m->n).  If the map has it
 * already, *dup is that item's index.
 */
static cs_status
key_insert(struct frame *f, const char *key, size_t *dup)
{
	cs_conf_node *m = f->node;
	size_t i, h, mask;

	*dup = SIZE_MAX;
	if ((m->n + 1) * 2 > f->nslots) {
		size_t ns = f->nslots ? f->nslots * 2 : 16, *s;

		while ((m->n + 1) * 2 > ns)
			ns *= 2;
		s = calloc(ns, sizeof *s);
		if (!s)
			return CS_ERR_NOMEM;
		for (i = 0; i < m->n; i++) {
			h = hash(m->items[i]->key) & (ns - 1);
			while (s[h])
				h = (h + 1) & (ns - 1);
			s[h] = i + 1;
		}
		free(f->slots);
		f->slots = s;
		f->nslots = ns;
	}
	mask = f->nslots - 1;
	for (h = hash(key) & mask; f->slots[h]; h = (h + 1) & mask) {
		if (strcmp(m->items[f->slots[h] - 1]->key, key) == 0) {
			*dup = f->slots[h] - 1;
			return CS_OK;
		}
	}
	f->slots[h] = m->n + 1;
	return CS_OK;
}

static int
push_item(cs_conf_node *parent, size_t *cap, cs_conf_node *n)
{
	if (parent->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 4;
		cs_conf_node **p = realloc(parent->items, nc * sizeof *p);

		if (!p)
			return -1;
		parent->items = p;
		*cap = nc;
	}
	parent->items[parent->n++] = n;
	return 0;
}

/* A scalar, map or sequence start event: a key or a new node. */
static cs_status
on_node(struct builder *b, cs_conf_kind kind, const yaml_event_t *ev,
        cs_error *err)
{
	struct frame *top = b->depth ? &b->stack[b->depth - 1] : NULL;
	const char *text = NULL;
	size_t len = 0;
	cs_conf_node *n;
	int quoted = 0;

	if (kind == CS_CONF_SCALAR) {
		text = (const char *)ev->data.scalar.value;
		len = ev->data.scalar.length;
		quoted = ev->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
		         ev->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
		if (memchr(text, '\0', len))
			return at_mark(b, ev->start_mark, CS_ERR_PARSE, err,
			               "a NUL character (\\0) in a string "
			               "is not supported");
	}

	if (top && top->node->kind == CS_CONF_MAP && !top->key) {
		char q[8 * QUOTE_MAX];
		size_t dup;

		if (kind != CS_CONF_SCALAR)
			return at_mark(b, ev->start_mark, CS_ERR_PARSE, err,
			               "a map key must be a string, not %s",
			               kind == CS_CONF_MAP ? "a map" : "a sequence");
		if (key_insert(top, text, &dup) != CS_OK)
			return cs_error_set(err, CS_ERR_NOMEM, b->file, 0, 0, "",
			                    "out of memory");
		if (dup != SIZE_MAX) {
			quote(q, sizeof q, text);
			return at_mark(b, ev->start_mark, CS_ERR_PARSE, err,
			               "duplicate key %s (first defined at "
			               "line %d, column %d)", q,
			               top->node->items[dup]->key_line,
			               top->node->items[dup]->key_col);
		}
		top->key = dup_n(text, len);
		if (!top->key)
			return cs_error_set(err, CS_ERR_NOMEM, b->file, 0, 0, "",
			                    "out of memory");
		top->key_line = (int)ev->start_mark.line + 1;
		top->key_col = (int)ev->start_mark.column + 1;
		return CS_OK;
	}

	if (kind != CS_CONF_SCALAR && b->depth >= b->max_depth)
		return at_mark(b, ev->start_mark, CS_ERR_PARSE, err,
		               "nesting deeper than %d levels", MAX_DEPTH);
	/* A document holding nothing ("---" alone) is an empty document. */
	if (!top && kind == CS_CONF_SCALAR && len == 0 && !quoted &&
	    !ev->data.scalar.tag)
		return CS_OK;

	n = node_new(kind);
	if (!n)
		return cs_error_set(err, CS_ERR_NOMEM, b->file, 0, 0, "",
		                    "out of memory");
	n->line = (int)ev->start_mark.line + 1;
	n->col = (int)ev->start_mark.column + 1;
	if (kind == CS_CONF_SCALAR) {
		n->quoted = quoted;
		n->value = dup_n(text, len);
		if (!n->value) {
			free(n);
			return cs_error_set(err, CS_ERR_NOMEM, b->file, 0, 0, "",
			                    "out of memory");
		}
	}
	if (top) {
		if (top->node->kind == CS_CONF_MAP) {
			n->key = top->key;
			n->key_line = top->key_line;
			n->key_col = top->key_col;
			top->key = NULL;
		}
		if (push_item(top->node, &top->cap, n) != 0) {
			node_free(n);
			return cs_error_set(err, CS_ERR_NOMEM, b->file, 0, 0, "",
			                    "out of memory");
		}
	} else {
		b->root = n;
		if (kind == CS_CONF_MAP)
			b->root_flow = ev->data.mapping_start.style ==
			               YAML_FLOW_MAPPING_STYLE;
		else if (kind == CS_CONF_SEQ)
			b->root_flow = ev->data.sequence_start.style ==
			               YAML_FLOW_SEQUENCE_STYLE;
	}
	if (kind != CS_CONF_SCALAR) {
		struct frame *f = &b->stack[b->depth++];

		memset(f, 0, sizeof *f);
		f->node = n;
	}
	return CS_OK;
}

static cs_status
on_event(struct builder *b, const yaml_event_t *ev, int *done, cs_error *err)
{
	const yaml_char_t *anchor = NULL;
	struct frame *f;

	switch (ev->type) {
	case YAML_NO_EVENT:
	case YAML_STREAM_START_EVENT:
	case YAML_DOCUMENT_END_EVENT:
		return CS_OK;
	case YAML_STREAM_END_EVENT:
		*done = 1;
		return CS_OK;
	case YAML_DOCUMENT_START_EVENT:
		if (b->ndocs++ > 0)
			return at_mark(b, ev->start_mark, CS_ERR_PARSE, err,
			               "only one YAML document is allowed, "
			               "found a second one");
		return CS_OK;
	case YAML_ALIAS_EVENT:
		return at_mark(b, ev->start_mark, CS_ERR_PARSE, err,
		               "anchors and aliases are not supported");
	case YAML_SCALAR_EVENT:
		anchor = ev->data.scalar.anchor;
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = ev->data.sequence_start.anchor;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = ev->data.mapping_start.anchor;
		break;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		if (b->depth == 0) /* cannot happen with libyaml */
			return at_mark(b, ev->start_mark, CS_ERR_INTERNAL, err,
			               "unbalanced YAML events");
		f = &b->stack[--b->depth];
		free(f->key);
		free(f->slots);
		return CS_OK;
	}
	if (anchor)
		return at_mark(b, ev->start_mark, CS_ERR_PARSE, err,
		               "anchors and aliases are not supported");
	return on_node(b, ev->type == YAML_SCALAR_EVENT ? CS_CONF_SCALAR :
	               ev->type == YAML_MAPPING_START_EVENT ? CS_CONF_MAP :
	               CS_CONF_SEQ, ev, err);
}

/* 1-based line and column of a byte offset into the input (0 if unknown). */
static void
offset_position(const struct builder *b, size_t offset, int *line, int *col)
{
	int l = 1, cl = 1, ch;
	size_t i;

	*line = *col = 0;
	if (b->text) {
		for (i = 0; i < offset && i < b->len; i++) {
			ch = b->text[i];
			if (ch == '\n') {
				l++;
				cl = 1;
			} else if ((ch & 0xC0) != 0x80) {
				cl++;
			}
		}
	} else if (b->fp && fseek(b->fp, 0, SEEK_SET) == 0) {
		for (i = 0; i < offset && (ch = getc(b->fp)) != EOF; i++) {
			if (ch == '\n') {
				l++;
				cl = 1;
			} else if ((ch & 0xC0) != 0x80) {
				cl++;
			}
		}
	} else {
		return;
	}
	*line = l;
	*col = cl;
}

/* The byte at offset off of the input, or -1. */
static int
byte_at(const struct builder *b, size_t off)
{
	if (b->text)
		return off < b->len ? b->text[off] : -1;
	if (b->fp && fseek(b->fp, (long)off, SEEK_SET) == 0)
		return getc(b->fp);
	return -1;
}

/* The byte at 0-based line and character column, or -1. */
static int
byte_at_linecol(const struct builder *b, size_t line, size_t col)
{
	size_t off = 0, l = 0, c = 0;
	int ch;

	while (l < line) {
		if ((ch = byte_at(b, off++)) < 0)
			return -1;
		if (ch == '\n')
			l++;
	}
	for (;;) {
		if ((ch = byte_at(b, off)) < 0)
			return -1;
		if ((ch & 0xC0) != 0x80) {
			if (c == col)
				return ch;
			c++;
		}
		off++;
	}
}

/* libyaml reports a tab used for indentation as "found character that
 * cannot start any token"; say what it is. */
static int
problem_is_tab(const yaml_parser_t *p, const struct builder *b)
{
	if (!p->problem || !strstr(p->problem, "cannot start any token"))
		return 0;
	return byte_at_linecol(b, p->problem_mark.line,
	                       p->problem_mark.column) == '\t';
}

static cs_status
parser_error(const yaml_parser_t *p, const struct builder *b, int read_errno,
             cs_error *err)
{
	const char *problem = p->problem ? p->problem : "syntax error";
	int line, col;

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		return cs_error_set(err, CS_ERR_NOMEM, b->file, 0, 0, "",
		                    "out of memory while reading YAML");
	case YAML_READER_ERROR:
		if (strcmp(problem, "input error") == 0)
			return cs_error_set(err, CS_ERR_IO, b->file, 0, 0, "",
			                    "cannot read: %s",
			                    read_errno ? strerror(read_errno) :
			                    "input error");
		if (strstr(problem, "trailing")) {
			/* libyaml points at the byte after a bad lead byte: name
			 * the lead byte, where it is (Latin-1 text, typically) */
			size_t off = p->problem_offset, k;

			for (k = 1; k <= 3 && k <= off; k++) {
				int ch = byte_at(b, off - k);

				if (ch >= 0 && (ch & 0xC0) == 0xC0) {
					offset_position(b, off - k, &line, &col);
					return cs_error_set(err, CS_ERR_PARSE, b->file,
					    line, col, "", "invalid UTF-8: byte 0x%02X "
					    "does not start a valid sequence (is the "
					    "file Latin-1? save it as UTF-8)",
					    (unsigned)ch);
				}
			}
		}
		offset_position(b, p->problem_offset, &line, &col);
		if (p->problem_value == -1)
			return cs_error_set(err, CS_ERR_PARSE, b->file, line, col,
			                    "", "%s", problem);
		return cs_error_set(err, CS_ERR_PARSE, b->file, line, col, "",
		                    strstr(problem, "octet") ?
		                    "%s (byte 0x%02X)" : "%s (U+%04X)",
		                    problem, (unsigned)p->problem_value);
	default:
		break;
	}
	line = (int)p->problem_mark.line + 1;
	col = (int)p->problem_mark.column + 1;
	if (problem_is_tab(p, b))
		return cs_error_set(err, CS_ERR_PARSE, b->file, line, col, "",
		    "a tab character here: YAML indents with spaces only");
	if (p->context)
		return cs_error_set(err, CS_ERR_PARSE, b->file, line, col, "",
		                    "%s (%s at line %d, column %d)", problem,
		                    p->context, (int)p->context_mark.line + 1,
		                    (int)p->context_mark.column + 1);
	return cs_error_set(err, CS_ERR_PARSE, b->file, line, col, "", "%s",
	                    problem);
}

/* Run the parser to the end of the stream into b->root. */
static cs_status
build(yaml_parser_t *p, struct builder *b, cs_error *err)
{
	yaml_event_t ev;
	cs_status st;
	int done = 0;

	while (!done) {
		errno = 0;
		if (!yaml_parser_parse(p, &ev))
			return parser_error(p, b, errno, err);
		st = on_event(b, &ev, &done, err);
		yaml_event_delete(&ev);
		if (st != CS_OK)
			return st;
	}
	return CS_OK;
}

/* Parse text (or fp when text is NULL) into *root. */
static cs_status
parse_tree(const char *text, size_t len, FILE *fp, const char *file,
           int max_depth, cs_conf_node **root, int *root_flow, cs_error *err)
{
	yaml_parser_t p;
	struct builder b;
	cs_status st;

	memset(&b, 0, sizeof b);
	b.file = file;
	b.max_depth = max_depth;
	if (!yaml_parser_initialize(&p))
		return cs_error_set(err, CS_ERR_NOMEM, file, 0, 0, "",
		                    "out of memory");
	if (text) {
		b.text = (const unsigned char *)text;
		b.len = len;
		yaml_parser_set_input_string(&p, b.text, len);
	} else {
		b.fp = fp;
		yaml_parser_set_input_file(&p, fp);
	}
	st = build(&p, &b, err);
	yaml_parser_delete(&p);
	if (st == CS_OK) {
		*root = b.root;
		if (root_flow)
			*root_flow = b.root_flow;
		b.root = NULL;
	}
	builder_free(&b);
	return st;
}

static cs_conf *
conf_new(const char *name)
{
	cs_conf *c = calloc(1, sizeof *c);

	if (!c)
		return NULL;
	c->file = dup_n(name, strlen(name));
	if (!c->file) {
		free(c);
		return NULL;
	}
	return c;
}

cs_status
cs_conf_parse_string(const char *text, size_t len, const char *name,
                     cs_conf **out, cs_error *err)
{
	cs_conf *c;
	cs_status st;

	*out = NULL;
	if (!name)
		name = "<string>";
	if (!text) {
		if (len)
			return cs_error_set(err, CS_ERR_INTERNAL, name, 0, 0, "",
			                    "NULL text of length %zu", len);
		text = "";
	}
	c = conf_new(name);
	if (!c)
		return cs_error_set(err, CS_ERR_NOMEM, name, 0, 0, "",
		                    "out of memory");
	st = parse_tree(text, len, NULL, c->file, MAX_DEPTH, &c->root, NULL,
	                err);
	if (st != CS_OK) {
		cs_conf_free(c);
		return st;
	}
	*out = c;
	return CS_OK;
}

cs_status
cs_conf_parse_file(const char *path, cs_conf **out, cs_error *err)
{
	cs_conf *c;
	cs_status st;
	FILE *fp;

	*out = NULL;
	fp = fopen(path, "rb");
	if (!fp)
		return cs_error_set(err, CS_ERR_IO, path, 0, 0, "",
		                    "cannot open: %s", strerror(errno));
	c = conf_new(path);
	if (!c) {
		fclose(fp);
		return cs_error_set(err, CS_ERR_NOMEM, path, 0, 0, "",
		                    "out of memory");
	}
	st = parse_tree(NULL, 0, fp, c->file, MAX_DEPTH, &c->root, NULL, err);
	fclose(fp);
	if (st != CS_OK) {
		cs_conf_free(c);
		return st;
	}
	*out = c;
	return CS_OK;
}

void
cs_conf_free(cs_conf *c)
{
	size_t i;

	if (!c)
		return;
	node_free(c->root);
	for (i = 0; i < c->nsets; i++)
		free(c->sets[i]);
	free(c->sets);
	free(c->file);
	free(c);
}

/* ---- overrides ---------------------------------------------------------- */

static PRINTF(3, 4) cs_status
usage(cs_error *err, const char *assignment, const char *fmt, ...)
{
	char msg[sizeof err->msg];
	va_list ap;

	if (!err)
		return CS_ERR_USAGE;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return cs_error_set(err, CS_ERR_USAGE, SET_FILE, 0, 0, assignment, "%s",
	                    msg);
}

static int
is_blank(int ch)
{
	return ch == ' ' || ch == '\t';
}

/*
 * The value of an assignment as a tree.  Text starting with '[' or '{' must
 * be a flow collection; other text that YAML reads as one scalar is that
 * scalar ("'a b'" -> a b, "450ms"); anything else is taken literally.
 */
static cs_status
parse_value(const char *text, int max_depth, const char *assignment,
            cs_conf_node **out, cs_error *err)
{
	const char *s = text;
	cs_conf_node *root = NULL, *n;
	cs_error e;
	cs_status st;
	int flow = 0;

	*out = NULL;
	while (is_blank(*s))
		s++;
	if (*s) {
		st = parse_tree(text, strlen(text), NULL, SET_FILE, max_depth,
		                &root, &flow, &e);
		if (st == CS_ERR_NOMEM)
			return cs_error_set(err, st, SET_FILE, 0, 0, assignment,
			                    "out of memory");
		if (*s == '[' || *s == '{') {
			if (st != CS_OK)
				return usage(err, assignment,
				             "in the value, column %d: %s", e.col,
				             e.msg);
			if (root && root->kind != CS_CONF_SCALAR && flow) {
				*out = root;
				return CS_OK;
			}
			node_free(root);
			return usage(err, assignment, "the value is not a "
			             "flow map or sequence (quote it to set a "
			             "string)");
		}
		if (st == CS_OK && root && root->kind == CS_CONF_SCALAR) {
			*out = root;
			return CS_OK;
		}
		node_free(root);
	}
	/* Literal text. */
	n = node_new(CS_CONF_SCALAR);
	if (n)
		n->value = dup_n(*s ? text : "", *s ? strlen(text) : 0);
	if (!n || !n->value) {
		free(n);
		return cs_error_set(err, CS_ERR_NOMEM, SET_FILE, 0, 0, assignment,
		                    "out of memory");
	}
	*out = n;
	return CS_OK;
}

/* Segment i of the path: its start and length. */
struct seg {
	const char *s;
	size_t len;
};

static int
seg_index(const struct seg *g, size_t *idx)
{
	size_t i, v = 0;

	if (g->len == 0 || g->len > 18)
		return 0;
	for (i = 0; i < g->len; i++) {
		if (!isdigit((unsigned char)g->s[i]))
			return 0;
		v = v * 10 + (size_t)(g->s[i] - '0');
	}
	*idx = v;
	return 1;
}

/* 'no item named "x" in "services" (did you mean "ai"?)' */
static cs_status
no_such_name(const cs_conf_node *seq, const struct seg *g,
             const char *where, cs_error *err, const char *assignment)
{
	const char **names, *sugg = NULL;
	char q[8 * QUOTE_MAX], *word;
	size_t i, k = 0;

	quote_n(q, sizeof q, g->s, g->len);
	names = malloc((seq->n + 1) * sizeof *names);
	word = dup_n(g->s, g->len);
	if (!names || !word) {
		free(names);
		free(word);
		return cs_error_set(err, CS_ERR_NOMEM, SET_FILE, 0, 0, assignment,
		                    "out of memory");
	}
	for (i = 0; i < seq->n; i++)
		if (item_name(seq->items[i]))
			names[k++] = item_name(seq->items[i]);
	names[k] = NULL;
	sugg = cs_conf_suggest(word, names);
	free(names);
	free(word);
	if (sugg)
		return usage(err, assignment, "no item named %s in %s (did you "
		             "mean \"%s\"?)", q, where, sugg);
	return usage(err, assignment, "no item named %s in %s (it has %zu "
	             "items; use an index or an item's name)", q, where,
	             seq->n);
}

cs_conf_node *
cs_conf_walk(cs_conf_node *root, const char *path, size_t len,
             cs_conf_node **last, size_t *matched)
{
	cs_conf_node *cur = root;
	const char *p = path, *end = path + len;
	size_t n = 0, idx;

	if (last)
		*last = root;
	if (matched)
		*matched = 0;
	while (cur) {
		const char *dot = memchr(p, '.', (size_t)(end - p));
		struct seg g = { p, (size_t)((dot ? dot : end) - p) };

		if (g.len == 0)
			return NULL;
		if (cur->kind == CS_CONF_MAP) {
			idx = find_key(cur, g.s, g.len);
			if (idx == SIZE_MAX)
				return NULL;
		} else if (cur->kind == CS_CONF_SEQ) {
			if (seg_index(&g, &idx)) {
				if (idx >= cur->n)
					return NULL;
			} else {
				for (idx = 0; idx < cur->n; idx++) {
					const char *nm = item_name(cur->items[idx]);

					if (nm && strncmp(nm, g.s, g.len) == 0 &&
					    nm[g.len] == '\0')
						break;
				}
				if (idx == cur->n)
					return NULL;
			}
		} else {
			return NULL;
		}
		cur = cur->items[idx];
		n++;
		if (last)
			*last = cur;
		if (matched)
			*matched = n;
		if (!dot)
			return cur;
		p = dot + 1;
	}
	return NULL;
}

cs_status
cs_conf_set(cs_conf *c, const char *assignment, cs_error *err)
{
	struct seg segs[MAX_DEPTH];
	const char *eq, *p, *end;
	char where[8 * QUOTE_MAX], q[8 * QUOTE_MAX];
	cs_conf_node *cur, **slot = NULL, *value = NULL, *head = NULL, *tail;
	cs_conf_node *newroot = NULL;
	char *origin, **sets;
	size_t nseg = 0, i, idx;
	cs_status st;

	if (!c || !assignment)
		return usage(err, "", "missing assignment");
	eq = strchr(assignment, '=');
	if (!eq)
		return usage(err, assignment, "expected path=value, e.g. "
		             "\"pool.size=20\"");
	p = assignment;
	end = eq;
	while (p < end && is_blank(*p))
		p++;
	while (end > p && is_blank(end[-1]))
		end--;
	if (p == end)
		return usage(err, assignment, "empty path before \"=\"");
	for (;;) {
		const char *dot = memchr(p, '.', (size_t)(end - p));
		const char *stop = dot ? dot : end;

		if (stop == p)
			return usage(err, assignment, "empty key in the path "
			             "(\"a..b\", \".a\" or \"a.\")");
		if (nseg == MAX_DEPTH - 1)
			return usage(err, assignment, "path deeper than %d "
			             "levels", MAX_DEPTH - 1);
		segs[nseg].s = p;
		segs[nseg].len = (size_t)(stop - p);
		nseg++;
		if (!dot)
			break;
		p = dot + 1;
	}

	/*
	 * Walk the existing tree.  Afterwards either slot is the node to
	 * replace, or cur is the map (NULL: the absent root) under which
	 * segments i.. are to be created.
	 */
	cur = c->root;
	for (i = 0; cur && i < nseg; i++) {
		const struct seg *g = &segs[i];
		int last = i == nseg - 1;

		if (i == 0)
			snprintf(where, sizeof where, "the document");
		else
			quote_n(where, sizeof where, segs[0].s,
			        (size_t)(segs[i - 1].s + segs[i - 1].len -
			                 segs[0].s));
		if (cur->kind == CS_CONF_MAP) {
			idx = find_key(cur, g->s, g->len);
			if (idx == SIZE_MAX)
				break;
		} else if (cur->kind == CS_CONF_SEQ) {
			if (seg_index(g, &idx)) {
				if (idx >= cur->n)
					return usage(err, assignment, "index %zu "
					             "is out of range: %s has %zu "
					             "item%s", idx, where, cur->n,
					             cur->n == 1 ? "" : "s");
			} else {
				for (idx = 0; idx < cur->n; idx++) {
					const char *nm = item_name(cur->items[idx]);

					if (nm && strncmp(nm, g->s, g->len) == 0 &&
					    nm[g->len] == '\0')
						break;
				}
				if (idx == cur->n)
					return no_such_name(cur, g, where, err,
					                    assignment);
			}
		} else {
			return usage(err, assignment, "%s is %s, not a map or "
			             "a sequence", where, describe(q, sizeof q, cur));
		}
		if (last) {
			slot = &cur->items[idx];
			break;
		}
		cur = cur->items[idx];
	}

	origin = dup_n(assignment, strlen(assignment));
	sets = origin ? realloc(c->sets, (c->nsets + 1) * sizeof *sets) : NULL;
	if (!sets) {
		free(origin);
		return cs_error_set(err, CS_ERR_NOMEM, SET_FILE, 0, 0, assignment,
		                    "out of memory");
	}
	c->sets = sets;

	st = parse_value(eq + 1, MAX_DEPTH - (int)nseg, assignment, &value,
	                 err);
	if (st != CS_OK) {
		free(origin);
		return st;
	}
	set_origin(value, origin);

	if (slot) {
		value->key = (*slot)->key;
		(*slot)->key = NULL;
		node_free(*slot);
		*slot = value;
		c->sets[c->nsets++] = origin;
		return CS_OK;
	}

	/* Build segments i.. as a chain of new maps ending in value. */
	value->key = dup_n(segs[nseg - 1].s, segs[nseg - 1].len);
	if (!value->key)
		goto nomem;
	head = value;
	while (nseg - 1 > i) {
		cs_conf_node *m = node_new(CS_CONF_MAP);

		nseg--;
		if (!m)
			goto nomem;
		m->items = malloc(sizeof *m->items);
		m->key = dup_n(segs[nseg - 1].s, segs[nseg - 1].len);
		if (!m->items || !m->key) {
			node_free(m);
			goto nomem;
		}
		m->items[0] = head;
		m->n = 1;
		set_origin(m, origin);
		head = m;
	}
	if (!cur) {
		newroot = node_new(CS_CONF_MAP);
		if (!newroot)
			goto nomem;
		set_origin(newroot, origin);
		cur = newroot;
	}
	tail = head;
	{
		cs_conf_node **items = realloc(cur->items,
		                               (cur->n + 1) * sizeof *items);

		if (!items)
			goto nomem;
		cur->items = items;
		cur->items[cur->n++] = tail;
	}
	if (newroot)
		c->root = newroot;
	c->sets[c->nsets++] = origin;
	return CS_OK;

nomem:
	node_free(newroot);
	node_free(head ? head : value);
	free(origin);
	return cs_error_set(err, CS_ERR_NOMEM, SET_FILE, 0, 0, assignment,
	                    "out of memory");
}

/* ---- getters ------------------------------------------------------------ */

cs_conf_node *
cs_conf_get(const cs_conf_node *map, const char *key)
{
	cs_conf_node *n;
	size_t i;

	if (!map || !key || map->kind != CS_CONF_MAP)
		return NULL;
	i = find_key(map, key, strlen(key));
	if (i == SIZE_MAX)
		return NULL;
	n = map->items[i];
	n->used = true;
	return n;
}

static void
mark_used(const cs_conf_node *n)
{
	((cs_conf_node *)n)->used = true;
}

/* n's text if it is a scalar, else "expected <what>, got a map". */
static cs_status
scalar_of(const cs_conf *c, const cs_conf_node *n, const char *path,
          const char *what, const char **s, cs_error *err)
{
	char q[8 * QUOTE_MAX];

	mark_used(n);
	if (n->kind != CS_CONF_SCALAR)
		return fail(c, n, path, err, "expected %s, got %s", what,
		            describe(q, sizeof q, n));
	*s = n->value;
	return CS_OK;
}

/* Length of the decimal number that starts s: [+-]d[.d][e[+-]d], or 0. */
static size_t
number_len(const char *s)
{
	size_t i = 0, digits = 0, j;

	if (s[i] == '+' || s[i] == '-')
		i++;
	for (; isdigit((unsigned char)s[i]); i++)
		digits++;
	if (s[i] == '.')
		for (i++; isdigit((unsigned char)s[i]); i++)
			digits++;
	if (!digits)
		return 0;
	if (s[i] == 'e' || s[i] == 'E') {
		j = i + 1;
		if (s[j] == '+' || s[j] == '-')
			j++;
		if (isdigit((unsigned char)s[j])) {
			while (isdigit((unsigned char)s[j]))
				j++;
			i = j;
		}
	}
	return i;
}

/*
 * The number at the start of s into *v, *len its length.  0: ok; -1: no
 * number; -2: too large for a double.
 */
static int
lead_number(const char *s, double *v, size_t *len)
{
	char *end;

	*len = number_len(s);
	if (!*len)
		return -1;
	*v = strtod(s, &end);
	if (end != s + *len)
		return -1;
	if (!isfinite(*v))
		return -2;
	return 0;
}

static cs_status
bounds(const cs_conf *c, const cs_conf_node *n, const char *path, double v,
       double lo, double hi, const char *unit, cs_error *err)
{
	char a[40], b[40];

	if (v < lo)
		return fail(c, n, path, err, "must be >= %s%s (got %s%s)",
		            fmt_num(a, sizeof a, lo), unit,
		            fmt_num(b, sizeof b, v), unit);
	if (v > hi)
		return fail(c, n, path, err, "must be <= %s%s (got %s%s)",
		            fmt_num(a, sizeof a, hi), unit,
		            fmt_num(b, sizeof b, v), unit);
	return CS_OK;
}

cs_status
cs_conf_number(const cs_conf *c, const cs_conf_node *n, const char *path,
               double lo, double hi, double *out, cs_error *err)
{
	char q[8 * QUOTE_MAX];
	const char *s = NULL;
	cs_status st;
	size_t len;
	double v;
	int r;

	st = scalar_of(c, n, path, "a number", &s, err);
	if (st != CS_OK)
		return st;
	describe(q, sizeof q, n);
	r = lead_number(s, &v, &len);
	if (r == -1 || s[len])
		return fail(c, n, path, err, "expected a number, got %s", q);
	if (r == -2)
		return fail(c, n, path, err, "number out of range: %s", q);
	st = bounds(c, n, path, v, lo, hi, "", err);
	if (st == CS_OK)
		*out = v;
	return st;
}

cs_status
cs_conf_int(const cs_conf *c, const cs_conf_node *n, const char *path,
            long lo, long hi, long *out, cs_error *err)
{
	const double lim = ldexp(1.0, (int)(sizeof(long) * CHAR_BIT - 1));
	char q[8 * QUOTE_MAX];
	const char *s = NULL;
	cs_status st;
	size_t len;
	double d;
	long v;
	int r;

	st = scalar_of(c, n, path, "an integer", &s, err);
	if (st != CS_OK)
		return st;
	describe(q, sizeof q, n);
	r = lead_number(s, &d, &len);
	if (r == -1 || s[len])
		return fail(c, n, path, err, "expected an integer, got %s", q);
	if (strcspn(s, ".eE") == len) {
		char *end;

		errno = 0;
		v = strtol(s, &end, 10);
		if (errno == ERANGE)
			return fail(c, n, path, err, "must be between %ld and %ld "
			            "(got %s)", lo, hi, q);
	} else {
		/* "1e3" and "2.0" are whole numbers; "1.5" is not. */
		if (r == -2)
			return fail(c, n, path, err, "must be between %ld and %ld "
			            "(got %s)", lo, hi, q);
		if (d != floor(d))
			return fail(c, n, path, err, "expected an integer, "
			            "got %s", q);
		if (d < -lim || d >= lim)
			return fail(c, n, path, err, "must be between %ld and %ld "
			            "(got %s)", lo, hi, q);
		v = (long)d;
	}
	if (v < lo)
		return fail(c, n, path, err, "must be >= %ld (got %ld)", lo, v);
	if (v > hi)
		return fail(c, n, path, err, "must be <= %ld (got %ld)", hi, v);
	*out = v;
	return CS_OK;
}

static int
same_ci(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return 0;
	return *a == *b;
}

cs_status
cs_conf_bool(const cs_conf *c, const cs_conf_node *n, const char *path,
             bool *out, cs_error *err)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };
	char q[8 * QUOTE_MAX];
	const char *s = NULL;
	cs_status st;
	size_t i;

	st = scalar_of(c, n, path, "true or false", &s, err);
	if (st != CS_OK)
		return st;
	for (i = 0; i < 3; i++) {
		if (same_ci(s, yes[i])) {
			*out = true;
			return CS_OK;
		}
		if (same_ci(s, no[i])) {
			*out = false;
			return CS_OK;
		}
	}
	quote(q, sizeof q, s);
	return fail(c, n, path, err, "expected true or false, got %s", q);
}

struct unit {
	const char *name;
	double seconds;
};

static const struct unit duration_units[] = {
	{ "us", 1e-6 }, { "\xc2\xb5s", 1e-6 }, { "\xce\xbcs", 1e-6 },
	{ "ms", 1e-3 }, { "s", 1 }, { "sec", 1 }, { "m", 60 }, { "min", 60 },
	{ "h", 3600 }, { NULL, 0 }
};

static const struct unit rate_units[] = {
	{ "s", 1 }, { "sec", 1 }, { "m", 60 }, { "min", 60 }, { "h", 3600 },
	{ NULL, 0 }
};

static const struct unit *
find_unit(const struct unit *units, const char *s)
{
	for (; units->name; units++)
		if (strcmp(units->name, s) == 0)
			return units;
	return NULL;
}

/* k6's compound durations: "1m30s", "1h2m3s", "4m50s" (two or more
 * number-unit parts, each part's number non-negative).  -1 if not one. */
static int
compound_duration(const char *s, double *out)
{
	double total = 0;
	int parts = 0;

	while (*s) {
		char word[8], *end;
		const struct unit *u;
		size_t k = 0;
		double v;

		if (!isdigit((unsigned char)*s) && *s != '.')
			return -1;
		v = strtod(s, &end);
		if (end == s || !(v >= 0))
			return -1;
		s = end;
		while (isalpha((unsigned char)*s) && k < sizeof word - 1)
			word[k++] = *s++;
		word[k] = 0;
		if (!k || !(u = find_unit(duration_units, word)))
			return -1;
		total += v * u->seconds;
		parts++;
	}
	if (parts < 2 || !isfinite(total))
		return -1;
	*out = total;
	return 0;
}

cs_status
cs_conf_duration(const cs_conf *c, const cs_conf_node *n, const char *path,
                 double lo, double hi, double *out, cs_error *err)
{
	char q[8 * QUOTE_MAX], qu[8 * QUOTE_MAX];
	const struct unit *u;
	const char *s = NULL, *rest;
	cs_status st;
	size_t len;
	double v;
	int r;

	st = scalar_of(c, n, path, "a duration", &s, err);
	if (st != CS_OK)
		return st;
	describe(q, sizeof q, n);
	r = lead_number(s, &v, &len);
	if (r == -1)
		return fail(c, n, path, err, "expected a duration such as "
		            "\"450ms\" or \"2s\", got %s", q);
	if (r == -2)
		return fail(c, n, path, err, "duration out of range: %s", q);
	for (rest = s + len; is_blank(*rest); rest++)
		;
	if (!*rest) {
		if (v != 0)
			return fail(c, n, path, err, "%s has no unit: add a unit, "
			            "e.g. \"450ms\" or \"2s\"", q);
		u = NULL;
	} else {
		u = find_unit(duration_units, rest);
		if (!u && compound_duration(s, &v) == 0)
			goto checked;
		if (!u) {
			quote(qu, sizeof qu, rest);
			return fail(c, n, path, err, "unknown unit %s in %s (use "
			            "us, ms, s, m, min or h, or k6's 1m30s)", qu, q);
		}
		v *= u->seconds;
		if (!isfinite(v))
			return fail(c, n, path, err, "duration out of range: %s",
			            q);
	}
checked:
	st = bounds(c, n, path, v, lo, hi, "s", err);
	if (st == CS_OK)
		*out = v;
	return st;
}

cs_status
cs_conf_rate(const cs_conf *c, const cs_conf_node *n, const char *path,
             double lo, double hi, double *out, cs_error *err)
{
	char q[8 * QUOTE_MAX], qu[8 * QUOTE_MAX];
	const struct unit *u;
	const char *s = NULL, *rest;
	cs_status st;
	size_t len;
	double v;
	int r;

	st = scalar_of(c, n, path, "a rate", &s, err);
	if (st != CS_OK)
		return st;
	describe(q, sizeof q, n);
	r = lead_number(s, &v, &len);
	if (r == -1)
		return fail(c, n, path, err, "expected a rate such as \"60/s\" or "
		            "\"3600/h\", got %s", q);
	if (r == -2)
		return fail(c, n, path, err, "rate out of range: %s", q);
	for (rest = s + len; is_blank(*rest); rest++)
		;
	if (*rest) {
		if (*rest != '/')
			return fail(c, n, path, err, "expected a rate such as "
			            "\"60/s\" or \"3600/h\", got %s", q);
		for (rest++; is_blank(*rest); rest++)
			;
		u = find_unit(rate_units, rest);
		if (!u) {
			quote(qu, sizeof qu, rest);
			return fail(c, n, path, err, "unknown unit %s in %s (use "
			            "/s, /m, /min or /h)", qu, q);
		}
		v /= u->seconds;
	}
	st = bounds(c, n, path, v, lo, hi, "/s", err);
	if (st == CS_OK)
		*out = v;
	return st;
}

cs_status
cs_conf_ratio(const cs_conf *c, const cs_conf_node *n, const char *path,
              double *out, cs_error *err)
{
	char q[8 * QUOTE_MAX], g[40];
	const char *s = NULL, *rest;
	cs_status st;
	size_t len;
	double v;
	int r;

	st = scalar_of(c, n, path, "a ratio", &s, err);
	if (st != CS_OK)
		return st;
	describe(q, sizeof q, n);
	r = lead_number(s, &v, &len);
	for (rest = s + len; r != -1 && is_blank(*rest); rest++)
		;
	if (r == -1 || (*rest && (*rest != '%' || rest[1])))
		return fail(c, n, path, err, "expected a ratio such as \"0.87\" "
		            "or \"87%%\", got %s", q);
	if (r == -2)
		return fail(c, n, path, err, "ratio out of range: %s", q);
	if (*rest)
		v /= 100;
	if (!(v >= 0 && v <= 1))
		return fail(c, n, path, err, "must be between 0 and 1 (or 0%% "
		            "and 100%%) (got %.40s)", s);
	(void)g;
	*out = v;
	return CS_OK;
}

cs_status
cs_conf_string(const cs_conf *c, const cs_conf_node *n, const char *path,
               const char **out, cs_error *err)
{
	return scalar_of(c, n, path, "a string", out, err);
}

cs_status
cs_conf_enum(const cs_conf *c, const cs_conf_node *n, const char *path,
             const char *const *choices, int *out, cs_error *err)
{
	char list[512], what[600], q[8 * QUOTE_MAX];
	const char *s = NULL, *sugg;
	cs_status st;
	int i;

	if (!choices)
		return cs_error_set(err, CS_ERR_INTERNAL, c ? c->file : "", 0, 0,
		                    path, "cs_conf_enum: no choices");
	join(list, sizeof list, choices);
	snprintf(what, sizeof what, "one of: %s", list);
	st = scalar_of(c, n, path, what, &s, err);
	if (st != CS_OK)
		return st;
	for (i = 0; choices[i]; i++) {
		if (strcmp(s, choices[i]) == 0) {
			*out = i;
			return CS_OK;
		}
	}
	quote(q, sizeof q, s);
	sugg = cs_conf_suggest(s, choices);
	if (sugg)
		return fail(c, n, path, err, "expected one of: %s (got %s) "
		            "\xe2\x80\x94 did you mean \"%s\"?", list, q, sugg);
	return fail(c, n, path, err, "expected one of: %s (got %s)", list, q);
}

cs_status
cs_conf_expect_map(const cs_conf *c, const cs_conf_node *n, const char *path,
                   cs_error *err)
{
	char q[8 * QUOTE_MAX];

	if (n->kind == CS_CONF_MAP)
		return CS_OK;
	return fail(c, n, path, err, "expected a map, got %s",
	            describe(q, sizeof q, n));
}

cs_status
cs_conf_expect_seq(const cs_conf *c, const cs_conf_node *n, const char *path,
                   cs_error *err)
{
	char q[8 * QUOTE_MAX];

	if (n->kind == CS_CONF_SEQ)
		return CS_OK;
	return fail(c, n, path, err, "expected a sequence, got %s",
	            describe(q, sizeof q, n));
}

cs_status
cs_conf_check_keys(const cs_conf *c, const cs_conf_node *map,
                   const char *path, const char *const *allowed,
                   cs_error *err)
{
	char q[8 * QUOTE_MAX], list[512];
	cs_status st;
	size_t i, j;

	st = cs_conf_expect_map(c, map, path, err);
	if (st != CS_OK)
		return st;
	for (i = 0; i < map->n; i++) {
		const cs_conf_node *k = map->items[i];
		const char *sugg;

		if (!k->key)
			continue;
		for (j = 0; allowed && allowed[j]; j++)
			if (strcmp(k->key, allowed[j]) == 0)
				break;
		if (allowed && allowed[j])
			continue;
		quote(q, sizeof q, k->key);
		sugg = cs_conf_suggest(k->key, allowed);
		if (sugg)
			return fail_key(c, k, path, err, "unknown key %s (did you "
			                "mean \"%s\"?)", q, sugg);
		if (!allowed || !allowed[0])
			return fail_key(c, k, path, err, "unknown key %s (no keys "
			                "are allowed here)", q);
		join(list, sizeof list, allowed);
		return fail_key(c, k, path, err, "unknown key %s (allowed: %s)",
		                q, list);
	}
	return CS_OK;
}
