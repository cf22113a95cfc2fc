/* check.c — the checks of SPEC section 4 on a classified packet: file
 * integrity and type by content, language by content, presence and copies
 * per (document, language), identical copies, the cross-reference table's
 * variant and competences (annexes 5, 6), the CPD record (annexes 3, 4),
 * the applicant's fields and eligibility (seed 基本要求), and the outcome.
 *
 * Findings carry their codes only; severities and both languages' messages
 * are the catalogue's (config/findings.ini). Values filled into messages are
 * data (file names, field=value pairs, codes), never prose.
 */
#include "check.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classify.h"
#include "csv.h"
#include "log.h"
#include "sniff.h"
#include "util.h"

#define CHECK_MAX_VARS 24
#define CHECK_MAX_LIST 1000      /* bytes of a joined list in a message */
#define CHECK_MAX_TABLE_ROWS 5000
#define CHECK_MAX_TABLE_COLS 64
#define CHECK_HEADER_ROWS 50     /* the header must be among the first rows */
#define CHECK_MAX_HOURS 10000.0  /* of one entry */
#define CHECK_MAX_ROW_FINDINGS 20 /* per CPD file: the first rows say enough */

/* ---------------------------------------------------------------- findings */

static void add_var(rules_var *v, size_t *n, const char *name, const char *value)
{
	if (name == NULL)
		return;
	for (size_t i = 0; i < *n; i++)
		if (strcmp(v[i].name, name) == 0)
			return;
	if (*n < CHECK_MAX_VARS + 9) {
		v[*n].name = name;
		v[*n].value = value ? value : "";
		(*n)++;
	}
}

static char *render_pair(const char *msg, const char *fix, const rules_var *v, size_t n)
{
	char *m = rules_render(msg, v, n), *f, *out;
	size_t ml, fl;
	if (fix == NULL || *fix == '\0')
		return m;
	f = rules_render(fix, v, n);
	ml = strlen(m);
	fl = strlen(f);
	out = xcalloc(ml + fl + 2, 1);
	memcpy(out, m, ml);
	out[ml] = ' ';
	memcpy(out + ml + 1, f, fl);
	free(m);
	free(f);
	return out;
}

/* The one place findings are made. zv/ev are the values for the zh and en
 * messages (language names differ between them). Returns the severity. */
static int add_finding(packet *p, const rules *r, const char *code, int doc, int lang,
		       const rules_var *zv, size_t zn, const rules_var *ev, size_t en)
{
	const rules_finding *f = rules_finding_get(r, code);
	const rules_document *d = doc >= 0 && (size_t)doc < r->ndocs ? &r->docs[doc] : NULL;
	const rules_language *l = lang >= 0 && (size_t)lang < r->nlangs ? &r->langs[lang] : NULL;
	rules_var z[CHECK_MAX_VARS + 9], e[CHECK_MAX_VARS + 9];
	size_t nz = 0, ne = 0;
	char *mz, *me;
	int sev;
	for (size_t i = 0; i < zn && i < CHECK_MAX_VARS; i++)
		add_var(z, &nz, zv[i].name, zv[i].value);
	for (size_t i = 0; i < en && i < CHECK_MAX_VARS; i++)
		add_var(e, &ne, ev[i].name, ev[i].value);
	add_var(z, &nz, "document", d ? d->name_zh : "");
	add_var(e, &ne, "document", d ? d->name_en : "");
	add_var(z, &nz, "language", l ? l->name_zh : "");
	add_var(e, &ne, "language", l ? l->name_en : "");
	add_var(z, &nz, "template", d ? d->template_zh : "");
	add_var(e, &ne, "template", d ? d->template_en : "");
	for (int k = 0; k < 2; k++) {
		rules_var *v = k ? e : z;
		size_t *n = k ? &ne : &nz;
		add_var(v, n, "document_zh", d ? d->name_zh : "");
		add_var(v, n, "document_en", d ? d->name_en : "");
		add_var(v, n, "language_zh", l ? l->name_zh : "");
		add_var(v, n, "language_en", l ? l->name_en : "");
		add_var(v, n, "template_zh", d ? d->template_zh : "");
		add_var(v, n, "template_en", d ? d->template_en : "");
	}
	if (f == NULL) {
		log_warn("finding %s is not in the catalogue", code);
		packet_add_finding(p, code, SEV_ERROR, doc, lang, code, code);
		return SEV_ERROR;
	}
	sev = f->severity;
	mz = render_pair(f->zh, f->fix_zh, z, nz);
	me = render_pair(f->en, f->fix_en, e, ne);
	packet_add_finding(p, code, (enum finding_severity)sev, doc, lang, mz, me);
	free(mz);
	free(me);
	return sev;
}

int check_add(packet *p, const rules *r, const char *code, int doc, int lang,
	      const rules_var *vars, size_t n)
{
	if (p == NULL || r == NULL || code == NULL || (vars == NULL && n > 0))
		return -1;
	add_finding(p, r, code, doc, lang, vars, n, vars, n);
	return 0;
}

