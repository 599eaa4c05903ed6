#!/bin/bash
# Lab 2 held-out validation from committed data: calibrate on the
# low-load runs c01-c06, predict the held-out runs h01-h14 with 90%
# intervals, compare (once their data are committed) with the measurements
# and with a straight line and a USL fitted to the same calibration runs.
#
#   lab2/validate.sh [path/to/capsim]
#   SCENARIO=lab2/scenario-host.yaml DATA=-host OUT=lab2/results-host lab2/validate.sh
#     (post hoc: the shared-host model, its utilizations as it defines them)
#   BACKGROUND=1 ... adds each run's measured other work (lab2/background.py)
set -eu
cd "$(dirname "$0")/.."
capsim=${1:-build/cli/capsim}
scenario=${SCENARIO:-lab2/scenario.yaml}
out=${OUT:-lab2/results}
mkdir -p "$out"
M=lab2/data/measurements${DATA:-}.yaml
H=lab2/data/heldout${DATA:-}.yaml
# what differs from the base configuration (2 instances, pool 5): the
# provider's concurrency slots are split over the instances (its token
# buckets are one per service in capsim too)
four="app.instances=4 services.ai.concurrency=3 services.messaging.concurrency=4"
sets=(--point-set h07:db.pool.size=3 --point-set h08:db.pool.size=10)
for p in h09 h10; do
	for a in $four; do sets+=(--point-set "$p:$a"); done
done
csets=()
if [ -n "${BACKGROUND:-}" ]; then
	while read -r opt arg; do
		case $arg in c*) csets+=("$opt" "$arg") ;; *) sets+=("$opt" "$arg") ;; esac
	done < <(/usr/bin/python3 lab2/background.py)
fi

# SCORE_ONLY=1: only the comparison, from the committed calibrated file
# and prediction (a refit with another capsim would replace the
# prediction that was made)
if [ -z "${SCORE_ONLY:-}" ]; then
	"$capsim" calibrate "$scenario" --data "$M" --points c01,c02,c03,c04,c05,c06 \
		--fit app.cpu_scale=0.3:5 --fit db.query_scale=0.3:5 --steady --duration 80s \
		${csets[@]+"${csets[@]}"} -o "$out/calibrated.yaml" > "$out/calibrate.txt" 2>&1

	# the prediction of the held-out runs, from their design alone
	"$capsim" validate "$out/calibrated.yaml" --data lab2/heldout-design.yaml "${sets[@]}" \
		--steady --duration 80s > "$out/heldout-prediction.txt" 2>&1
fi

# the comparison, once the held-out data are in $H
if [ -f $H ]; then
	"$capsim" validate "$out/calibrated.yaml" --data "$M" $H \
		"${sets[@]}" ${csets[@]+"${csets[@]}"} --steady --duration 80s --baseline-from 5,10,15,25 \
		> "$out/validate.txt" 2>&1
	"$capsim" validate "$out/calibrated.yaml" --data "$M" $H \
		"${sets[@]}" ${csets[@]+"${csets[@]}"} --steady --duration 80s --baseline-from 5,10,15,25 \
		--format json -o "$out/validate.json" 2>/dev/null
fi
echo "done: $out" >&2
