#!/usr/bin/env bash
# End-to-end tests of the rendered event forms (issue 14 item 1): Event
# Viewer "Copy details as text" (with and without "Event Xml:"), the General
# tab (message first), Get-WinEvent | Format-List, the XML View paste, the
# .csv/.txt exports, a German text. Each is found by content, reads into the
# same records as the event XML (EventID and EventData compared), and
# diagnoses with the same cause. Samples under tests/data/text/ were written
# from the documented layouts. Never writes outside $TMP (cli_lib.sh).
set -u
: "${FL_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${FL_BIN:=$FL_ROOT/build/asan/faultline}"
export FL_BIN
# shellcheck source-path=SCRIPTDIR source=../cli_lib.sh
source "$FL_ROOT/tests/cli_lib.sh"
DATA=$FL_ROOT/tests/data/text

# data_of FILE : "id|data items" per record, from dump --format jsonl
data_of() {
  "$FL_BIN" dump --format jsonl "$1" 2>/dev/null | "$PY" -c '
import json, sys
for line in sys.stdin:
    e = json.loads(line)["Event"]
    i = e["System"].get("EventID")
    if isinstance(i, dict): i = i["#text"]
    d = e.get("EventData") or {}
    print(i, "|", "|".join(str(v) for k, v in d.items() if k not in ("Message", "Binary")))'
}

# same_records NAME FILE XML : FILE reads into the records XML reads into
same_records() {
  if diff <(data_of "$2") <(data_of "$3") > "$TMP/diff"; then echo "PASS $1"; else
    echo "FAIL $1: $(head -c 400 "$TMP/diff")"; fi
}

for f in details.txt formatlist.txt export.csv export.txt xmlview.txt general.txt details-xml.txt; do
  expect_exit "text_dump_${f}" 0 -- dump "$DATA/rasclient-$f"
done

expect_exit text_details_format 1 -- diagnose --db "$TMP/d.db" "$DATA/rasclient-details.txt"
expect_out text_details_format_name 'event-text'
expect_out text_details_cause '\(vpn-no-answer\)'
expect_out text_details_cause_13801 '\(vpn-cert-untrusted\)'
same_records text_details_same "$DATA/rasclient-details.txt" "$DATA/rasclient.xml"
same_records text_general_same "$DATA/rasclient-general.txt" "$DATA/rasclient.xml"
same_records text_details_xml_same "$DATA/rasclient-details-xml.txt" "$DATA/rasclient.xml"

expect_exit text_formatlist_diag 1 -- diagnose --db "$TMP/f.db" "$DATA/rasclient-formatlist.txt"
expect_out text_formatlist_name 'format-list'
expect_out text_formatlist_cause '\(vpn-no-answer\)'
expect_exit text_csv_diag 1 -- diagnose --db "$TMP/c.db" "$DATA/rasclient-export.csv"
expect_out text_csv_name 'export-csv'
expect_out text_csv_cause '\(vpn-no-answer\)'
expect_exit text_txt_diag 1 -- diagnose --db "$TMP/t.db" "$DATA/rasclient-export.txt"
expect_out text_txt_name 'export-txt'
expect_exit text_xmlview_diag 1 -- diagnose --db "$TMP/x.db" "$DATA/rasclient-xmlview.txt"
expect_out text_xmlview_name 'xml-view'
expect_out text_xmlview_cause '\(vpn-no-answer\)'

# The local-time caveat is said, once.
expect_exit text_local_time 0 -- dump "$DATA/rasclient-details.txt"
if [ "$(grep -c 'local time' "$TMP/err")" = 1 ]; then echo "PASS text_local_time_once"; else
  echo "FAIL text_local_time_once: $(head -c 300 "$TMP/err")"; fi

# Security 4653 from its details text: the labels give the Data names.
expect_exit text_4653 0 -- dump "$DATA/security-4653-details.txt"
expect_out text_4653_reason '<Data Name="FailureReason">Negotiation timed out</Data>'
expect_out text_4653_remote '<Data Name="RemoteAddress">10.20.9.40</Data>'
expect_out text_4653_principal '<Data Name="LocalMMPrincipalName">-</Data>'
expect_out text_4653_cookie '<Data Name="ResponderCookie">0000000000000000</Data>'

# A German text: the template does not match; the code is taken from the
# text, the raw message is kept, and a warning says so.
expect_exit text_german 0 -- dump "$DATA/rasclient-details-de.txt"
expect_out text_german_code '<Data>809</Data>'
expect_out text_german_raw '<Data Name="Message">CoId=.*Verbindung'
expect_err text_german_warned 'not recognised \(another language\?\)'
expect_exit text_german_diag 1 -- diagnose --db "$TMP/g.db" "$DATA/rasclient-details-de.txt"
expect_out text_german_cause '\(vpn-no-answer\)'

# Text that is none of the forms is still refused.
printf 'hello\nworld\n' > "$TMP/n.txt"
expect_exit text_unknown 3 -- dump "$TMP/n.txt"

# netsh events keep their netsh name in every output (issue 14 item 4): the
# record's event id is faultline's (docs/inputs.md), never shown alone.
if "$FL_BIN" gen timeout-nat --format netsh --no-manifest -o "$TMP/n.xml" >/dev/null 2>&1; then
  expect_exit netsh_name_diag 1 -- diagnose --db "$TMP/n.db" "$TMP/n.xml"
  expect_out netsh_name_text 'netsh ikeMmFailure'
  expect_no_out netsh_name_no_id 'event 1005'
  expect_exit netsh_name_json 1 -- diagnose --format json --db "$TMP/n2.db" "$TMP/n.xml"
  expect_out netsh_name_json_field '"event_name": "ikeMmFailure"'
  expect_exit netsh_name_query 0 -- query --db "$TMP/n.db" --limit 3
  expect_out netsh_name_query_col 'netsh ikeMmFailure'
  expect_no_out netsh_name_query_no_id ' 1005 '
  expect_exit netsh_name_timeline 0 -- query --db "$TMP/n.db" --limit 3 --format timeline
  expect_no_out netsh_name_timeline_no_id 'event 1005|,1005,'
else
  echo "FAIL netsh_name_gen: faultline gen timeout-nat --format netsh failed"
fi
