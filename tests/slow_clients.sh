#!/bin/bash
# slow_clients.sh - slow clients do not lock subscribers out:
#   - the real carterad on loopback with its default connection limits,
#     1,000 connections from 125 loopback addresses (8 each, under
#     per_ip_connections) that dribble a request a byte every two
#     seconds, and meanwhile ordinary subscribers from 127.0.0.1 get their
#     feed at once.  carterad raises its open-file limit to fit
#     http.max_connections;
#   - with small limits (max_connections = 64, per_ip_connections = 8,
#     timeout = 5, request_timeout = 2): 64 connections that send a
#     header byte a second are closed when their request is not complete
#     after request_timeout, whatever the trickle, and a subscriber is
#     served meanwhile (idle and unfinished connections make room);
#     200 idle connections from 25 addresses do not keep it out either;
#     and when every slot holds a request in progress a new request is
#     answered 503 with Retry-After at once, not left waiting.
# shellcheck disable=SC2016 # t_wait_for conditions are expanded by eval, at each poll
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
t_init slow_clients
DB_C=$(t_db c)
t_require curl

CARTERA=${top_builddir:-.}/cartera
CARTERAD=${top_builddir:-.}/carterad
export TZ=UTC
unset CARTERA_DB
NOW="2026-03-10 09:00:00Z"
N=1000 ADDRS=125
# Room for 1,000 sockets here and in the daemon (it raises its soft limit;
# the hard one must allow it).
ulimit -n 4096 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge $((N + 100)) ] ||
	t_skip "the hard limit on open files ($(ulimit -Hn)) is below $((N + 100))"

PORT=$(t_free_port)
BASE=http://127.0.0.1:$PORT
cat >"$T/c.conf" <<CONF
user = "root";
database = "$DB_C";
web: { key_file = "$T/web.key"; };	# (a server database has no directory to hold it)
templates = "$T_SRCDIR/etc/templates";
http: { listen = "127.0.0.1"; port = $PORT; timeout = 60; };
CONF
c() { "$CARTERA" -c "$T/c.conf" -q --now "$NOW" "$@"; }
c init || t_fatal "init"
c owner add ana@example.com --name "Ana" --tz Europe/Madrid || t_fatal "owner add"
c client add "Talleres Pérez" --owner ana@example.com >/dev/null || t_fatal "client add"
c plan "Talleres Pérez" visit --at "2026-03-11 10:00" --duration 45 >/dev/null || t_fatal "plan"
URL=$(c owner feed-url ana@example.com | sed "s|^http://[^/]*|$BASE|")

# A log file, not a pipe: 1,000 connections would fill one nobody reads.
t_start_bg -v DPID -l "$T/carterad.log" "$CARTERAD" -c "$T/c.conf" -f -v --now "$NOW"
t_wait_for '[ "$(curl -s -o /dev/null -w "%{http_code}" "$URL")" = 200 ]' 10 ||
	t_fatal "carterad does not serve the feed"
t_assert_file_contains "$T/carterad.log" 'calendar feeds served on' "carterad is up"

# The slow clients: each connects from 127.0.1.K, sends a request line a
# byte every 2 s, and holds on until told to stop (a file, looked for every
# 0.1 s), 60 s at most.
cat >"$T/slow.py" <<'PY'
import os, resource, socket, sys, time
n, addrs, port, stop = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 200) if hard != resource.RLIM_INFINITY else n + 200, hard))
socks = []
for i in range(n):
    s = socket.socket()
    s.bind(("127.0.1.%d" % (1 + i % addrs), 0))
    s.settimeout(5)
    try:
        s.connect(("127.0.0.1", port))
    except OSError as e:
        print("connect %d failed: %s" % (i, e), flush=True)
        s.close()
        continue
    socks.append(s)
print("open %d" % len(socks), flush=True)
req = b"GET /feed/slowslowslowslowslowslowslowslow00.ics HTTP/1.1\r\n"
deadline = time.monotonic() + 60
k = 0
while not os.path.exists(stop) and time.monotonic() < deadline and k < len(req):
    for s in socks:
        try:
            s.send(req[k:k + 1])
        except OSError:
            pass
    k += 1
    until = time.monotonic() + 2
    while not os.path.exists(stop) and time.monotonic() < until:
        time.sleep(0.1)
