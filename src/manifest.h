/* manifest.h — manifest.ini of a packet (SPEC section 2): the [applicant]
 * fields and the optional [files] table "NAME = document, language, copy".
 * The file may be UTF-8 or GBK (decoded with charset_text_to_utf8). Problems
 * an applicant can fix are collected, not fatal, so that one notice can list
 * them all.
 */
#ifndef PACKETD_MANIFEST_H
#define PACKETD_MANIFEST_H

#include <stddef.h>

#include "applicant.h"
#include "util.h"

#define MANIFEST_MAX_BYTES (256 * 1024)  /* a larger manifest.ini is unusable */
#define MANIFEST_MAX_ENTRIES 1000        /* [files] lines kept; more is an error */

/* One [files] line. All strings owned, trimmed; document and language as
 * written (the caller maps them to rules indexes); language NULL when not
 * given; copy 0 when not given. line is the line in manifest.ini. */
typedef struct manifest_entry {
	char *file;
	char *document;
	char *language;
	int copy;
	int line;
} manifest_entry;

typedef struct manifest {
	applicant app;             /* owned fields; NULL when absent or empty */
	manifest_entry *entries;   /* owned array */
	size_t nentries;
	strlist errors;            /* "line N: ..." details for the manifest_invalid finding */
} manifest;

/* Parses len bytes of manifest.ini into out (which it initialises). Returns
 * 0 when parsed — out->errors may still list lines that were wrong — or -1
 * when the file is unusable (too large, or not text in any charset); out is
 * then empty but still safe to pass to manifest_free. */
int manifest_parse(const char *data, size_t len, manifest *out);
void manifest_free(manifest *m);

#endif
