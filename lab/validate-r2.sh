#!/bin/bash
# Lab 1, round 2 (lab/README.md "Round 2"): the first lab rebuilt on another
# machine, its model (lab/scenario.yaml) calibrated exactly as lab/validate.sh
# does (app.cpu_scale and db.query_scale on the 5-40-user runs s01-s04 of
# the base configuration), predicting s05-s12 (other loads, pools and worker
# layouts) with 90% intervals from their design alone; once their data are
# in lab/data-r2, the comparison with them and with a straight line and a
# USL fitted to s01-s04.
#
#   lab/validate-r2.sh [path/to/capsim]
#   SCORE_ONLY=1 lab/validate-r2.sh CAPSIM   # only the comparison, from the
#       committed calibrated file (with the capsim that made the prediction)
set -eu
cd "$(dirname "$0")/.."
capsim=${1:-build/cli/capsim}
out=${OUT:-lab/results-r2}
mkdir -p "$out"
M=$out/measurements.yaml
/usr/bin/python3 lab/measurements.py lab/data-r2 > "$M"
# what differs from the base configuration (pool 4/process, 2 x 8 threads)
sets=(--point-set s07:db.pool.size=6 --point-set s08:db.pool.size=3
      --point-set s09:app.processes=4 --point-set s10:db.pool.size=1
      --point-set s11:db.pool.size=8 --point-set s11:app.processes=4
      --point-set s11:app.workers=32
      --point-set s12:db.pool.size=2 --point-set s12:app.processes=1
      --point-set s12:app.workers=4)

if [ -z "${SCORE_ONLY:-}" ]; then
	"$capsim" calibrate lab/scenario.yaml --data "$M" --points s01,s02,s03,s04 \
		--fit app.cpu_scale=0.3:5 --fit db.query_scale=0.3:5 \
		--steady --duration 90s -o "$out/calibrated.yaml" > "$out/calibrate.txt" 2>&1
	# the prediction of s05-s12, from their design alone
	"$capsim" validate "$out/calibrated.yaml" --data lab/round2-design.yaml \
		"${sets[@]}" --steady --duration 90s > "$out/heldout-prediction.txt" 2>&1
	"$capsim" validate "$out/calibrated.yaml" --data lab/round2-design.yaml \
		"${sets[@]}" --steady --duration 90s --format json \
		-o "$out/heldout-prediction.json" 2>/dev/null
	# the uncalibrated first estimate, for the comparison afterwards
	"$capsim" validate lab/scenario.yaml --data lab/round2-design.yaml \
		"${sets[@]}" --steady --duration 90s --format json \
		-o "$out/first-estimate-prediction.json" 2>/dev/null
fi

# the comparison, once s05-s12 are measured
if grep -q "name: s05" "$M"; then
	held=s05,s06,s07,s08,s09,s10,s11,s12
	"$capsim" validate "$out/calibrated.yaml" --data "$M" --points s01,s02,s03,s04,$held \
		"${sets[@]}" --steady --duration 90s --baseline-from s01,s02,s03,s04 \
		> "$out/validate.txt" 2>&1
	"$capsim" validate "$out/calibrated.yaml" --data "$M" --points s01,s02,s03,s04,$held \
		"${sets[@]}" --steady --duration 90s --baseline-from s01,s02,s03,s04 \
		--format json -o "$out/validate.json" 2>/dev/null
	"$capsim" validate lab/scenario.yaml --data "$M" --points s01,s02,s03,s04,$held \
		"${sets[@]}" --steady --duration 90s --baseline-from s01,s02,s03,s04 \
		--format json -o "$out/first-estimate.json" 2>/dev/null
fi
echo "done: $out" >&2
