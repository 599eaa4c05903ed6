#!/bin/sh
# Run Debian's JMeter 2.13 through Lab2JMeter (see Lab2JMeter.java for why);
# compiles the launcher into $LAB2_JMETER_BUILD (default: a temp dir) first.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
JH=/usr/share/jmeter
CP="$JH/bin/ApacheJMeter.jar:$(ls "$JH"/lib/ext/*.jar "$JH"/lib/*.jar | tr '\n' ':')/usr/share/java/xstream.jar"
OUTD=${LAB2_JMETER_BUILD:-${TMPDIR:-/tmp}/lab2-jmeter-launcher}
mkdir -p "$OUTD"
if [ ! -f "$OUTD/Lab2JMeter.class" ] || [ "$HERE/Lab2JMeter.java" -nt "$OUTD/Lab2JMeter.class" ]; then
  javac -nowarn -cp "$CP" -d "$OUTD" "$HERE/Lab2JMeter.java"
fi
exec java ${LAB2_JVM_ARGS:--Xms256m -Xmx512m} -Djmeter.home="$JH" -cp "$OUTD:$CP" Lab2JMeter "$@"
