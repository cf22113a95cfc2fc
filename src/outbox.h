/* outbox.h — delivers the outbox rows that are due through a transport,
 * with retries and exponential backoff; a permanent failure marks the row
 * failed with the server's answer. */
#ifndef PACKETD_OUTBOX_H
#define PACKETD_OUTBOX_H

#include "store.h"
#include "transport.h"

typedef struct outbox_stats {
	int sent;
	int retried;
	int failed;
} outbox_stats;

/* Delivers every due row; returns 0 unless the store itself failed. */
int outbox_flush(store *db, transport *t, time_t now, outbox_stats *stats);
/* Seconds to wait before attempt n+1 (1-based attempts so far). */
long outbox_backoff(int attempts);

#endif
