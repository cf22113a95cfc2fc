/* csv.c — RFC 4180 CSV reader and field writer (see csv.h).
 *
 * Applicants' spreadsheets save CSV with ';' (European Excel) or TAB, so the
 * separator is taken from the first line. Being lenient about stray text
 * after a closing quote costs nothing and spares applicants a rejection;
 * an unterminated quote, however, is an error since the rest of the file
 * would silently become one field.
 */
#include "csv.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct csv_parser {
	const char *s;
	size_t len;
	size_t pos;
	size_t line;        /* physical line of s[pos], 1-based */
	char sep;
	csv_table *t;
	size_t rows_alloc;
	char **row;         /* fields of the row being read */
	size_t nrow;
	buf field;
	char *err;
	size_t errlen;
};

static void csv_fail(struct csv_parser *p, size_t line, const char *why)
{
	if (p->err != NULL && p->errlen > 0)
		snprintf(p->err, p->errlen, "line %zu: %s", line, why);
}

/* Rejects bytes that cannot be text: invalid UTF-8 and NUL (which would cut
 * a field short once it is a C string). */
static int csv_check_text(struct csv_parser *p)
{
	size_t i = p->pos, line = 1;
	while (i < p->len) {
		uint32_t cp;
		size_t n = util_utf8_next(p->s + i, p->len - i, &cp);
		if (n == 0) {
			csv_fail(p, line, "invalid UTF-8");
			return -1;
		}
		if (cp == 0) {
			csv_fail(p, line, "NUL byte");
			return -1;
		}
		if (cp == '\n')
			line++;
		i += n;
	}
	return 0;
}

/* Counts candidate separators on the first line outside quotes; the most
 * frequent wins, ',' on a tie or when there is none. */
static char csv_detect_sep(const char *s, size_t len)
{
	size_t comma = 0, semi = 0, tab = 0;
	int quoted = 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '"')
			quoted = !quoted;
		else if (!quoted && (c == '\n' || c == '\r'))
			break;
		else if (!quoted && c == ',')
			comma++;
		else if (!quoted && c == ';')
			semi++;
		else if (!quoted && c == '\t')
			tab++;
	}
	if (semi > comma && semi >= tab)
		return ';';
	if (tab > comma && tab > semi)
		return '\t';
	return ',';
}

static int csv_add_bytes(struct csv_parser *p, size_t line, const char *b, size_t n)
{
	buf_add(&p->field, b, n);
	if (buf_error(&p->field) != 0) {
		char why[64];
		snprintf(why, sizeof why, "field longer than %d bytes", CSV_MAX_FIELD);
		csv_fail(p, line, why);
		return -1;
	}
	return 0;
}

static void csv_row_clear(struct csv_parser *p)
{
	for (size_t i = 0; i < p->nrow; i++)
		free(p->row[i]);
	p->nrow = 0;
}

static int csv_end_field(struct csv_parser *p, size_t line)
{
	if (p->nrow == CSV_MAX_COLS) {
		char why[64];
		snprintf(why, sizeof why, "more than %d columns", CSV_MAX_COLS);
		csv_fail(p, line, why);
		return -1;
	}
	p->row[p->nrow++] = buf_steal(&p->field);
	return 0;
}

static int csv_end_row(struct csv_parser *p, size_t line)
{
	csv_table *t = p->t;
	if (t->nrows == CSV_MAX_ROWS) {
		char why[64];
		snprintf(why, sizeof why, "more than %d rows", CSV_MAX_ROWS);
		csv_fail(p, line, why);
		return -1;
	}
	if (t->nrows == p->rows_alloc) {
		p->rows_alloc = p->rows_alloc ? p->rows_alloc * 2 : 16;
		t->rows = xrealloc(t->rows, p->rows_alloc * sizeof *t->rows);
		t->ncols = xrealloc(t->ncols, p->rows_alloc * sizeof *t->ncols);
	}
	t->rows[t->nrows] = xcalloc(p->nrow, sizeof(char *));
	memcpy(t->rows[t->nrows], p->row, p->nrow * sizeof(char *));
	t->ncols[t->nrows] = p->nrow;
	t->nrows++;
	p->nrow = 0;
	return 0;
}

