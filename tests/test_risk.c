/*
 * test_risk.c - the churn risk score: each factor's points worked out by
 * hand from risk.h, the order of the reasons, the cap, and the reasons in
 * words.
 */
#include "build.h"

#include <math.h>

#include "check.h"
#include "clock.h"
#include "risk.h"

static long
day(const char *s)
{
	long d = -1;

	clock_date_parse(s, &d);
	return d;
}

static int
near(double a, double b)
{
	return fabs(a - b) < 1e-4;
}

static void
test_score(void)
{
	long d = day("2026-06-30");
	struct risk_input in = { 0 };
	struct risk_score r;
	char t[256];

	/*
	 * Five purchase days, every 20 days, the last 60 days ago: late =
	 * 45 x (1 - 20 / 60) = 30.
	 * Six purchase days in the year before the last 182 days, none in the
	 * last 91 and one in the last 182: drops 1 and 1 - (1 / 182) / (6 /
	 * 365) = 1 - 365 / 1092 = 0.665751; frequency = 15 x 0.8328755 =
	 * 12.49313.  Revenue 6000.00 then, 0 and 1000.00: the same drops,
	 * amount = 10 x 0.8328755 = 8.328755.
	 * NPS 3: 15 x 4 / 7 = 8.571429.  Two overdue invoices, 1200.00, the
	 * oldest 45 days past due: 5 + 10 x 45 / 90 = 10.  One missed contact: 3.
	 * Sum 72.39331 -> 72; reasons 30, 12.49, 10, 8.57, 8.33, 3.
	 */
	in.day = d;
	in.last_purchase = d - 60;
	in.purchase_days = 5;
	in.median_gap = 20;
	in.buys_short = 0;
	in.buys_long = 1;
	in.buys_before = 6;
	in.cents_short = 0;
	in.cents_long = 100000;
	in.cents_before = 600000;
	in.nps = 3;
	in.nps_day = day("2026-05-12");
	in.overdue = 2;
	in.overdue_cents = 120000;
	in.overdue_days = 45;
	in.missed = 1;
	risk_score(&in, 45, &r);
	CHECK(near(r.points[RISK_LATE], 30));
	CHECK(near(r.points[RISK_FREQUENCY], 12.49313));
	CHECK(near(r.points[RISK_AMOUNT], 8.328755));
	CHECK(near(r.points[RISK_NPS], 8.571429));
	CHECK(near(r.points[RISK_OVERDUE], 10));
	CHECK(near(r.points[RISK_MISSED], 3));
	CHECK_INT(r.score, 72);
	CHECK_INT(r.nreasons, 6);
	CHECK_INT(r.reasons[0].factor, RISK_LATE);
	CHECK_INT(r.reasons[1].factor, RISK_FREQUENCY);
	CHECK_INT(r.reasons[2].factor, RISK_OVERDUE);
	CHECK_INT(r.reasons[3].factor, RISK_NPS);
	CHECK_INT(r.reasons[4].factor, RISK_AMOUNT);
	CHECK_INT(r.reasons[5].factor, RISK_MISSED);
	risk_reason_text(RISK_LATE, &in, 45, "es", "EUR", t, sizeof(t));
	CHECK_STR(t, "sin comprar hace 60 días; suele hacerlo cada 20");
	risk_reason_text(RISK_LATE, &in, 45, "en", "EUR", t, sizeof(t));
	CHECK_STR(t, "no purchase for 60 days; usually every 20");
	risk_reason_text(RISK_FREQUENCY, &in, 45, "es", "EUR", t, sizeof(t));
	CHECK_STR(t, "compró 1 vez en 6 meses, 6 en el año anterior");
	risk_reason_text(RISK_FREQUENCY, &in, 45, "en", "EUR", t, sizeof(t));
	CHECK_STR(t, "bought on 1 day in 6 months, 6 in the year before");
	risk_reason_text(RISK_AMOUNT, &in, 45, "es", "EUR", t, sizeof(t));
	CHECK_STR(t, "1.000,00 € en 6 meses, 6.000,00 € en el año anterior");
	risk_reason_text(RISK_NPS, &in, 45, "es", "EUR", t, sizeof(t));
	CHECK_STR(t, "detractor: respondió 3 en la encuesta NPS del 12/05/2026");
	risk_reason_text(RISK_OVERDUE, &in, 45, "es", "EUR", t, sizeof(t));
	CHECK_STR(t, "2 facturas vencidas, 1.200,00 € (la más antigua, hace 45 días)");
	risk_reason_text(RISK_OVERDUE, &in, 45, "en", "EUR", t, sizeof(t));
	CHECK_STR(t, "2 overdue invoices, €1,200.00 (the oldest 45 days past due)");
	risk_reason_text(RISK_MISSED, &in, 45, "es", "EUR", t, sizeof(t));
	CHECK_STR(t, "1 contacto fallido (sin respuesta, o planificado y sin hacer)");

	/* One purchase 90 days ago, portfolio rhythm 45 days: 45 x (1 - 45 /
	 * 90) = 22.5, rounded half away from zero: 23. */
	in = (struct risk_input){ 0 };
	in.day = d;
	in.last_purchase = d - 90;
	in.purchase_days = 1;
	in.nps = -1;
	risk_score(&in, 45, &r);
	CHECK_INT(r.score, 23);
	CHECK_INT(r.nreasons, 1);
	risk_reason_text(RISK_LATE, &in, 45, "es", "EUR", t, sizeof(t));
	CHECK_STR(t, "una sola compra, hace 90 días (se suele comprar cada 45)");

	/* On its rhythm, a passive NPS, nothing overdue: 0, no reason. */
	in.last_purchase = d - 10;
	in.purchase_days = 3;
	in.median_gap = 20;
	in.nps = 7;
	risk_score(&in, 45, &r);
	CHECK_INT(r.score, 0);
	CHECK_INT(r.nreasons, 0);
	/* Bought on fewer than two days in the year before: no trend. */
	in.buys_before = 1;
	in.cents_before = 100000;
	risk_score(&in, 45, &r);
	CHECK_INT(r.score, 0);

	/* Everything at once: 44.955 + 15 + 10 + 15 + 15 + 10 > 100: 100. */
	in = (struct risk_input){ 0 };
	in.day = d;
	in.last_purchase = d - 1000;
	in.purchase_days = 12;
	in.median_gap = 1;
	in.buys_before = 10;
	in.cents_before = 100000;
	in.nps = 0;
	in.overdue = 1;
	in.overdue_cents = 100;
	in.overdue_days = 200;
	in.missed = 5;
	risk_score(&in, 45, &r);
	CHECK_INT(r.score, 100);
	CHECK(near(r.points[RISK_MISSED], 10));
	CHECK(near(r.points[RISK_OVERDUE], 15));
	/* Ties keep the order of the factors: frequency, nps, overdue (15 each). */
	CHECK_INT(r.reasons[0].factor, RISK_LATE);
	CHECK_INT(r.reasons[1].factor, RISK_FREQUENCY);
	CHECK_INT(r.reasons[2].factor, RISK_NPS);
	CHECK_INT(r.reasons[3].factor, RISK_OVERDUE);
	CHECK_STR(risk_factor_name(RISK_OVERDUE), "overdue");
}

int
main(void)
{
	test_score();
	return check_done("test_risk");
}
