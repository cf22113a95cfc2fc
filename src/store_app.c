/* store_app.c — the applicant and application half of the store (store.h):
 * applicants upserted by CMES number or email, application numbers
 * RRA-<year>-<sequence>, files with supersession on resubmission, findings
 * and the state history. Document and language indexes of the packet model
 * are stored as the rules' codes, so the database stays readable when the
 * rules change order.
 *
 * Application numbers take the year in the scheme's zone (Asia/Shanghai),
 * the year the applicant sees on the notice.
 */
#include "clock.h"
#include "store.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_p.h"
#include "util.h"

static const char *nz(const char *s)
{
	return s && *s ? s : NULL;
}

static const char *doc_code(const rules *r, int i)
{
	return r && i >= 0 && (size_t)i < r->ndocs ? r->docs[i].code : NULL;
}

static const char *lang_code(const rules *r, int i)
{
	return r && i >= 0 && (size_t)i < r->nlangs ? r->langs[i].code : NULL;
}

static int doc_index(const rules *r, const char *code)
{
	return r && code ? rules_doc_index(r, code) : -1;
}

static int lang_index(const rules *r, const char *code)
{
	return r && code ? rules_lang_index(r, code) : -1;
}

/* States in which an application takes a resubmission (SPEC section 5). */
#define STORE_OPEN_STATES "('received', 'complete', 'incomplete', 'returned')"

int store_find_archive(store *s, const char *sha256, char number[32])
{
	sqlite3_stmt *st = store_sql_prep(s,
					  "SELECT a.number FROM application_archives x"
					  " JOIN applications a ON a.id = x.application_id WHERE x.sha256 = ?",
					  "t", sha256);
	int rc = -1;
	if (st == NULL)
		goto out;
	rc = store_sql_step(s, st);
	if (rc == 1)
		store_col_copy(st, 0, number, 32);
out:
	store_sql_done(s, st);
	return rc;
}

int store_find_open_by_cmes(store *s, const char *cmes_no, int64_t *id, char number[32])
{
	sqlite3_stmt *st = store_sql_prep(s,
					  "SELECT a.id, a.number FROM applications a"
					  " JOIN applicants p ON p.id = a.applicant_id"
					  " WHERE p.cmes_no = ? AND a.state IN " STORE_OPEN_STATES
					  /* a returned application whose documents the retention
					   * purged is closed: a new packet starts a new one */
					  " AND NOT EXISTS (SELECT 1 FROM files f WHERE f.application_id = a.id"
					  "  AND f.purged_at IS NOT NULL)"
					  " ORDER BY a.id DESC LIMIT 1",
					  "t", cmes_no);
	int rc = -1;
	if (st == NULL)
		goto out;
	rc = store_sql_step(s, st);
	if (rc == 1) {
		*id = sqlite3_column_int64(st, 0);
		store_col_copy(st, 1, number, 32);
	}
out:
	store_sql_done(s, st);
	return rc;
}

/* A UTF-8 copy of s with each invalid byte replaced by U+FFFD, since
 * jansson refuses anything else and an applicant's field must not be lost. */
static char *utf8_clean(const char *s)
{
	size_t len = strlen(s), i = 0;
	buf b;
	buf_init(&b, 0);
	while (i < len) {
		uint32_t cp;
		size_t n = util_utf8_next(s + i, len - i, &cp);
		if (n == 0) {
			buf_adds(&b, "\xEF\xBF\xBD");
			n = 1;
		} else {
			buf_add(&b, s + i, n);
		}
		i += n;
	}
	buf_add(&b, "", 0);
	return buf_steal(&b);
}

/* The applicant's present fields as a compact JSON object; caller frees. */
static char *applicant_json(const applicant *a)
{
	json_t *o = json_object();
	char *out = NULL;
	if (o == NULL)
		goto out;
	for (size_t i = 0; i < APPLICANT_NFIELDS; i++) {
		const char *v = applicant_get(a, applicant_field_names[i]);
		char *clean;
		if (v == NULL)
			continue;
		clean = utf8_clean(v);
		json_object_set_new(o, applicant_field_names[i], json_string(clean));
		free(clean);
	}
	out = json_dumps(o, JSON_COMPACT);
out:
	json_decref(o);
	return out;
}

