/*
 * cli_mail.c - the cartera commands about mail in and the state of
 * things: "mail scan" (read the configured mailboxes now, or show what
 * would be logged) and "status" (mailboxes, outbox, database).
 * Parses options and prints; the reading and matching are mailin.c's.
 */
#include "build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli_priv.h"
#include "clock.h"
#include "jsonb.h"
#include "mailin.h"
#include "nls.h"
#include "outbox.h"
#include "store_mail.h"

/* ---- mail scan ------------------------------------------------------- */

struct scan_print {
	struct cli	*c;
	const char	*mailbox;
	json_object	*rows;		/* --json */
	struct jsonb	 jb;		/* its allocations */
	int		 dry_run;
};

static int
client_name_row(const struct store_row *r, void *arg)
{
	char **name = arg;

	for (int i = 0; i < r->ncols; i++)
		if (strcmp(r->names[i], "name") == 0 && r->values[i] != NULL)
			*name = strdup(r->values[i]);
	return 1;
}

/* "Talleres Pérez S.L. (#3)"; caller frees. */
static char *
client_label(struct cli *c, long long id)
{
	char *name = NULL, *s = NULL, err[256];

	(void)store_client_show(c->st, id, client_name_row, &name, err, sizeof(err));
	if (asprintf(&s, "%s (#%lld)", name != NULL ? name : "?", id) == -1)
		s = NULL;
	free(name);
	return s;
}

/* What became of a mail: a stable English code (JSON). */
static const char *
verdict(const struct mailin_seen *s)
{
	if (s->skipped != NULL)
		return "skipped";
	if (s->duplicate)
		return "already logged";
	return mailmatch_what_name(s->res->what);
}

/* The same in the user's language, for the table ("would be" for --dry-run). */
static const char *
verdict_text(const struct mailin_seen *s, int would)
{
	if (s->skipped != NULL)
		return C_("mail", "skipped");
	if (s->duplicate)
		return C_("mail", "already logged");
	switch (s->res->what) {
	case MAILMATCH_LOG:
		return would ? C_("mail", "would be logged") : C_("mail", "logged");
	case MAILMATCH_INTERNAL:
		return C_("mail", "internal");
	case MAILMATCH_UNMATCHED:
		return C_("mail", "unmatched");
	case MAILMATCH_AUTO:
		return C_("mail", "automatic");
	}
	return "?";
}

static void
print_seen(const struct mailin_seen *s, void *arg)
{
	struct scan_print *p = arg;
	const struct mailmatch_msg *m = s->msg;
	const struct mailmatch_result *r = s->res;
	char when[32] = "", *label;

	if (m != NULL)
		clock_format_utc(m->date, when, sizeof(when));
	if (p->rows != NULL) {
		struct jsonb *jb = &p->jb;
		json_object *o = jsonb_object(jb), *cl = jsonb_array(jb);

		jsonb_str(jb, o, "mailbox", p->mailbox);
		jsonb_int(jb, o, "uid", (long long)s->uid);
		jsonb_str(jb, o, "result", verdict(s));
		if (m != NULL) {
			jsonb_str(jb, o, "at", when);
			jsonb_bool(jb, o, "date_from_header", m->date_from_header);
			jsonb_str(jb, o, "message_id", m->message_id);
			jsonb_str(jb, o, "subject", m->subject);
			if (m->auto_reply != NULL)
				jsonb_str(jb, o, "automatic", m->auto_reply);
		}
		if (r != NULL) {
			jsonb_str(jb, o, "direction", r->outgoing ? "sent" : "received");
			for (size_t i = 0; i < r->nclients; i++)
				jsonb_append(jb, cl, jsonb_new_int(jb, r->clients[i]));
			if (r->answers != 0)
				jsonb_int(jb, o, "answers_outbox", r->answers);
		}
		jsonb_put(jb, o, "clients", cl);
		jsonb_append(jb, p->rows, o);
		return;
	}
	if (p->c->quiet)
		return;
	printf("%s UID %lu %s", p->mailbox, s->uid, when[0] ? when : "-");
	if (r != NULL && r->what == MAILMATCH_LOG)
		printf(" %s", r->outgoing ? C_("mail", "sent") : C_("mail", "received"));
	printf(": %s", verdict_text(s, p->dry_run));
	if (s->skipped != NULL)
		printf(" (%s)", s->skipped);
	if (m != NULL && m->auto_reply != NULL)
		printf(" (%s)", m->auto_reply);
	for (size_t i = 0; r != NULL && i < r->nclients; i++) {
		label = client_label(p->c, r->clients[i]);
		printf("%s %s", i == 0 ? _(" to") : ",", label != NULL ? label : "?");
		free(label);
	}
	if (r != NULL && r->answers != 0)
		printf(_(", answering follow-up email %lld"), r->answers);
	if (m != NULL && m->subject[0] != '\0')
		printf(" \"%s\"", m->subject);
	putchar('\n');
}

