/*
 * cli_history.c - the commands that record what happened and what is
 * planned: log, plan, activity, invoice, nps, cost, segment.
 *
 * Argument parsing and wiring only: amounts are parsed by record.c, times
 * read in the owner's zone by tz.c, writes are the store's, each inside one
 * transaction.  No SQL, no business rules.
 */
#include "build.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "cli_priv.h"
#include "clock.h"
#include "config.h"
#include "nls.h"
#include "i18n.h"
#include "output.h"
#include "record.h"
#include "store.h"
#include "tz.h"

/* ---- interactions ---------------------------------------------------- */

int
cli_cmd_log(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "at", required_argument, NULL, 'a' },
		{ "outcome", required_argument, NULL, 'o' },
		{ "note", required_argument, NULL, 'n' },
		{ "by", required_argument, NULL, 'b' },
		{ "tz", required_argument, NULL, 'z' },
		{ "received", no_argument, NULL, 'r' },
		{ "next", required_argument, NULL, 'x' },
		{ "in", required_argument, NULL, 'i' },
		HELP_OPT, END_OPT
	};
	const char *at = "now", *outcome = "done", *note = NULL, *by = NULL, *zone = NULL;
	const char *kind, *next = NULL, *in = NULL;
	char *tz = NULL, nday[16];
	struct owner o = { 0 };
	struct touch t = { 0 };
	long long client, id, by_id = 0;
	time_t when;
	int ch, ret, received = 0;

	cli_reset_getopt();
	while ((ch = cli_next_opt(argc, argv, opts, "log", &ret)) != -1) {
		switch (ch) {
		case -2: return ret;
		case 'a': at = optarg; break;
		case 'n': note = optarg; break;
		case 'b': by = optarg; break;
		case 'z': zone = optarg; break;
		case 'r': received = 1; break;
		case 'x': next = optarg; break;
		case 'i': in = optarg; break;
		case 'o':
			if ((outcome = record_outcome(optarg)) == NULL)
				return cli_usage("log", _("--outcome must be done, waiting or "
				    "no-answer, not \"%s\""), optarg);
			break;
		}
	}
	if (optind + 2 != argc)
		return cli_usage("log", _("expected CLIENT KIND"));
	if (next != NULL && in != NULL)
		return cli_usage("log", _("give --next DATE or --in N[dwm], not both"));
	if ((kind = record_touch_kind(argv[optind + 1])) == NULL)
		return cli_usage("log", _("KIND must be call, visit, email, meeting, note, "
		    "sample or survey, not \"%s\""), argv[optind + 1]);
	if (note != NULL && strlen(note) > RECORD_NOTES_MAX)
		return cli_failf(_("--note is too long (at most %d bytes)"), RECORD_NOTES_MAX);
	if (zone != NULL && cli_check_zone(c, zone) == -1)
		return cli_fail(c);
	if (cli_begin(c) == -1)
		return cli_fail(c);
	if (cli_resolve_client(c, argv[optind], &client) == -1)
		return cli_abort(c);
	if (by != NULL) {
		int r = store_owner_get(c->st, by, &o, c->err, sizeof(c->err));
		if (r == 1)
			snprintf(c->err, sizeof(c->err), _("no owner with email %s"), by);
		if (r != 0)
			return cli_abort(c);
		by_id = o.id;
		if (zone == NULL)
			zone = tz = strdup(o.tz);
		store_owner_clear(&o);
	}
	if (zone == NULL) {
		if (store_client_tz(c->st, client, c->cfg.digest.default_timezone, &tz,
		    c->err, sizeof(c->err)) == -1)
			return cli_abort(c);
		zone = tz;
	}
	/* The client's owner did it, unless told otherwise. */
	if (by_id == 0 && store_client_owner(c->st, client, &by_id, c->err,
	    sizeof(c->err)) == -1) {
		free(tz);
		return cli_abort(c);
	}
	if (cli_parse_time(c, at, zone, 12 * 60, &when) == -1) {
		free(tz);
		return cli_abort(c);
	}
	/* A touch is something that happened; the future is for "plan". */
	if (when > clock_now() + 300) {
		free(tz);
		snprintf(c->err, sizeof(c->err), _("--at %s is in the future; a touch records "
		    "what happened (schedule a call or visit with \"cartera plan\")"), at);
		return cli_abort(c);
	}
	/* "today" in the touch's zone; the store checks it comes after the touch. */
	if (next != NULL && cli_parse_day(c, next, zone, nday, sizeof(nday)) == -1) {
		free(tz);
		return cli_abort(c);
	}
	free(tz);
	t.client = client;
	t.kind = kind;
	t.at = when;
	t.outcome = outcome;
	t.note = note;
	t.by_owner = by_id;
	t.direction = received ? "in" : "out";
	t.next = next != NULL ? nday : NULL;
	t.next_in = in;
	if (store_touch_add(c->st, &t, &id, c->err, sizeof(c->err)) == -1)
		return cli_abort(c);
	if (cli_commit(c) == -1)
		return cli_fail(c);
	if (!c->quiet)
		printf(received ? _("%s from client %lld (%s)%s%s\n") :
		    _("%s logged for client %lld (%s)%s%s\n"), output_word(kind), client,
		    output_word(outcome), t.next ? _("; next contact ") : "",
		    t.next ? t.next : "");
	return 0;
}

