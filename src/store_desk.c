/* store_desk.c — the desk's read queries (store_desk.h). */
#include "store_desk.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "store_p.h"
#include "util.h"

#define DESK_MAX_BINDS 16

static void app_fill(sqlite3_stmt *st, void *row, void *ctx)
{
	store_desk_app *r = row;
	(void)ctx;
	r->id = sqlite3_column_int64(st, 0);
	r->number = store_col_text(st, 1);
	r->state = store_col_text(st, 2);
	r->target = store_col_text(st, 3);
	r->name_zh = store_col_text(st, 4);
	r->name_en = store_col_text(st, 5);
	r->cmes_no = store_col_text(st, 6);
	r->province = store_col_text(st, 7);
	r->created_at = store_col_text(st, 8);
	r->updated_at = store_col_text(st, 9);
	r->applicant_json = store_col_text(st, 10);
}

static void app_drop(void *row)
{
	store_desk_app *r = row;
	free(r->number);
	free(r->state);
	free(r->target);
	free(r->name_zh);
	free(r->name_en);
	free(r->cmes_no);
	free(r->province);
	free(r->created_at);
	free(r->updated_at);
	free(r->applicant_json);
}

static const store_row_kind app_kind = {sizeof(store_desk_app), app_fill, app_drop};

void store_desk_app_list_free(store_desk_app_list *l)
{
	store_rows_free(&app_kind, &l->rows, &l->n);
}

/* ---- the list ---- */

typedef struct where {
	buf sql;
	const char *text[DESK_MAX_BINDS];
	size_t n;
	char *like;   /* owned: the search pattern */
} where;

static void where_add(where *w, const char *clause, const char *v1, int times)
{
	buf_printf(&w->sql, "%s%s", w->n || w->sql.len ? " AND " : " WHERE ", clause);
	for (int i = 0; i < times && w->n < DESK_MAX_BINDS; i++)
		w->text[w->n++] = v1;
}

/* A LIKE pattern matching q anywhere, with %, _ and \ taken literally. */
static char *like_pattern(const char *q)
{
	buf b;
	buf_init(&b, 0);
	buf_adds(&b, "%");
	for (; *q; q++) {
		if (*q == '%' || *q == '_' || *q == '\\')
			buf_adds(&b, "\\");
		buf_add(&b, q, 1);
	}
	buf_adds(&b, "%");
	return buf_steal(&b);
}

#define J(f) "json_extract(applicant_json, '$." f "')"

static void where_build(where *w, const store_desk_filter *f)
{
	memset(w, 0, sizeof *w);
	buf_init(&w->sql, 0);
	if (f->state)
		where_add(w, "state = ?", f->state, 1);
	if (f->target)
		where_add(w, "target = ?", f->target, 1);
	if (f->province)
		where_add(w, J("province") " = ?", f->province, 1);
	if (f->q) {
		w->like = like_pattern(f->q);
		where_add(w, "id IN (SELECT id FROM application_search WHERE text LIKE ? ESCAPE '\\')", w->like, 1);
	}
}

static sqlite3_stmt *prepare(store *s, const char *sql, const where *w, int64_t limit, int64_t offset)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	int i = 1;
	for (size_t k = 0; rc == SQLITE_OK && k < w->n; k++)
		rc = sqlite3_bind_text(st, i++, w->text[k], -1, SQLITE_TRANSIENT);
	if (rc == SQLITE_OK && limit > 0) {
		rc = sqlite3_bind_int64(st, i++, limit);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_int64(st, i++, offset);
	}
	if (rc != SQLITE_OK) {
		store_fail(s);
		sqlite3_finalize(st);
		st = NULL;
	}
	return st;
}

int store_desk_list(store *s, const store_desk_filter *f, store_desk_app_list *out, int64_t *total)
{
	where w;
	buf sql;
	const char *order = "id";
	int rc = -1;
	memset(out, 0, sizeof *out);
	where_build(&w, f);
	buf_init(&sql, 0);
	if (f->sort && strcmp(f->sort, "updated") == 0)
		order = "updated_at";
	else if (f->sort && strcmp(f->sort, "state") == 0)
		order = "state";
	else if (f->sort && strcmp(f->sort, "name") == 0)
		order = J("name_en");
	if (total) {
		buf_printf(&sql, "SELECT count(*) FROM applications%s", w.sql.data ? w.sql.data : "");
		sqlite3_stmt *st = prepare(s, sql.data, &w, 0, 0);
		if (st == NULL || store_sql_step(s, st) != 1) {
			sqlite3_finalize(st);
			goto out;
		}
		*total = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		sql.len = 0;
	}
	buf_printf(&sql,
		   "SELECT id, number, state, target, coalesce(" J("name_zh") ", ''), coalesce(" J("name_en")
		   ", ''), coalesce(" J("cmes_no") ", ''), coalesce(" J("province") ", ''), created_at, updated_at,"
		   " applicant_json FROM applications%s ORDER BY %s %s%s%s",
		   w.sql.data ? w.sql.data : "", order, f->desc ? "DESC" : "ASC",
		   strcmp(order, "id") == 0 ? "" : f->desc ? ", id DESC" : ", id ASC", f->limit > 0 ? " LIMIT ? OFFSET ?" : "");
	rc = store_rows(s, prepare(s, sql.data, &w, f->limit, f->offset), &app_kind, NULL, &out->rows, &out->n);
out:
	buf_free(&sql);
	buf_free(&w.sql);
	free(w.like);
	return rc;
}

