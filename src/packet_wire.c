/* packet_wire.c — a packet to JSON and back (see packet_wire.h). */
#include "packet_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static void set_str(json_t *o, const char *k, const char *v)
{
	if (v != NULL)
		json_object_set_new(o, k, json_string(v));
}

/* A flag travels only when set: absent loads as 0 (num), and most files
 * have none, so the result packetd parses for every packet is shorter. */
static void set_flag(json_t *o, const char *k, int v)
{
	if (v != 0)
		json_object_set_new(o, k, json_integer(v));
}

/* k: [offset, length] of v appended to strings; nothing when v is NULL or
 * not UTF-8 (as json_string() refused it when the strings were JSON). */
static void set_long(json_t *o, const char *k, const char *v, buf *strings)
{
	size_t n;
	if (v == NULL)
		return;
	n = strlen(v);
	if (!util_utf8_valid(v, n))
		return;
	json_object_set_new(o, k, json_pack("[II]", (json_int_t)strings->len, (json_int_t)n));
	buf_add(strings, v, n);
}

json_t *packet_wire_dump(const packet *p, buf *strings)
{
	json_t *o = json_object(), *app = json_object(), *files = json_array(), *fnd = json_array();
	for (size_t i = 0; i < APPLICANT_NFIELDS; i++)
		set_str(app, applicant_field_names[i], *applicant_field((applicant *)&p->app, i));
	json_object_set_new(o, "app", app);
	json_object_set_new(o, "has_manifest", json_integer(p->has_manifest));
	json_object_set_new(o, "outcome", json_integer(p->outcome));
	set_str(o, "archive_name", p->archive_name);
	for (size_t i = 0; i < p->nfiles; i++) {
		const packet_file *f = &p->files[i];
		json_t *j = json_object();
		set_str(j, "name", f->name);
		set_str(j, "raw_name_hex", f->raw_name_hex);
		set_str(j, "path", f->path);
		set_long(j, "text", f->text, strings);
		json_object_set_new(j, "size", json_integer((json_int_t)f->size));
		json_object_set_new(j, "sha256", json_string(f->sha256));
		json_object_set_new(j, "type", json_string(f->type));
		set_flag(j, "encrypted", f->encrypted);
		set_flag(j, "damaged", f->damaged);
		json_object_set_new(j, "doc", json_integer(f->doc));
		json_object_set_new(j, "lang", json_integer(f->lang));
		json_object_set_new(j, "copy", json_integer(f->copy));
		set_flag(j, "from_manifest", f->from_manifest);
		set_flag(j, "ignored", f->ignored);
		json_array_append_new(files, j);
	}
	json_object_set_new(o, "files", files);
	for (size_t i = 0; i < p->nfindings; i++) {
		const finding *f = &p->findings[i];
		json_t *j = json_object();
		set_str(j, "code", f->code);
		set_long(j, "zh", f->message_zh, strings);
		set_long(j, "en", f->message_en, strings);
		json_object_set_new(j, "severity", json_integer(f->severity));
		json_object_set_new(j, "doc", json_integer(f->doc));
		json_object_set_new(j, "lang", json_integer(f->lang));
		json_array_append_new(fnd, j);
	}
	json_object_set_new(o, "findings", fnd);
	return o;
}

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static int num(const json_t *o, const char *k)
{
	return (int)json_integer_value(json_object_get(o, k));
}

/* The string k names in strings, as a new string in *out (NULL when k is
 * absent). 0, or -1 when the bytes named are not a string. */
static int get_long(const json_t *o, const char *k, const char *strings, size_t len, char **out)
{
	const json_t *v = json_object_get(o, k);
	json_int_t off, n;
	*out = NULL;
	if (v == NULL)
		return 0;
	if (json_unpack((json_t *)v, "[II]", &off, &n) != 0 || off < 0 || n < 0 || (uint64_t)off > len ||
	    (uint64_t)n > len - (uint64_t)off)
		return -1;
	if (n > 0 && (memchr(strings + off, '\0', (size_t)n) != NULL || !util_utf8_valid(strings + off, (size_t)n)))
		return -1;
	*out = xcalloc(1, (size_t)n + 1);
	if (n > 0)
		memcpy(*out, strings + off, (size_t)n);
	return 0;
}

int packet_wire_load(packet *p, const json_t *j, const char *strings, size_t len)
{
	const json_t *app = json_object_get(j, "app"), *files = json_object_get(j, "files");
	const json_t *fnd = json_object_get(j, "findings"), *v;
	size_t i;
	if (!json_is_object(app) || !json_is_array(files) || !json_is_array(fnd))
		return -1;
	for (i = 0; i < APPLICANT_NFIELDS; i++)
		if (str(app, applicant_field_names[i]) != NULL)
			applicant_set(&p->app, applicant_field_names[i], str(app, applicant_field_names[i]));
	p->has_manifest = num(j, "has_manifest");
	p->outcome = (enum packet_outcome)num(j, "outcome");
	if (str(j, "archive_name") != NULL) {
		free(p->archive_name);
		p->archive_name = xstrdup(str(j, "archive_name"));
	}
	json_array_foreach(files, i, v) {
		packet_file *f = packet_add_file(p);
		f->name = xstrdup(str(v, "name") ? str(v, "name") : "");
		f->raw_name_hex = str(v, "raw_name_hex") ? xstrdup(str(v, "raw_name_hex")) : NULL;
		f->path = xstrdup(str(v, "path") ? str(v, "path") : "");
		if (get_long(v, "text", strings, len, &f->text) != 0)
			return -1;
		f->size = (uint64_t)json_integer_value(json_object_get(v, "size"));
		snprintf(f->sha256, sizeof f->sha256, "%s", str(v, "sha256") ? str(v, "sha256") : "");
		snprintf(f->type, sizeof f->type, "%s", str(v, "type") ? str(v, "type") : "");
		f->encrypted = num(v, "encrypted");
		f->damaged = num(v, "damaged");
		f->doc = num(v, "doc");
		f->lang = num(v, "lang");
		f->copy = num(v, "copy");
		f->from_manifest = num(v, "from_manifest");
		f->ignored = num(v, "ignored");
	}
	json_array_foreach(fnd, i, v) {
		char *zh = NULL, *en = NULL;
		int bad = get_long(v, "zh", strings, len, &zh) != 0 || get_long(v, "en", strings, len, &en) != 0;
		if (!bad)
			packet_add_finding(p, str(v, "code") ? str(v, "code") : "",
					   (enum finding_severity)num(v, "severity"), num(v, "doc"), num(v, "lang"),
					   zh ? zh : "", en ? en : "");
		free(zh);
		free(en);
		if (bad)
			return -1;
	}
	return 0;
}
