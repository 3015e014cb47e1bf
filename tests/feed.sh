#!/bin/bash
# feed.sh - the calendar feeds as a subscriber sees them: the real carterad
# serving on a random loopback port, read with curl, raw sockets and
# Python's icalendar.  Covers the headers, HEAD, conditional GETs (ETag
# alone, in lists, weak, "*", If-Modified-Since), changes made with the CLI
# showing up with a bumped SEQUENCE and a new ETag (and only then), token
# rotation, wrong and malformed tokens, methods, hostile paths and headers,
# republishing under load, a slow client, /healthz, /metrics in the
# Prometheus text format with counters that only go up, the team feed, and
# `cartera feed` giving the bytes the daemon serves.
# shellcheck disable=SC2016 # t_wait_for conditions are expanded by eval, at each poll
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
t_init feed
DB_C=$(t_db c)
t_require curl sha256sum sqlite3
"$T_PYTHON" -c 'import icalendar' 2>/dev/null || t_skip "python3-icalendar not installed"

CARTERA=${top_builddir:-.}/cartera
CARTERAD=${top_builddir:-.}/carterad
export TZ=UTC
PORT=$(t_free_port)
CLOSED=$(t_free_port)	# nothing listens there: mail is deferred, never sent
BASE=http://127.0.0.1:$PORT
# The daemon starts "at" 2026-03-20 10:00Z and its clock runs on; the CLI
# works at the same instant (the feed's window and alerts follow the local
# day, which stays 2026-03-20 in Madrid and New York during the test).
NOW="2026-03-20 10:00Z"

cat >"$T/c.conf" <<EOF
user = "root";
database = "$DB_C";
web: { key_file = "$T/web.key"; };	# (a server database has no directory to hold it)
templates = "$T_SRCDIR/etc/templates";
smtp: { url = "smtp://127.0.0.1:$CLOSED"; starttls = "none"; from = "Cartera <cartera@example.com>"; };
http: { listen = "127.0.0.1"; port = $PORT; timeout = 20; };
feed: { future_days = 250; alarm_minutes = 10; team = true; };
EOF
c() { "$CARTERA" -c "$T/c.conf" -q --now "$NOW" "$@"; }
py() { "$T_PYTHON" "$@"; }

# ---- helpers (Python) -------------------------------------------------

# ical.py FILE: parse a feed strictly; print JSON {uid: {...}} with every
# event's instants in UTC; exit 1 with the problems, if any, on stderr.
cat >"$T/ical.py" <<'EOF'
import json, sys, datetime as dt
from zoneinfo import ZoneInfo
import icalendar

data = open(sys.argv[1], "rb").read()
problems = []
cal = icalendar.Calendar.from_ical(data)
for comp in cal.walk():
    if getattr(comp, "errors", None):
        problems.append("%s: %s" % (comp.name, comp.errors))
zones = {}
for vt in cal.walk("VTIMEZONE"):
    tzid = str(vt["TZID"])
    if tzid.startswith("/") or "freeassociation" in tzid:
        problems.append("TZID with a prefix: " + tzid)
    # icalendar 4.0's to_tz() hands dateutil a floating DTSTART with the
    # UTC UNTIL that RFC 5545 requires in VTIMEZONE rules, which dateutil
    # refuses: give it the same instant as wall-clock time before the change.
    for sub in vt.subcomponents:
        rule = sub.get("RRULE")
        if rule and "UNTIL" in rule:
            rule["UNTIL"] = [u.replace(tzinfo=None) + sub["TZOFFSETFROM"].td
                             if getattr(u, "tzinfo", None) else u for u in rule["UNTIL"]]
    zones[tzid] = vt.to_tz()
