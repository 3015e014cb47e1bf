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

/* "YYYY-MM-DD HH:MM[:SS]Z" or "YYYY-MM-DDTHH:MM[:SS]Z" (UTC) -> instant. */
int	 clock_parse_utc(const char *s, time_t *out);
/* Format an instant as "YYYY-MM-DDTHH:MM:SSZ" into buf (>= 21 bytes). */
char	*clock_format_utc(time_t t, char *buf, size_t len);

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
/* Strict "HH:MM" 00:00-23:59 -> minutes after midnight.  0 / -1. */
int	 clock_hhmm_parse(const char *s, int *minutes);

#endif
