/* status.h — STATUS by email (SPEC section 6): a message whose subject or
 * first line is 状态 / STATUS (answer_status_request) is answered with the
 * state of the sender's applications, what is missing, the fees
 * outstanding and the next step — only when the sender (the envelope
 * sender, answer_address) is the application's own address: the address
 * its notices go to, or the email of its manifest or batch row. Anyone
 * else gets a reply that names no application, whether the number asked
 * for exists or not. At most one answer per application, and one refusal
 * per address, an hour: more requests are recorded and not answered.
 */
#ifndef PACKETD_STATUS_H
#define PACKETD_STATUS_H

#include "context.h"

enum status_outcome {
	STATUS_ANSWERED,    /* the state of the sender's applications was queued */
	STATUS_REFUSED,     /* a reply naming no application was queued */
	STATUS_QUIET,       /* answered within the hour: nothing queued */
};

typedef struct status_request {
	const char *from;         /* foreign: the sender (answer_address) */
	const char *number;       /* foreign: the application asked about; NULL or "" for all the sender's */
	const char *in_reply_to;  /* foreign: the request's Message-ID, or NULL */
	const char *references;   /* foreign: References for the answer, or NULL */
} status_request;

typedef struct status_result {
	enum status_outcome outcome;
	int64_t application_id;   /* the first application answered about; 0 when none */
	char detail[256];         /* for the item and the log: the numbers answered, or why none */
} status_result;

/* Decides and queues the answer to rq inside the caller's transaction.
 * 0, or -1 when the store failed (roll back and retry the message). */
int status_answer(packetd_ctx *ctx, const status_request *rq, status_result *res);

#endif
