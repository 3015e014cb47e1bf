/*
 * store_outbox.c - the store's outbox table: messages queued under an
 * idempotency key, the ones due for delivery, and what became of each.
 * The rules (backoff, giving up) are outbox.c's; this only reads and
 * writes rows.  Writes SQL through store_engine.h only; sends nothing.
 */
#include "build.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nls.h"
#include "store_engine.h"

void
store_outbox_msg_clear(struct outbox_msg *m)
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
store_outbox_insert(struct store *st, const struct outbox_msg *m, time_t now, int *created,
    char *err, size_t errlen)
{
	static const char sql[] =
	    "INSERT INTO outbox (idem_key, kind, owner_id, client_id, from_name, from_addr,"
	    " to_name, to_addr, subject, message_id, body_text, body_html, unsubscribe,"
	    " attachments, created_at, next_attempt_at, reply_to)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?15, ?16)"
	    " ON CONFLICT (idem_key) DO NOTHING";
	struct stmt *s;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_text(s, 1, m->idem_key);
	stmt_bind_text(s, 2, m->kind);
	if (m->owner_id > 0)
		stmt_bind_int(s, 3, m->owner_id);
	if (m->client_id > 0)
		stmt_bind_int(s, 4, m->client_id);
	stmt_bind_opt(s, 5, m->from_name);
	stmt_bind_text(s, 6, m->from_addr);
	stmt_bind_opt(s, 7, m->to_name);
	stmt_bind_text(s, 8, m->to_addr);
	stmt_bind_text(s, 9, m->subject);
	stmt_bind_text(s, 10, m->message_id);
	stmt_bind_text(s, 11, m->body_text);
	stmt_bind_opt(s, 12, m->body_html);
	stmt_bind_opt(s, 13, m->unsubscribe);
	if (m->attachments != NULL)
		stmt_bind_blob(s, 14, m->attachments, m->attachments_len);
	stmt_bind_int(s, 15, now);
	stmt_bind_opt(s, 16, m->reply_to);
	if (stmt_done(st, s, err, errlen, "queueing message") == -1)
		return -1;
	if (created != NULL)
		*created = stmt_changes(st) > 0;
	return 0;
}

int
store_outbox_exists(struct store *st, const char *key, int *exists, char *err, size_t errlen)
{
	static const char sql[] = "SELECT 1 FROM outbox WHERE idem_key = ?";
	struct stmt *s;
	int rc;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_text(s, 1, key);
	rc = stmt_step(s);
	stmt_reset(s);
	if (rc != STMT_ROW && rc != STMT_DONE)
		return store_fail(st, err, errlen, "reading outbox");
	*exists = rc == STMT_ROW;
	return 0;
}

/* One row of the claim query into m.  -1 out of memory. */
static int
msg_from_row(struct stmt *s, struct outbox_msg *m)
{
	m->id = stmt_int(s, 0);
	m->owner_id = stmt_int(s, 3);
	m->client_id = stmt_int(s, 4);
	m->attempts = (int)stmt_int(s, 15);
	m->created_at = stmt_int(s, 16);
	if (stmt_dup(s, 1, &m->idem_key) == -1 || stmt_dup(s, 2, &m->kind) == -1 ||
	    stmt_dup(s, 5, &m->from_name) == -1 || stmt_dup(s, 6, &m->from_addr) == -1 ||
	    stmt_dup(s, 7, &m->to_name) == -1 || stmt_dup(s, 8, &m->to_addr) == -1 ||
	    stmt_dup(s, 9, &m->subject) == -1 || stmt_dup(s, 10, &m->message_id) == -1 ||
	    stmt_dup(s, 11, &m->body_text) == -1 || stmt_dup(s, 12, &m->body_html) == -1 ||
	    stmt_dup(s, 13, &m->unsubscribe) == -1 || stmt_dup(s, 17, &m->reply_to) == -1)
		return -1;
	if (stmt_type(s, 14) == STMT_BLOB) {
		size_t len;
		const void *p = stmt_blob(s, 14, &len);

		if ((m->attachments = malloc(len + 1)) == NULL)
			return -1;
		memcpy(m->attachments, p, len);
		m->attachments_len = len;
	}
	return 0;
}

