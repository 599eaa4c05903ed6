#!/bin/bash
# CLI tests of capsim sweep, merge and capacity.
#   sweep-tests.sh CAPSIM SOURCE_DIR
# Prints "ok - name" / "not ok - name: why" and a closing "N passed, M failed".
set -u
capsim=$1
src=$2
tmp=$(mktemp -d /tmp/capsim-sweep.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
bad() { echo "not ok - $1: $2"; fail=$((fail + 1)); }

cat > "$tmp/s.yaml" <<'YAML'
run: {duration: 40s, warmup: 4s, replications: 2, seed: 9}
load: {users: 20, think: {dist: exponential, mean: 200ms}, client_timeout: 10s}
app: {workers: 4, cores: 2}
db: {pool: {size: 3, acquire_timeout: 500ms}}
endpoints:
  - name: a
    steps: [{cpu: {dist: exponential, mean: 4ms}}, {db: {steps: [{query: {dist: exponential, mean: 3ms}}, {delay: 10ms}]}}]
YAML

# grid shape: 2 x 3 points, last dimension fastest
"$capsim" sweep "$tmp/s.yaml" --vary load.users=10,20 --vary db.pool.size=1:5:2 \
	-f csv -o "$tmp/grid.csv" 2>"$tmp/err"
if [ $? -ne 0 ]; then
	bad grid-shape "exit $?: $(cat "$tmp/err")"
else
	rows=$(tail -n +2 "$tmp/grid.csv" | cut -d, -f1-3 | tr '\n' ' ')
	want="0,10,1 1,10,3 2,10,5 3,20,1 4,20,3 5,20,5 "
	[ "$rows" = "$want" ] && ok grid-shape || bad grid-shape "rows '$rows', want '$want'"
	head -1 "$tmp/grid.csv" | grep -q '^index,load.users,db.pool.size,overall.requests.mean,' &&
		ok csv-header || bad csv-header "$(head -c 200 "$tmp/grid.csv")"
fi

# the same seed at every point: pool 5 and pool 3 differ only by the pool
"$capsim" sweep "$tmp/s.yaml" --vary db.pool.size=1,2,3,4 --jobs 1 -f json -o "$tmp/j1.json" 2>/dev/null
"$capsim" sweep "$tmp/s.yaml" --vary db.pool.size=1,2,3,4 --jobs 2 -f json -o "$tmp/j2.json" 2>/dev/null
cmp -s "$tmp/j1.json" "$tmp/j2.json" && ok jobs-1-and-2-identical || bad jobs-1-and-2-identical "outputs differ"
/usr/bin/python3 - "$tmp/j1.json" <<'PY' && ok pool-curve-monotone || bad pool-curve-monotone "p95 does not fall as the pool grows"
import json, sys
d = json.load(open(sys.argv[1]))
p = [pt["result"]["overall"]["latency_ms"]["p95"]["mean"] for pt in d["points"]]
sys.exit(0 if all(a >= b for a, b in zip(p, p[1:])) and p[0] > p[-1] else 1)
PY

# a pool sweep shares the replications of the sizes no run filled: the
# same bytes as running them all (--no-share), on 1 and 2 jobs, fixed and
# under --precision; 4 workers hold at most 4 connections, so pools of 8,
# 40 and 20 are never full (40 and 20 take 8's runs), pools of 1 and 3 fill
for extra in "--jobs 1" "--jobs 2" "--jobs 2 --precision 5%"; do
	"$capsim" sweep "$tmp/s.yaml" --vary load.users=10,20 --vary db.pool.size=1,3,8,40,20 \
		$extra -f json -o "$tmp/sh.json" 2>/dev/null
	"$capsim" sweep "$tmp/s.yaml" --vary load.users=10,20 --vary db.pool.size=1,3,8,40,20 \
		$extra --no-share -f json -o "$tmp/ns.json" 2>/dev/null
	if [ -s "$tmp/sh.json" ] && cmp -s "$tmp/sh.json" "$tmp/ns.json"; then
		ok "no-share-same-bytes ($extra)"
	else
		bad "no-share-same-bytes ($extra)" "outputs differ or are empty"
	fi
done

# resume after a kill: the journal keeps finished points
"$capsim" sweep "$tmp/s.yaml" --vary load.users=10:80:10 --replications 6 --jobs 1 \
	--set run.duration=1500s -f json -o "$tmp/full.json" 2>/dev/null
# (CAPSIM_TEST_KILL_AFTER: the sweep kills itself with SIGKILL once 3
# points are in the journal: the same cut every time)
CAPSIM_TEST_KILL_AFTER=3 "$capsim" sweep "$tmp/s.yaml" --vary load.users=10:80:10 --replications 6 --jobs 1 \
	--set run.duration=1500s -f json -o "$tmp/cut.json" 2>/dev/null
if [ -f "$tmp/cut.json" ]; then
	bad resume-after-kill "the run finished before it could be killed"
elif [ ! -f "$tmp/cut.json.journal" ]; then
	bad resume-after-kill "no journal after the kill"
else
	done_before=$(($(wc -l < "$tmp/cut.json.journal") - 1))
	"$capsim" sweep "$tmp/s.yaml" --vary load.users=10:80:10 --replications 6 --jobs 1 \
		--set run.duration=1500s -f json -o "$tmp/cut.json" --resume 2>"$tmp/err"
	if cmp -s "$tmp/full.json" "$tmp/cut.json" && [ ! -f "$tmp/cut.json.journal" ] &&
	   grep -q "resuming: $done_before of 8" "$tmp/err"; then
		ok resume-after-kill
	else
		bad resume-after-kill "resumed output differs or journal left ($(cat "$tmp/err"))"
	fi
fi
# a journal from another sweep is refused
"$capsim" sweep "$tmp/s.yaml" --vary load.users=10,20 -f json -o "$tmp/x.json" 2>/dev/null
echo '{"journal":"capsim sweep","scenario":"other.yaml","grid":"g","sets":"","seed":1,"replications":2,"points_total":2}' > "$tmp/y.json.journal"
"$capsim" sweep "$tmp/s.yaml" --vary load.users=10,20 -f json -o "$tmp/y.json" --resume 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "another sweep" "$tmp/err" && ok resume-refuses-other-journal ||
	bad resume-refuses-other-journal "$(cat "$tmp/err")"

# A journal kept whole and deterministic: a sweep whose final write fails
# (its -o is a link to /dev/full) keeps every point in OUT.journal.
full_journal() { # full_journal NAME SCENARIO ARGS...
	name=$1
	scen=$2
	shift 2
	rm -f "$tmp/$name.json" "$tmp/$name.json.journal"
	ln -s /dev/full "$tmp/$name.json"
	"$capsim" sweep "$scen" "$@" --jobs 1 -f json -o "$tmp/$name.json" 2>/dev/null
	rm -f "$tmp/$name.json"
	[ -s "$tmp/$name.json.journal" ]
}
if [ -c /dev/full ]; then
	# resume refuses a journal when the scenario, --vary or --set changed,
	# and names what changed; the journal is left as it was
	cp "$tmp/s.yaml" "$tmp/e.yaml"
	if ! full_journal stale "$tmp/e.yaml" --vary load.users=10,20,30; then
		bad resume-stale-setup "no journal left by the failed write"
	else
		sum=$(md5sum < "$tmp/stale.json.journal")
		stale_check() { # NAME WANT ARGS...
			name=$1
			want=$2
			shift 2
			"$capsim" sweep "$tmp/e.yaml" "$@" --jobs 1 -f json \
				-o "$tmp/stale.json" --resume >/dev/null 2>"$tmp/err"
			rc=$?
			if [ $rc -eq 2 ] && grep -qF -- "$want" "$tmp/err" &&
			   [ ! -e "$tmp/stale.json" ] &&
			   [ "$(md5sum < "$tmp/stale.json.journal")" = "$sum" ]; then
				ok "$name"
			else
				bad "$name" "exit $rc, $(head -c 300 "$tmp/err")"
			fi
		}
		sed -i 's/size: 3,/size: 4,/' "$tmp/e.yaml"
		stale_check resume-refuses-edited-scenario \
			"e.yaml has changed since the journal was written" \
			--vary load.users=10,20,30
		cp "$tmp/s.yaml" "$tmp/e.yaml"
		stale_check resume-refuses-changed-vary \
			'the grid (--vary) differs ("load.users=10,20,30" there, "load.users=10,20,40" now)' \
			--vary load.users=10,20,40
		stale_check resume-refuses-changed-set \
			'the --set list differs ("" there, "db.pool.size=2" now)' \
			--vary load.users=10,20,30 --set db.pool.size=2
		stale_check resume-refuses-changed-seed \
			'the seed differs (9 there, 4 now)' \
			--vary load.users=10,20,30 --seed 4
		# a journal that does not record the content cannot be checked
		/usr/bin/python3 - "$tmp/stale.json.journal" "$tmp/old.json.journal" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines(True)
h = json.loads(lines[0])
del h["scenario_fnv1a64"]
open(sys.argv[2], "w").write(json.dumps(h) + "\n" + "".join(lines[1:]))
PY
		"$capsim" sweep "$tmp/e.yaml" --vary load.users=10,20,30 --jobs 1 -f json \
			-o "$tmp/old.json" --resume >/dev/null 2>"$tmp/err"
		rc=$?
		[ $rc -eq 2 ] && grep -q "does not record the content of" "$tmp/err" &&
			ok resume-refuses-journal-without-content ||
			bad resume-refuses-journal-without-content "exit $rc, $(head -c 300 "$tmp/err")"
		# the unchanged sweep resumes every point
		"$capsim" sweep "$tmp/e.yaml" --vary load.users=10,20,30 --jobs 1 -f json \
			-o "$tmp/stale.json" --resume >/dev/null 2>"$tmp/err"
		rc=$?
		[ $rc -eq 0 ] && grep -q "resuming: 3 of 3 points" "$tmp/err" &&
			ok resume-unchanged-scenario || bad resume-unchanged-scenario "exit $rc, $(head -c 300 "$tmp/err")"
	fi

	# a journal line cut mid-write (a kill, a full disk): the next resume
	# cuts the partial line off before appending, so the resume after it
	# still finds every point, and the output equals an uninterrupted run
	"$capsim" sweep "$tmp/s.yaml" --vary load.users=10:80:10 --jobs 1 -f json \
		-o "$tmp/whole.json" 2>/dev/null
	if ! full_journal cutl "$tmp/s.yaml" --vary load.users=10:80:10; then
		bad resume-after-cut-line "no journal left by the failed write"
	else
		/usr/bin/python3 - "$tmp/cutl.json.journal" <<'PY'
import sys
lines = open(sys.argv[1], "rb").read().splitlines(True)
# the header, three points and half of the fourth
open(sys.argv[1], "wb").write(b"".join(lines[:4]) + lines[4][:len(lines[4]) // 2])
PY
		ln -s /dev/full "$tmp/cutl.json"
		"$capsim" sweep "$tmp/s.yaml" --vary load.users=10:80:10 --jobs 1 -f json \
			-o "$tmp/cutl.json" --resume >/dev/null 2>"$tmp/err1"
		rm -f "$tmp/cutl.json"
		"$capsim" sweep "$tmp/s.yaml" --vary load.users=10:80:10 --jobs 1 -f json \
			-o "$tmp/cutl.json" --resume >/dev/null 2>"$tmp/err2"
		rc=$?
		if [ $rc -eq 0 ] && grep -q "resuming: 3 of 8 points" "$tmp/err1" &&
		   grep -q "resuming: 8 of 8 points" "$tmp/err2" &&
		   cmp -s "$tmp/whole.json" "$tmp/cutl.json"; then
			ok resume-after-cut-line
		else
			bad resume-after-cut-line "exit $rc, $(cat "$tmp/err1" "$tmp/err2" | head -c 300)"
		fi
	fi
else
	echo "skip - resume-refuses-edited-scenario (no /dev/full)"
fi

# shards + merge = one run
for i in 1 2 3; do
	"$capsim" sweep "$tmp/s.yaml" --vary db.pool.size=1:7:1 --shard $i/3 -o "$tmp/shard$i.json" 2>/dev/null
done
"$capsim" merge "$tmp/shard1.json" "$tmp/shard2.json" "$tmp/shard3.json" -o "$tmp/merged.json"
"$capsim" sweep "$tmp/s.yaml" --vary db.pool.size=1:7:1 -f json -o "$tmp/single.json" 2>/dev/null
cmp -s "$tmp/merged.json" "$tmp/single.json" && ok shard-merge-equals-single || bad shard-merge-equals-single "differ"
"$capsim" merge "$tmp/shard1.json" "$tmp/shard3.json" -o "$tmp/partial.json" 2>"$tmp/err"
grep -q "some shards are missing" "$tmp/err" && ok merge-warns-missing-shard || bad merge-warns-missing-shard "$(cat "$tmp/err")"
"$capsim" merge "$tmp/shard1.json" "$tmp/grid.csv" 2>"$tmp/err"
[ $? -eq 2 ] && ok merge-rejects-non-sweep || bad merge-rejects-non-sweep "$(cat "$tmp/err")"
# a shard made from an edited scenario is not part of the same sweep
sed 's/size: 3/size: 4/' "$tmp/s.yaml" > "$tmp/edited.yaml"
cp "$tmp/s.yaml" "$tmp/s.keep"
cp "$tmp/edited.yaml" "$tmp/s.yaml"
"$capsim" sweep "$tmp/s.yaml" --vary db.pool.size=1:7:1 --shard 2/3 -o "$tmp/shard2e.json" 2>/dev/null
cp "$tmp/s.keep" "$tmp/s.yaml"
"$capsim" merge "$tmp/shard1.json" "$tmp/shard2e.json" "$tmp/shard3.json" -o "$tmp/mixed.json" 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "had other contents when this shard ran" "$tmp/err" && [ ! -e "$tmp/mixed.json" ] &&
	ok merge-refuses-edited-scenario-shard || bad merge-refuses-edited-scenario-shard "$(cat "$tmp/err")"

# the same under GNU parallel, as the docs show
if command -v parallel >/dev/null 2>&1; then
	parallel --will-cite -j 2 "$capsim" sweep "$tmp/s.yaml" --vary db.pool.size=1:7:1 \
		--shard {}/3 -o "$tmp/gp{}.json" ::: 1 2 3 2>/dev/null
	"$capsim" merge "$tmp"/gp1.json "$tmp"/gp2.json "$tmp"/gp3.json -o "$tmp/gp.json"
	cmp -s "$tmp/gp.json" "$tmp/single.json" && ok gnu-parallel-shards || bad gnu-parallel-shards "differ"
else
	echo "skip - gnu-parallel-shards (parallel not installed)"
fi

# --precision: every point stops on its own, the same whatever --jobs; the
# CSV says where; a journal of another rule is refused
"$capsim" sweep "$tmp/s.yaml" --vary db.pool.size=1,3 --precision 5% --jobs 1 -f json -o "$tmp/p1.json" 2>/dev/null
"$capsim" sweep "$tmp/s.yaml" --vary db.pool.size=1,3 --precision 5% --jobs 2 -f json -o "$tmp/p2.json" 2>/dev/null
cmp -s "$tmp/p1.json" "$tmp/p2.json" && ok precision-jobs-identical || bad precision-jobs-identical "outputs differ"
/usr/bin/python3 - "$tmp/p1.json" <<'PY' && ok precision-per-point || bad precision-per-point "$(head -c 300 "$tmp/p1.json")"
import json, sys
d = json.load(open(sys.argv[1]))
h = d["sweep"]["precision"]
ok = h == {"target": 0.05, "floor": 0.001, "max_replications": 200}
for pt in d["points"]:
    r = pt["result"]["run"]
    ok = ok and r["precision"]["met"] and 5 <= r["replications"] <= 200
sys.exit(0 if ok else 1)
PY
"$capsim" merge "$tmp/p1.json" -f csv -o "$tmp/p1.csv" 2>/dev/null
head -1 "$tmp/p1.csv" | grep -q '^index,db.pool.size,run.replications,run.precision.reached,run.precision.met,overall' &&
	ok precision-csv-columns || bad precision-csv-columns "$(head -c 200 "$tmp/p1.csv")"
"$capsim" sweep "$tmp/s.yaml" --vary db.pool.size=1,3 -f csv -o "$tmp/np.csv" 2>/dev/null
head -1 "$tmp/np.csv" | grep -q '^index,db.pool.size,overall' &&
	ok no-precision-csv-unchanged || bad no-precision-csv-unchanged "$(head -c 200 "$tmp/np.csv")"
# a journal written under --precision 5% does not resume under 4%
/usr/bin/python3 - "$tmp/p1.json" > "$tmp/pj.json.journal" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))["sweep"]
d.pop("points_done", None)
d["journal"] = "capsim sweep"
print(json.dumps(d))
PY
"$capsim" sweep "$tmp/s.yaml" --vary db.pool.size=1,3 --precision 4% -f json -o "$tmp/pj.json" --resume >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "the precision rule differs" "$tmp/err" && ok resume-refuses-other-precision ||
	bad resume-refuses-other-precision "$(head -c 300 "$tmp/err")"
"$capsim" capacity "$tmp/s.yaml" --slo 'p95<60ms' --search db.pool.size=1:12 --precision 5% -f json >"$tmp/capp.json" 2>"$tmp/err"
/usr/bin/python3 - "$tmp/capp.json" <<'PY' && ok capacity-precision || bad capacity-precision "$(cat "$tmp/err") $(head -c 300 "$tmp/capp.json")"
import json, sys
d = json.load(open(sys.argv[1]))
ok = d["precision"]["target"] == 0.05 and all(
    e["replications"] >= 5 and isinstance(e["precision_met"], bool)
    for e in d["evaluations"])
sys.exit(0 if ok else 1)
PY

# bad arguments: exit 2 and a message
check_bad() {
	name=$1
	want=$2
	shift 2
	"$capsim" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 2 ] && grep -qF -- "$want" "$tmp/err" && [ ! -s "$tmp/out" ]; then
		ok "$name"
	else
		bad "$name" "exit $rc, stderr: $(head -c 300 "$tmp/err")"
	fi
}
check_bad vary-no-equals "expected PATH=VALUES" sweep "$tmp/s.yaml" --vary db.pool.size
check_bad vary-bad-range "LO:HI:STEP" sweep "$tmp/s.yaml" --vary db.pool.size=1:x:2
check_bad vary-mixed-units "same unit" sweep "$tmp/s.yaml" --vary run.duration=1s:1m:1s
check_bad vary-zero-step "STEP > 0" sweep "$tmp/s.yaml" --vary db.pool.size=1:5:0
check_bad vary-twice "varied twice" sweep "$tmp/s.yaml" --vary db.pool.size=1,2 --vary db.pool.size=3
check_bad vary-bad-value "--vary: error: db.pool.size=0" sweep "$tmp/s.yaml" --vary db.pool.size=0,1
check_bad vary-unknown-key "--vary: error: db.pool.sise=1: unknown key" sweep "$tmp/s.yaml" --vary db.pool.sise=1,2
check_bad sweep-no-vary "at least one --vary" sweep "$tmp/s.yaml"
check_bad shard-bad "--shard is I/N" sweep "$tmp/s.yaml" --vary db.pool.size=1,2 --shard 4/3 -f json
check_bad shard-not-json "written as JSON" sweep "$tmp/s.yaml" --vary db.pool.size=1,2 --shard 1/2
check_bad resume-without-o "--resume needs -o" sweep "$tmp/s.yaml" --vary db.pool.size=1,2 --resume
check_bad sweep-precision-bad "--precision must be" sweep "$tmp/s.yaml" --vary db.pool.size=1,2 --precision 0%
check_bad sweep-max-without-precision "--max-replications needs --precision" sweep "$tmp/s.yaml" --vary db.pool.size=1,2 --max-replications 9
check_bad capacity-precision-bad "--precision must be" capacity "$tmp/s.yaml" --slo 'p95<1s' --search db.pool.size --precision 90%
check_bad slo-no-unit "needs a unit" capacity "$tmp/s.yaml" --slo 'p95<400' --search db.pool.size
check_bad slo-unknown "unknown metric" capacity "$tmp/s.yaml" --slo 'p97<400ms' --search db.pool.size
check_bad search-bad-range "PATH=LO:HI" capacity "$tmp/s.yaml" --slo 'p95<400ms' --search db.pool.size=9:3
check_bad capacity-missing-slo "give --slo" capacity "$tmp/s.yaml" --search db.pool.size
check_bad search-unknown-path "did you mean" capacity "$tmp/s.yaml" --slo 'p95<1s' --search db.pool.sise=1:9

