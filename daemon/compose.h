/*
 * compose.h - what every message Cartera writes shares: the sender, a
 * Message-ID, the links and names its template data holds.
 *
 * Used by digest.c, followup.c and monthly.c, each of which builds its
 * own data and renders its own templates.  No store, no sending.
 */
#ifndef CARTERA_COMPOSE_H
#define CARTERA_COMPOSE_H

#include <stddef.h>

#include <json-c/json.h>

#include "config.h"
#include "jsonb.h"

/* The sender of Cartera's mail, from smtp.from.  Caller frees both. */
int	 compose_sender(const struct config *, char **name, char **addr, char *err,
	    size_t errlen);
/* A fresh Message-ID for mail from addr ("<...@domain>").  Caller frees;
 * NULL without memory or randomness. */
char	*compose_message_id(const char *from_addr);
/*
 * Add "mailto_uri" and "tel_uri" to o: the links templates put in an
 * href, percent-encoded (address.h), or null when email / phone is empty.
 */
void	 compose_links(struct jsonb *, json_object *o, const char *email, const char *phone);
/* The first word of a name ("Ana" of "Ana Ruiz") into out. */
char	*compose_first_name(const char *name, char *out, size_t len);

#endif