static int
by_due(const void *a, const void *b)
{
	const struct outbox_msg *x = a, *y = b;

	if (x->next_attempt_at != y->next_attempt_at)
		return x->next_attempt_at < y->next_attempt_at ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

#define CLAIM_COLUMNS \
	"id, idem_key, kind, owner_id, client_id, from_name, from_addr, to_name," \
	" to_addr, subject, message_id, body_text, body_html, unsubscribe, attachments," \
	" attempts, created_at, reply_to, next_attempt_at"

int
store_outbox_claim(struct store *st, time_t now, size_t max, int lease,
    struct outbox_msg **out, size_t *n, char *err, size_t errlen)
{
	/*
	 * SQLite: one daemon per file, nothing to claim.  PostgreSQL: claim
	 * rows no other daemon holds (SKIP LOCKED: a row another claim
	 * transaction has locked is passed over, not waited for) whose
	 * lease, if any, ran out.
	 */
	static const char *const sql[STORE_ENGINE_COUNT] = STORE_SQL_BY_ENGINE(
	    "SELECT " CLAIM_COLUMNS " FROM outbox"
	    " WHERE status = 'pending' AND next_attempt_at <= ?1"
	    " ORDER BY next_attempt_at, id LIMIT ?2",
	    "UPDATE outbox SET claimed_by = ?3, lease_until = ?1 + ?4"
	    " WHERE id IN (SELECT id FROM outbox WHERE status = 'pending'"
	    "  AND next_attempt_at <= ?1 AND (lease_until IS NULL OR lease_until <= ?1)"
	    "  ORDER BY next_attempt_at, id LIMIT ?2 FOR UPDATE SKIP LOCKED)"
	    " RETURNING " CLAIM_COLUMNS);
	struct stmt *s;
	struct outbox_msg *v;
	size_t cnt = 0;
	int rc = STMT_DONE;

	*out = NULL;
	*n = 0;
	if ((s = stmt_get(st, store_sql(st, sql), err, errlen)) == NULL)
		return -1;
	if ((v = calloc(max ? max : 1, sizeof(*v))) == NULL)
		goto oom;
	stmt_bind_int(s, 1, now);
	stmt_bind_int(s, 2, (long long)max);
	if (st->ops->kind != STORE_ENGINE_SQLITE) {
		stmt_bind_text(s, 3, st->who);
		stmt_bind_int(s, 4, lease > 0 ? lease : 1);
	}
	while (cnt < max && (rc = stmt_step(s)) == STMT_ROW) {
		v[cnt].next_attempt_at = stmt_int(s, 18);
		if (msg_from_row(s, &v[cnt++]) == -1)
			goto oom;
	}
	if (cnt < max && rc != STMT_DONE) {
		stmt_reset(s);
		for (size_t i = 0; i < cnt; i++)
			store_outbox_msg_clear(&v[i]);
		free(v);
		return store_fail(st, err, errlen, "reading outbox");
	}
	stmt_reset(s);
	/* RETURNING keeps no order. */
	qsort(v, cnt, sizeof(*v), by_due);
	*out = v;
	*n = cnt;
	return 0;
oom:
	stmt_reset(s);
	for (size_t i = 0; i < cnt && v != NULL; i++)
		store_outbox_msg_clear(&v[i]);
	free(v);
	snprintf(err, errlen, _("out of memory"));
	return -1;
}

int
store_outbox_renew(struct store *st, time_t now, int lease, char *err, size_t errlen)
{
	static const char sql[] =
	    "UPDATE outbox SET lease_until = ?1 + ?2"
	    " WHERE claimed_by = ?3 AND status = 'pending' AND lease_until IS NOT NULL";
	struct stmt *s;

	if (st->ops->kind == STORE_ENGINE_SQLITE)
		return 0;
	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, now);
	stmt_bind_int(s, 2, lease);
	stmt_bind_text(s, 3, st->who);
	return stmt_done(st, s, err, errlen, "renewing the outbox claim");
}

/* "host pid token" names a process of this host that is gone. */
static int
claimer_dead(const struct store *st, const char *who)
{
	size_t hl = strcspn(st->who, " ");
	const char *p;
	char *end;
	long pid;

	if (strncmp(who, st->who, hl) != 0 || who[hl] != ' ')
		return 0;			/* another host's */
	p = who + hl + 1;
	pid = strtol(p, &end, 10);
	if (end == p || *end != ' ' || pid <= 0)
		return 0;
	if (pid == (long)getpid())
		return strcmp(who, st->who) != 0;	/* an earlier us */
	return kill((pid_t)pid, 0) == -1 && errno == ESRCH;
}

