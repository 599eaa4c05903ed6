#!/bin/bash
# Lab 1, round 8: the first estimate of the prediction of record — the
# scenario as written (lab/scenario-host.yaml, its FILL-IN values, users
# pinned as round 8's crowd model pins them: affinity_alpha 3.5), not
# calibrated — on round 8's held-out runs, scored as lab/validate-r8.sh
# scores the calibrated file: does calibration beat its own first estimate
# on held-out runs?  Scored after the runs were made (the scenario as
# written was committed long before them).
#   lab/first-estimate-r8.sh [path/to/capsim]
set -eu
cd "$(dirname "$0")/.."
capsim=${1:-build/cli/capsim}
out=lab/results-r8
eval "$(sed -n '/^new_sets=(--point-set q01/,/q10:app.processes=4)/p' lab/validate-r8.sh)"
sbg=()
while read -r opt arg; do
	case $arg in s0[1-4]:*) sbg+=("$opt" "$arg") ;; esac
done < <(/usr/bin/python3 lab2/background.py lab/data-r2)
for f in table json; do
	"$capsim" validate lab/scenario-host.yaml \
		--set app.affinity=user_random --set app.affinity_alpha=3.5 \
		--data "$out/measurements-r2.yaml" "$out/measurements.yaml" \
		--points s01,s02,s03,s04,q01,q02,q03,q04,q05,q06,q07,q08,q09,q10 \
		"${new_sets[@]}" "${sbg[@]}" --steady --duration 90s \
		--baseline-from s01,s02,s03,s04 --format $f \
		-o "$out/first-estimate.$([ $f = table ] && echo txt || echo json)" 2>/dev/null
done
echo "done: $out/first-estimate.{txt,json}" >&2
