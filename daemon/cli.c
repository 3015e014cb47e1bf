/*
 * cli.c - cartera's commands: argument parsing and wiring.
 *
 * Each command reads its options, resolves names to ids through the store,
 * and prints rows with output.c.  Rules about what is due or valid live in
 * record.c, scan.c and the store, not here.  Every write happens inside
 * one transaction, so an error leaves the database as it was.
 */
#include "build.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "clock.h"
#include "config.h"
#include "digest.h"
#include "feed.h"
#include "import.h"
#include "log.h"
#include "outbox.h"
#include "output.h"
#include "record.h"
#include "render.h"
#include "report.h"
#include "scan.h"
#include "store.h"
#include "tz.h"

struct cli {
	const char	*db_path;	/* -d, $CARTERA_DB or config */
	const char	*config_path;	/* -c */
	struct config	 cfg;
	struct store	*st;
	int		 json;
	int		 quiet;
	char		 err[1024];
};

struct command {
	const char	*name;		/* "client add" */
	int		(*fn)(struct cli *, int, char **);
	const char	*args;		/* usage after the name */
	const char	*summary;
};

static const struct command commands[];

/* ---- small helpers -------------------------------------------------- */

static int
usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "cartera %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry \"cartera %s --help\".\n", cmd);
	return EXIT_USAGE;
}

static int
fail(struct cli *c)
{
	fprintf(stderr, "cartera: %s\n", c->err);
	return 1;
}

static int
failf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
failf(const char *fmt, ...)
{
	va_list ap;

	fputs("cartera: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
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
	fprintf(fp, "Usage: cartera [GLOBAL OPTIONS] %s %s\n\n%s\n", k->name, k->args,
	    k->summary);
}

/* Open the database (creating it only for "init"). */
static int
open_store(struct cli *c, int flags)
{
	if (c->st != NULL)
		return 0;
	if (store_open(c->db_path, flags, &c->st, c->err, sizeof(c->err)) == -1)
		return -1;
	return 0;
}

static int
begin(struct cli *c)
{
	if (open_store(c, 0) == -1)
		return -1;
	return store_begin(c->st, c->err, sizeof(c->err));
}

static int
commit(struct cli *c)
{
	return store_commit(c->st, c->err, sizeof(c->err));
}

/* Roll back and report: the database is left as it was. */
static int
abort_tx(struct cli *c)
{
	if (c->st != NULL)
		store_rollback(c->st);
	return fail(c);
}

static enum out_mode
list_mode(struct cli *c)
{
	return c->json ? OUT_JSON : OUT_TABLE;
}

/* Run a listing into the chosen output; returns the exit code. */
static int
print_rows(struct cli *c, enum out_mode mode,
    int (*list)(struct cli *, struct out *, void *), void *arg)
{
	struct out *o = out_new(mode, stdout);
	int rc;

	if (o == NULL)
		return failf("out of memory");
	rc = list(c, o, arg);
	if (rc == 0)
		out_flush(o);
	out_free(o);
	return rc == 0 ? 0 : fail(c);
}

/* "1234.56", "1234,56", "1.234,56", "1,234.56", "-12" -> cents. */
static int
parse_amount(const char *s, long long *cents)
{
	const char *dec = NULL, *p;
	long long whole = 0, frac = 0;
	int neg = 0, fd = 0, seps = 0;

	while (*s == ' ')
		s++;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (!isdigit((unsigned char)*s))
		return -1;
	/* The last '.' or ',' followed by one or two digits is the decimal mark. */
	for (p = s; *p; p++)
		if (*p == '.' || *p == ',')
			dec = p, seps++;
	if (dec != NULL) {
		size_t after = strlen(dec + 1);
		if (after == 3 && seps == 1) {
			/* "1.234": thousands or decimals?  Refuse to guess. */
			return -2;
		}
		if (after > 2)
			dec = NULL;	/* only grouping marks */
	}
	for (p = s; *p && p != dec; p++) {
		if (isdigit((unsigned char)*p)) {
			if (whole > (LLONG_MAX / 100 - 9) / 10)
				return -1;
			whole = whole * 10 + (*p - '0');
		} else if (*p != '.' && *p != ',' && *p != ' ')
			return -1;
	}
	if (dec != NULL)
		for (p = dec + 1; *p; p++, fd++) {
			if (!isdigit((unsigned char)*p))
				return -1;
			frac = frac * 10 + (*p - '0');
		}
	if (fd == 1)
		frac *= 10;
	*cents = (whole * 100 + frac) * (neg ? -1 : 1);
	return 0;
}

/* Today's local day in the configured default zone. */
static long
today(struct cli *c, const char *zone)
{
	long day;

	if (tz_local_day(zone ? zone : c->cfg.digest.default_timezone, clock_now(),
	    &day, NULL) == -1)
		day = (long)(clock_now() / 86400);
	return day;
}

/* A date option ("YYYY-MM-DD", "today") into canonical text. */
static int
parse_day(struct cli *c, const char *s, const char *zone, char *out, size_t len)
{
	long d;

	if (strcmp(s, "today") == 0)
		d = today(c, zone);
	else if (date_parse(s, &d) == -1) {
		snprintf(c->err, sizeof(c->err), "\"%s\" is not a date (YYYY-MM-DD)", s);
		return -1;
	}
	date_format(d, out, len);
	return 0;
}

/*
 * A time given on the command line, read in zone: "YYYY-MM-DD HH:MM",
 * "YYYY-MM-DDTHH:MM", "YYYY-MM-DD" (at date_only_min), "now", or UTC
 * "YYYY-MM-DDTHH:MM[:SS]Z".
 */
static int
parse_time(struct cli *c, const char *s, const char *zone, int date_only_min, time_t *out)
{
	char day[11];
	long d;
	int min;

	if (strcmp(s, "now") == 0) {
		*out = clock_now();
		return 0;
	}
	if (clock_parse_utc(s, out) == 0)
		return 0;
	if (strlen(s) == 10 && date_only_min >= 0 && date_parse(s, &d) == 0)
		return tz_to_utc(zone, d, date_only_min, out);
	if (strlen(s) == 16 && (s[10] == ' ' || s[10] == 'T')) {
		memcpy(day, s, 10);
		day[10] = '\0';
		if (date_parse(day, &d) == 0 && hhmm_parse(s + 11, &min) == 0)
			return tz_to_utc(zone, d, min, out);
	}
	snprintf(c->err, sizeof(c->err), "\"%s\" is not a time (\"YYYY-MM-DD HH:MM\")%s", s,
	    date_only_min >= 0 ? " or a date" : "");
	return -1;
}

static int
check_zone(struct cli *c, const char *zone)
{
	if (tz_check(zone) == 0)
		return 0;
	snprintf(c->err, sizeof(c->err), "unknown time zone \"%s\" (use an IANA name "
	    "such as Europe/Madrid)", zone);
	return -1;
}

static int
parse_long(const char *s, long min, long max, long *out)
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

static int
resolve_client(struct cli *c, const char *ref, long long *id)
{
	return store_client_resolve(c->st, ref, id, c->err, sizeof(c->err));
}


static void
print_feed_url(struct cli *c, const char *kind, const char *token)
{
	char base[512];
	json_object *j;

	config_base_url(&c->cfg, base, sizeof(base));
	if (base[0] == '\0')
		fprintf(stderr, "cartera: the feed server is off (http.port = 0) and "
		    "http.base_url is not set: this path needs a host in front of it\n");
	if (c->json) {
		char url[700];
		j = json_object_new_object();
		snprintf(url, sizeof(url), "%s/%s/%s.ics", base, kind, token);
		json_object_object_add(j, "url", json_object_new_string(url));
		if (strncmp(base, "http://", 7) == 0 || strncmp(base, "https://", 8) == 0) {
			snprintf(url, sizeof(url), "webcal://%s/%s/%s.ics",
			    strstr(base, "://") + 3, kind, token);
			json_object_object_add(j, "webcal", json_object_new_string(url));
		}
		out_print_json(stdout, j);
		json_object_put(j);
		return;
	}
	printf("%s/%s/%s.ics\n", base, kind, token);
}

/*
 * getopt_long over a command's own arguments (argv[0] is the command).
 * Options may follow operands.  --help prints the command's usage.
 */
#define OPT_HELP 0x100
static int
next_opt(int argc, char **argv, const struct option *opts, const char *cmd, int *ret)
{
	int ch = getopt_long(argc, argv, ":", opts, NULL);

	*ret = -1;
	if (ch == OPT_HELP) {
		command_help(find_command(cmd), stdout);
		*ret = 0;
		return -2;
	}
	if (ch == '?') {
		*ret = usage_error(cmd, "unknown option %s", argv[optind - 1]);
		return -2;
	}
	if (ch == ':') {
		*ret = usage_error(cmd, "option %s needs a value", argv[optind - 1]);
		return -2;
	}
	return ch;
}

#define HELP_OPT { "help", no_argument, NULL, OPT_HELP }
#define END_OPT { NULL, 0, NULL, 0 }

static void
reset_getopt(void)
{
	optind = 0;
	opterr = 0;
}

/* ---- init ------------------------------------------------------------ */

static int
cmd_init(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = { HELP_OPT, END_OPT };
	int ch, ret;

	reset_getopt();
	while ((ch = next_opt(argc, argv, opts, "init", &ret)) != -1)
		if (ch == -2)
			return ret;
	if (optind != argc)
		return usage_error("init", "unexpected argument %s", argv[optind]);
	if (access(c->db_path, F_OK) == 0) {
		if (open_store(c, 0) == -1)
			return fail(c);
		if (!c->quiet)
			printf("%s: already initialised (schema version %d)\n", c->db_path,
			    STORE_SCHEMA_VERSION);
		return 0;
	}
	if (open_store(c, STORE_CREATE) == -1)
		return fail(c);
	if (!c->quiet)
		printf("%s: created (schema version %d)\n", c->db_path, STORE_SCHEMA_VERSION);
	return 0;
}

static int
cmd_check(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = { HELP_OPT, END_OPT };
	int ch, ret;

	reset_getopt();
	while ((ch = next_opt(argc, argv, opts, "check", &ret)) != -1)
		if (ch == -2)
			return ret;
	if (open_store(c, 0) == -1 || store_check(c->st, c->err, sizeof(c->err)) == -1)
		return fail(c);
	if (!c->quiet)
		printf("%s: ok\n", c->db_path);
	return 0;
}

/* ---- backup ---------------------------------------------------------- */

/* The progress line on a terminal; open says a line needs ending. */
struct backup_progress {
	const char	*db;
	int		 open;
};

static void
backup_progress(int remaining, int total, void *arg)
{
	struct backup_progress *p = arg;

	fprintf(stderr, "\rbackup of %s: %3d%%", p->db,
	    total > 0 ? (int)((long long)(total - remaining) * 100 / total) : 100);
	p->open = remaining > 0;
	if (!p->open)
		fputc('\n', stderr);
}

static int
cmd_backup(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = { HELP_OPT, END_OPT };
	struct backup_progress bp = { 0 };
	long long pages = 0, bytes = 0;
	const char *path;
	int ch, ret;

	reset_getopt();
	while ((ch = next_opt(argc, argv, opts, "backup", &ret)) != -1)
		if (ch == -2)
			return ret;
	if (optind + 1 != argc)
		return usage_error("backup", "expected FILE");
	path = argv[optind];
	if (strcmp(path, "-") == 0)
		return usage_error("backup", "a backup cannot go to standard output "
		    "(\"-\"); give a FILE");
	if (*path == '\0')
		return usage_error("backup", "FILE is empty");
	/* Reading is enough; a database that needs migrating is opened
	 * read-write, as by any other command. */
	if (open_store(c, STORE_READONLY) == -1 && open_store(c, 0) == -1)
		return fail(c);
	bp.db = c->db_path;
	ret = store_backup(c->st, path, isatty(STDERR_FILENO) && !c->quiet ?
	    backup_progress : NULL, &bp, &pages, &bytes, c->err, sizeof(c->err));
	if (bp.open)
		fputc('\n', stderr);
	if (ret == -1)
		return fail(c);
	if (c->json) {
		json_object *j = json_object_new_object();
		json_object_object_add(j, "database", json_object_new_string(c->db_path));
		json_object_object_add(j, "file", json_object_new_string(path));
		json_object_object_add(j, "pages", json_object_new_int64(pages));
		json_object_object_add(j, "bytes", json_object_new_int64(bytes));
		out_print_json(stdout, j);
		json_object_put(j);
	} else if (!c->quiet)
		printf("backup of %s to %s: %lld pages, %lld bytes\n", c->db_path, path, pages,
		    bytes);
	return 0;
}

/* ---- owners ---------------------------------------------------------- */

enum { O_NAME = 1, O_TZ, O_DIGEST_AT, O_LANG, O_TEAM, O_EMAIL, O_ACTIVE };

static int
owner_opts(struct cli *c, const char *cmd, int argc, char **argv, struct owner *o, int *ret)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, O_NAME },
		{ "tz", required_argument, NULL, O_TZ },
		{ "digest-at", required_argument, NULL, O_DIGEST_AT },
		{ "lang", required_argument, NULL, O_LANG },
		{ "team", required_argument, NULL, O_TEAM },
		{ "email", required_argument, NULL, O_EMAIL },
		{ "active", required_argument, NULL, O_ACTIVE },
		HELP_OPT, END_OPT
	};
	int ch, min;
	char v[8], e[128];

	reset_getopt();
	while ((ch = next_opt(argc, argv, opts, cmd, ret)) != -1) {
		switch (ch) {
		case -2:
			return -1;
		case O_NAME: o->name = optarg; break;
		case O_TZ:
			if (check_zone(c, optarg) == -1)
				return *ret = fail(c), -1;
			o->tz = optarg;
			break;
		case O_DIGEST_AT:
			if (hhmm_parse(optarg, &min) == -1)
				return *ret = usage_error(cmd, "--digest-at wants HH:MM, not \"%s\"",
				    optarg), -1;
			o->digest_at = optarg;
			break;
		case O_LANG:
			if (strcmp(optarg, "es") != 0 && strcmp(optarg, "en") != 0)
				return *ret = usage_error(cmd, "--lang must be es or en"), -1;
			o->lang = optarg;
			break;
		case O_TEAM: o->team = optarg; break;
		case O_EMAIL:
			if (!record_email_valid(optarg))
				return *ret = usage_error(cmd, "\"%s\" is not an email address",
				    optarg), -1;
			o->email = optarg;
			break;
		case O_ACTIVE:
			if (record_normalize(RF_DO_NOT_EMAIL, optarg, v, sizeof(v), e,
			    sizeof(e)) == -1 || *v == '\0')
				return *ret = usage_error(cmd, "--active must be yes or no"), -1;
			o->active = v[0] == '1';
			break;
		}
	}
	return 0;
}

