#!/bin/bash
# Lab 2, round 11 (lab2/README.md "Round 11"): round 9's model (the event
# loop with the light-load wake-up, lab2/scenario-fifo.yaml and its fits)
# calibrated on every run so far — round 9's 51, z01-z08 and b01-b08: 67
# runs, each with its measured other work — predicting d01-d08 (many
# connections) with 90% intervals from their design alone:
#   all67  the refit: the prediction of record;
#   r9     round 9's calibrated file as committed, no refit (the control,
#          as round 10).
# Once their data are in lab2/data/round11-host.yaml, the comparison with
# them and with a straight line and a USL fitted to c01-c06.
#
#   lab2/validate-r11.sh [path/to/capsim]
#   MODELS=r9 lab2/validate-r11.sh            # one variant
#   SCORE_ONLY=1 lab2/validate-r11.sh CAPSIM  # only the comparison, from the
#       committed calibrated file (with the capsim that made the prediction)
set -eu
cd "$(dirname "$0")/.."
capsim=${1:-build/cli/capsim}
out=${OUT:-lab2/results-r11}
mkdir -p "$out"
D=lab2/data
H=$D/round11-host.yaml
# rounds 3-8's point sets and fits, as lab2/validate-r8.sh has them
eval "$(sed -n '/^one=/,/^      --fit app.core_slowdown/p' lab2/validate-r8.sh)"
cal_sets+=("${new_sets[@]}")
# round 9's and round 10's runs, with their pools and instances
eval "$(sed -n '/^new_sets=(--point-set z03/,/^for a in $one; do new_sets+=(--point-set "z08/p' lab2/validate-r9.sh)"
cal_sets+=("${new_sets[@]}")
eval "$(sed -n '/^new_sets=(--point-set b02/,/^for a in $one; do new_sets+=(--point-set "b06/p' lab2/validate-r10.sh)"
cal_sets+=("${new_sets[@]}")
bg=() cbg=()
while read -r opt arg; do
	case $arg in [tnuvwxyzb]*) bg+=("$opt" "$arg") ;; esac
	case $arg in c*) cbg+=("$opt" "$arg") ;; esac
done < <(/usr/bin/python3 lab2/background.py)
# round 11's runs (d01-d08 in lab2/run.sh); base: 2 instances, pool 5
new_sets=(--point-set d01:db.pool.size=10 --point-set d02:db.pool.size=16
          --point-set d03:db.pool.size=20 --point-set d04:db.pool.size=30
          --point-set d05:db.pool.size=12 --point-set d06:db.pool.size=8
          --point-set d07:db.pool.size=12 --point-set d08:db.pool.size=6)
for a in $four; do new_sets+=(--point-set "d01:$a" --point-set "d05:$a" --point-set "d07:$a"); done
for a in $three; do new_sets+=(--point-set "d02:$a" --point-set "d08:$a"); done
for a in $one; do new_sets+=(--point-set "d04:$a"); done

for m in ${MODELS:-all67 r9}; do
	cal=$out/calibrated-$m.yaml
	[ $m = r9 ] && cal=lab2/results-r9/calibrated-cold.yaml
	if [ -z "${SCORE_ONLY:-}" ]; then
		if [ $m = all67 ]; then
			"$capsim" calibrate lab2/scenario-fifo.yaml --data $D/round3-host.yaml \
				$D/noise-host.yaml $D/round4-host.yaml $D/round5-host.yaml \
				$D/round6-host.yaml $D/round7-host.yaml $D/round8-host.yaml \
				$D/round9-host.yaml $D/round10-host.yaml \
				"${fits[@]}" --fit app.cold_delay=0.1ms:20ms --fit app.cold_after=5ms:5s \
				--fit app.background=0.12:0.45 --steady \
				--duration 80s "${cal_sets[@]}" "${bg[@]}" \
				-o "$cal" > "$out/calibrate-$m.txt" 2>&1
		fi
		for f in table json; do
			"$capsim" validate "$cal" --data lab2/round11-design.yaml \
				"${new_sets[@]}" --steady --duration 80s --format $f \
				-o "$out/heldout-prediction-$m.$([ $f = table ] && echo txt || echo json)" 2>/dev/null
		done
	fi
	if [ -f $H ]; then
		for f in table json; do
			"$capsim" validate "$cal" --data $D/measurements-host.yaml $H \
				"${new_sets[@]}" "${cbg[@]}" --steady --duration 80s \
				--baseline-from c01,c02,c03,c04,c05,c06 --format $f \
				-o "$out/validate-$m.$([ $f = table ] && echo txt || echo json)" 2>/dev/null
		done
	fi
done
grep -H "best objective" "$out"/calibrate-*.txt >&2 || true
echo "done: $out" >&2
