#!/bin/bash
# loop.sh - the follow-up loop, defect by defect, as a salesperson meets it:
# "done" on a planned visit is a contact; a touch on or after a
# next-contact date clears it; "log --next/--in" sets the next step in the
# same command; "log --received" records the client reaching us.  Each
# case is seen in the digest the real carterad delivers to a real SMTP
# server on loopback (tests/smtpd.py), and in "cartera due".
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
t_init loop
DB_C=$(t_db c)
t_require sqlite3

CARTERA=${top_builddir:-.}/cartera
CARTERAD=${top_builddir:-.}/carterad
export CARTERA_DB=$DB_C TZ=UTC

t_start_smtpd
t_conf "$T/c.conf" "$DB_C"
cat >>"$T/c.conf" <<EOF
feed: { alarm_minutes = 15; };
EOF
c() { "$CARTERA" -c "$T/c.conf" -q "$@"; }
at() { local t=$1; shift; c --now "$t" "$@" >/dev/null || t_fatal "setup failed: $*"; }
run() {
	"$CARTERAD" -c "$T/c.conf" --once --now "$1" >>"$T/carterad.log" 2>&1
	t_assert_eq 0 $? "carterad --once at $1"
}
# red_in FILE: the clients of the red section of a delivered digest's text.
red_in() {
	t_mailcheck --field text "$1" | awk '/^\[(ROJO|RED)\]/ { on = 1; next }
		on && /^$/ { on = 0 } on && /^  - / { sub(/^  - /, ""); sub(/ · .*/, ""); print }'
}
# due_red DAY: ids of the red list of "cartera due" for that day.
due_red() { c --json due --owner ana@example.com --date "$1" --all | t_json '" ".join(str(i["id"]) for i in d["red"]["items"])'; }
show() { c --json client show "$1" | t_json "$2"; }

D0="2026-09-01 09:00Z"
at "$D0" init
at "$D0" owner add ana@example.com --name "Ana López" --tz Europe/Madrid --digest-at 08:00 --lang es
at "$D0" client add "Talleres Pérez" --owner ana@example.com --phone "911 222 333"
at "$D0" client add "Bodegas Ruiz" --owner ana@example.com --next-contact 2026-12-03
at "$D0" client add "Frutas Gómez" --owner ana@example.com
at "$D0" client add "Cafés Núñez" --owner ana@example.com
at "2026-09-10 10:00Z" log Talleres email
at "2026-11-20 10:00Z" log Bodegas call
at "2026-11-20 10:00Z" log Frutas call
at "2026-11-20 10:00Z" log Cafés call --outcome waiting
talleres=$(show Talleres 'd["id"]')
bodegas=$(show Bodegas 'd["id"]')

# --- "activity done" on a planned visit is the contact (it stayed red,
# "Último contacto: correo, 10/09/2026", until the visit was logged again).
t_assert_match "(^| )$talleres( |$)" "$(due_red 2026-11-24)" "before: Talleres is red (email on 10/09)"
at "2026-11-25 10:00Z" plan Talleres visit --at "2026-12-02 10:00" --duration 60
visit=$(c --json activity list --client Talleres | t_json 'd[0]["id"]')
at "2026-12-02 12:00Z" activity done "$visit"
at "2026-12-02 12:05Z" activity done "$visit"
t_assert_eq "visit|2026-12-02T09:00:00Z" "$(show Talleres 'd["last_touch_kind"] + "|" + d["last_touch_at_utc"]')" \
	"done: the visit is the last touch, at its planned time"
t_assert_eq 1 "$(show Talleres 'sum(1 for i in d["interactions"] if i["kind"] == "visit")')" \
	"done twice: one touch"
t_assert_eq "" "$(due_red 2026-12-03 | tr ' ' '\n' | grep -x "$talleres")" \
	"after: Talleres is not red"
