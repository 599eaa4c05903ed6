/* Tests for config/conf.c: parsing, positions, getters, --set overrides. */
#include <check.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/conf.h"
#include "harness.h"

/* ---- helpers ------------------------------------------------------------ */

static cs_conf *
parse(const char *text)
{
	cs_conf *c = NULL;
	cs_error e;
	cs_status st;

	memset(&e, 0, sizeof e);
	st = cs_conf_parse_string(text, strlen(text), "test.yaml", &c, &e);
	ck_assert_msg(st == CS_OK, "parse failed: %d:%d: %s", e.line, e.col,
	              e.msg);
	ck_assert_ptr_nonnull(c);
	return c;
}

/* Parse text that must fail; returns the status, fills e. */
static cs_status
parse_fail_n(const char *text, size_t len, cs_error *e)
{
	cs_conf *c = (cs_conf *)1;
	cs_status st;

	memset(e, 0, sizeof *e);
	st = cs_conf_parse_string(text, len, "bad.yaml", &c, e);
	ck_assert_int_ne(st, CS_OK);
	ck_assert_ptr_null(c);
	ck_assert_str_eq(e->file, "bad.yaml");
	ck_assert(e->msg[0] != '\0');
	return st;
}

static cs_status
parse_fail(const char *text, cs_error *e)
{
	return parse_fail_n(text, strlen(text), e);
}


/* A one-key document "v: <text>" and the node of v. */
static cs_conf_node *
value_of(cs_conf **c, const char *yaml)
{
	cs_conf_node *n;

	*c = parse(yaml);
	n = cs_conf_get((*c)->root, "v");
	ck_assert_ptr_nonnull(n);
	return n;
}

/* Write text to a new temporary file; returns its malloc'd name. */
static char *
write_tmp(const char *text, size_t len)
{
	const char *dir = getenv("TMPDIR");
	char *name = malloc(512);
	FILE *f;
	int fd;

	ck_assert_ptr_nonnull(name);
	snprintf(name, 512, "%s/test-conf-XXXXXX", dir && *dir ? dir : "/tmp");
	fd = mkstemp(name);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	return name;
}

/* A small deterministic generator for garbage input. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* ---- parsing ------------------------------------------------------------ */

START_TEST(conf_parse_records_positions)
{
	const char *y =
		"name: demo\n"
		"db:\n"
		"  pool: 20\n"
		"  hosts: [a, \"b\"]\n"
		"list:\n"
		"  - x\n"
		"  - k: v\n";
	cs_conf *c = parse(y);
	cs_conf_node *r = c->root, *n, *db, *hosts, *list;

	ck_assert_str_eq(c->file, "test.yaml");
	ck_assert_int_eq(r->kind, CS_CONF_MAP);
	ck_assert_uint_eq(r->n, 3);
	ck_assert_int_eq(r->line, 1);
	ck_assert_int_eq(r->col, 1);
	ck_assert_ptr_null(r->key);

	n = r->items[0];
	ck_assert_str_eq(n->key, "name");
	ck_assert_str_eq(n->value, "demo");
	ck_assert_int_eq(n->kind, CS_CONF_SCALAR);
	ck_assert_int_eq(n->key_line, 1);
	ck_assert_int_eq(n->key_col, 1);
	ck_assert_int_eq(n->line, 1);
	ck_assert_int_eq(n->col, 7);
	ck_assert(!n->quoted);
	ck_assert_ptr_null(n->origin);

	db = r->items[1];
	ck_assert_str_eq(db->key, "db");
	ck_assert_int_eq(db->kind, CS_CONF_MAP);
	ck_assert_int_eq(db->key_line, 2);
	ck_assert_int_eq(db->key_col, 1);
	ck_assert_int_eq(db->line, 3);
	ck_assert_int_eq(db->col, 3);
	ck_assert_uint_eq(db->n, 2);
	ck_assert_str_eq(db->items[0]->key, "pool");
	ck_assert_str_eq(db->items[0]->value, "20");
	ck_assert_int_eq(db->items[0]->key_line, 3);
	ck_assert_int_eq(db->items[0]->key_col, 3);
	ck_assert_int_eq(db->items[0]->line, 3);
	ck_assert_int_eq(db->items[0]->col, 9);

	hosts = db->items[1];
	ck_assert_int_eq(hosts->kind, CS_CONF_SEQ);
	ck_assert_int_eq(hosts->line, 4);
	ck_assert_int_eq(hosts->col, 10);
	ck_assert_uint_eq(hosts->n, 2);
	ck_assert_str_eq(hosts->items[0]->value, "a");
	ck_assert_int_eq(hosts->items[0]->col, 11);
	ck_assert(!hosts->items[0]->quoted);
	ck_assert_ptr_null(hosts->items[0]->key);
	ck_assert_int_eq(hosts->items[0]->key_line, 0);
	ck_assert_str_eq(hosts->items[1]->value, "b");
	ck_assert_int_eq(hosts->items[1]->col, 14);
	ck_assert(hosts->items[1]->quoted);

	list = r->items[2];
	ck_assert_int_eq(list->kind, CS_CONF_SEQ);
	ck_assert_int_eq(list->line, 6);
	ck_assert_int_eq(list->col, 3);
	ck_assert_str_eq(list->items[0]->value, "x");
	ck_assert_int_eq(list->items[0]->line, 6);
	ck_assert_int_eq(list->items[0]->col, 5);
	n = list->items[1];
	ck_assert_int_eq(n->kind, CS_CONF_MAP);
	ck_assert_int_eq(n->line, 7);
	ck_assert_int_eq(n->col, 5);
	ck_assert_str_eq(n->items[0]->key, "k");
	ck_assert_int_eq(n->items[0]->key_line, 7);
	ck_assert_int_eq(n->items[0]->key_col, 5);
	ck_assert_int_eq(n->items[0]->col, 8);
	ck_assert_str_eq(n->items[0]->value, "v");
	cs_conf_free(c);
}
END_TEST

START_TEST(conf_columns_count_characters)
{
	/* "é" is two bytes but one column. */
	cs_conf *c = parse("k: \"\xc3\xa9\xc3\xa9\"\nz: [\xc3\xa9, q]\n");
	cs_conf_node *z = cs_conf_get(c->root, "z");

	ck_assert_str_eq(c->root->items[0]->value, "\xc3\xa9\xc3\xa9");
	ck_assert_int_eq(z->items[1]->line, 2);
	ck_assert_int_eq(z->items[1]->col, 8);
	cs_conf_free(c);
}
END_TEST

START_TEST(conf_get_marks_used)
{
	cs_conf *c = parse("a: 1\nb: [x]\n");
	cs_conf_node *a, *b;

	ck_assert(!c->root->items[0]->used);
	a = cs_conf_get(c->root, "a");
	ck_assert_ptr_eq(a, c->root->items[0]);
	ck_assert(a->used);
	ck_assert(!c->root->items[1]->used);
	ck_assert_ptr_null(cs_conf_get(c->root, "c"));
	ck_assert_ptr_null(cs_conf_get(NULL, "a"));
	b = cs_conf_get(c->root, "b");
	ck_assert_ptr_null(cs_conf_get(b, "x")); /* not a map */
	ck_assert_ptr_null(cs_conf_get(a, "a"));
	cs_conf_free(c);
}
END_TEST

START_TEST(conf_empty_document)
{
	static const char *const empty[] = {
		"", "# only a comment\n", "---\n", "---\n...\n", "\n\n  \n"
	};
	size_t i;

	for (i = 0; i < sizeof empty / sizeof *empty; i++) {
		cs_conf *c = parse(empty[i]);

		ck_assert_msg(c->root == NULL, "root not NULL for \"%s\"",
		              empty[i]);
		cs_conf_free(c);
	}
	/* An explicit empty string is a value. */
	{
		cs_conf *c = parse("''\n");

		ck_assert_ptr_nonnull(c->root);
		ck_assert_str_eq(c->root->value, "");
		ck_assert(c->root->quoted);
		cs_conf_free(c);
	}
	cs_conf_free(NULL);
}
END_TEST

START_TEST(conf_rejects_duplicate_keys)
{
	cs_error e;

	ck_assert_int_eq(parse_fail("a: 1\nb: 2\n  # c\na: 3\n", &e),
	                 CS_ERR_PARSE);
	ck_assert_int_eq(e.line, 4);
	ck_assert_int_eq(e.col, 1);
	ck_assert_has(e.msg, "duplicate key \"a\"");
	ck_assert_has(e.msg, "line 1, column 1");

	ck_assert_int_eq(parse_fail("m: {x: 1, y: 2, x: 3}\n", &e),
	                 CS_ERR_PARSE);
	ck_assert_int_eq(e.line, 1);
	ck_assert_int_eq(e.col, 17);
	ck_assert_has(e.msg, "duplicate key \"x\"");

	/* Same text, one quoted: still the same key. */
	ck_assert_int_eq(parse_fail("k: 1\n'k': 2\n", &e), CS_ERR_PARSE);
	ck_assert_int_eq(e.line, 2);

	/* Same key in different maps is fine. */
	cs_conf_free(parse("a: {k: 1}\nb: {k: 2}\n"));
}
END_TEST

