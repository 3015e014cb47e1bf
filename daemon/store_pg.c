/*
 * store_pg.c - the PostgreSQL engine of the store: a database on a server,
 * reached with libpq, that several carterad and cartera share.
 *
 * Implements store_engine.h on libpq.  The store's SQL is written once
 * with "?" / "?N" placeholders; this file turns them into $N and prepares
 * each statement on the server (once per connection and per set of
 * parameter types: integers go as int8, reals as float8, text as
 * "unknown" so that the server types it from where it stands).  Results
 * are read whole, so statements may interleave as they do on SQLite.
 * Write transactions take one transaction-level advisory lock: writers
 * queue one after another, as they do on SQLite (BEGIN IMMEDIATE), which
 * the store's read-check-write code relies on.  Other connections'
 * commits arrive as notifications (LISTEN cartera_changes, sent by
 * statement triggers of the schema) and move data_version; the socket is
 * handed to the daemon's poll loop.  This is the only file of Cartera
 * that calls PQ*; it knows no table of the portfolio.
 */
#include "build.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpq-fe.h>

#include "store_engine.h"

/* Type OIDs (pg_type.h is not part of libpq's interface). */
#define OID_BOOL	16
#define OID_BYTEA	17
#define OID_INT8	20
#define OID_INT2	21
#define OID_INT4	23
#define OID_TEXT	25
#define OID_OID		26
#define OID_FLOAT4	700
#define OID_FLOAT8	701
#define OID_NUMERIC	1700

/* The key of the advisory lock every write transaction takes ("cart"). */
#define WRITE_LOCK_KEY	"1667330676"
#define CHANNEL		"cartera_changes"

#define MAX_VARIANTS	4

struct engine {
	PGconn		*conn;
	char		*msg;		/* the last failure; owned */
	long long	 changes;
	long long	 version;	/* other connections' commits seen */
	int		 pid;		/* our server process */
	unsigned	 gen;		/* bumped when the connection is reset */
	unsigned long	 names;		/* statement names handed out */
	unsigned long	 tx;		/* bumped at each BEGIN, COMMIT, ROLLBACK */
	int		 read_tx;	/* the open transaction is a read one */
};

/* One server-side statement: the same SQL prepared for one list of
 * parameter types. */
struct variant {
	char		*sig;		/* a letter per parameter: i d t b */
	char		 name[24];
	unsigned	 gen;
};

struct pg_stmt {
	struct stmt	 base;
	struct engine	*e;
	char		*sql;		/* with $N placeholders */
	int		 nparams;
	char		**vals;		/* bound values; owned */
	int		*lens;
	int		*fmts;
	char		*kinds;		/* 'n' null, 'i', 'd', 't', 'b' */
	struct variant	 var[MAX_VARIANTS];
	int		 nvar;
	char		*astext;	/* per parameter: 1 = sent as text, the
					 * server could not type it (?1 IS NULL) */
	PGresult	*res;		/* the result being read */
	PGresult	*desc;		/* its columns before the first step */
	char		 cursor[24];	/* "" or the open cursor res comes from */
	unsigned long	 cursor_tx;	/* the transaction it lives in */
	unsigned	 cursor_gen;
	int		 row, nrows, ncols;
	char		**conv;		/* per column: converted text of the row */
	unsigned char	*blob;		/* unescaped bytea of the row */
};

#define P(x)	((struct pg_stmt *)(x))

static void
set_msg(struct engine *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
set_msg(struct engine *e, const char *fmt, ...)
{
	va_list ap;
	char *m;
	size_t n;

	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) == -1)
		m = NULL;
	va_end(ap);
	if (m == NULL)
		return;
	/* libpq's messages end in a newline (and may hold DETAIL lines). */
	while ((n = strlen(m)) > 0 && (m[n - 1] == '\n' || m[n - 1] == ' '))
		m[n - 1] = '\0';
	free(e->msg);
	e->msg = m;
}

/* The message of a failed result, without libpq's "ERROR:  " prefix. */
static void
set_result_msg(struct engine *e, const PGresult *r)
{
	const char *m = r != NULL ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;

	if (m != NULL)
		set_msg(e, "%s", m);
	else
		set_msg(e, "%s", PQerrorMessage(e->conn));
}

static const char *
pg_errmsg(struct engine *e)
{
	if (e == NULL || e->conn == NULL)
		return "no connection";
	if (e->msg != NULL)
		return e->msg;
	return PQerrorMessage(e->conn);
}