# Done with what came of it: the outcome, a note and the next step.
at "2026-11-25 10:05Z" plan Talleres call --at "2026-12-04 09:00"
call=$(c --json activity list --client Talleres --status planned | t_json 'd[0]["id"]')
at "2026-12-04 10:00Z" activity done "$call" --outcome waiting --note "Envío presupuesto" --in 1w
t_assert_eq "call|waiting|Envío presupuesto|2026-12-11" \
	"$(show Talleres 'd["last_touch_kind"] + "|" + d["last_outcome"] + "|" + d["interactions"][0]["note"] + "|" + d["next_contact"]')" \
	"activity done --outcome --note --in: one touch with them, and the next step a week after it"
at "2026-11-25 10:05Z" plan Talleres visit --at "2026-12-05 09:00"
call=$(c --json activity list --client Talleres --status planned | t_json 'd[0]["id"]')
t_assert_fails "activity done: --next before the touch's day is refused" \
	c --now "2026-12-05 10:00Z" activity done "$call" --next 2026-12-01
t_assert_eq planned "$(c --json activity list --client Talleres | t_json '[a["status"] for a in d if a["id"] == '"$call"'][0]')" \
	"refused: the activity stays planned"
at "2026-12-05 10:00Z" activity cancel "$call"

# --- what the daemon mails on 03/12 (08:00 in Madrid).
run "2026-12-03 07:00:00Z"
t_wait_mail 1
mail=$(t_mail_last)
reds=$(red_in "$mail")
t_assert_eq "" "$(grep -x "Talleres Pérez" <<<"$reds")" "digest of 03/12: Talleres not red after its visit was done"
t_assert_match "Bodegas Ruiz" "$reds" "digest of 03/12: Bodegas red (its date is today, no touch yet)"


# --- a touch on the next-contact date clears it (it stayed red: "vencido
# hace 12 días" on 15/12 after the visit of 03/12).
at "2026-12-03 18:00Z" log Bodegas visita --at "2026-12-03 16:00"
t_assert_eq "None" "$(show Bodegas 'd["next_contact"]')" "a touch on the next-contact date clears it"
t_assert_eq "" "$(due_red 2026-12-15 | tr ' ' '\n' | grep -x "$bodegas")" "not red on 15/12"

# --- the next step in the same command.
at "2026-12-01 10:00Z" log Frutas call --outcome waiting --next 2026-12-10
t_assert_eq "2026-12-10" "$(show Frutas 'd["next_contact"]')" "log --next sets the next-contact date"
t_assert_eq "touch" "$(show Frutas 'd["next_contact_by"]')" "client show: the date was set by a touch"
at "2026-12-01 10:05Z" log Frutas email --in 2w
t_assert_eq "2026-12-15" "$(show Frutas 'd["next_contact"]')" "log --in 2w: two weeks after the touch's day"
t_assert_fails "--next not after the touch's day is refused" \
	c --now "2026-12-01 10:10Z" log Frutas call --next 2026-12-01
t_assert_fails "--next and --in together are refused" \
	c --now "2026-12-01 10:10Z" log Frutas call --next 2026-12-20 --in 1w
t_assert_fails "--in wants N[dwm]" c --now "2026-12-01 10:10Z" log Frutas call --in 2x
t_assert_eq "2026-12-15" "$(show Frutas 'd["next_contact"]')" "refused commands changed nothing"
at "2026-12-01 10:15Z" log Frutas call --in 1m --at "2026-01-31 10:00"
t_assert_eq "2026-02-28" "$(show Frutas 'd["next_contact"]')" "--in 1m from 31/01 is the end of February"
at "2026-12-01 10:20Z" log Frutas call --next 2026-12-15

# --- the client reached us.
at "2026-12-02 09:00Z" log Cafés email --received --note "Aceptan el presupuesto"
t_assert_eq "in|Aceptan el presupuesto" \
	"$(show Cafés 'd["interactions"][0]["direction"] + "|" + d["interactions"][0]["note"]')" \
	"log --received records a touch in"


