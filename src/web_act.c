/* web_act.c — what the desk changes and hands out (web_p.h): the officer's
 * actions (POST /applications/ID/ACTION), the files by id (GET /files/N),
 * and the JSON API (GET /api/applications[/ID]).
 *
 * Actions take the command's options as form fields and call the same
 * workflow function as the command (workflow.h), so the state change, its
 * history row (by = the logged-in user) and its notice are one transaction
 * exactly as from the shell. Status codes: 303 back to the application
 * when done; 400 when the form lacks or contradicts fields (the command's
 * usage error); 409 with the command's message when the state or a value
 * refuses it; 403 for a viewer or without the session's csrf token.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cli_centre.h"
#include "clock.h"
#include "cpd.h"
#include "log.h"
#include "context.h"
#include "pjson.h"
#include "refusal.h"
#include "store_desk.h"
#include "web_p.h"
#include "workflow.h"

/* ---- actions ---- */

/* Free text goes into the database and notices: bounded, UTF-8 (the
 * form parser already dropped anything else), not empty. */
static int text_ok(const char *s, size_t max)
{
	return s == NULL || (*s != '\0' && strlen(s) <= max);
}

/* "1200", "1200.0", "1200.00": whole yuan only, as `packetd pay`. */
static int parse_amount(const char *s, long *out)
{
	char tmp[32];
	char *dot;
	if (s == NULL || strlen(s) >= sizeof tmp)
		return -1;
	snprintf(tmp, sizeof tmp, "%s", s);
	dot = strchr(tmp, '.');
	if (dot) {
		for (const char *p = dot + 1; *p; p++)
			if (*p != '0')
				return -1;
		*dot = '\0';
	}
	return util_parse_long(tmp, 1, 10000000, out);
}

static int flag(const web_req *q, const char *name)
{
	const char *v = web_field_get(q, name);
	return v && strcmp(v, "1") == 0;
}

/* The action's name in Chinese, for the refusal's first line. */
static const char *action_zh(const char *action)
{
	static const char *const names[][2] = {{"review", "初审"}, {"soehk", "SOEHK 审查结果"}, {"interview", "面试安排"},
					       {"result", "面试结果"}, {"pay", "缴费记录"}, {"cpd", "继续教育学时记录"},
					       {"certify", "颁证"}};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(names[i][0], action) == 0)
			return names[i][1];
	return action;
}

/* A refusal (409) shows the command's own message (refusal.h), both
 * languages, word for word; an incomplete form (400) says so in both
 * languages before the command's usage line. */
static void refused(web *w, web_req *q, web_resp *p, int status, const char *number, const char *action,
		    const char *message)
{
	char back[64];
	buf m;
	snprintf(back, sizeof back, "/applications/%s", number);
	if (status >= 500) {
		web_page_message(w, q, p, status, "系统错误", "System error", message, back);
		return;
	}
	if (status == 409) {
		web_page_message(w, q, p, status, "操作被拒绝", "Refused", message, back);
		return;
	}
	buf_init(&m, 0);
	buf_printf(&m, "%s表单不完整，未作任何更改。The %s form is incomplete; nothing was changed.\n\n%s",
		   action_zh(action), action, message);
	web_page_message(w, q, p, status, "表单不完整", "Incomplete form", m.data, back);
	buf_free(&m);
}

/* Renders refusal code (name, value pairs after it, then NULL) into wf's
 * message and shows it with 409. */
static void refuse(web *w, web_req *q, web_resp *p, workflow *wf, const char *number, const char *action,
		   const char *code, const char *name, const char *value, const char *name2, const char *value2)
{
	refusal_say(&w->conf->texts, wf->err, sizeof wf->err, code, name, value, name2, value2, (const char *)NULL);
	refused(w, q, p, 409, number, action, wf->err);
}

