/* store_user.h — the desk's people in the database (schema step 3): users
 * with a role and a crypt(3) hash, server-side sessions, and failed logins
 * for the rate limits. The hashing and the random ids are web_auth.c's;
 * this module only keeps rows.
 *
 * A session is stored by the SHA-256 of its id, never the id itself, so a
 * copy of the database opens no session. Times are ISO 8601 UTC text.
 */
#ifndef PACKETD_STORE_USER_H
#define PACKETD_STORE_USER_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store.h"

typedef struct store_user {
	int64_t id;
	char name[101];
	char role[16];      /* viewer | officer */
	char hash[256];     /* crypt(3) output, $y$ for yescrypt */
	char created_at[32];
} store_user;

/* Adds a user: 0, 1 when the name exists already, -1 on error. */
int store_user_add(store *s, const char *name, const char *role, const char *hash, time_t now);
/* Deletes a user and the user's sessions: 1 deleted, 0 no such user, -1. */
int store_user_del(store *s, const char *name);
/* 1 found, 0 not, -1 error. */
int store_user_get(store *s, const char *name, store_user *out);
/* Every user by name; *users owned by the caller (free()). */
int store_user_list(store *s, store_user **users, size_t *n);

typedef struct store_session {
	int64_t user_id;
	char user[101];
	char role[16];
	char csrf[65];
	time_t expires_at;
	time_t seen_at;
	time_t created_at;
} store_session;

int store_session_add(store *s, const char *id_sha256, int64_t user_id, const char *csrf, const char *address,
		      time_t now, time_t expires_at);
/* The live session (expires_at > now): 1 found, 0 none or expired, -1. */
int store_session_get(store *s, const char *id_sha256, time_t now, store_session *out);
int store_session_touch(store *s, const char *id_sha256, time_t now, time_t expires_at);
int store_session_del(store *s, const char *id_sha256);
/* Deletes expired sessions and failed logins older than before. */
int store_session_prune(store *s, time_t now, time_t failures_before);

/* Failed logins: one row per failure. */
int store_login_failure(store *s, const char *address, const char *user, time_t now);
/* Failures since `since` from this address and for this user name. */
int store_login_failures(store *s, const char *address, const char *user, time_t since, int64_t *by_address,
			 int64_t *by_user);
/* A successful login forgets the user's failures. */
int store_login_clear(store *s, const char *user);

#endif
