/*
 * render.h - the mail templates on disk: loaded, checked, rendered.
 *
 * For every kind of mail (digest, followup, monthly) and language (es,
 * en) there are three Mustache files: KIND.subject, KIND.txt and
 * KIND.html, plus any partials they include, in LANG/ under the override
 * directory (config "templates") or the shipped one.  A file in the
 * override directory replaces the shipped file of the same name.
 * Everything is read and checked at load (start, --check-config,
 * SIGHUP): each template is rendered on empty data and once more with
 * every section and inverted section taken, so a missing or broken
 * template -- a partial that includes itself inside a list included --
 * is an error naming the file at start or reload, never a blank or
 * failed email.
 */
#ifndef CARTERA_RENDER_H
#define CARTERA_RENDER_H

#include <stddef.h>

#include <json-c/json.h>

struct render_set;

/* override may be NULL or missing; shipped is the installed set. */
int	 render_load(const char *override, const char *shipped, struct render_set **out,
	    char *err, size_t errlen);
void	 render_free(struct render_set *);

/* Render kind in lang with data.  *subject is one line; *html may be
 * NULL if html is NULL.  Caller frees the strings. */
int	 render_message(const struct render_set *, const char *kind, const char *lang,
	    json_object *data, char **subject, char **text, char **html,
	    char *err, size_t errlen);

/*
 * The salesperson's page: LANG/web/NAME.html (today, search, client, new,
 * activity, confirm, result, error, and partials beside them), rendered
 * HTML-escaped into *html (caller frees).  Checked at load like the mails.
 */
int	 render_page(const struct render_set *, const char *name, const char *lang,
	    json_object *data, char **html, char *err, size_t errlen);
/* The page's stylesheet, static/cartera.css (override first), or NULL. */
const char *render_css(const struct render_set *, size_t *len);

/* The shipped template directory (PKGDATADIR/templates). */
const char *render_shipped_dir(void);

#endif
