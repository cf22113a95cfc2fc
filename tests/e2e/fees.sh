#!/bin/bash
# Fees, CPD, reschedules and retention with the clock moved across years
# (PACKETD_NOW): four applicants from four provinces, only one of which
# (Jiangsu) has a CMES membership line in requirements.ini. 王芳 (Guangdong,
# senior engineer without the CMES qualification) owes the CMES membership
# at her society's unstated rate; 陈刚 (Sichuan, IEng, CMES engineer);
# 刘洋 (Jiangsu, senior engineer, the configured 200); 赵敏 (Shandong) misses
# her interview and is purged years later. Each notice is read in both
# languages; show --json, pay, certify and the report must agree.
source "$(dirname "$0")/../lib.sh"
fresh_install
S="$PACKETD_TOP/samples"
DB="$WORK/spool/packetd.db"
P() { "$PACKETD" "$@"; }
at() { export PACKETD_NOW="$1"; }
run() { P run --once >>"$WORK/run.log" 2>&1; }
q() { sqlite3 "$DB" "$1"; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
state() { q "SELECT state FROM applications WHERE number = '$1'"; }
has() {  # has "description" TEXT pattern...: every fixed string is in TEXT
	local desc=$1 text=$2 miss=""
	shift 2
	for p in "$@"; do grep -qF -- "$p" <<<"$text" || miss="$miss [$p]"; done
	tap_n=$((tap_n + 1))
	if [ -z "$miss" ]; then echo "ok $tap_n - $desc"; else echo "not ok $tap_n - $desc (missing:$miss)"; fi
}
hasnt() {  # hasnt "description" TEXT pattern...: no fixed string is in TEXT
	local desc=$1 text=$2 found=""
	shift 2
	for p in "$@"; do grep -qF -- "$p" <<<"$text" && found="$found [$p]"; done
	tap_n=$((tap_n + 1))
	if [ -z "$found" ]; then echo "ok $tap_n - $desc"; else echo "not ok $tap_n - $desc (found:$found)"; fi
}
# The decoded text, subject and attachments of the newest notice of a kind
# to an address, straight from the outbox table.
notice() {  # notice ADDRESS KIND
	python3 - "$DB" "$1" "$2" <<'PY'
import email, sqlite3, sys
from email import policy
db = sqlite3.connect(sys.argv[1])
row = db.execute("SELECT body FROM outbox JOIN outbox_bodies USING (id) WHERE recipients = ? AND kind = ? ORDER BY id DESC LIMIT 1",
                 (sys.argv[2], sys.argv[3])).fetchone()
if row is None:
    print("NO NOTICE"); sys.exit(0)
m = email.message_from_bytes(bytes(row[0]), policy=policy.default)
print("SUBJECT:", m['subject'])
for part in m.walk():
    if part.get_content_type() == 'text/plain' and not part.get_filename():
        print(part.get_content())
    elif part.get_filename():
        print("ATTACHMENT:", part.get_filename())
        print(part.get_payload(decode=True).decode('utf-8'))
PY
}
# Mails a packet made from a sample, its manifest's fields replaced; with
# extra=TEXT a line is added to the English CPD records (a file of its own).
send() {  # send PACKET MESSAGE-ID field=value...
	python3 - "$@" >"$WORK/send.eml" <<'PY'
import io, sys, zipfile, email.message
src, mid, *fields = sys.argv[1:]
kv = dict(f.split('=', 1) for f in fields)
extra = kv.pop('extra', None)
only = kv.pop('only', None)
out = io.BytesIO()
with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, 'w') as zout:
    for info in zin.infolist():
        data, name = zin.read(info.filename), info.filename
        if not info.flag_bits & 0x800:
            try:
                name = name.encode('cp437').decode('gbk')
            except UnicodeError:
                pass
        if name.endswith('manifest.ini'):
            text = data.decode('utf-8')
            text = '\n'.join(l if l.split('=')[0].strip() not in kv else f"{l.split('=')[0].strip()} = {kv[l.split('=')[0].strip()]}"
                             for l in text.splitlines()) + '\n'
            data = text.encode('utf-8')
        if extra and name.startswith('CPD Record-English'):
            data += (extra + '\n').encode('utf-8')
        if only and only not in name and not name.endswith('manifest.ini'):
            continue
        zout.writestr(name, data)
m = email.message.EmailMessage()
m['From'] = kv['email']
m['To'] = 'rra@cmes.example'
m['Subject'] = 'application'
m['Message-ID'] = '<' + mid + '>'
m.set_content('Packet attached.')
m.add_attachment(out.getvalue(), maintype='application', subtype='zip', filename='packet.zip')
sys.stdout.write(m.as_string())
PY
	deliver "$WORK/send.eml"
}
num() { q "SELECT number FROM applications WHERE json_extract(applicant_json, '$.email') = '$1' ORDER BY id LIMIT 1"; }

