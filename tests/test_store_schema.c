/*
 * test_store_schema.c - a new database is created at the current schema
 * in one step (store_schema.c's creation script); this proves it equal to
 * a database created by the first version and migrated through every
 * migration since: the same tables, columns (type, NOT NULL, default,
 * key), CHECK and foreign key constraints, indexes (columns, uniqueness,
 * partial WHERE) and triggers.  It also proves a migration keeps the rows
 * of the tables it rebuilds and their foreign keys.
 */
#include "build.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "buf.h"
#include "check.h"
#include "store.h"
#include "store_sqlite.h"

static char err[1024];

/*
 * SQL text without the differences that mean nothing: runs of white
 * space, spaces next to parentheses, commas and semicolons, and the
 * quotes SQLite puts around a renamed table's name.
 */
static void
normalize(struct buf *out, const char *sql)
{
	struct buf b = BUF_INIT;
	int space = 0;

	for (const char *p = sql; *p != '\0'; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
			space = 1;
			continue;
		}
		if (*p == '"')
			continue;
		if (space && b.len > 0 && strchr("(),;", *p) == NULL &&
		    strchr("(),;", b.data[b.len - 1]) == NULL)
			buf_putc(&b, ' ');
		space = 0;
		buf_putc(&b, *p);
	}
	if (b.len > 0)
		buf_add(out, b.data, b.len);
	buf_free(&b);
}

/* Every row of sql, one line each, columns separated by '|'. */
static void
dump_rows(sqlite3 *db, struct buf *out, const char *prefix, const char *sql)
{
	sqlite3_stmt *s;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		buf_printf(out, "%s: error %s\n", prefix, sqlite3_errmsg(db));
		return;
	}
	while (sqlite3_step(s) == SQLITE_ROW) {
		buf_puts(out, prefix);
		for (int i = 0; i < sqlite3_column_count(s); i++) {
			const char *v = (const char *)sqlite3_column_text(s, i);
			buf_putc(out, '|');
			if (v == NULL)
				buf_puts(out, "NULL");
			else if (strcmp(sqlite3_column_name(s, i), "sql") == 0)
				normalize(out, v);
			else
				buf_puts(out, v);
		}
		buf_putc(out, '\n');
	}
	sqlite3_finalize(s);
}

/* The schema of the database at path as text that compares. */
static char *
schema_of(const char *path)
{
	struct buf out = BUF_INIT;
	sqlite3 *db;
	sqlite3_stmt *s;
	char sql[512];

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return strdup("cannot open");
	}
	dump_rows(db, &out, "version", "PRAGMA user_version");
	dump_rows(db, &out, "object", "SELECT type, name, tbl_name, sql FROM sqlite_schema"
	    " ORDER BY type, name");
	if (sqlite3_prepare_v2(db, "SELECT type, name FROM sqlite_schema"
	    " WHERE type IN ('table', 'index') ORDER BY type, name", -1, &s, NULL) == SQLITE_OK) {
		while (sqlite3_step(s) == SQLITE_ROW) {
			const char *type = (const char *)sqlite3_column_text(s, 0);
			const char *name = (const char *)sqlite3_column_text(s, 1);
			char *q = sqlite3_mprintf("%Q", name);

			if (strcmp(type, "table") == 0) {
				snprintf(sql, sizeof(sql), "SELECT * FROM pragma_table_xinfo(%s)", q);
				dump_rows(db, &out, name, sql);
				snprintf(sql, sizeof(sql), "SELECT * FROM pragma_foreign_key_list(%s)"
				    " ORDER BY id, seq", q);
				dump_rows(db, &out, name, sql);
				snprintf(sql, sizeof(sql), "SELECT name, \"unique\", origin, partial FROM pragma_index_list(%s)"
				    " ORDER BY name", q);
				dump_rows(db, &out, name, sql);
			} else {
				snprintf(sql, sizeof(sql), "SELECT * FROM pragma_index_xinfo(%s)", q);
				dump_rows(db, &out, name, sql);
			}
			sqlite3_free(q);
		}
		sqlite3_finalize(s);
	}
	sqlite3_close(db);
	return buf_steal(&out);
}

