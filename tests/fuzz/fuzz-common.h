/*
 * tests/fuzz/fuzz-common.h — what the libFuzzer harnesses share: a private
 * temporary directory per process (removed at exit), writing an input to a
 * file in it, and splitting an input at a separator line.
 *
 * Each harness is one .c file with LLVMFuzzerTestOneInput.  A harness must
 * leave nothing behind: every file it writes is unlinked before the input
 * returns, and the directory goes at exit.
 */
#ifndef CS_FUZZ_COMMON_H
#define CS_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fz_dir[4096];

static inline void
fz_cleanup(void)
{
	if (fz_dir[0])
		rmdir(fz_dir);
}

/* The process's temporary directory (under $TMPDIR, else /tmp); aborts
 * if it cannot be made, which is no finding of the code under test. */
static inline const char *
fz_tmpdir(void)
{
	const char *base;

	if (fz_dir[0])
		return fz_dir;
	base = getenv("TMPDIR");
	if (!base || !*base)
		base = "/tmp";
	snprintf(fz_dir, sizeof fz_dir, "%s/capsim-fuzz.XXXXXX", base);
	if (!mkdtemp(fz_dir)) {
		perror("capsim fuzz: mkdtemp");
		abort();
	}
	atexit(fz_cleanup);
	return fz_dir;
}

/* Write n bytes to name in the temporary directory; the full path goes
 * to out (size bytes).  The caller unlinks it.  Aborts on failure. */
static inline void
fz_write(const char *name, const uint8_t *data, size_t n, char *out,
         size_t size)
{
	FILE *f;

	snprintf(out, size, "%s/%s", fz_tmpdir(), name);
	f = fopen(out, "wb");
	if (!f || (n && fwrite(data, 1, n, f) != n) || fclose(f)) {
		perror("capsim fuzz: write");
		abort();
	}
}

/* A NUL-terminated copy of n bytes (caller frees); aborts without memory. */
static inline char *
fz_strndup(const uint8_t *data, size_t n)
{
	char *s = malloc(n + 1);

	if (!s)
		abort();
	if (n)
		memcpy(s, data, n);
	s[n] = '\0';
	return s;
}

/* The offset of the first line that is exactly sep (without its newline)
 * in data, or size when there is none; *next gets where the text after
 * that line starts. */
static inline size_t
fz_split(const uint8_t *data, size_t size, const char *sep, size_t *next)
{
	size_t k = strlen(sep), i = 0;

	while (i + k <= size) {
		if (!memcmp(data + i, sep, k) &&
		    (i + k == size || data[i + k] == '\n')) {
			*next = i + k < size ? i + k + 1 : size;
			return i;
		}
		while (i < size && data[i] != '\n')
			i++;
		i++;
	}
	*next = size;
	return size;
}

/* The scenario harnesses' input: the YAML text, then optionally a line
 * "#--set" (a YAML comment, so a plain scenario is a valid input as it
 * is) and one PATH=VALUE override per line.  *yaml gets the YAML and the
 * return value the overrides' text (both NUL-terminated; the caller frees
 * both); sets[0 .. *nsets) point into the latter, at most max of them. */
static inline char *
fz_scenario_input(const uint8_t *data, size_t size, char **yaml,
                  const char **sets, size_t max, size_t *nsets)
{
	size_t next, cut = fz_split(data, size, "#--set", &next);
	char *rest = fz_strndup(data + next, size - next);
	char *line, *save = NULL;

	*yaml = fz_strndup(data, cut);
	*nsets = 0;
	for (line = strtok_r(rest, "\n", &save); line && *nsets < max;
	     line = strtok_r(NULL, "\n", &save))
		sets[(*nsets)++] = line;
	return rest;
}

#endif
