#!/bin/bash
# pg_daemons.sh - two carterad on one PostgreSQL database (a real server
# started here), 2,000 digests due at once, delivered to tests/smtpd.py:
# each digest queued once and delivered once; one daemon killed with
# SIGKILL in the middle of a batch, the other takes its claimed messages
# over when the claim runs out and finishes: nothing lost, and a message
# sent twice only in the documented window (the one the killed daemon had
# handed to the SMTP server and not yet recorded: at most one).  Both
# serve the feeds, and a change made with the CLI reaches both through
# LISTEN/NOTIFY.
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
t_init pg_daemons
pg_start
# PostgreSQL whatever the engine under test: make check runs it already.
t_skip_engine pg "runs in make check already"
t_require curl

CARTERA=${top_builddir:-.}/cartera
CARTERAD=${top_builddir:-.}/carterad
export TZ=UTC
N=${PG_DAEMONS_DIGESTS:-2000}
# B waits the lease out for A's claims: short (renewed every quarter of
# it, it need only outlast one message, milliseconds here).
LEASE=2
t_start_smtpd
# Each message takes a few milliseconds more: the batch lasts long
# enough to kill a daemon in the middle of it.
t_smtp_control '{"delay": {"data": 0.008}}'

DB=$(pg_createdb multi)
"$CARTERA" -d "$DB" -q init || t_fatal "init"
# N salespeople whose digest is due at 08:00 UTC (written in one statement:
# the CLI would take a while), and one client with a planned call.
pg_sql "$DB" "INSERT INTO owners (email, name, tz, digest_at, lang, feed_token, active,
	created_at, updated_at)
	SELECT 'o' || i || '@example.com', 'Owner ' || i, 'UTC', '08:00', 'en',
	md5('feed' || i), 1, 0, 0 FROM generate_series(1, $N) i" ||
	t_fatal "owners"
"$CARTERA" -d "$DB" -q --now "2026-03-10 07:00:00Z" client add "Cliente Uno" \
	--owner o1@example.com || t_fatal "client"

PORT_A=$(t_free_port)
PORT_B=$(t_free_port)
conf() {	# conf FILE PORT
	cat >"$1" <<EOF
user = "root";
database = "$DB";
web: { key_file = "$T/web.key"; };	# (a server database has no directory to hold it)
templates = "$T_SRCDIR/etc/templates";
http: { listen = "127.0.0.1"; port = $2; };
smtp: {
	url = "smtp://127.0.0.1:$SMTP_PORT";
	starttls = "none";
	from = "Cartera <cartera@example.com>";
	timeout = 10;
	batch = 50;
	lease = $LEASE;
};
digest: { send_empty = true; };
EOF
}
conf "$T/a.conf" "$PORT_A"
conf "$T/b.conf" "$PORT_B"
pending() { pg_sql "$DB" "SELECT count(*) FROM outbox WHERE status = 'pending'"; }

# Both start at 08:00:05 UTC, their clocks running on.
t_start_bg -v PID_A -l "$T/a.log" "$CARTERAD" -c "$T/a.conf" -f --now "2026-03-10 08:00:05Z"
t_start_bg -v PID_B -l "$T/b.log" "$CARTERAD" -c "$T/b.conf" -f --now "2026-03-10 08:00:05Z"
# Until both deliver, and A holds claims.
a_claims() {
	pg_sql "$DB" "SELECT count(*) FROM outbox WHERE status = 'pending'
		AND lease_until IS NOT NULL AND claimed_by LIKE '% $PID_A %'"
}
t_wait_for "[ \$(grep -c 'sent: ' '$T/a.log') -ge 20 ] && [ \$(grep -c 'sent: ' '$T/b.log') -ge 20 ] &&
	[ \$(a_claims) -gt 0 ]" 120 ||
	t_fatal "the two daemons did not both deliver ($(t_mail_count) delivered)"

# Both serve the feeds.
token=$(pg_sql "$DB" "SELECT feed_token FROM owners WHERE email = 'o1@example.com'")
for p in "$PORT_A" "$PORT_B"; do
	t_assert_eq 200 "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
		"http://127.0.0.1:$p/feed/$token.ics")" "the daemon on port $p serves the feed"
