/* spool.c — folders, the run lock, and durable keeping of documents. */
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

/* files/00 … files/ff, so that keeping a document needs no mkdir; the
 * new ones' entries on disk before any document refers to them. */
static int spool_fan_out(const char *spool)
{
	char *files = util_path_join(spool, "files"), *dir = NULL;
	int made = 0, rc = -1;
	for (int i = 0; i < 256; i++) {
		char sub[3];
		snprintf(sub, sizeof sub, "%02x", i);
		dir = util_path_join(files, sub);
		if (mkdir(dir, 0750) == 0)
			made = 1;
		else if (errno != EEXIST) {
			log_error("spool: cannot create %s: %s", dir, strerror(errno));
			goto out;
		}
		free(dir);
		dir = NULL;
	}
	rc = made ? util_fsync_dir(files) : 0;
out:
	free(dir);
	free(files);
	return rc;
}

int spool_init(const char *spool, const char *scratch)
{
	static const char *const subs[] = {"work", "files", "quarantine"};
	for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
		char *d = util_path_join(i == 0 ? scratch : spool, subs[i]);
		int rc = util_mkdirs(d, 0750);
		if (rc != 0)
			log_error("spool: cannot create %s: %s", d, strerror(errno));
		free(d);
		if (rc != 0)
			return -1;
	}
	return spool_fan_out(spool);
}

