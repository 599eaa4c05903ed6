#!/bin/bash
# Output files and exit statuses, for every command that writes a file:
#   output-tests.sh CAPSIM SOURCE_DIR
#
# - -o through a symbolic link writes the link's target and keeps the link;
#   -o onto a device or FIFO writes through it and never renames over it;
#   a replaced file keeps its mode; a new one gets 0666 less the umask.
# - -o naming an input is refused (exit 2, the input untouched).
# - -o into a missing folder fails before any work, with a message, exit 2.
# - every invocation that prints "error" exits non-zero.
# - merge: a point index outside the grid is refused cleanly (under valgrind
#   when it is installed: it once read freed memory).
# Prints "ok - name" / "not ok - name: why" and "N passed, M failed".
set -u
capsim=$(realpath -- "$1") || exit 2
srcdir=$(realpath -- "$2") || exit 2
[ -x "$capsim" ] || { echo "not ok - setup: $1 is not a program"; exit 1; }
tmp=$(mktemp -d /tmp/capsim-out.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
bad() { echo "not ok - $1: $2"; fail=$((fail + 1)); }
umask 022
cd "$tmp" || exit 1

cat > s.yaml <<'YAML'
run: {duration: 20s, warmup: 2s, replications: 2, seed: 9}
load: {users: 20, think: {dist: exponential, mean: 200ms}, client_timeout: 10s}
app: {workers: 4, cores: 2}
db: {pool: {size: 3, acquire_timeout: 500ms}}
endpoints:
  - name: a
    steps: [{cpu: {dist: exponential, mean: 4ms}}, {db: {steps: [{query: {dist: exponential, mean: 3ms}}]}}]
YAML
cat > m.yaml <<'YAML'
system: tiny
points:
  - {name: low, users: 10, duration: 20s, throughput: 45, latency: {p50: 12ms, p95: 30ms}}
  - {name: mid, users: 20, duration: 20s, throughput: 85, latency: {p50: 14ms, p95: 40ms}}
YAML
"$capsim" sweep s.yaml --vary load.users=5,10 -f json -o sw.json 2>/dev/null ||
	bad setup "the sweep for merge/plot/report failed"
"$capsim" sweep s.yaml --vary load.users=5,10 --shard 1/2 -o shard1.json 2>/dev/null

# Each command that writes -o, as "NAME|ARGS BEFORE -o" (the output is
# appended); EXT is the file name the command insists on.
cmds=(
	"run|json|run s.yaml -f json"
	"sweep|csv|sweep s.yaml --vary load.users=5,10 --jobs 1 -f csv"
	"merge|json|merge shard1.json"
	"capacity|json|capacity s.yaml --slo p95<1s --search db.pool.size=1:4 --jobs 1 -f json"
	"calibrate|yaml|calibrate s.yaml --data m.yaml --fit load.think.mean --replications 2"
	"validate|txt|validate s.yaml --data m.yaml --replications 2"
	"plot|svg|plot sw.json"
	"report|html|report sw.json"
)

for entry in "${cmds[@]}"; do
	IFS='|' read -r name ext args <<< "$entry"
	# shellcheck disable=SC2086
	set -- $args

	# a symbolic link: the target is replaced, the link stays, the mode kept
	echo old > "target-$name.$ext"
	chmod 640 "target-$name.$ext"
	ln -sf "target-$name.$ext" "link-$name.$ext"
	"$capsim" "$@" -o "link-$name.$ext" >/dev/null 2>err
	rc=$?
	if [ $rc -eq 0 ] && [ -L "link-$name.$ext" ] &&
	   [ "$(cat "target-$name.$ext")" != old ] &&
	   [ "$(stat -c %a "target-$name.$ext")" = 640 ] &&
	   [ -z "$(ls | grep '\.tmp')" ]; then
		ok "$name-symlink-keeps-link-and-mode"
	else
		bad "$name-symlink-keeps-link-and-mode" "exit $rc, $(ls -l "link-$name.$ext" "target-$name.$ext" | tr '\n' ' ') $(head -c 200 err)"
	fi

	# a new file: 0666 less the umask (022), not mkstemp's 0600
	"$capsim" "$@" -o "new-$name.$ext" >/dev/null 2>err
	mode=$(stat -c %a "new-$name.$ext" 2>/dev/null)
	[ "$mode" = 644 ] && ok "$name-new-file-mode" ||
		bad "$name-new-file-mode" "mode '$mode', $(head -c 200 err)"

	# a link to /dev/null: written through; /dev/null stays a device
	ln -sf /dev/null "null-$name.$ext"
	"$capsim" "$@" -o "null-$name.$ext" >/dev/null 2>err
	rc=$?
	if [ $rc -eq 0 ] && [ -c /dev/null ] && [ -L "null-$name.$ext" ]; then
		ok "$name-device-written-through"
	else
		bad "$name-device-written-through" "exit $rc, $(ls -l /dev/null) $(head -c 200 err)"
	fi

	# a FIFO: its reader gets the output, the FIFO stays a FIFO
	mkfifo "fifo-$name.$ext"
	(timeout 60 cat "fifo-$name.$ext" > "fifo-$name.got") &
	reader=$!
	timeout 60 "$capsim" "$@" -o "fifo-$name.$ext" >/dev/null 2>err
	rc=$?
	wait $reader
	if [ $rc -eq 0 ] && [ -p "fifo-$name.$ext" ] && [ -s "fifo-$name.got" ]; then
		ok "$name-fifo-written-through"
	else
		bad "$name-fifo-written-through" "exit $rc, $(ls -l "fifo-$name.$ext") got $(wc -c < "fifo-$name.got") bytes, $(head -c 200 err)"
	fi

	# a full device (a full disk): a message naming it, a non-zero exit
	if [ -c /dev/full ]; then
		ln -sf /dev/full "full-$name.$ext"
		"$capsim" "$@" -o "full-$name.$ext" >/dev/null 2>err
		rc=$?
		if [ $rc -ne 0 ] && grep -q "/dev/full: error: cannot write" err; then
			ok "$name-full-device-error"
		else
			bad "$name-full-device-error" "exit $rc, $(head -c 200 err)"
		fi
	fi

	# a folder that does not exist: exit 2 with a message, nothing made
	"$capsim" "$@" -o "nothere/x.$ext" >/dev/null 2>err
	rc=$?
	if [ $rc -eq 2 ] && grep -q "nothere/x.$ext" err && [ ! -e nothere ]; then
		ok "$name-missing-folder-exit-2"
	else
		bad "$name-missing-folder-exit-2" "exit $rc, $(head -c 200 err)"
	fi

	# a folder as the output
	mkdir -p "dir-$name.$ext"
	"$capsim" "$@" -o "dir-$name.$ext" >/dev/null 2>err
	rc=$?
	[ $rc -ne 0 ] && [ -d "dir-$name.$ext" ] && grep -q error err &&
		ok "$name-folder-refused" || bad "$name-folder-refused" "exit $rc, $(head -c 200 err)"
done

# -o naming an input: refused, the input unchanged
same_input() {
	name=$1
	input=$2
	shift 2
	sum=$(md5sum < "$input")
	"$capsim" "$@" >/dev/null 2>err
	rc=$?
	if [ $rc -eq 2 ] && grep -q "would overwrite the input" err &&
	   [ "$(md5sum < "$input")" = "$sum" ]; then
		ok "$name"
	else
		bad "$name" "exit $rc, $(head -c 200 err)"
	fi
}
ln -sf s.yaml alias.yaml
same_input run-o-is-scenario s.yaml run s.yaml -o s.yaml
same_input run-o-is-scenario-via-link s.yaml run s.yaml -o alias.yaml
same_input sweep-o-is-scenario s.yaml sweep s.yaml --vary load.users=5,10 -o s.yaml
same_input merge-o-is-shard shard1.json merge shard1.json -o shard1.json
same_input capacity-o-is-scenario s.yaml capacity s.yaml --slo 'p95<1s' --search db.pool.size=1:4 -o s.yaml
same_input calibrate-o-is-scenario s.yaml calibrate s.yaml --data m.yaml --fit load.think.mean -o s.yaml
same_input calibrate-o-is-data m.yaml calibrate s.yaml --data m.yaml --fit load.think.mean -o m.yaml
same_input validate-o-is-data m.yaml validate s.yaml --data m.yaml -o m.yaml
cp sw.json sw.html
same_input report-o-is-results sw.html report sw.html -o sw.html

# merge: a point outside the grid; once a read of freed memory
/usr/bin/python3 - <<'PY'
import json
d = json.load(open("sw.json"))
d["points"][0]["index"] = 7
json.dump(d, open("outside.json", "w"))
d["points"][0]["index"] = 0.5
json.dump(d, open("fraction.json", "w"))
PY
# not under valgrind when capsim is built with -Dsanitize (ASan checks the
# same, and valgrind cannot run an ASan binary, nor read clang's DWARF 5)
if command -v valgrind >/dev/null 2>&1 && ! grep -aq __asan_init "$capsim"; then
	vg=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite)
