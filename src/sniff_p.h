/* sniff_p.h — shared inside the sniff module (sniff.c, sniff_office.c,
 * sniff_pdf.c): the capped text accumulator and the extractors. */
#ifndef PACKETD_SNIFF_P_H
#define PACKETD_SNIFF_P_H

#include <stddef.h>

#include "util.h"

typedef struct sniff_text {
	buf b;
	int full;      /* the cap was reached: further text is dropped */
} sniff_text;

void sniff_text_init(sniff_text *t);
/* Appends n bytes of UTF-8, cutting at a character boundary at the cap. */
void sniff_text_add(sniff_text *t, const char *s, size_t n);
/* Appends with TAB, CR and LF turned into spaces (one table cell). */
void sniff_text_add_cell(sniff_text *t, const char *s, size_t n);
/* A line break, unless the text is empty or already ends a line. */
void sniff_text_newline(sniff_text *t);
/* The text (owned), or NULL when it holds nothing but blanks. */
char *sniff_text_finish(sniff_text *t);

/* What a zip-based file is, from its members: "docx", "xlsx", "odt" or
 * "zip". Reads from path when given, else from data. Sets *encrypted,
 * *damaged and *text (owned or NULL). */
void sniff_zip(const char *path, const char *data, size_t len, char type[12], int *encrypted,
	       int *damaged, char **text);

/* Text of an HTML document given as UTF-8. */
char *sniff_html_text(const char *utf8, size_t len);

/* Text layer of a PDF held in memory: Tj/TJ strings of uncompressed and
 * FlateDecode content streams. */
char *sniff_pdf_text(const char *data, size_t len);

#endif
