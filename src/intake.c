/* intake.c — builds and checks one packet. See intake.h. */
#include "intake.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "check.h"
#include "classify.h"
#include "fault.h"
#include "finding.h"
#include "log.h"
#include "manifest.h"
#include "packet_wire.h"
#include "sniff.h"
#include "util.h"

#define MANIFEST_MAX (256 * 1024)

static const char *base_name(const char *name)
{
	const char *slash = strrchr(name, '/');
	return slash ? slash + 1 : name;
}

static int is_archive_type(const char *type)
{
	return strcmp(type, "zip") == 0 || strcmp(type, "rar") == 0 || strcmp(type, "7z") == 0 ||
	       strcmp(type, "gz") == 0;
}

static void take_manifest(const intake_options *o, packet *p, const char *path, const char *name)
{
	char *data = NULL;
	size_t len = 0;
	manifest m;
	memset(&m, 0, sizeof m);
	if (util_read_file(path, MANIFEST_MAX, &data, &len) != 0) {
		rules_var v[] = {{"detail", "manifest.ini: too large or unreadable / 过大或无法读取"}, {"file", name}};
		finding_add(p, o->r, "manifest_invalid", -1, -1, v, 2);
		return;
	}
	if (manifest_parse(data, len, &m) != 0) {
		rules_var v[] = {{"detail", "manifest.ini"}, {"file", name}};
		finding_add(p, o->r, "manifest_invalid", -1, -1, v, 2);
		goto out;
	}
	p->has_manifest = 1;
	applicant_free(&p->app);
	p->app = m.app;
	memset(&m.app, 0, sizeof m.app);
	for (size_t i = 0; i < m.errors.n; i++) {
		rules_var v[] = {{"detail", m.errors.items[i]}, {"file", name}};
		finding_add(p, o->r, "manifest_invalid", -1, -1, v, 2);
	}
	/* The manifest's [files] are applied by classify; keep them for it. */
	p->manifest = xcalloc(1, sizeof m);
	*p->manifest = m;
	memset(&m, 0, sizeof m);
out:
	manifest_free(&m);
	free(data);
}

/* Returns the bytes of s as lowercase hex (owned by the caller). */
static char *hex_of(const char *s)
{
	static const char digits[] = "0123456789abcdef";
	size_t n = strlen(s);
	char *out = xcalloc(2 * n + 1, 1);
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[(unsigned char)s[i] >> 4];
		out[2 * i + 1] = digits[(unsigned char)s[i] & 0xF];
	}
	out[2 * n] = '\0';
	return out;
}

/* An earlier file of the packet with f's bytes, or NULL. The scheme asks
 * for two copies of each document, and the second is often the first's
 * file again: what sniffing gives depends on the bytes alone, so the
 * twin's type, flags and text are f's, without parsing it again. */
static const packet_file *same_bytes(const packet *p, const packet_file *f)
{
	if (f->sha256[0] == '\0')
		return NULL;
	for (const packet_file *e = p->files; e < f; e++)
		if (e->size == f->size && strcmp(e->sha256, f->sha256) == 0)
			return e;
	return NULL;
}

static int add_member(const intake_options *o, packet *p, const unpack_member *mem)
{
	packet_file *f;
	const packet_file *twin;
	if (strchr(mem->name, '/') == NULL && util_streq_nocase(base_name(mem->name), "manifest.ini")) {
		take_manifest(o, p, mem->path, mem->name);
		return 0;
	}
	f = packet_add_file(p);
	f->name = xstrdup(mem->name);
	f->raw_name_hex = mem->raw_differs && mem->raw_name != NULL ? hex_of(mem->raw_name) : NULL;
	f->path = xstrdup(mem->path);
	f->size = mem->size;
	if (mem->sha256[0] != '\0')
		memcpy(f->sha256, mem->sha256, sizeof f->sha256);
	else if (util_sha256_file_hex(mem->path, f->sha256) != 0)
		return -1;
	if ((twin = same_bytes(p, f)) != NULL) {
		memcpy(f->type, twin->type, sizeof f->type);
		f->encrypted = twin->encrypted;
		f->damaged = twin->damaged;
		f->text = twin->text != NULL ? xstrdup(twin->text) : NULL;
		return 0;
	}
	return mem->bytes != NULL ? sniff_file_bytes(f, mem->bytes, (size_t)mem->size) : sniff_file(f);
}

