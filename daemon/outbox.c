/*
 * outbox.c - the table of messages to deliver, and their fate.
 *
 * Records decisions (enqueue, idempotent by key) and results (sent,
 * retry, failed).  It never opens an SMTP connection; mailer.c does, and
 * the caller reports back here.
 */
#include "build.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "outbox.h"

void
outbox_msg_clear(struct outbox_msg *m)
{
	if (m == NULL)
		return;
	free(m->idem_key);
	free(m->kind);
	free(m->from_name);
	free(m->from_addr);
	free(m->to_name);
	free(m->to_addr);
	free(m->reply_to);
	free(m->subject);
	free(m->message_id);
	free(m->body_text);
	free(m->body_html);
	free(m->unsubscribe);
	free(m->attachments);
	memset(m, 0, sizeof(*m));
}

int
outbox_enqueue(struct store *st, const struct outbox_msg *m, time_t now, int *created,
    char *err, size_t errlen)
{
	static const char sql[] =
	    "INSERT INTO outbox (idem_key, kind, owner_id, client_id, from_name, from_addr,"
	    " to_name, to_addr, subject, message_id, body_text, body_html, unsubscribe,"
	    " attachments, created_at, next_attempt_at, reply_to)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?15, ?16)"
	    " ON CONFLICT (idem_key) DO NOTHING";
	sqlite3_stmt *s;
	int rc;

	if ((s = store_stmt(st, sql, err, errlen)) == NULL)
		return -1;
	sqlite3_bind_text(s, 1, m->idem_key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, m->kind, -1, SQLITE_TRANSIENT);
	if (m->owner_id > 0)
		sqlite3_bind_int64(s, 3, m->owner_id);
	if (m->client_id > 0)
		sqlite3_bind_int64(s, 4, m->client_id);
	store_bind_text(s, 5, m->from_name);
	sqlite3_bind_text(s, 6, m->from_addr, -1, SQLITE_TRANSIENT);
	store_bind_text(s, 7, m->to_name);
	sqlite3_bind_text(s, 8, m->to_addr, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 9, m->subject, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 10, m->message_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 11, m->body_text, -1, SQLITE_TRANSIENT);
	store_bind_text(s, 12, m->body_html);
	store_bind_text(s, 13, m->unsubscribe);
	if (m->attachments != NULL)
		sqlite3_bind_blob(s, 14, m->attachments, (int)m->attachments_len,
		    SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 15, now);
	store_bind_text(s, 16, m->reply_to);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_fail(st, err, errlen, "queueing message");
	if (created != NULL)
		*created = sqlite3_changes(store_handle(st)) > 0;
	return 0;
}

int
outbox_exists(struct store *st, const char *key, int *exists, char *err, size_t errlen)
{
	static const char sql[] = "SELECT 1 FROM outbox WHERE idem_key = ?";
	sqlite3_stmt *s;
	int rc;

	if ((s = store_stmt(st, sql, err, errlen)) == NULL)
		return -1;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(st, err, errlen, "reading outbox");
	*exists = rc == SQLITE_ROW;
	return 0;
}

