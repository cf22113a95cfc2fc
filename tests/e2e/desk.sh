#!/bin/bash
# The desk (`packetd serve`) at the HTTP level, with curl, as an officer, a
# viewer and an attacker would use it: login, logout, expiry, the login
# limits, CSRF refused, a viewer refused, every action through to the
# certificate (the same workflow as the commands, `by` = the logged-in
# user), refusals with the command's message, hostile names escaped, files
# by id only, the security headers, the CSV export and the JSON API.
source "$(dirname "$0")/../lib.sh"
fresh_install
S="$PACKETD_TOP/samples"
DB="$WORK/spool/packetd.db"
CONF="$WORK/config/packetd.conf"
# a free loopback port: one nothing answers on
while :; do
	PORT=$((20000 + RANDOM % 40000))
	(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null || break
done
URL="http://127.0.0.1:$PORT"
printf '\n[web]\nlisten = 127.0.0.1:%s\nsession_minutes = 30\n' "$PORT" >>"$CONF"
SERVER=
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$WORK"' EXIT
q() { sqlite3 "$DB" "$1"; }
has() {  # has "description" TEXT pattern...: every fixed string is in TEXT
	local desc=$1 text=$2 miss=""
	shift 2
	for p in "$@"; do grep -qF -- "$p" <<<"$text" || miss="$miss [$p]"; done
	tap_n=$((tap_n + 1))
	if [ -z "$miss" ]; then echo "ok $tap_n - $desc"; else echo "not ok $tap_n - $desc (missing:$miss)"; fi
}
lacks() {  # lacks "description" TEXT pattern: the fixed string is not in TEXT
	tap_n=$((tap_n + 1))
	if grep -qF -- "$3" <<<"$2"; then echo "not ok $tap_n - $1 (found [$3])"; else echo "ok $tap_n - $1"; fi
}
serve() {  # (re)starts the desk, with PACKETD_NOW as given
	[ -n "$SERVER" ] && { kill "$SERVER"; wait "$SERVER" 2>/dev/null; }
	"$PACKETD" serve >>"$WORK/serve.log" 2>&1 &
	SERVER=$!
	for _ in $(seq 50); do curl -s -o /dev/null "$URL/login" && return 0; sleep 0.1; done
	return 1
}
# req JAR METHOD PATH [form]: status into $code, headers into $WORK/h, body into $WORK/b
req() {
	local jar=$1 method=$2 path=$3
	shift 3
	if [ "$method" = POST ]; then
		code=$(curl -s -o "$WORK/b" -D "$WORK/h" -b "$jar" -c "$jar" --data "${1:-}" -w '%{http_code}' "$URL$path")
	else
		code=$(curl -s -o "$WORK/b" -D "$WORK/h" -b "$jar" -c "$jar" -w '%{http_code}' "$URL$path")
	fi
}
header() { grep -i "^$1:" "$WORK/h" | head -1 | cut -d' ' -f2- | tr -d '\r'; }
login() {  # login JAR USER PASSWORD: then $CSRF holds the session's token
	req "$1" POST /login "user=$2&password=$3"
	req "$1" GET /applications
	CSRF=$(grep -o 'name="csrf" value="[0-9a-f]*"' "$WORK/b" | head -1 | sed 's/.*value="//; s/"$//')
}
state() { q "SELECT state FROM applications WHERE number = '$1'"; }
act() {  # act JAR ID ACTION FORM: POST with the csrf token of $CSRF
	req "$1" POST "/applications/$2/$3" "$4&csrf=$CSRF"
}

# ---- a ledger: three complete applications and one incomplete ----
for m in 01-ceng-complete 02-ieng-complete-gbk 06-scanner-manifest-complete 03-incomplete-missing-copy; do
	deliver "$S/mail/$m.eml"
done
"$PACKETD" run --once >"$WORK/run.log" 2>&1
ZW=$(q "SELECT number FROM applications WHERE json_extract(applicant_json, '$.name_en') = 'ZHANG Wei'")
LN=$(q "SELECT number FROM applications WHERE json_extract(applicant_json, '$.name_en') = 'LI Na'")
YL=$(q "SELECT number FROM applications WHERE json_extract(applicant_json, '$.email') = 'yang.lei@example.com'")
WF=$(q "SELECT number FROM applications WHERE state = 'incomplete' LIMIT 1")
is "ledger: three complete applications and one incomplete" "$(echo $ZW $LN $YL $WF | wc -w)" 4
# hostile values, as a packet's manifest or file names could carry them
q "UPDATE applications SET applicant_json = json_set(applicant_json, '$.name_zh', '<script>alert(1)</script>',
	'$.name_en', '\"><img src=x onerror=alert(2)>&amp;') WHERE number = '$WF'"
