/*
 * store_mail.c - mail-in's tables and queries (see store_mail.h).
 *
 * Part of the store module: prepared statements with bound parameters,
 * writes inside the caller's transaction.  Must not know IMAP or MIME.
 */
#include "build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "store_engine.h"
#include "store_mail.h"

void
store_mailbox_clear(struct store_mailbox *b)
{
	if (b == NULL)
		return;
	free(b->name);
	free(b->last_error);
	memset(b, 0, sizeof(*b));
}

#define MAILBOX_COLS \
	"name, uidvalidity, last_uid, coalesce(last_poll_at, 0), coalesce(last_ok_at, 0)," \
	" last_error, coalesce(error_since, 0), logged, duplicates, unmatched, internal," \
	" automatic, skipped"

static int
mailbox_row(struct stmt *s, struct store_mailbox *b)
{
	memset(b, 0, sizeof(*b));
	b->uidvalidity = (unsigned long)stmt_int(s, 1);
	b->last_uid = (unsigned long)stmt_int(s, 2);
	b->last_poll_at = (time_t)stmt_int(s, 3);
	b->last_ok_at = (time_t)stmt_int(s, 4);
	b->error_since = (time_t)stmt_int(s, 6);
	b->logged = stmt_int(s, 7);
	b->duplicates = stmt_int(s, 8);
	b->unmatched = stmt_int(s, 9);
	b->internal = stmt_int(s, 10);
	b->automatic = stmt_int(s, 11);
	b->skipped = stmt_int(s, 12);
	if (stmt_dup(s, 0, &b->name) == -1 || stmt_dup(s, 5, &b->last_error) == -1) {
		store_mailbox_clear(b);
		return -1;
	}
	return 0;
}