static int
cmd_owner_add(struct cli *c, int argc, char **argv)
{
	struct owner o = { .active = 1 };
	long long id;
	int ret;

	if (owner_opts(c, "owner add", argc, argv, &o, &ret) == -1)
		return ret;
	if (o.email != NULL)
		return usage_error("owner add", "give the email as the first argument");
	if (optind + 1 != argc)
		return usage_error("owner add", "expected EMAIL");
	o.email = argv[optind];
	if (!record_email_valid(o.email))
		return failf("\"%s\" is not a valid email address", o.email);
	if (o.name == NULL || *o.name == '\0')
		return usage_error("owner add", "--name is required");
	for (const char *p = o.name; *p; p++)
		if ((unsigned char)*p < ' ')
			return failf("the owner name contains a control character or line break");
	if (o.tz == NULL)
		o.tz = c->cfg.digest.default_timezone;
	if (o.digest_at == NULL)
		o.digest_at = c->cfg.digest.default_time;
	if (o.lang == NULL)
		o.lang = c->cfg.digest.language;
	if (begin(c) == -1)
		return fail(c);
	if (store_owner_add(c->st, &o, &id, c->err, sizeof(c->err)) == -1)
		return abort_tx(c);
	if (commit(c) == -1)
		return fail(c);
	if (!c->quiet)
		printf("owner %s added (id %lld, %s, digest at %s)\n", o.email, id, o.tz,
		    o.digest_at);
	return 0;
}

static int
cmd_owner_edit(struct cli *c, int argc, char **argv)
{
	struct owner o = { .active = -1 };
	int ret;

	if (owner_opts(c, "owner edit", argc, argv, &o, &ret) == -1)
		return ret;
	if (optind + 1 != argc)
		return usage_error("owner edit", "expected EMAIL");
	if (begin(c) == -1)
		return fail(c);
	if (store_owner_update(c->st, argv[optind], &o, c->err, sizeof(c->err)) == -1)
		return abort_tx(c);
	if (commit(c) == -1)
		return fail(c);
	if (!c->quiet)
		printf("owner %s updated\n", o.email ? o.email : argv[optind]);
	return 0;
}

static int
list_owners(struct cli *c, struct out *o, void *arg)
{
	return store_owner_list(c->st, out_row, o, c->err, sizeof(c->err));
}

static int
simple_list(struct cli *c, const char *cmd, int argc, char **argv,
    int (*list)(struct cli *, struct out *, void *))
{
	static const struct option opts[] = { HELP_OPT, END_OPT };
	int ch, ret;

	reset_getopt();
	while ((ch = next_opt(argc, argv, opts, cmd, &ret)) != -1)
		if (ch == -2)
			return ret;
	if (optind != argc)
		return usage_error(cmd, "unexpected argument %s", argv[optind]);
	if (open_store(c, 0) == -1)
		return fail(c);
	return print_rows(c, list_mode(c), list, NULL);
}

static int
cmd_owner_list(struct cli *c, int argc, char **argv)
{
	return simple_list(c, "owner list", argc, argv, list_owners);
}

/* A command taking exactly one operand and no options. */
static int
one_operand(const char *cmd, int argc, char **argv, const char **operand)
{
	static const struct option opts[] = { HELP_OPT, END_OPT };
	int ch, ret;

	reset_getopt();
	while ((ch = next_opt(argc, argv, opts, cmd, &ret)) != -1)
		if (ch == -2)
			return ret;
	if (optind + 1 != argc)
		return usage_error(cmd, "expected one argument");
	*operand = argv[optind];
	return -1;
}

static int
cmd_owner_feed_url(struct cli *c, int argc, char **argv)
{
	struct owner o;
	const char *email;
	int rc;

	if ((rc = one_operand("owner feed-url", argc, argv, &email)) != -1)
		return rc;
	if (open_store(c, 0) == -1)
		return fail(c);
	rc = store_owner_get(c->st, email, &o, c->err, sizeof(c->err));
	if (rc == 1)
		return failf("no owner with email %s", email);
	if (rc == -1)
		return fail(c);
	print_feed_url(c, "feed", o.feed_token);
	store_owner_clear(&o);
	return 0;
}

/* owner/team rotate-token: a new token, printed as the new URL. */
static int
rotate_token(struct cli *c, int argc, char **argv, const char *cmd, const char *kind,
    int (*rotate)(struct store *, const char *, char **, char *, size_t))
{
	const char *key;
	char *token = NULL;
	int rc;

	if ((rc = one_operand(cmd, argc, argv, &key)) != -1)
		return rc;
	if (begin(c) == -1)
		return fail(c);
	if (rotate(c->st, key, &token, c->err, sizeof(c->err)) == -1)
		return abort_tx(c);
	if (commit(c) == -1) {
		free(token);
		return fail(c);
	}
	if (!c->quiet && !c->json)
		fprintf(stderr, "cartera: the old feed URL of %s no longer works; "
		    "the new one is:\n", key);
	print_feed_url(c, kind, token);
	free(token);
	return 0;
}

static int
cmd_owner_rotate_token(struct cli *c, int argc, char **argv)
{
	return rotate_token(c, argc, argv, "owner rotate-token", "feed",
	    store_owner_rotate_token);
}

/* ---- teams ----------------------------------------------------------- */

static int
cmd_team_add(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' }, HELP_OPT, END_OPT
	};
	int ch, ret, all = 0;

	reset_getopt();
	while ((ch = next_opt(argc, argv, opts, "team add", &ret)) != -1) {
		if (ch == -2)
			return ret;
		if (ch == 'a')
			all = 1;
	}
	if (optind + 1 != argc)
		return usage_error("team add", "expected NAME");
	if (begin(c) == -1)
		return fail(c);
	if (store_team_add(c->st, argv[optind], all, c->err, sizeof(c->err)) == -1)
		return abort_tx(c);
	if (commit(c) == -1)
		return fail(c);
	if (!c->quiet)
		printf("team %s added%s\n", argv[optind], all ? " (all owners)" : "");
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
list_teams(struct cli *c, struct out *o, void *arg)
{
	return store_team_list(c->st, out_row, o, c->err, sizeof(c->err));
}

static int
cmd_team_list(struct cli *c, int argc, char **argv)
{
	return simple_list(c, "team list", argc, argv, list_teams);
}

static int
cmd_team_feed_url(struct cli *c, int argc, char **argv)
{
	struct team_find f = { NULL, NULL };
	int rc;

	if ((rc = one_operand("team feed-url", argc, argv, &f.name)) != -1)
		return rc;
	if (open_store(c, 0) == -1 ||
	    store_team_list(c->st, team_token_row, &f, c->err, sizeof(c->err)) == -1)
		return fail(c);
	if (f.token == NULL)
		return failf("no team named \"%s\"", f.name);
	print_feed_url(c, "team", f.token);
	free(f.token);
	return 0;
}

static int
cmd_team_rotate_token(struct cli *c, int argc, char **argv)
{
	return rotate_token(c, argc, argv, "team rotate-token", "team",
	    store_team_rotate_token);
}

/* ---- clients --------------------------------------------------------- */

/*
 * Client record options come from the record table: --kind, --status,
 * --postal-code...  Values are normalised into one buffer per field.
 */
