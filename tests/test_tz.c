/*
 * test_tz.c - time zones as the digest and the feed use them: which zone
 * names are known, the local day and minute of an instant, the instant of
 * a local time (a time in the spring-forward gap moves forward by the gap,
 * one that occurs twice on fall-back means the first), the start of a
 * local day, and the per-day memo of offsets matching libical asked
 * directly.
 */
#include "build.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <libical/ical.h>

#include "check.h"
#include "tz.h"

/*
 * tz.c remembers each UTC day's offset: every instant it answers for,
 * across transitions at odd minutes (Lord Howe's half hour, St John's
 * :30 zone, Morocco's Ramadan switches), matches libical asked directly.
 */
static void
test_tz_memo(void)
{
	static const char *const zones[] = { "Europe/Madrid", "America/New_York",
		"Australia/Lord_Howe", "America/St_Johns", "Africa/Casablanca",
		"Asia/Kolkata", "Pacific/Kiritimati" };
	icaltimezone *utc = icaltimezone_get_utc_timezone();
	int bad = 0;

	for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		icaltimezone *z = tz_ical(zones[i]);

		CHECK(z != NULL);
		if (z == NULL)
			continue;
		/* 2024-2026, every 97 minutes and 13 s: all hours and days. */
		for (time_t t = 1704067200; t < 1798761600; t += 97 * 60 + 13) {
			struct icaltimetype u = icaltime_from_timet_with_zone(t, 0, utc);
			long off, want;
			int dst;

			want = icaltimezone_get_utc_offset_of_utc_time(z, &u, &dst);
			if (tz_offset(zones[i], t, &off) != 0 || off != want) {
				if (bad++ < 5)
					printf("# %s at %lld: %ld, libical %ld\n", zones[i],
					    (long long)t, off, want);
			}
		}
	}
	CHECK(bad == 0);
}

static void
test_names(void)
{
	CHECK(tz_check("UTC") == 0);
	CHECK(tz_check("Europe/Madrid") == 0);
	CHECK(tz_check("America/New_York") == 0);
	CHECK(tz_check("Mars/Olympus_Mons") == -1);
	CHECK(tz_check("") == -1);
	CHECK(tz_check("europe/madrid") == -1);
	CHECK(tz_ical("Mars/Olympus_Mons") == NULL);
}

/* tz_ical remembers the zone it found last, by name: each name still
 * gets its own zone, and a name it does not know is not taken for it. */
static void
test_names_memo(void)
{
	icaltimezone *m = tz_ical("Europe/Madrid"), *n = tz_ical("America/New_York");
	char name[32] = "Europe/Madrid";

	CHECK(m != NULL && n != NULL && m != n);
	CHECK(tz_ical("Europe/Madrid") == m);
	CHECK(tz_ical(name) == m);
	name[7] = 'L';		/* the buffer the memo saw, changed */
	CHECK(tz_ical(name) == NULL);
	CHECK(tz_ical("Europe/Madri") == NULL);
	CHECK(tz_ical("Europe/Madrid") == m);
	CHECK(tz_ical("America/New_York") == n);
	CHECK(tz_ical("UTC") == icaltimezone_get_utc_timezone());
	CHECK(tz_ical("America/New_York") == n);
	CHECK(strcmp(icaltimezone_get_location(tz_ical("Europe/Madrid")), "Europe/Madrid") == 0);
}

/* Days since 1970-01-01 used below. */
#define D_2026_02_28	20512
#define D_2026_03_08	20520
#define D_2026_03_29	20541
#define D_2026_10_25	20751

static void
test_local_day(void)
{
	long day = 0, off = 0;
	int min = -1;

	/* 2026-03-01 03:00Z is still 28 February, 22:00, in New York. */
	CHECK(tz_local_day("America/New_York", 1772334000, &day, &min) == 0);
	CHECK_INT(day, D_2026_02_28);
	CHECK_INT(min, 22 * 60);
	CHECK(tz_local_day("UTC", 1772334000, &day, NULL) == 0);
	CHECK_INT(day, D_2026_02_28 + 1);
	/* Before 1970 the day is negative, not rounded towards zero. */
	CHECK(tz_local_day("UTC", -1, &day, &min) == 0);
	CHECK_INT(day, -1);
	CHECK_INT(min, 23 * 60 + 59);
	CHECK(tz_local_day("Mars/Olympus_Mons", 0, &day, &min) == -1);
	CHECK(tz_offset("Europe/Madrid", 1774747800, &off) == 0);	/* 29 Mar, CEST */
	CHECK_INT(off, 2 * 3600);
	CHECK(tz_offset("Europe/Madrid", 1774738800, &off) == 0);	/* 28 Mar 23:00Z, CET */
	CHECK_INT(off, 3600);
	CHECK(tz_offset("Asia/Kolkata", 0, &off) == 0);
	CHECK_INT(off, 5 * 3600 + 1800);
}

static void
test_to_utc(void)
{
	time_t t = 0;

	/* An ordinary morning: 08:00 in Madrid in winter is 07:00Z. */
	CHECK(tz_to_utc("Europe/Madrid", D_2026_02_28, 8 * 60, &t) == 0);
	CHECK_INT(t, 1772262000);
	/* 02:30 on 29 March does not exist in Madrid: 03:30 CEST (01:30Z). */
	CHECK(tz_to_utc("Europe/Madrid", D_2026_03_29, 2 * 60 + 30, &t) == 0);
	CHECK_INT(t, 1774747800);
	/* 02:30 on 25 October happens twice: the first, CEST (00:30Z). */
	CHECK(tz_to_utc("Europe/Madrid", D_2026_10_25, 2 * 60 + 30, &t) == 0);
	CHECK_INT(t, 1792888200);
	/* New York's gap is at 02:00 too: 02:30 is 03:30 EDT (07:30Z). */
	CHECK(tz_to_utc("America/New_York", D_2026_03_08, 2 * 60 + 30, &t) == 0);
	CHECK_INT(t, 1772955000);
	CHECK(tz_to_utc("Mars/Olympus_Mons", D_2026_03_08, 0, &t) == -1);
	/* The first instant of a day is its local midnight. */
	CHECK(tz_day_start("Europe/Madrid", D_2026_03_29, &t) == 0);
	CHECK_INT(t, 1774738800);
	CHECK(tz_day_start("America/New_York", D_2026_03_08, &t) == 0);
	CHECK_INT(t, 1772946000);
	/* A local time and its local day agree both ways. */
	for (int m = 0; m < 24 * 60; m += 7) {
		long day;
		int min;

		if (tz_to_utc("America/New_York", D_2026_03_08, m, &t) != 0 ||
		    tz_local_day("America/New_York", t, &day, &min) != 0) {
			CHECK(0);
			break;
		}
		CHECK_INT(day, D_2026_03_08);
		/* in the gap (02:00-02:59) it moves forward by the hour */
		CHECK_INT(min, m >= 120 && m < 180 ? m + 60 : m);
	}
}

int
main(void)
{
	test_names();
	test_names_memo();
	test_local_day();
	test_to_utc();
	test_tz_memo();
	return check_done("test_tz");
}
