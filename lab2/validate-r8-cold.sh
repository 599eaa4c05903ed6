#!/bin/bash
# Lab 2, round 8, after the fact (not a prediction: y01-y08 were measured
# before this was written): lab2/validate-r8.sh with app.cold_delay and
# app.cold_after fitted too (docs/model.md "Cold processes"), scored on the
# same held-out runs.  Outputs in lab2/results-r8/posthoc-cold/ (its
# heldout-prediction-* files, made after the data too, are not kept).
#
#   lab2/validate-r8-cold.sh [path/to/capsim]
set -eu
cd "$(dirname "$0")/.."
capsim=${1:-build/cli/capsim}
out=${OUT:-lab2/results-r8/posthoc-cold}
mkdir -p "$out"
D=lab2/data
H=$D/round8-host.yaml
# what differs from the base configuration (2 instances, pool 5 per
# instance): pool sizes, and instance counts with the providers'
# concurrency slots (AI 12, messaging 16) split over the instances
one="app.instances=1 services.ai.concurrency=12 services.messaging.concurrency=16"
three="app.instances=3 services.ai.concurrency=4 services.messaging.concurrency=5"
four="app.instances=4 services.ai.concurrency=3 services.messaging.concurrency=4"
cal_sets=(--point-set t02:db.pool.size=6 --point-set t03:db.pool.size=4
          --point-set t04:db.pool.size=8 --point-set t06:db.pool.size=3)
for a in $three; do cal_sets+=(--point-set "t05:$a"); done
cal_sets+=(--point-set u03:db.pool.size=10 --point-set u05:db.pool.size=3
           --point-set u06:db.pool.size=8)
for a in $four; do cal_sets+=(--point-set "u06:$a"); done
for a in $three; do cal_sets+=(--point-set "u05:$a"); done
cal_sets+=(--point-set v01:db.pool.size=10 --point-set v04:db.pool.size=2
           --point-set v07:db.pool.size=6 --point-set v08:db.pool.size=10)
for p in v02 v03; do for a in $one; do cal_sets+=(--point-set "$p:$a"); done; done
for a in $four; do cal_sets+=(--point-set "v06:$a"); done
cal_sets+=(--point-set w01:db.pool.size=3 --point-set w02:db.pool.size=4
           --point-set w03:db.pool.size=8 --point-set w04:db.pool.size=2
           --point-set w06:db.pool.size=6 --point-set w07:db.pool.size=10)
for a in $one; do cal_sets+=(--point-set "w02:$a" --point-set "w05:$a"); done
for a in $three; do cal_sets+=(--point-set "w04:$a" --point-set "w06:$a"); done
for a in $four; do cal_sets+=(--point-set "w07:$a"); done
# round 7's runs, now calibration points
cal_sets+=(--point-set x02:db.pool.size=10 --point-set x03:db.pool.size=10
           --point-set x04:db.pool.size=8 --point-set x05:db.pool.size=4
           --point-set x06:db.pool.size=6 --point-set x07:db.pool.size=3
           --point-set x08:db.pool.size=10)
for a in $four; do cal_sets+=(--point-set "x01:$a" --point-set "x03:$a" --point-set "x08:$a"); done
for a in $one; do cal_sets+=(--point-set "x04:$a"); done
for a in $three; do cal_sets+=(--point-set "x06:$a" --point-set "x07:$a"); done
# round 8's runs (y01-y08 in lab2/run.sh)
new_sets=(--point-set y02:db.pool.size=1 --point-set y03:db.pool.size=12
          --point-set y04:db.pool.size=2 --point-set y05:db.pool.size=3
          --point-set y06:db.pool.size=8 --point-set y07:db.pool.size=8)
for a in $three; do new_sets+=(--point-set "y03:$a"); done
for a in $one; do new_sets+=(--point-set "y04:$a" --point-set "y07:$a"); done
for a in $four; do new_sets+=(--point-set "y05:$a"); done
# each calibration run's measured other work (a covariate of that run);
# round 8's own is not used
bg=() cbg=()
while read -r opt arg; do
	case $arg in [tnuvwx]*) bg+=("$opt" "$arg") ;; esac
	case $arg in c*) cbg+=("$opt" "$arg") ;; esac
done < <(/usr/bin/python3 lab2/background.py)
fits=(--fit app.cpu_scale=0.2:5 --fit db.query_scale=0.2:5
      --fit app.overhead=0.005:0.15 --fit db.overhead=0.01:0.4
      --fit app.core_slowdown=0.02:1.5 --fit app.cold_delay=0.1ms:20ms --fit app.cold_after=5ms:5s)

for m in fifo; do
	scenario=lab2/scenario-$m.yaml
	if [ -z "${SCORE_ONLY:-}" ]; then
		# the other work of a quiet-machine run (sampled by the
		# prediction): 0.12-0.45 cores, as in rounds 4-7
		"$capsim" calibrate "$scenario" --data $D/round3-host.yaml \
			$D/noise-host.yaml $D/round4-host.yaml $D/round5-host.yaml \
			$D/round6-host.yaml $D/round7-host.yaml \
			"${fits[@]}" --fit app.background=0.12:0.45 --steady \
			--duration 80s "${cal_sets[@]}" "${bg[@]}" \
			-o "$out/calibrated-$m.yaml" > "$out/calibrate-$m.txt" 2>&1

		# the prediction of the round-8 runs, from their design alone
		"$capsim" validate "$out/calibrated-$m.yaml" --data lab2/round8-design.yaml \
			"${new_sets[@]}" --steady --duration 80s \
			> "$out/heldout-prediction-$m.txt" 2>&1
		"$capsim" validate "$out/calibrated-$m.yaml" --data lab2/round8-design.yaml \
			"${new_sets[@]}" --steady --duration 80s --format json \
			-o "$out/heldout-prediction-$m.json" 2>/dev/null
	fi

	# the comparison, once the round-8 data are in $H (with c01-c04 for
	# the straight line and the USL)
	if [ -f $H ]; then
		"$capsim" validate "$out/calibrated-$m.yaml" --data $D/measurements-host.yaml $H \
			"${new_sets[@]}" "${cbg[@]}" --steady --duration 80s \
			--baseline-from 5,10,15,25 > "$out/validate-$m.txt" 2>&1
		"$capsim" validate "$out/calibrated-$m.yaml" --data $D/measurements-host.yaml $H \
			"${new_sets[@]}" "${cbg[@]}" --steady --duration 80s \
			--baseline-from 5,10,15,25 --format json -o "$out/validate-$m.json" 2>/dev/null
	fi
done
echo "done: $out" >&2