/* ---- activities ------------------------------------------------------ */

/* Owner id and zone of a client, for planning. */
struct client_owner {
	long long	 owner_id;
	char		*address;
};

/* "Street 1, 28014 Madrid" from a client row. */
static int
client_owner_row(const struct store_row *r, void *arg)
{
	struct client_owner *co = arg;
	const char *addr = store_row_value(r, "address"), *pc = store_row_value(r, "postal_code");
	const char *city = store_row_value(r, "city");
	struct buf b = BUF_INIT;

	if (addr != NULL)
		buf_puts(&b, addr);
	if (pc != NULL || city != NULL) {
		if (b.len > 0)
			buf_puts(&b, ", ");
		buf_printf(&b, "%s%s%s", pc ? pc : "", pc && city ? " " : "", city ? city : "");
	}
	co->address = b.len > 0 ? buf_steal(&b) : NULL;
	buf_free(&b);
	return 1;
}

/* An activity kind, English or Spanish: a touch kind but a note, or a task. */
static const char *
activity_kind(const char *arg)
{
	const char *k = record_touch_kind(arg);

	if (k != NULL && strcmp(k, "note") != 0)
		return k;
	if (strcasecmp(arg, "task") == 0 || strcasecmp(arg, "tarea") == 0)
		return "task";
	return NULL;
}

int
cli_cmd_plan(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "at", required_argument, NULL, 'a' },
		{ "on", required_argument, NULL, 'O' },
		{ "tz", required_argument, NULL, 'z' },
		{ "duration", required_argument, NULL, 'd' },
		{ "location", required_argument, NULL, 'l' },
		{ "note", required_argument, NULL, 'n' },
		{ "owner", required_argument, NULL, 'o' },
		HELP_OPT, END_OPT
	};
	const char *at = NULL, *zone = NULL, *location = NULL, *note = NULL, *owner = NULL;
	const char *kind, *on = NULL;
	char day[16];
	struct client_owner co = { 0, NULL };
	struct owner o = { 0 };
	long long client, id;
	long duration = 30;
	time_t when;
	int ch, ret, r, duration_given = 0;

	cli_reset_getopt();
	while ((ch = cli_next_opt(argc, argv, opts, "plan", &ret)) != -1) {
		switch (ch) {
		case -2: return ret;
		case 'a': at = optarg; break;
		case 'O': on = optarg; break;
		case 'z': zone = optarg; break;
		case 'l': location = optarg; break;
		case 'n': note = optarg; break;
		case 'o': owner = optarg; break;
		case 'd':
			if (cli_parse_long(optarg, 1, 24 * 60 * 14, &duration) == -1)
				return cli_usage("plan", _("--duration wants minutes (1-20160)"));
			duration_given = 1;
			break;
		}
	}
	if (optind + 2 != argc)
		return cli_usage("plan", _("expected CLIENT KIND"));
	if ((kind = activity_kind(argv[optind + 1])) == NULL)
		return cli_usage("plan", _("KIND must be call, visit, email, sample, survey, "
		    "meeting or task, not \"%s\""), argv[optind + 1]);
	if ((at == NULL) == (on == NULL))
		return cli_usage("plan", _("give --at \"YYYY-MM-DD HH:MM\" (a time) or --on "
		    "YYYY-MM-DD (the whole day)"));
	if (on != NULL && duration_given)
		return cli_usage("plan", _("--duration is for a time (--at): --on takes the "
		    "whole day"));
	if (zone != NULL && cli_check_zone(c, zone) == -1)
		return cli_fail(c);
	for (const char *p = location ? location : ""; *p; p++)
		if (*p == '\r' || *p == '\n')
			return cli_failf(_("--location contains a line break"));
	if (cli_begin(c) == -1)
		return cli_fail(c);
	if (cli_resolve_client(c, argv[optind], &client) == -1)
		return cli_abort(c);
	if (store_client_show(c->st, client, client_owner_row, &co, c->err,
	    sizeof(c->err)) == -1)
		return cli_abort(c);
	if (owner != NULL)
		r = store_owner_get(c->st, owner, &o, c->err, sizeof(c->err));
	else {
		/* The client's owner plans it. */
		long long oid;
		r = store_client_owner(c->st, client, &oid, c->err, sizeof(c->err));
		if (r == 0)
			r = store_owner_get_id(c->st, oid, &o, c->err, sizeof(c->err));
	}
	if (r == 1)
		snprintf(c->err, sizeof(c->err), owner ? "no owner with email %s" :
		    "client has no owner; give --owner EMAIL", owner);
	if (r != 0) {
		free(co.address);
		return cli_abort(c);
	}
	if (zone == NULL)
		zone = o.tz;
	if ((at != NULL && cli_parse_time(c, at, zone, -1, &when) == -1) ||
	    (on != NULL && cli_parse_day(c, on, zone, day, sizeof(day)) == -1)) {
		free(co.address);
		store_owner_clear(&o);
		return cli_abort(c);
	}
	if (location == NULL && strcmp(kind, "visit") == 0)
		location = co.address;
	if (on != NULL)
		r = store_activity_add_day(c->st, client, o.id, kind, day, zone, location,
		    note, &id, c->err, sizeof(c->err));
	else
		r = store_activity_add(c->st, client, o.id, kind, when, zone, (int)duration,
		    location, note, &id, c->err, sizeof(c->err));
	store_owner_clear(&o);
	free(co.address);
	if (r == -1)
		return cli_abort(c);
	if (cli_commit(c) == -1)
		return cli_fail(c);
	if (!c->quiet)
		printf(_("%s %lld planned for client %lld\n"), output_word(kind), id, client);
	return 0;
}

