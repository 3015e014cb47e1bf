#!/bin/bash
# slow_clients.sh - a thousand slow clients do not lock subscribers out:
# the real carterad on loopback with its default connection limits, 1,000
# connections from 125 loopback addresses (8 each, under
# per_ip_connections) that dribble a request a byte every two seconds,
# and meanwhile ordinary subscribers from 127.0.0.1 get their feed at
# once.  carterad raises its open-file limit to fit http.max_connections.
# shellcheck disable=SC2016 # t_wait_for conditions are expanded by eval, at each poll
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
t_init slow_clients
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
database = "$T/c.db";
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
# byte every 2 s, and holds on until told to stop (a file), 60 s at most.
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
    time.sleep(2)
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
sleep 3	# a byte or two each
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
t_assert_match "^still open [0-9]+" "$(grep '^still open' "$T/slow.out")" "the slow clients held on"
t_stop "$SPID"
t_alive "$DPID" && t_pass "carterad still running" || t_fail "carterad still running"
t_stop "$DPID"
t_assert_eq 0 "$T_STOP_STATUS" "SIGTERM: exit 0"
t_done
