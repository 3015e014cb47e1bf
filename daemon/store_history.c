/*
 * store_history.c - what happened with each client: the interaction
 * list, planned activities, invoices, NPS responses and costs (touches
 * themselves are written by store_followup.c).  Derived client columns
 * (last touch, purchase rhythm) follow from the schema's triggers
 * (store_schema.c), not from code here.
 * Writes SQL through store_engine.h only; knows no engine and no mail.
 */
#include "build.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "nls.h"
#include "record.h"
#include "store_engine.h"

/* ---- interactions -------------------------------------------------- */

int
store_interaction_list(struct store *st, long long client, long limit, store_row_fn fn,
    void *arg, char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT i.id, i.kind, i.at, co.tz, i.outcome, i.note, o.email AS by_owner,"
	    " i.direction"
	    " FROM interactions i LEFT JOIN owners o ON o.id = i.by_owner_id"
	    " JOIN clients c ON c.id = i.client_id"
	    " LEFT JOIN owners co ON co.id = c.owner_id"
	    " WHERE i.client_id = ? ORDER BY i.at DESC, i.id DESC LIMIT ?";
	struct stmt *s;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, client);
	stmt_bind_int(s, 2, limit > 0 ? limit : STORE_NO_LIMIT);
	return stmt_rows(st, s, fn, arg, err, errlen);
}

int
store_interaction_client(struct store *st, long long id, long long *client, char *err,
    size_t errlen)
{
	static const char sql[] = "SELECT client_id FROM interactions WHERE id = ?";

	return int_by_id(st, sql, id, client, N_("touch"), err, errlen) == -1 ? -1 : 0;
}

int
store_interaction_update(struct store *st, long long id, const struct interaction_edit *e,
    char *err, size_t errlen)
{
	static const char sql[] =
	    "UPDATE interactions SET kind = coalesce(?1, kind), at = coalesce(?2, at),"
	    " outcome = coalesce(?3, outcome),"
	    " note = CASE WHEN ?4 IS NULL THEN note ELSE nullif(?4, '') END,"
	    " by_owner_id = coalesce(?5, by_owner_id) WHERE id = ?6";
	struct stmt *s;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_text(s, 1, e->kind);
	if (e->has_at)
		stmt_bind_int(s, 2, e->at);
	stmt_bind_text(s, 3, e->outcome);
	stmt_bind_text(s, 4, e->note);
	if (e->by > 0)
		stmt_bind_int(s, 5, e->by);
	stmt_bind_int(s, 6, id);
	if (stmt_done(st, s, err, errlen, "changing touch") == -1)
		return -1;
	return stmt_changes(st) > 0 ? 0 : store_no_such(st, err, errlen, N_("touch"), id);
}

int
store_interaction_delete(struct store *st, long long id, char *err, size_t errlen)
{
	static const char sql[] = "DELETE FROM interactions WHERE id = ?";
	struct stmt *s;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, id);
	if (stmt_done(st, s, err, errlen, "deleting touch") == -1)
		return -1;
	return stmt_changes(st) > 0 ? 0 : store_no_such(st, err, errlen, N_("touch"), id);
}

/* ---- activities ---------------------------------------------------- */

int
store_activity_add(struct store *st, long long client, long long owner, const char *kind,
    time_t start, const char *tz, int duration, const char *location, const char *note,
    long long *id, char *err, size_t errlen)
{
	static const char sql[] =
	    "INSERT INTO activities (uid, client_id, owner_id, kind, start_at, tz,"
	    " duration_min, location, note, created_at, last_modified)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
	struct stmt *s;
	char tok[40], uid[64];
	time_t now = clock_now();

	if (store_token(tok, sizeof(tok)) == -1) {
		snprintf(err, errlen, _("cannot get random bytes: %s"), strerror(errno));
		return -1;
	}
	/* Stable for the life of the activity; never derived from mutable data. */
	snprintf(uid, sizeof(uid), "%s@cartera", tok);
	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_text(s, 1, uid);
	stmt_bind_int(s, 2, client);
	stmt_bind_int(s, 3, owner);
	stmt_bind_text(s, 4, kind);
	stmt_bind_int(s, 5, start);
	stmt_bind_text(s, 6, tz);
	stmt_bind_int(s, 7, duration > 0 ? duration : 30);
	stmt_bind_opt(s, 8, location);
	stmt_bind_opt(s, 9, note);
	stmt_bind_int(s, 10, now);
	stmt_bind_int(s, 11, now);
	return stmt_insert(st, s, id, err, errlen, "planning activity");
}

