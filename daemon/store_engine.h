/*
 * store_engine.h - the one interface between the store and a database
 * engine, and what the store's files share.  PRIVATE to the store:
 * included only by daemon/store*.c (and the store's unit tests).
 *
 * An engine (store_sqlite.c, store_pg.c) fills a struct
 * engine_ops: open and close a connection, run a script, prepare a
 * statement, bind, step, read columns, transactions, a change counter
 * for other connections' commits.  Above it the store's files write SQL
 * once, with "?" or "?N" placeholders and SQL both engines accept
 * (RETURNING, ON CONFLICT DO NOTHING, coalesce, CASE...); where the
 * dialects must differ, STORE_SQL_BY_ENGINE picks a text per engine.
 *
 * How store code reads (the whole recipe):
 *
 *	static const char sql[] = "SELECT a, b FROM t WHERE id = ?";
 *	struct stmt *s;
 *	if ((s = stmt_get(st, sql, err, errlen)) == NULL)	// cached, reset
 *		return -1;
 *	stmt_bind_int(s, 1, id);
 *	while ((rc = stmt_step(s)) == STMT_ROW)
 *		use(stmt_int(s, 0), stmt_text(s, 1));
 *	stmt_reset(s);
 *	if (rc != STMT_DONE)
 *		return store_fail(st, err, errlen, "reading t");
 *
 * Inserts that need the new id say "... RETURNING id" and call
 * stmt_insert(); writes that must change a row check stmt_changes(st).
 * Nothing here may be exposed through store.h.
 */
#ifndef CARTERA_STORE_ENGINE_H
#define CARTERA_STORE_ENGINE_H

#include <limits.h>
#include <stddef.h>

#include "store.h"

/* ---- what an engine provides ---------------------------------------- */

/* stmt_step() results.  Errors are negative; the text is in errmsg. */
#define STMT_ROW	1
#define STMT_DONE	0
#define STMT_ERROR	(-1)
#define STMT_UNIQUE	(-2)	/* a UNIQUE (or primary key) constraint failed */

/* Column types, as STORE_NULL, STORE_INT, STORE_REAL, STORE_TEXT (store.h)
 * plus binary data. */
#define STMT_BLOB	((int)STORE_TEXT + 1)

/* engine_ops.begin modes */
#define STORE_TX_WRITE	0	/* takes the write lock now (BEGIN IMMEDIATE) */
#define STORE_TX_READ	1	/* one consistent snapshot for several reads */

/* "LIMIT ?" bound to this reads every row on both engines (SQLite's -1
 * is an error on PostgreSQL, and neither takes NULL). */
#define STORE_NO_LIMIT	LLONG_MAX

/* The engines, for STORE_SQL_BY_ENGINE. */
enum store_engine_kind { STORE_ENGINE_SQLITE, STORE_ENGINE_PG, STORE_ENGINE_COUNT };

struct engine;		/* a connection; the engine's own */
struct engine_ops;

/* A prepared statement.  An engine's statement starts with this. */
struct stmt {
	const struct engine_ops	*ops;
	int			 dirty;	/* bound or stepped since the last reset */
};

