#!/bin/bash
# The certification workflow end to end on the embedded default, with time
# moved by PACKETD_NOW: a CEng applicant with the CMES qualification (张伟,
# returned once by the centre), an IEng one (李娜, returned once by SOEHK),
# a senior engineer without it (朱红, from the Jiangsu batch, completed by a
# supplement) and one who misses the interview, then fails (杨磊). Every
# notice is decoded and checked for its facts in both languages; every
# invalid command must exit 1 and change nothing; the nightly report's
# numbers are matched against the database and it is sent once.
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
outbox_rows() { q "SELECT count(*) FROM outbox"; }
# Fingerprint of everything a refused command must leave alone.
snapshot() { q "SELECT (SELECT group_concat(number || state, ',') FROM applications),
	(SELECT count(*) FROM history), (SELECT count(*) FROM outbox), (SELECT count(*) FROM payments),
	(SELECT count(*) FROM interviews)"; }
refused() {  # refused "description" command...: exit 1, nothing changed
	local desc=$1 before after rc
	shift
	before=$(snapshot)
	"$@" >/dev/null 2>"$WORK/refused.err"
	rc=$?
	after=$(snapshot)
	tap_n=$((tap_n + 1))
	if [ "$rc" = 1 ] && [ "$before" = "$after" ] && [ -s "$WORK/refused.err" ]; then
		echo "ok $tap_n - refused: $desc"
	else
		echo "not ok $tap_n - refused: $desc (exit $rc, changed: $([ "$before" = "$after" ] && echo no || echo yes))"
	fi
}
# The decoded text (and any attachment, as UTF-8) of the newest notice of a
# kind to an address, straight from the outbox table: queued notices count.
notice() {  # notice ADDRESS KIND
	python3 - "$DB" "$1" "$2" <<'EOF'
import email, sqlite3, sys
from email import policy
db = sqlite3.connect(sys.argv[1])
row = db.execute("SELECT body FROM outbox JOIN outbox_bodies USING (id) WHERE recipients = ? AND kind = ? ORDER BY id DESC LIMIT 1",
                 (sys.argv[2], sys.argv[3])).fetchone()
if row is None:
    print("NO NOTICE"); sys.exit(0)
m = email.message_from_bytes(bytes(row[0]), policy=policy.default)
print("SUBJECT:", m['subject'])
print("IN-REPLY-TO:", m['in-reply-to'])
for part in m.walk():
    if part.get_content_type() == 'text/plain' and not part.get_filename():
        print(part.get_content())
    elif part.get_filename():
        print("ATTACHMENT:", part.get_filename(), part.get_content_type())
        print(part.get_payload(decode=True).decode('utf-8'))
EOF
}
has() {  # has "description" TEXT pattern...: every fixed string is in TEXT
	local desc=$1 text=$2 miss=""
	shift 2
	for p in "$@"; do grep -qF -- "$p" <<<"$text" || miss="$miss [$p]"; done
	tap_n=$((tap_n + 1))
	if [ -z "$miss" ]; then echo "ok $tap_n - $desc"; else echo "not ok $tap_n - $desc (missing:$miss)"; fi
}
# A new archive of a sample packet (new SHA-256), its manifest's fields
# replaced, mailed from the applicant: a supplement/resubmission.
resubmit() {  # resubmit PACKET EMAIL MESSAGE-ID [field=value...]
	python3 - "$@" >"$WORK/resubmit.eml" <<'EOF'
import io, sys, zipfile, email.message, base64
src, addr, mid, *fields = sys.argv[1:]
out = io.BytesIO()
with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, 'w') as zout:
    for info in zin.infolist():
        data = zin.read(info.filename)
        name = info.filename
        if not info.flag_bits & 0x800:
            try:
                name = name.encode('cp437').decode('gbk')   # GBK names, written back as UTF-8
            except UnicodeError:
                pass
        if name.endswith('manifest.ini'):
            if fields:
                text = data.decode('utf-8')
                for f in fields:
                    k, v = f.split('=', 1)
                    text = '\n'.join(l if l.split('=')[0].strip() != k else f"{k} = {v}"
                                     for l in text.splitlines()) + '\n'
                data = text.encode('utf-8')
            data += ('\n; resubmitted as ' + mid + '\n').encode('ascii')
        zout.writestr(name, data)
m = email.message.EmailMessage()
m['From'] = addr
m['To'] = 'rra@cmes.example'
m['Subject'] = 'resubmission'
m['Message-ID'] = '<' + mid + '>'
m.set_content('Revised packet attached.')
m.add_attachment(out.getvalue(), maintype='application', subtype='zip', filename='packet.zip')
sys.stdout.write(m.as_string())
EOF
	deliver "$WORK/resubmit.eml"
}

