/* store_p.h — private to store.c and store_app.c: the store handle and the
 * statement helpers they share. Not for other modules. */
#ifndef PACKETD_STORE_P_H
#define PACKETD_STORE_P_H

#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store.h"

/* Prepared statements kept for reuse, keyed by their SQL text: preparing
 * (parsing and planning) cost more than running most of them. */
#define STORE_STMT_CACHE 64

typedef struct store_stmt {
	char *sql;           /* owned; NULL: a free slot */
	sqlite3_stmt *st;    /* owned */
	int busy;            /* handed out, not yet back through store_sql_done */
	uint64_t used;       /* when last handed out (s->uses), for eviction */
} store_stmt;

struct store {
	sqlite3 *db;
	int group;       /* a group commit is open (store_group_begin) */
	char err[256];   /* the last failure, kept apart from sqlite3_errmsg so a rollback does not erase it */
	store_stmt cache[STORE_STMT_CACHE];
	uint64_t uses;
};

/* Copies sqlite3_errmsg into s->err. */
void store_fail(store *s);
/* Prepares sql and binds the arguments described by types, one letter each:
 * t text (NULL binds NULL), i int64_t, z int64_t with 0 bound as NULL,
 * b blob (const void *, size_t). NULL on failure, with s->err set. The
 * statement may come from s's cache: give it back with store_sql_done,
 * never sqlite3_finalize. */
sqlite3_stmt *store_sql_vprep(store *s, const char *sql, const char *types, va_list ap);
sqlite3_stmt *store_sql_prep(store *s, const char *sql, const char *types, ...);
/* Gives back a statement of store_sql_prep (reset for its next use, or
 * finalized); NULL does nothing. */
void store_sql_done(store *s, sqlite3_stmt *st);
/* 1 on a row, 0 when done, -1 on error (s->err set). */
int store_sql_step(store *s, sqlite3_stmt *st);
/* Runs a statement to its end, ignoring rows: 0 or -1. */
int store_sql_run(store *s, const char *sql, const char *types, ...);
/* A one-row query of one integer column: 1 found, 0 not, -1 error. */
int store_sql_int64(store *s, int64_t *out, const char *sql, const char *types, ...);
char *store_col_dup(sqlite3_stmt *st, int i);                          /* NULL for SQL NULL */
char *store_col_text(sqlite3_stmt *st, int i);                         /* "" for SQL NULL */
void store_col_copy(sqlite3_stmt *st, int i, char *out, size_t len);   /* "" for SQL NULL */
/* How the store fills a typed list: the size of one row, how a row is
 * read from a statement's current row (ctx is the caller's), and what a
 * row owns (drop frees it, not the row itself; NULL: nothing). */
typedef struct store_row_kind {
	size_t size;
	void (*fill)(sqlite3_stmt *st, void *row, void *ctx);
	void (*drop)(void *row);
} store_row_kind;
/* Runs st (finalized here; NULL is a failed prepare) to its end into
 * *rowsp, an array of k->size rows (rowsp is the address of the list's
 * row pointer), *n rows long: 0, or -1 with nothing kept. */
int store_rows(store *s, sqlite3_stmt *st, const store_row_kind *k, void *ctx, void *rowsp, size_t *n);
/* Prepares sql (see store_sql_prep) and runs it with store_rows. */
int store_rows_query(store *s, const store_row_kind *k, void *rowsp, size_t *n, const char *sql, const char *types,
		     ...);
/* Frees every row of a list store_rows filled, and the array. */
void store_rows_free(const store_row_kind *k, void *rowsp, size_t *n);
/* Rows of one int64_t: the first column (ids). */
extern const store_row_kind store_id_kind;
/* A SAVEPOINT around one multi-row write; store_op_end(s, rc) releases it
 * when rc is 0, else rolls it back, and returns 0 or -1. */
int store_op_begin(store *s);
int store_op_end(store *s, int rc);
/* t as "YYYY-MM-DDTHH:MM:SSZ". */
void store_iso_utc(time_t t, char out[32]);

#endif
