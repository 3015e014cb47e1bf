/*
 * store_migrate.h - what the store's two schema files share: the parts of
 * the current schema that a migration also creates, and the migrations
 * store_schema.c runs.  Private to daemon/store_schema.c and
 * daemon/store_migrate.c.
 */
#ifndef CARTERA_STORE_MIGRATE_H
#define CARTERA_STORE_MIGRATE_H

#include "store_engine.h"

/*
 * What a client buys and how it pays, and monthly goals (version 10):
 * products and services, an invoice's lines (its amount is their sum),
 * and a month's targets (NULL = none) for one salesperson or one team.
 */
#define PRODUCTS_AND_GOALS \
"CREATE TABLE products ("						\
"  id INTEGER PRIMARY KEY,"						\
"  name TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(name) > 0),"	\
"  kind TEXT NOT NULL DEFAULT 'product' CHECK (kind = 'product' OR kind = 'service'),"	\
"  unit_price_cents INTEGER CHECK (unit_price_cents IS NULL OR unit_price_cents >= 0),"	\
"  created_at INTEGER NOT NULL);"					\
"CREATE TABLE invoice_lines ("						\
"  id INTEGER PRIMARY KEY,"						\
"  invoice_id INTEGER NOT NULL REFERENCES invoices(id) ON DELETE CASCADE,"	\
"  product_id INTEGER REFERENCES products(id) ON DELETE SET NULL,"	\
"  quantity REAL NOT NULL DEFAULT 1,"					\
"  amount_cents INTEGER NOT NULL);"					\
"CREATE INDEX invoice_lines_invoice ON invoice_lines(invoice_id);"	\
"CREATE INDEX invoice_lines_product ON invoice_lines(product_id);"	\
"CREATE TABLE goals ("							\
"  id INTEGER PRIMARY KEY,"						\
"  owner_id INTEGER REFERENCES owners(id) ON DELETE CASCADE,"		\
"  team_id INTEGER REFERENCES teams(id) ON DELETE CASCADE,"		\
"  month TEXT NOT NULL,"						\
"  revenue_cents INTEGER CHECK (revenue_cents IS NULL OR revenue_cents >= 0),"	\
"  new_clients INTEGER CHECK (new_clients IS NULL OR new_clients >= 0),"	\
"  visits INTEGER CHECK (visits IS NULL OR visits >= 0),"		\
"  calls INTEGER CHECK (calls IS NULL OR calls >= 0),"			\
"  updated_at INTEGER NOT NULL,"					\
"  CHECK ((owner_id IS NULL) <> (team_id IS NULL)));"			\
"CREATE UNIQUE INDEX goals_owner ON goals(owner_id, month) WHERE owner_id IS NOT NULL;"	\
"CREATE UNIQUE INDEX goals_team ON goals(team_id, month) WHERE team_id IS NOT NULL;"

/*
 * Mail in (version 11).  mailboxes: how far each configured mailbox was
 * read and what came of it.  mail_messages: one row per mail logged, by
 * Message-ID (unique: the same mail in BCC and Sent, or read again after
 * a UIDVALIDITY change, is logged once), with the follow-up it answers.
 * mail_touches: the touch the mail made to each client.  The outbox is
 * searched by Message-ID when a reply names one.
 */
#define SCHEMA_MAIL_IN \
"CREATE TABLE mailboxes ("					\
"  name TEXT PRIMARY KEY,"					\
"  uidvalidity INTEGER NOT NULL DEFAULT 0,"			\
"  last_uid INTEGER NOT NULL DEFAULT 0,"			\
"  last_poll_at INTEGER,"					\
"  last_ok_at INTEGER,"						\
"  last_error TEXT,"						\
"  error_since INTEGER,"					\
"  logged INTEGER NOT NULL DEFAULT 0,"				\
"  duplicates INTEGER NOT NULL DEFAULT 0,"			\
"  unmatched INTEGER NOT NULL DEFAULT 0,"			\
"  internal INTEGER NOT NULL DEFAULT 0,"			\
"  automatic INTEGER NOT NULL DEFAULT 0,"			\
"  skipped INTEGER NOT NULL DEFAULT 0);"			\
"CREATE TABLE mail_messages ("					\
"  id INTEGER PRIMARY KEY,"					\
"  message_id TEXT NOT NULL UNIQUE,"				\
"  mailbox TEXT,"						\
"  seen_at INTEGER NOT NULL,"					\
"  outgoing INTEGER NOT NULL CHECK (outgoing = 0 OR outgoing = 1)," \
"  answers_outbox_id INTEGER REFERENCES outbox(id) ON DELETE SET NULL);" \
"CREATE INDEX mail_messages_answers ON mail_messages(answers_outbox_id)" \
"  WHERE answers_outbox_id IS NOT NULL;"			\
"CREATE TABLE mail_touches ("					\
"  message_id INTEGER NOT NULL REFERENCES mail_messages(id) ON DELETE CASCADE," \
"  client_id INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE," \
"  interaction_id INTEGER REFERENCES interactions(id) ON DELETE SET NULL," \
"  PRIMARY KEY (message_id, client_id)) WITHOUT ROWID;"	\
"CREATE INDEX mail_touches_client ON mail_touches(client_id);"	\
"CREATE INDEX mail_touches_interaction ON mail_touches(interaction_id);" \
"CREATE INDEX outbox_message_id ON outbox(message_id);"

/* The migration to version v + 1 is store_migrations[v] (one per version,
 * in one write transaction, never edited once landed).  Those from
 * STORE_PG_FIRST_VERSION on run on PostgreSQL too, the older ones on
 * SQLite only. */
#define STORE_PG_FIRST_VERSION	14
extern int (*const store_migrations[])(struct store *, char *, size_t);
/* Rows written behind the store's back (an older cartera, sqlite3):
 * their search keys and page tokens computed, at a read-write open. */
void	 store_search_keys_repair(struct store *);
void	 store_page_tokens_repair(struct store *);

#endif
