#!/usr/bin/env bash
# End-to-end tests of `faultline explain`: every documented example, exit
# codes (0 ok, 2 usage, 3 input error), key text output, --format json
# validity and content, the unknown-name suggestion, and no ESC bytes when
# NO_COLOR is set or stdout is not a terminal.
# Expected values are transcribed from ../shared/reference/windows-events.md
# (not from lib/catalog), so a catalog transcription error shows up here too.
# Never writes outside $TMP (cli_lib.sh); needs only bash, grep, python3.
set -u
: "${FL_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${FL_BIN:=/work/main/build/release/faultline}"
export FL_BIN
# shellcheck source-path=SCRIPTDIR source=../cli_lib.sh
source "$FL_ROOT/tests/cli_lib.sh"
PY=/usr/bin/python3

if [ ! -x "$FL_BIN" ]; then
  echo "FAIL explain_binary: $FL_BIN not found or not executable"
  exit 1
fi

# expect_json NAME PYTHON-EXPR : stdout is exactly one JSON document and EXPR
# (with the document bound to d) is true.
expect_json() {
  local name=$1 expr=$2 why
  if ! "$PY" -m json.tool "$TMP/out" >/dev/null 2>"$TMP/jerr"; then
    echo "FAIL $name: stdout is not one JSON document: $(head -c 200 "$TMP/jerr") | $(head -c 200 "$TMP/out")"
    return
  fi
  why=$("$PY" - "$TMP/out" "$expr" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
try:
    ok = eval(sys.argv[2], {"d": d})
except Exception as e:  # a missing key etc. is a failure, not a crash
    ok, err = False, "%s: %s" % (type(e).__name__, e)
else:
    err = ""
if not ok:
    print(("expression false: %s %s; got %s" % (sys.argv[2], err, json.dumps(d)))[:600])
EOF
)
  if [ -z "$why" ]; then echo "PASS $name"; else echo "FAIL $name: $why"; fi
}
# expect_empty_out NAME : nothing on stdout
expect_empty_out() {
  if [ -s "$TMP/out" ]; then echo "FAIL $1: unexpected stdout: $(head -c 200 "$TMP/out")"; else echo "PASS $1"; fi
}
# expect_fixed NAME STRING : stdout contains STRING literally (spaces and all)
expect_fixed() {
  if grep -Fq -- "$2" "$TMP/out"; then echo "PASS $1"; else
    echo "FAIL $1: stdout lacks '$2': $(head -c 300 "$TMP/out")"; fi
}

# ---------------------------------------------------------------- codes (text)
MSG_13801='IKE authentication credentials are unacceptable'

expect_exit code_dec_exit 0 -- explain 13801
expect_out code_dec_symbol 'ERROR_IPSEC_IKE_AUTH_FAIL'
expect_out code_dec_decimal '13801'
expect_out code_dec_hex '0x35E9'
expect_fixed code_dec_message "$MSG_13801"
expect_no_out code_dec_no_period 'credentials are unacceptable\.'

expect_exit code_hex_exit 0 -- explain 0x35E9
expect_out code_hex_symbol 'ERROR_IPSEC_IKE_AUTH_FAIL'
expect_out code_hex_decimal '13801'
expect_fixed code_hex_message "$MSG_13801"

expect_exit code_hex_lower_exit 0 -- explain 0x35e9
expect_out code_hex_lower_symbol 'ERROR_IPSEC_IKE_AUTH_FAIL'

expect_exit code_symbol_exit 0 -- explain ERROR_IPSEC_IKE_AUTH_FAIL
expect_out code_symbol_decimal '13801'
expect_out code_symbol_hex '0x35E9'
expect_fixed code_symbol_message "$MSG_13801"

expect_exit code_hresult_from_win32_exit 0 -- explain 0x800735E9
expect_out code_hresult_from_win32_symbol 'ERROR_IPSEC_IKE_AUTH_FAIL'
expect_out code_hresult_from_win32_decimal '13801'

