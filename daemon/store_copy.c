/*
 * store_copy.c - a whole portfolio from one database into another, on
 * either engine (SQLite to PostgreSQL and back): every table, row by row
 * in key order, in one transaction on the target, read from one snapshot
 * of the source, and verified before the commit by counting and
 * checksumming each table on both sides in the same canonical order.
 *
 * The derived client columns come with the clients' rows; on SQLite the
 * target's own triggers write them again as the history rows arrive (the
 * checksums prove them equal), PostgreSQL's are off meanwhile
 * (derived_triggers).  A table this file does not know is refused, so a
 * new table cannot be left behind silently: add it to copy_tables.
 * Writes SQL through store_engine.h only.
 */
#include "build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "buf.h"
#include "store_engine.h"

/* Every table of the portfolio, parents before children, and the key
 * its rows are copied and checksummed in the order of ("id" unless said:
 * then it has no identity to restart either). */
static const struct {
	const char	*name, *key;
} copy_tables[] = {
	{ "teams", "id" }, { "owners", "id" }, { "segments", "id" }, { "clients", "id" },
	{ "client_status_log", "id" }, { "contacts", "id" }, { "interactions", "id" },
	{ "activities", "id" }, { "invoices", "id" }, { "products", "id" },
	{ "invoice_lines", "id" }, { "nps", "id" }, { "goals", "id" }, { "costs", "id" },
	{ "outbox", "id" }, { "mailboxes", "name" }, { "mail_messages", "id" },
	{ "mail_touches", "message_id, client_id" }, { "web_actions", "at, id" }, { NULL, NULL }
};

/* A table's count and checksum: the sum of each row's CRC-32 (zlib) over
 * its values, each as a type letter, its length and its bytes (reals as
 * %.17g: the same double on both engines gives the same text). */
struct sum {
	long long	 rows;
	unsigned long	 crc;
};

static void
sum_value(struct sum *m, struct stmt *s, int c)
{
	char head[48], num[40];
	const void *p = NULL;
	size_t len = 0;
	int t = stmt_type(s, c);

	switch (t) {
	case STORE_NULL:
		break;
	case STORE_INT:
		len = (size_t)snprintf(num, sizeof(num), "%lld", stmt_int(s, c));
		p = num;
		break;
	case STORE_REAL:
		len = (size_t)snprintf(num, sizeof(num), "%.17g", stmt_double(s, c));
		p = num;
		break;
	case STMT_BLOB:
		p = stmt_blob(s, c, &len);
		break;
	default:
		p = stmt_text(s, c);
		len = p != NULL ? strlen(p) : 0;
		break;
	}
	/* Text and blobs are both bytes: SQLite may hold either in a column. */
	snprintf(head, sizeof(head), "%c%zu:", t == STORE_NULL ? 'n' : t == STORE_INT ? 'i' :
	    t == STORE_REAL ? 'r' : 's', len);
	m->crc = crc32_z(m->crc, (const Bytef *)head, strlen(head));
	if (len > 0)
		m->crc = crc32_z(m->crc, p, len);
}

/* A row's CRC-32 added to the table's (mod 2^32): the sum does not
 * depend on the order the rows come in, which for a text key is the
 * engine's collation. */
static void
sum_row(struct sum *m, struct stmt *s, int ncols)
{
	struct sum r = { 0, crc32_z(0, NULL, 0) };

	for (int c = 0; c < ncols; c++)
		sum_value(&r, s, c);
	m->crc = (m->crc + r.crc) & 0xffffffffUL;
	m->rows++;
}

