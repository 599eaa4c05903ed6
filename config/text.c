/* UTF-8 checking and CSV quoting. */
#include <string.h>

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
