#!/bin/bash
# security.sh - the claims of SECURITY.md, checked against the real carterad,
# a real SMTP server with AUTH (tests/smtpd.py), curl, raw sockets and
# Python's email and icalendar parsers, all on loopback:
#   - secrets: a password in a file others can read or write is refused
#     (carterad and cartera), --check-config masks it, credentials in
#     smtp.url are refused without being quoted, neither the password nor
#     any feed or unsubscribe token reaches the log (run with -v);
#   - files: the database init creates is closed to others even under
#     umask 022 (tests/hostile_input.sh: missing, empty and open ones);
#   - mail: CR/LF and "Bcc:" in owner, client and contact names (written
#     behind the CLI's back, which refuses them) inject no header and no
#     recipient; "<script>" is escaped in the HTML part;
#   - feed: the same names inject no property or event into the iCalendar
#     feed; wrong, short, long, non-alphanumeric tokens, traversal, NUL and
#     trailing path parts all give the generic 404; methods other than
#     GET/HEAD give 405 with Allow; security headers; rotated tokens stop
#     working at once (owner and team);
#   - unsubscribe: GET only asks, wrong tokens 404, a big body 413, other
#     methods 405;
#   - limits: oversized URL and headers refused and the daemon serves on;
#     connections beyond http.per_ip_connections refused while another
#     address is served; http.max_connections bounds the total, the idle
#     connections making room for new ones; an idle connection is closed
#     after http.timeout.
# shellcheck disable=SC2016 # t_wait_for conditions are expanded by eval, at each poll
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
t_init security
t_require curl sqlite3 sha256sum
"$T_PYTHON" -c 'import icalendar' 2>/dev/null || t_skip "python3-icalendar not installed"

CARTERA=${top_builddir:-.}/cartera
CARTERAD=${top_builddir:-.}/carterad
export TZ=UTC
py() { "$T_PYTHON" "$@"; }

# The password is long and unusual so that finding it anywhere means a leak.
PASSWORD="Pw-$RANDOM$RANDOM-s3cr3t#kept"
WRONG="Wr-$RANDOM$RANDOM-n0t-it"
t_start_smtpd --auth "cartera:$PASSWORD"
PORT=$(t_free_port)
BASE=http://127.0.0.1:$PORT
DB=$(t_db c)

# conf FILE SMTP-CREDENTIALS: the configuration of this test.
conf() {
	cat >"$1" <<EOF
user = "root";
database = "$DB";
web: { key_file = "$T/web.key"; };	# (a server database has no directory to hold it)
templates = "$T_SRCDIR/etc/templates";
smtp: {
	url = "smtp://127.0.0.1:$SMTP_PORT";
	starttls = "none";
	from = "Cartera <cartera@example.com>";
	timeout = 10;
	user = "cartera";
$2
};
http: { listen = "127.0.0.1"; port = $PORT; timeout = 2; base_url = "http://127.0.0.1:$PORT";
	max_connections = 8; per_ip_connections = 4; };
feed: { team = true; };
client_emails: { enabled = true; after_days = 3; };
EOF
	chmod 600 "$1"
}
conf "$T/good.conf" "	password = \"$PASSWORD\";"
printf '%s\n' "$WRONG" >"$T/wrong.pw"
chmod 600 "$T/wrong.pw"
conf "$T/bad.conf" "	password_file = \"$T/wrong.pw\";"
c() { "$CARTERA" -c "$T/good.conf" -q "$@"; }
D0="2026-01-05 09:00Z"
at() { local t=$1; shift; c --now "$t" "$@" >/dev/null || t_fatal "setup failed: $*"; }
LOG=$T/carterad.log
run() {	# run CONF INSTANT: one cycle of the daemon, debug logging on
	"$CARTERAD" -c "$1" -v --once --now "$2" >>"$LOG" 2>&1
	t_assert_eq 0 $? "carterad --once at $2 ($(basename "$1"))"
}

# ---- the configuration: secrets closed to others -------------------------