out = {}
for ev in cal.walk("VEVENT"):
    rec = {}
    for name in ("DTSTART", "DTEND"):
        prop = ev[name]
        tzid = prop.params.get("TZID")
        value = prop.dt
        if not isinstance(value, dt.datetime):
            problems.append("%s %s is not a date-time" % (ev["UID"], name))
            continue
        if tzid is not None:
            if tzid not in zones:
                problems.append("TZID %s has no VTIMEZONE" % tzid)
                continue
            naive = value.replace(tzinfo=None)
            # The feed's own VTIMEZONE and the system's zone must agree.
            a = zones[tzid].localize(naive) if hasattr(zones[tzid], "localize") \
                else naive.replace(tzinfo=zones[tzid])
            b = naive.replace(tzinfo=ZoneInfo(tzid))
            if a.utcoffset() != b.utcoffset():
                problems.append("%s %s: VTIMEZONE says %s, tzdata %s" %
                                (ev["UID"], name, a.utcoffset(), b.utcoffset()))
            value = b
        elif value.tzinfo is None:
            problems.append("%s %s is floating" % (ev["UID"], name))
            continue
        rec[name] = value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        rec[name + "_TZID"] = tzid or ""
    rec["SUMMARY"] = str(ev.get("SUMMARY", ""))
    rec["LOCATION"] = str(ev.get("LOCATION", ""))
    rec["DESCRIPTION"] = str(ev.get("DESCRIPTION", ""))
    rec["STATUS"] = str(ev.get("STATUS", ""))
    rec["SEQUENCE"] = int(ev.get("SEQUENCE", -1))
    rec["ALARMS"] = len(ev.walk("VALARM"))
    out[str(ev["UID"])] = rec
json.dump(out, sys.stdout, ensure_ascii=False)
if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
EOF

# raw.py PORT [FILE [SECONDS_PER_BYTE]]: send FILE's bytes (default stdin)
# as they are, one at a time if asked, and print what comes back until the
# server closes or 5 s of silence.
cat >"$T/raw.py" <<'EOF'
import socket, sys, time
port = int(sys.argv[1])
req = open(sys.argv[2], "rb").read() if len(sys.argv) > 2 else sys.stdin.buffer.read()
slow = float(sys.argv[3]) if len(sys.argv) > 3 else 0
s = socket.create_connection(("127.0.0.1", port), timeout=5)
try:
    if slow:
        for i in range(len(req)):
            s.sendall(req[i:i + 1])
            time.sleep(slow)
    else:
        s.sendall(req)
    got = b""
    while True:
        try:
            d = s.recv(65536)
        except (socket.timeout, ConnectionResetError):
            break
        if not d:
            break
        got += d
except (BrokenPipeError, ConnectionResetError):
    got = b""
sys.stdout.buffer.write(got)
EOF

# promcheck.py FILE: the Prometheus text format, read strictly; prints
# "name{labels} value" lines, or exits 1 with the first problem.
cat >"$T/promcheck.py" <<'EOF'
import re, sys
NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
VALUE = r"(?:[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[-+]?Inf|NaN)"
SAMPLE = re.compile(r"^(%s)(\{(?:%s(?:,%s)*,?)?\})? (%s)(?: -?[0-9]+)?$" % (NAME, LABEL, LABEL, VALUE))
HELP = re.compile(r"^# HELP (%s) (.*)$" % NAME)
TYPE = re.compile(r"^# TYPE (%s) (counter|gauge|histogram|summary|untyped)$" % NAME)
text = open(sys.argv[1], "rb").read().decode("utf-8")
if not text.endswith("\n"):
    sys.exit("no final newline")
types, helps, seen, out = {}, set(), set(), []
for n, line in enumerate(text[:-1].split("\n"), 1):
    def bad(why):
        sys.exit("line %d: %s: %r" % (n, why, line))
    if line.startswith("# HELP "):
        m = HELP.match(line) or bad("bad HELP")
        if m.group(1) in helps:
            bad("second HELP")
        helps.add(m.group(1))
    elif line.startswith("# TYPE "):
        m = TYPE.match(line) or bad("bad TYPE")
        if m.group(1) in types:
            bad("second TYPE")
        if m.group(1) in seen:
            bad("TYPE after its samples")
        types[m.group(1)] = m.group(2)
    elif line.startswith("#") or line == "":
        bad("comment or blank line")
    else:
        m = SAMPLE.match(line) or bad("bad sample")
        name = m.group(1)
        if name not in types:
            bad("sample without TYPE")
        if types[name] == "counter" and not name.endswith("_total"):
            bad("counter not named *_total")
        key = name + (m.group(2) or "")
        if key in seen:
            bad("duplicate sample")
        seen.add(key)
        seen.add(name)
        out.append("%s %s" % (key, m.group(3)))
print("\n".join(out))
EOF

# ---- the portfolio ----------------------------------------------------

