#!/bin/bash
# A few seconds of each libFuzzer target (tests/fuzz/, built by `make
# fuzz-build` into BUILD-fuzz beside the packetd under test). The long run
# is `make fuzz`. Skipped in the sanitizer pass of the suite (the fuzzers
# are sanitized builds already) and where the fuzzers were not built.
source "$(dirname "$0")/../lib.sh"
fuzz_build="$(dirname "$PACKETD")-fuzz"
if [ -n "${PACKETD_SANITIZED:-}" ] || ! ls "$fuzz_build"/fuzz_* >/dev/null 2>&1; then
	echo "ok 1 # skip fuzzers not built or sanitizer pass"
	exit 0
fi
targets=$(cd "$fuzz_build" && ls fuzz_* | grep -v '\.d$')
FUZZ_SECONDS=${FUZZ_SMOKE_SECONDS:-4} "$PACKETD_TOP/tests/fuzz/run.sh" "$fuzz_build" $targets