int
store_outbox_reclaim(struct store *st, char *err, size_t errlen)
{
	static const char list[] =
	    "SELECT DISTINCT claimed_by FROM outbox WHERE status = 'pending'"
	    " AND lease_until IS NOT NULL AND claimed_by IS NOT NULL";
	static const char release[] =
	    "UPDATE outbox SET lease_until = NULL"
	    " WHERE claimed_by = ? AND status = 'pending' AND lease_until IS NOT NULL";
	struct stmt *s;
	char **dead = NULL, **nv;
	size_t n = 0;
	int rc, ret = 0;

	if (st->ops->kind == STORE_ENGINE_SQLITE)
		return 0;
	if ((s = stmt_get(st, list, err, errlen)) == NULL)
		return -1;
	while ((rc = stmt_step(s)) == STMT_ROW) {
		const char *who = stmt_text(s, 0);

		if (who == NULL || !claimer_dead(st, who))
			continue;
		if ((nv = reallocarray(dead, n + 1, sizeof(*nv))) == NULL ||
		    (nv[n] = strdup(who)) == NULL) {
			if (nv != NULL)
				dead = nv;
			rc = STMT_ERROR;
			snprintf(err, errlen, _("out of memory"));
			ret = -1;
			break;
		}
		dead = nv;
		n++;
	}
	stmt_reset(s);
	if (ret == 0 && rc != STMT_DONE)
		ret = store_fail(st, err, errlen, "reading outbox claims");
	for (size_t i = 0; i < n; i++) {
		if (ret == 0 && (s = stmt_get(st, release, err, errlen)) == NULL)
			ret = -1;
		if (ret == 0) {
			stmt_bind_text(s, 1, dead[i]);
			ret = stmt_done(st, s, err, errlen, "releasing a dead daemon's claims");
		}
		free(dead[i]);
	}
	free(dead);
	return ret;
}

int
store_outbox_release(struct store *st, char *err, size_t errlen)
{
	static const char sql[] =
	    "UPDATE outbox SET lease_until = NULL"
	    " WHERE claimed_by = ? AND status = 'pending' AND lease_until IS NOT NULL";
	struct stmt *s;

	if (st->ops->kind == STORE_ENGINE_SQLITE)
		return 0;
	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_text(s, 1, st->who);
	return stmt_done(st, s, err, errlen, "releasing the outbox claim");
}

int
store_outbox_next(struct store *st, time_t *when, char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT min(max(next_attempt_at, coalesce(lease_until, 0))) FROM outbox"
	    " WHERE status = 'pending'";
	struct stmt *s;
	int rc;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	rc = stmt_step(s);
	*when = rc == STMT_ROW ? (time_t)stmt_int(s, 0) : 0;
	stmt_reset(s);
	if (rc != STMT_ROW)
		return store_fail(st, err, errlen, "reading outbox");
	return 0;
}

/* ?1 id, ?2 now, ?3 SMTP code (NULL if none), ?4 error text, ?5 next attempt. */
static int
update(struct store *st, const char *sql, long long id, time_t now, int code,
    const char *text, time_t next, char *err, size_t errlen)
{
	struct stmt *s;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, id);
	stmt_bind_int(s, 2, now);
	if (code > 0)
		stmt_bind_int(s, 3, code);
	stmt_bind_opt(s, 4, text);
	stmt_bind_int(s, 5, next);
	return stmt_done(st, s, err, errlen, "recording delivery");
}

int
store_outbox_sent(struct store *st, long long id, time_t now, int code,
    char *err, size_t errlen)
{
	static const char sql[] =
	    "UPDATE outbox SET status = 'sent', attempts = attempts + 1, sent_at = ?2,"
	    " last_code = ?3, last_error = NULL, next_attempt_at = ?5, lease_until = NULL"
	    " WHERE id = ?1";

	return update(st, sql, id, now, code, NULL, now, err, errlen);
}

int
store_outbox_failed(struct store *st, long long id, time_t now, int code, const char *error,
    char *err, size_t errlen)
{
	static const char sql[] =
	    "UPDATE outbox SET status = 'failed', attempts = attempts + 1,"
	    " last_code = ?3, last_error = ?4, next_attempt_at = ?5, lease_until = NULL"
	    " WHERE id = ?1 AND ?2 = ?2";

	return update(st, sql, id, now, code, error, now, err, errlen);
}

int
store_outbox_retry_at(struct store *st, long long id, time_t now, int code,
    const char *error, time_t next, char *err, size_t errlen)
{
	static const char sql[] =
	    "UPDATE outbox SET attempts = attempts + 1, last_code = ?3, last_error = ?4,"
	    " next_attempt_at = ?5, lease_until = NULL WHERE id = ?1 AND ?2 = ?2";

	return update(st, sql, id, now, code, error, next, err, errlen);
}

int
store_outbox_attempts(struct store *st, long long id, int *attempts, time_t *created,
    char *err, size_t errlen)
{
	static const char sql[] = "SELECT attempts, created_at FROM outbox WHERE id = ?";
	struct stmt *s;
	int rc;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, id);
	rc = stmt_step(s);
	if (rc == STMT_ROW) {
		*attempts = (int)stmt_int(s, 0);
		*created = stmt_int(s, 1);
	}
	stmt_reset(s);
	if (rc == STMT_DONE)
		return 1;
	if (rc != STMT_ROW)
		return store_fail(st, err, errlen, "reading outbox");
	return 0;
}

