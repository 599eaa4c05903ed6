#!/bin/bash
# Lab 1, round 10 (lab/README.md "Round 10"): the pinning's concentration
# from users counted per process.  No new fit: round 9's crowd model
# (results-r9/calibrated-crowd.yaml: round 8's fits on all 72 runs of
# rounds 2-8, affinity_alpha 3.5) predicts
#   part a   o01-o06 as it is (committed before they were run);
#   part b   o07-o16 twice: counts (of record) with the affinity_alpha that
#            lab/pinning.py estimates from the users counted per process
#            in o01-o06 and round 9's repeat of p06 (data-repeats/), and
#            crowd, the file unchanged (3.5); committed after part a was
#            run and before part b was.
# Once the runs are in lab/data-r10, the comparison with them and with a
# straight line and a USL fitted to s01-s04.
#
#   STAGE=a lab/validate-r10.sh [path/to/capsim]   # part a's prediction
#   STAGE=b lab/validate-r10.sh [path/to/capsim]   # alpha, part b's predictions
#   SCORE_ONLY=1 lab/validate-r10.sh CAPSIM        # only the comparison
set -eu
cd "$(dirname "$0")/.."
capsim=${1:-build/cli/capsim}
out=${OUT:-lab/results-r10}
model=lab/results-r9/calibrated-crowd.yaml
mkdir -p "$out"
# round 10's runs (o01-o16 in lab/run.sh); the base is 2 processes x 8
# threads, pool 4 per process
sets=(--point-set o01:db.pool.size=1 --point-set o01:app.processes=4
      --point-set o02:db.pool.size=1 --point-set o02:app.processes=3
      --point-set o02:app.workers=12
      --point-set o03:db.pool.size=2 --point-set o03:app.processes=4
      --point-set o04:db.pool.size=1
      --point-set o05:db.pool.size=1 --point-set o05:app.processes=4
      --point-set o06:db.pool.size=2 --point-set o06:app.processes=3
      --point-set o06:app.workers=12
      --point-set o07:db.pool.size=1 --point-set o07:app.processes=4
      --point-set o08:db.pool.size=1 --point-set o08:app.processes=4
      --point-set o09:db.pool.size=1 --point-set o09:app.processes=3
      --point-set o09:app.workers=12
      --point-set o10:db.pool.size=1 --point-set o10:app.processes=3
      --point-set o10:app.workers=12
      --point-set o11:db.pool.size=1 --point-set o11:app.processes=4
      --point-set o12:db.pool.size=2 --point-set o12:app.processes=4
      --point-set o13:db.pool.size=2 --point-set o13:app.processes=3
      --point-set o13:app.workers=12
      --point-set o14:db.pool.size=1
      --point-set o15:db.pool.size=3 --point-set o15:app.processes=4
      --point-set o16:db.pool.size=1 --point-set o16:app.processes=3
      --point-set o16:app.workers=12)
v=(--steady --duration 90s)
only() { # the --point-set options of the points matching the regex $1
	local i
	for ((i = 0; i < ${#sets[@]}; i += 2)); do
		[[ ${sets[i+1]%%:*} =~ ^($1)$ ]] && printf '%s\n%s\n' "${sets[i]}" "${sets[i+1]}"
	done
	return 0
}
A='o0[1-6]'
B='o0[7-9]|o1[0-6]'
predict() { # name design regex [extra options]
	local name=$1 design=$2 own
	mapfile -t own < <(only "$3")
	shift 3
	for f in table json; do
		"$capsim" validate "$model" --data "$design" "${own[@]}" "$@" "${v[@]}" \
			--format $f -o "$out/heldout-prediction-$name.$([ $f = table ] && echo txt || echo json)" 2>/dev/null
	done
}
if [ -z "${SCORE_ONLY:-}" ]; then
	case ${STAGE:-} in
	a) predict a-crowd lab/round10a-design.yaml "$A" ;;
	b)
		/usr/bin/python3 lab/pinning.py lab/data-r10 lab/data-repeats > "$out/pinning.txt"
		alpha=$(sed -n 's/^alpha=//p' "$out/pinning.txt")
		predict b-counts lab/round10b-design.yaml "$B" --set app.affinity_alpha="$alpha"
		predict b-crowd lab/round10b-design.yaml "$B"
		;;
	*) echo "validate-r10.sh: STAGE=a or STAGE=b, or SCORE_ONLY=1" >&2; exit 2 ;;
	esac
fi
# the comparison, once the runs are measured (s01-s04 for the baselines)
if [ -d lab/data-r10 ]; then
	/usr/bin/python3 lab/measurements.py lab/data-r2 > "$out/measurements-r2.yaml"
	/usr/bin/python3 lab/measurements.py lab/data-r10 > "$out/measurements.yaml"
	sbg=()
	while read -r opt arg; do
		case $arg in s0[1-4]:*) sbg+=("$opt" "$arg") ;; esac
	done < <(/usr/bin/python3 lab2/background.py lab/data-r2)
	alpha=$(sed -n 's/^alpha=//p' "$out/pinning.txt" 2>/dev/null || true)
	have=$(/usr/bin/python3 -c '
import glob, json, sys
print(",".join(sorted(json.load(open(f))["run"] for f in glob.glob(sys.argv[1] + "/*_util.json"))))' lab/data-r10)
	for m in a-crowd b-counts b-crowd; do
		case $m in a-*) re=$A ;; *) re=$B ;; esac
		pts=$(echo "$have" | tr , '\n' | grep -E "^($re)\$" | paste -sd,)
		[ -n "$pts" ] || continue
		mapfile -t own < <(only "$re")
		extra=()
		[ $m = b-counts ] && extra=(--set app.affinity_alpha="$alpha")
		for f in table json; do
			"$capsim" validate "$model" --data "$out/measurements-r2.yaml" "$out/measurements.yaml" \
				--points "s01,s02,s03,s04,$pts" "${own[@]}" "${extra[@]}" "${sbg[@]}" "${v[@]}" \
				--baseline-from s01,s02,s03,s04 --format $f \
				-o "$out/validate-$m.$([ $f = table ] && echo txt || echo json)" 2>/dev/null
		done
	done
fi
echo "done: $out" >&2
