/* sniff_office.c — zip-based documents: tells DOCX (ECMA-376 WordprocessingML),
 * XLSX (SpreadsheetML) and ODT (OpenDocument text) from other zips, and
 * reads their text.
 *
 * Only the members needed are read, through libarchive into memory capped
 * per member (SNIFF_MAX_XML) and in all, so that a zip bomb inside a DOCX
 * cannot exhaust memory. XML is parsed without network access and without
 * entity substitution.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "sniff.h"
#include "sniff_p.h"

#define SNIFF_MAX_SHEETS 64
#define SNIFF_ZIP_TOTAL (64u * 1024 * 1024)
#define SNIFF_XML_DEPTH 200
#define SNIFF_MAX_SHARED 1000000
#define SNIFF_MAX_COL 16384

struct sniff_zmember {
	char *name;
	char *data;     /* NULL when not read (too big) */
	size_t len;
};

struct sniff_zip_read {
	struct sniff_zmember m[SNIFF_MAX_SHEETS + 4];
	size_t n;
	size_t total;
	int has_document, has_workbook;
	int encrypted, damaged, too_big;
};

static int sniff_zip_wanted(const char *name, int *keep_data)
{
	*keep_data = 1;
	if (strcmp(name, "mimetype") == 0 || strcmp(name, "word/document.xml") == 0 ||
	    strcmp(name, "xl/sharedStrings.xml") == 0 || strcmp(name, "content.xml") == 0)
		return 1;
	if (strncmp(name, "xl/worksheets/sheet", 19) == 0 && util_ends_with_nocase(name, ".xml") &&
	    strchr(name + 14, '/') == NULL)
		return 1;
	*keep_data = 0;
	return strcmp(name, "xl/workbook.xml") == 0;
}

static void sniff_zip_member(struct sniff_zip_read *z, struct archive *a, const char *name)
{
	struct sniff_zmember *m;
	buf b;
	char block[16384];
	size_t cap = SNIFF_MAX_XML;

	if (z->n == sizeof z->m / sizeof z->m[0])
		return;
	if (SNIFF_ZIP_TOTAL - z->total < cap)
		cap = SNIFF_ZIP_TOTAL - z->total;
	m = &z->m[z->n++];
	m->name = xstrdup(name);
	buf_init(&b, cap);
	for (;;) {
		la_ssize_t r = archive_read_data(a, block, sizeof block);
		if (r == 0)
			break;
		if (r < 0) {
			z->damaged = 1;
			buf_free(&b);
			return;
		}
		buf_add(&b, block, (size_t)r);
		if (buf_error(&b) != 0) {
			z->too_big = 1;
			buf_free(&b);
			return;
		}
	}
	m->len = b.len;
	z->total += b.len;
	m->data = buf_steal(&b);
}

static void sniff_zip_read_all(struct sniff_zip_read *z, struct archive *a)
{
	struct archive_entry *e;
	for (;;) {
		int r = archive_read_next_header(a, &e), keep;
		const char *name;
		if (r == ARCHIVE_EOF)
			return;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			z->damaged = 1;
			return;
		}
		if (archive_entry_is_encrypted(e)) {
			z->encrypted = 1;
			continue;
		}
		name = archive_entry_pathname(e);
		if (name == NULL || !sniff_zip_wanted(name, &keep))
			continue;
		if (strcmp(name, "word/document.xml") == 0)
			z->has_document = 1;
		if (strcmp(name, "xl/workbook.xml") == 0)
			z->has_workbook = 1;
		if (keep)
			sniff_zip_member(z, a, name);
	}
}

static const struct sniff_zmember *sniff_zip_get(const struct sniff_zip_read *z, const char *name)
{
	for (size_t i = 0; i < z->n; i++)
		if (strcmp(z->m[i].name, name) == 0)
			return &z->m[i];
	return NULL;
}

