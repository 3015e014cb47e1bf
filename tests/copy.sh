#!/bin/bash
# copy.sh - "cartera copy": a SQLite portfolio into PostgreSQL and back
# gives the same database (every row of every table, the queued mail and
# its attachments too), in one transaction verified by counts and
# checksums; a target that holds rows is refused unless --replace.
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
t_init copy
pg_start
# PostgreSQL whatever the engine under test: make check runs it already.
t_skip_engine pg "runs in make check already"
t_require sqlite3

CARTERA=${top_builddir:-.}/cartera
CARTERAD=${top_builddir:-.}/carterad
export TZ=UTC
A=$T/a.db
B=$T/b.db
port=$(t_free_port)	# nobody listens: the digests stay queued
cat >"$T/a.conf" <<EOF
user = "root";
database = "$A";
templates = "$T_SRCDIR/etc/templates";
http: { port = 0; };
smtp: { url = "smtp://127.0.0.1:$port"; starttls = "none"; from = "Cartera <c@example.com>"; timeout = 2; };
EOF
c() { "$CARTERA" -c "$T/a.conf" "$@"; }

# A portfolio with history on every table, and queued digests (HTML with
# inline chart images: blobs).
c -q init || t_fatal "init"
"$T_PYTHON" "$T_SRCDIR/contrib/gen-portfolio" --db "$A" --clients 1500 --owners 4 \
	--now 2026-03-09 --quiet || t_fatal "gen-portfolio"
c -q team add Norte || t_fatal "team"
c -q segment set vip --cadence 7 || t_fatal "segment"
c -q cost add 1500 --month 2026-02 --kind marketing || t_fatal "cost"
c -q client add "Nulos y Ñandúes" --kind individual --owner "$(sqlite3 "$A" "SELECT email FROM owners ORDER BY id LIMIT 1")" --notes "línea 1
línea 2 'comillas' \"dobles\" \\ barra" || t_fatal "client add"
"$CARTERAD" -c "$T/a.conf" --once --now "2026-03-10 12:00:00Z" >"$T/carterad.log" 2>&1
queued=$(sqlite3 "$A" "SELECT count(*) FROM outbox")
t_assert_ok "digests queued to copy along ($queued)" test "$queued" -gt 0
t_assert_ok "some with attachments" test "$(sqlite3 "$A" "SELECT count(*) FROM outbox WHERE attachments IS NOT NULL")" -ge 0

# SQLite -> PostgreSQL -> SQLite
PG=$(pg_createdb copy)
c copy --to "$PG" >"$T/out1" 2>&1
t_assert_eq 0 $? "copy SQLite -> PostgreSQL exits 0"
t_assert_file_contains "$T/out1" "counts and checksums match" "it says what it verified"
t_assert_file_contains "$T/out1" "^clients +1501 rows" "the clients are counted"
# The triggers that keep the clients' derived columns were off while the
# history arrived (the clients' rows bring those columns along), and are
# on again: a touch logged after the copy moves the client's last touch.
t_assert_eq 3 "$(pg_sql "$PG" "SELECT count(*) FROM pg_trigger WHERE tgenabled = 'O'
	AND tgname IN ('interactions_ai', 'interactions_reply_ai', 'invoices_ai')")" \
	"the derived-column triggers are on after the copy"
"$CARTERA" -d "$PG" copy --to "$B" >"$T/out2" 2>&1
t_assert_eq 0 $? "copy PostgreSQL -> SQLite exits 0"
# The checksums are the rows' own: the same on every side.
t_assert_eq "$(grep ' rows  checksum ' "$T/out1")" "$(grep ' rows  checksum ' "$T/out2")" \
	"the same counts and checksums both ways"
t_assert_eq "$(c export | sha256sum)" "$("$CARTERA" -d "$B" export | sha256sum)" \
	"the round trip exports the same CSV"
t_assert_eq "$(c export | sha256sum)" "$("$CARTERA" -d "$PG" export | sha256sum)" \
	"PostgreSQL exports the same CSV"