q "UPDATE files SET name = '../../etc/passwd\"<b>x.pdf' WHERE id = (SELECT min(id) FROM files
	WHERE application_id = (SELECT id FROM applications WHERE number = '$WF'))"

# ---- users ----
printf 'officer-pass-1\n' | "$PACKETD" user add alice --role officer >/dev/null
printf 'viewer-pass-22\n' | "$PACKETD" user add bob --role viewer >/dev/null
printf 'carol-pass-333\n' | "$PACKETD" user add carol --role officer >/dev/null
is "user list shows three users with their roles" "$("$PACKETD" user list | awk '{print $1 ":" $2}' | tr '\n' ' ')" \
	"alice:officer bob:viewer carol:officer "
"$PACKETD" user add mallory --role officer secret-on-the-command-line </dev/null >/dev/null 2>&1
is "a password on the command line is refused (usage)" "$?" 2
printf 'short\n' | "$PACKETD" user add mallory --role officer >/dev/null 2>&1
is "a short password is refused" "$?" 1
printf 'long-enough-pass\n' | "$PACKETD" user add mallory --role admin >/dev/null 2>&1
is "an unknown role is refused" "$?" 2
has "passwords are stored as yescrypt hashes" "$(q "SELECT hash FROM users WHERE name = 'alice'")" '$y$'
lacks "no password in the database" "$(sqlite3 "$DB" .dump)" "officer-pass-1"

serve || echo "not ok - the desk did not start: $(cat "$WORK/serve.log")"

# ---- without a session ----
A="$WORK/alice.jar" B="$WORK/bob.jar" X="$WORK/anon.jar"
req "$X" GET /
is "GET / without a session: 303" "$code" 303
is "... to the login page" "$(header Location)" /login
req "$X" GET /api/applications
is "the API without a session: 401" "$code" 401
req "$X" POST "/applications/$ZW/review" "approve=1"
is "an action without a session: 401" "$code" 401
req "$X" GET /files/1
is "a file without a session: 303 to the login" "$code $(header Location)" "303 /login"
req "$X" POST /login "user=alice&password=wrong-password"
is "a wrong password: 401" "$code" 401
has "... with the login form again" "$(cat "$WORK/b")" 'name="password"' "Wrong user name or password"
req "$X" POST /login "user=nobody&password=whatever-it-is"
is "an unknown user: 401, the same answer" "$code" 401

# ---- login ----
login "$A" alice officer-pass-1
req "$A" POST /login "user=alice&password=officer-pass-1"
is "POST /login: 303 to /" "$code $(header Location)" "303 /"
cookie=$(header Set-Cookie)
has "session cookie: HttpOnly, SameSite=Strict, Path=/" "$cookie" "packetd_session=" "HttpOnly" "SameSite=Strict" "Path=/"
lacks "... not Secure over plain HTTP" "$cookie" "Secure"
sid=$(sed 's/.*packetd_session=\([0-9a-f]*\).*/\1/' <<<"$cookie")
is "session id: 256 bits" "${#sid}" 64
is "the database keeps only the session's SHA-256" \
	"$(q "SELECT count(*) FROM sessions WHERE id_sha256 = '$(printf %s "$sid" | sha256sum | cut -d' ' -f1)'"):$(q "SELECT count(*) FROM sessions WHERE id_sha256 = '$sid'")" "1:0"
