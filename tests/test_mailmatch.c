/*
 * test_mailmatch.c - unit tests of daemon/mailmatch.c: IMAP responses as
 * Dovecot sends them, header blocks as mail clients write them (and as
 * they should not), and the matching rules with a small fixed directory
 * of salespeople and client contacts.
 */
#include "build.h"

#include <stdlib.h>
#include <string.h>

#include "mailmatch.h"

#include "check.h"

/* ---- IMAP responses ------------------------------------------------- */

struct seen {
	int		 n;
	unsigned long	 uid[4];
	time_t		 internal[4];
	long long	 size[4];
	char		 hdr[4][256];
};

static int
on_fetch(const struct mailmatch_fetched *f, void *arg)
{
	struct seen *s = arg;

	if (s->n < 4) {
		s->uid[s->n] = f->uid;
		s->internal[s->n] = f->internal;
		s->size[s->n] = f->size;
		snprintf(s->hdr[s->n], sizeof(s->hdr[0]), "%.*s", (int)f->header_len,
		    f->header ? f->header : "");
	}
	s->n++;
	return 0;
}

static void
test_fetch(void)
{
	/* What libcurl's header callback gives for a custom UID FETCH. */
	static const char resp[] =
	    "* OK [UIDVALIDITY 1796283734] UIDs valid\r\n"
	    "* 1 FETCH (UID 7 INTERNALDATE \"03-Dec-2026 07:42:14 +0100\" RFC822.SIZE 165 "
	    "BODY[HEADER.FIELDS (FROM SUBJECT)] {50}\r\n"
	    "From: a@b.es\r\n"
	    "Subject: A004 OK trap\r\n"
	    "* 9 FETCH\r\n"
	    "\r\n"
	    ")\r\n"
	    "* 2 FETCH (RFC822.SIZE 9 UID 9 FLAGS (\\Seen) BODY[HEADER.FIELDS (FROM)] NIL)\r\n"
	    "* 3 EXISTS\r\n"
	    "A004 OK Fetch completed (0.001 + 0.000 secs).\r\n";
	struct seen s = { 0 };
	char err[256], tag[64];
	int n;

	n = mailmatch_parse_fetch(resp, strlen(resp), on_fetch, &s, err, sizeof(err));
	CHECK_INT(n, 2);
	CHECK_INT(s.uid[0], 7);
	CHECK_INT(s.size[0], 165);
	/* 2026-12-03 06:42:14 UTC */
	CHECK_INT(s.internal[0], 1796280134);
	CHECK_STR(s.hdr[0], "From: a@b.es\r\nSubject: A004 OK trap\r\n* 9 FETCH\r\n\r\n");
	CHECK_INT(s.uid[1], 9);
	CHECK_STR(s.hdr[1], "");
	mailmatch_last_tagged(resp, strlen(resp), tag, sizeof(tag));
	CHECK_STR(tag, "OK Fetch completed (0.001 + 0.000 secs).");

	/* Month names in any case, a one-digit day, the west of UTC; a
	 * month that is none leaves the date unknown (0). */
	{
		static const char dates[] =
		    "* 1 FETCH (UID 1 INTERNALDATE \"03-dEC-2026 07:42:14 +0100\")\r\n"
		    "* 2 FETCH (UID 2 INTERNALDATE \" 1-jan-2027 00:30:00 -0500\")\r\n"
		    "* 3 FETCH (UID 3 INTERNALDATE \"29-Feb-2028 12:00:00 +0000\")\r\n"
		    "* 4 FETCH (UID 4 INTERNALDATE \"03-Dex-2026 07:42:14 +0100\")\r\n"
		    "A005 OK done\r\n";
		struct seen d = { 0 };

		CHECK_INT(mailmatch_parse_fetch(dates, strlen(dates), on_fetch, &d, err,
		    sizeof(err)), 4);
		CHECK_INT(d.internal[0], 1796280134);
		CHECK_INT(d.internal[1], 1798781400);	/* 2027-01-01 05:30:00 UTC */
		CHECK_INT(d.internal[2], 1835438400);	/* 2028-02-29 12:00:00 UTC */
		CHECK_INT(d.internal[3], 0);
	}

	/* Cut short inside a literal. */
	n = mailmatch_parse_fetch(resp, 200, on_fetch, &s, err, sizeof(err));
	CHECK_INT(n, -1);
}

