#!/bin/bash
# Real transports end to end: Dovecot (IMAP STARTTLS/IMAPS, submission),
# OpenSMTPD (the intake's MX, delivering into Dovecot) and OpenSSH (SFTP),
# all started by tests/servers/servers.sh on 127.0.0.1 high ports under a
# temporary folder and stopped by pid at exit, whatever happens.
source "$(dirname "$0")/../lib.sh"
source "$PACKETD_TOP/tests/servers/servers.sh"
fresh_install
trap 'servers_stop; [ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"' EXIT
echo "# work $WORK" >&2; servers_start || { echo "not ok 1 - servers start"; exit 1; }
S="$PACKETD_TOP/samples"
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
P() { "$PACKETD" "$@"; }
run_once() {  # LOG: one cycle, its log kept
	P run --once >/dev/null 2>"$WORK/$1.log"
}

# A real deployment's config: IMAP inbox, SFTP drop, SMTP delivery.
mkdir -p "$WORK/config/secrets"
printf '%s\n' "$MAIL_PASS" >"$WORK/config/secrets/imap.pass"
printf '%s\n' "$MAIL_PASS" >"$WORK/config/secrets/smtp.pass"
chmod 600 "$WORK/config/secrets/"*
write_conf() {  # IMAP_URL SMTP_URL [KNOWN_HOSTS]
	cat >"$WORK/config/packetd.conf" <<CONF
[packetd]
spool = ../spool
database = ../spool/packetd.db
rules = requirements.ini
templates = templates
poll_interval = 60
intake_address = rra@cmes.example
timezone = Asia/Shanghai
log_level = info

[source.applicants]
type = imap
url = $1
user = rra@cmes.example
password_file = secrets/imap.pass
ca_file = $SRV/tls/ca.pem
processed = Processed
rejected = Rejected

[source.jiangsu]
type = sftp
url = sftp://127.0.0.1:$SSH_PORT$SRV/sftp/jiangsu/drop/
user = $SFTP_USER
key = $SRV/ssh/client_ed25519
known_hosts = ${3:-$SRV/ssh/known_hosts}
processed = $SRV/sftp/jiangsu/processed/
receipts = $SRV/sftp/jiangsu/receipts/
society = 江苏省机械工程学会
contact = office@jsmes.example
settle_seconds = 0

[smtp]
url = $2
starttls = yes
user = rra@cmes.example
password_file = secrets/smtp.pass
ca_file = $SRV/tls/ca.pem
from = CMES 技术资格认证中心 <rra@cmes.example>

[outbox]
maildir = ../mailboxes/outbox

[centre]
report_to = centre@cmes.example
report_time = 02:00
CONF
}
IMAP_URL="imap://127.0.0.1:$IMAP_PORT/INBOX"
SMTP_URL="smtp://127.0.0.1:$SUBMIT_PORT"
write_conf "$IMAP_URL" "$SMTP_URL"
ok "config with IMAP, SFTP and SMTP checks" P check-config
# check-config --connect logs in to each for real and says so, one line each.
out=$(P check-config --connect 2>&1); rc=$?
is "check-config --connect: every server answers" "$rc" 0
ok "--connect: the IMAP folder" grep -q "^source applicants (imap imap://127.0.0.1:$IMAP_PORT/INBOX): ok, 0 items waiting" <<<"$out"
ok "--connect: the SFTP drop" grep -q "^source jiangsu (sftp sftp://127.0.0.1:$SSH_PORT.*): ok" <<<"$out"
ok "--connect: SMTP EHLO, STARTTLS, AUTH" grep -q "^outgoing mail (smtp smtp://127.0.0.1:$SUBMIT_PORT): ok, logged in with AUTH" <<<"$out"
sed "s|^url = smtp://127.0.0.1:$SUBMIT_PORT|url = smtp://127.0.0.1:$(srv_port)|" "$WORK/config/packetd.conf" >"$WORK/config/nosmtp.conf"
out=$(P -c "$WORK/config/nosmtp.conf" check-config --connect 2>&1); rc=$?
is "check-config --connect: a closed SMTP port fails" "$rc" 1
ok "--connect names the failing server" grep -q "^outgoing mail (smtp smtp://127.0.0.1:[0-9]*): FAILED: " <<<"$out"