static void province_fill(sqlite3_stmt *st, void *row, void *ctx)
{
	(void)ctx;
	((store_desk_province *)row)->name = store_col_text(st, 0);
}

static void province_drop(void *row)
{
	free(((store_desk_province *)row)->name);
}

static const store_row_kind province_kind = {sizeof(store_desk_province), province_fill, province_drop};

int store_desk_provinces(store *s, store_desk_province_list *out)
{
	/* the index on the province expression makes this a walk of distinct keys */
	return store_rows_query(s, &province_kind, &out->rows, &out->n,
				"SELECT DISTINCT " J("province")
				" AS p FROM applications WHERE p IS NOT NULL ORDER BY p LIMIT 500",
				"");
}

void store_desk_province_list_free(store_desk_province_list *l)
{
	store_rows_free(&province_kind, &l->rows, &l->n);
}

int store_desk_tune(store *s)
{
	/* The desk reads much and writes little: a large page cache and a
	 * mapped file keep a 100,000-application ledger's pages in memory. */
	if (store_sql_run(s, "PRAGMA cache_size = -131072", "") != 0)
		return -1;
	return store_sql_run(s, "PRAGMA mmap_size = 1073741824", "") == 0 ? 0 : -1;
}

/* ---- one application ---- */

static void file_fill(sqlite3_stmt *st, void *row, void *ctx)
{
	store_desk_file_row *r = row;
	(void)ctx;
	r->id = sqlite3_column_int64(st, 0);
	r->name = store_col_text(st, 1);
	r->sha256 = store_col_text(st, 2);
	r->type = store_col_text(st, 3);
	r->size = sqlite3_column_int64(st, 4);
	r->doc = store_col_text(st, 5);
	r->lang = store_col_text(st, 6);
	r->copy = (long)sqlite3_column_int64(st, 7);
	r->superseded = sqlite3_column_int(st, 8);
	r->added_at = store_col_text(st, 9);
}

static void file_drop(void *row)
{
	store_desk_file_row *r = row;
	free(r->name);
	free(r->sha256);
	free(r->type);
	free(r->doc);
	free(r->lang);
	free(r->added_at);
}

static const store_row_kind file_kind = {sizeof(store_desk_file_row), file_fill, file_drop};

int store_desk_files(store *s, int64_t app_id, store_desk_file_list *out)
{
	return store_rows_query(s, &file_kind, &out->rows, &out->n,
				"SELECT id, name, sha256, coalesce(type, ''), size, doc, lang, copy, superseded, added_at"
				" FROM files WHERE application_id = ? ORDER BY superseded, doc, lang, copy, id",
				"i", app_id);
}

void store_desk_file_list_free(store_desk_file_list *l)
{
	store_rows_free(&file_kind, &l->rows, &l->n);
}

static void one_file_fill(sqlite3_stmt *st, void *row, void *ctx)
{
	store_desk_file *f = row;
	(void)ctx;
	f->number = store_col_text(st, 0);
	f->name = store_col_text(st, 1);
	f->type = store_col_text(st, 2);
	f->stored_path = store_col_text(st, 3);
	f->size = sqlite3_column_int64(st, 4);
}

static void one_file_drop(void *row)
{
	store_desk_file *f = row;
	free(f->number);
	free(f->name);
	free(f->type);
	free(f->stored_path);
}

static const store_row_kind one_file_kind = {sizeof(store_desk_file), one_file_fill, one_file_drop};

int store_desk_file_get(store *s, int64_t file_id, store_desk_file *out)
{
	store_desk_file *rows;
	size_t n;
	int rc = store_rows_query(s, &one_file_kind, &rows, &n,
				  /* a purged document's bytes are gone (or kept for another
				   * application only): its name is withheld */
				  "SELECT a.number, f.name, coalesce(f.type, ''),"
				  " CASE WHEN f.purged_at IS NULL THEN f.stored_path ELSE '' END, f.size FROM files f"
				  " JOIN applications a ON a.id = f.application_id WHERE f.id = ?",
				  "i", file_id);
	memset(out, 0, sizeof *out);
	if (rc != 0)
		return -1;
	if (n > 0)
		*out = rows[0];
	for (size_t i = 1; i < n; i++)   /* the id is unique: never reached */
		one_file_drop(&rows[i]);
	free(rows);
	return n > 0;
}

