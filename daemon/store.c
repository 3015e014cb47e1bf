/*
 * store.c - SQLite storage of the portfolio: connection, schema, queries.
 *
 * Every connection runs in WAL mode with a busy timeout and foreign keys
 * on; writes happen inside BEGIN IMMEDIATE.  Statements are prepared once
 * and cached; user text is only ever bound, never spliced into SQL.
 * Derived columns of clients (last touch, purchase rhythm) are kept by
 * triggers, so they stay right whoever writes the tables.
 * This module must not send mail, serve HTTP or parse command lines.
 */
#include "build.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "store.h"
#include "tz.h"

#define STMT_CACHE	128
#define PUT_CACHE	32

/* A client INSERT or UPDATE for one set of given fields (see client_write). */
struct put_stmt {
	unsigned	 mask;
	sqlite3_stmt	*stmt;
};

struct cached_stmt {
	const char	*sql;
	sqlite3_stmt	*stmt;
};

struct store {
	sqlite3			*db;
	char			*path;
	struct cached_stmt	 cache[STMT_CACHE];
	int			 ncache;
	struct put_stmt		 put[PUT_CACHE];
	int			 nput;
};

/*
 * Schema version 1.  Later versions append a migration to migrations[]
 * and never edit an earlier one.
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

int
store_fail(struct store *st, char *err, size_t errlen, const char *what)
{
	const char *msg = st != NULL && st->db != NULL ? sqlite3_errmsg(st->db) : "?";

	if (st != NULL && st->db != NULL &&
	    sqlite3_extended_errcode(st->db) == SQLITE_FULL)
		msg = "database or disk is full";
	snprintf(err, errlen, "%s: %s: %s", st != NULL && st->path ? st->path : "store",
	    what, msg);
	return -1;
}

static int
exec(struct store *st, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", st->path, msg != NULL ? msg :
		    sqlite3_errmsg(st->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int
user_version(struct store *st, int *v, char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
		return store_fail(st, err, errlen, "reading schema version");
	rc = sqlite3_step(s);
	*v = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW)
		return store_fail(st, err, errlen, "reading schema version");
	return 0;
}

static int
migrate_v1(struct store *st, char *err, size_t errlen)
{
	char sql[4096];

	if (exec(st, schema_v1, err, errlen) == -1)
		return -1;
	for (size_t i = 0; i < sizeof(purchase_triggers) / sizeof(purchase_triggers[0]); i++) {
		int n = snprintf(sql, sizeof(sql),
		    "CREATE TRIGGER %s AFTER %s ON invoices BEGIN ",
		    purchase_triggers[i].name, purchase_triggers[i].event);
		n += snprintf(sql + n, sizeof(sql) - (size_t)n, purchase_stats_fmt,
		    purchase_triggers[i].ids);
		snprintf(sql + n, sizeof(sql) - (size_t)n, " END;");
		if (exec(st, sql, err, errlen) == -1)
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
	return exec(st, schema_v2, err, errlen);
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
	return exec(st, schema_v3, err, errlen);
}

/*
 * Version 4: CHECK (x IN ('a', 'b', ...)) becomes CHECK (x = 'a' OR x =
 * 'b' ...), the same constraint.  SQLite builds a temporary b-tree for
 * an IN list each time a statement runs, so every row inserted paid for
 * three of them: 28 % of an import's instructions.  The table text is
 * rewritten in place, which SQLite documents as safe for a change that
 * leaves the stored content valid (PRAGMA writable_schema, then a new
 * schema_version); where that is not allowed (a defensive build) the
 * tables keep the IN form, only slower.
 */
static char *
check_in_to_or(const char *sql)
{
	struct buf b = BUF_INIT;
	const char *p = sql, *q;

	while ((q = strstr(p, "CHECK (")) != NULL) {
		const char *id = q + 7, *e = id, *l;
		struct buf t = BUF_INIT;
		int ok = 1;

		buf_add(&b, p, (size_t)(id - p));
		p = id;
		while ((*e >= 'a' && *e <= 'z') || *e == '_')
			e++;
		l = e;
		while (*l == ' ' || *l == '\n')
			l++;
		if (e == id || strncmp(l, "IN", 2) != 0)
			continue;
		for (l += 2; *l == ' ' || *l == '\n'; l++)
			;
		if (*l++ != '(')
			continue;
		for (;;) {
			const char *v;

			while (*l == ' ' || *l == '\n')
				l++;
			v = l;
			if (*l == '\'') {
				while (*++l != '\0' && *l != '\'')
					;
				if (*l++ != '\'')
					ok = 0;
			} else
				while (*l >= '0' && *l <= '9')
					l++;
			if (!ok || l == v) {
				ok = 0;
				break;
			}
			if (t.len > 0)
				buf_puts(&t, " OR ");
			buf_add(&t, id, (size_t)(e - id));
			buf_puts(&t, " = ");
			buf_add(&t, v, (size_t)(l - v));
			while (*l == ' ' || *l == '\n')
				l++;
			if (*l == ',') {
				l++;
				continue;
			}
			if (*l++ != ')') {
				ok = 0;
				break;
			}
			while (*l == ' ' || *l == '\n')
				l++;
			if (*l++ != ')')
				ok = 0;
			break;
		}
		if (ok) {
			buf_add(&b, t.data, t.len);
			buf_putc(&b, ')');
			p = l;
		}
		buf_free(&t);
	}
	buf_puts(&b, p);
	return buf_steal(&b);
}

static int
migrate_v4(struct store *st, char *err, size_t errlen)
{
	sqlite3_stmt *s;
	char *names[32], *sqls[32], pragma[64];
	size_t n = 0;
	int rc, version = 0, done = 0;

	(void)err;
	(void)errlen;
	if (sqlite3_prepare_v2(st->db, "SELECT name, sql FROM sqlite_master WHERE type = 'table'"
	    " AND sql LIKE '%CHECK (% IN (%'", -1, &s, NULL) != SQLITE_OK)
		return 0;
	while (n < 32 && sqlite3_step(s) == SQLITE_ROW) {
		if ((names[n] = strdup((const char *)sqlite3_column_text(s, 0))) == NULL)
			break;
		if ((sqls[n] = check_in_to_or((const char *)sqlite3_column_text(s, 1))) == NULL) {
			free(names[n]);
			break;
		}
		n++;
	}
	sqlite3_finalize(s);
	if (sqlite3_prepare_v2(st->db, "PRAGMA schema_version", -1, &s, NULL) == SQLITE_OK) {
		if (sqlite3_step(s) == SQLITE_ROW)
			version = sqlite3_column_int(s, 0);
		sqlite3_finalize(s);
	}
	if (n > 0 && version > 0 &&
	    sqlite3_exec(st->db, "PRAGMA writable_schema = ON", NULL, NULL, NULL) == SQLITE_OK) {
		rc = sqlite3_prepare_v2(st->db, "UPDATE sqlite_master SET sql = ?1"
		    " WHERE type = 'table' AND name = ?2", -1, &s, NULL);
		for (size_t i = 0; rc == SQLITE_OK && i < n; i++) {
			sqlite3_bind_text(s, 1, sqls[i], -1, SQLITE_STATIC);
			sqlite3_bind_text(s, 2, names[i], -1, SQLITE_STATIC);
			rc = sqlite3_step(s) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
			sqlite3_reset(s);
			done += rc == SQLITE_OK;
		}
		sqlite3_finalize(s);
		snprintf(pragma, sizeof(pragma), "PRAGMA schema_version = %d", version + 1);
		if (done > 0)
			sqlite3_exec(st->db, pragma, NULL, NULL, NULL);
		sqlite3_exec(st->db, "PRAGMA writable_schema = OFF", NULL, NULL, NULL);
	}
	for (size_t i = 0; i < n; i++) {
		free(names[i]);
		free(sqls[i]);
	}
	return 0;
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
	sqlite3_stmt *sel = NULL, *upd = NULL;
	int rc, ret = -1;

	if (sqlite3_prepare_v2(st->db, "SELECT c.id, c.next_contact, c.last_touch_at,"
	    " coalesce(o.tz, 'UTC') FROM clients c LEFT JOIN owners o ON o.id = c.owner_id"
	    " WHERE c.next_contact IS NOT NULL AND c.last_touch_at IS NOT NULL", -1, &sel,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, "UPDATE clients SET next_contact = NULL WHERE id = ?",
	    -1, &upd, NULL) != SQLITE_OK) {
		store_fail(st, err, errlen, "clearing satisfied next-contact dates");
		goto out;
	}
	while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
		const char *next = (const char *)sqlite3_column_text(sel, 1);
		const char *tz = (const char *)sqlite3_column_text(sel, 3);
		long nday, tday;

		if (clock_date_parse(next, &nday) == -1 || tz_local_day(tz, (time_t)
		    sqlite3_column_int64(sel, 2), &tday, NULL) == -1 || tday < nday)
			continue;
		sqlite3_bind_int64(upd, 1, sqlite3_column_int64(sel, 0));
		rc = sqlite3_step(upd);
		sqlite3_reset(upd);
		if (rc != SQLITE_DONE)
			break;
	}
	if (rc != SQLITE_DONE) {
		store_fail(st, err, errlen, "clearing satisfied next-contact dates");
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	return ret;
}

static int
migrate_v5(struct store *st, char *err, size_t errlen)
{
	if (exec(st, schema_v5, err, errlen) == -1)
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

/* Bind the search key of v (NULL for NULL or ""); 0, or -1 out of memory. */
static int
bind_key(sqlite3_stmt *s, int idx, const char *v)
{
	char *k;

	if (v == NULL || *v == '\0')
		return sqlite3_bind_null(s, idx) == SQLITE_OK ? 0 : -1;
	if ((k = record_search_key(v)) == NULL)
		return -1;
	sqlite3_bind_text(s, idx, k, -1, SQLITE_TRANSIENT);
	free(k);
	return 0;
}

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
	sqlite3_stmt *sel = NULL, *upd = NULL;
	int rc = SQLITE_OK, ret = -1;

	for (size_t q = 0; q < 2; q++) {
		int ncols = q == 0 ? 3 : 1;

		if (sqlite3_prepare_v2(st->db, sqls[q][0], -1, &sel, NULL) != SQLITE_OK ||
		    sqlite3_prepare_v2(st->db, sqls[q][1], -1, &upd, NULL) != SQLITE_OK) {
			store_fail(st, err, errlen, "computing search keys");
			goto out;
		}
		while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
			for (int i = 0; i < ncols; i++) {
				const char *v = (const char *)sqlite3_column_text(sel, i + 1);
				/* A name always has a key, "" when it has no letters. */
				if (i == 0 && v == NULL)
					v = "";
				if (i == 0 && *v == '\0')
					sqlite3_bind_text(upd, 1, "", 0, SQLITE_STATIC);
				else if (bind_key(upd, i + 1, v) == -1) {
					snprintf(err, errlen, "out of memory");
					goto out;
				}
			}
			sqlite3_bind_int64(upd, ncols + 1, sqlite3_column_int64(sel, 0));
			rc = sqlite3_step(upd);
			sqlite3_reset(upd);
			if (rc != SQLITE_DONE) {
				store_fail(st, err, errlen, "storing search keys");
				goto out;
			}
		}
		if (rc != SQLITE_DONE) {
			store_fail(st, err, errlen, "reading names");
			goto out;
		}
		sqlite3_finalize(sel);
		sqlite3_finalize(upd);
		sel = upd = NULL;
	}
	ret = 0;
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	return ret;
}

