/*
 * store_schema.c - the store's tables: the script that creates a new
 * database at the current schema, and running the migrations
 * (store_migrate.c) that bring an older database there.
 *
 * A new database is made in one step by schema_create (per engine).  An
 * older one (PRAGMA user_version < STORE_SCHEMA_VERSION) runs the
 * migrations after its version, in one write transaction.  A migration
 * that landed is never edited; a schema change appends one (in
 * store_migrate.c) and changes schema_create to match
 * (tests/test_store_schema.c proves the two equal).
 * Migrations never edit sqlite_schema: a table whose definition changes
 * is rebuilt the way SQLite documents (rebuild_tables).  PostgreSQL
 * databases were first made at version STORE_PG_FIRST_VERSION: the
 * migrations after it are written in words both engines read.
 * This file must not hold queries of the portfolio; those live by job in
 * the other store_*.c files.
 */
#include "build.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "record.h"
#include "store_engine.h"
#include "store_migrate.h"
#include "tz.h"

/*
 * Purchase rhythm of a client: number of distinct purchase days, first
 * and last, and the median gap in days between consecutive purchase days.
 */
#define PURCHASE_STATS(ids) \
"  UPDATE clients SET (purchases, first_purchase, last_purchase, median_interval) = (" \
"    SELECT count(DISTINCT issued), min(issued), max(issued)," \
"      (SELECT avg(gap) FROM (" \
"         SELECT gap, row_number() OVER (ORDER BY gap) AS rn, count(*) OVER () AS cnt FROM (" \
"           SELECT julianday(d) - julianday(lag(d) OVER (ORDER BY d)) AS gap" \
"           FROM (SELECT DISTINCT issued AS d FROM invoices WHERE client_id = clients.id))" \
"         WHERE gap IS NOT NULL)" \
"       WHERE rn IN ((cnt + 1) / 2, (cnt + 2) / 2))" \
"    FROM invoices WHERE client_id = clients.id)" \
"  WHERE id IN (" ids ");"

/* The replied_at of clients.id (the row the UPDATE sets). */
#define CLIENT_REPLIED_AT \
"(SELECT min(i.at) FROM interactions i,"	\
"   (SELECT at, id, outcome FROM interactions WHERE client_id = clients.id"	\
"    AND direction = 'out' ORDER BY at DESC, id DESC LIMIT 1) w"	\
"  WHERE i.client_id = clients.id AND i.direction = 'in' AND w.outcome = 'waiting'"	\
"  AND (i.at > w.at OR (i.at = w.at AND i.id > w.id)))"



/*
 * The current schema (version STORE_SCHEMA_VERSION) on SQLite.  Derived
 * client columns (last touch, purchase rhythm) are kept by triggers, so
 * they stay right whoever writes the tables.
 */