# ---- intake: 2026-11-02 ----
at 2026-11-02T10:00:00+08:00
deliver "$S/mail/01-ceng-complete.eml"
deliver "$S/mail/02-ieng-complete-gbk.eml"
deliver "$S/mail/06-scanner-manifest-complete.eml"
cp "$S/batches/jiangsu-2026-11.zip" "$WORK/spool/drop/"
touch -d '2026-11-01' "$WORK/spool/drop/jiangsu-2026-11.zip"
run
ZW=$(q "SELECT number FROM applications WHERE json_extract(applicant_json, '$.name_en') = 'ZHANG Wei'")
LN=$(q "SELECT number FROM applications WHERE json_extract(applicant_json, '$.name_en') = 'LI Na'")
YL=$(q "SELECT number FROM applications WHERE json_extract(applicant_json, '$.email') = 'yang.lei@example.com'")
ZH=$(q "SELECT number FROM applications WHERE json_extract(applicant_json, '$.name_en') = 'ZHU Hong'")
is "four applicants recorded" "$(echo $ZW $LN $YL $ZH | wc -w)" 4
is "朱红's batch packet is incomplete" "$(state "$ZH")" incomplete
is "first cycle sends the report of the day before" "$(q "SELECT date FROM report_runs")" 2026-11-01

# ---- invalid actions refused, nothing changed ----
refused "review of an incomplete application" P review "$ZH" --approve
refused "soehk before the centre's review" P soehk "$ZW" --accept
refused "interview before SOEHK" P interview "$ZW" --at "2026-12-10 09:30" --place X
refused "result without interview" P result "$ZW" --pass
has "... in both languages, 中文 first" "$(head -1 "$WORK/refused.err")" "packetd: 申请 $ZW 当前状态为 complete，不能执行“result --pass”"
has "... then English" "$(sed -n 2p "$WORK/refused.err")" "packetd: $ZW: result --pass is not possible in state complete (only in: interview_planned)"
refused "certify a complete application" P certify "$ZW"
refused "fee not yet due (soe_membership before the interview)" P pay "$ZW" --item soe_membership --amount 500
refused "unknown fee item" P pay "$ZW" --item lunch --amount 5
has "... named in both languages, with the items" "$(cat "$WORK/refused.err")" "没有收费项目“lunch”" 'Unknown fee item "lunch"' "interview, soe_membership"
refused "amount above the fee" P pay "$ZW" --item interview --amount 1001
has "... both languages" "$(cat "$WORK/refused.err")" "1001 元超过 interview 尚欠的 1000 元" "1001 yuan is more than the 1000 yuan outstanding for interview"
refused "fractional yuan" P pay "$ZW" --item interview --amount 999.5
has "... both languages" "$(cat "$WORK/refused.err")" "--amount 必须是 1 至 10000000 之间的整数元，而不是“999.5”" '--amount must be whole yuan between 1 and 10000000, not "999.5"'
refused "unknown application" P review RRA-2026-999999 --approve
has "... both languages" "$(cat "$WORK/refused.err")" "packetd: 没有申请 RRA-2026-999999。" "packetd: There is no application RRA-2026-999999."
refused "a reason too long" P review "$ZW" --return "$(printf '%02001d' 0)"
has "... both languages" "$(cat "$WORK/refused.err")" "--return 必须是 1 至 2000 字节的 UTF-8 文本" "--return must be 1 to 2000 bytes of UTF-8 text"
refused "interview minutes out of range" P interview "$ZW" --at "2030-01-01 10:00" --place X --minutes 90
has "... both languages" "$(cat "$WORK/refused.err")" "--minutes 必须是 45 至 75 之间" '--minutes must be a number between 45 and 75 (seed 一览表 item 4), not "90"'
refused "transmit with nothing recommended" P transmit --out "$WORK/none"
has "... both languages" "$(cat "$WORK/refused.err")" "没有已推荐、等待发送给 SOEHK 的申请" "No application is recommended and waiting to be sent to SOEHK"
P review "$ZW" >/dev/null 2>&1
is "review without --approve/--return is a usage error" "$?" 2

