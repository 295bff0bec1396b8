#!/usr/bin/env bash
# The command line's conventions on every command with an option table:
# --opt=value and --opt value, `--` ends options, operands anywhere, -h and
# `help CMD`, -V/--version, "did you mean" for a mistyped command, option or
# scenario, a missing value and a flag given a value are usage errors (2),
# dump -o FILE, and the bash completion script (words from the binary's
# tables). Never writes outside $TMP.
set -u
: "${FL_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${FL_BIN:=$FL_ROOT/build/release/faultline}"
export FL_BIN
# shellcheck source-path=SCRIPTDIR source=../cli_lib.sh
source "$FL_ROOT/tests/cli_lib.sh"
"$FL_BIN" gen kerberos-dc-unreachable -o "$TMP/k.evtx" --seed 3 --no-manifest 2>/dev/null || echo "FAIL options_gen"
"$FL_BIN" ingest -q --db "$TMP/k.db" "$TMP/k.evtx" || echo "FAIL options_ingest"

# ---- top level ----
expect_exit version_short 0 -- -V
expect_out version_text '^faultline [0-9]+\.[0-9]+'
expect_exit version_long 0 -- --version
expect_exit mistyped_command 2 -- diagnos "$TMP/k.evtx"
expect_err mistyped_command_suggests "unknown command 'diagnos'; did you mean 'diagnose'\?"
check mistyped_command_short_usage "$(wc -l <"$TMP/err")" 2
expect_exit unknown_far_command 2 -- frobnicate
expect_no_out unknown_far_command_no_guess 'did you mean'
for cmd in diagnose report explain dump gen ingest query sql; do
  expect_exit "help_${cmd}" 0 -- help "$cmd"
  expect_out "help_${cmd}_is_its_help" "^usage: faultline $cmd "
  "$FL_BIN" "$cmd" --help >"$TMP/h2" 2>&1
  if cmp -s "$TMP/out" "$TMP/h2"; then echo "PASS help_${cmd}_same_as_--help"; else echo "FAIL help_${cmd}_same_as_--help"; fi
done
expect_exit help_unknown 2 -- help qeury
expect_err help_unknown_suggests "did you mean 'query'"

# ---- GNU option forms (query, sql, dump, explain, gen) ----
expect_exit query_equals 0 -- query --db="$TMP/k.db" --format=csv --limit=2
check query_equals_rows "$(wc -l <"$TMP/out")" 3
expect_exit query_space 0 -- query --db "$TMP/k.db" --format csv --limit 2
check query_space_rows "$(wc -l <"$TMP/out")" 3
expect_exit query_relative_equals 0 -- query --db="$TMP/k.db" --since=-1d --format=csv
expect_exit query_mistyped_option 2 -- query --db "$TMP/k.db" --fromat csv
expect_err query_mistyped_suggests "unknown option '--fromat'; did you mean '--format'\?"
expect_exit query_missing_value 2 -- query --db "$TMP/k.db" --limit
expect_err query_missing_value_says "'--limit' needs a value"
expect_exit query_flag_with_value 2 -- query --db "$TMP/k.db" --failures=yes
expect_err query_flag_with_value_says '--failures takes no value'
expect_exit query_operand_refused 2 -- query --db "$TMP/k.db" stray
expect_exit sql_double_dash 0 -- sql --db "$TMP/k.db" --format csv -- "SELECT count(*) AS n FROM events"
expect_out sql_double_dash_ran '^198'
expect_exit sql_option_after_operand 0 -- sql "SELECT 1 AS one" --db "$TMP/k.db" --format=jsonl
expect_out sql_option_after_operand_ran '"one":1'
expect_exit explain_equals 0 -- explain --format=json 13801
expect_out explain_equals_json '"symbol":"ERROR_IPSEC_IKE_AUTH_FAIL"'
expect_exit explain_negative_operand 3 -- explain -1073741819
expect_err explain_negative_is_an_item "unknown code '-1073741819'"
expect_exit gen_mistyped_scenario 2 -- gen cert-untrustd -o "$TMP/x.evtx"
expect_err gen_mistyped_scenario_suggests "did you mean 'cert-untrusted'"
expect_exit gen_short_output 0 -- gen dos-mode --format=xml -o "$TMP/d.xml" --no-manifest
check gen_short_output_written "$([ -s "$TMP/d.xml" ] && echo yes)" yes