static const char schema_sqlite[] =
"CREATE TABLE teams ("
"  id INTEGER PRIMARY KEY,"
"  name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
"  feed_token TEXT NOT NULL UNIQUE,"
"  all_owners INTEGER NOT NULL DEFAULT 0 CHECK (all_owners = 0 OR all_owners = 1));"
"CREATE TABLE owners ("
"  id INTEGER PRIMARY KEY,"
"  email TEXT NOT NULL UNIQUE COLLATE NOCASE,"
"  name TEXT NOT NULL,"
"  tz TEXT NOT NULL,"
"  digest_at TEXT NOT NULL DEFAULT '08:00',"
"  lang TEXT NOT NULL DEFAULT 'es' CHECK (lang = 'es' OR lang = 'en'),"
"  feed_token TEXT NOT NULL UNIQUE,"
"  team_id INTEGER REFERENCES teams(id) ON DELETE SET NULL,"
"  active INTEGER NOT NULL DEFAULT 1 CHECK (active = 0 OR active = 1),"
"  last_digest_day TEXT,"
"  created_at INTEGER NOT NULL,"
"  updated_at INTEGER NOT NULL,"
"  days TEXT,"
"  holidays TEXT,"
"  phone TEXT,"
"  signature TEXT,"
"  page_token TEXT);"
"CREATE UNIQUE INDEX owners_page_token ON owners(page_token);"
"CREATE TABLE segments ("
"  id INTEGER PRIMARY KEY,"
"  name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
"  cadence_days INTEGER CHECK (cadence_days IS NULL OR cadence_days > 0));"
"CREATE TABLE clients ("
"  id INTEGER PRIMARY KEY,"
"  owner_id INTEGER REFERENCES owners(id) ON DELETE SET NULL,"
"  status TEXT NOT NULL DEFAULT 'active'"
"    CHECK (status = 'active' OR status = 'potential' OR status = 'inactive' OR status = 'lost'),"
"  segment_id INTEGER REFERENCES segments(id) ON DELETE SET NULL,"
"  cadence_days INTEGER CHECK (cadence_days IS NULL OR cadence_days > 0),"
"  next_contact TEXT,"
"  do_not_email INTEGER NOT NULL DEFAULT 0 CHECK (do_not_email = 0 OR do_not_email = 1),"
"  last_touch_at INTEGER,"
"  last_touch_kind TEXT,"
"  last_outcome TEXT,"
"  purchases INTEGER NOT NULL DEFAULT 0,"
"  first_purchase TEXT,"
"  last_purchase TEXT,"
"  median_interval REAL,"
"  name TEXT NOT NULL CHECK (length(name) > 0),"
"  kind TEXT NOT NULL DEFAULT 'company'"
"    CHECK (kind = 'company' OR kind = 'freelancer' OR kind = 'individual'),"
"  sector TEXT,"
"  tax_id TEXT,"
"  address TEXT,"
"  city TEXT,"
"  postal_code TEXT,"
"  country TEXT,"
"  unsub_token TEXT UNIQUE,"
"  created_at INTEGER NOT NULL,"
"  updated_at INTEGER NOT NULL,"
"  notes TEXT,"
"  followup INTEGER CHECK (followup = 0 OR followup = 1),"
"  replied_at INTEGER,"
"  next_contact_by TEXT"
"    CHECK (next_contact_by IS NULL OR next_contact_by = 'touch' OR next_contact_by = 'snooze'),"
/* Search keys (record_search_key) of name, city and sector; NULL: not
 * computed yet (a row written by another program; filled at open). */
"  search_name TEXT,"
"  search_city TEXT,"
"  search_sector TEXT,"
/* How it pays (its terms set the due date of its new invoices) and
 * whether it orders on its own ('self') or needs a visit. */
"  payment_method TEXT CHECK (payment_method IS NULL"
"  OR payment_method = 'transfer' OR payment_method = 'direct_debit'"
"  OR payment_method = 'card' OR payment_method = 'cash'"
"  OR payment_method = 'promissory_note' OR payment_method = 'cheque'"
"  OR payment_method = 'confirming'),"
"  payment_days INTEGER"
"  CHECK (payment_days IS NULL OR payment_days >= 0),"
"  orders TEXT"
"  CHECK (orders IS NULL OR orders = 'self' OR orders = 'visit'));"
/* The scanner's covering index: each owner's scan is one contiguous range;
 * the few snoozed and answered clients come from partial indexes. */