static int
list_activities(struct cli *c, struct output *o, void *arg)
{
	return store_activity_list(c->st, arg, output_row, o, c->err, sizeof(c->err));
}

int
cli_cmd_activity_list(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "owner", required_argument, NULL, 'o' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "client", required_argument, NULL, 'c' },
		{ "status", required_argument, NULL, 's' },
		{ "tz", required_argument, NULL, 'Z' },
		{ "csv", no_argument, NULL, 'C' },
		HELP_OPT, END_OPT
	};
	struct activity_filter f = { 0 };
	const char *from = NULL, *to = NULL, *client = NULL;
	const char *zone = c->cfg.digest.default_timezone;
	enum output_mode mode = cli_list_mode(c);
	struct owner o = { 0 };
	long d;
	int ch, ret, r;

	cli_reset_getopt();
	while ((ch = cli_next_opt(argc, argv, opts, "activity list", &ret)) != -1) {
		switch (ch) {
		case -2: return ret;
		case 'o': f.owner = optarg; break;
		case 'f': from = optarg; break;
		case 't': to = optarg; break;
		case 'c': client = optarg; break;
		case 's':
			if ((f.status = record_word(RW_ACTIVITY_STATUS, optarg)) == NULL)
				return cli_usage("activity list",
				    _("--status must be planned, done or cancelled"));
			break;
		case 'Z':
			if (cli_show_zone(c, optarg) == -1)
				return cli_fail(c);
			break;
		case 'C': mode = OUTPUT_CSV; break;
		}
	}
	if (optind != argc)
		return cli_usage("activity list", _("unexpected argument %s"), argv[optind]);
	if (cli_open_store(c, 0) == -1)
		return cli_fail(c);
	if (f.owner != NULL) {
		r = store_owner_get(c->st, f.owner, &o, c->err, sizeof(c->err));
		if (r == 1)
			return cli_failf(_("no owner with email %s"), f.owner);
		if (r == -1)
			return cli_fail(c);
		zone = o.tz;
	}
	if (c->tz != NULL)
		zone = c->tz;
	ret = 0;
	/* Dates are local days in the owner's zone (or --tz); --to is inclusive. */
	if (from != NULL) {
		if (cli_date(c, from, &d) == -1)
			ret = cli_usage("activity list", _("--from: %s"), c->err);
		else
			tz_day_start(zone, d, &f.from);
	}
	if (to != NULL && ret == 0) {
		if (cli_date(c, to, &d) == -1)
			ret = cli_usage("activity list", _("--to: %s"), c->err);
		else
			tz_day_start(zone, d + 1, &f.to);
	}
	if (ret == 0 && client != NULL && cli_resolve_client(c, client, &f.client) == -1)
		ret = cli_fail(c);
	if (ret == 0)
		ret = cli_print_rows(c, mode, list_activities, &f);
	store_owner_clear(&o);
	return ret;
}

