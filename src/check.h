/* check.h — the checks of a classified packet (SPEC section 4): file
 * integrity and type, language by content, presence and copies, the
 * cross-reference variant and competences, the CPD record, the manifest
 * fields and eligibility (seed 基本要求), and the packet's outcome.
 *
 * Every finding's severity and both messages come from the rules' finding
 * catalogue (rules_finding_get + rules_render), never from C text.
 */
#ifndef PACKETD_CHECK_H
#define PACKETD_CHECK_H

#include <stddef.h>
#include <time.h>

#include "packet.h"
#include "rules.h"

typedef struct check_options {
	const char *target;   /* foreign: overrides the applicant's target (validate --target), or NULL */
	time_t now;           /* the CPD window ends here; 0: clock_now() */
	int from_email;       /* fields came from the email, not a manifest */
} check_options;

/* A file's text is "readable" when it holds at least this many letters. */
#define CHECK_MIN_LETTERS 20

/* Runs every check of SPEC section 4 on a packet classify_packet has seen:
 * resolves unknown languages from content (and re-assigns copies), fills
 * p->slots (replacing any earlier ones) and sets p->outcome: incomplete
 * when any error finding exists, else complete. A packet already rejected
 * (by unpack) is left untouched: nothing from it is trusted. opt may be
 * NULL. Returns 0, or -1 on bad arguments. */
int check_packet(packet *p, const rules *r, const check_options *opt);

/* Counts Han characters (CJK ideographs) and Latin letters (ASCII and
 * Latin-1/Extended-A/B letters) in UTF-8 text; invalid bytes are skipped.
 * Returns 0, or -1 when utf8 is NULL (counts then 0). */
int check_text_language(const char *utf8, int *han, int *latin);

/* Parses a CPD entry's date: YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD,
 * YYYY年MM月DD日, YYYYMMDD, DD/MM/YYYY, the month forms YYYY-MM, YYYY.MM,
 * YYYY年MM月, a bare year, or an Excel serial day number; text after the
 * date (a range's end) is ignored. *lo and *hi receive the first and last
 * day it may mean as YYYYMMDD. Returns 0, or -1 when it is no date. */
int check_parse_date(const char *s, long *lo, long *hi);

#endif
