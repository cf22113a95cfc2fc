/* log.c — levelled one-line logs on stderr. The state is the level (from
 * -v or the config's log_level), whether stderr is the journal and whether a
 * progress line is on the terminal; all of it is settled before work starts
 * except the progress flag, which only the one thread ever touches. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static enum log_level min_level = LOG_LEVEL_INFO;
static int level_locked;
static int progress_shown;

void log_set_level(enum log_level level)
{
	min_level = level;
}

void log_lock_level(void)
{
	level_locked = 1;
}

int log_set_level_name(const char *name)
{
	static const char *const names[] = {"debug", "info", "warn", "error"};
	if (name == NULL)
		return 0;
	for (int i = 0; i < 4; i++)
		if (strcmp(name, names[i]) == 0) {
			if (!level_locked)
				min_level = (enum log_level)i;
			return 0;
		}
	return -1;
}

/* systemd sets JOURNAL_STREAM to "DEV:INODE" of the stream it connected to
 * stderr; when that is still our stderr, a "<N>" prefix gives each line its
 * syslog priority (sd-daemon(3)). */
static int stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) != 0)
		return 0;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

static void clear_progress(void)
{
	if (progress_shown) {
		fputs("\r\033[K", stderr);
		progress_shown = 0;
	}
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *const names[] = {"debug", "info", "warn", "error"};
	static const int priorities[] = {7, 6, 4, 3};
	char line[1024];
	int head, n;
	va_list ap;
	if (level < min_level)
		return;
	clear_progress();
	/* The line in one write when it fits (stderr is unbuffered): one call
	 * instead of three, and whole amid the sandbox's own lines. */
	if (stderr_is_journal())
		head = snprintf(line, sizeof line, "<%d>packetd: %s: ", priorities[level], names[level]);
	else
		head = snprintf(line, sizeof line, "packetd: %s: ", names[level]);
	va_start(ap, fmt);
	n = vsnprintf(line + head, sizeof line - (size_t)head, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)head + (size_t)n + 1 < sizeof line) {
		line[head + n] = '\n';
		fwrite(line, 1, (size_t)head + (size_t)n + 1, stderr);
		return;
	}
	fwrite(line, 1, (size_t)head, stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void log_progress(const char *fmt, ...)
{
	va_list ap;
	if (!isatty(STDERR_FILENO))
		return;
	fputs("\r\033[K", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
	progress_shown = 1;
}

void log_progress_end(void)
{
	clear_progress();
}
