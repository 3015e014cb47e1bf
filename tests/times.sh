#!/bin/bash
# times.sh - every time the cartera CLI prints is in the salesperson's own
# zone (or the --tz one), labelled with that zone in a "tz" column, in
# tables, CSV and JSON (JSON also carries the instant in UTC as NAME_utc),
# on both sides of a DST change, whatever the zone of the machine.  Covers
# activity list, client list, client show, touch list and outbox list, for
# a salesperson in Madrid, one in New York and one in Kolkata (+05:30).
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
t_init times
DB_C=$(t_db c)
t_require sqlite3

CARTERA=${top_builddir:-.}/cartera
CARTERAD=${top_builddir:-.}/carterad
# The machine's own zone is neither salesperson's: it must not show.
export CARTERA_DB=$DB_C TZ=Asia/Tokyo

# shellcheck disable=SC2119 # no arguments: a plain server
t_start_smtpd
t_conf "$T/c.conf" "$DB_C"
cat >>"$T/c.conf" <<EOF
digest: { send_empty = true; };
EOF
c() { "$CARTERA" -c "$T/c.conf" "$@"; }
setup() { c -q --now "2026-03-01 09:00Z" "$@" >/dev/null || t_fatal "setup: cartera $*"; }
# Touches are logged after they happened.
later() { c -q --now "2026-03-31 09:00Z" "$@" >/dev/null || t_fatal "setup: cartera $*"; }

setup init
setup owner add ana@example.com --name Ana --tz Europe/Madrid --digest-at 08:00
setup owner add bob@example.com --name Bob --tz America/New_York --digest-at 08:00 --lang en
setup owner add raj@example.com --name Raj --tz Asia/Kolkata --digest-at 08:00 --lang en
setup client add Talleres --owner ana@example.com
setup client add Acme --owner bob@example.com
setup client add Tata --owner raj@example.com
# Europe goes to summer time on 2026-03-29, the United States on 03-08.
setup plan Talleres call --at "2026-03-27 12:00"	# CET:  11:00Z
setup plan Talleres call --at "2026-03-30 12:00"	# CEST: 10:00Z
setup plan Acme call --at "2026-03-06 09:00"		# EST:  14:00Z
setup plan Acme call --at "2026-03-09 09:00"		# EDT:  13:00Z
later log Talleres call --at "2026-03-27 16:00"		# 15:00Z
later log Talleres visit --at "2026-03-30 09:15"	# 07:15Z
later log Acme call --at "2026-03-07 16:00"		# 21:00Z
later log Tata email --at "2026-03-10 10:00"		# 04:30Z

# --- activity list: the bug was "11:00 Europe/Madrid" for a call at 12:00
out=$(c activity list)
t_assert_match "1 +call +2026-03-27 12:00 +Europe/Madrid " "$out" "table: Madrid call before DST at 12:00"
t_assert_match "2 +call +2026-03-30 12:00 +Europe/Madrid " "$out" "table: Madrid call after DST at 12:00"
t_assert_match "3 +call +2026-03-06 09:00 +America/New_York " "$out" "table: New York call before DST at 09:00"
t_assert_match "4 +call +2026-03-09 09:00 +America/New_York " "$out" "table: New York call after DST at 09:00"
out=$(c activity list --csv | tr -d '\r' | cut -d, -f1-4)
t_assert_eq "id,kind,start_at,tz
3,call,2026-03-06 09:00,America/New_York
4,call,2026-03-09 09:00,America/New_York
1,call,2026-03-27 12:00,Europe/Madrid
2,call,2026-03-30 12:00,Europe/Madrid" "$out" "CSV: local times and their zone"
t_assert_eq "2026-03-27T12:00:00+01:00 2026-03-27T11:00:00Z Europe/Madrid|2026-03-30T12:00:00+02:00 2026-03-30T10:00:00Z Europe/Madrid|2026-03-06T09:00:00-05:00 2026-03-06T14:00:00Z America/New_York|2026-03-09T09:00:00-04:00 2026-03-09T13:00:00Z America/New_York" \
	"$(c --json activity list | t_json '"|".join(a["start_at"]+" "+a["start_at_utc"]+" "+a["tz"] for a in sorted(d, key=lambda a: a["id"]))')" \
	"JSON: local with offset, UTC, zone"
