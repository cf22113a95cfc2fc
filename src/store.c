/* store.c — packetd's SQLite database (store.h).
 *
 * The file is opened in WAL mode with synchronous=FULL so that a commit
 * survives a power cut, and foreign keys on so that no row can point at a
 * missing application. The schema is versioned by PRAGMA user_version: each
 * entry of store_migrations[] is applied once, in its own transaction that
 * also bumps user_version, so a later schema change is one more string.
 *
 * Every statement is prepared with bound parameters. Functions that write
 * more than one row run inside a SAVEPOINT: nested in the caller's
 * store_begin/store_commit they join its transaction; called alone they are
 * still all-or-nothing.
 *
 * This file holds the handle, the schema, items, cursors and the outbox;
 * store_app.c holds applicants and applications.
 *
 * Times are ISO 8601 UTC text from the caller's `now`, which compares in
 * time order as text.
 */
#include "store.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "fault.h"
#include "log.h"
#include "store_p.h"
#include "util.h"

/* The searchable text of an application row (p: "" or "new."): number,
 * CMES number and both names, apart by a unit separator no query holds. */
#define STORE_SEARCH_TEXT(p) \
	p "number || char(31) || coalesce(json_extract(" p "applicant_json, '$.cmes_no'), '') || char(31) ||" \
	" coalesce(json_extract(" p "applicant_json, '$.name_zh'), '') || char(31) ||" \
	" coalesce(json_extract(" p "applicant_json, '$.name_en'), '')"

