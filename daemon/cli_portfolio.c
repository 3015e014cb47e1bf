/*
 * cli_portfolio.c - the commands that keep the portfolio: owners, teams,
 * clients and contacts.
 *
 * Argument parsing and wiring only: field rules are record.c's, writes are
 * the store's, each inside one transaction.  No SQL, no business rules.
 */
#include "build.h"

#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "cli_priv.h"
#include "jsonb.h"
#include "clock.h"
#include "config.h"
#include "nls.h"
#include "lifecycle.h"
#include "output.h"
#include "record.h"
#include "report.h"
#include "store.h"
#include "tz.h"
#include "workdays.h"

/* ---- owners ---------------------------------------------------------- */

enum { O_NAME = 1, O_TZ, O_DIGEST_AT, O_LANG, O_TEAM, O_EMAIL, O_ACTIVE, O_PHONE,
	O_SIGNATURE, O_DAYS, O_HOLIDAYS };

/* What owner_opts made of --days and --holidays (o points into it). */
struct owner_days {
	char	 days[64];	/* canonical, "mon-fri" */
	char	*holidays;	/* owned; "YYYY-MM-DD ..." */
};

/*
 * --holidays: "" (back to digest.holidays), a file of dates (read now),
 * or dates separated by commas or spaces.  The canonical list into
 * *out (caller frees); -1 with the reason in err.
 */
static int
holidays_arg(const char *arg, char **out, char *err, size_t errlen)
{
	struct stat sb;
	long *v = NULL;
	size_t n = 0;
	char *text = NULL;
	int rc;

	*out = NULL;
	if (*arg == '\0')
		return (*out = strdup("")) != NULL ? 0 : -1;
	if (stat(arg, &sb) == 0 && S_ISREG(sb.st_mode)) {
		FILE *fp = fopen(arg, "r");
		size_t len = 0;

		if (fp == NULL || sb.st_size > 1024 * 1024 ||
		    (text = calloc(1, (size_t)sb.st_size + 1)) == NULL) {
			snprintf(err, errlen, _("--holidays: cannot read %s"), arg);
			if (fp != NULL)
				fclose(fp);
			return -1;
		}
		len = fread(text, 1, (size_t)sb.st_size, fp);
		text[len] = '\0';
		fclose(fp);
		rc = workdays_parse_dates(text, arg, &v, &n, err, errlen);
		free(text);
	} else
		rc = workdays_parse_dates(arg, NULL, &v, &n, err, errlen);
	if (rc == -1)
		return -1;
	*out = workdays_format_dates(v, n);
	free(v);
	if (*out == NULL) {
		snprintf(err, errlen, _("out of memory"));
		return -1;
	}
	return 0;
}

/* 1 with the reason in err when addr is not an address (address.h). */
static int
owner_address_problem(const char *addr, char *err, size_t errlen)
{
	const char *why;
	int badc;

	if ((why = address_problem(addr, &badc)) == NULL)
		return 0;
	address_error(err, errlen, "owner address", addr, why, badc);
	return 1;
}

