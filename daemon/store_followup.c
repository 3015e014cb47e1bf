/*
 * store_followup.c - the store's part of the follow-up loop: touches
 * (with their direction and the next-contact date they set or clear),
 * completing planned activities, all-day plans, snoozing.
 *
 * Every input a salesperson makes (CLI, digest links, mail read by
 * Cartera) reaches these functions, so the rules of README "The follow-up
 * loop" that change data live here, once.  Part of the store module (SQL
 * through store_engine.h only).  No mail, no HTTP, no command lines.
 */
#include "build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "nls.h"
#include "store_engine.h"
#include "tz.h"

const char *
store_activity_touch_kind(const char *kind)
{
	if (kind == NULL)
		return NULL;
	if (strcmp(kind, "task") == 0)
		return "note";
	if (strcmp(kind, "call") == 0 || strcmp(kind, "visit") == 0 ||
	    strcmp(kind, "email") == 0 || strcmp(kind, "sample") == 0 ||
	    strcmp(kind, "survey") == 0 || strcmp(kind, "meeting") == 0)
		return kind;
	return NULL;
}

/*
 * The client's next-contact date and its owner's zone (UTC without an
 * owner).  0 found, -1 error or no such client.
 */
static int
client_next(struct store *st, long long client, char **next, char **tz, char *err,
    size_t errlen)
{
	static const char sql[] =
	    "SELECT c.next_contact, coalesce(o.tz, 'UTC') FROM clients c"
	    " LEFT JOIN owners o ON o.id = c.owner_id WHERE c.id = ?";
	struct stmt *s;
	int rc;

	*next = *tz = NULL;
	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, client);
	rc = stmt_step(s);
	if (rc == STMT_ROW && (stmt_dup(s, 0, next) == -1 ||
	    stmt_dup(s, 1, tz) == -1))
		rc = STMT_ERROR;
	stmt_reset(s);
	if (rc == STMT_ROW)
		return 0;
	free(*next);
	free(*tz);
	*next = *tz = NULL;
	if (rc == STMT_DONE) {
		store_no_such(st, err, errlen, N_("client"), client);
		return -1;
	}
	return store_fail(st, err, errlen, "reading client");
}

static int
set_next(struct store *st, long long client, const char *day, const char *by, char *err,
    size_t errlen)
{
	static const char sql[] =
	    "UPDATE clients SET next_contact = ?1, next_contact_by = ?2, updated_at = ?3"
	    " WHERE id = ?4";
	struct stmt *s;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_opt(s, 1, day);
	stmt_bind_opt(s, 2, day != NULL ? by : NULL);
	stmt_bind_int(s, 3, clock_now());
	stmt_bind_int(s, 4, client);
	if (stmt_done(st, s, err, errlen, "setting the next-contact date") == -1)
		return -1;
	if (stmt_changes(st) == 0) {
		store_no_such(st, err, errlen, N_("client"), client);
		return -1;
	}
	return 0;
}

static int
check_day(const char *what, const char *day, char *err, size_t errlen)
{
	long d;

	if (day != NULL && clock_date_parse(day, &d) == -1) {
		snprintf(err, errlen, _("%s \"%s\" is not a date (YYYY-MM-DD)"), what, day);
		return -1;
	}
	return 0;
}

