#!/bin/bash
# The administrator's packetd: help and version from the command table,
# usage errors, check-config on broken templates and files, log_level,
# journal priority prefixes, systemd notification (READY, STATUS,
# RELOADING, STOPPING, WATCHDOG), make install / uninstall with DESTDIR and
# PREFIX and the installed binary run from elsewhere, the man pages.
source "$(dirname "$0")/../lib.sh"
fresh_install
CONF="$WORK/config/packetd.conf"
P="$PACKETD"
pids=()
trap 'for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$WORK"' EXIT

# ---- help and version
out=$("$P" --help); rc=$?
is "--help exits 0" "$rc" 0
for c in run validate list show outbox check-config review soehk interview result pay certify transmit report help; do
	ok "--help lists $c" grep -qE "^  $c +[a-z]" <<<"$out"
done
is "-h is --help" "$("$P" -h)" "$out"
v=$("$P" --version)
ok "--version prints packetd X.Y.Z" grep -qE '^packetd [0-9]+\.[0-9]+\.[0-9]+$' <<<"$v"
ok "--version is version.h's" grep -q "\"${v#packetd }\"" "$PACKETD_TOP/src/version.h"
ok "help show prints its usage" grep -q '^usage: packetd show ID \[--json\]' <<<"$("$P" help show)"
ok "pay --help prints its options" grep -q -- '--item ITEM' <<<"$("$P" pay --help)"
is "pay --help exits 0" "$("$P" pay RRA-2026-000001 --help >/dev/null; echo $?)" 0
is "an unknown command exits 2" "$("$P" frobnicate 2>/dev/null; echo $?)" 2
ok "an unknown command is named" grep -q 'no command "frobnicate"' <<<"$("$P" frobnicate 2>&1)"
is "an unknown option exits 2" "$("$P" list --bogus 2>/dev/null; echo $?)" 2
is "show without ID exits 2" "$("$P" show 2>/dev/null; echo $?)" 2
is "run with an operand exits 2" "$("$P" run extra 2>/dev/null; echo $?)" 2
is "help of no such command exits 2" "$("$P" help nope 2>/dev/null; echo $?)" 2
is "validate keeps 3 for usage" "$("$P" validate 2>/dev/null; echo $?)" 3
is "an unknown application exits 1" "$("$P" show RRA-2000-999999 2>/dev/null; echo $?)" 1

# ---- check-config
out=$("$P" check-config); rc=$?
is "check-config passes the shipped config" "$rc" 0
ok "check-config counts the templates" grep -qE 'ok \(.* [0-9]+ templates' <<<"$out"
cp -r "$WORK/config" "$WORK/broken"
sed -i '1s/{application}/{aplication}/' "$WORK/broken/templates/recommended.txt"
rm "$WORK/broken/templates/no_show.txt"
printf '\n[source.remote]\ntype = imap\nurl = imaps://127.0.0.1:1/INBOX\nuser = u\npassword_env = PACKETD_TEST_UNSET_PW\nca_file = /nonexistent/ca.pem\n' >>"$WORK/broken/packetd.conf"
caline=$(grep -n '^ca_file' "$WORK/broken/packetd.conf" | cut -d: -f1)
out=$("$P" -c "$WORK/broken/packetd.conf" check-config 2>&1); rc=$?
is "check-config with problems exits 1" "$rc" 1
ok "an unknown placeholder named with file:line" grep -q "templates/recommended.txt:1: {aplication}: unknown placeholder" <<<"$out"
ok "a missing template named" grep -q "templates/no_show.txt: missing" <<<"$out"
ok "a missing ca_file named with file:line" grep -q "packetd.conf:$caline: ca_file: /nonexistent/ca.pem does not exist" <<<"$out"
ok "an unset password_env named" grep -q "PACKETD_TEST_UNSET_PW is not set" <<<"$out"
ok "the problems are counted" grep -q "packetd.conf: 4 problems" <<<"$out"
cp -r "$WORK/config" "$WORK/tbroken"
sed -i '1s/{application}/{aplication}/' "$WORK/tbroken/templates/recommended.txt"
out=$("$P" -c "$WORK/tbroken/packetd.conf" run --once 2>&1); rc=$?
is "run refuses broken templates" "$rc" 1
ok "run names the template" grep -q "{aplication}: unknown placeholder" <<<"$out"
chmod 666 "$WORK/config/requirements.ini"
mkdir -p "$WORK/open"; chmod 777 "$WORK/open"
sed "s|^spool = .*|spool = $WORK/open|" "$CONF" >"$WORK/config/open.conf"
out=$("$P" -c "$WORK/config/open.conf" check-config 2>&1); rc=$?
is "a world-writable spool is a problem" "$rc" 1
ok "the spool's mode is named" grep -q "spool: $WORK/open is writable by everyone" <<<"$out"
chmod 644 "$WORK/config/requirements.ini"
out=$("$P" check-config --connect 2>&1); rc=$?
is "check-config --connect on the embedded default" "$rc" 0
ok "--connect reports each source" grep -q "source applicants (maildir .*): ok, 0 items waiting" <<<"$out"
ok "--connect reports the outgoing mail" grep -q "outgoing mail (maildir .*): ok" <<<"$out"

