#!/bin/bash
# corrections.sh - what was recorded can be corrected, and the CLI says
# what it is for: touch list|edit|delete (the client's last touch
# follows), invoice edit|pay|delete (its purchase rhythm follows), nps and
# cost list|delete, a clear error naming what and where for an id that
# does not exist; "cartera help X" and "cartera X --help" for every
# command and every group.
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
t_init corrections
DB_C=$(t_db c)
t_require sqlite3

CARTERA=${top_builddir:-.}/cartera
export CARTERA_DB=$DB_C TZ=UTC
: >"$T/empty.conf"
c() { "$CARTERA" -c "$T/empty.conf" --now "2026-12-10 12:00Z" "$@"; }
ok() { c -q "$@" >/dev/null || t_fatal "setup: cartera $*"; }

# ---------------------------------------------------------------- help
# Every command and every group, from the list "cartera --help" prints.
mapfile -t cmds < <(c --help | sed -n '/^Commands:/,/^$/p' | sed -n 's/^  \([a-z][a-z -]*[a-z]\)  .*/\1/p' | sed 's/ *$//')
[ "${#cmds[@]}" -gt 30 ] || t_fatal "could not read the command list: ${cmds[*]}"
declare -A groups=()
for cmd in "${cmds[@]}"; do
	# shellcheck disable=SC2086 # one or two words
	out=$(c help $cmd 2>&1)
	t_assert_match "^Usage: cartera \[GLOBAL OPTIONS\] $cmd " "$out" "help $cmd"
	[[ $cmd == *" "* ]] && groups[${cmd%% *}]=1