void web_app_action(web *w, web_req *q, web_resp *p, const char *number, const char *action)
{
	static const char *const actions[] = {"review", "soehk", "interview", "result", "pay", "cpd", "certify"};
	packetd_ctx ctx = {.conf = w->conf, .r = w->r, .db = w->db, .now = q->now};
	workflow wf = {.ctx = &ctx, .by = q->sess.user};
	const char *ret = web_field_get(q, "return");
	int known = 0, rc = WF_ERROR;
	for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++)
		known |= strcmp(actions[i], action) == 0;
	if (!known) {
		web_page_message(w, q, p, 404, "未知操作", "Unknown action", action, "/applications");
		return;
	}
	if (strcmp(q->sess.role, "officer") != 0) {
		log_warn("desk: %s (viewer) tried %s on %s", q->sess.user, action, number);
		web_page_message(w, q, p, 403, "只读用户不能操作", "Viewers cannot act", "an officer's account is needed", "/");
		return;
	}
	if (!web_auth_csrf_ok(q)) {
		log_warn("desk: %s: %s on %s without a valid csrf token", q->sess.user, action, number);
		web_page_message(w, q, p, 403, "拒绝", "Forbidden", "missing or wrong csrf token: reload the page", "/");
		return;
	}
	if (!text_ok(ret, 2000)) {
		refuse(w, q, p, &wf, number, action, "text", "what", "--return", "max", "2000");
		return;
	}
	if (!text_ok(web_field_get(q, "place"), 500)) {
		refuse(w, q, p, &wf, number, action, "text", "what", "--place", "max", "500");
		return;
	}
	if (!text_ok(web_field_get(q, "ref"), 200)) {
		refuse(w, q, p, &wf, number, action, "text", "what", "--ref", "max", "200");
		return;
	}
	if (strcmp(action, "review") == 0) {
		if (flag(q, "approve") == (ret != NULL)) {
			refused(w, q, p, 400, number, action, "review: --approve or --return REASON");
			return;
		}
		rc = workflow_review(&wf, number, flag(q, "approve"), ret);
	} else if (strcmp(action, "soehk") == 0) {
		if (flag(q, "accept") == (ret != NULL)) {
			refused(w, q, p, 400, number, action, "soehk: --accept or --return FEEDBACK");
			return;
		}
		rc = workflow_soehk(&wf, number, flag(q, "accept"), ret);
	} else if (strcmp(action, "interview") == 0) {
		const char *at = web_field_get(q, "at"), *place = web_field_get(q, "place"), *mt = web_field_get(q, "minutes");
		time_t start;
		long minutes = 60;
		if (at == NULL || place == NULL) {
			refused(w, q, p, 400, number, action, "interview: --at \"YYYY-MM-DD HH:MM\" and --place PLACE are needed");
			return;
		}
		if (clock_local_time(w->conf->timezone, at, &start) != 0) {
			refuse(w, q, p, &wf, number, action, "at", "zone", w->conf->timezone, "value", at);
			return;
		}
		if (mt && *mt && util_parse_long(mt, 0, 100000, &minutes) != 0) {
			refuse(w, q, p, &wf, number, action, "minutes", "value", mt, NULL, NULL);
			return;
		}
		rc = workflow_interview(&wf, number, start, place, (int)minutes);
	} else if (strcmp(action, "result") == 0) {
		int pass = flag(q, "pass"), fail = flag(q, "fail"), no_show = flag(q, "no_show");
		if (pass + fail + no_show != 1) {
			refused(w, q, p, 400, number, action, "result: one of --pass, --fail, --no-show");
			return;
		}
		rc = workflow_result(&wf, number, pass ? "pass" : fail ? "fail" : "no_show");
	} else if (strcmp(action, "pay") == 0) {
		const char *item = web_field_get(q, "item"), *amount = web_field_get(q, "amount");
		long yuan;
		if (item == NULL || amount == NULL) {
			refused(w, q, p, 400, number, action, "pay: --item ITEM and --amount YUAN are needed");
			return;
		}
		if (parse_amount(amount, &yuan) != 0) {
			refuse(w, q, p, &wf, number, action, "amount", "value", amount, NULL, NULL);
			return;
		}
		rc = workflow_pay(&wf, number, item, yuan, web_field_get(q, "ref"));
	} else if (strcmp(action, "cpd") == 0) {
		const char *year = web_field_get(q, "year"), *hours = web_field_get(q, "hours");
		long y;
		double h;
		if (year == NULL || hours == NULL) {
			refused(w, q, p, 400, number, action, "cpd: --year YYYY and --hours N are needed");
			return;
		}
		if (util_parse_long(year, 1000, 9999, &y) != 0) {
			refuse(w, q, p, &wf, number, action, "year", "value", year, NULL, NULL);
			return;
		}
		if (cpd_parse_hours(hours, &h) != 0) {
			refuse(w, q, p, &wf, number, action, "hours", "value", hours, NULL, NULL);
			return;
		}
		rc = workflow_cpd(&wf, number, (int)y, h, web_field_get(q, "ref"));
	} else if (strcmp(action, "certify") == 0) {
		rc = workflow_certify(&wf, number);
	}
	if (rc == WF_OK) {
		buf loc;
		log_info("desk: %s: %s", q->sess.user, wf.info[0] ? wf.info : action);
		buf_init(&loc, 0);
		buf_printf(&loc, "/applications/%s?done=", number);
		web_urlenc(&loc, wf.info[0] ? wf.info : action);
		web_redirect(p, loc.data);
		buf_free(&loc);
		return;
	}
	log_info("desk: %s: %s on %s refused: %s", q->sess.user, action, number, wf.err);
	refused(w, q, p, rc == WF_REFUSED ? 409 : 500, number, action, wf.err[0] ? wf.err : "failed");
}