#define REC_OPT_BASE	0x200
#define O_ALLOW_EMAIL	0x300
#define O_FORCE		0x301

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
		snprintf(c->err, sizeof(c->err), "out of memory");
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

/* Parse record options; extra (may be NULL) gets unknown option codes. */
static int
rec_parse(struct cli *c, const char *cmd, int argc, char **argv, struct rec_opts *ro,
    int *force, int *ret)
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
	opts[n++] = (struct option){ "force", no_argument, NULL, O_FORCE };
	opts[n++] = (struct option)HELP_OPT;
	opts[n] = (struct option)END_OPT;
	reset_getopt();
	while ((ch = next_opt(argc, argv, opts, cmd, ret)) != -1) {
		if (ch == -2)
			return -1;
		if (ch == O_FORCE && force != NULL) {
			*force = 1;
			continue;
		}
		if (ch == O_FORCE)
			return *ret = usage_error(cmd, "unknown option --force"), -1;
		if (ch == O_ALLOW_EMAIL || ch == REC_OPT_BASE + RF_DO_NOT_EMAIL) {
			if (rec_set(c, ro, RF_DO_NOT_EMAIL, ch == O_ALLOW_EMAIL ? "no" : "yes") == -1)
				return *ret = fail(c), -1;
			continue;
		}
		if (ch >= REC_OPT_BASE && ch < REC_OPT_BASE + RF_COUNT &&
		    rec_set(c, ro, ch - REC_OPT_BASE, optarg) == -1)
			return *ret = fail(c), -1;
	}
	return 0;
}

/* With no --owner and exactly one owner in the database, that one. */
static int
default_owner(struct cli *c, struct rec_opts *ro)
{
	struct owner *v;
	size_t n;

	if (ro->r.v[RF_OWNER] != NULL)
		return 0;
	if (store_owner_load(c->st, 1, &v, &n, c->err, sizeof(c->err)) == -1)
		return -1;
	if (n == 1)
		rec_set(c, ro, RF_OWNER, v[0].email);
	for (size_t i = 0; i < n; i++)
		store_owner_clear(&v[i]);
	free(v);
	return 0;
}

static int
cmd_client_add(struct cli *c, int argc, char **argv)
{
	struct rec_opts ro = { 0 };
	long long id;
	int ret;

	if (rec_parse(c, "client add", argc, argv, &ro, NULL, &ret) == -1)
		goto out;
	ret = EXIT_USAGE;
	if (ro.r.v[RF_NAME] != NULL) {
		usage_error("client add", "give the name as the argument, not --name");
		goto out;
	}
	if (optind + 1 != argc) {
		usage_error("client add", "expected NAME");
		goto out;
	}
	ret = 1;
	if (rec_set(c, &ro, RF_NAME, argv[optind]) == -1) {
		fail(c);
		goto out;
	}
	if (begin(c) == -1) {
		fail(c);
		goto out;
	}
	if (default_owner(c, &ro) == -1 ||
	    store_client_put(c->st, 0, &ro.r, &id, c->err, sizeof(c->err)) == -1) {
		abort_tx(c);
		goto out;
	}
	if (commit(c) == -1) {
		fail(c);
		goto out;
	}
	if (c->json) {
		json_object *j = json_object_new_object();
		json_object_object_add(j, "id", json_object_new_int64(id));
		out_print_json(stdout, j);
		json_object_put(j);
	} else if (!c->quiet)
		printf("client %lld added: %s\n", id, ro.r.v[RF_NAME]);
	ret = 0;
out:
	rec_opts_free(&ro);
	return ret;
}

static int
cmd_client_edit(struct cli *c, int argc, char **argv)
{
	struct rec_opts ro = { 0 };
	long long id;
	int ret, given = 0;

	if (rec_parse(c, "client edit", argc, argv, &ro, NULL, &ret) == -1)
		goto out;
	ret = EXIT_USAGE;
	if (optind + 1 != argc) {
		usage_error("client edit", "expected ID or NAME");
		goto out;
	}
	for (int f = 0; f < RF_COUNT; f++)
		given |= ro.r.v[f] != NULL;
	if (!given) {
		usage_error("client edit", "nothing to change");
		goto out;
	}
	ret = 1;
	if (begin(c) == -1) {
		fail(c);
		goto out;
	}
	if (resolve_client(c, argv[optind], &id) == -1 ||
	    store_client_put(c->st, id, &ro.r, NULL, c->err, sizeof(c->err)) == -1) {
		abort_tx(c);
		goto out;
	}
	if (commit(c) == -1) {
		fail(c);
		goto out;
	}
	if (!c->quiet)
		printf("client %lld updated\n", id);
	ret = 0;
out:
	rec_opts_free(&ro);
	return ret;
}

static int
cmd_client_delete(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' }, HELP_OPT, END_OPT
	};
	long long id;
	int ch, ret, force = 0;

	reset_getopt();
	while ((ch = next_opt(argc, argv, opts, "client delete", &ret)) != -1) {
		if (ch == -2)
			return ret;
		if (ch == 'f')
			force = 1;
	}
	if (optind + 1 != argc)
		return usage_error("client delete", "expected ID");
	if (begin(c) == -1)
		return fail(c);
	if (resolve_client(c, argv[optind], &id) == -1 ||
	    store_client_delete(c->st, id, force, c->err, sizeof(c->err)) == -1)
		return abort_tx(c);
	if (commit(c) == -1)
		return fail(c);
	if (!c->quiet)
		printf("client %lld deleted\n", id);
	return 0;
}

static int
list_clients(struct cli *c, struct out *o, void *arg)
{
	return store_client_list(c->st, arg, out_row, o, c->err, sizeof(c->err));
}

static int
cmd_client_list(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "status", required_argument, NULL, 's' },
		{ "segment", required_argument, NULL, 'g' },
		{ "owner", required_argument, NULL, 'o' },
		{ "city", required_argument, NULL, 'c' },
		{ "search", required_argument, NULL, 'q' },
		{ "limit", required_argument, NULL, 'n' },
		{ "csv", no_argument, NULL, 'C' },
		HELP_OPT, END_OPT
	};
	struct client_filter f = { 0 };
	char status[32], e[256];
	enum out_mode mode = list_mode(c);
	long lim;
	int ch, ret;

	reset_getopt();
	while ((ch = next_opt(argc, argv, opts, "client list", &ret)) != -1) {
		switch (ch) {
		case -2:
			return ret;
		case 's':
			if (record_normalize(RF_STATUS, optarg, status, sizeof(status), e,
			    sizeof(e)) == -1)
				return usage_error("client list", "--status %s", e);
			f.status = status;
			break;
		case 'g': f.segment = optarg; break;
		case 'o': f.owner = optarg; break;
		case 'c': f.city = optarg; break;
		case 'q': f.search = optarg; break;
		case 'C': mode = OUT_CSV; break;
		case 'n':
			if (parse_long(optarg, 1, LONG_MAX, &lim) == -1)
				return usage_error("client list", "--limit wants a positive number");
			f.limit = lim;
			break;
		}
	}
	if (optind != argc)
		return usage_error("client list", "unexpected argument %s", argv[optind]);
	if (open_store(c, 0) == -1)
		return fail(c);
	return print_rows(c, mode, list_clients, &f);
}

struct show_ctx {
	long long	 id;
};

static int
show_section(struct cli *c, json_object *parent, const char *title,
    int (*list)(struct store *, long long, store_row_fn, void *, char *, size_t), long long id)
{
	struct out *o = out_new(c->json ? OUT_JSON : OUT_TABLE, stdout);
	int rc;

	if (o == NULL)
		return -1;
	rc = list(c->st, id, out_row, o, c->err, sizeof(c->err));
	if (rc == 0) {
		if (c->json)
			json_object_object_add(parent, title, out_take_json(o));
		else if (out_count(o) > 0) {
			printf("\n%s:\n", title);
			out_flush(o);
		}
	}
	out_free(o);
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
client_activities(struct store *st, long long id, store_row_fn fn, void *arg,
    char *err, size_t errlen)
{
	struct activity_filter f = { .client = id };

	return store_activity_list(st, &f, fn, arg, err, errlen);
}

static int
show_first_row(const struct store_row *r, void *arg)
{
	json_object **j = arg;

	*j = out_row_json(r);
	return 1;
}

static int
cmd_client_show(struct cli *c, int argc, char **argv)
{
	const char *ref;
	long long id;
	json_object *j = NULL;
	int rc;

	if ((rc = one_operand("client show", argc, argv, &ref)) != -1)
		return rc;
	if (open_store(c, 0) == -1 || resolve_client(c, ref, &id) == -1)
		return fail(c);
	if (c->json) {
		if (store_client_show(c->st, id, show_first_row, &j, c->err,
		    sizeof(c->err)) == -1 || j == NULL)
			return fail(c);
	} else {
		struct out *o = out_new(OUT_VERTICAL, stdout);
		if (o == NULL)
			return failf("out of memory");
		rc = store_client_show(c->st, id, out_row, o, c->err, sizeof(c->err));
		out_free(o);
		if (rc == -1)
			return fail(c);
	}
	if (show_section(c, j, "contacts", store_contact_list, id) == -1 ||
	    show_section(c, j, "interactions", recent_interactions, id) == -1 ||
	    show_section(c, j, "invoices", client_invoices, id) == -1 ||
	    show_section(c, j, "activities", client_activities, id) == -1) {
		json_object_put(j);
		return fail(c);
	}
	if (c->json) {
		out_print_json(stdout, j);
		json_object_put(j);
	}
	return 0;
}

/* ---- contacts -------------------------------------------------------- */

static int
cmd_contact_add(struct cli *c, int argc, char **argv)
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

	reset_getopt();
	while ((ch = next_opt(argc, argv, opts, "contact add", &ret)) != -1) {
		if (ch == -2)
			goto out;
		if (ch == 'p')
			primary = 1;
		else if (rec_set(c, &ro, ch, optarg) == -1) {
			ret = fail(c);
			goto out;
		}
	}
	ret = EXIT_USAGE;
	if (optind + 2 != argc) {
		usage_error("contact add", "expected CLIENT NAME");
		goto out;
	}
	ret = 1;
	if (rec_set(c, &ro, RF_CONTACT, argv[optind + 1]) == -1 || *ro.r.v[RF_CONTACT] == '\0') {
		if (ro.r.v[RF_CONTACT] != NULL)
			snprintf(c->err, sizeof(c->err), "the contact needs a name");
		fail(c);
		goto out;
	}
	if (begin(c) == -1) {
		fail(c);
		goto out;
	}
	if (resolve_client(c, argv[optind], &client) == -1 ||
	    store_contact_add(c->st, client, ro.r.v[RF_CONTACT], ro.r.v[RF_ROLE],
	    ro.r.v[RF_EMAIL], ro.r.v[RF_PHONE], primary, &id, c->err, sizeof(c->err)) == -1) {
		abort_tx(c);
		goto out;
	}
	if (commit(c) == -1) {
		fail(c);
		goto out;
	}
	if (!c->quiet)
		printf("contact %lld added to client %lld\n", id, client);
	ret = 0;
out:
	rec_opts_free(&ro);
	return ret;
}

