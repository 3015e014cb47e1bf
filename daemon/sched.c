/*
 * sched.c - the daemon's cycle: queue due digests, deliver the outbox.
 *
 * Decisions (what to queue) and their bookkeeping commit together; each
 * delivery result commits on its own, right after the server answered,
 * so a crash loses nothing and re-sends at most the message whose
 * acceptance was not yet recorded.  A result the store refuses (locked,
 * full) is held in memory and recorded before anything else is sent, and
 * a refused write is retried within a minute, not at the next wake-up.
 */
#include "build.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "action.h"
#include "clock.h"
#include "digest.h"
#include "followup.h"
#include "log.h"
#include "mailer.h"
#include "mime.h"
#include "monthly.h"
#include "outbox.h"
#include "report.h"
#include "scan.h"
#include "sched.h"
#include "tz.h"
#include "workdays.h"

/* The first retry after the store refused a write, and the longest gap,
 * in seconds ($CARTERA_STORE_RETRY_MIN and _MAX override them: tests). */
#define STORE_RETRY_MIN	5
#define STORE_RETRY_MAX	60
/* The lock of the daemon that plans ("cpln"), and how soon a daemon that
 * does not plan looks again at digests that are due. */
#define SCHED_PLAN_LOCK		0x63706c6eLL
#define SCHED_PLAN_RETRY	30

/* SIGTERM or SIGINT waiting (they are blocked; the loop reads them later). */
static int
stop_pending(volatile sig_atomic_t *stop)
{
	sigset_t p;

	if (!*stop && sigpending(&p) == 0 &&
	    (sigismember(&p, SIGTERM) == 1 || sigismember(&p, SIGINT) == 1))
		*stop = 1;
	return *stop;
}

int
sched_digest_due(const struct config *cfg, const struct owner *o, time_t now, long *day,
    time_t *as_of, time_t *next_slot, char *err, size_t errlen)
{
	const char *at = o->digest_at != NULL ? o->digest_at : cfg->digest.default_time;
	struct workdays w;
	long today, last = -1, created, d, *own = NULL;
	time_t slot;
	int min;

	if (tz_check(o->tz) == -1) {
		snprintf(err, errlen, "owner %s: unknown time zone \"%s\"", o->email, o->tz);
		return -1;
	}
	if (clock_hhmm_parse(at, &min) == -1) {
		snprintf(err, errlen, "owner %s: digest time \"%s\" is not HH:MM", o->email, at);
		return -1;
	}
	if (scan_workdays(cfg, o, &w, &own, err, errlen) == -1)
		return -1;
	tz_local_day(o->tz, now, &today, NULL);
	tz_local_day(o->tz, o->created_at, &created, NULL);
	if (o->last_digest_day != NULL && clock_date_parse(o->last_digest_day, &last) == -1)
		last = -1;
	tz_to_utc(o->tz, today, min, &slot);
	/*
	 * The latest working day whose digest time has come: today once its
	 * time has passed, else an earlier day, missed if the daemon was down
	 * then (it is that day's digest, as it was due then, not a second
	 * copy of the one the next slot brings).  Days off have no digest;
	 * the next working day's covers them.
	 */
	d = now >= slot ? today : today - 1;
	if (!workdays_is_on(&w, d))
		d = workdays_prev(&w, d);
	*day = d;
	if (d == today)
		*as_of = now;
	else {
		tz_to_utc(o->tz, d, min, as_of);
		if (*as_of > now)
			*as_of = now;
	}
	/* The next digest time: today's if it is to come, else the next
	 * working day's. */
	if (now < slot && workdays_is_on(&w, today))
		*next_slot = slot;
	else
		tz_to_utc(o->tz, workdays_next(&w, today), min, next_slot);
	free(own);
	/* Only the latest missed day, once, and never before the owner existed. */
	return *day > last && *day >= created;
}

