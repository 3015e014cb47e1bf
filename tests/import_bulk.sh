#!/bin/bash
# import_bulk.sh - the bulk path of a large import (at least 1,000 rows and
# as many as the clients already there: indexes dropped, rows written,
# indexes built again, all in one transaction): the same clients, updates
# and errors as the row-by-row path, and an import that fails midway
# leaves the database exactly as it was, every index there.
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
t_init import_bulk
t_require sha256sum
# The bulk path is SQLite's; on PostgreSQL the same checks prove the
# plain path gives the same and fails as cleanly (the schema checks are
# SQLite's own), with the set of tax ids and name keys that spares the
# lookups of keys no client has (emails are looked up there).
lite() { [ "$(t_engine)" = sqlite ]; }
lite && t_require sqlite3

CARTERA=${top_builddir:-.}/cartera
export TZ=UTC
: >"$T/empty.conf"
c() { "$CARTERA" -c "$T/empty.conf" "$@"; }
setup() {	# setup DB: two salespeople and a few clients of their own
	CARTERA_DB=$1 c init >/dev/null &&
	CARTERA_DB=$1 c owner add ana@example.com --name "Ana" >/dev/null &&
	CARTERA_DB=$1 c owner add bob@example.com --name "Bob" >/dev/null &&
	CARTERA_DB=$1 c client add "Ya Estaba S.L." --tax-id B00000001 --owner ana@example.com \
		>/dev/null &&
	CARTERA_DB=$1 c client add "Otra Previa S.A." --email previa@example.es \
		--owner bob@example.com >/dev/null
}
# All the database holds, and its schema in a stable order.
state() { t_db_digest "$1"; }
schema() { if lite; then sqlite3 "$1" .schema | sort; else echo same; fi; }

# 3,000 rows: new clients, and rows that update earlier ones of the same
# file by tax id, by email and by name, and the two clients already there.
/usr/bin/python3 - "$T/big.csv" <<'PY'
import sys
with open(sys.argv[1], "w", encoding="utf-8") as f:
    f.write("name,email,city,sector,segment,tax_id,owner,notes\n")
    for i in range(3000):
        if i % 100 == 99:	# the same tax id as row i - 50: an update
            f.write(f"Cliente {i - 50} Bis,,Soria,,,X{i - 50:07d},,nota {i}\n")
        elif i % 100 == 98:	# the same email as row i - 40
            f.write(f"Cambio {i},c{i - 40}@example.es,,Comercio,,,,\n")
        elif i % 100 == 97:	# the same name (up to accents) as row i - 30
            f.write(f"CLIENTE {i - 30},,León,,,,bob@example.com,\n")
        elif i == 1500:
            f.write("Ya Estaba SL,,Burgos,,,B00000001,,\n")
        elif i == 1501:
            f.write("Quien Sea,previa@EXAMPLE.es,,,,,,otra nota\n")
        else:
            f.write(f"Cliente {i},c{i}@example.es,Ciudad {i % 40},Sector {i % 7},"
                    f"Segmento {i % 5},X{i:07d},{'ana' if i % 2 else 'bob'}@example.com,\n")
PY

# --- the same file through the bulk path and row by row: the same clients
BULK=$(t_db bulk)
ROWS=$(t_db rows)
setup "$BULK" && setup "$ROWS" || t_fatal "setup"
before=$(schema "$BULK")
out=$(CARTERA_DB=$BULK c import "$T/big.csv")
t_assert_eq 0 $? "a 3,000-row import (the bulk path) succeeds"
t_assert_match "3000 rows, 2908 inserted, 92 updated" "$out" "its summary"
# Row by row: below 1,000 rows and then fewer rows than clients each time.
head -1 "$T/big.csv" >"$T/hdr"
tail -n +2 "$T/big.csv" | split -l 500 - "$T/part."
for p in "$T"/part.*; do
	cat "$T/hdr" "$p" >"$p.csv"
	CARTERA_DB=$ROWS c import "$p.csv" >/dev/null || t_fail "importing $p row by row"
done
CARTERA_DB=$BULK c export >"$T/bulk.out"
CARTERA_DB=$ROWS c export >"$T/rows.out"
t_assert_eq "$(sha256sum <"$T/rows.out")" "$(sha256sum <"$T/bulk.out")" \
	"the bulk path gives the same clients as the row-by-row one"