struct engine_ops {
	const char		*name;		/* "SQLite", "PostgreSQL" */
	enum store_engine_kind	 kind;
	/* path is a file name (SQLite) or a URL (PostgreSQL); flags are
	 * STORE_CREATE / STORE_READONLY.  The schema is store_schema.c's. */
	int	 (*open)(const char *path, int flags, struct engine **out,
		    char *err, size_t errlen);
	void	 (*close)(struct engine *);
	/* A script of statements without parameters (schema, pragmas). */
	int	 (*exec)(struct engine *, const char *sql, char *err, size_t errlen);
	/* A new statement, or NULL with errmsg() telling why. */
	struct stmt *(*prepare)(struct engine *, const char *sql);
	void	 (*finalize)(struct stmt *);
	/* Parameters count from 1.  Text and blobs are copied. */
	int	 (*bind_int)(struct stmt *, int idx, long long v);
	int	 (*bind_double)(struct stmt *, int idx, double v);
	int	 (*bind_text)(struct stmt *, int idx, const char *v);	/* NULL binds NULL */
	int	 (*bind_blob)(struct stmt *, int idx, const void *v, size_t len);
	int	 (*bind_null)(struct stmt *, int idx);
	int	 (*step)(struct stmt *);			/* STMT_ROW, STMT_DONE, < 0 */
	/* Ready to run again, every parameter unbound (NULL). */
	void	 (*reset)(struct stmt *);
	int	 (*ncols)(struct stmt *);
	const char *(*col_name)(struct stmt *, int col);
	int	 (*col_type)(struct stmt *, int col);		/* STORE_* or STMT_BLOB */
	long long (*col_int)(struct stmt *, int col);		/* NULL reads 0 */
	double	 (*col_double)(struct stmt *, int col);
	const char *(*col_text)(struct stmt *, int col);	/* NULL for NULL */
	const void *(*col_blob)(struct stmt *, int col, size_t *len);
	/* Rows written by the last INSERT, UPDATE or DELETE that finished. */
	long long (*changes)(struct engine *);
	int	 (*begin)(struct engine *, int mode, char *err, size_t errlen);
	int	 (*commit)(struct engine *, char *err, size_t errlen);
	void	 (*rollback)(struct engine *);		/* no-op outside a transaction */
	int	 (*in_transaction)(struct engine *);
	/* A number that moves whenever another connection commits. */
	int	 (*data_version)(struct engine *, long long *v);
	/* A descriptor that turns readable when another connection commits
	 * (then data_version tells); NULL or -1: none, watch the file. */
	int	 (*fd)(struct engine *);
	/* The message of the last failure on this connection. */
	const char *(*errmsg)(struct engine *);
	void	 (*set_busy_timeout)(struct engine *, int ms);
	/* Outside a transaction: on=1 readies the connection for one large
	 * write transaction that no other connection should wait on (1 done,
	 * 0 not: it runs as any other), on=0 ends that.  NULL: nothing to do. */
	int	 (*bulk)(struct engine *, int on);
	/* Inside a bulk import's transaction: on=1 readies the connection to
	 * build large indexes, on=0 sets it back.  NULL: nothing to do. */
	int	 (*index_builds)(struct engine *, int on, char *err, size_t errlen);
	/* The schema version number (SQLite: PRAGMA user_version). */
	int	 (*get_version)(struct engine *, int *v, char *err, size_t errlen);
	int	 (*set_version)(struct engine *, int v, char *err, size_t errlen);
	/* "ok" (0) or the first problem found, in err (-1). */
	int	 (*check)(struct engine *, const char *path, char *err, size_t errlen);
	/* store_backup(); NULL when the engine has none. */
	int	 (*backup)(struct engine *, const char *dbpath, const char *path,
		    store_progress_fn progress, void *arg, long long *pages,
		    long long *bytes, char *err, size_t errlen);
	/* A lock held by this connection until unlock (or its end), taken
	 * only if free: *got 1 or 0.  NULL: one process per database, always
	 * got. */
	int	 (*try_lock)(struct engine *, long long key, int *got);
	void	 (*unlock)(struct engine *, long long key);
};

extern const struct engine_ops store_sqlite_ops;
#ifdef HAVE_PQ
extern const struct engine_ops store_pg_ops;
#endif
/* The password store_set_password gave (NULL: the engine's own ways). */
const char *store_password(void);

/* ---- statements: thin wrappers the store's files call --------------- */

static inline int stmt_bind_int(struct stmt *s, int i, long long v)
{ s->dirty = 1; return s->ops->bind_int(s, i, v); }
static inline int stmt_bind_double(struct stmt *s, int i, double v)
{ s->dirty = 1; return s->ops->bind_double(s, i, v); }
static inline int stmt_bind_text(struct stmt *s, int i, const char *v)
{ s->dirty = 1; return s->ops->bind_text(s, i, v); }
static inline int stmt_bind_blob(struct stmt *s, int i, const void *v, size_t len)
{ s->dirty = 1; return s->ops->bind_blob(s, i, v, len); }
static inline int stmt_bind_null(struct stmt *s, int i)
{ s->dirty = 1; return s->ops->bind_null(s, i); }
/* Text, or NULL when v is NULL or empty. */
static inline int stmt_bind_opt(struct stmt *s, int i, const char *v)
{ s->dirty = 1; return v == NULL || *v == '\0' ? s->ops->bind_null(s, i) : s->ops->bind_text(s, i, v); }
static inline int stmt_step(struct stmt *s)
{ s->dirty = 1; return s->ops->step(s); }
static inline void stmt_reset(struct stmt *s)
{ s->ops->reset(s); s->dirty = 0; }
static inline int stmt_ncols(struct stmt *s)
{ return s->ops->ncols(s); }
static inline const char *stmt_col_name(struct stmt *s, int c)
{ return s->ops->col_name(s, c); }
static inline int stmt_type(struct stmt *s, int c)
{ return s->ops->col_type(s, c); }
static inline int stmt_is_null(struct stmt *s, int c)
{ return s->ops->col_type(s, c) == STORE_NULL; }
static inline long long stmt_int(struct stmt *s, int c)
{ return s->ops->col_int(s, c); }
static inline double stmt_double(struct stmt *s, int c)
{ return s->ops->col_double(s, c); }
static inline const char *stmt_text(struct stmt *s, int c)
{ return s->ops->col_text(s, c); }
static inline const void *stmt_blob(struct stmt *s, int c, size_t *len)
{ return s->ops->col_blob(s, c, len); }

/* ---- what the store's files share (store.c) -------------------------- */

#define STORE_STMT_CACHE	160
#define STORE_PUT_CACHE		32

