/*
 * store_report.c - the store's queries for reports, goals, products and
 * the client card: a client's history as of a day (read for the whole
 * portfolio with a few ordered queries merged by client, never a query
 * per client), money per client, goals and their actuals, products and
 * invoice lines.
 *
 * Part of the store module (store.h): it stores and queries, with bound
 * parameters only; it decides nothing (the rules are in lifecycle.c,
 * risk.c, goal.c and report.c) and knows no mail, HTTP or command line.
 */
#include "build.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "nls.h"
#include "store_engine.h"

/* Status words as static strings (column text dies with the next step). */
static const char *
status_word(const char *s)
{
	static const char *const words[] = { "active", "potential", "inactive", "lost" };

	for (size_t i = 0; s != NULL && i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(s, words[i]) == 0)
			return words[i];
	return NULL;
}

static long
col_day(struct stmt *s, int col)
{
	const char *t = stmt_text(s, col);
	long d;

	return t != NULL && clock_date_parse(t, &d) == 0 ? d : -1;
}

/* ---- a client's history as of a day ---------------------------------- */

/* One ordered query: the client its current row is about. */
struct cursor {
	struct stmt	*s;
	long long	 id;		/* LLONG_MAX past the end; 0 = not started */
};

static int
cur_step(struct store *st, struct cursor *c, char *err, size_t errlen)
{
	int rc = stmt_step(c->s);

	if (rc == STMT_ROW) {
		c->id = stmt_int(c->s, 0);
		return 0;
	}
	c->id = LLONG_MAX;
	return rc == STMT_DONE ? 0 : store_fail(st, err, errlen, "reading history");
}

/* Skip rows of clients before id (none exist: foreign keys). */
static int
cur_seek(struct store *st, struct cursor *c, long long id, char *err, size_t errlen)
{
	while (c->s != NULL && c->id < id)
		if (cur_step(st, c, err, errlen) == -1)
			return -1;
	return 0;
}

static void
bind_t(struct stmt *s, int idx, const char *v)
{
	stmt_bind_text(s, idx, v);
}

/*
 * Each query in three forms, every client, one (?5) or one owner's (?6),
 * sharing parameters:
 * ?1 the day (text), ?2 the instant, ?3 the currency, ?4 since when
 * "no-answer" touches count, ?5 the client, ?6 the owner, ?7 the start of
 * the day, ?8 and ?9 a range of client ids (the fourth form).
 */
#define ONE(w)	" AND client_id = ?5 " w
#define OWNED(w) " AND client_id IN (SELECT id FROM clients WHERE owner_id = ?6) " w
#define RANGE(w) " AND client_id >= ?8 AND client_id < ?9 " w
/* The same, on a column no index may serve (unary plus, on both
 * engines): for an arm that another index narrows far better. */
#define OWNED_SCAN(w) " AND +client_id IN (SELECT id FROM clients WHERE owner_id = ?6) " w
#define RANGE_SCAN(w) " AND +client_id >= ?8 AND +client_id < ?9 " w
#define HIST_CLIENTS \
	"SELECT c.id, coalesce(c.owner_id, 0), c.created_at, c.status," \
	" c.first_purchase, c.last_purchase FROM clients c"
/* The status each client was added with: its first row of the log (read
 * in order beside the clients, not looked up for each). */
#define HIST_INITIAL(one) \
	"SELECT client_id, new_status FROM client_status_log WHERE old_status IS NULL" one \
	" ORDER BY client_id, at, id"
/* Invoices in the order of the index that holds them; hist_fill adds up
 * each day's (SQLite's GROUP BY copied every group's key). */
#define HIST_PURCHASES(one) \
	"SELECT client_id, issued, CASE WHEN currency = ?3 THEN amount_cents ELSE 0 END" \
	" FROM invoices WHERE issued <= ?1" one " ORDER BY client_id, issued"
#define HIST_TOUCHES(one) \
	"SELECT client_id, min(at), max(at), 0 FROM interactions WHERE at < ?2" one \
	" GROUP BY client_id ORDER BY client_id"
#define HIST_NO_ANSWER(one) \
	"SELECT client_id, min(at), max(at)," \
	" sum(CASE WHEN outcome = 'no-answer' AND at >= ?4 THEN 1 ELSE 0 END)" \
	" FROM interactions WHERE at < ?2" one " GROUP BY client_id ORDER BY client_id"
/* The no-answer count alone: a range of the last days' touches. */
#define HIST_NO_ANSWER_ONLY(one) \
	"SELECT client_id, 0, 0, count(*) FROM interactions WHERE outcome = 'no-answer'" \
	" AND at >= ?4 AND at < ?2" one " GROUP BY client_id ORDER BY client_id"
#define HIST_CHANGES(one) \
	"SELECT client_id, at, old_status, new_status FROM client_status_log" \
	" WHERE old_status IS NOT NULL AND at < ?2" one " ORDER BY client_id, at, id"
#define HIST_NPS(one) \
	"SELECT client_id, at, score FROM nps WHERE at <= ?1" one " ORDER BY client_id, at, id"
/* Unpaid on the day: those still unpaid and those paid after it (two
 * ranges of partial indexes, not every invoice).  The second arm's
 * clients (paid): by an owner or a range of ids, SQLite preferred the
 * client index, reading every invoice's row for its paid_at (1 s for
 * half of 1M clients against 0.06 s through invoices_paid). */
#define HIST_OVERDUE(one, paid) \
	"SELECT client_id, count(*), sum(amount_cents), min(due) FROM (" \
	" SELECT client_id, amount_cents, due FROM invoices WHERE paid_at IS NULL" \
	" AND issued <= ?1 AND due < ?1 AND currency = ?3" one \
	" UNION ALL SELECT client_id, amount_cents, due FROM invoices WHERE paid_at > ?1" \
	" AND issued <= ?1 AND due < ?1 AND currency = ?3" paid \
	") AS u GROUP BY client_id ORDER BY client_id"
#define HIST_MISSED(one) \
	"SELECT client_id, count(*) FROM activities WHERE status = 'planned'" \
	" AND ((day IS NULL AND start_at < ?7) OR day < ?1)" one \
	" GROUP BY client_id ORDER BY client_id"