static void
log_digest(const struct owner *o, long day, const struct scan_result *r, const char *what)
{
	char d[16];

	log_info("digest for %s of %s %s: %zu not closed, %zu red, %zu yellow, %zu green, "
	    "%zu inactive, %zu overdue invoices, %zu planned", o->email,
	    clock_date_format(day, d, sizeof(d)), what, r->nmissed, r->red.count,
	    r->yellow.count, r->green.count, r->inactive.count, r->invoices_count, r->nactivities);
}

/*
 * Render and queue one owner's digest for day from r, its scan as of
 * as_of (which took usec).  On failure *trouble is set when it was the
 * store that refused the write (worth retrying soon), left alone when the
 * data or templates are at fault.
 */
static int
queue_digest(struct sched *s, const struct owner *o, long day, time_t as_of,
    const struct scan_result *r, struct report_risk_memo *memo, long long usec, time_t now,
    int *trouble, char *err, size_t errlen)
{
	struct outbox_msg m;
	struct owner fresh = { 0 };
	struct action_links al, *links = NULL;
	char dtext[16], base[512];
	long last = -1;
	int created = 0, rc, nothing;

	METRIC_ADD(s->metrics, scans, 1);
	METRIC_SET(s->metrics, scan_usec_last, usec);
	nothing = r->red.count == 0 && r->yellow.count == 0 && r->green.count == 0 &&
	    r->inactive.count == 0 &&
	    r->invoices_count == 0 && r->nactivities == 0 && r->nmissed == 0;
	memset(&m, 0, sizeof(m));
	/* Action links under the public URL, valid web.link_days from the
	 * instant the digest describes. */
	config_base_url(s->cfg, base, sizeof(base));
	if (s->key != NULL && base[0] != '\0') {
		al.key = s->key;
		al.base = base;
		al.expires = as_of + (time_t)s->cfg->web.link_days * CLOCK_DAY;
		links = &al;
	}
	if ((!nothing || s->cfg->digest.send_empty) &&
	    digest_compose(s->st, s->tmpl, s->cfg, o, r, day, memo, links, &m, err, errlen) == -1) {
		return -1;
	}
	clock_date_format(day, dtext, sizeof(dtext));
	if (store_begin(s->st, err, errlen) == -1) {
		*trouble = 1;
		goto fail;
	}
	/* Decide again under the write lock: another process may have queued it. */
	rc = store_owner_get_id(s->st, o->id, &fresh, err, errlen);
	if (rc != 0) {
		if (rc == 1)
			snprintf(err, errlen, "owner %s vanished", o->email);
		else
			*trouble = 1;
		goto rollback;
	}
	if (fresh.last_digest_day != NULL)
		clock_date_parse(fresh.last_digest_day, &last);
	store_owner_clear(&fresh);
	if (day <= last) {
		store_rollback(s->st);
		outbox_msg_clear(&m);
		return 0;
	}
	if (m.idem_key != NULL && outbox_enqueue(s->st, &m, now, &created, err, errlen) == -1) {
		*trouble = 1;
		goto rollback;
	}
	if (store_owner_set_digest_day(s->st, o->id, dtext, err, errlen) == -1 ||
	    store_commit(s->st, err, errlen) == -1) {
		*trouble = 1;
		goto rollback;
	}
	if (m.idem_key == NULL)
		log_digest(o, day, r, "skipped (nothing due, digest.send_empty is off)");
	else if (created) {
		METRIC_ADD(s->metrics, digests_queued, 1);
		log_digest(o, day, r, "queued");
	} else
		log_digest(o, day, r, "was already queued");
	/* Client follow-ups (opt-in) ride on the same scan, once a day. */
	if (s->cfg->client_emails.enabled) {
		char e[1024];
		int queued;
		if (followup_queue(s->st, s->cfg, s->tmpl, o, r, as_of, &queued, e,
		    sizeof(e)) == -1)
			log_warnx("follow-ups for %s's clients not queued: %s", o->email, e);
		else if (queued > 0)
			log_info("%d follow-up emails queued for %s's clients", queued, o->email);
	}
	outbox_msg_clear(&m);
	return 0;
rollback:
	store_rollback(s->st);
fail:
	outbox_msg_clear(&m);
	return -1;
}

