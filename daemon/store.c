/*
 * store.c - the store's connection: engine dispatch, transactions, the
 * statement cache and the helpers every store file uses.
 *
 * The engine is chosen by the database path (a file name is SQLite) and
 * reached only through store_engine.h; SQL lives in the store_*.c files
 * by job.  Statements are prepared once and cached by their SQL text's
 * address; user text is only ever bound, never spliced into SQL.
 * This module must not send mail, serve HTTP or parse command lines.
 */
#include "build.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "entropy.h"
#include "nls.h"
#include "record.h"
#include "store_engine.h"

int
store_fail(struct store *st, char *err, size_t errlen, const char *what)
{
	const char *msg = st != NULL && st->eng != NULL ? st->ops->errmsg(st->eng) : "?";

	snprintf(err, errlen, "%s: %s: %s", st != NULL && st->path ? st->path : "store",
	    what, msg);
	return -1;
}

int
store_exec(struct store *st, const char *sql, char *err, size_t errlen)
{
	char why[512];

	if (st->ops->exec(st->eng, sql, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "%s: %s", st->path, why);
		return -1;
	}
	return 0;
}

/* The password for database servers (store_set_password); owned. */
static char *server_password;

int
store_set_password(const char *pw)
{
	char *p = NULL;

	if (pw != NULL && (p = strdup(pw)) == NULL)
		return -1;
	if (server_password != NULL) {
		explicit_bzero(server_password, strlen(server_password));
		free(server_password);
	}
	server_password = p;
	return 0;
}

const char *
store_password(void)
{
	return server_password;
}

int
store_is_server(const char *path)
{
	return path != NULL && (strncmp(path, "postgresql://", 13) == 0 ||
	    strncmp(path, "postgres://", 11) == 0);
}

/* The engine for a database path: a URL names a server, anything else a file. */
static const struct engine_ops *
engine_for(const char *path, char *err, size_t errlen)
{
	if (store_is_server(path)) {
#ifdef HAVE_PQ
		(void)err;
		(void)errlen;
		return &store_pg_ops;
#else
		snprintf(err, errlen, _("%s: this Cartera was built without PostgreSQL "
		    "(configure --with-postgresql)"), path);
		return NULL;
#endif
	}
	return &store_sqlite_ops;
}

/*
 * The database as messages name it: a URL's password (user:secret@host)
 * reads "***", so that no error or log line shows it.  Allocated.
 */
static char *
shown_path(const char *path)
{
	const char *auth, *at, *colon, *slash;
	char *out;

	if (!store_is_server(path) || (auth = strstr(path, "://")) == NULL)
		return strdup(path);
	auth += 3;
	at = strchr(auth, '@');
	colon = strchr(auth, ':');
	slash = strchr(auth, '/');
	if (at == NULL || colon == NULL || colon > at || (slash != NULL && slash < at))
		return strdup(path);
	if (asprintf(&out, "%.*s***%s", (int)(colon + 1 - path), path, at) == -1)
		return NULL;
	return out;
}

static struct store *
store_new(const char *path, int flags, char *err, size_t errlen)
{
	const struct engine_ops *ops;
	struct store *st;

	if (path == NULL || *path == '\0') {
		snprintf(err, errlen, _("no database given (use -d, $CARTERA_DB or "
		    "the database setting)"));
		return NULL;
	}
	if ((ops = engine_for(path, err, errlen)) == NULL)
		return NULL;
	if ((st = calloc(1, sizeof(*st))) == NULL || (st->path = shown_path(path)) == NULL) {
		free(st);
		snprintf(err, errlen, _("out of memory"));
		return NULL;
	}
	st->ops = ops;
	{
		char host[64];

		if (gethostname(host, sizeof(host)) == -1)
			snprintf(host, sizeof(host), "?");
		host[sizeof(host) - 1] = '\0';
		char tok[40];

		if (store_token(tok, sizeof(tok)) == -1)
			snprintf(tok, sizeof(tok), "-");
		tok[8] = '\0';
		snprintf(st->who, sizeof(st->who), "%s %ld %.8s", host, (long)getpid(), tok);
	}
	if (ops->open(path, flags, &st->eng, err, errlen) == -1) {
		/* A server's words lack the database's name (SQLite's have it). */
		if (store_is_server(path)) {
			char *why = strdup(err);
			snprintf(err, errlen, "%s: %s", st->path, why != NULL ? why : "?");
			free(why);
		}
		store_close(st);
		return NULL;
	}
	return st;
}

