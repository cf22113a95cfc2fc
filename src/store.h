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

/* A store call that can fail must be looked at. */
#define STORE_WUR __attribute__((warn_unused_result))
#include "rules.h"

/* What a look-up that may find nothing returns; every other function
 * returns 0 or -1 (util.h). */
enum store_found { STORE_ERROR = -1, STORE_NOT_FOUND = 0, STORE_FOUND = 1 };

typedef struct store store;   /* opaque */

int store_open(store **out, const char *path, char *err, size_t errlen) STORE_WUR;
void store_close(store *s);
int store_schema_version(store *s) STORE_WUR;
int store_begin(store *s) STORE_WUR;     /* BEGIN IMMEDIATE */
int store_commit(store *s) STORE_WUR;
int store_rollback(store *s);
/* A group commit: between store_group_begin and store_group_commit (or
 * store_group_rollback) the items' store_begin/store_commit/store_rollback
 * are savepoints of one transaction, so that several items cost one
 * durable commit; an item that fails rolls back alone. Nothing of the
 * group is committed before store_group_commit. */
int store_group_begin(store *s) STORE_WUR;
int store_group_commit(store *s) STORE_WUR;
int store_group_rollback(store *s);
int store_in_group(const store *s);
/* The last SQLite error message (owned by the store). */
const char *store_errmsg(store *s);

