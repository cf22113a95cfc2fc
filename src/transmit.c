/* transmit.c — see transmit.h. The archive is written with libarchive's
 * zip writer; member names are UTF-8 with the zip UTF-8 flag set, so the
 * Chinese names come out right on any unzip. */
#include "transmit.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "csv.h"
#include "log.h"
#include "refusal.h"
#include "spool.h"
#include "util.h"

#define TRANSMIT_FILE_MAX (200u << 20)   /* one kept document; the intake's max_member bounds it already */

static int add_member(struct archive *a, const char *name, const void *data, size_t len, time_t mtime)
{
	struct archive_entry *e = archive_entry_new();
	int rc = -1;
	if (e == NULL)
		return -1;
	archive_entry_set_pathname_utf8(e, name);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_mtime(e, mtime, 0);
	if (archive_write_header(a, e) != ARCHIVE_OK ||
	    (len > 0 && archive_write_data(a, data, len) != (la_ssize_t)len)) {
		log_error("transmit: %s: %s", name, archive_error_string(a));
		goto out;
	}
	rc = 0;
out:
	archive_entry_free(e);
	return rc;
}

static void csv_line(buf *b, const char *const *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_adds(b, ",");
		csv_add_field(b, f[i] ? f[i] : "");
	}
	buf_adds(b, "\r\n");
}

static const char *or_empty(const char *v)
{
	return v ? v : "";
}

/* One application's documents into the archive and its row into index. */
static int add_application(workflow *w, struct archive *ar, buf *index, int64_t id)
{
	store_application a;
	strlist names = {0};
	char nfiles[16];
	int rc = -1;
	memset(&a, 0, sizeof a);
	if (store_application_get(w->ctx->db, w->ctx->r, id, NULL, &a) != STORE_FOUND)
		goto out;
	for (size_t i = 0; i < a.nfiles; i++) {
		const store_file *f = &a.files[i];
		char *data = NULL, sha[65];
		size_t len = 0;
		buf name;
		if (f->stored_path == NULL)
			continue;
		if (spool_kept_read(f->stored_path, TRANSMIT_FILE_MAX, &data, &len) != 0) {
			log_error("transmit: %s: %s: %s", a.number, f->stored_path, strerror(errno));
			goto out;
		}
		/* the kept copy is named by its content: check it still is */
		if (util_sha256_hex(data, len, sha) != 0 || strcmp(sha, f->sha256) != 0) {
			log_error("transmit: %s: %s does not match its SHA-256", a.number, f->stored_path);
			free(data);
			goto out;
		}
		buf_init(&name, 0);
		buf_printf(&name, "%s/%s", a.number, f->name);
		for (int k = 2; strlist_contains(&names, name.data) && k < 1000; k++) {
			buf_free(&name);
			buf_printf(&name, "%s/%d-%s", a.number, k, f->name);
		}
		strlist_add(&names, name.data);
		rc = add_member(ar, name.data, data, len, w->ctx->now);
		buf_free(&name);
		free(data);
		if (rc != 0)
			goto out;
		rc = -1;
	}
	snprintf(nfiles, sizeof nfiles, "%zu", names.n);
	const applicant *p = &a.app;
	const char *row[] = {a.number, or_empty(p->name_zh), or_empty(p->name_en), or_empty(p->cmes_no),
			     a.target ? a.target : or_empty(p->target), or_empty(p->soe_grade), or_empty(p->soe_sector),
			     or_empty(p->province), or_empty(p->cmes_grade), or_empty(p->cmes_qualification),
			     or_empty(p->senior_engineer), or_empty(p->email), nfiles, a.number};
	csv_line(index, row, sizeof row / sizeof row[0]);
	rc = 0;
out:
	strlist_free(&names);
	store_application_free(&a);
	return rc;
}

