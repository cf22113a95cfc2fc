/* classify.c — recognition of a packet's documents by file name and by the
 * manifest's [files] section (SPEC section 2; classify.h has the rules).
 *
 * Names are matched on a working copy whose ASCII is lower-cased; text that
 * served one step (an annex marker, a keyword, a language marker) is blanked
 * out with spaces so that a later step cannot read it again: the "5" of
 * "Annex5" is never a copy number, the "01" of "CMES-01" neither.
 */
#include "classify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "finding.h"
#include "manifest.h"
#include "util.h"

/* Highest annex number a name may carry; the seed has ten annexes. */
#define CLASSIFY_MAX_ANNEX 99

static int is_han(uint32_t cp)
{
	return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
	       (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x2FFFF) ||
	       cp == 0x3007;
}

static int is_ascii_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_ascii_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* Code point ending just before s[pos], 0 at the start or on bad UTF-8. */
static uint32_t cp_before(const char *s, size_t pos)
{
	size_t start = pos;
	uint32_t cp = 0;
	if (pos == 0)
		return 0;
	start--;
	while (start > 0 && pos - start < 4 && ((unsigned char)s[start] & 0xC0) == 0x80)
		start--;
	if (util_utf8_next(s + start, pos - start, &cp) != pos - start)
		return 0;
	return cp;
}

static uint32_t cp_at(const char *s, size_t len, size_t pos)
{
	uint32_t cp = 0;
	if (pos >= len || util_utf8_next(s + pos, len - pos, &cp) == 0)
		return 0;
	return cp;
}

static void blank(char *s, size_t from, size_t n)
{
	memset(s + from, ' ', n);
}

/* Blanks every occurrence of needle in s (same length as orig), finding
 * them in orig so that overlapping blanking never hides a match. */
static int blank_all(char *s, const char *orig, const char *needle)
{
	size_t n = strlen(needle);
	int found = 0;
	const char *p = orig;
	if (n == 0)
		return 0;
	while ((p = strstr(p, needle)) != NULL) {
		blank(s, (size_t)(p - orig), n);
		found = 1;
		p += n;
	}
	return found;
}

/* Chinese numerals 一..十 as they follow 附件; returns bytes used or 0. */
static size_t chinese_numeral(const char *s, size_t len, int *n)
{
	static const char *const digits[] = { "一", "二", "三", "四", "五", "六", "七", "八", "九", "十" };
	for (int i = 0; i < 10; i++) {
		size_t dl = strlen(digits[i]);
		if (dl <= len && memcmp(s, digits[i], dl) == 0) {
			*n = i + 1;
			return dl;
		}
	}
	return 0;
}

/* Document and language of template annex n, -1 when no template has it.
 * The cross-reference variants (annex 5 CEng, 6 IEng) are one document. */
static void annex_lookup(const rules *r, int n, int *doc, int *lang)
{
	*doc = -1;
	*lang = -1;
	for (size_t d = 0; d < r->ndocs; d++)
		for (size_t l = 0; l < r->nlangs && l < RULES_MAX_LANGS; l++)
			if (r->docs[d].annex[l] == n) {
				*doc = (int)d;
				*lang = (int)l;
				return;
			}
	for (size_t v = 0; v < r->nvariants; v++)
		if (r->variants[v].annex == n && r->cross_reference_doc >= 0) {
			const rules_document *x = &r->docs[r->cross_reference_doc];
			*doc = r->cross_reference_doc;
			for (size_t l = 0; l < r->nlangs && l < RULES_MAX_LANGS; l++)
				if (x->annex[l] > 0 || (x->langs & (1u << l))) {
					*lang = (int)l;
					break;
				}
			return;
		}
}

