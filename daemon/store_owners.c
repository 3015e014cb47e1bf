/*
 * store_owners.c - the store's salespeople (owners) and teams: adding,
 * updating, loading them, and their feed tokens.
 * Writes SQL through store_engine.h only; knows no engine and no mail.
 */
#include "build.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "nls.h"
#include "record.h"
#include "store_engine.h"

/* ---- owners -------------------------------------------------------- */

void
store_owner_clear(struct owner *o)
{
	if (o == NULL)
		return;
	free(o->email);
	free(o->name);
	free(o->tz);
	free(o->digest_at);
	free(o->lang);
	free(o->feed_token);
	free(o->team);
	free(o->last_digest_day);
	free(o->phone);
	free(o->signature);
	free(o->days);
	free(o->holidays);
	free(o->page_token);
	memset(o, 0, sizeof(*o));
}

#define OWNER_COLS \
	"o.id, o.email, o.name, o.tz, o.digest_at, o.lang, o.feed_token, " \
	"t.name, o.active, o.last_digest_day, o.created_at, o.phone, o.signature, " \
	"o.days, o.holidays, o.page_token"

static int
owner_from_row(struct stmt *s, struct owner *o)
{
	memset(o, 0, sizeof(*o));
	o->id = stmt_int(s, 0);
	o->active = stmt_int(s, 8);
	o->created_at = stmt_int(s, 10);
	if (stmt_dup(s, 1, &o->email) == -1 || stmt_dup(s, 2, &o->name) == -1 ||
	    stmt_dup(s, 3, &o->tz) == -1 || stmt_dup(s, 4, &o->digest_at) == -1 ||
	    stmt_dup(s, 5, &o->lang) == -1 || stmt_dup(s, 6, &o->feed_token) == -1 ||
	    stmt_dup(s, 7, &o->team) == -1 ||
	    stmt_dup(s, 9, &o->last_digest_day) == -1 ||
	    stmt_dup(s, 11, &o->phone) == -1 || stmt_dup(s, 12, &o->signature) == -1 ||
	    stmt_dup(s, 13, &o->days) == -1 || stmt_dup(s, 14, &o->holidays) == -1 ||
	    stmt_dup(s, 15, &o->page_token) == -1) {
		store_owner_clear(o);
		return -1;
	}
	return 0;
}

static int
team_id(struct store *st, const char *name, long long *id, char *err, size_t errlen)
{
	int rc = id_by_key(st, "SELECT id FROM teams WHERE name = ?", name, id,
	    "looking up team", err, errlen);

	if (rc == 1)
		snprintf(err, errlen, _("no team named \"%s\" (add it with "
		    "\"cartera team add\")"), name);
	return rc == 0 ? 0 : -1;
}

int
store_owner_add(struct store *st, const struct owner *in, long long *id,
    char *err, size_t errlen)
{
	static const char sql[] =
	    "INSERT INTO owners (email, name, tz, digest_at, lang, feed_token, team_id,"
	    " active, created_at, updated_at, phone, signature, days, holidays,"
	    " page_token)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
	struct stmt *s;
	char token[40], page[40];
	long long tid = 0;
	time_t now = clock_now();
	int rc;

	if (in->team != NULL && *in->team != '\0' &&
	    team_id(st, in->team, &tid, err, errlen) == -1)
		return -1;
	if (store_token(token, sizeof(token)) == -1 || store_token(page, sizeof(page)) == -1) {
		snprintf(err, errlen, _("cannot get random bytes: %s"), strerror(errno));
		return -1;
	}
	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_text(s, 1, in->email);
	stmt_bind_text(s, 2, in->name);
	stmt_bind_text(s, 3, in->tz);
	stmt_bind_text(s, 4, in->digest_at ? in->digest_at : "08:00");
	stmt_bind_text(s, 5, in->lang ? in->lang : "es");
	stmt_bind_text(s, 6, token);
	if (tid)
		stmt_bind_int(s, 7, tid);
	stmt_bind_int(s, 8, in->active < 0 ? 1 : in->active);
	stmt_bind_int(s, 9, now);
	stmt_bind_int(s, 10, now);
	stmt_bind_opt(s, 11, in->phone);
	stmt_bind_opt(s, 12, in->signature);
	stmt_bind_opt(s, 13, in->days);
	stmt_bind_opt(s, 14, in->holidays);
	stmt_bind_text(s, 15, page);
	rc = stmt_step(s);
	if (rc == STMT_ROW && id != NULL)
		*id = stmt_int(s, 0);
	stmt_reset(s);
	if (rc == STMT_UNIQUE) {
		snprintf(err, errlen, _("an owner with email %s already exists"), in->email);
		return -1;
	}
	if (rc != STMT_ROW)
		return store_fail(st, err, errlen, "adding owner");
	return 0;
}

