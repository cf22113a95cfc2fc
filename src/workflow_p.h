/* workflow_p.h — private to workflow.c and workflow_cycle.c: one
 * application loaded with its applicant fields, and the notice helpers. */
#ifndef PACKETD_WORKFLOW_P_H
#define PACKETD_WORKFLOW_P_H

#include "workflow.h"

struct mailmsg_attachment;

typedef struct wf_app {
	store_application a;
	const char *name_zh, *name_en, *email, *qualification, *province, *target;  /* into a */
} wf_app;

/* Loads by id (number NULL) or number: STORE_FOUND, STORE_NOT_FOUND or
 * STORE_ERROR. */
int wf_load(packetd_ctx *ctx, int64_t id, const char *number, wf_app *x);
void wf_app_free(wf_app *x);

/* The fee ledger's lines of years year_from..year_to in one language
 * (outstanding: what is still owed, else what falls due), with a total
 * line; caller frees. */
char *wf_fees_text(packetd_ctx *ctx, const fees *f, int year_from, int year_to, int outstanding, int zh);
/* "soe_registration 500 yuan (year 0), cmes_membership at the society's
 * rate; total 500 yuan": what is outstanding, one line; caller frees. */
char *wf_fees_brief(const fees *f);
/* The payment notice of x listing every payment no notice has listed yet;
 * an unsent payment notice of x is replaced, so a cycle sends at most one
 * per application. Inside the caller's transaction. */
int wf_notify_payments(packetd_ctx *ctx, wf_app *x, const fees *f);

/* Interview facts as text in the configured zone: date, time, end, zone. */
typedef struct wf_when {
	char date[16], time[8], end[8], zone[64];
} wf_when;
void wf_when_of(packetd_ctx *ctx, time_t start, int minutes, wf_when *out);

/* Queues notice `kind` to the applicant of x with the common variables
 * (application, names, target, date) plus extra; inside the caller's
 * transaction. */
int wf_notify(packetd_ctx *ctx, wf_app *x, const char *kind, const rules_var *extra, size_t nextra,
	      const struct mailmsg_attachment *atts, size_t natts);
/* The interview notice or reminder with its iCalendar attachment. */
int wf_notify_interview(packetd_ctx *ctx, wf_app *x, const char *kind, const store_interview *iv);
/* The same for a moved plan: old (may be NULL) is the plan it replaces,
 * named in the notice ({old_date}, {old_time}, {old_zone}, {old_place}). */
int wf_notify_interview_moved(packetd_ctx *ctx, wf_app *x, const char *kind, const store_interview *iv,
			      const store_interview *old);
/* Into warn (empty when none): the interviews of other applications at the
 * same place whose time overlaps [starts, starts + minutes). 0 or -1. */
int wf_interview_overlaps(packetd_ctx *ctx, int64_t id, time_t starts, int minutes, const char *place, char *warn,
			  size_t len);

#endif