int intake_members(const intake_options *o, const unpack_member *members, size_t n, packet *p)
{
	for (size_t i = 0; i < n; i++)
		if (add_member(o, p, &members[i]) != 0) {
			log_error("intake: cannot read %s", members[i].path);
			return -1;
		}
	return classify_packet(p, o->r, p->manifest);
}

static void reject(const intake_options *o, packet *p, const unpack_result *u)
{
	rules_var v[] = {{"detail", u->error_detail ? u->error_detail : ""}, {"file", p->archive_name}};
	finding_add(p, o->r, u->error_code, -1, -1, v, 2);
	p->outcome = PACKET_REJECTED;
}

/* The archive → packet step itself; in the sandboxed child (see below). */
static int intake_archive_here(const intake_options *o, const char *path, const char *name, const char *workdir,
			       packet *p)
{
	unpack_result u;
	int rc;
	memset(&u, 0, sizeof u);
	free(p->archive_name);
	p->archive_name = xstrdup(name);
	if (p->archive_sha256[0] == '\0' && util_sha256_file_hex(path, p->archive_sha256) != 0)
		return -1;
	rc = unpack_archive(path, workdir, o->lim, o->depth, &u);
	if (rc == UNPACK_ERROR)
		goto out;
	if (rc == UNPACK_REJECTED) {
		reject(o, p, &u);
		rc = 0;
		goto out;
	}
	/* A packet zipped once more (packet.zip inside packet.zip): look inside.
	 * Past max_depth unpack_archive refuses it (archive_too_deep) rather
	 * than it being kept as a document: deep nesting is a bomb's shape. */
	if (u.nmembers == 1) {
		char type[16] = "";
		packet_file probe;
		memset(&probe, 0, sizeof probe);
		probe.path = u.members[0].path;
		probe.size = u.members[0].size;
		if (sniff_file(&probe) == 0)
			snprintf(type, sizeof type, "%s", probe.type);
		free(probe.text);
		if (is_archive_type(type)) {
			char *inner = util_path_join(workdir, "inner");
			intake_options deeper = *o;
			deeper.depth = o->depth + 1;
			if (util_mkdirs(inner, 0700) == 0)
				rc = intake_archive_here(&deeper, u.members[0].path, name, inner, p);
			else
				rc = -1;
			free(inner);
			goto out;
		}
	}
	rc = intake_members(o, u.members, u.nmembers, p);
out:
	unpack_result_free(&u);
	return rc;
}

/* The "intake" job in the sandboxed child: arguments path, name, sha256;
 * env is the rules. */
static json_t *intake_child(const zygote_job *job, const void *env)
{
	intake_options o = {.r = env, .lim = &job->lim, .depth = job->depth};
	json_t *out = NULL;
	packet p;
	int rc;
	packet_init(&p);
	snprintf(p.archive_sha256, sizeof p.archive_sha256, "%s", job->arg[2]);
	rc = intake_archive_here(&o, job->arg[0], job->arg[1], job->workdir, &p);
	if (rc == 0) {
		buf wire;
		char *path = util_path_join(job->workdir, PACKET_WIRE_FILE);
		uint64_t had;
		int fd;
		buf_init(&wire, 0);
		packet_wire_dump(&p, &wire);
		/* no result without its packet: the job then fails as a whole */
		fd = util_open_rewrite(path, &had);   /* the folder's earlier packet, cleared, is written again */
		if (fd >= 0 && !buf_error(&wire) && util_write_all(fd, wire.data ? wire.data : "", wire.len) == 0 &&
		    util_rewrite_end(fd, had, wire.len) == 0) {
			out = json_object();
			json_object_set_new(out, "packet", json_integer((json_int_t)wire.len));
		}
		if (fd >= 0 && close(fd) != 0) {
			json_decref(out);
			out = NULL;
		}
		buf_free(&wire);
		free(path);
	}
	packet_free(&p);
	return out;
}