# ---- interview fees with the submission ----
for a in "$ZW" "$LN" "$YL" "$ZH"; do P pay "$a" --item interview --amount 1000 --ref "BANK-$a" >/dev/null; done
text=$(notice zhang.wei@example.com payment)
has "payment notice: item, amount, reference in both languages" "$text" "面试费（interview）：1000 元" \
	"Interview fee (interview): 1000 yuan" "BANK-$ZW" "合计：0 元" "Total: 0 yuan"
is "payment recorded in show --json" "$(P show "$ZW" --json | json "d['fees']['interview']")" \
	"{'due': 1000, 'paid': 1000, 'outstanding': 0, 'periods': [{'year': 0, 'due': 1000, 'paid': 1000, 'outstanding': 0}]}"

# ---- centre returns 张伟; he resubmits; 朱红 supplements ----
P review "$ZW" --return "工作经历报告需要签名 / the work experience report must be signed" --by wang >/dev/null
is "centre return → returned" "$(state "$ZW")" returned
text=$(notice zhang.wei@example.com returned)
has "returned notice names the centre and the reason, both languages" "$text" "中国机械工程学会技术资格认证中心（初审）" \
	"the CMES Certification Centre (initial review)" "工作经历报告需要签名" "the work experience report must be signed" "$ZW"
has "returned notice threads to the applicant's message" "$text" "20261102.ceng-complete@mail.example.com"
is "history records who and why" "$(q "SELECT \"by\" || '|' || event FROM history WHERE to_state = 'returned'")" "wang|review_return"
resubmit "$S/packets/ceng-complete.zip" zhang.wei@example.com resub.zw@example.com
resubmit "$S/packets/ceng-complete.zip" zhu.hong@example.com supp.zh@example.com name_zh=朱红 "name_en=ZHU Hong" \
	email=zhu.hong@example.com cmes_no=M2024003390 cmes_qualification=none senior_engineer=yes
run
is "resubmission makes 张伟 complete again" "$(state "$ZW")" complete
is "supplement makes 朱红 complete" "$(state "$ZH")" complete

# ---- initial review, transmittal ----
for a in "$ZW" "$LN" "$YL" "$ZH"; do P review "$a" --approve >/dev/null; done
is "approve → recommended (via centre_review)" "$(q "SELECT count(*) FROM history WHERE to_state = 'centre_review'")" 5
text=$(notice li.na@example.com recommended)
has "recommended notice, both languages" "$text" "通过中国机械工程学会技术资格认证中心的初审" "recommended to SOE Hong Kong (SOEHK)" "$LN"
refused "review twice" P review "$LN" --approve
out=$(P transmit --out "$WORK/tx")
zip=$(awk -F': ' '{print $1}' <<<"$out")
ok "transmittal archive written" test -f "$zip"
is "transmit moves the four to soehk_review" "$(q "SELECT count(*) FROM applications WHERE state = 'soehk_review'")" 4
python3 - "$zip" >"$WORK/tx.txt" <<'EOF'
import csv, io, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
idx = z.read('index.csv')
print("BOM", idx[:3].hex())
rows = list(csv.DictReader(io.StringIO(idx.decode('utf-8-sig'))))
print("ROWS", len(rows))
for r in rows:
    n = sum(1 for i in z.infolist() if i.filename.startswith(r['application'] + '/'))
    print("APP", r['application'], r['name_zh'], r['files'], n, r['cmes_qualification'])
