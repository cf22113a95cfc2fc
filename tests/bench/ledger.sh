#!/bin/bash
# The ledger at scale (not part of `make test`): real applications made by
# `run --once` over N distinct packets and taken through the workflow
# (review, transmit, SOEHK, interview, pass, payments, certificate), then
# copied in SQL (every row of the application with its files, findings,
# history, payments and interviews) until the database holds TOTAL
# applications. Times `list`, `list --json` and `report nightly` against the
# sqlite3 CLI's -json dump of the applications table; peak RSS from
# /usr/bin/time -v. Usage: tests/bench/ledger.sh [TOTAL [N]] (100000 60).
# LEDGER_DB=FILE keeps the grown database there, and reuses it if it exists.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
total=${1:-100000}
n=${2:-60}
packetd=${PACKETD:-$top/build/packetd}
work=$(mktemp -d /var/tmp/packetd-ledger.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp -r "$top/config" "$work/config"
mkdir -p "$work/spool/drop" "$work/mailboxes/inbox/cur" "$work/mailboxes/inbox/tmp"
db=$work/spool/packetd.db
P() { "$packetd" -c "$work/config/packetd.conf" "$@"; }
grow() {
python3 "$top/tests/bench/make_mail.py" "$work/mailboxes/inbox" "$n"
export PACKETD_NOW=2026-11-02T10:00:00+08:00
P run --once >/dev/null 2>&1
apps=$(sqlite3 "$db" "SELECT number FROM applications WHERE state = 'complete' ORDER BY id LIMIT $((n / 2))")
for a in $apps; do P pay "$a" --item interview --amount 1000 >/dev/null; P review "$a" --approve >/dev/null; done
P transmit --out "$work/tx" >/dev/null
export PACKETD_NOW=2026-11-04T10:00:00+08:00
i=0
for a in $apps; do
	P soehk "$a" --accept >/dev/null
	P interview "$a" --at "2026-12-10 $(printf '%02d' $((9 + i % 8))):00" --place "Room 1" >/dev/null
	i=$((i + 1))
done
export PACKETD_NOW=2026-12-11T10:00:00+08:00
i=0
for a in $apps; do
	case $((i % 3)) in
	0) P result "$a" --pass >/dev/null ;;
	1) P result "$a" --pass >/dev/null; P pay "$a" --item soe_membership --amount 500 >/dev/null ;;
	2) P result "$a" --fail >/dev/null ;;
	esac
	i=$((i + 1))
done
base=$(sqlite3 "$db" "SELECT count(*) FROM applications")
echo "# $base real applications: $(sqlite3 "$db" "SELECT group_concat(state || ' ' || c, ', ') FROM (SELECT state, count(*) c FROM applications GROUP BY state)")"

# Doubling: each round copies every application with its rows under new ids.
while [ "$(sqlite3 "$db" "SELECT count(*) FROM applications")" -lt "$total" ]; do
	sqlite3 "$db" <<SQL
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TEMP TABLE m AS SELECT max(id) AS a, (SELECT max(id) FROM files) AS f FROM applications;
INSERT INTO applications (id, number, applicant_id, target, state, archive_sha256, applicant_json, source_name,
  source_kind, source_ref, message_id, reply_to, created_at, updated_at)
  SELECT id + (SELECT a FROM m), printf('RRA-2027-%07d', id + (SELECT a FROM m)), applicant_id, target, state,
  NULL, applicant_json, source_name, source_kind, source_ref, message_id, reply_to, created_at, updated_at
  FROM applications;
INSERT INTO files SELECT id + (SELECT f FROM m), application_id + (SELECT a FROM m),
  name, sha256, type, size, $(sqlite3 "$db" "SELECT group_concat(name, ', ') FROM pragma_table_info('files') WHERE cid > 5") FROM files;