alive = 0
for s in socks:
    try:
        s.setblocking(False)
        alive += s.recv(1) == b"" and 0 or 1
    except BlockingIOError:
        alive += 1
    except OSError:
        pass
print("still open %d" % alive, flush=True)
PY
t_start_bg -v SPID -l "$T/slow.out" "$T_PYTHON" "$T/slow.py" "$N" "$ADDRS" "$PORT" "$T/stop"
t_wait_for "grep -q '^open' '$T/slow.out'" 30 || t_fatal "the slow clients did not connect"
t_assert_eq "open $N" "$(grep '^open' "$T/slow.out")" "$N slow connections open"
sleep 0.5	# a byte each, sent at once (the next one 2 s later): requests in progress
ok=0 slowest=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	read -r code secs <<<"$(curl -s -o /dev/null -m 10 -w '%{http_code} %{time_total}' "$URL")"
	[ "$code" = 200 ] && ok=$((ok + 1))
	slowest=$(awk -v a="$secs" -v b="$slowest" 'BEGIN { print (a > b ? a : b) }')
done
t_assert_eq 10 "$ok" "10 subscribers served while $N slow clients hold connections"
t_assert_ok "each within $(t_slow 2) s (slowest $slowest s)" \
	awk -v a="$slowest" -v b="$(t_slow 2)" 'BEGIN { exit !(a <= b) }'
t_assert_eq 200 "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/healthz")" "/healthz meanwhile"
touch "$T/stop"
t_wait_for "grep -q '^still open' '$T/slow.out'" 10
t_assert_match "^still open [0-9]+" "$(grep '^still open' "$T/slow.out")" "the slow clients ran to the end"
t_stop "$SPID"
t_alive "$DPID" && t_pass "carterad still running" || t_fail "carterad still running"
t_stop "$DPID"
t_assert_eq 0 "$T_STOP_STATUS" "SIGTERM: exit 0"

# ---- small limits: a deadline per request, room made, 503 when full
PORT=$(t_free_port)
BASE=http://127.0.0.1:$PORT
cat >"$T/small.conf" <<CONF
user = "root";
database = "$DB_C";
web: { key_file = "$T/web.key"; };	# (a server database has no directory to hold it)
templates = "$T_SRCDIR/etc/templates";
http: { listen = "127.0.0.1"; port = $PORT; timeout = 5; request_timeout = 2;
	max_connections = 64; per_ip_connections = 8; };
CONF
URL=$(c owner feed-url ana@example.com | sed "s|^http://[^/]*|$BASE|")
t_start_bg -v DPID -l "$T/small.log" "$CARTERAD" -c "$T/small.conf" -f -v --now "$NOW"
t_wait_for '[ "$(curl -s -o /dev/null -w "%{http_code}" "$URL")" = 200 ]' 10 ||
	t_fatal "carterad (small limits) does not serve the feed"

# hold.py MODE N ADDRS: N connections from 127.0.4.1..ADDRS, then
#   trickle: a header byte a second; idle: nothing; body: a POST's headers
#   whose body never comes.  Prints "open N", then "closed K max S" when
#   every connection was closed by the server (or 20 s passed): K closed,
#   the last S seconds after it opened.
cat >"$T/hold.py" <<'PY'
import os, select, socket, sys, time
mode, n, addrs, port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
socks, opened = [], {}
for i in range(n):
    s = socket.socket()
    s.bind(("127.0.4.%d" % (1 + i % addrs), 0))
    s.settimeout(5)
    try:
        s.connect(("127.0.0.1", port))
    except OSError as e:
        print("connect %d failed: %s" % (i, e), flush=True)
        s.close()
        continue
    s.setblocking(False)
    socks.append(s)
    opened[s] = time.monotonic()
    if mode == "body":
        s.send(b"POST /unsubscribe/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA HTTP/1.1\r\nHost: x\r\n"
               b"Content-Length: 100\r\n\r\n")
print("open %d" % len(socks), flush=True)
req = b"GET /feed/slowslowslowslowslowslowslowslow00.ics HTTP/1.1\r\nHost: x\r\n"
live, closed_at, k = set(socks), {}, 0
deadline = time.monotonic() + 20
while live and time.monotonic() < deadline:
    if mode == "trickle":
        for s in list(live):
            try:
                s.send(req[k % len(req):k % len(req) + 1])
            except OSError:
                pass
        k += 1
    end = time.monotonic() + 1
    while live and time.monotonic() < end:
        r, _, _ = select.select(list(live), [], [], max(0, end - time.monotonic()))
        for s in r:
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if not data:
                closed_at[s] = time.monotonic() - opened[s]
                live.discard(s)
