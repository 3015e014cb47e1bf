#!/bin/bash
# cli.sh - drive the real cartera binary through every command: owners,
# clients, contacts, touches, plans, invoices; JSON output parsed; exit
# codes; hostile values stored intact or refused with a clear error.
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
t_init cli
DB_C=$(t_db c)
t_require sqlite3

CARTERA=${top_builddir:-.}/cartera
export CARTERA_DB=$DB_C
export TZ=UTC
: >"$T/empty.conf"
c() { "$CARTERA" -c "$T/empty.conf" "$@"; }

# --- basics: version, help, exit codes
t_assert_match '^cartera [0-9]' "$(c --version)" "--version"
t_assert_ok "--help exits 0" c --help
for cmd in init check "owner add" "owner edit" "owner list" "owner feed-url" "owner page-url" \
	"owner rotate-token" "client add" "client list" "client show" "client edit" \
	"client delete" "contact add" "contact list" log plan "activity list" \
	"activity done" "activity cancel" "activity move" "invoice add" "invoice paid" \
	"invoice list" "nps add" "cost add" "segment set" "segment list" import export \
	"team add" "team list" "team feed-url" "team rotate-token"; do
	# shellcheck disable=SC2086
	out=$(c $cmd --help 2>&1)
	t_assert_match "^Usage: cartera .*$cmd" "$out" "$cmd --help"
done
c frobnicate >/dev/null 2>&1
t_assert_eq 2 $? "unknown command exits 2"
c client >/dev/null 2>&1
t_assert_eq 2 $? "command group without subcommand exits 2"
c client list >/dev/null 2>"$T/err"
t_assert_eq 1 $? "missing database exits 1"
t_assert_file_contains "$T/err" "cartera init" "missing database says how to create it"

t_assert_ok "init" c init
t_assert_ok "init again is harmless" c init
t_assert_eq "$(sed -n 's/^#define STORE_SCHEMA_VERSION[[:space:]]*\([0-9]*\).*/\1/p' "$T_SRCDIR/daemon/store.h")" \
	"$(t_schema_version "$CARTERA_DB")" "schema version recorded"
# Every client and every feed token are in it: not readable by others,
# even under umask 022.  (A file: SQLite only.)
if [ "$(t_engine)" = sqlite ]; then
	(umask 022 && "$CARTERA" -d "$T/mode.db" -q init) || t_fail "init under umask 022"
	t_assert_eq 640 "$(stat -c %a "$T/mode.db")" "a new database is mode 0640 under umask 022"
fi

# --- owners
t_assert_ok "owner add" c owner add ana@example.com --name "Ana López" --tz Europe/Madrid --digest-at 07:30 --lang es
t_assert_ok "second owner" c owner add bob@example.com --name "Bob Smith" --tz America/New_York --lang en
c owner add bad@example.com --name X --tz Mars/Olympus >/dev/null 2>"$T/err"
t_assert_eq 1 $? "unknown zone refused"
t_assert_file_contains "$T/err" "unknown time zone" "zone error is clear"
c owner add ana@example.com --name Dup >/dev/null 2>"$T/err"
t_assert_eq 1 $? "duplicate owner refused"
c owner add x@example.com --name X --digest-at 25:00 >/dev/null 2>&1
t_assert_eq 2 $? "bad --digest-at is a usage error"
t_assert_eq 2 "$(c --json owner list | t_json 'len(d)')" "owner list --json"
t_assert_eq "America/New_York" "$(c --json owner list | t_json '[o["timezone"] for o in d if o["email"]=="bob@example.com"][0]')" "owner zone stored"
url1=$(c owner feed-url ana@example.com)
t_assert_match '^http://127\.0\.0\.1:8025/feed/[A-Za-z0-9_-]{32}\.ics$' "$url1" "feed URL shape"
page1=$(c owner page-url ana@example.com)
t_assert_match '^http://127\.0\.0\.1:8025/me/[A-Za-z0-9_-]{32}$' "$page1" "page URL shape"
[ "${page1##*/}" != "$(basename "$url1" .ics)" ] && t_pass "the page token is not the feed token" ||
	t_fail "the page token is not the feed token"
