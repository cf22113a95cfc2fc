/* texts.c — see texts.h. */
#include "texts.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "initext.h"
#include "util.h"

#define TEXT_MAX (256 * 1024)
#define PHRASE_LINE_MAX 8192

/* The contract between the code and the templates: the kinds of notice
 * packetd sends and the placeholders each is given. A template may leave a
 * placeholder out; one not listed here would reach the applicant as
 * "{name}". */
static const struct {
	const char *kind;
	const char *vars;  /* space-separated */
} contract[] = {
	{"ack", "application archive checklist_en checklist_zh fee_interview findings_en findings_zh name_en "
		"name_zh next_en next_zh outcome_en outcome_zh received_at resubmission_en resubmission_zh target"},
	{"certified", "application certificates_en certificates_zh cmes_reregistration cpd_hours name_en name_zh "
		      "next_due rereg_en rereg_zh target"},
	{"cpd", "application archive hours_en hours_zh name_en name_zh received_at standing_en standing_zh"},
	{"duplicate", "application archive name_en name_zh received_at"},
	{"interview", "application bring_en bring_zh date end minutes name_en name_zh place target time zone"},
	{"interview_moved", "application bring_en bring_zh date end minutes name_en name_zh old_date old_place "
			    "old_time old_zone place target time zone"},
	{"interview_reminder", "application bring_en bring_zh date end minutes name_en name_zh place target time zone"},
	{"no_packet", "received_at subject"},
	{"no_show", "application name_en name_zh target"},
	{"payment", "amount application name_en name_zh outstanding_en outstanding_total outstanding_zh payments "
		    "payments_en payments_zh target today"},
	{"receipt", "batch complete incomplete receipt received_at rejected rows society"},
	{"recommended", "application name_en name_zh target today"},
	{"rejected", "application archive findings_en findings_zh name_en name_zh received_at"},
	{"report", "date summary"},
	{"reregistration", "application cpd_hours cpd_missing cpd_recorded cpd_year due_date name_en name_zh "
			   "outstanding_en outstanding_total outstanding_zh target year year_fees_en year_fees_zh"},
	{"result_fail", "application name_en name_zh target"},
	{"result_pass", "application fees_en fees_zh name_en name_zh target"},
	{"returned", "application name_en name_zh reason returned_by_en returned_by_zh target today"},
};
#define NCONTRACT (sizeof contract / sizeof contract[0])

/* The refusals of the centre's commands (refusal.h): phrases.ini keys
 * refusal.CODE.zh and refusal.CODE.en, and the placeholders each is given. */
static const struct {
	const char *code;
	const char *vars;  /* space-separated */
} refusals[] = {
	{"amount", "value"},
	{"at", "value zone"},
	{"certify_fees", "application fees"},
	{"cpd_state", "application state"},
	{"date", "value"},
	{"date_future", "today value zone"},
	{"fee_item", "item items"},
	{"hours", "value"},
	{"interview_past", "application"},
	{"minutes", "value"},
	{"no_application", "application"},
	{"not_owed", "application due item paid state"},
	{"overpaid", "amount application item outstanding"},
	{"result_early", "application date time zone"},
	{"soehk_accepted", "application"},
	{"soehk_pending", "application"},
	{"state", "action application state states"},
	{"text", "max what"},
	{"transmit_none", ""},
	{"year", "value"},
	{"year_range", "max_year value"},
};
#define NREFUSALS (sizeof refusals / sizeof refusals[0])

static int by_key(const void *a, const void *b)
{
	return strcmp(((const texts_entry *)a)->key, ((const texts_entry *)b)->key);
}

static int on_phrase(void *user, const char *section, const char *name, const char *value)
{
	texts *t = user;
	(void)section;
	t->phrase = xrealloc(t->phrase, (t->nphrase + 1) * sizeof *t->phrase);
	t->phrase[t->nphrase].key = xstrdup(name);
	t->phrase[t->nphrase].value = xstrdup(value);
	t->phrase[t->nphrase].line = 0;
	t->nphrase++;
	return 1;
}

/* initext tells the line through its struct; the handler above records it. */
typedef struct phrase_reader {
	initext it;
	texts *t;
} phrase_reader;

static int on_phrase_line(void *user, const char *section, const char *name, const char *value)
{
	phrase_reader *pr = user;
	int rc = on_phrase(pr->t, section, name, value);
	pr->t->phrase[pr->t->nphrase - 1].line = pr->it.line;
	return rc;
}

static int load_phrases(texts *t, char *err, size_t errlen)
{
	char *path = util_path_join(t->dir, "phrases.ini");
	phrase_reader pr = {.t = t};
	int rc = initext_run(&pr.it, path, TEXT_MAX, PHRASE_LINE_MAX, 1, on_phrase_line, &pr);
	if (rc == INITEXT_READ)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	else if (rc == INITEXT_LINE)
		snprintf(err, errlen, "%s:%d: line too long or holds a NUL", path, pr.it.line);
	else if (rc > 0)
		snprintf(err, errlen, "%s:%d: not a \"key = text\" line", path, rc);
	else if (rc != 0)
		snprintf(err, errlen, "%s: out of memory", path);
	free(path);
	return rc == 0 ? 0 : -1;
}

