#!/usr/bin/env bash
# The `capsim run` command-line suite.
#
#   tests/cli/run-tests.sh CAPSIM SOURCE_DIR
#
# Bad input: every tests/cli/bad/*.yaml states what capsim must do with it in
# its leading comments,
#     # expect-exit: 2
#     # expect-stderr: bad-pool.yaml:7:11: error: db.pool.size: must be >= 1 (got 0)
# (expect-stderr: a substring of stderr; give several lines for several).
# capsim runs from that folder, so messages name the file as written there.
# Each bad case must also print exactly one line, in UTF-8 without control
# characters, print nothing on stdout, and leave no output file behind.
# Inputs that cannot live in the tree (binary garbage, a directory, a missing
# file) are made in a temporary folder, and so are the command-line cases.
#
# Good input: every tests/cli/good/*.yaml runs in every format, writes -o
# files atomically and gives the same bytes whatever --jobs is.
#
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
BAD=$SRC/tests/cli/bad
GOOD=$SRC/tests/cli/good
LIMIT=120 # seconds for one capsim run; a hang is a failure, not a stuck suite

if [ ! -x "$CAPSIM" ]; then
	echo "not ok - setup: $CAPSIM is not an executable"
	echo "0 passed, 1 failed"
	exit 1
fi
if [ ! -x "$PY" ]; then
	echo "not ok - setup: $PY is needed to check JSON and CSV output"
	echo "0 passed, 1 failed"
	exit 1
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/capsim-cli.XXXXXX") || exit 1
trap 'chmod -R u+rwx "$T" 2>/dev/null; rm -rf "$T"' EXIT
OUT=$T/stdout
ERR=$T/stderr

passed=0
failed=0
name=
why=

# ---- harness -----------------------------------------------------------

begin() {
	name=$1
	why=
}

# Record one failed check of the current case.
no() {
	why="${why:+$why; }$1"
}

# stderr on one line, cut, for a failure message.
got_err() {
	awk 'NR > 1 { printf " // " } { printf "%s", $0 }' "$ERR" | cut -c1-400
}

end() {
	if [ -z "$why" ]; then
		echo "ok - $name"
		passed=$((passed + 1))
	else
		echo "not ok - $name: $why"
		failed=$((failed + 1))
	fi
}

# run DIR ARGS...: capsim ARGS in DIR; sets RC, stdout in $OUT, stderr in $ERR.
run() {
	local dir=$1
	shift
	(cd "$dir" && exec timeout "$LIMIT" "$CAPSIM" "$@") >"$OUT" 2>"$ERR"
	RC=$?
	if [ "$RC" -eq 124 ]; then
		no "timed out after ${LIMIT}s"
	elif [ "$RC" -gt 128 ]; then
		no "killed by signal $((RC - 128))"
	fi
}

expect_rc() {
	[ "$RC" -eq "$1" ] || no "exit status $RC, expected $1"
}

# A usage or input error: exit 2, each substring on stderr, nothing on stdout.
expect_err() {
	local s

	expect_rc 2
	for s in "$@"; do
		grep -qF -- "$s" "$ERR" || no "stderr lacks '$s'"
	done
	[ -s "$OUT" ] && no "printed on stdout: $(head -c 80 "$OUT" | tr '\n' ' ')"
	[ -n "$why" ] && no "stderr was: $(got_err)"
}

# One clear message: one line of UTF-8 text without control characters.
expect_one_clean_line() {
	local lines

	lines=$(wc -l <"$ERR")
	[ "$lines" -eq 1 ] || no "$lines lines on stderr, expected one message"
	"$PY" -c '
import sys
t = sys.stdin.buffer.read()
try:
    s = t.decode("utf-8")
except UnicodeDecodeError as e:
    sys.exit("stderr is not UTF-8: %s" % e)
if any(ord(c) < 32 and c != "\n" or ord(c) == 127 for c in s):
    sys.exit("stderr has control characters")
if len(s) > 1000:
    sys.exit("stderr is %d characters long" % len(s))
' <"$ERR" 2>"$T/why" || no "$(cat "$T/why")"
}

# No temporary file (NAME.tmpXXXXXX) left in directory $1.
expect_no_tmp() {
	local left

	left=$(find "$1" -maxdepth 1 -name '*.tmp*' | head -3 | tr '\n' ' ')
	[ -n "$left" ] && no "temporary files left: $left"
}

