/* charset.h — text in the charsets applicants' tools produce, to UTF-8
 * (iconv). GB2312 and GBK are decoded as GB18030, their superset, so that a
 * name typed on Chinese Windows never loses a character. Every function
 * returns malloc'ed UTF-8 the caller frees, or NULL on failure.
 */
#ifndef PACKETD_CHARSET_H
#define PACKETD_CHARSET_H

#include <stddef.h>

/* Converts len bytes in charset (any iconv name; gb2312/gbk/cp936 → GB18030)
 * to UTF-8. NULL when the charset is unknown or the bytes are invalid. */
char *charset_to_utf8(const char *charset, const char *bytes, size_t len);

/* A file name from an archive or a header whose charset is not declared:
 * valid UTF-8 stays; otherwise GB18030 when it decodes; otherwise the bytes
 * are kept visible as \xNN escapes — never dropped. Control characters
 * (including NUL, which cannot occur here) are escaped too. */
char *charset_decode_name(const char *bytes, size_t len);

/* Body text of unknown charset (TXT, CSV, manifest.ini): a UTF-8 or UTF-16
 * BOM decides; else valid UTF-8; else GB18030; else Latin-1. The BOM is
 * removed. */
char *charset_text_to_utf8(const char *bytes, size_t len);

/* RFC 2047 encoded words ("=?GB2312?B?...?=") anywhere in s, decoded; text
 * outside encoded words goes through charset_decode_name (raw 8-bit). */
char *charset_rfc2047_decode(const char *s);

/* An RFC 2231 extended value "charset'lang'%XX..." decoded. */
char *charset_rfc2231_decode(const char *s);

/* Encodes a UTF-8 header value as RFC 2047 encoded words (UTF-8, B) folded
 * for a header whose name takes prefix_len columns; pure ASCII is returned
 * unchanged. */
char *charset_rfc2047_encode(const char *utf8, size_t prefix_len);

#endif
