#!/bin/bash
# The whole-life simulator (tests/sim/) for CI: a fixed set of seeds for a
# bounded number of steps, then every saved failing life of tests/sim/regress/
# replayed, all on $PACKETD (the ASan+UBSan build under `make test-asan`).
# sim.py prints one TAP line per life. `make simulate` runs it long.
source "$(dirname "$0")/../lib.sh"
sim="$PACKETD_TOP/tests/sim/sim.py"
save=$(mktemp -d /tmp/packetd-sim-ci.XXXXXX)
trap 'rm -rf "$save"' EXIT
python3 "$sim" --binary "$PACKETD" --seeds "${SIM_SEEDS:-101,102}" --steps "${SIM_STEPS:-18}" \
	--shrink-seconds 0 --save "$save"
python3 "$sim" --binary "$PACKETD" --replay "$PACKETD_TOP"/tests/sim/regress/*.json --save "$save"
exit 0
