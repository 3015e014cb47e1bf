/*
 * store_import.c - what the store does for a client import as a whole
 * (store_client_import_begin .. store_client_import_finish): the owners
 * and segments it named, the search keys of its repeated values, the
 * first status-log rows of the clients it inserts (written set-based),
 * and on a large SQLite import the bulk load -- indexes dropped and
 * built again before the COMMIT, a set of key hashes answering for the
 * matching's indexes.
 * The rows themselves are written by store_clients.c.  Writes SQL
 * through store_engine.h only.
 */
#include "build.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nls.h"
#include "record.h"
#include "store_engine.h"
#include "store_import.h"

/* The search key of name v (record_search_key): during an import the
 * matching and the write of a row ask for the same one.  NULL: out of
 * memory.  *owned: the caller frees it. */
char *
store_import_name_key(struct store *st, const char *v, int *owned)
{
	struct store_import *im = st->imp;
	char *k, *n;

	*owned = 0;
	if (im != NULL && im->name != NULL && strcmp(im->name, v) == 0)
		return im->name_key;
	if ((k = record_search_key(v)) == NULL)
		return NULL;
	if (im == NULL || (n = strdup(v)) == NULL) {
		*owned = 1;
		return k;
	}
	free(im->name);
	free(im->name_key);
	im->name = n;
	im->name_key = k;
	return k;
}

char *
store_import_key(struct store *st, const char *v, int memo, int *owned)
{
	struct store_import *im = st->imp;
	char *k, *n;
	size_t i;

	*owned = 0;
	if (im != NULL && im->name != NULL && strcmp(im->name, v) == 0)
		return im->name_key;
	if (im == NULL || !memo) {
		*owned = 1;
		return record_search_key(v);
	}
	i = (size_t)hash_fnv(HASH_FNV_SEED, v, strlen(v)) & (IMPORT_MEMO - 1);
	if (im->memo[i].v != NULL && strcmp(im->memo[i].v, v) == 0)
		return im->memo[i].key;
	if ((k = record_search_key(v)) == NULL)
		return NULL;
	if ((n = strdup(v)) == NULL) {
		*owned = 1;
		return k;
	}
	free(im->memo[i].v);
	free(im->memo[i].key);
	im->memo[i].v = n;
	im->memo[i].key = k;
	return k;
}

/*
 * The first status-log row of every client an import inserts, written
 * set-based: the ids of a run of inserted clients are consecutive, and
 * one INSERT ... SELECT writes their rows (the time is the client's
 * created_at, the same clock reading as one by one).  Flushed before any
 * update of a client (which may log a status change, or change the
 * status the SELECT would read) and before the COMMIT.
 */
int
store_import_log_flush(struct store *st, char *err, size_t errlen)
{
	static const char sql[] =
	    "INSERT INTO client_status_log (client_id, at, old_status, new_status)"
	    " SELECT id, created_at, NULL, status FROM clients WHERE id BETWEEN ? AND ?"
	    " ORDER BY id";
	struct store_import *im = st->imp;
	struct stmt *s;

	if (im == NULL || im->log_lo == 0)
		return 0;
	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, im->log_lo);
	stmt_bind_int(s, 2, im->log_hi);
	im->log_lo = im->log_hi = 0;
	return stmt_done(st, s, err, errlen, "recording status change");
}

int
store_import_log_add(struct store *st, long long id, char *err, size_t errlen)
{
	struct store_import *im = st->imp;

	if (im->log_lo != 0 && id != im->log_hi + 1 &&
	    store_import_log_flush(st, err, errlen) == -1)
		return -1;
	if (im->log_lo == 0)
		im->log_lo = id;
	im->log_hi = id;
	return 0;
}

/* ---- large imports --------------------------------------------------- */

/*
 * An import keeps, for its transaction, the ids of the owners and
 * segments it has named (a query per row otherwise).  A large one on
 * SQLite -- at least STORE_IMPORT_BULK_MIN rows and at least as many as
 * the clients already there -- also does what a DBA does for a bulk load:
 * it drops the indexes of clients, contacts and the status log that the
 * import does not read, and builds them again once at the end, before
 * the COMMIT (store_client_import_finish), in the same transaction: a
 * failed or refused import rolls back to the indexes as they were.  The
 * one primary contact per client (a UNIQUE rule) and the indexes an
 * import adds to at their end (keyed by the new ids or the time) or never
 * (partial ones on what an import does not set) stay: building them again
 * would cost more than keeping them.  The indexes the matching reads (tax
 * id, name key, contact email) go too, and a set of the 64-bit hashes of
 * every tax id, name key and contact email the clients may have answers
 * instead: a row whose keys are all absent matches no client, with no
 * query.  At the first row with a tax id or email that may be there (a
 * repeated one, or a hash collision, about one in 10^12) the index of
 * that key is built again and that row and the rest are looked up by it
 * as always, so the matching is the same.  A name key that may be there
 * is looked up instead among the clients a map of name keys to ids names
 * (store_import_name_ids), each read by id: the name index stays out
 * until the end.
 */