static int
migrate_v6(struct store *st, char *err, size_t errlen)
{
	if (exec(st, schema_v6, err, errlen) == -1)
		return -1;
	return search_keys_fill(st, err, errlen);
}

/* Keys missing (rows written behind the store's back), computed in one
 * transaction.  A failure (another writer holds the lock too long)
 * leaves them for the next open; lookups of those rows miss meanwhile. */
static void
search_keys_repair(struct store *st)
{
	sqlite3_stmt *s;
	char err[256];
	int missing = 0;

	if (sqlite3_prepare_v2(st->db, "SELECT EXISTS (SELECT 1 FROM clients"
	    " WHERE search_name IS NULL) OR EXISTS (SELECT 1 FROM contacts"
	    " WHERE search_name IS NULL AND name IS NOT NULL)", -1, &s, NULL) != SQLITE_OK)
		return;
	missing = sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	if (!missing || store_begin(st, err, sizeof(err)) == -1)
		return;
	if (search_keys_fill(st, err, sizeof(err)) == -1 ||
	    store_commit(st, err, sizeof(err)) == -1)
		store_rollback(st);
}

static int (*const migrations[])(struct store *, char *, size_t) = {
	migrate_v1,
	migrate_v2,
	migrate_v3,
	migrate_v4,
	migrate_v5,
	migrate_v6,
};

static int
migrate(struct store *st, int readonly, char *err, size_t errlen)
{
	int v, target = STORE_SCHEMA_VERSION;
	char sql[64];

	if (user_version(st, &v, err, errlen) == -1)
		return -1;
	if (v > target) {
		snprintf(err, errlen, "%s: database schema version %d is newer than this "
		    "Cartera understands (%d); upgrade Cartera", st->path, v, target);
		return -1;
	}
	if (v == target)
		return 0;
	if (readonly) {
		snprintf(err, errlen, "%s: schema version %d needs migrating to %d; "
		    "open it once read-write", st->path, v, target);
		return -1;
	}
	if (store_begin(st, err, errlen) == -1)
		return -1;
	/* Re-read under the write lock: another process may have migrated. */
	if (user_version(st, &v, err, errlen) == -1)
		goto fail;
	for (; v < target; v++) {
		if (migrations[v](st, err, errlen) == -1)
			goto fail;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if (exec(st, sql, err, errlen) == -1)
			goto fail;
	}
	return store_commit(st, err, errlen);
fail:
	store_rollback(st);
	return -1;
}

int
store_open(const char *path, int flags, struct store **out, char *err, size_t errlen)
{
	struct store *st;
	struct stat sb;
	int oflags, readonly = (flags & STORE_READONLY) != 0;

	*out = NULL;
	if (path == NULL || *path == '\0') {
		snprintf(err, errlen, "no database given (use -d, $CARTERA_DB or "
		    "the database setting)");
		return -1;
	}
	if (!(flags & STORE_CREATE) && stat(path, &sb) == -1) {
		if (errno == ENOENT)
			snprintf(err, errlen, "%s: no such database; create it with "
			    "\"cartera init\"", path);
		else
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if ((flags & STORE_CREATE) && !readonly) {
		/*
		 * The database holds every client and every feed token: a new
		 * one is made readable by its owner and group only, whatever
		 * the umask (SQLite's -wal and -shm files copy its mode).
		 */
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);

		if (fd >= 0)
			close(fd);
		else if (errno != EEXIST) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return -1;
		}
	}
	if ((st = calloc(1, sizeof(*st))) == NULL || (st->path = strdup(path)) == NULL) {
		free(st);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	oflags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	if (flags & STORE_CREATE)
		oflags |= SQLITE_OPEN_CREATE;
	oflags |= SQLITE_OPEN_NOMUTEX;
	if (sqlite3_open_v2(path, &st->db, oflags, NULL) != SQLITE_OK) {
		store_fail(st, err, errlen, "cannot open");
		store_close(st);
		return -1;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, 10000);
	if (exec(st, "PRAGMA foreign_keys = ON; PRAGMA trusted_schema = OFF;",
	    err, errlen) == -1)
		goto fail;
	if (!readonly && exec(st, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;",
	    err, errlen) == -1)
		goto fail;
	/* 16 MB of page cache (SQLite's default is 2 MB): a scan of a large
	 * portfolio and a big import otherwise re-read pages through the
	 * kernel.  A bound, not an allocation; no mmap, so RSS stays bounded. */
	if (exec(st, "PRAGMA cache_size = -16384", err, errlen) == -1)
		goto fail;
	/* Statement journals and sorters are small and short-lived: keep them
	 * in memory instead of creating and deleting a temporary file for
	 * every statement of a long transaction (an import). */
	if (exec(st, "PRAGMA temp_store = MEMORY", err, errlen) == -1)
		goto fail;
	if (migrate(st, readonly, err, errlen) == -1)
		goto fail;
	if (!readonly)
		search_keys_repair(st);
	*out = st;
	return 0;
fail:
	store_close(st);
	return -1;
}

void
store_set_busy_timeout(struct store *st, int ms)
{
	sqlite3_busy_timeout(st->db, ms);
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	for (int i = 0; i < st->ncache; i++)
		sqlite3_finalize(st->cache[i].stmt);
	for (int i = 0; i < st->nput; i++)
		sqlite3_finalize(st->put[i].stmt);
	if (st->db != NULL)
		sqlite3_close(st->db);
	free(st->path);
	free(st);
}

const char *
store_path(const struct store *st)
{
	return st->path;
}

sqlite3 *
store_handle(struct store *st)
{
	return st->db;
}

int
store_begin(struct store *st, char *err, size_t errlen)
{
	return exec(st, "BEGIN IMMEDIATE", err, errlen);
}

int
store_commit(struct store *st, char *err, size_t errlen)
{
	if (exec(st, "COMMIT", err, errlen) == -1) {
		store_rollback(st);
		return -1;
	}
	return 0;
}

void
store_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

int
store_data_version(struct store *st, long long *v)
{
	char err[256];
	sqlite3_stmt *s = store_stmt(st, "PRAGMA data_version", err, sizeof(err));

	if (s == NULL || sqlite3_step(s) != SQLITE_ROW)
		return -1;
	*v = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return 0;
}

int
store_check(struct store *st, char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int rc = -1;

	if (sqlite3_prepare_v2(st->db, "PRAGMA quick_check", -1, &s, NULL) != SQLITE_OK)
		return store_fail(st, err, errlen, "integrity check");
	if (sqlite3_step(s) == SQLITE_ROW) {
		const char *r = (const char *)sqlite3_column_text(s, 0);
		if (r != NULL && strcmp(r, "ok") == 0)
			rc = 0;
		else
			snprintf(err, errlen, "%s: integrity check: %s", st->path,
			    r != NULL ? r : "?");
	} else
		store_fail(st, err, errlen, "integrity check");
	sqlite3_finalize(s);
	return rc;
}

/* ---- online backup --------------------------------------------------- */

#define BACKUP_CHUNK	1024	/* pages per sqlite3_backup_step (4 MB) */
#define BACKUP_SLEEP_MS	100	/* after SQLITE_BUSY or SQLITE_LOCKED... */
#define BACKUP_RETRIES	50	/* ...this many times in a row at most */
#define BACKUP_RESTARTS	100	/* copies started over (no snapshot held) */

/* One backup in progress: what to clean up, where to say what failed. */
struct backup {
	const char	*path;		/* the file asked for; the caller's */
	char		*dir;		/* its directory; owned */
	char		*tmp;		/* temporary file next to it; owned */
	char		*sidecar;	/* room for tmp + "-journal"; owned */
	sqlite3		*dst;		/* connection to tmp */
	char		*err;
	size_t		 errlen;
};

static int
backup_fail(struct backup *bk, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
backup_fail(struct backup *bk, const char *fmt, ...)
{
	char why[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(bk->err, bk->errlen, "backup to %s failed: %s", bk->path, why);
	return -1;
}

/* What went wrong on the copy's connection, "disk full" in plain words. */
static const char *
backup_errmsg(sqlite3 *db, int rc)
{
	if ((rc & 0xff) == SQLITE_FULL)
		return "database or disk is full";
	if (db != NULL && sqlite3_errcode(db) != SQLITE_OK)
		return sqlite3_errmsg(db);
	return sqlite3_errstr(rc);
}

/* path names the same file as *sb. */
static int
same_file(const struct stat *sb, const char *path)
{
	struct stat o;

	return stat(path, &o) == 0 && o.st_dev == sb->st_dev && o.st_ino == sb->st_ino;
}

/* The first row of a one-column PRAGMA on the copy, or NULL (errmsg says). */
static char *
backup_pragma(sqlite3 *db, const char *sql, int *rc)
{
	sqlite3_stmt *s;
	char *v = NULL;

	if ((*rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL)) != SQLITE_OK)
		return NULL;
	if ((*rc = sqlite3_step(s)) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(s, 0);
		*rc = SQLITE_OK;
		if ((v = strdup(t != NULL ? (const char *)t : "")) == NULL)
			*rc = SQLITE_NOMEM;
	} else if (*rc == SQLITE_DONE)
		*rc = SQLITE_ERROR;
	sqlite3_finalize(s);
	return v;
}

/* Refuse the database itself, its companions and non-regular files. */
static int
backup_target_ok(struct store *st, struct backup *bk)
{
	static const char *const companions[] = { "", "-wal", "-shm", "-journal" };
	struct stat sb;
	size_t len = strlen(st->path) + sizeof("-journal");
	char *name;
	int same = 0;

	if (stat(bk->path, &sb) == -1) {
		if (errno == ENOENT)
			return 0;
		return backup_fail(bk, "%s", strerror(errno));
	}
	if (S_ISDIR(sb.st_mode))
		return backup_fail(bk, "it is a directory; give a file name");
	if (!S_ISREG(sb.st_mode))
		return backup_fail(bk, "it exists and is not a regular file");
	if ((name = malloc(len)) == NULL)
		return backup_fail(bk, "out of memory");
	for (size_t i = 0; i < sizeof(companions) / sizeof(companions[0]) && !same; i++) {
		snprintf(name, len, "%s%s", st->path, companions[i]);
		same = same_file(&sb, name);
	}
	free(name);
	if (same)
		return backup_fail(bk, "that is the database itself (or one of its files); "
		    "give another file");
	return 0;
}

/* Remove the temporary file and any journal SQLite left beside it. */
static void
backup_discard(struct backup *bk)
{
	static const char *const sfx[] = { "-journal", "-wal", "-shm" };

	if (bk->dst != NULL) {
		sqlite3_close(bk->dst);
		bk->dst = NULL;
	}
	if (bk->tmp == NULL)
		return;
	unlink(bk->tmp);
	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		snprintf(bk->sidecar, strlen(bk->tmp) + sizeof("-journal"), "%s%s", bk->tmp,
		    sfx[i]);
		unlink(bk->sidecar);
	}
}

/*
 * Copy st into bk->dst.  In WAL mode one read transaction is held on the
 * source for the whole copy: every step reads the same snapshot, so a
 * busy writer can neither make the copy inconsistent nor restart it over
 * and over, and it is not held up (WAL readers do not block writers;
 * checkpoints wait for the end of the copy).  Without WAL each step takes
 * and drops the lock, and a write by another process restarts the copy.
 */
