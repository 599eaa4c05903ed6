#!/bin/bash
# Lab 1, round 7 (lab/README.md "Round 7"): each connection held as the app
# holds it.  Two models calibrated with round 6's fits on every run of
# rounds 2-6 (s01-s12, u01-u08, v01-v08, w01-w04, x01-x12, y01-y10: 54
# runs), each with its measured other work:
#   conn     lab/scenario-conn.yaml: round 6's pinned model with the app's
#            Python work on a query, the AI call's client work and the
#            ROLLBACK on return inside the connection's hold (the
#            prediction of record, fixed before any fit);
#   pinned   round 6's model (lab/scenario-host.yaml with affinity:
#            user_random, affinity_alpha 5) on the same 54 runs;
# each predicting t01-t08 (pools of one and two on one to four processes,
# where a connection's hold time is the bottleneck) with 90% intervals from
# their design alone.  Once t01-t08 are in lab/data-r7, the comparison with
# them and with a straight line and a USL fitted to s01-s04.
#
#   lab/validate-r7.sh [path/to/capsim]
#   SCORE_ONLY=1 lab/validate-r7.sh CAPSIM   # only the comparison, from the
#       committed calibrated files (with the capsim that made the prediction)
set -eu
cd "$(dirname "$0")/.."
capsim=${1:-build/cli/capsim}
out=${OUT:-lab/results-r7}
mkdir -p "$out"
M=()
for r in 2 3 4 5 6; do
	/usr/bin/python3 lab/measurements.py lab/data-r$r > "$out/measurements-r$r.yaml"
	M+=("$out/measurements-r$r.yaml")
done
M7=$out/measurements.yaml
# rounds 2-6's configurations, as lab/validate-r6.sh (round 6's committed
# protocol) gives them
eval "$(sed -n '/^# rounds 2-5/,/^# round 6.s runs/p' lab/validate-r6.sh)"
eval "$(sed -n '/^new_sets=(--point-set y01/,/y10:db.pool.size=6)/p' lab/validate-r6.sh)"
cal_sets+=("${new_sets[@]}")
# round 7's runs (t01-t08 in lab/run.sh)
new_sets=(--point-set t01:db.pool.size=1 --point-set t01:app.processes=3
          --point-set t01:app.workers=12
          --point-set t02:db.pool.size=1 --point-set t02:app.processes=3
          --point-set t02:app.workers=12
          --point-set t03:db.pool.size=1
          --point-set t04:db.pool.size=1 --point-set t04:app.processes=4
          --point-set t05:db.pool.size=2 --point-set t05:app.processes=3
          --point-set t05:app.workers=12
          --point-set t06:db.pool.size=1 --point-set t06:app.processes=1
          --point-set t06:app.workers=8
          --point-set t07:db.pool.size=3
          --point-set t08:db.pool.size=2 --point-set t08:app.workers=8)
# each calibration run's measured other work; round 6's own is not used
bg=()
for r in 2 3 4 5 6; do
	while read -r opt arg; do bg+=("$opt" "$arg"); done \
		< <(/usr/bin/python3 lab2/background.py lab/data-r$r)
done
cal=(--data "${M[@]}" --steady --duration 90s "${cal_sets[@]}" "${bg[@]}")
# round 6's fits; a round-7 run's other work is unknown beforehand:
# 0.03-0.16 cores (rounds 2-6's at 5-300 users), sampled by the prediction
fits=(--fit app.cpu_scale=0.3:5 --fit db.query_scale=0.3:5
      --fit app.overhead=0.005:0.3 --fit db.overhead=0.01:0.5
      --fit app.core_slowdown=0.02:1.5 --fit app.background=0.03:0.16
      --fit app.cold_delay=0.1ms:20ms --fit app.cold_after=5ms:5s)

for m in conn pinned; do
	scen=lab/scenario-conn.yaml
	extra=()
	[ $m = pinned ] && scen=lab/scenario-host.yaml && \
		extra=(--set app.affinity=user_random --set app.affinity_alpha=5)
	if [ -z "${SCORE_ONLY:-}" ]; then
		"$capsim" calibrate $scen "${cal[@]}" "${fits[@]}" \
			"${extra[@]}" -o "$out/calibrated-$m.yaml" > "$out/calibrate-$m.txt" 2>&1
		for f in table json; do
			"$capsim" validate "$out/calibrated-$m.yaml" --data lab/round7-design.yaml \
				"${new_sets[@]}" --steady --duration 90s --format $f \
				-o "$out/heldout-prediction-$m.$([ $f = table ] && echo txt || echo json)" 2>/dev/null
		done
	fi
	# the comparison, once t01-t08 are measured (s01-s04 for the baselines)
	if [ -d lab/data-r7 ]; then
		/usr/bin/python3 lab/measurements.py lab/data-r7 > "$M7"
		sbg=()
		for ((i = 0; i < ${#bg[@]}; i += 2)); do
			case ${bg[i+1]} in s0[1-4]:*) sbg+=("${bg[i]}" "${bg[i+1]}") ;; esac
		done
		for f in table json; do
			"$capsim" validate "$out/calibrated-$m.yaml" --data "${M[0]}" "$M7" \
				--points s01,s02,s03,s04,t01,t02,t03,t04,t05,t06,t07,t08 \
				"${new_sets[@]}" "${sbg[@]}" --steady --duration 90s \
				--baseline-from s01,s02,s03,s04 --format $f \
				-o "$out/validate-$m.$([ $f = table ] && echo txt || echo json)" 2>/dev/null
		done
	fi
done
grep -H "best objective" "$out"/calibrate-*.txt >&2 || true
echo "done: $out" >&2
