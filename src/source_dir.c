/* source_dir.c — provincial batches from a local drop folder (the embedded
 * default's spool/drop; the same rules as an SFTP drop). A file is taken
 * only once it has stopped changing: not named *.part / *.tmp / .*, and its
 * mtime at least settle_seconds old. After commit it is renamed into the
 * processed (or rejected) folder under a unique name, and receipts are
 * written into the receipts folder crash-safely. */
#include "source.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fault.h"
#include "log.h"
#include "util.h"

static int item_cmp(const void *a, const void *b)
{
	const source_item *x = a, *y = b;
	return strcmp(x->ref, y->ref);
}

static int still_uploading(const char *name)
{
	return name[0] == '.' || util_ends_with_nocase(name, ".part") ||
	       util_ends_with_nocase(name, ".tmp") || util_ends_with_nocase(name, ".filepart");
}

static int dir_list(source *s, source_item **items, size_t *n)
{
	DIR *d = opendir(s->conf->path);
	struct dirent *e;
	size_t alloc = 0;
	time_t now = time(NULL);   /* file mtimes are real time, not PACKETD_NOW */
	*items = NULL;
	*n = 0;
	if (d == NULL) {
		if (errno == ENOENT)
			return 0;
		log_warn("drop %s: %s", s->conf->path, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		struct stat st;
		char *path;
		if (still_uploading(e->d_name))
			continue;
		path = util_path_join(s->conf->path, e->d_name);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
		    now - st.st_mtime < s->conf->settle_seconds) {
			if (S_ISREG(st.st_mode))
				log_info("drop %s: %s is still changing; next cycle", s->conf->name, e->d_name);
			free(path);
			continue;
		}
		if (*n == alloc) {
			alloc = alloc ? alloc * 2 : 8;
			*items = xrealloc(*items, alloc * sizeof **items);
		}
		(*items)[*n] = (source_item){.ref = xstrdup(e->d_name), .path = path,
					     .name = xstrdup(e->d_name), .is_batch = 1};
		(*n)++;
	}
	closedir(d);
	if (*n > 1)
		qsort(*items, *n, sizeof **items, item_cmp);
	return 0;
}

static int dir_fetch(source *s, source_item *it)
{
	(void)s;
	(void)it;
	return 0;
}

static int dir_done(source *s, const source_item *it, int rejected)
{
	const char *target = rejected && s->conf->rejected ? s->conf->rejected : s->conf->processed;
	char *dest = NULL;
	int rc = -1;
	struct stat st;
	if (target == NULL) {
		log_warn("drop %s: no processed folder configured; %s stays", s->conf->name, it->ref);
		return 0;
	}
	if (util_mkdirs(target, 0750) != 0)
		goto out;
	dest = util_path_join(target, it->ref);
	/* A unique name: a society may upload a batch of the same name again. */
	for (int i = 1; lstat(dest, &st) == 0 && i < 10000; i++) {
		buf b;
		buf_init(&b, 0);
		buf_printf(&b, "%s/%s.%d", target, it->ref, i);
		free(dest);
		dest = buf_steal(&b);
	}
	fault_point("move");
	if (rename(it->path, dest) != 0) {
		if (errno == ENOENT) {
			rc = 0;
			goto out;
		}
		log_warn("drop %s: cannot move %s: %s", s->conf->name, it->ref, strerror(errno));
		goto out;
	}
	/* Moved; should the move be lost in a crash, the store recognises the item. */
	if (util_fsync_dir(target) != 0)
		log_warn("drop %s: %s: fsync: %s", s->conf->name, target, strerror(errno));
	rc = 0;
out:
	free(dest);
	return rc;
}

static int dir_put_receipt(source *s, const char *name, const void *data, size_t len)
{
	char *path;
	int rc;
	if (s->conf->receipts == NULL)
		return 0;
	if (util_mkdirs(s->conf->receipts, 0750) != 0)
		return -1;
	path = util_path_join(s->conf->receipts, name);
	rc = util_write_atomic(path, data, len);
	if (rc != 0)
		log_warn("drop %s: cannot write receipt %s: %s", s->conf->name, path, strerror(errno));
	free(path);
	return rc;
}

const source_ops source_dir_ops = {
	.kind = "dir",
	.list = dir_list,
	.fetch = dir_fetch,
	.done = dir_done,
	.put_receipt = dir_put_receipt,
	.close = NULL,
};
