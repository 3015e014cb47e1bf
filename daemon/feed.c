/*
 * feed.c - build iCalendar feeds of planned calls and visits.
 *
 * Reads activities (and, for the description, each client's contact and
 * red/yellow/green state from scan.c) and writes VCALENDAR text.  libical
 * makes the calendar's properties, the VTIMEZONEs and the UTC offsets;
 * the events, thousands per feed, are written by ical.c, which is ten
 * times cheaper than libical's serializer and whose output the tests and
 * the fuzzer read back with libical's parser.  No HTTP here: httpd.c
 * serves what this builds.
 */
#include "build.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libical/ical.h>

#include "buf.h"
#include "clock.h"
#include "feed.h"
#include "i18n.h"
#include "ical.h"
#include "log.h"
#include "scan.h"
#include "tz.h"

/* CSS3 colour keywords (RFC 7986 COLOR takes a name, not a hex value). */
static const struct { const char *name; unsigned rgb; } css[] = {
	{ "aliceblue", 0xf0f8ff }, { "antiquewhite", 0xfaebd7 }, { "aqua", 0x00ffff },
	{ "aquamarine", 0x7fffd4 }, { "azure", 0xf0ffff }, { "beige", 0xf5f5dc },
	{ "bisque", 0xffe4c4 }, { "black", 0x000000 }, { "blanchedalmond", 0xffebcd },
	{ "blue", 0x0000ff }, { "blueviolet", 0x8a2be2 }, { "brown", 0xa52a2a },
	{ "burlywood", 0xdeb887 }, { "cadetblue", 0x5f9ea0 }, { "chartreuse", 0x7fff00 },
	{ "chocolate", 0xd2691e }, { "coral", 0xff7f50 }, { "cornflowerblue", 0x6495ed },
	{ "cornsilk", 0xfff8dc }, { "crimson", 0xdc143c }, { "darkblue", 0x00008b },
	{ "darkcyan", 0x008b8b }, { "darkgoldenrod", 0xb8860b }, { "darkgray", 0xa9a9a9 },
	{ "darkgreen", 0x006400 }, { "darkkhaki", 0xbdb76b }, { "darkmagenta", 0x8b008b },
	{ "darkolivegreen", 0x556b2f }, { "darkorange", 0xff8c00 }, { "darkorchid", 0x9932cc },
	{ "darkred", 0x8b0000 }, { "darksalmon", 0xe9967a }, { "darkseagreen", 0x8fbc8f },
	{ "darkslateblue", 0x483d8b }, { "darkslategray", 0x2f4f4f },
	{ "darkturquoise", 0x00ced1 }, { "darkviolet", 0x9400d3 }, { "deeppink", 0xff1493 },
	{ "deepskyblue", 0x00bfff }, { "dimgray", 0x696969 }, { "dodgerblue", 0x1e90ff },
	{ "firebrick", 0xb22222 }, { "floralwhite", 0xfffaf0 }, { "forestgreen", 0x228b22 },
	{ "fuchsia", 0xff00ff }, { "gainsboro", 0xdcdcdc }, { "ghostwhite", 0xf8f8ff },
	{ "gold", 0xffd700 }, { "goldenrod", 0xdaa520 }, { "gray", 0x808080 },
	{ "green", 0x008000 }, { "greenyellow", 0xadff2f }, { "honeydew", 0xf0fff0 },
	{ "hotpink", 0xff69b4 }, { "indianred", 0xcd5c5c }, { "indigo", 0x4b0082 },
	{ "ivory", 0xfffff0 }, { "khaki", 0xf0e68c }, { "lavender", 0xe6e6fa },
	{ "lavenderblush", 0xfff0f5 }, { "lawngreen", 0x7cfc00 }, { "lemonchiffon", 0xfffacd },
	{ "lightblue", 0xadd8e6 }, { "lightcoral", 0xf08080 }, { "lightcyan", 0xe0ffff },
	{ "lightgoldenrodyellow", 0xfafad2 }, { "lightgray", 0xd3d3d3 },
	{ "lightgreen", 0x90ee90 }, { "lightpink", 0xffb6c1 }, { "lightsalmon", 0xffa07a },
	{ "lightseagreen", 0x20b2aa }, { "lightskyblue", 0x87cefa },
	{ "lightslategray", 0x778899 }, { "lightsteelblue", 0xb0c4de },
	{ "lightyellow", 0xffffe0 }, { "lime", 0x00ff00 }, { "limegreen", 0x32cd32 },
	{ "linen", 0xfaf0e6 }, { "maroon", 0x800000 }, { "mediumaquamarine", 0x66cdaa },
	{ "mediumblue", 0x0000cd }, { "mediumorchid", 0xba55d3 }, { "mediumpurple", 0x9370db },
	{ "mediumseagreen", 0x3cb371 }, { "mediumslateblue", 0x7b68ee },
	{ "mediumspringgreen", 0x00fa9a }, { "mediumturquoise", 0x48d1cc },
	{ "mediumvioletred", 0xc71585 }, { "midnightblue", 0x191970 },
	{ "mintcream", 0xf5fffa }, { "mistyrose", 0xffe4e1 }, { "moccasin", 0xffe4b5 },
	{ "navajowhite", 0xffdead }, { "navy", 0x000080 }, { "oldlace", 0xfdf5e6 },
	{ "olive", 0x808000 }, { "olivedrab", 0x6b8e23 }, { "orange", 0xffa500 },
	{ "orangered", 0xff4500 }, { "orchid", 0xda70d6 }, { "palegoldenrod", 0xeee8aa },
	{ "palegreen", 0x98fb98 }, { "paleturquoise", 0xafeeee },
	{ "palevioletred", 0xdb7093 }, { "papayawhip", 0xffefd5 }, { "peachpuff", 0xffdab9 },
	{ "peru", 0xcd853f }, { "pink", 0xffc0cb }, { "plum", 0xdda0dd },
	{ "powderblue", 0xb0e0e6 }, { "purple", 0x800080 }, { "red", 0xff0000 },
	{ "rosybrown", 0xbc8f8f }, { "royalblue", 0x4169e1 }, { "saddlebrown", 0x8b4513 },
	{ "salmon", 0xfa8072 }, { "sandybrown", 0xf4a460 }, { "seagreen", 0x2e8b57 },
	{ "seashell", 0xfff5ee }, { "sienna", 0xa0522d }, { "silver", 0xc0c0c0 },
	{ "skyblue", 0x87ceeb }, { "slateblue", 0x6a5acd }, { "slategray", 0x708090 },
	{ "snow", 0xfffafa }, { "springgreen", 0x00ff7f }, { "steelblue", 0x4682b4 },
	{ "tan", 0xd2b48c }, { "teal", 0x008080 }, { "thistle", 0xd8bfd8 },
	{ "tomato", 0xff6347 }, { "turquoise", 0x40e0d0 }, { "violet", 0xee82ee },
	{ "wheat", 0xf5deb3 }, { "white", 0xffffff }, { "whitesmoke", 0xf5f5f5 },
	{ "yellow", 0xffff00 }, { "yellowgreen", 0x9acd32 },
};