t_assert_eq "$(t_sql "$ROWS" 'SELECT client_id, name, email, phone, is_primary, search_name FROM contacts ORDER BY client_id, id' | sha256sum)" \
	"$(t_sql "$BULK" 'SELECT client_id, name, email, phone, is_primary, search_name FROM contacts ORDER BY client_id, id' | sha256sum)" \
	"and the same contacts"
t_assert_eq "$(t_sql "$ROWS" 'SELECT client_id, old_status, new_status FROM client_status_log ORDER BY id' | sha256sum)" \
	"$(t_sql "$BULK" 'SELECT client_id, old_status, new_status FROM client_status_log ORDER BY id' | sha256sum)" \
	"and the same status log"
t_assert_eq "$before" "$(schema "$BULK")" "every index is back after the bulk path"
lite && t_assert_eq ok "$(sqlite3 "$BULK" 'PRAGMA integrity_check')" "the database is sound"
t_assert_ok "cartera check after the bulk path" env CARTERA_DB="$BULK" "$CARTERA" -c "$T/empty.conf" check
t_assert_match "Soria" "$(CARTERA_DB=$BULK c --json client show 'Cliente 49 Bis')" \
	"a row matched by tax id updated the earlier row"
# The indexes are used again: a lookup by name key reads the index.
lite && t_assert_match "USING (COVERING )?INDEX clients_name_key" \
	"$(sqlite3 "$BULK" "EXPLAIN QUERY PLAN SELECT id FROM clients WHERE replace(search_name, ' ', '') = 'x'")" \
	"the rebuilt index is used"
# Nobody else had the database open: the import wrote its pages under a
# rollback journal, and put the WAL back when it ended.
lite && t_assert_eq wal "$(sqlite3 "$BULK" 'PRAGMA journal_mode')" \
	"the database is in WAL mode again after the bulk import"
lite && t_assert_eq "" "$(ls "$BULK"-journal 2>/dev/null)" "and no rollback journal is left"

# --- a bad row near the end: nothing imported, the database as it was
FAIL=$(t_db fail)
setup "$FAIL" || t_fatal "setup"
CARTERA_DB=$FAIL c import "$T/big.csv" >/dev/null || t_fatal "first import"
before=$(state "$FAIL")
schema_before=$(schema "$FAIL")
# As many rows again, new ones, so the bulk path is taken; one bad at the end.
sed -e 's/^Cliente /Nuevo /' -e 's/X0/Y0/' -e 's/@example.es/@nuevo.example.es/' \
	"$T/big.csv" >"$T/big2.csv"
printf 'Mal Correo,no es un correo,,,,,,\n' >>"$T/big2.csv"
CARTERA_DB=$FAIL c import "$T/big2.csv" >"$T/out" 2>"$T/err"
t_assert_eq 1 $? "a bad last row fails the import"
t_assert_match "big2.csv:3002: email" "$(cat "$T/err")" "the error names the row"
t_assert_eq "$before" "$(state "$FAIL")" "the database is exactly as before (.dump)"
t_assert_eq "$schema_before" "$(schema "$FAIL")" "every index is still there"

# --- an ambiguous match late in the file: the same
sed -e 's/^Cliente /Otro /' -e 's/X0/Z0/' -e 's/@example.es/@otro.example.es/' \
	"$T/big.csv" >"$T/big3.csv"
CARTERA_DB=$FAIL c client add "Doble S.L." --owner ana@example.com >/dev/null
CARTERA_DB=$FAIL c client add "Doble SL" --owner bob@example.com --allow-duplicate >/dev/null
before=$(state "$FAIL")
printf 'DOBLE S.L.,,,,,,,\n' >>"$T/big3.csv"
CARTERA_DB=$FAIL c import "$T/big3.csv" >"$T/out" 2>"$T/err"
t_assert_eq 1 $? "an ambiguous row at the end fails the import"
t_assert_match "name .* matches clients" "$(cat "$T/err")" "the error names the clients"
# The bulk path finds the candidates by name in memory: the same clients,
# and the same words, as the index on the plain path (one row).
printf 'name\nDOBLE S.L.\n' >"$T/one.csv"
CARTERA_DB=$FAIL c import "$T/one.csv" >/dev/null 2>"$T/err1"
t_assert_eq "$(sed -n 's/^[^ ]*big3.csv:[0-9]*: //p' "$T/err")" \
	"$(sed -n 's/^[^ ]*one.csv:[0-9]*: //p' "$T/err1")" \
	"the same ambiguity error on the bulk and the plain path"
