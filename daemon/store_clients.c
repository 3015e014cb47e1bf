/*
 * store_clients.c - the store's clients: segments, the client record
 * (insert or update from a normalised record, matching and resolving,
 * listing, export, unsubscribe tokens, search keys) and contacts.
 * Writes SQL through store_engine.h only; knows no engine and no mail.
 */
#include "build.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "clock.h"
#include "escape.h"
#include "nls.h"
#include "record.h"
#include "store_engine.h"
#include "store_import.h"

/* ---- segments ------------------------------------------------------ */

/* Id of segment name, created when missing.  name must be non-empty. */
static int
segment_id(struct store *st, const char *name, long long *id, char *err, size_t errlen)
{
	static const char sel[] = "SELECT id FROM segments WHERE name = ?";
	static const char ins[] = "INSERT INTO segments (name) VALUES (?) RETURNING id";
	struct stmt *s;
	int rc;

	if ((s = stmt_get(st, sel, err, errlen)) == NULL)
		return -1;
	stmt_bind_text(s, 1, name);
	rc = stmt_step(s);
	if (rc == STMT_ROW)
		*id = stmt_int(s, 0);
	stmt_reset(s);
	if (rc == STMT_ROW)
		return 0;
	if (rc != STMT_DONE)
		return store_fail(st, err, errlen, "looking up segment");
	if ((s = stmt_get(st, ins, err, errlen)) == NULL)
		return -1;
	stmt_bind_text(s, 1, name);
	return stmt_insert(st, s, id, err, errlen, "adding segment");
}

int
store_segment_set(struct store *st, const char *name, int days, char *err, size_t errlen)
{
	static const char sql[] = "UPDATE segments SET cadence_days = ? WHERE id = ?";
	struct stmt *s;
	long long id;

	if (segment_id(st, name, &id, err, errlen) == -1)
		return -1;
	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	if (days > 0)
		stmt_bind_int(s, 1, days);
	stmt_bind_int(s, 2, id);
	return stmt_done(st, s, err, errlen, "setting segment cadence");
}

int
store_segment_list(struct store *st, store_row_fn fn, void *arg, char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT s.id, s.name, s.cadence_days,"
	    " (SELECT count(*) FROM clients c WHERE c.segment_id = s.id) AS clients"
	    " FROM segments s ORDER BY s.name";
	struct stmt *s;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	return stmt_rows(st, s, fn, arg, err, errlen);
}

/* ---- clients ------------------------------------------------------- */

static int
owner_id_by_email(struct store *st, const char *email, long long *id, char *err,
    size_t errlen)
{
	int rc = id_by_key(st, "SELECT id FROM owners WHERE email = ?", email, id,
	    "looking up owner", err, errlen);

	if (rc == 1)
		snprintf(err, errlen, _("unknown owner %s (add it with \"cartera owner add\")"),
		    email);
	return rc == 0 ? 0 : -1;
}

static int
log_status(struct store *st, long long client, const char *old, const char *new,
    char *err, size_t errlen)
{
	static const char sql[] =
	    "INSERT INTO client_status_log (client_id, at, old_status, new_status)"
	    " VALUES (?, ?, ?, ?)";
	struct stmt *s;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, client);
	stmt_bind_int(s, 2, clock_now());
	stmt_bind_opt(s, 3, old);
	stmt_bind_text(s, 4, new);
	return stmt_done(st, s, err, errlen, "recording status change");
}

/* The search key of r's name: the caller's, else made (an import
 * remembers the last).  NULL: no memory.  *owned: the caller frees it. */
static char *
name_key(struct store *st, const struct record *r, int *owned)
{
	*owned = 0;
	if (r->key[RF_NAME] != NULL)
		return (char *)(uintptr_t)r->key[RF_NAME];
	return store_import_name_key(st, r->v[RF_NAME], owned);
}

/* Bind the search key of v (stmt_bind_key); during an import the key of
 * the row's name, or with memo of a value seen before, is not made again
 * (store_import_key).  -1: out of memory. */
static int
bind_import_key(struct store *st, struct stmt *s, int idx, const char *v, const char *key,
    int memo)
{
	char *k;
	int owned, rc;

	if (key != NULL && v != NULL && *v != '\0')
		return stmt_bind_text(s, idx, key);
	if (st->imp == NULL || v == NULL || *v == '\0')
		return stmt_bind_key(s, idx, v);
	if ((k = store_import_key(st, v, memo, &owned)) == NULL)
		return -1;
	rc = stmt_bind_text(s, idx, k);
	if (owned)
		free(k);
	return rc;
}