static int
activity_changed(struct store *st, long long id, char *err, size_t errlen)
{
	if (stmt_changes(st) == 0) {
		store_no_such(st, err, errlen, N_("activity"), id);
		return -1;
	}
	return 0;
}

int
store_activity_set_status(struct store *st, long long id, const char *status,
    char *err, size_t errlen)
{
	/* LAST-MODIFIED must move even when two changes share a second. */
	static const char sql[] =
	    "UPDATE activities SET status = ?1, sequence = sequence + 1,"
	    " last_modified = max(?2, last_modified + 1) WHERE id = ?3 AND status <> ?1";
	static const char exists[] = "SELECT status FROM activities WHERE id = ?";
	struct stmt *s;
	int rc;

	/* Done is a contact, whoever says it: the same path as the CLI's. */
	if (strcmp(status, "done") == 0)
		return store_activity_done(st, id, NULL, NULL, err, errlen) == -1 ? -1 : 0;
	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_text(s, 1, status);
	stmt_bind_int(s, 2, clock_now());
	stmt_bind_int(s, 3, id);
	if (stmt_done(st, s, err, errlen, "updating activity") == -1)
		return -1;
	if (stmt_changes(st) > 0)
		return 0;
	if ((s = stmt_get(st, exists, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, id);
	rc = stmt_step(s);
	stmt_reset(s);
	if (rc == STMT_ROW)
		return 0;	/* already in that state: nothing to bump */
	store_no_such(st, err, errlen, N_("activity"), id);
	return -1;
}

int
store_activity_move(struct store *st, long long id, time_t start, const char *tz,
    char *err, size_t errlen)
{
	static const char sql[] =
	    "UPDATE activities SET start_at = ?1, tz = coalesce(?2, tz),"
	    " duration_min = CASE WHEN day IS NULL THEN duration_min ELSE 30 END, day = NULL,"
	    " status = CASE status WHEN 'cancelled' THEN 'planned' ELSE status END,"
	    " sequence = sequence + 1, last_modified = max(?3, last_modified + 1)"
	    " WHERE id = ?4";
	struct stmt *s;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, start);
	stmt_bind_opt(s, 2, tz);
	stmt_bind_int(s, 3, clock_now());
	stmt_bind_int(s, 4, id);
	if (stmt_done(st, s, err, errlen, "moving activity") == -1)
		return -1;
	return activity_changed(st, id, err, errlen);
}

int
store_activity_list(struct store *st, const struct activity_filter *f, store_row_fn fn,
    void *arg, char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT a.id, a.kind, a.start_at, o.tz, a.duration_min,"
	    " c.id AS client_id, c.name AS client, o.email AS owner, a.location,"
	    " a.note, a.status, a.sequence, a.uid, a.day, a.tz AS event_tz"
	    " FROM activities a JOIN clients c ON c.id = a.client_id"
	    " JOIN owners o ON o.id = a.owner_id"
	    " WHERE (?1 IS NULL OR o.email = ?1) AND (?2 = 0 OR a.client_id = ?2)"
	    " AND (?3 = 0 OR a.start_at >= ?3) AND (?4 = 0 OR a.start_at < ?4)"
	    " AND (?5 IS NULL OR a.status = ?5)"
	    " ORDER BY a.start_at, a.id";
	struct stmt *s;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_opt(s, 1, f->owner);
	stmt_bind_int(s, 2, f->client);
	stmt_bind_int(s, 3, f->from);
	stmt_bind_int(s, 4, f->to);
	stmt_bind_opt(s, 5, f->status);
	return stmt_rows(st, s, fn, arg, err, errlen);
}

int
store_activity_tz(struct store *st, long long id, char **tz, char *err, size_t errlen)
{
	static const char sql[] = "SELECT tz FROM activities WHERE id = ?";

	return text_by_id(st, sql, id, tz, N_("activity"), err, errlen);
}

/* ---- invoices, NPS, costs ------------------------------------------ */

int
store_invoice_add(struct store *st, long long client, long long cents, const char *currency,
    const char *issued, const char *due, const char *number, long long *id,
    char *err, size_t errlen)
{
	static const char sql[] =
	    "INSERT INTO invoices (client_id, number, amount_cents, currency, issued, due,"
	    " created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id";
	struct stmt *s;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, client);
	stmt_bind_opt(s, 2, number);
	stmt_bind_int(s, 3, cents);
	stmt_bind_text(s, 4, currency ? currency : "EUR");
	stmt_bind_text(s, 5, issued);
	stmt_bind_text(s, 6, due);
	stmt_bind_int(s, 7, clock_now());
	return stmt_insert(st, s, id, err, errlen, "adding invoice");
}

