#!/bin/bash
# Lab 1, round 4's repeats w01-w04 (of v04, v05, v07, v08) against round 4's
# committed host prediction of those configurations (calibrated-host.yaml,
# 3b843dc, made before either run).  Run from the repository's top.
set -eu
capsim=${1:-build/cli/capsim}
d=lab/results-r4/repeats
/usr/bin/python3 lab/measurements.py lab/data-r4 > $d/measurements.yaml
sets=(--point-set w01:db.pool.size=8
      --point-set w02:db.pool.size=3 --point-set w02:app.processes=4
      --point-set w02:app.workers=24
      --point-set w03:db.pool.size=10
      --point-set w04:db.pool.size=1 --point-set w04:app.processes=4)
for f in table json; do
	"$capsim" validate lab/results-r4/calibrated-host.yaml --data $d/measurements.yaml \
		--points w01,w02,w03,w04 "${sets[@]}" --steady --duration 90s --format $f \
		-o $d/validate.$([ $f = table ] && echo txt || echo json) 2>/dev/null
done
