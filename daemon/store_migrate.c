/*
 * store_migrate.c - the migrations that bring an older SQLite database to
 * the current schema (store_schema.c runs them), and the repairs of rows
 * written behind the store's back.  A migration that landed is never
 * edited: a schema change appends one here and changes the creation
 * script in store_schema.c to match (test_store_schema proves the two
 * equal).  Part of the store module; no queries of the portfolio.
 */
#include "build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "record.h"
#include "store_engine.h"
#include "store_migrate.h"
#include "tz.h"

/* ---- migrations (SQLite; never edited once landed) ------------------- */

/*
 * Schema version 1, as Cartera first created it.  Later versions append
 * a migration to store_migrations[] and never edit an earlier one.
 */
static const char schema_v1[] =
"CREATE TABLE teams ("
"  id INTEGER PRIMARY KEY,"
"  name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
"  feed_token TEXT NOT NULL UNIQUE,"
"  all_owners INTEGER NOT NULL DEFAULT 0 CHECK (all_owners IN (0, 1)));"
"CREATE TABLE owners ("
"  id INTEGER PRIMARY KEY,"
"  email TEXT NOT NULL UNIQUE COLLATE NOCASE,"
"  name TEXT NOT NULL,"
"  tz TEXT NOT NULL,"
"  digest_at TEXT NOT NULL DEFAULT '08:00',"
"  lang TEXT NOT NULL DEFAULT 'es' CHECK (lang IN ('es', 'en')),"
"  feed_token TEXT NOT NULL UNIQUE,"
"  team_id INTEGER REFERENCES teams(id) ON DELETE SET NULL,"
"  active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),"
"  last_digest_day TEXT,"
"  created_at INTEGER NOT NULL,"
"  updated_at INTEGER NOT NULL);"
"CREATE TABLE segments ("
"  id INTEGER PRIMARY KEY,"
"  name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
"  cadence_days INTEGER CHECK (cadence_days IS NULL OR cadence_days > 0));"
"CREATE TABLE clients ("
"  id INTEGER PRIMARY KEY,"
"  owner_id INTEGER REFERENCES owners(id) ON DELETE SET NULL,"
"  status TEXT NOT NULL DEFAULT 'active'"
"    CHECK (status IN ('active', 'potential', 'inactive', 'lost')),"
"  segment_id INTEGER REFERENCES segments(id) ON DELETE SET NULL,"
"  cadence_days INTEGER CHECK (cadence_days IS NULL OR cadence_days > 0),"
"  next_contact TEXT,"
"  do_not_email INTEGER NOT NULL DEFAULT 0 CHECK (do_not_email IN (0, 1)),"
"  last_touch_at INTEGER,"
"  last_touch_kind TEXT,"
"  last_outcome TEXT,"
"  purchases INTEGER NOT NULL DEFAULT 0,"
"  first_purchase TEXT,"
"  last_purchase TEXT,"
"  median_interval REAL,"
"  name TEXT NOT NULL CHECK (length(name) > 0),"
"  kind TEXT NOT NULL DEFAULT 'company'"
"    CHECK (kind IN ('company', 'freelancer', 'individual')),"
"  sector TEXT,"
"  tax_id TEXT,"
"  address TEXT,"
"  city TEXT,"
"  postal_code TEXT,"
"  country TEXT,"
"  unsub_token TEXT UNIQUE,"
"  created_at INTEGER NOT NULL,"
"  updated_at INTEGER NOT NULL,"
"  notes TEXT);"
"CREATE INDEX clients_owner ON clients(owner_id, status);"
"CREATE INDEX clients_name ON clients(name COLLATE NOCASE);"
"CREATE INDEX clients_tax_id ON clients(tax_id) WHERE tax_id IS NOT NULL;"
"CREATE INDEX clients_segment ON clients(segment_id);"
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
"  is_primary INTEGER NOT NULL DEFAULT 0 CHECK (is_primary IN (0, 1)));"
"CREATE INDEX contacts_client ON contacts(client_id, is_primary);"
"CREATE UNIQUE INDEX contacts_primary ON contacts(client_id) WHERE is_primary = 1;"
"CREATE INDEX contacts_email ON contacts(email COLLATE NOCASE) WHERE email IS NOT NULL;"
"CREATE TABLE interactions ("
"  id INTEGER PRIMARY KEY,"
"  client_id INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,"
"  kind TEXT NOT NULL CHECK (kind IN"
"    ('call', 'visit', 'email', 'meeting', 'note', 'sample', 'survey')),"
"  at INTEGER NOT NULL,"
"  outcome TEXT NOT NULL DEFAULT 'done' CHECK (outcome IN ('done', 'waiting', 'no-answer')),"
"  note TEXT,"
"  by_owner_id INTEGER REFERENCES owners(id) ON DELETE SET NULL);"
"CREATE INDEX interactions_client ON interactions(client_id, at);"
"CREATE INDEX interactions_at ON interactions(at);"
"CREATE TABLE activities ("
"  id INTEGER PRIMARY KEY,"
"  uid TEXT NOT NULL UNIQUE,"
"  client_id INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,"
"  owner_id INTEGER NOT NULL REFERENCES owners(id) ON DELETE CASCADE,"
"  kind TEXT NOT NULL CHECK (kind IN ('call', 'visit')),"
"  start_at INTEGER NOT NULL,"
"  tz TEXT NOT NULL,"
"  duration_min INTEGER NOT NULL DEFAULT 30 CHECK (duration_min > 0),"
"  location TEXT,"
"  note TEXT,"
"  status TEXT NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'done', 'cancelled')),"
"  sequence INTEGER NOT NULL DEFAULT 0,"
"  created_at INTEGER NOT NULL,"
"  last_modified INTEGER NOT NULL);"
"CREATE INDEX activities_owner ON activities(owner_id, start_at);"
"CREATE INDEX activities_client ON activities(client_id);"
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
"CREATE INDEX invoices_client ON invoices(client_id, issued);"
"CREATE INDEX invoices_issued ON invoices(issued);"
"CREATE INDEX invoices_unpaid ON invoices(due) WHERE paid_at IS NULL;"
"CREATE TABLE nps ("
"  id INTEGER PRIMARY KEY,"
"  client_id INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,"
"  score INTEGER NOT NULL CHECK (score BETWEEN 0 AND 10),"
"  at TEXT NOT NULL);"
"CREATE INDEX nps_at ON nps(at);"
"CREATE INDEX nps_client ON nps(client_id);"
"CREATE TABLE costs ("
"  id INTEGER PRIMARY KEY,"
"  month TEXT NOT NULL,"
"  kind TEXT NOT NULL DEFAULT 'marketing' CHECK (kind IN ('marketing', 'sales', 'service')),"
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
"  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),"
"  attempts INTEGER NOT NULL DEFAULT 0,"
"  created_at INTEGER NOT NULL,"
"  next_attempt_at INTEGER NOT NULL,"
"  sent_at INTEGER,"
"  last_code INTEGER,"
"  last_error TEXT);"
"CREATE INDEX outbox_pending ON outbox(next_attempt_at) WHERE status = 'pending';"
"CREATE INDEX outbox_created ON outbox(created_at);"
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
"END;";

