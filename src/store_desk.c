/* store_desk.c — the desk's read queries (store_desk.h). */
#include "store_desk.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "store_p.h"
#include "util.h"

#define DESK_MAX_BINDS 16

/* Runs prepared st into t (every column as text); finalizes st. */
static int table_fill(store *s, sqlite3_stmt *st, store_table *t)
{
	size_t alloc = 0;
	int rc = -1;
	memset(t, 0, sizeof *t);
	if (st == NULL)
		goto out;
	t->ncols = (size_t)sqlite3_column_count(st);
	while ((rc = store_sql_step(s, st)) == 1) {
		for (size_t c = 0; c < t->ncols; c++) {
			t->cells = store_grow(t->cells, &alloc, t->nrows * t->ncols + c, sizeof *t->cells);
			t->cells[t->nrows * t->ncols + c] = store_col_dup(st, (int)c);
		}
		t->nrows++;
	}
out:
	sqlite3_finalize(st);
	if (rc != 0)
		store_table_free(t);
	return rc;
}

static int table_query(store *s, store_table *t, const char *sql, const char *types, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	va_start(ap, types);
	st = store_sql_vprep(s, sql, types, ap);
	va_end(ap);
	return table_fill(s, st, t);
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

int store_desk_list(store *s, const store_desk_filter *f, store_table *t, int64_t *total)
{
	where w;
	buf sql;
	const char *order = "id";
	int rc = -1;
	memset(t, 0, sizeof *t);
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
	rc = table_fill(s, prepare(s, sql.data, &w, f->limit, f->offset), t);
out:
	buf_free(&sql);
	buf_free(&w.sql);
	free(w.like);
	return rc;
}

int store_desk_provinces(store *s, store_table *t)
{
	/* the index on the province expression makes this a walk of distinct keys */
	return table_query(s, t,
			   "SELECT DISTINCT " J("province") " AS p FROM applications WHERE p IS NOT NULL ORDER BY p LIMIT 500",
			   "");
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

int store_desk_files(store *s, int64_t app_id, store_table *t)
{
	return table_query(s, t,
			   "SELECT id, name, sha256, coalesce(type, ''), size, doc, lang, copy, superseded, added_at"
			   " FROM files WHERE application_id = ? ORDER BY superseded, doc, lang, copy, id",
			   "i", app_id);
}

int store_desk_file(store *s, int64_t file_id, store_table *t)
{
	int rc = table_query(s, t,
			     "SELECT a.number, f.name, coalesce(f.type, ''), f.stored_path, f.size FROM files f"
			     " JOIN applications a ON a.id = f.application_id WHERE f.id = ?",
			     "i", file_id);
	return rc != 0 ? -1 : t->nrows > 0;
}

int store_desk_notices(store *s, int64_t app_id, store_table *t)
{
	return table_query(s, t,
			   "SELECT id, kind, state, recipients, created_at, attempts, coalesce(last_error, ''), body"
			   " FROM outbox WHERE application_id = ? ORDER BY id",
			   "i", app_id);
}

int store_desk_payments(store *s, int64_t app_id, store_table *t)
{
	return table_query(s, t,
			   "SELECT at, item, amount, coalesce(ref, ''), coalesce(\"by\", '') FROM payments"
			   " WHERE application_id = ? ORDER BY id",
			   "i", app_id);
}

int store_desk_interviews(store *s, int64_t app_id, store_table *t)
{
	return table_query(s, t,
			   "SELECT created_at, starts_at, minutes, place, coalesce(\"by\", '') FROM interviews"
			   " WHERE application_id = ? ORDER BY id",
			   "i", app_id);
}

/* ---- outbox and batches ---- */

int store_desk_outbox(store *s, int64_t limit, store_table *t, int64_t *sent)
{
	if (store_sql_int64(s, sent, "SELECT count(*) FROM outbox WHERE state = 'sent'", "") != 1)
		return -1;
	return table_query(s, t,
			   "SELECT o.id, coalesce(a.number, ''), o.kind, o.state, o.recipients, o.attempts,"
			   " coalesce(o.last_error, ''), o.created_at, o.next_attempt FROM outbox o"
			   " LEFT JOIN applications a ON a.id = o.application_id"
			   " WHERE o.state <> 'sent' ORDER BY o.id DESC LIMIT ?",
			   "i", limit);
}

int store_desk_batches(store *s, int64_t limit, store_table *t)
{
	/* a batch's own item names its receipt; its rows are "<key>#rowN" */
	return table_query(s, t,
			   "SELECT id, source, \"key\", coalesce(ref, ''), status, detail, at FROM items"
			   " WHERE detail LIKE '%.receipt.csv' ORDER BY id DESC LIMIT ?",
			   "i", limit);
}

int store_desk_batch(store *s, int64_t item_id, store_table *t)
{
	int rc = table_query(s, t, "SELECT source, detail FROM items WHERE id = ? AND detail LIKE '%.receipt.csv'", "i",
			     item_id);
	return rc != 0 ? -1 : t->nrows > 0;
}

int store_desk_batch_rows(store *s, const char *batch_key, store_table *t)
{
	buf lo, hi;
	int rc;
	buf_init(&lo, 0);
	buf_init(&hi, 0);
	/* a key range, so the unique index on key finds the rows */
	buf_printf(&lo, "%s#row", batch_key);
	buf_printf(&hi, "%s#rox", batch_key);
	rc = table_query(s, t,
			 "SELECT i.\"key\", i.status, coalesce(a.number, ''), coalesce(a.state, ''), coalesce(i.detail, '')"
			 " FROM items i LEFT JOIN applications a ON a.id = i.application_id"
			 " WHERE i.\"key\" >= ? AND i.\"key\" < ? ORDER BY i.id",
			 "tt", lo.data, hi.data);
	buf_free(&lo);
	buf_free(&hi);
	return rc;
}
