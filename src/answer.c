/* answer.c — whether and where a received message is answered (answer.h). */
#include "answer.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "notice.h"
#include "util.h"

const char *answer_address(const mime_message *m)
{
	if (m->return_path != NULL)
		return m->return_path[0] != '\0' ? m->return_path : NULL;
	return m->from_addr != NULL && m->from_addr[0] != '\0' ? m->from_addr : NULL;
}

const char *answer_other_reply_to(const mime_message *m)
{
	const char *to = answer_address(m);
	if (m->reply_to == NULL || m->reply_to[0] == '\0')
		return NULL;
	return to != NULL && util_streq_nocase(to, m->reply_to) ? NULL : m->reply_to;
}

/* addr equals the address of `ours` ("Name <a@b>" or "a@b"). */
static int is_our_address(const char *addr, const char *ours)
{
	const char *lt, *gt;
	size_t n;
	if (addr == NULL || ours == NULL)
		return 0;
	lt = strrchr(ours, '<');
	gt = lt != NULL ? strchr(lt, '>') : NULL;
	if (lt == NULL || gt == NULL)
		return util_streq_nocase(addr, ours);
	n = (size_t)(gt - lt - 1);
	return strlen(addr) == n && strncasecmp(addr, lt + 1, n) == 0;
}

static int is_ours(const config *conf, const char *addr)
{
	return is_our_address(addr, conf->intake_address) || is_our_address(addr, conf->smtp_from);
}

/* Senders RFC 5230 section 4.5 says a vacation responder must not answer:
 * lists' owners and request robots, and mail systems. */
static int is_robot(const char *addr)
{
	const char *at;
	size_t n;
	if (addr == NULL)
		return 0;
	at = strchr(addr, '@');
	n = at != NULL ? (size_t)(at - addr) : strlen(addr);
	if (n >= 6 && strncasecmp(addr, "owner-", 6) == 0)
		return 1;
	if (n >= 8 && strncasecmp(addr + n - 8, "-request", 8) == 0)
		return 1;
	return (n == 13 && strncasecmp(addr, "mailer-daemon", 13) == 0) ||
	       (n == 8 && strncasecmp(addr, "listserv", 8) == 0) ||
	       (n == 9 && strncasecmp(addr, "majordomo", 9) == 0);
}

static int names_intake(const config *conf, const mime_message *m)
{
	for (size_t i = 0; i < m->nrcpts; i++)
		if (is_ours(conf, m->rcpts[i]))
			return 1;
	return 0;
}

const char *answer_why_not(const config *conf, const mime_message *m, enum answer_kind kind)
{
	const char *to = answer_address(m);
	if (m->auto_submitted)
		return "auto-submitted message";
	if (m->is_bounce)
		return "bounce or delivery report";
	if (m->is_list)
		return "list or bulk mail";
	if (to == NULL)
		return "no sender address";
	if (is_ours(conf, to) || is_ours(conf, m->from_addr))
		return "mail from our own intake address";
	if (is_robot(to) || is_robot(m->from_addr))
		return "sender is a list or mail system (owner-*, *-request, MAILER-DAEMON)";
	if (kind != ANSWER_PACKET && conf->intake_address != NULL && !names_intake(conf, m))
		return "no packet, and the intake address is not among its recipients";
	return NULL;
}

/* Splits s into words at blanks and the separators people put around a
 * keyword ("STATUS: RRA-…", "状态／STATUS"). */
static void status_words(const char *s, strlist *out)
{
	buf w;
	buf_init(&w, 0);
	for (const char *p = s;; p++) {
		int sep = *p == '\0' || isspace((unsigned char)*p) || *p == ':' || *p == '/' || *p == ',' ||
			  *p == ';' || *p == '(' || *p == ')' || *p == '[' || *p == ']';
		size_t skip = 0;
		/* full-width colon, solidus, comma and space: three bytes each */
		if (!sep && (strncmp(p, "：", 3) == 0 || strncmp(p, "／", 3) == 0 || strncmp(p, "，", 3) == 0 ||
			     strncmp(p, "　", 3) == 0)) {
			sep = 1;
			skip = 2;
		}
		if (sep) {
			if (w.len > 0) {
				buf_add(&w, "", 1);
				strlist_add(out, w.data);
				w.len = 0;
			}
			if (*p == '\0')
				break;
			p += skip;
		} else {
			buf_add(&w, p, 1);
		}
	}
	buf_free(&w);
}

/* RRA-YYYY-NNNNNN, any case. */
static int is_number(const char *s)
{
	if (strlen(s) != 15 || strncasecmp(s, "RRA-", 4) != 0 || s[8] != '-')
		return 0;
	for (size_t i = 4; i < 15; i++)
		if (i != 8 && !isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

static int status_line(const strlist *keywords, const char *line, char number[32])
{
	strlist words = {0};
	int keyword = 0, other = 0;
	char num[32] = "";
	status_words(line, &words);
	for (size_t i = 0; i < words.n; i++) {
		int k = 0;
		for (size_t j = 0; j < keywords->n && !k; j++)
			k = util_streq_nocase(words.items[i], keywords->items[j]);
		if (k) {
			keyword = 1;
		} else if (is_number(words.items[i]) && num[0] == '\0') {
			for (size_t c = 0; c < 15; c++)
				num[c] = (char)toupper((unsigned char)words.items[i][c]);
		} else {
			other = 1;
		}
	}
	strlist_free(&words);
	if (!keyword || other)
		return 0;
	snprintf(number, 32, "%s", num);
	return 1;
}

int answer_status_request(const struct texts *t, const mime_message *m, char number[32])
{
	char *kw = notice_phrase(t, "status.keywords");
	strlist keywords = {0};
	int rc = 0;
	number[0] = '\0';
	strlist_split(&keywords, kw, ',');
	if (keywords.n == 0)
		goto out;
	rc = (m->subject != NULL && status_line(&keywords, m->subject, number)) ||
	     (m->first_line != NULL && status_line(&keywords, m->first_line, number));
out:
	strlist_free(&keywords);
	free(kw);
	return rc;
}
