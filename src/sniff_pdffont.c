/* sniff_pdffont.c — the fonts of a PDF, as far as reading its text needs
 * them (ISO 32000-1 §9.6–9.10): which resource name stands for which font,
 * and the ToUnicode CMap that turns the font's codes into characters.
 *
 * Office suites write subset fonts whose codes are private numbers
 * (LibreOffice: 1, 2, 3 … in the order glyphs were used; Word: glyph ids
 * with Identity-H): without the CMap their text reads as punctuation soup,
 * which would make a Chinese form look "Latin". Objects inside object
 * streams (PDF 1.5) are read too. Fonts are indexed by resource name for
 * the whole document, which is what generators keep unique in practice.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sniff_p.h"

#define PDFF_MAX_OBJECTS 200000
#define PDFF_MAX_FONTS 256
#define PDFF_MAX_CMAP (4u * 1024 * 1024)
#define PDFF_MAX_OBJSTM (16u * 1024 * 1024)
#define PDFF_MAX_FONT_DICTS 4096   /* "/Font" resource entries looked at */
#define PDFF_MAX_MAPPINGS (4u * 1024 * 1024)     /* codes mapped, all CMaps together */
#define PDFF_MAX_CMAP_BYTES (32u * 1024 * 1024)  /* CMap text inflated, all together */

typedef struct pdff_obj {
	long num;
	size_t order;     /* position in the file: a later definition wins */
	const char *p;    /* foreign: the object's body, after "obj" */
	size_t len;
} pdff_obj;

struct pdf_font {
	char name[64];
	uint32_t **map;   /* owned: code → code point by pages of 256 codes (a page made when a code
	                     of it is mapped; 0 unmapped); NULL without CMap */
	int width;        /* bytes per code: 1 or 2 */
	int simple;       /* a standard single-byte encoding: raw bytes read right */
};

struct pdf_fonts {
	pdff_obj *objs;
	size_t nobjs;
	char **owned;     /* owned: inflated object streams the objs point into */
	size_t nowned;
	struct pdf_font fonts[PDFF_MAX_FONTS];
	size_t nfonts;
	int any_font;     /* some font resource was found */
	size_t mappings;  /* budget used: a hostile CMap cannot spin */
	size_t cmap_bytes;
	int hidden;       /* object streams that could not be read */
};

static int pdff_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == 0;
}

static const char *pdff_skip_space(const char *p, const char *end)
{
	while (p < end && pdff_space((unsigned char)*p))
		p++;
	return p;
}

/* Reads "N G R" at p; returns the object number or -1. */
static long pdff_ref(const char *p, const char *end)
{
	char *e;
	long num, gen;
	char tmp[48];
	size_t n = (size_t)(end - p) < sizeof tmp - 1 ? (size_t)(end - p) : sizeof tmp - 1;
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	num = strtol(tmp, &e, 10);
	if (e == tmp || num < 0)
		return -1;
	gen = strtol(e, &e, 10);
	(void)gen;
	while (*e && pdff_space((unsigned char)*e))
		e++;
	return *e == 'R' ? num : -1;
}

static void pdff_add_obj(pdf_fonts *f, long num, const char *p, size_t len)
{
	if (f->nobjs >= PDFF_MAX_OBJECTS)
		return;
	if (f->nobjs % 256 == 0)
		f->objs = xrealloc(f->objs, (f->nobjs + 256) * sizeof *f->objs);
	f->objs[f->nobjs] = (pdff_obj){num, f->nobjs, p, len};
	f->nobjs++;
}

/* Every "N G obj" of the file, in order. An object ends at its "endobj"
 * or where the next object starts, whichever comes first, so that objects
 * never overlap and a hostile file costs one pass, not one per object. */