# ---- 1. an applicant's packet by SMTP → run → acknowledgement over IMAP ----
srv_mail_in "$S/mail/01-ceng-complete.eml" rra@cmes.example
ok "packet delivered into the intake's INBOX" srv_wait_count rra@cmes.example INBOX 1
run_once run1
ok "run --once exits 0" test $? = 0
ok "IMAP login went over TLS (STARTTLS)" grep -q "user=<rra@cmes.example>.*TLS" "$SRV/dv/log"
is "intake INBOX empty after the run" "$(srv_count rra@cmes.example INBOX)" 0
is "packet's message in Processed" "$(srv_count rra@cmes.example Processed)" 1
ok "acknowledgement reached the applicant" srv_wait_count zhang.wei@example.com INBOX 1
ack=$(srv_fetch_all zhang.wei@example.com INBOX)
ok "ack threads to the packet's message" grep -q "^In-Reply-To: <20261102.ceng-complete@mail.example.com>" <<<"$ack"
ok "ack carries the application number" grep -qE "RRA-[0-9]{4}-[0-9]{6}" <<<"$ack"
ok "ack is bilingual" grep -q "会员申请表（中文）：收到 2 份" <<<"$ack"
is "outbox row sent" "$(P outbox --json | json "[r['state'] for r in d if 'zhang.wei' in r['recipients']][0]")" sent
ok "password never logged" bash -c "! grep -rq '$MAIL_PASS' '$WORK'/*.log"

# ---- 1b. who is answered, through the real MX and IMAP server ----
# The intake reads over IMAP what Dovecot's LMTP delivery stored: a
# Return-Path field holding the SMTP envelope sender, above the message's
# own header. The answer goes there: not to From, never to Reply-To.
srv_header() {  # USER FOLDER FIELD → that field of every message, raw
	python3 - "$1" "$2" "$3" <<PY
import email, imaplib, ssl, sys
ctx = ssl.create_default_context(cafile="$SRV/tls/ca.pem")
m = imaplib.IMAP4_SSL("127.0.0.1", $IMAPS_PORT, ssl_context=ctx)
m.login(sys.argv[1], "$MAIL_PASS")
typ, data = m.select('"%s"' % sys.argv[2], readonly=True)
if typ == "OK" and int(data[0]) > 0:
    typ, nums = m.search(None, "ALL")
    for n in nums[0].split():
        typ, d = m.fetch(n, "(BODY.PEEK[HEADER])")
        print(email.message_from_bytes(d[0][1]).get(sys.argv[3], ""))
PY
}
tr -d '\r' <"$S/mail/09-incomplete-fake-pdf.eml" | sed -e '/^Return-Path:/d' \
	-e 's/^From: .*/From: Zhou Jie <zhou.jie@example.com>\nReply-To: <zhu.hong@example.com>/' \
	-e 's/^Message-ID: <\(.*\)>/Message-ID: <envelope.\1>/' >"$WORK/envelope.eml"
ok "the message sent has no Return-Path of its own" bash -c "! grep -q '^Return-Path' '$WORK/envelope.eml'"
srv_mail_in "$WORK/envelope.eml" rra@cmes.example ma.chao@example.com
srv_wait_count rra@cmes.example INBOX 1
run_once envelope
ok "Dovecot's delivery wrote the envelope sender as Return-Path" \
	grep -qx "<ma.chao@example.com>" <<<"$(srv_header rra@cmes.example Processed Return-Path)"
ok "the notice went to the envelope sender" srv_wait_count ma.chao@example.com INBOX 1
sleep 1
is "nothing to From when the envelope sender differs" "$(srv_count zhou.jie@example.com INBOX)" 0
is "nothing to Reply-To" "$(srv_count zhu.hong@example.com INBOX)" 0
app=$(sqlite3 "$WORK/spool/packetd.db" "SELECT number FROM applications WHERE message_id LIKE 'envelope.%'")
is "show --json: the Reply-To is recorded" "$(P show "$app" --json | json "d['source']['reply_to']")" zhu.hong@example.com
is "show --json: notices go to the envelope sender" "$(P show "$app" --json | json "d['source']['notices_to']")" \
	ma.chao@example.com