static int
owner_opts(struct cli *c, const char *cmd, int argc, char **argv, struct owner *o,
    struct owner_days *od, int *ret)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, O_NAME },
		{ "tz", required_argument, NULL, O_TZ },
		{ "digest-at", required_argument, NULL, O_DIGEST_AT },
		{ "lang", required_argument, NULL, O_LANG },
		{ "team", required_argument, NULL, O_TEAM },
		{ "email", required_argument, NULL, O_EMAIL },
		{ "active", required_argument, NULL, O_ACTIVE },
		{ "phone", required_argument, NULL, O_PHONE },
		{ "signature", required_argument, NULL, O_SIGNATURE },
		{ "days", required_argument, NULL, O_DAYS },
		{ "holidays", required_argument, NULL, O_HOLIDAYS },
		HELP_OPT, END_OPT
	};
	unsigned week;
	int ch, min;
	char v[64], e[512];

	cli_reset_getopt();
	while ((ch = cli_next_opt(argc, argv, opts, cmd, ret)) != -1) {
		switch (ch) {
		case -2:
			return -1;
		case O_NAME: o->name = optarg; break;
		case O_TZ:
			if (cli_check_zone(c, optarg) == -1)
				return *ret = cli_fail(c), -1;
			o->tz = optarg;
			break;
		case O_DIGEST_AT:
			if (clock_hhmm_parse(optarg, &min) == -1)
				return *ret = cli_usage(cmd, _("--digest-at wants HH:MM, not \"%s\""),
				    optarg), -1;
			o->digest_at = optarg;
			break;
		case O_LANG:
			if (strcmp(optarg, "es") != 0 && strcmp(optarg, "en") != 0)
				return *ret = cli_usage(cmd, _("--lang must be es or en")), -1;
			o->lang = optarg;
			break;
		case O_TEAM: o->team = optarg; break;
		case O_EMAIL:
			if (owner_address_problem(optarg, e, sizeof(e)))
				return *ret = cli_usage(cmd, "%s", e), -1;
			o->email = optarg;
			break;
		case O_ACTIVE:
			if (record_normalize(RF_DO_NOT_EMAIL, optarg, v, sizeof(v), e,
			    sizeof(e)) == -1 || *v == '\0')
				return *ret = cli_usage(cmd, _("--active must be yes or no")), -1;
			o->active = v[0] == '1';
			break;
		case O_PHONE:
			/* "" clears it. */
			if (*optarg != '\0' && record_normalize(RF_PHONE, optarg, v, sizeof(v), e,
			    sizeof(e)) == -1)
				return *ret = cli_usage(cmd, _("--phone %s"), e), -1;
			o->phone = optarg;
			break;
		case O_SIGNATURE:
			/* Lines of text ("" clears it): no other control characters. */
			for (const unsigned char *p = (const unsigned char *)optarg; *p; p++)
				if ((*p < ' ' && *p != '\n') || *p == 0x7f)
					return *ret = cli_usage(cmd, _("--signature holds a control "
					    "character")), -1;
			if (strlen(optarg) > 2000)
				return *ret = cli_usage(cmd, _("--signature is too long (at most "
				    "2000 bytes)")), -1;
			o->signature = optarg;
			break;
		case O_DAYS:
			/* "" follows digest.days again. */
			if (*optarg == '\0') {
				o->days = "";
				break;
			}
			if (workdays_parse_week(optarg, &week, e, sizeof(e)) == -1)
				return *ret = cli_usage(cmd, _("--days: %s"), e), -1;
			o->days = workdays_format_week(week, od->days, sizeof(od->days));
			break;
		case O_HOLIDAYS:
			free(od->holidays);
			if (holidays_arg(optarg, &od->holidays, e, sizeof(e)) == -1)
				return *ret = cli_usage(cmd, _("--holidays: %s"), e), -1;
			o->holidays = od->holidays;
			break;
		}
	}
	return 0;
}

/* owner add once the options are read: the exit code. */
static int
owner_add(struct cli *c, struct owner *o, int argc, char **argv)
{
	long long id;
	char e[512];

	if (o->email != NULL)
		return cli_usage("owner add", _("give the email as the first argument"));
	if (optind + 1 != argc)
		return cli_usage("owner add", _("expected EMAIL"));
	o->email = argv[optind];
	if (owner_address_problem(o->email, e, sizeof(e)))
		return cli_failf("%s", e);
	if (o->name == NULL || *o->name == '\0')
		return cli_usage("owner add", _("--name is required"));
	for (const char *p = o->name; *p; p++)
		if ((unsigned char)*p < ' ')
			return cli_failf(_("the owner name contains a control character or line break"));
	if (o->tz == NULL)
		o->tz = c->cfg.digest.default_timezone;
	if (o->digest_at == NULL)
		o->digest_at = c->cfg.digest.default_time;
	if (o->lang == NULL)
		o->lang = c->cfg.digest.language;
	if (cli_begin(c) == -1)
		return cli_fail(c);
	if (store_owner_add(c->st, o, &id, c->err, sizeof(c->err)) == -1)
		return cli_abort(c);
	if (cli_commit(c) == -1)
		return cli_fail(c);
	if (!c->quiet)
		printf(_("owner %s added (id %lld, %s, digest at %s)\n"), o->email, id, o->tz,
		    o->digest_at);
	return 0;
}

int
cli_cmd_owner_add(struct cli *c, int argc, char **argv)
{
	struct owner o = { .active = 1 };
	struct owner_days od = { "", NULL };
	int ret;

	if (owner_opts(c, "owner add", argc, argv, &o, &od, &ret) == 0)
		ret = owner_add(c, &o, argc, argv);
	free(od.holidays);
	return ret;
}

int
cli_cmd_owner_edit(struct cli *c, int argc, char **argv)
{
	struct owner o = { .active = -1 };
	struct owner_days od = { "", NULL };
	int ret;

	if (owner_opts(c, "owner edit", argc, argv, &o, &od, &ret) == -1)
		goto out;
	if (optind + 1 != argc) {
		ret = cli_usage("owner edit", _("expected EMAIL"));
		goto out;
	}
	if (cli_begin(c) == -1) {
		ret = cli_fail(c);
		goto out;
	}
	if (store_owner_update(c->st, argv[optind], &o, c->err, sizeof(c->err)) == -1) {
		ret = cli_abort(c);
		goto out;
	}
	if (cli_commit(c) == -1) {
		ret = cli_fail(c);
		goto out;
	}
	if (!c->quiet)
		printf(_("owner %s updated\n"), o.email ? o.email : argv[optind]);
	ret = 0;
out:
	free(od.holidays);
	return ret;
}