void store_desk_file_free(store_desk_file *f)
{
	one_file_drop(f);
	memset(f, 0, sizeof *f);
}

static void notice_fill(sqlite3_stmt *st, void *row, void *ctx)
{
	store_desk_notice *r = row;
	(void)ctx;
	r->id = sqlite3_column_int64(st, 0);
	r->kind = store_col_text(st, 1);
	r->state = store_col_text(st, 2);
	r->recipients = store_col_text(st, 3);
	r->created_at = store_col_text(st, 4);
	r->attempts = (long)sqlite3_column_int64(st, 5);
	r->last_error = store_col_text(st, 6);
	r->body = store_col_text(st, 7);
}

static void notice_drop(void *row)
{
	store_desk_notice *r = row;
	free(r->kind);
	free(r->state);
	free(r->recipients);
	free(r->created_at);
	free(r->last_error);
	free(r->body);
}

static const store_row_kind notice_kind = {sizeof(store_desk_notice), notice_fill, notice_drop};

int store_desk_notices(store *s, int64_t app_id, store_desk_notice_list *out)
{
	return store_rows_query(s, &notice_kind, &out->rows, &out->n,
				"SELECT id, kind, state, recipients, created_at, attempts, coalesce(last_error, ''), body"
				" FROM outbox JOIN outbox_bodies USING (id) WHERE application_id = ? ORDER BY id",
				"i", app_id);
}

void store_desk_notice_list_free(store_desk_notice_list *l)
{
	store_rows_free(&notice_kind, &l->rows, &l->n);
}

static void payment_fill(sqlite3_stmt *st, void *row, void *ctx)
{
	store_desk_payment *r = row;
	(void)ctx;
	r->at = store_col_text(st, 0);
	r->item = store_col_text(st, 1);
	r->amount = (long)sqlite3_column_int64(st, 2);
	r->ref = store_col_text(st, 3);
	r->by = store_col_text(st, 4);
}

static void payment_drop(void *row)
{
	store_desk_payment *r = row;
	free(r->at);
	free(r->item);
	free(r->ref);
	free(r->by);
}

static const store_row_kind payment_kind = {sizeof(store_desk_payment), payment_fill, payment_drop};

int store_desk_payments(store *s, int64_t app_id, store_desk_payment_list *out)
{
	return store_rows_query(s, &payment_kind, &out->rows, &out->n,
				"SELECT at, item, amount, coalesce(ref, ''), coalesce(\"by\", '') FROM payments"
				" WHERE application_id = ? ORDER BY id",
				"i", app_id);
}

void store_desk_payment_list_free(store_desk_payment_list *l)
{
	store_rows_free(&payment_kind, &l->rows, &l->n);
}

static void interview_fill(sqlite3_stmt *st, void *row, void *ctx)
{
	store_desk_interview *r = row;
	(void)ctx;
	r->created_at = store_col_text(st, 0);
	r->starts_at = store_col_text(st, 1);
	r->minutes = (long)sqlite3_column_int64(st, 2);
	r->place = store_col_text(st, 3);
	r->by = store_col_text(st, 4);
}

static void interview_drop(void *row)
{
	store_desk_interview *r = row;
	free(r->created_at);
	free(r->starts_at);
	free(r->place);
	free(r->by);
}

static const store_row_kind interview_kind = {sizeof(store_desk_interview), interview_fill, interview_drop};

int store_desk_interviews(store *s, int64_t app_id, store_desk_interview_list *out)
{
	return store_rows_query(s, &interview_kind, &out->rows, &out->n,
				"SELECT created_at, starts_at, minutes, place, coalesce(\"by\", '') FROM interviews"
				" WHERE application_id = ? ORDER BY id",
				"i", app_id);
}

void store_desk_interview_list_free(store_desk_interview_list *l)
{
	store_rows_free(&interview_kind, &l->rows, &l->n);
}

/* ---- outbox and batches ---- */

static void outbox_fill(sqlite3_stmt *st, void *row, void *ctx)
{
	store_desk_outbox_row *r = row;
	(void)ctx;
	r->id = sqlite3_column_int64(st, 0);
	r->number = store_col_text(st, 1);
	r->kind = store_col_text(st, 2);
	r->state = store_col_text(st, 3);
	r->recipients = store_col_text(st, 4);
	r->attempts = (long)sqlite3_column_int64(st, 5);
	r->last_error = store_col_text(st, 6);
	r->created_at = store_col_text(st, 7);
	r->next_attempt = store_col_text(st, 8);
}

