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
#include "check_p.h"
#include "util.h"

/* Appends item to a ", "-joined list kept under CHECK_MAX_LIST. */
void check_list_add(buf *b, const char *item, const char *sep)
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
		size_t n;
		unsigned char c = (unsigned char)utf8[i];
		if (c < 0x80) {   /* ASCII, most of an English text: no decoding */
			l += (unsigned char)((c | 0x20) - 'a') < 26;
			i++;
			if (l >= 0x3FFFFFFF)
				break;
			continue;
		}
		n = util_utf8_next(utf8 + i, len - i, &cp);
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

int check_readable(const packet_file *f, int *han, int *latin)
{
	check_text_language(f->text, han, latin);
	return f->text != NULL && *han + *latin >= CHECK_MIN_LETTERS;
}

/* Lower-cased ASCII, '-' read as a blank, blanks collapsed: the annexes
 * break phrases across lines and cells. */
char *check_normalise(const char *s)
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
		*q++ = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
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
		return finding_add_zh_en(p, r, "file_empty", f->doc, f->lang, v, 1, v, 1) == SEV_ERROR;
	if (f->encrypted)
		bad |= finding_add_zh_en(p, r, "file_encrypted", f->doc, f->lang, v, 1, v, 1) == SEV_ERROR;
	if (f->damaged)
		bad |= finding_add_zh_en(p, r, "file_damaged", f->doc, f->lang, v, 1, v, 1) == SEV_ERROR;
	if (ext && f->type[0] && !same_type(ext, f->type)) {
		v[1].value = ext;
		bad |= finding_add_zh_en(p, r, "type_mismatch", f->doc, f->lang, v, 3, v, 3) == SEV_ERROR;
	} else if (f->type[0] && !strlist_contains(&d->types, f->type)) {
		buf b;
		buf_init(&b, CHECK_MAX_LIST + 16);
		for (size_t k = 0; k < d->types.n; k++)
			check_list_add(&b, d->types.items[k], ", ");
		v[1].value = b.data ? b.data : "";
		bad |= finding_add_zh_en(p, r, "type_not_accepted", f->doc, f->lang, v, 3, v, 3) == SEV_ERROR;
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
	int han, latin, ok = check_readable(f, &han, &latin), a;
	if (f->lang < 0) {
		if (ok)
			f->lang = lang_of_script(r, main_script(han, latin), r->docs[f->doc].langs);
		if (f->lang < 0)
			return finding_add_zh_en(p, r, "language_unknown", f->doc, -1, v, 1, v, 1) == SEV_ERROR;
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
	return finding_add_zh_en(p, r, "language_mismatch", f->doc, f->lang, v, 2, w, 2) == SEV_ERROR;
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
				finding_add_zh_en(p, r, code, (int)d, (int)l, v, 3, v, 3);
			if (differ && !same_text) {
				buf b;
				rules_var fv[2] = { { "detail", "" }, { "file", "" } };
				buf_init(&b, CHECK_MAX_LIST + 16);
				for (size_t i = 0; i < p->nfiles; i++) {
					const packet_file *f = &p->files[i];
					if (!f->ignored && !bad[i] && f->doc == (int)d && f->lang == (int)l)
						check_list_add(&b, f->name ? f->name : "", ", ");
				}
				fv[0].value = fv[1].value = b.data ? b.data : "";
				finding_add_zh_en(p, r, "copies_differ", (int)d, (int)l, fv, 2, fv, 2);
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

/* ------------------------------------------------ applicant, eligibility */

static const char *const yes_no[] = { "yes", "no", NULL };
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
	const char *v = strcmp(name, "target") == 0 ? check_target(p, opt) : applicant_get(&p->app, name);
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
		check_list_add(&b, l->items[i], " | ");
	for (size_t i = 0; extra && extra[i]; i++)
		check_list_add(&b, extra[i], " | ");
	{
		rules_var vars[3] = { { "field", name }, { "value", v }, { "expected", b.data ? b.data : "" } };
		finding_add_zh_en(p, r, "manifest_field_invalid", -1, -1, vars, 3, vars, 3);
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
			finding_add_zh_en(p, r, "manifest_field_missing", -1, -1, v, 2, v, 2);
	}
	ok_grade = check_enum(p, r, "cmes_grade", &r->grades, none_value, opt);
	ok_qual = check_enum(p, r, "cmes_qualification", &r->qualifications, none_value, opt);
	ok_se = check_enum(p, r, "senior_engineer", NULL, yes_no, opt);
	ok_target = check_enum(p, r, "target", &r->targets, NULL, opt);
	check_enum(p, r, "soe_grade", &r->soe_grades, NULL, opt);
	check_enum(p, r, "soe_sector", &r->soe_sectors, NULL, opt);

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
			finding_add_zh_en(p, r, "senior_engineer_ceng_only", -1, -1, v, 2, v, 2);
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
		finding_add_zh_en(p, r, "not_eligible", -1, -1, v, 1, v, 1);
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
	bad = xcalloc(p->nfiles + 1, 1);   /* never NULL, so no reader needs a check */
	for (size_t i = 0; i < p->nfiles; i++) {
		packet_file *f = &p->files[i];
		int was = f->lang;
		if (f->ignored || f->doc < 0 || (size_t)f->doc >= r->ndocs)
			continue;
		bad[i] = (unsigned char)check_file(p, r, i);
		if (!bad[i])
			bad[i] = (unsigned char)check_language(p, r, i);
		/* check_language may have set f->lang (through p) */
		// cppcheck-suppress incorrectLogicOperator
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