t_assert_eq "$page1" "$(c --json owner page-url ana@example.com | t_json 'd["url"]')" "page-url --json"
c owner page-url nobody@example.com >/dev/null 2>"$T/err"
t_assert_eq 1 $? "page-url of nobody fails"
url2=$(c owner rotate-token ana@example.com 2>"$T/err")
t_assert_file_contains "$T/err" "owner page-url ana@example.com" "rotate-token says the page URL changed"
[ "$page1" != "$(c owner page-url ana@example.com)" ] && t_pass "rotate-token makes a new page URL" ||
	t_fail "rotate-token makes a new page URL"
t_assert_match '/feed/[A-Za-z0-9_-]{32}\.ics$' "$url2" "rotated URL"
[ "$url1" != "$url2" ] && t_pass "rotation changes the URL" || t_fail "rotation changes the URL"
t_assert_eq "$url2" "$(c owner feed-url ana@example.com)" "feed-url shows the new token"
t_assert_ok "owner edit" c owner edit bob@example.com --digest-at 09:15
t_assert_eq "09:15" "$(c --json owner list | t_json '[o["digest_at"] for o in d if o["email"]=="bob@example.com"][0]')" "owner edit applied"
t_assert_ok "team add" c team add Norte
t_assert_ok "owner edit --phone --signature" c owner edit bob@example.com --phone "+34 600 111 222" \
	--signature $'Bob\nVentas zona norte'
t_assert_eq $'+34 600 111 222|Bob\nVentas zona norte' \
	"$(t_sql "$CARTERA_DB" "SELECT phone || '|' || signature FROM owners WHERE email = 'bob@example.com'")" \
	"phone and signature stored"
c owner edit bob@example.com --phone "llámame" >/dev/null 2>"$T/err"
t_assert_eq 2 $? "a phone that is not one is refused"
t_assert_ok "owner edit --phone '' clears it" c owner edit bob@example.com --phone ''
t_assert_eq "" "$(t_sql "$CARTERA_DB" "SELECT phone FROM owners WHERE email = 'bob@example.com'")" "phone cleared"
t_assert_ok "owner joins team" c owner edit bob@example.com --team Norte
t_assert_match '/team/[A-Za-z0-9_-]{32}\.ics$' "$(c team feed-url Norte)" "team feed URL"

# --- clients
t_assert_ok "client add (all options)" c client add "Talleres Pérez S.L." --kind empresa \
	--status activo --segment "Gran cuenta" --sector Industria --owner ana@example.com \
	--email compras@talleres.es --phone "+34 911 222 333" --contact "José Núñez" \
	--role Gerente --address "Calle de Alcalá 23, 2º B" --city Madrid --postal-code 28014 \
	--country España --tax-id "b-12345678" --cadence 14 --next-contact 2030-01-15 \
	--notes "Cliente desde 2019"
