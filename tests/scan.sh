#!/bin/bash
# scan.sh - who needs attention today: a hand-made portfolio built with the
# real cartera binary, scanned with "cartera due --json", and every section
# compared with lists worked out by hand (scan.h states the rules).
#
# The digest day is Monday 2026-06-15.  Ana works in Europe/Madrid (CEST,
# UTC+2 in June), Bob in America/New_York (EDT, UTC-4); both get their
# digest at 08:00 local, which is the instant "due --date" scans at.
# Settings: cadence 30 days, potential 14, segment VIP 7 (config) and Pyme
# 21 ("segment set"); yellow within 3 days; waiting lasts 7 days; an invoice
# turns its client red when more than 30 days overdue; inactive: factor 1.5,
# min_days 30, single purchase after 180 days, no contact for 90 days.
# shellcheck disable=SC2154 # client ids are set by add() with printf -v
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
t_init scan
DB_C=$(t_db c)
[ -x "$T_PYTHON" ] || t_skip "$T_PYTHON not found"

CARTERA=${top_builddir:-.}/cartera
export CARTERA_DB=$DB_C
export TZ=UTC

write_conf() {	# FILE MAX_ITEMS
	cat >"$1" <<EOF
templates = "$T_SRCDIR/etc/templates";
digest = {
	default_timezone = "Europe/Madrid";
	language = "en";
	max_items = $2;
};
cadence = {
	default_days = 30;
	potential_days = 14;
	segments = ( { name = "VIP"; days = 7; } );
};
inactive = {
	factor = 1.5;
	min_days = 30;
	single_purchase_days = 180;
	no_contact_days = 90;
};
alerts = {
	yellow_days = 3;
	waiting_days = 7;
	overdue_invoice_days = 30;
};
EOF
}
write_conf "$T/scan.conf" 50
write_conf "$T/small.conf" 2

SETUP_NOW="2026-06-15 04:00Z"	# before either digest; setup never reads "today"
CREATED="2026-01-02 09:00Z"	# when most clients were added

# c NOW ARGS...: cartera with the clock fixed at NOW.
c() {
	local now=$1
	shift
	"$CARTERA" -c "$T/scan.conf" --now "$now" "$@"
}
ok() {	# run a setup step; a failure is a broken test, not a finding
	"$@" >"$T/step.log" 2>&1 || { cat "$T/step.log" >&2; t_fatal "setup failed: $*"; }
}
# add VAR [--created NOW] NAME OPTIONS...: add a client, its id into VAR.
add() {
	local var=$1 now=$CREATED out
	shift
	if [ "$1" = --created ]; then
		now=$2
		shift 2
	fi
	out=$(c "$now" client add "$@" 2>&1) || { echo "$out" >&2; t_fatal "client add $*"; }
	[[ $out =~ ^client\ ([0-9]+)\ added ]] || t_fatal "client add said: $out"
	printf -v "$var" '%s' "${BASH_REMATCH[1]}"
}
touch_() {	# CLIENT KIND "YYYY-MM-DD HH:MM" (owner's zone) [OUTCOME]
	ok c "$SETUP_NOW" log "$1" "$2" --at "$3" --outcome "${4:-done}"
}
paid() {	# CLIENT ISSUED-DATE...: one paid invoice per date
	local id=$1 d
	shift
	for d in "$@"; do
		ok c "$SETUP_NOW" invoice add "$id" 100 --issued "$d" --due "$d" --paid "$d"
	done
}

