#!/bin/bash
# Hostile input (tests/hostile/make.py generates it here, into a scratch
# folder: the ratio bomb and the 100,000-member archive are not committed).
# Every archive goes through `packetd validate --json` (exit code, finding
# code, peak memory) and, attached to a message, through `run --once` with
# every hostile message; then the database and the outbox must show each
# message handled as mail.tsv says. Nothing may be written outside the
# installation: the canary folder the archives aim at stays empty, and no
# file appears in the scratch folder outside spool/ and mailboxes/.
source "$(dirname "$0")/../lib.sh"
fresh_install
H="$WORK/hostile"
python3 "$PACKETD_TOP/tests/hostile/make.py" "$H" "$PACKETD_TOP" >"$WORK/make.log" 2>&1
ok "hostile inputs generated" test -s "$H/archives.tsv" -a -s "$H/mail.tsv"
# Peak memory (max RSS) allowed for any one command. The ratio bomb, the
# 100,000 members and the 30 MB attachment must all stay under it.
# (A sanitizer build keeps shadow memory and freed blocks: four times more.)
RSS_MAX_KB=${HOSTILE_RSS_MAX_KB:-150000}
[ -n "${PACKETD_SANITIZED:-}" ] && RSS_MAX_KB=$((RSS_MAX_KB * 4))
# The sandbox sets no RLIMIT_AS under ASan (its shadow memory): ASan's own
# allocation cap stands in for it, so the 7z memory bombs fail as they do
# under the limit.
[ -n "${PACKETD_SANITIZED:-}" ] &&
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}allocator_may_return_null=1:max_allocation_size_mb=512"
touch "$WORK/.start"
sleep 1
# validate's work folders go under $TMPDIR: a private one, so that others'
# runs on the same machine cannot be mistaken for a leftover.
export TMPDIR="$WORK/tmp"
mkdir -p "$TMPDIR"

rss() { sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$1"; }

# ---- archives through validate ----
while IFS=$'\t' read -r name want_exit want_code why; do
	f="$H/archives/$name"
	/usr/bin/time -v -o "$WORK/time.txt" "$PACKETD" validate "$f" --json >"$WORK/v.json" 2>"$WORK/v.err"
	got=$?
	is "validate $name ($why): exit" "$got" "$want_exit"
	if [ "$want_code" != - ]; then
		# The first finding is the rejection; its code must be one of those expected.
		code=$(grep -o '"code": "archive_[a-z_]*"' "$WORK/v.json" | head -n 1 | cut -d'"' -f4)
		ok "validate $name: code $code is one of $want_code" grep -qxE "$want_code" <<<"$code"
		ok "validate $name: the reason is explained in both languages" \
			grep -q '"message_en": "[^"]\{10,\}' "$WORK/v.json"
	fi
	r=$(rss "$WORK/time.txt")
	ok "validate $name: peak memory ${r} kB <= $RSS_MAX_KB kB" test "${r:-999999999}" -le "$RSS_MAX_KB"
done <"$H/archives.tsv"

# ---- every message through run --once ----
while IFS=$'\t' read -r name _; do
	deliver "$H/mail/$name.eml" "$name"
done <"$H/mail.tsv"
/usr/bin/time -v -o "$WORK/time.txt" "$PACKETD" run --once >"$WORK/run.out" 2>"$WORK/run.log"
is "run --once over $(wc -l <"$H/mail.tsv") hostile messages exits 0" "$?" 0
r=$(rss "$WORK/time.txt")
ok "run --once: peak memory ${r} kB <= $RSS_MAX_KB kB" test "${r:-999999999}" -le "$RSS_MAX_KB"
ok "run --once: no item deferred (each handled now)" grep -q ' 0 left for the next cycle' "$WORK/run.log"
python3 "$PACKETD_TOP/tests/hostile/check_run.py" "$WORK" "$H" >"$WORK/check.txt" 2>&1
ok "run results checked" test -s "$WORK/check.txt"
while IFS= read -r line; do
	case $line in
	PASS\ *) ok "${line#PASS }" true ;;
	*) ok "${line#FAIL }" false ;;
	esac
done <"$WORK/check.txt"

# A second run changes nothing: each message handled once.
n_out=$(find "$WORK/mailboxes/outbox/new" -type f | wc -l)
while IFS=$'\t' read -r name _; do
	deliver "$H/mail/$name.eml" "again-$name"
done < <(head -n 5 "$H/mail.tsv")
"$PACKETD" run --once >/dev/null 2>>"$WORK/run.log"
is "redelivered messages: no new notice" "$(find "$WORK/mailboxes/outbox/new" -type f | wc -l)" "$n_out"

# ---- a provincial batch whose own zip is a bomb: unpacked in the sandbox too ----
cp "$H/archives/bomb-7z-folders.7z" "$WORK/spool/drop/bomb-batch.zip"
touch -d '1 minute ago' "$WORK/spool/drop/bomb-batch.zip"
/usr/bin/time -v -o "$WORK/time.txt" "$PACKETD" run --once >"$WORK/batch.out" 2>"$WORK/batch.log"
is "run --once over a batch zip that is a 7z bomb exits 0" "$?" 0
r=$(rss "$WORK/time.txt")
ok "batch bomb: peak memory ${r} kB <= $RSS_MAX_KB kB" test "${r:-999999999}" -le "$RSS_MAX_KB"
receipt="$WORK/spool/receipts/bomb-batch.receipt.csv"
ok "batch bomb: its receipt names the sandbox's finding" grep -q "archive_resources\|内存\|memory" "$receipt"
ok "batch bomb: moved out of drop" test ! -e "$WORK/spool/drop/bomb-batch.zip"

# ---- nothing written outside ----
is "canary folder untouched" "$(find "$H/canary" -mindepth 1 | wc -l)" 0
stray=$(find "$WORK" -newer "$WORK/.start" -type f ! -path "$WORK/spool/*" ! -path "$WORK/mailboxes/*" \
	! -path "$H/*" ! -name '*.txt' ! -name '*.json' ! -name '*.err' ! -name '*.log' ! -name '*.out' | head)
is "no file written outside spool/ and mailboxes/" "$stray" ""
is "validate left no work folder in \$TMPDIR" "$(ls -d "$TMPDIR"/packetd-validate.* 2>/dev/null | sort)" ""
is "spool work folder clean after the run" "$(ls "$WORK/spool/work" | wc -l)" 0
is "integrity_check" "$(sqlite3 "$WORK/spool/packetd.db" 'PRAGMA integrity_check')" ok
