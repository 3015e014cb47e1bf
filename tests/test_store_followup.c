/*
 * test_store_followup.c - the store's part of the follow-up loop: touches
 * and their direction, the "replied" state the triggers keep, next-contact
 * dates set, satisfied and snoozed, and "done is a contact" for planned
 * activities of every kind, timed or for a day.
 */
#include "build.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "clock.h"
#include "record.h"
#include "store.h"
#include "store_sqlite.h"
#include "tz.h"

static char err[1024];
static struct store *st;

static long long
scalar(const char *sql)
{
	sqlite3_stmt *s;
	long long v = -999;

	if (sqlite3_prepare_v2(store_sqlite_handle(st), sql, -1, &s, NULL) != SQLITE_OK)
		return v;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_type(s, 0) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* The text of a one-row query with ?1 = id, in a static buffer. */
static const char *
text(const char *sql, long long id)
{
	static char out[256];
	sqlite3_stmt *s;

	snprintf(out, sizeof(out), "(none)");
	if (sqlite3_prepare_v2(store_sqlite_handle(st), sql, -1, &s, NULL) != SQLITE_OK)
		return out;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(s, 0);
		snprintf(out, sizeof(out), "%s", t ? (const char *)t : "(null)");
	}
	sqlite3_finalize(s);
	return out;
}

static long long
add_client(const char *name)
{
	struct record r = { 0 };
	long long id = 0;

	r.v[RF_NAME] = name;
	r.v[RF_OWNER] = "ana@example.com";
	if (store_client_put(st, 0, &r, &id, err, sizeof(err)) == -1)
		fprintf(stderr, "add_client: %s\n", err);
	return id;
}

/* A touch out (or in) at local time "YYYY-MM-DD HH:MM" in Madrid. */
static time_t
at(const char *day, int hh, int mm)
{
	long d = -1;
	time_t t = 0;

	clock_date_parse(day, &d);
	tz_to_utc("Europe/Madrid", d, hh * 60 + mm, &t);
	return t;
}

static int
touch(long long client, const char *kind, time_t when, const char *outcome,
    const char *direction, const char *next, long long *id)
{
	struct touch t = { 0 };

	t.client = client;
	t.kind = kind;
	t.at = when;
	t.outcome = outcome;
	t.direction = direction;
	t.next = next;
	t.note = direction != NULL && strcmp(direction, "in") == 0 ? "Dicen que sí" : NULL;
	t.by_owner = 1;
	return store_touch_add(st, &t, id, err, sizeof(err));
}

static const char *
next_of(long long c)
{
	return text("SELECT coalesce(next_contact, '-') || ' ' || coalesce(next_contact_by,"
	    " 'hand') FROM clients WHERE id = ?1", c);
}

