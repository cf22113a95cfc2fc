/* initext.c — see initext.h. */
#include "initext.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "util.h"

void initext_settings(int line_max, int stop_on_first_error)
{
	ini_max_line = line_max;
	ini_use_stack = false;
	ini_allow_realloc = false;
	ini_initial_alloc = line_max;
	ini_allow_multiline = false;
	ini_allow_no_value = false;
	ini_allow_bom = true;
	ini_allow_inline_comments = true;
	ini_stop_on_first_error = stop_on_first_error != 0;
}

char *initext_read(char *str, int num, void *stream)
{
	initext *t = stream;
	const char *nl, *s;
	size_t len;
	if (t->stop || t->p >= t->end)
		return NULL;
	nl = memchr(t->p, '\n', (size_t)(t->end - t->p));
	len = nl ? (size_t)(nl - t->p) + 1 : (size_t)(t->end - t->p);
	t->line++;
	if (num < 2 || len > (size_t)num - 1 || memchr(t->p, '\0', len) != NULL) {
		t->stop = 1;
		return NULL;
	}
	memcpy(str, t->p, len);
	str[len] = '\0';
	t->p += len;
	s = str;
	if (t->line == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
		s += 3;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '[' && t->on_section) {
		const char *e = strchr(s, ']');
		if (e)
			t->on_section(t->user, s + 1, (size_t)(e - s - 1));
	}
	return str;
}

int initext_run(initext *t, const char *path, size_t max_bytes, int line_max, int stop_on_first_error,
		ini_handler h, void *user)
{
	char *data = NULL;
	size_t len = 0;
	int irc;
	if (util_read_file(path, max_bytes, &data, &len) != 0)
		return INITEXT_READ;
	t->p = data;
	t->end = data + len;
	t->line = 0;
	t->stop = 0;
	initext_settings(line_max, stop_on_first_error);
	irc = ini_parse_stream(initext_read, t, h, user);
	free(data);
	t->p = t->end = NULL;
	if (t->stop)
		return INITEXT_LINE;
	return irc < 0 ? INITEXT_NOMEM : irc;
}
