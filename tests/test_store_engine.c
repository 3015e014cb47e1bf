/*
 * test_store_engine.c - the store's engine interface (store_engine.h) as
 * the store's files use it: cached statements, binding, stepping, column
 * types, changes, INSERT ... RETURNING id (which the SQLite engine answers
 * from the last rowid), read and write transactions.
 */
#include "build.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "store.h"
#include "store_engine.h"

static char err[1024];

int
main(void)
{
	static const char ins[] =
	    "INSERT INTO segments (name, cadence_days) VALUES (?, ?)"
	    " ON CONFLICT DO NOTHING RETURNING id";
	static const char sel[] = "SELECT id, name, cadence_days FROM segments WHERE name = ?";
	static const char upd[] = "UPDATE segments SET cadence_days = ? WHERE cadence_days IS NULL";
	char dir[] = "/tmp/test_store_engine.XXXXXX", path[256], side[300];
	struct store *st = NULL, *other = NULL;
	struct stmt *s;
	long long id = 0, id2 = 0, v1 = 0, v2 = 0;

	if (mkdtemp(dir) == NULL)
		return 99;
	snprintf(path, sizeof(path), "%s/e.db", dir);
	CHECK(store_open(path, STORE_CREATE, &st, err, sizeof(err)) == 0);
	CHECK(store_open(path, 0, &other, err, sizeof(err)) == 0);

	/* RETURNING id: one row with the new id, then done. */
	CHECK((s = stmt_get(st, ins, err, sizeof(err))) != NULL);
	stmt_bind_text(s, 1, "norte");
	stmt_bind_null(s, 2);
	CHECK_INT(stmt_step(s), STMT_ROW);
	CHECK_INT(stmt_ncols(s), 1);
	CHECK_INT(stmt_type(s, 0), STORE_INT);
	id = stmt_int(s, 0);
	CHECK(id > 0);
	CHECK_STR(stmt_text(s, 0), (snprintf(side, sizeof(side), "%lld", id), side));
	CHECK_INT(stmt_step(s), STMT_DONE);
	stmt_reset(s);
	/* The same statement again, from the cache, unbound. */
	CHECK(stmt_get(st, ins, err, sizeof(err)) == s);
	stmt_bind_text(s, 1, "sur");
	stmt_bind_int(s, 2, 30);
	CHECK(stmt_insert(st, s, &id2, err, sizeof(err), "adding") == 0);
	CHECK(id2 > id);
	/* DO NOTHING: no row, as RETURNING gives none. */
	stmt_bind_text(s, 1, "norte");
	CHECK_INT(stmt_step(s), STMT_DONE);
	CHECK_INT(stmt_changes(st), 0);
	stmt_reset(s);
	/* A NULL name breaks NOT NULL: an error, said in err. */
	stmt_bind_null(s, 1);
	CHECK(stmt_insert(st, s, NULL, err, sizeof(err), "adding") == -1);
	CHECK(strstr(err, "NOT NULL") != NULL);

	/* Columns: types and NULL. */
	CHECK((s = stmt_get(st, sel, err, sizeof(err))) != NULL);
	stmt_bind_text(s, 1, "norte");
	CHECK_INT(stmt_step(s), STMT_ROW);
	CHECK_INT(stmt_int(s, 0), id);
	CHECK_INT(stmt_type(s, 1), STORE_TEXT);
	CHECK_STR(stmt_text(s, 1), "norte");
	CHECK(stmt_is_null(s, 2));
	CHECK(stmt_text(s, 2) == NULL);
	CHECK_INT(stmt_step(s), STMT_DONE);
	stmt_reset(s);

	/* A UNIQUE violation is told apart. */
	CHECK((s = stmt_new(st, "INSERT INTO segments (name) VALUES ('sur')", err,
	    sizeof(err))) != NULL);
	CHECK_INT(stmt_step(s), STMT_UNIQUE);
	stmt_free(s);

	/* Changes of the last write. */
	CHECK((s = stmt_get(st, upd, err, sizeof(err))) != NULL);
	stmt_bind_int(s, 1, 7);
	CHECK(stmt_done(st, s, err, sizeof(err), "updating") == 0);
	CHECK_INT(stmt_changes(st), 1);

	/* A read transaction sees one snapshot while another connection commits. */
	CHECK(store_data_version(st, &v1) == 0);
	CHECK(store_read_begin(st, err, sizeof(err)) == 0);
	CHECK(store_begin(other, err, sizeof(err)) == 0);
	CHECK(store_segment_set(other, "este", 10, err, sizeof(err)) == 0);
	CHECK(store_commit(other, err, sizeof(err)) == 0);
	CHECK((s = stmt_get(st, sel, err, sizeof(err))) != NULL);
	stmt_bind_text(s, 1, "este");
	CHECK_INT(stmt_step(s), STMT_DONE);
	stmt_reset(s);
	store_read_end(st);
	stmt_bind_text(s, 1, "este");
	CHECK_INT(stmt_step(s), STMT_ROW);
	stmt_reset(s);
	/* ...and the change counter moved. */
	CHECK(store_data_version(st, &v2) == 0);
	CHECK(v2 != v1);

	/* A write transaction rolled back leaves nothing. */
	CHECK(store_begin(st, err, sizeof(err)) == 0);
	CHECK(store_segment_set(st, "oeste", 5, err, sizeof(err)) == 0);
	store_rollback(st);
	stmt_bind_text(s, 1, "oeste");
	CHECK_INT(stmt_step(s), STMT_DONE);
	stmt_reset(s);

	store_close(other);
	store_close(st);
	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
	rmdir(dir);
	return check_done("test_store_engine");
}
