/* util.c — buffers, string lists, crash-safe files, SHA-256 (GnuTLS), clock. */
#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (p == NULL)
		abort();
	return p;
}

void *xrealloc(void *p, size_t size)
{
	void *q = realloc(p, size ? size : 1);
	if (q == NULL)
		abort();
	return q;
}

char *xstrdup(const char *s)
{
	if (s == NULL)
		return NULL;
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *d;
	if (s == NULL)
		return NULL;
	d = xcalloc(1, n + 1);
	memcpy(d, s, n);
	return d;
}

void buf_init(buf *b, size_t cap)
{
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
	b->cap = cap ? cap : SIZE_MAX;
	b->failed = 0;
}

/* Room for extra more bytes, or the buffer fails for good. */
static int buf_reserve(buf *b, size_t extra)
{
	size_t need;
	if (b->failed) {
		errno = EFBIG;
		return -1;
	}
	if (extra > b->cap || b->len > b->cap - extra) {
		b->failed = 1;
		errno = EFBIG;
		return -1;
	}
	need = b->len + extra + 1;
	if (need <= b->alloc)
		return 0;
	size_t na = b->alloc ? b->alloc : 64;
	while (na < need)
		na = na > SIZE_MAX / 2 ? need : na * 2;
	b->data = xrealloc(b->data, na);
	b->alloc = na;
	return 0;
}

