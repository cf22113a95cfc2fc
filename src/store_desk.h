/* store_desk.h — the read queries of the desk (`packetd serve`): the list
 * of applications with filters, search, sort and paging; an application's
 * files (with their ids), notices, payments and interview plans; one file
 * by id; the outbox; the provincial batches. Results are store_table rows
 * of text (store.h), owned by the caller.
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

/* Columns: id, number, state, target, name_zh, name_en, cmes_no, province,
 * created_at, updated_at, applicant_json. *total counts every matching row
 * (NULL: not counted). */
int store_desk_list(store *s, const store_desk_filter *f, store_table *t, int64_t *total);
/* Settings of the desk's own connection (cache, memory map). */
int store_desk_tune(store *s);
/* Distinct provinces, for the filter's choices. */
int store_desk_provinces(store *s, store_table *t);

/* Every file of an application, current first:
 * id, name, sha256, type, size, doc, lang, copy, superseded, added_at. */
int store_desk_files(store *s, int64_t app_id, store_table *t);
/* One file: application number, name, type, stored_path, size; 1, 0, -1. */
int store_desk_file(store *s, int64_t file_id, store_table *t);
/* Notices to an application, oldest first:
 * id, kind, state, recipients, created_at, attempts, last_error, body. */
int store_desk_notices(store *s, int64_t app_id, store_table *t);
/* Payments: at, item, amount, ref, by. Interview plans: created_at,
 * starts_at, minutes, place, by (oldest first). */
int store_desk_payments(store *s, int64_t app_id, store_table *t);
int store_desk_interviews(store *s, int64_t app_id, store_table *t);
/* Outbox rows not yet sent, newest first (at most limit):
 * id, application number, kind, state, recipients, attempts, last_error,
 * created_at, next_attempt. *sent counts the rows delivered. */
int store_desk_outbox(store *s, int64_t limit, store_table *t, int64_t *sent);
/* Batches, newest first (at most limit): id, source, key, ref, status,
 * receipt, at. Rows of one batch: row key, status, application number,
 * application state, detail. */
int store_desk_batches(store *s, int64_t limit, store_table *t);
/* One batch item by id: source, receipt; 1 found, 0 not, -1 error. */
int store_desk_batch(store *s, int64_t item_id, store_table *t);
int store_desk_batch_rows(store *s, const char *batch_key, store_table *t);

#endif
