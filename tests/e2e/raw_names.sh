#!/bin/bash
# Member names' raw bytes for audit (issue 8 §4): a packet whose zip names
# are GBK without the UTF-8 flag keeps, beside each decoded name, the bytes
# the archive held, as hex — in `validate --json`, through the sandboxed
# child, in the database (files.raw_name_hex) and in `show --json`; a name
# whose bytes are its UTF-8 shows none.
source "$(dirname "$0")/../lib.sh"
fresh_install
Z="$PACKETD_TOP/tests/data/unpack"
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
files='[f for s in d["documents"] for f in s["files"]] + d["unrecognised"]'

"$PACKETD" validate --json "$Z/gbk_mixed.zip" >"$WORK/v.json" 2>"$WORK/v.err"
is "validate --json: 学位 (GBK D1A7CEBB, valid UTF-8 too) keeps its bytes" \
	"$(json "[f.get('raw_name_hex') for f in $files if f['name'] == '学位-1.pdf']" <"$WORK/v.json")" \
	"['d1a7cebb2d312e706466']"
is "validate --json: 申请表 keeps its GBK bytes" \
	"$(json "[f.get('raw_name_hex') for f in $files if f['name'] == '申请表-中文-1.pdf']" <"$WORK/v.json")" \
	"['c9eac7ebb1ed2dd6d0cec42d312e706466']"
"$PACKETD" validate --json "$Z/utf8_names.zip" >"$WORK/u.json" 2>"$WORK/u.err"
is "validate --json: UTF-8 names carry no raw_name_hex" \
	"$(json "sum(1 for f in $files if 'raw_name_hex' in f)" <"$WORK/u.json")" 0

python3 - "$Z/gbk_mixed.zip" >"$WORK/m.eml" <<'PY'
import sys
from email.message import EmailMessage
m = EmailMessage()
m['From'] = 'zhang@example.org'
m['To'] = 'rra@cmes.example'
m['Subject'] = 'application'
m['Message-ID'] = '<raw-names@example.org>'
m.set_content('packet attached')
m.add_attachment(open(sys.argv[1], 'rb').read(), maintype='application', subtype='zip', filename='packet.zip')
sys.stdout.write(m.as_string())
PY
deliver "$WORK/m.eml"
"$PACKETD" run --once >"$WORK/run.out" 2>"$WORK/run.log"
is "run --once exits 0" "$?" 0
db="$WORK/spool/packetd.db"
is "database: files.raw_name_hex kept for the GBK names" \
	"$(sqlite3 "$db" "SELECT raw_name_hex FROM files WHERE raw_name_hex IS NOT NULL ORDER BY raw_name_hex")" \
	"$(printf 'c9eac7ebb1ed2dd6d0cec42d312e706466\nd1a7cebb2d312e706466')"
id=$(sqlite3 "$db" "SELECT number FROM applications LIMIT 1")
ok "an application was recorded" test -n "$id"
"$PACKETD" show "$id" --json >"$WORK/s.json" 2>"$WORK/s.err"
is "show --json: each file's raw_name_hex" \
	"$(json "sorted((f['name'], f.get('raw_name_hex')) for f in $files)" <"$WORK/s.json")" \
	"[('学位-1.pdf', 'd1a7cebb2d312e706466'), ('申请表-中文-1.pdf', 'c9eac7ebb1ed2dd6d0cec42d312e706466')]"
echo "1..$tap_n"
