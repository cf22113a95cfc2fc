/* store_report.h — the nightly report's queries (store_report.c). Each is
 * one SQL statement that aggregates or lists at most `limit` rows, so the
 * report's cost follows what it shows, not how many applications exist.
 *
 * Every list has the same columns, text cells ("" for NULL):
 *   0 number   the application's number (an outbox row: "#id" when it has none)
 *   1 name_zh  2 name_en
 *   3 state    the application's state code (outbox: the row's state)
 *   4 at       ISO 8601 UTC: the moment the row is about (see each list)
 *   5 detail   free text (place, province, error)
 *   6 value    a number (minutes, yuan outstanding, attempts) or a code
 *   7 total    how many rows match in all (the same on every row)
 * Times passed in are ISO 8601 UTC text (store_wf_iso).
 */
#ifndef PACKETD_STORE_REPORT_H
#define PACKETD_STORE_REPORT_H

#include <stdint.h>

#include "store.h"

enum store_rp_col {
	RP_NUMBER, RP_NAME_ZH, RP_NAME_EN, RP_STATE, RP_AT, RP_DETAIL, RP_VALUE, RP_TOTAL, RP_NCOLS
};

/* Interviews whose end is before now and whose application is still
 * interview_planned: at = start, detail = place, value = minutes. */
int store_rp_no_result(store *s, const char *now, int64_t limit, store_table *t);
/* Recommended, not yet transmitted: at = when it was recommended. */
int store_rp_not_transmitted(store *s, int64_t limit, store_table *t);
/* In soehk_review since before `before`, not yet accepted by SOEHK:
 * at = when it was sent to SOEHK. */
int store_rp_soehk_waiting(store *s, const char *before, int64_t limit, store_table *t);
/* On the way to the interview (complete … interview_planned) with less
 * than `fee` yuan of the interview fee paid: at = created, value = yuan
 * outstanding. */
int store_rp_interview_fee(store *s, int64_t fee, int64_t limit, store_table *t);
/* Every application in re_registration_due (a state only members reach
 * once a year): at = when it fell due, value = the application's id. */
int store_rp_reregistration_due(store *s, store_table *t);
/* Outbox rows failed or being retried: name_zh = kind, name_en =
 * recipients, at = queued, detail = last error, value = attempts. */
int store_rp_failing(store *s, int64_t limit, store_table *t);
/* Packets received in [from, to): new applications and supplements;
 * at = received, detail = province, value = "new" or "supplement". */
int store_rp_packets(store *s, const char *from, const char *to, int64_t limit, store_table *t);
/* How many of those were new applications and supplements. */
int store_rp_packet_counts(store *s, const char *from, const char *to, int64_t *fresh, int64_t *supplements);
/* Incomplete applications, longest waiting first: at = last change. */
int store_rp_incomplete(store *s, int64_t limit, store_table *t);
/* Interviews planned in [from, to): at = start, detail = place, value =
 * minutes. */
int store_rp_interviews(store *s, const char *from, const char *to, int64_t limit, store_table *t);
/* Applications in all. */
int store_rp_total(store *s, int64_t *n);

#endif
