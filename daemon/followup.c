/*
 * followup.c - decide and queue client follow-up emails.
 *
 * Decides only: the message goes through the outbox like any other.
 */
#include "build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "clock.h"
#include "compose.h"
#include "followup.h"
#include "i18n.h"
#include "log.h"
#include "outbox.h"
#include "record.h"
#include "store_mail.h"
#include "tz.h"

static int
segment_listed(const struct config *cfg, const char *segment)
{
	char **v = cfg->client_emails.segments;

	if (v == NULL || v[0] == NULL)
		return 1;	/* empty list: every segment */
	for (; segment != NULL && *v != NULL; v++)
		if (strcasecmp(*v, segment) == 0)
			return 1;
	return 0;
}

/* Why c may not be mailed now, or NULL if it may. */
static const char *
refusal(const struct config *cfg, const struct store_mailable *c, int answered, time_t now)
{
	if (c->do_not_email)
		return "do-not-email";
	if (c->email == NULL)
		return "no contact email";
	if (c->status == NULL || (strcmp(c->status, "active") != 0 &&
	    strcmp(c->status, "inactive") != 0))
		return "status";
	if (c->followup == 0 || (c->followup == -1 && !segment_listed(cfg, c->segment)))
		return "not opted in";
	if (c->last_followup != 0 &&
	    now - c->last_followup < (time_t)cfg->client_emails.min_interval_days * CLOCK_DAY)
		return "mailed recently";
	if (answered)
		return "answered the last follow-up";
	return NULL;
}

/* Titles written before a name, folded without their dot, as they are
 * written in an email; female ones make "Estimada". */
static const struct {
	const char	*key;
	const char	*shown;
	int		 female;
} titles[] = {
	{ "dr", "Dr.", 0 }, { "dra", "Dra.", 1 }, { "sr", "Sr.", 0 }, { "sra", "Sra.", 1 },
	{ "srta", "Srta.", 1 }, { "don", "Sr.", 0 }, { "d", "Sr.", 0 }, { "dona", "Sra.", 1 },
	{ "dna", "Sra.", 1 }, { "prof", "Prof.", 0 }, { "profa", "Profa.", 1 },
	{ "mr", "Mr", 0 }, { "mrs", "Mrs", 1 }, { "ms", "Ms", 1 }, { "miss", "Miss", 1 },
};

/* The i-th word of s (words split by spaces), malloc'd; NULL if none. */
static char *
word(const char *s, int i)
{
	const char *p = s;
	size_t n;

	for (;;) {
		while (*p == ' ')
			p++;
		n = strcspn(p, " ");
		if (n == 0)
			return NULL;
		if (i-- == 0)
			return strndup(p, n);
		p += n;
	}
}

void
followup_greeting(const char *lang, int usted, const char *person, struct followup_greeting *g)
{
	char *w0 = NULL, *w1 = NULL, *w2 = NULL, key[16];
	int t = -1, en = i18n_is_en(lang);
	const char *given = NULL, *surname = NULL;

	memset(g, 0, sizeof(*g));
	if (person != NULL && (w0 = word(person, 0)) != NULL) {
		size_t n;
		record_fold(w0, key, sizeof(key));
		n = strlen(key);
		if (n > 0 && key[n - 1] == '.')
			key[n - 1] = '\0';
		for (size_t i = 0; i < sizeof(titles) / sizeof(titles[0]); i++)
			if (strcmp(key, titles[i].key) == 0)
				t = (int)i;
		w1 = word(person, 1);
		w2 = word(person, 2);
		if (t >= 0) {
			/* "Dr. Andrés Gil Pérez": the first surname; "Dr. Gil": it. */
			surname = w2 != NULL ? w2 : w1;
			if (surname == NULL)
				t = -1;
		} else
			given = w0;
	}
	if (t >= 0) {
		snprintf(g->vocative, sizeof(g->vocative), "%s %s", titles[t].shown, surname);
		if (en)
			snprintf(g->line, sizeof(g->line), "Dear %s,", g->vocative);
		else if (usted)
			snprintf(g->line, sizeof(g->line), "%s %s:",
			    titles[t].female ? "Estimada" : "Estimado", g->vocative);
		else
			snprintf(g->line, sizeof(g->line), "Hola, %s:", g->vocative);
	} else if (given != NULL) {
		snprintf(g->vocative, sizeof(g->vocative), "%s", given);
		if (en)
			snprintf(g->line, sizeof(g->line), "Hello %s,", given);
		else
			snprintf(g->line, sizeof(g->line), "%s, %s:", usted ? "Buenos días" : "Hola",
			    given);
	} else
		snprintf(g->line, sizeof(g->line), "%s", en ? "Hello," : usted ? "Buenos días:" :
		    "Hola:");
	free(w0);
	free(w1);
	free(w2);
}

