/* store_user.c — users, sessions and failed logins (store_user.h). */
#include "store_user.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "store_p.h"
#include "util.h"

int store_user_add(store *s, const char *name, const char *role, const char *hash, time_t now)
{
	char at[32];
	int64_t exists = 0;
	int rc = store_sql_int64(s, &exists, "SELECT count(*) FROM users WHERE name = ?", "t", name);
	if (rc != 1)
		return -1;
	if (exists)
		return 1;
	store_iso_utc(now, at);
	return store_sql_run(s, "INSERT INTO users (name, role, hash, created_at) VALUES (?, ?, ?, ?)", "tttt", name,
			     role, hash, at);
}

int store_user_del(store *s, const char *name)
{
	int rc = store_op_begin(s);
	if (rc != 0)
		return -1;
	rc = store_sql_run(s, "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE name = ?)", "t", name);
	if (rc == 0)
		rc = store_sql_run(s, "DELETE FROM users WHERE name = ?", "t", name);
	int changed = rc == 0 ? sqlite3_changes(s->db) : 0;
	if (store_op_end(s, rc) != 0)
		return -1;
	return changed > 0 ? 1 : 0;
}

static void user_row(sqlite3_stmt *st, store_user *u)
{
	memset(u, 0, sizeof *u);
	u->id = sqlite3_column_int64(st, 0);
	store_col_copy(st, 1, u->name, sizeof u->name);
	store_col_copy(st, 2, u->role, sizeof u->role);
	store_col_copy(st, 3, u->hash, sizeof u->hash);
	store_col_copy(st, 4, u->created_at, sizeof u->created_at);
}

int store_user_get(store *s, const char *name, store_user *out)
{
	sqlite3_stmt *st = store_sql_prep(s, "SELECT id, name, role, hash, created_at FROM users WHERE name = ?", "t",
					  name);
	int rc = -1;
	if (st == NULL)
		goto out;
	rc = store_sql_step(s, st);
	if (rc == 1)
		user_row(st, out);
out:
	store_sql_done(s, st);
	return rc;
}

static void user_fill(sqlite3_stmt *st, void *row, void *ctx)
{
	(void)ctx;
	user_row(st, row);
}

static const store_row_kind user_kind = {sizeof(store_user), user_fill, NULL};

int store_user_list(store *s, store_user **users, size_t *n)
{
	return store_rows_query(s, &user_kind, users, n, "SELECT id, name, role, hash, created_at FROM users ORDER BY name",
				"");
}

int store_session_add(store *s, const char *id_sha256, int64_t user_id, const char *csrf, const char *address,
		      time_t now, time_t expires_at)
{
	char at[32], exp[32];
	store_iso_utc(now, at);
	store_iso_utc(expires_at, exp);
	return store_sql_run(s,
			     "INSERT INTO sessions (id_sha256, user_id, csrf, address, created_at, seen_at, expires_at)"
			     " VALUES (?, ?, ?, ?, ?, ?, ?)",
			     "tittttt", id_sha256, user_id, csrf, address, at, at, exp);
}

int store_session_get(store *s, const char *id_sha256, time_t now, store_session *out)
{
	char at[32], text[32];
	sqlite3_stmt *st;
	int rc = -1;
	store_iso_utc(now, at);
	memset(out, 0, sizeof *out);
	st = store_sql_prep(s,
			    "SELECT u.id, u.name, u.role, s.csrf, s.expires_at, s.seen_at, s.created_at FROM sessions s"
			    " JOIN users u ON u.id = s.user_id WHERE s.id_sha256 = ? AND s.expires_at > ?",
			    "tt", id_sha256, at);
	if (st == NULL)
		goto out;
	rc = store_sql_step(s, st);
	if (rc != 1)
		goto out;
	out->user_id = sqlite3_column_int64(st, 0);
	store_col_copy(st, 1, out->user, sizeof out->user);
	store_col_copy(st, 2, out->role, sizeof out->role);
	store_col_copy(st, 3, out->csrf, sizeof out->csrf);
	store_col_copy(st, 4, text, sizeof text);
	if (clock_parse_iso(text, &out->expires_at) != 0)
		out->expires_at = 0;
	store_col_copy(st, 5, text, sizeof text);
	if (clock_parse_iso(text, &out->seen_at) != 0)
		out->seen_at = 0;
	store_col_copy(st, 6, text, sizeof text);
	if (clock_parse_iso(text, &out->created_at) != 0)
		out->created_at = 0;
out:
	store_sql_done(s, st);
	return rc;
}

int store_session_touch(store *s, const char *id_sha256, time_t now, time_t expires_at)
{
	char at[32], exp[32];
	store_iso_utc(now, at);
	store_iso_utc(expires_at, exp);
	return store_sql_run(s, "UPDATE sessions SET seen_at = ?, expires_at = ? WHERE id_sha256 = ?", "ttt", at, exp,
			     id_sha256);
}

int store_session_del(store *s, const char *id_sha256)
{
	return store_sql_run(s, "DELETE FROM sessions WHERE id_sha256 = ?", "t", id_sha256);
}

int store_session_prune(store *s, time_t now, time_t failures_before)
{
	char at[32], before[32];
	store_iso_utc(now, at);
	store_iso_utc(failures_before, before);
	if (store_sql_run(s, "DELETE FROM sessions WHERE expires_at <= ?", "t", at) != 0)
		return -1;
	return store_sql_run(s, "DELETE FROM login_failures WHERE at < ?", "t", before);
}

int store_login_failure(store *s, const char *address, const char *user, time_t now)
{
	char at[32];
	store_iso_utc(now, at);
	return store_sql_run(s, "INSERT INTO login_failures (at, address, user) VALUES (?, ?, ?)", "ttt", at, address,
			     user);
}

int store_login_failures(store *s, const char *address, const char *user, time_t since, int64_t *by_address,
			 int64_t *by_user)
{
	char at[32];
	store_iso_utc(since, at);
	*by_address = *by_user = 0;
	if (store_sql_int64(s, by_address, "SELECT count(*) FROM login_failures WHERE address = ? AND at >= ?", "tt",
			    address, at) != 1 ||
	    store_sql_int64(s, by_user, "SELECT count(*) FROM login_failures WHERE user = ? AND at >= ?", "tt", user,
			    at) != 1)
		return -1;
	return 0;
}

int store_login_clear(store *s, const char *user)
{
	return store_sql_run(s, "DELETE FROM login_failures WHERE user = ?", "t", user);
}