/* Where an item came from. */
typedef struct store_source {
	const char *name;        /* config source NAME */
	const char *kind;        /* maildir | imap | dir | sftp | validate */
	const char *ref;         /* message file name, UID, batch name#row ... */
	const char *message_id;  /* the applicant's Message-ID, or NULL */
	const char *reply_to;    /* where notices go: the envelope sender, else From; a batch row's society-given address */
	const char *reply_to_header; /* the message's Reply-To when it names another address: recorded, never answered */
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

/* STORE_FOUND when an item with this key exists (status copied to
 * status_out when not NULL, at most len bytes), else STORE_NOT_FOUND or
 * STORE_ERROR. */
int store_item_exists(store *s, const char *key, char *status_out, size_t len) STORE_WUR;
/* Same, also giving the item's application id (0 when none). */
int store_item_get(store *s, const char *key, char *status_out, size_t len, int64_t *application_id) STORE_WUR;
int store_item_add(store *s, const store_item *it) STORE_WUR;

/* ---- applications ---- */
/* The number of the application that already holds an archive with this
 * SHA-256, into number (32 bytes): STORE_FOUND, STORE_NOT_FOUND, STORE_ERROR. */
int store_find_archive(store *s, const char *sha256, char number[32]) STORE_WUR;
/* The open application (state received|complete|incomplete|returned, its
 * documents not purged) of the applicant with this CMES number:
 * STORE_FOUND (id, number), STORE_NOT_FOUND or STORE_ERROR. */
int store_find_open_by_cmes(store *s, const char *cmes_no, int64_t *id, char number[32]) STORE_WUR;

/* Creates an application from a checked packet: upserts the applicant (by
 * cmes_no when present, else by email), allocates the number
 * RRA-<year of now>-<6-digit sequence per year>, stores files (name, sha256,
 * type, size, doc/lang/copy codes, stored_path = where the spool keeps the
 * bytes, given per file in stored_paths[i], NULL for none), findings, the
 * archive's sha256, the source, and a history row (NULL → state) with by =
 * "packetd". state = the packet outcome's name. */
int store_application_create(store *s, const packet *p, const rules *r, const store_source *src,
			     const char *const *stored_paths, time_t now, int64_t *id, char number[32]) STORE_WUR;

/* Where the spool keeps bytes of this sha256 for a document not purged
 * (*path, caller frees): 1 found, 0 not (*path NULL), -1 error. */
int store_kept_path(store *s, const char *sha256, char **path) STORE_WUR;

/* Resubmission: adds the packet's files to application id, marking older
 * files of the same (document, language, copy) superseded, records the
 * archive sha256 as also belonging to it, and the source. */
int store_application_add_files(store *s, int64_t id, const packet *p, const rules *r,
				const store_source *src, const char *const *stored_paths, time_t now) STORE_WUR;

/* Replaces the findings and the applicant's details (the newest manifest's,
 * or those the application held: record.c's merged packet) of application
 * id by p's, its target when p names one, and sets the state (with a
 * history row by/reason when it changes). */
int store_application_set_result(store *s, int64_t id, const packet *p, const rules *r,
				 const char *by, const char *reason, time_t now) STORE_WUR;

/* Appends a history row and sets the state. */
int store_set_state(store *s, int64_t id, const char *to_state, const char *by, const char *reason,
		    time_t now) STORE_WUR;

/* A current (non-superseded) file of an application, for re-checking. */
typedef struct store_file {
	char *name, *sha256, *type, *doc, *lang, *stored_path;
	char *raw_name_hex; /* NULL when the archive's bytes are the UTF-8 name's */
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
	applicant app;            /* decoded from the stored applicant_json */
	char *source_name, *source_kind, *source_ref, *message_id, *reply_to;
	char *reply_to_header;    /* a differing Reply-To of the latest message, never answered; NULL */
	store_file *files; size_t nfiles;              /* current files only */
	struct finding *findings; size_t nfindings;    /* doc/lang as rules indexes */
	store_history *history; size_t nhistory;
} store_application;

/* Loads by id (number NULL) or by number: STORE_FOUND, STORE_NOT_FOUND or
 * STORE_ERROR. */
int store_application_get(store *s, const rules *r, int64_t id, const char *number,
			  store_application *out) STORE_WUR;
void store_application_free(store_application *a);
/* The applicant_json column of a row read by a query of its own (the
 * desk's list) into fields, as store_application_get decodes it. */
void store_applicant_decode(const char *json, applicant *out);
/* Ids of applications, oldest first, optionally in one state. */
int store_application_list(store *s, const char *state, int64_t **ids, size_t *n) STORE_WUR;
/* One application as `list` shows it. Every field is foreign and valid
 * only during the callback; NULL where the database has none. */
typedef struct store_app_row {
	const char *number, *state, *target, *created_at, *updated_at;
	const char *applicant_json;   /* the applicant fields as a JSON object */
	const char *name_zh, *name_en;
} store_app_row;
typedef int (*store_app_row_fn)(const store_app_row *row, void *ctx);
/* Calls fn for each application, oldest first, optionally in one state,
 * one row at a time from one query (nothing accumulates, whatever the
 * ledger's size). Stops at fn's first nonzero return and returns it;
 * -1 on a database error, else 0. */
int store_application_each(store *s, const char *state, store_app_row_fn fn, void *ctx) STORE_WUR;

/* ---- source cursors (IMAP UIDVALIDITY/last UID, SFTP listings) ---- */
int store_cursor_get(store *s, const char *source, const char *name, char **value) STORE_WUR; /* *value NULL when unset */
int store_cursor_set(store *s, const char *source, const char *name, const char *value) STORE_WUR;

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
		     const char *recipients, const char *body, size_t body_len, time_t now) STORE_WUR;
/* At most this many rows per outbox flush; the rest come next time. */
#define STORE_OUTBOX_DUE_MAX 500
/* At most max rows due for delivery (queued, next_attempt <= now) whose id
 * is above after, oldest first: a flush takes them a few at a time, so
 * that the bodies of a whole cycle's notices are never in memory at once. */
int store_outbox_due(store *s, time_t now, int64_t after, size_t max, store_outmail **rows, size_t *n) STORE_WUR;
/* Every row, newest first (for `packetd outbox`), at most limit. */
int store_outbox_all(store *s, size_t limit, store_outmail **rows, size_t *n) STORE_WUR;
int store_outbox_sent(store *s, int64_t id, time_t now) STORE_WUR;
/* A temporary failure: attempts+1, next attempt after backoff_seconds. */
int store_outbox_retry(store *s, int64_t id, const char *error, time_t next_attempt) STORE_WUR;
int store_outbox_failed(store *s, int64_t id, const char *error) STORE_WUR;
void store_outmail_free(store_outmail *rows, size_t n);


