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

/* Fill *m (caller clears it) with owner's digest for local day `day`;
 * links (may be NULL: none) makes each item's one-click action links. */
struct action_links;
int		 digest_compose(const struct render_set *, const struct config *,
		    const struct owner *, const struct scan_result *, long day,
		    const struct action_links *links, struct outbox_msg *m, char *err,
		    size_t errlen);

#endif