# ---------------------------------------------------------------- every kind
# Only calls and visits could be planned ("KIND must be call or visit").
# Now every kind, at a time or for a whole day: all-day events in the
# feed, "todo el día" in the agenda, and done a task is a note.
at "2026-12-01 10:00Z" plan Frutas email --at "2026-12-11 09:00" --note "Enviar catálogo"
at "2026-12-01 10:00Z" plan Frutas muestra --on 2026-12-11
at "2026-12-01 10:00Z" plan Frutas survey --on 2026-12-12
at "2026-12-01 10:00Z" plan Cafés tarea --on 2026-12-11 --note "Preparar oferta"
at "2026-12-01 10:00Z" plan Cafés meeting --at "2026-12-11 12:00" --duration 60
t_assert_fails "plan: a note is not something to plan" c --now "2026-12-01 10:00Z" plan Frutas nota --on 2026-12-11
t_assert_fails "plan: --at or --on, not both" \
	c --now "2026-12-01 10:00Z" plan Frutas call --on 2026-12-11 --at "2026-12-11 09:00"
t_assert_fails "plan: --duration is for a time, not a whole day" \
	c --now "2026-12-01 10:00Z" plan Frutas sample --on 2026-12-11 --duration 60
t_assert_eq "sample|2026-12-11 email|None survey|2026-12-12" \
	"$(c --json activity list --client Frutas --status planned | t_json '" ".join(a["kind"] + "|" + str(a["day"]) for a in d)')" \
	"activity list: kinds, and the day of the all-day ones"
"$CARTERA" -c "$T/c.conf" --now "2026-12-01 10:00Z" feed ana@example.com --output "$T/ana.ics" ||
	t_fatal "cartera feed failed"
if /usr/bin/python3 -c 'import icalendar' 2>/dev/null; then
	t_assert_eq "Correo: Frutas Gómez|2026-12-11 09:00:00+01:00|2026-12-11 09:30:00+01:00|OPAQUE|-PT15M
Encuesta: Frutas Gómez|2026-12-12|2026-12-13|TRANSPARENT|no alarm
Muestra: Frutas Gómez|2026-12-11|2026-12-12|TRANSPARENT|no alarm
Reunión: Cafés Núñez|2026-12-11 12:00:00+01:00|2026-12-11 13:00:00+01:00|OPAQUE|-PT15M
Tarea: Cafés Núñez|2026-12-11|2026-12-12|TRANSPARENT|no alarm" \
		"$(/usr/bin/python3 - "$T/ana.ics" <<'PY'
import icalendar, sys
cal = icalendar.Calendar.from_ical(open(sys.argv[1], "rb").read())
rows = []
for ev in cal.walk("VEVENT"):
    if str(ev.get("STATUS")) != "CONFIRMED" or "Talleres" in str(ev["SUMMARY"]):
        continue
    if str(ev["SUMMARY"]).startswith(("Llamada", "Visita")):
        continue
    alarms = [a.get("TRIGGER").to_ical().decode() for a in ev.walk("VALARM")]
    rows.append("%s|%s|%s|%s|%s" % (ev["SUMMARY"], ev["DTSTART"].dt, ev["DTEND"].dt,
        ev["TRANSP"], " ".join(alarms) or "no alarm"))
print("\n".join(sorted(rows)))
PY
)" "the feed: timed events with their alarm; all-day ones as dates (DTEND the day after), free time, no alarm at midnight"
	t_assert_match 'DTSTART;VALUE=DATE:20261211' "$(cat "$T/ana.ics")" "all-day: VALUE=DATE"
else
	t_pass "python3-icalendar missing: feed events not parsed"
fi
agenda=$(LANG=es_ES.UTF-8 c --now "2026-12-11 06:00Z" due --owner ana@example.com --date 2026-12-11)
t_assert_match $'\n  todo el día  Muestra: Frutas Gómez' "$agenda" "agenda: an all-day sample"
t_assert_match $'\n  09:00-09:30  Correo: Frutas Gómez' "$agenda" "agenda: a timed email"
t_assert_match $'\n  todo el día  Tarea: Cafés Núñez' "$agenda" "agenda: a task"
task=$(c --json activity list --client Cafés --status planned | t_json '[a["id"] for a in d if a["kind"] == "task"][0]')
at "2026-12-11 15:00Z" activity done "$task"
t_assert_eq "note|Preparar oferta" \
	"$(show Cafés '[i["kind"] + "|" + i["note"] for i in d["interactions"] if i["kind"] == "note"][0]')" \
	"a task done is recorded as a note"