id=$(c --json client add "Panadería Núñez" --kind autónomo --owner bob@example.com --city Sevilla | t_json 'd["id"]')
t_assert_eq 2 "$id" "client add --json gives the id"
c --json client add "Café Ñandú" --status potential --owner ana@example.com --city Madrid >/dev/null
c --json client add "Café Ñandú Norte" --owner ana@example.com >/dev/null
t_assert_eq 4 "$(c --json client list | t_json 'len(d)')" "client list"
t_assert_eq 2 "$(c --json client list --city madrid | t_json 'len(d)')" "client list --city (case-insensitive)"
t_assert_eq 1 "$(c --json client list --status potential | t_json 'len(d)')" "client list --status"
t_assert_eq 1 "$(c --json client list --segment 'Gran cuenta' | t_json 'len(d)')" "client list --segment"
t_assert_eq 1 "$(c --json client list --owner bob@example.com | t_json 'len(d)')" "client list --owner"
show=$(c --json client show "talleres pérez s.l.")
t_assert_eq "B12345678|ES|freelancer" "$(echo "$show" | t_json 'd["tax_id"]+"|"+d["country"]')|$(c --json client show 2 | t_json 'd["kind"]')" "normalised values"
t_assert_eq "José Núñez|Gerente|compras@talleres.es" "$(echo "$show" | t_json 'd["contact"]+"|"+d["role"]+"|"+d["email"]')" "primary contact"
c client show "Café" >/dev/null 2>"$T/err"
t_assert_eq 1 $? "ambiguous name is an error"
t_assert_file_contains "$T/err" 'ambiguous:.*3 "Café Ñandú".*4 "Café Ñandú Norte"' "ambiguity lists candidates"
t_assert_eq 3 "$(c --json client show 'Café Ñandú' | t_json 'd["id"]')" "exact name wins over substring"
# Names typed without accents, in any case, or by a part (issue 14).
t_assert_eq 2 "$(c --json client show 'panaderia' | t_json 'd["id"]')" "name found without accents"
t_assert_eq 2 "$(c --json client show 'NUNEZ' | t_json 'd["id"]')" "part of a name, upper case, no accents"
t_assert_eq 3 "$(c --json client show 'cafe nandu' | t_json 'd["id"]')" "whole name without accents"
t_assert_eq 1 "$(c --json client list --search panaderia | t_json 'len(d)')" "client list --search without accents"
t_assert_eq 1 "$(c --json client list --search 'jose nunez' | t_json 'len(d)')" "client list --search finds a contact's name"
t_assert_ok "client edit" c client edit 2 --city Cádiz --status potencial
t_assert_eq "Cádiz|potential" "$(c --json client show 2 | t_json 'd["city"]+"|"+d["status"]')" "edit applied"
t_assert_ok "client edit clears with ''" c client edit 2 --city ''
t_assert_eq "None" "$(c --json client show 2 | t_json 'd["city"]')" "field cleared"
c client edit 2 --kind robot >/dev/null 2>"$T/err"
t_assert_eq 1 $? "bad enum refused"
t_assert_file_contains "$T/err" "company, freelancer or individual" "enum error lists the values"
c client add "Nadie" --owner ghost@example.com >/dev/null 2>"$T/err"
t_assert_eq 1 $? "unknown owner refused"
t_assert_file_contains "$T/err" "unknown owner ghost@example.com" "unknown owner named"