else
	vg=()
fi
"${vg[@]}" "$capsim" merge outside.json -o m.json >/dev/null 2>err
rc=$?
[ $rc -eq 2 ] && grep -q "point index 7 is outside the grid" err && [ ! -e m.json ] &&
	ok merge-index-outside-grid || bad merge-index-outside-grid "exit $rc, $(head -c 300 err)"
"${vg[@]}" "$capsim" merge fraction.json -o m.json >/dev/null 2>err
rc=$?
[ $rc -eq 2 ] && grep -q "outside the grid" err &&
	ok merge-index-not-whole || bad merge-index-not-whole "exit $rc, $(head -c 300 err)"

# merge: header values out of range, missing header keys, a result that
# is not a run result, the same point twice
/usr/bin/python3 - <<'PY'
import json
def variant(name, change):
    d = json.load(open("sw.json"))
    change(d)
    json.dump(d, open(name, "w"))
variant("seed-huge.json", lambda d: d["sweep"].__setitem__("seed", 1e300))
variant("seed-frac.json", lambda d: d["sweep"].__setitem__("seed", 2.5))
variant("reps-neg.json", lambda d: d["sweep"].__setitem__("replications", -5))
variant("no-seed.json", lambda d: d["sweep"].pop("seed"))
variant("res-string.json", lambda d: d["points"][1].__setitem__("result", "x"))
def other(d):
    d["points"][0]["result"]["overall"]["requests"]["mean"] += 1