static int
activity_status(struct cli *c, int argc, char **argv, const char *cmd, const char *status)
{
	const char *ref;
	long id;
	int rc;

	if ((rc = cli_one_operand(cmd, argc, argv, &ref)) != -1)
		return rc;
	if (cli_parse_long(ref, 1, LONG_MAX, &id) == -1)
		return cli_usage(cmd, _("ID must be an activity id"));
	if (cli_begin(c) == -1)
		return cli_fail(c);
	if (store_activity_set_status(c->st, id, status, c->err, sizeof(c->err)) == -1)
		return cli_abort(c);
	if (cli_commit(c) == -1)
		return cli_fail(c);
	if (!c->quiet)
		printf(_("activity %ld %s\n"), id, output_word(status));
	return 0;
}

int
cli_cmd_activity_done(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "outcome", required_argument, NULL, 'o' },
		{ "note", required_argument, NULL, 'n' },
		{ "next", required_argument, NULL, 'x' },
		{ "in", required_argument, NULL, 'i' },
		HELP_OPT, END_OPT
	};
	struct touch how = { 0 };
	const char *next = NULL;
	char *tz = NULL, nday[16];
	long long touch = 0;
	long id;
	int ch, ret, r;

	cli_reset_getopt();
	while ((ch = cli_next_opt(argc, argv, opts, "activity done", &ret)) != -1) {
		switch (ch) {
		case -2: return ret;
		case 'n': how.note = optarg; break;
		case 'x': next = optarg; break;
		case 'i': how.next_in = optarg; break;
		case 'o':
			if ((how.outcome = record_outcome(optarg)) == NULL)
				return cli_usage("activity done", _("--outcome must be done, waiting or "
				    "no-answer, not \"%s\""), optarg);
			break;
		}
	}
	if (optind + 1 != argc || cli_parse_long(argv[optind], 1, LONG_MAX, &id) == -1)
		return cli_usage("activity done", _("expected an activity ID"));
	if (next != NULL && how.next_in != NULL)
		return cli_usage("activity done", _("give --next DATE or --in N[dwm], not both"));
	if (how.note != NULL && strlen(how.note) > RECORD_NOTES_MAX)
		return cli_failf(_("--note is too long (at most %d bytes)"), RECORD_NOTES_MAX);
	if (cli_begin(c) == -1)
		return cli_fail(c);
	if (next != NULL) {
		if (store_activity_tz(c->st, id, &tz, c->err, sizeof(c->err)) == -1)
			return cli_abort(c);
		r = cli_parse_day(c, next, tz, nday, sizeof(nday));
		free(tz);
		if (r == -1)
			return cli_abort(c);
		how.next = nday;
	}
	/* One touch of the activity's kind, at its time: done is a contact. */
	if ((r = store_activity_done(c->st, id, &how, &touch, c->err, sizeof(c->err))) == -1)
		return cli_abort(c);
	if (cli_commit(c) == -1)
		return cli_fail(c);
	if (!c->quiet) {
		if (r == 1)
			printf(_("activity %ld was already done (touch %lld)\n"), id, touch);
		else
			printf(_("activity %ld done: touch %lld recorded\n"), id, touch);
	}
	return 0;
}

