/* check_content.c — the checks that read a document's tables: the
 * cross-reference table's variant and competences (annexes 5, 6) and the CPD
 * record's columns, dates and hours (annexes 3, 4). */
#include "check_p.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"
#include "csv.h"
#include "log.h"

#define CHECK_MAX_TABLE_ROWS 5000
#define CHECK_MAX_TABLE_COLS 64
#define CHECK_HEADER_ROWS 50     /* the header must be among the first rows */
#define CHECK_MAX_HOURS 10000.0  /* of one entry */
#define CHECK_MAX_ROW_FINDINGS 20 /* per CPD file: the first rows say enough */

/* ------------------------------------------------------- cross-reference */

const char *check_target(const packet *p, const check_options *opt)
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

void check_cross_reference(packet *p, const rules *r, size_t i, const check_options *opt)
{
	packet_file *f = &p->files[i];
	const char *target = check_target(p, opt);
	rules_var v[6] = { { "file", f->name ? f->name : "" }, { "expected", "" }, { "actual", "" },
			   { "expected_annex", "" }, { "actual_annex", "" }, { "target", "" } };
	char ea[16], aa[16];
	int han, latin, vt = -1, other = -1;
	char *norm;
	unsigned char *have;
	buf miss;
	if (f->text == NULL)
		return;
	norm = check_normalise(f->text);
	for (size_t k = 0; target && k < r->nvariants; k++)
		if (strcasecmp(r->variants[k].target, target) == 0)
			vt = (int)k;
	for (size_t k = 0; vt >= 0 && k < r->nvariants; k++) {
		int hit = 0;
		for (size_t ph = 0; ph < r->variants[k].phrases.n && !hit; ph++) {
			char *np = check_normalise(r->variants[k].phrases.items[ph]);
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
		finding_add_zh_en(p, r, "cross_reference_variant", f->doc, f->lang, v, 6, w, 6);
		free(ez);
		free(ee);
	}
	free(norm);
	if (!check_readable(f, &han, &latin) || r->competences.n == 0)
		return;
	have = xcalloc(r->competences.n, 1);
	find_competences(r, f->text, have);
	buf_init(&miss, CHECK_MAX_LIST + 16);
	for (size_t k = 0; k < r->competences.n; k++)
		if (!have[k])
			check_list_add(&miss, r->competences.items[k], ", ");
	if (miss.len > 0) {
		rules_var m[2] = { { "file", f->name ? f->name : "" }, { "detail", miss.data } };
		finding_add_zh_en(p, r, "cross_reference_competences", f->doc, f->lang, m, 2, m, 2);
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

/* The first rows' cells as column_match compares them: normalised
 * (check_normalise) and without a trailing '*', ':' or space, each once
 * however many columns of both languages are tried against it. */
typedef struct header_rows {
	char **cells[CHECK_HEADER_ROWS];   /* owned; a row's are made when first asked for */
} header_rows;

static char *const *header_cells(header_rows *h, const csv_table *t, size_t row)
{
	if (h->cells[row] == NULL) {
		h->cells[row] = xcalloc(t->ncols[row] + 1, sizeof *h->cells[row]);
		for (size_t j = 0; j < t->ncols[row]; j++) {
			char *n = check_normalise(t->rows[row][j]);
			size_t l = strlen(n);
			while (l > 0 && (n[l - 1] == '*' || n[l - 1] == ':' || n[l - 1] == ' '))
				n[--l] = '\0';
			h->cells[row][j] = n;
		}
	}
	return h->cells[row];
}

static void header_rows_free(header_rows *h, const csv_table *t)
{
	for (size_t row = 0; row < CHECK_HEADER_ROWS; row++) {
		for (size_t j = 0; h->cells[row] != NULL && j < t->ncols[row]; j++)
			free(h->cells[row][j]);
		free(h->cells[row]);
		h->cells[row] = NULL;
	}
}

/* A header cell names column c when either holds the other ("CPD Claimed
 * hours" / "Hours", "Initials of ES/RP*"); cellv as header_cells made it,
 * col as the rules hold it (lower-cased). */
static int column_match(const char *cellv, const char *col)
{
	size_t l = strlen(cellv);
	return l > 0 && (strstr(cellv, col) != NULL || (l >= 4 && strstr(col, cellv) != NULL));
}

static size_t header_score(header_rows *h, const csv_table *t, size_t row, const strlist *cols, long *idx)
{
	char *const *cells = header_cells(h, t, row);
	size_t score = 0;
	for (size_t c = 0; c < cols->n; c++) {
		idx[c] = -1;
		for (size_t j = 0; j < t->ncols[row] && idx[c] < 0; j++)
			if (column_match(cells[j], cols->items[c])) {
				idx[c] = (long)j;
				score++;
			}
	}
	return score;
}

static void add_year(packet_cpd_year *v, size_t *n, int year, double h)
{
	size_t j = 0;
	while (j < *n && v[j].year != year)
		j++;
	if (j == *n) {
		if (*n >= PACKET_CPD_YEARS)
			return;
		v[(*n)++] = (packet_cpd_year){year, 0};
	}
	v[j].hours += h;
}

static void check_cpd_rows(packet *p, const rules *r, const packet_file *f, const csv_table *t,
			   size_t header, const long *idx, size_t ncols, const check_options *opt)
{
	char today_s[32], from_s[32], total_s[32], entries_s[16], years_s[16];
	long today, from;
	double total = 0;
	int entries = 0, reported = 0;
	packet_cpd_year mine[PACKET_CPD_YEARS];
	size_t nmine = 0;
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
			finding_add_zh_en(p, r, "cpd_entry_out_of_range", f->doc, f->lang, v, 8, v, 8);
			reported++;
		}
		if (hcol < 0)
			continue;
		snprintf(detail, sizeof detail, "#%zu (%.120s)", i + 1, hours);
		if (parse_hours(hours, &h) != 0) {
			if (reported++ < CHECK_MAX_ROW_FINDINGS)
				finding_add_zh_en(p, r, "cpd_hours_invalid", f->doc, f->lang, v, 8, v, 8);
		} else {
			total += h;
			if (dcol >= 0 && check_parse_date(date, &lo, &hi) == 0 && lo / 10000 == hi / 10000)
				add_year(mine, &nmine, (int)(lo / 10000), h);
		}
	}
	/* the record's hours per year, for re-registration (cpd.c) */
	for (size_t k = 0; k < nmine; k++) {
		size_t j = 0;
		while (j < p->ncpd && p->cpd[j].year != mine[k].year)
			j++;
		if (j == p->ncpd && p->ncpd < PACKET_CPD_YEARS)
			p->cpd[p->ncpd++] = (packet_cpd_year){mine[k].year, 0};
		if (j < p->ncpd && mine[k].hours > p->cpd[j].hours)
			p->cpd[j].hours = mine[k].hours;
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
		finding_add_zh_en(p, r, "cpd_total", f->doc, f->lang, v, 4, v, 4);
	}
}

void check_cpd(packet *p, const rules *r, size_t i, const check_options *opt)
{
	const packet_file *f = &p->files[i];
	const strlist *sets[2] = { &r->cpd_columns_en, &r->cpd_columns_zh };
	int zh = rules_lang_index(r, "zh"), en = rules_lang_index(r, "en");
	csv_table t;
	char err[128];
	long idx[2][CHECK_MAX_TABLE_COLS], *best = NULL;
	size_t header = 0, score = 0, bestset = 0;
	header_rows hr;
	if (f->text == NULL || !(strcmp(f->type, "csv") == 0 || strcmp(f->type, "txt") == 0 ||
				 strcmp(f->type, "xlsx") == 0 || strcmp(f->type, "docx") == 0 ||
				 strcmp(f->type, "odt") == 0))
		return;
	if (strcmp(f->type, "xlsx") == 0 || strcmp(f->type, "docx") == 0 ||
	    strcmp(f->type, "odt") == 0 || csv_parse(f->text, strlen(f->text), &t, err, sizeof err) != 0)
		tsv_table(f->text, &t);
	memset(&hr, 0, sizeof hr);
	for (size_t s = 0; s < 2; s++) {
		/* Each language's file uses its own annex's columns; an unmarked
		 * file may use either. */
		if ((s == 0 && f->lang == zh && zh >= 0) || (s == 1 && f->lang == en && en >= 0) ||
		    sets[s]->n == 0 || sets[s]->n > CHECK_MAX_TABLE_COLS)
			continue;
		for (size_t row = 0; row < t.nrows && row < CHECK_HEADER_ROWS; row++) {
			size_t sc = header_score(&hr, &t, row, sets[s], idx[s]);
			if (sc > score) {
				score = sc;
				header = row;
				bestset = s;
			}
		}
	}
	if (score >= 2) {
		header_score(&hr, &t, header, sets[bestset], idx[bestset]);
		best = idx[bestset];
	}
	if (best == NULL || score < sets[bestset]->n) {
		buf b;
		const strlist *cols = best ? sets[bestset] : sets[f->lang == zh && zh >= 0];
		rules_var v[2] = { { "file", f->name ? f->name : "" }, { "detail", "" } };
		buf_init(&b, CHECK_MAX_LIST + 16);
		for (size_t c = 0; c < cols->n; c++)
			if (best == NULL || best[c] < 0)
				check_list_add(&b, cols->items[c], ", ");
		v[1].value = b.data ? b.data : "";
		finding_add_zh_en(p, r, "cpd_columns", f->doc, f->lang, v, 2, v, 2);
		buf_free(&b);
	}
	if (best)
		check_cpd_rows(p, r, f, &t, header, best, sets[bestset]->n, opt);
	header_rows_free(&hr, &t);
	csv_table_free(&t);
}
