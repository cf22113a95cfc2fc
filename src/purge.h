/* purge.h — retention of stored documents (PIPL, UK GDPR): rules'
 * documents_years after an application reaches a final state (counted from
 * the first certification for certified ones; rejected, returned,
 * interview_failed, no_show from entering that state), its kept documents
 * are deleted from the spool. A stored file that an application not purged
 * still keeps stays (the spool keeps one copy per SHA-256). The ledger keeps
 * names, hashes and history: each file row is marked purged, and a
 * history row (event "purge") says how many files went. */
#ifndef PACKETD_PURGE_H
#define PACKETD_PURGE_H

#include <jansson.h>

#include "context.h"

typedef struct purge_result {
	int applications;   /* purged (or, dry run, that would be) */
	int deleted;        /* stored files removed from the spool */
	int kept_shared;    /* stored files kept for an application not purged */
	int transmittals;   /* transmittal archives deleted (all their applications purged) */
	json_t *items;      /* owned: [{application, state, since, deleted, kept}] */
} purge_result;

/* Purges what is due as of ctx->now; dry_run changes nothing. One
 * transaction per application. 0, or -1 when the store failed (what was
 * done before stays done). Free out->items with json_decref. */
int purge_run(packetd_ctx *ctx, int dry_run, const char *by, purge_result *out);
/* The periodic work: runs purge_run at most once per day (the date in the
 * configured zone kept as a cursor). */
int purge_cycle(packetd_ctx *ctx);

#endif