static int
backup_copy(struct store *st, struct backup *bk, store_progress_fn progress, void *arg)
{
	sqlite3_backup *b;
	char *mode;
	int rc, held = 0, busy = 0, restarts = 0, last = INT_MAX, left;

	if (sqlite3_get_autocommit(st->db) &&
	    (mode = backup_pragma(st->db, "PRAGMA journal_mode", &rc)) != NULL) {
		if (strcmp(mode, "wal") == 0) {
			if (sqlite3_exec(st->db, "BEGIN; SELECT count(*) FROM sqlite_master",
			    NULL, NULL, NULL) != SQLITE_OK) {
				free(mode);
				store_rollback(st);
				return backup_fail(bk, "cannot read %s: %s", st->path,
				    sqlite3_errmsg(st->db));
			}
			held = 1;
		}
		free(mode);
	}
	if ((b = sqlite3_backup_init(bk->dst, "main", st->db, "main")) == NULL) {
		rc = backup_fail(bk, "%s", sqlite3_errmsg(bk->dst));
		goto out;
	}
	for (;;) {
		rc = sqlite3_backup_step(b, BACKUP_CHUNK);
		if (rc == SQLITE_OK || rc == SQLITE_DONE) {
			busy = 0;
			left = sqlite3_backup_remaining(b);
			if (left > last && ++restarts > BACKUP_RESTARTS)
				break;
			last = left;
			if (progress != NULL)
				progress(left, sqlite3_backup_pagecount(b), arg);
			if (rc == SQLITE_DONE)
				break;
		} else if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
			if (++busy > BACKUP_RETRIES)
				break;
			sqlite3_sleep(BACKUP_SLEEP_MS);
		} else
			break;
	}
	sqlite3_backup_finish(b);
	if (rc == SQLITE_DONE)
		rc = 0;
	else if (restarts > BACKUP_RESTARTS)
		rc = backup_fail(bk, "%s kept changing during the copy (%d restarts); "
		    "try again when it is quieter", st->path, restarts - 1);
	else if (busy > BACKUP_RETRIES)
		rc = backup_fail(bk, "%s stayed locked for %d s", st->path,
		    BACKUP_RETRIES * BACKUP_SLEEP_MS / 1000);
	else
		rc = backup_fail(bk, "%s", backup_errmsg(NULL, rc));
out:
	if (held)
		store_rollback(st);
	return rc;
}

/* Make the copy a standalone file, check it, and count its pages. */
static int
backup_finish_copy(struct backup *bk, long long *pages)
{
	char *v;
	int rc;

	/* The copy's header says WAL, as the source's does. */
	if ((v = backup_pragma(bk->dst, "PRAGMA journal_mode = DELETE", &rc)) == NULL)
		return backup_fail(bk, "%s", backup_errmsg(bk->dst, rc));
	if (strcmp(v, "delete") != 0) {
		backup_fail(bk, "the copy stays in journal mode %s", v);
		free(v);
		return -1;
	}
	free(v);
	if ((v = backup_pragma(bk->dst, "PRAGMA integrity_check", &rc)) == NULL)
		return backup_fail(bk, "checking the copy: %s", backup_errmsg(bk->dst, rc));
	if (strcmp(v, "ok") != 0) {
		backup_fail(bk, "the copy fails the integrity check: %s", v);
		free(v);
		return -1;
	}
	free(v);
	if ((v = backup_pragma(bk->dst, "PRAGMA page_count", &rc)) == NULL)
		return backup_fail(bk, "%s", backup_errmsg(bk->dst, rc));
	*pages = strtoll(v, NULL, 10);
	free(v);
	rc = sqlite3_close(bk->dst);
	bk->dst = NULL;
	if (rc != SQLITE_OK)
		return backup_fail(bk, "closing the copy: %s", sqlite3_errstr(rc));
	return 0;
}

/* fsync a file (or directory) by name; its size in *size if not NULL. */
static int
sync_path(const char *path, int dir, long long *size)
{
	struct stat sb;
	int fd, rc = 0, e;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | (dir ? O_DIRECTORY : 0))) == -1)
		return -1;
	/* Some file systems cannot sync a directory: nothing more to do there. */
	if (fsync(fd) == -1 && !(dir && (errno == EINVAL || errno == ENOTSUP)))
		rc = -1;
	if (rc == 0 && size != NULL) {
		if (fstat(fd, &sb) == -1)
			rc = -1;
		else
			*size = (long long)sb.st_size;
	}
	e = errno;
	close(fd);
	errno = e;
	return rc;
}

int
store_backup(struct store *st, const char *path, store_progress_fn progress, void *arg,
    long long *pages, long long *bytes, char *err, size_t errlen)
{
	struct backup bk = { .path = path, .err = err, .errlen = errlen };
	long long npages = 0, nbytes = 0;
	const char *slash;
	int fd, rc = -1;

	if (path == NULL || *path == '\0') {
		snprintf(err, errlen, "backup: no file given");
		return -1;
	}
	if (backup_target_ok(st, &bk) == -1)
		return -1;
	/* A relative name gets "./" so that SQLite never reads it as a URI. */
	slash = strrchr(path, '/');
	if (asprintf(&bk.tmp, "%s%s.tmp-XXXXXX", path[0] == '/' ? "" : "./", path) == -1) {
		bk.tmp = NULL;
		return backup_fail(&bk, "out of memory");
	}
	if (slash == NULL)
		bk.dir = strdup(".");
	else if (slash == path)
		bk.dir = strdup("/");
	else
		bk.dir = strndup(path, (size_t)(slash - path));
	if (bk.dir == NULL || (bk.sidecar = malloc(strlen(bk.tmp) + sizeof("-journal"))) == NULL) {
		backup_fail(&bk, "out of memory");
		goto out;
	}
	/* mkstemp: a name nobody else uses, mode 0600 (the copy holds
	 * personal data). */
	if ((fd = mkstemp(bk.tmp)) == -1) {
		backup_fail(&bk, "cannot create a file in %s: %s", bk.dir, strerror(errno));
		free(bk.tmp);
		bk.tmp = NULL;
		goto out;
	}
	close(fd);
	if ((rc = sqlite3_open_v2(bk.tmp, &bk.dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
	    NULL)) != SQLITE_OK) {
		rc = backup_fail(&bk, "%s", backup_errmsg(bk.dst, rc));
		goto out;
	}
	sqlite3_extended_result_codes(bk.dst, 1);
	/* Nobody else opens the copy: no -shm file; the whole file is
	 * fsynced once at the end instead of at every SQLite commit. */
	if ((rc = sqlite3_exec(bk.dst, "PRAGMA locking_mode = EXCLUSIVE; "
	    "PRAGMA synchronous = OFF", NULL, NULL, NULL)) != SQLITE_OK) {
		rc = backup_fail(&bk, "%s", backup_errmsg(bk.dst, rc));
		goto out;
	}
	if ((rc = backup_copy(st, &bk, progress, arg)) == -1)
		goto out;
	if ((rc = backup_finish_copy(&bk, &npages)) == -1)
		goto out;
	if (sync_path(bk.tmp, 0, &nbytes) == -1) {
		rc = backup_fail(&bk, "writing the copy: %s", strerror(errno));
		goto out;
	}
	if (rename(bk.tmp, path) == -1) {
		rc = backup_fail(&bk, "renaming %s into place: %s", bk.tmp, strerror(errno));
		goto out;
	}
	free(bk.tmp);
	bk.tmp = NULL;
	/* The rename itself must survive a crash. */
	if (sync_path(bk.dir, 1, NULL) == -1) {
		snprintf(err, errlen, "backup to %s written, but its directory %s could not be "
		    "synced: %s", path, bk.dir, strerror(errno));
		rc = -1;
		goto out;
	}
	if (pages != NULL)
		*pages = npages;
	if (bytes != NULL)
		*bytes = nbytes;
	rc = 0;
out:
	if (rc == -1)
		backup_discard(&bk);
	else if (bk.dst != NULL)
		sqlite3_close(bk.dst);
	free(bk.tmp);
	free(bk.sidecar);
	free(bk.dir);
	return rc;
}

sqlite3_stmt *
store_stmt(struct store *st, const char *sql, char *err, size_t errlen)
{
	sqlite3_stmt *s;

	for (int i = 0; i < st->ncache; i++)
		if (st->cache[i].sql == sql) {
			s = st->cache[i].stmt;
			sqlite3_reset(s);
			sqlite3_clear_bindings(s);
			return s;
		}
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s,
	    NULL) != SQLITE_OK) {
		store_fail(st, err, errlen, "preparing a query");
		return NULL;
	}
	if (st->ncache < STMT_CACHE) {
		st->cache[st->ncache].sql = sql;
		st->cache[st->ncache].stmt = s;
		st->ncache++;
	} else {
		/* Cache full: evict the oldest.  Never happens with the
		 * statements Cartera has, but stays correct if it does. */
		sqlite3_finalize(st->cache[0].stmt);
		memmove(&st->cache[0], &st->cache[1], sizeof(st->cache[0]) * (STMT_CACHE - 1));
		st->cache[STMT_CACHE - 1].sql = sql;
		st->cache[STMT_CACHE - 1].stmt = s;
	}
	return s;
}

int
store_bind_text(sqlite3_stmt *s, int idx, const char *v)
{
	if (v == NULL || *v == '\0')
		return sqlite3_bind_null(s, idx);
	return sqlite3_bind_text(s, idx, v, -1, SQLITE_TRANSIENT);
}

int
store_dup_col(sqlite3_stmt *s, int col, char **out)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	*out = NULL;
	if (t == NULL)
		return 0;
	if ((*out = strdup((const char *)t)) == NULL)
		return -1;
	return 0;
}

/* Run a write statement that returns no row.  Resets it. */
static int
step_done(struct store *st, sqlite3_stmt *s, char *err, size_t errlen, const char *what)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_fail(st, err, errlen, what);
	return 0;
}

/*
 * The first column of the one row sql (one integer parameter: id) returns,
 * duplicated as text.  0 found (*out may be NULL for SQL NULL), -1 with
 * "no WHAT with id N" when there is no row, or on an error.
 */
static int
text_by_id(struct store *st, const char *sql, long long id, char **out, const char *what,
    char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int rc;

	*out = NULL;
	if ((s = store_stmt(st, sql, err, errlen)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && store_dup_col(s, 0, out) == -1)
		rc = SQLITE_NOMEM;
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE) {
		snprintf(err, errlen, "no %s with id %lld", what, id);
		return -1;
	}
	return store_fail(st, err, errlen, what);
}