const char *
feed_css_color(const char *hex)
{
	unsigned v, best = 0;
	long bestd = -1;

	if (hex == NULL || hex[0] != '#' || strlen(hex) != 7)
		return "dodgerblue";
	v = (unsigned)strtoul(hex + 1, NULL, 16);
	for (size_t i = 0; i < sizeof(css) / sizeof(css[0]); i++) {
		long dr = (long)((v >> 16) & 255) - (long)((css[i].rgb >> 16) & 255);
		long dg = (long)((v >> 8) & 255) - (long)((css[i].rgb >> 8) & 255);
		long db = (long)(v & 255) - (long)(css[i].rgb & 255);
		long d = dr * dr * 2 + dg * dg * 4 + db * db * 3;
		if (bestd < 0 || d < bestd) {
			bestd = d;
			best = (unsigned)i;
		}
	}
	return css[best].name;
}

/* Alert state of each client, from one scan per owner. */
struct alerts {
	struct { long long id; enum scan_alert a; } *v;
	size_t n, cap;
};

static int
alerts_add_list(struct alerts *al, const struct scan_list *l, enum scan_alert a)
{
	for (size_t i = 0; i < l->n; i++) {
		if (al->n == al->cap) {
			size_t cap = al->cap ? al->cap * 2 : 256;
			void *nv = reallocarray(al->v, cap, sizeof(*al->v));
			if (nv == NULL)
				return -1;
			al->v = nv;
			al->cap = cap;
		}
		al->v[al->n].id = l->v[i].id;
		al->v[al->n].a = a;
		al->n++;
	}
	return 0;
}

