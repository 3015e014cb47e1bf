/*
 * store.h - the portfolio: the only module that speaks SQL.
 *
 * Opens the database (a SQLite file; the engine is chosen by the path),
 * creates or migrates the schema, and offers typed functions and row
 * structs for everything the rest of Cartera reads and writes.  No engine
 * handle or statement crosses this header.  It stores and queries; it
 * knows nothing of mail, HTTP or command lines.  Instants are UTC epoch
 * seconds; dates that mean a local day are "YYYY-MM-DD" text; money is
 * integer cents.
 *
 * The store's files: store.c (connection, transactions, engine dispatch,
 * statement cache), store_schema.c (creation script) and store_migrate.c
 * (migrations), store_owners.c (owners, teams), store_clients.c
 * (segments, clients, contacts), store_import.c (an import as a whole:
 * the bulk load), store_history.c (interactions, activities, invoices,
 * NPS, costs), store_web.c (the web page's own reads and action
 * records), store_sqlite.c (the SQLite engine), all behind
 * store_engine.h.
 *
 * Every function returns 0 on success and -1 on failure with a message in
 * err (errlen bytes).  Lookups that may legitimately find nothing return 1.
 */
#ifndef CARTERA_STORE_H
#define CARTERA_STORE_H

#include <stddef.h>
#include <time.h>

#include "record.h"

#define STORE_SCHEMA_VERSION	16

#define STORE_CREATE	0x01	/* create the file (and schema) if missing */
#define STORE_READONLY	0x02

struct store;

int	 store_open(const char *path, int flags, struct store **out,
	    char *err, size_t errlen);
void	 store_close(struct store *);
/*
 * Is the database file open to others (S_IRWXO)?  1 with a message in
 * msg ("PATH is readable by others (mode 0644); chmod o-rwx PATH"), 0
 * when it is not or is no file (a server URL).
 */
int	 store_exposed(const char *path, char *msg, size_t msglen);
/* How long a statement waits for another writer's lock: set at open to
 * STORE_BUSY_TIMEOUT_MS, or to $CARTERA_BUSY_TIMEOUT_MS (tests). */
#define STORE_BUSY_TIMEOUT_MS	10000
void	 store_set_busy_timeout(struct store *, int ms);
const char *store_path(const struct store *);
/*
 * The connection of a job of workers_run() (workers.h): the caller's own,
 * lent, on the caller's thread (here), else a new read-only one on the
 * same database.  0, or -1 with err set.  store_job_end() gives it back
 * (closes it unless it was lent).
 */
int	 store_job_begin(struct store *lent, int here, struct store **st, char *err,
	    size_t errlen);
void	 store_job_end(struct store *lent, struct store *st);
/* This open created the schema (a new database). */
int	 store_created(const struct store *);

/* A write transaction: takes the write lock now (SQLite: BEGIN IMMEDIATE).
 * Rollback never fails loudly. */
int	 store_begin(struct store *, char *err, size_t errlen);
int	 store_commit(struct store *, char *err, size_t errlen);
void	 store_rollback(struct store *);
/* A read transaction: every read until store_read_end sees one snapshot
 * of the database, whoever commits meanwhile. */
int	 store_read_begin(struct store *, char *err, size_t errlen);
void	 store_read_end(struct store *);
/* Changes whenever another connection commits (SQLite: PRAGMA
 * data_version; PostgreSQL: a notification on cartera_changes). */
int	 store_data_version(struct store *, long long *v);
/* A descriptor to poll: readable when another connection may have
 * committed (then ask store_data_version).  -1 when the engine has none
 * (SQLite: watch the database's directory instead).  Owned by the store. */
int	 store_notify_fd(struct store *);
/* "SQLite" or "PostgreSQL". */
const char *store_engine_name(const struct store *);
/* path names a database server (postgresql://...) rather than a file. */
int	 store_is_server(const char *path);
/* The password for database servers, for every later store_open (NULL:
 * libpq's own, PGPASSFILE or ~/.pgpass).  Copied.  -1 out of memory. */
int	 store_set_password(const char *pw);
/*
 * Work that several daemons on one database must not do at once (a
 * scheduling cycle): *got is 1 when this connection now holds the lock
 * named key, 0 when another holds it.  Held until store_unlock or the
 * connection ends (a killed daemon's lock goes with it).  On SQLite (one
 * daemon per file) always got.
 */
int	 store_try_lock(struct store *, long long key, int *got, char *err, size_t errlen);
void	 store_unlock(struct store *, long long key);
/* "ok", or the first problem PRAGMA quick_check reports. */
int	 store_check(struct store *, char *err, size_t errlen);

/*
 * A consistent copy of the open database in path, safe while other
 * processes write: SQLite's online backup API reads one snapshot (WAL: the
 * writers are not held up), into a temporary file next to path that is
 * made a standalone database (journal_mode DELETE), checked
 * (integrity_check), fsynced and renamed over path; the directory is
 * fsynced too.  On failure path is untouched and no temporary file is
 * left, and err reads "backup to PATH failed: REASON".  Refuses a path
 * that is the database (or its -wal, -shm, -journal) or an existing
 * non-regular file.  progress (may be NULL) is called after each chunk of
 * pages with the pages still to copy and the total.  *pages and *bytes
 * (either may be NULL) get the size of the copy.
 */
typedef void (*store_progress_fn)(int remaining, int total, void *arg);
int	 store_backup(struct store *, const char *path, store_progress_fn progress,
	    void *arg, long long *pages, long long *bytes, char *err, size_t errlen);

/*
 * The whole portfolio of from into to (either engine, to opened with
 * STORE_CREATE): every table in id order, in one transaction on to, from
 * one snapshot of from, then counted and checksummed on both sides (each
 * table in a canonical order) before the commit; any difference rolls it
 * all back.  A to that holds rows is refused unless replace (then its
 * rows go first).  *out (caller frees the array) has one entry per table,
 * parents first.
 */
