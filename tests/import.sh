#!/bin/bash
# import.sh - CSV import and export through the real cartera binary:
# round trip, Spanish Excel files (semicolons, cp1252, BOM, CRLF, quoted
# newlines), matching existing clients, dry runs, and every kind of bad
# row leaving the database byte-for-byte as it was.
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
t_init import
DB_C=$(t_db c)
t_require sqlite3 sha256sum

CARTERA=${top_builddir:-.}/cartera
export CARTERA_DB=$DB_C TZ=UTC
: >"$T/empty.conf"
c() { "$CARTERA" -c "$T/empty.conf" "$@"; }
# With two salespeople a new client needs an owner: these files give none,
# so they all go to Ana.
I() { c import --owner ana@example.com "$@"; }

c init >/dev/null
c owner add ana@example.com --name "Ana López" >/dev/null
c owner add bob@example.com --name "Bob" >/dev/null

# --- a plain UTF-8 file with every canonical column
cat >"$T/plain.csv" <<'CSV'
name,kind,status,segment,sector,email,phone,contact,role,address,city,postal_code,country,tax_id,owner,notes
Talleres Pérez S.L.,company,active,Gran cuenta,Industria,compras@talleres.es,+34 911 222 333,José Núñez,Gerente,"Calle de Alcalá 23, 2º B",Madrid,28014,ES,B12345678,ana@example.com,"Nota con ""comillas"", comas
y dos líneas"
Panadería Núñez,autónomo,potencial,Pyme,Comercio,pan@nunez.es,954 000 111,Begoña Ruiz,,Calle Sierpes 1,Sevilla,41004,España,12345678Z,bob@example.com,
"<script>alert(1)</script>",particular,activo,,,,,,,,,,,,ana@example.com,{{no template}}
CSV
out=$(c import "$T/plain.csv")
t_assert_eq 0 $? "plain import succeeds"
t_assert_match "3 rows, 3 inserted, 0 updated" "$out" "import summary"
t_assert_eq 3 "$(c --json client list | t_json 'len(d)')" "3 clients"
t_assert_eq $'Nota con "comillas", comas\ny dos líneas' "$(c --json client show 1 | t_json 'd["notes"]')" "quoted newline and quotes kept"
t_assert_eq "<script>alert(1)</script>|{{no template}}" "$(c --json client show 3 | t_json 'd["name"]+"|"+d["notes"]')" "markup stored as text"
t_assert_eq "freelancer|potential|ES" "$(c --json client show 2 | t_json 'd["kind"]+"|"+d["status"]+"|"+d["country"]')" "Spanish enum values normalised"

# --- round trip: export, import into a fresh database, export again
COPY_DB=$(t_db copy)
c export "$T/out1.csv"
t_assert_eq 0 $? "export to a file"
head -1 "$T/out1.csv" | tr -d '\r' >"$T/hdr"
t_assert_eq "name,kind,status,segment,sector,email,phone,contact,role,address,city,postal_code,country,tax_id,owner,notes,cadence,next_contact,do_not_email,followup_emails,payment_method,payment_days,orders" "$(cat "$T/hdr")" "canonical header"
CARTERA_DB=$COPY_DB c init >/dev/null
CARTERA_DB=$COPY_DB c owner add ana@example.com --name A >/dev/null
CARTERA_DB=$COPY_DB c owner add bob@example.com --name B >/dev/null
CARTERA_DB=$COPY_DB c import "$T/out1.csv" >/dev/null
t_assert_eq 0 $? "exported file imports"
CARTERA_DB=$COPY_DB c export >"$T/out2.csv"
t_assert_eq "$(sha256sum <"$T/out1.csv")" "$(sha256sum <"$T/out2.csv")" "round trip gives the same bytes"
# Regression (issue 14): re-importing an unchanged export said "3 updated".
t_assert_match "3 rows, 0 inserted, 0 updated, 3 unchanged" "$(c import "$T/out1.csv")" \
	"re-import of an unchanged export changes nothing"
t_assert_match "0 would be updated, 3 unchanged" "$(c import --dry-run "$T/out1.csv")" \
	"a dry run counts the same"

# --- columns Cartera does not know: mapped, ignored, or a clear error
printf 'Nombre;Tipo de cliente;Provincia;Facturaci\xc3\xb3n 2025;Pr\xc3\xb3ximo contacto\nMapeada S.L.;empresa;Madrid;12.000;31/01/2027\n' >"$T/extra.csv"
c import "$T/extra.csv" >/dev/null 2>"$T/err"
t_assert_eq 1 $? "unknown columns refuse the file"
t_assert_file_contains "$T/err" 'extra.csv:1: Tipo de cliente: unknown column; the columns Cartera knows are name \(Nombre\), kind \(Tipo\), .*postal_code \(Código postal\).*Map it to one with --map "Tipo de cliente=COLUMN" or ignore it with --map "Tipo de cliente=-"' \
	"the error lists the known headers in both languages and the way out"
