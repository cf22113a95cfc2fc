/* store_report.c — see store_report.h. The `count(*) OVER ()` column is
 * evaluated before LIMIT, so one statement gives the rows shown and how
 * many there are in all. */
#include "store_report.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "store_p.h"
#include "util.h"

#define RP_NAMES                                                               \
	" coalesce(json_extract(a.applicant_json, '$.name_zh'), '')," \
	" coalesce(json_extract(a.applicant_json, '$.name_en'), '')"

/* The latest history row that moved application a into state (not a
 * transition that stayed in it). */
#define RP_ENTERED(state)                                                                           \
	"(SELECT max(h.id) FROM history h WHERE h.application_id = a.id AND h.to_state = '" state "'" \
	" AND coalesce(h.from_state, '') <> '" state "')"

/* Every list query selects these columns, in this order. */
#define RP_TAIL ", count(*) OVER ()"
#define RP_APP RP_TAIL ", a.id, '', ''"

static void report_fill(sqlite3_stmt *st, void *row, void *ctx)
{
	store_report_row *r = row;
	r->number = store_col_text(st, 0);
	r->name_zh = store_col_text(st, 1);
	r->name_en = store_col_text(st, 2);
	r->state = store_col_text(st, 3);
	r->at = store_col_text(st, 4);
	r->detail = store_col_text(st, 5);
	r->value = store_col_text(st, 6);
	*(long *)ctx = (long)sqlite3_column_int64(st, 7);
	r->app_id = sqlite3_column_int64(st, 8);
	r->kind = store_col_text(st, 9);
	r->recipients = store_col_text(st, 10);
}

static void report_drop(void *row)
{
	store_report_row *r = row;
	free(r->number);
	free(r->name_zh);
	free(r->name_en);
	free(r->state);
	free(r->at);
	free(r->detail);
	free(r->value);
	free(r->kind);
	free(r->recipients);
}

static const store_row_kind report_kind = {sizeof(store_report_row), report_fill, report_drop};

/* Runs a list query (number, name_zh, name_en, state, at, detail, value,
 * total, app_id, kind, recipients) into out. */
static int query(store *s, store_report_list *out, const char *sql, const char *types, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	memset(out, 0, sizeof *out);
	va_start(ap, types);
	st = store_sql_vprep(s, sql, types, ap);
	va_end(ap);
	if (store_rows(s, st, &report_kind, &out->total, &out->rows, &out->n) != 0) {
		out->total = 0;
		return -1;
	}
	return 0;
}

static char *dup_or_empty(const char *v)
{
	return xstrdup(v ? v : "");
}

void store_report_list_add(store_report_list *l, int64_t app_id, const char *number, const char *name_zh,
			   const char *name_en, const char *state, const char *at, const char *detail,
			   const char *value)
{
	store_report_row *c;
	l->rows = xrealloc(l->rows, (l->n + 1) * sizeof *l->rows);
	c = &l->rows[l->n++];
	c->app_id = app_id;
	c->number = dup_or_empty(number);
	c->name_zh = dup_or_empty(name_zh);
	c->name_en = dup_or_empty(name_en);
	c->state = dup_or_empty(state);
	c->at = dup_or_empty(at);
	c->detail = dup_or_empty(detail);
	c->value = dup_or_empty(value);
	c->kind = dup_or_empty(NULL);
	c->recipients = dup_or_empty(NULL);
}

void store_report_list_free(store_report_list *l)
{
	store_rows_free(&report_kind, &l->rows, &l->n);
	l->total = 0;
}

int store_rp_no_result(store *s, const char *now, int64_t limit, store_report_list *out)
{
	return query(s, out,
		     "SELECT a.number," RP_NAMES ", a.state, i.starts_at, i.place, i.minutes" RP_APP
		     " FROM applications a JOIN interviews i ON i.id ="
		     "  (SELECT max(id) FROM interviews WHERE application_id = a.id)"
		     " WHERE a.state = 'interview_planned'"
		     "  AND strftime('%Y-%m-%dT%H:%M:%SZ', i.starts_at, '+' || i.minutes || ' minutes') <= ?"
		     " ORDER BY i.starts_at, a.id LIMIT ?",
		     "ti", now, limit);
}

int store_rp_not_transmitted(store *s, int64_t limit, store_report_list *out)
{
	return query(s, out,
		     "SELECT a.number," RP_NAMES ", a.state, e.at, '', ''" RP_APP
		     " FROM applications a LEFT JOIN history e ON e.id = " RP_ENTERED("recommended")
		     " WHERE a.state = 'recommended' ORDER BY e.at, a.id LIMIT ?",
		     "i", limit);
}

int store_rp_soehk_waiting(store *s, const char *before, int64_t limit, store_report_list *out)
{
	return query(s, out,
		     "SELECT a.number," RP_NAMES ", a.state, e.at, '', ''" RP_APP
		     " FROM applications a JOIN history e ON e.id = " RP_ENTERED("soehk_review")
		     " WHERE a.state = 'soehk_review' AND e.at < ?"
		     "  AND NOT EXISTS (SELECT 1 FROM history x WHERE x.application_id = a.id AND x.id > e.id"
		     "   AND x.event = 'soehk_accept')"
		     " ORDER BY e.at, a.id LIMIT ?",
		     "ti", before, limit);
}