static void
quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* A command without parameters or rows; 0 or -1 (msg set). */
static int
command(struct engine *e, const char *sql)
{
	PGresult *r = PQexec(e->conn, sql);
	int ok = r != NULL && (PQresultStatus(r) == PGRES_COMMAND_OK ||
	    PQresultStatus(r) == PGRES_TUPLES_OK);

	if (!ok)
		set_result_msg(e, r);
	PQclear(r);
	return ok ? 0 : -1;
}

static int
pg_exec(struct engine *e, const char *sql, char *err, size_t errlen)
{
	if (command(e, sql) == -1) {
		snprintf(err, errlen, "%s", pg_errmsg(e));
		return -1;
	}
	return 0;
}

static void
pg_close(struct engine *e)
{
	if (e == NULL)
		return;
	if (e->conn != NULL)
		PQfinish(e->conn);
	free(e->msg);
	free(e);
}

/* The password given with store_set_password (store.c), or NULL. */
static int
session_setup(struct engine *e)
{
	e->pid = PQbackendPID(e->conn);
	e->gen++;
	/* Times are epoch seconds and local days are text: the session's
	 * zone never matters, but keep it fixed all the same.  Cursors are
	 * read to their end: planned for all their rows, not the first. */
	return command(e, "SET TIME ZONE 'UTC'; SET lock_timeout = '10s';"
	    " SET cursor_tuple_fraction = 1; LISTEN " CHANNEL);
}

/* The schema's version table is there (whatever its version). */
static int
has_schema(struct engine *e)
{
	PGresult *r = PQexec(e->conn, "SELECT to_regclass('cartera_schema') IS NOT NULL");
	int yes = r != NULL && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
	    PQgetvalue(r, 0, 0)[0] == 't';

	PQclear(r);
	return yes;
}

