/* mime.c — reads one received message: RFC 5322 header fields (libetpan's
 * mailimf parsers), the MIME tree (RFC 2045/2046: multipart, message/rfc822
 * recursed into), attachment names from Content-Disposition (RFC 2183) and
 * Content-Type parameters in RFC 2231 (charset, continuations), RFC 2047 or
 * raw 8-bit form, and bodies decoded into files a block at a time
 * (mime_decode.c).
 *
 * The tree is walked here rather than by mailmime_parse: libetpan 1.9.4
 * recurses without a depth limit, rescans the rest of the message at every
 * level and accepts a missing final boundary in silence. Walking it here
 * bounds depth and part count, and reports damage. Parameters are read raw
 * and decoded by charset.c, because libetpan neither joins RFC 2231
 * continuations nor decodes GBK labelled as GB2312.
 */
#include "mime.h"
#include "mime_p.h"
#include "charset.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libetpan/libetpan.h>

#define MIME_MAX_PARAMS 256
#define MIME_MAX_SEGMENTS 64 /* RFC 2231 continuations of one parameter */

typedef struct mime_params {
	char *type;                      /* owned, lower-case, trimmed */
	char *names[MIME_MAX_PARAMS];    /* owned, lower-case */
	char *values[MIME_MAX_PARAMS];   /* owned, unquoted, raw bytes */
	size_t n;
} mime_params;

typedef struct mime_walk {
	fmap map;         /* the mapping being walked: the message's, or a decoded message/rfc822 part's */
	const char *workdir;
	mime_message *out;
	size_t nparts;
	size_t alloc;
	int seen_text;        /* a text part of the message itself was met: later ones are not its first */
	char *err;
	size_t errlen;
} mime_walk;

static void mime_params_free(mime_params *p)
{
	free(p->type);
	for (size_t i = 0; i < p->n; i++) {
		free(p->names[i]);
		free(p->values[i]);
	}
	memset(p, 0, sizeof(*p));
}

int mime_is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Trimmed copy of s[0..len). */
char *mime_trimmed(const char *s, size_t len)
{
	while (len > 0 && mime_is_ws(s[0])) {
		s++;
		len--;
	}
	while (len > 0 && mime_is_ws(s[len - 1]))
		len--;
	return xstrndup(s, len);
}

/* Parses "value *(; attr=value)" (Content-Type, Content-Disposition). Values
 * are kept raw; an unquoted value runs to the next ';' so that names with
 * blanks sent unquoted survive. */
static void mime_params_parse(const char *v, mime_params *p)
{
	const char *s = v, *e;
	char *t;

	memset(p, 0, sizeof(*p));
	e = strchr(s, ';');
	if (e == NULL)
		e = s + strlen(s);
	t = mime_trimmed(s, (size_t)(e - s));
	p->type = util_ascii_lower(t);
	free(t);
	s = e;
	while (*s != '\0' && p->n < MIME_MAX_PARAMS) {
		const char *ns, *ne;
		buf val;
		while (*s == ';' || mime_is_ws(*s))
			s++;
		ns = s;
		while (*s != '\0' && *s != '=' && *s != ';')
			s++;
		if (*s != '=')
			continue; /* an attribute without value: skipped */
		ne = s++;
		while (mime_is_ws(*s))
			s++;
		buf_init(&val, 0);
		buf_add(&val, "", 0);
		if (*s == '"') {
			s++;
			while (*s != '\0' && *s != '"') {
				if (*s == '\\' && s[1] != '\0')
					s++;
				if (*s != '\r' && *s != '\n')
					buf_add(&val, s, 1);
				s++;
			}
			if (*s == '"')
				s++;
			while (*s != '\0' && *s != ';')
				s++;
		} else {
			const char *vs = s;
			while (*s != '\0' && *s != ';')
				s++;
			t = mime_trimmed(vs, (size_t)(s - vs));
			buf_adds(&val, t);
			free(t);
		}
		t = mime_trimmed(ns, (size_t)(ne - ns));
		if (t[0] != '\0') {
			p->names[p->n] = util_ascii_lower(t);
			p->values[p->n] = buf_steal(&val);
			p->n++;
		}
		free(t);
		buf_free(&val);
	}
}

static const char *mime_param(const mime_params *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->names[i], name) == 0)
			return p->values[i];
	return NULL;
}

/* Appends s percent-escaped where needed so that it can stand in an RFC
 * 2231 extended value. */