print("closed %d max %.1f" % (len(closed_at), max(closed_at.values()) if closed_at else -1), flush=True)
PY
# get URL: "CODE SECONDS RETRY-AFTER" of one request from 127.0.0.1.
get() {
	curl -s -D "$T/h" -o /dev/null -m 10 -w '%{http_code} %{time_total}' "$1"
	printf ' %s\n' "$(tr -d '\r' <"$T/h" | sed -n 's/^[Rr]etry-[Aa]fter: //p')"
}
served_fast() {	# served_fast WHAT: five feed requests, each 200 within 1.5 s
	local ok=0 slowest=0 code secs
	for i in 1 2 3 4 5; do
		read -r code secs _ <<<"$(get "$URL")"
		[ "$code" = 200 ] && ok=$((ok + 1))
		slowest=$(awk -v a="$secs" -v b="$slowest" 'BEGIN { print (a > b ? a : b) }')
	done
	t_assert_eq 5 "$ok" "$1: a subscriber is served"
	t_assert_ok "$1: each request within $(t_slow 1.5) s (slowest $slowest s)" \
		awk -v a="$slowest" -v b="$(t_slow 1.5)" 'BEGIN { exit !(a <= b) }'
}

# 64 trickling connections fill every slot.
t_start_bg -v HPID -l "$T/trickle.out" "$T_PYTHON" "$T/hold.py" trickle 64 8 "$PORT"
t_wait_for "grep -q '^open' '$T/trickle.out'" 20 || t_fatal "the trickling clients did not connect"
t_assert_eq "open 64" "$(grep '^open' "$T/trickle.out")" "64 trickling connections (every slot)"
sleep 0.5	# a byte each: requests in progress, 1.5 s before their deadline
served_fast "64 trickling connections"
t_wait_for "grep -q '^closed' '$T/trickle.out'" 25
read -r _ nclosed _ last <<<"$(grep '^closed' "$T/trickle.out")"
t_assert_eq 64 "$nclosed" "every trickling connection was closed by carterad"
t_assert_ok "none lived past request_timeout (2 s) + 2 s: the last after $last s" \
	awk -v a="$last" -v b="$(t_slow 4)" 'BEGIN { exit !(a >= 0 && a <= b) }'
t_stop "$HPID"

# 200 idle connections from 25 addresses (8 each): more than the slots.
t_start_bg -v HPID -l "$T/idle.out" "$T_PYTHON" "$T/hold.py" idle 200 25 "$PORT"
t_wait_for "grep -q '^open' '$T/idle.out'" 20 || t_fatal "the idle clients did not connect"
served_fast "200 idle connections"
t_stop "$HPID"

# Every slot holds a request whose body has not come: 503 at once.
t_start_bg -v HPID -l "$T/body.out" "$T_PYTHON" "$T/hold.py" body 64 8 "$PORT"
t_wait_for "grep -q '^open' '$T/body.out'" 20 || t_fatal "the POST clients did not connect"
sleep 0.5
read -r code secs retry <<<"$(get "$URL")"
t_assert_eq 503 "$code" "every slot busy with a request: 503"
t_assert_ok "answered at once ($secs s)" awk -v a="$secs" -v b="$(t_slow 1)" 'BEGIN { exit !(a <= b) }'
t_assert_match '^[0-9]+$' "$retry" "with Retry-After"
t_wait_for "grep -q '^closed' '$T/body.out'" 25
t_assert_match '^closed 64 ' "$(grep '^closed' "$T/body.out")" "unfinished bodies closed after request_timeout"
t_assert_eq 200 "$(curl -s -o /dev/null -m 10 -w '%{http_code}' "$URL")" "then served again"
t_stop "$HPID"

t_assert_match 'cartera_http_closed_total\{reason="deadline"\} [1-9]' \
	"$(curl -s "$BASE/metrics")" "/metrics counts connections closed at the deadline"
t_alive "$DPID" && t_pass "carterad (small limits) still running" || t_fail "carterad (small limits) still running"
t_stop "$DPID"
t_assert_eq 0 "$T_STOP_STATUS" "SIGTERM: exit 0"
t_done