/* Appends item to a ", "-joined list kept under CHECK_MAX_LIST. */
static void list_add(buf *b, const char *item, const char *sep)
{
	if (b->len + strlen(item) + strlen(sep) + 4 > CHECK_MAX_LIST) {
		if (b->len < 3 || strcmp(b->data + b->len - 3, "...") != 0)
			buf_adds(b, "...");
		return;
	}
	if (b->len > 0)
		buf_adds(b, sep);
	buf_adds(b, item);
}

/* ------------------------------------------------------------------ text */

static int is_han(uint32_t cp)
{
	return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
	       (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x2FFFF);
}

int check_text_language(const char *utf8, int *han, int *latin)
{
	size_t len, i = 0;
	long h = 0, l = 0;
	if (han)
		*han = 0;
	if (latin)
		*latin = 0;
	if (utf8 == NULL)
		return -1;
	len = strlen(utf8);
	while (i < len) {
		uint32_t cp;
		size_t n = util_utf8_next(utf8 + i, len - i, &cp);
		if (n == 0) {
			i++;
			continue;
		}
		i += n;
		if (is_han(cp))
			h++;
		else if ((cp < 0x80 && isalpha((int)cp)) ||
			 (cp >= 0xC0 && cp <= 0x24F && cp != 0xD7 && cp != 0xF7))
			l++;
		if (h >= 0x3FFFFFFF || l >= 0x3FFFFFFF)
			break;
	}
	if (han)
		*han = (int)h;
	if (latin)
		*latin = (int)l;
	return 0;
}

/* A Chinese form carries English words, codes such as CMES-01C and names in
 * Latin letters: ten Han characters, or one for every four Latin letters,
 * make it Chinese. An English text may quote a few Chinese names or
 * addresses: it must still have more than four Latin letters per Han one. */
static int looks_script(const char *script, int han, int latin)
{
	if (script && strcmp(script, "han") == 0)
		return han >= 10 || (han > 0 && (long)han * 4 >= latin);
	return latin > 4L * han;
}

/* The script the text is mostly in, for telling an unmarked file apart. */
static const char *main_script(int han, int latin)
{
	return (long)han * 4 >= latin ? "han" : "latin";
}

static int lang_of_script(const rules *r, const char *script, unsigned among)
{
	for (size_t l = 0; l < r->nlangs && l < RULES_MAX_LANGS; l++)
		if ((among & (1u << l)) && r->langs[l].script && strcmp(r->langs[l].script, script) == 0)
			return (int)l;
	return -1;
}

static int readable(const packet_file *f, int *han, int *latin)
{
	check_text_language(f->text, han, latin);
	return f->text != NULL && *han + *latin >= CHECK_MIN_LETTERS;
}

/* Lower-cased ASCII, '-' read as a blank, blanks collapsed: the annexes
 * break phrases across lines and cells. */
static char *normalise(const char *s)
{
	char *o = xcalloc(strlen(s) + 2, 1), *q = o;
	int space = 1;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		int c = *p;
		if (c == 0xC2 && p[1] == 0xA0) { /* no-break space */
			p++;
			c = ' ';
		}
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v' || c == '-') {
			if (!space)
				*q++ = ' ';
			space = 1;
			continue;
		}
		*q++ = (char)(c < 0x80 ? tolower(c) : c);
		space = 0;
	}
	if (q > o && q[-1] == ' ')
		q--;
	*q = '\0';
	return o;
}

/* ---------------------------------------------------------- file checks */

/* Plain text may be sniffed as either: a .csv holding text is no lie. */
static int same_type(const char *a, const char *b)
{
	int ta = strcmp(a, "csv") == 0 || strcmp(a, "txt") == 0;
	int tb = strcmp(b, "csv") == 0 || strcmp(b, "txt") == 0;
	return strcmp(a, b) == 0 || (ta && tb);
}

/* Integrity and type of one recognised file; returns 1 when an error was
 * found (the file then counts as no copy). */
static int check_file(packet *p, const rules *r, size_t i)
{
	packet_file *f = &p->files[i];
	const char *ext = f->name ? sniff_type_of_name(f->name) : NULL;
	const rules_document *d = &r->docs[f->doc];
	rules_var v[3] = { { "file", f->name ? f->name : "" }, { "expected", "" }, { "actual", f->type } };
	int bad = 0;
	if (f->size == 0 || strcmp(f->type, "empty") == 0)
		return add_finding(p, r, "file_empty", f->doc, f->lang, v, 1, v, 1) == SEV_ERROR;
	if (f->encrypted)
		bad |= add_finding(p, r, "file_encrypted", f->doc, f->lang, v, 1, v, 1) == SEV_ERROR;
	if (f->damaged)
		bad |= add_finding(p, r, "file_damaged", f->doc, f->lang, v, 1, v, 1) == SEV_ERROR;
	if (ext && f->type[0] && !same_type(ext, f->type)) {
		v[1].value = ext;
		bad |= add_finding(p, r, "type_mismatch", f->doc, f->lang, v, 3, v, 3) == SEV_ERROR;
	} else if (f->type[0] && !strlist_contains(&d->types, f->type)) {
		buf b;
		buf_init(&b, CHECK_MAX_LIST + 16);
		for (size_t k = 0; k < d->types.n; k++)
			list_add(&b, d->types.items[k], ", ");
		v[1].value = b.data ? b.data : "";
		bad |= add_finding(p, r, "type_not_accepted", f->doc, f->lang, v, 3, v, 3) == SEV_ERROR;
		buf_free(&b);
	}
	return bad;
}