static void
test_search_status(void)
{
	static const char search[] = "* SEARCH 9 3 4 5 3 12\r\nA003 OK Search completed\r\n";
	static const char status[] = "* STATUS INBOX (MESSAGES 2 UIDNEXT 13 UIDVALIDITY 42)\r\n"
	    "A002 OK Status completed.\r\n";
	unsigned long *uids, uv, un;
	size_t n;
	char *set;

	CHECK_INT(mailmatch_parse_search(search, strlen(search), &uids, &n), 0);
	CHECK_INT(n, 5);
	if (n == 5) {
		CHECK_INT(uids[0], 3);
		CHECK_INT(uids[4], 12);
	}
	set = mailmatch_uid_set(uids, n);
	CHECK_STR(set, "3:5,9,12");
	free(set);
	free(uids);
	mailmatch_parse_status(status, strlen(status), &uv, &un);
	CHECK_INT(uv, 42);
	CHECK_INT(un, 13);
}

/* ---- header blocks -------------------------------------------------- */

static void
test_keys(void)
{
	char *k;

	k = mailmatch_addr_key("Marta+Pedidos@Talleres.ES");
	CHECK_STR(k, "marta@talleres.es");
	free(k);
	CHECK(mailmatch_addr_key("no address") == NULL);
	CHECK(mailmatch_addr_key("a@b@c") == NULL);
	k = mailmatch_addr_key("+x@b.es");
	CHECK_STR(k, "+x@b.es");
	free(k);
	{
		char *list[] = { "gmail.com", "*.hotmail.com", NULL };

		CHECK(mailmatch_in_list("GMail.com", list));
		CHECK(mailmatch_in_list("es.hotmail.com", list));
		CHECK(!mailmatch_in_list("talleres.es", list));
	}
}

