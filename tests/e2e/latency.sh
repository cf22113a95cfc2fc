#!/bin/bash
# The daemon between cycles: with poll_interval = 300, a packet sent through
# the real MX (OpenSMTPD → Dovecot) is taken at once because Dovecot
# announces it over IMAP IDLE, and the applicant's acknowledgement reaches
# the applicant's mailbox (Dovecot submission → OpenSMTPD → Dovecot) within
# 10 s. While idling, an interview reminder still goes out when it falls
# due, SIGHUP reloads and SIGTERM stops within 2 s; a server that offers no
# IDLE is polled, and says so in the log.
source "$(dirname "$0")/../lib.sh"
source "$PACKETD_TOP/tests/servers/servers.sh"
fresh_install
dpid=
trap '[ -n "$dpid" ] && kill -9 "$dpid" 2>/dev/null; servers_stop; [ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"' EXIT
echo "# work $WORK" >&2; servers_start || { echo "not ok 1 - servers start"; exit 1; }
S="$PACKETD_TOP/samples"
LOG="$WORK/daemon.log"
q() { sqlite3 "$WORK/spool/packetd.db" "$1"; }
now() { date +%s.%N; }
alive() { kill -0 "$1" 2>/dev/null && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
# Waits until the daemon's log holds PATTERN N times (default 1), at most SECONDS (default 20).
wait_log() {  # PATTERN [N] [SECONDS]
	local end=$(($(date +%s) + ${3:-20}))
	while [ "$(grep -c -- "$1" "$LOG" 2>/dev/null)" -lt "${2:-1}" ]; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.05
	done
}
# Seconds (two decimals) from T0 until USER's INBOX holds N messages; "timeout" after LIMIT s.
wait_mail() {  # T0 USER N LIMIT
	local end
	end=$(python3 -c "print($1 + $4)")
	while [ "$(srv_count "$2" INBOX)" -lt "$3" ]; do
		python3 -c "import sys,time; sys.exit(time.time() < $end)" && { echo timeout; return 1; }
		sleep 0.1
	done
	python3 -c "import time; print('%.2f' % (time.time() - $1))"
}
# The daemon's log lines get the time they were written (epoch seconds) in front.
start_daemon() {
	[ -s "$LOG" ] && mv "$LOG" "$LOG.$(ls "$WORK" | grep -c '^daemon\.log')"
	: >"$LOG"
	"$PACKETD" run 2> >(while IFS= read -r l; do printf '%s %s\n' "$EPOCHREALTIME" "$l"; done >>"$LOG") &
	dpid=$!
}
# When the log first held PATTERN, in seconds after T0.
log_at() {  # PATTERN T0
	grep -m1 -- "$1" "$LOG" | awk -v t0="$2" '{printf "%.2f", $1 - t0}'
}
# Sends SIG to the daemon at T0; RC is its exit status once it is gone, or
# "alive" after EXIT_MAX s (closing the database checkpoints it: an fsync,
# slow on a busy disk; LeakSanitizer's scan at exit takes seconds); EL the
# seconds it took.
EXIT_MAX=5
[ -n "${PACKETD_SANITIZED:-}" ] && EXIT_MAX=10
stop_daemon() {  # SIG
	T0=$(now)
	kill "-$1" "$dpid"
	for _ in $(seq 1 $((EXIT_MAX * 20))); do alive "$dpid" || break; sleep 0.05; done
	EL=$(python3 -c "import time; print('%.2f' % (time.time() - $T0))")
	if alive "$dpid"; then RC=alive; return; fi
	wait "$dpid"
	RC=$?
	dpid=
}

mkdir -p "$WORK/config/secrets"
printf '%s\n' "$MAIL_PASS" >"$WORK/config/secrets/mail.pass"
chmod 600 "$WORK/config/secrets/mail.pass"
write_conf() {  # POLL_INTERVAL [EXTRA SOURCE LINE]
	cat >"$WORK/config/packetd.conf" <<CONF
[packetd]
spool = ../spool
database = ../spool/packetd.db
rules = requirements.ini
templates = templates
poll_interval = $1
intake_address = rra@cmes.example
log_level = debug

[source.applicants]
type = imap
url = imaps://127.0.0.1:$IMAPS_PORT/INBOX
user = rra@cmes.example
password_file = secrets/mail.pass
ca_file = $SRV/tls/ca.pem
processed = Processed
rejected = Rejected
${2:-}

[smtp]
url = smtp://127.0.0.1:$SUBMIT_PORT
starttls = yes
user = rra@cmes.example
password_file = secrets/mail.pass
ca_file = $SRV/tls/ca.pem
from = CMES 技术资格认证中心 <rra@cmes.example>

[outbox]
maildir = ../mailboxes/outbox
CONF
	[ -n "${REPORT_TIME:-}" ] && printf '\n[centre]\nreport_to = centre@cmes.example\nreport_time = %s\n' \
		"$REPORT_TIME" >>"$WORK/config/packetd.conf"
	return 0
}

# ---- 1. IDLE: delivered through SMTP, acknowledged through SMTP, within 10 s ----
# The nightly report's slot 2 to 3 minutes ahead (report_time is HH:MM in
# the scheme's zone): the wait must end then, before the next poll (or at
# local midnight, the purge's time, should that come first).
slot=$(($(date +%s) / 60 * 60 + 180))
REPORT_TIME=$(TZ=Asia/Shanghai date -d "@$slot" +%H:%M)
midnight=$(TZ=Asia/Shanghai date -d 'tomorrow 00:00' +%s)
[ "$midnight" -lt "$slot" ] && slot=$midnight
write_conf 300
start_daemon
ok "the daemon watches the intake folder with IDLE" wait_log "imap applicants: watching INBOX with IDLE between cycles"
ok "its first cycle ends, then it waits (next poll in 300 s)" wait_log "waiting: next cycle in 300 s.*new mail is announced (IDLE)"
due=$(grep -m1 'waiting: next cycle' "$LOG" | sed -n 's/^\([0-9]*\).*periodic work falls due in \([0-9]*\) s.*/\1 \2/p')
ok "the wait ends at the nightly report's slot ($REPORT_TIME; due in: ${due#* } s)" \
	test -n "$due" -a "$(( ${due% *} + ${due#* } - slot ))" -ge 0 -a "$(( ${due% *} + ${due#* } - slot ))" -le 2
sleep 1
t0=$(now)
srv_mail_in "$S/mail/01-ceng-complete.eml" rra@cmes.example
# The target is 10 s; a sanitizer build runs the cycle two to three times slower.
LIMIT=10
[ -n "${PACKETD_SANITIZED:-}" ] && LIMIT=20
lat=$(wait_mail "$t0" zhang.wei@example.com 1 $LIMIT)
echo "# latency from the SMTP delivery: announced after $(log_at 'new mail announced' "$t0") s, cycle done after" \
	"$(log_at 'cycle: 1 items taken' "$t0") s, acknowledgement in the applicant's INBOX after $lat s" >&2
ok "acknowledgement in the applicant's mailbox within $LIMIT s ($lat s)" test "$lat" != timeout
ok "the cycle was started by the server's announce" grep -q "imap applicants: new mail announced in INBOX" "$LOG"
is "two cycles so far (start, announce): not the poll" "$(grep -c ' cycle: ' "$LOG")" 2
ok "the ack threads to the packet" grep -q "^In-Reply-To: <20261102.ceng-complete@mail.example.com>" \
	<<<"$(srv_fetch_all zhang.wei@example.com INBOX)"
is "the packet's message moved to Processed" "$(srv_count rra@cmes.example Processed)" 1
is "one application recorded" "$(q 'SELECT count(*) FROM applications')" 1

# The cycle's own move (an EXPUNGE on the watching session) wakes the
# watch but starts no cycle; idling costs no CPU.
wait_log "waiting: next cycle in 300 s" 2 10
sleep 1
t1=$(awk '{print $14 + $15}' "/proc/$dpid/stat")
cycles=$(grep -c ' cycle: ' "$LOG")
sleep 3
t2=$(awk '{print $14 + $15}' "/proc/$dpid/stat")
is "no cycle while nothing arrives" "$(grep -c ' cycle: ' "$LOG")" "$cycles"
ok "idling costs no CPU (ticks $t1 → $t2 in 3 s)" test $((t2 - t1)) -le 5

# ---- 2. periodic work on time while idling: an interview reminder ----
# An interview planned earlier, starting 3 days and 6 s from now: its
# reminder falls due in 6 s, long before the next poll.
id=$(q "SELECT id FROM applications LIMIT 1")
starts=$(date -u -d "@$(($(date +%s) + 3 * 86400 + 6))" +%Y-%m-%dT%H:%M:%SZ)
q "UPDATE applications SET state = 'interview_planned' WHERE id = $id;
   INSERT INTO interviews (application_id, starts_at, minutes, place, \"by\", created_at)
   VALUES ($id, '$starts', 60, 'Hong Kong', 'test', '2026-01-01T00:00:00Z');"
# A reload ends the wait at once, runs a cycle (nothing due yet) and waits
# again until the reminder falls due.
t0=$(now)
kill -HUP "$dpid"
ok "SIGHUP while idling: reloaded within 2 s" wait_log "configuration reloaded" 1 2
echo "# SIGHUP: logged after $(log_at 'signal SIGHUP received' "$t0") s, reloaded after" \
	"$(log_at 'configuration reloaded' "$t0") s" >&2
ok "after the reload the watch is opened again" wait_log "imap applicants: watching INBOX with IDLE between cycles" 2 5
ok "the wait ends when the reminder falls due" wait_log "waiting: next cycle in 300 s or when periodic work falls due in [1-9] s" 1 10
ok "reminder queued at its time, not at the next poll" wait_log "interview reminder queued" 1 12
ok "reminder not queued before its time" test "$(date +%s)" -ge "$(($(date -d "$starts" +%s) - 3 * 86400))"
ok "reminder delivered to the applicant through SMTP" test "$(wait_mail "$t0" zhang.wei@example.com 2 20)" != timeout

# The application certified a year ago less 8 s: its first anniversary,
# when the year's fees fall due and the applicant is told, comes long
# before the next poll, and the wait ends for it.
ann=$(($(date +%s) + 8))
cert=$(python3 -c "import datetime as d; t = d.datetime.fromtimestamp($ann, d.timezone.utc); \
print(t.replace(year=t.year - 1).strftime('%Y-%m-%dT%H:%M:%SZ'))")
q "UPDATE applications SET state = 'certified' WHERE id = $id;
   INSERT INTO history (application_id, at, from_state, to_state, \"by\") VALUES ($id, '$cert', 'soehk_review', 'certified', 'test');"
nw=$(grep -c 'waiting: next cycle in 300 s' "$LOG")
t0=$(now)
kill -HUP "$dpid"
ok "anniversary: the wait ends when the year falls due" \
	wait_log "waiting: next cycle in 300 s or when periodic work falls due in [1-9] s" 2 10
ok "anniversary: re-registration due at its time, not at the next poll" wait_log "re-registration year 1 due" 1 14
ok "anniversary: not before the anniversary" \
	test "$(grep -m1 're-registration year 1 due' "$LOG" | awk '{print int($1)}')" -ge "$ann"
ok "anniversary: the applicant told through SMTP" test "$(wait_mail "$t0" zhang.wei@example.com 3 20)" != timeout
wait_log "waiting: next cycle in 300 s" $((nw + 2)) 20

# ---- 3. SIGTERM while idling ----
wait_log "waiting: next cycle in 300 s" 4 10
sleep 0.5
stop_daemon TERM
echo "# SIGTERM: logged after $(log_at 'signal SIGTERM received' "$T0") s, exited after $EL s" >&2
ok "SIGTERM while idling: acted upon within 1 s" \
	python3 -c "import sys; sys.exit(not 0 <= float('$(log_at 'signal SIGTERM received: stopping' "$T0")' or 9) < 1)"
is "SIGTERM while idling: exit 0 within $EXIT_MAX s" "$RC" 0

# ---- 3b. the IDLE session is cut: polled, then watched again ----
write_conf 3
start_daemon
ok "drop: watching" wait_log "imap applicants: watching INBOX with IDLE between cycles"
wait_log "waiting: next cycle in 3 s" 1 10
# Dovecot ends the intake user's sessions, the idling one among them.
doveadm -c "$SRV/dv/dovecot.conf" kick rra@cmes.example >/dev/null 2>&1
ok "drop: the lost IDLE session is logged, the folder polled" \
	wait_log "imap applicants: the IDLE session failed; polling until it is opened again before the next cycle" 1 10
ok "drop: the watch is opened again before a later cycle" \
	wait_log "imap applicants: watching INBOX with IDLE between cycles again" 1 10
is "drop: the loss is logged once" "$(grep -c 'the IDLE session failed\|the IDLE session cannot be opened' "$LOG")" 1
wait_log "waiting: next cycle in 3 s.*new mail is announced (IDLE)" "$(($(grep -c 'waiting: next cycle' "$LOG") + 1))" 10
sed 's/^Message-ID: <20261102.ceng-complete@/Message-ID: <latency-drop-1@/' "$S/mail/01-ceng-complete.eml" >"$WORK/m1.eml"
srv_mail_in "$WORK/m1.eml" rra@cmes.example
ok "drop: new mail announced on the new session" wait_log "imap applicants: new mail announced in INBOX" 1 10
stop_daemon TERM
is "drop: SIGTERM exits 0" "$RC" 0

# ---- 3c. the IDLE renewed every idle_renew seconds ----
# idle_renew = 5: while the daemon waits for its 300 s poll, the IDLE is
# ended and started again on the same connection, twice, without a cycle;
# a packet delivered after that is still announced and answered at once.
write_conf 300 "idle_renew = 5"
start_daemon
ok "renew: watching" wait_log "imap applicants: watching INBOX with IDLE between cycles"
ok "renew: the IDLE renewed after idle_renew seconds" wait_log "imap applicants: IDLE renewed (idle_renew = 5 s)" 1 15
ok "renew: and renewed again" wait_log "imap applicants: IDLE renewed (idle_renew = 5 s)" 2 15
is "renew: no cycle for a renewal (the start's only)" "$(grep -c ' cycle: ' "$LOG")" 1
is "renew: on the same connection" "$(grep -c 'watching INBOX with IDLE' "$LOG")" 1
acks=$(srv_count zhang.wei@example.com INBOX)
sed 's/^Message-ID: <20261102.ceng-complete@/Message-ID: <latency-renew-1@/' "$S/mail/01-ceng-complete.eml" >"$WORK/m2.eml"
t0=$(now)
srv_mail_in "$WORK/m2.eml" rra@cmes.example
ok "renew: new mail announced after the renewals" wait_log "imap applicants: new mail announced in INBOX" 1 10
lat=$(wait_mail "$t0" zhang.wei@example.com $((acks + 1)) $LIMIT)
ok "renew: acknowledged within $LIMIT s ($lat s)" test "$lat" != timeout
stop_daemon TERM
is "renew: SIGTERM exits 0" "$RC" 0

# ---- 4. idle = no: polled ----
write_conf 2 "idle = no"
start_daemon
ok "idle = no: first cycle" wait_log " cycle: "
t0=$(now)
sed 's/^Message-ID: <20261102.ceng-complete@/Message-ID: <latency-noidle-1@/' "$S/mail/01-ceng-complete.eml" >"$WORK/m2.eml"
srv_mail_in "$WORK/m2.eml" rra@cmes.example
ok "idle = no: taken by the poll" wait_log "imap applicants: 1 messages in INBOX" 1 10
ok "idle = no: no IDLE session" bash -c "! grep -q 'watching INBOX with IDLE' '$LOG'"
stop_daemon TERM
is "idle = no: SIGTERM exits 0" "$RC" 0

# ---- 5. a server without IDLE: polled, and said once ----
sed -i '/^imap_capability/d' "$SRV/dv/dovecot.conf"
echo 'imap_capability = IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE LITERAL+ NAMESPACE UIDPLUS MOVE CHILDREN UNSELECT' \
	>>"$SRV/dv/dovecot.conf"
kill -HUP "$(cat "$SRV/dv/run/master.pid")"
sleep 1
write_conf 2
start_daemon
ok "without IDLE on the server: said in the log" wait_log "imap applicants: the server offers no IDLE; the folder is polled every poll_interval"
sed 's/^Message-ID: <20261102.ceng-complete@/Message-ID: <latency-noidle-2@/' "$S/mail/01-ceng-complete.eml" >"$WORK/m3.eml"
srv_mail_in "$WORK/m3.eml" rra@cmes.example
ok "without IDLE: the message is taken by the poll" wait_log "imap applicants: 1 messages in INBOX" 1 10
wait_log " cycle: " 3 10
is "without IDLE: said once" "$(grep -c 'offers no IDLE' "$LOG")" 1
stop_daemon TERM
is "without IDLE: SIGTERM exits 0" "$RC" 0
is "every packet's message processed once" "$(srv_count rra@cmes.example Processed)" 5
ok "no sanitizer report from any daemon" bash -c "! cat '$LOG'* | grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error'"