int
cli_cmd_mail_scan(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mailbox", required_argument, NULL, 'm' },
		{ "since", required_argument, NULL, 's' },
		{ "dry-run", no_argument, NULL, 'n' },
		HELP_OPT, END_OPT
	};
	struct mailin_opts o = { 0 };
	struct scan_print p = { 0 };
	const char *only = NULL;
	int ch, ret, failed = 0, found = 0;

	cli_reset_getopt();
	while ((ch = cli_next_opt(argc, argv, opts, "mail scan", &ret)) != -1) {
		switch (ch) {
		case -2: return ret;
		case 'm': only = optarg; break;
		case 's':
			if (cli_date(c, optarg, &o.since_day) == -1)
				return cli_usage("mail scan", _("--since: %s"), c->err);
			break;
		case 'n': o.dry_run = 1; break;
		}
	}
	if (optind != argc)
		return cli_usage("mail scan", _("unexpected argument %s"), argv[optind]);
	if (c->cfg.nimap == 0)
		return cli_failf(_("no mailbox is configured (the imap list of %s)"),
		    c->config_path != NULL ? c->config_path : CONFIG_DEFAULT_PATH);
	if (only != NULL && config_imap_find(&c->cfg, only) == NULL) {
		fprintf(stderr, _("cartera: no mailbox called \"%s\"; configured:"), only);
		for (size_t i = 0; i < c->cfg.nimap; i++)
			fprintf(stderr, "%s %s", i ? "," : "", c->cfg.imap[i].name);
		fputc('\n', stderr);
		return 1;
	}
	if (cli_open_store(c, 0) == -1)
		return cli_fail(c);
	p.c = c;
	p.dry_run = o.dry_run;
	if (c->json && (p.rows = jsonb_array(&p.jb)) == NULL)
		return cli_failf(_("out of memory"));
	o.report = print_seen;
	o.arg = &p;
	for (size_t i = 0; i < c->cfg.nimap; i++) {
		const struct imap_mailbox *mb = &c->cfg.imap[i];
		struct mailin_stats s = { 0 };
		struct mailin_conn *conn;
		int more = 0, rc;

		if (only != NULL && strcmp(mb->name, only) != 0)
			continue;
		found++;
		p.mailbox = mb->name;
		if ((conn = mailin_conn_new(mb, NULL, c->err, sizeof(c->err))) == NULL) {
			fprintf(stderr, _("cartera: mailbox %s: %s\n"), mb->name, c->err);
			failed = 1;
			continue;
		}
		rc = mailin_poll(conn, c->st, &c->cfg, &o, &s, &more, c->err, sizeof(c->err));
		mailin_conn_free(conn);
		if (!o.dry_run && o.since_day == 0)
			(void)store_mailbox_polled(c->st, mb->name, clock_now(), rc == 0 ? NULL :
			    c->err, c->err + 512, sizeof(c->err) - 512);
		if (rc == -1) {
			fprintf(stderr, _("cartera: mailbox %s: %s\n"), mb->name, c->err);
			failed = 1;
		}
		if (!c->json && !c->quiet)
			printf(o.dry_run ? _("mailbox %s: %lld mails read, %lld would be logged "
			    "(%lld touches), %lld already logged, %lld unmatched, %lld internal, "
			    "%lld automatic, %lld skipped\n") : _("mailbox %s: %lld mails read, "
			    "%lld logged (%lld touches), %lld already logged, %lld unmatched, "
			    "%lld internal, %lld automatic, %lld skipped\n"), mb->name, s.fetched,
			    s.logged, o.dry_run ? 0 : s.touches, s.duplicates, s.unmatched,
			    s.internal, s.automatic, s.skipped);
	}
	if (p.rows != NULL && cli_print_json(&p.jb, p.rows) != 0)
		failed = 1;
	(void)found;
	return failed;
}

/* ---- status ---------------------------------------------------------- */

static void
print_time(const char *label, time_t t)
{
	char buf[32];

	printf("  %-13s %s\n", label, t != 0 ? clock_format_utc(t, buf, sizeof(buf)) :
	    _("never"));
}

static json_object *
json_time(struct jsonb *jb, time_t t)
{
	char buf[32];

	return t != 0 ? jsonb_new_str(jb, clock_format_utc(t, buf, sizeof(buf))) : NULL;
}