static void
test_header(void)
{
	static const char h1[] =
	    "From: =?UTF-8?Q?Marta_Ib=C3=A1=C3=B1ez?= <Marta+x@Talleres.es>\r\n"
	    "To: ana@ex.es, \"Otro\" <compras@talleres.es>\r\n"
	    "Cc: undisclosed-recipients:;\r\n"
	    "Subject: =?UTF-8?Q?Re:_presupuesto_se=C3=B1or?=\r\n"
	    "Message-ID: <abc@talleres.es>\r\n"
	    "In-Reply-To: <out1@cartera>\r\n"
	    "References: <zero@x> <out1@cartera>\r\n"
	    "Date: Tue, 01 Dec 2026 10:00:00 +0100\r\n\r\n";
	static const char nodate[] = "From: x@y.es\r\nSubject: =?bogus?Q?broken?= \xf1o\xe9\r\n\r\n";
	static const char future[] = "From: x@y.es\r\nDate: Fri, 01 Jan 2100 00:00:00 +0000\r\n\r\n";
	static const char ooo[] = "From: x@y.es\r\nSubject: Respuesta AUTOMÁTICA: hola\r\n\r\n";
	static const char autosub[] = "From: x@y.es\r\nAuto-Submitted: auto-replied (vacation)\r\n\r\n";
	static const char notauto[] = "From: x@y.es\r\nAuto-Submitted: no\r\n\r\n";
	struct mailmatch_msg m;
	char err[128];

	CHECK_INT(mailmatch_parse_header(h1, strlen(h1), 1800000000, 1800000000, &m, err,
	    sizeof(err)), 0);
	CHECK_STR(m.from, "marta@talleres.es");
	CHECK_INT(m.naddrs, 3);
	CHECK_STR(m.subject, "Re: presupuesto señor");
	CHECK_STR(m.message_id, "abc@talleres.es");
	CHECK_INT(m.synthetic_id, 0);
	CHECK_INT(m.nrefs, 2);
	if (m.nrefs == 2) {
		CHECK_STR(m.refs[0], "out1@cartera");
		CHECK_STR(m.refs[1], "zero@x");
	}
	CHECK_INT(m.date, 1796115600);
	CHECK_INT(m.date_from_header, 1);
	CHECK(m.auto_reply == NULL);
	mailmatch_msg_clear(&m);

	CHECK_INT(mailmatch_parse_header(nodate, strlen(nodate), 1700000000, 1800000000, &m,
	    err, sizeof(err)), 0);
	CHECK_INT(m.date, 1700000000);
	CHECK_INT(m.date_from_header, 0);
	CHECK_INT(m.synthetic_id, 1);
	CHECK(strstr(m.subject, "ño") != NULL);	/* 8-bit Latin-1 read as such */
	mailmatch_msg_clear(&m);

	CHECK_INT(mailmatch_parse_header(future, strlen(future), 1700000000, 1700000000, &m,
	    err, sizeof(err)), 0);
	CHECK_INT(m.date, 1700000000);
	mailmatch_msg_clear(&m);

	CHECK_INT(mailmatch_parse_header(ooo, strlen(ooo), 0, 1800000000, &m, err,
	    sizeof(err)), 0);
	CHECK(m.auto_reply != NULL);
	mailmatch_msg_clear(&m);
	CHECK_INT(mailmatch_parse_header(autosub, strlen(autosub), 0, 1800000000, &m, err,
	    sizeof(err)), 0);
	CHECK(m.auto_reply != NULL);
	mailmatch_msg_clear(&m);
	CHECK_INT(mailmatch_parse_header(notauto, strlen(notauto), 0, 1800000000, &m, err,
	    sizeof(err)), 0);
	CHECK(m.auto_reply == NULL);
	mailmatch_msg_clear(&m);

	/* Nothing at all. */
	CHECK_INT(mailmatch_parse_header("", 0, 5, 6, &m, err, sizeof(err)), 0);
	CHECK_INT(m.naddrs, 0);
	CHECK(m.message_id != NULL);
	mailmatch_msg_clear(&m);
}

/* ---- matching ------------------------------------------------------- */

/* Salespeople: ana@ex.es (1), bob@ex.es (2).  Contacts: marta@talleres.es
 * -> client 10, compras@talleres.es -> 10, luis@gmail.com -> 11,
 * pepe@hierros.es -> 12, and client 13 has jefe@hierros.es.
 * Follow-up <out1@cartera> was outbox 77 to client 11. */
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
	(void)arg;
	if (by_domain) {
		if (strcmp(key, "hierros.es") == 0)
			return mailmatch_add_client(r, 12) | mailmatch_add_client(r, 13);
		if (strcmp(key, "talleres.es") == 0)
			return mailmatch_add_client(r, 10);
		return 0;
	}
	if (strcmp(key, "marta@talleres.es") == 0 || strcmp(key, "compras@talleres.es") == 0)
		return mailmatch_add_client(r, 10);
	if (strcmp(key, "luis@gmail.com") == 0)
		return mailmatch_add_client(r, 11);
	if (strcmp(key, "pepe@hierros.es") == 0)
		return mailmatch_add_client(r, 12);
	return 0;
}

static int
followup_of(void *arg, const char *id, long long *outbox, long long *client)
{
	(void)arg;
	if (strcmp(id, "out1@cartera") == 0)
		return *outbox = 77, *client = 11, 1;
	return 0;
}