# A message over max_message: only its header is fetched (BODY.PEEK[HEADER]),
# it goes to Rejected, and its sender is told the size and the limit.
printf '\n[limits]\nmax_message = 64K\n' >>"$WORK/config/packetd.conf"
python3 - "$WORK/big.eml" <<'PY'
import base64, os, sys
body = base64.encodebytes(os.urandom(300000)).decode().replace('\n', '\r\n')
open(sys.argv[1], 'w').write(
    'From: Huang Yong <huang.yong@example.com>\r\nTo: rra@cmes.example\r\nSubject: CEng packet (big scans)\r\n'
    'Message-ID: <big.1@mail.example.com>\r\nMIME-Version: 1.0\r\n'
    'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nmy scans\r\n'
    '--b\r\nContent-Type: application/zip; name="scans.zip"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
    + body + '--b--\r\n')
PY
srv_mail_in "$WORK/big.eml" rra@cmes.example
srv_wait_count rra@cmes.example INBOX 1
run_once big
ok "too large over IMAP: only the header fetched" grep -q "over max_message (65536): header only" "$WORK/big.log"
ok "too large over IMAP: the log names the size and the limit" \
	grep -q "message of [0-9]* bytes over max_message (65536 bytes): rejected, sender told" "$WORK/big.log"
is "too large over IMAP: moved to Rejected" "$(srv_count rra@cmes.example Rejected)" 1
ok "too large over IMAP: the sender is told" srv_wait_count huang.yong@example.com INBOX 1
ok "too large notice: the limit, and how to send less" \
	bash -c "grep -q 'over the limit of 64 KB' <<<\"\$1\" && grep -q 'split the documents' <<<\"\$1\"" _ \
	"$(srv_fetch_all huang.yong@example.com INBOX)"
write_conf "$IMAP_URL" "$SMTP_URL"

# Seven messages in one cycle: the small ones come several per UID FETCH,
# each batch asked for while the messages before it are handled; between
# them a 2.5 MB message comes in partial FETCHes and a 4 MB one, over
# max_message, by its header alone. Each is handled once, in UID order.
printf '\n[limits]\nmax_message = 3M\n' >>"$WORK/config/packetd.conf"
python3 - "$WORK" <<'PY'
import base64, hashlib, io, os, sys, zipfile
for name, n in (("mid", 1800000), ("huge", 3000000)):
    data = os.urandom(n)
    if name == "mid":   # a real packet: its scan must arrive byte for byte
        z = io.BytesIO()
        with zipfile.ZipFile(z, 'w', zipfile.ZIP_STORED) as zf:
            zf.writestr('scan-1.jpg', data)
        open(os.path.join(sys.argv[1], "mid.sha256"), 'w').write(hashlib.sha256(data).hexdigest())
        data = z.getvalue()
    body = base64.encodebytes(data).decode().replace('\n', '\r\n')
    open(os.path.join(sys.argv[1], name + ".eml"), 'w').write(
        'From: Huang Yong <huang.yong@example.com>\r\nTo: rra@cmes.example\r\nSubject: CEng packet (%s)\r\n'
        'Message-ID: <%s.2@mail.example.com>\r\nMIME-Version: 1.0\r\n'
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nscans\r\n'
        '--b\r\nContent-Type: application/zip; name="scans.zip"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
        % (name, name) + body + '--b--\r\n')
PY
items_before=$(sqlite3 "$WORK/spool/packetd.db" "SELECT count(*) FROM items")
for f in "$S/mail/04-incomplete-wrong-language.eml" "$S/mail/07-forwarded-mac-wrapped.eml" "$WORK/mid.eml" \
	"$S/mail/08-incomplete-not-eligible.eml" "$WORK/huge.eml" "$S/mail/10-incomplete-no-manifest.eml" \
	"$S/mail/11-no-attachment.eml"; do
	srv_mail_in "$f" rra@cmes.example
done
srv_wait_count rra@cmes.example INBOX 7
P -v run --once >/dev/null 2>"$WORK/seven.log"
is "seven messages: the INBOX emptied in one cycle" "$(srv_count rra@cmes.example INBOX)" 0
is "seven messages: each recorded once" \
	"$(sqlite3 "$WORK/spool/packetd.db" "SELECT count(*) - $items_before, count(DISTINCT key) - $items_before FROM items")" "7|7"
