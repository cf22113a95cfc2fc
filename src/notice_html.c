/* notice_html.c — the HTML part of a notice, laid out from the structure of
 * its text template so that one template serves both parts and the two can
 * never say different things:
 *   - a line of ten or more '-' separates the language sections: the first
 *     is lang="zh", the second lang="en" (SPEC: Chinese first);
 *   - blank lines separate paragraphs; the last paragraph of a section (the
 *     signature) is set smaller and grey;
 *   - lines indented by two spaces ("  日期：{date}") become the rows of a
 *     two-column table, split at the first "：" or ": " of the template line;
 *   - a line holding only a placeholder whose value has several lines (fee
 *     lists) becomes such a table too, or plain lines when the value's lines
 *     are not "label: value" pairs; a line ending in "：" or ":" just before
 *     such a block is set as its heading;
 *   - a var named "NAME.html" gives ready-made HTML for a {NAME} alone on its
 *     line (the checklist table, the findings list); every other value and
 *     all template text are escaped.
 * Styles are inline (mail clients drop <style> and external sheets), there
 * is no script, and tables carry cellpadding/border attributes as well as
 * styles for clients that ignore CSS.
 */
#include "notice.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define NH_FONT "font-family:'Noto Sans CJK SC','PingFang SC','Microsoft YaHei','Helvetica Neue',Arial,sans-serif"
#define NH_P "margin:0 0 12px 0"
#define NH_HEAD "margin:16px 0 6px 0;font-weight:bold"
#define NH_MUTED "margin:20px 0 0 0;font-size:13px;color:#57606a"
#define NH_TABLE "border-collapse:collapse;margin:0 0 12px 0;font-size:14px"
#define NH_TH "padding:4px 12px 4px 0;text-align:left;vertical-align:top;white-space:nowrap;color:#57606a;font-weight:normal"
#define NH_TD "padding:4px 0;vertical-align:top"
#define NH_GRID_TH "padding:6px 10px;border:1px solid #d0d7de;background:#f6f8fa;text-align:left"
#define NH_GRID_TD "padding:6px 10px;border:1px solid #d0d7de;vertical-align:top"
#define NH_MISSING "background:#ffebe9;color:#a40e26;font-weight:bold"