int
store_touch_add(struct store *st, const struct touch *t, long long *id, char *err,
    size_t errlen)
{
	static const char sql[] =
	    "INSERT INTO interactions (client_id, kind, at, outcome, note, by_owner_id,"
	    " direction) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id";
	const char *dir = t->direction != NULL ? t->direction : "out";
	struct stmt *s;
	char *next = NULL, *tz = NULL, set[16], day[16];
	long long tid;
	long nday, tday;
	int rc;

	if (strcmp(dir, "out") != 0 && strcmp(dir, "in") != 0) {
		snprintf(err, errlen, _("direction must be out or in, not \"%s\""), dir);
		return -1;
	}
	if (check_day("next-contact date", t->next, err, errlen) == -1)
		return -1;
	set[0] = '\0';
	if (t->next != NULL || t->next_in != NULL) {
		/* The next step comes after the touch's local day. */
		if (client_next(st, t->client, &next, &tz, err, errlen) == -1)
			return -1;
		rc = tz_local_day(tz, t->at, &tday, NULL);
		free(next);
		free(tz);
		next = tz = NULL;
		if (rc == -1) {
			snprintf(err, errlen, _("client %lld: its owner's time zone is unknown"),
			    t->client);
			return -1;
		}
		if (t->next_in != NULL) {
			if (clock_date_after(tday, t->next_in, &nday) == -1) {
				snprintf(err, errlen, _("\"%s\" is not a number of days, weeks or "
				    "months (3d, 2w, 1m)"), t->next_in);
				return -1;
			}
		} else
			clock_date_parse(t->next, &nday);
		if (nday <= tday) {
			snprintf(err, errlen, _("the next-contact date %s is not after the "
			    "touch's day (%s); the next step comes later"),
			    clock_date_format(nday, set, sizeof(set)),
			    clock_date_format(tday, day, sizeof(day)));
			return -1;
		}
		clock_date_format(nday, set, sizeof(set));
	}
	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, t->client);
	stmt_bind_opt(s, 2, t->kind);
	stmt_bind_int(s, 3, t->at);
	stmt_bind_text(s, 4, t->outcome ? t->outcome : "done");
	stmt_bind_opt(s, 5, t->note);
	if (t->by_owner > 0)
		stmt_bind_int(s, 6, t->by_owner);
	stmt_bind_text(s, 7, dir);
	if (stmt_insert(st, s, &tid, err, errlen, "logging interaction") == -1)
		return -1;

	/* The next step: set by this touch, or satisfied by it. */
	if (set[0] != '\0')
		rc = set_next(st, t->client, set, "touch", err, errlen);
	else if (strcmp(dir, "out") != 0)
		rc = 0;
	else if ((rc = client_next(st, t->client, &next, &tz, err, errlen)) == 0 &&
	    next != NULL && clock_date_parse(next, &nday) == 0 &&
	    tz_local_day(tz, t->at, &tday, NULL) == 0 && tday >= nday)
		rc = set_next(st, t->client, NULL, NULL, err, errlen);
	free(next);
	free(tz);
	if (rc == -1)
		return -1;
	if (id != NULL)
		*id = tid;
	return 0;
}

int
store_client_next_contact(struct store *st, long long client, const char *day,
    const char *how, char *err, size_t errlen)
{
	if (check_day("next-contact date", day, err, errlen) == -1)
		return -1;
	if (how != NULL && strcmp(how, "snooze") != 0 && strcmp(how, "touch") != 0) {
		snprintf(err, errlen, _("a next-contact date is set by hand, a touch or a "
		    "snooze, not \"%s\""), how);
		return -1;
	}
	return set_next(st, client, day, how, err, errlen);
}

/* ---- planned activities ------------------------------------------------ */

int
store_activity_add_day(struct store *st, long long client, long long owner,
    const char *kind, const char *day, const char *tz, const char *location,
    const char *note, long long *id, char *err, size_t errlen)
{
	static const char sql[] = "UPDATE activities SET day = ?1, duration_min = 1440"
	    " WHERE id = ?2";
	struct stmt *s;
	time_t start;
	long long aid;
	long d;

	if (day == NULL || clock_date_parse(day, &d) == -1) {
		snprintf(err, errlen, _("\"%s\" is not a date (YYYY-MM-DD)"), day ? day : "");
		return -1;
	}
	if (tz_day_start(tz, d, &start) == -1) {
		snprintf(err, errlen, _("unknown time zone \"%s\""), tz);
		return -1;
	}
	if (store_activity_add(st, client, owner, kind, start, tz, 1440, location, note,
	    &aid, err, errlen) == -1)
		return -1;
	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_text(s, 1, day);
	stmt_bind_int(s, 2, aid);
	if (stmt_done(st, s, err, errlen, "planning activity") == -1)
		return -1;
	if (id != NULL)
		*id = aid;
	return 0;
}

