/*
 * outbox.h - messages decided but not yet delivered.
 *
 * The scanner enqueues a fully rendered message under a unique
 * idempotency key (a digest: "digest:OWNER:DAY") inside the transaction
 * that records its decision, so a message is queued exactly once.  The
 * mailer's results are recorded here: sent (never sent again), a
 * temporary failure (retried with exponential backoff and jitter until
 * smtp.max_age), or a permanent one (failed, with the server's reply).
 * Nothing here talks SMTP.
 */
#ifndef CARTERA_OUTBOX_H
#define CARTERA_OUTBOX_H

#include <stddef.h>
#include <time.h>

#include "config.h"
#include "store.h"


/* struct outbox_msg and struct outbox_counts are the outbox table's rows,
 * in store.h. */

/* Free the fields (not the struct). */
void	 outbox_msg_clear(struct outbox_msg *);

/* Queue m (id, attempts and created_at ignored).  *created is 1 if it was
 * new, 0 if a message with that key already existed.  Caller's transaction. */
int	 outbox_enqueue(struct store *, const struct outbox_msg *m, time_t now,
	    int *created, char *err, size_t errlen);
/* Does a message with this key exist (in any state)? */
int	 outbox_exists(struct store *, const char *idem_key, int *exists,
	    char *err, size_t errlen);

/* Up to max pending messages due at now, oldest first, claimed for lease
 * seconds where daemons share the database (store_outbox_claim).  Caller
 * frees each with outbox_msg_clear and the array with free. */
int	 outbox_due(struct store *, time_t now, size_t max, int lease,
	    struct outbox_msg **out, size_t *n, char *err, size_t errlen);
/* Claims of daemons of this host that died end now. */
int	 outbox_reclaim(struct store *, char *err, size_t errlen);
/* The claims on messages not tried end now. */
int	 outbox_release(struct store *, char *err, size_t errlen);
/* The claims still held last lease seconds from now. */
int	 outbox_renew(struct store *, time_t now, int lease, char *err, size_t errlen);
/* Earliest next attempt of a pending message; *when = 0 if none. */
int	 outbox_next(struct store *, time_t *when, char *err, size_t errlen);

int	 outbox_mark_sent(struct store *, long long id, time_t now, int code,
	    const char *reply, char *err, size_t errlen);
/* A temporary failure: retry later, or give up past max_age.
 * *gave_up is set when the message is now failed.  A message deleted
 * meanwhile is not an error: nothing is recorded, *next is 0. */
int	 outbox_mark_retry(struct store *, const struct config *, long long id,
	    time_t now, int code, const char *error, int *gave_up, time_t *next,
	    char *err, size_t errlen);
int	 outbox_mark_failed(struct store *, long long id, time_t now, int code,
	    const char *error, char *err, size_t errlen);

/* Delay before attempt n (1-based) under cfg, with +-20 % jitter. */
time_t	 outbox_backoff(const struct config *, int attempt);

/* CLI: list (status NULL = all), put a failed message back, purge old. */
int	 outbox_list(struct store *, const char *status, store_row_fn, void *arg,
	    char *err, size_t errlen);
int	 outbox_retry(struct store *, long long id, time_t now, char *err, size_t errlen);
/* Delete sent and failed messages created before `before`; *n deleted. */
int	 outbox_purge(struct store *, time_t before, long long *n, char *err, size_t errlen);

int	 outbox_count(struct store *, struct outbox_counts *, char *err, size_t errlen);

#endif
