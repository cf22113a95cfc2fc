/* mailmsg.h — outgoing messages (notices, receipts, reports) built as
 * RFC 5322 bytes: MIME (RFC 2045/2046) with UTF-8 text, an optional HTML
 * alternative and attachments; non-ASCII header text as RFC 2047 encoded
 * words, attachment names as RFC 2231 plus an RFC 2047 name= fallback;
 * Auto-Submitted (RFC 3834) for automatic mail. The output is 7-bit with
 * CRLF line ends and no line over 78 characters, except header values the
 * caller passes that have no room to fold (capped below 998).
 */
#ifndef PACKETD_MAILMSG_H
#define PACKETD_MAILMSG_H

#include <stddef.h>
#include <time.h>

typedef struct mailmsg_attachment {
	const char *filename;      /* UTF-8 */
	const char *content_type;  /* "type/subtype"; NULL: application/octet-stream */
	const void *data;
	size_t len;
} mailmsg_attachment;

/* Every field is foreign (the caller's). */
typedef struct mailmsg {
	const char *from;          /* "显示名 <addr>" or addr, UTF-8 */
	const char *to;            /* comma-separated addresses, may have UTF-8 display names */
	const char *subject;       /* UTF-8 */
	const char *message_id;    /* without <>, caller-chosen (stable across retries); NULL: a fresh one */
	const char *in_reply_to;   /* without <>, or NULL */
	const char *references;    /* raw list "<a> <b>", or NULL */
	const char *auto_submitted;/* "auto-replied" / "auto-generated", or NULL */
	time_t date;               /* 0: clock_now() */
	const char *text;          /* UTF-8 plain text body */
	const char *html;          /* UTF-8 HTML alternative, or NULL */
	const mailmsg_attachment *atts;
	size_t natts;
} mailmsg;

/* Returns malloc'ed message bytes (CRLF line ends, NUL-terminated) and
 * their length in *len; NULL when from, to or text is missing. */
char *mailmsg_build(const mailmsg *m, size_t *len);

/* A fresh unique Message-ID "<random>.<time>@domain" without <>
 * (domain NULL: "localhost"); malloc'ed. */
char *mailmsg_new_id(const char *domain);

#endif
