/*
 * test_config.c - carterad.conf as a user meets it: the defaults, a file
 * setting everything, the shipped example, and every kind of mistake,
 * each reported as FILE:LINE.  Also the secret rules (who may read a file
 * that holds the SMTP password) and that the password is never printed.
 *
 * Files are written into a fresh directory under $TMPDIR (or /tmp); the
 * shipped example is read from $srcdir/etc (srcdir defaults to ".").
 * Exit 0 when every check passed, 1 otherwise.
 */
#include "build.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libical/ical.h>

#include "clock.h"
#include "config.h"
#include "check.h"

static char	*tmpdir;
static char	*srcdir;

static char *
xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *
xprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1) {
		perror("vasprintf");
		exit(1);
	}
	va_end(ap);
	return s;
}

/* tmpdir/name, caller frees. */
static char *
tpath(const char *name)
{
	return xprintf("%s/%s", tmpdir, name);
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *fp;

	if ((fp = fopen(path, "w")) == NULL || fputs(text, fp) == EOF ||
	    fclose(fp) == EOF || chmod(path, mode) == -1) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		exit(1);
	}
}

static void
write_bytes(const char *path, const void *p, size_t n)
{
	FILE *fp;

	if ((fp = fopen(path, "w")) == NULL || fwrite(p, 1, n, fp) != n ||
	    fclose(fp) == EOF) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		exit(1);
	}
}

static char *
read_text(const char *path)
{
	FILE *fp;
	char *s;
	long n;

	if ((fp = fopen(path, "r")) == NULL)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	if ((s = calloc(1, (size_t)n + 1)) == NULL ||
	    fread(s, 1, (size_t)n, fp) != (size_t)n) {
		fclose(fp);
		free(s);
		return NULL;
	}
	fclose(fp);
	return s;
}

static char *
print_to_string(const struct config *cfg)
{
	char *s = NULL;
	size_t n = 0;
	FILE *fp;

	if ((fp = open_memstream(&s, &n)) == NULL) {
		perror("open_memstream");
		exit(1);
	}
	config_print(cfg, fp);
	fclose(fp);
	return s;
}

/* Write text to tmpdir/c.conf with mode, load it over the defaults. */
static int
load_text(struct config *cfg, const char *text, mode_t mode, char *err,
    size_t errlen)
{
	char *path = tpath("c.conf");
	int rv;

	write_file(path, text, mode);
	if (config_defaults(cfg) == -1) {
		fprintf(stderr, "config_defaults: out of memory\n");
		exit(1);
	}
	rv = config_load(cfg, path, 0, err, errlen);
	free(path);
	return rv;
}

#define LOAD_OK(cfg, text)	load_ok((cfg), (text), 0600, __LINE__)

/* Load text, which must be valid; the caller frees cfg. */
static int
load_ok(struct config *cfg, const char *text, mode_t mode, int line)
{
	char err[1024];

	if (load_text(cfg, text, mode, err, sizeof(err)) == -1) {
		fprintf(stderr, "test_config.c:%d: FAIL: valid file refused: "
		    "%s\n", line, err);
		check_note(0, NULL);
		return -1;
	}
	return 0;
}

#define LOAD_ERR(text, line, want) \
	load_err((text), 0600, (line), (want), __LINE__)
#define LOAD_ERR_MODE(text, mode, line, want) \
	load_err((text), (mode), (line), (want), __LINE__)

/*
 * Load text, which must be refused with a message starting with
 * "FILE:LINE: " (or "FILE: " when line is 0) and containing want.
 */
static void
load_err(const char *text, mode_t mode, int line, const char *want,
    int caller)
{
	struct config cfg;
	char err[1024], *path, *prefix;

	path = tpath("c.conf");
	prefix = line > 0 ? xprintf("%s:%d: ", path, line) :
	    xprintf("%s: ", path);
	if (load_text(&cfg, text, mode, err, sizeof(err)) != -1) {
		fprintf(stderr, "test_config.c:%d: FAIL: accepted a file that "
		    "should fail with \"%s\"\n", caller, want);
		check_note(0, NULL);
	} else if (strncmp(err, prefix, strlen(prefix)) != 0 ||
	    strstr(err, want) == NULL) {
		fprintf(stderr, "test_config.c:%d: FAIL: error \"%s\"\n"
		    "\twanted \"%s...%s...\"\n", caller, err, prefix, want);
		check_note(0, NULL);
	}
	config_free(&cfg);
	free(prefix);
	free(path);
}

/* Both configs print the same, ignoring comments and listed settings. */
static int
same_settings(const struct config *a, const struct config *b,
    const char *const *skip)
{
	char *pa, *pb, *la, *lb, *sa, *sb;
	const char *const *k;
	int same = 1;

	pa = print_to_string(a);
	pb = print_to_string(b);
	la = strtok_r(pa, "\n", &sa);
	lb = strtok_r(pb, "\n", &sb);
	for (;;) {
		while (la != NULL && (la[strspn(la, "\t ")] == '#'))
			la = strtok_r(NULL, "\n", &sa);
		while (lb != NULL && (lb[strspn(lb, "\t ")] == '#'))
			lb = strtok_r(NULL, "\n", &sb);
		if (la == NULL || lb == NULL) {
			same = la == lb;
			break;
		}
		for (k = skip; *k != NULL; k++)
			if (strncmp(la + strspn(la, "\t"), *k, strlen(*k)) == 0)
				break;
		if (*k == NULL && strcmp(la, lb) != 0) {
			fprintf(stderr, "\tdiffers: \"%s\" / \"%s\"\n", la, lb);
			same = 0;
			break;
		}
		la = strtok_r(NULL, "\n", &sa);
		lb = strtok_r(NULL, "\n", &sb);
	}
	free(pa);
	free(pb);
	return same;
}

