/* mime_p.h — shared between mime.c (the MIME tree) and mime_header.c (the
 * header fields packetd decides on). Not for other modules. */
#ifndef PACKETD_MIME_P_H
#define PACKETD_MIME_P_H

#include <stddef.h>
#include <stdint.h>

#include <libetpan/libetpan.h>

#include "fmap.h"
#include "mime.h"

int mime_is_ws(char c);
/* Trimmed copy of s[0..len); caller frees. */
char *mime_trimmed(const char *s, size_t len);
/* The raw value of the first field called name (case-insensitive), or NULL;
 * owned by f. */
const char *mime_field(struct mailimf_fields *f, const char *name);
/* The first word of a header value, lower-cased ("auto-replied; x=y");
 * caller frees. */
char *mime_first_word(const char *v);
/* Decodes body (enc a MAILMIME_MECHANISM_*: base64, quoted-printable,
 * anything else copied) into a new file at path, in bounded blocks. *size
 * receives the bytes written; *damaged is set when base64 damage was
 * skipped; sha256, unless NULL, their hash (one pass: the file is not read
 * again for it). 0, or -1 with errno set. */
int mime_decode_file(const fmap *m, const char *body, size_t len, int enc, const char *path, uint64_t *size,
		     int *damaged, char sha256[65]);
/* The header fields at the start of data into *f (NULL when there is no
 * parsable field), *idx past them; a message's (whole 1) first line when
 * it is an mbox "From " line is not a header field. 0, or -1 with errno
 * ENOMEM. */
int mime_fields_parse(const char *data, size_t len, int whole, size_t *idx, struct mailimf_fields **f);
/* Fills m's header members from the top-level fields f (may be NULL). */
void mime_read_headers(mime_message *m, struct mailimf_fields *f);

#endif
