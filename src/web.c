/* web.c — the desk's HTTP server (web.h): libmicrohttpd on one internal
 * polling thread, the request's parts (query, form, cookie, client
 * address), the security headers every answer carries, and the routes.
 *
 * Routes (README "Desk"):
 *   GET  /login  POST /login  POST /logout          web_auth.c
 *   GET  /  /applications  /outbox  /batches        web_pages.c
 *   GET  /applications/ID  POST /applications/ID/ACTION
 *   GET  /files/N  /api/applications[/ID]           web_app.c
 */
#include "web.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "store_desk.h"
#include "web_p.h"

#define WEB_CSP "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"

/* ---- request helpers ---- */

const char *web_arg(const web_req *q, const char *name)
{
	const char *v = MHD_lookup_connection_value(q->conn, MHD_GET_ARGUMENT_KIND, name);
	return v && *v ? v : NULL;
}

const char *web_field_get(const web_req *q, const char *name)
{
	for (size_t i = 0; i < q->nfields; i++)
		if (strcmp(q->fields[i].name, name) == 0)
			return q->fields[i].value;
	return NULL;
}

/* Decodes one application/x-www-form-urlencoded token in place. */
static void form_decode(char *s)
{
	char *o = s;
	for (; *s; s++) {
		if (*s == '+') {
			*o++ = ' ';
		} else if (*s == '%' && util_hexval(s[1]) >= 0 && util_hexval(s[2]) >= 0) {
			*o++ = (char)(util_hexval(s[1]) * 16 + util_hexval(s[2]));
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/* Splits the body into fields; a field that is not UTF-8 or holds a NUL
 * is dropped (it could not be a value typed into a form). */
static void form_parse(web_req *q)
{
	char *save = NULL, *tok;
	if (q->body.data == NULL)
		return;
	for (tok = strtok_r(q->body.data, "&", &save); tok && q->nfields < WEB_MAX_FIELDS;
	     tok = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(tok, '=');
		size_t vlen;
		if (eq == NULL)
			continue;
		*eq = '\0';
		form_decode(tok);
		form_decode(eq + 1);
		vlen = strlen(eq + 1);
		if (*tok == '\0' || !util_utf8_valid(eq + 1, vlen) || web_field_get(q, tok) != NULL)
			continue;
		q->fields[q->nfields].name = xstrdup(tok);
		q->fields[q->nfields].value = xstrdup(eq + 1);
		q->nfields++;
	}
}

static void client_address(web_req *q)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(q->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	const char *real;
	int loopback = 0;
	snprintf(q->address, sizeof q->address, "unknown");
	if (sa && sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
		inet_ntop(AF_INET, &in->sin_addr, q->address, sizeof q->address);
		loopback = (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	} else if (sa && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
		inet_ntop(AF_INET6, &in6->sin6_addr, q->address, sizeof q->address);
		loopback = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
	}
	/* Behind the reverse proxy on this host, the proxy says who the client
	 * is (README: proxy_set_header X-Real-IP); from elsewhere it is not
	 * believed. */
	real = MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, "X-Real-IP");
	if (loopback && real && *real && strlen(real) < sizeof q->address && strspn(real, "0123456789abcdefABCDEF.:") == strlen(real))
		snprintf(q->address, sizeof q->address, "%s", real);
}

/* ---- responses ---- */

void web_resp_html(web_resp *p, int status)
{
	p->status = status;
	p->type = "text/html; charset=utf-8";
}

void web_redirect(web_resp *p, const char *location)
{
	p->status = 303;
	p->type = "text/plain; charset=utf-8";
	snprintf(p->location, sizeof p->location, "%s", location);
	p->body.len = 0;
	buf_adds(&p->body, "See Other\n");
}

static enum MHD_Result send_resp(web *w, web_req *q, web_resp *p)
{
	size_t len = p->body.len;
	char *data;
	struct MHD_Response *r;
	enum MHD_Result ok;
	if (buf_take(&p->body, &data) != 0) {
		log_error("desk: %s %s: the page is larger than %u bytes", q->method, q->url, WEB_PAGE_MAX);
		p->status = 500;
		p->type = "text/plain; charset=utf-8";
		p->disposition[0] = '\0';
		data = xstrdup("页面过大 / Page too large\n");
		len = strlen(data);
	}
	if (p->fd >= 0) {
		free(data);
		/* libmicrohttpd owns and closes the descriptor from here on */
		r = MHD_create_response_from_fd_at_offset64(p->fd_size, p->fd, p->fd_off);
		if (r == NULL)
			close(p->fd);
		p->fd = -1;
	} else {
		r = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
		if (r == NULL)
			free(data);
	}
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", p->type ? p->type : "text/plain; charset=utf-8");
	MHD_add_response_header(r, "Content-Security-Policy", WEB_CSP);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	/* same-origin, not no-referrer: with no-referrer browsers send
	 * "Origin: null" on our own forms, and origin_ok needs the real one */
	MHD_add_response_header(r, "Referrer-Policy", "same-origin");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	if (w->https)
		MHD_add_response_header(r, "Strict-Transport-Security", "max-age=31536000");
	if (p->location[0])
		MHD_add_response_header(r, "Location", p->location);
	if (p->cookie[0])
		MHD_add_response_header(r, "Set-Cookie", p->cookie);
	if (p->disposition[0])
		MHD_add_response_header(r, "Content-Disposition", p->disposition);
	log_debug("desk: %s %s %d %s", q->method, q->url, p->status, q->authed ? q->sess.user : "-");
	ok = MHD_queue_response(q->conn, (unsigned)p->status, r);
	MHD_destroy_response(r);
	return ok;
}

/* ---- routes ---- */

/* "RRA-2026-000123": the only shape of ID a route takes. */
static int app_number_ok(const char *s, size_t len)
{
	if (len < 10 || len > 31 || strncmp(s, "RRA-", 4) != 0)
		return 0;
	for (size_t i = 4; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

/* An Origin header, when the browser sends one, must name this host:
 * a form posted from another site is refused even before its token. */
static int origin_ok(const web_req *q)
{
	const char *origin = MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, "Origin");
	const char *host = MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, "Host");
	const char *o;
	if (origin == NULL)
		return 1;
	o = strstr(origin, "://");
	return host && o && strcmp(o + 3, host) == 0;
}

static void route(web *w, web_req *q, web_resp *p)
{
	const char *u = q->url;
	int get = strcmp(q->method, "GET") == 0 || strcmp(q->method, "HEAD") == 0;
	int post = strcmp(q->method, "POST") == 0;

	if (get && strcmp(u, "/desk.css") == 0) {
		p->status = 200;
		p->type = "text/css; charset=utf-8";
		buf_adds(&p->body, web_css);
		return;
	}
	if (post) {
		const char *ct = MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, "Content-Type");
		if (q->too_big) {
			web_page_message(w, q, p, 413, "内容过大", "Too large", "the form is larger than 64 KB", "/");
			return;
		}
		if (ct == NULL || strncmp(ct, "application/x-www-form-urlencoded", 33) != 0) {
			web_page_message(w, q, p, 415, "格式不支持", "Unsupported form",
					 "forms are sent as application/x-www-form-urlencoded", "/");
			return;
		}
		if (!origin_ok(q)) {
			web_page_message(w, q, p, 403, "拒绝", "Forbidden", "the form comes from another site", "/");
			return;
		}
		form_parse(q);
	}
	if (strcmp(u, "/login") == 0) {
		if (post)
			web_auth_login(w, q, p);
		else if (get && q->authed)
			web_redirect(p, "/");
		else if (get)
			web_page_login(w, q, p, 200, NULL);
		else
			web_page_message(w, q, p, 405, "方法不允许", "Method not allowed", q->method, "/");
		return;
	}
	if (!q->authed) {
		if (strncmp(u, "/api/", 5) == 0 || post) {
			p->status = 401;
			p->type = strncmp(u, "/api/", 5) == 0 ? "application/json" : "text/plain; charset=utf-8";
			buf_adds(&p->body, strncmp(u, "/api/", 5) == 0 ? "{\"error\": \"login required\"}\n"
								       : "401 login required / 请先登录\n");
		} else {
			web_redirect(p, "/login");
		}
		return;
	}
	if (post && strcmp(u, "/logout") == 0) {
		if (!web_auth_csrf_ok(q))
			web_page_message(w, q, p, 403, "拒绝", "Forbidden", "missing or wrong csrf token", "/");
		else
			web_auth_logout(w, q, p);
		return;
	}
	if (post && strncmp(u, "/applications/", 14) == 0) {
		const char *id = u + 14, *slash = strchr(id, '/');
		char number[32];
		if (slash && app_number_ok(id, (size_t)(slash - id)) && strchr(slash + 1, '/') == NULL) {
			snprintf(number, sizeof number, "%.*s", (int)(slash - id), id);
			web_app_action(w, q, p, number, slash + 1);
			return;
		}
	}
	if (get) {
		if (strcmp(u, "/") == 0)
			web_page_home(w, q, p);
		else if (strcmp(u, "/applications") == 0)
			web_page_list(w, q, p, web_arg(q, "format") && strcmp(web_arg(q, "format"), "csv") == 0);
		else if (strncmp(u, "/applications/", 14) == 0 && app_number_ok(u + 14, strlen(u + 14)))
			web_app_show(w, q, p, u + 14);
		else if (strncmp(u, "/files/", 7) == 0)
			web_app_file(w, q, p, u + 7);
		else if (strcmp(u, "/outbox") == 0)
			web_page_outbox(w, q, p);
		else if (strcmp(u, "/batches") == 0)
			web_page_batches(w, q, p);
		else if (strncmp(u, "/batches/", 9) == 0 && strstr(u + 9, "/receipt") &&
			 strcmp(strstr(u + 9, "/receipt"), "/receipt") == 0) {
			char id[32];
			snprintf(id, sizeof id, "%.*s", (int)(strstr(u + 9, "/receipt") - (u + 9)), u + 9);
			web_batch_receipt(w, q, p, id);
		}
		else if (strcmp(u, "/api/applications") == 0)
			web_api_list(w, q, p);
		else if (strncmp(u, "/api/applications/", 18) == 0 && app_number_ok(u + 18, strlen(u + 18)))
			web_api_show(w, q, p, u + 18);
		else
			web_page_message(w, q, p, 404, "未找到", "Not found", u, "/");
		return;
	}
	web_page_message(w, q, p, post ? 404 : 405, post ? "未找到" : "方法不允许", post ? "Not found" : "Method not allowed",
			 u, "/");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	web *w = cls;
	web_req *q = *con_cls;
	web_resp p;
	enum MHD_Result ok;
	(void)version;
	if (q == NULL) {
		q = xcalloc(1, sizeof *q);
		q->conn = conn;
		q->method = method;
		q->url = url;
		buf_init(&q->body, WEB_MAX_BODY);
		*con_cls = q;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		buf_add(&q->body, upload, *upload_size);
		if (buf_error(&q->body) != 0)
			q->too_big = 1;
		*upload_size = 0;
		return MHD_YES;
	}
	memset(&p, 0, sizeof p);
	p.fd = -1;
	buf_init(&p.body, WEB_PAGE_MAX);
	q->now = clock_now();
	client_address(q);
	if (web_auth_check(w, q) != 0)
		web_page_message(w, q, &p, 500, "系统错误", "System error", "database", "/login");
	else
		route(w, q, &p);
	ok = send_resp(w, q, &p);
	buf_free(&p.body);
	return ok;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode tc)
{
	web_req *q = *con_cls;
	(void)cls;
	(void)conn;
	(void)tc;
	if (q == NULL)
		return;
	buf_free(&q->body);
	for (size_t i = 0; i < q->nfields; i++) {
		free(q->fields[i].name);
		if (q->fields[i].value)
			explicit_bzero(q->fields[i].value, strlen(q->fields[i].value));   /* passwords */
		free(q->fields[i].value);
	}
	explicit_bzero(q, sizeof *q);
	free(q);
	*con_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	(void)cls;
	vsnprintf(line, sizeof line, fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	log_warn("desk: %s", line);
}

/* "host:port" or "[v6]:port" into a socket address. */
static int listen_addr(const char *listen, struct sockaddr_storage *ss, int *v6)
{
	char host[256];
	const char *colon = strrchr(listen, ':');
	struct addrinfo hints, *ai = NULL;
	size_t hl;
	if (colon == NULL)
		return -1;
	hl = (size_t)(colon - listen);
	if (hl >= 2 && listen[0] == '[' && listen[hl - 1] == ']') {
		listen++;
		hl -= 2;
	}
	if (hl == 0 || hl >= sizeof host)
		return -1;
	memcpy(host, listen, hl);
	host[hl] = '\0';
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if (getaddrinfo(host, colon + 1, &hints, &ai) != 0 || ai == NULL)
		return -1;
	memset(ss, 0, sizeof *ss);
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*v6 = ai->ai_family == AF_INET6;
	freeaddrinfo(ai);
	return 0;
}

int web_run(const config *conf, const rules *r)
{
	web w = {.conf = conf, .r = r, .https = conf->web_cert != NULL};
	struct sockaddr_storage ss;
	struct MHD_Daemon *d = NULL;
	char err[512], *cert = NULL, *key = NULL;
	size_t len;
	sigset_t set;
	int v6 = 0, sig = 0, rc = -1;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;

	if (listen_addr(conf->web_listen, &ss, &v6) != 0) {
		log_error("desk: [web] listen = %s: not an address and port", conf->web_listen);
		return -1;
	}
	if (w.https && (util_read_file(conf->web_cert, 1 << 20, &cert, &len) != 0 ||
			util_read_file(conf->web_key, 1 << 20, &key, &len) != 0)) {
		log_error("desk: cannot read [web] cert %s or key %s", conf->web_cert, conf->web_key);
		goto out;
	}
	if (w.https && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		log_error("desk: this libmicrohttpd has no TLS: remove [web] cert and key and use a proxy");
		goto out;
	}
	if (store_open(&w.db, conf->database, err, sizeof err) != 0) {
		log_error("desk: %s", err);
		goto out;
	}
	if (store_desk_tune(w.db) != 0)
		log_warn("desk: database settings not applied: %s", store_errmsg(w.db));
	/* The server thread inherits this mask: signals reach sigwait below. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (v6)
		flags |= MHD_USE_IPv6;
	if (w.https)
		flags |= MHD_USE_TLS;
	struct MHD_OptionItem opts[] = {
		{MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)on_mhd_log, &w},   /* first, so it logs the rest */
		{MHD_OPTION_SOCK_ADDR, 0, &ss},
		{MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, &w},
		{MHD_OPTION_CONNECTION_TIMEOUT, 30, NULL},
		{MHD_OPTION_CONNECTION_LIMIT, 64, NULL},
		{MHD_OPTION_PER_IP_CONNECTION_LIMIT, 16, NULL},
		{w.https ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, cert},
		{MHD_OPTION_HTTPS_MEM_KEY, 0, key},
		{MHD_OPTION_END, 0, NULL},
	};
	d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, &w, MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (d == NULL) {
		log_error("desk: cannot listen on %s", conf->web_listen);
		goto out;
	}
	log_info("desk: listening on %s://%s (database %s)", w.https ? "https" : "http", conf->web_listen, conf->database);
	sd_notifyf(0, "READY=1\nSTATUS=listening on %s", conf->web_listen);
	do {
		if (sigwait(&set, &sig) != 0)
			break;
		if (sig == SIGHUP)
			log_info("desk: SIGHUP ignored (restart the desk to load a new configuration)");
	} while (sig != SIGTERM && sig != SIGINT);
	log_info("desk: stopping");
	sd_notify(0, "STOPPING=1");
	MHD_stop_daemon(d);
	rc = 0;
out:
	store_close(w.db);
	if (key)
		explicit_bzero(key, strlen(key));
	free(key);
	free(cert);
	return rc;
}
