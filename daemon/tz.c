/*
 * tz.c - time zone conversions over libical's builtin zones, which on
 * Debian are read from the system tzdata (/usr/share/zoneinfo).
 * Pure computation: no store, no network.
 */
#include "build.h"

#include <pthread.h>
#include <string.h>

#include <libical/ical.h>

#include "clock.h"
#include "tz.h"

/*
 * libical loads zones and expands their transitions lazily, into shared
 * structures, without locks of its own that cover it all: every call
 * into it from here holds this one (scans of several owners run on
 * several threads).  With the offsets remembered below, it is rare.
 */
static pthread_mutex_t ical_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * The zone this thread found last, by name: a digest asks for its owner's
 * at every activity it shows, and libical looks a name up in its list of
 * some 400 zones, under the lock.  libical never frees a builtin zone.
 */
static _Thread_local char last_name[65];
static _Thread_local icaltimezone *last_zone;

icaltimezone *
tz_ical(const char *zone)
{
	icaltimezone *z;
	size_t len;

	if (zone == NULL || *zone == '\0' || (len = strlen(zone)) >= sizeof(last_name))
		return NULL;
	if (last_zone != NULL && strcmp(zone, last_name) == 0)
		return last_zone;
	pthread_mutex_lock(&ical_lock);
	if (strcmp(zone, "UTC") == 0 || strcmp(zone, "Etc/UTC") == 0)
		z = icaltimezone_get_utc_timezone();
	else
		z = icaltimezone_get_builtin_timezone(zone);
	pthread_mutex_unlock(&ical_lock);
	if (z != NULL) {
		memcpy(last_name, zone, len + 1);
		last_zone = z;
	}
	return z;
}

int
tz_check(const char *name)
{
	return tz_ical(name) != NULL ? 0 : -1;
}

static long
offset_libical(icaltimezone *z, time_t t)
{
	struct icaltimetype u;
	long off;
	int dst;

	pthread_mutex_lock(&ical_lock);
	u = icaltime_from_timet_with_zone(t, 0, icaltimezone_get_utc_timezone());
	off = icaltimezone_get_utc_offset_of_utc_time(z, &u, &dst);
	pthread_mutex_unlock(&ical_lock);
	return off;
}

/*
 * The offset of each UTC day, remembered: a scan asks for the local day
 * of a million instants, and libical's answer costs a search of the
 * zone's transitions each time.  A day whose first and last second have
 * the same offset has it all day (zones change at most once a day); a
 * day with a transition is asked of libical every time.  Direct-mapped,
 * one table per thread.
 */
#define MEMO_DAYS	4096
#define MEMO_MIXED	(-1000000L)	/* a transition in that day */

struct offmemo {
	icaltimezone	*z;		/* NULL: empty */
	long		 day;
	long		 off;
};

static _Thread_local struct offmemo memo[MEMO_DAYS];

static long
offset_of(icaltimezone *z, time_t t)
{
	struct offmemo *m;
	long day;

	if (z == icaltimezone_get_utc_timezone())
		return 0;
	day = clock_day_of(t);
	m = &memo[(unsigned long)day % MEMO_DAYS];
	if (m->z != z || m->day != day) {
		long a = offset_libical(z, clock_day_start(day));
		long b = offset_libical(z, clock_day_start(day) + CLOCK_DAY - 1);

		m->z = z;
		m->day = day;
		m->off = a == b ? a : MEMO_MIXED;
	}
	return m->off != MEMO_MIXED ? m->off : offset_libical(z, t);
}

int
tz_offset(const char *zone, time_t t, long *off)
{
	icaltimezone *z;

	if ((z = tz_ical(zone)) == NULL)
		return -1;
	*off = offset_of(z, t);
	return 0;
}

void
tz_local_day_z(icaltimezone *z, time_t t, long *day, int *min)
{
	long long local = (long long)t + offset_of(z, t);

	*day = clock_day_of(local);
	if (min != NULL)
		*min = (int)(clock_second_of_day(local) / 60);
}

int
tz_local_day(const char *zone, time_t t, long *day, int *min)
{
	icaltimezone *z;

	if ((z = tz_ical(zone)) == NULL)
		return -1;
	tz_local_day_z(z, t, day, min);
	return 0;
}

int
tz_to_utc(const char *zone, long day, int minutes, time_t *out)
{
	icaltimezone *z;
	time_t naive, ta, tb;
	long ob, oa;
	int va, vb;

	if ((z = tz_ical(zone)) == NULL)
		return -1;
	naive = clock_day_start(day) + (time_t)minutes * 60;
	/* At most one transition lies within a day of any instant. */
	ob = offset_of(z, naive - CLOCK_DAY);
	oa = offset_of(z, naive + CLOCK_DAY);
	tb = naive - ob;
	ta = naive - oa;
	vb = tb + offset_of(z, tb) == naive;
	va = ta + offset_of(z, ta) == naive;
	if (vb && va)
		*out = ta < tb ? ta : tb;	/* fold: first occurrence */
	else if (vb)
		*out = tb;
	else if (va)
		*out = ta;
	else
		*out = tb;	/* gap: read with the offset before it, i.e. later */
	return 0;
}

int
tz_day_start(const char *zone, long day, time_t *out)
{
	return tz_to_utc(zone, day, 0, out);
}