t_assert_file_contains "$T/err" 'extra.csv:1: Provincia: unknown column' "every unknown column named"
out=$(I --map "Provincia=-" --map "tipo de CLIENTE=kind" --map "Facturación 2025=-" "$T/extra.csv")
t_assert_eq 0 $? "--map maps and ignores columns"
t_assert_match "1 inserted" "$out" "mapped row inserted"
t_assert_eq "company|2027-01-31" "$(c --json client show 'mapeada' | t_json 'd["kind"]+"|"+d["next_contact"]')" \
	"mapped column read; DD/MM/YYYY date read"
printf '# columns of our ERP\n\nProvincia=-\nTipo de cliente = tipo\nFacturación 2025=-\n' >"$T/map.txt"
t_assert_match "1 unchanged" "$(I --map-file "$T/map.txt" "$T/extra.csv")" "--map-file"
c import --map "Provincia=colour" "$T/extra.csv" >/dev/null 2>"$T/err"
t_assert_file_contains "$T/err" "Provincia: --map names no column Cartera knows" "a mapping to nothing is an error"
printf 'nombre;pr\xc3\xb3ximo contacto\nFecha Corta;3/12/26\n' >"$T/short.csv"
c import "$T/short.csv" >/dev/null 2>"$T/err"
t_assert_eq 1 $? "a two-digit year is refused"
t_assert_file_contains "$T/err" 'short.csv:2: next_contact: has a two-digit year; write the year in full \(YYYY-MM-DD or DD/MM/YYYY\) or give --date-format DD/MM/YY' \
	"the date error lists the accepted formats"
t_assert_match "1 inserted" "$(I --date-format DD/MM/YY "$T/short.csv")" "--date-format DD/MM/YY"
t_assert_eq "2026-12-03" "$(c --json client show 'fecha corta' | t_json 'd["next_contact"]')" "3/12/26 read as 2026-12-03"

# --- re-import updates instead of duplicating (tax id, email, then name)
printf 'nombre;nif;ciudad\nTalleres Pérez (nuevo nombre);B-12345678;Getafe\n' >"$T/upd.csv"
t_assert_match "1 rows, 0 inserted, 1 updated" "$(I "$T/upd.csv")" "match by tax id updates"
t_assert_eq "Talleres Pérez (nuevo nombre)|Getafe|compras@talleres.es" "$(c --json client show 1 | t_json 'd["name"]+"|"+d["city"]+"|"+d["email"]')" "only given fields changed"
printf 'name,email,phone\nWhatever,PAN@nunez.es,955 999 999\n' >"$T/upd2.csv"
t_assert_match "0 inserted, 1 updated" "$(I "$T/upd2.csv")" "match by email updates"

# --- regression: a row with a new tax id is a new company, even when its
# name or email is already taken by a client with another tax id
printf 'name,tax_id,email,city\nHomónimo S.L.,B11111111,h@x.example,Madrid\n' >"$T/homo1.csv"
printf 'name,tax_id,email,city\nHomónimo S.L.,B22222222,h@x.example,Bilbao\n' >"$T/homo2.csv"
t_assert_match "1 inserted" "$(I "$T/homo1.csv")" "first Homónimo"
t_assert_match "1 inserted, 0 updated" "$(I "$T/homo2.csv")" "same name and email, other tax id: a new client"
t_assert_eq "B11111111|Madrid" "$(t_sql "$CARTERA_DB" "SELECT tax_id || '|' || city FROM clients WHERE tax_id = 'B11111111'")" "the first company kept its tax id and city"
printf 'name,tax_id,city\nSin NIF,,Soria\n' >"$T/untaxed.csv"
I "$T/untaxed.csv" >/dev/null
printf 'name,tax_id,city\nSin NIF,C33333333,Soria\n' >"$T/taxed.csv"
t_assert_match "0 inserted, 1 updated" "$(I "$T/taxed.csv")" "a client without a tax id takes the first one given"

