#!/bin/bash
# Lab 2, round 8: the first estimate (the fit's starting values, the
# middle of each --fit range, without fitting) of lab2/scenario-fifo.yaml
# on round 8's runs, scored as validate-r8.sh scores the calibrated file:
# does calibration beat its own first estimate on held-out runs?
#   lab2/first-estimate-r8.sh [path/to/capsim]
set -eu
cd "$(dirname "$0")/.."
capsim=${1:-build/cli/capsim}
src=$(sed -n '/^one=/,/^for a in $four; do new_sets+=(--point-set "y05/p' lab2/validate-r8.sh)
eval "$src"
cbg=()
while read -r opt arg; do case $arg in c*) cbg+=("$opt" "$arg") ;; esac; done < <(/usr/bin/python3 lab2/background.py)
"$capsim" validate lab2/scenario-fifo.yaml --data lab2/data/measurements-host.yaml lab2/data/round8-host.yaml \
  --set app.cpu_scale=1 --set db.query_scale=1 --set app.overhead=0.027386 --set db.overhead=0.063246 \
  --set app.core_slowdown=0.17321 --set app.background=0.23238 \
  "${new_sets[@]}" "${cbg[@]}" --steady --duration 80s --baseline-from 5,10,15,25 --format json -o lab2/results-r8/first-estimate.json 2>/dev/null
