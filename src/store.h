/* store.h — packetd's SQLite database (WAL, versioned schema with
 * migrations): applicants, applications, their files and findings, every
 * state change, the items seen from each source, and the outbox.
 *
 * Every write the pipeline makes for one item happens inside one
 * store_begin/store_commit pair, together with the outbox rows of the
 * notices that report it, so a crash leaves either all of it or none.
 * Strings returned in structs are owned by the struct and released by the
 * matching *_free function.
 */
#ifndef PACKETD_STORE_H
#define PACKETD_STORE_H

#include <stdint.h>
#include <time.h>

#include "packet.h"
#include "rules.h"

typedef struct store store;   /* opaque */

int store_open(store **out, const char *path, char *err, size_t errlen);
void store_close(store *s);
int store_schema_version(store *s);
int store_begin(store *s);     /* BEGIN IMMEDIATE */
int store_commit(store *s);
int store_rollback(store *s);
/* The last SQLite error message (owned by the store). */
const char *store_errmsg(store *s);

/* Where an item came from. */
typedef struct store_source {
	const char *name;        /* config source NAME */
	const char *kind;        /* maildir | imap | dir | sftp | validate */
	const char *ref;         /* message file name, UID, batch name#row ... */
	const char *message_id;  /* the applicant's Message-ID, or NULL */
	const char *reply_to;    /* where notices go */
} store_source;

/* ---- items: everything taken from a source, processed once ---- */
typedef struct store_item {
	const char *source;      /* config source name */
	const char *key;         /* unique key: Message-ID, or "sha256:<hex>" of the message/batch, or "<batch key>#row<N>" */
	const char *ref;
	const char *status;      /* processed | ignored | no_packet | duplicate | rejected | batch */
	int64_t application_id;  /* 0 when none */
	const char *detail;      /* why, free text */
} store_item;

/* 1 when an item with this key exists (status copied to status_out when not
 * NULL, at most len bytes), 0 when not, -1 on error. */
int store_item_exists(store *s, const char *key, char *status_out, size_t len);
/* Same, also giving the item's application id (0 when none). */
int store_item_get(store *s, const char *key, char *status_out, size_t len, int64_t *application_id);
int store_item_add(store *s, const store_item *it);

/* ---- applications ---- */
/* The number of the application that already holds an archive with this
 * SHA-256, into number (32 bytes); 1 found, 0 not, -1 error. */
int store_find_archive(store *s, const char *sha256, char number[32]);
/* The open application (state received|complete|incomplete|returned) of
 * the applicant with this CMES number: 1 found (id, number), 0 not, -1. */
int store_find_open_by_cmes(store *s, const char *cmes_no, int64_t *id, char number[32]);

/* Creates an application from a checked packet: upserts the applicant (by
 * cmes_no when present, else by email), allocates the number
 * RRA-<year of now>-<6-digit sequence per year>, stores files (name, sha256,
 * type, size, doc/lang/copy codes, stored_path = where the spool keeps the
 * bytes, given per file in stored_paths[i], NULL for none), findings, the
 * archive's sha256, the source, and a history row (NULL → state) with by =
 * "packetd". state = the packet outcome's name. */
int store_application_create(store *s, const packet *p, const rules *r, const store_source *src,
			     const char *const *stored_paths, time_t now, int64_t *id, char number[32]);

/* Resubmission: adds the packet's files to application id, marking older
 * files of the same (document, language, copy) superseded, records the
 * archive sha256 as also belonging to it, and the source. */
int store_application_add_files(store *s, int64_t id, const packet *p, const rules *r,
				const store_source *src, const char *const *stored_paths, time_t now);

/* Replaces the findings of application id by p's and sets the state (with
 * a history row by/reason when it changes). */
int store_application_set_result(store *s, int64_t id, const packet *p, const rules *r,
				 const char *by, const char *reason, time_t now);

/* Appends a history row and sets the state. */
int store_set_state(store *s, int64_t id, const char *to_state, const char *by, const char *reason,
		    time_t now);

/* A current (non-superseded) file of an application, for re-checking. */
typedef struct store_file {
	char *name, *sha256, *type, *doc, *lang, *stored_path;
	int copy;
	int64_t size;
} store_file;

typedef struct store_history {
	char *at;        /* ISO 8601 UTC */
	char *from_state, *to_state, *by, *reason;
} store_history;

typedef struct store_application {
	int64_t id;
	char *number, *state, *target, *created_at, *updated_at;
	char *applicant_json;     /* the applicant fields as a JSON object */
	char *source_name, *source_kind, *source_ref, *message_id, *reply_to;
	store_file *files; size_t nfiles;              /* current files only */
	struct finding *findings; size_t nfindings;    /* doc/lang as rules indexes */
	store_history *history; size_t nhistory;
} store_application;

/* Loads by id (number NULL) or by number; 1 found, 0 not, -1 error. */
int store_application_get(store *s, const rules *r, int64_t id, const char *number,
			  store_application *out);
void store_application_free(store_application *a);
/* Ids of applications, oldest first, optionally in one state. */
int store_application_list(store *s, const char *state, int64_t **ids, size_t *n);

/* ---- source cursors (IMAP UIDVALIDITY/last UID, SFTP listings) ---- */
int store_cursor_get(store *s, const char *source, const char *name, char **value); /* *value NULL when unset */
int store_cursor_set(store *s, const char *source, const char *name, const char *value);

/* ---- outbox ---- */
typedef struct store_outmail {
	int64_t id;
	int64_t application_id;   /* 0 when none */
	char *kind;               /* ack | rejected | no_packet | duplicate | receipt | ... */
	char *message_id;         /* stable across retries */
	char *recipients;         /* comma-separated addresses */
	char *body;               /* the full RFC 5322 message */
	size_t body_len;
	char *state;              /* queued | sent | failed */
	int attempts;
	char *last_error;
	char *created_at;
} store_outmail;

int store_outbox_add(store *s, int64_t application_id, const char *kind, const char *message_id,
		     const char *recipients, const char *body, size_t body_len, time_t now);
/* At most this many rows per store_outbox_due call; the rest come next time. */
#define STORE_OUTBOX_DUE_MAX 500
/* Rows due for delivery (queued, next_attempt <= now), oldest first. */
int store_outbox_due(store *s, time_t now, store_outmail **rows, size_t *n);
/* Every row, newest first (for `packetd outbox`), at most limit. */
int store_outbox_all(store *s, size_t limit, store_outmail **rows, size_t *n);
int store_outbox_sent(store *s, int64_t id, time_t now);
/* A temporary failure: attempts+1, next attempt after backoff_seconds. */
int store_outbox_retry(store *s, int64_t id, const char *error, time_t next_attempt);
int store_outbox_failed(store *s, int64_t id, const char *error);
void store_outmail_free(store_outmail *rows, size_t n);

#endif
