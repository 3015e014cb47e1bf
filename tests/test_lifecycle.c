/*
 * test_lifecycle.c - a client's status on a day and its lifecycle stage,
 * derived from its data: back-filled and imported history, buying
 * converts, imported lost clients, and every stage with its boundary.
 */
#include "build.h"

#include "check.h"
#include "clock.h"
#include "lifecycle.h"

static long
day(const char *s)
{
	long d = -1;

	clock_date_parse(s, &d);
	return d;
}

static void
test_status(void)
{
	struct lifecycle_status_facts f;

	/* Added on 10/11 with an invoice dated 20/10: a client on 31/10 (the
	 * defect: it only existed from its status record, 10/11). */
	f = (struct lifecycle_status_facts){ day("2026-11-10"), LS_ACTIVE,
	    day("2026-10-20"), day("2026-10-20") };
	CHECK_INT(lifecycle_status_on(&f, day("2026-10-31"), LS_NONE), LS_ACTIVE);
	CHECK_INT(lifecycle_status_on(&f, day("2026-10-20"), LS_NONE), LS_ACTIVE);
	CHECK_INT(lifecycle_status_on(&f, day("2026-10-19"), LS_NONE), LS_NONE);
	/* Imported in November 2026 with invoices since March 2025. */
	f = (struct lifecycle_status_facts){ day("2026-11-20"), LS_ACTIVE,
	    day("2025-03-01"), day("2026-10-15") };
	CHECK_INT(lifecycle_status_on(&f, day("2025-03-01"), LS_NONE), LS_ACTIVE);
	CHECK_INT(lifecycle_status_on(&f, day("2025-02-28"), LS_NONE), LS_NONE);
	/* Added potential: potential until it buys, active from that day. */
	f = (struct lifecycle_status_facts){ day("2026-09-01"), LS_POTENTIAL,
	    day("2026-10-12"), day("2026-10-12") };
	CHECK_INT(lifecycle_status_on(&f, day("2026-08-31"), LS_NONE), LS_NONE);
	CHECK_INT(lifecycle_status_on(&f, day("2026-10-11"), LS_NONE), LS_POTENTIAL);
	CHECK_INT(lifecycle_status_on(&f, day("2026-10-12"), LS_NONE), LS_ACTIVE);
	f.first_purchase = f.last_purchase = -1;
	CHECK_INT(lifecycle_status_on(&f, day("2027-01-01"), LS_NONE), LS_POTENTIAL);
	/* Imported as lost: lost from the day after its last purchase. */
	f = (struct lifecycle_status_facts){ day("2026-11-20"), LS_LOST,
	    day("2025-03-01"), day("2026-05-10") };
	CHECK_INT(lifecycle_status_on(&f, day("2026-05-10"), LS_NONE), LS_ACTIVE);
	CHECK_INT(lifecycle_status_on(&f, day("2026-05-11"), LS_NONE), LS_LOST);
	/* Added lost, then purchases dated after that: lost from when added. */
	f = (struct lifecycle_status_facts){ day("2026-03-01"), LS_LOST,
	    day("2026-02-01"), day("2026-04-01") };
	CHECK_INT(lifecycle_status_on(&f, day("2026-02-28"), LS_NONE), LS_ACTIVE);
	CHECK_INT(lifecycle_status_on(&f, day("2026-03-01"), LS_NONE), LS_LOST);
	/* Lost the day after the last purchase, which is the day it was added. */
	f = (struct lifecycle_status_facts){ day("2026-03-02"), LS_LOST,
	    day("2026-02-01"), day("2026-03-01") };
	CHECK_INT(lifecycle_status_on(&f, day("2026-03-01"), LS_NONE), LS_ACTIVE);
	CHECK_INT(lifecycle_status_on(&f, day("2026-03-02"), LS_NONE), LS_LOST);
	/* An explicit change wins. */
	CHECK_INT(lifecycle_status_on(&f, day("2026-02-15"), LS_POTENTIAL), LS_POTENTIAL);
	/* Never bought: from the day it was added. */
	f = (struct lifecycle_status_facts){ day("2026-03-02"), LS_INACTIVE, -1, -1 };
	CHECK_INT(lifecycle_status_on(&f, day("2026-03-01"), LS_NONE), LS_NONE);
	CHECK_INT(lifecycle_status_on(&f, day("2026-03-02"), LS_NONE), LS_INACTIVE);
	CHECK_STR(lifecycle_status_name(LS_POTENTIAL), "potential");
	CHECK_INT(lifecycle_status_parse("lost"), LS_LOST);
	CHECK_INT(lifecycle_status_parse("perdido"), LS_NONE);
}

