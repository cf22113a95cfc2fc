/* spool_pack.c — kept documents appended to packs (spool.h).
 *
 * A document is kept once, named by where its bytes are:
 * "<spool>/packs/000001.pack@OFFSET+LENGTH". One file per document cost
 * an inode, a folder entry and a rename each (ten a message), and on ext4
 * without a journal every new inode steps over the inodes freed in the
 * last minutes of its block group: after any mass delete on the same file
 * system the keeping took a third of the run. A pack takes a document with
 * one write at its end. A copy whose group never committed leaves bytes
 * nobody names at a pack's end; they are never read, and the next
 * document goes after them. */
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

#define SPOOL_COPY_CHUNK (256 * 1024)

/* The pack number of a folder entry "NNNNNN.pack", or 0. */
static unsigned pack_number(const char *name)
{
	unsigned n = 0;
	size_t i;
	for (i = 0; i < 6; i++) {
		if (name[i] < '0' || name[i] > '9')
			return 0;
		n = n * 10 + (unsigned)(name[i] - '0');
	}
	return strcmp(name + i, ".pack") == 0 ? n : 0;
}

/* dir/NNNNNN.pack (caller frees). */
static char *pack_path(const char *dir, unsigned num)
{
	buf b;
	buf_init(&b, 0);
	buf_printf(&b, "%s/%06u.pack", dir, num);
	return buf_steal(&b);
}

/* Opens pack k->num for appending, made when missing (its folder entry
 * left for spool_pack_sync). */
static int pack_open_num(spool_pack *k)
{
	char *path = pack_path(k->dir, k->num);
	struct stat st;
	int made = 0, rc = -1;
	k->fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (k->fd < 0 && errno == ENOENT) {
		k->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0640);
		made = k->fd >= 0;
	}
	if (k->fd < 0 || fstat(k->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		log_error("spool: cannot open %s: %s", path, k->fd < 0 ? strerror(errno) : "not a file");
		goto out;
	}
	k->end = (uint64_t)st.st_size;
	if (made)
		k->unsynced = 1;
	rc = 0;
out:
	if (rc != 0 && k->fd >= 0) {
		close(k->fd);
		k->fd = -1;
	}
	free(path);
	return rc;
}

/* Opens the newest pack of spool/packs (the folder made when missing). */
static int pack_open(spool_pack *k, const char *spool)
{
	DIR *d;
	struct dirent *e;
	k->dir = util_path_join(spool, "packs");
	k->fd = -1;
	k->num = 1;
	/* unsynced stays: a pack closed after a failure and opened again in
	 * the same group may have made entries still to be synced */
	if (mkdir(k->dir, 0750) == 0)
		k->unsynced = 1;
	else if (errno != EEXIST)
		goto fail;
	d = opendir(k->dir);
	if (d == NULL)
		goto fail;
	while ((e = readdir(d)) != NULL) {
		unsigned n = pack_number(e->d_name);
		if (n > k->num)
			k->num = n;
	}
	closedir(d);
	if (pack_open_num(k) == 0)
		return 0;
	free(k->dir);
	k->dir = NULL;
	return -1;
fail:
	log_error("spool: cannot open %s: %s", k->dir, strerror(errno));
	free(k->dir);
	k->dir = NULL;
	return -1;
}

void spool_pack_close(spool_pack *k)
{
	if (k->dir == NULL)
		return;
	if (k->fd >= 0)
		close(k->fd);
	free(k->dir);
	k->dir = NULL;
	k->fd = -1;
}

/* Appends the bytes of src to the pack, hashed on the way: they must be
 * sha256. *stored receives the document's name (caller frees). */
static int pack_append(spool_pack *k, const char *src, const char *sha256, int empty_src,
		       char **stored)
{
	struct stat st;
	/* a source that cannot be written is copied all the same, and left as it is */
	int in = empty_src ? util_open_regular(src, O_RDWR, &st) : -1, rc = -1, e;
	char got[65];
	uint64_t copied = 0;
	buf b;
	if (in < 0 && (!empty_src || errno != EINVAL)) {
		empty_src = 0;
		in = util_open_regular(src, O_RDONLY, &st);
	}
	if (in < 0)
		goto out;
	/* a pack grows to SPOOL_PACK_MAX, then the next one begins */
	if (k->end > 0 && k->end + (uint64_t)st.st_size > SPOOL_PACK_MAX) {
		close(k->fd);
		k->fd = -1;
		k->num++;
		if (pack_open_num(k) != 0)
			goto out;
	}
	/* the size read beforehand bounds the copy: bytes added to the file
	 * since, or taken from it, make a hash that is not sha256 */
	if (util_sha256_copy_at(in, (uint64_t)st.st_size, k->fd, k->end, got, &copied) != 0)
		goto out;
	if (copied != (uint64_t)st.st_size || strcmp(got, sha256) != 0) {
		log_error("spool: %s changed after it was read (not %.12s…): not kept", src, sha256);
		errno = EILSEQ;
		goto out;
	}
	buf_init(&b, 0);
	buf_printf(&b, "%s/%06u.pack@%" PRIu64 "+%" PRIu64, k->dir, k->num, k->end, copied);
	*stored = buf_steal(&b);
	k->end += copied;
	if (k->dirty_first == 0 || k->num < k->dirty_first)
		k->dirty_first = k->num;
	if (k->num > k->dirty_last)
		k->dirty_last = k->num;
	/* a second name of some other file is never truncated through: the
	 * work folder's own clearing removes that name */
	if (empty_src && st.st_nlink == 1 && copied > 0)
		(void)ftruncate(in, 0);
	rc = 0;
out:
	e = errno;
	if (in >= 0)
		close(in);
	errno = e;
	return rc;
}