c init >/dev/null || t_fatal "init"
c owner add ana@example.com --name "Ana López" --tz Europe/Madrid --lang es >/dev/null ||
	t_fatal "owner ana"
c owner add bob@example.com --name "Bob Smith" --tz America/New_York --lang en >/dev/null ||
	t_fatal "owner bob"
CLIENT='Talleres Pérez, S.L.; división "Norte" \ Ñandú'
NOTES=$'Línea 1\nLínea 2; con punto y coma, y coma'
c client add "$CLIENT" --owner ana@example.com --contact "José Núñez" --phone "+34 600 111 222" \
	--notes "$NOTES" >/dev/null || t_fatal "client"
c client add "Bob's Diner, Inc." --owner bob@example.com >/dev/null || t_fatal "client bob"
LOC='Calle de Alcalá 23, 2º B; 28014 Madrid'
NOTE=$'Llevar muestras\ny el catálogo; precio, plazo'
# id 1: the day Madrid goes to summer time (10:00 CEST = 08:00Z)
c plan Talleres visit --at "2026-03-29 10:00" --duration 45 --location "$LOC" --note "$NOTE" >/dev/null
# id 2: the day before (10:00 CET = 09:00Z)
c plan Talleres call --at "2026-03-28 10:00" >/dev/null
# id 3: 02:30 on the night 02:00-02:59 happens twice: its first time, 00:30Z
c plan Talleres call --at "2026-10-25 02:30" >/dev/null
# id 4, 5, 6: New York: 09:00 EDT on the day of the change = 13:00Z;
# 01:30 on 2026-11-01, first time (EDT) = 05:30Z; 15:00 EDT = 19:00Z
c plan "Bob's" call --at "2026-03-08 09:00" >/dev/null
c plan "Bob's" visit --at "2026-11-01 01:30" --duration 60 >/dev/null
c plan "Bob's" call --at "2026-03-25 15:00" --duration 30 >/dev/null
[ "$(c --json activity list | py -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 6 ] ||
	t_fatal "the plan did not make 6 activities"

# ---- the daemon -------------------------------------------------------

t_start_bg -v DPID -l "$T/carterad.log" "$CARTERAD" -c "$T/c.conf" -f --now "$NOW"
code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@"; }
t_wait_for '[ "$(code "$BASE/healthz")" = 200 ]' 15 || t_fatal "carterad did not answer"
t_assert_eq "ok" "$(curl -s --max-time 5 "$BASE/healthz")" "/healthz says ok"

URL=$(c owner feed-url ana@example.com)
t_assert_match "^$BASE/feed/[A-Za-z0-9_-]{32}\.ics\$" "$URL" "feed URL on the daemon's port"
BOBURL=$(c owner feed-url bob@example.com)
t_wait_for '[ "$(code "$URL")" = 200 ]' 10

# get URL NAME [CURL ARGS]: headers in $T/NAME.h, body in $T/NAME.b, status echoed.
get() {
	local url=$1 name=$2
	shift 2
	rm -f "$T/$name.h" "$T/$name.b"
	curl -s --max-time 5 -D "$T/$name.h" -o "$T/$name.b" -w '%{http_code}' "$@" "$url"
}
# Bytes of body received (curl writes no file for an empty one).
bodylen() { if [ -f "$T/$1.b" ]; then stat -c %s "$T/$1.b"; else echo 0; fi; }
hdr() { grep -i "^$1:" "$T/$2.h" | head -1 | cut -d: -f2- | sed 's/^ *//; s/\r$//'; }

# ---- GET: headers and body --------------------------------------------

t_assert_eq 200 "$(get "$URL" g1)" "GET the feed"
t_assert_eq "text/calendar; charset=utf-8" "$(hdr Content-Type g1)" "Content-Type"
t_assert_match '^inline; filename="cartera-ana-example-com\.ics"$' "$(hdr Content-Disposition g1)" \
	"Content-Disposition with a filename"
ETAG=$(hdr ETag g1)
t_assert_match '^"[0-9a-f]{16}"$' "$ETAG" "a strong ETag"
LM=$(hdr Last-Modified g1)
t_assert_match '^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$' \
	"$LM" "Last-Modified is an HTTP date"
t_assert_match 'no-cache' "$(hdr Cache-Control g1)" "Cache-Control: revalidate"
t_assert_eq "$(stat -c %s "$T/g1.b")" "$(hdr Content-Length g1)" "Content-Length"
t_assert_eq "BEGIN:VCALENDAR" "$(head -1 "$T/g1.b" | tr -d '\r')" "body is a calendar"

if py "$T/ical.py" "$T/g1.b" >"$T/g1.json" 2>"$T/g1.err"; then
	t_pass "Python icalendar reads the feed: no errors, a VTIMEZONE per TZID, none floating"
else
	t__fail "Python icalendar reads the feed" "$(cat "$T/g1.err")"
fi
ev() { py -c "import json,sys; d=json.load(open('$T/$1.json')); print(d['$2']['$3'] if '$2' in d else 'MISSING')"; }
read -r U1 U2 U3 U4 U5 U6 < <(c --json activity list |
	py -c 'import json,sys; d={a["id"]: a["uid"] for a in json.load(sys.stdin)}; print(*[d[i] for i in range(1, 7)])')
t_assert_eq "2026-03-29T08:00:00Z 2026-03-29T08:45:00Z Europe/Madrid" \
	"$(ev g1 "$U1" DTSTART) $(ev g1 "$U1" DTEND) $(ev g1 "$U1" DTSTART_TZID)" \
	"visit on the spring-forward day at 08:00Z, in Madrid time"
t_assert_eq "2026-03-28T09:00:00Z" "$(ev g1 "$U2" DTSTART)" "call the day before at 09:00Z"
t_assert_eq "2026-10-25T00:30:00Z" "$(ev g1 "$U3" DTSTART)" "02:30 of the repeated hour: its first time"
t_assert_eq "" "$(ev g1 "$U3" DTSTART_TZID)" "a repeated wall-clock time is written in UTC"
t_assert_eq "Visita: $CLIENT" "$(ev g1 "$U1" SUMMARY)" "summary with accents, commas, semicolons, quotes, backslash"
t_assert_eq "$LOC" "$(ev g1 "$U1" LOCATION)" "location intact"
desc=$(ev g1 "$U1" DESCRIPTION)
t_assert_match "^Contacto: José Núñez"$'\n'"Teléfono: \+34 600 111 222"$'\n' "$desc" "description starts with the contact"
case $desc in
*$'\n\n'"$NOTE"$'\n\nNotas del cliente:\n'"$NOTES") t_pass "note and client notes with newlines intact" ;;
*) t__fail "note and client notes with newlines intact" "$desc" ;;
esac
t_assert_eq "0 CONFIRMED 1" "$(ev g1 "$U1" SEQUENCE) $(ev g1 "$U1" STATUS) $(ev g1 "$U1" ALARMS)" \
	"new event: SEQUENCE 0, confirmed, one alarm"
