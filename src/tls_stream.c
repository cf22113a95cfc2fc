/* tls_stream.c — see tls_stream.h. A libetpan low-level driver whose read
 * and write go to the socket in clear or through a GnuTLS session. */
#include "tls_stream.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define TLS_IO_TIMEOUT 60   /* seconds one read or write may wait */
/* Bytes taken off the socket at once under TLS. GnuTLS asks its transport
 * for a record's 5-byte header, then for its body: two calls a record, and
 * servers send records of 4 KiB (Dovecot) as well as 16 KiB. Read ahead,
 * those calls are served from memory: one recv for many records. */
#define TLS_READ_AHEAD (64 * 1024)

typedef struct tls_conn {
	int fd;
	gnutls_session_t session;            /* NULL while in clear */
	gnutls_certificate_credentials_t cred;
	unsigned char *in;                   /* owned, TLS_READ_AHEAD: received, not yet taken by GnuTLS */
	size_t in_off, in_len;
} tls_conn;

static int connect_one(const struct addrinfo *ai, int timeout)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
	int flags, soerr = 0;
	socklen_t sl = sizeof soerr;
	struct pollfd pfd;
	struct timeval tv = {.tv_sec = TLS_IO_TIMEOUT, .tv_usec = 0};
	if (fd < 0)
		return -1;
	flags = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		if (errno != EINPROGRESS)
			goto fail;
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, timeout * 1000) != 1) {
			errno = ETIMEDOUT;
			goto fail;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr != 0) {
			errno = soerr ? soerr : errno;
			goto fail;
		}
	}
	fcntl(fd, F_SETFL, flags);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	return fd;
fail:
	{
		int e = errno;
		close(fd);
		errno = e;
	}
	return -1;
}

int tls_stream_connect(const char *host, int port, int timeout, char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL;
	char serv[16];
	int fd = -1, grc;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(serv, sizeof serv, "%d", port);
	grc = getaddrinfo(host, serv, &hints, &res);
	if (grc != 0) {
		snprintf(err, errlen, "%s: %s", host, gai_strerror(grc));
		return -1;
	}
	for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next)
		fd = connect_one(ai, timeout);
	if (fd < 0)
		snprintf(err, errlen, "cannot connect to %s:%d: %s", host, port, strerror(errno));
	freeaddrinfo(res);
	return fd;
}

/* GnuTLS's transport under TLS: reads from the read-ahead buffer, filled
 * by one recv when empty; errors go to GnuTLS by errno. */
static ssize_t conn_pull(gnutls_transport_ptr_t ptr, void *b, size_t n)
{
	tls_conn *c = ptr;
	if (c->in_len == 0) {
		ssize_t r;
		do
			r = recv(c->fd, c->in, TLS_READ_AHEAD, 0);
		while (r < 0 && errno == EINTR);
		if (r <= 0) {
			if (r < 0)
				gnutls_transport_set_errno(c->session, errno);
			return r;
		}
		c->in_off = 0;
		c->in_len = (size_t)r;
	}
	if (n > c->in_len)
		n = c->in_len;
	memcpy(b, c->in + c->in_off, n);
	c->in_off += n;
	c->in_len -= n;
	return (ssize_t)n;
}

static int conn_pull_timeout(gnutls_transport_ptr_t ptr, unsigned int ms)
{
	tls_conn *c = ptr;
	struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
	int r;
	if (c->in_len > 0)
		return 1;
	do
		r = poll(&pfd, 1, ms == GNUTLS_INDEFINITE_TIMEOUT ? -1 : (int)ms);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		gnutls_transport_set_errno(c->session, errno);
	return r;
}

/* MSG_NOSIGNAL: a write to a connection the server reset fails with EPIPE
 * instead of killing the daemon with SIGPIPE. */
