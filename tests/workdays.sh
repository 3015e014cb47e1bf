#!/bin/bash
# workdays.sh - digests on working days only (the Sunday digest defect):
# digest.days (Monday to Friday by default) and digest.holidays (a file of
# dates), a salesperson's own days; no digest on a day off, the latest
# missed working day's once when the daemon comes back, the next working
# day's covering what came due meanwhile, a working day's agenda listing
# the days off after it, the reminder window in working days.  The real
# carterad delivers to a real SMTP server on loopback (tests/smtpd.py).
# December 2026: Thursday 3, Friday 4, Saturday 5, Sunday 6, Monday 7,
# Tuesday 8 (a holiday), Wednesday 9.
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
t_init workdays
DB_C=$(t_db c)
t_require sqlite3

CARTERA=${top_builddir:-.}/cartera
CARTERAD=${top_builddir:-.}/carterad
export CARTERA_DB=$DB_C TZ=UTC
lines() { /usr/bin/python3 "$T_TESTS_DIR/digestlines.py" "$@"; }

t_start_smtpd
mkdir -p "$T/etc"
printf '# Festivos nacionales\n2026-12-08   # la Inmaculada\n2026-12-25\n' >"$T/etc/festivos.txt"
t_conf "$T/etc/c.conf" "$DB_C"
cat >>"$T/etc/c.conf" <<EOF
digest: { holidays = "festivos.txt"; };
EOF
c() { "$CARTERA" -c "$T/etc/c.conf" -q "$@"; }
at() { local t=$1; shift; c --now "$t" "$@" >/dev/null || t_fatal "setup failed: $*"; }
run() {
	"$CARTERAD" -c "$T/etc/c.conf" --once --now "$1" >>"$T/carterad.log" 2>&1
	t_assert_eq 0 $? "carterad --once at $1"
}
# days OWNER: the local days of OWNER's digests queued so far.
days() {
	t_sql "$CARTERA_DB" "SELECT substr(x.idem_key, length('digest:' || o.id || ':') + 1)
		FROM outbox x JOIN owners o ON o.id = x.owner_id
		WHERE x.kind = 'digest' AND o.email = '$1' ORDER BY x.id" | tr '\n' ' ' | sed 's/ $//'
}
# mail OWNER DAY: the delivered digest of that day.
mail() {
	local key
	key=$(t_sql "$CARTERA_DB" "SELECT message_id FROM outbox x JOIN owners o ON o.id = x.owner_id
		WHERE o.email = '$1' AND x.idem_key LIKE 'digest:%:$2'")
	grep -l -F "Message-ID: $key" "$SMTP_DIR"/*.eml 2>/dev/null | head -1
}

D0="2026-10-01 09:00Z"
at "$D0" init
at "$D0" owner add ana@example.com --name "Ana López" --tz Europe/Madrid --digest-at 08:00 --lang es
at "$D0" owner add bob@example.com --name "Bob Smith" --tz Europe/Madrid --digest-at 08:00 --lang en \
	--days "lun-sab"
at "$D0" owner add eva@example.com --name "Eva Gil" --tz Europe/Madrid --digest-at 08:00 --lang es \
	--holidays "2026-12-04, 2026-12-09"
for n in "Talleres Sur" "Bodegas Norte"; do at "$D0" client add "$n" --owner ana@example.com; done
at "$D0" client add "Acme Corp" --owner bob@example.com
at "$D0" client add "Frutas Eva" --owner eva@example.com
at "2026-11-05 10:00Z" log "Talleres Sur" call		# cadence 30: due Saturday 05/12
at "2026-12-01 10:00Z" log "Bodegas Norte" call
at "2026-12-01 10:00Z" plan "Bodegas Norte" visit --at "2026-12-05 10:00"	# a Saturday
at "2026-12-01 10:00Z" log "Acme Corp" call
at "2026-12-01 10:00Z" log "Frutas Eva" call

# --check-config shows the working days and where the holidays came from.
out=$("$CARTERAD" -c "$T/etc/c.conf" --check-config 2>&1)
t_assert_match 'days = "mon-fri";' "$out" "--check-config: the default working days"
t_assert_match "holidays = \"$T/etc/festivos.txt\";" "$out" "--check-config: the holidays file"
t_assert_fails "owner add: a bad --days is refused" \
	c --now "$D0" owner add x@example.com --name X --days "lun-funday"
t_assert_fails "owner edit: a bad --holidays is refused" \
	c --now "$D0" owner edit eva@example.com --holidays "2026-02-30"

# Thursday: everybody's digest.
run "2026-12-03 07:00:00Z"
# The daemon is down on Friday; it comes back on Saturday at 11:00.
run "2026-12-05 10:00:00Z"
t_assert_eq "2026-12-03 2026-12-04" "$(days ana@example.com)" \
	"Saturday: Ana gets the Friday digest she missed, none of Saturday"
t_assert_eq "2026-12-03 2026-12-05" "$(days bob@example.com)" \
	"Bob works Saturdays (--days lun-sab): Saturday's, and Friday's is superseded"
t_assert_eq "2026-12-03" "$(days eva@example.com)" "Eva's own holiday on Friday: nothing to catch up"
run "2026-12-06 09:00:00Z"
t_assert_eq "2026-12-03 2026-12-04" "$(days ana@example.com)" "Sunday: no digest"
t_assert_eq "2026-12-03 2026-12-05" "$(days bob@example.com)" "Sunday: none for Bob either"
run "2026-12-07 07:00:00Z"
run "2026-12-08 07:00:00Z"
run "2026-12-09 07:00:00Z"
t_assert_eq "2026-12-03 2026-12-04 2026-12-07 2026-12-09" "$(days ana@example.com)" \
	"Monday's, none on the holiday of the festivos.txt file, Wednesday's"
t_assert_eq "2026-12-03 2026-12-07 2026-12-08" "$(days eva@example.com)" \
	"Eva: her own holidays (Friday and Wednesday), not the configuration's (the 8th)"
t_wait_mail 11

# Friday's digest (sent on Saturday, as of Friday 08:00): the agenda covers
# the weekend; a client due on Saturday is yellow (within 3 working days).
fri=$(mail ana@example.com 2026-12-04)
t_assert_match 'viernes, 4 de diciembre de 2026' "$(t_mailcheck --field subject "$fri")" \
	"the missed digest names its own day"
t_assert_eq "agenda|Visita: Bodegas Norte|sábado, 5 de diciembre de 2026, 10:00-10:30
yellow|Talleres Sur|Toca llamar el 05/12/2026 (mañana): cada 30 días; último contacto hace 29 días (llamada, 05/11/2026)" \
	"$(lines "$fri")" "Friday: Saturday's visit in the agenda, Saturday's due date a reminder"
# Monday's covers what came due meanwhile.
mon=$(mail ana@example.com 2026-12-07)
t_assert_eq "missed|Visita del 05/12/2026 a las 10:00 con Bodegas Norte (hace 2 días)|Hecha: cartera activity done 1 · Cancelar: cartera activity cancel 1 · Otra fecha: cartera activity move 1 --at \"AAAA-MM-DD HH:MM\"
red|Talleres Sur|Toca llamar: cada 30 días; último contacto hace 32 días (llamada, 05/11/2026)
red|Bodegas Norte|Sin cerrar: visita del 05/12/2026 a las 10:00 (hace 2 días)" \
	"$(lines "$mon")" "Monday: the weekend's visit not closed, the Saturday due date 2 days overdue"
# The reminder window counts working days: on Friday, 1 day ahead is Monday.
at "2026-12-01 10:00Z" client add "Cerrajería" --owner ana@example.com
at "2026-12-01 10:00Z" client edit "Cerrajería" --next-contact 2026-12-07
yel=$(c --json due --owner ana@example.com --date 2026-12-04 | t_json '" ".join(i["name"] for i in d["yellow"]["items"])')
t_assert_match 'Cerrajería' "$yel" "Friday: a date on Monday is within the reminder window"
t_done