check_conf() {	# check_conf FILE: carterad --check-config, output in $T/cc.out
	"$CARTERAD" -c "$1" --check-config >"$T/cc.out" 2>&1
}
check_conf "$T/good.conf"
t_assert_eq 0 $? "mode 0600 with smtp.password: accepted"
t_assert_match 'password = "\*+"' "$(cat "$T/cc.out")" "--check-config masks the password"
if grep -qF "$PASSWORD" "$T/cc.out"; then t_fail "--check-config does not print the password"; else t_pass "--check-config does not print the password"; fi
cp "$T/good.conf" "$T/group.conf"
chmod 640 "$T/group.conf"
t_assert_ok "mode 0640 (group may read): accepted" check_conf "$T/group.conf"
for mode in 644 604 602 601; do
	cp "$T/good.conf" "$T/other.conf"
	chmod "$mode" "$T/other.conf"
	if check_conf "$T/other.conf"; then
		t_fail "mode 0$mode with smtp.password: refused"
	else
		t_assert_match "other\.conf:[0-9]+: smtp\.password: the file is (readable|writable|accessible) by others \(mode 0$mode\)" \
			"$(cat "$T/cc.out")" "mode 0$mode with smtp.password: refused, naming file, line and mode"
	fi
done
chmod 644 "$T/other.conf"
"$CARTERAD" -c "$T/other.conf" -f --once --now "$D0" >"$T/other.out" 2>&1
t_assert_eq "1|0" "$?|$(t_mail_count)" "carterad does not start with a world-readable password"
"$CARTERA" -c "$T/other.conf" -q owner list >"$T/other.out" 2>&1
t_assert_eq 1 $? "the cartera CLI refuses that configuration too"
cp "$T/wrong.pw" "$T/open.pw"
chmod 644 "$T/open.pw"
conf "$T/openpw.conf" "	password_file = \"$T/open.pw\";"
check_conf "$T/openpw.conf"
t_assert_eq 1 $? "a password_file readable by others: refused"
t_assert_match 'smtp\.password_file: .*open\.pw is readable by others' "$(cat "$T/cc.out")" \
	"password_file refusal says why"
# Credentials in the URL would be shown with it (--check-config, the log
# line of an unreachable server): refused, and not quoted back.
for url in "smtp://cartera:$PASSWORD@127.0.0.1:$SMTP_PORT" "smtps://:$PASSWORD@127.0.0.1" \
	"http://cartera:$PASSWORD@127.0.0.1"; do
	sed "s|url = \"[^\"]*\"|url = \"$url\"|" "$T/good.conf" >"$T/url.conf"
	chmod 600 "$T/url.conf"
	check_conf "$T/url.conf"
	t_assert_eq 1 $? "credentials in smtp.url refused (${url%%:*})"
	t_assert_match 'smtp\.url: must not hold a user name or password' "$(cat "$T/cc.out")" \
		"credentials in smtp.url: the error says why (${url%%:*})"
	if grep -qF "$PASSWORD" "$T/cc.out"; then
		t_fail "credentials in smtp.url: the password is not quoted back (${url%%:*})"
	else
		t_pass "credentials in smtp.url: the password is not quoted back (${url%%:*})"
	fi
done

# ---- the database init creates is closed to others -------------------------

(umask 022 && "$CARTERA" -c "$T/good.conf" -q init && "$CARTERAD" -c "$T/good.conf" --once \
	--now "$D0" >>"$LOG" 2>&1) || t_fatal "cartera init, then carterad"
for f in "$DB" "$DB-wal" "$DB-shm"; do
	[ -e "$f" ] || continue	# (a file: SQLite only)
	mode=$(stat -c %a "$f")
	t_assert_match '[0-7][0-7]0$' "$mode" "$(basename "$f") created under umask 022 is closed to others (mode $mode)"
done

# ---- the portfolio, then names tampered with behind the CLI's back --------

at "$D0" owner add ana@example.com --name "Ana López" --tz UTC --digest-at 08:00 --lang es
at "$D0" owner add mallory@example.com --name "Mallory" --tz UTC --digest-at 08:00 --lang en
at "$D0" client add "<script>alert(1)</script>" --owner ana@example.com --phone "600 111 222"
at "$D0" client add "Tampered Client" --owner mallory@example.com --contact "Eve" \
	--email eve@client.example --followup-emails yes
