# Sourced by smoke.sh and campaign.sh: what each harness is run with.
# Needs $src (the source root) and $here (tests/fuzz).

# The seed corpus of each harness: directories read, never written (those
# that exist: libFuzzer stops at a missing one).
seeds() {
	for d in $(seed_dirs "$1"); do [ -d "$d" ] && echo "$d"; done
}
seed_dirs() {
	case $1 in
	scenario|sim) echo "$src/scenarios $src/tests/cli/good $src/tests/cli/bad" \
	               "$src/calibration/measurements $here/corpus/scenario" ;;
	import)   echo "$src/tests/data/import $src/calibration/measurements" \
	               "$here/corpus/import" ;;
	sweepio)  echo "$here/corpus/sweepio" ;;
	report)   echo "$here/corpus/sweepio $here/corpus/report" ;;
	*)        echo "$here/corpus/$1" ;;
	esac
}
# Inputs larger than this are cut by libFuzzer (the imported files to
# their first few hundred rows: each input is read ten times, and at 64 KB
# the importers ran at some 25 inputs a second).
maxlen() {
	case $1 in
	import|scenario|sim|sweepio|report) echo 16384 ;;
	*) echo 1024 ;;
	esac
}
dict() {
	d=$1
	[ "$d" = sim ] && d=scenario  # the simulator reads scenarios too
	[ -f "$here/$d.dict" ] && echo "-dict=$here/$d.dict"
}

