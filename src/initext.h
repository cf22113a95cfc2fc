/* initext.h — running Debian's inih over text in memory, one line per
 * reader call, so that the handler always knows the line it is looking at
 * (the library's handler gets no line number) and errors can name
 * "file:line: key". */
#ifndef PACKETD_INITEXT_H
#define PACKETD_INITEXT_H

#include <stddef.h>

#include <ini.h>

typedef struct initext {
	const char *p, *end;   /* foreign: the text still to read */
	int line;              /* line being parsed, 1-based */
	int stop;              /* nonzero: the reader refused a line (too long, NUL) */
	/* Called for each "[section]" line before inih sees it, or NULL. */
	void (*on_section)(void *user, const char *name, size_t len);
	void *user;
} initext;

enum { INITEXT_READ = -1, INITEXT_LINE = -2, INITEXT_NOMEM = -3 };

/* Reads the file at path (at most max_bytes) and runs inih over it with
 * handler h, one line per reader call; t->on_section and t->user are the
 * caller's to set first, and t->line tells the handler where it is.
 * Returns 0; INITEXT_READ when the file cannot be read (errno set);
 * INITEXT_LINE when a line is longer than line_max or holds a NUL (t->line
 * names it); the line of inih's first syntax error; or INITEXT_NOMEM. */
int initext_run(initext *t, const char *path, size_t max_bytes, int line_max, int stop_on_first_error,
		ini_handler h, void *user);

/* Debian builds inih with its settings as runtime globals; they are set to
 * the same values before every parse, so the order of loads never matters. */
void initext_settings(int line_max, int stop_on_first_error);
/* The ini_reader for ini_parse_stream (stream is an initext). */
char *initext_read(char *str, int num, void *stream);

#endif