/*
 * Purchase rhythm of a client: number of distinct purchase days, first and
 * last, and the median gap in days between consecutive purchase days.
 * The same statement serves three triggers; %s is the client id.
 */
static const char purchase_stats_fmt[] =
"UPDATE clients SET (purchases, first_purchase, last_purchase, median_interval) = ("
"  SELECT count(DISTINCT issued), min(issued), max(issued),"
"    (SELECT avg(gap) FROM ("
"       SELECT gap, row_number() OVER (ORDER BY gap) AS rn, count(*) OVER () AS cnt FROM ("
"         SELECT julianday(d) - julianday(lag(d) OVER (ORDER BY d)) AS gap"
"         FROM (SELECT DISTINCT issued AS d FROM invoices WHERE client_id = clients.id))"
"       WHERE gap IS NOT NULL)"
"     WHERE rn IN ((cnt + 1) / 2, (cnt + 2) / 2))"
"  FROM invoices WHERE client_id = clients.id)"
"WHERE id IN (%s);";

static const struct {
	const char	*name;
	const char	*event;
	const char	*ids;
} purchase_triggers[] = {
	{ "invoices_ai", "INSERT", "NEW.client_id" },
	{ "invoices_au", "UPDATE", "OLD.client_id, NEW.client_id" },
	{ "invoices_ad", "DELETE", "OLD.client_id" },
};

static int
migrate_v1(struct store *st, char *err, size_t errlen)
{
	char sql[4096];

	if (store_exec(st, schema_v1, err, errlen) == -1)
		return -1;
	for (size_t i = 0; i < sizeof(purchase_triggers) / sizeof(purchase_triggers[0]); i++) {
		int n = snprintf(sql, sizeof(sql),
		    "CREATE TRIGGER %s AFTER %s ON invoices BEGIN ",
		    purchase_triggers[i].name, purchase_triggers[i].event);
		n += snprintf(sql + n, sizeof(sql) - (size_t)n, purchase_stats_fmt,
		    purchase_triggers[i].ids);
		snprintf(sql + n, sizeof(sql) - (size_t)n, " END;");
		if (store_exec(st, sql, err, errlen) == -1)
			return -1;
	}
	return 0;
}

/*
 * Version 2: per-client opt-in/out of follow-up emails (NULL follows the
 * client_emails.segments rule) and a Reply-To for messages sent on a
 * salesperson's behalf.
 */
static const char schema_v2[] =
"ALTER TABLE clients ADD COLUMN followup INTEGER CHECK (followup IN (0, 1));"
"ALTER TABLE outbox ADD COLUMN reply_to TEXT;"
"CREATE INDEX outbox_client ON outbox(client_id, kind, created_at) WHERE client_id IS NOT NULL;";

static int
migrate_v2(struct store *st, char *err, size_t errlen)
{
	return store_exec(st, schema_v2, err, errlen);
}

/*
 * Version 3: the scanner's index.  Each salesperson's scan reads these
 * columns of their clients only; in the table they are scattered among
 * everyone's clients (wide rows, notes), so scanning owner after owner
 * read the whole table once per owner.  A covering index ordered by
 * owner makes each scan one contiguous range (and supersedes
 * clients_owner, its prefix).  Unpaid invoices get a covering one by
 * client too, so the overdue list reads no invoice rows (paid_at, always
 * NULL there, is in it because SQLite will not call it covering without).
 */