static void
test_defaults(void)
{
	struct config cfg;
	char err[512];

	CHECK(config_defaults(&cfg) == 0);
	CHECK(cfg.path == NULL);
	CHECK(strcmp(cfg.database, LOCALSTATEDIR "/lib/cartera/cartera.db")
	    == 0);
	CHECK(strcmp(cfg.templates, SYSCONFDIR "/cartera/templates") == 0);
	CHECK(strcmp(cfg.user, "cartera") == 0);
	CHECK(strcmp(cfg.smtp.url, "smtp://localhost:25") == 0);
	CHECK(cfg.smtp.starttls == STARTTLS_REQUIRED);
	CHECK(cfg.smtp.user == NULL);
	CHECK(cfg.smtp.password == NULL);
	CHECK(cfg.smtp.password_file == NULL);
	CHECK(strcmp(cfg.smtp.from, "Cartera <cartera@localhost>") == 0);
	CHECK(cfg.smtp.ca_file == NULL);
	CHECK(cfg.smtp.timeout == 30);
	CHECK(cfg.smtp.max_age == 432000);
	CHECK(cfg.smtp.retry_min == 60);
	CHECK(cfg.smtp.retry_max == 3600);
	CHECK(cfg.smtp.batch == 100);
	CHECK(strcmp(cfg.digest.default_time, "08:00") == 0);
	CHECK(strcmp(cfg.digest.default_timezone, "Europe/Madrid") == 0);
	CHECK(strcmp(cfg.digest.language, "es") == 0);
	CHECK(cfg.digest.send_empty == 1);
	CHECK(cfg.digest.max_items == 50);
	CHECK(cfg.digest.risk_clients == 5);
	CHECK(cfg.cadence.default_days == 30);
	CHECK(cfg.cadence.potential_days == 14);
	CHECK(cfg.cadence.nsegments == 0);
	CHECK(cfg.cadence.orders_self_days == 60);
	CHECK(cfg.cadence.orders_visit_days == 21);
	CHECK(cfg.inactive.factor == 1.5);
	CHECK(cfg.inactive.min_days == 30);
	CHECK(cfg.inactive.single_purchase_days == 180);
	CHECK(cfg.inactive.no_contact_days == 90);
	CHECK(cfg.alerts.yellow_days == 3);
	CHECK(cfg.alerts.waiting_days == 7);
	CHECK(cfg.alerts.overdue_invoice_days == 30);
	CHECK(cfg.client_emails.enabled == 0);
	CHECK(cfg.client_emails.segments != NULL &&
	    cfg.client_emails.segments[0] == NULL);
	CHECK(cfg.client_emails.after_days == 7);
	CHECK(cfg.client_emails.min_interval_days == 30);
	CHECK(strcmp(cfg.http.listen, "127.0.0.1") == 0);
	CHECK(cfg.http.port == 8025);
	CHECK(strcmp(cfg.http.base_url, "") == 0);
	CHECK(cfg.http.max_connections == 4096);
	CHECK(cfg.http.per_ip_connections == 32);
	CHECK(cfg.http.timeout == 30);
	CHECK(cfg.feed.past_days == 30);
	CHECK(cfg.feed.future_days == 180);
	CHECK(cfg.feed.refresh_minutes == 60);
	CHECK(strcmp(cfg.feed.color, "#1E88E5") == 0);
	CHECK(strcmp(cfg.feed.call_color, "#43A047") == 0);
	CHECK(strcmp(cfg.feed.visit_color, "#FB8C00") == 0);
	CHECK(cfg.feed.alarm_minutes == 0);
	CHECK(cfg.feed.cancelled_days == 30);
	CHECK(cfg.feed.team == 0);
	CHECK(cfg.report.monthly == 0);
	CHECK(cfg.report.manager == NULL);
	CHECK(strcmp(cfg.report.currency, "EUR") == 0);
	CHECK(cfg.report.lifetime_cap_years == 5);
	CHECK(config_segment_days(&cfg, "VIP") == 0);
	CHECK(config_segment_days(&cfg, NULL) == 0);
	CHECK(config_validate(&cfg, err, sizeof(err)) == 0);
	config_free(&cfg);
	CHECK(cfg.database == NULL);
	config_free(&cfg);		/* twice is harmless */
	config_free(NULL);
}

static void
test_missing(void)
{
	struct config cfg;
	char err[512], *path, *want;

	path = tpath("does-not-exist.conf");
	CHECK(config_defaults(&cfg) == 0);
	CHECK(config_load(&cfg, path, 1, err, sizeof(err)) == 0);
	CHECK(cfg.path == NULL);
	CHECK(cfg.http.port == 8025);
	CHECK(config_load(&cfg, path, 0, err, sizeof(err)) == -1);
	want = xprintf("%s: %s", path, strerror(ENOENT));
	CHECK(strcmp(err, want) == 0);
	free(want);
	/* A directory is not a configuration file. */
	CHECK(config_load(&cfg, tmpdir, 1, err, sizeof(err)) == -1);
	CHECK(strstr(err, "not a regular file") != NULL);
	config_free(&cfg);
	free(path);
}

static const char full_conf[] =
	"# every setting, none at its default\n"
	"database = \"/srv/cartera/c.db\";\n"
	"templates = \"/srv/cartera/templates\";\n"
	"user = \"ventas\";\n"
	"smtp = {\n"
	"  url = \"smtps://mail.example.org:465\";\n"
	"  starttls = \"none\";\n"
	"  user = \"ventas@example.org\";\n"
	"  password = \"s3cret pass\";\n"
	"  from = \"Ventas \\\"Norte\\\" <ventas@example.org>\";\n"
	"  ca_file = \"/etc/ssl/ca.pem\";\n"
	"  timeout = 10;\n"
	"  max_age = 86400;\n"
	"  retry_min = 30;\n"
	"  retry_max = 600;\n"
	"  batch = 20;\n"
	"};\n"
	"digest = {\n"
	"  default_time = \"07:30\";\n"
	"  default_timezone = \"America/Mexico_City\";\n"
	"  language = \"en\";\n"
	"  send_empty = false;\n"
	"  max_items = 0;\n"
	"  risk_clients = 0;\n"
	"};\n"
	"cadence = {\n"
	"  default_days = 21;\n"
	"  potential_days = 7;\n"
	"  orders_self_days = 45;\n"
	"  orders_visit_days = 15;\n"
	"  segments = (\n"
	"    { name = \"VIP\"; days = 7; },\n"
	"    { name = \"Gran cuenta \\\"Ñ\\\" \\\\ sur\"; days = 10; }\n"
	"  );\n"
	"};\n"
	"inactive = {\n"
	"  factor = 2.25;\n"
	"  min_days = 45;\n"
	"  single_purchase_days = 120;\n"
	"  no_contact_days = 60;\n"
	"};\n"
	"alerts = {\n"
	"  yellow_days = 2;\n"
	"  waiting_days = 5;\n"
	"  overdue_invoice_days = 15;\n"
	"};\n"
	"client_emails = {\n"
	"  enabled = true;\n"
	"  segments = [ \"VIP\", \"Gran cuenta\" ];\n"
	"  after_days = 3;\n"
	"  min_interval_days = 60;\n"
	"};\n"
	"http = {\n"
	"  listen = \"::1\";\n"
	"  port = 0;\n"
	"  base_url = \"https://cartera.example.org/c\";\n"
	"  max_connections = 100;\n"
	"  per_ip_connections = 10;\n"
	"  timeout = 15;\n"
	"};\n"
	"feed = {\n"
	"  past_days = 7;\n"
	"  future_days = 90;\n"
	"  refresh_minutes = 15;\n"
	"  color = \"#abcdef\";\n"
	"  call_color = \"#000000\";\n"
	"  visit_color = \"#FFFFFF\";\n"
	"  alarm_minutes = 10;\n"
	"  cancelled_days = 3;\n"
	"  team = true;\n"
	"};\n"
	"report = {\n"
	"  monthly = true;\n"
	"  manager = \"jefa@example.org\";\n"
	"  currency = \"MXN\";\n"
	"  lifetime_cap_years = 10;\n"
	"};\n";

