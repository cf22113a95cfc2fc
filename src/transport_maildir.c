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

#include "log.h"
#include "util.h"

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
	unlink(tmp);
	if (util_write_atomic(tmp, data, len) != 0 || rename(tmp, dest) != 0) {
		snprintf(err, errlen, "outbox maildir %s: %s", root, strerror(errno));
		unlink(tmp);
		goto out;
	}
	util_fsync_dir(newdir);
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

int transport_open(transport *t, const config *conf)
{
	t->conf = conf;
	t->priv = NULL;
	if (conf->smtp_url)
		log_warn("[smtp] is configured but SMTP delivery is not built in; using the outbox maildir");
	if (conf->outbox_maildir == NULL) {
		log_error("no [outbox] maildir configured");
		return -1;
	}
	t->ops = &transport_maildir_ops;
	return 0;
}

void transport_close(transport *t)
{
	if (t->ops && t->ops->close)
		t->ops->close(t);
	t->ops = NULL;
}
