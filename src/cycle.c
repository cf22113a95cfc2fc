/* cycle.c — one cycle of `packetd run`. See cycle.h. */
#include "cycle.h"

#include <stdint.h>
#include <stdio.h>

#include "batch.h"
#include "clock.h"
#include "fault.h"
#include "log.h"
#include "outbox.h"
#include "pipeline.h"
#include "source.h"
#include "spool.h"
#include "transport.h"
#include "workflow.h"

/* Takes one fetched item to its end: recorded and moved, or left. */
static void take_item(packetd_ctx *ctx, source *src, source_item *it, pipeline_prep *pp)
{
	enum item_result rc = it->is_batch ? batch_run(ctx, src, it) : pipeline_message(ctx, src, it, pp);
	if (rc == ITEM_TEMPORARY) {
		log_warn("source %s: %s not finished; retrying next cycle", src->conf->name, it->ref);
		return;
	}
	fault_point("committed");
	if (src->ops->done(src, it, rc == ITEM_FINAL) != 0)
		log_warn("source %s: %s processed but not moved; it will be recognised next cycle", src->conf->name,
			 it->ref);
}

/* Items go one after another, each recorded before the next, but a
 * message is read one item ahead (pipeline_prepare): its packet is in the
 * sandbox while packetd records the one before. */
static int run_source(packetd_ctx *ctx, const config_source *cs)
{
	source src;
	source_item *items = NULL;
	pipeline_prep ahead[2];
	size_t n = 0, waiting = SIZE_MAX;
	if (source_open(&src, cs, ctx->conf->spool) != 0)
		return -1;
	src.db = ctx->db;
	src.limits = &ctx->conf->limits;
	if (src.ops->list(&src, &items, &n) != 0) {
		log_warn("source %s: cannot list; retrying next cycle", cs->name);
		source_close(&src);
		return -1;
	}
	for (size_t i = 0; i < n && !(ctx->stop && *ctx->stop); i++) {
		ctx->stats.items++;
		log_progress("packetd: source %s: item %zu of %zu (%d applications so far)", cs->name, i + 1, n,
			     ctx->stats.applications);
		if (src.ops->fetch(&src, &items[i]) != 0) {
			log_warn("source %s: cannot fetch %s; next cycle", cs->name, items[i].ref);
			ctx->stats.deferred++;
			continue;
		}
		fault_point("fetched");
		if (!items[i].is_batch)
			pipeline_prepare(ctx, &items[i], &ahead[i % 2]);
		if (waiting != SIZE_MAX)
			take_item(ctx, &src, &items[waiting], &ahead[waiting % 2]);
		waiting = SIZE_MAX;
		if (items[i].is_batch)
			take_item(ctx, &src, &items[i], NULL);
		else
			waiting = i;
	}
	/* the last one read ahead is finished even when stopping: it was fetched */
	if (waiting != SIZE_MAX)
		take_item(ctx, &src, &items[waiting], &ahead[waiting % 2]);
	log_progress_end();
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
	transport t;
	outbox_stats os = {0, 0, 0};
	store_cycle_marks mk;
	ctx->now = clock_now();
	ctx->summary[0] = '\0';
	if (store_cycle_mark(ctx->db, &mk) != 0) {
		log_warn("database: %s; retrying next cycle", store_errmsg(ctx->db));
		return -1;
	}
	spool_clean_work(ctx->conf->spool);
	for (size_t i = 0; i < ctx->conf->nsources && !(ctx->stop && *ctx->stop); i++)
		run_source(ctx, &ctx->conf->sources[i]);
	/* reminders, re-registration, the nightly report: queued before the flush */
	workflow_cycle(ctx);
	if (transport_open(&t, ctx->conf) != 0) {
		cycle_summary(ctx, &mk, &os);
		return -1;
	}
	outbox_flush(ctx->db, &t, ctx->now, &os);
	transport_close(&t);
	cycle_summary(ctx, &mk, &os);
	log_info("cycle: %s", ctx->summary);
	return 0;
}
