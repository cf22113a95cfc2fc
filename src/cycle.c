/* cycle.c — one cycle of `packetd run`. See cycle.h. */
#include "cycle.h"

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

static int run_source(packetd_ctx *ctx, const config_source *cs)
{
	source src;
	source_item *items = NULL;
	size_t n = 0;
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
		enum item_result rc;
		ctx->stats.items++;
		log_progress("packetd: source %s: item %zu of %zu (%d applications so far)", cs->name, i + 1, n,
			     ctx->stats.applications);
		if (src.ops->fetch(&src, &items[i]) != 0) {
			log_warn("source %s: cannot fetch %s; next cycle", cs->name, items[i].ref);
			ctx->stats.deferred++;
			continue;
		}
		fault_point("fetched");
		rc = items[i].is_batch ? batch_run(ctx, &src, &items[i]) : pipeline_message(ctx, &src, &items[i]);
		if (rc == ITEM_TEMPORARY) {
			log_warn("source %s: %s not finished; retrying next cycle", cs->name, items[i].ref);
			continue;
		}
		fault_point("committed");
		if (src.ops->done(&src, &items[i], rc == ITEM_FINAL) != 0)
			log_warn("source %s: %s processed but not moved; it will be recognised next cycle", cs->name,
				 items[i].ref);
	}
	log_progress_end();
	source_items_free(items, n);
	source_close(&src);
	return 0;
}

int cycle_run(packetd_ctx *ctx)
{
	transport t;
	outbox_stats os = {0, 0, 0};
	ctx->now = clock_now();
	spool_clean_work(ctx->conf->spool);
	for (size_t i = 0; i < ctx->conf->nsources && !(ctx->stop && *ctx->stop); i++)
		run_source(ctx, &ctx->conf->sources[i]);
	/* reminders, re-registration, the nightly report: queued before the flush */
	workflow_cycle(ctx);
	if (transport_open(&t, ctx->conf) != 0)
		return -1;
	outbox_flush(ctx->db, &t, ctx->now, &os);
	transport_close(&t);
	log_info("cycle: %d items, %d applications (%d complete, %d incomplete, %d rejected), %d notices queued, "
		 "%d delivered, %d deferred",
		 ctx->stats.items, ctx->stats.applications, ctx->stats.complete, ctx->stats.incomplete,
		 ctx->stats.rejected, ctx->stats.notices, os.sent, ctx->stats.deferred);
	return 0;
}