/* Step 1: the first annex marker with a number that names a template. */
static void find_annex(const rules *r, char *s, int *doc, int *lang)
{
	size_t len = strlen(s);
	for (size_t w = 0; w < r->annex_words.n; w++) {
		const char *word = r->annex_words.items[w];
		size_t wl = strlen(word);
		const char *p = s;
		if (wl == 0)
			continue;
		while ((p = strstr(p, word)) != NULL) {
			size_t at = (size_t)(p - s), q = at + wl, used;
			int n = 0;
			while (q < len && (s[q] == ' ' || s[q] == '-' || s[q] == '_' || s[q] == '.'))
				q++;
			if (q < len && is_ascii_digit((unsigned char)s[q])) {
				while (q < len && is_ascii_digit((unsigned char)s[q]) && n <= CLASSIFY_MAX_ANNEX)
					n = n * 10 + (s[q++] - '0');
			} else {
				used = chinese_numeral(s + q, len - q, &n);
				q += used;
			}
			if (n > 0 && n <= CLASSIFY_MAX_ANNEX) {
				int d, l;
				annex_lookup(r, n, &d, &l);
				/* The number is spent either way: "附件10" is no copy. */
				blank(s, at, q - at);
				if (d >= 0 && *doc < 0) {
					*doc = d;
					*lang = l;
				}
			}
			p = s + at + wl;
		}
	}
}

/* Keyword reduced to its ASCII letters/digits and non-ASCII bytes, so that
 * "CMES-01C" and "cmes01c" compare equal. */
static char *squeeze(const char *s)
{
	char *o = xcalloc(strlen(s) + 1, 1), *q = o;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p >= 0x80 || is_ascii_digit(*p) || is_ascii_alpha(*p))
			*q++ = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	return o;
}

/* A keyword that appears in only one language's part of the template text
 * ("Annex 8 (CMES-01C, Chinese), Annex 7 (CMES-01E, English)") names that
 * language. Returns the language or -1. */
static int keyword_lang(const rules *r, const rules_document *d, const char *kw)
{
	char *k = squeeze(kw), *t = d->template_en ? squeeze(d->template_en) : NULL;
	int found = -1, count = 0;
	if (t == NULL || strlen(k) < 4)
		goto out;
	for (size_t l = 0; l < r->nlangs && l < RULES_MAX_LANGS; l++) {
		char *seg, *end, *hit;
		char head[32];
		if (d->annex[l] <= 0)
			continue;
		snprintf(head, sizeof head, "annex%d", d->annex[l]);
		seg = t;
		while ((seg = strstr(seg, head)) != NULL) {
			seg += strlen(head);
			if (!is_ascii_digit((unsigned char)*seg))
				break;
		}
		if (seg == NULL)
			continue;
		end = strstr(seg, "annex");
		hit = strstr(seg, k);
		if (hit && (end == NULL || hit < end)) {
			found = (int)l;
			count++;
		}
	}
out:
	free(k);
	free(t);
	return count == 1 ? found : -1;
}

/* Step 2: the longest keyword of any document; every keyword is blanked
 * from rest. */
static void find_keyword(const rules *r, const char *s, char *rest, int *doc, int *kwlang)
{
	size_t best = 0;
	int bestdoc = -1;
	for (size_t d = 0; d < r->ndocs; d++)
		for (size_t k = 0; k < r->docs[d].keywords.n; k++) {
			const char *kw = r->docs[d].keywords.items[k];
			size_t kl = strlen(kw);
			if (kl > best && strstr(s, kw)) {
				best = kl;
				bestdoc = (int)d;
			}
		}
	for (size_t d = 0; d < r->ndocs; d++)
		for (size_t k = 0; k < r->docs[d].keywords.n; k++)
			blank_all(rest, s, r->docs[d].keywords.items[k]);
	*kwlang = -1;
	if (bestdoc < 0)
		return;
	if (*doc < 0)
		*doc = bestdoc;
	/* Any keyword of the document may name a language ("CMES-01C" beside
	 * the longer "批注表"); two that disagree name none. */
	for (size_t k = 0; k < r->docs[*doc].keywords.n; k++) {
		const char *kw = r->docs[*doc].keywords.items[k];
		int l = strstr(s, kw) ? keyword_lang(r, &r->docs[*doc], kw) : -1;
		if (l < 0)
			continue;
		if (*kwlang >= 0 && *kwlang != l) {
			*kwlang = -1;
			return;
		}
		*kwlang = l;
	}
}

static int marker_is_short_ascii(const char *m)
{
	size_t n = strlen(m);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)m[i] >= 0x80)
			return 0;
	return n <= 3;
}