static void
test_stage(void)
{
	const struct lifecycle_params p = { 90, 90, 1.5, 30 };
	struct lifecycle_params p60 = p;
	long d = day("2026-06-30");
	struct lifecycle_facts f;

	f = (struct lifecycle_facts){ LS_NONE, 0, 0, -1, -1, -1, 0 };
	CHECK_INT(lifecycle_stage(&f, d, &p), LC_NONE);
	f.status = LS_POTENTIAL;
	CHECK_INT(lifecycle_stage(&f, d, &p), LC_LEAD);
	f.touched = 1;
	CHECK_INT(lifecycle_stage(&f, d, &p), LC_PROSPECT);
	/* An active client that never bought is a prospect too. */
	f.status = LS_ACTIVE;
	CHECK_INT(lifecycle_stage(&f, d, &p), LC_PROSPECT);
	f.status = LS_LOST;
	CHECK_INT(lifecycle_stage(&f, d, &p), LC_LOST);
	/* First purchase 89 days ago: new; 90 days ago: the window has passed. */
	f = (struct lifecycle_facts){ LS_ACTIVE, 1, 1, d - 89, d - 89, -1, 0 };
	CHECK_INT(lifecycle_stage(&f, d, &p), LC_NEW);
	f.first = f.last = d - 90;
	CHECK_INT(lifecycle_stage(&f, d, &p), LC_DORMANT);
	/* Four purchase days, every 20 days, the last 31 days ago: 31 > 1.5 x
	 * 20 and > 30: at risk; 30 days ago: recurring. */
	f = (struct lifecycle_facts){ LS_ACTIVE, 1, 4, d - 200, d - 31, d - 51, 20 };
	CHECK_INT(lifecycle_stage(&f, d, &p), LC_AT_RISK);
	f.last = d - 30;
	CHECK_INT(lifecycle_stage(&f, d, &p), LC_RECURRING);
	/* The rhythm is slow (every 40 days): 45 days is not late (45 <= 60). */
	f.median_gap = 40;
	f.last = d - 45;
	CHECK_INT(lifecycle_stage(&f, d, &p), LC_RECURRING);
	/* One purchase, 70 days ago, with new clients counted for 60 days. */
	p60.new_days = 60;
	f = (struct lifecycle_facts){ LS_ACTIVE, 1, 1, d - 70, d - 70, -1, 0 };
	CHECK_INT(lifecycle_stage(&f, d, &p60), LC_AT_RISK);
	f.first = f.last = d - 30;
	CHECK_INT(lifecycle_stage(&f, d, &p60), LC_NEW);
	/* Bought again after 280 days without (dormant), 20 days ago. */
	f = (struct lifecycle_facts){ LS_ACTIVE, 1, 5, d - 400, d - 20, d - 300, 30 };
	CHECK_INT(lifecycle_stage(&f, d, &p), LC_RECOVERED);
	/* ... and 90 days after that purchase it is dormant again. */
	CHECK_INT(lifecycle_stage(&f, d + 70, &p), LC_DORMANT);
	/* A gap of 89 days was not dormancy. */
	f.prev = d - 109;
	CHECK_INT(lifecycle_stage(&f, d, &p), LC_RECURRING);
}

static void
test_names(void)
{
	double m;
	const long days[] = { 0, 10, 30, 31 };

	CHECK_STR(lifecycle_name(LC_AT_RISK), "at_risk");
	CHECK_STR(lifecycle_label(LC_AT_RISK, "es"), "en riesgo");
	CHECK_STR(lifecycle_label(LC_DORMANT, "en"), "dormant");
	CHECK_INT(lifecycle_parse("en riesgo"), LC_AT_RISK);
	CHECK_INT(lifecycle_parse("At Risk"), LC_AT_RISK);
	CHECK_INT(lifecycle_parse("at_risk"), LC_AT_RISK);
	CHECK_INT(lifecycle_parse("Dormido"), LC_DORMANT);
	CHECK_INT(lifecycle_parse("recuperado"), LC_RECOVERED);
	CHECK_INT(lifecycle_parse("prospecto"), LC_PROSPECT);
	CHECK_INT(lifecycle_parse("nuevo"), LC_NEW);
	CHECK_INT(lifecycle_parse("none"), -1);
	CHECK_INT(lifecycle_parse("xyz"), -1);
	/* Gaps 10, 20, 1: median 10; gaps 10, 20: 15; one day: 0. */
	CHECK(lifecycle_median_gap(days, 4, &m) == 0 && m == 10);
	CHECK(lifecycle_median_gap(days, 3, &m) == 0 && m == 15);
	CHECK(lifecycle_median_gap(days, 1, &m) == 0 && m == 0);
}

int
main(void)
{
	test_status();
	test_stage();
	test_names();
	return check_done("test_lifecycle");
}
