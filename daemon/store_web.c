/*
 * store_web.c - what the web page and the digest's action links read and
 * record beyond the portfolio functions they share with the CLI: the
 * actions already taken (idempotency keys), the one-line facts a
 * confirmation page shows about a client, an activity or an invoice, and
 * a salesperson's client search; on a database server, the key of the
 * action links that its daemons share.
 * Writes SQL through store_engine.h only; knows no HTTP.
 */
#include "build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "nls.h"
#include "store_engine.h"

/* Actions older than this are forgotten (links live 14 days by default). */
#define WEB_ACTIONS_KEEP	(120LL * CLOCK_DAY)

/* Two keys (not one bigint: the scheduler's locks) for the advisory lock
 * that orders daemons creating the key's table at the same moment. */
#define WEB_KEY_LOCK	"SELECT pg_advisory_xact_lock(1667330676, 1)"

int
store_web_key(struct store *st, const char *fresh, char **key, int *created,
    char *err, size_t errlen)
{
	/* Not part of the portfolio's schema (copy leaves it, as the
	 * schema version): made by the first daemon that needs it. */
	static const char ddl[] = WEB_KEY_LOCK "; CREATE TABLE IF NOT EXISTS cartera_web_key"
	    " (id integer PRIMARY KEY CHECK (id = 1), key text NOT NULL)";
	static const char ins[] =
	    "INSERT INTO cartera_web_key (id, key) VALUES (1, ?) ON CONFLICT DO NOTHING";
	static const char sel[] = "SELECT key FROM cartera_web_key WHERE id = 1";
	struct stmt *s;
	int rc;

	*key = NULL;
	*created = 0;
	if (st->ops->kind != STORE_ENGINE_PG) {
		snprintf(err, errlen, "%s: the link key of a %s database is a file", st->path,
		    st->ops->name);
		return -1;
	}
	if (store_begin(st, err, errlen) == -1)
		return -1;
	if (st->ops->exec(st->eng, ddl, err, errlen) == -1)
		goto fail;
	if ((s = stmt_get(st, ins, err, errlen)) == NULL)
		goto fail;
	stmt_bind_text(s, 1, fresh);
	rc = stmt_step(s);
	*created = rc == STMT_DONE && stmt_changes(st) == 1;
	stmt_reset(s);
	if (rc != STMT_DONE) {
		store_fail(st, err, errlen, "keeping the link key");
		goto fail;
	}
	if ((s = stmt_get(st, sel, err, errlen)) == NULL)
		goto fail;
	rc = stmt_step(s);
	if (rc == STMT_ROW && stmt_dup(s, 0, key) == -1)
		rc = STMT_ERROR;
	stmt_reset(s);
	if (rc != STMT_ROW) {
		store_fail(st, err, errlen, "reading the link key");
		goto fail;
	}
	if (store_commit(st, err, errlen) == -1)
		goto fail;
	return 0;
fail:
	store_rollback(st);
	if (*key != NULL) {
		explicit_bzero(*key, strlen(*key));
		free(*key);
		*key = NULL;
	}
	*created = 0;
	return -1;
}

int
store_web_action_get(struct store *st, const char *id, time_t *at, char **what,
    char *err, size_t errlen)
{
	static const char sql[] = "SELECT at, what FROM web_actions WHERE id = ?";
	struct stmt *s;
	int rc;

	*what = NULL;
	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_text(s, 1, id);
	rc = stmt_step(s);
	if (rc == STMT_ROW) {
		*at = stmt_int(s, 0);
		if (stmt_dup(s, 1, what) == -1)
			rc = STMT_ERROR;
	}
	stmt_reset(s);
	if (rc == STMT_ROW)
		return 0;
	if (rc == STMT_DONE)
		return 1;
	free(*what);
	*what = NULL;
	return store_fail(st, err, errlen, "reading web actions");
}