# load FILE: read the digest data ("due --json") in FILE into J, flat:
#   J[KEY]                top-level values (date, lang, clients)
#   J[S.sec]              "count|shown|has_more|more" of section S
#   J[S.ids]              "id id ..." of section S, in the order listed
#   J[S.N.KEY]            KEY of the N-th item (from 0) of S
#   J[S.@ID.KEY]          KEY of the item with that id in S
# Values are Python's str(): None, True, False.
declare -A J
load() {
	local k v
	J=()
	while IFS=$'\t' read -r k v; do
		J[$k]=$v
	done < <("$T_PYTHON" -c '
import json, sys
d = json.load(open(sys.argv[1]))
for k in ("date", "lang", "clients"):
	print("%s\t%s" % (k, d[k]))
for s in ("missed", "red", "yellow", "green", "inactive", "invoices", "activities"):
	x = d[s]
	print("%s.sec\t%d|%d|%s|%d" % (s, x["count"], len(x["items"]), x["has_more"], x["more"]))
	print("%s.ids\t%s" % (s, " ".join(str(i["id"]) for i in x["items"])))
	if "total" in x:
		print("%s.total\t%s" % (s, x["total"]))
	for n, i in enumerate(x["items"]):
		for k, v in i.items():
			print("%s.%d.%s\t%s" % (s, n, k, v))
			print("%s.@%d.%s\t%s" % (s, i["id"], k, v))' "$1") ||
		t_fatal "cannot read $1"
	[ -n "${J[date]:-}" ] || t_fatal "no digest data in $1"
}
# f S ID KEY...: "v|v|..." of the client ID listed in section S.
f() {
	local s=$1 id=$2 k out="" sep=""
	shift 2
	if [ -z "${J[$s.@$id.id]+set}" ]; then
		echo "(client $id not in $s)"
		return
	fi
	for k; do
		out+="$sep${J[$s.@$id.$k]-(no $k)}"
		sep="|"
	done
	echo "$out"
}
# each S KEY...: "v/v v/v ...": those keys of every listed item of S.
each() {
	local s=$1 n k out="" sep="" fsep
	shift
	for ((n = 0; ; n++)); do
		[ -n "${J[$s.$n.id]+set}" ] || break
		out+=$sep
		fsep=""
		for k; do
			out+="$fsep${J[$s.$n.$k]-(no $k)}"
			fsep="/"
		done
		sep=" "
	done
	echo "$out"
}
# listed ID...: the ids among those that have an alert (red, yellow, green).
listed() {
	local id s out=""
	for id; do
		for s in red yellow green; do
			[ -n "${J[$s.@$id.id]+set}" ] && out+="${out:+ }$id:$s"
		done
	done
	echo "$out"
}

ok c "$SETUP_NOW" init
ok c "$CREATED" owner add ana@example.com --name "Ana López" --tz Europe/Madrid --digest-at 08:00 --lang en
ok c "$CREATED" owner add bob@example.com --name "Bob Smith" --tz America/New_York --digest-at 08:00 --lang en
ok c "$CREATED" segment set Pyme --cadence 21
ok c "$CREATED" segment set vip --cadence 20	# config "VIP" (any case): its 7 days win
A=(--owner ana@example.com)

# ---------------------------------------------------------------- Ana's clients
# Cadence from the last touch, any kind of touch.
add due0 "Alfa Due Today" "${A[@]}";		touch_ "$due0" call "2026-05-16 10:00"	# due 06-15: red, 0 days
add ovd10 "Bravo Overdue" "${A[@]}";		touch_ "$ovd10" visit "2026-05-06 10:00"	# due 06-05: red, 10 days
add yel1 "Charlie Note Resets" "${A[@]}"
touch_ "$yel1" visit "2026-03-01 10:00"		# alone: due 03-31, red
touch_ "$yel1" note "2026-05-17 10:00"		# a note resets it: due 06-16, yellow
add yel3 "Delta Yellow Edge" "${A[@]}";	touch_ "$yel3" email "2026-05-19 10:00"	# due 06-18 = today + 3: yellow
add far4 "Echo Far" "${A[@]}";		touch_ "$far4" meeting "2026-05-20 10:00"	# due 06-19 = today + 4: nothing
# Never touched: measured from created_at, read as a local day.  22:30Z on
# 05-14 is 00:30 on 05-15 in Madrid: due 06-14, 1 day overdue (not 2).
add newc --created "2026-05-14 22:30Z" "Foxtrot New" "${A[@]}"
# Per-client cadence beats the default and the segment.
add ovl "Golf Override Long" "${A[@]}" --cadence 45;	touch_ "$ovl" call "2026-05-10 10:00"	# due 06-24: nothing
add ovs "Hotel Override Short" "${A[@]}" --cadence 10 --segment vip
touch_ "$ovs" call "2026-06-06 10:00"		# 10 days: due 06-16 yellow (VIP's 7 would be red)
# Segment cadence: from the config (VIP 7; the segment row is "vip", and
# names match ignoring case) and from "segment set" (Pyme 21).
add vip "India VIP" "${A[@]}" --segment Vip;		touch_ "$vip" call "2026-06-08 10:00"	# due 06-15: red
add pyme "Juliet Pyme" "${A[@]}" --segment Pyme;	touch_ "$pyme" call "2026-05-25 10:00"	# due 06-15: red
# Potential: potential_days (14), even in a segment.
add pot "Kilo Prospect" "${A[@]}" --status potential --segment Pyme
touch_ "$pot" call "2026-06-01 10:00"		# due 06-15: red
# Lost: never due, never inactive; its unpaid invoice still listed.
add lost "Lima Lost" "${A[@]}" --status lost;	touch_ "$lost" call "2026-01-10 10:00"
ok c "$SETUP_NOW" invoice add "$lost" 100 --issued 2026-03-01 --due 2026-04-01 --number L-1	# 75 days overdue
# Next-contact date: red once it has come, even if cadence is not due, even
# while waiting; yellow when it comes within 3 days.
add nc "Mike Next Contact" "${A[@]}" --next-contact 2026-06-14;	touch_ "$nc" call "2026-06-10 10:00"
add ncw "November Next Waiting" "${A[@]}" --next-contact 2026-06-15;	touch_ "$ncw" call "2026-06-12 10:00" waiting
add ncy "Oscar Next Soon" "${A[@]}" --next-contact 2026-06-17;	touch_ "$ncy" call "2026-06-10 10:00"
# Waiting for the client: green for fewer than 7 days, then normal rules.
add wait6 "Papa Waiting" "${A[@]}";		touch_ "$wait6" call "2026-06-09 10:00" waiting	# 6 days: green
add waith "Quebec Waiting Held" "${A[@]}" --cadence 3
touch_ "$waith" email "2026-06-11 10:00" waiting	# cadence due 06-14 held back: green
add waitx "Romeo Waiting Expired" "${A[@]}" --cadence 5
touch_ "$waitx" call "2026-06-08 10:00" waiting	# 7 days: expired; due 06-13, red 2 days
add answ "Sierra Answered" "${A[@]}"
touch_ "$answ" email "2026-06-12 10:00" "done"	# the newest touch decides, whatever the
touch_ "$answ" call "2026-06-10 10:00" waiting	# order they were logged in: nothing
# Invoices: red only beyond 30 days overdue, due since the day the invoice
# passed that (not on a cadence date ahead); paid, due today and future
# invoices never listed.
add debt "Tango Debtor" "${A[@]}";		touch_ "$debt" call "2026-06-12 10:00" waiting
ok c "$SETUP_NOW" invoice add "$debt" 250,50 --issued 2026-04-10 --due 2026-05-10 --number T-1	# 36 days: red since 06-10
add debt31 "Tango Two Debtor" "${A[@]}";	touch_ "$debt31" call "2026-06-01 10:00"
ok c "$SETUP_NOW" invoice add "$debt31" 60 --issued 2026-04-15 --due 2026-05-15 --number T-2	# 31 days: red since today
add late "Uniform Late Payer" "${A[@]}";	touch_ "$late" call "2026-06-01 10:00"
ok c "$SETUP_NOW" invoice add "$late" 500 --issued 2026-03-01 --due 2026-03-31 --paid 2026-04-20 --number U-0
ok c "$SETUP_NOW" invoice add "$late" 80 --issued 2026-04-16 --due 2026-05-16 --number U-1	# 30 days: listed, not red
ok c "$SETUP_NOW" invoice add "$late" 19.99 --issued 2026-06-01 --due 2026-06-14 --number U-2	# 1 day
ok c "$SETUP_NOW" invoice add "$late" 5 --issued 2026-06-01 --due 2026-06-15 --number U-3	# due today: not yet
ok c "$SETUP_NOW" invoice add "$late" 7 --issued 2026-06-01 --due 2026-06-30 --number U-4	# future
# Inactive by rhythm.  Distinct purchase days 2025-12-16, 2026-01-15,
# 02-24 (twice), 04-15: gaps 30, 40, 50, median 40; 1.5 x 40 = 60 < 61 days
# since 04-15.  (Counting the same-day purchase twice would give a gap of 0
# and a median of 35.)
add rhy61 "Victor Rhythm Gone" "${A[@]}";	touch_ "$rhy61" call "2026-06-01 10:00"
paid "$rhy61" 2025-12-16 2026-01-15 2026-02-24 2026-02-24 2026-04-15
add rhy60 "Whiskey Rhythm Fine" "${A[@]}";	touch_ "$rhy60" call "2026-06-01 10:00"
paid "$rhy60" 2025-12-17 2026-01-16 2026-02-25 2026-04-16	# same gaps, 60 days: not > 60
# min_days wins over a short rhythm: gaps 10, 10 (1.5 x 10 = 15), 31 > 30.
add min31 "Xray Min Days" "${A[@]}";		touch_ "$min31" call "2026-06-01 10:00"
paid "$min31" 2026-04-25 2026-05-05 2026-05-15
add min30 "Yankee Min Fine" "${A[@]}";	touch_ "$min30" call "2026-06-01 10:00"
paid "$min30" 2026-04-26 2026-05-06 2026-05-16	# 30 days: not > 30
# One purchase: flagged after 180 days.
add one181 "Zulu One Purchase" "${A[@]}";	touch_ "$one181" call "2026-06-01 10:00"
paid "$one181" 2025-12-16			# 181 days
add one180 "Zulu Two One Fine" "${A[@]}";	touch_ "$one180" call "2026-06-01 10:00"
paid "$one180" 2025-12-17			# 180 days: not > 180
# No touch for more than 90 days (these are red by cadence too).
add sil91 "Silent 91" "${A[@]}";		touch_ "$sil91" call "2026-03-16 10:00"	# 91 days; due 04-15
add sil90 "Silent 90" "${A[@]}";		touch_ "$sil90" call "2026-03-17 10:00"	# 90 days; due 04-16
add old --created "2026-03-01 12:00Z" "Never Touched Old" "${A[@]}"	# 106 days; due 03-31
# Local day of a touch: 00:30 on 05-17 in Madrid is 22:30Z on 05-16.  Due
# 06-16 (yellow); the UTC date would make it due 06-15 (red).
add mad "Madrid Early Bird" "${A[@]}";	touch_ "$mad" call "2026-05-17 00:30"

# A planned activity is the next step: a client overdue by cadence with a
# call planned later in the week is not red; a next-contact date before the
# plan still is.
add pln "Quinto Planned" "${A[@]}";		touch_ "$pln" call "2026-05-01 10:00"	# due 05-31
ok c "$SETUP_NOW" plan "$pln" call --at "2026-06-18 10:00"
add plnd "Sexto Date First" "${A[@]}" --next-contact 2026-06-12;	touch_ "$plnd" call "2026-06-01 10:00"
ok c "$SETUP_NOW" plan "$plnd" visit --at "2026-06-19 10:00"
# Today's plans (Madrid): only planned ones, only on the local 06-15,
# sorted by time whatever the order they were added in; clients of their
# own, touched on 06-10 (nothing due), but for the plan left unclosed.
for v in ag1 ag2 ag3 ag4 ag5 ag6; do
	add "$v" "Agenda ${v#ag}" "${A[@]}"
	touch_ "${!v}" call "2026-06-10 10:00"
done
ok c "$SETUP_NOW" plan "$far4" call --at "2026-06-15 16:00"
ok c "$SETUP_NOW" plan "$ag1" visit --at "2026-06-15 09:30" --duration 45
ok c "$SETUP_NOW" plan "$ag2" call --at "2026-06-15 00:30"	# 06-14 22:30Z: still today
ok c "$SETUP_NOW" plan "$ag3" call --at "2026-06-15 23:45"
ok c "$SETUP_NOW" plan "$ag4" call --at "2026-06-16 00:15"	# 06-15 22:15Z: tomorrow here
ok c "$SETUP_NOW" plan "$ag5" call --at "2026-06-14 23:50"	# yesterday: left unclosed
ok c "$SETUP_NOW" plan "$nc" visit --at "2026-06-15 12:00"
ok c "$SETUP_NOW" plan "$late" call --at "2026-06-15 11:00"	# done below: a touch, nothing due
# Planned in another zone: listed by Ana's day and shown on Ana's clock.
ok c "$SETUP_NOW" plan "$far4" call --at "2026-06-15 09:00" --tz America/New_York	# 15:00 in Madrid
ok c "$SETUP_NOW" plan "$ag6" call --at "2026-06-14 20:00" --tz America/New_York	# 02:00 on 06-15 in Madrid
# act_at UTC-START: id of Ana's activity starting then.
act_at() {
	c "$SETUP_NOW" --json activity list --owner ana@example.com | "$T_PYTHON" -c '
import json, sys
print(" ".join(str(a["id"]) for a in json.load(sys.stdin) if a["start_at_utc"] == sys.argv[1]))' "$1"
}
act_visit=$(act_at 2026-06-15T10:00:00Z)
act_call=$(act_at 2026-06-15T09:00:00Z)
[[ $act_visit =~ ^[0-9]+$ && $act_call =~ ^[0-9]+$ ]] ||
	t_fatal "cannot find the activities to cancel and complete: '$act_visit' '$act_call'"
ok c "$SETUP_NOW" activity cancel "$act_visit"	# the 12:00 visit
ok c "$SETUP_NOW" activity "done" "$act_call"	# the 11:00 call

# ---------------------------------------------------------------- Bob's clients
B=(--owner bob@example.com)
# 22:30 on 05-16 in New York is 02:30Z on 05-17: due 06-15 (red), not 06-16.
add nyl "NY Late Call" "${B[@]}";		touch_ "$nyl" call "2026-05-16 22:30"
add nym "NY Morning" "${B[@]}";		touch_ "$nym" call "2026-05-17 08:00"	# due 06-16: yellow
add bag1 "NY Agenda" "${B[@]}";		touch_ "$bag1" call "2026-06-10 10:00"
add bag2 "NY Unclosed" "${B[@]}";		touch_ "$bag2" call "2026-06-10 10:00"
ok c "$SETUP_NOW" plan "$bag1" call --at "2026-06-15 21:00"	# 06-16 01:00Z: today in New York
ok c "$SETUP_NOW" plan "$bag2" call --at "2026-06-14 21:00"	# 06-15 01:00Z: yesterday there
ok c "$SETUP_NOW" plan "$bag1" visit --at "2026-06-15 07:00"

# ---------------------------------------------------------------- Ana's digest
D=$T/ana.json
c "$SETUP_NOW" --json due --owner ana@example.com --date 2026-06-15 --all >"$D" ||
	t_fatal "cartera due --json failed"
load "$D"
t_assert_eq "2026-06-15|en|39" "${J[date]}|${J[lang]}|${J[clients]}" \
	"Ana: day, language, clients looked at (the lost one not counted)"

# red: due day ascending (most overdue first), then id.
t_assert_eq "$old $sil91 $sil90 $ovd10 $debt $plnd $waitx $newc $nc $ag5 $due0 $vip $pyme $pot $ncw $debt31" \
	"${J[red.ids]}" "red list"
t_assert_eq "2026-03-31|76|True|30" "$(f red "$old" due_date days_overdue never_touched cadence_days)" \
	"never touched: due from creation"
t_assert_eq "2026-04-15|61|2026-03-16|91" "$(f red "$sil91" due_date days_overdue last_touch_date days_since_touch)" \
	"red: long overdue"
t_assert_eq "2026-06-05|10|True|False|cadence|Time to call: every 30 days; last contact 40 days ago (visit, 6 May 2026)" \
	"$(f red "$ovd10" due_date days_overdue overdue upcoming reason_code line)" "red: 10 days overdue"
t_assert_eq "2026-06-15|0|False|False|Time to call: every 30 days; last contact 30 days ago (call, 16 May 2026)|call" \
	"$(f red "$due0" due_date days_overdue overdue upcoming line last_touch_kind)" "red: due exactly today"
t_assert_eq "2026-06-14|1|True|None" "$(f red "$newc" due_date days_overdue never_touched last_touch_date)" \
	"never touched: creation read as the owner's local day"
t_assert_eq "7|Time to call: every 7 days; last contact 7 days ago (call, 8 Jun 2026)|2026-06-15|vip" "$(f red "$vip" cadence_days line due_date segment)" \
	"segment cadence from the config, over the segment's own"
t_assert_eq "21|cadence|2026-06-15" "$(f red "$pyme" cadence_days reason_code due_date)" \
	"segment cadence from segment set"
t_assert_eq "14|2026-06-15|potential" "$(f red "$pot" cadence_days due_date status)" \
	"potential client: potential_days, even in a segment"
t_assert_eq "Contact date set: 14 Jun 2026 (1 day ago)|2026-06-14|1" "$(f red "$nc" line due_date days_overdue)" \
	"next-contact date reached: red before the cadence"
t_assert_eq "Contact date set: 15 Jun 2026 (today)|2026-06-15|0" "$(f red "$ncw" line due_date days_overdue)" \
	"next-contact date reached: red even while waiting"
t_assert_eq "next_contact|2026-06-12" "$(f red "$plnd" reason_code due_date)" \
	"a next-contact date before the planned visit: red"
t_assert_eq "Time to call: every 5 days; last contact 7 days ago (call, 8 Jun 2026)|2026-06-13|2" \
	"$(f red "$waitx" line due_date days_overdue)" "waiting ran out after 7 days: normal rules"
t_assert_eq "Invoice T-1, €250.50, 36 days overdue (due 10 May 2026)|2026-06-10|5|False" \
	"$(f red "$debt" line due_date days_overdue upcoming)" \
	"red from an invoice 36 days overdue (since day 31), even while waiting"
t_assert_eq "Invoice T-2, €60.00, 31 days overdue (due 15 May 2026)|2026-06-15|0|False" \
	"$(f red "$debt31" line due_date days_overdue upcoming)" \
	"red from an invoice 31 days overdue: due today"
t_assert_eq "missed|Not closed: call on 14 Jun 2026 at 23:50 (1 day ago)" "$(f red "$ag5" reason_code line)" \
	"a call planned yesterday and not closed: red"

# yellow: due day ascending, then id.
t_assert_eq "$yel1 $ovs $mad $ncy $yel3" "${J[yellow.ids]}" "yellow list"
t_assert_eq "2026-06-16|1|True|note|2026-05-17" \
	"$(f yellow "$yel1" due_date days_left upcoming last_touch_kind last_touch_date)" \
	"any touch resets the clock (a note after a visit)"
t_assert_eq "2026-06-18|3" "$(f yellow "$yel3" due_date days_left)" "yellow: due in exactly yellow_days"
t_assert_eq "10|2026-06-16" "$(f yellow "$ovs" cadence_days due_date)" "per-client cadence beats the segment"
t_assert_eq "2026-05-17|2026-06-16|1" "$(f yellow "$mad" last_touch_date due_date days_left)" \
	"Madrid: a touch at 00:30 local counts on the local day"
t_assert_eq "Contact date set: 17 Jun 2026 (in 2 days)|2026-06-17|2" "$(f yellow "$ncy" line due_date days_left)" \
	"next-contact date within yellow_days: yellow"

# green: oldest waiting first.
t_assert_eq "$wait6 $waith" "${J[green.ids]}" "green list"
t_assert_eq "Waiting for their answer since 9 Jun 2026 (call, 6 days ago); no next step set|2026-06-09|6|True" \
	"$(f green "$wait6" line last_touch_date days_since_touch no_next_step)" "green: waiting 6 of 7 days"
t_assert_eq "waiting|email|3" "$(f green "$waith" reason_code last_touch_kind cadence_days)" \
	"green holds back a cadence that is due"

# Not due: cadence beyond the window, a longer per-client cadence, lost,
# answered after waiting, invoices overdue 30 days at most, not inactive.
t_assert_eq "" "$(listed "$far4" "$ovl" "$lost" "$answ" "$late" "$rhy60" "$min30" "$one180" "$pln" \
	"$ag1" "$ag2" "$ag3" "$ag4" "$ag6")" "no alert for clients not due (or whose next step is planned)"

# inactive: most days since first, then id.
t_assert_eq "$one181 $old $sil91 $rhy61 $min31" "${J[inactive.ids]}" "inactive list"
t_assert_eq "181|1|One purchase only, 181 days ago (16 Dec 2025)|None" \
	"$(f inactive "$one181" days_since purchases line median_interval_days)" "single purchase over 180 days"
t_assert_eq "61|4|40|No purchase for 61 days (last on 15 Apr 2026; usually every 40 days)" \
	"$(f inactive "$rhy61" days_since purchases median_interval_days line)" \
	"rhythm: median of distinct purchase days"
t_assert_eq "31|3|10" "$(f inactive "$min31" days_since purchases median_interval_days)" \
	"rhythm: beyond min_days when that is longer"
t_assert_eq "91|No contact for 91 days (last on 16 Mar 2026)" "$(f inactive "$sil91" days_since line)" "no touch for 91 days"
t_assert_eq "106|No contact since it was added, 106 days ago (1 Mar 2026)|True" "$(f inactive "$old" days_since line never_touched)" \
	"never touched since creation 106 days ago"

# invoices: most overdue first; lost clients' too; paid, due today, future not.
t_assert_eq "$lost/75/L-1 $debt/36/T-1 $debt31/31/T-2 $late/30/U-1 $late/1/U-2" \
	"$(each invoices client_id days_overdue number)" "overdue invoices"
t_assert_eq "5|€510.49|2026-04-01|Lima Lost" \
	"${J[invoices.sec]%%|*}|${J[invoices.total]}|${J[invoices.0.due_date]}|${J[invoices.0.client]}" \
	"overdue invoices: count and total"
t_assert_eq "Invoice L-1, €100.00, 75 days overdue (due 1 Apr 2026)" "${J[invoices.0.line]}" \
	"an overdue invoice says how long and since when"

# left unclosed: at the top, with what to do about it
t_assert_eq "$ag5|Call on 14 Jun 2026 at 23:50 with Agenda 5 (1 day ago)|1" \
	"${J[missed.0.client_id]}|${J[missed.0.line]}|${J[missed.sec]%%|*}" "the unclosed call is listed"
t_assert_eq "cartera activity done ${J[missed.0.id]}|cartera activity move ${J[missed.0.id]} --at \"YYYY-MM-DD HH:MM\"" \
	"${J[missed.0.done_cmd]}|${J[missed.0.move_cmd]}" "with the commands that close it"

# today's plans, on Ana's clock
t_assert_eq "00:30/$ag2/call 02:00/$ag6/call 09:30/$ag1/visit 15:00/$far4/call 16:00/$far4/call 23:45/$ag3/call" \
	"$(each activities time client_id kind_code)" "today's planned calls and visits, by time, in Madrid"
t_assert_eq "10:15|Europe/Madrid" "${J[activities.2.end_time]}|${J[activities.2.timezone]}" "activity end time"
t_assert_eq "15:00-15:30|Europe/Madrid" \
	"${J[activities.3.time]}-${J[activities.3.end_time]}|${J[activities.3.timezone]}" \
	"an activity planned in New York time shows on Ana's clock"

# The text digest says the same counts in its Subject line.
txt=$(c "$SETUP_NOW" due --owner ana@example.com --date 2026-06-15 --all)
t_assert_match $'(^|\n)Subject: Cartera, Monday, 15 June 2026: 1 not closed, 16 red, 5 yellow, 2 green, 6 on the agenda\n' "$txt" \
	"text digest: subject counts"
t_assert_match $'\n\\[RED\\] CONTACT TODAY \\(16\\)\n' "$txt" "text digest: red heading"
t_assert_match 'OVERDUE INVOICES \(5: €510\.49\)' "$txt" "text digest: invoices heading"

# ---------------------------------------------------------------- max_items
S=$T/small.json
"$CARTERA" -c "$T/small.conf" --now "$SETUP_NOW" --json due --owner ana@example.com --date 2026-06-15 >"$S" ||
	t_fatal "cartera due (max_items 2) failed"
load "$S"
t_assert_eq "16|2|True|14 5|2|True|3 2|2|False|0 5|2|True|3 5|2|True|3" \
	"${J[red.sec]} ${J[yellow.sec]} ${J[green.sec]} ${J[inactive.sec]} ${J[invoices.sec]}" \
	"max_items 2: count, shown, has_more, more"
t_assert_eq "$old $sil91|$yel1 $ovs|$one181 $old|$lost $debt" \
	"${J[red.ids]}|${J[yellow.ids]}|${J[inactive.ids]}|$(each invoices client_id)" \
	"max_items 2: the most urgent are kept"
t_assert_eq "Never Touched Old|Silent 91" "${J[red.0.name]}|${J[red.1.name]}" \
	"max_items 2: kept entries have their details"
t_assert_eq "€510.49" "${J[invoices.total]}" "max_items 2: total over every overdue invoice"
"$CARTERA" -c "$T/small.conf" --now "$SETUP_NOW" --json due --owner ana@example.com --date 2026-06-15 --all >"$S" ||
	t_fatal "cartera due --all failed"
load "$S"
t_assert_eq "16|16|False|0" "${J[red.sec]}" "--all lifts max_items"
txt=$("$CARTERA" -c "$T/small.conf" --now "$SETUP_NOW" due --owner ana@example.com --date 2026-06-15)
t_assert_match 'Subject: Cartera, Monday, 15 June 2026: 1 not closed, 16 red, 5 yellow, 2 green, 6 on the agenda' "$txt" \
	"max_items 2: the subject still counts everything"
t_assert_match $'\n  \\.\\.\\. and 14 more\\.\n' "$txt" "max_items 2: the text says how many more"

# ---------------------------------------------------------------- Bob (New York)
D=$T/bob.json
c "$SETUP_NOW" --json due --owner bob@example.com --date 2026-06-15 --all >"$D" ||
	t_fatal "cartera due (Bob) failed"
load "$D"
t_assert_eq "$bag2 $nyl|$nym|||" "${J[red.ids]}|${J[yellow.ids]}|${J[green.ids]}|${J[inactive.ids]}|${J[invoices.ids]}" \
	"Bob: only his clients"
t_assert_eq "2026-05-16|2026-06-15|0" "$(f red "$nyl" last_touch_date due_date days_overdue)" \
	"New York: a touch at 22:30 local counts on the local day"
t_assert_eq "07:00/$bag1/visit 21:00/$bag1/call" "$(each activities time client_id kind_code)" \
	"Bob's agenda: New York's day"
t_assert_eq "$bag2" "$(each missed client_id)" "Bob's call of yesterday, New York's day, left unclosed"

# Without --date, "today" is the owner's local date of --now.  03:00Z on
# 06-16 is still 06-15 (23:00) in New York, already 06-16 (05:00) in Madrid.
c "2026-06-16 03:00Z" --json due --owner bob@example.com >"$D" && load "$D"
t_assert_eq "2026-06-15|$bag2 $nyl|0|$nym" "${J[date]}|${J[red.ids]}|$(f red "$nyl" days_overdue)|${J[yellow.ids]}" \
	"New York at 23:00 local: still the 15th"
c "2026-06-15 03:00Z" --json due --owner bob@example.com >"$D" && load "$D"
t_assert_eq "2026-06-14||$nyl $nym|1 2" \
	"${J[date]}|${J[red.ids]}|${J[yellow.ids]}|$(f yellow "$nyl" days_left) $(f yellow "$nym" days_left)" \
	"New York at 23:00 local the day before: yellow"
c "2026-06-16 03:00Z" --json due --owner ana@example.com >"$D" && load "$D"
t_assert_eq "2026-06-16" "${J[date]}" "Madrid at 05:00 local: already the 16th"
# Every owner at once reads everyone's overdue invoices in one pass (a
# cache shared by the owners' scans): the result is each owner's own
# scan, at a digest time and at an instant that is another day in each
# zone.
for when in "$SETUP_NOW|--date 2026-06-15" "2026-06-16 03:00Z|"; do
	now=${when%%|*} date=${when#*|}
	# shellcheck disable=SC2086 # $date: no option, or two words
	c "$now" --json due $date --all >"$T/all.json" &&
		c "$now" --json due --owner ana@example.com $date --all >"$T/ana.json" &&
		c "$now" --json due --owner bob@example.com $date --all >"$T/bob.json" ||
		t_fatal "cartera due failed"
	t_assert_eq "same" "$("$T_PYTHON" -c '
import json, sys
d = lambda f: json.dumps(json.load(open(f)), sort_keys=True)
every = sorted(json.dumps(o, sort_keys=True) for o in json.load(open(sys.argv[1])))
print("same" if every == sorted([d(sys.argv[2]), d(sys.argv[3])]) else "differ")' \
		"$T/all.json" "$T/ana.json" "$T/bob.json")" "every owner at once = each on their own (${date:-$now})"
	t_assert_match '"T-1"' "$(cat "$T/all.json")" "and the overdue invoices are there (${date:-$now})"
done

# ---------------------------------------------------------------- Carla: how clients order
# A client that orders on its own is called every cadence.orders_self_days
# (60 by default); one that needs a visit to order, every
# cadence.orders_visit_days (21); its own cadence, potential_days and a
# segment's come first.  On 06-15: touched 04-16 + 60 = 06-15, red.
ok c "$CREATED" owner add carla@example.com --name "Carla Gil" --tz Europe/Madrid --digest-at 08:00 --lang en
C=(--owner carla@example.com)
add self60 "Orders Alone" "${C[@]}" --orders self;	touch_ "$self60" call "2026-04-16 10:00"	# due 06-15: red
add self59 "Orders Alone Later" "${C[@]}" --orders solo;	touch_ "$self59" call "2026-04-19 10:00"	# due 06-18: yellow
add vis21 "Needs A Visit" "${C[@]}" --orders visit;	touch_ "$vis21" visit "2026-05-25 10:00"	# due 06-15: red
add visvip "Visit VIP" "${C[@]}" --orders visita --segment VIP;	touch_ "$visvip" visit "2026-06-08 10:00"	# VIP's 7: red
add visown "Visit Own Cadence" "${C[@]}" --orders visit --cadence 10;	touch_ "$visown" visit "2026-06-05 10:00"	# 10: red
add visnot "Visit Not Yet" "${C[@]}" --orders visit;	touch_ "$visnot" visit "2026-05-30 10:00"	# due 06-20: nothing
add plain "No Way Known" "${C[@]}";	touch_ "$plain" call "2026-05-16 10:00"	# default 30: red
# Changing it changes the cadence: 05-30 + 60 = 07-29, no longer listed.
add changed "Now Orders Alone" "${C[@]}" --orders visit;	touch_ "$changed" call "2026-05-20 10:00"
ok c "$SETUP_NOW" client edit "$changed" --orders self
D=$T/carla.json
c "$SETUP_NOW" --json due --owner carla@example.com --date 2026-06-15 --all >"$D" ||
	t_fatal "cartera due (Carla) failed"
load "$D"
t_assert_eq "$self60 $vis21 $visvip $visown $plain|$self59" "${J[red.ids]}|${J[yellow.ids]}" \
	"Carla: due by how each client orders"
t_assert_eq "60|21|7|10|30" "$(f red "$self60" cadence_days)|$(f red "$vis21" cadence_days)|$(f red "$visvip" cadence_days)|$(f red "$visown" cadence_days)|$(f red "$plain" cadence_days)" \
	"cadence: orders on its own 60, needs a visit 21, segment 7 and its own 10 first, else 30"
t_assert_eq "60|2026-06-18" "$(f yellow "$self59" cadence_days due_date)" "orders on its own (solo): 04-19 + 60"
t_done
