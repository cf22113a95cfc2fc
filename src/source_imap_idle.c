/* source_imap_idle.c — the IMAP source's watch between cycles (source.h):
 * a session of its own, SELECTed on the intake folder, waits in IDLE
 * (RFC 2177) for the server to announce new mail with an untagged EXISTS
 * or RECENT. It is armed before each cycle and kept across cycles, so that
 * a message delivered while a cycle runs is announced too (the announce
 * waits in the socket until the daemon polls it); anything else the server
 * says (EXPUNGE after the cycle's moves, flag changes, Dovecot's "still
 * here") ends the IDLE and starts it again. IDLE is renewed every
 * idle_renew seconds (25 minutes unless configured): the RFC lets a server
 * drop a client idle for 30 minutes, and a firewall or NAT between may
 * forget a quiet connection sooner. A server without IDLE, a source with
 * idle = no, or a lost connection leaves the source to be polled every
 * poll_interval; a lost connection is opened again before the next cycle. Nothing here takes or
 * moves a message: the cycle does, so exactly-once is the cycle's. */
#include "source_imap_p.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "tls_stream.h"
#include "util.h"

typedef struct idle_watch {
	source src;        /* conf foreign, priv = &conn: what the session functions take */
	imap_priv conn;    /* only the session's fields are used */
	int idling;        /* IDLE sent, DONE not yet */
	double since;      /* when it was sent (CLOCK_MONOTONIC seconds) */
	int no_idle;       /* the server offers no IDLE: polled for the watch's life */
	int lost;          /* a failure was logged; its recovery will be */
} idle_watch;

static void idle_unarmed(source_watch *w)
{
	w->fd = -1;
	w->pending = 0;
	w->deadline = 0;
}

/* Ends the session. A session in IDLE is closed without DONE and LOGOUT:
 * a server that does not answer must not delay a stop. */
static void idle_drop(idle_watch *iw)
{
	imap_priv *p = &iw->conn;
	if (p->imap) {
		if (!iw->idling && !p->broken && p->imap->imap_state != MAILIMAP_STATE_DISCONNECTED)
			mailimap_logout(p->imap);
		mailimap_free(p->imap);
	}
	free(p->host);
	free(p->folder);
	memset(p, 0, sizeof *p);
	iw->idling = 0;
}

static void idle_lost(source_watch *w, idle_watch *iw, const char *what)
{
	if (!iw->lost)
		log_warn("imap %s: the IDLE session %s; polling until it is opened again before the next cycle",
			 w->conf->name, what);
	iw->lost = 1;
	idle_drop(iw);
	idle_unarmed(w);
}

static int idle_start(source_watch *w, idle_watch *iw, double now)
{
	mailimap *imap = iw->conn.imap;
	int r = mailimap_idle(imap);
	if (r != MAILIMAP_NO_ERROR) {
		imap_fail(&iw->src, "IDLE", r);
		return -1;
	}
	iw->idling = 1;
	iw->since = now;
	w->fd = mailimap_idle_get_fd(imap);
	/* An announce read together with the continuation sits in a buffer
	 * that poll(2) cannot see. */
	w->pending = imap->imap_stream->read_buffer_len > 0 ||
		     tls_stream_pending(mailstream_get_low(imap->imap_stream)) > 0;
	w->deadline = now + (double)w->conf->idle_renew;
	return 0;
}

/* DONE: 1 when the server announced new mail meanwhile, 0 when not, -1
 * when the session failed. */
static int idle_done(idle_watch *iw)
{
	struct mailimap_selection_info *sel;
	int r;
	iw->idling = 0;
	r = mailimap_idle_done(iw->conn.imap);
	if (r != MAILIMAP_NO_ERROR) {
		imap_fail(&iw->src, "DONE", r);
		return -1;
	}
	sel = iw->conn.imap->imap_selection_info;
	return sel && (sel->sel_has_exists || (sel->sel_has_recent && sel->sel_recent > 0));
}

void imap_watch_arm(source_watch *w, double now)
{
	idle_watch *iw = w->priv;
	double renew;
	idle_unarmed(w);
	if (!w->conf->idle)
		return;
	if (iw == NULL) {
		iw = xcalloc(1, sizeof *iw);
		iw->src.conf = w->conf;
		iw->src.priv = &iw->conn;
		w->priv = iw;
	}
	if (iw->no_idle)
		return;
	if (iw->conn.imap == NULL) {
		if (imap_parse_url(&iw->src, &iw->conn) != 0 || imap_session(&iw->src, &iw->conn) != 0) {
			idle_lost(w, iw, "cannot be opened");
			return;
		}
		if (!iw->conn.has_idle) {
			log_info("imap %s: the server offers no IDLE; the folder is polled every poll_interval",
				 w->conf->name);
			iw->no_idle = 1;
			idle_drop(iw);
			return;
		}
		log_info("imap %s: watching %s with IDLE between cycles%s", w->conf->name, iw->conn.folder,
			 iw->lost ? " again" : "");
		iw->lost = 0;
	}
	/* an IDLE with less than a minute (a quarter, when short) to run is
	 * renewed now rather than in the middle of the wait */
	renew = (double)w->conf->idle_renew;
	if (iw->idling && now - iw->since < renew - (renew > 240 ? 60 : renew / 4)) {
		w->fd = mailimap_idle_get_fd(iw->conn.imap);
		w->deadline = iw->since + renew;
		return;
	}
	/* What DONE reports does not matter here: a cycle follows. */
	if ((iw->idling && idle_done(iw) < 0) || idle_start(w, iw, now) != 0)
		idle_lost(w, iw, "failed");
}

int imap_watch_wake(source_watch *w, double now)
{
	idle_watch *iw = w->priv;
	int news, renewing = w->deadline > 0 && now >= w->deadline;
	if (iw == NULL || iw->conn.imap == NULL || !iw->idling)
		return 0;
	news = idle_done(iw);
	if (news < 0) {
		idle_lost(w, iw, "failed");
		return -1;
	}
	if (news) {
		/* Not idling until the next arm, which runs before the cycle. */
		log_debug("imap %s: new mail announced in %s", w->conf->name, iw->conn.folder);
		idle_unarmed(w);
		return 1;
	}
	if (idle_start(w, iw, now) != 0) {
		idle_lost(w, iw, "failed");
		return -1;
	}
	if (renewing)
		log_debug("imap %s: IDLE renewed (idle_renew = %ld s)", w->conf->name, w->conf->idle_renew);
	return 0;
}

void imap_watch_close(source_watch *w)
{
	idle_watch *iw = w->priv;
	if (iw == NULL)
		return;
	idle_drop(iw);
	free(iw);
	w->priv = NULL;
	idle_unarmed(w);
}
