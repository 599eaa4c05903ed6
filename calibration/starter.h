/*
 * calibration/starter — a commented starter scenario, written from nothing
 * (a template of the common keys) or from load-test data read by
 * calibration/import.h: the endpoints and their weights, the users or the
 * arrival rate, the think time from Little's law and first service times,
 * each with a comment saying whether it came from the data or is a
 * default.  What capsim init writes.
 */
#ifndef CS_CAL_STARTER_H
#define CS_CAL_STARTER_H

#include <stdio.h>

#include "calibration/import.h"

/*
 * Write the starter scenario to f.  set: the data (NULL or empty: the
 * template); files, nfiles: their names, for the header.  The scenario
 * loads and runs as written.  CS_ERR_INVALID (with err) when no point of
 * the data has a throughput to start from; CS_ERR_IO when writing fails.
 */
cs_status cs_cal_starter_write(FILE *f, const cs_imp_set *set,
                               const char *const *files, size_t nfiles,
                               cs_error *err);

#endif /* CS_CAL_STARTER_H */
