/*
 * store_feed.c - what the calendar feeds read from the store: an owner's
 * planned activities in a window as events (with the client details the
 * salesperson needs at hand), and teams.  One query per feed, never one
 * per event.  Writes SQL through store_engine.h only; builds no iCalendar.
 */
#include "build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nls.h"
#include "store_engine.h"

int
store_feed_events(struct store *st, long long owner, time_t from, time_t to,
    time_t cancelled_since, store_event_fn fn, void *arg, char *err, size_t errlen)
{
	/* An event changes when its client's record does (name, contact,
	 * notes): "changed" is the later of the two. */
	static const char sql[] =
	    "SELECT a.uid, a.kind, a.start_at, a.tz, a.duration_min, a.location, a.note,"
	    " a.status, a.sequence, a.created_at,"
	    " CASE WHEN a.last_modified > c.updated_at THEN a.last_modified"
	    "  ELSE c.updated_at END,"
	    " c.id, c.name, c.notes, c.last_touch_at, c.last_touch_kind,"
	    " p.name, p.phone, p.email, o.name, o.tz, a.day"
	    " FROM activities a JOIN clients c ON c.id = a.client_id"
	    " JOIN owners o ON o.id = a.owner_id"
	    " LEFT JOIN contacts p ON p.client_id = c.id AND p.is_primary = 1"
	    " WHERE a.owner_id = ?1 AND a.start_at >= ?2 AND a.start_at < ?3"
	    " AND (a.status <> 'cancelled' OR a.last_modified >= ?4)"
	    " ORDER BY a.start_at, a.id";
	struct store_event ev;
	struct stmt *s;
	int rc, stop = 0;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, owner);
	stmt_bind_int(s, 2, from);
	stmt_bind_int(s, 3, to);
	stmt_bind_int(s, 4, cancelled_since);
	while ((rc = stmt_step(s)) == STMT_ROW) {
		ev.uid = stmt_text(s, 0);
		ev.kind = stmt_text(s, 1);
		ev.start = stmt_int(s, 2);
		ev.tz = stmt_text(s, 3);
		ev.duration_min = (int)stmt_int(s, 4);
		ev.location = stmt_text(s, 5);
		ev.note = stmt_text(s, 6);
		ev.status = stmt_text(s, 7);
		ev.sequence = (int)stmt_int(s, 8);
		ev.created = stmt_int(s, 9);
		ev.changed = stmt_int(s, 10);
		ev.client_id = stmt_int(s, 11);
		ev.client_name = stmt_text(s, 12);
		ev.client_notes = stmt_text(s, 13);
		ev.touched = !stmt_is_null(s, 14);
		ev.last_touch_at = stmt_int(s, 14);
		ev.last_touch_kind = stmt_text(s, 15);
		ev.contact_name = stmt_text(s, 16);
		ev.contact_phone = stmt_text(s, 17);
		ev.contact_email = stmt_text(s, 18);
		ev.owner_name = stmt_text(s, 19);
		ev.owner_tz = stmt_text(s, 20);
		ev.day = stmt_text(s, 21);
		if ((stop = fn(&ev, arg)) != 0)
			break;
	}
	stmt_reset(s);
	if (stop != 0)
		return stop;
	if (rc != STMT_DONE)
		return store_fail(st, err, errlen, "reading activities");
	return 0;
}

int
store_team_get(struct store *st, const char *name, char **token, int *all_owners,
    char *err, size_t errlen)
{
	static const char sql[] = "SELECT feed_token, all_owners FROM teams WHERE name = ?";
	struct stmt *s;
	int rc;

	*token = NULL;
	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_text(s, 1, name);
	rc = stmt_step(s);
	if (rc == STMT_ROW) {
		*all_owners = stmt_int(s, 1) != 0;
		if (stmt_dup(s, 0, token) == -1)
			rc = STMT_ERROR;
	}
	stmt_reset(s);
	if (rc == STMT_DONE)
		return 1;
	if (rc != STMT_ROW) {
		free(*token);
		*token = NULL;
		return store_fail(st, err, errlen, "reading team");
	}
	return 0;
}

int
store_team_names(struct store *st, char ***names, size_t *n, char *err, size_t errlen)
{
	static const char sql[] = "SELECT name FROM teams ORDER BY name";
	struct stmt *s;
	char **v = NULL, **nv;
	size_t cnt = 0;
	int rc;

	*names = NULL;
	*n = 0;
	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	while ((rc = stmt_step(s)) == STMT_ROW) {
		if ((nv = reallocarray(v, cnt + 1, sizeof(*v))) == NULL)
			break;
		v = nv;
		if ((v[cnt] = strdup(stmt_text(s, 0))) == NULL)
			break;
		cnt++;
	}
	stmt_reset(s);
	if (rc != STMT_DONE) {
		if (rc == STMT_ROW)
			snprintf(err, errlen, _("out of memory"));
		else
			store_fail(st, err, errlen, "reading teams");
		for (size_t i = 0; i < cnt; i++)
			free(v[i]);
		free(v);
		return -1;
	}
	*names = v;
	*n = cnt;
	return 0;
}
