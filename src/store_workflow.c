/* store_workflow.c — the certification workflow's half of the store
 * (store.h, schema step 2): state changes by compare and set with an event
 * in the history, payments, interview plans, once-only notices, nightly
 * report runs, transmittals, and the read-only queries of the report.
 *
 * Every function writes at most one row, or runs inside the caller's
 * store_begin/store_commit with the notice it reports.
 */
#include "clock.h"
#include "store.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "store_p.h"
#include "util.h"

int store_wf_transition(store *s, int64_t id, const char *from, const char *to, const char *event, const char *by,
			const char *reason, time_t now)
{
	char at[32];
	int rc = -1, sp = 0;
	store_iso_utc(now, at);
	if (store_op_begin(s) != 0)
		goto out;
	sp = 1;
	if (store_sql_run(s, "UPDATE applications SET state = ?, updated_at = ? WHERE id = ? AND state = ?", "ttit",
			  to, at, id, from) != 0)
		goto out;
	if (sqlite3_changes(s->db) != 1) {
		rc = 0;
		goto out;
	}
	if (store_sql_run(s,
			  "INSERT INTO history (application_id, at, from_state, to_state, \"by\", reason, event)"
			  " VALUES (?, ?, ?, ?, ?, ?, ?)",
			  "itttttt", id, at, from, to, by, reason, event) != 0)
		goto out;
	rc = 1;
out:
	if (sp && store_op_end(s, rc < 0 ? -1 : 0) != 0)
		rc = -1;
	return rc;
}

int store_wf_event_since_entry(store *s, int64_t id, const char *state, const char *event)
{
	int64_t n = 0;
	int rc = store_sql_int64(s, &n,
				 "SELECT count(*) FROM history WHERE application_id = ?1 AND event = ?3 AND id >"
				 " (SELECT coalesce(max(id), 0) FROM history WHERE application_id = ?1 AND to_state = ?2"
				 "  AND coalesce(from_state, '') <> ?2)",
				 "itt", id, state, event);
	return rc < 0 ? -1 : n > 0;
}

int store_wf_entered_at(store *s, int64_t id, const char *state, int first, time_t *at)
{
	sqlite3_stmt *st = store_sql_prep(s,
					  first ? "SELECT at FROM history WHERE application_id = ? AND to_state = ?"
						  " AND coalesce(from_state, '') <> to_state ORDER BY id LIMIT 1"
						: "SELECT at FROM history WHERE application_id = ? AND to_state = ?"
						  " AND coalesce(from_state, '') <> to_state ORDER BY id DESC LIMIT 1",
					  "it", id, state);
	char text[32];
	int rc = -1;
	if (st == NULL)
		goto out;
	rc = store_sql_step(s, st);
	if (rc == 1) {
		store_col_copy(st, 0, text, sizeof text);
		if (clock_parse_iso(text, at) != 0)
			rc = -1;
	}
out:
	store_sql_done(s, st);
	return rc;
}

int store_wf_each_certified(store *s, void (*each)(time_t certified, void *arg), void *arg)
{
	sqlite3_stmt *st = store_sql_prep(s,
					  "SELECT (SELECT h.at FROM history h WHERE h.application_id = a.id"
					  "  AND h.to_state = 'certified' AND coalesce(h.from_state, '') <> h.to_state"
					  "  ORDER BY h.id LIMIT 1)"
					  " FROM applications a WHERE a.state IN ('certified', 're_registration_due')",
					  "");
	char text[32];
	time_t at;
	int r = -1;
	if (st == NULL)
		return -1;
	while ((r = store_sql_step(s, st)) == 1) {
		store_col_copy(st, 0, text, sizeof text);
		if (text[0] != '\0' && clock_parse_iso(text, &at) == 0)
			each(at, arg);
	}
	store_sql_done(s, st);
	return r == 0 ? 0 : -1;
}

int store_wf_payment_add(store *s, int64_t id, const char *item, int64_t amount, const char *ref, const char *by,
			 time_t now)
{
	char at[32];
	store_iso_utc(now, at);
	return store_sql_run(s,
			     "INSERT INTO payments (application_id, item, amount, ref, \"by\", at) VALUES (?, ?, ?, ?, ?, ?)",
			     "itittt", id, item, amount, ref, by, at);
}

int store_wf_paid(store *s, int64_t id, const char *item, int64_t *sum)
{
	*sum = 0;
	return store_sql_int64(s, sum, "SELECT coalesce(sum(amount), 0) FROM payments WHERE application_id = ? AND item = ?",
			       "it", id, item) < 0 ? -1 : 0;
}