struct store_copy_table {
	const char	*table;		/* static */
	long long	 rows;
	unsigned long	 checksum;	/* CRC-32 of the rows, both sides */
};
int	 store_copy(struct store *from, struct store *to, int replace,
	    struct store_copy_table **out, size_t *n, char *err, size_t errlen);

/*
 * For upgrade tests: a new database at path built the way an older
 * Cartera built it, by running the migrations 1..version in turn (a
 * normal open creates the current schema in one step).
 */
int	 store_create_old(const char *path, int version, char *err, size_t errlen);

/* A result row handed to a callback; valid only during the call. */
enum store_type { STORE_NULL, STORE_INT, STORE_REAL, STORE_TEXT };
struct store_row {
	int			 ncols;
	const char *const	*names;
	const char *const	*values;	/* NULL for SQL NULL */
	const enum store_type	*types;
};
/* Return non-zero to stop the iteration. */
typedef int (*store_row_fn)(const struct store_row *, void *arg);
/* The value of column name in r (NULL: SQL NULL, or no such column). */
const char *store_row_value(const struct store_row *, const char *name);
/* Random URL-safe token of 32 characters (192 bits from getrandom). */
int	 store_token(char *out, size_t len);

/* Owners (salespeople). */
struct owner {
	long long	 id;
	char		*email;
	char		*name;
	char		*tz;
	char		*digest_at;	/* "HH:MM" local */
	char		*lang;		/* "es" | "en" */
	char		*feed_token;
	char		*team;		/* NULL = none */
	int		 active;
	char		*last_digest_day;	/* "YYYY-MM-DD" or NULL */
	time_t		 created_at;
	char		*phone;		/* NULL = none; for emails to clients */
	char		*signature;	/* NULL = none; lines ending an email to a client */
	char		*days;		/* working weekdays ("mon-fri"); NULL = digest.days */
	char		*holidays;	/* "YYYY-MM-DD ..."; NULL = digest.holidays */
	char		*page_token;	/* the secret of /me/TOKEN and of signed links */
};
void	 store_owner_clear(struct owner *);
/* in->feed_token is ignored: a new random token is made. */
int	 store_owner_add(struct store *, const struct owner *in, long long *id,
	    char *err, size_t errlen);
/* Fields left NULL (and active < 0) are unchanged; phone and signature
 * "" clear them. */
int	 store_owner_update(struct store *, const char *email, const struct owner *in,
	    char *err, size_t errlen);
/* 0 found, 1 not found, -1 error.  *out is filled and owned by the caller. */
int	 store_owner_get(struct store *, const char *email, struct owner *out,
	    char *err, size_t errlen);
int	 store_owner_get_id(struct store *, long long id, struct owner *out,
	    char *err, size_t errlen);
/* All owners (active_only: only active), ordered by id.  Caller frees
 * each with store_owner_clear and the array with free. */
int	 store_owner_load(struct store *, int active_only, struct owner **out,
	    size_t *n, char *err, size_t errlen);
int	 store_owner_list(struct store *, store_row_fn, void *arg, char *err, size_t errlen);
/*
 * The owner of a new client given none: with exactly one active
 * salesperson, that one (0, *email owned by the caller); with none, no
 * owner (1); with several, none may be guessed (2, err reads "there are
 * 2 salespeople (ana@x, bob@y)").  -1 on error.
 */
int	 store_owner_default(struct store *, char **email, char *err, size_t errlen);
int	 store_owner_rotate_token(struct store *, const char *email, char **token,
	    char *err, size_t errlen);
/* A new page token (the secret of /me/TOKEN and of the signed links). */
int	 store_owner_rotate_page_token(struct store *, const char *email, char **token,
	    char *err, size_t errlen);
int	 store_owner_set_digest_day(struct store *, long long id, const char *day,
	    char *err, size_t errlen);

/* Teams: a named group of owners (or all of them) with its own feed token. */
int	 store_team_add(struct store *, const char *name, int all_owners,
	    char *err, size_t errlen);
int	 store_team_list(struct store *, store_row_fn, void *arg, char *err, size_t errlen);
int	 store_team_rotate_token(struct store *, const char *name, char **token,
	    char *err, size_t errlen);

/* Clients. */
struct client_filter {
	const char	*status;
	const char	*segment;
	const char	*owner;		/* email */
	const char	*city;		/* the same city, by search key */
	const char	*sector;	/* the same sector, by search key */
	const char	*search;	/* part of the name or a contact's, by search key */
	long		 limit;		/* 0 = all */
};
/*
 * Insert (id == 0) or update client id with the fields given in r (NULL =
 * not given, "" = clear).  Values must already be normalised by
 * record_normalize().  Owner and segment are resolved by name; the email,
 * phone, contact and role fields go to the primary contact.
 */
int	 store_client_put(struct store *, long long id, const struct record *r,
	    long long *out_id, char *err, size_t errlen);
/* Find the client r describes: tax id, else email, else name (the same
 * record_name_key, or the exact name when it has no key); when r gives a
 * tax id that no client has, only clients without a tax id can match by
 * email or name.  0 found (*id), 1 none, -1 error (ambiguous match named
 * in err). */
int	 store_client_match(struct store *, const struct record *r, long long *id,
	    char *err, size_t errlen);
/*
 * An import of about `rows` clients starts, and with it its write
 * transaction (ended by store_commit or store_rollback): owners and
 * segments are looked up once.  On SQLite, an import of at least 1,000
 * rows and of at least as many rows as there are clients takes the bulk
 * path: the indexes the matching does not read are dropped and built again
 * at the COMMIT (a rollback keeps them as they were), and when no other
 * connection has the database open, its pages are written once, under a
 * rollback journal, instead of to the WAL and again at the checkpoint
 * (other connections then wait for the COMMIT).  On PostgreSQL such
 * an import keeps its indexes but, as the bulk path does, looks up no tax
 * id or name key that no client has (a set of their hashes answers).  1
 * bulk, 0 not, -1 error (roll back).
 */