void buf_add(buf *b, const void *data, size_t len)
{
	if (buf_reserve(b, len) != 0)
		return;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void buf_adds(buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_printf(buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	size_t room = b->alloc > b->len ? b->alloc - b->len : 0;   /* with the NUL's byte */
	if (b->failed)
		return;
	/* Into the room already there: most calls fit, and format once
	 * rather than once to measure and once to write. */
	va_start(ap, fmt);
	n = vsnprintf(room > 0 ? b->data + b->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n < 0) {
		if (room > 0)
			b->data[b->len] = '\0';
		b->failed = 1;
		return;
	}
	if ((size_t)n < room && (size_t)n <= b->cap && b->len <= b->cap - (size_t)n) {
		b->len += (size_t)n;
		return;
	}
	if (room > 0)
		b->data[b->len] = '\0';   /* what did not fit, or went over the cap, is not kept */
	if (buf_reserve(b, (size_t)n) != 0)
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

int buf_error(const buf *b)
{
	if (!b->failed)
		return 0;
	errno = EFBIG;
	return -1;
}

char *buf_steal(buf *b)
{
	char *d = b->data ? b->data : xstrdup("");
	b->data = NULL;
	b->len = b->alloc = 0;
	b->failed = 0;
	return d;
}

void buf_reset(buf *b)
{
	b->len = 0;
	b->failed = 0;
	if (b->data)
		b->data[0] = '\0';
}

int buf_take(buf *b, char **out)
{
	if (b->failed) {
		buf_free(b);
		*out = NULL;
		return -1;
	}
	*out = buf_steal(b);
	return 0;
}

void buf_free(buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->alloc = 0;
	b->failed = 0;
}

int strlist_add(strlist *l, const char *s)
{
	if (l->n == l->alloc) {
		l->alloc = l->alloc ? l->alloc * 2 : 8;
		l->items = xrealloc(l->items, l->alloc * sizeof(char *));
	}
	l->items[l->n++] = xstrdup(s);
	return 0;
}

int strlist_contains(const strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->items[i], s) == 0)
			return 1;
	return 0;
}

void strlist_free(strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->n = l->alloc = 0;
}

int strlist_split(strlist *l, const char *s, char sep)
{
	const char *p = s;
	while (p && *p) {
		const char *e = strchr(p, sep);
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char *item = xstrndup(p, n);
		char *t = util_trim(item);
		if (*t)
			strlist_add(l, t);
		free(item);
		p = e ? e + 1 : NULL;
	}
	return 0;
}

char *util_trim(char *s)
{
	char *e;
	while (*s && isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

char *util_ascii_lower(const char *s)
{
	char *d = xstrdup(s);
	for (char *p = d; *p; p++)
		if ((unsigned char)*p < 0x80)
			*p = (char)tolower((unsigned char)*p);
	return d;
}

int util_streq_nocase(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

int util_ends_with_nocase(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

int util_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;
	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	while (*end && isspace((unsigned char)*end))
		end++;
	if (errno == ERANGE || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int util_parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t mult = 1;
	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -1;
	switch (toupper((unsigned char)*end)) {
	case 'K': mult = 1024ULL; end++; break;
	case 'M': mult = 1024ULL * 1024; end++; break;
	case 'G': mult = 1024ULL * 1024 * 1024; end++; break;
	default: break;
	}
	if (toupper((unsigned char)*end) == 'B')
		end++;
	if (*end != '\0' || (v && mult > UINT64_MAX / v))
		return -1;
	*out = (uint64_t)v * mult;
	return 0;
}

/* Reads fd to its end, at most max bytes (else -1, errno EFBIG); closes fd. */
static int read_whole_fd(int fd, size_t max, char **data, size_t *len)
{
	int rc = -1, e;
	buf b;
	char chunk[65536];
	buf_init(&b, max);
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto out;
		}
		if (n == 0)
			break;
		buf_add(&b, chunk, (size_t)n);
		if (buf_error(&b) != 0)
			goto out;
	}
	*len = b.len;
	*data = buf_steal(&b);
	rc = 0;
out:
	e = errno;
	close(fd);
	if (rc != 0)
		buf_free(&b);
	errno = e;
	return rc;
}

int util_read_file(const char *path, size_t max, char **data, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -1 : read_whole_fd(fd, max, data, len);
}

int util_read_regular(const char *path, size_t max, char **data, size_t *len)
{
	struct stat st;
	int fd = util_open_regular(path, O_RDONLY, &st);
	return fd < 0 ? -1 : read_whole_fd(fd, max, data, len);
}

int util_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The loop behind util_pread_all and util_pwrite_all: all len bytes at
 * off, or -1 (EIO for an end met first). */
static int prw_all(int fd, char *p, size_t len, uint64_t off, int writing)
{
	while (len > 0) {
		ssize_t n = writing ? pwrite(fd, p, len, (off_t)off) : pread(fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

int util_pread_all(int fd, void *data, size_t len, uint64_t off)
{
	return prw_all(fd, data, len, off, 0);
}

int util_pwrite_all(int fd, const void *data, size_t len, uint64_t off)
{
	/* pwrite does not write through p: the cast only shares the loop */
	return prw_all(fd, (char *)(uintptr_t)data, len, off, 1);
}

int util_pwrite_zeros(int fd, uint64_t off, uint64_t len)
{
	static const char zeros[64 * 1024];
	while (len > 0) {
		size_t step = len < sizeof zeros ? (size_t)len : sizeof zeros;
		if (util_pwrite_all(fd, zeros, step, off) != 0)
			return -1;
		off += step;
		len -= step;
	}
	return 0;
}

int util_hexval(int c)
{
	return c >= 0 && c < 256 ? util_hex_dec[c] : -1;
}

/* Byte → value tables, so that decoders over whole blocks make no call
 * per byte. */
#define B64_PLAIN(c, unused) UTIL_B64_VALUE(c)
const short util_base64_dec[256] = UTIL_BYTE_TABLE(B64_PLAIN, 0);
#undef B64_PLAIN

const short util_hex_dec[256] = {
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, -1, -1, -1, -1, -1, -1,
	-1, 10, 11, 12, 13, 14, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, 10, 11, 12, 13, 14, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
};

int util_base64_value(int c)
{
	return c >= 0 && c < 256 ? util_base64_dec[c] : -1;
}

int util_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

char *util_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

/* The one crash-safe write (OpenSMTPD's queue_fs order): a temporary name
 * in the same folder (O_EXCL), the bytes (data, or copied from src_fd when
 * it is >= 0, hashed on the way: they must hash to want_sha256), fsync,
 * rename over path, fsync of the folder. Only then may a commit refer to
 * path, unless sync says the caller does it (util.h). */
static int write_atomic(const char *path, int mode, const void *data, size_t len, int src_fd,
			const char *want_sha256, enum util_sync sync)
{
	char *dir = util_dirname(path);
	char *tmp = NULL, got[65];
	int fd = -1, rc = -1, e;
	buf t;
	buf_init(&t, 0);
	buf_printf(&t, "%s.tmp.%ld", path, (long)getpid());
	tmp = buf_steal(&t);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, (mode_t)mode);
	/* A file of this name is a leftover of a killed process that had our
	 * pid (pids are reused): no live writer can own it. */
	if (fd < 0 && errno == EEXIST && unlink(tmp) == 0)
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, (mode_t)mode);
	if (fd < 0)
		goto out;
	if (src_fd < 0 && util_write_all(fd, data, len) != 0)
		goto out;
	if (src_fd >= 0) {
		if (util_sha256_copy_fd(src_fd, fd, got) != 0)
			goto out;
		if (strcmp(got, want_sha256) != 0) {
			errno = EILSEQ;
			goto out;
		}
	}
	if ((sync != UTIL_SYNC_NONE && fsync(fd) != 0) || close(fd) != 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0 || (sync == UTIL_SYNC_ALL && util_fsync_dir(dir) != 0))
		goto out;
	rc = 0;
out:
	e = errno;
	if (fd >= 0)
		close(fd);
	if (rc != 0 && tmp)
		unlink(tmp);
	free(tmp);
	free(dir);
	errno = e;
	return rc;
}

int util_write_atomic(const char *path, const void *data, size_t len)
{
	return write_atomic(path, 0644, data, len, -1, NULL, UTIL_SYNC_ALL);
}

int util_copy_atomic(const char *src, const char *dest, int mode, const char *sha256, enum util_sync sync)
{
	struct stat st;
	int in = util_open_regular(src, O_RDONLY, &st), rc, e;
	if (in < 0)
		return -1;
	rc = write_atomic(dest, mode, NULL, 0, in, sha256, sync);
	e = errno;
	close(in);
	errno = e;
	return rc;
}

int util_fsync_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc, e;
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	e = errno;
	close(fd);
	errno = e;
	return rc == 0 ? 0 : -1;
}

int util_mkdirs(const char *path, int mode)
{
	char *p;
	int rc = 0;
	/* Mostly the folder or its parent exists already: one call, not one
	 * per component (about 200 calls a message were spent here). */
	if (mkdir(path, (mode_t)mode) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return -1;
	p = xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, (mode_t)mode) != 0 && errno != EEXIST)
			rc = -1;
		*s = '/';
	}
	if (rc == 0 && mkdir(p, (mode_t)mode) != 0 && errno != EEXIST)
		rc = -1;
	free(p);
	return rc;
}

/* The folder name in at, opened for readdir (never through a symbolic
 * link), or NULL with errno. */
static DIR *opendir_at(int at, const char *name)
{
	DIR *d;
	int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	d = fdopendir(fd);
	if (d == NULL) {
		int e = errno;
		close(fd);
		errno = e;
	}
	return d;
}

/* Removes name in the folder at: a folder with all it holds, anything
 * else (a symbolic link itself, never what it points at) by unlinkat. The
 * entries are named relative to their folder and told apart by readdir's
 * d_type, so that no path is looked up again from the root and nothing is
 * stat'ed: what a work folder costs to remove after every message. */
static int rmtree_at(int at, const char *name, int is_dir)
{
	DIR *d;
	struct dirent *e;
	int rc = 0;
	if (!is_dir) {
		if (unlinkat(at, name, 0) == 0)
			return 0;
		if (errno == ENOENT)
			return 0;
		if (errno != EISDIR && errno != EPERM)   /* a folder d_type did not name */
			return -1;
	}
	d = opendir_at(at, name);
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (rmtree_at(dirfd(d), e->d_name, e->d_type == DT_DIR) != 0)
			rc = -1;
	}
	closedir(d);
	if (unlinkat(at, name, AT_REMOVEDIR) != 0)
		rc = -1;
	return rc;
}