login "$A" alice officer-pass-1
is "the forms carry a 256-bit csrf token" "${#CSRF}" 64

# ---- headers and pages ----
req "$A" GET /
is "GET /: 200" "$code" 200
csp=$(header Content-Security-Policy)
has "CSP: default-src 'self', frame-ancestors 'none'" "$csp" "default-src 'self'" "frame-ancestors 'none'"
lacks "CSP allows no inline script" "$csp" "unsafe-inline"
is "X-Content-Type-Options: nosniff" "$(header X-Content-Type-Options)" nosniff
is "no page data in caches" "$(header Cache-Control)" no-store
has "today: the report's numbers and the chart" "$(cat "$WORK/b")" "<svg" "Nightly report" "$ZW"
for page in / /applications "/applications/$WF" /outbox /batches; do
	req "$A" GET "$page"
	lacks "no script in $page" "$(cat "$WORK/b")" "<script"
done

# ---- the list ----
req "$A" GET /applications
is "the list shows every application" "$(grep -c 'href="/applications/RRA-' "$WORK/b")" 4
req "$A" GET "/applications?state=complete"
is "filter by state" "$(grep -c 'href="/applications/RRA-' "$WORK/b")" 3
req "$A" GET "/applications?target=IEng"
is "filter by target" "$(grep -c 'href="/applications/RRA-' "$WORK/b")" "$(q "SELECT count(*) FROM applications WHERE target = 'IEng'")"
req "$A" GET "/applications?q=zhang"
has "search by English name (any case)" "$(grep -o 'href="/applications/RRA-[0-9-]*"' "$WORK/b")" "$ZW"
is "... and only that" "$(grep -c 'href="/applications/RRA-' "$WORK/b")" 1
req "$A" GET "/applications?q=%E6%9D%8E%E5%A8%9C"
has "search by Chinese name (李娜)" "$(cat "$WORK/b")" "$LN"
req "$A" GET "/applications?q=M2024001234"
has "search by CMES number" "$(cat "$WORK/b")" "$ZW"
req "$A" GET "/applications?province=%E5%B9%BF%E4%B8%9C%E7%9C%81%E6%9C%BA%E6%A2%B0%E5%B7%A5%E7%A8%8B%E5%AD%A6%E4%BC%9A"
has "filter by province (广东省机械工程学会)" "$(cat "$WORK/b")" "$LN"
req "$A" GET "/applications?per=2&page=2&sort=number&dir=desc"
is "paging and sorting: page 2 of 2, descending" "$(grep -o 'href="/applications/RRA-[0-9-]*"' "$WORK/b" | head -1)" \
	"href=\"/applications/$(q "SELECT number FROM applications ORDER BY id DESC LIMIT 1 OFFSET 2")\""
req "$A" GET "/applications?q=%25"
is "a % in the search is literal" "$(grep -c 'href="/applications/RRA-' "$WORK/b")" 0
req "$A" GET "/applications?state=complete&format=csv"
is "CSV export: 200 text/csv" "$code $(header Content-Type)" "200 text/csv; charset=utf-8"
has "... as an attachment" "$(header Content-Disposition)" "attachment"
is "... header and the same three rows" "$(tail -c +4 "$WORK/b" | wc -l)" 4
is "... UTF-8 with BOM" "$(head -c 3 "$WORK/b" | od -An -tx1 | tr -d ' ')" efbbbf