/* The same for an integer column: 0 found, 1 the value is NULL, -1 as above. */
static int
int_by_id(struct store *st, const char *sql, long long id, long long *out, const char *what,
    char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int rc, isnull = 1;

	if ((s = store_stmt(st, sql, err, errlen)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL) {
		*out = sqlite3_column_int64(s, 0);
		isnull = 0;
	}
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return isnull;
	if (rc == SQLITE_DONE) {
		snprintf(err, errlen, "no %s with id %lld", what, id);
		return -1;
	}
	return store_fail(st, err, errlen, what);
}

int
store_rows(struct store *st, sqlite3_stmt *s, store_row_fn fn, void *arg,
    char *err, size_t errlen)
{
	int n = sqlite3_column_count(s), rc;
	const char **names = NULL, **values = NULL;
	enum store_type *types = NULL;
	struct store_row row;
	int ret = 0;

	if ((names = calloc((size_t)n + 1, sizeof(*names))) == NULL ||
	    (values = calloc((size_t)n + 1, sizeof(*values))) == NULL ||
	    (types = calloc((size_t)n + 1, sizeof(*types))) == NULL) {
		snprintf(err, errlen, "out of memory");
		ret = -1;
		goto out;
	}
	for (int i = 0; i < n; i++)
		names[i] = sqlite3_column_name(s, i);
	row.ncols = n;
	row.names = names;
	row.values = values;
	row.types = types;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		for (int i = 0; i < n; i++) {
			switch (sqlite3_column_type(s, i)) {
			case SQLITE_INTEGER: types[i] = STORE_INT; break;
			case SQLITE_FLOAT: types[i] = STORE_REAL; break;
			case SQLITE_NULL: types[i] = STORE_NULL; break;
			default: types[i] = STORE_TEXT; break;
			}
			values[i] = (const char *)sqlite3_column_text(s, i);
		}
		if (fn(&row, arg) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = store_fail(st, err, errlen, "reading");
out:
	sqlite3_reset(s);
	free(names);
	free(values);
	free(types);
	return ret;
}

int
store_token(char *out, size_t len)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char raw[24];
	size_t got = 0;
	ssize_t r;

	if (len < 33)
		return -1;
	while (got < sizeof(raw)) {
		r = getrandom(raw + got, sizeof(raw) - got, 0);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)r;
	}
	/* 24 bytes = 192 bits = 32 base64url characters. */
	for (size_t i = 0, o = 0; i < sizeof(raw); i += 3) {
		unsigned v = (unsigned)raw[i] << 16 | (unsigned)raw[i + 1] << 8 | raw[i + 2];
		out[o++] = alphabet[(v >> 18) & 63];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = alphabet[(v >> 6) & 63];
		out[o++] = alphabet[v & 63];
	}
	out[32] = '\0';
	return 0;
}

/* ---- owners -------------------------------------------------------- */

void
store_owner_clear(struct owner *o)
{
	if (o == NULL)
		return;
	free(o->email);
	free(o->name);
	free(o->tz);
	free(o->digest_at);
	free(o->lang);
	free(o->feed_token);
	free(o->team);
	free(o->last_digest_day);
	memset(o, 0, sizeof(*o));
}

#define OWNER_COLS \
	"o.id, o.email, o.name, o.tz, o.digest_at, o.lang, o.feed_token, " \
	"t.name, o.active, o.last_digest_day, o.created_at"

static int
owner_from_row(sqlite3_stmt *s, struct owner *o)
{
	memset(o, 0, sizeof(*o));
	o->id = sqlite3_column_int64(s, 0);
	o->active = sqlite3_column_int(s, 8);
	o->created_at = sqlite3_column_int64(s, 10);
	if (store_dup_col(s, 1, &o->email) == -1 || store_dup_col(s, 2, &o->name) == -1 ||
	    store_dup_col(s, 3, &o->tz) == -1 || store_dup_col(s, 4, &o->digest_at) == -1 ||
	    store_dup_col(s, 5, &o->lang) == -1 || store_dup_col(s, 6, &o->feed_token) == -1 ||
	    store_dup_col(s, 7, &o->team) == -1 ||
	    store_dup_col(s, 9, &o->last_digest_day) == -1) {
		store_owner_clear(o);
		return -1;
	}
	return 0;
}

static int
team_id(struct store *st, const char *name, long long *id, char *err, size_t errlen)
{
	static const char sql[] = "SELECT id FROM teams WHERE name = ?";
	sqlite3_stmt *s;
	int rc;

	if ((s = store_stmt(st, sql, err, errlen)) == NULL)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE) {
		snprintf(err, errlen, "no team named \"%s\" (add it with "
		    "\"cartera team add\")", name);
		return -1;
	}
	return store_fail(st, err, errlen, "looking up team");
}

int
store_owner_add(struct store *st, const struct owner *in, long long *id,
    char *err, size_t errlen)
{
	static const char sql[] =
	    "INSERT INTO owners (email, name, tz, digest_at, lang, feed_token, team_id,"
	    " active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *s;
	char token[40];
	long long tid = 0;
	time_t now = clock_now();
	int rc;

	if (in->team != NULL && *in->team != '\0' &&
	    team_id(st, in->team, &tid, err, errlen) == -1)
		return -1;
	if (store_token(token, sizeof(token)) == -1) {
		snprintf(err, errlen, "cannot get random bytes: %s", strerror(errno));
		return -1;
	}
	if ((s = store_stmt(st, sql, err, errlen)) == NULL)
		return -1;
	sqlite3_bind_text(s, 1, in->email, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, in->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, in->tz, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 4, in->digest_at ? in->digest_at : "08:00", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 5, in->lang ? in->lang : "es", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 6, token, -1, SQLITE_TRANSIENT);
	if (tid)
		sqlite3_bind_int64(s, 7, tid);
	sqlite3_bind_int(s, 8, in->active < 0 ? 1 : in->active);
	sqlite3_bind_int64(s, 9, now);
	sqlite3_bind_int64(s, 10, now);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc == SQLITE_CONSTRAINT_UNIQUE) {
		snprintf(err, errlen, "an owner with email %s already exists", in->email);
		return -1;
	}
	if (rc != SQLITE_DONE)
		return store_fail(st, err, errlen, "adding owner");
	if (id != NULL)
		*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int
store_owner_update(struct store *st, const char *email, const struct owner *in,
    char *err, size_t errlen)
{
	static const char sql[] =
	    "UPDATE owners SET name = coalesce(?1, name), tz = coalesce(?2, tz),"
	    " digest_at = coalesce(?3, digest_at), lang = coalesce(?4, lang),"
	    " active = coalesce(?5, active), email = coalesce(?6, email),"
	    " team_id = CASE WHEN ?7 THEN ?8 ELSE team_id END, updated_at = ?9"
	    " WHERE email = ?10";
	sqlite3_stmt *s;
	long long tid = 0;
	int rc;

	if (in->team != NULL && *in->team != '\0' &&
	    team_id(st, in->team, &tid, err, errlen) == -1)
		return -1;
	if ((s = store_stmt(st, sql, err, errlen)) == NULL)
		return -1;
	store_bind_text(s, 1, in->name);
	store_bind_text(s, 2, in->tz);
	store_bind_text(s, 3, in->digest_at);
	store_bind_text(s, 4, in->lang);
	if (in->active >= 0)
		sqlite3_bind_int(s, 5, in->active);
	store_bind_text(s, 6, in->email);
	sqlite3_bind_int(s, 7, in->team != NULL);
	if (tid)
		sqlite3_bind_int64(s, 8, tid);
	sqlite3_bind_int64(s, 9, clock_now());
	sqlite3_bind_text(s, 10, email, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc == SQLITE_CONSTRAINT_UNIQUE) {
		snprintf(err, errlen, "an owner with email %s already exists", in->email);
		return -1;
	}
	if (rc != SQLITE_DONE)
		return store_fail(st, err, errlen, "updating owner");
	if (sqlite3_changes(st->db) == 0) {
		snprintf(err, errlen, "no owner with email %s", email);
		return -1;
	}
	return 0;
}

static int
owner_get(struct store *st, sqlite3_stmt *s, struct owner *out, char *err, size_t errlen)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW) {
		rc = owner_from_row(s, out);
		sqlite3_reset(s);
		if (rc == -1)
			snprintf(err, errlen, "out of memory");
		return rc;
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return 1;
	return store_fail(st, err, errlen, "reading owner");
}

int
store_owner_get(struct store *st, const char *email, struct owner *out,
    char *err, size_t errlen)
{
	static const char sql[] = "SELECT " OWNER_COLS
	    " FROM owners o LEFT JOIN teams t ON t.id = o.team_id WHERE o.email = ?";
	sqlite3_stmt *s;

	if ((s = store_stmt(st, sql, err, errlen)) == NULL)
		return -1;
	sqlite3_bind_text(s, 1, email, -1, SQLITE_TRANSIENT);
	return owner_get(st, s, out, err, errlen);
}

int
store_owner_get_id(struct store *st, long long id, struct owner *out,
    char *err, size_t errlen)
{
	static const char sql[] = "SELECT " OWNER_COLS
	    " FROM owners o LEFT JOIN teams t ON t.id = o.team_id WHERE o.id = ?";
	sqlite3_stmt *s;

	if ((s = store_stmt(st, sql, err, errlen)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	return owner_get(st, s, out, err, errlen);
}

int
store_owner_load(struct store *st, int active_only, struct owner **out, size_t *n,
    char *err, size_t errlen)
{
	static const char sql[] = "SELECT " OWNER_COLS
	    " FROM owners o LEFT JOIN teams t ON t.id = o.team_id"
	    " WHERE o.active >= ? ORDER BY o.id";
	sqlite3_stmt *s;
	struct owner *v = NULL, *nv;
	size_t cnt = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((s = store_stmt(st, sql, err, errlen)) == NULL)
		return -1;
	sqlite3_bind_int(s, 1, active_only ? 1 : 0);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (cnt == cap) {
			cap = cap ? cap * 2 : 8;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL)
				goto oom;
			v = nv;
		}
		if (owner_from_row(s, &v[cnt]) == -1)
			goto oom;
		cnt++;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		store_fail(st, err, errlen, "reading owners");
		goto fail;
	}
	*out = v;
	*n = cnt;
	return 0;
oom:
	sqlite3_reset(s);
	snprintf(err, errlen, "out of memory");
fail:
	for (size_t i = 0; i < cnt; i++)
		store_owner_clear(&v[i]);
	free(v);
	return -1;
}

int
store_owner_list(struct store *st, store_row_fn fn, void *arg, char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT o.id, o.email, o.name, o.tz AS timezone, o.digest_at, o.lang,"
	    " t.name AS team, o.active,"
	    " (SELECT count(*) FROM clients c WHERE c.owner_id = o.id) AS clients"
	    " FROM owners o LEFT JOIN teams t ON t.id = o.team_id ORDER BY o.email";
	sqlite3_stmt *s;

	if ((s = store_stmt(st, sql, err, errlen)) == NULL)
		return -1;
	return store_rows(st, s, fn, arg, err, errlen);
}