static int
list_contacts(struct cli *c, struct out *o, void *arg)
{
	return store_contact_list(c->st, *(long long *)arg, out_row, o, c->err,
	    sizeof(c->err));
}

static int
cmd_contact_list(struct cli *c, int argc, char **argv)
{
	const char *ref;
	long long id;
	int rc;

	if ((rc = one_operand("contact list", argc, argv, &ref)) != -1)
		return rc;
	if (open_store(c, 0) == -1 || resolve_client(c, ref, &id) == -1)
		return fail(c);
	return print_rows(c, list_mode(c), list_contacts, &id);
}

/* ---- interactions ---------------------------------------------------- */

static int
cmd_log(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "at", required_argument, NULL, 'a' },
		{ "outcome", required_argument, NULL, 'o' },
		{ "note", required_argument, NULL, 'n' },
		{ "by", required_argument, NULL, 'b' },
		{ "tz", required_argument, NULL, 'z' },
		HELP_OPT, END_OPT
	};
	const char *at = "now", *outcome = "done", *note = NULL, *by = NULL, *zone = NULL;
	const char *kind;
	char *tz = NULL;
	struct owner o = { 0 };
	long long client, id, by_id = 0;
	time_t when;
	int ch, ret;

	reset_getopt();
	while ((ch = next_opt(argc, argv, opts, "log", &ret)) != -1) {
		switch (ch) {
		case -2: return ret;
		case 'a': at = optarg; break;
		case 'n': note = optarg; break;
		case 'b': by = optarg; break;
		case 'z': zone = optarg; break;
		case 'o':
			if ((outcome = record_outcome(optarg)) == NULL)
				return usage_error("log", "--outcome must be done, waiting or "
				    "no-answer, not \"%s\"", optarg);
			break;
		}
	}
	if (optind + 2 != argc)
		return usage_error("log", "expected CLIENT KIND");
	if ((kind = record_touch_kind(argv[optind + 1])) == NULL)
		return usage_error("log", "KIND must be call, visit, email, meeting, note, "
		    "sample or survey, not \"%s\"", argv[optind + 1]);
	if (note != NULL && strlen(note) > RECORD_NOTES_MAX)
		return failf("--note is too long (at most %d bytes)", RECORD_NOTES_MAX);
	if (zone != NULL && check_zone(c, zone) == -1)
		return fail(c);
	if (begin(c) == -1)
		return fail(c);
	if (resolve_client(c, argv[optind], &client) == -1)
		return abort_tx(c);
	if (by != NULL) {
		int r = store_owner_get(c->st, by, &o, c->err, sizeof(c->err));
		if (r == 1)
			snprintf(c->err, sizeof(c->err), "no owner with email %s", by);
		if (r != 0)
			return abort_tx(c);
		by_id = o.id;
		if (zone == NULL)
			zone = tz = strdup(o.tz);
		store_owner_clear(&o);
	}
	if (zone == NULL) {
		if (store_client_tz(c->st, client, c->cfg.digest.default_timezone, &tz,
		    c->err, sizeof(c->err)) == -1)
			return abort_tx(c);
		zone = tz;
	}
	/* The client's owner did it, unless told otherwise. */
	if (by_id == 0 && store_client_owner(c->st, client, &by_id, c->err,
	    sizeof(c->err)) == -1) {
		free(tz);
		return abort_tx(c);
	}
	if (parse_time(c, at, zone, 12 * 60, &when) == -1) {
		free(tz);
		return abort_tx(c);
	}
	free(tz);
	/* A touch is something that happened; the future is for "plan". */
	if (when > clock_now() + 300) {
		snprintf(c->err, sizeof(c->err), "--at %s is in the future; a touch records "
		    "what happened (schedule a call or visit with \"cartera plan\")", at);
		return abort_tx(c);
	}
	if (store_interaction_add(c->st, client, kind, when, outcome, note, by_id, &id,
	    c->err, sizeof(c->err)) == -1)
		return abort_tx(c);
	if (commit(c) == -1)
		return fail(c);
	if (!c->quiet)
		printf("%s logged for client %lld (%s)\n", kind, client, outcome);
	return 0;
}

/* ---- activities ------------------------------------------------------ */

/* Owner id and zone of a client, for planning. */
struct client_owner {
	long long	 owner_id;
	char		*address;
};

static const char *
row_value(const struct store_row *r, const char *name)
{
	for (int i = 0; i < r->ncols; i++)
		if (strcmp(r->names[i], name) == 0)
			return r->values[i];
	return NULL;
}

/* "Street 1, 28014 Madrid" from a client row. */
static int
client_owner_row(const struct store_row *r, void *arg)
{
	struct client_owner *co = arg;
	const char *addr = row_value(r, "address"), *pc = row_value(r, "postal_code");
	const char *city = row_value(r, "city");
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

static int
cmd_plan(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "at", required_argument, NULL, 'a' },
		{ "tz", required_argument, NULL, 'z' },
		{ "duration", required_argument, NULL, 'd' },
		{ "location", required_argument, NULL, 'l' },
		{ "note", required_argument, NULL, 'n' },
		{ "owner", required_argument, NULL, 'o' },
		HELP_OPT, END_OPT
	};
	const char *at = NULL, *zone = NULL, *location = NULL, *note = NULL, *owner = NULL;
	const char *kind;
	struct client_owner co = { 0, NULL };
	struct owner o = { 0 };
	long long client, id;
	long duration = 30;
	time_t when;
	int ch, ret, r;

	reset_getopt();
	while ((ch = next_opt(argc, argv, opts, "plan", &ret)) != -1) {
		switch (ch) {
		case -2: return ret;
		case 'a': at = optarg; break;
		case 'z': zone = optarg; break;
		case 'l': location = optarg; break;
		case 'n': note = optarg; break;
		case 'o': owner = optarg; break;
		case 'd':
			if (parse_long(optarg, 1, 24 * 60 * 14, &duration) == -1)
				return usage_error("plan", "--duration wants minutes (1-20160)");
			break;
		}
	}
	if (optind + 2 != argc)
		return usage_error("plan", "expected CLIENT call|visit");
	kind = record_touch_kind(argv[optind + 1]);
	if (kind == NULL || (strcmp(kind, "call") != 0 && strcmp(kind, "visit") != 0))
		return usage_error("plan", "KIND must be call or visit, not \"%s\"",
		    argv[optind + 1]);
	if (at == NULL)
		return usage_error("plan", "--at \"YYYY-MM-DD HH:MM\" is required");
	if (zone != NULL && check_zone(c, zone) == -1)
		return fail(c);
	for (const char *p = location ? location : ""; *p; p++)
		if (*p == '\r' || *p == '\n')
			return failf("--location contains a line break");
	if (begin(c) == -1)
		return fail(c);
	if (resolve_client(c, argv[optind], &client) == -1)
		return abort_tx(c);
	if (store_client_show(c->st, client, client_owner_row, &co, c->err,
	    sizeof(c->err)) == -1)
		return abort_tx(c);
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
		return abort_tx(c);
	}
	if (zone == NULL)
		zone = o.tz;
	if (parse_time(c, at, zone, -1, &when) == -1) {
		free(co.address);
		store_owner_clear(&o);
		return abort_tx(c);
	}
	if (location == NULL && strcmp(kind, "visit") == 0)
		location = co.address;
	r = store_activity_add(c->st, client, o.id, kind, when, zone, (int)duration,
	    location, note, &id, c->err, sizeof(c->err));
	store_owner_clear(&o);
	free(co.address);
	if (r == -1)
		return abort_tx(c);
	if (commit(c) == -1)
		return fail(c);
	if (!c->quiet)
		printf("%s %lld planned for client %lld\n", kind, id, client);
	return 0;
}

static int
list_activities(struct cli *c, struct out *o, void *arg)
{
	return store_activity_list(c->st, arg, out_row, o, c->err, sizeof(c->err));
}

static int
cmd_activity_list(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "owner", required_argument, NULL, 'o' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "client", required_argument, NULL, 'c' },
		{ "status", required_argument, NULL, 's' },
		HELP_OPT, END_OPT
	};
	struct activity_filter f = { 0 };
	const char *from = NULL, *to = NULL, *client = NULL;
	const char *zone = c->cfg.digest.default_timezone;
	struct owner o = { 0 };
	long d;
	int ch, ret, r;

	reset_getopt();
	while ((ch = next_opt(argc, argv, opts, "activity list", &ret)) != -1) {
		switch (ch) {
		case -2: return ret;
		case 'o': f.owner = optarg; break;
		case 'f': from = optarg; break;
		case 't': to = optarg; break;
		case 'c': client = optarg; break;
		case 's':
			if (strcmp(optarg, "planned") && strcmp(optarg, "done") &&
			    strcmp(optarg, "cancelled"))
				return usage_error("activity list",
				    "--status must be planned, done or cancelled");
			f.status = optarg;
			break;
		}
	}
	if (optind != argc)
		return usage_error("activity list", "unexpected argument %s", argv[optind]);
	if (open_store(c, 0) == -1)
		return fail(c);
	if (f.owner != NULL) {
		r = store_owner_get(c->st, f.owner, &o, c->err, sizeof(c->err));
		if (r == 1)
			return failf("no owner with email %s", f.owner);
		if (r == -1)
			return fail(c);
		zone = o.tz;
	}
	ret = 0;
	/* Dates are local days in the owner's zone; --to is inclusive. */
	if (from != NULL) {
		if (date_parse(from, &d) == -1)
			ret = usage_error("activity list", "--from wants YYYY-MM-DD");
		else
			tz_day_start(zone, d, &f.from);
	}
	if (to != NULL && ret == 0) {
		if (date_parse(to, &d) == -1)
			ret = usage_error("activity list", "--to wants YYYY-MM-DD");
		else
			tz_day_start(zone, d + 1, &f.to);
	}
	if (ret == 0 && client != NULL && resolve_client(c, client, &f.client) == -1)
		ret = fail(c);
	if (ret == 0)
		ret = print_rows(c, list_mode(c), list_activities, &f);
	store_owner_clear(&o);
	return ret;
}

static int
activity_status(struct cli *c, int argc, char **argv, const char *cmd, const char *status)
{
	const char *ref;
	long id;
	int rc;

	if ((rc = one_operand(cmd, argc, argv, &ref)) != -1)
		return rc;
	if (parse_long(ref, 1, LONG_MAX, &id) == -1)
		return usage_error(cmd, "ID must be an activity id");
	if (begin(c) == -1)
		return fail(c);
	if (store_activity_set_status(c->st, id, status, c->err, sizeof(c->err)) == -1)
		return abort_tx(c);
	if (commit(c) == -1)
		return fail(c);
	if (!c->quiet)
		printf("activity %ld %s\n", id, status);
	return 0;
}

static int
cmd_activity_done(struct cli *c, int argc, char **argv)
{
	return activity_status(c, argc, argv, "activity done", "done");
}

static int
cmd_activity_cancel(struct cli *c, int argc, char **argv)
{
	return activity_status(c, argc, argv, "activity cancel", "cancelled");
}

