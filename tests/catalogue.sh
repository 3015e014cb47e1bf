#!/bin/bash
# catalogue.sh - every message of the cartera command is translated
# (issue 14): each source file with messages marked for translation is in
# po/POTFILES.in; every message xgettext finds there has a translation,
# not fuzzy, in po/es.po and po/en.po; and no message a user reads is left
# unmarked in those files (a printf-like call whose format is an English
# literal without _()).  The translations are checked against a template
# extracted here from the sources, not against a po/cartera.pot that
# might be stale.
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
t_init catalogue
t_require xgettext msgmerge msgattrib
cd "$T_SRCDIR" || t_fatal "no source directory"

# --- POTFILES.in lists every file with marked messages, and only files
missing=""
for f in daemon/*.c; do
	grep -qE '(^|[^A-Za-z0-9_])(N?C?_)\(' "$f" || continue
	grep -qx "$f" po/POTFILES.in || missing="$missing $f"
done
t_assert_eq "" "$missing" "po/POTFILES.in lists every source file with _(), N_() or C_()"
gone=""
for f in $(grep -v '^#' po/POTFILES.in); do
	[ -f "$f" ] || gone="$gone $f"
done
t_assert_eq "" "$gone" "every file of po/POTFILES.in exists"

# --- every message extracted is translated in es.po and en.po
# The options of po/Makevars (continuation lines joined), as make update-po.
opts=$(sed -n '/^XGETTEXT_OPTIONS *=/,/[^\\]$/p' po/Makevars | sed 's/^XGETTEXT_OPTIONS *=//; s/\\$//' |
	tr '\n' ' ')
[ -n "$opts" ] || t_fatal "no XGETTEXT_OPTIONS in po/Makevars"
# shellcheck disable=SC2086  # the options are words
xgettext $opts --default-domain=cartera --directory="$T_SRCDIR" \
	--files-from=po/POTFILES.in -o "$T/cartera.pot" 2>"$T/xgettext.err" ||
	t_fatal "xgettext failed: $(cat "$T/xgettext.err")"
total=$(grep -c '^msgid ' "$T/cartera.pot")
[ "$total" -gt 100 ] && t_pass "$((total - 1)) messages extracted" ||
	t_fail "only $total messages extracted"
for lang in es en; do
	msgmerge --quiet --no-wrap --no-fuzzy-matching -o "$T/$lang.po" "po/$lang.po" \
		"$T/cartera.pot" 2>"$T/merge.err" || t_fatal "msgmerge $lang: $(cat "$T/merge.err")"
	msgattrib --untranslated --no-obsolete --no-wrap "$T/$lang.po" |
		sed -n 's/^msgid "\(..*\)"$/\1/p; s/^msgctxt "\(.*\)"$/[\1]/p' >"$T/$lang.untranslated"
	msgattrib --only-fuzzy --no-obsolete --no-wrap "$T/$lang.po" |
		sed -n 's/^msgid "\(..*\)"$/\1/p' >>"$T/$lang.untranslated"
	t_assert_eq "" "$(head -20 "$T/$lang.untranslated")" \
		"po/$lang.po translates every message of the sources ($(wc -l <"$T/$lang.untranslated") left)"
done

# --- no message left unmarked: a printf-like call (printf, fprintf,
# fputs, snprintf into an error, cli_failf, cli_usage) with an English
# literal as its format.  Formats without words ("%s (#%lld)"), SQL and
# the few literals that are data (URLs, codes) are not messages.
/usr/bin/python3 - $(grep -v '^#' po/POTFILES.in) >"$T/unmarked.txt" <<'PY'
import re, sys
call = re.compile(r'\b(?:printf\s*\(|fputs\s*\(|cli_failf\s*\(|fprintf\s*\(\s*\w+\s*,'
                  r'|cli_usage\s*\([^,()]*,|snprintf\s*\([^,()]*,[^,()]*,)\s*"((?:[^"\\]|\\.)*)"')
# Literals that are data, not messages.
data = re.compile(r'^(?:%s[/:].*|webcal://.*|value\\004%s|column\\004%s|%s_utc|\\xef\\xbb\\xbf'
                  r'|metric,value\\r\\n|team:%s|%s@cartera|cartera: )$'
                  r'|\b(?:SELECT|INSERT|UPDATE|DELETE|VALUES|WHERE)\b|^, \w+ = \?|^ ?\w+(?:, \w+)+$')
for path in sys.argv[1:]:
    src = open(path, encoding="utf-8").read()
    for m in call.finditer(src):
        lit = m.group(1)
        words = re.sub(r'%[-+ #0-9.*]*(?:ll|l|z|h)?[a-zA-Z]|--[a-z-]+|\\[ntr]', ' ', lit)
        if not re.search(r'[a-z]{3,}', words) or data.search(lit):
            continue
        print("%s:%d: %s" % (path, src.count("\n", 0, m.start()) + 1, lit))
PY
t_assert_eq "" "$(cat "$T/unmarked.txt")" "no English message left unmarked for translation"
t_done
