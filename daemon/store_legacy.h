/*
 * store_legacy.h - TRANSITIONAL: raw SQLite statements for the modules
 * whose SQL has not moved into the store yet (report, outbox, scan, feed,
 * followup; issue #16).  Included by store.h until then, and removed with
 * the last of them.  New code must not use anything here: add a typed
 * function to the store instead.
 */
#ifndef CARTERA_STORE_LEGACY_H
#define CARTERA_STORE_LEGACY_H

#include <stddef.h>

#include <sqlite3.h>

struct store;
struct store_row;

/* Cached prepared statement for sql (static text: the pointer is the
 * key), reset and unbound; owned by the store.  NULL on error (err). */
sqlite3_stmt *store_stmt(struct store *, const char *sql, char *err, size_t errlen);
/* "what: engine message" into err; returns -1. */
int	 store_fail(struct store *, char *err, size_t errlen, const char *what);
/* Bind text, or NULL when s is NULL or empty. */
int	 store_bind_text(sqlite3_stmt *, int idx, const char *s);
/* Column text duplicated (NULL stays NULL). -1 only on allocation failure. */
int	 store_dup_col(sqlite3_stmt *, int col, char **out);
sqlite3	*store_handle(struct store *);
/* Run a prepared statement (already bound) and hand each row to fn. */
int	 store_rows(struct store *, sqlite3_stmt *,
	    int (*fn)(const struct store_row *, void *), void *arg, char *err, size_t errlen);

#endif
