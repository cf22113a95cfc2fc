/* Unit tests for store.c / store_app.c: schema and migrations, application
 * numbers, round-trips of files, findings and history, items, archives,
 * resubmission, results, the outbox, cursors, rollback and integrity. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>

#include "packet.h"
#include "rules.h"
#include "store.h"
#include "util.h"

typedef struct fixture {
	char dir[64];
	char path[128];
	rules r;
	int zh, en, form, cpd;
} fixture;

/* 2026-11-27T08:00:00Z */
#define T2026 ((time_t)1795766400)
#define T2027 ((time_t)1816099200)   /* 2027-07-20T16:00:00Z */

/* The repository's rules when they load; else the two documents and
 * languages these tests use, so that the store is tested on its own. */
static void rules_for_tests(rules *r)
{
	char err[256];
	const char *top = getenv("PACKETD_TOP");
	char *path = util_path_join(top ? top : ".", "config/requirements.ini");
	int rc = rules_load(r, path, err, sizeof err);
	free(path);
	if (rc == 0 && rules_doc_index(r, "application_form") >= 0 && rules_doc_index(r, "cpd_record") >= 0)
		return;
	if (rc == 0)
		rules_free(r);
	memset(r, 0, sizeof *r);
	r->nlangs = 2;
	r->langs[0].code = xstrdup("zh");
	r->langs[1].code = xstrdup("en");
	r->ndocs = 2;
	r->docs = xcalloc(2, sizeof *r->docs);
	r->docs[0].code = xstrdup("application_form");
	r->docs[1].code = xstrdup("cpd_record");
	r->cross_reference_doc = -1;
	r->cpd_doc = 1;
}

static int group_setup(void **state)
{
	fixture *f = xcalloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/test_store.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	rules_for_tests(&f->r);
	f->zh = rules_lang_index(&f->r, "zh");
	f->en = rules_lang_index(&f->r, "en");
	f->form = rules_doc_index(&f->r, "application_form");
	f->cpd = rules_doc_index(&f->r, "cpd_record");
	*state = f;
	return 0;
}

static int group_teardown(void **state)
{
	fixture *f = *state;
	rules_free(&f->r);
	util_rmtree(f->dir);
	free(f);
	return 0;
}

/* A fresh database file per test. */
static int test_setup(void **state)
{
	static int counter;
	fixture *f = *state;
	snprintf(f->path, sizeof f->path, "%s/t%d.db", f->dir, ++counter);
	return 0;
}

static store *open_ok(const fixture *f)
{
	char err[256] = "";
	store *s = NULL;
	int rc = store_open(&s, f->path, err, sizeof err);
	if (rc != 0)
		print_error("store_open: %s\n", err);
	assert_int_equal(rc, 0);
	assert_non_null(s);
	return s;
}

