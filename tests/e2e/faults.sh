#!/bin/bash
# Crash and resume (the fault points of src/fault.h): for every stage,
# `packetd run --once` is killed with SIGKILL there (PACKETD_FAULT), then
# run again without the fault. The resumed installation must hold exactly
# what a run without any crash holds — every item processed once, every
# notice delivered once, nothing lost — and stay consistent
# (tests/faults/state.py's BAD lines: integrity_check, outbox rows =
# outbox files, kept files = recorded files, work folder clean).
source "$(dirname "$0")/../lib.sh"
S="$PACKETD_TOP/samples"
STATE="$PACKETD_TOP/tests/faults/state.py"
works=()
trap 'rm -rf "${works[@]}"' EXIT

# One installation with a mix of items: complete, incomplete, no packet,
# rejected (traversal, quarantined), and a three-row provincial batch.
setup() {
	fresh_install
	trap 'rm -rf "${works[@]}"' EXIT
	works+=("$WORK")
	for f in 01-ceng-complete 03-incomplete-missing-copy 11-no-attachment 14-hostile-traversal; do
		deliver "$S/mail/$f.eml" "$f"
	done
	cp "$S/batches/jiangsu-2026-11.zip" "$WORK/spool/drop/"
	touch -d '1 minute ago' "$WORK/spool/drop/jiangsu-2026-11.zip"
}
run() { "$PACKETD" run --once >/dev/null 2>>"$WORK/runs.log"; }
# In a subshell, so that the shell's "Killed" note stays out of the TAP.
crash() { (PACKETD_FAULT=$1 "$PACKETD" run --once >/dev/null 2>>"$WORK/runs.log"; exit $?) 2>/dev/null; }

setup
run
is "reference run exits 0" "$?" 0
ref_work=$WORK

# stage[:N] — the Nth transaction is: 1-4 the four messages, 5-7 the batch
# rows, 8 the batch itself; unpack:N the Nth member written.
stages="fetched fetched:3 fetched:5 unpack unpack:20 unpack:40 commit commit:2 commit:3 commit:4 commit:6
	commit:8 receipt committed committed:4 committed:5 move move:2 move:5 delivered delivered:4
	delivered:8 maildir-tmp maildir-tmp:6"
declare -A dir_of
for st in $stages; do
	setup
	dir_of[$st]=$WORK
	crash "$st"
	is "$st: packetd killed there" "$?" 137
	ok "$st: the kill is logged" grep -q "fault injection: killing packetd at ${st%%:*}" "$WORK/runs.log"
	run
	is "$st: the rerun exits 0" "$?" 0
done

# Crashes in a row at different stages, then clean runs.
setup
multi=$WORK
crash commit:2
crash delivered:2
is "second crash in a row: killed too" "$?" 137
crash move
run
run
is "a clean run after three crashes exits 0" "$?" 0

# Items are committed by groups: killed inside one (the third message's
# rows written), the messages before it are neither in the ledger nor
# moved out of the inbox; the rerun takes them all.
setup
grouped=$WORK
crash commit:3
is "inside a group: killed" "$?" 137
is "inside a group: no message moved before the group's commit" "$(ls "$WORK/mailboxes/inbox/new" | wc -l)" 4
is "inside a group: no item in the ledger" "$(sqlite3 "$WORK/spool/packetd.db" 'SELECT count(*) FROM items')" 0
run
is "inside a group: the rerun exits 0" "$?" 0

# More messages than a group holds (32): 40 in one cycle. Killed at the
# 35th item's rows, every group committed before it is in the ledger and
# moved out of the inbox, nothing after it is; the rerun takes the rest,
# each message once.
setup_many() {
	fresh_install
	works+=("$WORK")
	for i in $(seq -w 1 "${1:-40}"); do
		sed "s/^Message-ID: .*/Message-ID: <many.$i@mail.example.com>/" "$S/mail/01-ceng-complete.eml" >"$WORK/m$i.eml"
		deliver "$WORK/m$i.eml" "m$i"
	done
}
setup_many
many=$WORK
crash commit:35
is "40 messages, killed at the 35th: killed" "$?" 137
done_n=$(sqlite3 "$WORK/spool/packetd.db" "SELECT count(*) FROM items")
ok "40 messages: a whole group committed before the kill" test "$done_n" -ge 1 -a "$done_n" -lt 35
is "40 messages: every committed message moved, every other one still in the inbox" \
	"$(ls "$WORK/mailboxes/inbox/new" | wc -l)" $((40 - done_n))