"CREATE INDEX clients_scan ON clients(owner_id, status, segment_id, cadence_days,"
"  next_contact, last_touch_at, last_outcome, purchases, last_purchase, median_interval,"
"  created_at);"
"CREATE INDEX clients_snoozed ON clients(owner_id, id) WHERE next_contact_by = 'snooze';"
"CREATE INDEX clients_replied ON clients(owner_id, id, replied_at)"
"  WHERE replied_at IS NOT NULL;"
"CREATE INDEX clients_orders ON clients(owner_id, id, orders) WHERE orders IS NOT NULL;"
"CREATE INDEX clients_name ON clients(name COLLATE NOCASE);"
"CREATE INDEX clients_tax_id ON clients(tax_id) WHERE tax_id IS NOT NULL;"
"CREATE INDEX clients_segment ON clients(segment_id);"
"CREATE INDEX clients_search_name ON clients(search_name);"
"CREATE INDEX clients_search_city ON clients(search_city) WHERE search_city IS NOT NULL;"
"CREATE INDEX clients_search_sector ON clients(search_sector) WHERE search_sector IS NOT NULL;"
"CREATE INDEX clients_search_missing ON clients(id) WHERE search_name IS NULL;"
"CREATE INDEX clients_name_key ON clients((replace(search_name, ' ', '')));"
"CREATE TABLE client_status_log ("
"  id INTEGER PRIMARY KEY,"
"  client_id INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,"
"  at INTEGER NOT NULL,"
"  old_status TEXT,"
"  new_status TEXT NOT NULL);"
"CREATE INDEX client_status_log_client ON client_status_log(client_id, at);"
"CREATE INDEX client_status_log_at ON client_status_log(at);"
"CREATE TABLE contacts ("
"  id INTEGER PRIMARY KEY,"
"  client_id INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,"
"  name TEXT,"
"  role TEXT,"
"  email TEXT,"
"  phone TEXT,"
"  is_primary INTEGER NOT NULL DEFAULT 0 CHECK (is_primary = 0 OR is_primary = 1),"
"  search_name TEXT);"
"CREATE INDEX contacts_client ON contacts(client_id, is_primary);"
"CREATE UNIQUE INDEX contacts_primary ON contacts(client_id) WHERE is_primary = 1;"
"CREATE INDEX contacts_email ON contacts(email COLLATE NOCASE) WHERE email IS NOT NULL;"
"CREATE INDEX contacts_search_name ON contacts(search_name, client_id);"
"CREATE INDEX contacts_search_missing ON contacts(id)"
"  WHERE search_name IS NULL AND name IS NOT NULL;"
"CREATE TABLE interactions ("
"  id INTEGER PRIMARY KEY,"
"  client_id INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,"
"  kind TEXT NOT NULL CHECK (kind = 'call' OR kind = 'visit' OR kind = 'email'"
"    OR kind = 'meeting' OR kind = 'note' OR kind = 'sample' OR kind = 'survey'),"
"  at INTEGER NOT NULL,"
"  outcome TEXT NOT NULL DEFAULT 'done'"
"    CHECK (outcome = 'done' OR outcome = 'waiting' OR outcome = 'no-answer'),"
"  note TEXT,"
"  by_owner_id INTEGER REFERENCES owners(id) ON DELETE SET NULL,"
"  direction TEXT NOT NULL DEFAULT 'out' CHECK (direction = 'out' OR direction = 'in'));"
/* The history pass reads a client's touches (when, and whether answered)
 * from this index alone. */
"CREATE INDEX interactions_client ON interactions(client_id, at, outcome);"
"CREATE INDEX interactions_at ON interactions(at);"
"CREATE TABLE activities ("
"  id INTEGER PRIMARY KEY,"
"  uid TEXT NOT NULL UNIQUE,"
"  client_id INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,"
"  owner_id INTEGER NOT NULL REFERENCES owners(id) ON DELETE CASCADE,"
"  kind TEXT NOT NULL CHECK (kind = 'call' OR kind = 'visit' OR kind = 'email'"
"    OR kind = 'sample' OR kind = 'survey' OR kind = 'meeting' OR kind = 'task'),"
"  start_at INTEGER NOT NULL,"
"  tz TEXT NOT NULL,"
"  duration_min INTEGER NOT NULL DEFAULT 30 CHECK (duration_min > 0),"
"  location TEXT,"
"  note TEXT,"
"  status TEXT NOT NULL DEFAULT 'planned'"
"    CHECK (status = 'planned' OR status = 'done' OR status = 'cancelled'),"
"  sequence INTEGER NOT NULL DEFAULT 0,"
"  created_at INTEGER NOT NULL,"
"  last_modified INTEGER NOT NULL,"
"  day TEXT,"
"  touch_id INTEGER REFERENCES interactions(id) ON DELETE SET NULL);"
"CREATE INDEX activities_owner ON activities(owner_id, start_at);"
/* A scan's planned activities of an owner: this index alone, in order. */
"CREATE INDEX activities_planned ON activities(owner_id, start_at, id, client_id, kind,"
"  duration_min, day, status) WHERE status = 'planned';"
"CREATE INDEX activities_client ON activities(client_id);"
"CREATE INDEX activities_touch ON activities(touch_id);"
"CREATE TABLE invoices ("
"  id INTEGER PRIMARY KEY,"
"  client_id INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,"
"  number TEXT,"
"  amount_cents INTEGER NOT NULL,"
"  currency TEXT NOT NULL DEFAULT 'EUR',"
"  issued TEXT NOT NULL,"
"  due TEXT NOT NULL,"
"  paid_at TEXT,"
"  created_at INTEGER NOT NULL);"
/* Purchase days and their revenue are read from this index alone. */
"CREATE INDEX invoices_client ON invoices(client_id, issued, currency, amount_cents);"
"CREATE INDEX invoices_issued ON invoices(issued);"
/* Everyone's invoices overdue as of a day: one range of this index. */
"CREATE INDEX invoices_unpaid ON invoices(due, client_id, amount_cents, currency, number,"
"  paid_at) WHERE paid_at IS NULL;"
/* Overdue lists read this index only (paid_at, always NULL here, is in
 * it because SQLite will not call it covering without). */
