/* outbox.c — the sender half of the outbox. The row is written in the same
 * transaction as the state it reports (pipeline.c); here it is delivered and
 * then marked sent. A crash between delivery and the mark means the row is
 * delivered again next cycle under the same Message-ID: the Maildir
 * transport makes that harmless (one file per Message-ID). */
#include "outbox.h"

#include <stdio.h>

#include "fault.h"
#include "log.h"

#define OUTBOX_MAX_ATTEMPTS 12

long outbox_backoff(int attempts)
{
	long s = 60;
	for (int i = 1; i < attempts && s < 6 * 3600; i++)
		s *= 2;
	return s > 6 * 3600 ? 6 * 3600 : s;
}

int outbox_flush(store *db, transport *t, time_t now, outbox_stats *stats)
{
	store_outmail *rows = NULL;
	size_t n = 0;
	int rc = -1;
	if (store_outbox_due(db, now, &rows, &n) != 0) {
		log_error("outbox: %s", store_errmsg(db));
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		char err[512] = "";
		enum transport_result r = t->ops->send(t, rows[i].message_id, rows[i].recipients, rows[i].body,
						       rows[i].body_len, err, sizeof err);
		if (r == TRANSPORT_SENT) {
			fault_point("delivered");
			if (store_outbox_sent(db, rows[i].id, now) != 0)
				goto out;
			stats->sent++;
			log_info("outbox %lld: %s sent to %s", (long long)rows[i].id, rows[i].kind, rows[i].recipients);
		} else if (r == TRANSPORT_TEMPORARY && rows[i].attempts + 1 < OUTBOX_MAX_ATTEMPTS) {
			if (store_outbox_retry(db, rows[i].id, err, now + outbox_backoff(rows[i].attempts + 1)) != 0)
				goto out;
			stats->retried++;
			log_warn("outbox %lld: delivery deferred: %s", (long long)rows[i].id, err);
		} else {
			if (store_outbox_failed(db, rows[i].id, err) != 0)
				goto out;
			stats->failed++;
			log_error("outbox %lld: delivery failed: %s", (long long)rows[i].id, err);
		}
	}
	rc = 0;
out:
	store_outmail_free(rows, n);
	return rc;
}
