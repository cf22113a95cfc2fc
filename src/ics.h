/* ics.h — one iCalendar event (RFC 5545) for the interview notice: a
 * VCALENDAR (METHOD:PUBLISH) holding one VEVENT, CRLF line ends, content
 * lines folded at 75 octets without splitting a UTF-8 sequence, TEXT values
 * escaped, times in UTC ("...Z") so that no VTIMEZONE is needed. The UID is
 * the caller's and stays the same when the interview is moved; SEQUENCE
 * tells calendars which version is newer. */
#ifndef PACKETD_ICS_H
#define PACKETD_ICS_H

#include <stddef.h>
#include <time.h>

typedef struct ics_event {
	const char *uid;          /* stable, e.g. "RRA-2026-000001-interview@cmes.example" */
	time_t start;
	int minutes;
	time_t stamp;             /* DTSTAMP: when the event was made */
	int sequence;             /* 0 for the first plan, +1 per change */
	const char *summary;      /* UTF-8 */
	const char *location;     /* UTF-8 */
	const char *description;  /* UTF-8, may contain newlines */
	const char *organizer;    /* mail address, or NULL */
} ics_event;

/* Returns the calendar (malloc'ed, NUL-terminated) and its length in *len;
 * NULL when uid is missing. */
char *ics_build(const ics_event *e, size_t *len);

#endif