/* ---- STATUS by email (store_intake.c) ---- */
/* Ids of the applications, oldest first, whose own address is addr (the
 * address their notices go to, or the applicant's email, in any case);
 * when number is not NULL, only that application, and only if it is
 * addr's. *ids is malloc'ed (NULL when none). 0 or -1. */
int store_apps_of_address(store *s, const char *addr, const char *number, int64_t **ids, size_t *n) STORE_WUR;
/* How many answers of `kind` were given since `since`: about application
 * id (id > 0; marked by store_answer_mark), else outbox rows of no
 * application sent to recipient. 0 or -1. */
int store_answers_since(store *s, int64_t id, const char *kind, const char *recipient, time_t since, int64_t *n) STORE_WUR;
/* Records that application id got an answer of `kind` now (inside the
 * transaction that queues it). */
int store_answer_mark(store *s, int64_t id, const char *kind, time_t now) STORE_WUR;

/* ---- what one cycle did (store_intake.c), for its summary ---- */
typedef struct store_cycle_marks {
	int64_t item, application, outbox;   /* the highest ids before the cycle */
} store_cycle_marks;
typedef struct store_cycle_counts {
	int64_t recorded;        /* source items recorded (messages and batches; not batch rows) */
	int64_t rows;            /* batch rows recorded */
	int64_t batches;
	int64_t duplicates;      /* messages whose archive was already received */
	int64_t no_packet, ignored, status, too_large;
	int64_t applications;    /* made or supplemented by the cycle's packets, counted once */
	int64_t new_applications;
	int64_t complete, incomplete, rejected;   /* of those, by the state they are in now */
	int64_t queued;          /* outbox rows written by the cycle */
	int64_t waiting;         /* outbox rows still queued, whenever written */
} store_cycle_counts;
int store_cycle_mark(store *s, store_cycle_marks *m) STORE_WUR;
int store_cycle_count(store *s, const store_cycle_marks *m, store_cycle_counts *c) STORE_WUR;

/* ---- the certification workflow (store_workflow.c) ---- */

/* Moves application id from state `from` to `to` only when it is in `from`
 * (compare and set, so two centre commands cannot both act on one state),
 * and appends a history row with the event name. from == to records an
 * event (a payment, SOEHK's acceptance) without a change of state.
 * 1 done, 0 the application is not in `from`, -1 error. */
int store_wf_transition(store *s, int64_t id, const char *from, const char *to, const char *event, const char *by,
			const char *reason, time_t now) STORE_WUR;
/* 1 when an `event` history row follows the latest entry into `state`. */
int store_wf_event_since_entry(store *s, int64_t id, const char *state, const char *event) STORE_WUR;
/* Time of the first (first != 0) or latest entry into state: STORE_FOUND,
 * STORE_NOT_FOUND (never entered) or STORE_ERROR. */
int store_wf_entered_at(store *s, int64_t id, const char *state, int first, time_t *at) STORE_WUR;
/* Calls each(certified, arg) with the first entry into `certified` of
 * every certified application (state certified or re_registration_due):
 * one query for the daemon's wait, where the cycle asks one by one.
 * 0 or -1. */
int store_wf_each_certified(store *s, void (*each)(time_t certified, void *arg), void *arg) STORE_WUR;

/* Payments: amounts in yuan, > 0. */
int store_wf_payment_add(store *s, int64_t id, const char *item, int64_t amount, const char *ref, const char *by,
			 time_t now) STORE_WUR;
/* Sum paid for one item (0 when none). */
int store_wf_paid(store *s, int64_t id, const char *item, int64_t *sum) STORE_WUR;

/* The interview plan: the latest row per application counts. */
typedef struct store_interview {
	int64_t id;
	time_t starts_at;
	int minutes;
	char *place;        /* owned */
	time_t created_at;
	int plans;          /* how many plans the application has had (1 = first) */
} store_interview;
int store_wf_interview_add(store *s, int64_t id, time_t starts_at, int minutes, const char *place, const char *by,
			   time_t now, int64_t *plan_id) STORE_WUR;