/* Empties the regular file name in at, keeping its inode, when it has no
 * other name: 1 when done, 0 when it is something else (a link, a
 * folder, a second name of some file), -1 when it cannot be opened.
 * A file no longer than *zero_budget is overwritten with zeros instead of
 * cut (its size comes off the budget): no byte of the item it held stays,
 * and its pages stay for the next writer (util_empty_dir says why). */
static int clear_at(int at, const char *name, uint64_t *zero_budget)
{
	struct stat st;
	int done = 0, f;
	/* one already empty (spool_keep_all empties what it keeps) costs a
	 * stat, not an open; where files are zeroed (*zero_budget) they are
	 * not emptied, and the stat would only come before the open */
	if (*zero_budget == 0 && fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
	    st.st_nlink == 1 && st.st_size == 0)
		return 1;
	/* O_NONBLOCK: a FIFO planted there must not hold packetd */
	f = openat(at, name, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (f < 0)
		return errno == ELOOP || errno == EISDIR || errno == ENXIO ? 0 : -1;
	if (fstat(f, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1) {
		uint64_t size = (uint64_t)st.st_size;
		if (size > 0 && size <= *zero_budget && util_pwrite_zeros(f, 0, size) == 0) {
			*zero_budget -= size;
			done = 1;
		} else if (size == 0 || ftruncate(f, 0) == 0) {
			done = 1;
		}
	}
	close(f);
	return done;
}

/* Readies the folder at name in at for its next item (util_empty_dir):
 * its regular files emptied (clear_at) and kept, its folder keep readied
 * the same way, everything else removed. */
static int empty_at(int at, const char *name, const char *keep, uint64_t *zero_budget)
{
	DIR *d = opendir_at(at, name);
	struct dirent *e;
	int rc = 0;
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (keep && e->d_type == DT_DIR && strcmp(e->d_name, keep) == 0) {
			if (empty_at(dirfd(d), e->d_name, NULL, zero_budget) != 0)
				rc = -1;
			continue;
		}
		if (e->d_type == DT_REG && clear_at(dirfd(d), e->d_name, zero_budget) == 1)
			continue;
		if (rmtree_at(dirfd(d), e->d_name, e->d_type == DT_DIR) != 0)
			rc = -1;
	}
	closedir(d);
	return rc;
}

int util_empty_dir(const char *path, const char *keep, uint64_t zero_bytes)
{
	return empty_at(AT_FDCWD, path, keep, &zero_bytes);
}

int util_clear_file(const char *path)
{
	uint64_t no_zeros = 0;
	int done = clear_at(AT_FDCWD, path, &no_zeros);
	if (done == 1 || (done < 0 && errno == ENOENT))
		return 0;
	return unlink(path) == 0 || errno == ENOENT ? 0 : -1;
}

int util_open_regular(const char *path, int flags, struct stat *st)
{
	int fd = open(path, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC), e;
	if (fd < 0) {
		if (errno == ELOOP || errno == ENXIO || errno == EISDIR)
			errno = EINVAL;
		return -1;
	}
	if (fstat(fd, st) != 0)
		e = errno;
	else if (S_ISREG(st->st_mode))
		return fd;
	else
		e = EINVAL;   /* a FIFO, a device: not a regular file */
	close(fd);
	errno = e;
	return -1;
}

int util_take_file(const char *path, size_t max, char **data, size_t *len)
{
	struct stat st;
	char *b = NULL;
	int rc = -1, e, clear = 1;
	int fd = util_open_regular(path, O_RDWR, &st);
	if (fd < 0) {
		e = errno;
		if (e == EINVAL)
			(void)util_clear_file(path);   /* not a file: removed */
		errno = e;
		return -1;
	}
	if ((uint64_t)st.st_size > max) {
		clear = 0;
		errno = EFBIG;
		goto out;
	}
	b = xrealloc(NULL, (size_t)st.st_size + 1);
	if (util_pread_all(fd, b, (size_t)st.st_size, 0) != 0)
		goto out;
	b[st.st_size] = '\0';
	*data = b;
	*len = (size_t)st.st_size;
	b = NULL;
	rc = 0;
out:
	e = errno;
	/* a second name of some file is removed, never truncated through */
	if (clear && (st.st_nlink != 1 || (st.st_size > 0 && ftruncate(fd, 0) != 0)))
		(void)unlink(path);
	free(b);
	close(fd);
	errno = e;
	return rc;
}

int util_open_rewrite(const char *path, uint64_t *had)
{
	struct stat st;
	/* O_NONBLOCK: a FIFO planted there fails (ENXIO) instead of holding packetd */
	int fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
	*had = 0;
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1) {
		*had = (uint64_t)st.st_size;
		return fd;
	}
	if (fd < 0 && errno != ELOOP && errno != ENXIO && errno != EISDIR)
		return -1;
	/* a second name of some file, or not a file: removed, never written through */
	if (fd >= 0)
		close(fd);
	if (unlink(path) != 0 && errno != ENOENT)
		return -1;
	return open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
}

