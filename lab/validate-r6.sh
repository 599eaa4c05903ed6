#!/bin/bash
# Lab 1, round 6 (lab/README.md "Round 6"): users pinned to processes
# unevenly (app.affinity: user_random with app.affinity_alpha 5, the spread
# of the processes' busy time over 32 earlier runs; docs/model.md
# "Processes").  lab/scenario-host.yaml calibrated with round 5's fits on
# every run of rounds 2-5 (s01-s12, u01-u08, v01-v08, w01-w04, x01-x12: 44
# runs), each with its measured other work, in two variants:
#   pinned   --set app.affinity=user_random --set app.affinity_alpha=5
#            (written into the calibrated file): the prediction of record,
#            fixed before any fit;
#   even     the file's affinity: user (user i on process i mod n): round
#            5's model on the same runs;
# each predicting y01-y10 (eight of them on three or four processes, most
# with one to three connections a process) with 90% intervals from their
# design alone.  Once y01-y10 are in lab/data-r6, the comparison with them
# and with a straight line and a USL fitted to s01-s04.
#
#   lab/validate-r6.sh [path/to/capsim]
#   SCORE_ONLY=1 lab/validate-r6.sh CAPSIM   # only the comparison, from the
#       committed calibrated files (with the capsim that made the prediction)
set -eu
cd "$(dirname "$0")/.."
capsim=${1:-build/cli/capsim}
out=${OUT:-lab/results-r6}
mkdir -p "$out"
M=()
for r in 2 3 4 5; do
	/usr/bin/python3 lab/measurements.py lab/data-r$r > "$out/measurements-r$r.yaml"
	M+=("$out/measurements-r$r.yaml")
done
M6=$out/measurements.yaml
# rounds 2-5's configurations, as lab/validate-r5.sh (round 5's committed
# protocol) gives them
eval "$(sed -n '/^eval /p' lab/validate-r5.sh | head -1)"
cal_sets+=("${new_sets[@]}")
eval "$(sed -n '2p' <(sed -n '/^eval /p' lab/validate-r5.sh))"
cal_sets+=("${new_sets[@]}")
eval "$(sed -n '/^cal_sets+=(--point-set w01/,/w04:app.processes=4)/p' lab/validate-r5.sh)"
eval "$(sed -n '/^new_sets=(--point-set x02/,/x12:db.pool.size=8)/p' lab/validate-r5.sh)"
cal_sets+=("${new_sets[@]}")
# round 6's runs (y01-y10 in lab/run.sh)
new_sets=(--point-set y01:db.pool.size=2 --point-set y01:app.processes=4
          --point-set y02:db.pool.size=1 --point-set y02:app.processes=4
          --point-set y03:db.pool.size=2 --point-set y03:app.processes=4
          --point-set y04:db.pool.size=3 --point-set y04:app.processes=3
          --point-set y04:app.workers=12
          --point-set y05:app.processes=4
          --point-set y06:db.pool.size=2 --point-set y06:app.workers=8
          --point-set y07:db.pool.size=3
          --point-set y08:db.pool.size=1 --point-set y08:app.processes=3
          --point-set y08:app.workers=12
          --point-set y09:db.pool.size=2 --point-set y09:app.processes=4
          --point-set y09:app.workers=8
          --point-set y10:db.pool.size=6)
# each calibration run's measured other work; round 6's own is not used
bg=()
for r in 2 3 4 5; do
	while read -r opt arg; do bg+=("$opt" "$arg"); done \
		< <(/usr/bin/python3 lab2/background.py lab/data-r$r)
done
cal=(--data "${M[@]}" --steady --duration 90s "${cal_sets[@]}" "${bg[@]}")
# round 5's fits; a round-6 run's other work is unknown beforehand:
# 0.03-0.16 cores (rounds 2-5's at 5-300 users), sampled by the prediction
fits=(--fit app.cpu_scale=0.3:5 --fit db.query_scale=0.3:5
      --fit app.overhead=0.005:0.3 --fit db.overhead=0.01:0.5
      --fit app.core_slowdown=0.02:1.5 --fit app.background=0.03:0.16
      --fit app.cold_delay=0.1ms:20ms --fit app.cold_after=5ms:5s)

for m in pinned even; do
	extra=()
	[ $m = pinned ] && extra=(--set app.affinity=user_random --set app.affinity_alpha=5)
	if [ -z "${SCORE_ONLY:-}" ]; then
		"$capsim" calibrate lab/scenario-host.yaml "${cal[@]}" "${fits[@]}" \
			"${extra[@]}" -o "$out/calibrated-$m.yaml" > "$out/calibrate-$m.txt" 2>&1
		for f in table json; do
			"$capsim" validate "$out/calibrated-$m.yaml" --data lab/round6-design.yaml \
				"${new_sets[@]}" --steady --duration 90s --format $f \
				-o "$out/heldout-prediction-$m.$([ $f = table ] && echo txt || echo json)" 2>/dev/null
		done
	fi
	# the comparison, once y01-y10 are measured (s01-s04 for the baselines)
	if [ -d lab/data-r6 ]; then
		/usr/bin/python3 lab/measurements.py lab/data-r6 > "$M6"
		sbg=()
		for ((i = 0; i < ${#bg[@]}; i += 2)); do
			case ${bg[i+1]} in s0[1-4]:*) sbg+=("${bg[i]}" "${bg[i+1]}") ;; esac
		done
		for f in table json; do
			"$capsim" validate "$out/calibrated-$m.yaml" --data "${M[0]}" "$M6" \
				--points s01,s02,s03,s04,y01,y02,y03,y04,y05,y06,y07,y08,y09,y10 \
				"${new_sets[@]}" "${sbg[@]}" --steady --duration 90s \
				--baseline-from s01,s02,s03,s04 --format $f \
				-o "$out/validate-$m.$([ $f = table ] && echo txt || echo json)" 2>/dev/null
		done
	fi
done
grep -H "best objective" "$out"/calibrate-*.txt >&2 || true
echo "done: $out" >&2
