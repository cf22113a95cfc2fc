/* transport.h — how a finished notice leaves packetd, behind one function
 * table: into a Maildir (the embedded default) or over SMTP. The
 * outbox (outbox.c) decides what to send and when; a transport only sends. */
#ifndef PACKETD_TRANSPORT_H
#define PACKETD_TRANSPORT_H

#include <stddef.h>
#include "config.h"

enum transport_result {
	TRANSPORT_SENT = 0,
	TRANSPORT_TEMPORARY = 1,   /* try again later (connection, 4xx, disk full) */
	TRANSPORT_PERMANENT = 2,   /* give up: the row is marked failed (5xx) */
	TRANSPORT_STAGED = 3,      /* t->staging: delivered by the next sync */
};

struct transport;

typedef struct transport_ops {
	const char *kind;
	/* Delivers one message (RFC 5322 bytes) to the recipients (comma-separated).
	 * message_id is stable across retries: a transport may use it to make a
	 * repeated delivery harmless. err receives the reason on failure. */
	enum transport_result (*send)(struct transport *t, const char *message_id, const char *recipients,
				      const char *data, size_t len, char *err, size_t errlen);
	/* check-config --connect: logs in and out without sending (SMTP: EHLO,
	 * STARTTLS, AUTH, NOOP); NULL when there is nothing to try. 0, or -1
	 * with the reason in err. */
	int (*probe)(struct transport *t, char *err, size_t errlen);
	void (*close)(struct transport *t);
	/* Optional, for a transport whose repeated delivery of a message is
	 * harmless (the Maildir: one file per Message-ID). While t->staging
	 * is set, send may answer TRANSPORT_STAGED: the message is written
	 * but neither durable nor delivered; sync then delivers the n staged
	 * messages at once (one sync of the disk for them all) and fills
	 * res[i] (SENT or TEMPORARY, with err) in the order they were sent. */
	void (*sync)(struct transport *t, enum transport_result *res, size_t n, char *err, size_t errlen);
} transport_ops;

typedef struct transport {
	const transport_ops *ops;
	const config *conf;    /* foreign */
	void *priv;            /* owned by the backend */
	int staging;           /* the outbox asks for TRANSPORT_STAGED where ops->sync exists */
} transport;

/* Chooses SMTP when [smtp] url is set and built in, else the outbox Maildir. */
int transport_open(transport *t, const config *conf);
void transport_close(transport *t);
/* Whether the transport transport_open chooses for conf stages (has a
 * sync): the Maildir does, SMTP does not. */
int transport_stages(const config *conf);

extern const transport_ops transport_maildir_ops;
/* Opens an SMTP session for t->conf (transport_smtp.c); -1 when it cannot
 * even be set up (a missing password). */
int transport_smtp_open(transport *t);

#endif
