/*
 * cli_sales.c - the commands about what is sold and aimed at: goal
 * (monthly targets per salesperson or team) and product (the products
 * and services invoices are made of).
 *
 * Argument parsing and wiring only: amounts are parsed by record.c,
 * months by report.c, writes are the store's, each in one transaction.
 * No SQL, no business rules.
 */
#include "build.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_priv.h"
#include "nls.h"
#include "record.h"
#include "report.h"
#include "store.h"

/*
 * A goal's revenue.  Targets are round figures, so "10.000" and "10,000"
 * (a separator followed by exactly three digits, which an invoice amount
 * refuses as ambiguous) are ten thousand; "10.000,00" and "1234.50" read
 * as amounts do.
 */
static int
goal_amount(const char *s, long long *cents)
{
	char dec = strcmp(nls_lang(), "es") == 0 ? ',' : '.';
	int r = record_parse_amount_in(s, dec, cents);
	char whole[64];
	size_t n = 0;

	if (r != -2)
		return r;
	for (const char *p = s; *p != '\0' && n + 1 < sizeof(whole); p++)
		if (*p != '.' && *p != ',')
			whole[n++] = *p;
	whole[n] = '\0';
	return record_parse_amount_in(whole, dec, cents);
}

static int
count_arg(const char *cmd, const char *opt, const char *s, long long *out)
{
	long v;

	if (cli_parse_long(s, 0, 1000000000L, &v) == -1)
		return cli_usage(cmd, _("%s wants a whole number"), opt);
	*out = v;
	return 0;
}

/* TARGET: a salesperson's email, or a team's name. */
static void
goal_target(const char *target, const char **owner, const char **team)
{
	*owner = strchr(target, '@') != NULL ? target : NULL;
	*team = *owner == NULL ? target : NULL;
}

static int
goal_month(const char *cmd, const char *month)
{
	long from, to;

	if (strlen(month) != 7 || report_month(month, &from, &to) == -1)
		return cli_usage(cmd, _("MONTH is YYYY-MM, not %s"), month);
	return 0;
}

int
cli_cmd_goal_set(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "revenue", required_argument, NULL, 'r' },
		{ "new-clients", required_argument, NULL, 'n' },
		{ "visits", required_argument, NULL, 'v' },
		{ "calls", required_argument, NULL, 'c' },
		HELP_OPT, END_OPT
	};
	struct store_goal g = { -1, -1, -1, -1 };
	const char *owner, *team;
	int ch, ret;

	cli_reset_getopt();
	while ((ch = cli_next_opt(argc, argv, opts, "goal set", &ret)) != -1) {
		switch (ch) {
		case -2: return ret;
		case 'r':
			if (goal_amount(optarg, &g.revenue_cents) != 0 || g.revenue_cents < 0)
				return cli_usage("goal set", _("--revenue wants an amount such as "
				    "10.000 or 10000,00"));
			break;
		case 'n':
			if ((ret = count_arg("goal set", "--new-clients", optarg, &g.new_clients)))
				return ret;
			break;
		case 'v':
			if ((ret = count_arg("goal set", "--visits", optarg, &g.visits)))
				return ret;
			break;
		case 'c':
			if ((ret = count_arg("goal set", "--calls", optarg, &g.calls)))
				return ret;
			break;
		}
	}
	if (optind + 2 != argc)
		return cli_usage("goal set", _("expected EMAIL|TEAM MONTH"));
	if ((ret = goal_month("goal set", argv[optind + 1])) != 0)
		return ret;
	if (g.revenue_cents < 0 && g.new_clients < 0 && g.visits < 0 && g.calls < 0)
		return cli_usage("goal set", _("give at least one of --revenue, --new-clients, "
		    "--visits, --calls"));
	goal_target(argv[optind], &owner, &team);
	if (cli_begin(c) == -1)
		return cli_fail(c);
	if (store_goal_set(c->st, owner, team, argv[optind + 1], &g, c->err,
	    sizeof(c->err)) == -1)
		return cli_abort(c);
	if (cli_commit(c) == -1)
		return cli_fail(c);
	if (!c->quiet)
		printf(_("goal of %s for %s set\n"), argv[optind], argv[optind + 1]);
	return 0;
}