static void mime_add_pct(buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '%' || c >= 0x80 || c < 0x20)
			buf_printf(b, "%%%02X", c);
		else
			buf_add(b, s, 1);
	}
}

/* The decoded value of parameter base: "base*" (RFC 2231), "base*0*",
 * "base*1", ... (continuations), or plain "base" (RFC 2047 or raw 8-bit).
 * NULL when absent or empty. */
static char *mime_param_decoded(const mime_params *p, const char *base)
{
	const char *seg[MIME_MAX_SEGMENTS] = {NULL};
	int enc[MIME_MAX_SEGMENTS] = {0};
	size_t blen = strlen(base);
	const char *v;
	char *res = NULL, *t;
	char key[64];

	snprintf(key, sizeof(key), "%s*", base);
	v = mime_param(p, key);
	if (v != NULL) {
		res = charset_rfc2231_decode(v);
		goto out;
	}
	for (size_t i = 0; i < p->n; i++) {
		const char *n = p->names[i], *q;
		char *endp;
		long k;
		if (strncmp(n, base, blen) != 0 || n[blen] != '*')
			continue;
		q = n + blen + 1;
		if (*q < '0' || *q > '9')
			continue;
		errno = 0;
		k = strtol(q, &endp, 10);
		if (errno != 0 || k < 0 || k >= MIME_MAX_SEGMENTS)
			continue;
		if (*endp != '\0' && strcmp(endp, "*") != 0)
			continue;
		if (seg[k] == NULL) {
			seg[k] = p->values[i];
			enc[k] = *endp == '*';
		}
	}
	if (seg[0] != NULL) {
		int any_enc = 0;
		buf b;
		for (size_t k = 0; k < MIME_MAX_SEGMENTS && seg[k] != NULL; k++)
			any_enc |= enc[k];
		buf_init(&b, 0);
		buf_add(&b, "", 0);
		if (!any_enc) {
			for (size_t k = 0; k < MIME_MAX_SEGMENTS && seg[k] != NULL; k++)
				buf_adds(&b, seg[k]);
			res = charset_rfc2047_decode(b.data);
		} else {
			/* One extended value: segment 0 carries charset'lang'
			 * when encoded; plain segments are escaped to match. */
			if (!enc[0])
				buf_adds(&b, "''");
			for (size_t k = 0; k < MIME_MAX_SEGMENTS && seg[k] != NULL; k++) {
				if (enc[k])
					buf_adds(&b, seg[k]);
				else
					mime_add_pct(&b, seg[k]);
			}
			res = charset_rfc2231_decode(b.data);
		}
		buf_free(&b);
		goto out;
	}
	v = mime_param(p, base);
	if (v != NULL)
		res = charset_rfc2047_decode(v);
out:
	if (res != NULL) {
		t = mime_trimmed(res, strlen(res));
		free(res);
		res = t;
		if (res[0] == '\0') {
			free(res);
			res = NULL;
		}
	}
	return res;
}

static void mime_seterr(mime_walk *w, const char *what, const char *path)
{
	if (w->err != NULL && w->errlen > 0)
		snprintf(w->err, w->errlen, "%s %s: %s", what, path, strerror(errno));
}

static int mime_encoding(struct mailimf_fields *f)
{
	const char *v = mime_field(f, "Content-Transfer-Encoding");
	int enc = MAILMIME_MECHANISM_8BIT;
	char *w;
	if (v == NULL)
		return enc;
	w = mime_first_word(v);
	if (strcmp(w, "base64") == 0)
		enc = MAILMIME_MECHANISM_BASE64;
	else if (strcmp(w, "quoted-printable") == 0)
		enc = MAILMIME_MECHANISM_QUOTED_PRINTABLE;
	free(w);
	return enc;
}

static const char *const mime_archive_types[] = {
	"application/zip", "application/x-zip-compressed", "application/x-7z-compressed",
	"application/x-rar-compressed", "application/vnd.rar", "application/gzip",
	"application/x-tar", NULL,
};

static const char *const mime_archive_exts[] = {
	".zip", ".7z", ".rar", ".tar.gz", ".tgz", ".tar", NULL,
};

static int mime_type_is_archive(const char *type)
{
	for (size_t i = 0; mime_archive_types[i] != NULL; i++)
		if (strcmp(type, mime_archive_types[i]) == 0)
			return 1;
	return 0;
}

int mime_is_archive(const mime_attachment *a)
{
	if (a == NULL)
		return 0;
	if (a->content_type != NULL && mime_type_is_archive(a->content_type))
		return 1;
	if (a->filename != NULL)
		for (size_t i = 0; mime_archive_exts[i] != NULL; i++)
			if (util_ends_with_nocase(a->filename, mime_archive_exts[i]))
				return 1;
	return 0;
}