START_TEST(conf_duplicate_keys_in_big_map)
{
	size_t cap = 1 << 16, o = 0, i;
	char *y = malloc(cap);
	cs_conf *c;
	cs_error e;

	ck_assert_ptr_nonnull(y);
	for (i = 0; i < 3000; i++)
		o += (size_t)snprintf(y + o, cap - o, "key%zu: %zu\n", i, i);
	c = parse(y);
	ck_assert_uint_eq(c->root->n, 3000);
	ck_assert_str_eq(cs_conf_get(c->root, "key2999")->value, "2999");
	cs_conf_free(c);
	snprintf(y + o, cap - o, "key1234: again\n");
	ck_assert_int_eq(parse_fail(y, &e), CS_ERR_PARSE);
	ck_assert_int_eq(e.line, 3001);
	ck_assert_int_eq(e.col, 1);
	ck_assert_has(e.msg, "duplicate key \"key1234\" (first defined at "
	              "line 1235, column 1)");
	free(y);
}
END_TEST

START_TEST(conf_rejects_anchors_and_aliases)
{
	cs_error e;

	ck_assert_int_eq(parse_fail("a: &x 1\nb: 2\n", &e), CS_ERR_PARSE);
	ck_assert_int_eq(e.line, 1);
	ck_assert_int_eq(e.col, 4);
	ck_assert_str_eq(e.msg, "anchors and aliases are not supported");

	ck_assert_int_eq(parse_fail("a: 1\nb: *x\n", &e), CS_ERR_PARSE);
	ck_assert_int_eq(e.line, 2);
	ck_assert_int_eq(e.col, 4);
	ck_assert_str_eq(e.msg, "anchors and aliases are not supported");

	ck_assert_int_eq(parse_fail("base: &b {x: 1}\n", &e), CS_ERR_PARSE);
	ck_assert_str_eq(e.msg, "anchors and aliases are not supported");
}
END_TEST

START_TEST(conf_rejects_nonscalar_keys)
{
	cs_error e;

	ck_assert_int_eq(parse_fail("? [a, b]\n: 1\n", &e), CS_ERR_PARSE);
	ck_assert_int_eq(e.line, 1);
	ck_assert_int_eq(e.col, 3);
	ck_assert_has(e.msg, "a map key must be a string, not a sequence");

	ck_assert_int_eq(parse_fail("m: {{a: 1}: 2}\n", &e), CS_ERR_PARSE);
	ck_assert_int_eq(e.col, 5);
	ck_assert_has(e.msg, "not a map");
}
END_TEST

START_TEST(conf_rejects_multiple_documents)
{
	cs_error e;

	ck_assert_int_eq(parse_fail("a: 1\n---\nb: 2\n", &e), CS_ERR_PARSE);
	ck_assert_int_eq(e.line, 2);
	ck_assert_int_eq(e.col, 1);
	ck_assert_has(e.msg, "only one YAML document");

	ck_assert_int_eq(parse_fail("--- 1\n--- 2\n", &e), CS_ERR_PARSE);
	ck_assert_int_eq(e.line, 2);
}
END_TEST

START_TEST(conf_rejects_nul_in_scalar)
{
	cs_error e;

	ck_assert_int_eq(parse_fail("a: \"x\\0y\"\n", &e), CS_ERR_PARSE);
	ck_assert_int_eq(e.line, 1);
	ck_assert_int_eq(e.col, 4);
	ck_assert_has(e.msg, "NUL");
}
END_TEST

START_TEST(conf_parse_error_has_position)
{
	cs_error e;

	/* Unclosed flow sequence: libyaml's problem and context. */
	ck_assert_int_eq(parse_fail("a: 1\nb: [1, 2\nc: 3\n", &e),
	                 CS_ERR_PARSE);
	ck_assert_int_eq(e.line, 3);
	ck_assert_int_eq(e.col, 2);
	ck_assert_has(e.msg, "did not find expected ',' or ']'");
	ck_assert_has(e.msg, "while parsing a flow sequence at line 2, "
	              "column 4");

	/* Bad indentation. */
	ck_assert_int_eq(parse_fail("a: 1\n  b: 2\n", &e), CS_ERR_PARSE);
	ck_assert_int_eq(e.line, 2);
	ck_assert_int_eq(e.col, 4);
	ck_assert_has(e.msg, "mapping values are not allowed");

	/* A tab for indentation: said in plain words. */
	ck_assert_int_eq(parse_fail("a:\n\tb: 1\n", &e), CS_ERR_PARSE);
	ck_assert_int_eq(e.line, 2);
	ck_assert_int_eq(e.col, 1);
	ck_assert_str_eq(e.msg, "a tab character here: YAML indents with "
	                 "spaces only");

	/* Unterminated quote. */
	ck_assert_int_eq(parse_fail("a: \"abc\n", &e), CS_ERR_PARSE);
	ck_assert_int_eq(e.line, 2);
	ck_assert_has(e.msg, "found unexpected end of stream");
	ck_assert_has(e.msg, "while scanning a quoted scalar at line 1, "
	              "column 4");
}
END_TEST

START_TEST(conf_missing_file)
{
	cs_conf *c = (cs_conf *)1;
	cs_error e;

	ck_assert_int_eq(cs_conf_parse_file("/nonexistent/dir/x.yaml", &c, &e),
	                 CS_ERR_IO);
	ck_assert_ptr_null(c);
	ck_assert_str_eq(e.file, "/nonexistent/dir/x.yaml");
	ck_assert_str_eq(e.msg, "cannot open: No such file or directory");
	ck_assert_int_eq(e.line, 0);

	/* A directory opens but cannot be read. */
	ck_assert_int_eq(cs_conf_parse_file("/", &c, &e), CS_ERR_IO);
	ck_assert_ptr_null(c);
	ck_assert_has(e.msg, "cannot read");
}
END_TEST

START_TEST(conf_parse_file)
{
	const char *y = "# scenario\nname: demo\nrate: 60/s\n";
	char *path = write_tmp(y, strlen(y));
	cs_conf *c = NULL;
	cs_error e;

	ck_assert_int_eq(cs_conf_parse_file(path, &c, &e), CS_OK);
	ck_assert_str_eq(c->file, path);
	ck_assert_str_eq(cs_conf_get(c->root, "rate")->value, "60/s");
	ck_assert_int_eq(cs_conf_get(c->root, "rate")->line, 3);
	ck_assert_int_eq(cs_conf_get(c->root, "rate")->col, 7);
	cs_conf_free(c);
	unlink(path);
	free(path);

	/* An error in a file names the file. */
	y = "a: 1\nb: [\n";
	path = write_tmp(y, strlen(y));
	ck_assert_int_eq(cs_conf_parse_file(path, &c, &e), CS_ERR_PARSE);
	ck_assert_ptr_null(c);
	ck_assert_str_eq(e.file, path);
	ck_assert_int_eq(e.line, 3);
	unlink(path);
	free(path);
}
END_TEST

START_TEST(conf_file_bad_utf8_position)
{
	/* Reader errors carry a byte offset; it is mapped back to line:col. */
	const char y[] = "a: 1\nbb: x\xc3\xa9y\xff\n";
	char *path = write_tmp(y, sizeof y - 1);
	cs_conf *c = NULL;
	cs_error e;

	ck_assert_int_eq(cs_conf_parse_file(path, &c, &e), CS_ERR_PARSE);
	ck_assert_ptr_null(c);
	ck_assert_str_eq(e.file, path);
	ck_assert_int_eq(e.line, 2);
	ck_assert_int_eq(e.col, 8);
	ck_assert_has(e.msg, "invalid leading UTF-8 octet (byte 0xFF)");
	unlink(path);
	free(path);
}
END_TEST

/* ---- pathological input ------------------------------------------------- */

START_TEST(conf_rejects_deep_nesting)
{
	char buf[200];
	cs_conf *c;
	cs_error e;
	int i;

	/* 64 levels are fine. */
	for (i = 0; i < 64; i++) {
		buf[i] = '[';
		buf[64 + i] = ']';
	}
	buf[128] = '\0';
	c = parse(buf);
	ck_assert_int_eq(c->root->kind, CS_CONF_SEQ);
	cs_conf_free(c);

	/* 65 are not. */
	for (i = 0; i < 65; i++) {
		buf[i] = '[';
		buf[65 + i] = ']';
	}
	buf[130] = '\0';
	ck_assert_int_eq(parse_fail(buf, &e), CS_ERR_PARSE);
	ck_assert_int_eq(e.line, 1);
	ck_assert_int_eq(e.col, 65);
	ck_assert_str_eq(e.msg, "nesting deeper than 64 levels");
}
END_TEST

START_TEST(conf_rejects_very_deep_nesting)
{
	size_t n = 10000, i;
	char *y = malloc(2 * n + 1);
	cs_error e;

	ck_assert_ptr_nonnull(y);
	/* Unterminated and terminated. */
	memset(y, '[', n);
	y[n] = '\0';
	ck_assert_int_eq(parse_fail(y, &e), CS_ERR_PARSE);
	ck_assert_str_eq(e.msg, "nesting deeper than 64 levels");
	memset(y + n, ']', n);
	y[2 * n] = '\0';
	ck_assert_int_eq(parse_fail(y, &e), CS_ERR_PARSE);
	ck_assert_int_eq(e.col, 65);
	/* Flow maps: "{a: {a: {a: ..." */
	for (i = 0; i + 4 <= n; i += 4)
		memcpy(y + i, "{a: ", 4);
	y[i] = '\0';
	ck_assert_int_eq(parse_fail(y, &e), CS_ERR_PARSE);
	ck_assert_str_eq(e.msg, "nesting deeper than 64 levels");
	free(y);
}
END_TEST