# ---- log_level, journal prefixes
sed -i 's/^log_level = .*/log_level = debug/' "$CONF"
grep -q '^log_level' "$CONF" || sed -i 's/^\[packetd\]/[packetd]\nlog_level = debug/' "$CONF"
"$P" run --once >/dev/null 2>"$WORK/debug.log"
ok "log_level = debug shows debug lines" grep -q '^packetd: debug: ' "$WORK/debug.log"
sed -i 's/^log_level = .*/log_level = error/' "$CONF"
"$P" run --once >/dev/null 2>"$WORK/error.log"
ok "log_level = error hides info lines" bash -c "! grep -q 'packetd: info: ' '$WORK/error.log'"
"$P" -v run --once >/dev/null 2>"$WORK/v.log"
ok "-v overrides log_level" grep -q '^packetd: debug: ' "$WORK/v.log"
sed -i 's/^log_level = .*/log_level = info/' "$CONF"
exec 3>"$WORK/journal.log"
js=$(stat -L -c '%d:%i' "$WORK/journal.log")
JOURNAL_STREAM=$js "$P" run --once >/dev/null 2>&3
ok "stderr as the journal: lines carry <N> priorities" grep -q '^<6>packetd: info: ' "$WORK/journal.log"
JOURNAL_STREAM=1:1 "$P" run --once >/dev/null 2>"$WORK/nojournal.log"
ok "another JOURNAL_STREAM: no prefixes" bash -c "! grep -q '^<' '$WORK/nojournal.log'"
exec 3>&-

# ---- progress: on a terminal only; batch rows counted in the log
deliver "$PACKETD_TOP/samples/mail/01-ceng-complete.eml"
cp "$PACKETD_TOP"/samples/batches/*.zip "$WORK/spool/drop/"
touch -d '1 hour ago' "$WORK"/spool/drop/*.zip
"$P" run --once >/dev/null 2>"$WORK/progress.log"
ok "a batch logs row n of N" grep -qE 'row 1 of [0-9]+$' "$WORK/progress.log"
ok "no progress line when stderr is a file" bash -c "! grep -q 'item 1 of' '$WORK/progress.log'"
deliver "$PACKETD_TOP/samples/mail/02-ieng-complete-gbk.eml" 2>/dev/null || deliver "$(ls "$PACKETD_TOP"/samples/mail/*.eml | sed -n 2p)"
script -qec "'$P' run --once" /dev/null >"$WORK/tty.log" 2>&1
ok "a terminal sees the one-line progress" grep -q $'\r.*item 1 of 1' "$WORK/tty.log"

# ---- systemd notification: a datagram socket that records what arrives
sed -i 's/^poll_interval = .*/poll_interval = 2/' "$CONF"
python3 - "$WORK/notify.sock" "$WORK/notify.log" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], 'a') as log:
    s.settimeout(30)
    try:
        while True:
            log.write(s.recv(4096).decode() + "\n---\n")
            log.flush()
    except socket.timeout:
        pass
PY
pids+=($!)
for i in $(seq 50); do [ -S "$WORK/notify.sock" ] && break; sleep 0.1; done
NOTIFY_SOCKET="$WORK/notify.sock" WATCHDOG_USEC=1000000 "$P" run 2>"$WORK/daemon.log" &
dpid=$!; pids+=($dpid)
for i in $(seq 100); do grep -q 'STATUS=last cycle' "$WORK/notify.log" 2>/dev/null && break; sleep 0.1; done
ok "READY=1 sent" grep -q '^READY=1' "$WORK/notify.log"
ok "STATUS= with the last cycle's summary" grep -q 'STATUS=last cycle: [0-9]* items' "$WORK/notify.log"
ok "WATCHDOG=1 sent while waiting" grep -q 'WATCHDOG=1' "$WORK/notify.log"
kill -HUP $dpid
for i in $(seq 50); do grep -q 'configuration reloaded' "$WORK/daemon.log" && break; sleep 0.1; done
ok "SIGHUP logged" grep -q 'signal SIGHUP received: reloading' "$WORK/daemon.log"
ok "RELOADING=1 sent" grep -q 'RELOADING=1' "$WORK/notify.log"
kill -TERM $dpid
wait $dpid; rc=$?
kill "${pids[0]}" 2>/dev/null; wait "${pids[0]}" 2>/dev/null
is "SIGTERM: exit 0" "$rc" 0
sleep 0.2
ok "STOPPING=1 sent" grep -q 'STOPPING=1' "$WORK/notify.log"
ok "SIGTERM logged" grep -q 'signal SIGTERM received: stopping' "$WORK/daemon.log"

