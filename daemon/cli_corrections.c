/*
 * cli_corrections.c - the commands that look back at what was recorded
 * and correct it: touch list|edit|delete, invoice edit|pay|delete,
 * nps list|delete, cost list|delete.
 *
 * Argument parsing and wiring only: every change is one store call inside
 * one transaction, and the store keeps what is derived from it (a client's
 * last touch, its purchase rhythm).  No SQL, no business rules.
 */
#include "build.h"

#include <ctype.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_priv.h"
#include "clock.h"
#include "config.h"
#include "nls.h"
#include "output.h"
#include "record.h"
#include "store.h"

/* The ID operand of cmd (a record of kind what, listed by lister). */
static int
id_operand(const char *cmd, int argc, char **argv, const char *what, const char *lister,
    long long *id)
{
	long v;

	if (optind + 1 != argc || cli_parse_long(argv[optind], 1, LONG_MAX, &v) == -1) {
		cli_usage(cmd, _("expected the ID of a%s %s (\"cartera %s\" shows them)"),
		    strchr("aeiou", what[0]) != NULL ? "n" : "", what, lister);
		return -1;
	}
	*id = v;
	return 0;
}

/* A failed change: rolled back, with where to find the ids when the
 * record does not exist. */
static int
abort_change(struct cli *c, const char *lister)
{
	if (strncmp(c->err, "no ", 3) == 0 && strstr(c->err, " with id ") != NULL) {
		size_t n = strlen(c->err);
		snprintf(c->err + n, sizeof(c->err) - n, _(" (\"cartera %s\" shows them)"), lister);
	}
	return cli_abort(c);
}

/* A command that deletes one record by id: "touch delete", ... */
static int
delete_one(struct cli *c, int argc, char **argv, const char *what, const char *lister,
    int (*del)(struct store *, long long, char *, size_t))
{
	static const struct option opts[] = { HELP_OPT, END_OPT };
	long long id;
	int ch, ret;

	cli_reset_getopt();
	while ((ch = cli_next_opt(argc, argv, opts, argv[0], &ret)) != -1)
		if (ch == -2)
			return ret;
	if (id_operand(argv[0], argc, argv, what, lister, &id) == -1)
		return EXIT_USAGE;
	if (cli_begin(c) == -1)
		return cli_fail(c);
	if (del(c->st, id, c->err, sizeof(c->err)) == -1)
		return abort_change(c, lister);
	if (cli_commit(c) == -1)
		return cli_fail(c);
	if (!c->quiet)
		printf(_("%s %lld deleted\n"), what, id);
	return 0;
}

/* ---- touches --------------------------------------------------------- */

struct touch_q {
	long long	 client;
	long		 limit;
};

static int
list_touches(struct cli *c, struct output *o, void *arg)
{
	struct touch_q *q = arg;

	return store_interaction_list(c->st, q->client, q->limit, output_row, o, c->err,
	    sizeof(c->err));
}

int
cli_cmd_touch_list(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "limit", required_argument, NULL, 'n' },
		{ "tz", required_argument, NULL, 'Z' },
		{ "csv", no_argument, NULL, 'C' },
		HELP_OPT, END_OPT
	};
	struct touch_q q = { 0, 0 };
	enum output_mode mode = cli_list_mode(c);
	int ch, ret;

	cli_reset_getopt();
	while ((ch = cli_next_opt(argc, argv, opts, "touch list", &ret)) != -1) {
		switch (ch) {
		case -2: return ret;
		case 'C': mode = OUTPUT_CSV; break;
		case 'Z':
			if (cli_show_zone(c, optarg) == -1)
				return cli_fail(c);
			break;
		case 'n':
			if (cli_parse_long(optarg, 1, LONG_MAX, &q.limit) == -1)
				return cli_usage("touch list", _("--limit wants a positive number"));
			break;
		}
	}
	if (optind + 1 != argc)
		return cli_usage("touch list", _("expected one CLIENT"));
	if (cli_open_store(c, 0) == -1 || cli_resolve_client(c, argv[optind], &q.client) == -1)
		return cli_fail(c);
	return cli_print_rows(c, mode, list_touches, &q);
}