# --- Spanish Excel: cp1252, semicolons, CRLF, quoted newline, no BOM
printf 'Nombre;Tel\xe9fono;Direcci\xf3n;C\xf3digo Postal;Localidad;Notas;Comercial\r\n' >"$T/excel.csv"
printf 'Caf\xe9 Ib\xe1\xf1ez;922 111 222;"Avda. Mar\xedtima, 3";35001;Las Palmas;"primera l\xednea\r\nsegunda; con punto y coma";ana@example.com\r\n' >>"$T/excel.csv"
printf 'Se\xf1or Mu\xf1oz;;;;;Cliente \x80 VIP;\r\n' >>"$T/excel.csv"
t_assert_match "2 inserted" "$(I "$T/excel.csv")" "Excel cp1252 file imports"
t_assert_eq "Café Ibáñez|Avda. Marítima, 3|Las Palmas" "$(c --json client list --search Ibáñez | t_json 'd[0]["name"]')|$(c --json client show 'Café Ibáñez' | t_json 'd["address"]+"|"+d["city"]')" "accents decoded from cp1252"
t_assert_eq $'primera línea\r\nsegunda; con punto y coma' "$(c --json client show 'Café Ibáñez' | t_json 'd["notes"]')" "CRLF inside a quoted field kept"
t_assert_eq "Cliente € VIP" "$(c --json client show 'Señor Muñoz' | t_json 'd["notes"]')" "cp1252 euro sign"

# --- UTF-8 with BOM, tab-separated
printf '\xef\xbb\xbfnombre\tpa\xc3\xads\r\nCordeler\xc3\xada Ortu\xc3\xb1o\tPT\r\n' >"$T/bom.tsv"
t_assert_match "1 inserted" "$(I "$T/bom.tsv")" "UTF-8 with BOM and tabs"
t_assert_eq "PT" "$(c --json client show 'Cordelería Ortuño' | t_json 'd["country"]')" "BOM not part of the first column name"

# --- dry run writes nothing
printf 'name\nSolo Prueba\n' >"$T/dry.csv"
t_assert_match "1 would be inserted" "$(I --dry-run "$T/dry.csv")" "dry run reports"
t_assert_eq 0 "$(c --json client list --search 'Solo Prueba' | t_json 'len(d)')" "dry run wrote nothing"

# --- bad files: every error listed with FILE:LINE: column, nothing written
snapshot() {
	t_db_digest "$CARTERA_DB"
}
before=$(snapshot)
bad() {	# bad NAME EXPECTED-ERE: import $T/NAME must fail naming the problem
	I "$T/$1" >"$T/out" 2>"$T/err"
	t_assert_eq 1 $? "$1 refused"
	t_assert_file_contains "$T/err" "$2" "$1 error message"
	t_assert_file_contains "$T/err" "nothing imported, the database is unchanged|$T/$1" "$1 names the file"
	t_assert_eq "$before" "$(snapshot)" "$1 left the database byte-for-byte unchanged"
}
printf 'name,colour\nA,red\n' >"$T/unknown-col.csv"
bad unknown-col.csv "unknown-col.csv:1: colour: unknown column"
printf 'name,status\nGood One,active\nBad One,dormant\nAlso Good,lost\n' >"$T/bad-enum.csv"
bad bad-enum.csv "bad-enum.csv:3: status: must be active, potential, inactive or lost"
printf 'name,email\nA,a@example.com\nB,not-an-email\nC,c@@example.com\n' >"$T/bad-email.csv"
bad bad-email.csv "bad-email.csv:3: email: is not a valid email"
t_assert_file_contains "$T/err" "bad-email.csv:4: email" "every bad row is listed"
printf 'name,owner\nA,ana@example.com\nB,ghost@example.com\n' >"$T/bad-owner.csv"
bad bad-owner.csv "bad-owner.csv:3: owner: unknown owner ghost@example.com"
printf 'name,city\nA,Madrid\n"B"x,Sevilla\n' >"$T/bad-quote.csv"
bad bad-quote.csv "bad-quote.csv:3: malformed quoting"
printf 'name,city\nA,Madrid\nB\0C,Sevilla\n' >"$T/bad-nul.csv"
bad bad-nul.csv "bad-nul.csv:3: name: contains a NUL byte"
printf 'name,city\nA,Madrid\n"Evil\r\nBcc: x@y.z",Sevilla\n' >"$T/bad-crlf.csv"
bad bad-crlf.csv "bad-crlf.csv:3: name: contains a line break"
printf 'city\nMadrid\n' >"$T/no-name.csv"
bad no-name.csv 'no "name"'
printf 'name,name\nA,B\n' >"$T/dup-col.csv"
bad dup-col.csv "dup-col.csv:1: name: column given twice"
printf 'name,city\n,Madrid\n' >"$T/empty-name.csv"
bad empty-name.csv "empty-name.csv:2: name: is empty"
printf 'name,city\nA,Madrid,extra\n' >"$T/extra-field.csv"
bad extra-field.csv "extra-field.csv:2: field 3 has a value"
printf 'name,email\nSame,\nSame,\nSame,x@example.com\n' >"$T/ok-then-ambiguous.csv"
# Two rows named Same are inserted then the third matches both: ambiguous.
# (A name match is only used when no tax id or email matches.)
{ printf 'name\n'; for i in $(seq 1 120); do printf 'Row %d,\n' "$i"; done; } >/dev/null
{ printf 'name,status\n'; for i in $(seq 1 120); do printf 'Row %d,wrong\n' "$i"; done; } >"$T/many.csv"
bad many.csv "many.csv:2: status"
t_assert_file_contains "$T/err" "and 70 more errors" "error list is capped with a count"
big=$(head -c 1200 /dev/zero | tr '\0' 'x')
printf 'name\n%s\n' "$big" >"$T/long-name.csv"
bad long-name.csv "long-name.csv:2: name: too long"
: >"$T/empty.csv"
I "$T/empty.csv" >/dev/null 2>"$T/err"
t_assert_eq 1 $? "empty file refused"
t_assert_file_contains "$T/err" "empty" "empty file message"
I "$T/nope.csv" >/dev/null 2>"$T/err"
t_assert_eq 1 $? "missing file refused"
t_assert_file_contains "$T/err" "nope.csv: No such file" "missing file message"
printf 'name\nCaf\xe9\n' >"$T/forced.csv"
I --encoding utf-8 "$T/forced.csv" >/dev/null 2>"$T/err"
t_assert_eq 1 $? "forced UTF-8 on cp1252 refused"
t_assert_file_contains "$T/err" "forced.csv:2: not valid UTF-8" "encoding error names the line"
t_assert_eq "$before" "$(snapshot)" "database still unchanged"

