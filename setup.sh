#!/bin/sh
# One-step set-up for a fresh Debian 12 machine (run as root, or with sudo
# available).  Installs what is missing, builds, then:
#   ./setup.sh run    runs `capsim run scenarios/500u.yaml`
#   ./setup.sh test   runs the whole test suite (unit, validation, cli)
#   ./setup.sh build  only builds
set -eu
cd "$(dirname "$0")"

pkgs="gcc libc6-dev pkg-config meson ninja-build libgsl-dev libyaml-dev
      libcjson-dev check libsubunit-dev valgrind python3 python3-simpy
      parallel gnuplot-nox"
# the test suite also renders capsim report's HTML in a headless browser
[ "${1:-run}" = test ] && pkgs="$pkgs chromium"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "setup: installing:$missing" >&2
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi

[ -d build ] || meson setup build --buildtype=debugoptimized >/dev/null
ninja -C build >/dev/null

case "${1:-run}" in
run)
	shift 2>/dev/null || true
	exec ./build/cli/capsim run scenarios/500u.yaml "$@"
	;;
test)
	status=0
	meson test -C build --print-errorlogs --num-processes 2 || status=$?
	# one closing line that any CI reader understands
	/usr/bin/python3 - build/meson-logs/testlog.json <<'PY'
import json, sys
ok = bad = skip = 0
for line in open(sys.argv[1]):
    r = json.loads(line)["result"]
    if r in ("OK", "EXPECTEDFAIL"): ok += 1
    elif r == "SKIP": skip += 1
    else: bad += 1
print(f"{ok} passed, {bad} failed, {skip} skipped")
PY
	exit $status
	;;
build)
	;;
*)
	echo "usage: ./setup.sh [run|test|build]" >&2
	exit 2
	;;
esac
