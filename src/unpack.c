/* unpack.c — safe unpacking of untrusted archives with libarchive (see
 * unpack.h).
 *
 * Why the reader is set up as it is:
 * - Formats and filters are registered one by one instead of *_all: the
 *   mtree "format" reads files named inside it from the local disk, and
 *   some filters fall back to running external programs.
 * - Zips are read with the seekable reader so the central directory, which
 *   unzip tools show to people, decides what the members are; a second,
 *   streaming pass over the local headers must agree on the names, else
 *   the archive is refused (a zip that shows one thing and holds another).
 * - Names are read under a thread-local C.UTF-8 locale: in the "C" locale
 *   libarchive drops UTF-8-flagged zip names, and under UTF-8 it hands
 *   names without the flag over as raw bytes, which charset_decode_name
 *   turns into text (GBK/GB18030 from Chinese Windows). hdrcharset=CP936
 *   is not used because libarchive skips names only GB18030 can decode.
 */
#include "unpack.h"
#include "unpack_p.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "charset.h"
#include "fault.h"
#include "util.h"

#define UNPACK_BLOCK (64 * 1024)

struct unpack_ctx {
	const config_limits *lim;
	const char *workdir;
	uint64_t packed;        /* size of the archive file */
	uint64_t total;         /* bytes produced so far */
	uint64_t nentries;
	uint64_t kept;          /* bytes kept in members' bytes */
	strlist seen;           /* lower-cased member names, for collisions */
	strlist raw_names;      /* every entry's name as libarchive gave it */
	unpack_zip_dir zip;     /* a zip's own directory, once its first entry is read */
	char *block;
	unpack_result *out;
};

void unpack_reject(unpack_result *r, const char *code, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (r->error_code != NULL)
		return;
	r->error_code = xstrdup(code);
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n >= 0) {
		char *s = xcalloc(1, (size_t)n + 1);
		va_start(ap, fmt);
		vsnprintf(s, (size_t)n + 1, fmt, ap);
		va_end(ap);
		r->error_detail = s;
	} else {
		r->error_detail = xstrdup("");
	}
}

/* libarchive reports short input in several wordings; everything else that
 * breaks a read (bad CRC, corrupt stream) is "unreadable". */
static const char *unpack_read_error_code(struct archive *a)
{
	const char *msg = archive_error_string(a);
	/* the sandbox's memory limit made an allocation fail (sandbox.h) */
	if (archive_errno(a) == ENOMEM || (msg != NULL && strstr(msg, "allocate memory") != NULL))
		return "archive_resources";
	if (msg != NULL && (strstr(msg, "runcated") != NULL || strstr(msg, "remature") != NULL ||
			    strstr(msg, "nexpected end") != NULL || strstr(msg, "nexpected EOF") != NULL))
		return "archive_truncated";
	return "archive_unreadable";
}

static int unpack_has_control(const char *s)
{
	size_t i = 0, len = strlen(s);
	while (i < len) {
		uint32_t cp;
		size_t n = util_utf8_next(s + i, len - i, &cp);
		if (n == 0)
			return 0;  /* escaped by charset_decode_name, cannot be here */
		if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0))
			return 1;
		i += n;
	}
	return 0;
}

static int unpack_raw_has_control(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7F)
			return 1;
	return 0;
}

/* Rewrites a decoded name as '/'-separated components without "." or empty
 * ones. Returns NULL (and *traversal set) for "..", an absolute path or a
 * drive letter; NULL without traversal when nothing is left. */