t_assert_eq "MISSING" "$(ev g1 "$U4" SUMMARY)" "Bob's events are not in Ana's feed"
t_assert_eq 200 "$(get "$BOBURL" bob)" "GET Bob's feed"
py "$T/ical.py" "$T/bob.b" >"$T/bob.json" 2>"$T/bob.err" || t__fail "Bob's feed parses" "$(cat "$T/bob.err")"
t_assert_eq "2026-03-08T13:00:00Z America/New_York" "$(ev bob "$U4" DTSTART) $(ev bob "$U4" DTSTART_TZID)" \
	"New York call on its spring-forward day at 13:00Z"
t_assert_eq "2026-11-01T05:30:00Z 2026-11-01T06:30:00Z" "$(ev bob "$U5" DTSTART) $(ev bob "$U5" DTEND)" \
	"01:30 of New York's repeated hour, and an hour later"
t_assert_eq "2026-03-25T19:00:00Z" "$(ev bob "$U6" DTSTART)" "15:00 EDT is 19:00Z"
t_assert_eq "Call: Bob's Diner, Inc." "$(ev bob "$U4" SUMMARY)" "English summary"

# ---- HEAD, conditional GETs, Accept -----------------------------------

headers_of() { grep -iv '^date:' "$T/$1.h" | tr -d '\r' | sort; }
t_assert_eq 200 "$(get "$URL" head -I)" "HEAD"
t_assert_eq "$(headers_of g1)" "$(headers_of head)" "HEAD gives the GET's headers"
path=${URL#"$BASE"}
printf 'HEAD %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' "$path" |
	py "$T/raw.py" "$PORT" >"$T/head.raw"
t_assert_eq "" "$(sed '1,/^\r$/d' "$T/head.raw")" "HEAD sends no body"
t_assert_match '^HTTP/1\.1 200' "$(head -1 "$T/head.raw")" "raw HEAD answered"

for inm in "$ETAG" "\"0000000000000000\", $ETAG" "\"x\",$ETAG" "W/$ETAG" "*" " $ETAG , \"y\""; do
	t_assert_eq 304 "$(get "$URL" c304 -H "If-None-Match: $inm")" "If-None-Match: $inm gives 304"
	t_assert_eq 0 "$(bodylen c304)" "304 has no body ($inm)"
	t_assert_eq "$ETAG" "$(hdr ETag c304)" "304 carries the ETag ($inm)"
done
t_assert_eq 200 "$(get "$URL" c200 -H 'If-None-Match: "0000000000000000"')" "another ETag gives 200"
t_assert_eq 304 "$(get "$URL" ims -H "If-Modified-Since: $LM")" "If-Modified-Since: Last-Modified gives 304"
t_assert_eq 0 "$(bodylen ims)" "304 (If-Modified-Since) has no body"
printf 'GET %s HTTP/1.1\r\nHost: x\r\nIf-None-Match: %s\r\nConnection: close\r\n\r\n' "$path" "$ETAG" |
	py "$T/raw.py" "$PORT" >"$T/304.raw"
t_assert_match '^HTTP/1\.1 304' "$(head -1 "$T/304.raw")" "raw conditional GET answered 304"
t_assert_eq "" "$(sed '1,/^\r$/d' "$T/304.raw")" "nothing follows the 304's headers on the wire"
t_assert_eq 200 "$(get "$URL" ims2 -H "If-Modified-Since: $LM" -H 'If-None-Match: "0000000000000000"')" \
	"If-Modified-Since is ignored when If-None-Match does not match"
t_assert_eq 200 "$(get "$URL" ims3 -H 'If-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT')" \
	"an older If-Modified-Since gives 200"
t_assert_eq 200 "$(get "$URL" ims4 -H 'If-Modified-Since: yesterday')" "a garbage date is ignored"
for acc in "text/calendar" "application/json" "*/*" "text/html;q=0.9, */*;q=0.1"; do
	t_assert_eq 200 "$(get "$URL" acc -H "Accept: $acc")" "Accept: $acc is fine"
	cmp -s "$T/acc.b" "$T/g1.b" || t_fail "same body with Accept: $acc"
done
t_assert_eq 200 "$(get "$URL" acc -H "Accept:")" "no Accept header is fine"
if cmp -s "$T/acc.b" "$T/g1.b"; then t_pass "same body without Accept"; else t_fail "same body without Accept"; fi

# ---- /metrics: the format, and counters between two scrapes ------------

scrape() {
	curl -s --max-time 5 -D "$T/m$1.h" -o "$T/m$1.txt" "$BASE/metrics" &&
		py "$T/promcheck.py" "$T/m$1.txt" >"$T/m$1.v" 2>"$T/m$1.err"
}
metric() { awk -v n="$2" '$1 == n { print $2 }' "$T/m$1.v"; }
if scrape 1; then t_pass "/metrics is Prometheus text"; else t__fail "/metrics is Prometheus text" "$(cat "$T/m1.err")"; fi
t_assert_match '^text/plain; version=0\.0\.4' "$(hdr Content-Type m1)" "/metrics Content-Type"
get "$URL" x >/dev/null
get "$URL" x -H "If-None-Match: $ETAG" >/dev/null
get "$BASE/feed/../x" x --path-as-is >/dev/null
get "$BASE/feed/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.ics" x >/dev/null
get "$BASE/feed/short.ics" x >/dev/null
scrape 2 || t__fail "/metrics again" "$(cat "$T/m2.err")"
t_assert_ok "feed requests counted" test "$(metric 2 cartera_feed_requests_total)" -ge $(($(metric 1 cartera_feed_requests_total) + 2))
t_assert_ok "304s counted" test "$(metric 2 cartera_feed_not_modified_total)" -ge $(($(metric 1 cartera_feed_not_modified_total) + 1))
t_assert_ok "unknown tokens counted" test "$(metric 2 cartera_feed_not_found_total)" -ge $(($(metric 1 cartera_feed_not_found_total) + 3))
down=$(join <(grep _total "$T/m1.v" | sort) <(grep _total "$T/m2.v" | sort) |
	awk '$3 + 0 < $2 + 0 { print $1 ": " $2 " -> " $3 }')
t_assert_eq "" "$down" "no counter goes down between scrapes"
t_assert_match '^[0-9.e+-]+$' "$(metric 2 cartera_feed_build_seconds)" "feed build time reported"

# ---- changes show up: SEQUENCE bumped, same UID, new ETag (only then) ---

builds() { curl -s --max-time 5 "$BASE/metrics" | awk '$1 == "cartera_feed_builds_total" { print $2 }'; }
etag_now() { curl -s --max-time 5 -I "$URL" | grep -i '^etag:' | cut -d' ' -f2 | tr -d '\r'; }
c owner list >/dev/null
get "$URL" x >/dev/null
sleep 0.5
t_assert_eq "$ETAG" "$(etag_now)" "a read-only command and GETs leave the ETag alone"
b0=$(builds)
c segment set Otros --cadence 9 >/dev/null	# a write that does not touch the feed
t_wait_for '[ "$(builds)" -gt "$b0" ]' 10
t_assert_eq "$ETAG" "$(etag_now)" "a rebuild with the same bytes keeps the ETag"

# change WHAT CMD...: run a cartera command, wait for the ETag to move,
# fetch and parse the new feed into $T/after.json.
change() {
	local what=$1 old
	shift
	old=$(etag_now)
	c "$@" >/dev/null || t_fail "$what: cartera $*"
	t_wait_for '[ "$(etag_now)" != "$old" ]' 10
	NEWETAG=$(etag_now)
	get "$URL" after >/dev/null
	py "$T/ical.py" "$T/after.b" >"$T/after.json" 2>"$T/after.err" ||
		t__fail "$what: the new feed parses" "$(cat "$T/after.err")"
	t_assert_eq 304 "$(get "$URL" x -H "If-None-Match: $NEWETAG")" "$what: the new ETag gives 304"
	t_assert_eq 200 "$(get "$URL" x -H "If-None-Match: $old")" "$what: the old ETag gives 200"
}
change "move" activity move 1 --at "2026-03-30 11:00"
t_assert_eq "2026-03-30T09:00:00Z 1 CONFIRMED" \
	"$(ev after "$U1" DTSTART) $(ev after "$U1" SEQUENCE) $(ev after "$U1" STATUS)" \
	"moved: new time, SEQUENCE 1, same UID"
change "done" activity "done" 2
t_assert_eq "1 CONFIRMED 0" "$(ev after "$U2" SEQUENCE) $(ev after "$U2" STATUS) $(ev after "$U2" ALARMS)" \
	"marked done: SEQUENCE 1, no alarm any more"
change "cancel" activity cancel 1
t_assert_eq "2 CANCELLED 0" "$(ev after "$U1" SEQUENCE) $(ev after "$U1" STATUS) $(ev after "$U1" ALARMS)" \
	"cancelled: SEQUENCE 2, kept as CANCELLED"
t_assert_eq "2026-03-30T09:00:00Z" "$(ev after "$U1" DTSTART)" "cancelled event keeps its time"
t_assert_eq "$(py -c "import json; print(sorted(json.load(open('$T/g1.json'))))")" \
	"$(py -c "import json; print(sorted(json.load(open('$T/after.json'))))")" "the same UIDs throughout"
sleep 0.5
t_assert_eq "$NEWETAG" "$(etag_now)" "nothing else moves the ETag"

# ---- cartera feed writes the bytes the daemon serves -------------------

c feed ana@example.com --output "$T/static.ics" || t_fail "cartera feed --output"
get "$URL" served >/dev/null
t_assert_eq "$(sha256sum <"$T/served.b")" "$(sha256sum <"$T/static.ics")" "cartera feed = served bytes (sha256)"
c feed bob@example.com --output "$T/static-bob.ics"
get "$BOBURL" served-bob >/dev/null
t_assert_eq "$(sha256sum <"$T/served-bob.b")" "$(sha256sum <"$T/static-bob.ics")" "same for Bob"

# ---- the team feed -----------------------------------------------------

c team add Todos --all >/dev/null || t_fail "team add"
TEAMURL=$(c team feed-url Todos)
t_assert_match "^$BASE/team/[A-Za-z0-9_-]{32}\.ics\$" "$TEAMURL" "team feed URL"
t_wait_for '[ "$(code "$TEAMURL")" = 200 ]' 10
get "$TEAMURL" team >/dev/null
if py "$T/ical.py" "$T/team.b" >"$T/team.json" 2>"$T/team.err"; then
	t_pass "team feed parses"
else
	t__fail "team feed parses" "$(cat "$T/team.err")"
fi
t_assert_eq "2026-03-30T09:00:00Z 2026-03-08T13:00:00Z" "$(ev team "$U1" DTSTART) $(ev team "$U4" DTSTART)" \
	"team feed holds Ana's and Bob's events"
t_assert_match "\(Bob Smith\)\$" "$(ev team "$U4" SUMMARY)" "team summaries name the salesperson"
t_assert_eq "text/calendar; charset=utf-8" "$(hdr Content-Type team)" "team Content-Type"
c feed --team Todos --output "$T/static-team.ics"
t_assert_eq "$(sha256sum <"$T/team.b")" "$(sha256sum <"$T/static-team.ics")" "cartera feed --team = served bytes"

# ---- tokens: wrong, malformed, rotated ---------------------------------

get "$BASE/nothing/here" nf >/dev/null
NF=$(sha256sum <"$T/nf.b")
notfound() {
	local st
	st=$(get "$1" nf2 --path-as-is)
	if [ "$st" = 404 ] && [ "$(sha256sum <"$T/nf2.b")" = "$NF" ]; then
		t_pass "404 like any unknown path: $2"
	else
		t__fail "404 like any unknown path: $2" "status $st" "$(head -c 200 "$T/nf2.b")"
	fi
}
tok=${URL##*/feed/}
tok=${tok%.ics}
notfound "$BASE/feed/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.ics" "wrong token"
notfound "$BASE/team/$tok.ics" "an owner's token under /team/"
notfound "$BASE/feed/${tok:0:31}.ics" "token one short"
notfound "$BASE/feed/${tok}A.ics" "token one long"
notfound "$BASE/feed/${tok}.ICS" "suffix in capitals"
notfound "$BASE/feed/$tok.ics/" "trailing slash"
notfound "$BASE/feed//$tok.ics" "double slash"
notfound "$BASE/feed/../x" "/feed/../x"
notfound "$BASE/feed/%2e%2e/%2e%2e/etc/passwd" "/feed/%2e%2e/..."
notfound "$BASE/feed/..%2f..%2f$tok.ics" "encoded slashes"
notfound "$BASE/feed/%00$tok.ics" "a NUL"
notfound "$BASE/feed/$(head -c 8000 /dev/zero | tr '\0' a).ics" "an 8 KB path"
notfound "$BASE/$(head -c 20000 /dev/zero | tr '\0' b)" "a 20 KB path"

for m in POST PUT DELETE PATCH; do
	st=$(get "$URL" meth -X "$m" -d x)
	t_assert_eq 405 "$st" "$m gives 405"
	t_assert_match 'GET' "$(hdr Allow meth)" "$m: Allow lists GET"
done

c owner rotate-token ana@example.com >"$T/newurl" 2>/dev/null || t_fail "rotate-token"
NEWURL=$(cat "$T/newurl")
t_assert_match "/feed/[A-Za-z0-9_-]{32}\.ics\$" "$NEWURL" "rotated URL"
t_wait_for '[ "$(code "$URL")" = 404 ]' 10
notfound "$URL" "the old URL after rotation"
t_assert_eq 200 "$(get "$NEWURL" rot)" "the new URL works"
t_assert_eq "$(sha256sum <"$T/served.b")" "$(sha256sum <"$T/rot.b")" "the same calendar under the new URL"

# ---- republishing under load -------------------------------------------
# Every commit makes the daemon rebuild and republish all feeds; one whose
# bytes did not change must keep answering 200 throughout (it used to 404
# for the moment another, big, feed was being hashed).
c owner add big@example.com --name "Big" --tz Europe/Madrid >/dev/null
c client add "Bigco" --owner big@example.com >/dev/null
t_sql "$DB_C" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
	INSERT INTO activities (uid, client_id, owner_id, kind, start_at, tz, duration_min,
	created_at, last_modified) SELECT 'big' || i || '@cartera',
	(SELECT id FROM clients WHERE name = 'Bigco'), (SELECT id FROM owners WHERE email = 'big@example.com'),
	'call', 1774000800 + i * 3600, 'Europe/Madrid', 30, 1774000800, 1774000800 FROM n" ||
	t_fatal "cannot add the big feed"
t_wait_for '[ "$(code "$(c owner feed-url big@example.com)")" = 200 ]' 10
cat >"$T/hammer.py" <<'EOF'
import http.client, sys, time
port, path, secs = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
end, n, bad = time.time() + secs, 0, {}
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
while time.time() < end:
    conn.request("GET", path)
    r = conn.getresponse()
    r.read()
    n += 1
    if r.status != 200:
        bad[r.status] = bad.get(r.status, 0) + 1
print(n, sum(bad.values()), bad)
EOF
b0=$(builds)
py "$T/hammer.py" "$PORT" "${NEWURL#"$BASE"}" 3 >"$T/hammer.out" &
HAMMER=$!
for i in $(seq 1 15); do
	c segment set "Carga $i" --cadence 7 >/dev/null
	sleep 0.15
done
wait "$HAMMER"
read -r n nbad detail <"$T/hammer.out"
t_assert_ok "feeds rebuilt meanwhile" test "$(builds)" -gt $((b0 + 3))
t_assert_ok "requests made meanwhile" test "${n:-0}" -gt 50
t_assert_eq 0 "${nbad:-x}" "an unchanged feed answers 200 while feeds are republished ($n requests, $detail)"

# ---- hostile clients ---------------------------------------------------

big=$(head -c 100000 /dev/zero | tr '\0' a)
st=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "X-Big: $big" "$NEWURL")
t_assert_match '^4[0-9][0-9]$' "$st" "a 100 KB header is refused ($st)"
many=()
h200=$(printf '%0200d' 0)
for ((i = 1; i <= 400; i++)); do many+=(-H "X-H$i: $h200"); done
st=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "${many[@]}" "$NEWURL")
t_assert_match '^4[0-9][0-9]$' "$st" "80 KB in 400 headers refused ($st)"
t_assert_eq 200 "$(code "$NEWURL")" "the daemon serves after oversized headers"

