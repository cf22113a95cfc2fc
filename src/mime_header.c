/* mime_header.c — the header fields of a received message that packetd
 * decides on (mime.h): threading (RFC 5322 3.6.4), the addresses an answer
 * may go to (Return-Path, From, Reply-To; RFC 3834 section 4), the
 * recipients (To, Cc, Bcc and their Resent- forms, for the loop guard of
 * RFC 5230 section 4.5), and the marks of automatic mail (RFC 3834
 * Auto-Submitted, DSNs, list headers). mime_parse_header reads only the
 * head of a file: a message over max_message still gets an answer.
 *
 * Header fields are parsed with libetpan's mailimf parsers; a field they
 * refuse falls back to a plain scan for the address.
 */
#include "mime.h"
#include "mime_p.h"
#include "charset.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *mime_field(struct mailimf_fields *f, const char *name)
{
	if (f == NULL)
		return NULL;
	for (clistiter *c = clist_begin(f->fld_list); c != NULL; c = clist_next(c)) {
		struct mailimf_field *fld = clist_content(c);
		if (fld->fld_type != MAILIMF_FIELD_OPTIONAL_FIELD)
			continue;
		if (util_streq_nocase(fld->fld_data.fld_optional_field->fld_name, name))
			return fld->fld_data.fld_optional_field->fld_value;
	}
	return NULL;
}

/* A header value unfolded (CR and LF dropped, tabs as spaces) and trimmed. */
static char *mime_unfold(const char *v)
{
	char *s, *d, *t;
	if (v == NULL)
		return NULL;
	s = xstrdup(v);
	d = s;
	for (const char *p = v; *p != '\0'; p++) {
		if (*p == '\r' || *p == '\n')
			continue;
		*d++ = *p == '\t' ? ' ' : *p;
	}
	*d = '\0';
	t = mime_trimmed(s, strlen(s));
	free(s);
	return t;
}

/* The address inside <...>, else the first word holding '@'; lower-cased. */
static char *mime_addr_fallback(const char *v)
{
	const char *lt = strrchr(v, '<'), *gt;
	char *a, *res;
	if (lt != NULL && (gt = strchr(lt, '>')) != NULL) {
		a = mime_trimmed(lt + 1, (size_t)(gt - lt - 1));
	} else {
		const char *at = strchr(v, '@'), *s, *e;
		if (at == NULL)
			return NULL;
		for (s = at; s > v && !mime_is_ws(s[-1]) && s[-1] != ',' && s[-1] != ':'; s--)
			;
		for (e = at; *e != '\0' && !mime_is_ws(*e) && *e != ','; e++)
			;
		a = xstrndup(s, (size_t)(e - s));
	}
	res = util_ascii_lower(a);
	free(a);
	return res;
}

static void mime_read_from(mime_message *m, const char *v)
{
	struct mailimf_mailbox_list *ml = NULL;
	size_t idx = 0;
	if (mailimf_mailbox_list_parse(v, strlen(v), &idx, &ml) == MAILIMF_NO_ERROR &&
	    ml != NULL && clist_begin(ml->mb_list) != NULL) {
		struct mailimf_mailbox *mb = clist_content(clist_begin(ml->mb_list));
		m->from_addr = util_ascii_lower(mb->mb_addr_spec);
		if (mb->mb_display_name != NULL)
			m->from_name = charset_rfc2047_decode(mb->mb_display_name);
	} else {
		m->from_addr = mime_addr_fallback(v);
	}
	if (ml != NULL)
		mailimf_mailbox_list_free(ml);
}

static char *mime_read_addr(const char *v)
{
	struct mailimf_address_list *al = NULL;
	size_t idx = 0;
	char *res = NULL;
	if (mailimf_address_list_parse(v, strlen(v), &idx, &al) == MAILIMF_NO_ERROR && al != NULL) {
		for (clistiter *c = clist_begin(al->ad_list); c != NULL && res == NULL; c = clist_next(c)) {
			struct mailimf_address *a = clist_content(c);
			struct mailimf_mailbox_list *ml = NULL;
			if (a->ad_type == MAILIMF_ADDRESS_MAILBOX)
				res = util_ascii_lower(a->ad_data.ad_mailbox->mb_addr_spec);
			else if (a->ad_type == MAILIMF_ADDRESS_GROUP)
				ml = a->ad_data.ad_group->grp_mb_list;
			if (ml != NULL && clist_begin(ml->mb_list) != NULL) {
				struct mailimf_mailbox *mb = clist_content(clist_begin(ml->mb_list));
				res = util_ascii_lower(mb->mb_addr_spec);
			}
		}
	}
	if (al != NULL)
		mailimf_address_list_free(al);
	if (res == NULL)
		res = mime_addr_fallback(v);
	return res;
}