int spool_lock(const char *spool, int *fd)
{
	char *path = util_path_join(spool, "lock");
	int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	free(path);
	if (f < 0)
		return -1;
	if (flock(f, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;
		close(f);
		errno = e;
		return -1;
	}
	*fd = f;
	return 0;
}

char *spool_workdir(const char *scratch)
{
	buf b;
	buf_init(&b, 0);
	buf_printf(&b, "%s/work/item.XXXXXX", scratch);
	if (mkdtemp(b.data) == NULL) {
		log_error("spool: cannot create a work folder under %s: %s", scratch, strerror(errno));
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

void spool_workdirs_init(spool_workdirs *w, const char *scratch)
{
	memset(w, 0, sizeof *w);
	w->scratch = xstrdup(scratch);
}

char *spool_workdir_take(spool_workdirs *w)
{
	if (w->n > 0)
		return w->kept[--w->n];
	return spool_workdir(w->scratch);
}

void spool_workdir_give(spool_workdirs *w, char *dir, const char *keep)
{
	if (dir == NULL)
		return;
	if (w->n < SPOOL_WORK_KEPT && util_empty_dir(dir, keep) == 0) {
		w->kept[w->n++] = dir;
		return;
	}
	util_rmtree(dir);
	free(dir);
}

void spool_workdirs_free(spool_workdirs *w)
{
	while (w->n > 0) {
		char *dir = w->kept[--w->n];
		util_rmtree(dir);
		free(dir);
	}
	free(w->scratch);
	w->scratch = NULL;
}

void spool_clean_work(const char *scratch)
{
	char *work = util_path_join(scratch, "work");
	DIR *d = opendir(work);
	struct dirent *e;
	if (d != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (strncmp(e->d_name, "item.", 5) != 0)
				continue;
			char *p = util_path_join(work, e->d_name);
			util_rmtree(p);
			free(p);
		}
		closedir(d);
	}
	free(work);
}

/* Copies src to dest, a fresh inode the sandbox never had, with the bytes
 * sha256 names (util_copy_atomic); says so when they changed after the
 * reader hashed them. 0, or -1 with errno (EILSEQ: the bytes changed). */
static int keep_copy(const char *src, const char *dest, const char *sha256, enum util_sync sync)
{
	int rc = util_copy_atomic(src, dest, 0640, sha256, sync);
	if (rc != 0 && errno == EILSEQ) {
		log_error("spool: %s changed after it was read (not %.12s…): not kept", src, sha256);
		errno = EILSEQ;   /* the caller tells this failure from others */
	}
	return rc;
}

/* Keeps src as sub/[aa/]sha256, durably before the caller's commit refers
 * to it (OpenSMTPD's queue_fs order): the bytes on disk, then the name
 * (a copy hashed on the way, as spool_keep_all's: never a link to a file
 * in the work folder, which the sandbox can reach), then the folder, and
 * the folder's own entry when it is new. An existing copy is kept: the
 * name is the content's hash. */
static int keep_in(const char *spool, const char *sub, const char *src, const char *sha256, int fan,
		   char **stored)
{
	buf b;
	struct stat st;
	char *dir = NULL, *parent = NULL;
	int rc = -1, fresh;
	buf_init(&b, 0);
	if (fan)
		buf_printf(&b, "%s/%s/%.2s", spool, sub, sha256);
	else
		buf_printf(&b, "%s/%s", spool, sub);
	dir = xstrdup(b.data);
	fresh = lstat(dir, &st) != 0;
	if (util_mkdirs(dir, 0750) != 0)
		goto out;
	if (fresh) {
		parent = util_dirname(dir);
		if (util_fsync_dir(parent) != 0)
			goto out;
	}
	buf_printf(&b, "/%s", sha256);
	if (lstat(b.data, &st) != 0 && keep_copy(src, b.data, sha256, UTIL_SYNC_ALL) != 0)
		goto out;
	rc = 0;
	if (stored)
		*stored = buf_steal(&b);
out:
	if (rc != 0)
		log_error("spool: cannot keep %s: %s", src, strerror(errno));
	buf_free(&b);
	free(dir);
	free(parent);
	return rc;
}

int spool_keep(const char *spool, const char *src, const char *sha256, char **stored)
{
	return keep_in(spool, "files", src, sha256, 1, stored);
}

/* Folder of a kept file: files/<aa> (owned by the caller). */
static char *keep_dir(const char *spool, const char *sha256)
{
	buf b;
	buf_init(&b, 0);
	buf_printf(&b, "%s/files/%.2s", spool, sha256);
	return buf_steal(&b);
}

/* Adds s to l unless it is there. 0, or -1 when l is full. */
static int add_once(strlist *l, const char *s)
{
	return strlist_contains(l, s) ? 0 : strlist_add(l, s);
}

/* Whether one of the first i files to keep has the bytes of the ith: the
 * one copy will do for both. */
static int seen_before(const char *const *sha256, const unsigned char *to_keep, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (to_keep[j] && strcmp(sha256[j], sha256[i]) == 0)
			return 1;
	return 0;
}

/* Makes dir, a fan-out folder under an existing parent (one mkdir call
 * when the parent exists): 1 when it was made now (its parent's entry then
 * needs a sync), 0 when it was there, -1 on failure. */
static int keep_mkdir(const char *dir)
{
	if (mkdir(dir, 0750) == 0)
		return 1;
	if (errno == EEXIST)
		return 0;
	return errno == ENOENT && util_mkdirs(dir, 0750) == 0 ? 1 : -1;
}

/* Whether path is a plain file holding the bytes sha256 names. A name
 * without them is a copy whose group never committed: renamed into place
 * before the group's sync, then a power cut (not a kill: the page cache
 * survives that) left the name without its bytes. */
static int kept_whole(const char *path, const char *sha256)
{
	struct stat st;
	char got[65];
	return lstat(path, &st) == 0 && S_ISREG(st.st_mode) && util_sha256_file_hex(path, got) == 0 &&
	       strcmp(got, sha256) == 0;
}

int spool_keep_all(const char *spool, size_t n, const char *const *src, const char *const *sha256, char **stored,
		   int sync_later)
{
	unsigned char *to_keep = xcalloc(n + 1, 1);
	/* each folder is synced once after its files (step 3), or the caller's
	 * spool_sync does it all */
	enum util_sync sync = sync_later ? UTIL_SYNC_NONE : UTIL_SYNC_FILE;
	strlist dirs = {0};
	int rc = -1;
	/* 1: what is already kept, whole, stays; anything else at its name is
	 * replaced by the copy */
	for (size_t i = 0; i < n; i++) {
		char *dir;
		if (src[i] == NULL)
			continue;
		dir = keep_dir(spool, sha256[i]);
		stored[i] = util_path_join(dir, sha256[i]);
		free(dir);
		if (seen_before(sha256, to_keep, i) || kept_whole(stored[i], sha256[i]))
			continue;
		to_keep[i] = 1;
	}
	/* 2: the copies, each on disk before its name (or all at once by the
	 * caller's spool_sync) */
	for (size_t i = 0; i < n; i++) {
		char *dir, *parent = NULL;
		int copied, bad = 0;
		if (!to_keep[i] || src[i] == NULL)   /* to_keep implies a source: said for the analyzer */
			continue;
		dir = keep_dir(spool, sha256[i]);
		/* spool_init made the fan-out folders: one is made here only
		 * when it has gone since */
		copied = keep_copy(src[i], stored[i], sha256[i], sync) == 0;
		if (!copied && errno == ENOENT) {
			int fresh = keep_mkdir(dir);
			parent = fresh == 1 ? util_dirname(dir) : NULL;
			bad = fresh < 0 || (parent != NULL && add_once(&dirs, parent) != 0);
			copied = !bad && keep_copy(src[i], stored[i], sha256[i], sync) == 0;
		}
		if (copied)
			bad = add_once(&dirs, dir) != 0;
		else
			bad = 1;
		free(parent);
		free(dir);
		if (bad) {
			if (errno != EILSEQ)   /* keep_copy said why */
				log_error("spool: cannot keep %s: %s", src[i], strerror(errno));
			goto out;
		}
	}
	/* 3: each folder once, after all its new entries */
	for (size_t i = 0; i < dirs.n && !sync_later; i++)
		if (util_fsync_dir(dirs.items[i]) != 0) {
			log_error("spool: %s: fsync: %s", dirs.items[i], strerror(errno));
			goto out;
		}
	rc = 0;
out:
	strlist_free(&dirs);
	free(to_keep);
	return rc;
}

int spool_sync(const char *spool)
{
	int fd = open(spool, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = -1;
	if (fd < 0 || syncfs(fd) != 0)
		log_error("spool: %s: syncfs: %s", spool, strerror(errno));
	else
		rc = 0;
	if (fd >= 0)
		close(fd);
	return rc;
}

int spool_quarantine(const char *spool, const char *src, const char *sha256)
{
	return keep_in(spool, "quarantine", src, sha256, 0, NULL);
}
