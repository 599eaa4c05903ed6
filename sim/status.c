/* Status codes and user-input errors. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <stdlib.h>

#include "capsim.h"
#include "sim/check.h"

void
cs_assert_fail(const char *expr, const char *what, const char *file,
               int line)
{
	fprintf(stderr, "capsim: internal error at %s:%d: %s (%s is false); "
	        "please report it with the scenario\n", file, line, what, expr);
	fflush(stderr);
	abort();
}

const char *
cs_status_str(cs_status s)
{
	switch (s) {
	case CS_OK: return "success";
	case CS_ERR_NOMEM: return "out of memory";
	case CS_ERR_IO: return "input/output error";
	case CS_ERR_PARSE: return "malformed input";
	case CS_ERR_INVALID: return "invalid value";
	case CS_ERR_USAGE: return "bad command-line argument";
	case CS_ERR_NUMERIC: return "numerical routine failed";
	case CS_ERR_INTERNAL: return "internal error (a bug in capsim)";
	}
	return "unknown status";
}

cs_status
cs_error_set(cs_error *err, cs_status status, const char *file, int line,
             int col, const char *path, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return status;
	snprintf(err->file, sizeof err->file, "%s", file ? file : "");
	err->line = line;
	err->col = col;
	snprintf(err->path, sizeof err->path, "%s", path ? path : "");
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return status;
}

void
cs_error_print(FILE *f, const cs_error *err)
{
	if (err->file[0]) {
		fputs(err->file, f);
		if (err->line > 0) {
			fprintf(f, ":%d", err->line);
			if (err->col > 0)
				fprintf(f, ":%d", err->col);
		}
		fputs(": ", f);
	}
	fputs("error: ", f);
	if (err->path[0])
		fprintf(f, "%s: ", err->path);
	fprintf(f, "%s\n", err->msg);
}
