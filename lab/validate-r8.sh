#!/bin/bash
# Lab 1, round 8 (lab/README.md "Round 8"): users crowding one process.
# Two models calibrated with round 7's fits on every run of rounds 2-7
# (s01-s12, u01-u08, v01-v08, w01-w04, x01-x12, y01-y10, t01-t08: 62 runs),
# each with its measured other work, declared a covariate (--covariate
# app.background: runs that differ only in it are repeats for the noise
# floor):
#   crowd    lab/scenario-host.yaml with affinity: user_random and the
#            affinity_alpha lab/affinity.py estimates from the processes'
#            busy spread of all 62 runs, crowded ones included (results-r8/
#            affinity.txt; the prediction of record, fixed before any fit);
#   pinned   round 6's model (affinity_alpha 5, estimated on uncrowded runs
#            only) on the same 62 runs;
# each predicting q01-q10 (pools of one and two on three and four
# processes, where a crowded process is the bottleneck, and a few beside)
# with 90% intervals from their design alone.  Once q01-q10 are in
# lab/data-r8, the comparison with them and with a straight line and a USL
# fitted to s01-s04.
#
#   lab/validate-r8.sh [path/to/capsim]
#   SCORE_ONLY=1 lab/validate-r8.sh CAPSIM   # only the comparison, from the
#       committed calibrated files (with the capsim that made the prediction)
set -eu
cd "$(dirname "$0")/.."
capsim=${1:-build/cli/capsim}
out=${OUT:-lab/results-r8}
mkdir -p "$out"
M=()
for r in 2 3 4 5 6 7; do
	/usr/bin/python3 lab/measurements.py lab/data-r$r > "$out/measurements-r$r.yaml"
	M+=("$out/measurements-r$r.yaml")
done
M8=$out/measurements.yaml
# rounds 2-6's configurations, as lab/validate-r7.sh (round 7's committed
# protocol) gives them, and round 7's
eval "$(sed -n '/^# rounds 2-5/,/^# round 6.s runs/p' lab/validate-r6.sh)"
eval "$(sed -n '/^new_sets=(--point-set y01/,/y10:db.pool.size=6)/p' lab/validate-r6.sh)"
cal_sets+=("${new_sets[@]}")
eval "$(sed -n '/^new_sets=(--point-set t01/,/t08:app.workers=8)/p' lab/validate-r7.sh)"
cal_sets+=("${new_sets[@]}")
# round 8's runs (q01-q10 in lab/run.sh)
new_sets=(--point-set q01:db.pool.size=1 --point-set q01:app.processes=3
          --point-set q01:app.workers=12
          --point-set q02:db.pool.size=2 --point-set q02:app.processes=4
          --point-set q03:db.pool.size=1 --point-set q03:app.processes=4
          --point-set q04:db.pool.size=2 --point-set q04:app.processes=3
          --point-set q04:app.workers=12
          --point-set q05:db.pool.size=1 --point-set q05:app.workers=8
          --point-set q06:db.pool.size=3 --point-set q06:app.processes=4
          --point-set q07:db.pool.size=2
          --point-set q08:db.pool.size=1 --point-set q08:app.processes=4
          --point-set q08:app.workers=8
          --point-set q09:app.processes=3 --point-set q09:app.workers=24
          --point-set q10:db.pool.size=2 --point-set q10:app.processes=4)
# each calibration run's measured other work; round 8's own is not used
bg=()
for r in 2 3 4 5 6 7; do
	while read -r opt arg; do bg+=("$opt" "$arg"); done \
		< <(/usr/bin/python3 lab2/background.py lab/data-r$r)
done
cal=(--data "${M[@]}" --steady --duration 90s "${cal_sets[@]}" "${bg[@]}"
     --covariate app.background)
# round 7's fits; a round-8 run's other work is unknown beforehand:
# 0.03-0.16 cores (rounds 2-7's at 5-300 users), sampled by the prediction
fits=(--fit app.cpu_scale=0.3:5 --fit db.query_scale=0.3:5
      --fit app.overhead=0.005:0.3 --fit db.overhead=0.01:0.5
      --fit app.core_slowdown=0.02:1.5 --fit app.background=0.03:0.16
      --fit app.cold_delay=0.1ms:20ms --fit app.cold_after=5ms:5s)
# the prediction of record's alpha, from lab/affinity.py on rounds 2-7
# (results-r8/affinity.txt: 3.48, 90% [2.47 .. 4.83], on the 42 runs whose
# busiest process was at least 90% busy), fixed before any fit
ALPHA=3.5

for m in crowd pinned; do
	a=$ALPHA
	[ $m = pinned ] && a=5
	extra=(--set app.affinity=user_random --set app.affinity_alpha=$a)
	if [ -z "${SCORE_ONLY:-}" ]; then
		"$capsim" calibrate lab/scenario-host.yaml "${cal[@]}" "${fits[@]}" \
			"${extra[@]}" -o "$out/calibrated-$m.yaml" > "$out/calibrate-$m.txt" 2>&1
		for f in table json; do
			"$capsim" validate "$out/calibrated-$m.yaml" --data lab/round8-design.yaml \
				"${new_sets[@]}" --steady --duration 90s --format $f \
				-o "$out/heldout-prediction-$m.$([ $f = table ] && echo txt || echo json)" 2>/dev/null
		done
	fi
	# the comparison, once q01-q10 are measured (s01-s04 for the baselines)
	if [ -d lab/data-r8 ]; then
		/usr/bin/python3 lab/measurements.py lab/data-r8 > "$M8"
		sbg=()
		for ((i = 0; i < ${#bg[@]}; i += 2)); do
			case ${bg[i+1]} in s0[1-4]:*) sbg+=("${bg[i]}" "${bg[i+1]}") ;; esac
		done
		for f in table json; do
			"$capsim" validate "$out/calibrated-$m.yaml" --data "${M[0]}" "$M8" \
				--points s01,s02,s03,s04,q01,q02,q03,q04,q05,q06,q07,q08,q09,q10 \
				"${new_sets[@]}" "${sbg[@]}" --steady --duration 90s \
				--baseline-from s01,s02,s03,s04 --format $f \
				-o "$out/validate-$m.$([ $f = table ] && echo txt || echo json)" 2>/dev/null
		done
	fi
done
grep -H "best objective" "$out"/calibrate-*.txt >&2 || true
echo "done: $out" >&2
