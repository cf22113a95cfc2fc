/* cycle.c — one cycle of `packetd run`. See cycle.h. */
#include "cycle.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "batch.h"
#include "clock.h"
#include "fault.h"
#include "log.h"
#include "outbox.h"
#include "pipeline.h"
#include "source.h"
#include "spool.h"
#include "transport.h"
#include "util.h"
#include "workflow.h"
#include "zygote.h"

/* A group commit holds at most this many items, open at most this long:
 * one durable commit for them all, and their moves after it. */
#define CYCLE_GROUP_ITEMS 32
#define CYCLE_GROUP_SECONDS 1.0

/* Items recorded in the open group, moved at its source once the group
 * is committed. */
typedef struct cycle_group {
	size_t *taken;     /* owned: indexes of the group's items */
	unsigned char *final;
	size_t n;
	struct timespec began;
} cycle_group;

/* Notices waiting, queued by the cycle since its last delivery, that a
 * staging transport delivers at a group's commit (one outbox page). */
#define CYCLE_NOTICES_EARLY 32

/* Where a cycle's notices go. All that are due go out at its end; with a
 * staging transport (the Maildir), those its items queued go out earlier
 * too, after a group's commit, once CYCLE_NOTICES_EARLY wait: written
 * while the sandbox still works on the next packets, their bodies still in
 * the database's cache, instead of all after the last item. A sending
 * transport (SMTP) waits for the end, so that a slow server holds back
 * only the delivery. */
typedef struct cycle_out {
	transport t;
	int open;           /* t opened, closed by cycle_run */
	int notices_seen;   /* ctx->stats.notices at the last early delivery */
	outbox_stats os;    /* all of the cycle's deliveries */
} cycle_out;

/* Messages read ahead of the one being recorded: their packets wait in the
 * sandbox (zygote.h's ZYGOTE_QUEUE bounds the jobs waiting at once). Where
 * the work folders are in memory (spool_workdirs_in_memory), up to
 * CYCLE_AHEAD of them, fewer when they are big: past CYCLE_AHEAD_MIN, no
 * more than CYCLE_AHEAD_BYTES of messages. A deep queue keeps the sandbox
 * busy while packetd waits on the server for the next batch, which small
 * messages make frequent. On a disk, CYCLE_AHEAD_MIN: there the work files
 * of every packet read ahead are dirty pages that a notices page's syncfs
 * writes out and their truncation then gives back (twelve ahead cost a
 * fifth more time and CPU than two; see README, Benchmarks). A message
 * read ahead keeps its parts in its work folder, not its bytes in memory
 * (pipeline_prep_wants_bytes); the bytes bound keeps the scratch folder's
 * share and the work left at a stop near what two big messages made. */
#define CYCLE_AHEAD 12
#define CYCLE_AHEAD_MIN 2
#define CYCLE_AHEAD_BYTES (4u << 20)
_Static_assert(CYCLE_AHEAD + 1 <= ZYGOTE_QUEUE, "the sandbox helper takes every packet read ahead");

/* The messages read ahead: a ring, the oldest at first. */
typedef struct cycle_ahead {
	pipeline_prep prep[CYCLE_AHEAD + 1];
	size_t item[CYCLE_AHEAD + 1];   /* the items' indexes, beside their prep */
	uint64_t bytes[CYCLE_AHEAD + 1]; /* what each item weighs (cycle_weight) */
	size_t first, queued;
	uint64_t queued_bytes;
} cycle_ahead;

/* An item's weight for the read-ahead bound: its size, as the source told
 * it, or of its bytes in memory or in a file. */
static uint64_t cycle_weight(const source_item *it)
{
	struct stat st;
	if (it->data != NULL && it->len > it->size)
		return it->len;
	if (it->size == 0 && it->path != NULL && stat(it->path, &st) == 0)
		return (uint64_t)st.st_size;
	return it->size;
}

static double cycle_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Makes the group durable — the spool's files first, then the one commit
 * that refers to them — and only then moves its items at their source: a
 * crash before the commit leaves them all to the next cycle. */
static void group_close(packetd_ctx *ctx, source *src, source_item *items, cycle_group *g)
{
	int ok;
	if (!store_in_group(ctx->db))
		return;
	ok = !fault_fails("sync") && spool_pack_sync(&ctx->pack, ctx->conf->spool) == 0;
	if (ok && (fault_fails("group-commit") || store_group_commit(ctx->db) != 0)) {
		log_error("database: the group of %zu items not committed: %s", g->n, store_errmsg(ctx->db));
		ok = 0;
	}
	if (!ok) {
		store_group_rollback(ctx->db);
		log_warn("source %s: %zu items left for the next cycle", src->conf->name, g->n);
		ctx->stats.deferred += (int)g->n;
		g->n = 0;
		return;
	}
	for (size_t k = 0; k < g->n; k++) {
		source_item *it = &items[g->taken[k]];
		fault_point("committed");
		if (src->ops->done(src, it, g->final[k]) != 0)
			log_warn("source %s: %s processed but not moved; it will be recognised next cycle",
				 src->conf->name, it->ref);
	}
	g->n = 0;
}