"CREATE INDEX invoices_unpaid_client ON invoices(client_id, due, amount_cents, currency,"
"  number, issued, paid_at) WHERE paid_at IS NULL;"
/* What was unpaid on a past day and paid since: a range of this one. */
"CREATE INDEX invoices_paid ON invoices(paid_at) WHERE paid_at IS NOT NULL;"
"CREATE TABLE nps ("
"  id INTEGER PRIMARY KEY,"
"  client_id INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,"
"  score INTEGER NOT NULL CHECK (score BETWEEN 0 AND 10),"
"  at TEXT NOT NULL);"
"CREATE INDEX nps_at ON nps(at);"
"CREATE INDEX nps_client ON nps(client_id);"
PRODUCTS_AND_GOALS
"CREATE TABLE costs ("
"  id INTEGER PRIMARY KEY,"
"  month TEXT NOT NULL,"
"  kind TEXT NOT NULL DEFAULT 'marketing'"
"    CHECK (kind = 'marketing' OR kind = 'sales' OR kind = 'service'),"
"  amount_cents INTEGER NOT NULL,"
"  client_id INTEGER REFERENCES clients(id) ON DELETE CASCADE,"
"  note TEXT);"
"CREATE INDEX costs_month ON costs(month);"
"CREATE TABLE outbox ("
"  id INTEGER PRIMARY KEY,"
"  idem_key TEXT NOT NULL UNIQUE,"
"  kind TEXT NOT NULL,"
"  owner_id INTEGER REFERENCES owners(id) ON DELETE SET NULL,"
"  client_id INTEGER REFERENCES clients(id) ON DELETE SET NULL,"
"  from_name TEXT,"
"  from_addr TEXT NOT NULL,"
"  to_name TEXT,"
"  to_addr TEXT NOT NULL,"
"  subject TEXT NOT NULL,"
"  message_id TEXT NOT NULL,"
"  body_text TEXT NOT NULL,"
"  body_html TEXT,"
"  unsubscribe TEXT,"
"  attachments BLOB,"
"  status TEXT NOT NULL DEFAULT 'pending'"
"    CHECK (status = 'pending' OR status = 'sent' OR status = 'failed'),"
"  attempts INTEGER NOT NULL DEFAULT 0,"
"  created_at INTEGER NOT NULL,"
"  next_attempt_at INTEGER NOT NULL,"
"  sent_at INTEGER,"
"  last_code INTEGER,"
"  last_error TEXT,"
"  reply_to TEXT,"
/* Which daemon is delivering a message, and until when (app clock): on a
 * server several daemons share the outbox, and a lease that runs out is
 * taken over.  NULL: nobody (SQLite: always). */
"  claimed_by TEXT,"
"  lease_until INTEGER);"
"CREATE INDEX outbox_pending ON outbox(next_attempt_at) WHERE status = 'pending';"
"CREATE INDEX outbox_created ON outbox(created_at);"
"CREATE INDEX outbox_client ON outbox(client_id, kind, created_at) WHERE client_id IS NOT NULL;"
/* Actions taken from the web (a digest link, a form of the page): the
 * idempotency key of each, recorded in the write's own transaction. */
