/*
 * test_scan.c - the rules of "who needs attention", one client on one day:
 * scan_classify() is pure, so each row of the tables below is a client's
 * facts, a day and the verdict README "Who needs attention" promises.
 * The days are in December 2026: Tuesday the 1st ... Friday the 4th,
 * Saturday the 5th, Sunday the 6th, Monday the 7th, Tuesday the 8th
 * (a holiday in Spain: la Inmaculada).
 */
#include "build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "clock.h"
#include "config.h"
#include "scan.h"
#include "workdays.h"

#define NONE	-1L

static long
D(int day)
{
	return clock_date_to_days(2026, 12, day);
}

/* Rules as configured by default: yellow 3 working days ahead, waiting 7
 * days, invoices red after 30 days, inactive after 1.5x the rhythm (and
 * 30 days), 180 days for a single purchase, 90 without contact. */
static struct workdays mon_fri = { WORKDAYS_MON_FRI, NULL, 1 };	/* holiday set in main */

static void
rules(struct scan_rules *ru, const struct workdays *w)
{
	memset(ru, 0, sizeof(*ru));
	ru->yellow_days = 3;
	ru->waiting_days = 7;
	ru->overdue_invoice_days = 30;
	ru->inactive_factor = 1.5;
	ru->inactive_min_days = 30;
	ru->single_purchase_days = 180;
	ru->no_contact_days = 90;
	ru->days = w;
	ru->soon_of = -1;
}

/* A client touched (done) on base, cadence 30, nothing else going on. */
static struct scan_facts
client(long base)
{
	struct scan_facts f;

	memset(&f, 0, sizeof(f));
	f.cadence = 30;
	f.base_day = base;
	f.touched = 1;
	f.replied_day = f.next_day = f.planned_day = f.missed_day = NONE;
	f.unpaid_due_day = f.last_purchase_day = NONE;
	return f;
}

enum change {
	C_NONE, C_LOST, C_POTENTIAL, C_NEVER, C_WAITING, C_REPLIED, C_NEXT, C_SNOOZE,
	C_PLANNED, C_MISSED, C_INVOICE, C_NEXT_PLANNED, C_WAITING_NEXT, C_WAITING_PLANNED,
	C_MISSED_INVOICE, C_REPLIED_NEXT, C_INVOICE_WAITING
};

struct row {
	const char	*what;
	long		 base;		/* last touch (or creation) day */
	enum change	 change;
	long		 a, b;		/* the change's days */
	long		 today;
	enum scan_alert	 alert;
	enum scan_reason reason;	/* when alert != SCAN_NONE */
	long		 due;		/* verdict.due_day */
	int		 no_next;	/* green: no next step */
};

static void
apply(struct scan_facts *f, const struct row *r)
{
	switch (r->change) {
	case C_NONE:
		break;
	case C_LOST:
		f->lost = 1;
		break;
	case C_POTENTIAL:
		f->potential = 1;
		f->cadence = 14;
		break;
	case C_NEVER:
		f->touched = 0;
		break;
	case C_WAITING:
		f->waiting = 1;
		break;
	case C_REPLIED:
		f->waiting = 1;
		f->replied_day = r->a;
		break;
	case C_NEXT:
		f->next_day = r->a;
		break;
	case C_SNOOZE:
		f->next_day = r->a;
		f->snoozed = 1;
		break;
	case C_PLANNED:
		f->planned_day = r->a;
		break;
	case C_MISSED:
		f->missed_day = r->a;
		break;
	case C_INVOICE:
		f->unpaid_due_day = r->a;
		break;
	case C_NEXT_PLANNED:
		f->next_day = r->a;
		f->planned_day = r->b;
		break;
	case C_WAITING_NEXT:
		f->waiting = 1;
		f->next_day = r->a;
		break;
	case C_WAITING_PLANNED:
		f->waiting = 1;
		f->planned_day = r->a;
		break;
	case C_MISSED_INVOICE:
		f->missed_day = r->a;
		f->unpaid_due_day = r->b;
		break;
	case C_REPLIED_NEXT:
		f->replied_day = r->a;
		f->next_day = r->b;
		break;
	case C_INVOICE_WAITING:
		f->waiting = 1;
		f->unpaid_due_day = r->a;
		break;
	}
}