variant("other-result.json", other)
open("tiny-header.json", "w").write('{"sweep":{"points_total":3},"points":[]}')
PY
merge_bad() { # NAME WANT FILES...
	name=$1
	want=$2
	shift 2
	rm -f mb.csv
	"$capsim" merge "$@" -f csv -o mb.csv >/dev/null 2>err
	rc=$?
	if [ $rc -eq 2 ] && grep -qF -- "$want" err && [ ! -e mb.csv ]; then
		ok "$name"
	else
		bad "$name" "exit $rc, $(head -c 300 err)"
	fi
}
merge_bad merge-seed-huge "seed: must be a whole number from 0 to 9007199254740991 (got 1e+300)" seed-huge.json
merge_bad merge-seed-fraction "seed: must be a whole number" seed-frac.json
merge_bad merge-replications-negative "replications: must be a whole number from 1 to 100000 (got -5)" reps-neg.json
merge_bad merge-header-without-seed 'the sweep header is incomplete: it has no "seed"' no-seed.json
merge_bad merge-tiny-header "the sweep header is incomplete" tiny-header.json
merge_bad merge-result-not-object 'point 1: its "result" is not a run result' res-string.json
merge_bad merge-duplicate-point-differs "point 0 is also in an earlier file, with a different result" sw.json other-result.json
"$capsim" merge shard1.json shard1.json -o twice.json >/dev/null 2>err
rc=$?
"$capsim" merge shard1.json -o once.json >/dev/null 2>/dev/null
if [ $rc -eq 0 ] && grep -q "shard1.json: 1 point already read from an earlier file" err &&
   cmp -s twice.json once.json; then
	ok merge-same-shard-twice-warns