# --- contacts, touches, plans, invoices
t_assert_ok "contact add" c contact add Talleres "Marta Ibáñez" --role Compras --email marta@talleres.es --phone 600111222
t_assert_eq 2 "$(c --json contact list 1 | t_json 'len(d)')" "contact list"
t_assert_ok "log" c log Talleres llamada --outcome waiting --note "Presupuesto enviado" --at "2026-11-20 10:30"
t_assert_eq "2026-11-20T09:30:00Z|2026-11-20T10:30:00+01:00|call|waiting" "$(c --json client show 1 | t_json 'd["last_touch_at_utc"]+"|"+d["last_touch_at"]+"|"+d["last_touch_kind"]+"|"+d["last_outcome"]')" "touch in owner's zone, last touch derived"
c log Talleres dance >/dev/null 2>&1
t_assert_eq 2 $? "bad touch kind is a usage error"
t_assert_ok "plan visit" c plan Talleres visit --at "2026-03-29 10:00" --duration 45
t_assert_ok "plan call (NY owner)" c plan 2 call --at "2026-11-26 09:00"
acts=$(c --json activity list)
t_assert_eq "2026-03-29T08:00:00Z" "$(echo "$acts" | t_json '[a["start_at_utc"] for a in d if a["kind"]=="visit"][0]')" "visit at Madrid summer time"
t_assert_eq "2026-11-26T14:00:00Z" "$(echo "$acts" | t_json '[a["start_at_utc"] for a in d if a["kind"]=="call"][0]')" "call at New York time"
t_assert_eq "Calle de Alcalá 23, 2º B, 28014 Madrid" "$(echo "$acts" | t_json '[a["location"] for a in d if a["kind"]=="visit"][0]')" "visit location defaults to the address"
uid=$(echo "$acts" | t_json '[a["uid"] for a in d if a["kind"]=="visit"][0]')
vid=$(echo "$acts" | t_json '[a["id"] for a in d if a["kind"]=="visit"][0]')
t_assert_ok "activity move" c activity move "$vid" --at "2026-03-30 11:00"
t_assert_ok "activity cancel" c activity cancel "$vid"
a=$(c --json activity list --owner ana@example.com)
t_assert_eq "$uid|2|cancelled|2026-03-30T09:00:00Z" "$(echo "$a" | t_json 'd[0]["uid"]+"|"+str(d[0]["sequence"])+"|"+d[0]["status"]+"|"+d[0]["start_at_utc"]')" "UID kept, SEQUENCE bumped"
t_assert_eq 0 "$(c --json activity list --owner ana@example.com --from 2026-04-01 | t_json 'len(d)')" "activity list --from"
t_assert_eq 1 "$(c --json activity list --to 2026-03-30 | t_json 'len(d)')" "activity list --to is inclusive"
t_assert_ok "invoice add (Spanish amount)" c invoice add Talleres 1.234,56 --due 2026-12-31 --issued 2026-11-01 --number F-001
t_assert_ok "invoice add (dot amount)" c invoice add Talleres 99.5 --due 2026-12-31 --issued 2026-11-10
t_assert_eq "123456 9950" "$(c --json invoice list 1 | t_json '" ".join(str(i["amount_cents"]) for i in d)')" "amounts in cents"
c invoice add Talleres 1.234 --due 2026-12-31 >/dev/null 2>"$T/err"
t_assert_eq 1 $? "ambiguous amount refused"
t_assert_file_contains "$T/err" "ambiguous" "ambiguous amount explained"
c invoice add Talleres 10 --due 2026-01-01 --issued 2026-02-01 >/dev/null 2>&1
t_assert_eq 1 $? "due before issue refused"
t_assert_ok "invoice paid" c invoice paid 1 --at 2026-11-15
t_assert_eq 1 "$(c --json invoice list --unpaid | t_json 'len(d)')" "invoice list --unpaid"
t_assert_eq "2|2026-11-10" "$(c --json client show 1 | t_json 'str(d["purchases"])+"|"+d["last_purchase"]')" "purchase stats derived"
t_assert_ok "nps add" c nps add Talleres 9 --at 2026-11-01
c nps add Talleres 11 >/dev/null 2>&1
t_assert_eq 1 $? "NPS out of range refused"
t_assert_ok "cost add" c cost add 500 --month 2026-10 --kind marketing
t_assert_ok "segment set" c segment set Pyme --cadence 21
t_assert_eq 21 "$(c --json segment list | t_json '[s["cadence_days"] for s in d if s["name"]=="Pyme"][0]')" "segment cadence"

