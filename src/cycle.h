/* cycle.h — one cycle of `packetd run`: every configured source is listed
 * and each ready item is fetched, processed (pipeline.h for a message,
 * batch.h for a batch) and moved out of its source; then the periodic work
 * (workflow_cycle: reminders, re-registration, the nightly report); then the
 * outbox is flushed. */
#ifndef PACKETD_CYCLE_H
#define PACKETD_CYCLE_H

#include "context.h"

/* Runs one cycle at clock_now() (ctx->now is set); ctx->stats counts it.
 * 0, or -1 when no transport could be opened for the outbox. */
int cycle_run(packetd_ctx *ctx);

#endif