static xmlDoc *sniff_xml(const struct sniff_zmember *m)
{
	if (m == NULL || m->data == NULL || m->len > SNIFF_MAX_XML)
		return NULL;
	/* No XML_PARSE_NOENT / DTDLOAD: entities stay unexpanded, nothing fetched. */
	return xmlReadMemory(m->data, (int)m->len, NULL, NULL,
			     XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

static int sniff_is(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->name != NULL &&
	       strcmp((const char *)n->name, name) == 0;
}

/* All text below n, as one cell (for w:t, a:t, x:t, x:v). */
static void sniff_node_text(const xmlNode *n, sniff_text *t, int depth)
{
	for (const xmlNode *c = n->children; c != NULL; c = c->next) {
		if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
			if (c->content != NULL)
				sniff_text_add_cell(t, (const char *)c->content,
						    strlen((const char *)c->content));
		} else if (c->type == XML_ELEMENT_NODE && depth < SNIFF_XML_DEPTH &&
			   !sniff_is(c, "rPh")) {
			sniff_node_text(c, t, depth + 1);
		}
	}
}

/* --- DOCX and ODT: one walker, element names differ --------------------- */

struct sniff_doc_names {
	const char *para, *head, *cell, *cover, *row, *tab, *brk, *space, *text;
	int text_nodes;   /* ODT holds text directly in paragraphs and spans */
};

static const struct sniff_doc_names sniff_docx_names = {
	"p", NULL, "tc", NULL, "tr", "tab", "br", NULL, "t", 0};
static const struct sniff_doc_names sniff_odt_names = {
	"p", "h", "table-cell", "covered-table-cell", "table-row", "tab", "line-break", "s", NULL, 1};

/* The text of a DOCX or ODT body, read by SAX events as the parser meets
 * them: no tree is built (building and freeing one was about 40 % of a
 * DOCX's reading time). A stack of open elements, one frame each, restores
 * what a table cell, row or paragraph changed when it ends. */
enum sniff_frame_kind { SNIFF_PLAIN, SNIFF_CELL, SNIFF_ROW, SNIFF_PARA };

struct sniff_frame {
	unsigned char kind;
	int saved, saved_paras;
};

/* The names sniff_sax_start looks for, looked up once a document in the
 * parser's dictionary: libxml2 hands every element's local name from that
 * dictionary (xmlParseQName), so a name is one pointer there and a
 * comparison is ==, not a strcmp per name an element (a tenth of a DOCX's
 * reading time before). NULL: a name this kind of document does not use. */
struct sniff_doc_atoms {
	const xmlChar *para, *head, *cell, *cover, *row, *tab, *brk, *space, *text;
	const xmlChar *ruby, *del_text, *instr_text, *annotation;
};

struct sniff_sax {
	const struct sniff_doc_names *nm;
	struct sniff_doc_atoms a;
	sniff_text *t;
	int depth;       /* elements open: the next one opened is at this depth */
	int skip_from;   /* depth of an element whose content is not text (delText …, too deep), or -1 */
	int text_from;   /* depth of the text element (w:t) being read, or -1 */
	int in_cell;
	int in_para;
	int cells;
	int paras;       /* paragraphs so far in the current cell */
	struct sniff_frame frame[SNIFF_XML_DEPTH + 1];
};

/* 0 when the dictionary could not take a name (out of memory) */
static int sniff_atoms_make(xmlDictPtr dict, const struct sniff_doc_names *nm, struct sniff_doc_atoms *a)
{
	const char *names[] = {nm->para, nm->head, nm->cell, nm->cover, nm->row, nm->tab, nm->brk, nm->space,
			       nm->text, "rPh", "delText", "instrText", "annotation"};
	const xmlChar **out[] = {&a->para, &a->head, &a->cell, &a->cover, &a->row, &a->tab, &a->brk, &a->space,
				 &a->text, &a->ruby, &a->del_text, &a->instr_text, &a->annotation};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		*out[i] = names[i] ? xmlDictLookup(dict, (const xmlChar *)names[i], -1) : NULL;
		if (names[i] && *out[i] == NULL)
			return 0;
	}
	return 1;
}

