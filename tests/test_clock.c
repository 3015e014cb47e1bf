/*
 * test_clock.c - the clock seam and calendar arithmetic: a fixed, an
 * advancing and a sped-up clock; the monotonic clock for durations;
 * durations tests may shorten; day numbers
 * and civil dates against the C library's own calendar (gmtime_r, timegm)
 * over six centuries, before 1970 included; strict date, time and UTC
 * instant text; spans of days, weeks and calendar months; weekdays, month
 * names and the RFC 5322 date mail and HTTP write.
 */
#include "build.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "clock.h"

static void
test_seam(void)
{
	time_t t;

	clock_set(1700000000, 0);
	CHECK(clock_is_fixed());
	CHECK_INT(clock_now(), 1700000000);
	CHECK_INT(clock_real_ms(60), 60000);	/* real time when not sped up */
	/* Advancing 1000 times faster: a minute of the clock is 60 real ms. */
	clock_set(1700000000, 1);
	clock_set_speed(1000);
	CHECK_INT(clock_real_ms(60), 60);
	CHECK_INT(clock_real_ms(0), 0);
	CHECK_INT(clock_real_ms(-5), 0);
	t = clock_now();
	CHECK(t >= 1700000000 && t < 1700000000 + 3600);
	clock_set_speed(1);
	clock_set((time_t)-1, 0);
	CHECK(!clock_is_fixed());
	t = time(NULL);
	CHECK(clock_now() >= t - 1 && clock_now() <= t + 1);

	/* The monotonic clock measures a real 20 ms sleep, whatever the
	 * fixed clock says. */
	{
		long long a = clock_mono_us(), b;
		struct timespec ms20 = { 0, 20 * 1000 * 1000 };

		clock_set(1700000000, 0);
		nanosleep(&ms20, NULL);
		b = clock_mono_us();
		clock_set((time_t)-1, 0);
		CHECK(b - a >= 20000 && b - a < 10 * 1000000);
	}

	/* Waits a test shortens: only a whole number within bounds counts. */
	unsetenv("CARTERA_TEST_WAIT");
	CHECK_INT(clock_env_duration("CARTERA_TEST_WAIT", 10, 100), 10);
	setenv("CARTERA_TEST_WAIT", "0", 1);
	CHECK_INT(clock_env_duration("CARTERA_TEST_WAIT", 10, 100), 0);
	setenv("CARTERA_TEST_WAIT", "100", 1);
	CHECK_INT(clock_env_duration("CARTERA_TEST_WAIT", 10, 100), 100);
	static const char *const bad[] = { "", "101", "-1", "5s", "1e2", "x" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("CARTERA_TEST_WAIT", bad[i], 1);
		CHECK_CTX(clock_env_duration("CARTERA_TEST_WAIT", 10, 100) == 10, bad[i]);
	}
	unsetenv("CARTERA_TEST_WAIT");
}

/* Every 13th day from 1700 to 2300, and every day around 1970 and
 * 2000, agrees with the C library, both ways. */
static void
test_days_against_libc(void)
{
	long from = clock_date_to_days(1700, 1, 1), to = clock_date_to_days(2300, 1, 1);
	int bad = 0;

	CHECK_INT(clock_date_to_days(1970, 1, 1), 0);
	CHECK_INT(from, -98615);
	for (long day = from; day < to; day += day > -800 && day < 11400 ? 1 : 13) {
		time_t t = (time_t)day * CLOCK_DAY;
		struct tm tm;
		int y, m, d;

		if (gmtime_r(&t, &tm) == NULL) {
			CHECK(0);
			return;
		}
		clock_days_to_date(day, &y, &m, &d);
		if (y != tm.tm_year + 1900 || m != tm.tm_mon + 1 || d != tm.tm_mday ||
		    clock_date_to_days(y, m, d) != day ||
		    clock_weekday(day) != (tm.tm_wday + 6) % 7) {
			if (bad++ < 5)
				fprintf(stderr, "day %ld: %04d-%02d-%02d weekday %d, libc "
				    "%04d-%02d-%02d weekday %d\n", day, y, m, d, clock_weekday(day),
				    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, (tm.tm_wday + 6) % 7);
		}
	}
	CHECK_INT(bad, 0);
}