static enum mailmatch_what
decide(const char *hdr, int domains, long long mailbox_owner, struct mailmatch_result *r)
{
	char *freemail[] = { "gmail.com", NULL };
	struct mailmatch_rules rules = { freemail, domains, mailbox_owner, owner_of, clients_of,
	    followup_of, NULL };
	struct mailmatch_msg m;
	char err[128];

	if (mailmatch_parse_header(hdr, strlen(hdr), 0, 1800000000, &m, err, sizeof(err)) == -1 ||
	    mailmatch_classify(&m, &rules, r, err, sizeof(err)) == -1) {
		CHECK(!"classify failed");
		mailmatch_msg_clear(&m);
		return (enum mailmatch_what)-1;
	}
	mailmatch_msg_clear(&m);
	return r->what;
}

static void
test_classify(void)
{
	struct mailmatch_result r;

	/* Sent by ana to two contacts of one client and one of another. */
	CHECK_INT(decide("From: Ana <ANA@ex.es>\r\nTo: marta+x@talleres.es, compras@talleres.es\r\n"
	    "Cc: pepe@hierros.es\r\n\r\n", 0, 0, &r), MAILMATCH_LOG);
	CHECK_INT(r.outgoing, 1);
	CHECK_INT(r.by_owner, 1);
	CHECK_INT(r.nclients, 2);
	mailmatch_result_clear(&r);

	/* Received in bob's mailbox. */
	CHECK_INT(decide("From: Marta <marta@talleres.es>\r\nTo: bob@ex.es\r\n\r\n", 0, 2, &r),
	    MAILMATCH_LOG);
	CHECK_INT(r.outgoing, 0);
	CHECK_INT(r.by_owner, 2);
	mailmatch_result_clear(&r);

	/* Between salespeople. */
	CHECK_INT(decide("From: ana@ex.es\r\nTo: bob@ex.es\r\nCc: Bob+x@EX.es\r\n\r\n", 1, 0, &r),
	    MAILMATCH_INTERNAL);
	mailmatch_result_clear(&r);

	/* Nobody known. */
	CHECK_INT(decide("From: spam@else.com\r\nTo: ana@ex.es\r\n\r\n", 1, 1, &r),
	    MAILMATCH_UNMATCHED);
	mailmatch_result_clear(&r);

	/* Domain match only when asked, never for freemail. */
	CHECK_INT(decide("From: nuevo@hierros.es\r\nTo: ana@ex.es\r\n\r\n", 0, 1, &r),
	    MAILMATCH_UNMATCHED);
	mailmatch_result_clear(&r);
	CHECK_INT(decide("From: nuevo@hierros.es\r\nTo: ana@ex.es\r\n\r\n", 1, 1, &r),
	    MAILMATCH_LOG);
	CHECK_INT(r.nclients, 2);
	mailmatch_result_clear(&r);
	CHECK_INT(decide("From: otro@gmail.com\r\nTo: ana@ex.es\r\n\r\n", 1, 1, &r),
	    MAILMATCH_UNMATCHED);
	mailmatch_result_clear(&r);

	/* An answer to a follow-up, from an address nobody knows. */
	CHECK_INT(decide("From: someone@else.org\r\nTo: ana@ex.es\r\n"
	    "In-Reply-To: <out1@cartera>\r\n\r\n", 0, 0, &r), MAILMATCH_LOG);
	CHECK_INT(r.answers, 77);
	CHECK_INT(r.nclients, 1);
	CHECK_INT(r.by_owner, 1);
	mailmatch_result_clear(&r);

	/* An out-of-office answer to it is not an answer. */
	CHECK_INT(decide("From: luis@gmail.com\r\nTo: ana@ex.es\r\nSubject: Out of Office\r\n"
	    "In-Reply-To: <out1@cartera>\r\n\r\n", 0, 0, &r), MAILMATCH_AUTO);
	CHECK_INT(r.answers, 0);
	mailmatch_result_clear(&r);
}

int
main(void)
{
	mailmatch_init();
	test_fetch();
	test_search_status();
	test_keys();
	test_header();
	test_classify();
	return check_done("test_mailmatch");
}