json_object *
followup_data(const struct owner *o, const char *form, const char *kind,
    const char *client_name, const char *contact, const char *unsubscribe_url)
{
	struct jsonb jb = JSONB_INIT;
	json_object *data = jsonb_object(&jb), *cj, *oj, *lines;
	struct followup_greeting g;
	int company = kind == NULL || strcmp(kind, "individual") != 0;
	int usted = form == NULL || strcmp(form, "usted") == 0;
	/* A private client is the person: without a contact, greet them. */
	const char *person = contact != NULL && *contact != '\0' ? contact :
	    company ? NULL : client_name;

	if (data == NULL)
		return NULL;
	followup_greeting(o->lang, usted, person, &g);
	jsonb_text(&jb, data, "greeting", g.line);
	jsonb_text(&jb, data, "vocative", g.vocative);
	jsonb_bool(&jb, data, "company", company);
	jsonb_bool(&jb, data, "usted", usted);
	cj = jsonb_object(&jb);
	jsonb_text(&jb, cj, "name", client_name);
	jsonb_text(&jb, cj, "contact", contact);
	jsonb_put(&jb, data, "client", cj);
	oj = jsonb_object(&jb);
	jsonb_text(&jb, oj, "name", o->name);
	jsonb_text(&jb, oj, "email", o->email);
	jsonb_text(&jb, oj, "phone", o->phone);
	compose_links(&jb, oj, o->email, o->phone);
	if (o->signature != NULL && *o->signature != '\0') {
		/* One line each, so that the HTML version breaks them too. */
		const char *p = o->signature;
		lines = jsonb_array(&jb);
		while (*p != '\0') {
			size_t n = strcspn(p, "\r\n");
			char *l = strndup(p, n);
			jsonb_append(&jb, lines, jsonb_new_str(&jb, l));
			free(l);
			p += n;
			p += strspn(p, "\r\n");
		}
		jsonb_put(&jb, oj, "signature_lines", lines);
	}
	jsonb_put(&jb, data, "owner", oj);
	jsonb_text(&jb, data, "unsubscribe_url", unsubscribe_url);
	jsonb_text(&jb, data, "lang", o->lang);
	if (jsonb_failed(&jb)) {
		json_object_put(data);
		return NULL;
	}
	return data;
}