/* Language by content: an unmarked file takes it from its text; a marked
 * one must be written in its language's script. Returns 1 on an error. */
static int check_language(packet *p, const rules *r, size_t i)
{
	packet_file *f = &p->files[i];
	rules_var v[2] = { { "file", f->name ? f->name : "" }, { "actual", "" } };
	rules_var w[2] = { { "file", f->name ? f->name : "" }, { "actual", "" } };
	int han, latin, ok = readable(f, &han, &latin), a;
	if (f->lang < 0) {
		if (ok)
			f->lang = lang_of_script(r, main_script(han, latin), r->docs[f->doc].langs);
		if (f->lang < 0)
			return add_finding(p, r, "language_unknown", f->doc, -1, v, 1, v, 1) == SEV_ERROR;
		return 0;
	}
	if (!ok || (size_t)f->lang >= r->nlangs ||
	    looks_script(r->langs[f->lang].script, han, latin))
		return 0;
	a = lang_of_script(r, main_script(han, latin), ~0u);
	if (a >= 0) {
		v[1].value = r->langs[a].name_zh;
		w[1].value = r->langs[a].name_en;
	}
	return add_finding(p, r, "language_mismatch", f->doc, f->lang, v, 2, w, 2) == SEV_ERROR;
}

/* ------------------------------------------------------ presence, copies */

static void check_presence(packet *p, const rules *r, const unsigned char *bad)
{
	free(p->slots);
	p->slots = NULL;
	p->nslots = 0;
	for (size_t d = 0; d < r->ndocs; d++)
		for (size_t l = 0; l < r->nlangs && l < RULES_MAX_LANGS; l++) {
			packet_slot *s;
			char found[16], req[16];
			rules_var v[3] = { { "found", found }, { "copies", found }, { "required", req } };
			const char *code = NULL;
			size_t first = p->nfiles;
			int differ = 0, same_text = 1;
			if (!(r->docs[d].langs & (1u << l)))
				continue;
			p->slots = xrealloc(p->slots, (p->nslots + 1) * sizeof *p->slots);
			s = &p->slots[p->nslots++];
			s->doc = (int)d;
			s->lang = (int)l;
			s->copies = 0;
			s->required = r->docs[d].copies;
			for (size_t i = 0; i < p->nfiles; i++) {
				const packet_file *f = &p->files[i];
				if (f->ignored || bad[i] || f->doc != (int)d || f->lang != (int)l)
					continue;
				s->copies++;
				if (first == p->nfiles) {
					first = i;
					continue;
				}
				if (strcmp(f->sha256, p->files[first].sha256) != 0) {
					differ = 1;
					if (!f->text || !p->files[first].text ||
					    strcmp(f->text, p->files[first].text) != 0)
						same_text = 0;
				}
			}
			snprintf(found, sizeof found, "%d", s->copies);
			snprintf(req, sizeof req, "%d", s->required);
			if (s->copies == 0)
				code = "missing_document";
			else if (s->copies < s->required)
				code = "missing_copies";
			else if (s->copies > s->required)
				code = "extra_copies";
			if (code)
				add_finding(p, r, code, (int)d, (int)l, v, 3, v, 3);
			if (differ && !same_text) {
				buf b;
				rules_var fv[2] = { { "detail", "" }, { "file", "" } };
				buf_init(&b, CHECK_MAX_LIST + 16);
				for (size_t i = 0; i < p->nfiles; i++) {
					const packet_file *f = &p->files[i];
					if (!f->ignored && !bad[i] && f->doc == (int)d && f->lang == (int)l)
						list_add(&b, f->name ? f->name : "", ", ");
				}
				fv[0].value = fv[1].value = b.data ? b.data : "";
				add_finding(p, r, "copies_differ", (int)d, (int)l, fv, 2, fv, 2);
				buf_free(&b);
			}
		}
}

/* True when an earlier file of the same document has the same bytes: its
 * content findings were already made once. */
static int seen_before(const packet *p, size_t i)
{
	for (size_t k = 0; k < i; k++)
		if (!p->files[k].ignored && p->files[k].doc == p->files[i].doc &&
		    p->files[i].sha256[0] && strcmp(p->files[k].sha256, p->files[i].sha256) == 0)
			return 1;
	return 0;
}

/* ------------------------------------------------------- cross-reference */