static int
cmd_activity_move(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "at", required_argument, NULL, 'a' },
		{ "tz", required_argument, NULL, 'z' },
		HELP_OPT, END_OPT
	};
	const char *at = NULL, *zone = NULL;
	char *tz = NULL;
	long id;
	time_t when;
	int ch, ret;

	reset_getopt();
	while ((ch = next_opt(argc, argv, opts, "activity move", &ret)) != -1) {
		switch (ch) {
		case -2: return ret;
		case 'a': at = optarg; break;
		case 'z': zone = optarg; break;
		}
	}
	if (optind + 1 != argc || parse_long(argv[optind], 1, LONG_MAX, &id) == -1)
		return usage_error("activity move", "expected an activity ID");
	if (at == NULL)
		return usage_error("activity move", "--at \"YYYY-MM-DD HH:MM\" is required");
	if (zone != NULL && check_zone(c, zone) == -1)
		return fail(c);
	if (begin(c) == -1)
		return fail(c);
	if (zone == NULL) {
		if (store_activity_tz(c->st, id, &tz, c->err, sizeof(c->err)) == -1)
			return abort_tx(c);
	}
	ret = parse_time(c, at, zone ? zone : tz, -1, &when);
	free(tz);
	if (ret == -1 ||
	    store_activity_move(c->st, id, when, zone, c->err, sizeof(c->err)) == -1)
		return abort_tx(c);
	if (commit(c) == -1)
		return fail(c);
	if (!c->quiet)
		printf("activity %ld moved\n", id);
	return 0;
}

/* ---- invoices, NPS, costs -------------------------------------------- */

static int
amount_arg(struct cli *c, const char *s, long long *cents)
{
	int r = parse_amount(s, cents);

	if (r == -2)
		snprintf(c->err, sizeof(c->err), "amount \"%s\" is ambiguous: write 1234 or "
		    "1234.00 or 1.234,00", s);
	else if (r == -1)
		snprintf(c->err, sizeof(c->err), "\"%s\" is not an amount (e.g. 1234.56)", s);
	return r == 0 ? 0 : -1;
}

static int
cmd_invoice_add(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "due", required_argument, NULL, 'd' },
		{ "issued", required_argument, NULL, 'i' },
		{ "number", required_argument, NULL, 'n' },
		{ "currency", required_argument, NULL, 'c' },
		{ "paid", required_argument, NULL, 'p' },
		HELP_OPT, END_OPT
	};
	const char *due = NULL, *issued = "today", *number = NULL, *currency = NULL;
	const char *paid = NULL;
	char dday[11], iday[11], pday[11], *tz = NULL;
	long long client, cents, id;
	int ch, ret, rc;

	reset_getopt();
	while ((ch = next_opt(argc, argv, opts, "invoice add", &ret)) != -1) {
		switch (ch) {
		case -2: return ret;
		case 'd': due = optarg; break;
		case 'i': issued = optarg; break;
		case 'n': number = optarg; break;
		case 'p': paid = optarg; break;
		case 'c':
			if (strlen(optarg) != 3 || !isupper((unsigned char)optarg[0]) ||
			    !isupper((unsigned char)optarg[1]) || !isupper((unsigned char)optarg[2]))
				return usage_error("invoice add",
				    "--currency wants an ISO 4217 code such as EUR");
			currency = optarg;
			break;
		}
	}
	if (optind + 2 != argc)
		return usage_error("invoice add", "expected CLIENT AMOUNT");
	if (due == NULL)
		return usage_error("invoice add", "--due DATE is required");
	if (amount_arg(c, argv[optind + 1], &cents) == -1)
		return fail(c);
	for (const char *p = number ? number : ""; *p; p++)
		if ((unsigned char)*p < ' ')
			return failf("--number contains a control character");
	if (begin(c) == -1)
		return fail(c);
	if (resolve_client(c, argv[optind], &client) == -1 ||
	    store_client_tz(c->st, client, c->cfg.digest.default_timezone, &tz, c->err,
	    sizeof(c->err)) == -1)
		return abort_tx(c);
	/* "today" is the client's salesperson's day. */
	rc = parse_day(c, due, tz, dday, sizeof(dday)) == -1 ||
	    parse_day(c, issued, tz, iday, sizeof(iday)) == -1 ||
	    (paid != NULL && parse_day(c, paid, tz, pday, sizeof(pday)) == -1);
	free(tz);
	if (rc)
		return abort_tx(c);
	if (strcmp(dday, iday) < 0) {
		snprintf(c->err, sizeof(c->err), "the due date %s is before the issue date %s",
		    dday, iday);
		return abort_tx(c);
	}
	if (store_invoice_add(c->st, client, cents, currency, iday, dday, number, &id,
	    c->err, sizeof(c->err)) == -1 ||
	    (paid != NULL && store_invoice_paid(c->st, id, pday, c->err, sizeof(c->err)) == -1))
		return abort_tx(c);
	if (commit(c) == -1)
		return fail(c);
	if (!c->quiet)
		printf("invoice %lld added to client %lld\n", id, client);
	return 0;
}

static int
cmd_invoice_paid(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "at", required_argument, NULL, 'a' }, HELP_OPT, END_OPT
	};
	const char *at = "today";
	char day[11], *tz = NULL;
	long long client;
	long id;
	int ch, ret, rc;

	reset_getopt();
	while ((ch = next_opt(argc, argv, opts, "invoice paid", &ret)) != -1) {
		if (ch == -2)
			return ret;
		if (ch == 'a')
			at = optarg;
	}
	if (optind + 1 != argc || parse_long(argv[optind], 1, LONG_MAX, &id) == -1)
		return usage_error("invoice paid", "expected an invoice ID");
	if (begin(c) == -1)
		return fail(c);
	if (store_invoice_client(c->st, id, &client, c->err, sizeof(c->err)) == -1 ||
	    store_client_tz(c->st, client, c->cfg.digest.default_timezone, &tz, c->err,
	    sizeof(c->err)) == -1)
		return abort_tx(c);
	rc = parse_day(c, at, tz, day, sizeof(day));
	free(tz);
	if (rc == -1 || store_invoice_paid(c->st, id, day, c->err, sizeof(c->err)) == -1)
		return abort_tx(c);
	if (commit(c) == -1)
		return fail(c);
	if (!c->quiet)
		printf("invoice %ld paid on %s\n", id, day);
	return 0;
}

struct invoice_q {
	long long	 client;
	int		 unpaid;
};

static int
list_invoices(struct cli *c, struct out *o, void *arg)
{
	struct invoice_q *q = arg;

	return store_invoice_list(c->st, q->client, q->unpaid, out_row, o, c->err,
	    sizeof(c->err));
}

static int
cmd_invoice_list(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "unpaid", no_argument, NULL, 'u' }, HELP_OPT, END_OPT
	};
	struct invoice_q q = { 0, 0 };
	int ch, ret;

	reset_getopt();
	while ((ch = next_opt(argc, argv, opts, "invoice list", &ret)) != -1) {
		if (ch == -2)
			return ret;
		if (ch == 'u')
			q.unpaid = 1;
	}
	if (optind + 1 < argc)
		return usage_error("invoice list", "expected at most one CLIENT");
	if (open_store(c, 0) == -1)
		return fail(c);
	if (optind < argc && resolve_client(c, argv[optind], &q.client) == -1)
		return fail(c);
	return print_rows(c, list_mode(c), list_invoices, &q);
}

static int
cmd_nps_add(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "at", required_argument, NULL, 'a' }, HELP_OPT, END_OPT
	};
	const char *at = "today";
	char day[11], *tz = NULL;
	long long client;
	long score;
	int ch, ret;

	reset_getopt();
	while ((ch = next_opt(argc, argv, opts, "nps add", &ret)) != -1) {
		if (ch == -2)
			return ret;
		if (ch == 'a')
			at = optarg;
	}
	if (optind + 2 != argc)
		return usage_error("nps add", "expected CLIENT SCORE");
	if (parse_long(argv[optind + 1], 0, 10, &score) == -1)
		return failf("SCORE must be a whole number from 0 to 10, not \"%s\"",
		    argv[optind + 1]);
	if (begin(c) == -1)
		return fail(c);
	if (resolve_client(c, argv[optind], &client) == -1 ||
	    store_client_tz(c->st, client, c->cfg.digest.default_timezone, &tz, c->err,
	    sizeof(c->err)) == -1)
		return abort_tx(c);
	/* "today" is the client's salesperson's day, as for invoices. */
	ret = parse_day(c, at, tz, day, sizeof(day));
	free(tz);
	if (ret == -1 ||
	    store_nps_add(c->st, client, (int)score, day, c->err, sizeof(c->err)) == -1)
		return abort_tx(c);
	if (commit(c) == -1)
		return fail(c);
	if (!c->quiet)
		printf("NPS %ld recorded for client %lld\n", score, client);
	return 0;
}

static int
cmd_cost_add(struct cli *c, int argc, char **argv)
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

	reset_getopt();
	while ((ch = next_opt(argc, argv, opts, "cost add", &ret)) != -1) {
		switch (ch) {
		case -2: return ret;
		case 'm': month = optarg; break;
		case 'c': client = optarg; break;
		case 'n': note = optarg; break;
		case 'k':
			if (strcmp(optarg, "marketing") && strcmp(optarg, "sales") &&
			    strcmp(optarg, "service"))
				return usage_error("cost add",
				    "--kind must be marketing, sales or service");
			kind = optarg;
			break;
		}
	}
	if (optind + 1 != argc)
		return usage_error("cost add", "expected AMOUNT");
	if (month == NULL)
		return usage_error("cost add", "--month YYYY-MM is required");
	snprintf(day, sizeof(day), "%.7s-01", month);
	if (strlen(month) != 7 || date_parse(day, &d) == -1)
		return usage_error("cost add", "--month wants YYYY-MM, not \"%s\"", month);
	if (amount_arg(c, argv[optind], &cents) == -1)
		return fail(c);
	if (begin(c) == -1)
		return fail(c);
	if ((client != NULL && resolve_client(c, client, &cid) == -1) ||
	    store_cost_add(c->st, month, kind, cents, cid, note, c->err, sizeof(c->err)) == -1)
		return abort_tx(c);
	if (commit(c) == -1)
		return fail(c);
	if (!c->quiet)
		printf("%s cost recorded for %s\n", kind, month);
	return 0;
}

/* ---- segments -------------------------------------------------------- */

static int
cmd_segment_set(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cadence", required_argument, NULL, 'c' }, HELP_OPT, END_OPT
	};
	long days = 0;
	int ch, ret;

	reset_getopt();
	while ((ch = next_opt(argc, argv, opts, "segment set", &ret)) != -1) {
		if (ch == -2)
			return ret;
		if (ch == 'c' && parse_long(optarg, 1, 3650, &days) == -1)
			return usage_error("segment set", "--cadence wants days (1-3650)");
	}
	if (optind + 1 != argc)
		return usage_error("segment set", "expected NAME");
	if (begin(c) == -1)
		return fail(c);
	if (store_segment_set(c->st, argv[optind], (int)days, c->err, sizeof(c->err)) == -1)
		return abort_tx(c);
	if (commit(c) == -1)
		return fail(c);
	if (!c->quiet)
		printf(days ? "segment %s: contact every %ld days\n" :
		    "segment %s: default cadence\n", argv[optind], days);
	return 0;
}

