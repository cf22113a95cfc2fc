# tests/lib.sh — helpers for the end-to-end scripts: TAP lines and a fresh
# packetd installation (config copied, spool and mailboxes empty) per test.
set -u
: "${PACKETD:?run through tests/run.sh or set PACKETD}"
: "${PACKETD_TOP:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
tap_n=0

ok() {  # ok "description" command...
	local desc=$1; shift
	tap_n=$((tap_n + 1))
	if "$@" >/dev/null 2>&1; then
		echo "ok $tap_n - $desc"
	else
		echo "not ok $tap_n - $desc"
	fi
}

is() {  # is "description" actual expected
	tap_n=$((tap_n + 1))
	if [ "$2" = "$3" ]; then
		echo "ok $tap_n - $1"
	else
		echo "not ok $tap_n - $1 (got '$2', want '$3')"
	fi
}

kept() {  # kept STORED_PATH [SHA256]: whole|other|present|gone|missing (tests/kept.py)
	python3 "$PACKETD_TOP/tests/kept.py" "$@"
}

# Makes a throw-away installation under $WORK: config/, spool/, mailboxes/.
fresh_install() {
	WORK=$(mktemp -d /tmp/packetd-e2e.XXXXXX)
	cp -r "$PACKETD_TOP/config" "$WORK/config"
	mkdir -p "$WORK/spool/drop" "$WORK/mailboxes/inbox/new" "$WORK/mailboxes/inbox/cur" \
		"$WORK/mailboxes/inbox/tmp" "$WORK/mailboxes/outbox"
	export PACKETD_CONFIG="$WORK/config/packetd.conf"
	trap 'rm -rf "$WORK"' EXIT
}

# Delivers a message file into the inbox Maildir as a new message.
deliver() {  # deliver FILE [NAME]
	local name=${2:-$(date +%s).$$.$RANDOM.test}
	cp "$1" "$WORK/mailboxes/inbox/tmp/$name" && mv "$WORK/mailboxes/inbox/tmp/$name" "$WORK/mailboxes/inbox/new/$name"
}