at "$D0" team add Todos --all
# The CLI refuses line breaks in every name.
for args in "owner add x@example.com --name Mallory$'\r\n'Bcc:_v@example.org" \
	"client add Evil$'\r\n'Bcc:_v@example.org --owner ana@example.com" \
	"client add Evil --owner ana@example.com --contact Eve$'\n'Bcc:_v@example.org"; do
	eval "set -- $args"
	if c --now "$D0" "$@" >/dev/null 2>&1; then t_fail "the CLI refuses a line break: $args"; else t_pass "the CLI refuses a line break: $args"; fi
done
CRLF=$'\r\n' LF=$'\n'
t_sql "$DB" "
UPDATE owners SET name = 'Mallory${CRLF}Bcc: victim@example.org${CRLF}X-Injected: 1'
	WHERE email = 'mallory@example.com';
UPDATE clients SET name = 'Evil<script>x()</script>${CRLF}Bcc: victim2@example.org${CRLF}END:VEVENT${CRLF}BEGIN:VEVENT${CRLF}UID:injected${CRLF}ATTENDEE:mailto:victim3@example.org'
	WHERE name = 'Tampered Client';
UPDATE contacts SET name = 'Eve${CRLF}Bcc: victim4@example.org${LF}X-Injected: 2'
	WHERE name = 'Eve';" || t_fatal "sqlite3 update failed"

# ---- mail: a wrong password, then the right one ---------------------------

run "$T/bad.conf" "2026-02-16 08:00:00Z"
t_assert_eq 0 "$(t_mail_count)" "wrong SMTP password: nothing delivered"
t_assert_match '535' "$(c --json outbox | t_json '" ".join(str(m["last_code"]) for m in d)')" \
	"wrong SMTP password: the server's 535 recorded"
run "$T/good.conf" "2026-02-16 09:00:00Z"
t_wait_mail 3
t_assert_eq 3 "$(t_mail_count)" "right password: two digests and one follow-up delivered"
t_assert_eq 1 "$(t_smtp_events auth | grep -c '"user":"cartera".*"ok":true')" "logged in as smtp.user"