int
store_invoice_client(struct store *st, long long id, long long *client, char *err,
    size_t errlen)
{
	static const char sql[] = "SELECT client_id FROM invoices WHERE id = ?";

	return int_by_id(st, sql, id, client, N_("invoice"), err, errlen) == -1 ? -1 : 0;
}

int
store_invoice_paid(struct store *st, long long id, const char *day, char *err, size_t errlen)
{
	static const char sql[] = "UPDATE invoices SET paid_at = ? WHERE id = ?";
	struct stmt *s;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_text(s, 1, day);
	stmt_bind_int(s, 2, id);
	if (stmt_done(st, s, err, errlen, "marking invoice paid") == -1)
		return -1;
	if (stmt_changes(st) == 0) {
		store_no_such(st, err, errlen, N_("invoice"), id);
		return -1;
	}
	return 0;
}

int
store_invoice_update(struct store *st, long long id, const struct invoice_edit *e,
    char *err, size_t errlen)
{
	static const char sql[] =
	    "UPDATE invoices SET client_id = coalesce(?1, client_id),"
	    " amount_cents = coalesce(?2, amount_cents), currency = coalesce(?3, currency),"
	    " issued = coalesce(?4, issued), due = coalesce(?5, due),"
	    " number = CASE WHEN ?6 IS NULL THEN number ELSE nullif(?6, '') END,"
	    " paid_at = CASE WHEN ?7 IS NULL THEN paid_at ELSE nullif(?7, '') END"
	    " WHERE id = ?8";
	static const char dates[] = "SELECT issued, due FROM invoices WHERE id = ?";
	struct stmt *s;
	int rc;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	if (e->client > 0)
		stmt_bind_int(s, 1, e->client);
	if (e->has_cents)
		stmt_bind_int(s, 2, e->cents);
	stmt_bind_opt(s, 3, e->currency);
	stmt_bind_opt(s, 4, e->issued);
	stmt_bind_opt(s, 5, e->due);
	stmt_bind_text(s, 6, e->number);
	stmt_bind_text(s, 7, e->paid);
	stmt_bind_int(s, 8, id);
	if (stmt_done(st, s, err, errlen, "changing invoice") == -1)
		return -1;
	if (stmt_changes(st) == 0)
		return store_no_such(st, err, errlen, N_("invoice"), id);
	/* The dates as they are now, whichever of them changed. */
	if ((s = stmt_get(st, dates, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, id);
	rc = stmt_step(s);
	if (rc == STMT_ROW && strcmp(stmt_text(s, 1), stmt_text(s, 0)) < 0) {
		snprintf(err, errlen, _("invoice %lld: the due date %s is before the issue "
		    "date %s"), id, stmt_text(s, 1), stmt_text(s, 0));
		stmt_reset(s);
		return -1;
	}
	stmt_reset(s);
	return rc == STMT_ROW ? 0 : store_fail(st, err, errlen, "reading invoice");
}

int
store_invoice_delete(struct store *st, long long id, char *err, size_t errlen)
{
	static const char sql[] = "DELETE FROM invoices WHERE id = ?";
	struct stmt *s;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, id);
	if (stmt_done(st, s, err, errlen, "deleting invoice") == -1)
		return -1;
	return stmt_changes(st) > 0 ? 0 : store_no_such(st, err, errlen, N_("invoice"), id);
}

int
store_invoice_list(struct store *st, long long client, int unpaid_only, store_row_fn fn,
    void *arg, char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT i.id, c.name AS client, i.number, i.amount_cents, i.currency,"
	    " i.issued, i.due, i.paid_at"
	    " FROM invoices i JOIN clients c ON c.id = i.client_id"
	    " WHERE (?1 = 0 OR i.client_id = ?1) AND (?2 = 0 OR i.paid_at IS NULL)"
	    " ORDER BY i.issued, i.id";
	struct stmt *s;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, client);
	stmt_bind_int(s, 2, unpaid_only != 0);
	return stmt_rows(st, s, fn, arg, err, errlen);
}