static void
check_full(const struct config *cfg)
{
	CHECK(strcmp(cfg->database, "/srv/cartera/c.db") == 0);
	CHECK(strcmp(cfg->templates, "/srv/cartera/templates") == 0);
	CHECK(strcmp(cfg->user, "ventas") == 0);
	CHECK(strcmp(cfg->smtp.url, "smtps://mail.example.org:465") == 0);
	CHECK(cfg->smtp.starttls == STARTTLS_NONE);
	CHECK(strcmp(cfg->smtp.user, "ventas@example.org") == 0);
	CHECK(cfg->smtp.password != NULL);
	CHECK(cfg->smtp.password_file == NULL);
	CHECK(strcmp(cfg->smtp.from,
	    "Ventas \"Norte\" <ventas@example.org>") == 0);
	CHECK(strcmp(cfg->smtp.ca_file, "/etc/ssl/ca.pem") == 0);
	CHECK(cfg->smtp.timeout == 10);
	CHECK(cfg->smtp.max_age == 86400);
	CHECK(cfg->smtp.retry_min == 30);
	CHECK(cfg->smtp.retry_max == 600);
	CHECK(cfg->smtp.batch == 20);
	CHECK(strcmp(cfg->digest.default_time, "07:30") == 0);
	CHECK(strcmp(cfg->digest.default_timezone, "America/Mexico_City")
	    == 0);
	CHECK(strcmp(cfg->digest.language, "en") == 0);
	CHECK(cfg->digest.send_empty == 0);
	CHECK(cfg->digest.max_items == 0);
	CHECK(cfg->digest.risk_clients == 0);
	CHECK(cfg->cadence.default_days == 21);
	CHECK(cfg->cadence.potential_days == 7);
	CHECK(cfg->cadence.nsegments == 2);
	CHECK(cfg->cadence.orders_self_days == 45);
	CHECK(cfg->cadence.orders_visit_days == 15);
	CHECK(config_segment_days(cfg, "vip") == 7);
	CHECK(config_segment_days(cfg, "GRAN CUENTA \"Ñ\" \\ SUR") == 10);
	CHECK(cfg->inactive.factor == 2.25);
	CHECK(cfg->inactive.min_days == 45);
	CHECK(cfg->inactive.single_purchase_days == 120);
	CHECK(cfg->inactive.no_contact_days == 60);
	CHECK(cfg->alerts.yellow_days == 2);
	CHECK(cfg->alerts.waiting_days == 5);
	CHECK(cfg->alerts.overdue_invoice_days == 15);
	CHECK(cfg->client_emails.enabled == 1);
	CHECK(cfg->client_emails.segments[0] != NULL &&
	    strcmp(cfg->client_emails.segments[0], "VIP") == 0 &&
	    cfg->client_emails.segments[1] != NULL &&
	    strcmp(cfg->client_emails.segments[1], "Gran cuenta") == 0 &&
	    cfg->client_emails.segments[2] == NULL);
	CHECK(cfg->client_emails.after_days == 3);
	CHECK(cfg->client_emails.min_interval_days == 60);
	CHECK(strcmp(cfg->http.listen, "::1") == 0);
	CHECK(cfg->http.port == 0);
	CHECK(strcmp(cfg->http.base_url, "https://cartera.example.org/c") ==
	    0);
	CHECK(cfg->http.max_connections == 100);
	CHECK(cfg->http.per_ip_connections == 10);
	CHECK(cfg->http.timeout == 15);
	CHECK(cfg->feed.past_days == 7);
	CHECK(cfg->feed.future_days == 90);
	CHECK(cfg->feed.refresh_minutes == 15);
	CHECK(strcmp(cfg->feed.color, "#abcdef") == 0);
	CHECK(strcmp(cfg->feed.call_color, "#000000") == 0);
	CHECK(strcmp(cfg->feed.visit_color, "#FFFFFF") == 0);
	CHECK(cfg->feed.alarm_minutes == 10);
	CHECK(cfg->feed.cancelled_days == 3);
	CHECK(cfg->feed.team == 1);
	CHECK(cfg->report.monthly == 1);
	CHECK(strcmp(cfg->report.manager, "jefa@example.org") == 0);
	CHECK(strcmp(cfg->report.currency, "MXN") == 0);
	CHECK(cfg->report.lifetime_cap_years == 10);
}

static void
test_full(void)
{
	static const char *const none[] = { NULL };
	struct config cfg, again;
	char err[512], *printed, *path;

	if (LOAD_OK(&cfg, full_conf) == -1)
		return;
	check_full(&cfg);
	CHECK(strcmp(cfg.smtp.password, "s3cret pass") == 0);
	CHECK(cfg.path != NULL && strstr(cfg.path, "c.conf") != NULL);
	CHECK(config_validate(&cfg, err, sizeof(err)) == 0);

	/* What config_print shows loads back to the same settings. */
	printed = print_to_string(&cfg);
	path = tpath("printed.conf");
	write_file(path, printed, 0600);
	CHECK(config_defaults(&again) == 0);
	if (CHECK(config_load(&again, path, 0, err, sizeof(err)) == 0)) {
		check_full(&again);
		CHECK(same_settings(&cfg, &again, none));
	} else
		fprintf(stderr, "\t%s\n", err);
	config_free(&again);
	free(printed);
	free(path);

	/* A second file over the first replaces what it sets. */
	path = tpath("c2.conf");
	write_file(path, "http = { port = 9000; };\n"
	    "cadence = { segments = ( { name = \"B\"; days = 3; } ); };\n"
	    "client_emails = { segments = [ ]; };\n"
	    "smtp = { password = \"\"; user = \"\"; from = \"x@y.example\"; };\n",
	    0644);
	CHECK(config_load(&cfg, path, 0, err, sizeof(err)) == 0);
	CHECK(cfg.http.port == 9000);
	CHECK(cfg.feed.team == 1);
	CHECK(cfg.cadence.nsegments == 1);
	CHECK(config_segment_days(&cfg, "vip") == 0);
	CHECK(config_segment_days(&cfg, "b") == 3);
	CHECK(cfg.client_emails.segments[0] == NULL);
	CHECK(cfg.smtp.password == NULL && cfg.smtp.user == NULL);
	CHECK(strcmp(cfg.smtp.from, "x@y.example") == 0);
	free(path);
	config_free(&cfg);
}

/* A line "<blanks>#name..." (a commented default) without the '#'. */
static char *
uncomment_defaults(const char *text)
{
	char *out, *o;
	const char *p;
	size_t ind;

	if ((out = malloc(strlen(text) + 1)) == NULL)
		exit(1);
	for (p = text, o = out; *p != '\0';) {
		ind = strspn(p, " \t");
		if (p[ind] == '#' && p[ind + 1] >= 'a' && p[ind + 1] <= 'z') {
			memcpy(o, p, ind);
			o += ind;
			p += ind + 1;
		}
		while (*p != '\0' && *p != '\n')
			*o++ = *p++;
		if (*p == '\n')
			*o++ = *p++;
	}
	*o = '\0';
	return out;
}

