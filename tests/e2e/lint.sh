#!/bin/bash
# cppcheck and clang-tidy in their fast form (no static analyzer; `make
# lint` and CI run the full one). Skipped in the sanitizer pass.
source "$(dirname "$0")/../lib.sh"
if [ -n "${PACKETD_SANITIZED:-}" ]; then
	echo "ok 1 # skip sanitizer pass"
	exit 0
fi
"$PACKETD_TOP/tests/lint/lint.sh" --fast
