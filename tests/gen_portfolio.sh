#!/bin/bash
# gen_portfolio.sh - contrib/gen-portfolio against the real cartera binary:
# a generated database is consistent (counts, integrity, foreign keys, the
# derived columns the triggers keep); the CSV is reproducible byte for byte
# and depends on the seed; the Spanish Excel CSV imports with its accents;
# --db gives the same clients as --csv; bad use is refused.
# Exit codes (automake): 0 pass, 1 fail, 77 skip.

top_srcdir=${srcdir:-$(dirname "$0")/..}
top_builddir=${top_builddir:-.}
GEN=$top_srcdir/contrib/gen-portfolio
CARTERA=$top_builddir/cartera

if [ "${CARTERA_TEST_ENGINE:-sqlite}" = pg ]; then
	echo "SKIP: gen-portfolio writes SQLite files (not on pg)"
	exit 77
fi
if [ ! -x /usr/bin/python3 ]; then
	echo "SKIP: /usr/bin/python3 missing"
	exit 77
fi
if ! command -v sqlite3 >/dev/null 2>&1; then
	echo "SKIP: sqlite3 missing"
	exit 77
fi
if [ ! -x "$CARTERA" ]; then
	echo "ERROR: $CARTERA not built" >&2
	exit 99
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/cartera-gen.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
trap 'exit 1' HUP INT TERM
export TZ=UTC
: >"$T/empty.conf"
c() { "$CARTERA" -c "$T/empty.conf" -q "$@"; }
q() { sqlite3 -batch "$1" "$2"; }

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() { fail=$((fail + 1)); echo "FAIL - $1"; }
check_eq() {	# EXPECTED ACTUAL MSG
	if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3: expected [$1], got [$2]"; fi
}
check_range() {	# LOW HIGH ACTUAL MSG
	if [ -n "$3" ] && [ "$3" -ge "$1" ] && [ "$3" -le "$2" ]; then ok "$4 ($3)"
	else not_ok "$4: $3 not in [$1, $2]"; fi
}
NOW=2026-11-23
N=300

# --- straight into a database made by cartera init
c -d "$T/gen.db" init
schema=$(q "$T/gen.db" 'PRAGMA user_version')
"$GEN" --clients $N --seed 7 --now $NOW --db "$T/gen.db" --quiet
check_eq 0 $? "generate $N clients into a database"
check_eq "$N" "$(q "$T/gen.db" 'SELECT count(*) FROM clients')" "client count"
check_eq 1 "$(q "$T/gen.db" 'SELECT count(*) FROM owners')" "one owner by default"
check_range $N $((N * 13 / 10)) "$(q "$T/gen.db" 'SELECT count(*) FROM contacts')" "contacts: one primary, some second"
check_eq "$N" "$(q "$T/gen.db" 'SELECT count(DISTINCT client_id) FROM contacts WHERE is_primary')" "a primary contact per client"
check_range $((N * 8)) $((N * 12)) "$(q "$T/gen.db" 'SELECT count(*) FROM interactions')" "about 10 interactions per client"
check_range $((N * 4)) $((N * 6)) "$(q "$T/gen.db" 'SELECT count(*) FROM invoices')" "about 5 invoices per client"
check_range 5 $((N / 20 + 5)) "$(q "$T/gen.db" 'SELECT count(*) FROM activities')" "activities"
check_range $N $((N * 2)) "$(q "$T/gen.db" 'SELECT count(*) FROM client_status_log')" "status log rows"
check_eq "$N" "$(q "$T/gen.db" 'SELECT count(DISTINCT client_id) FROM client_status_log WHERE old_status IS NULL')" "an initial status per client"
check_eq "4" "$(q "$T/gen.db" 'SELECT count(DISTINCT status) FROM clients')" "all four statuses"
check_eq "ok" "$(q "$T/gen.db" 'PRAGMA integrity_check')" "integrity check"
check_eq "" "$(q "$T/gen.db" 'PRAGMA foreign_key_check')" "no foreign key violations"
check_eq "$schema" "$(q "$T/gen.db" 'PRAGMA user_version')" "schema version kept"
check_eq wal "$(q "$T/gen.db" 'PRAGMA journal_mode')" "still in WAL mode"
check_eq 0 "$(q "$T/gen.db" 'SELECT count(*) FROM clients c WHERE last_touch_at IS NOT
	(SELECT max(at) FROM interactions WHERE client_id = c.id)')" "last touch as the trigger keeps it"
check_eq 0 "$(q "$T/gen.db" 'SELECT count(*) FROM clients c WHERE purchases <>
	(SELECT count(DISTINCT issued) FROM invoices WHERE client_id = c.id)
	OR last_purchase IS NOT (SELECT max(issued) FROM invoices WHERE client_id = c.id)')" "purchases as the trigger keeps them"
check_range 1 $N "$(q "$T/gen.db" 'SELECT count(*) FROM clients WHERE median_interval > 0')" "median purchase intervals"
check_eq 0 "$(q "$T/gen.db" "SELECT count(*) FROM activities WHERE uid NOT LIKE '%@cartera'
	OR duration_min NOT BETWEEN 15 AND 90 OR tz <> (SELECT tz FROM owners WHERE id = owner_id)")" "activity uid, duration, time zone"
check_eq 0 "$(q "$T/gen.db" "SELECT count(*) FROM interactions WHERE at >= strftime('%s', '$NOW')")" "no interaction after --now"
check_range 1 $N "$(q "$T/gen.db" "SELECT count(*) FROM invoices WHERE paid_at IS NULL AND due < '$NOW'")" "some overdue invoices"
# The derived columns set per batch are the ones the triggers give row by row.
c -d "$T/row.db" init
"$GEN" --clients $N --seed 7 --now $NOW --db "$T/row.db" --per-row-triggers --quiet
check_eq 0 $? "generate with --per-row-triggers"
check_eq "$(sqlite3 "$T/gen.db" .dump | sha256sum)" "$(sqlite3 "$T/row.db" .dump | sha256sum)" \
	"same database whether the triggers work row by row or not"
