/*
 * test_record.c - a client's fields as users type them, in Spanish or
 * English: CSV headers and flags to fields, each field checked and made
 * canonical, touch kinds and other words, dates in the user's format,
 * amounts of money with either decimal mark, and the folding and keys by
 * which names are searched and duplicates found.
 */
#include "build.h"

#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "record.h"

/* Headers, and each field's check and canonical form. */
static void
test_fields(void)
{
	char out[256], err[256];

	CHECK_INT(record_lookup("Código Postal"), RF_POSTAL_CODE);
	CHECK_INT(record_lookup("CP"), RF_POSTAL_CODE);
	CHECK_INT(record_lookup("postal_code"), RF_POSTAL_CODE);
	CHECK_INT(record_lookup("NIF/CIF"), RF_TAX_ID);
	CHECK_INT(record_lookup("Teléfono"), RF_PHONE);
	CHECK_INT(record_lookup("TELEFONO"), RF_PHONE);
	CHECK_INT(record_lookup("correo"), RF_EMAIL);
	CHECK_INT(record_lookup("País"), RF_COUNTRY);
	CHECK_INT(record_lookup("Dirección"), RF_ADDRESS);
	CHECK_INT(record_lookup("localidad"), RF_CITY);
	CHECK_INT(record_lookup("comercial"), RF_OWNER);
	CHECK_INT(record_lookup("favourite colour"), -1);

#define NORM(f, in) record_normalize(f, in, out, sizeof(out), err, sizeof(err))
	CHECK(NORM(RF_KIND, "Autónomo") == 0);
	CHECK_STR(out, "freelancer");
	CHECK(NORM(RF_STATUS, " PERDIDO ") == 0);
	CHECK_STR(out, "lost");
	CHECK(NORM(RF_STATUS, "dormant") == -1);
	CHECK(strstr(err, "active, potential") != NULL);
	CHECK(NORM(RF_EMAIL, "ana@example") == -1);
	CHECK(NORM(RF_EMAIL, "ana@example.com") == 0);
	CHECK(NORM(RF_EMAIL, "a b@example.com") == -1);
	CHECK(NORM(RF_NAME, "Evil\r\nBcc: x@y.z") == -1);
	CHECK(strstr(err, "line break") != NULL);
	CHECK(NORM(RF_NOTES, "line one\nline two") == 0);
	CHECK(NORM(RF_NAME, "<script>alert(1)</script>") == 0);
	CHECK_STR(out, "<script>alert(1)</script>");
	CHECK(NORM(RF_NAME, "   ") == -1);
	CHECK(NORM(RF_COUNTRY, "España") == 0);
	CHECK_STR(out, "ES");
	CHECK(NORM(RF_COUNTRY, "pt") == 0);
	CHECK_STR(out, "PT");
	CHECK(NORM(RF_TAX_ID, "b-1234.5678") == 0);
	CHECK_STR(out, "B12345678");
	CHECK(NORM(RF_NEXT_CONTACT, "31/12/2026") == 0);
	CHECK_STR(out, "2026-12-31");
	CHECK(NORM(RF_NEXT_CONTACT, "2026-02-30") == -1);
	CHECK(NORM(RF_CADENCE, "0") == -1);
	CHECK(NORM(RF_DO_NOT_EMAIL, "Sí") == 0);
	CHECK_STR(out, "1");
	CHECK(NORM(RF_PHONE, "+34 (91) 555-12.34") == 0);
	CHECK(NORM(RF_PHONE, "call me") == -1);
	CHECK(NORM(RF_NAME, "\xff\xfe") == -1);
	CHECK(strstr(err, "UTF-8") != NULL);
	/* Fields use the same validator as the CSV reader: an encoded
	 * surrogate or an overlong form is not UTF-8 either. */
	CHECK(NORM(RF_NAME, "Caf\xed\xa0\x80") == -1);
	CHECK(NORM(RF_NAME, "\xe0\x80\xaf") == -1);
	CHECK(NORM(RF_NAME, "Caf\xc3\xa9 \xf0\x9f\x98\x80") == 0);
	{
		char *big = malloc(RECORD_FIELD_MAX + 2);
		memset(big, 'x', RECORD_FIELD_MAX + 1);
		big[RECORD_FIELD_MAX + 1] = '\0';
		CHECK(NORM(RF_NAME, big) == -1);
		CHECK(strstr(err, "too long") != NULL);
		free(big);
	}
	CHECK_STR(record_touch_kind("Llamada"), "call");
	CHECK_STR(record_outcome("sin respuesta"), "no-answer");
	CHECK(record_touch_kind("dance") == NULL);
}

static void
test_words(void)
{
	CHECK(record_status_is_potential("potential"));
	CHECK(!record_status_is_potential("active"));
	CHECK(!record_status_is_potential("perdido"));
	CHECK(!record_status_is_potential(NULL));
	CHECK(record_is_kind("company") && !record_is_kind("empresa"));
	CHECK(record_is_touch("survey") && !record_is_touch("Llamada"));
	CHECK_STR(record_touch_kind("VISITA"), "visit");
	CHECK_STR(record_touch_kind("email"), "email");
	CHECK_STR(record_outcome("hecho"), "done");
	CHECK(record_outcome("maybe") == NULL);
	CHECK_STR(record_word(RW_ACTIVITY_STATUS, "hecha"), "done");
	CHECK_STR(record_word(RW_COST_KIND, "ventas"), "sales");
	CHECK_STR(record_word(RW_REPORT, "cobros"), "receivables");
	CHECK_STR(record_word(RW_REPORT, "resumen"), "summary");
	CHECK(record_word(RW_REPORT, "horoscope") == NULL);
	/* Every canonical touch kind is a touch, and reads as itself. */
	for (int i = 0; i < RECORD_TOUCH_KINDS; i++) {
		CHECK_CTX(record_is_touch(record_touch_kinds[i]), record_touch_kinds[i]);
		CHECK_STR(record_touch_kind(record_touch_kinds[i]), record_touch_kinds[i]);
	}
}