enum { C_INIT, C_PUR, C_TOUCH, C_CHANGE, C_NPS, C_OVERDUE, C_MISSED, NCUR };

struct hist_buf {
	long		*days;
	long long	*cents;
	size_t		 ndays, capdays;
	struct store_status_change *ch;
	size_t		 nch, capch;
};

static int
hist_grow(struct hist_buf *b, int changes, char *err, size_t errlen)
{
	if (changes) {
		size_t cap = b->capch ? b->capch * 2 : 8;
		struct store_status_change *n = reallocarray(b->ch, cap, sizeof(*n));
		if (n == NULL)
			goto nomem;
		b->ch = n;
		b->capch = cap;
	} else {
		size_t cap = b->capdays ? b->capdays * 2 : 64;
		long *d = reallocarray(b->days, cap, sizeof(*d));
		long long *c;
		if (d == NULL)
			goto nomem;
		b->days = d;
		if ((c = reallocarray(b->cents, cap, sizeof(*c))) == NULL)
			goto nomem;
		b->cents = c;
		b->capdays = cap;
	}
	return 0;
nomem:
	snprintf(err, errlen, _("out of memory"));
	return -1;
}

/* Fill h's parts for client id from the cursors (rows of that client). */
static int
hist_fill(struct store *st, struct cursor *cur, long long id, struct store_history *h,
    struct hist_buf *b, char *err, size_t errlen)
{
	struct cursor *c;
	int first;

	for (int k = 0; k < NCUR; k++)
		if (cur_seek(st, &cur[k], id, err, errlen) == -1)
			return -1;
	for (c = &cur[C_INIT], first = 1; c->s != NULL && c->id == id; first = 0) {
		if (first)		/* the oldest row */
			h->initial = status_word(stmt_text(c->s, 1));
		if (cur_step(st, c, err, errlen) == -1)
			return -1;
	}
	if (h->initial == NULL)
		h->initial = h->status;
	for (c = &cur[C_PUR], b->ndays = 0; c->s != NULL && c->id == id;) {
		long d = col_day(c->s, 1);

		if (d >= 0 && b->ndays > 0 && b->days[b->ndays - 1] == d)
			b->cents[b->ndays - 1] += stmt_int(c->s, 2);
		else if (d >= 0) {
			if (b->ndays == b->capdays && hist_grow(b, 0, err, errlen) == -1)
				return -1;
			b->days[b->ndays] = d;
			b->cents[b->ndays++] = stmt_int(c->s, 2);
		}
		if (cur_step(st, c, err, errlen) == -1)
			return -1;
	}
	h->days = b->days;
	h->cents = b->cents;
	h->ndays = b->ndays;
	if ((c = &cur[C_TOUCH])->s != NULL && c->id == id) {
		h->first_touch = (time_t)stmt_int(c->s, 1);
		h->last_touch = (time_t)stmt_int(c->s, 2);
		h->no_answer = stmt_int(c->s, 3);
		if (cur_step(st, c, err, errlen) == -1)
			return -1;
	}
	for (c = &cur[C_CHANGE], b->nch = 0; c->s != NULL && c->id == id;) {
		if (b->nch == b->capch && hist_grow(b, 1, err, errlen) == -1)
			return -1;
		b->ch[b->nch].at = (time_t)stmt_int(c->s, 1);
		b->ch[b->nch].old_status = status_word(stmt_text(c->s, 2));
		b->ch[b->nch].new_status = status_word(stmt_text(c->s, 3));
		if (b->ch[b->nch].new_status != NULL)
			b->nch++;
		if (cur_step(st, c, err, errlen) == -1)
			return -1;
	}
	h->changes = b->ch;
	h->nchanges = b->nch;
	for (c = &cur[C_NPS]; c->s != NULL && c->id == id;) {
		h->nps = stmt_int(c->s, 2);	/* the last row is the latest */
		h->nps_day = col_day(c->s, 1);
		if (cur_step(st, c, err, errlen) == -1)
			return -1;
	}
	if ((c = &cur[C_OVERDUE])->s != NULL && c->id == id) {
		h->overdue = stmt_int(c->s, 1);
		h->overdue_cents = stmt_int(c->s, 2);
		h->oldest_due = col_day(c->s, 3);
		if (cur_step(st, c, err, errlen) == -1)
			return -1;
	}
	if ((c = &cur[C_MISSED])->s != NULL && c->id == id) {
		h->missed = stmt_int(c->s, 1);
		if (cur_step(st, c, err, errlen) == -1)
			return -1;
	}
	return 0;
}