static int
list_owners(struct cli *c, struct output *o, void *arg)
{
	(void)arg;
	return store_owner_list(c->st, output_row, o, c->err, sizeof(c->err));
}

int
cli_cmd_owner_list(struct cli *c, int argc, char **argv)
{
	return cli_simple_list(c, "owner list", argc, argv, list_owners);
}

int
cli_cmd_owner_feed_url(struct cli *c, int argc, char **argv)
{
	struct owner o;
	const char *email;
	int rc;

	if ((rc = cli_one_operand("owner feed-url", argc, argv, &email)) != -1)
		return rc;
	if (cli_open_store(c, 0) == -1)
		return cli_fail(c);
	rc = store_owner_get(c->st, email, &o, c->err, sizeof(c->err));
	if (rc == 1)
		return cli_failf(_("no owner with email %s"), email);
	if (rc == -1)
		return cli_fail(c);
	rc = cli_print_feed_url(c, "feed", o.feed_token);
	store_owner_clear(&o);
	return rc;
}

int
cli_cmd_owner_page_url(struct cli *c, int argc, char **argv)
{
	struct owner o;
	const char *email;
	char base[512];
	int rc;

	if ((rc = cli_one_operand("owner page-url", argc, argv, &email)) != -1)
		return rc;
	if (cli_open_store(c, 0) == -1)
		return cli_fail(c);
	rc = store_owner_get(c->st, email, &o, c->err, sizeof(c->err));
	if (rc == 1)
		return cli_failf(_("no owner with email %s"), email);
	if (rc == -1)
		return cli_fail(c);
	if (o.page_token == NULL) {
		/* Made at the next read-write open (a row written by another program). */
		store_owner_clear(&o);
		return cli_failf(_("%s has no page token yet; run \"cartera owner rotate-token "
		    "%s\" to make one"), email, email);
	}
	config_base_url(&c->cfg, base, sizeof(base));
	if (base[0] == '\0')
		fprintf(stderr, _("cartera: the feed server is off (http.port = 0) and "
		    "http.base_url is not set: this path needs a host in front of it\n"));
	if (c->json) {
		struct jsonb jb = JSONB_INIT;
		json_object *j = jsonb_object(&jb);
		char url[700];

		snprintf(url, sizeof(url), "%s/me/%s", base, o.page_token);
		jsonb_str(&jb, j, "url", url);
		store_owner_clear(&o);
		return cli_print_json(&jb, j);
	}
	printf("%s/me/%s\n", base, o.page_token);
	store_owner_clear(&o);
	return 0;
}

/*
 * owner/team rotate-token: a new token, printed as the new URL.  page
 * (owners): the page token is made new in the same transaction, which
 * also revokes every action link of their digests.
 */
static int
rotate_token(struct cli *c, int argc, char **argv, const char *cmd, const char *kind,
    int (*rotate)(struct store *, const char *, char **, char *, size_t),
    int (*page)(struct store *, const char *, char **, char *, size_t))
{
	const char *key;
	char *token = NULL;
	int rc;

	if ((rc = cli_one_operand(cmd, argc, argv, &key)) != -1)
		return rc;
	if (cli_begin(c) == -1)
		return cli_fail(c);
	if (rotate(c->st, key, &token, c->err, sizeof(c->err)) == -1 ||
	    (page != NULL && page(c->st, key, NULL, c->err, sizeof(c->err)) == -1)) {
		free(token);
		return cli_abort(c);
	}
	if (cli_commit(c) == -1) {
		free(token);
		return cli_fail(c);
	}
	if (!c->quiet && !c->json)
		fprintf(stderr, _("cartera: the old feed URL of %s no longer works; "
		    "the new one is:\n"), key);
	rc = cli_print_feed_url(c, kind, token);
	if (rc == 0 && page != NULL && !c->quiet && !c->json)
		fprintf(stderr, _("cartera: their page URL changed too and the action links of "
		    "their digests no longer work (\"cartera owner page-url %s\" prints the new "
		    "page URL)\n"), key);
	free(token);
	return rc;
}

int
cli_cmd_owner_rotate_token(struct cli *c, int argc, char **argv)
{
	return rotate_token(c, argc, argv, "owner rotate-token", "feed",
	    store_owner_rotate_token, store_owner_rotate_page_token);
}

/* ---- teams ----------------------------------------------------------- */