GD=广东省机械工程学会 SC=四川省机械工程学会 JS=江苏省机械工程学会 SD=山东省机械工程学会
WF=wang.fang@example.com CG=chen.gang@example.com LY=liu.yang@example.com ZM=zhao.min@example.com

# ---- four packets, 2027-03-01 ----
at 2027-03-01T10:00:00+08:00
send "$S/packets/ceng-complete.zip" wf@example.com email=$WF name_zh=王芳 "name_en=WANG Fang" cmes_no=M2027000001 \
	province=$GD cmes_qualification=none senior_engineer=yes
send "$S/packets/ceng-complete.zip" cg@example.com email=$CG name_zh=陈刚 "name_en=CHEN Gang" cmes_no=M2027000002 \
	province=$SC
send "$S/packets/ceng-complete.zip" ly@example.com email=$LY name_zh=刘洋 "name_en=LIU Yang" cmes_no=M2027000003 \
	province=$JS cmes_qualification=none senior_engineer=yes
send "$S/packets/ceng-complete.zip" zm@example.com email=$ZM name_zh=赵敏 "name_en=ZHAO Min" cmes_no=M2027000004 \
	province=$SD "extra=2026-11-20,Only in this packet,Shandong MES,4,Z.M."
send "$S/packets/ceng-complete.zip" sl@example.com email=sun.li@example.com name_zh=孙丽 "name_en=SUN Li" \
	cmes_no=M2027000005 province=$JS "extra=2026-12-01,Returned one,Jiangsu MES,2,S.L."
run
A=$(num $WF) B=$(num $CG) C=$(num $LY) D=$(num $ZM) E=$(num sun.li@example.com)
is "five applications, all complete" "$(q "SELECT count(*) FROM applications WHERE state = 'complete'")" 5
P review "$E" --return "signatures missing" >/dev/null

# ---- small things ----
P list --state bogus >/dev/null 2>"$WORK/err"; rc=$?
is "list --state bogus exits 2" "$rc" 2
has "list --state bogus names the valid states" "$(cat "$WORK/err")" "bogus" "re_registration_due" "interview_planned"
is "list --state complete lists the four not returned" "$(P list --state complete | wc -l)" 4
has "show without --json: a readable summary" "$(P show "$A")" "$A  complete  CEng" "王芳 / WANG Fang" "$GD" "history:"
has "check-config names the societies without a fee line" "$(P check-config)" \
	"no line for $GD" "no line for $SC" "no line for $SD"
hasnt "check-config: Jiangsu has its line" "$(P check-config)" "no line for $JS"

# ---- interview fees; payments of one cycle share one notice ----
P pay "$A" --item interview --amount 400 --ref A1 >/dev/null
out=$(P pay "$A" --item interview --amount 600 --ref A2)
has "pay says what is outstanding for the item and in total" "$out" \
	"still outstanding: 0 yuan for interview (Interview fee), 0 yuan in total"
is "two payments in one cycle: one payment notice" "$(q "SELECT count(*) FROM outbox WHERE kind = 'payment'")" 1
has "the one notice lists both payments (zh, en)" "$(notice $WF payment)" "面试费（interview）：400 元，凭证 A1" \
	"面试费（interview）：600 元，凭证 A2" "Interview fee (interview): 400 yuan, reference A1" "1000 元 / Payment received: 1000 yuan"
for x in "$B" "$C" "$D"; do P pay "$x" --item interview --amount 1000 >/dev/null; done
run
P pay "$A" --item interview --amount 1 >/dev/null 2>&1
is "nothing more owed for the interview" "$?" 1
is "after the cycle sent it, the notice stays sent" "$(q "SELECT count(*) FROM outbox WHERE kind = 'payment' AND state = 'sent'")" 4

