/* source.h — where items come from, behind one small function table
 * (isync's driver_t, OpenSMTPD's queue backends): the pipeline never knows
 * whether an item came from a Maildir, a local drop folder, IMAP or SFTP.
 *
 * Life of an item: list → fetch (a local file in the spool) → the pipeline
 * commits its results → done (moved to processed/rejected at the source).
 * done must be idempotent: after a crash between commit and done, the item
 * is listed again, recognised by the store as already processed, and done
 * is called again.
 *
 * How the processing of an item ends, as isync classes failures: */
#ifndef PACKETD_SOURCE_H
#define PACKETD_SOURCE_H

#include <stddef.h>
#include <stdint.h>
#include "config.h"

enum item_result {
	ITEM_DONE,       /* recorded (and answered): moved to the processed place */
	ITEM_TEMPORARY,  /* nothing recorded (disk full, database locked): left for the next cycle */
	ITEM_FINAL       /* recorded as rejected (and told): moved to the rejected place */
};

typedef struct source_item {
	char *ref;      /* owned: source-specific reference (file name, UID) */
	char *path;     /* owned: local file with the item's bytes after fetch, or NULL when data holds them */
	char *data;     /* owned: the item's bytes, when fetch held them in memory (a message fetched in a batch) */
	size_t len;     /* of data */
	char *name;     /* owned: display name (batch file name), UTF-8 */
	int is_batch;   /* a provincial batch archive rather than an email */
	uint64_t size;  /* the item's whole size as the source reported it at fetch; 0 when unknown */
	int header_only; /* set by fetch: the message is over max_message and path holds only its header */
	int scratch_copy; /* set by fetch: path is a copy in scratch, removed once the item is recorded */
} source_item;

struct source;

/* Between two cycles of the daemon, a source whose server can announce new
 * items (IMAP IDLE, RFC 2177) is watched instead of only polled. The watch
 * lives across cycles; it is armed before each cycle, so that an item
 * arriving while the cycle runs is announced too, and stays armed while
 * the daemon waits (wait.c polls fd). */
typedef struct source_watch {
	const config_source *conf;  /* foreign: owned by the config */
	int fd;                     /* input here means news: call wake; -1: not watched, only polled */
	int pending;                /* news already read into a buffer: call wake at once */
	double deadline;            /* CLOCK_MONOTONIC seconds by which wake must be called (IDLE renewal); 0: none */
	void *priv;                 /* owned by the backend */
} source_watch;

typedef struct source_ops {
	const char *kind;
	/* Items ready to take (a file still being written is not ready). */
	int (*list)(struct source *s, source_item **items, size_t *n);
	/* Makes it->path a complete local copy (may already be local), or
	 * it->data the item's bytes in memory (path NULL). */
	int (*fetch)(struct source *s, source_item *it);
	/* Moves the item out of the way; rejected selects the rejected place. */
	int (*done)(struct source *s, const source_item *it, int rejected);
	/* Writes a receipt (batch sources only; NULL otherwise). */
	int (*put_receipt)(struct source *s, const char *name, const void *data, size_t len);
	void (*close)(struct source *s);
	/* The watch (NULL for kinds that are only polled). watch_arm (re)opens
	 * the watch and sets fd, pending and deadline; fd -1 when the server
	 * cannot announce items or cannot be reached (said once in the log).
	 * watch_wake reads what came: 1 new items (run a cycle), 0 nothing new
	 * (still armed), -1 the watch broke (fd -1; armed again before the next
	 * cycle). now is CLOCK_MONOTONIC seconds. */
	void (*watch_arm)(source_watch *w, double now);
	int (*watch_wake)(source_watch *w, double now);
	void (*watch_close)(source_watch *w);
} source_ops;

typedef struct source {
	const source_ops *ops;
	const config_source *conf;   /* foreign: owned by the config */
	char *scratch;               /* owned: folder for fetched copies ([packetd] scratch) */
	struct store *db;            /* foreign: cursors of network sources; set by the caller, may be NULL */
	const config_limits *limits; /* foreign: caps what a fetch takes; set by the caller, may be NULL */
	void *priv;                  /* owned by the backend */
} source;

/* Sets up the backend for conf's kind. Returns -1 for kinds not built in. */
int source_open(source *s, const config_source *conf, const char *scratch);
void source_close(source *s);
void source_items_free(source_item *items, size_t n);
/* Removes the item's fetched copy once the pipeline has read it: before
 * its group's sync, which would otherwise write the copy to disk only for
 * it to be removed after the commit; frees bytes held in memory. An item
 * left for the next cycle is fetched again. Nothing for an item whose path
 * is its source's own file. */
void source_item_release(source_item *it);

/* The watch of conf's source, through its kind's ops; for a kind without
 * one the fd stays -1 ("no fd": the source is polled every poll_interval). */
void source_watch_init(source_watch *w, const config_source *conf);
void source_watch_arm(source_watch *w, double now);
int source_watch_wake(source_watch *w, double now);
void source_watch_close(source_watch *w);

extern const source_ops source_maildir_ops;
extern const source_ops source_dir_ops;
extern const source_ops source_imap_ops;
extern const source_ops source_sftp_ops;

#endif
