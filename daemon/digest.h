/*
 * digest.h - a salesperson's daily digest: the data, then the message.
 *
 * digest_data() turns a scan into the JSON the templates see (and that
 * "cartera due --json" prints, so the CLI shows exactly what the digest
 * holds).  digest_compose() renders it into a queued message with its
 * idempotency key "digest:OWNER:DAY".  No delivery, no writes.
 */
#ifndef CARTERA_DIGEST_H
#define CARTERA_DIGEST_H

#include <stddef.h>

#include <json-c/json.h>

#include "config.h"
#include "outbox.h"
#include "render.h"
#include "scan.h"
#include "store.h"

/* max_items per section (0 = all).  Caller owns the object. */
json_object	*digest_data(const struct scan_result *, const struct owner *,
		    const struct config *, size_t max_items);

/*
 * Add to data (digest_data's, for owner on local day `today`, made at
 * instant now) the figures a scan does not give, read from the store:
 * "goals", the owner's goals for the month in words (report_goal_lines),
 * and, on the first working day of the week (no working day of the
 * owner's before it since Monday), "risk": the owner's
 * digest.risk_clients clients most at risk (report_risk_top).  Each is
 * {"any", "count", "items"}; risk's items {id, name, score, reasons,
 * line}.  -1 (err filled) when the store fails.  memo (may be NULL) is
 * report_risk_top's, for the digests of many owners at once.
 */
struct report_risk_memo;
int		 digest_figures(struct store *, const struct config *, const struct owner *,
		    long today, time_t now, struct report_risk_memo *memo, json_object *data,
		    char *err, size_t errlen);

/* Fill *m (caller clears it) with owner's digest for local day `day`;
 * st non-NULL adds digest_figures() (with memo, which may be NULL); links
 * (may be NULL: none) makes each item's one-click action links. */
struct action_links;
int		 digest_compose(struct store *st, const struct render_set *,
		    const struct config *, const struct owner *, const struct scan_result *,
		    long day, struct report_risk_memo *memo, const struct action_links *links,
		    struct outbox_msg *m, char *err, size_t errlen);

#endif
