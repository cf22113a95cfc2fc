#!/bin/bash
# The desk in a real browser (tests/browser/desk.js): Debian's chromium,
# headless, driven by puppeteer-core through the DevTools protocol. An
# officer logs in, filters the list, opens an application, approves it and
# plans its interview; the ledger is checked afterwards. puppeteer-core (no
# browser of its own) is installed once from npm into the build folder.
# DESK_SHOTS=DIR keeps a screenshot of every page (`make preview-desk`).
source "$(dirname "$0")/../lib.sh"
PUPPETEER_VERSION=23.11.1   # the last line that runs on Debian 12's Node 20
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
# one copy for every build (make test, then make test-asan, reuse it)
NODE_DIR="${PACKETD_NODE_DIR:-$PACKETD_TOP/build/node}"
if [ ! -x "$CHROMIUM" ] || ! command -v node >/dev/null; then
	echo "ok 1 # skip no chromium or node (Debian packages chromium, nodejs)"
	exit 0
fi
if [ ! -d "$NODE_DIR/node_modules/puppeteer-core" ]; then
	mkdir -p "$NODE_DIR"
	if ! (cd "$NODE_DIR" && npm install --no-audit --no-fund --silent "puppeteer-core@$PUPPETEER_VERSION") >"$NODE_DIR/npm.log" 2>&1; then
		echo "not ok 1 - npm install puppeteer-core@$PUPPETEER_VERSION failed: $(tail -n 3 "$NODE_DIR/npm.log" | tr '\n' ' ')"
		exit 1
	fi
fi
fresh_install
S="$PACKETD_TOP/samples"
DB="$WORK/spool/packetd.db"
while :; do
	PORT=$((20000 + RANDOM % 40000))
	(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null || break
done
printf '\n[web]\nlisten = 127.0.0.1:%s\n' "$PORT" >>"$PACKETD_CONFIG"
for m in 01-ceng-complete 02-ieng-complete-gbk 03-incomplete-missing-copy 06-scanner-manifest-complete; do
	deliver "$S/mail/$m.eml"
done
"$PACKETD" run --once >"$WORK/run.log" 2>&1
ID=$(sqlite3 "$DB" "SELECT number FROM applications WHERE json_extract(applicant_json, '$.name_en') = 'LI Na'")
printf 'officer-pass-1\n' | "$PACKETD" user add wang.officer --role officer >/dev/null
"$PACKETD" serve >"$WORK/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$PORT/login" && break; sleep 0.1; done
[ -n "${DESK_SHOTS:-}" ] && mkdir -p "$DESK_SHOTS"
NODE_PATH="$NODE_DIR/node_modules" SHOTS="${DESK_SHOTS:-}" CHROMIUM="$CHROMIUM" \
	node "$PACKETD_TOP/tests/browser/desk.js" "http://127.0.0.1:$PORT" wang.officer officer-pass-1 "$ID" | grep -v '^1\.\.'