/* ---- files ---- */

/* A safe Content-Type for a stored file's sniffed type; anything else is
 * an opaque download. */
static const char *mime_of(const char *type, const char **ext)
{
	static const struct {
		const char *type, *mime, *ext;
	} map[] = {
		{"pdf", "application/pdf", "pdf"}, {"jpeg", "image/jpeg", "jpg"}, {"png", "image/png", "png"},
		{"tiff", "image/tiff", "tif"}, {"doc", "application/msword", "doc"},
		{"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"},
		{"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"},
		{"odt", "application/vnd.oasis.opendocument.text", "odt"}, {"csv", "text/csv; charset=utf-8", "csv"},
		{"txt", "text/plain; charset=utf-8", "txt"},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (type && strcmp(type, map[i].type) == 0) {
			*ext = map[i].ext;
			return map[i].mime;
		}
	*ext = "bin";
	return "application/octet-stream";
}

/* 1 when path lies inside dir (both resolved; no link leads out). */
static int inside(const char *path, const char *dir)
{
	char rp[PATH_MAX], rd[PATH_MAX];
	size_t n;
	if (realpath(path, rp) == NULL || realpath(dir, rd) == NULL)
		return 0;
	n = strlen(rd);
	return strncmp(rp, rd, n) == 0 && rp[n] == '/';
}

void web_app_file(web *w, web_req *q, web_resp *p, const char *id)
{
	store_desk_file t;
	long n;
	int found, fd;
	uint64_t off, len;
	const char *ext, *mime, *name, *path, *base;
	char *file = NULL;
	buf disp;
	if (util_parse_long(id, 1, LONG_MAX, &n) != 0) {
		web_page_message(w, q, p, 404, "未找到", "Not found", "files are named by number: /files/N", "/");
		return;
	}
	found = store_desk_file_get(w->db, n, &t);
	if (found != 1) {
		web_page_message(w, q, p, found == 0 ? 404 : 500, "未找到", "Not found", id, "/");
		return;
	}
	name = t.name;
	path = t.stored_path;
	if (*path == '\0') {
		web_page_message(w, q, p, 410, "文件已删除", "Deleted", "this document was deleted (retention)", "/");
		goto out;
	}
	/* the ledger names where the spool keeps the bytes; nothing outside
	 * the spool is ever served, whatever the row says */
	file = spool_kept_file(path);
	if (!inside(file, w->conf->spool) || spool_kept_open(path, &fd, &off, &len) != 0) {
		log_error("desk: file %ld: %s is missing, not a file, or outside the spool", n, path);
		web_page_message(w, q, p, 410, "文件不存在", "Gone", "the stored copy is missing", "/");
		goto out;
	}
	mime = mime_of(t.type, &ext);
	/* the original name is never a path: its last component, encoded */
	base = name;
	for (const char *c = name; *c; c++)
		if (*c == '/' || *c == '\\')
			base = c + 1;
	buf_init(&disp, sizeof p->disposition - 1);
	buf_printf(&disp, "attachment; filename=\"%s-file%ld.%s\"; filename*=UTF-8''", t.number, n, ext);
	web_urlenc(&disp, base);
	/* a name too long for the header: the ASCII name alone */
	if (buf_error(&disp) != 0)
		snprintf(p->disposition, sizeof p->disposition, "attachment; filename=\"%s-file%ld.%s\"",
			 t.number, n, ext);
	else
		snprintf(p->disposition, sizeof p->disposition, "%s", disp.data ? disp.data : "attachment");
	buf_free(&disp);
	p->status = 200;
	p->type = mime;
	p->fd = fd;
	p->fd_off = off;
	p->fd_size = len;
	log_info("desk: %s downloads file %ld of %s", q->sess.user, n, t.number);
out:
	free(file);
	store_desk_file_free(&t);
}

const config_source *web_dir_source(const web *w, const char *name)
{
	for (size_t i = 0; i < w->conf->nsources; i++)
		if (strcmp(w->conf->sources[i].name, name) == 0 && w->conf->sources[i].kind == SOURCE_DIR &&
		    w->conf->sources[i].receipts)
			return &w->conf->sources[i];
	return NULL;
}

void web_batch_receipt(web *w, web_req *q, web_resp *p, const char *id)
{
	store_desk_batch_list t;
	long n;
	int found = -1, fd = -1;
	struct stat st;
	const config_source *src;
	const char *name;
	char *path = NULL;
	if (util_parse_long(id, 1, LONG_MAX, &n) == 0)
		found = store_desk_batch(w->db, n, &t);
	if (found != 1) {
		web_page_message(w, q, p, 404, "未找到", "Not found", "no such batch", "/batches");
		if (found == 0)
			store_desk_batch_list_free(&t);
		return;
	}
	src = web_dir_source(w, t.rows[0].source);
	name = t.rows[0].receipt;
	/* the receipt's name is ours (batch name + .receipt.csv), yet never a path */
	if (src && strchr(name, '/') == NULL && name[0] != '.') {
		path = util_path_join(src->receipts, name);
		if (inside(path, src->receipts))
			fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	}
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		web_page_message(w, q, p, 404, "回执不在本机", "Receipt not here",
				 "the receipt went to the society's own folder and by email", "/batches");
		goto out;
	}
	p->status = 200;
	p->type = "text/csv; charset=utf-8";
	p->fd = fd;
	p->fd_size = (uint64_t)st.st_size;
	snprintf(p->disposition, sizeof p->disposition, "attachment; filename=\"batch-%ld.receipt.csv\"", n);
out:
	free(path);
	store_desk_batch_list_free(&t);
}