/* Schema steps; append only, never edit an applied one. */
static const char *const store_migrations[] = {
	/* 1: the initial schema */
	"CREATE TABLE applicants ("
	" id INTEGER PRIMARY KEY,"
	" cmes_no TEXT UNIQUE,"
	" email TEXT,"
	" name_zh TEXT,"
	" name_en TEXT,"
	" fields_json TEXT NOT NULL DEFAULT '{}',"
	" created_at TEXT NOT NULL,"
	" updated_at TEXT NOT NULL);"
	"CREATE INDEX applicants_email ON applicants(email COLLATE NOCASE);"
	"CREATE TABLE applications ("
	" id INTEGER PRIMARY KEY,"
	" number TEXT NOT NULL UNIQUE,"
	" applicant_id INTEGER NOT NULL REFERENCES applicants(id),"
	" target TEXT,"
	" state TEXT NOT NULL,"
	" archive_sha256 TEXT,"
	" applicant_json TEXT NOT NULL,"
	" source_name TEXT, source_kind TEXT, source_ref TEXT, message_id TEXT, reply_to TEXT,"
	" created_at TEXT NOT NULL,"
	" updated_at TEXT NOT NULL);"
	"CREATE INDEX applications_applicant ON applications(applicant_id);"
	"CREATE INDEX applications_state ON applications(state);"
	"CREATE TABLE application_archives ("
	" application_id INTEGER NOT NULL REFERENCES applications(id),"
	" sha256 TEXT NOT NULL UNIQUE,"
	" source_name TEXT, source_ref TEXT, message_id TEXT,"
	" added_at TEXT NOT NULL);"
	"CREATE INDEX application_archives_app ON application_archives(application_id);"
	"CREATE TABLE files ("
	" id INTEGER PRIMARY KEY,"
	" application_id INTEGER NOT NULL REFERENCES applications(id),"
	" name TEXT NOT NULL, sha256 TEXT NOT NULL, type TEXT, size INTEGER NOT NULL,"
	" doc TEXT, lang TEXT, copy INTEGER NOT NULL DEFAULT 0, stored_path TEXT,"
	" superseded INTEGER NOT NULL DEFAULT 0,"
	" added_at TEXT NOT NULL);"
	"CREATE INDEX files_app ON files(application_id, superseded);"
	"CREATE TABLE findings ("
	" id INTEGER PRIMARY KEY,"
	" application_id INTEGER NOT NULL REFERENCES applications(id),"
	" code TEXT NOT NULL, severity TEXT NOT NULL, doc TEXT, lang TEXT,"
	" message_zh TEXT, message_en TEXT);"
	"CREATE INDEX findings_app ON findings(application_id);"
	"CREATE TABLE history ("
	" id INTEGER PRIMARY KEY,"
	" application_id INTEGER NOT NULL REFERENCES applications(id),"
	" at TEXT NOT NULL, from_state TEXT, to_state TEXT NOT NULL, \"by\" TEXT, reason TEXT);"
	"CREATE INDEX history_app ON history(application_id);"
	"CREATE TABLE items ("
	" id INTEGER PRIMARY KEY,"
	" source TEXT NOT NULL, \"key\" TEXT NOT NULL UNIQUE, ref TEXT, status TEXT NOT NULL,"
	" application_id INTEGER REFERENCES applications(id), detail TEXT, at TEXT NOT NULL);"
	"CREATE INDEX items_app ON items(application_id);"
	"CREATE TABLE cursors ("
	" source TEXT NOT NULL, name TEXT NOT NULL, value TEXT,"
	" PRIMARY KEY (source, name));"
	"CREATE TABLE outbox ("
	" id INTEGER PRIMARY KEY,"
	" application_id INTEGER REFERENCES applications(id),"
	" kind TEXT NOT NULL, message_id TEXT NOT NULL UNIQUE, recipients TEXT NOT NULL,"
	" body BLOB NOT NULL,"
	" state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'failed')),"
	" attempts INTEGER NOT NULL DEFAULT 0, next_attempt TEXT NOT NULL, last_error TEXT,"
	" created_at TEXT NOT NULL, sent_at TEXT);"
	"CREATE INDEX outbox_due ON outbox(state, next_attempt);"
	"CREATE INDEX outbox_app ON outbox(application_id);"
	"CREATE TABLE sequences (year INTEGER PRIMARY KEY, next INTEGER NOT NULL);",
	/* 2: the certification workflow (store_workflow.c) */
	"ALTER TABLE history ADD COLUMN event TEXT;"
	"CREATE TABLE payments ("
	" id INTEGER PRIMARY KEY,"
	" application_id INTEGER NOT NULL REFERENCES applications(id),"
	" item TEXT NOT NULL, amount INTEGER NOT NULL CHECK (amount > 0), ref TEXT, \"by\" TEXT,"
	" at TEXT NOT NULL);"
	"CREATE INDEX payments_app ON payments(application_id);"
	"CREATE TABLE interviews ("
	" id INTEGER PRIMARY KEY,"
	" application_id INTEGER NOT NULL REFERENCES applications(id),"
	" starts_at TEXT NOT NULL, minutes INTEGER NOT NULL, place TEXT NOT NULL, \"by\" TEXT,"
	" created_at TEXT NOT NULL);"
	"CREATE INDEX interviews_app ON interviews(application_id);"
	"CREATE TABLE notices_sent ("
	" application_id INTEGER NOT NULL, kind TEXT NOT NULL, period TEXT NOT NULL, at TEXT NOT NULL,"
	" PRIMARY KEY (application_id, kind, period));"
	"CREATE TABLE report_runs (date TEXT PRIMARY KEY, at TEXT NOT NULL, message_id TEXT);"
	"CREATE TABLE transmittals ("
	" id INTEGER PRIMARY KEY, file TEXT NOT NULL, sha256 TEXT NOT NULL, count INTEGER NOT NULL,"
	" \"by\" TEXT, created_at TEXT NOT NULL);"
	"CREATE TABLE transmittal_items ("
	" transmittal_id INTEGER NOT NULL REFERENCES transmittals(id),"
	" application_id INTEGER NOT NULL REFERENCES applications(id),"
	" PRIMARY KEY (transmittal_id, application_id));",
	/* 3: the desk (store_user.c, store_desk.c): users, sessions, failed
	 * logins, and indexes for the list page's filters and sorts */
	"CREATE TABLE users ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" role TEXT NOT NULL CHECK (role IN ('viewer', 'officer')),"
	" hash TEXT NOT NULL,"
	" created_at TEXT NOT NULL);"
	"CREATE TABLE sessions ("
	" id_sha256 TEXT PRIMARY KEY,"
	" user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	" csrf TEXT NOT NULL,"
	" address TEXT,"
	" created_at TEXT NOT NULL, seen_at TEXT NOT NULL, expires_at TEXT NOT NULL);"
	"CREATE INDEX sessions_user ON sessions(user_id);"
	"CREATE INDEX sessions_expires ON sessions(expires_at);"
	"CREATE TABLE login_failures ("
	" id INTEGER PRIMARY KEY, at TEXT NOT NULL, address TEXT NOT NULL, user TEXT NOT NULL);"
	"CREATE INDEX login_failures_address ON login_failures(address, at);"
	"CREATE INDEX login_failures_user ON login_failures(user, at);"
	"CREATE INDEX applications_updated ON applications(updated_at);"
	"CREATE INDEX applications_target ON applications(target);"
	"CREATE INDEX applications_province ON applications(json_extract(applicant_json, '$.province'));"
	"CREATE INDEX applications_name_en ON applications(json_extract(applicant_json, '$.name_en'));",
	/* 4: the desk's search (store_desk.c): one narrow row of searchable
	 * text per application, kept by triggers, so a substring search scans
	 * a few MB instead of every application's JSON */
	"CREATE TABLE application_search (id INTEGER PRIMARY KEY, text TEXT NOT NULL);"
	"INSERT INTO application_search (id, text) SELECT id, " STORE_SEARCH_TEXT("") " FROM applications;"
	"CREATE TRIGGER application_search_insert AFTER INSERT ON applications BEGIN"
	" INSERT INTO application_search (id, text) VALUES (new.id, " STORE_SEARCH_TEXT("new.") "); END;"
	"CREATE TRIGGER application_search_update AFTER UPDATE OF number, applicant_json ON applications BEGIN"
	" UPDATE application_search SET text = " STORE_SEARCH_TEXT("new.") " WHERE id = new.id; END;"
	"CREATE TRIGGER application_search_delete AFTER DELETE ON applications BEGIN"
	" DELETE FROM application_search WHERE id = old.id; END;",
	/* 5: CPD hours per year, purged documents, payments listed by a notice (store_cpd.c) */
	"CREATE TABLE cpd_hours ("
	" id INTEGER PRIMARY KEY,"
	" application_id INTEGER NOT NULL REFERENCES applications(id),"
	" year INTEGER NOT NULL, hours REAL NOT NULL CHECK (hours >= 0),"
	" source TEXT NOT NULL, ref TEXT, \"by\" TEXT, at TEXT NOT NULL);"
	"CREATE INDEX cpd_hours_app ON cpd_hours(application_id, year);"
	"ALTER TABLE files ADD COLUMN purged_at TEXT;"
	"ALTER TABLE payments ADD COLUMN notice TEXT;"
	"UPDATE payments SET notice = '';",
	/* 6: a member name's bytes as the archive held them, as hex, when they
	 * are not the UTF-8 name's (GBK names): kept for audit */
	"ALTER TABLE files ADD COLUMN raw_name_hex TEXT;",
	/* 7: a Reply-To that names someone else is kept, never answered (answer.h) */
	"ALTER TABLE applications ADD COLUMN reply_to_header TEXT;",
	/* 8: a notice's message in a table of its own: marking a row sent
	 * changed its size, and SQLite then rewrote the whole row, the 40 KB
	 * message with it (about a third of the database's writes a packet) */
	"CREATE TABLE outbox_bodies ("
	" id INTEGER PRIMARY KEY REFERENCES outbox(id) ON DELETE CASCADE,"
	" body BLOB NOT NULL);"
	"INSERT INTO outbox_bodies (id, body) SELECT id, body FROM outbox;"
	"ALTER TABLE outbox DROP COLUMN body;",
	/* 9: documents kept in packs are found by their bytes' hash, to be
	 * kept once (spool_keep_all) */
	"CREATE INDEX IF NOT EXISTS files_sha256 ON files(sha256);",
};

