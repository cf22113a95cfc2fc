#!/bin/sh
# Installs the Debian packages named on the command line that are missing.
# As root it runs apt-get; otherwise it prints the command to run.
missing=""
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' && continue
	# NodeSource's nodejs package carries npm itself and conflicts with
	# Debian's npm: an npm already on PATH is enough.
	[ "$p" = npm ] && command -v npm >/dev/null 2>&1 && continue
	missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "packetd needs these Debian packages:$missing" >&2
	echo "run as root: apt-get update && apt-get install -y$missing" >&2
	exit 1
fi
echo "installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# Server packages (dovecot, sshd, smtpd) must not start their system daemons
# on the standard ports: a temporary policy-rc.d forbids it during the install.
policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
	policy=/usr/sbin/policy-rc.d
	printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy"
	trap 'rm -f "$policy"' EXIT
fi
apt-get install -y --no-install-recommends $missing >/dev/null 2>&1 || {
	apt-get update >/dev/null 2>&1 && apt-get install -y --no-install-recommends $missing >/dev/null
} || { echo "apt-get install failed for:$missing" >&2; exit 1; }