# ---- escaping ----
req "$A" GET "/applications/$WF"
body=$(cat "$WORK/b")
lacks "a hostile name is never markup (show)" "$body" "<script>alert(1)"
lacks "... nor an attribute breakout" "$body" '"><img'
has "... it is shown escaped" "$body" "&lt;script&gt;alert(1)&lt;/script&gt;" "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;&amp;amp;"
req "$A" GET "/applications?q=script"
lacks "a hostile name is never markup (list)" "$(cat "$WORK/b")" "<script>alert(1)"
has "a hostile file name is escaped" "$body" "../../etc/passwd&quot;&lt;b&gt;x.pdf"

# ---- files by id only ----
fid=$(q "SELECT min(id) FROM files WHERE application_id = (SELECT id FROM applications WHERE number = '$ZW')")
req "$A" GET "/files/$fid"
is "GET /files/N: 200" "$code" 200
is "... its SHA-256 as recorded" "$(sha256sum <"$WORK/b" | cut -d' ' -f1)" "$(q "SELECT sha256 FROM files WHERE id = $fid")"
has "... as an attachment with a safe type" "$(header Content-Disposition)" "attachment; filename=\"$ZW-file$fid."
is "... Content-Type from the sniffed type" "$(header Content-Type)" "application/pdf"
# documents live in packs: one past the first byte of its pack comes out exact
lid=$(q "SELECT max(id) FROM files WHERE application_id = (SELECT id FROM applications WHERE number = '$ZW')")
has "... the documents are named by their place in a pack" "$(q "SELECT stored_path FROM files WHERE id = $lid")" ".pack@"
req "$A" GET "/files/$lid"
is "a document further in its pack: its SHA-256 as recorded" "$code:$(sha256sum <"$WORK/b" | cut -d' ' -f1)" \
	"200:$(q "SELECT sha256 FROM files WHERE id = $lid")"
hid=$(q "SELECT min(id) FROM files WHERE application_id = (SELECT id FROM applications WHERE number = '$WF')")
req "$A" GET "/files/$hid"
disp=$(header Content-Disposition)
lacks "a hostile file name is no path in the download" "$disp" "../"
has "... it is percent-encoded" "$disp" "filename*=UTF-8''passwd%22%3Cb%3Ex.pdf"
for bad in "../../etc/passwd" "%2e%2e%2fetc%2fpasswd" "1/../../x" "abc" "0" "99999999" "-1"; do
	req "$A" GET "/files/$bad"
	is "files by id only: /files/$bad is 404" "$code" 404
done
lpath=$(q "SELECT stored_path FROM files WHERE id = $lid")
q "UPDATE files SET stored_path = replace(stored_path, '@', '@9') || '0' WHERE id = $lid"
req "$A" GET "/files/$lid"
is "a name past its pack's end is not served (short bytes never pass for the document)" "$code" 410
q "UPDATE files SET stored_path = '$lpath' WHERE id = $lid"
q "UPDATE files SET purged_at = '2030-01-01T00:00:00Z' WHERE id = $lid"
req "$A" GET "/files/$lid"
is "a purged document is not served (its range of the pack is a hole, or another application's)" "$code" 410
q "UPDATE files SET purged_at = NULL WHERE id = $lid"
q "UPDATE files SET stored_path = '/etc/passwd' WHERE id = $hid"
req "$A" GET "/files/$hid"
is "a stored path outside the spool is never served" "$code" 410

# ---- CSRF ----
req "$A" POST "/applications/$ZW/review" "approve=1"
is "an action without csrf: 403" "$code" 403
req "$A" POST "/applications/$ZW/review" "approve=1&csrf=0000000000000000000000000000000000000000000000000000000000000000"
is "an action with a forged csrf: 403" "$code" 403
code=$(curl -s -o /dev/null -w '%{http_code}' -b "$A" -H "Origin: http://evil.example" --data "approve=1&csrf=$CSRF" "$URL/applications/$ZW/review")
is "a form from another site (Origin): 403" "$code" 403
is "... nothing changed" "$(state "$ZW")" complete