# ---- review, SOEHK, interviews: overlap warns, a move says so ----
for x in "$A" "$B" "$C" "$D"; do P review "$x" --approve >/dev/null; done
P transmit --out "$WORK/tx" >/dev/null
for x in "$A" "$B" "$C" "$D"; do P soehk "$x" --accept >/dev/null; done
ROOM="CMES Beijing, Room 5"
P interview "$A" --at "2027-04-10 09:00" --place "$ROOM" >/dev/null 2>"$WORK/err"
is "first interview: no warning" "$(cat "$WORK/err")" ""
P interview "$B" --at "2027-04-10 09:30" --place "$ROOM" >/dev/null 2>"$WORK/err"; rc=$?
is "overlapping interview at one place is planned (exit 0)" "$rc/$(state "$B")" 0/interview_planned
has "... with a warning naming the other" "$(cat "$WORK/err")" "warning" "overlaps" "$A" "09:00"
P interview "$C" --at "2027-04-10 09:30" --place "Elsewhere" >/dev/null 2>"$WORK/err"
is "same time at another place: no warning" "$(cat "$WORK/err")" ""
P interview "$D" --at "2027-04-11 09:00" --place "$ROOM" >/dev/null 2>&1
text=$(notice $WF interview)
has "senior engineer without CMES qualification: bring the senior engineer certificate" "$text" \
	"高级工程师专业技术资格证书原件" "senior engineer (高级工程师) qualification certificate"
hasnt "... and not a CMES engineer certificate" "$text" "机械工程师（或专业工程师）资格证书" "CMES mechanical (or professional) engineer certificate"
has "a CMES engineer brings the CMES certificate" "$(notice $CG interview)" "机械工程师（或专业工程师）资格证书原件" \
	"CMES mechanical (or professional) engineer certificate"
at 2027-03-02T10:00:00+08:00
P interview "$A" --at "2027-04-12 14:00" --place "$ROOM" >/dev/null 2>&1
text=$(notice $WF interview_moved)
has "moved interview: 改期 / rescheduled in the subject" "$text" "SUBJECT: [$A] 面试改期：2027-04-12 14:00 / Interview rescheduled: 2027-04-12 14:00"
has "... replaces the earlier plan, naming its date and time (zh, en)" "$text" "取代原定于 2027-04-10 09:00" \
	"replaces the earlier plan for 2027-04-10 09:00" "日期：2027-04-12" "Date: 2027-04-12"
has "... the .ics updates the same UID (SEQUENCE 1)" "$text" "UID:$A-interview@cmes.example" "SEQUENCE:1" "DTSTART:20270412T060000Z"

# ---- results; fees at a society's unstated rate ----
at 2027-04-11T18:00:00+08:00
P result "$D" --no-show >/dev/null
at 2027-04-12T18:00:00+08:00
for x in "$A" "$B" "$C"; do P result "$x" --pass >/dev/null; done
text=$(notice $WF result_pass)
has "pass notice: CMES membership at the Guangdong society's rate (zh, en)" "$text" \
	"（cmes_membership）：按${GD}收费标准缴纳" "(cmes_membership): at the rate of $GD" \
	"合计：2100 元，另加按${GD}收费标准缴纳的 CMES 会员费" "Total: 2100 yuan, plus the CMES membership at the rate of $GD"
has "Jiangsu: the configured amount, named as the society's scale" "$(notice $LY result_pass)" \
	"（cmes_membership）：200 元（按${JS}收费标准）" "Total: 2300 yuan"
is "show --json: the unknown fee has due null" "$(P show "$A" --json | json "d['fees']['cmes_membership']['due']")" None
is "show --json: fees_total names it" "$(P show "$A" --json | json "d['fees_total']['unknown']")" "['cmes_membership']"
for i in soe_membership:500 soe_registration:1200 cmes_registration:400; do P pay "$A" --item "${i%%:*}" --amount "${i##*:}" >/dev/null; done
P certify "$A" >/dev/null 2>"$WORK/err"; rc=$?
is "certify refused while the society's rate is unpaid" "$rc/$(state "$A")" 1/fees_due
has "refusal names it" "$(cat "$WORK/err")" "cmes_membership at the rate of $GD"
has "... in both languages" "$(cat "$WORK/err")" "packetd: 申请 $A 尚有未缴费用，结清后方可发放证书" "packetd: $A: certificates wait for the fees outstanding"
ok "refusal text: no double spaces, no trailing ;" python3 -c "import sys; t=open('$WORK/err').read().rstrip('\n'); sys.exit(0 if '  ' not in t and not t.endswith(';') else 1)"
out=$(P pay "$A" --item cmes_membership --amount 260 --ref GD-2027)
has "pay accepts the amount the society states" "$out" "cmes_membership 260 yuan recorded" "0 yuan in total"
is "show: the society's amount is now due and paid" "$(P show "$A" --json | json "(d['fees']['cmes_membership']['due'], d['fees']['cmes_membership']['outstanding'])")" "(260, 0)"
P pay "$A" --item cmes_membership --amount 10 >/dev/null 2>"$WORK/err"
is "a second payment for it is refused" "$?" 1
has "... saying nothing is owed, in both languages" "$(cat "$WORK/err")" "在状态 fees_due 下不欠 cmes_membership 费用（应缴 260 元，已缴 260 元）" \
	"nothing is owed for cmes_membership in state fees_due (due 260, paid 260)"