/* Render, then queue with the token and the touch, in one transaction. */
static int
queue_one(struct store *st, const struct config *cfg, const struct render_set *t,
    const struct owner *o, long long cid, const struct store_mailable *c, long today, time_t now,
    const char *base, char *err, size_t errlen)
{
	struct outbox_msg m;
	json_object *data = NULL;
	char *token = NULL, url[700], key[96], day[16];
	struct touch tc = { 0 };
	int created = 0, rc = -1;

	memset(&m, 0, sizeof(m));
	if (store_begin(st, err, errlen) == -1)
		return -1;
	if (store_client_unsub_token(st, cid, &token, err, errlen) == -1)
		goto out;
	snprintf(url, sizeof(url), "%s/unsubscribe/%s", base, token);
	if ((data = followup_data(o, cfg->client_emails.form, c->kind, c->name, c->contact,
	    url)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (render_message(t, "followup", o->lang, data, &m.subject, &m.body_text,
	    &m.body_html, err, errlen) == -1)
		goto out;
	snprintf(key, sizeof(key), "followup:%lld:%s", cid, clock_date_format(today, day, sizeof(day)));
	m.idem_key = strdup(key);
	m.kind = strdup("followup");
	m.owner_id = o->id;
	m.client_id = cid;
	m.to_name = c->contact ? strdup(c->contact) : NULL;
	m.to_addr = strdup(c->email);
	m.reply_to = strdup(o->email);
	m.unsubscribe = strdup(url);
	if (m.idem_key == NULL || m.kind == NULL || m.to_addr == NULL ||
	    m.reply_to == NULL || m.unsubscribe == NULL ||
	    compose_sender(cfg, &m.from_name, &m.from_addr, err, errlen) == -1 ||
	    (m.message_id = compose_message_id(m.from_addr)) == NULL) {
		if (*err == '\0')
			snprintf(err, errlen, "out of memory");
		goto out;
	}
	/* The email goes out from the salesperson's name, at our address. */
	free(m.from_name);
	m.from_name = strdup(o->name);
	if (outbox_enqueue(st, &m, now, &created, err, errlen) == -1)
		goto out;
	tc.client = cid;
	tc.kind = "email";
	tc.at = now;
	tc.outcome = "waiting";
	tc.note = i18n_is_en(o->lang) ? "Automatic follow-up email (Cartera)" :
	    "Correo de seguimiento automático (Cartera)";
	tc.by_owner = o->id;
	if (created && store_touch_add(st, &tc, NULL, err, errlen) == -1)
		goto out;
	if (store_commit(st, err, errlen) == -1)
		goto out;
	if (created)
		log_info("follow-up to client %lld (%s) queued for %s", cid, c->email, o->email);
	rc = created;
out:
	if (rc == -1)
		store_rollback(st);
	json_object_put(data);
	free(token);
	outbox_msg_clear(&m);
	return rc;
}

/* qsort of the candidates (pointers into the red list): most overdue first. */
static int
cmp_candidate(const void *a, const void *b)
{
	return scan_client_cmp_due(*(const struct scan_client *const *)a,
	    *(const struct scan_client *const *)b);
}

int
followup_queue(struct store *st, const struct config *cfg, const struct render_set *t,
    const struct owner *o, const struct scan_result *r, time_t now, int *queued,
    char *err, size_t errlen)
{
	const struct scan_client **cand = NULL;
	char base[512];
	long long done;
	time_t midnight;
	size_t n = 0;
	int rc = -1;

	*queued = 0;
	*err = '\0';
	if (!cfg->client_emails.enabled)
		return 0;
	config_base_url(cfg, base, sizeof(base));
	if (base[0] == '\0') {
		snprintf(err, errlen, "client emails need an unsubscribe link: set http.base_url "
		    "or turn on the HTTP server");
		return -1;
	}
	if (tz_day_start(o->tz, r->today, &midnight) == -1 ||
	    store_outbox_count_since(st, o->id, "followup", midnight, &done, err, errlen) == -1)
		return -1;
	if (done >= cfg->client_emails.max_per_day || r->red.n == 0)
		return 0;
	/* The candidates, most overdue first.  The scan puts only the first
	 * digest.max_items of the red list in order (what the digest shows);
	 * the clients past them, whom the opt-in rules reach as well, come in
	 * no particular order. */
	if ((cand = calloc(r->red.n, sizeof(*cand))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < r->red.n; i++) {
		const struct scan_client *sc = &r->red.v[i];

		if (sc->reason == SCAN_CADENCE &&
		    r->today - sc->due_day >= cfg->client_emails.after_days)
			cand[n++] = sc;
	}
	if (n > 1)
		qsort(cand, n, sizeof(*cand), cmp_candidate);
	for (size_t i = 0; i < n && done < cfg->client_emails.max_per_day; i++) {
		const struct scan_client *sc = cand[i];
		struct store_mailable c;
		int answered = 0, one;

		if (store_client_mailable(st, sc->id, &c, err, errlen) == -1)
			goto out;
		/* An answer read by mail-in ends the cycle: the salesperson owes
		 * the reply, not Cartera another reminder. */
		if (store_mail_followup_answered(st, sc->id, &answered, err, errlen) == -1) {
			store_mailable_clear(&c);
			goto out;
		}
		if (refusal(cfg, &c, answered, now) != NULL) {
			store_mailable_clear(&c);
			continue;
		}
		one = queue_one(st, cfg, t, o, sc->id, &c, r->today, now, base, err, errlen);
		store_mailable_clear(&c);
		if (one == -1)
			goto out;
		*queued += one;
		done += one;
	}
	rc = 0;
out:
	free(cand);
	return rc;
}