ok "seven messages: the one over max_message by its header alone" grep -q "over max_message (3145728): header only" \
	"$WORK/seven.log"
uids=$(sed -n 's/^packetd: [a-z]*: [0-9]*:\([0-9]*\): \(application\|no packet\|message of\).*/\1/p' "$WORK/seven.log")
is "seven messages: handled in UID order" "$(sort -n <<<"$uids" | tr '\n' ' ')" "$(tr '\n' ' ' <<<"$uids")"
is "seven messages: every one handled" "$(wc -l <<<"$uids")" 7
# Several batches, each answer read before the next command (the big
# one's partial FETCHes wait for the batch in flight): none fails.
ok "seven messages: several batches, each answer read" \
	test "$(grep -c 'fetched in one command' "$WORK/seven.log")" -ge 3
ok "seven messages: no FETCH failed" bash -c '! grep -q "UID FETCH" "$1"' _ "$WORK/seven.log"
# the 2.5 MB one came as its batch's first 2 MiB and then a chunk from there
is "seven messages: the big one's document arrived whole" \
	"$(sqlite3 "$WORK/spool/packetd.db" "SELECT count(*) FROM files WHERE sha256 = '$(cat "$WORK/mid.sha256")'")" 1
# A message without a Message-ID (put by IMAP APPEND: the MX would add
# one) is known by the SHA-256 of its bytes as the server serves them: a
# batch hands them over in memory, not as a file.
served=$(python3 - <<EOF
import hashlib, imaplib, ssl
m = imaplib.IMAP4_SSL("127.0.0.1", $IMAPS_PORT, ssl_context=ssl.create_default_context(cafile="$SRV/tls/ca.pem"))
m.login("rra@cmes.example", "$MAIL_PASS")
m.append("INBOX", None, None, b"From: Lin Tao <lin.tao@example.com>\r\nTo: rra@cmes.example\r\n"
         b"Subject: question\r\n\r\nNo packet yet.\r\n")
m.select("INBOX", readonly=True)
typ, d = m.fetch(b"1", "(BODY.PEEK[])")
print(hashlib.sha256(d[0][1]).hexdigest())
EOF
)
run_once nomid
is "no Message-ID: known by the SHA-256 of the bytes served" \
	"$(sqlite3 "$WORK/spool/packetd.db" "SELECT count(*) FROM items WHERE key = 'sha256:$served'")" 1
# [packetd] scratch = ../scratch, then a run killed right after its first
# fetch: the fetched copy (a file that find's TESTS match) is in the
# scratch folder, and nothing in the spool's incoming folder (removed
# first: the runs before fetched into the spool).
scratch_killed() {  # LABEL TESTS...
	local label=$1
	shift
	sed -i 's|^spool = .*|&\nscratch = ../scratch|' "$WORK/config/packetd.conf"
	rm -rf "$WORK/spool/incoming" "$WORK/scratch"
	(PACKETD_FAULT=fetched P run --once >/dev/null 2>"$WORK/scratch-kill.log"; exit $?) 2>/dev/null
	is "$label: killed after the fetch" "$?" 137
	ok "$label: the fetched copy is in the scratch folder" \
		test -n "$(find "$WORK/scratch/incoming" -type f "$@" 2>/dev/null)"
	ok "$label: nothing fetched into the spool" test ! -e "$WORK/spool/incoming"
}
# A message over 2 MiB is fetched into a file there; the rerun records
# the message once and removes the copy.
sed 's/<mid\.2@/<mid.3@/' "$WORK/mid.eml" >"$WORK/mid3.eml"
srv_mail_in "$WORK/mid3.eml" rra@cmes.example
srv_wait_count rra@cmes.example INBOX 1
scratch_killed "scratch elsewhere, IMAP" -size +2100k
run_once scratch2
is "scratch elsewhere, IMAP: the message recorded once" \
	"$(sqlite3 "$WORK/spool/packetd.db" "SELECT count(*) FROM items WHERE key LIKE 'mid:%mid.3@%'")" 1
is "scratch elsewhere, IMAP: the copy removed" "$(find "$WORK/scratch/incoming" -type f | wc -l)" 0
ok "scratch elsewhere, IMAP: still nothing in the spool's incoming folder" test ! -e "$WORK/spool/incoming"
write_conf "$IMAP_URL" "$SMTP_URL"

