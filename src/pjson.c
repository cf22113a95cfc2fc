/* pjson.c — see pjson.h. Codes, never indexes, appear in the JSON: document
 * and language are the rules' codes or null. */
#include "pjson.h"

#include <string.h>

#include "util.h"

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *doc_code(const rules *r, int doc)
{
	return doc >= 0 && (size_t)doc < r->ndocs ? json_string(r->docs[doc].code) : json_null();
}

static json_t *lang_code(const rules *r, int lang)
{
	return lang >= 0 && (size_t)lang < r->nlangs ? json_string(r->langs[lang].code) : json_null();
}

static json_t *applicant_json(const applicant *a)
{
	json_t *o = json_object();
	for (size_t i = 0; i < APPLICANT_NFIELDS; i++) {
		const char *v = applicant_get(a, applicant_field_names[i]);
		json_object_set_new(o, applicant_field_names[i], str_or_null(v));
	}
	return o;
}

/* Only the fields the applicant gave, as the store keeps them. */
static json_t *applicant_present_json(const applicant *a)
{
	json_t *o = json_object();
	for (size_t i = 0; i < APPLICANT_NFIELDS; i++) {
		const char *v = applicant_get(a, applicant_field_names[i]);
		if (v)
			json_object_set_new(o, applicant_field_names[i], json_string(v));
	}
	return o;
}

static json_t *findings_json(const finding *f, size_t n, const rules *r)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "code", json_string(f[i].code));
		json_object_set_new(o, "severity", json_string(finding_severity_name(f[i].severity)));
		json_object_set_new(o, "document", doc_code(r, f[i].doc));
		json_object_set_new(o, "language", lang_code(r, f[i].lang));
		json_object_set_new(o, "message_zh", str_or_null(f[i].message_zh));
		json_object_set_new(o, "message_en", str_or_null(f[i].message_en));
		json_array_append_new(arr, o);
	}
	return arr;
}

/* raw_name_hex: the archive's bytes for the name when they are not the UTF-8 name's, else NULL */
static json_t *file_json(const char *name, const char *raw_name_hex, const char *sha256, const char *type)
{
	json_t *o = json_object();
	json_object_set_new(o, "name", json_string(name));
	if (raw_name_hex != NULL)
		json_object_set_new(o, "raw_name_hex", json_string(raw_name_hex));
	json_object_set_new(o, "sha256", json_string(sha256));
	json_object_set_new(o, "type", json_string(type));
	return o;
}

json_t *pjson_packet(const packet *p, const rules *r)
{
	json_t *root = json_object(), *docs = json_array(), *other = json_array(), *archive = json_object();
	json_object_set_new(root, "outcome", json_string(packet_outcome_name(p->outcome)));
	json_object_set_new(archive, "name", str_or_null(p->archive_name));
	json_object_set_new(archive, "sha256", p->archive_sha256[0] ? json_string(p->archive_sha256) : json_null());
	json_object_set_new(root, "archive", archive);
	json_object_set_new(root, "applicant", applicant_json(&p->app));
	for (size_t i = 0; i < p->nslots; i++) {
		const packet_slot *s = &p->slots[i];
		json_t *o = json_object(), *files = json_array();
		json_object_set_new(o, "document", doc_code(r, s->doc));
		json_object_set_new(o, "language", lang_code(r, s->lang));
		json_object_set_new(o, "copies", json_integer(s->copies));
		json_object_set_new(o, "required", json_integer(s->required));
		for (size_t j = 0; j < p->nfiles; j++) {
			const packet_file *f = &p->files[j];
			if (!f->ignored && f->doc == s->doc && f->lang == s->lang)
				json_array_append_new(files, file_json(f->name, f->raw_name_hex, f->sha256, f->type));
		}
		json_object_set_new(o, "files", files);
		json_array_append_new(docs, o);
	}
	for (size_t j = 0; j < p->nfiles; j++) {
		const packet_file *f = &p->files[j];
		if (!f->ignored && (f->doc < 0 || f->lang < 0))
			json_array_append_new(other, file_json(f->name, f->raw_name_hex, f->sha256, f->type));
	}
	json_object_set_new(root, "documents", docs);
	json_object_set_new(root, "unrecognised", other);
	json_object_set_new(root, "findings", findings_json(p->findings, p->nfindings, r));
	return root;
}

