/* manifest.c — manifest.ini of a packet (manifest.h, SPEC section 2). The
 * text is decoded to UTF-8 first (charset.h), then read by inih through a
 * line-counting reader. Unlike packetd's own config files, a manifest is the
 * applicant's: every wrong line is collected as a "line N: ..." detail and
 * parsing goes on, so that one notice can point at all of them. */
#include "manifest.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "charset.h"
#include "initext.h"

#define MANIFEST_LINE_MAX 8192
#define MANIFEST_MAX_ERRORS 50   /* a garbage file should not yield a garbage notice */
#define MANIFEST_MAX_COPY 99

typedef struct mctx {
	manifest *m;
	const char *p, *end;
	int line;                /* line being parsed, 1-based */
	int seen[APPLICANT_NFIELDS];  /* line of each field given, 0 none */
	int in_unknown;          /* current section is unknown (already reported) */
	int too_many;            /* entries over the cap, reported once */
	char raw[MANIFEST_LINE_MAX]; /* the line being parsed, as written */
} mctx;

static void add_error(mctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add_error(mctx *x, const char *fmt, ...)
{
	va_list ap;
	buf b;
	int n;
	char *s;
	if (x->m->errors.n >= MANIFEST_MAX_ERRORS)
		return;
	buf_init(&b, 0);
	buf_printf(&b, "line %d: ", x->line);
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n > 0) {
		s = xcalloc(1, (size_t)n + 1);
		va_start(ap, fmt);
		vsnprintf(s, (size_t)n + 1, fmt, ap);
		va_end(ap);
		buf_adds(&b, s);
		free(s);
	}
	s = buf_steal(&b);
	strlist_add(&x->m->errors, s);
	free(s);
}

static int is_blank_or_comment(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	return *s == '\0' || *s == ';' || *s == '#';
}

/* Section header: "[name]" (comments allowed after). NULL when not a header. */
static char *section_name(const char *s)
{
	const char *e;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s != '[')
		return NULL;
	e = strchr(s, ']');
	if (e == NULL)
		return NULL;
	return xstrndup(s + 1, (size_t)(e - s - 1));
}

/* Hands inih one line per call, so that x->line is the line the handler is
 * looking at. Lines inih could not parse are reported here (inih itself
 * only tells the first) and replaced by an empty line. */
static char *reader(char *str, int num, void *stream)
{
	mctx *x = stream;
	const char *nl;
	size_t len;
	char *sec;
	if (x->p >= x->end)
		return NULL;
	nl = memchr(x->p, '\n', (size_t)(x->end - x->p));
	len = nl ? (size_t)(nl - x->p) + 1 : (size_t)(x->end - x->p);
	x->line++;
	if (num < 2 || len > (size_t)num - 1) {
		add_error(x, "line too long (over %d bytes)", MANIFEST_LINE_MAX - 3);
		x->p += len;
		strcpy(str, "\n");
		return str;
	}
	memcpy(str, x->p, len);
	str[len] = '\0';
	memcpy(x->raw, str, len + 1);
	x->p += len;
	if (is_blank_or_comment(str))
		return str;
	sec = section_name(str);
	if (sec) {
		x->in_unknown = strcmp(sec, "applicant") != 0 && strcmp(sec, "files") != 0;
		if (x->in_unknown)
			add_error(x, "unknown section [%s]", sec);
		free(sec);
		return str;
	}
	if (strchr(str, '=') == NULL && strchr(str, ':') == NULL) {
		char *t = util_trim(str);
		add_error(x, "\"%.60s\" is not \"name = value\"", t);
		strcpy(str, "\n");
	}
	return str;
}

/* "，" typed with a Chinese input method separates as well as ",". */
static char *normalise_commas(const char *v)
{
	buf b;
	buf_init(&b, 0);
	for (const char *p = v; *p; p++) {
		if (strncmp(p, "，", 3) == 0) {
			buf_adds(&b, ",");
			p += 2;
		} else {
			buf_add(&b, p, 1);
		}
	}
	return buf_steal(&b);
}

