/* batch.c — provincial batches (SPEC section 7): a zip holding batch.csv
 * (one row per applicant: the manifest fields plus `packet`, the packet's
 * file or folder name inside the batch) and the packets. Each row becomes an
 * application of its own, committed on its own, so one bad packet never
 * spoils the others and a crash in the middle resumes at the first row not
 * yet recorded. The receipt (UTF-8 with BOM, so that Excel opens it) is
 * written back to the source and emailed to the society's contact. */
#include "batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "charset.h"
#include "clock.h"
#include "csv.h"
#include "fault.h"
#include "finding.h"
#include "intake.h"
#include "log.h"
#include "mailmsg.h"
#include "outbox.h"
#include "record.h"
#include "spool.h"
#include "unpack.h"
#include "util.h"

#define BATCH_CSV_MAX (16 * 1024 * 1024)

typedef struct batch_counts {
	int rows, complete, incomplete, rejected;
} batch_counts;

/* Joins the messages of p's errors in one language. */
static char *deficiencies(const finding *f, size_t n, int zh)
{
	buf b;
	buf_init(&b, 0);
	for (size_t i = 0; i < n; i++) {
		if (f[i].severity != SEV_ERROR)
			continue;
		if (b.len)
			buf_adds(&b, zh ? "；" : "; ");
		buf_adds(&b, zh ? f[i].message_zh : f[i].message_en);
	}
	return buf_steal(&b);
}

static void receipt_row(buf *csv, long row, const char *const *cells, size_t n)
{
	char num[24];
	snprintf(num, sizeof num, "%ld", row);
	csv_add_field(csv, num);
	for (size_t i = 0; i < n; i++) {
		buf_adds(csv, ",");
		csv_add_field(csv, cells[i] ? cells[i] : "");
	}
	buf_adds(csv, "\r\n");
}

static void count(batch_counts *c, const char *state)
{
	c->rows++;
	if (strcmp(state, "rejected") == 0)
		c->rejected++;
	else if (strcmp(state, "incomplete") == 0)
		c->incomplete++;
	else
		c->complete++;
}

/* One receipt line from what the store holds for the row's application. */
static int receipt_from_store(packetd_ctx *ctx, buf *csv, long row, const char *packet_name, int64_t app_id,
			      batch_counts *c)
{
	store_application a;
	char *dz = NULL, *de = NULL;
	int rc = -1;
	memset(&a, 0, sizeof a);
	if (store_application_get(ctx->db, ctx->r, app_id, NULL, &a) != STORE_FOUND)
		goto out;
	dz = deficiencies(a.findings, a.nfindings, 1);
	de = deficiencies(a.findings, a.nfindings, 0);
	const char *cells[] = {
		a.app.name_zh,
		a.app.name_en,
		a.app.cmes_no,
		packet_name, a.number, a.state, dz, de,
	};
	receipt_row(csv, row, cells, sizeof cells / sizeof cells[0]);
	count(c, a.state);
	rc = 0;
out:
	free(dz);
	free(de);
	store_application_free(&a);
	return rc;
}

/* Column index of name in the header row, -1 when absent. */
static int column(const csv_table *t, const char *name)
{
	for (size_t j = 0; t->nrows && j < t->ncols[0]; j++) {
		char *h = util_ascii_lower(t->rows[0][j]);
		int eq = strcmp(util_trim(h), name) == 0;
		free(h);
		if (eq)
			return (int)j;
	}
	return -1;
}

static const char *cell(const csv_table *t, size_t row, int col)
{
	if (col < 0 || (size_t)col >= t->ncols[row])
		return NULL;
	const char *v = t->rows[row][col];
	return v && *v ? v : NULL;
}

/* Finds the row's packet among the batch's members: a file of that name, or
 * a folder of that name whose members then form the packet. */
static int find_packet(const unpack_result *u, const char *name, const unpack_member **file,
		       unpack_member **folder, size_t *nfolder)
{
	size_t n = strlen(name);
	*file = NULL;
	*folder = NULL;
	*nfolder = 0;
	while (n && name[n - 1] == '/')
		n--;
	for (size_t i = 0; i < u->nmembers; i++) {
		const char *m = u->members[i].name;
		if (strlen(m) == n && strncasecmp(m, name, n) == 0) {
			*file = &u->members[i];
			return 0;
		}
	}
	for (size_t i = 0; i < u->nmembers; i++) {
		const char *m = u->members[i].name;
		if (strncasecmp(m, name, n) == 0 && m[n] == '/') {
			*folder = xrealloc(*folder, (*nfolder + 1) * sizeof **folder);
			(*folder)[*nfolder] = (unpack_member){.name = (char *)m + n + 1, .path = u->members[i].path,
							      .size = u->members[i].size};
			(*nfolder)++;
		}
	}
	return *nfolder ? 0 : -1;
}

