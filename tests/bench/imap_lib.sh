# tests/bench/imap_lib.sh — shared by the benchmarks that pull one INBOX of
# the test Dovecot (tests/servers/servers.sh): side_by_side.sh, memory.sh.
# Source it after setting TOP; it starts the servers and a work folder
# ($WORK, removed at exit with the scratch folders listed in SCR) and
# defines the helpers below. Run as root (the servers need it).
: "${PACKETD:=$TOP/build/packetd}"
export PACKETD PACKETD_TOP=$TOP
# the contenders beside packetd (mbsync: Debian's isync) and what measures them
sh "$TOP/tests/deps.sh" isync time python3 || exit 1
[ -x "$PACKETD" ] || { echo "$PACKETD: not built (make all)" >&2; exit 1; }
source "$TOP/tests/servers/servers.sh"
servers_start || exit 1
WORK=$(mktemp -d /tmp/packetd-bench.XXXXXX)
SCR=()
bench_cleanup() { servers_stop; rm -rf "$WORK" "${SCR[@]}"; }
trap bench_cleanup EXIT
USER_=rra@cmes.example
MD=$SRV/mail/$USER_/Maildir

# FILE... : the INBOX holds exactly these messages, indexed by Dovecot,
# and is kept as the snapshot that restore puts back.
fill_inbox() {
	local n=$#
	rm -rf "$MD"
	srv_count "$USER_" INBOX >/dev/null   # creates the Maildir afresh
	for f in "$@"; do
		install -o "$VMAIL_USER" -g "$VMAIL_USER" -m 600 "$f" "$MD/new/"
	done
	[ "$(srv_count "$USER_" INBOX)" = "$n" ] || { echo "INBOX not filled" >&2; return 1; }
	rm -rf "$WORK/snapshot"
	cp -a "$MD" "$WORK/snapshot"
}

restore() {
	rm -rf "$MD"
	cp -a "$WORK/snapshot" "$MD"
	# the copy's writeback is the setup's, not the next contender's: left
	# dirty, it lands in the first syncfs (packetd) or fsync after it
	sync
}

# NAME CMD... : runs CMD, appends "wall_ms peak_kb" to $WORK/NAME.times
timed() {
	local name=$1; shift
	local t0 t1
	t0=$(date +%s%N)
	/usr/bin/time -v -o "$WORK/time.txt" "$@" >"$WORK/$name.out" 2>&1
	local rc=$?
	t1=$(date +%s%N)
	[ $rc = 0 ] || { echo "# $name failed ($rc):" >&2; tail -5 "$WORK/$name.out" >&2; }
	# wall ms, peak RSS KiB, CPU ms (user + sys, the waited-for children included)
	echo "$(( (t1 - t0) / 1000000 )) $(sed -n 's/.*Maximum resident set size (kbytes): //p' "$WORK/time.txt")" \
		"$(awk -F': ' '/User time \(seconds\)/{u=$2} /System time \(seconds\)/{s=$2} END{printf "%d", (u+s)*1000}' \
			"$WORK/time.txt")" >>"$WORK/$name.times"
}

# DIR [CONFIG [LIMITS]] : DIR/pk holds a packetd installation taking the
# INBOX over IMAPS (rules and templates from CONFIG, default this tree's
# config/; LIMITS: lines for its [limits] section), DIR/mbsyncrc pulls the
# INBOX into DIR/mbsync.
setup_scratch() {
	local d=$1 cf=${2:-$TOP/config}
	[ -n "$cf" ] || cf=$TOP/config
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
${PK_SCRATCH:+scratch = $PK_SCRATCH}
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
[limits]
${3:-}
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

# Messages packetd moved out of the INBOX (to Processed or Rejected).
moved_count() {
	find "$MD/.Processed" "$MD/.Rejected" -type f \( -path "*/cur/*" -o -path "*/new/*" \) 2>/dev/null | wc -l
}

median() {  # FILE COLUMN
	awk -v c="$2" '{print $c}' "$1" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'
}