int
cli_cmd_goal_delete(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = { HELP_OPT, END_OPT };
	const char *owner, *team;
	int ch, ret, rc;

	cli_reset_getopt();
	while ((ch = cli_next_opt(argc, argv, opts, "goal delete", &ret)) != -1)
		if (ch == -2)
			return ret;
	if (optind + 2 != argc)
		return cli_usage("goal delete", _("expected EMAIL|TEAM MONTH"));
	if ((ret = goal_month("goal delete", argv[optind + 1])) != 0)
		return ret;
	goal_target(argv[optind], &owner, &team);
	if (cli_begin(c) == -1)
		return cli_fail(c);
	if ((rc = store_goal_delete(c->st, owner, team, argv[optind + 1], c->err,
	    sizeof(c->err))) == -1)
		return cli_abort(c);
	if (cli_commit(c) == -1)
		return cli_fail(c);
	if (rc == 1)
		return cli_failf(_("%s has no goal for %s"), argv[optind], argv[optind + 1]);
	if (!c->quiet)
		printf(_("goal of %s for %s deleted\n"), argv[optind], argv[optind + 1]);
	return 0;
}

struct goal_q {
	const char	*month;
};

static int
list_goals(struct cli *c, struct output *o, void *arg)
{
	const struct goal_q *q = arg;

	return store_goal_list(c->st, q->month, output_row, o, c->err, sizeof(c->err));
}

int
cli_cmd_goal_list(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = { HELP_OPT, END_OPT };
	struct goal_q q = { NULL };
	int ch, ret;

	cli_reset_getopt();
	while ((ch = cli_next_opt(argc, argv, opts, "goal list", &ret)) != -1)
		if (ch == -2)
			return ret;
	if (optind + 1 < argc)
		return cli_usage("goal list", _("expected at most one MONTH"));
	if (optind < argc) {
		q.month = argv[optind];
		if ((ret = goal_month("goal list", q.month)) != 0)
			return ret;
	}
	if (cli_open_store(c, 0) == -1)
		return cli_fail(c);
	return cli_print_rows(c, cli_list_mode(c), list_goals, &q);
}

/* ---- products -------------------------------------------------------- */

int
cli_cmd_product_add(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kind", required_argument, NULL, 'k' },
		{ "price", required_argument, NULL, 'p' },
		HELP_OPT, END_OPT
	};
	const char *kind = "product";
	long long price = -1, id;
	int ch, ret;

	cli_reset_getopt();
	while ((ch = cli_next_opt(argc, argv, opts, "product add", &ret)) != -1) {
		switch (ch) {
		case -2: return ret;
		case 'k':
			if (strcmp(optarg, "product") == 0 || strcmp(optarg, "producto") == 0)
				kind = "product";
			else if (strcmp(optarg, "service") == 0 || strcmp(optarg, "servicio") == 0)
				kind = "service";
			else
				return cli_usage("product add", _("--kind is product or service"));
			break;
		case 'p':
			if (cli_amount(c, optarg, &price) != 0 || price < 0)
				return cli_usage("product add", _("--price wants an amount such as "
				    "12,50 (a unit price)"));
			break;
		}
	}
	if (optind + 1 != argc)
		return cli_usage("product add", _("expected NAME"));
	if (cli_begin(c) == -1)
		return cli_fail(c);
	if (store_product_add(c->st, argv[optind], kind, price, &id, c->err,
	    sizeof(c->err)) == -1)
		return cli_abort(c);
	if (cli_commit(c) == -1)
		return cli_fail(c);
	if (!c->quiet)
		printf(_("product %lld added: %s\n"), id, argv[optind]);
	return 0;
}

static int
list_products(struct cli *c, struct output *o, void *arg)
{
	(void)arg;
	return store_product_list(c->st, output_row, o, c->err, sizeof(c->err));
}

int
cli_cmd_product_list(struct cli *c, int argc, char **argv)
{
	return cli_simple_list(c, "product list", argc, argv, list_products);
}
