#!/bin/bash
# spanish.sh - the cartera command in Spanish and in English (issue 14):
# LANG=es_ES.UTF-8 and LANG=C for a few commands; enumeration values
# typed in either language and shown in the user's language in tables
# (JSON keeps the English codes); and the Spanish outputs of "due",
# "client show", "report summary", "status" and a "mail scan" error scanned
# against the English message catalogue (po/en.po): no English word may
# be left in them.
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
t_init spanish
DB_C=$(t_db c)

CARTERA=${top_builddir:-.}/cartera
: "${CARTERA_LOCALEDIR:=${top_builddir:-.}/locale}"
export CARTERA_LOCALEDIR CARTERA_DB=$DB_C TZ=UTC
unset LC_ALL LC_MESSAGES LANGUAGE
cat >"$T/c.conf" <<CONF
database = "$DB_C";
web: { key_file = "$T/web.key"; };	# (a server database has no directory to hold it)
templates = "$T_SRCDIR/etc/templates";
http: { port = 0; };
digest: { default_timezone = "Europe/Madrid"; language = "es"; };
CONF
NOW="2026-12-03 09:00Z"
en() { LANG=C "$CARTERA" -c "$T/c.conf" --now "$NOW" "$@"; }
es() { LANG=es_ES.UTF-8 "$CARTERA" -c "$T/c.conf" --now "$NOW" "$@"; }

es -q init
es -q owner add ana@example.com --name "Ana López" --tz Europe/Madrid --lang es
# Enumeration values in Spanish, everywhere a command takes one.
t_assert_ok "client add --kind empresa --status potencial" es -q client add "Clínica Dental Sonrisa" \
	--kind empresa --status activo --city "A Coruña" --sector Salud --contact "Dr. Andrés Gil" \
	--email gil@clinica.example --phone "+34 981 000 111"
es -q client add "Ferretería Núñez" --kind autónomo --status potencial --city Cádiz
es -q client add "María Sánchez" --kind particular --status inactivo
t_assert_ok "log llamada --outcome esperando" es -q log clinica llamada --outcome esperando \
	--at "20/11/2026 10:00" --note "Presupuesto enviado"
es -q log ferreteria visita --at "02/10/2026 12:00"
es -q log maria reunión --outcome "sin respuesta" --at "01/12/2026 17:00"
es -q invoice add clinica 1.234,56 --issued 01/10/2026 --due 31/10/2026 --number F-1
es -q invoice add clinica 800 --issued 05/11/2026 --due 05/12/2026 --number F-2
t_assert_ok "plan visita" es -q plan clinica visita --at "04/12/2026 10:00"
t_assert_ok "activity list --status planificada" es -q activity list --status planificada
t_assert_ok "cost add --kind ventas" es -q cost add 150 --month 2026-11 --kind ventas
t_assert_eq "company|active|call|waiting" \
	"$(en --json client show clinica | t_json 'd["kind"]+"|"+d["status"]+"|"+d["last_touch_kind"]+"|"+d["last_outcome"]')" \
	"JSON keeps the English codes"
t_assert_eq "potential" "$(en --json client list --status potencial | t_json 'd[0]["status"]')" \
	"a Spanish status filters in English too"

# Tables: the user's language.
es client list >"$T/es-list.txt"
en client list >"$T/en-list.txt"
t_assert_file_contains "$T/es-list.txt" '^id +nombre +tipo +estado +segmento +localidad +comercial' "Spanish headers"
t_assert_file_contains "$T/es-list.txt" 'Ferretería Núñez +autónomo +potencial' "Spanish values"
t_assert_file_contains "$T/en-list.txt" '^id +name +kind +status +segment +city +owner' "English headers with LANG=C"
t_assert_file_contains "$T/en-list.txt" 'Ferretería Núñez +freelancer +potential' "English values with LANG=C"
es invoice list >"$T/es-inv.txt"
t_assert_file_contains "$T/es-inv.txt" '^id +cliente +número +importe +moneda +emitida +vencimiento' \
	"invoice list: the amount is labelled as money"
t_assert_file_contains "$T/es-inv.txt" 'F-1 +1234,56 +EUR +01/10/2026 +31/10/2026' "Spanish money and dates"
en invoice list >"$T/en-inv.txt"
t_assert_file_contains "$T/en-inv.txt" '^id +client +number +amount +currency' "English: amount, not amount_cents"
es client show nadie >/dev/null 2>"$T/err"
t_assert_file_contains "$T/err" 'ningún cliente coincide con «nadie»' "Spanish error"
en client show nadie >/dev/null 2>"$T/err"
t_assert_file_contains "$T/err" 'no client matches "nadie"' "English error with LANG=C"
t_assert_match '^Uso: cartera \[OPCIONES GENERALES\] client show' "$(es client show --help)" "Spanish command help"
t_assert_match 'Lista los clientes\.' "$(es --help)" "Spanish command list"