static int
cmp_alert(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static enum scan_alert
alert_of(const struct alerts *al, long long id)
{
	size_t lo = 0, hi = al->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (al->v[mid].id == id)
			return al->v[mid].a;
		if (al->v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return SCAN_NONE;
}

/* The alert state of the clients of r, an owner's scan. */
static int
alerts_from(struct alerts *al, const struct scan_result *r, char *err, size_t errlen)
{
	int rc;

	rc = alerts_add_list(al, &r->red, SCAN_RED) | alerts_add_list(al, &r->yellow, SCAN_YELLOW) |
	    alerts_add_list(al, &r->green, SCAN_GREEN);
	if (rc != 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (al->n > 1)		/* qsort(NULL, 0, ...) is undefined */
		qsort(al->v, al->n, sizeof(*al->v), cmp_alert);
	return 0;
}

static int
alerts_for_owner(struct store *st, const struct config *cfg, const struct owner *o,
    time_t now, const struct scan_cache *k, struct alerts *al, char *err, size_t errlen)
{
	struct scan_result r;
	int rc;

	if (scan_run(st, cfg, o, now, 1, k, &r, err, errlen) == -1)
		return -1;
	rc = alerts_from(al, &r, err, errlen);
	scan_free(&r);
	return rc;
}

/* VTIMEZONE of zone with TZID the plain IANA name (libical adds a prefix). */
static icalcomponent *
vtimezone(icaltimezone *z, const char *zone)
{
	icalcomponent *c, *clone;
	icalproperty *p;

	if (z == NULL || (c = icaltimezone_get_component(z)) == NULL)
		return NULL;
	if ((clone = icalcomponent_new_clone(c)) == NULL)
		return NULL;
	if ((p = icalcomponent_get_first_property(clone, ICAL_TZID_PROPERTY)) != NULL)
		icalproperty_set_tzid(p, zone);
	return clone;
}

static icalproperty *
x_prop(const char *name, const char *value)
{
	icalproperty *p = icalproperty_new_x(value);

	if (p != NULL)
		icalproperty_set_x_name(p, name);
	return p;
}

static struct icaltimetype
utc_time(time_t t)
{
	return icaltime_from_timet_with_zone(t, 0, icaltimezone_get_utc_timezone());
}

static long
utc_offset(icaltimezone *z, time_t t)
{
	struct icaltimetype u = utc_time(t);
	int dst;

	return icaltimezone_get_utc_offset_of_utc_time(z, &u, &dst);
}

/*
 * Does the wall-clock time of t in z occur at another instant too (the
 * hour a fall-back repeats)?  Like tz.c, assumes at most one offset
 * change within a day of any instant.
 */
static int
local_time_repeats(icaltimezone *z, time_t t)
{
	long off = utc_offset(z, t), before = utc_offset(z, t - CLOCK_DAY),
	    after = utc_offset(z, t + CLOCK_DAY);

	if (before != off && utc_offset(z, t + off - before) == before)
		return 1;
	if (after != off && utc_offset(z, t + off - after) == after)
		return 1;
	return 0;
}

/*
 * Drop, in place, the characters an iCalendar TEXT value may not hold:
 * the C0 controls but HTAB and LF, and DEL (a CR LF becomes LF).  Client
 * data comes from CSV files and older databases; one stray control
 * character must not make a calendar application refuse the whole feed.
 */
static void
strip_controls(char *s)
{
	char *w = s;

	if (s == NULL)
		return;
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
			continue;
		*w++ = *s;
	}
	*w = '\0';
}

static const char *
alert_words(enum scan_alert a, int en)
{
	switch (a) {
	case SCAN_RED:
		return en ? "red: contact today" : "rojo: contactar hoy";
	case SCAN_YELLOW:
		return en ? "yellow: contact due soon" : "amarillo: contacto próximo";
	case SCAN_GREEN:
		return en ? "green: waiting for their answer" : "verde: esperando su respuesta";
	default:
		return en ? "up to date" : "al día";
	}
}

/* A zone name looked up once per build: libical's builtin lookup is a
 * linear search over every zone it knows. */
struct zone_seen {
	char		*name;		/* owned */
	icaltimezone	*z;		/* borrowed from libical; NULL if unknown */
	int		 tzid;		/* used as a TZID: needs its VTIMEZONE */
	/* [lo, hi]: the offset is off throughout (checked at both ends, at
	 * most two days apart, and zones change offset at most once a day):
	 * events come in time order, so most lookups end here. */
	time_t		 lo, hi;
	long		 off;
};

struct feed_ctx {
	const struct config	*cfg;
	const char		*lang;
	int			 team;		/* add the owner's name to summaries */
	const char		*call_color;	/* CSS names of cfg's colours */
	const char		*visit_color;
	struct alerts		 alerts;
	const struct scan_cache	*cache;		/* everyone's overdue invoices, or NULL */
	const struct scan_result *scanned;	/* the owner's scan if the caller has it */
	struct zone_seen	*zones;		/* owned */
	size_t			 nzones;
	struct buf		 evtext;	/* the VEVENTs, written by event_text */
	int			 events;
};

/* The entry of zone name (looked up on first use); NULL if out of memory. */
static struct zone_seen *
ctx_zone(struct feed_ctx *fx, const char *name)
{
	struct zone_seen *nv;

	for (size_t i = 0; i < fx->nzones; i++)
		if (strcmp(fx->zones[i].name, name) == 0)
			return &fx->zones[i];
	if ((nv = reallocarray(fx->zones, fx->nzones + 1, sizeof(*nv))) == NULL)
		return NULL;
	fx->zones = nv;
	nv = &fx->zones[fx->nzones];
	if ((nv->name = strdup(name)) == NULL)
		return NULL;
	nv->z = tz_ical(name);
	nv->tzid = 0;
	nv->lo = nv->hi = 0;	/* no offset known yet */
	nv->off = 0;
	fx->nzones++;
	return nv;
}

static int
cmp_zone(const void *a, const void *b)
{
	return strcmp(((const struct zone_seen *)a)->name, ((const struct zone_seen *)b)->name);
}

/* Add p to ev; 0, or -1 (p NULL: out of memory). */
static int
add_prop(icalcomponent *ev, icalproperty *p)
{
	if (p == NULL)
		return -1;
	icalcomponent_add_property(ev, p);
	return 0;
}

/*
 * DTSTART/DTEND at t, never floating: the wall-clock time in the zone
 * with TZID (and zs->tzid set, so its VTIMEZONE is written), or UTC
 * ("...Z") when the zone is UTC (which has no VTIMEZONE) or when that
 * wall-clock time occurs twice, because readers disagree on which
 * occurrence a repeated TZID time means (RFC 5545 says the first,
 * libical takes the second).
 */
static void
event_time(struct buf *b, const char *name, time_t t, struct zone_seen *zs)
{
	long long local;
	long off;

	if (zs->z == icaltimezone_get_utc_timezone()) {
		ical_utc(b, name, t);
		return;
	}
	/* Inside the known-constant span, and far enough from its ends that
	 * no other instant within an offset change of t lies outside it:
	 * the offset is off and the wall-clock time cannot repeat. */
	if (zs->hi > zs->lo && t >= zs->lo + 4 * 3600 && t <= zs->hi - 4 * 3600)
		off = zs->off;
	else {
		long a = utc_offset(zs->z, t - CLOCK_DAY), c = utc_offset(zs->z, t + CLOCK_DAY);

		if (a == c) {
			zs->lo = t - CLOCK_DAY;
			zs->hi = t + CLOCK_DAY;
			zs->off = off = a;
		} else {
			/* A change within a day of t: the careful way. */
			zs->lo = zs->hi = 0;
			if (local_time_repeats(zs->z, t)) {
				ical_utc(b, name, t);
				return;
			}
			off = utc_offset(zs->z, t);
		}
	}
	local = (long long)t + off;
	ical_local(b, name, zs->name, clock_day_of(local), clock_second_of_day(local));
	zs->tzid = 1;
}

/* "Label: value\n" (value "" gives "Label:\n"). */
static void
field(struct buf *b, const char *label, const char *value)
{
	buf_puts(b, label);
	buf_puts(b, *value ? ": " : ":");
	buf_puts(b, value);
	buf_putc(b, '\n');
}

/* "Llamada", "Visit": a kind's word, capitalized (they start in ASCII). */
static void
kind_word(const char *lang, const char *kind, char *out, size_t len)
{
	const char *k = i18n_kind(lang, kind != NULL ? kind : "call");

	snprintf(out, len, "%s", k != NULL ? k : "?");
	if (out[0] >= 'a' && out[0] <= 'z')
		out[0] = (char)(out[0] - 'a' + 'A');
}

/* One VEVENT for ev, appended to out.  0, or -1 out of memory. */
static int
event_text(struct feed_ctx *fx, const struct store_event *ev, struct buf *out)
{
	const struct config *cfg = fx->cfg;
	int en = i18n_is_en(fx->lang);
	const char *kind = ev->kind, *status = ev->status;
	time_t start = ev->start, changed = ev->changed;
	int visit = kind != NULL && strcmp(kind, "visit") == 0;
	int planned = status != NULL && strcmp(status, "planned") == 0;
	struct zone_seen *zs = NULL;
	struct buf summary = BUF_INIT, b = BUF_INIT;
	char d[64], what[32];
	long day;
	int allday;

	/* The activity's zone, else the owner's, else UTC. */
	if (ev->tz != NULL && (zs = ctx_zone(fx, ev->tz)) == NULL)
		return -1;
	if ((zs == NULL || zs->z == NULL) && ev->owner_tz != NULL &&
	    (zs = ctx_zone(fx, ev->owner_tz)) == NULL)
		return -1;
	if ((zs == NULL || zs->z == NULL) && (zs = ctx_zone(fx, "UTC")) == NULL)
		return -1;

	/* "Visita: Talleres Pérez", "Muestra: ...": what is planned, for whom. */
	kind_word(fx->lang, kind, what, sizeof(what));
	buf_puts(&summary, what);
	buf_puts(&summary, ": ");
	buf_puts(&summary, ev->client_name ? ev->client_name : "?");
	if (fx->team && ev->owner_name != NULL) {
		buf_puts(&summary, " (");
		buf_puts(&summary, ev->owner_name);
		buf_putc(&summary, ')');
	}

	/* What the salesperson needs at hand for the call or visit. */
	if (ev->contact_name != NULL)
		field(&b, en ? "Contact" : "Contacto", ev->contact_name);
	if (ev->contact_phone != NULL)
		field(&b, en ? "Phone" : "Teléfono", ev->contact_phone);
	if (ev->contact_email != NULL)
		field(&b, en ? "Email" : "Correo", ev->contact_email);
	if (ev->touched) {
		tz_local_day_z(zs->z, ev->last_touch_at, &day, NULL);
		buf_puts(&b, en ? "Last touch: " : "Último contacto: ");
		buf_puts(&b, i18n_kind(fx->lang, ev->last_touch_kind));
		buf_puts(&b, ", ");
		buf_puts(&b, i18n_date(fx->lang, day, d, sizeof(d)));
		buf_putc(&b, '\n');
	} else
		buf_puts(&b, en ? "Last touch: none\n" : "Último contacto: ninguno\n");
	field(&b, en ? "State" : "Estado",
	    alert_words(alert_of(&fx->alerts, ev->client_id), en));
	if (ev->note != NULL) {
		buf_putc(&b, '\n');
		buf_puts(&b, ev->note);
		buf_putc(&b, '\n');
	}
	if (ev->client_notes != NULL) {
		buf_putc(&b, '\n');
		field(&b, en ? "Client notes" : "Notas del cliente", "");
		buf_puts(&b, ev->client_notes);
		buf_putc(&b, '\n');
	}
	if (b.len > 0 && b.data[b.len - 1] == '\n')
		b.data[--b.len] = '\0';

	buf_puts(out, "BEGIN:VEVENT\r\n");
	ical_text(out, "UID", ev->uid);
	/* The event changes when its client's record does (name, contact,
	 * notes): LAST-MODIFIED and DTSTAMP follow the later of the two. */
	ical_utc(out, "DTSTAMP", changed);
	allday = ev->day != NULL && clock_date_parse(ev->day, &day) == 0;
	if (allday) {
		/* For a whole day: dates, no time and no zone (RFC 5545 3.6.1:
		 * DTEND is the day after). */
		ical_date(out, "DTSTART", day);
		ical_date(out, "DTEND", day + 1);
	} else {
		event_time(out, "DTSTART", start, zs);
		event_time(out, "DTEND", start + (time_t)ev->duration_min * 60, zs);
	}
	ical_text(out, "SUMMARY", summary.data);
	if (ev->location != NULL)
		ical_text(out, "LOCATION", ev->location);
	ical_text(out, "DESCRIPTION", b.data ? b.data : "");
	ical_text(out, "CATEGORIES", what);
	ical_raw(out, "COLOR", visit ? fx->visit_color : fx->call_color);
	ical_raw(out, "STATUS", status != NULL && strcmp(status, "cancelled") == 0 ?
	    "CANCELLED" : "CONFIRMED");
	buf_reset(&b);
	buf_printf(&b, "%d", ev->sequence);
	ical_raw(out, "SEQUENCE", b.data);
	ical_utc(out, "CREATED", ev->created);
	ical_utc(out, "LAST-MODIFIED", changed);
	/* A day's follow-up (a sample to send, a survey) does not fill the
	 * day: free time, and no alarm at midnight -- the digest of that
	 * morning lists it. */
	ical_raw(out, "TRANSP", allday ? "TRANSPARENT" : "OPAQUE");
	if (cfg->feed.alarm_minutes > 0 && planned && !allday) {
		/* The reminder says what the event is: its summary. */
		buf_reset(&b);
		buf_printf(&b, "-PT%dM", cfg->feed.alarm_minutes);
		buf_puts(out, "BEGIN:VALARM\r\n");
		ical_raw(out, "ACTION", "DISPLAY");
		ical_raw(out, "TRIGGER", b.data);
		ical_text(out, "DESCRIPTION", summary.data);
		buf_puts(out, "END:VALARM\r\n");
	}
	buf_puts(out, "END:VEVENT\r\n");
	buf_free(&summary);
	buf_free(&b);
	return out->failed || summary.failed ? -1 : 0;
}

/* store_feed_events' callback: one event into fx. */
static int
add_event(const struct store_event *ev, void *arg)
{
	struct feed_ctx *fx = arg;

	if (event_text(fx, ev, &fx->evtext) == -1)
		return 1;	/* out of memory */
	fx->events++;
	return 0;
}

/* Collect the events of owner in fx. */
static int
owner_events(struct store *st, struct feed_ctx *fx, const struct owner *o, time_t now,
    char *err, size_t errlen)
{
	const struct config *cfg = fx->cfg;
	time_t from, to, cut;
	long today;
	int rc;

	if ((fx->scanned != NULL ? alerts_from(&fx->alerts, fx->scanned, err, errlen) :
	    alerts_for_owner(st, cfg, o, now, fx->cache, &fx->alerts, err, errlen)) == -1)
		return -1;
	/*
	 * The window and the end of a cancelled event's stay are local days,
	 * so the feed only changes with the store and at local midnight, when
	 * the daemon rebuilds it anyway: cancelled on day D, an event stays
	 * through day D + cancelled_days.
	 */
	if (tz_local_day(o->tz, now, &today, NULL) == -1 ||
	    tz_day_start(o->tz, today - cfg->feed.past_days, &from) == -1 ||
	    tz_day_start(o->tz, today + cfg->feed.future_days + 1, &to) == -1 ||
	    tz_day_start(o->tz, today - cfg->feed.cancelled_days, &cut) == -1) {
		snprintf(err, errlen, "owner %s: unknown time zone \"%s\"", o->email, o->tz);
		return -1;
	}
	rc = store_feed_events(st, o->id, from, to, cut, add_event, fx, err, errlen);
	if (rc == 1)
		snprintf(err, errlen, "out of memory");
	return rc == 0 ? 0 : -1;
}

/* The VCALENDAR with its own properties; NULL when out of memory. */
static icalcomponent *
calendar(const struct config *cfg, const char *name, const char *zone, const char *lang)
{
	icalcomponent *cal = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);
	struct buf title = BUF_INIT;
	char v[128];
	int bad = 0;

	if (cal == NULL)
		return NULL;
	buf_puts(&title, name);
	strip_controls(title.data);
	snprintf(v, sizeof(v), "-//Cartera//Cartera %s//%s", PACKAGE_VERSION,
	    i18n_is_en(lang) ? "EN" : "ES");
	bad |= add_prop(cal, icalproperty_new_prodid(v));
	bad |= add_prop(cal, icalproperty_new_version("2.0"));
	bad |= add_prop(cal, icalproperty_new_calscale("GREGORIAN"));
	bad |= add_prop(cal, icalproperty_new_method(ICAL_METHOD_PUBLISH));
	if (title.failed)
		bad = 1;
	else {
		bad |= add_prop(cal, x_prop("X-WR-CALNAME", title.data));
		bad |= add_prop(cal, icalproperty_new_name(title.data));
	}
	buf_free(&title);
	bad |= add_prop(cal, x_prop("X-WR-TIMEZONE", zone));
	bad |= add_prop(cal, icalproperty_new_refreshinterval(
	    icaldurationtype_from_int(cfg->feed.refresh_minutes * 60)));
	snprintf(v, sizeof(v), "PT%dM", cfg->feed.refresh_minutes);
	bad |= add_prop(cal, x_prop("X-PUBLISHED-TTL", v));
	bad |= add_prop(cal, icalproperty_new_color(feed_css_color(cfg->feed.color)));
	bad |= add_prop(cal, x_prop("X-APPLE-CALENDAR-COLOR", cfg->feed.color));
	if (bad) {
		icalcomponent_free(cal);
		return NULL;
	}
	return cal;
}

static void
ctx_free(struct feed_ctx *fx)
{
	buf_free(&fx->evtext);
	free(fx->alerts.v);
	for (size_t i = 0; i < fx->nzones; i++)
		free(fx->zones[i].name);
	free(fx->zones);
}

/*
 * The calendar's own properties and its VTIMEZONEs (sorted by name) come
 * from libical; the events, in query order, go in before its END line.
 */
static int
finish(struct feed_ctx *fx, icalcomponent *cal, char **body, size_t *len, char *err,
    size_t errlen)
{
	static const char end[] = "END:VCALENDAR\r\n";
	icalcomponent *vt;
	char *text;
	size_t tl, el = strlen(end);

	if (fx->nzones > 1)
		qsort(fx->zones, fx->nzones, sizeof(*fx->zones), cmp_zone);
	for (size_t i = 0; i < fx->nzones; i++) {
		if (!fx->zones[i].tzid)
			continue;
		if ((vt = vtimezone(fx->zones[i].z, fx->zones[i].name)) == NULL) {
			snprintf(err, errlen, "no time zone data for %s", fx->zones[i].name);
			return -1;
		}
		icalcomponent_add_component(cal, vt);
	}
	if (fx->evtext.failed) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((text = icalcomponent_as_ical_string_r(cal)) == NULL) {
		snprintf(err, errlen, "cannot serialise the calendar");
		return -1;
	}
	tl = strlen(text);
	if (tl < el || strcmp(text + tl - el, end) != 0) {
		icalmemory_free_buffer(text);
		snprintf(err, errlen, "unexpected calendar text from libical");
		return -1;
	}
	*len = tl + fx->evtext.len;
	if ((*body = malloc(*len + 1)) == NULL) {
		icalmemory_free_buffer(text);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(*body, text, tl - el);
	if (fx->evtext.len > 0)
		memcpy(*body + tl - el, fx->evtext.data, fx->evtext.len);
	memcpy(*body + tl - el + fx->evtext.len, end, el + 1);
	icalmemory_free_buffer(text);
	return 0;
}

static int
build_for(struct store *st, const struct config *cfg, const struct owner *owners, size_t n,
    const char *title, const char *zone, const char *lang, int team, time_t now,
    const struct scan_cache *k, const struct scan_result *scanned, char **body, size_t *len,
    int *events, char *err, size_t errlen)
{
	struct feed_ctx fx;
	icalcomponent *cal;
	int rc = -1;

	memset(&fx, 0, sizeof(fx));
	fx.cfg = cfg;
	fx.cache = k;
	fx.scanned = n == 1 ? scanned : NULL;
	fx.lang = lang;
	fx.team = team;
	fx.call_color = feed_css_color(cfg->feed.call_color);
	fx.visit_color = feed_css_color(cfg->feed.visit_color);
	if ((cal = calendar(cfg, title, zone, lang)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		fx.alerts.n = 0;
		if (owner_events(st, &fx, &owners[i], now, err, errlen) == -1)
			goto out;
	}
	rc = finish(&fx, cal, body, len, err, errlen);
	if (events != NULL)
		*events = fx.events;
out:
	icalcomponent_free(cal);
	ctx_free(&fx);
	return rc;
}

/* One owner's feed (o as loaded from the store; r its scan, or NULL). */
static int
build_owner(struct store *st, const struct config *cfg, const struct owner *o, time_t now,
    const struct scan_result *r, char **body, size_t *len, int *events, char *err,
    size_t errlen)
{
	char title[512];

	if (tz_check(o->tz) == -1) {
		snprintf(err, errlen, "owner %s: unknown time zone \"%s\"", o->email, o->tz);
		return -1;
	}
	snprintf(title, sizeof(title), "Cartera — %s", o->name);
	return build_for(st, cfg, o, 1, title, o->tz, o->lang, 0, now, NULL, r, body, len,
	    events, err, errlen);
}

int
feed_build_owner(struct store *st, const struct config *cfg, const char *email, time_t now,
    char **body, size_t *len, int *events, char *err, size_t errlen)
{
	struct owner o;
	int rc;

	rc = store_owner_get(st, email, &o, err, errlen);
	if (rc == 1)
		snprintf(err, errlen, "no owner with email %s", email);
	if (rc != 0)
		return -1;
	rc = build_owner(st, cfg, &o, now, NULL, body, len, events, err, errlen);
	store_owner_clear(&o);
	return rc;
}

/* Active owners of a team (all of them for an all-owners team). */
static int
team_owners(struct store *st, const char *team, struct owner **out, size_t *n, char **token,
    char *err, size_t errlen)
{
	struct owner *all;
	size_t na, k = 0;
	int every = 0, rc;

	if ((rc = store_team_get(st, team, token, &every, err, errlen)) == -1)
		return -1;
	if (rc == 1) {
		snprintf(err, errlen, "no team named \"%s\"", team);
		return -1;
	}
	if (store_owner_load(st, 1, &all, &na, err, errlen) == -1) {
		free(*token);
		return -1;
	}
	for (size_t i = 0; i < na; i++) {
		if ((every || (all[i].team != NULL && strcasecmp(all[i].team, team) == 0)) &&
		    tz_check(all[i].tz) == 0)
			all[k++] = all[i];
		else
			store_owner_clear(&all[i]);
	}
	*out = all;
	*n = k;
	return 0;
}

/* A team's feed; its token in *token (owned) when token is not NULL. */
static int
build_team(struct store *st, const struct config *cfg, const char *team, time_t now,
    const struct scan_cache *k, char **token, char **body, size_t *len, int *events,
    char *err, size_t errlen)
{
	struct owner *v = NULL;
	size_t n = 0;
	char title[512], *tok = NULL;
	int rc;

	if (token != NULL)
		*token = NULL;
	if (team_owners(st, team, &v, &n, &tok, err, errlen) == -1)
		return -1;
	snprintf(title, sizeof(title), "Cartera — %s", team);
	rc = build_for(st, cfg, v, n, title, cfg->digest.default_timezone, cfg->digest.language,
	    1, now, k, NULL, body, len, events, err, errlen);
	for (size_t i = 0; i < n; i++)
		store_owner_clear(&v[i]);
	free(v);
	if (rc == 0 && token != NULL)
		*token = tok;
	else
		free(tok);
	return rc;
}

int
feed_build_team(struct store *st, const struct config *cfg, const char *team, time_t now,
    char **body, size_t *len, int *events, char *err, size_t errlen)
{
	return build_team(st, cfg, team, now, NULL, NULL, body, len, events, err, errlen);
}

/* "ana@example.com" -> "cartera-ana-example-com.ics" */
static char *
filename_for(const char *who)
{
	struct buf b = BUF_INIT;

	buf_puts(&b, "cartera-");
	for (const char *p = who; *p && b.len < 80; p++) {
		char c = *p;
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			buf_putc(&b, c);
		else if (c >= 'A' && c <= 'Z')
			buf_putc(&b, c - 'A' + 'a');
		else if (b.len > 0 && b.data[b.len - 1] != '-')
			buf_putc(&b, '-');
	}
	buf_puts(&b, ".ics");
	return buf_steal(&b);
}

static int
set_add(struct feed_set *fs, const char *token, const char *kind, const char *who,
    char *body, size_t len, int events)
{
	struct feed *nv, *f;

	if ((nv = reallocarray(fs->v, fs->n + 1, sizeof(*nv))) == NULL)
		return -1;
	fs->v = nv;
	f = &fs->v[fs->n];
	memset(f, 0, sizeof(*f));
	if ((f->token = strdup(token)) == NULL ||
	    asprintf(&f->path, "/%s/%s.ics", kind, token) == -1 ||
	    (f->filename = filename_for(who)) == NULL) {
		free(f->token);
		free(f->filename);
		return -1;
	}
	f->body = body;
	f->len = len;
	f->events = events;
	fs->n++;
	return 0;
}

/* feed_build_all's state across scan_each_owner's calls. */
struct build_all {
	struct store		*st;
	const struct config	*cfg;
	time_t			 now;
	struct feed_set		*out;
};

/* Owner o's feed from its scan. */
static int
build_one(size_t i, const struct owner *o, const struct scan_result *r, void *arg,
    char *err, size_t errlen)
{
	struct build_all *b = arg;
	char *body, e[1024];
	size_t len;
	int events;
	long today;
	time_t midnight;

	(void)i;
	if (tz_local_day(o->tz, b->now, &today, NULL) == 0 &&
	    tz_day_start(o->tz, today + 1, &midnight) == 0 &&
	    (b->out->valid_until == 0 || midnight < b->out->valid_until))
		b->out->valid_until = midnight;
	if (r == NULL) {
		log_warnx("feed of %s not built: %s", o->email, err);
		return 0;
	}
	if (build_owner(b->st, b->cfg, o, b->now, r, &body, &len, &events, e, sizeof(e)) == -1) {
		log_warnx("feed of %s not built: %s", o->email, e);
		return 0;
	}
	if (set_add(b->out, o->feed_token, "feed", o->email, body, len, events) == -1) {
		free(body);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* Then the team feeds, with everyone's overdue invoices still at hand. */
static int
build_teams(const struct owner *v, size_t n, const struct scan_cache *cache, void *arg,
    char *err, size_t errlen)
{
	struct build_all *b = arg;
	char **names = NULL, e[1024];
	size_t nn = 0;
	int rc = 0;

	(void)v;
	(void)n;
	if (!b->cfg->feed.team)
		return 0;
	if (store_team_names(b->st, &names, &nn, err, errlen) == -1)
		return -1;
	for (size_t i = 0; i < nn && rc == 0; i++) {
		char *token = NULL, *body = NULL;
		size_t len;
		int events;

		if (build_team(b->st, b->cfg, names[i], b->now, cache, &token, &body, &len,
		    &events, e, sizeof(e)) == -1)
			log_warnx("team feed %s not built: %s", names[i], e);
		else if (set_add(b->out, token, "team", names[i], body, len, events) == -1) {
			/* As for an owner's feed: the whole set fails, the old one stays. */
			free(body);
			snprintf(err, errlen, "out of memory");
			rc = -1;
		}
		free(token);
	}
	for (size_t i = 0; i < nn; i++)
		free(names[i]);
	free(names);
	return rc;
}

int
feed_build_all(struct store *st, const struct config *cfg, time_t now, struct feed_set *out,
    char *err, size_t errlen)
{
	struct build_all b = { st, cfg, now, out };
	struct scan_each e = { .now = now, .detail = 1, .fn = build_one, .done = build_teams,
	    .arg = &b };

	memset(out, 0, sizeof(*out));
	if (scan_each_owner(st, cfg, &e, err, errlen) == -1) {
		feed_set_free(out);
		return -1;
	}
	return 0;
}

void
feed_set_free(struct feed_set *fs)
{
	for (size_t i = 0; i < fs->n; i++) {
		free(fs->v[i].token);
		free(fs->v[i].path);
		free(fs->v[i].filename);
		free(fs->v[i].body);
	}
	free(fs->v);
	memset(fs, 0, sizeof(*fs));
}

char *
feed_event_text(const char *summary, const char *location, const char *description)
{
	struct buf b = BUF_INIT;

	/* The same writer the feed's events go through. */
	buf_puts(&b, "BEGIN:VEVENT\r\n");
	ical_text(&b, "SUMMARY", summary);
	ical_text(&b, "LOCATION", location);
	ical_text(&b, "DESCRIPTION", description);
	buf_puts(&b, "END:VEVENT\r\n");
	return buf_steal(&b);
}
