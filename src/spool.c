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

int spool_init(const char *spool)
{
	static const char *const subs[] = {"work", "files", "quarantine"};
	for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
		char *d = util_path_join(spool, subs[i]);
		int rc = util_mkdirs(d, 0750);
		if (rc != 0)
			log_error("spool: cannot create %s: %s", d, strerror(errno));
		free(d);
		if (rc != 0)
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

char *spool_workdir(const char *spool)
{
	buf b;
	buf_init(&b, 0);
	buf_printf(&b, "%s/work/item.XXXXXX", spool);
	if (mkdtemp(b.data) == NULL) {
		log_error("spool: cannot create a work folder under %s: %s", spool, strerror(errno));
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

void spool_clean_work(const char *spool)
{
	char *work = util_path_join(spool, "work");
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

/* Keeps src as sub/[aa/]sha256, durably before the caller's commit refers
 * to it (OpenSMTPD's queue_fs order): the bytes on disk, then the name
 * (a hard link, or an atomic copy when the spool spans file systems), then
 * the folder, and the folder's own entry when it is new. An existing copy
 * is kept: the name is the content's hash. */
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
	if (lstat(b.data, &st) != 0) {
		if (util_fsync_file(src) != 0)
			goto out;
		if (link(src, b.data) == 0) {
			if (util_fsync_dir(dir) != 0)
				goto out;
		} else if (util_copy_atomic(src, b.data, 0640) != 0) {
			goto out;
		}
	}
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

int spool_quarantine(const char *spool, const char *src, const char *sha256)
{
	return keep_in(spool, "quarantine", src, sha256, 0, NULL);
}