# ---- 2. a provincial batch by SFTP ----
DROP=$SRV/sftp/jiangsu/drop
sftp_do() {  # sftp batch commands on stdin, as the society
	sftp -q -b - -i "$SRV/ssh/client_ed25519" -o UserKnownHostsFile="$SRV/ssh/known_hosts" \
		-o StrictHostKeyChecking=yes -o BatchMode=yes -P "$SSH_PORT" "$SFTP_USER@127.0.0.1" >/dev/null
}
B="$S/batches/jiangsu-2026-11.zip"
half=$((($(stat -c %s "$B") + 1) / 2))
head -c "$half" "$B" >"$WORK/growing.zip"
printf 'put %s %s/jiangsu-2026-11.zip.part\nput %s %s/growing.zip\n' "$B" "$DROP" "$WORK/growing.zip" "$DROP" | sftp_do
ok "batch uploaded by SFTP" test -f "$DROP/jiangsu-2026-11.zip.part"
apps_before=$(P list --json | json "len(d)")
run_once sftp1
ok "an upload in progress (*.part) is not taken" test -f "$DROP/jiangsu-2026-11.zip.part"
ok "a file seen for the first time is left for the next cycle" test -f "$DROP/growing.zip"
# The upload completes by a rename; the other file keeps growing.
cp "$B" "$WORK/growing.zip"
printf 'rename %s/jiangsu-2026-11.zip.part %s/jiangsu-2026-11.zip\nput %s %s/growing.zip\n' "$DROP" "$DROP" \
	"$WORK/growing.zip" "$DROP" | sftp_do
run_once sftp2
is "every applicant of the batch processed" "$(P list --json | json "len(d)")" $((apps_before + 3))
ok "batch moved out of drop/" test ! -e "$DROP/jiangsu-2026-11.zip"
ok "batch in processed/" test -f "$SRV/sftp/jiangsu/processed/jiangsu-2026-11.zip"
ok "receipt in receipts/" test -f "$SRV/sftp/jiangsu/receipts/jiangsu-2026-11.receipt.csv"
ok "receipt starts with a UTF-8 BOM" bash -c "head -c 3 '$SRV/sftp/jiangsu/receipts/jiangsu-2026-11.receipt.csv' | od -An -tx1 | grep -q 'ef bb bf'"
is "receipt has a row per applicant" "$(grep -c RRA- "$SRV/sftp/jiangsu/receipts/jiangsu-2026-11.receipt.csv")" 3
ok "no temporary receipt left" bash -c "! ls -A '$SRV/sftp/jiangsu/receipts' | grep -q '^\.'"
ok "a file still growing during the cycle is left" test -f "$DROP/growing.zip"
ok "the growing file was noticed" grep -q "growing.zip is new or still changing" "$WORK/sftp2.log"
ok "receipt mailed to the society's contact" srv_wait_count office@jsmes.example INBOX 1
# With scratch elsewhere the batch is downloaded there, never into the spool.
scratch_killed "scratch elsewhere, SFTP" -name '*growing*'
run_once sftp3
is "scratch elsewhere, SFTP: the copy removed after the rerun" "$(find "$WORK/scratch/incoming" -type f | wc -l)" 0
write_conf "$IMAP_URL" "$SMTP_URL"
ok "the finished file is taken on the next cycle" test ! -e "$DROP/growing.zip"
ok "the batch seen again is moved to processed/ too" test -f "$SRV/sftp/jiangsu/processed/growing.zip"
is "the same batch content is not processed twice" "$(P list --json | json "len(d)")" $((apps_before + 3))

# Folders the society never made: processed/, rejected/ and receipts/ are
# created (parents too), as mbsync's Create does; a server that refuses gets
# one log line naming the folder and the source, and the batch stays.
NEW=$SRV/sftp/jiangsu/new
sed -i -e "s|^processed = .*sftp/jiangsu/processed/|processed = $NEW/done/|" \
	-e "s|^receipts = .*sftp/jiangsu/receipts/|receipts = $NEW/receipts/\nrejected = $NEW/rejected/|" \
	"$WORK/config/packetd.conf"
python3 - "$B" "$WORK/again.zip" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as zin, zipfile.ZipFile(sys.argv[2], 'w') as zout:
    for info in zin.infolist():
        info.date_time = (2026, 11, 3, 8, 0, 0)   # new bytes, same packets
        zout.writestr(info, zin.read(info.filename))
