#!/bin/bash
# dst.sh - digests on the days the clocks change, in Madrid and New York,
# with the real carterad and a real SMTP server on loopback.  A digest time
# that falls in the spring-forward gap moves forward by the gap; one that
# occurs twice on fall-back counts at its first occurrence (daemon/tz.h).
# Each digest is queued exactly at its instant, not a second before, and
# only once per local day; what is queued is delivered once.
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
t_init dst
DB_C=$(t_db c)
t_require sqlite3

CARTERA=${top_builddir:-.}/cartera
CARTERAD=${top_builddir:-.}/carterad
export CARTERA_DB=$DB_C TZ=UTC

# shellcheck disable=SC2119 # no arguments: a plain server
t_start_smtpd
t_conf "$T/c.conf" "$DB_C"
cat >>"$T/c.conf" <<EOF
# Every day a working day: the DST changes fall on Sundays.
digest: { send_empty = true; days = "mon-sun"; };
EOF
c() { "$CARTERA" -c "$T/c.conf" -q "$@"; }
run() {
	"$CARTERAD" -c "$T/c.conf" --once --now "$1" >>"$T/carterad.log" 2>&1 ||
		t_fail "carterad --once --now '$1' failed"
}

c init || t_fatal "init failed"
add() { c --now "2026-01-01 00:00Z" owner add "$1" --name "$2" --tz "$3" --digest-at "$4" --lang "$5" || t_fatal "owner add $1"; }
add mad@example.com "Madrid 02:30" Europe/Madrid 02:30 es
add mad8@example.com "Madrid 08:00" Europe/Madrid 08:00 es
add ny@example.com "New York 02:30" America/New_York 02:30 en
add nyfold@example.com "New York 01:30" America/New_York 01:30 en
add ny8@example.com "New York 08:00" America/New_York 08:00 en
declare -A ID
for o in mad mad8 ny nyfold ny8; do
	ID[$o]=$(c --json owner list | t_json "[o['id'] for o in d if o['email'] == '$o@example.com'][0]")
done

# keys OWNER DAY: how many outbox rows hold OWNER's digest of DAY.
keys() { c --json outbox | t_json "len([m for m in d if m['idem_key'] == 'digest:${ID[$1]}:$2'])"; }
# created OWNER DAY: when it was queued.
created() { c --json outbox | t_json "([m['created_at_utc'] for m in d if m['idem_key'] == 'digest:${ID[$1]}:$2'] + [''])[0]"; }

# check OWNER DAY INSTANT: not queued one second before INSTANT
# ("YYYY-MM-DD HH:MM:SS", UTC), queued at INSTANT, once.
check() {
	local owner=$1 day=$2 at=$3 before
	before=$(date -u -d "$at UTC - 1 second" '+%Y-%m-%d %H:%M:%S')
	run "${before}Z"
	t_assert_eq 0 "$(keys "$owner" "$day")" "$owner $day: not queued at ${before}Z"
	run "${at}Z"
	t_assert_eq 1 "$(keys "$owner" "$day")" "$owner $day: queued at ${at}Z"
	t_assert_eq "${at/ /T}Z" "$(created "$owner" "$day")" "$owner $day: queued at that instant"
}
# once OWNER DAY INSTANT: a later cycle the same local day adds nothing.
once() {
	run "${3}Z"
	t_assert_eq 1 "$(keys "$1" "$2")" "$1 $2: still once at ${3}Z"
}
# eve DAY INSTANT OWNER...: a cycle at INSTANT, after the owners' slots of
# DAY (and before those of the next day), catches them up to DAY.
eve() {
	local day=$1 at=$2 o
	shift 2
	run "${at}Z"
	for o in "$@"; do
		t_assert_eq 1 "$(keys "$o" "$day")" "$o caught up to $day at ${at}Z"
	done
}

# ---------------------------------------------------------------- spring
# New York, Sunday 2026-03-08: at 02:00 EST (07:00Z) clocks jump to 03:00 EDT.
eve 2026-03-07 "2026-03-07 22:00:00" ny nyfold ny8 mad mad8
#   01:30 EST (-5) -> 06:30Z, an ordinary time that night
check nyfold 2026-03-08 "2026-03-08 06:30:00"
#   02:30 does not exist: moved forward by the gap to 03:30 EDT (-4) -> 07:30Z
check ny 2026-03-08 "2026-03-08 07:30:00"
#   08:00 EDT (-4) -> 12:00Z
check ny8 2026-03-08 "2026-03-08 12:00:00"
once ny 2026-03-08 "2026-03-09 03:59:59"
#   the day after, 02:30 EDT -> 06:30Z again exists
check ny 2026-03-09 "2026-03-09 06:30:00"