# A slow client: one byte a second; others are served meanwhile.
printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: yes\r\n\r\n' "${NEWURL#"$BASE"}" >"$T/slow.req"
t_start_bg -v SLOWPID -l "$T/slow.out" "$T_PYTHON" "$T/raw.py" "$PORT" "$T/slow.req" 1
sleep 1
ok=0
for i in 1 2 3; do
	start=$SECONDS
	st=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$NEWURL")
	[ "$st" = 200 ] && [ $((SECONDS - start)) -le 2 ] && ok=$((ok + 1))
	sleep 0.2
done
t_assert_eq 3 "$ok" "feeds served while a slow client dribbles its request"
t_alive "$SLOWPID" && t_pass "the slow client was still sending" || t_fail "the slow client was still sending"
t_stop "$SLOWPID"

# Many connections opened and left idle do not lock others out.  They
# stay open until the request was made (at most 10 s).
py - "$PORT" "$T/idle.open" "$T/idle.stop" <<'EOF' &
import os, socket, sys, time
socks = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in range(20)]
open(sys.argv[2], "w").close()
deadline = time.monotonic() + 10
while not os.path.exists(sys.argv[3]) and time.monotonic() < deadline:
    time.sleep(0.05)
EOF
IDLE=$!
t_wait_for '[ -e "$T/idle.open" ]' 10
t_assert_eq 200 "$(code "$NEWURL")" "served while 20 idle connections are open"
touch "$T/idle.stop"
wait "$IDLE"

t_assert_eq 200 "$(code "$BASE/healthz")" "/healthz after all that"
t_assert_eq 200 "$(code "$NEWURL")" "the feed after all that"
t_alive "$DPID" && t_pass "carterad still running" || t_fail "carterad still running"
t_stop "$DPID"
t_assert_eq 0 "$T_STOP_STATUS" "carterad stops cleanly on SIGTERM"
t_done
