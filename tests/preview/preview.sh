#!/bin/bash
# `make preview`: renders what people read — the nightly report and the
# notices (acknowledgements complete and incomplete, rejected, no packet,
# batch receipt, recommended, interview, result, payment, certified) — on a
# throw-away installation with the clock moved by PACKETD_NOW, and takes
# screenshots in headless Chromium with the Noto CJK fonts, at desktop width
# and at a narrow width. Output: BUILD/preview/*.html and *.png (git-ignored).
#
# Each page is measured first (a copy with a one-line script that writes the
# page's height into its title, read back with --dump-dom), then the
# script-free original is shot at that height, so nothing is cut off.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/build}
case $build in /*) ;; *) build="$top/$build" ;; esac
packetd="$build/packetd"
out="$build/preview"
chrome=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
[ -x "$packetd" ] || { echo "preview: build $packetd first (make all)" >&2; exit 2; }
[ -n "$chrome" ] || { echo "preview: chromium is not installed (Debian: chromium fonts-noto-cjk)" >&2; exit 2; }
fc-list 2>/dev/null | grep -qi 'Noto Sans CJK' || echo "preview: warning: fonts-noto-cjk missing, Chinese will not render" >&2

work=$(mktemp -d /tmp/packetd-preview.XXXXXX)
trap 'rm -rf "$work"' EXIT
rm -rf "$out"
mkdir -p "$out"
cp -r "$top/config" "$work/config"
mkdir -p "$work/spool/drop" "$work/mailboxes/inbox/new" "$work/mailboxes/inbox/cur" \
	"$work/mailboxes/inbox/tmp" "$work/mailboxes/outbox"
export PACKETD_CONFIG="$work/config/packetd.conf"
P() { "$packetd" "$@" >>"$work/log" 2>&1; }
at() { export PACKETD_NOW="$1"; }
q() { sqlite3 "$work/spool/packetd.db" "$1"; }
num() { q "SELECT number FROM applications WHERE json_extract(applicant_json, '\$.email') = '$1'"; }

# ---- a day of intake, then one applicant carried to certification ----
at 2026-11-02T10:00:00+08:00
for f in "$top"/samples/mail/*.eml; do
	n="preview.$(basename "$f" .eml)"
	cp "$f" "$work/mailboxes/inbox/tmp/$n" && mv "$work/mailboxes/inbox/tmp/$n" "$work/mailboxes/inbox/new/$n"
done
cp "$top"/samples/batches/*.zip "$work/spool/drop/"
touch -d '2026-11-01' "$work"/spool/drop/*.zip
P run --once
zw=$(num zhang.wei@example.com)
ln=$(num li.na@example.com)
yl=$(num yang.lei@example.com)
P pay "$zw" --item interview --amount 1000 --ref BANK-001
P review "$zw" --approve
P review "$ln" --approve
P review "$yl" --approve
P transmit --out "$work/tx"
P soehk "$zw" --accept
P soehk "$yl" --accept
P interview "$zw" --at "2026-12-10 09:30" --place "上海市徐汇区 Room 301, CMES Shanghai Office" --minutes 75
# held, but no result recorded: the later report lists it as needing action
P interview "$yl" --at "2026-12-05 14:00" --place "上海市徐汇区 Room 301, CMES Shanghai Office"
at 2026-12-10T18:00:00+08:00
P result "$zw" --pass
P pay "$zw" --item soe_membership --amount 500 --ref BANK-002
P pay "$zw" --item soe_registration --amount 1200 --ref BANK-003
P certify "$zw"
at 2026-12-11T09:00:00+08:00
P report nightly --date 2026-11-02 --out "$work/report"
cp "$work/report/report-2026-11-02.html" "$out/report.html"
P report nightly --date 2026-12-10 --out "$work/report"
cp "$work/report/report-2026-12-10.html" "$out/report-later.html"

# ---- the HTML part of the newest notice of each kind ----
python3 - "$work/spool/packetd.db" "$out" <<'EOF'
import email, sqlite3, sys
from email import policy
db = sqlite3.connect(sys.argv[1])
rows = db.execute("""SELECT o.kind, b.body, a.state FROM outbox o JOIN outbox_bodies b ON b.id = o.id LEFT JOIN applications a ON a.id = o.application_id
                     ORDER BY o.id""").fetchall()
seen = {}
for kind, body, state in rows:
    m = email.message_from_bytes(bytes(body), policy=policy.default)
    html = next((p.get_content() for p in m.walk() if p.get_content_type() == 'text/html'), None)
    if html is None:
        continue
    name = kind
    if kind == 'ack':
        # one complete and one incomplete acknowledgement
        name = 'ack-complete' if '材料齐全' in str(m['subject']) else 'ack-incomplete'
    if kind != 'report':
        seen[name] = html
for name, html in seen.items():
    open(f"{sys.argv[2]}/notice-{name}.html", 'w', encoding='utf-8').write(html)
EOF

# ---- screenshots ----
# Every page is measured in one Chromium run: a page (not a notice) frames
# each at its width and writes their heights into its title, read back with
# --dump-dom; then each script-free page is shot at its own height.
chrome_run() {  # chrome_run ARGS...: a fresh profile each time
	local prof rc
	prof=$(mktemp -d "$work/chrome.XXXXXX")
	timeout 120 "$chrome" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync --hide-scrollbars \
		--user-data-dir="$prof" "$@" 2>/dev/null
	rc=$?
	rm -rf "$prof"
	return $rc
}
shots=()   # "html width png"
for f in "$out"/*.html; do
	b=${f%.html}
	case $(basename "$b") in report*) w=1100 ;; *) w=800 ;; esac
	shots+=("$f $w $b.png")
	# narrow (500 px, the least headless Chromium lays out) for the pages with tables
	case $(basename "$b") in report|notice-ack-incomplete|notice-interview) shots+=("$f 500 $b-narrow.png") ;; esac
done
{
	echo '<!DOCTYPE html><html><head><title>measuring</title></head><body>'
	i=0
	for s in "${shots[@]}"; do
		set -- $s
		echo "<iframe id=\"f$i\" src=\"file://$1\" style=\"display:block;border:0;width:${2}px;height:50px\"></iframe>"
		i=$((i + 1))
	done
	echo '<script>onload=function(){var r=[];var f=document.getElementsByTagName("iframe");'
	echo 'for(var i=0;i<f.length;i++)r.push(f[i].contentDocument.documentElement.scrollHeight);'
	echo 'document.title="H:"+r.join(",")+":"}</script></body></html>'
} >"$work/measure.html"
heights=$(chrome_run --allow-file-access-from-files --window-size=1200,800 --virtual-time-budget=5000 \
	--dump-dom "file://$work/measure.html" | sed -n 's/.*<title>H:\([0-9,]*\):<\/title>.*/\1/p' | head -n 1)
IFS=, read -r -a hs <<<"$heights"
status=0 i=0
for s in "${shots[@]}"; do
	set -- $s
	h=${hs[$i]:-2400}
	i=$((i + 1))
	rm -f "$3"
	chrome_run --window-size="$2,$h" --screenshot="$3" "file://$1" >/dev/null
	if [ -s "$3" ]; then echo "$3 (${2}x$h)"; else echo "preview: no screenshot of $1" >&2; status=1; fi
done
[ -n "$heights" ] || { echo "preview: could not measure the pages; shots are 2400 px tall" >&2; status=1; }
echo "preview: $(ls "$out"/*.png 2>/dev/null | wc -l) screenshots in $out"
exit $status