# --- ownership: with two salespeople, a new client without an owner is
# an error naming the row, unless --owner gives one to all of them; a row
# that updates a client keeps its owner
printf 'name,city\nUpdate Me,Lugo\n' >"$T/owner0.csv"
t_assert_match "1 inserted" "$(I "$T/owner0.csv")" "--owner gives new clients an owner"
t_assert_eq "ana@example.com" "$(c --json client show 'Update Me' | t_json 'd["owner"]')" "owner from --owner"
printf 'name,city\nUpdate Me,Ourense\nNadie S.A.,Vigo\n' >"$T/owner1.csv"
before=$(snapshot)
c import "$T/owner1.csv" >"$T/out" 2>"$T/err"
t_assert_eq 1 $? "a new client without an owner refused"
t_assert_file_contains "$T/err" 'owner1.csv:3: owner: none given for new client "Nadie S.A.", and there are 2 salespeople \(ana@example.com, bob@example.com\)' "the row is named"
t_assert_file_contains "$T/err" "with --owner EMAIL" "the error says how to give one"
t_assert_eq "$before" "$(snapshot)" "nothing written"
t_assert_match "0 inserted, 0 updated, 1 unchanged" "$(c import "$T/owner0.csv")" \
	"a row matching a client needs no owner"
c import --owner ghost@example.com "$T/owner0.csv" >/dev/null 2>"$T/err"
t_assert_eq 1 $? "unknown --owner refused"
t_assert_file_contains "$T/err" "--owner ghost@example.com: no such salesperson" "unknown --owner named"
t_assert_match "1 inserted" "$(c import --owner bob@example.com "$T/owner1.csv")" "--owner bob"
t_assert_eq "bob@example.com|ana@example.com" "$(c --json client show 'Nadie' | t_json 'd["owner"]')|$(c --json client show 'Update Me' | t_json 'd["owner"]')" "new client to bob, matched one kept ana"
# Names match up to case, accents, punctuation and legal form.
printf 'name,city\nNADIE SA,Pontevedra\n' >"$T/owner2.csv"
t_assert_match "0 inserted, 1 updated" "$(c import "$T/owner2.csv")" "\"NADIE SA\" is \"Nadie S.A.\""

# --- a 1 MB note survives import and export
{ printf 'name,notes\nBig Note,"'; head -c 1000000 /dev/zero | tr '\0' 'n'; printf '"\n'; } >"$T/bignote.csv"
t_assert_match "1 inserted" "$(I "$T/bignote.csv")" "1 MB note imports"
t_assert_eq 1000000 "$(c --json client show 'Big Note' | t_json 'len(d["notes"])')" "1 MB note intact"

# --- 5000 rows: progress does not break output; counts right
/usr/bin/python3 - "$T/many-ok.csv" <<'PY'
import sys
with open(sys.argv[1], "w", encoding="utf-8") as f:
    f.write("name;ciudad;nif\n")
    for i in range(5000):
        f.write(f"Cliente Ñ {i};Ciudad {i % 50};X{i:07d}\n")
PY
t_assert_match "5000 rows, 5000 inserted" "$(I --progress "$T/many-ok.csv" 2>/dev/null)" "5000-row import"
t_assert_match "5000 rows, 0 inserted, 0 updated, 5000 unchanged" "$(I "$T/many-ok.csv")" "re-import matches by tax id"
t_assert_ok "integrity after imports" c check
t_done
