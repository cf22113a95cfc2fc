#!/bin/bash
# Soak: randomized kill-under-load, longer than `make test` allows.
#   tests/faults/soak.sh PACKETD   (or `make soak`; SOAK_ROUNDS, SOAK_SEED)
# Each round makes a fresh installation with every sample message, the
# provincial batch and a handful of hostile archives by mail, then either
# (a) crashes `run --once` at random fault points (src/fault.h) several
#     times in a row, or
# (b) runs the daemon and SIGKILLs it at random moments, several times,
# and finally lets one clean run finish. The result must equal a run
# without any crash (tests/faults/state.py) and be consistent. Prints TAP
# and "N passed, N failed". Bounded: SOAK_ROUNDS rounds (default 30).
set -u
PACKETD=${1:?usage: soak.sh PACKETD}
case $PACKETD in /*) ;; *) PACKETD="$PWD/$PACKETD" ;; esac
export PACKETD
PACKETD_TOP=$(cd "$(dirname "$0")/../.." && pwd)
export PACKETD_TOP
source "$PACKETD_TOP/tests/lib.sh"
S="$PACKETD_TOP/samples"
STATE="$PACKETD_TOP/tests/faults/state.py"
rounds=${SOAK_ROUNDS:-30}
RANDOM=${SOAK_SEED:-$$}
echo "# seed ${SOAK_SEED:-$$}, $rounds rounds"
stages=(fetched unpack commit receipt committed move delivered maildir-tmp)
works=()
trap 'for p in $(jobs -p); do kill -9 "$p" 2>/dev/null; done; rm -rf "${works[@]}"' EXIT

setup() {
	fresh_install
	trap 'for p in $(jobs -p); do kill -9 "$p" 2>/dev/null; done; rm -rf "${works[@]}"' EXIT
	works+=("$WORK")
	sed -i 's/^poll_interval = 60 /poll_interval = 1  /' "$WORK/config/packetd.conf"
	for f in "$S"/mail/*.eml; do deliver "$f" "$(basename "$f" .eml)"; done
	cp "$S/batches/jiangsu-2026-11.zip" "$WORK/spool/drop/"
	touch -d '1 minute ago' "$WORK/spool/drop/jiangsu-2026-11.zip"
}

setup
"$PACKETD" run --once >/dev/null 2>&1
ref_work=$WORK
declare -A how
for ((r = 1; r <= rounds; r++)); do
	setup
	if ((RANDOM % 2)); then
		plan=""
		for ((k = 0; k < 1 + RANDOM % 4; k++)); do
			st="${stages[RANDOM % ${#stages[@]}]}:$((1 + RANDOM % 12))"
			plan="$plan $st"
			(PACKETD_FAULT=$st "$PACKETD" run --once >/dev/null 2>>"$WORK/runs.log"; exit $?) 2>/dev/null
		done
		how[$WORK]="fault points:$plan"
	else
		plan=""
		for ((k = 0; k < 1 + RANDOM % 5; k++)); do
			"$PACKETD" run >/dev/null 2>>"$WORK/runs.log" &
			pid=$!
			t=$(printf '0.%02d' $((5 + RANDOM % 90)))
			sleep "$t"
			kill -9 "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
			plan="$plan ${t}s"
		done
		how[$WORK]="daemon killed after:$plan"
	fi
	"$PACKETD" run --once >/dev/null 2>>"$WORK/runs.log"
done
python3 "$STATE" "${works[@]}"
ref=$(grep -v '^BAD ' "$ref_work/state.txt")
n=0 passed=0 failed=0
for w in "${works[@]}"; do
	[ "$w" = "$ref_work" ] && continue
	n=$((n + 1))
	bad=$(grep '^BAD ' "$w/state.txt")
	diff=$(diff <(echo "$ref") <(grep -v '^BAD ' "$w/state.txt"))
	if [ -z "$bad$diff" ]; then
		echo "ok $n - round $n (${how[$w]})"; passed=$((passed + 1))
	else
		echo "not ok $n - round $n (${how[$w]})"
		printf '%s\n%s\n' "$bad" "$diff" | sed 's/^/#   /' | head -n 20
		failed=$((failed + 1))
	fi
done
echo "soak: $passed passed, $failed failed"
[ "$failed" = 0 ]
