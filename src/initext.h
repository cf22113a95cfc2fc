/* initext.h — running Debian's inih over text in memory, one line per
 * reader call, so that the handler always knows the line it is looking at
 * (the library's handler gets no line number) and errors can name
 * "file:line: key". */
#ifndef PACKETD_INITEXT_H
#define PACKETD_INITEXT_H

#include <stddef.h>

typedef struct initext {
	const char *p, *end;   /* foreign: the text still to read */
	int line;              /* line being parsed, 1-based */
	int stop;              /* nonzero: the reader refused a line (too long, NUL) */
	/* Called for each "[section]" line before inih sees it, or NULL. */
	void (*on_section)(void *user, const char *name, size_t len);
	void *user;
} initext;

/* Debian builds inih with its settings as runtime globals; they are set to
 * the same values before every parse, so the order of loads never matters. */
void initext_settings(int line_max, int stop_on_first_error);
/* The ini_reader for ini_parse_stream (stream is an initext). */
char *initext_read(char *str, int num, void *stream);

#endif
