/* rules.h — the scheme's document rules, loaded from config/requirements.ini
 * (SPEC sections 2–5, seed 一览表 and annexes 1–10): documents, languages,
 * copies, templates, keywords, accepted types, the CPD and cross-reference
 * details, fees, and the catalogue of findings with their messages in both
 * languages. Nothing here is a C literal so the centre can change it without
 * a rebuild.
 */
#ifndef PACKETD_RULES_H
#define PACKETD_RULES_H

#include <stddef.h>
#include "util.h"

#define RULES_MAX_LANGS 4

typedef struct rules_language {
	char *code;        /* "zh", "en" */
	char *name_zh;     /* 中文 */
	char *name_en;     /* Chinese */
	strlist markers;   /* lower-case file-name markers: 中文, 中, zh, cn, chinese ... */
	char *script;      /* "han" or "latin": what its text must be written in */
} rules_language;

typedef struct rules_document {
	char *code;        /* application_form ... */
	char *name_zh;
	char *name_en;
	unsigned langs;    /* bit i set: language i is required */
	int copies;        /* copies of each language */
	int annex[RULES_MAX_LANGS];  /* annex number of the template per language, 0 none */
	char *template_zh; /* human text, e.g. "附件二（中文）、附件一（英文）" */
	char *template_en;
	strlist keywords;  /* lower-case, both languages */
	strlist types;     /* accepted content types (packet_file.type values) */
} rules_document;

typedef struct rules_variant {
	char *target;      /* CEng | IEng */
	int annex;         /* 5 | 6 */
	strlist phrases;   /* lower-case phrases that identify this variant's table */
} rules_variant;

typedef struct rules_fee_entry {
	char *item;        /* e.g. interview, soe_membership, soe_registration.CEng */
	long amount;       /* yuan */
} rules_fee_entry;

typedef struct rules_finding {
	char *code;
	int severity;      /* enum finding_severity */
	char *zh;          /* message template with {placeholders} */
	char *en;
	char *fix_zh;      /* how to fix it, may be NULL */
	char *fix_en;
} rules_finding;

typedef struct rules {
	rules_language langs[RULES_MAX_LANGS];
	size_t nlangs;
	rules_document *docs;      /* owned array */
	size_t ndocs;
	strlist copy2_markers;     /* 副本, copy, (2) ... mark a second copy */
	strlist annex_words;       /* 附件, annex, appendix */
	strlist ignored_names;     /* __macosx, .ds_store, thumbs.db, desktop.ini */
	int cross_reference_doc;   /* index of the document checked for variant, -1 */
	rules_variant *variants;   /* owned array */
	size_t nvariants;
	strlist competences;       /* A1 A2 B1 ... */
	int cpd_doc;               /* index of the CPD record document, -1 */
	strlist cpd_columns_en;    /* lower-case header names, annex 4 */
	strlist cpd_columns_zh;    /* annex 3 */
	int cpd_years;             /* 3 */
	int cpd_annual_hours;      /* 48 */
	int documents_years;       /* [retention]: years documents are kept after a final state, 3 */
	strlist grades;            /* CMES grades that may apply: member, senior_member */
	strlist qualifications;    /* mechanical_engineer, professional_engineer */
	strlist targets;           /* CEng, IEng */
	strlist senior_engineer_targets; /* CEng */
	strlist soe_grades;        /* SOE grades applied for: member, associate_member */
	strlist soe_sectors;       /* optional SOE sector: IRTE, IPlantE, BES (seed annex 11) */
	strlist required_fields;   /* manifest fields that must be present */
	rules_fee_entry *fees;           /* owned array */
	size_t nfees;
	rules_finding *findings;   /* owned array */
	size_t nfindings;
} rules;

/* Loads path into r. On error returns -1 and writes "file:line: key: reason"
 * into err (errlen bytes). */
int rules_load(rules *r, const char *path, char *err, size_t errlen);
void rules_free(rules *r);

int rules_doc_index(const rules *r, const char *code);    /* -1 if unknown */
int rules_lang_index(const rules *r, const char *code);   /* -1 if unknown */
/* Fee by item, -1 when the table has none. */
long rules_fee(const rules *r, const char *item);
const rules_finding *rules_finding_get(const rules *r, const char *code);

/* A {name} → value map used to fill message templates. */
typedef struct rules_var {
	const char *name;
	const char *value;
} rules_var;

/* Renders a template, replacing {name} by its value ({name} kept when unknown).
 * Returns malloc'ed memory. */
char *rules_render(const char *tmpl, const rules_var *vars, size_t nvars);

#endif
