/*
 * fuzz_mailin.c - libFuzzer harness for what mail-in reads from a
 * server (daemon/mailmatch.c): IMAP response framing, header blocks
 * through GMime, address keys and the matching rules.
 *
 * The input is taken three ways: as a server's UID FETCH response (each
 * message found is interpreted and matched), as one header block, and as
 * SEARCH/STATUS/tagged responses.  The directory the rules look things
 * up in is fixed: salespeople ana@ex.es and bob@ex.es, contacts at
 * talleres.es (client 10) and hierros.es (client 12), follow-up
 * <f@cartera> (outbox 5, client 10).
 *
 * Properties: parsing never reads outside the input; a message's subject
 * is valid UTF-8 without control bytes and within MAILMATCH_SUBJECT_MAX;
 * its Message-ID is printable ASCII without spaces or angle brackets;
 * every address key is lower case, has one '@' and no subaddress; the
 * time chosen is the internal date unless Date was sane; a decision to
 * log names each client once; UID search results ascend strictly.
 */
#include "build.h"

#include <stdint.h>
#include <string.h>

#include "mailmatch.h"

#include "fuzz.h"

static int
owner_of(void *arg, const char *key, long long *owner)
{
	(void)arg;
	if (strcmp(key, "ana@ex.es") == 0)
		return *owner = 1, 1;
	if (strcmp(key, "bob@ex.es") == 0)
		return *owner = 2, 1;
	return 0;
}

static int
clients_of(void *arg, const char *key, int by_domain, struct mailmatch_result *r)
{
	const char *dom = by_domain ? key : mailmatch_domain(key);

	(void)arg;
	if (strcmp(dom, "talleres.es") == 0)
		return mailmatch_add_client(r, 10);
	if (strcmp(dom, "hierros.es") == 0)
		return mailmatch_add_client(r, 12);
	return 0;
}

static int
followup_of(void *arg, const char *id, long long *outbox, long long *client)
{
	(void)arg;
	if (strcmp(id, "f@cartera") == 0)
		return *outbox = 5, *client = 10, 1;
	return 0;
}

static void
check_msg(const struct mailmatch_msg *m, time_t internal, time_t now)
{
	size_t n = strlen(m->subject);

	FUZZ_CHECK(n <= MAILMATCH_SUBJECT_MAX);
	FUZZ_CHECK(utf8_scan(m->subject, n) == n);
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK((unsigned char)m->subject[i] >= 0x20 && m->subject[i] != 0x7f);
	FUZZ_CHECK(m->message_id != NULL && *m->message_id != '\0');
	for (const char *p = m->message_id; *p != '\0'; p++)
		FUZZ_CHECK(*p > ' ' && *p < 0x7f && *p != '<' && *p != '>');
	for (size_t i = 0; i < m->naddrs; i++) {
		const char *k = m->addrs[i].key, *at = strchr(k, '@');

		FUZZ_CHECK(at != NULL && at != k && strchr(at + 1, '@') == NULL);
		FUZZ_CHECK(memchr(k + 1, '+', (size_t)(at - k - 1)) == NULL);
		for (const char *p = k; *p != '\0'; p++)
			FUZZ_CHECK(!(*p >= 'A' && *p <= 'Z'));
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(m->addrs[j].key, k) != 0);
	}
	if (!m->date_from_header)
		FUZZ_CHECK(m->date == (internal != 0 ? internal : now));
	else
		FUZZ_CHECK(m->date <= (internal > now ? internal : now) + 86400);
}

static void
interpret(const char *hdr, size_t len, time_t internal)
{
	static char *freemail[] = { "gmail.com", "*.yahoo.com", NULL };
	struct mailmatch_rules rules = { freemail, 1, 0, owner_of, clients_of, followup_of, NULL };
	struct mailmatch_result r;
	struct mailmatch_msg m;
	time_t now = 1800000000;
	char err[256];

	if (mailmatch_parse_header(hdr, len, internal, now, &m, err, sizeof(err)) == -1)
		return;
	check_msg(&m, internal, now);
	rules.mailbox_owner = len % 3;
	if (mailmatch_classify(&m, &rules, &r, err, sizeof(err)) == 0) {
		for (size_t i = 0; i < r.nclients; i++)
			for (size_t j = 0; j < i; j++)
				FUZZ_CHECK(r.clients[i] != r.clients[j]);
		FUZZ_CHECK((r.what == MAILMATCH_LOG) == (r.nclients > 0));
		FUZZ_CHECK(r.what != MAILMATCH_AUTO || m.auto_reply != NULL);
		mailmatch_result_clear(&r);
	}
	mailmatch_msg_clear(&m);
}

static int
on_fetch(const struct mailmatch_fetched *f, void *arg)
{
	const char *base = arg;

	(void)base;
	if (f->header != NULL)
		interpret(f->header, f->header_len, f->internal);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	unsigned long *uids, uv, un;
	size_t n;
	char err[256], tag[128], *set;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	mailmatch_init();
	(void)mailmatch_parse_fetch(s, size, on_fetch, (void *)s, err, sizeof(err));
	interpret(s, size, (time_t)(size * 1000003));
	if (mailmatch_parse_search(s, size, &uids, &n) == 0) {
		for (size_t i = 1; i < n; i++)
			FUZZ_CHECK(uids[i - 1] < uids[i]);
		if ((set = mailmatch_uid_set(uids, n)) != NULL)
			free(set);
		free(uids);
	}
	mailmatch_parse_status(s, size, &uv, &un);
	mailmatch_last_tagged(s, size, tag, sizeof(tag));
	FUZZ_CHECK(strlen(tag) < sizeof(tag));
	return 0;
}
