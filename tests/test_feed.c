/*
 * test_feed.c - the calendar feed as a calendar parser reads it (the HTTP
 * helpers that serve it are test_httpd.c's).
 *
 * A store is filled through the store API with salespeople in
 * Europe/Madrid, America/New_York and UTC and with calls and visits on and
 * across the 2026 DST changes, cancelled, done and out-of-window ones and
 * hostile text.  Each feed is parsed back with libical's own parser and
 * checked: no X-LIC-ERROR, a VTIMEZONE with the plain TZID for every TZID,
 * no floating time, every DTSTART/DTEND back to the stored instant (the
 * UTC instants and the wall-clock strings are written out by hand), text
 * intact, lines of at most 75 octets folded between UTF-8 characters,
 * CRLF, the same bytes on every build of a day, the window, cancelled
 * events kept for feed.cancelled_days, VALARM only when asked for.
 */
#include "build.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>

#include "check.h"
#include "clock.h"
#include "config.h"
#include "feed.h"
#include "ical.h"
#include "record.h"
#include "store.h"
#include "store_sqlite.h"

static char err[1024];
static struct store *st;
static struct config cfg;

/* An instant written as a UTC civil time (no time zone involved). */
static time_t
U(int y, int m, int d, int h, int mi)
{
	return (time_t)clock_date_to_days(y, m, d) * 86400 + h * 3600 + mi * 60;
}

static long long
add_owner(const char *email, const char *name, const char *tz, const char *lang)
{
	struct owner o = { 0 };
	long long id = 0;

	o.email = (char *)(uintptr_t)email;
	o.name = (char *)(uintptr_t)name;
	o.tz = (char *)(uintptr_t)tz;
	o.lang = (char *)(uintptr_t)lang;
	o.active = 1;
	if (store_owner_add(st, &o, &id, err, sizeof(err)) == -1)
		fprintf(stderr, "add_owner %s: %s\n", email, err);
	return id;
}

static long long
add_client(const char *name, const char *owner, const char *contact, const char *phone,
    const char *notes)
{
	struct record r = { 0 };
	long long id = 0;

	r.v[RF_NAME] = name;
	r.v[RF_OWNER] = owner;
	r.v[RF_CONTACT] = contact;
	r.v[RF_PHONE] = phone;
	r.v[RF_NOTES] = notes;
	if (store_client_put(st, 0, &r, &id, err, sizeof(err)) == -1)
		fprintf(stderr, "add_client %s: %s\n", name, err);
	return id;
}

/* An activity planned "at" the current clock; its UID into uid (>= 64). */
static long long
add_act(long long client, long long owner, const char *kind, time_t start, const char *tz,
    int minutes, const char *location, const char *note, char *uid)
{
	sqlite3_stmt *s;
	long long id = 0;

	if (store_activity_add(st, client, owner, kind, start, tz, minutes, location, note, &id,
	    err, sizeof(err)) == -1) {
		fprintf(stderr, "add_act: %s\n", err);
		return 0;
	}
	uid[0] = '\0';
	if (sqlite3_prepare_v2(store_sqlite_handle(st), "SELECT uid FROM activities WHERE id = ?", -1,
	    &s, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, id);
		if (sqlite3_step(s) == SQLITE_ROW)
			snprintf(uid, 64, "%s", (const char *)sqlite3_column_text(s, 0));
		sqlite3_finalize(s);
	}
	return id;
}

/* ---- reading a feed back ---------------------------------------------- */

struct parsed {
	char		*body;		/* owned, as built */
	size_t		 len;
	int		 events;	/* as feed_build_* said */
	icalcomponent	*cal;		/* owned, libical's parse of body */
	icaltimezone	*zones[8];	/* owned, one per VTIMEZONE of the feed */
	size_t		 nzones;
};

static void
parsed_free(struct parsed *p)
{
	free(p->body);
	if (p->cal != NULL)
		icalcomponent_free(p->cal);
	for (size_t i = 0; i < p->nzones; i++)
		icaltimezone_free(p->zones[i], 1);
	memset(p, 0, sizeof(*p));
}

static int
count_xlic_errors(icalcomponent *c)
{
	int n = 0;

	for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_XLICERROR_PROPERTY);
	    p != NULL; p = icalcomponent_get_next_property(c, ICAL_XLICERROR_PROPERTY)) {
		fprintf(stderr, "  X-LIC-ERROR in %s: %s\n",
		    icalcomponent_kind_to_string(icalcomponent_isa(c)),
		    icalproperty_get_xlicerror(p));
		n++;
	}
	for (icalcomponent *k = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT);
	    k != NULL; k = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT))
		n += count_xlic_errors(k);
	return n;
}

static int
utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		size_t k;

		if (c < 0x80)
			k = 0;
		else if (c >= 0xc2 && c <= 0xdf)
			k = 1;
		else if (c >= 0xe0 && c <= 0xef)
			k = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			k = 3;
		else
			return 0;
		for (size_t j = 1; j <= k; j++)
			if (i + j >= n || (s[i + j] & 0xc0) != 0x80)
				return 0;
		i += k + 1;
	}
	return 1;
}