int
store_open(const char *path, int flags, struct store **out, char *err, size_t errlen)
{
	struct store *st;

	*out = NULL;
	if ((st = store_new(path, flags, err, errlen)) == NULL)
		return -1;
	if (store_schema_migrate(st, (flags & STORE_READONLY) != 0,
	    (flags & STORE_CREATE) != 0, err, errlen) == -1) {
		store_close(st);
		return -1;
	}
	*out = st;
	return 0;
}

int
store_exposed(const char *path, char *msg, size_t msglen)
{
	struct stat sb;

	if (engine_for(path, msg, msglen) != &store_sqlite_ops || stat(path, &sb) == -1 ||
	    !(sb.st_mode & S_IRWXO))
		return 0;
	snprintf(msg, msglen, _("%s is %s by others (mode %04o); chmod o-rwx %s"), path,
	    (sb.st_mode & S_IROTH) ? _("readable") : (sb.st_mode & S_IWOTH) ?
	    _("writable") : _("accessible"), (unsigned)(sb.st_mode & 07777), path);
	return 1;
}

int
store_create_old(const char *path, int version, char *err, size_t errlen)
{
	struct store *st;
	int rc;

	if ((st = store_new(path, STORE_CREATE, err, errlen)) == NULL)
		return -1;
	rc = store_schema_replay(st, version, err, errlen);
	store_close(st);
	return rc;
}

void
store_set_busy_timeout(struct store *st, int ms)
{
	st->ops->set_busy_timeout(st->eng, ms);
}

/* After the transaction of a bulk import: the connection as before. */
static void
bulk_end(struct store *st)
{
	if (st->bulk) {
		st->ops->bulk(st->eng, 0);
		st->bulk = 0;
	}
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	store_client_import_free(st);
	bulk_end(st);
	for (int i = 0; i < st->ncache; i++)
		st->ops->finalize(st->cache[i].stmt);
	for (int i = 0; i < st->nput; i++)
		st->ops->finalize(st->put[i].stmt);
	if (st->eng != NULL)
		st->ops->close(st->eng);
	free(st->path);
	free(st);
}

int
store_created(const struct store *st)
{
	return st->created;
}

const char *
store_path(const struct store *st)
{
	return st->path;
}

int
store_job_begin(struct store *lent, int here, struct store **st, char *err, size_t errlen)
{
	*st = lent;
	return here ? 0 : store_open(lent->path, STORE_READONLY, st, err, errlen);
}

void
store_job_end(struct store *lent, struct store *st)
{
	if (st != lent)
		store_close(st);
}

const char *
store_row_value(const struct store_row *r, const char *name)
{
	for (int i = 0; i < r->ncols; i++)
		if (strcmp(r->names[i], name) == 0)
			return r->values[i];
	return NULL;
}

/* ---- transactions ---------------------------------------------------- */

static int
begin(struct store *st, int mode, char *err, size_t errlen)
{
	char why[512];

	if (st->ops->begin(st->eng, mode, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "%s: %s", st->path, why);
		return -1;
	}
	return 0;
}

int
store_begin(struct store *st, char *err, size_t errlen)
{
	return begin(st, STORE_TX_WRITE, err, errlen);
}

int
store_commit(struct store *st, char *err, size_t errlen)
{
	char why[512];

	if (store_client_import_finish(st, err, errlen) == -1) {
		store_rollback(st);
		return -1;
	}
	store_client_import_free(st);
	if (st->ops->commit(st->eng, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "%s: %s", st->path, why);
		store_rollback(st);
		return -1;
	}
	bulk_end(st);
	return 0;
}

void
store_rollback(struct store *st)
{
	st->ops->rollback(st->eng);
	store_client_import_free(st);
	bulk_end(st);
}