/* After a group's commit: a staging transport delivers the notices queued
 * so far when a page of them waits (cycle_out). */
static void deliver_early(packetd_ctx *ctx, cycle_out *out)
{
	if (!transport_stages(ctx->conf) || ctx->stats.notices - out->notices_seen < CYCLE_NOTICES_EARLY)
		return;
	out->notices_seen = ctx->stats.notices;
	if (!out->open && transport_open(&out->t, ctx->conf) != 0)
		return;
	out->open = 1;
	outbox_flush(ctx->db, &out->t, ctx->now, &out->os);
}

/* Takes one fetched item to its end: recorded in the open group, or left. */
static void take_item(packetd_ctx *ctx, source *src, source_item *items, size_t i, pipeline_prep *pp,
		      cycle_group *g, cycle_out *out)
{
	source_item *it = &items[i];
	enum item_result rc;
	/* a batch writes receipts as it goes: it commits on its own */
	if (it->is_batch)
		group_close(ctx, src, items, g);
	else if (!store_in_group(ctx->db) && store_group_begin(ctx->db) == 0)
		clock_gettime(CLOCK_MONOTONIC, &g->began);
	rc = it->is_batch ? batch_run(ctx, src, it) : pipeline_message(ctx, src, it, pp);
	source_item_release(it);
	if (rc == ITEM_TEMPORARY) {
		log_warn("source %s: %s not finished; retrying next cycle", src->conf->name, it->ref);
	} else if (store_in_group(ctx->db)) {
		g->taken[g->n] = i;
		g->final[g->n++] = rc == ITEM_FINAL;
	} else {
		fault_point("committed");
		if (src->ops->done(src, it, rc == ITEM_FINAL) != 0)
			log_warn("source %s: %s processed but not moved; it will be recognised next cycle",
				 src->conf->name, it->ref);
	}
	if (g->n >= CYCLE_GROUP_ITEMS || (g->n > 0 && cycle_since(&g->began) >= CYCLE_GROUP_SECONDS)) {
		group_close(ctx, src, items, g);
		deliver_early(ctx, out);
	}
}

/* The oldest message read ahead: recorded now, its place freed. */
static void take_oldest(packetd_ctx *ctx, source *src, source_item *items, cycle_ahead *a, cycle_group *g,
			cycle_out *out)
{
	take_item(ctx, src, items, a->item[a->first], &a->prep[a->first], g, out);
	a->queued_bytes -= a->bytes[a->first];
	a->first = (a->first + 1) % (CYCLE_AHEAD + 1);
	a->queued--;
}

/* Items are recorded one after another, in order, but messages are read
 * CYCLE_AHEAD items ahead (pipeline_prepare): their packets are in the
 * sandbox while packetd records the one before. Items are committed by
 * groups (cycle_group). */
