/* outbox.c — the outbox (outbox.h). A row is written in the same
 * transaction as the state it reports; outbox_flush delivers it and then
 * marks it sent. A crash between delivery and the mark means the row is
 * delivered again next cycle under the same Message-ID: the Maildir
 * transport makes that harmless (one file per Message-ID). */
#include "outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "log.h"
#include "mailmsg.h"

#define OUTBOX_MAX_ATTEMPTS 12
/* Rows (with their bodies) loaded at a time by a flush. */
#define OUTBOX_PAGE 32

const char *outbox_domain(const config *c)
{
	const char *at = c->intake_address ? strrchr(c->intake_address, '@') : NULL;
	return at && at[1] ? at + 1 : "packetd.invalid";
}

int outbox_queue(packetd_ctx *ctx, int64_t app_id, const char *kind, const notice *n, const outbox_addr *a,
		 char **message_id)
{
	notice_mail m;
	char *id = NULL, *msg = NULL;
	size_t len = 0;
	int rc = -1;
	if (a->to == NULL || *a->to == '\0') {
		log_info("notice %s: no address to send it to", kind);
		return 0;
	}
	memset(&m, 0, sizeof m);
	m.from = config_sender(ctx->conf);
	m.to = a->to;
	m.in_reply_to = a->in_reply_to;
	m.references = a->references;
	m.auto_submitted = a->auto_submitted;
	m.domain = outbox_domain(ctx->conf);
	m.date = ctx->now;
	m.atts = a->atts;
	m.natts = a->natts;
	msg = notice_build(n, &m, &id, &len);
	if (msg == NULL)
		goto out;
	if (store_outbox_add(ctx->db, app_id, kind, id, a->to, msg, len, ctx->now) != 0) {
		log_error("outbox: %s", store_errmsg(ctx->db));
		goto out;
	}
	ctx->stats.notices++;
	if (message_id) {
		*message_id = id;
		id = NULL;
	}
	rc = 0;
out:
	free(id);
	free(msg);
	return rc;
}

int outbox_queue_kind(packetd_ctx *ctx, int64_t app_id, const char *kind, const rules_var *vars, size_t nvars,
		      const outbox_addr *a)
{
	notice n;
	int rc;
	if (a->to == NULL || *a->to == '\0') {
		log_info("notice %s: no address to send it to", kind);
		return 0;
	}
	if (notice_render(&ctx->conf->texts, kind, vars, nvars, &n) != 0)
		return -1;
	rc = outbox_queue(ctx, app_id, kind, &n, a, NULL);
	notice_free(&n);
	return rc;
}

long outbox_backoff(int attempts)
{
	long s = 60;
	for (int i = 1; i < attempts && s < 6 * 3600; i++)
		s *= 2;
	return s > 6 * 3600 ? 6 * 3600 : s;
}

/* Records how a row's delivery went; -1 when the store failed. */
static int outbox_record(store *db, time_t now, const store_outmail *row, enum transport_result r, const char *err,
			 outbox_stats *stats)
{
	if (r == TRANSPORT_SENT) {
		fault_point("delivered");
		if (store_outbox_sent(db, row->id, now) != 0)
			return -1;
		stats->sent++;
		log_info("outbox %lld: %s sent to %s", (long long)row->id, row->kind, row->recipients);
	} else if (r == TRANSPORT_TEMPORARY && row->attempts + 1 < OUTBOX_MAX_ATTEMPTS) {
		if (store_outbox_retry(db, row->id, err, now + outbox_backoff(row->attempts + 1)) != 0)
			return -1;
		stats->retried++;
		log_warn("outbox %lld: delivery deferred: %s", (long long)row->id, err);
	} else {
		if (store_outbox_failed(db, row->id, err) != 0)
			return -1;
		stats->failed++;
		log_error("outbox %lld: delivery failed: %s", (long long)row->id, err);
	}
	return 0;
}

/* A staging transport's rows since the last sync: each row without its
 * body (rows[i], freed by store_outmail_free), how its delivery went
 * (res[i]) and why (err[i], owned). */
typedef struct outbox_batch {
	store_outmail *rows;
	enum transport_result *res;
	char **err;
	size_t n, cap;
	size_t staged;       /* rows whose res is TRANSPORT_STAGED */
} outbox_batch;

