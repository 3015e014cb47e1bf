#!/bin/bash
# locale.sh - the cartera command in the user's language (issue 14):
# LANG / LC_ALL / LC_MESSAGES / LANGUAGE choose Spanish or English
# messages (English when nothing or C is asked, or the catalogue lacks a
# message), a LANG naming a locale the machine never generated still
# speaks Spanish, and dates and amounts are read the way the language
# writes them (DD/MM/YYYY and 1.234,56 in Spanish, ISO always).
# Uses the build tree's catalogues (CARTERA_LOCALEDIR, set by make check).
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
t_init locale
DB_C=$(t_db c)
t_require sqlite3

CARTERA=${top_builddir:-.}/cartera
: "${CARTERA_LOCALEDIR:=${top_builddir:-.}/locale}"
export CARTERA_LOCALEDIR
[ -f "$CARTERA_LOCALEDIR/es/LC_MESSAGES/cartera.mo" ] ||
	t_fatal "no Spanish catalogue in $CARTERA_LOCALEDIR (run make check)"
export CARTERA_DB=$DB_C
export TZ=UTC
: >"$T/empty.conf"
unset LC_ALL LC_MESSAGES LANGUAGE
c() { "$CARTERA" -c "$T/empty.conf" "$@"; }
es() { LANG=es_ES.UTF-8 "$CARTERA" -c "$T/empty.conf" "$@"; }

# --- which language
t_assert_match '^Usage: cartera' "$(LANG=C c --help)" "LANG=C: English"
t_assert_match '^Usage: cartera' "$(env -u LANG "$CARTERA" --help)" "no LANG: English"
t_assert_match '^Uso: cartera' "$(es --help)" "LANG=es_ES.UTF-8: Spanish"
t_assert_match '^Uso: cartera' "$(LC_ALL=es_ES.UTF-8 LANG=C c --help)" "LC_ALL wins over LANG"
t_assert_match '^Usage: cartera' "$(LANG=es_ES.UTF-8 LC_MESSAGES=C c --help)" \
	"LC_MESSAGES=C wins over LANG"
t_assert_match '^Uso: cartera' "$(LANG=C.UTF-8 LANGUAGE=es c --help)" "LANGUAGE=es with C.UTF-8"
t_assert_match '^Usage: cartera' "$(LANG=fr_FR.UTF-8 c --help)" "no French catalogue: English"
# A Spanish locale that may or may not be generated on this machine
# (.ci/run generates es_ES.UTF-8; a fresh machine has only C.UTF-8):
# both ways the messages are Spanish.
t_assert_match '^Uso: cartera' "$(LANG=es_MX.UTF-8 c --help)" "a Spanish locale never generated"
t_assert_match '^Usage: cartera' "$(CARTERA_LOCALEDIR=$T/none LANG=es_ES.UTF-8 c --help)" \
	"no catalogue installed: English"

# --- dates and amounts as the language writes them
c -q init
c -q owner add ana@example.com --name "Ana López"
c -q client add "Clínica Dental Sonrisa"
t_assert_ok "Spanish: --due 31/12/2026 and 1.234,56" es -q invoice add clinica 1.234,56 \
	--due 31/12/2026 --issued 01/12/2026
t_assert_ok "English: ISO dates and 1,234.56" c -q invoice add clinica 1,234.56 \
	--due 2026-12-31 --issued 2026-12-01
t_assert_ok "Spanish: 1.234 is one thousand two hundred and thirty-four" \
	es -q invoice add clinica 1.234 --due 31-12-2026 --issued 2026-12-01
c invoice add clinica 1.234 --due 2026-12-31 >/dev/null 2>"$T/err"
t_assert_eq 1 $? "English: 1.234 is ambiguous"
t_assert_file_contains "$T/err" "ambiguous" "the ambiguity is explained"
t_assert_eq "123456 123456 123400" \
	"$(t_sql "$CARTERA_DB" 'SELECT amount_cents FROM invoices ORDER BY id' | xargs)" \
	"amounts stored in cents"
t_assert_eq "2026-12-31|2026-12-01" "$(t_sql "$CARTERA_DB" 'SELECT due, issued FROM invoices WHERE id = 1')" \
	"DD/MM/YYYY read as day, month, year"
c invoice add clinica 10 --due 3/12/26 >/dev/null 2>"$T/err"
t_assert_eq 1 $? "a two-digit year is refused"
t_assert_file_contains "$T/err" 'two-digit year.*YYYY-MM-DD or DD/MM/YYYY.*--date-format DD/MM/YY' \
	"the refusal names the formats accepted and the way out"
es invoice add clinica 10 --due 31/13/2026 >/dev/null 2>"$T/err"
t_assert_file_contains "$T/err" 'no es una fecha \(AAAA-MM-DD o DD/MM/AAAA\)' \
	"Spanish error lists the Spanish formats"
t_assert_ok "--date-format DD/MM/YY reads 3/12/26" c -q --date-format DD/MM/YY invoice add clinica 10 \
	--due 3/12/26 --issued 1/12/26
t_assert_eq "2026-12-03" "$(t_sql "$CARTERA_DB" 'SELECT due FROM invoices ORDER BY id DESC LIMIT 1')" \
	"two-digit year read as 20YY"
t_assert_match '--date-format FORMAT' "$(c --help)" "--date-format in the global help"
t_assert_match '--date-format FORMATO' "$(es --help)" "--date-format in the Spanish global help"
t_assert_ok "--date-format MM/DD/YYYY" c -q --date-format MM/DD/YYYY invoice add clinica 10 \
	--due 12/31/2026 --issued 12/01/2026
t_assert_eq "2026-12-31" "$(t_sql "$CARTERA_DB" 'SELECT due FROM invoices ORDER BY id DESC LIMIT 1')" \
	"month first when asked"
c --date-format YY/DD invoice list >/dev/null 2>"$T/err"
t_assert_eq 2 $? "an unknown --date-format is a usage error"
t_assert_ok "a time with a Spanish date" es -q log clinica llamada --at "02/12/2026 10:30" --tz UTC
t_assert_eq "$(date -u -d '2026-12-02 10:30' +%s)" "$(t_sql "$CARTERA_DB" 'SELECT at FROM interactions')" \
	"--at DD/MM/YYYY HH:MM"
t_assert_ok "client edit --next-contact DD/MM/YYYY" c -q client edit clinica --next-contact 15/01/2027
t_assert_eq "2027-01-15" "$(t_sql "$CARTERA_DB" 'SELECT next_contact FROM clients')" "next contact date"
t_done
