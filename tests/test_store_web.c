/*
 * test_store_web.c - the store's side of the web page (store_web.c):
 * page tokens apart from feed tokens and rotated on their own; an action
 * recorded once under its key (the second time is "already there", and a
 * rolled-back write leaves no record); the search of one salesperson's
 * clients by any part of a name, city or contact, ignoring case and
 * accents, never showing another salesperson's; the facts a confirmation
 * page shows about a client, an activity and an invoice.
 */
#include "build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "clock.h"
#include "record.h"
#include "store.h"

static char err[1024];

struct names {
	char	 v[8][64];
	int	 n;
};

static int
collect(const struct store_row *r, void *arg)
{
	struct names *nm = arg;

	if (nm->n < 8)
		snprintf(nm->v[nm->n++], sizeof(nm->v[0]), "%s", r->values[1]);
	return 0;
}

static long long
client(struct store *st, const char *name, const char *city, const char *contact,
    const char *owner)
{
	struct record r = { 0 };
	long long id = 0;

	r.v[RF_NAME] = name;
	r.v[RF_CITY] = city;
	r.v[RF_CONTACT] = contact;
	r.v[RF_OWNER] = owner;
	CHECK(store_client_put(st, 0, &r, &id, err, sizeof(err)) == 0);
	return id;
}

static struct names
search(struct store *st, long long owner, const char *q)
{
	struct names nm;

	memset(&nm, 0, sizeof(nm));
	CHECK(store_web_search(st, owner, q, 50, collect, &nm, err, sizeof(err)) == 0);
	return nm;
}

