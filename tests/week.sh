#!/bin/bash
# week.sh - a week of work as people live it, day by day, through the real
# carterad and a real SMTP server on loopback (tests/smtpd.py): a freelancer
# (one salesperson, her clients hers without --owner) and a two-person team
# (each digest lists its salesperson's clients only; a colleague's touch
# counts for the client).  They plan follow-ups of several kinds, do them,
# log with --next, miss one, snooze one, take the weekend off, and each
# day's digest says exactly what a person would expect: the agenda, the
# unclosed activities, the red, yellow and green lists and the overdue
# invoices, the same in the text and HTML parts.  The week: Monday
# 30/11/2026 to Monday 07/12/2026; digests at 08:00 Madrid (07:00 UTC),
# Monday to Friday (digest.days by default).
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
t_init week
t_require sqlite3

CARTERA=${top_builddir:-.}/cartera
CARTERAD=${top_builddir:-.}/carterad
export TZ=UTC
lines() { /usr/bin/python3 "$T_TESTS_DIR/digestlines.py" "$@"; }

t_start_smtpd
for who in solo team; do
	t_db "$who" >/dev/null
	t_conf "$T/$who.conf" "$(t_db_name "$who")"
done
CONF=$T/solo.conf
c() { "$CARTERA" -c "$CONF" -q "$@"; }
at() { local t=$1; shift; c --now "$t" "$@" >/dev/null || t_fatal "setup failed: $*"; }
# morning DAY: 08:00 in Madrid; both daemons run once.
morning() {
	local conf
	for conf in "$T/solo.conf" "$T/team.conf"; do
		"$CARTERAD" -c "$conf" --once --now "$1 07:00:00Z" >>"$T/carterad.log" 2>&1
		t_assert_eq 0 $? "carterad --once on $1 ($(basename "$conf" .conf))"
	done
}
# digest DB OWNER DAY: what that day's delivered digest says, one item a
# line (tests/digestlines.py); "none" when there is no digest that day.
digest() {
	local id f
	id=$(t_sql "$(t_db_name "$1")" "SELECT x.message_id FROM outbox x JOIN owners o ON o.id = x.owner_id
		WHERE x.kind = 'digest' AND o.email = '$2' AND x.idem_key LIKE 'digest:%:$3'")
	[ -n "$id" ] || { echo none; return; }
	t_wait_for "grep -q -F 'Message-ID: $id' '$SMTP_DIR'/*.eml 2>/dev/null" 20 || { echo "not delivered"; return; }
	f=$(grep -l -F "Message-ID: $id" "$SMTP_DIR"/*.eml | head -1)
	lines "$f"
	lines --html "$f" >/dev/null || echo "the HTML part says something else"
}
ana() { digest solo ana@example.com "$1"; }
bea() { digest team bea@example.com "$1"; }
bob() { digest team bob@example.com "$1"; }

# ---------------------------------------------------------------- setup
D0="2026-09-01 09:00Z"
CONF=$T/solo.conf
at "$D0" init
at "$D0" owner add ana@example.com --name "Ana López" --tz Europe/Madrid --digest-at 08:00 --lang es
for n in "Talleres Pérez" "Bodegas Ruiz" "Frutas Gómez" "Cafés Núñez" "Panadería Sol" "Limpiezas Luz"; do
	at "$D0" client add "$n" --phone "600 000 000"	# one salesperson: hers
done
at "2026-11-02 10:00Z" log "Talleres Pérez" call	# every 30 days: due Wednesday
at "2026-11-20 10:00Z" log "Bodegas Ruiz" email
at "2026-11-20 10:00Z" log "Frutas Gómez" call
at "2026-10-15 10:00Z" log "Cafés Núñez" email	# overdue since 14/11
at "2026-11-25 10:00Z" log "Panadería Sol" call
at "2026-11-06 10:00Z" log "Limpiezas Luz" call	# due on Sunday
at "2026-11-25 10:00Z" plan "Bodegas Ruiz" visit --at "2026-12-01 10:00"
at "2026-11-25 10:00Z" plan "Frutas Gómez" call --at "2026-12-03 10:00"
at "2026-11-25 10:00Z" plan "Panadería Sol" sample --on 2026-12-02 --note "Muestras de harina"

CONF=$T/team.conf
at "$D0" init
at "$D0" owner add bea@example.com --name "Bea Ruiz" --tz Europe/Madrid --digest-at 08:00 --lang es
at "$D0" owner add bob@example.com --name "Bob Smith" --tz Europe/Madrid --digest-at 08:00 --lang en
at "$D0" client add "Hierros Norte" --owner bea@example.com
at "$D0" client add "Vinos Sur" --owner bea@example.com
at "$D0" client add "Acme Corp" --owner bob@example.com
at "$D0" client add "Globex" --owner bob@example.com
at "2026-11-03 10:00Z" log "Hierros Norte" visit	# due Thursday
at "2026-11-27 10:00Z" log "Vinos Sur" call
at "2026-11-16 10:00Z" log "Acme Corp" call
at "2026-11-27 10:00Z" log "Globex" call
at "2026-11-01 10:00Z" invoice add "Acme Corp" 500 --currency USD --issued 2026-07-20 --due 2026-10-20 --number INV-7
at "2026-11-01 10:00Z" invoice add "Acme Corp" 1.200,00 --issued 2026-09-25 --due 2026-10-25 --number INV-8
at "2026-11-25 10:00Z" plan "Vinos Sur" survey --on 2026-11-30
at "2026-11-25 10:00Z" plan "Globex" email --at "2026-12-01 09:00" --note "Send the price list"

# plan_id DB CLIENT: the id of the client's (first) activity.
plan_id() { t_sql "$(t_db_name "$1")" "SELECT a.id FROM activities a JOIN clients c ON c.id = a.client_id
	WHERE c.name = '$2' ORDER BY a.id LIMIT 1"; }
# check DAY WHO EXPECTED: that day's digest of WHO, item by item.
check() { t_assert_eq "$3" "$($2 "$1")" "$1, $2's digest"; }
solo() { CONF=$T/solo.conf; }
team() { CONF=$T/team.conf; }

# The team: a client needs one of them as its owner, and is added once.
team
out=$(c --now "$D0" client add "Nuevo Cliente" 2>&1)
t_assert_eq 1 $? "team: client add without --owner is refused"
t_assert_match 'bea@example.com' "$out" "the refusal lists the salespeople"
t_assert_fails "team: the same company twice is refused" \
	c --now "$D0" client add "ACME corp." --owner bea@example.com

# ---------------------------------------------------------------- Monday 30/11
morning 2026-11-30
check 2026-11-30 ana "red|Cafés Núñez|Toca llamar: cada 30 días; último contacto hace 46 días (correo, 15/10/2026)
yellow|Talleres Pérez|Toca llamar el 02/12/2026 (dentro de 2 días): cada 30 días; último contacto hace 28 días (llamada, 02/11/2026)"
check 2026-11-30 bea "agenda|Encuesta: Vinos Sur|todo el día
yellow|Hierros Norte|Toca llamar el 03/12/2026 (dentro de 3 días): cada 30 días; último contacto hace 27 días (visita, 03/11/2026)"
check 2026-11-30 bob "red|Acme Corp|Invoice INV-7, \$500.00, 41 days overdue (due 20 Oct 2026)
invoices|Acme Corp|Invoice INV-7, \$500.00, 41 days overdue (due 20 Oct 2026)
invoices|Acme Corp|Invoice INV-8, €1,200.00, 36 days overdue (due 25 Oct 2026)"
solo
# Ana cannot reach Cafés Núñez before Friday: snoozed, nothing until then.
at "2026-11-30 10:00Z" snooze "Cafés Núñez" --until 2026-12-04
team
# Bea does the survey the same day.
at "2026-11-30 11:00Z" activity done "$(plan_id team "Vinos Sur")" --note "Satisfechos: 9 de 10"

# ---------------------------------------------------------------- Tuesday 1/12
morning 2026-12-01
check 2026-12-01 ana "agenda|Visita: Bodegas Ruiz|10:00-10:30
yellow|Talleres Pérez|Toca llamar el 02/12/2026 (mañana): cada 30 días; último contacto hace 29 días (llamada, 02/11/2026)"
check 2026-12-01 bea "yellow|Hierros Norte|Toca llamar el 03/12/2026 (dentro de 2 días): cada 30 días; último contacto hace 28 días (visita, 03/11/2026)"
check 2026-12-01 bob "agenda|Email: Globex|09:00-09:30
red|Acme Corp|Invoice INV-7, \$500.00, 42 days overdue (due 20 Oct 2026)
invoices|Acme Corp|Invoice INV-7, \$500.00, 42 days overdue (due 20 Oct 2026)
invoices|Acme Corp|Invoice INV-8, €1,200.00, 37 days overdue (due 25 Oct 2026)"
solo
# The visit is done: a quote left with them, their answer awaited.
at "2026-12-01 11:00Z" activity done "$(plan_id solo "Bodegas Ruiz")" --outcome waiting --note "Presupuesto enviado"
# Bob does not send Globex its email today (missed).

# ---------------------------------------------------------------- Wednesday 2/12
morning 2026-12-02
check 2026-12-02 ana "agenda|Muestra: Panadería Sol|todo el día
red|Talleres Pérez|Toca llamar: cada 30 días; último contacto hace 30 días (llamada, 02/11/2026)
yellow|Limpiezas Luz|Toca llamar el 06/12/2026 (dentro de 4 días): cada 30 días; último contacto hace 26 días (llamada, 06/11/2026)
green|Bodegas Ruiz|Esperando su respuesta desde el 01/12/2026 (visita, hace 1 día); sin próximo paso fijado"
check 2026-12-02 bea "yellow|Hierros Norte|Toca llamar el 03/12/2026 (mañana): cada 30 días; último contacto hace 29 días (visita, 03/11/2026)"
check 2026-12-02 bob "missed|Email on 1 Dec 2026 at 09:00 with Globex (1 day ago)|Done: cartera activity done 2 · Cancel: cartera activity cancel 2 · New date: cartera activity move 2 --at \"YYYY-MM-DD HH:MM\"
red|Acme Corp|Invoice INV-7, \$500.00, 43 days overdue (due 20 Oct 2026)
red|Globex|Not closed: email on 1 Dec 2026 at 09:00 (1 day ago)
invoices|Acme Corp|Invoice INV-7, \$500.00, 43 days overdue (due 20 Oct 2026)
invoices|Acme Corp|Invoice INV-8, €1,200.00, 38 days overdue (due 25 Oct 2026)"
solo
# Ana calls Talleres: they want to talk again on Friday.
at "2026-12-02 10:00Z" log "Talleres Pérez" call --note "Quieren hablarlo el viernes" --next 2026-12-04
at "2026-12-02 15:00Z" activity done "$(plan_id solo "Panadería Sol")"
team
# Bob will not send that email after all: cancelled, no touch.
at "2026-12-02 09:00Z" activity cancel "$(plan_id team "Globex")"
# ... and plans samples for them instead, for next Monday.
at "2026-12-02 09:05Z" plan "Globex" sample --on 2026-12-07 --note "Two samples of the new range"

# ---------------------------------------------------------------- Thursday 3/12
morning 2026-12-03
check 2026-12-03 ana "agenda|Llamada: Frutas Gómez|10:00-10:30
yellow|Talleres Pérez|Fecha de contacto fijada: 04/12/2026 (mañana)
yellow|Limpiezas Luz|Toca llamar el 06/12/2026 (dentro de 3 días): cada 30 días; último contacto hace 27 días (llamada, 06/11/2026)
green|Bodegas Ruiz|Esperando su respuesta desde el 01/12/2026 (visita, hace 2 días); sin próximo paso fijado"
check 2026-12-03 bea "red|Hierros Norte|Toca llamar: cada 30 días; último contacto hace 30 días (visita, 03/11/2026)"
check 2026-12-03 bob "red|Acme Corp|Invoice INV-7, \$500.00, 44 days overdue (due 20 Oct 2026)
invoices|Acme Corp|Invoice INV-7, \$500.00, 44 days overdue (due 20 Oct 2026)
invoices|Acme Corp|Invoice INV-8, €1,200.00, 39 days overdue (due 25 Oct 2026)"
solo
# The call to Frutas Gómez does not happen (missed); Bodegas answers.
at "2026-12-03 15:00Z" log "Bodegas Ruiz" email --received --note "Aceptan el presupuesto"
team
# Bob, passing by, visits Bea's client: it counts for the client.
at "2026-12-03 09:00Z" log "Hierros Norte" visit --by bob@example.com
# Acme pays the dollar invoice.
at "2026-12-03 12:00Z" invoice pay "$(t_sql "$(t_db_name team)" "SELECT id FROM invoices WHERE number = 'INV-7'")"

# ---------------------------------------------------------------- Friday 4/12
morning 2026-12-04
check 2026-12-04 ana "missed|Llamada del 03/12/2026 a las 10:00 con Frutas Gómez (hace 1 día)|Hecha: cartera activity done 2 · Cancelar: cartera activity cancel 2 · Otra fecha: cartera activity move 2 --at \"AAAA-MM-DD HH:MM\"
red|Bodegas Ruiz|Respondió el 03/12/2026: Aceptan el presupuesto
red|Frutas Gómez|Sin cerrar: llamada del 03/12/2026 a las 10:00 (hace 1 día)
red|Talleres Pérez|Fecha de contacto fijada: 04/12/2026 (hoy)
red|Cafés Núñez|Pospuesto hasta el 04/12/2026 (hoy)
yellow|Limpiezas Luz|Toca llamar el 06/12/2026 (dentro de 2 días): cada 30 días; último contacto hace 28 días (llamada, 06/11/2026)"
check 2026-12-04 bea ""
check 2026-12-04 bob "red|Acme Corp|Invoice INV-8, €1,200.00, 40 days overdue (due 25 Oct 2026)
invoices|Acme Corp|Invoice INV-8, €1,200.00, 40 days overdue (due 25 Oct 2026)"
solo
at "2026-12-04 10:00Z" log "Bodegas Ruiz" call --note "Pedido confirmado" --in 1m
at "2026-12-04 11:00Z" log "Talleres Pérez" visit
at "2026-12-04 12:00Z" activity move "$(plan_id solo "Frutas Gómez")" --at "2026-12-07 10:00"
at "2026-12-04 16:00Z" log "Cafés Núñez" email

# ---------------------------------------------------------------- the weekend
morning 2026-12-05
morning 2026-12-06
for who in ana bea bob; do
	check 2026-12-05 $who none
	check 2026-12-06 $who none
done

# ---------------------------------------------------------------- Monday 7/12
morning 2026-12-07
check 2026-12-07 ana "agenda|Llamada: Frutas Gómez|10:00-10:30
red|Limpiezas Luz|Toca llamar: cada 30 días; último contacto hace 31 días (llamada, 06/11/2026)"
check 2026-12-07 bea ""
check 2026-12-07 bob "agenda|Sample: Globex|all day
red|Acme Corp|Invoice INV-8, €1,200.00, 43 days overdue (due 25 Oct 2026)
invoices|Acme Corp|Invoice INV-8, €1,200.00, 43 days overdue (due 25 Oct 2026)"

# cartera due says what the digest says: Monday's red list, by name.
solo
t_assert_eq "Limpiezas Luz" \
	"$(c --json due --owner ana@example.com --date 2026-12-07 --all | t_json '" ".join(i["name"] for i in d["red"]["items"])')" \
	"cartera due on Monday: the same red list"
# What the issue found wrong is gone from every digest of the week.
for f in "$SMTP_DIR"/*.eml; do
	t_mailcheck --field text "$f"
done >"$T/all.txt"
t_assert_eq "" "$(grep -E 'hace más de|próximo contacto \(|contacto\.$|vencido hace' "$T/all.txt")" \
	"no digest line of the week in the old wording"
t_done
