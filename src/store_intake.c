/* store_intake.c — queries of the intake beyond single rows: whose
 * applications an address may ask about and how recently it was answered
 * (STATUS by email, status.c), and what one cycle did, counted from the
 * rows it wrote (the cycle summary). */
#include "store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_p.h"

int store_apps_of_address(store *s, const char *addr, const char *number, int64_t **ids, size_t *n)
{
	/* The address its notices go to, or the applicant's own email. */
	return store_rows_query(s, &store_id_kind, ids, n,
				"SELECT a.id FROM applications a JOIN applicants p ON p.id = a.applicant_id"
				" WHERE (a.reply_to = ? COLLATE NOCASE OR p.email = ? COLLATE NOCASE)"
				" AND (? IS NULL OR a.number = ?) ORDER BY a.id",
				"tttt", addr, addr, number, number);
}

int store_answers_since(store *s, int64_t id, const char *kind, const char *recipient, time_t since, int64_t *n)
{
	char at[32];
	store_iso_utc(since, at);
	*n = 0;
	if (id > 0)
		return store_sql_int64(s, n,
				       "SELECT count(*) FROM notices_sent WHERE application_id = ? AND kind = ?"
				       " AND at >= ?",
				       "itt", id, kind, at) < 0 ? -1 : 0;
	return store_sql_int64(s, n,
			       "SELECT count(*) FROM outbox WHERE application_id IS NULL AND kind = ?"
			       " AND recipients = ? COLLATE NOCASE AND created_at >= ?",
			       "ttt", kind, recipient, at) < 0 ? -1 : 0;
}

int store_answer_mark(store *s, int64_t id, const char *kind, time_t now)
{
	char at[32];
	store_iso_utc(now, at);
	return store_sql_run(s, "INSERT OR IGNORE INTO notices_sent (application_id, kind, period, at) VALUES (?, ?, ?, ?)",
			     "ittt", id, kind, at, at);
}

int store_cycle_mark(store *s, store_cycle_marks *m)
{
	memset(m, 0, sizeof *m);
	if (store_sql_int64(s, &m->item, "SELECT coalesce(max(id), 0) FROM items", "") < 0 ||
	    store_sql_int64(s, &m->application, "SELECT coalesce(max(id), 0) FROM applications", "") < 0 ||
	    store_sql_int64(s, &m->outbox, "SELECT coalesce(max(id), 0) FROM outbox", "") < 0)
		return -1;
	return 0;
}

/* Rows of the items written since the mark, by status. */
static const char *const cycle_item_sql =
	"SELECT"
	" count(*) FILTER (WHERE key NOT LIKE 'batch:%#row%'),"
	" count(*) FILTER (WHERE key LIKE 'batch:%#row%'),"
	" count(*) FILTER (WHERE status = 'duplicate' AND key NOT LIKE 'batch:%#row%'),"
	" count(*) FILTER (WHERE status = 'no_packet'),"
	" count(*) FILTER (WHERE status = 'ignored'),"
	" count(*) FILTER (WHERE status = 'status'),"
	" count(*) FILTER (WHERE status = 'too_large'),"
	" count(*) FILTER (WHERE key LIKE 'batch:%' AND key NOT LIKE 'batch:%#row%')"
	" FROM items WHERE id > ?";

int store_cycle_count(store *s, const store_cycle_marks *m, store_cycle_counts *c)
{
	sqlite3_stmt *st;
	int r;
	memset(c, 0, sizeof *c);
	st = store_sql_prep(s, cycle_item_sql, "i", m->item);
	if (st == NULL)
		return -1;
	r = store_sql_step(s, st);
	if (r == 1) {
		c->recorded = sqlite3_column_int64(st, 0);
		c->rows = sqlite3_column_int64(st, 1);
		c->duplicates = sqlite3_column_int64(st, 2);
		c->no_packet = sqlite3_column_int64(st, 3);
		c->ignored = sqlite3_column_int64(st, 4);
		c->status = sqlite3_column_int64(st, 5);
		c->too_large = sqlite3_column_int64(st, 6);
		c->batches = sqlite3_column_int64(st, 7);
	}
	store_sql_done(s, st);
	if (r != 1)
		return -1;
	/* The applications the cycle's packets made or supplemented, by the
	 * state they are in now. */
	st = store_sql_prep(s,
			    "SELECT count(*), count(*) FILTER (WHERE id > ?),"
			    " count(*) FILTER (WHERE state = 'complete'),"
			    " count(*) FILTER (WHERE state = 'incomplete'),"
			    " count(*) FILTER (WHERE state = 'rejected')"
			    " FROM applications WHERE id IN (SELECT application_id FROM items WHERE id > ?"
			    " AND status IN ('processed', 'rejected'))",
			    "ii", m->application, m->item);
	if (st == NULL)
		return -1;
	r = store_sql_step(s, st);
	if (r == 1) {
		c->applications = sqlite3_column_int64(st, 0);
		c->new_applications = sqlite3_column_int64(st, 1);
		c->complete = sqlite3_column_int64(st, 2);
		c->incomplete = sqlite3_column_int64(st, 3);
		c->rejected = sqlite3_column_int64(st, 4);
	}
	store_sql_done(s, st);
	if (r != 1)
		return -1;
	if (store_sql_int64(s, &c->queued, "SELECT count(*) FROM outbox WHERE id > ?", "i", m->outbox) < 0 ||
	    store_sql_int64(s, &c->waiting, "SELECT count(*) FROM outbox WHERE state = 'queued'", "") < 0)
		return -1;
	return 0;
}