int
store_mailbox_get(struct store *st, const char *name, struct store_mailbox *out,
    char *err, size_t errlen)
{
	static const char sql[] = "SELECT " MAILBOX_COLS " FROM mailboxes WHERE name = ?";
	struct stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_text(s, 1, name);
	rc = stmt_step(s);
	if (rc == STMT_ROW) {
		rc = mailbox_row(s, out);
		stmt_reset(s);
		if (rc == -1) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		return 0;
	}
	stmt_reset(s);
	if (rc != STMT_DONE)
		return store_fail(st, err, errlen, "reading mailbox state");
	if ((out->name = strdup(name)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 1;
}

int
store_mailbox_list(struct store *st, struct store_mailbox **v, size_t *n, char *err,
    size_t errlen)
{
	static const char sql[] = "SELECT " MAILBOX_COLS " FROM mailboxes ORDER BY name";
	struct store_mailbox *a = NULL, *na;
	struct stmt *s;
	size_t k = 0;
	int rc;

	*v = NULL;
	*n = 0;
	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	while ((rc = stmt_step(s)) == STMT_ROW) {
		if ((na = realloc(a, (k + 1) * sizeof(*a))) == NULL ||
		    mailbox_row(s, &na[k]) == -1) {
			if (na != NULL)
				a = na;
			rc = (-100);
			break;
		}
		a = na;
		k++;
	}
	stmt_reset(s);
	if (rc != STMT_DONE) {
		for (size_t i = 0; i < k; i++)
			store_mailbox_clear(&a[i]);
		free(a);
		return rc == (-100) ? (snprintf(err, errlen, "out of memory"), -1) :
		    store_fail(st, err, errlen, "listing mailboxes");
	}
	*v = a;
	*n = k;
	return 0;
}

static int
ensure_mailbox(struct store *st, const char *name, char *err, size_t errlen)
{
	static const char sql[] =
	    "INSERT INTO mailboxes (name) VALUES (?) ON CONFLICT DO NOTHING";
	struct stmt *s;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_text(s, 1, name);
	return stmt_done(st, s, err, errlen, "recording mailbox");
}

int
store_mailbox_set_uid(struct store *st, const char *name, unsigned long uidvalidity,
    unsigned long last_uid, char *err, size_t errlen)
{
	static const char sql[] =
	    "UPDATE mailboxes SET uidvalidity = ?, last_uid = ? WHERE name = ?";
	struct stmt *s;

	if (ensure_mailbox(st, name, err, errlen) == -1 ||
	    (s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, (long long)uidvalidity);
	stmt_bind_int(s, 2, (long long)last_uid);
	stmt_bind_text(s, 3, name);
	return stmt_done(st, s, err, errlen, "recording mailbox position");
}

int
store_mailbox_count(struct store *st, const char *name, const struct store_mailbox *d,
    char *err, size_t errlen)
{
	static const char sql[] =
	    "UPDATE mailboxes SET logged = logged + ?, duplicates = duplicates + ?,"
	    " unmatched = unmatched + ?, internal = internal + ?, automatic = automatic + ?,"
	    " skipped = skipped + ? WHERE name = ?";
	struct stmt *s;

	if (ensure_mailbox(st, name, err, errlen) == -1 ||
	    (s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, d->logged);
	stmt_bind_int(s, 2, d->duplicates);
	stmt_bind_int(s, 3, d->unmatched);
	stmt_bind_int(s, 4, d->internal);
	stmt_bind_int(s, 5, d->automatic);
	stmt_bind_int(s, 6, d->skipped);
	stmt_bind_text(s, 7, name);
	return stmt_done(st, s, err, errlen, "counting mail");
}

int
store_mailbox_polled(struct store *st, const char *name, time_t now, const char *error,
    char *err, size_t errlen)
{
	static const char ok[] =
	    "UPDATE mailboxes SET last_poll_at = ?1, last_ok_at = ?1, last_error = NULL,"
	    " error_since = NULL WHERE name = ?2";
	/* (error is not NULL here: "=" says what SQLite's "IS" did, and
	 * PostgreSQL knows no "IS" before a value) */
	static const char bad[] =
	    "UPDATE mailboxes SET last_poll_at = ?1,"
	    " error_since = CASE WHEN last_error = ?3 THEN error_since ELSE ?1 END,"
	    " last_error = ?3 WHERE name = ?2";
	struct stmt *s;

	if (ensure_mailbox(st, name, err, errlen) == -1 ||
	    (s = stmt_get(st, error == NULL ? ok : bad, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, now);
	stmt_bind_text(s, 2, name);
	if (error != NULL)
		stmt_bind_text(s, 3, error);
	return stmt_done(st, s, err, errlen, "recording mailbox poll");
}

int
store_mail_seen(struct store *st, const char *message_id, int *seen, char *err, size_t errlen)
{
	static const char sql[] = "SELECT 1 FROM mail_messages WHERE message_id = ?";
	struct stmt *s;
	int rc;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_text(s, 1, message_id);
	rc = stmt_step(s);
	stmt_reset(s);
	if (rc != STMT_ROW && rc != STMT_DONE)
		return store_fail(st, err, errlen, "looking up a Message-ID");
	*seen = rc == STMT_ROW;
	return 0;
}

/* The mail_messages row of t, made if missing. */
static int
message_row(struct store *st, const struct store_mail_touch *t, long long *id,
    char *err, size_t errlen)
{
	static const char ins[] =
	    "INSERT INTO mail_messages (message_id, mailbox, seen_at, outgoing,"
	    " answers_outbox_id) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";
	static const char sel[] = "SELECT id FROM mail_messages WHERE message_id = ?";
	struct stmt *s;

	if ((s = stmt_get(st, ins, err, errlen)) == NULL)
		return -1;
	stmt_bind_text(s, 1, t->message_id);
	stmt_bind_opt(s, 2, t->mailbox);
	stmt_bind_int(s, 3, t->now);
	stmt_bind_int(s, 4, t->outgoing ? 1 : 0);
	if (t->answers > 0)
		stmt_bind_int(s, 5, t->answers);
	if (stmt_done(st, s, err, errlen, "recording mail") == -1)
		return -1;
	if ((s = stmt_get(st, sel, err, errlen)) == NULL)
		return -1;
	stmt_bind_text(s, 1, t->message_id);
	return stmt_one_int(st, s, id, "recording mail", err, errlen);
}

int
store_mail_log(struct store *st, const struct store_mail_touch *t, long long *interaction,
    char *err, size_t errlen)
{
	static const char link[] =
	    "INSERT INTO mail_touches (message_id, client_id, interaction_id)"
	    " VALUES (?, ?, ?) ON CONFLICT DO NOTHING";
	struct stmt *s;
	struct touch tt;
	long long msg, by = t->by_owner, iid;

	if (by <= 0) {
		int rc = store_client_owner(st, t->client, &by, err, errlen);

		if (rc == -1)
			return -1;
		if (rc == 1)
			by = 0;
	}
	memset(&tt, 0, sizeof(tt));
	tt.client = t->client;
	tt.kind = "email";
	tt.at = t->at;
	tt.outcome = "done";
	tt.note = t->note;
	tt.by_owner = by;
	tt.direction = t->outgoing ? "out" : "in";
	if (message_row(st, t, &msg, err, errlen) == -1 ||
	    store_touch_add(st, &tt, &iid, err, errlen) == -1 ||
	    (s = stmt_get(st, link, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, msg);
	stmt_bind_int(s, 2, t->client);
	stmt_bind_int(s, 3, iid);
	if (stmt_done(st, s, err, errlen, "linking mail to its touch") == -1)
		return -1;
	if (interaction != NULL)
		*interaction = iid;
	return 0;
}

static int
client_rows(struct store *st, struct stmt *s, store_mail_contact_fn fn, void *arg,
    char *err, size_t errlen, const char *what)
{
	int rc;

	while ((rc = stmt_step(s)) == STMT_ROW) {
		const char *email = stmt_text(s, 1);

		if (fn(stmt_int(s, 0), email != NULL ? email : "", arg) != 0) {
			rc = STMT_DONE;
			break;
		}
	}
	stmt_reset(s);
	return rc == STMT_DONE ? 0 : store_fail(st, err, errlen, what);
}

int
store_mail_contacts(struct store *st, const char *exact, const char *lo, const char *hi,
    store_mail_contact_fn fn, void *arg, char *err, size_t errlen)
{
	/* Both arms use contacts_email (email COLLATE NOCASE). */
	static const char sql[] =
	    "SELECT client_id, email FROM contacts WHERE email = ?1 COLLATE NOCASE"
	    " UNION ALL"
	    " SELECT client_id, email FROM contacts"
	    " WHERE email >= ?2 COLLATE NOCASE AND email < ?3 COLLATE NOCASE";
	struct stmt *s;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_text(s, 1, exact);
	stmt_bind_text(s, 2, lo);
	stmt_bind_text(s, 3, hi);
	return client_rows(st, s, fn, arg, err, errlen, "matching an address");
}

int
store_mail_domain_clients(struct store *st, const char *domain, store_mail_contact_fn fn,
    void *arg, char *err, size_t errlen)
{
	/* SQLite's LIKE ignores ASCII case; PostgreSQL's ILIKE does so. */
	static const char *const sql[STORE_ENGINE_COUNT] = STORE_SQL_BY_ENGINE(
	    "SELECT DISTINCT client_id, '' FROM contacts WHERE email LIKE ?1 ESCAPE '\\'",
	    "SELECT DISTINCT client_id, '' FROM contacts WHERE email ILIKE ?1 ESCAPE '\\'");
	struct buf pat = BUF_INIT;
	struct stmt *s;
	int rc;

	buf_puts(&pat, "%@");
	for (const char *p = domain; *p != '\0'; p++) {
		if (*p == '%' || *p == '_' || *p == '\\')
			buf_putc(&pat, '\\');
		buf_putc(&pat, *p);
	}
	if (pat.failed || (s = stmt_get(st, store_sql(st, sql), err, errlen)) == NULL) {
		if (pat.failed)
			snprintf(err, errlen, "out of memory");
		buf_free(&pat);
		return -1;
	}
	stmt_bind_text(s, 1, pat.data);
	rc = client_rows(st, s, fn, arg, err, errlen, "matching a domain");
	buf_free(&pat);
	return rc;
}

int
store_mail_followup(struct store *st, const char *message_id, long long *outbox,
    long long *client, char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT id, coalesce(client_id, 0) FROM outbox WHERE message_id = ?"
	    " AND kind = 'followup' LIMIT 1";
	struct buf id = BUF_INIT;
	struct stmt *s;
	int rc;

	buf_printf(&id, "<%s>", message_id);
	if (id.failed || (s = stmt_get(st, sql, err, errlen)) == NULL) {
		if (id.failed)
			snprintf(err, errlen, "out of memory");
		buf_free(&id);
		return -1;
	}
	stmt_bind_text(s, 1, id.data);
	rc = stmt_step(s);
	if (rc == STMT_ROW) {
		*outbox = stmt_int(s, 0);
		*client = stmt_int(s, 1);
	}
	stmt_reset(s);
	buf_free(&id);
	if (rc == STMT_ROW)
		return 0;
	return rc == STMT_DONE ? 1 : store_fail(st, err, errlen, "looking up a follow-up");
}

int
store_mail_followup_answered(struct store *st, long long client, int *answered,
    char *err, size_t errlen)
{
	/* The answer's touch to this client, for the newest follow-up. */
	static const char answer[] =
	    "SELECT i.at, i.id FROM mail_messages m"
	    " JOIN mail_touches t ON t.message_id = m.id AND t.client_id = ?1"
	    " JOIN interactions i ON i.id = t.interaction_id"
	    " WHERE m.answers_outbox_id = (SELECT max(id) FROM outbox"
	    "   WHERE client_id = ?1 AND kind = 'followup')"
	    " ORDER BY i.at, i.id LIMIT 1";
	/* A later touch of ours ("out"): the salesperson answered. */
	static const char later[] =
	    "SELECT 1 FROM interactions i WHERE i.client_id = ?1"
	    " AND (i.at > ?2 OR (i.at = ?2 AND i.id > ?3)) AND i.direction = 'out'"
	    " LIMIT 1";
	struct stmt *s;
	long long at, iid;
	int rc;

	*answered = 0;
	if ((s = stmt_get(st, answer, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, client);
	rc = stmt_step(s);
	at = rc == STMT_ROW ? stmt_int(s, 0) : 0;
	iid = rc == STMT_ROW ? stmt_int(s, 1) : 0;
	stmt_reset(s);
	if (rc == STMT_DONE)
		return 0;
	if (rc != STMT_ROW)
		return store_fail(st, err, errlen, "looking up answers");
	if ((s = stmt_get(st, later, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, client);
	stmt_bind_int(s, 2, at);
	stmt_bind_int(s, 3, iid);
	rc = stmt_step(s);
	stmt_reset(s);
	if (rc != STMT_ROW && rc != STMT_DONE)
		return store_fail(st, err, errlen, "looking up answers");
	*answered = rc == STMT_DONE;
	return 0;
}