/*
 * Is group.leaf (leaf alone when group is NULL) shown in the example,
 * as a setting or a commented one, inside "group = {" ... "};"?
 */
static int
documented(const char *text, const char *group, const char *leaf)
{
	const char *p, *eol, *q;
	int in = group == NULL;
	size_t glen = group != NULL ? strlen(group) : 0;

	for (p = text; *p != '\0'; p = *eol != '\0' ? eol + 1 : eol) {
		eol = strchr(p, '\n');
		if (eol == NULL)
			eol = p + strlen(p);
		if (p == eol)
			continue;	/* blank line */
		if (*p != ' ' && *p != '\t' && *p != '#') {
			/* a line at the left margin opens or closes a group */
			if (group != NULL)
				in = strncmp(p, group, glen) == 0 &&
				    strncmp(p + glen, " = {", 4) == 0;
			else if (strchr(p, '{') != NULL &&
			    strchr(p, '{') < eol)
				in = 0;
			continue;
		}
		if (!in)
			continue;
		q = p + strspn(p, " \t");
		if (*q == '#')
			q += 1 + strspn(q + 1, " \t");
		if (strncmp(q, leaf, strlen(leaf)) == 0 &&
		    strncmp(q + strlen(leaf), " = ", 3) == 0)
			return 1;
	}
	return 0;
}

