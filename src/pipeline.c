/* pipeline.c — the email path. See pipeline.h. */
#include "pipeline.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "answer.h"
#include "clock.h"
#include "fault.h"
#include "intake.h"
#include "log.h"
#include "mailmsg.h"
#include "mime.h"
#include "outbox.h"
#include "record.h"
#include "spool.h"
#include "status.h"
#include "util.h"

static const char *or_default(const char *v, const char *dflt)
{
	return v && *v ? v : dflt;
}

static int add_item(packetd_ctx *ctx, const source *src, const char *key, const char *ref, const char *status,
		       int64_t app, const char *detail)
{
	store_item it = {.source = src->conf->name, .key = key, .ref = ref, .status = status,
			 .application_id = app, .detail = detail};
	if (store_item_add(ctx->db, &it) != 0) {
		log_error("store: %s", store_errmsg(ctx->db));
		return -1;
	}
	return 0;
}

/* The notice-free outcomes: record and commit the item alone; `ended` is
 * the result once that is done. */
static enum item_result finish_item(packetd_ctx *ctx, const source *src, const char *key, const char *ref,
				    const char *status, const char *detail, enum item_result ended)
{
	if (store_begin(ctx->db) != 0)
		return ITEM_TEMPORARY;
	if (add_item(ctx, src, key, ref, status, 0, detail) != 0 || store_commit(ctx->db) != 0) {
		store_rollback(ctx->db);
		return ITEM_TEMPORARY;
	}
	return ended;
}

static char *references_of(const mime_message *m)
{
	buf b;
	if (m->message_id == NULL)
		return m->references ? xstrdup(m->references) : NULL;
	buf_init(&b, 0);
	if (m->references)
		buf_printf(&b, "%s ", m->references);
	buf_printf(&b, "<%s>", m->message_id);
	return buf_steal(&b);
}

static enum item_result answer_packet(packetd_ctx *ctx, const source *src, const source_item *it, const char *key,
				      const mime_message *m, const mime_attachment *att, const char *workdir,
				      int workdir_zeroed, intake_pending *pend)
{
	intake_options o = {.r = ctx->r, .lim = &ctx->conf->limits, .now = ctx->now, .zy = ctx->zy};
	const char *to = answer_address(m);
	char *refs = references_of(m), *unpacked = util_path_join(workdir, "packet");
	record_kept stored = {NULL, 0};
	record_result res = {0, "", 0, 0};
	char number[32] = "", sha[65];
	store_source ss = {.name = src->conf->name, .kind = src->ops->kind, .ref = it->ref,
			   .message_id = m->message_id, .reply_to = to,
			   .reply_to_header = answer_other_reply_to(m)};
	packet p;
	outbox_addr ack = {.to = to, .in_reply_to = m->message_id, .references = refs,
			   .auto_submitted = "auto-replied"};
	enum item_result rc = ITEM_TEMPORARY;
	int found;
	packet_init(&p);
	/* the sandbox may already be reading it (pipeline_prepare) */
	if (pend->active)
		snprintf(sha, sizeof sha, "%s", pend->sha256);
	else if (att->sha256[0] != '\0')
		snprintf(sha, sizeof sha, "%s", att->sha256);
	else if (util_sha256_file_hex(att->path, sha) != 0)
		goto out;
	if (!pend->active && util_mkdirs(unpacked, 0700) != 0)
		goto out;
	found = store_find_archive(ctx->db, sha, number);
	if (found == STORE_ERROR)
		goto out;
	if (found == STORE_FOUND) {
		/* The same archive again in a new message: say so, do nothing twice. */
		char *when = clock_stamp(ctx->now, ctx->conf->timezone);
		rules_var v[] = {{"application", number}, {"archive", or_default(att->filename, "?")},
				 {"received_at", when}, {"name_zh", ""}, {"name_en", ""}};
		if (store_begin(ctx->db) != 0) {
			free(when);
			goto out;
		}
		if (add_item(ctx, src, key, it->ref, "duplicate", 0, number) != 0 ||
		    outbox_queue_kind(ctx, 0, "duplicate", v, 5, &ack) != 0 ||
		    store_commit(ctx->db) != 0) {
			store_rollback(ctx->db);
			free(when);
			goto out;
		}
		free(when);
		ctx->stats.duplicates++;
		log_info("%s: archive already received under %s", it->ref, number);
		rc = ITEM_DONE;
		goto out;
	}
	snprintf(p.archive_sha256, sizeof p.archive_sha256, "%s", sha);
	if (!pend->active &&
	    intake_archive_start(&o, att->path, or_default(att->filename, "packet.zip"), unpacked, sha, pend) != 0)
		goto out;
	if (intake_archive_finish(&o, pend, &p) != 0)
		goto out;
	intake_fields_from_email(&p.app, m->from_addr, m->subject);
	if (intake_check(&o, &p) != 0)
		goto out;
	if (p.outcome == PACKET_REJECTED)
		if (spool_quarantine(ctx->conf->spool, att->path, sha) != 0)
			log_warn("%s: archive not quarantined; the application is recorded all the same", it->ref);
	/* the packet's files are its own work folder's, read no more: emptied
	 * as they are kept, unless the folder's return zeroes them (pages
	 * kept for the next item) */
	if (record_keep_files(ctx, &p, &stored, !workdir_zeroed) != 0)
		goto out;
	if (store_begin(ctx->db) != 0)
		goto out;
	if (record_application(ctx, &p, &ss, &stored, &ack, &res) != 0 ||
	    /* a member's CPD record is no application's packet: status cpd */
	    add_item(ctx, src, key, it->ref, res.cpd ? "cpd" : p.outcome == PACKET_REJECTED ? "rejected" : "processed",
		     res.id, res.number) != 0 ||
	    store_commit(ctx->db) != 0) {
		log_error("%s: not recorded: %s", it->ref, store_errmsg(ctx->db));
		store_rollback(ctx->db);
		goto out;
	}
	if (res.cpd) {
		log_info("%s: a CPD record for the registration of application %s (%zu files)", it->ref, res.number,
			 p.nfiles);
	} else {
		ctx->stats.applications++;
		record_count(ctx, p.outcome);
		log_info("%s: application %s %s%s (%zu files, %zu findings)", it->ref, res.number,
			 packet_outcome_name(p.outcome), res.resubmitted ? " (supplement)" : "", p.nfiles,
			 p.nfindings);
	}
	if (ss.reply_to_header)
		log_info("%s: Reply-To %s differs from the sender %s: recorded, not answered", it->ref,
			 ss.reply_to_header, to);
	rc = p.outcome == PACKET_REJECTED ? ITEM_FINAL : ITEM_DONE;
out:
	/* decided otherwise (the same archive again) or failed before its turn */
	intake_archive_drop(pend);
	record_kept_free(&stored);
	packet_free(&p);
	free(refs);
	free(unpacked);
	return rc;
}

