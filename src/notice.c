/* notice.c — see notice.h. */
#include "notice.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mailmsg.h"
#include "util.h"

#define TEMPLATE_MAX (256 * 1024)

int notice_render(const texts *t, const char *kind, const rules_var *vars, size_t nvars, notice *out)
{
	const char *tmpl = texts_template(t, kind);
	char *data = NULL, *body, *subject = NULL;
	int rc = -1;
	memset(out, 0, sizeof *out);
	if (tmpl == NULL) {
		log_error("notice: no template %s/%s.txt", t->dir ? t->dir : "templates", kind);
		goto out;
	}
	data = xstrdup(tmpl);
	/* Split before filling, so that no value can move the boundary. */
	body = strstr(data, "\n\n");
	if (strncmp(data, "Subject:", 8) != 0 || body == NULL) {
		log_error("notice: %s/%s.txt: the first line must be \"Subject: ...\" followed by a blank line",
			  t->dir, kind);
		goto out;
	}
	*body = '\0';
	body += 2;
	subject = rules_render(util_trim(data + 8), vars, nvars);
	/* A value cannot end the Subject line either. */
	for (char *p = subject; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	out->subject = subject;
	out->text = rules_render(body, vars, nvars);
	out->html = notice_html_of_template(out->subject, body, vars, nvars);
	rc = 0;
out:
	free(data);
	return rc;
}

void notice_free(notice *n)
{
	free(n->subject);
	free(n->text);
	free(n->html);
	memset(n, 0, sizeof *n);
}

char *notice_phrase(const texts *t, const char *key)
{
	const char *v = texts_phrase(t, key);
	return xstrdup(v ? v : "");
}

char *notice_checklist(const packet *p, const rules *r, int zh)
{
	buf b;
	buf_init(&b, 0);
	for (size_t i = 0; i < p->nslots; i++) {
		const packet_slot *s = &p->slots[i];
		const rules_document *d = &r->docs[s->doc];
		const rules_language *l = &r->langs[s->lang];
		const char *mark = s->copies >= s->required ? "✓" : "✗";
		if (zh)
			buf_printf(&b, "  %s %s（%s）：收到 %d 份，需要 %d 份\n", mark, d->name_zh, l->name_zh,
				   s->copies, s->required);
		else
			buf_printf(&b, "  %s %s (%s): %d of %d copies\n", mark, d->name_en, l->name_en, s->copies,
				   s->required);
	}
	if (b.len == 0)
		buf_adds(&b, zh ? "  （无）\n" : "  (none)\n");
	return buf_steal(&b);
}

char *notice_findings(const packet *p, int zh)
{
	static const char *const sev_zh[] = {"需改正", "提示", "说明"};
	static const char *const sev_en[] = {"to fix", "warning", "note"};
	buf b;
	buf_init(&b, 0);
	for (size_t i = 0; i < p->nfindings; i++) {
		const finding *f = &p->findings[i];
		buf_printf(&b, "  %zu. [%s] %s\n", i + 1, zh ? sev_zh[f->severity] : sev_en[f->severity],
			   zh ? f->message_zh : f->message_en);
	}
	if (b.len == 0)
		buf_adds(&b, zh ? "  无。\n" : "  None.\n");
	return buf_steal(&b);
}

char *notice_build(const notice *n, const notice_mail *m, char **message_id, size_t *len)
{
	mailmsg msg;
	char *id = mailmsg_new_id(m->domain ? m->domain : "packetd.invalid");
	char *out;
	memset(&msg, 0, sizeof msg);
	msg.from = m->from;
	msg.to = m->to;
	msg.subject = n->subject;
	msg.message_id = id;
	msg.in_reply_to = m->in_reply_to;
	msg.references = m->references;
	msg.auto_submitted = m->auto_submitted;
	msg.date = m->date;
	msg.text = n->text;
	msg.html = n->html;
	msg.atts = m->atts;
	msg.natts = m->natts;
	out = mailmsg_build(&msg, len);
	if (out == NULL) {
		free(id);
		return NULL;
	}
	*message_id = id;
	return out;
}
