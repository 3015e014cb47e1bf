#!/bin/bash
# faults_kill.sh - SIGKILL at random points, with the real CLI and daemon,
# tests/smtpd.py on loopback and sqlite3 (psql) to look at what is left:
#  - during `cartera import` of a 20,000-row CSV (4,000 on PostgreSQL): the database passes
#    PRAGMA integrity_check (PostgreSQL: cartera check) and holds either none or all of the rows,
#    never part of them, and the import then works;
#  - during carterad's scan-and-queue phase (50 salespeople with 400
#    clients each, a new day at every run, the SMTP server down): no day
#    recorded without its digest, nothing queued twice, nothing lost;
#  - during sending (the SMTP server up, a little slow): after the last
#    run every queued digest was delivered, a message twice only when a
#    kill caught it in flight (at most one copy per kill), integrity ok.
#    Each message takes at least 20 ms on the wire, so a kill window of
#    at most a second cannot send the whole backlog however fast or
#    loaded the machine is: every kill lands mid-backlog.
# The kill points come from $RANDOM seeded with $SEED (printed; set SEED to
# replay a run), as fractions of the time the uninterrupted work takes
# here.  ITERATIONS (default 6; contrib/run-tests, the CI, uses 15) kills
# of each kind.  On PostgreSQL (make check-pg) the database is copied as
# a template database where the SQLite file is copied.
# shellcheck disable=SC2016 # t_wait_for conditions are expanded by eval, at each poll
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
t_init faults_kill
[ "$(t_engine)" = sqlite ] && t_require sqlite3

CARTERA=${top_builddir:-.}/cartera
CARTERAD=${top_builddir:-.}/carterad
export TZ=UTC
unset CARTERA_DB
SEED=${SEED:-20260310}
ITERATIONS=${ITERATIONS:-6}
RANDOM=$SEED
echo "# SEED=$SEED ITERATIONS=$ITERATIONS"
ROWS=20000
# (A row is a few round trips to a PostgreSQL server: 20,000 take most of
# a minute there, and all or nothing does not depend on the count.)
[ "$(t_engine)" = pg ] && ROWS=4000
OWNERS=50
DB=$(t_db c) || t_fatal "no database"

# shellcheck disable=SC2119 # no arguments: a plain server
t_start_smtpd
CLOSED=$(t_free_port)
for port in "$SMTP_PORT" "$CLOSED"; do
	cat >"$T/$port.conf" <<EOF
user = "root";
database = "$DB";
templates = "$T_SRCDIR/etc/templates";
http: { port = 0; };
smtp: {
	url = "smtp://127.0.0.1:$port";
	starttls = "none";
	from = "Cartera <cartera@example.com>";
	timeout = 5;
	max_age = 8640000;
};
digest: { send_empty = true; };
EOF
done
UP=$T/$SMTP_PORT.conf
DOWN=$T/$CLOSED.conf
c() { "$CARTERA" -c "$UP" -q "$@"; }
ms() { date +%s%3N; }
q() { t_sql "$DB" "$1"; }
if [ "$(t_engine)" = pg ]; then
	# The server keeps its files whole; what is left to check is the schema.
	integrity() { "$CARTERA" -d "$1" -q check >/dev/null 2>&1 && echo ok || echo "cartera check failed"; }
	PGADMIN=$(t_db_name postgres)
	# save NAME: a copy of the database; restore NAME: the database as saved
	# (a killed client's server process may linger a moment: ended first).
	pg_quiet() {
		pg_sql "$PGADMIN" "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE datname = 'c' AND pid <> pg_backend_pid()" >/dev/null
	}
	save() {
		pg_quiet
		pg_sql "$PGADMIN" "DROP DATABASE IF EXISTS $1" &&
			pg_sql "$PGADMIN" "CREATE DATABASE $1 TEMPLATE c" || t_fatal "save $1"
	}
	restore() {
		pg_sql "$PGADMIN" "DROP DATABASE c WITH (FORCE)" &&
			pg_sql "$PGADMIN" "CREATE DATABASE c TEMPLATE $1" || t_fatal "restore $1"
	}
else
	integrity() { sqlite3 "$1" "PRAGMA integrity_check"; }
	save() { cp "$DB" "$T/$1.db" || t_fatal "copy"; }
	restore() { rm -f "$DB" "$DB-wal" "$DB-shm"; cp "$T/$1.db" "$DB" || t_fatal "copy"; }
fi
# pick MAX: a kill point in ms, uniform in [0, MAX).
pick() { echo $(((RANDOM * 32768 + RANDOM) % $1)); }
# killed_after MS CMD...: run CMD, SIGKILL it after MS ms (if still running).
# Sets KILLED=1 if the kill landed.
killed_after() {
	local delay=$1 pid
	shift
	"$@" >>"$T/killed.log" 2>&1 &
	pid=$!
	sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
	KILLED=0
	kill -KILL "$pid" 2>/dev/null && KILLED=1
	wait "$pid" 2>/dev/null
	return 0
}