print("UTF8FLAG", all(i.flag_bits & 0x800 for i in z.infolist() if any(ord(c) > 127 for c in i.filename)))
EOF
tx=$(cat "$WORK/tx.txt")
has "index.csv: BOM, four rows, files of each packet, Chinese names" "$tx" "BOM efbbbf" "ROWS 4" \
	"APP $ZH 朱红 16 16 none" "APP $LN 李娜" "UTF8FLAG True"
refused "transmit with nothing waiting" P transmit --out "$WORK/tx"

# ---- SOEHK ----
P soehk "$LN" --return "CPD record lacks the organiser column" >/dev/null
text=$(notice li.na@example.com returned)
has "SOEHK return notice with feedback" "$text" "英国营运工程师学会香港分会（SOEHK）审查" "SOE Hong Kong (SOEHK) after its review" \
	"CPD record lacks the organiser column"
refused "interview before SOEHK accepts" P interview "$ZW" --at "2026-12-10 09:30" --place X
for a in "$ZW" "$YL" "$ZH"; do P soehk "$a" --accept >/dev/null; done
refused "accept twice" P soehk "$ZW" --accept
at 2026-11-04T10:00:00+08:00
resubmit "$S/packets/ieng-complete-gbk.zip" li.na@example.com resub.ln@example.com
run
is "李娜 resubmitted → complete" "$(state "$LN")" complete
P review "$LN" --approve >/dev/null && P transmit --out "$WORK/tx" >/dev/null && P soehk "$LN" --accept >/dev/null
is "李娜 back at SOEHK, accepted" "$(state "$LN")" soehk_review

# ---- interview plans ----
PLACE="上海市徐汇区 Room 301, CMES Shanghai Office"
refused "interview minutes 30" P interview "$ZW" --at "2026-12-10 09:30" --place "$PLACE" --minutes 30
refused "interview minutes 90" P interview "$ZW" --at "2026-12-10 09:30" --place "$PLACE" --minutes 90
refused "interview in the past" P interview "$ZW" --at "2026-11-01 09:30" --place "$PLACE"
refused "malformed --at" P interview "$ZW" --at "10.12.2026" --place "$PLACE"
P interview "$ZW" --at "2026-12-10 09:30" --place "$PLACE" --minutes 75 >/dev/null
P interview "$LN" --at "2026-12-10 14:00" --place "$PLACE" >/dev/null
P interview "$ZH" --at "2026-12-11 09:00" --place "$PLACE" --minutes 45 >/dev/null
P interview "$YL" --at "2026-12-11 14:00" --place "$PLACE" >/dev/null
is "four interviews planned" "$(q "SELECT count(*) FROM applications WHERE state = 'interview_planned'")" 4
text=$(notice zhang.wei@example.com interview)
has "interview notice: date, time, place, duration, English, what to bring (zh)" "$text" "日期：2026-12-10" \
	"时间：09:30–10:45（Asia/Shanghai, UTC+08:00）" "地点：$PLACE" "约 75 分钟" "面试用英语进行" "请携带"
has "interview notice: the same in English" "$text" "Date: 2026-12-10" "Time: 09:30–10:45 (Asia/Shanghai, UTC+08:00)" \
	"Place: $PLACE" "about 75 minutes" "held in English" "Please bring"
has "interview.ics attached: UTC start and end, stable UID, place" "$text" "ATTACHMENT: interview.ics text/calendar" \
	"DTSTART:20261210T013000Z" "DTEND:20261210T024500Z" "UID:$ZW-interview@cmes.example" "BEGIN:VEVENT"
python3 - "$DB" >"$WORK/ics.txt" <<'EOF'
import email, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
body = db.execute("SELECT body FROM outbox JOIN outbox_bodies USING (id) WHERE kind = 'interview' AND recipients = 'zhang.wei@example.com'").fetchone()[0]
m = email.message_from_bytes(bytes(body))
for p in m.walk():
    if p.get_filename() == 'interview.ics':
        raw = p.get_payload(decode=True)
        lines = raw.split(b'\r\n')
        print("CRLF", b'\n' not in raw.replace(b'\r\n', b''))
        print("MAXLEN", max(len(l) for l in lines))
        print("FOLDED", any(l.startswith(b' ') for l in lines))
        raw.decode('utf-8')
        print("UTF8 ok")
