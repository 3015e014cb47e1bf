#!/bin/bash
# pg.sh - the PostgreSQL engine against a real server started here
# (initdb + pg_ctl in a temporary directory, loopback, random port): the
# same schema as SQLite's, the same CLI giving the same answers on both
# engines, the password from password_file or libpq's PGPASSFILE, and
# clear errors for a server that refuses.
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
t_init pg
pg_start
# PostgreSQL whatever the engine under test: make check runs it already.
t_skip_engine pg "runs in make check already"
t_require sqlite3

CARTERA=${top_builddir:-.}/cartera
export TZ=UTC
: >"$T/empty.conf"
"$CARTERA" -d "postgresql://cartera@127.0.0.1:1/x" -c "$T/empty.conf" check >/dev/null 2>"$T/err"
if grep -q "built without PostgreSQL" "$T/err"; then
	t_skip "cartera was configured without PostgreSQL (--with-postgresql)"
fi

PG=$(pg_createdb portfolio)
LITE=$T/portfolio.db

# --- a new database: the current schema, its version in a table
t_assert_ok "init on PostgreSQL" "$CARTERA" -c "$T/empty.conf" -d "$PG" init
t_assert_ok "init again is harmless" "$CARTERA" -c "$T/empty.conf" -d "$PG" init
t_assert_ok "init on SQLite" "$CARTERA" -c "$T/empty.conf" -d "$LITE" init
t_assert_eq "$(sqlite3 "$LITE" 'PRAGMA user_version')" \
	"$(pg_sql "$PG" 'SELECT version FROM cartera_schema')" "the schema version is kept in a table"
# Same tables, same columns in the same order.
cols_lite=$(sqlite3 "$LITE" "SELECT m.name || '.' || p.name FROM sqlite_schema m,
	pragma_table_info(m.name) p WHERE m.type = 'table' ORDER BY m.name, p.cid")
cols_pg=$(pg_sql "$PG" "SELECT table_name || '.' || column_name FROM information_schema.columns
	WHERE table_schema = 'public' AND table_name <> 'cartera_schema'
	ORDER BY table_name COLLATE \"C\", ordinal_position")
t_assert_eq "$cols_lite" "$cols_pg" "the same tables and columns as on SQLite"
idx_lite=$(sqlite3 "$LITE" "SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL ORDER BY 1")
idx_pg=$(pg_sql "$PG" "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'
	AND indexname NOT IN (SELECT conname FROM pg_constraint) ORDER BY indexname COLLATE \"C\"")
t_assert_eq "$idx_lite" "$idx_pg" "the same named indexes as on SQLite"
t_assert_eq "$(sqlite3 "$LITE" "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_schema WHERE type = 'trigger' ORDER BY 1)")" \
	"$(pg_sql "$PG" "SELECT string_agg(tgname, ' ' ORDER BY tgname COLLATE \"C\") FROM pg_trigger WHERE NOT tgisinternal AND tgname NOT LIKE '%_notify'")" \
	"the same derived-column triggers as on SQLite"

# --- a database made by the previous version (14, the first on
# PostgreSQL) is migrated when opened read-write: version 15's and 16's
# indexes
OLD=$(pg_createdb old14)
t_assert_ok "init the old database" "$CARTERA" -c "$T/empty.conf" -d "$OLD" init
pg_sql "$OLD" "DROP INDEX interactions_client; DROP INDEX invoices_client;
	DROP INDEX invoices_unpaid_client; DROP INDEX invoices_paid;
	DROP INDEX activities_planned; DROP INDEX invoices_unpaid;
	CREATE INDEX invoices_unpaid ON invoices(due) WHERE paid_at IS NULL;
	CREATE INDEX interactions_client ON interactions(client_id, at);
	CREATE INDEX invoices_client ON invoices(client_id, issued);
	CREATE INDEX invoices_unpaid_client ON invoices(client_id, due, amount_cents, currency,
	  number, paid_at) WHERE paid_at IS NULL;
	UPDATE cartera_schema SET version = 14" >/dev/null
t_assert_ok "a version 14 database opens read-write" "$CARTERA" -c "$T/empty.conf" -d "$OLD" init
t_assert_eq "$(pg_sql "$OLD" 'SELECT version FROM cartera_schema')" \
	"$(pg_sql "$PG" 'SELECT version FROM cartera_schema')" "version 14 is migrated to the current one"
idx_defs="SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname COLLATE \"C\""
t_assert_eq "$(pg_sql "$OLD" "$idx_defs")" "$(pg_sql "$PG" "$idx_defs")" \
	"the migrated database has the indexes of a new one"

