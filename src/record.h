/* record.h — recording a checked packet, shared by the email path
 * (pipeline.c) and the batches (batch.c): its document files kept in the
 * spool, then, inside the caller's transaction, a new application or a
 * supplement to an open one, and the notice that acknowledges it.
 */
#ifndef PACKETD_RECORD_H
#define PACKETD_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "context.h"
#include "outbox.h"
#include "packet.h"
#include "store.h"

/* Stored paths of a packet's files, index for index with p->files at the
 * time they were kept. The count travels with the array: recording a
 * supplement replaces the packet by the merged application, whose file
 * count differs. */
typedef struct record_kept {
	char **paths; /* owned, n entries; NULL where a file was ignored */
	size_t n;
} record_kept;

/* What record_application made. */
typedef struct record_result {
	int64_t id;
	char number[32];
	int resubmitted;   /* a supplement to an open application */
	int cpd;           /* a registered member's CPD record alone: no application opened (id is the member's) */
} record_result;

/* Keeps p's document files in the spool; the caller frees *kept with
 * record_kept_free, whatever becomes of p. empty_sources: the files are
 * the item's own work files, read no more: each is emptied as it is kept
 * (SPOOL_EMPTY_SOURCES). 0 or -1. */
int record_keep_files(packetd_ctx *ctx, const packet *p, record_kept *kept, int empty_sources);
void record_kept_free(record_kept *kept);

/* Inside the caller's transaction: a new application, or, for an open
 * application of the same CMES number, a supplement (its files replaced by
 * (document, language, copy) and the whole application checked again — p
 * then holds the merged result); then the acknowledgement (or rejection)
 * queued to ack. 0, or -1 (the caller rolls back). */
int record_application(packetd_ctx *ctx, packet *p, const store_source *src, const record_kept *kept,
		       const outbox_addr *ack, record_result *out);

/* Counts an application recorded and committed. */
void record_count(packetd_ctx *ctx, enum packet_outcome o);

#endif
