/*
 * store_sqlite.h - the SQLite connection under a store, for what only
 * SQLite code may do with it: the SQLite engine itself and the store's
 * unit tests (query plans, raw fixtures).  No other module includes this.
 */
#ifndef CARTERA_STORE_SQLITE_H
#define CARTERA_STORE_SQLITE_H

#include <sqlite3.h>

struct store;

/* The connection, or NULL when st is not on SQLite.  Owned by st. */
sqlite3	*store_sqlite_handle(struct store *st);

#endif