"CREATE TABLE web_actions ("
"  id TEXT PRIMARY KEY,"
"  owner_id INTEGER REFERENCES owners(id) ON DELETE CASCADE,"
"  at INTEGER NOT NULL,"
"  what TEXT NOT NULL);"
"CREATE INDEX web_actions_at ON web_actions(at);"
/* Last touch: the newest interaction (ties: the last inserted). */
"CREATE TRIGGER interactions_ai AFTER INSERT ON interactions BEGIN"
"  UPDATE clients SET last_touch_at = NEW.at, last_touch_kind = NEW.kind,"
"    last_outcome = NEW.outcome"
"  WHERE id = NEW.client_id AND (last_touch_at IS NULL OR last_touch_at <= NEW.at);"
"END;"
"CREATE TRIGGER interactions_au AFTER UPDATE ON interactions BEGIN"
"  UPDATE clients SET (last_touch_at, last_touch_kind, last_outcome) ="
"    (SELECT at, kind, outcome FROM interactions WHERE client_id = clients.id"
"     ORDER BY at DESC, id DESC LIMIT 1)"
"  WHERE id IN (OLD.client_id, NEW.client_id);"
"END;"
"CREATE TRIGGER interactions_ad AFTER DELETE ON interactions BEGIN"
"  UPDATE clients SET (last_touch_at, last_touch_kind, last_outcome) ="
"    (SELECT at, kind, outcome FROM interactions WHERE client_id = clients.id"
"     ORDER BY at DESC, id DESC LIMIT 1)"
"  WHERE id = OLD.client_id;"
"END;"
"CREATE TRIGGER invoices_ai AFTER INSERT ON invoices BEGIN"
PURCHASE_STATS("NEW.client_id")
"END;"
"CREATE TRIGGER invoices_au AFTER UPDATE ON invoices BEGIN"
PURCHASE_STATS("OLD.client_id, NEW.client_id")
"END;"
"CREATE TRIGGER invoices_ad AFTER DELETE ON invoices BEGIN"
PURCHASE_STATS("OLD.client_id")
"END;"
/* replied_at: the first touch 'in' after the newest touch 'out' (ties:
 * the later id), if that one waited for the client. */
"CREATE TRIGGER interactions_reply_ai AFTER INSERT ON interactions"
"  WHEN NEW.direction = 'in' OR"
"    (SELECT replied_at FROM clients WHERE id = NEW.client_id) IS NOT NULL BEGIN"
"  UPDATE clients SET replied_at = " CLIENT_REPLIED_AT " WHERE id = NEW.client_id;"
"END;"
"CREATE TRIGGER interactions_reply_au AFTER UPDATE ON interactions BEGIN"
"  UPDATE clients SET replied_at = " CLIENT_REPLIED_AT
"  WHERE id IN (OLD.client_id, NEW.client_id);"
"END;"
"CREATE TRIGGER interactions_reply_ad AFTER DELETE ON interactions BEGIN"
"  UPDATE clients SET replied_at = " CLIENT_REPLIED_AT " WHERE id = OLD.client_id;"
"END;"
SCHEMA_MAIL_IN;

/*
 * The current schema on PostgreSQL: the same tables, columns, checks and
 * indexes (INTEGER is BIGINT, an INTEGER PRIMARY KEY an identity column,
 * REAL double precision, BLOB bytea), SQLite's NOCASE as an ICU collation
 * of the same name, the derived-column triggers in PL/pgSQL, and the few
 * SQLite functions the store's SQL uses (instr, two-argument max and min)
 * so that one text serves both engines.  Every change to a table is
 * announced on the channel cartera_changes (store_pg.c listens).
 */
#define PG_PURCHASE_STATS(ids) \
"  UPDATE clients SET (purchases, first_purchase, last_purchase, median_interval) = (" \
"    SELECT count(DISTINCT issued), min(issued), max(issued)," \
"      (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY gap) FROM (" \
"         SELECT d::date - lag(d::date) OVER (ORDER BY d) AS gap" \
"         FROM (SELECT DISTINCT issued AS d FROM invoices WHERE client_id = clients.id) AS days" \
"       ) AS gaps WHERE gap IS NOT NULL)" \
"    FROM invoices WHERE client_id = clients.id)" \
"  WHERE id IN (" ids ");"

