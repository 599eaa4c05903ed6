#!/bin/bash
# Lab 1 after round 4 (not a prediction: v01-v08 were measured before this
# was written): lab/validate-r4.sh's host model calibrated on all 28 runs
# of rounds 2-4, without and with the USL contention term on the host's
# cores (app.contention.sigma), to see whether it takes up the lean with
# three and four processes.  Outputs in lab/results-r4/posthoc-usl/.
#
#   lab/posthoc-r4-usl.sh [path/to/capsim]
set -eu
cd "$(dirname "$0")/.."
capsim=${1:-build/cli/capsim}
out=${OUT:-lab/results-r4/posthoc-usl}
mkdir -p "$out"
M4=$out/measurements-r4.yaml
/usr/bin/python3 lab/measurements.py lab/data-r4 > "$M4"
# rounds 2-4's configurations and fits, as the committed protocol scripts
# give them
eval "$(sed -n '/^cal_sets=(/,/^          --point-set u08:db.pool.size=8/p' lab/validate-r3.sh)"
cal_sets+=("${new_sets[@]}")
eval "$(sed -n '/^new_sets=(--point-set v02/,/^          --point-set v08:db.pool.size=1/p' lab/validate-r4.sh)"
cal_sets+=("${new_sets[@]}")
eval "$(sed -n '/^fits=(/,/^      --fit app.core_slowdown/p' lab/validate-r4.sh)"
bg=()
for d in lab/data-r2 lab/data-r3 lab/data-r4; do
	while read -r opt arg; do bg+=("$opt" "$arg"); done \
		< <(/usr/bin/python3 lab2/background.py $d)
done
for m in host usl; do
	extra=(--fit app.cold_delay=0.1ms:20ms --fit app.cold_after=5ms:5s)
	[ $m = usl ] && extra+=(--fit app.contention.sigma=0.0001:0.05)
	"$capsim" calibrate lab/scenario-host.yaml --data lab/results-r4/measurements-r2.yaml \
		lab/results-r4/measurements-r3.yaml "$M4" --steady --duration 90s \
		"${cal_sets[@]}" "${bg[@]}" "${fits[@]}" "${extra[@]}" \
		-o "$out/calibrated-$m.yaml" > "$out/calibrate-$m.txt" 2>&1
done
grep -H "best objective" "$out"/calibrate-*.txt >&2