expect_exit code_hresult_exit 0 -- explain 0x800B010A
expect_out code_hresult_symbol 'CERT_E_CHAINING'
expect_out code_hresult_hex '0x800B010A'
expect_fixed code_hresult_message 'A certificate chain could not be built to a trusted root authority.'

expect_exit code_iscsi_status_exit 0 -- explain 0xEFFF0009
expect_out code_iscsi_status_symbol 'ISDSC_AUTHENTICATION_FAILURE'
expect_out code_iscsi_status_hex '0xEFFF0009'

expect_exit code_ntstatus_exit 0 -- explain 0xC0360001
expect_out code_ntstatus_symbol 'STATUS_IPSEC_BAD_SPI'

# 13907 keeps its two spaces, 13800 its leading space (the exact SDK text)
expect_exit code_13907_exit 0 -- explain 13907
expect_fixed code_13907_double_space 'SA establishment is not authorized.  You may need to enter updated or different credentials such as a smartcard.'
expect_exit code_13805_exit 0 -- explain ERROR_IPSEC_IKE_TIMED_OUT
expect_fixed code_13805_message 'Negotiation timed out'
expect_no_out code_13805_no_period 'Negotiation timed out\.'

# ---------------------------------------------------------------- codes (json)
expect_exit code_json_exit 0 -- explain --format json 13801
expect_json code_json_fields 'd["kind"] == "code" and d["family"] == "win32" and d["value"] == 13801 and d["hex"] == "0x35E9" and d["symbol"] == "ERROR_IPSEC_IKE_AUTH_FAIL" and d["message"] == "IKE authentication credentials are unacceptable"'
expect_json code_json_knowledge 'isinstance(d["knowledge"], list) and len(d["knowledge"]) > 0 and all(set(("cause", "check", "source", "inferred")) <= set(k) and isinstance(k["inferred"], bool) for k in d["knowledge"])'

expect_exit code_json_hresult_from_win32_exit 0 -- explain --format json 0x800735E9
expect_json code_json_hresult_from_win32 'd["kind"] == "code" and d["family"] == "win32" and d["value"] == 13801 and d["symbol"] == "ERROR_IPSEC_IKE_AUTH_FAIL"'

expect_exit code_json_hresult_exit 0 -- explain --format json 0x800B010A
expect_json code_json_hresult 'd["kind"] == "code" and d["family"] == "hresult" and d["value"] == 0x800B010A and d["hex"] == "0x800B010A" and d["symbol"] == "CERT_E_CHAINING" and d["message"] == "A certificate chain could not be built to a trusted root authority."'

expect_exit code_json_iscsi_exit 0 -- explain --format json 0xEFFF0009
expect_json code_json_iscsi 'd["kind"] == "code" and d["family"] == "iscsi" and d["value"] == 0xEFFF0009 and d["hex"] == "0xEFFF0009" and d["symbol"] == "ISDSC_AUTHENTICATION_FAILURE"'

expect_exit code_json_13800_exit 0 -- explain --format json 13800
expect_json code_json_13800_leading_space 'd["message"] == " ERROR_IPSEC_IKE_NEG_STATUS_BEGIN"'

expect_exit code_json_13825_exit 0 -- explain --format json 13825
expect_json code_json_13825_inferred 'd["symbol"] == "ERROR_IPSEC_IKE_NO_POLICY" and any(k["inferred"] for k in d["knowledge"])'

# ---------------------------------------------------------------- events
expect_exit event_4653_exit 0 -- explain event 4653
expect_fixed event_4653_title 'An IPsec main mode negotiation failed.'
expect_fixed event_4653_subcategory 'IPsec Main Mode'
expect_fixed event_4653_auditpol 'auditpol /set /subcategory:"IPsec Main Mode" /success:enable /failure:enable'
missing=""
for f in LocalMMPrincipalName RemoteMMPrincipalName LocalAddress LocalKeyModPort RemoteAddress \
         RemoteKeyModPort KeyModName FailurePoint FailureReason MMAuthMethod State Role \
         MMImpersonationState MMFilterID InitiatorCookie ResponderCookie; do
  grep -qw -- "$f" "$TMP/out" || missing="$missing $f"
