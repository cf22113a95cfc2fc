/* web_auth.c — passwords, sessions, CSRF tokens and login limits of the
 * desk (web_p.h).
 *
 * Passwords: crypt(3) of libxcrypt with yescrypt ($y$, its default cost).
 * Sessions: 256 random bits from getrandom(2), sent once as the cookie,
 * kept in the database only as their SHA-256; they end after
 * [web] session_minutes without a request (sliding), at the latest 12
 * hours after the login, or at logout. Each session has its own 256-bit
 * CSRF token, printed in every form and compared in constant time.
 * Logins fail for everyone alike (unknown user or wrong password, the
 * same work and the same answer); after WEB_LOGIN_PER_USER failures for a
 * name or WEB_LOGIN_PER_ADDRESS from one address within
 * WEB_LOGIN_WINDOW, further attempts are refused (429) until the window
 * has passed, whatever the password.
 */
#include <crypt.h>
#include <errno.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "log.h"
#include "web_p.h"

#define SESSION_MAX_AGE (12 * 3600)
/* A session's expiry is pushed forward at most once a minute: a write per
 * request would contend with the daemon for nothing. */
#define SESSION_TOUCH_EVERY 60

int web_auth_random_hex(char *out, size_t nbytes)
{
	unsigned char raw[64];
	size_t got = 0;
	static const char hex[] = "0123456789abcdef";
	if (nbytes > sizeof raw)
		return -1;
	while (got < nbytes) {
		ssize_t n = getrandom(raw + got, nbytes - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	for (size_t i = 0; i < nbytes; i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 15];
	}
	out[2 * nbytes] = '\0';
	explicit_bzero(raw, sizeof raw);
	return 0;
}

int web_auth_hash(const char *password, char *out, size_t outlen)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd = xcalloc(1, sizeof *cd);
	int rc = -1;
	/* NULL random bytes: libxcrypt takes them from the kernel itself */
	if (crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof salt) == NULL)
		goto out;
	const char *h = crypt_rn(password, salt, cd, sizeof *cd);
	if (h == NULL || h[0] == '*' || strlen(h) >= outlen)
		goto out;
	snprintf(out, outlen, "%s", h);
	rc = 0;
out:
	explicit_bzero(cd, sizeof *cd);
	free(cd);
	return rc;
}