int
store_history(struct store *st, const struct store_history_query *q, store_history_fn fn,
    void *arg, char *err, size_t errlen)
{
	static const char *const all[NCUR + 1] = {
		HIST_CLIENTS " ORDER BY c.id", HIST_INITIAL(""), HIST_PURCHASES(""),
		HIST_TOUCHES(""), HIST_CHANGES(""), HIST_NPS(""), HIST_OVERDUE("", ""),
		HIST_MISSED(""),
	};
	static const char *const one[NCUR + 1] = {
		HIST_CLIENTS " WHERE c.id = ?5", HIST_INITIAL(ONE("")), HIST_PURCHASES(ONE("")),
		HIST_TOUCHES(ONE("")), HIST_CHANGES(ONE("")), HIST_NPS(ONE("")),
		HIST_OVERDUE(ONE(""), ONE("")), HIST_MISSED(ONE("")),
	};
	static const char *const owned[NCUR + 1] = {
		HIST_CLIENTS " WHERE c.owner_id = ?6 ORDER BY c.id", HIST_INITIAL(OWNED("")),
		HIST_PURCHASES(OWNED("")), HIST_TOUCHES(OWNED("")), HIST_CHANGES(OWNED("")),
		HIST_NPS(OWNED("")), HIST_OVERDUE(OWNED(""), OWNED_SCAN("")), HIST_MISSED(OWNED("")),
	};
	static const char *const range[NCUR + 1] = {
		HIST_CLIENTS " WHERE c.id >= ?8 AND c.id < ?9 ORDER BY c.id",
		HIST_INITIAL(RANGE("")), HIST_PURCHASES(RANGE("")), HIST_TOUCHES(RANGE("")),
		HIST_CHANGES(RANGE("")), HIST_NPS(RANGE("")), HIST_OVERDUE(RANGE(""), RANGE_SCAN("")),
		HIST_MISSED(RANGE("")),
	};
	static const char *const no_answer[4] = {
		HIST_NO_ANSWER(""), HIST_NO_ANSWER(ONE("")), HIST_NO_ANSWER(OWNED("")),
		HIST_NO_ANSWER(RANGE(""))
	};
	static const char *const no_answer_only[4] = {
		HIST_NO_ANSWER_ONLY(""), HIST_NO_ANSWER_ONLY(ONE("")),
		HIST_NO_ANSWER_ONLY(OWNED("")), HIST_NO_ANSWER_ONLY(RANGE(""))
	};
	/* What asks for each cursor (0: always read). */
	static const unsigned bits[NCUR] = { 0, STORE_H_PURCHASES, STORE_H_TOUCHES,
		STORE_H_CHANGES, STORE_H_NPS, STORE_H_OVERDUE, STORE_H_MISSED };
#define P(n)	(1u << (n))
	/* The parameters each query names besides the client or the owner. */
	static const unsigned uses[NCUR + 1] = { 0, 0, P(1) | P(3), P(2), P(2), P(1),
		P(1) | P(3), P(1) | P(7) };
	unsigned used;
	int form = q->client > 0 ? 1 : q->owner > 0 ? 2 : q->id_to > 0 ? 3 : 0;
	const char *const *sqls = form == 1 ? one : form == 2 ? owned : form == 3 ? range : all;
	struct cursor clients = { 0 }, cur[NCUR];
	struct hist_buf b = { 0 };
	char day[11];
	int rc = -1;

	memset(cur, 0, sizeof(cur));
	clock_date_format(q->day, day, sizeof(day));
	for (int k = -1; k < NCUR; k++) {
		struct cursor *c = k < 0 ? &clients : &cur[k];
		const char *sql = sqls[k + 1];

		if (k >= 0 && bits[k] != 0 && !(q->want & bits[k]) &&
		    !(k == C_TOUCH && (q->want & STORE_H_NO_ANSWER)))
			continue;
		if (k == C_TOUCH && (q->want & STORE_H_NO_ANSWER))
			sql = (q->want & STORE_H_TOUCHES) ? no_answer[form] : no_answer_only[form];
		if ((c->s = stmt_get(st, sql, err, errlen)) == NULL)
			goto out;
		/* Each statement gets the parameters it names, no others. */
		used = uses[k + 1] | (form == 1 ? P(5) : form == 2 ? P(6) :
		    form == 3 ? P(8) | P(9) : 0);
		if (k == C_TOUCH && (q->want & STORE_H_NO_ANSWER))
			used |= P(4);
		if (used & P(1))
			stmt_bind_text(c->s, 1, day);
		if (used & P(2))
			stmt_bind_int(c->s, 2, (long long)q->until);
		if (used & P(3))
			stmt_bind_text(c->s, 3, q->currency != NULL ? q->currency : "EUR");
		if (used & P(4))
			stmt_bind_int(c->s, 4, (long long)q->no_answer_since);
		if (used & P(5))
			stmt_bind_int(c->s, 5, q->client);
		if (used & P(6))
			stmt_bind_int(c->s, 6, q->owner);
		if (used & P(7))
			stmt_bind_int(c->s, 7, (long long)q->day_start);
		if (used & P(8))
			stmt_bind_int(c->s, 8, q->id_from);
		if (used & P(9))
			stmt_bind_int(c->s, 9, q->id_to);
		if (k >= 0 && cur_step(st, c, err, errlen) == -1)
			goto out;
	}
	for (;;) {
		struct store_history h;
		int r = stmt_step(clients.s);

		if (r == STMT_DONE)
			break;
		if (r != STMT_ROW) {
			store_fail(st, err, errlen, "reading clients");
			goto out;
		}
		memset(&h, 0, sizeof(h));
		h.id = stmt_int(clients.s, 0);
		h.owner_id = stmt_int(clients.s, 1);
		h.created_at = (time_t)stmt_int(clients.s, 2);
		h.status = status_word(stmt_text(clients.s, 3));
		h.first_day = col_day(clients.s, 4);
		h.last_day = col_day(clients.s, 5);
		h.nps = -1;
		h.nps_day = -1;
		h.oldest_due = -1;
		if (hist_fill(st, cur, h.id, &h, &b, err, errlen) == -1)
			goto out;
		if (fn(&h, arg) != 0)
			break;
	}
	rc = 0;
out:
	if (clients.s != NULL)
		stmt_reset(clients.s);
	for (int k = 0; k < NCUR; k++)
		if (cur[k].s != NULL)
			stmt_reset(cur[k].s);
	free(b.days);
	free(b.cents);
	free(b.ch);
	return rc;
}

/* ---- the client card ------------------------------------------------- */

int
store_rhythms(struct store *st, long since, double **out, size_t *n, char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT median_interval FROM clients WHERE purchases >= 2 AND status <> 'lost'"
	    " AND last_purchase > ?1 AND median_interval IS NOT NULL";
	struct stmt *s;
	size_t cap = 0;
	char day[11];
	int rc;

	*out = NULL;
	*n = 0;
	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	clock_date_format(since, day, sizeof(day));
	bind_t(s, 1, day);
	while ((rc = stmt_step(s)) == STMT_ROW) {
		if (*n == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			double *v = reallocarray(*out, ncap, sizeof(*v));
			if (v == NULL) {
				stmt_reset(s);
				free(*out);
				*out = NULL;
				snprintf(err, errlen, _("out of memory"));
				return -1;
			}
			*out = v;
			cap = ncap;
		}
		(*out)[(*n)++] = stmt_double(s, 0);
	}
	stmt_reset(s);
	if (rc != STMT_DONE) {
		free(*out);
		*out = NULL;
		return store_fail(st, err, errlen, "reading purchase rhythms");
	}
	return 0;
}