# No file at $1 and no temporary file left beside it.
expect_no_output() {
	local dir

	[ -e "$1" ] && no "$1 was created"
	dir=$(dirname -- "$1")
	[ -d "$dir" ] && expect_no_tmp "$dir"
}

# jq-like: the value at a dotted path in a JSON file, or exit 1.
json_get() {
	"$PY" -c '
import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v[k]
print(json.dumps(v))
' "$1" "$2" 2>/dev/null
}

# ---- bad scenario files ---------------------------------------------------

bad_file() {
	local dir=$1 f=$2 rc s

	begin "bad/$f"
	rc=$(sed -n 's/^# expect-exit: *//p' "$dir/$f" | head -1)
	sed -n 's/^# expect-stderr: //p' "$dir/$f" >"$T/expect"
	if [ -z "$rc" ] || [ ! -s "$T/expect" ]; then
		no "no '# expect-exit:' or '# expect-stderr:' line in the file"
		end
		return
	fi
	rm -rf "$T/o"
	mkdir "$T/o"
	run "$dir" run "$f" --format json -o "$T/o/out.json"
	expect_rc "$rc"
	while IFS= read -r s; do
		grep -qF -- "$s" "$ERR" || no "stderr lacks '$s'"
	done <"$T/expect"
	expect_one_clean_line
	[ -s "$OUT" ] && no "printed on stdout"
	expect_no_output "$T/o/out.json"
	[ -n "$why" ] && no "stderr was: $(got_err)"
	end
}