int
store_read_begin(struct store *st, char *err, size_t errlen)
{
	return begin(st, STORE_TX_READ, err, errlen);
}

void
store_read_end(struct store *st)
{
	/* Nothing was written: ending it either way only drops the snapshot. */
	st->ops->rollback(st->eng);
}

int
store_data_version(struct store *st, long long *v)
{
	return st->ops->data_version(st->eng, v);
}

int
store_notify_fd(struct store *st)
{
	return st->ops->fd != NULL ? st->ops->fd(st->eng) : -1;
}

const char *
store_engine_name(const struct store *st)
{
	return st->ops->name;
}

int
store_try_lock(struct store *st, long long key, int *got, char *err, size_t errlen)
{
	*got = 1;
	if (st->ops->try_lock == NULL)
		return 0;
	if (st->ops->try_lock(st->eng, key, got) == -1)
		return store_fail(st, err, errlen, "taking a lock");
	return 0;
}

void
store_unlock(struct store *st, long long key)
{
	if (st->ops->unlock != NULL)
		st->ops->unlock(st->eng, key);
}

int
store_check(struct store *st, char *err, size_t errlen)
{
	return st->ops->check(st->eng, st->path, err, errlen);
}

int
store_backup(struct store *st, const char *path, store_progress_fn progress, void *arg,
    long long *pages, long long *bytes, char *err, size_t errlen)
{
	if (st->ops->backup == NULL) {
		snprintf(err, errlen, _("backup to %s failed: the %s engine makes its own "
		    "backups"), path != NULL ? path : "?", st->ops->name);
		return -1;
	}
	return st->ops->backup(st->eng, st->path, path, progress, arg, pages, bytes,
	    err, errlen);
}

/* ---- statements ------------------------------------------------------ */

struct stmt *
stmt_get(struct store *st, const char *sql, char *err, size_t errlen)
{
	struct stmt *s;

	for (int i = 0; i < st->ncache; i++)
		if (st->cache[i].sql == sql) {
			s = st->cache[i].stmt;
			if (s->dirty)
				stmt_reset(s);
			return s;
		}
	if ((s = st->ops->prepare(st->eng, sql)) == NULL) {
		store_fail(st, err, errlen, "preparing a query");
		return NULL;
	}
	if (st->ncache == STORE_STMT_CACHE) {
		/* Cache full: evict the oldest.  Never happens with the
		 * statements Cartera has, but stays correct if it does. */
		st->ops->finalize(st->cache[0].stmt);
		memmove(&st->cache[0], &st->cache[1], sizeof(st->cache[0]) * (STORE_STMT_CACHE - 1));
		st->ncache--;
	}
	st->cache[st->ncache].sql = sql;
	st->cache[st->ncache].stmt = s;
	st->ncache++;
	return s;
}

struct stmt *
stmt_new(struct store *st, const char *sql, char *err, size_t errlen)
{
	struct stmt *s;

	if ((s = st->ops->prepare(st->eng, sql)) == NULL)
		store_fail(st, err, errlen, "preparing a query");
	return s;
}

void
stmt_free(struct stmt *s)
{
	if (s != NULL)
		s->ops->finalize(s);
}

long long
stmt_changes(struct store *st)
{
	return st->ops->changes(st->eng);
}

int
stmt_done(struct store *st, struct stmt *s, char *err, size_t errlen, const char *what)
{
	int rc = stmt_step(s);

	stmt_reset(s);
	if (rc != STMT_DONE)
		return store_fail(st, err, errlen, what);
	return 0;
}

int
stmt_insert(struct store *st, struct stmt *s, long long *id, char *err, size_t errlen,
    const char *what)
{
	int rc = stmt_step(s);

	if (rc == STMT_ROW && id != NULL)
		*id = stmt_int(s, 0);
	stmt_reset(s);
	if (rc != STMT_ROW)
		return store_fail(st, err, errlen, what);
	return 0;
}

int
stmt_dup(struct stmt *s, int col, char **out)
{
	const char *t = stmt_text(s, col);

	*out = NULL;
	if (t == NULL)
		return 0;
	if ((*out = strdup(t)) == NULL)
		return -1;
	return 0;
}