# ---- a viewer ----
login "$B" bob viewer-pass-22
BCSRF=$CSRF
req "$B" GET "/applications/$ZW"
is "a viewer reads an application" "$code" 200
lacks "... and sees no action form" "$(cat "$WORK/b")" 'action="/applications/'
CSRF=$BCSRF act "$B" "$ZW" review "approve=1"
is "a viewer's action: 403" "$code" 403
is "... nothing changed" "$(state "$ZW")" complete

# ---- every action, as alice ----
login "$A" alice officer-pass-1
req "$A" GET "/applications/$ZW"
has "an officer sees the review forms" "$(cat "$WORK/b")" "action=\"/applications/$ZW/review\""
outbox0=$(q "SELECT count(*) FROM outbox")
act "$A" "$ZW" review "approve=1"
is "review approve: 303 back to the application" "$code $(header Location | cut -d'?' -f1)" "303 /applications/$ZW"
is "... recommended" "$(state "$ZW")" recommended
is "... by the logged-in user" "$(q "SELECT \"by\" FROM history WHERE event = 'review_approve' ORDER BY id DESC LIMIT 1")" alice
is "... its notice queued with it" "$(q "SELECT kind FROM outbox ORDER BY id DESC LIMIT 1"):$(q "SELECT count(*) FROM outbox")" \
	"recommended:$((outbox0 + 1))"
act "$A" "$ZW" review "approve=1"
is "review again: 409" "$code" 409
"$PACKETD" review "$ZW" --approve 2>"$WORK/cli.err"
has "... with the command's message" "$(cat "$WORK/b")" "$(sed 's/^packetd: //' "$WORK/cli.err")"
has "... in both languages, as the command" "$(cat "$WORK/b")" "申请 $ZW 当前状态为 recommended，不能执行“review --approve”" \
	"$ZW: review --approve is not possible in state recommended"
act "$A" "$ZW" review ""
is "review without approve or return: 400" "$code" 400
act "$A" "$YL" review "return=Annex 5 unsigned <b>"
is "review return: 303" "$code" 303
is "... returned, with the reason" "$(state "$YL"):$(q "SELECT reason FROM history ORDER BY id DESC LIMIT 1")" \
	"returned:Annex 5 unsigned <b>"
act "$A" "$LN" review "approve=1"
"$PACKETD" transmit --out "$WORK/transmittals" >/dev/null
is "transmit (command): both with SOEHK" "$(state "$ZW") $(state "$LN")" "soehk_review soehk_review"
act "$A" "$LN" soehk "return=Work report too short"
is "soehk return: 303, returned" "$code $(state "$LN")" "303 returned"
act "$A" "$ZW" interview "at=2030-01-01 10:00&place=Room 1"
is "interview before SOEHK's acceptance: 409" "$code" 409
act "$A" "$ZW" soehk "accept=1"
is "soehk accept: 303" "$code" 303
tomorrow=$(TZ=Asia/Shanghai date -d tomorrow +%Y-%m-%d)
act "$A" "$ZW" interview "at=${tomorrow}T10:00&place=SOEHK, Wan Chai&minutes=90"
is "interview with 90 minutes: 409 (45 to 75)" "$code" 409
act "$A" "$ZW" interview "at=${tomorrow}T10:00&place=SOEHK, Wan Chai&minutes=60"
is "interview planned: 303" "$code $(state "$ZW")" "303 interview_planned"
is "... notice with its calendar queued" "$(q "SELECT kind FROM outbox ORDER BY id DESC LIMIT 1")" interview
act "$A" "$ZW" result "pass=1"
is "a result before the interview: 409" "$code" 409
has "... saying why, in both languages" "$(cat "$WORK/b")" "no result before it" "面试之前不能记录结果"
act "$A" "$ZW" result "pass=1&fail=1"
is "two results at once: 400" "$code" 400

