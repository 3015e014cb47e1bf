#!/bin/bash
# faults_store.sh - carterad when its database is in trouble, with the real
# daemon, the CLI, sqlite3 and tests/smtpd.py on loopback:
#  - locked by another process's long write (past the busy timeout, 2 s
#    here through CARTERA_BUSY_TIMEOUT_MS instead of the 10 s default):
#    the daemon says so, serves feeds all along (from the first second),
#    an unsubscribe POST answers 503 at once instead of stalling the feed
#    threads, the message the server accepted meanwhile is not sent twice,
#    and all resumes when the lock goes;
#  - disk full, as a file size limit (prlimit: any user) and as a full
#    tmpfs (root only): a clear error, the daemon survives and serves the
#    last good feed, /healthz says 503, nothing is corrupted, and the day's
#    digest goes out a few seconds after space returns (not at midnight);
#  - the clock jumping forward and back across digest times (--now steps):
#    no digest twice, no day skipped beyond "the latest missed day only";
#  - hostile records written behind the CLI's back (an unknown time zone,
#    a NUL in a name, 1 MB notes, a bad digest time, an activity in an
#    unknown zone): logged and skipped, the others' digests and feeds go on.
# shellcheck disable=SC2016 # t_wait_for conditions are expanded by eval, at each poll
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
t_init faults_store
t_skip_engine pg "a locked, full or damaged SQLite file"
t_require sqlite3 curl

CARTERA=${top_builddir:-.}/cartera
CARTERAD=${top_builddir:-.}/carterad
export TZ=UTC
unset CARTERA_DB
# The store's waits, shortened (carterad(8), ENVIRONMENT): a 2 s busy
# timeout instead of 10 s, a refused write retried after 1 s, then 2 s.
export CARTERA_BUSY_TIMEOUT_MS=2000 CARTERA_STORE_RETRY_MIN=1 CARTERA_STORE_RETRY_MAX=2

# shellcheck disable=SC2119 # no arguments: a plain server
t_start_smtpd
CLOSED=$(t_free_port)	# nothing listens there

# fresh NAME [DB]: a database and two configurations, $CONF (the server
# above, feeds on $HPORT) and $DOWN (a closed SMTP port, no HTTP).
fresh() {
	DB=${2:-$T/$1.db}
	CONF=$T/$1.conf
	DOWN=$T/$1.down.conf
	HPORT=$(t_free_port)
	local port
	for port in "$SMTP_PORT" "$CLOSED"; do
		cat >"$T/conf.tmp" <<EOF
user = "root";
database = "$DB";
templates = "$T_SRCDIR/etc/templates";
http: { listen = "127.0.0.1"; port = $HPORT; };
smtp: {
	url = "smtp://127.0.0.1:$port";
	starttls = "none";
	from = "Cartera <cartera@example.com>";
	timeout = 5;
	retry_min = 1;
	retry_max = 2;
};
digest: { days = "mon-sun"; };	# the clock tests count a digest every day
EOF
		if [ "$port" = "$SMTP_PORT" ]; then mv "$T/conf.tmp" "$CONF"; else mv "$T/conf.tmp" "$DOWN"; fi
	done
	c "2026-03-01 00:00Z" init
}
# c TIME ARGS...: the CLI at TIME on the current database.
c() { local now=$1; shift; "$CARTERA" -c "$CONF" -q --now "$now" "$@" >/dev/null || t_fatal "cartera $*"; }
cq() { "$CARTERA" -c "$CONF" -q "$@"; }
# owner EMAIL ZONE CREATED [DIGEST-AT]: a salesperson with one red client
# and a visit.
owner() {
	c "$3" owner add "$1" --name "Owner ${1%%@*}" --tz "$2" --digest-at "${4:-08:00}" --lang en
	c "$3" client add "Client ${1%%@*}" --owner "$1" --phone "600 000 000"
	c "$3" plan "Client ${1%%@*}" visit --at "2026-03-11 10:00" --tz UTC
}
once() {
	"$CARTERAD" -c "${2:-$CONF}" --once --now "$1" >>"$T/once.log" 2>&1
	t_assert_eq 0 $? "carterad --once at $1"
}
received() { t_smtp_events message | grep -cF "\"rcpt_tos\":[\"$1\"]"; }
token() { cq owner feed-url "$1" | sed -e 's|.*/feed/||' -e 's|\.ics$||'; }
# get PATH [MAXTIME]: "CODE SECONDS" of a GET, body in $T/body.
get() { curl -s -o "$T/body" -m "${2:-5}" -w '%{http_code} %{time_total}' "http://127.0.0.1:$HPORT$1"; }
code() { curl -s -o /dev/null -m "${2:-5}" -w '%{http_code}' "http://127.0.0.1:$HPORT$1"; }
integrity() { sqlite3 "$DB" "PRAGMA integrity_check"; }
unsent() { cq --json outbox | t_json 'len([m for m in d if m["status"] != "sent"])'; }