/* Whether a name the ledger gives still holds bytes: a pack's range is
 * trusted (written before its commit, never rewritten), an earlier
 * release's file of its own must still be there (one an operator removed
 * is kept again, in a pack). */
static int kept_there(const char *stored)
{
	char *file = spool_kept_file(stored);
	struct stat st;
	int there = strcmp(file, stored) != 0 || (lstat(file, &st) == 0 && S_ISREG(st.st_mode));
	free(file);
	return there;
}

int spool_keep_all(spool_pack *k, const char *spool, size_t n, const char *const *src, const char *const *sha256,
		   const char *const *known, char **stored, unsigned flags)
{
	int appended = 0;
	unsigned from_num = 0;
	uint64_t from = 0;
	for (size_t i = 0; i < n; i++) {
		if (src[i] == NULL)
			continue;
		if (known != NULL && known[i] != NULL && kept_there(known[i])) {
			stored[i] = xstrdup(known[i]);
			continue;
		}
		/* the same bytes twice in one packet: one copy */
		for (size_t j = 0; j < i && stored[i] == NULL; j++)
			if (stored[j] != NULL && strcmp(sha256[j], sha256[i]) == 0)
				stored[i] = xstrdup(stored[j]);
		if (stored[i] != NULL)
			continue;
		if (k->dir == NULL && pack_open(k, spool) != 0)
			return -1;
		if (!appended) {
			from_num = k->num;
			from = k->end;
		}
		if (pack_append(k, src[i], sha256[i], (flags & SPOOL_EMPTY_SOURCES) != 0, &stored[i]) != 0) {
			if (errno != EILSEQ)   /* pack_append said why */
				log_error("spool: cannot keep %s: %s", src[i], strerror(errno));
			/* what was written stays unnamed; the next document goes after it */
			spool_pack_close(k);
			return -1;
		}
		appended = 1;
	}
	/* on disk now, with whatever an earlier group whose sync failed left */
	if (appended && !(flags & SPOOL_SYNC_LATER))
		return spool_pack_sync(k, spool);
	/* The group's sync waits only for what is still unwritten: the write
	 * of this packet's documents begins now, while the next packets are
	 * read (a pack begun in mid-call is left to that sync). */
	if (appended && k->num == from_num && k->fd >= 0)
		(void)sync_file_range(k->fd, (off_t)from, (off_t)(k->end - from), SYNC_FILE_RANGE_WRITE);
	return 0;
}

/* Splits a kept document's name: *path (caller frees) and, for a pack,
 * the range; a plain file (kept by an earlier release) has packed 0. */
static int kept_parse(const char *stored, char **path, uint64_t *off, uint64_t *len, int *packed)
{
	const char *at = strrchr(stored, '@'), *plus;
	char *end;
	*packed = 0;
	*off = *len = 0;
	if (at != NULL && at[1] >= '0' && at[1] <= '9' && (plus = strchr(at, '+')) != NULL && plus[1] >= '0' &&
	    plus[1] <= '9') {
		unsigned long long o, l;
		errno = 0;
		o = strtoull(at + 1, &end, 10);
		if (end != plus || errno != 0)
			goto plain;
		l = strtoull(plus + 1, &end, 10);
		if (*end != '\0' || errno != 0 || o > INT64_MAX || l > INT64_MAX - o)
			goto plain;
		*path = xstrndup(stored, (size_t)(at - stored));
		*off = o;
		*len = l;
		*packed = 1;
		return 0;
	}
plain:
	*path = xstrdup(stored);
	return 0;
}

char *spool_kept_file(const char *stored)
{
	char *path;
	uint64_t off, len;
	int packed;
	kept_parse(stored, &path, &off, &len, &packed);
	return path;
}

