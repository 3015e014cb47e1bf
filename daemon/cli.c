/*
 * cli.c - the cartera program: global options, the command table, main,
 * and the helpers every command uses (options, errors, dates, listings).
 *
 * The commands themselves live in cli_portfolio.c, cli_history.c and
 * cli_ops.c.  Each reads its options, resolves names to ids through the
 * store, and prints rows with output.c.  Rules about what is due or valid
 * live in record.c, scan.c, report.c and the store, not here.  Every write
 * happens inside one transaction, so an error leaves the database as it was.
 */
#include "build.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_priv.h"
#include "jsonb.h"
#include "clock.h"
#include "config.h"
#include "escape.h"
#include "buf.h"
#include "log.h"
#include "nls.h"
#include "output.h"
#include "record.h"
#include "store.h"
#include "tz.h"

struct command {
	const char	*name;		/* "client add" */
	int		(*fn)(struct cli *, int, char **);
	const char	*args;		/* usage after the name */
	const char	*summary;
};

static const struct command commands[];

/* ---- small helpers -------------------------------------------------- */

/*
 * A message to stderr, shown and not obeyed by the terminal: messages
 * quote names and values from the database and from files, which may hold
 * escape sequences, carriage returns or bidi overrides (escape.c); the
 * message's own line breaks stay.
 */
static void
put_message(const char *msg)
{
	struct buf b;

	buf_init(&b);
	if (escape_buf(&b, msg, strlen(msg), 0, ESCAPE_LINES) == 0 && b.len > 0)
		fwrite(b.data, 1, b.len, stderr);
	buf_free(&b);
}

static void
put_messagev(const char *fmt, va_list ap)
{
	char *msg = NULL;

	if (vasprintf(&msg, fmt, ap) == -1)
		fputs(_("out of memory"), stderr);
	else
		put_message(msg);
	free(msg);
}

int
cli_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, _("cartera %s: "), cmd);
	va_start(ap, fmt);
	put_messagev(fmt, ap);
	va_end(ap);
	fprintf(stderr, _("\nTry \"cartera %s --help\".\n"), cmd);
	return EXIT_USAGE;
}

int
cli_fail(struct cli *c)
{
	fputs("cartera: ", stderr);
	put_message(c->err);
	fputc('\n', stderr);
	return 1;
}

