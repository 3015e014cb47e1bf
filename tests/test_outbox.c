/*
 * test_outbox.c - the outbox's promises: a message is queued once per
 * idempotency key, whatever its state; due messages come earliest first;
 * a temporary failure waits an exponentially growing, capped and jittered
 * delay and is not due before it; past smtp.max_age the outbox gives up
 * and says after how many attempts; a failed message can be put back,
 * a pending or sent one cannot; a sent message is never due again; purge
 * keeps what is still pending; a message deleted meanwhile is no error.
 * A real store in a temporary directory; no SMTP (mailer.c's tests).
 */
#include "build.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "outbox.h"
#include "store.h"

static char err[1024];
static struct config cfg;

/* The delay before attempt n, its bounds, and that jitter spreads it. */
static void
test_backoff(void)
{
	cfg.smtp.retry_min = 60;
	cfg.smtp.retry_max = 3600;
	for (int attempt = 1; attempt <= 12; attempt++) {
		double base = 60.0 * (1 << (attempt - 1));
		time_t lo = 0, hi = 0;

		if (base > 3600)
			base = 3600;
		for (int i = 0; i < 200; i++) {
			time_t d = outbox_backoff(&cfg, attempt);

			if (i == 0 || d < lo)
				lo = d;
			if (i == 0 || d > hi)
				hi = d;
		}
		/* +-20 % around the doubling, capped at retry_max */
		CHECK_CTX(lo >= (time_t)(base * 0.8) - 1 && hi <= (time_t)(base * 1.2) + 1,
		    "backoff within 20 % of min * 2^(n-1), at most max");
		CHECK_CTX(hi > lo, "jitter spreads the retries");
	}
	/* Never zero, even with a one-second minimum. */
	cfg.smtp.retry_min = 1;
	cfg.smtp.retry_max = 1;
	for (int i = 0; i < 100; i++)
		CHECK(outbox_backoff(&cfg, 1) >= 1);
	cfg.smtp.retry_min = 60;
	cfg.smtp.retry_max = 3600;
}

static int
enqueue(struct store *st, const char *key, time_t now)
{
	static char kind[] = "digest", from[] = "cartera@example.com", to[] = "ana@example.com",
	    subject[] = "Hoy", mid[] = "<x@example.com>", body[] = "Buenos días";
	char k[64];
	struct outbox_msg m = { 0 };
	int created = -1;

	snprintf(k, sizeof(k), "%s", key);
	m.idem_key = k;
	m.kind = kind;
	m.from_addr = from;
	m.to_addr = to;
	m.subject = subject;
	m.message_id = mid;
	m.body_text = body;
	if (store_begin(st, err, sizeof(err)) == -1 ||
	    outbox_enqueue(st, &m, now, &created, err, sizeof(err)) == -1 ||
	    store_commit(st, err, sizeof(err)) == -1) {
		fprintf(stderr, "enqueue %s: %s\n", key, err);
		return -1;
	}
	return created;
}

/* The keys of the messages due at now, in order, space-separated. */
static const char *
due(struct store *st, time_t now)
{
	static char keys[256];
	struct outbox_msg *v = NULL;
	size_t n = 0;

	keys[0] = '\0';
	if (outbox_due(st, now, 10, 120, &v, &n, err, sizeof(err)) == -1)
		return "(error)";
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			strcat(keys, " ");
		strncat(keys, v[i].idem_key, 40);
		outbox_msg_clear(&v[i]);
	}
	free(v);
	return keys;
}

/* The id of the message with key. */
static long long
id_of(struct store *st, const char *key, time_t now)
{
	struct outbox_msg *v = NULL;
	size_t n = 0;
	long long id = 0;

	if (outbox_due(st, now, 10, 120, &v, &n, err, sizeof(err)) == -1)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].idem_key, key) == 0)
			id = v[i].id;
		outbox_msg_clear(&v[i]);
	}
	free(v);
	return id;
}

static void
counts(struct store *st, long long pending, long long sent, long long failed)
{
	struct outbox_counts c = { -1, -1, -1 };

	CHECK(outbox_count(st, &c, err, sizeof(err)) == 0);
	CHECK_INT(c.pending, pending);
	CHECK_INT(c.sent, sent);
	CHECK_INT(c.failed, failed);
}

