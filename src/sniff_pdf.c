/* sniff_pdf.c — the text layer of a PDF (ISO 32000-1 §9.4 text operators):
 * strings shown by Tj, TJ, ' and " in content streams that are stored
 * plainly or FlateDecode-compressed (zlib).
 *
 * Strings in a font with a ToUnicode CMap (what office suites write, see
 * sniff_pdffont.c) are decoded through it; in a simple font, literal
 * strings are taken as PDFDocEncoding (close to Latin-1) and strings
 * starting with FE FF as UTF-16BE, which is what simple generators write.
 * Text in a font that can be read neither way makes the whole text layer
 * unreadable rather than wrong: a language judged on glyph numbers would
 * be a false finding. Enough to tell Chinese from English and to find
 * known phrases; not a faithful rendering.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "charset.h"
#include "sniff.h"
#include "sniff_p.h"

#define PDF_MAX_STREAM (16u * 1024 * 1024)   /* inflated bytes of one stream */
#define PDF_MAX_INFLATED (64u * 1024 * 1024) /* inflated bytes of all streams */
#define PDF_MAX_STRING (64u * 1024)
#define PDF_DICT_BACK 2048

struct pdf_lex {
	const unsigned char *p, *end;
	sniff_text *out;
	const pdf_fonts *fonts;  /* foreign */
	const pdf_font *font;    /* the font chosen by the last Tf */
	int unreadable;          /* text shown in a font we cannot read */
	int pending_bad;         /* a string since the last operator could not be read */
	char name[64];           /* the last name operand */
	buf pending;       /* UTF-8 of the strings since the last operator */
	buf str;           /* bytes of the string being read */
	double nums[2];    /* the last two numbers */
	int in_array;
};

static int pdf_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == 0;
}

static int pdf_delim(int c)
{
	return c == '(' || c == ')' || c == '<' || c == '>' || c == '[' || c == ']' || c == '{' ||
	       c == '}' || c == '/' || c == '%';
}

/* Decodes the string just read into pending: UTF-16BE after a BOM, else
 * PDFDocEncoding taken as Latin-1. Control characters are dropped. */
static void pdf_emit_string(struct pdf_lex *lx)
{
	const unsigned char *s = (const unsigned char *)lx->str.data;
	size_t n = lx->str.len;

	if (n == 0)
		return;
	if (sniff_pdf_fonts_known(lx->fonts)) {
		int r = sniff_pdf_font_decode(lx->font, s, n, &lx->pending);
		if (r == 0)
			return;
		if (r < 0) {
			lx->pending_bad = 1;   /* judged only if it is shown (CMaps hold strings too) */
			return;
		}
	}
	if (n >= 2 && s[0] == 0xFE && s[1] == 0xFF) {
		char *u = charset_to_utf8("UTF-16BE", (const char *)s + 2, (n - 2) & ~(size_t)1);
		if (u != NULL) {
			for (char *q = u; *q != '\0'; q++)
				if ((unsigned char)*q >= 0x20)
					buf_add(&lx->pending, q, 1);
			free(u);
		}
		return;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		if (c < 0x20 || c == 0x7F)
			continue;
		if (c < 0x80) {
			buf_add(&lx->pending, &c, 1);
		} else {
			char two[2] = {(char)(0xC0 | (c >> 6)), (char)(0x80 | (c & 0x3F))};
			buf_add(&lx->pending, two, 2);
		}
	}
}

static void pdf_literal(struct pdf_lex *lx)
{
	int depth = 1;
	buf_reset(&lx->str);
	lx->p++;
	while (lx->p < lx->end) {
		int c = *lx->p++;
		if (c == '(') {
			depth++;
		} else if (c == ')') {
			if (--depth == 0)
				break;
		} else if (c == '\\' && lx->p < lx->end) {
			c = *lx->p++;
			switch (c) {
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case '\r':
				if (lx->p < lx->end && *lx->p == '\n')
					lx->p++;
				continue;
			case '\n':
				continue;
			default:
				if (c >= '0' && c <= '7') {
					int v = c - '0';
					for (int k = 0; k < 2 && lx->p < lx->end && *lx->p >= '0' && *lx->p <= '7'; k++)
						v = v * 8 + (*lx->p++ - '0');
					c = v & 0xFF;
				}
				break;
			}
		}
		if (lx->str.len < PDF_MAX_STRING) {
			char ch = (char)c;
			buf_add(&lx->str, &ch, 1);
		}
	}
	pdf_emit_string(lx);
}