/* The stored object back into fields, once, for every caller; a field
 * stored empty stays NULL, as absent ones are. */
void store_applicant_decode(const char *json, applicant *out)
{
	json_t *o = json ? json_loads(json, 0, NULL) : NULL;
	for (size_t i = 0; o && i < APPLICANT_NFIELDS; i++) {
		const char *v = json_string_value(json_object_get(o, applicant_field_names[i]));
		if (v && *v)
			applicant_set(out, applicant_field_names[i], v);
	}
	if (o)
		json_decref(o);
}

/* Finds the applicant by CMES number when there is one, else by email, and
 * refreshes the record; creates it when not found. */
static int applicant_upsert(store *s, const applicant *a, const char *json, const char *at, int64_t *id)
{
	const char *cmes = nz(a->cmes_no), *email = nz(a->email);
	int rc = 0;
	if (cmes)
		rc = store_sql_int64(s, id, "SELECT id FROM applicants WHERE cmes_no = ?", "t", cmes);
	else if (email)
		rc = store_sql_int64(s, id,
				     "SELECT id FROM applicants WHERE email = ? COLLATE NOCASE ORDER BY id LIMIT 1",
				     "t", email);
	if (rc < 0)
		goto out;
	if (rc == 1) {
		rc = store_sql_run(s,
				   "UPDATE applicants SET email = coalesce(?, email), name_zh = coalesce(?, name_zh),"
				   " name_en = coalesce(?, name_en), fields_json = ?, updated_at = ? WHERE id = ?",
				   "ttttti", email, nz(a->name_zh), nz(a->name_en), json,
				   at, *id);
		goto out;
	}
	rc = store_sql_run(s,
			   "INSERT INTO applicants (cmes_no, email, name_zh, name_en, fields_json, created_at,"
			   " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			   "ttttttt", cmes, email, nz(a->name_zh), nz(a->name_en), json, at, at);
	if (rc == 0)
		*id = sqlite3_last_insert_rowid(s->db);
out:
	return rc;
}

/* Takes the next number of the year inside the current transaction, so a
 * rolled-back application gives its number back. */
static int number_alloc(store *s, time_t now, char number[32])
{
	char ybuf[16];
	long year;
	int64_t next = 1;
	int rc = -1;
	if (clock_format(now, NULL, "%Y", ybuf, sizeof ybuf) != 0 ||
	    util_parse_long(ybuf, 1, 99999, &year) != 0) {
		snprintf(s->err, sizeof s->err, "cannot tell the year of %lld", (long long)now);
		goto out;
	}
	rc = store_sql_int64(s, &next, "SELECT next FROM sequences WHERE year = ?", "i", (int64_t)year);
	if (rc < 0)
		goto out;
	if (rc == 0)
		next = 1;
	rc = store_sql_run(s,
			   "INSERT INTO sequences (year, next) VALUES (?, ?)"
			   " ON CONFLICT (year) DO UPDATE SET next = excluded.next",
			   "ii", (int64_t)year, next + 1);
	if (rc == 0)
		snprintf(number, 32, "RRA-%ld-%06lld", year, (long long)next);
out:
	return rc;
}

static int history_add(store *s, int64_t id, const char *at, const char *from, const char *to,
		       const char *by, const char *reason)
{
	return store_sql_run(s,
			     "INSERT INTO history (application_id, at, from_state, to_state, \"by\", reason)"
			     " VALUES (?, ?, ?, ?, ?, ?)",
			     "ittttt", id, at, from, to, by, reason);
}

static int findings_insert(store *s, int64_t id, const packet *p, const rules *r)
{
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < p->nfindings; i++) {
		const finding *f = &p->findings[i];
		rc = store_sql_run(s,
				   "INSERT INTO findings (application_id, code, severity, doc, lang, message_zh,"
				   " message_en) VALUES (?, ?, ?, ?, ?, ?, ?)",
				   "itttttt", id, f->code ? f->code : "", finding_severity_name(f->severity),
				   doc_code(r, f->doc), lang_code(r, f->lang), f->message_zh, f->message_en);
	}
	return rc;
}