int	 store_client_import_begin(struct store *, size_t rows, char *err, size_t errlen);
/*
 * A client other than `except` (0: any) that r would duplicate: the same
 * tax id, or the same name by record_name_key ("Talleres Pérez S.L." is
 * "talleres perez sl").  Only the fields r gives are compared, and for an
 * edit (except > 0) only those that change except's name key or tax id.
 * 0 found (*id, and err says which client and what is the same), 1 none,
 * -1 error.
 */
int	 store_client_duplicate(struct store *, const struct record *r, long long except,
	    long long *id, char *err, size_t errlen);
/* "42" or an unambiguous name -> id, the name compared by search key
 * (record_search_key): the whole name, else its start, else any part of
 * it, else a contact's name.  Ambiguity lists the candidates. */
int	 store_client_resolve(struct store *, const char *ref, long long *id,
	    char *err, size_t errlen);
/* Would writing r to client id change anything?  *differs 0 when every
 * field r gives (normalised, NULL = not given, "" = clear) is already the
 * client's: an unchanged row of a re-imported export. */
int	 store_client_differs(struct store *, long long id, const struct record *r,
	    int *differs, char *err, size_t errlen);
/* Owner id of a client: 0 found, 1 the client has none, -1 error. */
int	 store_client_owner(struct store *, long long client, long long *owner,
	    char *err, size_t errlen);
int	 store_client_delete(struct store *, long long id, int force,
	    char *err, size_t errlen);
/* Listings that hold instants (columns "at", "*_at": UTC epoch seconds)
 * carry the zone of the client's salesperson as column "tz" (NULL: no
 * salesperson), for showing them as local times. */
int	 store_client_list(struct store *, const struct client_filter *,
	    store_row_fn, void *arg, char *err, size_t errlen);
/* One row with every field of the client (the record names as columns). */
int	 store_client_show(struct store *, long long id, store_row_fn, void *arg,
	    char *err, size_t errlen);
/* Every client as records in canonical column order, for export. */
int	 store_client_export(struct store *, store_row_fn, void *arg,
	    char *err, size_t errlen);
/* The unsubscribe token of a client, made on first use. Caller frees. */
int	 store_client_unsub_token(struct store *, long long id, char **token,
	    char *err, size_t errlen);
/* The client holding an unsubscribe token (read only): 0 found (*id, and
 * *done when it is already do-not-email), 1 unknown token. */
int	 store_client_unsub_lookup(struct store *, const char *token, long long *id,
	    int *done, char *err, size_t errlen);
/* Mark client id do-not-email.  0 done, 1 no such client (deleted). */
int	 store_client_unsubscribe_id(struct store *, long long id, char *err, size_t errlen);

/* Contacts. */
int	 store_contact_add(struct store *, long long client, const char *name,
	    const char *role, const char *email, const char *phone, int primary,
	    long long *id, char *err, size_t errlen);
int	 store_contact_list(struct store *, long long client, store_row_fn, void *arg,
	    char *err, size_t errlen);

/*
 * Interactions (touches): something that happened between the salesperson
 * and the client.  Every touch resets the client's cadence.
 */
struct touch {
	long long	 client;
	const char	*kind;		/* call visit email meeting note sample survey */
	time_t		 at;		/* when it happened (UTC) */
	const char	*outcome;	/* done | waiting | no-answer; NULL = done */
	const char	*note;		/* NULL = none */
	long long	 by_owner;	/* the salesperson; 0 = nobody */
	/*
	 * "out" (or NULL): we reached the client.  "in": the client reached
	 * us.  A touch "in" after our newest touch "out" that was waiting
	 * ends the waiting: the client is owed an answer (clients.replied_at
	 * is the first such touch, kept by triggers) until a touch "out".
	 */
	const char	*direction;
	/*
	 * "YYYY-MM-DD": the next-contact date this touch sets (the next
	 * step), after the touch's local day (the owner's zone); or next_in,
	 * "N[dwm]" counted from that day.  Both NULL: none; then a touch
	 * "out" on or after the client's next-contact date satisfies it and
	 * clears it.  A touch "in" never clears it.
	 */
	const char	*next;
	const char	*next_in;
};
/* Record t (and set or clear the next-contact date) in the caller's
 * transaction.  *id (may be NULL) gets the touch's id. */
int	 store_touch_add(struct store *, const struct touch *t, long long *id,
	    char *err, size_t errlen);
/* Set the client's next-contact date (NULL clears it).  how: NULL by
 * hand, "snooze", or "touch"; the digest words a snooze as such. */
int	 store_client_next_contact(struct store *, long long client, const char *day,
	    const char *how, char *err, size_t errlen);
/* A client's touches, newest first (limit 0: all). */
int	 store_interaction_list(struct store *, long long client, long limit,
	    store_row_fn, void *arg, char *err, size_t errlen);
/* The client a touch belongs to. */
int	 store_interaction_client(struct store *, long long id, long long *client,
	    char *err, size_t errlen);
/* A correction of a touch: NULL (has_at 0, by 0) leaves a field as it is;
 * note "" clears the note.  Values must already be canonical. */
struct interaction_edit {
	const char	*kind;
	int		 has_at;
	time_t		 at;
	const char	*outcome;
	const char	*note;
	long long	 by;		/* owner id */
};
/* Change or delete a touch; the client's last touch (time, kind,
 * outcome) follows (triggers).  "no touch with id N in DB" if none. */
int	 store_interaction_update(struct store *, long long id,
	    const struct interaction_edit *, char *err, size_t errlen);
int	 store_interaction_delete(struct store *, long long id, char *err, size_t errlen);

/*
 * Activities: planned follow-ups (call visit email sample survey meeting
 * task), at a time (start_at, duration) or for a whole local day (day).
 */
struct activity_filter {
	const char	*owner;		/* email, NULL = all */
	long long	 client;	/* 0 = all */
	time_t		 from, to;	/* start_at in [from, to); 0 = open */
	const char	*status;
};
int	 store_activity_add(struct store *, long long client, long long owner,
	    const char *kind, time_t start, const char *tz, int duration_min,
	    const char *location, const char *note, long long *id,
	    char *err, size_t errlen);
