#!/usr/bin/env bash
# The interface conventions: every command's --help table, "did you mean"
# for options, the man page and bash completion made from the same tables,
# capsim keys against docs/guide.md, the shipped JSON Schema and fuzz
# dictionary against what they are generated from, and capsim init.
#
#   tests/cli/iface-tests.sh CAPSIM SOURCE_DIR [MAN_PAGE COMPLETION]
#
# MAN_PAGE and COMPLETION are the files the build made for meson install;
# they must be what capsim man and capsim completion bash print.
#
# Prints "ok - NAME" or "not ok - NAME: WHY" per case, then "N passed, M
# failed"; exits 1 if any case failed.

set -u

if [ $# -ne 2 ] && [ $# -ne 4 ]; then
	echo "usage: $0 CAPSIM SOURCE_DIR [MAN_PAGE COMPLETION]" >&2
	exit 2
fi
CAPSIM=$(realpath -- "$1") || exit 2
SRC=$(realpath -- "$2") || exit 2
MANPAGE=${3:+$(realpath -- "$3")}
COMPLETION=${4:+$(realpath -- "$4")}
PY=/usr/bin/python3

T=$(mktemp -d "${TMPDIR:-/tmp}/capsim-iface.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1

passed=0
failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
bad() { echo "not ok - $1: $2"; failed=$((failed + 1)); }

# the commands, from capsim --help
"$CAPSIM" --help > cmds.txt 2>&1
COMMANDS=$(awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }
	on && /^$/ { exit }' cmds.txt)
[ "$(echo "$COMMANDS" | wc -w)" -ge 12 ] && ok commands-listed ||
	bad commands-listed "$(head -c 300 cmds.txt)"

# ---- --help: an options table with defaults, and one example -----------

for c in $COMMANDS; do
	if ! "$CAPSIM" "$c" --help > h.txt 2> h.err; then
		bad "help-$c" "exit status $?: $(head -c 200 h.err)"
		continue
	fi
	why=
	grep -q "^usage: capsim $c" h.txt || why="no usage line"
	grep -q '^options:$' h.txt || why="$why; no options table"
	grep -q -- '--help' h.txt || why="$why; --help not listed"
	grep -A1 '^example:$' h.txt | grep -q "^  capsim $c" ||
		why="$why; no example of capsim $c"
	[ -s h.err ] && why="$why; printed on stderr"
	# capsim help CMD is the same text
	"$CAPSIM" help "$c" > h2.txt 2>&1 && cmp -s h.txt h2.txt ||
		why="$why; capsim help $c differs"
	[ -z "$why" ] && ok "help-$c" || bad "help-$c" "$why"
done

# options that take a value show a default where there is one
"$CAPSIM" run --help > h.txt
grep -A1 -- '--replications R' h.txt | grep -q 'default: run.replications (5)' &&
	grep -A1 -- '--format F' h.txt | grep -q 'default:' && ok help-defaults ||
	bad help-defaults "$(grep -A1 -- --replications h.txt)"

# ---- did you mean, for options and commands ----------------------------

for c in run sweep merge capacity import calibrate validate plot report keys init; do
	"$CAPSIM" "$c" --hepl > o.txt 2> e.txt
	rc=$?
	[ $rc -eq 2 ] && grep -q 'unknown option --hepl (did you mean --help?)' e.txt &&
		grep -q "usage: capsim $c" e.txt && [ ! -s o.txt ] &&
		ok "suggest-option-$c" || bad "suggest-option-$c" "rc $rc: $(head -c 200 e.txt)"
done
"$CAPSIM" sweep x.yaml --replicatons=3 2> e.txt
grep -q 'unknown option --replicatons=3 (did you mean --replications?)' e.txt &&
	ok suggest-option-with-value || bad suggest-option-with-value "$(head -c 200 e.txt)"
"$CAPSIM" run --zzzzzzzz 2> e.txt
grep -q 'unknown option --zzzzzzzz$' e.txt && ok no-suggestion-when-far ||
	bad no-suggestion-when-far "$(head -c 200 e.txt)"
"$CAPSIM" calibrate s.yaml --draws 3 2> e.txt
grep -q -- '--draws belongs to capsim validate' e.txt && ok other-command-option ||
	bad other-command-option "$(head -c 200 e.txt)"
"$CAPSIM" kyes 2> e.txt
[ $? -eq 2 ] && grep -q 'did you mean "keys"' e.txt && ok suggest-command ||
	bad suggest-command "$(head -c 200 e.txt)"
"$CAPSIM" help kyes 2> e.txt
[ $? -eq 2 ] && grep -q 'did you mean "keys"' e.txt && ok help-suggests-command ||
	bad help-suggests-command "$(head -c 200 e.txt)"

# ---- the man page: every command and every option of every --help ------

"$CAPSIM" man > capsim.1 2> e.txt || bad man "exit $?: $(head -c 200 e.txt)"
why=
for c in $COMMANDS; do
	grep -q "^\.SS \"capsim $c" capsim.1 || why="$why; no section for $c"
	for o in $("$CAPSIM" "$c" --help | grep -oE '^ {2,6}(-[a-zA-Z], )?--[a-z-]+' |
	           grep -oE -- '--[a-z-]+$'); do
		grep -qF -- "$(echo "$o" | sed 's/-/\\-/g')" capsim.1 ||
			why="$why; $c $o missing"
	done
done
[ -z "$why" ] && ok man-has-every-option || bad man-has-every-option "$why"
if command -v groff > /dev/null; then
	w=$(groff -man -Tutf8 -ww -z capsim.1 2>&1 | head -5)
	[ -z "$w" ] && ok man-renders || bad man-renders "$w"
else
	echo "ok - man-renders # skip groff not installed"
	passed=$((passed + 1))
fi
if [ -n "$MANPAGE" ]; then
	cmp -s "$MANPAGE" capsim.1 && ok man-installed-is-generated ||
		bad man-installed-is-generated "$MANPAGE differs from capsim man"
fi

# ---- bash completion ----------------------------------------------------

"$CAPSIM" completion bash > capsim.bash || bad completion "exit $?"
if [ -n "$COMPLETION" ]; then
	cmp -s "$COMPLETION" capsim.bash && ok completion-installed-is-generated ||
		bad completion-installed-is-generated "$COMPLETION differs"
fi
# complete WORDS...: what _capsim offers for the last word
complete_words() {
	PATH=$(dirname "$CAPSIM"):$PATH bash -c '
		source ./capsim.bash
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		_capsim
		printf "%s\n" "${COMPREPLY[@]}"' bash "$@"
}
[ "$(complete_words capsim ru)" = run ] && ok complete-command ||
	bad complete-command "$(complete_words capsim ru | tr '\n' ' ')"
complete_words capsim run --rep | grep -qx -- --replications &&
	ok complete-option || bad complete-option "$(complete_words capsim run --rep)"
[ "$(complete_words capsim run --format '' | sort | tr '\n' ' ')" = "csv json table " ] &&
	ok complete-value || bad complete-value "$(complete_words capsim run --format '')"
complete_words capsim run --set db.pool.s | grep -qx db.pool.size &&
	ok complete-set-path || bad complete-set-path "$(complete_words capsim run --set db.pool.s)"
why=
for c in $COMMANDS; do
	have=$(complete_words capsim "$c" -- | sort | tr '\n' ' ')
	want=$("$CAPSIM" "$c" --help | grep -oE '^ {2,6}(-[a-zA-Z], )?--[a-z-]+' |
	       grep -oE -- '--[a-z-]+$' | sort | tr '\n' ' ')
	[ "$have" = "$want" ] || why="$why; $c: offers '$have', --help has '$want'"
done
[ -z "$why" ] && ok complete-every-option || bad complete-every-option "$why"

# ---- capsim keys --------------------------------------------------------

"$CAPSIM" keys > keys.txt && "$CAPSIM" keys --paths > paths.txt &&
	"$CAPSIM" keys --format json > keys.json
why=
[ "$(wc -l < paths.txt)" -ge 100 ] || why="only $(wc -l < paths.txt) paths"
while read -r p; do
	grep -qF -- "$p: " keys.txt || why="$why; $p not in the table"
done < paths.txt
"$PY" -c '
import json, sys
keys = json.load(open("keys.json"))
paths = open("paths.txt").read().split()
assert [k["path"] for k in keys] == paths, "json and --paths differ"
for k in keys:
    assert k["type"] and k["meaning"], k["path"]
' 2> e.txt || why="$why; $(tail -1 e.txt)"
[ -z "$why" ] && ok keys-table || bad keys-table "$why"
"$CAPSIM" keys db.pool > k.txt && grep -q '^db.pool.size: integer (connections); default 10' k.txt &&
	! grep -q '^db.cores' k.txt && ok keys-prefix || bad keys-prefix "$(head -c 200 k.txt)"
"$CAPSIM" keys db.pol 2> e.txt
[ $? -eq 2 ] && grep -q 'no key under "db.pol"' e.txt && ok keys-unknown-prefix ||
	bad keys-unknown-prefix "$(head -c 200 e.txt)"

# every key in the table is in the scenario reference, and every key the
# reference's key tables (marked <!-- keys: PREFIX -->) list is in the table
"$PY" - "$SRC/docs/guide.md" keys.json > e.txt 2>&1 <<'PY'
import json, re, sys
text = open(sys.argv[1], encoding="utf-8").read()
sec = text[text.index("## 4. Scenario file reference"):text.index("## 5. Output reference")]
keys = {k["path"]: k for k in json.load(open(sys.argv[2]))}
rows = {}          # documented path -> the row's text
lines = sec.split("\n")
for i, l in enumerate(lines):
    m = re.match(r"<!-- keys: (.*) -->$", l)
    if not m:
        continue
    prefix = "" if m.group(1) == "(top level)" else m.group(1)
    for row in lines[i + 3:]:
        if not row.startswith("|"):
            break
        first = row.split("|")[1]
        for name in re.findall(r"`([^`]+)`", first):
            rows[(prefix + "." if prefix else "") + name] = row
bad = []
for p in rows:
    if p not in keys:
        bad.append("the guide documents %s, which capsim keys lacks" % p)
for p, k in keys.items():
    if p in rows or any(r.startswith(p + ".") or r.startswith(p + "[]")
                        for r in rows):
        continue
    # a key inside a documented one (cache.popularity.hot) is written in
    # that key's row, in backticks
    parent, leaf = p.rsplit(".", 1)
    while parent and parent not in rows and "." in parent:
        parent = parent.rsplit(".", 1)[0]
    spans = " ".join(re.findall(r"`([^`]+)`", rows.get(parent, "")))
    if not re.search(r"(^|[^\w])%s([^\w]|$)" % re.escape(leaf), spans):
        bad.append("%s is not in docs/guide.md section 4" % p)
if len(rows) < 90:
    bad.append("only %d documented keys found: are the markers there?" % len(rows))
if bad:
    sys.exit("; ".join(bad))
PY
[ $? -eq 0 ] && ok keys-match-guide || bad keys-match-guide "$(tail -c 600 e.txt)"

# ---- generated files shipped in the tree --------------------------------

"$CAPSIM" keys --schema > schema.json
cmp -s schema.json "$SRC/docs/scenario.schema.json" && ok schema-shipped-is-generated ||
	bad schema-shipped-is-generated "docs/scenario.schema.json is stale: capsim keys --schema -o docs/scenario.schema.json"
"$PY" "$SRC/tests/fuzz/gen-dict.py" > dict.txt 2> e.txt &&
	cmp -s dict.txt "$SRC/tests/fuzz/scenario.dict" && ok fuzz-dict-is-generated ||
	bad fuzz-dict-is-generated "tests/fuzz/scenario.dict is stale: tests/fuzz/gen-dict.py > tests/fuzz/scenario.dict $(head -c 200 e.txt)"

# the schema accepts every scenario shipped and rejects a misspelt key
# (needs python3-jsonschema and python3-yaml; skipped without them)
if "$PY" -c 'import jsonschema, yaml' 2> /dev/null; then
	"$PY" - schema.json "$SRC"/scenarios/*.yaml "$SRC"/tests/cli/good/*.yaml \
		"$SRC"/lab/scenario.yaml "$SRC"/lab2/scenario.yaml > e.txt 2>&1 <<'PY'
import json, sys, jsonschema, yaml

class Loader(yaml.SafeLoader):
    """YAML 1.2 booleans, as capsim reads them: on/off/yes/no are words."""
Loader.yaml_implicit_resolvers = {
    k: [(t, r) for t, r in v if t != "tag:yaml.org,2002:bool"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)
bad = []
for f in sys.argv[2:]:
    doc = yaml.load(open(f, encoding="utf-8"), Loader=Loader)
    for e in list(v.iter_errors(doc))[:2]:
        bad.append("%s: %s: %s" % (f.rsplit("/", 1)[-1], list(e.path), e.message[:120]))
doc = yaml.load("load: {users: 1}\nendpoints: [{steps: [{cpu: 1ms}]}]\ndb: {pol: {size: 1}}\n", Loader=Loader)
if v.is_valid(doc):
    bad.append("db.pol accepted")
if bad:
    sys.exit("; ".join(bad))
PY
	[ $? -eq 0 ] && ok schema-validates-scenarios || bad schema-validates-scenarios "$(tail -c 600 e.txt)"
else
	echo "ok - schema-validates-scenarios # skip python3-jsonschema not installed"
	passed=$((passed + 1))
fi

# ---- README: the layout names every top-level folder ---------------------

why=
layout=$(awk '/^## Layout/ { on = 1; next } on && /^## / { exit } on' "$SRC/README.md")
for d in $(find "$SRC" -mindepth 1 -maxdepth 1 -type d ! -name '.*' ! -name 'build*' \
           -printf '%f\n' | sort); do
	grep -qF -- "\`$d/\`" <<< "$layout" || why="$why $d/"
done
[ -z "$why" ] && ok readme-layout-names-every-folder ||
	bad readme-layout-names-every-folder "not named:$why"
grep -q 'meson install' "$SRC/README.md" && ok readme-shows-meson-install ||
	bad readme-shows-meson-install "README.md does not show meson install"

# ---- capsim init ---------------------------------------------------------

# runs SCENARIO: a short run of it, exit 0, its JSON in run.json
runs() {
	"$CAPSIM" run "$1" --replications 1 --set run.duration=60s \
		--format json -o run.json 2> e.txt
}
"$CAPSIM" init > starter.yaml 2> e.txt && runs starter.yaml &&
	grep -q '^# A starter scenario written by capsim init' starter.yaml &&
	ok init-template-runs || bad init-template-runs "$(head -c 300 e.txt)"
"$CAPSIM" init -o starter.yaml 2> e.txt
[ $? -eq 2 ] && grep -q 'starter.yaml exists; add --force' e.txt &&
	ok init-keeps-existing || bad init-keeps-existing "$(head -c 200 e.txt)"
"$CAPSIM" init -o starter.yaml --force && ok init-force || bad init-force "exit $?"

# from each tool's output: it loads, runs, says what came from the data,
# and its throughput is the measured one (think time by Little's law)
D=$SRC/tests/data/import
L=$D/erenyildiz23__ConnectFourPro__test_results__load_tests__locust_reports__locust_
for c in "jmeter 25.83 $SRC/lab2/data/c03_15u_pool5_2inst.jtl" \
         "k6 23.74 $D/itzaddddd__ticket-reserve__summary-export.json" \
         "locust 103.66 ${L}50users_stats.csv ${L}100users_stats.csv ${L}200users_stats.csv" \
         "measurements 43.28 $SRC/lab2/data/measurements.yaml"; do
	set -- $c
	tool=$1 x=$2
	shift 2
	if ! "$CAPSIM" init --from "$@" -o from.yaml --force 2> e.txt; then
		bad "init-from-$tool" "$(head -c 200 e.txt)"
		continue
	fi
	why=
	runs from.yaml || why="does not run: $(head -c 200 e.txt)"
	grep -q 'think: .*# from the data: Little' from.yaml || why="$why; no think time from the data"
	grep -q 'weight: .*# from the data' from.yaml || why="$why; no weights from the data"
	grep -q '# a default' from.yaml || why="$why; defaults not marked"
	"$CAPSIM" init --from "$@" > again.yaml && cmp -s from.yaml again.yaml ||
		why="$why; not the same bytes twice"
	[ -z "$why" ] && "$PY" - "$x" <<'PY' 2> e.txt || why="$(cat e.txt)"
import json, sys
x = json.load(open("run.json"))["overall"]["throughput_rps"]["mean"]
want = float(sys.argv[1])
if abs(x / want - 1) > 0.15:
    sys.exit("throughput %.4g req/s, measured %.4g" % (x, want))
PY
	[ -z "$why" ] && ok "init-from-$tool" || bad "init-from-$tool" "$why"
done
# endpoint names in GBK: escaped byte for byte, the file stays UTF-8
"$CAPSIM" init --from "$D/jiangbm__XFJ__example_stats.csv" -o gbk.yaml 2> e.txt &&
	runs gbk.yaml && grep -q 'name: "GET \\xB2\\xE9' gbk.yaml &&
	iconv -f UTF-8 -t UTF-8 gbk.yaml > /dev/null 2>&1 && ok init-from-gbk-names ||
	bad init-from-gbk-names "$(head -c 200 e.txt)"
"$CAPSIM" init --from nosuch.jtl 2> e.txt
[ $? -eq 2 ] && grep -q 'nosuch.jtl' e.txt && ok init-from-missing-file ||
	bad init-from-missing-file "$(head -c 200 e.txt)"
"$CAPSIM" init stray 2> e.txt
[ $? -eq 2 ] && grep -q 'data files go after --from' e.txt && ok init-stray-argument ||
	bad init-stray-argument "$(head -c 200 e.txt)"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