# Madrid, Sunday 2026-03-29: at 02:00 CET (01:00Z) clocks jump to 03:00 CEST.
eve 2026-03-28 "2026-03-28 22:00:00" mad mad8
#   02:30 does not exist: 03:30 CEST (+2) -> 01:30Z
check mad 2026-03-29 "2026-03-29 01:30:00"
#   08:00 CEST (+2) -> 06:00Z
check mad8 2026-03-29 "2026-03-29 06:00:00"
once mad 2026-03-29 "2026-03-29 21:59:59"
#   the day after: 02:30 CEST -> 00:30Z
check mad 2026-03-30 "2026-03-30 00:30:00"

# ------------------------------------------------------------------ fall
# Madrid, Sunday 2026-10-25: at 03:00 CEST (01:00Z) clocks go back to 02:00
# CET, so 02:00-02:59 happens twice.
eve 2026-10-24 "2026-10-24 21:00:00" mad mad8
#   02:30 first occurrence, CEST (+2) -> 00:30Z
check mad 2026-10-25 "2026-10-25 00:30:00"
#   the second 02:30, CET (+1) -> 01:30Z: nothing more
once mad 2026-10-25 "2026-10-25 01:30:00"
#   08:00 CET (+1) -> 07:00Z
check mad8 2026-10-25 "2026-10-25 07:00:00"
once mad 2026-10-25 "2026-10-25 22:59:59"
#   the day after: 02:30 CET -> 01:30Z
check mad 2026-10-26 "2026-10-26 01:30:00"

# New York, Sunday 2026-11-01: at 02:00 EDT (06:00Z) clocks go back to
# 01:00 EST, so 01:00-01:59 happens twice and 02:30 once.
eve 2026-10-31 "2026-11-01 03:00:00" ny nyfold ny8
#   01:30 first occurrence, EDT (-4) -> 05:30Z
check nyfold 2026-11-01 "2026-11-01 05:30:00"
#   the second 01:30, EST (-5) -> 06:30Z: nothing more
once nyfold 2026-11-01 "2026-11-01 06:30:00"
#   02:30 EST (-5) -> 07:30Z
check ny 2026-11-01 "2026-11-01 07:30:00"
#   08:00 EST (-5) -> 13:00Z
check ny8 2026-11-01 "2026-11-01 13:00:00"
once nyfold 2026-11-01 "2026-11-02 04:59:59"
#   the day after: 01:30 EST -> 06:30Z
check nyfold 2026-11-02 "2026-11-02 06:30:00"

# ----------------------------------------------------- what was delivered
total=$(c --json outbox | t_json 'len(d)')
t_wait_mail "$total"
t_assert_eq 0 "$(c --json outbox | t_json 'len([m for m in d if m["status"] != "sent"])')" "every digest delivered"
t_assert_eq "$total" "$(t_mail_count)" "one mail per queued digest"
t_assert_eq "$total" "$(c --json outbox | t_json 'len(set(m["idem_key"] for m in d))')" "one key per digest"
t_assert_eq "" "$(c --json outbox | t_json '"\n".join(sorted(set(m["recipient"] + " " + m["idem_key"][-10:] for m in d if sum(1 for n in d if n["recipient"] == m["recipient"] and n["idem_key"][-10:] == m["idem_key"][-10:]) > 1)))')" "never two digests for one owner and day"
t_mailcheck "$SMTP_DIR" >"$T/all.json"
t_assert_eq 0 $? "every message parses strictly"
# The mails themselves: the gap day's digest for Madrid says the 29th and
# is dated 01:30Z; the fold day's first-occurrence digest 00:30Z.
subj() {
	t_json "([m['subject'] + ' | ' + m['date_iso'] for m in d if m['to_addrs'] == ['$1@example.com'] and m['date_iso'] == '$2'] + ['none'])[0]" <"$T/all.json"
}
t_assert_eq "Cartera: nada pendiente hoy, domingo, 29 de marzo de 2026 | 2026-03-29T01:30:00+00:00" "$(subj mad 2026-03-29T01:30:00+00:00)" "Madrid gap digest"
t_assert_eq "Cartera: nada pendiente hoy, domingo, 25 de octubre de 2026 | 2026-10-25T00:30:00+00:00" "$(subj mad 2026-10-25T00:30:00+00:00)" "Madrid fold digest"
t_assert_eq "Cartera: nothing due today, Sunday, 8 March 2026 | 2026-03-08T07:30:00+00:00" "$(subj ny 2026-03-08T07:30:00+00:00)" "New York gap digest"
t_assert_eq "Cartera: nothing due today, Sunday, 1 November 2026 | 2026-11-01T05:30:00+00:00" "$(subj nyfold 2026-11-01T05:30:00+00:00)" "New York fold digest"

t_done
