/*
 * followup.h - opt-in follow-up emails to clients whose contact is overdue.
 *
 * Run after a salesperson's digest is queued, over the same scan: the
 * most overdue red clients (by cadence) that may be mailed get the
 * "followup" template in the salesperson's language, from their name
 * with a Reply-To to them and an unsubscribe link.  Queuing the message,
 * making the unsubscribe token and recording the email as a touch
 * ("waiting" for the client's answer) commit together.  Never mails a
 * client marked do-not-email, nor one who answered the last follow-up
 * (a reply mail-in linked to it) before a salesperson touched it again.
 */
#ifndef CARTERA_FOLLOWUP_H
#define CARTERA_FOLLOWUP_H

#include <stddef.h>
#include <time.h>

#include <json-c/json.h>

#include "config.h"
#include "render.h"
#include "scan.h"
#include "store.h"

/*
 * How an email greets its reader, in lang ("es", "en") and, in Spanish,
 * the register (usted 1, tú 0), from a person's name as typed (NULL: no
 * person).  A title is kept with the first surname ("Dr. Andrés Gil" ->
 * "Estimado Dr. Gil:", "Hola, Dr. Gil:", "Dear Dr. Gil,"); otherwise the
 * given name ("Buenos días, Andrés:", "Hola, Andrés:", "Hello Andrés,");
 * with nobody, a neutral "Buenos días:", "Hola:", "Hello,".  vocative is
 * what the subject calls them ("Dr. Gil", "Andrés", "" for nobody).
 */
struct followup_greeting {
	char	line[256];
	char	vocative[224];
};
void	 followup_greeting(const char *lang, int usted, const char *person,
	    struct followup_greeting *);
/*
 * The data the followup templates read: greeting, vocative, company (not
 * a private person), usted (form is client_emails.register), client
 * (name, contact), owner (name, email, phone, signature_lines),
 * unsubscribe_url, lang.  A private client without a contact is greeted
 * by its own name.  Caller owns; NULL out of memory.
 */
json_object *followup_data(const struct owner *o, const char *form, const char *kind,
	    const char *client_name, const char *contact, const char *unsubscribe_url);

/* Queue the follow-ups due for owner o; *queued gets how many. */
int	 followup_queue(struct store *, const struct config *, const struct render_set *,
	    const struct owner *o, const struct scan_result *r, time_t now, int *queued,
	    char *err, size_t errlen);

#endif