else
	bad merge-same-shard-twice-warns "exit $rc, $(head -c 300 err)"
fi
# report and plot check the same ranges before using them
"$capsim" report seed-huge.json -o r.html >/dev/null 2>err
rc=$?
[ $rc -eq 2 ] && grep -q "sweep.seed: must be a whole number" err && [ ! -e r.html ] &&
	ok report-seed-huge || bad report-seed-huge "exit $rc, $(head -c 300 err)"
"$capsim" report reps-neg.json -o r.html >/dev/null 2>err
rc=$?
[ $rc -eq 2 ] && grep -q "sweep.replications: must be a whole number" err &&
	ok report-replications-negative || bad report-replications-negative "exit $rc, $(head -c 300 err)"

# inputs read whole are bounded: a device that never ends is refused at
# once, a file over 256 MiB from its size, a pipe once it passes 256 MiB
bounded() { # NAME WANT ARGS...
	name=$1
	want=$2
	shift 2
	timeout 60 "$capsim" "$@" >/dev/null 2>err
	rc=$?
	if [ $rc -eq 2 ] && grep -qF -- "$want" err; then
		ok "$name"
	else
		bad "$name" "exit $rc, $(head -c 300 err)"
	fi
}
bounded report-dev-zero "/dev/zero: error: is a character device" report /dev/zero -o z.html
bounded plot-dev-zero "/dev/zero: error: is a character device" plot /dev/zero -o z.svg
bounded merge-dev-zero "/dev/zero: error: is a character device" merge /dev/zero
truncate -s 300M huge.json
bounded merge-file-too-big "huge.json: error: is 314572800 bytes, more than the 256 MiB" merge huge.json
bounded report-file-too-big "more than the 256 MiB capsim reads" report huge.json -o z.html
rm -f huge.json
head -c 300M /dev/zero | bounded merge-pipe-too-long "is longer than the 256 MiB capsim reads" merge /dev/stdin

# --timeseries rows are capped (they are kept in memory): a tiny interval
# is refused at once with the cap and the smallest interval allowed
timeout 60 "$capsim" run s.yaml --timeseries 1e-300s >/dev/null 2>err
rc=$?
[ $rc -eq 2 ] && grep -q "at most 1000000: choose an interval of at least 2e-05s" err &&
	ok run-timeseries-row-cap || bad run-timeseries-row-cap "exit $rc, $(head -c 300 err)"

# Size limits are reached in bounded time (a generous sanity timeout; the
# counts are what is checked).  20,000 endpoints once took 106 s (a scan
# per metric and per name), 100,000 stages 211 s (a scan per tick).
/usr/bin/python3 - <<'PY'
with open("ep20k.yaml", "w") as f:
    f.write("run: {duration: 2s, warmup: 0s, replications: 1}\n"
            "load: {users: 50, think: 100ms}\nendpoints:\n")
    for i in range(20000):
        f.write("  - {name: e%d, steps: [{cpu: 1ms}]}\n" % i)
with open("ep20k-dup.yaml", "w") as f:
    f.write(open("ep20k.yaml").read() + "  - {name: e19999, steps: [{cpu: 1ms}]}\n")
with open("st100k.yaml", "w") as f:
    f.write("run: {replications: 1}\nload:\n  think: 10s\n  stages:\n")
    for i in range(100000):
        f.write("    - {duration: 1s, target: %d}\n" % (5 + i % 5))
    f.write("endpoints: [{name: a, steps: [{cpu: 1ms}]}]\n")