INSERT INTO findings ($(sqlite3 "$db" "SELECT group_concat(name, ', ') FROM pragma_table_info('findings') WHERE name <> 'id'"))
  SELECT $(sqlite3 "$db" "SELECT group_concat(CASE name WHEN 'application_id' THEN 'application_id + (SELECT a FROM m)' ELSE name END, ', ') FROM pragma_table_info('findings') WHERE name <> 'id'") FROM findings;
INSERT INTO history (application_id, at, from_state, to_state, "by", reason$(sqlite3 "$db" "SELECT group_concat(', ' || name, '') FROM pragma_table_info('history') WHERE cid > 6"))
  SELECT application_id + (SELECT a FROM m), at, from_state, to_state, "by", reason$(sqlite3 "$db" "SELECT group_concat(', ' || name, '') FROM pragma_table_info('history') WHERE cid > 6") FROM history;
INSERT INTO payments (application_id, item, amount, ref, "by", at)
  SELECT application_id + (SELECT a FROM m), item, amount, ref, "by", at FROM payments;
INSERT INTO interviews ($(sqlite3 "$db" "SELECT group_concat(name, ', ') FROM pragma_table_info('interviews') WHERE name <> 'id'"))
  SELECT $(sqlite3 "$db" "SELECT group_concat(CASE name WHEN 'application_id' THEN 'application_id + (SELECT a FROM m)' ELSE name END, ', ') FROM pragma_table_info('interviews') WHERE name <> 'id'") FROM interviews;
COMMIT;
SQL
done
sqlite3 "$db" <<SQL
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TEMP TABLE cut AS SELECT id FROM applications ORDER BY id LIMIT -1 OFFSET $total;
DELETE FROM files WHERE application_id IN cut;
DELETE FROM findings WHERE application_id IN cut;
DELETE FROM history WHERE application_id IN cut;
DELETE FROM payments WHERE application_id IN cut;
DELETE FROM interviews WHERE application_id IN cut;
DELETE FROM applications WHERE id IN cut;
COMMIT;
VACUUM;
SQL
}
if [ -n "${LEDGER_DB:-}" ] && [ -f "$LEDGER_DB" ]; then
	cp "$LEDGER_DB" "$db"
else
	grow
	[ -z "${LEDGER_DB:-}" ] || cp "$db" "$LEDGER_DB"
fi
echo "# $(sqlite3 "$db" "SELECT count(*) FROM applications") applications, $(sqlite3 "$db" "SELECT count(*) FROM files") files, $(sqlite3 "$db" "SELECT count(*) FROM history") history rows, $(du -m "$db" | cut -f1) MB"

# NAME CMD...: wall seconds and peak RSS of one run (after one untimed warm-up)
measure() {
	local name=$1 t0 t1
	shift
	"$@" >/dev/null 2>&1 || true
	t0=$(date +%s%N)
	/usr/bin/time -v -o "$work/time" "$@" >"$work/out" 2>"$work/err" || echo "# $name failed: $(tail -1 "$work/err")" >&2
	t1=$(date +%s%N)
	printf '%s %d %d %d\n' "$name" $(( (t1 - t0) / 1000000 )) \
		"$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time")" "$(wc -c <"$work/out")"
}
{
	measure sqlite3 sqlite3 -json "$db" "SELECT * FROM applications"
	measure list "$packetd" -c "$work/config/packetd.conf" list
	measure list-json "$packetd" -c "$work/config/packetd.conf" list --json
	measure report "$packetd" -c "$work/config/packetd.conf" report nightly
} >"$work/results"
ref=$(awk '$1 == "sqlite3" {print $2}' "$work/results")
printf '%-12s %9s %11s %10s %12s\n' command wall "× sqlite3" "peak RSS" output
while read -r name ms kb bytes; do
	printf '%-12s %8.2fs %11.2f %6.1f MiB %9.1f MB\n' "$name" "$(echo "$ms/1000" | bc -l)" \
		"$(echo "$ms/$ref" | bc -l)" "$(echo "$kb/1024" | bc -l)" "$(echo "$bytes/1000000" | bc -l)"
done <"$work/results"