json_t *pjson_application_brief(const store_application *a)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(a->number));
	json_object_set_new(o, "state", json_string(a->state));
	json_object_set_new(o, "target", str_or_null(a->target));
	json_object_set_new(o, "applicant", applicant_present_json(&a->app));
	json_object_set_new(o, "created_at", str_or_null(a->created_at));
	json_object_set_new(o, "updated_at", str_or_null(a->updated_at));
	return o;
}

json_t *pjson_application(const store_application *a, const rules *r)
{
	json_t *o = pjson_application_brief(a), *docs = json_array(), *other = json_array();
	json_t *src = json_object(), *hist = json_array();
	for (size_t d = 0; d < r->ndocs; d++) {
		for (size_t l = 0; l < r->nlangs; l++) {
			if (!(r->docs[d].langs & (1u << l)))
				continue;
			json_t *slot = json_object(), *files = json_array();
			int copies = 0;
			for (size_t i = 0; i < a->nfiles; i++) {
				const store_file *f = &a->files[i];
				if (f->doc && f->lang && strcmp(f->doc, r->docs[d].code) == 0 &&
				    strcmp(f->lang, r->langs[l].code) == 0) {
					json_array_append_new(files, file_json(f->name, f->raw_name_hex, f->sha256, f->type));
					copies++;
				}
			}
			json_object_set_new(slot, "document", json_string(r->docs[d].code));
			json_object_set_new(slot, "language", json_string(r->langs[l].code));
			json_object_set_new(slot, "copies", json_integer(copies));
			json_object_set_new(slot, "required", json_integer(r->docs[d].copies));
			json_object_set_new(slot, "files", files);
			json_array_append_new(docs, slot);
		}
	}
	for (size_t i = 0; i < a->nfiles; i++)
		if (a->files[i].doc == NULL || a->files[i].lang == NULL)
			json_array_append_new(other, file_json(a->files[i].name, a->files[i].raw_name_hex,
							       a->files[i].sha256, a->files[i].type));
	json_object_set_new(o, "documents", docs);
	json_object_set_new(o, "unrecognised", other);
	json_object_set_new(o, "findings", findings_json(a->findings, a->nfindings, r));
	json_object_set_new(src, "kind", str_or_null(a->source_kind));
	json_object_set_new(src, "name", str_or_null(a->source_name));
	json_object_set_new(src, "reference", str_or_null(a->source_ref));
	json_object_set_new(src, "message_id", str_or_null(a->message_id));
	json_object_set_new(src, "notices_to", str_or_null(a->reply_to));
	json_object_set_new(src, "reply_to", str_or_null(a->reply_to_header));
	json_object_set_new(o, "source", src);
	for (size_t i = 0; i < a->nhistory; i++) {
		json_t *h = json_object();
		json_object_set_new(h, "at", str_or_null(a->history[i].at));
		json_object_set_new(h, "from", str_or_null(a->history[i].from_state));
		json_object_set_new(h, "to", str_or_null(a->history[i].to_state));
		json_object_set_new(h, "by", str_or_null(a->history[i].by));
		json_object_set_new(h, "reason", str_or_null(a->history[i].reason));
		json_array_append_new(hist, h);
	}
	json_object_set_new(o, "history", hist);
	return o;
}

/* A JSON string (RFC 8259: quote, backslash and control characters
 * escaped; UTF-8 passes as it is), or null. */
static void write_string(FILE *out, const char *v)
{
	const char *run;
	if (v == NULL) {
		fputs("null", out);
		return;
	}
	putc('"', out);
	for (run = v; *v; v++) {
		unsigned char c = (unsigned char)*v;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		fwrite(run, 1, (size_t)(v - run), out);
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else
			fprintf(out, "\\u%04x", c);
		run = v + 1;
	}
	fwrite(run, 1, (size_t)(v - run), out);
	putc('"', out);
}

int pjson_write_brief(FILE *out, const store_app_row *row, int first)
{
	fputs(first ? "  {\"id\": " : ",\n  {\"id\": ", out);
	write_string(out, row->number);
	fputs(", \"state\": ", out);
	write_string(out, row->state);
	fputs(", \"target\": ", out);
	write_string(out, row->target);
	fputs(", \"applicant\": ", out);
	fputs(row->applicant_json && row->applicant_json[0] ? row->applicant_json : "{}", out);
	fputs(", \"created_at\": ", out);
	write_string(out, row->created_at);
	fputs(", \"updated_at\": ", out);
	write_string(out, row->updated_at);
	putc('}', out);
	return ferror(out) ? -1 : 0;
}
