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
#include "intake.h"
#include "mime.h"
#include "source.h"

/* A message read ahead of its turn (pipeline_prepare): parsed, and its
 * packet already in the sandbox, so that packetd records the message
 * before it while the sandbox reads this one. Nothing in it touches the
 * ledger: whether the item or its archive was seen before is asked at its
 * turn. Not to be copied (pend may point into itself). */
typedef struct pipeline_prep {
	int ready;             /* prepared, not yet taken */
	char *workdir;         /* owned: the item's work folder, or NULL (temporary failure) */
	struct spool_workdirs *pool; /* foreign: where workdir goes back, or NULL: it is removed */
	mime_message m;
	int mrc;               /* mime_parse_file's answer; MIME_TOO_LARGE for a header-only item */
	char err[256];
	intake_pending pend;   /* the packet's sandbox job, when one started */
} pipeline_prep;

/* Reads it (fetched) ahead of its turn into pp, in a work folder taken
 * from work (the source's, given back when pp is freed), or, when work is
 * NULL, one made for it and removed after. Failures stay in pp for
 * pipeline_message to answer. */
void pipeline_prepare(packetd_ctx *ctx, const source_item *it, struct spool_workdirs *work, pipeline_prep *pp);

/* Whether the item's bytes in memory are still wanted at its turn
 * (pipeline_message): to name a message without a Message-ID by their
 * hash, or to read the header of one too large. Otherwise its parts are
 * in the work folder and the header in pp, and the bytes can go. */
int pipeline_prep_wants_bytes(const pipeline_prep *pp);

/* Frees what pp holds (waiting for and dropping its sandbox job). */
void pipeline_prep_free(pipeline_prep *pp);

/* Processes one email item: ITEM_DONE, ITEM_FINAL (a message too large or
 * a packet rejected), or ITEM_TEMPORARY (nothing recorded). pp: the item
 * read ahead by pipeline_prepare, or NULL; it is freed. */
enum item_result pipeline_message(packetd_ctx *ctx, source *src, const source_item *it, pipeline_prep *pp);

#endif