int
cli_cmd_touch_edit(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kind", required_argument, NULL, 'k' },
		{ "at", required_argument, NULL, 'a' },
		{ "outcome", required_argument, NULL, 'o' },
		{ "note", required_argument, NULL, 'n' },
		{ "by", required_argument, NULL, 'b' },
		{ "tz", required_argument, NULL, 'z' },
		HELP_OPT, END_OPT
	};
	struct interaction_edit e = { 0 };
	const char *at = NULL, *by = NULL, *zone = NULL;
	char *tz = NULL;
	struct owner o = { 0 };
	long long id, client;
	int ch, ret, r;

	cli_reset_getopt();
	while ((ch = cli_next_opt(argc, argv, opts, "touch edit", &ret)) != -1) {
		switch (ch) {
		case -2: return ret;
		case 'a': at = optarg; break;
		case 'n': e.note = optarg; break;
		case 'b': by = optarg; break;
		case 'z': zone = optarg; break;
		case 'k':
			if ((e.kind = record_touch_kind(optarg)) == NULL)
				return cli_usage("touch edit", _("--kind must be call, visit, email, "
				    "meeting, note, sample or survey, not \"%s\""), optarg);
			break;
		case 'o':
			if ((e.outcome = record_outcome(optarg)) == NULL)
				return cli_usage("touch edit", _("--outcome must be done, waiting or "
				    "no-answer, not \"%s\""), optarg);
			break;
		}
	}
	if (id_operand("touch edit", argc, argv, "touch", "touch list CLIENT", &id) == -1)
		return EXIT_USAGE;
	if (e.kind == NULL && at == NULL && e.outcome == NULL && e.note == NULL && by == NULL)
		return cli_usage("touch edit", _("nothing to change (--kind, --at, --outcome, "
		    "--note, --by)"));
	if (e.note != NULL && strlen(e.note) > RECORD_NOTES_MAX)
		return cli_failf(_("--note is too long (at most %d bytes)"), RECORD_NOTES_MAX);
	if (zone != NULL && cli_check_zone(c, zone) == -1)
		return cli_fail(c);
	if (cli_begin(c) == -1)
		return cli_fail(c);
	if (store_interaction_client(c->st, id, &client, c->err, sizeof(c->err)) == -1)
		return abort_change(c, "touch list CLIENT");
	if (by != NULL) {
		r = store_owner_get(c->st, by, &o, c->err, sizeof(c->err));
		if (r == 1)
			snprintf(c->err, sizeof(c->err), _("no owner with email %s"), by);
		if (r != 0)
			return cli_abort(c);
		e.by = o.id;
		store_owner_clear(&o);
	}
	if (at != NULL) {
		/* Read in the client's salesperson's zone, as "cartera log" does. */
		if (zone == NULL && store_client_tz(c->st, client,
		    c->cfg.digest.default_timezone, &tz, c->err, sizeof(c->err)) == -1)
			return cli_abort(c);
		r = cli_parse_time(c, at, zone ? zone : tz, 12 * 60, &e.at);
		free(tz);
		if (r == -1)
			return cli_abort(c);
		if (e.at > clock_now() + 300) {
			snprintf(c->err, sizeof(c->err), _("--at %s is in the future; a touch "
			    "records what happened"), at);
			return cli_abort(c);
		}
		e.has_at = 1;
	}
	if (store_interaction_update(c->st, id, &e, c->err, sizeof(c->err)) == -1)
		return abort_change(c, "touch list CLIENT");
	if (cli_commit(c) == -1)
		return cli_fail(c);
	if (!c->quiet)
		printf(_("touch %lld of client %lld changed\n"), id, client);
	return 0;
}

int
cli_cmd_touch_delete(struct cli *c, int argc, char **argv)
{
	return delete_one(c, argc, argv, "touch", "touch list CLIENT",
	    store_interaction_delete);
}

/* ---- invoices -------------------------------------------------------- */

