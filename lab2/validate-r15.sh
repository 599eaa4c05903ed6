#!/bin/bash
# Lab 2, round 15 (lab2/README.md "Round 15"): the time a request spends
# travelling, held out.  Every round's p50 at light load came out low: the
# model had no time outside the CPUs but the cache's, where a side client
# found the server's cache hit at 1.5-1.8 ms (the model: 0.7-0.9) and
# nginx's hop at 0.2-0.3 ms.  lab2/scenario-rtt.yaml is round 14's model
# (lab2/scenario-fifo.yaml) with load.rtt (nginx and JMeter's handling),
# db.round_trip (each query's messages, the connection held, no core) and
# the product miss's Redis SET.  Two variants:
#   rtt99   lab2/scenario-rtt.yaml calibrated on every run so far — round
#           14's 91 and j01-j08: 99 runs, each with its measured other work —
#           with round 14's fits and the scales of load.rtt and
#           db.round_trip: the prediction of record;
#   util91  round 14's calibrated file of record as committed
#           (results-r14/calibrated-util91.yaml), no refit: the control;
# each predicting m01-m08 with 90% intervals from their design alone.
# Once their data are in lab2/data/round15-host.yaml, the comparison with
# them and with a straight line and a USL fitted to c01-c06.
#
#   lab2/validate-r15.sh [path/to/capsim]
#   MODELS=util91 lab2/validate-r15.sh        # one variant
#   SCORE_ONLY=1 lab2/validate-r15.sh CAPSIM  # only the comparison, from the
#       committed calibrated files (with the capsim that made the prediction)
set -eu
cd "$(dirname "$0")/.."
capsim=${1:-build/cli/capsim}
out=${OUT:-lab2/results-r15}
mkdir -p "$out"
D=lab2/data
H=$D/round15-host.yaml
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
	case $arg in [tnuvwxyzbdfgj]*) bg+=("$opt" "$arg") ;; esac
	case $arg in c*) cbg+=("$opt" "$arg") ;; esac
done < <(/usr/bin/python3 lab2/background.py)
# round 13's runs, with their pools and instances (five and six as it had them)
eval "$(sed -n '/^five=/,/^for a in $one; do new_sets+=(--point-set "g07/p' lab2/validate-r13.sh)"
cal_sets+=("${new_sets[@]}")
# round 14's runs (j01-j08), as lab2/validate-r14.sh has them
eval "$(sed -n '/^new_sets=(--point-set j01/,/^for a in $three; do new_sets+=(--point-set "j08/p' lab2/validate-r14.sh)"
cal_sets+=("${new_sets[@]}")
# round 15's runs (m01-m08 in lab2/run.sh); base: 2 instances, pool 5
new_sets=(--point-set m01:db.pool.size=5 --point-set m02:db.pool.size=4
          --point-set m03:db.pool.size=8 --point-set m04:db.pool.size=3
          --point-set m05:db.pool.size=2 --point-set m06:db.pool.size=10
          --point-set m07:db.pool.size=6 --point-set m08:db.pool.size=12)
for a in $one; do new_sets+=(--point-set "m01:$a" --point-set "m08:$a"); done
for a in $three; do new_sets+=(--point-set "m02:$a"); done
for a in $five; do new_sets+=(--point-set "m04:$a"); done
for a in $six; do new_sets+=(--point-set "m05:$a"); done
for a in $four; do new_sets+=(--point-set "m07:$a"); done

for m in ${MODELS:-rtt99 util91}; do
	cal=$out/calibrated-$m.yaml
	[ $m = util91 ] && cal=lab2/results-r14/calibrated-util91.yaml
	if [ -z "${SCORE_ONLY:-}" ]; then
		if [ $m = rtt99 ]; then
			"$capsim" calibrate lab2/scenario-rtt.yaml --data $D/round3-host.yaml \
				$D/noise-host.yaml $D/round4-host.yaml $D/round5-host.yaml \
				$D/round6-host.yaml $D/round7-host.yaml $D/round8-host.yaml \
				$D/round9-host.yaml $D/round10-host.yaml $D/round11-host.yaml \
				$D/round12-host.yaml $D/round13-host.yaml $D/round14-host.yaml \
				"${fits[@]}" --fit app.cold_delay=0.1ms:20ms --fit app.cold_after=5ms:5s \
				--fit db.connection_cost=0.001:0.2 --fit app.background=0.12:0.45 \
				--fit load.rtt.scale=0.2:10 --fit db.round_trip.scale=0.1:20 \
				--weights pool=1 --steady \
				--duration 80s "${cal_sets[@]}" "${bg[@]}" \
				-o "$cal" > "$out/calibrate-$m.txt" 2>&1
		fi
		for f in table json; do
			"$capsim" validate "$cal" --data lab2/round15-design.yaml \
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
