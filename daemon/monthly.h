/*
 * monthly.h - the monthly summary email (report.monthly, opt-in).
 *
 * On the first working day (Monday to Friday) of a month, at the digest
 * time, each salesperson gets last month's indicators for their clients,
 * and report.manager gets them for the whole team, with the month's
 * goals and how far they got (report_goal_lines); a bar chart of the last
 * twelve months' revenue, each month's revenue goal marked on it, is
 * attached inline (a PNG drawn by chart.c).  If the daemon is down that
 * day it is sent on a later day of the first week, once.  Decides and
 * composes; delivery is the outbox's.
 */
#ifndef CARTERA_MONTHLY_H
#define CARTERA_MONTHLY_H

#include <stddef.h>
#include <time.h>

#include "config.h"
#include "outbox.h"
#include "render.h"
#include "store.h"

/* Is local day `day` one on which last month's summary may go out?
 * *month_day gets a day inside the month to report. */
int	 monthly_due(long day, long *month_day);

/* The idempotency key for the month holding month_day, for owner o (NULL:
 * the team summary).  Written into key (>= 64 bytes). */
void	 monthly_key(const struct owner *o, long month_day, char *key, size_t len);

/* Compose the summary of the month holding month_day: for owner o, or for
 * the team (o NULL) in lang, addressed to to_addr: an address or a mailbox
 * ("Jefa <jefa@example.es>", as report.manager allows).  Caller clears *m. */
int	 monthly_compose(struct store *, const struct config *, const struct render_set *,
	    const struct owner *o, long month_day, const char *lang, const char *tz,
	    const char *to_addr, time_t now, struct outbox_msg *m, char *err, size_t errlen);

#endif
