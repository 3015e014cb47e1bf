/*
 * clock.h - the one clock seam, and calendar-date arithmetic.
 *
 * Every "now" in Cartera goes through clock_now(); tests and demos fix it
 * with clock_set() (carterad --now).  Dates that mean a local day are kept
 * as day numbers (days since 1970-01-01) or "YYYY-MM-DD" text; instants
 * are UTC seconds.  No time zone logic here: see tz.h.
 */
#ifndef CARTERA_CLOCK_H
#define CARTERA_CLOCK_H

#include <stddef.h>
#include <time.h>

/* Current UTC instant, or the fixed one. */
time_t	 clock_now(void);
/* Fix the clock at t (t = (time_t)-1 releases it).  With step, the fixed
 * clock still advances with real time from t (for a demo started "at" t). */
void	 clock_set(time_t t, int advance);
int	 clock_is_fixed(void);
/* With an advancing fixed clock, run `speed` times faster than real time
 * (benchmarks and soak tests live through days in seconds).  >= 1. */
void	 clock_set_speed(double speed);
/* Real milliseconds until `seconds` of this clock have passed (for
 * poll timeouts), at least 0. */
long long clock_real_ms(long long seconds);

/* Microseconds of the monotonic clock, for measuring durations (never
 * set back or forward, unlike the time of day; not a date). */
long long clock_mono_us(void);

/*
 * A duration the environment may override: the value of the variable name
 * when it is an integer in [0, max], else def.  Only for waits that tests
 * shorten (see carterad(8), ENVIRONMENT); never for what a user configures.
 */
long	 clock_env_duration(const char *name, long def, long max);

/* "YYYY-MM-DD HH:MM[:SS]Z" or "YYYY-MM-DDTHH:MM[:SS]Z" (UTC) -> instant. */
int	 clock_parse_utc(const char *s, time_t *out);
/* Format an instant as "YYYY-MM-DDTHH:MM:SSZ" into buf (>= 21 bytes). */
char	*clock_format_utc(time_t t, char *buf, size_t len);

/* Seconds in a day of the UTC time scale (no leap seconds). */
#define CLOCK_DAY	86400
/* The day number of a UTC (or zone-shifted local) instant, rounding down
 * before 1970 too, and the seconds since that day's midnight. */
long	 clock_day_of(long long t);
long	 clock_second_of_day(long long t);
/* The instant a day number starts (its midnight, UTC). */
#define clock_day_start(day)	((time_t)(day) * CLOCK_DAY)

/* Civil date <-> day number (proleptic Gregorian, days since 1970-01-01). */
long	 clock_date_to_days(int y, int m, int d);
void	 clock_days_to_date(long days, int *y, int *m, int *d);
/* Strict "YYYY-MM-DD" (a real date).  0 / -1. */
int	 clock_date_parse(const char *s, long *days);
/* "YYYY-MM-DD" into buf (>= 11 bytes). */
char	*clock_date_format(long days, char *buf, size_t len);
/* day + a span "N[dwm]" (days, weeks, calendar months; the 31st plus a
 * month is the last day of a shorter month).  0 / -1. */
int	 clock_date_after(long day, const char *span, long *out);
/* 0 = Monday ... 6 = Sunday */
int	 clock_weekday(long days);
/* English abbreviations as mail and HTTP dates write them: month 1-12
 * ("Jan"), weekday 0 = Monday ("Mon"); "???" out of range.  A month from
 * its abbreviation (the first three bytes of s), 0 if none. */
const char *clock_month_abbr(int month);
const char *clock_weekday_abbr(int weekday);
int	 clock_month_from_abbr(const char *s);
/* The RFC 5322 date of t, "Fri, 06 Mar 2026 08:00:00 ZONE": zone "+0000"
 * for mail, "GMT" for HTTP's IMF-fixdate (RFC 9110).  -1 (and out "") if it
 * does not fit in len or the year is outside 1900-9999. */
int	 clock_format_rfc5322(time_t t, const char *zone, char *out, size_t len);
/* Strict "HH:MM" 00:00-23:59 -> minutes after midnight.  0 / -1. */
int	 clock_hhmm_parse(const char *s, int *minutes);

#endif