static enum item_result answer_no_packet(packetd_ctx *ctx, const source *src, const source_item *it,
					 const char *key, const mime_message *m)
{
	const char *to = answer_address(m);
	char *refs = references_of(m), *when = clock_stamp(ctx->now, ctx->conf->timezone);
	rules_var v[] = {{"subject", or_default(m->subject, "-")}, {"received_at", when}};
	outbox_addr a = {.to = to, .in_reply_to = m->message_id, .references = refs, .auto_submitted = "auto-replied"};
	enum item_result rc = ITEM_TEMPORARY;
	if (store_begin(ctx->db) != 0)
		goto out;
	if (add_item(ctx, src, key, it->ref, "no_packet", 0, NULL) != 0 ||
	    outbox_queue_kind(ctx, 0, "no_packet", v, 2, &a) != 0 ||
	    store_commit(ctx->db) != 0) {
		store_rollback(ctx->db);
		goto out;
	}
	ctx->stats.no_packet++;
	log_info("%s: no packet in the message from %s", it->ref, to);
	rc = ITEM_DONE;
out:
	free(refs);
	free(when);
	return rc;
}

/* "52.4 MB", "60 KB": sizes as an applicant reads them. */
static void human_size(uint64_t n, char *out, size_t len)
{
	if (n >= 1024 * 1024)
		snprintf(out, len, "%.1f MB", (double)n / (1024.0 * 1024.0));
	else
		snprintf(out, len, "%llu KB", (unsigned long long)((n + 1023) / 1024));
}

/* A message over max_message: only its header was read. Recorded (and
 * moved to Rejected by the caller); its sender is told the limit unless
 * the answering rules forbid it. */