t_assert_match "^name .* matches clients" "$(sed -n 's/^[^ ]*one.csv:[0-9]*: //p' "$T/err1")" \
	"(the plain path's error, as the comparison read it)"
t_assert_eq "$before" "$(state "$FAIL")" "the database is exactly as before (.dump)"
t_assert_eq "$schema_before" "$(schema "$FAIL")" "every index is still there"

# --- a dry run of the bulk path writes nothing either
head -n -1 "$T/big2.csv" >"$T/good2.csv"
t_assert_match "2908 would be inserted" "$(CARTERA_DB=$FAIL c import --dry-run "$T/good2.csv")" \
	"a dry run of the bulk path counts the rows"
t_assert_eq "$before" "$(state "$FAIL")" "a dry run leaves the database as it was"
t_assert_eq "$schema_before" "$(schema "$FAIL")" "and every index"
# --- the status log of one import, in the order of its rows: a client
# inserted, then changed by a later row of the same file (the first rows
# of the inserted clients are written together; the change must come
# after its client's first row, and that row must hold the status the
# client was inserted with).  Both paths: 1,200 rows (bulk) and 12 rows.
for n in 1200 12; do
	/usr/bin/python3 - "$T/st$n.csv" "$n" <<'PY'
import sys
n = int(sys.argv[2])
with open(sys.argv[1], "w", encoding="utf-8") as f:
    f.write("name,status,tax_id,owner\n")
    for i in range(n):
        if i == 0:
            f.write("Estado Uno,potential,E0000001,ana@example.com\n")
        elif i == n // 2:
            f.write("Estado Uno,active,E0000001,\n")
        elif i == n // 2 + 1:
            f.write("Estado Dos,lost,E0000002,bob@example.com\n")
        else:
            f.write(f"Relleno {i},,R{i:07d},ana@example.com\n")
PY
	SDB=$(t_db "st$n")
	setup "$SDB" || t_fatal "setup"
	CARTERA_DB=$SDB c --now "2026-11-02 09:30Z" import "$T/st$n.csv" >/dev/null ||
		t_fatal "status import of $n rows"
	uno=$(CARTERA_DB=$SDB c --json client show "Estado Uno" | t_json 'd["id"]')
	dos=$(CARTERA_DB=$SDB c --json client show "Estado Dos" | t_json 'd["id"]')
	t_assert_eq "$uno||potential