# lock.py DB SECONDS commit|rollback FLAG RELEASE: hold the write lock
# (BEGIN IMMEDIATE), as a long CLI import does, until the file RELEASE
# exists (SECONDS at most), then commit a change or roll back.
cat >"$T/lock.py" <<'EOF'
import os, sqlite3, sys, time
db, secs, mode, flag, release = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
con = sqlite3.connect(db, isolation_level=None, timeout=30)
con.execute("BEGIN IMMEDIATE")
if mode == "commit":
    con.execute("UPDATE clients SET notes = 'imported' WHERE id = 1")
open(flag, "w").close()
end = time.monotonic() + secs
while not os.path.exists(release) and time.monotonic() < end:
    time.sleep(0.02)
con.execute("COMMIT" if mode == "commit" else "ROLLBACK")
EOF

# ===================================================== locked by a long write
fresh lock
owner b@example.com UTC "2026-03-10 00:00Z" 07:00
owner a@example.com UTC "2026-03-10 00:00Z"	# created that day: nothing missed
# b's digest of the 10th is queued at 07:00 while the server is down: pending.
once "2026-03-10 07:00:00Z" "$DOWN"
t_assert_eq "pending" "$(cq --json outbox | t_json 'd[0]["status"]')" "lock: b's digest pending"
# Another process holds the write lock until the daemon has said it cannot
# write (30 s at most); carterad starts meanwhile, 2 s before a's digest
# time.  It delivers b's digest at once but cannot record it for 2 s (its
# busy timeout), then queues a's when the lock goes.
t_start_bg -v LPID "$T_PYTHON" "$T/lock.py" "$DB" 30 commit "$T/locked" "$T/release"
t_wait_for "[ -e '$T/locked' ]" 10 || t_fatal "lock.py did not lock"
t_start_bg -v DPID -l "$T/lock.log" "$CARTERAD" -c "$CONF" -f -v --now "2026-03-10 07:59:58Z"
TOK_A=$(token a@example.com)
t_wait_for '[ "$(code /feed/$TOK_A.ics 1)" = 200 ]' 3
read -r st secs <<<"$(get "/feed/$TOK_A.ics" 2)"
t_assert_eq 200 "$st" "lock: the feed is served while the first cycle waits for the lock"
t_assert_file_contains "$T/body" '^SUMMARY:Visit: Client a' "lock: with its events"
# Unsubscribe clicks while locked: looked up read-only, so a made-up
# token is 404 at once, without holding up the feeds (each POST used to
# hold an HTTP thread for the busy timeout; web writes are now queued).
pids=()
for i in 1 2 3 4; do
	curl -s -o /dev/null -m 15 -w '%{http_code} %{time_total}\n' -X POST \
		"http://127.0.0.1:$HPORT/unsubscribe/abcdefghijklmnopqrstuvwxyz01234$i" >>"$T/unsub.out" &
	pids+=($!)
done
sleep 0.3
for i in 1 2 3 4 5 6; do
	curl -s -o /dev/null -m 15 -w '%{http_code} %{time_total}\n' \
		"http://127.0.0.1:$HPORT/feed/$TOK_A.ics" >>"$T/feeds.out" &
	pids+=($!)
done
wait "${pids[@]}"
t_assert_eq "200 200 200 200 200 200" "$(cut -d' ' -f1 "$T/feeds.out" | xargs)" "lock: feeds served during unsubscribe attempts"
t_assert_eq 0 "$(awk -v max="$(t_slow 2.5)" '$2 > max' "$T/feeds.out" | wc -l)" \
	"lock: every feed within $(t_slow 2.5) s ($(cut -d' ' -f2 "$T/feeds.out" | xargs))"
t_assert_eq "404 404 404 404" "$(cut -d' ' -f1 "$T/unsub.out" | xargs)" "lock: unknown unsubscribe tokens are 404 at once"
t_assert_eq 0 "$(awk -v max="$(t_slow 2.5)" '$2 > max' "$T/unsub.out" | wc -l)" \
	"lock: unsubscribe answers within $(t_slow 2.5) s ($(cut -d' ' -f2 "$T/unsub.out" | xargs))"
