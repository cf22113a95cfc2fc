/* pipeline.h — the email path: one message from a source becomes an
 * application (intake.h, record.h) with its acknowledgement, or a short
 * answer (no packet, the same archive again), or is recorded unanswered
 * (auto-replies, bounces, list mail, our own). Everything it writes for the
 * message commits in one transaction with the item's key, so a message is
 * never processed twice.
 *
 * Failure classes (isync's): a temporary failure (disk full, database
 * locked) leaves the item at its source for the next cycle; a final one
 * (a hostile archive, a message without packet) is recorded and answered.
 */
#ifndef PACKETD_PIPELINE_H
#define PACKETD_PIPELINE_H

#include "context.h"
#include "source.h"

/* Processes one email item. Returns 0 when the item is finished (then
 * *rejected says where it goes), 1 when it must be retried later. */
int pipeline_message(packetd_ctx *ctx, source *src, const source_item *it, int *rejected);

#endif
