/*
 * ical.h - write iCalendar content lines (RFC 5545 section 3.1): TEXT
 * escaping (3.3.11) and folding at 75 octets that never splits a UTF-8
 * character.
 *
 * feed.c writes its events with this instead of libical's serializer,
 * which costs some 140 microseconds an event (a 5,000-event feed took a
 * quarter of a second); libical still makes the VTIMEZONEs and the
 * calendar, and the tests and the fuzzer parse this module's output back
 * with libical.  Pure: text in, text out.
 */
#ifndef CARTERA_ICAL_H
#define CARTERA_ICAL_H

#include <stddef.h>
#include <time.h>

#include "buf.h"

/* "NAME:value\r\n" folded; value written as is (dates, numbers, keywords). */
void	 ical_raw(struct buf *b, const char *name, const char *value);
/* The same with value escaped as TEXT: \ ; , and line breaks; control
 * characters other than TAB dropped; invalid UTF-8 bytes dropped. */
void	 ical_text(struct buf *b, const char *name, const char *value);
/* "NAME;VALUE=DATE:YYYYMMDD": a whole day (all-day events). */
void	 ical_date(struct buf *b, const char *name, long day);
/* "NAME:YYYYMMDDTHHMMSSZ" for instant t. */
void	 ical_utc(struct buf *b, const char *name, time_t t);
/* "NAME;TZID=zone:YYYYMMDDTHHMMSS" for local day and second of day. */
void	 ical_local(struct buf *b, const char *name, const char *zone, long day, long secs);

#endif