struct store {
	const struct engine_ops	*ops;
	struct engine		*eng;
	char			*path;
	int			 created;	/* the schema was created at open */
	char			 who[128];	/* "host pid token": this connection's
						 * outbox claims */
	struct {
		const char	*sql;	/* the key: a pointer to static text */
		struct stmt	*stmt;
	}			 cache[STORE_STMT_CACHE];
	int			 ncache;
	/* store_clients.c: a client INSERT or UPDATE per set of given fields */
	struct {
		unsigned	 mask;
		struct stmt	*stmt;
	}			 put[STORE_PUT_CACHE];
	int			 nput;
	/* store_import.c: a large import under way (store_client_import_begin),
	 * NULL otherwise; ended by store_commit or store_rollback. */
	struct store_import	*imp;
	int			 bulk;	/* ops->bulk(1) done, until the import ends */
};

/*
 * One SQL text per engine, where the dialects differ.  Use sparingly:
 *	static const char *const sql[STORE_ENGINE_COUNT] = STORE_SQL_BY_ENGINE(
 *	    "... SQLite ...", "... PostgreSQL ...");
 *	s = stmt_get(st, store_sql(st, sql), err, errlen);
 */
#define STORE_SQL_BY_ENGINE(sqlite, pg)	{ [STORE_ENGINE_SQLITE] = (sqlite), [STORE_ENGINE_PG] = (pg) }
static inline const char *store_sql(const struct store *st, const char *const *by_engine)
{ return by_engine[st->ops->kind]; }

/*
 * The cached statement for sql, which must be static text (the pointer
 * is the cache key), reset with no parameters bound.  Owned by the store.
 * NULL on a prepare error, with the message in err.
 */
struct stmt *stmt_get(struct store *, const char *sql, char *err, size_t errlen);
/* A statement of its own (not cached, for SQL built at run time from
 * fixed column names); the caller finalizes it with stmt_free. */
struct stmt *stmt_new(struct store *, const char *sql, char *err, size_t errlen);
void	 stmt_free(struct stmt *);
/* Rows changed by the last write statement that finished. */
long long stmt_changes(struct store *);
/* Step a write that returns no row, and reset it.  -1 with "what: why". */
int	 stmt_done(struct store *, struct stmt *, char *err, size_t errlen, const char *what);
/* Step an INSERT ... RETURNING id: the id in *id (may be NULL), reset. */
int	 stmt_insert(struct store *, struct stmt *, long long *id, char *err, size_t errlen,
	    const char *what);
/* Bind the search key of v (record_search_key; NULL for NULL or "").
 * -1 out of memory. */
int	 stmt_bind_key(struct stmt *, int idx, const char *v);
/* Column text duplicated (NULL stays NULL). -1 only on allocation failure. */
int	 stmt_dup(struct stmt *, int col, char **out);
/* Run a bound statement that returns one row (an aggregate): its first
 * column in *out (0 for NULL), reset; -1 ("WHAT") on an error. */
int	 stmt_one_int(struct store *, struct stmt *, long long *out, const char *what,
	    char *err, size_t errlen);
/* Run a bound statement, hand each row to fn, reset it. */
int	 stmt_rows(struct store *, struct stmt *, store_row_fn fn, void *arg,
	    char *err, size_t errlen);
/*
 * The first column of the one row sql (one integer parameter: id) gives.
 * text_by_id: 0 found (*out NULL for SQL NULL).  int_by_id: 0 found, 1
 * the value is NULL.  Both: -1 with "no WHAT with id N in DB" when there
 * is no row, or on an error.
 */
/* "no WHAT with id ID in DATABASE" into err; returns -1. */
int	 store_no_such(struct store *, char *err, size_t errlen, const char *what,
	    long long id);
int	 text_by_id(struct store *, const char *sql, long long id, char **out,
	    const char *what, char *err, size_t errlen);
int	 int_by_id(struct store *, const char *sql, long long id, long long *out,
	    const char *what, char *err, size_t errlen);
/* The id of the one row sql (one text parameter: key) gives: 0 found, 1 no
 * such row (err untouched: the caller says what is missing), -1 error
 * ("looking up WHAT"). */
int	 id_by_key(struct store *, const char *sql, const char *key, long long *id,
	    const char *what, char *err, size_t errlen);
/* "PATH: what: engine message" into err; returns -1. */
int	 store_fail(struct store *, char *err, size_t errlen, const char *what);
/* A script without parameters. */
int	 store_exec(struct store *, const char *sql, char *err, size_t errlen);
/* store_import.c: the end of a large import's transaction.  finish
 * (before COMMIT) builds the indexes the import set aside: -1 then the
 * transaction must roll back.  free forgets the import (after COMMIT or
 * ROLLBACK; a rollback has put the indexes back itself). */
int	 store_client_import_finish(struct store *, char *err, size_t errlen);
void	 store_client_import_free(struct store *);

/* store_schema.c: bring a just-opened database to STORE_SCHEMA_VERSION. */
int	 store_schema_migrate(struct store *, int readonly, int create, char *err,
	    size_t errlen);
/* A new database built by replaying migrations 1..version (tests). */
int	 store_schema_replay(struct store *, int version, char *err, size_t errlen);

#endif
