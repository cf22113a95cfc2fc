/* unpack_zip.c — a zip's central directory and local headers, read directly
 * (see unpack_p.h). libarchive's seekable reader keys members by their
 * local header offset and quietly drops repeats, and it trusts the local
 * header over the directory: so a zip whose directory lists many names for
 * one local record, or whose records overlap (the shape of the "better zip
 * bomb"), or whose directory and local header disagree on method, sizes or
 * CRC, would be read as something else than unzip tools show. Every such
 * disagreement is refused here, before a byte is decompressed.
 */
#include "unpack_p.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "charset.h"
#include "util.h"

#define ZIP_EOCD_LEN 22
#define ZIP_CD_LEN 46
#define ZIP_LOCAL_LEN 30
#define ZIP_MAX_CD (16u << 20)
#define ZIP_MAX_TAIL (ZIP_EOCD_LEN + 65535)

static uint32_t le(const unsigned char *p, int n)
{
	uint32_t v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static int read_at(int fd, void *to, size_t n, uint64_t off)
{
	return pread(fd, to, n, (off_t)off) == (ssize_t)n ? 0 : -1;
}

static char *shown(const char *raw)
{
	char *s = charset_decode_name(raw, strlen(raw));
	return s != NULL ? s : xstrdup("?");
}

static int cmp_start(const void *x, const void *y)
{
	const unpack_zip_entry *a = x, *b = y;
	return a->start < b->start ? -1 : a->start > b->start;
}

/* The Info-ZIP Unicode Path of an entry's extra fields, taken only when its
 * CRC-32 is that of the header name (as libarchive does): *any gets it (the
 * name libarchive reports), *good too when it is valid UTF-8. Returns 2
 * when a path holds a NUL byte. */
static int unicode_path(const unsigned char *x, size_t xlen, const char *raw, size_t rawlen, char **any,
			char **good)
{
	for (size_t j = 0; j + 4 <= xlen;) {
		size_t id = le(x + j, 2), sz = le(x + j + 2, 2);
		if (j + 4 + sz > xlen)
			break;
		if (id == 0x7075 && sz >= 5 && x[j + 4] == 1) {
			const char *path = (const char *)x + j + 9;
			size_t plen = sz - 5;
			uLong crc = crc32(0L, (const Bytef *)raw, (uInt)rawlen);
			if (memchr(path, '\0', plen) != NULL)
				return 2;
			if ((uint32_t)crc != le(x + j + 5, 4)) {
				j += 4 + sz;
				continue;
			}
			free(*any);
			*any = xstrndup(path, plen);
			free(*good);
			*good = util_utf8_valid(path, plen) ? xstrndup(path, plen) : NULL;
		}
		j += 4 + sz;
	}
	return 0;
}

/* Checks entry e's local header at phys against the directory's fields and
 * sets its span. Returns 0, 1 rejected, 2 a Zip64 local header. */
static int check_local(int fd, uint64_t size, unpack_zip_entry *e, unpack_result *out)
{
	unsigned char *h, dd[16];
	uint32_t method = e->method, crc = e->crc, csize = e->csize, usize = e->usize;
	uint64_t phys = e->start;
	size_t nlen, xlen, rawlen = strlen(e->raw), got;
	uint64_t data;
	int rc = 1;

	/* the header and the name it must hold, in one read */
	got = phys + ZIP_LOCAL_LEN + rawlen <= size ? ZIP_LOCAL_LEN + rawlen : ZIP_LOCAL_LEN;
	h = xcalloc(1, ZIP_LOCAL_LEN + rawlen + 1);
	if (phys + ZIP_LOCAL_LEN > size || read_at(fd, h, got, phys) != 0 || memcmp(h, "PK\3\4", 4) != 0) {
		char *s = shown(e->raw);
		unpack_reject(out, "archive_inconsistent", "%s: no local header where the central directory points", s);
		free(s);
		goto out;
	}
	nlen = le(h + 26, 2);
	xlen = le(h + 28, 2);
	if (got < ZIP_LOCAL_LEN + rawlen || nlen != rawlen || memcmp(h + ZIP_LOCAL_LEN, e->raw, nlen) != 0) {
		char *s = shown(e->raw);
		unpack_reject(out, "archive_inconsistent", "%s: central directory and local headers disagree", s);
		free(s);
		goto out;
	}
	if (le(h + 18, 4) == 0xFFFFFFFFu || le(h + 22, 4) == 0xFFFFFFFFu) {
		rc = 2;
		goto out;
	}
	data = phys + ZIP_LOCAL_LEN + nlen + xlen;
	e->end = data + csize;
	if (le(h + 8, 2) != method) {
		char *s = shown(e->raw);
		unpack_reject(out, "archive_header_mismatch",
			      "%s: compression method %u in the central directory, %u in the local header", s,
			      (unsigned)method, (unsigned)le(h + 8, 2));
		free(s);
		goto out;
	}
	if (le(h + 6, 2) & 8) {
		/* sizes and CRC follow the data, with or without a signature */
		size_t off = 0;
		if (e->end + 12 > size || read_at(fd, dd, e->end + 16 <= size ? 16 : 12, e->end) != 0) {
			char *s = shown(e->raw);
			unpack_reject(out, "archive_header_mismatch", "%s: no data descriptor after its data", s);
			free(s);
			goto out;
		}
		if (memcmp(dd, "PK\7\10", 4) == 0 && e->end + 16 <= size)
			off = 4;
		memcpy(h + 14, dd + off, 12);
		e->end += 12 + off;
	}
	if (le(h + 14, 4) != crc || le(h + 18, 4) != csize || le(h + 22, 4) != usize) {
		char *s = shown(e->raw);
		unpack_reject(out, "archive_header_mismatch",
			      "%s: the central directory says %lu bytes (%lu packed, CRC-32 %08lx), the local header %lu "
			      "(%lu packed, CRC-32 %08lx)", s, (unsigned long)usize, (unsigned long)csize,
			      (unsigned long)crc, (unsigned long)le(h + 22, 4), (unsigned long)le(h + 18, 4),
			      (unsigned long)le(h + 14, 4));
		free(s);
		goto out;
	}
	rc = 0;
out:
	free(h);
	return rc;
}

int unpack_zip_read_dir(const char *path, uint64_t max_entries, unpack_zip_dir *d, unpack_result *out)
{
	unsigned char *tail = NULL, *cd = NULL;
	struct stat st;
	size_t tlen, cdlen, pos = 0, eo = 0, alloc = 0;
	uint64_t eocd = 0, cdstart, declared, size;
	int64_t base;
	int fd, rc = -1, found = 0;

	memset(d, 0, sizeof *d);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0)
		goto out;
	size = (uint64_t)st.st_size;
	rc = 1;
	if (size < ZIP_EOCD_LEN) {
		unpack_reject(out, "archive_inconsistent", "central directory unreadable");
		goto out;
	}
	tlen = size < ZIP_MAX_TAIL ? (size_t)size : ZIP_MAX_TAIL;
	tail = xcalloc(1, tlen);
	if (read_at(fd, tail, tlen, size - tlen) != 0) {
		rc = -1;
		goto out;
	}
	for (size_t i = tlen - ZIP_EOCD_LEN + 1; i-- > 0;)
		if (memcmp(tail + i, "PK\5\6", 4) == 0) {
			eocd = size - tlen + i;
			eo = i;
			found = 1;
			break;
		}
	if (!found) {
		unpack_reject(out, "archive_inconsistent", "central directory unreadable");
		goto out;
	}
	declared = le(tail + eo + 10, 2);
	cdlen = le(tail + eo + 12, 4);
	if (declared == 0xFFFF || cdlen == 0xFFFFFFFFu || le(tail + eo + 16, 4) == 0xFFFFFFFFu ||
	    (eo >= 20 && memcmp(tail + eo - 20, "PK\6\7", 4) == 0) || declared > max_entries) {
		/* Zip64, or more members than allowed: libarchive's count refuses
		 * the latter at the right member */
		rc = 0;
		goto out;
	}
	if (le(tail + eo + 8, 2) != declared) {
		unpack_reject(out, "archive_count_mismatch", "the end record declares %lu members on this disk and %lu in all",
			      (unsigned long)le(tail + eo + 8, 2), (unsigned long)declared);
		goto out;
	}
	if (cdlen > ZIP_MAX_CD || cdlen > eocd) {
		unpack_reject(out, "archive_inconsistent", "central directory unreadable");
		goto out;
	}
	cdstart = eocd - cdlen;
	base = (int64_t)cdstart - (int64_t)le(tail + eo + 16, 4);  /* bytes prepended (self-extractors) */
	cd = xcalloc(1, cdlen + 1);
	if (read_at(fd, cd, cdlen, cdstart) != 0) {
		rc = -1;
		goto out;
	}
	d->checked = 1;
	while (pos + ZIP_CD_LEN <= cdlen && memcmp(cd + pos, "PK\1\2", 4) == 0) {
		size_t nlen = le(cd + pos + 28, 2), xlen = le(cd + pos + 30, 2), clen = le(cd + pos + 32, 2);
		const unsigned char *e = cd + pos;
		unpack_zip_entry *z;
		if (pos + ZIP_CD_LEN + nlen + xlen + clen > cdlen || d->n >= declared)
			break;
		if (le(e + 20, 4) == 0xFFFFFFFFu || le(e + 24, 4) == 0xFFFFFFFFu || le(e + 42, 4) == 0xFFFFFFFFu) {
			d->checked = 0;
			rc = 0;
			goto out;
		}
		if (memchr(e + ZIP_CD_LEN, '\0', nlen) != NULL) {
			unpack_reject(out, "archive_name_invalid", "NUL character in a name");
			goto out;
		}
		if (d->n == alloc) {
			alloc = alloc ? alloc * 2 : 16;
			d->e = xrealloc(d->e, alloc * sizeof *d->e);
		}
		z = &d->e[d->n++];
		memset(z, 0, sizeof *z);
		z->raw = xstrndup((const char *)e + ZIP_CD_LEN, nlen);
		z->flags = (uint16_t)le(e + 8, 2);
		if (unicode_path(e + ZIP_CD_LEN + nlen, xlen, z->raw, nlen, &z->visible, &z->upath) == 2) {
			unpack_reject(out, "archive_name_invalid", "NUL character in a name");
			goto out;
		}
		if (z->visible == NULL)
			z->visible = xstrdup(z->raw);
		if (base + (int64_t)le(e + 42, 4) < 0) {
			unpack_reject(out, "archive_inconsistent", "central directory unreadable");
			goto out;
		}
		z->start = (uint64_t)(base + (int64_t)le(e + 42, 4));
		z->method = (uint16_t)le(e + 10, 2);
		z->crc = le(e + 16, 4);
		z->csize = le(e + 20, 4);
		z->usize = le(e + 24, 4);
		pos += ZIP_CD_LEN + nlen + xlen + clen;
	}
	if (d->n != declared) {
		unpack_reject(out, "archive_count_mismatch",
			      "the end record declares %lu members, the central directory holds %zu",
			      (unsigned long)declared, d->n);
		goto out;
	}
	if (d->n > 1)
		qsort(d->e, d->n, sizeof *d->e, cmp_start);
	/* shared records first: their names cannot agree with the local header */
	for (size_t i = 1; i < d->n; i++)
		if (d->e[i].start == d->e[i - 1].start) {
			char *a = shown(d->e[i - 1].raw), *b = shown(d->e[i].raw);
			unpack_reject(out, "archive_overlap", "%s and %s share one local record", a, b);
			free(a);
			free(b);
			goto out;
		}
	for (size_t i = 0; i < d->n; i++) {
		int r = check_local(fd, size, &d->e[i], out);
		if (r == 2) {
			d->checked = 0;
			rc = 0;
			goto out;
		}
		if (r != 0)
			goto out;
		if (d->e[i].end > cdstart) {
			char *s = shown(d->e[i].raw);
			unpack_reject(out, "archive_overlap", "%s: its data runs into the central directory", s);
			free(s);
			goto out;
		}
	}
	for (size_t i = 1; i < d->n; i++)
		if (d->e[i].start < d->e[i - 1].end) {
			char *a = shown(d->e[i - 1].raw), *b = shown(d->e[i].raw);
			unpack_reject(out, "archive_overlap", "%s and %s share or overlap their local records", a, b);
			free(a);
			free(b);
			goto out;
		}
	for (size_t i = 0; i < d->n; i++)
		if (!(d->e[i].flags & 0x800) && d->e[i].upath == NULL &&
		    !util_utf8_valid(d->e[i].raw, strlen(d->e[i].raw)))
			d->gb18030 = 1;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(tail);
	free(cd);
	if (rc != 0)
		unpack_zip_dir_free(d);
	return rc;
}

char *unpack_zip_name(const unpack_zip_dir *d, size_t i)
{
	const unpack_zip_entry *e = &d->e[i];
	if (e->flags & 0x800)
		return xstrdup(e->raw);
	if (e->upath != NULL)
		return xstrdup(e->upath);
	if (d->gb18030)
		return charset_to_utf8("GB18030", e->raw, strlen(e->raw));
	return xstrdup(e->raw);
}

void unpack_zip_dir_free(unpack_zip_dir *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->e[i].raw);
		free(d->e[i].upath);
		free(d->e[i].visible);
	}
	free(d->e);
	memset(d, 0, sizeof *d);
}