void notice_html_escape(buf *b, const char *s)
{
	const char *run = s;
	for (; s && *s; s++) {
		const char *rep;
		switch (*s) {
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '&': rep = "&amp;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		buf_add(b, run, (size_t)(s - run));
		buf_adds(b, rep);
		run = s + 1;
	}
	if (run && s > run)
		buf_add(b, run, (size_t)(s - run));
}

/* Escaped text with its line ends as <br>. */
static void esc_lines(buf *b, const char *s, size_t n)
{
	char *copy = xstrndup(s, n), *line = copy;
	for (;;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		notice_html_escape(b, line);
		if (nl == NULL)
			break;
		if (nl[1] != '\0')
			buf_adds(b, "<br>");
		line = nl + 1;
	}
	free(copy);
}

static const rules_var *find_var(const rules_var *vars, size_t nvars, const char *name, size_t nlen,
				 const char *suffix)
{
	size_t slen = strlen(suffix);
	for (size_t i = 0; i < nvars; i++)
		if (vars[i].name && strlen(vars[i].name) == nlen + slen && memcmp(vars[i].name, name, nlen) == 0 &&
		    memcmp(vars[i].name + nlen, suffix, slen) == 0)
			return &vars[i];
	return NULL;
}

/* Template text s[0..n) with every known {name} replaced by its escaped
 * value; unknown braces stay as written (like rules_render). */
static void fill(buf *b, const char *s, size_t n, const rules_var *vars, size_t nvars)
{
	const char *end = s + n;
	while (s < end) {
		const char *open = memchr(s, '{', (size_t)(end - s)), *close;
		const rules_var *v = NULL;
		if (open == NULL) {
			esc_lines(b, s, (size_t)(end - s));
			return;
		}
		esc_lines(b, s, (size_t)(open - s));
		close = memchr(open, '}', (size_t)(end - open));
		if (close)
			v = find_var(vars, nvars, open + 1, (size_t)(close - open - 1), "");
		if (v == NULL) {
			buf_adds(b, "{");
			s = open + 1;
			continue;
		}
		if (v->value)
			esc_lines(b, v->value, strlen(v->value));
		s = close + 1;
	}
}

/* The split point of "label：value" / "label: value": the label's length
 * and where the value starts, or 0 when the line has no such separator. */
static size_t kv_split(const char *s, size_t n, size_t *value_at)
{
	for (size_t i = 0; i < n; i++) {
		if (i + 3 <= n && memcmp(s + i, "：", 3) == 0) {
			*value_at = i + 3;
			return i;
		}
		if (i + 1 < n && s[i] == ':' && s[i + 1] == ' ') {
			*value_at = i + 2;
			return i;
		}
	}
	return 0;
}

static void kv_row(buf *b, const char *s, size_t n, const rules_var *vars, size_t nvars)
{
	size_t at = 0, k;
	while (n > 0 && *s == ' ') {
		s++;
		n--;
	}
	k = kv_split(s, n, &at);
	if (k == 0) {
		buf_adds(b, "<tr><td colspan=\"2\" style=\"" NH_TD "\">");
		fill(b, s, n, vars, nvars);
	} else {
		buf_adds(b, "<tr><th align=\"left\" style=\"" NH_TH "\">");
		fill(b, s, k, vars, nvars);
		buf_adds(b, "</th><td style=\"" NH_TD "\">");
		fill(b, s + at, n - at, vars, nvars);
	}
	buf_adds(b, "</td></tr>\n");
}

static int is_kv_line(const char *s, size_t n)
{
	size_t at;
	return n > 2 && s[0] == ' ' && s[1] == ' ' && kv_split(s, n, &at) > 2;
}

/* A multi-line value: a table when every line is "  label：value", else
 * its lines as one paragraph. */
static void block_value(buf *b, const char *v)
{
	int all_kv = 1, any = 0;
	for (const char *l = v; *l;) {
		size_t n = strcspn(l, "\n");
		if (n > 0) {
			any = 1;
			all_kv &= is_kv_line(l, n);
		}
		l += n + (l[n] == '\n');
	}
	if (!any)
		return;
	if (!all_kv) {
		size_t n = strlen(v);
		while (n > 0 && v[n - 1] == '\n')
			n--;
		buf_adds(b, "<p style=\"" NH_P "\">");
		esc_lines(b, v, n);
		buf_adds(b, "</p>\n");
		return;
	}
	buf_adds(b, "<table role=\"presentation\" cellpadding=\"0\" cellspacing=\"0\" style=\"" NH_TABLE "\">\n");
	for (const char *l = v; *l;) {
		size_t n = strcspn(l, "\n");
		if (n > 0)
			kv_row(b, l, n, NULL, 0);
		l += n + (l[n] == '\n');
	}
	buf_adds(b, "</table>\n");
}

typedef struct nh_state {
	buf *b;
	int in_p, in_kv;
} nh_state;

static void close_open(nh_state *st)
{
	if (st->in_p)
		buf_adds(st->b, "</p>\n");
	if (st->in_kv)
		buf_adds(st->b, "</table>\n");
	st->in_p = st->in_kv = 0;
}

/* The placeholder a line holds alone ("{name}"), or NULL. */
static const char *lone_placeholder(const char *s, size_t n, size_t *nlen)
{
	if (n < 3 || s[0] != '{' || s[n - 1] != '}' || memchr(s + 1, '{', n - 2) || memchr(s + 1, '}', n - 2))
		return NULL;
	*nlen = n - 2;
	return s + 1;
}

static int ends_with_colon(const char *s, size_t n)
{
	while (n > 0 && s[n - 1] == ' ')
		n--;
	return (n >= 1 && s[n - 1] == ':') || (n >= 3 && memcmp(s + n - 3, "：", 3) == 0);
}

/* One paragraph (lines s[0..n), no blank line inside) of a section. */
static void paragraph(nh_state *st, const char *s, size_t n, int last, const rules_var *vars, size_t nvars)
{
	const char *end = s + n;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t len = nl ? (size_t)(nl - s) : (size_t)(end - s), nlen = 0;
		const char *ph = lone_placeholder(s, len, &nlen);
		const char *next = nl ? nl + 1 : end;
		size_t next_len = (size_t)(end - next), next_nlen;
		const char *next_line_end = memchr(next, '\n', next_len);
		const rules_var *v;
		if (next_line_end)
			next_len = (size_t)(next_line_end - next);
		if (ph) {
			close_open(st);
			v = find_var(vars, nvars, ph, nlen, ".html");
			if (v && v->value) {
				buf_adds(st->b, v->value);
			} else {
				v = find_var(vars, nvars, ph, nlen, "");
				if (v == NULL) {
					buf_adds(st->b, "<p style=\"" NH_P "\">");
					esc_lines(st->b, s, len);
					buf_adds(st->b, "</p>\n");
				} else if (v->value) {
					block_value(st->b, v->value);
				}
			}
		} else if (len > 2 && s[0] == ' ' && s[1] == ' ') {
			if (!st->in_kv) {
				close_open(st);
				buf_adds(st->b, "<table role=\"presentation\" cellpadding=\"0\" cellspacing=\"0\" style=\""
					 NH_TABLE "\">\n");
				st->in_kv = 1;
			}
			kv_row(st->b, s, len, vars, nvars);
		} else if (ends_with_colon(s, len) && next < end && lone_placeholder(next, next_len, &next_nlen)) {
			close_open(st);
			buf_adds(st->b, "<p style=\"" NH_HEAD "\">");
			fill(st->b, s, len, vars, nvars);
			buf_adds(st->b, "</p>\n");
		} else {
			if (st->in_kv)
				close_open(st);
			if (st->in_p) {
				buf_adds(st->b, "<br>\n");
			} else {
				buf_adds(st->b, last ? "<p style=\"" NH_MUTED "\">" : "<p style=\"" NH_P "\">");
				st->in_p = 1;
			}
			fill(st->b, s, len, vars, nvars);
		}
		s = next;
	}
	close_open(st);
}