static enum item_result answer_too_large(packetd_ctx *ctx, const source *src, const source_item *it, const char *key,
			    const mime_message *m, uint64_t size, const char *why)
{
	const char *to = answer_address(m);
	uint64_t limit = ctx->conf->limits.max_message;
	char *refs = references_of(m), *when = clock_stamp(ctx->now, ctx->conf->timezone), detail[160], smb[32],
	     lmb[32];
	outbox_addr a = {.to = to, .in_reply_to = m->message_id, .references = refs, .auto_submitted = "auto-replied"};
	enum item_result rc = ITEM_TEMPORARY;
	snprintf(detail, sizeof detail, "too large: %llu bytes, limit %llu%s%s", (unsigned long long)size,
		 (unsigned long long)limit, why ? "; not answered: " : "", why ? why : "");
	human_size(size, smb, sizeof smb);
	human_size(limit, lmb, sizeof lmb);
	rules_var v[] = {{"subject", or_default(m->subject, "-")}, {"received_at", when}, {"size", smb},
			 {"limit", lmb}};
	if (store_begin(ctx->db) != 0)
		goto out;
	if (add_item(ctx, src, key, it->ref, "too_large", 0, detail) != 0 ||
	    (why == NULL && outbox_queue_kind(ctx, 0, "too_large", v, 4, &a) != 0) ||
	    store_commit(ctx->db) != 0) {
		store_rollback(ctx->db);
		goto out;
	}
	log_warn("%s: message of %llu bytes over max_message (%llu bytes): rejected, %s%s", it->ref,
		 (unsigned long long)size, (unsigned long long)limit, why ? "not answered: " : "sender told at ",
		 why ? why : to);
	rc = ITEM_FINAL;   /* moved to Rejected */
out:
	free(refs);
	free(when);
	return rc;
}

/* A STATUS request (status.h): answered, refused or quiet, and recorded. */
static enum item_result answer_status(packetd_ctx *ctx, const source *src, const source_item *it, const char *key,
			 const mime_message *m, const char *number)
{
	char *refs = references_of(m);
	status_request rq = {.from = answer_address(m), .number = number, .in_reply_to = m->message_id,
			     .references = refs};
	status_result res;
	enum item_result rc = ITEM_TEMPORARY;
	if (store_begin(ctx->db) != 0)
		goto out;
	if (status_answer(ctx, &rq, &res) != 0 ||
	    add_item(ctx, src, key, it->ref, "status", res.application_id, res.detail) != 0 ||
	    store_commit(ctx->db) != 0) {
		store_rollback(ctx->db);
		goto out;
	}
	log_info("%s: STATUS request from %s%s%s: %s (%s)", it->ref, rq.from, *number ? " about " : "", number,
		 res.outcome == STATUS_ANSWERED ? "answered" : res.outcome == STATUS_REFUSED ? "refused" : "not answered",
		 res.detail);
	rc = ITEM_DONE;
out:
	free(refs);
	return rc;
}

/* The head of a message read for its header alone. */
#define PIPELINE_HEAD_MAX (256 * 1024)

/* The first archive attached, the one answered as the packet. */
static const mime_attachment *packet_of(const mime_message *m)
{
	for (size_t i = 0; i < m->natts; i++)
		if (mime_is_archive(&m->atts[i]))
			return &m->atts[i];
	return NULL;
}

void pipeline_prepare(packetd_ctx *ctx, const source_item *it, struct spool_workdirs *work, pipeline_prep *pp)
{
	intake_options o = {.r = ctx->r, .lim = &ctx->conf->limits, .now = ctx->now, .zy = ctx->zy};
	const mime_attachment *att;
	char *unpacked = NULL;
	memset(pp, 0, sizeof *pp);
	pp->ready = 1;
	pp->mrc = MIME_ERROR;
	pp->pool = work;
	pp->workdir = pp->pool ? spool_workdir_take(pp->pool) : spool_workdir(ctx->conf->scratch);
	if (pp->workdir == NULL)
		return;
	if (it->header_only)
		pp->mrc = MIME_TOO_LARGE;
	else if (it->data)
		pp->mrc = mime_parse_mem(it->data, it->len, pp->workdir, ctx->conf->limits.max_message, &pp->m, pp->err,
					 sizeof pp->err);
	else
		pp->mrc = mime_parse_file(it->path, pp->workdir, ctx->conf->limits.max_message, &pp->m, pp->err,
					  sizeof pp->err);
	/* Only what needs no ledger starts here: whether the item was seen
	 * before, or its archive, is asked when its turn comes. */
	if (pp->mrc != MIME_OK || (att = packet_of(&pp->m)) == NULL ||
	    answer_why_not(ctx->conf, &pp->m, ANSWER_PACKET) != NULL)
		return;
	unpacked = util_path_join(pp->workdir, "packet");
	if (util_mkdirs(unpacked, 0700) == 0)
		intake_archive_start(&o, att->path, or_default(att->filename, "packet.zip"), unpacked, att->sha256,
				     &pp->pend);
	free(unpacked);
}

int pipeline_prep_wants_bytes(const pipeline_prep *pp)
{
	return pp->workdir != NULL && (pp->mrc != MIME_OK || pp->m.message_id == NULL);
}