t_wait_for "grep -q 'result not recorded: .*database is locked' '$T/lock.log'" 15
t_wait_for "grep -q 'cycle: the database refused a write' '$T/lock.log'" 10
touch "$T/release"
t_wait_for '[ "$(received a@example.com)" -ge 1 ]' 25
t_wait_for "grep -q 'result held in memory is recorded now' '$T/lock.log'" 5
t_wait_for '[ "$(unsent)" = 0 ]' 10
t_wait_for "! t_alive $LPID" 5
t_assert_eq "1 1" "$(received b@example.com) $(received a@example.com)" \
	"lock: each digest delivered once (the one accepted during the lock not again)"
t_assert_file_contains "$T/lock.log" 'cycle: the database refused a write; trying again in [0-9]+ s' "lock: the daemon says what it does"
if grep -q 'MHD_OPTION_EXTERNAL_LOGGER' "$T/lock.log"; then
	t_fail "no libmicrohttpd warning about the logger option at start"
else
	t_pass "no libmicrohttpd warning about the logger option at start"
fi
t_assert_eq 200 "$(code /healthz)" "lock: healthy again"
t_stop "$DPID"
t_assert_eq 0 "$T_STOP_STATUS" "lock: SIGTERM, exit 0"
t_assert_eq ok "$(integrity)" "lock: integrity_check ok"

# ============================================== disk full: a file size limit
# prlimit lowers the limit of the running daemon; writes past it fail with
# EFBIG (and SIGXFSZ, which must not kill it).  The log goes through a FIFO
# so that the limit does not apply to it.
disk_full() {	# disk_full WHAT FILL-CMD ERE UNFILL-CMD
	local what=$1 fill=$2 ere=$3 unfill=$4 good a=${1}a@example.com z=${1}z@example.com
	owner "$a" UTC "2026-03-10 00:00Z"
	owner "$z" UTC "2026-03-10 00:00Z"
	rm -f "$T/$what.pipe"
	mkfifo "$T/$what.pipe" || t_fatal "mkfifo"
	t_start_bg -l "$T/$what.log" cat "$T/$what.pipe"
	# It starts 2 s (x T_SLOW) before the digest time: the feed is fetched
	# and the disk filled meanwhile (in a tenth of that, unloaded), and
	# then the digest is due.  The lead is waited out in full.
	t_start_bg -v DPID -l "$T/$what.pipe" "$CARTERAD" -c "$CONF" -f -v --now \
		"$(date -u -d "@$(($(date -u -d '2026-03-10 08:00:00Z' +%s) - 2 * T_SLOW))" '+%F %TZ')"
	TOK_A=$(token "$a")
	t_wait_for '[ "$(code /feed/$TOK_A.ics 1)" = 200 ]' 5
	get "/feed/$TOK_A.ics" >/dev/null
	good=$(sha256sum <"$T/body")
	t_assert_eq 200 "$(code /healthz)" "$what: healthy before"
	# An empty WAL: the next commit has to grow a file.
	sqlite3 "$DB" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null || t_fatal "checkpoint"
	eval "$fill"
	t_wait_for "grep -Eq 'digest for $a not queued: .*($ere)' '$T/$what.log'" 20
	t_assert_file_contains "$T/$what.log" "not queued: .*($ere).*; will try again" "$what: a clear error in the log"
	t_alive "$DPID" && t_pass "$what: the daemon is still running" || t_fail "$what: the daemon is still running"
	read -r st secs <<<"$(get "/feed/$TOK_A.ics" 2)"
	t_assert_eq "200 $good" "$st $(sha256sum <"$T/body")" "$what: the last good feed is still served"
	t_assert_eq 503 "$(code /healthz)" "$what: /healthz says 503"
	t_assert_eq 0 "$(received "$a")" "$what: no digest yet"
	if [ "$what" = tmpfs ]; then
		# The CLI, meanwhile, says the same.
		out=$("$CARTERA" -c "$CONF" --now "2026-03-10 09:00Z" client add "After" --owner "$a" 2>&1)
		t_assert_eq 1 $? "$what: the CLI's write fails"
		t_assert_match 'database or disk is full' "$out" "$what: the CLI says the disk is full"
	fi
	eval "$unfill"
	t_wait_for '[ "$(received "$a")" -ge 1 ] && [ "$(received "$z")" -ge 1 ]' 30
	t_wait_for '[ "$(code /healthz)" = 200 ]' 10
	t_wait_for '[ "$(unsent)" = 0 ]' 10
	t_assert_eq "1 1" "$(received "$a") $(received "$z")" "$what: the digests went out once space returned"
	t_stop "$DPID"
	t_assert_eq 0 "$T_STOP_STATUS" "$what: SIGTERM, exit 0"
	t_assert_eq ok "$(integrity)" "$what: integrity_check ok"
	t_assert_eq "2026-03-10 2026-03-10" "$(sqlite3 "$DB" "SELECT last_digest_day FROM owners ORDER BY id" | xargs)" "$what: the day is recorded"
}
if prlimit --pid $$ --fsize=unlimited:unlimited 2>/dev/null; then
	fresh fsize
	disk_full fsize 'prlimit --pid "$DPID" --fsize=1024:unlimited' \
		'disk I/O error|database or disk is full|too large' \
		'prlimit --pid "$DPID" --fsize=unlimited:unlimited'
