/*
 * compose.c - the parts every outgoing message shares (see compose.h).
 *
 * It must not decide who gets mail or when: that is the scan's, the
 * follow-up rules' and the scheduler's.
 */
#include "build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "buf.h"
#include "compose.h"
#include "mime.h"

int
compose_sender(const struct config *cfg, char **name, char **addr, char *err, size_t errlen)
{
	return address_parse_mailbox(cfg->smtp.from, name, addr, err, errlen);
}

char *
compose_message_id(const char *from_addr)
{
	const char *at = from_addr != NULL ? strrchr(from_addr, '@') : NULL;
	char id[256];

	if (mime_message_id(at != NULL && at[1] != '\0' ? at + 1 : "cartera.invalid",
	    id, sizeof(id)) == -1)
		return NULL;
	return strdup(id);
}

void
compose_links(struct jsonb *jb, json_object *o, const char *email, const char *phone)
{
	struct buf b = BUF_INIT;

	if (email != NULL && *email != '\0' && address_mailto_uri(email, &b) == 0)
		jsonb_text(jb, o, "mailto_uri", b.data);
	else
		jsonb_text(jb, o, "mailto_uri", NULL);
	buf_reset(&b);
	if (phone != NULL && *phone != '\0' && address_tel_uri(phone, &b) == 0)
		jsonb_text(jb, o, "tel_uri", b.data);
	else
		jsonb_text(jb, o, "tel_uri", NULL);
	buf_free(&b);
}

char *
compose_first_name(const char *name, char *out, size_t len)
{
	size_t n = name != NULL ? strcspn(name, " ") : 0;

	snprintf(out, len, "%.*s", (int)n, name != NULL ? name : "");
	return out;
}
