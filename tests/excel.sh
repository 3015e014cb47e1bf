#!/bin/bash
# excel.sh - a real spreadsheet round trip (issue 14): "cartera export
# --excel" opened by LibreOffice Calc (headless, Spanish locale), saved as
# .xlsx, saved back as CSV, gives back the same names, accents, amounts
# and dates: the clients' file imports back with no change at all, the
# invoices' amounts and dates read the same, and a client named like a
# formula comes back as text.  Skipped (77) without soffice (Debian:
# libreoffice-calc-nogui).
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
t_init excel
DB_C=$(t_db c)
t_require sqlite3 soffice

CARTERA=${top_builddir:-.}/cartera
export CARTERA_DB=$DB_C TZ=UTC
: >"$T/empty.conf"
c() { "$CARTERA" -c "$T/empty.conf" "$@"; }

# LibreOffice with a profile of its own in $T, in Spanish (dates, decimal
# comma), never more than two minutes per conversion.  One start converts
# every file of a kind: a start is most of the time of a conversion.
calc() {	# calc FILTER OUTDIR [--infilter=...] FILE...
	LANG=es_ES.UTF-8 LC_ALL= HOME=$T/home timeout "$(t_slow 120)" soffice \
		-env:UserInstallation="file://$T/profile" --headless --norestore \
		--convert-to "$1" --outdir "$2" "${@:3}" >>"$T/soffice.log" 2>&1
}
# CSV import filter: ';' (59), '"' (34), charset (76 UTF-8, 1 Windows-1252),
# from line 1, no column types, Spanish (3082).  Export: the same, cells as shown.
in_filter() { echo "CSV:59,34,$1,1,,3082"; }
out_filter='csv:Text - txt - csv (StarCalc):59,34,76,1,,3082,false,true,true,false'
# roundtrip_all UTF8.csv... -- CP1252.csv...: each to $T/xlsx/NAME.xlsx and
# back to $T/back/NAME.csv, in three starts of LibreOffice.
roundtrip_all() {
	local utf8=() ansi=() f
	while [ "$1" != -- ]; do utf8+=("$1"); shift; done
	shift
	ansi=("$@")
	mkdir -p "$T/xlsx" "$T/back"
	calc xlsx "$T/xlsx" --infilter="$(in_filter 76)" "${utf8[@]}"
	calc xlsx "$T/xlsx" --infilter="$(in_filter 1)" "${ansi[@]}"
	local xlsx=()
	for f in "${utf8[@]}" "${ansi[@]}"; do xlsx+=("$T/xlsx/$(basename "$f" .csv).xlsx"); done
	calc "$out_filter" "$T/back" "${xlsx[@]}"
}
roundtrip() {	# roundtrip FILE.csv: it went to xlsx and came back
	local base
	base=$(basename "$1" .csv)
	[ -s "$T/xlsx/$base.xlsx" ] && [ -s "$T/back/$base.csv" ]
}

c -q init
c -q owner add ana@example.com --name "Ana López"
c -q client add "Clínica Dental Sonrisa" --kind empresa --city "A Coruña" --tax-id B15000001 \
	--contact "Dra. Begoña Ibáñez" --phone "+34 981 000 111" --next-contact 2027-01-31 \
	--notes "Cliente desde 2019; paga a 30 días"
c -q client add "Ferretería Núñez e Hijos" --kind autónomo --status potencial --city Cádiz \
	--postal-code 11001 --sector "Ferretería" --do-not-email
c -q client add "Panadería Ramírez" --kind particular --city "Logroño" --email pan@ramirez.example
c -q client add '=HYPERLINK("http://x","y")' --city Madrid
c -q client add --city Madrid -- "-2+3"
c -q invoice add clinica 1.234,56 --due 2026-12-31 --issued 2026-12-01 --number F-1
c -q invoice add ferreteria 99,5 --due 2027-02-28 --issued 2027-01-15 --number F-2
c -q invoice add --due 2026-11-30 --issued 2026-11-30 --number A-1 panaderia -- -12,50

# --- what --excel writes
c export --excel "$T/clientes.csv"
t_assert_eq "efbbbf" "$(head -c 3 "$T/clientes.csv" | od -An -tx1 | tr -d ' \n')" "UTF-8 with a BOM"
t_assert_match $'^\xef\xbb\xbfNombre;Tipo;Estado;Segmento;Sector;Correo;Teléfono;Contacto;Cargo;Dirección;Localidad;Código postal;País;NIF/CIF;Comercial;Notas;Cadencia;Próximo contacto;No enviar correo;Correos de seguimiento;Forma de pago;Días de pago;Pedidos\r$' \
	"$(head -1 "$T/clientes.csv")" "Spanish headers, ';', CRLF"