else
	echo "# prlimit cannot change limits here: file size part skipped"
fi

# ===================================================== disk full: a full tmpfs
if [ "$(id -u)" = 0 ] && mkdir -p "$T/full" &&
	mount -t tmpfs -o size=4m,mode=0700 cartera-test "$T/full" 2>/dev/null; then
	t_atexit umount -l "$T/full"
	fresh tmpfs "$T/full/c.db"
	disk_full tmpfs 'dd if=/dev/zero of="$T/full/filler" bs=64k 2>/dev/null; dd if=/dev/zero of="$T/full/filler2" bs=4k 2>/dev/null' \
		'database or disk is full' 'rm -f "$T/full/filler" "$T/full/filler2"'
	t_assert_eq 0 "$(sqlite3 "$DB" "SELECT count(*) FROM clients WHERE name = 'After'")" "tmpfs: nothing half-written by the CLI"
else
	echo "# not root, or no tmpfs: the full-tmpfs part is skipped"
fi

# ====================================================== the clock jumps
fresh clock
owner u@example.com UTC "2026-03-01 00:00Z"
owner m@example.com Europe/Madrid "2026-03-01 00:00Z"	# 08:00 CET = 07:00Z
# step TIME MAILS: one cycle at TIME; MAILS digests arrive (exactly).
step() {
	local before
	before=$(t_mail_count)
	once "$1"
	[ "$2" -gt 0 ] && t_wait_mail $((before + $2)) 5
	t_assert_eq "$2" "$(($(t_mail_count) - before))" "clock: $2 digest(s) at $1"
}
before_clock=$(t_mail_count)
step "2026-03-10 08:00:00Z" 2	# both, of the 10th
step "2026-03-10 07:30:00Z" 0	# back half an hour, across u's time
step "2026-03-09 12:00:00Z" 0	# back a day
step "2026-03-10 08:00:00Z" 0	# forward again to where it was
step "2026-03-13 06:00:00Z" 2	# three days later, before both times: the 12th's
step "2026-03-13 08:00:00Z" 2	# the 13th's
step "2026-03-13 07:59:00Z" 0	# back across the digest time
step "2026-03-13 08:00:00Z" 0
step "2026-03-14 07:59:59Z" 1	# m (08:59 in Madrid), not u yet
step "2026-03-14 08:00:00Z" 1	# u
step "2026-04-20 12:00:00Z" 2	# five weeks later (summer time in Madrid)
step "2026-03-20 12:00:00Z" 0	# back a month
step "2026-04-21 06:00:00Z" 1	# m (08:00 CEST = 06:00Z)
step "2026-04-21 08:00:00Z" 1	# u
sqlite3 "$DB" "SELECT o.email, substr(x.idem_key, instr(substr(x.idem_key, 8), ':') + 8) FROM outbox x JOIN owners o ON o.id = x.owner_id ORDER BY o.email, x.id" |
	awk -F'|' '{ d[$1] = d[$1] " " $2 } END { for (k in d) print k ":" d[k] }' | sort >"$T/days"
want=" 2026-03-10 2026-03-12 2026-03-13 2026-03-14 2026-04-20 2026-04-21"
t_assert_eq "m@example.com:$want
u@example.com:$want" "$(cat "$T/days")" "clock: the days queued, each once (the 11th: only the latest missed day)"
t_assert_eq 12 "$(($(t_mail_count) - before_clock))" "clock: twelve digests arrived in all"
t_assert_eq "6 6" "$(received u@example.com) $(received m@example.com)" "clock: six digests each on the wire"
t_assert_eq 12 "$(t_mailcheck --field message_id "$SMTP_DIR"/*.eml | tail -n 12 | sort -u | wc -l)" "clock: twelve distinct Message-IDs"
subject_of_12th=$(for f in $(t_smtp_events message | grep -F '"rcpt_tos":["u@example.com"]' | sed -n 2p | sed 's/.*"file":"\([^"]*\)".*/\1/'); do t_mailcheck --field subject "$SMTP_DIR/$f"; done)
t_assert_match '12 March 2026' "$subject_of_12th" "clock: the missed digest names its own day"

