#!/usr/bin/env bash
# The `capsim plot` and `capsim report` command-line suite.
#
#   tests/cli-plot.sh CAPSIM SOURCE_DIR
#
# Makes a small sweep (tests/cli/good/closed.yaml: users by pool size) and a
# run, then checks that plot writes real PNG and SVG pictures, that report
# writes one HTML page that parses, holds its tables and inlined SVG and
# loads nothing from elsewhere, that headless Chromium renders it (skipped
# when chromium is not installed), and that bad arguments give exit 2, one
# clear message and no file.
#
# Prints "ok - NAME", "not ok - NAME: WHY" or "ok - NAME # skip WHY" per
# case, then "N passed, M failed"; exits 1 if any case failed.

set -u

if [ $# -ne 2 ]; then
	echo "usage: $0 CAPSIM SOURCE_DIR" >&2
	exit 2
fi
CAPSIM=$(realpath -- "$1") || exit 2
SRC=$(realpath -- "$2") || exit 2
PY=/usr/bin/python3
LIMIT=120 # seconds for one capsim run; a hang is a failure

if [ ! -x "$CAPSIM" ] || [ ! -x "$PY" ]; then
	echo "not ok - setup: need $CAPSIM and $PY"
	echo "0 passed, 1 failed"
	exit 1
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/capsim-plot.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
OUT=$T/stdout
ERR=$T/stderr

passed=0
failed=0
skipped=0
name=
why=

begin() {
	name=$1
	why=
}

no() {
	why="${why:+$why; }$1"
}

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

skip() {
	echo "ok - $name # skip $1"
	skipped=$((skipped + 1))
}

# run ARGS...: capsim ARGS in $T; sets RC, stdout in $OUT, stderr in $ERR.
run() {
	(cd "$T" && exec timeout "$LIMIT" "$CAPSIM" "$@") >"$OUT" 2>"$ERR"
	RC=$?
	if [ "$RC" -eq 124 ]; then
		no "timed out after ${LIMIT}s"
	elif [ "$RC" -gt 128 ]; then
		no "killed by signal $((RC - 128))"
	fi
}

expect_rc() {
	[ "$RC" -eq "$1" ] || no "exit status $RC, expected $1 (stderr: $(got_err))"
}

# A file that exists and is not empty.
expect_file() {
	[ -s "$1" ] || no "$1 is missing or empty"
}

# No file at $1 and no temporary file beside it.
expect_no_output() {
	local left

	[ -e "$1" ] && no "$1 was created"
	left=$(find "$(dirname -- "$1")" -maxdepth 1 -name '*.tmp*' | head -3 | tr '\n' ' ')
	[ -n "$left" ] && no "temporary files left: $left"
}

# Exit 2, one line on stderr holding each substring, nothing on stdout.
expect_usage_error() {
	local s lines

	expect_rc 2
	for s in "$@"; do
		grep -qF -- "$s" "$ERR" || no "stderr lacks '$s' (stderr: $(got_err))"
	done
	lines=$(wc -l <"$ERR")
	[ "$lines" -eq 1 ] || no "$lines lines on stderr, expected one message"
	[ -s "$OUT" ] && no "printed on stdout"
}

png_ok() {
	"$PY" - "$1" <<'PY' 2>"$T/why" || no "$(cat "$T/why")"
import struct, sys
b = open(sys.argv[1], "rb").read()
if b[:8] != b"\x89PNG\r\n\x1a\n":
    sys.exit("%s: not a PNG (starts %r)" % (sys.argv[1], b[:8]))
w, h = struct.unpack(">II", b[16:24])
if w < 200 or h < 150:
    sys.exit("%s: %dx%d pixels" % (sys.argv[1], w, h))
PY
}

svg_ok() {
	"$PY" - "$1" <<'PY' 2>"$T/why" || no "$(cat "$T/why")"
import sys
import xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except ET.ParseError as e:
    sys.exit("%s: not XML: %s" % (sys.argv[1], e))
if root.tag != "{http://www.w3.org/2000/svg}svg":
    sys.exit("%s: the root is %s, not svg" % (sys.argv[1], root.tag))
if not any(e.tag.endswith("path") for e in root.iter()):
    sys.exit("%s: no path drawn" % sys.argv[1])
PY
}

# ---- data ---------------------------------------------------------------

S=$T/sweep.json
begin "setup/sweep"
run sweep "$SRC/tests/cli/good/closed.yaml" --vary load.users=10,40,80 \
	--vary db.pool.size=2,5 --replications 2 --format json -o "$S"
expect_rc 0
expect_file "$S"
end

R=$T/run.json
begin "setup/run"
run run "$SRC/tests/cli/good/closed.yaml" --format json -o "$R"
expect_rc 0
expect_file "$R"
end

M=$T/measured.yaml
cat >"$M" <<'EOF'
source: "cli-plot.sh"
tool: k6
points:
  - {name: low, users: 10, throughput: 45, latency: {p50: 6ms, p95: 20ms, p99: 40ms}, error_rate: 0%}
  - {name: high, users: 80, throughput: 300, latency: {p50: 15ms, p95: 90ms, p99: 200ms}, error_rate: 0.5%}
EOF

if ! command -v gnuplot >/dev/null 2>&1; then
	begin "plot/gnuplot-missing"
	run plot "$S" -o "$T/none.png"
	expect_rc 1
	grep -qF "gnuplot-nox" "$ERR" || no "stderr does not say to install gnuplot-nox"
	expect_no_output "$T/none.png"
	end
	echo "# gnuplot is not installed: the picture cases are skipped"
	echo "$passed passed, $failed failed, $((skipped + 1)) skipped"
	[ "$failed" -eq 0 ] || exit 1
	exit 77 # meson: SKIP (the pictures were not checked)
fi

# ---- plot -----------------------------------------------------------------

begin "plot/png-default-latency"
run plot "$S" -o "$T/lat.png"
expect_rc 0
expect_file "$T/lat.png"
[ -e "$T/lat.png" ] && png_ok "$T/lat.png"
[ -s "$OUT" ] && no "printed on stdout"
end

begin "plot/svg-with-measured-and-slo"
run plot "$S" -o "$T/lat.svg" --y p95 --measured "$M" --slo 'p95<400ms,error_rate<1%' \
	--title "p95 <of> the 'closed' model"
expect_rc 0
expect_file "$T/lat.svg"
[ -e "$T/lat.svg" ] && svg_ok "$T/lat.svg"
grep -qF 'measured p95 (measured.yaml)' "$T/lat.svg" || no "no measured points in the legend"
grep -qF 'SLO p95 &lt; 400 ms' "$T/lat.svg" || no "no SLO line label"
grep -qF "p95 &lt;of" "$T/lat.svg" || no "the title is not there, escaped"
grep -qF 'db.pool.size=5' "$T/lat.svg" || no "no line per pool size"
end

begin "plot/throughput-and-error-rate"
run plot "$S" -o "$T/tp.png" --y throughput --measured "$M"
expect_rc 0
[ -e "$T/tp.png" ] && png_ok "$T/tp.png"
run plot "$S" -o "$T/err.svg" --y error_rate --slo 'error_rate<1%'
expect_rc 0
[ -e "$T/err.svg" ] && svg_ok "$T/err.svg"
grep -qF 'error rate (% of requests)' "$T/err.svg" || no "no error rate axis label"
end

begin "plot/x-pool-size-and-metric-path"
run plot "$S" -o "$T/pool.svg" --x db.pool.size --y resources.db_pool.utilization \
	--measured "$M"
expect_rc 0
[ -e "$T/pool.svg" ] && svg_ok "$T/pool.svg"
grep -qF 'load.users=80' "$T/pool.svg" || no "no line per number of users"
grep -qF 'not drawn' "$ERR" || no "no note that measured points are not placed"
end

begin "plot/run-json-single-point"
run plot "$R" -o "$T/run.png" --size 800x500
expect_rc 0
[ -e "$T/run.png" ] && png_ok "$T/run.png"
end

begin "plot/overwrites-atomically"
cp "$T/lat.png" "$T/again.png"
run plot "$S" -o "$T/again.png" --y p99
expect_rc 0
[ -e "$T/again.png" ] && png_ok "$T/again.png"
cmp -s "$T/lat.png" "$T/again.png" && no "the old picture was not replaced"
expect_no_output "$T/never-there.png"
end

# ---- report ---------------------------------------------------------------

H=$T/report.html
begin "report/html"
run report "$S" -o "$H" --measured "$M" --slo 'p95<400ms,error_rate<1%'
expect_rc 0
expect_file "$H"
[ -e "$H" ] && "$PY" - "$H" <<'PY' 2>"$T/why" || no "$(cat "$T/why")"
import sys
from html.parser import HTMLParser

class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.ids, self.stack, self.errors = {}, set(), [], []
        self.refs = []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags[tag] = self.tags.get(tag, 0) + 1
        if "id" in a:
            if a["id"] in self.ids:
                self.errors.append("duplicate id %s" % a["id"])
            self.ids.add(a["id"])
        for k in ("src", "href", "xlink:href"):
            if k in a and not a[k].startswith("#"):
                self.refs.append(a[k])

p = Page()
p.feed(open(sys.argv[1], encoding="utf-8").read())
p.close()
need = {"html": 1, "table": 2, "svg": 3, "pre": 1, "figure": 3}
for tag, n in need.items():
    if p.tags.get(tag, 0) < n:
        sys.exit("%d <%s>, expected at least %d" % (p.tags.get(tag, 0), tag, n))
for i in ("points", "measured", "analysis", "charts", "scenario"):
    if i not in p.ids:
        sys.exit("no element with id %s" % i)
if p.errors:
    sys.exit("; ".join(p.errors[:3]))
if p.tags.get("script") or p.tags.get("link") or p.tags.get("img"):
    sys.exit("the page has scripts, links or images")
if p.refs:
    sys.exit("the page refers to %s" % p.refs[:3])
PY
grep -qF '<th>load.users</th><th>db.pool.size</th>' "$H" || no "the points table lacks its varied columns"
grep -qF 'saturates first' "$H" || grep -qF 'No resource saturates' "$H" ||
	no "no bottleneck analysis"
grep -qF 'name: &quot;cli closed&quot;' "$H" || no "the scenario text is not there, escaped"
# the SVG namespaces are names, not places; nothing else may look like one
grep -oE '(https?:)?//[a-z][^ "<]*' "$H" | grep -qv '^http://www.w3.org/' &&
	no "the page names a URL"
end

begin "report/no-charts-and-stdout"
run report "$S" -o - --no-charts
expect_rc 0
grep -qF '<table id="points">' "$OUT" || no "no points table on stdout"
grep -qF '<svg' "$OUT" && no "charts drawn with --no-charts"
end

begin "report/run-json"
run report "$R" -o "$T/run.html"
expect_rc 0
grep -qF 'One point: no curves' "$T/run.html" || no "no word about the single point"
end

begin "report/chromium-renders"
CHROME=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROME" ]; then
	skip "chromium is not installed"
else
	P=$T/shot.png
	PROFILE=$(mktemp -d "$T/chrome.XXXXXX")
	timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking --disable-component-update \
		--disable-sync --user-data-dir="$PROFILE" --screenshot="$P" \
		--window-size=1200,2000 "file://$H" >"$T/chrome.log" 2>&1
	expect_file "$P"
	[ -e "$P" ] && png_ok "$P"
	# a rendered page is not one flat colour
	[ -e "$P" ] && "$PY" - "$P" <<'PY' 2>"$T/why" || no "$(cat "$T/why")"
import sys, zlib, struct
b = open(sys.argv[1], "rb").read()
i, idat = 8, b""
while i < len(b):
    n, = struct.unpack(">I", b[i:i + 4]); t = b[i + 4:i + 8]
    if t == b"IDAT":
        idat += b[i + 8:i + 8 + n]
    i += 12 + n
raw = zlib.decompress(idat)
if len(set(raw[:2000000])) < 8:
    sys.exit("the screenshot is blank")
PY
	end
fi

# ---- bad arguments ---------------------------------------------------------

bad() {
	local label=$1 out=$2
	shift 2
	begin "bad/$label"
	run "$@"
	expect_usage_error "${EXPECT[@]}"
	expect_no_output "$out"
	end
}

EXPECT=("$T/missing.json" "cannot open")
bad plot-missing-results "$T/x1.png" plot "$T/missing.json" -o "$T/x1.png"
EXPECT=("--y" "p59" "did you mean")
bad plot-bad-y "$T/x3.png" plot "$S" -o "$T/x3.png" --y p59
EXPECT=("--y" "one chart shows one unit")
bad plot-mixed-units "$T/x4.png" plot "$S" -o "$T/x4.png" --y p95,throughput
EXPECT=("--slo" "needs a unit")
bad plot-bad-slo "$T/x5.png" plot "$S" -o "$T/x5.png" --slo 'p95<400'
EXPECT=("--slo" "NAME<LIMIT or NAME>LIMIT")
bad plot-bad-slo-operator "$T/x6.png" plot "$S" -o "$T/x6.png" --slo 'p95=400ms'
EXPECT=("-o" ".png or .svg" "x7.jpg")
bad plot-unknown-extension "$T/x7.jpg" plot "$S" -o "$T/x7.jpg"
EXPECT=("--x" "load.users, db.pool.size")
bad plot-bad-x "$T/x8.png" plot "$S" -o "$T/x8.png" --x nope
EXPECT=("not JSON")
bad plot-results-not-json "$T/x9.png" plot "$SRC/tests/cli/good/closed.yaml" -o "$T/x9.png"
EXPECT=("--measured-points" "\"peak\"" "low, high")
bad plot-bad-measured-point "$T/x10.png" plot "$S" -o "$T/x10.png" --measured "$M" --measured-points peak
EXPECT=("$T/nope.yaml" "cannot open")
bad plot-missing-measured "$T/x11.png" plot "$S" -o "$T/x11.png" --measured "$T/nope.yaml"
EXPECT=("--size")
bad plot-bad-size "$T/x12.png" plot "$S" -o "$T/x12.png" --size big
EXPECT=("missing -o")
bad plot-no-output "$T/x13.png" plot "$S"
EXPECT=("$T/missing.json" "cannot open")
bad report-missing-results "$T/r1.html" report "$T/missing.json" -o "$T/r1.html"
EXPECT=("--slo" "write 5% for five percent")
bad report-bad-slo "$T/r2.html" report "$S" -o "$T/r2.html" --slo 'error_rate<5'
EXPECT=("-o" ".html" "r3.pdf")
bad report-unknown-extension "$T/r3.pdf" report "$S" -o "$T/r3.pdf"
EXPECT=("--x" "nope")
bad report-bad-x "$T/r4.html" report "$S" -o "$T/r4.html" --x nope
EXPECT=("--slo" "no metric resources.nope")
bad report-slo-unknown-path "$T/r5.html" report "$S" -o "$T/r5.html" --slo 'resources.nope<1'
EXPECT=("--slo" "empty term")
bad plot-slo-empty-term "$T/x14.png" plot "$S" -o "$T/x14.png" --slo 'p95<400ms,'


# these two print the usage after the message
begin "bad/plot-no-results"
run plot -o "$T/x2.png"
expect_rc 2
head -1 "$ERR" | grep -qF 'missing RESULTS' || no "the first line lacks 'missing RESULTS'"
grep -qF 'usage: capsim plot' "$ERR" || no "no usage"
expect_no_output "$T/x2.png"
end

begin "bad/plot-unknown-option"
run plot "$S" -o "$T/u.png" --bogus
expect_rc 2
grep -qF 'unknown option --bogus' "$ERR" || no "stderr lacks 'unknown option --bogus'"
expect_no_output "$T/u.png"
end

begin "plot/no-gnuplot-on-path"
(cd "$T" && PATH=/nonexistent exec "$CAPSIM" plot "$S" -o "$T/nogp.png") >"$OUT" 2>"$ERR"
RC=$?
expect_rc 1
grep -qF 'gnuplot is not installed' "$ERR" || no "stderr lacks 'gnuplot is not installed' (stderr: $(got_err))"
grep -qF 'gnuplot-nox' "$ERR" || no "stderr does not name gnuplot-nox"
expect_no_output "$T/nogp.png"
end

begin "plot/gnuplot-fails"
mkdir -p "$T/fakebin"
printf '#!/bin/sh\necho "line 3: unknown terminal type" >&2\nexit 1\n' >"$T/fakebin/gnuplot"
chmod +x "$T/fakebin/gnuplot"
(cd "$T" && PATH="$T/fakebin:/usr/bin:/bin" exec "$CAPSIM" plot "$S" -o "$T/fail.png") >"$OUT" 2>"$ERR"
RC=$?
expect_rc 1
grep -qF 'gnuplot failed: line 3: unknown terminal type' "$ERR" ||
	no "stderr lacks gnuplot's complaint (stderr: $(got_err))"
expect_no_output "$T/fail.png"
end

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