n=0
for path in "$BAD"/*.yaml; do
	[ -e "$path" ] || continue
	bad_file "$BAD" "$(basename -- "$path")"
	n=$((n + 1))
done
begin "bad/at-least-30-files"
[ "$n" -ge 30 ] || no "only $n files in $BAD"
end

# Inputs made here: each with its own expectation.
G=$T/gen
mkdir "$G"

# gen_case FILE EXIT SUBSTRING...: like a bad file, for a file made in $G.
gen_case() {
	local f=$1 rc=$2 s
	shift 2

	begin "bad/$f"
	rm -rf "$T/o"
	mkdir "$T/o"
	run "$G" run "$f" -o "$T/o/out.json"
	expect_rc "$rc"
	for s in "$@"; do
		grep -qF -- "$s" "$ERR" || no "stderr lacks '$s'"
	done
	expect_one_clean_line
	[ -s "$OUT" ] && no "printed on stdout"
	expect_no_output "$T/o/out.json"
	[ -n "$why" ] && no "stderr was: $(got_err)"
	end
}

: >"$G/empty.yaml"
gen_case empty.yaml 2 "empty.yaml:1:1: error: " "the scenario is empty"

printf '\n\n   \n' >"$G/blank.yaml"
gen_case blank.yaml 2 "blank.yaml:1:1: error: " "the scenario is empty"

# A program is not a scenario: the capsim binary itself.
cp -- "$CAPSIM" "$G/binary.yaml"
gen_case binary.yaml 2 "binary.yaml:1:1: error: "

printf '\000\001\002binary\377\376 garbage\n' >"$G/nul-bytes.yaml"
gen_case nul-bytes.yaml 2 "nul-bytes.yaml:1:1: error: "

# 64 KiB of random bytes, always the same ones.
"$PY" -c '
import random, sys
r = random.Random(20240501)
sys.stdout.buffer.write(bytes(r.randrange(256) for _ in range(65536)))
' >"$G/random-bytes.yaml"
gen_case random-bytes.yaml 2 "random-bytes.yaml:1:"

# Random printable text: YAML may or may not parse it, capsim must say so
# in one line either way.
"$PY" -c '
import random, string, sys
r = random.Random(7)
sys.stdout.write("".join(r.choice(string.printable) for _ in range(20000)))
' >"$G/random-text.yaml"
gen_case random-text.yaml 2 "random-text.yaml:"

# A control character in the middle of a valid start.
printf 'load: {users: 10}\nendpoints:\n  - steps: [{cpu: 5ms}]\n  - \001\002\n' \
	>"$G/control-char.yaml"
gen_case control-char.yaml 2 "control-char.yaml:4:5: error: " \
	"control characters are not allowed"

# Latin-1, as old Windows editors save it: the message should point at the
# byte that is not UTF-8 (the e-acute, 0xE9, column 11), not at the next one.
printf 'name: "caf\351"\nload: {users: 10}\nendpoints:\n  - steps: [{cpu: 5ms}]\n' \
	>"$G/latin1.yaml"
gen_case latin1.yaml 2 "latin1.yaml:1:11: error: " "0xE9"

# A key of a megabyte (YAML allows 1024 characters) and a number of a
# million digits: one short message each, the value quoted cut short.
"$PY" -c '
import sys
sys.stdout.write("load: {users: 10}\nendpoints:\n  - steps: [{cpu: 5ms}]\n")
sys.stdout.write("k" * 1000000 + ": 1\n")
' >"$G/huge-key.yaml"
gen_case huge-key.yaml 2 "huge-key.yaml:4:"
"$PY" -c '
import sys
sys.stdout.write("load: {users: 10}\nendpoints:\n  - steps: [{cpu: 5ms}]\n")
sys.stdout.write("app:\n  cores: " + "9" * 1000000 + "\n")
' >"$G/huge-value.yaml"
gen_case huge-value.yaml 2 "huge-value.yaml:5:10: error: app.cores: " '"99999999'

# 100000 nested sequences: a bounded depth, not a stack overflow.
"$PY" -c '
import sys
sys.stdout.write("load: " + "[" * 100000 + "]" * 100000 + "\n")
' >"$G/deep.yaml"
gen_case deep.yaml 2 "deep.yaml:1:" "nesting deeper than 64 levels"

# Windows line endings and a byte-order mark change no position.
sed 's/$/\r/' "$BAD/value-pool-size-zero.yaml" >"$G/crlf.yaml"
gen_case crlf.yaml 2 "crlf.yaml:7:11: error: db.pool.size: must be >= 1 (got 0)"
{ printf '\357\273\277'; cat "$BAD/value-pool-size-zero.yaml"; } >"$G/bom.yaml"
gen_case bom.yaml 2 "bom.yaml:7:11: error: db.pool.size: must be >= 1 (got 0)"

mkdir "$G/folder.yaml"
gen_case folder.yaml 2 "folder.yaml: error: " "directory"

gen_case missing.yaml 2 "missing.yaml: error: cannot open: No such file or directory"

# ---- bad command lines ---------------------------------------------------

SC=$GOOD/closed.yaml

# cli_bad NAME "ARGS" SUBSTRING...: capsim ARGS (word-split) is a usage error.
cli_bad() {
	local case=$1 args=$2
	shift 2

	begin "cli/$case"
	# shellcheck disable=SC2086
	run "$T" $args
	expect_err "$@"
	end
}

begin "cli/no-arguments"
run "$T"
expect_err "usage: capsim"
end

begin "cli/unknown-command"
run "$T" frobnicate
expect_err 'unknown command "frobnicate"' "usage: capsim"
end

begin "cli/version"
run "$T" version
expect_rc 0
grep -qE '^capsim [0-9]+\.[0-9]+\.[0-9]+' "$OUT" ||
	no "stdout is '$(head -c 80 "$OUT")', expected 'capsim X.Y.Z'"
end

begin "cli/--version"
run "$T" --version
expect_rc 0
grep -qE '^capsim [0-9]+\.[0-9]+\.[0-9]+' "$OUT" ||
	no "stdout is '$(head -c 80 "$OUT")', expected 'capsim X.Y.Z'"
end

begin "cli/run--help"
run "$T" run --help
expect_rc 0
grep -qF "usage: capsim run SCENARIO" "$OUT" || no "no usage on stdout"
grep -qF -- "--timeseries" "$OUT" || no "usage does not list --timeseries"
[ -s "$ERR" ] && no "printed on stderr: $(got_err)"
end

cli_bad no-scenario "run" \
	"capsim run: error: missing the scenario file" "usage: capsim run"
cli_bad no-scenario-with-options "run --replications 2 --format json" \
	"capsim run: error: missing the scenario file"
cli_bad two-scenarios "run $SC $SC" \
	"capsim run: error: give exactly one scenario file"
# getopt's own "run: unrecognized option" does not say which program.
cli_bad unknown-option "run $SC --bogus" \
	"capsim run: error: " "--bogus" "usage: capsim run"
cli_bad unknown-short-option "run $SC -x" \
	"capsim run: error: " "-x" "usage: capsim run"
cli_bad option-without-value "run $SC --replications" \
	"capsim run: error: " "--replications" "usage: capsim run"
cli_bad replications-zero "run $SC --replications 0" \
	'capsim run: error: --replications must be a whole number from 1 to 100000 (got "0")'
cli_bad replications-negative "run $SC --replications -3" \
	'--replications must be a whole number from 1 to 100000 (got "-3")'
cli_bad replications-word "run $SC --replications many" \
	'--replications must be a whole number from 1 to 100000 (got "many")'
cli_bad replications-huge "run $SC --replications 1e30" \
	'--replications must be a whole number from 1 to 100000 (got "1e30")'
cli_bad format-xml "run $SC --format xml" \
	'capsim run: error: --format must be table, json or csv (got "xml")'
cli_bad seed-negative "run $SC --seed -1" \
	'capsim run: error: --seed must be a whole number >= 0 (got "-1")'
cli_bad jobs-word "run $SC --jobs lots" \
	'capsim run: error: --jobs must be a whole number from 0 (all cores) to 1024 (got "lots")'
cli_bad precision-zero "run $SC --precision 0" \
	'capsim run: error: --precision must be a relative half-width from 0.1% to 50%, like 2% or 0.02 (got "0")'
cli_bad precision-too-big "run $SC --precision 2" \
	'--precision must be a relative half-width from 0.1% to 50%, like 2% or 0.02 (got "2")'
cli_bad precision-word "run $SC --precision tight" \
	'--precision must be a relative half-width from 0.1% to 50%, like 2% or 0.02 (got "tight")'
cli_bad precision-floor-negative "run $SC --precision 2% --precision-floor -1%" \
	'capsim run: error: --precision-floor must be an absolute half-width of a ratio in (0, 50%], like 0.1% or 0.001 (got "-1%")'
cli_bad precision-floor-alone "run $SC --precision-floor 0.1%" \
	'capsim run: error: --precision-floor needs --precision'
cli_bad max-replications-alone "run $SC --max-replications 50" \
	'capsim run: error: --max-replications needs --precision'
cli_bad max-replications-one "run $SC --precision 2% --max-replications 1" \
	'--max-replications must be a whole number from 2 to 100000 (got "1")'
cli_bad max-replications-below-first "run $SC --precision 2% --replications 10 --max-replications 8" \
	'capsim run: error: --max-replications (8) is below the first batch of 10 replications'
cli_bad timeseries-abc "run $SC --timeseries abc" \
	'capsim run: error: --timeseries needs an interval with a unit, like 10s, 1m or 1m30s (got "abc")'
cli_bad timeseries-zero "run $SC --timeseries 0s" \
	'--timeseries needs an interval with a unit, like 10s, 1m or 1m30s (got "0s")'
cli_bad timeseries-negative "run $SC --timeseries -10s" \
	'--timeseries needs an interval with a unit, like 10s, 1m or 1m30s (got "-10s")'
cli_bad timeseries-bad-unit "run $SC --timeseries 10parsecs" \
	'--timeseries needs an interval with a unit, like 10s, 1m or 1m30s (got "10parsecs")'
cli_bad timeseries-bare-number "run $SC --timeseries 10" \
	'--timeseries needs an interval with a unit, like 10s, 1m or 1m30s (got "10")'

# --set: errors name --set and the assignment, as a compiler names a file.
cli_bad set-without-equals "run $SC --set db.pool.size" \
	'--set: error: db.pool.size: expected path=value'
cli_bad set-empty-path "run $SC --set =5" \
	'--set: error: =5: empty path before "="'
cli_bad set-unknown-key "run $SC --set db.pol.size=50" \
	'--set: error: db.pol.size=50: unknown key "pol" (did you mean "pool"?)'
cli_bad set-unknown-section "run $SC --set databse.pool.size=50" \
	'--set: error: databse.pool.size=50: unknown key "databse"'
cli_bad set-bad-value "run $SC --set db.pool.size=abc" \
	'--set: error: db.pool.size=abc: expected an integer, got "abc"'
cli_bad set-out-of-range "run $SC --set db.pool.size=0" \
	'--set: error: db.pool.size=0: must be >= 1 (got 0)'
cli_bad set-duration-no-unit "run $SC --set run.duration=60" \
	'--set: error: run.duration=60: "60" has no unit'
cli_bad set-index-out-of-range "run $SC --set endpoints.5.weight=1" \
	'--set: error: endpoints.5.weight=1: index 5 is out of range: "endpoints" has 2 items'
cli_bad set-name-suggestion "run $SC --set endpoints.reed.weight=1" \
	'--set: error: endpoints.reed.weight=1: no item named "reed" in "endpoints" (did you mean "read"?)'
cli_bad set-through-a-scalar "run $SC --set load.users.count=5" \
	'--set: error: load.users.count=5: "load.users" is "40", not a map or a sequence'
cli_bad set-unclosed-flow "run $SC --set db.pool.size=[1" \
	'--set: error: db.pool.size=[1: ' "did not find expected ',' or ']'"
cli_bad set-last-one-checked "run $SC --set app.workers=4 --set app.workers=four" \
	'--set: error: app.workers=four: expected an integer, got "four"'

begin "cli/set-map-value"
run "$T" run "$SC" --set "db.pool={size: 3, acquire_timeout: 500ms}" --format json
expect_rc 0
json_get "$OUT" overall.throughput_rps.mean >/dev/null || no "no overall.throughput_rps.mean"
end

# -o: all or nothing.
begin "cli/output-into-missing-directory"
run "$T" run "$SC" -o "$T/no-such-dir/out.json"
{ [ "$RC" -eq 1 ] || [ "$RC" -eq 2 ]; } || no "exit status $RC, expected 1 or 2"
grep -qF "$T/no-such-dir/out.json" "$ERR" || no "stderr does not name the file"
grep -qi "no such file or directory" "$ERR" || no "stderr does not say why"
[ -e "$T/no-such-dir" ] && no "the directory was created"
[ -s "$OUT" ] && no "printed on stdout"
[ -n "$why" ] && no "stderr was: $(got_err)"
end

begin "cli/output-onto-a-directory"
mkdir -p "$T/odir/target"
run "$T" run "$SC" -o "$T/odir/target"
[ "$RC" -eq 1 ] || [ "$RC" -eq 2 ] || no "exit status $RC, expected 1 or 2"
grep -qF "$T/odir/target" "$ERR" || no "stderr does not name the file"
[ -d "$T/odir/target" ] || no "the directory was replaced"
expect_no_output "$T/odir/nothing"
[ -n "$why" ] && no "stderr was: $(got_err)"
end

begin "cli/output-not-written-on-bad-scenario"
mkdir -p "$T/o2"
run "$BAD" run value-pool-size-zero.yaml -o "$T/o2/out.json"
expect_rc 2
expect_no_output "$T/o2/out.json"
end

begin "cli/output-not-written-on-bad-option"
run "$T" run "$SC" --format xml -o "$T/o2/out.json"
expect_rc 2
expect_no_output "$T/o2/out.json"
end

begin "cli/output-not-written-on-bad-set"
run "$T" run "$SC" --set db.pool.size=abc -o "$T/o2/out.json"
expect_rc 2
expect_no_output "$T/o2/out.json"
end

begin "cli/output-old-file-kept-on-failure"
echo "previous results" >"$T/o2/keep.json"
run "$BAD" run value-pool-size-zero.yaml -o "$T/o2/keep.json"
expect_rc 2
[ "$(cat "$T/o2/keep.json")" = "previous results" ] || no "the old file was changed"
expect_no_output "$T/o2/nothing"
end

# ---- good scenarios --------------------------------------------------------

# has_number FILE PATH: the value at PATH is a number; NUM is set to it.
has_number() {
	NUM=$(json_get "$1" "$2") || { NUM=; no "no $2 in the JSON"; return 1; }
	case $NUM in
	'' | *[!0-9eE.+-]*) no "$2 is $NUM, not a number"; NUM=; return 1 ;;
	esac
}

good_file() {
	local f=$1 base=${1%.yaml} dir=$T/good-out

	rm -rf "$dir"
	mkdir -p "$dir"

	begin "good/$base/table"
	run "$GOOD" run "$f"
	expect_rc 0
	grep -q "throughput" "$OUT" || no "no throughput line in the table"
	[ -s "$ERR" ] && no "stderr: $(got_err)"
	end

	begin "good/$base/json"
	run "$GOOD" run "$f" --format json
	expect_rc 0
	cp "$OUT" "$dir/stdout.json"
	if "$PY" -c 'import json,sys; json.load(sys.stdin)' <"$OUT" 2>"$T/why"; then
		has_number "$OUT" overall.throughput_rps.mean
		has_number "$OUT" overall.throughput_rps.ci_low
		[ "$(json_get "$OUT" run.replications)" = 2 ] ||
			no "run.replications is $(json_get "$OUT" run.replications), expected 2"
		json_get "$OUT" timeseries >/dev/null &&
			no "a timeseries without --timeseries"
	else
		no "JSON does not parse: $(tail -1 "$T/why")"
	fi
	[ -s "$ERR" ] && no "stderr: $(got_err)"
	end

	begin "good/$base/csv"
	run "$GOOD" run "$f" --format csv
	expect_rc 0
	[ "$(head -1 "$OUT")" = "metric,mean,ci_low,ci_high" ] ||
		no "first line is '$(head -1 "$OUT")'"
	"$PY" -c '
import csv, sys
rows = list(csv.reader(sys.stdin))
bad = [r for r in rows if len(r) != 4]
if bad:
    sys.exit("rows without 4 fields: %r" % bad[:2])
names = [r[0] for r in rows]
if "overall.throughput_rps" not in names:
    sys.exit("no overall.throughput_rps row")
if len(set(names)) != len(names):
    sys.exit("a metric appears twice")
float(rows[names.index("overall.throughput_rps")][1])
' <"$OUT" 2>"$T/why" || no "$(tail -1 "$T/why")"
	end

	begin "good/$base/timeseries-json"
	run "$GOOD" run "$f" --format json --timeseries 10s
	expect_rc 0
	"$PY" -c '
import json, sys
d = json.load(sys.stdin)
ts = d.get("timeseries")
if not isinstance(ts, list) or not ts:
    sys.exit("no timeseries array")
t = [row["t_s"] for row in ts]
if t != sorted(t) or t[0] != 10 or any(b - a != 10 for a, b in zip(t, t[1:])):
    sys.exit("t_s is not 10, 20, ...: %r" % t[:5])
if "throughput_rps" not in ts[0]:
    sys.exit("rows lack throughput_rps")
d["overall"]["throughput_rps"]["mean"]
' <"$OUT" 2>"$T/why" || no "$(tail -1 "$T/why")"
	end

	begin "good/$base/timeseries-csv"
	run "$GOOD" run "$f" --format csv --timeseries 10s
	expect_rc 0
	case $(head -1 "$OUT") in
	t_s,users,throughput_rps,*) ;;
	*) no "first line is '$(head -1 "$OUT")', expected the t_s,users,throughput_rps,... header" ;;
	esac
	[ "$(wc -l <"$OUT")" -ge 2 ] || no "no timeseries rows"
	end

	begin "good/$base/output-file"
	run "$GOOD" run "$f" --format json -o "$dir/out.json"
	expect_rc 0
	[ -s "$OUT" ] && no "printed on stdout with -o"
	if [ -f "$dir/out.json" ]; then
		cmp -s "$dir/out.json" "$dir/stdout.json" ||
			no "the file differs from what stdout got"
	else
		no "no $dir/out.json"
	fi
	expect_no_tmp "$dir"
	end

	begin "good/$base/output-file-replaced"
	echo "stale" >"$dir/old.csv"
	run "$GOOD" run "$f" --format csv -o "$dir/old.csv"
	expect_rc 0
	[ "$(head -1 "$dir/old.csv")" = "metric,mean,ci_low,ci_high" ] ||
		no "old.csv starts with '$(head -1 "$dir/old.csv")'"
	expect_no_tmp "$dir"
	end

	begin "good/$base/jobs-1-and-2-identical"
	run "$GOOD" run "$f" --format json --jobs 1
	expect_rc 0
	cp "$OUT" "$dir/j1.json"
	run "$GOOD" run "$f" --format json --jobs 2
	expect_rc 0
	cmp -s "$OUT" "$dir/j1.json" || no "--jobs 1 and --jobs 2 differ: $(diff "$dir/j1.json" "$OUT" | head -3 | tr '\n' ' ')"
	cmp -s "$OUT" "$dir/stdout.json" || no "--jobs 2 differs from the default"
	end

	begin "good/$base/seed-changes-output"
	run "$GOOD" run "$f" --format json --seed 987654321
	expect_rc 0
	[ "$(json_get "$OUT" run.seed)" = 987654321 ] || no "run.seed is $(json_get "$OUT" run.seed)"
	a=$(json_get "$dir/stdout.json" overall.latency_ms.mean.mean)
	b=$(json_get "$OUT" overall.latency_ms.mean.mean)
	if [ -z "$a" ] || [ "$a" = "$b" ]; then
		no "mean latency is '$b' with either seed"
	fi
	end
}

for path in "$GOOD"/*.yaml; do
	[ -e "$path" ] || continue
	good_file "$(basename -- "$path")"
done

begin "good/crlf-and-bom"
{ printf '\357\273\277'; sed 's/$/\r/' "$GOOD/closed.yaml"; } >"$G/crlf-bom.yaml"
run "$G" run crlf-bom.yaml --format json
expect_rc 0
has_number "$OUT" overall.throughput_rps.mean
[ -n "$why" ] && no "stderr was: $(got_err)"
end

begin "good/replications-option"
run "$GOOD" run closed.yaml --format json --replications 3
expect_rc 0
[ "$(json_get "$OUT" run.replications)" = 3 ] ||
	no "run.replications is $(json_get "$OUT" run.replications), expected 3"
end

# --precision: the run says where the rule stopped and how precise it is;
# the same bytes whatever --jobs; a run without it has no such fields.
begin "good/precision-json"
run "$GOOD" run closed.yaml --format json --precision 5% --jobs 1
expect_rc 0
cp "$OUT" "$T/prec-j1.json"
"$PY" - "$OUT" <<'PY' || no "run.precision: $(head -c 400 "$T/prec-j1.json" | tr '\n' ' ')"
import json, sys
r = json.load(open(sys.argv[1]))["run"]
p = r["precision"]
ok = (p["target"] == 0.05 and p["floor"] == 0.001 and p["met"] is True
      and p["reached"] <= 0.05 and p["first_batch"] == 5
      and p["max_replications"] == 200 and 5 <= r["replications"] <= 200
      and p["worst"].startswith(("overall.", "resources.")))
sys.exit(0 if ok else 1)
PY
run "$GOOD" run closed.yaml --format json --precision 5% --jobs 2
expect_rc 0
cmp -s "$OUT" "$T/prec-j1.json" || no "--jobs 1 and --jobs 2 differ under --precision"
end

begin "good/precision-table-line"
run "$GOOD" run closed.yaml --precision 5%
expect_rc 0
grep -qE '^  precision: \+-5% asked \(ratios: or \+-0\.1 points\), \+-[0-9.]+% reached \(worst: ' "$OUT" ||
	no "no precision line: $(grep -m1 precision "$OUT")"
end

begin "good/precision-at-most-max"
run "$GOOD" run closed.yaml --format json --precision 0.1% --max-replications 6
expect_rc 0
[ "$(json_get "$OUT" run.replications)" = 6 ] ||
	no "run.replications is $(json_get "$OUT" run.replications), expected 6"
[ "$(json_get "$OUT" run.precision.met)" = false ] ||
	no "run.precision.met is $(json_get "$OUT" run.precision.met)"
end

begin "good/no-precision-no-fields"
run "$GOOD" run closed.yaml --format json
expect_rc 0
grep -q '"precision"' "$OUT" && no "a fixed-count run has a precision object"
run "$GOOD" run closed.yaml
grep -q 'precision:' "$OUT" && no "a fixed-count table has a precision line"
end

begin "good/output-dash-is-stdout"
run "$GOOD" run closed.yaml --format csv -o -
expect_rc 0
[ "$(head -1 "$OUT")" = "metric,mean,ci_low,ci_high" ] || no "nothing on stdout"
[ -e "$GOOD/-" ] && no "a file named - was created"
end

# The shipped example: a bigger pool is used less.
E=$SRC/scenarios/500u.yaml
begin "500u/set-db-pool-size"
run "$SRC" run "$E" --replications 2 --format json
expect_rc 0
cp "$OUT" "$T/500u-20.json"
run "$SRC" run "$E" --replications 2 --format json --set db.pool.size=50
expect_rc 0
has_number "$T/500u-20.json" resources.db_pool.utilization.mean
u20=$NUM
has_number "$OUT" resources.db_pool.utilization.mean
u50=$NUM
if [ -n "$u20" ] && [ -n "$u50" ]; then
	"$PY" -c 'import sys; sys.exit(not float(sys.argv[2]) < float(sys.argv[1]))' "$u20" "$u50" ||
		no "pool utilization $u20 with 20 connections, $u50 with 50: expected lower"
fi
end

begin "500u/set-run-duration"
run "$SRC" run "$E" --replications 2 --format json --set run.duration=60s
expect_rc 0
[ "$(json_get "$OUT" run.duration_s)" = 60 ] ||
	no "run.duration_s is $(json_get "$OUT" run.duration_s), expected 60"
end

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