# ===================================================== hostile records
fresh hostile
for o in good badtz nul big badtime badact; do
	owner "$o@example.com" UTC "2026-01-01 00:00Z"	# its client's visit is on the 11th
done
out=$("$CARTERA" -c "$CONF" --now "2026-03-09 00:00Z" owner edit badtz@example.com --tz Mars/Olympus 2>&1)
t_assert_eq 1 $? "hostile: the CLI refuses an unknown time zone"
t_assert_match 'Mars/Olympus' "$out" "hostile: and names it"
sqlite3 "$DB" "
UPDATE owners SET tz = 'Mars/Olympus' WHERE email = 'badtz@example.com';
UPDATE owners SET digest_at = '25:99' WHERE email = 'badtime@example.com';
UPDATE clients SET name = CAST(X'436c69656e74004e554c' AS TEXT) WHERE name = 'Client nul';
UPDATE clients SET notes = printf('%.*c', 1048576, 'n') WHERE name = 'Client big';
UPDATE activities SET note = printf('%.*c', 1048576, 'a')
	WHERE owner_id = (SELECT id FROM owners WHERE email = 'big@example.com');
UPDATE activities SET tz = 'Atlantis/Lost'
	WHERE owner_id = (SELECT id FROM owners WHERE email = 'badact@example.com');" ||
	t_fatal "sqlite3 update"
t_assert_eq "10|1048576" "$(sqlite3 "$DB" "SELECT (SELECT length(CAST(name AS BLOB)) FROM clients WHERE CAST(name AS BLOB) = X'436c69656e74004e554c'), (SELECT length(notes) FROM clients WHERE name = 'Client big')")" \
	"hostile: the NUL and the 1 MB note are in the database"
for day in 10 11; do
	once "2026-03-$day 08:00:00Z"
	for o in good nul big badact; do
		t_assert_eq "$((day - 9))" "$(received "$o@example.com")" "hostile: $o's digest of the ${day}th went out"
	done
	t_assert_eq "0 0" "$(received badtz@example.com) $(received badtime@example.com)" "hostile: nothing for the broken owners on the ${day}th"
done
t_assert_file_contains "$T/once.log" 'owner badtz@example.com: unknown time zone "Mars/Olympus"; skipped' "hostile: the unknown zone logged and skipped"
t_assert_file_contains "$T/once.log" 'owner badtime@example.com: digest time "25:99" is not HH:MM; skipped' "hostile: the bad digest time logged and skipped"
for o in good nul big badact; do
	f=$(t_smtp_events message | grep -F "\"rcpt_tos\":[\"$o@example.com\"]" | tail -n 1 | sed 's/.*"file":"\([^"]*\)".*/\1/')
	t_mailcheck "$SMTP_DIR/$f" >/dev/null
	t_assert_eq 0 $? "hostile: $o's digest parses strictly"
done
t_assert_match "Visit: Client" "$(t_mailcheck --field text "$SMTP_DIR/$(t_smtp_events message | grep -F 'nul@example.com' | tail -n 1 | sed 's/.*"file":"\([^"]*\)".*/\1/')")" "hostile: the client with a NUL is listed (its visit on the agenda)"
# Feeds: the others are served, the broken owner's is not (and is logged).
t_start_bg -v DPID -l "$T/hostile.log" "$CARTERAD" -c "$CONF" -f --now "2026-03-11 09:00:00Z"
t_wait_for '[ "$(code /feed/$(token good@example.com).ics 1)" = 200 ]' 10
for o in good nul big badact; do
	read -r st secs <<<"$(get "/feed/$(token "$o@example.com").ics" 10)"
	t_assert_eq 200 "$st" "hostile: $o's feed served"
	t_assert_file_contains "$T/body" '^BEGIN:VEVENT' "hostile: $o's feed has its visit"
done
read -r st secs <<<"$(get "/feed/$(token big@example.com).ics" 10)"
t_assert_ok "hostile: the 1 MB activity note is in the feed ($(stat -c %s "$T/body") bytes)" test "$(stat -c %s "$T/body")" -gt 1048576
t_assert_eq 404 "$(code "/feed/$(token badtz@example.com).ics")" "hostile: no feed for the owner with an unknown zone"
t_assert_file_contains "$T/hostile.log" 'feed of badtz@example.com not built: .*unknown time zone' "hostile: and that is logged"
t_assert_eq 200 "$(code /healthz)" "hostile: the daemon is healthy"
t_stop "$DPID"
t_assert_eq ok "$(integrity)" "hostile: integrity_check ok"

t_done
