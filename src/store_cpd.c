/* store_cpd.c — schema step 3's half of the store (store.h): CPD hours per
 * year, the payments a payment notice lists, and the retention of stored
 * documents. Every function runs inside the caller's transaction. */
#include "store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_p.h"

int store_cpd_add(store *s, int64_t id, int year, double hours, const char *source, const char *ref, const char *by,
		  time_t now)
{
	char at[32];
	sqlite3_stmt *st;
	int rc = -1;
	store_iso_utc(now, at);
	st = store_sql_prep(s,
			    "INSERT INTO cpd_hours (application_id, year, source, ref, \"by\", at, hours)"
			    " VALUES (?, ?, ?, ?, ?, ?, ?)",
			    "iitttt", id, (int64_t)year, source, ref, by, at);
	/* the statement helper binds no doubles: the last one bound here */
	if (st == NULL || sqlite3_bind_double(st, 7, hours) != SQLITE_OK)
		goto out;
	rc = store_sql_step(s, st) == 0 ? 0 : -1;
out:
	if (rc != 0 && st)
		store_fail(s);
	store_sql_done(s, st);
	return rc;
}

/* The figure that counts for a year: the centre's latest, else the latest
 * CPD record's. */
#define CPD_LATEST \
	"SELECT id FROM cpd_hours WHERE application_id = c.application_id AND year = c.year" \
	" ORDER BY (source = 'centre') DESC, id DESC LIMIT 1"

int store_cpd_hours(store *s, int64_t id, int year, double *hours)
{
	sqlite3_stmt *st = store_sql_prep(s,
					  "SELECT hours FROM cpd_hours c WHERE application_id = ? AND year = ?"
					  " AND id = (" CPD_LATEST ")",
					  "ii", id, (int64_t)year);
	int rc = -1;
	*hours = 0;
	if (st == NULL)
		return -1;
	rc = store_sql_step(s, st);
	if (rc == 1)
		*hours = sqlite3_column_double(st, 0);
	store_sql_done(s, st);
	return rc;
}

int store_cpd_registered(store *s, const char *cmes_no, int64_t *id)
{
	*id = 0;
	return store_sql_int64(s, id,
			       "SELECT a.id FROM applications a JOIN applicants p ON p.id = a.applicant_id"
			       " WHERE p.cmes_no = ? AND a.state IN ('certified', 're_registration_due')"
			       " ORDER BY a.id DESC LIMIT 1",
			       "t", cmes_no);
}

static void cpd_fill(sqlite3_stmt *st, void *row, void *ctx)
{
	store_cpd_row *r = row;
	(void)ctx;
	r->year = sqlite3_column_int(st, 0);
	r->hours = sqlite3_column_double(st, 1);
	r->source = store_col_text(st, 2);
	r->ref = store_col_text(st, 3);
	r->by = store_col_text(st, 4);
	r->at = store_col_text(st, 5);
}

static void cpd_drop(void *row)
{
	store_cpd_row *r = row;
	free(r->source);
	free(r->ref);
	free(r->by);
	free(r->at);
}

static const store_row_kind cpd_kind = {sizeof(store_cpd_row), cpd_fill, cpd_drop};

int store_cpd_list_get(store *s, int64_t id, store_cpd_list *out)
{
	return store_rows_query(s, &cpd_kind, &out->rows, &out->n,
				"SELECT year, hours, source, ref, \"by\", at FROM cpd_hours c"
				" WHERE application_id = ? AND id = (" CPD_LATEST ") ORDER BY year",
				"i", id);
}

void store_cpd_list_free(store_cpd_list *l)
{
	store_rows_free(&cpd_kind, &l->rows, &l->n);
}

int store_pay_unsent_drop(store *s, int64_t id)
{
	static const char unsent[] = "SELECT message_id FROM outbox WHERE application_id = ?1 AND kind = 'payment'"
				     " AND state = 'queued' AND attempts = 0";
	char sql[512];
	snprintf(sql, sizeof sql, "UPDATE payments SET notice = NULL WHERE application_id = ?1 AND notice IN (%s)",
		 unsent);
	if (store_sql_run(s, sql, "i", id) != 0)
		return -1;
	return store_sql_run(s,
			     "DELETE FROM outbox WHERE application_id = ?1 AND kind = 'payment' AND state = 'queued'"
			     " AND attempts = 0",
			     "i", id);
}

static void payment_fill(sqlite3_stmt *st, void *row, void *ctx)
{
	store_payment_row *r = row;
	(void)ctx;
	r->item = store_col_text(st, 0);
	r->amount = (long)sqlite3_column_int64(st, 1);
	r->ref = store_col_text(st, 2);
	r->at = store_col_text(st, 3);
}

static void payment_drop(void *row)
{
	store_payment_row *r = row;
	free(r->item);
	free(r->ref);
	free(r->at);
}

static const store_row_kind payment_kind = {sizeof(store_payment_row), payment_fill, payment_drop};

int store_pay_unlisted(store *s, int64_t id, store_payment_list *out)
{
	return store_rows_query(s, &payment_kind, &out->rows, &out->n,
				"SELECT item, amount, ref, at FROM payments WHERE application_id = ? AND notice IS NULL"
				" ORDER BY id",
				"i", id);
}

