#!/bin/bash
# Memory is measured here, not time: one `packetd run --once` taking a
# 30 MB message (a zipped packet with a 21 MB scan, base64) through the
# Maildir source of the embedded default must keep its peak RSS (the
# process and its sandboxed children, /usr/bin/time) under 32 MiB, whether
# the scan is a JPEG or a PDF, as must the same message over max_message.
# The message is walked through its mapping a window at a time, a JPEG
# sniffed by its edges, a PDF read through its mapping with the pages
# behind dropped: were any read whole, the peak would pass 40 MiB. Skipped under the sanitizers and
# valgrind, whose own memory would decide. The full table over IMAP and
# Maildir: tests/bench/memory.sh.
source "$(dirname "$0")/../lib.sh"
fresh_install
LIMIT_KB=$((32 * 1024))
DB="$WORK/spool/packetd.db"
python3 "$PACKETD_TOP/tests/bench/make_corpus.py" "$WORK/big" 1 21000 >/dev/null
python3 "$PACKETD_TOP/tests/bench/make_corpus.py" "$WORK/pdf" 1 21000 pdf >/dev/null
BIG=$WORK/big/new/corpus.000000
size=$(stat -c %s "$BIG")
ok "the message is over 28 MB ($size bytes)" [ "$size" -gt 28000000 ]

run() {  # TAG: one cycle, its peak RSS in $WORK/TAG.rss (KB)
	/usr/bin/time -f %M -o "$WORK/$1.rss" "$PACKETD" run --once >"$WORK/$1.log" 2>&1
}
bounded() {  # DESCRIPTION TAG
	local kb
	kb=$(tail -n 1 "$WORK/$2.rss")
	if [ -n "${PACKETD_SANITIZED:-}${PACKETD_VALGRIND:-}" ]; then
		tap_n=$((tap_n + 1)); echo "ok $tap_n - $1 # skip under the sanitizers or valgrind ($kb KB)"
	else
		ok "$1 ($kb KB)" [ "$kb" -lt "$LIMIT_KB" ]
	fi
}

# 1. taken whole: recorded, answered, moved to processed
deliver "$BIG" big.1
run whole
is "the 30 MB message: run exits 0" "$?" 0
is "it is recorded as an application" "$(sqlite3 "$DB" "SELECT status FROM items WHERE ref = 'new/big.1'")" processed
is "the scan is kept as a document of it" \
	"$(sqlite3 "$DB" "SELECT count(*) FROM files WHERE name LIKE 'scan-0.jpg' AND size > 21000000")" 1
is "the sender is answered" "$(grep -l '^To: bench0@example.com' "$WORK"/mailboxes/outbox/new/* | wc -l)" 1
ok "it is moved to processed" test -f "$WORK/mailboxes/processed/cur/big.1"
bounded "peak RSS under 32 MiB while taking a 30 MB message" whole

# 2. the same with the scan in a PDF (another applicant's message)
LC_ALL=C sed 's/^Message-ID: <corpus\.0@/Message-ID: <corpus.pdf@/' "$WORK/pdf/new/corpus.000000" >"$WORK/pdf.eml"
deliver "$WORK/pdf.eml" big.pdf
run pdf
is "the 30 MB message with a PDF scan: run exits 0" "$?" 0
is "it is recorded" "$(sqlite3 "$DB" "SELECT status FROM items WHERE ref = 'new/big.pdf'")" processed
is "the PDF scan is kept, read as a PDF" \
	"$(sqlite3 "$DB" "SELECT type FROM files WHERE name = 'scan-0.pdf' AND size > 21000000")" pdf
bounded "peak RSS under 32 MiB while taking it" pdf

# 3. over max_message: refused by its size, its header read alone
sed -i 's/^max_message = .*/max_message = 20M/' "$WORK/config/packetd.conf"
LC_ALL=C sed 's/^Message-ID: <corpus\.0@/Message-ID: <corpus.over@/' "$BIG" >"$WORK/over.eml"
deliver "$WORK/over.eml" big.2
run over
is "over max_message: run exits 0" "$?" 0
is "it is recorded as too large" "$(sqlite3 "$DB" "SELECT status FROM items WHERE ref = 'new/big.2'")" too_large
ok "it is moved to rejected" test -f "$WORK/mailboxes/rejected/cur/big.2"
bounded "peak RSS under 32 MiB while refusing a 30 MB message" over