int store_wf_interview_add(store *s, int64_t id, time_t starts_at, int minutes, const char *place, const char *by,
			   time_t now, int64_t *plan_id)
{
	char at[32], start[32];
	store_iso_utc(now, at);
	store_iso_utc(starts_at, start);
	if (store_sql_run(s,
			  "INSERT INTO interviews (application_id, starts_at, minutes, place, \"by\", created_at)"
			  " VALUES (?, ?, ?, ?, ?, ?)",
			  "itittt", id, start, (int64_t)minutes, place, by, at) != 0)
		return -1;
	*plan_id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

int store_wf_interview_get(store *s, int64_t id, store_interview *out)
{
	sqlite3_stmt *st = store_sql_prep(s,
					  "SELECT id, starts_at, minutes, place, created_at,"
					  " (SELECT count(*) FROM interviews WHERE application_id = ?1)"
					  " FROM interviews WHERE application_id = ?1 ORDER BY id DESC LIMIT 1",
					  "i", id);
	char text[32];
	int rc = -1;
	memset(out, 0, sizeof *out);
	if (st == NULL)
		goto out;
	rc = store_sql_step(s, st);
	if (rc != 1)
		goto out;
	out->id = sqlite3_column_int64(st, 0);
	store_col_copy(st, 1, text, sizeof text);
	if (clock_parse_iso(text, &out->starts_at) != 0)
		rc = -1;
	out->minutes = sqlite3_column_int(st, 2);
	out->place = store_col_dup(st, 3);
	store_col_copy(st, 4, text, sizeof text);
	if (clock_parse_iso(text, &out->created_at) != 0)
		rc = -1;
	out->plans = sqlite3_column_int(st, 5);
out:
	store_sql_done(s, st);
	return rc;
}

void store_interview_free(store_interview *iv)
{
	free(iv->place);
	memset(iv, 0, sizeof *iv);
}

int store_wf_notice_once(store *s, int64_t id, const char *kind, const char *period, time_t now)
{
	char at[32];
	store_iso_utc(now, at);
	if (store_sql_run(s, "INSERT OR IGNORE INTO notices_sent (application_id, kind, period, at) VALUES (?, ?, ?, ?)",
			  "ittt", id, kind, period, at) != 0)
		return -1;
	return sqlite3_changes(s->db) == 1;
}

int store_wf_report_done(store *s, const char *date)
{
	int64_t n = 0;
	return store_sql_int64(s, &n, "SELECT count(*) FROM report_runs WHERE date = ?", "t", date) < 0 ? -1 : n > 0;
}

int store_wf_report_record(store *s, const char *date, const char *message_id, time_t now)
{
	char at[32];
	store_iso_utc(now, at);
	return store_sql_run(s, "INSERT INTO report_runs (date, at, message_id) VALUES (?, ?, ?)", "ttt", date, at,
			     message_id);
}

int store_wf_transmittal_add(store *s, const char *file, const char *sha256, int64_t count, const char *by,
			     time_t now, int64_t *tid)
{
	char at[32];
	store_iso_utc(now, at);
	if (store_sql_run(s, "INSERT INTO transmittals (file, sha256, count, \"by\", created_at) VALUES (?, ?, ?, ?, ?)",
			  "ttitt", file, sha256, count, by, at) != 0)
		return -1;
	*tid = sqlite3_last_insert_rowid(s->db);
	return 0;
}

int store_wf_transmittal_item(store *s, int64_t tid, int64_t app_id)
{
	return store_sql_run(s, "INSERT INTO transmittal_items (transmittal_id, application_id) VALUES (?, ?)", "ii",
			     tid, app_id);
}

#define NAME_COLS \
	" coalesce(json_extract(applicant_json, '$.name_zh'), ''), coalesce(json_extract(applicant_json, '$.name_en'), '')"

static void count_fill(sqlite3_stmt *st, void *row, void *ctx)
{
	store_count_row *r = row;
	(void)ctx;
	r->key = store_col_text(st, 0);
	r->count = (long)sqlite3_column_int64(st, 1);
}

static void count_drop(void *row)
{
	free(((store_count_row *)row)->key);
}

static const store_row_kind count_kind = {sizeof(store_count_row), count_fill, count_drop};

int store_wf_counts(store *s, const char *by, store_count_list *out)
{
	if (strcmp(by, "state") == 0)
		return store_rows_query(s, &count_kind, &out->rows, &out->n,
					"SELECT state, count(*) FROM applications GROUP BY state ORDER BY state", "");
	return store_rows_query(s, &count_kind, &out->rows, &out->n,
				"SELECT coalesce(json_extract(applicant_json, '$.province'), '-') AS p, count(*)"
				" FROM applications GROUP BY p ORDER BY p",
				"");
}

void store_count_list_free(store_count_list *l)
{
	store_rows_free(&count_kind, &l->rows, &l->n);
}

static void interview_fill(sqlite3_stmt *st, void *row, void *ctx)
{
	store_interview_row *r = row;
	(void)ctx;
	r->id = sqlite3_column_int64(st, 0);
	r->number = store_col_text(st, 1);
	r->name_zh = store_col_text(st, 2);
	r->name_en = store_col_text(st, 3);
	r->starts_at = store_col_text(st, 4);
	r->minutes = (long)sqlite3_column_int64(st, 5);
	r->place = store_col_text(st, 6);
	r->created_at = store_col_text(st, 7);
}

static void interview_drop(void *row)
{
	store_interview_row *r = row;
	free(r->number);
	free(r->name_zh);
	free(r->name_en);
	free(r->starts_at);
	free(r->place);
	free(r->created_at);
}

static const store_row_kind interview_kind = {sizeof(store_interview_row), interview_fill, interview_drop};

int store_wf_interviews(store *s, const char *from, const char *to, store_interview_list *out)
{
	return store_rows_query(s, &interview_kind, &out->rows, &out->n,
				"SELECT a.id, a.number," NAME_COLS ", i.starts_at, i.minutes, i.place, i.created_at"
				" FROM applications a JOIN interviews i ON i.id ="
				"  (SELECT max(id) FROM interviews WHERE application_id = a.id)"
				" WHERE a.state = 'interview_planned' AND i.starts_at >= ? AND i.starts_at < ?"
				" ORDER BY i.starts_at, a.id",
				"tt", from, to);
}

void store_interview_list_free(store_interview_list *l)
{
	store_rows_free(&interview_kind, &l->rows, &l->n);
}

static void history_fill(sqlite3_stmt *st, void *row, void *ctx)
{
	store_history_row *r = row;
	(void)ctx;
	r->at = store_col_dup(st, 0);
	r->from = store_col_dup(st, 1);
	r->to = store_col_dup(st, 2);
	r->by = store_col_dup(st, 3);
	r->reason = store_col_dup(st, 4);
	r->event = store_col_dup(st, 5);
}

static void history_drop(void *row)
{
	store_history_row *r = row;
	free(r->at);
	free(r->from);
	free(r->to);
	free(r->by);
	free(r->reason);
	free(r->event);
}

static const store_row_kind history_kind = {sizeof(store_history_row), history_fill, history_drop};

int store_wf_history(store *s, int64_t id, store_history_list *out)
{
	return store_rows_query(s, &history_kind, &out->rows, &out->n,
				"SELECT at, from_state, to_state, \"by\", reason, event FROM history"
				" WHERE application_id = ? ORDER BY id",
				"i", id);
}

void store_history_list_free(store_history_list *l)
{
	store_rows_free(&history_kind, &l->rows, &l->n);
}

static void id_fill(sqlite3_stmt *st, void *row, void *ctx)
{
	store_id_row *r = row;
	(void)ctx;
	r->id = sqlite3_column_int64(st, 0);
	r->number = store_col_text(st, 1);
}

static void id_drop(void *row)
{
	free(((store_id_row *)row)->number);
}

static const store_row_kind id_kind = {sizeof(store_id_row), id_fill, id_drop};

int store_wf_ids_in(store *s, const char *state, store_id_list *out)
{
	return store_rows_query(s, &id_kind, &out->rows, &out->n,
				"SELECT id, number FROM applications WHERE state = ? ORDER BY id", "t", state);
}

void store_id_list_free(store_id_list *l)
{
	store_rows_free(&id_kind, &l->rows, &l->n);
}

void store_wf_iso(time_t t, char out[32])
{
	store_iso_utc(t, out);
}

static const char *text_or_null(sqlite3_stmt *st, int col)
{
	const char *v = (const char *)sqlite3_column_text(st, col);
	return v && *v ? v : NULL;
}

int store_wf_fee_rows(store *s, store_fee_row_fn fn, void *ctx)
{
	sqlite3_stmt *st = store_sql_prep(
		s,
		"SELECT a.id, a.number, a.state, a.target, json_extract(a.applicant_json, '$.cmes_qualification'),"
		" json_extract(a.applicant_json, '$.province'), json_extract(a.applicant_json, '$.name_zh'),"
		" json_extract(a.applicant_json, '$.name_en'),"
		" EXISTS (SELECT 1 FROM history h WHERE h.application_id = a.id AND h.to_state = 'interview_passed'"
		"  AND coalesce(h.from_state, '') <> h.to_state),"
		" (SELECT h.at FROM history h WHERE h.application_id = a.id AND h.to_state = 'certified'"
		"  AND coalesce(h.from_state, '') <> h.to_state ORDER BY h.id LIMIT 1),"
		" (SELECT group_concat(item || '=' || paid, ';') FROM (SELECT item, sum(amount) AS paid FROM payments p"
		"  WHERE p.application_id = a.id GROUP BY item))"
		" FROM applications a ORDER BY a.id",
		"");
	int rc = -1, r;
	if (st == NULL)
		return -1;
	while ((r = store_sql_step(s, st)) == 1) {
		store_fee_row row = {
			.id = sqlite3_column_int64(st, 0),
			.number = text_or_null(st, 1),
			.state = text_or_null(st, 2),
			.target = text_or_null(st, 3),
			.qualification = text_or_null(st, 4),
			.province = text_or_null(st, 5),
			.name_zh = text_or_null(st, 6),
			.name_en = text_or_null(st, 7),
			.passed = sqlite3_column_int(st, 8),
			.certified_at = text_or_null(st, 9),
			.paid = text_or_null(st, 10),
		};
		int f = fn(&row, ctx);
		if (f != 0) {
			rc = f;
			goto out;
		}
	}
	rc = r == 0 ? 0 : -1;
out:
	store_sql_done(s, st);
	return rc;
}