static void sniff_sax_start(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri,
			    int nns, const xmlChar **ns, int nattr, int ndefaulted, const xmlChar **attrs)
{
	struct sniff_sax *x = ctx;
	const struct sniff_doc_atoms *a = &x->a;
	int d = x->depth++;
	struct sniff_frame *f;
	(void)prefix; (void)uri; (void)nns; (void)ns; (void)nattr; (void)ndefaulted; (void)attrs;
	if (x->skip_from >= 0)
		return;
	if (d > SNIFF_XML_DEPTH) {
		x->skip_from = d;
		return;
	}
	f = &x->frame[d];
	f->kind = SNIFF_PLAIN;
	if (x->text_from >= 0) {   /* inside w:t: all text but a ruby's reading */
		if (local == a->ruby)
			x->skip_from = d;
		return;
	}
	if (local == a->del_text || local == a->instr_text || local == a->annotation) {
		x->skip_from = d;
	} else if (local == a->text) {
		x->text_from = d;
	} else if (local == a->tab) {
		sniff_text_add(x->t, x->in_cell ? " " : "\t", 1);
		x->skip_from = d;
	} else if (local == a->brk) {
		sniff_text_add(x->t, x->in_cell ? " " : "\n", 1);
		x->skip_from = d;
	} else if (local == a->space) {
		sniff_text_add(x->t, " ", 1);
		x->skip_from = d;
	} else if (local == a->cell || local == a->cover) {
		if (x->cells++ > 0)
			sniff_text_add(x->t, "\t", 1);
		*f = (struct sniff_frame){SNIFF_CELL, x->in_cell, x->paras};
		x->in_cell = 1;
		x->paras = 0;
	} else if (local == a->row) {
		*f = (struct sniff_frame){SNIFF_ROW, x->cells, 0};
		sniff_text_newline(x->t);
		x->cells = 0;
	} else if (local == a->para || local == a->head) {
		*f = (struct sniff_frame){SNIFF_PARA, x->in_para, 0};
		if (x->in_cell && x->paras++ > 0)
			sniff_text_add(x->t, " ", 1);
		x->in_para = 1;
	}
}

static void sniff_sax_end(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri)
{
	struct sniff_sax *x = ctx;
	int d = --x->depth;
	const struct sniff_frame *f;
	(void)local; (void)prefix; (void)uri;
	if (x->skip_from >= 0) {
		if (d == x->skip_from)
			x->skip_from = -1;
		return;
	}
	if (x->text_from >= 0) {
		if (d == x->text_from)
			x->text_from = -1;
		return;
	}
	if (d < 0 || d > SNIFF_XML_DEPTH)
		return;
	f = &x->frame[d];
	switch (f->kind) {
	case SNIFF_CELL:
		x->in_cell = f->saved;
		x->paras = f->saved_paras;
		break;
	case SNIFF_ROW:
		x->cells = f->saved;
		sniff_text_add(x->t, "\n", 1);
		break;
	case SNIFF_PARA:
		x->in_para = f->saved;
		if (!x->in_cell)
			sniff_text_newline(x->t);
		break;
	default:
		break;
	}
}

static void sniff_sax_chars(void *ctx, const xmlChar *ch, int len)
{
	struct sniff_sax *x = ctx;
	if (x->skip_from >= 0 || len <= 0)
		return;
	/* text is taken in w:t, or (ODT) anywhere in a paragraph */
	if (x->text_from >= 0 || (x->nm->text_nodes && x->in_para))
		sniff_text_add_cell(x->t, (const char *)ch, (size_t)len);
}

static void sniff_sax_cdata(void *ctx, const xmlChar *ch, int len)
{
	struct sniff_sax *x = ctx;
	if (x->skip_from < 0 && x->text_from >= 0 && len > 0)
		sniff_text_add_cell(x->t, (const char *)ch, (size_t)len);
}

static void sniff_sax_quiet(void *ctx, xmlErrorPtr e)
{
	(void)ctx;
	(void)e;
}

static char *sniff_doc_text(const struct sniff_zmember *m, const struct sniff_doc_names *nm,
			    int *damaged)
{
	xmlSAXHandler sax;
	xmlParserCtxtPtr ctxt;
	sniff_text t;
	struct sniff_sax x = {.nm = nm, .t = &t, .skip_from = -1, .text_from = -1};
	int ok;

	if (m == NULL || m->data == NULL)
		return NULL;
	if (m->len > SNIFF_MAX_XML) {
		*damaged = 1;
		return NULL;
	}
	memset(&sax, 0, sizeof sax);
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = sniff_sax_start;
	sax.endElementNs = sniff_sax_end;
	sax.characters = sniff_sax_chars;
	sax.ignorableWhitespace = sniff_sax_chars;   /* blanks are text, as in a tree */
	sax.cdataBlock = sniff_sax_cdata;
	sax.serror = sniff_sax_quiet;
	sniff_text_init(&t);
	ctxt = xmlCreatePushParserCtxt(&sax, &x, NULL, 0, NULL);
	/* No XML_PARSE_NOENT / DTDLOAD: entities stay unexpanded, nothing fetched. */
	ok = ctxt != NULL && xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING) == 0 &&
	     ctxt->dict != NULL && sniff_atoms_make(ctxt->dict, nm, &x.a);
	if (ok)
		ok = xmlParseChunk(ctxt, m->data, (int)m->len, 1) == 0 && ctxt->wellFormed;
	if (ctxt != NULL) {
		/* made by libxml2 for a DTD's declarations, even without a tree */
		if (ctxt->myDoc != NULL)
			xmlFreeDoc(ctxt->myDoc);
		xmlFreeParserCtxt(ctxt);
	}
	if (!ok) {
		*damaged = 1;
		buf_free(&t.b);
		return NULL;
	}
	return sniff_text_finish(&t);
}