/* For the whole local day `day` ("YYYY-MM-DD") in zone tz. */
int	 store_activity_add_day(struct store *, long long client, long long owner,
	    const char *kind, const char *day, const char *tz, const char *location,
	    const char *note, long long *id, char *err, size_t errlen);
/* status: planned|done|cancelled; bumps SEQUENCE and LAST-MODIFIED.
 * "done" is store_activity_done(id, NULL, ...): it records the touch. */
int	 store_activity_set_status(struct store *, long long id, const char *status,
	    char *err, size_t errlen);
/*
 * Done is a contact: mark activity id done and record exactly one touch
 * of its kind (a task is a note) by its owner, with the outcome, note
 * (else the activity's) and next-contact date of how (may be NULL), at
 * its time, or now if that is still to come (an all-day one: now on its
 * day or later, else noon of its day).  Returns 0 done now, 1 it was
 * already done (no second touch), -1 error; *touch (may be NULL) gets the
 * id of its touch.  Cancelling (store_activity_set_status) records none.
 */
int	 store_activity_done(struct store *, long long id, const struct touch *how,
	    long long *touch, char *err, size_t errlen);
/* The touch kind an activity kind records when done ("task" -> "note");
 * NULL if kind is not an activity kind. */
const char *store_activity_touch_kind(const char *kind);
/* New start (and zone if tz != NULL), timed from now on; bumps SEQUENCE
 * and LAST-MODIFIED; a cancelled activity is planned again. */
int	 store_activity_move(struct store *, long long id, time_t start, const char *tz,
	    char *err, size_t errlen);
/* The same, to the whole local day `day` in the activity's zone. */
int	 store_activity_move_day(struct store *, long long id, const char *day,
	    char *err, size_t errlen);
int	 store_activity_list(struct store *, const struct activity_filter *,
	    store_row_fn, void *arg, char *err, size_t errlen);
/* Time zone of the activity's owner (for --at parsing). Caller frees. */
int	 store_activity_tz(struct store *, long long id, char **tz, char *err, size_t errlen);

/* Invoices / purchases. */
int	 store_invoice_add(struct store *, long long client, long long cents,
	    const char *currency, const char *issued, const char *due,
	    const char *number, long long *id, char *err, size_t errlen);
/* The client an invoice belongs to. */
int	 store_invoice_client(struct store *, long long id, long long *client,
	    char *err, size_t errlen);
int	 store_invoice_paid(struct store *, long long id, const char *day,
	    char *err, size_t errlen);
int	 store_invoice_list(struct store *, long long client, int unpaid_only,
	    store_row_fn, void *arg, char *err, size_t errlen);
/* A correction of an invoice: NULL (client 0, has_cents 0) leaves a field
 * as it is; number "" clears it, paid "" makes the invoice unpaid.  Dates
 * are "YYYY-MM-DD"; a due date before the issue date (after the change)
 * is refused.  The client's purchase rhythm follows (triggers). */
struct invoice_edit {
	long long	 client;
	int		 has_cents;
	long long	 cents;
	const char	*currency;
	const char	*issued;
	const char	*due;
	const char	*number;
	const char	*paid;
};
int	 store_invoice_update(struct store *, long long id, const struct invoice_edit *,
	    char *err, size_t errlen);
int	 store_invoice_delete(struct store *, long long id, char *err, size_t errlen);

/* NPS responses and costs. */
int	 store_nps_add(struct store *, long long client, int score, const char *day,
	    char *err, size_t errlen);
int	 store_cost_add(struct store *, const char *month, const char *kind,
	    long long cents, long long client, const char *note,
	    char *err, size_t errlen);
/* NPS responses of a client (0: all), by date; costs of a month ("YYYY-MM",
 * NULL: all), by month. */
int	 store_nps_list(struct store *, long long client, store_row_fn, void *arg,
	    char *err, size_t errlen);
int	 store_cost_list(struct store *, const char *month, store_row_fn, void *arg,
	    char *err, size_t errlen);
/* "no NPS response (cost) with id N in DB" if there is none. */
int	 store_nps_delete(struct store *, long long id, char *err, size_t errlen);
int	 store_cost_delete(struct store *, long long id, char *err, size_t errlen);

/* Segments. */
int	 store_segment_set(struct store *, const char *name, int cadence_days,
	    char *err, size_t errlen);
int	 store_segment_list(struct store *, store_row_fn, void *arg, char *err, size_t errlen);

/*
 * The scan's reads (store_scan.c): set-based, rows handed to fn as typed
 * structs valid during the call only; fn returns 0 to go on, non-zero to
 * stop (then the function returns -1, with fn's message in err if it
 * wrote one).
 */
typedef int (*store_segment_fn)(long long id, const char *name, int cadence_days,
	    void *arg);
int	 store_segment_each(struct store *, store_segment_fn, void *arg, char *err,
	    size_t errlen);

struct store_scan_client {
	long long	 id;
	const char	*status;
	long long	 segment_id;		/* 0: none */
	int		 cadence_days;		/* 0: none of its own */
	const char	*next_contact;		/* "YYYY-MM-DD" or NULL */
	time_t		 last_touch_at;		/* 0: never touched */
	const char	*last_outcome;
	int		 purchases;
	const char	*last_purchase;		/* "YYYY-MM-DD" or NULL */
	double		 median_interval;
	time_t		 created_at;		/* given when never touched, else 0 */
};
typedef int (*store_scan_client_fn)(const struct store_scan_client *, void *arg);
/* Every client of owner (lost ones too: their id and status only, the
 * rest 0 and NULL), in no particular order. */
int	 store_scan_clients(struct store *, long long owner, store_scan_client_fn,
	    void *arg, char *err, size_t errlen);
/* The few clients of owner marked apart: snoozed (replied_at 0, orders
 * NULL), owed an answer since replied_at (snoozed 0, orders NULL), or
 * whose way of ordering is known (orders "self" or "visit"; snoozed 0,
 * replied_at 0); a client may come up to three times. */