int
cli_cmd_snooze(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "until", required_argument, NULL, 'u' },
		{ "days", required_argument, NULL, 'd' },
		HELP_OPT, END_OPT
	};
	const char *until = NULL, *days = NULL;
	char *tz = NULL, day[16];
	long long client;
	long n, d;
	int ch, ret;

	cli_reset_getopt();
	while ((ch = cli_next_opt(argc, argv, opts, "snooze", &ret)) != -1) {
		switch (ch) {
		case -2: return ret;
		case 'u': until = optarg; break;
		case 'd': days = optarg; break;
		}
	}
	if (optind + 1 != argc)
		return cli_usage("snooze", _("expected CLIENT"));
	if ((until == NULL) == (days == NULL))
		return cli_usage("snooze", _("give --until DATE or --days N"));
	if (days != NULL && cli_parse_long(days, 1, 3650, &n) == -1)
		return cli_usage("snooze", _("--days wants a number of days (1-3650)"));
	if (cli_begin(c) == -1)
		return cli_fail(c);
	if (cli_resolve_client(c, argv[optind], &client) == -1 ||
	    store_client_tz(c->st, client, c->cfg.digest.default_timezone, &tz, c->err,
	    sizeof(c->err)) == -1)
		return cli_abort(c);
	/* Days count from today in the salesperson's zone. */
	if (days != NULL)
		clock_date_format(cli_today(c, tz) + n, day, sizeof(day));
	else if (cli_parse_day(c, until, tz, day, sizeof(day)) == -1) {
		free(tz);
		return cli_abort(c);
	}
	clock_date_parse(day, &d);
	if (d <= cli_today(c, tz)) {
		snprintf(c->err, sizeof(c->err), _("snooze: %s is not after today; snooze until "
		    "a later day"), day);
		free(tz);
		return cli_abort(c);
	}
	free(tz);
	if (store_client_next_contact(c->st, client, day, "snooze", c->err,
	    sizeof(c->err)) == -1)
		return cli_abort(c);
	if (cli_commit(c) == -1)
		return cli_fail(c);
	if (!c->quiet)
		printf(_("client %lld snoozed until %s\n"), client, day);
	return 0;
}

int
cli_cmd_activity_cancel(struct cli *c, int argc, char **argv)
{
	return activity_status(c, argc, argv, "activity cancel", "cancelled");
}

int
cli_cmd_activity_move(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "at", required_argument, NULL, 'a' },
		{ "on", required_argument, NULL, 'O' },
		{ "tz", required_argument, NULL, 'z' },
		HELP_OPT, END_OPT
	};
	const char *at = NULL, *on = NULL, *zone = NULL;
	char *tz = NULL, day[16];
	long id;
	time_t when;
	int ch, ret;

	cli_reset_getopt();
	while ((ch = cli_next_opt(argc, argv, opts, "activity move", &ret)) != -1) {
		switch (ch) {
		case -2: return ret;
		case 'a': at = optarg; break;
		case 'O': on = optarg; break;
		case 'z': zone = optarg; break;
		}
	}
	if (optind + 1 != argc || cli_parse_long(argv[optind], 1, LONG_MAX, &id) == -1)
		return cli_usage("activity move", _("expected an activity ID"));
	if ((at == NULL) == (on == NULL))
		return cli_usage("activity move", _("give --at \"YYYY-MM-DD HH:MM\" (a time) or "
		    "--on YYYY-MM-DD (the whole day)"));
	if (zone != NULL && cli_check_zone(c, zone) == -1)
		return cli_fail(c);
	if (cli_begin(c) == -1)
		return cli_fail(c);
	if (zone == NULL) {
		if (store_activity_tz(c->st, id, &tz, c->err, sizeof(c->err)) == -1)
			return cli_abort(c);
	}
	if (on != NULL) {
		ret = cli_parse_day(c, on, zone ? zone : tz, day, sizeof(day));
		free(tz);
		if (ret == -1 || store_activity_move_day(c->st, id, day, c->err,
		    sizeof(c->err)) == -1)
			return cli_abort(c);
	} else {
		ret = cli_parse_time(c, at, zone ? zone : tz, -1, &when);
		free(tz);
		if (ret == -1 ||
		    store_activity_move(c->st, id, when, zone, c->err, sizeof(c->err)) == -1)
			return cli_abort(c);
	}
	if (cli_commit(c) == -1)
		return cli_fail(c);
	if (!c->quiet)
		printf(_("activity %ld moved\n"), id);
	return 0;
}

/* ---- invoices, NPS, costs -------------------------------------------- */


/* A quantity: digits with a decimal point or comma, above 0. */
static int
parse_quantity(const char *s, double *q)
{
	char buf[64], *end;
	size_t n = strlen(s);

	if (n == 0 || n >= sizeof(buf) || !isdigit((unsigned char)s[0]))
		return -1;
	memcpy(buf, s, n + 1);
	for (char *p = buf; *p; p++)
		if (*p == ',')
			*p = '.';
	*q = strtod(buf, &end);
	return *end == '\0' && *q > 0 && *q < 1e12 ? 0 : -1;
}

struct line_arg {
	char		*product;	/* owned */
	long long	 product_id;
	double		 quantity;
	long long	 cents;		/* -1: quantity x the product's unit price */
};

/*
 * --line PRODUCT[:QTY[:AMOUNT]]: the last one or two fields are taken as
 * quantity and line amount when they read as such, so a product name may
 * hold a colon.
 */