/* The first line where a and b differ, on stderr. */
static void
show_difference(const char *a, const char *b)
{
	size_t line = 1;

	for (; *a != '\0' && *a == *b; a++, b++)
		if (*a == '\n')
			line++;
	fprintf(stderr, "schemas differ at line %zu:\n  created:  %.200s\n  migrated: %.200s\n",
	    line, a, b);
}

static long long
scalar(sqlite3 *db, const char *sql)
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

/* Rows in every table, written at version 1 (with the v1 columns only). */
static const char fixture_v1[] =
"INSERT INTO teams (id, name, feed_token, all_owners) VALUES (1, 'Norte', 'tok-team', 0);"
"INSERT INTO owners (id, email, name, tz, feed_token, team_id, created_at, updated_at)"
"  VALUES (1, 'ana@example.com', 'Ana', 'Europe/Madrid', 'tok-ana', 1, 1, 1);"
"INSERT INTO segments (id, name, cadence_days) VALUES (1, 'retail', 30);"
"INSERT INTO clients (id, owner_id, segment_id, status, name, kind, created_at, updated_at)"
"  VALUES (1, 1, 1, 'active', 'Bodega Uno', 'company', 1, 1),"
"  (2, 1, NULL, 'potential', 'Eva', 'individual', 1, 1);"
"INSERT INTO client_status_log (client_id, at, new_status) VALUES (1, 1, 'active');"
"INSERT INTO contacts (client_id, name, email, is_primary) VALUES (1, 'Luis', 'l@x.es', 1);"
"INSERT INTO interactions (client_id, kind, at, outcome) VALUES (1, 'call', 100, 'waiting');"
"INSERT INTO activities (uid, client_id, owner_id, kind, start_at, tz, created_at,"
"  last_modified) VALUES ('u1@cartera', 1, 1, 'visit', 200, 'Europe/Madrid', 1, 1);"
"INSERT INTO invoices (client_id, amount_cents, issued, due, created_at)"
"  VALUES (1, 1000, '2024-01-01', '2024-01-31', 1), (1, 2000, '2024-03-01', '2024-03-31', 1);"
"INSERT INTO nps (client_id, score, at) VALUES (1, 9, '2024-02-01');"
"INSERT INTO costs (month, kind, amount_cents, client_id) VALUES ('2024-01', 'sales', 500, 1);"
"INSERT INTO outbox (idem_key, kind, owner_id, client_id, from_addr, to_addr, subject,"
"  message_id, body_text, created_at, next_attempt_at)"
"  VALUES ('k1', 'digest', 1, 1, 'c@x', 'ana@example.com', 's', '<m@x>', 'b', 1, 1);";

