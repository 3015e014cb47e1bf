#!/bin/bash
# loop.sh - the follow-up loop, defect by defect, as a salesperson meets it:
# "done" on a planned visit is a contact; a touch on or after a
# next-contact date clears it; "log --next/--in" sets the next step in the
# same command; "log --received" records the client reaching us.  Each
# case is seen in the digest the real carterad delivers to a real SMTP
# server on loopback (tests/smtpd.py), and in "cartera due".
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
t_init loop
t_require sqlite3

CARTERA=${top_builddir:-.}/cartera
CARTERAD=${top_builddir:-.}/carterad
export CARTERA_DB=$T/c.db TZ=UTC
json() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

t_start_smtpd
cat >"$T/c.conf" <<EOF
user = "root";
database = "$T/c.db";
templates = "$T_SRCDIR/etc/templates";
http: { port = 0; };
smtp: { url = "smtp://127.0.0.1:$SMTP_PORT"; starttls = "none";
	from = "Cartera <cartera@example.com>"; timeout = 10; };
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
due_red() { c --json due --owner ana@example.com --date "$1" --all | json '" ".join(str(i["id"]) for i in d["red"]["items"])'; }
show() { c --json client show "$1" | json "$2"; }

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
at "2026-11-25 10:00Z" plan Talleres visit --at "2026-12-02 10:00" --duration 60
visit=$(c --json activity list --client Talleres | json 'd[0]["id"]')
t_assert_match "(^| )$talleres( |$)" "$(due_red 2026-12-02)" "before: Talleres is red (email on 10/09)"
at "2026-12-02 12:00Z" activity done "$visit"
at "2026-12-02 12:05Z" activity done "$visit"
t_assert_eq "visit|2026-12-02T09:00:00Z" "$(show Talleres 'd["last_touch_kind"] + "|" + d["last_touch_at_utc"]')" \
	"done: the visit is the last touch, at its planned time"
t_assert_eq 1 "$(show Talleres 'sum(1 for i in d["interactions"] if i["kind"] == "visit")')" \
	"done twice: one touch"
t_assert_eq "" "$(due_red 2026-12-03 | tr ' ' '\n' | grep -x "$talleres")" \
	"after: Talleres is not red"

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

t_done