static void pdff_index(pdf_fonts *f, const char *data, size_t len, const fmap *m)
{
	const char *end = data + len, *p = data, *o;
	size_t first = f->nobjs;
	while (p < end && (o = fmap_find(m, p, (size_t)(end - p), "obj", 3)) != NULL) {
		const char *q = o, *body = o + 3;
		p = o + 3;
		if (q > data && (q[-1] == 'd' || !pdff_space((unsigned char)q[-1])))
			continue;   /* "endobj", or part of a word */
		while (q > data && pdff_space((unsigned char)q[-1]))
			q--;
		while (q > data && q[-1] >= '0' && q[-1] <= '9')
			q--;   /* generation */
		while (q > data && pdff_space((unsigned char)q[-1]))
			q--;
		const char *numend = q;
		while (q > data && q[-1] >= '0' && q[-1] <= '9')
			q--;
		if (q == numend)
			continue;
		pdff_add_obj(f, strtol(q, NULL, 10), body, (size_t)(end - body));
	}
	for (size_t i = first; i < f->nobjs; i++) {
		const char *next = i + 1 < f->nobjs ? f->objs[i + 1].p : end;
		const char *stop;
		if (next < f->objs[i].p)
			next = f->objs[i].p;
		stop = fmap_find(m, f->objs[i].p, (size_t)(next - f->objs[i].p), "endobj", 6);
		f->objs[i].len = (size_t)((stop ? stop : next) - f->objs[i].p);
	}
}