int transmit_run(workflow *w, const char *outdir, char *path, size_t len, int *count)
{
	static const char *const head[] = {"application", "name_zh", "name_en", "cmes_no", "target", "soe_grade",
					   "soe_sector", "province", "cmes_grade", "cmes_qualification",
					   "senior_engineer", "email", "files", "folder"};
	store_id_list ids;
	struct archive *ar = NULL;
	buf index;
	char stamp[32], sha[65], *tmp = NULL, *final = NULL, reason[128];
	int rc = WF_ERROR, intx = 0;
	int64_t tid = 0;
	memset(&ids, 0, sizeof ids);
	buf_init(&index, 0);
	*count = 0;
	if (util_mkdirs(outdir, 0750) != 0) {
		snprintf(w->err, sizeof w->err, "%s: %s", outdir, strerror(errno));
		goto out;
	}
	/* the transaction first: the list cannot change while the archive is made */
	if (store_begin(w->ctx->db) != 0)
		goto dberr;
	intx = 1;
	if (store_wf_ids_in(w->ctx->db, "recommended", &ids) != 0)
		goto dberr;
	if (ids.n == 0) {
		refusal_say(&w->ctx->conf->texts, w->err, sizeof w->err, "transmit_none", (const char *)NULL);
		rc = WF_REFUSED;
		goto out;
	}
	clock_format(w->ctx->now, w->ctx->conf->timezone, "%Y%m%d-%H%M%S", stamp, sizeof stamp);
	{
		buf b;
		buf_init(&b, 0);
		buf_printf(&b, "transmittal-%s.zip", stamp);
		final = util_path_join(outdir, b.data);
		buf_free(&b);
		buf_init(&b, 0);
		buf_printf(&b, ".transmittal-%s.zip.tmp", stamp);
		tmp = util_path_join(outdir, b.data);
		buf_free(&b);
	}
	if (access(final, F_OK) == 0) {
		snprintf(w->err, sizeof w->err, "%s exists already; try again in a second", final);
		rc = WF_REFUSED;
		goto out;
	}
	ar = archive_write_new();
	if (ar == NULL || archive_write_set_format_zip(ar) != ARCHIVE_OK ||
	    archive_write_set_options(ar, "hdrcharset=UTF-8") != ARCHIVE_OK ||
	    archive_write_open_filename(ar, tmp) != ARCHIVE_OK) {
		snprintf(w->err, sizeof w->err, "%s: %s", tmp, ar ? archive_error_string(ar) : "out of memory");
		goto out;
	}
	buf_adds(&index, "\xEF\xBB\xBF");
	csv_line(&index, head, sizeof head / sizeof head[0]);
	for (size_t i = 0; i < ids.n; i++)
		if (add_application(w, ar, &index, ids.rows[i].id) != 0) {
			snprintf(w->err, sizeof w->err, "cannot add %s to the transmittal (see the log)",
				 ids.rows[i].number);
			goto out;
		}
	if (buf_error(&index) != 0 || add_member(ar, "index.csv", index.data, index.len, w->ctx->now) != 0 ||
	    archive_write_close(ar) != ARCHIVE_OK) {
		snprintf(w->err, sizeof w->err, "%s: %s", tmp, archive_error_string(ar));
		goto out;
	}
	archive_write_free(ar);
	ar = NULL;
	{
		int fd = open(tmp, O_RDONLY);
		if (fd < 0 || fsync(fd) != 0 || util_sha256_file_hex(tmp, sha) != 0) {
			if (fd >= 0)
				close(fd);
			snprintf(w->err, sizeof w->err, "%s: %s", tmp, strerror(errno));
			goto out;
		}
		close(fd);
	}
	snprintf(reason, sizeof reason, "sent to SOEHK in %s", strrchr(final, '/') ? strrchr(final, '/') + 1 : final);
	if (store_wf_transmittal_add(w->ctx->db, final, sha, (int64_t)ids.n, w->by, w->ctx->now, &tid) != 0)
		goto dberr;
	for (size_t i = 0; i < ids.n; i++) {
		int64_t id = ids.rows[i].id;
		if (workflow_transmitted(w, id, reason) != 1 || store_wf_transmittal_item(w->ctx->db, tid, id) != 0)
			goto dberr;
	}
	if (rename(tmp, final) != 0) {
		snprintf(w->err, sizeof w->err, "%s: %s", final, strerror(errno));
		goto out;
	}
	if (util_fsync_dir(outdir) != 0) {
		snprintf(w->err, sizeof w->err, "%s: fsync: %s", outdir, strerror(errno));
		unlink(final);
		goto out;
	}
	if (store_commit(w->ctx->db) != 0) {
		unlink(final);
		goto dberr;
	}
	intx = 0;
	snprintf(path, len, "%s", final);
	*count = (int)ids.n;
	rc = WF_OK;
	goto out;
dberr:
	snprintf(w->err, sizeof w->err, "database: %s", store_errmsg(w->ctx->db));
out:
	if (ar)
		archive_write_free(ar);
	if (intx)
		store_rollback(w->ctx->db);
	if (rc != WF_OK && tmp)
		unlink(tmp);
	store_id_list_free(&ids);
	buf_free(&index);
	free(tmp);
	free(final);
	return rc;
}
