#!/bin/bash
# due_top.sh - "cartera due" keeps only the clients a digest shows (the
# first digest.max_items of each list, counting the rest): the same
# items, in the same order, and the same counts as the whole lists
# ("due --all") give, on a generated portfolio with lists far longer
# than what is shown.
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
t_init due_top
[ -x "$T_PYTHON" ] || t_skip "$T_PYTHON not found"

CARTERA=${top_builddir:-.}/cartera
export TZ=UTC
t_generated "$T/a.db" due_top --clients 2000 --owners 4 --seed 11 --now 2026-11-24
DB=$T_GEN_DB
for max in 1 7 50; do
	cat >"$T/a.conf" <<CONF
database = "$DB";
templates = "$T_SRCDIR/etc/templates";
digest: { max_items = $max; };
http: { port = 0; };
CONF
	c() { "$CARTERA" -c "$T/a.conf" --now "2026-11-24 10:00Z" --json "$@"; }
	c due >"$T/top$max.json" || t_fatal "cartera due (max_items $max)"
	c due --all >"$T/all$max.json" || t_fatal "cartera due --all (max_items $max)"
	"$T_PYTHON" - "$T/top$max.json" "$T/all$max.json" "$max" >"$T/cmp$max.out" 2>&1 <<'PY'
import json, sys
top = json.load(open(sys.argv[1]))
every = json.load(open(sys.argv[2]))
m = int(sys.argv[3])
assert len(top) == len(every) == 4, (len(top), len(every))
longest = 0
for t, a in zip(top, every):
    assert t["owner"]["email"] == a["owner"]["email"]
    for k in ("red", "yellow", "green", "inactive"):
        ts, al = t[k], a[k]
        assert ts["count"] == al["count"] == len(al["items"]), (k, ts["count"], al["count"])
        assert ts["items"] == al["items"][:m], (k, "items differ")
        assert ts["more"] == al["count"] - min(m, al["count"]), (k, ts["more"])
        longest = max(longest, al["count"])
    # The invoices: the first m of all, counted and totalled in full.
    ti, ai = t["invoices"], a["invoices"]
    assert ti["count"] == ai["count"] == len(ai["items"]), ("invoices", ti["count"], ai["count"])
    assert ti["items"] == ai["items"][:m], ("invoices", "items differ")
    assert ti["more"] == ai["count"] - min(m, ai["count"]), ("invoices", ti["more"])
    assert ti["totals"] == ai["totals"] and ti["total"] == ai["total"], ("invoices", "totals")
    longest = max(longest, ai["count"])
    assert t["nothing_due"] == a["nothing_due"]
assert longest > 3 * m, ("lists too short to test", longest)
print("ok", longest)
PY
	t_assert_ok "max_items $max: the first items and the counts of the whole lists" \
		grep -q '^ok' "$T/cmp$max.out"
	t_assert_ok "max_items $max: nothing else" test "$(wc -l <"$T/cmp$max.out")" -eq 1
done

# A client red for an invoice that the invoices section does not show
# (max_items 1 shows the oldest, another client's) is still told its
# invoice's number: the scan copies numbers for the invoices shown only.
cat >"$T/b.conf" <<CONF
database = "$T/b.db";
templates = "$T_SRCDIR/etc/templates";
digest: { max_items = 1; };
alerts: { overdue_invoice_days = 30; };
CONF
b() { "$CARTERA" -c "$T/b.conf" --now "$1" -q "${@:2}"; }
B0="2026-08-01 09:00Z"
b "$B0" init && b "$B0" owner add ana@example.com --name Ana --tz UTC --lang en >/dev/null ||
	t_fatal "setup of b.db"
# Alba: red since her next contact (11-20), owing the oldest invoice;
# Bruno: a next contact to come, red since his invoice passed 30 days
# overdue (10-16), so first in the red list.
b "$B0" client add "Alba Oldest Debt" --owner ana@example.com \
	--next-contact 2026-11-20 >/dev/null &&
	b "$B0" client add "Bruno Due First" --owner ana@example.com \
	--next-contact 2026-12-20 >/dev/null &&
	b "$B0" invoice add "Alba Oldest Debt" 10 --issued 2026-08-01 --due 2026-09-01 --number OLD-1 &&
	b "$B0" invoice add "Bruno Due First" 20 --issued 2026-08-01 --due 2026-09-15 --number NEWER-2 ||
	t_fatal "setup of b.db clients"
b "2026-11-24 10:00Z" --json due --owner ana@example.com >"$T/b.json" || t_fatal "due on b.db"
t_assert_eq "OLD-1|Bruno Due First|invoice|NEWER-2" "$("$T_PYTHON" -c '
import json, sys
d = json.load(open(sys.argv[1]))
inv = d["invoices"]["items"]
red = d["red"]["items"]
print(inv[0]["number"], red[0]["name"], red[0]["reason_code"],
      "NEWER-2" if "NEWER-2" in red[0]["line"] else red[0]["line"], sep="|")' "$T/b.json")" \
	"the red client's invoice number, its invoice not among those shown"
t_done
