/*
 * store_scan.c - the store's reads for the scan: each owner's clients in
 * one range of the clients_scan index, unpaid invoices by client, planned
 * activities, segments, and the few details of the clients a digest shows.
 *
 * Set-based: one statement per list, rows handed to a callback as typed
 * structs (valid during the call only); never a query per client, not even
 * for the few a digest shows (their ids go to one statement as a JSON
 * array).  Part of the store module, written to the engine interface
 * (store_engine.h); reads only.
 */
#include "build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "store_engine.h"


/* Step s, handing each row to row(); stop at the first non-zero return. */
static int
each(struct store *st, struct stmt *s, int (*row)(struct stmt *, void *), void *arg,
    const char *what, char *err, size_t errlen)
{
	int rc, stop = 0;

	while ((rc = stmt_step(s)) == STMT_ROW)
		if ((stop = row(s, arg)) != 0)
			break;
	stmt_reset(s);
	if (stop != 0) {
		if (err[0] == '\0')
			snprintf(err, errlen, "%s: stopped", what);
		return -1;
	}
	if (rc != STMT_DONE)
		return store_fail(st, err, errlen, what);
	return 0;
}

/* ---- segments ---------------------------------------------------------- */

struct seg_ctx {
	store_segment_fn fn;
	void		*arg;
};

static int
seg_row(struct stmt *s, void *arg)
{
	struct seg_ctx *k = arg;

	return k->fn(stmt_int(s, 0), stmt_text(s, 1), stmt_int(s, 2), k->arg);
}

int
store_segment_each(struct store *st, store_segment_fn fn, void *arg, char *err,
    size_t errlen)
{
	static const char sql[] = "SELECT id, name, cadence_days FROM segments ORDER BY id";
	struct seg_ctx k = { fn, arg };
	struct stmt *s;

	err[0] = '\0';
	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	return each(st, s, seg_row, &k, "reading segments", err, errlen);
}

/* ---- clients ----------------------------------------------------------- */

struct client_ctx {
	store_scan_client_fn fn;
	void		*arg;
};

static int
client_row(struct stmt *s, void *arg)
{
	struct client_ctx *k = arg;
	struct store_scan_client c;

	/* A column costs a call into SQLite, a million of each at a million
	 * clients: those the scan does not look at are left unread. */
	memset(&c, 0, sizeof(c));
	c.id = stmt_int(s, 0);
	c.status = stmt_text(s, 1);
	if (c.status != NULL && strcmp(c.status, "lost") == 0)
		return k->fn(&c, k->arg);
	c.segment_id = stmt_int(s, 2);
	c.cadence_days = (int)stmt_int(s, 3);
	c.next_contact = stmt_text(s, 4);
	c.last_touch_at = stmt_int(s, 5);
	c.last_outcome = stmt_text(s, 6);
	c.purchases = (int)stmt_int(s, 7);
	c.last_purchase = stmt_text(s, 8);
	c.median_interval = stmt_double(s, 9);
	if (c.last_touch_at == 0)
		c.created_at = stmt_int(s, 10);
	return k->fn(&c, k->arg);
}

int
store_scan_clients(struct store *st, long long owner, store_scan_client_fn fn, void *arg,
    char *err, size_t errlen)
{
	/* Exactly the columns of the clients_scan index: one range, no table reads. */
	static const char sql[] =
	    "SELECT id, status, segment_id, cadence_days, next_contact, last_touch_at,"
	    " last_outcome, purchases, last_purchase, median_interval, created_at"
	    " FROM clients WHERE owner_id = ?";
	struct client_ctx k = { fn, arg };
	struct stmt *s;

	err[0] = '\0';
	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, owner);
	return each(st, s, client_row, &k, "reading clients", err, errlen);
}

struct mark_ctx {
	store_scan_mark_fn fn;
	void		*arg;
	enum { MARK_SNOOZED, MARK_REPLIED, MARK_ORDERS } what;
};

static int
mark_row(struct stmt *s, void *arg)
{
	struct mark_ctx *k = arg;

	return k->fn(stmt_int(s, 0), k->what == MARK_SNOOZED,
	    k->what == MARK_REPLIED ? stmt_int(s, 1) : 0,
	    k->what == MARK_ORDERS ? stmt_text(s, 1) : NULL, k->arg);
}