static int
list_segments(struct cli *c, struct out *o, void *arg)
{
	return store_segment_list(c->st, out_row, o, c->err, sizeof(c->err));
}

static int
cmd_segment_list(struct cli *c, int argc, char **argv)
{
	return simple_list(c, "segment list", argc, argv, list_segments);
}

/* ---- import / export ------------------------------------------------- */

static int
cmd_import(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "delimiter", required_argument, NULL, 'd' },
		{ "encoding", required_argument, NULL, 'e' },
		{ "max-errors", required_argument, NULL, 'm' },
		{ "progress", no_argument, NULL, 'p' },
		{ "no-progress", no_argument, NULL, 'P' },
		HELP_OPT, END_OPT
	};
	struct import_opts io = { 0 };
	struct import_result res = { 0 };
	long maxerr;
	int ch, ret;

	io.max_errors = 50;
	io.progress = isatty(STDERR_FILENO) ? 1 : 0;
	io.encoding = IMPORT_ENC_AUTO;
	reset_getopt();
	while ((ch = next_opt(argc, argv, opts, "import", &ret)) != -1) {
		switch (ch) {
		case -2: return ret;
		case 'n': io.dry_run = 1; break;
		case 'p': io.progress = 1; break;
		case 'P': io.progress = 0; break;
		case 'd':
			if (strcmp(optarg, "tab") == 0 || strcmp(optarg, "\\t") == 0)
				io.delimiter = '\t';
			else if (strlen(optarg) == 1 && strchr(",;\t|", optarg[0]) != NULL)
				io.delimiter = optarg[0];
			else
				return usage_error("import", "--delimiter must be , ; | or tab");
			break;
		case 'e':
			if (strcasecmp(optarg, "utf-8") == 0 || strcasecmp(optarg, "utf8") == 0)
				io.encoding = IMPORT_ENC_UTF8;
			else if (strcasecmp(optarg, "cp1252") == 0 ||
			    strcasecmp(optarg, "windows-1252") == 0 ||
			    strcasecmp(optarg, "latin1") == 0 ||
			    strcasecmp(optarg, "iso-8859-1") == 0)
				io.encoding = IMPORT_ENC_CP1252;
			else
				return usage_error("import", "--encoding must be utf-8 or cp1252");
			break;
		case 'm':
			if (parse_long(optarg, 1, 100000, &maxerr) == -1)
				return usage_error("import", "--max-errors wants a number");
			io.max_errors = (size_t)maxerr;
			break;
		}
	}
	if (optind + 1 != argc)
		return usage_error("import", "expected FILE");
	io.path = argv[optind];
	if (open_store(c, 0) == -1)
		return fail(c);
	ret = import_csv(c->st, &io, &res, c->err, sizeof(c->err));
	for (size_t i = 0; i < res.nerrors; i++)
		fprintf(stderr, "%s\n", res.errors[i]);
	if (res.more_errors)
		fprintf(stderr, "%s: ... and %zu more errors\n", io.path, res.more_errors);
	if (ret == -1) {
		if (res.nerrors > 0)
			fprintf(stderr, "cartera: %s: nothing imported, the database is "
			    "unchanged\n", io.path);
		else
			fail(c);
		import_result_free(&res);
		return 1;
	}
	if (c->json) {
		json_object *j = json_object_new_object();
		json_object_object_add(j, "rows", json_object_new_int64((int64_t)res.rows));
		json_object_object_add(j, "inserted", json_object_new_int64((int64_t)res.inserted));
		json_object_object_add(j, "updated", json_object_new_int64((int64_t)res.updated));
		json_object_object_add(j, "dry_run", json_object_new_boolean(io.dry_run));
		out_print_json(stdout, j);
		json_object_put(j);
	} else if (!c->quiet)
		printf("%s: %zu rows, %zu %s, %zu %s%s\n", io.path, res.rows,
		    res.inserted, io.dry_run ? "would be inserted" : "inserted",
		    res.updated, io.dry_run ? "would be updated" : "updated",
		    io.dry_run ? " (dry run, nothing written)" : "");
	import_result_free(&res);
	return 0;
}

static int
cmd_export(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = { HELP_OPT, END_OPT };
	const char *path = NULL;
	int ch, ret;

	reset_getopt();
	while ((ch = next_opt(argc, argv, opts, "export", &ret)) != -1)
		if (ch == -2)
			return ret;
	if (optind + 1 < argc)
		return usage_error("export", "expected at most one FILE");
	if (optind < argc && strcmp(argv[optind], "-") != 0)
		path = argv[optind];
	if (open_store(c, STORE_READONLY) == -1 && open_store(c, 0) == -1)
		return fail(c);
	if (export_csv(c->st, path, c->err, sizeof(c->err)) == -1)
		return fail(c);
	return 0;
}

/* ---- due, outbox ----------------------------------------------------- */

/* One owner's digest as data: what "due" prints and the email carries. */
static int
due_data(struct store *st, const struct config *cfg, const struct owner *o,
    const char *date, int all, const struct scan_cache *k, json_object **out, char *err,
    size_t errlen)
{
	struct scan_result r;
	time_t now = clock_now();
	long day;
	int min;

	if (date != NULL) {
		/* The digest of that day, as it is computed at the owner's digest time. */
		if (date_parse(date, &day) == -1 || hhmm_parse(o->digest_at, &min) == -1 ||
		    tz_to_utc(o->tz, day, min, &now) == -1) {
			snprintf(err, errlen, "owner %s: bad date, time or zone", o->email);
			return -1;
		}
	}
	if (scan_run(st, cfg, o, now, all ? 0 : (size_t)cfg->digest.max_items, k, &r, err,
	    errlen) == -1)
		return -1;
	*out = digest_data(&r, o, cfg, all ? 0 : (size_t)cfg->digest.max_items);
	scan_free(&r);
	if (*out == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/*
 * Every owner's digest data, computed on up to DUE_THREADS threads (each
 * with its own connection; the overdue-invoice cache and the owners are
 * shared, read only): at a million clients the scans are CPU work, and
 * the output still comes out in order.
 */
#define DUE_THREADS	4

struct due_job {
	struct store		*st;		/* NULL: open db read-only */
	const char		*db;
	const struct config	*cfg;
	const struct owner	*v;
	size_t			 n, first, step;
	const char		*date;
	int			 all;
	const struct scan_cache	*k;
	json_object		**data;		/* [n], this job's slots */
	int			 rc;
	char			 err[512];
};

static void *
due_worker(void *arg)
{
	struct due_job *j = arg;
	struct store *st = j->st;

	if (st == NULL && store_open(j->db, STORE_READONLY, &st, j->err,
	    sizeof(j->err)) == -1) {
		j->rc = -1;
		return NULL;
	}
	for (size_t i = j->first; i < j->n && j->rc == 0; i += j->step)
		j->rc = due_data(st, j->cfg, &j->v[i], j->date, j->all, j->k, &j->data[i],
		    j->err, sizeof(j->err));
	if (st != j->st)
		store_close(st);
	return NULL;
}

static int
due_all(struct cli *c, const struct owner *v, size_t n, const char *date, int all,
    const struct scan_cache *k, json_object **data)
{
	struct due_job jobs[DUE_THREADS];
	pthread_t tid[DUE_THREADS];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t w = cpus > 1 ? (size_t)cpus : 1, started = 1;
	int rc = 0;

	if (w > DUE_THREADS)
		w = DUE_THREADS;
	if (w > n)
		w = n ? n : 1;
	/* Zones loaded here, before any thread runs (libical loads lazily). */
	tz_ical("UTC");
	for (size_t i = 0; w > 1 && i < n; i++)
		tz_ical(v[i].tz);
	for (size_t i = 0; i < w; i++) {
		jobs[i] = (struct due_job){ i == 0 ? c->st : NULL, store_path(c->st), &c->cfg,
		    v, n, i, w, date, all, k, data, 0, "" };
	}
	for (size_t i = 1; i < w; i++, started++)
		if (pthread_create(&tid[i], NULL, due_worker, &jobs[i]) != 0)
			break;
	/* Threads that could not start: their owners are done here. */
	for (size_t i = started; i < w; i++)
		jobs[i].st = c->st;
	due_worker(&jobs[0]);
	for (size_t i = started; i < w; i++)
		due_worker(&jobs[i]);
	for (size_t i = 1; i < started; i++)
		pthread_join(tid[i], NULL);
	for (size_t i = 0; i < w && rc == 0; i++)
		if (jobs[i].rc != 0) {
			snprintf(c->err, sizeof(c->err), "%s", jobs[i].err);
			rc = -1;
		}
	return rc;
}

/* Print one owner's digest data as the text the email carries. */
static int
due_print(struct cli *c, const struct owner *o, const struct tmplset *t, json_object *data)
{
	char *subject, *text;

	if (tmplset_render(t, "digest", o->lang, data, &subject, &text, NULL, c->err,
	    sizeof(c->err)) == -1)
		return -1;
	printf("To: %s <%s>\nSubject: %s\n\n%s\n", o->name, o->email, subject, text);
	free(subject);
	free(text);
	return 0;
}

static int
cmd_due(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "owner", required_argument, NULL, 'o' },
		{ "date", required_argument, NULL, 'd' },
		{ "all", no_argument, NULL, 'a' },
		HELP_OPT, END_OPT
	};
	const char *owner = NULL, *date = NULL;
	struct owner *v = NULL;
	struct tmplset *t = NULL;
	struct scan_cache *k = NULL;
	json_object *arr = NULL, **data = NULL;
	size_t n = 0;
	long d;
	int ch, ret, all = 0, rc = 0;

	reset_getopt();
	while ((ch = next_opt(argc, argv, opts, "due", &ret)) != -1) {
		switch (ch) {
		case -2: return ret;
		case 'o': owner = optarg; break;
		case 'd': date = optarg; break;
		case 'a': all = 1; break;
		}
	}
	if (optind != argc)
		return usage_error("due", "unexpected argument %s", argv[optind]);
	if (date != NULL && date_parse(date, &d) == -1)
		return usage_error("due", "--date wants YYYY-MM-DD");
	if (open_store(c, 0) == -1)
		return fail(c);
	if (!c->json && tmplset_load(c->cfg.templates, tmplset_shipped_dir(), &t, c->err,
	    sizeof(c->err)) == -1)
		return fail(c);
	if (owner != NULL) {
		if ((v = calloc(1, sizeof(*v))) == NULL)
			return failf("out of memory");
		n = 1;
		rc = store_owner_get(c->st, owner, v, c->err, sizeof(c->err));
		if (rc == 1)
			snprintf(c->err, sizeof(c->err), "no owner with email %s", owner);
		if (rc != 0) {
			free(v);
			tmplset_free(t);
			return fail(c);
		}
	} else if (store_owner_load(c->st, 1, &v, &n, c->err, sizeof(c->err)) == -1) {
		tmplset_free(t);
		return fail(c);
	}
	/* Every owner: everyone's overdue invoices in one pass. */
	if (n > 1 && scan_cache_load(c->st, date != NULL ? d + 2 : scan_cache_day(clock_now()),
	    &k, c->err, sizeof(c->err)) == -1)
		rc = -1;
	if (rc == 0 && (data = calloc(n ? n : 1, sizeof(*data))) == NULL) {
		snprintf(c->err, sizeof(c->err), "out of memory");
		rc = -1;
	}
	if (rc == 0)
		rc = due_all(c, v, n, date, all, k, data);
	if (rc == 0 && c->json && owner == NULL) {
		arr = json_object_new_array();
		for (size_t i = 0; i < n; i++) {
			json_object_array_add(arr, data[i]);
			data[i] = NULL;
		}
	} else if (rc == 0 && c->json)
		out_print_json(stdout, data[0]);
	for (size_t i = 0; rc == 0 && !c->json && i < n; i++) {
		if (i > 0)
			printf("\n");
		rc = due_print(c, &v[i], t, data[i]);
	}
	for (size_t i = 0; data != NULL && i < n; i++)
		json_object_put(data[i]);
	free(data);
	if (rc == 0 && arr != NULL)
		out_print_json(stdout, arr);
	json_object_put(arr);
	scan_cache_free(k);
	for (size_t i = 0; i < n; i++)
		store_owner_clear(&v[i]);
	free(v);
	tmplset_free(t);
	return rc == 0 ? 0 : fail(c);
}