static char *unpack_normalize(const char *name, int *traversal)
{
	char *copy = xstrdup(name), *save = NULL, *tok;
	buf b;
	int first = 1;

	*traversal = 0;
	for (char *p = copy; *p != '\0'; p++)
		if (*p == '\\')
			*p = '/';
	if (copy[0] == '/' ||
	    (((copy[0] | 0x20) >= 'a' && (copy[0] | 0x20) <= 'z') && copy[1] == ':')) {
		*traversal = 1;
		free(copy);
		return NULL;
	}
	buf_init(&b, 0);
	for (tok = strtok_r(copy, "/", &save); tok != NULL; tok = strtok_r(NULL, "/", &save)) {
		if (strcmp(tok, ".") == 0)
			continue;
		if (strcmp(tok, "..") == 0) {
			*traversal = 1;
			break;
		}
		if (!first)
			buf_add(&b, "/", 1);
		buf_adds(&b, tok);
		first = 0;
	}
	free(copy);
	if (*traversal || b.len == 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

static int unpack_is_junk(const char *name)
{
	const char *base = strrchr(name, '/');
	base = base != NULL ? base + 1 : name;
	if (strncmp(name, "__MACOSX/", 9) == 0 || strstr(name, "/__MACOSX/") != NULL)
		return 1;
	return strcmp(base, ".DS_Store") == 0 || util_streq_nocase(base, "Thumbs.db") ||
	       util_streq_nocase(base, "desktop.ini") || strncmp(base, "._", 2) == 0;
}

static int unpack_over_ratio(uint64_t produced, uint64_t packed, uint64_t ratio)
{
	if (packed != 0 && ratio > UINT64_MAX / packed)
		return 0;
	return produced > packed * ratio;
}

static int unpack_write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Keeps the block of n bytes just written to m (c->block) in m->bytes while
 * the member and the archive's kept bytes stay within their bounds (see
 * unpack.h); past them, the member's kept bytes are dropped. */
static void unpack_keep(struct unpack_ctx *c, unpack_member *m, size_t n)
{
	uint64_t had = m->size - n;   /* m->size counts the block already */
	if (had > 0 && m->bytes == NULL)
		return;   /* dropped before */
	if (m->size > UNPACK_KEEP_MEMBER || c->kept + n > UNPACK_KEEP_TOTAL) {
		c->kept -= had;
		free(m->bytes);
		m->bytes = NULL;
		return;
	}
	m->bytes = xrealloc(m->bytes, (size_t)m->size + 1);
	memcpy(m->bytes + had, c->block, n);
	m->bytes[m->size] = '\0';
	c->kept += n;
}

/* Streams the current entry's data into m->path, checking every bound on
 * each block. Returns 0, 1 when rejected, -1 on a system error. */
static int unpack_copy_data(struct unpack_ctx *c, struct archive *a, unpack_member *m)
{
	const config_limits *lim = c->lim;
	util_sha256 sha;
	uint64_t had;
	int fd, rc = -1;

	fd = util_open_rewrite(m->path, &had);   /* a work file readied for this item is written again */
	if (fd < 0)
		return -1;
	/* the reader would hash the file again otherwise: a second pass */
	if (util_sha256_begin(&sha) != 0)
		sha.h = NULL;
	for (;;) {
		la_ssize_t n = archive_read_data(a, c->block, UNPACK_BLOCK);
		if (n == 0)
			break;
		if (n < 0) {
			unpack_reject(c->out, unpack_read_error_code(a), "%s: %s", m->name,
				      archive_error_string(a) ? archive_error_string(a) : "read error");
			rc = 1;
			goto out;
		}
		m->size += (uint64_t)n;
		c->total += (uint64_t)n;
		if (m->size > lim->max_member) {
			unpack_reject(c->out, "archive_member_too_large", "%s: more than %llu bytes",
				      m->name, (unsigned long long)lim->max_member);
			rc = 1;
			goto out;
		}
		if (c->total > lim->max_total) {
			unpack_reject(c->out, "archive_too_large", "%s: more than %llu bytes in all",
				      m->name, (unsigned long long)lim->max_total);
			rc = 1;
			goto out;
		}
		if (c->total > UNPACK_RATIO_FLOOR && unpack_over_ratio(c->total, c->packed, lim->max_ratio)) {
			unpack_reject(c->out, "archive_ratio",
				      "%s: %llu bytes from %llu packed > ratio %llu:1", m->name,
				      (unsigned long long)c->total, (unsigned long long)c->packed,
				      (unsigned long long)lim->max_ratio);
			rc = 1;
			goto out;
		}
		util_sha256_add(&sha, c->block, (size_t)n);
		if (unpack_write_all(fd, c->block, (size_t)n) != 0)
			goto out;
		unpack_keep(c, m, (size_t)n);
	}
	rc = util_rewrite_end(fd, had, m->size) == 0 ? 0 : -1;
out:
	if (rc != 0) {
		free(m->bytes);
		m->bytes = NULL;
	}
	if (close(fd) != 0 && rc == 0)
		rc = -1;
	util_sha256_end(&sha, rc == 0 ? m->sha256 : NULL);
	return rc;
}

/* Whether two names are the same but for '\\' and '/': libarchive turns
 * the one into the other in some zip names and not in others. */
static int unpack_same_name(const char *x, const char *y)
{
	for (; *x != '\0' && *y != '\0'; x++, y++)
		if (*x != *y && !((*x == '\\' || *x == '/') && (*y == '\\' || *y == '/')))
			return 0;
	return *x == *y;
}

/* Checks one entry and, when it is a member to keep, writes its data.
 * Returns 0 (kept or skipped), 1 rejected, -1 system error. */
static int unpack_entry(struct unpack_ctx *c, struct archive *a, struct archive_entry *e)
{
	const config_limits *lim = c->lim;
	unpack_result *out = c->out;
	const char *raw = archive_entry_pathname(e);
	char *name = NULL, *norm = NULL, *lower = NULL;
	unsigned int type = archive_entry_filetype(e);
	int traversal, rc = 1;

	c->nentries++;
	if (raw == NULL)
		raw = archive_entry_pathname_utf8(e);
	if (raw == NULL) {
		unpack_reject(out, "archive_name_invalid", "entry %llu: unreadable name",
			      (unsigned long long)c->nentries);
		goto out;
	}
	strlist_add(&c->raw_names, raw);
	if (c->zip.checked) {
		/* libarchive reads a zip's members in local header order, which
		 * is the order of c->zip: its decision on the name applies */
		size_t k = (size_t)c->nentries - 1;
		char *decided;
		if (k >= c->zip.n || !unpack_same_name(raw, c->zip.e[k].visible)) {
			char *d = charset_decode_name(raw, strlen(raw));
			unpack_reject(out, "archive_inconsistent", "%s: central directory and local headers disagree",
				      d ? d : "?");
			free(d);
			goto out;
		}
		decided = unpack_zip_name(&c->zip, k);
		name = decided != NULL ? charset_decode_name(decided, strlen(decided)) : charset_decode_name(raw, strlen(raw));
		free(decided);
	} else {
		name = charset_decode_name(raw, strlen(raw));
	}
	if (name == NULL) {
		unpack_reject(out, "archive_name_invalid", "entry %llu: undecodable name",
			      (unsigned long long)c->nentries);
		goto out;
	}
	if (c->nentries > lim->max_members) {
		unpack_reject(out, "archive_too_many_members", "%s: %llu members > %llu", name,
			      (unsigned long long)c->nentries, (unsigned long long)lim->max_members);
		goto out;
	}
	if (unpack_raw_has_control(raw) || unpack_has_control(name)) {
		unpack_reject(out, "archive_name_invalid", "%s: control character in name", name);
		goto out;
	}
	if (strlen(raw) > lim->max_name || strlen(name) > lim->max_name) {
		unpack_reject(out, "archive_name_invalid", "%s: name longer than %llu bytes", name,
			      (unsigned long long)lim->max_name);
		goto out;
	}
	norm = unpack_normalize(name, &traversal);
	if (traversal) {
		unpack_reject(out, "archive_traversal", "%s", name);
		goto out;
	}
	if (archive_entry_hardlink(e) != NULL || archive_entry_symlink(e) != NULL ||
	    type == AE_IFLNK) {
		unpack_reject(out, "archive_link", "%s", name);
		goto out;
	}
	if (type == AE_IFDIR || norm == NULL) {
		rc = 0;
		goto out;
	}
	if (type != AE_IFREG && type != 0) {
		unpack_reject(out, "archive_device", "%s", name);
		goto out;
	}
	if (archive_entry_is_encrypted(e)) {
		unpack_reject(out, "archive_encrypted", "%s", name);
		goto out;
	}
	if (unpack_is_junk(norm)) {
		rc = 0;
		goto out;
	}
	lower = util_ascii_lower(norm);
	if (strlist_contains(&c->seen, lower)) {
		unpack_reject(out, "archive_duplicate_name", "%s", norm);
		goto out;
	}
	strlist_add(&c->seen, lower);

	out->members = xrealloc(out->members, (out->nmembers + 1) * sizeof *out->members);
	unpack_member *m = &out->members[out->nmembers++];
	char file[32];
	snprintf(file, sizeof file, "m%04zu", out->nmembers);
	m->name = norm;
	norm = NULL;
	m->raw_name = xstrdup(raw);
	m->raw_differs = strcmp(raw, name) != 0;
	m->path = util_path_join(c->workdir, file);
	m->size = 0;
	m->sha256[0] = '\0';
	m->bytes = NULL;
	rc = unpack_copy_data(c, a, m);
	fault_point("unpack");
out:
	free(name);
	free(norm);
	free(lower);
	return rc;
}

static void unpack_strip_wrapper(unpack_result *r)
{
	const char *slash;
	size_t plen;

	if (r->nmembers == 0 || (slash = strchr(r->members[0].name, '/')) == NULL)
		return;
	plen = (size_t)(slash - r->members[0].name) + 1;
	for (size_t i = 1; i < r->nmembers; i++)
		if (strncmp(r->members[i].name, r->members[0].name, plen) != 0)
			return;
	for (size_t i = 0; i < r->nmembers; i++) {
		char *n = xstrdup(r->members[i].name + plen);
		free(r->members[i].name);
		r->members[i].name = n;
	}
}

static int unpack_cmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Compares two name lists as sets with repeats. libarchive turns '\' into
 * '/' in some names and not others, so both are compared with '/'. Returns
 * NULL when they agree, else the first name that differs (in x or y). */
static const char *unpack_names_differ(strlist *x, strlist *y)
{
	strlist *both[2] = {x, y};
	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; i < both[k]->n; i++)
			for (char *p = both[k]->items[i]; *p != '\0'; p++)
				if (*p == '\\')
					*p = '/';
		if (both[k]->n > 1)   /* items is NULL when empty: qsort's pointer must not be */
			qsort(both[k]->items, both[k]->n, sizeof(char *), unpack_cmp);
	}
	for (size_t i = 0; i < x->n && i < y->n; i++)
		if (strcmp(x->items[i], y->items[i]) != 0)
			return x->items[i];
	if (x->n != y->n)
		return x->n > y->n ? x->items[y->n] : y->items[x->n];
	return NULL;
}

