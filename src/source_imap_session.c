/* source_imap_session.c — one IMAP session (source_imap_p.h): TCP, TLS
 * through tls_stream.c (implicit on imaps://, STARTTLS RFC 2595 required on
 * imap://; certificate and host name verified), LOGIN, CAPABILITY (asked
 * again after TLS and login, RFC 3501 7.2.1) and SELECT. Used by a cycle's
 * listing and by the IDLE watch. */
#include "source_imap_p.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>

#include "log.h"
#include "secret.h"
#include "tls_stream.h"

#define IMAP_TIMEOUT 30          /* seconds to connect */

static const char *imap_err(int r)
{
	switch (r) {
	case MAILIMAP_ERROR_STREAM: return "connection lost";
	case MAILIMAP_ERROR_PARSE: return "unparsable answer";
	case MAILIMAP_ERROR_LOGIN: return "login refused";
	case MAILIMAP_ERROR_SELECT: return "cannot select folder";
	case MAILIMAP_ERROR_CONNECTION_REFUSED: return "connection refused";
	case MAILIMAP_ERROR_FATAL: return "server closed the session";
	default: return "command failed";
	}
}

const char *imap_answer(const imap_priv *p)
{
	return p->imap && p->imap->imap_response ? p->imap->imap_response : "";
}

void imap_fail(source *s, const char *what, int r)
{
	imap_priv *p = s->priv;
	if (r == MAILIMAP_ERROR_STREAM || r == MAILIMAP_ERROR_PARSE || r == MAILIMAP_ERROR_FATAL)
		p->broken = 1;
	log_warn("imap %s: %s: %s %s", s->conf->name, what, imap_err(r), imap_answer(p));
}

/* imap[s]://host[:port][/FOLDER] */
int imap_parse_url(source *s, imap_priv *p)
{
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL, *path = NULL;
	int rc = -1;
	if (u == NULL || curl_url_set(u, CURLUPART_URL, s->conf->url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PATH, &path, CURLU_URLDECODE) != CURLUE_OK) {
		log_error("imap %s: cannot parse url %s", s->conf->name, s->conf->url);
		goto out;
	}
	p->implicit_tls = strncmp(s->conf->url, "imaps://", 8) == 0;
	p->host = xstrdup(host);
	if (p->host[0] == '[') {   /* [::1] → ::1 */
		memmove(p->host, p->host + 1, strlen(p->host));
		p->host[strcspn(p->host, "]")] = '\0';
	}
	p->port = atoi(port);
	while (path[0] == '/')
		memmove(path, path + 1, strlen(path));
	p->folder = xstrdup(path[0] ? path : "INBOX");
	rc = 0;
out:
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_url_cleanup(u);
	return rc;
}

static int imap_has_cap(mailimap *imap, const char *name)
{
	clistiter *it;
	if (imap->imap_connection_info == NULL || imap->imap_connection_info->imap_capability == NULL)
		return 0;
	for (it = clist_begin(imap->imap_connection_info->imap_capability->cap_list); it; it = clist_next(it)) {
		struct mailimap_capability *c = clist_content(it);
		if (c->cap_type == MAILIMAP_CAPABILITY_NAME && strcasecmp(c->cap_data.cap_name, name) == 0)
			return 1;
	}
	return 0;
}

int imap_session(source *s, imap_priv *p)
{
	char err[512] = "", *password = NULL;
	mailstream_low *low = NULL;
	mailstream *stream = NULL;
	struct mailimap_capability_data *caps = NULL;
	int fd, r, rc = -1;
	fd = tls_stream_connect(p->host, p->port, IMAP_TIMEOUT, err, sizeof err);
	if (fd < 0) {
		log_warn("imap %s: %s", s->conf->name, err);
		return -1;
	}
	low = tls_stream_low_new(fd);
	if (low == NULL) {
		close(fd);
		return -1;
	}
	if (p->implicit_tls && tls_stream_start(low, p->host, s->conf->ca_file, err, sizeof err) != 0) {
		log_error("imap %s: %s; not connecting", s->conf->name, err);
		mailstream_low_free(low);
		return -1;
	}
	stream = mailstream_new(low, 8192);
	if (stream == NULL) {
		mailstream_low_free(low);
		return -1;
	}
	p->imap = mailimap_new(0, NULL);
	mailimap_set_timeout(p->imap, 60);
	r = mailimap_connect(p->imap, stream);   /* the session owns the stream now */
	if (r != MAILIMAP_NO_ERROR && r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED) {
		imap_fail(s, "greeting", r);
		goto out;
	}
	if (!p->implicit_tls) {
		r = mailimap_starttls(p->imap);
		if (r != MAILIMAP_NO_ERROR) {
			imap_fail(s, "STARTTLS (required)", r);
			goto out;
		}
		/* Bytes already buffered after the STARTTLS answer would be read as
		 * if they came over TLS: a response injection. Refuse. */
		if (p->imap->imap_stream->read_buffer_len != 0) {
			log_error("imap %s: data after STARTTLS answer; not connecting", s->conf->name);
			goto out;
		}
		if (tls_stream_start(mailstream_get_low(p->imap->imap_stream), p->host, s->conf->ca_file, err,
				     sizeof err) != 0) {
			log_error("imap %s: %s; not connecting", s->conf->name, err);
			goto out;
		}
	}
	password = secret_read(s->conf->name, s->conf->password_file, s->conf->password_env);
	if (password == NULL)
		goto out;
	r = mailimap_login(p->imap, s->conf->user, password);
	if (r != MAILIMAP_NO_ERROR) {
		if (r == MAILIMAP_ERROR_LOGIN)
			log_error("imap %s: login of %s refused: %s", s->conf->name, s->conf->user, imap_answer(p));
		else
			imap_fail(s, "LOGIN", r);
		goto out;
	}
	/* Capabilities change after TLS and login (RFC 3501 7.2.1). */
	if (mailimap_capability(p->imap, &caps) == MAILIMAP_NO_ERROR) {
		p->has_move = imap_has_cap(p->imap, "MOVE");
		p->has_uidplus = imap_has_cap(p->imap, "UIDPLUS");
		p->has_idle = imap_has_cap(p->imap, "IDLE");
		mailimap_capability_data_free(caps);
	}
	r = mailimap_select(p->imap, p->folder);
	if (r != MAILIMAP_NO_ERROR) {
		imap_fail(s, p->folder, r);
		goto out;
	}
	p->uidvalidity = p->imap->imap_selection_info ? p->imap->imap_selection_info->sel_uidvalidity : 0;
	rc = 0;
out:
	secret_free(password);
	return rc;
}