/* STORE_FOUND, STORE_NOT_FOUND or STORE_ERROR; free with
 * store_interview_free. */
int store_wf_interview_get(store *s, int64_t id, store_interview *out) STORE_WUR;
void store_interview_free(store_interview *iv);

/* Once-only notices keyed by (application, kind, period): 1 when recorded
 * now (send it), 0 when already recorded (do not), -1 error. Called inside
 * the transaction that queues the notice. */
int store_wf_notice_once(store *s, int64_t id, const char *kind, const char *period, time_t now) STORE_WUR;
/* Nightly reports by date (YYYY-MM-DD): 1 already run, 0 not, -1 error. */
int store_wf_report_done(store *s, const char *date) STORE_WUR;
int store_wf_report_record(store *s, const char *date, const char *message_id, time_t now) STORE_WUR;

/* Transmittals to SOEHK. */
int store_wf_transmittal_add(store *s, const char *file, const char *sha256, int64_t count, const char *by,
			     time_t now, int64_t *tid) STORE_WUR;
int store_wf_transmittal_item(store *s, int64_t tid, int64_t app_id) STORE_WUR;

/* Report and workflow queries; times are ISO 8601 UTC text. Each list is
 * owned by the caller and freed by its own _free function; every text
 * field is owned by the list and "" for SQL NULL. */
typedef struct store_count_row {
	char *key;    /* a state code, or a province ("-" when none is known) */
	long count;   /* applications with it */
} store_count_row;
typedef struct store_count_list {
	store_count_row *rows;
	size_t n;
} store_count_list;
/* Applications by "state" or by "province", ordered by key. */
int store_wf_counts(store *s, const char *by, store_count_list *out) STORE_WUR;
void store_count_list_free(store_count_list *l);

/* The latest plan of an application in interview_planned. */
typedef struct store_interview_row {
	int64_t id;                    /* the application's */
	char *number, *name_zh, *name_en;
	char *starts_at, *created_at;  /* ISO UTC: the start, and when the plan was made */
	long minutes;
	char *place;
} store_interview_row;
typedef struct store_interview_list {
	store_interview_row *rows;
	size_t n;
} store_interview_list;
/* Plans starting in [from, to), by start. */
int store_wf_interviews(store *s, const char *from, const char *to, store_interview_list *out) STORE_WUR;
void store_interview_list_free(store_interview_list *l);

typedef struct store_id_row {
	int64_t id;
	char *number;
} store_id_row;
typedef struct store_id_list {
	store_id_row *rows;
	size_t n;
} store_id_list;
/* The applications in one state, oldest first. */
int store_wf_ids_in(store *s, const char *state, store_id_list *out) STORE_WUR;
void store_id_list_free(store_id_list *l);

/* What the fees of one application follow from, for the report. Fields
 * foreign, valid during the callback only; text fields NULL when empty. */
typedef struct store_fee_row {
	int64_t id;
	const char *number, *state, *target, *qualification, *province, *name_zh, *name_en;
	int passed;                /* entered interview_passed */
	const char *certified_at;  /* first entry into certified, ISO UTC, or NULL */
	const char *paid;          /* "item=yuan;item=yuan", or NULL */
} store_fee_row;
typedef int (*store_fee_row_fn)(const store_fee_row *row, void *ctx);
/* Calls fn for every application, oldest first, from one query (the
 * history and payments summed in SQL, nothing kept between rows). Stops
 * at fn's first nonzero return and returns it; -1 on a database error. */
int store_wf_fee_rows(store *s, store_fee_row_fn fn, void *ctx) STORE_WUR;
/* One step of an application's history; NULL where the row has none
 * (from, by, reason, event may be). */
typedef struct store_history_row {
	char *at;   /* ISO UTC */
	char *from, *to, *by, *reason, *event;
} store_history_row;
typedef struct store_history_list {
	store_history_row *rows;
	size_t n;
} store_history_list;
/* The history of one application, in order. */
int store_wf_history(store *s, int64_t id, store_history_list *out) STORE_WUR;
void store_history_list_free(store_history_list *l);
/* t as the store writes times: "YYYY-MM-DDTHH:MM:SSZ". */
void store_wf_iso(time_t t, char out[32]);

