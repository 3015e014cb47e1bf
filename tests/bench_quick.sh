#!/bin/bash
# bench_quick.sh - bench/run --quick on the build under test, so the
# benchmark harness cannot rot: every measure must produce a figure (no
# timing is judged here; bench/run itself is run by hand, see README).
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
t_init bench_quick
t_require sqlite3 curl smtp-sink smtp-source wrk nginx
out=$T/out
top_builddir=$(cd "${top_builddir:-.}" && pwd) "$T_SRCDIR/bench/run" --quick --out "$out" >"$T/run.log" 2>&1
t_assert_eq 0 $? "bench/run --quick succeeds"
t_assert_file_contains "$out/results.md" '^\| measure \| size \| Cartera \| peer' "results.md has its table"
for m in import import_bulk scan_seconds scan_peak_rss delivery feed_build http_304 http_get \
	idle_cpu_per_minute soak_rss_start soak_rss_end web_today_p99 web_today_rate; do
	t_assert_file_contains "$out/results.csv" "^$m,[0-9]+,[0-9.]+," "a figure for $m"
done
if command -v dovecot >/dev/null || [ -x /usr/sbin/dovecot ]; then
	t_assert_file_contains "$out/results.csv" "^mailin,[0-9]+,[0-9.]+,[0-9.]+," "a figure for mailin"
fi
if grep -q '^pg_scan_seconds,' "$out/results.csv"; then	# PostgreSQL ran: the copy too
	t_assert_file_contains "$out/results.csv" "^pg_copy,[0-9]+,[0-9.]+,[0-9.]+," "a figure for pg_copy"
fi
for m in risk_precision_top10 risk_roc_auc; do	# and the baseline's beside it
	t_assert_file_contains "$out/results.csv" "^$m,[0-9]+,0\.[0-9]+,0\.[0-9]+," "a figure for $m"
done
# --only risk runs that section again and keeps the other rows.
rows=$(wc -l <"$out/results.csv")
top_builddir=$(cd "${top_builddir:-.}" && pwd) "$T_SRCDIR/bench/run" --quick --only risk --out "$out" >"$T/only.log" 2>&1
t_assert_eq 0 $? "bench/run --quick --only risk succeeds"
t_assert_eq "$rows" "$(wc -l <"$out/results.csv")" "the same rows, the risk ones replaced"
t_assert_eq 1 "$(grep -c '^risk_roc_auc,' "$out/results.csv")" "one risk_roc_auc row"
t_assert_file_contains "$out/results.csv" "^import," "the import rows kept"
t_assert_file_contains "$out/results.md" '^The risk_\* rows: `bench/run --only risk` on ' "results.md says which run the risk rows are from"
t_done
