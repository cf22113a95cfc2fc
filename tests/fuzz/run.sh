#!/bin/bash
# Runs libFuzzer targets: tests/fuzz/run.sh FUZZ_BUILD TARGET...
# Seeds each corpus from samples/ and the test data, runs each target for
# FUZZ_SECONDS (default 5), prints TAP and "N passed, N failed". A crash
# leaves its input in FUZZ_BUILD/crashes/TARGET/ (reproduce: the binary
# with that file as argument). FUZZ_KEEP=1 keeps the corpora in
# FUZZ_BUILD/corpus/TARGET across runs; otherwise a scratch folder is used.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$1
shift
secs=${FUZZ_SECONDS:-5}
cd "$top"
scratch=$(mktemp -d /tmp/packetd-fuzzrun.XXXXXX)
trap 'rm -rf "$scratch"' EXIT

# seed TARGET DIR: the starting inputs of each target.
seed() {
	local d=$2 z
	mkdir -p "$d"
	case $1 in
	fuzz_mime) cp samples/mail/*.eml tests/data/mime/* "$d/" 2>/dev/null ;;
	fuzz_unpack)
		cp samples/packets/*.zip samples/hostile/* tests/data/unpack/*.zip tests/data/unpack/*.tar.gz "$d/" 2>/dev/null
		ls tests/cases/*.zip | head -n 20 | xargs -I{} cp {} "$d/" ;;
	fuzz_manifest)
		for z in samples/packets/*.zip tests/cases/*.zip; do
			unzip -p "$z" manifest.ini >"$d/$(basename "$z" .zip).ini" 2>/dev/null
		done ;;
	fuzz_table)
		for z in samples/packets/*.zip; do
			unzip -Z1 "$z" 2>/dev/null | grep -aiE '\.(csv|xlsx)$' | head -n 4 | while IFS= read -r m; do
				unzip -p "$z" "$m" >"$d/$(basename "$z" .zip)-$(printf '%s' "$m" | md5sum | cut -c1-8)"
			done
		done ;;
	fuzz_pdf) cp tests/data/sniff/*.pdf "$d/" 2>/dev/null ;;
	fuzz_wire) printf 'PKW1' >"$d/magic" ;;
	fuzz_names)
		printf '申请表-中文-1.pdf' >"$d/utf8"
		printf '\xc9\xea\xc7\xeb\xb1\xed.pdf' >"$d/gbk"
		printf '=?GB2312?B?1cXOsA==?=.zip' >"$d/rfc2047"
		printf "GBK''%%D5%%C5%%CE%%B0.zip" >"$d/rfc2231"
		printf '\xef\xbb\xbfname,date\r\n' >"$d/bom" ;;
	esac
	find "$d" -type f -empty -delete
}

n=0 passed=0 failed=0
for t in "$@"; do
	n=$((n + 1))
	bin="$build/$t"
	if [ "${FUZZ_KEEP:-}" = 1 ]; then corpus="$build/corpus/$t"; else corpus="$scratch/corpus/$t"; fi
	[ -d "$corpus" ] || seed "$t" "$corpus"
	mkdir -p "$build/crashes/$t"
	log="$scratch/$t.log"
	# -rss_limit_mb: a bounded input must never need more; -timeout: nor hang.
	"$bin" -max_total_time="$secs" -rss_limit_mb=1024 -timeout=20 -print_final_stats=1 \
		-artifact_prefix="$build/crashes/$t/" "$corpus" >"$log" 2>&1
	rc=$?
	stats=$(grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb)' "$log" | awk '{printf "%s ", $2}')
	cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1)
	if [ "$rc" = 0 ]; then
		echo "ok $n - $t: ${secs}s, executions/peak MB: ${stats}${cov}"
		passed=$((passed + 1))
	else
		echo "not ok $n - $t: exit $rc (inputs in $build/crashes/$t/)"
		grep -E 'ERROR|SUMMARY|runtime error' "$log" | head -n 5 | sed 's/^/#   /'
		failed=$((failed + 1))
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" = 0 ]