/* --- XLSX ---------------------------------------------------------------- */

struct sniff_shared {
	char **s;
	size_t n;
};

static void sniff_shared_load(const struct sniff_zmember *m, struct sniff_shared *sh)
{
	xmlDoc *doc = sniff_xml(m);
	xmlNode *root;
	size_t alloc = 0;

	if (doc == NULL)
		return;
	root = xmlDocGetRootElement(doc);
	for (xmlNode *si = root != NULL ? root->children : NULL; si != NULL; si = si->next) {
		sniff_text t;
		if (!sniff_is(si, "si") || sh->n == SNIFF_MAX_SHARED)
			continue;
		sniff_text_init(&t);
		sniff_node_text(si, &t, 0);
		if (sh->n == alloc) {
			alloc = alloc ? alloc * 2 : 64;
			sh->s = xrealloc(sh->s, alloc * sizeof(char *));
		}
		sh->s[sh->n++] = buf_steal(&t.b);
	}
	xmlFreeDoc(doc);
}

/* Column index (0-based) of a cell reference such as "C7"; -1 when absent. */
static long sniff_col_of(const char *ref)
{
	long col = 0;
	int any = 0;
	for (; ref != NULL && *ref >= 'A' && *ref <= 'Z'; ref++) {
		col = col * 26 + (*ref - 'A' + 1);
		any = 1;
		if (col > SNIFF_MAX_COL)
			return -1;
	}
	return any ? col - 1 : -1;
}

static void sniff_cell(const xmlNode *c, const struct sniff_shared *sh, sniff_text *t)
{
	xmlChar *type = xmlGetProp(c, (const xmlChar *)"t");
	const char *ty = type != NULL ? (const char *)type : "n";

	for (const xmlNode *k = c->children; k != NULL; k = k->next) {
		if (strcmp(ty, "inlineStr") == 0 && sniff_is(k, "is")) {
			sniff_node_text(k, t, 0);
		} else if (sniff_is(k, "v")) {
			xmlChar *v = xmlNodeGetContent(k);
			const char *vs = v != NULL ? (const char *)v : "";
			if (strcmp(ty, "s") == 0) {
				char *end;
				unsigned long i = strtoul(vs, &end, 10);
				if (end != vs && i < sh->n)
					sniff_text_add_cell(t, sh->s[i], strlen(sh->s[i]));
			} else if (strcmp(ty, "b") == 0) {
				sniff_text_add(t, strcmp(vs, "1") == 0 ? "TRUE" : "FALSE",
					       strcmp(vs, "1") == 0 ? 4 : 5);
			} else {
				sniff_text_add_cell(t, vs, strlen(vs));
			}
			xmlFree(v);
		}
	}
	xmlFree(type);
}

static void sniff_sheet_walk(const xmlNode *n, const struct sniff_shared *sh, sniff_text *t,
			     int depth)
{
	for (const xmlNode *c = n; c != NULL && !t->full; c = c->next) {
		if (c->type != XML_ELEMENT_NODE || depth > SNIFF_XML_DEPTH)
			continue;
		if (!sniff_is(c, "row")) {
			sniff_sheet_walk(c->children, sh, t, depth + 1);
			continue;
		}
		long next = 0;
		int first = 1;
		for (const xmlNode *cell = c->children; cell != NULL; cell = cell->next) {
			if (!sniff_is(cell, "c"))
				continue;
			xmlChar *ref = xmlGetProp(cell, (const xmlChar *)"r");
			long col = sniff_col_of((const char *)ref);
			xmlFree(ref);
			if (col < next)
				col = next;
			/* one TAB per skipped column, and one between cells */
			for (long k = first ? 0 : -1; k < col - next && !t->full; k++)
				sniff_text_add(t, "\t", 1);
			first = 0;
			next = col + 1;
			sniff_cell(cell, sh, t);
		}
		sniff_text_add(t, "\n", 1);
	}
}

