/* answer.h — whether packetd may answer a received message by itself, and
 * where the answer goes. Every "why not" lives here, so that every path
 * that answers mail (a packet, no packet, a message too large, a STATUS
 * request) follows the same rules:
 *
 *  - the address: the envelope sender (Return-Path, RFC 3834 section 4),
 *    else From. A Reply-To naming someone else is recorded, never answered:
 *    anyone could otherwise make packetd mail a third party, with an
 *    applicant's data, from the centre's address.
 *  - never answered (RFC 3834 section 2, RFC 5230 section 4.5): automatic
 *    mail (Auto-Submitted), bounces and DSNs, list and bulk mail, mail
 *    without a sender, mail from our own address, mail from owner-*,
 *    *-request, MAILER-DAEMON, LISTSERV or majordomo; and a message that
 *    carries no packet (no packet, a STATUS request, a message too large to
 *    read) unless the intake address is among its recipients (To, Cc, Bcc,
 *    Resent-To/-Cc/-Bcc): a list digest or an announcement is not asking us.
 */
#ifndef PACKETD_ANSWER_H
#define PACKETD_ANSWER_H

#include "config.h"
#include "mime.h"

struct texts;

enum answer_kind {
	ANSWER_PACKET,      /* the message carries a packet */
	ANSWER_NO_PACKET,   /* no packet found in it */
	ANSWER_STATUS,      /* a STATUS request */
	ANSWER_TOO_LARGE,   /* over max_message: only its header was read */
};

/* Where notices about m go: Return-Path, else From; NULL when there is
 * none (or the null return path). Owned by m. */
const char *answer_address(const mime_message *m);
/* m's Reply-To when it names another address than answer_address (to be
 * recorded and shown, never answered); else NULL. Owned by m. */
const char *answer_other_reply_to(const mime_message *m);
/* Why m must not be answered — a fixed text for the log and the items
 * table — or NULL when it may be. */
const char *answer_why_not(const config *conf, const mime_message *m, enum answer_kind kind);

/* 1 when m asks for the state of an application: its subject, else the
 * first line of its text, holds nothing but a STATUS keyword (the
 * `status.keywords` of phrases.ini, in t: 状态, STATUS, ...; any
 * case) and at most one application number, copied upper-case into
 * number ("" when none). 0 otherwise. */
int answer_status_request(const struct texts *t, const mime_message *m, char number[32]);

#endif
