/* status.c — STATUS by email (status.h). The texts are
 * config/templates/status.txt and status_unknown.txt with the phrases
 * state.*, status.next.* and status.interview.* of phrases.ini; the fees
 * come from the same ledger as `show` and `pay` (workflow_fees). */
#include "status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "outbox.h"
#include "notice.h"
#include "util.h"
#include "workflow_p.h"

#define STATUS_QUIET_SECONDS 3600

static void phrase_line(packetd_ctx *ctx, buf *b, const char *label, const char *key)
{
	char *t = notice_phrase(&ctx->conf->texts, key);
	buf_printf(b, "%s%s\n", label, t);
	free(t);
}

/* One application's state in one language. */
static int status_block(packetd_ctx *ctx, wf_app *x, int zh, buf *b)
{
	const char *lang = zh ? "zh" : "en";
	char key[96];
	size_t nmissing = 0;
	fees f;
	store_interview iv;
	int r;
	if (zh)
		buf_printf(b, "申请编号：%s（%s）\n", x->a.number, x->target ? x->target : "CEng/IEng");
	else
		buf_printf(b, "Application %s (%s)\n", x->a.number, x->target ? x->target : "CEng/IEng");
	snprintf(key, sizeof key, "state.%s.%s", x->a.state, lang);
	phrase_line(ctx, b, zh ? "  状态：" : "  State: ", key);
	buf_adds(b, zh ? "  需要补充或更正：\n" : "  To add or correct:\n");
	for (size_t i = 0; i < x->a.nfindings; i++) {
		const finding *fi = &x->a.findings[i];
		if (fi->severity != SEV_ERROR)
			continue;
		buf_printf(b, "    %zu. %s\n", ++nmissing, zh ? fi->message_zh : fi->message_en);
	}
	if (nmissing == 0)
		buf_adds(b, zh ? "    无\n" : "    nothing\n");
	buf_adds(b, zh ? "  未缴费用：\n" : "  Fees outstanding:\n");
	if (fees_of_application(ctx->db, ctx->r, &x->a, ctx->now, &f) != 0) {
		buf_adds(b, zh ? "    请向认证中心查询\n" : "    please ask the centre\n");
	} else if (fees_total_outstanding(&f) == 0 && !fees_unknown(&f)) {
		buf_adds(b, zh ? "    无\n" : "    none\n");
	} else {
		/* the ledger as `show`, `pay` and the payment notice give it */
		char *lines = wf_fees_text(ctx, &f, 0, FEES_MAX_LINES, 1, zh);
		for (const char *l = lines; *l; ) {   /* one step deeper, under the heading */
			const char *e = strchr(l, '\n');
			size_t len = e ? (size_t)(e - l) + 1 : strlen(l);
			buf_adds(b, "  ");
			buf_add(b, l, len);
			l += len;
		}
		free(lines);
	}
	if (strcmp(x->a.state, "interview_planned") == 0) {
		r = store_wf_interview_get(ctx->db, x->a.id, &iv);
		if (r < 0)
			return -1;
		if (r == 1) {
			wf_when w;
			char *t, *line;
			wf_when_of(ctx, iv.starts_at, iv.minutes, &w);
			rules_var v[] = {{"date", w.date}, {"time", w.time}, {"end", w.end}, {"zone", w.zone},
					 {"place", iv.place}};
			snprintf(key, sizeof key, "status.interview.%s", lang);
			t = notice_phrase(&ctx->conf->texts, key);
			line = rules_render(t, v, sizeof v / sizeof v[0]);
			buf_printf(b, "  %s\n", line);
			free(t);
			free(line);
			store_interview_free(&iv);
		}
	}
	snprintf(key, sizeof key, "status.next.%s.%s", x->a.state, lang);
	phrase_line(ctx, b, zh ? "  下一步：" : "  Next: ", key);
	buf_adds(b, "\n");
	return 0;
}

