#!/bin/bash
# Lab 2, round 4 (lab2/README.md "Round 4"): the shared-host model with the
# two CPU mechanisms round 3 missed (a fixed CPU part per process,
# app.overhead / db.overhead, and CPU per request that grows when the
# machine's cores are all busy, app.core_slowdown), calibrated on the runs
# made on a quiet machine (round 3, t01-t08) and the noise experiment
# (n01-n03, one quiet and two beside fuzzers), each with its measured other
# work, predicting u01-u08 (a quiet machine again, u07 beside a neighbour)
# with 90% intervals from their design alone; once their data are in
# lab2/data/round4-host.yaml, the comparison with them and with a straight
# line and a USL fitted to c01-c04.  Why not all 39 runs: lab2/README.md
# "Round 4" (ALL=1 makes that calibration too, into calibrate-all.txt).
#
#   lab2/validate-r4.sh [path/to/capsim]
#   SCORE_ONLY=1 lab2/validate-r4.sh CAPSIM   # only the comparison, from the
#       committed calibrated.yaml (with the capsim that made the prediction)
set -eu
cd "$(dirname "$0")/.."
capsim=${1:-build/cli/capsim}
scenario=lab2/scenario-host.yaml
out=${OUT:-lab2/results-r4}
mkdir -p "$out"
D=lab2/data
H=$D/round4-host.yaml
# what differs from the base configuration (2 instances, pool 5 per
# instance): pool sizes, and instance counts with the providers'
# concurrency slots (AI 12, messaging 16) split over the instances
four="app.instances=4 services.ai.concurrency=3 services.messaging.concurrency=4"
three="app.instances=3 services.ai.concurrency=4 services.messaging.concurrency=5"
cal_sets=(--point-set t02:db.pool.size=6 --point-set t03:db.pool.size=4
          --point-set t04:db.pool.size=8 --point-set t06:db.pool.size=3)
for a in $three; do cal_sets+=(--point-set "t05:$a"); done
all_sets=("${cal_sets[@]}" --point-set h07:db.pool.size=3 --point-set h08:db.pool.size=10
          --point-set s04:db.pool.size=8 --point-set s05:db.pool.size=4
          --point-set s06:db.pool.size=3 --point-set s07:db.pool.size=10)
for p in h09 h10; do for a in $four; do all_sets+=(--point-set "$p:$a"); done; done
for a in $three; do all_sets+=(--point-set "s05:$a"); done
new_sets=(--point-set u03:db.pool.size=10 --point-set u05:db.pool.size=3
          --point-set u06:db.pool.size=8)
for a in $four; do new_sets+=(--point-set "u06:$a"); done
for a in $three; do new_sets+=(--point-set "u05:$a"); done
# u07 runs beside lab2/hog.js (one always-runnable thread): the quiet range
# plus that thread
new_sets+=(--point-set u07:app.background=1.3)
# each calibration run's measured other work (a covariate of that run);
# round 4's own is not used
bg=() allbg=() cbg=()
while read -r opt arg; do
	case $arg in [tn]*) bg+=("$opt" "$arg") ;; esac
	case $arg in [chstn]*) allbg+=("$opt" "$arg") ;; esac
	case $arg in c*) cbg+=("$opt" "$arg") ;; esac
done < <(/usr/bin/python3 lab2/background.py)
fits=(--fit app.cpu_scale=0.2:5 --fit db.query_scale=0.2:5
      --fit app.overhead=0.005:0.15 --fit db.overhead=0.01:0.4
      --fit app.core_slowdown=0.02:1.5)

if [ -z "${SCORE_ONLY:-}" ]; then
	# the other work of a quiet-machine run (sampled by the prediction):
	# what the lab's own helpers (JMeter, nginx, Redis, the stubs, the
	# sampler) and a quiet machine took in round 3 and n01, 0.18-0.31
	# cores, widened to 0.12-0.45
	"$capsim" calibrate "$scenario" --data $D/round3-host.yaml $D/noise-host.yaml \
		"${fits[@]}" --fit app.background=0.12:0.45 --steady --duration 80s \
		"${cal_sets[@]}" "${bg[@]}" -o "$out/calibrated.yaml" > "$out/calibrate.txt" 2>&1
	# the same model on every run before round 4, busy machine included
	# (not used for the prediction)
	if [ -n "${ALL:-}" ]; then
		"$capsim" calibrate "$scenario" --data $D/measurements-host.yaml \
			$D/heldout-host.yaml $D/round2-host.yaml $D/round3-host.yaml \
			$D/noise-host.yaml "${fits[@]}" --fit app.background=0.12:0.45 \
			--steady --duration 80s "${all_sets[@]}" "${allbg[@]}" \
			> "$out/calibrate-all.txt" 2>&1
	fi

	# the prediction of the round-4 runs, from their design alone
	"$capsim" validate "$out/calibrated.yaml" --data lab2/round4-design.yaml "${new_sets[@]}" \
		--steady --duration 80s > "$out/heldout-prediction.txt" 2>&1
	"$capsim" validate "$out/calibrated.yaml" --data lab2/round4-design.yaml "${new_sets[@]}" \
		--steady --duration 80s --format json -o "$out/heldout-prediction.json" 2>/dev/null
fi

# the comparison, once the round-4 data are in $H (with c01-c04 for the
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
