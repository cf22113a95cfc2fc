/* sniff.h — what a member file really is (by its content, never its name),
 * whether it is protected or damaged, and its readable text.
 *
 * Text is UTF-8, at most SNIFF_MAX_TEXT bytes (cut at a character
 * boundary); tables become one line per row with cells separated by TAB,
 * paragraphs one per line. Types are the vocabulary of packet_file.type:
 * pdf doc docx odt jpeg png tiff xlsx csv txt html zip rar 7z gz unknown
 * empty.
 */
#ifndef PACKETD_SNIFF_H
#define PACKETD_SNIFF_H

#include <stddef.h>

#include "packet.h"

#define SNIFF_MAX_TEXT (2u * 1024 * 1024)
/* Files larger than this are typed from their first and last bytes only
 * (no text). */
#define SNIFF_MAX_READ (64u * 1024 * 1024)
/* One member of a DOCX/ODT/XLSX (or an HTML file) producing more than this
 * is not parsed: text NULL, not counted as damaged. */
#define SNIFF_MAX_XML (20u * 1024 * 1024)
/* A file of at most this many bytes is read whole; a bigger one by its
 * first and last 64 KiB, or through its mapping (sniff_file). */
#define SNIFF_WHOLE_MAX (128u * 1024)

/* Fills f->type, f->encrypted, f->damaged and f->text (owned by f, NULL
 * when no text could be read) from the file at f->path (f->size set by the
 * caller). Returns 0, or -1 on an I/O error. */
int sniff_file(packet_file *f);
/* sniff_file for a file whose len bytes (NUL-terminated) the caller holds,
 * as it has just written them to f->path: the same answer without reading
 * the file again. More than SNIFF_WHOLE_MAX bytes are left to sniff_file. */
int sniff_file_bytes(packet_file *f, const char *bytes, size_t len);

/* Expected type of a file name by its extension (".pdf" → "pdf", ".jpg" /
 * ".jpeg" → "jpeg", ".tif" / ".tiff" → "tiff", ".htm" / ".html" → "html",
 * ".txt", ".csv", ".doc", ".docx", ".odt", ".xlsx", ".png", ".zip", ".rar",
 * ".7z", ".gz" / ".tgz" → "gz"), case-insensitive; NULL when unknown. */
const char *sniff_type_of_name(const char *name);

/* Type and text of a file held in memory. type_out receives the type
 * (truncated to type_len); *text_out receives owned UTF-8 text or NULL.
 * Returns 0, -1 on bad arguments. */
int sniff_buffer(const char *data, size_t len, char *type_out, size_t type_len, char **text_out);

/* Excel's 1900 date system: serial 1 is 1900-01-01, 60 the 1900-02-29
 * Excel believes in, 61 is 1900-03-01; the fraction (time of day) is
 * ignored. Returns 0, or -1 outside 1 .. 2958465 (9999-12-31). */
int sniff_excel_serial_to_ymd(double serial, int *y, int *m, int *d);

#endif