/* A row whose packet is byte for byte one already received (a batch
 * uploaded again with changes elsewhere): the row is recorded against that
 * application, and its receipt line reports it; nothing is processed twice. */
static int batch_row_duplicate(packetd_ctx *ctx, source *src, const char *rowkey, const char *ref,
			       const char *number, int64_t *app_id)
{
	store_application a;
	int rc = -1;
	memset(&a, 0, sizeof a);
	if (store_application_get(ctx->db, ctx->r, 0, number, &a) != STORE_FOUND)
		goto out;
	store_item item = {.source = src->conf->name, .key = rowkey, .ref = ref, .status = "duplicate",
			   .application_id = a.id, .detail = number};
	if (store_begin(ctx->db) != 0)
		goto out;
	if (store_item_add(ctx->db, &item) != 0 || store_commit(ctx->db) != 0) {
		store_rollback(ctx->db);
		goto out;
	}
	*app_id = a.id;
	ctx->stats.duplicates++;
	log_info("%s: packet already received under %s", ref, number);
	rc = 0;
out:
	store_application_free(&a);
	return rc;
}

/* Processes row `row` of the table and commits it with its item key. */
static int batch_row(packetd_ctx *ctx, source *src, const source_item *it, const unpack_result *u, const csv_table *t,
		     size_t row, const char *rowkey, const char *workdir, int64_t *app_id)
{
	intake_options o = {.r = ctx->r, .lim = &ctx->conf->limits, .now = ctx->now, .depth = 1, .zy = ctx->zy};
	const char *pname = cell(t, row, column(t, "packet"));
	const unpack_member *file = NULL;
	unpack_member *folder = NULL;
	size_t nfolder = 0;
	record_kept stored = {NULL, 0};
	record_result res = {0, "", 0, 0};
	char number[32] = "", ref[512];
	packet p;
	int rc = -1;
	packet_init(&p);
	snprintf(ref, sizeof ref, "%s#row%zu", it->name, row);
	if (pname == NULL || find_packet(u, pname, &file, &folder, &nfolder) != 0) {
		rules_var v[] = {{"file", pname ? pname : "-"}, {"detail", pname ? pname : "-"}};
		p.archive_name = xstrdup(pname ? pname : "-");
		finding_add(&p, ctx->r, "batch_packet_missing", -1, -1, v, 2);
	} else if (file) {
		char *dir;
		int dup;
		if (util_sha256_file_hex(file->path, p.archive_sha256) != 0)
			goto out;
		dup = store_find_archive(ctx->db, p.archive_sha256, number);
		if (dup == STORE_ERROR)
			goto out;
		if (dup == STORE_FOUND) {
			rc = batch_row_duplicate(ctx, src, rowkey, ref, number, app_id);
			goto out;
		}
		dir = util_path_join(workdir, "row");
		util_rmtree(dir);
		int r = util_mkdirs(dir, 0700) == 0 ? intake_archive(&o, file->path, pname, dir, &p) : -1;
		free(dir);
		if (r != 0)
			goto out;
	} else {
		p.archive_name = xstrdup(pname);
		if (intake_members(&o, folder, nfolder, &p) != 0)
			goto out;
	}
	/* The society's row is authoritative for the applicant's fields: it
	 * plays the manifest's part, so its absence is not reported. */
	for (size_t i = 0; i < APPLICANT_NFIELDS; i++) {
		const char *v = cell(t, row, column(t, applicant_field_names[i]));
		if (v) {
			applicant_set(&p.app, applicant_field_names[i], v);
			p.has_manifest = 1;
		}
	}
	if (intake_check(&o, &p) != 0)
		goto out;
	/* two rows may name the same packet: its files stay for the other */
	if (record_keep_files(ctx, &p, &stored, 0) != 0)
		goto out;
	store_source ss = {.name = src->conf->name, .kind = src->ops->kind, .ref = ref, .reply_to = p.app.email};
	store_item item = {.source = src->conf->name, .key = rowkey, .ref = ref,
			   .status = p.outcome == PACKET_REJECTED ? "rejected" : "processed"};
	if (store_begin(ctx->db) != 0)
		goto out;
	outbox_addr ack = {.to = p.app.email, .auto_submitted = "auto-generated"};
	if (record_application(ctx, &p, &ss, &stored, &ack, &res) != 0 ||
	    (item.application_id = res.id, item.detail = res.number, item.status = res.cpd ? "cpd" : item.status,
	     store_item_add(ctx->db, &item)) != 0 ||
	    store_commit(ctx->db) != 0) {
		log_error("%s: not recorded: %s", ref, store_errmsg(ctx->db));
		store_rollback(ctx->db);
		goto out;
	}
	*app_id = res.id;
	ctx->stats.applications++;
	record_count(ctx, p.outcome);
	log_info("%s: application %s %s", ref, res.number, packet_outcome_name(p.outcome));
	rc = 0;
out:
	record_kept_free(&stored);
	packet_free(&p);
	free(folder);
	return rc;
}