static int sniff_sheet_number(const char *name)
{
	return atoi(name + 19);
}

static int sniff_sheet_cmp(const void *x, const void *y)
{
	const struct sniff_zmember *a = *(const struct sniff_zmember *const *)x;
	const struct sniff_zmember *b = *(const struct sniff_zmember *const *)y;
	return sniff_sheet_number(a->name) - sniff_sheet_number(b->name);
}

static char *sniff_xlsx_text(const struct sniff_zip_read *z, int *damaged)
{
	const struct sniff_zmember *sheets[SNIFF_MAX_SHEETS + 4];
	struct sniff_shared sh = {NULL, 0};
	sniff_text t;
	size_t ns = 0;

	for (size_t i = 0; i < z->n; i++)
		if (strncmp(z->m[i].name, "xl/worksheets/sheet", 19) == 0 && z->m[i].data != NULL)
			sheets[ns++] = &z->m[i];
	/* sheets holds pointers: each element is sizeof (pointer); ns <= z->n is bounded by z->m */
	// cppcheck-suppress uninitvar
	qsort(sheets, ns, sizeof sheets[0], sniff_sheet_cmp);   // NOLINT(bugprone-sizeof-expression)
	sniff_shared_load(sniff_zip_get(z, "xl/sharedStrings.xml"), &sh);
	sniff_text_init(&t);
	for (size_t i = 0; i < ns && !t.full; i++) {
		xmlDoc *doc = sniff_xml(sheets[i]);
		if (doc == NULL) {
			*damaged = 1;
			continue;
		}
		sniff_sheet_walk(xmlDocGetRootElement(doc), &sh, &t, 0);
		xmlFreeDoc(doc);
	}
	for (size_t i = 0; i < sh.n; i++)
		free(sh.s[i]);
	free(sh.s);
	return sniff_text_finish(&t);
}

/* --- entry point --------------------------------------------------------- */

void sniff_zip(const char *path, const char *data, size_t len, char type[12], int *encrypted,
	       int *damaged, char **text)
{
	struct sniff_zip_read z;
	struct archive *a = archive_read_new();
	const struct sniff_zmember *mt;
	int r;

	memset(&z, 0, sizeof z);
	snprintf(type, 12, "zip");
	*text = NULL;
	archive_read_support_format_zip_seekable(a);
	if (path != NULL)
		r = archive_read_open_filename(a, path, 65536);
	else
		r = archive_read_open_memory(a, data, len);
	if (r != ARCHIVE_OK) {
		/* An empty zip is a valid zip; anything else that will not open is not. */
		*damaged = !(len >= 4 && memcmp(data, "PK\5\6", 4) == 0);
		goto out;
	}
	sniff_zip_read_all(&z, a);
	mt = sniff_zip_get(&z, "mimetype");
	if (z.has_document) {
		snprintf(type, 12, "docx");
		*text = sniff_doc_text(sniff_zip_get(&z, "word/document.xml"), &sniff_docx_names,
				       &z.damaged);
	} else if (z.has_workbook) {
		snprintf(type, 12, "xlsx");
		*text = sniff_xlsx_text(&z, &z.damaged);
	} else if (mt != NULL && mt->data != NULL &&
		   strncmp(mt->data, "application/vnd.oasis.opendocument.text", 39) == 0 &&
		   (mt->len == 39 || mt->data[39] == '\n' || mt->data[39] == '\r')) {
		snprintf(type, 12, "odt");
		*text = sniff_doc_text(sniff_zip_get(&z, "content.xml"), &sniff_odt_names, &z.damaged);
	}
	*encrypted = z.encrypted;
	*damaged = z.damaged;
out:
	archive_read_free(a);
	for (size_t i = 0; i < z.n; i++) {
		free(z.m[i].name);
		free(z.m[i].data);
	}
}