/*
 * Last month's summary for owner o (NULL: the team, for report.manager),
 * if local day `day` is one it may go out on and it is not queued yet.
 */
static int
queue_monthly(struct sched *s, const struct owner *o, long day, const char *lang,
    const char *tz, const char *to, time_t now, int *trouble, char *err, size_t errlen)
{
	struct outbox_msg m;
	char key[64];
	long mday;
	int exists, created = 0;

	if (!monthly_due(day, &mday))
		return 0;
	monthly_key(o, mday, key, sizeof(key));
	if (outbox_exists(s->st, key, &exists, err, errlen) == -1)
		return -1;
	if (exists)
		return 0;
	if (monthly_compose(s->st, s->cfg, s->tmpl, o, mday, lang, tz, to, now, &m, err,
	    errlen) == -1)
		return -1;
	if (store_begin(s->st, err, errlen) == -1 ||
	    outbox_enqueue(s->st, &m, now, &created, err, errlen) == -1 ||
	    store_commit(s->st, err, errlen) == -1) {
		*trouble = 1;
		store_rollback(s->st);
		outbox_msg_clear(&m);
		return -1;
	}
	if (created)
		log_info("monthly summary %s queued for %s", key, to);
	outbox_msg_clear(&m);
	return 0;
}

/* plan_digests' state across scan_each_owner's calls. */
struct plan {
	struct sched	*s;
	struct scan_each *e;
	time_t		 now, *next;
	int		*trouble;
	long		*day;		/* [i]: the local day of owner i's digest */
	time_t		*as_of;		/* [i]: and the instant it is made at */
	size_t		 n;
	int		 planner;	/* holds SCHED_PLAN_LOCK: queues */
	/* The owners whose digest is due (shallow: scan_each_owner owns the
	 * strings), and the risk lists' memo made for them at the first
	 * digest: a zone most owners share is read in one pass (a Monday). */
	struct owner	*due;
	size_t		 ndue;
	struct report_risk_memo *memo;
	int		 memo_made;
};

/* Whether owner i's digest is due (then scanned at its instant). */
static int
plan_pick(size_t i, const struct owner *o, time_t *at, void *arg)
{
	struct plan *p = arg;
	time_t slot, *nt;
	long *nv;
	char e[1024];
	int due;

	if ((nv = reallocarray(p->day, i + 1, sizeof(*nv))) == NULL)
		return -1;
	p->day = nv;
	if ((nt = reallocarray(p->as_of, i + 1, sizeof(*nt))) == NULL)
		return -1;
	p->as_of = nt;
	p->n = i + 1;
	/* One owner's bad data is logged and skipped; the others go on. */
	due = sched_digest_due(p->s->cfg, o, p->now, &p->day[i], at, &slot, e, sizeof(e));
	p->as_of[i] = *at;
	if (due == -1) {
		log_warnx("%s; skipped", e);
		p->day[i] = -1;		/* no monthly summary either */
		return 0;
	}
	if (!p->planner) {
		/* Another daemon plans: look again soon, scan nothing. */
		if (due)
			slot = p->now + SCHED_PLAN_RETRY;
		if (*p->next == 0 || slot < *p->next)
			*p->next = slot;
		return 0;
	}
	if (*p->next == 0 || slot < *p->next)
		*p->next = slot;
	if (due) {
		struct owner *nd = reallocarray(p->due, p->ndue + 1, sizeof(*nd));

		if (nd == NULL)
			return -1;
		p->due = nd;
		p->due[p->ndue++] = *o;
	}
	return due;
}