/* A batch that cannot be read at all: one receipt line saying why. */
static void batch_failure(packetd_ctx *ctx, buf *csv, const char *code, const char *detail, batch_counts *c)
{
	packet p;
	rules_var v[] = {{"detail", detail ? detail : ""}, {"file", detail ? detail : ""}};
	packet_init(&p);
	finding_add(&p, ctx->r, code, -1, -1, v, 2);
	const char *cells[] = {NULL, NULL, NULL, NULL, NULL, "rejected", p.findings[0].message_zh,
			       p.findings[0].message_en};
	receipt_row(csv, 0, cells, sizeof cells / sizeof cells[0]);
	c->rows++;
	c->rejected++;
	packet_free(&p);
}

static char *receipt_name(const char *batch)
{
	buf b;
	const char *dot = strrchr(batch, '.');
	buf_init(&b, 0);
	buf_add(&b, batch, dot && dot != batch ? (size_t)(dot - batch) : strlen(batch));
	buf_adds(&b, ".receipt.csv");
	return buf_steal(&b);
}

/* Writes the receipt to the source and queues its email with the batch's
 * item, in one transaction. */
static int batch_finish(packetd_ctx *ctx, source *src, const source_item *it, const char *key, buf *csv,
			const batch_counts *c, int rejected)
{
	char *name = receipt_name(it->name), *when = clock_stamp(ctx->now, ctx->conf->timezone);
	char rows[16], comp[16], inc[16], rej[16];
	int rc = -1;
	snprintf(rows, sizeof rows, "%d", c->rows);
	snprintf(comp, sizeof comp, "%d", c->complete);
	snprintf(inc, sizeof inc, "%d", c->incomplete);
	snprintf(rej, sizeof rej, "%d", c->rejected);
	rules_var v[] = {{"batch", it->name}, {"society", src->conf->society ? src->conf->society : src->conf->name},
			 {"received_at", when}, {"rows", rows}, {"complete", comp}, {"incomplete", inc},
			 {"rejected", rej}, {"receipt", name}};
	mailmsg_attachment att = {.filename = name, .content_type = "text/csv; charset=UTF-8", .data = csv->data, .len = csv->len};
	outbox_addr receipt = {.to = src->conf->contact, .auto_submitted = "auto-generated", .atts = &att, .natts = 1};
	store_item item = {.source = src->conf->name, .key = key, .ref = it->ref,
			   .status = rejected ? "rejected" : "batch", .detail = name};
	if (src->ops->put_receipt && src->ops->put_receipt(src, name, csv->data, csv->len) != 0)
		goto out;
	fault_point("receipt");
	if (store_begin(ctx->db) != 0)
		goto out;
	if (store_item_add(ctx->db, &item) != 0 ||
	    outbox_queue_kind(ctx, 0, "receipt", v, sizeof v / sizeof v[0], &receipt) != 0 ||
	    store_commit(ctx->db) != 0) {
		store_rollback(ctx->db);
		goto out;
	}
	ctx->stats.batches++;
	log_info("batch %s: %d rows (%d complete, %d incomplete, %d rejected), receipt %s", it->name, c->rows,
		 c->complete, c->incomplete, c->rejected, name);
	rc = 0;
out:
	free(name);
	free(when);
	return rc;
}

/* How reading batch.csv ended. */
enum batch_csv { BATCH_CSV_OK, BATCH_CSV_INVALID, BATCH_CSV_MISSING };

static enum batch_csv read_batch_csv(const unpack_result *u, csv_table *t, char *err, size_t errlen)
{
	char *raw = NULL, *text = NULL;
	size_t len = 0;
	enum batch_csv rc = BATCH_CSV_INVALID;
	for (size_t i = 0; i < u->nmembers; i++) {
		if (strchr(u->members[i].name, '/') || !util_streq_nocase(u->members[i].name, "batch.csv"))
			continue;
		/* written by the sandbox: a FIFO or a symbolic link put in its place
		 * is refused, never waited on nor followed */
		if (util_read_regular(u->members[i].path, BATCH_CSV_MAX, &raw, &len) != 0) {
			snprintf(err, errlen, "batch.csv: unreadable or larger than %d bytes", BATCH_CSV_MAX);
			goto out;
		}
		text = charset_text_to_utf8(raw, len);
		rc = text && csv_parse(text, strlen(text), t, err, errlen) == 0 ? BATCH_CSV_OK : BATCH_CSV_INVALID;
		goto out;
	}
	snprintf(err, errlen, "batch.csv");
	rc = BATCH_CSV_MISSING;
out:
	free(raw);
	free(text);
	return rc;
}