START_TEST(conf_rejects_deep_block_nesting)
{
	size_t cap = 70 * 80, o = 0;
	char *y = malloc(cap);
	cs_error e;
	int i;

	ck_assert_ptr_nonnull(y);
	for (i = 0; i < 70; i++)
		o += (size_t)snprintf(y + o, cap - o, "%*sk%d:\n", i, "", i);
	ck_assert_int_eq(parse_fail(y, &e), CS_ERR_PARSE);
	ck_assert_str_eq(e.msg, "nesting deeper than 64 levels");
	ck_assert_int_eq(e.line, 65);
	ck_assert_int_eq(e.col, 65);
	free(y);
}
END_TEST

START_TEST(conf_garbage_bytes)
{
	static const char yamlish[] = "[]{}:,-?&*!|>'\"%@`#\n\n\t  ab1.\\";
	uint64_t seed = 0x9E3779B97F4A7C15ULL;
	char buf[2048];
	int round, nparse = 0, nok = 0;
	cs_error e;

	/* An invalid byte gives a clean, positioned error. */
	ck_assert_int_eq(parse_fail("a: \xff\n", &e), CS_ERR_PARSE);
	ck_assert_int_eq(e.line, 1);
	ck_assert_int_eq(e.col, 4);
	ck_assert_str_eq(e.msg, "invalid leading UTF-8 octet (byte 0xFF)");
	/* A truncated sequence (Latin-1 text, typically): the error points
	 * at the lead byte that starts it and names it. */
	ck_assert_int_eq(parse_fail("k: ok\nv: \xc3(\n", &e), CS_ERR_PARSE);
	ck_assert_int_eq(e.line, 2);
	ck_assert_int_eq(e.col, 4);
	ck_assert_str_eq(e.msg, "invalid UTF-8: byte 0xC3 does not start a "
	                 "valid sequence (is the file Latin-1? save it as UTF-8)");

	for (round = 0; round < 600; round++) {
		size_t len = (size_t)(rnd(&seed) % sizeof buf), i;
		cs_conf *c = NULL;
		cs_status st;

		for (i = 0; i < len; i++) {
			uint64_t r = rnd(&seed);

			/* Half the rounds: any byte; half: YAML punctuation. */
			buf[i] = round % 2 ? (char)(r & 0xff) :
			         yamlish[r % (sizeof yamlish - 1)];
		}
		memset(&e, 0, sizeof e);
		st = cs_conf_parse_string(buf, len, "garbage", &c, &e);
		ck_assert_msg(st == CS_OK || st == CS_ERR_PARSE,
		              "round %d: status %d", round, st);
		if (st == CS_OK) {
			nok++;
			cs_conf_free(c);
		} else {
			ck_assert_ptr_null(c);
			ck_assert(e.msg[0] != '\0');
			ck_assert_str_eq(e.file, "garbage");
			ck_assert_int_ge(e.line, 1);
			ck_assert_int_ge(e.col, 1);
		}
		nparse++;
	}
	ck_assert_int_eq(nparse, 600);
	ck_assert_int_lt(nok, 600); /* garbage is mostly rejected */
}
END_TEST

START_TEST(conf_nul_bytes_in_input)
{
	const char y[] = "a: 1\nb\0: 2\n";
	cs_error e;

	ck_assert_int_eq(parse_fail_n(y, sizeof y - 1, &e), CS_ERR_PARSE);
	ck_assert_int_eq(e.line, 2);
	ck_assert_int_eq(e.col, 2);
	ck_assert_str_eq(e.msg, "control characters are not allowed (U+0000)");

	/* A NUL right at the start. */
	ck_assert_int_eq(parse_fail_n("\0a: 1", 5, &e), CS_ERR_PARSE);
	ck_assert_int_eq(e.line, 1);
	ck_assert_int_eq(e.col, 1);
}
END_TEST

START_TEST(conf_huge_scalar)
{
	size_t n = 1 << 20;
	char *y = malloc(n + 16);
	cs_conf_node *v;
	cs_conf *c;
	cs_error e;
	double d;

	ck_assert_ptr_nonnull(y);
	memcpy(y, "v: ", 3);
	memset(y + 3, 'x', n);
	strcpy(y + 3 + n, "\n");
	v = value_of(&c, y);
	ck_assert_uint_eq(strlen(v->value), n);
	/* The message quotes a bounded prefix of it. */
	ck_assert_int_eq(cs_conf_number(c, v, "v", 0, 1, &d, &e),
	                 CS_ERR_INVALID);
	ck_assert_has(e.msg, "expected a number, got \"xxxxxxxx");
	ck_assert_has(e.msg, "xxx...\"");
	ck_assert_uint_lt(strlen(e.msg), 120);
	ck_assert_int_eq(cs_conf_check_keys(c, c->root, "", (const char *[]){
	                                    "w", NULL }, &e), CS_ERR_INVALID);
	cs_conf_free(c);

	/* A huge key (explicit: plain keys are limited to 1024 characters):
	 * no suggestion attempted, message bounded. */
	memcpy(y, "? ", 2);
	memset(y + 2, 'k', n);
	strcpy(y + 2 + n, "\n: 1\n");
	c = parse(y);
	ck_assert_int_eq(cs_conf_check_keys(c, c->root, "", (const char *[]){
	                                    "kk", NULL }, &e), CS_ERR_INVALID);
	ck_assert_has(e.msg, "unknown key \"kkkk");
	ck_assert_has(e.msg, "(allowed: kk)");
	cs_conf_free(c);
	free(y);
}
END_TEST

START_TEST(conf_huge_numbers)
{
	cs_conf *c;
	cs_conf_node *v;
	cs_error e;
	double d;
	long l;

	v = value_of(&c, "v: 1e999\n");
	ck_assert_int_eq(cs_conf_number(c, v, "v", -INFINITY, INFINITY, &d, &e),
	                 CS_ERR_INVALID);
	ck_assert_str_eq(e.msg, "number out of range: \"1e999\"");
	ck_assert_int_eq(cs_conf_int(c, v, "v", 0, 10, &l, &e), CS_ERR_INVALID);
	ck_assert_str_eq(e.msg, "must be between 0 and 10 (got \"1e999\")");
	ck_assert_int_eq(cs_conf_duration(c, v, "v", 0, 10, &d, &e),
	                 CS_ERR_INVALID);
	ck_assert_has(e.msg, "out of range");
	ck_assert_int_eq(cs_conf_rate(c, v, "v", 0, 10, &d, &e),
	                 CS_ERR_INVALID);
	ck_assert_has(e.msg, "out of range");
	ck_assert_int_eq(cs_conf_ratio(c, v, "v", &d, &e), CS_ERR_INVALID);
	ck_assert_has(e.msg, "out of range");
	cs_conf_free(c);

	v = value_of(&c, "v: -1e999\n");
	ck_assert_int_eq(cs_conf_number(c, v, "v", -INFINITY, INFINITY, &d, &e),
	                 CS_ERR_INVALID);
	ck_assert_has(e.msg, "out of range");
	cs_conf_free(c);

	v = value_of(&c, "v: 99999999999999999999\n");
	ck_assert_int_eq(cs_conf_int(c, v, "v", 0, 10, &l, &e), CS_ERR_INVALID);
	ck_assert_str_eq(e.msg, "must be between 0 and 10 "
	                 "(got \"99999999999999999999\")");
	cs_conf_free(c);

	v = value_of(&c, "v: 1e306h\n");
	ck_assert_int_eq(cs_conf_duration(c, v, "v", 0, INFINITY, &d, &e),
	                 CS_ERR_INVALID);
	ck_assert_str_eq(e.msg, "duration out of range: \"1e306h\"");
	cs_conf_free(c);

	v = value_of(&c, "v: 1e100\n");
	ck_assert_int_eq(cs_conf_int(c, v, "v", 0, LONG_MAX, &l, &e),
	                 CS_ERR_INVALID);
	ck_assert_has(e.msg, "must be between 0 and 9223372036854775807");
	cs_conf_free(c);

	/* Underflow is zero. */
	v = value_of(&c, "v: 1e-999\n");
	ck_assert_int_eq(cs_conf_number(c, v, "v", 0, 1, &d, &e), CS_OK);
	ck_assert_double_eq(d, 0);
	cs_conf_free(c);
}
END_TEST

/* ---- getters ------------------------------------------------------------ */

