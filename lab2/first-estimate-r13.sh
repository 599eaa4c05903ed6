#!/bin/bash
# Lab 2, round 13: the first estimate of the prediction of record (the
# "all83" variant: the fit's starting values as calibrate-all83.txt prints
# them, without fitting) of lab2/scenario-fifo.yaml on round 13's runs,
# scored as validate-r13.sh scores the calibrated file: does calibration
# beat its own first estimate on held-out runs?  (Written after the data.)
#   lab2/first-estimate-r12.sh [path/to/capsim]
set -eu
cd "$(dirname "$0")/.."
capsim=${1:-build/cli/capsim}
eval "$(sed -n '/^one=/,/^four=/p' lab2/validate-r8.sh)"
eval "$(sed -n '/^five=/,/^six=/p' lab2/validate-r13.sh)"
eval "$(sed -n '/^new_sets=(--point-set g01/,/^for a in $one; do new_sets+=(--point-set "g07/p' lab2/validate-r13.sh)"
cbg=()
while read -r opt arg; do case $arg in c*) cbg+=("$opt" "$arg") ;; esac; done < <(/usr/bin/python3 lab2/background.py)
"$capsim" validate lab2/scenario-fifo.yaml --data lab2/data/measurements-host.yaml lab2/data/round13-host.yaml \
  --set app.cpu_scale=1 --set db.query_scale=1 --set app.overhead=0.027386 --set db.overhead=0.063246 \
  --set app.core_slowdown=0.17321 --set app.cold_delay=1.4142ms --set app.cold_after=158.11ms \
  --set db.connection_cost=0.014142 --set app.background=0.23238 \
  "${new_sets[@]}" "${cbg[@]}" --steady --duration 80s --baseline-from c01,c02,c03,c04,c05,c06 \
  --format json -o lab2/results-r13/first-estimate.json 2>/dev/null