int texts_load(texts *t, const char *dir, char *err, size_t errlen)
{
	DIR *d;
	struct dirent *e;
	int rc = -1;
	memset(t, 0, sizeof *t);
	t->dir = xstrdup(dir);
	d = opendir(dir);
	if (d == NULL && errno == ENOENT)
		return 0;   /* `validate` sends nothing; texts_check reports it to the others */
	if (d == NULL) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		texts_free(t);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);
		char *path, *data = NULL;
		size_t len;
		if (n <= 4 || e->d_name[0] == '.' || strcmp(e->d_name + n - 4, ".txt") != 0)
			continue;
		path = util_path_join(dir, e->d_name);
		if (util_read_file(path, TEXT_MAX, &data, &len) != 0) {
			snprintf(err, errlen, "%s: cannot be read", path);
			free(path);
			goto out;
		}
		free(path);
		t->tmpl = xrealloc(t->tmpl, (t->ntmpl + 1) * sizeof *t->tmpl);
		t->tmpl[t->ntmpl].key = xstrndup(e->d_name, n - 4);
		t->tmpl[t->ntmpl].value = data;
		t->tmpl[t->ntmpl].line = 1;
		t->ntmpl++;
	}
	if (t->ntmpl > 1)
		qsort(t->tmpl, t->ntmpl, sizeof *t->tmpl, by_key);
	rc = load_phrases(t, err, errlen);
out:
	closedir(d);
	if (rc != 0)
		texts_free(t);
	return rc;
}

static void free_entries(texts_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].key);
		free(v[i].value);
	}
	free(v);
}

void texts_free(texts *t)
{
	free_entries(t->tmpl, t->ntmpl);
	free_entries(t->phrase, t->nphrase);
	free(t->dir);
	memset(t, 0, sizeof *t);
}

const char *texts_template(const texts *t, const char *kind)
{
	texts_entry key = {.key = (char *)kind};
	const texts_entry *e;
	if (t->ntmpl == 0)
		return NULL;
	e = bsearch(&key, t->tmpl, t->ntmpl, sizeof *t->tmpl, by_key);
	return e ? e->value : NULL;
}

static const texts_entry *phrase_entry(const texts *t, const char *key)
{
	for (size_t i = 0; i < t->nphrase; i++)
		if (strcmp(t->phrase[i].key, key) == 0)
			return &t->phrase[i];
	return NULL;
}

const char *texts_phrase(const texts *t, const char *key)
{
	const texts_entry *e = phrase_entry(t, key);
	return e ? e->value : NULL;
}

static int var_known(const char *vars, const char *name, size_t len)
{
	const char *p = vars;
	while (*p) {
		size_t n = strcspn(p, " ");
		if (n == len && strncmp(p, name, len) == 0)
			return 1;
		p += n;
		p += strspn(p, " ");
	}
	return 0;
}

/* Placeholders are {lower_case_names}; other braces are text. */
static size_t check_placeholders(const char *path, int line, const char *text, const char *vars, FILE *out)
{
	size_t problems = 0;
	for (const char *p = text; *p; p++) {
		if (*p == '\n') {
			line++;
			continue;
		}
		if (*p != '{')
			continue;
		size_t n = strspn(p + 1, "abcdefghijklmnopqrstuvwxyz0123456789_.");
		if (n == 0 || p[1 + n] != '}')
			continue;
		if (!var_known(vars, p + 1, n)) {
			fprintf(out, "%s:%d: {%.*s}: unknown placeholder (this text is given: %s)\n", path, line,
				(int)n, p + 1, vars);
			problems++;
		}
		p += n + 1;
	}
	return problems;
}

/* Every refusal in both languages, with only the placeholders it is given. */
static size_t check_refusals(const texts *t, FILE *out)
{
	size_t problems = 0;
	char *path = util_path_join(t->dir, "phrases.ini");
	for (size_t i = 0; i < NREFUSALS; i++) {
		for (int zh = 1; zh >= 0; zh--) {
			char key[96];
			const texts_entry *e;
			snprintf(key, sizeof key, "refusal.%s.%s", refusals[i].code, zh ? "zh" : "en");
			e = phrase_entry(t, key);
			if (e == NULL) {
				fprintf(out, "%s: missing: %s (a refusal of the centre's commands)\n", path, key);
				problems++;
				continue;
			}
			problems += check_placeholders(path, e->line, e->value, refusals[i].vars, out);
		}
	}
	free(path);
	return problems;
}

size_t texts_check(const texts *t, FILE *out)
{
	size_t problems = 0;
	for (size_t i = 0; i < NCONTRACT; i++) {
		char name[128];
		char *path;
		const char *text = texts_template(t, contract[i].kind);
		snprintf(name, sizeof name, "%s.txt", contract[i].kind);
		path = util_path_join(t->dir, name);
		if (text == NULL) {
			fprintf(out, "%s: missing: the %s notice cannot be sent without it\n", path, contract[i].kind);
			problems++;
		} else {
			if (strncmp(text, "Subject:", 8) != 0 || strstr(text, "\n\n") == NULL) {
				fprintf(out, "%s:1: the first line must be \"Subject: ...\" followed by a blank line\n",
					path);
				problems++;
			}
			problems += check_placeholders(path, 1, text, contract[i].vars, out);
		}
		free(path);
	}
	return problems + check_refusals(t, out);
}
