/* log.c — levelled one-line logs on stderr. The level is the only state; it
 * is set once from the command line before any work starts. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static enum log_level min_level = LOG_LEVEL_INFO;

void log_set_level(enum log_level level)
{
	min_level = level;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *names[] = {"debug", "info", "warn", "error"};
	va_list ap;
	if (level < min_level)
		return;
	fprintf(stderr, "packetd: %s: ", names[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