/* Bytes of a text part read for its first line: STATUS requests are short,
 * and a long text part is not decoded whole for this. */
#define MIME_FIRST_LINE_SCAN 8192

/* Keeps the first non-blank line of the message's own text (a STATUS
 * request may be written there rather than in the subject). */
static void mime_note_first_line(mime_walk *w, struct mailimf_fields *f, const mime_params *ct,
				 const char *body, size_t len)
{
	char *dec = NULL, *text = NULL;
	size_t dlen = 0, idx = 0;
	const char *cs = mime_param(ct, "charset"), *p, *e;
	if (len > MIME_FIRST_LINE_SCAN)
		len = MIME_FIRST_LINE_SCAN;
	if (mailmime_part_parse(body, len, &idx, mime_encoding(f), &dec, &dlen) != MAILIMF_NO_ERROR)
		return;
	text = cs != NULL ? charset_to_utf8(cs, dec, dlen) : NULL;
	if (text == NULL)
		text = charset_text_to_utf8(dec, dlen);
	mmap_string_unref(dec);
	if (text == NULL)
		return;
	for (p = text; *p != '\0'; p = *e ? e + 1 : e) {
		char *line;
		e = strchr(p, '\n');
		if (e == NULL)
			e = p + strlen(p);
		line = mime_trimmed(p, (size_t)(e - p));
		if (line[0] != '\0') {
			size_t n = strlen(line);
			if (n > MIME_FIRST_LINE_MAX) {   /* cut on a character boundary */
				n = MIME_FIRST_LINE_MAX;
				while (n > 0 && ((unsigned char)line[n] & 0xC0) == 0x80)
					n--;
				line[n] = '\0';
			}
			w->out->first_line = line;
			break;
		}
		free(line);
	}
	free(text);
}

static int mime_leaf(mime_walk *w, struct mailimf_fields *f, const mime_params *ct,
		     const char *body, size_t len, int msg_depth)
{
	mime_params cd = {0};
	char *name = NULL, *path = NULL, attname[32], sha[65];
	uint64_t size = 0;
	const char *v = mime_field(f, "Content-Disposition");
	mime_attachment *a;
	int rc = -1, damaged = 0;

	if (v != NULL) {
		mime_params_parse(v, &cd);
		name = mime_param_decoded(&cd, "filename");
	}
	if (name == NULL)
		name = mime_param_decoded(ct, "name");
	if (name == NULL && !mime_type_is_archive(ct->type)) {
		if (msg_depth == 0 && w->out->first_line == NULL && !w->seen_text &&
		    strcmp(ct->type, "text/plain") == 0)
			mime_note_first_line(w, f, ct, body, len);
		w->seen_text |= msg_depth == 0 && strncmp(ct->type, "text/", 5) == 0;
		rc = 0;
		goto out;
	}
	snprintf(attname, sizeof(attname), "att-%zu", w->out->natts + 1);
	path = util_path_join(w->workdir, attname);
	if (mime_decode_file(&w->map, body, len, mime_encoding(f), path, &size, &damaged, sha) != 0) {
		mime_seterr(w, "writing", path);
		goto out;
	}
	w->out->truncated |= damaged;
	if (w->out->natts == w->alloc) {
		w->alloc = w->alloc ? w->alloc * 2 : 4;
		w->out->atts = xrealloc(w->out->atts, w->alloc * sizeof(*w->out->atts));
	}
	a = &w->out->atts[w->out->natts++];
	a->filename = name;
	a->content_type = xstrdup(ct->type);
	a->path = path;
	a->size = size;
	memcpy(a->sha256, sha, sizeof a->sha256);
	a->depth = msg_depth;
	name = path = NULL;
	rc = 0;
out:
	free(name);
	free(path);
	mime_params_free(&cd);
	return rc;
}

static int mime_entity(mime_walk *w, const char *data, size_t len, int depth, int msg_depth,
		       int digest_child, int top);

/* Splits a multipart body on its boundary (RFC 2046 5.1.1: a delimiter
 * line is "--boundary" plus optional blanks, the closing one ends in "--";
 * the line break before it belongs to the delimiter). Delimiters are found
 * over the whole body by their first '-' (fmap_find_by), not line by line. */
