#!/bin/sh
# The fuzz smoke run: build the libFuzzer harnesses (clang), replay the
# regression inputs in tests/fuzz/regress/<harness>/, then fuzz each
# harness for FUZZ_SECONDS (default 60) from its seed corpus.  Fails on any
# crash, leak, undefined behaviour, timeout (10 s an input) or memory blow-up
# (2 GB), and on a file a harness left behind.  Exits 77 (a skip, to meson)
# when clang or its libFuzzer runtime is missing.
#
#   tests/fuzz/smoke.sh SOURCE_ROOT BUILD_ROOT
#
# In a build configured with -Dfuzz=true the harnesses are taken from it;
# otherwise a clang build is made in BUILD_ROOT/fuzz-smoke/build.
# Environment: FUZZ_SECONDS (per harness), FUZZ_HARNESSES (a space-separated
# subset: scenario sim import sweepio report slo vary), CC (default clang).
set -u

src=$(cd "${1:?usage: smoke.sh SOURCE_ROOT BUILD_ROOT}" && pwd)
build=$(cd "${2:?usage: smoke.sh SOURCE_ROOT BUILD_ROOT}" && pwd)
seconds=${FUZZ_SECONDS:-60}
harnesses=${FUZZ_HARNESSES:-scenario sim import sweepio report slo vary}
work=$build/fuzz-smoke
here=$src/tests/fuzz

skip() { echo "fuzz smoke: skipped: $*"; exit 77; }

if [ -x "$build/tests/fuzz/fuzz-scenario" ]; then
	bin=$build/tests/fuzz
else
	cc=${CC:-clang}
	case $cc in *clang*) ;; *) cc=clang ;; esac
	command -v "$cc" >/dev/null 2>&1 || skip "no clang"
	mkdir -p "$work" || exit 1
	printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
	    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
	    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
	    > "$work/probe.c"
	"$cc" -fsanitize=fuzzer,address "$work/probe.c" -o "$work/probe" \
	    >/dev/null 2>&1 || skip "$cc cannot link -fsanitize=fuzzer (install libclang-rt-dev)"
	rm -f "$work/probe" "$work/probe.c"
	if [ ! -f "$work/build/build.ninja" ]; then
		CC=$cc meson setup "$work/build" "$src" -Dfuzz=true \
		    -Dtests=disabled >"$work/setup.log" 2>&1 ||
		    { cat "$work/setup.log"; echo "fuzz smoke: meson setup failed"; exit 1; }
	fi
	targets=
	for h in $harnesses; do targets="$targets tests/fuzz/fuzz-$h"; done
	# shellcheck disable=SC2086
	ninja -C "$work/build" $targets >"$work/build.log" 2>&1 ||
	    { tail -40 "$work/build.log"; echo "fuzz smoke: build failed"; exit 1; }
	bin=$work/build/tests/fuzz
fi

. "$here/harness-args.sh"

status=0
export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}detect_leaks=1"
for h in $harnesses; do
	exe=$bin/fuzz-$h
	[ -x "$exe" ] || { echo "fuzz smoke: $exe missing"; status=1; continue; }
	rm -rf "$work/$h"
	mkdir -p "$work/$h/corpus" "$work/$h/artifacts" "$work/$h/tmp"
	log=$work/$h/fuzz.log
	# the harnesses' temporary directories go here, and must be gone after
	export TMPDIR="$work/$h/tmp"

	if [ -d "$here/regress/$h" ] && [ -n "$(ls -A "$here/regress/$h")" ]; then
		if ! "$exe" -timeout=10 -rss_limit_mb=2048 \
		    -artifact_prefix="$work/$h/artifacts/" \
		    "$here/regress/$h"/* >"$work/$h/regress.log" 2>&1; then
			tail -40 "$work/$h/regress.log"
			echo "fuzz smoke: $h: a regression input fails again"
			status=1
			continue
		fi
	fi

	# shellcheck disable=SC2046
	if ! "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
	    -max_len=$(maxlen "$h") $(dict "$h") -print_final_stats=1 \
	    -artifact_prefix="$work/$h/artifacts/" \
	    "$work/$h/corpus" $(seeds "$h") >"$log" 2>&1; then
		tail -60 "$log"
		echo "fuzz smoke: $h: FAILED (input in $work/$h/artifacts/)"
		status=1
		continue
	fi
	if [ -n "$(ls -A "$work/$h/tmp")" ]; then
		ls -lR "$work/$h/tmp"
		echo "fuzz smoke: $h: left files behind"
		status=1
		continue
	fi
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
	echo "fuzz smoke: $h: ok, $execs inputs in ${seconds}s, $cov"
done
exit $status