static int
parse_line(struct cli *c, const char *s, struct line_arg *l)
{
	const char *c1 = strrchr(s, ':'), *c2 = NULL;
	size_t plen = strlen(s);
	long long cents;
	char dec = strcmp(nls_lang(), "es") == 0 ? ',' : '.';
	double q;

	l->quantity = 1;
	l->cents = -1;
	if (c1 != NULL) {
		for (const char *p = s; p < c1; p++)
			if (*p == ':')
				c2 = p;
		if (c2 != NULL && record_parse_amount_in(c1 + 1, dec, &cents) == 0) {
			char qty[64];
			snprintf(qty, sizeof(qty), "%.*s", (int)(c1 - c2 - 1), c2 + 1);
			if (parse_quantity(qty, &q) == 0) {
				l->quantity = q;
				l->cents = cents;
				plen = (size_t)(c2 - s);
			}
		}
		if (l->cents < 0 && parse_quantity(c1 + 1, &q) == 0) {
			l->quantity = q;
			plen = (size_t)(c1 - s);
		}
	}
	while (plen > 0 && s[plen - 1] == ' ')
		plen--;
	if (plen == 0) {
		snprintf(c->err, sizeof(c->err), _("--line \"%s\": no product (PRODUCT[:QTY[:AMOUNT]])"), s);
		return -1;
	}
	if ((l->product = strndup(s, plen)) == NULL) {
		snprintf(c->err, sizeof(c->err), _("out of memory"));
		return -1;
	}
	return 0;
}

int
cli_cmd_invoice_add(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "due", required_argument, NULL, 'd' },
		{ "issued", required_argument, NULL, 'i' },
		{ "number", required_argument, NULL, 'n' },
		{ "currency", required_argument, NULL, 'c' },
		{ "paid", required_argument, NULL, 'p' },
		{ "line", required_argument, NULL, 'l' },
		HELP_OPT, END_OPT
	};
	const char *due = NULL, *issued = "today", *number = NULL, *currency = NULL;
	const char *paid = NULL;
	char dday[11], iday[11], pday[11], *tz = NULL;
	long long client, cents = -1, id, sum = 0;
	struct line_arg *lines = NULL;
	size_t nlines = 0;
	long terms;
	int ch, ret, rc;

	cli_reset_getopt();
	while ((ch = cli_next_opt(argc, argv, opts, "invoice add", &ret)) != -1) {
		switch (ch) {
		case -2: goto out;
		case 'd': due = optarg; break;
		case 'i': issued = optarg; break;
		case 'n': number = optarg; break;
		case 'p': paid = optarg; break;
		case 'c':
			if (strlen(optarg) != 3 || !isupper((unsigned char)optarg[0]) ||
			    !isupper((unsigned char)optarg[1]) || !isupper((unsigned char)optarg[2])) {
				ret = cli_usage("invoice add",
				    _("--currency wants an ISO 4217 code such as EUR"));
				goto out;
			}
			currency = optarg;
			break;
		case 'l': {
			struct line_arg *nl = reallocarray(lines, nlines + 1, sizeof(*lines));
			if (nl == NULL) {
				ret = cli_failf(_("out of memory"));
				goto out;
			}
			lines = nl;
			if (parse_line(c, optarg, &lines[nlines]) == -1) {
				ret = cli_fail(c);
				goto out;
			}
			nlines++;
			break;
		}
		}
	}
	ret = 1;
	if (optind + 2 != argc && !(nlines > 0 && optind + 1 == argc)) {
		ret = cli_usage("invoice add", _("expected CLIENT AMOUNT (AMOUNT may be left "
		    "out with --line)"));
		goto out;
	}
	if (optind + 2 == argc && cli_amount(c, argv[optind + 1], &cents) == -1) {
		cli_fail(c);
		goto out;
	}
	for (const char *p = number ? number : ""; *p; p++)
		if ((unsigned char)*p < ' ') {
			cli_failf(_("--number contains a control character"));
			goto out;
		}
	if (cli_begin(c) == -1) {
		cli_fail(c);
		goto out;
	}
	if (cli_resolve_client(c, argv[optind], &client) == -1 ||
	    store_client_tz(c->st, client, c->cfg.digest.default_timezone, &tz, c->err,
	    sizeof(c->err)) == -1 ||
	    store_client_terms(c->st, client, &terms, c->err, sizeof(c->err)) == -1)
		goto abort;
	/* "today" is the client's salesperson's day. */
	rc = cli_parse_day(c, issued, tz, iday, sizeof(iday)) == -1 ||
	    (due != NULL && cli_parse_day(c, due, tz, dday, sizeof(dday)) == -1) ||
	    (paid != NULL && cli_parse_day(c, paid, tz, pday, sizeof(pday)) == -1);
	if (rc)
		goto abort;
	/* Without --due, the client's payment terms set the due date. */
	if (due == NULL) {
		long d;
		if (terms < 0) {
			snprintf(c->err, sizeof(c->err), _("give --due DATE, or set the client's "
			    "payment terms (cartera client edit CLIENT --payment-days N)"));
			goto abort;
		}
		clock_date_parse(iday, &d);
		clock_date_format(d + terms, dday, sizeof(dday));
	}
	if (strcmp(dday, iday) < 0) {
		snprintf(c->err, sizeof(c->err), _("the due date %s is before the issue date %s"),
		    dday, iday);
		goto abort;
	}
	/* Lines: the products (added to the list when new) and their amounts;
	 * the invoice's amount is their sum. */
	for (size_t i = 0; i < nlines; i++) {
		long long price;
		if (store_product_get_or_add(c->st, lines[i].product, &lines[i].product_id,
		    &price, c->err, sizeof(c->err)) == -1)
			goto abort;
		if (lines[i].cents < 0) {
			if (price < 0) {
				snprintf(c->err, sizeof(c->err), _("--line %s: give its amount "
				    "(PRODUCT:QTY:AMOUNT); the product has no unit price"),
				    lines[i].product);
				goto abort;
			}
			lines[i].cents = llround((double)price * lines[i].quantity);
		}
		sum += lines[i].cents;
	}
	if (nlines > 0 && cents >= 0 && cents != sum) {
		char a[64], b[64];
		snprintf(c->err, sizeof(c->err), _("the lines add up to %s, not %s"),
		    i18n_money(nls_lang(), sum, currency, a, sizeof(a)),
		    i18n_money(nls_lang(), cents, currency, b, sizeof(b)));
		goto abort;
	}
	if (nlines > 0)
		cents = sum;
	if (store_invoice_add(c->st, client, cents, currency, iday, dday, number, &id,
	    c->err, sizeof(c->err)) == -1 ||
	    (paid != NULL && store_invoice_paid(c->st, id, pday, c->err, sizeof(c->err)) == -1))
		goto abort;
	for (size_t i = 0; i < nlines; i++)
		if (store_invoice_line_add(c->st, id, lines[i].product_id, lines[i].quantity,
		    lines[i].cents, c->err, sizeof(c->err)) == -1)
			goto abort;
	if (cli_commit(c) == -1) {
		ret = cli_fail(c);
		goto out;
	}
	if (!c->quiet)
		printf(_("invoice %lld added to client %lld, due %s\n"), id, client, dday);
	ret = 0;
	goto out;