/* Stores p's files for application id. With supersede, older current files
 * of the same (document, language, copy) — or, for unrecognised files, of the
 * same name — are marked superseded first, so that files of this packet never
 * supersede one another. */
static int files_insert(store *s, int64_t id, const packet *p, const rules *r,
			const char *const *paths, const char *at, int supersede)
{
	int rc = 0;
	for (size_t i = 0; supersede && rc == 0 && i < p->nfiles; i++) {
		const packet_file *f = &p->files[i];
		const char *doc = doc_code(r, f->doc);
		if (doc)
			rc = store_sql_run(s,
					   "UPDATE files SET superseded = 1 WHERE application_id = ? AND superseded = 0"
					   " AND doc = ? AND lang IS ? AND copy = ?",
					   "itti", id, doc, lang_code(r, f->lang), (int64_t)f->copy);
		else
			rc = store_sql_run(s,
					   "UPDATE files SET superseded = 1 WHERE application_id = ? AND superseded = 0"
					   " AND doc IS NULL AND name = ?",
					   "it", id, f->name ? f->name : "");
	}
	for (size_t i = 0; rc == 0 && i < p->nfiles; i++) {
		const packet_file *f = &p->files[i];
		int64_t size = f->size > INT64_MAX ? INT64_MAX : (int64_t)f->size;
		rc = store_sql_run(s,
				   "INSERT INTO files (application_id, name, sha256, type, size, doc, lang, copy,"
				   " stored_path, added_at, raw_name_hex) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
				   "itttittittt", id, f->name ? f->name : "", f->sha256, f->type, size,
				   doc_code(r, f->doc), lang_code(r, f->lang), (int64_t)f->copy,
				   paths ? paths[i] : NULL, at, f->raw_name_hex);
	}
	return rc;
}

int store_kept_path(store *s, const char *sha256, char **path)
{
	sqlite3_stmt *st = store_sql_prep(s,
					  "SELECT stored_path FROM files WHERE sha256 = ? AND coalesce(stored_path, '') <> ''"
					  " AND purged_at IS NULL LIMIT 1",
					  "t", sha256);
	int rc = st ? store_sql_step(s, st) : -1;
	*path = rc == 1 ? store_col_dup(st, 0) : NULL;
	store_sql_done(s, st);
	return rc;
}

static int archive_add(store *s, int64_t id, const packet *p, const store_source *src, const char *at)
{
	if (p->archive_sha256[0] == '\0')
		return 0;
	return store_sql_run(s,
			     "INSERT INTO application_archives (application_id, sha256, source_name, source_ref,"
			     " message_id, added_at) VALUES (?, ?, ?, ?, ?, ?)",
			     "ittttt", id, p->archive_sha256, src ? src->name : NULL, src ? src->ref : NULL,
			     src ? src->message_id : NULL, at);
}

int store_application_create(store *s, const packet *p, const rules *r, const store_source *src,
			     const char *const *stored_paths, time_t now, int64_t *id, char number[32])
{
	static const store_source nosrc;
	char at[32], num[32] = "";
	char *json = applicant_json(&p->app);
	int64_t applicant_id = 0, app_id = 0;
	const char *state = packet_outcome_name(p->outcome);
	int rc = -1, sp = 0;

	if (src == NULL)
		src = &nosrc;
	store_iso_utc(now, at);
	if (json == NULL) {
		snprintf(s->err, sizeof s->err, "cannot encode the applicant as JSON");
		goto out;
	}
	if (store_op_begin(s) != 0)
		goto out;
	sp = 1;
	if (applicant_upsert(s, &p->app, json, at, &applicant_id) != 0 || number_alloc(s, now, num) != 0)
		goto out;
	if (store_sql_run(s,
			  "INSERT INTO applications (number, applicant_id, target, state, archive_sha256,"
			  " applicant_json, source_name, source_kind, source_ref, message_id, reply_to,"
			  " reply_to_header, created_at, updated_at)"
			  " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			  "titttttttttttt", num, applicant_id, nz(p->app.target), state, nz(p->archive_sha256),
			  json, src->name, src->kind, src->ref, src->message_id, src->reply_to, src->reply_to_header,
			  at, at) != 0)
		goto out;
	app_id = sqlite3_last_insert_rowid(s->db);
	if (archive_add(s, app_id, p, src, at) != 0 ||
	    files_insert(s, app_id, p, r, stored_paths, at, 0) != 0 ||
	    findings_insert(s, app_id, p, r) != 0 ||
	    history_add(s, app_id, at, NULL, state, "packetd", NULL) != 0)
		goto out;
	rc = 0;
out:
	if (sp)
		rc = store_op_end(s, rc);
	if (rc == 0) {
		*id = app_id;
		memcpy(number, num, sizeof num);
	}
	free(json);
	return rc;
}