# ------------------------------------------------------------- the data
c --now "2026-01-01 00:00Z" init || t_fatal "init"
for ((i = 1; i <= OWNERS; i++)); do
	c --now "2026-01-01 00:00Z" owner add "$(printf 'o%03d@example.com' "$i")" \
		--name "Owner $i" --tz UTC --digest-at 08:00 --lang en || t_fatal "owner add"
done
for i in 1 2 3; do c --now "2026-01-01 00:00Z" client add "Old client $i" --owner o001@example.com || t_fatal "client"; done
"$T_PYTHON" - "$T/big.csv" "$ROWS" "$OWNERS" <<'EOF' || t_fatal "csv"
import csv, random, sys
path, rows, owners = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
r = random.Random(7)
with open(path, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["nombre", "tipo", "estado", "segmento", "correo", "teléfono", "localidad",
                "comercial", "notas"])
    for i in range(rows):
        w.writerow(["Cliente %05d, S.L." % i, "empresa", r.choice(["activo", "potencial"]),
                    r.choice(["A", "B", "C"]), "compras%d@cliente%d.example" % (i, i),
                    "+34 600 %06d" % i, r.choice(["Madrid", "Sevilla", "Bilbao", "A Coruña"]),
                    "o%03d@example.com" % (i % owners + 1), "nota; con \"comillas\"\n" * r.randint(1, 5)])
EOF
OLD=$(q "SELECT count(*) FROM clients")
save base

# ------------------------------------------------- kill during the import
# How long an uninterrupted import takes here (the kill points scale).
start=$(ms)
c --now "2026-01-02 00:00Z" import "$T/big.csv"
t_assert_eq 0 $? "import: an uninterrupted import succeeds"
D=$(($(ms) - start))
t_assert_eq $((OLD + ROWS)) "$(q "SELECT count(*) FROM clients")" "import: all $ROWS rows ($D ms)"
save imported
none=0 all=0 bad=0 corrupt=0
for ((k = 1; k <= ITERATIONS; k++)); do
	restore base
	at=$(pick $((D * 12 / 10)))
	killed_after "$at" "$CARTERA" -c "$UP" -q --now "2026-01-02 00:00Z" import "$T/big.csv"
	n=$(q "SELECT count(*) FROM clients" 2>&1)
	[ "$(integrity "$DB")" = ok ] || { corrupt=$((corrupt + 1)); echo "# import kill $k at $at ms: integrity_check: $(integrity "$DB" | head -3)"; }
	case $n in
	"$OLD") none=$((none + 1)) ;;
	"$((OLD + ROWS))") all=$((all + 1)) ;;
	*) bad=$((bad + 1)); echo "# import kill $k at $at ms: $n clients" ;;
	esac
done
echo "# import: $ITERATIONS kills: $none before the commit, $all after it"
t_assert_eq 0 "$corrupt" "import: integrity_check ok after every kill"
t_assert_eq 0 "$bad" "import: never part of the rows ($none none, $all all)"
t_assert_ok "import: some kills landed before the commit ($none)" test "$none" -gt 0
# The database a kill left behind takes the import.
t_assert_ok "import: the import works after a kill" c --now "2026-01-02 00:00Z" import "$T/big.csv"
t_assert_eq $((OLD + ROWS)) "$(q "SELECT count(*) FROM clients")" "import: and holds every row once"
t_assert_ok "import: cartera check" c check

# ------------------------------------ kill during the scan-and-queue phase
# A new day at each run, the SMTP server down: each run scans every owner,
# queues a digest each and fails to deliver.
restore imported
day() { date -u -d "2026-03-10 + $1 days" +%F; }
start=$(ms)
"$CARTERAD" -c "$DOWN" --once --now "$(day 0) 08:00:00Z" >>"$T/carterad.log" 2>&1
t_assert_eq 0 $? "scan: an uninterrupted run succeeds"
D=$(($(ms) - start))
t_assert_eq "$OWNERS" "$(q "SELECT count(*) FROM outbox")" "scan: one digest per owner queued ($D ms)"
landed=0
for ((k = 1; k <= ITERATIONS; k++)); do
	at=$(pick $((D * 11 / 10)))
	killed_after "$at" "$CARTERAD" -c "$DOWN" --once --now "$(day "$k") 08:00:00Z"
	landed=$((landed + KILLED))
	[ "$(integrity "$DB")" = ok ] || t_fail "scan: integrity_check after kill $k at $at ms"
done
t_assert_eq ok "$(integrity "$DB")" "scan: integrity_check ok after $ITERATIONS kills ($landed while running)"
queued=$(q "SELECT count(*) FROM outbox")
echo "# scan: $queued digests queued over $((ITERATIONS + 1)) days"
t_assert_ok "scan: some kills landed mid-way ($queued < $((OWNERS * (ITERATIONS + 1))))" \
	test "$queued" -lt $((OWNERS * (ITERATIONS + 1)))