int util_rewrite_end(int fd, uint64_t had, uint64_t len)
{
	return had > len ? ftruncate(fd, (off_t)len) : 0;
}

int util_rmtree(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	return rmtree_at(AT_FDCWD, path, 1);
}

char *util_path_join(const char *dir, const char *name)
{
	buf b;
	buf_init(&b, 0);
	buf_adds(&b, dir);
	if (b.len && b.data[b.len - 1] != '/')
		buf_adds(&b, "/");
	buf_adds(&b, name);
	return buf_steal(&b);
}

char *util_resolve(const char *base_dir, const char *path)
{
	if (path == NULL)
		return NULL;
	if (path[0] == '/' || base_dir == NULL)
		return xstrdup(path);
	return util_path_join(base_dir, path);
}

void util_base64(buf *out, const void *in, size_t len, size_t line_len)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = in;
	/* quads a line holds: it ends after the quad that reaches line_len */
	const size_t per_line = line_len ? (line_len + 3) / 4 : SIZE_MAX;
	/* the output gathered, one buf_add per chunk; at the top of the loop at
	 * least 8 bytes are free: a quad and a line's end, or the last quad and
	 * the last line's end */
	char chunk[264];
	size_t col = 0, k = 0, i = 0;
	while (len - i >= 3) {
		/* whole quads, as many as fit in the chunk and in the line: no test
		 * of the input's end or the line's inside this loop */
		size_t n = (len - i) / 3, room = (sizeof chunk - 2 - k) / 4;
		if (n > room)
			n = room;
		if (n > per_line - col)
			n = per_line - col;
		for (size_t j = 0; j < n; j++, i += 3, k += 4) {
			uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
			chunk[k] = tab[v >> 18];
			chunk[k + 1] = tab[(v >> 12) & 63];
			chunk[k + 2] = tab[(v >> 6) & 63];
			chunk[k + 3] = tab[v & 63];
		}
		col += n;
		if (col == per_line) {
			chunk[k++] = '\r';
			chunk[k++] = '\n';
			col = 0;
		}
		if (sizeof chunk - k < 8) {
			buf_add(out, chunk, k);
			k = 0;
		}
	}
	if (i < len) {   /* one or two bytes left: the padded last quad */
		uint32_t v = (uint32_t)p[i] << 16 | (len - i > 1 ? (uint32_t)p[i + 1] << 8 : 0);
		chunk[k++] = tab[v >> 18];
		chunk[k++] = tab[(v >> 12) & 63];
		chunk[k++] = len - i > 1 ? tab[(v >> 6) & 63] : '=';
		chunk[k++] = '=';
		col++;
	}
	if (line_len && col > 0) {
		chunk[k++] = '\r';
		chunk[k++] = '\n';
	}
	if (k > 0)
		buf_add(out, chunk, k);
}