# --tz shows them all in one zone, labelled as such; --from/--to read in it.
out=$(c activity list --tz UTC --csv | tr -d '\r' | cut -d, -f1,3,4)
t_assert_eq "id,start_at,tz
3,2026-03-06 14:00,UTC
4,2026-03-09 13:00,UTC
1,2026-03-27 11:00,UTC
2,2026-03-30 10:00,UTC" "$out" "--tz UTC"
t_assert_eq "2026-03-27T20:00:00+09:00" "$(c --tz Asia/Tokyo --json activity list --owner ana@example.com | t_json 'd[0]["start_at"]')" "global --tz before the command"
c activity list --tz Mars/Base >/dev/null 2>"$T/err"
t_assert_eq 1 $? "unknown --tz refused"
t_assert_file_contains "$T/err" 'unknown time zone "Mars/Base"' "unknown --tz named"

# --- client list: last_touch_at was an hour off in Madrid
out=$(c client list)
t_assert_match "Talleres +company +active +ana@example.com +2026-03-30 09:15 +Europe/Madrid" "$out" "table: Madrid last touch after DST"
t_assert_match "Acme +company +active +bob@example.com +2026-03-07 16:00 +America/New_York" "$out" "table: New York last touch"
t_assert_match "Tata +company +active +raj@example.com +2026-03-10 10:00 +Asia/Kolkata" "$out" "table: Kolkata last touch (+05:30)"
out=$(c client list --csv | tr -d '\r' | cut -d, -f2,10,11)
t_assert_eq "name,last_touch_at,tz
Acme,2026-03-07 16:00,America/New_York
Talleres,2026-03-30 09:15,Europe/Madrid
Tata,2026-03-10 10:00,Asia/Kolkata" "$out" "CSV: last touch in each owner's zone"
t_assert_eq "2026-03-30T09:15:00+02:00|2026-03-30T07:15:00Z|Europe/Madrid" "$(c --json client list --owner ana@example.com | t_json 'd[0]["last_touch_at"]+"|"+d[0]["last_touch_at_utc"]+"|"+d[0]["tz"]')" "JSON client list"
t_assert_eq "2026-03-10T10:00:00+05:30|2026-03-10T04:30:00Z" "$(c --json client list --owner raj@example.com | t_json 'd[0]["last_touch_at"]+"|"+d[0]["last_touch_at_utc"]')" "JSON: a half-hour offset"

# --- client show: the record and its sections
out=$(c client show Acme)
t_assert_match "tz +America/New_York" "$out" "client show: the zone is named"
t_assert_match "last_touch_at +2026-03-07 16:00" "$out" "client show: last touch in New York"
t_assert_match "created_at +2026-03-01 04:00" "$out" "client show: created in New York time"
t_assert_match "3 +call +2026-03-07 16:00 +America/New_York +done" "$out" "client show: its touches"
t_assert_match "call +2026-03-09 09:00 +America/New_York" "$out" "client show: its activities"
t_assert_eq "2026-03-01T10:00:00+01:00|2026-03-01T09:00:00Z|2026-03-30T09:15:00+02:00|2026-03-30T12:00:00+02:00" \
	"$(c --json client show Talleres | t_json 'd["created_at"]+"|"+d["created_at_utc"]+"|"+d["interactions"][0]["at"]+"|"+d["activities"][1]["start_at"]')" \
	"JSON client show, its touches and activities"
t_assert_match "created_at +2026-03-01 09:00" "$(c client show Talleres --tz UTC)" "client show --tz"

# --- touch list
out=$(c touch list Talleres --csv | tr -d '\r' | cut -d, -f2-4)
t_assert_eq "kind,at,tz
visit,2026-03-30 09:15,Europe/Madrid
call,2026-03-27 16:00,Europe/Madrid" "$out" "touch list: both sides of the DST change"

# --- outbox list: a daemon cycle at 12:00Z queues and sends Ana's digest
# (08:00 CET was 07:00Z) and Bob's (08:00 EDT is 12:00Z).
"$CARTERAD" -c "$T/c.conf" --once --now "2026-03-09 12:00:00Z" >"$T/d.log" 2>&1 ||
	t_fail "carterad --once: $(cat "$T/d.log")"
out=$(c outbox list)
t_assert_match "ana@example.com .* 2026-03-09 13:00 .*Europe/Madrid" "$out" "outbox: Ana's digest in Madrid time"
t_assert_match "bob@example.com .* 2026-03-09 08:00 .*America/New_York" "$out" "outbox: Bob's digest in New York time"
t_assert_eq "2026-03-09T08:00:00-04:00|2026-03-09T12:00:00Z|America/New_York" "$(c --json outbox | t_json '[m["created_at"]+"|"+m["created_at_utc"]+"|"+m["tz"] for m in d if m["recipient"]=="bob@example.com"][0]')" "outbox JSON"
t_done