t_assert_file_contains "$T/clientes.csv" '^Clínica Dental Sonrisa;empresa;activo;.*;31/01/2027;no;' \
	"Spanish values and DD/MM/YYYY dates"
t_assert_file_contains "$T/clientes.csv" "^\"'=HYPERLINK" "a formula-like name is written as text ('=...)"
c export --excel --invoices "$T/facturas.csv"
t_assert_file_contains "$T/facturas.csv" 'Id;Cliente;Número;Importe;Moneda;Emitida;Vencimiento;Pagada' "invoice headers"
t_assert_file_contains "$T/facturas.csv" ';F-1;1234,56;EUR;01/12/2026;31/12/2026;' "decimal comma, DD/MM/YYYY"
t_assert_file_contains "$T/facturas.csv" ';A-1;-12,50;' "a negative amount stays a number"
c export --delimiter ';' "$T/semi.csv"
t_assert_match '^name;kind;status;' "$(head -1 "$T/semi.csv")" "--delimiter ';' keeps English headers"

# --- through LibreOffice Calc and back (the Windows-1252 file, below, too)
c export --excel --encoding cp1252 "$T/ansi.csv"
roundtrip_all "$T/clientes.csv" "$T/facturas.csv" -- "$T/ansi.csv"
t_assert_ok "LibreOffice converts the clients (UTF-8 with BOM) to xlsx and back" roundtrip "$T/clientes.csv"
grep -q "HYPERLINK" "$T/back/clientes.csv" 2>/dev/null || { cat "$T/soffice.log"; }
t_assert_file_contains "$T/back/clientes.csv" '^Clínica Dental Sonrisa;' "names and accents back from Calc"
t_assert_file_contains "$T/back/clientes.csv" "^\"'=HYPERLINK\(\"\"http://x\"\",\"\"y\"\"\)\";" \
	"the formula-like name came back as text, not as the link's value"
# Calc shows a date with a two-digit year (its Spanish default, 31/01/27).
out=$(c import --date-format DD/MM/YY "$T/back/clientes.csv")
t_assert_eq 0 $? "the file Calc saved imports"
t_assert_match "5 rows, 0 inserted, 0 updated, 5 unchanged" "$out" \
	"names, accents, dates and values came back unchanged"
t_assert_eq '=HYPERLINK("http://x","y")' "$(t_sql "$CARTERA_DB" "SELECT name FROM clients WHERE id = 4")" \
	"the name stored is the one typed"

t_assert_ok "LibreOffice converts the invoices" roundtrip "$T/facturas.csv"
t_sql "$CARTERA_DB" "SELECT i.number, c.name, i.amount_cents, i.issued, i.due FROM invoices i
	JOIN clients c ON c.id = i.client_id" >"$T/inv.rows"
/usr/bin/python3 - "$T/back/facturas.csv" "$T/inv.rows" >"$T/inv.out" 2>&1 <<'PY'
import csv, datetime, sys
def day(s):
    for f in ("%d/%m/%Y", "%d/%m/%y"):
        try:
            return datetime.datetime.strptime(s, f).date().isoformat()
        except ValueError:
            pass
    return "bad date %r" % s
def cents(s):
    s = s.replace(".", "").replace(",", ".")
    return round(float(s) * 100)
want = {}
for line in open(sys.argv[2], encoding="utf-8"):
    number, name, amount, issued, due = line.rstrip("\n").split("|")
    want[number] = (name, int(amount), issued, due)
with open(sys.argv[1], encoding="utf-8-sig", newline="") as f:
    rows = list(csv.DictReader(f, delimiter=";"))
got = {r["Número"]: (r["Cliente"], cents(r["Importe"]), day(r["Emitida"]), day(r["Vencimiento"]))
       for r in rows}
print("same" if got == want else "differ: %r != %r" % (got, want))
PY
t_assert_eq "same" "$(cat "$T/inv.out")" "invoice clients, amounts and dates back from Calc"

# --- Windows-1252, as older Excel setups want it (exported and converted
# above, before the import of the clients' file, which changes nothing)
t_assert_eq "Cl$(printf '\xed')nica" "$(head -2 "$T/ansi.csv" | tail -1 | cut -c1-7)" "cp1252 bytes"
t_assert_ok "LibreOffice reads the Windows-1252 file" roundtrip "$T/ansi.csv"
t_assert_file_contains "$T/back/ansi.csv" '^Ferretería Núñez e Hijos;autónomo;potencial;' "accents back from cp1252"
c -q client add "Łódź Trading"
c export --excel --encoding cp1252 "$T/lodz.csv" 2>"$T/err"
t_assert_eq 1 $? "a name cp1252 cannot hold is refused"
t_assert_file_contains "$T/err" "line 7 has a character Windows-1252 cannot hold" "the refusal names the line"
t_done