static const char pg_prelude[] =
"CREATE COLLATION nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);"
"CREATE FUNCTION instr(text, text) RETURNS integer LANGUAGE sql IMMUTABLE STRICT"
"  PARALLEL SAFE AS 'SELECT strpos($1, $2)';"
"CREATE FUNCTION max(bigint, bigint) RETURNS bigint LANGUAGE sql IMMUTABLE"
"  PARALLEL SAFE AS 'SELECT CASE WHEN $1 IS NULL OR $2 IS NULL THEN NULL ELSE greatest($1, $2) END';"
"CREATE FUNCTION min(bigint, bigint) RETURNS bigint LANGUAGE sql IMMUTABLE"
"  PARALLEL SAFE AS 'SELECT CASE WHEN $1 IS NULL OR $2 IS NULL THEN NULL ELSE least($1, $2) END';"
"CREATE FUNCTION max(text, text) RETURNS text LANGUAGE sql IMMUTABLE"
"  PARALLEL SAFE AS 'SELECT CASE WHEN $1 IS NULL OR $2 IS NULL THEN NULL ELSE greatest($1, $2) END';"
"CREATE FUNCTION min(text, text) RETURNS text LANGUAGE sql IMMUTABLE"
"  PARALLEL SAFE AS 'SELECT CASE WHEN $1 IS NULL OR $2 IS NULL THEN NULL ELSE least($1, $2) END';"
"CREATE FUNCTION cartera_notify() RETURNS trigger LANGUAGE plpgsql AS $$"
"BEGIN PERFORM pg_notify('cartera_changes', ''); RETURN NULL; END $$;";

/* The derived-column triggers: SQLite's, in PL/pgSQL.  Last touch (the
 * newest interaction; ties: the last inserted) and replied_at, the
 * purchase rhythm. */
static const char pg_triggers[] =
"CREATE FUNCTION cartera_interactions_ai() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
"  UPDATE clients SET last_touch_at = NEW.at, last_touch_kind = NEW.kind,"
"    last_outcome = NEW.outcome"
"  WHERE id = NEW.client_id AND (last_touch_at IS NULL OR last_touch_at <= NEW.at);"
"  RETURN NULL; END $$;"
"CREATE FUNCTION cartera_interactions_reply_ai() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
"  IF NEW.direction = 'in' OR"
"    (SELECT replied_at FROM clients WHERE id = NEW.client_id) IS NOT NULL THEN"
"    UPDATE clients SET replied_at = " CLIENT_REPLIED_AT " WHERE id = NEW.client_id;"
"  END IF;"
"  RETURN NULL; END $$;"
"CREATE FUNCTION cartera_interactions_au() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
"  UPDATE clients SET (last_touch_at, last_touch_kind, last_outcome) ="
"    (SELECT at, kind, outcome FROM interactions WHERE client_id = clients.id"
"     ORDER BY at DESC, id DESC LIMIT 1)"
"  WHERE id IN (OLD.client_id, NEW.client_id);"
"  RETURN NULL; END $$;"
"CREATE FUNCTION cartera_interactions_reply_au() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
"  UPDATE clients SET replied_at = " CLIENT_REPLIED_AT
"  WHERE id IN (OLD.client_id, NEW.client_id);"
"  RETURN NULL; END $$;"
"CREATE FUNCTION cartera_interactions_ad() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
"  UPDATE clients SET (last_touch_at, last_touch_kind, last_outcome) ="
"    (SELECT at, kind, outcome FROM interactions WHERE client_id = clients.id"
"     ORDER BY at DESC, id DESC LIMIT 1)"
"  WHERE id = OLD.client_id;"
"  RETURN NULL; END $$;"
"CREATE FUNCTION cartera_interactions_reply_ad() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
"  UPDATE clients SET replied_at = " CLIENT_REPLIED_AT " WHERE id = OLD.client_id;"
"  RETURN NULL; END $$;"
"CREATE FUNCTION cartera_invoices_ai() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
PG_PURCHASE_STATS("NEW.client_id")
"  RETURN NULL; END $$;"
"CREATE FUNCTION cartera_invoices_au() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
PG_PURCHASE_STATS("OLD.client_id, NEW.client_id")
"  RETURN NULL; END $$;"
"CREATE FUNCTION cartera_invoices_ad() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
PG_PURCHASE_STATS("OLD.client_id")
"  RETURN NULL; END $$;"
"CREATE TRIGGER interactions_ai AFTER INSERT ON interactions"
"  FOR EACH ROW EXECUTE FUNCTION cartera_interactions_ai();"
"CREATE TRIGGER interactions_au AFTER UPDATE ON interactions"
"  FOR EACH ROW EXECUTE FUNCTION cartera_interactions_au();"
"CREATE TRIGGER interactions_ad AFTER DELETE ON interactions"
"  FOR EACH ROW EXECUTE FUNCTION cartera_interactions_ad();"
"CREATE TRIGGER interactions_reply_ai AFTER INSERT ON interactions"
"  FOR EACH ROW EXECUTE FUNCTION cartera_interactions_reply_ai();"
"CREATE TRIGGER interactions_reply_au AFTER UPDATE ON interactions"
"  FOR EACH ROW EXECUTE FUNCTION cartera_interactions_reply_au();"
"CREATE TRIGGER interactions_reply_ad AFTER DELETE ON interactions"
"  FOR EACH ROW EXECUTE FUNCTION cartera_interactions_reply_ad();"
"CREATE TRIGGER invoices_ai AFTER INSERT ON invoices"
"  FOR EACH ROW EXECUTE FUNCTION cartera_invoices_ai();"
"CREATE TRIGGER invoices_au AFTER UPDATE ON invoices"
"  FOR EACH ROW EXECUTE FUNCTION cartera_invoices_au();"
"CREATE TRIGGER invoices_ad AFTER DELETE ON invoices"
"  FOR EACH ROW EXECUTE FUNCTION cartera_invoices_ad();";