# ---- dump -o FILE, -q ----
expect_exit dump_output_file 0 -- dump -q --format=jsonl -o "$TMP/k.jsonl" --id=4653 "$TMP/k.evtx"
check dump_output_file_stdout_empty "$(wc -c <"$TMP/out")" 0
check dump_output_file_lines "$(wc -l <"$TMP/k.jsonl")" 144
expect_exit dump_output_bundled 0 -- dump -qo "$TMP/k2.jsonl" --format jsonl --id 4653 "$TMP/k.evtx"
check dump_output_bundled_same "$(cmp -s "$TMP/k.jsonl" "$TMP/k2.jsonl" && echo same)" same
expect_exit dump_output_unwritable 3 -- dump -o "$TMP/no/such/dir/x" "$TMP/k.evtx"
expect_err dump_output_unwritable_says 'cannot write'
expect_exit dump_unknown_short 2 -- dump -z "$TMP/k.evtx"
expect_err dump_unknown_short_says "unknown option '-z'"

# ---- diagnose / report / ingest ----
expect_exit diagnose_output_file 1 -- diagnose --no-db -q --format=json -o "$TMP/r.json" "$TMP/k.evtx"
check diagnose_output_file_stdout_empty "$(wc -c <"$TMP/out")" 0
if /usr/bin/python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$TMP/r.json"; then
  echo "PASS diagnose_output_file_json"; else echo "FAIL diagnose_output_file_json"; fi
expect_exit diagnose_options_after_inputs 1 -- diagnose "$TMP/k.evtx" --no-db --format csv
expect_out diagnose_options_after_inputs_csv '^rank,'
expect_exit diagnose_double_dash 3 -- diagnose --no-db -- --not-an-option
expect_err diagnose_double_dash_is_a_path "'--not-an-option': cannot read|--not-an-option: cannot read"
expect_exit diagnose_mistyped 2 -- diagnose --no-db --sinse -7d "$TMP/k.evtx"
expect_err diagnose_mistyped_suggests "did you mean '--since'"
expect_exit report_equals 1 -- report --db="$TMP/k.db" --format=csv --cause=kerberos-dc-unreachable
expect_exit report_operand_refused 2 -- report --db "$TMP/k.db" "$TMP/k.evtx"
expect_exit report_output_file 1 -- report --db "$TMP/k.db" -o "$TMP/r.txt"
check report_output_file_stdout_empty "$(wc -c <"$TMP/out")" 0
check report_output_file_written "$(grep -c '^\[1\] Kerberos' "$TMP/r.txt")" 1
expect_exit ingest_equals 0 -- ingest -q --db="$TMP/k2.db" --threads=2 --batch=100 "$TMP/k.evtx"
expect_exit ingest_bad_threads 2 -- ingest --db "$TMP/k2.db" --threads=lots "$TMP/k.evtx"
expect_err ingest_bad_threads_says '--threads wants a number'

# ---- bash completion: words from the tables ----
comp() { # comp WORD... : the completions of the last word
  ( PATH="$(dirname "$FL_BIN"):$PATH"
    # shellcheck source=/dev/null
    source "$FL_ROOT/scripts/completion/faultline.bash"
    COMP_WORDS=(faultline "$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
    _faultline; printf '%s\n' "${COMPREPLY[@]}" )
}
if [ "$(basename "$FL_BIN")" = faultline ]; then
  check complete_commands "$(comp dia | tr '\n' ' ')" "diagnose "
  check complete_options "$(comp query --fo | tr '\n' ' ')" "--format "
  check complete_choices "$(comp query --format e | tr '\n' ' ')" "ecs "
  check complete_choices_equals "$(comp query --format=tim | tr '\n' ' ')" "--format=timeline "
  check complete_help_cmd "$(comp help qu | tr '\n' ' ')" "query "
else
  echo "SKIP complete: the binary is not named faultline"
fi