void store_payment_list_free(store_payment_list *l)
{
	store_rows_free(&payment_kind, &l->rows, &l->n);
}

int store_pay_mark_listed(store *s, int64_t id)
{
	return store_sql_run(s,
			     "UPDATE payments SET notice = (SELECT message_id FROM outbox WHERE application_id = ?1"
			     " AND kind = 'payment' ORDER BY id DESC LIMIT 1) WHERE application_id = ?1 AND notice IS NULL",
			     "i", id);
}

static void purge_fill(sqlite3_stmt *st, void *row, void *ctx)
{
	store_purge_row *r = row;
	(void)ctx;
	r->id = sqlite3_column_int64(st, 0);
	r->number = store_col_text(st, 1);
	r->state = store_col_text(st, 2);
	r->since = store_col_text(st, 3);
}

static void purge_drop(void *row)
{
	store_purge_row *r = row;
	free(r->number);
	free(r->state);
	free(r->since);
}

static const store_row_kind purge_kind = {sizeof(store_purge_row), purge_fill, purge_drop};

int store_purge_candidates(store *s, store_purge_list *out)
{
	return store_rows_query(s, &purge_kind, &out->rows, &out->n,
				"SELECT a.id, a.number, a.state, CASE WHEN a.state IN ('certified', 're_registration_due')"
				"  THEN (SELECT min(at) FROM history WHERE application_id = a.id AND to_state = 'certified'"
				"        AND coalesce(from_state, '') <> 'certified')"
				"  ELSE (SELECT max(at) FROM history WHERE application_id = a.id AND to_state = a.state"
				"        AND coalesce(from_state, '') <> a.state) END"
				" FROM applications a"
				" WHERE a.state IN ('certified', 're_registration_due', 'rejected', 'returned', 'interview_failed',"
				"  'no_show')"
				" AND EXISTS (SELECT 1 FROM files WHERE application_id = a.id AND purged_at IS NULL"
				"  AND coalesce(stored_path, '') <> '')"
				" ORDER BY a.id",
				"");
}

void store_purge_list_free(store_purge_list *l)
{
	store_rows_free(&purge_kind, &l->rows, &l->n);
}

static void path_fill(sqlite3_stmt *st, void *row, void *ctx)
{
	store_path_row *r = row;
	(void)ctx;
	r->id = sqlite3_column_int64(st, 0);
	r->path = store_col_text(st, 1);
	r->shared = (long)sqlite3_column_int64(st, 2);
}

static void path_drop(void *row)
{
	free(((store_path_row *)row)->path);
}

/* Rows of (id, path, shared). */
static const store_row_kind path_kind = {sizeof(store_path_row), path_fill, path_drop};

void store_path_list_free(store_path_list *l)
{
	store_rows_free(&path_kind, &l->rows, &l->n);
}

int store_purge_paths(store *s, int64_t id, store_path_list *out)
{
	return store_rows_query(s, &path_kind, &out->rows, &out->n,
				"SELECT 0, f.stored_path, (SELECT count(*) FROM files g WHERE g.stored_path = f.stored_path"
				"  AND g.application_id <> f.application_id AND g.purged_at IS NULL)"
				" FROM files f WHERE f.application_id = ? AND f.purged_at IS NULL"
				" AND coalesce(f.stored_path, '') <> '' GROUP BY f.stored_path ORDER BY min(f.id)",
				"i", id);
}

int store_purge_mark(store *s, int64_t id, time_t now)
{
	char at[32];
	store_iso_utc(now, at);
	return store_sql_run(s, "UPDATE files SET purged_at = ? WHERE application_id = ? AND purged_at IS NULL", "ti", at,
			     id);
}

static void purged_fill(sqlite3_stmt *st, void *row, void *ctx)
{
	store_purged_row *r = row;
	(void)ctx;
	r->sha256 = store_col_text(st, 0);
	r->purged_at = store_col_text(st, 1);
}

static void purged_drop(void *row)
{
	store_purged_row *r = row;
	free(r->sha256);
	free(r->purged_at);
}

static const store_row_kind purged_kind = {sizeof(store_purged_row), purged_fill, purged_drop};

int store_purge_files(store *s, int64_t id, store_purged_list *out)
{
	return store_rows_query(s, &purged_kind, &out->rows, &out->n,
				"SELECT DISTINCT sha256, purged_at FROM files WHERE application_id = ? AND superseded = 0"
				" AND purged_at IS NOT NULL",
				"i", id);
}

void store_purged_list_free(store_purged_list *l)
{
	store_rows_free(&purged_kind, &l->rows, &l->n);
}

int store_purge_transmittals(store *s, store_path_list *out)
{
	return store_rows_query(s, &path_kind, &out->rows, &out->n,
				"SELECT t.id, t.file, 0 FROM transmittals t WHERE NOT EXISTS (SELECT 1 FROM transmittal_items i"
				" JOIN files f ON f.application_id = i.application_id WHERE i.transmittal_id = t.id"
				" AND f.purged_at IS NULL AND coalesce(f.stored_path, '') <> '') ORDER BY t.id",
				"");
}