EOF
has "ics: CRLF only, lines at most 75 octets, folded, valid UTF-8" "$(cat "$WORK/ics.txt")" "CRLF True" "FOLDED True" "UTF8 ok"
ok "ics: no line over 75 octets" test "$(awk '/MAXLEN/{print $2}' "$WORK/ics.txt")" -le 75

# ---- reminders three days ahead, once ----
at 2026-12-06T10:00:00+08:00; run
P report nightly --out "$WORK/rep" >/dev/null
is "report lists the interviews in the next 14 days" "$(grep -c '^interview,' "$WORK/rep/report-2026-12-06.csv")" \
	"$(q "SELECT count(*) FROM interviews WHERE starts_at < '2026-12-20T02:00:00Z'")"
is "no reminder four days ahead" "$(q "SELECT count(*) FROM outbox WHERE kind = 'interview_reminder'")" 0
at 2026-12-07T10:00:00+08:00; run
is "reminder for the interview within three days only" "$(q "SELECT count(*) FROM outbox WHERE kind = 'interview_reminder'")" 1
at 2026-12-08T10:00:00+08:00; run; run
is "each reminder once, the next ones follow" "$(q "SELECT count(*) FROM outbox WHERE kind = 'interview_reminder'")" 3
at 2026-12-09T10:00:00+08:00; run
is "all four reminded, none twice" "$(q "SELECT count(DISTINCT application_id) || '/' || count(*) FROM outbox WHERE kind = 'interview_reminder'")" 4/4
text=$(notice zhang.wei@example.com interview_reminder)
has "reminder: date, time, place, both languages" "$text" "日期：2026-12-10" "Date: 2026-12-10" "Time: 09:30–10:45" "地点：$PLACE" "three days"

# ---- results ----
refused "result before the interview" P result "$ZW" --pass
at 2026-12-11T18:00:00+08:00
P result "$ZW" --pass >/dev/null; P result "$LN" --pass >/dev/null; P result "$ZH" --pass >/dev/null
P result "$YL" --no-show >/dev/null
is "pass → fees_due (via interview_passed)" "$(state "$ZW")/$(q "SELECT count(*) FROM history WHERE to_state = 'interview_passed'")" fees_due/3
text=$(notice zhang.wei@example.com result_pass)
has "CEng pass: SOE membership 500 + registration 1200 = 1700 (zh, en)" "$text" "SOE 会员费（soe_membership）：500 元" \
	"SOE 首次注册费（soe_registration）：1200 元" "合计：1700 元" "SOE membership (soe_membership): 500 yuan" \
	"SOE first registration (soe_registration): 1200 yuan" "Total: 1700 yuan"
text=$(notice li.na@example.com result_pass)
has "IEng pass: 500 + 1000 = 1500" "$text" "SOE 首次注册费（soe_registration）：1000 元" "合计：1500 元" "Total: 1500 yuan"
text=$(notice zhu.hong@example.com result_pass)
has "no CMES qualification: + CMES membership (Jiangsu 200) + CMES registration 400 = 2300" "$text" \
	"CMES 会员费（按省学会标准）（cmes_membership）：200 元" "CMES 机械工程师首次注册费（cmes_registration）：400 元" \
	"合计：2300 元" "CMES membership (provincial scale) (cmes_membership): 200 yuan" "Total: 2300 yuan"
is "CEng with the qualification owes no CMES fee" "$(grep -c cmes_ <<<"$(notice zhang.wei@example.com result_pass)")" 0
text=$(notice yang.lei@example.com no_show)
has "no-show notice, both languages" "$text" "您未参加" "did not attend"
refused "result twice" P result "$YL" --pass
at 2026-12-12T10:00:00+08:00
P interview "$YL" --at "2026-12-20 10:00" --place "$PLACE" >/dev/null
is "no-show can be planned again" "$(state "$YL")" interview_planned
at 2026-12-20T12:00:00+08:00
P result "$YL" --fail >/dev/null
has "fail notice, both languages" "$(notice yang.lei@example.com result_fail)" "未能通过" "did not pass"
refused "certify after a failed interview" P certify "$YL"

