/* tls_stream.h — a libetpan mailstream_low over a TCP socket whose TLS
 * packetd does itself with GnuTLS, because libetpan 1.9.4 neither verifies
 * certificates nor host names. The stream starts in clear (for STARTTLS)
 * or is switched to TLS at once (imaps); tls_stream_start verifies the
 * server's chain against the system trust store or a given CA file and the
 * host name (RFC 6125), and sends SNI for names (not for IP literals).
 * Reads and writes time out (SO_RCVTIMEO/SO_SNDTIMEO): a dead server makes
 * the call fail, never hang the daemon. */
#ifndef PACKETD_TLS_STREAM_H
#define PACKETD_TLS_STREAM_H

#include <stddef.h>
#include <libetpan/libetpan.h>

/* TCP connection to host:port within timeout seconds. Returns the socket
 * (blocking, with read/write timeouts set) or -1 with err filled. */
int tls_stream_connect(const char *host, int port, int timeout, char *err, size_t errlen);
/* A mailstream_low owning fd, in clear until tls_stream_start. NULL on ENOMEM. */
mailstream_low *tls_stream_low_new(int fd);
/* Performs the TLS handshake on low and verifies the peer for host. ca_file
 * NULL means the system trust store. 0, or -1 with err filled (the
 * verification failure spelled out); after -1 the stream is unusable. */
int tls_stream_start(mailstream_low *low, const char *host, const char *ca_file, char *err, size_t errlen);
/* Bytes already taken off the socket by TLS and not yet read through low
 * (the rest of a record, records read ahead): poll(2) on the socket cannot
 * see them. */
size_t tls_stream_pending(mailstream_low *low);

#endif