static void add_entry(mctx *x, const char *name, const char *value)
{
	manifest *m = x->m;
	strlist parts = { 0 };
	char *v = normalise_commas(value);
	long copy = 0;
	manifest_entry *e;

	strlist_split(&parts, v, ',');
	if (parts.n == 0 || parts.n > 3) {
		add_error(x, "[files] %s: expected \"document, language, copy\"", name);
		goto out;
	}
	if (parts.n == 3 && util_parse_long(parts.items[2], 1, MANIFEST_MAX_COPY, &copy) != 0) {
		add_error(x, "[files] %s: copy \"%s\" is not a number from 1 to %d", name,
			  parts.items[2], MANIFEST_MAX_COPY);
		goto out;
	}
	for (size_t i = 0; i < m->nentries; i++)
		if (strcmp(m->entries[i].file, name) == 0) {
			add_error(x, "[files] %s is listed twice (first at line %d)", name,
				  m->entries[i].line);
			goto out;
		}
	if (m->nentries >= MANIFEST_MAX_ENTRIES) {
		if (!x->too_many)
			add_error(x, "[files] lists more than %d files", MANIFEST_MAX_ENTRIES);
		x->too_many = 1;
		goto out;
	}
	m->entries = xrealloc(m->entries, (m->nentries + 1) * sizeof *m->entries);
	e = &m->entries[m->nentries++];
	e->file = xstrdup(name);
	e->document = xstrdup(parts.items[0]);
	e->language = parts.n >= 2 ? xstrdup(parts.items[1]) : NULL;
	e->copy = (int)copy;
	e->line = x->line;
out:
	strlist_free(&parts);
	free(v);
}

/* inih splits "name: value" too, so a file name holding ':' ("Annex 1:
 * form.pdf = ...") arrives cut in two; split the line as written instead. */
static void files_line_with_colon(mctx *x)
{
	char *line = xstrdup(x->raw);
	char *eq = strchr(line, '=');
	char *value, *c;
	*eq = '\0';
	value = eq + 1;
	for (c = value; (c = strchr(c, ';')) != NULL; c++)
		if (c > value && (c[-1] == ' ' || c[-1] == '\t')) {
			*c = '\0';
			break;
		}
	add_entry(x, util_trim(line), util_trim(value));
	free(line);
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	mctx *x = user;
	char *key;
	size_t i;

	if (x->in_unknown)
		return 1;     /* already reported with its header */
	if (*section == '\0') {
		add_error(x, "\"%s\" is outside [applicant] and [files]", name);
		return 1;
	}
	if (strcmp(section, "files") == 0) {
		if (strchr(value, '=') != NULL)
			files_line_with_colon(x);
		else
			add_entry(x, name, value);
		return 1;
	}
	/* [applicant]: field names forgive ASCII case, values are kept as written. */
	key = util_ascii_lower(name);
	for (i = 0; i < APPLICANT_NFIELDS; i++)
		if (strcmp(applicant_field_names[i], key) == 0)
			break;
	if (i == APPLICANT_NFIELDS)
		add_error(x, "unknown field \"%s\" in [applicant]", name);
	else if (x->seen[i])
		add_error(x, "field %s given twice (first at line %d)", key, x->seen[i]);
	else {
		x->seen[i] = x->line;
		if (*value)
			applicant_set(&x->m->app, key, value);
	}
	free(key);
	return 1;
}

int manifest_parse(const char *data, size_t len, manifest *out)
{
	mctx x;
	char *text = NULL;
	int rc = -1, irc;

	memset(out, 0, sizeof *out);
	memset(&x, 0, sizeof x);
	if (data == NULL || len > MANIFEST_MAX_BYTES)
		goto out;
	text = charset_text_to_utf8(data, len);
	if (text == NULL)
		goto out;
	x.m = out;
	x.p = text;
	x.end = text + strlen(text);   /* a NUL ends the text: nothing after it is read */
	initext_settings(MANIFEST_LINE_MAX, 0);   /* go on: the applicant should hear of every error */
	irc = ini_parse_stream(reader, &x, handler, &x);
	if (irc < 0)
		goto out;
	/* Any line inih refused that the reader did not already explain. */
	if (irc > 0) {
		char prefix[32];
		size_t i;
		snprintf(prefix, sizeof prefix, "line %d: ", irc);
		for (i = 0; i < out->errors.n; i++)
			if (strncmp(out->errors.items[i], prefix, strlen(prefix)) == 0)
				break;
		x.line = irc;
		if (i == out->errors.n)
			add_error(&x, "cannot be read as \"name = value\"");
	}
	rc = 0;
out:
	free(text);
	if (rc != 0)
		manifest_free(out);
	return rc;
}

void manifest_free(manifest *m)
{
	applicant_free(&m->app);
	for (size_t i = 0; i < m->nentries; i++) {
		free(m->entries[i].file);
		free(m->entries[i].document);
		free(m->entries[i].language);
	}
	free(m->entries);
	strlist_free(&m->errors);
	memset(m, 0, sizeof *m);
}