/* The first word of a header value, lower-cased ("auto-replied; x=y"). */
char *mime_first_word(const char *v)
{
	const char *s = v, *e;
	char *w, *res;
	while (mime_is_ws(*s))
		s++;
	for (e = s; *e != '\0' && *e != ';' && !mime_is_ws(*e) && *e != '('; e++)
		;
	w = xstrndup(s, (size_t)(e - s));
	res = util_ascii_lower(w);
	free(w);
	return res;
}

static int mime_blank(const char *s)
{
	while (mime_is_ws(*s))
		s++;
	return *s == '\0';
}

static void mime_add_rcpt(mime_message *m, const char *addr, size_t *alloc)
{
	if (addr == NULL || *addr == '\0' || m->nrcpts >= MIME_MAX_RCPTS)
		return;
	if (m->nrcpts == *alloc) {
		*alloc = *alloc ? *alloc * 2 : 8;
		m->rcpts = xrealloc(m->rcpts, *alloc * sizeof *m->rcpts);
	}
	m->rcpts[m->nrcpts++] = util_ascii_lower(addr);
}

/* Every address of one To/Cc/Bcc-like field, group members included. A
 * field the parser refuses is cut at commas and each piece scanned. */
static void mime_read_rcpt_field(mime_message *m, const char *v, size_t *alloc)
{
	struct mailimf_address_list *al = NULL;
	size_t idx = 0;
	if (v == NULL)
		return;
	/* libetpan stops at the first bad address and returns what it read
	 * before: the scan below is used unless the whole field parsed. */
	if (mailimf_address_list_parse(v, strlen(v), &idx, &al) == MAILIMF_NO_ERROR && al != NULL &&
	    mime_blank(v + idx)) {
		for (clistiter *c = clist_begin(al->ad_list); c != NULL; c = clist_next(c)) {
			struct mailimf_address *a = clist_content(c);
			if (a->ad_type == MAILIMF_ADDRESS_MAILBOX) {
				mime_add_rcpt(m, a->ad_data.ad_mailbox->mb_addr_spec, alloc);
			} else if (a->ad_type == MAILIMF_ADDRESS_GROUP && a->ad_data.ad_group->grp_mb_list) {
				clist *l = a->ad_data.ad_group->grp_mb_list->mb_list;
				for (clistiter *g = clist_begin(l); g != NULL; g = clist_next(g)) {
					struct mailimf_mailbox *mb = clist_content(g);
					mime_add_rcpt(m, mb->mb_addr_spec, alloc);
				}
			}
		}
		mailimf_address_list_free(al);
		return;
	}
	if (al != NULL)
		mailimf_address_list_free(al);
	{
		strlist l = {0};
		char *u = mime_unfold(v);
		strlist_split(&l, u, ',');
		for (size_t i = 0; i < l.n; i++) {
			char *a = mime_addr_fallback(l.items[i]);
			mime_add_rcpt(m, a, alloc);
			free(a);
		}
		strlist_free(&l);
		free(u);
	}
}

/* The recipient fields RFC 5230 section 4.5 looks at. */
static void mime_read_rcpts(mime_message *m, struct mailimf_fields *f)
{
	static const char *const names[] = {"To", "Cc", "Bcc", "Resent-To", "Resent-Cc", "Resent-Bcc"};
	size_t alloc = 0;
	if (f == NULL)
		return;
	for (clistiter *c = clist_begin(f->fld_list); c != NULL; c = clist_next(c)) {
		struct mailimf_field *fld = clist_content(c);
		if (fld->fld_type != MAILIMF_FIELD_OPTIONAL_FIELD)
			continue;
		for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
			if (util_streq_nocase(fld->fld_data.fld_optional_field->fld_name, names[i]))
				mime_read_rcpt_field(m, fld->fld_data.fld_optional_field->fld_value, &alloc);
	}
}