static int
pg_open(const char *path, int flags, struct engine **out, char *err, size_t errlen)
{
	const char *keys[4], *vals[4];
	const char *pw = store_password();
	struct engine *e;
	int n = 0;

	*out = NULL;
	if ((e = calloc(1, sizeof(*e))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	keys[n] = "dbname";
	vals[n++] = path;
	if (pw != NULL) {
		keys[n] = "password";
		vals[n++] = pw;
	}
	keys[n] = "application_name";
	vals[n++] = "cartera";
	keys[n] = NULL;
	vals[n] = NULL;
	e->conn = PQconnectdbParams(keys, vals, 1);
	if (e->conn == NULL) {
		snprintf(err, errlen, "out of memory");
		free(e);
		return -1;
	}
	if (PQstatus(e->conn) != CONNECTION_OK) {
		set_msg(e, "%s", PQerrorMessage(e->conn));
		snprintf(err, errlen, "cannot connect: %s", pg_errmsg(e));
		pg_close(e);
		return -1;
	}
	PQsetNoticeProcessor(e->conn, quiet, NULL);
	if (PQclientEncoding(e->conn) != pg_char_to_encoding("UTF8") &&
	    PQsetClientEncoding(e->conn, "UTF8") != 0) {
		snprintf(err, errlen, "cannot use UTF-8: %s", PQerrorMessage(e->conn));
		pg_close(e);
		return -1;
	}
	if (session_setup(e) == -1) {
		snprintf(err, errlen, "%s", pg_errmsg(e));
		pg_close(e);
		return -1;
	}
	/* As a missing SQLite file: a database without the schema is made
	 * a Cartera database by "cartera init" (or the daemon) only. */
	if (!(flags & STORE_CREATE) && !has_schema(e)) {
		snprintf(err, errlen, "no Cartera database here; create it with "
		    "\"cartera init\"");
		pg_close(e);
		return -1;
	}
	*out = e;
	return 0;
}

/* A broken connection (the server restarted) is made again between
 * transactions; prepared statements are prepared again. */
static int
alive(struct engine *e)
{
	if (PQstatus(e->conn) == CONNECTION_OK)
		return 0;
	PQreset(e->conn);
	if (PQstatus(e->conn) != CONNECTION_OK) {
		set_msg(e, "connection lost: %s", PQerrorMessage(e->conn));
		return -1;
	}
	return session_setup(e);
}

/*
 * SQLite's placeholders as PostgreSQL's: "?N" is $N, a bare "?" is one
 * more than the largest number so far.  Quoted text, quoted names and
 * comments are copied as they are.
 */
static char *
translate(const char *sql, int *nparams)
{
	size_t len = strlen(sql);
	char *out = malloc(len * 4 + 1), *o = out;
	int max = 0;

	if (out == NULL)
		return NULL;
	for (const char *p = sql; *p != '\0';) {
		if (*p == '\'' || *p == '"') {
			char q = *p;
			*o++ = *p++;
			while (*p != '\0' && *p != q)
				*o++ = *p++;
			if (*p != '\0')
				*o++ = *p++;
		} else if (p[0] == '-' && p[1] == '-') {
			while (*p != '\0' && *p != '\n')
				*o++ = *p++;
		} else if (*p == '?') {
			int n;
			p++;
			if (*p >= '0' && *p <= '9') {
				n = 0;
				while (*p >= '0' && *p <= '9')
					n = n * 10 + (*p++ - '0');
			} else
				n = max + 1;
			if (n > max)
				max = n;
			o += sprintf(o, "$%d", n);
		} else
			*o++ = *p++;
	}
	*o = '\0';
	*nparams = max;
	return out;
}

/* The statement's text and parameter arrays, and s itself (NULL: nothing). */
static void
pg_stmt_release(struct pg_stmt *s)
{
	if (s == NULL)
		return;
	free(s->sql);
	free(s->vals);
	free(s->lens);
	free(s->fmts);
	free(s->kinds);
	free(s->astext);
	free(s);
}

static struct stmt *
pg_prepare(struct engine *e, const char *sql)
{
	struct pg_stmt *s;

	if ((s = calloc(1, sizeof(*s))) == NULL || (s->sql = translate(sql, &s->nparams)) == NULL)
		goto oom;
	if (s->nparams > 0 &&
	    ((s->vals = calloc((size_t)s->nparams, sizeof(*s->vals))) == NULL ||
	    (s->lens = calloc((size_t)s->nparams, sizeof(*s->lens))) == NULL ||
	    (s->fmts = calloc((size_t)s->nparams, sizeof(*s->fmts))) == NULL ||
	    (s->kinds = malloc((size_t)s->nparams)) == NULL ||
	    (s->astext = calloc((size_t)s->nparams, 1)) == NULL))
		goto oom;
	if (s->nparams > 0)
		memset(s->kinds, 'n', (size_t)s->nparams);
	s->base.ops = &store_pg_ops;
	s->e = e;
	return &s->base;
oom:
	pg_stmt_release(s);
	set_msg(e, "out of memory");
	return NULL;
}

static void
clear_row(struct pg_stmt *s)
{
	if (s->conv != NULL)
		for (int i = 0; i < s->ncols; i++) {
			free(s->conv[i]);
			s->conv[i] = NULL;
		}
	PQfreemem(s->blob);
	s->blob = NULL;
}

static void
clear_binds(struct pg_stmt *s)
{
	for (int i = 0; i < s->nparams; i++) {
		free(s->vals[i]);
		s->vals[i] = NULL;
		s->lens[i] = 0;
		s->fmts[i] = 0;
		s->kinds[i] = 'n';
	}
}

/* Close s's cursor if its transaction still runs (it ends with it). */
static void
cursor_close(struct pg_stmt *s)
{
	struct engine *e = s->e;
	char sql[64];

	if (s->cursor[0] == '\0')
		return;
	if (s->cursor_tx == e->tx && s->cursor_gen == e->gen &&
	    PQtransactionStatus(e->conn) == PQTRANS_INTRANS) {
		snprintf(sql, sizeof(sql), "CLOSE %s", s->cursor);
		PQclear(PQexec(e->conn, sql));
	}
	s->cursor[0] = '\0';
}

static void
pg_reset(struct stmt *st)
{
	struct pg_stmt *s = P(st);

	cursor_close(s);
	clear_row(s);
	PQclear(s->res);
	s->res = NULL;
	s->row = s->nrows = 0;
	clear_binds(s);
}

static void
pg_finalize(struct stmt *st)
{
	struct pg_stmt *s = P(st);

	if (s == NULL)
		return;
	pg_reset(st);
	PQclear(s->desc);
	for (int i = 0; i < s->nvar; i++) {
		if (s->var[i].gen == s->e->gen && PQstatus(s->e->conn) == CONNECTION_OK) {
			char sql[64];
			snprintf(sql, sizeof(sql), "DEALLOCATE %s", s->var[i].name);
			PQclear(PQexec(s->e->conn, sql));
		}
		free(s->var[i].sig);
	}
	free(s->conv);
	pg_stmt_release(s);
}

static int
bind(struct stmt *st, int i, char kind, char *v, int len, int fmt)
{
	struct pg_stmt *s = P(st);

	if (i < 1 || i > s->nparams) {
		free(v);
		return -1;
	}
	i--;
	free(s->vals[i]);
	s->vals[i] = v;
	s->lens[i] = len;
	s->fmts[i] = fmt;
	s->kinds[i] = v != NULL ? kind : 'n';
	return 0;
}

static int
pg_bind_int(struct stmt *s, int i, long long v)
{
	char *t;

	if (asprintf(&t, "%lld", v) == -1)
		return -1;
	return bind(s, i, 'i', t, 0, 0);
}

static int
pg_bind_double(struct stmt *s, int i, double v)
{
	char *t;

	if (asprintf(&t, "%.17g", v) == -1)
		return -1;
	return bind(s, i, 'd', t, 0, 0);
}

static int
pg_bind_text(struct stmt *s, int i, const char *v)
{
	char *t = NULL;

	if (v != NULL && (t = strdup(v)) == NULL)
		return -1;
	return bind(s, i, 't', t, 0, 0);
}

static int
pg_bind_blob(struct stmt *s, int i, const void *v, size_t len)
{
	char *t;

	if (len > 0x7fffffff || (t = malloc(len ? len : 1)) == NULL)
		return -1;
	memcpy(t, v, len);
	return bind(s, i, 'b', t, (int)len, 1);
}

static int
pg_bind_null(struct stmt *s, int i)
{
	return bind(s, i, 'n', NULL, 0, 0);
}

/*
 * The prepared variant for the bound types, prepared now if needed.
 * Integers bound where the server typed the parameter itself go as text
 * and are read as that type; NULL fits every variant.
 */
/* The server types of a variant's parameters (0: the server's choice). */
static void
param_types(const struct pg_stmt *s, const char *sig, Oid *types)
{
	for (int i = 0; i < s->nparams; i++)
		types[i] = sig[i] == 'i' ? OID_INT8 : sig[i] == 'd' ? OID_FLOAT8 :
		    sig[i] == 'b' ? OID_BYTEA : s->astext[i] ? OID_TEXT : 0;
}

/* N of the "$N" a message names, 0 if none. */
static int
param_named(const char *msg)
{
	const char *p = msg != NULL ? strchr(msg, '$') : NULL;

	return p != NULL ? atoi(p + 1) : 0;
}

static struct variant *
variant(struct pg_stmt *s)
{
	struct engine *e = s->e;
	struct variant *v;
	Oid *types = NULL;
	PGresult *r;
	const char *state;
	char *sig;
	int intx, ok;

	if ((sig = malloc((size_t)s->nparams + 1)) == NULL) {
		set_msg(e, "out of memory");
		return NULL;
	}
	for (int i = 0; i < s->nparams; i++)
		sig[i] = s->kinds[i] == 'n' ? 't' : s->kinds[i];
	sig[s->nparams] = '\0';
	for (int k = 0; k < s->nvar; k++) {
		const char *p = s->var[k].sig;
		int fits = s->var[k].gen == e->gen;

		for (int i = 0; fits && i < s->nparams; i++)
			fits = s->kinds[i] == 'n' || p[i] == sig[i] ||
			    (p[i] == 't' && (sig[i] == 'i' || sig[i] == 'd')) ||
			    (p[i] == 'd' && sig[i] == 'i');
		if (fits) {
			free(sig);
			return &s->var[k];
		}
	}
	if (s->nvar == MAX_VARIANTS) {
		/* Drop the oldest (never with Cartera's statements). */
		char sql[64];
		snprintf(sql, sizeof(sql), "DEALLOCATE %s", s->var[0].name);
		if (s->var[0].gen == e->gen)
			PQclear(PQexec(e->conn, sql));
		free(s->var[0].sig);
		memmove(&s->var[0], &s->var[1], sizeof(s->var[0]) * (MAX_VARIANTS - 1));
		s->nvar--;
	}
	if (s->nparams > 0 && (types = calloc((size_t)s->nparams, sizeof(*types))) == NULL) {
		free(sig);
		set_msg(e, "out of memory");
		return NULL;
	}
	v = &s->var[s->nvar];
	snprintf(v->name, sizeof(v->name), "c%lu", ++e->names);
	v->sig = sig;
	v->gen = e->gen;
	/* A failed prepare inside a transaction would end it: guard it. */
	intx = PQtransactionStatus(e->conn) == PQTRANS_INTRANS;
	for (int attempt = 0; attempt <= s->nparams; attempt++) {
		int which = 0;

		param_types(s, sig, types);
		if (intx && command(e, "SAVEPOINT cartera_prepare") == -1)
			break;
		r = PQprepare(e->conn, v->name, s->sql, s->nparams, types);
		ok = r != NULL && PQresultStatus(r) == PGRES_COMMAND_OK;
		if (!ok)
			set_result_msg(e, r);
		/*
		 * A parameter the server cannot type ("?1 IS NULL" before any
		 * use that says, 42P18) or types two ways (42P08): that one is
		 * sent as text, and the statement prepared again.
		 */
		state = r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
		if (!ok && state != NULL && (strcmp(state, "42P18") == 0 ||
		    strcmp(state, "42P08") == 0))
			which = param_named(PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY));
		PQclear(r);
		if (intx && command(e, ok ? "RELEASE SAVEPOINT cartera_prepare" :
		    "ROLLBACK TO SAVEPOINT cartera_prepare") == -1)
			ok = 0;
		if (ok) {
			free(types);
			s->nvar++;
			return v;
		}
		if (which < 1 || which > s->nparams || s->astext[which - 1] ||
		    sig[which - 1] != 't')
			break;
		s->astext[which - 1] = 1;
	}
	free(types);
	free(sig);
	v->sig = NULL;
	return NULL;
}

static int
is_write(PGresult *r)
{
	const char *c = PQcmdStatus(r);

	return strncmp(c, "INSERT", 6) == 0 || strncmp(c, "UPDATE", 6) == 0 ||
	    strncmp(c, "DELETE", 6) == 0 || strncmp(c, "MERGE", 5) == 0;
}

/*
 * Reads in a read transaction (the scans, reports and the history pass)
 * go through a cursor, FETCH_ROWS rows at a time: libpq would otherwise
 * hold a whole result, all 5M invoices of a portfolio of 1M clients, in
 * memory, and the history pass keeps several open at once.  Other
 * statements, and reads in a write transaction (small, and some lock
 * rows), are executed whole.
 */
#define FETCH_ROWS	10000

static int
is_plain_read(const char *sql)
{
	while (*sql == ' ' || *sql == '(')
		sql++;
	return (strncasecmp(sql, "SELECT", 6) == 0 || strncasecmp(sql, "WITH", 4) == 0) &&
	    strstr(sql, " FOR UPDATE") == NULL;
}

/* The next rows of s's cursor into s->res; -1 on failure. */
static int
cursor_fetch(struct pg_stmt *s)
{
	struct engine *e = s->e;
	char sql[64];

	PQclear(s->res);
	snprintf(sql, sizeof(sql), "FETCH FORWARD %d FROM %s", FETCH_ROWS, s->cursor);
	s->res = PQexec(e->conn, sql);
	if (s->res == NULL || PQresultStatus(s->res) != PGRES_TUPLES_OK) {
		set_result_msg(e, s->res);
		PQclear(s->res);
		s->res = NULL;
		s->cursor[0] = '\0';	/* gone with the failed transaction */
		return -1;
	}
	s->row = 0;
	s->nrows = PQntuples(s->res);
	if (s->nrows < FETCH_ROWS)
		cursor_close(s);	/* read to its end */
	return 0;
}

/* Open a cursor over s as variant v and read its first rows. */
static int
cursor_open(struct pg_stmt *s, const struct variant *v)
{
	struct engine *e = s->e;
	Oid *types = NULL;
	PGresult *r;
	char *sql;
	int ok;

	if (s->nparams > 0 && (types = calloc((size_t)s->nparams, sizeof(*types))) == NULL) {
		set_msg(e, "out of memory");
		return -1;
	}
	param_types(s, v->sig, types);
	snprintf(s->cursor, sizeof(s->cursor), "k%lu", ++e->names);
	if (asprintf(&sql, "DECLARE %s NO SCROLL CURSOR FOR %s", s->cursor, s->sql) == -1) {
		free(types);
		s->cursor[0] = '\0';
		set_msg(e, "out of memory");
		return -1;
	}
	r = PQexecParams(e->conn, sql, s->nparams, types, (const char *const *)s->vals,
	    s->lens, s->fmts, 0);
	free(sql);
	free(types);
	ok = r != NULL && PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		set_result_msg(e, r);
	PQclear(r);
	if (!ok) {
		s->cursor[0] = '\0';
		return -1;
	}
	s->cursor_tx = e->tx;
	s->cursor_gen = e->gen;
	return cursor_fetch(s);
}

/* Columns of a new result: room for their converted text. */
static int
result_columns(struct pg_stmt *s)
{
	if (PQnfields(s->res) != s->ncols || s->conv == NULL) {
		free(s->conv);
		s->ncols = PQnfields(s->res);
		if ((s->conv = calloc((size_t)s->ncols + 1, sizeof(*s->conv))) == NULL) {
			set_msg(s->e, "out of memory");
			return -1;
		}
	}
	return 0;
}

static int
pg_step(struct stmt *st)
{
	struct pg_stmt *s = P(st);
	struct engine *e = s->e;
	struct variant *v;
	const char *state;
	int unique;

	if (s->res != NULL) {
		clear_row(s);
		if (++s->row < s->nrows)
			return STMT_ROW;
		if (s->cursor[0] == '\0')
			return STMT_DONE;
		if (cursor_fetch(s) == -1)
			return STMT_ERROR;
		if (result_columns(s) == -1)
			return STMT_ERROR;
		return s->nrows > 0 ? STMT_ROW : STMT_DONE;
	}
	if (PQtransactionStatus(e->conn) == PQTRANS_IDLE ||
	    PQtransactionStatus(e->conn) == PQTRANS_UNKNOWN) {
		if (alive(e) == -1)
			return STMT_ERROR;
	}
	if ((v = variant(s)) == NULL)
		return STMT_ERROR;
	if (e->read_tx && PQtransactionStatus(e->conn) == PQTRANS_INTRANS &&
	    is_plain_read(s->sql)) {
		if (cursor_open(s, v) == -1 || result_columns(s) == -1) {
			PQclear(s->res);
			s->res = NULL;
			return STMT_ERROR;
		}
		return s->nrows > 0 ? STMT_ROW : STMT_DONE;
	}
	s->res = PQexecPrepared(e->conn, v->name, s->nparams, (const char *const *)s->vals,
	    s->lens, s->fmts, 0);
	switch (s->res != NULL ? PQresultStatus(s->res) : PGRES_FATAL_ERROR) {
	case PGRES_TUPLES_OK:
	case PGRES_COMMAND_OK:
		break;
	default:
		set_result_msg(e, s->res);
		state = s->res != NULL ? PQresultErrorField(s->res, PG_DIAG_SQLSTATE) : NULL;
		unique = state != NULL && strcmp(state, "23505") == 0;
		PQclear(s->res);
		s->res = NULL;
		return unique ? STMT_UNIQUE : STMT_ERROR;
	}
	if (is_write(s->res))
		e->changes = strtoll(PQcmdTuples(s->res), NULL, 10);
	s->row = 0;
	s->nrows = PQntuples(s->res);
	if (result_columns(s) == -1) {
		PQclear(s->res);
		s->res = NULL;
		return STMT_ERROR;
	}
	return s->nrows > 0 ? STMT_ROW : STMT_DONE;
}

/* The statement's columns as the server describes them (before a step). */
static PGresult *
describe(struct pg_stmt *s)
{
	struct variant *v;

	if (s->desc == NULL && (v = variant(s)) != NULL) {
		s->desc = PQdescribePrepared(s->e->conn, v->name);
		if (s->desc != NULL && PQresultStatus(s->desc) != PGRES_COMMAND_OK) {
			set_result_msg(s->e, s->desc);
			PQclear(s->desc);
			s->desc = NULL;
		}
	}
	return s->desc;
}

static int
pg_ncols(struct stmt *st)
{
	struct pg_stmt *s = P(st);
	PGresult *r = s->res != NULL ? s->res : describe(s);

	return r != NULL ? PQnfields(r) : 0;
}

static int
has_row(struct pg_stmt *s, int c)
{
	return s->res != NULL && s->row < s->nrows && c >= 0 && c < PQnfields(s->res);
}

static const char *
pg_col_name(struct stmt *st, int c)
{
	struct pg_stmt *s = P(st);
	PGresult *r = s->res != NULL ? s->res : describe(s);

	if (r == NULL || c < 0 || c >= PQnfields(r))
		return NULL;
	return PQfname(r, c);
}

/* Numeric text without a fraction or exponent reads as an integer. */
static int
numeric_is_int(const char *t)
{
	return strpbrk(t, ".eEN") == NULL;
}

static int
pg_col_type(struct stmt *st, int c)
{
	struct pg_stmt *s = P(st);

	if (!has_row(s, c) || PQgetisnull(s->res, s->row, c))
		return STORE_NULL;
	switch (PQftype(s->res, c)) {
	case OID_INT2: case OID_INT4: case OID_INT8: case OID_OID: case OID_BOOL:
		return STORE_INT;
	case OID_FLOAT4: case OID_FLOAT8:
		return STORE_REAL;
	case OID_NUMERIC:
		return numeric_is_int(PQgetvalue(s->res, s->row, c)) ? STORE_INT : STORE_REAL;
	case OID_BYTEA:
		return STMT_BLOB;
	default:
		return STORE_TEXT;
	}
}

/* A real as SQLite writes it: 15 significant digits, always a point. */
static char *
real_text(double d)
{
	char buf[64], *e;

	snprintf(buf, sizeof(buf), "%.15g", d);
	if (strpbrk(buf, ".ni") == NULL) {
		if ((e = strchr(buf, 'e')) != NULL) {
			char tail[32];
			snprintf(tail, sizeof(tail), "%s", e);
			snprintf(e, sizeof(buf) - (size_t)(e - buf), ".0%s", tail);
		} else
			strcat(buf, ".0");
	}
	return strdup(buf);
}

static const char *
pg_col_text(struct stmt *st, int c)
{
	struct pg_stmt *s = P(st);
	const char *t;

	if (!has_row(s, c) || PQgetisnull(s->res, s->row, c))
		return NULL;
	t = PQgetvalue(s->res, s->row, c);
	switch (PQftype(s->res, c)) {
	case OID_BOOL:
		return t[0] == 't' ? "1" : "0";
	case OID_FLOAT4: case OID_FLOAT8:
		if (s->conv[c] == NULL)
			s->conv[c] = real_text(strtod(t, NULL));
		return s->conv[c] != NULL ? s->conv[c] : t;
	case OID_NUMERIC:
		if (numeric_is_int(t))
			return t;
		if (s->conv[c] == NULL)
			s->conv[c] = real_text(strtod(t, NULL));
		return s->conv[c] != NULL ? s->conv[c] : t;
	default:
		return t;
	}
}

static long long
pg_col_int(struct stmt *st, int c)
{
	struct pg_stmt *s = P(st);
	const char *t;

	if (!has_row(s, c) || PQgetisnull(s->res, s->row, c))
		return 0;
	t = PQgetvalue(s->res, s->row, c);
	if (PQftype(s->res, c) == OID_BOOL)
		return t[0] == 't';
	if (strpbrk(t, ".eE") != NULL)
		return (long long)strtod(t, NULL);
	return strtoll(t, NULL, 10);
}

static double
pg_col_double(struct stmt *st, int c)
{
	struct pg_stmt *s = P(st);

	if (!has_row(s, c) || PQgetisnull(s->res, s->row, c))
		return 0;
	if (PQftype(s->res, c) == OID_BOOL)
		return PQgetvalue(s->res, s->row, c)[0] == 't';
	return strtod(PQgetvalue(s->res, s->row, c), NULL);
}

static const void *
pg_col_blob(struct stmt *st, int c, size_t *len)
{
	struct pg_stmt *s = P(st);
	const char *t;

	*len = 0;
	if (!has_row(s, c) || PQgetisnull(s->res, s->row, c))
		return NULL;
	t = PQgetvalue(s->res, s->row, c);
	if (PQftype(s->res, c) != OID_BYTEA) {
		*len = (size_t)PQgetlength(s->res, s->row, c);
		return t;
	}
	PQfreemem(s->blob);
	s->blob = PQunescapeBytea((const unsigned char *)t, len);
	return s->blob;
}

static long long
pg_changes(struct engine *e)
{
	return e->changes;
}

static int
pg_begin(struct engine *e, int mode, char *err, size_t errlen)
{
	if (alive(e) == -1) {
		snprintf(err, errlen, "%s", pg_errmsg(e));
		return -1;
	}
	e->tx++;
	e->read_tx = mode == STORE_TX_READ;
	if (mode == STORE_TX_READ)
		return pg_exec(e, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", err, errlen);
	if (pg_exec(e, "BEGIN", err, errlen) == -1)
		return -1;
	if (pg_exec(e, "SELECT pg_advisory_xact_lock(" WRITE_LOCK_KEY ")", err, errlen) == -1) {
		PQclear(PQexec(e->conn, "ROLLBACK"));
		return -1;
	}
	return 0;
}

static int
pg_commit(struct engine *e, char *err, size_t errlen)
{
	PGresult *r = PQexec(e->conn, "COMMIT");
	int ok = r != NULL && PQresultStatus(r) == PGRES_COMMAND_OK;

	e->tx++;
	e->read_tx = 0;
	/* COMMIT of a failed transaction "succeeds" as a ROLLBACK. */
	if (ok && strcmp(PQcmdStatus(r), "ROLLBACK") == 0) {
		set_msg(e, "the transaction failed and was rolled back");
		ok = 0;
	} else if (!ok)
		set_result_msg(e, r);
	PQclear(r);
	if (!ok)
		snprintf(err, errlen, "%s", pg_errmsg(e));
	return ok ? 0 : -1;
}

static void
pg_rollback(struct engine *e)
{
	e->tx++;
	e->read_tx = 0;
	if (PQtransactionStatus(e->conn) == PQTRANS_INTRANS ||
	    PQtransactionStatus(e->conn) == PQTRANS_INERROR)
		PQclear(PQexec(e->conn, "ROLLBACK"));
}

static int
pg_in_transaction(struct engine *e)
{
	PGTransactionStatusType t = PQtransactionStatus(e->conn);

	return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

static int
pg_data_version(struct engine *e, long long *v)
{
	PGnotify *n;

	if (PQstatus(e->conn) == CONNECTION_OK && PQconsumeInput(e->conn) == 0) {
		set_msg(e, "%s", PQerrorMessage(e->conn));
		*v = e->version;
		return -1;
	}
	while ((n = PQnotifies(e->conn)) != NULL) {
		if (n->be_pid != e->pid)
			e->version++;
		PQfreemem(n);
	}
	*v = e->version;
	return 0;
}

static int
pg_fd(struct engine *e)
{
	return PQsocket(e->conn);
}

static void
pg_set_busy_timeout(struct engine *e, int ms)
{
	char sql[64];

	snprintf(sql, sizeof(sql), "SET lock_timeout = %d", ms);
	PQclear(PQexec(e->conn, sql));
}

static int
pg_get_version(struct engine *e, int *v, char *err, size_t errlen)
{
	PGresult *r;
	int ok;

	*v = 0;
	r = PQexec(e->conn, "SELECT to_regclass('cartera_schema') IS NOT NULL");
	ok = r != NULL && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
	if (ok && PQgetvalue(r, 0, 0)[0] == 't') {
		PQclear(r);
		r = PQexec(e->conn, "SELECT max(version) FROM cartera_schema");
		ok = r != NULL && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
		if (ok)
			*v = atoi(PQgetvalue(r, 0, 0));
	}
	if (!ok) {
		set_result_msg(e, r);
		snprintf(err, errlen, "reading schema version: %s", pg_errmsg(e));
	}
	PQclear(r);
	return ok ? 0 : -1;
}

static int
pg_set_version(struct engine *e, int v, char *err, size_t errlen)
{
	char sql[160];

	snprintf(sql, sizeof(sql), "CREATE TABLE IF NOT EXISTS cartera_schema (version integer "
	    "NOT NULL); DELETE FROM cartera_schema; INSERT INTO cartera_schema VALUES (%d)", v);
	return pg_exec(e, sql, err, errlen);
}

static int
pg_check(struct engine *e, const char *path, char *err, size_t errlen)
{
	int v;

	/* The server keeps its own files whole; what can be checked from
	 * here is that the schema is there and readable. */
	if (pg_get_version(e, &v, err, errlen) == -1)
		return -1;
	if (v != STORE_SCHEMA_VERSION) {
		snprintf(err, errlen, "%s: schema version %d, expected %d", path, v,
		    STORE_SCHEMA_VERSION);
		return -1;
	}
	return 0;
}

static int
pg_try_lock(struct engine *e, long long key, int *got)
{
	char sql[96];
	PGresult *r;
	int ok;

	snprintf(sql, sizeof(sql), "SELECT pg_try_advisory_lock(%lld)", key);
	r = PQexec(e->conn, sql);
	ok = r != NULL && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
	if (ok)
		*got = PQgetvalue(r, 0, 0)[0] == 't';
	else
		set_result_msg(e, r);
	PQclear(r);
	return ok ? 0 : -1;
}

static void
pg_unlock(struct engine *e, long long key)
{
	char sql[96];

	snprintf(sql, sizeof(sql), "SELECT pg_advisory_unlock(%lld)", key);
	PQclear(PQexec(e->conn, sql));
}

const struct engine_ops store_pg_ops = {
	.name = "PostgreSQL",
	.kind = STORE_ENGINE_PG,
	.open = pg_open,
	.close = pg_close,
	.exec = pg_exec,
	.prepare = pg_prepare,
	.finalize = pg_finalize,
	.bind_int = pg_bind_int,
	.bind_double = pg_bind_double,
	.bind_text = pg_bind_text,
	.bind_blob = pg_bind_blob,
	.bind_null = pg_bind_null,
	.step = pg_step,
	.reset = pg_reset,
	.ncols = pg_ncols,
	.col_name = pg_col_name,
	.col_type = pg_col_type,
	.col_int = pg_col_int,
	.col_double = pg_col_double,
	.col_text = pg_col_text,
	.col_blob = pg_col_blob,
	.changes = pg_changes,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.in_transaction = pg_in_transaction,
	.data_version = pg_data_version,
	.fd = pg_fd,
	.errmsg = pg_errmsg,
	.set_busy_timeout = pg_set_busy_timeout,
	.get_version = pg_get_version,
	.set_version = pg_set_version,
	.check = pg_check,
	.backup = NULL,
	.try_lock = pg_try_lock,
	.unlock = pg_unlock,
};