START_TEST(conf_number_getter)
{
	static const char *const bad[] = {
		"abc", "nan", "NaN", "inf", "-inf", ".inf", "0x10", "1,5", "1.2.3",
		"5 apples", "e5", ".", "-", "1e", "--1"
	};
	cs_conf *c;
	cs_conf_node *v;
	cs_error e;
	double d = -1;
	size_t i;

	v = value_of(&c, "x: 0\nv: 2.5\n");
	v->used = false;
	ck_assert_int_eq(cs_conf_number(c, v, "v", 0, 10, &d, &e), CS_OK);
	ck_assert_double_eq(d, 2.5);
	ck_assert(v->used);
	ck_assert(!c->root->items[0]->used);
	cs_conf_free(c);

	v = value_of(&c, "v: -.5e1\n");
	ck_assert_int_eq(cs_conf_number(c, v, "v", -10, 10, &d, &e), CS_OK);
	ck_assert_double_eq(d, -5);
	cs_conf_free(c);

	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		char y[64], want[80];

		snprintf(y, sizeof y, "v: '%s'\n", bad[i]);
		v = value_of(&c, y);
		d = 42;
		ck_assert_int_eq(cs_conf_number(c, v, "a.v", -INFINITY,
		                                INFINITY, &d, &e),
		                 CS_ERR_INVALID);
		ck_assert_double_eq(d, 42); /* untouched */
		snprintf(want, sizeof want, "expected a number, got \"%s\"",
		         bad[i]);
		ck_assert_str_eq(e.msg, want);
		ck_assert_str_eq(e.file, "test.yaml");
		ck_assert_str_eq(e.path, "a.v");
		ck_assert_int_eq(e.line, 1);
		ck_assert_int_eq(e.col, 4);
		cs_conf_free(c);
	}

	/* Empty, and whitespace around the number. */
	v = value_of(&c, "v:\n");
	ck_assert_int_eq(cs_conf_number(c, v, "v", 0, 1, &d, &e),
	                 CS_ERR_INVALID);
	ck_assert_str_eq(e.msg, "expected a number, got an empty value");
	cs_conf_free(c);
	v = value_of(&c, "v: ' 5'\n");
	ck_assert_int_eq(cs_conf_number(c, v, "v", 0, 10, &d, &e),
	                 CS_ERR_INVALID);
	ck_assert_str_eq(e.msg, "expected a number, got \" 5\"");
	cs_conf_free(c);
	v = value_of(&c, "v: \"\\t\\\"\"\n");
	ck_assert_int_eq(cs_conf_number(c, v, "v", 0, 10, &d, &e),
	                 CS_ERR_INVALID);
	ck_assert_str_eq(e.msg, "expected a number, got \"\\t\\\"\"");
	cs_conf_free(c);
}
END_TEST

START_TEST(conf_number_bounds)
{
	cs_conf *c;
	cs_conf_node *v;
	cs_error e;
	double d;

	v = value_of(&c, "a: 1\nv: 0\n");
	ck_assert_int_eq(cs_conf_number(c, v, "pool.size", 1, 100, &d, &e),
	                 CS_ERR_INVALID);
	ck_assert_str_eq(e.msg, "must be >= 1 (got 0)");
	ck_assert_int_eq(e.line, 2);
	ck_assert_int_eq(e.col, 4);
	ck_assert_str_eq(e.path, "pool.size");
	ck_assert_int_eq(cs_conf_number(c, v, "v", 0, 0, &d, &e), CS_OK);
	ck_assert_double_eq(d, 0); /* bounds are inclusive */
	cs_conf_free(c);

	v = value_of(&c, "v: 1e9\n");
	ck_assert_int_eq(cs_conf_number(c, v, "v", 0, 1e6, &d, &e),
	                 CS_ERR_INVALID);
	ck_assert_str_eq(e.msg, "must be <= 1e6 (got 1e9)");
	cs_conf_free(c);

	v = value_of(&c, "v: 0.1234567\n");
	ck_assert_int_eq(cs_conf_number(c, v, "v", 0.5, 1, &d, &e),
	                 CS_ERR_INVALID);
	ck_assert_str_eq(e.msg, "must be >= 0.5 (got 0.1234567)");
	cs_conf_free(c);

	v = value_of(&c, "v: 1.5e-7\n");
	ck_assert_int_eq(cs_conf_number(c, v, "v", 1, 2, &d, &e),
	                 CS_ERR_INVALID);
	ck_assert_str_eq(e.msg, "must be >= 1 (got 1.5e-7)");
	cs_conf_free(c);
}
END_TEST

START_TEST(conf_int_getter)
{
	static const struct { const char *text; long want; } good[] = {
		{ "42", 42 }, { "-7", -7 }, { "+3", 3 }, { "1e3", 1000 },
		{ "2.0", 2 }, { "007", 7 }
	};
	cs_conf *c;
	cs_conf_node *v;
	cs_error e;
	long l;
	size_t i;

	for (i = 0; i < sizeof good / sizeof *good; i++) {
		char y[64];

		snprintf(y, sizeof y, "v: %s\n", good[i].text);
		v = value_of(&c, y);
		l = -1;
		ck_assert_int_eq(cs_conf_int(c, v, "v", LONG_MIN, LONG_MAX, &l,
		                             &e), CS_OK);
		ck_assert_int_eq(l, good[i].want);
		cs_conf_free(c);
	}

	v = value_of(&c, "v: 1.5\n");
	ck_assert_int_eq(cs_conf_int(c, v, "v", 0, 10, &l, &e), CS_ERR_INVALID);
	ck_assert_str_eq(e.msg, "expected an integer, got \"1.5\"");
	cs_conf_free(c);

	v = value_of(&c, "v: ten\n");
	ck_assert_int_eq(cs_conf_int(c, v, "v", 0, 10, &l, &e), CS_ERR_INVALID);
	ck_assert_str_eq(e.msg, "expected an integer, got \"ten\"");
	cs_conf_free(c);

	v = value_of(&c, "v: 0\n");
	ck_assert_int_eq(cs_conf_int(c, v, "workers", 1, 64, &l, &e),
	                 CS_ERR_INVALID);
	ck_assert_str_eq(e.msg, "must be >= 1 (got 0)");
	ck_assert_str_eq(e.path, "workers");
	cs_conf_free(c);

	v = value_of(&c, "v: 65\n");
	ck_assert_int_eq(cs_conf_int(c, v, "workers", 1, 64, &l, &e),
	                 CS_ERR_INVALID);
	ck_assert_str_eq(e.msg, "must be <= 64 (got 65)");
	cs_conf_free(c);

	v = value_of(&c, "v: [1]\n");
	ck_assert_int_eq(cs_conf_int(c, v, "v", 0, 10, &l, &e), CS_ERR_INVALID);
	ck_assert_str_eq(e.msg, "expected an integer, got a sequence");
	cs_conf_free(c);
}
END_TEST

START_TEST(conf_bool_getter)
{
	static const struct { const char *text; bool want; } good[] = {
		{ "true", true }, { "True", true }, { "YES", true },
		{ "on", true }, { "false", false }, { "FALSE", false },
		{ "no", false }, { "Off", false }
	};
	cs_conf *c;
	cs_conf_node *v;
	cs_error e;
	bool b;
	size_t i;

	for (i = 0; i < sizeof good / sizeof *good; i++) {
		char y[64];

		snprintf(y, sizeof y, "v: %s\n", good[i].text);
		v = value_of(&c, y);
		b = !good[i].want;
		ck_assert_int_eq(cs_conf_bool(c, v, "v", &b, &e), CS_OK);
		ck_assert_int_eq(b, good[i].want);
		cs_conf_free(c);
	}
	v = value_of(&c, "v: maybe\n");
	ck_assert_int_eq(cs_conf_bool(c, v, "v", &b, &e), CS_ERR_INVALID);
	ck_assert_str_eq(e.msg, "expected true or false, got \"maybe\"");
	cs_conf_free(c);
	v = value_of(&c, "v: 1\n");
	ck_assert_int_eq(cs_conf_bool(c, v, "v", &b, &e), CS_ERR_INVALID);
	cs_conf_free(c);
	v = value_of(&c, "v: {a: 1}\n");
	ck_assert_int_eq(cs_conf_bool(c, v, "v", &b, &e), CS_ERR_INVALID);
	ck_assert_str_eq(e.msg, "expected true or false, got a map");
	cs_conf_free(c);
}
END_TEST

START_TEST(conf_duration_units)
{
	static const struct { const char *text; double want; } good[] = {
		{ "250us", 250e-6 }, { "250\xc2\xb5s", 250e-6 },
		{ "450ms", 0.45 }, { "2s", 2 }, { "2sec", 2 }, { "1.5m", 90 },
		{ "5min", 300 }, { "1h", 3600 }, { "0", 0 }, { "0s", 0 },
		{ "450 ms", 0.45 }, { ".5s", 0.5 }, { "1e3ms", 1 },
		/* k6's compound durations */
		{ "1m30s", 90 }, { "4m50s", 290 }, { "1h2m3s", 3723 },
		{ "2s500ms", 2.5 }
	};
	cs_conf *c;
	cs_conf_node *v;
	cs_error e;
	double d;
	size_t i;

	for (i = 0; i < sizeof good / sizeof *good; i++) {
		char y[64];

		snprintf(y, sizeof y, "v: %s\n", good[i].text);
		v = value_of(&c, y);
		d = -1;
		ck_assert_msg(cs_conf_duration(c, v, "v", 0, INFINITY, &d, &e) ==
		              CS_OK, "%s: %s", good[i].text, e.msg);
		ck_assert_double_eq_tol(d, good[i].want, 1e-12);
		ck_assert(v->used);
		cs_conf_free(c);
	}
}
END_TEST

