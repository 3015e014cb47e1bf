#!/bin/bash
# imap_daemon.sh - carterad reading mailboxes from a real Dovecot while it
# does everything else: a 10,000-mail backlog is logged in bounded
# batches while the day's digest goes out and the calendar feed answers;
# a wrong password is logged once, retried with backoff and shown in
# /metrics and `cartera status`; the server down for (simulated) hours,
# long enough for the wait between tries to reach mail_in.retry_max and
# stay there, then back loses nothing.  The clock runs 14400 times faster
# than real time from --now, so backoffs pass in moments.
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$T_SRCDIR/tests/dovecot_lib.sh"
t_init imap_daemon
[ "$(t_engine)" = sqlite ] && t_require sqlite3
t_require openssl curl

CARTERA=${top_builddir:-.}/cartera
CARTERAD=${top_builddir:-.}/carterad
CARTERA_DB=$(t_db) || t_fatal "no database"
export CARTERA_DB TZ=UTC
q() { t_sql "$CARTERA_DB" "$1"; }
N=${IMAP_BACKLOG:-10000}
SPEED=14400	# simulated seconds per real second

t_start_dovecot
t_dovecot_user ana anapass
t_start_smtpd
printf 'anapass\n' >"$T/ana.pass"
printf 'not-the-password\n' >"$T/wrong.pass"
chmod 600 "$T/ana.pass" "$T/wrong.pass"
http_port=$(t_free_port)

cat >"$T/c.conf" <<CONF
database = "$CARTERA_DB";
user = "$(id -un)";
templates = "$T_SRCDIR/etc/templates";
imap = (
	{ name = "ana"; url = "imaps://127.0.0.1:$IMAP_PORT/INBOX"; user = "ana";
	  password_file = "$T/ana.pass"; owner = "ana@example.com"; ca_file = "$IMAP_CA";
	  poll_seconds = 60; timeout = 10; },
	{ name = "wrong"; url = "imaps://127.0.0.1:$IMAP_PORT/INBOX"; user = "ana";
	  password_file = "$T/wrong.pass"; shared = true; ca_file = "$IMAP_CA";
	  poll_seconds = 60; timeout = 10; }
);
mail_in = { batch = 200; retry_max = 1800; };
smtp = { url = "smtp://127.0.0.1:$SMTP_PORT"; starttls = "none";
	from = "Cartera <cartera@example.com>"; timeout = 10; };
http = { listen = "127.0.0.1"; port = $http_port; };
CONF
c() { "$CARTERA" -c "$T/c.conf" "$@"; }
c -q --now "2026-12-01 09:00Z" init || t_fatal "init"
c -q --now "2026-12-01 09:00Z" owner add ana@example.com --name Ana --tz Europe/Madrid \
	--digest-at 08:00 || t_fatal "owner add"
{
	echo "name,email,owner"
	for i in $(seq 0 99); do
		printf 'Cliente %03d,c%03d@client%03d.example,ana@example.com\n' "$i" "$i" "$i"
	done
} >"$T/clients.csv"
c -q --now "2026-12-01 09:00Z" import "$T/clients.csv" >/dev/null || t_fatal "import"
c -q --now "2026-12-01 09:00Z" plan "Cliente 001" call --at "2026-12-08 10:00" >/dev/null ||
	t_fatal "plan"
token=$(c owner feed-url ana@example.com | sed -n 's|.*/feed/\([A-Za-z0-9_-]*\)\.ics.*|\1|p')
[ -n "$token" ] || t_fatal "no feed token"

"$T_PYTHON" "$T_SRCDIR/tests/imap_fill.py" 127.0.0.1 "$IMAP_PLAIN_PORT" ana anapass INBOX "$N" \
	>/dev/null || t_fatal "filling the mailbox failed"

# Monday 2026-12-07, a minute before Ana's digest (08:00 Madrid = 07:00Z).
t_start_bg -v DPID -l "$T/carterad.log" "$CARTERAD" -c "$T/c.conf" -f \
	--now "2026-12-07 06:59:00Z" --clock-speed "$SPEED"
metric() { curl -s "http://127.0.0.1:$http_port/metrics" | sed -n "s/^$1 //p"; }
t_wait_for "[ -n \"\$(metric 'cartera_mailbox_backlog{mailbox=\"ana\"}')\" ]" 20 ||
	t_fatal "no mailbox metrics"

# While the backlog is worked off, the feed answers at once.
feeds=0 slow=0 during=0
limit_ms=$((2000 * $(t_slow 1)))
deadline=$((SECONDS + $(t_slow 300)))
while [ "$SECONDS" -lt "$deadline" ]; do
	before=$(metric 'cartera_mailbox_backlog{mailbox="ana"}')
	start=$(date +%s%N)
	code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$http_port/feed/$token.ics")
	ms=$((($(date +%s%N) - start) / 1000000))
	after=$(metric 'cartera_mailbox_backlog{mailbox="ana"}')
	[ "$code" = 200 ] && feeds=$((feeds + 1))
	[ "$ms" -gt "$limit_ms" ] && slow=$((slow + 1))
	[ "${before:-0}" -gt 0 ] && [ "${after:-0}" -gt 0 ] && during=$((during + 1))
	logged=$(q "SELECT coalesce(sum(logged + unmatched), 0) FROM mailboxes WHERE name = 'ana'")
	[ "${logged:-0}" -ge "$N" ] && break
	sleep 0.05