static const char *effective_target(const packet *p, const check_options *opt)
{
	if (opt && opt->target && opt->target[0])
		return opt->target;
	return p->app.target;
}

/* Marks competence code letter+number (e.g. "B", "3") as present. */
static void mark_competence(const rules *r, unsigned char *have, char letter, const char *num, size_t nl)
{
	char code[8];
	if (nl == 0 || nl > 2)
		return;
	snprintf(code, sizeof code, "%c%.*s", letter, (int)nl, num);
	for (size_t k = 0; k < r->competences.n; k++)
		if (strcasecmp(r->competences.items[k], code) == 0)
			have[k] = 1;
}

static int all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return n > 0;
}

/* Competences present as tokens ("A1") or in the annexes' table layout:
 * a row whose first cell is a letter A–E sets the current letter and a
 * following number cell (same row or the next rows' first cell) forms the
 * code. Cells are tab-separated; a PDF text layer uses blanks. */
static void find_competences(const rules *r, const char *text, unsigned char *have)
{
	const char *p = text;
	char cur = 0;
	size_t len = strlen(text);
	for (size_t i = 0; i + 1 < len; i++) {
		unsigned char c = (unsigned char)text[i];
		size_t n = 0;
		if (!isalpha(c) || (i > 0 && isalnum((unsigned char)text[i - 1])))
			continue;
		while (i + 1 + n < len && isdigit((unsigned char)text[i + 1 + n]))
			n++;
		if (n > 0 && !isalpha((unsigned char)text[i + 1 + n]))
			mark_competence(r, have, (char)toupper(c), text + i + 1, n);
	}
	while (*p) {
		const char *eol = strchr(p, '\n'), *t1, *t2;
		size_t n1, n2;
		if (eol == NULL)
			eol = p + strlen(p);
		t1 = p;
		while (t1 < eol && isspace((unsigned char)*t1))
			t1++;
		n1 = 0;
		while (t1 + n1 < eol && !isspace((unsigned char)t1[n1]))
			n1++;
		t2 = t1 + n1;
		while (t2 < eol && isspace((unsigned char)*t2))
			t2++;
		n2 = 0;
		while (t2 + n2 < eol && !isspace((unsigned char)t2[n2]))
			n2++;
		if (n1 == 1 && *t1 >= 'A' && *t1 <= 'Z') {
			cur = *t1;
			if (all_digits(t2, n2))
				mark_competence(r, have, cur, t2, n2);
		} else if (cur && all_digits(t1, n1)) {
			mark_competence(r, have, cur, t1, n1);
		}
		p = *eol ? eol + 1 : eol;
	}
}

/* The part of a template text that names one target: "Annex 5 (CEng)" out
 * of "Annex 5 (CEng) or Annex 6 (IEng)"; the whole text when no part does. */
static char *template_part(const char *tmpl, const char *target)
{
	static const char *const seps[] = { "或", "、", "，", ", ", " or ", ";" };
	const char *t = tmpl ? tmpl : "", *start = t, *hit = NULL;
	size_t tl = strlen(target);
	for (const char *q = t; *q && !hit; q++)
		if (strncmp(q, target, tl) == 0 && (q == t || !isalnum((unsigned char)q[-1])) &&
		    !isalnum((unsigned char)q[tl]))
			hit = q;
	if (hit == NULL || tl == 0)
		return xstrdup(t);
	for (const char *q = t; q < hit; q++)
		for (size_t k = 0; k < sizeof seps / sizeof seps[0]; k++)
			if (strncmp(q, seps[k], strlen(seps[k])) == 0)
				start = q + strlen(seps[k]);
	for (const char *q = hit; *q; q++)
		for (size_t k = 0; k < sizeof seps / sizeof seps[0]; k++)
			if (strncmp(q, seps[k], strlen(seps[k])) == 0)
				return xstrndup(start, (size_t)(q - start));
	return xstrdup(start);
}