# field NAME FILE: one field of mailcheck.py's report on FILE.
field() {
	FIELD=$1 py -c '
import json, os, subprocess, sys
r = json.loads(subprocess.run([sys.executable, os.environ["MC"], sys.argv[1]],
    capture_output=True).stdout)[0]
f = os.environ["FIELD"]
v = r["header"].get(f[7:]) if f.startswith("header.") else r[f]
print("" if v is None else v if isinstance(v, str) else json.dumps(v, separators=(",", ":"), ensure_ascii=False))' "$2"
}
export MC=$T_TESTS_DIR/mailcheck.py
for f in "$SMTP_DIR"/*.eml; do
	n=$(basename "$f")
	t_assert_eq '[]' "$(field defects "$f")" "$n: parses strictly"
	t_assert_eq '||' "$(field header.bcc "$f")|$(field header.x-injected "$f")|$(field header.x-evil "$f")" \
		"$n: no Bcc or injected header"
	hdrs=$(sed '/^\r*$/q' "$f")
	if grep -qiE '^(bcc|x-injected|attendee|uid|end|begin):' <<<"$hdrs"; then
		t__fail "$n: no injected line in the raw header section" "$(grep -iE '^(bcc|x-injected|attendee|uid|end|begin):' <<<"$hdrs")"
	else
		t_pass "$n: no injected line in the raw header section"
	fi
	to=$(field to_addrs "$f")
	t_assert_match '^\["(ana@example\.com|mallory@example\.com|eve@client\.example)"\]$' "$to" "$n: one recipient"
	t_assert_eq "$to" "$(t_smtp_events message | grep -F "\"$n\"" | t_json 'json.dumps(d["rcpt_tos"])' | tr -d ' ')" \
		"$n: the SMTP envelope has that recipient only"
done
if grep -q 'victim' "$SMTP_DIR/log.jsonl"; then t_fail "no victim address ever reached the SMTP server"; else t_pass "no victim address ever reached the SMTP server"; fi
mail_to() { grep -lE "^To: .*$1" "$SMTP_DIR"/*.eml | head -1; }
ana=$(mail_to ana@example.com)
mal=$(mail_to mallory@example.com)
fu=$(mail_to eve@client.example)
html=$(field html "$ana")
t_assert_match '&lt;script&gt;alert\(1\)&lt;/script&gt;' "$html" "Ana's digest: <script> escaped in HTML"
t_assert_match '<script>alert\(1\)</script>' "$(field text "$ana")" "Ana's digest: literal in the text part"
html=$(field html "$mal")
t_assert_match 'Evil&lt;script&gt;x\(\)&lt;/script&gt;' "$html" "Mallory's digest: tampered client escaped in HTML"
if grep -qiF '<script' <<<"$(field html "$ana")$html$(field html "$fu")"; then
	t_fail "no raw <script> in any HTML part"
else
	t_pass "no raw <script> in any HTML part"
fi
# The follow-up's Subject and From carry the owner's and the contact's names.
t_assert_match '^Mallory +Bcc: victim@example\.org +X-Injected: 1: .*Eve' \
	"$(field subject "$fu")" "follow-up subject: line breaks became spaces, on one line"
t_assert_match '^"Mallory +Bcc: victim@example\.org +X-Injected: 1" <cartera@example\.com>$' \
	"$(field from "$fu")" "follow-up From: the display name is one quoted phrase"

# ---- the HTTP server -------------------------------------------------------

# Planned after the digests (a plan is the next step: it would have taken
# the clients out of the red list those checks read).
at "$D0" plan "$(t_sql "$DB" "SELECT id FROM clients WHERE name LIKE '<script>alert%'")" \
	visit --at "2026-02-20 10:00" --duration 45
at "$D0" plan "$(t_sql "$DB" "SELECT id FROM clients WHERE name LIKE 'Evil%'")" \
	call --at "2026-02-20 11:00"

HLOG=$T/httpd.log
t_start_bg -v DPID -l "$HLOG" "$CARTERAD" -c "$T/good.conf" -f -v --now "2026-02-16 09:00:30Z"
code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@"; }
t_wait_for '[ "$(code "$BASE/healthz")" = 200 ]' 15 || t_fatal "carterad did not answer"
ANA=$(c owner feed-url ana@example.com)
MAL=$(c owner feed-url mallory@example.com)
TEAM=$(c team feed-url Todos)
t_wait_for '[ "$(code "$ANA")" = 200 ] && [ "$(code "$TEAM")" = 200 ]' 10
tok=${ANA##*/feed/}
tok=${tok%.ics}
t_assert_match '^[A-Za-z0-9_-]{32}$' "$tok" "a token is 32 characters of base64url"

# get URL NAME [CURL ARGS]: headers in $T/NAME.h, body in $T/NAME.b, status echoed.
get() {
	local url=$1 name=$2
	shift 2
	rm -f "$T/$name.h" "$T/$name.b"
	: >"$T/$name.b"
	curl -s --max-time 5 --path-as-is -D "$T/$name.h" -o "$T/$name.b" -w '%{http_code}' "$@" "$url"
}
hdr() { grep -i "^$1:" "$T/$2.h" | head -1 | cut -d: -f2- | sed 's/^ *//; s/\r$//'; }

t_assert_eq 200 "$(get "$ANA" feed)" "GET a feed"
t_assert_eq "text/calendar; charset=utf-8|nosniff" "$(hdr Content-Type feed)|$(hdr X-Content-Type-Options feed)" \
	"feed: Content-Type and X-Content-Type-Options"
t_assert_match '^private, no-cache$' "$(hdr Cache-Control feed)" "feed: Cache-Control private (no shared cache)"
get "$BASE/metrics" metrics >/dev/null
t_assert_eq "nosniff|no-store" "$(hdr X-Content-Type-Options metrics)|$(hdr Cache-Control metrics)" \
	"/metrics: nosniff and no-store"
get "$BASE/healthz" health >/dev/null
t_assert_eq "nosniff|no-store" "$(hdr X-Content-Type-Options health)|$(hdr Cache-Control health)" \
	"/healthz: nosniff and no-store"

# ---- the iCalendar feed: the tampered names inject nothing ----------------

cat >"$T/ical.py" <<'EOF'
import json, sys
import icalendar
cal = icalendar.Calendar.from_ical(open(sys.argv[1], "rb").read())
out = {"calendar": sorted(cal.keys()), "events": []}
for ev in cal.walk("VEVENT"):
    out["events"].append({"uid": str(ev["UID"]), "summary": str(ev.get("SUMMARY", "")),
                          "props": sorted(ev.keys())})