typedef int (*store_scan_mark_fn)(long long id, int snoozed, time_t replied_at,
	    const char *orders, void *arg);
int	 store_scan_marks(struct store *, long long owner, store_scan_mark_fn, void *arg,
	    char *err, size_t errlen);

struct store_unpaid {
	long long	 client_id, id, cents;
	const char	*currency, *due, *number;
};
typedef int (*store_unpaid_fn)(const struct store_unpaid *, void *arg);
/* Unpaid invoices due before `before` ("YYYY-MM-DD") of owner's clients
 * (owner 0: everyone's), in no particular order. */
int	 store_unpaid_each(struct store *, long long owner, const char *before,
	    store_unpaid_fn, void *arg, char *err, size_t errlen);
/* Everyone's, of the clients with id_from <= id < id_to only (a part of
 * the portfolio read on a thread of its own), in no particular order. */
int	 store_unpaid_range(struct store *, long long id_from, long long id_to,
	    const char *before, store_unpaid_fn, void *arg, char *err, size_t errlen);

struct store_planned {
	long long	 id, client_id;
	const char	*kind;
	time_t		 start;
	int		 duration;
	const char	*day;		/* all-day: "YYYY-MM-DD"; NULL: timed */
};
typedef int (*store_planned_fn)(const struct store_planned *, void *arg);
/* Owner's activities still planned, whenever they are, by start. */
int	 store_planned_each(struct store *, long long owner, store_planned_fn,
	    void *arg, char *err, size_t errlen);
/* What a digest shows of a planned activity.  Strings owned. */
struct store_activity_brief {
	char	*tz, *location, *note, *client_name, *contact, *phone;
};
/* out[i] for ids[i], in one statement (an unknown id leaves out[i] empty). */
int	 store_activity_briefs(struct store *, const long long *ids, size_t n,
	    struct store_activity_brief *out, char *err, size_t errlen);
void	 store_activity_brief_clear(struct store_activity_brief *);

/* What a digest shows of a client.  Strings owned (store_client_brief_clear). */
struct store_client_brief {
	char	*name, *status, *segment, *contact, *phone, *email;
	char	*last_touch_kind, *last_outcome, *city;
	char	*reply_note;	/* the note of the answer owed, if any */
};
/* out[i] for ids[i], in one statement (an unknown id leaves out[i] empty). */
int	 store_client_briefs(struct store *, const long long *ids, size_t n,
	    struct store_client_brief *out, char *err, size_t errlen);
void	 store_client_brief_clear(struct store_client_brief *);

/*
 * The web (store_web.c): the page and the digest's action links.
 *
 * An action taken from the web is recorded under an idempotency key (a
 * signed link's, or a form's nonce with its fields: sign_id) in the same
 * transaction as its write, so the same click twice is one write.
 * store_web_action_put: 0 recorded, 1 already there (the caller rolls
 * back and says so); actions older than 120 days are forgotten.
 * store_web_action_get: 0 found (*at, *what: what was done; caller frees),
 * 1 not yet.
 */
int	 store_web_action_get(struct store *, const char *id, time_t *at, char **what,
	    char *err, size_t errlen);
int	 store_web_action_put(struct store *, const char *id, long long owner, time_t at,
	    const char *what, char *err, size_t errlen);
/*
 * The key of the action links kept in a database server, so that every
 * daemon on it signs and checks with the same one: the key already kept,
 * or fresh (64 hex digits) kept now when there is none (*created 1).
 * *key is the caller's to wipe and free.  SQLite files keep theirs in a
 * file next to the database instead (-1 here).
 */
int	 store_web_key(struct store *, const char *fresh, char **key, int *created,
	    char *err, size_t errlen);
/* What a confirmation page says about the object of an action, and whose
 * it is (the client's salesperson).  0 found, 1 none.  Strings owned. */
struct store_web_client {
	long long	 id, owner_id;		/* owner 0: nobody's */
	char		*name, *status, *tz;	/* tz: the owner's, may be NULL */
};
int	 store_web_client(struct store *, long long id, struct store_web_client *out,
	    char *err, size_t errlen);
void	 store_web_client_clear(struct store_web_client *);
struct store_web_activity {
	long long	 id, client_id, owner_id;
	char		*kind, *status, *tz, *client_name;
	char		*day;			/* all-day: "YYYY-MM-DD"; NULL: timed */
	time_t		 start;
	int		 duration;		/* minutes */
};
int	 store_web_activity(struct store *, long long id, struct store_web_activity *out,
	    char *err, size_t errlen);
void	 store_web_activity_clear(struct store_web_activity *);
struct store_web_invoice {
	long long	 id, client_id, owner_id, cents;
	char		*number, *currency, *due, *client_name;
	char		*paid;			/* "YYYY-MM-DD" or NULL: unpaid */
};
int	 store_web_invoice(struct store *, long long id, struct store_web_invoice *out,
	    char *err, size_t errlen);
void	 store_web_invoice_clear(struct store_web_invoice *);
/*
 * The clients of owner with q (by search key: case, accents and
 * punctuation ignored) in any part of their name, city or a contact's
 * name, by name; at most limit (0: all).  Rows: id, name, city, status,
 * contact, phone, email (the primary contact's).
 */
int	 store_web_search(struct store *, long long owner, const char *q, long limit,
	    store_row_fn fn, void *arg, char *err, size_t errlen);

/* Client owner time zone for parsing local times given for a client
 * (falls back to fallback_tz).  Caller frees. */
int	 store_client_tz(struct store *, long long client, const char *fallback_tz,
	    char **tz, char *err, size_t errlen);

/*
 * The outbox: messages decided but not yet delivered (outbox.c holds the
 * rules: backoff, giving up).  A message is queued once per idempotency
 * key; the mailer's results are recorded on its row.
 */