run
is "40 messages: the rerun exits 0" "$?" 0
is "40 messages: each recorded once" \
	"$(sqlite3 "$WORK/spool/packetd.db" "SELECT count(*), count(DISTINCT key) FROM items WHERE key LIKE 'mid:%many.%'")" "40|40"
is "40 messages: the inbox emptied" "$(ls "$WORK/mailboxes/inbox/new" | wc -l)" 0

# A Maildir outbox delivers during the cycle too, after a group's commit,
# once a page of notices (32) waits: with 70 messages, killed at the first
# delivery, at least 32 items and at most 64 (a group closes every 32 at
# the latest) are committed, each of their notices is in the outbox's new/
# (one sync for the page) and none is marked sent; the rest still wait in
# the inbox. The rerun delivers every notice once.
setup_many 70
early=$WORK
crash delivered
is "early delivery: killed" "$?" 137
done_n=$(sqlite3 "$WORK/spool/packetd.db" "SELECT count(*) FROM items")
ok "early delivery: the first delivery came during the cycle, after 32 to 64 items ($done_n)" \
	test "$done_n" -ge 32 -a "$done_n" -le 64
is "early delivery: each committed item's notice is in new/" \
	"$(ls "$WORK/mailboxes/outbox/new" | wc -l)" "$(sqlite3 "$WORK/spool/packetd.db" "SELECT count(*) FROM outbox")"
is "early delivery: one notice a committed item" \
	"$(sqlite3 "$WORK/spool/packetd.db" "SELECT count(*) FROM outbox")" "$done_n"
is "early delivery: none marked sent before the page's commit" \
	"$(sqlite3 "$WORK/spool/packetd.db" "SELECT count(*) FROM outbox WHERE state = 'sent'")" 0
is "early delivery: the uncommitted messages still in the inbox" \
	"$(ls "$WORK/mailboxes/inbox/new" | wc -l)" $((70 - done_n))
run
is "early delivery: the rerun exits 0" "$?" 0
is "early delivery: a notice each of the 70 messages and the report, each sent once, one file each" \
	"$(sqlite3 "$WORK/spool/packetd.db" "SELECT count(*) FILTER (WHERE kind <> 'report'), count(DISTINCT message_id),
		count(*) FILTER (WHERE state = 'sent') FROM outbox")|$(ls "$WORK/mailboxes/outbox/new" | wc -l)" \
	"70|71|71|71"

# A flush delivers all the Maildir's due notices together: killed after the
# second was marked, every file is in new/ (one sync for them all) and none
# is marked sent yet (one commit for the marks); the rerun marks them
# without a second copy.
setup
paged=$WORK
crash delivered:2
is "outbox page: killed" "$?" 137
ok "outbox page: more than two notices due" \
	test "$(sqlite3 "$WORK/spool/packetd.db" "SELECT count(*) FROM outbox")" -ge 3
is "outbox page: all the flush's notices are delivered together" \
	"$(ls "$WORK/mailboxes/outbox/new" | wc -l)" "$(sqlite3 "$WORK/spool/packetd.db" "SELECT count(*) FROM outbox")"
is "outbox page: none marked sent before the page's commit" \
	"$(sqlite3 "$WORK/spool/packetd.db" "SELECT count(*) FROM outbox WHERE state = 'sent'")" 0
run
is "outbox page: the rerun exits 0" "$?" 0

# A stage name never reached does not fire.
setup
unknown=$WORK
PACKETD_FAULT=no-such-stage "$PACKETD" run --once >/dev/null 2>&1
is "unknown stage: run completes" "$?" 0

# The sandbox helper killed (SIGKILL) in mid-job, at the second (third) job
# of each helper: packetd goes on, the item whose answer was lost waits for
# the next cycle, a new helper takes the next jobs.
declare -A zy_dir
for st in zygote:2 zygote:3; do
	setup
	zy_dir[$st]=$WORK
	PACKETD_FAULT=$st "$PACKETD" run --once >/dev/null 2>>"$WORK/runs.log"
	is "$st: packetd itself completes" "$?" 0
	ok "$st: the helper's kill is logged" grep -q "fault injection: killing packetd at zygote" "$WORK/runs.log"
	ok "$st: the job is left for the next cycle" grep -q "ended during a job; the item is retried next cycle" "$WORK/runs.log"
	ok "$st: a new helper takes the next job" grep -q "sandbox helper: starting a new one" "$WORK/runs.log"
	run
	is "$st: the rerun exits 0" "$?" 0