/* Upsert the primary contact of client from the contact fields of r. */
static int
put_primary_contact(struct store *st, long long client, const struct record *r,
    int inserting, char *err, size_t errlen)
{
	static const char upd[] =
	    "UPDATE contacts SET"
	    " name = CASE WHEN ?1 IS NULL THEN name ELSE nullif(?1, '') END,"
	    " role = CASE WHEN ?2 IS NULL THEN role ELSE nullif(?2, '') END,"
	    " email = CASE WHEN ?3 IS NULL THEN email ELSE nullif(?3, '') END,"
	    " phone = CASE WHEN ?4 IS NULL THEN phone ELSE nullif(?4, '') END,"
	    " search_name = CASE WHEN ?1 IS NULL THEN search_name ELSE ?6 END"
	    " WHERE client_id = ?5 AND is_primary = 1";
	static const char ins[] =
	    "INSERT INTO contacts (client_id, name, role, email, phone, is_primary, search_name)"
	    " VALUES (?1, nullif(?2, ''), nullif(?3, ''), nullif(?4, ''), nullif(?5, ''), 1, ?6)";
	const char *name = r->v[RF_CONTACT], *role = r->v[RF_ROLE];
	const char *email = r->v[RF_EMAIL], *phone = r->v[RF_PHONE];
	struct stmt *s;

	if (name == NULL && role == NULL && email == NULL && phone == NULL)
		return 0;
	if (!inserting) {
		if ((s = stmt_get(st, upd, err, errlen)) == NULL)
			return -1;
		if (name) stmt_bind_text(s, 1, name);
		if (role) stmt_bind_text(s, 2, role);
		if (email) stmt_bind_text(s, 3, email);
		if (phone) stmt_bind_text(s, 4, phone);
		stmt_bind_int(s, 5, client);
		if (bind_import_key(st, s, 6, name, r->key[RF_CONTACT], 0) == -1) {
			snprintf(err, errlen, _("out of memory"));
			return -1;
		}
		if (stmt_done(st, s, err, errlen, "updating contact") == -1)
			return -1;
		if (stmt_changes(st) > 0)
			return 0;
	}
	if ((name == NULL || !*name) && (role == NULL || !*role) &&
	    (email == NULL || !*email) && (phone == NULL || !*phone))
		return 0;
	if ((s = stmt_get(st, ins, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, client);
	stmt_bind_text(s, 2, name ? name : "");
	stmt_bind_text(s, 3, role ? role : "");
	stmt_bind_text(s, 4, email ? email : "");
	stmt_bind_text(s, 5, phone ? phone : "");
	if (bind_import_key(st, s, 6, name, r->key[RF_CONTACT], 0) == -1) {
		snprintf(err, errlen, _("out of memory"));
		return -1;
	}
	return stmt_done(st, s, err, errlen, "adding contact");
}

/* Columns of clients set from a record field, in RF_ order; NULL = not a column. */
static const char *const client_columns[RF_COUNT] = {
	[RF_NAME] = "name", [RF_KIND] = "kind", [RF_STATUS] = "status",
	[RF_SECTOR] = "sector", [RF_ADDRESS] = "address", [RF_CITY] = "city",
	[RF_POSTAL_CODE] = "postal_code", [RF_COUNTRY] = "country",
	[RF_TAX_ID] = "tax_id", [RF_NOTES] = "notes", [RF_CADENCE] = "cadence_days",
	[RF_NEXT_CONTACT] = "next_contact", [RF_DO_NOT_EMAIL] = "do_not_email",
	[RF_FOLLOWUP] = "followup", [RF_PAYMENT_METHOD] = "payment_method",
	[RF_PAYMENT_DAYS] = "payment_days", [RF_ORDERS] = "orders",
};

/* Search key columns kept beside a record column (record_search_key). */
static const char *const key_columns[RF_COUNT] = {
	[RF_NAME] = "search_name", [RF_CITY] = "search_city", [RF_SECTOR] = "search_sector",
};

static int
client_status(struct store *st, long long id, char **status, char *err, size_t errlen)
{
	static const char sql[] = "SELECT status FROM clients WHERE id = ?";

	return text_by_id(st, sql, id, status, N_("client"), err, errlen);
}

/*
 * The statement for a set of given fields is built from the fixed column
 * names above (never from user text) and cached by that set, so a large
 * import prepares each shape once.
 */
static unsigned
put_mask(const struct record *r, int inserting)
{
	unsigned m = inserting ? 1u << 31 : 0;

	for (int f = 0; f < RF_COUNT; f++)
		if (r->v[f] != NULL)
			m |= 1u << f;
	return m;
}

/* The text of the write of r's fields (put_mask), into sql; its length
 * (>= len: too long). */
static int
put_sql(const struct record *r, int inserting, char *sql, size_t len)
{
	int n;

	if (inserting) {
		char cols[512], vals[256];
		int nc = snprintf(cols, sizeof(cols), "owner_id, segment_id, created_at, updated_at");
		int nv = snprintf(vals, sizeof(vals), "?, ?, ?, ?");
		for (int f = 0; f < RF_COUNT; f++) {
			if (client_columns[f] == NULL || r->v[f] == NULL)
				continue;
			nc += snprintf(cols + nc, sizeof(cols) - (size_t)nc, ", %s",
			    client_columns[f]);
			nv += snprintf(vals + nv, sizeof(vals) - (size_t)nv, ", ?");
		}
		for (int f = 0; f < RF_COUNT; f++) {
			if (key_columns[f] == NULL || r->v[f] == NULL)
				continue;
			nc += snprintf(cols + nc, sizeof(cols) - (size_t)nc, ", %s",
			    key_columns[f]);
			nv += snprintf(vals + nv, sizeof(vals) - (size_t)nv, ", ?");
		}
		return snprintf(sql, len, "INSERT INTO clients (%s) VALUES (%s)"
		    " RETURNING id", cols, vals);
	}
	n = snprintf(sql, len, "UPDATE clients SET updated_at = ?");
	if (r->v[RF_OWNER] != NULL)
		n += snprintf(sql + n, len - (size_t)n, ", owner_id = ?");
	if (r->v[RF_SEGMENT] != NULL)
		n += snprintf(sql + n, len - (size_t)n, ", segment_id = ?");
	for (int f = 0; f < RF_COUNT; f++) {
		if (client_columns[f] == NULL || r->v[f] == NULL)
			continue;
		n += snprintf(sql + n, len - (size_t)n, ", %s = ?", client_columns[f]);
	}
	/* A next-contact date given by hand is no longer a snooze's. */
	if (r->v[RF_NEXT_CONTACT] != NULL)
		n += snprintf(sql + n, len - (size_t)n, ", next_contact_by = NULL");
	for (int f = 0; f < RF_COUNT; f++) {
		if (key_columns[f] == NULL || r->v[f] == NULL)
			continue;
		n += snprintf(sql + n, len - (size_t)n, ", %s = ?", key_columns[f]);
	}
	n += snprintf(sql + n, len - (size_t)n, " WHERE id = ?");
	return n;
}

/* The write of r's fields, from the cache: its text is made (put_sql)
 * and prepared only the first time that set of fields comes (a large
 * import made it again for every row). */
static struct stmt *
put_stmt(struct store *st, const struct record *r, int inserting)
{
	unsigned mask = put_mask(r, inserting);
	char sql[1024];
	struct stmt *s;

	for (int i = 0; i < st->nput; i++)
		if (st->put[i].mask == mask) {
			if (st->put[i].stmt->dirty)
				stmt_reset(st->put[i].stmt);
			return st->put[i].stmt;
		}
	if ((size_t)put_sql(r, inserting, sql, sizeof(sql)) >= sizeof(sql) ||
	    (s = st->ops->prepare(st->eng, sql)) == NULL)
		return NULL;
	if (st->nput == STORE_PUT_CACHE) {
		stmt_free(st->put[0].stmt);
		memmove(&st->put[0], &st->put[1], sizeof(st->put[0]) * (STORE_PUT_CACHE - 1));
		st->nput--;
	}
	st->put[st->nput].mask = mask;
	st->put[st->nput].stmt = s;
	st->nput++;
	return s;
}

static int
bind_field(struct stmt *s, int idx, enum record_field f, const char *v)
{
	if (*v == '\0')
		return stmt_bind_null(s, idx);
	if (f == RF_CADENCE || f == RF_DO_NOT_EMAIL || f == RF_FOLLOWUP || f == RF_PAYMENT_DAYS)
		return stmt_bind_int(s, idx, strtoll(v, NULL, 10));
	return stmt_bind_text(s, idx, v);
}

int
store_client_put(struct store *st, long long id, const struct record *r,
    long long *out_id, char *err, size_t errlen)
{
	struct stmt *s = NULL;
	long long owner = 0, seg = 0;
	char *old_status = NULL;
	const char *new_status = r->v[RF_STATUS];
	int idx = 1, rc, inserting = id == 0;
	time_t now = clock_now();
	struct store_import *im = st->imp;

	if (inserting && (r->v[RF_NAME] == NULL || *r->v[RF_NAME] == '\0')) {
		snprintf(err, errlen, _("a client needs a name"));
		return -1;
	}
	/* An import names the same few owners and segments on every row. */
	if (r->v[RF_OWNER] != NULL && *r->v[RF_OWNER] != '\0' && (im == NULL ||
	    !store_import_id_get(im->owners, im->nowners, r->v[RF_OWNER], &owner))) {
		if (owner_id_by_email(st, r->v[RF_OWNER], &owner, err, errlen) == -1)
			return -1;
		if (im != NULL)
			store_import_id_put(im->owners, &im->nowners, r->v[RF_OWNER], owner);
	}
	if (r->v[RF_SEGMENT] != NULL && *r->v[RF_SEGMENT] != '\0' && (im == NULL ||
	    !store_import_id_get(im->segments, im->nsegments, r->v[RF_SEGMENT], &seg))) {
		if (segment_id(st, r->v[RF_SEGMENT], &seg, err, errlen) == -1)
			return -1;
		if (im != NULL)
			store_import_id_put(im->segments, &im->nsegments, r->v[RF_SEGMENT], seg);
	}
	/* An update may log a status change: the import's pending first
	 * rows come before it. */
	if (!inserting && store_import_log_flush(st, err, errlen) == -1)
		return -1;
	if (!inserting && new_status != NULL &&
	    client_status(st, id, &old_status, err, errlen) == -1)
		return -1;

	if ((s = put_stmt(st, r, inserting)) == NULL) {
		free(old_status);
		return store_fail(st, err, errlen, "preparing client write");
	}
	if (inserting) {
		if (owner) stmt_bind_int(s, idx, owner);
		idx++;
		if (seg) stmt_bind_int(s, idx, seg);
		idx++;
		stmt_bind_int(s, idx++, now);
		stmt_bind_int(s, idx++, now);
	} else {
		stmt_bind_int(s, idx++, now);
		if (r->v[RF_OWNER] != NULL) {
			if (owner) stmt_bind_int(s, idx, owner);
			idx++;
		}
		if (r->v[RF_SEGMENT] != NULL) {
			if (seg) stmt_bind_int(s, idx, seg);
			idx++;
		}
	}
	for (int f = 0; f < RF_COUNT; f++) {
		if (client_columns[f] == NULL || r->v[f] == NULL)
			continue;
		if (f == RF_DO_NOT_EMAIL && *r->v[f] == '\0')
			stmt_bind_int(s, idx++, 0);
		else if (f == RF_KIND && *r->v[f] == '\0')
			stmt_bind_text(s, idx++, "company");
		else if (f == RF_STATUS && *r->v[f] == '\0')
			stmt_bind_text(s, idx++, "active");
		else
			bind_field(s, idx++, (enum record_field)f, r->v[f]);
	}
	for (int f = 0; f < RF_COUNT; f++) {
		if (key_columns[f] == NULL || r->v[f] == NULL)
			continue;
		if (f == RF_NAME && *r->v[f] != '\0') {
			int owned;
			char *k = name_key(st, r, &owned);
			if (k != NULL) {
				stmt_bind_text(s, idx++, k);
				if (owned)
					free(k);
				continue;
			}
		}
		if (bind_import_key(st, s, idx++, r->v[f], r->key[f], f != RF_NAME) == -1) {
			free(old_status);
			snprintf(err, errlen, _("out of memory"));
			return -1;
		}
	}
	if (!inserting)
		stmt_bind_int(s, idx++, id);
	rc = stmt_step(s);
	if (inserting && rc == STMT_ROW) {
		id = stmt_int(s, 0);
		rc = STMT_DONE;
	}
	stmt_reset(s);
	if (rc != STMT_DONE) {
		free(old_status);
		return store_fail(st, err, errlen, inserting ? "adding client" : "updating client");
	}
	if (!inserting && stmt_changes(st) == 0) {
		free(old_status);
		store_no_such(st, err, errlen, N_("client"), id);
		return -1;
	}
	if (inserting && im != NULL)
		rc = store_import_log_add(st, id, err, errlen);
	else if (inserting) {
		const char *stv = new_status && *new_status ? new_status : "active";
		rc = log_status(st, id, NULL, stv, err, errlen);
	} else if (new_status != NULL && old_status != NULL &&
	    strcmp(old_status, *new_status ? new_status : "active") != 0)
		rc = log_status(st, id, old_status, *new_status ? new_status : "active",
		    err, errlen);
	else
		rc = 0;
	free(old_status);
	if (rc == -1)
		return -1;
	if (put_primary_contact(st, id, r, inserting, err, errlen) == -1)
		return -1;
	/* The keys this client may now be matched by (none go away: the
	 * filter may only say "maybe" too often). */
	if (im != NULL && im->keys.v != NULL) {
		store_import_key_add(im, KEY_TAX, r->v[RF_TAX_ID]);
		store_import_key_add(im, KEY_EMAIL, r->v[RF_EMAIL]);
		if (r->v[RF_NAME] != NULL && *r->v[RF_NAME] != '\0') {
			int owned;
			char *k = name_key(st, r, &owned);
			if (k == NULL) {
				snprintf(err, errlen, _("out of memory"));
				return -1;
			}
			store_import_key_add(im, KEY_NAME, k);
			store_import_name_add(st, k, id);
			if (owned)
				free(k);
		}
	}
	if (out_id != NULL)
		*out_id = id;
	return 0;
}

/* A match's candidates, counted one by one: the first is the id; from
 * the second on, err names the key and up to 10 of them. */
struct match {
	const char	*what, *key;
	long long	*id;
	int		 count;
	char		*err;
	size_t		 errlen;
};

static void
match_add(struct match *m, long long id)
{
	size_t n;

	if (m->count == 0)
		*m->id = id;
	else if (m->count == 1)
		snprintf(m->err, m->errlen, _("%s \"%s\" matches clients %lld, %lld"),
		    _(m->what), m->key, *m->id, id);
	else if (m->count < 10) {
		n = strlen(m->err);
		snprintf(m->err + n, m->errlen - n, ", %lld", id);
	}
	m->count++;
}

/* 0 one candidate, 1 none, 2 several (err says which). */
static int
match_end(struct match *m)
{
	if (m->count > 10) {
		size_t n = strlen(m->err);
		snprintf(m->err + n, m->errlen - n, _(" and %d more"), m->count - 10);
	}
	return m->count == 0 ? 1 : m->count == 1 ? 0 : 2;
}

/* One id from a single-column query with one text parameter.
 * 0 one row, 1 none, 2 several (ids of up to 10 candidates in err). */
static int
match_one(struct store *st, const char *sql, const char *key, long long *id,
    const char *what, char *err, size_t errlen)
{
	struct match m = { what, key, id, 0, err, errlen };
	struct stmt *s;
	int rc;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_text(s, 1, key);
	while ((rc = stmt_step(s)) == STMT_ROW)
		match_add(&m, stmt_int(s, 0));
	stmt_reset(s);
	if (rc != STMT_DONE)
		return store_fail(st, err, errlen, "matching client");
	return match_end(&m);
}

/* match_one over the candidates ids (ascending) of a bulk import's name
 * map: the same answer and message as by_name's query, each candidate
 * read by id. */
static int
match_ids(struct store *st, int taxed, const char *key, const long long *ids, size_t n,
    long long *id, const char *what, char *err, size_t errlen)
{
	static const char one[] =
	    "SELECT id FROM clients WHERE id = ?2 AND search_name = ?1";
	static const char one_untaxed[] =
	    "SELECT id FROM clients WHERE id = ?2 AND search_name = ?1 AND tax_id IS NULL";
	struct match m = { what, key, id, 0, err, errlen };
	struct stmt *s;
	int rc;

	for (size_t i = 0; i < n && m.count < 11; i++) {
		if ((s = stmt_get(st, taxed ? one_untaxed : one, err, errlen)) == NULL)
			return -1;
		stmt_bind_text(s, 1, key);
		stmt_bind_int(s, 2, ids[i]);
		rc = stmt_step(s);
		stmt_reset(s);
		if (rc == STMT_ROW)
			match_add(&m, ids[i]);
		else if (rc != STMT_DONE)
			return store_fail(st, err, errlen, "matching client");
	}
	return match_end(&m);
}

int
store_client_match(struct store *st, const struct record *r, long long *id,
    char *err, size_t errlen)
{
	static const char by_tax[] =
	    "SELECT id FROM clients WHERE tax_id = ? ORDER BY id LIMIT 11";
	static const char by_email[] =
	    "SELECT DISTINCT client_id FROM contacts WHERE email = ? COLLATE NOCASE"
	    " ORDER BY client_id LIMIT 11";
	/* Exact name, but found through the NOCASE index (a plain "name = ?"
	 * cannot use it and scanned every client for every imported row). */
	/* The same name up to case, accents and punctuation (search key). */
	static const char by_name[] =
	    "SELECT id FROM clients WHERE search_name = ?1 ORDER BY id LIMIT 11";
	/* A row that gives a tax id no client has is a company of its own: it
	 * may only take over a client by email or name if that client has no
	 * tax id yet (another tax id is another company). */
	static const char by_email_untaxed[] =
	    "SELECT DISTINCT p.client_id FROM contacts p JOIN clients c ON c.id = p.client_id"
	    " WHERE p.email = ? COLLATE NOCASE AND c.tax_id IS NULL"
	    " ORDER BY p.client_id LIMIT 11";
	static const char by_name_untaxed[] =
	    "SELECT id FROM clients WHERE search_name = ?1 AND tax_id IS NULL"
	    " ORDER BY id LIMIT 11";
	int taxed = r->v[RF_TAX_ID] != NULL && *r->v[RF_TAX_ID] != '\0';
	struct { const char *sql; enum record_field f; const char *what;
	    enum import_key k; } keys[] = {
		{ by_tax, RF_TAX_ID, N_("tax id"), KEY_TAX },
		{ taxed ? by_email_untaxed : by_email, RF_EMAIL, N_("email"), KEY_EMAIL },
		{ taxed ? by_name_untaxed : by_name, RF_NAME, N_("name"), KEY_NAME },
	};
	char *key = NULL;
	long long *ids;
	size_t nids;
	int rc = 1, owned, mrc;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = r->v[keys[i].f];
		if (v == NULL || *v == '\0')
			continue;
		if (keys[i].f == RF_NAME) {
			if ((v = name_key(st, r, &owned)) == NULL) {
				snprintf(err, errlen, _("out of memory"));
				return -1;
			}
			if (owned)
				key = (char *)(uintptr_t)v;
		}
		/* A key no client has (a large import's set): no match.  One
		 * that may be there is looked up, with its index. */
		if (!store_import_key_may(st->imp, keys[i].k, v))
			continue;
		ids = NULL;
		if (keys[i].k == KEY_NAME &&
		    (mrc = store_import_name_ids(st, v, &ids, &nids)) != 1) {
			if (mrc == -1) {
				free(key);
				snprintf(err, errlen, _("out of memory"));
				return -1;
			}
			rc = match_ids(st, taxed, v, ids, nids, id, keys[i].what, err, errlen);
			free(ids);
		} else if (store_import_restore_index(st, keys[i].k, err, errlen) == -1) {
			free(key);
			return -1;
		} else
			rc = match_one(st, keys[i].sql, v, id, keys[i].what, err, errlen);
		if (rc == 2) {
			size_t n = strlen(err);
			snprintf(err + n, errlen - n, _("; make the %s unique or give a "
			    "tax id"), _(keys[i].what));
			rc = -1;
		}
		if (rc != 1)
			break;
	}
	free(key);
	return rc;
}

/*
 * Clients whose key matches, in stages: the whole key, then a prefix of
 * it (a range over the index: "clinica" finds "clinica dental sonrisa"),
 * then anywhere in it ("dental"; a scan of the key index), then the same
 * for contact names.  The first stage that finds anything decides.
 */
static const char *const resolve_sql[] = {
	"SELECT id, name FROM clients WHERE id IN (SELECT id FROM clients"
	" WHERE search_name = ?1 LIMIT 11) ORDER BY name, id",
	"SELECT id, name FROM clients WHERE id IN (SELECT id FROM clients"
	" WHERE search_name >= ?1 AND search_name < ?2 LIMIT 11) ORDER BY name, id",
	/* The inner query reads only the key index (it covers search_name and id). */
	"SELECT id, name FROM clients WHERE id IN (SELECT id FROM clients"
	" WHERE instr(search_name, ?1) > 0 LIMIT 11) ORDER BY name, id",
	"SELECT id, name FROM clients WHERE id IN (SELECT client_id FROM contacts"
	" WHERE search_name >= ?1 AND search_name < ?2 OR instr(search_name, ?1) > 0"
	" LIMIT 11) ORDER BY name, id",
};

/* Upper bound of the keys that start with key: its last byte plus one
 * (UTF-8 never holds 0xFF, so this cannot overflow).  Malloc'd. */
static char *
prefix_end(const char *key)
{
	size_t n = strlen(key);
	char *hi = strdup(key);

	if (hi != NULL && n > 0)
		hi[n - 1] = (char)((unsigned char)hi[n - 1] + 1);
	return hi;
}

/*
 * Another client (not except) whose name has the name key k: its search
 * key without spaces is k, or k and a legal form ("talleresperez",
 * "talleresperezsl"...).  Each is one lookup in clients_name_key.
 */
static int
duplicate_name(struct store *st, const char *k, long long except, long long *id,
    char **name, char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT id, name FROM clients WHERE replace(search_name, ' ', '') = ?1"
	    " AND id <> ?2 ORDER BY id LIMIT 1";
	struct buf b = BUF_INIT;
	struct stmt *s;
	int rc, found = 0;

	for (int i = -1; i == -1 || record_legal_forms[i] != NULL; i++) {
		buf_reset(&b);
		if (buf_puts(&b, k) == -1 ||
		    (i >= 0 && buf_puts(&b, record_legal_forms[i]) == -1)) {
			buf_free(&b);
			snprintf(err, errlen, _("out of memory"));
			return -1;
		}
		if ((s = stmt_get(st, sql, err, errlen)) == NULL) {
			buf_free(&b);
			return -1;
		}
		stmt_bind_text(s, 1, b.data);
		stmt_bind_int(s, 2, except);
		rc = stmt_step(s);
		if (rc == STMT_ROW && (!found || stmt_int(s, 0) < *id)) {
			free(*name);
			*name = NULL;
			*id = stmt_int(s, 0);
			if (stmt_dup(s, 1, name) == -1) {
				stmt_reset(s);
				buf_free(&b);
				snprintf(err, errlen, _("out of memory"));
				return -1;
			}
			found = 1;
		}
		stmt_reset(s);
		if (rc != STMT_ROW && rc != STMT_DONE) {
			buf_free(&b);
			return store_fail(st, err, errlen, "looking for duplicate clients");
		}
	}
	buf_free(&b);
	return found ? 0 : 1;
}

int
store_client_duplicate(struct store *st, const struct record *r, long long except,
    long long *id, char *err, size_t errlen)
{
	static const char by_tax[] =
	    "SELECT id, name FROM clients WHERE tax_id = ?1 AND id <> ?2 ORDER BY id LIMIT 1";
	static const char by_name[] =
	    "SELECT id, name FROM clients WHERE name = ?1 AND id <> ?2 ORDER BY id LIMIT 1";
	static const char current[] = "SELECT name, tax_id FROM clients WHERE id = ?";
	const char *name = r->v[RF_NAME], *tax = r->v[RF_TAX_ID];
	char *key = NULL, *old_name = NULL, *old_key = NULL, *old_tax = NULL, *found = NULL;
	struct stmt *s;
	int rc, ret = 1;

	if (name != NULL && *name != '\0' && (key = record_name_key(name)) == NULL)
		goto oom;
	/* An edit that keeps the client's name key (or tax id) makes no new
	 * duplicate, even of one added on purpose (--allow-duplicate). */
	if (except > 0) {
		if ((s = stmt_get(st, current, err, errlen)) == NULL) {
			ret = -1;
			goto out;
		}
		stmt_bind_int(s, 1, except);
		rc = stmt_step(s);
		if (rc == STMT_ROW && (stmt_dup(s, 0, &old_name) == -1 ||
		    stmt_dup(s, 1, &old_tax) == -1)) {
			stmt_reset(s);
			goto oom;
		}
		stmt_reset(s);
		if (rc != STMT_ROW && rc != STMT_DONE) {
			ret = store_fail(st, err, errlen, "reading client");
			goto out;
		}
		if (old_name != NULL && (old_key = record_name_key(old_name)) == NULL)
			goto oom;
		if (key != NULL && old_key != NULL && *key != '\0' && strcmp(key, old_key) == 0)
			name = NULL;
		if (tax != NULL && old_tax != NULL && strcmp(tax, old_tax) == 0)
			tax = NULL;
	}
	if (tax != NULL && *tax != '\0') {
		if ((s = stmt_get(st, by_tax, err, errlen)) == NULL) {
			ret = -1;
			goto out;
		}
		stmt_bind_text(s, 1, tax);
		stmt_bind_int(s, 2, except);
		rc = stmt_step(s);
		if (rc == STMT_ROW) {
			*id = stmt_int(s, 0);
			snprintf(err, errlen, _("client %lld \"%s\" has the same tax id %s"), *id,
			    stmt_text(s, 1), tax);
			ret = 0;
		} else if (rc != STMT_DONE)
			ret = store_fail(st, err, errlen, "looking for duplicate clients");
		stmt_reset(s);
		if (ret != 1)
			goto out;
	}
	if (name == NULL || *name == '\0')
		goto out;
	if (*key != '\0')
		ret = duplicate_name(st, key, except, id, &found, err, errlen);
	else {
		/* Nothing but punctuation: the very same name. */
		if ((s = stmt_get(st, by_name, err, errlen)) == NULL) {
			ret = -1;
			goto out;
		}
		stmt_bind_text(s, 1, name);
		stmt_bind_int(s, 2, except);
		rc = stmt_step(s);
		if (rc == STMT_ROW) {
			*id = stmt_int(s, 0);
			if (stmt_dup(s, 1, &found) == -1) {
				stmt_reset(s);
				goto oom;
			}
			ret = 0;
		} else if (rc != STMT_DONE)
			ret = store_fail(st, err, errlen, "looking for duplicate clients");
		stmt_reset(s);
	}
	if (ret == 0)
		snprintf(err, errlen, _("client %lld \"%s\" has the same name"), *id,
		    found ? found : "");
	goto out;
oom:
	snprintf(err, errlen, _("out of memory"));
	ret = -1;
out:
	free(key);
	free(old_name);
	free(old_key);
	free(old_tax);
	free(found);
	return ret;
}

int
store_client_resolve(struct store *st, const char *ref, long long *id,
    char *err, size_t errlen)
{
	static const char by_id[] = "SELECT id FROM clients WHERE id = ?";
	struct stmt *s;
	char *end, *key = NULL, *hi = NULL;
	long long v;
	int rc, ret = -1;

	if (ref == NULL || *ref == '\0') {
		snprintf(err, errlen, _("no client given"));
		return -1;
	}
	v = strtoll(ref, &end, 10);
	if (*end == '\0' && v > 0) {
		if ((s = stmt_get(st, by_id, err, errlen)) == NULL)
			return -1;
		stmt_bind_int(s, 1, v);
		rc = stmt_step(s);
		stmt_reset(s);
		if (rc == STMT_ROW) {
			*id = v;
			return 0;
		}
		if (rc != STMT_DONE)
			return store_fail(st, err, errlen, "looking up client");
		/* A numeric name is still a name: fall through. */
	}
	if ((key = record_search_key(ref)) == NULL || (hi = prefix_end(key)) == NULL) {
		snprintf(err, errlen, _("out of memory"));
		goto out;
	}
	for (size_t q = 0; *key != '\0' && q < sizeof(resolve_sql) / sizeof(resolve_sql[0]);
	    q++) {
		int count = 0;
		size_t n;

		if ((s = stmt_get(st, resolve_sql[q], err, errlen)) == NULL)
			goto out;
		stmt_bind_text(s, 1, key);
		if (strstr(resolve_sql[q], "?2") != NULL)
			stmt_bind_text(s, 2, hi);
		n = (size_t)snprintf(err, errlen, _("client \"%s\" is ambiguous:"), ref);
		while ((rc = stmt_step(s)) == STMT_ROW) {
			if (count == 0)
				*id = stmt_int(s, 0);
			/* A name from the database, quoted and escaped (a line
			 * break in it must not start a line of the message). */
			if (count < 10 && n < errlen) {
				n += (size_t)snprintf(err + n, errlen - n, "%s %lld ",
				    count ? "," : "", (long long)stmt_int(s, 0));
				if (n < errlen)
					n += escape_into(err + n, errlen - n, stmt_text(s, 1) ?
					    stmt_text(s, 1) : "", ESCAPE_QUOTED);
			}
			count++;
		}
		stmt_reset(s);
		if (rc != STMT_DONE) {
			store_fail(st, err, errlen, "looking up client");
			goto out;
		}
		if (count == 1) {
			ret = 0;
			goto out;
		}
		if (count > 1) {
			if (count > 10 && n < errlen)
				snprintf(err + n, errlen - n, _(" and more"));
			if (strlen(err) < errlen)
				snprintf(err + strlen(err), errlen - strlen(err),
				    _("; give the id"));
			goto out;
		}
	}
	snprintf(err, errlen, _("no client matches \"%s\""), ref);
out:
	free(key);
	free(hi);
	return ret;
}

int
store_client_differs(struct store *st, long long id, const struct record *r,
    int *differs, char *err, size_t errlen)
{
	/* Every record field in RF_ order, as record_normalize writes it. */
	static const char sql[] =
	    "SELECT c.name, c.kind, c.status, s.name, c.sector, p.email, p.phone, p.name,"
	    " p.role, c.address, c.city, c.postal_code, c.country, c.tax_id, o.email,"
	    " c.notes, c.cadence_days, c.next_contact, c.do_not_email, c.followup"
	    " FROM clients c LEFT JOIN segments s ON s.id = c.segment_id"
	    " LEFT JOIN owners o ON o.id = c.owner_id"
	    " LEFT JOIN contacts p ON p.client_id = c.id AND p.is_primary = 1"
	    " WHERE c.id = ?";
	struct stmt *s;
	char num[32];
	int rc;

	*differs = 0;
	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, id);
	rc = stmt_step(s);
	for (int f = 0; rc == STMT_ROW && f < RF_COUNT && !*differs; f++) {
		const char *have = NULL, *want = r->v[f];

		if (want == NULL)
			continue;
		if (!stmt_is_null(s, f)) {
			if (f == RF_CADENCE || f == RF_DO_NOT_EMAIL || f == RF_FOLLOWUP) {
				snprintf(num, sizeof(num), "%lld", stmt_int(s, f));
				have = num;
			} else
				have = stmt_text(s, f);
		}
		if (*want == '\0' || have == NULL)
			*differs = (*want == '\0') != (have == NULL);
		else if (f == RF_EMAIL || f == RF_OWNER || f == RF_SEGMENT)
			*differs = strcasecmp(have, want) != 0;
		else
			*differs = strcmp(have, want) != 0;
	}
	stmt_reset(s);
	if (rc == STMT_DONE) {
		snprintf(err, errlen, _("no client with id %lld"), id);
		return -1;
	}
	if (rc != STMT_ROW)
		return store_fail(st, err, errlen, "reading client");
	return 0;
}