done
t_assert_eq "activity client contact cost goal invoice mail nps owner product segment team touch" "$(printf '%s\n' "${!groups[@]}" | sort | tr '\n' ' ' | sed 's/ $//')" "the command groups"
for g in "${!groups[@]}"; do
	out=$(c help "$g" 2>&1)
	t_assert_eq 0 $? "help $g exits 0"
	t_assert_match "^Usage: cartera \[GLOBAL OPTIONS\] $g SUBCOMMAND" "$out" "help $g: usage"
	for cmd in "${cmds[@]}"; do
		[[ $cmd == "$g "* ]] || continue
		t_assert_match "
  ${cmd#"$g "} +[A-Z]" "$out" "help $g lists ${cmd#"$g "} with its description"
	done
	t_assert_eq "$out" "$(c "$g" --help 2>&1)" "$g --help is help $g"
	c "$g" >/dev/null 2>"$T/err"
	t_assert_eq 2 $? "$g alone is a usage error"
	t_assert_file_contains "$T/err" "\"$g\" needs a subcommand" "$g alone says so"
done
out=$(c help invoice)
t_assert_match "  delete +Delete an invoice\." "$out" "help invoice: delete"
t_assert_match "  edit +Correct an invoice" "$out" "help invoice: edit"
t_assert_match "  pay +Mark an invoice paid" "$out" "help invoice: pay"
c invoice frob >/dev/null 2>"$T/err"
t_assert_eq 2 $? "unknown subcommand exits 2"
t_assert_file_contains "$T/err" '"invoice" has no subcommand "frob"' "unknown subcommand named"
c help frob >/dev/null 2>&1
t_assert_eq 2 $? "help for no command exits 2"

# ---------------------------------------------------------------- setup
ok init
ok owner add ana@example.com --name Ana --tz Europe/Madrid
ok owner add bob@example.com --name Bob --tz America/New_York
ok client add "Talleres Pérez S.L." --owner ana@example.com
ok client add "Sin Dueño" --owner bob@example.com

# ---------------------------------------------------------------- touches
ok log 1 call --at "2026-12-01 10:00" --outcome waiting
ok log 1 visit --at "2026-12-03 16:00" --note "visita"
ok log 1 email --at "2026-12-02 09:00"
t_assert_eq "visit email call" "$(c --json touch list 1 | t_json '" ".join(t["kind"] for t in d)')" "touch list, newest first"
visit=$(c --json touch list 1 | t_json 'd[0]["id"]')
call=$(c --json touch list 1 | t_json 'd[2]["id"]')
last() { c --json client show 1 | t_json 'd["last_touch_at"]+"|"+d["last_touch_kind"]+"|"+d["last_outcome"]'; }
t_assert_eq "2026-12-03T16:00:00+01:00|visit|done" "$(last)" "the last touch is the visit"
# The visit was logged by mistake: deleting it makes the email the last.
t_assert_eq "touch $visit deleted" "$(c touch delete "$visit")" "touch delete"
t_assert_eq "2026-12-02T09:00:00+01:00|email|done" "$(last)" "the last touch follows a delete"
t_assert_eq 2 "$(c --json touch list 1 | t_json 'len(d)')" "one touch fewer"
# The call was later than written, and the client answered.
ok touch edit "$call" --at "2026-12-04 11:30" --outcome done --note "llamó de vuelta"
t_assert_eq "2026-12-04T11:30:00+01:00|call|done" "$(last)" "the last touch follows an edit"
t_assert_eq "llamó de vuelta" "$(c --json touch list 1 | t_json 'd[0]["note"]')" "note changed"
ok touch edit "$call" --note ''
t_assert_eq "None" "$(c --json touch list 1 | t_json 'd[0]["note"]')" "--note '' clears it"
ok touch edit "$call" --kind visita --by bob@example.com
t_assert_eq "visit|bob@example.com" "$(c --json touch list 1 | t_json 'd[0]["kind"]+"|"+d[0]["by_owner"]')" "kind (in Spanish) and author"
c touch edit "$call" --at "2027-01-01 10:00" >/dev/null 2>"$T/err"
t_assert_eq 1 $? "a touch cannot move to the future"
c touch edit "$call" >/dev/null 2>&1
t_assert_eq 2 $? "touch edit with nothing to change is a usage error"
c touch edit "$call" --outcome maybe >/dev/null 2>&1
t_assert_eq 2 $? "bad outcome is a usage error"
for t in $(c --json touch list 1 | t_json '" ".join(str(t["id"]) for t in d)'); do ok touch delete "$t"; done
t_assert_eq "None|None|None" "$(c --json client show 1 | t_json 'str(d.get("last_touch_at"))+"|"+str(d.get("last_touch_kind"))+"|"+str(d.get("last_outcome"))')" "no touch left: no last touch"

# ---------------------------------------------------------------- missing ids
missing() {	# missing WHAT ARGS...: cartera ARGS fails naming WHAT and the database
	local what=$1
	shift
	c "$@" >/dev/null 2>"$T/err"
	t_assert_eq 1 $? "$* on a missing id fails"
	t_assert_file_contains "$T/err" "^cartera: no $what with id 999 in $DB_C \(\"cartera [a-z]+ list" "$*: what, which and where"
}
missing invoice invoice delete 999
missing invoice invoice edit 999 --amount 10
missing invoice invoice pay 999
missing touch touch delete 999
missing touch touch edit 999 --outcome done
missing "NPS response" nps delete 999
missing cost cost delete 999
# The defect: "invoice delete 20" said that "invoice" needs a subcommand.
c invoice delete 20 >/dev/null 2>"$T/err"
t_assert_eq 1 $? "invoice delete 20: an error, not a usage error"
t_assert_file_contains "$T/err" "no invoice with id 20 in" "invoice delete 20: says there is no such invoice"
c invoice delete abc >/dev/null 2>&1
t_assert_eq 2 $? "a non-numeric id is a usage error"

# ---------------------------------------------------------------- invoices
ok invoice add 1 1000 --issued 2026-10-01 --due 2026-10-31 --number F-1
ok invoice add 1 500 --issued 2026-11-01 --due 2026-11-30 --number F-2
ok invoice add 1 700 --issued 2026-11-15 --due 2026-12-15 --number F-3
ids=$(c --json invoice list 1 | t_json '" ".join(str(i["id"]) for i in d)')
read -r f1 f2 f3 <<<"$ids"
t_assert_eq "3|2026-11-15" "$(c --json client show 1 | t_json 'str(d["purchases"])+"|"+d["last_purchase"]')" "three purchases"
ok invoice edit "$f2" --amount 1.234,50 --currency USD --number F-2b --due 2026-12-01
t_assert_eq "123450|USD|F-2b|2026-12-01" "$(c --json invoice list 1 | t_json '[str(i["amount_cents"])+"|"+i["currency"]+"|"+i["number"]+"|"+i["due"] for i in d if i["id"]=='"$f2"'][0]')" "invoice edit"
c invoice edit "$f2" --due 2026-10-01 >/dev/null 2>"$T/err"
t_assert_eq 1 $? "a due date before the issue date refused"
t_assert_file_contains "$T/err" "the due date 2026-10-01 is before the issue date 2026-11-01" "and says why"
t_assert_eq "invoice $f1 paid on 2026-12-10" "$(c invoice pay "$f1")" "invoice pay (today)"
ok invoice paid "$f3" --at 2026-12-05
t_assert_eq 1 "$(c --json invoice list --unpaid | t_json 'len(d)')" "two paid, one unpaid"
ok invoice edit "$f1" --paid ''
t_assert_eq 2 "$(c --json invoice list --unpaid | t_json 'len(d)')" "--paid '' makes it unpaid again"
ok invoice edit "$f3" --issued 2026-12-01
t_assert_eq "3|2026-12-01" "$(c --json client show 1 | t_json 'str(d["purchases"])+"|"+d["last_purchase"]')" "the purchase rhythm follows an edit"
t_assert_eq "invoice $f3 deleted" "$(c invoice delete "$f3")" "invoice delete"
t_assert_eq "2|2026-11-01" "$(c --json client show 1 | t_json 'str(d["purchases"])+"|"+d["last_purchase"]')" "the purchase rhythm follows a delete"
ok invoice edit "$f2" --client "Sin Dueño"
t_assert_eq 1 "$(c --json invoice list 'Sin Dueño' | t_json 'len(d)')" "an invoice moved to another client"

# ---------------------------------------------------------------- NPS, costs
ok nps add 1 9 --at 2026-12-01
ok nps add 1 3 --at 2026-12-02
t_assert_eq "9 3" "$(c --json nps list 1 | t_json '" ".join(str(n["score"]) for n in d)')" "nps list"
n=$(c --json nps list | t_json '[n["id"] for n in d if n["score"]==3][0]')
t_assert_eq "NPS response $n deleted" "$(c nps delete "$n")" "nps delete"
t_assert_eq "9" "$(c --json nps list | t_json '" ".join(str(n["score"]) for n in d)')" "one answer left"
ok cost add 300 --month 2026-11 --kind sales
ok cost add 200 --month 2026-12 --kind marketing --client 1 --note feria
t_assert_eq "2026-12|marketing|20000|feria" "$(c --json cost list --month 2026-12 | t_json 'd[0]["month"]+"|"+d[0]["kind"]+"|"+str(d[0]["amount_cents"])+"|"+d[0]["note"]')" "cost list --month"
k=$(c --json cost list | t_json 'd[0]["id"]')
ok cost delete "$k"
t_assert_eq "2026-12" "$(c --json cost list | t_json '" ".join(k["month"] for k in d)')" "cost delete"
c cost list --month 2026-13 >/dev/null 2>&1
t_assert_eq 2 $? "cost list --month checks the month"

t_assert_ok "integrity" c check
[ "$(t_engine)" = sqlite ] &&
	t_assert_eq 0 "$(t_sql "$CARTERA_DB" 'PRAGMA foreign_key_check' | wc -l)" "no dangling references"
t_done