P certify "$A" >/dev/null
for i in soe_membership:500 soe_registration:1200; do P pay "$B" --item "${i%%:*}" --amount "${i##*:}" >/dev/null; done
for i in soe_membership:500 soe_registration:1200 cmes_membership:200 cmes_registration:400; do P pay "$C" --item "${i%%:*}" --amount "${i##*:}" >/dev/null; done
P certify "$B" >/dev/null; P certify "$C" >/dev/null
is "three certified" "$(q "SELECT count(*) FROM applications WHERE state = 'certified'")" 3
has "certified notice: the CMES re-registration amount (zh, en)" "$(notice $WF certified)" "再注册费 110 元，每三年" \
	"re-registration fee, 110 yuan, is due every three years" "SOE 再注册费（每年）（soe_reregistration） 第 1 年（2028-04-12 起）：290 元"

# ---- re-registration: one ledger, CPD gates it ----
at 2028-04-13T10:00:00+08:00; run
is "re-registration due for the three" "$(q "SELECT count(*) FROM applications WHERE state = 're_registration_due'")" 3
text=$(notice $CG reregistration)
has "year 1: the year's fees with their period (zh, en)" "$text" "SOE 会员费（soe_membership） 第 1 年（2028-04-12 起）：500 元" \
	"SOE re-registration (a year) (soe_reregistration) year 1 (from 2028-04-12): 290 yuan" "Total: 790 yuan"
has "re-registration notice: CPD hours recorded and missing (zh, en)" "$text" "2027 年已记录 0 小时，尚缺 48 小时" \
	"For 2027, 0 hours are recorded and 48 hours are missing"
is "show --json lists the year's fees the notice asks for" \
	"$(P show "$B" --json | json "sorted((k, p['year'], p['outstanding']) for k, v in d['fees'].items() for p in v['periods'] if p['outstanding'])")" \
	"[('soe_membership', 1, 500), ('soe_reregistration', 1, 290)]"
P report nightly --out "$WORK/rep" >/dev/null
is "report: the same amount outstanding for 陈刚" "$(grep "^fees,$B," "$WORK/rep"/report-*.csv | cut -d, -f4)" 790
has "report: the same items, and the CPD hours recorded and missing" "$(grep "^fees,$B," "$WORK/rep"/report-*.csv)" \
	"soe_membership=500;soe_reregistration=290;cpd_2027=0/48 (missing 48)"
P pay "$B" --item soe_membership --amount 500 >/dev/null
out=$(P pay "$B" --item soe_reregistration --amount 290)
is "fees paid, CPD missing: still re_registration_due" "$(state "$B")" re_registration_due
has "pay says what re-registration waits for" "$out" "waits for CPD: 0 of 48 hours recorded for 2027"
P cpd "$B" --year 2027 --hours 30 --ref "course A" --by zhou >/dev/null
is "30 hours: still due" "$(state "$B")" re_registration_due
P cpd "$B" --year 2027 --hours 200.55 >/dev/null 2>"$WORK/err"
is "cpd --hours with two decimals refused" "$?" 1
has "... in both languages" "$(cat "$WORK/err")" "--hours 必须是 0 至 2000 之间的学时（最多一位小数），而不是“200.55”" \
	'--hours must be hours from 0 to 2000 (one decimal at most), not "200.55"'
