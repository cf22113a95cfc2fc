#!/bin/bash
# End to end on the embedded default: the sample emails and batch go through
# `packetd run --once` on a throw-away installation; the database, the
# outbox Maildir, the receipts and the sources are inspected after, then the
# run is repeated to show nothing is done twice.
source "$(dirname "$0")/../lib.sh"
fresh_install
S="$PACKETD_TOP/samples"
P() { "$PACKETD" "$@"; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
outbox_count() { find "$WORK/mailboxes/outbox/new" -type f ! -name '.*' | wc -l; }
# A header of the newest notice sent to an address.
notice_for() { grep -l -i "^To: .*$1" "$WORK"/mailboxes/outbox/new/* 2>/dev/null | head -n 1; }
decoded() { python3 - "$1" <<'EOF'
import email, sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=policy.default)
print("SUBJECT:", m['subject'])
for part in m.walk():
    if part.get_content_type() == 'text/plain':
        print(part.get_content())
EOF
}

for f in "$S"/mail/*.eml; do deliver "$f" "$(basename "$f" .eml)"; done
cp "$S/batches/jiangsu-2026-11.zip" "$WORK/spool/drop/"
touch -d '1 minute ago' "$WORK/spool/drop/jiangsu-2026-11.zip"
# A batch still being uploaded must not be taken.
cp "$S/batches/jiangsu-2026-11.zip" "$WORK/spool/drop/uploading.zip.part"
cp "$S/batches/jiangsu-2026-11.zip" "$WORK/spool/drop/fresh.zip"
# Its mtime ahead of the clock: a cycle that reaches the drop more than
# settle_seconds after the copy (a loaded machine) must still find it fresh.
touch -d '+1 hour' "$WORK/spool/drop/fresh.zip"

out=$(P run --once 2>"$WORK/run1.log")
ok "run --once exits 0" test $? = 0
ok "summary line printed" grep -q "applications" <<<"$out"

list=$(P list --json)
n_apps=$(json "len(d)" <<<"$list")
# 10 packets by mail (the forwarded one included; the traversal one is rejected) + 3 batch rows
is "applications recorded" "$n_apps" 14
is "complete CEng sample" "$(json "[a['state'] for a in d if a['applicant'].get('cmes_no')=='M2024001234'][0]" <<<"$list")" complete
is "GBK IEng sample complete" "$(json "[a['state'] for a in d if a['applicant'].get('name_zh')=='李娜'][0]" <<<"$list")" complete
is "rejected hostile packet" "$(json "sum(1 for a in d if a['state']=='rejected')" <<<"$list")" 1

# The acknowledgement of the complete CEng packet: threaded, auto-submitted, bilingual.
ack=$(notice_for zhang.wei@example.com)
ok "ack written for zhang.wei" test -n "$ack"
ok "ack threads to the applicant's message" grep -q "^In-Reply-To: <20261102.ceng-complete@mail.example.com>" "$ack"
ok "ack is Auto-Submitted: auto-replied" grep -q "^Auto-Submitted: auto-replied" "$ack"
text=$(decoded "$ack")
ok "ack carries the application number" grep -qE "RRA-[0-9]{4}-[0-9]{6}" <<<"$text"
ok "ack has the Chinese checklist line" grep -q "会员申请表（中文）：收到 2 份，需要 2 份" <<<"$text"
ok "ack has the English checklist line" grep -q "SOE membership application form (English): 2 of 2 copies" <<<"$text"
ok "ack states the interview fee" grep -q "1000" <<<"$text"

# The incomplete one names the missing copy in both languages.
inc=$(notice_for wang.fang@example.com)
text=$(decoded "$inc")
ok "missing copy named in the notice (zh)" grep -q "收到 1 份，需要 2 份" <<<"$text"
ok "missing copy named in the notice (en)" grep -q "1 of 2 copies" <<<"$text"

# No answer to auto-replies, bounces, our own address; a notice for no packet.
ok "no reply to the bounce" test -z "$(notice_for MAILER-DAEMON)"
ok "no-packet notice sent" test -n "$(notice_for sun.li@example.com)"
ok "auto-reply not answered" test "$(grep -l "20261102.auto-reply" "$WORK"/mailboxes/outbox/new/* | wc -l)" = 0

# Sources: the inbox is empty, the batch moved out of drop, the part file left.
ok "inbox emptied" test "$(find "$WORK/mailboxes/inbox/new" "$WORK/mailboxes/inbox/cur" -type f ! -name '.*' | wc -l)" = 0
ok "messages kept in processed" test "$(find "$WORK/mailboxes/processed/cur" -type f | wc -l)" -ge 10
ok "rejected message in rejected" test "$(find "$WORK/mailboxes/rejected/cur" -type f | wc -l)" -ge 1
ok "batch moved out of drop" test ! -e "$WORK/spool/drop/jiangsu-2026-11.zip"
ok "uploading .part file left alone" test -e "$WORK/spool/drop/uploading.zip.part"
ok "fresh file left for the next cycle" test -e "$WORK/spool/drop/fresh.zip"
receipt="$WORK/spool/receipts/jiangsu-2026-11.receipt.csv"
ok "receipt written" test -f "$receipt"
is "receipt starts with a UTF-8 BOM" "$(head -c 3 "$receipt" | od -An -tx1 | tr -d ' ')" efbbbf
is "receipt has one row per applicant" "$(python3 -c "import csv,sys; print(len(list(csv.reader(open(sys.argv[1],encoding='utf-8-sig'))))-1)" "$receipt")" 3
ok "receipt names the outcome of each row" grep -q "RRA-" "$receipt"
ok "receipt emailed to the society" test -n "$(notice_for office@jsmes.example)"

# show --json: the SPEC fields.
num=$(json "[a['id'] for a in d if a['applicant'].get('cmes_no')=='M2024001234'][0]" <<<"$list")
show=$(P show "$num" --json)
is "show: id" "$(json "d['id']" <<<"$show")" "$num"
is "show: source kind" "$(json "d['source']['kind']" <<<"$show")" maildir
is "show: 16 document files" "$(json "sum(len(x['files']) for x in d['documents'])" <<<"$show")" 16
is "show: history starts at received/complete" "$(json "d['history'][0]['to']" <<<"$show")" complete
is "show: files carry sha256" "$(json "len(d['documents'][0]['files'][0]['sha256'])" <<<"$show")" 64

# Kept documents: the same bytes once, in a pack, whatever the packets.
DB="$WORK/spool/packetd.db"
q() { sqlite3 "$DB" "$1"; }
is "one name per document's bytes, shared by every row holding them" \
	"$(q "SELECT count(DISTINCT sha256) = count(DISTINCT stored_path) AND count(*) > count(DISTINCT sha256) FROM files WHERE coalesce(stored_path, '') <> ''")" 1
is "the packs hold each document once, nothing else" \
	"$(cat "$WORK"/spool/packs/*.pack | wc -c)" "$(q "SELECT sum(size) FROM (SELECT DISTINCT sha256, size FROM files WHERE coalesce(stored_path, '') <> '')")"
ok "no file of its own per document" test ! -e "$WORK/spool/files"

# Run again: nothing duplicated.
before=$(outbox_count)
for f in "$S"/mail/*.eml; do deliver "$f" "again-$(basename "$f" .eml)"; done
cp "$S/batches/jiangsu-2026-11.zip" "$WORK/spool/drop/jiangsu-again.zip"
touch -d '1 minute ago' "$WORK/spool/drop/jiangsu-again.zip"
P run --once >/dev/null 2>"$WORK/run2.log"
is "rerun: no new application" "$(P list --json | json "len(d)")" "$n_apps"
is "rerun: no new notice" "$(outbox_count)" "$before"

# The same archive under a new Message-ID: told it was already received.
sed 's/^Message-ID: <20261102.ceng-complete@mail.example.com>/Message-ID: <resent.1@mail.example.com>/' \
	"$S/mail/01-ceng-complete.eml" >"$WORK/resent.eml"
deliver "$WORK/resent.eml" resent
P run --once >/dev/null 2>>"$WORK/run2.log"
is "same archive twice: still no new application" "$(P list --json | json "len(d)")" "$n_apps"
dup=$(grep -l "resent.1@mail.example.com" "$WORK"/mailboxes/outbox/new/* | head -n 1)
ok "duplicate notice sent" test -n "$dup"
ok "duplicate notice names the application" grep -q "$num" <<<"$(decoded "$dup")"

# Two runs on one spool: the second refuses.
exec 9>"$WORK/spool/lock"
flock 9
P run --once >/dev/null 2>"$WORK/lock.log"
ok "second run refused while the spool is locked" test $? -ne 0
ok "lock refusal is explained" grep -q "lock" "$WORK/lock.log"
exec 9>&-

# A bad config names file, line and key.
printf '[packetd]\nspool = ../spool\ndatabase = ../spool/x.db\nbogus = 1\n' >"$WORK/config/bad.conf"
P -c "$WORK/config/bad.conf" check-config 2>"$WORK/bad.log"
ok "bad config refused" test $? -ne 0
ok "bad config error names file:line: key" grep -q "bad.conf:4: bogus" "$WORK/bad.log"

# The database is consistent.
is "integrity_check" "$(sqlite3 "$WORK/spool/packetd.db" 'PRAGMA integrity_check')" ok

# validate takes its options after the packet too (the documented order).
P validate "$S/packets/incomplete-wrong-variant.zip" --json --target CEng >"$WORK/v.json"
is "validate PACKET --json --target: exit 1 for incomplete" "$?" 1
is "validate JSON names the variant finding" \
	"$(json "[f['document'] for f in d['findings'] if f['code']=='cross_reference_variant'][0]" <"$WORK/v.json")" cross_reference
P validate "$S/packets/ceng-complete.zip" >/dev/null
is "validate: exit 0 for complete" "$?" 0
P validate "$S/hostile/traversal.zip" >/dev/null
is "validate: exit 2 for rejected" "$?" 2
P validate /nonexistent.zip 2>/dev/null
is "validate: exit 3 for a missing file" "$?" 3

# Provincial batches that are wrong in themselves: a row naming a packet the
# batch lacks (the other rows still go through), and a zip without batch.csv.
python3 - "$S/batches/jiangsu-2026-11.zip" "$WORK/spool/drop" <<'PY'
import io, sys, zipfile
src = zipfile.ZipFile(sys.argv[1])
rows = src.read("batch.csv").decode("utf-8-sig").splitlines()
header, first = rows[0], rows[1]
ghost = first.replace("M2023008812", "M2023009999").replace("孙丽-CEng.zip", "不存在.zip")
ghost = ghost.replace("sun.li@example.com", "ghost.row@example.com")
with zipfile.ZipFile(sys.argv[2] + "/broken-row.zip", "w") as z:
    z.writestr("batch.csv", ("\ufeff" + header + "\r\n" + first + "\r\n" + ghost + "\r\n").encode())
    z.writestr("孙丽-CEng.zip", src.read("孙丽-CEng.zip"))
with zipfile.ZipFile(sys.argv[2] + "/no-csv.zip", "w") as z:
    z.writestr("孙丽-CEng.zip", src.read("孙丽-CEng.zip"))
PY
touch -d '1 minute ago' "$WORK/spool/drop/broken-row.zip" "$WORK/spool/drop/no-csv.zip"
P run --once >/dev/null 2>"$WORK/run3.log"
r1="$WORK/spool/receipts/broken-row.receipt.csv"
r2="$WORK/spool/receipts/no-csv.receipt.csv"
rowof() { python3 -c "import csv,sys; r=list(csv.DictReader(open(sys.argv[1],encoding='utf-8-sig'))); print(r[int(sys.argv[2])][sys.argv[3]])" "$@"; }
ok "missing packet: receipt written" test -f "$r1"
is "missing packet: the good row is recorded" "$(rowof "$r1" 0 cmes_no)" M2023008812
is "missing packet: the bad row is incomplete" "$(rowof "$r1" 1 outcome)" incomplete
ok "missing packet: named in Chinese" bash -c 'grep -q "不存在.zip" <<<"$1" && grep -q "不在批量文件中" <<<"$1"' _ "$(rowof "$r1" 1 deficiencies_zh)"
ok "missing packet: named in English" bash -c 'grep -q "is not in the batch" <<<"$1"' _ "$(rowof "$r1" 1 deficiencies_en)"
ok "no batch.csv: receipt written" test -f "$r2"
is "no batch.csv: rejected" "$(rowof "$r2" 0 outcome)" rejected
ok "no batch.csv: said in both languages" bash -c 'grep -q "batch.csv" <<<"$1$2" && grep -q "没有 batch.csv" <<<"$1"' _ \
	"$(rowof "$r2" 0 deficiencies_zh)" "$(rowof "$r2" 0 deficiencies_en)"
ok "no batch.csv: moved to rejected" test -n "$(ls "$WORK/spool/rejected" | grep no-csv)"
sun=$(P list --json | json "[a['id'] for a in d if a['applicant'].get('cmes_no')=='M2023008812'][0]")
is "a packet received before: the row points at its application" "$(rowof "$r1" 0 application)" "$sun"
is "a packet received before: no second application for it" \
	"$(P list --json | json "sum(1 for a in d if a['applicant'].get('cmes_no')=='M2023008812')")" 1

# An earlier release kept each document as spool/files/<aa>/<sha256>. A
# packet bringing the same bytes again is given that name, not a second
# copy; a file an operator removed since is kept anew, in a pack. (The
# packet differs from one received before in its manifest alone, which is
# read, not kept.)
form=$(q "SELECT sha256 FROM files WHERE name = 'Application Form-English-1.pdf' LIMIT 1")
report=$(q "SELECT sha256 FROM files WHERE name = 'Work Experience Report-1.pdf' LIMIT 1")
for sha in "$form" "$report"; do
	old="$WORK/spool/files/${sha:0:2}/$sha"
	mkdir -p "$(dirname "$old")"
	python3 - "$(q "SELECT stored_path FROM files WHERE sha256 = '$sha' LIMIT 1")" "$old" <<'PY'
import sys
sys.path.insert(0, __import__('os').environ['PACKETD_TOP'] + '/tests')
import kept
open(sys.argv[2], 'wb').write(kept.kept_bytes(sys.argv[1]))
PY
	q "UPDATE files SET stored_path = '$old' WHERE sha256 = '$sha'"
done
rm "$WORK/spool/files/${report:0:2}/$report"
python3 - "$S/packets/ceng-complete.zip" >"$WORK/upgrade.eml" <<'PY'
import io, sys, zipfile, email.message
out = io.BytesIO()
with zipfile.ZipFile(sys.argv[1]) as zin, zipfile.ZipFile(out, 'w') as zout:
    for info in zin.infolist():
        data = zin.read(info.filename)
        if info.filename.endswith('manifest.ini'):
            data = data.replace(b'M2024001234', b'M2024007777').replace(b'zhang.wei@', b'zhang.upgrade@')
        zout.writestr(info, data)
m = email.message.EmailMessage()
m['From'] = 'zhang.upgrade@example.com'
m['To'] = 'rra@cmes.example'
m['Subject'] = 'CEng application'
m['Message-ID'] = '<upgrade.1@mail.example.com>'
m.set_content('packet attached')
m.add_attachment(out.getvalue(), maintype='application', subtype='zip', filename='packet.zip')
sys.stdout.buffer.write(m.as_bytes())
PY
deliver "$WORK/upgrade.eml" upgrade
packed=$(cat "$WORK"/spool/packs/*.pack | wc -c)
P run --once >/dev/null 2>"$WORK/run4.log"
new_app="(SELECT application_id FROM files WHERE id = (SELECT max(id) FROM files))"
is "upgrade: a document kept by an earlier release is named again" \
	"$(q "SELECT DISTINCT stored_path FROM files WHERE sha256 = '$form' AND application_id = $new_app")" \
	"$WORK/spool/files/${form:0:2}/$form"
is "upgrade: one whose file is gone is kept anew, in a pack, whole" \
	"$(kept "$(q "SELECT DISTINCT stored_path FROM files WHERE sha256 = '$report' AND application_id = $new_app")" "$report")" whole
is "upgrade: the rest is named, not written again: the packs grew by what only the new application names" \
	"$(( $(cat "$WORK"/spool/packs/*.pack | wc -c) - packed ))" \
	"$(q "SELECT sum(size) FROM (SELECT DISTINCT f.sha256, f.size FROM files f WHERE f.application_id = $new_app
		AND f.stored_path LIKE '%.pack@%' AND NOT EXISTS (SELECT 1 FROM files g WHERE g.stored_path = f.stored_path
		AND g.application_id <> f.application_id))")"
is "upgrade: that is the report alone" "$(q "SELECT group_concat(DISTINCT f.sha256) FROM files f WHERE f.application_id = $new_app
	AND f.stored_path LIKE '%.pack@%' AND NOT EXISTS (SELECT 1 FROM files g WHERE g.stored_path = f.stored_path
	AND g.application_id <> f.application_id)")" "$report"
