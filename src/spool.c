/* spool.c — folders, the run lock, and durable keeping of documents. */
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

int spool_init(const char *spool, const char *scratch)
{
	static const char *const subs[] = {"work", "packs", "quarantine"};
	for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
		char *d = util_path_join(i == 0 ? scratch : spool, subs[i]);
		int rc = util_mkdirs(d, 0750);
		if (rc != 0)
			log_error("spool: cannot create %s: %s", d, strerror(errno));
		free(d);
		if (rc != 0)
			return -1;
	}
	/* packs/ and quarantine/ on disk before anything kept in them is */
	if (util_fsync_dir(spool) != 0) {
		log_error("spool: %s: fsync: %s", spool, strerror(errno));
		return -1;
	}
	return 0;
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
	char *work = util_path_join(scratch, "work");
	struct statfs fs;
	memset(w, 0, sizeof *w);
	w->scratch = xstrdup(scratch);
	if (statfs(work, &fs) == 0 && (fs.f_type == TMPFS_MAGIC || fs.f_type == RAMFS_MAGIC))
		w->zero_bytes = SPOOL_WORK_KEEP_PAGES;
	free(work);
}

int spool_workdirs_in_memory(const spool_workdirs *w)
{
	return w->zero_bytes > 0;
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
	if (w->n < SPOOL_WORK_KEPT && util_empty_dir(dir, keep, w->zero_bytes) == 0) {
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

/* Keeps src as sub/sha256, durably before the caller's commit refers
 * to it (OpenSMTPD's queue_fs order): the bytes on disk, then the name
 * (a copy hashed on the way, as spool_keep_all's: never a link to a file
 * in the work folder, which the sandbox can reach), then the folder, and
 * the folder's own entry when it is new. An existing copy is kept: the
 * name is the content's hash. Kept documents go to packs (spool_pack.c). */
static int keep_in(const char *spool, const char *sub, const char *src, const char *sha256)
{
	buf b;
	struct stat st;
	char *dir = NULL, *parent = NULL;
	int rc = -1, fresh;
	buf_init(&b, 0);
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
out:
	if (rc != 0)
		log_error("spool: cannot keep %s: %s", src, strerror(errno));
	buf_free(&b);
	free(dir);
	free(parent);
	return rc;
}

int spool_quarantine(const char *spool, const char *src, const char *sha256)
{
	return keep_in(spool, "quarantine", src, sha256);
}
