/* notice.h — the bilingual notices (SPEC section 6): texts come from
 * templates under config/templates (one file per kind: a "Subject:" line, a
 * blank line, the body; {placeholders} filled here), the checklist and the
 * findings are laid out by code, and the result is a complete MIME message. */
#ifndef PACKETD_NOTICE_H
#define PACKETD_NOTICE_H

#include <time.h>

#include "packet.h"
#include "rules.h"
#include "texts.h"
#include "util.h"

typedef struct notice {
	char *subject;   /* owned, UTF-8 */
	char *text;      /* owned, UTF-8 plain text */
	char *html;      /* owned, the same as HTML */
} notice;

/* Renders the template of kind (templates/<kind>.txt, read with the config
 * into t): the subject, the text part (the
 * template filled) and the HTML part (laid out from the template's lines,
 * see notice_html_of_template). Returns -1 (and logs the file) when the
 * template is missing or has no Subject line. */
int notice_render(const texts *t, const char *kind, const rules_var *vars, size_t nvars,
		  notice *out);
void notice_free(notice *n);

/* A short text of phrases.ini (read with the config into t); an empty
 * string when absent. Caller frees. */
char *notice_phrase(const texts *t, const char *key);

/* The checklist (document × language: copies found of copies required) in
 * one language (zh != 0: Chinese). Caller frees. */
char *notice_checklist(const packet *p, const rules *r, int zh);
/* The findings, numbered, each with its fix, in one language. Caller frees. */
char *notice_findings(const packet *p, int zh);

/* ---- HTML (notice_html.c) ---- */

/* Appends s escaped for HTML text and attribute values (& < > " '). */
void notice_html_escape(buf *b, const char *s);
/* The HTML part of a template body (the text after the Subject line, not
 * yet filled): lang="zh" / lang="en" sections split at the line of dashes,
 * paragraphs, "  label：value" lines as tables, inline styles only, no
 * script. Every value and all template text are escaped, except a var
 * named "NAME.html", whose value is trusted HTML used for a {NAME} standing
 * alone on its line — only for HTML made by the functions below. The
 * subject becomes the <title>. Caller frees. */
char *notice_html_of_template(const char *subject, const char *body, const rules_var *vars, size_t nvars);
/* The checklist as a table (document, language, found, required), the rows
 * short of copies emphasised; column heads from phrases.ini
 * (checklist.heads.zh / .en, "a|b|c|d"). Caller frees. */
char *notice_checklist_html(const packet *p, const rules *r, const texts *templates_dir, int zh);
/* The findings as a numbered list, each with its severity. Caller frees. */
char *notice_findings_html(const packet *p, int zh);

/* Everything needed to turn a notice into a message. */
typedef struct notice_mail {
	const char *from;
	const char *to;
	const char *in_reply_to;   /* the applicant's Message-ID, or NULL */
	const char *references;    /* their References, or NULL */
	const char *auto_submitted;
	const char *domain;        /* for the Message-ID */
	time_t date;
	const struct mailmsg_attachment *atts;
	size_t natts;
} notice_mail;

/* Builds the RFC 5322 message; *message_id receives the new id (caller frees). */
char *notice_build(const notice *n, const notice_mail *m, char **message_id, size_t *len);

#endif