/* Owner i's scan: queue its digest.  Stops when the store refused. */
static int
plan_queue(size_t i, const struct owner *o, const struct scan_result *r, void *arg,
    char *err, size_t errlen)
{
	struct plan *p = arg;
	struct sched *s = p->s;

	if (!p->memo_made) {
		/* Every owner was picked before the first scan.  Without a memo
		 * (out of memory) each list reads its owner's clients. */
		p->memo_made = 1;
		if (p->ndue > 1)
			p->memo = report_risk_memo_new(p->due, p->ndue, p->n);
	}
	if (r == NULL) {
		METRIC_ADD(s->metrics, scan_errors, 1);
		log_warnx("digest for %s not queued: %s; will try again", o->email, err);
	} else if (queue_digest(s, o, p->day[i], p->as_of[i], r, p->memo, p->e->usec,
	    p->now, p->trouble, err, errlen) == -1)
		log_warnx("digest for %s not queued: %s; will try again", o->email, err);
	return *p->trouble || stop_pending(s->stop) ? 1 : 0;
}

/* After the digests: each owner's monthly summary, then the team's. */
static int
plan_monthly(const struct owner *v, size_t n, const struct scan_cache *k, void *arg,
    char *err, size_t errlen)
{
	struct plan *p = arg;
	struct sched *s = p->s;
	char e[1024];

	(void)k;
	(void)err;
	(void)errlen;
	if (!s->cfg->report.monthly || !p->planner)
		return 0;
	for (size_t i = 0; i < n && i < p->n && !*p->trouble && !stop_pending(s->stop); i++)
		if (p->day[i] >= 0 && queue_monthly(s, &v[i], p->day[i], v[i].lang, v[i].tz, v[i].email, p->now,
		    p->trouble, e, sizeof(e)) == -1)
			log_warnx("monthly summary for %s not queued: %s; will try again",
			    v[i].email, e);
	if (!*p->trouble && s->cfg->report.manager != NULL) {
		/* The team summary: the default zone and digest time. */
		const char *tz = s->cfg->digest.default_timezone;
		long day;
		int min, at;

		if (tz_local_day(tz, p->now, &day, &min) == 0 &&
		    clock_hhmm_parse(s->cfg->digest.default_time, &at) == 0 &&
		    queue_monthly(s, NULL, min >= at ? day : day - 1, s->cfg->digest.language, tz,
		    s->cfg->report.manager, p->now, p->trouble, e, sizeof(e)) == -1)
			log_warnx("team monthly summary not queued: %s; will try again", e);
	}
	return 0;
}

/*
 * Queue what is due for every owner.  *trouble is set when the store
 * refused a write; the owners after that one wait for the retry (each
 * attempt on a locked store costs its busy timeout).
 */
static int
plan_digests(struct sched *s, time_t now, time_t *next, int *trouble, char *err,
    size_t errlen)
{
	struct scan_each e;
	struct plan p = { .s = s, .e = &e, .now = now, .next = next, .trouble = trouble };
	int rc;

	/*
	 * Daemons sharing a database server plan one at a time: the others
	 * only deliver, and look again soon in case the planner died (its
	 * lock goes with its connection).  Each digest is queued once
	 * whoever plans (queue_digest decides again under the write lock).
	 */
	if (store_try_lock(s->st, SCHED_PLAN_LOCK, &p.planner, err, errlen) == -1)
		return -1;
	e = (struct scan_each){ .now = now, .detail = (size_t)s->cfg->digest.max_items,
	    .pick = plan_pick, .fn = plan_queue, .done = plan_monthly, .arg = &p };
	rc = scan_each_owner(s->st, s->cfg, &e, err, errlen);
	if (p.planner)
		store_unlock(s->st, SCHED_PLAN_LOCK);
	report_risk_memo_free(p.memo);
	free(p.due);
	free(p.day);
	free(p.as_of);
	return rc;
}