abort:
	cli_abort(c);
	ret = 1;
out:
	free(tz);
	for (size_t i = 0; i < nlines; i++)
		free(lines[i].product);
	free(lines);
	return ret;
}

struct invoice_q {
	long long	 client;
	int		 unpaid;
};

static int
list_invoices(struct cli *c, struct output *o, void *arg)
{
	struct invoice_q *q = arg;

	return store_invoice_list(c->st, q->client, q->unpaid, output_row, o, c->err,
	    sizeof(c->err));
}

int
cli_cmd_invoice_list(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "unpaid", no_argument, NULL, 'u' }, HELP_OPT, END_OPT
	};
	struct invoice_q q = { 0, 0 };
	int ch, ret;

	cli_reset_getopt();
	while ((ch = cli_next_opt(argc, argv, opts, "invoice list", &ret)) != -1) {
		if (ch == -2)
			return ret;
		if (ch == 'u')
			q.unpaid = 1;
	}
	if (optind + 1 < argc)
		return cli_usage("invoice list", _("expected at most one CLIENT"));
	if (cli_open_store(c, 0) == -1)
		return cli_fail(c);
	if (optind < argc && cli_resolve_client(c, argv[optind], &q.client) == -1)
		return cli_fail(c);
	return cli_print_rows(c, cli_list_mode(c), list_invoices, &q);
}

