#!/bin/bash
# Peak RSS of `packetd run --once` (/usr/bin/time -v: the process and the
# sandboxed children it waited for), one cycle per case, through the IMAP
# source (the test Dovecot over IMAPS, tests/servers/servers.sh) and through
# the Maildir source (the embedded default), beside mbsync's peak RSS for
# the same IMAP pull. Cases: 50 and 500 messages of about 270 KiB (a zipped
# 12-member packet with a 180 KiB scan, tests/bench/make_corpus.py), and one
# message of 100 KB, 5 MB and 50 MB (the same packet with a bigger scan,
# at 50 MB also as a PDF), and one of 70 MB, over max_message (50M),
# refused by its size. Target (issue 9): every packetd figure under 32 MiB.
# Not part of `make test`; run as root:  tests/bench/memory.sh        (SCRATCH=/var/tmp for disk)
# BEFORE=BINARY adds another packetd build's peak RSS beside each case.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SCRATCH=${SCRATCH:-/dev/shm}
LIMIT_KB=$((32 * 1024))
source "$TOP/tests/bench/imap_lib.sh"
S=$(mktemp -d "$SCRATCH/packetd-mem.XXXXXX")
SCR+=("$S")

corpus() {  # NAME N SCAN_KIB [jpg|pdf]
	python3 "$TOP/tests/bench/make_corpus.py" "$WORK/$1" "$2" "$3" "${4:-jpg}" >/dev/null || exit 1
}
echo "# building the corpora"
corpus c500 500 180
mkdir -p "$WORK/c50/new"
for f in $(ls "$WORK"/c500/new/* | head -n 50); do cp "$f" "$WORK/c50/new/"; done
corpus s100k 1 60
corpus s5m 1 3600
corpus s50m 1 36000
corpus s50p 1 36000 pdf
corpus s68m 1 50000

size_of() {  # CORPUS → "270 KiB" per message
	local n b
	n=$(ls "$WORK/$1/new" | wc -l)
	b=$(( $(cat "$WORK/$1"/new/* | wc -c) / n ))
	if [ "$b" -ge 1048576 ]; then
		echo "$(echo "$b/1000000" | bc -l | xargs printf '%.1f') MB"
	else
		echo "$((b / 1024)) KiB"
	fi
}

# CORPUS → the last lines of $WORK/{imap,mbsync,maildir}.CORPUS.times
run_case() {
	local c=$1 n got b tag
	n=$(ls "$WORK/$c/new" | wc -l)
	echo "# $c: $n × $(size_of "$c")"
	fill_inbox "$WORK/$c"/new/* || exit 1
	setup_scratch "$S/imap"
	timed "mbsync.$c" mbsync -q -c "$S/imap/mbsyncrc" pull
	for b in "$PACKETD" ${BEFORE:+"$BEFORE"}; do
		tag=$([ "$b" = "$PACKETD" ] && echo now || echo before)
		restore
		setup_scratch "$S/imap"
		timed "imap.$c.$tag" env PACKETD_CONFIG="$S/imap/pk/config/packetd.conf" "$b" run --once
		got=$(moved_count)
		[ "$got" = "$n" ] || echo "# IMAP: packetd ($tag) moved $got of $n" >&2
		rm -rf "$S/md"; mkdir -p "$S/md"
		cp -r "$TOP/config" "$S/md/config"
		mkdir -p "$S/md/spool/drop" "$S/md/mailboxes/inbox/new" "$S/md/mailboxes/inbox/cur" \
			"$S/md/mailboxes/inbox/tmp"
		cp "$WORK/$c"/new/* "$S/md/mailboxes/inbox/new/"
		timed "maildir.$c.$tag" env PACKETD_CONFIG="$S/md/config/packetd.conf" "$b" run --once
		got=$(find "$S/md/mailboxes/processed" "$S/md/mailboxes/rejected" -type f 2>/dev/null | wc -l)
		[ "$got" = "$n" ] || echo "# Maildir: packetd ($tag) moved $got of $n" >&2
		rm -rf "$S/imap" "$S/md"
	done
}

CASES="c50 c500 s100k s5m s50m s50p s68m"
for c in $CASES; do run_case "$c"; done

note() {  # CASE → what sets it apart
	case $1 in s50p) echo ", the scan a PDF" ;; s68m) echo ", over max_message" ;; esac
}
mib() { echo "$1/1024" | bc -l | xargs printf '%.1f'; }
over=0
printf '\n| source | messages | size each | packetd peak RSS | wall |%s mbsync peak RSS (same pull) |\n' \
	"${BEFORE:+ before: peak RSS |}"
printf '| --- | --- | --- | --- | --- |%s --- |\n' "${BEFORE:+ --- |}"
for src in imap maildir; do
	for c in $CASES; do
		read -r ms kb _ <"$WORK/$src.$c.now.times"
		read -r _ mkb _ <"$WORK/mbsync.$c.times"
		bkb=
		[ -z "${BEFORE:-}" ] || { read -r _ bkb _ <"$WORK/$src.$c.before.times"; bkb=" $(mib "$bkb") MiB |"; }
		[ "$kb" -lt "$LIMIT_KB" ] || over=$((over + 1))
		printf '| %s | %s | %s | %s MiB | %.1f s |%s %s |\n' "$([ $src = imap ] && echo IMAPS || echo Maildir)" \
			"$(ls "$WORK/$c/new" | wc -l)" "$(size_of "$c")$(note "$c")" \
			"$(mib "$kb")" "$(echo "$ms/1000" | bc -l)" "$bkb" \
			"$([ $src = imap ] && echo "$(mib "$mkb") MiB" || echo -)"
	done
done
if [ "$over" = 0 ]; then
	echo "every case under 32 MiB"
else
	echo "$over case(s) at or over 32 MiB"
fi