done
t_assert_eq "$N" "$(q "SELECT logged + unmatched FROM mailboxes WHERE name = 'ana'")" \
	"the whole backlog of $N mails was read"
expect=$(( N - N / 10 ))
t_assert_eq "$expect" "$(q "SELECT count(*) FROM interactions WHERE kind = 'email'")" \
	"every mail with a client logged once ($expect), the unknown senders counted"
t_assert_eq "$N" "$(q "SELECT last_uid FROM mailboxes WHERE name = 'ana'")" "the position is recorded"
[ "$during" -gt 0 ] && t_pass "feeds were fetched while the backlog was read ($during times)" ||
	t_fail "no feed was fetched while the backlog was read"
t_assert_eq 0 "$slow" "no feed request took over $limit_ms ms while the backlog was read"
batches=$(grep -c "mailbox ana: [0-9]* mails read" "$T/carterad.log")
biggest=$(sed -n 's/.*mailbox ana: \([0-9]*\) mails read.*/\1/p' "$T/carterad.log" | sort -n | tail -1)
t_assert_eq 200 "$biggest" "the backlog is read in batches of mail_in.batch"
[ "$batches" -ge $((N / 200)) ] && t_pass "$batches batches" || t_fail "only $batches batches"
t_wait_mail 1 20
[ "$(grep -l '^To: .*ana@example.com' "$SMTP_DIR"/*.eml 2>/dev/null | wc -l)" -ge 1 ] &&
	t_pass "the day's digest went out meanwhile" || t_fail "no digest went out"

# A wrong password: logged once, retried with backoff, shown.
t_wait_for "[ \"\$(metric 'cartera_mailbox_consecutive_failures{mailbox=\"wrong\"}')\" -ge 3 ]" 30 ||
	t_fail "the wrong password was not retried"
t_assert_eq 1 "$(grep -c 'mailbox wrong: login refused' "$T/carterad.log")" "a wrong password is logged once"
t_assert_eq 0 "$(metric 'cartera_mailbox_up{mailbox="wrong"}')" "/metrics: the mailbox is down"
t_assert_eq 1 "$(metric 'cartera_mailbox_up{mailbox="ana"}')" "/metrics: the other one is up"
c status >"$T/status.txt" 2>&1
t_assert_file_contains "$T/status.txt" "^mailbox wrong: FAILING" "status shows the failing mailbox"
t_assert_file_contains "$T/status.txt" "error: +login refused for user ana" "status shows why"
fails=$(grep -c "auth failed" "$T/dovecot/dovecot.log")
[ "$fails" -ge 3 ] && t_pass "the server saw $fails tries" || t_fail "the server saw $fails tries"

# The server down for a day; mail arrives meanwhile; back: nothing lost.
t_dovecot_stop
for i in 1 2 3 4 5; do
	printf 'From: c00%d@client00%d.example\nTo: ana@example.com\nSubject: Mientras caido %d\nDate: Tue, 08 Dec 2026 10:0%d:00 +0100\nMessage-ID: <down-%d@client.example>\n\n\n' \
		"$i" "$i" "$i" "$i" "$i" >"$T/down$i.eml"
	t_dovecot_lda ana INBOX "$T/down$i.eml" 2>>"$T/lda.log" || t_fatal "dovecot-lda while the server is down"
done
t_wait_for "grep -q \"mailbox ana: cannot connect\" \"$T/carterad.log\"" 30 ||
	t_fail "the outage was not noticed"
# Down until ana has failed 12 times: the waits between tries double from
# 30 s and reach retry_max (1800 s) at the 7th, then stay there; about 3.5
# simulated hours, a second.  (It used to sleep a simulated day, 7 s: the
# tries past the cap are all alike.)
t_wait_for "[ \"\$(metric 'cartera_mailbox_consecutive_failures{mailbox=\"ana\"}')\" -ge 12 ]" 30 ||
	t_fail "ana was not retried with backoff while the server was down"
t_start_dovecot
t_wait_for "[ \"\$(q \"SELECT count(*) FROM interactions WHERE note LIKE 'Mientras caido%'\")\" = 5 ]" 30
t_assert_eq 5 "$(q "SELECT count(*) FROM interactions WHERE note LIKE 'Mientras caido%'")" \
	"mail that arrived while the server was down is logged once it is back"
t_assert_eq 1 "$(grep -c 'mailbox ana: cannot connect' "$T/carterad.log")" "the outage is logged once"
t_assert_file_contains "$T/carterad.log" "mailbox ana: read again after" "the recovery is logged"
tries=$(sed -n 's/.*mailbox ana: read again after \([0-9]*\) failed tries.*/\1/p' "$T/carterad.log")
t_assert_ok "the outage lasted 12 tries or more ($tries)" test "${tries:-0}" -ge 12
t_assert_eq "$((expect + 5))" "$(q "SELECT count(*) FROM interactions WHERE kind = 'email'")" \
	"nothing logged twice after the outage"

t_stop "$DPID"
t_assert_eq 0 "$T_STOP_STATUS" "carterad stops cleanly"
t_done