/*
 * The tables and indexes on PostgreSQL are SQLite's own script read in
 * PostgreSQL's words, so that the two never drift apart: INTEGER is
 * BIGINT (an "id INTEGER PRIMARY KEY" an identity column), REAL is
 * DOUBLE PRECISION, BLOB is BYTEA, WITHOUT ROWID goes; SQLite's triggers
 * are left out (pg_triggers holds them), and every table gets a
 * statement trigger that notifies cartera_changes.  Write the SQLite
 * schema in words both engines read (CHECK (x = 'a' OR x = 'b'), no
 * SQLite-only functions); tests/pg.sh compares the two.  Allocated.
 */
static int
is_word(const char *p, const char *start, const char *w)
{
	size_t n = strlen(w);

	return strncmp(p, w, n) == 0 && (p == start || !(isalnum((unsigned char)p[-1]) ||
	    p[-1] == '_')) && !(isalnum((unsigned char)p[n]) || p[n] == '_');
}

static char *
pg_schema(void)
{
	static const struct { const char *from, *to; } words[] = {
		{ "INTEGER PRIMARY KEY", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY" },
		{ "INTEGER", "BIGINT" },
		{ "REAL", "DOUBLE PRECISION" },
		{ "BLOB", "BYTEA" },
		{ " WITHOUT ROWID", "" },
	};
	struct buf b = BUF_INIT, notify = BUF_INIT;
	const char *p = schema_sqlite;
	int ok = buf_puts(&b, pg_prelude) == 0;

	while (ok && *p != '\0') {
		size_t i;

		if (*p == '\'') {		/* a literal, as it is */
			const char *q = strchr(p + 1, '\'');
			size_t n = q != NULL ? (size_t)(q + 1 - p) : strlen(p);
			ok = buf_add(&b, p, n) == 0;
			p += n;
			continue;
		}
		if (is_word(p, schema_sqlite, "CREATE TRIGGER")) {
			const char *q = strstr(p, "END;");
			p = q != NULL ? q + 4 : p + strlen(p);
			continue;
		}
		if (is_word(p, schema_sqlite, "CREATE TABLE")) {
			const char *t = p + strlen("CREATE TABLE ");
			size_t n = strcspn(t, " (");
			ok = buf_printf(&notify, "CREATE TRIGGER %.*s_notify AFTER INSERT OR UPDATE"
			    " OR DELETE OR TRUNCATE ON %.*s FOR EACH STATEMENT EXECUTE FUNCTION"
			    " cartera_notify();", (int)n, t, (int)n, t) == 0;
		}
		for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
			if (is_word(p, schema_sqlite, words[i].from + (words[i].from[0] == ' '))) {
				if (words[i].from[0] == ' ' && (p == schema_sqlite || p[-1] != ' '))
					continue;
				if (words[i].from[0] == ' ')
					b.len--;	/* the space before it */
				ok = ok && buf_puts(&b, words[i].to) == 0;
				p += strlen(words[i].from) - (words[i].from[0] == ' ');
				break;
			}
		if (i == sizeof(words) / sizeof(words[0]))
			ok = ok && buf_putc(&b, *p++) == 0;
	}
	ok = ok && buf_puts(&b, pg_triggers) == 0 && buf_puts(&b, notify.data ? notify.data : "") == 0;
	buf_free(&notify);
	if (!ok) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* ---- creating and migrating ------------------------------------------ */

/* A new database at the current schema, in the open write transaction. */
static int
create(struct store *st, char *err, size_t errlen)
{
	char *script;
	int rc;

	if (st->ops->kind == STORE_ENGINE_SQLITE)
		return store_exec(st, schema_sqlite, err, errlen);
	if ((script = pg_schema()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = store_exec(st, script, err, errlen);
	free(script);
	return rc;
}

static int
set_version(struct store *st, int v, char *err, size_t errlen)
{
	char why[512];

	if (st->ops->set_version(st->eng, v, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "%s: %s", st->path, why);
		return -1;
	}
	return 0;
}

static int
get_version(struct store *st, int *v, char *err, size_t errlen)
{
	char why[512];

	if (st->ops->get_version(st->eng, v, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "%s: %s", st->path, why);
		return -1;
	}
	return 0;
}

/*
 * Run fn (create, or the migrations after the version found) in one
 * write transaction.  A rebuilt table is dropped and its copy renamed,
 * which with foreign keys on would delete (cascade) every row that
 * refers to it: SQLite's procedure turns them off around the
 * transaction and checks them before the commit.
 */
static int
upgrade(struct store *st, int target, int replay, char *err, size_t errlen)
{
	int v, rc = -1, sqlite = st->ops->kind == STORE_ENGINE_SQLITE;

	if (sqlite && store_exec(st, "PRAGMA foreign_keys = OFF", err, errlen) == -1)
		return -1;
	if (store_begin(st, err, errlen) == -1)
		goto out;
	/* Re-read under the write lock: another process may have migrated. */
	if (get_version(st, &v, err, errlen) == -1)
		goto fail;
	if (replay && v != 0) {
		snprintf(err, errlen, "%s: not a new database", st->path);
		goto fail;
	}
	if (v == 0 && !replay) {
		if (create(st, err, errlen) == -1)
			goto fail;
		v = target;
	} else if (v < STORE_PG_FIRST_VERSION && !sqlite) {
		snprintf(err, errlen, "%s: schema version %d cannot be migrated on %s",
		    st->path, v, st->ops->name);
		goto fail;
	}
	for (; v < target; v++)
		if (store_migrations[v](st, err, errlen) == -1)
			goto fail;
	if (set_version(st, target, err, errlen) == -1)
		goto fail;
	if (store_commit(st, err, errlen) == -1)
		goto out;
	rc = 0;
	goto out;
fail:
	store_rollback(st);
out:
	if (sqlite && store_exec(st, "PRAGMA foreign_keys = ON", rc == 0 ? err : NULL,
	    rc == 0 ? errlen : 0) == -1)
		rc = -1;
	return rc;
}

int
store_schema_migrate(struct store *st, int readonly, int create, char *err,
    size_t errlen)
{
	int v, target = STORE_SCHEMA_VERSION;

	if (get_version(st, &v, err, errlen) == -1)
		return -1;
	if (v == 0 && !create) {
		snprintf(err, errlen, "%s: not a Cartera database (it has no schema); "
		    "create one with \"cartera init\"", st->path);
		return -1;
	}
	if (v > target) {
		snprintf(err, errlen, "%s: database schema version %d is newer than this "
		    "Cartera understands (%d); upgrade Cartera", st->path, v, target);
		return -1;
	}
	if (v == target) {
		if (!readonly) {
			store_search_keys_repair(st);
			store_page_tokens_repair(st);
		}
		return 0;
	}
	if (v == 0)
		st->created = 1;
	if (readonly) {
		snprintf(err, errlen, "%s: schema version %d needs migrating to %d; "
		    "open it once read-write", st->path, v, target);
		return -1;
	}
	if (upgrade(st, target, 0, err, errlen) == -1)
		return -1;
	store_search_keys_repair(st);
	store_page_tokens_repair(st);
	return 0;
}

int
store_schema_replay(struct store *st, int version, char *err, size_t errlen)
{
	if (version < 1 || version > STORE_SCHEMA_VERSION) {
		snprintf(err, errlen, "no schema version %d", version);
		return -1;
	}
	if (st->ops->kind != STORE_ENGINE_SQLITE) {
		snprintf(err, errlen, "%s: migrations exist for SQLite only", st->path);
		return -1;
	}
	return upgrade(st, version, 1, err, errlen);
}
