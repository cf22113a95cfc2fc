/* mailmsg.c — builds outgoing RFC 5322 messages: header fields with RFC 2047
 * encoded words for non-ASCII text (display names, subject; addresses stay
 * as they are), a UTF-8 text/plain body with an optional text/html
 * alternative (RFC 2046 multipart/alternative), attachments in
 * multipart/mixed with RFC 2231 filename* (continued when long) and an
 * RFC 2047 name= for older clients. Bodies are base64 so that the output is
 * 7-bit whatever the text holds.
 *
 * Written directly rather than with libetpan's mailmime builder, which
 * neither emits RFC 2231 parameters nor folds encoded words.
 */
#include "mailmsg.h"
#include "charset.h"
#include "clock.h"
#include "util.h"

#include <errno.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define MAILMSG_LINE 76
/* Caps on caller-supplied header text, far below the 998-byte line limit
 * of RFC 5322 even where a value cannot be folded. */
#define MAILMSG_MAX_SUBJECT 1000
#define MAILMSG_MAX_NAME 200
#define MAILMSG_MAX_TOKEN 900
#define MAILMSG_MAX_ADDRS 100

static int mailmsg_is_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

/* A copy with control characters (CR, LF above all: they would end the
 * header) as spaces, cut to at most max bytes on a UTF-8 boundary. */
static char *mailmsg_clean(const char *s, size_t max)
{
	size_t len = strlen(s), i = 0;
	char *d;
	while (i < len) {
		uint32_t cp;
		size_t n = util_utf8_next(s + i, len - i, &cp);
		if (n == 0)
			n = 1;
		if (i + n > max)
			break;
		i += n;
	}
	d = xstrndup(s, i);
	for (char *p = d; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7F)
			*p = ' ';
	return d;
}

/* Appends ASCII text folded on blanks so that lines stay within 76
 * columns where the words allow it. */
static void mailmsg_fold_ascii(buf *b, const char *s, size_t col)
{
	int first = 1;
	while (*s != '\0') {
		size_t n;
		while (*s == ' ')
			s++;
		n = strcspn(s, " ");
		if (n == 0)
			break;
		if (n > MAILMSG_MAX_TOKEN)
			n = MAILMSG_MAX_TOKEN;
		if (!first && col + 1 + n > MAILMSG_LINE) {
			buf_adds(b, "\r\n");
			col = 0;
		}
		if (!first || col == 0) {
			buf_add(b, " ", 1);
			col++;
		}
		buf_add(b, s, n);
		col += n;
		s += strcspn(s, " ");
		first = 0;
	}
}

/* "Name: value\r\n" for unstructured text (Subject). */
static void mailmsg_text_header(buf *b, const char *name, const char *value, size_t max)
{
	char *v = mailmsg_clean(value, max);
	buf_printf(b, "%s:", name);
	if (mailmsg_is_ascii(v)) {
		buf_add(b, " ", 1);
		mailmsg_fold_ascii(b, v, strlen(name) + 2);
	} else {
		char *enc = charset_rfc2047_encode(v, strlen(name) + 2);
		buf_add(b, " ", 1);
		buf_adds(b, enc);
		free(enc);
	}
	buf_adds(b, "\r\n");
	free(v);
}