# the day after the interview (the desk reads the clock as the commands do)
export PACKETD_NOW=$(TZ=Asia/Shanghai date -d "$tomorrow + 1 day 09:00" +%Y-%m-%dT%H:%M:%S+08:00)
serve
login "$A" alice officer-pass-1
act "$A" "$ZW" result "pass=1"
is "result pass: 303, fees due" "$code $(state "$ZW")" "303 fees_due"
act "$A" "$ZW" certify ""
is "certify with fees outstanding: 409" "$code" 409
act "$A" "$ZW" pay "item=soe_membership&amount=5000"
is "pay more than owed: 409" "$code" 409
act "$A" "$ZW" pay "item=soe_membership&amount=12.5"
is "pay a fraction of a yuan: 409" "$code" 409
"$PACKETD" pay "$ZW" --item soe_membership --amount 12.5 2>"$WORK/cli.err"
has "... the command's message, both languages" "$(cat "$WORK/b")" "$(sed 's/^packetd: //' "$WORK/cli.err" | sed 's/"/\&quot;/g')" "--amount 必须是" "--amount must be whole yuan"
req "$A" GET "/api/applications/$ZW"
owed=$(jq -r '.fees | to_entries[] | select(.value.outstanding > 0) | "\(.key)=\(.value.outstanding)"' "$WORK/b")
for o in $owed; do
	act "$A" "$ZW" pay "item=${o%=*}&amount=${o#*=}&ref=BANK 42"
	is "pay ${o%=*} ${o#*=}: 303" "$code" 303
done
is "payments recorded by alice" "$(q "SELECT count(*) FROM payments WHERE \"by\" = 'alice'")" "$(wc -w <<<"$owed")"
act "$A" "$ZW" certify ""
is "certify: 303, certified" "$code $(state "$ZW")" "303 certified"
act "$A" "$ZW" cpd "year=${PACKETD_NOW:0:4}&hours=48.5&ref=CPD log"
is "cpd hours: 303" "$code" 303
is "... recorded by alice" "$(q "SELECT \"by\" FROM history WHERE application_id = (SELECT id FROM applications WHERE number = '$ZW') ORDER BY id DESC LIMIT 1")" alice
act "$A" "$ZW" cpd "year=${PACKETD_NOW:0:4}&hours=12.25"
is "cpd hours with two decimals: 409" "$code" 409
act "$A" "$ZW" cpd "hours=10"
is "cpd without a year: 400" "$code" 400
act "$A" "$ZW" bogus ""
is "an unknown action: 404" "$code" 404
req "$A" GET "/applications/$ZW"
has "the application page shows the life: notices, fees, interview, history" "$(cat "$WORK/b")" \
	"已发通知 / Notices (" "certified" "interview_planned" "BANK 42" "SOEHK, Wan Chai" "alice"
has "... notices with their text in both languages" "$(cat "$WORK/b")" "<pre class=\"notice\">" "面试" "interview"

# ---- batches and their receipts ----
cp "$S/batches/jiangsu-2026-11.zip" "$WORK/spool/drop/"
touch -d '2026-11-01' "$WORK/spool/drop/jiangsu-2026-11.zip"
"$PACKETD" run --once >>"$WORK/run.log" 2>&1
req "$A" GET /batches
has "the batches page lists the batch, its receipt and rows" "$(cat "$WORK/b")" "jiangsu-2026-11.receipt.csv" \
	"$(q "SELECT number FROM applications WHERE source_kind = 'dir' LIMIT 1")"
bid=$(q "SELECT id FROM items WHERE detail = 'jiangsu-2026-11.receipt.csv'")
req "$A" GET "/batches/$bid/receipt"
is "the receipt downloads as CSV" "$code $(header Content-Type)" "200 text/csv; charset=utf-8"
is "... as written to the drop's receipts folder" "$(md5sum <"$WORK/b")" "$(md5sum <"$WORK/spool/receipts/jiangsu-2026-11.receipt.csv")"
req "$A" GET "/batches/../../etc/passwd/receipt"
is "receipts by batch number only" "$code" 404