int
cli_cmd_team_add(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' }, HELP_OPT, END_OPT
	};
	int ch, ret, all = 0;

	cli_reset_getopt();
	while ((ch = cli_next_opt(argc, argv, opts, "team add", &ret)) != -1) {
		if (ch == -2)
			return ret;
		if (ch == 'a')
			all = 1;
	}
	if (optind + 1 != argc)
		return cli_usage("team add", _("expected NAME"));
	if (cli_begin(c) == -1)
		return cli_fail(c);
	if (store_team_add(c->st, argv[optind], all, c->err, sizeof(c->err)) == -1)
		return cli_abort(c);
	if (cli_commit(c) == -1)
		return cli_fail(c);
	if (!c->quiet)
		printf(_("team %s added%s\n"), argv[optind], all ? " (all owners)" : "");
	return 0;
}

struct team_find {
	const char	*name;
	char		*token;
};

static int
team_token_row(const struct store_row *r, void *arg)
{
	struct team_find *f = arg;

	if (strcasecmp(r->values[1], f->name) == 0) {
		f->token = strdup(r->values[3]);
		return 1;
	}
	return 0;
}

static int
list_teams(struct cli *c, struct output *o, void *arg)
{
	(void)arg;
	return store_team_list(c->st, output_row, o, c->err, sizeof(c->err));
}

int
cli_cmd_team_list(struct cli *c, int argc, char **argv)
{
	return cli_simple_list(c, "team list", argc, argv, list_teams);
}

int
cli_cmd_team_feed_url(struct cli *c, int argc, char **argv)
{
	struct team_find f = { NULL, NULL };
	int rc;

	if ((rc = cli_one_operand("team feed-url", argc, argv, &f.name)) != -1)
		return rc;
	if (cli_open_store(c, 0) == -1 ||
	    store_team_list(c->st, team_token_row, &f, c->err, sizeof(c->err)) == -1)
		return cli_fail(c);
	if (f.token == NULL)
		return cli_failf(_("no team named \"%s\""), f.name);
	rc = cli_print_feed_url(c, "team", f.token);
	free(f.token);
	return rc;
}

int
cli_cmd_team_rotate_token(struct cli *c, int argc, char **argv)
{
	return rotate_token(c, argc, argv, "team rotate-token", "team",
	    store_team_rotate_token, NULL);
}

/* ---- clients --------------------------------------------------------- */

/*
 * Client record options come from the record table: --kind, --status,
 * --postal-code...  Values are normalised into one buffer per field.
 */
#define REC_OPT_BASE	0x200
#define O_ALLOW_EMAIL	0x300
#define O_ALLOW_DUP	0x301

struct rec_opts {
	struct record	 r;
	char		*vals[RF_COUNT];	/* owned normalised values */
};

static void
rec_opts_free(struct rec_opts *ro)
{
	for (int f = 0; f < RF_COUNT; f++)
		free(ro->vals[f]);
}

static int
rec_set(struct cli *c, struct rec_opts *ro, int f, const char *value)
{
	size_t len = strlen(value) + 64;
	char e[256];

	free(ro->vals[f]);
	if ((ro->vals[f] = malloc(len)) == NULL) {
		snprintf(c->err, sizeof(c->err), _("out of memory"));
		return -1;
	}
	if (record_normalize((enum record_field)f, value, ro->vals[f], len, e,
	    sizeof(e)) == -1) {
		snprintf(c->err, sizeof(c->err), "%s %s", record_flag((enum record_field)f), e);
		return -1;
	}
	ro->r.v[f] = ro->vals[f];
	return 0;
}

/* Parse record options and --allow-duplicate (into *allow_dup). */
static int
rec_parse(struct cli *c, const char *cmd, int argc, char **argv, struct rec_opts *ro,
    int *allow_dup, int *ret)
{
	struct option opts[RF_COUNT + 4];
	int n = 0, ch;

	for (int f = 0; f < RF_COUNT; f++) {
		opts[n].name = record_flag((enum record_field)f) + 2;
		opts[n].has_arg = f == RF_DO_NOT_EMAIL ? no_argument : required_argument;
		opts[n].flag = NULL;
		opts[n].val = REC_OPT_BASE + f;
		n++;
	}
	opts[n++] = (struct option){ "allow-email", no_argument, NULL, O_ALLOW_EMAIL };
	opts[n++] = (struct option){ "allow-duplicate", no_argument, NULL, O_ALLOW_DUP };
	opts[n++] = (struct option)HELP_OPT;
	opts[n] = (struct option)END_OPT;
	cli_reset_getopt();
	while ((ch = cli_next_opt(argc, argv, opts, cmd, ret)) != -1) {
		if (ch == -2)
			return -1;
		if (ch == O_ALLOW_DUP) {
			*allow_dup = 1;
			continue;
		}
		if (ch == O_ALLOW_EMAIL || ch == REC_OPT_BASE + RF_DO_NOT_EMAIL) {
			if (rec_set(c, ro, RF_DO_NOT_EMAIL, ch == O_ALLOW_EMAIL ? "no" : "yes") == -1)
				return *ret = cli_fail(c), -1;
			continue;
		}
		if (ch >= REC_OPT_BASE && ch < REC_OPT_BASE + RF_COUNT &&
		    rec_set(c, ro, ch - REC_OPT_BASE, optarg) == -1)
			return *ret = cli_fail(c), -1;
	}
	return 0;
}