enum item_result batch_run(packetd_ctx *ctx, source *src, const source_item *it)
{
	unpack_result u;
	csv_table t;
	batch_counts c = {0, 0, 0, 0};
	char sha[65], err[256] = "", *workdir = NULL, *key = NULL, *inner = NULL, first[32] = "";
	enum item_result rc = ITEM_TEMPORARY;
	enum batch_csv crc = BATCH_CSV_OK;
	int urc, rejected = 0;
	buf csv, k;
	memset(&u, 0, sizeof u);
	memset(&t, 0, sizeof t);
	buf_init(&csv, 0);
	buf_init(&k, 0);
	buf_adds(&csv, "\xEF\xBB\xBF");   /* BOM: Excel then reads UTF-8 */
	const char *head[] = {"name_zh", "name_en", "cmes_no", "packet", "application", "outcome",
			      "deficiencies_zh", "deficiencies_en"};
	buf_adds(&csv, "row");
	for (size_t i = 0; i < sizeof head / sizeof head[0]; i++)
		buf_printf(&csv, ",%s", head[i]);
	buf_adds(&csv, "\r\n");
	if (util_sha256_file_hex(it->path, sha) != 0)
		goto out;
	buf_printf(&k, "batch:%s", sha);
	key = buf_steal(&k);
	switch (store_item_exists(ctx->db, key, first, sizeof first)) {
	case STORE_NOT_FOUND:
		break;
	case STORE_FOUND:
		/* same place as its first run chose */
		rc = strcmp(first, "rejected") == 0 ? ITEM_FINAL : ITEM_DONE;
		ctx->stats.skipped++;
		log_info("batch %s: already processed", it->name);
		goto out;
	default:
		log_warn("batch %s: database: %s; retrying next cycle", it->name, store_errmsg(ctx->db));
		goto out;
	}
	workdir = spool_workdir(ctx->conf->scratch);
	if (workdir == NULL)
		goto out;
	inner = util_path_join(workdir, "batch");
	if (util_mkdirs(inner, 0700) != 0)
		goto out;
	urc = unpack_archive_boxed(it->path, inner, &ctx->conf->limits, 0, ctx->zy, &u);
	if (urc == UNPACK_ERROR)
		goto out;
	if (urc == UNPACK_OK)
		crc = read_batch_csv(&u, &t, err, sizeof err);
	if (urc == UNPACK_REJECTED) {
		batch_failure(ctx, &csv, u.error_code, u.error_detail, &c);
		rejected = 1;
	} else if (crc != BATCH_CSV_OK || column(&t, "packet") < 0) {
		batch_failure(ctx, &csv, crc == BATCH_CSV_MISSING ? "batch_csv_missing" : "batch_csv_invalid",
			      crc == BATCH_CSV_OK ? "batch.csv: no column \"packet\"" : err, &c);
		rejected = 1;
	} else {
		for (size_t row = 1; row < t.nrows && !(ctx->stop && *ctx->stop); row++) {
			char rowkey[160], status[32];
			int64_t app_id = 0;
			snprintf(rowkey, sizeof rowkey, "%s#row%zu", key, row);
			log_info("%s: row %zu of %zu", it->name, row, t.nrows - 1);
			int seen = store_item_get(ctx->db, rowkey, status, sizeof status, &app_id);
			if (seen == STORE_ERROR)
				goto out;
			if (seen == STORE_NOT_FOUND && batch_row(ctx, src, it, &u, &t, row, rowkey, workdir, &app_id) != 0)
				goto out;
			if (receipt_from_store(ctx, &csv, (long)row, cell(&t, row, column(&t, "packet")), app_id, &c) != 0)
				goto out;
		}
		if (ctx->stop && *ctx->stop)
			goto out;   /* finish the batch next time; its rows are kept */
	}
	if (batch_finish(ctx, src, it, key, &csv, &c, rejected) != 0)
		goto out;
	rc = rejected ? ITEM_FINAL : ITEM_DONE;
out:
	if (rc == ITEM_TEMPORARY)
		ctx->stats.deferred++;
	unpack_result_free(&u);
	csv_table_free(&t);
	if (workdir) {
		util_rmtree(workdir);
		free(workdir);
	}
	free(inner);
	free(key);
	buf_free(&csv);
	buf_free(&k);
	return rc;
}
