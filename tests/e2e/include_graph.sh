#!/bin/bash
# No two modules of src/ import each other, directly or through others
# (tests/lint/include_graph.py; README "Layout"). The checker is first shown
# to find a loop in a synthetic tree, so a pass below means something.
source "$(dirname "$0")/../lib.sh"
ok "include graph: a synthetic loop is found, a module with its private header is not" \
	python3 "$PACKETD_TOP/tests/lint/include_graph.py" --self-test
tap_n=$((tap_n + 1))
if out=$(python3 "$PACKETD_TOP/tests/lint/include_graph.py" "$PACKETD_TOP/src" 2>&1); then
	echo "ok $tap_n - include graph of src/ has no loop between modules"
else
	echo "not ok $tap_n - include graph of src/ has no loop between modules"
	sed 's/^/#   /' <<<"$out"
fi
