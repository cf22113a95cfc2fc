/* fees_text.c — the fee ledger (fees.h) as the applicant and the centre
 * read it: lines in one language for the notices, and the JSON of `show`.
 * Both walk the same lines, so a notice, `show`, `pay` and the report name
 * the same items, periods and amounts. Labels and phrases come from
 * templates/phrases.ini. */
#include "fees_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "notice.h"
#include "util.h"

static char *phrase(const texts *templates, const char *key, int zh)
{
	char k[96];
	snprintf(k, sizeof k, "%s.%s", key, zh ? "zh" : "en");
	return notice_phrase(templates, k);
}

/* The society's name, or the phrase for "your provincial society". */
static char *society_of(const fees *f, const texts *templates, int zh)
{
	return f->society[0] ? xstrdup(f->society) : phrase(templates, "fee.society_default", zh);
}

static void add_amount(buf *b, const fees *f, const fees_line *l, long amount, const texts *templates, int zh)
{
	char *soc, *p, *txt;
	if (amount != FEES_UNKNOWN && l->item != FEE_CMES_MEMBERSHIP) {
		buf_printf(b, zh ? "%ld 元" : "%ld yuan", amount);
		return;
	}
	soc = society_of(f, templates, zh);
	rules_var v[] = {{"society", soc}};
	p = phrase(templates, amount == FEES_UNKNOWN ? "fee.society_rate" : "fee.society_known", zh);
	txt = rules_render(p, v, 1);
	if (amount == FEES_UNKNOWN)
		buf_printf(b, "%s", txt);
	else
		buf_printf(b, zh ? "%ld 元%s" : "%ld yuan %s", amount, txt);
	free(txt);
	free(p);
	free(soc);
}

char *fees_text(const fees *f, const fees_view *view, const texts *templates, const char *tz, int zh)
{
	buf b;
	char key[64], from[16], year[16];
	long total = 0;
	int unknown = 0;
	char *period = phrase(templates, "fee.period", zh);
	buf_init(&b, 0);
	for (size_t k = 0; k < f->nlines; k++) {
		const fees_line *l = &f->lines[k];
		long a = view->outstanding ? fees_line_outstanding(l) : l->due;
		char *label, *per = NULL;
		if (l->year < view->year_from || l->year > view->year_to || a == 0)
			continue;
		snprintf(key, sizeof key, "fee.%s", fees_item_names[l->item]);
		label = phrase(templates, key, zh);
		if (l->year > 0) {
			clock_format(l->from, tz, "%Y-%m-%d", from, sizeof from);
			snprintf(year, sizeof year, "%d", l->year);
			rules_var v[] = {{"year", year}, {"from", from}};
			per = rules_render(period, v, 2);
		}
		buf_printf(&b, zh ? "  %s（%s）%s%s：" : "  %s (%s)%s%s: ", *label ? label : fees_item_names[l->item],
			   fees_item_names[l->item], per ? " " : "", per ? per : "");
		add_amount(&b, f, l, a, templates, zh);
		buf_add(&b, "\n", 1);
		if (a == FEES_UNKNOWN)
			unknown = 1;
		else
			total += a;
		free(label);
		free(per);
	}
	buf_printf(&b, zh ? "  合计：%ld 元" : "  Total: %ld yuan", total);
	if (unknown) {
		char *soc = society_of(f, templates, zh), *p = phrase(templates, "fee.total_plus", zh), *txt;
		rules_var v[] = {{"society", soc}};
		txt = rules_render(p, v, 1);
		buf_printf(&b, zh ? "，%s" : ", %s", txt);
		free(txt);
		free(p);
		free(soc);
	}
	buf_add(&b, "\n", 1);
	free(period);
	return buf_steal(&b);
}

static json_t *amount_json(long v)
{
	return v == FEES_UNKNOWN ? json_null() : json_integer(v);
}

void fees_json(const fees *f, const char *tz, json_t *into)
{
	json_t *items = json_object(), *tot = json_object(), *unknown = json_array();
	long due = 0, paid = 0, outst = 0;
	for (int i = 0; i < FEES_NITEMS; i++) {
		json_t *it, *periods = json_array();
		for (size_t k = 0; k < f->nlines; k++) {
			const fees_line *l = &f->lines[k];
			json_t *p;
			char from[16];
			if (l->item != i)
				continue;
			p = json_object();
			json_object_set_new(p, "year", json_integer(l->year));
			if (l->year > 0) {
				clock_format(l->from, tz, "%Y-%m-%d", from, sizeof from);
				json_object_set_new(p, "from", json_string(from));
			}
			json_object_set_new(p, "due", amount_json(l->due));
			json_object_set_new(p, "paid", json_integer(l->paid));
			json_object_set_new(p, "outstanding", amount_json(fees_line_outstanding(l)));
			json_array_append_new(periods, p);
		}
		if (json_array_size(periods) == 0 && f->paid[i] == 0) {
			json_decref(periods);
			continue;
		}
		it = json_object();
		json_object_set_new(it, "due", f->unknown[i] ? json_null() : json_integer(f->due[i]));
		json_object_set_new(it, "paid", json_integer(f->paid[i]));
		json_object_set_new(it, "outstanding", f->unknown[i] ? json_null() : json_integer(fees_outstanding(f, i)));
		if (i == FEE_CMES_MEMBERSHIP && f->unknown[i])
			json_object_set_new(it, "rate", json_string(f->society[0] ? f->society : "provincial society"));
		json_object_set_new(it, "periods", periods);
		json_object_set_new(items, fees_item_names[i], it);
		if (f->unknown[i])
			json_array_append_new(unknown, json_string(fees_item_names[i]));
		due += f->due[i];
		paid += f->paid[i];
		outst += fees_outstanding(f, i);
	}
	json_object_set_new(into, "fees", items);
	json_object_set_new(tot, "due", json_integer(due));
	json_object_set_new(tot, "paid", json_integer(paid));
	json_object_set_new(tot, "outstanding", json_integer(outst));
	if (json_array_size(unknown) > 0)
		json_object_set_new(tot, "unknown", unknown);
	else
		json_decref(unknown);
	json_object_set_new(into, "fees_total", tot);
}