#define STORE_NMIGRATIONS ((int)(sizeof store_migrations / sizeof store_migrations[0]))

/* ---- statement helpers ---- */

void store_fail(store *s)
{
	snprintf(s->err, sizeof s->err, "%s", sqlite3_errmsg(s->db));
}

/* A free cached statement of sql, or a new one (cached when a slot is
 * free or can be freed). SQLITE_OK or the prepare's error. */
static int stmt_take(store *s, const char *sql, sqlite3_stmt **out)
{
	store_stmt *slot = NULL;
	int rc;
	*out = NULL;
	for (size_t i = 0; i < STORE_STMT_CACHE; i++) {
		store_stmt *c = &s->cache[i];
		if (c->sql && !c->busy && strcmp(c->sql, sql) == 0) {
			c->busy = 1;
			c->used = ++s->uses;
			*out = c->st;
			return SQLITE_OK;
		}
		/* the slot to fill: a free one, else the least recently used idle one */
		if (!c->busy && (slot == NULL || (slot->sql && (c->sql == NULL || c->used < slot->used))))
			slot = c;
	}
	rc = sqlite3_prepare_v2(s->db, sql, -1, out, NULL);
	if (rc != SQLITE_OK || *out == NULL || slot == NULL)
		return rc;
	if (slot->sql) {
		sqlite3_finalize(slot->st);
		free(slot->sql);
	}
	*slot = (store_stmt){.sql = xstrdup(sql), .st = *out, .busy = 1, .used = ++s->uses};
	return SQLITE_OK;
}

