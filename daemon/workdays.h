/*
 * workdays.h - which local days a salesperson works: weekdays and holidays.
 *
 * Digests go out on working days only; the reminder window counts working
 * days.  Days are day numbers (days since 1970-01-01, see clock.h).  Pure:
 * parsing and arithmetic, no I/O (the caller reads a holidays file and
 * hands its text here).
 */
#ifndef CARTERA_WORKDAYS_H
#define CARTERA_WORKDAYS_H

#include <stddef.h>

#define WORKDAYS_ALL		0x7fu	/* every weekday */
#define WORKDAYS_MON_FRI	0x1fu	/* the default */

struct workdays {
	unsigned	 week;		/* bit d set: weekday d works (0 Monday .. 6 Sunday) */
	const long	*holidays;	/* sorted day numbers; borrowed */
	size_t		 nholidays;
};

/* Is day a working day?  NULL: every day is. */
int	 workdays_is_on(const struct workdays *, long day);
/* The n-th working day after day (n = 0: day itself). */
long	 workdays_add(const struct workdays *, long day, int n);
/* The first working day after day, and the last one before it. */
long	 workdays_next(const struct workdays *, long day);
long	 workdays_prev(const struct workdays *, long day);

/*
 * "mon-fri", "lun-vie", "mon,wed,fri", "mon-fri,sat", "sun-thu": weekday
 * names (English or Spanish, three letters or whole, any case, accents
 * optional) and ranges, separated by commas or spaces.  At least one day.
 */
int	 workdays_parse_week(const char *spec, unsigned *week, char *err, size_t errlen);
/* "mon-fri", "mon,wed,fri", "sun-thu": the canonical form of week. */
char	*workdays_format_week(unsigned week, char *buf, size_t len);
/*
 * Dates "YYYY-MM-DD" separated by spaces, commas or line breaks; "#"
 * starts a comment to the end of the line.  *v (caller frees) gets them
 * sorted without repeats.  Errors say "ORIGIN:LINE: ..." (origin may be
 * NULL: "LINE N").
 */
int	 workdays_parse_dates(const char *text, const char *origin, long **v, size_t *n,
	    char *err, size_t errlen);
/* The dates of v as "YYYY-MM-DD YYYY-MM-DD ..." (caller frees; NULL: out of memory). */
char	*workdays_format_dates(const long *v, size_t n);

#endif
