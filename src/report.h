/* report.h — the nightly report to the certification centre (SPEC section
 * 8): a summary line; what needs action (interviews held without a result,
 * recommended but not transmitted, waiting on SOEHK too long, interview fee
 * unpaid, CPD hours missing for a re-registration, deliveries failing); the
 * packets of the day (new applications and supplements); counts by state
 * and by province; incomplete applications waiting longest; interviews in
 * the next 14 days; fees outstanding. An HTML email (times in the
 * configured zone, states by their Chinese and English names, an inline
 * SVG bar chart) with the same sections as a CSV attachment (UTF-8 with
 * BOM).
 *
 * The report of date D lists the packets received on D (local midnight to
 * midnight in the configured zone); everything else is as of the moment it
 * is made. The nightly run at [centre] report_time on day D+1 sends the
 * report of D; report_runs keeps one row per date, so it goes out once,
 * and a cycle after the daemon was down at that hour sends the latest
 * report missed.
 */
#ifndef PACKETD_REPORT_H
#define PACKETD_REPORT_H

#include <stddef.h>

#include "context.h"

typedef struct report_doc {
	char *html;      /* owned */
	char *csv;       /* owned, UTF-8 with BOM */
	size_t csv_len;
	char *text;      /* owned: a plain summary for the text part and stdout */
} report_doc;

/* Builds the report of date (YYYY-MM-DD) as of ctx->now. */
int report_build(packetd_ctx *ctx, const char *date, report_doc *out);
void report_doc_free(report_doc *d);
/* Queues the report of date to [centre] report_to inside the caller's
 * transaction; *message_id receives the id (caller frees) when not NULL. */
int report_queue(packetd_ctx *ctx, const char *date, char **message_id);
/* 0 when date (YYYY-MM-DD) is a day that has begun in the configured
 * zone; else -1 with the reason (malformed, in the future) in err. */
int report_date_check(packetd_ctx *ctx, const char *date, char *err, size_t errlen);
/* `report nightly --send`: queues the report of date once. A day that is
 * over counts as its nightly report (report_runs); the report of today is
 * sent once on demand and the nightly run still sends the whole day.
 * REPORT_QUEUED (*message_id set, caller frees), REPORT_ALREADY, or -1. */
enum { REPORT_QUEUED = 0, REPORT_ALREADY = 1 };
int report_send(packetd_ctx *ctx, const char *date, char **message_id);
/* The nightly run, once per cycle (workflow_cycle). */
int report_cycle(packetd_ctx *ctx);

#endif