int
main(void)
{
	char dir[] = "/tmp/test_store_web.XXXXXX", path[256];
	struct store *st = NULL;
	struct owner o = { 0 }, got = { 0 };
	long long ana, bob, c1, c2, c3, act, inv;
	char *tok = NULL, *what = NULL, page[64] = "";
	time_t at = 0;
	struct names nm;

	clock_set(1764000000, 0);
	if (mkdtemp(dir) == NULL)
		return 99;
	snprintf(path, sizeof(path), "%s/c.db", dir);
	CHECK(store_open(path, STORE_CREATE, &st, err, sizeof(err)) == 0);
	if (st == NULL)
		return check_done("test_store_web");

	/* A page token of its own, apart from the feed's. */
	o.email = "ana@example.com";
	o.name = "Ana";
	o.tz = "Europe/Madrid";
	o.active = 1;
	CHECK(store_owner_add(st, &o, &ana, err, sizeof(err)) == 0);
	o.email = "bob@example.com";
	o.name = "Bob";
	CHECK(store_owner_add(st, &o, &bob, err, sizeof(err)) == 0);
	CHECK(store_owner_get_id(st, ana, &got, err, sizeof(err)) == 0);
	CHECK(got.page_token != NULL && strlen(got.page_token) == 32);
	CHECK(got.page_token != NULL && got.feed_token != NULL &&
	    strcmp(got.page_token, got.feed_token) != 0);
	snprintf(page, sizeof(page), "%s", got.page_token ? got.page_token : "");
	store_owner_clear(&got);
	CHECK(store_owner_rotate_page_token(st, "ana@example.com", &tok, err, sizeof(err)) == 0);
	CHECK(store_owner_get_id(st, ana, &got, err, sizeof(err)) == 0);
	CHECK_STR(got.page_token, tok);
	CHECK(tok != NULL && strcmp(tok, page) != 0);
	store_owner_clear(&got);
	free(tok);
	CHECK(store_owner_rotate_page_token(st, "nobody@example.com", &tok, err,
	    sizeof(err)) == -1);

	/* Search: any part of name, city or contact; case and accents aside;
	 * one salesperson's clients only. */
	c1 = client(st, "Clínica Dental Sonrisa", "A Coruña", "Dr. Andrés Gil", "ana@example.com");
	c2 = client(st, "Ferretería Núñez", "Madrid", "Marta Ibáñez", "ana@example.com");
	c3 = client(st, "Clinica Norte", "Lugo", NULL, "bob@example.com");
	CHECK(c1 > 0 && c2 > 0 && c3 > 0);
	nm = search(st, ana, "CLINICA");
	CHECK_INT(nm.n, 1);
	CHECK_STR(nm.v[0], "Clínica Dental Sonrisa");
	nm = search(st, ana, "coruna");
	CHECK_INT(nm.n, 1);
	nm = search(st, ana, "ibanez");
	CHECK_INT(nm.n, 1);
	CHECK_STR(nm.v[0], "Ferretería Núñez");
	nm = search(st, ana, "nunez");
	CHECK_INT(nm.n, 1);
	nm = search(st, ana, "a");
	CHECK_INT(nm.n, 2);
	CHECK_STR(nm.v[0], "Clínica Dental Sonrisa");
	nm = search(st, bob, "clinica");
	CHECK_INT(nm.n, 1);
	CHECK_STR(nm.v[0], "Clinica Norte");
	nm = search(st, ana, "lugo");
	CHECK_INT(nm.n, 0);
	nm = search(st, ana, "zzz");
	CHECK_INT(nm.n, 0);

	/* Actions: recorded once; a rolled-back write leaves none. */
	CHECK(store_web_action_get(st, "k1", &at, &what, err, sizeof(err)) == 1);
	CHECK(store_begin(st, err, sizeof(err)) == 0);
	CHECK(store_web_action_put(st, "k1", ana, 1764000000, "call 1", err, sizeof(err)) == 0);
	CHECK(store_web_action_put(st, "k1", ana, 1764000100, "call 1", err, sizeof(err)) == 1);
	CHECK(store_commit(st, err, sizeof(err)) == 0);
	CHECK(store_web_action_get(st, "k1", &at, &what, err, sizeof(err)) == 0);
	CHECK_INT((long long)at, 1764000000);
	CHECK_STR(what, "call 1");
	free(what);
	what = NULL;
	CHECK(store_begin(st, err, sizeof(err)) == 0);
	CHECK(store_web_action_put(st, "k2", ana, 1764000000, "visit 1", err, sizeof(err)) == 0);
	store_rollback(st);
	CHECK(store_web_action_get(st, "k2", &at, &what, err, sizeof(err)) == 1);
	/* Old ones are forgotten. */
	CHECK(store_web_action_put(st, "k3", ana, 1764000000 + 200 * 86400LL, "x", err,
	    sizeof(err)) == 0);
	CHECK(store_web_action_get(st, "k1", &at, &what, err, sizeof(err)) == 1);

	/* What a confirmation page shows, and whose the object is. */
	{
		struct store_web_client wc;
		struct store_web_activity wa;
		struct store_web_invoice wi;

		CHECK(store_web_client(st, c1, &wc, err, sizeof(err)) == 0);
		CHECK_INT(wc.owner_id, ana);
		CHECK_STR(wc.name, "Clínica Dental Sonrisa");
		CHECK_STR(wc.tz, "Europe/Madrid");
		store_web_client_clear(&wc);
		CHECK(store_web_client(st, 9999, &wc, err, sizeof(err)) == 1);
		CHECK(store_activity_add(st, c2, ana, "call", 1764100000, "Europe/Madrid", 30, NULL,
		    NULL, &act, err, sizeof(err)) == 0);
		CHECK(store_web_activity(st, act, &wa, err, sizeof(err)) == 0);
		CHECK_INT(wa.client_id, c2);
		CHECK_INT(wa.owner_id, ana);
		CHECK_STR(wa.kind, "call");
		CHECK_STR(wa.status, "planned");
		CHECK_STR(wa.client_name, "Ferretería Núñez");
		CHECK(wa.day == NULL);
		CHECK_INT(wa.duration, 30);
		store_web_activity_clear(&wa);
		CHECK(store_web_activity(st, 9999, &wa, err, sizeof(err)) == 1);
		CHECK(store_invoice_add(st, c3, 123456, "EUR", "2025-10-01", "2025-10-31", "F-7",
		    &inv, err, sizeof(err)) == 0);
		CHECK(store_web_invoice(st, inv, &wi, err, sizeof(err)) == 0);
		CHECK_INT(wi.owner_id, bob);
		CHECK_INT(wi.cents, 123456);
		CHECK_STR(wi.number, "F-7");
		CHECK(wi.paid == NULL);
		store_web_invoice_clear(&wi);
		CHECK(store_web_invoice(st, 9999, &wi, err, sizeof(err)) == 1);
	}
	store_close(st);
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", dir);
	}
	return check_done("test_store_web");
}
