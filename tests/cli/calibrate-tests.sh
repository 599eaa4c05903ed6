#!/usr/bin/env bash
# The `capsim calibrate` and `capsim validate` command-line suite: good runs
# on a seed report's transcription (small fits, a few seconds), bad input
# and exit codes.
#
#   tests/cli/calibrate-tests.sh CAPSIM SOURCE_DIR
#
# Every bad case must exit 2, say why on stderr in the command's voice,
# print nothing on stdout and leave no output file behind.
# Prints "ok - NAME" or "not ok - NAME: WHY" per case, then "N passed, M
# failed"; exits 1 if any case failed.

set -u

if [ $# -ne 2 ]; then
	echo "usage: $0 CAPSIM SOURCE_DIR" >&2
	exit 2
fi
CAPSIM=$(realpath -- "$1") || exit 2
SRC=$(realpath -- "$2") || exit 2
PY=/usr/bin/python3
LIMIT=120 # seconds for one capsim command: a hang is a failure

pass=0
fail=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
bad() { echo "not ok - $1: $2"; fail=$((fail + 1)); }

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 2

# the seed report 004 transcription: 2 closed points to fit, a third to
# predict (and open-arrival points the closed scenario skips with a note)
cp "$SRC/scenarios/seed004-node-ollama.yaml" s.yaml
cp "$SRC/calibration/measurements/seed-004-bot-node-ollama.yaml" m.yaml
FIT=(--fit app.cpu_scale=0.3:3 --proposals 8 --evals 20 --starts 1)

# ---- good runs ---------------------------------------------------------------

timeout $LIMIT "$CAPSIM" calibrate s.yaml --data m.yaml --points users-10,users-50 \
	"${FIT[@]}" -o cal.yaml >cal.txt 2>cal.err
rc=$?
if [ $rc -ne 0 ]; then
	bad calibrate-runs "exit $rc: $(head -3 cal.err)"
elif ! grep -q "^calibration:" cal.yaml; then
	bad calibrate-runs "no calibration block in the written file"
elif ! grep -q "app.cpu_scale" cal.txt; then
	bad calibrate-runs "the report does not name the fitted value"
else
	ok calibrate-runs
fi

# the calibrated file is a scenario like any other
if timeout $LIMIT "$CAPSIM" run cal.yaml -r 2 -f json >run.json 2>run.err &&
   $PY -c 'import json,sys; json.load(open(sys.argv[1]))' run.json; then
	ok calibrated-file-runs
else
	bad calibrated-file-runs "$(head -3 run.err)"
fi

# validate: a table with the prediction interval and the score; JSON with
# pi_low/pi_high per metric; the same bytes whatever --jobs
V=(validate cal.yaml --data m.yaml --points users-10,users-50,users-100
   --baseline-from 10,50 -r 3)
if timeout $LIMIT "$CAPSIM" "${V[@]}" >val.txt 2>val.err &&
   grep -q "90% prediction interval" val.txt && grep -q "^score on" val.txt; then
	ok validate-table
else
	bad validate-table "$(head -3 val.err; head -3 val.txt)"
fi
timeout $LIMIT "$CAPSIM" "${V[@]}" -f json -o v1.json --jobs 1 2>/dev/null
timeout $LIMIT "$CAPSIM" "${V[@]}" -f json -o v2.json --jobs 2 2>/dev/null
if $PY - v1.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
held = [p for p in d["points"] if not p.get("calibration")]
assert held and held[0]["name"] == "users-100", held
t = held[0]["metrics"]["throughput"]
assert t["pi_low"] <= t["predicted"] <= t["pi_high"], t
assert "covered" in t and "usl" in t
PY
then
	ok validate-json
else
	bad validate-json "JSON lacks the held-out point's interval or baselines"
fi
cmp -s v1.json v2.json && ok validate-jobs-identical ||
	bad validate-jobs-identical "--jobs 1 and 2 differ"
# the calibration points by name: the same baselines and scores as by
# their users (here one point a user count)
VN=(validate cal.yaml --data m.yaml --points users-10,users-50,users-100
    --baseline-from users-10,50 -r 3)
timeout $LIMIT "$CAPSIM" "${VN[@]}" -f json -o v3.json --jobs 2 2>/dev/null
cmp -s v2.json v3.json && ok validate-baseline-by-name ||
	bad validate-baseline-by-name "--baseline-from users-10,50 differs from 10,50"
# a user count that also takes a point of another configuration (its own
# --point-set) says so; naming the points does not
{
	echo 'system: "two runs at 10 users, one with a smaller pool"'
	echo 'tool: report'
	echo 'points:'
	echo '  - {name: a, users: 10, duration: 15m, throughput: 20/min, latency: {p50: 450ms, p95: 1200ms}}'
	echo '  - {name: b, users: 10, duration: 15m, throughput: 19/min, latency: {p50: 500ms, p95: 1300ms}}'
	echo '  - {name: c, users: 50, duration: 15m, throughput: 98/min, latency: {p50: 650ms, p95: 1800ms}}'
} >same-users.yaml
VW=(validate cal.yaml --data same-users.yaml --point-set b:db.pool.size=3 -r 2 --draws 1)
timeout $LIMIT "$CAPSIM" "${VW[@]}" --baseline-from 10 >vw1.txt 2>/dev/null
timeout $LIMIT "$CAPSIM" "${VW[@]}" --baseline-from a >vw2.txt 2>/dev/null
if grep -q 'baseline-from 10 takes points "a" and "b", whose --point-set overrides differ: if one is another configuration' vw1.txt &&
   ! grep -q "takes points" vw2.txt && grep -q '^point "b".*' vw2.txt &&
   ! grep -q '^point "b".*baseline calibration point' vw2.txt; then
	ok validate-baseline-other-configuration
else
	bad validate-baseline-other-configuration "$(grep -m2 'takes\|^point "b"' vw1.txt vw2.txt)"
fi

# ---- bad input: exit 2, one reason, nothing written --------------------------

# expect NAME PATTERN CMD...: exit 2, stderr matches PATTERN, stdout empty,
# no out.yaml / out.json left
expect() {
	local name=$1 pat=$2
	shift 2
	rm -f out.yaml out.json
	timeout $LIMIT "$CAPSIM" "$@" >out.txt 2>err.txt
	local rc=$?
	if [ $rc -ne 2 ]; then
		bad "$name" "exit $rc, want 2 ($(head -2 err.txt))"
	elif ! grep -q -- "$pat" err.txt; then
		bad "$name" "stderr lacks \"$pat\": $(head -3 err.txt)"
	elif [ -s out.txt ]; then
		bad "$name" "printed on stdout: $(head -2 out.txt)"
	elif [ -e out.yaml ] || [ -e out.json ]; then
		bad "$name" "left an output file"
	else
		ok "$name"
	fi
}

expect calibrate-needs-data "no --data FILE given" \
	calibrate s.yaml --fit app.cpu_scale -o out.yaml
expect calibrate-needs-fit "no --fit PATH given" \
	calibrate s.yaml --data m.yaml -o out.yaml
expect calibrate-unknown-path "no.such.path is not in the scenario" \
	calibrate s.yaml --data m.yaml --fit no.such.path -o out.yaml
expect calibrate-unknown-point 'no point "nosuch"' \
	calibrate s.yaml --data m.yaml --fit app.cpu_scale --points nosuch -o out.yaml
expect calibrate-missing-data "cannot open" \
	calibrate s.yaml --data missing.yaml --fit app.cpu_scale -o out.yaml
expect calibrate-did-you-mean "did you mean --replications" \
	calibrate s.yaml --data m.yaml --fit app.cpu_scale --replicatons 2 -o out.yaml
expect calibrate-bad-bounds "fit" \
	calibrate s.yaml --data m.yaml --fit app.cpu_scale=3:0.3 -o out.yaml
expect calibrate-bad-point-set "no such point" \
	calibrate s.yaml --data m.yaml --fit app.cpu_scale --point-set nosuch:app.cores=2 \
	-o out.yaml
expect calibrate-bad-covariate "--covariate is a --point-set path" \
	calibrate s.yaml --data m.yaml --fit app.cpu_scale --covariate app.background=0.1 \
	-o out.yaml
expect calibrate-bad-speed-noise "--speed-noise is a standard deviation" \
	calibrate s.yaml --data m.yaml --fit app.cpu_scale --speed-noise -1 -o out.yaml
expect validate-bad-baseline "--baseline-from is a list of user counts or point names" \
	validate cal.yaml --data m.yaml --baseline-from 10,,50 -o out.json
expect validate-bad-baseline-name 'no point named "abc" among the points used' \
	validate cal.yaml --data m.yaml --baseline-from users-10,abc -o out.json
expect validate-needs-data "no --data FILE given" \
	validate cal.yaml -o out.json
expect validate-bad-format "format" \
	validate cal.yaml --data m.yaml --format yaml -o out.json

# a measurements file with a bad value: file:line:col and the key path
{
	echo 'points:'
	echo '  - {name: p1, users: 10, throughput: 5}'
	echo '  - {name: p2, users: -5, throughput: 9}'
} >badm.yaml
expect calibrate-bad-measurements "badm.yaml:3:" \
	calibrate s.yaml --data badm.yaml --fit app.cpu_scale -o out.yaml

# a calibration block that is not one: validate names its path
cp cal.yaml badcal.yaml
$PY - badcal.yaml <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
open(p, "w").write(s.replace("se_log: ", "se_log: -", 1))
PY
expect validate-bad-block "calibration.parameters" \
	validate badcal.yaml --data m.yaml -o out.json

# -o naming an input: refused, the input untouched
cp s.yaml keep.yaml
rm -f out.yaml
timeout $LIMIT "$CAPSIM" calibrate s.yaml --data m.yaml --fit app.cpu_scale \
	-o s.yaml >out.txt 2>err.txt
rc=$?
if [ $rc -eq 2 ] && cmp -s s.yaml keep.yaml && grep -q "would overwrite the input" err.txt; then
	ok calibrate-output-is-input
else
	bad calibrate-output-is-input "exit $rc, scenario changed or no reason: $(head -2 err.txt)"
fi
timeout $LIMIT "$CAPSIM" validate cal.yaml --data m.yaml -o m.yaml >out.txt 2>err.txt
rc=$?
if [ $rc -eq 2 ] && cmp -s m.yaml "$SRC/calibration/measurements/seed-004-bot-node-ollama.yaml"; then
	ok validate-output-is-data
else
	bad validate-output-is-data "exit $rc or the data file changed: $(head -2 err.txt)"
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
