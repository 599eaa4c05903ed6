#!/bin/bash
# Lab 2, round 13 (lab2/README.md "Round 13"): server counts never run —
# five and six Node.js instances on the two cores (every run so far had one
# to four), and 800 threads.  Round 12's model (lab2/scenario-fifo.yaml,
# its fits, the light-load wake-up, the other work, the per-connection
# cost) in two variants:
#   all83  calibrated on every run so far — round 12's 75 and f01-f08: 83
#          runs, each with its measured other work (the prediction of
#          record: the most evidence);
#   r12    round 12's calibrated file of record as committed
#          (results-r12/calibrated-conn.yaml, 75 runs), no refit (the
#          control);
# each predicting g01-g08 with 90% intervals from their design alone.
# Once their data are in lab2/data/round13-host.yaml, the comparison with
# them and with a straight line and a USL fitted to c01-c06.
#
#   lab2/validate-r13.sh [path/to/capsim]
#   MODELS=r12 lab2/validate-r13.sh           # one variant
#   SCORE_ONLY=1 lab2/validate-r13.sh CAPSIM  # only the comparison, from the
#       committed calibrated files (with the capsim that made the prediction)
set -eu
cd "$(dirname "$0")/.."
capsim=${1:-build/cli/capsim}
out=${OUT:-lab2/results-r13}
mkdir -p "$out"
D=lab2/data
H=$D/round13-host.yaml
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
	case $arg in [tnuvwxyzbdf]*) bg+=("$opt" "$arg") ;; esac
	case $arg in c*) cbg+=("$opt" "$arg") ;; esac
done < <(/usr/bin/python3 lab2/background.py)
# round 13's runs (g01-g08 in lab2/run.sh); base: 2 instances, pool 5.
# The AI and messaging providers' limits (12 and 16 calls at once, over
# all instances) split per instance and rounded down, as rounds 4-12 did
# for three instances: five instances 2 and 3, six 2 and 2.
five="app.instances=5 services.ai.concurrency=2 services.messaging.concurrency=3"
six="app.instances=6 services.ai.concurrency=2 services.messaging.concurrency=2"
new_sets=(--point-set g01:db.pool.size=4 --point-set g02:db.pool.size=3
          --point-set g03:db.pool.size=7 --point-set g04:db.pool.size=5
          --point-set g05:db.pool.size=4 --point-set g06:db.pool.size=5
          --point-set g07:db.pool.size=12 --point-set g08:db.pool.size=2)
for a in $six; do new_sets+=(--point-set "g01:$a" --point-set "g02:$a" --point-set "g03:$a" --point-set "g04:$a"); done
for a in $five; do new_sets+=(--point-set "g05:$a" --point-set "g08:$a"); done
for a in $one; do new_sets+=(--point-set "g07:$a"); done

for m in ${MODELS:-all83 r12}; do
	cal=$out/calibrated-$m.yaml
	[ $m = r12 ] && cal=lab2/results-r12/calibrated-conn.yaml
	if [ -z "${SCORE_ONLY:-}" ]; then
		if [ $m = all83 ]; then
			"$capsim" calibrate lab2/scenario-fifo.yaml --data $D/round3-host.yaml \
				$D/noise-host.yaml $D/round4-host.yaml $D/round5-host.yaml \
				$D/round6-host.yaml $D/round7-host.yaml $D/round8-host.yaml \
				$D/round9-host.yaml $D/round10-host.yaml $D/round11-host.yaml \
				$D/round12-host.yaml \
				"${fits[@]}" --fit app.cold_delay=0.1ms:20ms --fit app.cold_after=5ms:5s \
				--fit db.connection_cost=0.001:0.2 --fit app.background=0.12:0.45 --steady \
				--duration 80s "${cal_sets[@]}" "${bg[@]}" \
				-o "$cal" > "$out/calibrate-$m.txt" 2>&1
		fi
		for f in table json; do
			"$capsim" validate "$cal" --data lab2/round13-design.yaml \
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
