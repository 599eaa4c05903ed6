#!/bin/bash
# Lab 2, round 16 (lab2/README.md "Round 16"): round 15's model as it
# stands, no fit, on sixteen configurations no run has had.  Two variants,
# both committed files, neither refitted:
#   rtt99   lab2/results-r15/calibrated-rtt99.yaml (the round trips,
#           calibrated on 99 runs): the prediction of record;
#   util91  lab2/results-r14/calibrated-util91.yaml (without them): the
#           control;
# each predicting e01-e16 with 90% intervals from their design alone.
# Once their data are in lab2/data/round16-host.yaml, the comparison with
# them and with a straight line and a USL fitted to c01-c06.
#
#   lab2/validate-r16.sh [path/to/capsim]
#   MODELS=util91 lab2/validate-r16.sh        # one variant
#   SCORE_ONLY=1 lab2/validate-r16.sh CAPSIM  # only the comparison
set -eu
cd "$(dirname "$0")/.."
capsim=${1:-build/cli/capsim}
out=${OUT:-lab2/results-r16}
mkdir -p "$out"
D=lab2/data
H=$D/round16-host.yaml
# the instance counts' settings, as lab2/validate-r8.sh and -r13.sh have them
eval "$(sed -n '/^one=/,/^four=/p' lab2/validate-r8.sh)"
eval "$(sed -n '/^five=/,/^six=/p' lab2/validate-r13.sh)"
# round 16's runs (e01-e16 in lab2/run.sh); base: 2 instances, pool 5
new_sets=(--point-set e01:db.pool.size=3 --point-set e02:db.pool.size=6
          --point-set e03:db.pool.size=3 --point-set e04:db.pool.size=8
          --point-set e05:db.pool.size=20 --point-set e06:db.pool.size=6
          --point-set e07:db.pool.size=20 --point-set e08:db.pool.size=15
          --point-set e09:db.pool.size=5 --point-set e10:db.pool.size=1
          --point-set e11:db.pool.size=2 --point-set e12:db.pool.size=8
          --point-set e13:db.pool.size=4 --point-set e14:db.pool.size=6
          --point-set e15:db.pool.size=10 --point-set e16:db.pool.size=7)
for a in $one; do new_sets+=(--point-set "e01:$a" --point-set "e05:$a" --point-set "e12:$a"); done
for a in $three; do new_sets+=(--point-set "e04:$a" --point-set "e08:$a" --point-set "e15:$a"); done
for a in $four; do new_sets+=(--point-set "e02:$a" --point-set "e11:$a"); done
for a in $five; do new_sets+=(--point-set "e06:$a" --point-set "e10:$a"); done
for a in $six; do new_sets+=(--point-set "e09:$a" --point-set "e13:$a"); done
cbg=()
while read -r opt arg; do case $arg in c*) cbg+=("$opt" "$arg") ;; esac; done < <(/usr/bin/python3 lab2/background.py)

for m in ${MODELS:-rtt99 util91}; do
	cal=lab2/results-r15/calibrated-rtt99.yaml
	[ $m = util91 ] && cal=lab2/results-r14/calibrated-util91.yaml
	if [ -z "${SCORE_ONLY:-}" ]; then
		for f in table json; do
			"$capsim" validate "$cal" --data lab2/round16-design.yaml \
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
echo "done: $out" >&2
