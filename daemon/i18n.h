/*
 * i18n.h - the words and number formats of Cartera's two languages.
 *
 * Mustache templates are logic-less, so dates, money and the few phrases
 * built from numbers are formatted here, in Spanish ("es") or English
 * ("en").  Pure: no I/O, no locale(3) state.
 */
#ifndef CARTERA_I18N_H
#define CARTERA_I18N_H

#include <stddef.h>

/* "es" unless lang is "en". */
int	 i18n_is_en(const char *lang);
/* es: "1.234,56 €"   en: "€1,234.56"   (other currencies by code). */
char	*i18n_money(const char *lang, long long cents, const char *currency,
	    char *out, size_t len);
/* es: "1.234"        en: "1,234" */
char	*i18n_int(const char *lang, long long v, char *out, size_t len);
/* es: "23/11/2026"   en: "23 Nov 2026" */
char	*i18n_date(const char *lang, long day, char *out, size_t len);
/* es: "lunes, 23 de noviembre de 2026"   en: "Monday, 23 November 2026" */
char	*i18n_date_long(const char *lang, long day, char *out, size_t len);
/* es: "noviembre de 2026"   en: "November 2026"; month 1-12 */
char	*i18n_month(const char *lang, int year, int month, char *out, size_t len);
/* es: "noviembre", en: "November"; month 1-12 */
const char *i18n_month_name(const char *lang, int month);
/* es: "nov", en: "Nov"; month 1-12 */
const char *i18n_month_short(const char *lang, int month);
/* Touch and activity kinds: es "llamada", en "call". */
const char *i18n_kind(const char *lang, const char *kind);
/* Client status and kind words. */
const char *i18n_status(const char *lang, const char *status);

#endif