/*
 * The octets themselves: CRLF line ends only, no line over 75 octets,
 * continuation lines start with a space, and each physical line is valid
 * UTF-8 on its own (a fold never splits a character).
 */
static void
check_octets(const char *what, const char *body, size_t len)
{
	const char *p = body, *end = body + len;
	int bad_eol = 0, long_lines = 0, split = 0, lines = 0;

	CHECK(len > 2 && body[len - 2] == '\r' && body[len - 1] == '\n');
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n;

		if (nl == NULL || nl == p || nl[-1] != '\r') {
			bad_eol++;
			break;
		}
		n = (size_t)(nl - 1 - p);
		if (memchr(p, '\r', n) != NULL)
			bad_eol++;
		if (n > 75) {
			if (long_lines++ < 3)
				fprintf(stderr, "  %s: line of %zu octets: %.40s...\n", what, n, p);
		}
		if (!utf8_valid((const unsigned char *)p, n)) {
			if (split++ < 3)
				fprintf(stderr, "  %s: line not UTF-8 on its own: %.40s\n", what, p);
		}
		lines++;
		p = nl + 1;
	}
	if (bad_eol || long_lines || split)
		fprintf(stderr, "%s: %d bad line ends, %d long lines, %d split characters\n",
		    what, bad_eol, long_lines, split);
	CHECK(bad_eol == 0);
	CHECK(long_lines == 0);
	CHECK(split == 0);
	CHECK(lines >= 3);
}

/* Parse, and check what holds for every feed. */
static int
parse_feed(const char *what, struct parsed *p)
{
	int errors;

	check_octets(what, p->body, p->len);
	p->cal = icalparser_parse_string(p->body);
	CHECK(p->cal != NULL);
	if (p->cal == NULL)
		return -1;
	CHECK(icalcomponent_isa(p->cal) == ICAL_VCALENDAR_COMPONENT);
	errors = count_xlic_errors(p->cal);
	if (errors != 0)
		fprintf(stderr, "%s: %d X-LIC-ERROR properties\n", what, errors);
	CHECK_INT(errors, 0);
	CHECK_INT(icalcomponent_count_components(p->cal, ICAL_VEVENT_COMPONENT), p->events);

	/* Each VTIMEZONE becomes a zone of its own, from the feed's data only. */
	for (icalcomponent *vt = icalcomponent_get_first_component(p->cal,
	    ICAL_VTIMEZONE_COMPONENT); vt != NULL;
	    vt = icalcomponent_get_next_component(p->cal, ICAL_VTIMEZONE_COMPONENT)) {
		icalproperty *tp = icalcomponent_get_first_property(vt, ICAL_TZID_PROPERTY);
		const char *tzid = tp ? icalproperty_get_tzid(tp) : NULL;
		icaltimezone *z;

		CHECK(tzid != NULL && tzid[0] != '/' && strstr(tzid, "freeassociation") == NULL);
		if (p->nzones == sizeof(p->zones) / sizeof(p->zones[0]) ||
		    (z = icaltimezone_new()) == NULL)
			break;
		CHECK(icaltimezone_set_component(z, icalcomponent_new_clone(vt)) == 1);
		p->zones[p->nzones++] = z;
	}

	/* Every DTSTART/DTEND: UTC, or a TZID with its VTIMEZONE; never floating. */
	for (icalcomponent *ev = icalcomponent_get_first_component(p->cal, ICAL_VEVENT_COMPONENT);
	    ev != NULL; ev = icalcomponent_get_next_component(p->cal, ICAL_VEVENT_COMPONENT)) {
		icalproperty_kind kinds[] = { ICAL_DTSTART_PROPERTY, ICAL_DTEND_PROPERTY };

		for (size_t k = 0; k < 2; k++) {
			icalproperty *dp = icalcomponent_get_first_property(ev, kinds[k]);
			icalparameter *tp;
			struct icaltimetype tt;
			int known = 0;

			CHECK(dp != NULL);
			if (dp == NULL)
				continue;
			tt = k == 0 ? icalproperty_get_dtstart(dp) : icalproperty_get_dtend(dp);
			CHECK(!tt.is_date);
			tp = icalproperty_get_first_parameter(dp, ICAL_TZID_PARAMETER);
			if (tp == NULL) {
				CHECK(icaltime_is_utc(tt));
				continue;
			}
			for (size_t i = 0; i < p->nzones; i++)
				known |= strcmp(icaltimezone_get_tzid(p->zones[i]),
				    icalparameter_get_tzid(tp)) == 0;
			if (!known)
				fprintf(stderr, "%s: TZID %s has no VTIMEZONE\n", what,
				    icalparameter_get_tzid(tp));
			CHECK(known);
		}
	}
	return 0;
}

static int
build_owner(const char *email, time_t now, struct parsed *p)
{
	memset(p, 0, sizeof(*p));
	if (feed_build_owner(st, &cfg, email, now, &p->body, &p->len, &p->events, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "feed_build_owner %s: %s\n", email, err);
		CHECK(!"feed built");
		return -1;
	}
	return parse_feed(email, p);
}