static int
list_outbox(struct cli *c, struct out *o, void *arg)
{
	return outbox_list(c->st, arg, out_row, o, c->err, sizeof(c->err));
}

static int
cmd_outbox(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "status", required_argument, NULL, 's' },
		{ "older-than", required_argument, NULL, 'o' },
		HELP_OPT, END_OPT
	};
	const char *status = NULL, *action = "list";
	long days = 30, id;
	long long n;
	int ch, ret;

	reset_getopt();
	while ((ch = next_opt(argc, argv, opts, "outbox", &ret)) != -1) {
		switch (ch) {
		case -2: return ret;
		case 's':
			if (strcmp(optarg, "pending") && strcmp(optarg, "sent") &&
			    strcmp(optarg, "failed"))
				return usage_error("outbox", "--status must be pending, sent or failed");
			status = optarg;
			break;
		case 'o':
			if (parse_long(optarg, 0, 36500, &days) == -1)
				return usage_error("outbox", "--older-than wants days");
			break;
		}
	}
	if (optind < argc)
		action = argv[optind++];
	if (strcmp(action, "list") == 0) {
		if (optind != argc)
			return usage_error("outbox", "unexpected argument %s", argv[optind]);
		if (open_store(c, 0) == -1)
			return fail(c);
		return print_rows(c, list_mode(c), list_outbox, (void *)(uintptr_t)status);
	}
	if (strcmp(action, "retry") == 0) {
		if (optind + 1 != argc || parse_long(argv[optind], 1, LONG_MAX, &id) == -1)
			return usage_error("outbox", "retry wants a message ID");
		if (begin(c) == -1)
			return fail(c);
		if (outbox_retry(c->st, id, clock_now(), c->err, sizeof(c->err)) == -1)
			return abort_tx(c);
		if (commit(c) == -1)
			return fail(c);
		if (!c->quiet)
			printf("message %ld queued again; carterad sends it at its next wake-up\n", id);
		return 0;
	}
	if (strcmp(action, "purge") == 0) {
		if (optind != argc)
			return usage_error("outbox", "unexpected argument %s", argv[optind]);
		if (begin(c) == -1)
			return fail(c);
		if (outbox_purge(c->st, clock_now() - (time_t)days * 86400, &n, c->err,
		    sizeof(c->err)) == -1)
			return abort_tx(c);
		if (commit(c) == -1)
			return fail(c);
		if (!c->quiet)
			printf("%lld sent or failed messages older than %ld days deleted\n", n, days);
		return 0;
	}
	return usage_error("outbox", "unknown action \"%s\" (list, retry, purge)", action);
}

/* ---- feed ------------------------------------------------------------ */

/*
 * Write data to path through a temporary file renamed into place, so a
 * reader never sees half a file.  A path that exists and is not a regular
 * file (a FIFO, /dev/stdout, /dev/null) is written in place instead:
 * renaming over it would replace the device node.
 */
static int
write_atomic(struct cli *c, const char *path, const char *data, size_t len)
{
	char *tmp = NULL;
	struct stat sb;
	FILE *fp;
	int rc = 0;

	if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		if ((fp = fopen(path, "w")) == NULL ||
		    fwrite(data, 1, len, fp) != len || fclose(fp) == EOF) {
			snprintf(c->err, sizeof(c->err), "%s: %s", path, strerror(errno));
			return fail(c);
		}
		return 0;
	}

	if (asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) == -1)
		return failf("out of memory");
	if ((fp = fopen(tmp, "wx")) == NULL) {
		snprintf(c->err, sizeof(c->err), "%s: %s", tmp, strerror(errno));
		free(tmp);
		return fail(c);
	}
	if (fwrite(data, 1, len, fp) != len || fflush(fp) == EOF || fsync(fileno(fp)) == -1)
		rc = -1;
	if (fclose(fp) == EOF)
		rc = -1;
	if (rc == 0 && rename(tmp, path) == -1)
		rc = -1;
	if (rc == -1) {
		snprintf(c->err, sizeof(c->err), "%s: %s", path, strerror(errno));
		unlink(tmp);
	}
	free(tmp);
	return rc == 0 ? 0 : fail(c);
}

static int
cmd_feed(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "team", no_argument, NULL, 't' },
		HELP_OPT, END_OPT
	};
	const char *output = NULL;
	char *body = NULL;
	size_t len;
	int ch, ret, team = 0, events, rc;

	reset_getopt();
	while ((ch = next_opt(argc, argv, opts, "feed", &ret)) != -1) {
		switch (ch) {
		case -2: return ret;
		case 'o': output = optarg; break;
		case 't': team = 1; break;
		}
	}
	if (optind + 1 != argc)
		return usage_error("feed", "expected an owner EMAIL (or a team NAME with --team)");
	if (open_store(c, 0) == -1)
		return fail(c);
	if (team)
		rc = feed_build_team(c->st, &c->cfg, argv[optind], clock_now(), &body, &len,
		    &events, c->err, sizeof(c->err));
	else
		rc = feed_build_owner(c->st, &c->cfg, argv[optind], clock_now(), &body, &len,
		    &events, c->err, sizeof(c->err));
	if (rc == -1)
		return fail(c);
	if (output == NULL || strcmp(output, "-") == 0) {
		ret = fwrite(body, 1, len, stdout) == len && fflush(stdout) == 0 ? 0 :
		    failf("stdout: %s", strerror(errno));
	} else {
		ret = write_atomic(c, output, body, len);
		if (ret == 0 && !c->quiet)
			fprintf(stderr, "cartera: %s: %d events, %zu bytes\n", output, events, len);
	}
	free(body);
	return ret;
}

/* ---- reports --------------------------------------------------------- */

static int
cmd_report(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "month", required_argument, NULL, 'm' },
		{ "owner", required_argument, NULL, 'o' },
		{ "segment", required_argument, NULL, 'g' },
		{ "sector", required_argument, NULL, 's' },
		{ "city", required_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'F' },
		{ "limit", required_argument, NULL, 'n' },
		HELP_OPT, END_OPT
	};
	struct report_opts ro = { 0 };
	enum report_format fmt = c->json ? REPORT_JSON : REPORT_TABLE;
	const char *from = NULL, *to = NULL, *month = NULL, *kind = "summary";
	struct owner o = { 0 };
	json_object *r = NULL;
	long today, lim;
	int ch, ret, known = 0;

	ro.limit = 20;
	reset_getopt();
	while ((ch = next_opt(argc, argv, opts, "report", &ret)) != -1) {
		switch (ch) {
		case -2: return ret;
		case 'f': from = optarg; break;
		case 't': to = optarg; break;
		case 'm': month = optarg; break;
		case 'o': ro.owner = optarg; break;
		case 'g': ro.segment = optarg; break;
		case 's': ro.sector = optarg; break;
		case 'c': ro.city = optarg; break;
		case 'n':
			if (parse_long(optarg, 0, LONG_MAX, &lim) == -1)
				return usage_error("report", "--limit wants a number (0 = all)");
			ro.limit = lim;
			break;
		case 'F':
			if (strcmp(optarg, "table") == 0)
				fmt = REPORT_TABLE;
			else if (strcmp(optarg, "csv") == 0)
				fmt = REPORT_CSV;
			else if (strcmp(optarg, "json") == 0)
				fmt = REPORT_JSON;
			else
				return usage_error("report", "--format must be table, csv or json");
			break;
		}
	}
	if (optind < argc)
		kind = argv[optind++];
	if (optind != argc)
		return usage_error("report", "unexpected argument %s", argv[optind]);
	for (int i = 0; report_kinds[i] != NULL; i++)
		known |= strcmp(report_kinds[i], kind) == 0;
	if (!known)
		return usage_error("report", "no report \"%s\" (summary, pareto, churn, clv, nps, "
		    "receivables, activity)", kind);
	if (month != NULL && (from != NULL || to != NULL))
		return usage_error("report", "give --month or --from/--to, not both");
	if ((from == NULL) != (to == NULL))
		return usage_error("report", "--from and --to go together");
	if (open_store(c, 0) == -1)
		return fail(c);
	ro.tz = c->cfg.digest.default_timezone;
	ro.lang = c->cfg.digest.language;
	if (ro.owner != NULL) {
		int rc = store_owner_get(c->st, ro.owner, &o, c->err, sizeof(c->err));
		if (rc == 1)
			return failf("no owner with email %s", ro.owner);
		if (rc == -1)
			return fail(c);
		ro.tz = o.tz;
		ro.lang = o.lang;
	}
	ro.now = clock_now();
	today = 0;
	tz_local_day(ro.tz, ro.now, &today, NULL);
	ret = 0;
	if (month != NULL) {
		char d[16];
		long m1;
		int y, m, dd;
		snprintf(d, sizeof(d), "%.7s-01", month);
		if (strlen(month) != 7 || date_parse(d, &m1) == -1)
			ret = usage_error("report", "--month wants YYYY-MM");
		else {
			days_to_date(m1, &y, &m, &dd);
			ro.from = m1;
			ro.to = (m == 12 ? date_to_days(y + 1, 1, 1) : date_to_days(y, m + 1, 1)) - 1;
		}
	} else if (from != NULL) {
		if (date_parse(from, &ro.from) == -1 || date_parse(to, &ro.to) == -1)
			ret = usage_error("report", "--from and --to want YYYY-MM-DD");
		else if (ro.from > ro.to)
			ret = usage_error("report", "--from is after --to");
	} else
		report_last_month(today, &ro.from, &ro.to);
	if (ret == 0) {
		if (report_build(c->st, &c->cfg, kind, &ro, &r, c->err, sizeof(c->err)) == -1)
			ret = fail(c);
		else if (report_print(stdout, kind, r, fmt, ro.lang) == -1)
			ret = failf("stdout: %s", strerror(errno));
	}
	json_object_put(r);
	store_owner_clear(&o);
	return ret;
}