# --- the same commands give the same answers on both engines
run() {
	local db=$1
	c() { "$CARTERA" -c "$T/empty.conf" -d "$db" --now "2026-03-05 09:00:00Z" "$@"; }
	c owner add ana@example.com --name "Ana López" --tz Europe/Madrid --digest-at 07:30
	c owner add bob@example.com --name "Bob" --tz America/New_York --lang en
	c client add "Talleres Pérez, S.L." --owner ana@example.com --city Madrid \
		--email compras@perez.example --phone "+34 600 000 001" --tax-id B12345678
	c client add "Zeta Ltd" --owner bob@example.com --status potential --sector Retail
	c client add "alfa y omega" --owner bob@example.com --kind freelancer
	c log "Talleres" call --at "2026-03-02 10:00" --outcome waiting --note "presupuesto"
	c log "Talleres" email --at "2026-03-03 11:00" --received
	c log "Zeta" visit --at "2026-03-01 09:00" --in 2w
	c invoice add "Talleres" 1200.50 --issued 2026-01-05 --due 2026-02-05 --number F1
	c invoice add "Talleres" 800 --issued 2026-02-04 --due 2026-03-04 --number F2
	c invoice add "Talleres" 99.99 --issued 2026-02-20 --due 2026-03-20 --number F3 --paid 2026-03-01
	c plan "alfa" call --at "2026-03-10 12:00" --tz Europe/Madrid --note "llamar"
	c client list
	c client list --search "perez"
	c --json client show "Talleres"
	c invoice list
	c owner list
	c export
	c check
	# Refusals last: on PostgreSQL a refused insert uses up an id.
	c owner add ANA@example.com --name Dup 2>&1
	c client add "talleres perez sl" --owner ana@example.com 2>&1
}
run "$LITE" >"$T/lite.out" 2>&1
run "$PG" >"$T/pg.out" 2>&1
# The database's name is the only difference allowed.
sed -i "s|$LITE|DB|g" "$T/lite.out"
sed -i "s|$PG|DB|g" "$T/pg.out"
if cmp -s "$T/lite.out" "$T/pg.out"; then
	t_pass "the same commands print the same on SQLite and PostgreSQL ($(wc -l <"$T/pg.out") lines)"
else
	t_fail "SQLite and PostgreSQL answered differently"
	diff "$T/lite.out" "$T/pg.out" | head -40 | sed 's/^/#   /'
fi
t_assert_match "already exists" "$(cat "$T/pg.out")" "an owner differing only in case is refused"
t_assert_match "same name" "$(cat "$T/pg.out")" "the same company under another spelling is refused"
t_assert_eq "3|2026-01-05|2026-02-20|23" \
	"$(pg_sql "$PG" "SELECT purchases, first_purchase, last_purchase, median_interval FROM clients WHERE tax_id = 'B12345678'")" \
	"the purchase-rhythm trigger keeps the derived columns (PL/pgSQL)"

# --- the password: libpq's own file, or password_file
url_nopass=$PG
t_assert_ok "PGPASSFILE gives the password" "$CARTERA" -c "$T/empty.conf" -d "$PG" check
(
	unset PGPASSFILE
	export HOME=$T/nohome
	"$CARTERA" -c "$T/empty.conf" -d "$url_nopass" check >"$T/out" 2>&1
	echo "rc=$?" >>"$T/out"
)
t_assert_file_contains "$T/out" "rc=1" "no password: refused"
t_assert_file_contains "$T/out" "cannot connect" "no password: says it cannot connect"
t_assert_ok "the server's words, no password, in the error" \
	bash -c "! grep -q '$T__PG_PW' '$T/out'"

printf '%s\n' "$T__PG_PW" >"$T/db.pw"
chmod 600 "$T/db.pw"
printf 'database = "%s";\npassword_file = "db.pw";\n' "$PG" >"$T/pw.conf"
(
	unset PGPASSFILE
	export HOME=$T/nohome
	"$CARTERA" -c "$T/pw.conf" check >"$T/out" 2>&1
	echo "rc=$?" >>"$T/out"
)
t_assert_file_contains "$T/out" "rc=0" "password_file gives the password (relative to the configuration)"
chmod 644 "$T/db.pw"
(
	unset PGPASSFILE
	"$CARTERA" -c "$T/pw.conf" check >"$T/out" 2>&1
	echo "rc=$?" >>"$T/out"
)
t_assert_file_contains "$T/out" "password_file: .*readable by others" "a password_file readable by others is refused"
printf 'wrong\n' >"$T/db.pw"
chmod 600 "$T/db.pw"
(
	unset PGPASSFILE
	"$CARTERA" -c "$T/pw.conf" check >"$T/out" 2>&1
	echo "rc=$?" >>"$T/out"
)
t_assert_file_contains "$T/out" "password authentication failed" "a wrong password: the server's refusal is shown"

# --- a database that is not there, a server that is not there
"$CARTERA" -c "$T/empty.conf" -d "postgresql://cartera@127.0.0.1:$PG_PORT/nosuch" client list >/dev/null 2>"$T/err"
t_assert_eq 1 $? "a missing database exits 1"
t_assert_file_contains "$T/err" 'database "nosuch" does not exist' "a missing database is named"
EMPTY=$(pg_createdb empty)
"$CARTERA" -c "$T/empty.conf" -d "$EMPTY" client list >/dev/null 2>"$T/err"
t_assert_eq 1 $? "a database without the schema exits 1 (as a missing file)"
t_assert_file_contains "$T/err" 'no Cartera database here; create it with "cartera init"' \
	"and says how to make it one"
t_assert_eq 0 "$(pg_sql "$EMPTY" "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" \
	"and leaves it alone"
"$CARTERA" -c "$T/empty.conf" -d "postgresql://cartera:$T__PG_PW@127.0.0.1:$PG_PORT/nosuch" check >/dev/null 2>"$T/err"
t_assert_file_contains "$T/err" "postgresql://cartera:\*\*\*@127" "a password in the URL is masked in messages"
t_assert_ok "and never shown" bash -c "! grep -q '$T__PG_PW' '$T/err'"
port=$(t_free_port)
"$CARTERA" -c "$T/empty.conf" -d "postgresql://cartera@127.0.0.1:$port/x" client list >/dev/null 2>"$T/err"
t_assert_eq 1 $? "no server exits 1"
t_assert_file_contains "$T/err" "cannot connect" "no server: says it cannot connect"

t_done