# Re-planned for a day: the survey moves to Monday 14th, all day.
survey=$(c --json activity list --client Frutas --status planned | t_json '[a["id"] for a in d if a["kind"] == "survey"][0]')
at "2026-12-01 10:00Z" activity move "$survey" --on 2026-12-14
t_assert_eq "2026-12-14" "$(c --json activity list --client Frutas | t_json '[a["day"] for a in d if a["id"] == '"$survey"'][0]')" \
	"activity move --on: a whole day"

# ---------------------------------------------------------------- wording
# Thursday 10/12/2026: each digest line says what is owed and why, with the
# dates; the text and HTML parts say the same; totals per currency.
lines() { /usr/bin/python3 "$T_TESTS_DIR/digestlines.py" "$@"; }
D1="2026-09-01 09:00Z"
at "$D1" owner add bea@example.com --name "Bea Ruiz" --tz Europe/Madrid --digest-at 08:00 --lang es
at "$D1" owner add bob@example.com --name "Bob Smith" --tz Europe/London --digest-at 08:00 --lang en
for n in "Talleres Sur" "Ferretería Sol" "Import USA" "Bodegas Norte" "Cafés Hoy" "Frutas Este" \
	"Panadería Oeste" "Limpiezas Luz" "Hostelería Mar"; do
	at "$D1" client add "$n" --owner bea@example.com --phone "600 000 000"
done
at "$D1" client add "Acme Corp" --owner bob@example.com
at "2026-10-31 10:00Z" log "Talleres Sur" visit
at "2026-10-31 10:00Z" log "Acme" visit
for n in "Ferretería Sol" "Import USA" "Bodegas Norte" "Cafés Hoy" "Frutas Este"; do
	at "2026-12-01 10:00Z" log "$n" call
done
at "2026-12-01 10:00Z" invoice add "Ferretería Sol" 1.400,00 --issued 2026-09-26 --due 2026-10-26 --number F-2026-058
at "2026-12-01 10:00Z" invoice add "Import USA" 500 --currency USD --issued 2026-10-20 --due 2026-11-20 --number US-1
at "2026-12-01 10:00Z" invoice add "Acme" 500 --currency USD --issued 2026-09-26 --due 2026-10-26 --number INV-7
at "2026-12-01 10:00Z" client edit "Bodegas Norte" --next-contact 2026-12-08
at "2026-12-01 10:00Z" client edit "Cafés Hoy" --next-contact 2026-12-10
at "2026-12-01 10:00Z" plan "Frutas Este" call --at "2026-12-04 10:00"
frutas=$(c --json activity list --client "Frutas Este" | t_json 'd[0]["id"]')
at "2026-12-07 10:00Z" log "Panadería Oeste" email --outcome waiting
at "2026-12-09 10:00Z" log "Panadería Oeste" email --received --note "Aceptan el presupuesto"
at "2026-12-08 10:00Z" log "Limpiezas Luz" call --outcome waiting
# Snoozed on 01/12 until the 10th: overdue by cadence, but nothing (not
# even a reminder) before its day.
at "2026-10-01 10:00Z" log "Hostelería Mar" email
at "2026-12-01 10:00Z" snooze "Hostelería Mar" --until 2026-12-10
hosteleria=$(show "Hostelería Mar" 'd["id"]')
t_assert_eq "" "$(c --json due --owner bea@example.com --date 2026-12-08 --all | t_json '" ".join(str(i["id"]) for s in ("red", "yellow", "green") for i in d[s]["items"] if i["id"] == '"$hosteleria"')')" \
	"snoozed: neither red nor yellow before its day"
t_assert_fails "snooze: a day that is not after today is refused" \
	c --now "2026-12-01 10:00Z" snooze "Hostelería Mar" --until 2026-12-01
t_assert_fails "snooze: --until or --days" c --now "2026-12-01 10:00Z" snooze "Hostelería Mar"
t_assert_eq "2026-12-10|snooze" "$(show "Hostelería Mar" 'd["next_contact"] + "|" + d["next_contact_by"]')" \
	"client show: a snooze is shown as such"