static void pdf_hex(struct pdf_lex *lx)
{
	int hi = -1;
	buf_reset(&lx->str);
	lx->p++;
	while (lx->p < lx->end && *lx->p != '>') {
		int v = util_hexval(*lx->p++);
		if (v < 0)
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			char ch = (char)(hi * 16 + v);
			if (lx->str.len < PDF_MAX_STRING)
				buf_add(&lx->str, &ch, 1);
			hi = -1;
		}
	}
	if (hi >= 0 && lx->str.len < PDF_MAX_STRING) {
		char ch = (char)(hi * 16);
		buf_add(&lx->str, &ch, 1);
	}
	if (lx->p < lx->end)
		lx->p++;
	pdf_emit_string(lx);
}

static void pdf_operator(struct pdf_lex *lx, const char *op, size_t n)
{
	sniff_text *out = lx->out;
#define OP(s) (n == sizeof(s) - 1 && memcmp(op, s, n) == 0)
	if (OP("Tf"))
		lx->font = sniff_pdf_font(lx->fonts, lx->name);
	if (OP("'") || OP("\"") || OP("T*") || OP("Tm") || OP("ET") ||
	    ((OP("Td") || OP("TD")) && lx->nums[1] != 0))
		sniff_text_newline(out);
	if (OP("Tj") || OP("TJ") || OP("'") || OP("\"")) {
		sniff_text_add(out, lx->pending.data ? lx->pending.data : "", lx->pending.len);
		lx->unreadable |= lx->pending_bad;
	}
	lx->pending_bad = 0;
#undef OP
	buf_reset(&lx->pending);
	lx->nums[0] = lx->nums[1] = 0;
}

/* Runs the text operators of one content stream; returns nonzero when it
 * showed text in a font that cannot be read. */
static int pdf_content(const char *data, size_t len, sniff_text *out, const pdf_fonts *fonts)
{
	struct pdf_lex lx;

	memset(&lx, 0, sizeof lx);
	lx.p = (const unsigned char *)data;
	lx.end = lx.p + len;
	lx.out = out;
	lx.fonts = fonts;
	buf_init(&lx.pending, PDF_MAX_STRING);
	buf_init(&lx.str, PDF_MAX_STRING + 1);
	while (lx.p < lx.end && !out->full) {
		int c = *lx.p;
		if (pdf_space(c)) {
			lx.p++;
		} else if (c == '%') {
			while (lx.p < lx.end && *lx.p != '\n' && *lx.p != '\r')
				lx.p++;
		} else if (c == '(') {
			pdf_literal(&lx);
		} else if (c == '<' && lx.p + 1 < lx.end && lx.p[1] == '<') {
			lx.p += 2;
		} else if (c == '<') {
			pdf_hex(&lx);
		} else if (c == '[') {
			lx.in_array = 1;
			lx.p++;
		} else if (c == ']') {
			lx.in_array = 0;
			lx.p++;
		} else if (c == '/' || pdf_delim(c)) {
			const unsigned char *name = ++lx.p;
			while (c == '/' && lx.p < lx.end && !pdf_space(*lx.p) && !pdf_delim(*lx.p))
				lx.p++;
			if (c == '/' && (size_t)(lx.p - name) < sizeof lx.name) {
				memcpy(lx.name, name, (size_t)(lx.p - name));
				lx.name[lx.p - name] = '\0';
			}
		} else if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.') {
			char num[32];
			size_t k = 0;
			while (lx.p < lx.end && k < sizeof num - 1 &&
			       ((*lx.p >= '0' && *lx.p <= '9') || *lx.p == '-' || *lx.p == '+' || *lx.p == '.'))
				num[k++] = (char)*lx.p++;
			num[k] = '\0';
			lx.nums[0] = lx.nums[1];
			lx.nums[1] = strtod(num, NULL);
			/* a wide negative kerning inside TJ separates words */
			if (lx.in_array && lx.nums[1] < -250)
				buf_add(&lx.pending, " ", 1);
		} else {
			const unsigned char *s = lx.p;
			while (lx.p < lx.end && !pdf_space(*lx.p) && !pdf_delim(*lx.p) && lx.p - s < 16)
				lx.p++;
			if (lx.p == s)
				lx.p++;
			pdf_operator(&lx, (const char *)s, (size_t)(lx.p - s));
		}
	}
	buf_free(&lx.pending);
	buf_free(&lx.str);
	return lx.unreadable;
}

