#!/bin/bash
# The nightly report and the notices' HTML, on the embedded default with the
# clock moved by PACKETD_NOW. Each "needs action" section is made true by a
# real case (an interview held without a result, a recommended application
# not transmitted, one at SOEHK for longer than soehk_wait_days, interview
# fees unpaid, a delivery failing), a supplement arrives, an applicant's
# name carries markup; then the report's numbers are matched against the
# database, its times must be local (no UTC stamps), waiting is in days,
# states are named, and the HTML is parsed by Python's html.parser for its
# structure and escaping. Also: --date in the future, --send twice, --out's
# paths, the outbox's error cleared once sent, and the acknowledgement's
# HTML part (language sections, the checklist table, short rows marked).
source "$(dirname "$0")/../lib.sh"
fresh_install
S="$PACKETD_TOP/samples"
DB="$WORK/spool/packetd.db"
P() { "$PACKETD" "$@"; }
at() { export PACKETD_NOW="$1"; }
run() { P run --once >>"$WORK/run.log" 2>&1; }
q() { sqlite3 "$DB" "$1"; }
num() { q "SELECT number FROM applications WHERE json_extract(applicant_json, '\$.email') = '$1' ORDER BY id LIMIT 1"; }
has() {  # has "description" TEXT pattern...: every fixed string is in TEXT
	local desc=$1 text=$2 miss=""
	shift 2
	for p in "$@"; do grep -qF -- "$p" <<<"$text" || miss="$miss [$p]"; done
	tap_n=$((tap_n + 1))
	if [ -z "$miss" ]; then echo "ok $tap_n - $desc"; else echo "not ok $tap_n - $desc (missing:$miss)"; fi
}
# A sample packet again as a new archive (new SHA-256), manifest fields
# replaced, mailed from ADDRESS: a supplement, or a new applicant.
mail_packet() {  # mail_packet PACKET ADDRESS MESSAGE-ID [field=value...]
	python3 - "$@" >"$WORK/packet.eml" <<'EOF'
import io, sys, zipfile, email.message
src, addr, mid, *fields = sys.argv[1:]
out = io.BytesIO()
with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, 'w') as zout:
    for info in zin.infolist():
        data = zin.read(info.filename)
        if info.filename.endswith('manifest.ini'):
            text = data.decode('utf-8')
            for f in fields:
                k, v = f.split('=', 1)
                text = '\n'.join(l if l.split('=')[0].strip() != k else f"{k} = {v}"
                                 for l in text.splitlines()) + '\n'
            data = (text + '\n; sent as ' + mid + '\n').encode('utf-8')
        zout.writestr(info, data)