static int pdff_obj_cmp(const void *a, const void *b)
{
	const pdff_obj *x = a, *y = b;
	if (x->num != y->num)
		return x->num < y->num ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* The object of that number (objs sorted by number, then position): the
 * last definition wins, as incremental updates intend. */
static const pdff_obj *pdff_get(const pdf_fonts *f, long num)
{
	size_t lo = 0, hi = f->nobjs;
	if (num < 0)
		return NULL;
	while (lo < hi) {   /* first index with objs[i].num > num */
		size_t mid = lo + (hi - lo) / 2;
		if (f->objs[mid].num <= num)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && f->objs[lo - 1].num == num ? &f->objs[lo - 1] : NULL;
}

static int pdff_has(const char *p, size_t n, const char *key)
{
	return memmem(p, n, key, strlen(key)) != NULL;
}

/* The decoded stream of an object (owned by the caller), or NULL. */
static char *pdff_stream(const pdff_obj *o, size_t cap, size_t *n)
{
	const char *end = o->p + o->len, *s = memmem(o->p, o->len, "stream", 6), *e;
	size_t dlen;
	if (s == NULL)
		return NULL;
	dlen = (size_t)(s - o->p);
	s += 6;
	if (s < end && *s == '\r')
		s++;
	if (s < end && *s == '\n')
		s++;
	e = memmem(s, (size_t)(end - s), "endstream", 9);
	if (e == NULL)
		e = end;
	if (pdff_has(o->p, dlen, "/FlateDecode"))
		return sniff_pdf_inflate(s, (size_t)(e - s), cap, n);
	if (pdff_has(o->p, dlen, "/Filter"))
		return NULL;
	*n = (size_t)(e - s);
	return xstrndup(s, *n);
}

/* Objects stored inside object streams (§7.5.7). */
static void pdff_objstms(pdf_fonts *f)
{
	size_t count = f->nobjs;
	for (size_t i = 0; i < count; i++) {
		const pdff_obj *o = &f->objs[i];
		const char *t = memmem(o->p, o->len, "stream", 6), *nk, *fk;
		char *data;
		size_t n = 0;
		long nobj, first;
		if (t == NULL || !pdff_has(o->p, (size_t)(t - o->p), "/ObjStm"))
			continue;
		nk = memmem(o->p, (size_t)(t - o->p), "/N ", 3);
		fk = memmem(o->p, (size_t)(t - o->p), "/First ", 7);
		data = pdff_stream(o, PDFF_MAX_OBJSTM, &n);
		if (data == NULL || nk == NULL || fk == NULL) {
			free(data);
			f->hidden = 1;
			continue;
		}
		nobj = strtol(nk + 3, NULL, 10);
		first = strtol(fk + 7, NULL, 10);
		if (nobj <= 0 || first <= 0 || (size_t)first > n) {
			free(data);
			f->hidden = 1;
			continue;
		}
		f->owned = xrealloc(f->owned, (f->nowned + 1) * sizeof *f->owned);
		f->owned[f->nowned++] = data;
		char *p = data, *e;
		long prev_num = -1, prev_off = -1;
		for (long k = 0; k <= nobj && k < PDFF_MAX_OBJECTS; k++) {
			long num = -1, off = (long)n - first;
			if (k < nobj) {
				num = strtol(p, &e, 10);
				if (e == p)
					break;
				off = strtol(e, &p, 10);
				if (off < 0 || (size_t)off > n - (size_t)first)
					break;
			}
			if (prev_num >= 0 && off >= prev_off)
				pdff_add_obj(f, prev_num, data + first + prev_off, (size_t)(off - prev_off));
			prev_num = num;
			prev_off = off;
		}
	}
}

/* Reads "<hex>" at *pp into a number (at most 4 bytes) and its byte count. */
static int pdff_hex(const char **pp, const char *end, uint32_t *v, int *bytes)
{
	const char *p = pdff_skip_space(*pp, end);
	int digits = 0;
	*v = 0;
	if (p >= end || *p != '<')
		return -1;
	for (p++; p < end && *p != '>'; p++) {
		int h = util_hexval((unsigned char)*p);
		if (h < 0)
			continue;
		if (digits < 8)
			*v = (*v << 4) | (uint32_t)h;
		digits++;
	}
	*pp = p < end ? p + 1 : end;
	*bytes = (digits + 1) / 2;
	return 0;
}

/* The first character of a UTF-16BE destination (surrogates joined). */
static uint32_t pdff_dest(const char **pp, const char *end)
{
	const char *p = pdff_skip_space(*pp, end);
	uint32_t u[2] = {0, 0};
	int digits = 0;
	if (p >= end || *p != '<')
		return 0;
	for (p++; p < end && *p != '>'; p++) {
		int h = util_hexval((unsigned char)*p);
		if (h < 0)
			continue;
		if (digits < 8)
			u[digits / 4] = (u[digits / 4] << 4) | (uint32_t)h;
		digits++;
	}
	*pp = p < end ? p + 1 : end;
	if (u[0] >= 0xD800 && u[0] <= 0xDBFF && digits >= 8 && u[1] >= 0xDC00 && u[1] <= 0xDFFF)
		return 0x10000 + ((u[0] - 0xD800) << 10) + (u[1] - 0xDC00);
	return u[0];
}

/* Pages of 256 codes a font's map has: one for one-byte codes, 256 for two. */
static size_t pdff_pages(const struct pdf_font *ft)
{
	return ft->width == 1 ? 1 : 256;
}

static void pdff_set(pdf_fonts *f, struct pdf_font *ft, uint32_t code, uint32_t cp)
{
	f->mappings++;
	uint32_t size = ft->width == 1 ? 256 : 65536;
	if (code < size && cp != 0 && !(cp >= 0xD800 && cp <= 0xDFFF) && cp <= 0x10FFFF) {
		uint32_t **page = &ft->map[code >> 8];
		if (*page == NULL)
			*page = xcalloc(256, sizeof **page);
		(*page)[code & 0xFF] = cp;
	}
}

/* bfchar and bfrange sections of a ToUnicode CMap (§9.10.3). */
static void pdff_cmap(pdf_fonts *f, struct pdf_font *ft, const char *s, size_t n)
{
	const char *end = s + n, *p, *cs = memmem(s, n, "begincodespacerange", 19);
	uint32_t v;
	int bytes = 2;
	if (cs != NULL) {
		p = cs + 19;
		if (pdff_hex(&p, end, &v, &bytes) != 0)
			bytes = 2;
	}
	ft->width = bytes == 1 ? 1 : 2;
	/* a two-byte font's 65,536 codes in pages: a CMap maps a few hundred,
	 * and zeroing 256 KiB for them was most of a small PDF's cost */
	ft->map = xcalloc(pdff_pages(ft), sizeof *ft->map);
	for (p = s; p < end && (p = memmem(p, (size_t)(end - p), "beginbf", 7)) != NULL;) {
		int range = (size_t)(end - p) > 12 && memcmp(p + 7, "range", 5) == 0;
		const char *stop = memmem(p, (size_t)(end - p), range ? "endbfrange" : "endbfchar", range ? 10 : 9);
		if (stop == NULL)
			stop = end;
		p += range ? 12 : 11;
		while (p < stop && f->mappings < PDFF_MAX_MAPPINGS) {
			uint32_t lo, hi, cp;
			int b;
			if (pdff_hex(&p, stop, &lo, &b) != 0)
				break;
			if (!range) {
				pdff_set(f, ft, lo, pdff_dest(&p, stop));
				continue;
			}
			if (pdff_hex(&p, stop, &hi, &b) != 0 || hi < lo || hi - lo > 65535)
				break;
			p = pdff_skip_space(p, stop);
			if (p < stop && *p == '[') {
				for (uint32_t c = lo; c <= hi && p < stop && *p != ']'; c++) {
					p++;
					pdff_set(f, ft, c, pdff_dest(&p, stop));
					p = pdff_skip_space(p, stop);
				}
				if (p < stop)
					p++;
			} else {
				cp = pdff_dest(&p, stop);
				for (uint32_t c = lo; c <= hi && cp != 0 && f->mappings < PDFF_MAX_MAPPINGS; c++)
					pdff_set(f, ft, c, cp + (c - lo));
			}
		}
		p = stop;
	}
}

static void pdff_font(pdf_fonts *f, const char *name, size_t nlen, long objnum)
{
	const pdff_obj *o = pdff_get(f, objnum);
	struct pdf_font *ft;
	const char *tu;
	if (o == NULL || f->nfonts >= PDFF_MAX_FONTS || nlen == 0 || nlen >= sizeof ft->name)
		return;
	for (size_t i = 0; i < f->nfonts; i++)
		if (strlen(f->fonts[i].name) == nlen && memcmp(f->fonts[i].name, name, nlen) == 0)
			return;
	ft = &f->fonts[f->nfonts++];
	memset(ft, 0, sizeof *ft);
	memcpy(ft->name, name, nlen);
	f->any_font = 1;
	size_t dlen = o->len;
	const char *st = memmem(o->p, o->len, "stream", 6);
	if (st)
		dlen = (size_t)(st - o->p);
	tu = memmem(o->p, dlen, "/ToUnicode", 10);
	if (tu != NULL) {
		const pdff_obj *c = pdff_get(f, pdff_ref(tu + 10, o->p + dlen));
		size_t n = 0;
		char *cmap = c && f->cmap_bytes < PDFF_MAX_CMAP_BYTES ? pdff_stream(c, PDFF_MAX_CMAP, &n) : NULL;
		f->cmap_bytes += n;
		if (cmap != NULL)
			pdff_cmap(f, ft, cmap, n);
		free(cmap);
		return;
	}
	/* Without a CMap, only the standard single-byte encodings of simple
	 * fonts read right as raw bytes. */
	ft->simple = !pdff_has(o->p, dlen, "/Type0") && !pdff_has(o->p, dlen, "/Identity") &&
		     !pdff_has(o->p, dlen, "/Differences") && !pdff_has(o->p, dlen, "/Type3");
}

/* "/Name N G R" entries of a font resource dictionary. */
static void pdff_font_dict(pdf_fonts *f, const char *p, const char *end, int depth)
{
	p = pdff_skip_space(p, end);
	if (p < end && *p != '<' && depth == 0) {
		const pdff_obj *o = pdff_get(f, pdff_ref(p, end));
		if (o != NULL)
			pdff_font_dict(f, o->p, o->p + o->len, 1);
		return;
	}
	if (p + 1 >= end || p[0] != '<' || p[1] != '<')
		return;
	for (p += 2; p < end && !(p[0] == '>' && p + 1 < end && p[1] == '>');) {
		const char *name;
		p = pdff_skip_space(p, end);
		if (p >= end || *p != '/') {
			p++;
			continue;
		}
		name = ++p;
		while (p < end && !pdff_space((unsigned char)*p) && *p != '/' && *p != '<' && *p != '>')
			p++;
		pdff_font(f, name, (size_t)(p - name), pdff_ref(p, end));
	}
}

pdf_fonts *sniff_pdf_fonts_load(const char *data, size_t len, const fmap *m)
{
	pdf_fonts *f = xcalloc(1, sizeof *f);
	size_t dicts = 0;
	pdff_index(f, data, len, m);
	pdff_objstms(f);
	if (f->nobjs > 1)
		qsort(f->objs, f->nobjs, sizeof *f->objs, pdff_obj_cmp);
	for (size_t i = 0; i < f->nobjs && dicts < PDFF_MAX_FONT_DICTS; i++) {
		const pdff_obj *o = &f->objs[i];
		const char *end = o->p + o->len, *p = o->p;
		while (p < end && dicts < PDFF_MAX_FONT_DICTS &&
		       (p = fmap_find(m, p, (size_t)(end - p), "/Font", 5)) != NULL) {
			p += 5;
			if (p < end && (pdff_space((unsigned char)*p) || *p == '<')) {
				dicts++;
				pdff_font_dict(f, p, end, 0);
			}
		}
	}
	return f;
}

void sniff_pdf_fonts_free(pdf_fonts *f)
{
	if (f == NULL)
		return;
	for (size_t i = 0; i < f->nfonts; i++) {
		for (size_t k = 0; f->fonts[i].map != NULL && k < pdff_pages(&f->fonts[i]); k++)
			free(f->fonts[i].map[k]);
		free(f->fonts[i].map);
	}
	for (size_t i = 0; i < f->nowned; i++)
		free(f->owned[i]);
	free(f->owned);
	free(f->objs);
	free(f);
}

const pdf_font *sniff_pdf_font(const pdf_fonts *f, const char *name)
{
	for (size_t i = 0; f && i < f->nfonts; i++)
		if (strcmp(f->fonts[i].name, name) == 0)
			return &f->fonts[i];
	return NULL;
}

int sniff_pdf_fonts_known(const pdf_fonts *f)
{
	return f != NULL && (f->any_font || f->hidden);
}

int sniff_pdf_font_decode(const pdf_font *ft, const unsigned char *s, size_t n, buf *out)
{
	if (ft == NULL || (ft->map == NULL && !ft->simple))
		return -1;
	if (ft->map == NULL)
		return 1;   /* raw bytes: the caller's own decoding applies */
	for (size_t i = 0; i + (size_t)ft->width <= n; i += (size_t)ft->width) {
		uint32_t code = ft->width == 1 ? s[i] : ((uint32_t)s[i] << 8) | s[i + 1];
		const uint32_t *page = ft->map[code >> 8];
		uint32_t cp = page ? page[code & 0xFF] : 0;
		char u[4];
		size_t k = 0;
		if (cp < 0x20)
			continue;
		if (cp < 0x80) {
			u[k++] = (char)cp;
		} else if (cp < 0x800) {
			u[k++] = (char)(0xC0 | (cp >> 6));
			u[k++] = (char)(0x80 | (cp & 0x3F));
		} else if (cp < 0x10000) {
			u[k++] = (char)(0xE0 | (cp >> 12));
			u[k++] = (char)(0x80 | ((cp >> 6) & 0x3F));
			u[k++] = (char)(0x80 | (cp & 0x3F));
		} else {
			u[k++] = (char)(0xF0 | (cp >> 18));
			u[k++] = (char)(0x80 | ((cp >> 12) & 0x3F));
			u[k++] = (char)(0x80 | ((cp >> 6) & 0x3F));
			u[k++] = (char)(0x80 | (cp & 0x3F));
		}
		buf_add(out, u, k);
	}
	return 0;
}