/* Inflates a zlib stream, keeping what came out before any error. */
char *sniff_pdf_inflate(const char *data, size_t len, size_t cap, size_t *out_len)
{
	z_stream z;
	buf b;
	char block[16384];
	int r;

	memset(&z, 0, sizeof z);
	if (inflateInit(&z) != Z_OK)
		return NULL;
	buf_init(&b, cap);
	z.next_in = (Bytef *)(uintptr_t)data;
	z.avail_in = len > UINT32_MAX ? UINT32_MAX : (uInt)len;
	do {
		z.next_out = (Bytef *)block;
		z.avail_out = sizeof block;
		r = inflate(&z, Z_NO_FLUSH);
		if (r != Z_OK && r != Z_STREAM_END && r != Z_BUF_ERROR)
			break;
		buf_add(&b, block, sizeof block - z.avail_out);
		if (buf_error(&b) != 0)
			break;  /* what fit under the cap is all that is read */
		if (r == Z_BUF_ERROR && z.avail_out != 0)
			break;  /* input ended early */
	} while (r != Z_STREAM_END);
	inflateEnd(&z);
	*out_len = b.len;
	return buf_steal(&b);
}

/* The stream's dictionary: text from the "obj" before it to "stream". */
static void pdf_dict_of(const char *start, const char *s, const char **d, size_t *dlen)
{
	const char *from = s - start > PDF_DICT_BACK ? s - PDF_DICT_BACK : start;
	const char *best = from;
	for (const char *q = from; q + 3 <= s; q++)
		if (memcmp(q, "obj", 3) == 0)
			best = q;
	*d = best;
	*dlen = (size_t)(s - best);
}

static int pdf_has(const char *d, size_t n, const char *key)
{
	return memmem(d, n, key, strlen(key)) != NULL;
}

char *sniff_pdf_text(const char *data, size_t len, const fmap *m)
{
	const char *p = data, *end = data + len, *s, *released = data;
	size_t inflated = 0;
	sniff_text t;
	pdf_fonts *fonts = sniff_pdf_fonts_load(data, len, m);
	int unreadable = 0;

	sniff_text_init(&t);
	while (p < end && !t.full && (s = fmap_find(m, p, (size_t)(end - p), "stream", 6)) != NULL) {
		const char *q = s + 6, *e, *d;
		size_t dlen;
		p = q;
		if ((size_t)(s - released) >= FMAP_STEP) {   /* the streams behind are read */
			fmap_release(m, released, (size_t)(s - released));
			released = s;
		}
		if (s > data && s[-1] == 'd')
			continue;  /* "endstream" */
		if (q < end && *q == '\r')
			q++;
		if (q < end && *q == '\n')
			q++;
		e = fmap_find(m, q, (size_t)(end - q), "endstream", 9);
		if (e == NULL)
			e = end;
		p = e;
		pdf_dict_of(data, s, &d, &dlen);
		if (pdf_has(d, dlen, "/Image") || pdf_has(d, dlen, "/Length1") ||
		    pdf_has(d, dlen, "/Length2") || pdf_has(d, dlen, "/XRef") ||
		    pdf_has(d, dlen, "/ObjStm") || pdf_has(d, dlen, "/Metadata") ||
		    pdf_has(d, dlen, "/XML"))
			continue;
		if (!pdf_has(d, dlen, "/Filter")) {
			unreadable |= pdf_content(q, (size_t)(e - q), &t, fonts);
		} else if (pdf_has(d, dlen, "/FlateDecode") && !pdf_has(d, dlen, "DCTDecode") &&
			   !pdf_has(d, dlen, "/LZWDecode") && !pdf_has(d, dlen, "/ASCII") &&
			   inflated < PDF_MAX_INFLATED) {
			size_t n = 0, cap = PDF_MAX_INFLATED - inflated;
			char *z = sniff_pdf_inflate(q, (size_t)(e - q), cap < PDF_MAX_STREAM ? cap : PDF_MAX_STREAM, &n);
			if (z != NULL) {
				inflated += n;
				unreadable |= pdf_content(z, n, &t, fonts);
				free(z);
			}
		}
		sniff_text_newline(&t);
	}
	sniff_pdf_fonts_free(fonts);
	if (unreadable) {
		free(sniff_text_finish(&t));
		return NULL;
	}
	return sniff_text_finish(&t);
}
