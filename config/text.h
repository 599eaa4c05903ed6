/*
 * Small text helpers shared by the readers and writers: UTF-8 checking
 * and CSV field quoting.
 */
#ifndef CS_TEXT_H
#define CS_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "capsim.h"

/*
 * The largest file read whole into memory (sweep results, shards and run
 * results for merge, plot and report): 256 MiB.  A sweep of 20,000 points
 * of a six-endpoint scenario is about 150 MiB of JSON.
 */
#define CS_TEXT_READ_MAX ((size_t)256 << 20)

/* Length of the valid UTF-8 sequence at u (1 to 4), or 0 if none starts
 * there (overlong forms, surrogates and code points past U+10FFFF are not
 * valid).  u must be NUL-terminated. */
size_t cs_text_utf8_len(const unsigned char *u);

/* Is the whole string valid UTF-8? */
bool cs_text_utf8_valid(const char *s);

/* Write s as one CSV field (RFC 4180): quoted when it holds a comma, a
 * quote or a line break, with quotes doubled. */
void cs_text_csv_field(FILE *f, const char *s);

/*
 * Read the whole file at path into *out, NUL-terminated (caller frees with
 * free()); *len (if not NULL) gets its length.  Regular files and pipes
 * or FIFOs are read; folders, devices and sockets are refused (a device
 * such as /dev/zero never ends), and so is anything longer than max bytes
 * (a regular file at once, from its size).  Returns CS_OK, CS_ERR_IO with
 * err saying why, or CS_ERR_NOMEM.
 */
cs_status cs_text_read_file(const char *path, size_t max, char **out,
                            size_t *len, cs_error *err);

#endif