t_assert_eq "$(sqlite3 "$A" .dump | sha256sum)" "$(sqlite3 "$B" .dump | sha256sum)" \
	"the round trip gives the same database, row for row (sqlite3 .dump)"
t_assert_eq "$(c --json outbox list | sha256sum)" "$("$CARTERA" -d "$PG" --json outbox list | sha256sum)" \
	"the outbox reads the same on PostgreSQL"
one=$(pg_sql "$PG" "SELECT id FROM clients ORDER BY id LIMIT 1")
was=$(pg_sql "$PG" "SELECT coalesce(last_touch_at, 0) FROM clients WHERE id = $one")
"$CARTERA" -d "$PG" -q log "$one" call --at "2026-03-11 09:30" --outcome done >/dev/null ||
	t_fatal "log a touch on PostgreSQL"
now=$(pg_sql "$PG" "SELECT last_touch_at FROM clients WHERE id = $one")
t_assert_ok "a touch logged after the copy moves the client's last touch ($was, $now)" \
	test "$now" -gt "$was"
t_assert_eq "$(pg_sql "$PG" "SELECT max(at) FROM interactions WHERE client_id = $one")" "$now" \
	"to that touch"
# New rows go on after the copied ids.
"$CARTERA" -d "$PG" -q client add "Después de copiar" --owner "$(sqlite3 "$A" "SELECT email FROM owners ORDER BY id LIMIT 1")" >/dev/null
t_assert_eq "$(($(sqlite3 "$A" 'SELECT max(id) FROM clients') + 1))" \
	"$(pg_sql "$PG" "SELECT id FROM clients WHERE name = 'Después de copiar'")" \
	"a client added after the copy takes the next id"

# A target that holds rows is refused, and left as it was.
before=$(pg_sql "$PG" "SELECT count(*) FROM clients")
c copy --to "$PG" >"$T/out3" 2>&1
t_assert_eq 1 $? "copy onto a database with rows exits 1"
t_assert_file_contains "$T/out3" "is not empty" "it says why"
t_assert_eq "$before" "$(pg_sql "$PG" "SELECT count(*) FROM clients")" "nothing changed"
c copy --to "$PG" --replace >"$T/out4" 2>&1
t_assert_eq 0 $? "--replace replaces"
t_assert_eq "$((before - 1))" "$(pg_sql "$PG" "SELECT count(*) FROM clients")" \
	"the target holds exactly the source's clients"
t_assert_eq "$(c export | sha256sum)" "$("$CARTERA" -d "$PG" export | sha256sum)" \
	"and exports the same after --replace"
# A role that may write the tables but does not own them may not turn
# their triggers off: the copy goes on with them, only slower.
pg_sql "$PG" "CREATE ROLE copier LOGIN PASSWORD '$T__PG_PW';
	GRANT ALL ON ALL TABLES IN SCHEMA public TO copier;
	GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO copier" >/dev/null ||
	t_fatal "create a role that does not own the tables"
printf '127.0.0.1:%s:*:copier:%s\n' "$PG_PORT" "$T__PG_PW" >>"$PGPASSFILE"
c copy --to "${PG/cartera@/copier@}" --replace >"$T/out5" 2>&1
t_assert_eq 0 $? "a role that does not own the tables copies too"
t_assert_file_contains "$T/out5" "counts and checksums match" "with the triggers on"
t_assert_eq "$(c export | sha256sum)" "$("$CARTERA" -d "$PG" export | sha256sum)" \
	"the same portfolio"
c copy --to "$A" >/dev/null 2>&1
t_assert_eq 2 $? "copy onto itself is a usage error"
c --json copy --to "$T/j.db" >"$T/j.json"
t_assert_eq "$(sqlite3 "$A" 'SELECT count(*) FROM interactions')" \
	"$("$T_PYTHON" -c 'import json,sys; d=json.load(open(sys.argv[1])); print([t["rows"] for t in d["tables"] if t["table"]=="interactions"][0])' "$T/j.json")" \
	"--json gives the rows per table"

t_done
