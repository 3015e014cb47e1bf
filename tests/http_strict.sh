#!/bin/bash
# http_strict.sh - carterad's HTTP parsing is as strict as RFC 9112 asks,
# checked with raw requests on a socket against the real daemon:
#   - a raw NUL in the request line ("GET /feed/TOKEN.ics\0x") is 400,
#     not the feed;
#   - a request-target that is not a path ("GET %2Ffeed%2FTOKEN.ics") is
#     400, not the feed;
#   - HTTP/1.1 without Host, or with two Host fields, is 400;
#   - two different Content-Length fields, or Content-Length with
#     Transfer-Encoding, are 400 and the connection is closed, so the
#     bytes of the second length never become a request of their own;
#   - the ordinary shapes still work: the feed with Host, keep-alive,
#     HTTP/1.0 without Host, an encoded character in a path.
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
t_init http_strict
DB_C=$(t_db c)
[ -x "$T_PYTHON" ] || t_skip "$T_PYTHON not found"

CARTERA=${top_builddir:-.}/cartera
CARTERAD=${top_builddir:-.}/carterad
export TZ=UTC
unset CARTERA_DB
NOW="2026-03-10 09:00:00Z"
PORT=$(t_free_port)
cat >"$T/c.conf" <<CONF
user = "root";
database = "$DB_C";
web: { key_file = "$T/web.key"; };	# (a server database has no directory to hold it)
templates = "$T_SRCDIR/etc/templates";
http: { listen = "127.0.0.1"; port = $PORT; timeout = 5; };
CONF
c() { "$CARTERA" -c "$T/c.conf" -q --now "$NOW" "$@"; }
c init || t_fatal "init"
c owner add ana@example.com --name "Ana" --tz Europe/Madrid || t_fatal "owner add"
c client add "Talleres Pérez" --owner ana@example.com >/dev/null || t_fatal "client add"
c plan "Talleres Pérez" visit --at "2026-03-11 10:00" --duration 45 >/dev/null || t_fatal "plan"
TOKPATH=$(c owner feed-url ana@example.com | sed 's|^http://[^/]*||')
t_start_bg -v DPID -l "$T/carterad.log" "$CARTERAD" -c "$T/c.conf" -f -v --now "$NOW"

# raw REQUEST-AS-PYTHON-BYTES-LITERAL: send it, print the status line of
# each response read until the server closes (or 3 s of silence).
raw() {
	"$T_PYTHON" - "$PORT" "$1" <<'PY'
import ast, socket, sys
port, req = int(sys.argv[1]), ast.literal_eval(sys.argv[2])
s = socket.create_connection(("127.0.0.1", port), timeout=3)
s.sendall(req)
data = b""
try:
    while True:
        b = s.recv(65536)
        if not b:
            break
        data += b
except socket.timeout:
    pass
lines = [l for l in data.split(b"\r\n") if l.startswith(b"HTTP/1.")]
print(" | ".join(l.decode("latin-1") for l in lines))
PY
}
t_wait_for "[ \"\$(raw \"b'GET $TOKPATH HTTP/1.1\\\\r\\\\nHost: x\\\\r\\\\nConnection: close\\\\r\\\\n\\\\r\\\\n'\")\" = 'HTTP/1.1 200 OK' ]" 10 ||
	t_fatal "carterad does not serve the feed"

ok="HTTP/1.1 200 OK"
bad="HTTP/1.1 400 Bad Request"
t_assert_eq "$ok" "$(raw "b'GET $TOKPATH HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n'")" \
	"the feed, HTTP/1.1 with Host"
t_assert_eq "$ok" "$(raw "b'GET $TOKPATH HTTP/1.0\\r\\n\\r\\n'")" \
	"the feed, HTTP/1.0 without Host"
t_assert_eq "$ok | $ok" "$(raw "b'GET $TOKPATH HTTP/1.1\\r\\nHost: x\\r\\n\\r\\nGET $TOKPATH HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n'")" \
	"two requests on one connection"
t_assert_eq "HTTP/1.1 404 Not Found" "$(raw "b'GET /h%65althz-not HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n'")" \
	"an encoded letter in a path is a path"

# The four shapes RFC 9112 says to refuse.
t_assert_eq "$bad" "$(raw "b'GET $TOKPATH\\x00x HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n'")" \
	"a raw NUL in the request line: 400"
t_assert_eq "$bad" "$(raw "b'GET $TOKPATH\\x00 HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n'")" \
	"a raw NUL at the end of the target: 400"
enc=$(printf '%s' "$TOKPATH" | sed 's|/|%2F|g')
t_assert_eq "$bad" "$(raw "b'GET $enc HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n'")" \
	"a target that is not a path ($enc): 400"
t_assert_eq "$bad" "$(raw "b'GET feed/x.ics HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n'")" \
	"a relative target: 400"
t_assert_eq "$bad" "$(raw "b'GET $TOKPATH HTTP/1.1\\r\\nConnection: close\\r\\n\\r\\n'")" \
	"HTTP/1.1 without Host: 400"
t_assert_eq "$bad" "$(raw "b'GET $TOKPATH HTTP/1.1\\r\\nHost: a\\r\\nHost: b\\r\\n\\r\\n'")" \
	"two Host fields: 400"
# The second length's bytes would be the next request (a smuggled GET).
smuggle="b'POST /unsubscribe/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 0\\r\\nContent-Length: 41\\r\\n\\r\\nGET $TOKPATH HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n'"
smuggled=$(raw "$smuggle")
t_assert_eq "$bad" "$smuggled" "two different Content-Length: 400, and nothing after it"
t_assert_eq "$bad" "$(raw "b'POST /unsubscribe/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 5\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\n'")" \
	"Content-Length with Transfer-Encoding: 400"
# libmicrohttpd refuses this one itself (and writes its status line twice).
t_assert_match "^$bad( \\| $bad)*\$" "$(raw "b'POST /unsubscribe/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 1, 2\\r\\n\\r\\nx'")" \
	"a Content-Length list of different values: 400"
t_assert_eq "$bad" "$(raw "b'GET /a b HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n'")" \
	"a space in the target: 400"
# The same length twice is one length (RFC 9112 6.3): accepted.
t_assert_eq "HTTP/1.1 404 Not Found" "$(raw "b'POST /unsubscribe/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 1\\r\\nContent-Length: 1\\r\\nConnection: close\\r\\n\\r\\nx'")" \
	"the same Content-Length twice is one length"

t_alive "$DPID" && t_pass "carterad still running" || t_fail "carterad still running"
t_assert_eq 200 "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT$TOKPATH")" "and serving"
t_stop "$DPID"
t_assert_eq 0 "$T_STOP_STATUS" "SIGTERM: exit 0"
t_done