static ssize_t conn_push(gnutls_transport_ptr_t ptr, const void *b, size_t n)
{
	tls_conn *c = ptr;
	ssize_t r;
	do
		r = send(c->fd, b, n, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		gnutls_transport_set_errno(c->session, errno);
	return r;
}

static ssize_t conn_read(mailstream_low *s, void *b, size_t n)
{
	tls_conn *c = s->data;
	ssize_t r;
	if (c->session == NULL) {
		do
			r = recv(c->fd, b, n, 0);
		while (r < 0 && errno == EINTR);
		return r;
	}
	/* A TLS 1.3 post-handshake message (a session ticket) makes the call
	 * return E_AGAIN without data; a real timeout does too, hence the
	 * deadline. */
	time_t deadline = time(NULL) + TLS_IO_TIMEOUT;
	do
		r = gnutls_record_recv(c->session, b, n);
	while ((r == GNUTLS_E_INTERRUPTED || r == GNUTLS_E_AGAIN) && time(NULL) < deadline);
	if (r == GNUTLS_E_PREMATURE_TERMINATION)
		return 0;
	return r < 0 ? -1 : r;
}

static ssize_t conn_write(mailstream_low *s, const void *b, size_t n)
{
	tls_conn *c = s->data;
	ssize_t r;
	if (c->session == NULL) {
		do
			r = send(c->fd, b, n, MSG_NOSIGNAL);
		while (r < 0 && errno == EINTR);
		return r;
	}
	do
		r = gnutls_record_send(c->session, b, n);
	while (r == GNUTLS_E_INTERRUPTED);
	return r < 0 ? -1 : r;
}

static int conn_close(mailstream_low *s)
{
	tls_conn *c = s->data;
	if (c->session)
		gnutls_bye(c->session, GNUTLS_SHUT_WR);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	return 0;
}

static int conn_get_fd(mailstream_low *s)
{
	return ((tls_conn *)s->data)->fd;
}

static void conn_free(mailstream_low *s)
{
	tls_conn *c = s->data;
	if (c == NULL)
		return;
	if (c->session)
		gnutls_deinit(c->session);
	if (c->cred)
		gnutls_certificate_free_credentials(c->cred);
	if (c->fd >= 0)
		close(c->fd);
	free(c->in);
	free(c);
	s->data = NULL;
	free(s);
}

static void conn_cancel(mailstream_low *s)
{
	(void)s;
}

static struct mailstream_cancel *conn_get_cancel(mailstream_low *s)
{
	(void)s;
	return NULL;
}

static carray *conn_chain(mailstream_low *s)
{
	(void)s;
	return NULL;
}

static int conn_idle(mailstream_low *s)
{
	(void)s;
	return -1;
}

static mailstream_low_driver tls_driver = {
	.mailstream_read = conn_read,
	.mailstream_write = conn_write,
	.mailstream_close = conn_close,
	.mailstream_get_fd = conn_get_fd,
	.mailstream_free = conn_free,
	.mailstream_cancel = conn_cancel,
	.mailstream_get_cancel = conn_get_cancel,
	.mailstream_get_certificate_chain = conn_chain,
	.mailstream_setup_idle = conn_idle,
	.mailstream_unsetup_idle = conn_idle,
	.mailstream_interrupt_idle = conn_idle,
};

mailstream_low *tls_stream_low_new(int fd)
{
	tls_conn *c = xcalloc(1, sizeof *c);
	mailstream_low *low;
	c->fd = fd;
	low = mailstream_low_new(c, &tls_driver);
	if (low == NULL)
		free(c);
	return low;
}

static int is_ip_literal(const char *host)
{
	unsigned char a[16];
	return inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1;
}

int tls_stream_start(mailstream_low *low, const char *host, const char *ca_file, char *err, size_t errlen)
{
	tls_conn *c = low->data;
	int r;
	if (c->session) {
		snprintf(err, errlen, "TLS already started");
		return -1;
	}
	r = gnutls_certificate_allocate_credentials(&c->cred);
	if (r < 0)
		goto gnutls_fail;
	r = ca_file ? gnutls_certificate_set_x509_trust_file(c->cred, ca_file, GNUTLS_X509_FMT_PEM)
		    : gnutls_certificate_set_x509_system_trust(c->cred);
	if (r <= 0) {
		snprintf(err, errlen, "no trusted CA loaded from %s", ca_file ? ca_file : "the system store");
		return -1;
	}
	/* NO_SIGNAL: a write to a connection the server reset fails with
	 * EPIPE instead of killing the daemon with SIGPIPE. */
	r = gnutls_init(&c->session, GNUTLS_CLIENT | GNUTLS_NO_SIGNAL);
	if (r >= 0)
		r = gnutls_set_default_priority(c->session);
	if (r >= 0)
		r = gnutls_credentials_set(c->session, GNUTLS_CRD_CERTIFICATE, c->cred);
	/* SNI only for names: RFC 6066 forbids it for address literals. */
	if (r >= 0 && !is_ip_literal(host))
		r = gnutls_server_name_set(c->session, GNUTLS_NAME_DNS, host, strlen(host));
	if (r < 0)
		goto gnutls_fail;
	/* The handshake fails unless the chain verifies and names host. */
	gnutls_session_set_verify_cert(c->session, host, 0);
	c->in = xrealloc(c->in, TLS_READ_AHEAD);
	c->in_len = 0;
	gnutls_transport_set_ptr(c->session, c);
	gnutls_transport_set_pull_function(c->session, conn_pull);
	gnutls_transport_set_pull_timeout_function(c->session, conn_pull_timeout);
	gnutls_transport_set_push_function(c->session, conn_push);
	gnutls_handshake_set_timeout(c->session, TLS_IO_TIMEOUT * 1000);
	do
		r = gnutls_handshake(c->session);
	while (r < 0 && gnutls_error_is_fatal(r) == 0);
	if (r == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
		gnutls_datum_t why = {NULL, 0};
		unsigned status = gnutls_session_get_verify_cert_status(c->session);
		gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &why, 0);
		snprintf(err, errlen, "certificate of %s refused: %s", host, why.data ? (char *)why.data : "?");
		gnutls_free(why.data);
		return -1;
	}
	if (r < 0)
		goto gnutls_fail;
	return 0;
gnutls_fail:
	snprintf(err, errlen, "TLS with %s: %s", host, gnutls_strerror(r));
	return -1;
}

size_t tls_stream_pending(mailstream_low *low)
{
	tls_conn *c;
	if (low == NULL || low->driver != &tls_driver)
		return 0;
	c = low->data;
	return c->session ? gnutls_record_check_pending(c->session) + c->in_len : 0;
}