P cpd "$B" --year 2031 --hours 10 >/dev/null 2>"$WORK/err"
is "cpd for a future year refused" "$?" 1
has "... in both languages" "$(cat "$WORK/err")" "--year 必须是 1950 至 2028 之间的年份，而不是 2031" "--year must be a year from 1950 to 2028, not 2031"
out=$(P cpd "$B" --year 2027 --hours 48.5 --ref "record checked" --by zhou)
is "48.5 hours recorded and fees paid → certified" "$(state "$B")" certified
has "cpd says so" "$out" "48.5 hours of CPD recorded for 2027" "re-registered for year 1"
is "history: cpd by zhou, then re_registered" \
	"$(q "SELECT group_concat(event || ':' || \"by\", ' ') FROM (SELECT event, \"by\" FROM history WHERE application_id = (SELECT id FROM applications WHERE number = '$B') AND event IN ('cpd', 're_registered') ORDER BY id)")" \
	"cpd:zhou cpd:zhou re_registered:zhou"
is "show --json: CPD of 2027" "$(P show "$B" --json | json "(d['cpd']['recorded'], d['cpd']['missing'])")" "(48.5, 0.0)"

# ---- year 2: the member emails a CPD record ----
at 2029-04-13T10:00:00+08:00; run
is "陈刚: year 2 due" "$(state "$B")" re_registration_due
has "year 2 notice: the CPD of 2028 (zh, en)" "$(notice $CG reregistration)" "第 2 年" "2028 年已记录 0 小时，尚缺 48 小时" \
	"For 2028, 0 hours are recorded"
# a first record, too short, before the fees: answered with what is missing
send "$S/packets/ceng-complete.zip" cg-cpd-short@example.com email=$CG name_zh=陈刚 "name_en=CHEN Gang" \
	cmes_no=M2027000002 province=$SC only=CPD "extra=2028-05-10,Course: hydraulics,Sichuan MES,20,C.G."
run
is "a record short of the hours: still due" "$(state "$B")" re_registration_due
cpd_to=$(q "SELECT recipients FROM outbox WHERE kind = 'cpd'")
has "its receipt says what re-registration still waits for (zh, en)" "$(notice "$cpd_to" cpd)" \
	"2028 年：20 小时" "再注册尚未完成：2028 年已记录 20 小时，尚缺 28 小时" "2028: 20 hours" \
	"Re-registration is not complete yet: for 2028, 20 hours are recorded and 28 are missing"
P pay "$B" --item soe_membership --amount 500 >/dev/null; P pay "$B" --item soe_reregistration --amount 290 >/dev/null
send "$S/packets/ceng-complete.zip" cg-cpd@example.com email=$CG name_zh=陈刚 "name_en=CHEN Gang" cmes_no=M2027000002 \
	province=$SC only=CPD "extra=2028-05-10,Course: hydraulics,Sichuan MES,30,C.G.
2028-09-10,Seminar: gearbox design,Sichuan MES,20.5,C.G."
run
is "the emailed record's 50.5 hours of 2028 complete the re-registration" "$(state "$B")" certified
is "recorded from each record, per year" \
	"$(q "SELECT group_concat(year || ':' || hours || ':' || source, ' ') FROM (SELECT * FROM cpd_hours WHERE year = 2028 ORDER BY id)")" \
	"2028:20.0:record 2028:50.5:record"
has "history: cpd from the record, re_registered" "$(P show "$B")" "CPD 2028: 50.5 hours from the member's CPD record" "re_registered"
is "the records' items: status cpd, on the member's application" \
	"$(q "SELECT group_concat(status || ':' || detail) FROM items WHERE ref LIKE '%cg-cpd%' OR key LIKE '%cg-cpd%'")" "cpd:$B,cpd:$B"
is "a record alone opens no application of its own" \
	"$(q "SELECT count(*) FROM applications a JOIN applicants p ON p.id = a.applicant_id WHERE p.cmes_no = 'M2027000002'")" 1
ok "its documents join the member's application" test "$(q "SELECT count(*) FROM files WHERE doc = 'cpd_record'
	AND added_at >= '2029-04-13' AND application_id = (SELECT id FROM applications WHERE number = '$B')")" -ge 2
is "each record is answered by a CPD receipt, not as an application" \
	"$(q "SELECT count(*) FILTER (WHERE kind = 'cpd') || ',' || count(*) FILTER (WHERE kind IN ('ack', 'rejected'))
	FROM outbox WHERE recipients = '$cpd_to' AND created_at >= '2029-04-13'")" "2,0"