static int
currency_ok(const char *s)
{
	return strlen(s) == 3 && isupper((unsigned char)s[0]) &&
	    isupper((unsigned char)s[1]) && isupper((unsigned char)s[2]);
}

int
cli_cmd_invoice_edit(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "client", required_argument, NULL, 'c' },
		{ "amount", required_argument, NULL, 'A' },
		{ "currency", required_argument, NULL, 'C' },
		{ "issued", required_argument, NULL, 'i' },
		{ "due", required_argument, NULL, 'd' },
		{ "number", required_argument, NULL, 'n' },
		{ "paid", required_argument, NULL, 'p' },
		HELP_OPT, END_OPT
	};
	struct invoice_edit e = { 0 };
	const char *client = NULL, *amount = NULL, *issued = NULL, *due = NULL, *paid = NULL;
	char iday[11], dday[11], pday[11], *tz = NULL;
	long long id, owner_client;
	int ch, ret, r;

	cli_reset_getopt();
	while ((ch = cli_next_opt(argc, argv, opts, "invoice edit", &ret)) != -1) {
		switch (ch) {
		case -2: return ret;
		case 'c': client = optarg; break;
		case 'A': amount = optarg; break;
		case 'i': issued = optarg; break;
		case 'd': due = optarg; break;
		case 'n': e.number = optarg; break;
		case 'p': paid = optarg; break;
		case 'C':
			if (!currency_ok(optarg))
				return cli_usage("invoice edit",
				    _("--currency wants an ISO 4217 code such as EUR"));
			e.currency = optarg;
			break;
		}
	}
	if (id_operand("invoice edit", argc, argv, "invoice", "invoice list", &id) == -1)
		return EXIT_USAGE;
	if (client == NULL && amount == NULL && issued == NULL && due == NULL &&
	    e.number == NULL && paid == NULL && e.currency == NULL)
		return cli_usage("invoice edit", _("nothing to change (--client, --amount, "
		    "--currency, --issued, --due, --number, --paid)"));
	for (const char *p = e.number ? e.number : ""; *p; p++)
		if ((unsigned char)*p < ' ')
			return cli_failf(_("--number contains a control character"));
	if (amount != NULL) {
		r = record_parse_amount(amount, &e.cents);
		if (r == -2)
			return cli_failf(_("amount \"%s\" is ambiguous: write 1234 or 1234.00 or "
			    "1.234,00"), amount);
		if (r == -1)
			return cli_failf(_("\"%s\" is not an amount (e.g. 1234.56)"), amount);
		e.has_cents = 1;
	}
	if (cli_begin(c) == -1)
		return cli_fail(c);
	if (store_invoice_client(c->st, id, &owner_client, c->err, sizeof(c->err)) == -1)
		return abort_change(c, "invoice list");
	if (client != NULL && cli_resolve_client(c, client, &e.client) == -1)
		return cli_abort(c);
	/* "today" is the day of the invoice's client's salesperson. */
	if (store_client_tz(c->st, e.client ? e.client : owner_client,
	    c->cfg.digest.default_timezone, &tz, c->err, sizeof(c->err)) == -1)
		return cli_abort(c);
	r = (issued != NULL && cli_parse_day(c, issued, tz, iday, sizeof(iday)) == -1) ||
	    (due != NULL && cli_parse_day(c, due, tz, dday, sizeof(dday)) == -1) ||
	    (paid != NULL && *paid != '\0' &&
	    cli_parse_day(c, paid, tz, pday, sizeof(pday)) == -1);
	free(tz);
	if (r)
		return cli_abort(c);
	e.issued = issued ? iday : NULL;
	e.due = due ? dday : NULL;
	e.paid = paid == NULL ? NULL : *paid == '\0' ? "" : pday;
	if (store_invoice_update(c->st, id, &e, c->err, sizeof(c->err)) == -1)
		return abort_change(c, "invoice list");
	if (cli_commit(c) == -1)
		return cli_fail(c);
	if (!c->quiet)
		printf(_("invoice %lld changed\n"), id);
	return 0;
}