/* Compares n bytes without an early exit. */
static int same(const char *a, const char *b, size_t n)
{
	unsigned char d = 0;
	for (size_t i = 0; i < n; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

int web_auth_verify(const char *password, const char *hash)
{
	/* a fixed yescrypt setting: an unknown user costs one hash too */
	static const char dummy[] = "$y$j9T$0123456789abcdefghijkl$0123456789abcdefghijklmnopqrstuvwxyzABCDE";
	struct crypt_data *cd = xcalloc(1, sizeof *cd);
	const char *setting = hash && *hash ? hash : dummy;
	const char *h = crypt_rn(password, setting, cd, sizeof *cd);
	int ok = h && h[0] != '*' && hash && *hash && strlen(h) == strlen(hash) && same(h, hash, strlen(h));
	explicit_bzero(cd, sizeof *cd);
	free(cd);
	return ok;
}

static const char *cookie_name(const web *w)
{
	return w->https ? WEB_COOKIE_TLS : WEB_COOKIE;
}

static void set_cookie(const web *w, web_resp *p, const char *value, int clear)
{
	snprintf(p->cookie, sizeof p->cookie, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s%s", cookie_name(w), value,
		 w->https ? "; Secure" : "", clear ? "; Max-Age=0" : "");
}

int web_auth_check(web *w, web_req *q)
{
	const char *sid = MHD_lookup_connection_value(q->conn, MHD_COOKIE_KIND, cookie_name(w));
	int found;
	q->authed = 0;
	if (sid == NULL || strlen(sid) != 64)
		return 0;
	for (const char *c = sid; *c; c++)
		if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f')))
			return 0;
	if (util_sha256_hex(sid, 64, q->sid_hash) != 0)
		return -1;
	found = store_session_get(w->db, q->sid_hash, q->now, &q->sess);
	if (found < 0) {
		log_error("desk: session lookup: %s", store_errmsg(w->db));
		return -1;
	}
	if (found == 0)
		return 0;
	q->authed = 1;
	if (q->now - q->sess.seen_at >= SESSION_TOUCH_EVERY) {
		time_t idle = q->now + w->conf->web_session_minutes * 60;
		time_t hard = q->sess.created_at + SESSION_MAX_AGE;   /* sliding, but never past this */
		if (store_session_touch(w->db, q->sid_hash, q->now, idle < hard ? idle : hard) != 0)
			log_warn("desk: session not extended: %s", store_errmsg(w->db));
	}
	return 0;
}

int web_auth_csrf_ok(const web_req *q)
{
	const char *t = web_field_get(q, "csrf");
	size_t n = strlen(q->sess.csrf);
	if (!q->authed || t == NULL || n != 64 || strlen(t) != n)
		return 0;
	return same(t, q->sess.csrf, n);
}

/* 1 when another attempt is allowed now. */
static int within_limits(web *w, const web_req *q, const char *user)
{
	int64_t by_addr = 0, by_user = 0;
	if (store_login_failures(w->db, q->address, user, q->now - WEB_LOGIN_WINDOW, &by_addr, &by_user) != 0)
		return 0;
	return by_addr < WEB_LOGIN_PER_ADDRESS && by_user < WEB_LOGIN_PER_USER;
}

void web_auth_login(web *w, web_req *q, web_resp *p)
{
	const char *user = web_field_get(q, "user"), *password = web_field_get(q, "password");
	char sid[65], hash[65], csrf[65];
	store_user u;
	int found, ok;
	if (user == NULL || password == NULL || *user == '\0' || strlen(user) > 100 || strlen(password) > 512) {
		web_page_login(w, q, p, 400, "请输入用户名和密码。 Enter your user name and password.");
		return;
	}
	if (!within_limits(w, q, user)) {
		log_warn("desk: login of \"%s\" from %s refused: too many failures", user, q->address);
		web_page_login(w, q, p, 429,
			       "登录失败次数过多，请十五分钟后再试。 Too many failed logins: try again in 15 minutes.");
		return;
	}
	memset(&u, 0, sizeof u);
	found = store_user_get(w->db, user, &u);
	ok = web_auth_verify(password, found == 1 ? u.hash : NULL) && found == 1;
	if (!ok) {
		if (store_login_failure(w->db, q->address, user, q->now) != 0)
			log_warn("desk: failed login not recorded: %s", store_errmsg(w->db));
		log_info("desk: failed login of \"%s\" from %s", user, q->address);
		web_page_login(w, q, p, 401, "用户名或密码错误。 Wrong user name or password.");
		goto out;
	}
	if (web_auth_random_hex(sid, 32) != 0 || web_auth_random_hex(csrf, 32) != 0 ||
	    util_sha256_hex(sid, 64, hash) != 0) {
		web_page_message(w, q, p, 500, "系统错误", "System error", "no random bytes", "/login");
		goto out;
	}
	time_t idle = q->now + w->conf->web_session_minutes * 60;
	if (store_login_clear(w->db, user) != 0 ||
	    store_session_prune(w->db, q->now, q->now - 86400) != 0 ||
	    store_session_add(w->db, hash, u.id, csrf, q->address, q->now,
			      idle < q->now + SESSION_MAX_AGE ? idle : q->now + SESSION_MAX_AGE) != 0) {
		log_error("desk: session not stored: %s", store_errmsg(w->db));
		web_page_message(w, q, p, 500, "系统错误", "System error", store_errmsg(w->db), "/login");
		goto out;
	}
	log_info("desk: %s (%s) logged in from %s", u.name, u.role, q->address);
	set_cookie(w, p, sid, 0);
	web_redirect(p, "/");
out:
	explicit_bzero(sid, sizeof sid);
	explicit_bzero(&u, sizeof u);
}

void web_auth_logout(web *w, web_req *q, web_resp *p)
{
	if (q->authed) {
		if (store_session_del(w->db, q->sid_hash) != 0)
			log_error("desk: session not deleted: %s", store_errmsg(w->db));
		else
			log_info("desk: %s logged out", q->sess.user);
	}
	set_cookie(w, p, "", 1);
	web_redirect(p, "/login");
}
