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
#include "mailer.h"
#include "metrics.h"
#include "render.h"
#include "store.h"

struct sign_key;

/*
 * A delivery result the store did not take (locked past its busy timeout,
 * or full).  The message is still pending in the outbox, so it is held
 * here and recorded before anything else is sent: fetching the outbox
 * again first would send a message the server already accepted.
 */
struct sched_result {
	long long		 id;
	char			*kind, *to_addr;	/* owned; for the log */
	struct mailer_status	 ms;
	time_t			 at;		/* when the server answered */
};

struct sched {
	const struct config	*cfg;		/* borrowed; swapped on reload */
	const struct render_set	*tmpl;		/* borrowed */
	struct store		*st;		/* borrowed */
	struct metrics		*metrics;	/* borrowed */
	const struct sign_key	*key;		/* borrowed; NULL: digests without action links */
	volatile sig_atomic_t	*stop;		/* set by SIGTERM: finish the message in flight */
	time_t			 smtp_retry_at;	/* server unreachable: not before this */
	int			 smtp_failures;	/* consecutive */
	int			 store_failures;	/* consecutive cycles the store refused a write */
	int			 unrecorded;	/* result below is held */
	struct sched_result	 result;	/* owned while unrecorded */
};

/*
 * Run one cycle at now; *next gets the next instant work is due (0: none).
 * When the store refused a write (a digest not queued, a result not
 * recorded) it returns -1 and *next is the retry, a few seconds later at
 * first and at most a minute apart: the day's digest is not left for the
 * next wake-up, and a full disk does not spin the loop.
 */
int	 sched_cycle(struct sched *, time_t now, time_t *next, char *err, size_t errlen);
/* At exit: record a held result if the store takes it now, and free it. */
void	 sched_finish(struct sched *);

/*
 * The local day whose digest is due at now for owner o, if any: returns 1
 * and sets *day when a digest should be queued, 0 if not.  Only working
 * days (scan_workdays: the owner's, else digest.days and digest.holidays)
 * have a digest: the day is the latest working day whose digest time has
 * come.  *as_of gets the instant that digest describes (now for today's;
 * for an earlier one, missed while the daemon was down, the instant it
 * was due, never after now); *next_slot gets the instant of the next
 * digest (the next working day's).  -1 on a bad zone, time or working
 * days.
 */
int	 sched_digest_due(const struct config *, const struct owner *o, time_t now,
	    long *day, time_t *as_of, time_t *next_slot, char *err, size_t errlen);

#endif
