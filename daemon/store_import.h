/*
 * store_import.h - the store's state for one client import (store
 * private: store_clients.c and store_import.c only): the owners and
 * segments it has named, the search keys it made, the inserted clients
 * whose first status-log rows are still to write, and on a large SQLite
 * import the indexes dropped and the set of key hashes that answers for
 * the matching's indexes.  Not an interface for callers:
 * they use store_client_import_begin (store.h).
 */
#ifndef STORE_IMPORT_H
#define STORE_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "hash.h"

struct store;

enum import_key { KEY_TAX, KEY_EMAIL, KEY_NAME };
struct import_id {
	char		*name;
	long long	 id;
};
#define IMPORT_CACHE	64	/* owners and segments remembered */
#define IMPORT_MEMO	256	/* search keys remembered (a power of two) */
struct store_import {
	char		**index_sql;	/* CREATE INDEX of each index dropped */
	size_t		 nindex;
	char		*match_sql[3];	/* by import_key: the matching's index,
					 * when dropped (built again, and NULL,
					 * at the first row that may match by
					 * that key) */
	struct u64set	 keys;		/* hashes of the keys clients may have
					 * (key_hash); keys.v NULL: a small
					 * import, no set */
	int		 keys_lost;	/* out of memory: every key "may" match */
	int		 no_email_keys;	/* emails always looked up (PostgreSQL:
					 * its nocase collation's equality is
					 * ICU's, not the set's ASCII folding) */
	struct u64set	 names;		/* name key -> client id, for the rows
					 * whose name key may be a client's:
					 * (hash tag << 32) | id; names.v NULL:
					 * not kept (the index answers) */
	int		 names_kept;	/* names answers for name keys (the set
					 * holds none); names.v NULL then: the
					 * map ended, the index answers */
	struct import_id owners[IMPORT_CACHE], segments[IMPORT_CACHE];
	int		 nowners, nsegments;
	char		*name, *name_key;	/* the last name and its search key */
	long long	 log_lo, log_hi;	/* clients inserted whose first
					 * status-log row is still to write
					 * (0: none) */
	struct {				/* search keys of repeated values */
		char	*v, *key;		/* (cities, sectors), by hash of v */
	}		 memo[IMPORT_MEMO];
};

/* The search key of name v (record_search_key): during an import the
 * matching and the write of a row ask for the same one.  NULL: out of
 * memory.  *owned: the caller frees it. */
char	*store_import_name_key(struct store *, const char *v, int *owned);
/* The search key of v (record_search_key), the same as the last name's
 * when v is that name, else, with memo, remembered for the next rows
 * that give v (a city or sector: a few values on many rows).  NULL: out
 * of memory.  *owned: the caller frees it. */
char	*store_import_key(struct store *, const char *v, int memo, int *owned);
/* Client id was inserted: its first status-log row ("" -> its status) is
 * written with those of the clients inserted next, in one statement, at
 * the next store_import_log_flush (before any update of a client, and
 * before the COMMIT), so the log's rows come in the same order as one by
 * one. */
int	 store_import_log_add(struct store *, long long id, char *err, size_t errlen);
int	 store_import_log_flush(struct store *, char *err, size_t errlen);
/* Key v (of kind) is now one a client may have. */
void	 store_import_key_add(struct store_import *, enum import_key, const char *v);
/* 0: no client has key v; 1: one may (or there is no set). */
int	 store_import_key_may(const struct store_import *, enum import_key, const char *v);
/* Client id may now be found by name key v (a bulk import's map; an id
 * too large for it, or no memory, ends the map: the index answers). */
void	 store_import_name_add(struct store *, const char *v, long long id);
/* The ids of the clients whose name key may be v, ascending, without
 * repeats: *ids (the caller frees it), *n.  0, or 1 when the map is not
 * kept (ask the index), -1 out of memory. */
int	 store_import_name_ids(struct store *, const char *v, long long **ids,
	    size_t *n);
/* The matching's index for key k again, when the bulk path dropped it. */
int	 store_import_restore_index(struct store *, enum import_key k, char *err,
	    size_t errlen);
/* The id remembered for name (1) or 0; remember one. */
int	 store_import_id_get(const struct import_id *, int n, const char *name,
	    long long *id);
void	 store_import_id_put(struct import_id *, int *n, const char *name, long long id);

#endif