/* One integer from a raw query on the database file, bypassing the store. */
static long long raw_int(const fixture *f, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long long v = -1;
	assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* One statement on the database file beside the store's own handle. */
static void raw_exec(const fixture *f, const char *sql)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void add_file(packet *p, const char *name, char hexdigit, int doc, int lang, int copy)
{
	packet_file *pf = packet_add_file(p);
	pf->name = xstrdup(name);
	memset(pf->sha256, hexdigit, 64);
	pf->sha256[64] = '\0';
	snprintf(pf->type, sizeof pf->type, "pdf");
	pf->size = 1234;
	pf->doc = doc;
	pf->lang = lang;
	pf->copy = copy;
}

/* A packet from applicant cmes (NULL: none) with one archive digest. */
static void make_packet(const fixture *f, packet *p, const char *cmes, char archive_digit)
{
	packet_init(p);
	applicant_set(&p->app, "name_zh", "张伟");
	applicant_set(&p->app, "name_en", "Zhang Wei");
	applicant_set(&p->app, "email", "zhang.wei@example.com");
	if (cmes)
		applicant_set(&p->app, "cmes_no", cmes);
	applicant_set(&p->app, "target", "CEng");
	memset(p->archive_sha256, archive_digit, 64);
	p->archive_sha256[64] = '\0';
	add_file(p, "申请表 中文.pdf", 'a', f->form, f->zh, 1);
	add_file(p, "CPD record en.pdf", 'b', f->cpd, f->en, 1);
	add_file(p, "notes.txt", 'c', -1, -1, 0);
	packet_add_finding(p, "missing_copies", SEV_ERROR, f->form, f->zh, "缺少副本", "Missing copy");
	packet_add_finding(p, "note", SEV_INFO, -1, -1, "说明", "Note");
	p->outcome = PACKET_INCOMPLETE;
}

static const store_source test_src = {
	.name = "applicants", .kind = "maildir", .ref = "1700000000.M1.host",
	.message_id = "<m1@example.com>", .reply_to = "zhang.wei@example.com",
};

static int64_t create_ok(const fixture *f, store *s, const char *cmes, char digit, time_t now,
			 char number[32])
{
	packet p;
	int64_t id = 0;
	const char *paths[] = { "spool/a/1", "spool/a/2", NULL };
	make_packet(f, &p, cmes, digit);
	assert_int_equal(store_application_create(s, &p, &f->r, &test_src, paths, now, &id, number), 0);
	assert_true(id > 0);
	packet_free(&p);
	return id;
}

static void test_open_schema(void **state)
{
	fixture *f = *state;
	store *s = open_ok(f);
	int v = store_schema_version(s);
	char *value = NULL;
	assert_true(v >= 1);
	assert_int_equal(store_cursor_set(s, "imap", "uidvalidity", "42"), 0);
	store_close(s);
	/* reopening migrates nothing and keeps the data */
	s = open_ok(f);
	assert_int_equal(store_schema_version(s), v);
	assert_int_equal(store_cursor_get(s, "imap", "uidvalidity", &value), 0);
	assert_string_equal(value, "42");
	free(value);
	store_close(s);
	assert_int_equal(raw_int(f, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN"
				    " ('applicants', 'applications', 'application_archives', 'files', 'findings',"
				    " 'history', 'items', 'cursors', 'outbox', 'sequences')"),
			 10);
}

/* A database of schema 7 (the message in the outbox row) gets its
 * messages moved to outbox_bodies, none lost. */
static void test_migrate_outbox_bodies(void **state)
{
	fixture *f = *state;
	store *s = open_ok(f);
	sqlite3 *db = NULL;
	store_outmail *rows = NULL;
	size_t n = 0;
	static const char body[] = "Subject: kept\r\n\r\nacross the migration";
	assert_int_equal(store_outbox_add(s, 0, "ack", "<m7@cmes>", "a@example.com", body, sizeof body - 1, T2026), 0);
	store_close(s);
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "ALTER TABLE outbox ADD COLUMN body BLOB;"
				      "UPDATE outbox SET body = (SELECT body FROM outbox_bodies b WHERE b.id = outbox.id);"
				      "DROP TABLE outbox_bodies; PRAGMA user_version = 7;",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	s = open_ok(f);
	assert_true(store_schema_version(s) >= 8);
	assert_int_equal(store_outbox_due(s, T2026, 0, STORE_OUTBOX_DUE_MAX, &rows, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].body_len, sizeof body - 1);
	assert_memory_equal(rows[0].body, body, sizeof body - 1);
	store_outmail_free(rows, n);
	store_close(s);
	assert_int_equal(raw_int(f, "SELECT count(*) FROM pragma_table_info('outbox') WHERE name = 'body'"), 0);
}

static void test_open_wal_and_newer_schema(void **state)
{
	fixture *f = *state;
	store *s = open_ok(f);
	char err[256] = "";
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	store_close(s);
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	/* a database written by a later packetd is refused, not rewritten */
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 999", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	s = (store *)&err;   /* must be reset to NULL on failure */
	assert_int_equal(store_open(&s, f->path, err, sizeof err), -1);
	assert_null(s);
	assert_non_null(strstr(err, "999"));
	assert_int_equal(raw_int(f, "PRAGMA user_version"), 999);
	/* an unusable path is an error with a message */
	snprintf(f->path, sizeof f->path, "%s/no/such/dir/x.db", f->dir);
	err[0] = '\0';
	assert_int_equal(store_open(&s, f->path, err, sizeof err), -1);
	assert_true(err[0] != '\0');
}

/* A new ledger has 8 KiB pages; one made with 4 KiB pages (before) keeps
 * them, opens, and takes rows as before. */
static void test_page_size(void **state)
{
	fixture *f = *state;
	store *s = open_ok(f);
	sqlite3 *db = NULL;
	store_close(s);
	assert_int_equal(raw_int(f, "PRAGMA page_size"), 8192);
	snprintf(f->path + strlen(f->path), sizeof f->path - strlen(f->path), ".old");
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA page_size = 4096; PRAGMA journal_mode = WAL; CREATE TABLE t (x);",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	s = open_ok(f);
	assert_int_equal(store_outbox_add(s, 0, "ack", "<p@cmes>", "a@example.com", "x", 1, T2026), 0);
	store_close(s);
	assert_int_equal(raw_int(f, "PRAGMA page_size"), 4096);
	assert_int_equal(raw_int(f, "SELECT count(*) FROM outbox"), 1);
}

static void test_numbers(void **state)
{
	fixture *f = *state;
	store *s = open_ok(f);
	char n[32];
	create_ok(f, s, "M1", '1', T2026, n);
	assert_string_equal(n, "RRA-2026-000001");
	create_ok(f, s, "M2", '2', T2026 + 60, n);
	assert_string_equal(n, "RRA-2026-000002");
	create_ok(f, s, "M3", '3', T2027, n);
	assert_string_equal(n, "RRA-2027-000001");
	/* 2027-12-31T17:00Z is already 2028-01-01 in Asia/Shanghai */
	create_ok(f, s, "M4", '4', (time_t)1830272400, n);
	assert_string_equal(n, "RRA-2028-000001");
	create_ok(f, s, "M5", '5', T2026 + 120, n);
	assert_string_equal(n, "RRA-2026-000003");
	store_close(s);
}

static void test_round_trip(void **state)
{
	fixture *f = *state;
	store *s = open_ok(f);
	store_application a, b;
	char n[32];
	int64_t id = create_ok(f, s, "M2024001234", '1', T2026, n);

	assert_int_equal(store_application_get(s, &f->r, id, NULL, &a), 1);
	assert_int_equal(a.id, id);
	assert_string_equal(a.number, n);
	assert_string_equal(a.state, "incomplete");
	assert_string_equal(a.target, "CEng");
	assert_string_equal(a.created_at, "2026-11-27T08:00:00Z");
	assert_string_equal(a.source_name, "applicants");
	assert_string_equal(a.source_kind, "maildir");
	assert_string_equal(a.source_ref, "1700000000.M1.host");
	assert_string_equal(a.message_id, "<m1@example.com>");
	assert_string_equal(a.reply_to, "zhang.wei@example.com");

	assert_string_equal(a.app.name_zh, "张伟");
	assert_string_equal(a.app.cmes_no, "M2024001234");
	assert_null(a.app.province);   /* absent fields stay absent */

	assert_int_equal(a.nfiles, 3);
	assert_string_equal(a.files[0].name, "申请表 中文.pdf");
	assert_string_equal(a.files[0].doc, "application_form");
	assert_string_equal(a.files[0].lang, "zh");
	assert_int_equal(a.files[0].copy, 1);
	assert_int_equal(a.files[0].size, 1234);
	assert_string_equal(a.files[0].type, "pdf");
	assert_string_equal(a.files[0].stored_path, "spool/a/1");
	assert_int_equal(strlen(a.files[0].sha256), 64);
	assert_string_equal(a.files[1].doc, "cpd_record");
	assert_string_equal(a.files[1].lang, "en");
	assert_null(a.files[2].doc);
	assert_null(a.files[2].lang);
	assert_null(a.files[2].stored_path);

	assert_int_equal(a.nfindings, 2);
	assert_string_equal(a.findings[0].code, "missing_copies");
	assert_int_equal(a.findings[0].severity, SEV_ERROR);
	assert_int_equal(a.findings[0].doc, f->form);
	assert_int_equal(a.findings[0].lang, f->zh);
	assert_string_equal(a.findings[0].message_zh, "缺少副本");
	assert_string_equal(a.findings[0].message_en, "Missing copy");
	assert_int_equal(a.findings[1].severity, SEV_INFO);
	assert_int_equal(a.findings[1].doc, -1);
	assert_int_equal(a.findings[1].lang, -1);

	assert_int_equal(a.nhistory, 1);
	assert_null(a.history[0].from_state);
	assert_string_equal(a.history[0].to_state, "incomplete");
	assert_string_equal(a.history[0].by, "packetd");
	assert_string_equal(a.history[0].at, "2026-11-27T08:00:00Z");

	/* by number, the same row; an unknown number or id is "not found" */
	assert_int_equal(store_application_get(s, &f->r, 0, n, &b), 1);
	assert_int_equal(b.id, id);
	store_application_free(&b);
	assert_int_equal(store_application_get(s, &f->r, 0, "RRA-1999-000001", &b), 0);
	assert_null(b.number);
	assert_int_equal(store_application_get(s, &f->r, id + 100, NULL, &b), 0);
	store_application_free(&a);
	assert_null(a.files);
	store_close(s);
}

static void test_applicant_upsert(void **state)
{
	fixture *f = *state;
	store *s = open_ok(f);
	char n[32];
	create_ok(f, s, "M1", '1', T2026, n);
	create_ok(f, s, "M1", '2', T2026, n);      /* same CMES number: same applicant */
	create_ok(f, s, NULL, '3', T2026, n);      /* no number: found by email */
	create_ok(f, s, "M9", '4', T2026, n);      /* another number: a new applicant */
	store_close(s);
	assert_int_equal(raw_int(f, "SELECT count(*) FROM applicants"), 2);
	assert_int_equal(raw_int(f, "SELECT count(*) FROM applications"), 4);
}

static void test_items(void **state)
{
	fixture *f = *state;
	store *s = open_ok(f);
	char status[32] = "";
	store_item it = { .source = "applicants", .key = "<m1@example.com>", .ref = "cur/1",
			  .status = "processed", .application_id = 0, .detail = "ok" };
	char n[32];
	int64_t id, app_id;

	assert_int_equal(store_item_exists(s, "<m1@example.com>", status, sizeof status), 0);
	assert_int_equal(store_item_add(s, &it), 0);
	assert_int_equal(store_item_exists(s, "<m1@example.com>", status, sizeof status), 1);
	assert_string_equal(status, "processed");
	assert_int_equal(store_item_exists(s, "<m1@example.com>", NULL, 0), 1);
	/* the key is unique: a second add fails and leaves the first */
	it.status = "duplicate";
	assert_int_equal(store_item_add(s, &it), -1);
	assert_true(store_errmsg(s)[0] != '\0');
	assert_int_equal(store_item_exists(s, "<m1@example.com>", status, 4), 1);
	assert_string_equal(status, "pro");      /* truncated to len */

	id = create_ok(f, s, "M1", '1', T2026, n);
	it.key = "sha256:abc";
	it.application_id = id;
	it.status = "batch";
	assert_int_equal(store_item_add(s, &it), 0);
	app_id = -1;
	assert_int_equal(store_item_get(s, "sha256:abc", status, sizeof status, &app_id), 1);
	assert_int_equal(app_id, id);
	assert_string_equal(status, "batch");
	assert_int_equal(store_item_get(s, "<m1@example.com>", NULL, 0, &app_id), 1);
	assert_int_equal(app_id, 0);   /* none */
	app_id = -1;
	assert_int_equal(store_item_get(s, "sha256:none", status, sizeof status, &app_id), 0);
	assert_int_equal(app_id, 0);
	/* a dangling application id is refused by the foreign key */
	it.key = "sha256:def";
	it.application_id = id + 1000;
	assert_int_equal(store_item_add(s, &it), -1);
	store_close(s);
	assert_int_equal(raw_int(f, "SELECT count(*) FROM items WHERE application_id IS NULL"), 1);
}

static void test_archive_and_open(void **state)
{
	fixture *f = *state;
	store *s = open_ok(f);
	char n[32], found[32] = "";
	char sha1[65], sha9[65];
	int64_t id, oid = 0;

	id = create_ok(f, s, "M7", '1', T2026, n);
	memset(sha1, '1', 64);
	sha1[64] = '\0';
	memset(sha9, '9', 64);
	sha9[64] = '\0';
	assert_int_equal(store_find_archive(s, sha1, found), 1);
	assert_string_equal(found, n);
	assert_int_equal(store_find_archive(s, sha9, found), 0);

	assert_int_equal(store_find_open_by_cmes(s, "M7", &oid, found), 1);
	assert_int_equal(oid, id);
	assert_string_equal(found, n);
	assert_int_equal(store_find_open_by_cmes(s, "M8", &oid, found), 0);
	assert_int_equal(store_set_state(s, id, "returned", "officer", "fix form", T2026 + 10), 0);
	assert_int_equal(store_find_open_by_cmes(s, "M7", &oid, found), 1);
	assert_int_equal(store_set_state(s, id, "certified", "officer", NULL, T2026 + 20), 0);
	assert_int_equal(store_find_open_by_cmes(s, "M7", &oid, found), 0);
	/* an unknown application cannot change state */
	assert_int_equal(store_set_state(s, id + 5, "certified", "officer", NULL, T2026), -1);
	assert_non_null(strstr(store_errmsg(s), "no application"));
	store_close(s);
}

static void test_add_files_supersedes(void **state)
{
	fixture *f = *state;
	store *s = open_ok(f);
	store_application a;
	char n[32], found[32];
	char sha5[65];
	int64_t id = create_ok(f, s, "M1", '1', T2026, n);
	packet p;
	store_source src2 = { .name = "applicants", .kind = "imap", .ref = "UID 7",
			      .message_id = "<m2@example.com>", .reply_to = NULL };

	packet_init(&p);
	memset(p.archive_sha256, '5', 64);
	add_file(&p, "申请表 中文 v2.pdf", 'd', f->form, f->zh, 1);   /* replaces 'a' */
	add_file(&p, "申请表 中文 副本.pdf", 'e', f->form, f->zh, 2); /* a new copy */
	add_file(&p, "notes.txt", 'f', -1, -1, 0);                   /* same unknown name */
	assert_int_equal(store_application_add_files(s, id, &p, &f->r, &src2, NULL, T2026 + 100), 0);
	packet_free(&p);

	assert_int_equal(store_application_get(s, &f->r, id, NULL, &a), 1);
	assert_int_equal(a.nfiles, 4);
	assert_string_equal(a.files[0].name, "CPD record en.pdf");   /* kept */
	assert_string_equal(a.files[1].name, "申请表 中文 v2.pdf");
	assert_int_equal(a.files[1].sha256[0], 'd');
	assert_int_equal(a.files[2].copy, 2);
	assert_int_equal(a.files[3].sha256[0], 'f');
	assert_string_equal(a.source_kind, "imap");
	assert_string_equal(a.message_id, "<m2@example.com>");
	assert_string_equal(a.reply_to, "zhang.wei@example.com");   /* kept when none given */
	assert_string_equal(a.updated_at, "2026-11-27T08:01:40Z");
	store_application_free(&a);

	memset(sha5, '5', 64);
	sha5[64] = '\0';
	assert_int_equal(store_find_archive(s, sha5, found), 1);
	assert_string_equal(found, n);
	/* an unknown application takes no files */
	packet_init(&p);
	add_file(&p, "x.pdf", '7', f->form, f->en, 1);
	assert_int_equal(store_application_add_files(s, id + 9, &p, &f->r, NULL, NULL, T2026), -1);
	packet_free(&p);
	store_close(s);
	assert_int_equal(raw_int(f, "SELECT count(*) FROM files WHERE superseded = 1"), 2);
	assert_int_equal(raw_int(f, "SELECT count(*) FROM files"), 6);
}

static void test_set_result(void **state)
{
	fixture *f = *state;
	store *s = open_ok(f);
	store_application a;
	char n[32];
	int64_t id = create_ok(f, s, "M1", '1', T2026, n);
	packet p;

	/* same outcome: findings replaced, no history row */
	packet_init(&p);
	p.outcome = PACKET_INCOMPLETE;
	packet_add_finding(&p, "missing_document", SEV_ERROR, f->cpd, f->zh, "缺少", "Missing");
	assert_int_equal(store_application_set_result(s, id, &p, &f->r, "packetd", "recheck", T2026 + 5), 0);
	assert_int_equal(store_application_get(s, &f->r, id, NULL, &a), 1);
	assert_int_equal(a.nhistory, 1);
	assert_int_equal(a.nfindings, 1);
	assert_string_equal(a.findings[0].code, "missing_document");
	assert_int_equal(a.findings[0].doc, f->cpd);
	store_application_free(&a);
	packet_free(&p);

	/* a new outcome: state and a history row with who and why */
	packet_init(&p);
	p.outcome = PACKET_COMPLETE;
	assert_int_equal(store_application_set_result(s, id, &p, &f->r, "packetd", "supplement", T2026 + 9), 0);
	packet_free(&p);
	assert_int_equal(store_application_get(s, &f->r, id, NULL, &a), 1);
	assert_string_equal(a.state, "complete");
	assert_int_equal(a.nfindings, 0);
	assert_int_equal(a.nhistory, 2);
	assert_string_equal(a.history[1].from_state, "incomplete");
	assert_string_equal(a.history[1].to_state, "complete");
	assert_string_equal(a.history[1].by, "packetd");
	assert_string_equal(a.history[1].reason, "supplement");
	assert_string_equal(a.history[1].at, "2026-11-27T08:00:09Z");
	store_application_free(&a);

	/* store_set_state always records, oldest first */
	assert_int_equal(store_set_state(s, id, "complete", "officer", "again", T2026 + 11), 0);
	assert_int_equal(store_application_get(s, &f->r, id, NULL, &a), 1);
	assert_int_equal(a.nhistory, 3);
	assert_string_equal(a.history[2].by, "officer");
	store_application_free(&a);
	store_close(s);
}

static void test_list(void **state)
{
	fixture *f = *state;
	store *s = open_ok(f);
	char n[32];
	int64_t *ids = NULL;
	size_t nids = 0;
	int64_t a = create_ok(f, s, "M1", '1', T2026, n);
	int64_t b = create_ok(f, s, "M2", '2', T2026, n);
	assert_int_equal(store_set_state(s, a, "complete", "officer", NULL, T2026), 0);
	assert_int_equal(store_application_list(s, NULL, &ids, &nids), 0);
	assert_int_equal(nids, 2);
	assert_int_equal(ids[0], a);
	assert_int_equal(ids[1], b);
	free(ids);
	assert_int_equal(store_application_list(s, "incomplete", &ids, &nids), 0);
	assert_int_equal(nids, 1);
	assert_int_equal(ids[0], b);
	free(ids);
	assert_int_equal(store_application_list(s, "certified", &ids, &nids), 0);
	assert_int_equal(nids, 0);
	free(ids);
	store_close(s);
}

static void test_outbox(void **state)
{
	fixture *f = *state;
	store *s = open_ok(f);
	store_outmail *rows = NULL;
	size_t n = 0;
	char num[32];
	int64_t app = create_ok(f, s, "M1", '1', T2026, num);
	static const char body[] = "Subject: x\r\n\r\nbin\0ary";

	assert_int_equal(store_outbox_add(s, app, "ack", "<a1@cmes>", "a@example.com", body, sizeof body - 1, T2026), 0);
	assert_int_equal(store_outbox_add(s, 0, "no_packet", "<a2@cmes>", "b@example.com", "B", 1, T2026 + 1), 0);
	assert_int_equal(store_outbox_add(s, 0, "ack", "<a3@cmes>", "c@example.com", "", 0, T2026 + 2), 0);
	/* the Message-ID is stable and unique */
	assert_int_equal(store_outbox_add(s, 0, "ack", "<a1@cmes>", "x@example.com", "X", 1, T2026), -1);
	/* a row whose message cannot be stored is not left behind without it */
	raw_exec(f, "CREATE TRIGGER no_room BEFORE INSERT ON outbox_bodies BEGIN SELECT RAISE(ABORT, 'no room'); END");
	assert_int_equal(store_outbox_add(s, 0, "ack", "<a4@cmes>", "d@example.com", "D", 1, T2026), -1);
	assert_non_null(strstr(store_errmsg(s), "no room"));
	raw_exec(f, "DROP TRIGGER no_room");
	assert_int_equal(raw_int(f, "SELECT count(*) FROM outbox"), 3);
	assert_int_equal(raw_int(f, "SELECT count(*) FROM outbox_bodies"), 3);

	assert_int_equal(store_outbox_due(s, T2026 - 1, 0, STORE_OUTBOX_DUE_MAX, &rows, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_outbox_due(s, T2026 + 5, 0, STORE_OUTBOX_DUE_MAX, &rows, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(rows[0].message_id, "<a1@cmes>");
	assert_int_equal(rows[0].application_id, app);
	assert_int_equal(rows[0].body_len, sizeof body - 1);
	assert_memory_equal(rows[0].body, body, sizeof body - 1);
	assert_string_equal(rows[0].state, "queued");
	assert_string_equal(rows[0].kind, "ack");
	assert_string_equal(rows[0].recipients, "a@example.com");
	assert_string_equal(rows[0].created_at, "2026-11-27T08:00:00Z");
	assert_int_equal(rows[1].application_id, 0);
	assert_int_equal(rows[2].body_len, 0);
	assert_string_equal(rows[2].body, "");
	int64_t id1 = rows[0].id, id2 = rows[1].id, id3 = rows[2].id;
	store_outmail_free(rows, n);
	/* taken a page at a time: after an id, at most max rows */
	assert_int_equal(store_outbox_due(s, T2026 + 5, id1, 1, &rows, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].id, id2);
	store_outmail_free(rows, n);
	assert_int_equal(store_outbox_due(s, T2026 + 5, id3, 8, &rows, &n), 0);
	assert_int_equal(n, 0);

	/* a retry is not due before its time */
	assert_int_equal(store_outbox_retry(s, id1, "421 try later", T2026 + 600), 0);
	assert_int_equal(store_outbox_due(s, T2026 + 599, 0, STORE_OUTBOX_DUE_MAX, &rows, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(rows[0].id, id2);
	store_outmail_free(rows, n);
	assert_int_equal(store_outbox_due(s, T2026 + 600, 0, STORE_OUTBOX_DUE_MAX, &rows, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(rows[0].id, id1);
	assert_int_equal(rows[0].attempts, 1);
	assert_string_equal(rows[0].last_error, "421 try later");
	store_outmail_free(rows, n);

	assert_int_equal(store_outbox_sent(s, id1, T2026 + 700), 0);
	assert_int_equal(store_outbox_failed(s, id2, "550 no such user"), 0);
	/* never sent twice, never revived */
	assert_int_equal(store_outbox_sent(s, id1, T2026 + 800), -1);
	assert_int_equal(store_outbox_retry(s, id2, "x", T2026), -1);
	assert_int_equal(store_outbox_sent(s, id3 + 100, T2026), -1);
	assert_int_equal(store_outbox_due(s, T2026 + 10000, 0, STORE_OUTBOX_DUE_MAX, &rows, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].id, id3);
	store_outmail_free(rows, n);

	assert_int_equal(store_outbox_all(s, 10, &rows, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(rows[0].id, id3);     /* newest first */
	assert_string_equal(rows[1].state, "failed");
	assert_string_equal(rows[1].last_error, "550 no such user");
	assert_string_equal(rows[2].state, "sent");
	assert_int_equal(rows[2].attempts, 2);
	store_outmail_free(rows, n);
	assert_int_equal(store_outbox_all(s, 1, &rows, &n), 0);
	assert_int_equal(n, 1);
	store_outmail_free(rows, n);
	store_close(s);
}

static void test_cursor(void **state)
{
	fixture *f = *state;
	store *s = open_ok(f);
	char *v = (char *)"junk";
	assert_int_equal(store_cursor_get(s, "imap", "last_uid", &v), 0);
	assert_null(v);
	assert_int_equal(store_cursor_set(s, "imap", "last_uid", "17"), 0);
	assert_int_equal(store_cursor_set(s, "sftp", "last_uid", "other"), 0);
	assert_int_equal(store_cursor_set(s, "imap", "last_uid", "18"), 0);
	assert_int_equal(store_cursor_get(s, "imap", "last_uid", &v), 0);
	assert_string_equal(v, "18");
	free(v);
	assert_int_equal(store_cursor_get(s, "sftp", "last_uid", &v), 0);
	assert_string_equal(v, "other");
	free(v);
	store_close(s);
}

static void test_rollback(void **state)
{
	fixture *f = *state;
	store *s = open_ok(f);
	char n[32];
	store_item it = { .source = "applicants", .key = "k1", .status = "processed" };
	store_outmail *rows = NULL;
	size_t nrows = 0;
	int64_t *ids = NULL;
	size_t nids = 0;
	int64_t id;

	assert_int_equal(store_begin(s), 0);
	id = create_ok(f, s, "M1", '1', T2026, n);
	assert_string_equal(n, "RRA-2026-000001");
	it.application_id = id;
	assert_int_equal(store_item_add(s, &it), 0);
	assert_int_equal(store_outbox_add(s, id, "ack", "<r1@cmes>", "a@example.com", "B", 1, T2026), 0);
	assert_int_equal(store_rollback(s), 0);

	assert_int_equal(store_item_exists(s, "k1", NULL, 0), 0);
	assert_int_equal(store_application_list(s, NULL, &ids, &nids), 0);
	assert_int_equal(nids, 0);
	free(ids);
	assert_int_equal(store_outbox_all(s, 10, &rows, &nrows), 0);
	assert_int_equal(nrows, 0);
	store_outmail_free(rows, nrows);
	/* the number was given back with the rest */
	create_ok(f, s, "M1", '1', T2026, n);
	assert_string_equal(n, "RRA-2026-000001");

	/* a committed transaction keeps everything */
	assert_int_equal(store_begin(s), 0);
	create_ok(f, s, "M2", '2', T2026, n);
	assert_int_equal(store_commit(s), 0);
	store_close(s);
	assert_int_equal(raw_int(f, "SELECT count(*) FROM applications"), 2);
	assert_int_equal(raw_int(f, "SELECT count(*) FROM outbox"), 0);
}

/* A failure inside one application write takes all of it back, even in the
 * caller's transaction, which stays usable. */
static void test_partial_failure(void **state)
{
	fixture *f = *state;
	store *s = open_ok(f);
	char n[32];
	packet p;
	int64_t id = 0;

	create_ok(f, s, "M1", '1', T2026, n);
	assert_int_equal(store_begin(s), 0);
	make_packet(f, &p, "M2", '1');   /* the archive already belongs to M1's application */
	assert_int_equal(store_application_create(s, &p, &f->r, &test_src, NULL, T2026, &id, n), -1);
	assert_non_null(strstr(store_errmsg(s), "UNIQUE"));
	packet_free(&p);
	create_ok(f, s, "M3", '3', T2026, n);
	assert_string_equal(n, "RRA-2026-000002");
	assert_int_equal(store_commit(s), 0);
	store_close(s);
	assert_int_equal(raw_int(f, "SELECT count(*) FROM applicants"), 2);
	assert_int_equal(raw_int(f, "SELECT count(*) FROM files"), 6);
}

static void test_integrity(void **state)
{
	fixture *f = *state;
	store *s = open_ok(f);
	char n[32];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t id = create_ok(f, s, "M1", '1', T2026, n);
	assert_int_equal(store_outbox_add(s, id, "ack", "<i1@cmes>", "a@example.com", "B", 1, T2026), 0);
	store_close(s);
	assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA foreign_key_check", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_open_schema, test_setup),
		cmocka_unit_test_setup(test_open_wal_and_newer_schema, test_setup),
		cmocka_unit_test_setup(test_page_size, test_setup),
		cmocka_unit_test_setup(test_migrate_outbox_bodies, test_setup),
		cmocka_unit_test_setup(test_numbers, test_setup),
		cmocka_unit_test_setup(test_round_trip, test_setup),
		cmocka_unit_test_setup(test_applicant_upsert, test_setup),
		cmocka_unit_test_setup(test_items, test_setup),
		cmocka_unit_test_setup(test_archive_and_open, test_setup),
		cmocka_unit_test_setup(test_add_files_supersedes, test_setup),
		cmocka_unit_test_setup(test_set_result, test_setup),
		cmocka_unit_test_setup(test_list, test_setup),
		cmocka_unit_test_setup(test_outbox, test_setup),
		cmocka_unit_test_setup(test_cursor, test_setup),
		cmocka_unit_test_setup(test_rollback, test_setup),
		cmocka_unit_test_setup(test_partial_failure, test_setup),
		cmocka_unit_test_setup(test_integrity, test_setup),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