int
outbox_due(struct store *st, time_t now, size_t max, struct outbox_msg **out, size_t *n,
    char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT id, idem_key, kind, owner_id, client_id, from_name, from_addr, to_name,"
	    " to_addr, subject, message_id, body_text, body_html, unsubscribe, attachments,"
	    " attempts, created_at, reply_to FROM outbox"
	    " WHERE status = 'pending' AND next_attempt_at <= ?"
	    " ORDER BY next_attempt_at, id LIMIT ?";
	sqlite3_stmt *s;
	struct outbox_msg *v = NULL, *m;
	size_t cnt = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((s = store_stmt(st, sql, err, errlen)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)max);
	if ((v = calloc(max ? max : 1, sizeof(*v))) == NULL)
		goto oom;
	while (cnt < max && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		m = &v[cnt++];
		m->id = sqlite3_column_int64(s, 0);
		m->owner_id = sqlite3_column_int64(s, 3);
		m->client_id = sqlite3_column_int64(s, 4);
		m->attempts = sqlite3_column_int(s, 15);
		m->created_at = sqlite3_column_int64(s, 16);
		if (store_dup_col(s, 1, &m->idem_key) == -1 || store_dup_col(s, 2, &m->kind) == -1 ||
		    store_dup_col(s, 5, &m->from_name) == -1 ||
		    store_dup_col(s, 6, &m->from_addr) == -1 ||
		    store_dup_col(s, 7, &m->to_name) == -1 || store_dup_col(s, 8, &m->to_addr) == -1 ||
		    store_dup_col(s, 9, &m->subject) == -1 ||
		    store_dup_col(s, 10, &m->message_id) == -1 ||
		    store_dup_col(s, 11, &m->body_text) == -1 ||
		    store_dup_col(s, 12, &m->body_html) == -1 ||
		    store_dup_col(s, 13, &m->unsubscribe) == -1 ||
		    store_dup_col(s, 17, &m->reply_to) == -1)
			goto oom;
		if (sqlite3_column_type(s, 14) == SQLITE_BLOB) {
			int len = sqlite3_column_bytes(s, 14);
			if ((m->attachments = malloc((size_t)len + 1)) == NULL)
				goto oom;
			memcpy(m->attachments, sqlite3_column_blob(s, 14), (size_t)len);
			m->attachments_len = (size_t)len;
		}
	}
	if (cnt < max && rc != SQLITE_DONE) {
		sqlite3_reset(s);
		for (size_t i = 0; i < cnt; i++)
			outbox_msg_clear(&v[i]);
		free(v);
		return store_fail(st, err, errlen, "reading outbox");
	}
	sqlite3_reset(s);
	*out = v;
	*n = cnt;
	return 0;
oom:
	sqlite3_reset(s);
	for (size_t i = 0; i < cnt && v != NULL; i++)
		outbox_msg_clear(&v[i]);
	free(v);
	snprintf(err, errlen, "out of memory");
	return -1;
}

int
outbox_next(struct store *st, time_t *when, char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT min(next_attempt_at) FROM outbox WHERE status = 'pending'";
	sqlite3_stmt *s;
	int rc;

	if ((s = store_stmt(st, sql, err, errlen)) == NULL)
		return -1;
	rc = sqlite3_step(s);
	*when = rc == SQLITE_ROW ? (time_t)sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return store_fail(st, err, errlen, "reading outbox");
	return 0;
}