int spool_kept_open(const char *stored, int *fd, uint64_t *off, uint64_t *len)
{
	char *path;
	struct stat st;
	int packed, f, e;
	kept_parse(stored, &path, off, len, &packed);
	f = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	e = errno;
	free(path);
	if (f < 0) {
		errno = e;
		return -1;
	}
	if (fstat(f, &st) != 0 || !S_ISREG(st.st_mode) || (packed && *off + *len > (uint64_t)st.st_size)) {
		close(f);
		errno = EIO;   /* not a file, or a pack shorter than the ledger says */
		return -1;
	}
	if (!packed)
		*len = (uint64_t)st.st_size;
	*fd = f;
	return 0;
}

int spool_kept_read(const char *stored, size_t max, char **data, size_t *len)
{
	uint64_t off, n;
	int fd, rc = -1, e;
	char *b = NULL;
	if (spool_kept_open(stored, &fd, &off, &n) != 0)
		return -1;
	if (n > max) {
		errno = EFBIG;
		goto out;
	}
	b = xrealloc(NULL, (size_t)n + 1);
	if (util_pread_all(fd, b, (size_t)n, off) != 0)
		goto out;
	b[n] = '\0';
	*data = b;
	*len = (size_t)n;
	b = NULL;
	rc = 0;
out:
	e = errno;
	free(b);
	close(fd);
	errno = e;
	return rc;
}

int spool_kept_copy(const char *stored, const char *dest)
{
	uint64_t off, n;
	int in, out = -1, rc = -1, e;
	char *chunk = NULL;
	if (spool_kept_open(stored, &in, &off, &n) != 0)
		return -1;
	out = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (out < 0)
		goto done;
	/* read and written, not copy_file_range(2): dest is in the scratch
	 * folder, which may be another file system (EXDEV) */
	chunk = xrealloc(NULL, SPOOL_COPY_CHUNK);
	while (n > 0) {
		size_t step = n < SPOOL_COPY_CHUNK ? (size_t)n : SPOOL_COPY_CHUNK;
		if (util_pread_all(in, chunk, step, off) != 0 || util_write_all(out, chunk, step) != 0)
			goto done;
		off += step;
		n -= step;
	}
	rc = 0;
done:
	e = errno;
	if (out >= 0 && close(out) != 0 && rc == 0) {
		e = errno;
		rc = -1;
	}
	close(in);
	free(chunk);
	if (rc != 0 && out >= 0)
		unlink(dest);
	errno = e;
	return rc;
}

int spool_kept_discard(const char *stored)
{
	char *path;
	uint64_t off, len;
	int packed, fd, rc = -1, e;
	kept_parse(stored, &path, &off, &len, &packed);
	if (!packed) {
		rc = unlink(path) == 0 || errno == ENOENT ? 0 : -1;
		goto out;
	}
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		rc = errno == ENOENT ? 0 : -1;
		goto out;
	}
	/* the bytes go, the offsets of the documents after them stay */
	rc = len == 0 || fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off, (off_t)len) == 0 ? 0 : -1;
	if (rc != 0 && (errno == EOPNOTSUPP || errno == ENOSYS))
		rc = util_pwrite_zeros(fd, off, len);   /* a file system without holes: zeros over them */
	if (rc == 0 && fdatasync(fd) != 0)
		rc = -1;
	e = errno;
	close(fd);
	errno = e;
out:
	e = errno;
	free(path);
	errno = e;
	return rc;
}

int spool_pack_sync(spool_pack *k, const char *spool)
{
	char *dir = util_path_join(spool, "packs"), *parent = NULL;
	int rc = 0;
	for (unsigned num = k->dirty_first; num != 0 && num <= k->dirty_last && rc == 0; num++) {
		char *path;
		int fd;
		if (k->dir != NULL && num == k->num) {
			rc = fdatasync(k->fd);
			continue;
		}
		/* closed since (a failure, or the next pack begun): synced
		 * through a descriptor of its own, as fsync(2) allows */
		path = pack_path(dir, num);
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		rc = fd >= 0 && fdatasync(fd) == 0 ? 0 : -1;
		if (fd >= 0)
			close(fd);
		free(path);
	}
	if (rc == 0 && k->unsynced) {
		parent = util_dirname(dir);
		rc = util_fsync_dir(dir) == 0 && util_fsync_dir(parent) == 0 ? 0 : -1;
	}
	if (rc == 0) {
		k->dirty_first = k->dirty_last = 0;
		k->unsynced = 0;
	} else {
		log_error("spool: %s: sync: %s", dir, strerror(errno));
	}
	free(dir);
	free(parent);
	return rc;
}