/* The columns of table on st, comma-separated, into b. */
static int
columns(struct store *st, const char *table, struct buf *b, int *ncols, char *err,
    size_t errlen)
{
	struct buf sql = BUF_INIT;
	struct stmt *s;
	int n;

	if (buf_printf(&sql, "SELECT * FROM %s LIMIT 0", table) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s = stmt_new(st, sql.data, err, errlen);
	buf_free(&sql);
	if (s == NULL)
		return -1;
	n = stmt_ncols(s);
	for (int i = 0; i < n; i++)
		if (buf_printf(b, "%s%s", i ? ", " : "", stmt_col_name(s, i)) == -1) {
			stmt_free(s);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	stmt_free(s);
	*ncols = n;
	if (n == 0) {
		snprintf(err, errlen, "%s: table %s has no columns", st->path, table);
		return -1;
	}
	return 0;
}

/* Count and checksum table on st (the caller's transaction). */
static int
table_sum(struct store *st, const char *table, const char *key, const char *cols, int ncols,
    struct sum *m, char *err, size_t errlen)
{
	struct buf sql = BUF_INIT;
	struct stmt *s;
	int rc;

	m->rows = 0;
	m->crc = 0;
	if (buf_printf(&sql, "SELECT %s FROM %s ORDER BY %s", cols, table, key) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s = stmt_new(st, sql.data, err, errlen);
	buf_free(&sql);
	if (s == NULL)
		return -1;
	while ((rc = stmt_step(s)) == STMT_ROW)
		sum_row(m, s, ncols);
	if (rc != STMT_DONE) {
		store_fail(st, err, errlen, table);
		stmt_free(s);
		return -1;
	}
	stmt_free(s);
	return 0;
}

/* Names of the tables of st that hold the portfolio, one test each. */
static int
known_tables_only(struct store *st, char *err, size_t errlen)
{
	static const char *const sql[STORE_ENGINE_COUNT] = STORE_SQL_BY_ENGINE(
	    "SELECT name FROM sqlite_schema WHERE type = 'table'"
	    " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
	    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
	    " AND tablename NOT IN ('cartera_schema', 'cartera_web_key') ORDER BY tablename");
	struct stmt *s;
	int rc, known;

	if ((s = stmt_new(st, store_sql(st, sql), err, errlen)) == NULL)
		return -1;
	while ((rc = stmt_step(s)) == STMT_ROW) {
		const char *t = stmt_text(s, 0);

		known = 0;
		for (int i = 0; copy_tables[i].name != NULL && !known; i++)
			known = t != NULL && strcmp(t, copy_tables[i].name) == 0;
		if (!known) {
			snprintf(err, errlen, "%s: table %s is not one copy knows; "
			    "nothing was copied", st->path, t != NULL ? t : "?");
			stmt_free(s);
			return -1;
		}
	}
	if (rc != STMT_DONE) {
		store_fail(st, err, errlen, "listing tables");
		stmt_free(s);
		return -1;
	}
	stmt_free(s);
	return 0;
}

/* Rows of every table in to; *rows the total. */
static int
count_rows(struct store *to, long long *rows, char *err, size_t errlen)
{
	char sql[96];
	struct stmt *s;

	*rows = 0;
	for (int i = 0; copy_tables[i].name != NULL; i++) {
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", copy_tables[i].name);
		if ((s = stmt_new(to, sql, err, errlen)) == NULL)
			return -1;
		if (stmt_step(s) != STMT_ROW) {
			store_fail(to, err, errlen, "counting rows");
			stmt_free(s);
			return -1;
		}
		*rows += stmt_int(s, 0);
		stmt_free(s);
	}
	return 0;
}

/* One value read from the source, kept until its batch is written. */
struct val {
	int		 type;
	long long	 i;
	double		 d;
	void		*p;	/* text or blob; owned */
	size_t		 len;
};

static int
keep(struct val *v, struct stmt *sel, int c)
{
	const void *p = NULL;

	free(v->p);
	memset(v, 0, sizeof(*v));
	v->type = stmt_type(sel, c);
	switch (v->type) {
	case STORE_NULL:
		return 0;
	case STORE_INT:
		v->i = stmt_int(sel, c);
		return 0;
	case STORE_REAL:
		v->d = stmt_double(sel, c);
		return 0;
	case STMT_BLOB:
		p = stmt_blob(sel, c, &v->len);
		break;
	default:
		p = stmt_text(sel, c);
		v->len = p != NULL ? strlen(p) : 0;
		break;
	}
	if ((v->p = malloc(v->len + 1)) == NULL)
		return -1;
	if (v->len > 0)
		memcpy(v->p, p, v->len);
	((char *)v->p)[v->len] = '\0';
	return 0;
}

static int
bind_val(struct stmt *ins, int i, const struct val *v)
{
	switch (v->type) {
	case STORE_NULL:
		return stmt_bind_null(ins, i);
	case STORE_INT:
		return stmt_bind_int(ins, i, v->i);
	case STORE_REAL:
		return stmt_bind_double(ins, i, v->d);
	case STMT_BLOB:
		return stmt_bind_blob(ins, i, v->p, v->len);
	default:
		return stmt_bind_text(ins, i, v->p);
	}
}

/* "INSERT INTO table (cols) VALUES (?, ...), ..." for nrows rows. */
static struct stmt *
insert_stmt(struct store *to, const char *table, const char *cols, int ncols, int nrows,
    char *err, size_t errlen)
{
	struct buf sql = BUF_INIT;
	struct stmt *s = NULL;
	int ok;

	ok = buf_printf(&sql, "INSERT INTO %s (%s) VALUES ", table, cols) == 0;
	for (int r = 0; ok && r < nrows; r++) {
		ok = buf_puts(&sql, r ? ", (" : "(") == 0;
		for (int i = 0; ok && i < ncols; i++)
			ok = buf_puts(&sql, i ? ", ?" : "?") == 0;
		ok = ok && buf_puts(&sql, ")") == 0;
	}
	if (!ok)
		snprintf(err, errlen, "out of memory");
	else
		s = stmt_new(to, sql.data, err, errlen);
	buf_free(&sql);
	return s;
}

/* Rows per INSERT: one round trip carries many (a server is far away). */
#define COPY_PARAMS	2000

/* Copy one table, summing the source rows as they go. */
static int
copy_table(struct store *from, struct store *to, const char *table, const char *key,
    const char *cols, int ncols, struct sum *m, char *err, size_t errlen)
{
	struct buf sql = BUF_INIT;
	struct stmt *sel = NULL, *ins = NULL, *one = NULL;
	struct val *vals = NULL;
	int rc, ret = -1, batch = COPY_PARAMS / ncols > 1 ? COPY_PARAMS / ncols : 1, k = 0;

	m->rows = 0;
	m->crc = 0;
	if (buf_printf(&sql, "SELECT %s FROM %s ORDER BY %s", cols, table, key) == -1)
		goto oom;
	if ((sel = stmt_new(from, sql.data, err, errlen)) == NULL)
		goto out;
	if ((ins = insert_stmt(to, table, cols, ncols, batch, err, errlen)) == NULL ||
	    (one = insert_stmt(to, table, cols, ncols, 1, err, errlen)) == NULL)
		goto out;
	if ((vals = calloc((size_t)batch * (size_t)ncols, sizeof(*vals))) == NULL)
		goto oom;
	while ((rc = stmt_step(sel)) == STMT_ROW) {
		for (int c = 0; c < ncols; c++)
			if (keep(&vals[k * ncols + c], sel, c) == -1)
				goto oom;
		sum_row(m, sel, ncols);
		if (++k < batch)
			continue;
		for (int i = 0; i < k * ncols; i++)
			if (bind_val(ins, i + 1, &vals[i]) == -1)
				goto oom;
		if (stmt_done(to, ins, err, errlen, table) == -1)
			goto out;
		k = 0;
	}
	if (rc != STMT_DONE) {
		store_fail(from, err, errlen, table);
		goto out;
	}
	/* The rows of a last, shorter batch one by one. */
	for (int r = 0; r < k; r++) {
		for (int c = 0; c < ncols; c++)
			if (bind_val(one, c + 1, &vals[r * ncols + c]) == -1)
				goto oom;
		if (stmt_done(to, one, err, errlen, table) == -1)
			goto out;
	}
	ret = 0;
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
out:
	buf_free(&sql);
	stmt_free(sel);
	stmt_free(ins);
	stmt_free(one);
	for (int i = 0; vals != NULL && i < batch * ncols; i++)
		free(vals[i].p);
	free(vals);
	return ret;
}

/*
 * PostgreSQL: the triggers that keep each client's derived columns (last
 * touch, answer, purchase rhythm) off while the history arrives, on again
 * before the verification, all in the copy's transaction.  The clients'
 * rows come with those columns as the source has them (and the checksums
 * say so); recomputed from all of a client's invoices at each one, they
 * made the copy into PostgreSQL the server's work of minutes.  A role
 * that does not own the tables may not do this: then, in a savepoint
 * undone, the copy goes on with the triggers, only slower.
 */
static const char *const copy_triggers[][2] = {
	{ "interactions", "interactions_ai" }, { "interactions", "interactions_reply_ai" },
	{ "invoices", "invoices_ai" }, { NULL, NULL }
};

static int
derived_triggers(struct store *to, int on, int *off, char *err, size_t errlen)
{
	char sql[128], why[256];

	if (to->ops->kind != STORE_ENGINE_PG || (on && !*off))
		return 0;
	if (!on && store_exec(to, "SAVEPOINT copy_triggers", err, errlen) == -1)
		return -1;
	for (int i = 0; copy_triggers[i][0] != NULL; i++) {
		snprintf(sql, sizeof(sql), "ALTER TABLE %s %s TRIGGER %s", copy_triggers[i][0],
		    on ? "ENABLE" : "DISABLE", copy_triggers[i][1]);
		if (store_exec(to, sql, why, sizeof(why)) == 0)
			continue;
		if (on) {
			snprintf(err, errlen, "%s", why);
			return -1;
		}
		return store_exec(to, "ROLLBACK TO SAVEPOINT copy_triggers", err, errlen);
	}
	*off = !on;
	return on ? 0 : store_exec(to, "RELEASE SAVEPOINT copy_triggers", err, errlen);
}

/* PostgreSQL: each identity goes on after the largest id copied. */
static int
restart_ids(struct store *to, const char *table, const char *key, char *err, size_t errlen)
{
	char sql[192];

	if (to->ops->kind != STORE_ENGINE_PG || strcmp(key, "id") != 0)
		return 0;
	snprintf(sql, sizeof(sql), "SELECT setval(pg_get_serial_sequence('%s', 'id'),"
	    " coalesce(max(id), 0) + 1, false) FROM %s", table, table);
	return store_exec(to, sql, err, errlen);
}

int
store_copy(struct store *from, struct store *to, int replace, struct store_copy_table **out,
    size_t *nout, char *err, size_t errlen)
{
	struct store_copy_table *v;
	struct buf cols = BUF_INIT;
	struct sum got;
	long long rows;
	size_t n = 0;
	int ncols, ret = -1, off = 0;

	*out = NULL;
	*nout = 0;
	for (size_t i = 0; copy_tables[i].name != NULL; i++)
		n++;
	if ((v = calloc(n, sizeof(*v))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (known_tables_only(from, err, errlen) == -1) {
		free(v);
		return -1;
	}
	if (store_read_begin(from, err, errlen) == -1) {
		free(v);
		return -1;
	}
	if (store_begin(to, err, errlen) == -1)
		goto end_read;
	if (count_rows(to, &rows, err, errlen) == -1)
		goto rollback;
	if (rows > 0 && !replace) {
		snprintf(err, errlen, "%s is not empty (%lld rows); nothing was copied "
		    "(--replace replaces what it holds)", to->path, rows);
		goto rollback;
	}
	/* PostgreSQL: one TRUNCATE of every table (in the transaction).  Row
	 * by row, each deleted history row fired its trigger on the client's
	 * derived columns: seconds for a small portfolio.  SQLite: children
	 * first (without a WHERE, its own truncate). */
	if (rows > 0 && to->ops->kind == STORE_ENGINE_PG) {
		int bad = buf_puts(&cols, "TRUNCATE ") == -1;

		for (size_t i = 0; !bad && i < n; i++)
			bad = buf_printf(&cols, "%s%s", i > 0 ? ", " : "", copy_tables[i].name) == -1;
		if (bad) {
			snprintf(err, errlen, "out of memory");
			goto rollback;
		}
		if (store_exec(to, cols.data, err, errlen) == -1)
			goto rollback;
	}
	for (size_t i = n; rows > 0 && to->ops->kind != STORE_ENGINE_PG && i-- > 0;) {
		char sql[64];
		snprintf(sql, sizeof(sql), "DELETE FROM %s", copy_tables[i].name);
		if (store_exec(to, sql, err, errlen) == -1)
			goto rollback;
	}
	if (derived_triggers(to, 0, &off, err, errlen) == -1)
		goto rollback;
	for (size_t i = 0; i < n; i++) {
		struct sum m;

		v[i].table = copy_tables[i].name;
		buf_reset(&cols);
		if (columns(from, copy_tables[i].name, &cols, &ncols, err, errlen) == -1 ||
		    copy_table(from, to, copy_tables[i].name, copy_tables[i].key, cols.data,
		    ncols, &m, err, errlen) == -1 ||
		    restart_ids(to, copy_tables[i].name, copy_tables[i].key, err, errlen) == -1)
			goto rollback;
		v[i].rows = m.rows;
		v[i].checksum = m.crc;
	}
	if (derived_triggers(to, 1, &off, err, errlen) == -1)
		goto rollback;
	/* Read back what the target holds now, triggers and all. */
	for (size_t i = 0; i < n; i++) {
		buf_reset(&cols);
		if (columns(from, copy_tables[i].name, &cols, &ncols, err, errlen) == -1 ||
		    table_sum(to, copy_tables[i].name, copy_tables[i].key, cols.data, ncols, &got,
		    err, errlen) == -1)
			goto rollback;
		if (got.rows != v[i].rows || got.crc != v[i].checksum) {
			snprintf(err, errlen, "%s: %s differs after the copy (%lld rows, "
			    "checksum %08lx; the source has %lld rows, %08lx); nothing was "
			    "copied", to->path, copy_tables[i].name, got.rows, got.crc, v[i].rows,
			    v[i].checksum);
			goto rollback;
		}
	}
	if (store_commit(to, err, errlen) == -1)
		goto end_read;
	ret = 0;
	goto end_read;
rollback:
	store_rollback(to);
end_read:
	store_read_end(from);
	buf_free(&cols);
	if (ret == -1) {
		free(v);
		return -1;
	}
	*out = v;
	*nout = n;
	return 0;
}