done
if [ -z "$missing" ]; then echo "PASS event_4653_all_16_fields"; else echo "FAIL event_4653_all_16_fields: missing$missing"; fi

expect_exit event_4653_json_exit 0 -- explain --format json event 4653
expect_json event_4653_json 'd["kind"] == "event" and d["id"] == 4653 and d["version"] == 0 and d["title"] == "An IPsec main mode negotiation failed." and d["task"] == 12547 and d["subcategory"] == "IPsec Main Mode" and d["outcome"] == "failure"'
expect_json event_4653_json_fields '[(f["name"], f["type"]) for f in d["fields"]] == [("LocalMMPrincipalName","str"),("RemoteMMPrincipalName","str"),("LocalAddress","str"),("LocalKeyModPort","u32"),("RemoteAddress","str"),("RemoteKeyModPort","u32"),("KeyModName","str"),("FailurePoint","str"),("FailureReason","str"),("MMAuthMethod","str"),("State","str"),("Role","str"),("MMImpersonationState","str"),("MMFilterID","u64"),("InitiatorCookie","str"),("ResponderCookie","str")]'
expect_json event_4653_json_auditpol 'd["auditpol"] == "auditpol /set /subcategory:\"IPsec Main Mode\" /success:enable /failure:enable"'

expect_exit event_4983_json_exit 0 -- explain --format json event 4983
expect_json event_4983_outcome_unknown 'd["outcome"] == "unknown" and d["subcategory"] == "IPsec Extended Mode" and d["task"] == 12550'

expect_exit event_5453_exit 0 -- explain event 5453
expect_fixed event_5453_title 'IKE and AuthIP IPsec Keying Modules (IKEEXT) service is not started.'

# v0 + v1 events: explainable; JSON must still be one document (contract: one object)
for id in 4654 5451 5452; do
  expect_exit "event_${id}_exit" 0 -- explain event "$id"
  expect_exit "event_${id}_json_exit" 0 -- explain --format json event "$id"
  expect_json "event_${id}_json_one_document" "(d if isinstance(d, dict) else d[0])[\"id\"] == $id"
done

# not IPsec / nonexistent
expect_exit event_4964_not_ipsec_exit 3 -- explain event 4964
expect_err event_4964_not_ipsec_msg 'not an IPsec event'
expect_empty_out event_4964_no_stdout
for id in 5469 5470; do
  expect_exit "event_${id}_nonexistent_exit" 3 -- explain event "$id"
  expect_err "event_${id}_nonexistent_msg" 'does not exist|not an IPsec event'
  expect_empty_out "event_${id}_no_stdout"
done
expect_exit event_unknown_id_exit 3 -- explain event 1234

# ---------------------------------------------------------------- inserts
expect_exit insert_8199_exit 0 -- explain %%8199
expect_fixed insert_8199_text 'Local computer'
expect_exit insert_8199_json_exit 0 -- explain --format json %%8199
expect_json insert_8199_json 'd["kind"] == "insert" and d["id"] == 8199 and d["insert"] == "%%8199" and d["text"] == "Local computer"'
expect_exit insert_8244_exit 0 -- explain %%8244
expect_fixed insert_8244_text 'IKEv2'
expect_exit insert_unknown_exit 3 -- explain %%9999

# ---------------------------------------------------------------- iScsiPrt events
ISCSI17='CHAP Response given by the target did not match the expected one. Dump data contains the CHAP response.'
expect_exit iscsi_event_17_exit 0 -- explain iscsi-event 17
expect_fixed iscsi_event_17_text "$ISCSI17"
expect_out iscsi_event_17_msgid '0xC0000011'
expect_exit iscsi_event_17_json_exit 0 -- explain --format json iscsi-event 17
expect_json iscsi_event_17_json "d[\"kind\"] == \"iscsi-event\" and d[\"id\"] == 17 and d[\"message_id\"] == \"0xC0000011\" and d[\"severity\"] == \"Error\" and d[\"text\"] == \"$ISCSI17\""
expect_exit iscsi_event_65_json_exit 0 -- explain --format json iscsi-event 65
expect_json iscsi_event_65_no_vista_remark 'd["text"] == "Booting from iSCSI, but Could not set any NIC in Paging Path."'
expect_exit iscsi_event_34_json_exit 0 -- explain --format json iscsi-event 34
expect_json iscsi_event_34_informational 'd["severity"] == "Informational" and d["message_id"] == "0x40000022"'
expect_exit iscsi_event_unknown_exit 3 -- explain iscsi-event 999

