/*
 * nls.c - binding the cartera catalogue and finding the language of the
 * messages.  Only the cartera command calls nls_init(); the daemon logs in
 * English and mails in each salesperson's language (i18n.c, templates).
 */
#include "build.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "nls.h"

#ifndef LOCALEDIR
#define LOCALEDIR "/usr/local/share/locale"
#endif

/* The first of LC_ALL, LC_MESSAGES, LANG that is set and not empty. */
static const char *
messages_env(void)
{
	static const char *const vars[] = { "LC_ALL", "LC_MESSAGES", "LANG" };
	const char *v;

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		if ((v = getenv(vars[i])) != NULL && *v != '\0')
			return v;
	return NULL;
}

void
nls_init(void)
{
	const char *dir = getenv("CARTERA_LOCALEDIR"), *v;
	char lang[64];

	setlocale(LC_CTYPE, "");
	if (setlocale(LC_MESSAGES, "") == NULL && (v = messages_env()) != NULL &&
	    strcmp(v, "C") != 0 && strcmp(v, "POSIX") != 0 &&
	    (getenv("LANGUAGE") == NULL || *getenv("LANGUAGE") == '\0')) {
		/*
		 * LANG=es_ES.UTF-8 on a machine where that locale was never
		 * generated: the C library refuses it, but the user asked for
		 * Spanish.  gettext also reads LANGUAGE ("es_ES") when the
		 * message locale is not plain C, and C.UTF-8 is always there.
		 */
		size_t n = strcspn(v, ".@");
		if (n < sizeof(lang)) {
			memcpy(lang, v, n);
			lang[n] = '\0';
			if (setlocale(LC_MESSAGES, "C.UTF-8") != NULL)
				setenv("LANGUAGE", lang, 1);
		}
	}
	bindtextdomain(PACKAGE, dir != NULL && *dir != '\0' ? dir : LOCALEDIR);
	/* Cartera's output is UTF-8 whatever LC_CTYPE says (names, notes). */
	bind_textdomain_codeset(PACKAGE, "UTF-8");
	textdomain(PACKAGE);
}

const char *
nls_lang(void)
{
	/* TRANSLATORS: the ISO 639-1 code of the language of this catalogue
	 * ("es" in es.po); it chooses how dates and numbers are written. */
	const char *l = C_("language code", "en");

	return strcmp(l, "es") == 0 ? "es" : "en";
}

const char *
nls_pgettext(const char *key, const char *msgid)
{
	const char *t = dgettext(PACKAGE, key);

	return t == key ? msgid : t;
}
