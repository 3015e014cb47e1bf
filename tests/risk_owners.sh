#!/bin/bash
# risk_owners.sh - the weekly "clients most at risk" of every owner, as
# "cartera due" gives them for all owners at once (one pass over every
# client's history for the owners of a zone holding many of them), is the
# same list as each owner's own digest reads (its clients alone), also
# when the history is read in client-id ranges on several threads, on a
# generated portfolio whose owners live in several zones.
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
"$CARTERA" -d "$A" -q init || t_fatal "init"
# 2026-11-23 is a Monday: the first working day of the week has the list.
"$T_PYTHON" "$T_SRCDIR/contrib/gen-portfolio" --db "$A" --clients 3000 --owners 12 \
	--seed 7 --now 2026-11-23 --quiet || t_fatal "gen-portfolio"
DB=$A
if [ "$(t_engine)" = pg ]; then
	DB=$(t_db risk)
	"$CARTERA" -d "$A" copy --to "$DB" >"$T/copy.out" 2>&1 || t_fatal "copy to PostgreSQL"
fi
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
every = {o["owner"]["email"]: o["risk"] for o in json.load(open(os.path.join(d, "all.json")))}
bad = listed = 0
for f in sorted(glob.glob(os.path.join(d, "one-*.json"))):
    one = json.load(open(f))
    e = one["owner"]["email"]
    listed += len(one["risk"]["items"])
    if every.get(e) != one["risk"]:
        bad += 1
        print("differs:", e, json.dumps(every.get(e)), json.dumps(one["risk"]))
print("owners", len(every), "differing", bad, "listed", listed)
sys.exit(1 if bad or not listed or len(every) != 12 else 0)
PY
t_assert_eq 0 $? "every owner's risk list is the same read alone or with all owners at once"
t_assert_file_contains "$T/cmp.out" "owners 12 differing 0" "all twelve owners compared"
t_done