int
store_client_owner(struct store *st, long long client, long long *owner,
    char *err, size_t errlen)
{
	static const char sql[] = "SELECT owner_id FROM clients WHERE id = ?";

	return int_by_id(st, sql, client, owner, N_("client"), err, errlen);
}

int
store_client_delete(struct store *st, long long id, int force, char *err, size_t errlen)
{
	static const char hist[] =
	    "SELECT (SELECT count(*) FROM interactions WHERE client_id = ?1),"
	    " (SELECT count(*) FROM invoices WHERE client_id = ?1)";
	static const char del[] = "DELETE FROM clients WHERE id = ?";
	struct stmt *s;
	long long ni = 0, nv = 0;

	if (!force) {
		if ((s = stmt_get(st, hist, err, errlen)) == NULL)
			return -1;
		stmt_bind_int(s, 1, id);
		if (stmt_step(s) == STMT_ROW) {
			ni = stmt_int(s, 0);
			nv = stmt_int(s, 1);
		}
		stmt_reset(s);
		if (ni > 0 || nv > 0) {
			snprintf(err, errlen, _("client %lld has %lld interactions and %lld "
			    "invoices; mark it lost (--status lost) to keep its history, "
			    "or delete with --force"), id, ni, nv);
			return -1;
		}
	}
	if ((s = stmt_get(st, del, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, id);
	if (stmt_done(st, s, err, errlen, "deleting client") == -1)
		return -1;
	if (stmt_changes(st) == 0) {
		store_no_such(st, err, errlen, N_("client"), id);
		return -1;
	}
	return 0;
}

/* Client columns under their record names, plus derived ones. */
#define CLIENT_SELECT \
	"SELECT c.id, c.name, c.kind, c.status, s.name AS segment, c.sector," \
	" p.email, p.phone, p.name AS contact, p.role, c.address, c.city," \
	" c.postal_code, c.country, c.tax_id, o.email AS owner, o.tz, c.notes," \
	" c.cadence_days AS cadence, c.next_contact, c.next_contact_by, c.do_not_email," \
	" CASE c.followup WHEN 1 THEN 'yes' WHEN 0 THEN 'no' END AS followup_emails," \
	" c.payment_method, c.payment_days, c.orders," \
	" c.last_touch_at, c.last_touch_kind, c.last_outcome, c.purchases," \
	" c.first_purchase, c.last_purchase, c.median_interval," \
	" c.created_at, c.updated_at" \
	" FROM clients c LEFT JOIN segments s ON s.id = c.segment_id" \
	" LEFT JOIN owners o ON o.id = c.owner_id" \
	" LEFT JOIN contacts p ON p.client_id = c.id AND p.is_primary = 1"

/*
 * The client list, led by what narrows it most: a city through its key's
 * index, a part of a name through a scan of the key indexes only (client
 * names and contact names), else the table.  The statements differ only
 * in that first condition; ?4 (city), ?5 (search) and ?7 (sector) are
 * search keys.
 */
#define CLIENT_LIST_SELECT \
	"SELECT c.id, c.name, c.kind, c.status, s.name AS segment, c.city," \
	" o.email AS owner, p.email, p.phone, c.last_touch_at, o.tz" \
	" FROM clients c LEFT JOIN segments s ON s.id = c.segment_id" \
	" LEFT JOIN owners o ON o.id = c.owner_id" \
	" LEFT JOIN contacts p ON p.client_id = c.id AND p.is_primary = 1"
#define CLIENT_LIST_WHERE \
	" (?1 IS NULL OR c.status = ?1)" \
	" AND (?2 IS NULL OR s.name = ?2)" \
	" AND (?3 IS NULL OR o.email = ?3)" \
	" AND (?4 IS NULL OR c.search_city = ?4)" \
	" AND (?7 IS NULL OR c.search_sector = ?7)" \
	" ORDER BY c.name COLLATE NOCASE, c.id LIMIT ?6"

int
store_client_list(struct store *st, const struct client_filter *f, store_row_fn fn,
    void *arg, char *err, size_t errlen)
{
#define CLIENT_LIST_SEARCH \
	" c.id IN (SELECT id FROM clients WHERE instr(search_name, ?5) > 0" \
	"  UNION SELECT client_id FROM contacts WHERE instr(search_name, ?5) > 0)"
	static const char all[] = CLIENT_LIST_SELECT " WHERE" CLIENT_LIST_WHERE;
	static const char by_city[] = CLIENT_LIST_SELECT
	    " WHERE c.search_city = ?4 AND (?5 IS NULL OR" CLIENT_LIST_SEARCH ") AND"
	    CLIENT_LIST_WHERE;
	static const char by_search[] = CLIENT_LIST_SELECT " WHERE" CLIENT_LIST_SEARCH " AND"
	    CLIENT_LIST_WHERE;
	const char *sql = f->city != NULL && *f->city != '\0' ? by_city :
	    f->search != NULL && *f->search != '\0' ? by_search : all;
	struct stmt *s;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_opt(s, 1, f->status);
	stmt_bind_opt(s, 2, f->segment);
	stmt_bind_opt(s, 3, f->owner);
	if (stmt_bind_key(s, 4, f->city) == -1 || stmt_bind_key(s, 5, f->search) == -1 ||
	    stmt_bind_key(s, 7, f->sector) == -1) {
		snprintf(err, errlen, _("out of memory"));
		return -1;
	}
	stmt_bind_int(s, 6, f->limit > 0 ? f->limit : STORE_NO_LIMIT);
	return stmt_rows(st, s, fn, arg, err, errlen);
}

int
store_client_show(struct store *st, long long id, store_row_fn fn, void *arg,
    char *err, size_t errlen)
{
	static const char sql[] = CLIENT_SELECT " WHERE c.id = ?";
	struct stmt *s;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, id);
	return stmt_rows(st, s, fn, arg, err, errlen);
}

int
store_client_export(struct store *st, store_row_fn fn, void *arg, char *err, size_t errlen)
{
	/* Exactly the record fields, in record order: import reads it back. */
	static const char sql[] =
	    "SELECT c.name, c.kind, c.status, s.name AS segment, c.sector,"
	    " p.email, p.phone, p.name AS contact, p.role, c.address, c.city,"
	    " c.postal_code, c.country, c.tax_id, o.email AS owner, c.notes,"
	    " c.cadence_days AS cadence, c.next_contact,"
	    " CASE c.do_not_email WHEN 1 THEN 'yes' ELSE 'no' END AS do_not_email,"
	    " CASE c.followup WHEN 1 THEN 'yes' WHEN 0 THEN 'no' END AS followup_emails,"
	    " c.payment_method, c.payment_days, c.orders"
	    " FROM clients c LEFT JOIN segments s ON s.id = c.segment_id"
	    " LEFT JOIN owners o ON o.id = c.owner_id"
	    " LEFT JOIN contacts p ON p.client_id = c.id AND p.is_primary = 1"
	    " ORDER BY c.id";
	struct stmt *s;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	return stmt_rows(st, s, fn, arg, err, errlen);
}

int
store_client_unsub_token(struct store *st, long long id, char **token,
    char *err, size_t errlen)
{
	static const char sel[] = "SELECT unsub_token FROM clients WHERE id = ?";
	static const char upd[] =
	    "UPDATE clients SET unsub_token = ? WHERE id = ? AND unsub_token IS NULL";
	struct stmt *s;
	char tok[40];
	int rc;

	for (int attempt = 0; attempt < 2; attempt++) {
		if ((s = stmt_get(st, sel, err, errlen)) == NULL)
			return -1;
		stmt_bind_int(s, 1, id);
		rc = stmt_step(s);
		*token = NULL;
		if (rc == STMT_ROW && stmt_dup(s, 0, token) == -1)
			rc = STMT_ERROR;
		stmt_reset(s);
		if (rc == STMT_DONE) {
			store_no_such(st, err, errlen, N_("client"), id);
			return -1;
		}
		if (rc != STMT_ROW)
			return store_fail(st, err, errlen, "reading unsubscribe token");
		if (*token != NULL)
			return 0;
		if (store_token(tok, sizeof(tok)) == -1) {
			snprintf(err, errlen, _("cannot get random bytes: %s"), strerror(errno));
			return -1;
		}
		if ((s = stmt_get(st, upd, err, errlen)) == NULL)
			return -1;
		stmt_bind_text(s, 1, tok);
		stmt_bind_int(s, 2, id);
		if (stmt_done(st, s, err, errlen, "storing unsubscribe token") == -1)
			return -1;
	}
	snprintf(err, errlen, _("could not make an unsubscribe token for client %lld"), id);
	return -1;
}

int
store_client_unsub_lookup(struct store *st, const char *token, long long *id, int *done,
    char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT id, do_not_email FROM clients WHERE unsub_token = ?";
	struct stmt *s;
	int rc;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_text(s, 1, token);
	rc = stmt_step(s);
	if (rc == STMT_ROW) {
		*id = stmt_int(s, 0);
		*done = stmt_int(s, 1) != 0;
	}
	stmt_reset(s);
	if (rc == STMT_DONE)
		return 1;
	if (rc != STMT_ROW)
		return store_fail(st, err, errlen, "looking up an unsubscribe link");
	return 0;
}

int
store_client_unsubscribe_id(struct store *st, long long id, char *err, size_t errlen)
{
	static const char sql[] =
	    "UPDATE clients SET do_not_email = 1, updated_at = ? WHERE id = ?";
	struct stmt *s;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, clock_now());
	stmt_bind_int(s, 2, id);
	if (stmt_done(st, s, err, errlen, "unsubscribing") == -1)
		return -1;
	return stmt_changes(st) > 0 ? 0 : 1;
}