PY
printf 'not a zip\n' >"$WORK/junk.zip"
printf 'put %s %s/again.zip\nput %s %s/junk.zip\n' "$WORK/again.zip" "$DROP" "$WORK/junk.zip" "$DROP" | sftp_do
run_once mk1
run_once mk2
ok "missing processed folder created (with its parent)" test -f "$NEW/done/again.zip"
ok "missing receipts folder created" test -f "$NEW/receipts/again.receipt.csv"
ok "missing rejected folder created" test -f "$NEW/rejected/junk.zip"
ok "the folder creation is logged" grep -q "created the processed folder $NEW/done/" "$WORK/mk2.log"
ok "no failed rename logged" bash -c "! grep -q 'rename command failed' '$WORK/mk1.log' '$WORK/mk2.log'"
mkdir -p "$SRV/sftp/locked" && chown root: "$SRV/sftp/locked" && chmod 755 "$SRV/sftp/locked"
sed -i "s|^processed = .*|processed = $SRV/sftp/locked/processed/|" "$WORK/config/packetd.conf"
python3 - "$B" "$WORK/third.zip" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as zin, zipfile.ZipFile(sys.argv[2], 'w') as zout:
    for info in zin.infolist():
        info.date_time = (2026, 11, 4, 8, 0, 0)
        zout.writestr(info, zin.read(info.filename))
PY
printf 'put %s %s/third.zip\n' "$WORK/third.zip" "$DROP" | sftp_do
run_once mk3
run_once mk4
ok "refused folder: one line naming the source and the folder" \
	grep -q "sftp jiangsu: the processed folder $SRV/sftp/locked/processed/ is missing and the server refused to create it" \
	"$WORK/mk4.log"
ok "refused folder: the batch stays in the drop" test -f "$DROP/third.zip"
ok "refused folder: run still exits 0 and the receipt is written" test -f "$NEW/receipts/third.receipt.csv"
rm -f "$DROP/third.zip"
write_conf "$IMAP_URL" "$SMTP_URL"

# ---- 3. faults ----
# A wrong IMAP password: the cycle goes on, the daemon does not die, the password is not logged.
printf 'not-the-password\n' >"$WORK/config/secrets/imap.pass"
srv_mail_in "$S/mail/03-incomplete-missing-copy.eml" rra@cmes.example
srv_wait_count rra@cmes.example INBOX 1
run_once badpass
ok "wrong password: run still exits 0" test $? = 0
ok "wrong password: a clear log line" grep -q "login of rra@cmes.example refused" "$WORK/badpass.log"
ok "wrong password: not logged" bash -c "! grep -q not-the-password '$WORK/badpass.log'"
is "wrong password: message left in INBOX" "$(srv_count rra@cmes.example INBOX)" 1
printf '%s\n' "$MAIL_PASS" >"$WORK/config/secrets/imap.pass"

# A CA that did not sign the server's certificate: refused before LOGIN.
sed -i "s|^ca_file = .*ca.pem|ca_file = $SRV/tls/other-ca.pem|" "$WORK/config/packetd.conf"
run_once badca
ok "untrusted certificate refused (IMAP)" grep -q "certificate of 127.0.0.1 refused" "$WORK/badca.log"
ok "untrusted certificate: no login attempted" bash -c "! grep -q 'login of' '$WORK/badca.log'"
write_conf "imaps://127.0.0.1:$IMAPS_PORT/INBOX" "$SMTP_URL"

# Unknown and changed SFTP host keys: refused with a clear line.
printf 'put %s %s/second.zip\n' "$S/batches/jiangsu-2026-11.zip" "$DROP" | sftp_do
write_conf "imaps://127.0.0.1:$IMAPS_PORT/INBOX" "$SMTP_URL" "$SRV/ssh/empty_known_hosts"
run_once hk1
ok "unknown host key refused" grep -q "host key of .* is unknown" "$WORK/hk1.log"
write_conf "imaps://127.0.0.1:$IMAPS_PORT/INBOX" "$SMTP_URL" "$SRV/ssh/wrong_known_hosts"
run_once hk2
ok "changed host key refused" grep -q "host key of .* has CHANGED" "$WORK/hk2.log"
ok "nothing taken from a refused server" test -f "$DROP/second.zip"
write_conf "imaps://127.0.0.1:$IMAPS_PORT/INBOX" "$SMTP_URL"
ok "IMAPS (implicit TLS) processed the waiting message" grep -q "UID [0-9]* moved to Processed" "$WORK/hk1.log"
is "IMAPS: INBOX emptied" "$(srv_count rra@cmes.example INBOX)" 0