void store_sql_done(store *s, sqlite3_stmt *st)
{
	if (st == NULL)
		return;
	for (size_t i = 0; i < STORE_STMT_CACHE; i++)
		if (s->cache[i].st == st && s->cache[i].busy) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			s->cache[i].busy = 0;
			return;
		}
	sqlite3_finalize(st);
}

sqlite3_stmt *store_sql_vprep(store *s, const char *sql, const char *types, va_list ap)
{
	sqlite3_stmt *st = NULL;
	int rc = stmt_take(s, sql, &st);
	for (int i = 0; rc == SQLITE_OK && types[i] != '\0'; i++) {
		const char *t;
		const void *b;
		size_t blen;
		int64_t v;
		switch (types[i]) {
		case 't':
			t = va_arg(ap, const char *);
			rc = t ? sqlite3_bind_text(st, i + 1, t, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i + 1);
			break;
		case 'i':
		case 'z':
			v = va_arg(ap, int64_t);
			rc = types[i] == 'z' && v == 0 ? sqlite3_bind_null(st, i + 1) : sqlite3_bind_int64(st, i + 1, v);
			break;
		case 'b':
			b = va_arg(ap, const void *);
			blen = va_arg(ap, size_t);
			/* "" keeps an empty body a zero-length blob rather than NULL */
			rc = sqlite3_bind_blob64(st, i + 1, b ? b : "", b ? (sqlite3_uint64)blen : 0,
						 SQLITE_TRANSIENT);
			break;
		default:
			rc = SQLITE_MISUSE;
			break;
		}
	}
	if (rc != SQLITE_OK) {
		store_fail(s);
		store_sql_done(s, st);
		st = NULL;
	}
	return st;
}

sqlite3_stmt *store_sql_prep(store *s, const char *sql, const char *types, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	va_start(ap, types);
	st = store_sql_vprep(s, sql, types, ap);
	va_end(ap);
	return st;
}

int store_sql_step(store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	store_fail(s);
	return -1;
}

int store_sql_run(store *s, const char *sql, const char *types, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int rc = -1;
	va_start(ap, types);
	st = store_sql_vprep(s, sql, types, ap);
	va_end(ap);
	if (st == NULL)
		goto out;
	while ((rc = store_sql_step(s, st)) == 1)
		;
out:
	store_sql_done(s, st);
	return rc;
}

int store_sql_int64(store *s, int64_t *out, const char *sql, const char *types, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int rc = -1;
	va_start(ap, types);
	st = store_sql_vprep(s, sql, types, ap);
	va_end(ap);
	if (st == NULL)
		goto out;
	rc = store_sql_step(s, st);
	if (rc == 1)
		*out = sqlite3_column_int64(st, 0);
out:
	store_sql_done(s, st);
	return rc;
}

char *store_col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? xstrdup((const char *)t) : NULL;
}

char *store_col_text(sqlite3_stmt *st, int i)
{
	char *v = store_col_dup(st, i);
	return v ? v : xstrdup("");
}

void store_col_copy(sqlite3_stmt *st, int i, char *out, size_t len)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	if (len > 0)
		snprintf(out, len, "%s", t ? (const char *)t : "");
}