int
store_client_money(struct store *st, long long client, long day, const char *currency,
    struct store_money *m, char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT"
	    " coalesce(sum(CASE WHEN currency = ?2 AND issued BETWEEN ?3 AND ?4"
	    "  THEN amount_cents END), 0),"
	    " coalesce(sum(CASE WHEN currency = ?2 AND issued BETWEEN ?5 AND ?6"
	    "  THEN amount_cents END), 0),"
	    " coalesce(sum(CASE WHEN currency = ?2 THEN amount_cents END), 0),"
	    " count(CASE WHEN currency = ?2 THEN 1 END),"
	    " count(DISTINCT issued), min(issued), max(issued),"
	    " coalesce(sum(CASE WHEN currency = ?2 AND paid_at IS NULL THEN amount_cents END), 0),"
	    " coalesce(sum(CASE WHEN currency = ?2 AND paid_at IS NULL AND due < ?4"
	    "  THEN amount_cents END), 0),"
	    " count(CASE WHEN currency = ?2 AND paid_at IS NULL AND due < ?4 THEN 1 END),"
	    " min(CASE WHEN currency = ?2 AND paid_at IS NULL AND due < ?4 THEN due END)"
	    " FROM invoices WHERE client_id = ?1";
	static const char last_sql[] =
	    "SELECT coalesce(sum(amount_cents), 0) FROM invoices"
	    " WHERE client_id = ?1 AND issued = ?2 AND currency = ?3";
	char d[11], y0[11], ly0[11], ly1[11], last[11];
	int y, mo, dd, rc;
	struct stmt *s;

	memset(m, 0, sizeof(m[0]));
	m->first_day = m->last_day = m->oldest_due = -1;
	clock_days_to_date(day, &y, &mo, &dd);
	clock_date_format(day, d, sizeof(d));
	clock_date_format(clock_date_to_days(y, 1, 1), y0, sizeof(y0));
	clock_date_format(clock_date_to_days(y - 1, 1, 1), ly0, sizeof(ly0));
	clock_date_format(clock_date_to_days(y - 1, 12, 31), ly1, sizeof(ly1));
	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, client);
	bind_t(s, 2, currency != NULL ? currency : "EUR");
	bind_t(s, 3, y0);
	bind_t(s, 4, d);
	bind_t(s, 5, ly0);
	bind_t(s, 6, ly1);
	if ((rc = stmt_step(s)) == STMT_ROW) {
		m->this_year = stmt_int(s, 0);
		m->last_year = stmt_int(s, 1);
		m->ever = stmt_int(s, 2);
		m->invoices = stmt_int(s, 3);
		m->purchase_days = stmt_int(s, 4);
		m->first_day = col_day(s, 5);
		m->last_day = col_day(s, 6);
		m->owed = stmt_int(s, 7);
		m->overdue = stmt_int(s, 8);
		m->overdue_invoices = stmt_int(s, 9);
		m->oldest_due = col_day(s, 10);
	}
	stmt_reset(s);
	if (rc != STMT_ROW)
		return store_fail(st, err, errlen, "reading invoices");
	if (m->last_day < 0)
		return 0;
	if ((s = stmt_get(st, last_sql, err, errlen)) == NULL)
		return -1;
	clock_date_format(m->last_day, last, sizeof(last));
	stmt_bind_int(s, 1, client);
	bind_t(s, 2, last);
	bind_t(s, 3, currency != NULL ? currency : "EUR");
	if ((rc = stmt_step(s)) == STMT_ROW)
		m->last_cents = stmt_int(s, 0);
	stmt_reset(s);
	return rc == STMT_ROW ? 0 : store_fail(st, err, errlen, "reading invoices");
}

int
store_client_terms(struct store *st, long long client, long *days, char *err, size_t errlen)
{
	static const char sql[] = "SELECT payment_days FROM clients WHERE id = ?1";
	struct stmt *s;
	int rc;

	*days = -1;
	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, client);
	rc = stmt_step(s);
	if (rc == STMT_ROW && !stmt_is_null(s, 0))
		*days = (long)stmt_int(s, 0);
	stmt_reset(s);
	if (rc == STMT_DONE) {
		snprintf(err, errlen, _("no client with id %lld"), client);
		return -1;
	}
	return rc == STMT_ROW ? 0 : store_fail(st, err, errlen, "reading client");
}

/* ---- goals ----------------------------------------------------------- */

int
store_team_id(struct store *st, const char *name, long long *id, int *all_owners,
    char *err, size_t errlen)
{
	static const char sql[] = "SELECT id, all_owners FROM teams WHERE name = ?1";
	struct stmt *s;
	int rc;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	bind_t(s, 1, name);
	if ((rc = stmt_step(s)) == STMT_ROW) {
		*id = stmt_int(s, 0);
		if (all_owners != NULL)
			*all_owners = stmt_int(s, 1);
	}
	stmt_reset(s);
	if (rc == STMT_ROW)
		return 0;
	return rc == STMT_DONE ? 1 : store_fail(st, err, errlen, "looking up team");
}

int
store_team_everyone(struct store *st, long long *id, char *err, size_t errlen)
{
	static const char sql[] = "SELECT id FROM teams WHERE all_owners = 1 ORDER BY id LIMIT 1";
	struct stmt *s;
	int rc;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	if ((rc = stmt_step(s)) == STMT_ROW)
		*id = stmt_int(s, 0);
	stmt_reset(s);
	if (rc == STMT_ROW)
		return 0;
	return rc == STMT_DONE ? 1 : store_fail(st, err, errlen, "looking up teams");
}

/* The owner (by email) or team (by name) a goal is for: exactly one. */
static int
goal_target(struct store *st, const char *owner, const char *team, long long *owner_id,
    long long *team_id, char *err, size_t errlen)
{
	static const char sql[] = "SELECT id FROM owners WHERE email = ?1";
	struct stmt *s;
	int rc;

	*owner_id = *team_id = 0;
	if ((owner == NULL) == (team == NULL)) {
		snprintf(err, errlen, _("a goal is for one salesperson or one team"));
		return -1;
	}
	if (team != NULL) {
		rc = store_team_id(st, team, team_id, NULL, err, errlen);
		if (rc == 1)
			snprintf(err, errlen, _("no team \"%s\" (add it with \"cartera team "
			    "add\")"), team);
		return rc == 0 ? 0 : -1;
	}
	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	bind_t(s, 1, owner);
	if ((rc = stmt_step(s)) == STMT_ROW)
		*owner_id = stmt_int(s, 0);
	stmt_reset(s);
	if (rc == STMT_ROW)
		return 0;
	if (rc == STMT_DONE) {
		snprintf(err, errlen, _("unknown owner %s (add it with \"cartera owner "
		    "add\")"), owner);
		return -1;
	}
	return store_fail(st, err, errlen, "looking up owner");
}

