/* workflow.h — the certification workflow (SPEC section 5; seed 运作方式,
 * 一览表 items 3–6): the transitions an application may take after the
 * intake, as a table (workflow.c), the centre's commands that drive them,
 * and the periodic work of each cycle (interview reminders, yearly
 * re-registration, the nightly report).
 *
 * Each command runs in one transaction: it reads the application, checks
 * the transition table and the command's own conditions, changes the state
 * by compare and set with a history row (who, when, why), and queues the
 * notice that reports it. A refused command changes nothing.
 */
#ifndef PACKETD_WORKFLOW_H
#define PACKETD_WORKFLOW_H

#include <time.h>

#include "fees.h"
#include "context.h"
#include "store.h"

/* Results of the commands. */
enum { WF_ERROR = -1, WF_OK = 0, WF_REFUSED = 1 };

typedef struct workflow {
	packetd_ctx *ctx;       /* foreign: conf, rules, store, now */
	const char *by;     /* foreign: who acts */
	char err[1024];     /* why a command was refused (refusal.h: 中文, then English) or failed */
	char info[512];     /* what was done, one line */
	char warn[512];     /* a warning that did not stop the command, or "" */
} workflow;

int workflow_review(workflow *w, const char *number, int approve, const char *reason);
int workflow_soehk(workflow *w, const char *number, int accept, const char *feedback);
/* starts: the interview's start; minutes 45..75. */
int workflow_interview(workflow *w, const char *number, time_t starts, const char *place, int minutes);
/* result: "pass", "fail" or "no_show". */
int workflow_result(workflow *w, const char *number, const char *result);
int workflow_pay(workflow *w, const char *number, const char *item, long amount, const char *ref);
int workflow_certify(workflow *w, const char *number);
/* `packetd cpd ID --year YYYY --hours N [--ref TEXT]`: the centre's figure
 * for a year (it replaces an earlier one of that year), recorded in the
 * history; may complete a re-registration (workflow_cpd.c). */
int workflow_cpd(workflow *w, const char *number, int year, double hours, const char *ref);
/* Moves application id from recommended to soehk_review inside the
 * caller's transaction (the transmittal): 1 moved, 0 not recommended. */
int workflow_transmitted(workflow *w, int64_t id, const char *reason);

/* Periodic work, once per cycle, before the outbox is flushed: interview
 * reminders three days ahead, re-registration notices on each anniversary
 * of certification, the nightly report. Each is recorded so that it is sent
 * exactly once, across restarts. Returns 0 unless the store failed. */
int workflow_cycle(packetd_ctx *ctx);
/* When the periodic work next falls due after ctx->now, within horizon
 * seconds: an interview reminder, the nightly report's slot (report_to
 * set), the day's purge at local midnight; 0 when none does. The daemon
 * wakes then rather than at its next poll (re-registrations, yearly, are
 * found by the polls). */
time_t workflow_next_due(packetd_ctx *ctx, time_t horizon);

/* 1 when state is one an application can be in (the intake's outcomes and
 * the table's states). */
int workflow_state_known(const char *state);
/* Every such state, comma-separated, into out. */
void workflow_states(char *out, size_t len);

#endif