/* The current state of application id: 1 found (copied), 0 not, -1 error. */
static int app_state(store *s, int64_t id, char state[64])
{
	sqlite3_stmt *st = store_sql_prep(s, "SELECT state FROM applications WHERE id = ?", "i", id);
	int rc = -1;
	if (st == NULL)
		goto out;
	rc = store_sql_step(s, st);
	if (rc == 1)
		store_col_copy(st, 0, state, 64);
	else if (rc == 0)
		snprintf(s->err, sizeof s->err, "no application with id %lld", (long long)id);
out:
	store_sql_done(s, st);
	return rc;
}

int store_application_add_files(store *s, int64_t id, const packet *p, const rules *r,
				const store_source *src, const char *const *stored_paths, time_t now)
{
	static const store_source nosrc;
	char at[32], state[64];
	int rc = -1, sp = 0;

	if (src == NULL)
		src = &nosrc;
	store_iso_utc(now, at);
	if (store_op_begin(s) != 0)
		goto out;
	sp = 1;
	if (app_state(s, id, state) != 1)
		goto out;
	/* notices about the supplement answer its own message */
	if (store_sql_run(s,
			  "UPDATE applications SET source_name = ?, source_kind = ?, source_ref = ?,"
			  " message_id = ?, reply_to = coalesce(?, reply_to), reply_to_header = ?, updated_at = ?"
			  " WHERE id = ?",
			  "ttttttti", src->name, src->kind, src->ref, src->message_id, src->reply_to,
			  src->reply_to_header, at, id) != 0)
		goto out;
	if (archive_add(s, id, p, src, at) != 0 || files_insert(s, id, p, r, stored_paths, at, 1) != 0)
		goto out;
	rc = 0;
out:
	if (sp)
		rc = store_op_end(s, rc);
	return rc;
}

int store_application_set_result(store *s, int64_t id, const packet *p, const rules *r,
				 const char *by, const char *reason, time_t now)
{
	char at[32], state[64];
	char *json = applicant_json(&p->app);
	const char *to = packet_outcome_name(p->outcome);
	int rc = -1, sp = 0;

	store_iso_utc(now, at);
	if (json == NULL) {
		snprintf(s->err, sizeof s->err, "cannot encode the applicant as JSON");
		goto out;
	}
	if (store_op_begin(s) != 0)
		goto out;
	sp = 1;
	if (app_state(s, id, state) != 1 ||
	    store_sql_run(s, "DELETE FROM findings WHERE application_id = ?", "i", id) != 0 ||
	    findings_insert(s, id, p, r) != 0 ||
	    store_sql_run(s,
			  "UPDATE applications SET state = ?, updated_at = ?, applicant_json = ?,"
			  " target = coalesce(?, target) WHERE id = ?",
			  "tttti", to, at, json, nz(p->app.target), id) != 0)
		goto out;
	if (strcmp(state, to) != 0 && history_add(s, id, at, state, to, by, reason) != 0)
		goto out;
	rc = 0;
out:
	if (sp)
		rc = store_op_end(s, rc);
	free(json);
	return rc;
}

