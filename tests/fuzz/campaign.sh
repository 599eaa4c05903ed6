#!/bin/sh
# A long fuzzing campaign: each harness runs until it has used CPU_SECONDS
# of its own CPU time (user + system, from /proc, so a busy machine only
# makes it take longer), JOBS at once, each with its corpus kept in
# OUT/<harness>/corpus and its findings in OUT/<harness>/artifacts.  Then
# one line per harness: inputs run, coverage, features, corpus, peak RSS,
# findings.  Linux only (it reads /proc/PID/stat).
#
#   tests/fuzz/campaign.sh SOURCE_ROOT FUZZ_BUILD OUT CPU_SECONDS [HARNESS...]
#
# FUZZ_BUILD is a build configured with -Dfuzz=true (docs/fuzzing.md).
# Harnesses default to all seven; JOBS (default 2) run at once, at nice 19.
# An earlier corpus in OUT/<harness>/corpus is kept and grown.  The input
# timeout (10 s) is wall time: on a machine starved of CPU, rerun a
# "timeout-" finding alone before believing it.
set -u

src=$(cd "${1:?usage: campaign.sh SOURCE_ROOT FUZZ_BUILD OUT CPU_SECONDS [HARNESS...]}" && pwd)
bin=$(cd "${2:?usage}" && pwd)/tests/fuzz
mkdir -p "${3:?usage}" || exit 2
out=$(cd "$3" && pwd)
limit=${4:?usage}
shift 4
harnesses=${*:-scenario sim import sweepio report slo vary}
jobs=${JOBS:-2}
here=$src/tests/fuzz
. "$here/harness-args.sh"
tck=$(getconf CLK_TCK)

# one harness, until its CPU time reaches the limit (then SIGINT: libFuzzer
# prints its final statistics and exits)
one() {
	h=$1 w=$out/$1
	mkdir -p "$w/corpus" "$w/artifacts" "$w/tmp"
	# shellcheck disable=SC2046
	TMPDIR=$w/tmp ASAN_OPTIONS=detect_leaks=1 nice -n 19 "$bin/fuzz-$h" \
	    -timeout=10 -rss_limit_mb=2048 -max_len=$(maxlen "$h") $(dict "$h") \
	    -print_final_stats=1 -artifact_prefix="$w/artifacts/" \
	    "$w/corpus" $(seeds "$h") >"$w/fuzz.log" 2>&1 &
	pid=$!
	cpu=0
	while kill -0 "$pid" 2>/dev/null; do
		sleep 5
		st=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null) || break
		# fields 14 and 15 of stat: utime, stime (12 and 13 after comm)
		cpu=$(echo "$st" | awk -v t="$tck" '{ printf "%d", ($12 + $13) / t }')
		[ "$cpu" -ge "$limit" ] && kill -INT "$pid"
	done
	wait "$pid"
	echo "$cpu" > "$w/cpu"
}

running=0
for h in $harnesses; do
	[ -x "$bin/fuzz-$h" ] || { echo "campaign: $bin/fuzz-$h missing" >&2; exit 2; }
	one "$h" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait
		running=0
	fi
done
wait

status=0
for h in $harnesses; do
	f=$out/$h/fuzz.log
	last=$(grep -E '^#[0-9]+' "$f" | tail -1)
	n=$(ls "$out/$h/artifacts" | wc -l)
	[ "$n" -eq 0 ] || status=1
	printf '%s: %s CPU s, %s inputs, %s %s %s, peak RSS %s MB, findings %s\n' \
	    "$h" "$(cat "$out/$h/cpu")" \
	    "$(sed -n 's/^stat::number_of_executed_units: *//p' "$f")" \
	    "$(echo "$last" | grep -o 'cov: [0-9]*')" \
	    "$(echo "$last" | grep -o 'ft: [0-9]*')" \
	    "$(echo "$last" | grep -o 'corp: [0-9]*/[0-9A-Za-z]*')" \
	    "$(sed -n 's/^stat::peak_rss_mb: *//p' "$f")" "$n"
done
exit $status