void mime_read_headers(mime_message *m, struct mailimf_fields *f)
{
	const char *v;
	char *w;

	v = mime_field(f, "Message-ID");
	if (v != NULL) {
		char *id = NULL;
		size_t idx = 0;
		if (mailimf_msg_id_parse(v, strlen(v), &idx, &id) == MAILIMF_NO_ERROR && id != NULL) {
			m->message_id = xstrdup(id);
			mailimf_msg_id_free(id);
		} else {
			char *u = mime_unfold(v);
			size_t n = strlen(u);
			if (n >= 2 && u[0] == '<' && u[n - 1] == '>')
				m->message_id = xstrndup(u + 1, n - 2);
			else if (n > 0)
				m->message_id = xstrdup(u);
			free(u);
		}
	}
	v = mime_field(f, "From");
	if (v != NULL)
		mime_read_from(m, v);
	v = mime_field(f, "Reply-To");
	if (v != NULL)
		m->reply_to = mime_read_addr(v);
	v = mime_field(f, "Return-Path");
	if (v != NULL) {
		char *u = mime_unfold(v), *a;
		const char *lt = strchr(u, '<'), *gt = lt != NULL ? strchr(lt, '>') : NULL;
		a = lt != NULL && gt != NULL ? mime_trimmed(lt + 1, (size_t)(gt - lt - 1)) : xstrdup(u);
		m->return_path = util_ascii_lower(a);
		free(a);
		free(u);
	}
	mime_read_rcpts(m, f);
	v = mime_field(f, "Subject");
	if (v != NULL)
		m->subject = charset_rfc2047_decode(v);
	m->in_reply_to = mime_unfold(mime_field(f, "In-Reply-To"));
	m->references = mime_unfold(mime_field(f, "References"));
	m->date = mime_unfold(mime_field(f, "Date"));

	v = mime_field(f, "Auto-Submitted");
	if (v != NULL) {
		w = mime_first_word(v);
		m->auto_submitted = strcmp(w, "no") != 0;
		free(w);
	}
	if ((m->return_path != NULL && m->return_path[0] == '\0') ||
	    mime_field(f, "X-Failed-Recipients") != NULL)
		m->is_bounce = 1;
	if (m->from_addr != NULL) {
		if (strncmp(m->from_addr, "mailer-daemon@", 14) == 0 ||
		    strncmp(m->from_addr, "postmaster@", 11) == 0 ||
		    strcmp(m->from_addr, "mailer-daemon") == 0 || strcmp(m->from_addr, "postmaster") == 0)
			m->is_bounce = 1;
	}
	if (mime_field(f, "List-Id") != NULL || mime_field(f, "List-Unsubscribe") != NULL)
		m->is_list = 1;
	v = mime_field(f, "Precedence");
	if (v != NULL) {
		w = mime_first_word(v);
		if (strcmp(w, "bulk") == 0 || strcmp(w, "list") == 0 || strcmp(w, "junk") == 0)
			m->is_list = 1;
		free(w);
	}
	v = mime_field(f, "X-Auto-Response-Suppress");
	if (v != NULL) {
		strlist l = {0};
		char *u = mime_unfold(v);
		strlist_split(&l, u, ',');
		for (size_t i = 0; i < l.n; i++)
			if (util_streq_nocase(l.items[i], "All") || util_streq_nocase(l.items[i], "OOF"))
				m->is_list = 1;
		strlist_free(&l);
		free(u);
	}
}


/* The end of the header in data[0..len): just past the blank line, or
 * the end of the last complete line when the header is cut short. */
static size_t mime_header_end(const char *data, size_t len)
{
	const char *p = data, *end = data + len, *last = NULL;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			break;
		last = nl + 1;
		if (nl == p || (nl == p + 1 && p[0] == '\r'))
			return (size_t)(nl + 1 - data);
		p = nl + 1;
	}
	return last ? (size_t)(last - data) : len;
}

int mime_fields_parse(const char *data, size_t len, int whole, size_t *idx, struct mailimf_fields **f)
{
	int r;
	*idx = 0;
	*f = NULL;
	if (whole && len >= 5 && memcmp(data, "From ", 5) == 0) {
		const char *nl = memchr(data, '\n', len);
		*idx = nl != NULL ? (size_t)(nl - data) + 1 : len;
	}
	r = mailimf_optional_fields_parse(data, len, idx, f);
	if (r == MAILIMF_NO_ERROR)
		return 0;
	*f = NULL;
	if (r == MAILIMF_ERROR_PARSE)
		return 0;
	errno = ENOMEM;
	return -1;
}

/* The header at the start of data (len bytes, NUL after them) into out.
 * MIME_OK, or MIME_ERROR with errno ENOMEM. */
static int header_from(const char *data, size_t len, mime_message *out)
{
	struct mailimf_fields *f;
	size_t idx;
	if (mime_fields_parse(data, mime_header_end(data, len), 1, &idx, &f) != 0)
		return MIME_ERROR;
	mime_read_headers(out, f);
	if (f != NULL)
		mailimf_fields_free(f);
	return MIME_OK;
}

int mime_parse_header(const char *path, size_t max_head, mime_message *out, char *err, size_t errlen)
{
	char *data = xcalloc(1, max_head + 1);
	size_t len = 0;
	int fd, rc = MIME_ERROR;
	memset(out, 0, sizeof(*out));
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		goto fail;
	while (len < max_head) {
		ssize_t n = read(fd, data + len, max_head - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	rc = header_from(data, len, out);
	if (rc == MIME_OK)
		goto out;
fail:
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "reading the header of %s: %s", path, strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	free(data);
	return rc;
}

int mime_parse_header_mem(const char *data, size_t len, size_t max_head, mime_message *out)
{
	/* a copy: mailimf reads up to the NUL it is given */
	size_t n = len < max_head ? len : max_head;
	char *head = xcalloc(1, n + 1);
	int rc;
	memset(out, 0, sizeof(*out));
	memcpy(head, data, n);
	rc = header_from(head, n, out);
	free(head);
	return rc;
}
