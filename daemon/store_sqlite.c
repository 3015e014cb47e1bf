/*
 * store_sqlite.c - the SQLite engine of the store: one database file.
 *
 * Implements store_engine.h on SQLite: every connection runs in WAL mode
 * with a busy timeout and foreign keys on, writes take the lock at BEGIN
 * IMMEDIATE, statements are prepared persistent.  Also what only SQLite
 * has: the online backup and the quick check.  This is the only file of
 * Cartera that calls sqlite3_*; it knows no table of the portfolio.
 */
#include "build.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "clock.h"
#include "store_engine.h"
#include "store_sqlite.h"

struct engine {
	sqlite3		*db;
	sqlite3_stmt	*data_version;
	int		 busy_ms;	/* the busy timeout set */
	int		 bulk;		/* in a bulk write's journal (sqlite_bulk) */
};

/*
 * SQLite runs INSERT ... RETURNING through a trigger, which opens a
 * statement journal: every page the insert touches is copied first, 30 %
 * of an import.  A one-row INSERT whose text ends in " RETURNING id" is
 * therefore prepared without it, and its row is made up from
 * sqlite3_last_insert_rowid() when the insert added a row (none when ON
 * CONFLICT DO NOTHING skipped it), exactly what RETURNING id returns.
 */
#define RETURNING_ID	" RETURNING id"

/*
 * The page cache.  Reads keep SQLite's own 2 MB: a scan reads most pages
 * once, and a small cache hands each new page a buffer still in the CPU's
 * cache where a larger one hands it cold memory (page faults, then cache
 * misses); at a million clients 2 MB against 16 MB is 7 % less CPU for a
 * scan, and no more pages read for a day's history.  A write transaction
 * (an import: 720 MB at a million clients) keeps 16 MB until it ends, so
 * that its pages do not spill to the WAL before the COMMIT and the pages
 * it matches against are not read again through the kernel.
 */
#define CACHE_READ	"PRAGMA cache_size = -2048"
/* Statement journals and sorters are small and short-lived: in memory,
 * not a temporary file made and deleted for every statement of a long
 * transaction (an import); sqlite_index_builds changes it for a while. */
#define TEMP_STORE	"PRAGMA temp_store = MEMORY"
#define CACHE_WRITE	"PRAGMA cache_size = -16384"

enum rowid_row { NO_ROWID, ROWID_READY, ROWID_GIVEN };

struct sqlite_stmt {
	struct stmt	 base;
	sqlite3_stmt	*s;
	struct engine	*e;
	int		 returning_id;	/* RETURNING_ID stripped at prepare */
	enum rowid_row	 rowid_state;
	long long	 rowid;
	char		 rowid_text[24];
};

#define S(x)	(((struct sqlite_stmt *)(x))->s)
#define SS(x)	((struct sqlite_stmt *)(x))
/* The made-up row of a stripped RETURNING id is being read. */
#define ROWID_ROW(x)	(SS(x)->rowid_state == ROWID_READY)

static const char *
sqlite_errmsg(struct engine *e)
{
	if (e == NULL || e->db == NULL)
		return "no connection";
	if ((sqlite3_extended_errcode(e->db) & 0xff) == SQLITE_FULL)
		return "database or disk is full";
	return sqlite3_errmsg(e->db);
}

