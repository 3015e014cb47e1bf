/*
 * cli_priv.h - what the files of the cartera command share.
 *
 * cli.c holds the command table, main and these helpers; cli_portfolio.c
 * (owners, teams, clients, contacts), cli_history.c (touches, plans,
 * activities, invoices, NPS, costs, segments), cli_corrections.c (listing,
 * correcting and deleting recorded touches, invoices, NPS answers and
 * costs), cli_sales.c (goals, products) and cli_ops.c (init, check,
 * backup, import, export, due, outbox, feed, report) and cli_mail.c (mail
 * scan, status) hold the commands.
 * Nothing outside the cli*.c files includes this header.  A command parses
 * its options and calls the modules; the rules live in those modules.
 */
#ifndef CARTERA_CLI_PRIV_H
#define CARTERA_CLI_PRIV_H

#include <getopt.h>
#include <stddef.h>
#include <time.h>

#include "cli.h"
#include "config.h"
#include "output.h"
#include "store.h"

struct cli {
	const char	*db_path;	/* -d, $CARTERA_DB or config */
	const char	*config_path;	/* -c */
	struct config	 cfg;
	struct store	*st;		/* opened on first use, closed by cli_main */
	int		 json;
	int		 quiet;
	const char	*tz;		/* --tz: times shown in this zone, or NULL */
	char		 err[1024];	/* the message cli_fail() prints */
};