static int mime_multipart(mime_walk *w, const char *body, size_t len, const char *boundary,
			  int depth, int msg_depth, int digest)
{
	size_t blen = strlen(boundary), pos = 0, part = 0, released = 0;
	int open_part = 0, closed = 0, rc = -1;
	char *needle = xcalloc(1, blen + 4);   /* "\n--boundary" */

	needle[0] = '\n';
	needle[1] = needle[2] = '-';
	memcpy(needle + 3, boundary, blen + 1);
	while (pos < len && !closed) {
		const char *hit, *nl;
		size_t le, k;
		int is_close = 0;
		if (pos == 0 && len >= blen + 2 && memcmp(body, needle + 1, blen + 2) == 0) {
			hit = body;
		} else {
			/* '-': never in base64, seldom in other text */
			hit = fmap_find_by(&w->map, body + pos, len - pos, needle, blen + 3, 1);
			if (hit == NULL)
				break;
			hit++;
		}
		pos = (size_t)(hit - body);
		if (pos - released >= FMAP_STEP) {
			fmap_release(&w->map, body + released, pos - released);
			released = pos;
		}
		nl = memchr(body + pos, '\n', len - pos);
		le = nl != NULL ? (size_t)(nl - body) : len;
		k = pos + 2 + blen;
		if (k + 2 <= le && body[k] == '-' && body[k + 1] == '-') {
			is_close = 1;
			k += 2;
		}
		while (k < le && (body[k] == ' ' || body[k] == '\t' || body[k] == '\r'))
			k++;
		if (k == le) {
			if (open_part) {
				size_t end = pos;
				if (end > part && body[end - 1] == '\n')
					end--;
				if (end > part && body[end - 1] == '\r')
					end--;
				if (mime_entity(w, body + part, end - part, depth + 1, msg_depth, digest, 0) != 0)
					goto out;
			}
			open_part = !is_close;
			closed = is_close;
			part = le < len ? le + 1 : len;
		}
		/* The next delimiter's line break may be this line's own end. */
		pos = le < len ? le : len;
	}
	if (!closed) {
		/* No final boundary: the last part runs to the end. */
		w->out->truncated = 1;
		if (open_part && mime_entity(w, body + part, len - part, depth + 1, msg_depth, digest, 0) != 0)
			goto out;
	}
	rc = 0;
out:
	free(needle);
	return rc;
}

/* A message/rfc822 part in base64 or quoted-printable: decoded into a file
 * of the work folder and walked through its own mapping, so that it is
 * never whole in memory either. */
static int mime_encoded_message(mime_walk *w, const char *body, size_t len, int enc, int depth, int msg_depth)
{
	fmap outer = w->map, map = {NULL, 0, 0};
	char name[32], *path;
	uint64_t size = 0;
	int fd = -1, damaged = 0, rc = -1;

	snprintf(name, sizeof name, "msg-%zu", w->nparts);
	path = util_path_join(w->workdir, name);
	if (mime_decode_file(&w->map, body, len, enc, path, &size, &damaged, NULL) != 0) {
		mime_seterr(w, "writing", path);
		goto out;
	}
	w->out->truncated |= damaged;
	if (size == 0) {
		rc = mime_entity(w, "", 0, depth + 1, msg_depth + 1, 0, 0);
		goto out;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fmap_open(&map, fd, (size_t)size) != 0) {
		mime_seterr(w, "mapping", path);
		goto out;
	}
	w->map = map;
	rc = mime_entity(w, map.base, map.len, depth + 1, msg_depth + 1, 0, 0);
	w->map = outer;
out:
	fmap_close(&map);
	if (fd >= 0)
		close(fd);
	unlink(path);
	free(path);
	return rc;
}

