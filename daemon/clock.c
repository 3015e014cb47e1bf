/*
 * clock.c - clock seam and civil-date arithmetic (Howard Hinnant's
 * days_from_civil algorithm).  No I/O and no time zones.
 */
#include "build.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"

static time_t	clock_fixed = (time_t)-1;
static int	clock_advance;
static double	clock_speed = 1.0;
static struct timespec clock_base;

time_t
clock_now(void)
{
	struct timespec ts;

	if (clock_fixed == (time_t)-1)
		return time(NULL);
	if (!clock_advance)
		return clock_fixed;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return clock_fixed + (time_t)(((double)(ts.tv_sec - clock_base.tv_sec) +
	    (ts.tv_nsec - clock_base.tv_nsec) / 1e9) * clock_speed);
}

long long
clock_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

long
clock_day_of(long long t)
{
	return (long)(t >= 0 ? t / CLOCK_DAY : -((-t + CLOCK_DAY - 1) / CLOCK_DAY));
}

long
clock_second_of_day(long long t)
{
	return (long)(t - (long long)clock_day_of(t) * CLOCK_DAY);
}

long
clock_env_duration(const char *name, long def, long max)
{
	const char *s = getenv(name);
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return def;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0 || v > max)
		return def;
	return v;
}

void
clock_set_speed(double speed)
{
	time_t now = clock_now();

	/* Keep the current reading continuous across the change. */
	if (clock_fixed != (time_t)-1 && clock_advance)
		clock_set(now, 1);
	clock_speed = speed >= 1.0 ? speed : 1.0;
}

long long
clock_real_ms(long long seconds)
{
	double speed = clock_fixed != (time_t)-1 && clock_advance ? clock_speed : 1.0;

	if (seconds <= 0)
		return 0;
	return (long long)((double)seconds * 1000.0 / speed);
}

void
clock_set(time_t t, int advance)
{
	clock_fixed = t;
	clock_advance = advance;
	clock_gettime(CLOCK_MONOTONIC, &clock_base);
}

int
clock_is_fixed(void)
{
	return clock_fixed != (time_t)-1;
}

long
clock_date_to_days(int y, int m, int d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
clock_days_to_date(long z, int *y, int *m, int *d)
{
	long era, doe, yoe, doy, mp, yy;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	yy = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yy + (*m <= 2));
}

static int
digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int
days_in_month(int y, int m)
{
	static const int dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dim[m - 1];
}

/* Parse "YYYY-MM-DD" at s; 0 / -1.  Does not look past s[9]. */
static int
parse_ymd(const char *s, int *y, int *m, int *d)
{
	if (strnlen(s, 10) < 10 || s[4] != '-' || s[7] != '-')
		return -1;
	if (digits(s, 4, y) == -1 || digits(s + 5, 2, m) == -1 ||
	    digits(s + 8, 2, d) == -1)
		return -1;
	if (*y < 1900 || *y > 9999 || *m < 1 || *m > 12 || *d < 1 ||
	    *d > days_in_month(*y, *m))
		return -1;
	return 0;
}

int
clock_date_parse(const char *s, long *days)
{
	int y, m, d;

	if (s == NULL || strlen(s) != 10 || parse_ymd(s, &y, &m, &d) == -1)
		return -1;
	*days = clock_date_to_days(y, m, d);
	return 0;
}

char *
clock_date_format(long days, char *buf, size_t len)
{
	int y, m, d;

	clock_days_to_date(days, &y, &m, &d);
	/* A digest formats thousands of dates: digits by hand, not snprintf. */
	if (len >= 11 && y >= 0 && y <= 9999) {
		buf[0] = (char)('0' + y / 1000);
		buf[1] = (char)('0' + y / 100 % 10);
		buf[2] = (char)('0' + y / 10 % 10);
		buf[3] = (char)('0' + y % 10);
		buf[4] = '-';
		buf[5] = (char)('0' + m / 10);
		buf[6] = (char)('0' + m % 10);
		buf[7] = '-';
		buf[8] = (char)('0' + d / 10);
		buf[9] = (char)('0' + d % 10);
		buf[10] = '\0';
	} else
		snprintf(buf, len, "%04d-%02d-%02d", y, m, d);
	return buf;
}