START_TEST(conf_duration_requires_unit)
{
	cs_conf *c;
	cs_conf_node *v;
	cs_error e;
	double d = 7;

	v = value_of(&c, "v: 450\n");
	ck_assert_int_eq(cs_conf_duration(c, v, "svc.timeout", 0, 60, &d, &e),
	                 CS_ERR_INVALID);
	ck_assert_has(e.msg, "add a unit, e.g. \"450ms\" or \"2s\"");
	ck_assert_has(e.msg, "\"450\"");
	ck_assert_str_eq(e.path, "svc.timeout");
	ck_assert_int_eq(e.line, 1);
	ck_assert_int_eq(e.col, 4);
	ck_assert_double_eq(d, 7);
	cs_conf_free(c);

	v = value_of(&c, "v: 5xs\n");
	ck_assert_int_eq(cs_conf_duration(c, v, "v", 0, 60, &d, &e),
	                 CS_ERR_INVALID);
	ck_assert_str_eq(e.msg, "unknown unit \"xs\" in \"5xs\" (use us, ms, s, "
	                 "m, min or h, or k6's 1m30s)");
	cs_conf_free(c);

	v = value_of(&c, "v: 5 S\n");
	ck_assert_int_eq(cs_conf_duration(c, v, "v", 0, 60, &d, &e),
	                 CS_ERR_INVALID);
	ck_assert_has(e.msg, "unknown unit \"S\"");
	cs_conf_free(c);

	v = value_of(&c, "v: fast\n");
	ck_assert_int_eq(cs_conf_duration(c, v, "v", 0, 60, &d, &e),
	                 CS_ERR_INVALID);
	ck_assert_str_eq(e.msg, "expected a duration such as \"450ms\" or "
	                 "\"2s\", got \"fast\"");
	cs_conf_free(c);

	v = value_of(&c, "v: -1s\n");
	ck_assert_int_eq(cs_conf_duration(c, v, "v", 0, 60, &d, &e),
	                 CS_ERR_INVALID);
	ck_assert_str_eq(e.msg, "must be >= 0s (got -1s)");
	cs_conf_free(c);

	v = value_of(&c, "v: 2m\n");
	ck_assert_int_eq(cs_conf_duration(c, v, "v", 0, 60, &d, &e),
	                 CS_ERR_INVALID);
	ck_assert_str_eq(e.msg, "must be <= 60s (got 120s)");
	cs_conf_free(c);
}
END_TEST

START_TEST(conf_rate_units)
{
	static const struct { const char *text; double want; } good[] = {
		{ "60", 60 }, { "60/s", 60 }, { "3600/m", 60 },
		{ "3600/min", 60 }, { "10/h", 10.0 / 3600 }, { "60 / s", 60 },
		{ "0.5/sec", 0.5 }
	};
	cs_conf *c;
	cs_conf_node *v;
	cs_error e;
	double d;
	size_t i;

	for (i = 0; i < sizeof good / sizeof *good; i++) {
		char y[64];

		snprintf(y, sizeof y, "v: %s\n", good[i].text);
		v = value_of(&c, y);
		ck_assert_msg(cs_conf_rate(c, v, "v", 0, INFINITY, &d, &e) ==
		              CS_OK, "%s: %s", good[i].text, e.msg);
		ck_assert_double_eq_tol(d, good[i].want, 1e-12);
		cs_conf_free(c);
	}
	v = value_of(&c, "v: 60/d\n");
	ck_assert_int_eq(cs_conf_rate(c, v, "v", 0, 100, &d, &e),
	                 CS_ERR_INVALID);
	ck_assert_str_eq(e.msg, "unknown unit \"d\" in \"60/d\" (use /s, /m, "
	                 "/min or /h)");
	cs_conf_free(c);
	v = value_of(&c, "v: 60rps\n");
	ck_assert_int_eq(cs_conf_rate(c, v, "v", 0, 100, &d, &e),
	                 CS_ERR_INVALID);
	ck_assert_has(e.msg, "expected a rate such as \"60/s\"");
	cs_conf_free(c);
	v = value_of(&c, "v: 120/s\n");
	ck_assert_int_eq(cs_conf_rate(c, v, "v", 1, 100, &d, &e),
	                 CS_ERR_INVALID);
	ck_assert_str_eq(e.msg, "must be <= 100/s (got 120/s)");
	cs_conf_free(c);
}
END_TEST

START_TEST(conf_ratio_getter)
{
	static const struct { const char *text; double want; } good[] = {
		{ "0.87", 0.87 }, { "87%", 0.87 }, { "87 %", 0.87 }, { "0", 0 },
		{ "1", 1 }, { "100%", 1 }, { "0%", 0 }
	};
	static const char *const bad[] = { "abc", "87%%", "%", "0.5x", "" };
	cs_conf *c;
	cs_conf_node *v;
	cs_error e;
	double d;
	size_t i;

	for (i = 0; i < sizeof good / sizeof *good; i++) {
		char y[64];

		snprintf(y, sizeof y, "v: %s\n", good[i].text);
		v = value_of(&c, y);
		ck_assert_msg(cs_conf_ratio(c, v, "v", &d, &e) == CS_OK, "%s: %s",
		              good[i].text, e.msg);
		ck_assert_double_eq_tol(d, good[i].want, 1e-12);
		cs_conf_free(c);
	}
	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		char y[64];

		snprintf(y, sizeof y, "v: '%s'\n", bad[i]);
		v = value_of(&c, y);
		ck_assert_int_eq(cs_conf_ratio(c, v, "v", &d, &e),
		                 CS_ERR_INVALID);
		ck_assert_has(e.msg, "expected a ratio such as \"0.87\" or "
		              "\"87%\"");
		cs_conf_free(c);
	}
	v = value_of(&c, "v: 150%\n");
	ck_assert_int_eq(cs_conf_ratio(c, v, "hit", &d, &e), CS_ERR_INVALID);
	ck_assert_str_eq(e.msg, "must be between 0 and 1 (or 0% and 100%) "
	                 "(got 150%)");
	cs_conf_free(c);
	v = value_of(&c, "v: -0.1\n");
	ck_assert_int_eq(cs_conf_ratio(c, v, "hit", &d, &e), CS_ERR_INVALID);
	ck_assert_has(e.msg, "(got -0.1)");
	cs_conf_free(c);
}
END_TEST

START_TEST(conf_type_mismatch)
{
	cs_conf *c = parse("m: {a: 1}\ns: [1]\nx: abc\ne:\n");
	cs_conf_node *m = cs_conf_get(c->root, "m"), *s = cs_conf_get(c->root, "s");
	cs_conf_node *x = cs_conf_get(c->root, "x"), *em = cs_conf_get(c->root, "e");
	const char *str = NULL;
	cs_error e;
	double d;

	ck_assert_int_eq(cs_conf_string(c, x, "x", &str, &e), CS_OK);
	ck_assert_ptr_eq(str, x->value);
	ck_assert_int_eq(cs_conf_string(c, m, "m", &str, &e), CS_ERR_INVALID);
	ck_assert_str_eq(e.msg, "expected a string, got a map");
	ck_assert_int_eq(e.line, 1);
	ck_assert_int_eq(e.col, 4);
	ck_assert_int_eq(cs_conf_number(c, s, "s", 0, 1, &d, &e),
	                 CS_ERR_INVALID);
	ck_assert_str_eq(e.msg, "expected a number, got a sequence");

	ck_assert_int_eq(cs_conf_expect_map(c, m, "m", &e), CS_OK);
	ck_assert_int_eq(cs_conf_expect_map(c, s, "s", &e), CS_ERR_INVALID);
	ck_assert_str_eq(e.msg, "expected a map, got a sequence");
	ck_assert_int_eq(e.line, 2);
	ck_assert_int_eq(cs_conf_expect_map(c, em, "e", &e), CS_ERR_INVALID);
	ck_assert_str_eq(e.msg, "expected a map, got an empty value");
	ck_assert_int_eq(cs_conf_expect_seq(c, s, "s", &e), CS_OK);
	ck_assert_int_eq(cs_conf_expect_seq(c, x, "x", &e), CS_ERR_INVALID);
	ck_assert_str_eq(e.msg, "expected a sequence, got \"abc\"");
	ck_assert_int_eq(cs_conf_expect_seq(c, m, "m", &e), CS_ERR_INVALID);
	ck_assert_str_eq(e.msg, "expected a sequence, got a map");

	/* err may be NULL. */
	ck_assert_int_eq(cs_conf_number(c, x, "x", 0, 1, &d, NULL),
	                 CS_ERR_INVALID);
	cs_conf_free(c);
}
END_TEST

START_TEST(conf_enum_suggests)
{
	static const char *const q[] = { "fifo", "lifo", "priority", NULL };
	cs_conf *c;
	cs_conf_node *v;
	cs_error e;
	int i = -1;

	v = value_of(&c, "v: lifo\n");
	ck_assert_int_eq(cs_conf_enum(c, v, "queue", q, &i, &e), CS_OK);
	ck_assert_int_eq(i, 1);
	cs_conf_free(c);

	v = value_of(&c, "v: prority\n");
	ck_assert_int_eq(cs_conf_enum(c, v, "queue", q, &i, &e),
	                 CS_ERR_INVALID);
	ck_assert_str_eq(e.msg, "expected one of: fifo, lifo, priority (got "
	                 "\"prority\") \xe2\x80\x94 did you mean "
	                 "\"priority\"?");
	ck_assert_str_eq(e.path, "queue");
	cs_conf_free(c);

	v = value_of(&c, "v: random\n");
	ck_assert_int_eq(cs_conf_enum(c, v, "queue", q, &i, &e),
	                 CS_ERR_INVALID);
	ck_assert_str_eq(e.msg, "expected one of: fifo, lifo, priority (got "
	                 "\"random\")");
	cs_conf_free(c);

	v = value_of(&c, "v: [fifo]\n");
	ck_assert_int_eq(cs_conf_enum(c, v, "queue", q, &i, &e),
	                 CS_ERR_INVALID);
	ck_assert_str_eq(e.msg, "expected one of: fifo, lifo, priority, got "
	                 "a sequence");
	cs_conf_free(c);
}
END_TEST