static void outbox_drop(void *row)
{
	store_desk_outbox_row *r = row;
	free(r->number);
	free(r->kind);
	free(r->state);
	free(r->recipients);
	free(r->last_error);
	free(r->created_at);
	free(r->next_attempt);
}

static const store_row_kind outbox_kind = {sizeof(store_desk_outbox_row), outbox_fill, outbox_drop};

int store_desk_outbox(store *s, int64_t limit, store_desk_outbox_list *out, int64_t *sent)
{
	memset(out, 0, sizeof *out);
	if (store_sql_int64(s, sent, "SELECT count(*) FROM outbox WHERE state = 'sent'", "") != 1)
		return -1;
	return store_rows_query(s, &outbox_kind, &out->rows, &out->n,
				"SELECT o.id, coalesce(a.number, ''), o.kind, o.state, o.recipients, o.attempts,"
				" coalesce(o.last_error, ''), o.created_at, o.next_attempt FROM outbox o"
				" LEFT JOIN applications a ON a.id = o.application_id"
				" WHERE o.state <> 'sent' ORDER BY o.id DESC LIMIT ?",
				"i", limit);
}

void store_desk_outbox_list_free(store_desk_outbox_list *l)
{
	store_rows_free(&outbox_kind, &l->rows, &l->n);
}

static void batch_fill(sqlite3_stmt *st, void *row, void *ctx)
{
	store_desk_batch_row *r = row;
	(void)ctx;
	r->id = sqlite3_column_int64(st, 0);
	r->source = store_col_text(st, 1);
	r->key = store_col_text(st, 2);
	r->ref = store_col_text(st, 3);
	r->status = store_col_text(st, 4);
	r->receipt = store_col_text(st, 5);
	r->at = store_col_text(st, 6);
}

static void batch_drop(void *row)
{
	store_desk_batch_row *r = row;
	free(r->source);
	free(r->key);
	free(r->ref);
	free(r->status);
	free(r->receipt);
	free(r->at);
}

static const store_row_kind batch_kind = {sizeof(store_desk_batch_row), batch_fill, batch_drop};

int store_desk_batches(store *s, int64_t limit, store_desk_batch_list *out)
{
	/* a batch's own item names its receipt; its rows are "<key>#rowN" */
	return store_rows_query(s, &batch_kind, &out->rows, &out->n,
				"SELECT id, source, \"key\", coalesce(ref, ''), status, detail, at FROM items"
				" WHERE detail LIKE '%.receipt.csv' ORDER BY id DESC LIMIT ?",
				"i", limit);
}

int store_desk_batch(store *s, int64_t item_id, store_desk_batch_list *out)
{
	int rc = store_rows_query(s, &batch_kind, &out->rows, &out->n,
				  "SELECT id, source, \"key\", coalesce(ref, ''), status, detail, at FROM items"
				  " WHERE id = ? AND detail LIKE '%.receipt.csv'",
				  "i", item_id);
	return rc != 0 ? -1 : out->n > 0;
}

void store_desk_batch_list_free(store_desk_batch_list *l)
{
	store_rows_free(&batch_kind, &l->rows, &l->n);
}

static void batch_item_fill(sqlite3_stmt *st, void *row, void *ctx)
{
	store_desk_batch_item *r = row;
	(void)ctx;
	r->key = store_col_text(st, 0);
	r->status = store_col_text(st, 1);
	r->number = store_col_text(st, 2);
	r->state = store_col_text(st, 3);
	r->detail = store_col_text(st, 4);
}

static void batch_item_drop(void *row)
{
	store_desk_batch_item *r = row;
	free(r->key);
	free(r->status);
	free(r->number);
	free(r->state);
	free(r->detail);
}

static const store_row_kind batch_item_kind = {sizeof(store_desk_batch_item), batch_item_fill, batch_item_drop};

int store_desk_batch_rows(store *s, const char *batch_key, store_desk_batch_item_list *out)
{
	buf lo, hi;
	int rc;
	buf_init(&lo, 0);
	buf_init(&hi, 0);
	/* a key range, so the unique index on key finds the rows */
	buf_printf(&lo, "%s#row", batch_key);
	buf_printf(&hi, "%s#rox", batch_key);
	rc = store_rows_query(s, &batch_item_kind, &out->rows, &out->n,
			      "SELECT i.\"key\", i.status, coalesce(a.number, ''), coalesce(a.state, ''),"
			      " coalesce(i.detail, '') FROM items i LEFT JOIN applications a ON a.id = i.application_id"
			      " WHERE i.\"key\" >= ? AND i.\"key\" < ? ORDER BY i.id",
			      "tt", lo.data, hi.data);
	buf_free(&lo);
	buf_free(&hi);
	return rc;
}

void store_desk_batch_item_list_free(store_desk_batch_item_list *l)
{
	store_rows_free(&batch_item_kind, &l->rows, &l->n);
}
