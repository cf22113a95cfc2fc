/* transport_smtp.c — delivery by SMTP through libcurl (RFC 5321; STARTTLS
 * RFC 3207, implicit TLS RFC 8314, AUTH RFC 4954).
 *
 * One curl handle per outbox flush, so the connection is reused for every
 * due row. The message bytes are the outbox row's, streamed with a read
 * callback; the envelope sender is the address of [smtp] from (else the
 * intake address); every recipient of the row is given, and a recipient the
 * server refuses does not abort the others (CURLOPT_MAIL_RCPT_ALLLOWFAILS).
 *
 * Classification for outbox.c: connection, TLS and timeout errors and 4xx
 * answers are temporary (retried with backoff); a 5xx answer is permanent
 * and its text becomes the row's last_error. The server's last answer line
 * is caught from curl's protocol trace (CURLINFO_HEADER_IN; the last 4xx/5xx
 * line when there is one), never the AUTH exchange we send. The password is read at open time and wiped at close.
 */
#include "transport.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "secret.h"
#include "util.h"

#define SMTP_CONNECT_TIMEOUT 30L
#define SMTP_LOW_SPEED_TIME 60L   /* seconds below 1 byte/s before giving up */
#define SMTP_RCPT_MAX 100         /* recipients of one row: a cap on input */

typedef struct smtp_priv {
	CURL *curl;
	char *password;     /* owned, wiped on close */
	char *envelope;     /* owned: "<addr>" of MAIL FROM */
	char answer[512];   /* last server line seen */
	char curlerr[CURL_ERROR_SIZE];
} smtp_priv;

typedef struct smtp_reader {
	const char *data;
	size_t len, off;
} smtp_reader;

static size_t smtp_read(char *out, size_t size, size_t nitems, void *arg)
{
	smtp_reader *r = arg;
	size_t room = size * nitems, left = r->len - r->off;
	size_t n = left < room ? left : room;
	memcpy(out, r->data + r->off, n);
	r->off += n;
	return n;
}

/* Keeps the last line the server sent, for the outbox's last_error. */
static int smtp_trace(CURL *c, curl_infotype type, char *data, size_t size, void *arg)
{
	smtp_priv *p = arg;
	(void)c;
	if (type != CURLINFO_HEADER_IN || size == 0)
		return 0;
	/* The refusal is what matters, not the "221 Bye" that follows it. */
	if (p->answer[0] == '4' || p->answer[0] == '5')
		if (data[0] != '4' && data[0] != '5')
			return 0;
	while (size > 0 && (data[size - 1] == '\n' || data[size - 1] == '\r'))
		size--;
	if (size >= sizeof p->answer)
		size = sizeof p->answer - 1;
	for (size_t i = 0; i < size; i++)   /* no control bytes into logs and the database */
		p->answer[i] = (unsigned char)data[i] < 0x20 ? ' ' : data[i];
	p->answer[size] = '\0';
	return 0;
}

/* "Name <addr>" or "addr" → "<addr>"; caller frees. */
static char *smtp_angle(const char *from)
{
	const char *lt = strrchr(from, '<'), *gt;
	buf b;
	buf_init(&b, 1024);
	if (lt && (gt = strchr(lt, '>')) != NULL)
		buf_add(&b, lt, (size_t)(gt - lt + 1));
	else
		buf_printf(&b, "<%s>", from);
	return buf_steal(&b);
}

/* A 5xx answer is final, except where it says our own setup is wrong (a
 * refused login, no STARTTLS): the rows wait for the fix instead of all
 * being failed. */
static int smtp_permanent(CURLcode rc, long code)
{
	return code >= 500 && code < 600 && rc != CURLE_LOGIN_DENIED && rc != CURLE_USE_SSL_FAILED;
}

