/* workflow_p.h — private to workflow.c and workflow_cycle.c: one
 * application loaded with its applicant fields, and the notice helpers. */
#ifndef PACKETD_WORKFLOW_P_H
#define PACKETD_WORKFLOW_P_H

#include <jansson.h>

#include "workflow.h"

typedef struct wf_app {
	store_application a;
	json_t *fields;          /* owned: the applicant fields */
	const char *name_zh, *name_en, *email, *qualification, *province, *target;  /* into fields/a */
} wf_app;

/* Loads by id (number NULL) or number: STORE_FOUND, STORE_NOT_FOUND or
 * STORE_ERROR. */
int wf_load(packetd_ctx *ctx, int64_t id, const char *number, wf_app *x);
void wf_app_free(wf_app *x);

/* Fee lines "  label: N yuan" for every non-zero amount, and a total line;
 * caller frees. */
char *wf_fee_lines(packetd_ctx *ctx, const long amounts[FEES_NITEMS], int zh);
/* Outstanding amounts of f into out[]. */
void wf_outstanding(const fees *f, long out[FEES_NITEMS]);

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

#endif