#define STORE_IMPORT_BULK_MIN	1000


static uint64_t
key_hash(enum import_key kind, const char *v)
{
	uint64_t h = HASH_FNV_SEED ^ (uint64_t)kind;

	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		/* Emails match with COLLATE NOCASE: ASCII letters fold. */
		h = hash_fnv_byte(h, kind == KEY_EMAIL && *p >= 'A' && *p <= 'Z' ? *p + 32u : *p);
	h = hash_mix(h);
	return h != 0 ? h : 1;	/* 0 is the set's empty slot */
}

void
store_import_key_add(struct store_import *im, enum import_key kind, const char *v)
{
	if (im == NULL || im->keys.v == NULL || im->keys_lost || v == NULL || *v == '\0')
		return;
	/* The names' map holds them (names_kept): a row looks up one table
	 * fewer, each lookup a miss of the CPU's caches. */
	if (kind == KEY_NAME && im->names_kept)
		return;
	if (u64set_add(&im->keys, key_hash(kind, v)) == -1)
		im->keys_lost = 1;
}

/* 0: no client has key v; 1: one may (or there is no set). */
int
store_import_key_may(const struct store_import *im, enum import_key kind, const char *v)
{
	if (im == NULL || im->keys.v == NULL || im->keys_lost ||
	    (kind == KEY_EMAIL && im->no_email_keys))
		return 1;
	if (kind == KEY_NAME && im->names_kept) {
		/* The map, or the index once the map has ended. */
		uint32_t tag = (uint32_t)(key_hash(KEY_NAME, v) >> 32);

		if (im->names.v == NULL)
			return 1;
		for (size_t i = u64set_first(&im->names, tag); im->names.v[i] != 0;
		    i = u64set_next(&im->names, i))
			if ((uint32_t)(im->names.v[i] >> 32) == tag)
				return 1;
		return 0;
	}
	return u64set_has(&im->keys, key_hash(kind, v));
}

/*
 * The name keys' map: at 1M rows the generated portfolio repeats a name
 * key early, and building the name index then and keeping it row by row
 * cost more than the rows' own INSERT (its pages do not fit the cache).
 * Instead the ids of the clients a name key may be are kept here (a tag
 * of the key's hash beside each id: a tag shared by two keys only adds a
 * candidate), and the candidates are read by id.
 */
void
store_import_name_add(struct store *st, const char *v, long long id)
{
	struct store_import *im = st->imp;
	uint32_t tag;

	if (im == NULL || im->names.v == NULL || v == NULL || *v == '\0')
		return;
	tag = (uint32_t)(key_hash(KEY_NAME, v) >> 32);
	/* An id too large for the map, or no memory: the index answers
	 * from now on. */
	if (id <= 0 || id > (long long)UINT32_MAX ||
	    u64set_add(&im->names, (uint64_t)tag << 32 | (uint64_t)id) == -1)
		u64set_free(&im->names);
}

static int
id_cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

int
store_import_name_ids(struct store *st, const char *v, long long **ids, size_t *n)
{
	struct store_import *im = st->imp;
	long long *out = NULL, *nv;
	size_t cap = 0, k = 0;
	uint32_t tag;

	*ids = NULL;
	*n = 0;
	if (im == NULL || im->names.v == NULL)
		return 1;
	tag = (uint32_t)(key_hash(KEY_NAME, v) >> 32);
	for (size_t i = u64set_first(&im->names, tag); im->names.v[i] != 0;
	    i = u64set_next(&im->names, i)) {
		if ((uint32_t)(im->names.v[i] >> 32) != tag)
			continue;
		if (k == cap) {
			cap = cap ? 2 * cap : 8;
			if ((nv = reallocarray(out, cap, sizeof(*nv))) == NULL) {
				free(out);
				return -1;
			}
			out = nv;
		}
		out[k++] = (long long)(im->names.v[i] & UINT32_MAX);
	}
	if (k > 1)
		qsort(out, k, sizeof(*out), id_cmp);
	*ids = out;
	*n = k;
	return 0;
}

int
store_import_id_get(const struct import_id *v, int n, const char *name, long long *id)
{
	for (int i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0) {
			*id = v[i].id;
			return 1;
		}
	return 0;
}

/* Remember name -> id when there is room (and memory: else it is only
 * looked up again). */
void
store_import_id_put(struct import_id *v, int *n, const char *name, long long id)
{
	if (*n < IMPORT_CACHE && (v[*n].name = strdup(name)) != NULL)
		v[(*n)++].id = id;
}