struct outbox_msg {
	long long	 id;
	char		*idem_key;
	char		*kind;		/* "digest", "followup", "monthly" */
	long long	 owner_id, client_id;	/* 0 = none */
	char		*from_name, *from_addr;
	char		*to_name, *to_addr;
	char		*reply_to;	/* address or NULL; shown with from_name */
	char		*subject;
	char		*message_id;
	char		*body_text;
	char		*body_html;	/* may be NULL */
	char		*unsubscribe;	/* URL or NULL */
	void		*attachments;	/* serialised inline parts, or NULL */
	size_t		 attachments_len;
	int		 attempts;
	time_t		 created_at;
	time_t		 next_attempt_at;
};
void	 store_outbox_msg_clear(struct outbox_msg *);
/* Queue m unless its idem_key exists; *created (may be NULL) says which.
 * In the caller's transaction. */
int	 store_outbox_insert(struct store *, const struct outbox_msg *m, time_t now,
	    int *created, char *err, size_t errlen);
int	 store_outbox_exists(struct store *, const char *idem_key, int *exists,
	    char *err, size_t errlen);
/*
 * Up to max pending messages due at now, oldest first, for this daemon to
 * deliver.  Caller frees each with store_outbox_msg_clear and the array.
 * On a database server several daemons share the outbox: the messages
 * are claimed (rows locked FOR UPDATE SKIP LOCKED, so two daemons never
 * claim the same one) for lease seconds, and a claim that ran out (its
 * daemon died) is taken over; recording a result ends the claim.  On
 * SQLite (one daemon per file) nothing is claimed.
 */
int	 store_outbox_claim(struct store *, time_t now, size_t max, int lease,
	    struct outbox_msg **out, size_t *n, char *err, size_t errlen);
/* This daemon's claims that are still pending last until now + lease
 * (a long batch keeps them).  No-op on SQLite. */
int	 store_outbox_renew(struct store *, time_t now, int lease, char *err, size_t errlen);
/*
 * Claims of daemons found dead end now: those of this host whose process
 * is gone (or is this process under a pid an earlier one had).  A claim
 * from another host waits for its lease.  No-op on SQLite.
 */
int	 store_outbox_reclaim(struct store *, char *err, size_t errlen);
/* This daemon's claims on messages it did not try end now (a batch cut
 * short: the server went away, a stop).  No-op on SQLite. */
int	 store_outbox_release(struct store *, char *err, size_t errlen);
/* When a pending message is next due (for another daemon's claim: when
 * it runs out); *when = 0 if none. */
int	 store_outbox_next(struct store *, time_t *when, char *err, size_t errlen);
/* Results: sent; failed for good; failed for now, next attempt at next. */
int	 store_outbox_sent(struct store *, long long id, time_t now, int code,
	    char *err, size_t errlen);
int	 store_outbox_failed(struct store *, long long id, time_t now, int code,
	    const char *error, char *err, size_t errlen);
int	 store_outbox_retry_at(struct store *, long long id, time_t now, int code,
	    const char *error, time_t next, char *err, size_t errlen);
/* Attempts so far and when the message was queued: 0, 1 no such message. */
int	 store_outbox_attempts(struct store *, long long id, int *attempts, time_t *created,
	    char *err, size_t errlen);
/* Messages (status NULL = all) as rows for the CLI. */
int	 store_outbox_list(struct store *, const char *status, store_row_fn, void *arg,
	    char *err, size_t errlen);
/* A failed message pending again from now: 0, 1 no failed message id. */
int	 store_outbox_requeue(struct store *, long long id, time_t now, char *err,
	    size_t errlen);
/* Delete sent and failed messages created before `before`; *n deleted. */
int	 store_outbox_purge(struct store *, time_t before, long long *n, char *err,
	    size_t errlen);
struct outbox_counts {
	long long	 pending, sent, failed;
};
int	 store_outbox_count(struct store *, struct outbox_counts *, char *err, size_t errlen);

/* Messages of kind queued for owner since `since`. */
int	 store_outbox_count_since(struct store *, long long owner, const char *kind,
	    time_t since, long long *n, char *err, size_t errlen);
/* What decides whether a client may get a follow-up email. */
struct store_mailable {
	char	*status, *segment, *name, *contact, *email;	/* contact: primary */
	char	*kind;		/* company, freelancer, individual */
	int	 do_not_email;
	int	 followup;	/* 1 yes, 0 no, -1 follow the segment rule */
	time_t	 last_followup;	/* 0 if never */
};
void	 store_mailable_clear(struct store_mailable *);
int	 store_client_mailable(struct store *, long long client, struct store_mailable *out,
	    char *err, size_t errlen);

/* Calendar feeds. */
/* A planned activity as a calendar event; strings valid during the call. */
struct store_event {
	const char	*uid, *kind, *status;
	const char	*tz;			/* the activity's zone (NULL: none) */
	const char	*day;			/* all-day: its date; NULL: timed */
	time_t		 start;
	int		 duration_min;
	const char	*location, *note;	/* NULL = none */
	int		 sequence;
	time_t		 created;
	time_t		 changed;		/* the later of activity and client */
	long long	 client_id;
	const char	*client_name, *client_notes;
	int		 touched;		/* last_touch_at is set */
	time_t		 last_touch_at;
	const char	*last_touch_kind;
	const char	*contact_name, *contact_phone, *contact_email;	/* primary */
	const char	*owner_name, *owner_tz;
};
/* Non-zero stops the iteration; store_feed_events then returns it. */
typedef int (*store_event_fn)(const struct store_event *, void *arg);
/* Owner's activities starting in [from, to), by start; cancelled ones only
 * if changed at or after cancelled_since. */
int	 store_feed_events(struct store *, long long owner, time_t from, time_t to,
	    time_t cancelled_since, store_event_fn fn, void *arg, char *err, size_t errlen);
/* A team's feed token (caller frees) and whether it has every owner:
 * 0 found, 1 no such team. */
int	 store_team_get(struct store *, const char *name, char **token, int *all_owners,
	    char *err, size_t errlen);
