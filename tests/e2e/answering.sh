#!/bin/bash
# Who is answered, and with what (README "Answering mail"), on the embedded
# default: notices go to the envelope sender (Return-Path), else From, never
# to a Reply-To naming someone else, which is recorded and shown; Sieve
# vacation's loop guard (owner-*, *-request, mail not addressed to the
# intake); a message over max_message is rejected and its sender told the
# size and the limit; STATUS by email from the right and the wrong
# address, twice within the hour, with and without the number; and every
# count of the cycle summary against the database.
source "$(dirname "$0")/../lib.sh"
fresh_install
S="$PACKETD_TOP/samples"
P() { "$PACKETD" "$@"; }
DB="$WORK/spool/packetd.db"
q() { sqlite3 "$DB" "$1"; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
n=0
# mail NAME key=value...: a message into the inbox. Keys: rp (Return-Path,
# "none" for no field), from, to, cc, reply_to, subject, body, packet (a
# file of samples/packets), pad (bytes of filler attachment).
mail() {
	local name=$1
	shift
	n=$((n + 1))
	env "$@" MID="answering.$n.$name@mail.example.com" python3 - "$WORK/$name.eml" "$S/packets" <<'EOF'
import base64, os, sys
e = os.environ.get
h = []
if e('rp', 'none') != 'none':
    h.append('Return-Path: <%s>' % e('rp'))
h.append('From: Applicant <%s>' % e('from', 'alice@example.com'))
h.append('To: %s' % e('to', 'rra@cmes.example'))
if e('cc'):
    h.append('Cc: %s' % e('cc'))
if e('reply_to'):
    h.append('Reply-To: <%s>' % e('reply_to'))
h += ['Subject: %s' % e('subject', 'CEng application'), 'Date: Mon, 30 Nov 2026 09:00:00 +0800',
      'Message-ID: <%s>' % e('MID'), 'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b"', '']
parts = ['--b\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n%s\r\n' % e('body', 'Hello.')]
if e('packet'):
    data = open(os.path.join(sys.argv[2], e('packet')), 'rb').read()
    parts.append('--b\r\nContent-Type: application/zip; name="p.zip"\r\nContent-Transfer-Encoding: base64\r\n\r\n%s\r\n'
                 % base64.encodebytes(data).decode().replace('\n', '\r\n'))
if e('pad'):
    parts.append('--b\r\nContent-Type: application/octet-stream; name="scan.bin"\r\n'
                 'Content-Transfer-Encoding: base64\r\n\r\n%s\r\n'
                 % base64.encodebytes(os.urandom(int(e('pad')))).decode().replace('\n', '\r\n'))
open(sys.argv[1], 'wb').write(('\r\n'.join(h) + '\r\n' + ''.join(parts) + '--b--\r\n').encode())
EOF
	deliver "$WORK/$name.eml" "$name"
}
# The notices answering message NAME: "To-address subject" per line.
answers() {
	python3 - "$WORK/mailboxes/outbox/new" "$(sed -n 's/^Message-ID: <\(.*\)>\r*$/\1/p' "$WORK/$1.eml")" <<'EOF'
import email, os, sys
from email import policy
for f in sorted(os.listdir(sys.argv[1])):
    m = email.message_from_binary_file(open(os.path.join(sys.argv[1], f), 'rb'), policy=policy.default)
    if (m['In-Reply-To'] or '').strip('<> ') == sys.argv[2]:
        print(m['To'], m['Subject'])
EOF
}
# The text of the (first) notice answering NAME.
answer_text() {
	python3 - "$WORK/mailboxes/outbox/new" "$(sed -n 's/^Message-ID: <\(.*\)>\r*$/\1/p' "$WORK/$1.eml")" <<'EOF'
import email, os, sys
from email import policy
for f in sorted(os.listdir(sys.argv[1])):
    m = email.message_from_binary_file(open(os.path.join(sys.argv[1], f), 'rb'), policy=policy.default)
    if (m['In-Reply-To'] or '').strip('<> ') == sys.argv[2]:
        print(m['Subject'])
        for p in m.walk():
            if p.get_content_type() == 'text/plain':
                print(p.get_content())
        break
EOF
}
item() { q "SELECT status || ' ' || coalesce(detail, '') FROM items WHERE ref = 'new/$1'"; }
# summary_is LOGFILE: every count of the cycle summary against the database
# (a fresh database per call's run: counts are the run's own rows).
summary_check() {  # LABEL OUTPUT ITEMS_BEFORE OUTBOX_BEFORE APPS_BEFORE
	local out=$2 ib=$3 ob=$4 ab=$5
	num() { grep -o "[0-9][0-9]* $1" <<<"$out" | head -n 1 | cut -d" " -f1; }
	is "$1: recorded = item rows (not batch rows)" "$(num recorded)" \
		"$(q "SELECT count(*) FROM items WHERE id > $ib AND key NOT LIKE 'batch:%#row%'")"
	is "$1: applications = those the items point at" "$(num applications)" \
		"$(q "SELECT count(DISTINCT application_id) FROM items WHERE id > $ib AND status IN ('processed','rejected') AND application_id IS NOT NULL")"
	is "$1: new applications" "$(num new)" "$(q "SELECT count(*) FROM applications WHERE id > $ab")"
	for st in complete incomplete rejected; do
		is "$1: $st = applications in that state now" "$(num "$st")" \
			"$(q "SELECT count(*) FROM applications WHERE state = '$st' AND id IN (SELECT application_id FROM items WHERE id > $ib AND status IN ('processed','rejected'))")"
	done
	is "$1: without packet" "$(num 'without packet')" "$(q "SELECT count(*) FROM items WHERE id > $ib AND status = 'no_packet'")"
	is "$1: STATUS requests" "$(num 'STATUS requests')" "$(q "SELECT count(*) FROM items WHERE id > $ib AND status = 'status'")"
	is "$1: too large" "$(num 'too large')" "$(q "SELECT count(*) FROM items WHERE id > $ib AND status = 'too_large'")"
	is "$1: not answered" "$(num 'not answered')" "$(q "SELECT count(*) FROM items WHERE id > $ib AND status = 'ignored'")"
	is "$1: notices queued = outbox rows written" "$(num queued)" "$(q "SELECT count(*) FROM outbox WHERE id > $ob")"
	is "$1: delivered = rows sent" "$(num delivered)" "$(q "SELECT count(*) FROM outbox WHERE id > $ob AND state = 'sent'")"
	is "$1: deliveries deferred = rows waiting for a retry" "$(num 'deliveries deferred')" \
		"$(q "SELECT count(*) FROM outbox WHERE state = 'queued' AND attempts > 0")"
	is "$1: waiting in the outbox" "$(num 'waiting in the outbox')" "$(q "SELECT count(*) FROM outbox WHERE state = 'queued'")"
	is "$1: files in the outbox Maildir = rows sent" "$(find "$WORK/mailboxes/outbox/new" -type f | wc -l)" \
		"$(q "SELECT count(*) FROM outbox WHERE state = 'sent'")"
}
marks() { echo "$(q 'SELECT coalesce(max(id),0) FROM items') $(q 'SELECT coalesce(max(id),0) FROM outbox') $(q 'SELECT coalesce(max(id),0) FROM applications')"; }
# An empty run creates the database; the marks start from it.
P run --once >/dev/null 2>&1

# ---- 1. the address: envelope sender, else From; Reply-To recorded only ----
mail reply-to rp=alice@example.com from=alice@example.com reply_to=victim@example.org packet=ceng-complete.zip
mail envelope rp=bob@example.org from=carol@example.com packet=ieng-complete-gbk.zip
mail no-return-path from=dave@example.com packet=incomplete-missing-copy.zip
# ---- 2. the loop guard (RFC 5230 section 4.5) ----
mail owner rp=owner-engineers@lists.example.com from=owner-engineers@lists.example.com subject=Hello
mail request rp=engineers-request@lists.example.com from=eve@example.com packet=incomplete-wrong-language.zip
mail daemon rp=mailer-daemon@mx.example.com from=news@example.com subject=Report
mail digest from=digest@lists.example.com to=engineers@lists.example.com cc=someone@example.com subject='Digest 12'
mail cc-intake from=frank@example.com to=frank@example.com cc='CMES <RRA@cmes.example>' subject='A question'
# ---- 3. a message over max_message ----
sed -i 's/^max_message = .*/max_message = 40K/' "$WORK/config/packetd.conf"
mail too-large rp=grace@example.com from=grace@example.com subject='My CEng packet' pad=60000
mail too-large-list rp=grace@example.com from=grace@example.com pad=60000 to=engineers@lists.example.com

read -r ib ob ab <<<"$(marks)"
out=$(P run --once 2>"$WORK/run1.log")
ok "run 1 exits 0" test $? = 0

is "Reply-To differs: answered at the sender only" "$(answers reply-to | cut -d' ' -f1)" alice@example.com
ok "Reply-To differs: nothing to the Reply-To" bash -c "! grep -rqi 'victim@example.org' '$WORK/mailboxes/outbox/new'"
num=$(q "SELECT number FROM applications WHERE message_id LIKE 'answering.1.%'")
show=$(P show "$num" --json)
is "show --json: notices_to is the sender" "$(json "d['source']['notices_to']" <<<"$show")" alice@example.com
is "show --json: the differing Reply-To is recorded" "$(json "d['source']['reply_to']" <<<"$show")" victim@example.org
ok "show: the Reply-To is shown" bash -c "'$PACKETD' show '$num' | grep -q victim@example.org"
ok "Reply-To differs: logged" grep -q "Reply-To victim@example.org differs from the sender alice@example.com" "$WORK/run1.log"
is "Return-Path differs from From: answered at the envelope sender" "$(answers envelope | cut -d' ' -f1)" bob@example.org
is "envelope sender: notices_to" "$(q "SELECT reply_to FROM applications WHERE message_id LIKE 'answering.2.%'")" bob@example.org
is "no Return-Path: answered at From" "$(answers no-return-path | cut -d' ' -f1)" dave@example.com
is "same Reply-To as the sender: nothing recorded" "$(q "SELECT coalesce(reply_to_header, '-') FROM applications WHERE message_id LIKE 'answering.3.%'")" -

is "owner-* sender: not answered" "$(answers owner | wc -l)" 0
ok "owner-* sender: recorded as ignored" grep -q "^ignored sender is a list" <<<"$(item owner)"
is "*-request envelope sender, packet and all: not answered" "$(answers request | wc -l)" 0
is "*-request: no application made" "$(q "SELECT count(*) FROM applications WHERE message_id LIKE 'answering.5.%'")" 0
is "MAILER-DAEMON envelope sender: not answered" "$(answers daemon | wc -l)" 0
is "a digest not addressed to the intake: no 'no packet' notice" "$(answers digest | wc -l)" 0
ok "digest: recorded why" grep -q "^ignored no packet, and the intake address is not among its recipients" <<<"$(item digest)"
is "no packet but the intake in Cc (any case): answered" "$(answers cc-intake | wc -l)" 1
is "no packet, intake in Cc: the item" "$(item cc-intake | cut -d' ' -f1)" no_packet

size=$(stat -c %s "$WORK/too-large.eml")
is "too large: item recorded with both sizes" "$(item too-large)" "too_large too large: $size bytes, limit 40960"
ok "too large: moved to rejected" test -f "$WORK/mailboxes/rejected/cur/too-large"
is "too large: the sender is told" "$(answers too-large | cut -d' ' -f1)" grace@example.com
text=$(answer_text too-large)
kb=$(((size + 1023) / 1024))
ok "too large notice: the size and the limit (zh)" grep -q "邮件大小为 $kb KB，超过了本地址接受的上限 40 KB" <<<"$text"
ok "too large notice: the size and the limit (en)" grep -q "it is $kb KB, over the limit of 40 KB" <<<"$text"
ok "too large notice: split, or through the province" bash -c "grep -q 'split the documents' <<<\"\$1\" && grep -q 'provincial' <<<\"\$1\"" _ "$text"
ok "too large: the log names both sizes" grep -q "message of $size bytes over max_message (40960 bytes)" "$WORK/run1.log"
is "too large, not addressed to the intake: recorded, not answered" "$(answers too-large-list | wc -l)" 0
ok "too large, not addressed: still rejected with its sizes" grep -q "^too_large too large: [0-9]* bytes, limit 40960; not answered" <<<"$(item too-large-list)"
summary_check "run 1 summary" "$out" "$ib" "$ob" "$ab"
sed -i 's/^max_message = .*/max_message = 50M/' "$WORK/config/packetd.conf"

# ---- 4. STATUS by email ----
mail st1-right rp=alice@example.com from=alice@example.com subject=STATUS
mail st2-wrong rp=mallory@example.net from=mallory@example.net subject="状态 $num"
mail st3-again rp=alice@example.com from=alice@example.com subject=status
mail st4-manifest rp=zhang.wei@example.com from=zhang.wei@example.com subject="Re: hello" body="状态：$num"
mail st5-notours rp=alice@example.com from=alice@example.com to=friends@example.com subject=STATUS
read -r ib ob ab <<<"$(marks)"
out=$(P run --once 2>"$WORK/run2.log")
ok "run 2 exits 0" test $? = 0
is "STATUS from the application's address: answered there" "$(answers st1-right | cut -d' ' -f1)" alice@example.com
text=$(answer_text st1-right)
ok "STATUS answer: the number" grep -q "$num" <<<"$text"
ok "STATUS answer: the state (zh, en)" bash -c "grep -q '状态：材料齐全' <<<\"\$1\" && grep -q 'State: complete' <<<\"\$1\"" _ "$text"
ok "STATUS answer: what is missing" grep -q "To add or correct:" <<<"$text"
ok "STATUS answer: the interview fee outstanding" grep -q "interview): 1000 yuan" <<<"$text"
ok "STATUS answer: the next step" grep -q "Next: The centre will carry out its initial review" <<<"$text"
is "STATUS item points at the application" "$(q "SELECT a.number FROM items i JOIN applications a ON a.id = i.application_id WHERE i.ref = 'new/st1-right'")" "$num"
is "STATUS from another address: a reply" "$(answers st2-wrong | cut -d' ' -f1)" mallory@example.net
text=$(answer_text st2-wrong)
ok "STATUS from another address: no number in it" bash -c "! grep -q 'RRA-' <<<\"\$1\"" _ "$text"
ok "STATUS from another address: no state in it" bash -c "! grep -qi 'complete\|材料齐全\|1000' <<<\"\$1\"" _ "$text"
is "STATUS from another address: recorded as refused" "$(item st2-wrong | cut -d' ' -f1-6)" "status no application of this sender"
is "STATUS twice within the hour: the second is not answered" "$(answers st3-again | wc -l)" 0
is "STATUS twice: recorded why" "$(item st3-again)" "status answered within the hour"
is "STATUS by the first line, from the manifest's address, with the number: still quiet within the hour" \
	"$(answers st4-manifest | wc -l)" 0
is "STATUS not addressed to the intake: not answered" "$(answers st5-notours | wc -l)" 0
is "STATUS is never a message without a packet" "$(q "SELECT count(*) FROM items WHERE id > $ib AND status = 'no_packet'")" 0
summary_check "run 2 summary" "$out" "$ib" "$ob" "$ab"

# Two hours later: answered again, with and without the number.
later=$(date -u -d '+2 hours' +%Y-%m-%dT%H:%M:%SZ)
mail st-later-num rp=zhang.wei@example.com from=zhang.wei@example.com subject="Hi" body="STATUS $num"
mail st-later-wrong rp=mallory@example.net from=mallory@example.net subject=STATUS
mail st-later-wrong2 rp=mallory@example.net from=mallory@example.net subject=STATUS
mail st-unknown-num rp=alice@example.com from=alice@example.com subject="STATUS RRA-1999-000001"
PACKETD_NOW=$later P run --once >/dev/null 2>"$WORK/run3.log"
is "STATUS an hour later, by the first line, from the manifest's address, with the number: answered" \
	"$(answers st-later-num | cut -d' ' -f1)" zhang.wei@example.com
ok "STATUS with the number: that application" grep -q "$num" <<<"$(answer_text st-later-num)"
is "STATUS refusals: one per address an hour" "$(answers st-later-wrong | wc -l)+$(answers st-later-wrong2 | wc -l)" "1+0"
is "STATUS about a number that is not the sender's: refused" "$(item st-unknown-num | cut -d' ' -f1-6)" "status no application of this sender"
ok "STATUS refusal names nothing" bash -c "! grep -q 'RRA-' <<<\"\$1\"" _ "$(answer_text st-unknown-num)"

is "integrity_check" "$(q 'PRAGMA integrity_check')" ok