int
store_nps_add(struct store *st, long long client, int score, const char *day,
    char *err, size_t errlen)
{
	static const char sql[] = "INSERT INTO nps (client_id, score, at) VALUES (?, ?, ?)";
	struct stmt *s;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, client);
	stmt_bind_int(s, 2, score);
	stmt_bind_text(s, 3, day);
	return stmt_done(st, s, err, errlen, "recording NPS response");
}

int
store_cost_add(struct store *st, const char *month, const char *kind, long long cents,
    long long client, const char *note, char *err, size_t errlen)
{
	static const char sql[] =
	    "INSERT INTO costs (month, kind, amount_cents, client_id, note) VALUES (?, ?, ?, ?, ?)";
	struct stmt *s;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_text(s, 1, month);
	stmt_bind_text(s, 2, kind ? kind : "marketing");
	stmt_bind_int(s, 3, cents);
	if (client > 0)
		stmt_bind_int(s, 4, client);
	stmt_bind_opt(s, 5, note);
	return stmt_done(st, s, err, errlen, "recording cost");
}

int
store_nps_list(struct store *st, long long client, store_row_fn fn, void *arg,
    char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT n.id, n.client_id, c.name AS client, n.score, n.at AS date"
	    " FROM nps n JOIN clients c ON c.id = n.client_id"
	    " WHERE (?1 = 0 OR n.client_id = ?1) ORDER BY n.at, n.id";
	struct stmt *s;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, client);
	return stmt_rows(st, s, fn, arg, err, errlen);
}

int
store_nps_delete(struct store *st, long long id, char *err, size_t errlen)
{
	static const char sql[] = "DELETE FROM nps WHERE id = ?";
	struct stmt *s;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, id);
	if (stmt_done(st, s, err, errlen, "deleting NPS response") == -1)
		return -1;
	return stmt_changes(st) > 0 ? 0 : store_no_such(st, err, errlen, N_("NPS response"), id);
}

int
store_cost_list(struct store *st, const char *month, store_row_fn fn, void *arg,
    char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT k.id, k.month, k.kind, k.amount_cents, k.client_id, c.name AS client,"
	    " k.note FROM costs k LEFT JOIN clients c ON c.id = k.client_id"
	    " WHERE (?1 IS NULL OR k.month = ?1) ORDER BY k.month, k.id";
	struct stmt *s;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_opt(s, 1, month);
	return stmt_rows(st, s, fn, arg, err, errlen);
}

int
store_cost_delete(struct store *st, long long id, char *err, size_t errlen)
{
	static const char sql[] = "DELETE FROM costs WHERE id = ?";
	struct stmt *s;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, id);
	if (stmt_done(st, s, err, errlen, "deleting cost") == -1)
		return -1;
	return stmt_changes(st) > 0 ? 0 : store_no_such(st, err, errlen, N_("cost"), id);
}