/*
 * A new client's owner when --owner is not given (store_owner_default):
 * the only salesperson, or none when there is none; with several, an
 * error that lists them.
 */
static int
default_owner(struct cli *c, struct rec_opts *ro)
{
	char *email = NULL, e[512];
	int rc;

	if (ro->r.v[RF_OWNER] != NULL)
		return 0;
	switch ((rc = store_owner_default(c->st, &email, e, sizeof(e)))) {
	case 0:
		rc = rec_set(c, ro, RF_OWNER, email);
		free(email);
		return rc;
	case 1:
		return 0;
	case 2:
		snprintf(c->err, sizeof(c->err), _("client \"%s\" needs an owner: %s; give "
		    "--owner EMAIL"), ro->r.v[RF_NAME], e);
		return -1;
	default:
		snprintf(c->err, sizeof(c->err), "%s", e);
		return -1;
	}
}

/* Refuse r (for client `except`, 0 when adding) when another client has
 * its name (record_name_key) or tax id, naming that client. */
static int
refuse_duplicate(struct cli *c, const struct record *r, long long except)
{
	struct record k = { 0 };
	char e[768];
	long long dup;
	int rc;

	k.v[RF_NAME] = r->v[RF_NAME];
	k.v[RF_TAX_ID] = r->v[RF_TAX_ID];
	rc = store_client_duplicate(c->st, &k, except, &dup, e, sizeof(e));
	if (rc == 0)
		snprintf(c->err, sizeof(c->err), _("%s: it looks like the same client (use "
		    "client %lld, or give --allow-duplicate if it is another one)"), e, dup);
	else if (rc == -1)
		snprintf(c->err, sizeof(c->err), "%s", e);
	return rc == 1 ? 0 : -1;
}

/* --owner '' takes a client's owner away: not with several salespeople. */
static int
keep_owner(struct cli *c, long long id)
{
	char *email = NULL, e[512];
	int rc = store_owner_default(c->st, &email, e, sizeof(e));

	free(email);
	if (rc == 2)
		snprintf(c->err, sizeof(c->err), _("client %lld needs an owner: %s"), id, e);
	else if (rc == -1)
		snprintf(c->err, sizeof(c->err), "%s", e);
	return rc == 2 || rc == -1 ? -1 : 0;
}

int
cli_cmd_client_add(struct cli *c, int argc, char **argv)
{
	struct rec_opts ro = { 0 };
	long long id;
	int ret, allow_dup = 0;

	if (rec_parse(c, "client add", argc, argv, &ro, &allow_dup, &ret) == -1)
		goto out;
	ret = EXIT_USAGE;
	if (ro.r.v[RF_NAME] != NULL) {
		cli_usage("client add", _("give the name as the argument, not --name"));
		goto out;
	}
	if (optind + 1 != argc) {
		cli_usage("client add", _("expected NAME"));
		goto out;
	}
	ret = 1;
	if (rec_set(c, &ro, RF_NAME, argv[optind]) == -1) {
		cli_fail(c);
		goto out;
	}
	if (cli_begin(c) == -1) {
		cli_fail(c);
		goto out;
	}
	if (default_owner(c, &ro) == -1 ||
	    (!allow_dup && refuse_duplicate(c, &ro.r, 0) == -1) ||
	    store_client_put(c->st, 0, &ro.r, &id, c->err, sizeof(c->err)) == -1) {
		cli_abort(c);
		goto out;
	}
	if (cli_commit(c) == -1) {
		cli_fail(c);
		goto out;
	}
	if (c->json) {
		struct jsonb jb = JSONB_INIT;
		json_object *j = jsonb_object(&jb);

		jsonb_int(&jb, j, "id", id);
		if (cli_print_json(&jb, j) != 0)
			goto out;
	} else if (!c->quiet)
		printf(_("client %lld added: %s\n"), id, ro.r.v[RF_NAME]);
	ret = 0;
out:
	rec_opts_free(&ro);
	return ret;
}

