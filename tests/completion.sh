#!/bin/bash
# completion.sh - the bash completion (contrib/cartera.bash-completion),
# sourced into this shell and asked what it completes, the way bash asks
# it on TAB: commands, subcommands, a command's options, client names
# typed without accents, salespeople's emails, option values.
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
t_init completion
DB_C=$(t_db c)

# Completion runs in the user's shell, in a UTF-8 locale: names are
# quoted with backslashes there (in plain C, bash writes $'Cl\303...').
export LC_ALL=C.UTF-8
CARTERA=${top_builddir:-.}/cartera
export CARTERA_DB=$DB_C TZ=UTC
: >"$T/empty.conf"
c() { "$CARTERA" -c "$T/empty.conf" "$@"; }
c -q init
c -q owner add ana@example.com --name "Ana López"
c -q owner add bob@example.com --name "Bob"
c -q client add "Clínica Dental Sonrisa" --owner ana@example.com
c -q client add "Ferretería Núñez" --owner ana@example.com
c -q client add "Panadería Ramírez" --owner bob@example.com

# shellcheck source=/dev/null
. "${srcdir:-.}/contrib/cartera.bash-completion"
t_assert_eq "_cartera" "$(complete -p cartera | sed 's/.*-F \([^ ]*\).*/\1/')" "complete -F _cartera cartera"
# comp WORD... : what TAB offers for the last word, sorted, one line.
comp() {
	COMP_WORDS=("$CARTERA" -c "$T/empty.conf" "$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_cartera
	printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}
t_assert_eq "check client contact copy cost" "$(comp c)" "command names"
t_assert_eq "add delete edit list show" "$(comp client '')" "subcommands of client"
t_assert_eq "--excel" "$(comp export --ex)" "an option of export"
t_assert_match "--map --map-file" "$(comp import --ma)" "options of import"
t_assert_eq "Clínica\\ Dental\\ Sonrisa" "$(comp client show clinica)" \
	"a client name, typed without accents, quoted for the shell"
t_assert_eq "Ferretería\\ Núñez" "$(comp log NUNEZ)" "a client by a part of its name"
t_assert_eq "ana@example.com bob@example.com" "$(comp due --owner '')" "salespeople's emails"
t_assert_eq "bob@example.com" "$(comp owner edit b)" "an email by its start"
t_assert_eq "llamada" "$(comp log clinica ll)" "a touch kind in Spanish"
t_assert_eq "autónomo" "$(comp client add X --kind au)" "an option value"
t_assert_eq "" "$(CARTERA_DB=$T/none.db comp client show x)" "no database: nothing, and no error"
t_done