done

# Kill A in the middle of its batch: it holds claimed messages.  A daemon
# of this host that died is seen dead at once (its pid is gone); one of
# another machine only when its claim runs out: A's claims are made to look
# like those of another machine (A stopped meanwhile), so that B must wait
# for the lease.
kill -STOP "$PID_A"
claimed=$(pg_sql "$DB" "SELECT count(*) FROM outbox WHERE status = 'pending'
	AND lease_until IS NOT NULL AND claimed_by LIKE '% $PID_A %'")
# (Rows A holds locked in a transaction it was stopped in are skipped, not
# waited for: they stay A's, seen dead at once after the kill.)
pg_sql "$DB" "UPDATE outbox SET claimed_by = 'elsewhere 1 gone' WHERE id IN
	(SELECT id FROM outbox WHERE status = 'pending' AND claimed_by LIKE '% $PID_A %'
	FOR UPDATE SKIP LOCKED)" >/dev/null
t_stop "$PID_A" KILL
at_kill=$(t_mail_count)
# The batch has been interrupted: B delivers the rest without the delay
# (2,000 messages at 8 ms each were 16 s of waiting).
t_smtp_control '{}'
t_assert_ok "A was killed in the middle of a batch ($claimed messages claimed, $at_kill delivered)" \
	test "$claimed" -gt 0

# B finishes, A's claims included once they run out.
t_wait_for "[ \"\$(pending)\" = 0 ] && [ \"\$(t_mail_count)\" -ge $N ]" 180 ||
	t_fail "B did not finish: $(pending) pending, $(t_mail_count) delivered"
# (Nothing is pending: every message's 250, and so its event, has come.)
t_assert_eq 0 "$(pending)" "nothing left in the outbox"
t_assert_eq "$N $N" "$(pg_sql "$DB" "SELECT count(*), count(DISTINCT owner_id) FROM outbox" | tr '|' ' ')" \
	"each of the $N digests queued exactly once by the two daemons"
t_assert_eq "$N" "$(pg_sql "$DB" "SELECT count(*) FROM outbox WHERE status = 'sent'")" \
	"every digest recorded as sent"
t_smtp_events message >"$T/messages.jsonl"
"$T_PYTHON" - "$T/messages.jsonl" "$N" >"$T/tally" <<'PY'
import json, sys, collections
rcpts = collections.Counter()
for line in open(sys.argv[1]):
    for r in json.loads(line)["rcpt_tos"]:
        rcpts[r] += 1
n = int(sys.argv[2])
want = {"o%d@example.com" % i for i in range(1, n + 1)}
print(len(want - set(rcpts)), sum(c - 1 for c in rcpts.values() if c > 1), len(set(rcpts) - want))
PY
read -r missing dups extra <"$T/tally"
t_assert_eq 0 "$missing" "every salesperson got the digest (nothing lost)"
t_assert_eq 0 "$extra" "no digest to anybody else"
t_assert_ok "sent twice: $dups, at most the one the killed daemon had in flight" test "$dups" -le 1
sent_a=$(grep -c 'sent: ' "$T/a.log")
sent_b=$(grep -c 'sent: ' "$T/b.log")
t_assert_ok "both daemons delivered (A $sent_a, B $sent_b before and after the kill)" \
	test "$sent_a" -gt 0 -a "$sent_b" -gt 0
t_assert_file_contains "$T/b.log" "sent" "B delivered after A died"

# A change made with the CLI reaches B at once (LISTEN/NOTIFY): the feed
# it serves shows a call planned now.
"$CARTERA" -d "$DB" -q --now "2026-03-10 08:05:00Z" plan "Cliente Uno" call \
	--at "2026-03-12 10:00" --tz UTC --note "notified" || t_fail "plan"
t_wait_for "curl -s --max-time 5 'http://127.0.0.1:$PORT_B/feed/$token.ics' | grep -q 'notified'" 10 &&
	t_pass "B's feed shows a call planned with the CLI within seconds (NOTIFY, no polling)" ||
	t_fail "B's feed did not show the new call"

t_done
