#!/bin/bash
# The desk's list page at a large ledger (not part of `make test`): the
# samples are taken in once, then their applications are copied in SQL
# until the ledger holds N (default 100,000), each copy with its own
# number, CMES number and names; `packetd serve` answers the list with
# filters, search, sorts and deep pages, each timed R times (default 5).
# DESK_BENCH_KEEP=FILE keeps a copy of the grown ledger. DESK_BENCH_TODAY=1 also times today's page. Prints the median and the worst server-side time (curl's time to the
# first byte after the request was sent) per query.
#   PACKETD=build/packetd PACKETD_TOP=$PWD tests/bench/desk_list.sh [N] [R]
set -u
: "${PACKETD:?set PACKETD to the binary}"
: "${PACKETD_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
source "$PACKETD_TOP/tests/lib.sh"
N=${1:-100000}
R=${2:-5}
fresh_install
DB="$WORK/spool/packetd.db"
while :; do
	PORT=$((20000 + RANDOM % 40000))
	(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null || break
done
URL="http://127.0.0.1:$PORT"
printf '\n[web]\nlisten = 127.0.0.1:%s\n' "$PORT" >>"$PACKETD_CONFIG"
for m in "$PACKETD_TOP"/samples/mail/*.eml; do deliver "$m"; done
"$PACKETD" run --once >/dev/null 2>&1
base=$(sqlite3 "$DB" "SELECT count(*) FROM applications")
start=$(date +%s.%N)
sqlite3 "$DB" <<EOF
WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < $N - $base)
INSERT INTO applications (number, applicant_id, target, state, archive_sha256, applicant_json, source_name,
	source_kind, source_ref, message_id, reply_to, created_at, updated_at)
SELECT printf('RRA-2025-%06d', k.i), a.applicant_id, a.target,
	CASE k.i % 7 WHEN 0 THEN 'incomplete' WHEN 1 THEN 'recommended' WHEN 2 THEN 'soehk_review'
		WHEN 3 THEN 'fees_due' WHEN 4 THEN 'certified' ELSE 'complete' END,
	NULL,
	json_set(a.applicant_json, '$.name_en', json_extract(a.applicant_json, '$.name_en') || ' ' || k.i,
		'$.name_zh', json_extract(a.applicant_json, '$.name_zh') || k.i,
		'$.cmes_no', printf('M%09d', k.i)),
	a.source_name, a.source_kind, a.source_ref, NULL, a.reply_to,
	strftime('%Y-%m-%dT%H:%M:%SZ', '2025-01-01', '+' || (k.i * 5) || ' minutes'),
	strftime('%Y-%m-%dT%H:%M:%SZ', '2025-01-01', '+' || (k.i * 7 % 500000) || ' minutes')
FROM k JOIN applications a ON a.id = 1 + k.i % $base;
ANALYZE;
EOF
total=$(sqlite3 "$DB" "SELECT count(*) FROM applications")
echo "ledger: $total applications ($(du -h "$DB" | cut -f1)), grown in $(echo "$(date +%s.%N) - $start" | bc) s"
printf 'bench-password-1\n' | "$PACKETD" user add bench --role viewer >/dev/null
"$PACKETD" serve >"$WORK/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; [ -n "${DESK_BENCH_KEEP:-}" ] && cp "$DB" "$DESK_BENCH_KEEP"; rm -rf "$WORK"' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "$URL/login" && break; sleep 0.1; done
jar="$WORK/jar"
curl -s -o /dev/null -c "$jar" --data "user=bench&password=bench-password-1" "$URL/login"

timeit() {  # timeit LABEL PATH
	local t=() code
	for _ in $(seq "$R"); do
		read -r code s <<<"$(curl -s -o "$WORK/page" -b "$jar" -w '%{http_code} %{time_starttransfer} %{time_pretransfer}' "$URL$2" |
			awk '{printf "%s %.1f", $1, ($2 - $3) * 1000}')"
		t+=("$s")
	done
	printf '%-46s %s  median %6s ms  worst %6s ms  %s bytes\n' "$1" "$code" \
		"$(printf '%s\n' "${t[@]}" | sort -n | sed -n "$(((R + 1) / 2))p")" \
		"$(printf '%s\n' "${t[@]}" | sort -n | tail -1)" "$(wc -c <"$WORK/page")"
}
timeit "list, first page" "/applications"
timeit "list, page 1000" "/applications?page=1000"
timeit "list, last page" "/applications?page=$(((total + 49) / 50))"
timeit "filter state=fees_due" "/applications?state=fees_due"
timeit "filter target=IEng, sort by name" "/applications?target=IEng&sort=name"
timeit "filter province (广东)" "/applications?province=%E5%B9%BF%E4%B8%9C%E7%9C%81%E6%9C%BA%E6%A2%B0%E5%B7%A5%E7%A8%8B%E5%AD%A6%E4%BC%9A"
timeit "sort by updated, descending" "/applications?sort=updated&dir=desc"
timeit "search English name (zhang wei 4242)" "/applications?q=zhang+wei+4242"
timeit "search Chinese name (李娜)" "/applications?q=%E6%9D%8E%E5%A8%9C"
timeit "search CMES number" "/applications?q=M000077777"
timeit "search application number" "/applications?q=RRA-2025-031415"
timeit "one application" "/applications/RRA-2025-031415"
timeit "API, one page of 100" "/api/applications?page=3&per=100"
R=1 timeit "CSV export, every row" "/applications?format=csv"
# today's page builds the nightly report as of now (report.c), which reads
# every application's fees: minutes at this size; only on request
[ -n "${DESK_BENCH_TODAY:-}" ] && R=1 timeit "today (the report, live)" "/"