int
main(void)
{
	char dir[] = "/tmp/test_store_schema.XXXXXX", fresh[256], migrated[256];
	char *a, *b;
	struct store *st = NULL;
	sqlite3 *db;

	if (mkdtemp(dir) == NULL)
		return 99;
	snprintf(fresh, sizeof(fresh), "%s/fresh.db", dir);
	snprintf(migrated, sizeof(migrated), "%s/migrated.db", dir);

	/* A new database, in one step. */
	CHECK(store_open(fresh, STORE_CREATE, &st, err, sizeof(err)) == 0);
	store_close(st);
	st = NULL;

	/* The first version's database, with a row in every table, migrated. */
	CHECK(store_create_old(migrated, 1, err, sizeof(err)) == 0);
	CHECK(sqlite3_open_v2(migrated, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK);
	CHECK_INT(scalar(db, "PRAGMA user_version"), 1);
	CHECK(sqlite3_exec(db, fixture_v1, NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	CHECK(store_open(migrated, 0, &st, err, sizeof(err)) == 0);
	store_close(st);
	st = NULL;

	/* Tables, columns, constraints, indexes and triggers are the same. */
	a = schema_of(fresh);
	b = schema_of(migrated);
	CHECK(a != NULL && b != NULL && strstr(a, "clients_scan") != NULL);
	CHECK(strcmp(a, b) == 0);
	if (strcmp(a, b) != 0)
		show_difference(a, b);
	free(a);
	free(b);

	/* The rebuilt tables kept their rows, derived columns and links. */
	CHECK(sqlite3_open_v2(migrated, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK);
	CHECK_INT(scalar(db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	CHECK_INT(scalar(db, "SELECT count(*) FROM clients"), 2);
	CHECK_INT(scalar(db, "SELECT count(*) FROM contacts"), 1);
	CHECK_INT(scalar(db, "SELECT count(*) FROM interactions"), 1);
	CHECK_INT(scalar(db, "SELECT count(*) FROM activities"), 1);
	CHECK_INT(scalar(db, "SELECT count(*) FROM invoices"), 2);
	CHECK_INT(scalar(db, "SELECT count(*) FROM outbox WHERE reply_to IS NULL"), 1);
	CHECK_INT(scalar(db, "SELECT count(*) FROM costs"), 1);
	CHECK_INT(scalar(db, "SELECT count(*) FROM nps"), 1);
	CHECK_INT(scalar(db, "SELECT team_id FROM owners WHERE id = 1"), 1);
	CHECK_INT(scalar(db, "SELECT last_touch_at FROM clients WHERE id = 1"), 100);
	CHECK_INT(scalar(db, "SELECT purchases FROM clients WHERE id = 1"), 2);
	CHECK_INT(scalar(db, "SELECT median_interval FROM clients WHERE id = 1"), 60);
	CHECK_INT(scalar(db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
	CHECK_INT(scalar(db, "SELECT count(*) FROM pragma_integrity_check"
	    " WHERE integrity_check <> 'ok'"), 0);
	/* The triggers work on the rebuilt tables, and cascades still cascade. */
	CHECK(sqlite3_exec(db, "PRAGMA foreign_keys = ON;"
	    " INSERT INTO interactions (client_id, kind, at) VALUES (1, 'visit', 300);"
	    " INSERT INTO invoices (client_id, amount_cents, issued, due, created_at)"
	    "  VALUES (1, 10, '2024-04-01', '2024-04-30', 1);",
	    NULL, NULL, NULL) == SQLITE_OK);
	CHECK_INT(scalar(db, "SELECT last_touch_at FROM clients WHERE id = 1"), 300);
	CHECK_INT(scalar(db, "SELECT purchases FROM clients WHERE id = 1"), 3);
	CHECK(sqlite3_exec(db, "DELETE FROM clients WHERE id = 1", NULL, NULL, NULL) == SQLITE_OK);
	CHECK_INT(scalar(db, "SELECT count(*) FROM contacts"), 0);
	CHECK_INT(scalar(db, "SELECT count(*) FROM interactions"), 0);
	CHECK_INT(scalar(db, "SELECT count(*) FROM outbox WHERE client_id IS NULL"), 1);
	CHECK(sqlite3_exec(db, "DELETE FROM teams", NULL, NULL, NULL) == SQLITE_OK);
	CHECK_INT(scalar(db, "SELECT count(*) FROM owners WHERE team_id IS NULL"), 1);
	sqlite3_close(db);

	/* Every intermediate version migrates to the same schema too. */
	for (int v = 2; v < STORE_SCHEMA_VERSION; v++) {
		char path[300];

		snprintf(path, sizeof(path), "%s/v%d.db", dir, v);
		CHECK(store_create_old(path, v, err, sizeof(err)) == 0);
		st = NULL;
		CHECK(store_open(path, 0, &st, err, sizeof(err)) == 0);
		/* The migrating connection has its foreign keys back on. */
		CHECK_INT(scalar(store_sqlite_handle(st), "PRAGMA foreign_keys"), 1);
		store_close(st);
		a = schema_of(fresh);
		b = schema_of(path);
		CHECK(strcmp(a, b) == 0);
		if (strcmp(a, b) != 0)
			show_difference(a, b);
		free(a);
		free(b);
		unlink(path);
	}

	unlink(fresh);
	unlink(migrated);
	{
		char side[300];
		const char *sfx[] = { "-wal", "-shm" };
		for (size_t i = 0; i < 2; i++) {
			snprintf(side, sizeof(side), "%s%s", fresh, sfx[i]);
			unlink(side);
			snprintf(side, sizeof(side), "%s%s", migrated, sfx[i]);
			unlink(side);
		}
	}
	rmdir(dir);
	return check_done("test_store_schema");
}