int
main(void)
{
	char dir[] = "/tmp/test_store_followup.XXXXXX", path[256];
	struct owner o = { 0 };
	struct touch how = { 0 };
	long long c1, c2, c3, a1, a2, a3, a4, a5, t1, t2, id;
	struct record r = { 0 };

	/* Wednesday 2026-12-02 09:00 Madrid. */
	clock_set(at("2026-12-02", 9, 0), 0);
	if (mkdtemp(dir) == NULL)
		return 99;
	snprintf(path, sizeof(path), "%s/c.db", dir);
	CHECK(store_open(path, STORE_CREATE, &st, err, sizeof(err)) == 0);
	if (st == NULL)
		return 1;
	o.email = "ana@example.com";
	o.name = "Ana";
	o.tz = "Europe/Madrid";
	o.active = 1;
	CHECK(store_owner_add(st, &o, NULL, err, sizeof(err)) == 0);
	c1 = add_client("Talleres Pérez");
	c2 = add_client("Frutas Gómez");
	c3 = add_client("Bodegas Ruiz");

	/* Direction: out by default, in when the client reached us, nothing else. */
	CHECK(touch(c1, "call", at("2026-11-20", 10, 0), NULL, NULL, NULL, &t1) == 0);
	CHECK_STR(text("SELECT direction FROM interactions WHERE id = ?1", t1), "out");
	CHECK(touch(c1, "email", at("2026-11-21", 10, 0), NULL, "sideways", NULL, NULL) == -1);
	CHECK(strstr(err, "out or in") != NULL);
	CHECK_INT(scalar("SELECT count(*) FROM interactions"), 1);

	/*
	 * Replied: a touch in after our touch out that waited for the client
	 * ends the waiting; the client is owed an answer from the first such
	 * touch until we reach them again.
	 */
	CHECK(touch(c1, "email", at("2026-11-25", 10, 0), "waiting", NULL, NULL, &t1) == 0);
	CHECK_INT(scalar("SELECT replied_at FROM clients WHERE id = 1"), -1);
	CHECK(touch(c1, "email", at("2026-11-27", 11, 0), NULL, "in", NULL, &t2) == 0);
	CHECK_INT(scalar("SELECT replied_at FROM clients WHERE id = 1"), at("2026-11-27", 11, 0));
	CHECK(touch(c1, "call", at("2026-11-28", 9, 0), NULL, "in", NULL, NULL) == 0);
	CHECK_INT(scalar("SELECT replied_at FROM clients WHERE id = 1"), at("2026-11-27", 11, 0));
	CHECK_STR(text("SELECT last_touch_kind FROM clients WHERE id = ?1", c1), "call");
	/* Our answer ends it. */
	CHECK(touch(c1, "call", at("2026-11-29", 9, 0), NULL, NULL, NULL, &id) == 0);
	CHECK_INT(scalar("SELECT replied_at FROM clients WHERE id = 1"), -1);
	/* Undone (a touch deleted), the answer is owed again. */
	{
		char sql[128];
		snprintf(sql, sizeof(sql), "DELETE FROM interactions WHERE id = %lld", id);
		CHECK(sqlite3_exec(store_sqlite_handle(st), sql, NULL, NULL, NULL) == SQLITE_OK);
	}
	CHECK_INT(scalar("SELECT replied_at FROM clients WHERE id = 1"), at("2026-11-27", 11, 0));
	/* Whatever the order the touches arrive in (mail read late): an older
	 * touch out does not end it. */
	CHECK(touch(c1, "call", at("2026-11-24", 9, 0), NULL, NULL, NULL, NULL) == 0);
	CHECK_INT(scalar("SELECT replied_at FROM clients WHERE id = 1"), at("2026-11-27", 11, 0));
	/* A touch in that answers nothing we asked is just a touch. */
	CHECK(touch(c2, "call", at("2026-11-20", 9, 0), "done", NULL, NULL, NULL) == 0);
	CHECK(touch(c2, "email", at("2026-11-21", 9, 0), NULL, "in", NULL, NULL) == 0);
	CHECK_INT(scalar("SELECT replied_at FROM clients WHERE id = 2"), -1);
	CHECK_STR(text("SELECT last_outcome FROM clients WHERE id = ?1", c2), "done");

	/*
	 * Next step: a touch sets it; a touch out on or after it (its local
	 * day) clears it; one before it or one in does not.
	 */
	CHECK(touch(c2, "visit", at("2026-11-24", 17, 0), "waiting", NULL, "2026-12-01", NULL) == 0);
	CHECK_STR(next_of(c2), "2026-12-01 touch");
	CHECK(touch(c2, "note", at("2026-11-30", 23, 30), NULL, NULL, NULL, NULL) == 0);
	CHECK_STR(next_of(c2), "2026-12-01 touch");
	CHECK(touch(c2, "email", at("2026-12-01", 8, 0), NULL, "in", NULL, NULL) == 0);
	CHECK_STR(next_of(c2), "2026-12-01 touch");
	/* 00:30 on the 1st in Madrid is still the 30th in UTC: the local day counts. */
	CHECK(touch(c2, "call", at("2026-12-01", 0, 30), NULL, NULL, NULL, NULL) == 0);
	CHECK_STR(next_of(c2), "- hand");
	CHECK(touch(c2, "call", at("2026-12-01", 10, 0), "waiting", NULL, "2026-13-01", NULL) == -1);
	CHECK(touch(c2, "call", at("2026-12-01", 10, 0), "waiting", NULL, "2026-12-09", NULL) == 0);
	CHECK(touch(c2, "call", at("2026-12-01", 11, 0), NULL, NULL, "2026-12-15", NULL) == 0);
	CHECK_STR(next_of(c2), "2026-12-15 touch");

	/* Snoozed, then set by hand: who set it is kept for the wording. */
	CHECK(store_client_next_contact(st, c3, "2026-12-07", "snooze", err, sizeof(err)) == 0);
	CHECK_STR(next_of(c3), "2026-12-07 snooze");
	r.v[RF_NEXT_CONTACT] = "2026-12-08";
	CHECK(store_client_put(st, c3, &r, NULL, err, sizeof(err)) == 0);
	CHECK_STR(next_of(c3), "2026-12-08 hand");
	CHECK(store_client_next_contact(st, c3, NULL, NULL, err, sizeof(err)) == 0);
	CHECK_STR(next_of(c3), "- hand");
	CHECK(store_client_next_contact(st, c3, "2026-12-07", "later", err, sizeof(err)) == -1);
	CHECK(store_client_next_contact(st, 999, "2026-12-07", NULL, err, sizeof(err)) == -1);

	/* Every kind can be planned; an all-day one starts at its local midnight. */
	CHECK(store_activity_add(st, c3, 1, "call", at("2026-12-01", 10, 0), "Europe/Madrid",
	    30, NULL, "Presupuesto", &a1, err, sizeof(err)) == 0);
	CHECK(store_activity_add(st, c3, 1, "visit", at("2026-12-03", 16, 0), "Europe/Madrid",
	    45, "Calle Mayor 1", NULL, &a2, err, sizeof(err)) == 0);
	CHECK(store_activity_add_day(st, c3, 1, "sample", "2026-11-30", "Europe/Madrid", NULL,
	    NULL, &a3, err, sizeof(err)) == 0);
	CHECK(store_activity_add_day(st, c3, 1, "task", "2026-12-02", "Europe/Madrid", NULL,
	    "Preparar oferta", &a4, err, sizeof(err)) == 0);
	CHECK(store_activity_add_day(st, c3, 1, "email", "2026-12-04", "Europe/Madrid", NULL,
	    NULL, &a5, err, sizeof(err)) == 0);
	CHECK(store_activity_add_day(st, c3, 1, "fax", "2026-12-04", "Europe/Madrid", NULL,
	    NULL, &id, err, sizeof(err)) == -1);
	CHECK(store_activity_add_day(st, c3, 1, "email", "2026-12-34", "Europe/Madrid", NULL,
	    NULL, &id, err, sizeof(err)) == -1);
	CHECK_INT(scalar("SELECT start_at FROM activities WHERE kind = 'sample'"),
	    at("2026-11-30", 0, 0));
	CHECK_STR(text("SELECT day FROM activities WHERE id = ?1", a3), "2026-11-30");

	/*
	 * Done is a contact: one touch of its kind at its time, which clears
	 * the next-contact date it satisfied and sets the one given.
	 */
	CHECK(store_client_next_contact(st, c3, "2026-12-01", NULL, err, sizeof(err)) == 0);
	how.outcome = "waiting";
	how.next = "2026-12-10";
	CHECK_INT(store_activity_done(st, a1, &how, &t1, err, sizeof(err)), 0);
	CHECK_STR(text("SELECT kind || ' ' || outcome || ' ' || note || ' ' || by_owner_id"
	    " FROM interactions WHERE id = ?1", t1), "call waiting Presupuesto 1");
	CHECK_INT(scalar("SELECT at FROM interactions ORDER BY id DESC LIMIT 1"),
	    at("2026-12-01", 10, 0));
	CHECK_STR(text("SELECT status FROM activities WHERE id = ?1", a1), "done");
	CHECK_STR(next_of(c3), "2026-12-10 touch");
	/* Said twice, still one touch. */
	CHECK_INT(store_activity_done(st, a1, NULL, &t2, err, sizeof(err)), 1);
	CHECK_INT(t2, t1);
	CHECK_INT(scalar("SELECT count(*) FROM interactions WHERE client_id = 3"), 1);
	/* Before its time: it happened now. */
	CHECK_INT(store_activity_done(st, a2, NULL, NULL, err, sizeof(err)), 0);
	CHECK_INT(scalar("SELECT at FROM interactions ORDER BY id DESC LIMIT 1"), clock_now());
	CHECK_STR(text("SELECT last_touch_kind FROM clients WHERE id = ?1", c3), "visit");
	/* A day's activity done later happened at noon of its day; a task is a note. */
	CHECK_INT(store_activity_done(st, a3, NULL, NULL, err, sizeof(err)), 0);
	CHECK_INT(scalar("SELECT at FROM interactions WHERE kind = 'sample'"),
	    at("2026-11-30", 12, 0));
	CHECK(store_activity_set_status(st, a4, "done", err, sizeof(err)) == 0);
	CHECK_STR(text("SELECT kind || ': ' || note FROM interactions WHERE id ="
	    " (SELECT touch_id FROM activities WHERE id = ?1)", a4), "note: Preparar oferta");
	CHECK_INT(scalar("SELECT at FROM interactions WHERE kind = 'note' AND client_id = 3"),
	    clock_now());
	/* Cancelling records none. */
	CHECK(store_activity_set_status(st, a5, "cancelled", err, sizeof(err)) == 0);
	CHECK_INT(scalar("SELECT count(*) FROM interactions WHERE client_id = 3"), 4);
	CHECK(store_activity_done(st, 4242, NULL, NULL, err, sizeof(err)) == -1);
	CHECK(strstr(err, "no activity") != NULL);
	/* Its touch deleted, the activity stays done and forgets it. */
	CHECK(sqlite3_exec(store_sqlite_handle(st), "DELETE FROM interactions WHERE kind = 'sample'",
	    NULL, NULL, NULL) == SQLITE_OK);
	CHECK_INT(scalar("SELECT touch_id FROM activities WHERE kind = 'sample'"), -1);

	/* Re-planned: a day's activity moved to a time and back. */
	CHECK(store_activity_move(st, a5, at("2026-12-07", 9, 30), NULL, err, sizeof(err)) == 0);
	CHECK_STR(text("SELECT coalesce(day, 'timed') || ' ' || duration_min || ' ' || status"
	    " FROM activities WHERE id = ?1", a5), "timed 30 planned");
	CHECK(store_activity_move_day(st, a5, "2026-12-09", err, sizeof(err)) == 0);
	CHECK_STR(text("SELECT day || ' ' || duration_min FROM activities WHERE id = ?1", a5),
	    "2026-12-09 1440");
	CHECK_INT(scalar("SELECT start_at FROM activities WHERE id = 5"), at("2026-12-09", 0, 0));
	CHECK(store_activity_move_day(st, 4242, "2026-12-09", err, sizeof(err)) == -1);

	store_close(st);
	unlink(path);
	{
		char p2[300];
		snprintf(p2, sizeof(p2), "%s-wal", path);
		unlink(p2);
		snprintf(p2, sizeof(p2), "%s-shm", path);
		unlink(p2);
	}
	rmdir(dir);
	return check_done("test_store_followup");
}