/* Room for one more element at index n of a growing array. */
static void *grow(void *p, size_t *alloc, size_t n, size_t size)
{
	if (n < *alloc)
		return p;
	*alloc = *alloc ? *alloc * 2 : 8;
	return xrealloc(p, *alloc * size);
}

int store_rows(store *s, sqlite3_stmt *st, const store_row_kind *k, void *ctx, void *rowsp, size_t *n)
{
	unsigned char *rows = NULL;
	size_t alloc = 0;
	int rc = -1;
	*n = 0;
	if (st == NULL)
		goto out;
	while ((rc = store_sql_step(s, st)) == 1) {
		rows = grow(rows, &alloc, *n, k->size);
		memset(rows + *n * k->size, 0, k->size);
		k->fill(st, rows + *n * k->size, ctx);
		(*n)++;
	}
out:
	store_sql_done(s, st);
	/* rowsp is a T ** of the caller's list; a copy keeps the types apart */
	memcpy(rowsp, &rows, sizeof rows);
	if (rc != 0)
		store_rows_free(k, rowsp, n);
	return rc;
}

static void id_fill(sqlite3_stmt *st, void *row, void *ctx)
{
	(void)ctx;
	*(int64_t *)row = sqlite3_column_int64(st, 0);
}

const store_row_kind store_id_kind = {sizeof(int64_t), id_fill, NULL};

int store_rows_query(store *s, const store_row_kind *k, void *rowsp, size_t *n, const char *sql, const char *types,
		     ...)
{
	sqlite3_stmt *st;
	va_list ap;
	va_start(ap, types);
	st = store_sql_vprep(s, sql, types, ap);
	va_end(ap);
	return store_rows(s, st, k, NULL, rowsp, n);
}

void store_rows_free(const store_row_kind *k, void *rowsp, size_t *n)
{
	unsigned char *rows;
	memcpy(&rows, rowsp, sizeof rows);
	for (size_t i = 0; k->drop && rows && i < *n; i++)
		k->drop(rows + i * k->size);
	free(rows);
	rows = NULL;
	memcpy(rowsp, &rows, sizeof rows);
	*n = 0;
}

int store_op_begin(store *s)
{
	return store_sql_run(s, "SAVEPOINT store_op", "");
}

int store_op_end(store *s, int rc)
{
	if (rc == 0 && store_sql_run(s, "RELEASE store_op", "") == 0)
		return 0;
	/* raw exec: s->err keeps the failure that brought us here */
	sqlite3_exec(s->db, "ROLLBACK TO store_op; RELEASE store_op", NULL, NULL, NULL);
	return -1;
}

void store_iso_utc(time_t t, char out[32])
{
	struct tm tm;
	if (gmtime_r(&t, &tm) == NULL || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "1970-01-01T00:00:00Z");
}

/* ---- open, migrate, transactions ---- */

