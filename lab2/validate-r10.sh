#!/bin/bash
# Lab 2, round 10 (lab2/README.md "Round 10"): the model as it stands, no
# fit.  Round 9's prediction of record (lab2/results-r9/calibrated-cold.yaml:
# the event-loop model with the light-load wake-up, calibrated on 51 runs)
# predicts b01-b08 with 90% intervals from their design alone, with
# today's capsim (its intervals centred on the model's answer).  Once
# their data are in lab2/data/round10-host.yaml, the comparison with them
# and with a straight line and a USL fitted to c01-c06.
#
#   lab2/validate-r10.sh [path/to/capsim]
#   SCORE_ONLY=1 lab2/validate-r10.sh CAPSIM   # only the comparison
set -eu
cd "$(dirname "$0")/.."
capsim=${1:-build/cli/capsim}
out=${OUT:-lab2/results-r10}
mkdir -p "$out"
D=lab2/data
H=$D/round10-host.yaml
cal=lab2/results-r9/calibrated-cold.yaml
# the instance counts' settings, as lab2/validate-r8.sh has them
eval "$(sed -n '/^one=/,/^four=/p' lab2/validate-r8.sh)"
# round 10's runs (b01-b08 in lab2/run.sh); base: 2 instances, pool 5
new_sets=(--point-set b02:db.pool.size=2 --point-set b03:db.pool.size=1
          --point-set b05:db.pool.size=12 --point-set b06:db.pool.size=2
          --point-set b07:db.pool.size=10 --point-set b08:db.pool.size=15)
for a in $four; do new_sets+=(--point-set "b02:$a" --point-set "b05:$a"); done
for a in $three; do new_sets+=(--point-set "b03:$a" --point-set "b04:$a" --point-set "b07:$a"); done
for a in $one; do new_sets+=(--point-set "b06:$a"); done
cbg=()
while read -r opt arg; do case $arg in c*) cbg+=("$opt" "$arg") ;; esac; done < <(/usr/bin/python3 lab2/background.py)

if [ -z "${SCORE_ONLY:-}" ]; then
	for f in table json; do
		"$capsim" validate "$cal" --data lab2/round10-design.yaml \
			"${new_sets[@]}" --steady --duration 80s --format $f \
			-o "$out/heldout-prediction.$([ $f = table ] && echo txt || echo json)" 2>/dev/null
	done
fi
# the comparison, once the round-10 data are in $H (c01-c06 for the
# straight line and the USL, by name)
if [ -f $H ]; then
	for f in table json; do
		"$capsim" validate "$cal" --data $D/measurements-host.yaml $H \
			"${new_sets[@]}" "${cbg[@]}" --steady --duration 80s \
			--baseline-from c01,c02,c03,c04,c05,c06 --format $f \
			-o "$out/validate.$([ $f = table ] && echo txt || echo json)" 2>/dev/null
	done
fi
echo "done: $out" >&2