static int marker_is_single_cp(const char *m)
{
	uint32_t cp;
	size_t n = strlen(m);
	return (unsigned char)m[0] >= 0x80 && util_utf8_next(m, n, &cp) == n;
}

/* Single-character markers of languages other than l ("中" for "英文"). */
static int other_single_marker(const rules *r, size_t l, uint32_t cp)
{
	for (size_t o = 0; o < r->nlangs; o++) {
		if (o == l)
			continue;
		for (size_t k = 0; k < r->langs[o].markers.n; k++) {
			const char *m = r->langs[o].markers.items[k];
			uint32_t mc;
			if (marker_is_single_cp(m) && util_utf8_next(m, strlen(m), &mc) && mc == cp)
				return (int)o;
		}
	}
	return -1;
}

/* Step 3: the set of languages marked in s; markers found are blanked
 * from rest. */
static unsigned find_langs(const rules *r, const char *s, char *rest)
{
	size_t len = strlen(s);
	unsigned found = 0;
	for (size_t l = 0; l < r->nlangs && l < RULES_MAX_LANGS; l++) {
		for (size_t k = 0; k < r->langs[l].markers.n; k++) {
			const char *m = r->langs[l].markers.items[k];
			size_t ml = strlen(m);
			int shortm = marker_is_short_ascii(m), single = marker_is_single_cp(m);
			const char *p = s;
			if (ml == 0)
				continue;
			while ((p = strstr(p, m)) != NULL) {
				size_t at = (size_t)(p - s);
				int ok;
				if (shortm)
					ok = (at == 0 || !is_ascii_alpha((unsigned char)s[at - 1])) &&
					     !is_ascii_alpha((unsigned char)s[at + ml]);
				else if (single)
					ok = !is_han(cp_before(s, at)) && !is_han(cp_at(s, len, at + ml));
				else
					ok = 1;
				if (ok) {
					int o = single || shortm ? -1 : other_single_marker(r, l, cp_before(s, at));
					found |= 1u << l;
					/* 中英文: both languages, so neither wins. */
					if (o >= 0)
						found |= 1u << o;
					blank(rest, at, ml);
				}
				p += ml;
			}
		}
	}
	return found;
}

/* Step 4: copy 2 by marker, else a trailing delimited number 1..9. */
static int find_copy(const rules *r, char *rest)
{
	size_t n;
	unsigned long v = 0;
	size_t digits = 0;
	int paren = 0;
	for (size_t k = 0; k < r->copy2_markers.n; k++)
		if (r->copy2_markers.items[k][0] && strstr(rest, r->copy2_markers.items[k]))
			return 2;
	n = strlen(rest);
	while (n > 0 && (rest[n - 1] == ' ' || rest[n - 1] == '-' || rest[n - 1] == '_' ||
			 rest[n - 1] == '.'))
		n--;
	if (n > 0 && rest[n - 1] == ')') {
		n--;
		paren = 1;
	} else if (n >= 3 && memcmp(rest + n - 3, "）", 3) == 0) {
		n -= 3;
		paren = 1;
	}
	while (n > 0 && is_ascii_digit((unsigned char)rest[n - 1]) && digits < 3) {
		n--;
		digits++;
	}
	if (digits == 0 || digits > 2 || (n > 0 && is_ascii_digit((unsigned char)rest[n - 1])))
		return 0;
	for (size_t i = 0; i < digits; i++)
		v = v * 10 + (unsigned long)(rest[n + i] - '0');
	if (v < 1 || v > 9)
		return 0;
	if (paren) {
		if (n > 0 && rest[n - 1] == '(')
			return (int)v;
		if (n >= 3 && memcmp(rest + n - 3, "（", 3) == 0)
			return (int)v;
		return 0;
	}
	if (n == 0 || rest[n - 1] == ' ' || rest[n - 1] == '-' || rest[n - 1] == '_' ||
	    rest[n - 1] == '.' || rest[n - 1] == '(')
		return (int)v;
	return 0;
}

