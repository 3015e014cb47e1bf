/*
 * tz.h - IANA time zones (via libical's zone database) for "which local
 * day is it" and "what instant is 08:00 in Madrid".  DST-correct: a local
 * time in a spring-forward gap moves forward by the gap; a time that
 * occurs twice on fall-back means its first occurrence.
 */
#ifndef CARTERA_TZ_H
#define CARTERA_TZ_H

#include <time.h>

/* 0 if name is a known IANA zone ("UTC" included), -1 otherwise. */
int	 tz_check(const char *name);
/* UTC offset in seconds of zone at instant t.  0 / -1 (unknown zone). */
int	 tz_offset(const char *zone, time_t t, long *off);
/* Local day number (days since 1970-01-01) of instant t in zone;
 * minutes after local midnight in *min if not NULL. */
int	 tz_local_day(const char *zone, time_t t, long *day, int *min);
/* Instant of local day + minutes in zone (gap: forward; fold: first). */
int	 tz_to_utc(const char *zone, long day, int minutes, time_t *out);
/* First instant of a local day. */
int	 tz_day_start(const char *zone, long day, time_t *out);

/* libical's icaltimezone for zone (borrowed, never free), NULL if unknown. */
struct _icaltimezone;
struct _icaltimezone *tz_ical(const char *zone);
/* tz_local_day for a zone already looked up (for loops over many rows). */
void	 tz_local_day_z(struct _icaltimezone *z, time_t t, long *day, int *min);

#endif