int store_rp_interview_fee(store *s, int64_t fee, int64_t limit, store_report_list *out)
{
	return query(s, out,
		     "SELECT number, name_zh, name_en, state, created_at, '', ? - paid" RP_TAIL ", id, '', '' FROM ("
		     " SELECT a.id, a.number, coalesce(json_extract(a.applicant_json, '$.name_zh'), '') AS name_zh,"
		     "  coalesce(json_extract(a.applicant_json, '$.name_en'), '') AS name_en, a.state, a.created_at,"
		     "  (SELECT coalesce(sum(p.amount), 0) FROM payments p"
		     "   WHERE p.application_id = a.id AND p.item = 'interview') AS paid"
		     " FROM applications a WHERE a.state IN"
		     "  ('complete', 'centre_review', 'recommended', 'soehk_review', 'interview_planned'))"
		     " WHERE paid < ? ORDER BY created_at, id LIMIT ?",
		     "iii", fee, fee, limit);
}

int store_rp_reregistration_due(store *s, store_report_list *out)
{
	return query(s, out,
		     "SELECT a.number," RP_NAMES ", a.state, e.at, '', ''" RP_APP
		     " FROM applications a LEFT JOIN history e ON e.id = " RP_ENTERED("re_registration_due")
		     " WHERE a.state = 're_registration_due' ORDER BY e.at, a.id",
		     "");
}

int store_rp_failing(store *s, int64_t limit, store_report_list *out)
{
	return query(s, out,
		     "SELECT coalesce(a.number, '#' || o.id), '', '', o.state, o.created_at,"
		     " coalesce(o.last_error, ''), o.attempts" RP_TAIL ", coalesce(o.application_id, 0), o.kind, o.recipients"
		     " FROM outbox o LEFT JOIN applications a ON a.id = o.application_id"
		     " WHERE o.state = 'failed' OR (o.state = 'queued' AND o.attempts > 0) ORDER BY o.id LIMIT ?",
		     "i", limit);
}

/* A packet is an item recorded against an application (an email's or a
 * batch row's, archive or folder); the first of its application made it,
 * the later ones are supplements. */
#define RP_PACKET "x.status IN ('processed', 'rejected') AND x.application_id IS NOT NULL"
#define RP_IS_FIRST                                                                               \
	"x.id = (SELECT min(y.id) FROM items y WHERE y.application_id = x.application_id"           \
	" AND y.status IN ('processed', 'rejected'))"

int store_rp_packets(store *s, const char *from, const char *to, int64_t limit, store_report_list *out)
{
	return query(s, out,
		     "SELECT a.number," RP_NAMES ", a.state, x.at,"
		     " coalesce(json_extract(a.applicant_json, '$.province'), ''),"
		     " CASE WHEN " RP_IS_FIRST " THEN 'new' ELSE 'supplement' END" RP_APP
		     " FROM items x JOIN applications a ON a.id = x.application_id"
		     " WHERE " RP_PACKET " AND x.at >= ? AND x.at < ? ORDER BY x.at, x.id LIMIT ?",
		     "tti", from, to, limit);
}

int store_rp_packet_counts(store *s, const char *from, const char *to, int64_t *fresh, int64_t *supplements)
{
	sqlite3_stmt *st = store_sql_prep(s,
					  "SELECT coalesce(sum(" RP_IS_FIRST "), 0), count(*) FROM items x"
					  " WHERE " RP_PACKET " AND x.at >= ? AND x.at < ?",
					  "tt", from, to);
	int rc = st ? store_sql_step(s, st) : -1;
	*fresh = rc == 1 ? sqlite3_column_int64(st, 0) : 0;
	*supplements = rc == 1 ? sqlite3_column_int64(st, 1) - *fresh : 0;
	store_sql_done(s, st);
	return rc < 0 ? -1 : 0;
}

int store_rp_incomplete(store *s, int64_t limit, store_report_list *out)
{
	return query(s, out,
		     "SELECT a.number," RP_NAMES ", a.state, a.updated_at, '', ''" RP_APP
		     " FROM applications a WHERE a.state = 'incomplete' ORDER BY a.updated_at, a.id LIMIT ?",
		     "i", limit);
}

int store_rp_interviews(store *s, const char *from, const char *to, int64_t limit, store_report_list *out)
{
	return query(s, out,
		     "SELECT a.number," RP_NAMES ", a.state, i.starts_at, i.place, i.minutes" RP_APP
		     " FROM applications a JOIN interviews i ON i.id ="
		     "  (SELECT max(id) FROM interviews WHERE application_id = a.id)"
		     " WHERE a.state = 'interview_planned' AND i.starts_at >= ? AND i.starts_at < ?"
		     " ORDER BY i.starts_at, a.id LIMIT ?",
		     "tti", from, to, limit);
}

int store_rp_total(store *s, int64_t *n)
{
	*n = 0;
	return store_sql_int64(s, n, "SELECT count(*) FROM applications", "") < 0 ? -1 : 0;
}