/* One path component; the extension is stripped from base names only. */
static void classify_component(const rules *r, const char *comp, size_t clen, int strip_ext,
			       int *doc, int *lang, int *copy)
{
	char *raw = xstrndup(comp, clen), *s, *rest, *dot;
	unsigned langs;
	int kwlang = -1;
	*doc = -1;
	*lang = -1;
	*copy = 0;
	dot = strip_ext ? strrchr(raw, '.') : NULL;
	if (dot && dot != raw && strlen(dot + 1) <= 5)
		*dot = '\0';
	s = util_ascii_lower(raw);
	find_annex(r, s, doc, lang);
	rest = xstrdup(s);
	find_keyword(r, s, rest, doc, &kwlang);
	/* Markers are read with the keywords still in place, so that a single
	 * 中 right after 申请表 stays ambiguous, as the spec wants. */
	langs = find_langs(r, s, rest);
	if (*lang < 0) {
		if (langs != 0 && (langs & (langs - 1)) == 0) {
			for (int l = 0; l < RULES_MAX_LANGS; l++)
				if (langs == 1u << l)
					*lang = l;
		} else if (langs == 0) {
			*lang = kwlang;
		}
	}
	*copy = find_copy(r, rest);
	free(rest);
	free(s);
	free(raw);
}

int classify_name(const rules *r, const char *name, int *doc, int *lang, int *copy)
{
	size_t len, end, start;
	if (doc)
		*doc = -1;
	if (lang)
		*lang = -1;
	if (copy)
		*copy = 0;
	if (r == NULL || name == NULL || doc == NULL || lang == NULL || copy == NULL)
		return -1;
	len = strlen(name);
	if (len > CLASSIFY_MAX_NAME)
		return 0;
	while (len > 0 && (name[len - 1] == '/' || name[len - 1] == '\\'))
		len--;
	end = len;
	/* Walk the components from the base name up: the base decides, each
	 * folder may only fill what is still unknown. */
	for (int first = 1; end > 0; first = 0) {
		int d, l, c;
		start = end;
		while (start > 0 && name[start - 1] != '/' && name[start - 1] != '\\')
			start--;
		if (end > start) {
			classify_component(r, name + start, end - start, first, &d, &l, &c);
			if (first) {
				*doc = d;
				*lang = l;
				*copy = d >= 0 ? c : 0;
			} else {
				if (*doc < 0)
					*doc = d;
				if (*lang < 0)
					*lang = l;
			}
		}
		end = start > 0 ? start - 1 : 0;
	}
	if (*doc >= 0 && *lang < 0) {
		unsigned langs = r->docs[*doc].langs;
		if (langs != 0 && (langs & (langs - 1)) == 0)
			for (int l = 0; l < RULES_MAX_LANGS; l++)
				if (langs == 1u << l)
					*lang = l;
	}
	if (*doc < 0)
		*copy = 0;
	return 0;
}

static const char *base_name(const char *name)
{
	const char *b = name;
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == '\\')
			b = p + 1;
	return b;
}

static int is_ignored_name(const rules *r, const char *name)
{
	const char *b = base_name(name);
	for (size_t i = 0; i < r->ignored_names.n; i++) {
		const char *ig = r->ignored_names.items[i];
		size_t n = strlen(ig);
		/* "._" is AppleDouble's prefix; the others are whole names or
		 * folders anywhere in the path. */
		if (n > 0 && ig[n - 1] == '_' && strncasecmp(b, ig, n) == 0)
			return 1;
		if (util_streq_nocase(b, ig))
			return 1;
		for (const char *p = name; *p; p++)
			if ((p == name || p[-1] == '/' || p[-1] == '\\') && strncasecmp(p, ig, n) == 0 &&
			    (p[n] == '/' || p[n] == '\\'))
				return 1;
	}
	return 0;
}

/* File a manifest entry names: exact name first, then base name, both
 * case-insensitively; -1 when none. */
static long find_entry_file(const packet *p, const char *file)
{
	for (size_t i = 0; i < p->nfiles; i++)
		if (!p->files[i].ignored && util_streq_nocase(p->files[i].name, file))
			return (long)i;
	for (size_t i = 0; i < p->nfiles; i++)
		if (!p->files[i].ignored &&
		    util_streq_nocase(base_name(p->files[i].name), base_name(file)))
			return (long)i;
	return -1;
}