/* ---- JSON ---- */

static void json_resp(web_resp *p, int status, json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2));
	p->status = status;
	p->type = "application/json";
	buf_adds(&p->body, s ? s : "null");
	buf_adds(&p->body, "\n");
	free(s);
	json_decref(j);
}

/* The list --json array, with the list page's filters; paged only when
 * page (and per) are given. */
void web_api_list(web *w, web_req *q, web_resp *p)
{
	store_desk_filter f;
	store_desk_app_list t;
	json_t *arr;
	long page = 0, per = 100;
	const char *v;
	memset(&f, 0, sizeof f);
	f.state = web_arg(q, "state");
	f.province = web_arg(q, "province");
	f.target = web_arg(q, "target");
	f.q = web_arg(q, "q");
	f.sort = web_arg(q, "sort");
	f.desc = web_arg(q, "dir") && strcmp(web_arg(q, "dir"), "desc") == 0;
	v = web_arg(q, "per");
	if (v && util_parse_long(v, 1, 10000, &per) != 0)
		per = 100;
	v = web_arg(q, "page");
	if (v && util_parse_long(v, 1, 1000000, &page) == 0) {
		f.limit = per;
		f.offset = (page - 1) * per;
	}
	if (store_desk_list(w->db, &f, &t, NULL) != 0) {
		json_resp(p, 500, json_pack("{s:s}", "error", store_errmsg(w->db)));
		return;
	}
	arr = json_array();
	for (size_t r = 0; r < t.n; r++) {
		const store_desk_app *x = &t.rows[r];
		store_application a;
		memset(&a, 0, sizeof a);
		a.number = x->number;
		a.state = x->state;
		a.target = x->target;
		a.created_at = x->created_at;
		a.updated_at = x->updated_at;
		store_applicant_decode(x->applicant_json, &a.app);
		json_array_append_new(arr, pjson_application_brief(&a));   /* a's other strings stay t's */
		applicant_free(&a.app);
	}
	store_desk_app_list_free(&t);
	json_resp(p, 200, arr);
}

void web_api_show(web *w, web_req *q, web_resp *p, const char *number)
{
	store_application a;
	json_t *j;
	int found = store_application_get(w->db, w->r, 0, number, &a);
	(void)q;
	if (found != 1) {
		json_resp(p, found == 0 ? 404 : 500, json_pack("{s:s}", "error", found == 0 ? "no such application" : "database"));
		return;
	}
	j = pjson_application(&a, w->r);
	cli_centre_show(w->db, w->conf, w->r, &a, j);
	store_application_free(&a);
	json_resp(p, 200, j);
}