#define R	SCAN_RED
#define Y	SCAN_YELLOW
#define G	SCAN_GREEN
#define N	SCAN_NONE

int
main(void)
{
	/* Touched on D(n) - 30 means the cadence is due on D(n). */
	const struct row every_day[] = {
		/* Cadence: last touch + cadence; red from that day on, yellow
		 * up to 3 days before (here every day is a working day). */
		{ "cadence due today", D(2) - 30, C_NONE, 0, 0, D(2), R, SCAN_CADENCE, D(2), 0 },
		{ "cadence overdue 10 days", D(2) - 40, C_NONE, 0, 0, D(2), R, SCAN_CADENCE, D(2) - 10, 0 },
		{ "cadence in 3 days: yellow", D(5) - 30, C_NONE, 0, 0, D(2), Y, SCAN_CADENCE, D(5), 0 },
		{ "cadence in 4 days: nothing", D(6) - 30, C_NONE, 0, 0, D(2), N, 0, D(6), 0 },
		{ "never touched: from its creation", D(1) - 30, C_NEVER, 0, 0, D(2), R, SCAN_CADENCE, D(1), 0 },
		{ "potential: its own cadence", D(2) - 14, C_POTENTIAL, 0, 0, D(2), R, SCAN_CADENCE, D(2), 0 },
		{ "lost: never due", D(2) - 100, C_LOST, 0, 0, D(2), N, 0, -1, 0 },
		/* Next-contact date: it replaces the cadence. */
		{ "date came: red", D(1) - 5, C_NEXT, D(1), 0, D(3), R, SCAN_NEXT_CONTACT, D(1), 0 },
		{ "date today: red", D(1) - 5, C_NEXT, D(3), 0, D(3), R, SCAN_NEXT_CONTACT, D(3), 0 },
		{ "date soon: yellow", D(1) - 5, C_NEXT, D(5), 0, D(3), Y, SCAN_NEXT_CONTACT, D(5), 0 },
		{ "date later: nothing", D(1) - 5, C_NEXT, D(20), 0, D(3), N, 0, D(20), 0 },
		{ "date later than a due cadence: nothing", D(1) - 60, C_NEXT, D(20), 0, D(3), N, 0, D(20), 0 },
		/* Snooze: a date set explicitly, no reminder before it. */
		{ "snoozed until later: nothing", D(1) - 60, C_SNOOZE, D(5), 0, D(3), N, 0, D(5), 0 },
		{ "snooze over: red", D(1) - 60, C_SNOOZE, D(3), 0, D(3), R, SCAN_SNOOZE, D(3), 0 },
		{ "snoozed 2 days ago", D(1) - 60, C_SNOOZE, D(1), 0, D(3), R, SCAN_SNOOZE, D(1), 0 },
		/* A planned activity is the next step: the agenda carries it. */
		{ "planned today: nothing", D(1) - 60, C_PLANNED, D(3), 0, D(3), N, 0, D(3), 0 },
		{ "planned later: cadence waits", D(1) - 60, C_PLANNED, D(20), 0, D(3), N, 0, D(20), 0 },
		{ "date before the plan: red", D(1) - 5, C_NEXT_PLANNED, D(2), D(10), D(3), R, SCAN_NEXT_CONTACT, D(2), 0 },
		{ "date on the plan's day: the plan", D(1) - 5, C_NEXT_PLANNED, D(3), D(3), D(3), N, 0, D(3), 0 },
		{ "plan before the date: the plan", D(1) - 5, C_NEXT_PLANNED, D(10), D(4), D(3), N, 0, D(4), 0 },
		/* Missed: a plan whose day passed unclosed keeps the client red. */
		{ "missed yesterday", D(2), C_MISSED, D(2), 0, D(3), R, SCAN_MISSED, D(2), 0 },
		{ "missed, even just touched", D(3), C_MISSED, D(1), 0, D(3), R, SCAN_MISSED, D(1), 0 },
		{ "missed before an invoice", D(3), C_MISSED_INVOICE, D(2), D(1) - 60, D(3), R, SCAN_MISSED, D(2), 0 },
		{ "missed, lost client: nothing", D(3), C_LOST, 0, 0, D(3), N, 0, -1, 0 },
		/* Waiting for the client: green for 7 days, the cadence held. */
		{ "waiting 2 days: green", D(1), C_WAITING, 0, 0, D(3), G, SCAN_WAITING, D(1), 1 },
		{ "waiting 6 days: green", D(1) - 6, C_WAITING, 0, 0, D(1), G, SCAN_WAITING, D(1) - 6, 1 },
		{ "waiting 7 days: over, cadence", D(1) - 7, C_WAITING, 0, 0, D(1), N, 0, D(1) + 23, 0 },
		{ "waiting ran out, cadence due: red", D(3) - 31, C_WAITING, 0, 0, D(3), R, SCAN_CADENCE, D(2), 0 },
		{ "waiting with a date ahead", D(1), C_WAITING_NEXT, D(10), 0, D(3), G, SCAN_WAITING, D(1), 0 },
		{ "waiting with a plan ahead", D(1), C_WAITING_PLANNED, D(10), 0, D(3), G, SCAN_WAITING, D(1), 0 },
		{ "waiting, date came: red", D(1), C_WAITING_NEXT, D(3), 0, D(3), R, SCAN_NEXT_CONTACT, D(3), 0 },
		/* They answered a waiting touch: red, an answer is owed. */
		{ "replied", D(1), C_REPLIED, D(2), 0, D(3), R, SCAN_REPLIED, D(2), 0 },
		{ "replied beats a date to come", D(1), C_REPLIED_NEXT, D(2), D(20), D(3), R, SCAN_REPLIED, D(2), 0 },
		/* Invoices: red once more than 30 days overdue, from the 31st day. */
		{ "invoice 30 days overdue: not red", D(3), C_INVOICE, D(3) - 30, 0, D(3), N, 0, D(3) + 30, 0 },
		{ "invoice 31 days overdue: red today", D(3), C_INVOICE, D(3) - 31, 0, D(3), R, SCAN_INVOICE, D(3), 0 },
		{ "invoice 45 days overdue", D(3), C_INVOICE, D(3) - 45, 0, D(3), R, SCAN_INVOICE, D(3) - 14, 0 },
		{ "invoice red even while waiting", D(2), C_INVOICE_WAITING, D(3) - 40, 0, D(3), R, SCAN_INVOICE, D(3) - 9, 0 },
		{ "a contact owed says more than an invoice", D(3) - 35, C_INVOICE, D(3) - 40, 0, D(3), R, SCAN_CADENCE, D(3) - 5, 0 },
	};
	/* Working days: Monday to Friday, and the 8th a holiday. */
	const struct row workweek[] = {
		/* Friday the 4th: 3 working days ahead are Monday the 7th,
		 * Wednesday the 9th and Thursday the 10th. */
		{ "Fri: due Mon is yellow", D(7) - 30, C_NONE, 0, 0, D(4), Y, SCAN_CADENCE, D(7), 0 },
		{ "Fri: due Sat is yellow", D(5) - 30, C_NONE, 0, 0, D(4), Y, SCAN_CADENCE, D(5), 0 },
		{ "Fri: due Wed 9th (past the holiday) is yellow", D(9) - 30, C_NONE, 0, 0, D(4), Y, SCAN_CADENCE, D(9), 0 },
		{ "Fri: due Thu 10th is yellow", D(10) - 30, C_NONE, 0, 0, D(4), Y, SCAN_CADENCE, D(10), 0 },
		{ "Fri: due Fri 11th is not", D(11) - 30, C_NONE, 0, 0, D(4), N, 0, D(11), 0 },
		{ "Fri: a date on Mon is yellow", D(1), C_NEXT, D(7), 0, D(4), Y, SCAN_NEXT_CONTACT, D(7), 0 },
		/* A day off: due dates are dates; Monday sees the weekend's as red. */
		{ "Sat due, seen Mon: red 2 days", D(5) - 30, C_NONE, 0, 0, D(7), R, SCAN_CADENCE, D(5), 0 },
		{ "Sun plan unclosed, seen Mon: missed", D(4), C_MISSED, D(6), 0, D(7), R, SCAN_MISSED, D(6), 0 },
		{ "on a day off itself: same rules", D(6) - 30, C_NONE, 0, 0, D(6), R, SCAN_CADENCE, D(6), 0 },
	};
	struct scan_rules ru;
	struct scan_verdict v;
	long hol = D(8);

	mon_fri.holidays = &hol;
	rules(&ru, NULL);
	for (size_t i = 0; i < sizeof(every_day) / sizeof(every_day[0]); i++) {
		const struct row *r = &every_day[i];
		struct scan_facts f = client(r->base);

		apply(&f, r);
		scan_classify(&ru, &f, r->today, &v);
		if (v.alert != r->alert || (r->alert != N && v.reason != r->reason) ||
		    v.due_day != r->due || (r->alert == G && v.no_next_step != r->no_next))
			fprintf(stderr, "row \"%s\":\n", r->what);
		CHECK_INT(v.alert, r->alert);
		if (r->alert != N)
			CHECK_INT(v.reason, r->reason);
		CHECK_INT(v.due_day, r->due);
		if (r->alert == G)
			CHECK_INT(v.no_next_step, r->no_next);
	}
	rules(&ru, &mon_fri);
	for (size_t i = 0; i < sizeof(workweek) / sizeof(workweek[0]); i++) {
		const struct row *r = &workweek[i];
		struct scan_facts f = client(r->base);

		apply(&f, r);
		scan_classify(&ru, &f, r->today, &v);
		if (v.alert != r->alert || (r->alert != N && v.reason != r->reason) ||
		    v.due_day != r->due)
			fprintf(stderr, "row \"%s\":\n", r->what);
		CHECK_INT(v.alert, r->alert);
		if (r->alert != N)
			CHECK_INT(v.reason, r->reason);
		CHECK_INT(v.due_day, r->due);
	}

	/* Going inactive, against the client's own rhythm. */
	{
		struct scan_facts f = client(D(1));

		rules(&ru, NULL);
		f.purchases = 4;
		f.median_interval = 40;
		f.last_purchase_day = D(3) - 61;	/* 61 > 1.5 x 40 */
		scan_classify(&ru, &f, D(3), &v);
		CHECK(v.inactive && v.inactive_reason == SCAN_RHYTHM && v.inactive_days == 61);
		f.last_purchase_day = D(3) - 60;	/* 60 is not more than 60 */
		scan_classify(&ru, &f, D(3), &v);
		CHECK(!v.inactive);
		f.median_interval = 10;			/* 15, but min_days is 30 */
		f.last_purchase_day = D(3) - 30;
		scan_classify(&ru, &f, D(3), &v);
		CHECK(!v.inactive);
		f.purchases = 1;
		f.last_purchase_day = D(3) - 181;
		scan_classify(&ru, &f, D(3), &v);
		CHECK(v.inactive && v.inactive_reason == SCAN_SINGLE && v.inactive_days == 181);
		f.purchases = 0;
		f.base_day = D(3) - 91;
		scan_classify(&ru, &f, D(3), &v);
		CHECK(v.inactive && v.inactive_reason == SCAN_NO_CONTACT && v.inactive_days == 91);
		f.potential = 1;
		scan_classify(&ru, &f, D(3), &v);
		CHECK(!v.inactive);
		f.potential = 0;
		f.lost = 1;
		scan_classify(&ru, &f, D(3), &v);
		CHECK(!v.inactive && v.alert == N);
	}

	/* Which cadence a client has: its own, else potential_days, else its
	 * segment's, else by how it orders, else default_days (defaults 30,
	 * 14, self 60, visit 21). */
	{
		struct config cfg;

		CHECK(config_defaults(&cfg) == 0);
		CHECK_INT(scan_cadence(&cfg, 0, 0, 0, SCAN_ORDERS_UNSET), 30);
		CHECK_INT(scan_cadence(&cfg, 0, 0, 0, SCAN_ORDERS_SELF), 60);
		CHECK_INT(scan_cadence(&cfg, 0, 0, 0, SCAN_ORDERS_VISIT), 21);
		CHECK_INT(scan_cadence(&cfg, 0, 7, 0, SCAN_ORDERS_SELF), 7);	/* segment first */
		CHECK_INT(scan_cadence(&cfg, 0, 7, 1, SCAN_ORDERS_VISIT), 14);	/* potential */
		CHECK_INT(scan_cadence(&cfg, 45, 7, 1, SCAN_ORDERS_VISIT), 45);	/* its own */
		cfg.cadence.orders_self_days = 90;
		CHECK_INT(scan_cadence(&cfg, 0, 0, 0, SCAN_ORDERS_SELF), 90);
		config_free(&cfg);
	}

	/* The working-day arithmetic the rules and the scheduler use. */
	{
		unsigned w;
		char buf[64], err[256];
		long *dates = NULL;
		size_t n = 0;

		CHECK(workdays_is_on(&mon_fri, D(4)));
		CHECK(!workdays_is_on(&mon_fri, D(5)));
		CHECK(!workdays_is_on(&mon_fri, D(8)));
		CHECK(workdays_is_on(NULL, D(6)));
		CHECK_INT(workdays_next(&mon_fri, D(4)), D(7));
		CHECK_INT(workdays_next(&mon_fri, D(7)), D(9));
		CHECK_INT(workdays_prev(&mon_fri, D(7)), D(4));
		CHECK_INT(workdays_add(&mon_fri, D(4), 0), D(4));
		CHECK_INT(workdays_add(&mon_fri, D(4), 2), D(9));
		CHECK(workdays_parse_week("mon-fri", &w, err, sizeof(err)) == 0 && w == 0x1f);
		CHECK(workdays_parse_week("Lunes-Viernes", &w, err, sizeof(err)) == 0 && w == 0x1f);
		CHECK(workdays_parse_week("lun, mié, vie", &w, err, sizeof(err)) == 0 && w == 0x15);
		CHECK(workdays_parse_week("sun-thu", &w, err, sizeof(err)) == 0 && w == 0x4f);
		CHECK_STR(workdays_format_week(w, buf, sizeof(buf)), "sun-thu");
		CHECK(workdays_parse_week("mon-fri,sat", &w, err, sizeof(err)) == 0 && w == 0x3f);
		CHECK_STR(workdays_format_week(w, buf, sizeof(buf)), "mon-sat");
		CHECK_STR(workdays_format_week(0x15, buf, sizeof(buf)), "mon,wed,fri");
		CHECK_STR(workdays_format_week(WORKDAYS_ALL, buf, sizeof(buf)), "mon-sun");
		CHECK(workdays_parse_week("mon-funday", &w, err, sizeof(err)) == -1);
		CHECK(strstr(err, "funday") != NULL);
		CHECK(workdays_parse_week("", &w, err, sizeof(err)) == -1);
		CHECK(workdays_parse_dates("# festivos\n2026-12-25\n2026-12-08, 2026-12-08\n",
		    "festivos.txt", &dates, &n, err, sizeof(err)) == 0);
		CHECK_INT(n, 2);
		if (n == 2) {
			CHECK_INT(dates[0], D(8));
			CHECK_INT(dates[1], D(25));
		}
		free(dates);
		CHECK(workdays_parse_dates("2026-12-08\n2026-13-01\n", "festivos.txt", &dates, &n,
		    err, sizeof(err)) == -1);
		CHECK_STR(err, "festivos.txt:2: \"2026-13-01\" is not a date (YYYY-MM-DD)");
	}
	return check_done("test_scan");
}