# ---- make install / uninstall. One build for PREFIX=$PF: installed for
# real (no DESTDIR) to run it from another folder, and staged under DESTDIR
# to check the layout.
PF="$WORK/pfx" D="$WORK/dest" B="$WORK/build-install"
make -s -j2 -C "$PACKETD_TOP" install BUILD="$B" PREFIX="$PF" SYSCONFDIR="$PF/etc" >"$WORK/install.log" 2>&1
is "make install exits 0" "$?" 0
mkdir -p "$WORK/elsewhere"
grep -v '^rules\|^templates' "$CONF" | sed "s|\.\./spool|$WORK/spool|; s|\.\./mailboxes|$WORK/mailboxes|" >"$PF/etc/packetd/site.conf"
out=$(cd "$WORK/elsewhere" && "$PF/bin/packetd" -c "$PF/etc/packetd/site.conf" check-config 2>&1); rc=$?
is "installed binary, from another folder, with -c: check-config passes" "$rc" 0
ok "it found the installed rules" grep -q "rules $PF/share/packetd/requirements.ini" <<<"$out"
out=$(cd "$WORK/elsewhere" && "$PF/bin/packetd" -c "$PF/etc/packetd/site.conf" validate "$PACKETD_TOP/samples/packets/ceng-complete.zip" >/dev/null 2>&1; echo $?)
is "installed binary validates a packet" "$out" 0
make -s -C "$PACKETD_TOP" install BUILD="$B" DESTDIR="$D" PREFIX="$PF" SYSCONFDIR=/etc >>"$WORK/install.log" 2>&1
is "make install DESTDIR= exits 0" "$?" 0
ok "binary in PREFIX/bin" test -x "$D$PF/bin/packetd"
ok "packetd.8 in man8" test -f "$D$PF/share/man/man8/packetd.8"
ok "packetd.conf.5 in man5" test -f "$D$PF/share/man/man5/packetd.conf.5"
ok "rules in share/packetd" test -f "$D$PF/share/packetd/requirements.ini"
ok "findings in share/packetd" test -f "$D$PF/share/packetd/findings.ini"
ok "templates in share/packetd" test -f "$D$PF/share/packetd/templates/ack.txt"
ok "example config in share/packetd" test -f "$D$PF/share/packetd/packetd.conf.example"
ok "the unit runs PREFIX's binary" grep -q "^ExecStart=$PF/bin/packetd " "$D/etc/systemd/system/packetd.service"
ok "the unit is Type=notify" grep -q '^Type=notify' "$D/etc/systemd/system/packetd.service"
ok "/etc/packetd/packetd.conf installed" test -f "$D/etc/packetd/packetd.conf"
ok "it names the installed rules" grep -q "^rules = $PF/share/packetd/requirements.ini" "$D/etc/packetd/packetd.conf"
echo "; the admin's own line" >>"$D/etc/packetd/packetd.conf"
make -s -C "$PACKETD_TOP" install BUILD="$B" DESTDIR="$D" PREFIX="$PF" SYSCONFDIR=/etc >>"$WORK/install.log" 2>&1
ok "an existing packetd.conf is never overwritten" grep -q "the admin's own line" "$D/etc/packetd/packetd.conf"
make -s -C "$PACKETD_TOP" uninstall DESTDIR="$D" PREFIX="$PF" SYSCONFDIR=/etc >>"$WORK/install.log" 2>&1
is "make uninstall exits 0" "$?" 0
ok "uninstall removes the binary" test ! -e "$D$PF/bin/packetd"
ok "uninstall removes the man pages" test ! -e "$D$PF/share/man/man8/packetd.8"
ok "uninstall removes the data" test ! -e "$D$PF/share/packetd"
ok "uninstall removes the unit" test ! -e "$D/etc/systemd/system/packetd.service"
ok "uninstall keeps the config" test -f "$D/etc/packetd/packetd.conf"

# ---- man pages
for m in packetd.8 packetd.conf.5; do
	ok "$m passes mandoc -Tlint" bash -c "mandoc -Tlint -Wwarning '$PACKETD_TOP/src/$m' >/dev/null 2>&1"
done
missing=""
for c in $("$P" --help | sed -n '/^commands:/,/^$/p' | awk 'NF && !/^commands:/ {print $1}'); do
	grep -q "^\.It Cm $c" "$PACKETD_TOP/src/packetd.8" || missing="$missing $c"
done
is "packetd.8 documents every command" "$missing" ""
# Every key of the config's key table has its entry in packetd.conf.5.
missing=""
for k in $(grep -oE '^[[:space:]]*\{ KS_[A-Z]+, "[a-z_]+"' "$PACKETD_TOP/src/config.c" | sed 's/.*"\(.*\)"/\1/' | sort -u); do
	grep -qE "^\.It Cm ([a-z_]+ , )*$k( |,|$)" "$PACKETD_TOP/src/packetd.conf.5" || missing="$missing $k"
done
is "packetd.conf.5 documents every key" "$missing" ""
