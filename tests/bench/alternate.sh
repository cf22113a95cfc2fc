#!/bin/bash
# Two or more packetd builds in alternating runs over one real Dovecot
# (tests/servers/servers.sh), the same INBOX restored before every run:
# each round runs every build once, in the order given, so that a slow
# moment of the machine falls on all of them. For a change too small for
# side_by_side.sh, whose contenders keep their places in each round.
# Prints each build's runs, median wall and median CPU (user + sys, the
# sandbox's processes included), and per round the difference of each
# build from the first. Not part of `make test`; run as root:
#   tests/bench/alternate.sh MESSAGES ROUNDS BUILD BUILD...
# SCRATCH=/var/tmp puts the installations on disk (default /dev/shm);
# giving the builds in the other order checks that their place does not
# decide. SCAN_KIB and SCAN pick the corpus, as for side_by_side.sh.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -ge 4 ] || { echo "usage: $0 MESSAGES ROUNDS BUILD BUILD..." >&2; exit 2; }
N=$1 ROUNDS=$2
shift 2
SCRATCH=${SCRATCH:-/dev/shm}
source "$TOP/tests/bench/imap_lib.sh"

python3 "$TOP/tests/bench/make_corpus.py" "$WORK/corpus" "$N" "${SCAN_KIB:-180}" "${SCAN:-jpg}" >/dev/null || exit 1
fill_inbox "$WORK"/corpus/new/* || exit 1
for r in $(seq 1 "$ROUNDS"); do
	i=0
	for b in "$@"; do
		i=$((i + 1))
		d=$(mktemp -d "$SCRATCH/pk-alt.XXXXXX")
		SCR+=("$d")
		setup_scratch "$d"
		restore
		timed "b$i" env PACKETD_CONFIG="$d/pk/config/packetd.conf" "$b" run --once
		rm -rf "$d"
		sync
	done
done
i=0
for b in "$@"; do
	i=$((i + 1))
	echo "$b: wall $(awk '{printf "%.2f ", $1 / 1000}' "$WORK/b$i.times")median $(median "$WORK/b$i.times" 1) ms," \
		"CPU median $(median "$WORK/b$i.times" 3) ms"
done
python3 - "$WORK" "$#" <<'PY'
import sys, statistics
work, n = sys.argv[1], int(sys.argv[2])
t = [[int(l.split()[0]) for l in open(f"{work}/b{i}.times")] for i in range(1, n + 1)]
for i in range(1, n):
    d = [b - a for a, b in zip(t[0], t[i])]
    sd = statistics.stdev(d) if len(d) > 1 else 0
    print(f"build {i + 1} - build 1, per round (ms): {d}; mean {statistics.mean(d):.0f}, sd {sd:.0f}")
PY