has "the CPD receipt names the registration and the hours per year (zh, en)" "$(notice "$cpd_to" cpd)" \
	"[$B]" "已记入您的注册 $B" "2028 年：50.5 小时" "recorded under your registration $B" "2028: 50.5 hours" \
	"您的注册当前有效。" "Your registration is current." "This message does not open a new application"

# ---- retention: years later, dry run then real ----
at 2030-04-12T10:00:00+08:00
P purge --dry-run --json >"$WORK/dry.json"
is "purge --dry-run: only 赵敏 (no-show 2027-04-11) and 孙丽 (returned 2027-03-01) are due" \
	"$(json "sorted(a['application'] for a in d['applications'])" <"$WORK/dry.json")" \
	"$(python3 -c 'import sys; print(sorted(sys.argv[1:]))' "$D" "$E")"
files_d() { q "SELECT count(*) FROM files WHERE application_id = (SELECT id FROM applications WHERE number = '$D') AND purged_at IS NULL"; }
before=$(files_d)
is "dry run changes nothing" "$before/$(q "SELECT count(*) FROM history WHERE event = 'purge'")" "$before/0"
own=$(q "SELECT stored_path FROM files f WHERE application_id = (SELECT id FROM applications WHERE number = '$D') AND NOT EXISTS (SELECT 1 FROM files g WHERE g.stored_path = f.stored_path AND g.application_id <> f.application_id) LIMIT 1")
shared=$(q "SELECT stored_path FROM files f WHERE application_id = (SELECT id FROM applications WHERE number = '$D') AND f.name NOT LIKE '%CPD%' AND EXISTS (SELECT 1 FROM files g WHERE g.stored_path = f.stored_path AND g.application_id <> f.application_id) LIMIT 1")
is "赵敏 has a document of her own and shared ones" "$(kept "$own")/$(kept "$shared")" present/present
ok "the transmittal archive stays while its applications keep documents" test -n "$(ls "$WORK/tx")"
P purge --json >"$WORK/purge.json"
is "purge: her own documents deleted, shared ones kept" "$(json "(d['applications'][0]['deleted'] > 0, d['applications'][0]['kept'] > 0)" <"$WORK/purge.json")" "(True, True)"
is "her own stored document is gone" "$(kept "$own")" gone
is "a document a live application shares stays" "$(kept "$shared")" present
is "show --json marks her files purged" "$(P show "$D" --json | json "all(f.get('purged') for s in d['documents'] for f in s['files'])")" True
is "names and hashes stay in the ledger" "$(q "SELECT count(*) FROM files WHERE application_id = (SELECT id FROM applications WHERE number = '$D') AND sha256 <> '' AND name <> ''")" "$before"
is "history records the purge" "$(q "SELECT DISTINCT event || ':' || \"by\" FROM history WHERE event = 'purge'")" "purge:$(id -un)"
P purge >/dev/null
is "purge again: nothing more" "$(q "SELECT count(*) FROM history WHERE event = 'purge'")" 2
send "$S/packets/ceng-complete.zip" sl2@example.com email=sun.li@example.com name_zh=孙丽 "name_en=SUN Li" \
	cmes_no=M2027000005 province=$JS only=CPD
at 2030-04-12T11:00:00+08:00; run
is "a purged returned application takes no resubmission: a new application" \
	"$(state "$E")/$(q "SELECT count(*) FROM applications WHERE json_extract(applicant_json, '$.email') = 'sun.li@example.com'")" "returned/2"
is "the daemon's daily purge: the certified ones are within three years of certification" "$(q "SELECT count(*) FROM history WHERE event = 'purge'")" 2
at 2030-04-12T20:00:00+08:00; run
is "... and once a day only" "$(q "SELECT count(*) FROM history WHERE event = 'purge'")" 2
at 2030-04-13T10:00:00+08:00; run
is "... certified 2027-04-12: purged on the next day's cycle" "$(q "SELECT count(*) FROM history WHERE event = 'purge'")" 5
is "the shared document is gone once nobody keeps it" "$(kept "$shared")" gone
ok "the transmittal archive is gone once its applications are purged" test -z "$(ls "$WORK/tx")"
is "a CPD record the new application shares stays" "$(kept "$(q "SELECT stored_path FROM files WHERE application_id = (SELECT max(id) FROM applications WHERE json_extract(applicant_json, '$.email') = 'sun.li@example.com') LIMIT 1")")" present
is "integrity_check" "$(q 'PRAGMA integrity_check')" ok
