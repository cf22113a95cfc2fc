/* workflow_fees.c — the fee ledger in the workflow's notices and messages
 * (workflow_p.h): the one rendering of fees_text.c with the configured
 * templates and zone, the centre's one-line summary, and the payment
 * notice that lists every payment since the last one that went out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "fees_text.h"
#include "notice.h"
#include "util.h"
#include "workflow_p.h"

char *wf_fees_text(packetd_ctx *ctx, const fees *f, int year_from, int year_to, int outstanding, int zh)
{
	fees_view v = {.year_from = year_from, .year_to = year_to, .outstanding = outstanding};
	return fees_text(f, &v, &ctx->conf->texts, ctx->conf->timezone, zh);
}

char *wf_fees_brief(const fees *f)
{
	buf b;
	buf_init(&b, 0);
	for (size_t k = 0; k < f->nlines; k++) {
		const fees_line *l = &f->lines[k];
		long o = fees_line_outstanding(l);
		if (o == 0)
			continue;
		buf_printf(&b, "%s%s", b.len ? ", " : "", fees_item_names[l->item]);
		if (l->year > 0)
			buf_printf(&b, " of year %d", l->year);
		if (o == FEES_UNKNOWN)
			buf_printf(&b, " at the rate of %s", f->society[0] ? f->society : "the provincial society");
		else
			buf_printf(&b, " %ld yuan", o);
	}
	buf_printf(&b, "%stotal %ld yuan%s", b.len ? "; " : "", fees_total_outstanding(f),
		   fees_unknown(f) ? " plus the society's rate" : "");
	return buf_steal(&b);
}

/* "  label (item): N yuan, ref R (date)" per payment in one language. */
static char *payment_lines(packetd_ctx *ctx, const store_payment_list *t, int zh, long *sum)
{
	buf b;
	char key[64], date[16];
	buf_init(&b, 0);
	*sum = 0;
	for (size_t i = 0; i < t->n; i++) {
		const char *item = t->rows[i].item, *ref = t->rows[i].ref;
		long amount = t->rows[i].amount;
		time_t at = 0;
		char *label;
		snprintf(key, sizeof key, "fee.%s.%s", item, zh ? "zh" : "en");
		label = notice_phrase(&ctx->conf->texts, key);
		date[0] = '\0';
		if (clock_parse_iso(t->rows[i].at, &at) == 0)
			clock_format(at, ctx->conf->timezone, "%Y-%m-%d", date, sizeof date);
		if (zh)
			buf_printf(&b, "  %s（%s）：%ld 元，凭证 %s（%s）\n", *label ? label : item, item, amount,
				   *ref ? ref : "-", date);
		else
			buf_printf(&b, "  %s (%s): %ld yuan, reference %s (%s)\n", *label ? label : item, item, amount,
				   *ref ? ref : "-", date);
		*sum += amount;
		free(label);
	}
	return buf_steal(&b);
}

int wf_notify_payments(packetd_ctx *ctx, wf_app *x, const fees *f)
{
	store_payment_list t;
	char *pz = NULL, *pe = NULL, *lz = NULL, *le = NULL, amt[32], total[32], count[16];
	long sum = 0;
	int rc = -1;
	memset(&t, 0, sizeof t);
	if (store_pay_unsent_drop(ctx->db, x->a.id) != 0 || store_pay_unlisted(ctx->db, x->a.id, &t) != 0)
		goto out;
	pz = payment_lines(ctx, &t, 1, &sum);
	pe = payment_lines(ctx, &t, 0, &sum);
	lz = wf_fees_text(ctx, f, 0, FEES_MAX_LINES, 1, 1);
	le = wf_fees_text(ctx, f, 0, FEES_MAX_LINES, 1, 0);
	snprintf(amt, sizeof amt, "%ld", sum);
	snprintf(total, sizeof total, "%ld", fees_total_outstanding(f));
	snprintf(count, sizeof count, "%zu", t.n);
	rules_var v[] = {{"amount", amt}, {"payments", count}, {"payments_zh", pz}, {"payments_en", pe},
			 {"outstanding_zh", lz}, {"outstanding_en", le}, {"outstanding_total", total}};
	if (wf_notify(ctx, x, "payment", v, 7, NULL, 0) != 0 || store_pay_mark_listed(ctx->db, x->a.id) != 0)
		goto out;
	rc = 0;
out:
	store_payment_list_free(&t);
	free(pz);
	free(pe);
	free(lz);
	free(le);
	return rc;
}
