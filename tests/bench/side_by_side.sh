#!/bin/bash
# Side by side over one real Dovecot (tests/servers/servers.sh), same INBOX,
# same run: mbsync pulling the INBOX over IMAPS (the bare transfer), a
# straightforward Python script (tests/bench/naive.py) and `packetd run
# --once`. The INBOX is restored from one indexed snapshot before every run,
# so each contender meets the same warm folder. Scratch (local copies,
# databases, spools) goes on tmpfs (/dev/shm) and on disk (/var/tmp).
# Prints per contender the median wall time, its ratio to mbsync and the
# peak RSS (/usr/bin/time -v). Not part of `make test`; run as root:
#   tests/bench/side_by_side.sh [MESSAGES [ROUNDS]]   (default 500 5)
# SCRATCH="/dev/shm /var/tmp" picks the scratch places; BEFORE=BINARY adds
# another packetd build (say, the previous release) as a fourth contender,
# with the config folder BEFORE_CONFIG (default: this tree's config/).
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
: "${PACKETD:=$TOP/build/packetd}"
N=${1:-500}
ROUNDS=${2:-5}
SCRATCH=${SCRATCH:-/dev/shm /var/tmp}
export PACKETD PACKETD_TOP=$TOP
source "$TOP/tests/servers/servers.sh"
servers_start || exit 1
WORK=$(mktemp -d /tmp/packetd-sbs.XXXXXX)
SCR=()
cleanup() { servers_stop; rm -rf "$WORK" "${SCR[@]}"; }
trap cleanup EXIT
USER_=rra@cmes.example
MD=$SRV/mail/$USER_/Maildir

echo "# corpus: $N messages"
python3 "$TOP/tests/bench/make_corpus.py" "$WORK/corpus" "$N" || exit 1
echo "# $(du -sk "$WORK/corpus/new" | cut -f1) KiB, $(( $(du -sk "$WORK/corpus/new" | cut -f1) / N )) KiB per message"
srv_count "$USER_" INBOX >/dev/null   # creates the Maildir
for f in "$WORK"/corpus/new/*; do
	install -o "$VMAIL_USER" -g "$VMAIL_USER" -m 600 "$f" "$MD/new/"
done
[ "$(srv_count "$USER_" INBOX)" = "$N" ] || { echo "INBOX not filled" >&2; exit 1; }
cp -a "$MD" "$WORK/snapshot"   # indexed by the count above
restore() {
	rm -rf "$MD"
	cp -a "$WORK/snapshot" "$MD"
}

# RUN NAME DIR CMD... : runs CMD, appends "wall_seconds peak_kb" to $WORK/NAME
timed() {
	local name=$1; shift
	local t0 t1
	t0=$(date +%s%N)
	/usr/bin/time -v -o "$WORK/time.txt" "$@" >"$WORK/$name.out" 2>&1
	local rc=$?
	t1=$(date +%s%N)
	[ $rc = 0 ] || { echo "# $name failed ($rc):" >&2; tail -5 "$WORK/$name.out" >&2; }
	echo "$(( (t1 - t0) / 1000000 )) $(sed -n 's/.*Maximum resident set size (kbytes): //p' "$WORK/time.txt")" \
		>>"$WORK/$name.times"
}

setup_scratch() {  # DIR [CONFIG]
	local d=$1 cf=${2:-$TOP/config}
	rm -rf "$d"; mkdir -p "$d/mbsync" "$d/naive" "$d/pk/spool" "$d/pk/mailboxes/outbox" "$d/pk/config/secrets"
	cp -r "$cf/requirements.ini" "$cf/findings.ini" "$cf/templates" "$d/pk/config/"
	printf '%s\n' "$MAIL_PASS" >"$d/pk/config/secrets/imap.pass"
	chmod 600 "$d/pk/config/secrets/imap.pass"
	cat >"$d/pk/config/packetd.conf" <<CONF
[packetd]
spool = ../spool
database = ../spool/packetd.db
rules = requirements.ini
templates = templates
intake_address = $USER_
[source.applicants]
type = imap
url = imaps://127.0.0.1:$IMAPS_PORT/INBOX
user = $USER_
password_file = secrets/imap.pass
ca_file = $SRV/tls/ca.pem
processed = Processed
rejected = Rejected
[outbox]
maildir = ../mailboxes/outbox
CONF
	cat >"$d/mbsyncrc" <<CONF
IMAPAccount bench
Host localhost
Port $IMAPS_PORT
User $USER_
Pass $MAIL_PASS
SSLType IMAPS
CertificateFile $SRV/tls/ca.pem

IMAPStore remote
Account bench

MaildirStore local
Path $d/mbsync/
Inbox $d/mbsync/INBOX

Channel pull
Far :remote:
Near :local:
Patterns INBOX
Create Near
Sync Pull
SyncState *
CONF
}

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
	got=$(( $(find "$MD/.Processed" "$MD/.Rejected" -type f \( -path "*/cur/*" -o -path "*/new/*" \) 2>/dev/null | wc -l) ))
	[ "$got" = "$N" ] || echo "# packetd moved $got of $N" >&2
	got=$(ls "$d/pk/mailboxes/outbox/new" | wc -l)
	[ "$got" = "$N" ] || echo "# packetd answered $got of $N" >&2
	if [ -n "${BEFORE:-}" ]; then
		setup_scratch "$d" "${BEFORE_CONFIG:-}"; restore
		timed "before.$tag" env PACKETD_CONFIG="$d/pk/config/packetd.conf" "$BEFORE" run --once
	fi
}

median() {  # FILE COLUMN
	awk -v c="$2" '{print $c}' "$1" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'
}

for place in $SCRATCH; do
	tag=$(basename "$place")
	d=$(mktemp -d "$place/packetd-sbs.XXXXXX")
	SCR+=("$d")
	for r in $(seq 1 "$ROUNDS"); do
		echo "# $place round $r/$ROUNDS"
		round "$d/s" "$tag"
	done
	m=$(median "$WORK/mbsync.$tag.times" 1)
	echo "scratch $place ($N messages, $ROUNDS rounds, medians):"
	printf '  %-8s %8s %9s %10s %14s\n' contender wall "× mbsync" "peak RSS" "runs (s)"
	for c in mbsync naive packetd ${BEFORE:+before}; do
		w=$(median "$WORK/$c.$tag.times" 1)
		rss=$(median "$WORK/$c.$tag.times" 2)
		printf '  %-8s %7.2fs %9.2f %7.1f MiB   %s\n' "$c" "$(echo "$w/1000" | bc -l)" "$(echo "$w/$m" | bc -l)" \
			"$(echo "$rss/1024" | bc -l)" "$(awk '{printf "%.2f ", $1/1000}' "$WORK/$c.$tag.times")"
	done
	w=$(median "$WORK/packetd.$tag.times" 1)
	printf '  the script takes %.2f× packetd'"'"'s time\n' "$(echo "$(median "$WORK/naive.$tag.times" 1)/$w" | bc -l)"
done