/* Record a delivery result in its own transaction. */
static int
record(struct sched *s, const struct sched_result *r, char *err, size_t errlen)
{
	const struct mailer_status *ms = &r->ms;
	int gave_up = 0, rc;
	time_t next = 0;

	if (store_begin(s->st, err, errlen) == -1)
		return -1;
	switch (ms->result) {
	case MAILER_SENT:
		rc = outbox_mark_sent(s->st, r->id, r->at, ms->code, ms->reply, err, errlen);
		break;
	case MAILER_PERMFAIL:
	case MAILER_UNSURE:
		/* Possibly delivered: never resent blindly (README "The
		 * duplicate window"); outbox retry sends it again. */
		rc = outbox_mark_failed(s->st, r->id, r->at, ms->code, ms->reply, err, errlen);
		break;
	default:
		rc = outbox_mark_retry(s->st, s->cfg, r->id, r->at, ms->code, ms->reply,
		    &gave_up, &next, err, errlen);
		break;
	}
	if (rc == -1 || store_commit(s->st, err, errlen) == -1) {
		store_rollback(s->st);
		return -1;
	}
	switch (ms->result) {
	case MAILER_SENT:
		log_info("message %lld (%s to %s) sent: %s", r->id, r->kind, r->to_addr,
		    ms->reply[0] ? ms->reply : "accepted");
		METRIC_ADD(s->metrics, mails_sent, 1);
		if (strcmp(r->kind, "digest") == 0)
			METRIC_ADD(s->metrics, digests_sent, 1);
		break;
	case MAILER_PERMFAIL:
		log_warnx("message %lld (%s to %s) failed for good: %s", r->id, r->kind,
		    r->to_addr, ms->reply);
		break;
	case MAILER_UNSURE:
		log_warnx("message %lld (%s to %s) %s; it is not sent again by itself: "
		    "if it did not arrive, \"cartera outbox retry %lld\" sends it",
		    r->id, r->kind, r->to_addr, ms->reply, r->id);
		break;
	default:
		if (gave_up)
			log_warnx("message %lld (%s to %s) failed: gave up after smtp.max_age: %s",
			    r->id, r->kind, r->to_addr, ms->reply);
		else if (next == 0)
			log_info("message %lld (%s to %s) deferred (%s), but it has been "
			    "deleted meanwhile", r->id, r->kind, r->to_addr, ms->reply);
		else
			log_info("message %lld (%s to %s) deferred: %s; next attempt in %ld s",
			    r->id, r->kind, r->to_addr, ms->reply, (long)(next - r->at));
		break;
	}
	return 0;
}

static void
result_clear(struct sched_result *r)
{
	free(r->kind);
	free(r->to_addr);
	memset(r, 0, sizeof(*r));
}

/*
 * Record the result the store refused last time.  0 when there is none
 * left, -1 (err filled) while the store still refuses it: then nothing
 * may be sent, since the outbox still shows that message as pending.
 */
static int
record_held(struct sched *s, char *err, size_t errlen)
{
	if (!s->unrecorded)
		return 0;
	if (record(s, &s->result, err, errlen) == -1)
		return -1;
	log_info("message %lld: the result held in memory is recorded now", s->result.id);
	result_clear(&s->result);
	s->unrecorded = 0;
	return 0;
}

static void
to_mail(const struct outbox_msg *m, struct mail *mail)
{
	memset(mail, 0, sizeof(*mail));
	mail->from_name = m->from_name;
	mail->from_addr = m->from_addr;
	mail->to_name = m->to_name;
	mail->to_addr = m->to_addr;
	mail->subject = m->subject;
	mail->message_id = m->message_id;
	mail->date = m->created_at;
	mail->text = m->body_text;
	mail->html = m->body_html;
	mail->list_unsubscribe = m->unsubscribe;
	mail->reply_to_addr = m->reply_to;
	mail->reply_to_name = m->reply_to != NULL ? m->from_name : NULL;
}