done

# [packetd] scratch names another folder: the work folders are made there,
# never in the spool; a kill in the middle of an unpacking leaves them
# there, the rerun clears them and ends as a run without a crash. The
# scratch folder has its own lock: two spools must not share one.
setup
scratched=$WORK
sed -i 's|^spool = .*|&\nscratch = ../scratch|' "$PACKETD_CONFIG"
crash unpack:20
is "scratch: killed while unpacking" "$?" 137
ok "scratch: the killed packet's members are in the scratch folder" \
	test -n "$(find "$WORK/scratch/work" -path '*/item.*' -type f 2>/dev/null)"
ok "scratch: no work folder in the spool" test ! -e "$WORK/spool/work"
flock "$WORK/scratch/lock" "$PACKETD" run --once >/dev/null 2>"$WORK/locked.log"
is "scratch: a run whose scratch folder is locked exits 1" "$?" 1
ok "scratch: the refusal names the scratch folder's lock" grep -q "holds the lock of scratch" "$WORK/locked.log"
run
is "scratch: the rerun exits 0" "$?" 0
is "scratch: the work folder is empty after the rerun" "$(find "$WORK/scratch/work" -mindepth 1 | wc -l)" 0

# A fetch that fails between messages read ahead (PACKETD_FAIL, fault.h):
# the item is left in the inbox for the next cycle, the others are still
# recorded in their order, and the rerun takes it; the end is the same as
# without the failure. First, middle and last of the four messages.
declare -A gap_dir
for n in 1 2 4; do
	setup
	gap_dir[$n]=$WORK
	PACKETD_FAIL=fetch:$n "$PACKETD" run --once >/dev/null 2>>"$WORK/runs.log"
	is "fetch $n fails: the run exits 0" "$?" 0
	ok "fetch $n fails: said in the log" grep -q "fault injection: fetch fails (hit $n)" "$WORK/runs.log"
	is "fetch $n fails: that message alone is left in the inbox" "$(ls "$WORK/mailboxes/inbox/new" | wc -l)" 1
	# the reference run's messages in their order, but the nth
	is "fetch $n fails: the other three recorded, in their order" \
		"$(sqlite3 "$WORK/spool/packetd.db" "SELECT key FROM items WHERE key LIKE 'mid:%' ORDER BY id")" \
		"$(sqlite3 "$ref_work/spool/packetd.db" "SELECT key FROM items WHERE key LIKE 'mid:%' ORDER BY id" | sed "${n}d")"
	run
	is "fetch $n fails: the rerun exits 0" "$?" 0
done

# The group's durability fails (PACKETD_FAIL, fault.h): the spool's sync,
# or the COMMIT itself, as when SQLite refuses it. The group is rolled back:
# none of its four messages is in the ledger, moved out of the inbox or
# answered, while the batch after them (committed on its own) is; the rerun
# takes the four once.
declare -A rolled_dir
for st in sync group-commit; do
	setup
	rolled_dir[$st]=$WORK
	PACKETD_FAIL=$st "$PACKETD" run --once >/dev/null 2>>"$WORK/runs.log"
	is "$st fails: the run exits 0" "$?" 0
	ok "$st fails: said in the log" grep -q "fault injection: $st fails (hit 1)" "$WORK/runs.log"
	ok "$st fails: the group is left for the next cycle" grep -q "4 items left for the next cycle" "$WORK/runs.log"
	is "$st fails: the four messages still in the inbox" "$(ls "$WORK/mailboxes/inbox/new" | wc -l)" 4
	is "$st fails: none of them in the ledger, the batch and its rows there" \
		"$(sqlite3 "$WORK/spool/packetd.db" "SELECT count(*) FILTER (WHERE key LIKE 'mid:%'), count(*) FROM items")" "0|4"
	is "$st fails: no notice answers one of them" \
		"$(grep -l -e '^In-Reply-To: <20261102\.' -r "$WORK/mailboxes/outbox" | wc -l)" 0
	run
	is "$st fails: the rerun exits 0" "$?" 0
