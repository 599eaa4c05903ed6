#!/bin/bash
# Lab 1, round 5 (lab/README.md "Round 5"): does the machines' speed between
# runs (calibration.speed_noise, docs/calibration.md 2.4.3) make the
# intervals hold past the knee?  lab/scenario-host.yaml calibrated with
# round 4's fits on every run of rounds 2-4 and round 4's repeats (s01-s12,
# u01-u08, v01-v08, w01-w04: 32 runs), each with its measured other work;
# x01-x12 predicted from their design alone, with the same calibrated file
# in two forms:
#   speed     as calibrate wrote it: the speed noise it estimated from the
#             CPU per request the 32 runs measured (the prediction of
#             record, fixed before the fit);
#   nospeed   the same file with speed_noise 0: the intervals as capsim
#             made them before the speed noise (the fit does not depend on
#             it, so this is what `--speed-noise 0` writes);
# and the host model's uncalibrated first estimate (lab/scenario-host.yaml
# as written).  Once x01-x12 are in
# lab/data-r5, the comparison with them and with a straight line and a USL
# fitted to s01-s04.
#
#   lab/validate-r5.sh [path/to/capsim]
#   SCORE_ONLY=1 lab/validate-r5.sh CAPSIM   # only the comparison, from the
#       committed calibrated files (with the capsim that made the prediction)
set -eu
cd "$(dirname "$0")/.."
capsim=${1:-build/cli/capsim}
out=${OUT:-lab/results-r5}
mkdir -p "$out"
M2=$out/measurements-r2.yaml
M3=$out/measurements-r3.yaml
M4=$out/measurements-r4.yaml
M5=$out/measurements.yaml
/usr/bin/python3 lab/measurements.py lab/data-r2 > "$M2"
/usr/bin/python3 lab/measurements.py lab/data-r3 > "$M3"
/usr/bin/python3 lab/measurements.py lab/data-r4 > "$M4"
# rounds 2-4's configurations, as lab/validate-r4.sh (round 4's committed
# protocol) gives them, and round 4's repeats (lab/results-r4/repeats/score.sh)
eval "$(sed -n '/^cal_sets=(/,/^          --point-set u08:db.pool.size=8/p' lab/validate-r3.sh)"
cal_sets+=("${new_sets[@]}")
eval "$(sed -n '/^new_sets=(--point-set v02/,/v08:app.processes=4)/p' lab/validate-r4.sh)"
cal_sets+=("${new_sets[@]}")
cal_sets+=(--point-set w01:db.pool.size=8
           --point-set w02:db.pool.size=3 --point-set w02:app.processes=4
           --point-set w02:app.workers=24
           --point-set w03:db.pool.size=10
           --point-set w04:db.pool.size=1 --point-set w04:app.processes=4)
# round 5's runs (x01-x12 in lab/run.sh)
new_sets=(--point-set x02:db.pool.size=2 --point-set x02:app.processes=3
          --point-set x02:app.workers=12
          --point-set x03:db.pool.size=6
          --point-set x05:db.pool.size=5
          --point-set x06:db.pool.size=8
          --point-set x07:db.pool.size=2 --point-set x07:app.processes=4
          --point-set x08:db.pool.size=6 --point-set x08:app.processes=3
          --point-set x08:app.workers=24
          --point-set x09:db.pool.size=2 --point-set x09:app.processes=4
          --point-set x10:db.pool.size=10
          --point-set x11:db.pool.size=5
          --point-set x12:db.pool.size=8)
# each calibration run's measured other work; round 5's own is not used
bg=()
for d in lab/data-r2 lab/data-r3 lab/data-r4; do
	while read -r opt arg; do bg+=("$opt" "$arg"); done \
		< <(/usr/bin/python3 lab2/background.py $d)
done
cal=(--data "$M2" "$M3" "$M4" --steady --duration 90s "${cal_sets[@]}" "${bg[@]}")
# round 4's fits; a round-5 run's other work is unknown beforehand:
# 0.03-0.16 cores (rounds 2-4's at 5-300 users), sampled by the prediction
fits=(--fit app.cpu_scale=0.3:5 --fit db.query_scale=0.3:5
      --fit app.overhead=0.005:0.3 --fit db.overhead=0.01:0.5
      --fit app.core_slowdown=0.02:1.5 --fit app.background=0.03:0.16
      --fit app.cold_delay=0.1ms:20ms --fit app.cold_after=5ms:5s)

if [ -z "${SCORE_ONLY:-}" ]; then
	"$capsim" calibrate lab/scenario-host.yaml "${cal[@]}" "${fits[@]}" \
		-o "$out/calibrated-speed.yaml" > "$out/calibrate-speed.txt" 2>&1
	sed 's/^  speed_noise: .*/  speed_noise: 0/; /^  speed_dof: /d' \
		"$out/calibrated-speed.yaml" > "$out/calibrated-nospeed.yaml"
	for m in speed nospeed; do
		for f in table json; do
			"$capsim" validate "$out/calibrated-$m.yaml" --data lab/round5-design.yaml \
				"${new_sets[@]}" --steady --duration 90s --format $f \
				-o "$out/heldout-prediction-$m.$([ $f = table ] && echo txt || echo json)" 2>/dev/null
		done
	done
	"$capsim" validate lab/scenario-host.yaml --data lab/round5-design.yaml \
		"${new_sets[@]}" --steady --duration 90s \
		--format json -o "$out/first-estimate-prediction.json" 2>/dev/null
fi

# the comparison, once x01-x12 are measured (s01-s04 for the baselines)
if [ -d lab/data-r5 ]; then
	/usr/bin/python3 lab/measurements.py lab/data-r5 > "$M5"
	sbg=()
	for ((i = 0; i < ${#bg[@]}; i += 2)); do
		case ${bg[i+1]} in s0[1-4]:*) sbg+=("${bg[i]}" "${bg[i+1]}") ;; esac
	done
	pts=s01,s02,s03,s04,x01,x02,x03,x04,x05,x06,x07,x08,x09,x10,x11,x12
	for m in speed nospeed; do
		for f in table json; do
			"$capsim" validate "$out/calibrated-$m.yaml" --data "$M2" "$M5" \
				--points $pts "${new_sets[@]}" "${sbg[@]}" --steady --duration 90s \
				--baseline-from s01,s02,s03,s04 --format $f \
				-o "$out/validate-$m.$([ $f = table ] && echo txt || echo json)" 2>/dev/null
		done
	done
	"$capsim" validate lab/scenario-host.yaml --data "$M2" "$M5" \
		--points $pts "${new_sets[@]}" "${sbg[@]}" \
		--steady --duration 90s --baseline-from s01,s02,s03,s04 --format json \
		-o "$out/first-estimate.json" 2>/dev/null
fi
grep -H "best objective" "$out"/calibrate-*.txt >&2 || true
echo "done: $out" >&2
