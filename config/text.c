/* UTF-8 checking, CSV quoting and bounded whole-file reads. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/text.h"

size_t
cs_text_utf8_len(const unsigned char *u)
{
	size_t k, i;
	unsigned cp;

	if (*u < 0x80)
		return 1;
	if (*u >= 0xC2 && *u <= 0xDF)
		k = 2, cp = *u & 0x1F;
	else if (*u >= 0xE0 && *u <= 0xEF)
		k = 3, cp = *u & 0x0F;
	else if (*u >= 0xF0 && *u <= 0xF4)
		k = 4, cp = *u & 0x07;
	else
		return 0;
	for (i = 1; i < k; i++) {
		if ((u[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (u[i] & 0x3F);
	}
	if ((k == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
	    (k == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
		return 0;
	return k;
}

bool
cs_text_utf8_valid(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	while (*u) {
		size_t n = cs_text_utf8_len(u);

		if (!n)
			return false;
		u += n;
	}
	return true;
}

void
cs_text_csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* What a file of mode m is, for a refusal. */
static const char *
kind_of(mode_t m)
{
	if (S_ISDIR(m))
		return "a folder";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

cs_status
cs_text_read_file(const char *path, size_t max, char **out, size_t *len,
                  cs_error *err)
{
	FILE *f;
	struct stat st;
	char *buf = NULL, *nb;
	size_t n = 0, cap = 0, r;

	*out = NULL;
	if (len)
		*len = 0;
	f = fopen(path, "rb");
	if (!f)
		return cs_error_set(err, CS_ERR_IO, path, 0, 0, "",
		                    "cannot open: %s", strerror(errno));
	if (fstat(fileno(f), &st)) {
		int e = errno;

		fclose(f);
		return cs_error_set(err, CS_ERR_IO, path, 0, 0, "",
		                    "cannot read: %s", strerror(e));
	}
	if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode)) {
		fclose(f);
		return cs_error_set(err, CS_ERR_IO, path, 0, 0, "",
		    "is %s: give a file (or a pipe)", kind_of(st.st_mode));
	}
	if (S_ISREG(st.st_mode) && (unsigned long long)st.st_size > max) {
		fclose(f);
		return cs_error_set(err, CS_ERR_IO, path, 0, 0, "",
		    "is %llu bytes, more than the %zu MiB capsim reads",
		    (unsigned long long)st.st_size, max >> 20);
	}
	for (;;) {
		if (cap - n < 65536) {
			/* grow to at most max + 2: one byte past max tells a
			 * pipe that is too long from one that is exactly max */
			size_t nc = cap ? 2 * cap : 65536;

			if (nc > max + 2)
				nc = max + 2;
			if (nc > cap) {
				nb = realloc(buf, nc);
				if (!nb) {
					free(buf);
					fclose(f);
					return cs_error_set(err, CS_ERR_NOMEM, path,
					                    0, 0, "", "out of memory");
				}
				buf = nb;
				cap = nc;
			}
		}
		r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
		if (n > max) {
			free(buf);
			fclose(f);
			return cs_error_set(err, CS_ERR_IO, path, 0, 0, "",
			    "is longer than the %zu MiB capsim reads", max >> 20);
		}
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		int e = errno;

		free(buf);
		fclose(f);
		return cs_error_set(err, CS_ERR_IO, path, 0, 0, "",
		                    "cannot read: %s", strerror(e));
	}
	fclose(f);
	buf[n] = '\0';
	*out = buf;
	if (len)
		*len = n;
	return CS_OK;
}