void
store_client_import_free(struct store *st)
{
	struct store_import *im = st->imp;

	if (im == NULL)
		return;
	for (size_t i = 0; i < im->nindex; i++)
		free(im->index_sql[i]);
	free(im->index_sql);
	for (int k = KEY_TAX; k <= KEY_NAME; k++)
		free(im->match_sql[k]);
	u64set_free(&im->keys);
	u64set_free(&im->names);
	for (int i = 0; i < im->nowners; i++)
		free(im->owners[i].name);
	for (int i = 0; i < im->nsegments; i++)
		free(im->segments[i].name);
	free(im->name);
	free(im->name_key);
	for (int i = 0; i < IMPORT_MEMO; i++) {
		free(im->memo[i].v);
		free(im->memo[i].key);
	}
	free(im);
	st->imp = NULL;
}

/* Every tax id, name key and contact email already there, into the set. */
static int
keys_load(struct store *st, char *err, size_t errlen)
{
	static const char clients_sql[] =
	    "SELECT tax_id, search_name, id FROM clients"
	    " WHERE tax_id IS NOT NULL OR search_name IS NOT NULL";
	static const char contacts_sql[] =
	    "SELECT email FROM contacts WHERE email IS NOT NULL";
	struct stmt *s;
	int rc;

	if ((s = stmt_new(st, clients_sql, err, errlen)) == NULL)
		return -1;
	while ((rc = stmt_step(s)) == STMT_ROW) {
		store_import_key_add(st->imp, KEY_TAX, stmt_text(s, 0));
		store_import_key_add(st->imp, KEY_NAME, stmt_text(s, 1));
		store_import_name_add(st, stmt_text(s, 1), stmt_int(s, 2));
	}
	stmt_free(s);
	if (rc != STMT_DONE)
		return store_fail(st, err, errlen, "reading client keys");
	if (st->imp->no_email_keys)
		return 0;
	if ((s = stmt_new(st, contacts_sql, err, errlen)) == NULL)
		return -1;
	while ((rc = stmt_step(s)) == STMT_ROW)
		store_import_key_add(st->imp, KEY_EMAIL, stmt_text(s, 0));
	stmt_free(s);
	if (rc != STMT_DONE)
		return store_fail(st, err, errlen, "reading contact emails");
	return 0;
}

/* Drop the indexes the import does not read, keeping their SQL. */
static int
drop_indexes(struct store *st, char *err, size_t errlen)
{
	/* Column 2: the key the matching reads the index by, else -1. */
	static const char sql[] =
	    "SELECT name, sql, CASE name WHEN 'clients_tax_id' THEN 0"
	    " WHEN 'contacts_email' THEN 1 WHEN 'clients_search_name' THEN 2 ELSE -1 END"
	    " FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL"
	    " AND tbl_name IN ('clients', 'contacts', 'client_status_log')"
	    " AND name NOT IN ('contacts_primary', 'contacts_client', 'contacts_search_missing',"
	    " 'clients_search_missing', 'clients_snoozed', 'clients_replied',"
	    " 'client_status_log_client', 'client_status_log_at')"
	    " ORDER BY rowid";
	struct store_import *im = st->imp;
	struct stmt *s;
	char **names = NULL, **nv, *drop;
	size_t n = 0;
	long long k;
	int rc, ret = -1;

	if ((s = stmt_new(st, sql, err, errlen)) == NULL)
		return -1;
	while ((rc = stmt_step(s)) == STMT_ROW) {
		char *name = strdup(stmt_text(s, 0)), *def = strdup(stmt_text(s, 1));
		int ok = name != NULL && def != NULL;

		if (ok && (nv = reallocarray(names, n + 1, sizeof(*nv))) != NULL)
			names = nv;
		else
			ok = 0;
		if (ok && (nv = reallocarray(im->index_sql, n + 1, sizeof(*nv))) != NULL)
			im->index_sql = nv;
		else
			ok = 0;
		if (!ok) {
			free(name);
			free(def);
			stmt_free(s);
			snprintf(err, errlen, _("out of memory"));
			goto out;
		}
		names[n] = name;
		k = stmt_int(s, 2);
		im->index_sql[n] = NULL;
		if (k >= KEY_TAX && k <= KEY_NAME && im->match_sql[k] == NULL)
			im->match_sql[k] = def;
		else
			im->index_sql[n] = def;
		im->nindex = ++n;
	}
	stmt_free(s);
	if (rc != STMT_DONE) {
		store_fail(st, err, errlen, "reading the client indexes");
		goto out;
	}
	/* Names from the schema, never from user text (a DROP takes no
	 * parameters). */
	for (size_t i = 0; i < n; i++) {
		if (asprintf(&drop, "DROP INDEX \"%s\"", names[i]) == -1) {
			snprintf(err, errlen, _("out of memory"));
			goto out;
		}
		rc = store_exec(st, drop, err, errlen);
		free(drop);
		if (rc == -1)
			goto out;
	}
	ret = 0;
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return ret;
}