static void
bind_target(struct stmt *s, int idx, long long v)
{
	if (v >= 0)
		stmt_bind_int(s, idx, v);
	else
		stmt_bind_null(s, idx);
}

int
store_goal_set(struct store *st, const char *owner, const char *team, const char *month,
    const struct store_goal *g, char *err, size_t errlen)
{
	static const char by_owner[] =
	    "INSERT INTO goals (owner_id, team_id, month, revenue_cents, new_clients, visits,"
	    " calls, updated_at) VALUES (?1, NULL, ?2, ?3, ?4, ?5, ?6, ?7)"
	    " ON CONFLICT (owner_id, month) WHERE owner_id IS NOT NULL DO UPDATE SET"
	    " revenue_cents = coalesce(excluded.revenue_cents, goals.revenue_cents),"
	    " new_clients = coalesce(excluded.new_clients, goals.new_clients),"
	    " visits = coalesce(excluded.visits, goals.visits), calls = coalesce(excluded.calls, goals.calls),"
	    " updated_at = excluded.updated_at";
	static const char by_team[] =
	    "INSERT INTO goals (owner_id, team_id, month, revenue_cents, new_clients, visits,"
	    " calls, updated_at) VALUES (NULL, ?1, ?2, ?3, ?4, ?5, ?6, ?7)"
	    " ON CONFLICT (team_id, month) WHERE team_id IS NOT NULL DO UPDATE SET"
	    " revenue_cents = coalesce(excluded.revenue_cents, goals.revenue_cents),"
	    " new_clients = coalesce(excluded.new_clients, goals.new_clients),"
	    " visits = coalesce(excluded.visits, goals.visits), calls = coalesce(excluded.calls, goals.calls),"
	    " updated_at = excluded.updated_at";
	long long oid, tid;
	struct stmt *s;
	int rc;

	if (goal_target(st, owner, team, &oid, &tid, err, errlen) == -1)
		return -1;
	if ((s = stmt_get(st, oid ? by_owner : by_team, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, oid ? oid : tid);
	bind_t(s, 2, month);
	bind_target(s, 3, g->revenue_cents);
	bind_target(s, 4, g->new_clients);
	bind_target(s, 5, g->visits);
	bind_target(s, 6, g->calls);
	stmt_bind_int(s, 7, (long long)clock_now());
	rc = stmt_step(s);
	stmt_reset(s);
	return rc == STMT_DONE ? 0 : store_fail(st, err, errlen, "setting goal");
}

static long long
col_target(struct stmt *s, int col)
{
	return stmt_is_null(s, col) ? -1 : stmt_int(s, col);
}

int
store_goal_get(struct store *st, long long owner_id, long long team_id, const char *month,
    struct store_goal *g, char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT revenue_cents, new_clients, visits, calls FROM goals"
	    " WHERE (owner_id = ?1 OR team_id = ?2) AND month = ?3";
	struct stmt *s;
	int rc;

	g->revenue_cents = g->new_clients = g->visits = g->calls = -1;
	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, owner_id > 0 ? owner_id : -1);
	stmt_bind_int(s, 2, team_id > 0 ? team_id : -1);
	bind_t(s, 3, month);
	if ((rc = stmt_step(s)) == STMT_ROW) {
		g->revenue_cents = col_target(s, 0);
		g->new_clients = col_target(s, 1);
		g->visits = col_target(s, 2);
		g->calls = col_target(s, 3);
	}
	stmt_reset(s);
	if (rc == STMT_ROW)
		return 0;
	return rc == STMT_DONE ? 1 : store_fail(st, err, errlen, "reading goal");
}

int
store_goal_delete(struct store *st, const char *owner, const char *team, const char *month,
    char *err, size_t errlen)
{
	static const char sql[] =
	    "DELETE FROM goals WHERE (owner_id = ?1 OR team_id = ?2) AND month = ?3";
	long long oid, tid;
	struct stmt *s;
	int rc;

	if (goal_target(st, owner, team, &oid, &tid, err, errlen) == -1)
		return -1;
	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, oid ? oid : -1);
	stmt_bind_int(s, 2, tid ? tid : -1);
	bind_t(s, 3, month);
	rc = stmt_step(s);
	stmt_reset(s);
	if (rc != STMT_DONE)
		return store_fail(st, err, errlen, "deleting goal");
	return stmt_changes(st) > 0 ? 0 : 1;
}

int
store_goal_list(struct store *st, const char *month, store_row_fn fn, void *arg,
    char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT g.month, o.email AS owner, t.name AS team, g.revenue_cents, g.new_clients,"
	    " g.visits, g.calls FROM goals g LEFT JOIN owners o ON o.id = g.owner_id"
	    " LEFT JOIN teams t ON t.id = g.team_id WHERE (?1 IS NULL OR g.month = ?1)"
	    " ORDER BY g.month, g.team_id IS NOT NULL, o.email, t.name";
	struct stmt *s;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_opt(s, 1, month);
	return stmt_rows(st, s, fn, arg, err, errlen);
}

/*
 * Whose clients or touches count: the owner ?1, the members of team ?2
 * (everyone for a team of everyone), or everyone when both are 0.
 */
#define OWNER_IN(x) \
	" ((?1 = 0 AND ?2 = 0) OR " x " = ?1" \
	" OR EXISTS (SELECT 1 FROM teams t WHERE t.id = ?2 AND t.all_owners = 1)" \
	" OR " x " IN (SELECT id FROM owners WHERE team_id = ?2 AND ?2 <> 0))"