int
store_client_tz(struct store *st, long long client, const char *fallback, char **tz,
    char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT o.tz FROM clients c LEFT JOIN owners o ON o.id = c.owner_id WHERE c.id = ?";

	if (text_by_id(st, sql, client, tz, N_("client"), err, errlen) == -1)
		return -1;
	if (*tz == NULL && (*tz = strdup(fallback)) == NULL) {
		snprintf(err, errlen, _("out of memory"));
		return -1;
	}
	return 0;
}

/* ---- contacts ------------------------------------------------------ */

int
store_contact_add(struct store *st, long long client, const char *name, const char *role,
    const char *email, const char *phone, int primary, long long *id,
    char *err, size_t errlen)
{
	static const char demote[] =
	    "UPDATE contacts SET is_primary = 0 WHERE client_id = ? AND is_primary = 1";
	static const char has_primary[] =
	    "SELECT count(*) FROM contacts WHERE client_id = ? AND is_primary = 1";
	static const char ins[] =
	    "INSERT INTO contacts (client_id, name, role, email, phone, is_primary, search_name)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id";
	static const char touch_client[] = "UPDATE clients SET updated_at = ? WHERE id = ?";
	struct stmt *s;

	if (primary) {
		if ((s = stmt_get(st, demote, err, errlen)) == NULL)
			return -1;
		stmt_bind_int(s, 1, client);
		if (stmt_done(st, s, err, errlen, "updating contacts") == -1)
			return -1;
	} else {
		/* The first contact of a client is its primary one. */
		if ((s = stmt_get(st, has_primary, err, errlen)) == NULL)
			return -1;
		stmt_bind_int(s, 1, client);
		primary = stmt_step(s) == STMT_ROW && stmt_int(s, 0) == 0;
		stmt_reset(s);
	}
	if ((s = stmt_get(st, ins, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, client);
	stmt_bind_opt(s, 2, name);
	stmt_bind_opt(s, 3, role);
	stmt_bind_opt(s, 4, email);
	stmt_bind_opt(s, 5, phone);
	stmt_bind_int(s, 6, primary != 0);
	if (stmt_bind_key(s, 7, name) == -1) {
		snprintf(err, errlen, _("out of memory"));
		return -1;
	}
	if (stmt_insert(st, s, id, err, errlen, "adding contact") == -1)
		return -1;
	/* A contact is part of the client's record (and of its feed events). */
	if ((s = stmt_get(st, touch_client, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, clock_now());
	stmt_bind_int(s, 2, client);
	return stmt_done(st, s, err, errlen, "updating client");
}

int
store_contact_list(struct store *st, long long client, store_row_fn fn, void *arg,
    char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT id, name, role, email, phone, is_primary AS \"primary\""
	    " FROM contacts WHERE client_id = ? ORDER BY is_primary DESC, id";
	struct stmt *s;

	if ((s = stmt_get(st, sql, err, errlen)) == NULL)
		return -1;
	stmt_bind_int(s, 1, client);
	return stmt_rows(st, s, fn, arg, err, errlen);
}