out["names"] = [str(cal.get(k, "")) for k in ("X-WR-CALNAME", "NAME")]
json.dump(out, sys.stdout)
EOF
t_assert_eq 200 "$(get "$MAL" mal)" "GET Mallory's feed"
if py "$T/ical.py" "$T/mal.b" >"$T/mal.json" 2>"$T/mal.err"; then
	t_pass "Mallory's feed parses"
else
	t__fail "Mallory's feed parses" "$(cat "$T/mal.err")"
fi
mj() { t_json "$1" <"$T/mal.json"; }
t_assert_eq 1 "$(mj 'len(d["events"])')" "one event, none injected"
t_assert_match '@cartera$' "$(mj 'd["events"][0]["uid"]')" "the event keeps its own UID"
t_assert_eq False "$(mj '"ATTENDEE" in d["events"][0]["props"]')" "no ATTENDEE injected"
t_assert_eq False "$(mj '"X-INJECTED" in d["calendar"]')" "no calendar property injected"
t_assert_eq "Call: Evil<script>x()</script>|Bcc: victim2@example.org|END:VEVENT|BEGIN:VEVENT|UID:injected|ATTENDEE:mailto:victim3@example.org" \
	"$(mj '"|".join(d["events"][0]["summary"].splitlines())')" "the client name is text in SUMMARY, line breaks and all"
t_assert_match 'Mallory' "$(mj '" ".join(d["names"])')" "the calendar name holds the owner's name"
bad=$(tr -d '\r' <"$T/mal.b" | grep -nE '^(Bcc|X-Injected|ATTENDEE|UID:injected|BEGIN:VEVENT$)' | grep -v '^[0-9]*:BEGIN:VEVENT$')
t_assert_eq "" "$bad" "no injected line in the raw feed"
t_assert_eq 1 "$(tr -d '\r' <"$T/mal.b" | grep -c '^BEGIN:VEVENT$')" "one BEGIN:VEVENT in the raw feed"
get "$ANA" ana >/dev/null
py "$T/ical.py" "$T/ana.b" >"$T/ana.json" || t_fail "Ana's feed parses"
t_assert_match '<script>alert\(1\)</script>' "$(t_json 'd["events"][0]["summary"]' <"$T/ana.json")" \
	"Ana's feed: the name is plain text (iCalendar is not HTML)"

# ---- unknown tokens and hostile paths: the generic 404, nothing else -------

get "$BASE/nothing/here" nf >/dev/null
NF=$(sha256sum <"$T/nf.b")
notfound() {	# notfound URL WHAT [CURL ARGS]
	local url=$1 what=$2 st
	shift 2
	st=$(get "$url" nf2 "$@")
	if [ "$st" = 404 ] && [ "$(sha256sum <"$T/nf2.b")" = "$NF" ] &&
		[ "$(hdr X-Content-Type-Options nf2)|$(hdr Cache-Control nf2)" = "nosniff|no-store" ]; then
		t_pass "generic 404: $what"
	else
		t__fail "generic 404: $what" "status $st" "$(head -c 200 "$T/nf2.b")" "$(cat "$T/nf2.h")"
	fi
}
t_assert_eq "not found" "$(tr -d '\n' <"$T/nf.b")" "the generic not-found text"
other=$(printf '%s' "$tok" | tr 'A-Za-z' 'N-ZA-Mn-za-m')	# same length and alphabet
notfound "$BASE/feed/$other.ics" "wrong token, right shape"
notfound "$BASE/feed/$(printf '%s' "$tok" | tr '[:lower:]' '[:upper:]').ics" "token in capitals"
notfound "$BASE/feed/${tok:0:31}.ics" "token one short"
notfound "$BASE/feed/${tok:0:8}.ics" "a short token"
notfound "$BASE/feed/${tok}A.ics" "token one long"
notfound "$BASE/feed/${tok}${tok}.ics" "a long token"
notfound "$BASE/feed/${tok:0:31}!.ics" "a non-alphanumeric character"
notfound "$BASE/feed/${tok:0:30}%20.ics" "an encoded space"
notfound "$BASE/feed/${tok:0:31}.ics.ics" "token one short, suffix twice"
notfound "$BASE/feed/$tok" "no .ics"
notfound "$BASE/feed/$tok.ics/extra" "/feed/TOKEN.ics/extra"
notfound "$BASE/feed/$tok.ics%00" "/feed/TOKEN.ics%00"
notfound "$BASE/feed/%00$tok.ics" "a NUL before the token"
notfound "$BASE/feed/${tok:0:16}%00${tok:17}.ics" "a NUL inside the token"
notfound "$BASE/feed/../../etc/passwd" "/feed/../../etc/passwd"
notfound "$BASE/feed/%2e%2e/%2e%2e/etc/passwd" "/feed/%2e%2e/%2e%2e/etc/passwd"
notfound "$BASE/feed/..%2f..%2fetc%2fpasswd" "encoded slashes"
notfound "$BASE/feed/../feed/$tok.ics" "a dot-dot detour to the right token"
notfound "$BASE/team/$tok.ics" "an owner's token under /team/"
t_assert_eq 404 "$(get "$BASE/unsubscribe/$tok" nf3 -X POST -d x)" "an owner's token as an unsubscribe link: 404"
notfound "$BASE/feed/" "no token"
notfound "$BASE/../../etc/passwd" "traversal at the root"
# raw.py PORT: send stdin as it is, print the answer until the server closes.
cat >"$T/raw.py" <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(sys.stdin.buffer.read())
got = b""
try:
    while True:
        d = s.recv(65536)
        if not d:
            break
        got += d
