/* packet_wire.c — a packet as bytes and back (see packet_wire.h). */
#include "packet_wire.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define WIRE_MAGIC "PKW1"
#define WIRE_MAGIC_LEN 4
#define WIRE_NULL UINT32_MAX   /* a string's length when there is no string */

/* Both ends are the same program on the same machine: numbers travel in
 * its own byte order. */
static void put_u32(buf *b, uint32_t v)
{
	buf_add(b, &v, sizeof v);
}

static void put_i32(buf *b, int v)
{
	int32_t w = (int32_t)v;
	buf_add(b, &w, sizeof w);
}

static void put_u64(buf *b, uint64_t v)
{
	buf_add(b, &v, sizeof v);
}

/* A string travels as its length and bytes; NULL, or one that is not
 * UTF-8, as no string (as a JSON string could not hold it). */
static void put_str(buf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (s == NULL || n >= WIRE_NULL || !util_utf8_valid(s, n)) {
		put_u32(b, WIRE_NULL);
		return;
	}
	put_u32(b, (uint32_t)n);
	buf_add(b, s, n);
}

void packet_wire_dump(const packet *p, buf *out)
{
	buf_add(out, WIRE_MAGIC, WIRE_MAGIC_LEN);
	put_u32(out, (uint32_t)p->nfiles);
	put_u32(out, (uint32_t)p->nfindings);
	put_i32(out, p->has_manifest);
	put_i32(out, (int)p->outcome);
	put_str(out, p->archive_name);
	for (size_t i = 0; i < APPLICANT_NFIELDS; i++)
		put_str(out, *applicant_field((applicant *)&p->app, i));
	for (size_t i = 0; i < p->nfiles; i++) {
		const packet_file *f = &p->files[i];
		put_str(out, f->name);
		put_str(out, f->raw_name_hex);
		put_str(out, f->path);
		put_str(out, f->text);
		put_u64(out, f->size);
		put_str(out, f->sha256);
		put_str(out, f->type);
		put_i32(out, f->encrypted);
		put_i32(out, f->damaged);
		put_i32(out, f->doc);
		put_i32(out, f->lang);
		put_i32(out, f->copy);
		put_i32(out, f->from_manifest);
		put_i32(out, f->ignored);
	}
	for (size_t i = 0; i < p->nfindings; i++) {
		const finding *f = &p->findings[i];
		put_str(out, f->code);
		put_str(out, f->message_zh);
		put_str(out, f->message_en);
		put_i32(out, (int)f->severity);
		put_i32(out, f->doc);
		put_i32(out, f->lang);
	}
}

/* Reading the wire: a position in the bytes, and whether they ran out or
 * held what no dump writes. */
typedef struct wire_in {
	const char *p, *end;
	int bad;
} wire_in;

static void get_bytes(wire_in *w, void *out, size_t n)
{
	if (w->bad || (size_t)(w->end - w->p) < n) {
		w->bad = 1;
		memset(out, 0, n);
		return;
	}
	memcpy(out, w->p, n);
	w->p += n;
}

static uint32_t get_u32(wire_in *w)
{
	uint32_t v;
	get_bytes(w, &v, sizeof v);
	return v;
}

static int get_i32(wire_in *w)
{
	int32_t v;
	get_bytes(w, &v, sizeof v);
	return (int)v;
}

static uint64_t get_u64(wire_in *w)
{
	uint64_t v;
	get_bytes(w, &v, sizeof v);
	return v;
}

/* The next string's bytes in the wire (not NUL-ended), *n its length; NULL
 * when there is none or the bytes are bad (past the end, a NUL, not UTF-8). */
static const char *get_view(wire_in *w, size_t *n)
{
	uint32_t len = get_u32(w);
	const char *s = w->p;
	*n = 0;
	if (w->bad || len == WIRE_NULL)
		return NULL;
	if ((size_t)(w->end - w->p) < len || memchr(w->p, '\0', len) != NULL || !util_utf8_valid(w->p, len)) {
		w->bad = 1;
		return NULL;
	}
	w->p += len;
	*n = len;
	return s;
}

