#!/bin/bash
# Lab 1, round 12 (lab/README.md "Round 12"): the model as it stands,
# held out.  No fit: round 9's crowd file (results-r9/calibrated-crowd.yaml)
# with round 11's hand-off (db.pool.handoff 1.7194ms, results-r11) predicts
# m01-m08 twice:
#   today   with the concentration counted on rounds 10-11's 17 runs
#           (affinity_alpha 3.14, lab/pinning.py; of record);
#   r11     with the file's 3.5 (round 11's model);
# both committed before the runs.  Once m01-m08 are in lab/data-r12, the
# comparison with them and with a straight line and a USL fitted to
# s01-s04.
#
#   lab/validate-r12.sh [path/to/capsim]
#   SCORE_ONLY=1 lab/validate-r12.sh CAPSIM   # only the comparison
set -eu
cd "$(dirname "$0")/.."
capsim=${1:-build/cli/capsim}
out=${OUT:-lab/results-r12}
model=lab/results-r9/calibrated-crowd.yaml
mkdir -p "$out"
v=(--steady --duration 90s --set db.pool.handoff=1.7194ms)
# the base is pool 4 per process, 2 processes x 8 threads
sets=(--point-set m01:db.pool.size=1 --point-set m01:app.processes=3
      --point-set m01:app.workers=12
      --point-set m02:db.pool.size=1 --point-set m02:app.processes=4
      --point-set m03:db.pool.size=2 --point-set m03:app.processes=4
      --point-set m04:db.pool.size=1 --point-set m04:app.processes=1
      --point-set m04:app.workers=8
      --point-set m05:db.pool.size=2 --point-set m05:app.processes=3
      --point-set m05:app.workers=12
      --point-set m06:db.pool.size=1
      --point-set m07:db.pool.size=3
      --point-set m08:db.pool.size=1 --point-set m08:app.processes=4
      --point-set m08:app.workers=8)
model_opts() { # the model's own options
	case $1 in
	today) echo "--set app.affinity_alpha=3.14" ;;
	r11) ;;
	esac
}
if [ -z "${SCORE_ONLY:-}" ]; then
	for m in today r11; do
		for f in table json; do
			# shellcheck disable=SC2046
			"$capsim" validate "$model" --data lab/round12-design.yaml "${sets[@]}" \
				$(model_opts $m) "${v[@]}" --format $f \
				-o "$out/heldout-prediction-$m.$([ $f = table ] && echo txt || echo json)" 2>/dev/null
		done
	done
fi
if [ -d lab/data-r12 ]; then
	/usr/bin/python3 lab/measurements.py lab/data-r2 > "$out/measurements-r2.yaml"
	/usr/bin/python3 lab/measurements.py lab/data-r12 > "$out/measurements.yaml"
	sbg=()
	while read -r opt arg; do
		case $arg in s0[1-4]:*) sbg+=("$opt" "$arg") ;; esac
	done < <(/usr/bin/python3 lab2/background.py lab/data-r2)
	have=$(/usr/bin/python3 -c '
import glob, json, sys
print(",".join(sorted(json.load(open(f))["run"] for f in glob.glob(sys.argv[1] + "/*_util.json"))))' lab/data-r12)
	for m in today r11; do
		for f in table json; do
			# shellcheck disable=SC2046
			"$capsim" validate "$model" --data "$out/measurements-r2.yaml" "$out/measurements.yaml" \
				--points "s01,s02,s03,s04,$have" "${sets[@]}" $(model_opts $m) "${sbg[@]}" \
				"${v[@]}" --baseline-from s01,s02,s03,s04 --format $f \
				-o "$out/validate-$m.$([ $f = table ] && echo txt || echo json)" 2>/dev/null
		done
	done
fi
echo "done: $out" >&2
