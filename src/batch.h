/* batch.h — provincial batches (SPEC section 7): a zip holding batch.csv
 * (one row per applicant: the manifest fields plus `packet`, the packet's
 * file or folder name inside the batch) and the packets. Each row becomes
 * an application of its own, committed on its own; the receipt is written
 * back to the source and emailed to the society's contact.
 */
#ifndef PACKETD_BATCH_H
#define PACKETD_BATCH_H

#include "context.h"
#include "source.h"

/* Processes one batch item: ITEM_DONE, ITEM_FINAL (a batch that cannot
 * be read: its receipt says why), or ITEM_TEMPORARY (left for the next
 * cycle; the rows already recorded are kept). */
enum item_result batch_run(packetd_ctx *ctx, source *src, const source_item *it);

#endif