static int
update(struct store *st, const char *sql, long long id, time_t now, int code,
    const char *text, time_t next, char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int rc;

	if ((s = store_stmt(st, sql, err, errlen)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, now);
	if (code > 0)
		sqlite3_bind_int(s, 3, code);
	store_bind_text(s, 4, text);
	sqlite3_bind_int64(s, 5, next);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_fail(st, err, errlen, "recording delivery");
	return 0;
}

int
outbox_mark_sent(struct store *st, long long id, time_t now, int code, const char *reply,
    char *err, size_t errlen)
{
	static const char sql[] =
	    "UPDATE outbox SET status = 'sent', attempts = attempts + 1, sent_at = ?2,"
	    " last_code = ?3, last_error = NULL, next_attempt_at = ?5 WHERE id = ?1";

	(void)reply;
	return update(st, sql, id, now, code, NULL, now, err, errlen);
}

int
outbox_mark_failed(struct store *st, long long id, time_t now, int code, const char *error,
    char *err, size_t errlen)
{
	static const char sql[] =
	    "UPDATE outbox SET status = 'failed', attempts = attempts + 1,"
	    " last_code = ?3, last_error = ?4, next_attempt_at = ?5 WHERE id = ?1 AND ?2 = ?2";

	return update(st, sql, id, now, code, error, now, err, errlen);
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
	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = (unsigned int)attempt * 2654435761u;
	d *= 0.8 + 0.4 * (r / (double)0xFFFFFFFFu);
	return d < 1 ? 1 : (time_t)d;
}

int
outbox_mark_retry(struct store *st, const struct config *cfg, long long id, time_t now,
    int code, const char *error, int *gave_up, time_t *next, char *err, size_t errlen)
{
	static const char sel[] = "SELECT attempts, created_at FROM outbox WHERE id = ?";
	static const char sql[] =
	    "UPDATE outbox SET attempts = attempts + 1, last_code = ?3, last_error = ?4,"
	    " next_attempt_at = ?5 WHERE id = ?1 AND ?2 = ?2";
	sqlite3_stmt *s;
	int attempts = 0, rc;
	time_t created = now, at;
	char msg[1024];

	if ((s = store_stmt(st, sel, err, errlen)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		attempts = sqlite3_column_int(s, 0);
		created = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	*gave_up = 0;
	if (next != NULL)
		*next = 0;
	if (rc == SQLITE_DONE)
		return 0;	/* deleted meanwhile: nothing left to record */
	if (rc != SQLITE_ROW)
		return store_fail(st, err, errlen, "reading outbox");
	at = now + outbox_backoff(cfg, attempts + 1);
	*gave_up = at - created > cfg->smtp.max_age;
	if (next != NULL)
		*next = *gave_up ? 0 : at;
	if (*gave_up) {
		snprintf(msg, sizeof(msg), "gave up after %d attempts over %ld hours: %s",
		    attempts + 1, (long)((now - created) / 3600), error ? error : "");
		return outbox_mark_failed(st, id, now, code, msg, err, errlen);
	}
	return update(st, sql, id, now, code, error, at, err, errlen);
}

int
outbox_list(struct store *st, const char *status, store_row_fn fn, void *arg,
    char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT o.id, o.kind, o.status, o.to_addr AS recipient, o.subject, o.attempts,"
	    " o.created_at, o.next_attempt_at, o.sent_at, o.last_code, o.last_error,"
	    " o.idem_key FROM outbox o WHERE (?1 IS NULL OR o.status = ?1) ORDER BY o.id";
	sqlite3_stmt *s;

	if ((s = store_stmt(st, sql, err, errlen)) == NULL)
		return -1;
	store_bind_text(s, 1, status);
	return store_rows(st, s, fn, arg, err, errlen);
}

int
outbox_retry(struct store *st, long long id, time_t now, char *err, size_t errlen)
{
	/* The age limit counts from the retry, so created_at moves too. */
	static const char sql[] =
	    "UPDATE outbox SET status = 'pending', next_attempt_at = ?2, created_at = ?2"
	    " WHERE id = ?1 AND status = 'failed'";
	sqlite3_stmt *s;
	int rc;

	if ((s = store_stmt(st, sql, err, errlen)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, now);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_fail(st, err, errlen, "retrying message");
	if (sqlite3_changes(store_handle(st)) == 0) {
		snprintf(err, errlen, "no failed message with id %lld (only failed messages "
		    "can be retried; pending ones are retried automatically)", id);
		return -1;
	}
	return 0;
}

int
outbox_purge(struct store *st, time_t before, long long *n, char *err, size_t errlen)
{
	static const char sql[] =
	    "DELETE FROM outbox WHERE status IN ('sent', 'failed') AND created_at < ?";
	sqlite3_stmt *s;
	int rc;

	if ((s = store_stmt(st, sql, err, errlen)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, before);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_fail(st, err, errlen, "purging outbox");
	*n = sqlite3_changes(store_handle(st));
	return 0;
}

int
outbox_count(struct store *st, struct outbox_counts *c, char *err, size_t errlen)
{
	static const char sql[] = "SELECT status, count(*) FROM outbox GROUP BY status";
	sqlite3_stmt *s;
	int rc;

	memset(c, 0, sizeof(*c));
	if ((s = store_stmt(st, sql, err, errlen)) == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(s, 0);
		long long v = sqlite3_column_int64(s, 1);
		if (k == NULL)
			continue;
		if (strcmp(k, "pending") == 0)
			c->pending = v;
		else if (strcmp(k, "sent") == 0)
			c->sent = v;
		else if (strcmp(k, "failed") == 0)
			c->failed = v;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_fail(st, err, errlen, "counting outbox");
	return 0;
}
