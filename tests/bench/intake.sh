#!/bin/bash
# Intake benchmark (not part of `make test`): N distinct applicants' emails,
# each a complete 16-document packet, through one `packetd run --once` on a
# throw-away embedded default; then `packetd validate` of one packet, many
# times. Prints wall time, throughput and peak RSS (/usr/bin/time -v).
# Usage: tests/bench/intake.sh [N] (default 200); build first with `make`.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
n=${1:-200}
packetd="$top/build/packetd"
work=$(mktemp -d /tmp/packetd-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp -r "$top/config" "$work/config"
mkdir -p "$work/spool/drop" "$work/mailboxes/inbox/cur" "$work/mailboxes/inbox/tmp"
python3 "$top/tests/bench/make_mail.py" "$work/mailboxes/inbox" "$n"
size=$(du -sh "$work/mailboxes/inbox" | cut -f1)
echo "run --once over $n messages ($size):"
/usr/bin/time -v "$packetd" -c "$work/config/packetd.conf" run --once >"$work/out" 2>"$work/time"
secs=$(awk -F': ' '/Elapsed \(wall clock\)/{print $2}' "$work/time")
rss=$(awk -F': ' '/Maximum resident set size/{print $2}' "$work/time")
tail -n 1 "$work/out"
echo "  wall $secs, peak RSS ${rss} KB"
python3 - "$secs" "$n" <<'PY'
import sys
t = sys.argv[1].split(":")
s = float(t[-1]) + 60 * float(t[-2]) + (3600 * float(t[-3]) if len(t) > 2 else 0)
print("  %.1f messages/s, %.1f ms per message" % (int(sys.argv[2]) / s, 1000 * s / int(sys.argv[2])))
PY
echo "validate of samples/packets/ceng-complete.zip, 50 times:"
start=$(date +%s.%N)
for i in $(seq 50); do "$packetd" validate "$top/samples/packets/ceng-complete.zip" >/dev/null; done
end=$(date +%s.%N)
python3 -c "print('  %.1f ms per validate' % ((${end} - ${start}) * 1000 / 50))"
/usr/bin/time -v "$packetd" validate "$top/samples/packets/ceng-complete.zip" >/dev/null 2>"$work/time" || true
echo "  peak RSS $(awk -F': ' '/Maximum resident set size/{print $2}' "$work/time") KB"
