#!/bin/bash
# web_writes.sh - a request thread never waits for the database's write
# lock, so nothing a web client posts can hold up the calendar feeds:
#   - while another process holds the write lock (as an import or the
#     daemon's own cycle does), 8 clients from many addresses post made-up
#     unsubscribe tokens and a subscriber fetches its feed over and over:
#     every feed request is 200 and the slowest stays far under the
#     busy timeout; each forged POST is answered 404 at once;
#   - a real unsubscribe posted meanwhile is answered at once and takes
#     effect when the lock is released (the write was queued);
#   - an address that keeps posting unknown tokens is told to wait (429);
#   - during an ordinary import of 60,000 rows the feed stays fast too.
# shellcheck disable=SC2016 # t_wait_for conditions are expanded by eval, at each poll
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
t_init web_writes
DB_C=$(t_db c)
t_require curl
[ "$(t_engine)" = sqlite ] && t_require sqlite3
[ -x "$T_PYTHON" ] || t_skip "$T_PYTHON not found"

CARTERA=${top_builddir:-.}/cartera
CARTERAD=${top_builddir:-.}/carterad
export TZ=UTC
unset CARTERA_DB
NOW="2026-03-10 09:00:00Z"
PORT=$(t_free_port)
BASE=http://127.0.0.1:$PORT
cat >"$T/c.conf" <<CONF
user = "root";
database = "$DB_C";
web: { key_file = "$T/web.key"; };	# (a server database has no directory to hold it)
templates = "$T_SRCDIR/etc/templates";
http: { listen = "127.0.0.1"; port = $PORT; base_url = "$BASE"; };
CONF
c() { "$CARTERA" -c "$T/c.conf" -q --now "$NOW" "$@"; }
c init || t_fatal "init"
c owner add ana@example.com --name "Ana" --tz Europe/Madrid || t_fatal "owner add"
c client add "Talleres Pérez" --owner ana@example.com --email compras@talleres.es >/dev/null ||
	t_fatal "client add"
c plan "Talleres Pérez" visit --at "2026-03-11 10:00" --duration 45 >/dev/null || t_fatal "plan"
UNSUB=TokenForTallereszzzzzzzzzzzzzzzz
t_sql "$DB_C" "UPDATE clients SET unsub_token = '$UNSUB'" || t_fatal "token"
FEED=$(c owner feed-url ana@example.com | sed "s|^http://[^/]*|$BASE|")
t_start_bg -v DPID -l "$T/carterad.log" "$CARTERAD" -c "$T/c.conf" -f --now "$NOW"
t_wait_for '[ "$(curl -s -o /dev/null -w "%{http_code}" "$FEED")" = 200 ]' 10 ||
	t_fatal "carterad does not serve the feed"

# load.py SECONDS: forged POSTs from 8 addresses, one real unsubscribe,
# feed requests; prints what each saw.
cat >"$T/load.py" <<'PY'
import http.client, sys, threading, time
port, feed, unsub, secs = int(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4])
stop = time.monotonic() + secs
posts = {}
lock = threading.Lock()
def forger(i):
    n = 0
    while time.monotonic() < stop:
        # A new address every 8 posts: most posts are looked up, not limited.
        src = "127.%d.%d.%d" % (10 + i, n // 2000 % 250, n // 8 % 250 + 1)
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(src, 0))
        t0 = time.monotonic()
        c.request("POST", "/unsubscribe/Forged%02dxxxxxxxxxxxxxxxxxxxx%04d" % (i, n % 10000),
                  body="List-Unsubscribe=One-Click")
        r = c.getresponse(); r.read(); c.close()
        with lock:
            posts.setdefault(r.status, []).append(time.monotonic() - t0)
        n += 1
threads = [threading.Thread(target=forger, args=(i,)) for i in range(8)]
for t in threads: t.start()
time.sleep(0.5)
c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
t0 = time.monotonic()
c.request("POST", "/unsubscribe/" + unsub, body="List-Unsubscribe=One-Click")
r = c.getresponse(); r.read(); c.close()
print("real %d %.3f" % (r.status, time.monotonic() - t0))
lat, codes = [], {}
while time.monotonic() < stop:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    t0 = time.monotonic()
    c.request("GET", feed)
    r = c.getresponse(); r.read(); c.close()
    lat.append(time.monotonic() - t0)
    codes[r.status] = codes.get(r.status, 0) + 1
    time.sleep(0.02)