# ---- the JSON API ----
req "$A" GET /api/applications
is "GET /api/applications is list --json" "$(jq -S . "$WORK/b" | md5sum)" "$("$PACKETD" list --json | jq -S . | md5sum)"
req "$A" GET "/api/applications/$ZW"
is "GET /api/applications/ID is show --json" "$(jq -S . "$WORK/b" | md5sum)" \
	"$("$PACKETD" show "$ZW" --json | jq -S . | md5sum)"
req "$A" GET /api/applications/RRA-2099-999999
is "an unknown application: 404" "$code" 404

# ---- logout and expiry ----
cp "$A" "$WORK/stolen.jar"
req "$A" POST /logout "csrf=$CSRF"
is "logout: 303 to the login" "$code $(header Location)" "303 /login"
has "... clears the cookie" "$(header Set-Cookie)" "Max-Age=0"
req "$WORK/stolen.jar" GET /applications
is "the old session is gone" "$code" 303
login "$A" alice officer-pass-1
q "UPDATE sessions SET expires_at = '2000-01-01T00:00:00Z'"
req "$A" GET /applications
is "an expired session: back to the login" "$code $(header Location)" "303 /login"
act "$A" "$WF" review "approve=1"
is "an action with an expired session: 401" "$code" 401

# ---- login limits ----
for i in 1 2 3 4 5; do req "$X" POST /login "user=carol&password=guess-$i"; done
req "$X" POST /login "user=carol&password=carol-pass-333"
is "after five failures for a user, even the right password waits: 429" "$code" 429
q "UPDATE login_failures SET at = '2000-01-01T00:00:00Z' WHERE user = 'carol'"
req "$X" POST /login "user=carol&password=carol-pass-333"
is "... and works once the window has passed" "$code" 303
# nineteen failures from this address already (each real one costs a hash), then one more
for i in $(seq 19); do q "INSERT INTO login_failures (at, address, user) VALUES ('$(date -u -d "$PACKETD_NOW" +%Y-%m-%dT%H:%M:%SZ)', '127.0.0.1', 'u$i')"; done
req "$X" POST /login "user=u20&password=guess"
req "$X" POST /login "user=alice&password=officer-pass-1"
is "after twenty failures from one address: 429 for any user" "$code" 429

# ---- user del ends the sessions ----
q "DELETE FROM login_failures"
login "$B" bob viewer-pass-22
"$PACKETD" user del bob >/dev/null
req "$B" GET /applications
is "user del ends the user's sessions" "$code" 303
kill "$SERVER"
wait "$SERVER"
is "SIGTERM stops the desk cleanly" "$?" 0
SERVER=

# ---- HTTPS by the desk itself ([web] cert and key) ----
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/config/desk.key" -out "$WORK/config/desk.crt" -days 2 \
	-subj /CN=127.0.0.1 >/dev/null 2>&1
sed -e "s/^listen = 127.0.0.1:$PORT/listen = 127.0.0.1:$PORT\ncert = desk.crt\nkey = desk.key/" "$CONF" >"$WORK/config/https.conf"
PACKETD_CONFIG="$WORK/config/https.conf" "$PACKETD" serve >>"$WORK/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 50); do curl -sk -o /dev/null "https://127.0.0.1:$PORT/login" && break; sleep 0.1; done
code=$(curl -sk -o /dev/null -D "$WORK/h" -w '%{http_code}' --data "user=alice&password=officer-pass-1" "https://127.0.0.1:$PORT/login")
is "HTTPS: login works" "$code" 303
has "... the cookie is __Host- and Secure" "$(header Set-Cookie)" "__Host-packetd_session=" "; Secure" "HttpOnly"
has "... with HSTS" "$(header Strict-Transport-Security)" "max-age="
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/login")
is "... and no plain HTTP on that port" "$code" 000
kill "$SERVER"
wait "$SERVER"
SERVER=
is "no sanitizer report from the desk (make test-asan)" "$(grep -c 'Sanitizer\|runtime error' "$WORK/serve.log")" 0
