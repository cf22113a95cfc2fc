#!/bin/bash
# Side by side over one real Dovecot (tests/servers/servers.sh), same INBOX,
# same run: mbsync pulling the INBOX over IMAPS (the bare transfer), a
# straightforward Python script (tests/bench/naive.py) and `packetd run
# --once`. The INBOX is restored from one indexed snapshot before every run,
# so each contender meets the same warm folder. Scratch (local copies,
# databases, spools) goes on tmpfs (/dev/shm) and on disk (/var/tmp).
# Prints per contender the median wall time, its ratio to mbsync, the CPU
# time (user + sys, children included) and the peak RSS (/usr/bin/time -v). Not part of `make test`; run as root:
#   tests/bench/side_by_side.sh [MESSAGES [ROUNDS]]   (default 500 5)
# SCRATCH="/dev/shm /var/tmp" picks the scratch places; BEFORE=BINARY adds
# another packetd build (say, the previous release) as a fourth contender,
# with the config folder BEFORE_CONFIG (default: this tree's config/).
# SCAN_KIB=K and SCAN=pdf change the corpus (tests/bench/make_corpus.py: the
# packet's scan of K KiB, default 180, as a JPEG or inside a PDF): 60 makes
# messages of about 107 KB, 900 of 1.3 MB.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
N=${1:-500}
ROUNDS=${2:-5}
SCRATCH=${SCRATCH:-/dev/shm /var/tmp}
source "$TOP/tests/bench/imap_lib.sh"

echo "# corpus: $N messages"
python3 "$TOP/tests/bench/make_corpus.py" "$WORK/corpus" "$N" "${SCAN_KIB:-180}" "${SCAN:-jpg}" || exit 1
echo "# $(du -sk "$WORK/corpus/new" | cut -f1) KiB, $(( $(du -sk "$WORK/corpus/new" | cut -f1) / N )) KiB per message"
fill_inbox "$WORK"/corpus/new/* || exit 1

round() {  # DIR TAG
	local d=$1 tag=$2 got
	setup_scratch "$d"; restore
	timed "mbsync.$tag" mbsync -q -c "$d/mbsyncrc" pull
	got=$(find "$d/mbsync/INBOX" -type f -path '*/cur/*' -o -type f -path '*/new/*' | wc -l)
	[ "$got" = "$N" ] || echo "# mbsync took $got of $N" >&2
	restore
	timed "naive.$tag" python3 "$TOP/tests/bench/naive.py" 127.0.0.1 "$IMAPS_PORT" "$SRV/tls/ca.pem" "$USER_" \
		"$MAIL_PASS" "$d/naive"
	got=$(ls "$d/naive/outbox/new" | wc -l)
	[ "$got" = "$N" ] || echo "# the script answered $got of $N" >&2
	restore
	timed "packetd.$tag" env PACKETD_CONFIG="$d/pk/config/packetd.conf" "$PACKETD" run --once
	got=$(moved_count)
	[ "$got" = "$N" ] || echo "# packetd moved $got of $N" >&2
	got=$(ls "$d/pk/mailboxes/outbox/new" | wc -l)
	[ "$got" = "$N" ] || echo "# packetd answered $got of $N" >&2
	if [ "$tag" != shm ]; then
		# the same, with [packetd] scratch (fetched copies, work folders) on tmpfs
		PK_SCRATCH=$(mktemp -d /dev/shm/packetd-sbs-scratch.XXXXXX) setup_scratch "$d.scr"
		SCR+=("$(sed -n 's/^scratch = //p' "$d.scr/pk/config/packetd.conf")")
		restore
		timed "pk+shm.$tag" env PACKETD_CONFIG="$d.scr/pk/config/packetd.conf" "$PACKETD" run --once
		got=$(ls "$d.scr/pk/mailboxes/outbox/new" | wc -l)
		[ "$got" = "$N" ] || echo "# packetd (scratch on tmpfs) answered $got of $N" >&2
	fi
	if [ -n "${BEFORE:-}" ]; then
		# a folder of its own, as every contender's this round
		setup_scratch "$d.before" "${BEFORE_CONFIG:-}"; restore
		timed "before.$tag" env PACKETD_CONFIG="$d.before/pk/config/packetd.conf" "$BEFORE" run --once
	fi
}

for place in $SCRATCH; do
	tag=$(basename "$place")
	d=$(mktemp -d "$place/packetd-sbs.XXXXXX")
	SCR+=("$d")
	for r in $(seq 1 "$ROUNDS"); do
		echo "# $place round $r/$ROUNDS"
		# a fresh folder each round, all removed at the end: a mass delete just
		# before a run would make ext4 skip over the freed inodes at every create
		# (without a journal it avoids reusing them for a minute or more)
		round "$d/s$r" "$tag"
	done
	m=$(median "$WORK/mbsync.$tag.times" 1)
	echo "scratch $place ($N messages, $ROUNDS rounds, medians):"
	printf '  %-8s %8s %9s %10s %10s %14s\n' contender wall "× mbsync" "CPU" "peak RSS" "runs (s)"
	for c in mbsync naive packetd $([ "$tag" != shm ] && echo pk+shm) ${BEFORE:+before}; do
		w=$(median "$WORK/$c.$tag.times" 1)
		rss=$(median "$WORK/$c.$tag.times" 2)
		cpu=$(median "$WORK/$c.$tag.times" 3)
		printf '  %-8s %7.2fs %9.2f %9.2fs %7.1f MiB   %s\n' "$c" "$(echo "$w/1000" | bc -l)" "$(echo "$w/$m" | bc -l)" \
			"$(echo "$cpu/1000" | bc -l)" "$(echo "$rss/1024" | bc -l)" \
			"$(awk '{printf "%.2f ", $1/1000}' "$WORK/$c.$tag.times")"
	done
	# within a round the contenders meet the same machine: a run that slows
	# down from round to round moves these less than the medians' ratio
	for c in packetd $([ "$tag" != shm ] && echo pk+shm) ${BEFORE:+before}; do
		paste -d ' ' "$WORK/$c.$tag.times" "$WORK/mbsync.$tag.times" | awk '{printf "%.2f\n", $1 / $4}' >"$WORK/ratios"
		printf '  %s ÷ mbsync round by round: %s(median %s)\n' "$c" "$(tr '\n' ' ' <"$WORK/ratios")" \
			"$(sort -n "$WORK/ratios" | awk '{a[NR] = $1} END {printf "%.2f", NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}')"
	done
	w=$(median "$WORK/packetd.$tag.times" 1)
	printf '  the script takes %.2f× packetd'"'"'s time\n' "$(echo "$(median "$WORK/naive.$tag.times" 1)/$w" | bc -l)"
	if [ "$tag" != shm ]; then
		w=$(median "$WORK/pk+shm.$tag.times" 1)
		printf '  the script takes %.2f× the time of packetd with scratch on tmpfs\n' \
			"$(echo "$(median "$WORK/naive.$tag.times" 1)/$w" | bc -l)"
	fi
done
