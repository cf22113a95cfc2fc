/* source_maildir.c — applicants' mail from a local Maildir (the embedded
 * default's mailboxes/inbox). A message is taken from new/ or cur/ and, once
 * the pipeline has committed it, renamed into the processed or rejected
 * Maildir's cur/ — a rename within one file system, so it is atomic. */
#include "source.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fault.h"
#include "log.h"
#include "util.h"

static int name_cmp(const void *a, const void *b)
{
	const source_item *x = a, *y = b;
	return strcmp(x->ref, y->ref);
}

static int list_sub(const char *root, const char *sub, source_item **items, size_t *n, size_t *alloc)
{
	char *dir = util_path_join(root, sub);
	DIR *d = opendir(dir);
	struct dirent *e;
	if (d == NULL) {
		int rc = errno == ENOENT ? 0 : -1;
		if (rc)
			log_warn("maildir %s: %s", dir, strerror(errno));
		free(dir);
		return rc;
	}
	while ((e = readdir(d)) != NULL) {
		struct stat st;
		char *path;
		if (e->d_name[0] == '.')
			continue;
		path = util_path_join(dir, e->d_name);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
			free(path);
			continue;
		}
		if (*n == *alloc) {
			*alloc = *alloc ? *alloc * 2 : 16;
			*items = xrealloc(*items, *alloc * sizeof **items);
		}
		buf ref;
		buf_init(&ref, 0);
		buf_printf(&ref, "%s/%s", sub, e->d_name);
		(*items)[*n] = (source_item){.ref = buf_steal(&ref), .path = path, .name = xstrdup(e->d_name)};
		(*n)++;
	}
	closedir(d);
	free(dir);
	return 0;
}

static int maildir_list(source *s, source_item **items, size_t *n)
{
	size_t alloc = 0;
	*items = NULL;
	*n = 0;
	if (list_sub(s->conf->path, "new", items, n, &alloc) != 0 ||
	    list_sub(s->conf->path, "cur", items, n, &alloc) != 0) {
		source_items_free(*items, *n);
		*items = NULL;
		*n = 0;
		return -1;
	}
	if (*n > 1)
		qsort(*items, *n, sizeof **items, name_cmp);
	return 0;
}

static int maildir_fetch(source *s, source_item *it)
{
	(void)s;
	(void)it;   /* already a complete local file: Maildir delivery is atomic */
	return 0;
}

static int maildir_done(source *s, const source_item *it, int rejected)
{
	const char *target = rejected && s->conf->rejected ? s->conf->rejected : s->conf->processed;
	char *cur, *dest = NULL;
	const char *base;
	int rc = -1;
	if (target == NULL)   /* no place configured: leave the message, the store remembers it */
		return 0;
	cur = util_path_join(target, "cur");
	if (util_mkdirs(cur, 0700) != 0) {
		log_warn("maildir %s: %s", cur, strerror(errno));
		goto out;
	}
	for (const char *sub = "tmp"; sub; sub = strcmp(sub, "tmp") == 0 ? "new" : NULL) {
		char *d = util_path_join(target, sub);
		if (util_mkdirs(d, 0700) != 0)
			log_warn("maildir %s: %s", d, strerror(errno));
		free(d);
	}
	base = strrchr(it->ref, '/');
	base = base ? base + 1 : it->ref;
	dest = util_path_join(cur, base);
	fault_point("move");
	if (rename(it->path, dest) != 0) {
		if (errno == ENOENT) {   /* already moved by an earlier, interrupted run */
			rc = 0;
			goto out;
		}
		log_warn("maildir: cannot move %s to %s: %s", it->path, dest, strerror(errno));
		goto out;
	}
	/* Moved; should the move be lost in a crash, the store recognises the item. */
	if (util_fsync_dir(cur) != 0)
		log_warn("maildir %s: fsync: %s", cur, strerror(errno));
	rc = 0;
out:
	free(cur);
	free(dest);
	return rc;
}

const source_ops source_maildir_ops = {
	.kind = "maildir",
	.list = maildir_list,
	.fetch = maildir_fetch,
	.done = maildir_done,
	.put_receipt = NULL,
	.close = NULL,
};