/* One address "Name <addr>", "\"Name\" <addr>" or "addr" at column col. */
static void mailmsg_address(buf *b, const char *item, size_t col)
{
	const char *lt = strrchr(item, '<'), *gt = lt != NULL ? strchr(lt, '>') : NULL;
	char *name = NULL, *addr, *t;
	size_t nlen;

	if (lt != NULL && gt != NULL) {
		addr = xstrndup(lt + 1, (size_t)(gt - lt - 1));
		name = xstrndup(item, (size_t)(lt - item));
	} else {
		addr = xstrdup(item);
	}
	t = util_trim(addr);
	memmove(addr, t, strlen(t) + 1);
	/* An address never holds blanks, controls or non-ASCII bytes. */
	for (char *p = addr; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7F || *p == '<' || *p == '>')
			*p = '_';
	if (name != NULL) {
		char *c = mailmsg_clean(util_trim(name), MAILMSG_MAX_NAME);
		free(name);
		name = c;
		nlen = strlen(name);
		if (nlen >= 2 && name[0] == '"' && name[nlen - 1] == '"') {
			memmove(name, name + 1, nlen - 2);
			name[nlen - 2] = '\0';
		}
	}
	if (name == NULL || name[0] == '\0') {
		buf_adds(b, addr);
	} else {
		size_t start = b->len;
		const char *last;
		if (mailmsg_is_ascii(name)) {
			buf_add(b, "\"", 1);
			for (const char *p = name; *p != '\0'; p++) {
				if (*p == '"' || *p == '\\')
					buf_add(b, "\\", 1);
				buf_add(b, p, 1);
			}
			buf_add(b, "\"", 1);
		} else {
			char *enc = charset_rfc2047_encode(name, col);
			buf_adds(b, enc);
			free(enc);
		}
		/* The address goes on a line of its own when the name left no
		 * room for it. */
		last = strrchr(b->data + start, '\n');
		col = last != NULL ? (size_t)(b->data + b->len - last - 1) : col + (b->len - start);
		buf_printf(b, "%s<%s>", col + 3 + strlen(addr) > MAILMSG_LINE ? "\r\n " : " ", addr);
	}
	free(name);
	free(addr);
}

/* "Name: a,\r\n b\r\n": the list split on commas outside quotes and <>,
 * one address per line. */
static void mailmsg_address_header(buf *b, const char *name, const char *list)
{
	const char *s = list;
	size_t count = 0;
	buf_printf(b, "%s: ", name);
	while (*s != '\0' && count < MAILMSG_MAX_ADDRS) {
		const char *e = s;
		int quoted = 0, angle = 0;
		char *item, *t;
		for (; *e != '\0'; e++) {
			if (*e == '\\' && quoted && e[1] != '\0')
				e++;
			else if (*e == '"')
				quoted = !quoted;
			else if (*e == '<' && !quoted)
				angle = 1;
			else if (*e == '>' && !quoted)
				angle = 0;
			else if (*e == ',' && !quoted && !angle)
				break;
		}
		item = xstrndup(s, (size_t)(e - s));
		t = util_trim(item);
		if (t[0] != '\0') {
			if (count > 0)
				buf_adds(b, ",\r\n ");
			mailmsg_address(b, t, count > 0 ? 1 : strlen(name) + 2);
			count++;
		}
		free(item);
		s = *e == ',' ? e + 1 : e;
	}
	buf_adds(b, "\r\n");
}

/* References: message ids folded on blanks; an id too long for any line
 * is dropped. */
static void mailmsg_refs_header(buf *b, const char *refs)
{
	char *v = mailmsg_clean(refs, 64 * 1024);
	strlist l = {0};
	size_t col = strlen("References:");
	strlist_split(&l, v, ' ');
	buf_adds(b, "References:");
	for (size_t i = 0; i < l.n; i++) {
		size_t n = strlen(l.items[i]);
		if (n > MAILMSG_MAX_TOKEN)
			continue;
		if (col > 12 && col + 1 + n > MAILMSG_LINE) {
			buf_adds(b, "\r\n");
			col = 0;
		}
		buf_printf(b, " %s", l.items[i]);
		col += n + 1;
	}
	buf_adds(b, "\r\n");
	strlist_free(&l);
	free(v);
}

static void mailmsg_text_part(buf *b, const char *subtype, const char *text)
{
	buf_printf(b, "Content-Type: text/%s; charset=UTF-8\r\n"
		      "Content-Transfer-Encoding: base64\r\n\r\n", subtype);
	util_base64(b, text, strlen(text), MAILMSG_LINE);
}

/* filename*=UTF-8''... (RFC 2231), continued as filename*0*, filename*1*
 * ... when long; a %XX triple is never split. */
