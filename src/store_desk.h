/* store_desk.h — the read queries of the desk (`packetd serve`): the list
 * of applications with filters, search, sort and paging; an application's
 * files (with their ids), notices, payments and interview plans; one file
 * by id; the outbox; the provincial batches. Results are typed rows with
 * named fields, owned by the caller.
 *
 * The list is built for a large ledger: every filter and sort has an
 * index (schema step 3), one page is a LIMITed query, and only the rows
 * of that page are read.
 */
#ifndef PACKETD_STORE_DESK_H
#define PACKETD_STORE_DESK_H

#include <stdint.h>

#include "store.h"

typedef struct store_desk_filter {
	const char *state;      /* exact, or NULL */
	const char *province;   /* exact, or NULL */
	const char *target;     /* CEng | IEng, or NULL */
	const char *q;          /* substring of number, CMES number, name_zh or name_en, or NULL */
	const char *sort;       /* number | updated | state | name; NULL: number */
	int desc;               /* newest (or Z) first */
	int64_t offset, limit;  /* limit 0: every row */
} store_desk_filter;

/* The typed lists of the desk: each owned by the caller, freed by its own
 * _free function; text fields owned by the list, "" for SQL NULL. */
typedef struct store_desk_app {
	int64_t id;
	char *number, *state, *target;
	char *name_zh, *name_en, *cmes_no, *province;   /* from the applicant */
	char *created_at, *updated_at;                  /* ISO UTC */
	char *applicant_json;
} store_desk_app;
typedef struct store_desk_app_list {
	store_desk_app *rows;
	size_t n;
} store_desk_app_list;
/* One page of applications; *total counts every matching row (NULL: not
 * counted). */
int store_desk_list(store *s, const store_desk_filter *f, store_desk_app_list *out, int64_t *total);
void store_desk_app_list_free(store_desk_app_list *l);
/* Settings of the desk's own connection (cache, memory map). */
int store_desk_tune(store *s);

/* Distinct provinces, for the filter's choices. */
typedef struct store_desk_province {
	char *name;
} store_desk_province;
typedef struct store_desk_province_list {
	store_desk_province *rows;
	size_t n;
} store_desk_province_list;
int store_desk_provinces(store *s, store_desk_province_list *out);
void store_desk_province_list_free(store_desk_province_list *l);

/* Every file of an application, current first. */
typedef struct store_desk_file_row {
	int64_t id, size;
	char *name, *sha256, *type;
	char *doc, *lang;   /* "" when not recognised */
	long copy;          /* 0: the only copy */
	int superseded;
	char *added_at;
} store_desk_file_row;
typedef struct store_desk_file_list {
	store_desk_file_row *rows;
	size_t n;
} store_desk_file_list;
int store_desk_files(store *s, int64_t app_id, store_desk_file_list *out);
void store_desk_file_list_free(store_desk_file_list *l);

/* One file by id: 1 found, 0 not, -1 error; free it with
 * store_desk_file_free after 1. */
typedef struct store_desk_file {
	char *number;        /* the application's */
	char *name, *type;
	char *stored_path;   /* "" once purged */
	int64_t size;
} store_desk_file;
int store_desk_file_get(store *s, int64_t file_id, store_desk_file *out);
void store_desk_file_free(store_desk_file *f);

/* Notices to an application, oldest first. */
typedef struct store_desk_notice {
	int64_t id;
	char *kind, *state, *recipients, *created_at;
	long attempts;
	char *last_error, *body;
} store_desk_notice;
typedef struct store_desk_notice_list {
	store_desk_notice *rows;
	size_t n;
} store_desk_notice_list;
int store_desk_notices(store *s, int64_t app_id, store_desk_notice_list *out);
void store_desk_notice_list_free(store_desk_notice_list *l);

/* Payments of an application, oldest first. */
typedef struct store_desk_payment {
	char *at, *item;
	long amount;       /* yuan */
	char *ref, *by;
} store_desk_payment;
typedef struct store_desk_payment_list {
	store_desk_payment *rows;
	size_t n;
} store_desk_payment_list;
int store_desk_payments(store *s, int64_t app_id, store_desk_payment_list *out);
void store_desk_payment_list_free(store_desk_payment_list *l);

/* Interview plans of an application, oldest first. */
typedef struct store_desk_interview {
	char *created_at, *starts_at;
	long minutes;
	char *place, *by;
} store_desk_interview;
typedef struct store_desk_interview_list {
	store_desk_interview *rows;
	size_t n;
} store_desk_interview_list;
int store_desk_interviews(store *s, int64_t app_id, store_desk_interview_list *out);
void store_desk_interview_list_free(store_desk_interview_list *l);

/* Outbox rows not yet sent, newest first (at most limit); *sent counts
 * the rows delivered. */
typedef struct store_desk_outbox_row {
	int64_t id;
	char *number;   /* the application's, "" for none */
	char *kind, *state, *recipients;
	long attempts;
	char *last_error, *created_at, *next_attempt;
} store_desk_outbox_row;
typedef struct store_desk_outbox_list {
	store_desk_outbox_row *rows;
	size_t n;
} store_desk_outbox_list;
int store_desk_outbox(store *s, int64_t limit, store_desk_outbox_list *out, int64_t *sent);
void store_desk_outbox_list_free(store_desk_outbox_list *l);

/* Batches, newest first (at most limit); store_desk_batch reads one by
 * its item id and fills source and receipt only: 1 found, 0 not, -1 error. */
typedef struct store_desk_batch_row {
	int64_t id;
	char *source, *key, *ref, *status;
	char *receipt;   /* the receipt's file name */
	char *at;
} store_desk_batch_row;
typedef struct store_desk_batch_list {
	store_desk_batch_row *rows;
	size_t n;
} store_desk_batch_list;
int store_desk_batches(store *s, int64_t limit, store_desk_batch_list *out);
void store_desk_batch_list_free(store_desk_batch_list *l);
int store_desk_batch(store *s, int64_t item_id, store_desk_batch_list *out);

/* The rows of one batch, in order. */
typedef struct store_desk_batch_item {
	char *key, *status;
	char *number, *state;   /* the application's, "" for none */
	char *detail;
} store_desk_batch_item;
typedef struct store_desk_batch_item_list {
	store_desk_batch_item *rows;
	size_t n;
} store_desk_batch_item_list;
int store_desk_batch_rows(store *s, const char *batch_key, store_desk_batch_item_list *out);
void store_desk_batch_item_list_free(store_desk_batch_item_list *l);

#endif
