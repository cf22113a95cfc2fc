/* texts.h — the notice templates (config/templates/<kind>.txt) and the
 * short phrases (phrases.ini) read once, when the config is loaded (at
 * start and on SIGHUP), instead of from disk for every notice.
 *
 * texts_check holds the templates against the contract of the code: every
 * kind of notice packetd sends has its template, each begins with a Subject
 * line, and every {placeholder} is one that the kind is given. */
#ifndef PACKETD_TEXTS_H
#define PACKETD_TEXTS_H

#include <stddef.h>
#include <stdio.h>

typedef struct texts_entry {
	char *key;    /* template kind, or phrase key */
	char *value;  /* template text, or phrase text */
	int line;     /* phrases: line in phrases.ini */
} texts_entry;

typedef struct texts {
	char *dir;            /* owned: the templates folder */
	texts_entry *tmpl;    /* owned, sorted by key */
	size_t ntmpl;
	texts_entry *phrase;  /* owned, in file order */
	size_t nphrase;
} texts;

/* Reads every *.txt of dir and phrases.ini. A folder that does not exist
 * gives no texts (texts_check then names every template missing). Returns
 * -1 with "file:line: reason" in err when a file cannot be read or a phrase
 * line is malformed. */
int texts_load(texts *t, const char *dir, char *err, size_t errlen);
void texts_free(texts *t);
/* The template of kind, or NULL. Not owned. */
const char *texts_template(const texts *t, const char *kind);
/* The phrase of key, or NULL. Not owned. */
const char *texts_phrase(const texts *t, const char *key);
/* Writes one "file:line: problem" line per missing template, missing
 * Subject line or unknown placeholder to out; returns how many. */
size_t texts_check(const texts *t, FILE *out);

#endif