static int store_migrate(store *s, char *err, size_t errlen)
{
	int64_t version = 0;
	int rc = 0;
	for (;;) {
		char pragma[64];
		/* IMMEDIATE and a re-read inside: two processes opening a fresh
		 * database at once apply each step once. */
		if (store_sql_run(s, "BEGIN IMMEDIATE", "") != 0 ||
		    store_sql_int64(s, &version, "PRAGMA user_version", "") != 1) {
			rc = -1;
			break;
		}
		if (version < 0 || version > STORE_NMIGRATIONS) {
			snprintf(s->err, sizeof s->err, "schema version %lld is not one this packetd knows (max %d)",
				 (long long)version, STORE_NMIGRATIONS);
			rc = -1;
			break;
		}
		if (version == STORE_NMIGRATIONS)
			break;
		/* PRAGMA takes no parameters; the number is ours, not input. */
		snprintf(pragma, sizeof pragma, "PRAGMA user_version = %lld", (long long)version + 1);
		if (sqlite3_exec(s->db, store_migrations[version], NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(s->db, pragma, NULL, NULL, NULL) != SQLITE_OK) {
			store_fail(s);
			rc = -1;
			break;
		}
		if (store_sql_run(s, "COMMIT", "") != 0) {
			rc = -1;
			break;
		}
	}
	if (rc == 0) {
		if (store_sql_run(s, "COMMIT", "") != 0)
			rc = -1;
	} else {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		snprintf(err, errlen, "schema at version %lld: %s", (long long)version, s->err);
	}
	return rc;
}

int store_open(store **out, const char *path, char *err, size_t errlen)
{
	store *s = xcalloc(1, sizeof *s);
	char mode[16] = "";
	sqlite3_stmt *st = NULL;
	int rc = -1;

	*out = NULL;
	/* The statement journal of a SAVEPOINT inside a transaction (store_op)
	 * spills into a temporary file past 64 KiB by default, which an
	 * application's commit passes: a file made, written and removed in
	 * the temporary folder per message. It stays in memory up to 4 MiB.
	 * Only possible before SQLite is initialised: the process's first
	 * store_open; later calls answer SQLITE_MISUSE, ignored. */
	sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, 4 * 1024 * 1024);
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, s->db ? sqlite3_errmsg(s->db) : "out of memory");
		goto out;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, 5000);
	/* A new ledger's pages are 8 KiB: a notice's message (about 40 KB)
	 * then takes five pages rather than ten, each written to the WAL and
	 * copied back at a checkpoint by a call of its own. Only an empty file
	 * takes it; a ledger made before keeps its 4 KiB (in WAL mode only a
	 * dump and reload would change it). */
	if (store_sql_run(s, "PRAGMA page_size = 8192", "") != 0)
		goto fail;
	st = store_sql_prep(s, "PRAGMA journal_mode = WAL", "");
	if (st == NULL || store_sql_step(s, st) != 1)
		goto fail;
	store_col_copy(st, 0, mode, sizeof mode);
	store_sql_done(s, st);
	st = NULL;
	/* an in-memory database has no WAL; anything else must have it */
	if (strcmp(mode, "wal") != 0 && strcmp(mode, "memory") != 0) {
		snprintf(s->err, sizeof s->err, "journal_mode is %s, not wal", mode);
		goto fail;
	}
	if (store_sql_run(s, "PRAGMA synchronous = FULL", "") != 0 || store_sql_run(s, "PRAGMA foreign_keys = ON", "") != 0)
		goto fail;
	if (store_migrate(s, err, errlen) != 0)
		goto out;
	rc = 0;
	goto out;
fail:
	snprintf(err, errlen, "%s: %s", path, s->err);
out:
	store_sql_done(s, st);
	if (rc == 0)
		*out = s;
	else
		store_close(s);
	return rc;
}

void store_close(store *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < STORE_STMT_CACHE; i++) {
		sqlite3_finalize(s->cache[i].st);
		free(s->cache[i].sql);
	}
	sqlite3_close(s->db);
	free(s);
}

int store_schema_version(store *s)
{
	int64_t v = -1;
	if (store_sql_int64(s, &v, "PRAGMA user_version", "") != 1)
		return -1;
	return (int)v;
}

/* SQLite ends a whole transaction by itself on some errors (a full disk,
 * an I/O error): a group found so has lost its items, and none may go on
 * in autocommit as if it were still there. */
static int store_group_lost(store *s)
{
	if (!s->group || !sqlite3_get_autocommit(s->db))
		return 0;
	snprintf(s->err, sizeof s->err, "the group's transaction was rolled back");
	return 1;
}

int store_begin(store *s)
{
	int rc = store_group_lost(s) ? -1 : store_sql_run(s, s->group ? "SAVEPOINT item" : "BEGIN IMMEDIATE", "");
	if (rc != 0)   /* locked or read-only: callers retry the item later */
		log_warn("database: cannot begin a transaction: %s", s->err);
	return rc;
}

int store_commit(store *s)
{
	fault_point("commit");   /* every row of the transaction written, none committed */
	return store_sql_run(s, s->group ? "RELEASE item" : "COMMIT", "");
}

int store_rollback(store *s)
{
	/* ROLLBACK TO leaves the savepoint open: RELEASE closes it */
	if (s->group)
		return store_sql_run(s, "ROLLBACK TO item", "") == 0 && store_sql_run(s, "RELEASE item", "") == 0 ? 0 : -1;
	return store_sql_run(s, "ROLLBACK", "");
}

int store_group_begin(store *s)
{
	int rc = store_sql_run(s, "BEGIN IMMEDIATE", "");
	if (rc != 0)
		log_warn("database: cannot begin a transaction: %s", s->err);
	s->group = rc == 0;
	return rc;
}