# capacity: a known answer on this model, JSON form
"$capsim" capacity "$tmp/s.yaml" --slo 'p95<60ms' --search db.pool.size=1:12 -f json >"$tmp/cap.json" 2>"$tmp/err"
/usr/bin/python3 - "$tmp/cap.json" <<'PY' && ok capacity-json || bad capacity-json "$(cat "$tmp/err") $(head -c 300 "$tmp/cap.json")"
import json, sys
d = json.load(open(sys.argv[1]))
ok = (d["goal"] == "smallest" and d["found"] and 1 <= d["value"] <= 12
      and d["value_optimistic"] <= d["value"] <= d["value_pessimistic"]
      and d["bottleneck"] in ("app workers", "app CPU", "DB pool", "DB CPU")
      and len(d["evaluations"]) >= 3)
sys.exit(0 if ok else 1)
PY

# an interrupted run -o leaves neither the output nor its temporary file
"$capsim" run "$tmp/s.yaml" --replications 2000 --jobs 1 -o "$tmp/int.json" 2>/dev/null &
pid=$!
sleep 0.5 # the temporary is unnamed: nothing to wait for
kill -INT $pid 2>/dev/null
wait $pid 2>/dev/null
rc=$?
if ls "$tmp"/int.json* >/dev/null 2>&1; then
	bad interrupted-run-leaves-nothing "left: $(ls "$tmp"/int.json*)"
elif [ $rc -eq 0 ]; then
	bad interrupted-run-leaves-nothing "the run finished before it was interrupted"
else
	ok interrupted-run-leaves-nothing
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