int
store_owner_update(struct store *st, const char *email, const struct owner *in,
    char *err, size_t errlen)
{
	static const char sql[] =
	    "UPDATE owners SET name = coalesce(?1, name), tz = coalesce(?2, tz),"
	    " digest_at = coalesce(?3, digest_at), lang = coalesce(?4, lang),"
	    " active = coalesce(?5, active), email = coalesce(?6, email),"
	    " team_id = CASE WHEN ?7 <> 0 THEN ?8 ELSE team_id END, updated_at = ?9,"
	    " phone = CASE WHEN ?11 IS NULL THEN phone ELSE nullif(?11, '') END,"
	    " signature = CASE WHEN ?12 IS NULL THEN signature ELSE nullif(?12, '') END,"
	    " days = CASE WHEN ?13 IS NULL THEN days ELSE nullif(?13, '') END,"
	    " holidays = CASE WHEN ?14 IS NULL THEN holidays ELSE nullif(?14, '') END"
	    " WHERE email = ?10";
	struct stmt *s;
	long long tid = 0;
	int rc;

	if (in->team != NULL && *in->team != '\0' &&
	    team_id(st, in->team, &tid, err, errlen) == -1)
		return -1;
	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_opt(s, 1, in->name);
	stmt_bind_opt(s, 2, in->tz);
	stmt_bind_opt(s, 3, in->digest_at);
	stmt_bind_opt(s, 4, in->lang);
	if (in->active >= 0)
		stmt_bind_int(s, 5, in->active);
	stmt_bind_opt(s, 6, in->email);
	stmt_bind_int(s, 7, in->team != NULL);
	if (tid)
		stmt_bind_int(s, 8, tid);
	stmt_bind_int(s, 9, clock_now());
	stmt_bind_text(s, 10, email);
	if (in->phone != NULL)
		stmt_bind_text(s, 11, in->phone);
	if (in->signature != NULL)
		stmt_bind_text(s, 12, in->signature);
	if (in->days != NULL)
		stmt_bind_text(s, 13, in->days);
	if (in->holidays != NULL)
		stmt_bind_text(s, 14, in->holidays);
	rc = stmt_step(s);
	stmt_reset(s);
	if (rc == STMT_UNIQUE) {
		snprintf(err, errlen, _("an owner with email %s already exists"), in->email);
		return -1;
	}
	if (rc != STMT_DONE)
		return store_fail(st, err, errlen, "updating owner");
	if (stmt_changes(st) == 0) {
		snprintf(err, errlen, _("no owner with email %s"), email);
		return -1;
	}
	return 0;
}

static int
owner_get(struct store *st, struct stmt *s, struct owner *out, char *err, size_t errlen)
{
	int rc = stmt_step(s);

	if (rc == STMT_ROW) {
		rc = owner_from_row(s, out);
		stmt_reset(s);
		if (rc == -1)
			snprintf(err, errlen, _("out of memory"));
		return rc;
	}
	stmt_reset(s);
	if (rc == STMT_DONE)
		return 1;
	return store_fail(st, err, errlen, "reading owner");
}

int
store_owner_get(struct store *st, const char *email, struct owner *out,
    char *err, size_t errlen)
{
	static const char sql[] = "SELECT " OWNER_COLS
	    " FROM owners o LEFT JOIN teams t ON t.id = o.team_id WHERE o.email = ?";
	struct stmt *s;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_text(s, 1, email);
	return owner_get(st, s, out, err, errlen);
}

int
store_owner_get_id(struct store *st, long long id, struct owner *out,
    char *err, size_t errlen)
{
	static const char sql[] = "SELECT " OWNER_COLS
	    " FROM owners o LEFT JOIN teams t ON t.id = o.team_id WHERE o.id = ?";
	struct stmt *s;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, id);
	return owner_get(st, s, out, err, errlen);
}

int
store_owner_load(struct store *st, int active_only, struct owner **out, size_t *n,
    char *err, size_t errlen)
{
	static const char sql[] = "SELECT " OWNER_COLS
	    " FROM owners o LEFT JOIN teams t ON t.id = o.team_id"
	    " WHERE o.active >= ? ORDER BY o.id";
	struct stmt *s;
	struct owner *v = NULL, *nv;
	size_t cnt = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, active_only ? 1 : 0);
	while ((rc = stmt_step(s)) == STMT_ROW) {
		if (cnt == cap) {
			cap = cap ? cap * 2 : 8;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL)
				goto oom;
			v = nv;
		}
		if (owner_from_row(s, &v[cnt]) == -1)
			goto oom;
		cnt++;
	}
	stmt_reset(s);
	if (rc != STMT_DONE) {
		store_fail(st, err, errlen, "reading owners");
		goto fail;
	}
	*out = v;
	*n = cnt;
	return 0;
oom:
	stmt_reset(s);
	snprintf(err, errlen, _("out of memory"));
fail:
	for (size_t i = 0; i < cnt; i++)
		store_owner_clear(&v[i]);
	free(v);
	return -1;
}