$uno|potential|active
$dos||lost" "$(t_sql "$SDB" "SELECT client_id, coalesce(old_status, ''), new_status FROM client_status_log
		WHERE client_id IN ($uno, $dos) ORDER BY id" | tr -d ' ')" \
		"$n rows: the status log in the order of the rows, the first status as imported"
	t_assert_eq "$n" "$(t_sql "$SDB" "SELECT count(*) FROM client_status_log l
		JOIN clients c ON c.id = l.client_id WHERE l.at = $(date -u -d '2026-11-02 09:30' +%s)")" \
		"$n rows: a log row for each client inserted ($n - 1) and the change, at the import's time"
	t_assert_eq 0 "$(t_sql "$SDB" "SELECT count(*) FROM clients c WHERE c.id > 2 AND
		(SELECT count(*) FROM client_status_log l WHERE l.client_id = c.id AND l.old_status IS NULL) <> 1")" \
		"$n rows: every client inserted has exactly one first row"
done
# --- rows are read and checked on a thread of their own and written on
# the caller's: the errors of both (a value refused as read, an ambiguous
# name found as written) are listed in the file's order, across batches of
# rows, and --max-errors keeps the first ones in that order.  As before,
# once a row has failed the rest are only checked, not matched.
ORD=$(t_db order)
setup "$ORD" || t_fatal "setup"
CARTERA_DB=$ORD c client add "Doble S.L." --owner ana@example.com >/dev/null
CARTERA_DB=$ORD c client add "Doble SL" --owner bob@example.com --allow-duplicate >/dev/null
/usr/bin/python3 - "$T/order.csv" <<'PY'
import sys
with open(sys.argv[1], "w", encoding="utf-8") as f:
    f.write("name,email,owner\n")
    for line in range(2, 3002):
        if line in (40, 2900):	# ambiguous: found by the writer
            f.write("DOBLE S.L.,,\n")
        elif line in (50, 2500):	# refused as read
            f.write(f"Mal {line},no es un correo,\n")
        elif line == 2000:
            f.write(f"Sin Dueño {line},,nadie@example.com\n")
        else:
            f.write(f"Orden {line},o{line}@example.es,ana@example.com\n")
PY
before=$(state "$ORD")
errs() { sed -n 's/^.*order\.csv:\([0-9]*\): \([a-z]*\).*/\1:\2/p' "$T/err" | paste -sd ' '; }
CARTERA_DB=$ORD c import --no-progress "$T/order.csv" >"$T/out" 2>"$T/err"
t_assert_eq 1 $? "a 3,000-row file with bad rows fails"
t_assert_eq "40:name 50:email 2000:owner 2500:email" "$(errs)" \
	"its errors, from both threads, in the file's order"
CARTERA_DB=$ORD c import --no-progress --max-errors 2 "$T/order.csv" >"$T/out" 2>"$T/err"
t_assert_eq "40:name 50:email" "$(errs)" "--max-errors 2 lists the first two"
t_assert_match "order.csv: ... and 2 more errors" "$(cat "$T/err")" "and counts the others"
t_assert_eq "$before" "$(state "$ORD")" "nothing was written"

# --- the rollback journal of a bulk import (SQLite): taken only when no
# other connection has the database open, so a reader that has keeps
# reading while the import runs; and an import killed midway, its pages
# partly written to the database file, leaves the database as it was.
if lite; then
	/usr/bin/python3 - "$T/big60.csv" <<'PY'
import sys
with open(sys.argv[1], "w", encoding="utf-8") as f:
    f.write("name,email,city,sector,tax_id,owner,notes\n")
    for i in range(60000):
        f.write(f"Grande {i},g{i}@example.es,Ciudad {i % 50},Sector {i % 9},"
                f"G{i:07d},{'ana' if i % 2 else 'bob'}@example.com,nota {i}\n")
PY
	RD=$(t_db reader)
	setup "$RD" || t_fatal "setup"
	out=$(/usr/bin/python3 - "$RD" "$CARTERA" "$T/empty.conf" "$T/big60.csv" <<'PY'
import sqlite3, subprocess, sys, time
db, cartera, conf, csv = sys.argv[1:5]
con = sqlite3.connect(db, timeout=0, isolation_level=None)
before = con.execute("SELECT count(*) FROM clients").fetchone()[0]
p = subprocess.Popen([cartera, "-c", conf, "-d", db, "import", "--no-progress", csv],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
reads = fails = 0
deadline = time.monotonic() + 120
while p.poll() is None and time.monotonic() < deadline:
    try:
        if con.execute("SELECT count(*) FROM clients").fetchone()[0] != before:
            break	# the import has committed
        reads += 1
    except sqlite3.OperationalError:
        fails += 1
    time.sleep(0.005)
rc = p.wait()
after = con.execute("SELECT count(*) FROM clients").fetchone()[0]
print(rc, min(reads, 1), fails, after - before)
PY
)
	t_assert_eq "0 1 0 60000" "$out" \
		"a reader with the database open reads it all through a bulk import (rc, read, refused, added)"
	t_assert_eq wal "$(sqlite3 "$RD" 'PRAGMA journal_mode')" "which kept the WAL"

	KD=$(t_db killed)
	setup "$KD" || t_fatal "setup"
	before=$(state "$KD")
	size0=$(stat -c %s "$KD")
	"$CARTERA" -c "$T/empty.conf" -d "$KD" import --no-progress "$T/big60.csv" >/dev/null 2>&1 &
	pid=$!
	# Until pages of the import reach the database file (it grows), at
	# most 60 s.
	for _ in $(seq 6000); do
		[ "$(stat -c %s "$KD")" -gt "$size0" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.01
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid"
	t_assert_eq 137 $? "the import was killed while it ran"
	t_assert_ok "with its pages partly written and a rollback journal beside them" \
		test "$(stat -c %s "$KD")" -gt "$size0" -a -s "$KD-journal"
	t_assert_ok "cartera check after the kill" env CARTERA_DB="$KD" "$CARTERA" -c "$T/empty.conf" check
	t_assert_eq "$before" "$(state "$KD")" "the database is exactly as before the import"
	t_assert_eq wal "$(sqlite3 "$KD" 'PRAGMA journal_mode')" "and in WAL mode"
	t_assert_eq "" "$(ls "$KD"-journal 2>/dev/null)" "the journal is gone"
	t_assert_match "60000 inserted" "$(CARTERA_DB=$KD c import --no-progress "$T/big60.csv")" \
		"the same import, run again, succeeds"
fi
t_done