# The three outputs a Spanish user reads every day, scanned for English.
es due >"$T/due.txt" || t_fail "due"
es client show clinica >"$T/show.txt" || t_fail "client show"
es report summary --owner ana@example.com --month 2026-11 >"$T/report.txt" || t_fail "report summary"
es status >"$T/status.txt" || t_fail "status"
t_assert_file_contains "$T/status.txt" '^bandeja de salida: 0 pendientes' "status in Spanish"
es mail scan >/dev/null 2>"$T/mail.txt"
t_assert_file_contains "$T/mail.txt" 'no hay ningún buzón configurado' "mail scan: Spanish error"
# A record that does not exist is named in Spanish too.
for cmd in "touch delete 999" "invoice delete 999" "nps delete 999" "cost delete 999" \
	"activity cancel 999"; do
	es $cmd >/dev/null 2>>"$T/nosuch.txt"
done
t_assert_file_contains "$T/nosuch.txt" '^cartera: no existe contacto con id 999 ' "no such touch, in Spanish"
t_assert_file_contains "$T/nosuch.txt" '^cartera: no existe respuesta de NPS con id 999 ' \
	"no such NPS response, in Spanish"
t_assert_file_contains "$T/report.txt" '^Informe: resumen, 01/11/2026 – 30/11/2026$' "report heading in Spanish"
t_assert_file_contains "$T/report.txt" 'n/d' "n/d, not n/a"
t_assert_file_contains "$T/due.txt" '^Asunto: ' "due: Spanish headers"
# The reader's language, not the salesperson's: Ana's (and the
# configuration's) language is Spanish, yet with LANG=C every output is
# English, reports and the text of "due" included -- one language per
# output.  --json due stays the digest's data, as it is sent to Ana.
en report summary --owner ana@example.com --month 2026-11 >"$T/en-report.txt" || t_fail "report (en)"
t_assert_file_contains "$T/en-report.txt" '^Report: summary, 1 Nov 2026 – 30 Nov 2026$' \
	"LANG=C: the report of a Spanish salesperson in English"
t_assert_file_contains "$T/en-report.txt" 'n/a' "LANG=C: n/a, not n/d"
en due >"$T/en-due.txt" || t_fail "due (en)"
t_assert_file_contains "$T/en-due.txt" '^Subject: Cartera, .* red, .* yellow' "LANG=C: due's text in English"
t_assert_eq 0 "$(grep -c 'Hola\|en rojo\|Asunto' "$T/en-due.txt")" "LANG=C: no Spanish in due's text"
t_assert_eq "es" "$(en --json due --owner ana@example.com | t_json 'd["lang"]')" \
	"--json due: the digest's data in Ana's language"
en client show clinica >"$T/en-show.txt" || t_fail "client show (en)"
t_assert_eq 0 "$(grep -c 'Facturación\|Riesgo\|n/d' "$T/en-show.txt")" "LANG=C: the client card in English"
es -q owner add bob@example.com --name "Bob Smith" --tz Europe/London --lang en
es report summary --owner bob@example.com --month 2026-11 >"$T/es-bob.txt" || t_fail "report (es, Bob)"
t_assert_file_contains "$T/es-bob.txt" '^Informe: resumen, 01/11/2026 – 30/11/2026$' \
	"LANG=es: the report of an English salesperson in Spanish"
/usr/bin/python3 - "$T_SRCDIR/po/en.po" "$T_SRCDIR/po/es.po" "$T/due.txt" "$T/show.txt" \
	"$T/report.txt" "$T/status.txt" "$T/mail.txt" "$T/nosuch.txt" >"$T/scan.txt" <<'PY'
import re, sys
def strings(path, key):
    """The msgid (or msgstr) texts of a .po file, joined."""
    out, cur, on = [], [], False
    for line in open(path, encoding="utf-8"):
        if line.startswith(key + " "):
            on = True; cur = [line[len(key) + 1:]]
        elif line.startswith('"') and on:
            cur.append(line)
        else:
            if on: out.append("".join(cur))
            on = False
    return out
def words(text):
    text = re.sub(r"%[-0-9.]*[a-z]+", " ", text)          # printf formats
    text = re.sub(r"--[a-z-]+|\$[A-Z_]+|\\[nt]", " ", text) # options, variables
    return {w.lower() for w in re.findall(r"[A-Za-zÀ-ÿ]{3,}", text) if not w.isupper()}
english = set().union(*(words(s) for s in strings(sys.argv[1], "msgid")))
spanish = set().union(*(words(s) for s in strings(sys.argv[2], "msgstr")))
# Words both languages write alike (the Spanish catalogue uses them too),
# names of things, and the data this test typed.
english -= spanish
english -= {"cartera", "carterad", "nps", "clv", "cac", "csv", "json", "utf", "iso", "iana",
            "url", "sqlite", "ical", "bom", "crlf", "http", "https", "html", "excel"}
data = ("Clínica Dental Sonrisa Ferretería Núñez María Sánchez Ana López Andrés Gil Coruña "
        "Cádiz Salud Presupuesto enviado example clinica gil ana")
left = {}
for path in sys.argv[3:]:
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"\S+@\S+|https?://\S+|/\S+", " ", text)  # addresses, links, paths
    for w in words(text) - words(data):
        if w in english:
            left.setdefault(w, set()).add(path.rsplit("/", 1)[1])
for w in sorted(left):
    print(w, " ".join(sorted(left[w])))
PY
t_assert_eq "" "$(cat "$T/scan.txt")" "no English word in the Spanish due, client show, report summary, status and mail scan"
t_done