static void check_cross_reference(packet *p, const rules *r, size_t i, const check_options *opt)
{
	packet_file *f = &p->files[i];
	const char *target = effective_target(p, opt);
	rules_var v[6] = { { "file", f->name ? f->name : "" }, { "expected", "" }, { "actual", "" },
			   { "expected_annex", "" }, { "actual_annex", "" }, { "target", "" } };
	char ea[16], aa[16];
	int han, latin, vt = -1, other = -1;
	char *norm;
	unsigned char *have;
	buf miss;
	if (f->text == NULL)
		return;
	norm = normalise(f->text);
	for (size_t k = 0; target && k < r->nvariants; k++)
		if (strcasecmp(r->variants[k].target, target) == 0)
			vt = (int)k;
	for (size_t k = 0; vt >= 0 && k < r->nvariants; k++) {
		int hit = 0;
		for (size_t ph = 0; ph < r->variants[k].phrases.n && !hit; ph++) {
			char *np = normalise(r->variants[k].phrases.items[ph]);
			hit = np[0] && strstr(norm, np) != NULL;
			free(np);
		}
		if (hit && (int)k == vt) {
			other = -1;
			break;
		}
		if (hit && other < 0)
			other = (int)k;
	}
	if (vt >= 0 && other >= 0) {
		const rules_document *d = &r->docs[f->doc];
		char *ez = template_part(d->template_zh, r->variants[vt].target);
		char *ee = template_part(d->template_en, r->variants[vt].target);
		rules_var w[6];
		snprintf(ea, sizeof ea, "%d", r->variants[vt].annex);
		snprintf(aa, sizeof aa, "%d", r->variants[other].annex);
		v[1].value = r->variants[vt].target;
		v[2].value = r->variants[other].target;
		v[3].value = ea;
		v[4].value = aa;
		v[5].value = r->variants[vt].target;
		memcpy(w, v, sizeof w);
		v[1].value = ez;
		w[1].value = ee;
		add_finding(p, r, "cross_reference_variant", f->doc, f->lang, v, 6, w, 6);
		free(ez);
		free(ee);
	}
	free(norm);
	if (!readable(f, &han, &latin) || r->competences.n == 0)
		return;
	have = xcalloc(r->competences.n, 1);
	find_competences(r, f->text, have);
	buf_init(&miss, CHECK_MAX_LIST + 16);
	for (size_t k = 0; k < r->competences.n; k++)
		if (!have[k])
			list_add(&miss, r->competences.items[k], ", ");
	if (miss.len > 0) {
		rules_var m[2] = { { "file", f->name ? f->name : "" }, { "detail", miss.data } };
		add_finding(p, r, "cross_reference_competences", f->doc, f->lang, m, 2, m, 2);
	}
	buf_free(&miss);
	free(have);
}

/* ------------------------------------------------------------ CPD record */

/* Days since 1970-01-01 to a civil date (H. Hinnant's algorithm). */
static long civil_from_days(long z)
{
	long era, doe, yoe, y, doy, mp, d, m;
	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	return (y + (m <= 2)) * 10000 + m * 100 + d;
}

static size_t read_num(const char *s, long *v, size_t max)
{
	size_t n = 0;
	*v = 0;
	while (n < max && isdigit((unsigned char)s[n]))
		*v = *v * 10 + (s[n++] - '0');
	return isdigit((unsigned char)s[n]) ? 0 : n;
}

static size_t date_sep(const char *s)
{
	if (*s == '-' || *s == '/' || *s == '.')
		return 1;
	if (strncmp(s, "年", 3) == 0 || strncmp(s, "月", 3) == 0)
		return 3;
	return 0;
}

/* A separator then a number of at most max digits: bytes used, or 0. */
static size_t sep_num(const char *s, long *v, size_t max)
{
	size_t k = date_sep(s), n;
	if (k == 0)
		return 0;
	n = read_num(s + k, v, max);
	return n ? k + n : 0;
}

int check_parse_date(const char *s, long *lo, long *hi)
{
	long a, b = 0, c = 0;
	size_t n, k;
	if (s == NULL || lo == NULL || hi == NULL)
		return -1;
	while (isspace((unsigned char)*s))
		s++;
	n = read_num(s, &a, 9);
	if (n == 0)
		return -1;
	s += n;
	if (n == 5 && (*s == '\0' || *s == '.') && a >= 20000 && a <= 80000) {
		/* Excel's day 1 is 1900-01-01 with its phantom 1900-02-29: day
		 * 25569 is 1970-01-01. */
		*lo = *hi = civil_from_days(a - 25569);
		return 0;
	}
	if (n == 8) {
		b = a / 100 % 100;
		c = a % 100;
		a /= 10000;
	} else if (n == 4) {
		k = sep_num(s, &b, 2);
		if (k == 0)
			b = c = 0;
		else
			sep_num(s + k, &c, 2);
	} else if (n <= 2) {
		long d = a;
		k = sep_num(s, &b, 2);
		if (k == 0 || sep_num(s + k, &a, 4) != date_sep(s + k) + 4)
			return -1;
		c = d;
	} else {
		return -1;
	}
	if (a < 1900 || a > 2999 || b < 0 || b > 12 || c < 0 || c > 31 || (b == 0 && c != 0))
		return -1;
	*lo = a * 10000 + (b ? b : 1) * 100 + (c ? c : 1);
	*hi = a * 10000 + (b ? b : 12) * 100 + (c ? c : 31);
	return 0;
}

/* Hours: a plain non-negative decimal number ("8", "1.5", "1,5"). */
static int parse_hours(const char *s, double *out)
{
	char tmp[32], *end;
	size_t n;
	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	if (n == 0 || n >= sizeof tmp)
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (tmp[i] == ',')
			tmp[i] = '.';
		if (!isdigit((unsigned char)tmp[i]) && tmp[i] != '.')
			return -1;
	}
	*out = strtod(tmp, &end);
	return *end == '\0' && *out >= 0 && *out <= CHECK_MAX_HOURS ? 0 : -1;
}

