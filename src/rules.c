/* rules.c — loads config/requirements.ini and the findings catalogue it names
 * (rules.h). Both are INI files read with inih through a line-counting reader
 * so that every error reads "file:line: key: reason"; unknown sections and
 * keys are errors, because a misspelt key that is silently ignored would
 * quietly change which packets are complete. */
#include "rules.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "initext.h"
#include "packet.h"

#define RULES_LINE_MAX 8192            /* longest line, bytes */
#define RULES_FILE_MAX (1024 * 1024)   /* a rules file larger than this is a mistake */
#define RULES_MAX_DOCS 64
#define RULES_MAX_FEES 512
#define RULES_MAX_FINDINGS 512
#define RULES_MAX_VARIANTS 8
#define RULES_RENDER_MAX (64 * 1024)   /* a message template cannot explode */

/* ---- loading */

enum rsec { RS_NONE, RS_SCHEME, RS_NAMES, RS_LANGUAGE, RS_DOCUMENT, RS_XREF, RS_CPD, RS_FEES,
	    RS_FEES_CMES, RS_FINDING, RS_RETENTION };

typedef struct rules_ctx {
	rules *r;
	const char *file;
	char *dir;
	initext *t;
	char *err;
	size_t errlen;
	int failed;
	char *findings_path;     /* from [scheme] findings */
	int in_findings;         /* parsing the catalogue */
	strlist seen;            /* "section\nkey" pairs already given */
	int defined_cpd_years, defined_hours;
	int section_line;        /* line of the current [section] header */
	/* Where each object's section starts, for completeness messages. */
	int lang_line[RULES_MAX_LANGS];
	int doc_line[RULES_MAX_DOCS];
	int variant_line[RULES_MAX_VARIANTS];
	int finding_line[RULES_MAX_FINDINGS];
	const char *requirements; /* path of requirements.ini */
} rules_ctx;

static void vfail_at(rules_ctx *x, const char *file, int line, const char *key, const char *fmt,
		     va_list ap)
{
	int n;
	if (x->failed)
		return;
	x->failed = 1;
	n = snprintf(x->err, x->errlen, "%s:%d: %s: ", file, line, key);
	if (n < 0 || (size_t)n >= x->errlen)
		return;
	vsnprintf(x->err + n, x->errlen - (size_t)n, fmt, ap);
}

