/*
 * action.h - the one-click actions of the digest and the page: which
 * exist for what, what they are called in Spanish and English, and the
 * signed links and buttons that carry them.
 *
 *   a client due (red, yellow, green, going inactive):
 *	call "Hecho: llamada", visit "Hecho: visita",
 *	waiting "Esperando respuesta", snooze3 "Posponer 3 días",
 *	snooze7 "1 semana"
 *   a planned or missed activity:
 *	done "Hecha", cancel "No se hizo", replan "Cambiar fecha"
 *   an overdue invoice:
 *	paid "Cobrada"
 * and for each item "open": a page with all of its actions (the one link
 * of the digest's text part).
 *
 * action_links() adds the links to a digest's data (digest.h): signed
 * with sign.h, absolute under the public base URL, valid until an
 * expiry.  What an action does is web.c's (through the store); this
 * module only names and signs.  Pure: no I/O.
 */
#ifndef CARTERA_ACTION_H
#define CARTERA_ACTION_H

#include <stddef.h>
#include <time.h>

#include <json-c/json.h>

#include "jsonb.h"
#include "sign.h"
#include "store.h"

#define ACTION_CLIENT	'c'
#define ACTION_ACTIVITY	'a'
#define ACTION_INVOICE	'i'

struct action_def {
	const char	*code;		/* "call" */
	char		 kind;		/* ACTION_CLIENT ... */
	const char	*es, *en;	/* the button's words */
};

/* The action code on objects of kind, NULL if there is none ("open" is
 * the item's page, of every kind). */
const struct action_def *action_find(char kind, const char *code);
/* The button's words in lang ("es" unless "en"). */
const char *action_label(const struct action_def *, const char *lang);

/* How to make the links of one salesperson's digest. */
struct action_links {
	const struct sign_key	*key;
	const char		*base;		/* public URL prefix, no trailing '/' */
	time_t			 expires;	/* the links stop working then */
};

/*
 * To every item of digest data d (made by digest_data() for owner o):
 * "actions": [{"code", "label", "url"}...] with absolute signed URLs
 * BASE/act/..., and "open_url", the link to the item's page.  Missed and
 * agenda activities, clients of every section and overdue invoices get
 * theirs.  0, or -1 (out of memory, no page token) with err.
 */
int	 action_links(json_object *d, const struct owner *o, const struct action_links *,
	    char *err, size_t errlen);

/*
 * The same for the page (web.c): "actions": [{"code", "label"}] on every
 * item, and "obj_kind": "c", "a" or "i", for buttons that post to the page.
 * Allocations are checked with jb: the caller asks jsonb_failed().
 */
void	 action_buttons(struct jsonb *jb, json_object *d, const char *lang);

/* The actions of kind, in order, for lang: [{"code", "label"}] (NULL, with
 * jb failed, without memory). */
json_object *action_list(struct jsonb *jb, char kind, const char *lang);

#endif