static void mailmsg_filename_2231(buf *b, const char *name)
{
	static const char attr_chars[] = "!#$&+-.^_`|~";
	buf v;
	size_t i = 0, seg = 0;
	buf_init(&v, 0);
	buf_adds(&v, "UTF-8''");
	for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr(attr_chars, *p) != NULL)
			buf_add(&v, p, 1);
		else
			buf_printf(&v, "%%%02X", *p);
	}
	if (v.len <= 60) {
		buf_printf(b, ";\r\n filename*=%s", v.data);
		buf_free(&v);
		return;
	}
	while (i < v.len) {
		size_t n = v.len - i < 60 ? v.len - i : 60;
		/* Back off so that no %XX is cut in two. */
		if (i + n < v.len) {
			if (v.data[i + n - 1] == '%')
				n -= 1;
			else if (n >= 2 && v.data[i + n - 2] == '%')
				n -= 2;
		}
		buf_printf(b, ";\r\n filename*%zu*=%.*s", seg++, (int)n, v.data + i);
		i += n;
	}
	buf_free(&v);
}

static void mailmsg_attachment_part(buf *b, const mailmsg_attachment *a)
{
	char *name = mailmsg_clean(a->filename != NULL ? a->filename : "attachment", MAILMSG_MAX_NAME);
	char *ct = mailmsg_clean(a->content_type != NULL ? a->content_type : "application/octet-stream", 100);
	/* "type/subtype" with simple parameters ("; charset=UTF-8"); anything
	 * that would need quoting ends it. */
	for (char *p = ct; *p != '\0'; p++)
		if (!(isalnum((unsigned char)*p) || strchr("!#$&^_.+-/=; ", *p) != NULL) ||
		    (unsigned char)*p >= 0x80)
			*p = '\0';
	for (size_t n = strlen(ct); n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == ';'); n--)
		ct[n - 1] = '\0';
	if (ct[0] == '\0' || strchr(ct, '/') == NULL || strcspn(ct, "/") > strcspn(ct, ";")) {
		free(ct);
		ct = xstrdup("application/octet-stream");
	}
	if (mailmsg_is_ascii(name)) {
		buf v;
		buf_init(&v, 0);
		buf_add(&v, "\"", 1);
		for (const char *p = name; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				buf_add(&v, "\\", 1);
			buf_add(&v, p, 1);
		}
		buf_add(&v, "\"", 1);
		buf_printf(b, "Content-Type: %s;\r\n name=%s\r\n", ct, v.data);
		buf_printf(b, "Content-Disposition: attachment;\r\n filename=%s\r\n", v.data);
		buf_free(&v);
	} else {
		char *enc = charset_rfc2047_encode(name, strlen(" name=\""));
		buf_printf(b, "Content-Type: %s;\r\n name=\"%s\"\r\n", ct, enc);
		buf_adds(b, "Content-Disposition: attachment");
		mailmsg_filename_2231(b, name);
		buf_adds(b, "\r\n");
		free(enc);
	}
	buf_adds(b, "Content-Transfer-Encoding: base64\r\n\r\n");
	util_base64(b, a->data, a->data != NULL ? a->len : 0, MAILMSG_LINE);
	free(ct);
	free(name);
}

