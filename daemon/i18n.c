/*
 * i18n.c - Spanish and English formats for dates, money and kinds.
 * Pure string work; independent of the process locale.
 */
#include "build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "i18n.h"

static const char *const months_es[] = { "enero", "febrero", "marzo", "abril", "mayo",
	"junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre" };
static const char *const months_en[] = { "January", "February", "March", "April", "May",
	"June", "July", "August", "September", "October", "November", "December" };
static const char *const days_es[] = { "lunes", "martes", "miércoles", "jueves",
	"viernes", "sábado", "domingo" };
static const char *const days_en[] = { "Monday", "Tuesday", "Wednesday", "Thursday",
	"Friday", "Saturday", "Sunday" };

int
i18n_is_en(const char *lang)
{
	return lang != NULL && strcmp(lang, "en") == 0;
}

/* Digits of v grouped by sep every three. */
static void
group(unsigned long long v, char sep, char *out, size_t len)
{
	char digits[32], tmp[48];
	int n = snprintf(digits, sizeof(digits), "%llu", v), k = 0;

	for (int i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			tmp[k++] = sep;
		tmp[k++] = digits[i];
	}
	tmp[k] = '\0';
	snprintf(out, len, "%s", tmp);
}

char *
i18n_int(const char *lang, long long v, char *out, size_t len)
{
	char g[48];

	/* Spanish writes four-digit numbers without a separator (RAE). */
	if (!i18n_is_en(lang) && v > -10000 && v < 10000)
		snprintf(g, sizeof(g), "%llu", (unsigned long long)llabs(v));
	else
		group((unsigned long long)llabs(v), i18n_is_en(lang) ? ',' : '.', g, sizeof(g));
	snprintf(out, len, "%s%s", v < 0 ? "-" : "", g);
	return out;
}

static const char *
symbol(const char *cur)
{
	if (cur == NULL || strcmp(cur, "EUR") == 0)
		return "€";
	if (strcmp(cur, "USD") == 0)
		return "$";
	if (strcmp(cur, "GBP") == 0)
		return "£";
	return NULL;
}

char *
i18n_money(const char *lang, long long cents, const char *currency, char *out, size_t len)
{
	unsigned long long a = (unsigned long long)llabs(cents);
	const char *sym = symbol(currency), *neg = cents < 0 ? "-" : "";
	char g[48];

	group(a / 100, i18n_is_en(lang) ? ',' : '.', g, sizeof(g));
	if (i18n_is_en(lang)) {
		if (sym != NULL)
			snprintf(out, len, "%s%s%s.%02llu", neg, sym, g, a % 100);
		else
			snprintf(out, len, "%s%s %s.%02llu", neg, currency, g, a % 100);
	} else
		snprintf(out, len, "%s%s,%02llu %s", neg, g, a % 100, sym ? sym : currency);
	return out;
}

char *
i18n_date(const char *lang, long day, char *out, size_t len)
{
	int y, m, d;

	clock_days_to_date(day, &y, &m, &d);
	if (i18n_is_en(lang))
		snprintf(out, len, "%d %.3s %d", d, months_en[m - 1], y);
	else if (len >= 11 && y >= 1000 && y <= 9999) {
		/* dd/mm/yyyy by hand: a digest writes thousands of them. */
		out[0] = (char)('0' + d / 10);
		out[1] = (char)('0' + d % 10);
		out[2] = '/';
		out[3] = (char)('0' + m / 10);
		out[4] = (char)('0' + m % 10);
		out[5] = '/';
		out[6] = (char)('0' + y / 1000);
		out[7] = (char)('0' + y / 100 % 10);
		out[8] = (char)('0' + y / 10 % 10);
		out[9] = (char)('0' + y % 10);
		out[10] = '\0';
	} else
		snprintf(out, len, "%02d/%02d/%d", d, m, y);
	return out;
}

char *
i18n_date_long(const char *lang, long day, char *out, size_t len)
{
	int y, m, d, w = clock_weekday(day);

	clock_days_to_date(day, &y, &m, &d);
	if (i18n_is_en(lang))
		snprintf(out, len, "%s, %d %s %d", days_en[w], d, months_en[m - 1], y);
	else
		snprintf(out, len, "%s, %d de %s de %d", days_es[w], d, months_es[m - 1], y);
	return out;
}

char *
i18n_month(const char *lang, int year, int month, char *out, size_t len)
{
	if (month < 1 || month > 12)
		month = 1;
	if (i18n_is_en(lang))
		snprintf(out, len, "%s %d", months_en[month - 1], year);
	else
		snprintf(out, len, "%s de %d", months_es[month - 1], year);
	return out;
}

const char *
i18n_month_name(const char *lang, int month)
{
	if (month < 1 || month > 12)
		month = 1;
	return i18n_is_en(lang) ? months_en[month - 1] : months_es[month - 1];
}

const char *
i18n_month_short(const char *lang, int month)
{
	static const char *const es[] = { "ene", "feb", "mar", "abr", "may", "jun", "jul",
		"ago", "sep", "oct", "nov", "dic" };

	if (month < 1 || month > 12)
		month = 1;
	return i18n_is_en(lang) ? clock_month_abbr(month) : es[month - 1];
}

const char *
i18n_kind(const char *lang, const char *kind)
{
	static const char *const map[][3] = {
		{ "call", "llamada", "call" }, { "visit", "visita", "visit" },
		{ "email", "correo", "email" }, { "meeting", "reunión", "meeting" },
		{ "note", "nota", "note" }, { "sample", "muestra", "sample" },
		{ "survey", "encuesta", "survey" }, { "task", "tarea", "task" },
	};

	if (kind == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i][0], kind) == 0)
			return map[i][i18n_is_en(lang) ? 2 : 1];
	return kind;
}

const char *
i18n_status(const char *lang, const char *status)
{
	static const char *const map[][3] = {
		{ "active", "activo", "active" }, { "potential", "potencial", "potential" },
		{ "inactive", "inactivo", "inactive" }, { "lost", "perdido", "lost" },
		{ "company", "empresa", "company" }, { "freelancer", "autónomo", "freelancer" },
		{ "individual", "particular", "individual" },
	};

	if (status == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i][0], status) == 0)
			return map[i][i18n_is_en(lang) ? 2 : 1];
	return status;
}