static int run_source(packetd_ctx *ctx, const config_source *cs, cycle_out *out)
{
	source src;
	source_item *items = NULL;
	cycle_ahead a;
	cycle_group g = {0};
	spool_workdirs work;
	size_t n = 0;
	memset(&a, 0, sizeof a);
	if (source_open(&src, cs, ctx->conf->scratch) != 0)
		return -1;
	spool_workdirs_init(&work, ctx->conf->scratch);
	src.db = ctx->db;
	src.limits = &ctx->conf->limits;
	if (src.ops->list(&src, &items, &n) != 0) {
		log_warn("source %s: cannot list; retrying next cycle", cs->name);
		spool_workdirs_free(&work);
		source_close(&src);
		return -1;
	}
	g.taken = xcalloc(CYCLE_GROUP_ITEMS + 1, sizeof *g.taken);
	g.final = xcalloc(CYCLE_GROUP_ITEMS + 1, 1);
	for (size_t i = 0; i < n && !(ctx->stop && *ctx->stop); i++) {
		size_t last;
		ctx->stats.items++;
		log_progress("packetd: source %s: item %zu of %zu (%d applications so far)", cs->name, i + 1, n,
			     ctx->stats.applications);
		if (fault_fails("fetch") || src.ops->fetch(&src, &items[i]) != 0) {
			log_warn("source %s: cannot fetch %s; next cycle", cs->name, items[i].ref);
			ctx->stats.deferred++;
			continue;
		}
		fault_point("fetched");
		if (items[i].is_batch) {
			/* in order: what was read ahead first */
			while (a.queued > 0)
				take_oldest(ctx, &src, items, &a, &g, out);
			take_item(ctx, &src, items, i, NULL, &g, out);
			continue;
		}
		last = (a.first + a.queued++) % (CYCLE_AHEAD + 1);
		a.item[last] = i;
		a.bytes[last] = cycle_weight(&items[i]);
		a.queued_bytes += a.bytes[last];
		pipeline_prepare(ctx, &items[i], &work, &a.prep[last]);
		/* read: its parts are in its work folder now, its bytes can go */
		if (items[i].data != NULL && !pipeline_prep_wants_bytes(&a.prep[last]))
			source_item_release(&items[i]);
		while (a.queued > (spool_workdirs_in_memory(&work) ? CYCLE_AHEAD : CYCLE_AHEAD_MIN) ||
		       (a.queued > CYCLE_AHEAD_MIN && a.queued_bytes > CYCLE_AHEAD_BYTES))
			take_oldest(ctx, &src, items, &a, &g, out);
	}
	/* those read ahead are finished even when stopping: they were fetched */
	while (a.queued > 0)
		take_oldest(ctx, &src, items, &a, &g, out);
	group_close(ctx, &src, items, &g);
	spool_workdirs_free(&work);
	log_progress_end();
	free(g.taken);
	free(g.final);
	source_items_free(items, n);
	source_close(&src);
	return 0;
}

/* The cycle in one line, every count taken from the database (the rows
 * the cycle wrote), so that it always agrees with `list`, `outbox` and
 * the items table. Items left for the next cycle write no row: that count
 * is the cycle's own. */
static void cycle_summary(packetd_ctx *ctx, const store_cycle_marks *mk, const outbox_stats *os)
{
	store_cycle_counts c;
	if (store_cycle_count(ctx->db, mk, &c) != 0) {
		snprintf(ctx->summary, sizeof ctx->summary, "%d items taken (counts unavailable: %s)", ctx->stats.items,
			 store_errmsg(ctx->db));
		return;
	}
	snprintf(ctx->summary, sizeof ctx->summary,
		 "%d items taken: %lld recorded, %d already processed, %d left for the next cycle; "
		 "%lld applications (%lld new, %lld supplemented; now %lld complete, %lld incomplete, %lld rejected), "
		 "%lld duplicates, %lld without packet, %lld STATUS requests, %lld too large, %lld not answered, "
		 "%lld batches (%lld rows); notices: %lld queued, %d delivered, %d deliveries deferred, %d failed, "
		 "%lld waiting in the outbox",
		 ctx->stats.items, (long long)c.recorded, ctx->stats.skipped, ctx->stats.deferred,
		 (long long)c.applications, (long long)c.new_applications,
		 (long long)(c.applications - c.new_applications), (long long)c.complete, (long long)c.incomplete,
		 (long long)c.rejected, (long long)c.duplicates, (long long)c.no_packet, (long long)c.status,
		 (long long)c.too_large, (long long)c.ignored, (long long)c.batches, (long long)c.rows,
		 (long long)c.queued, os->sent, os->retried, os->failed, (long long)c.waiting);
}

int cycle_run(packetd_ctx *ctx)
{
	cycle_out out;
	store_cycle_marks mk;
	memset(&out, 0, sizeof out);
	ctx->now = clock_now();
	ctx->summary[0] = '\0';
	if (store_cycle_mark(ctx->db, &mk) != 0) {
		log_warn("database: %s; retrying next cycle", store_errmsg(ctx->db));
		return -1;
	}
	spool_clean_work(ctx->conf->scratch);
	for (size_t i = 0; i < ctx->conf->nsources && !(ctx->stop && *ctx->stop); i++)
		run_source(ctx, &ctx->conf->sources[i], &out);
	spool_pack_close(&ctx->pack);
	/* reminders, re-registration, the nightly report: queued before the flush */
	workflow_cycle(ctx);
	if (!out.open && transport_open(&out.t, ctx->conf) != 0) {
		cycle_summary(ctx, &mk, &out.os);
		return -1;
	}
	outbox_flush(ctx->db, &out.t, ctx->now, &out.os);
	transport_close(&out.t);
	cycle_summary(ctx, &mk, &out.os);
	log_info("cycle: %s", ctx->summary);
	return 0;
}