int
cli_cmd_client_edit(struct cli *c, int argc, char **argv)
{
	struct rec_opts ro = { 0 };
	long long id;
	int ret, given = 0, allow_dup = 0;

	if (rec_parse(c, "client edit", argc, argv, &ro, &allow_dup, &ret) == -1)
		goto out;
	ret = EXIT_USAGE;
	if (optind + 1 != argc) {
		cli_usage("client edit", _("expected ID or NAME"));
		goto out;
	}
	for (int f = 0; f < RF_COUNT; f++)
		given |= ro.r.v[f] != NULL;
	if (!given) {
		cli_usage("client edit", _("nothing to change"));
		goto out;
	}
	ret = 1;
	if (cli_begin(c) == -1) {
		cli_fail(c);
		goto out;
	}
	if (cli_resolve_client(c, argv[optind], &id) == -1 ||
	    (ro.r.v[RF_OWNER] != NULL && *ro.r.v[RF_OWNER] == '\0' &&
	    keep_owner(c, id) == -1) ||
	    (!allow_dup && refuse_duplicate(c, &ro.r, id) == -1) ||
	    store_client_put(c->st, id, &ro.r, NULL, c->err, sizeof(c->err)) == -1) {
		cli_abort(c);
		goto out;
	}
	if (cli_commit(c) == -1) {
		cli_fail(c);
		goto out;
	}
	if (!c->quiet)
		printf(_("client %lld updated\n"), id);
	ret = 0;
out:
	rec_opts_free(&ro);
	return ret;
}

int
cli_cmd_client_delete(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' }, HELP_OPT, END_OPT
	};
	long long id;
	int ch, ret, force = 0;

	cli_reset_getopt();
	while ((ch = cli_next_opt(argc, argv, opts, "client delete", &ret)) != -1) {
		if (ch == -2)
			return ret;
		if (ch == 'f')
			force = 1;
	}
	if (optind + 1 != argc)
		return cli_usage("client delete", _("expected ID"));
	if (cli_begin(c) == -1)
		return cli_fail(c);
	if (cli_resolve_client(c, argv[optind], &id) == -1 ||
	    store_client_delete(c->st, id, force, c->err, sizeof(c->err)) == -1)
		return cli_abort(c);
	if (cli_commit(c) == -1)
		return cli_fail(c);
	if (!c->quiet)
		printf(_("client %lld deleted\n"), id);
	return 0;
}

/* The client list with each client's lifecycle stage today (a column
 * after the others), and only the clients in one stage with --stage. */
struct client_q {
	struct client_filter	 f;
	int			 stage;		/* -1 = any */
	long			 limit;
	long			 shown;
	const unsigned char	*stages;
	long long		 maxid;
	struct output		*o;
};

static int
stage_row(const struct store_row *r, void *arg)
{
	struct client_q *q = arg;
	const char *names[64], *values[64];
	enum store_type types[64];
	struct store_row x;
	long long id = r->values[0] != NULL ? strtoll(r->values[0], NULL, 10) : 0;
	int st = id > 0 && id <= q->maxid ? q->stages[id] : LC_NONE;

	if (q->stage >= 0 && st != q->stage)
		return 0;
	if (q->limit > 0 && q->shown >= q->limit)
		return 1;
	if (r->ncols + 1 > 64)
		return output_row(r, q->o);
	for (int i = 0; i < r->ncols; i++) {
		names[i] = r->names[i];
		values[i] = r->values[i];
		types[i] = r->types[i];
	}
	names[r->ncols] = "stage";
	values[r->ncols] = lifecycle_name((enum lifecycle_stage)st);
	types[r->ncols] = STORE_TEXT;
	x.ncols = r->ncols + 1;
	x.names = names;
	x.values = values;
	x.types = types;
	q->shown++;
	return output_row(&x, q->o);
}

static int
list_clients(struct cli *c, struct output *o, void *arg)
{
	struct client_q *q = arg;
	unsigned char *stages;
	int rc;

	if (report_stages(c->st, &c->cfg, c->cfg.digest.default_timezone, clock_now(), &stages,
	    &q->maxid, c->err, sizeof(c->err)) == -1)
		return -1;
	q->stages = stages;
	q->o = o;
	rc = store_client_list(c->st, &q->f, stage_row, q, c->err, sizeof(c->err));
	free(stages);
	return rc;
}

