#!/usr/bin/env bash
# End to end: vanthu's command table (api/cli/main.c) agrees with itself.
# Every command `vanthu help` prints answers `vanthu NOUN [VERB] --help` with
# its own line; every noun answers `vanthu NOUN --help` and `vanthu help NOUN`;
# an unknown noun is a usage error (2) with the usage; a noun without its verb
# is one too, listing the noun's verbs; an unknown verb is refused (4) with a
# message naming every verb. Nothing here reaches a server or a data directory.
set -euo pipefail
BIN=${VT_BIN:-$(dirname "$0")/../../build}
T=$(mktemp -d "${VT_TEST_TMP:-/tmp}/e2e-usage.XXXXXX" 2>/dev/null || mktemp -d)
trap 'rm -rf "$T"' EXIT
V="$BIN/vanthu"
unset VANTHU_DATA_DIR VANTHU_SERVER
export VANTHU_SESSION=$T/no-session HOME=$T
. "$(dirname "$0")/lib.sh"

check help 0 "$V" help
expect help "usage: vanthu <noun> <verb> \[options\]"
expect help "Exit codes: 0 ok, 1 error, 2 usage"
help=$out
check help-option 0 "$V" --help
[ "$out" = "$help" ] && pass=$((pass+1)) || { echo "FAIL help-option: differs from vanthu help"; fails=$((fails+1)); }
check no-arguments 2 "$V"
expect no-arguments "usage: vanthu <noun> <verb>"

# The commands as help prints them: "  noun verb   usage" or "  noun   usage"
# (a verbless noun); continuation lines are indented further, notes have a
# comma after their first words.
commands=$(awk '/^  [a-z]/ && $2 !~ /,$/ {
	if ($2 == "" || $2 ~ /^[-\[=]/) print $1; else print $1 " " $2 }' <<<"$help")
nouns=$(awk '{print $1}' <<<"$commands" | sort -u)
[ "$(wc -l <<<"$commands")" -ge 40 ] && pass=$((pass+1)) || { echo "FAIL commands: only $(wc -l <<<"$commands") in help"; fails=$((fails+1)); }

while read -r noun verb; do
	name="$noun${verb:+-$verb}"
	check "help-$name" 0 "$V" $noun $verb --help
	expect "help-$name" "^usage: vanthu $noun${verb:+ $verb} \[options\]"
	expect "help-$name" "^  $noun${verb:+ $verb}\( \|$\)"
done <<<"$commands"

for noun in $nouns; do
	verbs=$(awk -v n="$noun" '$1 == n && $2 != "" {print $2}' <<<"$commands")
	check "noun-help-$noun" 0 "$V" "$noun" --help
	expect "noun-help-$noun" "^usage: vanthu $noun"
	help_noun=$out
	check "help-noun-$noun" 0 "$V" help "$noun"
	[ "$out" = "$help_noun" ] && pass=$((pass+1)) || { echo "FAIL help-noun-$noun: differs from $noun --help"; fails=$((fails+1)); }
	[ -n "$verbs" ] || continue
	# without its verb: a usage error that shows the verbs
	check "no-verb-$noun" 2 "$V" "$noun"
	expect "no-verb-$noun" "'$noun' needs a verb"
	for verb in $verbs; do expect "no-verb-$noun-$verb" "^  $noun $verb"; done
	# an unknown verb: refused as invalid, every verb named (no data
	# directory: the nouns that run both ways go to the server, where every
	# verb exists)
	check "unknown-verb-$noun" 4 "$V" "$noun" no-such-verb
	expect "unknown-verb-$noun" "unknown verb '$noun no-such-verb'"
	for verb in $verbs; do expect "unknown-verb-$noun-$verb" "[(, ]$verb[,)]"; done
done

check unknown-noun 2 "$V" frobnicate list
expect unknown-noun "unknown command 'frobnicate'"
expect unknown-noun "usage: vanthu <noun> <verb>"
check unknown-noun-alone 2 "$V" frobnicate
expect unknown-noun-alone "unknown command 'frobnicate'"
check help-unknown-noun 0 "$V" help frobnicate
expect help-unknown-noun "usage: vanthu <noun> <verb>"

# A data directory picks the offline rows of the nouns that run both ways.
check offline-verbs 4 "$V" doc no-such-verb --data-dir "$T/none"
expect offline-verbs "unknown verb 'doc no-such-verb' (add, show)"
check offline-only-remote-verb 4 "$V" doc create --data-dir "$T/none"
expect offline-only-remote-verb "runs on a server"
check remote-only-offline-verb 4 "$V" register no-such-verb
expect remote-only-offline-verb "(list)"
check log-verbs 4 "$V" log no-such-verb
expect log-verbs "unknown verb 'log no-such-verb' (show, head, verify)"
# the aliases run, but are not listed
check alias-not-listed 4 "$V" hub no-such-verb
expect alias-not-listed "(enroll, reinstate, units, alarms)"
# options are still checked first: a malformed line is a usage error
check bad-argument 2 "$V" log show stray
expect bad-argument "unexpected argument 'stray'"
check missing-value 2 "$V" log show --from
expect missing-value "option --from needs a value"
# the offline tools still need their data directory, the remote ones a server
check no-data-dir 4 "$V" log show
expect no-data-dir "no data directory"
check no-server 4 "$V" whoami
expect no-server "no server"

finish
