#!/bin/bash
# Lab 2, round 2 (lab2/README.md "Round 2"): the shared-host model
# calibrated on c01-c06, predicting s01-s08 with 90% intervals from their
# design alone; once their data are in lab2/data/round2-host.yaml, the
# comparison with them and with a straight line and a USL; and the
# round-1 model scored on them after the fact (lab2/results-r2-base).
#
#   lab2/validate-r2.sh [path/to/capsim]
set -eu
cd "$(dirname "$0")/.."
capsim=${1:-build/cli/capsim}
scenario=lab2/scenario-host.yaml
out=${OUT:-lab2/results-r2}
mkdir -p "$out"
M=lab2/data/measurements-host.yaml
H=lab2/data/round2-host.yaml
# what differs from the base configuration (2 instances, pool 5): the
# provider's concurrency slots (AI 12, messaging 16) split over the
# instances; with 3, AI 4 each and messaging 5 each (15 of its 16)
sets=(--point-set s04:db.pool.size=8 --point-set s06:db.pool.size=3
      --point-set s07:db.pool.size=10)
for a in app.instances=3 db.pool.size=4 services.ai.concurrency=4 \
         services.messaging.concurrency=5; do
	sets+=(--point-set "s05:$a")
done
# each calibration run's measured other work (a covariate of that run)
csets=()
while read -r opt arg; do
	case $arg in c*) csets+=("$opt" "$arg") ;; esac
done < <(/usr/bin/python3 lab2/background.py)

# SCORE_ONLY=1: only the comparison, from the committed calibrated file
# and prediction (a refit with another capsim would replace the
# prediction that was made)
if [ -z "${SCORE_ONLY:-}" ]; then
	# app.background of a future run is unknown: the calibration runs' range
	"$capsim" calibrate "$scenario" --data "$M" --points c01,c02,c03,c04,c05,c06 \
		--fit app.cpu_scale=0.3:5 --fit db.query_scale=0.3:5 \
		--fit app.background=0.88:1.88 --steady --duration 80s \
		"${csets[@]}" -o "$out/calibrated.yaml" > "$out/calibrate.txt" 2>&1

	# the prediction of the round-2 runs, from their design alone
	"$capsim" validate "$out/calibrated.yaml" --data lab2/round2-design.yaml "${sets[@]}" \
		--steady --duration 80s > "$out/heldout-prediction.txt" 2>&1
fi

# the comparison, once the round-2 data are in $H
if [ -f $H ]; then
	"$capsim" validate "$out/calibrated.yaml" --data "$M" $H \
		"${sets[@]}" "${csets[@]}" --steady --duration 80s --baseline-from 5,10,15,25 \
		> "$out/validate.txt" 2>&1
	"$capsim" validate "$out/calibrated.yaml" --data "$M" $H \
		"${sets[@]}" "${csets[@]}" --steady --duration 80s --baseline-from 5,10,15,25 \
		--format json -o "$out/validate.json" 2>/dev/null
fi
# after the fact (not a prediction): the round-1 model, frozen since
# round 1 (lab2/results/calibrated.yaml, own cores), scored on the same runs
if [ -f lab2/data/round2.yaml ]; then
	base=${OUT_BASE:-lab2/results-r2-base}
	mkdir -p "$base"
	"$capsim" validate lab2/results/calibrated.yaml --data lab2/data/measurements.yaml \
		lab2/data/round2.yaml "${sets[@]}" --steady --duration 80s --baseline-from 5,10,15,25 \
		> "$base/validate.txt" 2>&1
	"$capsim" validate lab2/results/calibrated.yaml --data lab2/data/measurements.yaml \
		lab2/data/round2.yaml "${sets[@]}" --steady --duration 80s --baseline-from 5,10,15,25 \
		--format json -o "$base/validate.json" 2>/dev/null
fi
echo "done: $out" >&2