START_TEST(conf_check_keys_suggests)
{
	static const char *const allowed[] = { "pool", "size", "timeout", NULL };
	cs_conf *c;
	cs_error e;

	c = parse("db:\n  pool: 5\n  size: 3\n");
	ck_assert_int_eq(cs_conf_check_keys(c, cs_conf_get(c->root, "db"), "db",
	                                    allowed, &e), CS_OK);
	cs_conf_free(c);

	c = parse("db:\n  size: 3\n  pol:    5\n");
	ck_assert_int_eq(cs_conf_check_keys(c, cs_conf_get(c->root, "db"), "db",
	                                    allowed, &e), CS_ERR_INVALID);
	ck_assert_str_eq(e.msg, "unknown key \"pol\" (did you mean \"pool\"?)");
	ck_assert_str_eq(e.file, "test.yaml");
	ck_assert_str_eq(e.path, "db");
	ck_assert_int_eq(e.line, 3); /* the key, not the value */
	ck_assert_int_eq(e.col, 3);
	cs_conf_free(c);

	c = parse("db:\n  timout: 1s\n");
	ck_assert_int_eq(cs_conf_check_keys(c, cs_conf_get(c->root, "db"), "db",
	                                    allowed, &e), CS_ERR_INVALID);
	ck_assert_str_eq(e.msg, "unknown key \"timout\" (did you mean "
	                 "\"timeout\"?)");
	cs_conf_free(c);

	c = parse("db:\n  colour: red\n");
	ck_assert_int_eq(cs_conf_check_keys(c, cs_conf_get(c->root, "db"), "db",
	                                    allowed, &e), CS_ERR_INVALID);
	ck_assert_str_eq(e.msg, "unknown key \"colour\" (allowed: pool, size, "
	                 "timeout)");
	cs_conf_free(c);

	c = parse("db: [1]\n");
	ck_assert_int_eq(cs_conf_check_keys(c, cs_conf_get(c->root, "db"), "db",
	                                    allowed, &e), CS_ERR_INVALID);
	ck_assert_str_eq(e.msg, "expected a map, got a sequence");
	cs_conf_free(c);
}
END_TEST

START_TEST(conf_suggest_distance)
{
	static const char *const w[] = { "pool", "replications", "seed", "a",
	                                 "timeout", NULL };
	static const char *const one[] = { "a", "b", NULL };

	ck_assert_str_eq(cs_conf_suggest("pol", w), "pool");
	ck_assert_str_eq(cs_conf_suggest("POOL", w), "pool");
	ck_assert_str_eq(cs_conf_suggest("timout", w), "timeout");
	ck_assert_str_eq(cs_conf_suggest("tiemout", w), "timeout");
	/* 4 edits in 12 letters: within a third. */
	ck_assert_str_eq(cs_conf_suggest("replicatinsxx", w), "replications");
	ck_assert_ptr_null(cs_conf_suggest("rplcatns", w));
	ck_assert_ptr_null(cs_conf_suggest("zzzzzz", w));
	/* Nothing in common is no suggestion, even within 2 edits. */
	ck_assert_ptr_null(cs_conf_suggest("x", one));
	ck_assert_str_eq(cs_conf_suggest("aa", one), "a");
	ck_assert_ptr_null(cs_conf_suggest("", w));
	ck_assert_ptr_null(cs_conf_suggest(NULL, w));
	ck_assert_ptr_null(cs_conf_suggest("pool", NULL));
	ck_assert_str_eq(cs_conf_suggest("seed", w), "seed");
}
END_TEST

START_TEST(conf_path_join)
{
	char buf[32], small[6];

	cs_conf_path(buf, sizeof buf, "", "db");
	ck_assert_str_eq(buf, "db");
	cs_conf_path(buf, sizeof buf, NULL, "db");
	ck_assert_str_eq(buf, "db");
	cs_conf_path(buf, sizeof buf, "db", "pool");
	ck_assert_str_eq(buf, "db.pool");
	cs_conf_path(buf, sizeof buf, buf, "size"); /* in place */
	ck_assert_str_eq(buf, "db.pool.size");
	cs_conf_path_index(buf, sizeof buf, "endpoints", 3);
	ck_assert_str_eq(buf, "endpoints[3]");
	cs_conf_path(buf, sizeof buf, buf, "weight");
	ck_assert_str_eq(buf, "endpoints[3].weight");
	cs_conf_path_index(buf, sizeof buf, "", 0);
	ck_assert_str_eq(buf, "[0]");
	cs_conf_path(small, sizeof small, "abc", "defgh");
	ck_assert_str_eq(small, "abc.d");
	cs_conf_path_index(small, sizeof small, "abcd", 12);
	ck_assert_str_eq(small, "abcd[");
}
END_TEST

START_TEST(conf_error_points_at_node)
{
	cs_conf *c = parse("a:\n  b:   7\n");
	cs_conf_node *b = cs_conf_get(cs_conf_get(c->root, "a"), "b");
	cs_error e;

	ck_assert_int_eq(cs_conf_error(c, b, "a.b", &e, "bad %s %d", "thing", 3),
	                 CS_ERR_INVALID);
	ck_assert_str_eq(e.file, "test.yaml");
	ck_assert_int_eq(e.line, 2);
	ck_assert_int_eq(e.col, 8);
	ck_assert_str_eq(e.path, "a.b");
	ck_assert_str_eq(e.msg, "bad thing 3");
	ck_assert_int_eq(cs_conf_error(c, b, "a.b", NULL, "x"), CS_ERR_INVALID);
	cs_conf_free(c);
}
END_TEST

/* ---- overrides ---------------------------------------------------------- */

START_TEST(conf_set_creates_path)
{
	cs_conf *c = parse("");
	cs_conf_node *a, *b, *v;
	cs_error e;
	double d;

	ck_assert_ptr_null(c->root);
	ck_assert_int_eq(cs_conf_set(c, "a.b.c=5", &e), CS_OK);
	ck_assert_int_eq(c->root->kind, CS_CONF_MAP);
	a = cs_conf_get(c->root, "a");
	ck_assert_int_eq(a->kind, CS_CONF_MAP);
	ck_assert_str_eq(a->key, "a");
	b = cs_conf_get(a, "b");
	ck_assert_int_eq(b->kind, CS_CONF_MAP);
	v = cs_conf_get(b, "c");
	ck_assert_int_eq(v->kind, CS_CONF_SCALAR);
	ck_assert_str_eq(v->value, "5");
	ck_assert_str_eq(v->key, "c");
	ck_assert_int_eq(v->line, 0);
	ck_assert_int_eq(v->col, 0);
	ck_assert_str_eq(v->origin, "a.b.c=5");
	ck_assert_str_eq(a->origin, "a.b.c=5");

	/* Errors about it name --set and the assignment. */
	ck_assert_int_eq(cs_conf_number(c, v, "a.b.c", 10, 20, &d, &e),
	                 CS_ERR_INVALID);
	ck_assert_str_eq(e.file, "--set");
	ck_assert_str_eq(e.path, "a.b.c=5");
	ck_assert_int_eq(e.line, 0);
	ck_assert_int_eq(e.col, 0);
	ck_assert_str_eq(e.msg, "must be >= 10 (got 5)");
	ck_assert_int_eq(cs_conf_error(c, a, "a", &e, "no"), CS_ERR_INVALID);
	ck_assert_str_eq(e.file, "--set");

	/* A second one adds a sibling under the existing maps. */
	ck_assert_int_eq(cs_conf_set(c, "a.b.d=6", &e), CS_OK);
	ck_assert_uint_eq(b->n, 2);
	ck_assert_str_eq(cs_conf_get(b, "d")->origin, "a.b.d=6");
	ck_assert_str_eq(cs_conf_get(b, "c")->origin, "a.b.c=5");
	cs_conf_free(c);
}
END_TEST

START_TEST(conf_set_adds_to_file_tree)
{
	cs_conf *c = parse("db:\n  pool: 1\n");
	cs_conf_node *db, *sz;
	cs_error e;
	long l;

	ck_assert_int_eq(cs_conf_set(c, "db.size=3", &e), CS_OK);
	db = cs_conf_get(c->root, "db");
	ck_assert_uint_eq(db->n, 2);
	ck_assert_int_eq(db->line, 2);
	ck_assert_ptr_null(db->origin);
	ck_assert_int_eq(db->items[0]->line, 2); /* untouched */
	sz = cs_conf_get(db, "size");
	ck_assert_int_eq(cs_conf_int(c, sz, "db.size", 0, 10, &l, &e), CS_OK);
	ck_assert_int_eq(l, 3);

	/* check_keys on a key made by --set points at the --set. */
	ck_assert_int_eq(cs_conf_check_keys(c, db, "db", (const char *[]){
	                                    "pool", "sizes", NULL }, &e),
	                 CS_ERR_INVALID);
	ck_assert_str_eq(e.file, "--set");
	ck_assert_str_eq(e.path, "db.size=3");
	ck_assert_str_eq(e.msg, "unknown key \"size\" (did you mean "
	                 "\"sizes\"?)");

	/* Nodes from the file still name the file. */
	ck_assert_int_eq(cs_conf_check_keys(c, db, "db", (const char *[]){
	                                    "size", NULL }, &e), CS_ERR_INVALID);
	ck_assert_str_eq(e.file, "test.yaml");
	ck_assert_int_eq(e.line, 2);
	ck_assert_int_eq(e.col, 3);
	cs_conf_free(c);
}
END_TEST