int
stmt_bind_key(struct stmt *s, int idx, const char *v)
{
	char *k;
	int rc;

	if (v == NULL || *v == '\0')
		return stmt_bind_null(s, idx);
	if ((k = record_search_key(v)) == NULL)
		return -1;
	rc = stmt_bind_text(s, idx, k);
	free(k);
	return rc;
}

int
store_no_such(struct store *st, char *err, size_t errlen, const char *what, long long id)
{
	/* TRANSLATORS: %s is a kind of record (N_ at the callers): "touch". */
	snprintf(err, errlen, _("no %s with id %lld in %s"), _(what), id, st->path);
	return -1;
}

int
text_by_id(struct store *st, const char *sql, long long id, char **out, const char *what,
    char *err, size_t errlen)
{
	struct stmt *s;
	int rc;

	*out = NULL;
	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, id);
	rc = stmt_step(s);
	if (rc == STMT_ROW && stmt_dup(s, 0, out) == -1)
		rc = STMT_ERROR;
	stmt_reset(s);
	if (rc == STMT_ROW)
		return 0;
	if (rc == STMT_DONE) {
		return store_no_such(st, err, errlen, what, id);
	}
	return store_fail(st, err, errlen, what);
}

int
id_by_key(struct store *st, const char *sql, const char *key, long long *id,
    const char *what, char *err, size_t errlen)
{
	struct stmt *s;
	int rc;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_text(s, 1, key);
	rc = stmt_step(s);
	if (rc == STMT_ROW)
		*id = stmt_int(s, 0);
	stmt_reset(s);
	if (rc == STMT_ROW)
		return 0;
	if (rc == STMT_DONE)
		return 1;
	return store_fail(st, err, errlen, what);
}

int
int_by_id(struct store *st, const char *sql, long long id, long long *out, const char *what,
    char *err, size_t errlen)
{
	struct stmt *s;
	int rc, isnull = 1;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, id);
	rc = stmt_step(s);
	if (rc == STMT_ROW && !stmt_is_null(s, 0)) {
		*out = stmt_int(s, 0);
		isnull = 0;
	}
	stmt_reset(s);
	if (rc == STMT_ROW)
		return isnull;
	if (rc == STMT_DONE) {
		return store_no_such(st, err, errlen, what, id);
	}
	return store_fail(st, err, errlen, what);
}

int
stmt_one_int(struct store *st, struct stmt *s, long long *out, const char *what,
    char *err, size_t errlen)
{
	int rc = stmt_step(s);

	*out = rc == STMT_ROW ? stmt_int(s, 0) : 0;
	stmt_reset(s);
	return rc == STMT_ROW ? 0 : store_fail(st, err, errlen, what);
}

int
stmt_rows(struct store *st, struct stmt *s, store_row_fn fn, void *arg,
    char *err, size_t errlen)
{
	int n = stmt_ncols(s), rc;
	const char **names = NULL, **values = NULL;
	enum store_type *types = NULL;
	struct store_row row;
	int ret = 0;

	if ((names = calloc((size_t)n + 1, sizeof(*names))) == NULL ||
	    (values = calloc((size_t)n + 1, sizeof(*values))) == NULL ||
	    (types = calloc((size_t)n + 1, sizeof(*types))) == NULL) {
		snprintf(err, errlen, _("out of memory"));
		ret = -1;
		goto out;
	}
	for (int i = 0; i < n; i++)
		names[i] = stmt_col_name(s, i);
	row.ncols = n;
	row.names = names;
	row.values = values;
	row.types = types;
	while ((rc = stmt_step(s)) == STMT_ROW) {
		for (int i = 0; i < n; i++) {
			int t = stmt_type(s, i);
			types[i] = t == STMT_BLOB ? STORE_TEXT : (enum store_type)t;
			values[i] = stmt_text(s, i);
		}
		if (fn(&row, arg) != 0)
			break;
	}
	if (rc != STMT_ROW && rc != STMT_DONE)
		ret = store_fail(st, err, errlen, "reading");
out:
	stmt_reset(s);
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

	if (len < 33 || entropy_fill(raw, sizeof(raw)) == -1)
		return -1;
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
