/* refusal.c — see refusal.h. */
#include "refusal.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "util.h"

#define REFUSAL_VARS 8

static void say_line(const texts *t, buf *b, const char *code, const char *lang, const rules_var *v, size_t n)
{
	char key[96];
	const char *tmpl;
	snprintf(key, sizeof key, "refusal.%s.%s", code, lang);
	tmpl = texts_phrase(t, key);
	if (tmpl == NULL) {
		buf_printf(b, "%s", key);
		for (size_t i = 0; i < n; i++)
			buf_printf(b, " %s=%s", v[i].name, v[i].value);
		return;
	}
	char *s = rules_render(tmpl, v, n);
	buf_printf(b, "%s", s);
	free(s);
}

char *refusal_say(const texts *t, char *out, size_t len, const char *code, ...)
{
	rules_var v[REFUSAL_VARS];
	size_t n = 0;
	va_list ap;
	buf b;
	va_start(ap, code);
	for (const char *name = va_arg(ap, const char *); name != NULL; name = va_arg(ap, const char *)) {
		const char *value = va_arg(ap, const char *);
		if (n < REFUSAL_VARS)
			v[n++] = (rules_var){.name = name, .value = value ? value : ""};
	}
	va_end(ap);
	buf_init(&b, 0);
	say_line(t, &b, code, "zh", v, n);
	buf_printf(&b, "\n");
	say_line(t, &b, code, "en", v, n);
	snprintf(out, len, "%s", b.data);
	buf_free(&b);
	return out;
}

void refusal_print(FILE *f, const char *msg)
{
	const char *p = msg;
	do {
		size_t n = strcspn(p, "\n");
		fprintf(f, "packetd: %.*s\n", (int)n, p);
		p += n;
		if (*p == '\n')
			p++;
	} while (*p);
}