int
store_client_import_begin(struct store *st, size_t rows, char *err, size_t errlen)
{
	static const char count_sql[] = "SELECT count(*) FROM clients";
	struct stmt *s;
	long long have = 0;
	int rc, bulk;

	store_client_import_free(st);
	if (rows >= STORE_IMPORT_BULK_MIN) {
		/* Read before the transaction: the bulk journal is chosen
		 * outside one. */
		if ((s = stmt_get(st, count_sql, err, errlen)) == NULL)
			return -1;
		rc = stmt_step(s);
		if (rc == STMT_ROW)
			have = stmt_int(s, 0);
		stmt_reset(s);
		if (rc != STMT_ROW)
			return store_fail(st, err, errlen, "counting clients");
	}
	bulk = rows >= STORE_IMPORT_BULK_MIN && (long long)rows >= have;
	/* A bulk load on a database nobody else has open writes its pages
	 * once (store_engine.h, bulk); store_commit and store_rollback end
	 * it. */
	if (bulk && st->ops->bulk != NULL)
		st->bulk = st->ops->bulk(st->eng, 1);
	if (store_begin(st, err, errlen) == -1) {
		store_rollback(st);
		return -1;
	}
	if ((st->imp = calloc(1, sizeof(*st->imp))) == NULL) {
		snprintf(err, errlen, _("out of memory"));
		return -1;
	}
	if (!bulk)
		return 0;
	/* PostgreSQL keeps its indexes (the plain path), and the set spares
	 * a round trip to the server for each tax id and name key no client
	 * has (the set holds three keys a client: the rows' emails go in,
	 * though emails are looked up). */
	if (st->ops->kind != STORE_ENGINE_SQLITE) {
		st->imp->no_email_keys = 1;
		if (u64set_init(&st->imp->keys, 3 * (rows + (size_t)have)) == -1) {
			snprintf(err, errlen, _("out of memory"));
			return -1;
		}
		return keys_load(st, err, errlen);
	}
	/* Two keys a client in the set (tax id, email), and a name a client
	 * in the names' map (each grows if need be). */
	if (u64set_init(&st->imp->keys, 2 * (rows + (size_t)have)) == -1 ||
	    u64set_init(&st->imp->names, rows + (size_t)have) == -1) {
		snprintf(err, errlen, _("out of memory"));
		return -1;
	}
	st->imp->names_kept = 1;
	if (keys_load(st, err, errlen) == -1 || drop_indexes(st, err, errlen) == -1)
		return -1;
	return 1;
}

/* The matching's index for key k again, when the bulk path dropped it. */
int
store_import_restore_index(struct store *st, enum import_key k, char *err, size_t errlen)
{
	struct store_import *im = st->imp;

	if (im == NULL || im->match_sql[k] == NULL)
		return 0;
	if (store_exec(st, im->match_sql[k], err, errlen) == -1)
		return -1;
	free(im->match_sql[k]);
	im->match_sql[k] = NULL;
	return 0;
}

/* The indexes dropped, built again, the engine readied for it
 * (store_engine.h, index_builds). */
static int
build_indexes(struct store *st, char *err, size_t errlen)
{
	struct store_import *im = st->imp;
	char why[256];
	int rc = 0;

	if (im->nindex == 0)
		return 0;
	if (st->ops->index_builds != NULL && st->ops->index_builds(st->eng, 1, err, errlen) == -1)
		return -1;
	for (int k = KEY_TAX; k <= KEY_NAME && rc == 0; k++)
		rc = store_import_restore_index(st, (enum import_key)k, err, errlen);
	for (size_t i = 0; i < im->nindex && rc == 0; i++) {
		if (im->index_sql[i] == NULL)	/* a matching one */
			continue;
		if ((rc = store_exec(st, im->index_sql[i], err, errlen)) == 0) {
			free(im->index_sql[i]);
			im->index_sql[i] = NULL;
		}
	}
	if (rc == 0)
		im->nindex = 0;
	/* Back as it was, error or not (a failed build's message stays in
	 * err). */
	if (st->ops->index_builds != NULL && st->ops->index_builds(st->eng, 0,
	    rc == 0 ? err : why, rc == 0 ? errlen : sizeof(why)) == -1)
		rc = -1;
	return rc;
}

int
store_client_import_finish(struct store *st, char *err, size_t errlen)
{
	struct store_import *im = st->imp;

	if (im == NULL)
		return 0;
	if (store_import_log_flush(st, err, errlen) == -1)
		return -1;
	return build_indexes(st, err, errlen);
}
