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
sets=(--point-set s07:db.pool.size=6 --point-set s08:db.pool.size=3
      --point-set s09:app.processes=4 --point-set s10:db.pool.size=1
      --point-set s11:db.pool.size=8 --point-set s11:app.processes=4
      --point-set s11:app.workers=32
      --point-set s12:db.pool.size=2 --point-set s12:app.processes=1
      --point-set s12:app.workers=4)
"$capsim" calibrate lab/scenario.yaml --data "$M" --points s01,s02,s03,s04 \
	--fit app.cpu_scale=0.3:5 --fit db.query_scale=0.3:5 \
	--fit app.cold_delay=0.1ms:20ms --fit app.cold_after=5ms:5s \
	--steady --duration 90s -o "$out/calibrated.yaml" > "$out/calibrate.txt" 2>&1
held=s05,s06,s07,s08,s09,s10,s11,s12
"$capsim" validate "$out/calibrated.yaml" --data "$M" --points s01,s02,s03,s04,$held \
	"${sets[@]}" --steady --duration 90s --baseline-from s01,s02,s03,s04 \
	> "$out/validate.txt" 2>&1
"$capsim" validate "$out/calibrated.yaml" --data "$M" --points s01,s02,s03,s04,$held \
	"${sets[@]}" --steady --duration 90s --baseline-from s01,s02,s03,s04 \
	--format json -o "$out/validate.json" 2>/dev/null
echo "done: $out" >&2