# --days N: N days after the owner's local day (01/12 at 23:30 UTC is
# already the 2nd in Madrid).
at "$D1" client add "Cerrajería Paz" --owner bea@example.com
at "2026-12-01 23:30Z" snooze "Cerrajería Paz" --days 3
t_assert_eq "2026-12-05|snooze" "$(show "Cerrajería Paz" 'd["next_contact"] + "|" + d["next_contact_by"]')" \
	"snooze --days 3: three days after the salesperson's today"
t_assert_fails "snooze --days 0 is refused" c --now "2026-12-01 10:00Z" snooze "Cerrajería Paz" --days 0
at "2026-12-01 10:00Z" client edit "Cerrajería Paz" --next-contact 2026-12-20
t_assert_eq "2026-12-20|None" "$(show "Cerrajería Paz" 'd["next_contact"] + "|" + str(d["next_contact_by"])')" \
	"a date set by hand is no longer a snooze"
run "2026-12-10 08:00:00Z"	# 09:00 in Madrid, 08:00 in London
bea=$(grep -l '^To: .*bea@example.com' "$SMTP_DIR"/*.eml | tail -n 1)
bob=$(grep -l '^To: .*bob@example.com' "$SMTP_DIR"/*.eml | tail -n 1)
[ -n "$bea" ] && [ -n "$bob" ] || t_fatal "the digests of 10/12 did not arrive"
t_assert_eq "missed|Llamada del 04/12/2026 a las 10:00 con Frutas Este (hace 6 días)|Hecha: cartera activity done $frutas · Cancelar: cartera activity cancel $frutas · Otra fecha: cartera activity move $frutas --at \"AAAA-MM-DD HH:MM\"
red|Ferretería Sol|Factura F-2026-058, 1.400,00 €, vencida hace 45 días (el 26/10/2026)
red|Talleres Sur|Toca llamar: cada 30 días; último contacto hace 40 días (visita, 31/10/2026)
red|Frutas Este|Sin cerrar: llamada del 04/12/2026 a las 10:00 (hace 6 días)
red|Bodegas Norte|Fecha de contacto fijada: 08/12/2026 (hace 2 días)
red|Panadería Oeste|Respondió el 09/12/2026: Aceptan el presupuesto
red|Cafés Hoy|Fecha de contacto fijada: 10/12/2026 (hoy)
red|Hostelería Mar|Pospuesto hasta el 10/12/2026 (hoy)
green|Limpiezas Luz|Esperando su respuesta desde el 08/12/2026 (llamada, hace 2 días); sin próximo paso fijado
invoices|Ferretería Sol|Factura F-2026-058, 1.400,00 €, vencida hace 45 días (el 26/10/2026)
invoices|Import USA|Factura US-1, 500,00 \$, vencida hace 20 días (el 20/11/2026)" \
	"$(lines "$bea" | grep -v '^inactive|')" \
	"Bea's digest: every line says what is owed, why and when"
t_assert_match $'\nFACTURAS VENCIDAS \\(2: 1\\.400,00 €; 500,00 \\$\\)\n' "$(t_mailcheck --field text "$bea")" \
	"overdue totals per currency, never one sum"
t_assert_match 'Cartera, jueves, 10 de diciembre de 2026: 1 sin cerrar, 7 en rojo, 0 en amarillo, 1 en verde' \
	"$(t_mailcheck --field subject "$bea")" "the subject counts what is not closed"
t_assert_ok "Bea's HTML part says the same as the text part" lines --html "$bea"
t_assert_eq "red|Acme Corp|Time to call: every 30 days; last contact 40 days ago (visit, 31 Oct 2026)
invoices|Acme Corp|Invoice INV-7, \$500.00, 45 days overdue (due 26 Oct 2026)" \
	"$(lines "$bob" | grep -v '^inactive|')" "Bob's digest in English"
t_assert_ok "Bob's HTML part says the same as the text part" lines --html "$bob"
t_done
