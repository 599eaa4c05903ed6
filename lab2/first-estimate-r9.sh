#!/bin/bash
# Lab 2, round 9: the first estimate of the prediction of record (the
# "cold" variant: the fit's starting values as calibrate-cold.txt prints
# them, without fitting) of lab2/scenario-fifo.yaml on round 9's runs,
# scored as validate-r9.sh scores the calibrated file: does calibration
# beat its own first estimate on held-out runs?
#   lab2/first-estimate-r9.sh [path/to/capsim]
set -eu
cd "$(dirname "$0")/.."
capsim=${1:-build/cli/capsim}
eval "$(sed -n '/^one=/,/^four=/p' lab2/validate-r8.sh)"
eval "$(sed -n '/^new_sets=(--point-set z03/,/^for a in $one; do new_sets+=(--point-set "z08/p' lab2/validate-r9.sh)"
cbg=()
while read -r opt arg; do case $arg in c*) cbg+=("$opt" "$arg") ;; esac; done < <(/usr/bin/python3 lab2/background.py)
"$capsim" validate lab2/scenario-fifo.yaml --data lab2/data/measurements-host.yaml lab2/data/round9-host.yaml \
  --set app.cpu_scale=1 --set db.query_scale=1 --set app.overhead=0.027386 --set db.overhead=0.063246 \
  --set app.core_slowdown=0.17321 --set app.cold_delay=1.4142ms --set app.cold_after=158.11ms \
  --set app.background=0.23238 \
  "${new_sets[@]}" "${cbg[@]}" --steady --duration 80s --baseline-from c01,c02,c03,c04,c05,c06 \
  --format json -o lab2/results-r9/first-estimate.json 2>/dev/null