/* Every team's name, by name.  Caller frees each and the array. */
int	 store_team_names(struct store *, char ***names, size_t *n, char *err, size_t errlen);

/* ---- reports, goals, products (store_report.c) ------------------------ */

/*
 * One client's history as of a local day, read for every client with a
 * few ordered queries merged by client (never a query per client): the
 * facts status over time, lifecycle stages and churn risk are derived
 * from.  Everything is valid only during the callback.
 */
struct store_status_change {
	time_t		 at;
	const char	*old_status, *new_status;
};

struct store_history {
	long long	 id, owner_id;		/* owner 0 = none */
	time_t		 created_at;
	const char	*status;		/* today's */
	const char	*initial;		/* the status it was added with */
	long		 first_day, last_day;	/* first and last purchase of all
						 * its history, -1 = none */
	/* STORE_H_PURCHASES: distinct purchase days up to the day (any
	 * currency), oldest first, with that day's revenue in the currency. */
	const long	*days;
	const long long	*cents;
	size_t		 ndays;
	/* STORE_H_TOUCHES: before the instant; 0 = none. */
	time_t		 first_touch, last_touch;
	/* STORE_H_NO_ANSWER: "no-answer" touches in [since, until). */
	int		 no_answer;
	/* STORE_H_CHANGES: explicit status changes (edits, not the status it
	 * was added with) before the instant, oldest first. */
	const struct store_status_change *changes;
	size_t		 nchanges;
	/* STORE_H_NPS: the latest answer dated by the day; -1 = none. */
	int		 nps;
	long		 nps_day;
	/* STORE_H_OVERDUE: invoices in the currency issued by the day, unpaid
	 * at its end and due before it. */
	int		 overdue;
	long long	 overdue_cents;
	long		 oldest_due;		/* -1 = none */
	/* STORE_H_MISSED: activities still planned for before the day (timed
	 * ones that began before day_start, all-day ones of an earlier day;
	 * their state now: one done later counts as done). */
	int		 missed;
};

#define STORE_H_PURCHASES	0x01
#define STORE_H_TOUCHES		0x02
#define STORE_H_NO_ANSWER	0x04	/* alone: only the recent touches read */
#define STORE_H_CHANGES		0x08
#define STORE_H_NPS		0x10
#define STORE_H_OVERDUE		0x20
#define STORE_H_MISSED		0x40

struct store_history_query {
	long		 day;		/* purchases, NPS, receivables up to it */
	time_t		 until;		/* touches, changes, activities before it */
	time_t		 no_answer_since;
	time_t		 day_start;	/* the first instant of the day */
	const char	*currency;
	long long	 client;	/* 0 = every client, by id */
	long long	 owner;		/* with client 0: only this owner's; 0 = all */
	long long	 id_from, id_to;	/* with client and owner 0 and id_to
					 * above 0: the clients with ids in
					 * [id_from, id_to) */
	unsigned	 want;		/* STORE_H_* */
};

/* Return non-zero to stop. */
typedef int (*store_history_fn)(const struct store_history *, void *arg);
int	 store_history(struct store *, const struct store_history_query *,
	    store_history_fn, void *arg, char *err, size_t errlen);

/* The purchase rhythms (median days between purchase days) of the clients
 * not lost that bought on two or more days, the last one after day
 * `since`, in no order (sorting 645,000 of them in C takes a sixth of
 * SQLite's sorter).  *out is malloc'd (caller frees). */
int	 store_rhythms(struct store *, long since, double **out, size_t *n,
	    char *err, size_t errlen);

/* A client's money for its card (amounts in cents of one currency). */
struct store_money {
	long long	 this_year, last_year, ever;	/* revenue of invoices issued
							 * in the calendar year of the
							 * day (up to it), the year
							 * before, and all */
	long long	 invoices;		/* invoices ever, in the currency */
	long long	 purchase_days;		/* distinct, any currency */
	long		 first_day, last_day;	/* -1 = none */
	long long	 last_cents;		/* revenue of the last purchase day */
	long long	 owed, overdue;		/* unpaid; unpaid and due before the day */
	long long	 overdue_invoices;
	long		 oldest_due;		/* -1 = none */
};
int	 store_client_money(struct store *, long long client, long day, const char *currency,
	    struct store_money *, char *err, size_t errlen);

/* Payment terms of a client: *days -1 when it has none. */
int	 store_client_terms(struct store *, long long client, long *days,
	    char *err, size_t errlen);

/* Goals: NULL-able targets for one owner or one team and month "YYYY-MM". */
struct store_goal {
	long long	 revenue_cents, new_clients, visits, calls;	/* -1 = none */
};
/* Set the given targets (-1 leaves one as it was) of owner (email) or
 * team (name), exactly one of them. */
int	 store_goal_set(struct store *, const char *owner, const char *team, const char *month,
	    const struct store_goal *, char *err, size_t errlen);
/* 0 found, 1 no goal, -1 error.  owner_id or team_id (the other 0). */
int	 store_goal_get(struct store *, long long owner_id, long long team_id, const char *month,
	    struct store_goal *, char *err, size_t errlen);
/* Delete a month's goal of owner or team: 0 done, 1 there was none. */
int	 store_goal_delete(struct store *, const char *owner, const char *team, const char *month,
	    char *err, size_t errlen);
/* Rows: month, owner, team, revenue_cents, new_clients, visits, calls
 * (month NULL = every month), by month, team/owner. */
int	 store_goal_list(struct store *, const char *month, store_row_fn, void *arg,
	    char *err, size_t errlen);

/*
 * What a goal measures, over local days [from, to] ([from_at, to_at) as
 * instants) for the clients of one owner (owner_id), of a team's members
 * (team_id; every owner for a team of everyone), or of every owner (both
 * 0): revenue of invoices issued in the currency; new clients (first
 * purchase ever in the days); visits and calls logged, by who logged them
 * (or, when nobody is recorded, by the client's owner).
 */