/* The next string, new (owned by the caller), or NULL (get_view). */
static char *get_str(wire_in *w)
{
	size_t n;
	const char *s = get_view(w, &n);
	return s ? xstrndup(s, n) : NULL;
}

/* The next string into a fixed field (cut to fit), "" when none. */
static void get_fixed(wire_in *w, char *out, size_t size)
{
	size_t n;
	const char *s = get_view(w, &n);
	if (n >= size)
		n = size - 1;
	if (s != NULL)
		memcpy(out, s, n);
	out[n] = '\0';
}

int packet_wire_load(packet *p, const char *data, size_t len)
{
	wire_in w = {data, data + len, 0};
	uint32_t nfiles, nfindings;
	char *s, magic[WIRE_MAGIC_LEN];
	get_bytes(&w, magic, sizeof magic);
	if (w.bad || memcmp(magic, WIRE_MAGIC, WIRE_MAGIC_LEN) != 0)
		return -1;
	nfiles = get_u32(&w);
	nfindings = get_u32(&w);
	p->has_manifest = get_i32(&w);
	p->outcome = (enum packet_outcome)get_i32(&w);
	if ((s = get_str(&w)) != NULL) {
		free(p->archive_name);
		p->archive_name = s;
	}
	for (size_t i = 0; i < APPLICANT_NFIELDS && !w.bad; i++) {
		s = get_str(&w);
		if (s != NULL)
			applicant_set(&p->app, applicant_field_names[i], s);
		free(s);
	}
	/* each count is checked against the bytes as the records are read: a
	 * record takes at least 4 bytes, so a false count ends at the end */
	for (uint32_t i = 0; i < nfiles && !w.bad; i++) {
		packet_file *f = packet_add_file(p);
		f->name = get_str(&w);
		if (f->name == NULL)
			f->name = xstrdup("");
		f->raw_name_hex = get_str(&w);
		f->path = get_str(&w);
		if (f->path == NULL)
			f->path = xstrdup("");
		f->text = get_str(&w);
		f->size = get_u64(&w);
		get_fixed(&w, f->sha256, sizeof f->sha256);
		get_fixed(&w, f->type, sizeof f->type);
		f->encrypted = get_i32(&w);
		f->damaged = get_i32(&w);
		f->doc = get_i32(&w);
		f->lang = get_i32(&w);
		f->copy = get_i32(&w);
		f->from_manifest = get_i32(&w);
		f->ignored = get_i32(&w);
	}
	for (uint32_t i = 0; i < nfindings && !w.bad; i++) {
		char *code = get_str(&w), *zh = get_str(&w), *en = get_str(&w);
		int severity = get_i32(&w), doc = get_i32(&w), lang = get_i32(&w);
		if (!w.bad)
			packet_add_finding(p, code ? code : "", (enum finding_severity)severity, doc, lang, zh ? zh : "",
					   en ? en : "");
		free(code);
		free(zh);
		free(en);
	}
	/* nothing may follow the last record */
	return w.bad || w.p != w.end ? -1 : 0;
}

static int in_range(int v, size_t n)
{
	return v >= -1 && (v < 0 || (size_t)v < n);
}

int packet_wire_in_range(const packet *p, size_t ndocs, size_t nlangs)
{
	if (p->outcome != PACKET_COMPLETE && p->outcome != PACKET_INCOMPLETE && p->outcome != PACKET_REJECTED)
		return 0;
	for (size_t i = 0; i < p->nfiles; i++)
		if (!in_range(p->files[i].doc, ndocs) || !in_range(p->files[i].lang, nlangs) || p->files[i].copy < 0)
			return 0;
	for (size_t i = 0; i < p->nfindings; i++) {
		const finding *f = &p->findings[i];
		if ((f->severity != SEV_ERROR && f->severity != SEV_WARNING && f->severity != SEV_INFO) ||
		    !in_range(f->doc, ndocs) || !in_range(f->lang, nlangs))
			return 0;
	}
	return 1;
}