/* Tab-separated lines (the text of DOCX/XLSX/ODT tables) as a table. */
static void tsv_table(const char *text, csv_table *t)
{
	const char *p = text;
	memset(t, 0, sizeof *t);
	while (*p && t->nrows < CHECK_MAX_TABLE_ROWS) {
		const char *eol = strchr(p, '\n');
		size_t nc = 0;
		char **row = NULL;
		if (eol == NULL)
			eol = p + strlen(p);
		for (const char *c = p; c <= eol && nc < CHECK_MAX_TABLE_COLS;) {
			const char *e = c;
			while (e < eol && *e != '\t')
				e++;
			row = xrealloc(row, (nc + 1) * sizeof *row);
			row[nc] = xstrndup(c, (size_t)(e - c));
			util_trim(row[nc]);
			nc++;
			c = e + 1;
		}
		t->rows = xrealloc(t->rows, (t->nrows + 1) * sizeof *t->rows);
		t->ncols = xrealloc(t->ncols, (t->nrows + 1) * sizeof *t->ncols);
		t->rows[t->nrows] = row;
		t->ncols[t->nrows] = nc;
		t->nrows++;
		p = *eol ? eol + 1 : eol;
	}
}

static const char *cell(const csv_table *t, size_t row, long col)
{
	if (col < 0 || (size_t)col >= t->ncols[row])
		return "";
	return t->rows[row][col];
}

/* A header cell names column c when either holds the other ("CPD Claimed
 * hours" / "Hours", "Initials of ES/RP*"). */
static int column_match(const char *cellv, const char *col)
{
	char *n = normalise(cellv);
	size_t l = strlen(n);
	int ok;
	while (l > 0 && (n[l - 1] == '*' || n[l - 1] == ':' || n[l - 1] == ' '))
		n[--l] = '\0';
	ok = l > 0 && (strstr(n, col) != NULL || (l >= 4 && strstr(col, n) != NULL));
	free(n);
	return ok;
}

static size_t header_score(const csv_table *t, size_t row, const strlist *cols, long *idx)
{
	size_t score = 0;
	for (size_t c = 0; c < cols->n; c++) {
		idx[c] = -1;
		for (size_t j = 0; j < t->ncols[row] && idx[c] < 0; j++)
			if (column_match(t->rows[row][j], cols->items[c])) {
				idx[c] = (long)j;
				score++;
			}
	}
	return score;
}

static void check_cpd_rows(packet *p, const rules *r, const packet_file *f, const csv_table *t,
			   size_t header, const long *idx, size_t ncols, const check_options *opt)
{
	char today_s[32], from_s[32], total_s[32], entries_s[16], years_s[16];
	long today, from;
	double total = 0;
	int entries = 0, reported = 0;
	time_t now = opt && opt->now ? opt->now : clock_now();
	long dcol = ncols > 0 ? idx[0] : -1, hcol = ncols > 3 ? idx[3] : -1;
	if (clock_format(now, NULL, "%Y%m%d", today_s, sizeof today_s) != 0)
		return;
	today = strtol(today_s, NULL, 10);
	from = today - (long)r->cpd_years * 10000;
	snprintf(from_s, sizeof from_s, "%04ld-%02ld-%02ld", from / 10000, from / 100 % 100, from % 100);
	snprintf(today_s, sizeof today_s, "%04ld-%02ld-%02ld", today / 10000, today / 100 % 100, today % 100);
	snprintf(years_s, sizeof years_s, "%d", r->cpd_years);
	for (size_t i = header + 1; i < t->nrows; i++) {
		char rowno[24], detail[160];
		const char *date = cell(t, i, dcol), *hours = cell(t, i, hcol);
		int filled = 0, has_digit = 0;
		long lo, hi;
		double h;
		rules_var v[8] = { { "file", f->name ? f->name : "" }, { "detail", detail }, { "row", rowno },
				   { "date", date }, { "value", hours }, { "from", from_s }, { "to", today_s },
				   { "years", years_s } };
		for (size_t j = 0; j < t->ncols[i]; j++)
			filled += t->rows[i][j][0] != '\0';
		/* Blank template rows and one-cell notes (the annex's "ES =
		 * Engineering Supervisor" line) are no entries. */
		if (filled < 2)
			continue;
		for (const char *q = date; *q; q++)
			has_digit |= isdigit((unsigned char)*q) != 0;
		/* A row labelled in its date cell ("Total", "合计") sums, not claims. */
		if (date[0] && !has_digit)
			continue;
		snprintf(rowno, sizeof rowno, "%zu", i + 1);
		entries++;
		/* The row is named as the spreadsheet shows it: "#7 (2019-05-02)". */
		snprintf(detail, sizeof detail, "#%zu (%.120s)", i + 1, date);
		if (dcol >= 0 && date[0] && reported < CHECK_MAX_ROW_FINDINGS &&
		    (check_parse_date(date, &lo, &hi) != 0 || hi < from || lo > today)) {
			add_finding(p, r, "cpd_entry_out_of_range", f->doc, f->lang, v, 8, v, 8);
			reported++;
		}
		if (hcol < 0)
			continue;
		snprintf(detail, sizeof detail, "#%zu (%.120s)", i + 1, hours);
		if (parse_hours(hours, &h) != 0) {
			if (reported++ < CHECK_MAX_ROW_FINDINGS)
				add_finding(p, r, "cpd_hours_invalid", f->doc, f->lang, v, 8, v, 8);
		} else
			total += h;
	}
	if (hcol < 0)
		return;
	snprintf(total_s, sizeof total_s, "%.1f", total);
	if (strlen(total_s) > 2 && strcmp(total_s + strlen(total_s) - 2, ".0") == 0)
		total_s[strlen(total_s) - 2] = '\0';
	snprintf(entries_s, sizeof entries_s, "%d", entries);
	{
		rules_var v[4] = { { "file", f->name ? f->name : "" }, { "total", total_s },
				   { "entries", entries_s }, { "years", years_s } };
		add_finding(p, r, "cpd_total", f->doc, f->lang, v, 4, v, 4);
	}
}

