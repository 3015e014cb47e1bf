/*
 * test_store.c - the store: schema and migration, triggers that keep the
 * derived client columns, matching and resolving clients, tokens,
 * activity change tracking, and online backups.
 */
#include "build.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "clock.h"
#include "record.h"
#include "store.h"
#include "store_sqlite.h"

static char err[1024];

static long long
scalar(struct store *st, const char *sql)
{
	sqlite3_stmt *s;
	long long v = -999;

	if (sqlite3_prepare_v2(store_sqlite_handle(st), sql, -1, &s, NULL) != SQLITE_OK)
		return v;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static double
scalar_real(struct store *st, const char *sql)
{
	sqlite3_stmt *s;
	double v = -999;

	if (sqlite3_prepare_v2(store_sqlite_handle(st), sql, -1, &s, NULL) != SQLITE_OK)
		return v;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_type(s, 0) == SQLITE_NULL ? -1 : sqlite3_column_double(s, 0);
	sqlite3_finalize(s);
	return v;
}

static long long
add_client(struct store *st, const char *name, const char *tax, const char *email)
{
	struct record r = { 0 };
	long long id = 0;

	r.v[RF_NAME] = name;
	r.v[RF_TAX_ID] = tax;
	r.v[RF_EMAIL] = email;
	r.v[RF_OWNER] = "ana@example.com";
	if (store_client_put(st, 0, &r, &id, err, sizeof(err)) == -1)
		fprintf(stderr, "add_client: %s\n", err);
	return id;
}

/* One integer from a query on a plain connection (the backup copy). */
static long long
db_scalar(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;
	long long v = -999;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return v;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* Files in dir whose name contains part. */
static int
count_files(const char *dir, const char *part)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		n += strstr(de->d_name, part) != NULL;
	closedir(d);
	return n;
}

/* Backup progress: another connection commits a client after each chunk. */
struct probe {
	struct store	*writer;
	int		 calls, last, restarts, wrote;
};

static void
probe_progress(int remaining, int total, void *arg)
{
	struct probe *p = arg;

	(void)total;
	if (p->calls++ > 0 && remaining > p->last)
		p->restarts++;
	p->last = remaining;
	if (remaining > 0 && store_begin(p->writer, err, sizeof(err)) == 0) {
		add_client(p->writer, "Durante", NULL, NULL);
		if (store_commit(p->writer, err, sizeof(err)) == 0)
			p->wrote++;
	}
}

/*
 * The engine's work in the store's statements since the last call (which
 * resets it): virtual-machine steps, and steps of full table scans.
 */
static void
work_since(struct store *st, long long *vm, long long *fullscan)
{
	sqlite3_stmt *p = NULL;

	*vm = *fullscan = 0;
	while ((p = sqlite3_next_stmt(store_sqlite_handle(st), p)) != NULL) {
		*vm += sqlite3_stmt_status(p, SQLITE_STMTSTATUS_VM_STEP, 1);
		*fullscan += sqlite3_stmt_status(p, SQLITE_STMTSTATUS_FULLSCAN_STEP, 1);
	}
}

/* store_history's overdue figures of one client (the last seen). */
struct overdue_seen {
	long long	 client;
	int		 overdue;
	long long	 cents;
	long		 oldest;
	char		 days[256];	/* purchase days: "day:cents ..." */
};

static int
overdue_of(const struct store_history *h, void *arg)
{
	struct overdue_seen *o = arg;

	if (h->id == o->client) {
		o->overdue = h->overdue;
		o->cents = h->overdue_cents;
		o->oldest = h->oldest_due;
		o->days[0] = '\0';
		for (size_t i = 0; i < h->ndays; i++) {
			size_t n = strlen(o->days);
			char d[11];

			snprintf(o->days + n, sizeof(o->days) - n, "%s%s:%lld", n ? " " : "",
			    clock_date_format(h->days[i], d, sizeof(d)), h->cents[i]);
		}
	}
	return 0;
}

static long long hist_owner;	/* the owner of the clients of overdue_on */

/* The history's receivables as of day, in each of the query's forms:
 * every client, the client alone, its owner's, a range of ids. */
static void
overdue_on(struct store *st, long long client, const char *date, int n, long long cents,
    const char *oldest)
{
	struct store_history_query q = { 0 };
	struct overdue_seen o = { client, -1, -1, -2, "" };
	long want_oldest = -1;

	CHECK(clock_date_parse(date, &q.day) == 0);
	if (oldest != NULL)
		CHECK(clock_date_parse(oldest, &want_oldest) == 0);
	q.until = (time_t)(q.day + 1) * 86400;
	q.currency = "EUR";
	q.want = STORE_H_OVERDUE | STORE_H_PURCHASES;
	for (int form = 0; form < 4; form++) {
		q.client = form == 1 ? client : 0;
		q.owner = form == 2 ? hist_owner : 0;
		q.id_from = form == 3 ? client : 0;
		q.id_to = form == 3 ? client + 1 : 0;
		o.overdue = -1;
		CHECK(store_history(st, &q, overdue_of, &o, err, sizeof(err)) == 0);
		CHECK_INT(o.overdue, n);
		CHECK_INT(o.cents, cents);
		CHECK_INT(o.oldest, want_oldest);
	}
}

/* The engine's work for the receivables as of date, of owner (or of the
 * ids [from, to) when owner is 0). */
static long long
overdue_work(struct store *st, long long owner, long long from, long long to,
    const char *date)
{
	struct store_history_query q = { 0 };
	struct overdue_seen o = { 0, -1, -1, -2, "" };
	long long vm, fullscan;

	CHECK(clock_date_parse(date, &q.day) == 0);
	q.until = (time_t)(q.day + 1) * 86400;
	q.currency = "EUR";
	q.want = STORE_H_OVERDUE;
	q.owner = owner;
	q.id_from = from;
	q.id_to = to;
	work_since(st, &vm, &fullscan);
	CHECK(store_history(st, &q, overdue_of, &o, err, sizeof(err)) == 0);
	work_since(st, &vm, &fullscan);
	return vm;
}

static int
count_scanned(const struct store_scan_client *c, void *arg)
{
	(void)c;
	(*(long long *)arg)++;
	return 0;
}

/* Scan one owner's clients: how many, and the engine's work for it. */
static void
scan_work(struct store *st, long long owner, long long *n, long long *vm, long long *fullscan)
{
	*n = 0;
	work_since(st, vm, fullscan);
	if (store_scan_clients(st, owner, count_scanned, n, err, sizeof(err)) == -1) {
		fprintf(stderr, "store_scan_clients: %s\n", err);
		*n = -1;
	}
	work_since(st, vm, fullscan);
}

/*
 * The scan of one owner reads that owner's clients only: it does not step
 * through the table, and what it costs does not grow when other owners
 * get more clients.
 */
static void
scan_reads_one_owner(const char *dir)
{
	char path[256];
	struct store *st = NULL;
	struct owner o = { 0 };
	struct record r = { 0 };
	long long ana = 0, ben = 0, id, n, vm, fullscan, n2, vm2, fullscan2;

	snprintf(path, sizeof(path), "%s/scan.db", dir);
	if (!CHECK(store_open(path, STORE_CREATE, &st, err, sizeof(err)) == 0))
		return;
	o.tz = "Europe/Madrid";
	o.active = 1;
	o.email = "ana@example.com";
	o.name = "Ana";
	CHECK(store_owner_add(st, &o, &ana, err, sizeof(err)) == 0);
	o.email = "ben@example.com";
	o.name = "Ben";
	CHECK(store_owner_add(st, &o, &ben, err, sizeof(err)) == 0);
	for (int i = 0; i < 220; i++) {
		char nm[32];

		snprintf(nm, sizeof(nm), "Cliente %d", i);
		r.v[RF_NAME] = nm;
		r.v[RF_OWNER] = i < 20 || i >= 120 ? "ben@example.com" : "ana@example.com";
		CHECK(store_client_put(st, 0, &r, &id, err, sizeof(err)) == 0);
		if (i == 119)
			scan_work(st, ana, &n, &vm, &fullscan);
	}
	scan_work(st, ana, &n2, &vm2, &fullscan2);
	CHECK_INT(n, 100);
	CHECK_INT(n2, 100);
	CHECK_INT(fullscan, 0);
	CHECK_INT(fullscan2, 0);
	CHECK(vm > 0);
	CHECK_INT(vm2, vm);	/* Ben's 100 more clients cost Ana's scan nothing */
	store_close(st);
	unlink(path);
}

static long long n_rows;

static int
count_row(const struct store_row *r, void *arg)
{
	(void)r;
	(*(long long *)arg)++;
	return 0;
}

int
main(void)
{
	char dir[] = "/tmp/test_store.XXXXXX", path[256];
	struct store *st = NULL, *st2 = NULL;
	struct owner o = { 0 }, got = { 0 };
	struct record r = { 0 };
	long long id, c1, c2, c3, inv, act, v1, v2;
	char *tok = NULL, *old = NULL;

	clock_set(1700000000, 0);	/* 2023-11-14T22:13:20Z */
	if (mkdtemp(dir) == NULL)
		return 99;
	snprintf(path, sizeof(path), "%s/c.db", dir);

	/* A missing database is not created unless asked. */
	CHECK(store_open(path, 0, &st, err, sizeof(err)) == -1);
	CHECK(strstr(err, "cartera init") != NULL);
	CHECK(store_open(path, STORE_CREATE, &st, err, sizeof(err)) == 0);
	CHECK_INT(scalar(st, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	CHECK_INT(scalar(st, "PRAGMA foreign_keys"), 1);
	CHECK(scalar(st, "SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'") == 1);

	/* Owners and tokens. */
	o.email = "ana@example.com";
	o.name = "Ana López";
	o.tz = "Europe/Madrid";
	o.active = 1;
	CHECK(store_owner_add(st, &o, &id, err, sizeof(err)) == 0);
	CHECK(store_owner_add(st, &o, &id, err, sizeof(err)) == -1);
	CHECK(strstr(err, "already exists") != NULL);
	CHECK(store_owner_get(st, "ANA@example.com", &got, err, sizeof(err)) == 0);
	CHECK_STR(got.name, "Ana López");
	CHECK_STR(got.digest_at, "08:00");
	CHECK(got.feed_token != NULL && strlen(got.feed_token) == 32);
	old = got.feed_token ? strdup(got.feed_token) : NULL;
	store_owner_clear(&got);
	CHECK(store_owner_rotate_token(st, "ana@example.com", &tok, err, sizeof(err)) == 0);
	CHECK(tok != NULL && old != NULL && strcmp(tok, old) != 0);
	CHECK(store_owner_get(st, "nobody@example.com", &got, err, sizeof(err)) == 1);
	free(tok);
	free(old);

	/* Clients: insert, primary contact, status log, matching. */
	c1 = add_client(st, "Talleres Pérez", "B12345678", "compras@talleres.es");
	c2 = add_client(st, "Panadería Núñez", NULL, "pan@nunez.es");
	c3 = add_client(st, "Panadería Núñez", NULL, NULL);
	CHECK(c1 > 0 && c2 > 0 && c3 > 0);
	CHECK_INT(scalar(st, "SELECT count(*) FROM contacts WHERE is_primary = 1"), 2);
	CHECK_INT(scalar(st, "SELECT count(*) FROM client_status_log"), 3);
	r.v[RF_TAX_ID] = "B12345678";
	r.v[RF_NAME] = "another name";
	CHECK(store_client_match(st, &r, &id, err, sizeof(err)) == 0 && id == c1);
	memset(&r, 0, sizeof(r));
	r.v[RF_EMAIL] = "PAN@nunez.es";
	CHECK(store_client_match(st, &r, &id, err, sizeof(err)) == 0 && id == c2);
	memset(&r, 0, sizeof(r));
	r.v[RF_NAME] = "Panadería Núñez";
	CHECK(store_client_match(st, &r, &id, err, sizeof(err)) == -1);
	CHECK(strstr(err, "matches clients") != NULL);
	r.v[RF_NAME] = "Nobody";
	CHECK(store_client_match(st, &r, &id, err, sizeof(err)) == 1);

	scan_reads_one_owner(dir);
	/* No process-wide count of SQLite's memory: it took a mutex at every
	 * allocation, which the scan's threads queued on. */
	CHECK(sqlite3_memory_used() == 0);

	/* Regression: matching by name scanned the whole table (its plain
	 * "name = ?" could not use the NOCASE index), so importing N rows cost
	 * N full scans.  No statement may take a full-scan step here. */
	{
		sqlite3_stmt *p = NULL;
		long long scans = 0;

		for (int i = 0; i < 50; i++) {
			char nm[32];
			snprintf(nm, sizeof(nm), "Cliente %d", i);
			add_client(st, nm, NULL, NULL);
		}
		while ((p = sqlite3_next_stmt(store_sqlite_handle(st), p)) != NULL)
			sqlite3_stmt_status(p, SQLITE_STMTSTATUS_FULLSCAN_STEP, 1);
		memset(&r, 0, sizeof(r));
		r.v[RF_NAME] = "Cliente 7";
		CHECK(store_client_match(st, &r, &id, err, sizeof(err)) == 0);
		r.v[RF_EMAIL] = "nobody@example.com";
		r.v[RF_TAX_ID] = "X0000000";
		CHECK(store_client_match(st, &r, &id, err, sizeof(err)) == 0);
		while ((p = sqlite3_next_stmt(store_sqlite_handle(st), p)) != NULL)
			scans += sqlite3_stmt_status(p, SQLITE_STMTSTATUS_FULLSCAN_STEP, 0);
		CHECK_INT(scans, 0);
		memset(&r, 0, sizeof(r));
	}

	/* One company, one name key: case, accents, punctuation and a legal
	 * form at the end do not matter; what is left of the name does. */
	{
		static const struct { const char *a, *b; int same; } names[] = {
			{ "Talleres Pérez S.L.", "talleres perez sl", 1 },
			{ "Talleres Pérez, S. L. U.", "TALLERES PEREZ", 1 },
			{ "Talleres Pérez SA", "Talleres-Pérez", 1 },
			{ "Acme Sociedad Limitada", "ACME", 1 },
			{ "Acme GmbH", "acme", 1 },
			{ "Talleres Pérez", "Talleres Gómez", 0 },
			{ "Łódź Trade", "Lodz Trade", 0 },	/* not folded: kept */
			{ "北京贸易", "上海贸易", 0 },
			{ "S.L.", "sl", 1 },		/* only a form: kept */
			{ "S.L.", "Acme S.L.", 0 },
		};
		char *ka, *kb;

		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			ka = record_name_key(names[i].a);
			kb = record_name_key(names[i].b);
			CHECK(ka != NULL && kb != NULL);
			if (ka == NULL || kb == NULL)
				break;
			if ((strcmp(ka, kb) == 0) != names[i].same)
				fprintf(stderr, "name key: \"%s\" -> \"%s\", \"%s\" -> \"%s\"\n",
				    names[i].a, ka, names[i].b, kb);
			CHECK((strcmp(ka, kb) == 0) == names[i].same);
			free(ka);
			free(kb);
		}
		ka = record_name_key("Talleres Pérez, S.L.");
		CHECK_STR(ka, "talleresperez");
		free(ka);
		ka = record_name_key("...");
		CHECK_STR(ka, "");
		free(ka);
	}

	/* Duplicates: the same name key or tax id, except the client itself. */
	memset(&r, 0, sizeof(r));
	r.v[RF_NAME] = "talleres perez sl";
	CHECK(store_client_duplicate(st, &r, 0, &id, err, sizeof(err)) == 0 && id == c1);
	CHECK(strstr(err, "client 1 \"Talleres Pérez\" has the same name") != NULL);
	CHECK(store_client_duplicate(st, &r, c1, &id, err, sizeof(err)) == 1);
	r.v[RF_NAME] = "Otra Empresa";
	r.v[RF_TAX_ID] = "B12345678";
	CHECK(store_client_duplicate(st, &r, 0, &id, err, sizeof(err)) == 0 && id == c1);
	CHECK(strstr(err, "same tax id B12345678") != NULL);
	r.v[RF_TAX_ID] = "B99999999";
	CHECK(store_client_duplicate(st, &r, 0, &id, err, sizeof(err)) == 1);
	memset(&r, 0, sizeof(r));

	/* A new client's owner: the only salesperson, none, or refused. */
	{
		struct owner b = { 0 };
		char *email = NULL;

		CHECK(store_owner_default(st, &email, err, sizeof(err)) == 0);
		CHECK_STR(email, "ana@example.com");
		free(email);
		b.email = "bob@example.com";
		b.name = "Bob";
		b.tz = "America/New_York";
		b.active = 1;
		CHECK(store_begin(st, err, sizeof(err)) == 0);
		CHECK(store_owner_add(st, &b, &id, err, sizeof(err)) == 0);
		CHECK(store_owner_default(st, &email, err, sizeof(err)) == 2);
		CHECK(email == NULL);
		CHECK_STR(err, "there are 2 salespeople (ana@example.com, bob@example.com)");
		store_rollback(st);
	}

	/* Resolving a reference: id, exact name, unique substring, ambiguity. */
	CHECK(store_client_resolve(st, "talleres pérez", &id, err, sizeof(err)) == 0 && id == c1);
	CHECK(store_client_resolve(st, "Talleres", &id, err, sizeof(err)) == 0 && id == c1);
	CHECK(store_client_resolve(st, "Panadería", &id, err, sizeof(err)) == -1);
	CHECK(strstr(err, "ambiguous") != NULL);
	CHECK(store_client_resolve(st, "2", &id, err, sizeof(err)) == 0 && id == c2);
	CHECK(store_client_resolve(st, "zzz", &id, err, sizeof(err)) == -1);

	/* Search keys: case, accents and punctuation do not matter (issue 14). */
	{
		char *k = record_search_key("  Clínica Dental,  S.L. ");
		CHECK_STR(k, "clinica dental sl");
		free(k);
		k = record_search_key("A CORUÑA");
		CHECK_STR(k, "a coruna");
		free(k);
		k = record_search_key("Straße O'Brien · ﬁn");
		CHECK_STR(k, "strasse obrien fin");
		free(k);
		k = record_search_key("Łódź");
		CHECK_STR(k, "łodz");
		free(k);
	}
	{
		long long dental, vet, nunez;
		struct client_filter cf = { 0 };

		memset(&r, 0, sizeof(r));
		r.v[RF_NAME] = "Clínica Dental Sonrisa";
		r.v[RF_CITY] = "A Coruña";
		r.v[RF_SECTOR] = "Salud";
		r.v[RF_CONTACT] = "Dr. Andrés Gil";
		CHECK(store_client_put(st, 0, &r, &dental, err, sizeof(err)) == 0);
		memset(&r, 0, sizeof(r));
		r.v[RF_NAME] = "Policlínica Veterinaria";
		CHECK(store_client_put(st, 0, &r, &vet, err, sizeof(err)) == 0);
		memset(&r, 0, sizeof(r));
		r.v[RF_NAME] = "Ferretería Núñez, S.L.";
		CHECK(store_client_put(st, 0, &r, &nunez, err, sizeof(err)) == 0);
		memset(&r, 0, sizeof(r));
		id = 0;
		/* Prefix (through the index) wins over a substring elsewhere. */
		CHECK(store_client_resolve(st, "clinica", &id, err, sizeof(err)) == 0 && id == dental);
		CHECK(store_client_resolve(st, "CLÍNICA", &id, err, sizeof(err)) == 0 && id == dental);
		CHECK(store_client_resolve(st, "Clinica Dental", &id, err, sizeof(err)) == 0 &&
		    id == dental);
		CHECK(store_client_resolve(st, "dental", &id, err, sizeof(err)) == 0 && id == dental);
		CHECK(store_client_resolve(st, "núñez s.l.", &id, err, sizeof(err)) == 0 &&
		    id == nunez);
		CHECK(store_client_resolve(st, "ferreteria nunez sl", &id, err, sizeof(err)) == 0 &&
		    id == nunez);
		/* A contact's name finds its client when no client name does. */
		CHECK(store_client_resolve(st, "andres gil", &id, err, sizeof(err)) == 0 &&
		    id == dental);
		/* A substring in two names is ambiguous and lists both. */
		CHECK(store_client_resolve(st, "linica", &id, err, sizeof(err)) == -1);
		CHECK(strstr(err, "\"Clínica Dental Sonrisa\"") != NULL &&
		    strstr(err, "\"Policlínica Veterinaria\"") != NULL);
		/* Filters by city and sector key, search by part of a name. */
		cf.city = "a coruna";
		cf.sector = "SALUD";
		CHECK(store_client_list(st, &cf, count_row, &n_rows, err, sizeof(err)) == 0);
		CHECK_INT(n_rows, 1);
		memset(&cf, 0, sizeof(cf));
		n_rows = 0;
		cf.search = "clinica";
		CHECK(store_client_list(st, &cf, count_row, &n_rows, err, sizeof(err)) == 0);
		CHECK_INT(n_rows, 2);
		/* Keys of rows written behind the store's back are computed at
		 * the next read-write open. */
		CHECK(sqlite3_exec(store_sqlite_handle(st), "UPDATE clients SET search_name = NULL,"
		    " search_city = NULL; UPDATE contacts SET search_name = NULL", NULL, NULL,
		    NULL) == SQLITE_OK);
		store_close(st);
		CHECK(store_open(path, 0, &st, err, sizeof(err)) == 0);
		CHECK_INT(scalar(st, "SELECT count(*) FROM clients WHERE search_name IS NULL"), 0);
		CHECK(store_client_resolve(st, "a coruna", &id, err, sizeof(err)) == -1);
		CHECK(store_client_resolve(st, "andres", &id, err, sizeof(err)) == 0 && id == dental);
		CHECK_INT(scalar(st, "SELECT count(*) FROM clients WHERE search_city = 'a coruna'"), 1);
		CHECK(store_client_delete(st, dental, 1, err, sizeof(err)) == 0);
		CHECK(store_client_delete(st, vet, 1, err, sizeof(err)) == 0);
		CHECK(store_client_delete(st, nunez, 1, err, sizeof(err)) == 0);
	}

	/* Update: only given fields change; status change is logged. */
	memset(&r, 0, sizeof(r));
	r.v[RF_STATUS] = "lost";
	r.v[RF_CITY] = "Madrid";
	CHECK(store_client_put(st, c1, &r, NULL, err, sizeof(err)) == 0);
	CHECK_INT(scalar(st, "SELECT count(*) FROM client_status_log WHERE new_status = 'lost'"), 1);
	CHECK_INT(scalar(st, "SELECT count(*) FROM clients WHERE id = 1 AND tax_id = 'B12345678'"), 1);
	r.v[RF_CITY] = "";	/* "" clears */
	r.v[RF_STATUS] = NULL;
	CHECK(store_client_put(st, c1, &r, NULL, err, sizeof(err)) == 0);
	CHECK_INT(scalar(st, "SELECT count(*) FROM clients WHERE id = 1 AND city IS NULL"), 1);
	CHECK(store_client_put(st, 999, &r, NULL, err, sizeof(err)) == -1);
	memset(&r, 0, sizeof(r));
	r.v[RF_NAME] = "X";
	r.v[RF_OWNER] = "ghost@example.com";
	CHECK(store_client_put(st, 0, &r, NULL, err, sizeof(err)) == -1);
	CHECK(strstr(err, "unknown owner") != NULL);

	/* Last touch follows the newest interaction, whatever the insert order. */
	{
		struct touch t1 = { .client = c2, .kind = "call", .at = 2000, .outcome = "waiting" };
		struct touch t2 = { .client = c2, .kind = "note", .at = 1000 };
		CHECK(store_touch_add(st, &t1, &v1, err, sizeof(err)) == 0);
		CHECK(store_touch_add(st, &t2, &v2, err, sizeof(err)) == 0);
	}
	CHECK_INT(scalar(st, "SELECT last_touch_at FROM clients WHERE id = 2"), 2000);
	CHECK_INT(scalar(st, "SELECT last_outcome = 'waiting' FROM clients WHERE id = 2"), 1);
	sqlite3_exec(store_sqlite_handle(st), "DELETE FROM interactions WHERE at = 2000", NULL, NULL, NULL);
	CHECK_INT(scalar(st, "SELECT last_touch_at FROM clients WHERE id = 2"), 1000);
	sqlite3_exec(store_sqlite_handle(st), "DELETE FROM interactions", NULL, NULL, NULL);
	CHECK_INT(scalar(st, "SELECT last_touch_at IS NULL FROM clients WHERE id = 2"), 1);
	/* ... and through the store's corrections. */
	{
		struct touch t1 = { .client = c2, .kind = "visit", .at = 3000, .note = "old" };
		struct touch t2 = { .client = c2, .kind = "call", .at = 4000, .outcome = "waiting" };
		CHECK(store_touch_add(st, &t1, &v1, err, sizeof(err)) == 0);
		CHECK(store_touch_add(st, &t2, &v2, err, sizeof(err)) == 0);
	}
	{
		struct interaction_edit e = { 0 };
		e.outcome = "no-answer";
		e.note = "";
		CHECK(store_interaction_update(st, v2, &e, err, sizeof(err)) == 0);
		CHECK_INT(scalar(st, "SELECT last_outcome = 'no-answer' FROM clients WHERE id = 2"), 1);
		e.outcome = NULL;
		e.has_at = 1;
		e.at = 2500;	/* now older than the visit */
		CHECK(store_interaction_update(st, v2, &e, err, sizeof(err)) == 0);
		CHECK_INT(scalar(st, "SELECT last_touch_at FROM clients WHERE id = 2"), 3000);
		CHECK_INT(scalar(st, "SELECT last_touch_kind = 'visit' FROM clients WHERE id = 2"), 1);
		CHECK(store_interaction_update(st, 9999, &e, err, sizeof(err)) == -1);
		CHECK(strstr(err, "no touch with id 9999 in ") != NULL);
	}
	CHECK(store_interaction_delete(st, v1, err, sizeof(err)) == 0);
	CHECK_INT(scalar(st, "SELECT last_touch_at FROM clients WHERE id = 2"), 2500);
	CHECK(store_interaction_delete(st, v1, err, sizeof(err)) == -1);
	CHECK(strstr(err, "no touch with id") != NULL);
	CHECK(store_interaction_delete(st, v2, err, sizeof(err)) == 0);
	CHECK_INT(scalar(st, "SELECT last_touch_at IS NULL AND last_touch_kind IS NULL"
	    " AND last_outcome IS NULL FROM clients WHERE id = 2"), 1);

	/* Purchase rhythm: distinct days, median gap. Gaps 10, 30, 5 -> 10. */
	CHECK(store_invoice_add(st, c2, 1000, NULL, "2024-01-01", "2024-02-01", NULL, &inv, err, sizeof(err)) == 0);
	CHECK_INT(scalar(st, "SELECT purchases FROM clients WHERE id = 2"), 1);
	CHECK(scalar_real(st, "SELECT median_interval FROM clients WHERE id = 2") == -1);
	store_invoice_add(st, c2, 1000, NULL, "2024-01-11", "2024-02-01", NULL, NULL, err, sizeof(err));
	store_invoice_add(st, c2, 1000, NULL, "2024-01-11", "2024-02-01", NULL, NULL, err, sizeof(err));
	store_invoice_add(st, c2, 1000, NULL, "2024-02-10", "2024-03-01", NULL, NULL, err, sizeof(err));
	store_invoice_add(st, c2, 1000, NULL, "2024-02-15", "2024-03-01", NULL, NULL, err, sizeof(err));
	CHECK_INT(scalar(st, "SELECT purchases FROM clients WHERE id = 2"), 4);
	CHECK(scalar_real(st, "SELECT median_interval FROM clients WHERE id = 2") == 10.0);
	/* Even count: gaps 10, 30 -> 20. */
	sqlite3_exec(store_sqlite_handle(st), "DELETE FROM invoices WHERE issued = '2024-02-15'", NULL, NULL, NULL);
	CHECK(scalar_real(st, "SELECT median_interval FROM clients WHERE id = 2") == 20.0);
	CHECK(store_invoice_paid(st, inv, "2024-01-20", err, sizeof(err)) == 0);
	CHECK(store_invoice_paid(st, 12345, "2024-01-20", err, sizeof(err)) == -1);
	CHECK(strstr(err, "no invoice with id 12345 in ") != NULL);
	/* Corrections: the rhythm follows, dates stay in order. */
	{
		struct invoice_edit e = { 0 };
		e.issued = "2024-01-06";	/* gaps 5, 30 -> 17.5 */
		e.has_cents = 1;
		e.cents = 2500;
		e.number = "F-1";
		e.paid = "";
		CHECK(store_invoice_update(st, inv, &e, err, sizeof(err)) == 0);
		CHECK(scalar_real(st, "SELECT median_interval FROM clients WHERE id = 2") == 17.5);
		CHECK_INT(scalar(st, "SELECT count(*) FROM invoices WHERE amount_cents = 2500"
		    " AND number = 'F-1' AND paid_at IS NULL AND due = '2024-02-01'"), 1);
		memset(&e, 0, sizeof(e));
		e.due = "2024-01-01";
		CHECK(store_invoice_update(st, inv, &e, err, sizeof(err)) == -1);
		CHECK(strstr(err, "the due date 2024-01-01 is before the issue date 2024-01-06") != NULL);
		e.due = NULL;
		CHECK(store_invoice_update(st, 4242, &e, err, sizeof(err)) == -1);
		CHECK(strstr(err, "no invoice with id 4242") != NULL);
		CHECK(store_invoice_delete(st, inv, err, sizeof(err)) == 0);
		CHECK_INT(scalar(st, "SELECT purchases FROM clients WHERE id = 2"), 2);
		CHECK(store_invoice_delete(st, inv, err, sizeof(err)) == -1);
		CHECK(strstr(err, "no invoice with id") != NULL);
	}
	/* NPS answers and costs: listed with their ids, deleted by id. */
	CHECK(store_nps_add(st, c2, 9, "2024-01-05", err, sizeof(err)) == 0);
	CHECK(store_cost_add(st, "2024-01", "sales", 5000, 0, NULL, err, sizeof(err)) == 0);
	id = scalar(st, "SELECT max(id) FROM nps");
	CHECK(store_nps_delete(st, id, err, sizeof(err)) == 0);
	CHECK(store_nps_delete(st, id, err, sizeof(err)) == -1);
	CHECK(strstr(err, "no NPS response with id") != NULL);
	id = scalar(st, "SELECT max(id) FROM costs");
	CHECK(store_cost_delete(st, id, err, sizeof(err)) == 0);
	CHECK(store_cost_delete(st, id, err, sizeof(err)) == -1);
	CHECK(strstr(err, "no cost with id") != NULL);

	/* Activities: UID stable, SEQUENCE and LAST-MODIFIED move on change. */
	CHECK(store_activity_add(st, c2, 1, "visit", 1700100000, "Europe/Madrid", 45, "Calle Mayor 1",
	    NULL, &act, err, sizeof(err)) == 0);
	CHECK_INT(scalar(st, "SELECT sequence FROM activities"), 0);
	CHECK(store_activity_move(st, act, 1700200000, NULL, err, sizeof(err)) == 0);
	CHECK(store_activity_set_status(st, act, "cancelled", err, sizeof(err)) == 0);
	CHECK(store_activity_set_status(st, act, "cancelled", err, sizeof(err)) == 0);
	CHECK_INT(scalar(st, "SELECT sequence FROM activities"), 2);
	CHECK(scalar(st, "SELECT last_modified FROM activities") >= 1700000002);
	CHECK(store_activity_set_status(st, 777, "done", err, sizeof(err)) == -1);

	/* Unsubscribe tokens. */
	CHECK(store_client_unsub_token(st, c2, &tok, err, sizeof(err)) == 0);
	old = tok;
	CHECK(store_client_unsub_token(st, c2, &tok, err, sizeof(err)) == 0);
	CHECK(tok != NULL && old != NULL && strcmp(tok, old) == 0);
	{
		long long who = 0;
		int done = -1;

		CHECK(store_client_unsub_lookup(st, tok, &who, &done, err, sizeof(err)) == 0);
		CHECK(who == c2 && done == 0);
		CHECK(store_client_unsub_lookup(st, "nope", &who, &done, err, sizeof(err)) == 1);
		CHECK(store_client_unsubscribe_id(st, who, err, sizeof(err)) == 0);
		CHECK(store_client_unsub_lookup(st, tok, &who, &done, err, sizeof(err)) == 0);
		CHECK(done == 1);
		CHECK(store_client_unsubscribe_id(st, 9999, err, sizeof(err)) == 1);
	}
	CHECK_INT(scalar(st, "SELECT do_not_email FROM clients WHERE id = 2"), 1);
	free(tok);
	free(old);

	/* A second connection sees commits: data_version moves. */
	CHECK(store_open(path, 0, &st2, err, sizeof(err)) == 0);
	CHECK(store_data_version(st2, &v1) == 0);
	CHECK(store_begin(st, err, sizeof(err)) == 0);
	add_client(st, "Nuevo", NULL, NULL);
	CHECK(store_commit(st, err, sizeof(err)) == 0);
	CHECK(store_data_version(st2, &v2) == 0);
	CHECK(v1 != v2);
	/* A rolled-back write leaves nothing. */
	CHECK(store_begin(st, err, sizeof(err)) == 0);
	add_client(st, "Fantasma", NULL, NULL);
	store_rollback(st);
	CHECK_INT(scalar(st, "SELECT count(*) FROM clients WHERE name = 'Fantasma'"), 0);
	CHECK(store_check(st, err, sizeof(err)) == 0);
	store_close(st2);

	/* An online backup reads one snapshot: clients committed by another
	 * connection between its chunks neither restart it nor get in. */
	{
		struct probe p = { 0 };
		char copy[300], bad[300];
		long long before, pages = 0, bytes = 0;
		sqlite3 *db = NULL;

		snprintf(copy, sizeof(copy), "%s/copy.db", dir);
		CHECK(store_open(path, 0, &p.writer, err, sizeof(err)) == 0);
		CHECK(sqlite3_exec(store_sqlite_handle(st), "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL"
		    " SELECT i + 1 FROM n WHERE i < 3000) INSERT INTO clients (name, created_at,"
		    " updated_at, notes) SELECT 'Bulto ' || i, 0, 0, hex(randomblob(1500)) FROM n",
		    NULL, NULL, NULL) == SQLITE_OK);
		before = scalar(st, "SELECT count(*) FROM clients");
		CHECK(scalar(st, "PRAGMA page_count") > 2 * 1024);	/* three chunks */
		CHECK(store_backup(st, copy, probe_progress, &p, &pages, &bytes, err,
		    sizeof(err)) == 0);
		CHECK(p.calls >= 3);
		CHECK_INT(p.restarts, 0);
		CHECK_INT(p.last, 0);
		CHECK(p.wrote >= 2);
		CHECK_INT(scalar(st, "SELECT count(*) FROM clients"), before + p.wrote);
		CHECK(sqlite3_open_v2(copy, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
		CHECK_INT(db_scalar(db, "SELECT count(*) FROM clients"), before);
		CHECK_INT(db_scalar(db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
		CHECK_INT(db_scalar(db, "SELECT count(*) FROM pragma_journal_mode"
		    " WHERE journal_mode = 'delete'"), 1);
		CHECK_INT(db_scalar(db, "PRAGMA page_count"), pages);
		CHECK_INT(db_scalar(db, "PRAGMA page_size") * pages, bytes);
		sqlite3_close(db);
		/* A second backup replaces the first. */
		CHECK(store_backup(st, copy, NULL, NULL, NULL, NULL, err, sizeof(err)) == 0);
		db = NULL;
		CHECK(sqlite3_open_v2(copy, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
		CHECK_INT(db_scalar(db, "SELECT count(*) FROM clients"), before + p.wrote);
		sqlite3_close(db);
		/* Refused: the database and its companions, a directory, a
		 * directory that does not exist; nothing is left behind. */
		CHECK(store_backup(st, path, NULL, NULL, NULL, NULL, err, sizeof(err)) == -1);
		CHECK(strstr(err, "database itself") != NULL);
		snprintf(bad, sizeof(bad), "%s-wal", path);
		CHECK(store_backup(st, bad, NULL, NULL, NULL, NULL, err, sizeof(err)) == -1);
		CHECK(strstr(err, "database itself") != NULL);
		CHECK(store_backup(st, dir, NULL, NULL, NULL, NULL, err, sizeof(err)) == -1);
		CHECK(strstr(err, "directory") != NULL);
		snprintf(bad, sizeof(bad), "%s/none/copy.db", dir);
		CHECK(store_backup(st, bad, NULL, NULL, NULL, NULL, err, sizeof(err)) == -1);
		CHECK(strncmp(err, "backup to ", 10) == 0 && strstr(err, bad) != NULL);
		CHECK(strstr(err, "No such file or directory") != NULL);
		CHECK_INT(count_files(dir, ".tmp-"), 0);
		store_close(p.writer);
		CHECK(sqlite3_exec(store_sqlite_handle(st), "DELETE FROM clients WHERE name LIKE 'Bulto %'"
		    " OR name = 'Durante'", NULL, NULL, NULL) == SQLITE_OK);
	}

	/* Deleting a client with history needs force. */
	CHECK(store_client_delete(st, c2, 0, err, sizeof(err)) == -1);
	CHECK(strstr(err, "--force") != NULL);
	CHECK(store_client_delete(st, c2, 1, err, sizeof(err)) == 0);
	CHECK_INT(scalar(st, "SELECT count(*) FROM invoices"), 0);

	/* A version 1 database is migrated forward with its data intact. */
	add_client(st, "Fecha Pendiente", NULL, NULL);
	/*
	 * Next-contact dates that a touch on or after them satisfied (its
	 * local day: 23:30Z on 11-13 is 00:30 on 11-14 in Madrid) were left
	 * red for ever before version 5: cleared on the way.
	 */
	CHECK(sqlite3_exec(store_sqlite_handle(st),
	    "UPDATE clients SET next_contact = '2023-11-14', last_touch_at = 1699918200"
	    " WHERE name = 'Nuevo'; UPDATE clients SET next_contact = '2023-11-15',"
	    " last_touch_at = 1699918200 WHERE name = 'Fecha Pendiente'",
	    NULL, NULL, NULL) == SQLITE_OK);
	CHECK(sqlite3_exec(store_sqlite_handle(st),
	    "DROP INDEX clients_snoozed; DROP INDEX clients_replied;"
	    " DROP TRIGGER interactions_reply_ai; DROP TRIGGER interactions_reply_au;"
	    " DROP TRIGGER interactions_reply_ad; ALTER TABLE interactions DROP COLUMN direction;"
	    " DROP INDEX clients_scan; ALTER TABLE clients DROP COLUMN replied_at;"
	    " ALTER TABLE clients DROP COLUMN next_contact_by; ALTER TABLE owners DROP COLUMN days;"
	    " ALTER TABLE owners DROP COLUMN holidays; DROP INDEX activities_touch;"
	    " DROP INDEX invoices_unpaid_client; DROP INDEX invoices_paid; DROP INDEX activities_planned;"
	    " CREATE INDEX clients_owner ON clients(owner_id, status);"
	    " DROP INDEX outbox_client; ALTER TABLE outbox DROP COLUMN reply_to;"
	    " ALTER TABLE clients DROP COLUMN followup;"
	    " DROP INDEX clients_name_key;"
	    " DROP INDEX clients_search_name; DROP INDEX clients_search_city;"
	    " DROP INDEX clients_search_sector; DROP INDEX contacts_search_name;"
	    " DROP INDEX clients_search_missing; DROP INDEX contacts_search_missing;"
	    " ALTER TABLE clients DROP COLUMN search_name;"
	    " ALTER TABLE clients DROP COLUMN search_city;"
	    " ALTER TABLE clients DROP COLUMN search_sector;"
	    " ALTER TABLE contacts DROP COLUMN search_name;"
	    " ALTER TABLE owners DROP COLUMN phone; ALTER TABLE owners DROP COLUMN signature;"
	    ""
	    " DROP TABLE goals; DROP TABLE invoice_lines; DROP TABLE products;"
	    " ALTER TABLE clients DROP COLUMN payment_method;"
	    " ALTER TABLE clients DROP COLUMN payment_days;"
	    " DROP INDEX clients_orders; ALTER TABLE clients DROP COLUMN orders;"
	    " DROP TABLE mail_touches; DROP TABLE mail_messages; DROP TABLE mailboxes;"
	    " DROP INDEX outbox_message_id; DROP INDEX owners_page_token; ALTER TABLE owners DROP COLUMN page_token;"
	    " DROP TABLE web_actions; PRAGMA user_version = 1",
	    NULL, NULL, NULL) == SQLITE_OK);
	store_close(st);
	st = NULL;
	CHECK(store_open(path, 0, &st, err, sizeof(err)) == 0);
	CHECK_INT(scalar(st, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	/* Its tables, indexes and triggers are those of a new database:
	 * test_store_schema compares them. */
	/* Version 11: mail-in's state. */
	CHECK_INT(scalar(st, "SELECT count(*) FROM sqlite_master WHERE name IN ('mailboxes',"
	    " 'mail_messages', 'mail_touches', 'outbox_message_id')"), 4);
	CHECK_INT(scalar(st, "SELECT count(*) FROM clients WHERE name = 'Nuevo'"), 1);
	CHECK_INT(scalar(st, "SELECT count(*) FROM clients WHERE name = 'Nuevo'"
	    " AND next_contact IS NULL"), 1);
	CHECK_INT(scalar(st, "SELECT count(*) FROM clients WHERE name = 'Fecha Pendiente'"
	    " AND next_contact = '2023-11-15'"), 1);
	/* Version 13 gave every salesperson a page token of their own. */
	CHECK_INT(scalar(st, "SELECT count(*) FROM owners WHERE length(page_token) = 32"
	    " AND page_token <> feed_token"), scalar(st, "SELECT count(*) FROM owners"));
	CHECK(scalar(st, "SELECT count(*) FROM owners") > 0);
	/* Version 6 computed the search keys of the rows already there. */
	CHECK_INT(scalar(st, "SELECT count(*) FROM clients WHERE search_name = 'nuevo'"), 1);
	CHECK_INT(scalar(st, "SELECT count(*) FROM clients WHERE search_name IS NULL"), 0);
	CHECK_INT(scalar(st, "SELECT count(*) FROM pragma_table_info('clients') WHERE name = 'followup'"), 1);
	CHECK_INT(scalar(st, "SELECT count(*) FROM pragma_table_info('outbox') WHERE name = 'reply_to'"), 1);
	CHECK_INT(scalar(st, "SELECT count(*) FROM pragma_table_info('interactions')"
	    " WHERE name = 'direction'"), 1);
	CHECK_INT(scalar(st, "SELECT count(*) FROM pragma_table_info('activities')"
	    " WHERE name = 'day'"), 1);
	/* Version 7: the same company is found without stepping through the
	 * table. */
	{
		long long vm, fullscan, nuevo = scalar(st, "SELECT id FROM clients WHERE name = 'Nuevo'");

		memset(&r, 0, sizeof(r));
		r.v[RF_NAME] = "NUEVO, S.L.";
		work_since(st, &vm, &fullscan);
		CHECK(store_client_duplicate(st, &r, 0, &id, err, sizeof(err)) == 0 && id == nuevo);
		work_since(st, &vm, &fullscan);
		CHECK_INT(fullscan, 0);
		memset(&r, 0, sizeof(r));
	}
	/*
	 * Version 4: an insert builds no temporary b-tree for its constraints
	 * (IN lists in CHECKs did, at every insert), every constraint still
	 * holds, and the database is sound.
	 */
	{
		sqlite3_stmt *t, *q;
		int ephemeral = 0, tables = 0;

		CHECK(sqlite3_prepare_v2(store_sqlite_handle(st), "SELECT name FROM sqlite_master"
		    " WHERE type = 'table' AND name NOT LIKE 'sqlite%' AND sql NOT LIKE 'CREATE VIRTUAL%'",
		    -1, &t, NULL) == SQLITE_OK);
		while (sqlite3_step(t) == SQLITE_ROW) {
			char sql[256];

			snprintf(sql, sizeof(sql), "EXPLAIN INSERT INTO \"%s\" DEFAULT VALUES",
			    (const char *)sqlite3_column_text(t, 0));
			if (!CHECK(sqlite3_prepare_v2(store_sqlite_handle(st), sql, -1, &q, NULL) ==
			    SQLITE_OK))
				continue;
			tables++;
			/* The insert's own program; the triggers' follow it,
			 * numbered from 0 again. */
			for (int first = 1; sqlite3_step(q) == SQLITE_ROW; first = 0) {
				if (!first && sqlite3_column_int(q, 0) == 0)
					break;
				if (strcmp((const char *)sqlite3_column_text(q, 1), "OpenEphemeral") == 0) {
					fprintf(stderr, "%s: a temporary b-tree\n", sql);
					ephemeral++;
				}
			}
			sqlite3_finalize(q);
		}
		sqlite3_finalize(t);
		CHECK(tables > 10);
		CHECK_INT(ephemeral, 0);
	}
	{
		static const char *const bad[] = {
			"UPDATE clients SET status = 'gone' WHERE name = 'Nuevo'",
			"UPDATE clients SET kind = 'robot' WHERE name = 'Nuevo'",
			"UPDATE clients SET followup = 2 WHERE name = 'Nuevo'",
			"UPDATE clients SET do_not_email = -1 WHERE name = 'Nuevo'",
			"UPDATE owners SET lang = 'fr'",
			("INSERT INTO interactions (client_id, kind, at, outcome) SELECT id, 'call', 0,"
			" 'maybe' FROM clients LIMIT 1"),
		};
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			CHECK_INT(sqlite3_exec(store_sqlite_handle(st), bad[i], NULL, NULL, NULL),
			    SQLITE_CONSTRAINT_CHECK);
	}
	CHECK(sqlite3_exec(store_sqlite_handle(st), "UPDATE clients SET status = 'lost', followup = NULL"
	    " WHERE name = 'Nuevo'", NULL, NULL, NULL) == SQLITE_OK);
	{
		sqlite3_stmt *q;
		const char *ok = "";
		CHECK(sqlite3_prepare_v2(store_sqlite_handle(st), "PRAGMA integrity_check", -1, &q, NULL) ==
		    SQLITE_OK);
		if (sqlite3_step(q) == SQLITE_ROW)
			ok = (const char *)sqlite3_column_text(q, 0);
		CHECK_STR(ok, "ok");
		sqlite3_finalize(q);
	}

	/* A database from a newer Cartera is refused, not damaged. */
	sqlite3_exec(store_sqlite_handle(st), "PRAGMA user_version = 99", NULL, NULL, NULL);
	store_close(st);
	st = NULL;
	CHECK(store_open(path, 0, &st, err, sizeof(err)) == -1);
	CHECK(strstr(err, "newer") != NULL);
	store_close(st);

	/* Garbage is reported as such. */
	snprintf(path, sizeof(path), "%s/garbage.db", dir);
	FILE *fp = fopen(path, "w");
	if (fp != NULL) {
		fputs("this is not a database, just some text that is long enough to matter..."
		    "................................................................", fp);
		fclose(fp);
	}
	st = NULL;
	CHECK(store_open(path, 0, &st, err, sizeof(err)) == -1);
	CHECK(strstr(err, "not a database") != NULL);

	/* An empty file (a failed restore) and an SQLite file without our
	 * schema are refused, and left as they are; init may use them. */
	snprintf(path, sizeof(path), "%s/empty.db", dir);
	if ((fp = fopen(path, "w")) != NULL)
		fclose(fp);
	st = NULL;
	CHECK(store_open(path, 0, &st, err, sizeof(err)) == -1);
	CHECK(strstr(err, "the file is empty") != NULL);
	{
		struct stat sb;
		CHECK(stat(path, &sb) == 0 && sb.st_size == 0);
	}
	{
		sqlite3 *db = NULL;
		snprintf(path, sizeof(path), "%s/other.db", dir);
		CHECK(sqlite3_open(path, &db) == SQLITE_OK &&
		    sqlite3_exec(db, "CREATE TABLE t (a)", NULL, NULL, NULL) == SQLITE_OK);
		sqlite3_close(db);
	}
	CHECK(store_open(path, 0, &st, err, sizeof(err)) == -1);
	CHECK(strstr(err, "not a Cartera database") != NULL);
	CHECK(store_open(path, STORE_CREATE, &st, err, sizeof(err)) == 0);
	store_close(st);
	st = NULL;
	/* A file others can read is pointed out. */
	CHECK(chmod(path, 0644) == 0);
	CHECK(store_exposed(path, err, sizeof(err)) == 1);
	CHECK(strstr(err, "readable by others (mode 0644)") != NULL);
	CHECK(chmod(path, 0640) == 0);
	CHECK(store_exposed(path, err, sizeof(err)) == 0);

	/*
	 * Receivables as of a past day: invoices in the currency issued by
	 * then, due before it, and unpaid at its end -- still unpaid, or paid
	 * only after it (read from two ranges of partial indexes since
	 * version 15, no longer from every invoice).
	 */
	snprintf(path, sizeof(path), "%s/hist.db", dir);
	CHECK(store_open(path, STORE_CREATE, &st, err, sizeof(err)) == 0);
	o.email = "ana@example.com";
	CHECK(store_owner_add(st, &o, &hist_owner, err, sizeof(err)) == 0);
	c1 = add_client(st, "Deudora", NULL, NULL);
	c2 = add_client(st, "Otra", NULL, NULL);
	{
		char sql[1024];

		snprintf(sql, sizeof(sql), "INSERT INTO invoices (client_id, amount_cents, currency,"
		    " issued, due, paid_at, created_at) VALUES"
		    " (%lld, 100, 'EUR', '2026-01-01', '2026-02-01', NULL, 0),"	/* unpaid */
		    " (%lld, 200, 'EUR', '2026-01-05', '2026-02-10', '2026-03-10', 0),"	/* paid later */
		    " (%lld, 400, 'EUR', '2026-01-06', '2026-02-05', '2026-02-20', 0),"	/* paid before */
		    " (%lld, 800, 'USD', '2026-01-02', '2026-01-15', NULL, 0),"	/* other currency */
		    " (%lld, 1600, 'EUR', '2026-03-05', '2026-02-28', NULL, 0),"	/* issued after */
		    " (%lld, 3200, 'EUR', '2026-02-15', '2026-03-15', NULL, 0),"	/* not yet due */
		    " (%lld, 6400, 'EUR', '2026-01-01', '2026-01-20', '2026-03-01', 0),"	/* paid on the day */
		    " (%lld, 50, 'EUR', '2026-01-05', '2026-12-31', '2026-01-06', 0),"	/* same day */
		    " (%lld, 25, 'USD', '2026-01-05', '2026-12-31', '2026-01-06', 0)",
		    c1, c1, c1, c1, c1, c1, c2, c1, c1);
		CHECK(sqlite3_exec(store_sqlite_handle(st), sql, NULL, NULL, NULL) == SQLITE_OK);
	}
	overdue_on(st, c1, "2026-03-01", 2, 300, "2026-02-01");
	overdue_on(st, c1, "2026-03-20", 3, 100 + 1600 + 3200, "2026-02-01");
	overdue_on(st, c1, "2026-01-31", 0, 0, NULL);
	overdue_on(st, c2, "2026-03-01", 0, 0, NULL);
	overdue_on(st, c2, "2026-02-28", 1, 6400, "2026-01-20");
	/* Purchase days up to the day (any currency), each with its revenue
	 * in the currency. */
	{
		struct store_history_query q = { 0 };
		struct overdue_seen seen = { c1, -1, -1, -2, "" };

		CHECK(clock_date_parse("2026-03-01", &q.day) == 0);
		q.until = (time_t)(q.day + 1) * 86400;
		q.currency = "EUR";
		q.want = STORE_H_PURCHASES;
		CHECK(store_history(st, &q, overdue_of, &seen, err, sizeof(err)) == 0);
		CHECK_STR(seen.days, "2026-01-01:100 2026-01-02:0 2026-01-05:250 2026-01-06:400"
		    " 2026-02-15:3200");
	}
	/*
	 * Invoices paid before the day are not read: by an owner or a range
	 * of ids, SQLite once took the client index for the paid arm and read
	 * every invoice's row for its paid_at (1 s for half of 1M clients).
	 * Three hundred more of them cost those forms nothing.
	 */
	{
		long long by_owner = overdue_work(st, hist_owner, 0, 0, "2026-03-01");
		long long by_range = overdue_work(st, 0, c1, c2 + 1, "2026-03-01");
		char sql[512];

		CHECK(sqlite3_exec(store_sqlite_handle(st), "BEGIN", NULL, NULL, NULL) == SQLITE_OK);
		for (int i = 0; i < 300; i++) {
			snprintf(sql, sizeof(sql), "INSERT INTO invoices (client_id, amount_cents,"
			    " currency, issued, due, paid_at, created_at) VALUES (%lld, 10, 'EUR',"
			    " '2025-06-01', '2025-07-01', '2025-06-20', 0)", i % 2 ? c1 : c2);
			CHECK(sqlite3_exec(store_sqlite_handle(st), sql, NULL, NULL, NULL) == SQLITE_OK);
		}
		CHECK(sqlite3_exec(store_sqlite_handle(st), "COMMIT", NULL, NULL, NULL) == SQLITE_OK);
		CHECK(by_owner > 0 && by_range > 0);
		CHECK_INT(overdue_work(st, hist_owner, 0, 0, "2026-03-01"), by_owner);
		CHECK_INT(overdue_work(st, 0, c1, c2 + 1, "2026-03-01"), by_range);
		overdue_on(st, c1, "2026-03-01", 2, 300, "2026-02-01");
	}
	store_close(st);
	st = NULL;

	{
		char cmd[300];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", dir);
	}
	return check_done("test_store");
}