int
store_goal_actuals(struct store *st, long long owner_id, long long team_id, const char *from,
    const char *to, time_t from_at, time_t to_at, const char *currency,
    struct store_goal_actuals *a, char *err, size_t errlen)
{
	static const char revenue[] =
	    "SELECT coalesce(sum(i.amount_cents), 0) FROM invoices i"
	    " JOIN clients c ON c.id = i.client_id"
	    " WHERE i.issued BETWEEN ?3 AND ?4 AND i.currency = ?5 AND" OWNER_IN("c.owner_id");
	static const char new_clients[] =
	    "SELECT count(*) FROM clients c WHERE c.first_purchase BETWEEN ?3 AND ?4 AND"
	    OWNER_IN("c.owner_id");
	static const char touches[] =
	    "SELECT coalesce(sum(CASE WHEN i.kind = 'visit' THEN 1 ELSE 0 END), 0),"
	    " coalesce(sum(CASE WHEN i.kind = 'call' THEN 1 ELSE 0 END), 0)"
	    " FROM interactions i JOIN clients c ON c.id = i.client_id"
	    " WHERE i.at >= ?3 AND i.at < ?4 AND" OWNER_IN("coalesce(i.by_owner_id, c.owner_id)");
	const char *const sqls[] = { revenue, new_clients, touches };
	struct stmt *s;
	int rc;

	memset(a, 0, sizeof(*a));
	for (size_t k = 0; k < 3; k++) {
		if ((s = stmt_get(st, sqls[k], err, errlen)) == NULL)
			return -1;
		stmt_bind_int(s, 1, owner_id);
		stmt_bind_int(s, 2, team_id);
		if (k < 2) {
			bind_t(s, 3, from);
			bind_t(s, 4, to);
			bind_t(s, 5, currency != NULL ? currency : "EUR");
		} else {
			stmt_bind_int(s, 3, (long long)from_at);
			stmt_bind_int(s, 4, (long long)to_at);
		}
		if ((rc = stmt_step(s)) == STMT_ROW) {
			if (k == 0)
				a->revenue_cents = stmt_int(s, 0);
			else if (k == 1)
				a->new_clients = stmt_int(s, 0);
			else {
				a->visits = stmt_int(s, 0);
				a->calls = stmt_int(s, 1);
			}
		}
		stmt_reset(s);
		if (rc != STMT_ROW)
			return store_fail(st, err, errlen, "counting goal actuals");
	}
	return 0;
}

/* ---- products and invoice lines ---------------------------------------- */

int
store_product_add(struct store *st, const char *name, const char *kind,
    long long unit_price_cents, long long *id, char *err, size_t errlen)
{
	static const char sql[] =
	    "INSERT INTO products (name, kind, unit_price_cents, created_at)"
	    " VALUES (?1, ?2, ?3, ?4) RETURNING id";
	struct stmt *s;
	int rc;

	if (name == NULL || *name == '\0') {
		snprintf(err, errlen, _("a product needs a name"));
		return -1;
	}
	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	bind_t(s, 1, name);
	bind_t(s, 2, kind != NULL ? kind : "product");
	bind_target(s, 3, unit_price_cents);
	stmt_bind_int(s, 4, (long long)clock_now());
	rc = stmt_step(s);
	if (rc == STMT_ROW && id != NULL)
		*id = stmt_int(s, 0);
	stmt_reset(s);
	if (rc == STMT_UNIQUE) {
		snprintf(err, errlen, _("there is already a product named \"%s\""), name);
		return -1;
	}
	if (rc != STMT_ROW)
		return store_fail(st, err, errlen, "adding product");
	return 0;
}

int
store_product_get_or_add(struct store *st, const char *name, long long *id,
    long long *unit_price_cents, char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT id, unit_price_cents FROM products WHERE name = ?1 COLLATE NOCASE";
	struct stmt *s;
	int rc;

	if (unit_price_cents != NULL)
		*unit_price_cents = -1;
	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	bind_t(s, 1, name);
	if ((rc = stmt_step(s)) == STMT_ROW) {
		*id = stmt_int(s, 0);
		if (unit_price_cents != NULL)
			*unit_price_cents = col_target(s, 1);
	}
	stmt_reset(s);
	if (rc == STMT_ROW)
		return 0;
	if (rc != STMT_DONE)
		return store_fail(st, err, errlen, "looking up product");
	return store_product_add(st, name, "product", -1, id, err, errlen);
}

int
store_product_list(struct store *st, store_row_fn fn, void *arg, char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT p.id, p.name, p.kind, p.unit_price_cents,"
	    " (SELECT count(*) FROM invoice_lines l WHERE l.product_id = p.id) AS lines"
	    " FROM products p ORDER BY p.name COLLATE NOCASE, p.id";
	struct stmt *s;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	return stmt_rows(st, s, fn, arg, err, errlen);
}

int
store_invoice_line_add(struct store *st, long long invoice, long long product_id,
    double quantity, long long cents, char *err, size_t errlen)
{
	static const char sql[] =
	    "INSERT INTO invoice_lines (invoice_id, product_id, quantity, amount_cents)"
	    " VALUES (?1, ?2, ?3, ?4)";
	struct stmt *s;
	int rc;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, invoice);
	if (product_id > 0)
		stmt_bind_int(s, 2, product_id);
	stmt_bind_double(s, 3, quantity);
	stmt_bind_int(s, 4, cents);
	rc = stmt_step(s);
	stmt_reset(s);
	return rc == STMT_DONE ? 0 : store_fail(st, err, errlen, "adding invoice line");
}

