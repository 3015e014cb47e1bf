#!/bin/bash
# owners.sh - who a new client belongs to, and the same client twice: with
# one salesperson a client is theirs without saying so; with several,
# "client add" without --owner is an error listing them; a client with
# the name of another (up to case, accents, punctuation and legal form)
# or its tax id is refused with the existing client's id, unless
# --allow-duplicate.  (The import's side is in import.sh.)
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
t_init owners
DB_C=$(t_db c)
t_require sqlite3

CARTERA=${top_builddir:-.}/cartera
export CARTERA_DB=$DB_C TZ=UTC
: >"$T/empty.conf"
c() { "$CARTERA" -c "$T/empty.conf" --now "2026-12-10 12:00Z" "$@"; }
ok() { c -q "$@" >/dev/null || t_fatal "setup: cartera $*"; }

# ---------------------------------------------------------------- owners
ok init
ok owner add ana@example.com --name Ana --tz Europe/Madrid
# One salesperson: clients are hers without saying so.
ok client add "Talleres Pérez S.L." --tax-id B12345678
t_assert_eq "ana@example.com" "$(c --json client show Talleres | t_json 'd["owner"]')" "one salesperson: the owner by default"
ok owner add bob@example.com --name Bob --tz America/New_York
c client add "Sin Dueño" >/dev/null 2>"$T/err"
t_assert_eq 1 $? "two salespeople: a client without --owner refused"
t_assert_file_contains "$T/err" 'client "Sin Dueño" needs an owner: there are 2 salespeople \(ana@example.com, bob@example.com\); give --owner EMAIL' "the error lists them"
t_assert_eq 0 "$(c --json client list --search 'Sin Due' | t_json 'len(d)')" "nothing added"
ok client add "Sin Dueño" --owner bob@example.com
c client edit "Sin Dueño" --owner '' >/dev/null 2>"$T/err"
t_assert_eq 1 $? "taking the owner away refused"
t_assert_file_contains "$T/err" "needs an owner" "and says why"
# An inactive salesperson gets no digest: does not count.
ok owner add old@example.com --name Old --active no
c client add "Tercero" >/dev/null 2>"$T/err"
t_assert_file_contains "$T/err" '\(ana@example.com, bob@example.com\)' "an inactive salesperson is not listed"
t_assert_match "client [0-9]+ added: Tercero" "$(c client add "Tercero" --owner ana@example.com 2>&1)" "explicit owner fine"

# ---------------------------------------------------------------- duplicates
dup() {	# dup MSG ERE ARGS...: cartera client ARGS is refused naming ERE
	local msg=$1 ere=$2
	shift 2
	c client "$@" >/dev/null 2>"$T/err"
	t_assert_eq 1 $? "$msg refused"
	t_assert_file_contains "$T/err" "$ere" "$msg: names the existing client"
}
dup "same name, other case/accents/punctuation/legal form" 'client 1 "Talleres Pérez S.L." has the same name: .*use client 1.*--allow-duplicate' \
	add "talleres perez sl" --owner ana@example.com
dup "same name, other legal form" 'client 1 ' add "TALLERES PÉREZ, S.A." --owner bob@example.com
dup "same tax id" 'client 1 "Talleres Pérez S.L." has the same tax id B12345678' \
	add "Otro Nombre" --tax-id b-12345678 --owner ana@example.com
dup "renaming into another client's name" 'client 1 ' edit "Sin Dueño" --name "Talleres Perez"
dup "taking another client's tax id" 'same tax id B12345678' edit "Sin Dueño" --tax-id B12345678
t_assert_eq 3 "$(c --json client list | t_json 'len(d)')" "no duplicate added"
ok client add "talleres perez sl" --owner bob@example.com --allow-duplicate
t_assert_eq 4 "$(c --json client list | t_json 'len(d)')" "--allow-duplicate adds it"
ok client edit 1 --name "Talleres Pérez, S.L." --city Madrid
t_assert_eq "Madrid" "$(c --json client show 1 | t_json 'd["city"]')" "a client keeps its own name when edited"

t_assert_ok "integrity" c check
t_done
