/* purge.c — see purge.h. */
#include "purge.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "fees.h"
#include "log.h"
#include "spool.h"
#include "util.h"

/* Deletes (or counts) the stored files of one application and records it;
 * inside the caller's transaction. 0 or -1. */
static int purge_one(packetd_ctx *ctx, int64_t id, const char *state, int dry_run, const char *by, int *deleted,
		     int *kept)
{
	store_path_list t;
	char reason[200];
	*deleted = *kept = 0;
	if (store_purge_paths(ctx->db, id, &t) != 0)
		return -1;
	for (size_t i = 0; i < t.n; i++) {
		const char *path = t.rows[i].path;
		if (t.rows[i].shared > 0) {
			(*kept)++;
			continue;
		}
		(*deleted)++;
		/* deleted before the commit: a crash in between leaves rows the
		 * next run marks, never a document the ledger calls purged */
		if (!dry_run && spool_kept_discard(path) != 0) {
			log_error("purge: cannot delete %s: %s", path, strerror(errno));
			store_path_list_free(&t);
			return -1;
		}
	}
	store_path_list_free(&t);
	if (dry_run)
		return 0;
	snprintf(reason, sizeof reason,
		 "documents deleted after %d years (retention): %d stored files deleted, %d kept for another application",
		 ctx->r->documents_years, *deleted, *kept);
	if (store_purge_mark(ctx->db, id, ctx->now) != 0 ||
	    store_wf_transition(ctx->db, id, state, state, "purge", by, reason, ctx->now) != 1)
		return -1;
	return 0;
}

/* A transmittal archive copies the documents of the applications it sent:
 * it goes once none of them keeps a document. */
static int transmittals(packetd_ctx *ctx, int dry_run, purge_result *out)
{
	store_path_list t;
	if (store_purge_transmittals(ctx->db, &t) != 0)
		return -1;
	for (size_t i = 0; i < t.n; i++) {
		const char *file = t.rows[i].path;
		if (access(file, F_OK) != 0)
			continue;
		out->transmittals++;
		if (dry_run)
			continue;
		if (unlink(file) != 0) {
			log_error("purge: cannot delete %s: %s", file, strerror(errno));
			store_path_list_free(&t);
			return -1;
		}
		log_info("purge: transmittal archive %s deleted (its applications are purged)", file);
	}
	store_path_list_free(&t);
	return 0;
}

int purge_run(packetd_ctx *ctx, int dry_run, const char *by, purge_result *out)
{
	store_purge_list c;
	int rc = 0;
	memset(out, 0, sizeof *out);
	out->items = json_array();
	if (store_purge_candidates(ctx->db, &c) != 0)
		return -1;
	for (size_t i = 0; i < c.n; i++) {
		int64_t id = c.rows[i].id;
		const char *number = c.rows[i].number, *state = c.rows[i].state;
		time_t since;
		int deleted = 0, kept = 0;
		if (clock_parse_iso(c.rows[i].since, &since) != 0 ||
		    fees_anniversary(since, ctx->r->documents_years) > ctx->now)
			continue;
		if (store_begin(ctx->db) != 0) {
			rc = -1;
			break;
		}
		if (purge_one(ctx, id, state, dry_run, by, &deleted, &kept) != 0 ||
		    (dry_run ? store_rollback(ctx->db) : store_commit(ctx->db)) != 0) {
			log_error("purge of %s: %s", number, store_errmsg(ctx->db));
			store_rollback(ctx->db);
			rc = -1;
			continue;
		}
		if (!dry_run)
			log_info("%s: documents purged (%d deleted, %d kept for another application)", number, deleted,
				 kept);
		json_t *o = json_object();
		json_object_set_new(o, "application", json_string(number));
		json_object_set_new(o, "state", json_string(state));
		json_object_set_new(o, "since", json_string(c.rows[i].since));
		json_object_set_new(o, "deleted", json_integer(deleted));
		json_object_set_new(o, "kept", json_integer(kept));
		json_array_append_new(out->items, o);
		out->applications++;
		out->deleted += deleted;
		out->kept_shared += kept;
	}
	store_purge_list_free(&c);
	if (transmittals(ctx, dry_run, out) != 0)
		rc = -1;
	return rc;
}

int purge_cycle(packetd_ctx *ctx)
{
	char today[16], *last = NULL;
	purge_result res;
	int rc = 0;
	clock_format(ctx->now, ctx->conf->timezone, "%Y-%m-%d", today, sizeof today);
	if (store_cursor_get(ctx->db, "packetd", "purge_date", &last) != 0)
		return -1;
	if (last && strcmp(last, today) >= 0) {
		free(last);
		return 0;
	}
	free(last);
	if (purge_run(ctx, 0, "packetd", &res) != 0)
		rc = -1;
	json_decref(res.items);
	/* a failed run is tried again the next cycle */
	if (rc == 0 && store_cursor_set(ctx->db, "packetd", "purge_date", today) != 0)
		rc = -1;
	return rc;
}
