/*
 * test_report.c - the report's rounding and the way a value reads in a
 * table: half away from zero, once, from the exact value; signed growth
 * and NPS; n/a.
 */
#include "build.h"

#include <json-c/json.h>

#include "check.h"
#include "report.h"

static char buf[128];

/* report_human of a JSON text value under key. */
static const char *
human(const char *key, const char *json, const char *lang)
{
	json_object *v = json != NULL ? json_tokener_parse(json) : NULL;

	report_human(key, v, lang, "EUR", buf, sizeof(buf));
	json_object_put(v);
	return buf;
}

static void
test_round(void)
{
	/* 2800 / 3400 = 0.8235294...: 82.35 with two decimals, 82.4 with one
	 * (the defect: it read "82,3 %"). */
	CHECK(report_round(2800.0 / 3400 * 100, 2) == 82.35);
	CHECK(report_round(2800.0 / 3400 * 100, 1) == 82.4);
	/* Ties go away from zero, whatever their binary form. */
	CHECK(report_round(82.35, 1) == 82.4);
	CHECK(report_round(1.005, 2) == 1.01);
	CHECK(report_round(0.125, 2) == 0.13);
	CHECK(report_round(2.5, 0) == 3);
	CHECK(report_round(-2.5, 0) == -3);
	CHECK(report_round(-82.35, 1) == -82.4);
	CHECK(report_round(-0.004, 2) == 0);
	CHECK(report_round(12.5 / 100 * 100, 0) == 13);
	/* Not ties: the nearest. */
	CHECK(report_round(82.349, 1) == 82.3);
	CHECK(report_round(16.666666, 2) == 16.67);
	CHECK(report_round(109828.444444, 2) == 109828.44);
}

static void
test_human(void)
{
	json_object *o;

	/* A percentage rounds the exact value once: 82.35294 -> 82.4. */
	o = json_object_new_double_s(2800.0 / 3400 * 100, "82.35");
	report_human("churn_pct", o, "es", "EUR", buf, sizeof(buf));
	CHECK_STR(buf, "82,4 %");
	report_human("churn_pct", o, "en", "EUR", buf, sizeof(buf));
	CHECK_STR(buf, "82.4%");
	json_object_put(o);
	CHECK_STR(human("retention_pct", "75.0", "es"), "75,0 %");
	/* Growth carries its sign; zero none. */
	CHECK_STR(human("growth_vs_previous_pct", "364.06", "es"), "+364,1 %");
	CHECK_STR(human("growth_vs_last_year_pct", "-100.0", "es"), "-100,0 %");
	CHECK_STR(human("growth_vs_last_year_pct", "0.0", "en"), "0.0%");
	CHECK_STR(human("growth_vs_last_year_pct", "12.25", "en"), "+12.3%");
	/* NPS is a score, not a percentage. */
	CHECK_STR(human("nps", "25", "es"), "+25");
	CHECK_STR(human("nps", "-10", "en"), "-10");
	CHECK_STR(human("nps", "0", "es"), "0");
	/* Money rounds half away from zero to the cent. */
	CHECK_STR(human("average_order_cents", "109828.5", "es"), "1.098,29 €");
	CHECK_STR(human("average_order_cents", "109828.44", "en"), "€1,098.28");
	CHECK_STR(human("churn_pct", NULL, "es"), "n/d");
	CHECK_STR(human("churn_pct", NULL, "en"), "n/a");
	CHECK_STR(human("clients_at_start", "1234", "en"), "1,234");
}

int
main(void)
{
	test_round();
	test_human();
	return check_done("test_report");
}