# The SMTP server down for a cycle: the notice stays queued, then goes once.
srv_mail_in "$S/mail/02-ieng-complete-gbk.eml" rra@cmes.example
srv_wait_count rra@cmes.example INBOX 1
srv_smtpd_stop
run_once smtpdown
ok "SMTP down: run exits 0" test $? = 0
row() { P outbox --json | json "[r['$1'] for r in d if 'li.na' in r['recipients']][0]"; }
is "SMTP down: notice stays queued" "$(row state)" queued
ok "SMTP down: the server's answer kept" test -n "$(row last_error)"
ok "SMTP down: deferral logged" grep -q "delivery deferred" "$WORK/smtpdown.log"
srv_smtpd_start
run_once smtpsame
is "before its backoff the row waits" "$(row state)" queued
PACKETD_NOW=$(date -u -d '+2 hours' +%Y-%m-%dT%H:%M:%SZ) run_once smtpup
is "after backoff the notice is sent" "$(row state)" sent
srv_wait_count li.na@example.com INBOX 1
PACKETD_NOW=$(date -u -d '+4 hours' +%Y-%m-%dT%H:%M:%SZ) run_once smtpagain
sleep 1
is "the applicant got it once" "$(srv_count li.na@example.com INBOX)" 1

# A 5xx answer fails the row with the server's text, counted in the log.
sed -e 's/^From: .*/From: ghost@nowhere.example/' -e 's/^Return-Path: .*/Return-Path: <ghost@nowhere.example>/' \
	-e 's/^Message-ID: <\(.*\)>/Message-ID: <ghost.\1>/' "$S/mail/06-scanner-manifest-complete.eml" >"$WORK/ghost.eml"
srv_mail_in "$WORK/ghost.eml" rra@cmes.example
srv_wait_count rra@cmes.example INBOX 1
run_once reject5xx
ghost() { P outbox --json | json "[r['$1'] for r in d if 'ghost@' in r['recipients']][0]"; }
is "5xx: the row is failed" "$(ghost state)" failed
ok "5xx: the server's answer is kept" bash -c "grep -q '^5' <<<\"\$1\"" _ "$(ghost last_error | sed 's/^smtp: //')"
ok "5xx: shown by packetd outbox" bash -c "P() { \"$PACKETD\" \"\$@\"; }; P outbox | grep -q failed"
ok "5xx: counted in the log" grep -q "delivery failed" "$WORK/reject5xx.log"

# Crashes (SIGKILL) at each step of a cycle, then a rerun: nothing lost, nothing doubled.
processed() { srv_count rra@cmes.example Processed; }
apps() { P list --json | json "len(d)"; }
acks_for() {  # ADDRESS MESSAGE-ID → copies of its answer in the applicant's mailbox
	# Relayed mail arrives a moment after packetd hands it over, and the
	# mailbox may already hold earlier answers: wait for this one (up to
	# 30 s), then count, so that a late copy would still be seen twice.
	local i n=0
	for i in $(seq 60); do
		n=$(srv_fetch_all "$1" INBOX | grep -c "^In-Reply-To: <$2>")
		[ "$n" -ge 1 ] && break
		sleep 0.5
	done
	sleep 1
	srv_fetch_all "$1" INBOX | grep -c "^In-Reply-To: <$2>"
}
hdr_addr() {  # HEADER FILE → what is inside <...> (the samples have CRLF lines)
	tr -d '\r' <"$2" | sed -n "s/^$1: .*<\(.*\)>.*/\1/p" | head -n 1
}
n=0
for stage in fetched commit committed imap-move; do
	n=$((n + 1))
	sed -e "s/^Message-ID: <\(.*\)>/Message-ID: <crash$n.\1>/" "$S/mail/05-incomplete-wrong-variant.eml" >"$WORK/c$n.eml"
	mid=$(hdr_addr Message-ID "$WORK/c$n.eml")
	to=$(hdr_addr From "$WORK/c$n.eml")
	p0=$(processed) a0=$(apps)
	srv_mail_in "$WORK/c$n.eml" rra@cmes.example
	srv_wait_count rra@cmes.example INBOX 1
	PACKETD_FAULT=$stage P run --once >/dev/null 2>"$WORK/crash-$stage.log"
	ok "kill -9 at $stage: packetd was killed" test $? = 137
	run_once "rerun-$stage"
	is "kill -9 at $stage: INBOX emptied on the rerun" "$(srv_count rra@cmes.example INBOX)" 0
	is "kill -9 at $stage: message in Processed once" "$(processed)" $((p0 + 1))
	ok "kill -9 at $stage: no application doubled" test "$(apps)" -le $((a0 + 1))
	srv_wait_count "$to" INBOX 1
	is "kill -9 at $stage: one answer" "$(acks_for "$to" "$mid")" 1
