/* unpack_box.c — unpack_archive in the sandbox's child (see unpack.h). */
#include "unpack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "zygote.h"
#include "util.h"

/* Raw names travel as hex: they need not be UTF-8, and JSON strings must be. */
static json_t *hex_json(const char *s)
{
	static const char digits[] = "0123456789abcdef";
	size_t n = strlen(s);
	char *h = xcalloc(2 * n + 1, 1);
	json_t *j;
	for (size_t i = 0; i < n; i++) {
		h[2 * i] = digits[(unsigned char)s[i] >> 4];
		h[2 * i + 1] = digits[(unsigned char)s[i] & 0xF];
	}
	j = json_string(h);
	free(h);
	return j;
}

static char *unhex(const char *h)
{
	size_t n = h ? strlen(h) / 2 : 0;
	char *s = xcalloc(n + 1, 1);
	for (size_t i = 0; i < n; i++) {
		int hi = util_hexval((unsigned char)h[2 * i]), lo = util_hexval((unsigned char)h[2 * i + 1]);
		s[i] = (char)(hi < 0 || lo < 0 ? '?' : hi * 16 + lo);
	}
	return s;
}

json_t *unpack_box_job(const zygote_job *job, const void *env)
{
	unpack_result r;
	json_t *out = NULL, *members;
	int rc = unpack_archive(job->arg[0], job->workdir, &job->lim, job->depth, &r);
	(void)env;
	if (rc == UNPACK_ERROR)
		return NULL;
	out = json_object();
	members = json_array();
	json_object_set_new(out, "rc", json_integer(rc));
	if (r.error_code != NULL)
		json_object_set_new(out, "error_code", json_string(r.error_code));
	if (r.error_detail != NULL)
		json_object_set_new(out, "error_detail", json_string(r.error_detail));
	for (size_t i = 0; i < r.nmembers; i++) {
		const unpack_member *m = &r.members[i];
		json_t *j = json_object();
		json_object_set_new(j, "name", json_string(m->name));
		json_object_set_new(j, "raw_hex", hex_json(m->raw_name ? m->raw_name : ""));
		json_object_set_new(j, "raw_differs", json_integer(m->raw_differs));
		json_object_set_new(j, "path", json_string(m->path));
		json_object_set_new(j, "size", json_integer((json_int_t)m->size));
		json_array_append_new(members, j);
	}
	json_object_set_new(out, "members", members);
	unpack_result_free(&r);
	return out;
}

static void box_reject(unpack_result *out, const char *code, const char *detail)
{
	out->error_code = xstrdup(code);
	out->error_detail = xstrdup(detail);
}

int unpack_archive_boxed(const char *archive_path, const char *workdir, const config_limits *lim, int depth,
			 zygote *zy, unpack_result *out)
{
	static const zygote_kind kinds[] = {{"unpack", unpack_box_job}};
	zygote_job job = {.kind = "unpack", .lim = *lim, .depth = depth, .workdir = workdir,
			  .arg = {archive_path, NULL}};
	zygote here;
	json_t *res = NULL, *members, *v;
	char why[256];
	size_t i;
	int rc;
	memset(out, 0, sizeof *out);
	if (zy == NULL) {
		zygote_init(&here, kinds, 1, NULL);
		zy = &here;
	}
	rc = zygote_run(zy, &job, &res, why, sizeof why);
	if (rc == SANDBOX_ERROR)
		return UNPACK_ERROR;
	if (rc != SANDBOX_OK) {
		/* whatever the child wrote goes */
		if (util_rmtree(workdir) != 0 || util_mkdirs(workdir, 0700) != 0)
			return UNPACK_ERROR;
		box_reject(out, rc == SANDBOX_LIMIT ? "archive_resources" : "archive_reader_crashed", why);
		return UNPACK_REJECTED;
	}
	rc = (int)json_integer_value(json_object_get(res, "rc"));
	members = json_object_get(res, "members");
	if ((rc != UNPACK_OK && rc != UNPACK_REJECTED) || !json_is_array(members)) {
		json_decref(res);
		return UNPACK_ERROR;
	}
	if (rc == UNPACK_REJECTED) {
		const char *c = json_string_value(json_object_get(res, "error_code"));
		const char *d = json_string_value(json_object_get(res, "error_detail"));
		box_reject(out, c ? c : "archive_unreadable", d ? d : "");
	}
	/* one spare slot: never NULL, so the loop's writes need no case of their own */
	out->members = xcalloc(json_array_size(members) + 1, sizeof *out->members);
	json_array_foreach(members, i, v) {
		unpack_member *m = &out->members[out->nmembers++];
		const char *n = json_string_value(json_object_get(v, "name"));
		const char *p = json_string_value(json_object_get(v, "path"));
		m->name = xstrdup(n ? n : "");
		m->raw_name = unhex(json_string_value(json_object_get(v, "raw_hex")));
		m->raw_differs = (int)json_integer_value(json_object_get(v, "raw_differs"));
		m->path = xstrdup(p ? p : "");
		m->size = (uint64_t)json_integer_value(json_object_get(v, "size"));
	}
	json_decref(res);
	/* the crash point of packetd's own process, once per member written */
	for (i = 0; i < out->nmembers; i++)
		fault_point("unpack");
	return rc;
}