/* status --json: the database, the outbox and every mailbox. */
static int
status_json(struct cli *c, const struct outbox_counts *oc, const struct store_mailbox *v,
    size_t n)
{
	struct jsonb jb = JSONB_INIT;
	json_object *j = jsonb_object(&jb), *o = jsonb_object(&jb), *boxes = jsonb_array(&jb);

	jsonb_str(&jb, j, "database", c->db_path);
	jsonb_int(&jb, j, "schema_version", STORE_SCHEMA_VERSION);
	jsonb_int(&jb, o, "pending", oc->pending);
	jsonb_int(&jb, o, "sent", oc->sent);
	jsonb_int(&jb, o, "failed", oc->failed);
	jsonb_put(&jb, j, "outbox", o);
	for (size_t i = 0; i < n; i++) {
		json_object *b = jsonb_object(&jb);

		jsonb_str(&jb, b, "name", v[i].name);
		jsonb_bool(&jb, b, "configured", config_imap_find(&c->cfg, v[i].name) != NULL);
		jsonb_put(&jb, b, "last_poll_at", json_time(&jb, v[i].last_poll_at));
		jsonb_put(&jb, b, "last_ok_at", json_time(&jb, v[i].last_ok_at));
		jsonb_str(&jb, b, "last_error", v[i].last_error);
		jsonb_put(&jb, b, "error_since", json_time(&jb, v[i].error_since));
		jsonb_int(&jb, b, "uidvalidity", (long long)v[i].uidvalidity);
		jsonb_int(&jb, b, "last_uid", (long long)v[i].last_uid);
		jsonb_int(&jb, b, "logged", v[i].logged);
		jsonb_int(&jb, b, "duplicates", v[i].duplicates);
		jsonb_int(&jb, b, "unmatched", v[i].unmatched);
		jsonb_int(&jb, b, "internal", v[i].internal);
		jsonb_int(&jb, b, "automatic", v[i].automatic);
		jsonb_int(&jb, b, "skipped", v[i].skipped);
		jsonb_append(&jb, boxes, b);
	}
	for (size_t i = 0; i < c->cfg.nimap; i++) {
		int known = 0;

		for (size_t k = 0; k < n; k++)
			known |= strcmp(v[k].name, c->cfg.imap[i].name) == 0;
		if (!known) {
			json_object *b = jsonb_object(&jb);

			jsonb_str(&jb, b, "name", c->cfg.imap[i].name);
			jsonb_bool(&jb, b, "configured", 1);
			jsonb_put(&jb, b, "last_poll_at", NULL);
			jsonb_append(&jb, boxes, b);
		}
	}
	jsonb_put(&jb, j, "mailboxes", boxes);
	return cli_print_json(&jb, j);
}

int
cli_cmd_status(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = { HELP_OPT, END_OPT };
	struct outbox_counts oc;
	struct store_mailbox *v = NULL;
	size_t n = 0;
	int ch, ret;

	cli_reset_getopt();
	while ((ch = cli_next_opt(argc, argv, opts, "status", &ret)) != -1)
		if (ch == -2)
			return ret;
	if (optind != argc)
		return cli_usage("status", _("unexpected argument %s"), argv[optind]);
	if (cli_open_store(c, 0) == -1)
		return cli_fail(c);
	if (outbox_count(c->st, &oc, c->err, sizeof(c->err)) == -1 ||
	    store_mailbox_list(c->st, &v, &n, c->err, sizeof(c->err)) == -1)
		return cli_fail(c);
	ret = 0;
	if (c->json)
		ret = status_json(c, &oc, v, n);
	else {
		printf(_("database %s (schema version %d)\n"), c->db_path, STORE_SCHEMA_VERSION);
		printf(_("outbox: %lld pending, %lld sent, %lld failed\n"), oc.pending, oc.sent,
		    oc.failed);
		if (n == 0 && c->cfg.nimap == 0)
			printf(_("mailboxes: none configured\n"));
		for (size_t i = 0; i < c->cfg.nimap; i++) {
			int known = 0;

			for (size_t k = 0; k < n; k++)
				known |= strcmp(v[k].name, c->cfg.imap[i].name) == 0;
			if (!known)
				printf(_("mailbox %s: not read yet\n"), c->cfg.imap[i].name);
		}
		for (size_t i = 0; i < n; i++) {
			printf(_("mailbox %s%s: %s\n"), v[i].name,
			    config_imap_find(&c->cfg, v[i].name) == NULL ?
			    _(" (no longer configured)") : "", v[i].last_error != NULL ?
			    _("FAILING") : v[i].last_poll_at != 0 ? _("ok") : _("not read yet"));
			print_time(_("last read:"), v[i].last_poll_at);
			print_time(_("last success:"), v[i].last_ok_at);
			if (v[i].last_error != NULL) {
				char since[32];

				printf(_("  %-13s %s (since %s)\n"), _("error:"), v[i].last_error,
				    clock_format_utc(v[i].error_since, since, sizeof(since)));
			}
			printf(_("  %-13s UID %lu of UIDVALIDITY %lu\n"), _("read up to:"),
			    v[i].last_uid, v[i].uidvalidity);
			printf(_("  %-13s %lld logged, %lld already logged, %lld unmatched, %lld "
			    "internal, %lld automatic, %lld skipped\n"), _("mails:"), v[i].logged,
			    v[i].duplicates, v[i].unmatched, v[i].internal, v[i].automatic,
			    v[i].skipped);
		}
	}
	for (size_t i = 0; i < n; i++)
		store_mailbox_clear(&v[i]);
	free(v);
	return ret;
}
