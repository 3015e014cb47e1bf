#!/bin/bash
# manpages.sh - the documentation names what the programs do today:
#   - every command of "cartera --help" is a heading of cartera(1)'s
#     COMMANDS, and every command a heading there names is in --help;
#     every option of "cartera COMMAND --help" is named there;
#   - "cartera help GROUP" lists exactly the GROUP commands of --help;
#   - every long option of "cartera --help" is in cartera(1)'s GLOBAL
#     OPTIONS and every long option of "carterad --help" in carterad(8)'s
#     OPTIONS, and the reverse;
#   - every setting of "carterad --check-config" is in carterad.conf(5)'s
#     SETTINGS, and the reverse;
#   - every "cartera COMMAND" the README shows in an example exists.
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
t_init manpages

CARTERA=${top_builddir:-.}/cartera
CARTERAD=${top_builddir:-.}/carterad
export LANG=C LC_ALL=C LANGUAGE=
: >"$T/empty.conf"
c() { "$CARTERA" -c "$T/empty.conf" "$@"; }

# The text of section NAME of a man page source, escapes dropped:
# \fB \fR \fI gone, \- is -, quotes gone, runs of blanks one space.
section() {	# section FILE NAME
	awk -v name="$2" '/^\.SH /{on = ($0 == ".SH " name); next} on' "$1" |
		sed -e 's/\\f[BIRP]//g' -e 's/\\-/-/g' -e 's/"//g' -e 's/[[:space:]]\+/ /g'
}
# The command lines of "cartera --help" (or of "cartera help GROUP"):
# "owner add", "init", ...
help_commands() {
	awk '/^(Commands|Subcommands):/{on = 1; next} /^$/{on = 0} on && /^  [a-z]/' |
		sed -e 's/^  //' -e 's/  .*//' -e 's/ *$//'
}
# Long options ("--json") that start a help line or follow ";  ", maybe
# after "-x, ".
help_options() {
	grep -oE '(^  |;  )(-[a-zA-Z], )? *--[a-z][a-z-]*' | grep -oE -- '--[a-z-]+' | sort -u
}

c --help >"$T/help" || t_fatal "cartera --help failed"
help_commands <"$T/help" | sort -u >"$T/commands"
[ "$(wc -l <"$T/commands")" -gt 40 ] || t_fatal "too few commands in cartera --help"

# ---------------------------------------------------------------- cartera(1)
man1=$T_SRCDIR/doc/cartera.1.in
section "$man1" COMMANDS >"$T/man-commands"
# Heading lines: the line after each .TP.
awk '/^\.SH /{on = ($0 == ".SH COMMANDS"); next} on && prev == ".TP" {print} {prev = $0}' "$man1" |
	sed -e 's/\\f[BIRP]//g' -e 's/\\-/-/g' -e 's/"//g' -e 's/^\.[BIR]*[[:space:]]*//' \
	    -e 's/[[:space:]]\+/ /g' >"$T/man-headings"

# The request lines (.B, .BI, .TP ...) of COMMANDS, as section() gives them.
grep -E '^\.' "$T/man-commands" >"$T/man-requests"
while read -r cmd; do
	if grep -qE "(^|[ ,])$cmd( |,|$)" "$T/man-requests"; then
		t_pass "cartera(1) documents \"$cmd\""
	else
		t_fail "cartera(1)'s COMMANDS do not document \"$cmd\" (it is in cartera --help)"
	fi
done <"$T/commands"

# Every command a heading names is in --help: the heading's first words,
# and each later ", "-separated part that starts with a group's word.
groups=" $(awk 'NF > 1 {print $1}' "$T/commands" | sort -u | tr '\n' ' ') "
while read -r heading; do
	first=1
	while read -r w1 w2 _; do
		if grep -qx "$w1" "$T/commands" || grep -qx "$w1 $w2" "$T/commands"; then
			t_pass "\"$w1 $w2\" of cartera(1) is a command"
		elif [ $first = 1 ] || [[ $groups == *" $w1 "* ]]; then
			t_fail "cartera(1) documents \"$w1 $w2\", which cartera --help does not list"
		fi
		first=0
	done < <(echo "$heading" | sed 's/ *, */\n/g' | grep -E '^[a-z]')
done <"$T/man-headings"

# Every option of "cartera COMMAND --help" is named in COMMANDS.
while read -r cmd; do
	# shellcheck disable=SC2086
	for o in $(c $cmd --help 2>&1 | grep -oE -- '--[a-z][a-z-]*' | sort -u); do
		if grep -qE -- "$o([^a-z-]|$)" "$T/man-commands"; then
			t_pass "cartera(1) names $cmd's $o"
		else
			t_fail "cartera(1) does not name $o (it is in cartera $cmd --help)"
		fi
	done
done <"$T/commands"