int store_set_state(store *s, int64_t id, const char *to_state, const char *by, const char *reason,
		    time_t now)
{
	char at[32], state[64];
	int rc = -1, sp = 0;

	store_iso_utc(now, at);
	if (store_op_begin(s) != 0)
		goto out;
	sp = 1;
	if (app_state(s, id, state) != 1 ||
	    store_sql_run(s, "UPDATE applications SET state = ?, updated_at = ? WHERE id = ?", "tti", to_state, at,
			  id) != 0 ||
	    history_add(s, id, at, state, to_state, by, reason) != 0)
		goto out;
	rc = 0;
out:
	if (sp)
		rc = store_op_end(s, rc);
	return rc;
}

static enum finding_severity severity_parse(const char *name)
{
	if (name && strcmp(name, finding_severity_name(SEV_WARNING)) == 0)
		return SEV_WARNING;
	if (name && strcmp(name, finding_severity_name(SEV_INFO)) == 0)
		return SEV_INFO;
	return SEV_ERROR;
}

static void file_fill(sqlite3_stmt *st, void *row, void *ctx)
{
	store_file *f = row;
	(void)ctx;
	f->name = store_col_dup(st, 0);
	f->sha256 = store_col_dup(st, 1);
	f->type = store_col_dup(st, 2);
	f->doc = store_col_dup(st, 3);
	f->lang = store_col_dup(st, 4);
	f->stored_path = store_col_dup(st, 5);
	f->copy = sqlite3_column_int(st, 6);
	f->size = sqlite3_column_int64(st, 7);
	f->raw_name_hex = store_col_dup(st, 8);
}

static void file_drop(void *row)
{
	store_file *f = row;
	free(f->name);
	free(f->sha256);
	free(f->type);
	free(f->doc);
	free(f->lang);
	free(f->stored_path);
	free(f->raw_name_hex);
}

static const store_row_kind file_kind = {sizeof(store_file), file_fill, file_drop};

/* ctx: the rules, whose indexes doc and lang become */
static void finding_fill(sqlite3_stmt *st, void *row, void *ctx)
{
	finding *f = row;
	const rules *r = ctx;
	f->code = store_col_dup(st, 0);
	f->severity = severity_parse((const char *)sqlite3_column_text(st, 1));
	f->doc = doc_index(r, (const char *)sqlite3_column_text(st, 2));
	f->lang = lang_index(r, (const char *)sqlite3_column_text(st, 3));
	f->message_zh = store_col_dup(st, 4);
	f->message_en = store_col_dup(st, 5);
}

static void finding_drop(void *row)
{
	finding *f = row;
	free(f->code);
	free(f->message_zh);
	free(f->message_en);
}

static const store_row_kind finding_kind = {sizeof(finding), finding_fill, finding_drop};

static void history_fill(sqlite3_stmt *st, void *row, void *ctx)
{
	store_history *h = row;
	(void)ctx;
	h->at = store_col_dup(st, 0);
	h->from_state = store_col_dup(st, 1);
	h->to_state = store_col_dup(st, 2);
	h->by = store_col_dup(st, 3);
	h->reason = store_col_dup(st, 4);
}

static void history_drop(void *row)
{
	store_history *h = row;
	free(h->at);
	free(h->from_state);
	free(h->to_state);
	free(h->by);
	free(h->reason);
}

static const store_row_kind history_kind = {sizeof(store_history), history_fill, history_drop};

static int load_lists(store *s, const rules *r, store_application *a)
{
	if (store_rows_query(s, &file_kind, &a->files, &a->nfiles,
			     "SELECT name, sha256, type, doc, lang, stored_path, copy, size, raw_name_hex FROM files"
			     " WHERE application_id = ? AND superseded = 0 ORDER BY id",
			     "i", a->id) != 0)
		return -1;
	if (store_rows(s,
		       store_sql_prep(s,
				      "SELECT code, severity, doc, lang, message_zh, message_en FROM findings"
				      " WHERE application_id = ? ORDER BY id",
				      "i", a->id),
		       &finding_kind, (void *)r, &a->findings, &a->nfindings) != 0)
		return -1;
	return store_rows_query(s, &history_kind, &a->history, &a->nhistory,
				"SELECT at, from_state, to_state, \"by\", reason FROM history"
				" WHERE application_id = ? ORDER BY id",
				"i", a->id);
}

