#!/bin/bash
# Lab 2, round 8, after the fact (not a prediction: y01-y08 were measured
# before this was written): lab2/validate-r8.sh's calibration with
# app.cold_delay and app.cold_after fitted too (docs/model.md "Cold
# processes"), scored on the same held-out runs.  Outputs in
# lab2/results-r8/posthoc-cold/.
#
#   lab2/validate-r8-cold.sh [path/to/capsim]
set -eu
cd "$(dirname "$0")/.."
capsim=${1:-build/cli/capsim}
out=${OUT:-lab2/results-r8/posthoc-cold}
mkdir -p "$out"
D=lab2/data
# round 8's point sets, the runs' other work and the fits, as
# lab2/validate-r8.sh (the committed protocol) has them
eval "$(sed -n '/^one=/,/^      --fit app.core_slowdown/p' lab2/validate-r8.sh)"
fits+=(--fit app.cold_delay=0.1ms:20ms --fit app.cold_after=5ms:5s)
"$capsim" calibrate lab2/scenario-fifo.yaml --data $D/round3-host.yaml \
	$D/noise-host.yaml $D/round4-host.yaml $D/round5-host.yaml \
	$D/round6-host.yaml $D/round7-host.yaml \
	"${fits[@]}" --fit app.background=0.12:0.45 --steady \
	--duration 80s "${cal_sets[@]}" "${bg[@]}" \
	-o "$out/calibrated-fifo.yaml" > "$out/calibrate-fifo.txt" 2>&1
for f in table json; do
	"$capsim" validate "$out/calibrated-fifo.yaml" --data $D/measurements-host.yaml \
		$D/round8-host.yaml "${new_sets[@]}" "${cbg[@]}" --steady --duration 80s \
		--baseline-from 5,10,15,25 --format $f \
		-o "$out/validate-fifo.$([ $f = table ] && echo txt || echo json)" 2>/dev/null
done
echo "done: $out" >&2