int
store_web_action_put(struct store *st, const char *id, long long owner, time_t at,
    const char *what, char *err, size_t errlen)
{
	static const char ins[] =
	    "INSERT INTO web_actions (id, owner_id, at, what) VALUES (?, ?, ?, ?)"
	    " ON CONFLICT DO NOTHING";
	static const char old[] = "DELETE FROM web_actions WHERE at < ?";
	struct stmt *s;

	if ((s = stmt_get(st, ins, err, errlen)) == NULL)
		return -1;
	stmt_bind_text(s, 1, id);
	if (owner > 0)
		stmt_bind_int(s, 2, owner);
	stmt_bind_int(s, 3, at);
	stmt_bind_text(s, 4, what);
	if (stmt_done(st, s, err, errlen, "recording a web action") == -1)
		return -1;
	if (stmt_changes(st) == 0)
		return 1;
	if ((s = stmt_get(st, old, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, (long long)at - WEB_ACTIONS_KEEP);
	return stmt_done(st, s, err, errlen, "forgetting old web actions");
}

void
store_web_client_clear(struct store_web_client *c)
{
	if (c == NULL)
		return;
	free(c->name);
	free(c->status);
	free(c->tz);
	memset(c, 0, sizeof(*c));
}

int
store_web_client(struct store *st, long long id, struct store_web_client *out,
    char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT c.owner_id, c.name, c.status, o.tz FROM clients c"
	    " LEFT JOIN owners o ON o.id = c.owner_id WHERE c.id = ?";
	struct stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, id);
	rc = stmt_step(s);
	if (rc == STMT_ROW) {
		out->id = id;
		out->owner_id = stmt_int(s, 0);
		if (stmt_dup(s, 1, &out->name) == -1 || stmt_dup(s, 2, &out->status) == -1 ||
		    stmt_dup(s, 3, &out->tz) == -1)
			rc = STMT_ERROR;
	}
	stmt_reset(s);
	if (rc == STMT_ROW)
		return 0;
	store_web_client_clear(out);
	if (rc == STMT_DONE)
		return 1;
	return store_fail(st, err, errlen, "reading client");
}

void
store_web_activity_clear(struct store_web_activity *a)
{
	if (a == NULL)
		return;
	free(a->kind);
	free(a->status);
	free(a->tz);
	free(a->day);
	free(a->client_name);
	memset(a, 0, sizeof(*a));
}

int
store_web_activity(struct store *st, long long id, struct store_web_activity *out,
    char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT a.client_id, c.owner_id, a.kind, a.status, a.start_at, a.duration_min,"
	    " coalesce(a.tz, o.tz), a.day, c.name FROM activities a"
	    " JOIN clients c ON c.id = a.client_id LEFT JOIN owners o ON o.id = a.owner_id"
	    " WHERE a.id = ?";
	struct stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, id);
	rc = stmt_step(s);
	if (rc == STMT_ROW) {
		out->id = id;
		out->client_id = stmt_int(s, 0);
		out->owner_id = stmt_int(s, 1);
		out->start = stmt_int(s, 4);
		out->duration = (int)stmt_int(s, 5);
		if (stmt_dup(s, 2, &out->kind) == -1 || stmt_dup(s, 3, &out->status) == -1 ||
		    stmt_dup(s, 6, &out->tz) == -1 || stmt_dup(s, 7, &out->day) == -1 ||
		    stmt_dup(s, 8, &out->client_name) == -1)
			rc = STMT_ERROR;
	}
	stmt_reset(s);
	if (rc == STMT_ROW)
		return 0;
	store_web_activity_clear(out);
	if (rc == STMT_DONE)
		return 1;
	return store_fail(st, err, errlen, "reading activity");
}

void
store_web_invoice_clear(struct store_web_invoice *i)
{
	if (i == NULL)
		return;
	free(i->number);
	free(i->currency);
	free(i->due);
	free(i->paid);
	free(i->client_name);
	memset(i, 0, sizeof(*i));
}

int
store_web_invoice(struct store *st, long long id, struct store_web_invoice *out,
    char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT i.client_id, c.owner_id, i.number, i.amount_cents, i.currency, i.due,"
	    " i.paid_at, c.name FROM invoices i JOIN clients c ON c.id = i.client_id"
	    " WHERE i.id = ?";
	struct stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, id);
	rc = stmt_step(s);
	if (rc == STMT_ROW) {
		out->id = id;
		out->client_id = stmt_int(s, 0);
		out->owner_id = stmt_int(s, 1);
		out->cents = stmt_int(s, 3);
		if (stmt_dup(s, 2, &out->number) == -1 || stmt_dup(s, 4, &out->currency) == -1 ||
		    stmt_dup(s, 5, &out->due) == -1 || stmt_dup(s, 6, &out->paid) == -1 ||
		    stmt_dup(s, 7, &out->client_name) == -1)
			rc = STMT_ERROR;
	}
	stmt_reset(s);
	if (rc == STMT_ROW)
		return 0;
	store_web_invoice_clear(out);
	if (rc == STMT_DONE)
		return 1;
	return store_fail(st, err, errlen, "reading invoice");
}

int
store_web_search(struct store *st, long long owner, const char *q, long limit,
    store_row_fn fn, void *arg, char *err, size_t errlen)
{
	/* The inner query reads the key indexes only (names, cities, contacts). */
	static const char sql[] =
	    "SELECT c.id, c.name, c.city, c.status, p.name AS contact, p.phone, p.email"
	    " FROM clients c LEFT JOIN contacts p ON p.client_id = c.id AND p.is_primary = 1"
	    " WHERE c.owner_id = ?1 AND c.id IN ("
	    "  SELECT id FROM clients WHERE instr(search_name, ?2) > 0"
	    "  UNION SELECT id FROM clients WHERE instr(search_city, ?2) > 0"
	    "  UNION SELECT client_id FROM contacts WHERE instr(search_name, ?2) > 0)"
	    " ORDER BY c.name COLLATE NOCASE, c.id LIMIT ?3";
	struct stmt *s;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, owner);
	if (stmt_bind_key(s, 2, q) == -1) {
		stmt_reset(s);
		snprintf(err, errlen, _("out of memory"));
		return -1;
	}
	stmt_bind_int(s, 3, limit > 0 ? limit : -1);
	return stmt_rows(st, s, fn, arg, err, errlen);
}