/* Checks that a zip shows one set of members: the central directory's
 * names, the local headers the seekable reader followed (c->raw_names),
 * and a streaming pass over the local headers must agree. In the streaming
 * pass data is skipped where the header gives its size; where it does not
 * (data descriptors) it must be inflated to find the next header, so that
 * output is bounded by max_total. Returns 0 agree, 1 rejected. */
static int unpack_zip_consistent(struct unpack_ctx *c, const char *path)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	strlist local = {0}, dir = {0};
	uint64_t produced = 0;
	const char *differ;
	int r, rc = 1;

	for (size_t i = 0; i < c->zip.n; i++)
		strlist_add(&dir, c->zip.e[i].visible);
	if (c->zip.checked && (differ = unpack_names_differ(&dir, &c->raw_names)) != NULL)
		goto differ;
	archive_read_support_format_zip_streamable(a);
	if (archive_read_open_filename(a, path, UNPACK_BLOCK) != ARCHIVE_OK) {
		unpack_reject(c->out, "archive_inconsistent", "local headers unreadable");
		goto out;
	}
	for (;;) {
		r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			unpack_reject(c->out, "archive_inconsistent", "local headers: %s",
				      archive_error_string(a) ? archive_error_string(a) : "unreadable");
			goto out;
		}
		const char *raw = archive_entry_pathname(e);
		strlist_add(&local, raw != NULL ? raw : "");
		if (local.n > c->raw_names.n)
			break;
		if (archive_entry_size_is_set(e)) {
			if (archive_read_data_skip(a) != ARCHIVE_OK) {
				unpack_reject(c->out, "archive_inconsistent", "local headers: %s",
					      archive_error_string(a) ? archive_error_string(a) : "unreadable");
				goto out;
			}
			continue;
		}
		for (;;) {
			la_ssize_t n = archive_read_data(a, c->block, UNPACK_BLOCK);
			if (n == 0)
				break;
			if (n < 0 || (produced += (uint64_t)n) > c->lim->max_total) {
				unpack_reject(c->out, "archive_inconsistent",
					      "local headers disagree with the central directory");
				goto out;
			}
		}
	}
	differ = unpack_names_differ(&local, &c->raw_names);
	if (differ == NULL) {
		rc = 0;
		goto out;
	}
