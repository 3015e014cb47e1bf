/*
 * test_i18n.c - what a Spanish and an English reader see in a digest or
 * monthly email: money, whole numbers, short and long dates, months, and
 * the words for kinds and statuses; money and numbers read back the same
 * by the parser users type amounts into (record_parse_amount_in), and
 * nothing depends on the process locale.
 */
#include "build.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "clock.h"
#include "i18n.h"
#include "record.h"

static void
test_money(void)
{
	static const struct { long long cents; const char *cur, *es, *en; } m[] = {
		{ 123456, "EUR", "1.234,56 €", "€1,234.56" },
		{ 123456, NULL, "1.234,56 €", "€1,234.56" },
		{ 5, "EUR", "0,05 €", "€0.05" },
		{ 0, "EUR", "0,00 €", "€0.00" },
		{ -1050, "EUR", "-10,50 €", "-€10.50" },
		{ 123456789012LL, "EUR", "1.234.567.890,12 €", "€1,234,567,890.12" },
		{ 99900, "USD", "999,00 $", "$999.00" },
		{ 100000, "GBP", "1.000,00 £", "£1,000.00" },
		{ 100000, "CHF", "1.000,00 CHF", "CHF 1,000.00" },
	};
	char out[64];

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		CHECK_STR(i18n_money("es", m[i].cents, m[i].cur, out, sizeof(out)), m[i].es);
		CHECK_STR(i18n_money("en", m[i].cents, m[i].cur, out, sizeof(out)), m[i].en);
	}
	/* Any language but English is Spanish. */
	CHECK_STR(i18n_money(NULL, 123456, "EUR", out, sizeof(out)), "1.234,56 €");
	CHECK_STR(i18n_money("fr", 123456, "EUR", out, sizeof(out)), "1.234,56 €");
	/* A short buffer is cut, never overrun. */
	memset(out, 'x', sizeof(out));
	i18n_money("es", 123456789012LL, "EUR", out, 8);
	CHECK_INT(strlen(out), 7);

	/* What is written reads back as the same amount in that language. */
	for (long long c = -100000; c <= 10000000; c += 9973) {
		char es[64], en[64], *p;
		long long back = 0;

		i18n_money("es", c, "EUR", es, sizeof(es));
		if ((p = strstr(es, " €")) != NULL)
			*p = '\0';
		CHECK_CTX(record_parse_amount_in(es, ',', &back) == 0 && back == c, es);
		i18n_money("en", c, "USD", en, sizeof(en));
		p = strchr(en, '$');
		if (p != NULL)
			memmove(p, p + 1, strlen(p));
		CHECK_CTX(record_parse_amount_in(en, '.', &back) == 0 && back == c, en);
	}
}

static void
test_numbers(void)
{
	char out[32];

	/* Spanish leaves four-digit numbers ungrouped (RAE), English does not. */
	CHECK_STR(i18n_int("es", 1234, out, sizeof(out)), "1234");
	CHECK_STR(i18n_int("en", 1234, out, sizeof(out)), "1,234");
	CHECK_STR(i18n_int("es", 12345, out, sizeof(out)), "12.345");
	CHECK_STR(i18n_int("en", 12345, out, sizeof(out)), "12,345");
	CHECK_STR(i18n_int("es", -1234567, out, sizeof(out)), "-1.234.567");
	CHECK_STR(i18n_int("en", -999, out, sizeof(out)), "-999");
	CHECK_STR(i18n_int("es", 0, out, sizeof(out)), "0");
	CHECK_STR(i18n_int("en", 1000000, out, sizeof(out)), "1,000,000");
}

static void
test_dates(void)
{
	long day = clock_date_to_days(2026, 11, 23);	/* a Monday */
	char out[64];

	CHECK_STR(i18n_date("es", day, out, sizeof(out)), "23/11/2026");
	CHECK_STR(i18n_date("en", day, out, sizeof(out)), "23 Nov 2026");
	CHECK_STR(i18n_date("es", clock_date_to_days(2026, 3, 5), out, sizeof(out)), "05/03/2026");
	CHECK_STR(i18n_date("en", clock_date_to_days(2026, 3, 5), out, sizeof(out)), "5 Mar 2026");
	CHECK_STR(i18n_date_long("es", day, out, sizeof(out)), "lunes, 23 de noviembre de 2026");
	CHECK_STR(i18n_date_long("en", day, out, sizeof(out)), "Monday, 23 November 2026");
	CHECK_STR(i18n_date_long("es", day + 5, out, sizeof(out)), "sábado, 28 de noviembre de 2026");
	CHECK_STR(i18n_date_long("en", day - 1, out, sizeof(out)), "Sunday, 22 November 2026");
	CHECK_STR(i18n_month("es", 2026, 1, out, sizeof(out)), "enero de 2026");
	CHECK_STR(i18n_month("en", 2026, 12, out, sizeof(out)), "December 2026");
	CHECK_STR(i18n_month_name("es", 9), "septiembre");
	CHECK_STR(i18n_month_name("en", 5), "May");
	CHECK_STR(i18n_month_short("es", 1), "ene");
	CHECK_STR(i18n_month_short("es", 12), "dic");
	CHECK_STR(i18n_month_short("en", 12), "Dec");
	/* Out of range is January, never a read outside the table. */
	CHECK_STR(i18n_month_name("en", 13), "January");
	CHECK_STR(i18n_month_short("es", 0), "ene");
	/* A Spanish date a user reads back is the same day. */
	for (long d = clock_date_to_days(1999, 12, 25); d < clock_date_to_days(2031, 1, 10); d += 17) {
		long back = -1;

		i18n_date("es", d, out, sizeof(out));
		CHECK_CTX(record_parse_date(out, &back) == 0 && back == d, out);
	}
}

static void
test_words(void)
{
	CHECK_STR(i18n_kind("es", "call"), "llamada");
	CHECK_STR(i18n_kind("en", "call"), "call");
	CHECK_STR(i18n_kind("es", "meeting"), "reunión");
	CHECK_STR(i18n_kind("es", "task"), "tarea");
	CHECK_STR(i18n_kind("es", "teleport"), "teleport");	/* unknown: as it is */
	CHECK(i18n_kind("es", NULL) == NULL);
	CHECK_STR(i18n_status("es", "potential"), "potencial");
	CHECK_STR(i18n_status("es", "freelancer"), "autónomo");
	CHECK_STR(i18n_status("en", "lost"), "lost");
	/* Every touch kind has a Spanish word that reads back as that kind. */
	for (int i = 0; i < RECORD_TOUCH_KINDS; i++) {
		const char *k = record_touch_kinds[i], *es = i18n_kind("es", k);

		CHECK_CTX(strcmp(es, k) != 0, k);	/* translated */
		CHECK_CTX(record_touch_kind(es) != NULL && strcmp(record_touch_kind(es), k) == 0, es);
	}
}

int
main(void)
{
	/* The process locale does not change a thing: run under a
	 * comma-decimal one when the system has it. */
	if (setlocale(LC_ALL, "de_DE.UTF-8") == NULL)
		setlocale(LC_ALL, "C.UTF-8");
	test_money();
	test_numbers();
	test_dates();
	test_words();
	return check_done("test_i18n");
}