static const char schema_v3[] =
"CREATE INDEX clients_scan ON clients(owner_id, status, segment_id, cadence_days,"
"  next_contact, last_touch_at, last_outcome, purchases, last_purchase,"
"  median_interval, created_at);"
"DROP INDEX clients_owner;"
"CREATE INDEX invoices_unpaid_client ON invoices(client_id, due, amount_cents, currency,"
"  number, paid_at) WHERE paid_at IS NULL;";

static int
migrate_v3(struct store *st, char *err, size_t errlen)
{
	return store_exec(st, schema_v3, err, errlen);
}


/* A table migrate_vN gives a new definition. */
struct rebuilt_table {
	const char	*name;
	const char	*create;	/* "CREATE TABLE new_<name> (...)" */
};

static int
keep_sql(char ***v, size_t *n, const char *sql, char *err, size_t errlen)
{
	char **nv = reallocarray(*v, *n + 1, sizeof(**v));

	if (nv == NULL || (nv[*n] = strdup(sql)) == NULL) {
		if (nv != NULL)
			*v = nv;
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	*v = nv;
	(*n)++;
	return 0;
}

/* INSERT INTO to (its columns) SELECT the same columns FROM from. */
static int
copy_rows(struct store *st, const char *to, const char *from, char *err, size_t errlen)
{
	static const char cols_sql[] = "SELECT name FROM pragma_table_info(?) ORDER BY cid";
	struct buf cols = BUF_INIT, sql = BUF_INIT;
	struct stmt *s;
	int rc, ret = -1;

	if ((s = stmt_new(st, cols_sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_text(s, 1, to);
	while ((rc = stmt_step(s)) == STMT_ROW)
		buf_printf(&cols, "%s\"%s\"", cols.len > 0 ? ", " : "", stmt_text(s, 0));
	stmt_free(s);
	if (rc != STMT_DONE)
		store_fail(st, err, errlen, "reading the schema");
	else if (buf_printf(&sql, "INSERT INTO %s (%s) SELECT %s FROM %s", to, cols.data,
	    cols.data, from) == -1)
		snprintf(err, errlen, "out of memory");
	else
		ret = store_exec(st, sql.data, err, errlen);
	buf_free(&cols);
	buf_free(&sql);
	return ret;
}

/*
 * Give tables new definitions the way SQLite documents for any change
 * ALTER TABLE cannot make ("Making Other Kinds Of Table Schema Changes",
 * the 12 steps of lang_altertable.html): inside the migration's
 * transaction, with foreign keys off (upgrade()), keep the SQL of the
 * tables' indexes and of every trigger, drop the triggers, then per table
 * create new_X, copy the rows (the columns new_X has), drop X and rename
 * new_X to X; recreate the indexes and triggers; check the foreign keys.
 * Table names come from the migration's fixed list and column names from
 * the schema, never from user text.
 */
static int
rebuild_tables(struct store *st, const struct rebuilt_table *t, size_t nt,
    char *err, size_t errlen)
{
	static const char saved_sql[] =
	    "SELECT type, name, tbl_name, sql FROM sqlite_schema"
	    " WHERE sql IS NOT NULL AND (type = 'index' OR type = 'trigger')"
	    " ORDER BY type = 'trigger', name";
	struct stmt *s;
	char **keep = NULL, sql[512];
	size_t nkeep = 0;
	int rc = -1, step;

	if ((s = stmt_new(st, saved_sql, err, errlen)) == NULL)
		return -1;
	while ((step = stmt_step(s)) == STMT_ROW) {
		const char *type = stmt_text(s, 0), *name = stmt_text(s, 1);
		const char *table = stmt_text(s, 2);
		int mine = strcmp(type, "trigger") == 0;

		for (size_t i = 0; i < nt && !mine; i++)
			mine = strcmp(table, t[i].name) == 0;
		if (!mine)
			continue;
		if (keep_sql(&keep, &nkeep, stmt_text(s, 3), err, errlen) == -1)
			goto out;
		if (strcmp(type, "trigger") == 0) {
			snprintf(sql, sizeof(sql), "DROP TRIGGER \"%s\"", name);
			if (keep_sql(&keep, &nkeep, sql, err, errlen) == -1)
				goto out;
		}
	}
	if (step != STMT_DONE) {
		store_fail(st, err, errlen, "reading the schema");
		goto out;
	}
	stmt_free(s);
	s = NULL;
	/* The DROP TRIGGERs, kept right after each trigger's text. */
	for (size_t i = 0; i < nkeep; i++)
		if (strncmp(keep[i], "DROP TRIGGER ", 13) == 0 &&
		    store_exec(st, keep[i], err, errlen) == -1)
			goto out;
	for (size_t i = 0; i < nt; i++) {
		if (store_exec(st, t[i].create, err, errlen) == -1)
			goto out;
		snprintf(sql, sizeof(sql), "new_%s", t[i].name);
		if (copy_rows(st, sql, t[i].name, err, errlen) == -1)
			goto out;
		snprintf(sql, sizeof(sql), "DROP TABLE %s; ALTER TABLE new_%s RENAME TO %s;",
		    t[i].name, t[i].name, t[i].name);
		if (store_exec(st, sql, err, errlen) == -1)
			goto out;
	}
	for (size_t i = 0; i < nkeep; i++)
		if (strncmp(keep[i], "DROP TRIGGER ", 13) != 0 &&
		    store_exec(st, keep[i], err, errlen) == -1)
			goto out;
	if ((s = stmt_new(st, "PRAGMA foreign_key_check", err, errlen)) == NULL)
		goto out;
	if ((step = stmt_step(s)) == STMT_ROW)
		snprintf(err, errlen, "%s: rows of %s refer to missing rows of %s",
		    st->path, stmt_text(s, 0), stmt_text(s, 2));
	else if (step != STMT_DONE)
		store_fail(st, err, errlen, "checking foreign keys");
	else
		rc = 0;
out:
	stmt_free(s);
	for (size_t i = 0; i < nkeep; i++)
		free(keep[i]);
	free(keep);
	return rc;
}

/*
 * Version 4: CHECK (x IN ('a', 'b', ...)) becomes CHECK (x = 'a' OR x =
 * 'b' ...), the same constraint.  SQLite builds a temporary b-tree for
 * an IN list each time a statement runs, so every row inserted paid for
 * three of them: 28 % of an import's instructions.  The tables are
 * rebuilt with the new text (rebuild_tables).  Until this was a rebuild
 * it rewrote the stored schema text in place; databases migrated that
 * way hold the same definitions.
 */
static const struct rebuilt_table v4_tables[] = {
	{ "teams", "CREATE TABLE new_teams ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
	"  feed_token TEXT NOT NULL UNIQUE,"
	"  all_owners INTEGER NOT NULL DEFAULT 0 CHECK (all_owners = 0 OR all_owners = 1))" },
	{ "owners", "CREATE TABLE new_owners ("
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
	"  updated_at INTEGER NOT NULL)" },
	{ "clients", "CREATE TABLE new_clients ("
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
	"  followup INTEGER CHECK (followup = 0 OR followup = 1))" },
	{ "contacts", "CREATE TABLE new_contacts ("
	"  id INTEGER PRIMARY KEY,"
	"  client_id INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,"
	"  name TEXT,"
	"  role TEXT,"
	"  email TEXT,"
	"  phone TEXT,"
	"  is_primary INTEGER NOT NULL DEFAULT 0 CHECK (is_primary = 0 OR is_primary = 1))" },
	{ "interactions", "CREATE TABLE new_interactions ("
	"  id INTEGER PRIMARY KEY,"
	"  client_id INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,"
	"  kind TEXT NOT NULL CHECK (kind = 'call' OR kind = 'visit' OR kind = 'email'"
	"    OR kind = 'meeting' OR kind = 'note' OR kind = 'sample' OR kind = 'survey'),"
	"  at INTEGER NOT NULL,"
	"  outcome TEXT NOT NULL DEFAULT 'done'"
	"    CHECK (outcome = 'done' OR outcome = 'waiting' OR outcome = 'no-answer'),"
	"  note TEXT,"
	"  by_owner_id INTEGER REFERENCES owners(id) ON DELETE SET NULL)" },
	{ "activities", "CREATE TABLE new_activities ("
	"  id INTEGER PRIMARY KEY,"
	"  uid TEXT NOT NULL UNIQUE,"
	"  client_id INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,"
	"  owner_id INTEGER NOT NULL REFERENCES owners(id) ON DELETE CASCADE,"
	"  kind TEXT NOT NULL CHECK (kind = 'call' OR kind = 'visit'),"
	"  start_at INTEGER NOT NULL,"
	"  tz TEXT NOT NULL,"
	"  duration_min INTEGER NOT NULL DEFAULT 30 CHECK (duration_min > 0),"
	"  location TEXT,"
	"  note TEXT,"
	"  status TEXT NOT NULL DEFAULT 'planned'"
	"    CHECK (status = 'planned' OR status = 'done' OR status = 'cancelled'),"
	"  sequence INTEGER NOT NULL DEFAULT 0,"
	"  created_at INTEGER NOT NULL,"
	"  last_modified INTEGER NOT NULL)" },
	{ "costs", "CREATE TABLE new_costs ("
	"  id INTEGER PRIMARY KEY,"
	"  month TEXT NOT NULL,"
	"  kind TEXT NOT NULL DEFAULT 'marketing'"
	"    CHECK (kind = 'marketing' OR kind = 'sales' OR kind = 'service'),"
	"  amount_cents INTEGER NOT NULL,"
	"  client_id INTEGER REFERENCES clients(id) ON DELETE CASCADE,"
	"  note TEXT)" },
	{ "outbox", "CREATE TABLE new_outbox ("
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
	"  reply_to TEXT)" },
};

static int
migrate_v4(struct store *st, char *err, size_t errlen)
{
	return rebuild_tables(st, v4_tables, sizeof(v4_tables) / sizeof(v4_tables[0]),
	    err, errlen);
}

/*
 * Version 5: the follow-up loop (README "The follow-up loop").
 *   - interactions.direction: 'out' we reached the client, 'in' the
 *     client reached us.
 *   - clients.replied_at: the first touch 'in' after our newest touch
 *     'out', when that one was waiting for the client (kept by triggers;
 *     NULL otherwise); clients.next_contact_by: who set next_contact
 *     ('touch', 'snooze', NULL by hand).
 *   - activities: every kind of planned follow-up, and all-day ones
 *     (day = their local date; start_at is then the start of that day),
 *     and touch_id, the touch their completion recorded (one per activity).
 *     Widening a CHECK means rebuilding the table, the way SQLite
 *     documents (nothing references activities before this version).
 *   - owners.days, owners.holidays: a salesperson's own working days
 *     (NULL follows digest.days and digest.holidays).
 *   - clients_scan covers the two new client columns the scan reads.
 */
static const char schema_v5[] =
"CREATE TABLE activities_v5 ("
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
"INSERT INTO activities_v5 (id, uid, client_id, owner_id, kind, start_at, tz, duration_min,"
"  location, note, status, sequence, created_at, last_modified)"
"  SELECT id, uid, client_id, owner_id, kind, start_at, tz, duration_min, location, note,"
"  status, sequence, created_at, last_modified FROM activities;"
"DROP TABLE activities;"
"ALTER TABLE activities_v5 RENAME TO activities;"
"CREATE INDEX activities_owner ON activities(owner_id, start_at);"
"CREATE INDEX activities_client ON activities(client_id);"
"CREATE INDEX activities_touch ON activities(touch_id);"
"ALTER TABLE interactions ADD COLUMN direction TEXT NOT NULL DEFAULT 'out'"
"  CHECK (direction = 'out' OR direction = 'in');"
"ALTER TABLE clients ADD COLUMN replied_at INTEGER;"
"ALTER TABLE clients ADD COLUMN next_contact_by TEXT"
"  CHECK (next_contact_by IS NULL OR next_contact_by = 'touch' OR next_contact_by = 'snooze');"
"ALTER TABLE owners ADD COLUMN days TEXT;"
"ALTER TABLE owners ADD COLUMN holidays TEXT;"
"DROP INDEX clients_scan;"
"CREATE INDEX clients_scan ON clients(owner_id, status, segment_id, cadence_days,"
"  next_contact, next_contact_by, last_touch_at, last_outcome, replied_at, purchases,"
"  last_purchase, median_interval, created_at);"
/* replied_at of a client (clients.id in the UPDATE below): the first
 * touch 'in' after the newest touch 'out' (ties: the later id), if that
 * one waited for the client. */
#define REPLIED_AT \
"(SELECT min(i.at) FROM interactions i,"	\
"   (SELECT at, id, outcome FROM interactions WHERE client_id = clients.id"	\
"    AND direction = 'out' ORDER BY at DESC, id DESC LIMIT 1) w"	\
"  WHERE i.client_id = clients.id AND i.direction = 'in' AND w.outcome = 'waiting'"	\
"  AND (i.at > w.at OR (i.at = w.at AND i.id > w.id)))"
"CREATE TRIGGER interactions_reply_ai AFTER INSERT ON interactions"
"  WHEN NEW.direction = 'in' OR"
"    (SELECT replied_at FROM clients WHERE id = NEW.client_id) IS NOT NULL BEGIN"
"  UPDATE clients SET replied_at = " REPLIED_AT " WHERE id = NEW.client_id;"
"END;"
"CREATE TRIGGER interactions_reply_au AFTER UPDATE ON interactions BEGIN"
"  UPDATE clients SET replied_at = " REPLIED_AT
"  WHERE id IN (OLD.client_id, NEW.client_id);"
"END;"
"CREATE TRIGGER interactions_reply_ad AFTER DELETE ON interactions BEGIN"
"  UPDATE clients SET replied_at = " REPLIED_AT " WHERE id = OLD.client_id;"
"END;";
#undef REPLIED_AT

/*
 * Before version 5 a touch left the next-contact date it satisfied in
 * place, red for ever.  Clear each one that a touch on or after it (its
 * local day in the owner's zone) has satisfied.
 */
static int
clear_satisfied_next(struct store *st, char *err, size_t errlen)
{
	struct stmt *sel = NULL, *upd = NULL;
	int rc, ret = -1;

	if ((sel = stmt_new(st, "SELECT c.id, c.next_contact, c.last_touch_at,"
	    " coalesce(o.tz, 'UTC') FROM clients c LEFT JOIN owners o ON o.id = c.owner_id"
	    " WHERE c.next_contact IS NOT NULL AND c.last_touch_at IS NOT NULL", err,
	    errlen)) == NULL ||
	    (upd = stmt_new(st, "UPDATE clients SET next_contact = NULL WHERE id = ?",
	    err, errlen)) == NULL) {
		store_fail(st, err, errlen, "clearing satisfied next-contact dates");
		goto out;
	}
	while ((rc = stmt_step(sel)) == STMT_ROW) {
		const char *next = stmt_text(sel, 1);
		const char *tz = stmt_text(sel, 3);
		long nday, tday;

		if (clock_date_parse(next, &nday) == -1 || tz_local_day(tz, (time_t)
		    stmt_int(sel, 2), &tday, NULL) == -1 || tday < nday)
			continue;
		stmt_bind_int(upd, 1, stmt_int(sel, 0));
		rc = stmt_step(upd);
		stmt_reset(upd);
		if (rc != STMT_DONE)
			break;
	}
	if (rc != STMT_DONE) {
		store_fail(st, err, errlen, "clearing satisfied next-contact dates");
		goto out;
	}
	ret = 0;
out:
	stmt_free(sel);
	stmt_free(upd);
	return ret;
}

static int
migrate_v5(struct store *st, char *err, size_t errlen)
{
	if (store_exec(st, schema_v5, err, errlen) == -1)
		return -1;
	return clear_satisfied_next(st, err, errlen);
}

/*
 * Version 6: search keys (record_search_key: case, accents and
 * punctuation ignored, "Clínica Dental, S.L." -> "clinica dental sl") of
 * client names, cities and sectors and of contact names, indexed, so that
 * a name typed without its accents is found by one index lookup (exact,
 * or prefix as a range).  A NULL search_name means "not computed yet"
 * (rows written by another program such as gen-portfolio):
 * search_keys_fill() computes those at every read-write open, found
 * through partial indexes that are otherwise empty.  The keys depend on
 * record_fold: a change of what it folds needs a migration that sets the
 * search_name columns to NULL.
 */
static const char schema_v6[] =
"ALTER TABLE clients ADD COLUMN search_name TEXT;"
"ALTER TABLE clients ADD COLUMN search_city TEXT;"
"ALTER TABLE clients ADD COLUMN search_sector TEXT;"
"ALTER TABLE contacts ADD COLUMN search_name TEXT;"
"CREATE INDEX clients_search_name ON clients(search_name);"
"CREATE INDEX clients_search_city ON clients(search_city) WHERE search_city IS NOT NULL;"
"CREATE INDEX clients_search_sector ON clients(search_sector) WHERE search_sector IS NOT NULL;"
"CREATE INDEX contacts_search_name ON contacts(search_name, client_id);"
"CREATE INDEX clients_search_missing ON clients(id) WHERE search_name IS NULL;"
"CREATE INDEX contacts_search_missing ON contacts(id)"
"  WHERE search_name IS NULL AND name IS NOT NULL;";

/* Search keys not computed yet, computed (inside the caller's transaction). */
static int
search_keys_fill(struct store *st, char *err, size_t errlen)
{
	static const char *const sqls[][2] = {
		{ "SELECT id, name, city, sector FROM clients WHERE search_name IS NULL",
		  "UPDATE clients SET search_name = ?, search_city = ?, search_sector = ?"
		  " WHERE id = ?" },
		{ "SELECT id, name FROM contacts WHERE search_name IS NULL AND name IS NOT NULL",
		  "UPDATE contacts SET search_name = ? WHERE id = ?" },
	};
	struct stmt *sel = NULL, *upd = NULL;
	int rc = STMT_DONE, ret = -1;

	for (size_t q = 0; q < 2; q++) {
		int ncols = q == 0 ? 3 : 1;

		if ((sel = stmt_new(st, sqls[q][0], err, errlen)) == NULL ||
		    (upd = stmt_new(st, sqls[q][1], err, errlen)) == NULL) {
			store_fail(st, err, errlen, "computing search keys");
			goto out;
		}
		while ((rc = stmt_step(sel)) == STMT_ROW) {
			for (int i = 0; i < ncols; i++) {
				const char *v = stmt_text(sel, i + 1);
				/* A name always has a key, "" when it has no letters. */
				if (i == 0 && v == NULL)
					v = "";
				if (i == 0 && *v == '\0')
					stmt_bind_text(upd, 1, "");
				else if (stmt_bind_key(upd, i + 1, v) == -1) {
					snprintf(err, errlen, "out of memory");
					goto out;
				}
			}
			stmt_bind_int(upd, ncols + 1, stmt_int(sel, 0));
			rc = stmt_step(upd);
			stmt_reset(upd);
			if (rc != STMT_DONE) {
				store_fail(st, err, errlen, "storing search keys");
				goto out;
			}
		}
		if (rc != STMT_DONE) {
			store_fail(st, err, errlen, "reading names");
			goto out;
		}
		stmt_free(sel);
		stmt_free(upd);
		sel = upd = NULL;
	}
	ret = 0;
out:
	stmt_free(sel);
	stmt_free(upd);
	return ret;
}

static int
migrate_v6(struct store *st, char *err, size_t errlen)
{
	if (store_exec(st, schema_v6, err, errlen) == -1)
		return -1;
	return search_keys_fill(st, err, errlen);
}

/* Keys missing (rows written behind the store's back), computed in one
 * transaction.  A failure (another writer holds the lock too long)
 * leaves them for the next open; lookups of those rows miss meanwhile. */
void
store_search_keys_repair(struct store *st)
{
	struct stmt *s;
	char err[256];
	int missing = 0;

	if ((s = stmt_new(st, "SELECT EXISTS (SELECT 1 FROM clients"
	    " WHERE search_name IS NULL) OR EXISTS (SELECT 1 FROM contacts"
	    " WHERE search_name IS NULL AND name IS NOT NULL)", err, sizeof(err))) == NULL)
		return;
	missing = stmt_step(s) == STMT_ROW && stmt_int(s, 0);
	stmt_free(s);
	if (!missing || store_begin(st, err, sizeof(err)) == -1)
		return;
	if (search_keys_fill(st, err, sizeof(err)) == -1 ||
	    store_commit(st, err, sizeof(err)) == -1)
		store_rollback(st);
}

static int	page_tokens_fill(struct store *, char *, size_t);

/* Salespeople without a page token (written behind the store's back, as
 * contrib/gen-portfolio --db does) get one, as search keys do above. */
void
store_page_tokens_repair(struct store *st)
{
	struct stmt *s;
	char err[256];
	int missing;

	if ((s = stmt_new(st, "SELECT EXISTS (SELECT 1 FROM owners WHERE page_token IS NULL)",
	    err, sizeof(err))) == NULL)
		return;
	missing = stmt_step(s) == STMT_ROW && stmt_int(s, 0);
	stmt_free(s);
	if (!missing || store_begin(st, err, sizeof(err)) == -1)
		return;
	if (page_tokens_fill(st, err, sizeof(err)) == -1 ||
	    store_commit(st, err, sizeof(err)) == -1)
		store_rollback(st);
}

/*
 * Version 7: "the same company" (store_client_duplicate) found by index:
 * a client's search key without its spaces ("talleresperezsl" for
 * "Talleres Pérez, S.L."), an expression over search_name that the
 * lookups spell exactly so.  Built-in functions only: the database stays
 * readable by any SQLite.
 */
static int
migrate_v7(struct store *st, char *err, size_t errlen)
{
	return store_exec(st, "CREATE INDEX clients_name_key ON clients"
	    "((replace(search_name, ' ', '')));", err, errlen);
}

/*
 * Version 8: a salesperson's phone and signature, for the emails sent to
 * clients on their behalf (NULL: none; the templates then leave them out).
 */
static const char schema_v8[] =
"ALTER TABLE owners ADD COLUMN phone TEXT;"
"ALTER TABLE owners ADD COLUMN signature TEXT;";

static int
migrate_v8(struct store *st, char *err, size_t errlen)
{
	return store_exec(st, schema_v8, err, errlen);
}

/*
 * Version 9: the scan reads clients_scan, one row per client; version 5
 * put two columns in it that almost every row has NULL (who snoozed,
 * when the client answered), which made every scan slower.  They move to
 * two partial indexes holding just the clients they concern, read once
 * per salesperson.
 */
static const char schema_v9[] =
"DROP INDEX clients_scan;"
"CREATE INDEX clients_scan ON clients(owner_id, status, segment_id, cadence_days,"
"  next_contact, last_touch_at, last_outcome, purchases, last_purchase, median_interval,"
"  created_at);"
"CREATE INDEX clients_snoozed ON clients(owner_id, id) WHERE next_contact_by = 'snooze';"
"CREATE INDEX clients_replied ON clients(owner_id, id, replied_at)"
"  WHERE replied_at IS NOT NULL;";

static int
migrate_v9(struct store *st, char *err, size_t errlen)
{
	return store_exec(st, schema_v9, err, errlen);
}

/*
 * Version 10: what a client buys and how it pays, and monthly goals
 * (PRODUCTS_AND_GOALS); clients.payment_method, clients.payment_days (its
 * terms: the default due date of its new invoices) and clients.orders
 * ('self': orders on its own, 'visit': needs a visit).
 */
static const char schema_v10[] =
PRODUCTS_AND_GOALS
"ALTER TABLE clients ADD COLUMN payment_method TEXT CHECK (payment_method IS NULL"
"  OR payment_method = 'transfer' OR payment_method = 'direct_debit'"
"  OR payment_method = 'card' OR payment_method = 'cash'"
"  OR payment_method = 'promissory_note' OR payment_method = 'cheque'"
"  OR payment_method = 'confirming');"
"ALTER TABLE clients ADD COLUMN payment_days INTEGER"
"  CHECK (payment_days IS NULL OR payment_days >= 0);"
"ALTER TABLE clients ADD COLUMN orders TEXT"
"  CHECK (orders IS NULL OR orders = 'self' OR orders = 'visit');";

static int
migrate_v10(struct store *st, char *err, size_t errlen)
{
	return store_exec(st, schema_v10, err, errlen);
}

/* Version 11: mail in (SCHEMA_MAIL_IN above). */
static int
migrate_v11(struct store *st, char *err, size_t errlen)
{
	return store_exec(st, SCHEMA_MAIL_IN, err, errlen);
}

/*
 * Version 12: how a client orders gives its default cadence
 * (cadence.orders_self_days, cadence.orders_visit_days); the scan reads it
 * from a partial index of the few clients it is known for, as it reads
 * the snoozed ones, and clients_scan stays as it is.
 */
static const char schema_v12[] =
"CREATE INDEX clients_orders ON clients(owner_id, id, orders) WHERE orders IS NOT NULL;";

static int
migrate_v12(struct store *st, char *err, size_t errlen)
{
	return store_exec(st, schema_v12, err, errlen);
}

/*
 * Version 13 (issue 12): each salesperson's page, /me/TOKEN, has its own
 * secret token (the feed's is handed to calendar services, which must
 * not be able to act), and the web's actions are recorded once each.
 * Tokens of existing salespeople are made here (page_tokens_fill).
 */
static const char schema_v13[] =
"ALTER TABLE owners ADD COLUMN page_token TEXT;"
"CREATE UNIQUE INDEX owners_page_token ON owners(page_token);"
"CREATE TABLE web_actions ("
"  id TEXT PRIMARY KEY,"
"  owner_id INTEGER REFERENCES owners(id) ON DELETE CASCADE,"
"  at INTEGER NOT NULL,"
"  what TEXT NOT NULL);"
"CREATE INDEX web_actions_at ON web_actions(at);";

/* A page token for every salesperson without one, in the caller's
 * transaction. */
static int
page_tokens_fill(struct store *st, char *err, size_t errlen)
{
	struct stmt *q, *u;
	char tok[40];
	int rc;

	if ((q = stmt_new(st, "SELECT id FROM owners WHERE page_token IS NULL", err,
	    errlen)) == NULL)
		return -1;
	if ((u = stmt_new(st, "UPDATE owners SET page_token = ? WHERE id = ?", err,
	    errlen)) == NULL) {
		stmt_free(q);
		return -1;
	}
	while ((rc = stmt_step(q)) == STMT_ROW) {
		if (store_token(tok, sizeof(tok)) == -1) {
			snprintf(err, errlen, "cannot get random bytes for a page token");
			stmt_free(q);
			stmt_free(u);
			return -1;
		}
		stmt_bind_text(u, 1, tok);
		stmt_bind_int(u, 2, stmt_int(q, 0));
		if (stmt_step(u) != STMT_DONE) {
			stmt_reset(u);
			rc = STMT_ERROR;
			break;
		}
		stmt_reset(u);
	}
	if (rc != STMT_DONE)
		store_fail(st, err, errlen, "making page tokens");
	stmt_free(q);
	stmt_free(u);
	return rc == STMT_DONE ? 0 : -1;
}

static int
migrate_v13(struct store *st, char *err, size_t errlen)
{
	if (store_exec(st, schema_v13, err, errlen) == -1)
		return -1;
	return page_tokens_fill(st, err, errlen);
}

/*
 * Version 14: several daemons on one database server share the outbox;
 * each claims what it delivers for a while (a lease), and a daemon that
 * died leaves its claim to run out.
 */
static int
migrate_v14(struct store *st, char *err, size_t errlen)
{
	return store_exec(st, "ALTER TABLE outbox ADD COLUMN claimed_by TEXT;"
	    "ALTER TABLE outbox ADD COLUMN lease_until INTEGER;", err, errlen);
}

/*
 * Version 15: the weekly list of clients at risk reads every client's
 * history (10M touches and 5M invoices in a portfolio of 1M).  It read
 * each touch's outcome and each invoice's amount from the table, one
 * seek per row; these indexes hold them.  Overdue invoices as of a day
 * come from the unpaid ones and those paid after it, two small ranges,
 * instead of every invoice.  The same on both engines.
 */
static const char schema_v15[] =
"DROP INDEX interactions_client;"
"CREATE INDEX interactions_client ON interactions(client_id, at, outcome);"
"DROP INDEX invoices_client;"
"CREATE INDEX invoices_client ON invoices(client_id, issued, currency, amount_cents);"
"DROP INDEX invoices_unpaid_client;"
"CREATE INDEX invoices_unpaid_client ON invoices(client_id, due, amount_cents, currency,"
"  number, issued, paid_at) WHERE paid_at IS NULL;"
"CREATE INDEX invoices_paid ON invoices(paid_at) WHERE paid_at IS NOT NULL;";

static int
migrate_v15(struct store *st, char *err, size_t errlen)
{
	return store_exec(st, schema_v15, err, errlen);
}

/*
 * Version 16: a scan of every owner starts by reading everyone's invoices
 * overdue as of its day.  It read them from invoices_unpaid_client, by
 * client, and so went through every unpaid invoice (780,000 at a million
 * clients) to keep the overdue ones (180,000).  invoices_unpaid, by due
 * day, now holds what the scan reads of them: one range, the overdue
 * ones alone.  Each owner's planned activities were read through
 * activities_owner and the table, every activity of the owner; a partial
 * index of the planned ones holds what the scan reads, in its order.
 * The same on both engines.
 */
static const char schema_v16[] =
"DROP INDEX invoices_unpaid;"
"CREATE INDEX invoices_unpaid ON invoices(due, client_id, amount_cents, currency, number,"
"  paid_at) WHERE paid_at IS NULL;"
"CREATE INDEX activities_planned ON activities(owner_id, start_at, id, client_id, kind,"
"  duration_min, day, status) WHERE status = 'planned';";

static int
migrate_v16(struct store *st, char *err, size_t errlen)
{
	return store_exec(st, schema_v16, err, errlen);
}

int (*const store_migrations[])(struct store *, char *, size_t) = {
	migrate_v1,
	migrate_v2,
	migrate_v3,
	migrate_v4,
	migrate_v5,
	migrate_v6,
	migrate_v7,
	migrate_v8,
	migrate_v9,
	migrate_v10,
	migrate_v11,
	migrate_v12,
	migrate_v13,
	migrate_v14,
	migrate_v15,
	migrate_v16,
};

_Static_assert(sizeof(store_migrations) / sizeof(store_migrations[0]) == STORE_SCHEMA_VERSION,
    "one migration per schema version");
