/* source_imap_sink.c — where the body bytes of a UID FETCH go while
 * libetpan parses its answer (mailimap_set_msg_body_handler). Left to
 * itself libetpan copies every body literal into a fresh allocation as
 * large as the body, then hands it over whole; each of those pages faults
 * in new, and the answer of a batched FETCH is held in memory whole. Here
 * a chunk of a big message streams into the caller's file through one
 * reused buffer, and each body of a batch (at most IMAP_WHOLE bytes, about
 * IMAP_BATCH a command) goes into a buffer of its own, handed to the item
 * that takes it: a message of a batch never becomes a file, which on disk
 * cost a new inode, its writeback and its removal.
 *
 * Bodies are told apart by the body-section object libetpan makes for
 * each (the same pointer ends up in the parsed answer, where the UID is):
 * a new object opens a new body, numbered by its order in the answer until
 * the caller, knowing the UIDs, takes it. A write failure does not stop
 * the parse (the connection would be left mid-answer): the body is marked
 * failed, its remaining bytes dropped. */
#include "source_imap_p.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define IMAP_SINK_BUF (64 * 1024)

static void sink_flush(imap_sink *k)
{
	imap_sink_body *b;
	if (k->used == 0)
		return;
	b = k->nb ? &k->bodies[k->nb - 1] : NULL;
	if (k->fd >= 0 && !(b && b->failed) && util_write_all(k->fd, k->buf, k->used) != 0) {
		if (b)
			b->failed = 1;
		else
			k->failed = 1;
	}
	k->used = 0;
}

/* Ends the current body: its bytes flushed to the caller's file. */
static void sink_end_body(imap_sink *k)
{
	sink_flush(k);
}

static int sink_begin_body(imap_sink *k, const void *sec)
{
	imap_sink_body *b;
	sink_end_body(k);
	k->sec = sec;
	if (k->nb == k->max) {
		/* More bodies than asked: dropped, the caller finds no file. */
		k->dropping = 1;
		return 0;
	}
	k->dropping = 0;
	b = &k->bodies[k->nb++];
	*b = (imap_sink_body){.sec = sec, .len = 0, .failed = 0};
	buf_init(&b->mem, 0);
	return 0;
}

static bool sink_take(int att_type, struct mailimap_msg_att_body_section *section, const char *bytes, size_t len,
		      void *ctx)
{
	imap_sink *k = ctx;
	imap_sink_body *b;
	if (att_type != MAILIMAP_MSG_ATT_BODY_SECTION)
		return true;   /* not a body we asked for */
	if (k->nb == 0 || (const void *)section != k->sec)
		sink_begin_body(k, section);
	if (k->dropping)
		return true;
	b = &k->bodies[k->nb - 1];
	b->len += len;
	if (b->failed || b->len > k->cap) {
		b->failed = 1;   /* more than asked: not to be trusted */
		buf_free(&b->mem);
		return true;
	}
	if (k->fd < 0) {
		buf_add(&b->mem, bytes, len);
		if (buf_error(&b->mem)) {
			b->failed = 1;
			buf_free(&b->mem);
		}
		return true;
	}
	while (len > 0) {
		size_t n = IMAP_SINK_BUF - k->used;
		if (n > len)
			n = len;
		memcpy(k->buf + k->used, bytes, n);
		k->used += n;
		bytes += n;
		len -= n;
		if (k->used == IMAP_SINK_BUF)
			sink_flush(k);
	}
	return true;
}

void imap_sink_start(imap_sink *k, imap_priv *p, int fd, size_t max, size_t cap)
{
	if (p->sink_buf == NULL)
		p->sink_buf = xrealloc(NULL, IMAP_SINK_BUF);
	*k = (imap_sink){.p = p, .buf = p->sink_buf, .fd = fd, .max = max, .cap = cap,
			 .bodies = xcalloc(max + 1, sizeof *k->bodies)};
	mailimap_set_msg_body_handler(p->imap, sink_take, k);
}

void imap_sink_stop(imap_sink *k)
{
	mailimap_set_msg_body_handler(k->p->imap, NULL, NULL);
	sink_end_body(k);
}

long imap_sink_find(const imap_sink *k, const void *sec)
{
	for (size_t i = 0; i < k->nb; i++)
		if (k->bodies[i].sec == sec)
			return (long)i;
	return -1;
}

void imap_sink_free(imap_sink *k)
{
	for (size_t i = 0; i < k->nb; i++)
		buf_free(&k->bodies[i].mem);   /* those not taken */
	free(k->bodies);
	k->bodies = NULL;
	k->nb = 0;
}