int
clock_weekday(long days)
{
	/* 1970-01-01 was a Thursday (3). */
	long w = (days + 3) % 7;

	return (int)(w < 0 ? w + 7 : w);
}

int
clock_date_after(long day, const char *span, long *out)
{
	char *end;
	long n;
	int y, m, d, last;

	if (span == NULL || !isdigit((unsigned char)span[0]))
		return -1;
	errno = 0;
	n = strtol(span, &end, 10);
	if (errno != 0 || n < 1 || n > 3650 || end[0] == '\0' || end[1] != '\0')
		return -1;
	switch (end[0]) {
	case 'd':
		*out = day + n;
		return 0;
	case 'w':
		*out = day + 7 * n;
		return 0;
	case 'm':
		if (n > 120)
			return -1;
		clock_days_to_date(day, &y, &m, &d);
		m += (int)n;
		y += (m - 1) / 12;
		m = (m - 1) % 12 + 1;
		/* The same day of the month, or its last day (31 Jan + 1m: 28/29 Feb). */
		last = (int)(clock_date_to_days(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) -
		    clock_date_to_days(y, m, 1));
		*out = clock_date_to_days(y, m, d < last ? d : last);
		return 0;
	default:
		return -1;
	}
}

static const char clock_months[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};
static const char clock_weekdays[7][4] = {
	"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"
};

const char *
clock_month_abbr(int month)
{
	return month >= 1 && month <= 12 ? clock_months[month - 1] : "???";
}

const char *
clock_weekday_abbr(int weekday)
{
	return weekday >= 0 && weekday <= 6 ? clock_weekdays[weekday] : "???";
}

int
clock_month_from_abbr(const char *s)
{
	for (int i = 0; i < 12; i++)
		if (strncmp(s, clock_months[i], 3) == 0)
			return i + 1;
	return 0;
}

int
clock_format_rfc5322(time_t t, const char *zone, char *out, size_t len)
{
	long day = clock_day_of(t), sec = clock_second_of_day(t);
	int y, m, d, w;

	if (out == NULL || len == 0)
		return -1;
	out[0] = '\0';
	clock_days_to_date(day, &y, &m, &d);
	if (y < 1900 || y > 9999)
		return -1;
	w = snprintf(out, len, "%s, %02d %s %04d %02ld:%02ld:%02ld %s",
	    clock_weekday_abbr(clock_weekday(day)), d, clock_month_abbr(m), y, sec / 3600,
	    sec / 60 % 60, sec % 60, zone);
	if (w < 0 || (size_t)w >= len) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

int
clock_hhmm_parse(const char *s, int *minutes)
{
	int h, m;

	if (s == NULL || strlen(s) != 5 || s[2] != ':' ||
	    digits(s, 2, &h) == -1 || digits(s + 3, 2, &m) == -1 ||
	    h > 23 || m > 59)
		return -1;
	*minutes = h * 60 + m;
	return 0;
}

int
clock_parse_utc(const char *s, time_t *out)
{
	int y, mo, d, h, mi, sec = 0;
	size_t n;

	if (s == NULL || parse_ymd(s, &y, &mo, &d) == -1)
		return -1;
	n = strlen(s);
	if (n < 17 || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' ||
	    digits(s + 11, 2, &h) == -1 || digits(s + 14, 2, &mi) == -1)
		return -1;
	if (n == 20 && s[16] == ':') {
		if (digits(s + 17, 2, &sec) == -1 || s[19] != 'Z')
			return -1;
	} else if (n != 17 || s[16] != 'Z')
		return -1;
	if (h > 23 || mi > 59 || sec > 60)
		return -1;
	*out = clock_day_start(clock_date_to_days(y, mo, d)) + h * 3600 + mi * 60 + sec;
	return 0;
}

char *
clock_format_utc(time_t t, char *buf, size_t len)
{
	long days = clock_day_of(t), secs = clock_second_of_day(t);
	int y, m, d;

	clock_days_to_date(days, &y, &m, &d);
	snprintf(buf, len, "%04d-%02d-%02dT%02ld:%02ld:%02ldZ", y, m, d,
	    secs / 3600, secs / 60 % 60, secs % 60);
	return buf;
}