int
cli_failf(const char *fmt, ...)
{
	va_list ap;

	fputs("cartera: ", stderr);
	va_start(ap, fmt);
	put_messagev(fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

static const struct command *
find_command(const char *name)
{
	for (const struct command *k = commands; k->name != NULL; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

static void
command_help(const struct command *k, FILE *fp)
{
	fprintf(fp, _("Usage: cartera [GLOBAL OPTIONS] %s %s\n\n%s\n"), k->name, k->args,
	    _(k->summary));
}

/* Open the database (creating it only for "init"). */
int
cli_open_store(struct cli *c, int flags)
{
	if (c->st != NULL)
		return 0;
	/* Every client and feed token is in there: say so when others can
	 * read it, and refuse when the configuration (database_private)
	 * asks for that. */
	if (store_exposed(c->db_path, c->err, sizeof(c->err))) {
		if (c->cfg.database_private)
			return -1;
		if (!c->quiet)
			fprintf(stderr, _("cartera: warning: %s\n"), c->err);
		c->err[0] = '\0';
	}
	if (store_open(c->db_path, flags, &c->st, c->err, sizeof(c->err)) == -1)
		return -1;
	return 0;
}

int
cli_begin(struct cli *c)
{
	if (cli_open_store(c, 0) == -1)
		return -1;
	return store_begin(c->st, c->err, sizeof(c->err));
}

int
cli_commit(struct cli *c)
{
	return store_commit(c->st, c->err, sizeof(c->err));
}

/* Roll back and report: the database is left as it was. */
int
cli_abort(struct cli *c)
{
	if (c->st != NULL)
		store_rollback(c->st);
	return cli_fail(c);
}

enum output_mode
cli_list_mode(struct cli *c)
{
	return c->json ? OUTPUT_JSON : OUTPUT_TABLE;
}

struct output *
cli_output(struct cli *c, enum output_mode mode)
{
	struct output *o = output_new(mode, stdout);

	if (o != NULL)
		output_set_zone(o, c->cfg.digest.default_timezone, c->tz);
	return o;
}

int
cli_show_zone(struct cli *c, const char *zone)
{
	if (cli_check_zone(c, zone) == -1)
		return -1;
	c->tz = zone;
	return 0;
}

/* Run a listing into the chosen output; returns the exit code. */
int
cli_print_rows(struct cli *c, enum output_mode mode,
    int (*list)(struct cli *, struct output *, void *), void *arg)
{
	struct output *o = cli_output(c, mode);
	int rc;

	if (o == NULL)
		return cli_failf(_("out of memory"));
	rc = list(c, o, arg);
	if (rc != 0)
		rc = cli_fail(c);
	else if (output_failed(o))
		rc = cli_failf(_("out of memory"));
	else
		output_flush(o);
	output_free(o);
	return rc;
}

/* Today's local day in the configured default zone. */
long
cli_today(struct cli *c, const char *zone)
{
	long day;

	if (tz_local_day(zone ? zone : c->cfg.digest.default_timezone, clock_now(),
	    &day, NULL) == -1)
		day = clock_day_of(clock_now());
	return day;
}

/* A date typed by the user (record_parse_date); c->err says what is accepted. */
int
cli_date(struct cli *c, const char *s, long *d)
{
	int r = record_parse_date(s, d);

	if (r == -2)
		snprintf(c->err, sizeof(c->err), _("\"%s\" has a two-digit year: write the "
		    "year in full (%s), or give --date-format DD/MM/YY"), s, record_date_formats());
	else if (r == -1)
		snprintf(c->err, sizeof(c->err), _("\"%s\" is not a date (%s)"), s,
		    record_date_formats());
	return r == 0 ? 0 : -1;
}

/* A date option (a date, "today") into canonical text. */
int
cli_parse_day(struct cli *c, const char *s, const char *zone, char *out, size_t len)
{
	long d;

	if (strcmp(s, "today") == 0 || strcmp(s, _("today")) == 0)
		d = cli_today(c, zone);
	else if (cli_date(c, s, &d) == -1)
		return -1;
	clock_date_format(d, out, len);
	return 0;
}

/*
 * The language of what a person reads (reports, the client card, the text
 * of "due"): the messages' language, from LANG and the like, so that one
 * output never mixes two languages.  "es" or "en".
 */
char *
cli_lang(void)
{
	static char es[] = "es", en[] = "en";

	return strcmp(nls_lang(), "es") == 0 ? es : en;
}

int
cli_amount(struct cli *c, const char *s, long long *cents)
{
	int es = strcmp(nls_lang(), "es") == 0;
	int r = record_parse_amount_in(s, es ? ',' : '.', cents);

	if (r == -2)
		snprintf(c->err, sizeof(c->err), _("amount \"%s\" is ambiguous: write 1234, "
		    "1234.00 or 1.234,00"), s);
	else if (r == -1)
		snprintf(c->err, sizeof(c->err), es ? _("\"%s\" is not an amount (such as "
		    "1.234,56 or 1234,56)") : _("\"%s\" is not an amount (such as 1,234.56 or "
		    "1234.56)"), s);
	return r == 0 ? 0 : -1;
}

/*
 * A time given on the command line, read in zone: "YYYY-MM-DD HH:MM",
 * "YYYY-MM-DDTHH:MM", "YYYY-MM-DD" (at date_only_min), "now", or UTC
 * "YYYY-MM-DDTHH:MM[:SS]Z".
 */
int
cli_parse_time(struct cli *c, const char *s, const char *zone, int date_only_min, time_t *out)
{
	char day[16];
	const char *sp;
	long d;
	int min;

	if (strcmp(s, "now") == 0 || strcmp(s, _("now")) == 0) {
		*out = clock_now();
		return 0;
	}
	if (clock_parse_utc(s, out) == 0)
		return 0;
	sp = s + strcspn(s, " T");
	if (*sp == '\0' && date_only_min >= 0 && record_parse_date(s, &d) == 0)
		return tz_to_utc(zone, d, date_only_min, out);
	if (*sp != '\0' && (size_t)(sp - s) < sizeof(day)) {
		memcpy(day, s, (size_t)(sp - s));
		day[sp - s] = '\0';
		if (record_parse_date(day, &d) == 0 && clock_hhmm_parse(sp + 1, &min) == 0)
			return tz_to_utc(zone, d, min, out);
	}
	if (date_only_min >= 0)
		snprintf(c->err, sizeof(c->err), _("\"%s\" is not a time (a date, %s, with or "
		    "without HH:MM after it)"), s, record_date_formats());
	else
		snprintf(c->err, sizeof(c->err), _("\"%s\" is not a time (a date, %s, and "
		    "HH:MM)"), s, record_date_formats());
	return -1;
}

int
cli_check_zone(struct cli *c, const char *zone)
{
	if (tz_check(zone) == 0)
		return 0;
	snprintf(c->err, sizeof(c->err), _("unknown time zone \"%s\" (use an IANA name "
	    "such as Europe/Madrid)"), zone);
	return -1;
}

int
cli_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
cli_resolve_client(struct cli *c, const char *ref, long long *id)
{
	return store_client_resolve(c->st, ref, id, c->err, sizeof(c->err));
}


int
cli_print_json(struct jsonb *jb, json_object *j)
{
	int rc = 0;

	if (jsonb_failed(jb))
		rc = cli_failf(_("out of memory"));
	else if (output_print_json(stdout, j) == -1)
		rc = cli_failf(_("stdout: %s"), strerror(errno));
	json_object_put(j);
	return rc;
}

int
cli_print_feed_url(struct cli *c, const char *kind, const char *token)
{
	char base[512];

	config_base_url(&c->cfg, base, sizeof(base));
	if (base[0] == '\0')
		fprintf(stderr, _("cartera: the feed server is off (http.port = 0) and "
		    "http.base_url is not set: this path needs a host in front of it\n"));
	if (c->json) {
		struct jsonb jb = JSONB_INIT;
		json_object *j = jsonb_object(&jb);
		char url[700];

		snprintf(url, sizeof(url), "%s/%s/%s.ics", base, kind, token);
		jsonb_str(&jb, j, "url", url);
		if (strncmp(base, "http://", 7) == 0 || strncmp(base, "https://", 8) == 0) {
			snprintf(url, sizeof(url), "webcal://%s/%s/%s.ics",
			    strstr(base, "://") + 3, kind, token);
			jsonb_str(&jb, j, "webcal", url);
		}
		return cli_print_json(&jb, j);
	}
	printf(_("%s/%s/%s.ics\n"), base, kind, token);
	return 0;
}

/*
 * getopt_long over a command's own arguments (argv[0] is the command).
 * Options may follow operands.  --help prints the command's usage.
 */
int
cli_next_opt(int argc, char **argv, const struct option *opts, const char *cmd, int *ret)
{
	int ch = getopt_long(argc, argv, ":", opts, NULL);

	*ret = -1;
	if (ch == OPT_HELP) {
		command_help(find_command(cmd), stdout);
		*ret = 0;
		return -2;
	}
	if (ch == '?') {
		*ret = cli_usage(cmd, _("unknown option %s"), argv[optind - 1]);
		return -2;
	}
	if (ch == ':') {
		*ret = cli_usage(cmd, _("option %s needs a value"), argv[optind - 1]);
		return -2;
	}
	return ch;
}

void
cli_reset_getopt(void)
{
	optind = 0;
	opterr = 0;
}

/* A listing command with no options and no operands. */
int
cli_simple_list(struct cli *c, const char *cmd, int argc, char **argv,
    int (*list)(struct cli *, struct output *, void *))
{
	static const struct option opts[] = { HELP_OPT, END_OPT };
	int ch, ret;

	cli_reset_getopt();
	while ((ch = cli_next_opt(argc, argv, opts, cmd, &ret)) != -1)
		if (ch == -2)
			return ret;
	if (optind != argc)
		return cli_usage(cmd, _("unexpected argument %s"), argv[optind]);
	if (cli_open_store(c, 0) == -1)
		return cli_fail(c);
	return cli_print_rows(c, cli_list_mode(c), list, NULL);
}

/* A command taking exactly one operand and no options. */
int
cli_one_operand(const char *cmd, int argc, char **argv, const char **operand)
{
	static const struct option opts[] = { HELP_OPT, END_OPT };
	int ch, ret;

	cli_reset_getopt();
	while ((ch = cli_next_opt(argc, argv, opts, cmd, &ret)) != -1)
		if (ch == -2)
			return ret;
	if (optind + 1 != argc)
		return cli_usage(cmd, _("expected one argument"));
	*operand = argv[optind];
	return -1;
}

/* ---- the table of commands ------------------------------------------ */

static int cli_cmd_help(struct cli *, int, char **);
static int cli_cmd_complete(struct cli *, int, char **);

static const struct command commands[] = {
	{ "init", cli_cmd_init, "", N_("Create the database (or migrate it to this version).") },
	{ "check", cli_cmd_check, "", N_("Check the database's integrity.") },
	{ "backup", cli_cmd_backup, "FILE",
	    N_("Copy the database to FILE, safely while carterad runs.\n"
	    "One consistent snapshot through SQLite's online backup (carterad and other\n"
	    "cartera commands go on writing), checked (integrity_check), written to a\n"
	    "temporary file next to FILE and renamed over it: FILE is never half-written.\n"
	    "The copy is a single file (no -wal), mode 0600.  To restore: stop carterad,\n"
	    "remove the database's -wal and -shm files, copy FILE over the database,\n"
	    "start carterad.") },
	{ "copy", cli_cmd_copy, "--to DB [--replace]",
	    N_("Copy the whole portfolio into another database: a SQLite file, or a\n"
	    "PostgreSQL database (postgresql://...), either way round.  One transaction\n"
	    "on DB, read from one snapshot of this database, and verified before the\n"
	    "commit: every table counted and checksummed on both sides.  DB must be\n"
	    "empty (a new file, or a database without rows) unless --replace is given,\n"
	    "which replaces what it holds.") },
	{ "owner add", cli_cmd_owner_add,
	    "EMAIL --name NAME [--tz ZONE] [--digest-at HH:MM] [--lang es|en] [--team T]\n"
	    "        [--phone P] [--signature TEXT] [--days DAYS] [--holidays DATES|FILE]",
	    N_("Add a salesperson.  Zone, digest time and language default to the\n"
	    "digest settings of the configuration.  The phone and the signature (lines\n"
	    "of text) end the emails sent to clients on the salesperson's behalf.\n"
	    "--days (\"mon-fri\", \"lun-sab\", \"mon,wed,fri\") and --holidays (dates, or a\n"
	    "file of dates read now) are their working days: no digest on another day.\n"
	    "Without them, digest.days and digest.holidays of the configuration.") },
	{ "owner edit", cli_cmd_owner_edit,
	    "EMAIL [--name N] [--email NEW] [--tz ZONE] [--digest-at HH:MM] [--lang L]\n"
	    "        [--team T] [--active yes|no] [--phone P] [--signature TEXT]\n"
	    "        [--days DAYS] [--holidays DATES|FILE]",
	    N_("Change a salesperson; --phone '' and --signature '' remove them, --days ''\n"
	    "and --holidays '' follow the configuration's working days again.") },
	{ "owner list", cli_cmd_owner_list, "", N_("List salespeople.") },
	{ "owner feed-url", cli_cmd_owner_feed_url, "EMAIL",
	    N_("Print the secret calendar feed URL of a salesperson.") },
	{ "owner rotate-token", cli_cmd_owner_rotate_token, "EMAIL",
	    N_("Make a new feed URL and page URL; the old ones, and the action links\n"
	    "of the digests already sent, stop working at once.") },
	{ "owner page-url", cli_cmd_owner_page_url, "EMAIL",
	    N_("Print the secret URL of a salesperson's own page (today, search,\n"
	    "clients, forms), served by carterad.") },
	{ "team add", cli_cmd_team_add, "NAME [--all]",
	    N_("Add a team (owners join with \"owner edit --team\"; --all: everybody).") },
	{ "team list", cli_cmd_team_list, "", N_("List teams and their feed tokens.") },
	{ "team feed-url", cli_cmd_team_feed_url, "NAME", N_("Print a team's calendar feed URL.") },
	{ "team rotate-token", cli_cmd_team_rotate_token, "NAME", N_("Make a new team feed URL.") },
	{ "client add", cli_cmd_client_add,
	    "NAME [--kind K] [--status S] [--segment S] [--sector S] [--owner EMAIL]\n"
	    "        [--email E] [--phone P] [--contact NAME] [--role R] [--address A]\n"
	    "        [--city C] [--postal-code Z] [--country CC] [--tax-id T]\n"
	    "        [--cadence DAYS] [--next-contact DATE] [--notes TEXT] [--do-not-email]\n"
	    "        [--payment-method M] [--payment-days N] [--orders self|visit]\n"
	    "        [--allow-duplicate]",
	    N_("Add a client.  KIND: company, freelancer, individual (or empresa,\n"
	    "autónomo, particular); STATUS: active, potential, inactive, lost.\n"
	    "Without --owner, the only salesperson; with several, --owner is required.\n"
	    "A client with the name (up to case, accents, punctuation and legal form)\n"
	    "or the tax id of another is refused, unless --allow-duplicate.\n"
	    "--payment-method: transfer, direct_debit, card, cash, promissory_note,\n"
	    "cheque, confirming (or transferencia, domiciliación, tarjeta, efectivo,\n"
	    "pagaré, talón); --payment-days: its terms, which set the due date of its\n"
	    "new invoices; --orders: self (orders on its own) or visit (needs one).") },
	{ "client list", cli_cmd_client_list,
	    "[--status S] [--stage S] [--segment S] [--owner EMAIL] [--city C]\n"
	    "        [--sector S] [--search TEXT] [--limit N] [--csv] [--tz ZONE]",
	    N_("List clients.  Each shows its lifecycle stage today; --stage lists those\n"
	    "in one (lead, prospect, new, recurring, at_risk, dormant, lost, recovered).\n"
	    "Names, cities and sectors are compared without case, accents or punctuation:\n"
	    "--city \"a coruna\" finds A Coruña, and --search finds a part of a client's\n"
	    "or a contact's name.  Times are in each owner's zone, or in --tz ZONE.") },
	{ "client show", cli_cmd_client_show, "ID|NAME [--tz ZONE]",
	    N_("Show a client: its fields; its money (revenue this year, last year and\n"
	    "ever, average ticket, purchases per year, owed, overdue, last purchase),\n"
	    "lifecycle stage and churn risk with its reasons; contacts, recent\n"
	    "interactions, invoices and their lines, and activities.") },
	{ "client edit", cli_cmd_client_edit, "ID|NAME [client add options] [--allow-email]",
	    N_("Change fields of a client; an empty value (--city '') clears a field.\n"
	    "A name or tax id of another client needs --allow-duplicate.") },
	{ "client delete", cli_cmd_client_delete, "ID|NAME [--force]",
	    N_("Delete a client.  One with history needs --force (consider --status lost).") },
	{ "contact add", cli_cmd_contact_add,
	    "CLIENT NAME [--role R] [--email E] [--phone P] [--primary]",
	    N_("Add a contact person to a client.") },
	{ "contact list", cli_cmd_contact_list, "CLIENT", N_("List a client's contacts.") },
	{ "log", cli_cmd_log,
	    "CLIENT KIND [--at TIME] [--outcome done|waiting|no-answer] [--note TEXT]\n"
	    "        [--next DATE | --in N[dwm]] [--received] [--by EMAIL] [--tz ZONE]",
	    N_("Record a touch: KIND is call, visit, email, meeting, note, sample or survey.\n"
	    "TIME is \"YYYY-MM-DD HH:MM\" in the owner's zone (default now).  --next (or\n"
	    "--in 3d, 2w, 1m after the touch's day) sets the next-contact date; without\n"
	    "it, a touch on or after the client's next-contact date clears it.\n"
	    "--received: the client reached us (after a waiting touch: an answer is owed).") },
	{ "touch list", cli_cmd_touch_list, "CLIENT [--limit N] [--tz ZONE] [--csv]",
	    N_("List a client's touches, newest first, with their ids.") },
	{ "touch edit", cli_cmd_touch_edit,
	    "ID [--kind K] [--at TIME] [--outcome O] [--note TEXT] [--by EMAIL] [--tz ZONE]",
	    N_("Correct a touch; the client's last touch follows.\n"
	    "TIME as for \"log\" (in the salesperson's zone); --note '' clears the note.") },
	{ "touch delete", cli_cmd_touch_delete, "ID",
	    N_("Delete a touch logged by mistake.\n"
	    "The client's last touch becomes the newest one left.") },
	{ "plan", cli_cmd_plan,
	    "CLIENT KIND --at \"YYYY-MM-DD HH:MM\" | --on DATE [--tz ZONE] [--duration MIN]\n"
	    "        [--location L] [--note T] [--owner EMAIL]",
	    N_("Plan a follow-up: KIND is call, visit, email, sample, survey, meeting or\n"
	    "task; at a time (--at) or for a whole day (--on).  It is the client's next\n"
	    "step, in the owner's calendar feed and in the digest's agenda; left unclosed\n"
	    "after its day, the digest lists it until it is done, cancelled or moved.") },
	{ "activity list", cli_cmd_activity_list,
	    "[--owner EMAIL] [--from DATE] [--to DATE] [--client C] [--status S]\n"
	    "        [--csv] [--tz ZONE]",
	    N_("List scheduled calls and visits.") },
	{ "activity done", cli_cmd_activity_done,
	    "ID [--outcome done|waiting|no-answer] [--note TEXT] [--next DATE | --in N[dwm]]",
	    N_("Mark an activity done: it records one touch of its kind at its time (now if\n"
	    "that is still to come), which resets the client's cadence and clears the\n"
	    "next-contact date it satisfies; --next/--in set the next one.") },
	{ "snooze", cli_cmd_snooze, "CLIENT --until DATE | --days N",
	    N_("Set the client's next-contact date explicitly: nothing is due before it\n"
	    "(no reminder either); on that day the digest says \"Snoozed until ...\".") },
	{ "activity cancel", cli_cmd_activity_cancel, "ID",
	    N_("Cancel an activity (it stays in the feed as cancelled for a while).") },
	{ "activity move", cli_cmd_activity_move,
	    "ID --at \"YYYY-MM-DD HH:MM\" | --on DATE [--tz ZONE]",
	    N_("Move an activity to another time, or to a whole day (--on).") },
	{ "invoice add", cli_cmd_invoice_add,
	    "CLIENT [AMOUNT] [--due DATE] [--issued DATE] [--number N] [--currency EUR]\n"
	    "        [--paid DATE] [--line PRODUCT[:QTY[:AMOUNT]]]...",
	    N_("Record a purchase/invoice; AMOUNT like 1234.56.  Without --due, the\n"
	    "client's payment terms (--payment-days) set it.  Each --line adds a line\n"
	    "(a new product is added to the list; without AMOUNT, QTY x its unit\n"
	    "price); the invoice's amount is their sum.") },
	{ "invoice import", cli_cmd_invoice_import,
	    "FILE [--dry-run] [--delimiter C] [--encoding utf-8|cp1252] [--max-errors N]",
	    N_("Import invoices with their lines from CSV (all or nothing): one row per\n"
	    "line, columns invoice, number, client, tax_id, issued, due, paid, currency,\n"
	    "product, quantity, amount (or their Spanish names).  Clients must exist.") },
	{ "invoice export", cli_cmd_invoice_export, "[FILE]",
	    N_("Write every invoice line as the CSV \"invoice import\" reads back.") },
	{ "invoice edit", cli_cmd_invoice_edit,
	    "ID [--client C] [--amount A] [--currency EUR] [--issued DATE] [--due DATE]\n"
	    "        [--number N] [--paid DATE]",
	    N_("Correct an invoice (amount, dates, number, client, payment).\n"
	    "--number '' clears the number; --paid '' makes it unpaid again.") },
	{ "invoice pay", cli_cmd_invoice_pay, "ID [--at DATE]",
	    N_("Mark an invoice paid (today, or on DATE).") },
	{ "invoice paid", cli_cmd_invoice_pay, "ID [--at DATE]",
	    N_("The same as \"invoice pay\".") },
	{ "invoice delete", cli_cmd_invoice_delete, "ID", N_("Delete an invoice.") },
	{ "invoice list", cli_cmd_invoice_list, "[CLIENT] [--unpaid]", N_("List invoices.") },
	{ "nps add", cli_cmd_nps_add, "CLIENT SCORE [--at DATE]",
	    N_("Record a Net Promoter Score response (0-10).") },
	{ "nps list", cli_cmd_nps_list, "[CLIENT]", N_("List NPS responses with their ids.") },
	{ "nps delete", cli_cmd_nps_delete, "ID", N_("Delete an NPS response.") },
	{ "cost add", cli_cmd_cost_add,
	    "AMOUNT --month YYYY-MM [--kind marketing|sales|service] [--client C] [--note T]",
	    N_("Record an acquisition or service cost (for CAC, CLV and profitability).") },
	{ "cost list", cli_cmd_cost_list, "[--month YYYY-MM]", N_("List costs with their ids.") },
	{ "cost delete", cli_cmd_cost_delete, "ID", N_("Delete a cost.") },
	{ "goal set", cli_cmd_goal_set,
	    "EMAIL|TEAM YYYY-MM [--revenue AMOUNT] [--new-clients N] [--visits N]\n"
	    "        [--calls N]",
	    N_("Set a salesperson's (or a team's) goals for a month; a target not given\n"
	    "stays as it was.  AMOUNT like 10.000 or 10000,00 (a separator followed\n"
	    "by three digits groups thousands).") },
	{ "goal list", cli_cmd_goal_list, "[YYYY-MM]", N_("List goals (of one month).") },
	{ "goal delete", cli_cmd_goal_delete, "EMAIL|TEAM YYYY-MM",
	    N_("Delete a month's goals.") },
	{ "product add", cli_cmd_product_add, "NAME [--kind product|service] [--price AMOUNT]",
	    N_("Add a product or service (--price: its unit price, used for invoice lines\n"
	    "given without an amount).") },
	{ "product list", cli_cmd_product_list, "", N_("List products and services.") },
	{ "segment set", cli_cmd_segment_set, "NAME [--cadence DAYS]",
	    N_("Create a segment or set its contact cadence.") },
	{ "segment list", cli_cmd_segment_list, "", N_("List segments.") },
	{ "import", cli_cmd_import,
	    "FILE [--dry-run] [--delimiter C] [--encoding utf-8|cp1252] [--max-errors N]\n"
	    "        [--owner EMAIL] [--map \"Header=COLUMN\"]... [--map \"Header=-\"]...\n"
	    "        [--map-file F] [--date-format DD/MM/YY|MM/DD/YYYY|...]",
	    N_("Import clients from CSV, all or nothing.\n"
	    "Columns are found by their header, in English or Spanish.  --map gives a\n"
	    "header another column's meaning (\"Tipo de cliente=kind\") or ignores it\n"
	    "(\"Provincia=-\"); --map-file reads such lines from a file.  A row that\n"
	    "matches a client (by tax id, email or name) updates it, and a row that\n"
	    "changes nothing is counted as unchanged.  New clients without an owner\n"
	    "get --owner EMAIL (else the only salesperson).") },
	{ "export", cli_cmd_export,
	    "[FILE] [--excel] [--delimiter C] [--encoding utf-8|utf-8-bom|cp1252] [--invoices]",
	    N_("Write every client as CSV (to standard output when no FILE is given).\n"
	    "By default the file is UTF-8 with the canonical header, which import\n"
	    "reads back to the same data.  --excel writes it for a Spanish spreadsheet:\n"
	    "';' between fields, UTF-8 with a byte order mark (or --encoding cp1252),\n"
	    "CRLF line ends, Spanish headers and values, dates as DD/MM/YYYY and amounts\n"
	    "with a decimal comma.  --invoices writes the invoices instead of the clients.") },
	{ "due", cli_cmd_due, "[--owner EMAIL] [--date DATE] [--all]",
	    N_("Print exactly what each salesperson's digest holds (--json: its data).\n"
	    "--date shows the digest of that day as computed at the digest time;\n"
	    "--all lifts the digest.max_items limit per section.") },
	{ "outbox", cli_cmd_outbox,
	    "[list [--status S] [--tz ZONE] | retry ID | purge [--older-than DAYS]]",
	    N_("Show queued, sent and failed messages; queue a failed one again; delete\n"
	    "old sent and failed ones (default older than 30 days).") },
	{ "feed", cli_cmd_feed, "OWNER [--output FILE] | --team NAME [--output FILE]",
	    N_("Write a salesperson's (or team's) calendar feed, the same bytes carterad\n"
	    "serves, to FILE (written atomically) or stdout: for static hosting.") },
	{ "report", cli_cmd_report,
	    "[summary|pareto|churn|clv|nps|receivables|activity|lifecycle|risk|goals|\n"
	    "        products] [--month YYYY-MM | --from DATE --to DATE | --date DATE]\n"
	    "        [--owner E] [--segment S] [--sector S] [--city C]\n"
	    "        [--format table|csv|json] [--limit N]",
	    N_("Portfolio indicators for a period (default: the last full month; goals:\n"
	    "this month; risk: as of today, or --date).  Every definition is in the\n"
	    "README; n/a where a denominator is zero.") },
	{ "mail scan", cli_cmd_mail_scan, "[--mailbox NAME] [--since DATE] [--dry-run]",
	    N_("Read the configured mailboxes now and log emails with clients.\n"
	    "Reads every mailbox of the imap list (or NAME) from where it was last read\n"
	    "(as carterad does), or every mail since DATE, and prints what each mail is:\n"
	    "logged (sent or received, to which clients), already logged, unmatched,\n"
	    "internal or automatic.  --dry-run writes nothing.") },
	{ "status", cli_cmd_status, "",
	    N_("Show the database, the outbox and each mailbox's last read or error.") },
	{ "help", cli_cmd_help, "[COMMAND | GROUP]",
	    N_("Show help for a command, or list a group's subcommands (\"help invoice\").") },
	{ "complete", cli_cmd_complete, "commands | options COMMAND | clients [TEXT] | owners",
	    N_("Print words for the shell's completion, one a line.\n"
	    "The bash completion (contrib/cartera.bash-completion) calls it: the commands,\n"
	    "the options of a command, the names of the clients that contain TEXT (by\n"
	    "search key), and the salespeople's emails.") },
	{ NULL, NULL, NULL, NULL }
};

/*
 * "  name   First sentence of the summary." -- the whole sentence, never
 * cut: lines are broken between words at 79 columns and go on under the
 * description's column.
 */
static void
print_brief(FILE *fp, const char *name, const char *summary)
{
	const char *p = summary, *end;
	size_t col, len = 0;

	/* The first sentence: up to a '.' (or ':') that ends a line or is
	 * followed by a space, else everything. */
	for (end = summary; *end != '\0'; end++)
		if ((*end == '.') && (end[1] == '\0' || end[1] == ' ' || end[1] == '\n')) {
			end++;
			break;
		}
	fprintf(fp, "  %-20s", name);
	col = 22;
	if (strlen(name) > 20) {
		fprintf(fp, "\n%22s", "");
	}
	while (p < end) {
		const char *w;
		size_t n;

		while (p < end && (*p == ' ' || *p == '\n'))
			p++;
		for (w = p; w < end && *w != ' ' && *w != '\n'; w++)
			;
		n = (size_t)(w - p);
		if (n == 0)
			break;
		if (len > 0 && col + 1 + output_width_n(p, n) > 79) {
			fprintf(fp, "\n%22s", "");
			col = 22;
			len = 0;
		}
		if (len > 0) {
			fputc(' ', fp);
			col++;
		}
		fwrite(p, 1, n, fp);
		col += output_width_n(p, n);
		len++;
		p = w;
	}
	fputc('\n', fp);
}

static void
usage(FILE *fp)
{
	fprintf(fp, _(
	    "Usage: cartera [-d DB] [-c CONFIG] [--json] [--now TIME] [--tz ZONE]\n"
	    "               [--date-format FORMAT] COMMAND [ARGS]\n"
	    "\n"
	    "Keep a client portfolio and see who needs attention.\n"
	    "\n"
	    "Global options:\n"
	    "  -d, --database DB   database file (default: $CARTERA_DB, else the\n"
	    "                      \"database\" setting of the configuration)\n"
	    "  -c, --config FILE   configuration (default %s)\n"
	    "  -j, --json          machine-readable output\n"
	    "  -q, --quiet         no confirmations\n"
	    "      --now TIME      pretend it is TIME (\"YYYY-MM-DD HH:MMZ\", UTC)\n"
	    "      --tz ZONE       show times in ZONE (default: each salesperson's)\n"
	    "      --date-format FORMAT\n"
	    "                      how typed and imported dates are read besides ISO\n"
	    "                      YYYY-MM-DD: DD/MM/YYYY (default), DD/MM/YY,\n"
	    "                      MM/DD/YYYY, MM/DD/YY or YYYY-MM-DD (ISO only)\n"
	    "  -h, --help          this help;  -V, --version  the version\n"
	    "\nCommands:\n"), CONFIG_DEFAULT_PATH);
	for (const struct command *k = commands; k->name != NULL; k++)
		print_brief(fp, k->name, _(k->summary));
	fprintf(fp, _("\nExit status: 0 ok, 1 error, 2 usage.  \"cartera help COMMAND\" "
	    "for details.\n"));
}

/* What each group of commands is for (a group is the first word of
 * commands of two words; one missing here is listed without it). */
static const struct {
	const char	*name;
	const char	*summary;
} groups[] = {
	{ "owner", N_("Salespeople: each with a time zone, a digest time and a calendar feed.") },
	{ "team", N_("Teams of salespeople, with a calendar feed of the whole team.") },
	{ "client", N_("The clients of the portfolio.") },
	{ "contact", N_("The contact people of a client.") },
	{ "touch", N_("Touches already logged (calls, visits, emails...): list, correct,\n"
	    "delete.  A new touch is recorded with \"cartera log\".") },
	{ "activity", N_("Planned activities: scheduled calls and visits.  New ones with\n"
	    "\"cartera plan\".") },
	{ "invoice", N_("Invoices (purchases) and their payment.") },
	{ "nps", N_("Net Promoter Score responses.") },
	{ "cost", N_("Acquisition and service costs (for CAC, CLV and profitability).") },
	{ "segment", N_("Segments and their contact cadence.") },
	{ "goal", N_("Monthly goals of a salesperson or a team: revenue, new clients,\n"
	    "visits, calls (progress in \"cartera report goals\").") },
	{ "product", N_("Products and services, the lines invoices are made of.") },
	{ "mail", N_("Mail in: read the configured IMAP mailboxes now (\"carterad\" reads\n"
	    "them on its own).") },
};

/* Is word the first word of commands of two words? */
static int
is_group(const char *word)
{
	size_t n = strlen(word);

	for (const struct command *k = commands; k->name != NULL; k++)
		if (strncmp(k->name, word, n) == 0 && k->name[n] == ' ')
			return 1;
	return 0;
}

/* The subcommands of a group, each with the first line of its summary. */
static void
group_list(const char *group, FILE *fp)
{
	size_t n = strlen(group);

	for (const struct command *k = commands; k->name != NULL; k++)
		if (strncmp(k->name, group, n) == 0 && k->name[n] == ' ')
			print_brief(fp, k->name + n + 1, _(k->summary));
}

static void
group_help(const char *group, FILE *fp)
{
	fprintf(fp, _("Usage: cartera [GLOBAL OPTIONS] %s SUBCOMMAND [ARGS]\n\n"), group);
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (strcmp(groups[i].name, group) == 0)
			fprintf(fp, "%s\n\n", _(groups[i].summary));
	fprintf(fp, _("Subcommands:\n"));
	group_list(group, fp);
	fprintf(fp, _("\n\"cartera help %s SUBCOMMAND\" (or \"cartera %s SUBCOMMAND --help\") "
	    "for one of them.\n"), group, group);
}

/* "GROUP" alone, or with a word that is not one of its subcommands. */
static int
group_misuse(const char *group, const char *word)
{
	if (word == NULL)
		fprintf(stderr, _("cartera: \"%s\" needs a subcommand:\n"), group);
	else
		fprintf(stderr, _("cartera: \"%s\" has no subcommand \"%s\"; it has:\n"), group,
		    word);
	group_list(group, stderr);
	fprintf(stderr, _("Try \"cartera help %s\".\n"), group);
	return EXIT_USAGE;
}

static int
cli_cmd_help(struct cli *c, int argc, char **argv)
{
	char name[64];
	const struct command *k;

	(void)c;
	if (argc < 2) {
		usage(stdout);
		return 0;
	}
	snprintf(name, sizeof(name), "%s%s%s", argv[1], argc > 2 ? " " : "",
	    argc > 2 ? argv[2] : "");
	if ((k = find_command(name)) != NULL) {
		command_help(k, stdout);
		return 0;
	}
	if (is_group(argv[1])) {
		if (argc == 2) {
			group_help(argv[1], stdout);
			return 0;
		}
		return group_misuse(argv[1], argv[2]);
	}
	if ((k = find_command(argv[1])) == NULL) {
		fprintf(stderr, _("cartera: no command \"%s\"; \"cartera help\" lists them\n"),
		    name);
		return EXIT_USAGE;
	}
	command_help(k, stdout);
	return 0;
}

/* One column of every row (the first is 1), for "complete". */
static int
print_column(const struct store_row *r, void *arg)
{
	int col = *(int *)arg;

	if (col < r->ncols && r->values[col] != NULL)
		printf("%s\n", r->values[col]);
	return 0;
}

static int
cli_cmd_complete(struct cli *c, int argc, char **argv)
{
	const struct command *k;
	char name[64];
	int col;

	if (argc < 2)
		return cli_usage("complete", _("expected commands, options, clients or owners"));
	if (strcmp(argv[1], "commands") == 0) {
		for (k = commands; k->name != NULL; k++)
			if (strcmp(k->name, "complete") != 0)
				printf("%s\n", k->name);
		return 0;
	}
	if (strcmp(argv[1], "options") == 0) {
		snprintf(name, sizeof(name), "%s%s%s", argc > 2 ? argv[2] : "",
		    argc > 3 ? " " : "", argc > 3 ? argv[3] : "");
		if ((k = find_command(name)) == NULL && (argc < 3 ||
		    (k = find_command(argv[2])) == NULL))
			return 1;
		/* Every "--word" of the usage line, once. */
		for (const char *p = k->args; (p = strstr(p, "--")) != NULL;) {
			size_t n = strspn(p + 2, "abcdefghijklmnopqrstuvwxyz-");
			char opt[48];
			if (n > 0 && n < sizeof(opt) - 2) {
				snprintf(opt, sizeof(opt), "--%.*s", (int)n, p + 2);
				if (strstr(k->args, opt) == p)
					printf("%s\n", opt);
			}
			p += 2 + n;
		}
		printf(_("--help\n"));
		return 0;
	}
	if (cli_open_store(c, STORE_READONLY) == -1)
		return 1;	/* no database: nothing to offer, and no message */
	if (strcmp(argv[1], "clients") == 0) {
		struct client_filter f = { 0 };
		f.search = argc > 2 && *argv[2] != '\0' ? argv[2] : NULL;
		f.limit = 200;
		col = 1;
		return store_client_list(c->st, &f, print_column, &col, c->err,
		    sizeof(c->err)) == 0 ? 0 : 1;
	}
	if (strcmp(argv[1], "owners") == 0) {
		col = 1;
		return store_owner_list(c->st, print_column, &col, c->err, sizeof(c->err)) == 0 ?
		    0 : 1;
	}
	return cli_usage("complete", _("expected commands, options, clients or owners"));
}

/* ---- main ------------------------------------------------------------ */

int
cli_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "database", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "now", required_argument, NULL, 'N' },
		{ "tz", required_argument, NULL, 'Z' },
		{ "date-format", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		END_OPT
	};
	struct cli c = { 0 };
	const struct command *k = NULL;
	char name[64];
	int ch, ret, nwords = 1;
	time_t now;

	log_init(argv[0], 0);
	nls_init();
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+d:c:jqhV", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': c.db_path = optarg; break;
		case 'c': c.config_path = optarg; break;
		case 'j': c.json = 1; break;
		case 'q': c.quiet = 1; break;
		case 'N':
			if (clock_parse_utc(optarg, &now) == -1) {
				fprintf(stderr, _("cartera: --now wants \"YYYY-MM-DD HH:MM[:SS]Z\"\n"));
				return EXIT_USAGE;
			}
			clock_set(now, 0);
			break;
		case 'Z':
			if (cli_show_zone(&c, optarg) == -1) {
				cli_fail(&c);
				return EXIT_USAGE;
			}
			break;
		case 'D':
			if (record_date_format(optarg, c.err, sizeof(c.err)) == -1) {
				fprintf(stderr, _("cartera: %s\n"), c.err);
				return EXIT_USAGE;
			}
			break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("%s\n", PACKAGE_STRING); return 0;
		default:
			fprintf(stderr, _("cartera: unknown option %s\n"), argv[optind - 1]);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	/* "--json" is also accepted after the command words. */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--json") == 0) {
			c.json = 1;
			memmove(&argv[i], &argv[i + 1], sizeof(char *) * (size_t)(argc - i));
			argc--;
			i--;
		}
	if (argc >= 2) {
		snprintf(name, sizeof(name), "%s %s", argv[0], argv[1]);
		if ((k = find_command(name)) != NULL)
			nwords = 2;
	}
	if (k == NULL && (k = find_command(argv[0])) == NULL) {
		if (is_group(argv[0])) {
			if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
			    strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0)) {
				group_help(argv[0], stdout);
				return 0;
			}
			return group_misuse(argv[0], argc >= 2 ? argv[1] : NULL);
		}
		fprintf(stderr, _("cartera: unknown command \"%s\"; try \"cartera --help\"\n"),
		    argv[0]);
		return EXIT_USAGE;
	}

	if (config_open(&c.cfg, c.config_path, NULL, c.err, sizeof(c.err)) == -1)
		return cli_fail(&c);
	if (c.db_path == NULL)
		c.db_path = getenv("CARTERA_DB");
	if (c.db_path == NULL || *c.db_path == '\0')
		c.db_path = c.cfg.database;
	if (c.cfg.database_password != NULL && store_set_password(c.cfg.database_password) == -1)
		return cli_failf(_("out of memory"));

	/* The command sees its own name (one or two words) as argv[0]. */
	if (nwords == 2) {
		argv[1] = argv[0];
		argv++;
		argc--;
		snprintf(name, sizeof(name), "%s", k->name);
		argv[0] = name;
	}
	ret = k->fn(&c, argc, argv);
	store_close(c.st);
	config_free(&c.cfg);
	return ret;
}