/* -1 when the store refused a result (it is held, err says why). */
static int
deliver(struct sched *s, time_t now, char *err, size_t errlen)
{
	struct outbox_msg *msgs;
	struct mailer *ml = NULL;
	char e2[1024];
	size_t n;
	int done = 0, rc = 0;
	time_t claimed;
	const time_t renew_every = s->cfg->smtp.lease / 4;

	if (record_held(s, err, errlen) == -1) {
		log_warnx("message %lld: result still not recorded: %s; nothing is sent "
		    "until it is", s->result.id, err);
		return -1;
	}
	if (now < s->smtp_retry_at)
		return 0;
	/* A daemon of this host that died (killed, crashed, restarted) left
	 * claims: they need not wait for their lease. */
	if (outbox_reclaim(s->st, e2, sizeof(e2)) == -1)
		log_warnx("claims of dead daemons not checked: %s", e2);
	while (!done && !stop_pending(s->stop)) {
		if (outbox_due(s->st, now, (size_t)s->cfg->smtp.batch, s->cfg->smtp.lease,
		    &msgs, &n, err, errlen) == -1)
			return -1;
		if (n == 0) {
			free(msgs);
			break;
		}
		claimed = clock_now();
		/* One connection per batch; it is closed (QUIT) after it. */
		if ((ml = mailer_new(s->cfg, err, errlen)) == NULL) {
			for (size_t i = 0; i < n; i++)
				outbox_msg_clear(&msgs[i]);
			free(msgs);
			return -1;
		}
		for (size_t i = 0; i < n; i++) {
			struct sched_result r;
			struct mail mail;
			struct mail_inline *inl = NULL;
			char e[1024];

			if (stop_pending(s->stop) || done) {
				outbox_msg_clear(&msgs[i]);
				continue;
			}
			memset(&r, 0, sizeof(r));
			r.id = msgs[i].id;
			r.kind = msgs[i].kind;
			r.to_addr = msgs[i].to_addr;
			to_mail(&msgs[i], &mail);
			if (msgs[i].attachments != NULL && mime_unpack_inline(msgs[i].attachments,
			    msgs[i].attachments_len, &inl, &mail.ninline) == -1) {
				/* A damaged row: no server could take it as it is. */
				r.ms.result = MAILER_PERMFAIL;
				snprintf(r.ms.reply, sizeof(r.ms.reply),
				    "stored attachments are damaged");
			} else {
				mail.inl = inl;
				mailer_send(ml, &mail, &r.ms);
			}
			free(inl);
			inl = NULL;
			r.at = clock_now();
			if (r.ms.result == MAILER_TEMPFAIL && r.ms.code >= 400)
				METRIC_ADD(s->metrics, smtp_temp_errors, 1);
			if (r.ms.result == MAILER_PERMFAIL)
				METRIC_ADD(s->metrics, smtp_perm_errors, 1);
			if (r.ms.server_down)
				METRIC_ADD(s->metrics, smtp_conn_errors, 1);
			if (record(s, &r, e, sizeof(e)) == -1) {
				/* Keep it: fetching again now would resend what was sent. */
				log_warnx("message %lld: result not recorded: %s; it is held and "
				    "nothing more is sent until it is recorded", r.id, e);
				snprintf(err, errlen, "%s", e);
				s->result = r;
				s->unrecorded = 1;
				/* The strings now belong to s->result. */
				msgs[i].kind = NULL;
				msgs[i].to_addr = NULL;
				rc = -1;
				done = 1;
			} else if (i + 1 < n && clock_now() - claimed >= renew_every) {
				/* Renewing rewrites every row of the batch still
				 * claimed: after each message that made a batch of
				 * n quadratic on PostgreSQL (21 messages/s for 2,000);
				 * a quarter of the lease keeps it far from running
				 * out. */
				claimed = clock_now();
				if (outbox_renew(s->st, claimed, s->cfg->smtp.lease, e,
				    sizeof(e)) == -1)
					log_warnx("the claim on the rest of the batch not renewed: %s", e);
			}
			if (r.ms.server_down) {
				/* The server, not the message: pause the whole queue. */
				s->smtp_failures++;
				s->smtp_retry_at = clock_now() + outbox_backoff(s->cfg,
				    s->smtp_failures);
				log_warnx("SMTP server %s unavailable (%s); delivery paused for "
				    "%ld s", s->cfg->smtp.url, r.ms.reply,
				    (long)(s->smtp_retry_at - clock_now()));
				done = 1;
			} else
				s->smtp_failures = 0;
			outbox_msg_clear(&msgs[i]);
		}
		free(msgs);
		/* Messages of the batch not tried (a pause, a stop) are
		 * another daemon's to take, or ours again, at once. */
		if (outbox_release(s->st, e2, sizeof(e2)) == -1)
			log_warnx("the claim on untried messages not released: %s", e2);
		{
			long sent, conns;
			mailer_stats(ml, &sent, &conns);
			METRIC_ADD(s->metrics, smtp_connections, conns);
		}
		mailer_free(ml);
		ml = NULL;
		if (n < (size_t)s->cfg->smtp.batch)
			break;
	}
	return rc;
}