int
store_invoice_lines(struct store *st, long long invoice, long long client, store_row_fn fn,
    void *arg, char *err, size_t errlen)
{
	static const char by_invoice[] =
	    "SELECT l.invoice_id AS invoice, p.name AS product, l.quantity, l.amount_cents"
	    " FROM invoice_lines l LEFT JOIN products p ON p.id = l.product_id"
	    " WHERE l.invoice_id = ?1 ORDER BY l.id";
	static const char by_client[] =
	    "SELECT l.invoice_id AS invoice, p.name AS product, l.quantity, l.amount_cents"
	    " FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id"
	    " LEFT JOIN products p ON p.id = l.product_id"
	    " WHERE i.client_id = ?1 ORDER BY i.issued, i.id, l.id";
	struct stmt *s;

	if ((s = stmt_get(st, invoice > 0 ? by_invoice : by_client, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, invoice > 0 ? invoice : client);
	return stmt_rows(st, s, fn, arg, err, errlen);
}

int
store_invoice_find(struct store *st, long long client, const char *number, long long *id,
    char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT id FROM invoices WHERE client_id = ?1 AND number = ?2 ORDER BY id LIMIT 1";
	struct stmt *s;
	int rc;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, client);
	bind_t(s, 2, number);
	if ((rc = stmt_step(s)) == STMT_ROW)
		*id = stmt_int(s, 0);
	stmt_reset(s);
	if (rc == STMT_ROW)
		return 0;
	return rc == STMT_DONE ? 1 : store_fail(st, err, errlen, "looking up invoice");
}

int
store_invoice_export(struct store *st, store_row_fn fn, void *arg, char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT i.id AS invoice, i.number, c.name AS client, c.tax_id, i.issued, i.due,"
	    " i.paid_at AS paid,"
	    " i.currency, p.name AS product, l.quantity,"
	    " coalesce(l.amount_cents, i.amount_cents) AS amount_cents"
	    " FROM invoices i JOIN clients c ON c.id = i.client_id"
	    " LEFT JOIN invoice_lines l ON l.invoice_id = i.id"
	    " LEFT JOIN products p ON p.id = l.product_id ORDER BY i.id, l.id";
	struct stmt *s;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	return stmt_rows(st, s, fn, arg, err, errlen);
}

int
store_sales_by_product(struct store *st, const char *from, const char *to,
    const char *currency, store_sale_fn fn, void *arg, char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT i.client_id, coalesce(l.product_id, 0), p.name, p.kind,"
	    " coalesce(l.quantity, 0), coalesce(l.amount_cents, i.amount_cents)"
	    " FROM invoices i LEFT JOIN invoice_lines l ON l.invoice_id = i.id"
	    " LEFT JOIN products p ON p.id = l.product_id"
	    " WHERE i.issued BETWEEN ?1 AND ?2 AND i.currency = ?3 ORDER BY i.id, l.id";
	struct stmt *s;
	int rc;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	bind_t(s, 1, from);
	bind_t(s, 2, to);
	bind_t(s, 3, currency != NULL ? currency : "EUR");
	while ((rc = stmt_step(s)) == STMT_ROW) {
		struct store_sale x;

		x.client_id = stmt_int(s, 0);
		x.product_id = stmt_int(s, 1);
		x.product = stmt_text(s, 2);
		x.kind = stmt_text(s, 3);
		x.quantity = stmt_double(s, 4);
		x.cents = stmt_int(s, 5);
		if (fn(&x, arg) != 0) {
			rc = STMT_DONE;
			break;
		}
	}
	stmt_reset(s);
	return rc == STMT_DONE ? 0 : store_fail(st, err, errlen, "reading sales");
}

/* ---- the report module's set-based reads ------------------------------- */

int
store_client_max_id(struct store *st, long long *max, char *err, size_t errlen)
{
	static const char sql[] = "SELECT coalesce(max(id), 0) FROM clients";
	struct stmt *s;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	return stmt_one_int(st, s, max, "counting clients", err, errlen);
}

int
store_client_ids(struct store *st, const struct client_filter *f, store_id_fn fn, void *arg,
    char *err, size_t errlen)
{
	/* The owner and the segment by their ids, looked up once (a join read
	 * the segment of every client, filter or not); sector and city only
	 * when asked (naming them reads every client's row, not the index). */
#define CLIENT_IDS(owner, where) \
	"SELECT c.id FROM clients c WHERE " owner \
	" AND (?2 IS NULL OR c.segment_id = (SELECT id FROM segments WHERE name = ?2))" where
#define ANY_OWNER	"(?1 IS NULL OR c.owner_id = (SELECT id FROM owners WHERE email = ?1))"
	/* One owner's: a range of the index led by the owner, not every client
	 * (a digest asks this for each owner). */
#define ONE_OWNER	"c.owner_id = (SELECT id FROM owners WHERE email = ?1)"
#define PLACE		" AND (?3 IS NULL OR c.search_sector = ?3) AND (?4 IS NULL OR c.search_city = ?4)"
	static const char *const sqls[2][2] = {
		{ CLIENT_IDS(ANY_OWNER, ""), CLIENT_IDS(ANY_OWNER, PLACE) },
		{ CLIENT_IDS(ONE_OWNER, ""), CLIENT_IDS(ONE_OWNER, PLACE) },
	};
#undef CLIENT_IDS
#undef ANY_OWNER
#undef ONE_OWNER
#undef PLACE
	int place = f->sector != NULL || f->city != NULL;
	struct stmt *s;
	int rc, stop = 0;

	if ((s = stmt_get(st, sqls[f->owner != NULL][place], err, errlen)) == NULL)
		return -1;
	stmt_bind_opt(s, 1, f->owner);
	stmt_bind_opt(s, 2, f->segment);
	/* Sector and city as typed: compared by search key (record.c). */
	if (place && (stmt_bind_key(s, 3, f->sector) == -1 ||
	    stmt_bind_key(s, 4, f->city) == -1)) {
		stmt_reset(s);
		snprintf(err, errlen, _("out of memory"));
		return -1;
	}
	while ((rc = stmt_step(s)) == STMT_ROW)
		if ((stop = fn(stmt_int(s, 0), arg)) != 0)
			break;
	stmt_reset(s);
	if (stop != 0)
		return stop;
	return rc == STMT_DONE ? 0 : store_fail(st, err, errlen, "reading clients");
}

int
store_client_name(struct store *st, long long id, char **name, char *err, size_t errlen)
{
	static const char sql[] = "SELECT name FROM clients WHERE id = ?";
	struct stmt *s;
	int rc;

	*name = NULL;
	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, id);
	rc = stmt_step(s);
	if (rc == STMT_ROW && stmt_dup(s, 0, name) == -1) {
		stmt_reset(s);
		snprintf(err, errlen, _("out of memory"));
		return -1;
	}
	stmt_reset(s);
	if (rc == STMT_DONE)
		return 1;
	return rc == STMT_ROW ? 0 : store_fail(st, err, errlen, "reading client");
}

/* Rows of a bound statement as (client, amount[, day]) to fn; reset. */
static int
amounts(struct store *st, struct stmt *s, store_amount_fn fn, void *arg, int with_day,
    const char *what, char *err, size_t errlen)
{
	int rc, stop = 0;

	while ((rc = stmt_step(s)) == STMT_ROW)
		if ((stop = fn(stmt_int(s, 0), stmt_int(s, 1),
		    with_day ? stmt_text(s, 2) : NULL, arg)) != 0)
			break;
	stmt_reset(s);
	if (stop != 0)
		return stop;
	return rc == STMT_DONE ? 0 : store_fail(st, err, errlen, what);
}