static int queue_refusal(packetd_ctx *ctx, const status_request *rq, status_result *res)
{
	int64_t recent = 0;
	char *when;
	int rc;
	if (store_answers_since(ctx->db, 0, "status_unknown", rq->from, ctx->now - STATUS_QUIET_SECONDS, &recent) != 0)
		return -1;
	if (recent > 0) {
		res->outcome = STATUS_QUIET;
		snprintf(res->detail, sizeof res->detail, "no application of this sender; refused within the hour");
		return 0;
	}
	when = clock_stamp(ctx->now, ctx->conf->timezone);
	rules_var v[] = {{"received_at", when}};
	outbox_addr a = {.to = rq->from, .in_reply_to = rq->in_reply_to, .references = rq->references,
			 .auto_submitted = "auto-replied"};
	rc = outbox_queue_kind(ctx, 0, "status_unknown", v, 1, &a);
	free(when);
	res->outcome = STATUS_REFUSED;
	snprintf(res->detail, sizeof res->detail, "no application of this sender%s%s",
		 rq->number && *rq->number ? " numbered " : "", rq->number && *rq->number ? rq->number : "");
	return rc;
}

int status_answer(packetd_ctx *ctx, const status_request *rq, status_result *res)
{
	int64_t *ids = NULL;
	size_t n = 0, nanswered = 0;
	buf zh, en, numbers;
	char today[32] = "", *when = NULL;
	int rc = -1;
	memset(res, 0, sizeof *res);
	buf_init(&zh, 0);
	buf_init(&en, 0);
	buf_init(&numbers, 0);
	if (store_apps_of_address(ctx->db, rq->from, rq->number && *rq->number ? rq->number : NULL, &ids, &n) != 0)
		goto out;
	if (n == 0) {
		rc = queue_refusal(ctx, rq, res);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		int64_t recent = 0;
		wf_app x;
		if (store_answers_since(ctx->db, ids[i], "status", NULL, ctx->now - STATUS_QUIET_SECONDS, &recent) != 0)
			goto out;
		if (recent > 0)
			continue;
		if (wf_load(ctx, ids[i], NULL, &x) != 1)
			goto out;
		if (status_block(ctx, &x, 1, &zh) != 0 || status_block(ctx, &x, 0, &en) != 0 ||
		    store_answer_mark(ctx->db, ids[i], "status", ctx->now) != 0) {
			wf_app_free(&x);
			goto out;
		}
		buf_printf(&numbers, "%s%s", nanswered ? ", " : "", x.a.number);
		if (nanswered++ == 0)
			res->application_id = ids[i];
		wf_app_free(&x);
	}
	if (nanswered == 0) {
		res->outcome = STATUS_QUIET;
		snprintf(res->detail, sizeof res->detail, "answered within the hour");
		rc = 0;
		goto out;
	}
	buf_add(&zh, "", 1);
	buf_add(&en, "", 1);
	buf_add(&numbers, "", 1);
	clock_format(ctx->now, ctx->conf->timezone, "%Y-%m-%d %H:%M", today, sizeof today);
	when = clock_stamp(ctx->now, ctx->conf->timezone);
	rules_var v[] = {{"applications", numbers.data}, {"received_at", when}, {"today", today},
			 {"status_zh", zh.data}, {"status_en", en.data}};
	outbox_addr a = {.to = rq->from, .in_reply_to = rq->in_reply_to, .references = rq->references,
			 .auto_submitted = "auto-replied"};
	if (outbox_queue_kind(ctx, res->application_id, "status", v, sizeof v / sizeof v[0], &a) != 0)
		goto out;
	res->outcome = STATUS_ANSWERED;
	snprintf(res->detail, sizeof res->detail, "%s", numbers.data);
	rc = 0;
out:
	free(ids);
	free(when);
	buf_free(&zh);
	buf_free(&en);
	buf_free(&numbers);
	return rc;
}