static void check_cpd(packet *p, const rules *r, size_t i, const check_options *opt)
{
	const packet_file *f = &p->files[i];
	const strlist *sets[2] = { &r->cpd_columns_en, &r->cpd_columns_zh };
	int zh = rules_lang_index(r, "zh"), en = rules_lang_index(r, "en");
	csv_table t;
	char err[128];
	long idx[2][CHECK_MAX_TABLE_COLS], *best = NULL;
	size_t header = 0, score = 0, bestset = 0;
	if (f->text == NULL || !(strcmp(f->type, "csv") == 0 || strcmp(f->type, "txt") == 0 ||
				 strcmp(f->type, "xlsx") == 0 || strcmp(f->type, "docx") == 0 ||
				 strcmp(f->type, "odt") == 0))
		return;
	if (strcmp(f->type, "xlsx") == 0 || strcmp(f->type, "docx") == 0 ||
	    strcmp(f->type, "odt") == 0 || csv_parse(f->text, strlen(f->text), &t, err, sizeof err) != 0)
		tsv_table(f->text, &t);
	for (size_t s = 0; s < 2; s++) {
		/* Each language's file uses its own annex's columns; an unmarked
		 * file may use either. */
		if ((s == 0 && f->lang == zh && zh >= 0) || (s == 1 && f->lang == en && en >= 0) ||
		    sets[s]->n == 0 || sets[s]->n > CHECK_MAX_TABLE_COLS)
			continue;
		for (size_t row = 0; row < t.nrows && row < CHECK_HEADER_ROWS; row++) {
			size_t sc = header_score(&t, row, sets[s], idx[s]);
			if (sc > score) {
				score = sc;
				header = row;
				bestset = s;
			}
		}
	}
	if (score >= 2) {
		header_score(&t, header, sets[bestset], idx[bestset]);
		best = idx[bestset];
	}
	if (best == NULL || score < sets[bestset]->n) {
		buf b;
		const strlist *cols = best ? sets[bestset] : sets[f->lang == zh && zh >= 0];
		rules_var v[2] = { { "file", f->name ? f->name : "" }, { "detail", "" } };
		buf_init(&b, CHECK_MAX_LIST + 16);
		for (size_t c = 0; c < cols->n; c++)
			if (best == NULL || best[c] < 0)
				list_add(&b, cols->items[c], ", ");
		v[1].value = b.data ? b.data : "";
		add_finding(p, r, "cpd_columns", f->doc, f->lang, v, 2, v, 2);
		buf_free(&b);
	}
	if (best)
		check_cpd_rows(p, r, f, &t, header, best, sets[bestset]->n, opt);
	csv_table_free(&t);
}

/* ------------------------------------------------ applicant, eligibility */

static const char *const yes_no[] = { "yes", "no", NULL };
static const char *const soe_grades[] = { "member", "associate_member", NULL };
static const char *const soe_sectors[] = { "IRTE", "IPlantE", "BES", NULL };
static const char *const none_value[] = { "none", NULL };

static int in_set(const char *v, const strlist *l, const char *const *extra)
{
	for (size_t i = 0; l && i < l->n; i++)
		if (strcasecmp(v, l->items[i]) == 0)
			return 1;
	for (size_t i = 0; extra && extra[i]; i++)
		if (strcasecmp(v, extra[i]) == 0)
			return 1;
	return 0;
}

static const char *field_value(const packet *p, const char *name, const check_options *opt)
{
	const char *v = strcmp(name, "target") == 0 ? effective_target(p, opt) : applicant_get(&p->app, name);
	while (v && isspace((unsigned char)*v))
		v++;
	return v && *v ? v : NULL;
}