int
store_owner_default(struct store *st, char **email, char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT email FROM owners WHERE active = 1 ORDER BY email LIMIT 11";
	struct stmt *s;
	struct buf b = BUF_INIT;
	int rc, n = 0;

	*email = NULL;
	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	while ((rc = stmt_step(s)) == STMT_ROW) {
		const char *e = stmt_text(s, 0);
		if (n == 0 && (*email = strdup(e)) == NULL)
			break;
		if (buf_printf(&b, "%s%s", n ? ", " : "", n < 10 ? e : "...") == -1)
			break;
		n++;
	}
	stmt_reset(s);
	if (rc != STMT_DONE) {
		free(*email);
		*email = NULL;
		buf_free(&b);
		if (rc == STMT_ROW) {
			snprintf(err, errlen, _("out of memory"));
			return -1;
		}
		return store_fail(st, err, errlen, "listing salespeople");
	}
	if (n > 1) {
		if (n > 10)
			snprintf(err, errlen, _("there are more than 10 salespeople (%s)"),
			    b.data != NULL ? b.data : "");
		else
			snprintf(err, errlen, _("there are %d salespeople (%s)"), n,
			    b.data != NULL ? b.data : "");
		free(*email);
		*email = NULL;
	}
	buf_free(&b);
	return n == 0 ? 1 : n == 1 ? 0 : 2;
}

int
store_owner_list(struct store *st, store_row_fn fn, void *arg, char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT o.id, o.email, o.name, o.tz AS timezone, o.digest_at, o.lang,"
	    " t.name AS team, o.active,"
	    " (SELECT count(*) FROM clients c WHERE c.owner_id = o.id) AS clients"
	    " FROM owners o LEFT JOIN teams t ON t.id = o.team_id ORDER BY o.email";
	struct stmt *s;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	return stmt_rows(st, s, fn, arg, err, errlen);
}

static int
rotate(struct store *st, const char *sql, const char *key, const char *what,
    char **token, char *err, size_t errlen)
{
	struct stmt *s;
	char tok[40];

	if (store_token(tok, sizeof(tok)) == -1) {
		snprintf(err, errlen, _("cannot get random bytes: %s"), strerror(errno));
		return -1;
	}
	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_text(s, 1, tok);
	stmt_bind_text(s, 2, key);
	if (stmt_done(st, s, err, errlen, "rotating token") == -1)
		return -1;
	if (stmt_changes(st) == 0) {
		snprintf(err, errlen, _("no %s %s"), what, key);
		return -1;
	}
	if (token != NULL && (*token = strdup(tok)) == NULL) {
		snprintf(err, errlen, _("out of memory"));
		return -1;
	}
	return 0;
}

int
store_owner_rotate_token(struct store *st, const char *email, char **token,
    char *err, size_t errlen)
{
	static const char sql[] = "UPDATE owners SET feed_token = ? WHERE email = ?";

	return rotate(st, sql, email, "owner with email", token, err, errlen);
}

int
store_owner_rotate_page_token(struct store *st, const char *email, char **token,
    char *err, size_t errlen)
{
	static const char sql[] = "UPDATE owners SET page_token = ? WHERE email = ?";

	return rotate(st, sql, email, "owner with email", token, err, errlen);
}

int
store_owner_set_digest_day(struct store *st, long long id, const char *day,
    char *err, size_t errlen)
{
	static const char sql[] = "UPDATE owners SET last_digest_day = ? WHERE id = ?";
	struct stmt *s;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_text(s, 1, day);
	stmt_bind_int(s, 2, id);
	return stmt_done(st, s, err, errlen, "recording digest day");
}

/* ---- teams --------------------------------------------------------- */

int
store_team_add(struct store *st, const char *name, int all_owners, char *err, size_t errlen)
{
	static const char sql[] =
	    "INSERT INTO teams (name, feed_token, all_owners) VALUES (?, ?, ?)";
	struct stmt *s;
	char tok[40];
	int rc;

	if (store_token(tok, sizeof(tok)) == -1) {
		snprintf(err, errlen, _("cannot get random bytes: %s"), strerror(errno));
		return -1;
	}
	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_text(s, 1, name);
	stmt_bind_text(s, 2, tok);
	stmt_bind_int(s, 3, all_owners != 0);
	rc = stmt_step(s);
	stmt_reset(s);
	if (rc == STMT_UNIQUE) {
		snprintf(err, errlen, _("a team named \"%s\" already exists"), name);
		return -1;
	}
	if (rc != STMT_DONE)
		return store_fail(st, err, errlen, "adding team");
	return 0;
}

int
store_team_list(struct store *st, store_row_fn fn, void *arg, char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT t.id, t.name, t.all_owners, t.feed_token,"
	    " CASE WHEN t.all_owners <> 0 THEN (SELECT count(*) FROM owners WHERE active <> 0)"
	    " ELSE (SELECT count(*) FROM owners o WHERE o.team_id = t.id AND o.active <> 0) END"
	    " AS owners FROM teams t ORDER BY t.name";
	struct stmt *s;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	return stmt_rows(st, s, fn, arg, err, errlen);
}

int
store_team_rotate_token(struct store *st, const char *name, char **token,
    char *err, size_t errlen)
{
	static const char sql[] = "UPDATE teams SET feed_token = ? WHERE name = ?";

	return rotate(st, sql, name, "team named", token, err, errlen);
}