/* The packet the child wrote beside its result (packet_wire.h), read
 * whole and emptied (kept for the folder's next item); *data owned by the
 * caller. 0, or -1. */
static int take_wire(const char *workdir, const config_limits *lim, char **data, size_t *len)
{
	char *path = util_path_join(workdir, PACKET_WIRE_FILE);
	/* bounded by what the child may write: a text a member, findings,
	 * names */
	uint64_t members = lim->max_members < 100000 ? lim->max_members : 100000;
	int rc = util_take_file(path, (size_t)(members * SNIFF_MAX_TEXT) + 64u * 1024 * 1024, data, len);
	if (rc != 0) {
		int too_large = errno == EFBIG;
		log_error("intake: %s: %s", path, strerror(errno));
		if (too_large)   /* left by util_take_file: emptied for the folder's next item */
			(void)util_clear_file(path);
	}
	free(path);
	return rc;
}

static const zygote_kind intake_kinds[] = {{"intake", intake_child}, {"unpack", unpack_box_job}};

void intake_zygote_init(zygote *z, const rules *r)
{
	zygote_init(z, intake_kinds, sizeof intake_kinds / sizeof intake_kinds[0], r);
}

/* Unpacking and reading documents run in a child under the [limits]
 * sandbox_* bounds (sandbox.h): a library bug or a bomb that blows up
 * inside libarchive costs the child, and the packet is rejected with a
 * finding that says which limit it broke. */
int intake_archive_start(const intake_options *o, const char *path, const char *name, const char *workdir,
			 const char *sha256, intake_pending *pend)
{
	memset(pend, 0, sizeof *pend);
	pend->path = xstrdup(path);
	pend->name = xstrdup(name);
	pend->workdir = xstrdup(workdir);
	if (sha256 != NULL && sha256[0] != '\0')
		snprintf(pend->sha256, sizeof pend->sha256, "%s", sha256);
	else if (util_sha256_file_hex(path, pend->sha256) != 0)
		goto fail;
	pend->zy = o->zy;
	if (pend->zy == NULL) {
		intake_zygote_init(&pend->here, o->r);
		pend->zy = &pend->here;
	}
	pend->job = (zygote_job){.kind = "intake", .lim = *o->lim, .depth = o->depth, .workdir = pend->workdir,
				 .arg = {pend->path, pend->name, pend->sha256, NULL}};
	zygote_submit(pend->zy, &pend->job, &pend->ticket);
	pend->active = 1;
	return 0;
fail:
	intake_pending_free(pend);
	return -1;
}

void intake_pending_free(intake_pending *pend)
{
	free(pend->path);
	free(pend->name);
	free(pend->workdir);
	memset(pend, 0, sizeof *pend);
}

void intake_archive_drop(intake_pending *pend)
{
	json_t *res = NULL;
	char why[256];
	if (pend->active)
		zygote_collect(pend->zy, &pend->job, &pend->ticket, &res, why, sizeof why);
	json_decref(res);
	intake_pending_free(pend);
}

