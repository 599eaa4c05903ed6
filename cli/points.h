/*
 * The points capsim calibrate and capsim validate use: --points chooses
 * among the measured points, --point-set gives one of them its own
 * overrides.
 */
#ifndef CS_CLI_POINTS_H
#define CS_CLI_POINTS_H

#include <stddef.h>

#include "calibration/fit.h"
#include "calibration/import.h"
#include "cli/calargs.h"

/*
 * Choose the points of set that a->points names (every point when it is
 * NULL) and add them to cal with their --point-set overrides; map[k] is
 * then the index in set of cal's point k, for *nmap points (map has room
 * for set->n).  0, or an exit status after printing why.
 */
int cs_cli_cal_add_points(const cs_cli_cal_args *a, cs_cal *cal,
                          const cs_imp_set *set, size_t *map, size_t *nmap);

#endif /* CS_CLI_POINTS_H */