int
cli_cmd_client_list(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "status", required_argument, NULL, 's' },
		{ "segment", required_argument, NULL, 'g' },
		{ "owner", required_argument, NULL, 'o' },
		{ "city", required_argument, NULL, 'c' },
		{ "sector", required_argument, NULL, 'S' },
		{ "search", required_argument, NULL, 'q' },
		{ "limit", required_argument, NULL, 'n' },
		{ "csv", no_argument, NULL, 'C' },
		{ "tz", required_argument, NULL, 'Z' },
		{ "stage", required_argument, NULL, 'T' },
		HELP_OPT, END_OPT
	};
	struct client_q q = { .stage = -1 };
	struct client_filter *f = &q.f;
	char status[32], e[256];
	enum output_mode mode = cli_list_mode(c);
	long lim;
	int ch, ret;

	cli_reset_getopt();
	while ((ch = cli_next_opt(argc, argv, opts, "client list", &ret)) != -1) {
		switch (ch) {
		case -2:
			return ret;
		case 's':
			if (record_normalize(RF_STATUS, optarg, status, sizeof(status), e,
			    sizeof(e)) == -1)
				return cli_usage("client list", _("--status %s"), e);
			f->status = status;
			break;
		case 'g': f->segment = optarg; break;
		case 'o': f->owner = optarg; break;
		case 'c': f->city = optarg; break;
		case 'S': f->sector = optarg; break;
		case 'q': f->search = optarg; break;
		case 'C': mode = OUTPUT_CSV; break;
		case 'Z':
			if (cli_show_zone(c, optarg) == -1)
				return cli_fail(c);
			break;
		case 'T':
			if ((q.stage = lifecycle_parse(optarg)) < 0)
				return cli_usage("client list", _("--stage is lead, prospect, new, "
				    "recurring, at_risk, dormant, lost or recovered (or nuevo, "
				    "recurrente, en riesgo, dormido, perdido, recuperado)"));
			break;
		case 'n':
			if (cli_parse_long(optarg, 1, LONG_MAX, &lim) == -1)
				return cli_usage("client list", _("--limit wants a positive number"));
			q.limit = lim;
			break;
		}
	}
	if (optind != argc)
		return cli_usage("client list", _("unexpected argument %s"), argv[optind]);
	if (cli_open_store(c, 0) == -1)
		return cli_fail(c);
	return cli_print_rows(c, mode, list_clients, &q);
}

struct show_ctx {
	long long	 id;
};

static int
show_section(struct cli *c, json_object *parent, const char *title,
    int (*list)(struct store *, long long, store_row_fn, void *, char *, size_t), long long id)
{
	struct output *o = cli_output(c, c->json ? OUTPUT_JSON : OUTPUT_TABLE);
	int rc;

	if (o == NULL)
		return -1;
	rc = list(c->st, id, output_row, o, c->err, sizeof(c->err));
	if (rc == 0) {
		if (c->json) {
			json_object *rows = output_take_json(o);

			if (rows == NULL || json_object_object_add(parent, title, rows) != 0) {
				json_object_put(rows);
				snprintf(c->err, sizeof(c->err), _("out of memory"));
				rc = -1;
			}
		}
		else if (output_failed(o)) {
			snprintf(c->err, sizeof(c->err), _("out of memory"));
			rc = -1;
		} else if (output_count(o) > 0) {
			printf("\n%s:\n", output_label(title));
			output_flush(o);
		}
	}
	output_free(o);
	return rc;
}

static int
recent_interactions(struct store *st, long long id, store_row_fn fn, void *arg,
    char *err, size_t errlen)
{
	return store_interaction_list(st, id, 10, fn, arg, err, errlen);
}

static int
client_invoices(struct store *st, long long id, store_row_fn fn, void *arg,
    char *err, size_t errlen)
{
	return store_invoice_list(st, id, 0, fn, arg, err, errlen);
}

static int
client_lines(struct store *st, long long id, store_row_fn fn, void *arg,
    char *err, size_t errlen)
{
	return store_invoice_lines(st, 0, id, fn, arg, err, errlen);
}

static int
client_activities(struct store *st, long long id, store_row_fn fn, void *arg,
    char *err, size_t errlen)
{
	struct activity_filter f = { .client = id };

	return store_activity_list(st, &f, fn, arg, err, errlen);
}

struct first_row {
	struct output	*o;
	json_object	*j;
	int		 seen;
};

static int
show_first_row(const struct store_row *r, void *arg)
{
	struct first_row *f = arg;

	f->j = output_row_json(f->o, r);
	f->seen = 1;
	return 1;
}