/* Checks one enumerated field; returns 1 when it holds an allowed value. */
static int check_enum(packet *p, const rules *r, const char *name, const strlist *l,
		      const char *const *extra, const check_options *opt)
{
	const char *v = field_value(p, name, opt);
	buf b;
	if (v == NULL)
		return 0;
	if (in_set(v, l, extra))
		return 1;
	buf_init(&b, CHECK_MAX_LIST + 16);
	for (size_t i = 0; l && i < l->n; i++)
		list_add(&b, l->items[i], " | ");
	for (size_t i = 0; extra && extra[i]; i++)
		list_add(&b, extra[i], " | ");
	{
		rules_var vars[3] = { { "field", name }, { "value", v }, { "expected", b.data ? b.data : "" } };
		add_finding(p, r, "manifest_field_invalid", -1, -1, vars, 3, vars, 3);
	}
	buf_free(&b);
	return 0;
}

static void check_applicant(packet *p, const rules *r, const check_options *opt)
{
	const char *grade, *qual, *se, *target, *prov;
	int ok_grade, ok_qual, ok_se, ok_target, path1;
	char detail[512];
	const char *src = opt && opt->from_email ? "email" : "manifest";
	for (size_t i = 0; i < r->required_fields.n; i++) {
		const char *name = r->required_fields.items[i];
		rules_var v[2] = { { "field", name }, { "source", src } };
		if (field_value(p, name, opt) == NULL)
			add_finding(p, r, "manifest_field_missing", -1, -1, v, 2, v, 2);
	}
	ok_grade = check_enum(p, r, "cmes_grade", &r->grades, none_value, opt);
	ok_qual = check_enum(p, r, "cmes_qualification", &r->qualifications, none_value, opt);
	ok_se = check_enum(p, r, "senior_engineer", NULL, yes_no, opt);
	ok_target = check_enum(p, r, "target", &r->targets, NULL, opt);
	check_enum(p, r, "soe_grade", NULL, soe_grades, opt);
	check_enum(p, r, "soe_sector", NULL, soe_sectors, opt);

	grade = field_value(p, "cmes_grade", opt);
	qual = field_value(p, "cmes_qualification", opt);
	se = field_value(p, "senior_engineer", opt);
	target = field_value(p, "target", opt);
	prov = field_value(p, "province", opt);
	/* Missing or invalid fields were reported above; judging eligibility
	 * on them would only repeat it. */
	if (!ok_grade || !ok_qual || (se && !ok_se))
		return;
	path1 = in_set(grade, &r->grades, NULL) && in_set(qual, &r->qualifications, NULL);
	if (path1)
		return;
	if (se && strcasecmp(se, "yes") == 0) {
		if (!ok_target || prov == NULL)
			return;
		if (in_set(target, &r->senior_engineer_targets, NULL))
			return;
		snprintf(detail, sizeof detail, "senior_engineer=yes; target=%s", target);
		{
			rules_var v[2] = { { "target", target }, { "detail", detail } };
			add_finding(p, r, "senior_engineer_ceng_only", -1, -1, v, 2, v, 2);
		}
		return;
	}
	detail[0] = '\0';
	if (!in_set(grade, &r->grades, NULL))
		snprintf(detail, sizeof detail, "cmes_grade=%s", grade);
	if (!in_set(qual, &r->qualifications, NULL))
		snprintf(detail + strlen(detail), sizeof detail - strlen(detail), "%scmes_qualification=%s",
			 detail[0] ? "; " : "", qual);
	{
		rules_var v[1] = { { "detail", detail } };
		add_finding(p, r, "not_eligible", -1, -1, v, 1, v, 1);
	}
}

/* ------------------------------------------------------------------ all */

int check_packet(packet *p, const rules *r, const check_options *opt)
{
	unsigned char *bad;
	int relabel = 0;
	if (p == NULL || r == NULL)
		return -1;
	if (p->outcome == PACKET_REJECTED)
		return 0;
	bad = p->nfiles ? xcalloc(p->nfiles, 1) : NULL;
	for (size_t i = 0; i < p->nfiles; i++) {
		packet_file *f = &p->files[i];
		int was = f->lang;
		if (f->ignored || f->doc < 0 || (size_t)f->doc >= r->ndocs)
			continue;
		bad[i] = (unsigned char)check_file(p, r, i);
		if (!bad[i])
			bad[i] = (unsigned char)check_language(p, r, i);
		relabel |= was < 0 && f->lang >= 0;
	}
	if (relabel)
		classify_assign_copies(p);
	check_presence(p, r, bad);
	for (size_t i = 0; i < p->nfiles; i++) {
		const packet_file *f = &p->files[i];
		if (f->ignored || f->doc < 0 || bad[i] || seen_before(p, i))
			continue;
		if (f->doc == r->cross_reference_doc)
			check_cross_reference(p, r, i, opt);
		if (f->doc == r->cpd_doc)
			check_cpd(p, r, i, opt);
	}
	check_applicant(p, r, opt);
	p->outcome = packet_has_errors(p) ? PACKET_INCOMPLETE : PACKET_COMPLETE;
	free(bad);
	return 0;
}