static icalcomponent *
event(struct parsed *p, const char *uid)
{
	if (p->cal == NULL)
		return NULL;
	for (icalcomponent *ev = icalcomponent_get_first_component(p->cal, ICAL_VEVENT_COMPONENT);
	    ev != NULL; ev = icalcomponent_get_next_component(p->cal, ICAL_VEVENT_COMPONENT))
		if (strcmp(icalcomponent_get_uid(ev), uid) == 0)
			return ev;
	return NULL;
}

/* "TZID|local" or "|utcZ" of a DTSTART/DTEND as written, and its instant. */
static const char *
when(struct parsed *p, icalcomponent *ev, icalproperty_kind kind, time_t *t, char *out,
    size_t len)
{
	icalproperty *dp = ev ? icalcomponent_get_first_property(ev, kind) : NULL;
	icalparameter *tp;
	struct icaltimetype tt;
	const char *tzid = "";

	*t = -1;
	snprintf(out, len, "(none)");
	if (dp == NULL)
		return out;
	tt = kind == ICAL_DTSTART_PROPERTY ? icalproperty_get_dtstart(dp) :
	    icalproperty_get_dtend(dp);
	if ((tp = icalproperty_get_first_parameter(dp, ICAL_TZID_PARAMETER)) != NULL) {
		tzid = icalparameter_get_tzid(tp);
		for (size_t i = 0; i < p->nzones; i++)
			if (strcmp(icaltimezone_get_tzid(p->zones[i]), tzid) == 0) {
				tt.zone = NULL;
				*t = icaltime_as_timet_with_zone(tt, p->zones[i]);
			}
	} else if (icaltime_is_utc(tt))
		*t = icaltime_as_timet(tt);
	snprintf(out, len, "%s|%s", tzid, icaltime_as_ical_string(tt));
	return out;
}

/* The event uid starts at start (written want_start) and ends at end. */
static void
check_times(struct parsed *p, const char *uid, time_t start, const char *want_start,
    time_t end, const char *want_end)
{
	icalcomponent *ev = event(p, uid);
	char got[128];
	time_t t;

	CHECK(ev != NULL);
	CHECK_STR(when(p, ev, ICAL_DTSTART_PROPERTY, &t, got, sizeof(got)), want_start);
	CHECK_INT(t, start);
	CHECK_STR(when(p, ev, ICAL_DTEND_PROPERTY, &t, got, sizeof(got)), want_end);
	CHECK_INT(t, end);
}

static const char *
prop_text(icalcomponent *ev, icalproperty_kind kind)
{
	icalproperty *pp = ev ? icalcomponent_get_first_property(ev, kind) : NULL;

	if (pp == NULL)
		return NULL;
	switch (kind) {
	case ICAL_SUMMARY_PROPERTY:
		return icalproperty_get_summary(pp);
	case ICAL_LOCATION_PROPERTY:
		return icalproperty_get_location(pp);
	case ICAL_DESCRIPTION_PROPERTY:
		return icalproperty_get_description(pp);
	default:
		return icalproperty_get_value_as_string(pp);
	}
}

static int
starts_with(const char *s, const char *prefix)
{
	return s != NULL && strncmp(s, prefix, strlen(prefix)) == 0;
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = s ? strlen(s) : 0, k = strlen(suffix);

	return s != NULL && n >= k && strcmp(s + n - k, suffix) == 0;
}