for t in threads: t.join()
lat.sort()
print("feeds %d max %.3f median %.3f" % (len(lat), lat[-1], lat[len(lat) // 2]))
print("feedcodes " + " ".join("%d:%d" % kv for kv in sorted(codes.items())))
print("posts " + " ".join("%d:%d" % (k, len(v)) for k, v in sorted(posts.items())))
print("postmax %.3f" % max(max(v) for v in posts.values()))
PY
cat >"$T/hold.py" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], timeout=10, isolation_level=None)
db.execute("BEGIN IMMEDIATE")
open(sys.argv[3], "w").close()
time.sleep(float(sys.argv[2]))
db.execute("ROLLBACK")
PY

# ---- forged POSTs while another process holds the write lock (on
# PostgreSQL, which has none, a lock on the clients' table that lets reads
# through and holds every write up, as an import's does)
if [ "$(t_engine)" = pg ]; then
	t_start_bg -v HPID psql -X -q -d "$DB_C" -c "BEGIN" -c "LOCK TABLE clients IN EXCLUSIVE MODE" \
		-c "\\! touch $T/held" -c "SELECT pg_sleep(5)" -c "ROLLBACK"
else
	t_start_bg -v HPID "$T_PYTHON" "$T/hold.py" "$DB_C" 5 "$T/held"
fi
t_wait_for '[ -e "$T/held" ]' 10 || t_fatal "could not take the write lock"
"$T_PYTHON" "$T/load.py" "$PORT" "${FEED#$BASE}" "$UNSUB" 3 >"$T/load.out" 2>&1 ||
	{ cat "$T/load.out"; t_fatal "load.py failed"; }
sed 's/^/# /' "$T/load.out"
read -r _ rcode rsecs <<<"$(grep '^real' "$T/load.out")"
t_assert_eq 200 "$rcode" "a real unsubscribe while the lock is held: 200"
t_assert_ok "answered at once ($rsecs s)" awk -v a="$rsecs" -v b="$(t_slow 0.5)" 'BEGIN { exit !(a <= b) }'
t_assert_eq 0 "$(t_sql "$DB_C" 'SELECT do_not_email FROM clients')" "not written while the lock is held"
read -r _ nfeeds _ fmax _ fmed <<<"$(grep '^feeds' "$T/load.out")"
t_assert_ok "feeds served meanwhile ($nfeeds)" test "$nfeeds" -ge 20
t_assert_eq "feedcodes 200:$nfeeds" "$(grep '^feedcodes' "$T/load.out")" "every feed request 200 (no 503)"
t_assert_ok "slowest feed ${fmax} s (median $fmed s) under $(t_slow 0.5) s; the busy timeout is 10 s" \
	awk -v a="$fmax" -v b="$(t_slow 0.5)" 'BEGIN { exit !(a <= b) }'
t_assert_match '^posts (404|429)' "$(grep '^posts' "$T/load.out")" "forged tokens: 404 (or 429 once an address is limited)"
t_assert_eq "" "$(grep '^posts' "$T/load.out" | grep -oE '(200|202|503):[0-9]+')" "no forged POST accepted or turned away as busy"
read -r _ pmax <<<"$(grep '^postmax' "$T/load.out")"
t_assert_ok "slowest forged POST ${pmax} s" awk -v a="$pmax" -v b="$(t_slow 0.5)" 'BEGIN { exit !(a <= b) }'
t_stop "$HPID"
t_wait_for '[ "$(t_sql "$DB_C" "SELECT do_not_email FROM clients")" = 1 ]' 15 &&
	t_pass "the queued unsubscribe took effect once the lock was free"

# ---- one address posting unknown tokens is limited
for i in $(seq 1 25); do
	curl -s -o /dev/null -w '%{http_code}\n' --interface 127.0.3.1 -X POST \
		"$BASE/unsubscribe/Limitedxxxxxxxxxxxxxxxxxxxxx$(printf %04d "$i")"
done >"$T/limit.out"
t_assert_eq 404 "$(head -1 "$T/limit.out")" "the first unknown token: 404"
t_assert_eq 429 "$(tail -1 "$T/limit.out")" "after many unknown tokens from one address: 429"
t_assert_match '^Retry-After: [0-9]+' "$(curl -s -D - -o /dev/null --interface 127.0.3.1 -X POST \
	"$BASE/unsubscribe/Limitedxxxxxxxxxxxxxxxxxxxxxxxxx" | tr -d '\r' | grep -i '^retry-after')" \
	"429 says when to come back"
t_assert_eq 404 "$(curl -s -o /dev/null -w '%{http_code}' --interface 127.0.3.2 -X POST \
	"$BASE/unsubscribe/Otherxxxxxxxxxxxxxxxxxxxxxxxxxxx")" "another address is not limited"
t_assert_eq 200 "$(curl -s -o /dev/null -w '%{http_code}' --interface 127.0.3.1 "$FEED")" \
	"the limited address still gets its feed"

# ---- an ordinary import of 60,000 rows
"$T_PYTHON" - "$T/big.csv" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("name,city,email,owner\n")
    for i in range(60000):
        f.write("Cliente %d S.L.,Madrid,c%d@example.es,ana@example.com\n" % (i, i))
PY
cat >"$T/feeds.py" <<'PY'
import http.client, os, sys, time
port, feed, stopfile = int(sys.argv[1]), sys.argv[2], sys.argv[3]
lat, codes = [], {}
deadline = time.monotonic() + 120
while not os.path.exists(stopfile) and time.monotonic() < deadline:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    t0 = time.monotonic()
    c.request("GET", feed)
    r = c.getresponse(); r.read(); c.close()
    lat.append(time.monotonic() - t0)
    codes[r.status] = codes.get(r.status, 0) + 1
    time.sleep(0.02)
print("feeds %d max %.3f" % (len(lat), max(lat)))
print("feedcodes " + " ".join("%d:%d" % kv for kv in sorted(codes.items())))
PY
t_start_bg -v FPID -l "$T/feeds.out" "$T_PYTHON" "$T/feeds.py" "$PORT" "${FEED#$BASE}" "$T/stop"
sleep 0.5
start=$(date +%s.%N)
c import "$T/big.csv" >/dev/null 2>"$T/import.err" || { cat "$T/import.err"; t_fail "import"; }
took=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
touch "$T/stop"
t_wait_for "grep -q '^feedcodes' '$T/feeds.out'" 10
sed 's/^/# /' "$T/feeds.out"
read -r _ n _ imax <<<"$(grep '^feeds' "$T/feeds.out")"
t_assert_eq "feedcodes 200:$n" "$(grep '^feedcodes' "$T/feeds.out")" "every feed request 200 during the import"
t_assert_ok "slowest feed during a ${took} s import: $imax s" \
	awk -v a="$imax" -v b="$(t_slow 0.5)" 'BEGIN { exit !(a <= b) }'

t_alive "$DPID" && t_pass "carterad still running" || t_fail "carterad still running"
t_stop "$DPID"
t_assert_eq 0 "$T_STOP_STATUS" "SIGTERM: exit 0"
t_done
