#!/usr/bin/env bash
# End-to-end tests of choosing what `diagnose` and `report` look at:
# --since/--until (ISO or relative) as an event window, --host/--peer/--cause
# as a choice of findings, missing or unreadable inputs as errors (exit 3,
# no report), and the default database being named when it is created.
# Data from `faultline gen enterprise` (deterministic). Never writes outside $TMP.
set -u
: "${FL_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${FL_BIN:=$FL_ROOT/build/release/faultline}"
export FL_BIN
# shellcheck source-path=SCRIPTDIR source=../cli_lib.sh
source "$FL_ROOT/tests/cli_lib.sh"
DB=$TMP/e.db
# jget FILE EXPR: a value from a JSON report (r = the document)
jget() { "$PY" -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

"$FL_BIN" gen enterprise -o "$TMP/e.evtx" --hosts 3 --days 2 --seed 5 --no-manifest 2>/dev/null ||
  echo "FAIL filters_gen"
"$FL_BIN" ingest -q --db "$DB" "$TMP/e.evtx" || echo "FAIL filters_ingest"

# ---- time window ----
W=(--since 2024-03-08T12:00 --until 2024-03-09T00:00:00Z)
expect_exit report_window 1 -- report --db "$DB" --format json "${W[@]}"
cp "$TMP/out" "$TMP/w.json"
n_query=$("$FL_BIN" query --db "$DB" --format csv "${W[@]}" | tail -n +2 | wc -l)
check report_window_counts "$(jget "$TMP/w.json" "r['summary']['events_in_scope']")" "$n_query"
check report_window_inside "$(jget "$TMP/w.json" "all('2024-03-08T12' <= e['first_seen'] < e['last_seen'] < '2024-03-09' for e in r['episodes'])")" True
check report_window_fewer "$(jget "$TMP/w.json" "len(r['episodes']) < 11 and len(r['episodes']) > 2")" True
# diagnose with the same window finds the same findings as report
expect_exit diagnose_window 1 -- diagnose --no-db --format json "${W[@]}" "$TMP/e.evtx"
check diagnose_window_same "$(jget "$TMP/out" "[(e['cause_id'], e['host'], e['count']) for e in r['episodes']]")" \
  "$(jget "$TMP/w.json" "[(e['cause_id'], e['host'], e['count']) for e in r['episodes']]")"
# a window with none of the events: no audit-policy advice, a note saying why
expect_exit report_relative_window 0 -- report --db "$DB" --since -7d
expect_out report_relative_no_events 'No findings'
expect_no_out report_window_no_auditpol 'auditpol'
expect_out report_window_note 'outside --since/--until'
expect_exit report_since_after_until 2 -- report --db "$DB" --since 2024-03-09 --until 2024-03-08
expect_exit report_bad_time 2 -- report --db "$DB" --since yesterday
expect_err report_bad_time_says 'ISO UTC time .* -7d'
expect_exit query_relative_time 0 -- query --db "$DB" --since -12h --format csv
check query_relative_time_rows "$(wc -l <"$TMP/out")" 1

# ---- choice of findings ----
expect_exit report_host_short 1 -- report --db "$DB" --format json --host srv-fs01
check report_host_only "$(jget "$TMP/out" "sorted({e['host'] for e in r['episodes']})")" "['SRV-FS01.corp.example.org']"
expect_exit report_cause 1 -- report --db "$DB" --format json --cause kerberos-dc-unreachable
check report_cause_only "$(jget "$TMP/out" "[e['cause_id'] for e in r['episodes']]")" "['kerberos-dc-unreachable']"
expect_exit report_peer 1 -- report --db "$DB" --format csv --peer 198.51.100.50
check report_peer_rows "$(tail -n +2 "$TMP/out" | wc -l)" 1
expect_out report_peer_is_it '198\.51\.100\.50'
expect_exit report_no_match 0 -- report --db "$DB" --cause no-such-cause
expect_err report_no_match_says 'none of the 11 findings matches'
expect_exit report_combined 1 -- report --db "$DB" --host dc02 --since 2024-03-08T13:00 --until 2024-03-08T15:00
expect_out report_combined_finding 'certificate chain not trusted'
check report_combined_one "$(grep -c '^\[' "$TMP/out")" 1

# ---- inputs that cannot be read: exit 3, no report ----
expect_exit diagnose_missing 3 -- diagnose --no-db "$TMP/nope.evtx" "$TMP/e.evtx"
expect_err diagnose_missing_named 'nope\.evtx: cannot read: No such file'
check diagnose_missing_no_report "$(wc -c <"$TMP/out")" 0
echo "not a log" >"$TMP/junk.txt"
expect_exit diagnose_unusable 3 -- diagnose --no-db "$TMP/junk.txt"
check diagnose_unusable_no_report "$(wc -c <"$TMP/out")" 0
mkdir -p "$TMP/locked" && cp "$TMP/e.evtx" "$TMP/locked/x.evtx" && chmod 000 "$TMP/locked/x.evtx"
if [ "$(id -u)" != 0 ]; then
  expect_exit diagnose_unreadable 3 -- diagnose --no-db "$TMP/locked/x.evtx"
  expect_err diagnose_unreadable_named 'x\.evtx: cannot read: Permission denied'
else
  echo "SKIP diagnose_unreadable: root reads any file"
fi
chmod 600 "$TMP/locked/x.evtx"

# ---- the default database is named when it is created, once ----
mkdir -p "$TMP/cwd"
(cd "$TMP/cwd" && "$FL_BIN" diagnose "$TMP/e.evtx" >/dev/null 2>"$TMP/err1"; "$FL_BIN" diagnose "$TMP/e.evtx" >/dev/null 2>"$TMP/err2")
if grep -q "created the database $TMP/cwd/faultline.db" "$TMP/err1"; then echo "PASS db_default_named"; else
  echo "FAIL db_default_named: $(head -c 300 "$TMP/err1")"; fi
check db_default_named_once "$(grep -c 'created the database' "$TMP/err2")" 0
(cd "$TMP/cwd" && "$FL_BIN" ingest --db "$TMP/cwd/other.db" "$TMP/e.evtx" >/dev/null 2>"$TMP/err3")
check db_explicit_not_named "$(grep -c 'created the database' "$TMP/err3")" 0
