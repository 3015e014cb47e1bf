#!/bin/bash
# risk_owners.sh - the weekly "clients most at risk" of every owner, as
# "cartera due" gives them for all owners at once (one pass over every
# client's history for the owners of a zone holding many of them), is the
# same list as each owner's own digest reads (its clients alone), also
# when the history is read in client-id ranges on several threads, and as
# carterad's Monday digests list them (the owners due in one cycle share
# one memo), on a generated portfolio whose owners live in several zones.
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
t_init risk_owners
t_require sqlite3
[ -x "$T_PYTHON" ] || t_skip "$T_PYTHON not found"

CARTERA=${top_builddir:-.}/cartera
export TZ=UTC
A=$T/a.db
cat >"$T/a.conf" <<CONF
database = "$A";
templates = "$T_SRCDIR/etc/templates";
http: { port = 0; };
CONF
# 2026-11-23 is a Monday: the first working day of the week has the list.
t_generated "$A" risk --clients 3000 --owners 12 --seed 7 --now 2026-11-23
DB=$T_GEN_DB
sed -i "s|^database = .*|database = \"$DB\";|" "$T/a.conf"
c() { "$CARTERA" -c "$T/a.conf" --now "2026-11-23 10:00Z" --json "$@"; }

zones=$(t_sql "$A" "SELECT count(DISTINCT tz) FROM owners")
t_assert_ok "the owners live in several zones ($zones)" test "$zones" -ge 2
c due >"$T/all.json" || t_fatal "cartera due"
# The history and the overdue invoices read in client-id ranges on
# several threads (as for a large portfolio) give the same lists, byte
# for byte.
CARTERA_PASS_MIN_CLIENTS=1 c due >"$T/ranges.json" || t_fatal "cartera due in ranges"
t_assert_ok "the history read in ranges on several threads gives the same digests" \
	cmp "$T/all.json" "$T/ranges.json"
if [ "$DB" != "$A" ]; then
	# PostgreSQL reads the history through cursors, some rows at a time
	# (its 15,000 invoices take several fetches): the same digests as
	# SQLite gives from the portfolio they were copied from.
	"$CARTERA" -c "$T/a.conf" -d "$A" --now "2026-11-23 10:00Z" --json due >"$T/lite.json" ||
		t_fatal "cartera due on SQLite"
	t_assert_ok "PostgreSQL gives the digests SQLite gives" cmp "$T/lite.json" "$T/all.json"
fi
for e in $(t_sql "$A" "SELECT email FROM owners ORDER BY id"); do
	c due --owner "$e" >"$T/one-$e.json" || t_fatal "cartera due --owner $e"
done
"$T_PYTHON" - "$T" >"$T/cmp.out" 2>&1 <<'PY'
import glob, json, os, sys
d = sys.argv[1]
full = {o["owner"]["email"]: o for o in json.load(open(os.path.join(d, "all.json")))}
every = {e: o["risk"] for e, o in full.items()}
bad = listed = invoices = 0
for f in sorted(glob.glob(os.path.join(d, "one-*.json"))):
    one = json.load(open(f))
    e = one["owner"]["email"]
    listed += len(one["risk"]["items"])
    if every.get(e) != one["risk"]:
        bad += 1
        print("differs:", e, json.dumps(every.get(e)), json.dumps(one["risk"]))
    # Overdue invoices: everyone's read by due day and sorted by client
    # in memory, or the owner's own read by client; the same sections.
    invoices += one["invoices"]["count"]
    for k in ("invoices", "red"):
        if full.get(e, {}).get(k) != one[k]:
            bad += 1
            print("differs:", e, k)
print("owners", len(every), "differing", bad, "listed", listed)
sys.exit(1 if bad or not listed or not invoices or len(every) != 12 else 0)
PY
t_assert_eq 0 $? "every owner's risk list, invoices and red list are the same read alone or with all owners at once"
t_assert_file_contains "$T/cmp.out" "owners 12 differing 0" "all twelve owners compared"

# carterad's own Monday: the digests due in one cycle read their lists
# through one memo too (a zone holding most owners in one pass); each
# digest of the Monday lists, line for line, what the owner's own read
# gives.  (SMTP down: the digests stay queued, as written.)
cat >"$T/d.conf" <<CONF
user = "root";
database = "$DB";
templates = "$T_SRCDIR/etc/templates";
http: { port = 0; };
smtp: { url = "smtp://127.0.0.1:$(t_free_port)"; starttls = "none"; from = "c@example.com"; timeout = 1; };
CONF
"${top_builddir:-.}/carterad" -c "$T/d.conf" --once --now "2026-11-23 23:30:00Z" >"$T/d.log" 2>&1 ||
	t_fatal "carterad --once"
for e in $(t_sql "$A" "SELECT email FROM owners ORDER BY id"); do
	t_sql "$DB" "SELECT body_text FROM outbox WHERE to_addr = '$e' AND idem_key LIKE '%:2026-11-23'" \
		>"$T/body-$e.txt"
done
"$T_PYTHON" - "$T" >"$T/daemon.out" 2>&1 <<'PY'
import glob, json, os, sys
d = sys.argv[1]
bad = owners = lines = 0
for f in sorted(glob.glob(os.path.join(d, "one-*.json"))):
    one = json.load(open(f))
    body = open(os.path.join(d, "body-" + one["owner"]["email"] + ".txt")).read()
    if not body.strip():
        continue
    owners += 1
    at = 0
    for item in one["risk"]["items"]:
        want = "  - %s: %s" % (item["name"], item["line"])
        k = body.find(want, at)
        if k < 0:
            bad += 1
            print("missing or out of order:", one["owner"]["email"], want)
            break
        at = k + len(want)
        lines += 1
print("owners", owners, "differing", bad, "lines", lines)
sys.exit(1 if bad or owners < 6 or not lines else 0)
PY
t_assert_eq 0 $? "carterad's Monday digests list each owner's risk list as read alone ($(tail -n 1 "$T/daemon.out"))"
t_done