int
store_outbox_list(struct store *st, const char *status, store_row_fn fn, void *arg,
    char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT o.id, o.kind, o.status, o.to_addr AS recipient, o.subject, o.attempts,"
	    " o.created_at, o.next_attempt_at, o.sent_at, w.tz, o.last_code, o.last_error,"
	    " o.idem_key FROM outbox o LEFT JOIN owners w ON w.id = o.owner_id"
	    " WHERE (?1 IS NULL OR o.status = ?1) ORDER BY o.id";
	struct stmt *s;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_opt(s, 1, status);
	return stmt_rows(st, s, fn, arg, err, errlen);
}

int
store_outbox_requeue(struct store *st, long long id, time_t now, char *err, size_t errlen)
{
	/* The age limit counts from the retry, so created_at moves too. */
	static const char sql[] =
	    "UPDATE outbox SET status = 'pending', next_attempt_at = ?2, created_at = ?2"
	    " WHERE id = ?1 AND status = 'failed'";
	struct stmt *s;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, id);
	stmt_bind_int(s, 2, now);
	if (stmt_done(st, s, err, errlen, "retrying message") == -1)
		return -1;
	return stmt_changes(st) > 0 ? 0 : 1;
}

int
store_outbox_purge(struct store *st, time_t before, long long *n, char *err, size_t errlen)
{
	static const char sql[] =
	    "DELETE FROM outbox WHERE (status = 'sent' OR status = 'failed') AND created_at < ?";
	struct stmt *s;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, before);
	if (stmt_done(st, s, err, errlen, "purging outbox") == -1)
		return -1;
	*n = stmt_changes(st);
	return 0;
}

int
store_outbox_count(struct store *st, struct outbox_counts *c, char *err, size_t errlen)
{
	static const char sql[] = "SELECT status, count(*) FROM outbox GROUP BY status";
	struct stmt *s;
	int rc;

	memset(c, 0, sizeof(*c));
	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	while ((rc = stmt_step(s)) == STMT_ROW) {
		const char *k = stmt_text(s, 0);
		long long v = stmt_int(s, 1);

		if (k == NULL)
			continue;
		if (strcmp(k, "pending") == 0)
			c->pending = v;
		else if (strcmp(k, "sent") == 0)
			c->sent = v;
		else if (strcmp(k, "failed") == 0)
			c->failed = v;
	}
	stmt_reset(s);
	if (rc != STMT_DONE)
		return store_fail(st, err, errlen, "counting outbox");
	return 0;
}

int
store_outbox_count_since(struct store *st, long long owner, const char *kind, time_t since,
    long long *n, char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT count(*) FROM outbox WHERE owner_id = ? AND kind = ? AND created_at >= ?";
	struct stmt *s;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, owner);
	stmt_bind_text(s, 2, kind);
	stmt_bind_int(s, 3, since);
	return stmt_one_int(st, s, n, "counting messages", err, errlen);
}

/* ---- what a client follow-up email needs ----------------------------- */

void
store_mailable_clear(struct store_mailable *c)
{
	free(c->status);
	free(c->segment);
	free(c->name);
	free(c->contact);
	free(c->email);
	free(c->kind);
	memset(c, 0, sizeof(*c));
}

int
store_client_mailable(struct store *st, long long id, struct store_mailable *c,
    char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT c.status, s.name, c.name, p.name, p.email, c.do_not_email, c.followup,"
	    " (SELECT max(created_at) FROM outbox WHERE client_id = c.id AND kind = 'followup'),"
	    " c.kind FROM clients c LEFT JOIN segments s ON s.id = c.segment_id"
	    " LEFT JOIN contacts p ON p.client_id = c.id AND p.is_primary = 1"
	    " WHERE c.id = ?";
	struct stmt *s;
	int rc;

	memset(c, 0, sizeof(*c));
	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, id);
	rc = stmt_step(s);
	if (rc == STMT_ROW) {
		c->do_not_email = (int)stmt_int(s, 5);
		c->followup = stmt_is_null(s, 6) ? -1 : (int)stmt_int(s, 6);
		c->last_followup = stmt_int(s, 7);
		if (stmt_dup(s, 0, &c->status) == -1 || stmt_dup(s, 1, &c->segment) == -1 ||
		    stmt_dup(s, 2, &c->name) == -1 || stmt_dup(s, 3, &c->contact) == -1 ||
		    stmt_dup(s, 4, &c->email) == -1 || stmt_dup(s, 8, &c->kind) == -1)
			rc = STMT_ERROR;
	}
	stmt_reset(s);
	if (rc != STMT_ROW) {
		store_mailable_clear(c);
		return store_fail(st, err, errlen, "reading client");
	}
	return 0;
}
