/*
 * nls.h - the cartera command's messages in the user's language.
 *
 * gettext from the C library with the "cartera" catalogue: _("...") marks
 * and translates a message, N_("...") only marks it (translated where it
 * is used), C_(context, "...") translates a word that needs a context
 * ("call" the touch, not the verb).  English is the source language and
 * the fallback.  nls_init() reads LC_ALL / LC_MESSAGES / LANG / LANGUAGE
 * once at start; only LC_CTYPE and LC_MESSAGES are set from them, so
 * numbers printed with printf and json-c keep a '.' whatever the locale.
 */
#ifndef CARTERA_NLS_H
#define CARTERA_NLS_H

#include <libintl.h>

#define _(s)		gettext(s)
#define N_(s)		(s)
#define NC_(c, s)	(s)
/* gettext with a context: the catalogue's key is "context\004msgid". */
#define C_(c, s)	nls_pgettext(c "\004" s, s)

/*
 * Set the locale categories Cartera uses from the environment and bind the
 * catalogue: $CARTERA_LOCALEDIR when set (the tests' build tree), else the
 * installed LOCALEDIR.  A LANG (or LC_ALL, LC_MESSAGES) naming a locale
 * that is not installed still chooses the language of the messages.
 */
void	 nls_init(void);
/* "es" when the messages are Spanish, else "en": the language of the
 * catalogue in use, for dates, numbers and words printed beside them. */
const char *nls_lang(void);
/* gettext of key ("context\004msgid"), msgid when there is no translation. */
const char *nls_pgettext(const char *key, const char *msgid);

#endif