differ:
	{
		char *d = charset_decode_name(differ, strlen(differ));
		unpack_reject(c->out, "archive_inconsistent",
			      "%s: central directory and local headers disagree", d ? d : "?");
		free(d);
	}
out:
	strlist_free(&local);
	strlist_free(&dir);
	archive_read_free(a);
	return rc;
}

/* Why an archive that libarchive would not open was refused, from its
 * first bytes. Returns 0 with a code, -1 when the file cannot be read. */
static int unpack_classify_unopened(const char *path, unpack_result *out)
{
	unsigned char head[8] = {0};
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, head, sizeof head);
	close(fd);
	if (n < 0)
		return -1;
	if (n >= 4 && memcmp(head, "PK\5\6", 4) == 0)
		unpack_reject(out, "archive_empty", "no members");
	else if (n >= 4 && memcmp(head, "PK\3\4", 4) == 0)
		unpack_reject(out, "archive_truncated", "zip without its central directory");
	else if ((n >= 6 && memcmp(head, "7z\xBC\xAF\x27\x1C", 6) == 0) ||
		 (n >= 4 && memcmp(head, "Rar!", 4) == 0))
		unpack_reject(out, "archive_unreadable", "archive cannot be opened");
	else
		unpack_reject(out, "archive_not_archive", "not an archive");
	return 0;
}