int
store_report_revenue(struct store *st, const char *from, const char *to,
    const char *currency, int by_client, store_amount_fn fn, void *arg,
    char *err, size_t errlen)
{
	static const char each[] =
	    "SELECT client_id, amount_cents FROM invoices"
	    " WHERE issued BETWEEN ?1 AND ?2 AND currency = ?3";
	static const char summed[] =
	    "SELECT client_id, sum(amount_cents) FROM invoices"
	    " WHERE issued BETWEEN ?1 AND ?2 AND currency = ?3 GROUP BY client_id";
	struct stmt *s;

	if ((s = stmt_get(st, by_client ? summed : each, err, errlen)) == NULL)
		return -1;
	stmt_bind_text(s, 1, from);
	stmt_bind_text(s, 2, to);
	stmt_bind_text(s, 3, currency);
	return amounts(st, s, fn, arg, 0, "reading invoices", err, errlen);
}

int
store_report_nps(struct store *st, const char *from, const char *to, store_amount_fn fn,
    void *arg, char *err, size_t errlen)
{
	static const char sql[] = "SELECT client_id, score FROM nps WHERE at BETWEEN ?1 AND ?2";
	struct stmt *s;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_text(s, 1, from);
	stmt_bind_text(s, 2, to);
	return amounts(st, s, fn, arg, 0, "reading NPS responses", err, errlen);
}

int
store_report_owed(struct store *st, const char *day, const char *currency,
    store_amount_fn fn, void *arg, char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT client_id, amount_cents, due FROM invoices"
	    " WHERE issued <= ?1 AND (paid_at IS NULL OR paid_at > ?1) AND currency = ?2"
	    " ORDER BY client_id";
	struct stmt *s;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_text(s, 1, day);
	stmt_bind_text(s, 2, currency);
	return amounts(st, s, fn, arg, 1, "reading invoices", err, errlen);
}

int
store_report_acquisition_cost(struct store *st, const char *from_month, const char *to_month,
    long long *cents, char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT coalesce(sum(amount_cents), 0) FROM costs WHERE client_id IS NULL"
	    " AND (kind = 'marketing' OR kind = 'sales') AND month BETWEEN ?1 AND ?2";
	struct stmt *s;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_text(s, 1, from_month);
	stmt_bind_text(s, 2, to_month);
	return stmt_one_int(st, s, cents, "reading costs", err, errlen);
}

int
store_report_new_clients(struct store *st, const char *from, const char *to, long long *n,
    char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT count(*) FROM clients WHERE first_purchase BETWEEN ?1 AND ?2";
	struct stmt *s;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_text(s, 1, from);
	stmt_bind_text(s, 2, to);
	return stmt_one_int(st, s, n, "counting new clients", err, errlen);
}

int
store_report_buyers(struct store *st, const char *currency, store_buyer_fn fn, void *arg,
    char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT c.id, c.status, c.purchases, c.first_purchase, c.last_purchase,"
	    " (SELECT sum(amount_cents) FROM invoices i WHERE i.client_id = c.id"
	    "  AND i.currency = ?1)"
	    " FROM clients c WHERE c.purchases > 0";
	struct store_buyer b;
	struct stmt *s;
	int rc, stop = 0;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_text(s, 1, currency);
	while ((rc = stmt_step(s)) == STMT_ROW) {
		b.id = stmt_int(s, 0);
		b.status = stmt_text(s, 1);
		b.purchases = (int)stmt_int(s, 2);
		b.first_purchase = stmt_text(s, 3);
		b.last_purchase = stmt_text(s, 4);
		b.revenue = stmt_int(s, 5);
		if ((stop = fn(&b, arg)) != 0)
			break;
	}
	stmt_reset(s);
	if (stop != 0)
		return stop;
	return rc == STMT_DONE ? 0 : store_fail(st, err, errlen, "reading purchases");
}

int
store_report_touches(struct store *st, time_t from, time_t to, store_touch_fn fn, void *arg,
    char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT i.client_id, i.kind, o.email FROM interactions i"
	    " LEFT JOIN owners o ON o.id = i.by_owner_id"
	    " WHERE i.at >= ?1 AND i.at < ?2";
	struct stmt *s;
	int rc, stop = 0;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, from);
	stmt_bind_int(s, 2, to);
	while ((rc = stmt_step(s)) == STMT_ROW)
		if ((stop = fn(stmt_int(s, 0), stmt_text(s, 1), stmt_text(s, 2), arg)) != 0)
			break;
	stmt_reset(s);
	if (stop != 0)
		return stop;
	return rc == STMT_DONE ? 0 : store_fail(st, err, errlen, "reading interactions");
}

int
store_report_client_costs(struct store *st, const char *from_month, const char *to_month,
    const char *from, const char *to, const char *currency, store_client_cost_fn fn,
    void *arg, char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT k.client_id, cl.name, sum(k.amount_cents),"
	    " (SELECT coalesce(sum(amount_cents), 0) FROM invoices i WHERE i.client_id ="
	    "  k.client_id AND i.issued BETWEEN ?3 AND ?4 AND i.currency = ?5)"
	    " FROM costs k JOIN clients cl ON cl.id = k.client_id"
	    " WHERE k.client_id IS NOT NULL AND k.month BETWEEN ?1 AND ?2"
	    " GROUP BY k.client_id, cl.name ORDER BY k.client_id";
	struct store_client_cost k;
	struct stmt *s;
	int rc, stop = 0;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_text(s, 1, from_month);
	stmt_bind_text(s, 2, to_month);
	stmt_bind_text(s, 3, from);
	stmt_bind_text(s, 4, to);
	stmt_bind_text(s, 5, currency);
	while ((rc = stmt_step(s)) == STMT_ROW) {
		k.id = stmt_int(s, 0);
		k.name = stmt_text(s, 1);
		k.cost = stmt_int(s, 2);
		k.revenue = stmt_int(s, 3);
		if ((stop = fn(&k, arg)) != 0)
			break;
	}
	stmt_reset(s);
	if (stop != 0)
		return stop;
	return rc == STMT_DONE ? 0 : store_fail(st, err, errlen, "reading costs");
}
