/*
 * sched.h - one cycle of the daemon's work, and when to wake next.
 *
 * A cycle: for every active salesperson whose digest time has passed in
 * their own zone and whose digest for that local day is not yet queued,
 * scan, render and queue it (the outbox row and the owner's
 * last_digest_day in one transaction); then deliver what the outbox
 * holds that is due.  The cycle reports the next instant anything will be
 * due, so the daemon sleeps instead of polling.
 */
#ifndef CARTERA_SCHED_H
#define CARTERA_SCHED_H

#include <signal.h>
#include <time.h>

#include "config.h"
#include "metrics.h"
#include "render.h"
#include "store.h"

struct sched {
	const struct config	*cfg;		/* borrowed; swapped on reload */
	const struct tmplset	*tmpl;		/* borrowed */
	struct store		*st;		/* borrowed */
	struct metrics		*metrics;	/* borrowed */
	volatile sig_atomic_t	*stop;		/* set by SIGTERM: finish the message in flight */
	time_t			 smtp_retry_at;	/* server unreachable: not before this */
	int			 smtp_failures;	/* consecutive */
};

/* Run one cycle at now; *next gets the next instant work is due (0: none). */
int	 sched_cycle(struct sched *, time_t now, time_t *next, char *err, size_t errlen);

/*
 * The local day whose digest is due at now for owner o, if any: returns 1
 * and sets *day when a digest should be queued, 0 if not; *as_of gets the
 * instant that digest describes (now for today's; for yesterday's, missed
 * while the daemon was down, the instant it was due, never after now);
 * *next_slot gets the instant of the next digest.  -1 on a bad zone or
 * time.
 */
int	 sched_digest_due(const struct config *, const struct owner *o, time_t now,
	    long *day, time_t *as_of, time_t *next_slot, char *err, size_t errlen);

#endif