struct store_goal_actuals {
	long long	 revenue_cents, new_clients, visits, calls;
};
int	 store_goal_actuals(struct store *, long long owner_id, long long team_id,
	    const char *from, const char *to, time_t from_at, time_t to_at,
	    const char *currency, struct store_goal_actuals *, char *err, size_t errlen);
/* Team by name: id and whether it is everyone.  0 / 1 unknown / -1. */
int	 store_team_id(struct store *, const char *name, long long *id, int *all_owners,
	    char *err, size_t errlen);

/* The first team of everyone (made with --all): 0 found, 1 none. */
int	 store_team_everyone(struct store *, long long *id, char *err, size_t errlen);

/* Products.  unit_price_cents -1 = none; kind "product" or "service". */
int	 store_product_add(struct store *, const char *name, const char *kind,
	    long long unit_price_cents, long long *id, char *err, size_t errlen);
/* The product of that name (any case), added as a product if new.
 * *unit_price_cents -1 when it has none (may be NULL). */
int	 store_product_get_or_add(struct store *, const char *name, long long *id,
	    long long *unit_price_cents, char *err, size_t errlen);
/* Rows: id, name, kind, unit_price_cents, lines. */
int	 store_product_list(struct store *, store_row_fn, void *arg, char *err, size_t errlen);

/* A line of an invoice (product_id 0 = none). */
int	 store_invoice_line_add(struct store *, long long invoice, long long product_id,
	    double quantity, long long cents, char *err, size_t errlen);
/* Rows: invoice, product, quantity, amount_cents of one invoice, or of
 * every invoice of a client (invoice 0). */
int	 store_invoice_lines(struct store *, long long invoice, long long client,
	    store_row_fn, void *arg, char *err, size_t errlen);
/* The invoice numbered number of client: 0 found (*id), 1 none. */
int	 store_invoice_find(struct store *, long long client, const char *number,
	    long long *id, char *err, size_t errlen);
/* Every invoice line for export, one row per line (an invoice without
 * lines: one row with empty product and quantity): invoice (its id),
 * number, client, tax_id, issued, due, paid, currency, product, quantity,
 * amount_cents; by invoice, then line. */
int	 store_invoice_export(struct store *, store_row_fn, void *arg, char *err, size_t errlen);

/*
 * Sales by product over days [from, to] in currency, one row per line
 * (client_id, product_id, product, kind, quantity, amount_cents); an
 * invoice without lines is one row with product_id 0 and its amount.
 */
struct store_sale {
	long long	 client_id, product_id;
	const char	*product, *kind;
	double		 quantity;
	long long	 cents;
};
typedef int (*store_sale_fn)(const struct store_sale *, void *arg);
int	 store_sales_by_product(struct store *, const char *from, const char *to,
	    const char *currency, store_sale_fn, void *arg, char *err, size_t errlen);

/* ---- the report module's reads (store_report.c) -------------------------- */
/* Callbacks: non-zero stops the iteration, and the function returns it. */
typedef int (*store_id_fn)(long long id, void *arg);
/* (client, amount, day): what "amount" and "day" are depends on the call. */
typedef int (*store_amount_fn)(long long client, long long amount, const char *day,
	    void *arg);
/* The highest client id (0 if none). */
int	 store_client_max_id(struct store *, long long *max, char *err, size_t errlen);
/* Ids of the clients that pass f's owner, segment, sector and city (the
 * last two by search key); the other fields of f are ignored. */
int	 store_client_ids(struct store *, const struct client_filter *f, store_id_fn fn,
	    void *arg, char *err, size_t errlen);
/* A client's name (caller frees): 0, 1 no such client. */
int	 store_client_name(struct store *, long long id, char **name, char *err,
	    size_t errlen);
/* Invoices issued in [from, to] (days) in currency: (client, cents) each,
 * or summed per client when by_client. */
int	 store_report_revenue(struct store *, const char *from, const char *to,
	    const char *currency, int by_client, store_amount_fn fn, void *arg,
	    char *err, size_t errlen);
/* NPS answers dated in [from, to]: (client, score). */
int	 store_report_nps(struct store *, const char *from, const char *to,
	    store_amount_fn fn, void *arg, char *err, size_t errlen);
/* Invoices in currency issued by day and unpaid at its end, by client:
 * (client, cents, due day). */
int	 store_report_owed(struct store *, const char *day, const char *currency,
	    store_amount_fn fn, void *arg, char *err, size_t errlen);
/* Marketing and sales costs of no client in months [from, to] ("YYYY-MM"). */
int	 store_report_acquisition_cost(struct store *, const char *from_month,
	    const char *to_month, long long *cents, char *err, size_t errlen);
/* Clients whose first purchase falls in [from, to]. */
int	 store_report_new_clients(struct store *, const char *from, const char *to,
	    long long *n, char *err, size_t errlen);
/* Every client that bought, with its revenue in currency (all time). */
struct store_buyer {
	long long	 id;
	const char	*status;
	int		 purchases;		/* distinct purchase days */
	const char	*first_purchase, *last_purchase;
	long long	 revenue;
};
typedef int (*store_buyer_fn)(const struct store_buyer *, void *arg);
int	 store_report_buyers(struct store *, const char *currency, store_buyer_fn fn,
	    void *arg, char *err, size_t errlen);
/* Touches logged in [from, to): client, kind and who logged it (NULL). */
typedef int (*store_touch_fn)(long long client, const char *kind, const char *by_owner,
	    void *arg);
int	 store_report_touches(struct store *, time_t from, time_t to, store_touch_fn fn,
	    void *arg, char *err, size_t errlen);
/* Clients with costs in months [from_month, to_month], by id: the costs
 * and the revenue of days [from, to] in currency. */
struct store_client_cost {
	long long	 id;
	const char	*name;
	long long	 cost, revenue;
};
typedef int (*store_client_cost_fn)(const struct store_client_cost *, void *arg);
int	 store_report_client_costs(struct store *, const char *from_month,
	    const char *to_month, const char *from, const char *to, const char *currency,
	    store_client_cost_fn fn, void *arg, char *err, size_t errlen);

#endif
