#!/bin/bash
# Static analysis: cppcheck and clang-tidy (tests/lint/clang-tidy.yaml) over
# src/, mandoc over the man pages, and the include graph of src/
# (include_graph.py: no loop between modules). Prints TAP ("ok N - tool:
# file") and ends with the usual
# "N passed, N failed" line; exits non-zero when any file has a finding.
# Findings are fixed, or suppressed inline with the reason beside them
# (`// NOLINT(check)` / `// cppcheck-suppress id`). tests/lint/baseline.txt
# lists the few accepted elsewhere, as "file<TAB>check<TAB>reason".
# Files run two at a time (the machine has two cores).
# --fast leaves out clang's static analyzer (about 4 s a file here): `make
# test` runs that way, `make lint` and CI run everything.
set -u
extra=
[ "${1:-}" = --fast ] && extra=--checks=-clang-analyzer-*
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
out=$(mktemp -d /tmp/packetd-lint.XXXXXX)
trap 'rm -rf "$out"' EXIT
PKGS="libarchive sqlite3 inih jansson libxml-2.0 libcurl gnutls zlib"
CF="-std=c11 -D_GNU_SOURCE $(pkg-config --cflags $PKGS 2>/dev/null)"
export CF out extra

tidy_one() {
	local f=$1 log="$out/tidy.$(basename "$1").log"
	clang-tidy --quiet --config-file=tests/lint/clang-tidy.yaml $extra "$f" -- $CF >"$log" 2>&1
	echo $? >"$log.rc"
}
export -f tidy_one
ls src/*.c | xargs -P 2 -I{} bash -c 'tidy_one {}'
cppcheck --enable=warning,performance,portability --std=c11 --inline-suppr --quiet \
	--library=tests/lint/jansson.cfg \
	-D_GNU_SOURCE -I src --template='{file}:{line}:{column}: {severity}: {message} [{id}]' \
	src/ >"$out/cppcheck.log" 2>&1

# Drops the findings the baseline accepts (file and check both match).
accepted() {
	local log=$1
	if [ -s tests/lint/baseline.txt ]; then
		while IFS=$'\t' read -r file check _; do
			case $file in '#'* | '') continue ;; esac
			grep -v "$file:[0-9]*:[0-9]*: .*\[$check[],]" "$log" >"$log.f"
			mv "$log.f" "$log"
		done <tests/lint/baseline.txt
	fi
	grep -E ': (warning|error|style|performance|portability): ' "$log"
}
n=0 passed=0 failed=0
for f in src/*.c; do
	n=$((n + 1))
	findings=$(accepted "$out/tidy.$(basename "$f").log")
	if [ -z "$findings" ]; then
		echo "ok $n - clang-tidy: $f"; passed=$((passed + 1))
	else
		echo "not ok $n - clang-tidy: $f"; sed 's/^/#   /' <<<"$findings"; failed=$((failed + 1))
	fi
done
n=$((n + 1))
findings=$(accepted "$out/cppcheck.log")
if [ -z "$findings" ]; then
	echo "ok $n - cppcheck: src/"; passed=$((passed + 1))
else
	echo "not ok $n - cppcheck: src/"; sed 's/^/#   /' <<<"$findings"; failed=$((failed + 1))
fi
# The man pages beside the sources (mdoc), at mandoc's warning level.
for m in src/*.[0-9]; do
	n=$((n + 1))
	if findings=$(mandoc -Tlint -Wwarning "$m" 2>&1) && [ -z "$findings" ]; then
		echo "ok $n - mandoc: $m"; passed=$((passed + 1))
	else
		echo "not ok $n - mandoc: $m"; sed 's/^/#   /' <<<"$findings"; failed=$((failed + 1))
	fi
done
# No loop between modules in the include graph (README "Layout").
n=$((n + 1))
if findings=$(python3 tests/lint/include_graph.py src); then
	echo "ok $n - include graph: src/"; passed=$((passed + 1))
else
	echo "not ok $n - include graph: src/"; sed 's/^/#   /' <<<"$findings"; failed=$((failed + 1))
fi
echo "lint: $passed passed, $failed failed"
[ "$failed" = 0 ]
