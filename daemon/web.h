/*
 * web.h - the salesperson's page and the digest's action links: routes,
 * forms, what each page shows, and the writes they ask for.
 *
 *   GET  /me/TOKEN                  Today: what the digest says, live, with buttons
 *   GET  /me/TOKEN/search?q=...     clients by any part of name, city, contact
 *   GET  /me/TOKEN/c/ID             a client's card, with its forms
 *   GET  /me/TOKEN/a/ID             a planned activity: done, cancel, new date
 *   GET  /me/TOKEN/new              the form that adds a client
 *   POST /me/TOKEN/act              a button (call, visit, waiting, snooze3,
 *                                   snooze7, done, cancel, replan, paid)
 *   POST /me/TOKEN/c/ID/log|plan|snooze, /me/TOKEN/a/ID, /me/TOKEN/new
 *   GET  /act/SIGNED                a digest's action link: what it will do, one button
 *   POST /act/SIGNED                the button: the action, once
 *   GET  /static/cartera.HASH.css   the page's one stylesheet
 *
 * A GET never writes.  A POST carries a form token (sign.h) bound to the
 * salesperson, the form and the time; its write becomes a job that the
 * daemon's writer applies (writeq.h) in one transaction with its
 * idempotency record, through the same store functions as the CLI.  The
 * pages are Mustache templates (render.h, LANG/web/), escaped; client
 * data is only ever a value.  This module knows no sockets: httpd.c hands
 * it a request and sends what it answers.
 */
#ifndef CARTERA_WEB_H
#define CARTERA_WEB_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "sign.h"

struct store;
struct web;
struct web_job;

/* Largest form body and most fields a POST may carry (413 / 400 beyond). */
#define WEB_BODY_MAX	(64 * 1024)
#define WEB_FIELDS_MAX	64

enum web_method { WEB_GET, WEB_HEAD, WEB_POST, WEB_OTHER };

struct web_request {
	enum web_method	 method;
	const char	*path;		/* decoded, without the query */
	const char	*q;		/* ?q= (search), may be NULL */
	const char	*done;		/* ?done= (a write's key, for its banner) */
	const char	*body;		/* POST body, body_len bytes */
	size_t		 body_len;
	const char	*content_type;
	const char	*fetch_site;	/* Sec-Fetch-Site, may be NULL */
	time_t		 now;
};

struct web_response {
	unsigned	 status;
	const char	*type;		/* Content-Type (static text) */
	struct buf	 body;
	int		 immutable;	/* the stylesheet: cache for a year */
	char		 location[800];	/* a redirect's target, "" if none */
	int		 retry_after;	/* seconds, 0: none */
	int		 bad_secret;	/* an unknown page token or a forged link:
					 * counts against the client's address */
	struct web_job	*job;		/* a write to apply first (owned) */
};

/*
 * Start: the configuration at config_path (NULL: the default) with the
 * database db_override (may be NULL), its templates, and key (borrowed,
 * must outlive the web).  NULL with err.
 */
struct web	*web_new(const char *config_path, const char *db_override,
		    const struct sign_key *key, char *err, size_t errlen);
/* Read configuration and templates again (SIGHUP); the old are kept if
 * the new are invalid.  0 / -1 with err. */
int		 web_reload(struct web *, char *err, size_t errlen);
/* The portfolio may have changed: pages are read afresh. */
void		 web_changed(struct web *);
void		 web_free(struct web *);

/* 1 if path is one of the web's ("/me/", "/act/", "/static/"). */
int		 web_owns(const char *path);
/* Answer a request (rs is zeroed first; the caller frees rs->body and,
 * if set and not handed on, rs->job).  Never writes to the store. */
void		 web_handle(struct web *, const struct web_request *, struct web_response *);

/* The job's write, for writeq_job.apply: in the writer's transaction. */
int		 web_job_apply(struct store *, void *job, char *err, size_t errlen);
/*
 * The answer once the job is over: rc 0 applied, 1 refused (or already
 * done), -1 not applied yet (queued, or dropped), -2 the queue was full.
 */
void		 web_job_answer(struct web *, struct web_job *, int rc, struct web_response *);
void		 web_job_free(struct web_job *);

/*
 * A POST body (application/x-www-form-urlencoded) into fields: names and
 * values %-decoded and '+' as space, valid UTF-8 without control
 * characters (but tab, CR and LF in values).  0, or -1 with why: more
 * than WEB_FIELDS_MAX fields, a bad escape, bad UTF-8.  Pure; for fuzzing.
 */
struct web_form {
	size_t		 n;
	char		*name[WEB_FIELDS_MAX];
	char		*value[WEB_FIELDS_MAX];
};
int		 web_form_parse(const char *body, size_t len, struct web_form *f,
		    const char **why);
/* The first value of field name, or NULL. */
const char	*web_form_get(const struct web_form *, const char *name);
void		 web_form_free(struct web_form *);

#endif