except OSError:
    pass
sys.stdout.buffer.write(got)
EOF
printf 'HEAD /feed/%s.ics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' "$other" |
	py "$T/raw.py" "$PORT" >"$T/head404.raw"
t_assert_match '^HTTP/1\.1 404' "$(head -1 "$T/head404.raw")" "HEAD with a wrong token: 404"
t_assert_eq "" "$(sed '1,/^\r$/d' "$T/head404.raw")" "HEAD with a wrong token: no body on the wire"
if grep -rqs 'root:' "$T"/nf2.b "$T"/nf.b; then t_fail "no file content leaks"; else t_pass "no file content leaks"; fi

# ---- methods: GET and HEAD only (POST for unsubscribe) --------------------

for m in POST PUT DELETE PATCH OPTIONS TRACE PROPFIND; do
	for u in "$ANA" "$BASE/feed/$other.ics"; do
		st=$(get "$u" meth -X "$m" -d x)
		what="$m ${u:${#BASE}:6}...$([ "$u" = "$ANA" ] && echo " (right token)" || echo " (wrong token)")"
		t_assert_eq "405|GET, HEAD|nosniff" "$st|$(hdr Allow meth)|$(hdr X-Content-Type-Options meth)" "$what: 405 with Allow"
		if grep -q 'VCALENDAR' "$T/meth.b"; then t_fail "$what: no calendar in the body"; fi
	done
done

# ---- unsubscribe links ------------------------------------------------------