int store_group_commit(store *s)
{
	int lost = store_group_lost(s);
	s->group = 0;
	return lost ? -1 : store_sql_run(s, "COMMIT", "");
}

int store_group_rollback(store *s)
{
	int lost = store_group_lost(s);
	s->group = 0;
	return lost ? 0 : store_sql_run(s, "ROLLBACK", "");
}

int store_in_group(const store *s)
{
	return s->group;
}

const char *store_errmsg(store *s)
{
	return s ? s->err : "no database";
}

/* ---- items ---- */

int store_item_get(store *s, const char *key, char *status_out, size_t len, int64_t *application_id)
{
	sqlite3_stmt *st = store_sql_prep(s, "SELECT status, application_id FROM items WHERE \"key\" = ?", "t", key);
	int rc = -1;
	if (application_id)
		*application_id = 0;
	if (st == NULL)
		goto out;
	rc = store_sql_step(s, st);
	if (rc == 1 && status_out)
		store_col_copy(st, 0, status_out, len);
	if (rc == 1 && application_id)
		*application_id = sqlite3_column_int64(st, 1);
out:
	store_sql_done(s, st);
	return rc;
}

int store_item_exists(store *s, const char *key, char *status_out, size_t len)
{
	return store_item_get(s, key, status_out, len, NULL);
}

int store_item_add(store *s, const store_item *it)
{
	char at[32];
	/* the contract carries no time: take the one clock */
	store_iso_utc(clock_now(), at);
	return store_sql_run(s,
			     "INSERT INTO items (source, \"key\", ref, status, application_id, detail, at)"
			     " VALUES (?, ?, ?, ?, ?, ?, ?)",
			     "ttttztt", it->source, it->key, it->ref, it->status,
			     it->application_id, it->detail, at);
}

/* ---- cursors ---- */

int store_cursor_get(store *s, const char *source, const char *name, char **value)
{
	sqlite3_stmt *st = store_sql_prep(s, "SELECT value FROM cursors WHERE source = ? AND name = ?", "tt", source,
					  name);
	int rc = -1;
	*value = NULL;
	if (st == NULL)
		goto out;
	rc = store_sql_step(s, st);
	if (rc == 1) {
		*value = store_col_dup(st, 0);
		rc = 0;
	}
out:
	store_sql_done(s, st);
	return rc;
}

int store_cursor_set(store *s, const char *source, const char *name, const char *value)
{
	return store_sql_run(s,
			     "INSERT INTO cursors (source, name, value) VALUES (?, ?, ?)"
			     " ON CONFLICT (source, name) DO UPDATE SET value = excluded.value",
			     "ttt", source, name, value);
}

/* ---- outbox ---- */

/* Undoes a half-made outbox row, keeping the first error's message. */
static void outbox_add_undo(store *s)
{
	char err[sizeof s->err];
	memcpy(err, s->err, sizeof err);
	if (sqlite3_exec(s->db, "ROLLBACK TO outbox_add; RELEASE outbox_add", NULL, NULL, NULL) != SQLITE_OK)
		log_error("store: outbox: cannot undo a half-made row: %s", sqlite3_errmsg(s->db));
	memcpy(s->err, err, sizeof err);
}

int store_outbox_add(store *s, int64_t application_id, const char *kind, const char *message_id,
		     const char *recipients, const char *body, size_t body_len, time_t now)
{
	char at[32];
	store_iso_utc(now, at);
	/* a savepoint: the row and its message together, in or out of a
	 * transaction */
	if (store_sql_run(s, "SAVEPOINT outbox_add", "") != 0)
		return -1;
	if (store_sql_run(s,
			  "INSERT INTO outbox (application_id, kind, message_id, recipients, state,"
			  " attempts, next_attempt, created_at) VALUES (?, ?, ?, ?, 'queued', 0, ?, ?)",
			  "zttttt", application_id, kind, message_id, recipients, at, at) != 0 ||
	    store_sql_run(s, "INSERT INTO outbox_bodies (id, body) VALUES (last_insert_rowid(), ?)", "b",
			  (const void *)body, body_len) != 0) {
		outbox_add_undo(s);
		return -1;
	}
	return store_sql_run(s, "RELEASE outbox_add", "");
}