PY
timeout 60 "$capsim" run ep20k.yaml --jobs 1 -f json -o ep20k.json 2>err
rc=$?
# 27 metrics per endpoint (4 counts and rates, 2 x 6 latencies, 8 causes,
# time in its 3 possible parts: backlog, cpu, cpu_queue)
/usr/bin/python3 - <<'PY' && [ $rc -eq 0 ] && ok run-20000-endpoints-json ||
import json, sys
def leaves(o):
    if "mean" in o and not isinstance(o["mean"], dict):
        return 1
    return sum(leaves(v) for v in o.values() if isinstance(v, dict))
eps = json.load(open("ep20k.json"))["endpoints"]
sys.exit(0 if len(eps) == 20000 and all(leaves(e) == 27 for e in eps.values()) else 1)
PY
	bad run-20000-endpoints-json "exit $rc, $(head -c 200 err)"
timeout 60 "$capsim" run ep20k.yaml --jobs 1 -o ep20k.txt 2>err
rc=$?
rows=$(grep -c '^  e[0-9]' ep20k.txt 2>/dev/null)
[ $rc -eq 0 ] && [ "$rows" = 20000 ] &&
	ok run-20000-endpoints-table || bad run-20000-endpoints-table "exit $rc, $rows rows, $(head -c 200 err)"
timeout 60 "$capsim" run ep20k-dup.yaml --jobs 1 >/dev/null 2>err
rc=$?
[ $rc -eq 2 ] && grep -q 'ep20k-dup.yaml:20004:.*endpoints\[20000\].name: endpoint name "e19999" is used twice' err &&
	ok load-20000-endpoints-duplicate-name || bad load-20000-endpoints-duplicate-name "exit $rc, $(head -c 200 err)"
timeout 60 "$capsim" run st100k.yaml --jobs 1 -f json -o st100k.json 2>err
rc=$?
[ $rc -eq 0 ] && grep -q '"duration_s":	100000,' st100k.json &&
	ok run-100000-stages || bad run-100000-stages "exit $rc, $(head -c 200 err)"
rm -f ep20k.yaml ep20k-dup.yaml ep20k.json ep20k.txt st100k.yaml st100k.json

# Every invocation that prints an error exits non-zero.  Options that are
# good (--jobs 1, --seed) come first: their status once leaked through.
errors=(
	"run s.yaml --jobs 1 --set db.pool.size=0"
	"run s.yaml --jobs 1 --timeseries 1h"
	"run nothere.yaml --jobs 1"
	"sweep s.yaml --jobs 1 --seed 3 --vary load.users=5,10 -o /nonexistent/x.csv"
	"sweep s.yaml --jobs 1 --vary db.pool.size=0,1"
	"sweep s.yaml --jobs 1 --replications 2 --vary load.users=5 --resume"
	"merge shard1.json outside.json"
	"merge nothere.json"
	"capacity s.yaml --jobs 1 --slo p95<nan --search db.pool.size=1:5"
	"capacity s.yaml --jobs 1 --seed 2 --slo p95<1s --search db.pool.size=9:3"
	"capacity s.yaml --jobs 1 --slo p95<1s --search db.pool.size=1:4 -o /nonexistent/c.json"
	"calibrate s.yaml --jobs 1 --data m.yaml --fit load.think.mean -o /nonexistent/c.yaml"
	"calibrate s.yaml --jobs 1 --data nothere.csv --fit load.think.mean"
	"calibrate s.yaml --jobs 1 --data m.yaml --fit no.such.key"
	"validate s.yaml --jobs 1 --data m.yaml -o /nonexistent/v.txt"
	"validate s.yaml --jobs 1 --data nothere.csv"
	"plot sw.json -o /nonexistent/p.svg"
	"plot sw.json -o p.svg --x no.such"
	"report sw.json -o /nonexistent/r.html"
	"report nothere.json -o r.html"
	"import nothere.csv"
	"import s.yaml --type k6"
	"nosuchcommand"
)
for e in "${errors[@]}"; do
	# shellcheck disable=SC2086
	"$capsim" $e >/dev/null 2>err
	rc=$?
	if ! grep -qi error err; then
		bad "error-exits-non-zero: $e" "no error printed (exit $rc)"
	elif [ $rc -eq 0 ]; then
		bad "error-exits-non-zero: $e" "printed an error but exited 0: $(head -c 200 err)"
	else
		ok "error-exits-non-zero: $e"
	fi
