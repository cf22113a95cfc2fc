/* store_report.h — the nightly report's queries (store_report.c). Each is
 * one SQL statement that aggregates or lists at most `limit` rows, so the
 * report's cost follows what it shows, not how many applications exist.
 *
 * Every list is a store_report_list of rows with the same fields.
 * Times passed in are ISO 8601 UTC text (store_wf_iso).
 */
#ifndef PACKETD_STORE_REPORT_H
#define PACKETD_STORE_REPORT_H

#include <stdint.h>

#include "store.h"

/* One row of a report list; every text field owned by its list, "" for
 * SQL NULL and for what a list does not fill. */
typedef struct store_report_row {
	char *number;      /* the application's number (an outbox row: "#id" when it has none) */
	char *name_zh, *name_en;
	char *state;       /* the application's state code (outbox: the row's state) */
	char *at;          /* ISO 8601 UTC: the moment the row is about (see each list) */
	char *detail;      /* free text (place, province, error) */
	char *value;       /* a number (minutes, yuan outstanding, attempts) or a code */
	char *kind;        /* an outbox row's notice kind */
	char *recipients;  /* an outbox row's recipients */
	int64_t app_id;    /* the application's id (0 for an outbox row without one) */
} store_report_row;

typedef struct store_report_list {
	store_report_row *rows;   /* owned */
	size_t n;
	long total;               /* how many rows match in all (n is at most the limit) */
} store_report_list;

/* Appends a row of an application made of copies of the texts (NULL as
 * ""), for the lists the report computes; l->total is the caller's. */
void store_report_list_add(store_report_list *l, int64_t app_id, const char *number, const char *name_zh,
			   const char *name_en, const char *state, const char *at, const char *detail,
			   const char *value);
void store_report_list_free(store_report_list *l);

/* Interviews whose end is before now and whose application is still
 * interview_planned: at = start, detail = place, value = minutes. */
int store_rp_no_result(store *s, const char *now, int64_t limit, store_report_list *out) STORE_WUR;
/* Recommended, not yet transmitted: at = when it was recommended. */
int store_rp_not_transmitted(store *s, int64_t limit, store_report_list *out) STORE_WUR;
/* In soehk_review since before `before`, not yet accepted by SOEHK:
 * at = when it was sent to SOEHK. */
int store_rp_soehk_waiting(store *s, const char *before, int64_t limit, store_report_list *out) STORE_WUR;
/* On the way to the interview (complete … interview_planned) with less
 * than `fee` yuan of the interview fee paid: at = created, value = yuan
 * outstanding. */
int store_rp_interview_fee(store *s, int64_t fee, int64_t limit, store_report_list *out) STORE_WUR;
/* Every application in re_registration_due (a state only members reach
 * once a year): at = when it fell due. */
int store_rp_reregistration_due(store *s, store_report_list *out) STORE_WUR;
/* Outbox rows failed or being retried: kind, recipients, at = queued,
 * detail = last error, value = attempts. */
int store_rp_failing(store *s, int64_t limit, store_report_list *out) STORE_WUR;
/* Packets received in [from, to): new applications and supplements;
 * at = received, detail = province, value = "new" or "supplement". */
int store_rp_packets(store *s, const char *from, const char *to, int64_t limit, store_report_list *out) STORE_WUR;
/* How many of those were new applications and supplements. */
int store_rp_packet_counts(store *s, const char *from, const char *to, int64_t *fresh, int64_t *supplements) STORE_WUR;
/* Incomplete applications, longest waiting first: at = last change. */
int store_rp_incomplete(store *s, int64_t limit, store_report_list *out) STORE_WUR;
/* Interviews planned in [from, to): at = start, detail = place, value =
 * minutes. */
int store_rp_interviews(store *s, const char *from, const char *to, int64_t limit, store_report_list *out) STORE_WUR;
/* Applications in all. */
int store_rp_total(store *s, int64_t *n) STORE_WUR;

#endif