void pipeline_prep_free(pipeline_prep *pp)
{
	if (!pp->ready)
		return;
	intake_archive_drop(&pp->pend);
	mime_message_free(&pp->m);
	if (pp->pool) {
		spool_workdir_give(pp->pool, pp->workdir, "packet");
	} else if (pp->workdir) {
		util_rmtree(pp->workdir);
		free(pp->workdir);
	}
	memset(pp, 0, sizeof *pp);
}

enum item_result pipeline_message(packetd_ctx *ctx, source *src, const source_item *it, pipeline_prep *pp)
{
	pipeline_prep own;
	mime_message *m;
	char *key = NULL, sha[65], status[32] = "", number[32] = "";
	const char *why;
	const mime_attachment *att = NULL;
	enum answer_kind kind = ANSWER_NO_PACKET;
	uint64_t size = it->size;
	struct stat st;
	enum item_result rc = ITEM_TEMPORARY;
	int mrc;
	buf k;
	buf_init(&k, 0);
	if (pp == NULL || !pp->ready) {
		pp = &own;
		pipeline_prepare(ctx, it, NULL, pp);
	}
	m = &pp->m;
	if (pp->workdir == NULL)
		goto out;
	mrc = pp->mrc;
	if (mrc == MIME_TOO_LARGE) {
		/* Too large to take whole: its header says who to tell. */
		if (it->data) {
			if (size == 0)
				size = it->len;
			mrc = mime_parse_header_mem(it->data, it->len, PIPELINE_HEAD_MAX, m);
			if (mrc != MIME_OK)
				snprintf(pp->err, sizeof pp->err, "reading the header: %s", strerror(errno));
		} else {
			if (size == 0 && stat(it->path, &st) == 0)
				size = (uint64_t)st.st_size;
			mrc = mime_parse_header(it->path, PIPELINE_HEAD_MAX, m, pp->err, sizeof pp->err);
		}
		mrc = mrc == MIME_OK ? MIME_TOO_LARGE : MIME_ERROR;
		kind = ANSWER_TOO_LARGE;
	}
	if (mrc == MIME_ERROR) {
		/* Only a system error (disk full, unreadable file): a damaged
		 * message is MIME_OK. Temporary, so the message stays. */
		log_warn("%s: %s; retrying next cycle", it->ref, pp->err);
		goto out;
	}
	if (m->message_id)
		buf_printf(&k, "mid:%s", m->message_id);
	else if ((it->data ? util_sha256_hex(it->data, it->len, sha) : util_sha256_file_hex(it->path, sha)) == 0)
		buf_printf(&k, "sha256:%s", sha);
	else
		goto out;
	key = buf_steal(&k);
	switch (store_item_exists(ctx->db, key, status, sizeof status)) {
	case STORE_FOUND:
		/* Moved where its first run decided (a crash may have come
		 * between the commit and the move). */
		rc = strcmp(status, "rejected") == 0 || strcmp(status, "too_large") == 0 ? ITEM_FINAL : ITEM_DONE;
		ctx->stats.skipped++;
		log_info("%s: already processed (%s)", it->ref, key);
		goto out;
	case STORE_NOT_FOUND:
		break;
	default:
		log_warn("%s: database: %s; retrying next cycle", it->ref, store_errmsg(ctx->db));
		goto out;
	}
	att = packet_of(m);
	if (att != NULL)
		kind = ANSWER_PACKET;
	else if (kind == ANSWER_NO_PACKET && answer_status_request(&ctx->conf->texts, m, number))
		kind = ANSWER_STATUS;
	why = answer_why_not(ctx->conf, m, kind);
	if (kind == ANSWER_TOO_LARGE) {
		rc = answer_too_large(ctx, src, it, key, m, size, why);
		goto out;
	}
	if (why != NULL) {
		log_info("%s: not answered: %s", it->ref, why);
		rc = finish_item(ctx, src, key, it->ref, "ignored", why, ITEM_DONE);
		ctx->stats.ignored += rc != ITEM_TEMPORARY;
		goto out;
	}
	if (kind == ANSWER_STATUS)
		rc = answer_status(ctx, src, it, key, m, number);
	else if (kind == ANSWER_NO_PACKET)
		rc = answer_no_packet(ctx, src, it, key, m);
	else
		rc = answer_packet(ctx, src, it, key, m, att, pp->workdir,
				   pp->pool != NULL && spool_workdirs_in_memory(pp->pool), &pp->pend);
out:
	if (rc == ITEM_TEMPORARY)
		ctx->stats.deferred++;
	pipeline_prep_free(pp);
	buf_free(&k);
	free(key);
	return rc;
}