START_TEST(conf_set_replaces_value)
{
	cs_conf *c = parse("db:\n  pool: {min: 1, max: 2}\n  other: x\n");
	cs_conf_node *db, *pool;
	cs_error e;

	ck_assert_int_eq(cs_conf_set(c, "db.pool=20", &e), CS_OK);
	db = cs_conf_get(c->root, "db");
	ck_assert_uint_eq(db->n, 2);
	pool = db->items[0]; /* same place in the map */
	ck_assert_str_eq(pool->key, "pool");
	ck_assert_int_eq(pool->kind, CS_CONF_SCALAR);
	ck_assert_str_eq(pool->value, "20");
	ck_assert_str_eq(pool->origin, "db.pool=20");
	ck_assert_int_eq(pool->key_line, 0);

	/* Replace twice; both assignments stay valid for messages. */
	ck_assert_int_eq(cs_conf_set(c, "db.pool=30", &e), CS_OK);
	ck_assert_str_eq(db->items[0]->value, "30");
	ck_assert_str_eq(db->items[0]->origin, "db.pool=30");
	ck_assert_int_eq(cs_conf_set(c, "db=off", &e), CS_OK);
	ck_assert_str_eq(c->root->items[0]->value, "off");
	ck_assert_uint_eq(c->root->n, 1);
	ck_assert_uint_eq(c->nsets, 3);
	cs_conf_free(c);
}
END_TEST

START_TEST(conf_set_indexes_sequence)
{
	cs_conf *c = parse("endpoints:\n  - w: 1\n  - w: 2\n");
	cs_conf_node *eps;
	cs_error e;

	ck_assert_int_eq(cs_conf_set(c, "endpoints.1.w=5", &e), CS_OK);
	eps = cs_conf_get(c->root, "endpoints");
	ck_assert_str_eq(cs_conf_get(eps->items[1], "w")->value, "5");
	ck_assert_str_eq(cs_conf_get(eps->items[0], "w")->value, "1");

	ck_assert_int_eq(cs_conf_set(c, "endpoints.2.w=1", &e), CS_ERR_USAGE);
	ck_assert_str_eq(e.file, "--set");
	ck_assert_str_eq(e.path, "endpoints.2.w=1");
	ck_assert_str_eq(e.msg, "index 2 is out of range: \"endpoints\" has 2 "
	                 "items");

	/* Replace a whole item. */
	ck_assert_int_eq(cs_conf_set(c, "endpoints.0={w: 9}", &e), CS_OK);
	ck_assert_int_eq(eps->items[0]->kind, CS_CONF_MAP);
	ck_assert_ptr_null(eps->items[0]->key);
	ck_assert_str_eq(cs_conf_get(eps->items[0], "w")->value, "9");
	ck_assert_uint_eq(eps->n, 2);
	cs_conf_free(c);
}
END_TEST

START_TEST(conf_set_indexes_sequence_by_name)
{
	cs_conf *c = parse("services:\n"
	                   "  - name: ai\n    timeout: 1s\n"
	                   "  - name: db\n    timeout: 2s\n");
	cs_conf_node *s;
	cs_error e;

	ck_assert_int_eq(cs_conf_set(c, "services.ai.timeout=450ms", &e), CS_OK);
	s = cs_conf_get(c->root, "services");
	ck_assert_str_eq(cs_conf_get(s->items[0], "timeout")->value, "450ms");
	ck_assert_str_eq(cs_conf_get(s->items[1], "timeout")->value, "2s");
	ck_assert_int_eq(cs_conf_set(c, "services.db.retries=3", &e), CS_OK);
	ck_assert_str_eq(cs_conf_get(s->items[1], "retries")->value, "3");

	ck_assert_int_eq(cs_conf_set(c, "services.dbb.timeout=1s", &e),
	                 CS_ERR_USAGE);
	ck_assert_str_eq(e.file, "--set");
	ck_assert_str_eq(e.path, "services.dbb.timeout=1s");
	ck_assert_str_eq(e.msg, "no item named \"dbb\" in \"services\" (did you "
	                 "mean \"db\"?)");
	ck_assert_int_eq(cs_conf_set(c, "services.cache.timeout=1s", &e),
	                 CS_ERR_USAGE);
	ck_assert_has(e.msg, "no item named \"cache\" in \"services\" (it has 2 "
	              "items");
	cs_conf_free(c);
}
END_TEST

START_TEST(conf_set_parses_flow_value)
{
	cs_conf *c = parse("a: 1\n");
	cs_conf_node *n;
	cs_error e;

	ck_assert_int_eq(cs_conf_set(c, "list=[1, 2]", &e), CS_OK);
	n = cs_conf_get(c->root, "list");
	ck_assert_int_eq(n->kind, CS_CONF_SEQ);
	ck_assert_uint_eq(n->n, 2);
	ck_assert_str_eq(n->items[1]->value, "2");
	ck_assert_str_eq(n->items[1]->origin, "list=[1, 2]");
	ck_assert_int_eq(n->items[1]->line, 0);

	ck_assert_int_eq(cs_conf_set(c, "arr={dist: constant, value: 1s}", &e),
	                 CS_OK);
	n = cs_conf_get(c->root, "arr");
	ck_assert_int_eq(n->kind, CS_CONF_MAP);
	ck_assert_str_eq(cs_conf_get(n, "dist")->value, "constant");
	ck_assert_str_eq(cs_conf_get(n, "value")->value, "1s");
	ck_assert_int_eq(cs_conf_get(n, "value")->key_col, 0);

	ck_assert_int_eq(cs_conf_set(c, "t=450ms", &e), CS_OK);
	n = cs_conf_get(c->root, "t");
	ck_assert_int_eq(n->kind, CS_CONF_SCALAR);
	ck_assert_str_eq(n->value, "450ms");
	ck_assert(!n->quoted);

	ck_assert_int_eq(cs_conf_set(c, "q='a b'", &e), CS_OK);
	n = cs_conf_get(c->root, "q");
	ck_assert_str_eq(n->value, "a b");
	ck_assert(n->quoted);

	/* Not one scalar and not a flow collection: literal text. */
	ck_assert_int_eq(cs_conf_set(c, "k=x: y", &e), CS_OK);
	ck_assert_str_eq(cs_conf_get(c->root, "k")->value, "x: y");
	ck_assert_int_eq(cs_conf_set(c, "u=http://h:80/p?q=1", &e), CS_OK);
	ck_assert_str_eq(cs_conf_get(c->root, "u")->value, "http://h:80/p?q=1");
	ck_assert_int_eq(cs_conf_set(c, "em=", &e), CS_OK);
	ck_assert_str_eq(cs_conf_get(c->root, "em")->value, "");
	ck_assert_int_eq(cs_conf_set(c, "p=POST /webhook", &e), CS_OK);
	ck_assert_str_eq(cs_conf_get(c->root, "p")->value, "POST /webhook");

	/* A malformed flow value is an error and changes nothing. */
	ck_assert_int_eq(cs_conf_set(c, "a=[1, 2", &e), CS_ERR_USAGE);
	ck_assert_str_eq(e.file, "--set");
	ck_assert_str_eq(e.path, "a=[1, 2");
	ck_assert_has(e.msg, "in the value");
	ck_assert_has(e.msg, "did not find expected ',' or ']'");
	ck_assert_str_eq(cs_conf_get(c->root, "a")->value, "1");
	ck_assert_int_eq(cs_conf_set(c, "a={x: &y 1}", &e), CS_ERR_USAGE);
	ck_assert_has(e.msg, "anchors and aliases are not supported");
	ck_assert_int_eq(cs_conf_set(c, "a={x: 1, x: 2}", &e), CS_ERR_USAGE);
	ck_assert_has(e.msg, "duplicate key \"x\"");
	ck_assert_str_eq(cs_conf_get(c->root, "a")->value, "1");
	cs_conf_free(c);
}
END_TEST