int
store_activity_move_day(struct store *st, long long id, const char *day, char *err,
    size_t errlen)
{
	static const char sql[] =
	    "UPDATE activities SET start_at = ?1, day = ?2, duration_min = 1440,"
	    " status = CASE status WHEN 'cancelled' THEN 'planned' ELSE status END,"
	    " sequence = sequence + 1, last_modified = max(?3, last_modified + 1)"
	    " WHERE id = ?4";
	struct stmt *s;
	char *tz = NULL;
	time_t start;
	long d;

	if (day == NULL || clock_date_parse(day, &d) == -1) {
		snprintf(err, errlen, _("\"%s\" is not a date (YYYY-MM-DD)"), day ? day : "");
		return -1;
	}
	if (store_activity_tz(st, id, &tz, err, errlen) == -1)
		return -1;
	if (tz_day_start(tz, d, &start) == -1) {
		snprintf(err, errlen, _("activity %lld: unknown time zone \"%s\""), id, tz);
		free(tz);
		return -1;
	}
	free(tz);
	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, start);
	stmt_bind_text(s, 2, day);
	stmt_bind_int(s, 3, clock_now());
	stmt_bind_int(s, 4, id);
	return stmt_done(st, s, err, errlen, "moving activity");
}

int
store_activity_done(struct store *st, long long id, const struct touch *how,
    long long *touch, char *err, size_t errlen)
{
	static const char sel[] =
	    "SELECT client_id, owner_id, kind, start_at, tz, day, note, status, touch_id"
	    " FROM activities WHERE id = ?";
	static const char upd[] =
	    "UPDATE activities SET status = 'done', touch_id = ?3, sequence = sequence + 1,"
	    " last_modified = max(?1, last_modified + 1) WHERE id = ?2";
	struct stmt *s;
	struct touch t;
	char *kind = NULL, *tz = NULL, *day = NULL, *note = NULL, *status = NULL;
	time_t start, now = clock_now();
	long long client, owner, prior = 0;
	int rc, ret = -1;

	if ((s = stmt_get(st, sel, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, id);
	rc = stmt_step(s);
	if (rc == STMT_ROW) {
		client = stmt_int(s, 0);
		owner = stmt_int(s, 1);
		start = stmt_int(s, 3);
		prior = stmt_int(s, 8);
		if (stmt_dup(s, 2, &kind) == -1 || stmt_dup(s, 4, &tz) == -1 ||
		    stmt_dup(s, 5, &day) == -1 || stmt_dup(s, 6, &note) == -1 ||
		    stmt_dup(s, 7, &status) == -1)
			rc = STMT_ERROR;
	}
	stmt_reset(s);
	if (rc == STMT_DONE) {
		store_no_such(st, err, errlen, N_("activity"), id);
		goto out;
	}
	if (rc != STMT_ROW) {
		store_fail(st, err, errlen, "reading activity");
		goto out;
	}
	if (strcmp(status, "done") == 0) {
		/* Done once is one touch, however often it is said. */
		if (touch != NULL)
			*touch = prior;
		ret = 1;
		goto out;
	}
	memset(&t, 0, sizeof(t));
	if (how != NULL)
		t = *how;
	t.client = client;
	t.kind = store_activity_touch_kind(kind);
	t.by_owner = owner;
	if (t.note == NULL)
		t.note = note;
	/* At its time, unless that is still to come: then it happened now.
	 * A day's activity done on a later day happened that day (at noon). */
	if (day != NULL) {
		long d, today;

		if (clock_date_parse(day, &d) == -1 || tz_local_day(tz, now, &today, NULL) == -1 ||
		    (d < today && tz_to_utc(tz, d, 12 * 60, &t.at) == -1)) {
			snprintf(err, errlen, _("activity %lld: bad day or zone"), id);
			goto out;
		}
		if (d >= today)
			t.at = now;
	} else
		t.at = start < now ? start : now;
	/* Done before and set back to planned: its touch is there already. */
	if (prior == 0 && store_touch_add(st, &t, &prior, err, errlen) == -1)
		goto out;
	if ((s = stmt_get(st, upd, err, errlen)) == NULL)
		goto out;
	stmt_bind_int(s, 1, now);
	stmt_bind_int(s, 2, id);
	stmt_bind_int(s, 3, prior);
	if (stmt_done(st, s, err, errlen, "completing activity") == -1)
		goto out;
	if (touch != NULL)
		*touch = prior;
	ret = 0;
out:
	free(kind);
	free(tz);
	free(day);
	free(note);
	free(status);
	return ret;
}