static int mime_entity(mime_walk *w, const char *data, size_t len, int depth, int msg_depth,
		       int digest_child, int top)
{
	struct mailimf_fields *f = NULL;
	mime_params ct = {0};
	size_t idx = 0;
	const char *v, *body, *boundary;
	int rc = -1;

	if (depth > MIME_MAX_DEPTH || w->nparts >= MIME_MAX_PARTS) {
		w->out->truncated = 1;
		return 0;
	}
	w->nparts++;
	if (mime_fields_parse(data, len, top, &idx, &f) != 0) {
		mime_seterr(w, "parsing the header of", "the message");
		goto out;
	}
	mailimf_crlf_parse(data, len, &idx);
	body = data + idx;
	len -= idx;
	if (top)
		mime_read_headers(w->out, f);

	v = mime_field(f, "Content-Type");
	if (v != NULL)
		mime_params_parse(v, &ct);
	if (ct.type == NULL || strchr(ct.type, '/') == NULL) {
		free(ct.type);
		ct.type = xstrdup(digest_child ? "message/rfc822" : "text/plain");
	}
	if (top && strcmp(ct.type, "multipart/report") == 0)
		w->out->is_bounce = 1;

	boundary = mime_param(&ct, "boundary");
	if (strncmp(ct.type, "multipart/", 10) == 0 && boundary != NULL && boundary[0] != '\0') {
		rc = mime_multipart(w, body, len, boundary, depth, msg_depth,
				    strcmp(ct.type, "multipart/digest") == 0);
	} else if (strcmp(ct.type, "message/rfc822") == 0 || strcmp(ct.type, "message/global") == 0) {
		int enc = mime_encoding(f);
		if (enc == MAILMIME_MECHANISM_8BIT)
			rc = mime_entity(w, body, len, depth + 1, msg_depth + 1, 0, 0);
		else
			rc = mime_encoded_message(w, body, len, enc, depth, msg_depth);
	} else {
		rc = mime_leaf(w, f, &ct, body, len, msg_depth);
	}
out:
	if (f != NULL)
		mailimf_fields_free(f);
	mime_params_free(&ct);
	return rc;
}

void mime_message_free(mime_message *m)
{
	if (m == NULL)
		return;
	free(m->message_id);
	free(m->from_addr);
	free(m->from_name);
	free(m->reply_to);
	free(m->return_path);
	free(m->subject);
	free(m->in_reply_to);
	free(m->references);
	free(m->date);
	free(m->first_line);
	for (size_t i = 0; i < m->nrcpts; i++)
		free(m->rcpts[i]);
	free(m->rcpts);
	for (size_t i = 0; i < m->natts; i++) {
		free(m->atts[i].filename);
		free(m->atts[i].content_type);
		free(m->atts[i].path);
	}
	free(m->atts);
	memset(m, 0, sizeof(*m));
}

/* A walk of a whole message into out (emptied), its attachments into
 * workdir, its error into err. */
static void walk_begin(mime_walk *w, const char *workdir, mime_message *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	memset(w, 0, sizeof(*w));
	w->workdir = workdir;
	w->out = out;
	w->err = err;
	w->errlen = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
}

int mime_parse_mem(const char *data, size_t len, const char *workdir, uint64_t max_message, mime_message *out,
		   char *err, size_t errlen)
{
	mime_walk w;
	int rc;
	walk_begin(&w, workdir, out, err, errlen);   /* w.map stays empty: bytes in memory are never dropped */
	if ((uint64_t)len > max_message) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%zu bytes, over the limit of %llu", len, (unsigned long long)max_message);
		return MIME_TOO_LARGE;
	}
	rc = mime_entity(&w, len ? data : "", len, 0, 0, 0, 1) == 0 ? MIME_OK : MIME_ERROR;
	if (rc == MIME_OK && out->truncated)
		log_warn("damaged MIME structure, parts recovered where possible");
	if (rc != MIME_OK)
		mime_message_free(out);
	return rc;
}

int mime_parse_file(const char *path, const char *workdir, uint64_t max_message,
		    mime_message *out, char *err, size_t errlen)
{
	mime_walk w;
	struct stat st;
	int fd = -1, rc = MIME_ERROR;

	walk_begin(&w, workdir, out, err, errlen);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		mime_seterr(&w, "opening", path);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		mime_seterr(&w, "not a regular file:", path);
		goto out;
	}
	if ((uint64_t)st.st_size > max_message) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: %lld bytes, over the limit of %llu", path,
				 (long long)st.st_size, (unsigned long long)max_message);
		rc = MIME_TOO_LARGE;
		goto out;
	}
	if (st.st_size == 0) {
		rc = mime_entity(&w, "", 0, 0, 0, 0, 1) == 0 ? MIME_OK : MIME_ERROR;
		goto out;
	}
	if (fmap_open(&w.map, fd, (size_t)st.st_size) != 0) {
		mime_seterr(&w, "mapping", path);
		goto out;
	}
	rc = mime_entity(&w, w.map.base, w.map.len, 0, 0, 0, 1) == 0 ? MIME_OK : MIME_ERROR;
	if (rc == MIME_OK && out->truncated)
		log_warn("%s: damaged MIME structure, parts recovered where possible", path);
out:
	fmap_close(&w.map);
	if (fd >= 0)
		close(fd);
	if (rc != MIME_OK)
		mime_message_free(out);
	return rc;
}
