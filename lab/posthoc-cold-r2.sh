#!/bin/bash
# Lab 1, round 2, after the fact (not a prediction: s05-s12 were measured
# before this was written): the same protocol as lab/validate-r2.sh with
# app.cold_delay and app.cold_after fitted too (docs/model.md "Cold
# processes"), scored on the same held-out runs.  Outputs in
# lab/results-r2/posthoc-cold/.
#
#   lab/posthoc-cold-r2.sh [path/to/capsim]
set -eu
cd "$(dirname "$0")/.."
capsim=${1:-build/cli/capsim}
out=lab/results-r2/posthoc-cold
mkdir -p "$out"
M=lab/results-r2/measurements.yaml
# the held-out runs' configurations, as the committed protocol has them
eval "$(sed -n '/^sets=(/,/s12:app.workers=4)/p' lab/validate-r2.sh)"
"$capsim" calibrate lab/scenario.yaml --data "$M" --points s01,s02,s03,s04 \
	--fit app.cpu_scale=0.3:5 --fit db.query_scale=0.3:5 \
	--fit app.cold_delay=0.1ms:20ms --fit app.cold_after=5ms:5s \
	--steady --duration 90s -o "$out/calibrated.yaml" > "$out/calibrate.txt" 2>&1
for f in table json; do
	"$capsim" validate "$out/calibrated.yaml" --data "$M" \
		--points s01,s02,s03,s04,s05,s06,s07,s08,s09,s10,s11,s12 "${sets[@]}" \
		--steady --duration 90s --baseline-from s01,s02,s03,s04 --format $f \
		-o "$out/validate.$([ $f = table ] && echo txt || echo json)" 2>/dev/null
done
echo "done: $out" >&2