int
store_scan_marks(struct store *st, long long owner, store_scan_mark_fn fn, void *arg,
    char *err, size_t errlen)
{
	/* Each from its partial index: only the clients it concerns. */
	static const char snoozed[] =
	    "SELECT id FROM clients WHERE owner_id = ?1 AND next_contact_by = 'snooze'";
	static const char replied[] =
	    "SELECT id, replied_at FROM clients WHERE owner_id = ?1 AND replied_at IS NOT NULL";
	static const char orders[] =
	    "SELECT id, orders FROM clients WHERE owner_id = ?1 AND orders IS NOT NULL";
	struct mark_ctx k = { fn, arg, MARK_SNOOZED };
	struct stmt *s;

	err[0] = '\0';
	if ((s = stmt_get(st, snoozed, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, owner);
	if (each(st, s, mark_row, &k, "reading snoozed clients", err, errlen) == -1)
		return -1;
	k.what = MARK_REPLIED;
	if ((s = stmt_get(st, replied, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, owner);
	if (each(st, s, mark_row, &k, "reading clients that answered", err, errlen) == -1)
		return -1;
	k.what = MARK_ORDERS;
	if ((s = stmt_get(st, orders, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, owner);
	return each(st, s, mark_row, &k, "reading how clients order", err, errlen);
}

/* ---- unpaid invoices --------------------------------------------------- */

struct unpaid_ctx {
	store_unpaid_fn	 fn;
	void		*arg;
};

static int
unpaid_row(struct stmt *s, void *arg)
{
	struct unpaid_ctx *k = arg;
	struct store_unpaid u;

	u.client_id = stmt_int(s, 0);
	u.id = stmt_int(s, 1);
	u.cents = stmt_int(s, 2);
	u.currency = stmt_text(s, 3);
	u.due = stmt_text(s, 4);
	u.number = stmt_text(s, 5);
	return k->fn(&u, k->arg);
}

int
store_unpaid_each(struct store *st, long long owner, const char *before, store_unpaid_fn fn,
    void *arg, char *err, size_t errlen)
{
	/* Everyone's: one range of the unpaid invoices by due day (SQLite is
	 * told which index; PostgreSQL plans its own). */
	static const char *const all_sql[STORE_ENGINE_COUNT] = STORE_SQL_BY_ENGINE(
	    "SELECT client_id, id, amount_cents, currency, due, number"
	    " FROM invoices INDEXED BY invoices_unpaid"
	    " WHERE paid_at IS NULL AND due < ?1",
	    "SELECT client_id, id, amount_cents, currency, due, number"
	    " FROM invoices WHERE paid_at IS NULL AND due < ?1");
	static const char owner_sql[] =
	    "SELECT i.client_id, i.id, i.amount_cents, i.currency, i.due, i.number"
	    " FROM invoices i JOIN clients c ON c.id = i.client_id"
	    " WHERE i.paid_at IS NULL AND i.due < ?1 AND c.owner_id = ?2";
	struct unpaid_ctx k = { fn, arg };
	struct stmt *s;

	err[0] = '\0';
	if ((s = stmt_get(st, owner > 0 ? owner_sql : store_sql(st, all_sql), err, errlen)) == NULL)
		return -1;
	stmt_bind_text(s, 1, before);
	if (owner > 0)
		stmt_bind_int(s, 2, owner);
	return each(st, s, unpaid_row, &k, "reading overdue invoices", err, errlen);
}

int
store_unpaid_range(struct store *st, long long id_from, long long id_to, const char *before,
    store_unpaid_fn fn, void *arg, char *err, size_t errlen)
{
	static const char *const sql[STORE_ENGINE_COUNT] = STORE_SQL_BY_ENGINE(
	    "SELECT client_id, id, amount_cents, currency, due, number"
	    " FROM invoices INDEXED BY invoices_unpaid"
	    " WHERE paid_at IS NULL AND due < ?1 AND client_id >= ?2 AND client_id < ?3",
	    "SELECT client_id, id, amount_cents, currency, due, number"
	    " FROM invoices WHERE paid_at IS NULL AND due < ?1 AND client_id >= ?2"
	    " AND client_id < ?3");
	struct unpaid_ctx k = { fn, arg };
	struct stmt *s;

	err[0] = '\0';
	if ((s = stmt_get(st, store_sql(st, sql), err, errlen)) == NULL)
		return -1;
	stmt_bind_text(s, 1, before);
	stmt_bind_int(s, 2, id_from);
	stmt_bind_int(s, 3, id_to);
	return each(st, s, unpaid_row, &k, "reading overdue invoices", err, errlen);
}

/* ---- planned activities ------------------------------------------------ */

struct planned_ctx {
	store_planned_fn fn;
	void		*arg;
};

static int
planned_row(struct stmt *s, void *arg)
{
	struct planned_ctx *k = arg;
	struct store_planned p;

	p.id = stmt_int(s, 0);
	p.client_id = stmt_int(s, 1);
	p.kind = stmt_text(s, 2);
	p.start = stmt_int(s, 3);
	p.duration = stmt_int(s, 4);
	p.day = stmt_text(s, 5);
	return k->fn(&p, k->arg);
}

int
store_planned_each(struct store *st, long long owner, store_planned_fn fn, void *arg,
    char *err, size_t errlen)
{
	/* No join: most of these only tell a client's next step; the few
	 * shown get their details from store_activity_brief(). */
	static const char sql[] =
	    "SELECT id, client_id, kind, start_at, duration_min, day FROM activities"
	    " WHERE owner_id = ?1 AND status = 'planned' ORDER BY start_at, id";
	struct planned_ctx k = { fn, arg };
	struct stmt *s;

	err[0] = '\0';
	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, owner);
	return each(st, s, planned_row, &k, "reading planned activities", err, errlen);
}

/* ---- details of a client shown ----------------------------------------- */

void
store_client_brief_clear(struct store_client_brief *b)
{
	free(b->name);
	free(b->status);
	free(b->segment);
	free(b->contact);
	free(b->phone);
	free(b->email);
	free(b->last_touch_kind);
	free(b->last_outcome);
	free(b->city);
	free(b->reply_note);
	memset(b, 0, sizeof(*b));
}

/*
 * A list of ids as rows j(i, id) (i: the position in the list, from 0),
 * from ?1, the ids as a JSON array: one statement reads the details of
 * them all.
 */
#define SQLITE_IDS	"(SELECT key AS i, value AS id FROM json_each(?1)) j"
#define PG_IDS		"(SELECT ord - 1 AS i, value::bigint AS id FROM" \
			" json_array_elements_text(?1::json) WITH ORDINALITY AS e(value, ord)) j"

/* "[1,2,3]": the ids for SQLITE_IDS / PG_IDS. */
static char *
id_array(const long long *ids, size_t n)
{
	struct buf b = BUF_INIT;

	buf_putc(&b, '[');
	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "%s%lld", i ? "," : "", ids[i]);
	buf_putc(&b, ']');
	return buf_steal(&b);
}

/*
 * Run sql (its ?1 the ids as a JSON array, its first column the index in
 * it) and hand each row to fill(out, i, s).  One statement for the lot:
 * the cursors stay open from one id to the next.
 */
static int
by_ids(struct store *st, const char *sql, const long long *ids, size_t n,
    int (*fill)(void *, size_t, struct stmt *), void *out, const char *what, char *err,
    size_t errlen)
{
	struct stmt *s;
	char *json;
	int rc, oom = 0;

	if (n == 0)
		return 0;
	if ((json = id_array(ids, n)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((s = stmt_get(st, sql, err, errlen)) == NULL) {
		free(json);
		return -1;
	}
	stmt_bind_text(s, 1, json);
	free(json);
	while ((rc = stmt_step(s)) == STMT_ROW) {
		long long i = stmt_int(s, 0);

		if (i >= 0 && (size_t)i < n && fill(out, (size_t)i, s) == -1) {
			oom = 1;
			break;
		}
	}
	stmt_reset(s);
	if (oom) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (rc != STMT_DONE)
		return store_fail(st, err, errlen, what);
	return 0;
}

static int
client_fill(void *out, size_t i, struct stmt *s)
{
	struct store_client_brief *b = &((struct store_client_brief *)out)[i];

	if (stmt_dup(s, 1, &b->name) == -1 || stmt_dup(s, 2, &b->status) == -1 ||
	    stmt_dup(s, 3, &b->segment) == -1 || stmt_dup(s, 4, &b->contact) == -1 ||
	    stmt_dup(s, 5, &b->phone) == -1 || stmt_dup(s, 6, &b->email) == -1 ||
	    stmt_dup(s, 7, &b->last_touch_kind) == -1 ||
	    stmt_dup(s, 8, &b->last_outcome) == -1 || stmt_dup(s, 9, &b->city) == -1 ||
	    stmt_dup(s, 10, &b->reply_note) == -1)
		return -1;
	return 0;
}

int
store_client_briefs(struct store *st, const long long *ids, size_t n,
    struct store_client_brief *out, char *err, size_t errlen)
{
/* SQLite is told to read the ids first (CROSS JOIN); PostgreSQL has no
 * CROSS JOIN ... ON and plans the join itself. */
#define CLIENT_BRIEF(ids, join) \
	    "SELECT j.i, c.name, c.status, s.name, p.name, p.phone, p.email," \
	    " c.last_touch_kind, c.last_outcome, c.city," \
	    " CASE WHEN c.replied_at IS NOT NULL THEN (SELECT i.note FROM interactions i" \
	    "  WHERE i.client_id = c.id AND i.direction = 'in' AND i.at >= c.replied_at" \
	    "  ORDER BY i.at, i.id LIMIT 1) END" \
	    " FROM " ids " " join " clients c ON c.id = j.id" \
	    " LEFT JOIN segments s ON s.id = c.segment_id" \
	    " LEFT JOIN contacts p ON p.client_id = c.id AND p.is_primary = 1"
	static const char *const sql[STORE_ENGINE_COUNT] = STORE_SQL_BY_ENGINE(
	    CLIENT_BRIEF(SQLITE_IDS, "CROSS JOIN"), CLIENT_BRIEF(PG_IDS, "JOIN"));
#undef CLIENT_BRIEF

	if (n == 0)
		return 0;
	memset(out, 0, n * sizeof(*out));
	if (by_ids(st, store_sql(st, sql), ids, n, client_fill, out, "reading client details", err,
	    errlen) == -1) {
		for (size_t i = 0; i < n; i++)
			store_client_brief_clear(&out[i]);
		return -1;
	}
	return 0;
}

void
store_activity_brief_clear(struct store_activity_brief *b)
{
	free(b->tz);
	free(b->location);
	free(b->note);
	free(b->client_name);
	free(b->contact);
	free(b->phone);
	memset(b, 0, sizeof(*b));
}

static int
activity_fill(void *out, size_t i, struct stmt *s)
{
	struct store_activity_brief *b = &((struct store_activity_brief *)out)[i];

	if (stmt_dup(s, 1, &b->tz) == -1 || stmt_dup(s, 2, &b->location) == -1 ||
	    stmt_dup(s, 3, &b->note) == -1 || stmt_dup(s, 4, &b->client_name) == -1 ||
	    stmt_dup(s, 5, &b->contact) == -1 || stmt_dup(s, 6, &b->phone) == -1)
		return -1;
	return 0;
}

int
store_activity_briefs(struct store *st, const long long *ids, size_t n,
    struct store_activity_brief *out, char *err, size_t errlen)
{
#define ACTIVITY_BRIEF(ids, join) \
	    "SELECT j.i, a.tz, a.location, a.note, c.name, p.name, p.phone" \
	    " FROM " ids " " join " activities a ON a.id = j.id" \
	    " JOIN clients c ON c.id = a.client_id" \
	    " LEFT JOIN contacts p ON p.client_id = c.id AND p.is_primary = 1"
	static const char *const sql[STORE_ENGINE_COUNT] = STORE_SQL_BY_ENGINE(
	    ACTIVITY_BRIEF(SQLITE_IDS, "CROSS JOIN"), ACTIVITY_BRIEF(PG_IDS, "JOIN"));
#undef ACTIVITY_BRIEF

	if (n == 0)
		return 0;
	memset(out, 0, n * sizeof(*out));
	if (by_ids(st, store_sql(st, sql), ids, n, activity_fill, out, "reading activity details", err,
	    errlen) == -1) {
		for (size_t i = 0; i < n; i++)
			store_activity_brief_clear(&out[i]);
		return -1;
	}
	return 0;
}