t_assert_eq 0 "$(q "SELECT count(*) FROM owners o WHERE last_digest_day IS NOT NULL AND NOT EXISTS (SELECT 1 FROM outbox x WHERE x.idem_key = 'digest:' || o.id || ':' || o.last_digest_day)")" \
	"scan: no day recorded as done without its digest"
t_assert_eq 0 "$(q "SELECT count(*) FROM (SELECT owner_id, substr(idem_key, length(idem_key) - 9) FROM outbox GROUP BY 1, 2 HAVING count(*) > 1) AS d")" \
	"scan: no owner has two digests for one day"
t_assert_eq 0 "$(q "SELECT count(*) FROM outbox WHERE status = 'sent'")" "scan: nothing was sent (the server is down)"

# ----------------------------------------------- kill during the sending
# The server is back (20 ms per message after DATA); each run is killed a
# little after it starts delivering the backlog.
t_smtp_control '{"delay": {"data": 0.02}}'
last=$(day "$ITERATIONS")
before=$(t_mail_count)
killed_after $((400 * T_SLOW)) "$CARTERAD" -c "$UP" --once --now "$last 09:00:00Z"
landed=$KILLED
rate=$(($(t_mail_count) - before))
# Kill points up to WINDOW ms: on average the kills leave half the backlog.
backlog=$(q "SELECT count(*) FROM outbox WHERE status = 'pending'")
window=$((rate > 0 ? backlog * 400 * T_SLOW / (rate * ITERATIONS) : 600 * T_SLOW))
[ "$window" -gt 50 ] || window=50
[ "$window" -le $((1000 * T_SLOW)) ] || window=$((1000 * T_SLOW))
echo "# send: $rate messages in the first $((400 * T_SLOW)) ms of a run; $backlog left; kills within $window ms"
# The first run's rate includes starting up and is noisy on a loaded
# machine: the window adapts so that each kill takes about half its
# share of the backlog (a run that sends much more narrows it, one that
# sends nothing widens it).
share=$((backlog / (2 * ITERATIONS) > 0 ? backlog / (2 * ITERATIONS) : 1))
for ((k = 1; k <= ITERATIONS; k++)); do
	at=$(pick "$window")
	p0=$(q "SELECT count(*) FROM outbox WHERE status = 'pending'")
	killed_after "$at" "$CARTERAD" -c "$UP" --once --now "$last 09:00:$(printf '%02d' "$k")Z"
	landed=$((landed + KILLED))
	[ "$(integrity "$DB")" = ok ] || t_fail "send: integrity_check after kill $k at $at ms"
	sent=$((p0 - $(q "SELECT count(*) FROM outbox WHERE status = 'pending'")))
	if [ "$sent" -gt $((2 * share)) ]; then
		window=$((window * 2 / 3 > 50 ? window * 2 / 3 : 50))
	elif [ "$sent" -eq 0 ]; then
		window=$((window * 3 / 2 < 1000 * T_SLOW ? window * 3 / 2 : 1000 * T_SLOW))
	fi
done
kills=$landed
pending=$(q "SELECT count(*) FROM outbox WHERE status = 'pending'")
echo "# send: $kills kills landed; $pending messages still pending"
t_assert_ok "send: the kills interrupted the backlog" test "$pending" -gt 0
# The last run is not killed: it delivers the rest without the delay
# (which kept the kills mid-backlog; 200 messages at 20 ms were 4 s).
t_smtp_control '{}'
"$CARTERAD" -c "$UP" --once --now "$last 10:00:00Z" >>"$T/carterad.log" 2>&1
t_assert_eq 0 $? "send: the last run, uninterrupted, succeeds"
t_assert_eq ok "$(integrity "$DB")" "send: integrity_check ok"
# (The first run of the last day also queued that day's digests the
# scan-phase kill had prevented.)
t_assert_eq 0 "$(q "SELECT count(*) FROM outbox WHERE status != 'sent'")" \
	"send: every queued digest is recorded as sent"
t_assert_eq "$OWNERS" "$(q "SELECT count(*) FROM outbox WHERE idem_key LIKE '%:$last'")" \
	"send: every owner's digest of the last day was queued"
# On the wire: every message at least once, copies only from kills.
q "SELECT message_id FROM outbox" | sort >"$T/queued.ids"
grep -h -m1 -i '^Message-ID:' "$SMTP_DIR"/*.eml | sed 's/^[^:]*: *//; s/\r$//' | sort >"$T/wire.ids"
t_assert_eq "" "$(comm -23 "$T/queued.ids" <(sort -u "$T/wire.ids") | head -5)" "send: nothing lost: every digest arrived"
t_assert_eq "" "$(comm -13 "$T/queued.ids" <(sort -u "$T/wire.ids") | head -5)" "send: nothing arrived that was not queued"
copies=$(($(wc -l <"$T/wire.ids") - $(sort -u "$T/wire.ids" | wc -l)))
echo "# send: $copies duplicate(s) on the wire for $kills kill(s) during sending"
t_assert_ok "send: at most one duplicate per kill ($copies <= $kills)" test "$copies" -le "$kills"

t_done
