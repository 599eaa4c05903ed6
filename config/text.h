/*
 * Small text helpers shared by the readers and writers: UTF-8 checking
 * and CSV field quoting.
 */
#ifndef CS_TEXT_H
#define CS_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Length of the valid UTF-8 sequence at u (1 to 4), or 0 if none starts
 * there (overlong forms, surrogates and code points past U+10FFFF are not
 * valid).  u must be NUL-terminated. */
size_t cs_text_utf8_len(const unsigned char *u);

/* Is the whole string valid UTF-8? */
bool cs_text_utf8_valid(const char *s);

/* Write s as one CSV field (RFC 4180): quoted when it holds a comma, a
 * quote or a line break, with quotes doubled. */
void cs_text_csv_field(FILE *f, const char *s);

#endif