static int
sqlite_exec(struct engine *e, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(e->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s", msg != NULL ? msg : sqlite_errmsg(e));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static void
sqlite_close(struct engine *e)
{
	if (e == NULL)
		return;
	sqlite3_finalize(e->data_version);
	if (e->db != NULL)
		sqlite3_close(e->db);
	free(e);
}

/*
 * SQLite's memory statistics off: with them, every allocation of every
 * connection takes one process-wide mutex, and the scan's threads (a
 * connection each) queued on it -- most of a daily scan's futex waits,
 * a fifth of its wall time at 100,000 clients.  Cartera never reads the
 * statistics.  Set once, before SQLite initialises (after that SQLite
 * refuses it, harmlessly).
 */
static pthread_once_t config_once = PTHREAD_ONCE_INIT;

static void
sqlite_config(void)
{
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static int
sqlite_open(const char *path, int flags, struct engine **out, char *err, size_t errlen)
{
	struct engine *e;
	struct stat sb;
	int oflags, readonly = (flags & STORE_READONLY) != 0;

	*out = NULL;
	pthread_once(&config_once, sqlite_config);
	if (!(flags & STORE_CREATE) && stat(path, &sb) == -1) {
		if (errno == ENOENT)
			snprintf(err, errlen, "%s: no such database; create it with "
			    "\"cartera init\"", path);
		else
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	/* A database emptied by a bad restore or a stray "> file" must be
	 * loud: only init makes a database from nothing. */
	if (!(flags & STORE_CREATE) && S_ISREG(sb.st_mode) && sb.st_size == 0) {
		snprintf(err, errlen, "%s: the file is empty, not a Cartera database "
		    "(a failed restore?); restore a backup, or remove it and run "
		    "\"cartera init\"", path);
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
	if ((e = calloc(1, sizeof(*e))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	oflags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	if (flags & STORE_CREATE)
		oflags |= SQLITE_OPEN_CREATE;
	oflags |= SQLITE_OPEN_NOMUTEX;
	if (sqlite3_open_v2(path, &e->db, oflags, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot open: %s", path, sqlite_errmsg(e));
		sqlite_close(e);
		return -1;
	}
	sqlite3_extended_result_codes(e->db, 1);
	e->busy_ms = (int)clock_env_duration("CARTERA_BUSY_TIMEOUT_MS",
	    STORE_BUSY_TIMEOUT_MS, 600000);
	sqlite3_busy_timeout(e->db, e->busy_ms);
	if (sqlite_exec(e, "PRAGMA foreign_keys = ON; PRAGMA trusted_schema = OFF;",
	    err, errlen) == -1)
		goto fail;
	if (!readonly && sqlite_exec(e, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;",
	    err, errlen) == -1)
		goto fail;
	/* The page cache of reads (write transactions: see sqlite_begin).
	 * A bound, not an allocation; no mmap, so RSS stays bounded. */
	if (sqlite_exec(e, CACHE_READ, err, errlen) == -1)
		goto fail;
	if (sqlite_exec(e, TEMP_STORE, err, errlen) == -1)
		goto fail;
	*out = e;
	return 0;
fail:
	{
		/* err holds SQLite's words: put the file name in front. */
		char *why = strdup(err);

		snprintf(err, errlen, "%s: %s", path, why != NULL ? why : "cannot open");
		free(why);
	}
	sqlite_close(e);
	return -1;
}

static struct stmt *
sqlite_prepare(struct engine *e, const char *sql)
{
	struct sqlite_stmt *s;

	size_t len = strlen(sql), rl = strlen(RETURNING_ID);

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	if (strncmp(sql, "INSERT ", 7) == 0 && len > rl &&
	    strcmp(sql + len - rl, RETURNING_ID) == 0 && strchr(sql, ';') == NULL &&
	    strstr(sql, "SELECT") == NULL) {
		s->returning_id = 1;
		len -= rl;
	}
	if (sqlite3_prepare_v3(e->db, sql, (int)len, SQLITE_PREPARE_PERSISTENT, &s->s,
	    NULL) != SQLITE_OK) {
		free(s);
		return NULL;
	}
	s->base.ops = &store_sqlite_ops;
	s->e = e;
	return &s->base;
}

static void
sqlite_finalize(struct stmt *s)
{
	if (s == NULL)
		return;
	sqlite3_finalize(S(s));
	free(s);
}

static int
sqlite_bind_int(struct stmt *s, int i, long long v)
{
	return sqlite3_bind_int64(S(s), i, v) == SQLITE_OK ? 0 : -1;
}

static int
sqlite_bind_double(struct stmt *s, int i, double v)
{
	return sqlite3_bind_double(S(s), i, v) == SQLITE_OK ? 0 : -1;
}

static int
sqlite_bind_text(struct stmt *s, int i, const char *v)
{
	return sqlite3_bind_text(S(s), i, v, -1, SQLITE_TRANSIENT) == SQLITE_OK ? 0 : -1;
}

static int
sqlite_bind_blob(struct stmt *s, int i, const void *v, size_t len)
{
	return sqlite3_bind_blob64(S(s), i, v, len, SQLITE_TRANSIENT) == SQLITE_OK ? 0 : -1;
}

static int
sqlite_bind_null(struct stmt *s, int i)
{
	return sqlite3_bind_null(S(s), i) == SQLITE_OK ? 0 : -1;
}

static int
sqlite_step(struct stmt *s)
{
	struct sqlite_stmt *ss = SS(s);
	int rc;

	if (ss->returning_id) {
		if (ss->rowid_state != NO_ROWID) {
			ss->rowid_state = ROWID_GIVEN;
			return STMT_DONE;
		}
		if ((rc = sqlite3_step(ss->s)) == SQLITE_DONE) {
			if (sqlite3_changes(ss->e->db) == 0)
				return STMT_DONE;
			ss->rowid = sqlite3_last_insert_rowid(ss->e->db);
			ss->rowid_state = ROWID_READY;
			return STMT_ROW;
		}
	} else
		rc = sqlite3_step(ss->s);

	switch (rc) {
	case SQLITE_ROW:
		return STMT_ROW;
	case SQLITE_DONE:
		return STMT_DONE;
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		return STMT_UNIQUE;
	default:
		return STMT_ERROR;
	}
}

static void
sqlite_reset(struct stmt *s)
{
	/* Unbind first: the reset keeps the last step's error for errmsg. */
	SS(s)->rowid_state = NO_ROWID;
	sqlite3_clear_bindings(S(s));
	sqlite3_reset(S(s));
}

static int
sqlite_ncols(struct stmt *s)
{
	if (SS(s)->returning_id)
		return 1;
	return sqlite3_column_count(S(s));
}

static const char *
sqlite_col_name(struct stmt *s, int c)
{
	if (SS(s)->returning_id)
		return "id";
	return sqlite3_column_name(S(s), c);
}

static int
sqlite_col_type(struct stmt *s, int c)
{
	if (ROWID_ROW(s))
		return c == 0 ? STORE_INT : STORE_NULL;
	switch (sqlite3_column_type(S(s), c)) {
	case SQLITE_INTEGER: return STORE_INT;
	case SQLITE_FLOAT: return STORE_REAL;
	case SQLITE_NULL: return STORE_NULL;
	case SQLITE_BLOB: return STMT_BLOB;
	default: return STORE_TEXT;
	}
}

static long long
sqlite_col_int(struct stmt *s, int c)
{
	if (ROWID_ROW(s))
		return c == 0 ? SS(s)->rowid : 0;
	return sqlite3_column_int64(S(s), c);
}

static double
sqlite_col_double(struct stmt *s, int c)
{
	if (ROWID_ROW(s))
		return c == 0 ? (double)SS(s)->rowid : 0;
	return sqlite3_column_double(S(s), c);
}

static const char *
sqlite_col_text(struct stmt *s, int c)
{
	if (ROWID_ROW(s)) {
		if (c != 0)
			return NULL;
		snprintf(SS(s)->rowid_text, sizeof(SS(s)->rowid_text), "%lld", SS(s)->rowid);
		return SS(s)->rowid_text;
	}
	return (const char *)sqlite3_column_text(S(s), c);
}

static const void *
sqlite_col_blob(struct stmt *s, int c, size_t *len)
{
	const void *p;

	if (ROWID_ROW(s)) {
		*len = 0;
		return NULL;
	}
	p = sqlite3_column_blob(S(s), c);
	*len = (size_t)sqlite3_column_bytes(S(s), c);
	return p;
}

static long long
sqlite_changes(struct engine *e)
{
	return sqlite3_changes64(e->db);
}

static int
sqlite_begin(struct engine *e, int mode, char *err, size_t errlen)
{
	/*
	 * A read transaction: BEGIN alone takes no snapshot until the first
	 * read; reading the schema now pins one for every query that follows.
	 */
	if (mode == STORE_TX_READ)
		return sqlite_exec(e, "BEGIN; SELECT count(*) FROM sqlite_schema", err, errlen);
	if (sqlite_exec(e, "BEGIN IMMEDIATE", err, errlen) == -1)
		return -1;
	/* A size, not an allocation: nothing to fail but a misuse, and the
	 * transaction is open either way. */
	(void)sqlite3_exec(e->db, CACHE_WRITE, NULL, NULL, NULL);
	return 0;
}

/* After a transaction: the cache of reads again (a no-op after a read). */
static void
cache_read(struct engine *e)
{
	sqlite3_exec(e->db, CACHE_READ, NULL, NULL, NULL);
}

static int
sqlite_commit(struct engine *e, char *err, size_t errlen)
{
	if (sqlite_exec(e, "COMMIT", err, errlen) == -1)
		return -1;
	cache_read(e);
	return 0;
}

static void
sqlite_rollback(struct engine *e)
{
	if (!sqlite3_get_autocommit(e->db))
		sqlite3_exec(e->db, "ROLLBACK", NULL, NULL, NULL);
	cache_read(e);
}

static int
sqlite_in_transaction(struct engine *e)
{
	return !sqlite3_get_autocommit(e->db);
}

static int
sqlite_data_version(struct engine *e, long long *v)
{
	int rc;

	if (e->data_version == NULL && sqlite3_prepare_v3(e->db, "PRAGMA data_version", -1,
	    SQLITE_PREPARE_PERSISTENT, &e->data_version, NULL) != SQLITE_OK)
		return -1;
	rc = sqlite3_step(e->data_version);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int64(e->data_version, 0);
	sqlite3_reset(e->data_version);
	return rc == SQLITE_ROW ? 0 : -1;
}

static void
sqlite_set_busy_timeout(struct engine *e, int ms)
{
	e->busy_ms = ms;
	sqlite3_busy_timeout(e->db, ms);
}

/* The journal mode a "PRAGMA journal_mode = ..." leaves: 1 when it is
 * want, 0 when not (another connection holds the lock it needs). */
static int
journal_is(struct engine *e, const char *sql, const char *want)
{
	sqlite3_stmt *s;
	int ok = 0;

	if (sqlite3_prepare_v2(e->db, sql, -1, &s, NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0) != NULL)
		ok = strcmp((const char *)sqlite3_column_text(s, 0), want) == 0;
	sqlite3_finalize(s);
	return ok;
}

/*
 * A bulk write (a large import) on a database no other connection has
 * open: outside any transaction, on=1 trades the WAL for a rollback
 * journal until on=0.  The transaction's pages are then written once, to
 * the database file, and the journal holds only those of its pages that
 * were there before (few: a bulk load adds pages); under WAL every page
 * goes to the WAL and again to the database at the checkpoint, 720 MB
 * twice at 1M clients.  SQLite refuses the switch while another
 * connection has the WAL open (the daemon running, a report being read;
 * with no busy timeout, at once): the write then keeps the WAL, and they
 * keep reading while it runs.  Once switched, the EXCLUSIVE locking mode
 * keeps every other connection out (they wait, their busy timeout) until
 * on=0, so the WAL always comes back.  synchronous FULL: a rollback
 * journal needs it to survive a power loss.  A crash leaves a hot journal
 * that the next open rolls back before it sets WAL again.  1 switched, 0
 * not.
 */
static int
sqlite_bulk(struct engine *e, int on)
{
	char err[256];

	if (on) {
		if (e->bulk || sqlite3_get_autocommit(e->db) == 0)
			return 0;
		sqlite3_busy_timeout(e->db, 0);
		if (sqlite_exec(e, "PRAGMA locking_mode = EXCLUSIVE", err, sizeof(err)) == 0 &&
		    journal_is(e, "PRAGMA journal_mode = DELETE", "delete") &&
		    sqlite_exec(e, "PRAGMA synchronous = FULL", err, sizeof(err)) == 0)
			e->bulk = 1;
		sqlite3_busy_timeout(e->db, e->busy_ms);
		if (e->bulk)
			return 1;
		/* Refused: back to what it was (the WAL, shared). */
		e->bulk = 1;
	}
	if (!e->bulk)
		return 0;
	e->bulk = 0;
	/* NORMAL takes effect at the next access, which the journal_mode
	 * pragma is; if that is refused (a reader came in after the COMMIT)
	 * the next open sets WAL. */
	(void)sqlite_exec(e, "PRAGMA locking_mode = NORMAL", err, sizeof(err));
	(void)journal_is(e, "PRAGMA journal_mode = WAL", "wal");
	(void)sqlite_exec(e, "PRAGMA synchronous = NORMAL", err, sizeof(err));
	return 0;
}

/*
 * The index builds of a bulk import.  Each sorts every key of its index;
 * with TEMP_STORE SQLite's sorter keeps its runs in in-memory journal
 * files, and the eleven builds of a 1M-client import took 10 s.  In
 * temporary files, which it maps, and sorted on the machine's cores
 * (PRAGMA threads), they take 6 s.  The files are SQLite's own
 * temporaries (deleted as they are made).
 */
static int
sqlite_index_builds(struct engine *e, int on, char *err, size_t errlen)
{
	char sql[128];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	if (!on)
		return sqlite_exec(e, TEMP_STORE "; PRAGMA threads = 0", err, errlen);
	snprintf(sql, sizeof(sql), "PRAGMA temp_store = FILE; PRAGMA threads = %ld",
	    ncpu < 1 ? 1 : ncpu > 8 ? 8 : ncpu);
	return sqlite_exec(e, sql, err, errlen);
}

static int
sqlite_get_version(struct engine *e, int *v, char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(e->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "reading schema version: %s", sqlite_errmsg(e));
		return -1;
	}
	rc = sqlite3_step(s);
	*v = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW) {
		snprintf(err, errlen, "reading schema version: %s", sqlite_errmsg(e));
		return -1;
	}
	return 0;
}

static int
sqlite_set_version(struct engine *e, int v, char *err, size_t errlen)
{
	char sql[64];

	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v);
	return sqlite_exec(e, sql, err, errlen);
}

static int
sqlite_check(struct engine *e, const char *path, char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int rc = -1;

	if (sqlite3_prepare_v2(e->db, "PRAGMA quick_check", -1, &s, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: integrity check: %s", path, sqlite_errmsg(e));
		return -1;
	}
	if (sqlite3_step(s) == SQLITE_ROW) {
		const char *r = (const char *)sqlite3_column_text(s, 0);
		if (r != NULL && strcmp(r, "ok") == 0)
			rc = 0;
		else
			snprintf(err, errlen, "%s: integrity check: %s", path,
			    r != NULL ? r : "?");
	} else
		snprintf(err, errlen, "%s: integrity check: %s", path, sqlite_errmsg(e));
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
backup_target_ok(const char *dbpath, struct backup *bk)
{
	static const char *const companions[] = { "", "-wal", "-shm", "-journal" };
	struct stat sb;
	size_t len = strlen(dbpath) + sizeof("-journal");
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
		snprintf(name, len, "%s%s", dbpath, companions[i]);
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
 * Copy the database into bk->dst.  In WAL mode one read transaction is held on the
 * source for the whole copy: every step reads the same snapshot, so a
 * busy writer can neither make the copy inconsistent nor restart it over
 * and over, and it is not held up (WAL readers do not block writers;
 * checkpoints wait for the end of the copy).  Without WAL each step takes
 * and drops the lock, and a write by another process restarts the copy.
 */
static int
backup_copy(struct engine *e, const char *dbpath, struct backup *bk, store_progress_fn progress, void *arg)
{
	sqlite3_backup *b;
	char *mode;
	int rc, held = 0, busy = 0, restarts = 0, last = INT_MAX, left;

	if (sqlite3_get_autocommit(e->db) &&
	    (mode = backup_pragma(e->db, "PRAGMA journal_mode", &rc)) != NULL) {
		if (strcmp(mode, "wal") == 0) {
			if (sqlite3_exec(e->db, "BEGIN; SELECT count(*) FROM sqlite_master",
			    NULL, NULL, NULL) != SQLITE_OK) {
				free(mode);
				sqlite_rollback(e);
				return backup_fail(bk, "cannot read %s: %s", dbpath,
				    sqlite3_errmsg(e->db));
			}
			held = 1;
		}
		free(mode);
	}
	if ((b = sqlite3_backup_init(bk->dst, "main", e->db, "main")) == NULL) {
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
		    "try again when it is quieter", dbpath, restarts - 1);
	else if (busy > BACKUP_RETRIES)
		rc = backup_fail(bk, "%s stayed locked for %d s", dbpath,
		    BACKUP_RETRIES * BACKUP_SLEEP_MS / 1000);
	else
		rc = backup_fail(bk, "%s", backup_errmsg(NULL, rc));
out:
	if (held)
		sqlite_rollback(e);
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

static int
sqlite_backup(struct engine *e, const char *dbpath, const char *path,
    store_progress_fn progress, void *arg,
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
	if (backup_target_ok(dbpath, &bk) == -1)
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
	if ((rc = backup_copy(e, dbpath, &bk, progress, arg)) == -1)
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

const struct engine_ops store_sqlite_ops = {
	.name = "SQLite",
	.kind = STORE_ENGINE_SQLITE,
	.open = sqlite_open,
	.close = sqlite_close,
	.exec = sqlite_exec,
	.prepare = sqlite_prepare,
	.finalize = sqlite_finalize,
	.bind_int = sqlite_bind_int,
	.bind_double = sqlite_bind_double,
	.bind_text = sqlite_bind_text,
	.bind_blob = sqlite_bind_blob,
	.bind_null = sqlite_bind_null,
	.step = sqlite_step,
	.reset = sqlite_reset,
	.ncols = sqlite_ncols,
	.col_name = sqlite_col_name,
	.col_type = sqlite_col_type,
	.col_int = sqlite_col_int,
	.col_double = sqlite_col_double,
	.col_text = sqlite_col_text,
	.col_blob = sqlite_col_blob,
	.changes = sqlite_changes,
	.begin = sqlite_begin,
	.commit = sqlite_commit,
	.rollback = sqlite_rollback,
	.in_transaction = sqlite_in_transaction,
	.data_version = sqlite_data_version,
	.errmsg = sqlite_errmsg,
	.set_busy_timeout = sqlite_set_busy_timeout,
	.bulk = sqlite_bulk,
	.index_builds = sqlite_index_builds,
	.get_version = sqlite_get_version,
	.set_version = sqlite_set_version,
	.check = sqlite_check,
	.backup = sqlite_backup,
};

sqlite3 *
store_sqlite_handle(struct store *st)
{
	return st->ops == &store_sqlite_ops ? st->eng->db : NULL;
}