/* A row once sent has no error to show: an error of an earlier attempt
 * (rows sent before store_outbox_sent cleared it) is left out. */
#define OUTBOX_COLS \
	"SELECT id, application_id, kind, message_id, recipients, body, state, attempts," \
	" CASE WHEN state = 'sent' THEN NULL ELSE last_error END, created_at FROM outbox JOIN outbox_bodies USING (id)"

static void outmail_fill(sqlite3_stmt *st, void *row, void *ctx)
{
	store_outmail *m = row;
	const void *body = sqlite3_column_blob(st, 5);
	size_t len = (size_t)sqlite3_column_bytes(st, 5);
	(void)ctx;
	m->id = sqlite3_column_int64(st, 0);
	m->application_id = sqlite3_column_int64(st, 1);
	m->kind = store_col_dup(st, 2);
	m->message_id = store_col_dup(st, 3);
	m->recipients = store_col_dup(st, 4);
	m->body = xcalloc(1, len + 1);
	if (body)
		memcpy(m->body, body, len);
	m->body_len = len;
	m->state = store_col_dup(st, 6);
	m->attempts = sqlite3_column_int(st, 7);
	m->last_error = store_col_dup(st, 8);
	m->created_at = store_col_dup(st, 9);
}

static void outmail_drop(void *row)
{
	store_outmail *m = row;
	free(m->kind);
	free(m->message_id);
	free(m->recipients);
	free(m->body);
	free(m->state);
	free(m->last_error);
	free(m->created_at);
}

static const store_row_kind outmail_kind = {sizeof(store_outmail), outmail_fill, outmail_drop};

static int outbox_load(store *s, sqlite3_stmt *st, store_outmail **rows, size_t *n)
{
	return store_rows(s, st, &outmail_kind, NULL, rows, n);
}

int store_outbox_due(store *s, time_t now, int64_t after, size_t max, store_outmail **rows, size_t *n)
{
	char at[32];
	int64_t lim = max > INT64_MAX ? INT64_MAX : (int64_t)max;
	store_iso_utc(now, at);
	return outbox_load(s,
			   store_sql_prep(s, OUTBOX_COLS " WHERE state = 'queued' AND next_attempt <= ? AND id > ?"
						     " ORDER BY id LIMIT ?",
					  "tii", at, after, lim),
			   rows, n);
}

int store_outbox_all(store *s, size_t limit, store_outmail **rows, size_t *n)
{
	int64_t lim = limit > INT64_MAX ? INT64_MAX : (int64_t)limit;
	return outbox_load(s, store_sql_prep(s, OUTBOX_COLS " ORDER BY id DESC LIMIT ?", "i", lim), rows, n);
}

/* Runs an UPDATE of one queued outbox row; a row that is missing or no
 * longer queued is an error, so a message is never marked twice. */
static int outbox_update(store *s, int64_t id, const char *sql, const char *a, const char *b)
{
	int rc = store_sql_run(s, sql, "tti", a, b, id);
	if (rc == 0 && sqlite3_changes(s->db) != 1) {
		snprintf(s->err, sizeof s->err, "outbox row %lld is not queued", (long long)id);
		rc = -1;
	}
	return rc;
}

int store_outbox_sent(store *s, int64_t id, time_t now)
{
	char at[32];
	store_iso_utc(now, at);
	return outbox_update(s, id,
			     "UPDATE outbox SET state = 'sent', attempts = attempts + 1, sent_at = ?,"
			     " last_error = ? WHERE id = ? AND state = 'queued'",
			     at, NULL);
}

int store_outbox_retry(store *s, int64_t id, const char *error, time_t next_attempt)
{
	char at[32];
	store_iso_utc(next_attempt, at);
	return outbox_update(s, id,
			     "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt = ?"
			     " WHERE id = ? AND state = 'queued'",
			     error, at);
}

int store_outbox_failed(store *s, int64_t id, const char *error)
{
	return outbox_update(s, id,
			     "UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = ?,"
			     " sent_at = coalesce(?, sent_at) WHERE id = ? AND state = 'queued'",
			     error, NULL);
}

void store_outmail_free(store_outmail *rows, size_t n)
{
	store_rows_free(&outmail_kind, &rows, &n);
}