int classify_packet(packet *p, const rules *r, const struct manifest *m)
{
	if (p == NULL || r == NULL)
		return -1;
	for (size_t i = 0; i < p->nfiles; i++) {
		packet_file *f = &p->files[i];
		if (!f->ignored && f->name && is_ignored_name(r, f->name))
			f->ignored = 1;
		f->from_manifest = 0;
	}
	for (size_t e = 0; m && e < m->nentries; e++) {
		const manifest_entry *me = &m->entries[e];
		long i = me->file ? find_entry_file(p, me->file) : -1;
		int d = me->document ? rules_doc_index(r, me->document) : -1;
		int l = me->language ? rules_lang_index(r, me->language) : -1;
		packet_file *f;
		if (i < 0) {
			char line[24];
			rules_var v[] = { { "file", me->file ? me->file : "" }, { "line", line } };
			snprintf(line, sizeof line, "%d", me->line);
			finding_add(p, r, "manifest_file_unknown", d, l, v, 2);
			continue;
		}
		f = &p->files[i];
		/* An unknown document code was reported by the manifest parser;
		 * the name may still tell. */
		if (d < 0 || f->from_manifest)
			continue;
		f->doc = d;
		f->lang = l;
		if (l < 0) {
			unsigned langs = r->docs[d].langs;
			if (langs != 0 && (langs & (langs - 1)) == 0)
				for (int k = 0; k < RULES_MAX_LANGS; k++)
					if (langs == 1u << k)
						f->lang = k;
		}
		f->copy = me->copy > 0 && me->copy <= 99 ? me->copy : 0;
		f->from_manifest = 1;
	}
	for (size_t i = 0; i < p->nfiles; i++) {
		packet_file *f = &p->files[i];
		if (f->ignored || f->from_manifest)
			continue;
		classify_name(r, f->name ? f->name : "", &f->doc, &f->lang, &f->copy);
		if (f->doc < 0) {
			rules_var v[] = { { "file", f->name ? f->name : "" } };
			finding_add(p, r, "unrecognised_file", -1, -1, v, 1);
		}
	}
	classify_assign_copies(p);
	return 0;
}

static int cmp_name(const packet *p, size_t a, size_t b)
{
	const char *x = p->files[a].name ? p->files[a].name : "";
	const char *y = p->files[b].name ? p->files[b].name : "";
	int c = strcmp(x, y);
	return c != 0 ? c : (a < b ? -1 : 1);
}

void classify_assign_copies(packet *p)
{
	size_t n = p->nfiles;
	size_t *order = n ? xcalloc(n, sizeof *order) : NULL;
	unsigned char *done = n ? xcalloc(n, 1) : NULL;
	/* Name order once; groups are then read off it. Packets hold at most
	 * a few hundred members, so insertion sort is enough. */
	for (size_t i = 0; i < n; i++) {
		size_t j = i;
		while (j > 0 && cmp_name(p, order[j - 1], i) > 0) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
	for (size_t a = 0; a < n; a++) {
		packet_file *g = &p->files[order[a]];
		size_t members = 0;
		unsigned char *taken;
		int next = 1;
		if (done[order[a]] || g->ignored || g->doc < 0 || g->lang < 0)
			continue;
		for (size_t b = a; b < n; b++) {
			packet_file *f = &p->files[order[b]];
			if (!f->ignored && f->doc == g->doc && f->lang == g->lang)
				members++;
		}
		taken = xcalloc(members + n + 2, 1);
		/* First pass: explicit copies, first claimant by name keeps it. */
		for (size_t b = a; b < n; b++) {
			packet_file *f = &p->files[order[b]];
			if (f->ignored || f->doc != g->doc || f->lang != g->lang)
				continue;
			done[order[b]] = 1;
			if (f->copy > 0 && (size_t)f->copy < members + n + 2 && !taken[f->copy])
				taken[f->copy] = 1;
			else
				f->copy = -1;
		}
		for (size_t b = a; b < n; b++) {
			packet_file *f = &p->files[order[b]];
			if (f->ignored || f->doc != g->doc || f->lang != g->lang || f->copy != -1)
				continue;
			while (taken[next])
				next++;
			f->copy = next;
			taken[next] = 1;
		}
		free(taken);
	}
	free(done);
	free(order);
}