m = email.message.EmailMessage()
m['From'] = addr
m['To'] = 'rra@cmes.example'
m['Subject'] = 'packet'
m['Message-ID'] = '<' + mid + '>'
m.set_content('Packet attached.')
m.add_attachment(out.getvalue(), maintype='application', subtype='zip', filename='packet.zip')
sys.stdout.write(m.as_string())
EOF
	deliver "$WORK/packet.eml"
}
# The HTML part of the newest outbox row of a kind (to an address).
html_part() {  # html_part KIND [ADDRESS]
	python3 - "$DB" "$1" "${2:-}" <<'EOF'
import email, sqlite3, sys
from email import policy
db = sqlite3.connect(sys.argv[1])
sql = "SELECT body FROM outbox JOIN outbox_bodies USING (id) WHERE kind = ?" + (" AND recipients = ?" if sys.argv[3] else "") + " ORDER BY id DESC LIMIT 1"
row = db.execute(sql, (sys.argv[2], sys.argv[3]) if sys.argv[3] else (sys.argv[2],)).fetchone()
m = email.message_from_bytes(bytes(row[0]), policy=policy.default)
print(next(p.get_content() for p in m.walk() if p.get_content_type() == 'text/html'))
EOF
}
# Structure of an HTML document: balanced elements, scripts, lang sections,
# table rows, and the text of elements, for the checks below.
HTMLCHECK=$(cat <<'EOF'
import html.parser, sys
VOID = {'br', 'hr', 'meta', 'img', 'input', 'link'}
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.scripts, self.langs = [], [], 0, []
        self.rows, self.row, self.cell, self.styles_el, self.h = [], None, None, 0, []
        self.text = []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == 'script': self.scripts += 1
        if tag == 'style': self.styles_el += 1
        if 'lang' in a: self.langs.append(a['lang'])
        for k in a:
            if k.startswith('on'): self.errors.append('event handler ' + k)
        if tag == 'tr': self.row = []
        if tag in ('td', 'th'): self.cell = [a.get('style', '')]
        if tag not in VOID: self.stack.append(tag)
    def handle_endtag(self, tag):
        if tag in VOID: return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f'</{tag}> closes {self.stack[-1:]}'); return
        self.stack.pop()
        if tag in ('td', 'th') and self.row is not None and self.cell is not None:
            self.row.append(''.join(self.cell[1:]).strip()); self.row_styles = getattr(self, 'row_styles', []) + [self.cell[0]]
            self.cell = None
        if tag == 'tr' and self.row is not None:
            self.rows.append((self.row, getattr(self, 'row_styles', []))); self.row = None; self.row_styles = []
    def handle_data(self, d):
        if self.cell is not None: self.cell.append(d)
        self.text.append(d)
p = P(); p.feed(sys.stdin.read()); p.close()
if p.stack: p.errors.append('left open: ' + ','.join(p.stack))
print('ERRORS', len(p.errors), '; '.join(p.errors[:3]))
print('SCRIPTS', p.scripts, 'STYLE_ELEMENTS', p.styles_el)
print('LANGS', ' '.join(p.langs))
for cells, styles in p.rows:
    print('ROW', '|'.join(cells), '|STYLE' if any('#ffebe9' in s for s in styles) else '')
print('TEXT', ' '.join(' '.join(p.text).split()))
EOF
)
htmlcheck() { python3 -c "$HTMLCHECK"; }

# ---- 2026-11-02: four applicants; one incomplete ----
at 2026-11-02T10:00:00+08:00
deliver "$S/mail/01-ceng-complete.eml"
deliver "$S/mail/02-ieng-complete-gbk.eml"
deliver "$S/mail/03-incomplete-missing-copy.eml"
deliver "$S/mail/06-scanner-manifest-complete.eml"
run
ZW=$(num zhang.wei@example.com); LN=$(num li.na@example.com); WF=$(num wang.fang@example.com)
YL=$(num yang.lei@example.com)
is "four applications" "$(echo $ZW $LN $WF $YL | wc -w)" 4

# ---- the acknowledgement's HTML part ----
ack=$(html_part ack wang.fang@example.com | htmlcheck)
has "ack HTML: well formed, no script or style sheet, zh then en sections" "$ack" "ERRORS 0" \
	"SCRIPTS 0 STYLE_ELEMENTS 0" "LANGS zh en"
has "ack HTML: the checklist as a table, heads in both languages" "$ack" "ROW |文件|语言|收到份数|需要份数" \
	"ROW |Document|Language|Copies found|Copies required"
missing_rows=$(grep '^ROW ✗' <<<"$ack" | grep -c '|STYLE$')
is "ack HTML: every short row (and only those) emphasised" "$missing_rows" "$(grep -c '^ROW ✗' <<<"$ack")"
ok "ack HTML: some row is short" test "$missing_rows" -gt 0
is "ack HTML: complete rows are not emphasised" "$(grep '^ROW ✓' <<<"$ack" | grep -c '|STYLE$')" 0
is "ack text part unchanged: the plain checklist" \
	"$(python3 -c "
