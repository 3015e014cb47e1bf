#!/bin/bash
# monthly.sh - the monthly summary email (report.monthly): queued on the
# first working day of the month at the digest time, once, for each
# salesperson and for report.manager; indicators computed by hand and
# formatted in the reader's language; the bar chart attached inline as a
# PNG referenced by Content-ID from the HTML; parsed by the real SMTP
# server's messages with Python's strict policy.
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
t_init monthly
DB_C=$(t_db c)
t_require sqlite3

CARTERA=${top_builddir:-.}/cartera
CARTERAD=${top_builddir:-.}/carterad
export CARTERA_DB=$DB_C TZ=UTC
t_start_smtpd
conf() {	# conf FILE MONTHLY
	t_conf "$1" "$DB_C"
	cat >>"$1" <<CONF
digest: { default_time = "08:00"; default_timezone = "Europe/Madrid"; language = "es"; };
report: { monthly = $2; manager = "jefa@example.com"; };
CONF
}
conf "$T/on.conf" true
conf "$T/off.conf" false
c() { "$CARTERA" -c "$T/on.conf" -q "$@"; }
at() { local t=$1; shift; c --now "$t" "$@" >/dev/null || t_fatal "setup failed: $*"; }

D0="2026-06-01 09:00Z"
at "$D0" init
at "$D0" owner add ana@example.com --name "Ana López" --tz Europe/Madrid --lang es
at "$D0" owner add ben@example.com --name "Ben Carter" --tz America/New_York --lang en
at "$D0" client add "Talleres Pérez" --owner ana@example.com
at "$D0" client add "Panadería Núñez" --owner ana@example.com
at "$D0" client add "Harbor Inc" --owner ben@example.com
# November 2026: Ana 1.234,56 + 765,44 = 2.000,00 €; Ben 3.210,00 €.
# October 2026: Ana 1.000,00 € (growth vs October: +100,0 %).
at "$D0" invoice add Talleres 1000 --issued 2026-10-10 --due 2026-11-10 --paid 2026-11-01
at "$D0" invoice add Talleres 1234.56 --issued 2026-11-05 --due 2026-12-05
at "$D0" invoice add "Panadería" 765.44 --issued 2026-11-20 --due 2026-12-20
at "$D0" invoice add Harbor 3210 --issued 2026-11-11 --due 2026-12-11
# Goals: Ana's for November (2.500 €, 2 new clients) and October (1.000 €),
# and the whole team's (a team of everyone) for November (5.000 €).
at "$D0" goal set ana@example.com 2026-11 --revenue 2.500 --new-clients 2
at "$D0" goal set ana@example.com 2026-10 --revenue 1.000
at "$D0" team add Todos --all
at "$D0" goal set Todos 2026-11 --revenue 5.000

run() { "$CARTERAD" -c "${2:-$T/on.conf}" --once --now "$1" >>"$T/carterad.log" 2>&1
	t_assert_eq 0 $? "carterad --once at $1"; }
monthly() { c --json outbox | t_json '" ".join(sorted(m["idem_key"]+">"+m["recipient"] for m in d if m["kind"]=="monthly"))'; }

# 2026-12-01 is a Tuesday: the first working day.  Before Ana's 08:00
# (07:00Z) nothing monthly goes out; at it, hers and the team's (default
# zone and time are Madrid 08:00); Ben's at his 08:00 in New York (13:00Z).
run "2026-12-01 06:59:59Z"
t_assert_eq "" "$(monthly)" "nothing before the digest time"
run "2026-12-01 07:00:00Z"
t_assert_eq "monthly:1:2026-11>ana@example.com monthly:team:2026-11>jefa@example.com" "$(monthly)" "Ana's and the team's summaries at 08:00 Madrid"
run "2026-12-01 13:00:00Z"
t_assert_eq "monthly:1:2026-11>ana@example.com monthly:2:2026-11>ben@example.com monthly:team:2026-11>jefa@example.com" "$(monthly)" "Ben's at 08:00 New York"
run "2026-12-02 13:00:00Z"
run "2026-12-07 13:00:00Z"
t_assert_eq 3 "$(c --json outbox | t_json 'len([m for m in d if m["kind"]=="monthly"])')" "once each, whatever the later cycles"