done

# Reading ahead fills its ring (src/cycle.c: up to CYCLE_AHEAD, 12, packets
# in the sandbox while one is recorded, where the work folders are in
# memory; two on a disk): 20 copies of one packet, each its own message,
# the scratch folder on tmpfs. A run whose 15th fetch fails (the ring full
# and wrapped) records the 19 others in their order, the first as the
# application and the rest as its duplicates (asked at each item's turn,
# not when read); a run killed when the 16th message is fetched, 13
# packets read ahead, resumes to the same 20 items, each once.
long_setup() {
	fresh_install
	trap 'rm -rf "${works[@]}"' EXIT
	works+=("$WORK")
	SCRATCH=$WORK/spool
	if [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ] && SCRATCH=$(mktemp -d /dev/shm/packetd-faults.XXXXXX); then
		works+=("$SCRATCH")
		sed -i "s|^spool = .*|&\nscratch = $SCRATCH|" "$PACKETD_CONFIG"
	fi
	for i in $(seq -w 1 20); do
		sed "s/^Message-ID: <20261102\./Message-ID: <long$i./" "$S/mail/03-incomplete-missing-copy.eml" \
			>"$WORK/long$i.eml"
		deliver "$WORK/long$i.eml" "long$i"
		rm "$WORK/long$i.eml"
	done
}
long_keys() { sqlite3 "$WORK/spool/packetd.db" "SELECT key FROM items WHERE key LIKE 'mid:%' ORDER BY id"; }
long_want() { for i in $(seq -w 1 20); do [ "$i" = "${1:-}" ] || echo "mid:long$i.incomplete-missing-copy@mail.example.com"; done; }
long_setup
long_fail=$WORK
PACKETD_FAIL=fetch:15 "$PACKETD" run --once >/dev/null 2>>"$WORK/runs.log"
is "20 read ahead, fetch 15 fails: the run exits 0" "$?" 0
is "20 read ahead, fetch 15 fails: that message alone is left in the inbox" \
	"$(ls "$WORK/mailboxes/inbox/new")" "long15"
is "20 read ahead, fetch 15 fails: the other 19 recorded, in their order" "$(long_keys)" "$(long_want 15)"
is "20 read ahead, fetch 15 fails: one application, 18 duplicates" \
	"$(sqlite3 "$WORK/spool/packetd.db" "SELECT (SELECT count(*) FROM applications), count(*) FILTER (WHERE status = 'duplicate') FROM items")" \
	"1|18"
run
is "20 read ahead, fetch 15 fails: the rerun exits 0" "$?" 0
is "20 read ahead, fetch 15 fails: the rerun takes it, last" "$(long_keys | tail -n 1)" \
	"mid:long15.incomplete-missing-copy@mail.example.com"
long_setup
long_kill=$WORK
crash fetched:16
is "20 read ahead, killed at the 16th fetched: packetd killed there" "$?" 137
# one work folder a packet read ahead, and one for the message being read
# (three where /dev/shm is not tmpfs: the scratch folder stays on the disk)
want=3
[ "$SCRATCH" != "$WORK/spool" ] && want=13
is "20 read ahead, killed at the 16th fetched: $want work folders made" \
	"$(find "$SCRATCH/work" -mindepth 1 -maxdepth 1 -type d -name 'item.*' | wc -l)" $want
run
is "20 read ahead, killed at the 16th fetched: the rerun exits 0" "$?" 0
is "20 read ahead, killed at the 16th fetched: the 20 recorded once, in their order" "$(long_keys)" "$(long_want)"
is "20 read ahead, killed at the 16th fetched: inbox empty, 20 answers" \
	"$(ls "$WORK/mailboxes/inbox/new" | wc -l) $(grep -l '^In-Reply-To: <long' -r "$WORK/mailboxes/outbox" | wc -l)" "0 20"