int
cli_cmd_nps_add(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "at", required_argument, NULL, 'a' }, HELP_OPT, END_OPT
	};
	const char *at = "today";
	char day[11], *tz = NULL;
	long long client;
	long score;
	int ch, ret;

	cli_reset_getopt();
	while ((ch = cli_next_opt(argc, argv, opts, "nps add", &ret)) != -1) {
		if (ch == -2)
			return ret;
		if (ch == 'a')
			at = optarg;
	}
	if (optind + 2 != argc)
		return cli_usage("nps add", _("expected CLIENT SCORE"));
	if (cli_parse_long(argv[optind + 1], 0, 10, &score) == -1)
		return cli_failf(_("SCORE must be a whole number from 0 to 10, not \"%s\""),
		    argv[optind + 1]);
	if (cli_begin(c) == -1)
		return cli_fail(c);
	if (cli_resolve_client(c, argv[optind], &client) == -1 ||
	    store_client_tz(c->st, client, c->cfg.digest.default_timezone, &tz, c->err,
	    sizeof(c->err)) == -1)
		return cli_abort(c);
	/* "today" is the client's salesperson's day, as for invoices. */
	ret = cli_parse_day(c, at, tz, day, sizeof(day));
	free(tz);
	if (ret == -1 ||
	    store_nps_add(c->st, client, (int)score, day, c->err, sizeof(c->err)) == -1)
		return cli_abort(c);
	if (cli_commit(c) == -1)
		return cli_fail(c);
	if (!c->quiet)
		printf(_("NPS %ld recorded for client %lld\n"), score, client);
	return 0;
}

int
cli_cmd_cost_add(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "month", required_argument, NULL, 'm' },
		{ "kind", required_argument, NULL, 'k' },
		{ "client", required_argument, NULL, 'c' },
		{ "note", required_argument, NULL, 'n' },
		HELP_OPT, END_OPT
	};
	const char *month = NULL, *kind = "marketing", *client = NULL, *note = NULL;
	char day[16];
	long long cents, cid = 0;
	long d;
	int ch, ret;

	cli_reset_getopt();
	while ((ch = cli_next_opt(argc, argv, opts, "cost add", &ret)) != -1) {
		switch (ch) {
		case -2: return ret;
		case 'm': month = optarg; break;
		case 'c': client = optarg; break;
		case 'n': note = optarg; break;
		case 'k':
			if ((kind = record_word(RW_COST_KIND, optarg)) == NULL)
				return cli_usage("cost add",
				    _("--kind must be marketing, sales or service"));
			break;
		}
	}
	if (optind + 1 != argc)
		return cli_usage("cost add", _("expected AMOUNT"));
	if (month == NULL)
		return cli_usage("cost add", _("--month YYYY-MM is required"));
	snprintf(day, sizeof(day), "%.7s-01", month);
	if (strlen(month) != 7 || clock_date_parse(day, &d) == -1)
		return cli_usage("cost add", _("--month wants YYYY-MM, not \"%s\""), month);
	if (cli_amount(c, argv[optind], &cents) == -1)
		return cli_fail(c);
	if (cli_begin(c) == -1)
		return cli_fail(c);
	if ((client != NULL && cli_resolve_client(c, client, &cid) == -1) ||
	    store_cost_add(c->st, month, kind, cents, cid, note, c->err, sizeof(c->err)) == -1)
		return cli_abort(c);
	if (cli_commit(c) == -1)
		return cli_fail(c);
	if (!c->quiet)
		printf(_("%s cost recorded for %s\n"), output_word(kind), month);
	return 0;
}

/* ---- segments -------------------------------------------------------- */

int
cli_cmd_segment_set(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cadence", required_argument, NULL, 'c' }, HELP_OPT, END_OPT
	};
	long days = 0;
	int ch, ret;

	cli_reset_getopt();
	while ((ch = cli_next_opt(argc, argv, opts, "segment set", &ret)) != -1) {
		if (ch == -2)
			return ret;
		if (ch == 'c' && cli_parse_long(optarg, 1, 3650, &days) == -1)
			return cli_usage("segment set", _("--cadence wants days (1-3650)"));
	}
	if (optind + 1 != argc)
		return cli_usage("segment set", _("expected NAME"));
	if (cli_begin(c) == -1)
		return cli_fail(c);
	if (store_segment_set(c->st, argv[optind], (int)days, c->err, sizeof(c->err)) == -1)
		return cli_abort(c);
	if (cli_commit(c) == -1)
		return cli_fail(c);
	if (!c->quiet)
		printf(days ? "segment %s: contact every %ld days\n" :
		    "segment %s: default cadence\n", argv[optind], days);
	return 0;
}

static int
list_segments(struct cli *c, struct output *o, void *arg)
{
	(void)arg;
	return store_segment_list(c->st, output_row, o, c->err, sizeof(c->err));
}

int
cli_cmd_segment_list(struct cli *c, int argc, char **argv)
{
	return cli_simple_list(c, "segment list", argc, argv, list_segments);
}