static int is_separator(const char *s, size_t n)
{
	if (n < 10)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] != '-')
			return 0;
	return 1;
}

/* One language section: the template lines s[0..n). */
static void section(buf *b, const char *s, size_t n, int index, const rules_var *vars, size_t nvars)
{
	static const char *const langs[] = {"zh", "en"};
	nh_state st = {b, 0, 0};
	const char *end = s + n, *p = s, *last_start = NULL;
	/* Where the last paragraph starts, so that it can be set apart. */
	while (p < end) {
		while (p < end && *p == '\n')
			p++;
		if (p < end)
			last_start = p;
		while (p < end && !(*p == '\n' && p + 1 < end && p[1] == '\n'))
			p++;
	}
	if (index < 2)
		buf_printf(b, "<div lang=\"%s\">\n", langs[index]);
	else
		buf_adds(b, "<div>\n");
	p = s;
	while (p < end) {
		const char *q;
		while (p < end && *p == '\n')
			p++;
		q = p;
		while (p < end && !(*p == '\n' && p + 1 < end && p[1] == '\n'))
			p++;
		if (p > q) {
			size_t len = (size_t)(p - q);
			if (q[len - 1] == '\n')
				len--;
			if (len > 0)
				paragraph(&st, q, len, q == last_start && index < 2, vars, nvars);
		}
	}
	buf_adds(b, "</div>\n");
}

