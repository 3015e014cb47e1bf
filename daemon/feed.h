/*
 * feed.h - a salesperson's planned calls and visits as iCalendar (RFC
 * 5545 + RFC 7986), built with libical from the store.
 *
 * The bytes depend only on the store, the configuration and the local
 * day: DTSTAMP is the activity's LAST-MODIFIED, never the build time, the
 * window and the stay of cancelled events are counted in local days, and
 * events and time zones come in a fixed order, so the same store gives
 * the same bytes (and the same ETag) all day.  Times are the wall-clock
 * time with a TZID, and every TZID used has its VTIMEZONE with the plain
 * IANA name; they are UTC ("Z") in UTC, and for a wall-clock time that
 * happens twice (the hour a fall-back repeats), which readers would
 * otherwise take for different instants.  Control characters other than
 * tab and newline are dropped from text.  Reads the store; serves nothing.
 */
#ifndef CARTERA_FEED_H
#define CARTERA_FEED_H

#include <stddef.h>
#include <time.h>

#include "config.h"
#include "store.h"

/* One built feed. */
struct feed {
	char	*token;		/* owned; URL token (owner's or team's) */
	char	*path;		/* owned; "/feed/TOKEN.ics" or "/team/TOKEN.ics" */
	char	*filename;	/* owned; for Content-Disposition */
	char	*body;		/* owned; the iCalendar text */
	size_t	 len;
	int	 events;
};

struct feed_set {
	struct feed	*v;	/* owned */
	size_t		 n;
	time_t		 valid_until;	/* the next local midnight of any owner:
					 * the rolling window and alerts move then */
};

/* The feed of one owner (by email) as of now.  Caller frees *body. */
int	 feed_build_owner(struct store *, const struct config *, const char *email,
	    time_t now, char **body, size_t *len, int *events, char *err, size_t errlen);
/* The feed of a team (by name). */
int	 feed_build_team(struct store *, const struct config *, const char *team,
	    time_t now, char **body, size_t *len, int *events, char *err, size_t errlen);
/* Every active owner's feed, and every team's if feed.team is on.  An
 * owner whose feed cannot be built is logged and left out. */
int	 feed_build_all(struct store *, const struct config *, time_t now,
	    struct feed_set *out, char *err, size_t errlen);
void	 feed_set_free(struct feed_set *);

/* One VEVENT with SUMMARY, LOCATION and DESCRIPTION set to arbitrary
 * text, serialised as the feed would (escaping, folding): for tests and
 * fuzzing.  Caller frees. */
char	*feed_event_text(const char *summary, const char *location, const char *description);

/* The CSS3 colour name nearest to "#rrggbb" (RFC 7986 COLOR). */
const char *feed_css_color(const char *hex);

#endif