/* "invoice pay" (and its older name "invoice paid"). */
int
cli_cmd_invoice_pay(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "at", required_argument, NULL, 'a' }, HELP_OPT, END_OPT
	};
	const char *at = "today", *cmd = argv[0];
	char day[11], *tz = NULL;
	long long id, client;
	int ch, ret, rc;

	cli_reset_getopt();
	while ((ch = cli_next_opt(argc, argv, opts, cmd, &ret)) != -1) {
		if (ch == -2)
			return ret;
		if (ch == 'a')
			at = optarg;
	}
	if (id_operand(cmd, argc, argv, "invoice", "invoice list", &id) == -1)
		return EXIT_USAGE;
	if (cli_begin(c) == -1)
		return cli_fail(c);
	if (store_invoice_client(c->st, id, &client, c->err, sizeof(c->err)) == -1)
		return abort_change(c, "invoice list");
	if (store_client_tz(c->st, client, c->cfg.digest.default_timezone, &tz, c->err,
	    sizeof(c->err)) == -1)
		return cli_abort(c);
	rc = cli_parse_day(c, at, tz, day, sizeof(day));
	free(tz);
	if (rc == -1 || store_invoice_paid(c->st, id, day, c->err, sizeof(c->err)) == -1)
		return cli_abort(c);
	if (cli_commit(c) == -1)
		return cli_fail(c);
	if (!c->quiet)
		printf(_("invoice %lld paid on %s\n"), id, day);
	return 0;
}

int
cli_cmd_invoice_delete(struct cli *c, int argc, char **argv)
{
	return delete_one(c, argc, argv, "invoice", "invoice list", store_invoice_delete);
}

/* ---- NPS and costs --------------------------------------------------- */

static int
list_nps(struct cli *c, struct output *o, void *arg)
{
	return store_nps_list(c->st, *(long long *)arg, output_row, o, c->err,
	    sizeof(c->err));
}

int
cli_cmd_nps_list(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = { HELP_OPT, END_OPT };
	long long client = 0;
	int ch, ret;

	cli_reset_getopt();
	while ((ch = cli_next_opt(argc, argv, opts, "nps list", &ret)) != -1)
		if (ch == -2)
			return ret;
	if (optind + 1 < argc)
		return cli_usage("nps list", _("expected at most one CLIENT"));
	if (cli_open_store(c, 0) == -1)
		return cli_fail(c);
	if (optind < argc && cli_resolve_client(c, argv[optind], &client) == -1)
		return cli_fail(c);
	return cli_print_rows(c, cli_list_mode(c), list_nps, &client);
}

int
cli_cmd_nps_delete(struct cli *c, int argc, char **argv)
{
	return delete_one(c, argc, argv, "NPS response", "nps list", store_nps_delete);
}

static int
list_costs(struct cli *c, struct output *o, void *arg)
{
	return store_cost_list(c->st, *(const char **)arg, output_row, o, c->err,
	    sizeof(c->err));
}

int
cli_cmd_cost_list(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "month", required_argument, NULL, 'm' }, HELP_OPT, END_OPT
	};
	const char *month = NULL;
	char day[16];
	long d;
	int ch, ret;

	cli_reset_getopt();
	while ((ch = cli_next_opt(argc, argv, opts, "cost list", &ret)) != -1) {
		if (ch == -2)
			return ret;
		if (ch == 'm')
			month = optarg;
	}
	if (optind != argc)
		return cli_usage("cost list", _("unexpected argument %s"), argv[optind]);
	if (month != NULL) {
		snprintf(day, sizeof(day), "%.7s-01", month);
		if (strlen(month) != 7 || clock_date_parse(day, &d) == -1)
			return cli_usage("cost list", _("--month wants YYYY-MM, not \"%s\""), month);
	}
	if (cli_open_store(c, 0) == -1)
		return cli_fail(c);
	return cli_print_rows(c, cli_list_mode(c), list_costs, &month);
}

int
cli_cmd_cost_delete(struct cli *c, int argc, char **argv)
{
	return delete_one(c, argc, argv, "cost", "cost list", store_cost_delete);
}