int
sched_cycle(struct sched *s, time_t now, time_t *next, char *err, size_t errlen)
{
	struct outbox_counts oc;
	time_t retry = 0;
	char e[1024];
	int rc = 0, trouble = 0;

	*next = 0;
	METRIC_SET(s->metrics, cycle_at, (long long)now);
	if (plan_digests(s, now, next, &trouble, err, errlen) == -1) {
		METRIC_SET(s->metrics, store_ok, 0);
		return -1;
	}
	if (deliver(s, now, e, sizeof(e)) == -1) {
		snprintf(err, errlen, "%s", e);
		rc = -1;
	}
	if (outbox_next(s->st, &retry, e, sizeof(e)) == -1) {
		snprintf(err, errlen, "%s", e);
		rc = -1;
	}
	if (retry != 0) {
		if (retry < s->smtp_retry_at)
			retry = s->smtp_retry_at;
		if (*next == 0 || retry < *next)
			*next = retry;
	}
	if (trouble || s->unrecorded) {
		/* Neither at the next slot (the day's digest would wait for
		 * it) nor at once (a full disk fails at once, every time). */
		long max = clock_env_duration("CARTERA_STORE_RETRY_MAX", STORE_RETRY_MAX, CLOCK_DAY);
		long delay = clock_env_duration("CARTERA_STORE_RETRY_MIN", STORE_RETRY_MIN, max);

		for (int i = 0; i < s->store_failures && delay < max; i++)
			delay *= 2;
		if (delay > max)
			delay = max;
		if (delay < 1)
			delay = 1;
		s->store_failures++;
		*next = now + delay;
		snprintf(err, errlen, "the database refused a write; trying again in %ld s",
		    delay);
		rc = -1;
	} else
		s->store_failures = 0;
	if (outbox_count(s->st, &oc, e, sizeof(e)) == 0) {
		METRIC_SET(s->metrics, outbox_pending, oc.pending);
		METRIC_SET(s->metrics, outbox_failed, oc.failed);
	}
	METRIC_SET(s->metrics, store_ok, rc == 0);
	if (rc == 0)
		METRIC_SET(s->metrics, scan_ok_at, (long long)now);
	return rc;
}

void
sched_finish(struct sched *s)
{
	char err[1024];

	if (!s->unrecorded)
		return;
	if (record_held(s, err, sizeof(err)) == -1) {
		log_warnx("message %lld (%s to %s): the server's answer could not be "
		    "recorded (%s); %s", s->result.id, s->result.kind, s->result.to_addr, err,
		    s->result.ms.result == MAILER_SENT ? "it will be sent again at the next "
		    "start" : "it stays pending");
		result_clear(&s->result);
		s->unrecorded = 0;
	}
}