/* Every setting config_print knows of is documented in text. */
static void
check_coverage(const char *what, const char *text, int man)
{
	struct config cfg;
	char *printed, *line, *save, *group = NULL, *leaf, *end, *needle;

	CHECK(config_defaults(&cfg) == 0);
	printed = print_to_string(&cfg);
	for (line = strtok_r(printed, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if ((end = strstr(line, " = {")) != NULL && line[0] != '\t') {
			free(group);
			group = strndup(line, (size_t)(end - line));
			if (man && strstr(text, group) == NULL) {
				check_note(0, "FAIL: %s lacks group %s", what, group);
			}
			continue;
		}
		if (strcmp(line, "};") == 0) {
			free(group);
			group = NULL;
			continue;
		}
		/* "leaf = value;" or "# leaf: not set" */
		leaf = line + strspn(line, "\t");
		if (leaf[0] == '#') {
			leaf += 1 + strspn(leaf + 1, " ");
			if ((end = strchr(leaf, ':')) == NULL)
				continue;	/* a plain comment */
		} else if ((end = strstr(leaf, " = ")) == NULL)
			continue;
		*end = '\0';
		if (man) {
			/* the man page names settings as .B leaf */
			needle = xprintf(".B %s\n", leaf);
			if (strstr(text, needle) == NULL) {
				check_note(0, "FAIL: %s does not document %s%s%s", what,
				    group ? group : "", group ? "." : "", leaf);
			}
			free(needle);
		} else if (!documented(text, group, leaf)) {
			check_note(0, "FAIL: %s does not show %s%s%s", what,
			    group ? group : "", group ? "." : "", leaf);
		}
	}
	free(group);
	free(printed);
	config_free(&cfg);
}

static void
test_example(void)
{
	/* The example names /var and /etc; a build may use other prefixes. */
	static const char *const skip[] = { "database =", "templates =",
	    NULL };
	struct config def, cfg;
	char err[1024], *path, *text, *all, *copy, *man;

	path = xprintf("%s/etc/carterad.conf", srcdir);
	if (!CHECK((text = read_text(path)) != NULL)) {
		fprintf(stderr, "\tcannot read %s\n", path);
		free(path);
		return;
	}
	CHECK(config_defaults(&def) == 0);

	/* As shipped, it loads and changes nothing. */
	CHECK(config_defaults(&cfg) == 0);
	if (CHECK(config_load(&cfg, path, 0, err, sizeof(err)) == 0))
		CHECK(same_settings(&cfg, &def, skip));
	else
		fprintf(stderr, "\t%s\n", err);
	config_free(&cfg);

	/* Every "#name = value;" line, uncommented, is the default. */
	all = uncomment_defaults(text);
	copy = tpath("example.conf");
	write_file(copy, all, 0644);
	CHECK(config_defaults(&cfg) == 0);
	if (CHECK(config_load(&cfg, copy, 0, err, sizeof(err)) == 0))
		CHECK(same_settings(&cfg, &def, skip));
	else
		fprintf(stderr, "\t%s\n", err);
	config_free(&cfg);
	CHECK(strstr(text, "#database = \"/var/lib/cartera/cartera.db\";") !=
	    NULL);

	/* And every setting is there. */
	check_coverage("etc/carterad.conf", text, 0);
	free(path);
	path = xprintf("%s/doc/carterad.conf.5", srcdir);
	if (CHECK((man = read_text(path)) != NULL)) {
		check_coverage("doc/carterad.conf.5", man, 1);
		free(man);
	}

	config_free(&def);
	free(copy);
	free(all);
	free(text);
	free(path);
}

static void
test_unknown(void)
{
	struct config cfg;
	char err[512];

	LOAD_ERR("database = \"/x.db\";\n\nbogus = 1;\n", 3,
	    "bogus: unknown setting");
	LOAD_ERR("smtp = {\n  url = \"smtp://x\";\n  timout = 5;\n};\n", 3,
	    "smtp.timout: unknown setting (did you mean smtp.timeout?)");
	LOAD_ERR("\nsmpt = {\n};\n", 2,
	    "smpt: unknown setting (did you mean smtp?)");
	LOAD_ERR("SMTP = { };\n", 1,
	    "SMTP: unknown setting (did you mean smtp?)");
	/* No hint when nothing is close. */
	CHECK(load_text(&cfg, "feed = { zzzz = 1; };\n", 0600, err,
	    sizeof(err)) == -1);
	CHECK(strstr(err, "feed.zzzz: unknown setting") != NULL &&
	    strstr(err, "did you mean") == NULL);
	config_free(&cfg);
	LOAD_ERR("http = {\n\n\n  tls = { on = true; };\n};\n", 4,
	    "http.tls: unknown setting");
	/* A top-level name is not a group member, and the reverse. */
	LOAD_ERR("timeout = 3;\n", 1, "timeout: unknown setting");
	LOAD_ERR("feed = { database = \"/x\"; };\n", 1,
	    "feed.database: unknown setting");
	LOAD_ERR("cadence = {\n segments = (\n  { name = \"A\"; days = 3;\n"
	    "    colour = \"red\"; }\n );\n};\n", 4,
	    "cadence.segments[0].colour: unknown setting");
}

static void
test_types(void)
{
	LOAD_ERR("http = {\n  port = \"8025\";\n};\n", 2,
	    "http.port: expected an integer, got a string");
	LOAD_ERR("smtp = 5;\n", 1, "smtp: expected a group, got an integer");
	LOAD_ERR("smtp = ( 1 );\n", 1, "smtp: expected a group, got a list");
	LOAD_ERR("database = 5;\n", 1,
	    "database: expected a string, got an integer");
	LOAD_ERR("digest = { send_empty = 1; };\n", 1,
	    "digest.send_empty: expected a boolean");
	LOAD_ERR("digest = { language = true; };\n", 1,
	    "digest.language: expected a string, got a boolean");
	LOAD_ERR("smtp = { timeout = 30.0; };\n", 1,
	    "smtp.timeout: expected an integer, got a float");
	LOAD_ERR("smtp = { starttls = 1; };\n", 1,
	    "smtp.starttls: expected a string, got an integer");
	LOAD_ERR("inactive = { factor = \"1.5\"; };\n", 1,
	    "inactive.factor: expected a number, got a string");
	LOAD_ERR("feed = { team = { }; };\n", 1,
	    "feed.team: expected a boolean (true or false), got a group");
	LOAD_ERR("client_emails = { segments = \"VIP\"; };\n", 1,
	    "client_emails.segments: expected an array of strings, got a "
	    "string");
	LOAD_ERR("client_emails = {\n segments = [ 1, 2 ];\n};\n", 2,
	    "client_emails.segments[0]: expected a string, got an integer");
	LOAD_ERR("client_emails = {\n segments = ( \"a\",\n \"\" );\n};\n", 3,
	    "client_emails.segments[1]: must not be empty");
	LOAD_ERR("cadence = { segments = { }; };\n", 1,
	    "cadence.segments: expected a list of groups, got a group");
	LOAD_ERR("cadence = { segments = [ 7 ]; };\n", 1,
	    "cadence.segments: expected a list of groups, got an array");
	LOAD_ERR("cadence = {\n segments = ( 7 );\n};\n", 2,
	    "cadence.segments[0]: expected a group");
	LOAD_ERR("cadence = {\n segments = (\n  { name = 1; days = 3; } );\n"
	    "};\n", 3, "cadence.segments[0].name: expected a string");
	LOAD_ERR("cadence = {\n segments = (\n  { name = \"A\"; days = \"3\"; "
	    "} );\n};\n", 3,
	    "cadence.segments[0].days: expected an integer, got a string");
}

static void
test_syntax(void)
{
	struct config cfg;

	LOAD_ERR("a = 1;\n\nsmtp = {\n  timeout = ;\n};\n", 4, "syntax error");
	LOAD_ERR("http = {\n  port = 1;\n  port = 2;\n};\n", 3,
	    "duplicate setting name");
	LOAD_ERR("http = {\n  port 8025;\n};\n", 2, "syntax error");
	LOAD_ERR("smtp = {\n  timeout = 3;\n\n", 4, "syntax error");

	/* An empty file, or one of comments only, is the defaults. */
	if (LOAD_OK(&cfg, "") == 0)
		CHECK(cfg.http.port == 8025);
	config_free(&cfg);
	if (LOAD_OK(&cfg, "# nothing\n// here\n/* at\n all */\n") == 0)
		CHECK(cfg.smtp.timeout == 30);
	config_free(&cfg);
}

static void
test_ranges(void)
{
	struct config cfg;

	LOAD_ERR("http = {\n  port = 70000;\n};\n", 2,
	    "http.port: must be between 0 and 65535 (got 70000)");
	LOAD_ERR("smtp = { timeout = -1; };\n", 1,
	    "smtp.timeout: must be between 1 and 3600 (got -1)");
	LOAD_ERR("smtp = { timeout = 0; };\n", 1,
	    "smtp.timeout: must be between 1 and 3600 (got 0)");
	LOAD_ERR("cadence = {\n\n default_days = 36501;\n};\n", 3,
	    "cadence.default_days: must be between 1 and 36500 (got 36501)");
	LOAD_ERR("alerts = { yellow_days = -3; };\n", 1,
	    "alerts.yellow_days: must be between 0 and 36500 (got -3)");
	LOAD_ERR("digest = { max_items = 10001; };\n", 1,
	    "digest.max_items: must be between 0 and 10000");
	LOAD_ERR("digest = { risk_clients = 101; };\n", 1,
	    "digest.risk_clients: must be between 0 and 100");
	LOAD_ERR("inactive = { factor = 1.0; };\n", 1,
	    "inactive.factor: must be greater than 1.0 and at most 100.0 "
	    "(got 1)");
	LOAD_ERR("inactive = { factor = 0.5; };\n", 1,
	    "inactive.factor: must be greater than 1.0");
	LOAD_ERR("inactive = { factor = 1e400; };\n", 1,
	    "inactive.factor: must be greater than 1.0 and at most 100.0");
	LOAD_ERR("inactive = { factor = -2; };\n", 1,
	    "inactive.factor: must be greater than 1.0");
	/* libconfig 1.5 would wrap these to 8025 and 30. */
	LOAD_ERR("http = {\n  port = 4294975321;\n};\n", 2,
	    "integer 4294975321 is too large");
	LOAD_ERR("# 99999999999 in a comment is fine\n"
	    "smtp = { url = \"smtp://h:99999999999\"; timeout = 0x10000001e; "
	    "};\n", 2, "integer 0x10000001e is too large");
	LOAD_ERR("smtp = { max_age = 99999999999L; };\n", 1,
	    "is too large");
	/* Cross-field rules blame the setting in the file. */
	LOAD_ERR("smtp = {\n  retry_min = 600;\n  retry_max = 60;\n};\n", 2,
	    "smtp.retry_min: must not exceed smtp.retry_max (600 > 60)");
	LOAD_ERR("smtp = {\n  retry_max = 30;\n};\n", 2,
	    "smtp.retry_max: smtp.retry_min must not exceed smtp.retry_max");
	LOAD_ERR("http = {\n  max_connections = 10;\n};\n", 2,
	    "per_ip_connections must not exceed http.max_connections");

	/* Numbers at the edges, and an integer where a float goes. */
	if (LOAD_OK(&cfg, "http = { port = 65535; };\n"
	    "inactive = { factor = 2; min_days = 0; };\n"
	    "cadence = { default_days = 36500; };\n"
	    "feed = { future_days = 0x10; };\n") == 0) {
		CHECK(cfg.http.port == 65535);
		CHECK(cfg.inactive.factor == 2.0);
		CHECK(cfg.inactive.min_days == 0);
		CHECK(cfg.cadence.default_days == 36500);
		CHECK(cfg.feed.future_days == 16);
	}
	config_free(&cfg);
}

static void
test_values(void)
{
	struct config cfg;

	LOAD_ERR("digest = {\n  default_timezone = \"Europe/Madird\";\n};\n",
	    2, "digest.default_timezone: unknown time zone \"Europe/Madird\"");
	LOAD_ERR("smtp = {\n\n  url = \"http://mail.example.org\";\n};\n", 3,
	    "smtp.url: must start with smtp:// or smtps:// "
	    "(got \"http://mail.example.org\")");
	LOAD_ERR("smtp = { url = \"smtp://\"; };\n", 1,
	    "smtp.url: no server name");
	/* A password in the URL would be printed and logged with it. */
	LOAD_ERR("smtp = { url = \"smtp://ana:s3cret@mail.example.org:587\"; };\n", 1,
	    "smtp.url: must not hold a user name or password");
	LOAD_ERR("smtp = { url = \"smtps://:s3cret@mail.example.org\"; };\n", 1,
	    "smtp.url: must not hold a user name or password");
	LOAD_ERR("smtp = { starttls = \"yes\"; };\n", 1,
	    "smtp.starttls: must be \"none\" or \"required\" (got \"yes\")");
	LOAD_ERR("smtp = { from = \"Cartera\"; };\n", 1, "smtp.from: address "
	    "\"Cartera\" has no '@'");
	LOAD_ERR("smtp = { from = \"a@b@c\"; };\n", 1, "smtp.from: address "
	    "\"a@b@c\" has more than one '@'");
	LOAD_ERR("smtp = { from = \"Ana <ana at x.org>\"; };\n", 1,
	    "smtp.from: address \"ana at x.org\" contains a space");
	LOAD_ERR("smtp = { from = \"Ana <ana@x.org\"; };\n", 1,
	    "smtp.from: address \"Ana <ana@x.org\" contains a space");
	/* The one address rule: what MIME would refuse at send time. */
	LOAD_ERR("smtp = { from = \"jos\xc3\xa9@example.es\"; };\n", 1,
	    "smtp.from: address \"jos\xc3\xa9@example.es\" contains non-ASCII");
	LOAD_ERR("report = { manager = \"Jefa <a?bcc=x@ex.es>\"; };\n", 1,
	    "report.manager: address \"a?bcc=x@ex.es\" has a character not allowed "
	    "before the '@' ('?')");
	LOAD_ERR("smtp = { from = \"ana@x.org\\nBcc: b@y.org\"; };\n", 1,
	    "smtp.from: must not contain control characters");
	LOAD_ERR("report = { manager = \"jefa\"; };\n", 1,
	    "report.manager: address \"jefa\" has no '@'");
	LOAD_ERR("digest = { default_time = \"8:00\"; };\n", 1,
	    "digest.default_time: must be a time HH:MM");
	LOAD_ERR("digest = { default_time = \"24:00\"; };\n", 1,
	    "digest.default_time: must be a time HH:MM");
	LOAD_ERR("digest = { language = \"fr\"; };\n", 1,
	    "digest.language: must be \"es\" or \"en\" (got \"fr\")");
	LOAD_ERR("feed = { color = \"blue\"; };\n", 1,
	    "feed.color: must be a colour \"#rrggbb\"");
	LOAD_ERR("feed = { visit_color = \"#12345\"; };\n", 1,
	    "feed.visit_color: must be a colour");
	LOAD_ERR("report = { currency = \"eur\"; };\n", 1,
	    "report.currency: must be an ISO 4217 code");
	LOAD_ERR("http = { listen = \"localhost\"; };\n", 1,
	    "http.listen: must be an IPv4 or IPv6 address");
	LOAD_ERR("http = { base_url = \"ftp://x\"; };\n", 1,
	    "http.base_url: must be empty or start with http://");
	LOAD_ERR("database = \"\";\n", 1, "database: must not be empty");

	if (LOAD_OK(&cfg, "smtp = { url = \"SMTPS://mail.example.org\";\n"
	    "from = \"Ana Pérez <ana.perez@example.org>\"; };\n"
	    "digest = { default_timezone = \"UTC\"; default_time = \"23:59\"; "
	    "};\nhttp = { listen = \"0.0.0.0\"; base_url = \"\"; };\n"
	    "report = { manager = \"Jefa <jefa@example.org>\"; };\n") == 0) {
		CHECK(strcmp(cfg.digest.default_timezone, "UTC") == 0);
		CHECK(strcmp(cfg.report.manager, "Jefa <jefa@example.org>") ==
		    0);
	}
	config_free(&cfg);
}

static void
test_password(void)
{
	struct config cfg;
	char err[1024], *path, *pw, *want, *text, *long_line;

	path = tpath("c.conf");

	/* In the file: closed to others, or refused. */
	text = "smtp = {\n  user = \"u\";\n  password = \"s3cret\";\n};\n";
	want = xprintf("%s:3: smtp.password: the file is readable by others "
	    "(mode 0644); chmod o-rwx %s", path, path);
	CHECK(load_text(&cfg, text, 0644, err, sizeof(err)) == -1);
	if (!CHECK(strcmp(err, want) == 0))
		fprintf(stderr, "\tgot \"%s\"\n", err);
	CHECK(strstr(err, "s3cret") == NULL);
	config_free(&cfg);
	free(want);
	LOAD_ERR_MODE(text, 0602, 3, "smtp.password: the file is writable by "
	    "others (mode 0602)");
	LOAD_ERR_MODE(text, 0601, 3, "(mode 0601)");
	if (load_ok(&cfg, text, 0600, __LINE__) == 0)
		CHECK(strcmp(cfg.smtp.password, "s3cret") == 0);
	config_free(&cfg);
	if (load_ok(&cfg, text, 0640, __LINE__) == 0)	/* root:cartera */
		CHECK(strcmp(cfg.smtp.password, "s3cret") == 0);
	config_free(&cfg);

	/* In a password_file: the same rule for that file. */
	pw = tpath("smtp-password");
	write_file(pw, "hunter2\r\nsecond line\n", 0644);
	text = xprintf("smtp = {\n  user = \"u\";\n  password_file = \"%s\";\n"
	    "};\n", pw);
	want = xprintf("smtp.password_file: %s is readable by others "
	    "(mode 0644); chmod o-rwx %s", pw, pw);
	LOAD_ERR_MODE(text, 0644, 3, want);
	free(want);
	CHECK(chmod(pw, 0640) == 0);
	if (load_ok(&cfg, text, 0644, __LINE__) == 0) {
		CHECK(strcmp(cfg.smtp.password, "hunter2") == 0);
		CHECK(strcmp(cfg.smtp.password_file, pw) == 0);
		CHECK(config_validate(&cfg, err, sizeof(err)) == 0);
	}
	config_free(&cfg);
	free(text);

	/* A relative name is taken from the configuration's directory. */
	write_file(pw, "no newline at all", 0600);
	if (LOAD_OK(&cfg, "smtp = { user = \"u\"; "
	    "password_file = \"smtp-password\"; };\n") == 0) {
		CHECK(strcmp(cfg.smtp.password, "no newline at all") == 0);
		CHECK(strcmp(cfg.smtp.password_file, pw) == 0);
	}
	config_free(&cfg);

	write_file(pw, "\n", 0600);
	LOAD_ERR("smtp = { user = \"u\"; password_file = \"smtp-password\"; "
	    "};\n", 1, "is empty");
	write_bytes(pw, "ab\0cd\n", 6);
	LOAD_ERR("smtp = { user = \"u\"; password_file = \"smtp-password\"; "
	    "};\n", 1, "holds a NUL or CR byte");
	long_line = calloc(1, 5002);
	memset(long_line, 'x', 5000);
	long_line[5000] = '\n';
	write_file(pw, long_line, 0600);
	free(long_line);
	LOAD_ERR("smtp = { user = \"u\"; password_file = \"smtp-password\"; "
	    "};\n", 1, "longer than 4096 bytes");
	CHECK(unlink(pw) == 0);
	want = xprintf("smtp.password_file: cannot open %s: %s", pw,
	    strerror(ENOENT));
	LOAD_ERR("smtp = {\n user = \"u\";\n password_file = \"smtp-password\";"
	    "\n};\n", 3, want);
	free(want);
	LOAD_ERR("smtp = {\n password_file = \"/\";\n};\n", 2,
	    "smtp.password_file: / is not a regular file");

	/* One or the other, never both, and only with a user. */
	write_file(pw, "pw\n", 0600);
	LOAD_ERR("smtp = {\n  user = \"u\";\n  password = \"a\";\n"
	    "  password_file = \"smtp-password\";\n};\n", 4,
	    "smtp.password_file: cannot be used together with smtp.password "
	    "(line 3)");
	LOAD_ERR("smtp = {\n  user = \"u\";\n  password_file = \"smtp-password\";"
	    "\n  password = \"a\";\n};\n", 4,
	    "smtp.password: cannot be used together with smtp.password_file "
	    "(line 3)");
	LOAD_ERR("smtp = {\n  user = \"u\";\n};\n", 2,
	    "smtp.user: is set but neither smtp.password nor "
	    "smtp.password_file is");
	LOAD_ERR("smtp = {\n  password = \"a\";\n};\n", 2,
	    "smtp.password: is set but smtp.user is not");

	/* An @include'd file holding the password is judged itself. */
	free(pw);
	pw = tpath("secret.conf");
	write_file(pw, "smtp = { user = \"u\"; password = \"inc\"; };\n", 0644);
	text = "# main file, world-readable\n@include \"secret.conf\"\n";
	want = xprintf("%s:1: smtp.password: the file is readable by others "
	    "(mode 0644); chmod o-rwx %s", pw, pw);
	CHECK(load_text(&cfg, text, 0644, err, sizeof(err)) == -1);
	if (!CHECK(strcmp(err, want) == 0))
		fprintf(stderr, "\tgot \"%s\"\n", err);
	config_free(&cfg);
	free(want);
	CHECK(chmod(pw, 0600) == 0);
	if (load_ok(&cfg, text, 0644, __LINE__) == 0)
		CHECK(strcmp(cfg.smtp.password, "inc") == 0);
	config_free(&cfg);
	/* Errors inside an included file name that file. */
	write_file(pw, "\n\nsmtp = { timout = 3; };\n", 0600);
	want = xprintf("%s:3: smtp.timout: unknown setting", pw);
	CHECK(load_text(&cfg, text, 0644, err, sizeof(err)) == -1);
	if (!CHECK(strncmp(err, want, strlen(want)) == 0))
		fprintf(stderr, "\tgot \"%s\"\n", err);
	config_free(&cfg);
	free(want);
	write_file(pw, "\nsmtp = { timeout = ; };\n", 0600);
	want = xprintf("%s:2: syntax error", pw);
	CHECK(load_text(&cfg, text, 0644, err, sizeof(err)) == -1);
	if (!CHECK(strcmp(err, want) == 0))
		fprintf(stderr, "\tgot \"%s\"\n", err);
	config_free(&cfg);
	free(want);
	free(pw);
	free(path);
}

static void
test_segments(void)
{
	struct config cfg;

	if (LOAD_OK(&cfg, "cadence = {\n  segments = (\n"
	    "    { name = \"VIP\"; days = 7; },\n"
	    "    { days = 10; name = \"Gran Cuenta Ñ\"; },\n"
	    "    { name = \"Distribuidor\"; days = 36500; }\n"
	    "  );\n};\n") == 0) {
		CHECK(cfg.cadence.nsegments == 3);
		CHECK(config_segment_days(&cfg, "VIP") == 7);
		CHECK(config_segment_days(&cfg, "vip") == 7);
		CHECK(config_segment_days(&cfg, "ViP") == 7);
		CHECK(config_segment_days(&cfg, "gran cuenta Ñ") == 10);
		CHECK(config_segment_days(&cfg, "GRAN CUENTA Ñ") == 10);
		CHECK(config_segment_days(&cfg, "Gran Cuenta") == 0);
		CHECK(config_segment_days(&cfg, "VIP ") == 0);
		CHECK(config_segment_days(&cfg, "distribuidor") == 36500);
		CHECK(config_segment_days(&cfg, "Otro") == 0);
		CHECK(config_segment_days(&cfg, "") == 0);
		CHECK(config_segment_days(&cfg, NULL) == 0);
	}
	config_free(&cfg);
	if (LOAD_OK(&cfg, "cadence = { segments = ( ); };\n") == 0)
		CHECK(cfg.cadence.nsegments == 0);
	config_free(&cfg);
	if (LOAD_OK(&cfg, "cadence = { segments = [ ]; };\n") == 0)
		CHECK(cfg.cadence.nsegments == 0);
	config_free(&cfg);

	LOAD_ERR("cadence = {\n  segments = (\n"
	    "    { name = \"VIP\"; days = 7; },\n"
	    "    { name = \"vip\"; days = 3; }\n  );\n};\n", 4,
	    "cadence.segments[1].name: duplicate segment \"vip\" (also on "
	    "line 3");
	LOAD_ERR("cadence = {\n  segments = (\n    { name = \"A\"; }\n"
	    "  );\n};\n", 3, "cadence.segments[0]: missing days");
	LOAD_ERR("cadence = {\n  segments = (\n    { days = 3; }\n"
	    "  );\n};\n", 3, "cadence.segments[0]: missing name");
	LOAD_ERR("cadence = {\n  segments = (\n    { name = \"A\";\n"
	    "      days = 0; }\n  );\n};\n", 4,
	    "cadence.segments[0].days: must be between 1 and 36500 (got 0)");
	LOAD_ERR("cadence = {\n  segments = (\n    { name = \"\"; days = 1; }\n"
	    "  );\n};\n", 3, "cadence.segments[0].name: must not be empty");
}

static void
test_print(void)
{
	struct config cfg;
	char *out, *pw, *text;

	if (LOAD_OK(&cfg, "smtp = { user = \"u\"; "
	    "password = \"Zx9-very-secret\"; };\n") == 0) {
		out = print_to_string(&cfg);
		CHECK(strstr(out, "Zx9-very-secret") == NULL);
		CHECK(strstr(out, "\tpassword = \"********\";\n") != NULL);
		CHECK(strstr(out, "\tuser = \"u\";\n") != NULL);
		CHECK(strstr(out, "\tport = 8025;\n") != NULL);
		CHECK(strstr(out, "\tfactor = 1.5;\n") != NULL);
		CHECK(strstr(out, "\tsend_empty = true;\n") != NULL);
		free(out);
	}
	config_free(&cfg);

	pw = tpath("pw");
	write_file(pw, "Zx9-from-file\n", 0600);
	text = xprintf("smtp = { user = \"u\"; password_file = \"%s\"; };\n",
	    pw);
	if (LOAD_OK(&cfg, text) == 0) {
		CHECK(strcmp(cfg.smtp.password, "Zx9-from-file") == 0);
		out = print_to_string(&cfg);
		CHECK(strstr(out, "Zx9-from-file") == NULL);
		CHECK(strstr(out, "password_file = ") != NULL);
		free(out);
	}
	config_free(&cfg);
	free(text);
	free(pw);

	/* Defaults print, and print something libconfig reads. */
	CHECK(config_defaults(&cfg) == 0);
	out = print_to_string(&cfg);
	CHECK(strstr(out, "built-in defaults") != NULL);
	CHECK(strstr(out, "\tsegments = ( );\n") != NULL);
	CHECK(strstr(out, "\tsegments = [ ];\n") != NULL);
	CHECK(strstr(out, "\tfactor = 1.5;\n") != NULL);
	free(out);
	cfg.inactive.factor = 3.0;
	out = print_to_string(&cfg);
	CHECK(strstr(out, "\tfactor = 3.0;\n") != NULL);
	free(out);
	config_free(&cfg);
}

static void
test_validate(void)
{
	struct config cfg;
	char err[512];

	/* After command-line flags the caller validates again. */
	if (LOAD_OK(&cfg, "http = { port = 8080; };\n") == 0) {
		CHECK(config_validate(&cfg, err, sizeof(err)) == 0);
		cfg.http.port = 70000;
		CHECK(config_validate(&cfg, err, sizeof(err)) == -1);
		CHECK(strstr(err, "c.conf: http.port: must be between 0 and "
		    "65535 (got 70000)") != NULL);
		cfg.http.port = 80;
		free(cfg.digest.default_timezone);
		cfg.digest.default_timezone = strdup("Mars/Olympus");
		CHECK(config_validate(&cfg, err, sizeof(err)) == -1);
		CHECK(strstr(err, "unknown time zone \"Mars/Olympus\"") !=
		    NULL);
	}
	config_free(&cfg);
	CHECK(config_defaults(&cfg) == 0);
	cfg.smtp.retry_min = 7200;
	CHECK(config_validate(&cfg, err, sizeof(err)) == -1);
	CHECK(strcmp(err, "smtp.retry_min: must not exceed smtp.retry_max "
	    "(7200 > 3600)") == 0);
	config_free(&cfg);

	/* config_free takes a partly filled config. */
	memset(&cfg, 0, sizeof(cfg));
	cfg.database = strdup("x");
	cfg.smtp.password = strdup("y");
	config_free(&cfg);
}

/* digest.days and digest.holidays: weekdays, dates, a file of dates. */
static void
test_workdays(void)
{
	struct config cfg;
	char *file, *printed;

	if (LOAD_OK(&cfg, "digest = { days = \"Lunes-Sábado\";\n"
	    "  holidays = [ \"2026-12-25\", \"2026-12-08\" ]; };\n") == 0) {
		CHECK(strcmp(cfg.digest.days, "Lunes-Sábado") == 0);
		CHECK(cfg.digest.nholidays == 2);
		CHECK(cfg.digest.nholidays == 2 &&
		    cfg.digest.holidays[0] == clock_date_to_days(2026, 12, 8) &&
		    cfg.digest.holidays[1] == clock_date_to_days(2026, 12, 25));
		printed = print_to_string(&cfg);
		CHECK(strstr(printed, "holidays = [ \"2026-12-08\", \"2026-12-25\" ];") != NULL);
		free(printed);
	}
	config_free(&cfg);
	/* A file of dates, named relative to the configuration's directory. */
	file = tpath("festivos.txt");
	write_file(file, "# Madrid, 2026\n2026-12-08   2026-12-25\n\n2026-05-15 # San Isidro\n",
	    0644);
	if (LOAD_OK(&cfg, "digest = { holidays = \"festivos.txt\"; };\n") == 0) {
		CHECK(cfg.digest.nholidays == 3);
		CHECK(cfg.digest.holidays_file != NULL &&
		    strcmp(cfg.digest.holidays_file, file) == 0);
		printed = print_to_string(&cfg);
		CHECK(strstr(printed, "holidays = \"") != NULL);
		free(printed);
	}
	config_free(&cfg);
	/* By default: Monday to Friday, no holidays. */
	if (LOAD_OK(&cfg, "\n") == 0)
		CHECK(strcmp(cfg.digest.days, "mon-fri") == 0 && cfg.digest.nholidays == 0);
	config_free(&cfg);
	LOAD_ERR("digest = {\n days = \"mon-funday\"; };\n", 2, "\"funday\" is not a day");
	LOAD_ERR("digest = {\n days = \"\"; };\n", 2, "must not be empty");
	LOAD_ERR("digest = {\n days = \", ,\"; };\n", 2, "no working days");
	LOAD_ERR("digest = {\n holidays = [ \"2026-02-30\" ]; };\n", 2,
	    "digest.holidays[0]: expected a date");
	LOAD_ERR("digest = {\n holidays = \"missing.txt\"; };\n", 2, "cannot open");
	write_file(file, "2026-12-08\n2026-13-01\n", 0644);
	LOAD_ERR("digest = {\n holidays = \"festivos.txt\"; };\n", 2,
	    "festivos.txt:2: \"2026-13-01\" is not a date");
	LOAD_ERR("digest = {\n holidays = 7; };\n", 2, "array of dates or the name of a file");
	free(file);
}

static void
rm_tmpdir(void)
{
	struct dirent *de;
	DIR *d;
	char *p;

	if ((d = opendir(tmpdir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		p = tpath(de->d_name);
		unlink(p);
		free(p);
	}
	closedir(d);
	rmdir(tmpdir);
}

int
main(void)
{
	const char *t;

	t = getenv("TMPDIR");
	tmpdir = xprintf("%s/test_config.XXXXXX", t != NULL && *t != '\0' ?
	    t : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		perror(tmpdir);
		return 1;
	}
	t = getenv("srcdir");
	srcdir = xprintf("%s", t != NULL && *t != '\0' ? t : ".");
	umask(022);

	test_defaults();
	test_missing();
	test_full();
	test_example();
	test_unknown();
	test_types();
	test_syntax();
	test_ranges();
	test_values();
	test_password();
	test_segments();
	test_print();
	test_validate();
	test_workdays();

	rm_tmpdir();
	free(tmpdir);
	free(srcdir);
	icaltimezone_free_builtin_timezones();
	return check_done("test_config");
}