# With the scratch folder where the installation is (on a disk here, unless
# /tmp is tmpfs), two ahead: the killed run had made 3 work folders.
long_setup
sed -i '/^scratch = /d' "$PACKETD_CONFIG"
crash fetched:16
is "20 messages, scratch beside the spool: packetd killed at the 16th fetched" "$?" 137
want=3
case $(stat -f -c %T "$WORK/spool") in tmpfs | ramfs) want=13 ;; esac
is "20 messages, scratch beside the spool ($(stat -f -c %T "$WORK/spool")): $want work folders made" \
	"$(find "$WORK/spool/work" -mindepth 1 -maxdepth 1 -type d -name 'item.*' | wc -l)" $want
run
is "20 messages, scratch beside the spool: the rerun records the 20 in their order" "$(long_keys)" "$(long_want)"

# Big messages are read less far ahead (CYCLE_AHEAD_BYTES, 4 MiB, past two):
# six of 1.6 MB each, the scratch folder on tmpfs, the run killed when the
# sixth is fetched, had three at most in the sandbox or being read; the
# rerun records all six.
long_setup
rm -f "$WORK"/mailboxes/inbox/new/long*
big_dir=$WORK
python3 - "$S/mail/03-incomplete-missing-copy.eml" "$WORK" <<'PY'
import sys
src, work = sys.argv[1], sys.argv[2]
text = open(src, "rb").read()
head = b"Content-Transfer-Encoding: base64\r\n\r\n" if b"\r\n" in text else b"Content-Transfer-Encoding: base64\n\n"
nl = b"\r\n" if b"\r\n" in text else b"\n"
at = text.index(head) + len(head)
at = text.index(nl, at) + len(nl)       # after the text part's first full line
pad = (b"ICAg" * 19 + nl) * 21000       # 1.6 MB of base64 spaces in the text part
for i in range(1, 7):
    msg = text[:at] + pad + text[at:]
    msg = msg.replace(b"Message-ID: <20261102.", b"Message-ID: <big%d." % i, 1)
    open("%s/mailboxes/inbox/new/big%d" % (work, i), "wb").write(msg)
PY
crash fetched:6
is "6 big messages, killed at the 6th fetched: packetd killed there" "$?" 137
is "6 big messages, killed at the 6th fetched: 3 work folders made" \
	"$(find "$SCRATCH/work" -mindepth 1 -maxdepth 1 -type d -name 'item.*' | wc -l)" 3
run
is "6 big messages: the rerun exits 0" "$?" 0
is "6 big messages: all six recorded" \
	"$(sqlite3 "$WORK/spool/packetd.db" "SELECT count(*) FROM items WHERE key LIKE 'mid:big%'")" 6

# One Python call for every installation (it starts slowly).
python3 "$STATE" "${works[@]}"
summary() { grep -v '^BAD ' "$1/state.txt"; }
broken() { grep '^BAD ' "$1/state.txt"; }
ref=$(summary "$ref_work")
is "reference run is consistent" "$(broken "$ref_work")" ""
is "20 read ahead, fetch 15 fails: consistent after the rerun" "$(broken "$long_fail")" ""
is "20 read ahead, killed at the 16th fetched: consistent after the rerun" "$(broken "$long_kill")" ""
is "6 big messages: consistent after the rerun" "$(broken "$big_dir")" ""
ok "reference run recorded 4 messages and 3 batch rows" test "$(grep -c '^item ' <<<"$ref")" = 8
ok "reference run delivered at least 8 notices" test "$(sed -n 's/^outbox maildir files //p' <<<"$ref")" -ge 8
# LABEL DIR: the installation is consistent and ends as the reference run.
as_reference() {
	is "$1: consistent after the rerun" "$(broken "$2")" ""
	is "$1: same result as the reference run" "$(summary "$2")" "$ref"
}
for st in $stages; do as_reference "$st" "${dir_of[$st]}"; done
for st in zygote:2 zygote:3; do as_reference "$st" "${zy_dir[$st]}"; done
as_reference "three crashes, then clean runs" "$multi"
is "unknown stage: same result" "$(summary "$unknown")" "$ref"
as_reference "outbox page" "$paged"
is "40 messages: consistent after the rerun" "$(broken "$many")" ""
is "early delivery: consistent after the rerun" "$(broken "$early")" ""
for n in 1 2 4; do as_reference "fetch $n failed" "${gap_dir[$n]}"; done
as_reference "scratch elsewhere, killed" "$scratched"
as_reference "inside a group" "$grouped"
for st in sync group-commit; do as_reference "$st failed" "${rolled_dir[$st]}"; done
