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

/* Writes tmp/NAME itself (tmp/ is Maildir's staging folder: a file left
 * there by a crash is replaced by the next attempt under the same name). */
static int maildir_write(const char *path, const char *data, size_t len)
{
	int fd, rc = -1;
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (util_write_all(fd, data, len) != 0 || fsync(fd) != 0)
		goto out;
	rc = 0;
out:
	if (close(fd) != 0)
		rc = -1;
	return rc;
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
	if (util_mkdirs(tmpdir, 0700) != 0 || util_mkdirs(newdir, 0700) != 0 || util_mkdirs(curdir, 0700) != 0) {
		snprintf(err, errlen, "outbox maildir %s: %s", root, strerror(errno));
		goto out;
	}
	if (lstat(dest, &st) == 0 || lstat(seen, &st) == 0) {   /* delivered before */
		rc = TRANSPORT_SENT;
		goto out;
	}
	if (maildir_write(tmp, data, len) != 0) {
		snprintf(err, errlen, "outbox maildir %s: %s", root, strerror(errno));
		unlink(tmp);
		goto out;
	}
	fault_point("maildir-tmp");
	if (rename(tmp, dest) != 0) {
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

const transport_ops transport_maildir_ops = {
	.kind = "maildir",
	.send = maildir_send,
	.close = NULL,
};