out=$(c -d "$T/gen.db" client list --limit 5)
check_eq 0 $? "cartera client list on the generated database"
check_eq 6 "$(printf '%s\n' "$out" | wc -l)" "client list shows a header and 5 clients"
c -d "$T/gen.db" check
check_eq 0 $? "cartera check"

# --- the CSV: reproducible, and depends on the seed
"$GEN" --clients $N --seed 7 --csv "$T/a.csv" --quiet
check_eq 0 $? "CSV generated"
"$GEN" --clients $N --seed 7 --csv "$T/b.csv" --quiet
"$GEN" --clients $N --seed 8 --csv "$T/c.csv" --quiet
if cmp -s "$T/a.csv" "$T/b.csv"; then ok "same seed, identical bytes"; else not_ok "same seed, identical bytes"; fi
if cmp -s "$T/a.csv" "$T/c.csv"; then not_ok "another seed, other clients"; else ok "another seed, other clients"; fi
check_eq "name,kind,status,segment,sector,email,phone,contact,role,address,city,postal_code,country,tax_id,owner,notes" \
	"$(head -1 "$T/a.csv")" "canonical header"
check_eq 0 "$(grep -c $'\r' "$T/a.csv")" "LF line ends"
check_eq 1 "$(wc -l <"$T/a.csv.owners")" "owners file"

# --- the Spanish Excel flavour imports, accents and all
"$GEN" --clients $N --seed 7 --csv "$T/x.csv" --excel --quiet
check_eq 0 $? "Excel CSV generated"
if iconv -f utf-8 -t utf-8 "$T/x.csv" >/dev/null 2>&1; then
	not_ok "Excel CSV is Windows-1252, not UTF-8"
else
	ok "Excel CSV is Windows-1252, not UTF-8"
fi
check_eq "nombre;tipo;estado;segmento;sector;correo;teléfono;contacto;cargo;dirección;localidad;código postal;país;nif/cif;comercial;notas" \
	"$(head -1 "$T/x.csv" | iconv -f cp1252 -t utf-8 | tr -d '\r')" "Spanish header"
check_eq $((N + 1)) "$(grep -c $'\r$' "$T/x.csv")" "CRLF ends the header and each record"
c -d "$T/x.db" init
while IFS=$'\t' read -r email name tz; do
	c -d "$T/x.db" owner add "$email" --name "$name" --tz "$tz"
done <"$T/x.csv.owners"
out=$("$CARTERA" -c "$T/empty.conf" -d "$T/x.db" import "$T/x.csv" 2>&1)
check_eq 0 $? "cartera imports the Excel CSV"
case $out in
*"$N inserted"*) ok "import reports $N inserted" ;;
*) not_ok "import reports $N inserted: $out" ;;
esac
check_eq "$N" "$(q "$T/x.db" 'SELECT count(*) FROM clients')" "imported client count"
# An accented name from the plain file (same seed: same clients).
accented=$(cut -d, -f1 "$T/a.csv" | grep -m1 '[ÁÉÍÓÚáéíóúÑñÜü]')
if [ -n "$accented" ]; then
	check_eq 1 "$(q "$T/x.db" "SELECT count(*) FROM clients WHERE name = '${accented//\'/\'\'}'")" \
		"accented name survived: $accented"
else
	not_ok "no accented client name generated"
fi
check_range 1 $N "$(q "$T/x.db" "SELECT count(*) FROM clients WHERE notes LIKE '%'||char(10)||'%'")" "notes with line breaks"
cols="c.name, c.kind, c.status, s.name, c.sector, c.tax_id, c.address, c.city, c.postal_code,
	c.country, c.notes, p.name, p.role, p.email, p.phone, o.email"
from="clients c LEFT JOIN segments s ON s.id = c.segment_id
	LEFT JOIN contacts p ON p.client_id = c.id AND p.is_primary = 1
	LEFT JOIN owners o ON o.id = c.owner_id ORDER BY c.id"
check_eq "$(q "$T/gen.db" "SELECT $cols FROM $from" | sha256sum)" \
	"$(q "$T/x.db" "SELECT $cols FROM $from" | sha256sum)" "--db and the imported --excel CSV hold the same clients"

# --- refusals
"$GEN" --clients 10 --db "$T/x.db" --quiet 2>"$T/err"
check_eq 1 $? "refuses a database that already holds clients"
sqlite3 "$T/other.db" 'CREATE TABLE t(x); PRAGMA user_version = 99;'
"$GEN" --clients 10 --db "$T/other.db" --quiet 2>"$T/err"
check_eq 1 $? "refuses a database of another schema version"
if grep -q "schema version" "$T/err"; then ok "says why"; else not_ok "says why: $(cat "$T/err")"; fi
"$GEN" --clients 10 --db "$T/missing.db" --quiet 2>/dev/null
check_eq 1 $? "refuses a missing database"
check_eq "" "$(ls "$T/missing.db" 2>/dev/null)" "does not create it"
"$GEN" --clients 10 2>/dev/null
check_eq 2 $? "usage error without --csv or --db"
"$GEN" --clients 10 --csv "$T/u.csv" --now 2026-13-01 2>/dev/null
check_eq 2 $? "usage error on a bad --now"
"$GEN" --help >/dev/null
check_eq 0 $? "--help"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