/* Exit codes: cli_usage() returns EXIT_USAGE, cli_fail()/cli_failf() 1. */
int	 cli_usage(const char *cmd, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
int	 cli_fail(struct cli *);
int	 cli_failf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The database, opened once (flags: STORE_*); transactions around writes.
 * cli_abort() rolls back and prints c->err. */
int	 cli_open_store(struct cli *, int flags);
int	 cli_begin(struct cli *);
int	 cli_commit(struct cli *);
int	 cli_abort(struct cli *);

/* Listings: table or JSON (--json); list fills the output, returns 0/-1.
 * Times are shown in the --tz zone, else each row's salesperson's zone,
 * else digest.default_timezone (cli_output sets that up). */
enum output_mode cli_list_mode(struct cli *);
struct output	*cli_output(struct cli *, enum output_mode);
/* --tz ZONE of a listing: checked, then every time is shown in it. */
int	 cli_show_zone(struct cli *, const char *zone);
int	 cli_print_rows(struct cli *, enum output_mode,
	    int (*list)(struct cli *, struct output *, void *), void *arg);
/* A listing command with no options and no operands. */
int	 cli_simple_list(struct cli *, const char *cmd, int argc, char **argv,
	    int (*list)(struct cli *, struct output *, void *));

/* Values from the command line; -1 with c->err set (cli_parse_long: no message). */
long	 cli_today(struct cli *, const char *zone);
/* "es" or "en": the language of the messages, for reports and cards too. */
char	*cli_lang(void);
int	 cli_date(struct cli *, const char *s, long *day);
int	 cli_parse_day(struct cli *, const char *s, const char *zone, char *out,
	    size_t len);
/* An amount typed by the user, with the decimal mark of their language. */
int	 cli_amount(struct cli *, const char *s, long long *cents);
int	 cli_parse_time(struct cli *, const char *s, const char *zone, int date_only_min,
	    time_t *out);
int	 cli_check_zone(struct cli *, const char *zone);
int	 cli_parse_long(const char *s, long min, long max, long *out);
int	 cli_resolve_client(struct cli *, const char *ref, long long *id);
/* A feed's URL (and webcal:// form with --json); returns the exit code. */
int	 cli_print_feed_url(struct cli *, const char *kind, const char *token);
/* Print j (built with jb) as the command's --json output and free it;
 * returns the exit code ("out of memory" if any allocation failed). */
struct jsonb;
int	 cli_print_json(struct jsonb *jb, json_object *j);

/*
 * Options: getopt_long over a command's own arguments (argv[0] is the
 * command).  cli_next_opt() returns the option, -1 at the end, or -2 when
 * the command must return *ret (--help printed, or a usage error).
 * cli_one_operand() takes exactly one operand and no options: -1 with
 * *operand set, else an exit code to return.
 */
#define OPT_HELP	0x100
#define HELP_OPT	{ "help", no_argument, NULL, OPT_HELP }
#define END_OPT		{ NULL, 0, NULL, 0 }
int	 cli_next_opt(int argc, char **argv, const struct option *opts, const char *cmd,
	    int *ret);
void	 cli_reset_getopt(void);
int	 cli_one_operand(const char *cmd, int argc, char **argv, const char **operand);

/* The commands: argv[0] is the command's name; they return the exit code. */
/* cli_portfolio.c */
int	 cli_cmd_owner_add(struct cli *, int, char **);
int	 cli_cmd_owner_edit(struct cli *, int, char **);
int	 cli_cmd_owner_list(struct cli *, int, char **);
int	 cli_cmd_owner_feed_url(struct cli *, int, char **);
int	 cli_cmd_owner_rotate_token(struct cli *, int, char **);
int	 cli_cmd_owner_page_url(struct cli *, int, char **);
int	 cli_cmd_team_add(struct cli *, int, char **);
int	 cli_cmd_team_list(struct cli *, int, char **);
int	 cli_cmd_team_feed_url(struct cli *, int, char **);
int	 cli_cmd_team_rotate_token(struct cli *, int, char **);
int	 cli_cmd_client_add(struct cli *, int, char **);
int	 cli_cmd_client_edit(struct cli *, int, char **);
int	 cli_cmd_client_delete(struct cli *, int, char **);
int	 cli_cmd_client_list(struct cli *, int, char **);
int	 cli_cmd_client_show(struct cli *, int, char **);
int	 cli_cmd_contact_add(struct cli *, int, char **);
int	 cli_cmd_contact_list(struct cli *, int, char **);
/* cli_history.c */
int	 cli_cmd_log(struct cli *, int, char **);
int	 cli_cmd_plan(struct cli *, int, char **);
int	 cli_cmd_activity_list(struct cli *, int, char **);
int	 cli_cmd_activity_done(struct cli *, int, char **);
int	 cli_cmd_snooze(struct cli *, int, char **);
int	 cli_cmd_activity_cancel(struct cli *, int, char **);
int	 cli_cmd_activity_move(struct cli *, int, char **);
int	 cli_cmd_invoice_add(struct cli *, int, char **);
int	 cli_cmd_invoice_list(struct cli *, int, char **);
int	 cli_cmd_nps_add(struct cli *, int, char **);
int	 cli_cmd_cost_add(struct cli *, int, char **);
int	 cli_cmd_segment_set(struct cli *, int, char **);
int	 cli_cmd_segment_list(struct cli *, int, char **);
/* cli_corrections.c */
int	 cli_cmd_touch_list(struct cli *, int, char **);
int	 cli_cmd_touch_edit(struct cli *, int, char **);
int	 cli_cmd_touch_delete(struct cli *, int, char **);
int	 cli_cmd_invoice_edit(struct cli *, int, char **);
int	 cli_cmd_invoice_pay(struct cli *, int, char **);
int	 cli_cmd_invoice_delete(struct cli *, int, char **);
int	 cli_cmd_nps_list(struct cli *, int, char **);
int	 cli_cmd_nps_delete(struct cli *, int, char **);
int	 cli_cmd_cost_list(struct cli *, int, char **);
int	 cli_cmd_cost_delete(struct cli *, int, char **);
/* cli_sales.c */
int	 cli_cmd_goal_set(struct cli *, int, char **);
int	 cli_cmd_goal_list(struct cli *, int, char **);
int	 cli_cmd_goal_delete(struct cli *, int, char **);
int	 cli_cmd_product_add(struct cli *, int, char **);
int	 cli_cmd_product_list(struct cli *, int, char **);
/* cli_ops.c */
int	 cli_cmd_init(struct cli *, int, char **);
int	 cli_cmd_check(struct cli *, int, char **);
int	 cli_cmd_backup(struct cli *, int, char **);
int	 cli_cmd_copy(struct cli *, int, char **);
int	 cli_cmd_import(struct cli *, int, char **);
int	 cli_cmd_export(struct cli *, int, char **);
int	 cli_cmd_due(struct cli *, int, char **);
int	 cli_cmd_outbox(struct cli *, int, char **);
int	 cli_cmd_feed(struct cli *, int, char **);
int	 cli_cmd_report(struct cli *, int, char **);
int	 cli_cmd_invoice_import(struct cli *, int, char **);
int	 cli_cmd_invoice_export(struct cli *, int, char **);
/* cli_mail.c */
int	 cli_cmd_mail_scan(struct cli *, int, char **);
int	 cli_cmd_status(struct cli *, int, char **);

#endif