# The global options.
help_options <"$T/help" >"$T/help-options"
section "$man1" "GLOBAL OPTIONS" | grep -oE -- '--[a-z][a-z-]*' | sort -u >"$T/man-options"
t_assert_eq "$(cat "$T/help-options")" "$(cat "$T/man-options")" \
	"cartera(1)'s GLOBAL OPTIONS are those of cartera --help"

# ---------------------------------------------------------------- help GROUP
for g in $(awk 'NF > 1 {print $1}' "$T/commands" | sort -u); do
	want=$(awk -v g="$g" '$1 == g && NF > 1 {print $2}' "$T/commands" | sort -u)
	got=$(c help "$g" | help_commands | sort -u)
	t_assert_eq "$want" "$got" "cartera help $g lists the $g commands of cartera --help"
done

# ---------------------------------------------------------------- carterad(8)
"$CARTERAD" --help >"$T/dhelp" || t_fatal "carterad --help failed"
help_options <"$T/dhelp" >"$T/dhelp-options"
section "$T_SRCDIR/doc/carterad.8.in" OPTIONS | grep -E '^\.(B|BI|BR) ' |
	grep -oE -- '--[a-z][a-z-]*' | sort -u >"$T/dman-options"
t_assert_eq "$(cat "$T/dhelp-options")" "$(cat "$T/dman-options")" \
	"carterad(8)'s OPTIONS are those of carterad --help"

# ---------------------------------------------------------------- carterad.conf(5)
# Every setting --check-config prints (GROUP.KEY, or KEY at the top) is a
# heading of carterad.conf(5)'s SETTINGS, in its group's section, and the
# reverse; a mailbox's keys (imap) are the ones its error message lists.
printf 'database = "%s";\ntemplates = "%s";\n' "$T/none.db" "$T_SRCDIR/etc/templates" >"$T/d.conf"
"$CARTERAD" -c "$T/d.conf" --check-config >"$T/effective" 2>&1 ||
	t_fatal "carterad --check-config failed: $(cat "$T/effective")"
awk '/^[a-z_]+ = \{/ {g = $1 "."; next} /^};/ {g = ""; next}
	match($0, /^\t?(# )?[a-z_]+( =|:)/) {
		k = substr($0, RSTART, RLENGTH); sub(/^\t?(# )?/, "", k); sub(/( =|:)$/, "", k)
		print g k }' "$T/effective" | sort -u >"$T/conf-keys"
[ "$(wc -l <"$T/conf-keys")" -gt 50 ] || t_fatal "too few settings in --check-config"
awk '/^\.SH / {on = ($0 == ".SH SETTINGS"); next} !on {next}
	/^\.SS / {g = ""; if ($0 ~ /\{ \}/) {g = $2; gsub(/"/, "", g); g = g "."}; next}
	/^\.RS/ {depth++} /^\.RE/ {depth--}
	prev == ".TP" && /^\.B[IR]? / {k = $2; gsub(/"/, "", k); print (depth ? "imap[]." : g) k}
	{prev = $0}' "$T_SRCDIR/doc/carterad.conf.5" | sort -u >"$T/man5-keys"
t_assert_eq "$(cat "$T/conf-keys")" "$(grep -v '^imap\[\]\.' "$T/man5-keys")" \
	"carterad.conf(5) documents the settings --check-config prints, no more"
printf 'database = "%s";\nimap = ( { frob = 1; } );\n' "$T/none.db" >"$T/i.conf"
"$CARTERAD" -c "$T/i.conf" --check-config >"$T/imap-err" 2>&1
sed -n 's/.*a mailbox has \(.*\))$/\1/p' "$T/imap-err" | sed -e 's/,\| or /\n/g' |
	sed -e 's/^ *//' -e 's/^/imap[]./' | grep -v '^imap\[\]\.$' | sort -u >"$T/imap-keys"
[ -s "$T/imap-keys" ] || t_fatal "no list of mailbox keys in: $(cat "$T/imap-err")"
t_assert_eq "$(cat "$T/imap-keys")" "$(grep '^imap\[\]\.' "$T/man5-keys")" \
	"carterad.conf(5) documents a mailbox's keys, no more"

# ---------------------------------------------------------------- README
# "cartera WORD [WORD]" at the start of an example line (indented 4).
grep -E '^    cartera [a-z]' "$T_SRCDIR/README.md" | awk '
	{ for (i = 2; i <= NF; i++) if ($i !~ /^-/ && $(i-1) !~ /^-(d|c)$/ && $(i-1) !~ /^--(now|tz|date-format)$/) break
	  print $i, (i < NF ? $(i+1) : "") }' | sort -u >"$T/readme"
while read -r w1 w2; do
	if grep -qx "$w1" "$T/commands" || grep -qx "$w1 $w2" "$T/commands"; then
		t_pass "README's \"cartera $w1 $w2\" is a command"
	else
		t_fail "README shows \"cartera $w1 $w2\", which cartera --help does not list"
	fi
done <"$T/readme"

t_done