static void fail(rules_ctx *x, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fail_at(rules_ctx *x, const char *file, int line, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void fail(rules_ctx *x, const char *key, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail_at(x, x->file, x->t ? x->t->line : 0, key, fmt, ap);
	va_end(ap);
}

static void fail_at(rules_ctx *x, const char *file, int line, const char *key, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail_at(x, file, line, key, fmt, ap);
	va_end(ap);
}

static enum rsec section_kind(const char *s, const char **sub)
{
	static const struct { const char *name; enum rsec k; } fixed[] = {
		{ "scheme", RS_SCHEME }, { "names", RS_NAMES }, { "cross_reference", RS_XREF },
		{ "cpd", RS_CPD }, { "fees", RS_FEES }, { "fees.cmes_membership", RS_FEES_CMES },
		{ "retention", RS_RETENTION },
	};
	*sub = NULL;
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		if (strcmp(s, fixed[i].name) == 0)
			return fixed[i].k;
	if (strncmp(s, "language.", 9) == 0 && s[9]) {
		*sub = s + 9;
		return RS_LANGUAGE;
	}
	if (strncmp(s, "document.", 9) == 0 && s[9]) {
		*sub = s + 9;
		return RS_DOCUMENT;
	}
	if (strncmp(s, "finding.", 8) == 0 && s[8]) {
		*sub = s + 8;
		return RS_FINDING;
	}
	return RS_NONE;
}

static void split_lower(strlist *l, const char *value)
{
	char *low = util_ascii_lower(value);
	strlist_split(l, low, ',');
	free(low);
}

static int parse_int(rules_ctx *x, const char *key, const char *value, long min, long max, long *out)
{
	if (util_parse_long(value, min, max, out) != 0) {
		fail(x, key, "\"%s\" is not a whole number from %ld to %ld", value, min, max);
		return -1;
	}
	return 0;
}

static int set_str(rules_ctx *x, const char *key, char **field, const char *value)
{
	if (*value == '\0') {
		fail(x, key, "empty value");
		return -1;
	}
	free(*field);
	*field = xstrdup(value);
	return 0;
}

static rules_language *lang_get(rules_ctx *x, const char *code)
{
	rules *r = x->r;
	int i = rules_lang_index(r, code);
	if (i >= 0)
		return &r->langs[i];
	if (r->nlangs >= RULES_MAX_LANGS) {
		fail(x, code, "more than %d languages", RULES_MAX_LANGS);
		return NULL;
	}
	x->lang_line[r->nlangs] = x->section_line;
	r->langs[r->nlangs].code = xstrdup(code);
	return &r->langs[r->nlangs++];
}

static rules_document *doc_get(rules_ctx *x, const char *code)
{
	rules *r = x->r;
	int i = rules_doc_index(r, code);
	rules_document *d;
	if (i >= 0)
		return &r->docs[i];
	if (r->ndocs >= RULES_MAX_DOCS) {
		fail(x, code, "more than %d documents", RULES_MAX_DOCS);
		return NULL;
	}
	x->doc_line[r->ndocs] = x->section_line;
	r->docs = xrealloc(r->docs, (r->ndocs + 1) * sizeof *r->docs);
	d = &r->docs[r->ndocs++];
	memset(d, 0, sizeof *d);
	d->code = xstrdup(code);
	return d;
}

static rules_variant *variant_get(rules_ctx *x, const char *target)
{
	rules *r = x->r;
	rules_variant *v;
	for (size_t i = 0; i < r->nvariants; i++)
		if (strcmp(r->variants[i].target, target) == 0)
			return &r->variants[i];
	if (r->nvariants >= RULES_MAX_VARIANTS) {
		fail(x, target, "more than %d variants", RULES_MAX_VARIANTS);
		return NULL;
	}
	x->variant_line[r->nvariants] = x->t ? x->t->line : 0;
	r->variants = xrealloc(r->variants, (r->nvariants + 1) * sizeof *r->variants);
	v = &r->variants[r->nvariants++];
	memset(v, 0, sizeof *v);
	v->target = xstrdup(target);
	return v;
}

static rules_finding *finding_get(rules_ctx *x, const char *code)
{
	rules *r = x->r;
	rules_finding *f;
	for (size_t i = 0; i < r->nfindings; i++)
		if (strcmp(r->findings[i].code, code) == 0)
			return &r->findings[i];
	if (r->nfindings >= RULES_MAX_FINDINGS) {
		fail(x, code, "more than %d findings", RULES_MAX_FINDINGS);
		return NULL;
	}
	x->finding_line[r->nfindings] = x->section_line;
	r->findings = xrealloc(r->findings, (r->nfindings + 1) * sizeof *r->findings);
	f = &r->findings[r->nfindings++];
	memset(f, 0, sizeof *f);
	f->code = xstrdup(code);
	f->severity = -1;
	return f;
}

static int add_fee(rules_ctx *x, const char *item, const char *value)
{
	rules *r = x->r;
	long amount;
	if (parse_int(x, item, value, 0, 100000000L, &amount) != 0)
		return -1;
	if (r->nfees >= RULES_MAX_FEES) {
		fail(x, item, "more than %d fees", RULES_MAX_FEES);
		return -1;
	}
	r->fees = xrealloc(r->fees, (r->nfees + 1) * sizeof *r->fees);
	r->fees[r->nfees].item = xstrdup(item);
	r->fees[r->nfees].amount = amount;
	r->nfees++;
	return 0;
}

/* Content types classify.c can tell apart (packet_file.type). */
static int known_type(const char *t)
{
	static const char *const types[] = { "pdf", "doc", "docx", "odt", "jpeg", "png", "tiff",
		"xlsx", "csv", "txt", "html", "zip", "rar", "7z", "gz" };
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strcmp(types[i], t) == 0)
			return 1;
	return 0;
}

static int key_scheme(rules_ctx *x, const char *k, const char *v)
{
	rules *r = x->r;
	long n;
	if (strcmp(k, "findings") == 0) {
		if (*v == '\0') {
			fail(x, k, "empty value");
			return -1;
		}
		free(x->findings_path);
		x->findings_path = util_resolve(x->dir, v);
		return 0;
	}
	if (strcmp(k, "cpd_years") == 0) {
		if (parse_int(x, k, v, 1, 50, &n) != 0)
			return -1;
		r->cpd_years = (int)n;
		x->defined_cpd_years = 1;
		return 0;
	}
	if (strcmp(k, "cpd_annual_hours") == 0) {
		if (parse_int(x, k, v, 0, 8760, &n) != 0)
			return -1;
		r->cpd_annual_hours = (int)n;
		x->defined_hours = 1;
		return 0;
	}
	strlist *l = strcmp(k, "grades") == 0 ? &r->grades
		: strcmp(k, "qualifications") == 0 ? &r->qualifications
		: strcmp(k, "targets") == 0 ? &r->targets
		: strcmp(k, "senior_engineer_targets") == 0 ? &r->senior_engineer_targets
		: strcmp(k, "soe_grades") == 0 ? &r->soe_grades
		: strcmp(k, "soe_sectors") == 0 ? &r->soe_sectors
		: strcmp(k, "required_fields") == 0 ? &r->required_fields : NULL;
	if (l == NULL) {
		fail(x, k, "unknown key in [scheme]");
		return -1;
	}
	strlist_split(l, v, ',');
	if (l == &r->required_fields) {
		for (size_t i = 0; i < l->n; i++) {
			size_t j = 0;
			while (j < APPLICANT_NFIELDS && strcmp(applicant_field_names[j], l->items[i]) != 0)
				j++;
			if (j == APPLICANT_NFIELDS) {
				fail(x, k, "\"%s\" is not a manifest field", l->items[i]);
				return -1;
			}
		}
	}
	return 0;
}

static int key_language(rules_ctx *x, const char *code, const char *k, const char *v)
{
	rules_language *l = lang_get(x, code);
	if (l == NULL)
		return -1;
	if (strcmp(k, "name_zh") == 0)
		return set_str(x, k, &l->name_zh, v);
	if (strcmp(k, "name_en") == 0)
		return set_str(x, k, &l->name_en, v);
	if (strcmp(k, "markers") == 0) {
		split_lower(&l->markers, v);
		return 0;
	}
	if (strcmp(k, "script") == 0) {
		if (strcmp(v, "han") != 0 && strcmp(v, "latin") != 0) {
			fail(x, k, "\"%s\" is not han or latin", v);
			return -1;
		}
		return set_str(x, k, &l->script, v);
	}
	fail(x, k, "unknown key in [language.%s]", code);
	return -1;
}

static int key_document(rules_ctx *x, const char *code, const char *k, const char *v)
{
	rules *r = x->r;
	rules_document *d = doc_get(x, code);
	long n;
	if (d == NULL)
		return -1;
	if (strcmp(k, "name_zh") == 0)
		return set_str(x, k, &d->name_zh, v);
	if (strcmp(k, "name_en") == 0)
		return set_str(x, k, &d->name_en, v);
	if (strcmp(k, "template_zh") == 0)
		return set_str(x, k, &d->template_zh, v);
	if (strcmp(k, "template_en") == 0)
		return set_str(x, k, &d->template_en, v);
	if (strcmp(k, "copies") == 0) {
		if (parse_int(x, k, v, 1, 10, &n) != 0)
			return -1;
		d->copies = (int)n;
		return 0;
	}
	if (strcmp(k, "keywords") == 0) {
		split_lower(&d->keywords, v);
		return 0;
	}
	if (strcmp(k, "types") == 0) {
		strlist_split(&d->types, v, ',');
		for (size_t i = 0; i < d->types.n; i++)
			if (!known_type(d->types.items[i])) {
				fail(x, k, "\"%s\" is not a content type packetd knows", d->types.items[i]);
				return -1;
			}
		return 0;
	}
	if (strcmp(k, "languages") == 0) {
		strlist l = { 0 };
		int rc = 0;
		strlist_split(&l, v, ',');
		d->langs = 0;
		for (size_t i = 0; i < l.n && rc == 0; i++) {
			int li = rules_lang_index(r, l.items[i]);
			if (li < 0) {
				fail(x, k, "language \"%s\" is not declared (declare [language.%s] before the documents)",
				     l.items[i], l.items[i]);
				rc = -1;
			} else {
				d->langs |= 1u << li;
			}
		}
		strlist_free(&l);
		return rc;
	}
	if (strncmp(k, "annex.", 6) == 0) {
		int li = rules_lang_index(r, k + 6);
		if (li < 0) {
			fail(x, k, "language \"%s\" is not declared (declare [language.%s] before the documents)",
			     k + 6, k + 6);
			return -1;
		}
		if (parse_int(x, k, v, 0, 99, &n) != 0)
			return -1;
		d->annex[li] = (int)n;
		return 0;
	}
	fail(x, k, "unknown key in [document.%s]", code);
	return -1;
}

static int key_xref(rules_ctx *x, const char *k, const char *v)
{
	rules_variant *var;
	long n;
	if (strcmp(k, "competences") == 0) {
		strlist_split(&x->r->competences, v, ',');
		return 0;
	}
	if (strncmp(k, "variant.", 8) == 0 && k[8]) {
		var = variant_get(x, k + 8);
		if (var == NULL)
			return -1;
		split_lower(&var->phrases, v);
		return 0;
	}
	if (strncmp(k, "annex.", 6) == 0 && k[6]) {
		if (parse_int(x, k, v, 1, 99, &n) != 0)
			return -1;
		var = variant_get(x, k + 6);
		if (var == NULL)
			return -1;
		var->annex = (int)n;
		return 0;
	}
	fail(x, k, "unknown key in [cross_reference]");
	return -1;
}

static int key_finding(rules_ctx *x, const char *code, const char *k, const char *v)
{
	rules_finding *f = finding_get(x, code);
	if (f == NULL)
		return -1;
	if (strcmp(k, "severity") == 0) {
		if (strcmp(v, "error") == 0)
			f->severity = SEV_ERROR;
		else if (strcmp(v, "warning") == 0)
			f->severity = SEV_WARNING;
		else if (strcmp(v, "info") == 0)
			f->severity = SEV_INFO;
		else {
			fail(x, k, "\"%s\" is not error, warning or info", v);
			return -1;
		}
		return 0;
	}
	if (strcmp(k, "zh") == 0)
		return set_str(x, k, &f->zh, v);
	if (strcmp(k, "en") == 0)
		return set_str(x, k, &f->en, v);
	if (strcmp(k, "fix_zh") == 0)
		return set_str(x, k, &f->fix_zh, v);
	if (strcmp(k, "fix_en") == 0)
		return set_str(x, k, &f->fix_en, v);
	fail(x, k, "unknown key in [finding.%s]", code);
	return -1;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	rules_ctx *x = user;
	const char *sub;
	enum rsec k = section_kind(section, &sub);
	char *pair;
	int rc;

	if (x->failed)
		return 0;
	if (k == RS_NONE || (k == RS_FINDING) != (x->in_findings != 0)) {
		fail(x, name, "unknown section [%s]", section);
		return 0;
	}
	pair = xcalloc(1, strlen(section) + strlen(name) + 2);
	sprintf(pair, "%s\n%s", section, name);
	if (strlist_contains(&x->seen, pair)) {
		free(pair);
		fail(x, name, "given twice in [%s]", section);
		return 0;
	}
	strlist_add(&x->seen, pair);
	free(pair);

	switch (k) {
	case RS_SCHEME: rc = key_scheme(x, name, value); break;
	case RS_NAMES:
		rc = 0;
		if (strcmp(name, "copy2_markers") == 0)
			split_lower(&x->r->copy2_markers, value);
		else if (strcmp(name, "annex_words") == 0)
			split_lower(&x->r->annex_words, value);
		else if (strcmp(name, "ignored") == 0)
			split_lower(&x->r->ignored_names, value);
		else {
			fail(x, name, "unknown key in [names]");
			rc = -1;
		}
		break;
	case RS_LANGUAGE: rc = key_language(x, sub, name, value); break;
	case RS_DOCUMENT: rc = key_document(x, sub, name, value); break;
	case RS_XREF: rc = key_xref(x, name, value); break;
	case RS_CPD:
		rc = 0;
		if (strcmp(name, "columns_en") == 0)
			split_lower(&x->r->cpd_columns_en, value);
		else if (strcmp(name, "columns_zh") == 0)
			split_lower(&x->r->cpd_columns_zh, value);
		else {
			fail(x, name, "unknown key in [cpd]");
			rc = -1;
		}
		break;
	case RS_FEES: rc = add_fee(x, name, value); break;
	case RS_FEES_CMES: {
		char *item = xcalloc(1, strlen(name) + sizeof "cmes_membership.");
		sprintf(item, "cmes_membership.%s", name);
		rc = add_fee(x, item, value);
		free(item);
		break;
	}
	case RS_FINDING: rc = key_finding(x, sub, name, value); break;
	case RS_RETENTION: {
		long n;
		rc = -1;
		if (strcmp(name, "documents_years") != 0)
			fail(x, name, "unknown key in [retention]");
		else if (parse_int(x, name, value, 1, 100, &n) == 0) {
			x->r->documents_years = (int)n;
			rc = 0;
		}
		break;
	}
	default: rc = -1; break;
	}
	return rc == 0 && !x->failed;
}

/* An empty [section] never reaches the handler: check section names here. */
static void on_section(void *user, const char *name, size_t len)
{
	rules_ctx *x = user;
	char *s = xstrndup(name, len);
	const char *sub;
	enum rsec k = section_kind(s, &sub);
	x->section_line = x->t ? x->t->line : 0;
	if (k == RS_NONE || (k == RS_FINDING) != (x->in_findings != 0))
		fail(x, s, "unknown section");
	free(s);
}

static int parse_file(rules_ctx *x, const char *path)
{
	initext t = { .on_section = on_section, .user = x };
	int rc = -1, irc;

	x->file = path;
	x->t = &t;
	irc = initext_run(&t, path, RULES_FILE_MAX, RULES_LINE_MAX, 1, handler, x);
	if (irc == INITEXT_READ) {
		snprintf(x->err, x->errlen, "%s: cannot read: %m", path);
		x->failed = 1;
		goto out;
	}
	if (x->failed)
		goto out;
	if (irc == INITEXT_LINE) {
		fail(x, "line", "longer than %d bytes or holds a NUL byte", RULES_LINE_MAX - 3);
		goto out;
	}
	if (irc != 0) {
		if (irc > 0)
			t.line = irc;
		fail(x, "syntax", irc > 0 ? "expected \"key = value\" or \"[section]\""
					  : "out of memory");
		goto out;
	}
	rc = 0;
out:
	x->t = NULL;
	return rc;
}

/* Completeness: what must be there once both files are read. A missing
 * key has no line of its own: the message names its section's line. */
static int check_complete(rules_ctx *x, const char *findings_file)
{
	rules *r = x->r;
	const char *req = x->requirements;
	if (r->nlangs == 0) {
		fail_at(x, req, 1, "[language.*]", "no language declared");
		return -1;
	}
	for (size_t i = 0; i < r->nlangs; i++) {
		rules_language *l = &r->langs[i];
		if (!l->name_zh || !l->name_en || !l->script || l->markers.n == 0) {
			fail_at(x, req, x->lang_line[i], l->code,
				"[language.%s] needs name_zh, name_en, script and markers", l->code);
			return -1;
		}
	}
	if (r->ndocs == 0) {
		fail_at(x, req, 1, "[document.*]", "no document declared");
		return -1;
	}
	for (size_t i = 0; i < r->ndocs; i++) {
		rules_document *d = &r->docs[i];
		if (!d->name_zh || !d->name_en || d->langs == 0 || d->types.n == 0 || d->keywords.n == 0) {
			fail_at(x, req, x->doc_line[i], d->code,
				"[document.%s] needs name_zh, name_en, languages, keywords and types", d->code);
			return -1;
		}
		if (d->copies == 0)
			d->copies = 1;
	}
	for (size_t i = 0; i < r->nvariants; i++) {
		rules_variant *v = &r->variants[i];
		if (v->annex == 0 || v->phrases.n == 0) {
			fail_at(x, req, x->variant_line[i], v->target,
				"[cross_reference] needs both variant.%s and annex.%s", v->target, v->target);
			return -1;
		}
		if (r->targets.n && !strlist_contains(&r->targets, v->target)) {
			fail_at(x, req, x->variant_line[i], v->target,
				"variant for a target not listed in [scheme] targets");
			return -1;
		}
	}
	for (size_t i = 0; i < r->nfindings; i++) {
		rules_finding *f = &r->findings[i];
		if (f->severity < 0 || !f->zh || !f->en) {
			fail_at(x, findings_file, x->finding_line[i], f->code,
				"[finding.%s] needs severity, zh and en", f->code);
			return -1;
		}
	}
	return 0;
}

int rules_load(rules *r, const char *path, char *err, size_t errlen)
{
	rules_ctx x = { 0 };
	int rc = -1;

	memset(r, 0, sizeof *r);
	r->cross_reference_doc = -1;
	r->cpd_doc = -1;
	x.r = r;
	x.err = err;
	x.errlen = errlen;
	x.dir = util_dirname(path);
	x.requirements = path;
	if (errlen)
		err[0] = '\0';
	if (parse_file(&x, path) != 0)
		goto out;
	if (!x.defined_cpd_years)
		r->cpd_years = 3;
	if (!x.defined_hours)
		r->cpd_annual_hours = 48;
	if (r->documents_years == 0)
		r->documents_years = 3;
	if (x.findings_path) {
		x.in_findings = 1;
		if (parse_file(&x, x.findings_path) != 0)
			goto out;
	}
	if (check_complete(&x, x.findings_path ? x.findings_path : path) != 0)
		goto out;
	r->cross_reference_doc = rules_doc_index(r, "cross_reference");
	r->cpd_doc = rules_doc_index(r, "cpd_record");
	rc = 0;
out:
	if (rc != 0)
		rules_free(r);
	strlist_free(&x.seen);
	free(x.findings_path);
	free(x.dir);
	return rc;
}

void rules_free(rules *r)
{
	for (size_t i = 0; i < r->nlangs; i++) {
		free(r->langs[i].code);
		free(r->langs[i].name_zh);
		free(r->langs[i].name_en);
		free(r->langs[i].script);
		strlist_free(&r->langs[i].markers);
	}
	for (size_t i = 0; i < r->ndocs; i++) {
		rules_document *d = &r->docs[i];
		free(d->code);
		free(d->name_zh);
		free(d->name_en);
		free(d->template_zh);
		free(d->template_en);
		strlist_free(&d->keywords);
		strlist_free(&d->types);
	}
	free(r->docs);
	strlist_free(&r->copy2_markers);
	strlist_free(&r->annex_words);
	strlist_free(&r->ignored_names);
	for (size_t i = 0; i < r->nvariants; i++) {
		free(r->variants[i].target);
		strlist_free(&r->variants[i].phrases);
	}
	free(r->variants);
	strlist_free(&r->competences);
	strlist_free(&r->cpd_columns_en);
	strlist_free(&r->cpd_columns_zh);
	strlist_free(&r->grades);
	strlist_free(&r->qualifications);
	strlist_free(&r->targets);
	strlist_free(&r->senior_engineer_targets);
	strlist_free(&r->soe_grades);
	strlist_free(&r->soe_sectors);
	strlist_free(&r->required_fields);
	for (size_t i = 0; i < r->nfees; i++)
		free(r->fees[i].item);
	free(r->fees);
	for (size_t i = 0; i < r->nfindings; i++) {
		rules_finding *f = &r->findings[i];
		free(f->code);
		free(f->zh);
		free(f->en);
		free(f->fix_zh);
		free(f->fix_en);
	}
	free(r->findings);
	memset(r, 0, sizeof *r);
	r->cross_reference_doc = -1;
	r->cpd_doc = -1;
}

int rules_doc_index(const rules *r, const char *code)
{
	for (size_t i = 0; code && i < r->ndocs; i++)
		if (strcmp(r->docs[i].code, code) == 0)
			return (int)i;
	return -1;
}

int rules_lang_index(const rules *r, const char *code)
{
	for (size_t i = 0; code && i < r->nlangs; i++)
		if (strcmp(r->langs[i].code, code) == 0)
			return (int)i;
	return -1;
}

/* "cmes_membership.江苏省机械工程学会" falls back to "cmes_membership": a
 * per-province table need not list every province. */
long rules_fee(const rules *r, const char *item)
{
	if (item == NULL)
		return -1;
	for (size_t i = 0; i < r->nfees; i++)
		if (strcmp(r->fees[i].item, item) == 0)
			return r->fees[i].amount;
	if (strncmp(item, "cmes_membership.", 16) == 0)
		for (size_t i = 0; i < r->nfees; i++)
			if (strcmp(r->fees[i].item, "cmes_membership") == 0)
				return r->fees[i].amount;
	return -1;
}

const rules_finding *rules_finding_get(const rules *r, const char *code)
{
	for (size_t i = 0; code && i < r->nfindings; i++)
		if (strcmp(r->findings[i].code, code) == 0)
			return &r->findings[i];
	return NULL;
}

/* Appends as much of s as fits under the cap, never cutting a UTF-8
 * sequence in half. Returns -1 once the cap is reached. */
static int render_add(buf *b, const char *s, size_t n)
{
	size_t room = RULES_RENDER_MAX - b->len;
	if (n <= room) {
		buf_add(b, s, n);
		return 0;
	}
	while (room > 0 && ((unsigned char)s[room] & 0xC0) == 0x80)
		room--;
	buf_add(b, s, room);
	return -1;
}

char *rules_render(const char *tmpl, const rules_var *vars, size_t nvars)
{
	buf b;
	const char *p = tmpl ? tmpl : "";
	buf_init(&b, RULES_RENDER_MAX);
	while (*p) {
		const char *open = strchr(p, '{');
		const char *close;
		size_t i, nlen;
		if (open == NULL) {
			render_add(&b, p, strlen(p));
			break;
		}
		if (render_add(&b, p, (size_t)(open - p)) != 0)
			break;
		close = strchr(open + 1, '}');
		nlen = close ? (size_t)(close - open - 1) : 0;
		for (i = 0; close && i < nvars; i++)
			if (vars[i].name && strlen(vars[i].name) == nlen &&
			    memcmp(vars[i].name, open + 1, nlen) == 0)
				break;
		if (close == NULL || i == nvars) {
			/* Not a known placeholder: keep the brace as written. */
			if (render_add(&b, open, 1) != 0)
				break;
			p = open + 1;
			continue;
		}
		if (vars[i].value && render_add(&b, vars[i].value, strlen(vars[i].value)) != 0)
			break;
		p = close + 1;
	}
	return buf_steal(&b);
}
