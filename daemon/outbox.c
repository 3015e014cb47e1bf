/*
 * outbox.c - the table of messages to deliver, and their fate.
 *
 * Records decisions (enqueue, idempotent by key) and results (sent,
 * retry, failed) through the store's outbox functions, and owns the rules
 * between them: the backoff, when to give up.  It never opens an SMTP
 * connection (mailer.c does, and the caller reports back here) and never
 * speaks SQL.
 */
#include "build.h"

#include <stdio.h>

#include "entropy.h"
#include "outbox.h"

void
outbox_msg_clear(struct outbox_msg *m)
{
	store_outbox_msg_clear(m);
}

int
outbox_enqueue(struct store *st, const struct outbox_msg *m, time_t now, int *created,
    char *err, size_t errlen)
{
	return store_outbox_insert(st, m, now, created, err, errlen);
}

int
outbox_exists(struct store *st, const char *key, int *exists, char *err, size_t errlen)
{
	return store_outbox_exists(st, key, exists, err, errlen);
}

int
outbox_due(struct store *st, time_t now, size_t max, int lease, struct outbox_msg **out,
    size_t *n, char *err, size_t errlen)
{
	return store_outbox_claim(st, now, max, lease, out, n, err, errlen);
}

int
outbox_reclaim(struct store *st, char *err, size_t errlen)
{
	return store_outbox_reclaim(st, err, errlen);
}

int
outbox_release(struct store *st, char *err, size_t errlen)
{
	return store_outbox_release(st, err, errlen);
}

int
outbox_renew(struct store *st, time_t now, int lease, char *err, size_t errlen)
{
	return store_outbox_renew(st, now, lease, err, errlen);
}

int
outbox_next(struct store *st, time_t *when, char *err, size_t errlen)
{
	return store_outbox_next(st, when, err, errlen);
}

int
outbox_mark_sent(struct store *st, long long id, time_t now, int code, const char *reply,
    char *err, size_t errlen)
{
	(void)reply;
	return store_outbox_sent(st, id, now, code, err, errlen);
}

int
outbox_mark_failed(struct store *st, long long id, time_t now, int code, const char *error,
    char *err, size_t errlen)
{
	return store_outbox_failed(st, id, now, code, error, err, errlen);
}

time_t
outbox_backoff(const struct config *cfg, int attempt)
{
	double d = cfg->smtp.retry_min;
	unsigned int r = 0;

	for (int i = 1; i < attempt && d < cfg->smtp.retry_max; i++)
		d *= 2;
	if (d > cfg->smtp.retry_max)
		d = cfg->smtp.retry_max;
	/* Jitter spreads retries of many messages after an outage. */
	if (entropy_fill(&r, sizeof(r)) == -1)
		r = (unsigned int)attempt * 2654435761u;
	d *= 0.8 + 0.4 * (r / (double)0xFFFFFFFFu);
	return d < 1 ? 1 : (time_t)d;
}

int
outbox_mark_retry(struct store *st, const struct config *cfg, long long id, time_t now,
    int code, const char *error, int *gave_up, time_t *next, char *err, size_t errlen)
{
	int attempts = 0, rc;
	time_t created = now, at;
	char msg[1024];

	*gave_up = 0;
	if (next != NULL)
		*next = 0;
	if ((rc = store_outbox_attempts(st, id, &attempts, &created, err, errlen)) != 0)
		return rc == 1 ? 0 : -1;	/* deleted meanwhile: nothing to record */
	at = now + outbox_backoff(cfg, attempts + 1);
	*gave_up = at - created > cfg->smtp.max_age;
	if (next != NULL)
		*next = *gave_up ? 0 : at;
	if (*gave_up) {
		snprintf(msg, sizeof(msg), "gave up after %d attempts over %ld hours: %s",
		    attempts + 1, (long)((now - created) / 3600), error ? error : "");
		return outbox_mark_failed(st, id, now, code, msg, err, errlen);
	}
	return store_outbox_retry_at(st, id, now, code, error, at, err, errlen);
}

int
outbox_list(struct store *st, const char *status, store_row_fn fn, void *arg,
    char *err, size_t errlen)
{
	return store_outbox_list(st, status, fn, arg, err, errlen);
}

int
outbox_retry(struct store *st, long long id, time_t now, char *err, size_t errlen)
{
	int rc = store_outbox_requeue(st, id, now, err, errlen);

	if (rc == 1) {
		snprintf(err, errlen, "no failed message with id %lld (only failed messages "
		    "can be retried; pending ones are retried automatically)", id);
		return -1;
	}
	return rc;
}

int
outbox_purge(struct store *st, time_t before, long long *n, char *err, size_t errlen)
{
	return store_outbox_purge(st, before, n, err, errlen);
}

int
outbox_count(struct store *st, struct outbox_counts *c, char *err, size_t errlen)
{
	return store_outbox_count(st, c, err, errlen);
}
