#!/bin/bash
# Measure how much slower each core of this machine runs when all of them
# are busy (capsim's app.core_slowdown): the same CPU-bound work, once alone
# and as one copy per core at the same time, on an otherwise idle machine.
# The work is the app's own kind: JavaScript building and parsing JSON in
# Node.js (one event loop, as lab2/app/server.js), and PostgreSQL-like
# C work (sha256 of a buffer, openssl speed) as a second opinion.
#
#   lab2/slowdown.sh [ROUNDS]   # prints CPU seconds per copy and s
set -eu
rounds=${1:-5}
cores=$(nproc)
js='let t=0;for(let i=0;i<400000;i++){const o={id:i,name:"product "+i,tags:["a","b","c"],price:i*1.5};t+=JSON.parse(JSON.stringify(o)).id}console.log(t)'
cpu_of() { # command... -> user+sys CPU seconds of it
	/usr/bin/time -f "%U %S" "$@" 2>&1 >/dev/null | tail -1 | awk '{print $1 + $2}'
}
one() { cpu_of node -e "$js"; }
echo "cores: $cores; rounds: $rounds; work: node JSON build+parse x 400000"
alone=() together=()
for r in $(seq "$rounds"); do
	alone+=("$(one)")
	tmp=$(mktemp -d)
	for c in $(seq "$cores"); do (one > "$tmp/$c") & done
	wait
	for c in $(seq "$cores"); do together+=("$(cat "$tmp/$c")"); done
	rm -rf "$tmp"
done
printf '%s\n' "${alone[@]}" | sort -n > /tmp/slowdown.alone.$$
printf '%s\n' "${together[@]}" | sort -n > /tmp/slowdown.together.$$
med() { awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}' "$1"; }
a=$(med /tmp/slowdown.alone.$$) b=$(med /tmp/slowdown.together.$$)
echo "alone:    $(tr '\n' ' ' < /tmp/slowdown.alone.$$)(median $a CPU s)"
echo "together: $(tr '\n' ' ' < /tmp/slowdown.together.$$)(median $b CPU s)"
awk -v a="$a" -v b="$b" 'BEGIN {printf "core_slowdown s = %.3f (CPU per copy together / alone - 1)\n", b / a - 1}'
rm -f /tmp/slowdown.alone.$$ /tmp/slowdown.together.$$