static int
rotate(struct store *st, const char *sql, const char *key, const char *what,
    char **token, char *err, size_t errlen)
{
	sqlite3_stmt *s;
	char tok[40];

	if (store_token(tok, sizeof(tok)) == -1) {
		snprintf(err, errlen, "cannot get random bytes: %s", strerror(errno));
		return -1;
	}
	if ((s = store_stmt(st, sql, err, errlen)) == NULL)
		return -1;
	sqlite3_bind_text(s, 1, tok, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, key, -1, SQLITE_TRANSIENT);
	if (step_done(st, s, err, errlen, "rotating token") == -1)
		return -1;
	if (sqlite3_changes(st->db) == 0) {
		snprintf(err, errlen, "no %s %s", what, key);
		return -1;
	}
	if (token != NULL && (*token = strdup(tok)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

int
store_owner_rotate_token(struct store *st, const char *email, char **token,
    char *err, size_t errlen)
{
	static const char sql[] = "UPDATE owners SET feed_token = ? WHERE email = ?";

	return rotate(st, sql, email, "owner with email", token, err, errlen);
}

int
store_owner_set_digest_day(struct store *st, long long id, const char *day,
    char *err, size_t errlen)
{
	static const char sql[] = "UPDATE owners SET last_digest_day = ? WHERE id = ?";
	sqlite3_stmt *s;

	if ((s = store_stmt(st, sql, err, errlen)) == NULL)
		return -1;
	sqlite3_bind_text(s, 1, day, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, id);
	return step_done(st, s, err, errlen, "recording digest day");
}

/* ---- teams --------------------------------------------------------- */

int
store_team_add(struct store *st, const char *name, int all_owners, char *err, size_t errlen)
{
	static const char sql[] =
	    "INSERT INTO teams (name, feed_token, all_owners) VALUES (?, ?, ?)";
	sqlite3_stmt *s;
	char tok[40];
	int rc;

	if (store_token(tok, sizeof(tok)) == -1) {
		snprintf(err, errlen, "cannot get random bytes: %s", strerror(errno));
		return -1;
	}
	if ((s = store_stmt(st, sql, err, errlen)) == NULL)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, tok, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 3, all_owners != 0);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc == SQLITE_CONSTRAINT_UNIQUE) {
		snprintf(err, errlen, "a team named \"%s\" already exists", name);
		return -1;
	}
	if (rc != SQLITE_DONE)
		return store_fail(st, err, errlen, "adding team");
	return 0;
}

int
store_team_list(struct store *st, store_row_fn fn, void *arg, char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT t.id, t.name, t.all_owners, t.feed_token,"
	    " CASE WHEN t.all_owners THEN (SELECT count(*) FROM owners WHERE active)"
	    " ELSE (SELECT count(*) FROM owners o WHERE o.team_id = t.id AND o.active) END"
	    " AS owners FROM teams t ORDER BY t.name";
	sqlite3_stmt *s;

	if ((s = store_stmt(st, sql, err, errlen)) == NULL)
		return -1;
	return store_rows(st, s, fn, arg, err, errlen);
}

int
store_team_rotate_token(struct store *st, const char *name, char **token,
    char *err, size_t errlen)
{
	static const char sql[] = "UPDATE teams SET feed_token = ? WHERE name = ?";

	return rotate(st, sql, name, "team named", token, err, errlen);
}

/* ---- segments ------------------------------------------------------ */

/* Id of segment name, created when missing.  name must be non-empty. */
static int
segment_id(struct store *st, const char *name, long long *id, char *err, size_t errlen)
{
	static const char sel[] = "SELECT id FROM segments WHERE name = ?";
	static const char ins[] = "INSERT INTO segments (name) VALUES (?)";
	sqlite3_stmt *s;
	int rc;

	if ((s = store_stmt(st, sel, err, errlen)) == NULL)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE)
		return store_fail(st, err, errlen, "looking up segment");
	if ((s = store_stmt(st, ins, err, errlen)) == NULL)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
	if (step_done(st, s, err, errlen, "adding segment") == -1)
		return -1;
	*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int
store_segment_set(struct store *st, const char *name, int days, char *err, size_t errlen)
{
	static const char sql[] = "UPDATE segments SET cadence_days = ? WHERE id = ?";
	sqlite3_stmt *s;
	long long id;

	if (segment_id(st, name, &id, err, errlen) == -1)
		return -1;
	if ((s = store_stmt(st, sql, err, errlen)) == NULL)
		return -1;
	if (days > 0)
		sqlite3_bind_int(s, 1, days);
	sqlite3_bind_int64(s, 2, id);
	return step_done(st, s, err, errlen, "setting segment cadence");
}

int
store_segment_list(struct store *st, store_row_fn fn, void *arg, char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT s.id, s.name, s.cadence_days,"
	    " (SELECT count(*) FROM clients c WHERE c.segment_id = s.id) AS clients"
	    " FROM segments s ORDER BY s.name";
	sqlite3_stmt *s;

	if ((s = store_stmt(st, sql, err, errlen)) == NULL)
		return -1;
	return store_rows(st, s, fn, arg, err, errlen);
}

/* ---- clients ------------------------------------------------------- */

static int
owner_id_by_email(struct store *st, const char *email, long long *id, char *err,
    size_t errlen)
{
	static const char sql[] = "SELECT id FROM owners WHERE email = ?";
	sqlite3_stmt *s;
	int rc;

	if ((s = store_stmt(st, sql, err, errlen)) == NULL)
		return -1;
	sqlite3_bind_text(s, 1, email, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE) {
		snprintf(err, errlen, "unknown owner %s (add it with \"cartera owner add\")",
		    email);
		return -1;
	}
	return store_fail(st, err, errlen, "looking up owner");
}

static int
log_status(struct store *st, long long client, const char *old, const char *new,
    char *err, size_t errlen)
{
	static const char sql[] =
	    "INSERT INTO client_status_log (client_id, at, old_status, new_status)"
	    " VALUES (?, ?, ?, ?)";
	sqlite3_stmt *s;

	if ((s = store_stmt(st, sql, err, errlen)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, client);
	sqlite3_bind_int64(s, 2, clock_now());
	store_bind_text(s, 3, old);
	sqlite3_bind_text(s, 4, new, -1, SQLITE_TRANSIENT);
	return step_done(st, s, err, errlen, "recording status change");
}

/* Upsert the primary contact of client from the contact fields of r. */
static int
put_primary_contact(struct store *st, long long client, const struct record *r,
    int inserting, char *err, size_t errlen)
{
	static const char upd[] =
	    "UPDATE contacts SET"
	    " name = CASE WHEN ?1 IS NULL THEN name ELSE nullif(?1, '') END,"
	    " role = CASE WHEN ?2 IS NULL THEN role ELSE nullif(?2, '') END,"
	    " email = CASE WHEN ?3 IS NULL THEN email ELSE nullif(?3, '') END,"
	    " phone = CASE WHEN ?4 IS NULL THEN phone ELSE nullif(?4, '') END,"
	    " search_name = CASE WHEN ?1 IS NULL THEN search_name ELSE ?6 END"
	    " WHERE client_id = ?5 AND is_primary = 1";
	static const char ins[] =
	    "INSERT INTO contacts (client_id, name, role, email, phone, is_primary, search_name)"
	    " VALUES (?1, nullif(?2, ''), nullif(?3, ''), nullif(?4, ''), nullif(?5, ''), 1, ?6)";
	const char *name = r->v[RF_CONTACT], *role = r->v[RF_ROLE];
	const char *email = r->v[RF_EMAIL], *phone = r->v[RF_PHONE];
	sqlite3_stmt *s;

	if (name == NULL && role == NULL && email == NULL && phone == NULL)
		return 0;
	if (!inserting) {
		if ((s = store_stmt(st, upd, err, errlen)) == NULL)
			return -1;
		if (name) sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
		if (role) sqlite3_bind_text(s, 2, role, -1, SQLITE_TRANSIENT);
		if (email) sqlite3_bind_text(s, 3, email, -1, SQLITE_TRANSIENT);
		if (phone) sqlite3_bind_text(s, 4, phone, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 5, client);
		if (bind_key(s, 6, name) == -1) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		if (step_done(st, s, err, errlen, "updating contact") == -1)
			return -1;
		if (sqlite3_changes(st->db) > 0)
			return 0;
	}
	if ((name == NULL || !*name) && (role == NULL || !*role) &&
	    (email == NULL || !*email) && (phone == NULL || !*phone))
		return 0;
	if ((s = store_stmt(st, ins, err, errlen)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, client);
	sqlite3_bind_text(s, 2, name ? name : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, role ? role : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 4, email ? email : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 5, phone ? phone : "", -1, SQLITE_TRANSIENT);
	if (bind_key(s, 6, name) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return step_done(st, s, err, errlen, "adding contact");
}

/* Columns of clients set from a record field, in RF_ order; NULL = not a column. */
static const char *const client_columns[RF_COUNT] = {
	[RF_NAME] = "name", [RF_KIND] = "kind", [RF_STATUS] = "status",
	[RF_SECTOR] = "sector", [RF_ADDRESS] = "address", [RF_CITY] = "city",
	[RF_POSTAL_CODE] = "postal_code", [RF_COUNTRY] = "country",
	[RF_TAX_ID] = "tax_id", [RF_NOTES] = "notes", [RF_CADENCE] = "cadence_days",
	[RF_NEXT_CONTACT] = "next_contact", [RF_DO_NOT_EMAIL] = "do_not_email",
	[RF_FOLLOWUP] = "followup",
};

/* Search key columns kept beside a record column (record_search_key). */
static const char *const key_columns[RF_COUNT] = {
	[RF_NAME] = "search_name", [RF_CITY] = "search_city", [RF_SECTOR] = "search_sector",
};

static int
client_status(struct store *st, long long id, char **status, char *err, size_t errlen)
{
	static const char sql[] = "SELECT status FROM clients WHERE id = ?";

	return text_by_id(st, sql, id, status, "client", err, errlen);
}

/*
 * The statement for a set of given fields is built from the fixed column
 * names above (never from user text) and cached by that set, so a large
 * import prepares each shape once.
 */
static unsigned
put_mask(const struct record *r, int inserting)
{
	unsigned m = inserting ? 1u << 31 : 0;

	for (int f = 0; f < RF_COUNT; f++)
		if (r->v[f] != NULL)
			m |= 1u << f;
	return m;
}

static sqlite3_stmt *
put_stmt(struct store *st, unsigned mask, const char *sql)
{
	sqlite3_stmt *s;

	for (int i = 0; i < st->nput; i++)
		if (st->put[i].mask == mask)
			return st->put[i].stmt;
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s,
	    NULL) != SQLITE_OK)
		return NULL;
	if (st->nput == PUT_CACHE) {
		sqlite3_finalize(st->put[0].stmt);
		memmove(&st->put[0], &st->put[1], sizeof(st->put[0]) * (PUT_CACHE - 1));
		st->nput--;
	}
	st->put[st->nput].mask = mask;
	st->put[st->nput].stmt = s;
	st->nput++;
	return s;
}

static int
bind_field(sqlite3_stmt *s, int idx, enum record_field f, const char *v)
{
	if (*v == '\0')
		return sqlite3_bind_null(s, idx);
	if (f == RF_CADENCE || f == RF_DO_NOT_EMAIL || f == RF_FOLLOWUP)
		return sqlite3_bind_int64(s, idx, strtoll(v, NULL, 10));
	return sqlite3_bind_text(s, idx, v, -1, SQLITE_TRANSIENT);
}

int
store_client_put(struct store *st, long long id, const struct record *r,
    long long *out_id, char *err, size_t errlen)
{
	char sql[1024];
	sqlite3_stmt *s = NULL;
	long long owner = 0, seg = 0;
	char *old_status = NULL;
	const char *new_status = r->v[RF_STATUS];
	int n, idx = 1, rc, inserting = id == 0;
	time_t now = clock_now();

	if (inserting && (r->v[RF_NAME] == NULL || *r->v[RF_NAME] == '\0')) {
		snprintf(err, errlen, "a client needs a name");
		return -1;
	}
	if (r->v[RF_OWNER] != NULL && *r->v[RF_OWNER] != '\0' &&
	    owner_id_by_email(st, r->v[RF_OWNER], &owner, err, errlen) == -1)
		return -1;
	if (r->v[RF_SEGMENT] != NULL && *r->v[RF_SEGMENT] != '\0' &&
	    segment_id(st, r->v[RF_SEGMENT], &seg, err, errlen) == -1)
		return -1;
	if (!inserting && new_status != NULL &&
	    client_status(st, id, &old_status, err, errlen) == -1)
		return -1;

	if (inserting) {
		char cols[512], vals[256];
		int nc = snprintf(cols, sizeof(cols), "owner_id, segment_id, created_at, updated_at");
		int nv = snprintf(vals, sizeof(vals), "?, ?, ?, ?");
		for (int f = 0; f < RF_COUNT; f++) {
			if (client_columns[f] == NULL || r->v[f] == NULL)
				continue;
			nc += snprintf(cols + nc, sizeof(cols) - (size_t)nc, ", %s",
			    client_columns[f]);
			nv += snprintf(vals + nv, sizeof(vals) - (size_t)nv, ", ?");
		}
		for (int f = 0; f < RF_COUNT; f++) {
			if (key_columns[f] == NULL || r->v[f] == NULL)
				continue;
			nc += snprintf(cols + nc, sizeof(cols) - (size_t)nc, ", %s",
			    key_columns[f]);
			nv += snprintf(vals + nv, sizeof(vals) - (size_t)nv, ", ?");
		}
		n = snprintf(sql, sizeof(sql), "INSERT INTO clients (%s) VALUES (%s)",
		    cols, vals);
	} else {
		n = snprintf(sql, sizeof(sql), "UPDATE clients SET updated_at = ?");
		if (r->v[RF_OWNER] != NULL)
			n += snprintf(sql + n, sizeof(sql) - (size_t)n, ", owner_id = ?");
		if (r->v[RF_SEGMENT] != NULL)
			n += snprintf(sql + n, sizeof(sql) - (size_t)n, ", segment_id = ?");
		for (int f = 0; f < RF_COUNT; f++) {
			if (client_columns[f] == NULL || r->v[f] == NULL)
				continue;
			n += snprintf(sql + n, sizeof(sql) - (size_t)n, ", %s = ?",
			    client_columns[f]);
		}
		/* A next-contact date given by hand is no longer a snooze's. */
		if (r->v[RF_NEXT_CONTACT] != NULL)
			n += snprintf(sql + n, sizeof(sql) - (size_t)n, ", next_contact_by = NULL");
		for (int f = 0; f < RF_COUNT; f++) {
			if (key_columns[f] == NULL || r->v[f] == NULL)
				continue;
			n += snprintf(sql + n, sizeof(sql) - (size_t)n, ", %s = ?",
			    key_columns[f]);
		}
		n += snprintf(sql + n, sizeof(sql) - (size_t)n, " WHERE id = ?");
	}
	if ((size_t)n >= sizeof(sql) ||
	    (s = put_stmt(st, put_mask(r, inserting), sql)) == NULL) {
		free(old_status);
		return store_fail(st, err, errlen, "preparing client write");
	}
	if (inserting) {
		if (owner) sqlite3_bind_int64(s, idx, owner);
		idx++;
		if (seg) sqlite3_bind_int64(s, idx, seg);
		idx++;
		sqlite3_bind_int64(s, idx++, now);
		sqlite3_bind_int64(s, idx++, now);
	} else {
		sqlite3_bind_int64(s, idx++, now);
		if (r->v[RF_OWNER] != NULL) {
			if (owner) sqlite3_bind_int64(s, idx, owner);
			idx++;
		}
		if (r->v[RF_SEGMENT] != NULL) {
			if (seg) sqlite3_bind_int64(s, idx, seg);
			idx++;
		}
	}
	for (int f = 0; f < RF_COUNT; f++) {
		if (client_columns[f] == NULL || r->v[f] == NULL)
			continue;
		if (f == RF_DO_NOT_EMAIL && *r->v[f] == '\0')
			sqlite3_bind_int(s, idx++, 0);
		else if (f == RF_KIND && *r->v[f] == '\0')
			sqlite3_bind_text(s, idx++, "company", -1, SQLITE_STATIC);
		else if (f == RF_STATUS && *r->v[f] == '\0')
			sqlite3_bind_text(s, idx++, "active", -1, SQLITE_STATIC);
		else
			bind_field(s, idx++, (enum record_field)f, r->v[f]);
	}
	for (int f = 0; f < RF_COUNT; f++) {
		if (key_columns[f] == NULL || r->v[f] == NULL)
			continue;
		if (bind_key(s, idx++, r->v[f]) == -1) {
			sqlite3_clear_bindings(s);
			free(old_status);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	if (!inserting)
		sqlite3_bind_int64(s, idx++, id);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE) {
		free(old_status);
		return store_fail(st, err, errlen, inserting ? "adding client" : "updating client");
	}
	if (inserting)
		id = sqlite3_last_insert_rowid(st->db);
	else if (sqlite3_changes(st->db) == 0) {
		free(old_status);
		snprintf(err, errlen, "no client with id %lld", id);
		return -1;
	}
	if (inserting) {
		const char *stv = new_status && *new_status ? new_status : "active";
		rc = log_status(st, id, NULL, stv, err, errlen);
	} else if (new_status != NULL && old_status != NULL &&
	    strcmp(old_status, *new_status ? new_status : "active") != 0)
		rc = log_status(st, id, old_status, *new_status ? new_status : "active",
		    err, errlen);
	else
		rc = 0;
	free(old_status);
	if (rc == -1)
		return -1;
	if (put_primary_contact(st, id, r, inserting, err, errlen) == -1)
		return -1;
	if (out_id != NULL)
		*out_id = id;
	return 0;
}

/* One id from a single-column query with one text parameter.
 * 0 one row, 1 none, 2 several (ids of up to 10 candidates in err). */
static int
match_one(struct store *st, const char *sql, const char *key, long long *id,
    const char *what, char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int rc, count = 0;

	if ((s = store_stmt(st, sql, err, errlen)) == NULL)
		return -1;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (count == 0)
			*id = sqlite3_column_int64(s, 0);
		else if (count == 1)
			snprintf(err, errlen, "%s \"%s\" matches clients %lld, %lld",
			    what, key, *id, (long long)sqlite3_column_int64(s, 0));
		else if (count < 10) {
			size_t n = strlen(err);
			snprintf(err + n, errlen - n, ", %lld",
			    (long long)sqlite3_column_int64(s, 0));
		}
		count++;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_fail(st, err, errlen, "matching client");
	if (count > 10) {
		size_t n = strlen(err);
		snprintf(err + n, errlen - n, " and %d more", count - 10);
	}
	return count == 0 ? 1 : count == 1 ? 0 : 2;
}

int
store_client_match(struct store *st, const struct record *r, long long *id,
    char *err, size_t errlen)
{
	static const char by_tax[] =
	    "SELECT id FROM clients WHERE tax_id = ? ORDER BY id LIMIT 11";
	static const char by_email[] =
	    "SELECT DISTINCT client_id FROM contacts WHERE email = ? COLLATE NOCASE"
	    " ORDER BY client_id LIMIT 11";
	/* Exact name, but found through the NOCASE index (a plain "name = ?"
	 * cannot use it and scanned every client for every imported row). */
	/* The same name up to case, accents and punctuation (search key). */
	static const char by_name[] =
	    "SELECT id FROM clients WHERE search_name = ?1 ORDER BY id LIMIT 11";
	/* A row that gives a tax id no client has is a company of its own: it
	 * may only take over a client by email or name if that client has no
	 * tax id yet (another tax id is another company). */
	static const char by_email_untaxed[] =
	    "SELECT DISTINCT p.client_id FROM contacts p JOIN clients c ON c.id = p.client_id"
	    " WHERE p.email = ? COLLATE NOCASE AND c.tax_id IS NULL"
	    " ORDER BY p.client_id LIMIT 11";
	static const char by_name_untaxed[] =
	    "SELECT id FROM clients WHERE search_name = ?1 AND tax_id IS NULL"
	    " ORDER BY id LIMIT 11";
	int taxed = r->v[RF_TAX_ID] != NULL && *r->v[RF_TAX_ID] != '\0';
	struct { const char *sql; enum record_field f; const char *what; } keys[] = {
		{ by_tax, RF_TAX_ID, "tax id" },
		{ taxed ? by_email_untaxed : by_email, RF_EMAIL, "email" },
		{ taxed ? by_name_untaxed : by_name, RF_NAME, "name" },
	};
	char *key = NULL;
	int rc = 1;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = r->v[keys[i].f];
		if (v == NULL || *v == '\0')
			continue;
		if (keys[i].f == RF_NAME) {
			if ((key = record_search_key(v)) == NULL) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			v = key;
		}
		rc = match_one(st, keys[i].sql, v, id, keys[i].what, err, errlen);
		if (rc == 2) {
			size_t n = strlen(err);
			snprintf(err + n, errlen - n, "; make the %s unique or give a "
			    "tax id", keys[i].what);
			rc = -1;
		}
		if (rc != 1)
			break;
	}
	free(key);
	return rc;
}

/*
 * Clients whose key matches, in stages: the whole key, then a prefix of
 * it (a range over the index: "clinica" finds "clinica dental sonrisa"),
 * then anywhere in it ("dental"; a scan of the key index), then the same
 * for contact names.  The first stage that finds anything decides.
 */
static const char *const resolve_sql[] = {
	"SELECT id, name FROM clients WHERE id IN (SELECT id FROM clients"
	" WHERE search_name = ?1 LIMIT 11) ORDER BY name, id",
	"SELECT id, name FROM clients WHERE id IN (SELECT id FROM clients"
	" WHERE search_name >= ?1 AND search_name < ?2 LIMIT 11) ORDER BY name, id",
	/* The inner query reads only the key index (it covers search_name and id). */
	"SELECT id, name FROM clients WHERE id IN (SELECT id FROM clients"
	" WHERE instr(search_name, ?1) > 0 LIMIT 11) ORDER BY name, id",
	"SELECT id, name FROM clients WHERE id IN (SELECT client_id FROM contacts"
	" WHERE search_name >= ?1 AND search_name < ?2 OR instr(search_name, ?1) > 0"
	" LIMIT 11) ORDER BY name, id",
};

/* Upper bound of the keys that start with key: its last byte plus one
 * (UTF-8 never holds 0xFF, so this cannot overflow).  Malloc'd. */
static char *
prefix_end(const char *key)
{
	size_t n = strlen(key);
	char *hi = strdup(key);

	if (hi != NULL && n > 0)
		hi[n - 1] = (char)((unsigned char)hi[n - 1] + 1);
	return hi;
}

int
store_client_resolve(struct store *st, const char *ref, long long *id,
    char *err, size_t errlen)
{
	static const char by_id[] = "SELECT id FROM clients WHERE id = ?";
	sqlite3_stmt *s;
	char *end, *key = NULL, *hi = NULL;
	long long v;
	int rc, ret = -1;

	if (ref == NULL || *ref == '\0') {
		snprintf(err, errlen, "no client given");
		return -1;
	}
	v = strtoll(ref, &end, 10);
	if (*end == '\0' && v > 0) {
		if ((s = store_stmt(st, by_id, err, errlen)) == NULL)
			return -1;
		sqlite3_bind_int64(s, 1, v);
		rc = sqlite3_step(s);
		sqlite3_reset(s);
		if (rc == SQLITE_ROW) {
			*id = v;
			return 0;
		}
		if (rc != SQLITE_DONE)
			return store_fail(st, err, errlen, "looking up client");
		/* A numeric name is still a name: fall through. */
	}
	if ((key = record_search_key(ref)) == NULL || (hi = prefix_end(key)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (size_t q = 0; *key != '\0' && q < sizeof(resolve_sql) / sizeof(resolve_sql[0]);
	    q++) {
		int count = 0;
		size_t n;

		if ((s = store_stmt(st, resolve_sql[q], err, errlen)) == NULL)
			goto out;
		sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
		if (sqlite3_bind_parameter_count(s) > 1)
			sqlite3_bind_text(s, 2, hi, -1, SQLITE_TRANSIENT);
		n = (size_t)snprintf(err, errlen, "client \"%s\" is ambiguous:", ref);
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			if (count == 0)
				*id = sqlite3_column_int64(s, 0);
			if (count < 10 && n < errlen)
				n += (size_t)snprintf(err + n, errlen - n, "%s %lld \"%s\"",
				    count ? "," : "", (long long)sqlite3_column_int64(s, 0),
				    (const char *)sqlite3_column_text(s, 1));
			count++;
		}
		sqlite3_reset(s);
		if (rc != SQLITE_DONE) {
			store_fail(st, err, errlen, "looking up client");
			goto out;
		}
		if (count == 1) {
			ret = 0;
			goto out;
		}
		if (count > 1) {
			if (count > 10 && n < errlen)
				snprintf(err + n, errlen - n, " and more");
			if (strlen(err) < errlen)
				snprintf(err + strlen(err), errlen - strlen(err),
				    "; give the id");
			goto out;
		}
	}
	snprintf(err, errlen, "no client matches \"%s\"", ref);
out:
	free(key);
	free(hi);
	return ret;
}

int
store_client_owner(struct store *st, long long client, long long *owner,
    char *err, size_t errlen)
{
	static const char sql[] = "SELECT owner_id FROM clients WHERE id = ?";

	return int_by_id(st, sql, client, owner, "client", err, errlen);
}

int
store_client_delete(struct store *st, long long id, int force, char *err, size_t errlen)
{
	static const char hist[] =
	    "SELECT (SELECT count(*) FROM interactions WHERE client_id = ?1),"
	    " (SELECT count(*) FROM invoices WHERE client_id = ?1)";
	static const char del[] = "DELETE FROM clients WHERE id = ?";
	sqlite3_stmt *s;
	long long ni = 0, nv = 0;

	if (!force) {
		if ((s = store_stmt(st, hist, err, errlen)) == NULL)
			return -1;
		sqlite3_bind_int64(s, 1, id);
		if (sqlite3_step(s) == SQLITE_ROW) {
			ni = sqlite3_column_int64(s, 0);
			nv = sqlite3_column_int64(s, 1);
		}
		sqlite3_reset(s);
		if (ni > 0 || nv > 0) {
			snprintf(err, errlen, "client %lld has %lld interactions and %lld "
			    "invoices; mark it lost (--status lost) to keep its history, "
			    "or delete with --force", id, ni, nv);
			return -1;
		}
	}
	if ((s = store_stmt(st, del, err, errlen)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if (step_done(st, s, err, errlen, "deleting client") == -1)
		return -1;
	if (sqlite3_changes(st->db) == 0) {
		snprintf(err, errlen, "no client with id %lld", id);
		return -1;
	}
	return 0;
}

/* Client columns under their record names, plus derived ones. */
#define CLIENT_SELECT \
	"SELECT c.id, c.name, c.kind, c.status, s.name AS segment, c.sector," \
	" p.email, p.phone, p.name AS contact, p.role, c.address, c.city," \
	" c.postal_code, c.country, c.tax_id, o.email AS owner, c.notes," \
	" c.cadence_days AS cadence, c.next_contact, c.do_not_email," \
	" CASE c.followup WHEN 1 THEN 'yes' WHEN 0 THEN 'no' END AS followup_emails," \
	" c.last_touch_at, c.last_touch_kind, c.last_outcome, c.purchases," \
	" c.first_purchase, c.last_purchase, c.median_interval," \
	" c.created_at, c.updated_at" \
	" FROM clients c LEFT JOIN segments s ON s.id = c.segment_id" \
	" LEFT JOIN owners o ON o.id = c.owner_id" \
	" LEFT JOIN contacts p ON p.client_id = c.id AND p.is_primary = 1"

/*
 * The client list, led by what narrows it most: a city through its key's
 * index, a part of a name through a scan of the key indexes only (client
 * names and contact names), else the table.  The statements differ only
 * in that first condition; ?4 (city), ?5 (search) and ?7 (sector) are
 * search keys.
 */
#define CLIENT_LIST_SELECT \
	"SELECT c.id, c.name, c.kind, c.status, s.name AS segment, c.city," \
	" o.email AS owner, p.email, p.phone, c.last_touch_at" \
	" FROM clients c LEFT JOIN segments s ON s.id = c.segment_id" \
	" LEFT JOIN owners o ON o.id = c.owner_id" \
	" LEFT JOIN contacts p ON p.client_id = c.id AND p.is_primary = 1"
#define CLIENT_LIST_WHERE \
	" (?1 IS NULL OR c.status = ?1)" \
	" AND (?2 IS NULL OR s.name = ?2)" \
	" AND (?3 IS NULL OR o.email = ?3)" \
	" AND (?4 IS NULL OR c.search_city = ?4)" \
	" AND (?7 IS NULL OR c.search_sector = ?7)" \
	" ORDER BY c.name COLLATE NOCASE, c.id LIMIT ?6"

int
store_client_list(struct store *st, const struct client_filter *f, store_row_fn fn,
    void *arg, char *err, size_t errlen)
{
#define CLIENT_LIST_SEARCH \
	" c.id IN (SELECT id FROM clients WHERE instr(search_name, ?5) > 0" \
	"  UNION SELECT client_id FROM contacts WHERE instr(search_name, ?5) > 0)"
	static const char all[] = CLIENT_LIST_SELECT " WHERE" CLIENT_LIST_WHERE;
	static const char by_city[] = CLIENT_LIST_SELECT
	    " WHERE c.search_city = ?4 AND (?5 IS NULL OR" CLIENT_LIST_SEARCH ") AND"
	    CLIENT_LIST_WHERE;
	static const char by_search[] = CLIENT_LIST_SELECT " WHERE" CLIENT_LIST_SEARCH " AND"
	    CLIENT_LIST_WHERE;
	const char *sql = f->city != NULL && *f->city != '\0' ? by_city :
	    f->search != NULL && *f->search != '\0' ? by_search : all;
	sqlite3_stmt *s;

	if ((s = store_stmt(st, sql, err, errlen)) == NULL)
		return -1;
	store_bind_text(s, 1, f->status);
	store_bind_text(s, 2, f->segment);
	store_bind_text(s, 3, f->owner);
	if (bind_key(s, 4, f->city) == -1 || bind_key(s, 5, f->search) == -1 ||
	    bind_key(s, 7, f->sector) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	sqlite3_bind_int64(s, 6, f->limit > 0 ? f->limit : -1);
	return store_rows(st, s, fn, arg, err, errlen);
}

int
store_client_show(struct store *st, long long id, store_row_fn fn, void *arg,
    char *err, size_t errlen)
{
	static const char sql[] = CLIENT_SELECT " WHERE c.id = ?";
	sqlite3_stmt *s;

	if ((s = store_stmt(st, sql, err, errlen)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	return store_rows(st, s, fn, arg, err, errlen);
}

int
store_client_export(struct store *st, store_row_fn fn, void *arg, char *err, size_t errlen)
{
	/* Exactly the record fields, in record order: import reads it back. */
	static const char sql[] =
	    "SELECT c.name, c.kind, c.status, s.name AS segment, c.sector,"
	    " p.email, p.phone, p.name AS contact, p.role, c.address, c.city,"
	    " c.postal_code, c.country, c.tax_id, o.email AS owner, c.notes,"
	    " c.cadence_days AS cadence, c.next_contact,"
	    " CASE c.do_not_email WHEN 1 THEN 'yes' ELSE 'no' END AS do_not_email,"
	    " CASE c.followup WHEN 1 THEN 'yes' WHEN 0 THEN 'no' END AS followup_emails"
	    " FROM clients c LEFT JOIN segments s ON s.id = c.segment_id"
	    " LEFT JOIN owners o ON o.id = c.owner_id"
	    " LEFT JOIN contacts p ON p.client_id = c.id AND p.is_primary = 1"
	    " ORDER BY c.id";
	sqlite3_stmt *s;

	if ((s = store_stmt(st, sql, err, errlen)) == NULL)
		return -1;
	return store_rows(st, s, fn, arg, err, errlen);
}

int
store_client_unsub_token(struct store *st, long long id, char **token,
    char *err, size_t errlen)
{
	static const char sel[] = "SELECT unsub_token FROM clients WHERE id = ?";
	static const char upd[] =
	    "UPDATE clients SET unsub_token = ? WHERE id = ? AND unsub_token IS NULL";
	sqlite3_stmt *s;
	char tok[40];
	int rc;

	for (int attempt = 0; attempt < 2; attempt++) {
		if ((s = store_stmt(st, sel, err, errlen)) == NULL)
			return -1;
		sqlite3_bind_int64(s, 1, id);
		rc = sqlite3_step(s);
		*token = NULL;
		if (rc == SQLITE_ROW && store_dup_col(s, 0, token) == -1)
			rc = SQLITE_NOMEM;
		sqlite3_reset(s);
		if (rc == SQLITE_DONE) {
			snprintf(err, errlen, "no client with id %lld", id);
			return -1;
		}
		if (rc != SQLITE_ROW)
			return store_fail(st, err, errlen, "reading unsubscribe token");
		if (*token != NULL)
			return 0;
		if (store_token(tok, sizeof(tok)) == -1) {
			snprintf(err, errlen, "cannot get random bytes: %s", strerror(errno));
			return -1;
		}
		if ((s = store_stmt(st, upd, err, errlen)) == NULL)
			return -1;
		sqlite3_bind_text(s, 1, tok, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 2, id);
		if (step_done(st, s, err, errlen, "storing unsubscribe token") == -1)
			return -1;
	}
	snprintf(err, errlen, "could not make an unsubscribe token for client %lld", id);
	return -1;
}

int
store_client_unsubscribe(struct store *st, const char *token, char *err, size_t errlen)
{
	static const char sql[] =
	    "UPDATE clients SET do_not_email = 1, updated_at = ? WHERE unsub_token = ?";
	sqlite3_stmt *s;

	if ((s = store_stmt(st, sql, err, errlen)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, clock_now());
	sqlite3_bind_text(s, 2, token, -1, SQLITE_TRANSIENT);
	if (step_done(st, s, err, errlen, "unsubscribing") == -1)
		return -1;
	return sqlite3_changes(st->db) > 0 ? 0 : 1;
}

int
store_client_tz(struct store *st, long long client, const char *fallback, char **tz,
    char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT o.tz FROM clients c LEFT JOIN owners o ON o.id = c.owner_id WHERE c.id = ?";

	if (text_by_id(st, sql, client, tz, "client", err, errlen) == -1)
		return -1;
	if (*tz == NULL && (*tz = strdup(fallback)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* ---- contacts ------------------------------------------------------ */

int
store_contact_add(struct store *st, long long client, const char *name, const char *role,
    const char *email, const char *phone, int primary, long long *id,
    char *err, size_t errlen)
{
	static const char demote[] =
	    "UPDATE contacts SET is_primary = 0 WHERE client_id = ? AND is_primary = 1";
	static const char has_primary[] =
	    "SELECT count(*) FROM contacts WHERE client_id = ? AND is_primary = 1";
	static const char ins[] =
	    "INSERT INTO contacts (client_id, name, role, email, phone, is_primary, search_name)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?)";
	static const char touch_client[] = "UPDATE clients SET updated_at = ? WHERE id = ?";
	sqlite3_stmt *s;

	if (primary) {
		if ((s = store_stmt(st, demote, err, errlen)) == NULL)
			return -1;
		sqlite3_bind_int64(s, 1, client);
		if (step_done(st, s, err, errlen, "updating contacts") == -1)
			return -1;
	} else {
		/* The first contact of a client is its primary one. */
		if ((s = store_stmt(st, has_primary, err, errlen)) == NULL)
			return -1;
		sqlite3_bind_int64(s, 1, client);
		primary = sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0) == 0;
		sqlite3_reset(s);
	}
	if ((s = store_stmt(st, ins, err, errlen)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, client);
	store_bind_text(s, 2, name);
	store_bind_text(s, 3, role);
	store_bind_text(s, 4, email);
	store_bind_text(s, 5, phone);
	sqlite3_bind_int(s, 6, primary != 0);
	if (bind_key(s, 7, name) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (step_done(st, s, err, errlen, "adding contact") == -1)
		return -1;
	/* A contact is part of the client's record (and of its feed events). */
	if ((s = store_stmt(st, touch_client, err, errlen)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, clock_now());
	sqlite3_bind_int64(s, 2, client);
	if (step_done(st, s, err, errlen, "updating client") == -1)
		return -1;
	if (id != NULL)
		*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int
store_contact_list(struct store *st, long long client, store_row_fn fn, void *arg,
    char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT id, name, role, email, phone, is_primary AS \"primary\""
	    " FROM contacts WHERE client_id = ? ORDER BY is_primary DESC, id";
	sqlite3_stmt *s;

	if ((s = store_stmt(st, sql, err, errlen)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, client);
	return store_rows(st, s, fn, arg, err, errlen);
}

/* ---- interactions -------------------------------------------------- */

int
store_interaction_list(struct store *st, long long client, long limit, store_row_fn fn,
    void *arg, char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT i.id, i.kind, i.at, i.outcome, i.note, o.email AS by_owner, i.direction"
	    " FROM interactions i LEFT JOIN owners o ON o.id = i.by_owner_id"
	    " WHERE i.client_id = ? ORDER BY i.at DESC, i.id DESC LIMIT ?";
	sqlite3_stmt *s;

	if ((s = store_stmt(st, sql, err, errlen)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, client);
	sqlite3_bind_int64(s, 2, limit > 0 ? limit : -1);
	return store_rows(st, s, fn, arg, err, errlen);
}

/* ---- activities ---------------------------------------------------- */

int
store_activity_add(struct store *st, long long client, long long owner, const char *kind,
    time_t start, const char *tz, int duration, const char *location, const char *note,
    long long *id, char *err, size_t errlen)
{
	static const char sql[] =
	    "INSERT INTO activities (uid, client_id, owner_id, kind, start_at, tz,"
	    " duration_min, location, note, created_at, last_modified)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *s;
	char tok[40], uid[64];
	time_t now = clock_now();

	if (store_token(tok, sizeof(tok)) == -1) {
		snprintf(err, errlen, "cannot get random bytes: %s", strerror(errno));
		return -1;
	}
	/* Stable for the life of the activity; never derived from mutable data. */
	snprintf(uid, sizeof(uid), "%s@cartera", tok);
	if ((s = store_stmt(st, sql, err, errlen)) == NULL)
		return -1;
	sqlite3_bind_text(s, 1, uid, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, client);
	sqlite3_bind_int64(s, 3, owner);
	sqlite3_bind_text(s, 4, kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 5, start);
	sqlite3_bind_text(s, 6, tz, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 7, duration > 0 ? duration : 30);
	store_bind_text(s, 8, location);
	store_bind_text(s, 9, note);
	sqlite3_bind_int64(s, 10, now);
	sqlite3_bind_int64(s, 11, now);
	if (step_done(st, s, err, errlen, "planning activity") == -1)
		return -1;
	if (id != NULL)
		*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

static int
activity_changed(struct store *st, long long id, char *err, size_t errlen)
{
	if (sqlite3_changes(st->db) == 0) {
		snprintf(err, errlen, "no activity with id %lld", id);
		return -1;
	}
	return 0;
}

int
store_activity_set_status(struct store *st, long long id, const char *status,
    char *err, size_t errlen)
{
	/* LAST-MODIFIED must move even when two changes share a second. */
	static const char sql[] =
	    "UPDATE activities SET status = ?1, sequence = sequence + 1,"
	    " last_modified = max(?2, last_modified + 1) WHERE id = ?3 AND status <> ?1";
	static const char exists[] = "SELECT status FROM activities WHERE id = ?";
	sqlite3_stmt *s;
	int rc;

	/* Done is a contact, whoever says it: the same path as the CLI's. */
	if (strcmp(status, "done") == 0)
		return store_activity_done(st, id, NULL, NULL, err, errlen) == -1 ? -1 : 0;
	if ((s = store_stmt(st, sql, err, errlen)) == NULL)
		return -1;
	sqlite3_bind_text(s, 1, status, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, clock_now());
	sqlite3_bind_int64(s, 3, id);
	if (step_done(st, s, err, errlen, "updating activity") == -1)
		return -1;
	if (sqlite3_changes(st->db) > 0)
		return 0;
	if ((s = store_stmt(st, exists, err, errlen)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return 0;	/* already in that state: nothing to bump */
	snprintf(err, errlen, "no activity with id %lld", id);
	return -1;
}

int
store_activity_move(struct store *st, long long id, time_t start, const char *tz,
    char *err, size_t errlen)
{
	static const char sql[] =
	    "UPDATE activities SET start_at = ?1, tz = coalesce(?2, tz),"
	    " duration_min = CASE WHEN day IS NULL THEN duration_min ELSE 30 END, day = NULL,"
	    " status = CASE status WHEN 'cancelled' THEN 'planned' ELSE status END,"
	    " sequence = sequence + 1, last_modified = max(?3, last_modified + 1)"
	    " WHERE id = ?4";
	sqlite3_stmt *s;

	if ((s = store_stmt(st, sql, err, errlen)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, start);
	store_bind_text(s, 2, tz);
	sqlite3_bind_int64(s, 3, clock_now());
	sqlite3_bind_int64(s, 4, id);
	if (step_done(st, s, err, errlen, "moving activity") == -1)
		return -1;
	return activity_changed(st, id, err, errlen);
}

int
store_activity_list(struct store *st, const struct activity_filter *f, store_row_fn fn,
    void *arg, char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT a.id, a.kind, a.start_at, a.tz AS timezone, a.duration_min,"
	    " c.id AS client_id, c.name AS client, o.email AS owner, a.location,"
	    " a.note, a.status, a.sequence, a.uid, a.day"
	    " FROM activities a JOIN clients c ON c.id = a.client_id"
	    " JOIN owners o ON o.id = a.owner_id"
	    " WHERE (?1 IS NULL OR o.email = ?1) AND (?2 = 0 OR a.client_id = ?2)"
	    " AND (?3 = 0 OR a.start_at >= ?3) AND (?4 = 0 OR a.start_at < ?4)"
	    " AND (?5 IS NULL OR a.status = ?5)"
	    " ORDER BY a.start_at, a.id";
	sqlite3_stmt *s;

	if ((s = store_stmt(st, sql, err, errlen)) == NULL)
		return -1;
	store_bind_text(s, 1, f->owner);
	sqlite3_bind_int64(s, 2, f->client);
	sqlite3_bind_int64(s, 3, f->from);
	sqlite3_bind_int64(s, 4, f->to);
	store_bind_text(s, 5, f->status);
	return store_rows(st, s, fn, arg, err, errlen);
}

int
store_activity_tz(struct store *st, long long id, char **tz, char *err, size_t errlen)
{
	static const char sql[] = "SELECT tz FROM activities WHERE id = ?";

	return text_by_id(st, sql, id, tz, "activity", err, errlen);
}

/* ---- invoices, NPS, costs ------------------------------------------ */

int
store_invoice_add(struct store *st, long long client, long long cents, const char *currency,
    const char *issued, const char *due, const char *number, long long *id,
    char *err, size_t errlen)
{
	static const char sql[] =
	    "INSERT INTO invoices (client_id, number, amount_cents, currency, issued, due,"
	    " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *s;

	if ((s = store_stmt(st, sql, err, errlen)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, client);
	store_bind_text(s, 2, number);
	sqlite3_bind_int64(s, 3, cents);
	sqlite3_bind_text(s, 4, currency ? currency : "EUR", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 5, issued, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 6, due, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 7, clock_now());
	if (step_done(st, s, err, errlen, "adding invoice") == -1)
		return -1;
	if (id != NULL)
		*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int
store_invoice_client(struct store *st, long long id, long long *client, char *err,
    size_t errlen)
{
	static const char sql[] = "SELECT client_id FROM invoices WHERE id = ?";

	return int_by_id(st, sql, id, client, "invoice", err, errlen) == -1 ? -1 : 0;
}

int
store_invoice_paid(struct store *st, long long id, const char *day, char *err, size_t errlen)
{
	static const char sql[] = "UPDATE invoices SET paid_at = ? WHERE id = ?";
	sqlite3_stmt *s;

	if ((s = store_stmt(st, sql, err, errlen)) == NULL)
		return -1;
	sqlite3_bind_text(s, 1, day, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, id);
	if (step_done(st, s, err, errlen, "marking invoice paid") == -1)
		return -1;
	if (sqlite3_changes(st->db) == 0) {
		snprintf(err, errlen, "no invoice with id %lld", id);
		return -1;
	}
	return 0;
}

int
store_invoice_list(struct store *st, long long client, int unpaid_only, store_row_fn fn,
    void *arg, char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT i.id, c.name AS client, i.number, i.amount_cents, i.currency,"
	    " i.issued, i.due, i.paid_at"
	    " FROM invoices i JOIN clients c ON c.id = i.client_id"
	    " WHERE (?1 = 0 OR i.client_id = ?1) AND (?2 = 0 OR i.paid_at IS NULL)"
	    " ORDER BY i.issued, i.id";
	sqlite3_stmt *s;

	if ((s = store_stmt(st, sql, err, errlen)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, client);
	sqlite3_bind_int(s, 2, unpaid_only != 0);
	return store_rows(st, s, fn, arg, err, errlen);
}

int
store_nps_add(struct store *st, long long client, int score, const char *day,
    char *err, size_t errlen)
{
	static const char sql[] = "INSERT INTO nps (client_id, score, at) VALUES (?, ?, ?)";
	sqlite3_stmt *s;

	if ((s = store_stmt(st, sql, err, errlen)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, client);
	sqlite3_bind_int(s, 2, score);
	sqlite3_bind_text(s, 3, day, -1, SQLITE_TRANSIENT);
	return step_done(st, s, err, errlen, "recording NPS response");
}

int
store_cost_add(struct store *st, const char *month, const char *kind, long long cents,
    long long client, const char *note, char *err, size_t errlen)
{
	static const char sql[] =
	    "INSERT INTO costs (month, kind, amount_cents, client_id, note) VALUES (?, ?, ?, ?, ?)";
	sqlite3_stmt *s;

	if ((s = store_stmt(st, sql, err, errlen)) == NULL)
		return -1;
	sqlite3_bind_text(s, 1, month, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, kind ? kind : "marketing", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, cents);
	if (client > 0)
		sqlite3_bind_int64(s, 4, client);
	store_bind_text(s, 5, note);
	return step_done(st, s, err, errlen, "recording cost");
}
