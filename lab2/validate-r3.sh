#!/bin/bash
# Lab 2, round 3 (lab2/README.md "Round 3"): the shared-host model
# calibrated on every run made before round 3 (c01-c06, h01-h14, s01-s08,
# each with its measured other work), predicting t01-t08 with 90%
# intervals from their design alone; once their data are in
# lab2/data/round3-host.yaml, the comparison with them and with a straight
# line and a USL fitted to c01-c04.
#
#   lab2/validate-r3.sh [path/to/capsim]
#   SCORE_ONLY=1 lab2/validate-r3.sh CAPSIM   # only the comparison, from the
#       committed calibrated.yaml (with the capsim that made the prediction)
set -eu
cd "$(dirname "$0")/.."
capsim=${1:-build/cli/capsim}
scenario=lab2/scenario-host.yaml
out=${OUT:-lab2/results-r3}
mkdir -p "$out"
D=lab2/data
H=$D/round3-host.yaml
# what differs from the base configuration (2 instances, pool 5 per
# instance): pool sizes, and instance counts with the providers'
# concurrency slots (AI 12, messaging 16) split over the instances
four="app.instances=4 services.ai.concurrency=3 services.messaging.concurrency=4"
three="app.instances=3 services.ai.concurrency=4 services.messaging.concurrency=5"
cal_sets=(--point-set h07:db.pool.size=3 --point-set h08:db.pool.size=10
          --point-set s04:db.pool.size=8 --point-set s05:db.pool.size=4
          --point-set s06:db.pool.size=3 --point-set s07:db.pool.size=10)
for p in h09 h10; do for a in $four; do cal_sets+=(--point-set "$p:$a"); done; done
for a in $three; do cal_sets+=(--point-set "s05:$a"); done
new_sets=(--point-set t02:db.pool.size=6 --point-set t03:db.pool.size=4
          --point-set t04:db.pool.size=8 --point-set t06:db.pool.size=3)
for a in $three; do new_sets+=(--point-set "t05:$a"); done
# each calibration run's measured other work (a covariate of that run);
# round 3's own is not used
bg=() cbg=()
while read -r opt arg; do
	case $arg in [chs]*) bg+=("$opt" "$arg") ;; esac
	case $arg in c*) cbg+=("$opt" "$arg") ;; esac
done < <(/usr/bin/python3 lab2/background.py)

if [ -z "${SCORE_ONLY:-}" ]; then
	# the other work of a future run is unknown: the range the 28 runs showed
	"$capsim" calibrate "$scenario" --data $D/measurements-host.yaml \
		$D/heldout-host.yaml $D/round2-host.yaml \
		--fit app.cpu_scale=0.3:5 --fit db.query_scale=0.3:5 \
		--fit app.background=0.52:1.88 --steady --duration 80s \
		"${cal_sets[@]}" "${bg[@]}" -o "$out/calibrated.yaml" > "$out/calibrate.txt" 2>&1

	# the prediction of the round-3 runs, from their design alone
	"$capsim" validate "$out/calibrated.yaml" --data lab2/round3-design.yaml "${new_sets[@]}" \
		--steady --duration 80s > "$out/heldout-prediction.txt" 2>&1
	"$capsim" validate "$out/calibrated.yaml" --data lab2/round3-design.yaml "${new_sets[@]}" \
		--steady --duration 80s --format json -o "$out/heldout-prediction.json" 2>/dev/null
fi

# the comparison, once the round-3 data are in $H (with c01-c04 for the
# straight line and the USL)
if [ -f $H ]; then
	"$capsim" validate "$out/calibrated.yaml" --data $D/measurements-host.yaml $H \
		"${new_sets[@]}" "${cbg[@]}" --steady --duration 80s \
		--baseline-from 5,10,15,25 > "$out/validate.txt" 2>&1
	"$capsim" validate "$out/calibrated.yaml" --data $D/measurements-host.yaml $H \
		"${new_sets[@]}" "${cbg[@]}" --steady --duration 80s \
		--baseline-from 5,10,15,25 --format json -o "$out/validate.json" 2>/dev/null
fi
echo "done: $out" >&2
