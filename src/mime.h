/* mime.h — one received message (RFC 5322 + MIME, RFC 2045–2047, 2183,
 * 2231) read from a file: the headers packetd decides on (threading,
 * auto-reply / bounce / list detection per RFC 3834) and every attachment
 * that may hold a packet, decoded into files of a work folder.
 */
#ifndef PACKETD_MIME_H
#define PACKETD_MIME_H

#include <stddef.h>
#include <stdint.h>

/* Caps on what a message may make the parser do; beyond them parts are
 * ignored and mime_message.truncated is set. */
#define MIME_MAX_PARTS 5000
#define MIME_MAX_DEPTH 64
/* Recipient addresses kept from To, Cc, Bcc and Resent-*; beyond it the
 * rest are ignored. */
#define MIME_MAX_RCPTS 1000
/* Bytes of a text part's first line kept (STATUS requests are short). */
#define MIME_FIRST_LINE_MAX 256

typedef struct mime_attachment {
	char *filename;      /* owned: decoded UTF-8 file name, or NULL when the part has none */
	char *content_type;  /* owned: lower-case "type/subtype" */
	char *path;          /* owned: the decoded body, written to workdir as att-N (never by the attachment's name) */
	uint64_t size;       /* bytes in path */
	char sha256[65];     /* their SHA-256, hashed as they were decoded */
	int depth;           /* 0 top-level, 1 inside a forwarded message/rfc822, ... */
} mime_attachment;

typedef struct mime_message {
	char *message_id;    /* owned, without <>; NULL when absent */
	char *from_addr;     /* owned, lower-case addr-spec, NULL when absent */
	char *from_name;     /* owned, decoded display name, NULL when absent */
	char *reply_to;      /* owned lower-case addr-spec or NULL */
	char *return_path;   /* owned: "" for the null return path <>, NULL when absent; the first
	                        (topmost) field, which the delivering server adds */
	char *subject;       /* owned, decoded UTF-8, NULL when absent */
	char **rcpts;        /* owned, nrcpts lower-case addr-specs of To, Cc, Bcc, Resent-To/-Cc/-Bcc */
	size_t nrcpts;
	char *first_line;    /* owned: the first non-blank line of the first text/plain part that is
	                        not an attachment, decoded to UTF-8, trimmed, at most
	                        MIME_FIRST_LINE_MAX bytes; NULL when none */
	char *in_reply_to;   /* owned raw (unfolded), NULL when absent */
	char *references;    /* owned raw (unfolded), NULL when absent */
	char *date;          /* owned raw Date header (unfolded), NULL when absent */
	int auto_submitted;  /* Auto-Submitted present and not "no" (RFC 3834) */
	int is_bounce;       /* null return path, multipart/report, MAILER-DAEMON/postmaster senders, X-Failed-Recipients */
	int is_list;         /* List-Id, List-Unsubscribe, Precedence: bulk|list|junk, X-Auto-Response-Suppress: All/OOF */
	mime_attachment *atts; /* owned, natts entries in the order of the message */
	size_t natts;        /* every leaf part that has a file name, or whose type is an archive type */
	int truncated;       /* the MIME structure was damaged (missing final boundary, bad base64) or
	                        exceeded a cap: parts were recovered where possible */
} mime_message;

enum { MIME_OK = 0, MIME_ERROR = -1, MIME_TOO_LARGE = 1 };

/* Parses the message in the file at path, writing attachments into the
 * existing folder workdir as att-1, att-2, ... (replacing files of those
 * names). A file larger than max_message bytes is refused unread with
 * MIME_TOO_LARGE. On MIME_OK *out is filled (free it with
 * mime_message_free); on MIME_ERROR err holds the reason and *out is
 * empty. A damaged message is not an error: see truncated. */
int mime_parse_file(const char *path, const char *workdir, uint64_t max_message,
		    mime_message *out, char *err, size_t errlen);

/* mime_parse_file for a message held in memory (len bytes at data, the
 * caller's, read in place). */
int mime_parse_mem(const char *data, size_t len, const char *workdir, uint64_t max_message, mime_message *out,
		   char *err, size_t errlen);

/* Reads only the header of the message in the file at path (at most
 * max_head bytes from its start: the head of a message too large to take
 * whole), filling the header members of *out; atts stays empty. MIME_OK,
 * or MIME_ERROR with err set when the file cannot be read. */
int mime_parse_header(const char *path, size_t max_head, mime_message *out, char *err, size_t errlen);
/* mime_parse_header for a message held in memory: its first max_head bytes
 * at most. MIME_OK, or MIME_ERROR (out of memory). */
int mime_parse_header_mem(const char *data, size_t len, size_t max_head, mime_message *out);

/* Frees what m owns and zeroes it; m itself is the caller's. */
void mime_message_free(mime_message *m);

/* True when the attachment looks like an archive: by name (.zip .7z .rar
 * .tar.gz .tgz .tar) or by type (application/zip,
 * application/x-zip-compressed, application/x-7z-compressed,
 * application/x-rar-compressed, application/vnd.rar, application/gzip,
 * application/x-tar), or application/octet-stream with such a name. */
int mime_is_archive(const mime_attachment *a);

#endif
