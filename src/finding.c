/* finding.c — the one place findings are made (finding.h). */
#include "finding.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

#define FINDING_MAX_VARS 24

static void add_var(rules_var *v, size_t *n, const char *name, const char *value)
{
	if (name == NULL)
		return;
	for (size_t i = 0; i < *n; i++)
		if (strcmp(v[i].name, name) == 0)
			return;
	if (*n < FINDING_MAX_VARS + 9) {
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

enum finding_severity finding_add_zh_en(packet *p, const rules *r, const char *code, int doc, int lang,
		       const rules_var *zv, size_t zn, const rules_var *ev, size_t en)
{
	const rules_finding *f = rules_finding_get(r, code);
	const rules_document *d = doc >= 0 && (size_t)doc < r->ndocs ? &r->docs[doc] : NULL;
	const rules_language *l = lang >= 0 && (size_t)lang < r->nlangs ? &r->langs[lang] : NULL;
	rules_var z[FINDING_MAX_VARS + 9], e[FINDING_MAX_VARS + 9];
	size_t nz = 0, ne = 0;
	char *mz, *me;
	enum finding_severity sev;
	for (size_t i = 0; i < zn && i < FINDING_MAX_VARS; i++)
		add_var(z, &nz, zv[i].name, zv[i].value);
	for (size_t i = 0; i < en && i < FINDING_MAX_VARS; i++)
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
	sev = (enum finding_severity)f->severity;
	mz = render_pair(f->zh, f->fix_zh, z, nz);
	me = render_pair(f->en, f->fix_en, e, ne);
	packet_add_finding(p, code, sev, doc, lang, mz, me);
	free(mz);
	free(me);
	return sev;
}

int finding_add(packet *p, const rules *r, const char *code, int doc, int lang,
	      const rules_var *vars, size_t n)
{
	if (p == NULL || r == NULL || code == NULL || (vars == NULL && n > 0))
		return -1;
	finding_add_zh_en(p, r, code, doc, lang, vars, n, vars, n);
	return 0;
}