static int
count_str(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

/* ---- the feed --------------------------------------------------------- */

static void
test_event_text(void)
{
	/* 4-octet characters at every offset against the fold. */
	for (int pad = 0; pad < 5; pad++) {
		char summary[512], *t;
		icalcomponent *ev;
		size_t n = 0;

		for (int i = 0; i < pad; i++)
			summary[n++] = 'x';
		for (int i = 0; i < 60; i++) {
			memcpy(summary + n, "\xf0\x9f\x93\x9e", 4);	/* U+1F4DE */
			n += 4;
		}
		memcpy(summary + n, "ñ€;,\\", 9);
		summary[n + 9] = '\0';
		t = feed_event_text(summary, "Calle Mayor 1, 2º; \"B\"", "l1\nl2\n\nl3\\n");
		CHECK(t != NULL);
		if (t == NULL)
			continue;
		check_octets("feed_event_text", t, strlen(t));
		ev = icalcomponent_new_from_string(t);
		CHECK(ev != NULL);
		if (ev != NULL) {
			CHECK_INT(count_xlic_errors(ev), 0);
			CHECK_STR(prop_text(ev, ICAL_SUMMARY_PROPERTY), summary);
			CHECK_STR(prop_text(ev, ICAL_LOCATION_PROPERTY), "Calle Mayor 1, 2º; \"B\"");
			CHECK_STR(prop_text(ev, ICAL_DESCRIPTION_PROPERTY), "l1\nl2\n\nl3\\n");
			icalcomponent_free(ev);
		}
		free(t);
	}
	/*
	 * A fold moves back off a character, so a continuation line of
	 * 4-octet characters holds 72 octets, not 74: the room ical.c
	 * reserves for folds must allow for that.  "aa" and 977 U+1F600
	 * (3,918 octets with "SUMMARY:") wrote past a 4,096-byte buffer;
	 * a megabyte of such client notes, some 1,800 bytes (found by
	 * fuzz_ical).
	 */
	{
		struct buf b = BUF_INIT;
		char *summary = malloc(2 + 977 * 4 + 1), *t;
		size_t n = 0;

		summary[n++] = 'a';
		summary[n++] = 'a';
		for (int i = 0; i < 977; i++, n += 4)
			memcpy(summary + n, "\xf0\x9f\x98\x80", 4);
		summary[n] = '\0';
		buf_puts(&b, "BEGIN:VEVENT\r\n");
		ical_text(&b, "SUMMARY", summary);
		CHECK(!b.failed && b.len < b.cap);
		buf_free(&b);
		t = feed_event_text(summary, "", "");
		CHECK(t != NULL);
		if (t != NULL)
			check_octets("feed_event_text, 977 emoji", t, strlen(t));
		free(t);
		free(summary);
	}
	CHECK_STR(feed_css_color("#ff0000"), "red");
	CHECK_STR(feed_css_color("#1E88E5"), "dodgerblue");
	CHECK_STR(feed_css_color("#000001"), "black");
	CHECK_STR(feed_css_color("nonsense"), "dodgerblue");
	CHECK_STR(feed_css_color(NULL), "dodgerblue");
}

int
main(void)
{
	char dir[] = "/tmp/test_feed.XXXXXX", path[256], note[2048];
	/* 2026-03-01 12:00Z: 13:00 in Madrid, 07:00 in New York. */
	const time_t now = U(2026, 3, 1, 12, 0);
	long long ana, bob, uto, c_ana, c_hostile, c_bob, c_utc, id, id_m2;
	char m1[64], m2[64], m3[64], m4[64], m5[64], m6[64], m7[64], m8[64], n1[64], n2[64],
	    n3[64], n4[64], n5[64], u1[64], done[64], can[64], oldcan[64], w_in1[64], w_out1[64],
	    w_in2[64], w_out2[64], bad_text[64];
	const char *hostile = "Talleres Pérez, S.L.; división \"Norte\" \\ Ñandú";
	const char *notes = "Línea 1\nLínea 2; con punto y coma, y coma\n\\fin";
	const char *loc = "Calle de Alcalá 23, 2º B; 28014 Madrid \\ portal";
	struct parsed p, q;
	struct feed_set fs;
	icalcomponent *ev;

	test_event_text();

	if (mkdtemp(dir) == NULL)
		return 99;
	snprintf(path, sizeof(path), "%s/c.db", dir);
	if (config_defaults(&cfg) == -1 || store_open(path, STORE_CREATE, &st, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "setup: %s\n", err);
		return 99;
	}
	cfg.feed.past_days = 30;
	cfg.feed.future_days = 300;
	cfg.feed.cancelled_days = 30;
	cfg.feed.alarm_minutes = 0;

	/* A cancellation 40 days ago (2026-01-20 12:00Z, 13:00 in Madrid). */
	clock_set(U(2026, 1, 20, 12, 0), 0);
	ana = add_owner("ana@example.com", "Ana López", "Europe/Madrid", "es");
	bob = add_owner("bob@example.com", "Bob Smith", "America/New_York", "en");
	uto = add_owner("utc@example.com", "Uma Tanaka", "UTC", "en");
	CHECK(ana > 0 && bob > 0 && uto > 0);
	c_ana = add_client("Panadería Núñez", "ana@example.com", "José Núñez", "+34 600 111 222",
	    NULL);
	c_hostile = add_client(hostile, "ana@example.com", "Marta Ibáñez", "911 222 333", notes);
	c_bob = add_client("Bob's Diner, Inc.", "bob@example.com", NULL, NULL, NULL);
	c_utc = add_client("Kaisha; K.K.", "utc@example.com", NULL, NULL, NULL);
	CHECK(c_ana > 0 && c_hostile > 0 && c_bob > 0 && c_utc > 0);
	id = add_act(c_ana, ana, "call", U(2026, 4, 20, 8, 0), "Europe/Madrid", 30, NULL, NULL,
	    oldcan);
	CHECK(store_activity_set_status(st, id, "cancelled", err, sizeof(err)) == 0);

	clock_set(now, 0);
	/* Madrid: 2026-03-29 02:00 CET -> 03:00 CEST at 01:00Z;
	 * 2026-10-25 03:00 CEST -> 02:00 CET at 01:00Z (02:00-02:59 twice). */
	add_act(c_ana, ana, "call", U(2026, 3, 29, 0, 30), "Europe/Madrid", 90, NULL, NULL, m1);
	id_m2 = add_act(c_ana, ana, "call", U(2026, 3, 29, 1, 30), "Europe/Madrid", 30, NULL,
	    NULL, m2);
	add_act(c_ana, ana, "visit", U(2026, 10, 25, 0, 30), "Europe/Madrid", 30, "Sede", NULL,
	    m3);
	add_act(c_ana, ana, "call", U(2026, 10, 25, 1, 30), "Europe/Madrid", 30, NULL, NULL, m4);
	add_act(c_ana, ana, "call", U(2026, 10, 24, 23, 30), "Europe/Madrid", 120, NULL, NULL,
	    m5);
	snprintf(note, sizeof(note), "Llevar muestras\ny el catálogo; pedir precio, plazo\n"
	    "%s", "ñññññññññññññññññññññññññññññññññññññ€€€€€€€€€€€€€€€€€€€€€€€€€€€€📞📞📞📞📞📞📞📞📞📞📞📞📞📞📞📞📞📞📞📞 fin");
	add_act(c_hostile, ana, "visit", U(2026, 7, 15, 8, 0), "Europe/Madrid", 45, loc, note,
	    m6);
	add_act(c_ana, ana, "call", U(2026, 12, 1, 9, 0), "Europe/Madrid", 30, NULL, NULL, m7);
	/* Ana calls a client in New York, in New York time. */
	add_act(c_ana, ana, "call", U(2026, 5, 5, 14, 0), "America/New_York", 30, NULL, NULL, m8);
	/* New York: 2026-03-08 02:00 EST -> 03:00 EDT at 07:00Z;
	 * 2026-11-01 02:00 EDT -> 01:00 EST at 06:00Z (01:00-01:59 twice). */
	add_act(c_bob, bob, "call", U(2026, 3, 8, 6, 30), "America/New_York", 60, NULL, NULL, n1);
	add_act(c_bob, bob, "call", U(2026, 3, 8, 7, 0), "America/New_York", 30, NULL, NULL, n2);
	add_act(c_bob, bob, "visit", U(2026, 11, 1, 5, 30), "America/New_York", 30, NULL, NULL,
	    n3);
	add_act(c_bob, bob, "call", U(2026, 11, 1, 6, 30), "America/New_York", 30, NULL, NULL, n4);
	add_act(c_bob, bob, "call", U(2026, 6, 10, 13, 0), "America/New_York", 30, NULL, NULL, n5);
	add_act(c_utc, uto, "call", U(2026, 4, 1, 10, 0), "UTC", 30, NULL, NULL, u1);
	/* Done, cancelled today, and text with control characters. */
	id = add_act(c_ana, ana, "call", U(2026, 4, 10, 8, 0), "Europe/Madrid", 30, NULL, NULL,
	    done);
	CHECK(store_activity_set_status(st, id, "done", err, sizeof(err)) == 0);
	id = add_act(c_ana, ana, "call", U(2026, 4, 11, 8, 0), "Europe/Madrid", 30, NULL, NULL,
	    can);
	CHECK(store_activity_set_status(st, id, "cancelled", err, sizeof(err)) == 0);
	add_act(c_ana, ana, "call", U(2026, 4, 12, 8, 0), "Europe/Madrid", 30,
	    "Sala\x01 3\x7f", "a\r\nb\rc\x1b[31m\td", bad_text);
	/* The window of 2026-03-01 in Madrid: [2026-01-30 00:00, 2026-12-27 00:00)
	 * local = [2026-01-29 23:00Z, 2026-12-26 23:00Z). */
	add_act(c_ana, ana, "call", U(2026, 1, 29, 23, 0), "Europe/Madrid", 30, NULL, NULL,
	    w_in1);
	add_act(c_ana, ana, "call", U(2026, 1, 29, 22, 59), "Europe/Madrid", 30, NULL, NULL,
	    w_out1);
	add_act(c_ana, ana, "call", U(2026, 12, 26, 22, 59), "Europe/Madrid", 30, NULL, NULL,
	    w_in2);
	add_act(c_ana, ana, "call", U(2026, 12, 26, 23, 0), "Europe/Madrid", 30, NULL, NULL,
	    w_out2);

	/* ---- Madrid ---- */
	if (build_owner("ana@example.com", now, &p) == 0) {
		check_times(&p, m1, U(2026, 3, 29, 0, 30), "Europe/Madrid|20260329T013000",
		    U(2026, 3, 29, 2, 0), "Europe/Madrid|20260329T040000");
		check_times(&p, m2, U(2026, 3, 29, 1, 30), "Europe/Madrid|20260329T033000",
		    U(2026, 3, 29, 2, 0), "Europe/Madrid|20260329T040000");
		/* 02:30 and 02:00 happen twice that night: written in UTC. */
		check_times(&p, m3, U(2026, 10, 25, 0, 30), "|20261025T003000Z",
		    U(2026, 10, 25, 1, 0), "|20261025T010000Z");
		check_times(&p, m4, U(2026, 10, 25, 1, 30), "|20261025T013000Z",
		    U(2026, 10, 25, 2, 0), "Europe/Madrid|20261025T030000");
		check_times(&p, m5, U(2026, 10, 24, 23, 30), "Europe/Madrid|20261025T013000",
		    U(2026, 10, 25, 1, 30), "|20261025T013000Z");
		check_times(&p, m6, U(2026, 7, 15, 8, 0), "Europe/Madrid|20260715T100000",
		    U(2026, 7, 15, 8, 45), "Europe/Madrid|20260715T104500");
		check_times(&p, m7, U(2026, 12, 1, 9, 0), "Europe/Madrid|20261201T100000",
		    U(2026, 12, 1, 9, 30), "Europe/Madrid|20261201T103000");
		check_times(&p, m8, U(2026, 5, 5, 14, 0), "America/New_York|20260505T100000",
		    U(2026, 5, 5, 14, 30), "America/New_York|20260505T103000");
		CHECK_INT(p.nzones, 2);
		CHECK(strstr(p.body, "\r\nTZID:America/New_York\r\n") != NULL);
		CHECK(strstr(p.body, "\r\nTZID:Europe/Madrid\r\n") != NULL);
		CHECK(strstr(p.body, "freeassociation") == NULL);

		/* Text intact: accents, commas, semicolons, backslashes, quotes, lines. */
		ev = event(&p, m6);
		{
			char want[4096];
			snprintf(want, sizeof(want), "Visita: %s", hostile);
			CHECK_STR(prop_text(ev, ICAL_SUMMARY_PROPERTY), want);
			CHECK_STR(prop_text(ev, ICAL_LOCATION_PROPERTY), loc);
			CHECK(starts_with(prop_text(ev, ICAL_DESCRIPTION_PROPERTY),
			    "Contacto: Marta Ibáñez\nTeléfono: 911 222 333\n"
			    "Último contacto: ninguno\nEstado: "));
			snprintf(want, sizeof(want), "\n\n%s\n\nNotas del cliente:\n%s", note, notes);
			CHECK(ends_with(prop_text(ev, ICAL_DESCRIPTION_PROPERTY), want));
			if (!ends_with(prop_text(ev, ICAL_DESCRIPTION_PROPERTY), want))
				fprintf(stderr, "description: %s\n",
				    prop_text(ev, ICAL_DESCRIPTION_PROPERTY));
		}
		CHECK_STR(prop_text(event(&p, m1), ICAL_SUMMARY_PROPERTY), "Llamada: Panadería Núñez");
		CHECK(prop_text(event(&p, m1), ICAL_LOCATION_PROPERTY) == NULL);
		/* Control characters dropped, the rest kept. */
		ev = event(&p, bad_text);
		CHECK_STR(prop_text(ev, ICAL_LOCATION_PROPERTY), "Sala 3");
		/* A lone CR is a line break (old Mac text); ESC and DEL are dropped. */
		CHECK(ends_with(prop_text(ev, ICAL_DESCRIPTION_PROPERTY), "\n\na\nb\nc[31m\td"));

		/* Status: done stays confirmed, cancelled today is kept as such. */
		CHECK_STR(prop_text(event(&p, done), ICAL_STATUS_PROPERTY), "CONFIRMED");
		CHECK_STR(prop_text(event(&p, can), ICAL_STATUS_PROPERTY), "CANCELLED");
		CHECK_STR(prop_text(event(&p, m1), ICAL_STATUS_PROPERTY), "CONFIRMED");
		CHECK_INT(icalproperty_get_sequence(icalcomponent_get_first_property(event(&p, can),
		    ICAL_SEQUENCE_PROPERTY)), 1);
		CHECK(event(&p, oldcan) == NULL);
		/* The window. */
		CHECK(event(&p, w_in1) != NULL);
		CHECK(event(&p, w_out1) == NULL);
		CHECK(event(&p, w_in2) != NULL);
		CHECK(event(&p, w_out2) == NULL);
		CHECK_INT(p.events, 13);
		/* No alarms unless asked. */
		CHECK(strstr(p.body, "BEGIN:VALARM") == NULL);

		/* Byte-stable: again, and later the same local day. */
		if (feed_build_owner(st, &cfg, "ana@example.com", now, &q.body, &q.len, &q.events,
		    err, sizeof(err)) == 0) {
			CHECK(q.len == p.len && memcmp(q.body, p.body, p.len) == 0);
			free(q.body);
		} else
			CHECK(!"rebuilt");
		if (feed_build_owner(st, &cfg, "ana@example.com", U(2026, 3, 1, 22, 59), &q.body,
		    &q.len, &q.events, err, sizeof(err)) == 0) {
			CHECK(q.len == p.len && memcmp(q.body, p.body, p.len) == 0);
			free(q.body);
		} else
			CHECK(!"rebuilt");
		parsed_free(&p);
	}

	/* A change bumps SEQUENCE and keeps the UID; the bytes change. */
	{
		char *before = NULL, *after = NULL;
		size_t lb = 0, la = 0;
		int e;

		feed_build_owner(st, &cfg, "ana@example.com", now, &before, &lb, &e, err,
		    sizeof(err));
		clock_set(now + 60, 0);
		CHECK(store_activity_move(st, id_m2, U(2026, 3, 30, 8, 0), NULL, err, sizeof(err)) == 0);
		if (build_owner("ana@example.com", now, &p) == 0) {
			ev = event(&p, m2);
			CHECK(ev != NULL);
			CHECK_INT(icalproperty_get_sequence(icalcomponent_get_first_property(ev,
			    ICAL_SEQUENCE_PROPERTY)), 1);
			check_times(&p, m2, U(2026, 3, 30, 8, 0), "Europe/Madrid|20260330T100000",
			    U(2026, 3, 30, 8, 30), "Europe/Madrid|20260330T103000");
			after = p.body;
			la = p.len;
			CHECK(before != NULL && (la != lb || memcmp(before, after, la) != 0));
			parsed_free(&p);
		}
		free(before);
		clock_set(now, 0);
	}

	/* Regression: renaming the client changes the event's text, so its
	 * LAST-MODIFIED and DTSTAMP move with it (they only followed the
	 * activity's own changes). */
	{
		struct record r = { 0 };

		clock_set(now + 120, 0);
		r.v[RF_NAME] = "Panadería Núñez e Hijos";
		CHECK(store_client_put(st, c_ana, &r, NULL, err, sizeof(err)) == 0);
		if (build_owner("ana@example.com", now, &p) == 0) {
			ev = event(&p, m2);
			CHECK(ev != NULL);
			if (ev != NULL) {
				struct icaltimetype lm = icalproperty_get_lastmodified(
				    icalcomponent_get_first_property(ev, ICAL_LASTMODIFIED_PROPERTY));
				struct icaltimetype ds = icalproperty_get_dtstamp(
				    icalcomponent_get_first_property(ev, ICAL_DTSTAMP_PROPERTY));
				CHECK(icaltime_as_timet(lm) == now + 120);
				CHECK(icaltime_as_timet(ds) == now + 120);
				CHECK(strstr(icalcomponent_get_summary(ev), "e Hijos") != NULL);
			}
			parsed_free(&p);
		}
		clock_set(now, 0);
	}

	/* ---- the cancelled event of 2026-01-20 stays through 2026-02-19 ---- */
	{
		/* 2026-02-19 23:59 in Madrid is 22:59Z; midnight is 23:00Z. */
		if (build_owner("ana@example.com", U(2026, 2, 19, 22, 59), &p) == 0) {
			CHECK_STR(prop_text(event(&p, oldcan), ICAL_STATUS_PROPERTY), "CANCELLED");
			parsed_free(&p);
		}
		if (build_owner("ana@example.com", U(2026, 2, 19, 23, 0), &p) == 0) {
			CHECK(event(&p, oldcan) == NULL);
			parsed_free(&p);
		}
		cfg.feed.cancelled_days = 0;
		if (build_owner("ana@example.com", now, &p) == 0) {
			CHECK_STR(prop_text(event(&p, can), ICAL_STATUS_PROPERTY), "CANCELLED");
			parsed_free(&p);
		}
		if (build_owner("ana@example.com", U(2026, 3, 1, 23, 0), &p) == 0) {
			CHECK(event(&p, can) == NULL);
			CHECK(event(&p, m1) != NULL);
			parsed_free(&p);
		}
		cfg.feed.cancelled_days = 30;
	}

	/* ---- the narrowest window: today and tomorrow in Madrid, that is
	 * [2026-02-28 23:00Z, 2026-03-02 23:00Z) ---- */
	{
		char t0[64], t1[64], t2[64], t3[64];

		add_act(c_ana, ana, "call", U(2026, 2, 28, 22, 59), "Europe/Madrid", 30, NULL, NULL,
		    t0);
		add_act(c_ana, ana, "call", U(2026, 2, 28, 23, 0), "Europe/Madrid", 30, NULL, NULL,
		    t1);
		add_act(c_ana, ana, "call", U(2026, 3, 2, 22, 59), "Europe/Madrid", 30, NULL, NULL,
		    t2);
		add_act(c_ana, ana, "call", U(2026, 3, 2, 23, 0), "Europe/Madrid", 30, NULL, NULL,
		    t3);
		cfg.feed.past_days = 0;
		cfg.feed.future_days = 1;
		if (build_owner("ana@example.com", now, &p) == 0) {
			CHECK(event(&p, t0) == NULL);
			CHECK(event(&p, t1) != NULL);
			CHECK(event(&p, t2) != NULL);
			CHECK(event(&p, t3) == NULL);
			CHECK_INT(p.events, 2);
			parsed_free(&p);
		}
		cfg.feed.past_days = 30;
		cfg.feed.future_days = 300;
	}

	/* ---- New York ---- */
	if (build_owner("bob@example.com", now, &p) == 0) {
		check_times(&p, n1, U(2026, 3, 8, 6, 30), "America/New_York|20260308T013000",
		    U(2026, 3, 8, 7, 30), "America/New_York|20260308T033000");
		check_times(&p, n2, U(2026, 3, 8, 7, 0), "America/New_York|20260308T030000",
		    U(2026, 3, 8, 7, 30), "America/New_York|20260308T033000");
		check_times(&p, n3, U(2026, 11, 1, 5, 30), "|20261101T053000Z",
		    U(2026, 11, 1, 6, 0), "|20261101T060000Z");
		check_times(&p, n4, U(2026, 11, 1, 6, 30), "|20261101T063000Z",
		    U(2026, 11, 1, 7, 0), "America/New_York|20261101T020000");
		check_times(&p, n5, U(2026, 6, 10, 13, 0), "America/New_York|20260610T090000",
		    U(2026, 6, 10, 13, 30), "America/New_York|20260610T093000");
		CHECK_STR(prop_text(event(&p, n1), ICAL_SUMMARY_PROPERTY), "Call: Bob's Diner, Inc.");
		CHECK(starts_with(prop_text(event(&p, n1), ICAL_DESCRIPTION_PROPERTY),
		    "Last touch: none\nState: "));
		CHECK_INT(p.nzones, 1);
		CHECK_INT(p.events, 5);
		parsed_free(&p);
	}

	/* ---- UTC: no VTIMEZONE needed, times in UTC ---- */
	if (build_owner("utc@example.com", now, &p) == 0) {
		check_times(&p, u1, U(2026, 4, 1, 10, 0), "|20260401T100000Z",
		    U(2026, 4, 1, 10, 30), "|20260401T103000Z");
		CHECK_INT(p.nzones, 0);
		CHECK_INT(p.events, 1);
		parsed_free(&p);
	}

	/* ---- alarms: only on planned events, when alarm_minutes > 0 ---- */
	cfg.feed.alarm_minutes = 15;
	if (build_owner("ana@example.com", now, &p) == 0) {
		int planned = 0, alarms = 0;

		for (ev = icalcomponent_get_first_component(p.cal, ICAL_VEVENT_COMPONENT);
		    ev != NULL; ev = icalcomponent_get_next_component(p.cal, ICAL_VEVENT_COMPONENT)) {
			icalcomponent *al = icalcomponent_get_first_component(ev,
			    ICAL_VALARM_COMPONENT);
			int is_planned = strcmp(icalcomponent_get_uid(ev), done) != 0 &&
			    strcmp(icalcomponent_get_uid(ev), can) != 0;

			planned += is_planned;
			CHECK((al != NULL) == is_planned);
			if (al == NULL)
				continue;
			alarms++;
			CHECK_INT(icalcomponent_count_components(ev, ICAL_VALARM_COMPONENT), 1);
			CHECK_STR(prop_text(al, ICAL_DESCRIPTION_PROPERTY),
			    prop_text(ev, ICAL_SUMMARY_PROPERTY));
			CHECK(icalcomponent_get_first_property(al, ICAL_ACTION_PROPERTY) != NULL &&
			    icalproperty_get_action(icalcomponent_get_first_property(al,
			    ICAL_ACTION_PROPERTY)) == ICAL_ACTION_DISPLAY);
			CHECK(icalcomponent_get_first_property(al, ICAL_TRIGGER_PROPERTY) != NULL &&
			    icaldurationtype_as_int(icalproperty_get_trigger(
			    icalcomponent_get_first_property(al, ICAL_TRIGGER_PROPERTY)).duration) ==
			    -15 * 60);
		}
		CHECK_INT(alarms, planned);
		CHECK(alarms > 5);
		CHECK_INT(count_str(p.body, "TRIGGER:-PT15M\r\n"), alarms);
		parsed_free(&p);
	}
	cfg.feed.alarm_minutes = 0;

	/* ---- the team feed and the set the daemon publishes ---- */
	cfg.feed.team = 1;
	CHECK(store_team_add(st, "Todos", 1, err, sizeof(err)) == 0);
	memset(&p, 0, sizeof(p));
	if (feed_build_team(st, &cfg, "Todos", now, &p.body, &p.len, &p.events, err,
	    sizeof(err)) == 0 && parse_feed("team", &p) == 0) {
		CHECK(event(&p, m6) != NULL && event(&p, n1) != NULL && event(&p, u1) != NULL);
		CHECK_STR(prop_text(event(&p, n1), ICAL_SUMMARY_PROPERTY),
		    "Llamada: Bob's Diner, Inc. (Bob Smith)");
		check_times(&p, n4, U(2026, 11, 1, 6, 30), "|20261101T063000Z",
		    U(2026, 11, 1, 7, 0), "America/New_York|20261101T020000");
		CHECK_INT(p.nzones, 2);
		CHECK_INT(p.events, 13 + 4 + 5 + 1);	/* Ana's with the 4 "today" calls */
		parsed_free(&p);
	} else {
		fprintf(stderr, "team: %s\n", err);
		CHECK(!"team feed built");
	}
	CHECK(feed_build_all(st, &cfg, now, &fs, err, sizeof(err)) == 0);
	CHECK_INT(fs.n, 4);
	/* The next local midnight of any owner: Madrid's, 2026-03-01 23:00Z. */
	CHECK_INT(fs.valid_until, U(2026, 3, 1, 23, 0));
	for (size_t i = 0; i < fs.n; i++) {
		CHECK(fs.v[i].body != NULL && fs.v[i].len == strlen(fs.v[i].body));
		CHECK(strlen(fs.v[i].token) == 32);
		CHECK(starts_with(fs.v[i].path, i < 3 ? "/feed/" : "/team/"));
		CHECK(ends_with(fs.v[i].path, ".ics"));
		CHECK(starts_with(fs.v[i].filename, "cartera-") &&
		    ends_with(fs.v[i].filename, ".ics"));
	}
	if (fs.n >= 1) {
		char *body = NULL;
		size_t len = 0;
		int e;

		CHECK_STR(fs.v[0].filename, "cartera-ana-example-com.ics");
		/* The set holds the same bytes feed_build_owner gives. */
		CHECK(feed_build_owner(st, &cfg, "ana@example.com", now, &body, &len, &e, err,
		    sizeof(err)) == 0);
		CHECK(body != NULL && len == fs.v[0].len && memcmp(body, fs.v[0].body, len) == 0);
		free(body);
	}
	feed_set_free(&fs);

	store_close(st);
	config_free(&cfg);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return check_done("test_feed");
}