/* ---- schema step 3 (store_cpd.c): CPD hours, payment notices, retention ---- */

/* CPD hours of one calendar year; source "centre" (`packetd cpd`) or
 * "record" (a CPD record the member sent). The centre's latest figure for a
 * year counts, else the latest record's. */
int store_cpd_add(store *s, int64_t id, int year, double hours, const char *source, const char *ref, const char *by,
		  time_t now) STORE_WUR;
/* The hours that count for a year: 1 recorded, 0 none (*hours 0), -1. */
int store_cpd_hours(store *s, int64_t id, int year, double *hours) STORE_WUR;
/* The member's registered application (certified or re-registration due)
 * by CMES number: 1 found, 0 none, -1. */
int store_cpd_registered(store *s, const char *cmes_no, int64_t *id) STORE_WUR;
/* The figure that counts, per year, by year. */
typedef struct store_cpd_row {
	int year;
	double hours;
	char *source, *ref, *by, *at;   /* ref and by "" when none */
} store_cpd_row;
typedef struct store_cpd_list {
	store_cpd_row *rows;
	size_t n;
} store_cpd_list;
int store_cpd_list_get(store *s, int64_t id, store_cpd_list *out) STORE_WUR;
void store_cpd_list_free(store_cpd_list *l);

/* Payment notices, at most one waiting per application: drops the queued,
 * never tried payment notice of the application (its payments become
 * unlisted again), lists the payments no notice lists, oldest first, and marks them as listed by the newest payment notice. */
int store_pay_unsent_drop(store *s, int64_t id) STORE_WUR;
typedef struct store_payment_row {
	char *item;     /* a fee item's code */
	long amount;    /* yuan */
	char *ref;      /* the centre's reference, "" when none */
	char *at;       /* ISO UTC */
} store_payment_row;
typedef struct store_payment_list {
	store_payment_row *rows;
	size_t n;
} store_payment_list;
int store_pay_unlisted(store *s, int64_t id, store_payment_list *out) STORE_WUR;
void store_payment_list_free(store_payment_list *l);
int store_pay_mark_listed(store *s, int64_t id) STORE_WUR;

/* Retention: the applications in a final state with documents still kept. */
typedef struct store_purge_row {
	int64_t id;
	char *number, *state;
	char *since;   /* ISO UTC: when the final state began (the first certification for certified ones) */
} store_purge_row;
typedef struct store_purge_list {
	store_purge_row *rows;
	size_t n;
} store_purge_list;
int store_purge_candidates(store *s, store_purge_list *out) STORE_WUR;
void store_purge_list_free(store_purge_list *l);
/* A stored file: its path, and for store_purge_paths how many files of
 * other applications still keep it; for store_purge_transmittals the
 * archive's id. */
typedef struct store_path_row {
	int64_t id;
	char *path;
	long shared;
} store_path_row;
typedef struct store_path_list {
	store_path_row *rows;
	size_t n;
} store_path_list;
/* The application's kept files, one row per path, oldest first. */
int store_purge_paths(store *s, int64_t id, store_path_list *out) STORE_WUR;
void store_path_list_free(store_path_list *l);
/* Marks every kept file of the application purged. */
int store_purge_mark(store *s, int64_t id, time_t now) STORE_WUR;
/* The transmittal archives (copies of documents sent to SOEHK) none of
 * whose applications keeps a document any more. */
int store_purge_transmittals(store *s, store_path_list *out) STORE_WUR;
/* The application's current files that are purged, one row per content. */
typedef struct store_purged_row {
	char *sha256;
	char *purged_at;   /* ISO UTC */
} store_purged_row;
typedef struct store_purged_list {
	store_purged_row *rows;
	size_t n;
} store_purged_list;
int store_purge_files(store *s, int64_t id, store_purged_list *out) STORE_WUR;
void store_purged_list_free(store_purged_list *l);

#endif
