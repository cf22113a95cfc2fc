/* clock.c — see clock.h. */
#include "clock.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static int days_from_civil(int y, unsigned m, unsigned d, long *days)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	*days = era * 146097 + (long)doe - 719468;
	return 0;
}

int clock_parse_iso(const char *s, time_t *out)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, n = 0;
	long days, off = 0;
	const char *p;
	if (s == NULL || sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3)
		return -1;
	p = s + n;
	if (*p == 'T' || *p == ' ') {
		int m = 0;
		if (sscanf(p + 1, "%2d:%2d%n", &h, &mi, &m) != 2)
			return -1;
		p += 1 + m;
		if (*p == ':') {
			if (sscanf(p + 1, "%2d%n", &sec, &m) != 1)
				return -1;
			p += 1 + m;
		}
	}
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om = 0, m = 0;
		if (sscanf(p + 1, "%2d%n", &oh, &m) != 1)
			return -1;
		const char *q = p + 1 + m;
		if (*q == ':')
			q++;
		if (isdigit((unsigned char)*q)) {
			if (sscanf(q, "%2d%n", &om, &m) != 1)
				return -1;
			q += m;
		}
		off = (oh * 3600L + om * 60L) * (*p == '-' ? -1 : 1);
		p = q;
	}
	if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	days_from_civil(y, (unsigned)mo, (unsigned)d, &days);
	*out = (time_t)(days * 86400L + h * 3600L + mi * 60L + sec - off);
	return 0;
}

time_t clock_now(void)
{
	const char *s = getenv("PACKETD_NOW");
	time_t t;
	if (s && *s && clock_parse_iso(s, &t) == 0)
		return t;
	return time(NULL);
}

/* localtime_r and mktime honour a zone only through TZ; packetd is single
 * threaded, so TZ is set to the zone asked for, and left there: nothing
 * else in packetd reads local time, and glibc reads the zone file again
 * on every change of TZ (two files a call when it was switched back),
 * whereas nearly every call asks for the same zone, the configured one.
 * Zone rules (DST, history) stay in the system's tzdata, not our code. */
static void clock_zone(const char *tz)
{
	const char *want = tz && *tz ? tz : CLOCK_SCHEME_ZONE, *cur = getenv("TZ");
	if (cur == NULL || strcmp(cur, want) != 0)
		setenv("TZ", want, 1);
	tzset();   /* a no-op when TZ did not change */
}

int clock_format(time_t t, const char *tz, const char *fmt, char *out, size_t outlen)
{
	struct tm tm;
	clock_zone(tz);
	localtime_r(&t, &tm);
	return strftime(out, outlen, fmt, &tm) == 0 ? -1 : 0;
}

int clock_local_time(const char *tz, const char *text, time_t *out)
{
	int y, mo, d, h, mi, n = 0;
	struct tm tm;
	if (text == NULL || sscanf(text, "%4d-%2d-%2d%*1[ T]%2d:%2d%n", &y, &mo, &d, &h, &mi, &n) != 5 ||
	    text[n] != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59)
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_isdst = -1;
	clock_zone(tz);
	*out = mktime(&tm);
	/* mktime normalises 31 February into March: refuse instead */
	return *out == (time_t)-1 || tm.tm_mday != d || tm.tm_mon != mo - 1 ? -1 : 0;
}

char *clock_stamp(time_t t, const char *tz)
{
	char out[64];
	if (clock_format(t, tz, "%Y-%m-%d %H:%M (UTC%z)", out, sizeof out) != 0)
		return xstrdup("?");
	return xstrdup(out);
}