char *notice_html_of_template(const char *subject, const char *body, const rules_var *vars, size_t nvars)
{
	buf b;
	const char *s = body ? body : "", *start = s;
	int index = 0;
	buf_init(&b, 0);
	buf_adds(&b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
		     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>");
	notice_html_escape(&b, subject ? subject : "");
	buf_adds(&b, "</title></head>\n<body style=\"margin:0;padding:0;background:#f6f8fa\">\n"
		     "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" "
		     "style=\"background:#f6f8fa\"><tr><td align=\"center\" style=\"padding:16px 8px\">\n"
		     "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" "
		     "style=\"max-width:680px;background:#ffffff;border:1px solid #d0d7de\"><tr>"
		     "<td style=\"padding:20px 24px;" NH_FONT ";font-size:15px;line-height:1.6;color:#1f2328\">\n");
	for (;;) {
		size_t len = strcspn(s, "\n");
		int sep = is_separator(s, len);
		if (sep || s[len] == '\0') {
			const char *stop = sep ? s : s + len;
			section(&b, start, (size_t)(stop - start), index, vars, nvars);
			if (!sep)
				break;
			buf_adds(&b, "<hr style=\"border:none;border-top:1px solid #d0d7de;margin:24px 0\">\n");
			index++;
			start = s + len + (s[len] == '\n');
		}
		if (s[len] == '\0')
			break;
		s += len + 1;
	}
	buf_adds(&b, "</td></tr></table>\n</td></tr></table>\n</body></html>\n");
	return buf_steal(&b);
}

/* Column heads "a|b|c|d" from phrases.ini, or the fallback. */
static void heads(buf *b, const texts *templates_dir, const char *key, const char *fallback)
{
	char *h = templates_dir ? notice_phrase(templates_dir, key) : xstrdup("");
	strlist l = {0};
	strlist_split(&l, *h ? h : fallback, '|');
	buf_adds(b, "<tr><th style=\"" NH_GRID_TH "\"></th>");
	for (size_t i = 0; i < l.n; i++) {
		buf_printf(b, "<th align=\"left\" style=\"" NH_GRID_TH "\">");
		notice_html_escape(b, util_trim(l.items[i]));
		buf_adds(b, "</th>");
	}
	buf_adds(b, "</tr>\n");
	strlist_free(&l);
	free(h);
}

char *notice_checklist_html(const packet *p, const rules *r, const texts *templates_dir, int zh)
{
	buf b;
	buf_init(&b, 0);
	if (p->nslots == 0) {
		buf_adds(&b, zh ? "<p style=\"" NH_P "\">（无）</p>\n" : "<p style=\"" NH_P "\">(none)</p>\n");
		return buf_steal(&b);
	}
	buf_adds(&b, "<table cellpadding=\"6\" cellspacing=\"0\" border=\"1\" style=\"" NH_TABLE ";border-color:#d0d7de\">\n");
	heads(&b, templates_dir, zh ? "checklist.heads.zh" : "checklist.heads.en",
	      zh ? "文件|语言|收到|需要" : "Document|Language|Found|Required");
	for (size_t i = 0; i < p->nslots; i++) {
		const packet_slot *s = &p->slots[i];
		const rules_document *d = &r->docs[s->doc];
		const rules_language *l = &r->langs[s->lang];
		int short_of = s->copies < s->required;
		/* On every cell, not the row: some clients drop a row's style. */
		const char *td = short_of ? NH_GRID_TD ";" NH_MISSING : NH_GRID_TD;
		buf_printf(&b, "<tr><td style=\"%s\">%s</td><td style=\"%s\">", td, short_of ? "✗" : "✓", td);
		notice_html_escape(&b, zh ? d->name_zh : d->name_en);
		buf_printf(&b, "</td><td style=\"%s\">", td);
		notice_html_escape(&b, zh ? l->name_zh : l->name_en);
		buf_printf(&b, "</td><td align=\"right\" style=\"%s;text-align:right\">%d</td>"
			       "<td align=\"right\" style=\"%s;text-align:right\">%d</td></tr>\n",
			   td, s->copies, td, s->required);
	}
	buf_adds(&b, "</table>\n");
	return buf_steal(&b);
}

char *notice_findings_html(const packet *p, int zh)
{
	static const char *const sev_zh[] = {"需改正", "提示", "说明"};
	static const char *const sev_en[] = {"to fix", "warning", "note"};
	static const char *const sev_style[] = {"background:#a40e26;color:#ffffff", "background:#9a6700;color:#ffffff",
						"background:#57606a;color:#ffffff"};
	buf b;
	buf_init(&b, 0);
	if (p->nfindings == 0) {
		buf_adds(&b, zh ? "<p style=\"" NH_P "\">无。</p>\n" : "<p style=\"" NH_P "\">None.</p>\n");
		return buf_steal(&b);
	}
	buf_adds(&b, "<ol style=\"margin:0 0 12px 0;padding-left:24px\">\n");
	for (size_t i = 0; i < p->nfindings; i++) {
		const finding *f = &p->findings[i];
		int sev = (unsigned)f->severity <= 2 ? (int)f->severity : 2;
		buf_printf(&b, "<li style=\"margin:0 0 6px 0\"><span style=\"%s;padding:1px 6px;border-radius:3px;"
			       "font-size:12px;white-space:nowrap\">%s</span> ",
			   sev_style[sev], zh ? sev_zh[sev] : sev_en[sev]);
		notice_html_escape(&b, zh ? f->message_zh : f->message_en);
		buf_adds(&b, "</li>\n");
	}
	buf_adds(&b, "</ol>\n");
	return buf_steal(&b);
}