# --- regressions: a touch in the future is refused; "today" is the client's owner's day
c --now "2026-11-23 03:00Z" log 2 call --at "2026-11-24 10:00" >/dev/null 2>"$T/err"
t_assert_eq 1 $? "a touch in the future is refused"
t_assert_file_contains "$T/err" "in the future.*cartera plan" "future touch error points to plan"
id=$(c --now "2026-11-23 03:00Z" --json invoice list 2 | t_json 'len(d)')
c --now "2026-11-23 03:00Z" invoice add 2 10 --due 2026-12-31 >/dev/null
t_assert_eq "2026-11-22" "$(c --json invoice list 2 | t_json 'd[-1]["issued"]')" "invoice 'today' is the New York owner's day"
c --now "2026-11-23 03:00Z" invoice paid "$(c --json invoice list 2 | t_json 'd[-1]["id"]')" >/dev/null
c --now "2026-11-23 03:00Z" nps add 2 8 >/dev/null
t_assert_eq "2026-11-22" "$(t_sql "$CARTERA_DB" 'SELECT at FROM nps WHERE client_id = 2 ORDER BY id DESC LIMIT 1')" "NPS 'today' in the owner's zone too"
t_assert_eq "2026-11-22" "$(c --json invoice list 2 | t_json 'd[-1]["paid_at"]')" "paid 'today' in the owner's zone too"

# --- hostile values: stored and read back intact, or refused clearly
hostile='<script>alert("x")</script> & "quotes", ;semi; \back\slash {{mustache}}'
id=$(c --json client add "$hostile" --owner ana@example.com | t_json 'd["id"]')
t_assert_eq "$hostile" "$(c --json client show "$id" | t_json 'd["name"]')" "hostile name read back intact"
c client add "$(printf 'Evil\r\nBcc: victim@example.com')" >/dev/null 2>"$T/err"
t_assert_eq 1 $? "CR/LF in a name refused"
t_assert_file_contains "$T/err" "line break" "CR/LF error is clear"
long=$(head -c 5000 /dev/zero | tr '\0' 'x')
c client add "$long" >/dev/null 2>"$T/err"
t_assert_eq 1 $? "over-long name refused"
t_assert_file_contains "$T/err" "too long" "length error is clear"
note=$(printf 'line 1\nline 2 with "quotes" and ;\n%s' "$(head -c 100000 /dev/zero | tr '\0' 'n')")
t_assert_ok "long multi-line note" c client edit "$id" --notes "$note"
t_assert_eq "$(printf '%s' "$note" | sha256sum)" "$(c --json client show "$id" | t_json 'd["notes"]' | head -c -1 | sha256sum)" "long note intact"

# --- regression: writing to something that is not a file (a FIFO, /dev/null)
# writes into it; renaming a temporary file over it replaced /dev/null once.
mkfifo "$T/fifo"
cat "$T/fifo" >"$T/from-fifo" &
c export "$T/fifo"
wait
t_assert_ok "export into a FIFO keeps the FIFO" test -p "$T/fifo"
t_assert_match '^name,kind,status' "$(head -1 "$T/from-fifo")" "export wrote into the FIFO"
cat "$T/fifo" >"$T/from-fifo" &
c feed ana@example.com --output "$T/fifo" 2>/dev/null
wait
t_assert_ok "feed --output into a FIFO keeps the FIFO" test -p "$T/fifo"
t_assert_match '^BEGIN:VCALENDAR' "$(head -1 "$T/from-fifo")" "feed wrote into the FIFO"

# --- delete
c client delete 1 >/dev/null 2>"$T/err"
t_assert_eq 1 $? "delete with history needs --force"
t_assert_ok "delete --force" c client delete 1 --force
t_assert_ok "integrity" c check
# (PostgreSQL enforces every reference at each statement.)
[ "$(t_engine)" = sqlite ] &&
	t_assert_eq "" "$(t_sql "$CARTERA_DB" 'PRAGMA foreign_key_check')" "no dangling references"

# --- the CLI reads the configuration as carterad does: validated
# (a rule between two settings; the CLI reads it through config_open too)
printf 'smtp: { retry_min = 600; retry_max = 60; };\n' >"$T/retry.conf"
out=$("$CARTERA" -c "$T/retry.conf" client list 2>&1)
t_assert_eq 1 $? "a configuration carterad refuses is refused by the CLI too"
t_assert_match "retry.conf:1: smtp.retry_min: must not exceed smtp.retry_max" "$out" \
	"the CLI names the file and the setting"
t_done
