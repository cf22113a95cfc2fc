/* transport_maildir.c — the embedded default's delivery: each notice becomes
 * one file in the [outbox] maildir (tmp/ then rename into new/, as Maildir
 * prescribes). The file is named after the stable Message-ID, so delivering
 * the same outbox row twice (a crash between the rename and the row's
 * update) leaves one message, not two. */
#include "transport.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fault.h"
#include "log.h"
#include "util.h"

/* Messages written to tmp/ while staging, renamed into new/ by the sync. */
typedef struct maildir_staged {
	strlist tmp, dest;     /* the same index in both */
	char *root, *newdir;   /* owned */
} maildir_staged;

/* Writes tmp/NAME itself (tmp/ is Maildir's staging folder: a file left
 * there by a crash is replaced by the next attempt under the same name).
 * durable 0: no fsync (the sync of a staged page makes it durable). */
static int maildir_write(const char *path, const char *data, size_t len, int durable)
{
	int fd, rc = -1;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST && unlink(path) == 0)
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (util_write_all(fd, data, len) != 0 || (durable && fsync(fd) != 0))
		goto out;
	/* staged: its write begins now, while the page's next messages are
	 * made, so that the page's syncfs has less left to wait for */
	if (!durable)
		(void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	rc = 0;
out:
	if (close(fd) != 0)
		rc = -1;
	return rc;
}

/* Makes root's tmp/, new/ and cur/. Done only when a write or a rename
 * finds one missing (three calls a notice otherwise, every one EEXIST);
 * a folder removed while packetd runs is made again the same way. */
static int maildir_folders(const char *root)
{
	static const char *const sub[] = {"tmp", "new", "cur"};
	int rc = 0;
	for (size_t i = 0; i < sizeof sub / sizeof sub[0] && rc == 0; i++) {
		char *dir = util_path_join(root, sub[i]);
		rc = util_mkdirs(dir, 0700);
		free(dir);
	}
	return rc;
}

/* rename(from, to), making the maildir's folders once if one is missing. */
static int maildir_rename(const char *root, const char *from, const char *to)
{
	if (rename(from, to) == 0)
		return 0;
	if (errno != ENOENT || maildir_folders(root) != 0)
		return -1;
	return rename(from, to);
}

/* Maildir file names must not contain '/' or ':'. */
static char *file_name_of(const char *message_id)
{
	char *name = xstrdup(message_id);
	for (char *p = name; *p; p++)
		if (*p == '/' || *p == ':' || (unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e)
			*p = '_';
	return name;
}

static enum transport_result maildir_send(transport *t, const char *message_id, const char *recipients,
					  const char *data, size_t len, char *err, size_t errlen)
{
	const char *root = t->conf->outbox_maildir;
	char *name = file_name_of(message_id);
	char *tmpdir = util_path_join(root, "tmp"), *newdir = util_path_join(root, "new");
	char *curdir = util_path_join(root, "cur");
	char *tmp = util_path_join(tmpdir, name), *dest = util_path_join(newdir, name);
	char *seen = util_path_join(curdir, name);
	enum transport_result rc = TRANSPORT_TEMPORARY;
	struct stat st;
	(void)recipients;
	if (lstat(dest, &st) == 0 || lstat(seen, &st) == 0) {   /* delivered before */
		rc = TRANSPORT_SENT;
		goto out;
	}
	if (maildir_write(tmp, data, len, !t->staging) != 0 &&
	    (errno != ENOENT || maildir_folders(root) != 0 || maildir_write(tmp, data, len, !t->staging) != 0)) {
		snprintf(err, errlen, "outbox maildir %s: %s", root, strerror(errno));
		unlink(tmp);
		goto out;
	}
	fault_point("maildir-tmp");
	if (t->staging) {
		maildir_staged *sg = t->priv;
		if (sg == NULL) {
			sg = t->priv = xcalloc(1, sizeof *sg);
			sg->root = xstrdup(root);
			sg->newdir = xstrdup(newdir);
		}
		if (strlist_add(&sg->tmp, tmp) != 0 || strlist_add(&sg->dest, dest) != 0) {
			snprintf(err, errlen, "outbox maildir %s: too many staged messages", root);
			unlink(tmp);
			goto out;
		}
		rc = TRANSPORT_STAGED;
		goto out;
	}
	if (maildir_rename(root, tmp, dest) != 0) {
		snprintf(err, errlen, "outbox maildir %s: %s", root, strerror(errno));
		unlink(tmp);
		goto out;
	}
	/* Delivered; lost in a crash, the row is delivered again under the same name. */
	if (util_fsync_dir(newdir) != 0)
		log_warn("outbox maildir %s: fsync: %s", newdir, strerror(errno));
	rc = TRANSPORT_SENT;
out:
	free(name);
	free(tmpdir);
	free(newdir);
	free(curdir);
	free(tmp);
	free(dest);
	free(seen);
	return rc;
}

static void maildir_staged_free(transport *t)
{
	maildir_staged *sg = t->priv;
	if (sg == NULL)
		return;
	strlist_free(&sg->tmp);
	strlist_free(&sg->dest);
	free(sg->root);
	free(sg->newdir);
	free(sg);
	t->priv = NULL;
}

/* The staged messages' bytes on disk (one syncfs for the page, where an
 * fsync each cost a flush each), then their names in new/, then new/. */
static void maildir_sync(transport *t, enum transport_result *res, size_t n, char *err, size_t errlen)
{
	maildir_staged *sg = t->priv;
	int fd, synced;
	for (size_t i = 0; i < n; i++)
		res[i] = TRANSPORT_TEMPORARY;
	if (sg == NULL || sg->tmp.n != n) {
		snprintf(err, errlen, "outbox maildir: %zu messages staged, %zu expected", sg ? sg->tmp.n : 0, n);
		goto out;
	}
	/* the root, not new/: new/ may have gone, and the renames make it again */
	fd = open(sg->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	synced = fd >= 0 && syncfs(fd) == 0;
	if (!synced)
		snprintf(err, errlen, "outbox maildir %s: syncfs: %s", sg->root, strerror(errno));
	if (fd >= 0)
		close(fd);
	for (size_t i = 0; i < n; i++) {
		if (!synced || maildir_rename(sg->root, sg->tmp.items[i], sg->dest.items[i]) != 0) {
			if (synced)
				snprintf(err, errlen, "outbox maildir %s: %s", sg->newdir, strerror(errno));
			unlink(sg->tmp.items[i]);
			continue;
		}
		res[i] = TRANSPORT_SENT;
	}
	/* Delivered; lost in a crash, the rows are delivered again under the same names. */
	if (synced && util_fsync_dir(sg->newdir) != 0)
		log_warn("outbox maildir %s: fsync: %s", sg->newdir, strerror(errno));
out:
	maildir_staged_free(t);
}

const transport_ops transport_maildir_ops = {
	.kind = "maildir",
	.send = maildir_send,
	.close = maildir_staged_free,
	.sync = maildir_sync,
};