# ---- fees and certificates ----
refused "certify with fees outstanding" P certify "$ZW"
refused "pay more than the registration fee" P pay "$ZW" --item soe_registration --amount 1300
refused "CMES fee from an applicant who holds the qualification" P pay "$ZW" --item cmes_registration --amount 400
P pay "$ZW" --item soe_membership --amount 500 >/dev/null
P pay "$ZW" --item soe_registration --amount 700 >/dev/null
has "partial payment: what is left, itemised" "$(notice zhang.wei@example.com payment)" "700 元" "SOE 首次注册费（soe_registration）：500 元" \
	"Total: 500 yuan"
refused "certify with 500 left" P certify "$ZW"
P pay "$ZW" --item soe_registration --amount 500 >/dev/null
P certify "$ZW" --by li >/dev/null
is "certify → certified" "$(state "$ZW")" certified
P pay "$LN" --item soe_membership --amount 500 >/dev/null; P pay "$LN" --item soe_registration --amount 1000 >/dev/null
P certify "$LN" >/dev/null
for i in soe_membership:500 soe_registration:1200 cmes_membership:200 cmes_registration:400; do
	P pay "$ZH" --item "${i%%:*}" --amount "${i##*:}" >/dev/null
done
P certify "$ZH" >/dev/null
is "all three certified" "$(q "SELECT count(*) FROM applications WHERE state = 'certified'")" 3
text=$(notice zhu.hong@example.com certified)
has "certified notice: SOE and CMES certificates, re-registration, 48 h CPD" "$text" "机械工程师资格证书" \
	"CMES mechanical engineer certificate" "48 小时" "48 hours of CPD" "2027-12-20"
is "certified notice without CMES certificate for a holder" "$(grep -c "机械工程师资格证书" <<<"$(notice zhang.wei@example.com certified)")" 0
is "show --json fees after certification" "$(P show "$ZH" --json | json "d['fees_total']")" \
	"{'due': 3300, 'paid': 3300, 'outstanding': 0}"

# ---- re-registration, once a year ----
at 2027-12-21T10:00:00+08:00; run; run
is "one re-registration notice each after a year" "$(q "SELECT count(*) FROM outbox WHERE kind = 'reregistration'")" 3
is "certified → re_registration_due" "$(state "$ZW")" re_registration_due
text=$(notice zhang.wei@example.com reregistration)
has "CEng year 1: 500 + 290 = 790, 48 h CPD (zh, en)" "$text" "第 1 年" "SOE 再注册费（每年）（soe_reregistration） 第 1 年（2027-12-20 起）：290 元" \
	"合计：790 元" "year 1" "Total: 790 yuan" "48 小时" "48 hours of CPD"
has "IEng year 1: 500 + 240 = 740" "$(notice li.na@example.com reregistration)" "240 元" "合计：740 元"
P pay "$ZW" --item soe_membership --amount 500 >/dev/null; P pay "$ZW" --item soe_reregistration --amount 290 >/dev/null
is "fees paid but no CPD: still re_registration_due" "$(state "$ZW")" re_registration_due
P cpd "$ZW" --year 2027 --hours 48 --ref "CPD-2027" >/dev/null
is "re-registration paid and 48 h of CPD → certified" "$(state "$ZW")" certified
at 2029-12-21T10:00:00+08:00; run
text=$(notice zhang.wei@example.com reregistration)
has "year 3 after two years down: CMES re-registration 110 every three years, arrears counted" "$text" "第 3 年" \
	"CMES 再注册费（每三年）（cmes_reregistration） 第 3 年（2029-12-20 起）：110 元" "Total: 900 yuan" "Total: 1690 yuan"
is "one notice per applicant for the latest year only" "$(q "SELECT count(*) FROM outbox WHERE kind = 'reregistration'")" 6

