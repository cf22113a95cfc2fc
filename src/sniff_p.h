/* sniff_p.h — shared inside the sniff module (sniff.c, sniff_office.c,
 * sniff_pdf.c): the capped text accumulator and the extractors. */
#ifndef PACKETD_SNIFF_P_H
#define PACKETD_SNIFF_P_H

#include <stddef.h>

#include "fmap.h"
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
 * FlateDecode content streams. When data is m's mapping, the pages read
 * are dropped behind (m->base NULL: data is not mapped). */
char *sniff_pdf_text(const char *data, size_t len, const fmap *m);

/* Inflates a zlib stream (at most cap bytes out), keeping what came out
 * before any error. Caller frees. */
char *sniff_pdf_inflate(const char *data, size_t len, size_t cap, size_t *out_len);

/* The fonts of a PDF (sniff_pdffont.c): resource names and ToUnicode CMaps. */
typedef struct pdf_fonts pdf_fonts;
typedef struct pdf_font pdf_font;
pdf_fonts *sniff_pdf_fonts_load(const char *data, size_t len, const fmap *m);   /* caller frees */
void sniff_pdf_fonts_free(pdf_fonts *f);
/* The font of a resource name (without the slash), NULL when unknown. */
const pdf_font *sniff_pdf_font(const pdf_fonts *f, const char *name);
/* True when the document's fonts were found (or hidden in unreadable
 * object streams): then text in an unknown font cannot be trusted. */
int sniff_pdf_fonts_known(const pdf_fonts *f);
/* Appends the UTF-8 of the string s shown in font ft: 0 done through its
 * CMap, 1 the font's raw bytes read right (caller decodes), -1 unreadable. */
int sniff_pdf_font_decode(const pdf_font *ft, const unsigned char *s, size_t n, buf *out);

#endif