int
cli_cmd_client_show(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tz", required_argument, NULL, 'Z' }, HELP_OPT, END_OPT
	};
	struct first_row f = { NULL, NULL, 0 };
	json_object *j = NULL;
	long long id;
	int ch, rc;

	cli_reset_getopt();
	while ((ch = cli_next_opt(argc, argv, opts, "client show", &rc)) != -1) {
		if (ch == -2)
			return rc;
		if (ch == 'Z' && cli_show_zone(c, optarg) == -1)
			return cli_fail(c);
	}
	if (optind + 1 != argc)
		return cli_usage("client show", _("expected one client (ID or NAME)"));
	if (cli_open_store(c, 0) == -1 || cli_resolve_client(c, argv[optind], &id) == -1)
		return cli_fail(c);
	if ((f.o = cli_output(c, c->json ? OUTPUT_JSON : OUTPUT_VERTICAL)) == NULL)
		return cli_failf(_("out of memory"));
	rc = store_client_show(c->st, id, c->json ? show_first_row : output_row,
	    c->json ? (void *)&f : (void *)f.o, c->err, sizeof(c->err));
	if (rc == 0 && ((f.seen && f.j == NULL) || output_failed(f.o))) {
		snprintf(c->err, sizeof(c->err), _("out of memory"));
		rc = -1;
	}
	output_free(f.o);
	j = f.j;
	if (rc == -1 || (c->json && j == NULL)) {
		json_object_put(j);
		return cli_fail(c);
	}
	/* Money, stage and churn risk, as the reports count them. */
	{
		char *tz = NULL;
		json_object *card = NULL;

		rc = store_client_tz(c->st, id, c->cfg.digest.default_timezone, &tz, c->err,
		    sizeof(c->err)) == -1 || report_client_card(c->st, &c->cfg, id, tz,
		    cli_lang(), clock_now(), &card, c->err, sizeof(c->err)) == -1;
		free(tz);
		if (rc) {
			json_object_put(j);
			return cli_fail(c);
		}
		if (c->json) {
			struct jsonb jb = JSONB_INIT;

			json_object_object_foreach(card, k, v)
				jsonb_put_dup(&jb, j, k, json_object_get(v));
			if (jsonb_failed(&jb)) {
				json_object_put(card);
				json_object_put(j);
				return cli_failf(_("out of memory"));
			}
		} else
			report_print_card(stdout, card, cli_lang(),
			    c->cfg.report.currency);
		json_object_put(card);
	}
	if (show_section(c, j, "contacts", store_contact_list, id) == -1 ||
	    show_section(c, j, "interactions", recent_interactions, id) == -1 ||
	    show_section(c, j, "invoices", client_invoices, id) == -1 ||
	    show_section(c, j, "invoice_lines", client_lines, id) == -1 ||
	    show_section(c, j, "activities", client_activities, id) == -1) {
		json_object_put(j);
		return cli_fail(c);
	}
	if (c->json) {
		output_print_json(stdout, j);
		json_object_put(j);
	}
	return 0;
}

/* ---- contacts -------------------------------------------------------- */

int
cli_cmd_contact_add(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "role", required_argument, NULL, RF_ROLE },
		{ "email", required_argument, NULL, RF_EMAIL },
		{ "phone", required_argument, NULL, RF_PHONE },
		{ "primary", no_argument, NULL, 'p' },
		HELP_OPT, END_OPT
	};
	struct rec_opts ro = { 0 };
	long long client, id;
	int ch, ret, primary = 0;

	cli_reset_getopt();
	while ((ch = cli_next_opt(argc, argv, opts, "contact add", &ret)) != -1) {
		if (ch == -2)
			goto out;
		if (ch == 'p')
			primary = 1;
		else if (rec_set(c, &ro, ch, optarg) == -1) {
			ret = cli_fail(c);
			goto out;
		}
	}
	ret = EXIT_USAGE;
	if (optind + 2 != argc) {
		cli_usage("contact add", _("expected CLIENT NAME"));
		goto out;
	}
	ret = 1;
	if (rec_set(c, &ro, RF_CONTACT, argv[optind + 1]) == -1 || *ro.r.v[RF_CONTACT] == '\0') {
		if (ro.r.v[RF_CONTACT] != NULL)
			snprintf(c->err, sizeof(c->err), _("the contact needs a name"));
		cli_fail(c);
		goto out;
	}
	if (cli_begin(c) == -1) {
		cli_fail(c);
		goto out;
	}
	if (cli_resolve_client(c, argv[optind], &client) == -1 ||
	    store_contact_add(c->st, client, ro.r.v[RF_CONTACT], ro.r.v[RF_ROLE],
	    ro.r.v[RF_EMAIL], ro.r.v[RF_PHONE], primary, &id, c->err, sizeof(c->err)) == -1) {
		cli_abort(c);
		goto out;
	}
	if (cli_commit(c) == -1) {
		cli_fail(c);
		goto out;
	}
	if (!c->quiet)
		printf(_("contact %lld added to client %lld\n"), id, client);
	ret = 0;
out:
	rec_opts_free(&ro);
	return ret;
}

static int
list_contacts(struct cli *c, struct output *o, void *arg)
{
	return store_contact_list(c->st, *(long long *)arg, output_row, o, c->err,
	    sizeof(c->err));
}

int
cli_cmd_contact_list(struct cli *c, int argc, char **argv)
{
	const char *ref;
	long long id;
	int rc;

	if ((rc = cli_one_operand("contact list", argc, argv, &ref)) != -1)
		return rc;
	if (cli_open_store(c, 0) == -1 || cli_resolve_client(c, ref, &id) == -1)
		return cli_fail(c);
	return cli_print_rows(c, cli_list_mode(c), list_contacts, &id);
}