#define APP_COLS \
	"SELECT id, number, state, target, created_at, updated_at, applicant_json, source_name," \
	" source_kind, source_ref, message_id, reply_to, reply_to_header FROM applications"

int store_application_get(store *s, const rules *r, int64_t id, const char *number,
			  store_application *out)
{
	sqlite3_stmt *st;
	int rc = -1;

	memset(out, 0, sizeof *out);
	st = number ? store_sql_prep(s, APP_COLS " WHERE number = ?", "t", number)
		    : store_sql_prep(s, APP_COLS " WHERE id = ?", "i", id);
	if (st == NULL)
		goto out;
	rc = store_sql_step(s, st);
	if (rc != 1)
		goto out;
	out->id = sqlite3_column_int64(st, 0);
	out->number = store_col_dup(st, 1);
	out->state = store_col_dup(st, 2);
	out->target = store_col_dup(st, 3);
	out->created_at = store_col_dup(st, 4);
	out->updated_at = store_col_dup(st, 5);
	store_applicant_decode((const char *)sqlite3_column_text(st, 6), &out->app);
	out->source_name = store_col_dup(st, 7);
	out->source_kind = store_col_dup(st, 8);
	out->source_ref = store_col_dup(st, 9);
	out->message_id = store_col_dup(st, 10);
	out->reply_to = store_col_dup(st, 11);
	out->reply_to_header = store_col_dup(st, 12);
	if (load_lists(s, r, out) != 0)
		rc = -1;
out:
	store_sql_done(s, st);
	if (rc != 1)
		store_application_free(out);
	return rc;
}

void store_application_free(store_application *a)
{
	if (a == NULL)
		return;
	free(a->number);
	free(a->state);
	free(a->target);
	free(a->created_at);
	free(a->updated_at);
	applicant_free(&a->app);
	free(a->source_name);
	free(a->source_kind);
	free(a->source_ref);
	free(a->message_id);
	free(a->reply_to);
	free(a->reply_to_header);
	store_rows_free(&file_kind, &a->files, &a->nfiles);
	store_rows_free(&finding_kind, &a->findings, &a->nfindings);
	store_rows_free(&history_kind, &a->history, &a->nhistory);
	memset(a, 0, sizeof *a);
}

int store_application_list(store *s, const char *state, int64_t **ids, size_t *n)
{
	if (state)
		return store_rows_query(s, &store_id_kind, ids, n,
					"SELECT id FROM applications WHERE state = ? ORDER BY id", "t", state);
	return store_rows_query(s, &store_id_kind, ids, n, "SELECT id FROM applications ORDER BY id", "");
}


int store_application_each(store *s, const char *state, store_app_row_fn fn, void *ctx)
{
#define EACH_COLS                                                                                             \
	"SELECT number, state, target, created_at, updated_at, applicant_json,"                               \
	" json_extract(applicant_json, '$.name_zh'), json_extract(applicant_json, '$.name_en') FROM applications"
	sqlite3_stmt *st = state ? store_sql_prep(s, EACH_COLS " WHERE state = ? ORDER BY id", "t", state)
				 : store_sql_prep(s, EACH_COLS " ORDER BY id", "");
#undef EACH_COLS
	int rc = -1, r;
	if (st == NULL)
		return -1;
	while ((r = store_sql_step(s, st)) == 1) {
		store_app_row row = {
			.number = (const char *)sqlite3_column_text(st, 0),
			.state = (const char *)sqlite3_column_text(st, 1),
			.target = (const char *)sqlite3_column_text(st, 2),
			.created_at = (const char *)sqlite3_column_text(st, 3),
			.updated_at = (const char *)sqlite3_column_text(st, 4),
			.applicant_json = (const char *)sqlite3_column_text(st, 5),
			.name_zh = (const char *)sqlite3_column_text(st, 6),
			.name_en = (const char *)sqlite3_column_text(st, 7),
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
