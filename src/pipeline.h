/* pipeline.h — one cycle of intake: every configured source is listed, each
 * ready item is fetched, turned into applications (intake.h), recorded with
 * its notices in one transaction, and moved out of the source; then the
 * outbox is delivered. batch.c handles the provincial batches; this file's
 * shared helpers are declared here for it.
 *
 * Failure classes (isync's): a temporary failure (disk full, database
 * locked) leaves the item at its source for the next cycle; a final one
 * (a hostile archive, a message without packet) is recorded and answered.
 */
#ifndef PACKETD_PIPELINE_H
#define PACKETD_PIPELINE_H

#include <signal.h>
#include <time.h>

#include "config.h"
#include "notice.h"
#include "packet.h"
#include "rules.h"
#include "source.h"
#include "store.h"

typedef struct pipeline_stats {
	int items;         /* taken from sources */
	int skipped;       /* seen before: nothing done twice */
	int ignored;       /* auto-replies, bounces, list mail, our own */
	int no_packet;
	int duplicates;
	int applications;  /* created or supplemented */
	int complete;
	int incomplete;
	int rejected;
	int batches;
	int notices;       /* queued */
	int deferred;      /* left for the next cycle */
} pipeline_stats;

typedef struct pipeline {
	const config *conf;             /* foreign */
	const rules *r;                 /* foreign */
	store *db;                      /* foreign */
	time_t now;
	const volatile sig_atomic_t *stop;  /* foreign: set by SIGTERM; NULL never stops */
	pipeline_stats stats;
	char summary[768];              /* what the last cycle did, counted from the rows it wrote */
} pipeline;

/* Runs every source once and flushes the outbox. */
int pipeline_cycle(pipeline *pl);

/* Processes one email item. Returns 0 when the item is finished (then
 * *rejected says where it goes), 1 when it must be retried later. */
int pipeline_message(pipeline *pl, source *src, const source_item *it, int *rejected);
/* Processes one provincial batch (batch.c); same contract. */
int pipeline_batch(pipeline *pl, source *src, const source_item *it, int *rejected);

/* ---- shared by pipeline.c and batch.c ---- */

/* Records a checked packet inside the caller's transaction: a new
 * application, or, for an open application of the same CMES number, a
 * supplement (its files replaced by (document, language, copy) and the
 * whole application checked again — p then holds the merged result).
 * Kept document bytes must already be in the spool (stored_paths). */
int pipeline_record(pipeline *pl, packet *p, const store_source *src, const char *const *stored_paths,
		    int64_t *id, char number[32], int *resubmitted);
/* Stored paths of a packet's files, index for index with p->files at the
 * time they were kept. The count travels with the array: recording a
 * supplement replaces the packet by the merged application, whose file
 * count differs. */
typedef struct kept_files {
	char **paths; /* owned, n entries; NULL where a file was ignored */
	size_t n;
} kept_files;
/* Keeps p's document files in the spool; the caller frees *kept with
 * pipeline_kept_free, whatever becomes of p. */
int pipeline_keep_files(pipeline *pl, const packet *p, kept_files *kept);
void pipeline_kept_free(kept_files *kept);
/* Queues an acknowledgement (or rejection) of p inside the transaction. */
int pipeline_queue_ack(pipeline *pl, const packet *p, int64_t id, const char *number, int resubmitted,
		       const char *to, const char *in_reply_to, const char *references, const char *auto_submitted);
/* Renders and queues a notice of the given kind inside the transaction. */
int pipeline_queue(pipeline *pl, int64_t app_id, const char *kind, const rules_var *vars, size_t nvars,
		   const char *to, const char *in_reply_to, const char *references, const char *auto_submitted,
		   const struct mailmsg_attachment *atts, size_t natts);
/* "2026-11-27 10:00 (UTC+8)" in the configured zone; caller frees. */
char *pipeline_time_text(const pipeline *pl);
void pipeline_count_outcome(pipeline *pl, enum packet_outcome o);

#endif
