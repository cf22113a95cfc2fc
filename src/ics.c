/* ics.c — see ics.h (RFC 5545 sections 3.1 folding, 3.3.11 TEXT, 3.6.1
 * VEVENT). */
#include "ics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define ICS_LINE 75   /* octets per content line, CRLF not counted */

/* Appends one content line "name:value", folding it: a fold is CRLF and one
 * space, and never falls inside a UTF-8 sequence. */
static void line(buf *b, const char *name, const char *value)
{
	buf l;
	size_t col = 0, i = 0;
	buf_init(&l, 0);
	buf_printf(&l, "%s:%s", name, value);
	while (i < l.len) {
		size_t n = 1;
		unsigned char c = (unsigned char)l.data[i];
		if (c >= 0xF0)
			n = 4;
		else if (c >= 0xE0)
			n = 3;
		else if (c >= 0xC0)
			n = 2;
		if (i + n > l.len)
			n = l.len - i;
		if (col + n > ICS_LINE) {
			buf_adds(b, "\r\n ");
			col = 1;
		}
		buf_add(b, l.data + i, n);
		col += n;
		i += n;
	}
	buf_adds(b, "\r\n");
	buf_free(&l);
}

/* TEXT escaping: backslash, semicolon, comma and newline. */
static char *text(const char *s)
{
	buf b;
	buf_init(&b, 0);
	for (; s && *s; s++) {
		switch (*s) {
		case '\\': buf_adds(&b, "\\\\"); break;
		case ';': buf_adds(&b, "\\;"); break;
		case ',': buf_adds(&b, "\\,"); break;
		case '\n': buf_adds(&b, "\\n"); break;
		case '\r': break;
		default: buf_add(&b, s, 1); break;
		}
	}
	if (b.data == NULL)
		buf_adds(&b, "");
	return buf_steal(&b);
}

static void utc(time_t t, char out[20])
{
	struct tm tm;
	if (gmtime_r(&t, &tm) == NULL || strftime(out, 20, "%Y%m%dT%H%M%SZ", &tm) == 0)
		snprintf(out, 20, "19700101T000000Z");
}

char *ics_build(const ics_event *e, size_t *len)
{
	buf b;
	char t[20], seq[16], *v;
	if (e == NULL || e->uid == NULL || *e->uid == '\0')
		return NULL;
	buf_init(&b, 0);
	line(&b, "BEGIN", "VCALENDAR");
	line(&b, "VERSION", "2.0");
	line(&b, "PRODID", "-//CMES Certification Centre//packetd//EN");
	line(&b, "CALSCALE", "GREGORIAN");
	line(&b, "METHOD", "PUBLISH");
	line(&b, "BEGIN", "VEVENT");
	line(&b, "UID", e->uid);
	utc(e->stamp, t);
	line(&b, "DTSTAMP", t);
	utc(e->start, t);
	line(&b, "DTSTART", t);
	utc(e->start + (time_t)e->minutes * 60, t);
	line(&b, "DTEND", t);
	snprintf(seq, sizeof seq, "%d", e->sequence < 0 ? 0 : e->sequence);
	line(&b, "SEQUENCE", seq);
	v = text(e->summary);
	line(&b, "SUMMARY", v);
	free(v);
	if (e->location) {
		v = text(e->location);
		line(&b, "LOCATION", v);
		free(v);
	}
	if (e->description) {
		v = text(e->description);
		line(&b, "DESCRIPTION", v);
		free(v);
	}
	if (e->organizer) {
		buf o;
		buf_init(&o, 0);
		buf_printf(&o, "mailto:%s", e->organizer);
		line(&b, "ORGANIZER", o.data);
		buf_free(&o);
	}
	line(&b, "STATUS", "CONFIRMED");
	line(&b, "TRANSP", "OPAQUE");
	line(&b, "END", "VEVENT");
	line(&b, "END", "VCALENDAR");
	*len = b.len;
	return buf_steal(&b);
}
