/* unpack_p.h — private to unpack.c and unpack_zip.c: a zip's own directory,
 * read byte by byte beside libarchive, so that what unzip tools show (the
 * central directory), what the local headers say and what libarchive reads
 * can be compared, and so that member names get one charset decision per
 * archive (APPNOTE.TXT 4.3, 4.4.4 bit 11, 4.6.9 Info-ZIP Unicode Path).
 */
#ifndef PACKETD_UNPACK_P_H
#define PACKETD_UNPACK_P_H

#include <stddef.h>
#include <stdint.h>

#include "unpack.h"

void unpack_reject(unpack_result *r, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

typedef struct unpack_zip_entry {
	char *raw;          /* owned: the header name's bytes, NUL-terminated (no NUL inside) */
	char *upath;        /* owned: Info-ZIP Unicode Path whose CRC matches raw, or NULL */
	char *visible;      /* owned: the name libarchive reports (a matching 0x7075 path, else raw) */
	uint16_t flags;     /* general purpose bits; 0x800 = name in UTF-8 */
	uint16_t method;    /* the central directory's method, CRC-32 and sizes */
	uint32_t crc, csize, usize;
	uint64_t start;     /* local record: header .. end of data (descriptor included) */
	uint64_t end;
} unpack_zip_entry;

typedef struct unpack_zip_dir {
	unpack_zip_entry *e;  /* owned array, sorted by local header offset (libarchive's order) */
	size_t n;
	int gb18030;          /* the archive's decision for names without the UTF-8 flag */
	int checked;          /* 0: a Zip64 directory, not parsed (libarchive's checks only) */
} unpack_zip_dir;

/* Reads and checks the directory of the zip at path: the end record's
 * member count against the entries of the central directory; each entry's
 * local header (signature, name bytes, compression method, CRC-32 and both
 * sizes, from the data descriptor when bit 3 is set); no two local records
 * sharing or overlapping bytes, nor reaching into the directory. Decides
 * the names' charset. Returns 0 (d filled), 1 rejected (out's error set:
 * archive_count_mismatch, archive_overlap, archive_header_mismatch,
 * archive_inconsistent, archive_name_invalid), -1 when the file cannot be
 * read. At most max_entries entries are read. */
int unpack_zip_read_dir(const char *path, uint64_t max_entries, unpack_zip_dir *d, unpack_result *out);

/* The UTF-8 name of entry i under the archive's charset decision: the
 * flagged name as it is, else a matching Unicode Path, else GB18030 when
 * the archive needs it, else the bytes (valid UTF-8). Caller frees; NULL
 * only when GB18030 decoding failed (the caller escapes the bytes). */
char *unpack_zip_name(const unpack_zip_dir *d, size_t i);

void unpack_zip_dir_free(unpack_zip_dir *d);

#endif
