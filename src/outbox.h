/* outbox.h — the outgoing mail. outbox_queue is the one place a notice
 * becomes a message (From, Date, a Message-ID in our domain) and a row of
 * the outbox, inside the caller's transaction, so that the row commits with
 * the state it reports. outbox_flush delivers the rows that are due through
 * a transport, with retries and exponential backoff; a permanent failure
 * marks the row failed with the server's answer. */
#ifndef PACKETD_OUTBOX_H
#define PACKETD_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "context.h"
#include "notice.h"
#include "store.h"
#include "transport.h"

struct mailmsg_attachment;

/* Where a notice goes and what it answers. */
typedef struct outbox_addr {
	const char *to;              /* NULL or empty: nothing is queued (logged) */
	const char *in_reply_to;     /* the Message-ID answered, or NULL */
	const char *references;      /* the References of the answer, or NULL */
	const char *auto_submitted;  /* RFC 3834: auto-replied | auto-generated */
	const struct mailmsg_attachment *atts;  /* foreign, natts of them */
	size_t natts;
} outbox_addr;

typedef struct outbox_stats {
	int sent;
	int retried;
	int failed;
} outbox_stats;

/* Queues notice n of the given kind (for application app_id, 0: none) to
 * a->to inside the caller's transaction and counts it. *message_id receives
 * the new id (caller frees) when not NULL. 0, or -1 on failure. */
int outbox_queue(packetd_ctx *ctx, int64_t app_id, const char *kind, const notice *n, const outbox_addr *a,
		 char **message_id);
/* Renders template `kind` with vars (notice_render), then outbox_queue. */
int outbox_queue_kind(packetd_ctx *ctx, int64_t app_id, const char *kind, const rules_var *vars, size_t nvars,
		      const outbox_addr *a);
/* The domain of our intake address, for Message-IDs and calendar UIDs. */
const char *outbox_domain(const config *c);

/* Delivers every due row; returns 0 unless the store itself failed. */
int outbox_flush(store *db, transport *t, time_t now, outbox_stats *stats);
/* Seconds to wait before attempt n+1 (1-based attempts so far). */
long outbox_backoff(int attempts);

#endif