static void
test_instants(void)
{
	static const long long when[] = { 0, 1, -1, 86399, 86400, -86400, -86401,
		1700000000, 951782400 /* 2000-02-29 */, -2208988800LL /* 1900-01-01 */ };
	char buf[32];
	time_t t;

	/* The day of an instant rounds down before 1970 too. */
	for (size_t i = 0; i < sizeof(when) / sizeof(when[0]); i++) {
		long long w = when[i];
		long day = clock_day_of(w), sec = clock_second_of_day(w);

		CHECK(sec >= 0 && sec < CLOCK_DAY);
		CHECK((long long)day * CLOCK_DAY + sec == w);
		CHECK(timegm(&(struct tm){ .tm_year = 70, .tm_mday = 1 + (int)day }) ==
		    (time_t)day * CLOCK_DAY);
	}
	CHECK_INT(clock_day_of(-1), -1);
	CHECK_INT(clock_second_of_day(-1), 86399);

	/* UTC instant text, both ways. */
	CHECK(clock_parse_utc("2026-03-06 08:00Z", &t) == 0);
	CHECK_STR(clock_format_utc(t, buf, sizeof(buf)), "2026-03-06T08:00:00Z");
	CHECK(clock_parse_utc("2026-03-06T08:00:59Z", &t) == 0);
	CHECK_STR(clock_format_utc(t, buf, sizeof(buf)), "2026-03-06T08:00:59Z");
	CHECK_STR(clock_format_utc(-1, buf, sizeof(buf)), "1969-12-31T23:59:59Z");
	static const char *const bad[] = { "2026-03-06 08:00", "2026-03-06 08:00+01",
		"2026-02-30 08:00Z", "2026-03-06 24:00Z", "2026-03-06 08:60Z", "2026-03-06",
		"2026-03-06 8:00Z", "2026-03-06 08:00:00", "2026-03-06x08:00Z", "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_CTX(clock_parse_utc(bad[i], &t) == -1, bad[i]);
}

static void
test_dates(void)
{
	char buf[16];
	long d, e;
	int min;

	CHECK(clock_date_parse("2024-02-29", &d) == 0);
	CHECK_STR(clock_date_format(d, buf, sizeof(buf)), "2024-02-29");
	static const char *const bad[] = { "2023-02-29", "2024-13-01", "2024-00-10",
		"2024-01-32", "2024-1-01", "24-01-01", "2024/01/01", "2024-01-01 ", "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_CTX(clock_date_parse(bad[i], &d) == -1, bad[i]);

	/* Spans: days, weeks, calendar months (to the last day of a shorter
	 * month), across years. */
#define AFTER(from, span, want) do {					\
	CHECK(clock_date_parse(from, &d) == 0 && clock_date_after(d, span, &e) == 0); \
	CHECK_STR(clock_date_format(e, buf, sizeof(buf)), want);	\
} while (0)
	AFTER("2026-12-25", "10d", "2027-01-04");
	AFTER("2026-02-26", "1w", "2026-03-05");
	AFTER("2026-01-31", "1m", "2026-02-28");
	AFTER("2028-01-31", "1m", "2028-02-29");
	AFTER("2026-03-31", "1m", "2026-04-30");
	AFTER("2026-11-30", "3m", "2027-02-28");
	AFTER("2026-12-31", "12m", "2027-12-31");
	AFTER("2026-05-15", "120m", "2036-05-15");
#undef AFTER
	static const char *const badspan[] = { "0d", "-1d", "1y", "1", "d", "1dd", "121m",
		"3651d", "", "1 d" };
	for (size_t i = 0; i < sizeof(badspan) / sizeof(badspan[0]); i++)
		CHECK_CTX(clock_date_after(0, badspan[i], &e) == -1, badspan[i]);
	CHECK(clock_date_after(0, NULL, &e) == -1);

	CHECK_INT(clock_weekday(0), 3);		/* 1970-01-01 was a Thursday */
	CHECK(clock_hhmm_parse("00:00", &min) == 0);
	CHECK_INT(min, 0);
	CHECK(clock_hhmm_parse("23:59", &min) == 0);
	CHECK_INT(min, 23 * 60 + 59);
	static const char *const badhm[] = { "24:00", "12:60", "8:00", "08:0", "08-00",
		"08:00 ", "", "ab:cd" };
	for (size_t i = 0; i < sizeof(badhm) / sizeof(badhm[0]); i++)
		CHECK_CTX(clock_hhmm_parse(badhm[i], &min) == -1, badhm[i]);
	CHECK(clock_hhmm_parse(NULL, &min) == -1);
}

static void
test_names(void)
{
	char buf[64];

	CHECK_STR(clock_month_abbr(1), "Jan");
	CHECK_STR(clock_month_abbr(12), "Dec");
	CHECK_STR(clock_month_abbr(13), "???");
	CHECK_STR(clock_month_abbr(0), "???");
	CHECK_STR(clock_weekday_abbr(0), "Mon");
	CHECK_STR(clock_weekday_abbr(6), "Sun");
	CHECK_STR(clock_weekday_abbr(7), "???");
	for (int m = 1; m <= 12; m++)
		CHECK_INT(clock_month_from_abbr(clock_month_abbr(m)), m);
	CHECK_INT(clock_month_from_abbr("Nov 1994"), 11);
	CHECK_INT(clock_month_from_abbr("nov"), 0);
	CHECK_INT(clock_month_from_abbr("No"), 0);

	/* RFC 5322 / IMF-fixdate, the example of RFC 9110 5.6.7. */
	CHECK(clock_format_rfc5322(784111777, "GMT", buf, sizeof(buf)) == 0);
	CHECK_STR(buf, "Sun, 06 Nov 1994 08:49:37 GMT");
	CHECK(clock_format_rfc5322(1772784000, "+0000", buf, sizeof(buf)) == 0);
	CHECK_STR(buf, "Fri, 06 Mar 2026 08:00:00 +0000");
	CHECK(clock_format_rfc5322(784111777, "GMT", buf, 29) == -1);	/* one short */
	CHECK_STR(buf, "");
	CHECK(clock_format_rfc5322(784111777, "GMT", buf, 30) == 0);
	CHECK(clock_format_rfc5322(-2208988801LL, "GMT", buf, sizeof(buf)) == -1);	/* 1899 */
}

int
main(void)
{
	test_seam();
	test_days_against_libc();
	test_instants();
	test_dates();
	test_names();
	return check_done("test_clock");
}