done

# an interrupted or killed run leaves no temporary file beside the output
for sig in INT TERM HUP QUIT KILL; do
	rm -f sig.json*
	"$capsim" run s.yaml --replications 5000 --jobs 1 -o sig.json 2>/dev/null &
	pid=$!
	sleep 0.5
	kill -$sig $pid 2>/dev/null
	wait $pid 2>/dev/null
	rc=$?
	left=$(ls sig.json* 2>/dev/null)
	if [ -z "$left" ] && [ $rc -ne 0 ]; then
		ok "signal-$sig-leaves-nothing"
	else
		bad "signal-$sig-leaves-nothing" "exit $rc, left: $left"
	fi
done

# a calibrated scenario: run reports where a real test should land
cal="$srcdir/lab/series/ons-survey-calibrated.yaml"
"$capsim" run "$cal" --set load.users=50 -f json > pi.json 2>err
/usr/bin/python3 - pi.json <<'PY' && ok run-prediction-interval || bad run-prediction-interval "$(head -c 300 err)"
import json, sys
d = json.load(open(sys.argv[1]))
pi = d["prediction_interval"]
m = pi["metrics"]
x = d["overall"]["throughput_rps"]["mean"]
ok = (pi["level"] == 0.9 and pi["draws"] == 16 and "app.cores" in pi["unidentified"]
      and all(v["low"] <= v["high"] for v in m.values())
      and m["throughput_rps"]["low"] < x < m["throughput_rps"]["high"]
      and m["app_cpu_utilization"]["high"] <= 1)
sys.exit(0 if ok else 1)
PY
"$capsim" run "$cal" --set load.users=50 > pi.txt 2>err
grep -q "prediction interval (90%" pi.txt && grep -q "spanning their ranges: .*app.cores" pi.txt &&
	ok run-prediction-interval-table || bad run-prediction-interval-table "$(tail -5 pi.txt)"
"$capsim" run "$srcdir/scenarios/500u.yaml" --replications 2 -f json | grep -q prediction_interval &&
	bad run-uncalibrated-no-interval "an uncalibrated scenario got an interval" ||
	ok run-uncalibrated-no-interval
# and capacity carries the range the calibration leaves open
"$capsim" capacity "$cal" --slo 'p95<400ms' --search load.users=1:200 -f json > cap.json 2>err
/usr/bin/python3 - cap.json <<'PY' && ok capacity-calibrated-range || bad capacity-calibrated-range "$(head -c 300 err)"
import json, sys
d = json.load(open(sys.argv[1]))
r = d["calibrated_range"]
ok = (d["found"] and r["sets"] == 8 and r["found"] >= 1
      and r["low"] <= r["high"] and "app.cores" in r["unidentified"])
sys.exit(0 if ok else 1)
PY
# a sweep of a calibrated scenario: every point carries its interval
"$capsim" sweep "$cal" --vary load.users=25,50 -f json -o swpi.json 2>err
/usr/bin/python3 - swpi.json <<'PY' && ok sweep-prediction-intervals || bad sweep-prediction-intervals "$(head -c 300 err)"
import json, sys
d = json.load(open(sys.argv[1]))
ok = len(d["points"]) == 2
for p in d["points"]:
    pi = p["result"]["prediction_interval"]["metrics"]["throughput_rps"]
    x = p["result"]["overall"]["throughput_rps"]["mean"]
    ok = ok and pi["low"] < x < pi["high"]