static void
test_states(struct store *st)
{
	const time_t t0 = 1772784000;	/* 2026-03-06 08:00Z */
	long long a, b, n = -1;
	time_t next = -1, when = -1, at;
	int gave_up = -1, exists = -1, attempts = 0;

	/* Queued once per key. */
	CHECK_INT(enqueue(st, "digest:1:2026-03-06", t0), 1);
	CHECK_INT(enqueue(st, "digest:2:2026-03-06", t0 + 1), 1);
	CHECK_INT(enqueue(st, "digest:1:2026-03-06", t0 + 2), 0);
	CHECK(outbox_exists(st, "digest:1:2026-03-06", &exists, err, sizeof(err)) == 0 && exists);
	CHECK(outbox_exists(st, "digest:1:2026-03-07", &exists, err, sizeof(err)) == 0 && !exists);
	counts(st, 2, 0, 0);
	/* Due at once, oldest first; nothing is due before it was queued. */
	CHECK_STR(due(st, t0 - 1), "");
	CHECK_STR(due(st, t0 + 1), "digest:1:2026-03-06 digest:2:2026-03-06");
	CHECK(outbox_next(st, &when, err, sizeof(err)) == 0);
	CHECK_INT(when, t0);
	a = id_of(st, "digest:1:2026-03-06", t0 + 1);
	b = id_of(st, "digest:2:2026-03-06", t0 + 1);
	CHECK(a > 0 && b > 0);

	/* A temporary failure: not due until the backoff has passed. */
	CHECK(outbox_mark_retry(st, &cfg, a, t0 + 10, 421, "busy", &gave_up, &next, err,
	    sizeof(err)) == 0);
	CHECK_INT(gave_up, 0);
	CHECK(next >= t0 + 10 + 48 && next <= t0 + 10 + 72);	/* 60 s +-20 % */
	CHECK_STR(due(st, next - 1), "digest:2:2026-03-06");
	CHECK_STR(due(st, next), "digest:2:2026-03-06 digest:1:2026-03-06");	/* earliest due first */
	counts(st, 2, 0, 0);

	/* Sent: never due again, and its key still queues nothing. */
	CHECK(outbox_mark_sent(st, b, t0 + 20, 250, "ok", err, sizeof(err)) == 0);
	CHECK_STR(due(st, t0 + 86400), "digest:1:2026-03-06");
	CHECK_INT(enqueue(st, "digest:2:2026-03-06", t0 + 30), 0);
	counts(st, 1, 1, 0);
	CHECK(outbox_retry(st, b, t0 + 40, err, sizeof(err)) == -1);	/* not failed */
	CHECK(strstr(err, "only failed messages") != NULL);

	/* Retried until smtp.max_age, then failed for good. */
	cfg.smtp.max_age = 6 * 3600;
	at = next;
	attempts = 1;
	while (attempts < 50) {
		attempts++;
		CHECK(outbox_mark_retry(st, &cfg, a, at, 421, "still busy", &gave_up, &next, err,
		    sizeof(err)) == 0);
		if (gave_up)
			break;
		CHECK(next > at);
		at = next;
	}
	CHECK_INT(gave_up, 1);
	CHECK_INT(next, 0);
	CHECK(attempts > 3 && attempts < 50);	/* doubling from 60 s reaches 6 h */
	CHECK(at - t0 <= 6 * 3600);
	CHECK_STR(due(st, t0 + 30 * 86400), "");
	counts(st, 0, 1, 1);
	CHECK(outbox_next(st, &when, err, sizeof(err)) == 0);
	CHECK_INT(when, 0);

	/* Put back by hand: pending and due from that moment. */
	CHECK(outbox_retry(st, a, t0 + 86400, err, sizeof(err)) == 0);
	CHECK_STR(due(st, t0 + 86400), "digest:1:2026-03-06");
	counts(st, 1, 1, 0);
	CHECK(outbox_retry(st, a, t0 + 86400, err, sizeof(err)) == -1);	/* pending now */

	/* A permanent failure, at once. */
	CHECK(outbox_mark_failed(st, a, t0 + 86400 + 5, 550, "no such user", err,
	    sizeof(err)) == 0);
	counts(st, 0, 1, 1);

	/* Purge: sent and failed before the date go (the one put back
	 * counts from then); pending stays. */
	CHECK_INT(enqueue(st, "digest:1:2026-03-07", t0 + 86400), 1);
	CHECK(outbox_purge(st, t0 + 86400, &n, err, sizeof(err)) == 0);
	CHECK_INT(n, 1);
	counts(st, 1, 0, 1);
	CHECK(outbox_purge(st, t0 + 86401, &n, err, sizeof(err)) == 0);
	CHECK_INT(n, 1);
	counts(st, 1, 0, 0);

	/* A message deleted meanwhile: nothing recorded, no error. */
	CHECK(outbox_mark_retry(st, &cfg, a, t0 + 2 * 86400, 421, "busy", &gave_up, &next, err,
	    sizeof(err)) == 0);
	CHECK_INT(gave_up, 0);
	CHECK_INT(next, 0);
	counts(st, 1, 0, 0);
}

int
main(void)
{
	char dir[] = "/tmp/test_outbox.XXXXXX", path[256];
	struct store *st = NULL;

	if (mkdtemp(dir) == NULL || config_defaults(&cfg) == -1)
		return 99;
	test_backoff();
	snprintf(path, sizeof(path), "%s/c.db", dir);
	if (!CHECK(store_open(path, STORE_CREATE, &st, err, sizeof(err)) == 0)) {
		fprintf(stderr, "%s\n", err);
		return check_done("test_outbox");
	}
	test_states(st);
	store_close(st);
	unlink(path);
	for (const char *const *x = (const char *const[]){ "-wal", "-shm", NULL }; *x; x++) {
		char p2[300];

		snprintf(p2, sizeof(p2), "%s%s", path, *x);
		unlink(p2);
	}
	rmdir(dir);
	return check_done("test_outbox");
}