static void
test_dates(void)
{
	char err[256];
	long d = 0;

	/* The default: ISO, or day first with '/', '-' or '.'. */
	CHECK(record_parse_date("2026-12-31", &d) == 0);
	CHECK_INT(d, 20818);
	d = 0;
	CHECK(record_parse_date("31/12/2026", &d) == 0);
	CHECK_INT(d, 20818);
	d = 0;
	CHECK(record_parse_date("31-12-2026", &d) == 0);
	CHECK_INT(d, 20818);
	d = 0;
	CHECK(record_parse_date("31.12.2026", &d) == 0);
	CHECK_INT(d, 20818);
	CHECK(record_parse_date("2024-02-29", &d) == 0);
	CHECK_INT(d, 19782);
	CHECK(record_parse_date("1969-12-31", &d) == 0);
	CHECK_INT(d, -1);
	CHECK(record_parse_date("2026-02-29", &d) == -1);	/* not a leap year */
	CHECK(record_parse_date("1900-02-29", &d) == -1);
	CHECK(record_parse_date("2000-02-29", &d) == 0);
	CHECK(record_parse_date("12/31/2026", &d) == -1);	/* month 31 */
	CHECK(record_parse_date("31/12/26", &d) == -2);		/* two digits: not allowed */
	CHECK(record_parse_date("tomorrow", &d) == -1);
	CHECK(record_parse_date("", &d) == -1);
	CHECK(record_parse_date("2026-12-31x", &d) == -1);
	/* Month first, two-digit years. */
	CHECK(record_date_format("MM/DD/YYYY", err, sizeof(err)) == 0);
	CHECK(record_parse_date("12/31/2026", &d) == 0);
	CHECK_INT(d, 20818);
	CHECK(record_parse_date("31/12/2026", &d) == -1);
	CHECK(record_parse_date("2026-12-31", &d) == 0);	/* ISO always */
	CHECK(record_date_format("DD/MM/YY", err, sizeof(err)) == 0);
	d = 0;
	CHECK(record_parse_date("31/12/26", &d) == 0);
	CHECK_INT(d, 20818);
	CHECK(record_date_format("YYYY-MM-DD", err, sizeof(err)) == 0);
	CHECK(record_parse_date("31/12/2026", &d) == -1);
	CHECK(record_date_format("the day after", err, sizeof(err)) == -1);
	CHECK(err[0] != '\0');
	CHECK(record_date_format("DD/MM/YYYY", err, sizeof(err)) == 0);
}

static void
test_amounts(void)
{
	static const struct { const char *s; int rc; long long cents; } any[] = {
		{ "1234.56", 0, 123456 }, { "1234,56", 0, 123456 },
		{ "1.234,56", 0, 123456 }, { "1,234.56", 0, 123456 },
		{ "1.234.567,8", 0, 123456780 }, { "-12", 0, -1200 }, { "0,5", 0, 50 },
		{ "12", 0, 1200 }, { "1.234", -2, 0 }, { "1,234", -2, 0 },
		{ "", -1, 0 }, { "abc", -1, 0 }, { "12 euros", -1, 0 }, { "-", -1, 0 },
	};
	long long c;

	for (size_t i = 0; i < sizeof(any) / sizeof(any[0]); i++) {
		int rc;

		c = -999;
		rc = record_parse_amount(any[i].s, &c);
		CHECK_CTX(rc == any[i].rc, any[i].s);
		if (rc == 0 && any[i].rc == 0)
			CHECK_CTX(c == any[i].cents, any[i].s);
	}
	/* With the user's decimal mark known, "1.234" is no longer ambiguous. */
	CHECK(record_parse_amount_in("1.234", ',', &c) == 0);
	CHECK_INT(c, 123400);
	CHECK(record_parse_amount_in("1,234", '.', &c) == 0);
	CHECK_INT(c, 123400);
	CHECK(record_parse_amount_in("1,5", ',', &c) == 0);
	CHECK_INT(c, 150);
	CHECK(record_parse_amount_in("1.234", 0, &c) == -2);
}

static void
test_keys(void)
{
	char out[64], *k;

	record_fold("CLÍNICA Ñandú", out, sizeof(out));
	CHECK_STR(out, "clinica nandu");
	record_fold("Straße", out, sizeof(out));
	CHECK_STR(out, "strasse");
	/* Cut at a character boundary, never inside one. */
	record_fold("ñññ", out, 4);
	CHECK(strlen(out) < 4);
	k = record_search_key("  Clínica Dental,  S.L. ");
	CHECK_STR(k, "clinica dental sl");
	free(k);
	k = record_search_key("A CORUÑA");
	CHECK_STR(k, "a coruna");
	free(k);
	k = record_name_key("Talleres Pérez, S.L.");
	CHECK_STR(k, "talleresperez");
	free(k);
	k = record_name_key("S.L.");	/* only a legal form: kept */
	CHECK_STR(k, "sl");
	free(k);
}

int
main(void)
{
	test_fields();
	test_words();
	test_dates();
	test_amounts();
	test_keys();
	return check_done("test_record");
}
