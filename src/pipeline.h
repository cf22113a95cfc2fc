/* pipeline.h — the email path: one message from a source becomes an
 * application (intake.h, record.h) with its acknowledgement, or a short
 * answer (no packet, the same archive again), or is recorded unanswered
 * (auto-replies, bounces, list mail, our own). Everything it writes for the
 * message commits in one transaction with the item's key, so a message is
 * never processed twice.
 *
 * Failure classes (isync's, enum item_result in source.h): a temporary
 * failure (disk full, database locked) leaves the item at its source for
 * the next cycle; a final one (a hostile archive, a message too large) is
 * recorded, quarantined and answered where there is someone to answer.
 */
#ifndef PACKETD_PIPELINE_H
#define PACKETD_PIPELINE_H

#include "context.h"
#include "source.h"

/* Processes one email item: ITEM_DONE, ITEM_FINAL (a message too large or
 * a packet rejected), or ITEM_TEMPORARY (nothing recorded). */
enum item_result pipeline_message(packetd_ctx *ctx, source *src, const source_item *it);

#endif