UNSUB=$(field header.list-unsubscribe "$fu" | tr -d '<> ')
t_assert_match "^$BASE/unsubscribe/[A-Za-z0-9_-]{32}\$" "$UNSUB" "the follow-up carries an unsubscribe link"
utok=${UNSUB##*/}
dne() { t_sql "$DB" "SELECT do_not_email FROM clients WHERE id = (SELECT client_id FROM contacts WHERE email = 'eve@client.example')"; }
t_assert_eq 200 "$(get "$UNSUB" u1)" "GET the link: 200"
t_assert_match '<form method="post">' "$(cat "$T/u1.b")" "GET only asks (a form)"
t_assert_eq "nosniff|no-store" "$(hdr X-Content-Type-Options u1)|$(hdr Cache-Control u1)" "unsubscribe page headers"
t_assert_eq 0 "$(dne)" "GET changes nothing"
st=$(get "$UNSUB" u2 -X PUT -d x)
t_assert_eq "405|GET, HEAD, POST" "$st|$(hdr Allow u2)" "PUT on the link: 405 with Allow"
head -c 10000 /dev/zero | tr '\0' x >"$T/big.body"
t_assert_eq 413 "$(get "$UNSUB" u3 -X POST --data-binary @"$T/big.body")" "a 10 KB POST body: 413"
t_assert_eq 0 "$(dne)" "the refused POST changed nothing"
t_assert_eq 404 "$(get "$BASE/unsubscribe/$(printf '%s' "$utok" | tr 'A-Za-z' 'N-ZA-Mn-za-m')" u4 -X POST -d x)" \
	"POST with a wrong token: 404"
t_assert_eq 0 "$(dne)" "the wrong token changed nothing"
t_assert_eq 200 "$(get "$UNSUB" u5 -X POST -d 'List-Unsubscribe=One-Click')" "POST with the right token: 200"
# The write is queued (writeq.h) and applied by the daemon's writer a
# moment later: the answer does not wait for it.
t__poll '[ "$(dne)" = 1 ]' "$(t__tenths 10)" || :
t_assert_eq 1 "$(dne)" "and the client is marked do-not-email"

# ---- oversized requests ------------------------------------------------------

st=$(code "$BASE/feed/$(head -c 100000 /dev/zero | tr '\0' a).ics")
t_assert_match '^4[0-9][0-9]$' "$st" "a 100 KB URL is refused ($st)"
st=$(code -H "X-Big: $(head -c 100000 /dev/zero | tr '\0' a)" "$ANA")
t_assert_match '^4[0-9][0-9]$' "$st" "a 100 KB header is refused ($st)"
many=()
h200=$(printf '%0200d' 0)
for ((i = 1; i <= 300; i++)); do many+=(-H "X-H$i: $h200"); done
st=$(code "${many[@]}" "$ANA")
t_assert_match '^4[0-9][0-9]$' "$st" "60 KB in 300 headers is refused ($st)"
t_assert_eq 200 "$(code "$ANA")" "the daemon serves after oversized requests"

# ---- connection limits and the idle timeout ---------------------------------

# conns.py PORT HOLD PROBE: open HOLD ("IP:N,IP:N") connections at once,
# then make one request from PROBE ("-": none) while they are open, then
# send a keep-alive request on every held connection and wait up to 1.5 s
# for the status lines: each held connection was "served" (answered),
# "refused" (closed by the server) or left "waiting" (not accepted: it sits
# in the listen queue until a slot frees).  Then close them all and make a
# request from 127.0.0.1, again every 50 ms (3 s at most) until it is
# answered 200, as the server sees the closes.  Prints JSON {"served":
# {ip: n}, "refused": ..., "waiting": ..., "probe": status line, "after":
# status line}.
cat >"$T/conns.py" <<'EOF'
import json, select, socket, sys, time
port, hold, probe = int(sys.argv[1]), sys.argv[2], sys.argv[3]
REQ = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
def one(src):
    s = socket.socket()
    s.settimeout(5)
    try:
        s.bind((src, 0))
        s.connect(("127.0.0.1", port))
        s.sendall(REQ.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n"))
        return s.recv(4096).split(b"\r\n")[0].decode()
    except OSError:
        return ""
    finally:
        s.close()
held = []
for spec in hold.split(","):
    ip, n = spec.split(":")
    for _ in range(int(n)):
        s = socket.socket()
        s.bind((ip, 0))
        s.connect(("127.0.0.1", port))
        held.append([ip, s, None])
time.sleep(0.5)
out = {"served": {}, "refused": {}, "waiting": {}, "probe": one(probe) if probe != "-" else ""}
for h in held:
    try:
        h[1].sendall(REQ)
    except OSError:
        h[2] = "refused"
end = time.time() + 1.5
while time.time() < end and any(h[2] is None for h in held):
    socks = [h[1] for h in held if h[2] is None]
    ready, _, _ = select.select(socks, [], [], max(0, end - time.time()))
    for h in held:
        if h[1] in ready:
            try:
                d = h[1].recv(4096)
            except OSError:
                d = b""
            h[2] = "served" if d.startswith(b"HTTP/1.1 200") else "refused"
for ip, s, st in held:
    k = st or "waiting"
    out[k][ip] = out[k].get(ip, 0) + 1
    s.close()
end = time.time() + 3
while True:
    time.sleep(0.05)
    out["after"] = one("127.0.0.1")
    if out["after"].startswith("HTTP/1.1 200") or time.time() > end:
        break
print(json.dumps(out))
EOF
py "$T/conns.py" "$PORT" "127.0.0.1:12" "127.0.0.2" >"$T/perip.json" || t_fail "conns.py ran"
pj() { t_json "$1" <"$T/perip.json"; }
t_assert_eq "4 8 0" "$(pj 'd["served"].get("127.0.0.1", 0), d["refused"].get("127.0.0.1", 0), d["waiting"].get("127.0.0.1", 0)')" \
	"12 connections from one address: http.per_ip_connections (4) served, 8 refused"
t_assert_eq "HTTP/1.1 200 OK" "$(pj 'd["probe"]')" "another address served meanwhile"
t_assert_eq "HTTP/1.1 200 OK" "$(pj 'd["after"]')" "the first address served again once its connections closed"
py "$T/conns.py" "$PORT" "127.0.0.2:4,127.0.0.3:4,127.0.0.4:4,127.0.0.5:4" "-" >"$T/max.json" ||
	t_fail "conns.py ran (max)"
mj2() { t_json "$1" <"$T/max.json"; }
served=$(mj2 'sum(d["served"].values())')
t_assert_ok "16 connections from 4 addresses: at most http.max_connections (8) served at once, some ($served)" \
	test "$served" -ge 1 -a "$served" -le 8
t_assert_eq "0 $((16 - served))" "$(mj2 'sum(d["waiting"].values()), sum(d["refused"].values())')" \
	"none left waiting in the listen queue: the idle ones made room (closed, oldest first)"
t_assert_eq "HTTP/1.1 200 OK" "$(mj2 'd["after"]')" "served again afterwards"
# An idle connection is closed after http.timeout (2 s: the test waits it
# out; conns.py's connections are idle 0.5 s at most).
idle=$(py - "$PORT" <<'EOF'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(30)
t0 = time.time()
try:
    while s.recv(4096):
        pass
except OSError:
    pass
print(int(time.time() - t0))
EOF
)
t_assert_ok "an idle connection is closed after http.timeout (after ${idle}s)" \
	test "${idle:-99}" -ge 1 -a "${idle:-99}" -le "$(t_slow 9)"

# ---- token rotation -----------------------------------------------------------

OLD=$ANA
NEW=$(c owner rotate-token ana@example.com 2>/dev/null)
t_assert_match "^$BASE/feed/[A-Za-z0-9_-]{32}\.ics\$" "$NEW" "owner rotate-token prints the new URL"
t_wait_for '[ "$(code "$OLD")" = 404 ]' 10
notfound "$OLD" "the owner's old token after rotation"
t_assert_eq 200 "$(code "$NEW")" "the new owner URL works"
OLDTEAM=$TEAM
NEWTEAM=$(c team rotate-token Todos 2>/dev/null)
t_assert_match "^$BASE/team/[A-Za-z0-9_-]{32}\.ics\$" "$NEWTEAM" "team rotate-token prints the new URL"
t_wait_for '[ "$(code "$OLDTEAM")" = 404 ]' 10
notfound "$OLDTEAM" "the team's old token after rotation"
t_assert_eq 200 "$(code "$NEWTEAM")" "the new team URL works"

t_assert_eq 200 "$(code "$BASE/healthz")" "/healthz after all that"
if t_alive "$DPID"; then t_pass "carterad still running"; else t_fail "carterad still running"; fi
t_stop "$DPID"
t_assert_eq 0 "$T_STOP_STATUS" "carterad stops cleanly"

# ---- what the logs hold --------------------------------------------------------

t_assert_file_contains "$HLOG" 'calendar feeds served on' "the HTTP daemon logged (with -v)"
t_assert_file_contains "$LOG" 'deferred' "the failed delivery was logged"
leaks=""
for secret in "$PASSWORD" "$WRONG" "${OLD##*/feed/}" "${NEW##*/feed/}" "${MAL##*/feed/}" \
	"${OLDTEAM##*/team/}" "${NEWTEAM##*/team/}" "$utok"; do
	secret=${secret%.ics}
	[ -n "$secret" ] || continue
	grep -qF -- "$secret" "$LOG" "$HLOG" && leaks="$leaks $secret"
done
t_assert_eq "" "$leaks" "no password and no feed or unsubscribe token in the logs"
t_done
