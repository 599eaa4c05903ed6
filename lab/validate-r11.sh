#!/bin/bash
# Lab 1, round 11 (lab/README.md "Round 11"): the pool's hand-off.  Round
# 9's crowd model (results-r9/calibrated-crowd.yaml) with db.pool.handoff
# fitted alone, every other value kept, on every run of rounds 2-10 whose
# pool had one or two connections per process (54 runs, each with its
# measured other work), predicts n01-n08 twice:
#   handoff  crowd's file with the fitted hand-off (of record);
#   crowd    the file unchanged (FIFO, no hand-off);
# both committed before the runs.  Once n01-n08 are in lab/data-r11, the
# comparison with them and with a straight line and a USL fitted to
# s01-s04.
#
#   lab/validate-r11.sh [path/to/capsim]
#   SCORE_ONLY=1 lab/validate-r11.sh CAPSIM   # only the comparison
set -eu
cd "$(dirname "$0")/.."
capsim=${1:-build/cli/capsim}
out=${OUT:-lab/results-r11}
model=lab/results-r9/calibrated-crowd.yaml
mkdir -p "$out"
v=(--steady --duration 90s)
# the runs' configurations (base: pool 4 per process, 2 processes x 8
# threads) and their measured other work, from their *_util.json
confsets() { # DIR [max pool]: --point-set options, one per line
	/usr/bin/python3 - "$@" <<'PY'
import glob, json, sys
maxpool = int(sys.argv[2]) if len(sys.argv) > 2 else 10**9
for f in sorted(glob.glob(sys.argv[1] + "/*_util.json")):
    u = json.load(open(f))
    if u["pool_size"] > maxpool:
        continue
    r = u["run"]
    for k, val in (("db.pool.size", u["pool_size"]), ("app.processes", u["processes"]),
                   ("app.workers", u["processes"] * u["threads"])):
        print("--point-set\n%s:%s=%s" % (r, k, val))
PY
}
sets=(--point-set n01:db.pool.size=1 --point-set n02:db.pool.size=1
      --point-set n03:db.pool.size=1 --point-set n03:app.processes=1
      --point-set n03:app.workers=8
      --point-set n04:db.pool.size=2
      --point-set n05:db.pool.size=1 --point-set n05:app.workers=8
      --point-set n06:db.pool.size=1 --point-set n06:app.processes=4
      --point-set n07:db.pool.size=2)
if [ -z "${SCORE_ONLY:-}" ]; then
	M=() cal=() pts=()
	for r in 2 3 4 5 6 7 8 9 10; do
		d=lab/data-r$r
		/usr/bin/python3 lab/measurements.py $d > "$out/measurements-r$r.yaml"
		M+=("$out/measurements-r$r.yaml")
		mapfile -t c < <(confsets $d 2)
		cal+=("${c[@]}")
		while read -r opt arg; do
			case " ${c[*]} " in *" ${arg%%:*}:db.pool.size="*) cal+=("$opt" "$arg") ;; esac
		done < <(/usr/bin/python3 lab2/background.py $d)
	done
	for ((i = 1; i < ${#cal[@]}; i += 2)); do pts+=("${cal[i]%%:*}"); done
	pts=$(printf '%s\n' "${pts[@]}" | sort -u | paste -sd,)
	"$capsim" calibrate "$model" --data "${M[@]}" --points "$pts" "${cal[@]}" "${v[@]}" \
		--fit db.pool.handoff=0.05ms:10ms -o "$out/calibrated-handoff-fit.yaml" \
		> "$out/calibrate.txt" 2>&1
	h=$(sed -n 's/^#   db.pool.handoff: .* -> \([^ ]*\) .*/\1/p' "$out/calibrated-handoff-fit.yaml" | head -1)
	echo "handoff=$h" > "$out/handoff.txt"
	for m in handoff crowd; do
		extra=()
		[ $m = handoff ] && extra=(--set db.pool.handoff="$h")
		for f in table json; do
			"$capsim" validate "$model" --data lab/round11-design.yaml "${sets[@]}" \
				"${extra[@]}" "${v[@]}" --format $f \
				-o "$out/heldout-prediction-$m.$([ $f = table ] && echo txt || echo json)" 2>/dev/null
		done
	done
fi
if [ -d lab/data-r11 ]; then
	/usr/bin/python3 lab/measurements.py lab/data-r2 > "$out/measurements-r2.yaml"
	/usr/bin/python3 lab/measurements.py lab/data-r11 > "$out/measurements.yaml"
	sbg=()
	while read -r opt arg; do
		case $arg in s0[1-4]:*) sbg+=("$opt" "$arg") ;; esac
	done < <(/usr/bin/python3 lab2/background.py lab/data-r2)
	h=$(sed -n 's/^handoff=//p' "$out/handoff.txt")
	have=$(/usr/bin/python3 -c '
import glob, json, sys
print(",".join(sorted(json.load(open(f))["run"] for f in glob.glob(sys.argv[1] + "/*_util.json"))))' lab/data-r11)
	for m in handoff crowd; do
		extra=()
		[ $m = handoff ] && extra=(--set db.pool.handoff="$h")
		for f in table json; do
			"$capsim" validate "$model" --data "$out/measurements-r2.yaml" "$out/measurements.yaml" \
				--points "s01,s02,s03,s04,$have" "${sets[@]}" "${extra[@]}" "${sbg[@]}" "${v[@]}" \
				--baseline-from s01,s02,s03,s04 --format $f \
				-o "$out/validate-$m.$([ $f = table ] && echo txt || echo json)" 2>/dev/null
		done
	done
fi
echo "done: $out" >&2
