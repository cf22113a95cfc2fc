# tests/servers/servers.sh — real servers for the transport tests, sourced by
# tests/e2e/transports.sh and tests/bench/*.sh. Everything lives under one
# short temporary folder ($SRV) on 127.0.0.1 high ports and is stopped by the
# pids the servers wrote, never by name. Installs nothing: the packages come
# from the Makefile's TEST_DEPS (tests/deps.sh).
#
#   Dovecot   IMAP (STARTTLS) $IMAP_PORT, IMAPS $IMAPS_PORT, submission
#             (STARTTLS + AUTH) $SUBMIT_PORT, submissions (TLS) $SUBMITS_PORT,
#             LMTP on a socket; Maildirs under $SRV/mail/<address>/Maildir
#   OpenSMTPD plain SMTP $SMTP_PORT, delivers by LMTP into Dovecot (the relay
#             behind Dovecot's submission service); own mount namespace
#   sshd      SFTP only, key only, $SSH_PORT; files under $SRV/sftp
#
# TLS: a CA made at start ($SRV/tls/ca.pem) signs the server certificate for
# 127.0.0.1 and localhost. Mail users (passwd-file, password "$MAIL_PASS"):
# rra@cmes.example (the intake), zhang.wei@example.com, office@jsmes.example.

MAIL_PASS=${MAIL_PASS:-intake-secret-1}
MAIL_USERS="rra@cmes.example office@jsmes.example centre@cmes.example $(echo zhang.wei li.na wang.fang sun.li ma.chao zhu.hong liu.yang wu.xia zhou.jie zhao.min chen.jing huang.yong yang.lei | sed "s/\([^ ]*\)/\1@example.com/g")"
VMAIL_USER=packetd-vmail
SFTP_USER=packetd-sftp

srv_log() { echo "# servers: $*" >&2; }

