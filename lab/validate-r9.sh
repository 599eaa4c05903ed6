#!/bin/bash
# Lab 1, round 9 (lab/README.md "Round 9"): the pinning's unevenness by the
# number of processes.  Two models calibrated with round 8's fits on every
# run of rounds 2-8 (s, u, v, w, x, y, t and q: 72 runs), each with its
# measured other work as a covariate:
#   split    lab/scenario-host.yaml with affinity: user_random and the
#            affinity_alpha lab/affinity.py estimates per process count on
#            rounds 2-8 (results-r9/affinity-*.txt): 15 with two processes
#            (on the machine's two cores), 3.0 with three or four (more
#            processes than cores) — a --point-set of each run with three
#            or four processes (the prediction of record, fixed before any
#            fit);
#   crowd    round 8's model (affinity_alpha 3.5 for every layout) on the
#            same 72 runs;
# each predicting p01-p10 (pools of one and two on two, three and four
# processes) with 90% intervals from their design alone.  Once p01-p10 are
# in lab/data-r9, the comparison with them and with a straight line and a
# USL fitted to s01-s04.
#
#   lab/validate-r9.sh [path/to/capsim]
#   SCORE_ONLY=1 lab/validate-r9.sh CAPSIM   # only the comparison, from the
#       committed calibrated files (with the capsim that made the prediction)
set -eu
cd "$(dirname "$0")/.."
capsim=${1:-build/cli/capsim}
out=${OUT:-lab/results-r9}
mkdir -p "$out"
M=()
for r in 2 3 4 5 6 7 8; do
	/usr/bin/python3 lab/measurements.py lab/data-r$r > "$out/measurements-r$r.yaml"
	M+=("$out/measurements-r$r.yaml")
done
M9=$out/measurements.yaml
# rounds 2-7's configurations, as lab/validate-r8.sh (round 8's committed
# protocol) gives them, and round 8's
eval "$(sed -n '/^# rounds 2-5/,/^# round 6.s runs/p' lab/validate-r6.sh)"
eval "$(sed -n '/^new_sets=(--point-set y01/,/y10:db.pool.size=6)/p' lab/validate-r6.sh)"
cal_sets+=("${new_sets[@]}")
eval "$(sed -n '/^new_sets=(--point-set t01/,/t08:app.workers=8)/p' lab/validate-r7.sh)"
cal_sets+=("${new_sets[@]}")
eval "$(sed -n '/^new_sets=(--point-set q01/,/q10:app.processes=4)/p' lab/validate-r8.sh)"
cal_sets+=("${new_sets[@]}")
# round 9's runs (p01-p10 in lab/run.sh)
new_sets=(--point-set p01:db.pool.size=1
          --point-set p02:db.pool.size=1 --point-set p02:app.workers=8
          --point-set p03:db.pool.size=2
          --point-set p04:db.pool.size=2 --point-set p04:app.workers=8
          --point-set p05:db.pool.size=1 --point-set p05:app.processes=3
          --point-set p05:app.workers=12
          --point-set p06:db.pool.size=1 --point-set p06:app.processes=4
          --point-set p07:db.pool.size=2 --point-set p07:app.processes=4
          --point-set p08:db.pool.size=2 --point-set p08:app.processes=3
          --point-set p08:app.workers=12
          --point-set p09:db.pool.size=3
          --point-set p10:db.pool.size=1 --point-set p10:app.processes=4)
# split: the runs with three or four processes, calibration and held out
A2=15
A34=3.0
split_cal=()
for r in 2 3 4 5 6 7 8; do
	for run in $(/usr/bin/python3 -c '
import glob, json, sys
for f in sorted(glob.glob(sys.argv[1] + "/*_util.json")):
    u = json.load(open(f))
    if u["processes"] >= 3:
        print(u["run"])' lab/data-r$r); do
		split_cal+=(--point-set "$run:app.affinity_alpha=$A34")
	done
done
split_new=(--point-set p05:app.affinity_alpha=$A34 --point-set p06:app.affinity_alpha=$A34
           --point-set p07:app.affinity_alpha=$A34 --point-set p08:app.affinity_alpha=$A34
           --point-set p10:app.affinity_alpha=$A34)
# each calibration run's measured other work; round 9's own is not used
bg=()
for r in 2 3 4 5 6 7 8; do
	while read -r opt arg; do bg+=("$opt" "$arg"); done \
		< <(/usr/bin/python3 lab2/background.py lab/data-r$r)
done
cal=(--data "${M[@]}" --steady --duration 90s "${cal_sets[@]}" "${bg[@]}"
     --covariate app.background)
# round 8's fits; a round-9 run's other work is unknown beforehand:
# 0.03-0.16 cores (rounds 2-8's at 5-300 users), sampled by the prediction
fits=(--fit app.cpu_scale=0.3:5 --fit db.query_scale=0.3:5
      --fit app.overhead=0.005:0.3 --fit db.overhead=0.01:0.5
      --fit app.core_slowdown=0.02:1.5 --fit app.background=0.03:0.16
      --fit app.cold_delay=0.1ms:20ms --fit app.cold_after=5ms:5s)

for m in split crowd; do
	if [ $m = split ]; then
		extra=(--set app.affinity=user_random --set app.affinity_alpha=$A2 "${split_cal[@]}")
		pred=("${new_sets[@]}" "${split_new[@]}")
	else
		extra=(--set app.affinity=user_random --set app.affinity_alpha=3.5)
		pred=("${new_sets[@]}")
	fi
	if [ -z "${SCORE_ONLY:-}" ]; then
		"$capsim" calibrate lab/scenario-host.yaml "${cal[@]}" "${fits[@]}" \
			"${extra[@]}" -o "$out/calibrated-$m.yaml" > "$out/calibrate-$m.txt" 2>&1
		for f in table json; do
			"$capsim" validate "$out/calibrated-$m.yaml" --data lab/round9-design.yaml \
				"${pred[@]}" --steady --duration 90s --format $f \
				-o "$out/heldout-prediction-$m.$([ $f = table ] && echo txt || echo json)" 2>/dev/null
		done
	fi
	# the comparison, once p01-p10 are measured (s01-s04 for the baselines)
	if [ -d lab/data-r9 ]; then
		/usr/bin/python3 lab/measurements.py lab/data-r9 > "$M9"
		sbg=()
		for ((i = 0; i < ${#bg[@]}; i += 2)); do
			case ${bg[i+1]} in s0[1-4]:*) sbg+=("${bg[i]}" "${bg[i+1]}") ;; esac
		done
		for f in table json; do
			"$capsim" validate "$out/calibrated-$m.yaml" --data "${M[0]}" "$M9" \
				--points s01,s02,s03,s04,p01,p02,p03,p04,p05,p06,p07,p08,p09,p10 \
				"${pred[@]}" "${sbg[@]}" --steady --duration 90s \
				--baseline-from s01,s02,s03,s04 --format $f \
				-o "$out/validate-$m.$([ $f = table ] && echo txt || echo json)" 2>/dev/null
		done
	fi
done
grep -H "best objective" "$out"/calibrate-*.txt >&2 || true
echo "done: $out" >&2
