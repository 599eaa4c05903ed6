#!/bin/bash
# Lab 2, round 14 (lab2/README.md "Round 14"): the connections in use and
# the event loops' utilization as calibration evidence, held out.  Round
# 13 found the model's event loops 0.7-0.9 busy where the real ones were
# 0.3-0.4 (one and two instances at a full pool), with the throughput
# right.  capsim's objective now scores both utilizations (`pool`, opt-in;
# `event_loop`, with app.gil); lab 2's files carry both.  Round 13's model
# (lab2/scenario-fifo.yaml, its fits, the wake-up, the other work, the
# per-connection cost) in two variants:
#   util91  calibrated on every run so far — round 13's 83 and g01-g08:
#           91 runs, each with its measured other work — with both
#           utilizations scored (--weights pool=1; event_loop by default):
#           the prediction of record;
#   all83   round 13's calibrated file of record as committed
#           (results-r13/calibrated-all83.yaml: 83 runs, neither term), no
#           refit: the control;
# each predicting j01-j08 with 90% intervals from their design alone.
# Once their data are in lab2/data/round14-host.yaml, the comparison with
# them and with a straight line and a USL fitted to c01-c06.
#
#   lab2/validate-r14.sh [path/to/capsim]
#   MODELS=all83 lab2/validate-r14.sh         # one variant
#   SCORE_ONLY=1 lab2/validate-r14.sh CAPSIM  # only the comparison, from the
#       committed calibrated files (with the capsim that made the prediction)
set -eu
cd "$(dirname "$0")/.."
capsim=${1:-build/cli/capsim}
out=${OUT:-lab2/results-r14}
mkdir -p "$out"
D=lab2/data
H=$D/round14-host.yaml
# rounds 3-8's point sets and fits, as lab2/validate-r8.sh has them
eval "$(sed -n '/^one=/,/^      --fit app.core_slowdown/p' lab2/validate-r8.sh)"
cal_sets+=("${new_sets[@]}")
# rounds 9-12's runs, with their pools and instances
eval "$(sed -n '/^new_sets=(--point-set z03/,/^for a in $one; do new_sets+=(--point-set "z08/p' lab2/validate-r9.sh)"
cal_sets+=("${new_sets[@]}")
eval "$(sed -n '/^new_sets=(--point-set b02/,/^for a in $one; do new_sets+=(--point-set "b06/p' lab2/validate-r10.sh)"
cal_sets+=("${new_sets[@]}")
eval "$(sed -n '/^new_sets=(--point-set d01/,/^for a in $one; do new_sets+=(--point-set "d04/p' lab2/validate-r11.sh)"
cal_sets+=("${new_sets[@]}")
eval "$(sed -n '/^new_sets=(--point-set f01/,/^for a in $one; do new_sets+=(--point-set "f04/p' lab2/validate-r12.sh)"
cal_sets+=("${new_sets[@]}")
bg=() cbg=()
while read -r opt arg; do
	case $arg in [tnuvwxyzbdfg]*) bg+=("$opt" "$arg") ;; esac
	case $arg in c*) cbg+=("$opt" "$arg") ;; esac
done < <(/usr/bin/python3 lab2/background.py)
# round 13's runs, with their pools and instances (five and six as it had them)
eval "$(sed -n '/^five=/,/^for a in $one; do new_sets+=(--point-set "g07/p' lab2/validate-r13.sh)"
cal_sets+=("${new_sets[@]}")
# round 14's runs (j01-j08 in lab2/run.sh); base: 2 instances, pool 5
new_sets=(--point-set j01:db.pool.size=15 --point-set j02:db.pool.size=25
          --point-set j03:db.pool.size=10 --point-set j04:db.pool.size=8
          --point-set j05:db.pool.size=6 --point-set j06:db.pool.size=5
          --point-set j07:db.pool.size=5 --point-set j08:db.pool.size=4)
for a in $one; do new_sets+=(--point-set "j02:$a" --point-set "j07:$a"); done
for a in $four; do new_sets+=(--point-set "j04:$a"); done
for a in $six; do new_sets+=(--point-set "j06:$a"); done
for a in $three; do new_sets+=(--point-set "j08:$a"); done

for m in ${MODELS:-util91 all83}; do
	cal=$out/calibrated-$m.yaml
	[ $m = all83 ] && cal=lab2/results-r13/calibrated-all83.yaml
	if [ -z "${SCORE_ONLY:-}" ]; then
		if [ $m = util91 ]; then
			"$capsim" calibrate lab2/scenario-fifo.yaml --data $D/round3-host.yaml \
				$D/noise-host.yaml $D/round4-host.yaml $D/round5-host.yaml \
				$D/round6-host.yaml $D/round7-host.yaml $D/round8-host.yaml \
				$D/round9-host.yaml $D/round10-host.yaml $D/round11-host.yaml \
				$D/round12-host.yaml $D/round13-host.yaml \
				"${fits[@]}" --fit app.cold_delay=0.1ms:20ms --fit app.cold_after=5ms:5s \
				--fit db.connection_cost=0.001:0.2 --fit app.background=0.12:0.45 \
				--weights pool=1 --steady \
				--duration 80s "${cal_sets[@]}" "${bg[@]}" \
				-o "$cal" > "$out/calibrate-$m.txt" 2>&1
		fi
		for f in table json; do
			"$capsim" validate "$cal" --data lab2/round14-design.yaml \
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