# ---------------------------------------------------------------- --list
for what in codes events inserts iscsi-events enums flags; do
  expect_exit "list_${what}_exit" 0 -- explain --list "$what" --format json
  expect_json "list_${what}_json_array" 'isinstance(d, list) and len(d) > 0 and all(isinstance(x, dict) for x in d)'
  expect_exit "list_${what}_text_exit" 0 -- explain --list "$what"
done
expect_exit list_codes_json_again 0 -- explain --list codes --format json
expect_json list_codes_153_ipsec 'len([x for x in d if x["family"] == "win32" and 13000 <= x["value"] <= 13999]) == 153'
expect_json list_codes_hex_format 'all(x["hex"] == ("0x%04X" if x["family"] in ("win32", "ras") else "0x%08X") % x["value"] for x in d)'
expect_exit list_events_json_again 0 -- explain --list events --format json
expect_json list_events_versions 'sorted(x["id"] for x in d if x["version"] == 1) == [4654, 5451, 5452] and not {4964, 5469, 5470} & {x["id"] for x in d}'
expect_exit list_inserts_json_again 0 -- explain --list inserts --format json
expect_json list_inserts_8192_8248 'sorted(x["id"] for x in d) == list(range(8192, 8249))'
expect_exit list_enums_json_again 0 -- explain --list enums --format json
expect_json list_enums_examples '{(x["enum"], x["symbol"]): x["value"] for x in d}.get(("IKEEXT_MM_SA_STATE", "IKEEXT_MM_SA_STATE_SA_SENT")) == 1 and {(x["enum"], x["symbol"]): x["value"] for x in d}.get(("IKEEXT_DH_GROUP", "IKEEXT_DH_GROUP_14")) == 3 and {(x["enum"], x["symbol"]): x["value"] for x in d}.get(("ISCSI_INITIATOR_FAILURE_TYPE", "LoginAuthenticateFail")) == 2'

# ---------------------------------------------------------------- unknown input
expect_exit unknown_symbol_exit 3 -- explain ERROR_IPSEC_IKE_AUTH_FAL
expect_err unknown_symbol_suggestion 'did you mean ERROR_IPSEC_IKE_AUTH_FAIL\?'
expect_empty_out unknown_symbol_no_stdout
expect_exit unknown_symbol_json_exit 3 -- explain --format json ERROR_IPSEC_IKE_AUTH_FAL
expect_err unknown_symbol_json_suggestion 'did you mean ERROR_IPSEC_IKE_AUTH_FAIL\?'
expect_exit unknown_code_exit 3 -- explain 12345
expect_exit unknown_hex_exit 3 -- explain 0x12345678

# ---------------------------------------------------------------- usage
expect_exit usage_no_argument 2 -- explain
expect_err usage_no_argument_msg 'explain'
expect_exit usage_bad_format 2 -- explain --format xml 13801
expect_err usage_bad_format_msg 'format'
expect_exit usage_format_without_value 2 -- explain --format
expect_exit usage_list_without_value 2 -- explain --list
expect_exit usage_list_bogus 2 -- explain --list bogus
expect_exit usage_event_without_id 2 -- explain event
expect_exit help_exit 0 -- explain --help
expect_out help_usage 'usage|Usage'
expect_exit help_short_exit 0 -- explain -h

# ---------------------------------------------------------------- odd input
# Never a crash or sanitizer report; an input error (3) or usage error (2).
long=$(head -c 5000 /dev/zero | tr '\0' A)
odd=("%%" "0x" "0xFFFFFFFFFFFFFFFFFF" "-1" "13801abc" "%%abc" "%%99999999999999999999" "$long"
     $'\xff\xfe' "ERROR_IPSEC" "4294967296")
