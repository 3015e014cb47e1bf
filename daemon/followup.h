/*
 * followup.h - opt-in follow-up emails to clients whose contact is overdue.
 *
 * Run after a salesperson's digest is queued, over the same scan: the
 * most overdue red clients (by cadence) that may be mailed get the
 * "followup" template in the salesperson's language, from their name
 * with a Reply-To to them and an unsubscribe link.  Queuing the message,
 * making the unsubscribe token and recording the email as a touch
 * ("waiting" for the client's answer) commit together.  Never mails a
 * client marked do-not-email.
 */
#ifndef CARTERA_FOLLOWUP_H
#define CARTERA_FOLLOWUP_H

#include <stddef.h>
#include <time.h>

#include "config.h"
#include "render.h"
#include "scan.h"
#include "store.h"

/* Queue the follow-ups due for owner o; *queued gets how many. */
int	 followup_queue(struct store *, const struct config *, const struct render_set *,
	    const struct owner *o, const struct scan_result *r, time_t now, int *queued,
	    char *err, size_t errlen);

#endif