static enum transport_result smtp_send(transport *t, const char *message_id, const char *recipients,
				       const char *data, size_t len, char *err, size_t errlen)
{
	smtp_priv *p = t->priv;
	struct curl_slist *rcpt = NULL;
	strlist to = {0};
	smtp_reader r = {.data = data, .len = len, .off = 0};
	enum transport_result res = TRANSPORT_TEMPORARY;
	CURLcode rc;
	long code = 0;
	if (strlist_split(&to, recipients, ',') != 0 || to.n == 0 || to.n > SMTP_RCPT_MAX) {
		snprintf(err, errlen, "smtp: %zu recipients (1..%d allowed)", to.n, SMTP_RCPT_MAX);
		res = TRANSPORT_PERMANENT;
		goto out;
	}
	for (size_t i = 0; i < to.n; i++) {
		char *a = smtp_angle(to.items[i]);
		struct curl_slist *n = curl_slist_append(rcpt, a);
		free(a);
		if (n == NULL)
			goto out;
		rcpt = n;
	}
	p->answer[0] = '\0';
	p->curlerr[0] = '\0';
	curl_easy_setopt(p->curl, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(p->curl, CURLOPT_READFUNCTION, smtp_read);
	curl_easy_setopt(p->curl, CURLOPT_READDATA, &r);
	curl_easy_setopt(p->curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	rc = curl_easy_perform(p->curl);
	curl_easy_getinfo(p->curl, CURLINFO_RESPONSE_CODE, &code);
	if (rc == CURLE_OK) {
		res = TRANSPORT_SENT;
		log_debug("smtp: %s accepted: %s", message_id, p->answer);
		goto out;
	}
	if (smtp_permanent(rc, code))
		res = TRANSPORT_PERMANENT;
	snprintf(err, errlen, "smtp: %s%s%s", p->answer[0] ? p->answer : curl_easy_strerror(rc),
		 p->curlerr[0] ? " — " : "", p->curlerr);
out:
	curl_easy_setopt(p->curl, CURLOPT_MAIL_RCPT, NULL);
	curl_slist_free_all(rcpt);
	strlist_free(&to);
	return res;
}

static void smtp_close(transport *t)
{
	smtp_priv *p = t->priv;
	if (p == NULL)
		return;
	if (p->curl)
		curl_easy_cleanup(p->curl);
	secret_free(p->password);
	free(p->envelope);
	free(p);
	t->priv = NULL;
	curl_global_cleanup();
}

/* Without recipients and with a custom request, libcurl connects, says
 * EHLO, upgrades with STARTTLS, authenticates, sends the command and QUIT:
 * a login that delivers nothing. */
static int smtp_probe(transport *t, char *err, size_t errlen)
{
	smtp_priv *p = t->priv;
	CURLcode rc;
	long code = 0;
	curl_easy_setopt(p->curl, CURLOPT_UPLOAD, 0L);
	curl_easy_setopt(p->curl, CURLOPT_MAIL_FROM, NULL);
	curl_easy_setopt(p->curl, CURLOPT_CUSTOMREQUEST, "NOOP");
	curl_easy_setopt(p->curl, CURLOPT_NOBODY, 1L);
	p->answer[0] = '\0';
	rc = curl_easy_perform(p->curl);
	curl_easy_getinfo(p->curl, CURLINFO_RESPONSE_CODE, &code);
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "%s%s%s", p->curlerr[0] ? p->curlerr : curl_easy_strerror(rc),
			 p->answer[0] ? ": " : "", p->answer);
		return -1;
	}
	snprintf(err, errlen, "logged in%s, NOOP answered %ld", t->conf->smtp_user ? " with AUTH" : "", code);
	return 0;
}

static const transport_ops transport_smtp_ops = {
	.kind = "smtp",
	.send = smtp_send,
	.probe = smtp_probe,
	.close = smtp_close,
};

int transport_smtp_open(transport *t)
{
	const config *c = t->conf;
	smtp_priv *p;
	const char *from = config_sender(c);
	int smtps = strncmp(c->smtp_url, "smtps://", 8) == 0;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		log_error("smtp: libcurl cannot start");
		return -1;
	}
	p = xcalloc(1, sizeof *p);
	t->priv = p;
	t->ops = &transport_smtp_ops;
	if (c->smtp_user && (p->password = secret_read("smtp", c->smtp_password_file, c->smtp_password_env)) == NULL)
		goto fail;
	p->curl = curl_easy_init();
	if (p->curl == NULL)
		goto fail;
	p->envelope = smtp_angle(from ? from : "");
	curl_easy_setopt(p->curl, CURLOPT_URL, c->smtp_url);
	curl_easy_setopt(p->curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(p->curl, CURLOPT_MAIL_FROM, p->envelope);
	curl_easy_setopt(p->curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(p->curl, CURLOPT_MAIL_RCPT_ALLLOWFAILS, 1L);
	curl_easy_setopt(p->curl, CURLOPT_CONNECTTIMEOUT, SMTP_CONNECT_TIMEOUT);
	curl_easy_setopt(p->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(p->curl, CURLOPT_LOW_SPEED_TIME, SMTP_LOW_SPEED_TIME);
	curl_easy_setopt(p->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(p->curl, CURLOPT_ERRORBUFFER, p->curlerr);
	curl_easy_setopt(p->curl, CURLOPT_DEBUGFUNCTION, smtp_trace);
	curl_easy_setopt(p->curl, CURLOPT_DEBUGDATA, p);
	curl_easy_setopt(p->curl, CURLOPT_VERBOSE, 1L);   /* feeds smtp_trace only; nothing is printed */
	/* STARTTLS is required, never optional: a server that does not offer
	 * it is refused rather than sent the password in clear. */
	if (smtps || c->smtp_starttls)
		curl_easy_setopt(p->curl, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	curl_easy_setopt(p->curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(p->curl, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->smtp_ca_file)
		curl_easy_setopt(p->curl, CURLOPT_CAINFO, c->smtp_ca_file);
	if (c->smtp_user) {
		curl_easy_setopt(p->curl, CURLOPT_USERNAME, c->smtp_user);
		curl_easy_setopt(p->curl, CURLOPT_PASSWORD, p->password);
	}
	return 0;
fail:
	smtp_close(t);
	t->ops = NULL;
	return -1;
}
