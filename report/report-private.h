/* report — what its files share and nobody else needs. */
#ifndef CS_REPORT_PRIVATE_H
#define CS_REPORT_PRIVATE_H

#include "report/report.h"

/* A whole file as a string in *out (caller frees with free()), at most
 * CS_TEXT_READ_MAX bytes, not a device (cs_text_read_file).  CS_ERR_IO
 * when it cannot be read or is refused, CS_ERR_NOMEM. */
cs_status cs_rep_slurp(const char *path, char **out, cs_error *err);

#endif /* CS_REPORT_PRIVATE_H */
