#!/bin/bash
# Runs every test: the cmocka unit binaries (TAP output) and the end-to-end
# scripts under tests/e2e (TAP lines from tests/lib.sh). Prints each result,
# then one closing line "N passed, N failed".
set -u
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
case $build in /*) ;; *) build="$top/$build" ;; esac   # a build folder anywhere
export PACKETD="$build/packetd" PACKETD_TOP="$top"
passed=0 failed=0
log=$(mktemp -d /tmp/packetd-tests.XXXXXX)

count() {  # name file rc
	local p f
	p=$(grep -cE '^ok ' "$2")
	f=$(grep -cE '^not ok ' "$2")
	grep -E '^not ok ' "$2" | sed "s|^|$1: |"
	if [ "$3" != 0 ] && [ "$f" = 0 ]; then
		echo "$1: exited with status $3"; sed 's/^/    /' "$2" | tail -n 20
		f=1
	fi
	passed=$((passed + p)); failed=$((failed + f))
	echo "$1: $p passed, $f failed"
}

for t in "$build"/tests/test_*; do
	[ -x "$t" ] || continue
	n=$(basename "$t")
	if [ -n "${PACKETD_VALGRIND:-}" ]; then
		CMOCKA_MESSAGE_OUTPUT=TAP valgrind -q --error-exitcode=99 --leak-check=full "$t" >"$log/$n" 2>&1
	else
		CMOCKA_MESSAGE_OUTPUT=TAP "$t" >"$log/$n" 2>&1
	fi
	count "$n" "$log/$n" $?
done

for t in tests/e2e/*.sh; do
	[ -f "$t" ] || continue
	n=$(basename "$t" .sh)
	bash "$t" >"$log/$n" 2>&1
	count "$n" "$log/$n" $?
done

rm -rf "$log"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