# ---- nightly report ----
reports() { q "SELECT count(*) FROM outbox WHERE kind = 'report'"; }
r0=$(reports)
at 2029-12-22T01:59:00+08:00; run
is "no report before report_time" "$(reports)" "$r0"
at 2029-12-22T02:01:00+08:00; run; run
is "report sent once at report_time (run twice → one)" "$(reports)" $((r0 + 1))
at 2029-12-25T09:00:00+08:00; run
is "daemon down for days: one catch-up report" "$(reports)" $((r0 + 2))
is "catch-up report is of the day before" "$(q "SELECT date FROM report_runs ORDER BY date DESC LIMIT 1")" 2029-12-24
mid=$(q "SELECT message_id FROM outbox WHERE kind = 'report' ORDER BY id DESC LIMIT 1")
python3 - "$WORK/mailboxes/outbox" "$mid" >"$WORK/report.txt" <<'EOF'
import csv, email, glob, io, sys
from email import policy
for f in glob.glob(sys.argv[1] + '/*/*'):
    m = email.message_from_binary_file(open(f, 'rb'), policy=policy.default)
    if (m['message-id'] or '').strip('<> ') != sys.argv[2]:
        continue
    print("TO", m['to'])
    for p in m.walk():
        if p.get_content_type() == 'text/html':
            h = p.get_content()
            print("SVG", '<svg' in h and '<rect' in h)
        if p.get_filename():
            raw = p.get_payload(decode=True)
            print("CSVBOM", raw[:3].hex())
            for r in csv.reader(io.StringIO(raw.decode('utf-8-sig'))):
                print("ROW", "|".join(r))
EOF
rep=$(cat "$WORK/report.txt")
has "report: to the centre, HTML with an SVG chart, CSV with BOM" "$rep" "TO centre@cmes.example" "SVG True" "CSVBOM efbbbf"
for s in certified re_registration_due interview_failed; do
	n=$(grep "^ROW state|$s|" <<<"$rep" | cut -d'|' -f4)
	is "report count of $s matches the database" "${n:-0}" \
		"$(q "SELECT count(*) FROM applications WHERE state = '$s'")"
done
is "report count of the Jiangsu society matches" "$(grep "^ROW province|江苏省机械工程学会|" <<<"$rep" | cut -d'|' -f4)" \
	"$(q "SELECT count(*) FROM applications WHERE json_extract(applicant_json, '$.province') = '江苏省机械工程学会'")"
is "report: applications total" "$(grep '^ROW summary|applications|' <<<"$rep" | cut -d'|' -f4)" "$(q "SELECT count(*) FROM applications")"
# fees outstanding: 张伟 and 李娜 owe their year-3 arrears; the incomplete ones the interview fee
want=$(for n in $(q "SELECT number FROM applications WHERE state <> 'rejected'"); do
	P show "$n" --json | json "d['fees_total']['outstanding']"; done | python3 -c 'import sys; print(sum(int(l) for l in sys.stdin))')
is "report: fees outstanding = sum of show --json" "$(grep '^ROW summary|fees_outstanding|' <<<"$rep" | cut -d'|' -f4)" "$want"
is "report: incomplete waiting = database" "$(grep -c '^ROW waiting|' <<<"$rep")" \
	"$(q "SELECT min(count(*), 10) FROM applications WHERE state = 'incomplete'")"
# new packets of a day, on demand
at 2026-11-05T12:00:00+08:00
P report nightly --date 2026-11-02 --out "$WORK/rep" >/dev/null
is "on-demand report: new packets of 2026-11-02 = database" \
	"$(grep -c '^new,' "$WORK/rep/report-2026-11-02.csv")" \
	"$(q "SELECT count(*) FROM applications WHERE created_at >= '2026-11-01T16:00:00Z' AND created_at < '2026-11-02T16:00:00Z'")"
P report nightly --send >/dev/null
is "report --send queues a report" "$(reports)" $((r0 + 3))

is "integrity_check" "$(q 'PRAGMA integrity_check')" ok
