#!/bin/bash
# Lab 2, round 9 (lab2/README.md "Round 9"): round 8's event-loop model
# (lab2/scenario-fifo.yaml) calibrated on every run so far (the 43 of
# round 8 and round 8's own y01-y08: 51 runs), each with its measured other
# work, in three variants:
#   fifo   round 8's fits as they were;
#   cold   and the light-load wake-up (app.cold_delay, app.cold_after);
#   usl    and the USL contention term on the host's cores
#          (app.contention.sigma), for the lean with 3-4 instances;
# each predicting z01-z08 with 90% intervals from their design alone.  The
# prediction of record is the variant with the lowest calibration
# objective (a rule fixed before any fit was made).  Once their data are in
# lab2/data/round9-host.yaml, the comparison with them and with a straight
# line and a USL fitted to c01-c06.
#
#   lab2/validate-r9.sh [path/to/capsim]
#   MODELS=usl OUT=DIR lab2/validate-r9.sh     # one variant, elsewhere
#   SCORE_ONLY=1 lab2/validate-r9.sh CAPSIM   # only the comparison, from the
#       committed calibrated files (with the capsim that made the prediction)
set -eu
cd "$(dirname "$0")/.."
capsim=${1:-build/cli/capsim}
out=${OUT:-lab2/results-r9}
mkdir -p "$out"
D=lab2/data
H=$D/round9-host.yaml
# round 8's point sets, the runs' other work and the fits, as
# lab2/validate-r8.sh (that round's committed protocol) has them
eval "$(sed -n '/^one=/,/^      --fit app.core_slowdown/p' lab2/validate-r8.sh)"
# round 8's runs are calibration points now, with their other work
cal_sets+=("${new_sets[@]}")
while read -r opt arg; do
	case $arg in y*) bg+=("$opt" "$arg") ;; esac
done < <(/usr/bin/python3 lab2/background.py)
# round 9's runs (z01-z08 in lab2/run.sh); base: 2 instances, pool 5
new_sets=(--point-set z03:db.pool.size=8 --point-set z04:db.pool.size=4
          --point-set z05:db.pool.size=10 --point-set z07:db.pool.size=3
          --point-set z08:db.pool.size=6)
for a in $three; do new_sets+=(--point-set "z02:$a" --point-set "z05:$a"); done
for a in $four; do new_sets+=(--point-set "z03:$a" --point-set "z04:$a" --point-set "z06:$a"); done
for a in $one; do new_sets+=(--point-set "z08:$a"); done

for m in ${MODELS:-fifo cold usl}; do
	extra=()
	case $m in
	cold) extra=(--fit app.cold_delay=0.1ms:20ms --fit app.cold_after=5ms:5s) ;;
	usl) extra=(--fit app.contention.sigma=0.0001:0.05) ;;
	esac
	if [ -z "${SCORE_ONLY:-}" ]; then
		"$capsim" calibrate lab2/scenario-fifo.yaml --data $D/round3-host.yaml \
			$D/noise-host.yaml $D/round4-host.yaml $D/round5-host.yaml \
			$D/round6-host.yaml $D/round7-host.yaml $D/round8-host.yaml \
			"${fits[@]}" "${extra[@]}" --fit app.background=0.12:0.45 --steady \
			--duration 80s "${cal_sets[@]}" "${bg[@]}" \
			-o "$out/calibrated-$m.yaml" > "$out/calibrate-$m.txt" 2>&1
		for f in table json; do
			"$capsim" validate "$out/calibrated-$m.yaml" --data lab2/round9-design.yaml \
				"${new_sets[@]}" --steady --duration 80s --format $f \
				-o "$out/heldout-prediction-$m.$([ $f = table ] && echo txt || echo json)" 2>/dev/null
		done
	fi
	# the comparison, once the round-9 data are in $H (with c01-c06, the
	# runs at 5-25 threads, for the straight line and the USL: by name, as
	# the user counts 5,10,15,25 of rounds 7 and 8 would also take z01)
	if [ -f $H ]; then
		for f in table json; do
			"$capsim" validate "$out/calibrated-$m.yaml" --data $D/measurements-host.yaml $H \
				"${new_sets[@]}" "${cbg[@]}" --steady --duration 80s \
				--baseline-from c01,c02,c03,c04,c05,c06 --format $f \
				-o "$out/validate-$m.$([ $f = table ] && echo txt || echo json)" 2>/dev/null
		done
	fi
done
grep -H "best objective" "$out"/calibrate-*.txt >&2 || true
echo "done: $out" >&2