static void hex_of(const unsigned char *d, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[2 * n] = '\0';
}

int util_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char d[32];
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, data, len, d) != 0)
		return -1;
	hex_of(d, 32, out);
	return 0;
}

/* The read size of the copies below: a kept document of the usual few
 * hundred KiB in a few calls. */
#define UTIL_COPY_CHUNK (256 * 1024)

/* Hashes at most len bytes read from in, writing them to copy (when >= 0)
 * at its file position, or at offset at when positioned. */
static int sha256_copy(int in, uint64_t len, int copy, int positioned, uint64_t at, char out[65], uint64_t *copied)
{
	gnutls_hash_hd_t h;
	unsigned char d[32];
	char *chunk;
	uint64_t done = 0;
	int rc = -1;
	if (gnutls_hash_init(&h, GNUTLS_DIG_SHA256) != 0)
		return -1;
	chunk = xrealloc(NULL, UTIL_COPY_CHUNK);
	while (done < len) {
		size_t want = len - done < UTIL_COPY_CHUNK ? (size_t)(len - done) : UTIL_COPY_CHUNK;
		ssize_t n = read(in, chunk, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto out;
		if (n == 0)
			break;
		gnutls_hash(h, chunk, (size_t)n);
		if (copy >= 0 && (positioned ? util_pwrite_all(copy, chunk, (size_t)n, at + done)
					     : util_write_all(copy, chunk, (size_t)n)) != 0)
			goto out;
		done += (uint64_t)n;
	}
	*copied = done;
	rc = 0;
out:
	gnutls_hash_deinit(h, d);
	free(chunk);
	if (rc == 0)
		hex_of(d, 32, out);
	return rc;
}

int util_sha256_copy_fd(int in, int copy, char out[65])
{
	uint64_t copied;
	return sha256_copy(in, UINT64_MAX, copy, 0, 0, out, &copied);
}

int util_sha256_copy_at(int in, uint64_t len, int copy, uint64_t at, char out[65], uint64_t *copied)
{
	return sha256_copy(in, len, copy, 1, at, out, copied);
}

int util_sha256_begin(util_sha256 *s)
{
	gnutls_hash_hd_t h;
	s->h = NULL;
	if (gnutls_hash_init(&h, GNUTLS_DIG_SHA256) != 0)
		return -1;
	s->h = h;
	return 0;
}

void util_sha256_add(util_sha256 *s, const void *data, size_t len)
{
	if (s->h != NULL && len > 0)
		gnutls_hash((gnutls_hash_hd_t)s->h, data, len);
}

void util_sha256_end(util_sha256 *s, char out[65])
{
	unsigned char d[32];
	if (s->h == NULL) {
		if (out != NULL)
			out[0] = '\0';
		return;
	}
	gnutls_hash_deinit((gnutls_hash_hd_t)s->h, d);
	s->h = NULL;
	if (out != NULL)
		hex_of(d, 32, out);
}

int util_sha256_file_hex(const char *path, char out[65])
{
	struct stat st;
	int fd = util_open_regular(path, O_RDONLY, &st), rc, e;
	if (fd < 0)
		return -1;
	rc = util_sha256_copy_fd(fd, -1, out);
	e = errno;
	close(fd);
	errno = e;
	return rc;
}

int util_utf8_valid(const char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		uint64_t w;
		uint32_t cp;
		size_t n;
		/* ASCII, most of any text, eight bytes at a time */
		while (len - i >= 8) {
			memcpy(&w, s + i, 8);
			if (w & 0x8080808080808080ull)
				break;
			i += 8;
		}
		if (i == len)
			break;
		if ((unsigned char)s[i] < 0x80) {
			i++;
			continue;
		}
		n = util_utf8_next(s + i, len - i, &cp);
		if (n == 0)
			return 0;
		i += n;
	}
	return 1;
}