sys.exit(0 if ok else 1)
PY
# a calibrated workers sweep shares its runs (the intervals' too) across
# the counts no run filled (50 users: 128 takes 64's runs): the same bytes
# as running them all
"$capsim" sweep "$cal" --vary app.workers=4,64,128 --set load.users=50 -r 2 -f json -o swsh.json 2>err &&
	"$capsim" sweep "$cal" --vary app.workers=4,64,128 --set load.users=50 -r 2 --no-share -f json -o swns.json 2>>err &&
	grep -q prediction_interval swsh.json && cmp -s swsh.json swns.json &&
	ok sweep-calibrated-shared-same-bytes ||
	bad sweep-calibrated-shared-same-bytes "$(head -c 300 err)"
# validate's JSON: the endpoints and causes beside the prediction
"$capsim" validate "$srcdir/lab2/results/calibrated.yaml" --data "$srcdir/lab2/data/measurements.yaml" \
	--points c03 --replications 2 --format json -o vj.json 2>err
/usr/bin/python3 - vj.json <<'PY' && ok validate-json-endpoints-and-causes || bad validate-json-endpoints-and-causes "$(head -c 300 err)"
import json, sys
p = json.load(open(sys.argv[1]))["points"][0]
eps = {e["name"]: e for e in p["endpoints"]}
chat = eps["POST /chat"]
ok = (len(eps) == 4 and chat["measured"]["p95"] > 0 and chat["predicted"]["p95"] > 0
      and abs(sum(e["predicted"]["share"] for e in eps.values()) - 1) < 1e-9
      and len(p["errors_by_cause"]) == 8
      and p["errors_by_cause"]["upstream_error"]["measured"] > 0)
sys.exit(0 if ok else 1)
PY
if command -v gnuplot >/dev/null 2>&1; then
	"$capsim" plot swpi.json -o swpi.svg --y throughput 2>err &&
	grep -q "90% prediction intervals" swpi.svg &&
		ok plot-draws-prediction-band || bad plot-draws-prediction-band "$(head -c 300 err)"
fi
"$capsim" report swpi.json -o swpi.html 2>err && grep -q "Shaded bands: 90% prediction" swpi.html &&
	ok report-says-prediction-band || bad report-says-prediction-band "$(head -c 300 err)"
# capsim help CMD, and a suggestion for a mistyped command
"$capsim" help run > help.txt 2>&1 && grep -q "usage: capsim run" help.txt &&
	ok help-command || bad help-command "$(head -c 200 help.txt)"
"$capsim" rn s.yaml > /dev/null 2>err
[ $? -eq 2 ] && grep -q 'did you mean "run"' err && ok unknown-command-suggests ||
	bad unknown-command-suggests "$(head -c 200 err)"
# run --slo: k6-style thresholds, exit 99 when one is missed
"$capsim" run s.yaml --slo 'p95<10s,error_rate<50%' > slo.txt 2>err
rc=$?
[ $rc -eq 0 ] && grep -q "met    p95<10s" slo.txt && ok run-slo-met || bad run-slo-met "exit $rc, $(tail -3 slo.txt)"
"$capsim" run s.yaml --slo 'p95<1ms' -f json -o slo.json 2>err
rc=$?
[ $rc -eq 99 ] && grep -q "exit status 99" err && /usr/bin/python3 -c "
import json,sys; t=json.load(open('slo.json'))['slo'][0]; sys.exit(0 if t['term']=='p95<1ms' and not t['met'] and t['certain'] else 1)" &&
	ok run-slo-missed-exit-99 || bad run-slo-missed-exit-99 "exit $rc, $(head -c 200 err)"
