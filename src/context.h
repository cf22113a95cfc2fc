/* context.h — what every stage and every command works with: the loaded
 * configuration and rules, the open database, the instant it acts at, the
 * stop flag of the daemon, and the counts of what it did. main.c builds one
 * per cycle of `packetd run` and one per centre command; nothing else holds
 * the program's state.
 */
#ifndef PACKETD_CONTEXT_H
#define PACKETD_CONTEXT_H

#include <signal.h>
#include <time.h>

#include "config.h"
#include "rules.h"
#include "spool.h"
#include "store.h"
#include "zygote.h"

/* What one cycle (or command) did; the cycle's summary line prints them. */
typedef struct packetd_stats {
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
} packetd_stats;

typedef struct packetd_ctx {
	const config *conf;                 /* foreign */
	const rules *r;                     /* foreign */
	store *db;                          /* foreign */
	time_t now;                         /* the one instant of this cycle or command */
	const volatile sig_atomic_t *stop;  /* foreign: set by SIGTERM; NULL never stops */
	zygote *zy;                         /* foreign: the sandbox helper, or NULL to fork per packet */
	spool_pack pack;                    /* the pack documents are kept in, opened by the first (cycle_run closes it) */
	packetd_stats stats;
	char summary[768];                  /* what the last cycle did, counted from the rows it wrote (cycle.c) */
} packetd_ctx;

#endif