i=0
for a in "${odd[@]}"; do
  i=$((i + 1))
  "$FL_BIN" explain "$a" >"$TMP/out" 2>"$TMP/err"
  rc=$?
  if { [ "$rc" -eq 2 ] || [ "$rc" -eq 3 ]; } && ! grep -q 'Sanitizer\|runtime error' "$TMP/err"; then
    echo "PASS odd_input_$i"
  else
    echo "FAIL odd_input_$i: explain '${a:0:40}' exited $rc: $(head -c 300 "$TMP/err")"
  fi
done
for a in "-1" "99999999999999999999" "4653x" ""; do
  i=$((i + 1))
  "$FL_BIN" explain event "$a" >"$TMP/out" 2>"$TMP/err"
  rc=$?
  if { [ "$rc" -eq 2 ] || [ "$rc" -eq 3 ]; } && ! grep -q 'Sanitizer\|runtime error' "$TMP/err"; then
    echo "PASS odd_event_id_$i"
  else
    echo "FAIL odd_event_id_$i: explain event '$a' exited $rc: $(head -c 300 "$TMP/err")"
  fi
done
# A control sequence in the argument is echoed escaped, never raw.
expect_exit esc_in_argument_exit 3 -- explain $'ERR\033[31mOR'
n=$(tr -cd '\033' <"$TMP/err" | wc -c)
if [ "$n" -eq 0 ]; then echo "PASS esc_in_argument_escaped"; else echo "FAIL esc_in_argument_escaped: raw ESC echoed to stderr"; fi

# ---------------------------------------------------------------- no ESC bytes
# Not a terminal (stdout/stderr to files): never colour.
esc_cases=("explain 13801" "explain event 4653" "explain %%8199" "explain iscsi-event 17"
           "explain 0xEFFF0009" "explain ERROR_IPSEC_IKE_AUTH_FAL" "explain --list codes")
for c in "${esc_cases[@]}"; do
  # shellcheck disable=SC2086
  "$FL_BIN" $c >"$TMP/out" 2>"$TMP/err"
  n=$(cat "$TMP/out" "$TMP/err" | tr -cd '\033' | wc -c)
  tag=$(echo "$c" | tr -c 'A-Za-z0-9\n' '_')
  if [ "$n" -eq 0 ]; then echo "PASS no_esc_pipe_$tag"; else echo "FAIL no_esc_pipe_$tag: $n ESC bytes without a TTY"; fi
  # shellcheck disable=SC2086
  NO_COLOR=1 "$FL_BIN" $c >"$TMP/out" 2>"$TMP/err"
  n=$(cat "$TMP/out" "$TMP/err" | tr -cd '\033' | wc -c)
  if [ "$n" -eq 0 ]; then echo "PASS no_esc_no_color_$tag"; else echo "FAIL no_esc_no_color_$tag: $n ESC bytes with NO_COLOR"; fi
done
# On a terminal with NO_COLOR set: still none (needs script(1) from util-linux).
if command -v script >/dev/null 2>&1; then
  for c in "explain 13801" "explain event 4653"; do
    tag=$(echo "$c" | tr -c 'A-Za-z0-9\n' '_')
    NO_COLOR=1 script -qec "'$FL_BIN' $c" /dev/null >"$TMP/out" 2>&1 </dev/null
    n=$(tr -cd '\033' <"$TMP/out" | wc -c)
    if ! grep -q 'ERROR_IPSEC_IKE_AUTH_FAIL\|IPsec Main Mode' "$TMP/out"; then
      echo "SKIP no_esc_tty_no_color_$tag: script(1) produced no output here"
    elif [ "$n" -eq 0 ]; then echo "PASS no_esc_tty_no_color_$tag"
    else echo "FAIL no_esc_tty_no_color_$tag: $n ESC bytes on a TTY with NO_COLOR=1"; fi
  done
else
  echo "SKIP no_esc_tty_no_color: script(1) not installed"
fi
exit 0
