#!/bin/bash
# Peak memory of `packetd run --once` taking one message from a real IMAP
# server (Dovecot, tests/servers/servers.sh): a 100 KB message against a
# 50 MB one. Each run has a fresh database and takes the one message left
# in the INBOX. The IMAP source streams in 256 KB partial FETCHes into the
# spool, so the peak RSS must not grow with message size. Not part of
# `make test`; run as root: PACKETD=build/packetd bash tests/bench/imap_rss.sh
set -u
: "${PACKETD:=$(cd "$(dirname "$0")/../.." && pwd)/build/packetd}"
TOP=$(cd "$(dirname "$0")/../.." && pwd)
export PACKETD PACKETD_TOP=$TOP
source "$TOP/tests/servers/servers.sh"
servers_start || exit 1
WORK=$(mktemp -d /tmp/packetd-bench.XXXXXX)
trap 'servers_stop; rm -rf "$WORK"' EXIT

# A message of about SIZE bytes: text plus a base64 attachment of random bytes.
make_msg() {  # FILE SIZE
	python3 - "$1" "$2" <<'PY'
import base64, os, sys
size = int(sys.argv[2])
raw = os.urandom(size * 3 // 4)
b64 = base64.encodebytes(raw).decode()
with open(sys.argv[1], "w") as f:
    f.write("From: zhang.wei@example.com\r\nTo: rra@cmes.example\r\nSubject: big\r\n"
            "Message-ID: <bench.%d@example.com>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
            "--b\r\nContent-Type: application/octet-stream; name=data.bin\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n" % size)
    f.write(b64.replace("\n", "\r\n"))
    f.write("--b--\r\n")
PY
}

measure() {  # SIZE MAX_MESSAGE → prints "bytes peak_kb"
	local md=$SRV/mail/rra@cmes.example/Maildir w=$WORK/$1
	rm -rf "$w"; mkdir -p "$w/spool" "$w/mailboxes/outbox" "$w/config/secrets"
	cp -r "$TOP/config/requirements.ini" "$TOP/config/findings.ini" "$TOP/config/templates" "$w/config/"
	printf '%s\n' "$MAIL_PASS" >"$w/config/secrets/imap.pass"; chmod 600 "$w/config/secrets/imap.pass"
	cat >"$w/config/packetd.conf" <<CONF
[packetd]
spool = ../spool
database = ../spool/packetd.db
rules = requirements.ini
templates = templates
intake_address = rra@cmes.example
[source.applicants]
type = imap
url = imaps://127.0.0.1:$IMAPS_PORT/INBOX
user = rra@cmes.example
password_file = secrets/imap.pass
ca_file = $SRV/tls/ca.pem
processed = Processed
[outbox]
maildir = ../mailboxes/outbox
[limits]
max_message = $2
CONF
	make_msg "$WORK/msg" "$1"
	srv_count rra@cmes.example INBOX >/dev/null   # creates the Maildir
	install -o "$VMAIL_USER" -m 600 "$WORK/msg" "$md/new/bench.$1"
	srv_count rra@cmes.example INBOX >/dev/null   # untimed warm-up: Dovecot indexes it
	PACKETD_CONFIG=$w/config/packetd.conf /usr/bin/time -v "$PACKETD" run --once >/dev/null 2>"$w/time.txt"
	echo "$(stat -c %s "$WORK/msg") $(sed -n 's/.*Maximum resident set size (kbytes): //p' "$w/time.txt")"
	grep -q "moved to \(Processed\|Rejected\)" "$w/time.txt" || echo "warning: the message was not taken" >&2
}
# 1 and 2: the IMAP transfer alone. The 50 MB message is over max_message
# (49M), so the source streams 49 MB + 1 byte into the spool and the
# pipeline refuses it by its size without reading it into memory.
small=$(measure 102400 49M)
big=$(measure 52428800 49M)
# 3: the whole pipeline on the same 50 MB message (MIME parsing included).
whole=$(measure 52428800 60M)
echo "IMAP source, 100 KB message:             ${small#* } KB peak RSS"
echo "IMAP source, 50 MB message (49 MB taken): ${big#* } KB peak RSS"
echo "difference:                               $(( ${big#* } - ${small#* } )) KB"
echo "whole pipeline, 50 MB message parsed:     ${whole#* } KB peak RSS"