static void mailmsg_date(buf *b, time_t t)
{
	static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	struct tm tm;
	if (gmtime_r(&t, &tm) == NULL) {
		t = 0;
		gmtime_r(&t, &tm);
	}
	buf_printf(b, "Date: %s, %d %s %04d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday], tm.tm_mday,
		   months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* The text body alone, or text and HTML as multipart/alternative. */
static void mailmsg_body(buf *b, const mailmsg *m, const char *bnd)
{
	if (m->html == NULL) {
		mailmsg_text_part(b, "plain", m->text);
		return;
	}
	buf_printf(b, "Content-Type: multipart/alternative;\r\n boundary=\"%s-alt\"\r\n\r\n", bnd);
	buf_printf(b, "--%s-alt\r\n", bnd);
	mailmsg_text_part(b, "plain", m->text);
	buf_printf(b, "--%s-alt\r\n", bnd);
	mailmsg_text_part(b, "html", m->html);
	buf_printf(b, "--%s-alt--\r\n", bnd);
}

char *mailmsg_build(const mailmsg *m, size_t *len)
{
	buf b;
	char *id = NULL, *res;
	char hash[65], bnd[40];

	if (m == NULL || m->from == NULL || m->to == NULL || m->text == NULL)
		return NULL;
	if (m->message_id != NULL) {
		id = mailmsg_clean(m->message_id, MAILMSG_MAX_TOKEN);
	} else {
		const char *at = strrchr(m->from, '@');
		char *dom = at != NULL ? xstrndup(at + 1, strcspn(at + 1, "> \t")) : NULL;
		id = mailmsg_new_id(dom);
		free(dom);
	}
	/* Bodies are base64 and part headers are ours, so a boundary holding
	 * "=_" (outside the base64 alphabet) can never occur inside a part. */
	if (util_sha256_hex(id, strlen(id), hash) != 0) {
		free(id);
		return NULL;
	}
	snprintf(bnd, sizeof(bnd), "=_pk_%.24s", hash);

	buf_init(&b, 0);
	mailmsg_date(&b, m->date != 0 ? m->date : clock_now());
	mailmsg_address_header(&b, "From", m->from);
	mailmsg_address_header(&b, "To", m->to);
	mailmsg_text_header(&b, "Subject", m->subject != NULL ? m->subject : "", MAILMSG_MAX_SUBJECT);
	buf_printf(&b, "Message-ID: <%s>\r\n", id);
	if (m->in_reply_to != NULL && m->in_reply_to[0] != '\0' &&
	    strlen(m->in_reply_to) <= MAILMSG_MAX_TOKEN) {
		char *irt = mailmsg_clean(m->in_reply_to, MAILMSG_MAX_TOKEN);
		buf_printf(&b, "In-Reply-To: <%s>\r\n", irt);
		free(irt);
	}
	if (m->references != NULL && m->references[0] != '\0')
		mailmsg_refs_header(&b, m->references);
	if (m->auto_submitted != NULL) {
		char *as = mailmsg_clean(m->auto_submitted, 100);
		buf_printf(&b, "Auto-Submitted: %s\r\n", as);
		buf_adds(&b, "X-Auto-Response-Suppress: All\r\n");
		free(as);
	}
	buf_adds(&b, "MIME-Version: 1.0\r\n");
	if (m->natts == 0) {
		mailmsg_body(&b, m, bnd);
	} else {
		buf_printf(&b, "Content-Type: multipart/mixed;\r\n boundary=\"%s-mix\"\r\n\r\n", bnd);
		buf_adds(&b, "This is a multi-part message in MIME format.\r\n");
		buf_printf(&b, "--%s-mix\r\n", bnd);
		mailmsg_body(&b, m, bnd);
		for (size_t i = 0; i < m->natts; i++) {
			buf_printf(&b, "--%s-mix\r\n", bnd);
			mailmsg_attachment_part(&b, &m->atts[i]);
		}
		buf_printf(&b, "--%s-mix--\r\n", bnd);
	}
	free(id);
	if (len != NULL)
		*len = b.len;
	res = buf_steal(&b);
	return res;
}

char *mailmsg_new_id(const char *domain)
{
	unsigned char rnd[12];
	char hex[sizeof(rnd) * 2 + 1];
	buf b;
	size_t got = 0;

	while (got < sizeof(rnd)) {
		ssize_t n = getrandom(rnd + got, sizeof(rnd) - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			abort(); /* the kernel's generator failing is a broken invariant */
		got += (size_t)n;
	}
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
	buf_init(&b, 0);
	buf_printf(&b, "%s.%lld@%s", hex, (long long)clock_now(),
		   domain != NULL && domain[0] != '\0' ? domain : "localhost");
	return buf_steal(&b);
}