# What arrived.
check_mail() {	# check_mail ADDR: print facts about the monthly mail to ADDR
	local f
	f=$(grep -l "Content-Type: image/png" $(grep -l "^To: .*$1" "$SMTP_DIR"/*.eml) | head -1)
	/usr/bin/python3 - "$f" <<'PY'
import email, email.policy, sys
raw = open(sys.argv[1], "rb").read()
m = email.message_from_bytes(raw, policy=email.policy.strict)
print("subject=" + str(m["Subject"]))
print("type=" + m.get_content_type())
kinds = [p.get_content_type() for p in m.walk()]
print("parts=" + ",".join(kinds))
html = m.get_body(("html",)).get_content()
text = m.get_body(("plain",)).get_content()
img = [p for p in m.walk() if p.get_content_type() == "image/png"][0]
cid = img["Content-ID"].strip("<>")
data = img.get_content()
print("png=" + str(data[:8] == b"\x89PNG\r\n\x1a\n"))
print("cid_in_html=" + str(("cid:" + cid) in html))
print("text=" + text.replace("\r\n", "\n").replace("\n", " | "))
# The goal marks' colour (chart.c) anywhere in the chart's scanlines.
import struct, zlib
pos, idat = 8, b""
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    if kind == b"IDAT":
        idat += data[pos + 8:pos + 8 + n]
    pos += 12 + n
raw = zlib.decompress(idat)
print("goal_marks=" + str(bytes((230, 81, 0)) in b"".join(
    raw[r * 1801 + 1:(r + 1) * 1801] for r in range(180))))
PY
}
check_mail ana@example.com >"$T/ana.txt"
t_assert_file_contains "$T/ana.txt" '^subject=Cartera: resumen de noviembre de 2026 para Ana López: 2\.000,00 €$' "Spanish subject with November's revenue"
t_assert_file_contains "$T/ana.txt" '^type=multipart/alternative$' "multipart/alternative"
t_assert_file_contains "$T/ana.txt" '^parts=multipart/alternative,text/plain,multipart/related,text/html,image/png$' "text, then HTML with its image"
t_assert_file_contains "$T/ana.txt" '^png=True$' "the chart is a PNG"
t_assert_file_contains "$T/ana.txt" '^cid_in_html=True$' "the HTML shows it by Content-ID"
t_assert_file_contains "$T/ana.txt" 'Facturación: +2\.000,00 € \(2 facturas\)' "revenue and invoices"
t_assert_file_contains "$T/ana.txt" 'vs mes anterior: +\+100,0 %' "growth vs October, with its sign"
t_assert_file_contains "$T/ana.txt" 'nov 26 +2\.000,00 €' "this month in the twelve-month table"
t_assert_file_contains "$T/ana.txt" 'oct 26 +1\.000,00 €' "October in the table"
# November's goals in words (the month is over: no pace), and each month's
# revenue goal beside it in the table and marked on the chart: 2.000 of
# 2.500 = 80 %; new clients in November: Panadería (Talleres first bought
# in October), 1 of 2 = 50 %.
t_assert_file_contains "$T/ana.txt" ' OBJETIVOS \|   Objetivo de noviembre: 80 % de 2\.500 € \|   Objetivo de noviembre: 50 % de 2 clientes nuevos \|' "November's goals"
t_assert_file_contains "$T/ana.txt" 'nov 26 +2\.000,00 €  \(objetivo 2\.500 €\)' "November's goal in the table"
t_assert_file_contains "$T/ana.txt" 'oct 26 +1\.000,00 €  \(objetivo 1\.000 €\)' "October's goal in the table"
t_assert_file_contains "$T/ana.txt" '^goal_marks=True$' "goals marked on the chart"
check_mail ben@example.com >"$T/ben.txt"
t_assert_file_contains "$T/ben.txt" '^goal_marks=False$' "no goals, no marks"
if grep -q "GOALS" "$T/ben.txt"; then t_fail "Ben has no goals: no GOALS section"; else t_pass "no GOALS section without goals"; fi
t_assert_file_contains "$T/ben.txt" '^subject=Cartera: November 2026 summary for Ben Carter: €3,210\.00$' "English subject and money"
t_assert_file_contains "$T/ben.txt" 'vs previous month: +n/a' "no October revenue: growth n/a"
check_mail jefa@example.com >"$T/team.txt"
t_assert_file_contains "$T/team.txt" '^subject=Cartera: resumen de noviembre de 2026 del equipo: 5\.210,00 €$' "the team's total"
t_assert_file_contains "$T/team.txt" 'Pedido medio: +1\.736,67 €' "team average order: 5.210,00 / 3"
# The team's summary names whose goals they are; the team of everyone's
# 5.000 €: 5.210 of it = 104.2 % -> 104 %.
t_assert_file_contains "$T/team.txt" '   Ana López: Objetivo de noviembre: 80 % de 2\.500 € \|' "Ana's goal, named"
t_assert_file_contains "$T/team.txt" '   Equipo Todos: Objetivo de noviembre: 104 % de 5\.000 € \|' "the team's goal"
t_assert_file_contains "$T/team.txt" 'nov 26 +5\.210,00 €  \(objetivo 5\.000 €\)' "the team's goal in the table"

# A month that starts on a Saturday: 2026-08-01; the first working day is
# Monday 2026-08-03.  And report.monthly = false sends none at all.
run "2026-08-01 07:00:00Z"
run "2026-08-02 07:00:00Z"
t_assert_eq 0 "$(c --json outbox | t_json 'len([m for m in d if m["idem_key"].endswith("2026-07")])')" "not on the weekend"
run "2026-08-03 07:00:00Z"
t_assert_eq 2 "$(c --json outbox | t_json 'len([m for m in d if m["idem_key"].endswith("2026-07")])')" "on the first working day"
run "2026-09-01 07:00:00Z" "$T/off.conf"
t_assert_eq 0 "$(c --json outbox | t_json 'len([m for m in d if m["idem_key"].endswith("2026-08")])')" "report.monthly = false: none"
t_done