done

# SIGKILL at an unplanned moment of a busy cycle, and Dovecot restarted in
# the middle of another: the next cycle finishes the work, once.
busy() {  # NAME: four fresh packets in the INBOX
	for i in 1 2 3 4; do
		sed -e "s/^Message-ID: <\(.*\)>/Message-ID: <$1$i.\1>/" "$S/mail/0${i}-"*.eml >"$WORK/$1$i.eml"
		srv_mail_in "$WORK/$1$i.eml" rra@cmes.example
	done
	srv_wait_count rra@cmes.example INBOX 4
}
for fault in kill restart; do
	busy "$fault"
	p0=$(processed) a0=$(apps)
	if [ "$fault" = kill ]; then
		P run --once >/dev/null 2>"$WORK/$fault-1.log" &
		pid=$!
		sleep 0.3
	else
		# Dovecot goes down while packetd takes the packets in (paused after
		# its second fetch, PACKETD_PAUSE in src/fault.h), not at a moment a
		# sleep leaves to the machine's speed: a restart that cut Dovecot's
		# own UID MOVE between its copy and its expunge would leave a second
		# copy in Processed that packetd never made. (Waiting for a work file
		# to appear missed it when the four packets took less than a poll.)
		PACKETD_PAUSE=fetched:2 PACKETD_PAUSE_SECONDS=3 P run --once >/dev/null 2>"$WORK/$fault-1.log" &
		pid=$!
		inside=0
		for _ in $(seq 500); do
			grep -q "pausing packetd at fetched" "$WORK/$fault-1.log" 2>/dev/null && inside=1 && break
			sleep 0.02
		done
		ok "Dovecot restarted while packetd was taking the packets in" test "$inside" = 1
	fi
	if [ "$fault" = kill ]; then
		kill -9 "$pid"
		wait "$pid" 2>/dev/null
	else
		# The relay holds its deliveries meanwhile: an LMTP delivery cut by
		# the restart after Dovecot stored the message is retried by the
		# relay, a second copy that packetd never sent.
		srv_smtpctl pause mda
		srv_dovecot_stop && srv_dovecot_start
		wait "$pid"
		ok "Dovecot restarted mid-run: packetd exits 0" test $? = 0
		srv_smtpctl resume mda
	fi
	# later clocks: notices deferred by the fault are due again (backoff)
	PACKETD_NOW=$(date -u -d '+6 hours' +%Y-%m-%dT%H:%M:%SZ) run_once "$fault-2"
	PACKETD_NOW=$(date -u -d '+12 hours' +%Y-%m-%dT%H:%M:%SZ) run_once "$fault-3"
	is "$fault mid-cycle: INBOX emptied" "$(srv_count rra@cmes.example INBOX)" 0
	is "$fault mid-cycle: each message in Processed once" "$(processed)" $((p0 + 4))
	ok "$fault mid-cycle: no application doubled" test "$(apps)" -le $((a0 + 4))
	for i in 1 2 3 4; do
		mid=$(hdr_addr Message-ID "$WORK/$fault$i.eml")
		to=$(hdr_addr From "$WORK/$fault$i.eml")
		srv_wait_count "$to" INBOX 1
		is "$fault mid-cycle: one answer to message $i" "$(acks_for "$to" "$mid")" 1
	done
done
