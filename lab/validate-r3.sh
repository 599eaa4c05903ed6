#!/bin/bash
# Lab 1, round 3 (lab/README.md "Round 3"): calibrated on all twelve runs of
# round 2 (s01-s12, lab/data-r2), predicting u01-u08 (new loads, pools and
# worker layouts) with 90% intervals from their design alone, with three
# models:
#   host    lab/scenario-host.yaml: the mechanisms lab 2 taught (the GIL, the
#           host's other work, fixed CPU, cores slower when both are busy, the
#           light-load wake-up), each run given its measured other work
#           (the prediction of record);
#   all12   lab/scenario.yaml, round 2's model, calibrated the same way on the
#           same twelve runs;
#   r2      round 2's committed calibrated file as it stands (s01-s04 only).
# Once u01-u08 are in lab/data-r3, the comparison with them and with a
# straight line and a USL fitted to s01-s04.
#
#   lab/validate-r3.sh [path/to/capsim]
#   SCORE_ONLY=1 lab/validate-r3.sh CAPSIM   # only the comparison, from the
#       committed calibrated files (with the capsim that made the prediction)
set -eu
cd "$(dirname "$0")/.."
capsim=${1:-build/cli/capsim}
out=${OUT:-lab/results-r3}
mkdir -p "$out"
M2=$out/measurements-r2.yaml
M3=$out/measurements.yaml
/usr/bin/python3 lab/measurements.py lab/data-r2 > "$M2"
# what differs from the base configuration (pool 4/process, 2 x 8 threads):
# round 2's runs ...
cal_sets=(--point-set s07:db.pool.size=6 --point-set s08:db.pool.size=3
          --point-set s09:app.processes=4 --point-set s10:db.pool.size=1
          --point-set s11:db.pool.size=8 --point-set s11:app.processes=4
          --point-set s11:app.workers=32
          --point-set s12:db.pool.size=2 --point-set s12:app.processes=1
          --point-set s12:app.workers=4)
# ... and round 3's (u01-u08 in lab/run.sh)
new_sets=(--point-set u03:db.pool.size=5
          --point-set u04:db.pool.size=2 --point-set u04:app.processes=4
          --point-set u05:app.processes=1 --point-set u05:app.workers=8
          --point-set u06:db.pool.size=3 --point-set u06:app.processes=3
          --point-set u06:app.workers=18
          --point-set u07:db.pool.size=6 --point-set u07:app.processes=4
          --point-set u07:app.workers=32
          --point-set u08:db.pool.size=8 --point-set u08:app.workers=8)
# each round-2 run's measured other work (Locust, Redis, the stubs, other
# processes: 0.04-0.15 cores), for the host model; round 3's own is not used
bg=()
while read -r opt arg; do bg+=("$opt" "$arg"); done \
	< <(/usr/bin/python3 lab2/background.py lab/data-r2)
cal=(--data "$M2" --steady --duration 90s "${cal_sets[@]}")
base=(--fit app.cpu_scale=0.3:5 --fit db.query_scale=0.3:5)

if [ -z "${SCORE_ONLY:-}" ]; then
	# the other work of a round-3 run is unknown beforehand: a range
	# (0.06-0.16 cores, round 2's at 20-200 users), sampled by the prediction
	"$capsim" calibrate lab/scenario-host.yaml "${cal[@]}" "${bg[@]}" "${base[@]}" \
		--fit app.overhead=0.005:0.3 --fit db.overhead=0.01:0.5 \
		--fit app.core_slowdown=0.02:1.5 \
		--fit app.cold_delay=0.1ms:20ms --fit app.cold_after=5ms:5s \
		--fit app.background=0.06:0.16 \
		-o "$out/calibrated-host.yaml" > "$out/calibrate-host.txt" 2>&1
	"$capsim" calibrate lab/scenario.yaml "${cal[@]}" "${base[@]}" \
		-o "$out/calibrated-all12.yaml" > "$out/calibrate-all12.txt" 2>&1
	cp lab/results-r2/calibrated.yaml "$out/calibrated-r2.yaml"
	# the host model's uncalibrated first estimate, for the comparison afterwards
	"$capsim" validate lab/scenario-host.yaml --data lab/round3-design.yaml \
		"${new_sets[@]}" --steady --duration 90s --format json \
		-o "$out/first-estimate-prediction.json" 2>/dev/null
	for m in host all12 r2; do
		"$capsim" validate "$out/calibrated-$m.yaml" --data lab/round3-design.yaml \
			"${new_sets[@]}" --steady --duration 90s \
			> "$out/heldout-prediction-$m.txt" 2>&1
		"$capsim" validate "$out/calibrated-$m.yaml" --data lab/round3-design.yaml \
			"${new_sets[@]}" --steady --duration 90s --format json \
			-o "$out/heldout-prediction-$m.json" 2>/dev/null
	done
fi

# the comparison, once u01-u08 are measured (s01-s04 for the baselines)
if [ -d lab/data-r3 ]; then
	/usr/bin/python3 lab/measurements.py lab/data-r3 > "$M3"
	sbg=()
	for ((i = 0; i < ${#bg[@]}; i += 2)); do
		case ${bg[i+1]} in s0[1-4]:*) sbg+=("${bg[i]}" "${bg[i+1]}") ;; esac
	done
	for m in host all12 r2; do
		extra=()
		[ $m = host ] && extra=("${sbg[@]}")
		for f in table json; do
			o=$out/validate-$m.txt
			[ $f = json ] && o=$out/validate-$m.json
			"$capsim" validate "$out/calibrated-$m.yaml" --data "$M2" "$M3" \
				--points s01,s02,s03,s04,u01,u02,u03,u04,u05,u06,u07,u08 \
				"${new_sets[@]}" "${extra[@]}" --steady --duration 90s \
				--baseline-from s01,s02,s03,s04 --format $f -o "$o" 2>/dev/null
		done
	done
	"$capsim" validate lab/scenario-host.yaml --data "$M2" "$M3" \
		--points s01,s02,s03,s04,u01,u02,u03,u04,u05,u06,u07,u08 \
		"${new_sets[@]}" "${sbg[@]}" --steady --duration 90s \
		--baseline-from s01,s02,s03,s04 --format json -o "$out/first-estimate.json" 2>/dev/null
fi
echo "done: $out" >&2
