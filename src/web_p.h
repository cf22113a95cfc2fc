/* web_p.h — private to the desk's files (web.c, web_auth.c, web_pages.c,
 * web_app.c): the server's context, one request, one response, and the
 * helpers they share. Not for other modules.
 *
 * Everything runs on libmicrohttpd's one internal polling thread, so the
 * store handle and clock_format's TZ switching are never used from two
 * threads at once.
 */
#ifndef PACKETD_WEB_P_H
#define PACKETD_WEB_P_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "rules.h"
#include "store.h"
#include "store_user.h"
#include "util.h"

#define WEB_MAX_BODY (64 * 1024)   /* a form bigger than this is refused (413) */
#define WEB_MAX_FIELDS 32
#define WEB_PAGE_MAX (32u << 20)   /* a page or export bigger than this fails */
#define WEB_COOKIE "packetd_session"
#define WEB_COOKIE_TLS "__Host-packetd_session"   /* __Host-: Secure, Path=/, no Domain */
/* Login limits: failures counted over WEB_LOGIN_WINDOW seconds. */
#define WEB_LOGIN_WINDOW (15 * 60)
#define WEB_LOGIN_PER_USER 5
#define WEB_LOGIN_PER_ADDRESS 20

typedef struct web {
	const config *conf;   /* foreign */
	const rules *r;       /* foreign */
	store *db;            /* foreign */
	int https;
} web;

typedef struct web_field {
	char *name, *value;   /* owned */
} web_field;

typedef struct web_req {
	struct MHD_Connection *conn;   /* foreign */
	const char *method, *url;      /* foreign (libmicrohttpd's) */
	char address[64];              /* the client, for the login limits */
	buf body;                      /* the raw form, capped at WEB_MAX_BODY */
	int too_big;
	web_field fields[WEB_MAX_FIELDS];
	size_t nfields;
	/* set by web_auth_check */
	int authed;
	store_session sess;
	char sid_hash[65];
	time_t now;
} web_req;

typedef struct web_resp {
	int status;
	const char *type;          /* Content-Type; static */
	buf body;
	char location[512];        /* a redirect, or "" */
	char cookie[512];          /* Set-Cookie, or "" */
	char disposition[1024];    /* Content-Disposition, or "" */
	int fd;                    /* a file to send instead of body (owned, closed by the server), or -1 */
	uint64_t fd_off;           /* where in fd the bytes begin */
	uint64_t fd_size;
} web_resp;

/* ---- web.c: request and response helpers ---- */
/* A query argument (NULL when absent or empty). Foreign. */
const char *web_arg(const web_req *q, const char *name);
/* A form field of a POST (NULL when absent). Foreign. */
const char *web_field_get(const web_req *q, const char *name);
void web_resp_html(web_resp *p, int status);
void web_redirect(web_resp *p, const char *location);

/* ---- escaping ---- */
/* HTML text and attribute values: & < > " ' escaped; invalid UTF-8 shown as U+FFFD. */
void web_esc(buf *b, const char *s);
/* A query-string value (RFC 3986 unreserved kept). */
void web_urlenc(buf *b, const char *s);

/* ---- web_auth.c ---- */
/* crypt(3) yescrypt hash of password into out (CRYPT_OUTPUT_SIZE bytes). */
int web_auth_hash(const char *password, char *out, size_t outlen);
/* 1 when password matches hash, 0 when not (a dummy hash costs the same). */
int web_auth_verify(const char *password, const char *hash);
/* nbytes from getrandom(2) as lower-case hex into out (2 * nbytes + 1). */
int web_auth_random_hex(char *out, size_t nbytes);
/* Reads the session cookie; fills q->authed, q->sess, q->sid_hash. */
int web_auth_check(web *w, web_req *q);
/* POST /login and POST /logout. */
void web_auth_login(web *w, web_req *q, web_resp *p);
void web_auth_logout(web *w, web_req *q, web_resp *p);
/* 1 when the form's csrf field is the session's token (constant time). */
int web_auth_csrf_ok(const web_req *q);

/* ---- web_pages.c ---- */
/* Opens a page: doctype, head, the top bar for the logged-in user. */
void web_page_open(const web *w, const web_req *q, buf *b, const char *title);
void web_page_close(buf *b);
/* The login page, with an optional message (escaped). */
void web_page_login(const web *w, const web_req *q, web_resp *p, int status, const char *message);
void web_page_message(const web *w, const web_req *q, web_resp *p, int status, const char *title_zh,
		      const char *title_en, const char *message, const char *back);
void web_page_home(web *w, web_req *q, web_resp *p);
void web_page_list(web *w, web_req *q, web_resp *p, int csv);
void web_page_outbox(web *w, web_req *q, web_resp *p);
void web_page_batches(web *w, web_req *q, web_resp *p);
/* A time from the store (ISO UTC) in the configured zone. */
void web_local_time(const web *w, const char *iso, char *out, size_t len);
/* The hidden csrf input of a form. */
void web_csrf_input(const web_req *q, buf *b);
extern const char web_css[];

/* ---- web_app.c ---- */
void web_app_show(web *w, web_req *q, web_resp *p, const char *number);
/* ---- web_act.c ---- */
void web_app_action(web *w, web_req *q, web_resp *p, const char *number, const char *action);
void web_app_file(web *w, web_req *q, web_resp *p, const char *id);
/* GET /batches/N/receipt: a drop folder's receipt, as written. */
void web_batch_receipt(web *w, web_req *q, web_resp *p, const char *id);
/* The drop-folder source of that name, or NULL (foreign). */
const config_source *web_dir_source(const web *w, const char *name);
void web_api_list(web *w, web_req *q, web_resp *p);
void web_api_show(web *w, web_req *q, web_resp *p, const char *number);

#endif
