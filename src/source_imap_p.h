/* source_imap_p.h — shared by the files of the IMAP source: source_imap.c
 * (one cycle: list, fetch, move), source_imap_session.c (connect, TLS,
 * login, capabilities, SELECT) and source_imap_idle.c (the watch between
 * cycles, RFC 2177 IDLE). */
#ifndef PACKETD_SOURCE_IMAP_P_H
#define PACKETD_SOURCE_IMAP_P_H

#include <stddef.h>
#include <stdint.h>

#include <libetpan/libetpan.h>

#include "source.h"
#include "util.h"

/* Committed messages waiting for their move to one folder. */
typedef struct imap_group {
	uint32_t *uids;      /* owned */
	size_t n;
} imap_group;

/* A batched UID FETCH sent and not yet answered (source_imap.c): nothing
 * else may be sent on the session before its answer is read. */
typedef struct imap_batch {
	int sent;
	size_t k, end;       /* the messages [k, end) of the listing */
	size_t bytes;        /* their sizes, known or guessed */
} imap_batch;

typedef struct imap_priv {
	mailimap *imap;      /* owned */
	char *host;          /* owned */
	int port;
	int implicit_tls;
	char *folder;        /* owned: the selected folder (URL path, default INBOX) */
	uint32_t uidvalidity;
	uint32_t last_uid;   /* highest UID handled so far under uidvalidity */
	int broken;          /* the connection failed: the rest waits for the next cycle */
	int has_move, has_uidplus, has_idle;
	strlist made;        /* folders known to exist */
	char *dir;           /* owned: spool folder of this source's fetched copies */
	size_t n;            /* messages listed this cycle */
	uint32_t *uids;      /* owned, n, ascending */
	uint32_t *sizes;     /* owned, n: RFC822.SIZE, 0 until a FETCH said it */
	unsigned char *ready; /* owned, n: fetched ahead, its bytes in held */
	char **held;         /* owned, n: the bytes of each message fetched ahead, until fetch hands them over */
	size_t *held_len;    /* owned, n */
	uint32_t *have;      /* owned, n: bytes of a big message's start in <uid>.part, or 0 */
	uint64_t seen_bytes, seen;  /* sizes learnt so far: the guess for the next batch */
	imap_group moves[2]; /* [0] to processed, [1] to rejected */
	char *sink_buf;      /* owned: the buffer of imap_sink, kept across commands */
	imap_batch batch;    /* the batch in flight, if batch.sent */
} imap_priv;

/* source_imap_sink.c: a FETCH's body bytes taken while libetpan parses
 * the answer: a chunk's into the caller's file, a batch's bodies (each at
 * most the batch's cap) each into a buffer of its own. */
typedef struct imap_sink_body {
	const void *sec;     /* foreign: libetpan's body-section object, compared only */
	size_t len;          /* bytes received */
	int failed;          /* not taken whole, or over the cap */
	buf mem;             /* the bytes, when the sink holds bodies in memory */
} imap_sink_body;

typedef struct imap_sink {
	imap_priv *p;        /* foreign */
	char *buf;           /* foreign: p->sink_buf */
	size_t used;
	int fd;              /* where the bodies go (the caller's file), or -1: each into its own buffer */
	int dropping;        /* the current body is past max: its bytes are dropped */
	int failed;          /* a write without a body record failed */
	const void *sec;     /* foreign: the body being received */
	size_t max, cap;     /* bodies kept; bytes one body may have */
	imap_sink_body *bodies;  /* owned, max */
	size_t nb;
} imap_sink;

/* Until imap_sink_stop, the session's body bytes go to k: with fd >= 0
 * all of them appended to fd (the caller's), else each body into its own
 * buffer (bodies[i].mem, i its order in the answer), up to max bodies. A
 * body over cap bytes is marked failed (and its buffer no longer grows). */
void imap_sink_start(imap_sink *k, imap_priv *p, int fd, size_t max, size_t cap);
void imap_sink_stop(imap_sink *k);
/* The index of the body whose section object is sec, or -1. */
long imap_sink_find(const imap_sink *k, const void *sec);
/* Frees the bodies' buffers left (not taken with buf_steal) and k's lists. */
void imap_sink_free(imap_sink *k);

/* The server's text of the last tagged answer, for logs (never our command). */
const char *imap_answer(const imap_priv *p);
/* Logs what failed (s->priv is p); a lost or garbled connection sets p->broken. */
void imap_fail(source *s, const char *what, int r);
/* host, port, folder and TLS mode of s->conf->url into p. 0 or -1 (logged). */
int imap_parse_url(source *s, imap_priv *p);
/* Connects, secures (TLS verified), logs in, reads the capabilities and
 * SELECTs p->folder. p->imap is set even on failure (imap_close frees it).
 * 0 or -1 (logged). */
int imap_session(source *s, imap_priv *p);

/* source_imap_idle.c: the watch ops of source_imap_ops (source.h). */
void imap_watch_arm(source_watch *w, double now);
int imap_watch_wake(source_watch *w, double now);
void imap_watch_close(source_watch *w);

#endif