int intake_archive_finish(const intake_options *o, intake_pending *pend, packet *p)
{
	json_t *res = NULL;
	char why[256];
	int rc, st;
	if (!pend->active)
		return -1;
	pend->active = 0;
	free(p->archive_name);
	p->archive_name = xstrdup(pend->name);
	snprintf(p->archive_sha256, sizeof p->archive_sha256, "%s", pend->sha256);
	st = zygote_collect(pend->zy, &pend->job, &pend->ticket, &res, why, sizeof why);
	if (st == SANDBOX_ERROR) {
		rc = -1;
		goto out;
	}
	if (st != SANDBOX_OK) {
		rules_var v[] = {{"detail", why}, {"file", pend->name}};
		log_warn("intake: %s: %s", pend->name, why);
		/* whatever the child wrote goes; the folder stays for the caller */
		rc = util_rmtree(pend->workdir) != 0 || util_mkdirs(pend->workdir, 0700) != 0 ? -1 : 0;
		if (rc == 0) {
			finding_add(p, o->r, st == SANDBOX_LIMIT ? "archive_resources" : "archive_reader_crashed", -1,
				    -1, v, 2);
			p->outcome = PACKET_REJECTED;
		}
		goto out;
	}
	{
		char *wire = NULL;
		size_t len = 0;
		rc = take_wire(pend->workdir, o->lim, &wire, &len);
		if (rc == 0 && (!json_is_integer(json_object_get(res, "packet")) ||
				json_integer_value(json_object_get(res, "packet")) != (json_int_t)len ||
				packet_wire_load(p, wire, len) != 0 ||
				!packet_wire_in_range(p, o->r->ndocs, o->r->nlangs))) {
			log_error("intake: %s: the reader's result is not a packet", pend->name);
			rc = -1;
		}
		free(wire);
	}
	json_decref(res);
	if (rc != 0)
		goto out;
	/* the crash point of packetd's own process, once per member written */
	for (size_t i = 0; i < p->nfiles; i++)
		fault_point("unpack");
out:
	intake_pending_free(pend);
	return rc;
}

int intake_archive(const intake_options *o, const char *path, const char *name, const char *workdir,
		   packet *p)
{
	intake_pending pend;
	if (intake_archive_start(o, path, name, workdir, p->archive_sha256, &pend) != 0)
		return -1;
	return intake_archive_finish(o, &pend, p);
}

static char *field_after(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);
	if (strncasecmp(s, prefix, n) != 0)
		return NULL;
	return xstrdup(s + n);
}

void intake_fields_from_email(applicant *a, const char *from_addr, const char *subject)
{
	strlist parts = {0};
	if (a->email == NULL && from_addr && *from_addr)
		a->email = xstrdup(from_addr);
	if (subject == NULL)
		return;
	/* "CEng application / 张伟 / CMES M2024001234" — the order of the parts
	 * varies in practice, so each part is recognised by its shape. */
	strlist_split(&parts, subject, '/');
	for (size_t i = 0; i < parts.n; i++) {
		const char *s = parts.items[i];
		char *v = NULL;
		if (a->target == NULL && (strncasecmp(s, "CEng", 4) == 0 || strncasecmp(s, "IEng", 4) == 0)) {
			a->target = xstrndup(s, 4);
			a->target[0] = (char)(s[0] == 'c' || s[0] == 'C' ? 'C' : 'I');
			continue;
		}
		if (a->cmes_no == NULL && ((v = field_after(s, "CMES ")) != NULL || (v = field_after(s, "CMES:")) != NULL)) {
			a->cmes_no = xstrdup(util_trim(v));
			free(v);
			continue;
		}
		uint32_t cp;
		if (a->name_zh == NULL && util_utf8_next(s, strlen(s), &cp) > 1 && cp >= 0x3400 && cp <= 0x9FFF) {
			a->name_zh = xstrdup(s);
			continue;
		}
	}
	strlist_free(&parts);
}

int intake_check(const intake_options *o, packet *p)
{
	check_options co = {.target = o->target, .now = o->now, .from_email = !p->has_manifest};
	if (p->outcome == PACKET_REJECTED)
		return 0;
	if (!p->has_manifest)
		finding_add(p, o->r, "manifest_missing", -1, -1, NULL, 0);
	return check_packet(p, o->r, &co);
}