static void unpack_remove_files(unpack_result *r)
{
	for (size_t i = 0; i < r->nmembers; i++) {
		unlink(r->members[i].path);
		free(r->members[i].name);
		free(r->members[i].raw_name);
		free(r->members[i].path);
		free(r->members[i].bytes);
	}
	free(r->members);
	r->members = NULL;
	r->nmembers = 0;
}

int unpack_archive(const char *archive_path, const char *workdir, const config_limits *lim,
		   int depth, unpack_result *out)
{
	struct unpack_ctx c;
	struct archive *a = NULL;
	struct archive_entry *e;
	struct stat st;
	locale_t loc, old = (locale_t)0;
	int rc = -1, r, is_zip = 0;

	memset(out, 0, sizeof *out);
	memset(&c, 0, sizeof c);
	c.lim = lim;
	c.workdir = workdir;
	c.out = out;
	if (depth < 0 || (uint64_t)depth > lim->max_depth) {
		unpack_reject(out, "archive_too_deep", "depth %d > %llu", depth,
			      (unsigned long long)lim->max_depth);
		return 1;
	}
	if (stat(archive_path, &st) != 0)
		return -1;
	c.packed = (uint64_t)st.st_size;
	c.block = xcalloc(1, UNPACK_BLOCK);
	/* Thread-local, so no other thread's conversions change (see top). */
	loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	if (loc != (locale_t)0)
		old = uselocale(loc);

	a = archive_read_new();
	archive_read_support_format_zip_seekable(a);
	archive_read_support_format_7zip(a);
	archive_read_support_format_rar(a);
	archive_read_support_format_rar5(a);
	archive_read_support_format_tar(a);
	/* zip, 7z and rar are what applicants send; tar.gz is what Linux and
	 * macOS users make. Nothing else is registered. */
	archive_read_support_filter_gzip(a);
	if (archive_read_open_filename(a, archive_path, UNPACK_BLOCK) != ARCHIVE_OK) {
		if (strcmp(unpack_read_error_code(a), "archive_truncated") == 0) {
			unpack_reject(out, "archive_truncated", "%s", archive_error_string(a));
			rc = 1;
			goto out;
		}
		rc = unpack_classify_unopened(archive_path, out) == 0 ? 1 : -1;
		goto out;
	}
	for (;;) {
		r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			if (archive_read_has_encrypted_entries(a) > 0)
				unpack_reject(out, "archive_encrypted", "encrypted archive");
			else if (c.nentries == 0 && archive_format(a) == 0)
				unpack_reject(out, "archive_not_archive", "not an archive");
			else
				unpack_reject(out, unpack_read_error_code(a), "after %llu entries: %s",
					      (unsigned long long)c.nentries,
					      archive_error_string(a) ? archive_error_string(a) : "read error");
			rc = 1;
			goto out;
		}
		if (!is_zip && (archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_ZIP) {
			is_zip = 1;
			r = unpack_zip_read_dir(archive_path, lim->max_members, &c.zip, out);
			if (r != 0) {
				rc = r;
				goto out;
			}
		}
		rc = unpack_entry(&c, a, e);
		if (rc != 0)
			goto out;
	}
	if (out->nmembers == 0) {
		unpack_reject(out, "archive_empty", "no members");
		rc = 1;
		goto out;
	}
	if (c.zip.checked && c.nentries != c.zip.n) {
		unpack_reject(out, "archive_count_mismatch", "the reader found %llu members, the central directory lists %zu",
			      (unsigned long long)c.nentries, c.zip.n);
		rc = 1;
		goto out;
	}
	if (is_zip && unpack_zip_consistent(&c, archive_path) != 0) {
		rc = 1;
		goto out;
	}
	unpack_strip_wrapper(out);
	rc = 0;
out:
	if (a != NULL)
		archive_read_free(a);
	if (loc != (locale_t)0) {
		uselocale(old);
		freelocale(loc);
	}
	if (rc != 0)
		unpack_remove_files(out);
	if (rc == 1 && out->error_code == NULL)
		unpack_reject(out, "archive_unreadable", "unreadable");
	strlist_free(&c.seen);
	strlist_free(&c.raw_names);
	unpack_zip_dir_free(&c.zip);
	free(c.block);
	return rc;
}

void unpack_result_free(unpack_result *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nmembers; i++) {
		free(r->members[i].name);
		free(r->members[i].raw_name);
		free(r->members[i].path);
		free(r->members[i].bytes);
	}
	free(r->members);
	free(r->error_code);
	free(r->error_detail);
	memset(r, 0, sizeof *r);
}