/* Reads a quoted field starting at the opening quote. */
static int csv_quoted(struct csv_parser *p, size_t start_line)
{
	const char *s = p->s;
	p->pos++;
	for (;;) {
		size_t i = p->pos;
		while (i < p->len && s[i] != '"') {
			if (s[i] == '\n' || (s[i] == '\r' && (i + 1 >= p->len || s[i + 1] != '\n')))
				p->line++;
			i++;
		}
		if (csv_add_bytes(p, start_line, s + p->pos, i - p->pos) != 0)
			return -1;
		if (i >= p->len) {
			csv_fail(p, start_line, "unterminated quoted field");
			return -1;
		}
		if (i + 1 < p->len && s[i + 1] == '"') {
			if (csv_add_bytes(p, start_line, "\"", 1) != 0)
				return -1;
			p->pos = i + 2;
			continue;
		}
		p->pos = i + 1;
		return 0;
	}
}

/* Reads unquoted text up to the next separator or line end. */
static int csv_plain(struct csv_parser *p, size_t line)
{
	size_t i = p->pos;
	while (i < p->len && p->s[i] != p->sep && p->s[i] != '\n' && p->s[i] != '\r')
		i++;
	if (csv_add_bytes(p, line, p->s + p->pos, i - p->pos) != 0)
		return -1;
	p->pos = i;
	return 0;
}

static void csv_skip_eol(struct csv_parser *p)
{
	if (p->pos < p->len && p->s[p->pos] == '\r')
		p->pos++;
	if (p->pos < p->len && p->s[p->pos] == '\n')
		p->pos++;
	p->line++;
}

static int csv_row(struct csv_parser *p)
{
	size_t row_line = p->line;
	for (;;) {
		size_t field_line = p->line;
		if (p->pos < p->len && p->s[p->pos] == '"') {
			if (csv_quoted(p, field_line) != 0)
				return -1;
		}
		/* Text after a closing quote is kept rather than refused. */
		if (csv_plain(p, field_line) != 0 || csv_end_field(p, field_line) != 0)
			return -1;
		if (p->pos < p->len && p->s[p->pos] == p->sep) {
			p->pos++;
			continue;
		}
		csv_skip_eol(p);
		return csv_end_row(p, row_line);
	}
}

int csv_parse(const char *utf8, size_t len, csv_table *out, char *err, size_t errlen)
{
	struct csv_parser p;
	int rc = -1;

	memset(out, 0, sizeof *out);
	memset(&p, 0, sizeof p);
	p.s = utf8;
	p.len = utf8 != NULL ? len : 0;
	p.line = 1;
	p.t = out;
	p.err = err;
	p.errlen = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	buf_init(&p.field, CSV_MAX_FIELD);
	p.row = xcalloc(CSV_MAX_COLS, sizeof(char *));
	if (p.len >= 3 && memcmp(p.s, "\xEF\xBB\xBF", 3) == 0)
		p.pos = 3;
	if (csv_check_text(&p) != 0)
		goto out;
	p.sep = csv_detect_sep(p.s + p.pos, p.len - p.pos);
	while (p.pos < p.len) {
		if (p.s[p.pos] == '\n' || p.s[p.pos] == '\r') {
			csv_skip_eol(&p);
			continue;
		}
		if (csv_row(&p) != 0)
			goto out;
	}
	rc = 0;
out:
	csv_row_clear(&p);
	free(p.row);
	buf_free(&p.field);
	if (rc != 0)
		csv_table_free(out);
	return rc;
}

void csv_table_free(csv_table *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->nrows; i++) {
		for (size_t j = 0; j < t->ncols[i]; j++)
			free(t->rows[i][j]);
		free(t->rows[i]);
	}
	free(t->rows);
	free(t->ncols);
	memset(t, 0, sizeof *t);
}

/* A cell a spreadsheet would take for a formula (OWASP CSV injection):
 * Excel and LibreOffice evaluate a cell that starts with one of these even
 * inside quotes, and DDE payloads start with '-' or '+' as well as '='. */
static int csv_is_formula_lead(char c)
{
	return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

void csv_add_field(buf *b, const char *field)
{
	size_t n;
	int quote, neuter;

	if (field == NULL)
		field = "";
	n = strlen(field);
	neuter = n > 0 && csv_is_formula_lead(field[0]);
	quote = strpbrk(field, ",;\t\"\r\n") != NULL ||
		(n > 0 && (field[0] == ' ' || field[n - 1] == ' '));
	if (!quote) {
		if (neuter)
			buf_add(b, "'", 1);
		buf_add(b, field, n);
		return;
	}
	buf_add(b, neuter ? "\"'" : "\"", neuter ? 2 : 1);
	for (const char *q = field; *q != '\0';) {
		const char *e = strchr(q, '"');
		size_t span = e != NULL ? (size_t)(e - q) : strlen(q);
		buf_add(b, q, span);
		if (e == NULL)
			break;
		buf_add(b, "\"\"", 2);
		q = e + 1;
	}
	buf_add(b, "\"", 1);
}