/* ---- the table of commands ------------------------------------------ */

static int cmd_help(struct cli *, int, char **);

static const struct command commands[] = {
	{ "init", cmd_init, "", "Create the database (or migrate it to this version)." },
	{ "check", cmd_check, "", "Check the database's integrity." },
	{ "backup", cmd_backup, "FILE",
	    "Copy the database to FILE, safely while carterad runs.\n"
	    "One consistent snapshot through SQLite's online backup (carterad and other\n"
	    "cartera commands go on writing), checked (integrity_check), written to a\n"
	    "temporary file next to FILE and renamed over it: FILE is never half-written.\n"
	    "The copy is a single file (no -wal), mode 0600.  To restore: stop carterad,\n"
	    "remove the database's -wal and -shm files, copy FILE over the database,\n"
	    "start carterad." },
	{ "owner add", cmd_owner_add,
	    "EMAIL --name NAME [--tz ZONE] [--digest-at HH:MM] [--lang es|en] [--team T]",
	    "Add a salesperson.  Zone, digest time and language default to the\n"
	    "digest settings of the configuration." },
	{ "owner edit", cmd_owner_edit,
	    "EMAIL [--name N] [--email NEW] [--tz ZONE] [--digest-at HH:MM] [--lang L]\n"
	    "        [--team T] [--active yes|no]", "Change a salesperson." },
	{ "owner list", cmd_owner_list, "", "List salespeople." },
	{ "owner feed-url", cmd_owner_feed_url, "EMAIL",
	    "Print the secret calendar feed URL of a salesperson." },
	{ "owner rotate-token", cmd_owner_rotate_token, "EMAIL",
	    "Make a new feed URL; the old one stops working at once." },
	{ "team add", cmd_team_add, "NAME [--all]",
	    "Add a team (owners join with \"owner edit --team\"; --all: everybody)." },
	{ "team list", cmd_team_list, "", "List teams and their feed tokens." },
	{ "team feed-url", cmd_team_feed_url, "NAME", "Print a team's calendar feed URL." },
	{ "team rotate-token", cmd_team_rotate_token, "NAME", "Make a new team feed URL." },
	{ "client add", cmd_client_add,
	    "NAME [--kind K] [--status S] [--segment S] [--sector S] [--owner EMAIL]\n"
	    "        [--email E] [--phone P] [--contact NAME] [--role R] [--address A]\n"
	    "        [--city C] [--postal-code Z] [--country CC] [--tax-id T]\n"
	    "        [--cadence DAYS] [--next-contact DATE] [--notes TEXT] [--do-not-email]",
	    "Add a client.  KIND: company, freelancer, individual (or empresa,\n"
	    "autónomo, particular); STATUS: active, potential, inactive, lost.\n"
	    "Without --owner, the only salesperson (if there is just one)." },
	{ "client list", cmd_client_list,
	    "[--status S] [--segment S] [--owner EMAIL] [--city C] [--search TEXT]\n"
	    "        [--limit N] [--csv]", "List clients." },
	{ "client show", cmd_client_show, "ID|NAME",
	    "Show a client with contacts, recent interactions, invoices and activities." },
	{ "client edit", cmd_client_edit, "ID|NAME [client add options] [--allow-email]",
	    "Change fields of a client; an empty value (--city '') clears a field." },
	{ "client delete", cmd_client_delete, "ID|NAME [--force]",
	    "Delete a client.  One with history needs --force (consider --status lost)." },
	{ "contact add", cmd_contact_add,
	    "CLIENT NAME [--role R] [--email E] [--phone P] [--primary]",
	    "Add a contact person to a client." },
	{ "contact list", cmd_contact_list, "CLIENT", "List a client's contacts." },
	{ "log", cmd_log,
	    "CLIENT KIND [--at TIME] [--outcome done|waiting|no-answer] [--note TEXT]\n"
	    "        [--by EMAIL] [--tz ZONE]",
	    "Record a touch: KIND is call, visit, email, meeting, note, sample or survey.\n"
	    "TIME is \"YYYY-MM-DD HH:MM\" in the owner's zone (default now)." },
	{ "plan", cmd_plan,
	    "CLIENT call|visit --at \"YYYY-MM-DD HH:MM\" [--tz ZONE] [--duration MIN]\n"
	    "        [--location L] [--note T] [--owner EMAIL]",
	    "Schedule a call or visit; it appears in the owner's calendar feed." },
	{ "activity list", cmd_activity_list,
	    "[--owner EMAIL] [--from DATE] [--to DATE] [--client C] [--status S]",
	    "List scheduled calls and visits." },
	{ "activity done", cmd_activity_done, "ID", "Mark an activity done." },
	{ "activity cancel", cmd_activity_cancel, "ID",
	    "Cancel an activity (it stays in the feed as cancelled for a while)." },
	{ "activity move", cmd_activity_move, "ID --at \"YYYY-MM-DD HH:MM\" [--tz ZONE]",
	    "Move an activity to another time." },
	{ "invoice add", cmd_invoice_add,
	    "CLIENT AMOUNT --due DATE [--issued DATE] [--number N] [--currency EUR]\n"
	    "        [--paid DATE]", "Record a purchase/invoice; AMOUNT like 1234.56." },
	{ "invoice paid", cmd_invoice_paid, "ID [--at DATE]", "Mark an invoice paid." },
	{ "invoice list", cmd_invoice_list, "[CLIENT] [--unpaid]", "List invoices." },
	{ "nps add", cmd_nps_add, "CLIENT SCORE [--at DATE]",
	    "Record a Net Promoter Score response (0-10)." },
	{ "cost add", cmd_cost_add,
	    "AMOUNT --month YYYY-MM [--kind marketing|sales|service] [--client C] [--note T]",
	    "Record an acquisition or service cost (for CAC, CLV and profitability)." },
	{ "segment set", cmd_segment_set, "NAME [--cadence DAYS]",
	    "Create a segment or set its contact cadence." },
	{ "segment list", cmd_segment_list, "", "List segments." },
	{ "import", cmd_import,
	    "FILE [--dry-run] [--delimiter C] [--encoding utf-8|cp1252] [--max-errors N]",
	    "Import clients from CSV (all or nothing).  Columns by header name, English\n"
	    "or Spanish; rows matching a client (tax id, email, name) update it." },
	{ "export", cmd_export, "[FILE]",
	    "Write every client as UTF-8 CSV with the canonical header (stdout if no FILE)." },
	{ "due", cmd_due, "[--owner EMAIL] [--date DATE] [--all]",
	    "Print exactly what each salesperson's digest holds (--json: its data).\n"
	    "--date shows the digest of that day as computed at the digest time;\n"
	    "--all lifts the digest.max_items limit per section." },
	{ "outbox", cmd_outbox, "[list [--status S] | retry ID | purge [--older-than DAYS]]",
	    "Show queued, sent and failed messages; queue a failed one again; delete\n"
	    "old sent and failed ones (default older than 30 days)." },
	{ "feed", cmd_feed, "OWNER [--output FILE] | --team NAME [--output FILE]",
	    "Write a salesperson's (or team's) calendar feed, the same bytes carterad\n"
	    "serves, to FILE (written atomically) or stdout: for static hosting." },
	{ "report", cmd_report,
	    "[summary|pareto|churn|clv|nps|receivables|activity] [--month YYYY-MM |\n"
	    "        --from DATE --to DATE] [--owner E] [--segment S] [--sector S] [--city C]\n"
	    "        [--format table|csv|json] [--limit N]",
	    "Portfolio indicators for a period (default: the last full month).  Every\n"
	    "definition is in the README; n/a where a denominator is zero." },
	{ "help", cmd_help, "[COMMAND]", "Show help for a command." },
	{ NULL, NULL, NULL, NULL }
};

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "Usage: cartera [-d DB] [-c CONFIG] [--json] [--now TIME] COMMAND [ARGS]\n"
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
	    "  -h, --help          this help;  -V, --version  the version\n"
	    "\nCommands:\n", CONFIG_DEFAULT_PATH);
	for (const struct command *k = commands; k->name != NULL; k++) {
		const char *nl = strchr(k->summary, '\n');
		fprintf(fp, "  %-20s %.*s\n", k->name,
		    nl ? (int)(nl - k->summary) : (int)strlen(k->summary), k->summary);
	}
	fprintf(fp, "\nExit status: 0 ok, 1 error, 2 usage.  \"cartera help COMMAND\" "
	    "for details.\n");
}

static int
cmd_help(struct cli *c, int argc, char **argv)
{
	char name[64];
	const struct command *k;

	if (argc < 2) {
		usage(stdout);
		return 0;
	}
	snprintf(name, sizeof(name), "%s%s%s", argv[1], argc > 2 ? " " : "",
	    argc > 2 ? argv[2] : "");
	if ((k = find_command(name)) == NULL && (k = find_command(argv[1])) == NULL) {
		fprintf(stderr, "cartera: no command \"%s\"\n", name);
		return EXIT_USAGE;
	}
	command_help(k, stdout);
	return 0;
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
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+d:c:jqhV", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': c.db_path = optarg; break;
		case 'c': c.config_path = optarg; break;
		case 'j': c.json = 1; break;
		case 'q': c.quiet = 1; break;
		case 'N':
			if (clock_parse_utc(optarg, &now) == -1) {
				fprintf(stderr, "cartera: --now wants \"YYYY-MM-DD HH:MM[:SS]Z\"\n");
				return EXIT_USAGE;
			}
			clock_set(now, 0);
			break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("%s\n", PACKAGE_STRING); return 0;
		default:
			fprintf(stderr, "cartera: unknown option %s\n", argv[optind - 1]);
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
		for (const struct command *p = commands; p->name != NULL; p++)
			if (strncmp(p->name, argv[0], strlen(argv[0])) == 0 &&
			    p->name[strlen(argv[0])] == ' ') {
				fprintf(stderr, "cartera: \"%s\" needs a subcommand; try "
				    "\"cartera help %s\"\n", argv[0], argv[0]);
				return EXIT_USAGE;
			}
		fprintf(stderr, "cartera: unknown command \"%s\"; try \"cartera --help\"\n",
		    argv[0]);
		return EXIT_USAGE;
	}

	if (config_defaults(&c.cfg) == -1)
		return failf("out of memory");
	if (config_load(&c.cfg, c.config_path ? c.config_path : CONFIG_DEFAULT_PATH,
	    c.config_path == NULL, c.err, sizeof(c.err)) == -1) {
		config_free(&c.cfg);
		return fail(&c);
	}
	if (c.db_path == NULL)
		c.db_path = getenv("CARTERA_DB");
	if (c.db_path == NULL || *c.db_path == '\0')
		c.db_path = c.cfg.database;

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