START_TEST(conf_set_rejects_bad_assignments)
{
	cs_conf *c = parse("a: 5\nl: [1]\n");
	cs_error e;

	ck_assert_int_eq(cs_conf_set(c, "abc", &e), CS_ERR_USAGE);
	ck_assert_str_eq(e.file, "--set");
	ck_assert_str_eq(e.path, "abc");
	ck_assert_has(e.msg, "expected path=value");
	ck_assert_int_eq(cs_conf_set(c, "=5", &e), CS_ERR_USAGE);
	ck_assert_str_eq(e.file, "--set");
	ck_assert_str_eq(e.msg, "empty path before \"=\"");
	ck_assert_int_eq(cs_conf_set(c, "  =5", &e), CS_ERR_USAGE);
	ck_assert_int_eq(cs_conf_set(c, "a..b=5", &e), CS_ERR_USAGE);
	ck_assert_has(e.msg, "empty key");
	ck_assert_int_eq(cs_conf_set(c, "a.=5", &e), CS_ERR_USAGE);
	ck_assert_int_eq(cs_conf_set(c, ".a=5", &e), CS_ERR_USAGE);
	ck_assert_int_eq(cs_conf_set(c, "a.b=1", &e), CS_ERR_USAGE);
	ck_assert_str_eq(e.msg, "\"a\" is \"5\", not a map or a sequence");
	ck_assert_int_eq(cs_conf_set(c, "l.x=1", &e), CS_ERR_USAGE);
	ck_assert_has(e.msg, "no item named \"x\" in \"l\"");
	ck_assert_int_eq(cs_conf_set(c, NULL, &e), CS_ERR_USAGE);
	ck_assert_int_eq(cs_conf_set(c, "abc", NULL), CS_ERR_USAGE);

	/* Nothing changed. */
	ck_assert_uint_eq(c->root->n, 2);
	ck_assert_str_eq(c->root->items[0]->value, "5");
	ck_assert_uint_eq(c->nsets, 0);

	/* Spaces around the path are trimmed; '=' in the value is kept. */
	ck_assert_int_eq(cs_conf_set(c, " a = x=y", &e), CS_OK);
	ck_assert_str_eq(c->root->items[0]->key, "a");
	ck_assert_str_eq(c->root->items[0]->value, "x=y");
	cs_conf_free(c);
}
END_TEST

START_TEST(conf_set_root_not_a_map)
{
	cs_conf *c = parse("[a, b]\n");
	cs_error e;

	ck_assert_int_eq(cs_conf_set(c, "1=z", &e), CS_OK);
	ck_assert_str_eq(c->root->items[1]->value, "z");
	ck_assert_int_eq(cs_conf_set(c, "5=z", &e), CS_ERR_USAGE);
	ck_assert_str_eq(e.msg, "index 5 is out of range: the document has 2 "
	                 "items");
	cs_conf_free(c);

	c = parse("just text\n");
	ck_assert_int_eq(cs_conf_set(c, "a=1", &e), CS_ERR_USAGE);
	ck_assert_str_eq(e.msg, "the document is \"just text\", not a map or a "
	                 "sequence");
	cs_conf_free(c);
}
END_TEST

START_TEST(conf_set_depth_limits)
{
	char path[1024];
	size_t o = 0;
	cs_conf *c = parse("");
	cs_error e;
	int i;

	for (i = 0; i < 100; i++)
		o += (size_t)snprintf(path + o, sizeof path - o, "%sk", i ? "." : "");
	snprintf(path + o, sizeof path - o, "=1");
	ck_assert_int_eq(cs_conf_set(c, path, &e), CS_ERR_USAGE);
	ck_assert_has(e.msg, "path deeper than");
	ck_assert_ptr_null(c->root);

	/* 63 segments: the root and 62 maps; a value that is one more
	 * collection makes 64 levels and fits, two more do not. */
	o = 0;
	for (i = 0; i < 63; i++)
		o += (size_t)snprintf(path + o, sizeof path - o, "%sk", i ? "." : "");
	snprintf(path + o, sizeof path - o, "=[[1]]");
	ck_assert_int_eq(cs_conf_set(c, path, &e), CS_ERR_USAGE);
	ck_assert_has(e.msg, "nesting deeper than 64 levels");
	ck_assert_ptr_null(c->root);
	snprintf(path + o, sizeof path - o, "=[1]");
	ck_assert_int_eq(cs_conf_set(c, path, &e), CS_OK);
	ck_assert_int_eq(c->root->kind, CS_CONF_MAP);
	cs_conf_free(c);

	/* A very deep flow value. */
	c = parse("a: 1\n");
	memset(path, '[', 500);
	memcpy(path, "b=", 2);
	path[500] = '\0';
	ck_assert_int_eq(cs_conf_set(c, path, &e), CS_ERR_USAGE);
	ck_assert_has(e.msg, "nesting deeper than 64 levels");
	cs_conf_free(c);
}
END_TEST

/* One walker for --set, --fit and --point-set: keys, indexes, item names
 * and step ids; where it stops when a path is not there. */
START_TEST(conf_walk_follows_the_set_rules)
{
	static const char text[] =
		"app: {cores: 2}\n"
		"endpoints:\n"
		"  - name: a\n"
		"    steps: [{id: charge, cpu: 5ms}, {delay: 1s}]\n"
		"  - name: b\n"
		"    steps: [{cpu: 7ms}]\n";
	static const char *const p[] = {
		"app.cores", "endpoints.a.steps.charge.cpu",
		"endpoints.1.steps.0.cpu", "endpoints.a.steps.1.delay",
	};
	static const char *const want[] = { "2", "5ms", "7ms", "1s" };
	cs_conf *c = parse(text);
	cs_conf_node *n, *last;
	size_t i, matched;

	for (i = 0; i < 4; i++) {
		n = cs_conf_walk(c->root, p[i], strlen(p[i]), &last, &matched);
		ck_assert_msg(n && n->value && !strcmp(n->value, want[i]),
		              "%s", p[i]);
		ck_assert_ptr_eq(last, n);
	}
	/* stops at the deepest node there: endpoints.a.steps */
	n = cs_conf_walk(c->root, "endpoints.a.steps.nosuch.cpu", 28, &last,
	                 &matched);
	ck_assert_ptr_null(n);
	ck_assert_uint_eq(matched, 3);
	ck_assert_int_eq(last->kind, CS_CONF_SEQ);
	ck_assert_ptr_null(cs_conf_walk(c->root, "endpoints.9", 11, NULL, NULL));
	ck_assert_ptr_null(cs_conf_walk(c->root, "app..cores", 10, NULL, NULL));
	ck_assert_ptr_null(cs_conf_walk(c->root, "app.cores.x", 11, NULL, NULL));
	/* only len bytes count */
	n = cs_conf_walk(c->root, "app.cores=9", 9, NULL, NULL);
	ck_assert(n && !strcmp(n->value, "2"));
	cs_conf_free(c);
}
END_TEST

static Suite *
conf_suite(void)
{
	Suite *s = suite_create("conf");
	TCase *parsing = tcase_create("parse");
	TCase *bad = tcase_create("pathological");
	TCase *getters = tcase_create("getters");
	TCase *sets = tcase_create("set");

	tcase_add_test(parsing, conf_parse_records_positions);
	tcase_add_test(parsing, conf_walk_follows_the_set_rules);
	tcase_add_test(parsing, conf_columns_count_characters);
	tcase_add_test(parsing, conf_get_marks_used);
	tcase_add_test(parsing, conf_empty_document);
	tcase_add_test(parsing, conf_rejects_duplicate_keys);
	tcase_add_test(parsing, conf_duplicate_keys_in_big_map);
	tcase_add_test(parsing, conf_rejects_anchors_and_aliases);
	tcase_add_test(parsing, conf_rejects_nonscalar_keys);
	tcase_add_test(parsing, conf_rejects_multiple_documents);
	tcase_add_test(parsing, conf_rejects_nul_in_scalar);
	tcase_add_test(parsing, conf_parse_error_has_position);
	tcase_add_test(parsing, conf_missing_file);
	tcase_add_test(parsing, conf_parse_file);
	tcase_add_test(parsing, conf_file_bad_utf8_position);
	suite_add_tcase(s, parsing);

	tcase_add_test(bad, conf_rejects_deep_nesting);
	tcase_add_test(bad, conf_rejects_very_deep_nesting);
	tcase_add_test(bad, conf_rejects_deep_block_nesting);
	tcase_add_test(bad, conf_garbage_bytes);
	tcase_add_test(bad, conf_nul_bytes_in_input);
	tcase_add_test(bad, conf_huge_scalar);
	tcase_add_test(bad, conf_huge_numbers);
	suite_add_tcase(s, bad);

	tcase_add_test(getters, conf_number_getter);
	tcase_add_test(getters, conf_number_bounds);
	tcase_add_test(getters, conf_int_getter);
	tcase_add_test(getters, conf_bool_getter);
	tcase_add_test(getters, conf_duration_units);
	tcase_add_test(getters, conf_duration_requires_unit);
	tcase_add_test(getters, conf_rate_units);
	tcase_add_test(getters, conf_ratio_getter);
	tcase_add_test(getters, conf_type_mismatch);
	tcase_add_test(getters, conf_enum_suggests);
	tcase_add_test(getters, conf_check_keys_suggests);
	tcase_add_test(getters, conf_suggest_distance);
	tcase_add_test(getters, conf_path_join);
	tcase_add_test(getters, conf_error_points_at_node);
	suite_add_tcase(s, getters);

	tcase_add_test(sets, conf_set_creates_path);
	tcase_add_test(sets, conf_set_adds_to_file_tree);
	tcase_add_test(sets, conf_set_replaces_value);
	tcase_add_test(sets, conf_set_indexes_sequence);
	tcase_add_test(sets, conf_set_indexes_sequence_by_name);
	tcase_add_test(sets, conf_set_parses_flow_value);
	tcase_add_test(sets, conf_set_rejects_bad_assignments);
	tcase_add_test(sets, conf_set_root_not_a_map);
	tcase_add_test(sets, conf_set_depth_limits);
	suite_add_tcase(s, sets);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(conf_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
