/* clock.h — the one clock of packetd and local time in the configured
 * zone. PACKETD_NOW (ISO 8601 with offset, e.g. 2027-03-01T09:00:00+08:00)
 * overrides the system time so that tests and people checking reminders
 * can move time. Zone rules (DST, history) stay in the system's tzdata. */
#ifndef PACKETD_CLOCK_H
#define PACKETD_CLOCK_H

#include <stddef.h>
#include <time.h>

time_t clock_now(void);
/* Parses "YYYY-MM-DD[THH:MM[:SS]][Z|+HH:MM]" (no offset = UTC). 0 or -1. */
int clock_parse_iso(const char *s, time_t *out);
/* The scheme's own zone: the default of [packetd] timezone (config.c's key
 * table) and the zone of clocks read where no config is at hand (a NULL
 * zone: application numbers' years, validate's CPD window). */
#define CLOCK_SCHEME_ZONE "Asia/Shanghai"

/* Formats t in the given time zone name (NULL: Asia/Shanghai) with strftime
 * format fmt into out. 0, or -1 when it does not fit. Both calls leave TZ
 * set to that zone (see clock.c). */
int clock_format(time_t t, const char *tz, const char *fmt, char *out, size_t outlen);
/* "YYYY-MM-DD HH:MM" (or "YYYY-MM-DDTHH:MM") as local time in zone tz
 * (NULL: Asia/Shanghai). 0, or -1 when it is no such time. */
int clock_local_time(const char *tz, const char *text, time_t *out);
/* "2026-11-27 10:00 (UTC+8)" in zone tz, as notices show a moment;
 * "?" when it cannot be formatted. Caller frees. */
char *clock_stamp(time_t t, const char *tz);

#endif