# A free TCP port on 127.0.0.1 in [20000, 60000).
srv_port() {
	local p
	for _ in $(seq 1 50); do
		p=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# Waits until 127.0.0.1:PORT accepts connections (at most ~10 s).
srv_wait_port() {
	for _ in $(seq 1 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.1
	done
	srv_log "port $1 never opened"
	return 1
}

# Stops one pid (TERM, then KILL after 5 s) and waits until it is gone or a zombie.
srv_kill_pid() {
	local pid=$1 st
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null || return 0
	for i in $(seq 1 50); do
		[ -e "/proc/$pid" ] || return 0
		st=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)
		[ "$st" = Z ] && return 0
		[ "$i" = 50 ] && kill -9 "$pid" 2>/dev/null
		sleep 0.1
	done
}

srv_users() {
	id "$VMAIL_USER" >/dev/null 2>&1 ||
		useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$VMAIL_USER"
	if ! id "$SFTP_USER" >/dev/null 2>&1; then
		useradd --system --no-create-home --home-dir /nonexistent --shell /bin/sh "$SFTP_USER"
	fi
	# A locked password ("!") makes sshd without PAM refuse even key logins.
	usermod -p '*' "$SFTP_USER"
}

srv_tls() {
	local d=$SRV/tls
	mkdir -p "$d"
	certtool --generate-privkey --key-type=ecdsa --outfile "$d/ca.key" 2>/dev/null
	cat >"$d/ca.tmpl" <<EOF
cn = "packetd test CA"
ca
cert_signing_key
expiration_days = 2
EOF
	certtool --generate-self-signed --load-privkey "$d/ca.key" --template "$d/ca.tmpl" \
		--outfile "$d/ca.pem" 2>/dev/null
	certtool --generate-privkey --key-type=ecdsa --outfile "$d/server.key" 2>/dev/null
	cat >"$d/server.tmpl" <<EOF
cn = "localhost"
dns_name = "localhost"
ip_address = "127.0.0.1"
tls_www_server
signing_key
encryption_key
expiration_days = 2
EOF
	certtool --generate-certificate --load-privkey "$d/server.key" --load-ca-certificate "$d/ca.pem" \
		--load-ca-privkey "$d/ca.key" --template "$d/server.tmpl" --outfile "$d/server.pem" 2>/dev/null
	# A second CA that signed nothing: a client trusting only it must refuse the server.
	certtool --generate-privkey --key-type=ecdsa --outfile "$d/other.key" 2>/dev/null
	certtool --generate-self-signed --load-privkey "$d/other.key" --template "$d/ca.tmpl" \
		--outfile "$d/other-ca.pem" 2>/dev/null
	chmod 644 "$d"/*.pem
	chmod 640 "$d/server.key"
	[ -s "$d/server.pem" ] && [ -s "$d/ca.pem" ]
}

srv_dovecot_conf() {
	local d=$SRV/dv
	mkdir -p "$d/run" "$d/state" "$SRV/mail"
	chown "$VMAIL_USER:" "$SRV/mail"
	: >"$d/users"
	for u in $MAIL_USERS; do
		echo "$u:{PLAIN}$MAIL_PASS::::::" >>"$d/users"
	done
	chmod 644 "$d/users"
	cat >"$d/dovecot.conf" <<EOF
base_dir = $d/run
state_dir = $d/state
log_path = $d/log
instance_name = packetd-test-$$
protocols = imap lmtp submission
listen = 127.0.0.1
ssl = yes
ssl_cert = <$SRV/tls/server.pem
ssl_key = <$SRV/tls/server.key
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_verbose = yes
login_trusted_networks =
default_internal_user = dovecot
default_login_user = dovenull
mail_location = maildir:$SRV/mail/%u/Maildir
mail_uid = $VMAIL_USER
mail_gid = $VMAIL_USER
first_valid_uid = 1
hostname = mail.test
postmaster_address = postmaster@mail.test
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $d/users
}
userdb {
  driver = passwd-file
  args = username_format=%u $d/users
  default_fields = uid=$VMAIL_USER gid=$VMAIL_USER home=$SRV/mail/%u
}
namespace inbox {
  inbox = yes
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $IMAPS_PORT
    ssl = yes
  }
}
service submission-login {
  inet_listener submission {
    address = 127.0.0.1
    port = $SUBMIT_PORT
  }
  inet_listener submissions {
    address = 127.0.0.1
    port = $SUBMITS_PORT
    ssl = yes
  }
}
submission_relay_host = 127.0.0.1
submission_relay_port = $SMTP_PORT
submission_relay_trusted = yes
service lmtp {
  unix_listener lmtp {
    mode = 0666
  }
}
lmtp_hdr_delivery_address = none
lmtp_add_received_header = no
EOF
}

srv_dovecot_start() {
	rm -f "$SRV/dv/run/master.pid"
	/usr/sbin/dovecot -c "$SRV/dv/dovecot.conf" </dev/null >>"$SRV/dv/stdio.log" 2>&1 || {
		srv_log "dovecot did not start"; tail -n 20 "$SRV/dv/log" >&2; return 1; }
	srv_wait_port "$IMAP_PORT" && srv_wait_port "$IMAPS_PORT" && srv_wait_port "$SUBMIT_PORT"
}

srv_dovecot_stop() {
	[ -f "$SRV/dv/run/master.pid" ] && srv_kill_pid "$(cat "$SRV/dv/run/master.pid")"
	rm -f "$SRV/dv/run/master.pid"
}

srv_smtpd_conf() {
	local d=$SRV/smtpd
	mkdir -p "$d/spool" "$d/run"
	chmod 711 "$d/spool"
	cat >"$d/smtpd.conf" <<EOF
listen on 127.0.0.1 port $SMTP_PORT
table domains { cmes.example, example.com, jsmes.example }
table vusers { "@cmes.example" = $VMAIL_USER, "@example.com" = $VMAIL_USER, "@jsmes.example" = $VMAIL_USER }
action "lmtp" lmtp "$SRV/dv/run/lmtp" rcpt-to virtual <vusers>
match from any for domain <domains> action "lmtp"
EOF
}

# OpenSMTPD's spool and control socket paths are fixed at build time: it
# gets its own mount namespace with our folders bound over them.
srv_smtpd_start() {
	local d=$SRV/smtpd
	mkdir -p /var/spool/smtpd   # the mount point; the package makes it only when it runs
	unshare --mount --propagation private sh -c \
		"mount --bind '$d/spool' /var/spool/smtpd && mount --bind '$d/run' /run && exec /usr/sbin/smtpd -d -f '$d/smtpd.conf'" \
		</dev/null >>"$d/log" 2>&1 &
	echo $! >"$d/pid"
	srv_wait_port "$SMTP_PORT" || { tail -n 20 "$d/log" >&2; return 1; }
}

# smtpctl in OpenSMTPD's own mount namespace, where its control socket is.
srv_smtpctl() {
	nsenter -t "$(cat "$SRV/smtpd/pid")" -m /usr/sbin/smtpctl "$@" >/dev/null
}

srv_smtpd_stop() {
	[ -f "$SRV/smtpd/pid" ] && srv_kill_pid "$(cat "$SRV/smtpd/pid")"
	rm -f "$SRV/smtpd/pid"
}

srv_sshd_conf() {
	local d=$SRV/ssh
	mkdir -p "$d" "$SRV/sftp/jiangsu/drop" "$SRV/sftp/jiangsu/processed" "$SRV/sftp/jiangsu/receipts" /run/sshd
	chown -R "$SFTP_USER:" "$SRV/sftp"
	ssh-keygen -q -t ed25519 -N '' -f "$d/host_ed25519" -C host
	ssh-keygen -q -t ed25519 -N '' -f "$d/client_ed25519" -C packetd
	ssh-keygen -q -t ed25519 -N '' -f "$d/stranger_ed25519" -C stranger
	cp "$d/client_ed25519.pub" "$d/authorized_keys"
	chmod 644 "$d/authorized_keys"
	echo "[127.0.0.1]:$SSH_PORT $(cut -d' ' -f1-2 "$d/host_ed25519.pub")" >"$d/known_hosts"
	echo "[127.0.0.1]:$SSH_PORT $(cut -d' ' -f1-2 "$d/stranger_ed25519.pub")" >"$d/wrong_known_hosts"
	: >"$d/empty_known_hosts"
	cat >"$d/sshd_config" <<EOF
Port $SSH_PORT
ListenAddress 127.0.0.1
HostKey $d/host_ed25519
PidFile $d/sshd.pid
AuthorizedKeysFile $d/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AllowUsers $SFTP_USER
Subsystem sftp internal-sftp
ForceCommand internal-sftp
AllowTcpForwarding no
X11Forwarding no
LogLevel VERBOSE
EOF
}

srv_sshd_start() {
	/usr/sbin/sshd -f "$SRV/ssh/sshd_config" -E "$SRV/ssh/log" </dev/null || return 1
	srv_wait_port "$SSH_PORT"
}

srv_sshd_stop() {
	[ -f "$SRV/ssh/sshd.pid" ] && srv_kill_pid "$(cat "$SRV/ssh/sshd.pid")"
	rm -f "$SRV/ssh/sshd.pid"
}

# Starts everything; on failure stops what started and returns 1.
servers_start() {
	SRV=$(mktemp -d /tmp/pks.XXXXXX) || return 1
	chmod 755 "$SRV"
	IMAP_PORT=$(srv_port) IMAPS_PORT=$(srv_port) SUBMIT_PORT=$(srv_port)
	SUBMITS_PORT=$(srv_port) SMTP_PORT=$(srv_port) SSH_PORT=$(srv_port)
	export SRV IMAP_PORT IMAPS_PORT SUBMIT_PORT SUBMITS_PORT SMTP_PORT SSH_PORT
	srv_users && srv_tls && srv_dovecot_conf && srv_smtpd_conf && srv_sshd_conf &&
		srv_dovecot_start && srv_smtpd_start && srv_sshd_start && return 0
	srv_log "start failed; logs in $SRV"
	servers_stop
	return 1
}

# Stops every server by pid and removes the folder (kept when KEEP_SERVERS=1).
servers_stop() {
	[ -n "${SRV:-}" ] || return 0
	srv_sshd_stop
	srv_smtpd_stop
	srv_dovecot_stop
	[ "${KEEP_SERVERS:-}" = 1 ] || rm -rf "$SRV"
}

# ---- helpers for checks ----

# Sends a message file through OpenSMTPD (the intake's MX) to RCPT. The
# envelope sender (MAIL FROM, which Dovecot's LMTP delivery writes into a
# Return-Path field) is FROM, else the file's own Return-Path, else its From.
srv_mail_in() {  # FILE RCPT [FROM]
	local from=${3:-}
	[ -n "$from" ] || from=$(tr -d '\r' <"$1" | sed -n 's/^Return-Path: *<\(.*\)>.*/\1/p' | head -n 1)
	[ -n "$from" ] || from=$(tr -d '\r' <"$1" | sed -n '/^From:/{s/.*<\(.*\)>.*/\1/;s/^From: *//;p;}' | head -n 1)
	swaks --silent 2 --server 127.0.0.1 --port "$SMTP_PORT" --from "${from:-zhang.wei@example.com}" \
		--to "$2" --data "@$1" >/dev/null
}

# Waits until USER's Maildir FOLDER (INBOX or e.g. Processed) holds N messages.
srv_wait_count() {  # USER FOLDER N
	for _ in $(seq 1 40); do
		[ "$(srv_count "$1" "$2")" -ge "$3" ] && return 0
		sleep 0.1
	done
	return 1
}

# Messages in USER's FOLDER, counted over IMAP (IMAPS, verifying the test CA).
srv_count() {  # USER FOLDER
	python3 - "$1" "$2" <<EOF
import imaplib, ssl, sys
ctx = ssl.create_default_context(cafile="$SRV/tls/ca.pem")
try:
    m = imaplib.IMAP4_SSL("127.0.0.1", $IMAPS_PORT, ssl_context=ctx)
    m.login(sys.argv[1], "$MAIL_PASS")
    typ, data = m.select('"%s"' % sys.argv[2], readonly=True)
    print(int(data[0]) if typ == "OK" else 0)
    m.logout()
except Exception:
    print(0)
EOF
}

# Prints the messages of USER's FOLDER over IMAP, decoded, separated by "=====".
srv_fetch_all() {  # USER FOLDER
	python3 - "$1" "$2" <<EOF
import email, imaplib, ssl, sys
from email import policy
ctx = ssl.create_default_context(cafile="$SRV/tls/ca.pem")
m = imaplib.IMAP4_SSL("127.0.0.1", $IMAPS_PORT, ssl_context=ctx)
m.login(sys.argv[1], "$MAIL_PASS")
typ, data = m.select('"%s"' % sys.argv[2], readonly=True)
if typ == "OK" and int(data[0]) > 0:
    typ, nums = m.search(None, "ALL")
    for n in nums[0].split():
        typ, d = m.fetch(n, "(BODY.PEEK[])")
        msg = email.message_from_bytes(d[0][1], policy=policy.default)
        print("=====")
        for h in ("From", "To", "Subject", "Message-ID", "In-Reply-To", "Auto-Submitted"):
            print("%s: %s" % (h, msg[h]))
        for part in msg.walk():
            if part.get_content_type() == "text/plain":
                print(part.get_content())
m.logout()
EOF
}
