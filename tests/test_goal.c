/*
 * test_goal.c - monthly goal progress and its projection in working days,
 * and the sentence the digest prints, worked out by hand on a calendar of
 * December 2026 (the 1st is a Tuesday; 23 days Monday to Friday).
 */
#include "build.h"

#include <math.h>

#include "check.h"
#include "clock.h"
#include "goal.h"

static long
day(const char *s)
{
	long d = -1;

	clock_date_parse(s, &d);
	return d;
}

/* Monday to Friday except 8 and 25 December 2026. */
static int
spanish_december(long d, void *arg)
{
	(void)arg;
	return goal_weekday(d, NULL) && d != day("2026-12-08") && d != day("2026-12-25");
}

int
main(void)
{
	long first = day("2026-12-01"), last = day("2026-12-31");
	struct goal_progress p;
	char s[256];

	/* Monday 14 December: working days before it 1-4 and 7-11 = 9, 14
	 * left; 6,200 of 10,000 = 62 %; at this pace 6,200 x 23 / 9 =
	 * 15,844.44 = 158.44 % -> 158 %. */
	goal_progress(620000, 1000000, first, last, day("2026-12-14"), goal_weekday, NULL, &p);
	CHECK_INT(p.working, 23);
	CHECK_INT(p.elapsed, 9);
	CHECK_INT(p.remaining, 14);
	CHECK(p.has_pct && fabs(p.pct - 62) < 1e-9);
	CHECK(p.has_projection && fabs(p.projected - 620000.0 * 23 / 9) < 1e-6);
	goal_sentence(GOAL_REVENUE, &p, 12, "es", "EUR", s, sizeof(s));
	CHECK_STR(s, "Objetivo de diciembre: 62 % de 10.000 €, quedan 14 días laborables; "
	    "al ritmo actual, 158 %");
	goal_sentence(GOAL_REVENUE, &p, 12, "en", "EUR", s, sizeof(s));
	CHECK_STR(s, "December goal: 62% of €10,000, 14 working days left; at this pace, 158%");

	/* With 8 and 25 December off: 21 working days; on Wednesday 16, 10
	 * before it (1-4, 7, 9-11, 14, 15), 11 left; 2 of 3 new clients =
	 * 66.67 % -> 67 %; 2 x 21 / 10 = 4.2 -> 140 %. */
	goal_progress(2, 3, first, last, day("2026-12-16"), spanish_december, NULL, &p);
	CHECK_INT(p.working, 21);
	CHECK_INT(p.elapsed, 10);
	CHECK_INT(p.remaining, 11);
	goal_sentence(GOAL_NEW_CLIENTS, &p, 12, "es", "EUR", s, sizeof(s));
	CHECK_STR(s, "Objetivo de diciembre: 67 % de 3 clientes nuevos, quedan 11 días "
	    "laborables; al ritmo actual, 140 %");

	/* The first working day: nothing elapsed, no pace yet. */
	goal_progress(0, 20, first, last, first, goal_weekday, NULL, &p);
	CHECK_INT(p.remaining, 23);
	CHECK(!p.has_projection);
	goal_sentence(GOAL_VISITS, &p, 12, "es", "EUR", s, sizeof(s));
	CHECK_STR(s, "Objetivo de diciembre: 0 % de 20 visitas, quedan 23 días laborables");

	/* Thursday 31: one day left. */
	goal_progress(1, 8, first, last, last, goal_weekday, NULL, &p);
	CHECK_INT(p.remaining, 1);
	/* 1 of 8 = 12.5 % -> 13 % (half away from zero); 1 x 23 / 22 of 8 =
	 * 13.07 % -> 13 %. */
	goal_sentence(GOAL_CALLS, &p, 12, "es", "EUR", s, sizeof(s));
	CHECK_STR(s, "Objetivo de diciembre: 13 % de 8 llamadas, queda 1 día laborable; "
	    "al ritmo actual, 13 %");
	goal_sentence(GOAL_CALLS, &p, 12, "en", "EUR", s, sizeof(s));
	CHECK_STR(s, "December goal: 13% of 8 calls, 1 working day left; at this pace, 13%");

	/* The month is over: the pace is the result. */
	goal_progress(42, 40, first, last, day("2027-01-04"), goal_weekday, NULL, &p);
	CHECK_INT(p.elapsed, 23);
	CHECK_INT(p.remaining, 0);
	CHECK(p.has_projection && p.projected == 42);
	goal_sentence(GOAL_CALLS, &p, 12, "es", "EUR", s, sizeof(s));
	CHECK_STR(s, "Objetivo de diciembre: 105 % de 40 llamadas");

	/* Before the month: nothing elapsed. */
	goal_progress(0, 1, first, last, day("2026-11-30"), goal_weekday, NULL, &p);
	CHECK_INT(p.elapsed, 0);
	CHECK(!p.has_projection);
	goal_sentence(GOAL_NEW_CLIENTS, &p, 12, "en", "EUR", s, sizeof(s));
	CHECK_STR(s, "December goal: 0% of 1 new client, 23 working days left");

	/* No target: no percentage. */
	goal_progress(5, 0, first, last, day("2026-12-14"), goal_weekday, NULL, &p);
	CHECK(!p.has_pct);

	goal_money("es", 1000000, "EUR", s, sizeof(s));
	CHECK_STR(s, "10.000 €");
	goal_money("es", 123450, "EUR", s, sizeof(s));
	CHECK_STR(s, "1.234,50 €");
	goal_money("en", 1000000, "EUR", s, sizeof(s));
	CHECK_STR(s, "€10,000");
	CHECK_STR(goal_metric_name(GOAL_NEW_CLIENTS), "new_clients");
	return check_done("test_goal");
}