/* Takes row over (its body freed, the caller's copy emptied) with its result. */
static void batch_hold(outbox_batch *b, store_outmail *row, enum transport_result r, const char *err)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : OUTBOX_PAGE;
		b->rows = xrealloc(b->rows, b->cap * sizeof *b->rows);
		b->res = xrealloc(b->res, b->cap * sizeof *b->res);
		b->err = xrealloc(b->err, b->cap * sizeof *b->err);
	}
	b->rows[b->n] = *row;
	free(b->rows[b->n].body);
	b->rows[b->n].body = NULL;
	b->rows[b->n].body_len = 0;
	memset(row, 0, sizeof *row);
	b->res[b->n] = r;
	b->err[b->n] = xstrdup(err);
	b->staged += r == TRANSPORT_STAGED;
	b->n++;
}

static void batch_free(outbox_batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		free(b->err[i]);
	free(b->err);
	free(b->res);
	store_outmail_free(b->rows, b->n);
	memset(b, 0, sizeof *b);
}

/* Ends a staging transport's batch: one sync makes every staged message
 * durable and delivered, and one transaction marks all the rows (the
 * caller frees b). -1 when the store failed. */
static int batch_finish(store *db, transport *t, time_t now, outbox_batch *b, outbox_stats *stats)
{
	enum transport_result *res = NULL;
	char sync_err[512] = "";
	int in_tx, rc = -1;
	if (b->staged > 0) {
		res = xcalloc(b->staged, sizeof *res);
		t->ops->sync(t, res, b->staged, sync_err, sizeof sync_err);
		for (size_t i = 0, j = 0; i < b->n; i++)
			if (b->res[i] == TRANSPORT_STAGED) {
				b->res[i] = res[j++];
				free(b->err[i]);
				b->err[i] = xstrdup(sync_err);
			}
	}
	/* one commit for the batch's marks; without it, one each */
	in_tx = store_begin(db) == 0;
	for (size_t i = 0; i < b->n; i++)
		if (outbox_record(db, now, &b->rows[i], b->res[i], b->err[i], stats) != 0)
			goto out;
	if (in_tx && store_commit(db) != 0)
		goto out;
	in_tx = 0;
	rc = 0;
out:
	if (in_tx)
		store_rollback(db);
	free(res);
	return rc;
}

/* Delivers a page of rows. A transport that stages (the Maildir) writes
 * them and keeps them in b for batch_finish; any other sends and marks one
 * row at a time, so that a crash can repeat at most one delivery. -1 when
 * the store failed. */
static int outbox_page(store *db, transport *t, time_t now, store_outmail *rows, size_t n, outbox_batch *b,
		       outbox_stats *stats)
{
	for (size_t i = 0; i < n; i++) {
		char err[512] = "";
		enum transport_result r = t->ops->send(t, rows[i].message_id, rows[i].recipients, rows[i].body,
						       rows[i].body_len, err, sizeof err);
		if (t->staging)
			batch_hold(b, &rows[i], r, err);
		else if (outbox_record(db, now, &rows[i], r, err, stats) != 0)
			return -1;
	}
	return 0;
}

int outbox_flush(store *db, transport *t, time_t now, outbox_stats *stats)
{
	store_outmail *rows = NULL;
	size_t n = 0, taken = 0;
	int64_t after = 0;
	int rc = -1;
	outbox_batch b = {0};
	/* a staging transport's messages of the whole flush (at most
	 * STORE_OUTBOX_DUE_MAX) share one sync and one commit, and the rows are
	 * loaded OUTBOX_PAGE at a time, so memory does not grow with them */
	t->staging = t->ops->sync != NULL;
	do {
		size_t want = STORE_OUTBOX_DUE_MAX - taken < OUTBOX_PAGE ? STORE_OUTBOX_DUE_MAX - taken : OUTBOX_PAGE;
		if (store_outbox_due(db, now, after, want, &rows, &n) != 0) {
			log_error("outbox: %s", store_errmsg(db));
			goto out;
		}
		if (n > 0)
			after = rows[n - 1].id;
		if (n > 0 && outbox_page(db, t, now, rows, n, &b, stats) != 0)
			goto out;
		taken += n;
		store_outmail_free(rows, n);
		rows = NULL;
	} while (n == OUTBOX_PAGE && taken < STORE_OUTBOX_DUE_MAX);
	n = 0;
	rc = 0;
out:
	store_outmail_free(rows, n);
	if (t->staging && b.n > 0 && batch_finish(db, t, now, &b, stats) != 0)
		rc = -1;
	batch_free(&b);
	t->staging = 0;
	return rc;
}