import email, sqlite3, sys
from email import policy
b = sqlite3.connect('$DB').execute(\"SELECT body FROM outbox JOIN outbox_bodies USING (id) WHERE kind='ack' AND recipients='wang.fang@example.com'\").fetchone()[0]
m = email.message_from_bytes(bytes(b), policy=policy.default)
t = next(p.get_content() for p in m.walk() if p.get_content_type() == 'text/plain')
print(('材料清单' in t) and ('<' not in t) and ('  ✗ ' in t))")" True

# ---- 2026-11-03: a supplement; a new applicant whose name carries markup ----
at 2026-11-03T11:00:00+08:00
mail_packet "$S/packets/incomplete-missing-copy.zip" wang.fang@example.com supp.wf@example.com
mail_packet "$S/packets/ceng-complete.zip" evil@example.com evil.1@example.com \
	"name_en=<script>alert(1)</script> & <b>Co</b>" name_zh=坏人 email=evil@example.com cmes_no=M2099000001
run
EV=$(num evil@example.com)
is "the supplement joins 王芳's application" "$(q "SELECT count(*) FROM applications WHERE json_extract(applicant_json, '\$.email') = 'wang.fang@example.com'")" 1

# ---- the centre works: fees, reviews, transmittal, SOEHK, an interview ----
P pay "$ZW" --item interview --amount 1000 >/dev/null
P review "$ZW" --approve >/dev/null; P review "$LN" --approve >/dev/null
P transmit --out "$WORK/tx" >/dev/null
P soehk "$ZW" --accept >/dev/null
P interview "$ZW" --at "2026-11-20 09:30" --place "上海 Room <301> & Co" --minutes 60 >/dev/null
P review "$YL" --approve >/dev/null
is "states set up" "$(for a in $ZW $LN $YL; do q "SELECT state FROM applications WHERE number = '$a'"; done | tr '\n' ' ')" \
	"interview_planned soehk_review recommended "

# ---- a delivery failing: the outbox Maildir cannot be written for a cycle ----
at 2026-12-20T09:00:00+08:00
mv "$WORK/mailboxes/outbox" "$WORK/mailboxes/outbox.away"
: >"$WORK/mailboxes/outbox"
run
failing=$(q "SELECT count(*) FROM outbox WHERE state = 'failed' OR (state = 'queued' AND attempts > 0)")
ok "some deliveries failed this cycle" test "$failing" -gt 0

# ---- the report of 2026-12-19, as of 2026-12-20 09:00 (Asia/Shanghai) ----
out=$(P report nightly --date 2026-12-19 --out "$WORK/rep")
is "report --out prints the HTML's and the CSV's paths" "$out" \
	"$WORK/rep/report-2026-12-19.html
$WORK/rep/report-2026-12-19.csv"
H="$WORK/rep/report-2026-12-19.html"; C="$WORK/rep/report-2026-12-19.csv"
rows() { python3 -c "
import csv, sys
for r in csv.reader(open('$C', encoding='utf-8-sig')):
    print('|'.join(r))" | grep "^$1|"; }
val() { rows "summary|$1" | cut -d'|' -f4; }
is "no result: the interview held on 11-20" "$(rows no_result | cut -d'|' -f2)" "$ZW"
is "no result: the count in the database" "$(val no_result)" \
	"$(q "SELECT count(*) FROM applications a JOIN interviews i ON i.application_id = a.id WHERE a.state = 'interview_planned' AND i.starts_at < '2026-12-20T01:00:00Z'")"
is "no result: days since the interview" "$(rows no_result | cut -d'|' -f4)" 29
is "not transmitted: the one recommended after the transmittal" "$(rows not_transmitted | cut -d'|' -f2)" "$YL"
is "not transmitted = database" "$(val not_transmitted)" "$(q "SELECT count(*) FROM applications WHERE state = 'recommended'")"
is "waiting on SOEHK > 30 days: not the accepted one" "$(rows soehk_waiting | cut -d'|' -f2)" "$LN"
sent=$(q "SELECT at FROM history h JOIN applications a ON a.id = h.application_id WHERE a.number = '$LN' AND to_state = 'soehk_review'")
is "waiting on SOEHK: days as a number, from the history" "$(rows soehk_waiting | cut -d'|' -f4)" \
	"$(python3 -c "
from datetime import datetime, timezone
s = datetime.strptime('$sent', '%Y-%m-%dT%H:%M:%SZ').replace(tzinfo=timezone.utc)
n = datetime(2026, 12, 20, 1, 0, tzinfo=timezone.utc)
print((n - s).days)")"
is "interview fee unpaid: those on their way without it (not the paid, not the incomplete)" \
	"$(rows interview_fee | cut -d'|' -f2 | sort | tr '\n' ' ')" "$(printf '%s\n' "$LN" "$YL" "$EV" | sort | tr '\n' ' ')"
is "interview fee unpaid: 1000 yuan each" "$(rows interview_fee | cut -d'|' -f4 | sort -u)" 1000
is "deliveries failing = database" "$(val delivery)" "$failing"
is "needs action = the sum of its sections" "$(val needs_action)" \
	"$(( $(val no_result) + $(val not_transmitted) + $(val soehk_waiting) + $(val interview_fee) + $(val cpd_missing) + $(val delivery) ))"

# the HTML: local times, named states, escaped names, the summary first
h=$(htmlcheck <"$H")
has "report HTML: well formed, no script, no style sheet" "$h" "ERRORS 0" "SCRIPTS 0 STYLE_ELEMENTS 0"
is "report HTML: no UTC time stamp anywhere" "$(grep -cE '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?Z' "$H")" 0
has "report HTML: the interview at its local time, the place escaped" "$h" \
	"ROW $ZW|张伟 ZHANG Wei|2026-11-20 09:30|29|上海 Room <301> & Co"
has "report HTML: the zone named once at the top" "$h" "Asia/Shanghai (UTC+08:00)"
has "report HTML: states by their names in both languages, not codes" "$h" "SOEHK 审查中 / at SOEHK" \
	"已安排面试 / interview planned" "已推荐，待转交 / recommended"
lacks_codes=$(grep -o '<t[dh][^>]*>\(soehk_review\|interview_planned\|recommended\|incomplete\)</t[dh]>' "$H" | wc -l)
is "report HTML: no state code in a cell" "$lacks_codes" 0
is "report HTML: no state code in the chart" "$(grep -cE '>(soehk_review|interview_planned|recommended)</text>' "$H")" 0
has "report HTML: the summary line first, in both languages, with the action count" \
	"$(sed -n 's/.*<p lang="zh"[^>]*>\([^<]*\)<.*/\1/p' "$H") $(sed -n 's/.*<p lang="en"[^>]*>\([^<]*\)<.*/\1/p' "$H")" \
	"2026-12-19：" "需要处理 $(val needs_action) 项" "$(val needs_action) items need action"
ok "report HTML: the markup in a name is text" grep -qF '&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;Co&lt;/b&gt;' "$H"
has "report HTML: the name read back as text by the parser" "$h" "<script>alert(1)</script> & <b>Co</b>"

# the supplement among the packets of 2026-11-03
P report nightly --date 2026-11-03 --out "$WORK/rep" >/dev/null
C="$WORK/rep/report-2026-11-03.csv"
is "packets of 11-03: one new, one supplement" "$(val new_packets)/$(val supplements)" 1/1
is "the supplement is 王芳's" "$(rows supplement | cut -d'|' -f2)" "$WF"
has "the supplement named in the HTML" "$(htmlcheck <"$WORK/rep/report-2026-11-03.html")" "补充材料 / supplement"
is "new packets of the day = applications created" "$(val new_packets)" \
	"$(q "SELECT count(*) FROM applications WHERE created_at >= '2026-11-02T16:00:00Z' AND created_at < '2026-11-03T16:00:00Z'")"

# ---- the outbox: delivered once writable again, the error cleared ----
rm "$WORK/mailboxes/outbox"; mv "$WORK/mailboxes/outbox.away" "$WORK/mailboxes/outbox"
at 2026-12-20T12:00:00+08:00
run
is "failed-then-sent rows show no error" "$(P outbox --json | python3 -c "
import json, sys
rows = json.load(sys.stdin)
print(sum(1 for r in rows if r['state'] == 'sent' and r['last_error']))")" 0
is "and the database keeps none for them" "$(q "SELECT count(*) FROM outbox WHERE state = 'sent' AND last_error IS NOT NULL")" 0

# ---- the command's small things ----
P report nightly --date 2027-01-05 >"$WORK/o" 2>"$WORK/e"
is "report --date in the future: exit 2" "$?" 2
has "report --date in the future: says why" "$(cat "$WORK/e")" "2027-01-05 is in the future" "2026-12-20"
has "... in both languages, 中文 first" "$(head -1 "$WORK/e")" "packetd: --date 2027-01-05 在将来"
P report nightly --date 2026-13-45 >/dev/null 2>"$WORK/e"
is "report --date not a date: exit 2" "$?" 2
has "... in both languages" "$(cat "$WORK/e")" "--date 必须是日期 YYYY-MM-DD，而不是“2026-13-45”" '--date must be a date YYYY-MM-DD, not "2026-13-45"'
before=$(q "SELECT count(*) FROM outbox WHERE kind = 'report'")
first=$(P report nightly --send)
second=$(P report nightly --send)
is "report --send twice queues one report" "$(q "SELECT count(*) FROM outbox WHERE kind = 'report'")" $((before + 1))
has "the second --send says it was already queued" "$second" "already queued"
has "the first --send says queued" "$first" "queued for"
has "the nightly run's own report of yesterday is not sent again on demand" \
	"$(P report nightly --date 2026-12-19 --send)" "already queued"
P report nightly --date 2026-12-10 --send >/dev/null; out=$(P report nightly --date 2026-12-10 --send)
has "a past day's report sent on demand: once" "$out" "already queued"
is "it counts as that day's report" "$(q "SELECT count(*) FROM report_runs WHERE date = '2026-12-10'")" 1

# ---- CPD missing before re-registration: 张伟 certified, a year later ----
P result "$ZW" --pass >/dev/null
P pay "$ZW" --item soe_membership --amount 500 >/dev/null
P pay "$ZW" --item soe_registration --amount 1200 >/dev/null
P certify "$ZW" >/dev/null
at 2027-12-22T09:00:00+08:00
run
is "a year on, 张伟's re-registration is due" "$(q "SELECT state FROM applications WHERE number = '$ZW'")" re_registration_due
P report nightly --out "$WORK/rep" >/dev/null
C="$WORK/rep/report-2027-12-22.csv"
is "CPD missing: listed before any hours are recorded" "$(rows cpd_missing | cut -d'|' -f2)" "$ZW"
cpd_year=$(P show "$ZW" --json | python3 -c "import json,sys; print(json.load(sys.stdin)['cpd']['cpd_year'])" 2>/dev/null)
P cpd "$ZW" --year "${cpd_year:-2027}" --hours 30 >/dev/null
P report nightly --out "$WORK/rep" >/dev/null
is "CPD missing: 48 - 30 = 18 hours" "$(rows cpd_missing | cut -d'|' -f4)" 18
has "CPD missing: the year's hours recorded of required" "$(rows cpd_missing | cut -d'|' -f5)" ": 30 / 48"
is "CPD missing = summary count" "$(val cpd_missing)" 1
P cpd "$ZW" --year "${cpd_year:-2027}" --hours 48 >/dev/null
P report nightly --out "$WORK/rep" >/dev/null
is "CPD complete: no longer listed" "$(val cpd_missing)" 0

is "integrity_check" "$(q 'PRAGMA integrity_check')" ok