"$capsim" run s.yaml --slo 'p97<1s' > /dev/null 2>err
[ $? -eq 2 ] && ok run-slo-bad-term || bad run-slo-bad-term "$(head -c 200 err)"
sed 's/kind: integer/kind: cores/' "$cal" > badcal.yaml
"$capsim" run badcal.yaml > /dev/null 2>err
rc=$?
[ $rc -eq 2 ] && grep -q "badcal.yaml:[0-9]*:[0-9]*: error: calibration.parameters\[2\].kind" err &&
	ok run-bad-calibration-block || bad run-bad-calibration-block "exit $rc, $(head -c 300 err)"

# explain: progress only on a terminal; the same bottleneck named by run,
# sweep's table and JSON, capacity and report; the header's provenance
"$capsim" run s.yaml --replications 3 > np.txt 2> np.err
[ $? -eq 0 ] && [ ! -s np.err ] && ok run-no-progress-off-a-terminal ||
	bad run-no-progress-off-a-terminal "stderr: $(head -c 200 np.err)"
if command -v script > /dev/null; then
	# a pseudo-terminal: a run of over CAPSIM_PROGRESS_AFTER seconds
	# (0 here: whatever the machine's speed) shows its line there
	cat > slow.yaml <<'YAML'
run: {duration: 100s, replications: 4, seed: 1}
load: {users: 60, think: {dist: exponential, mean: 50ms}}
app: {workers: 8, cores: 2}
endpoints:
  - steps: [{cpu: {dist: exponential, mean: 3ms}}]
YAML
	CAPSIM_PROGRESS_AFTER=0 script -qec "'$capsim' run slow.yaml --jobs 1 -o slow.txt" /dev/null > tty.txt 2>&1
	grep -q "capsim run: [0-9]/4 replications" tty.txt && ok run-progress-on-a-terminal ||
		bad run-progress-on-a-terminal "$(head -c 200 tty.txt | cat -v)"
fi
"$capsim" run s.yaml --set db.pool.size=5 > hdr.txt 2>err &&
	grep -q "capsim: s.yaml --set db.pool.size=5" hdr.txt &&
	grep -q "capsim [0-9.]*, scenario file fnv1a64 [0-9a-f]\{16\}" hdr.txt &&
	ok run-header-says-overrides || bad run-header-says-overrides "$(head -5 hdr.txt)"
grep -q "where the time goes" np.txt && grep -q "bottleneck\.\.\.*: " np.txt &&
	ok run-explains-itself || bad run-explains-itself "$(tail -5 np.txt)"
"$capsim" sweep s.yaml --vary db.pool.size=1,8 --vary load.users=10,60 --jobs 2 -f json -o bn.json 2>err &&
"$capsim" merge bn.json -f table > bn.txt 2>>err &&
"$capsim" capacity s.yaml --slo 'p95<2s' --search load.users=10:60 -f json -o bncap.json 2>>err &&
"$capsim" run s.yaml --set load.users=60 -f json -o bnrun.json 2>>err &&
"$capsim" report bn.json -o bn.html 2>>err &&
/usr/bin/python3 - bn.json bn.txt bncap.json bnrun.json bn.html <<'PY'
import json, sys
sw = json.load(open(sys.argv[1]))
table = [l for l in open(sys.argv[2]) if l.strip()[:1].isdigit()]
html = open(sys.argv[5]).read()
assert len(table) == len(sw["points"]) == 4
for p, line in zip(sw["points"], table):
    b = p["result"]["bottleneck"]["resource"]
    assert b in line, (b, line)           # the sweep's table, by the same rule
    assert b in html, b                   # the report's points table
cap = json.load(open(sys.argv[3]))
run = json.load(open(sys.argv[4]))
# the capacity's answer is the range's end, 60 users: the run there
assert cap["value"] == 60, cap["value"]
assert cap["bottleneck"] == run["bottleneck"]["resource"], (cap, run["bottleneck"])
PY
[ $? -eq 0 ] && ok bottleneck-named-alike || bad bottleneck-named-alike "$(head -c 300 err)"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
