#!/usr/bin/env bash
# End-to-end tests of `faultline ingest`, `query` and `sql`: idempotent
# re-ingest, an ingest killed with SIGKILL part-way then rerun (integrity
# ok, exact count), query filters and output escaping, sql refusing writes,
# exit codes (2 usage, 3 unreadable input, 1 partial input).
# Input files come from tests/unit/test_store_fixture.c (EVTX writer), so
# the expected counts are known exactly. Never writes outside $TMP.
set -u
: "${FL_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${FL_BIN:=$FL_ROOT/build/release/faultline}"
export FL_BIN
# shellcheck source-path=SCRIPTDIR source=../cli_lib.sh
source "$FL_ROOT/tests/cli_lib.sh"
PY=/usr/bin/python3

FIX=$(dirname "$FL_BIN")/tests/test_store_fixture
REL_FIX=${FL_RELEASE_BIN:+$(dirname "$FL_RELEASE_BIN")/tests/test_store_fixture}
[ -n "${REL_FIX:-}" ] && [ -x "$REL_FIX" ] && FIX=$REL_FIX
if [ ! -x "$FL_BIN" ] || [ ! -x "$FIX" ]; then
  echo "FAIL store_binaries: $FL_BIN or $FIX missing"
  exit 1
fi
unset FAULTLINE_DB
DB=$TMP/t.db

# check NAME ACTUAL EXPECTED
count() { "$FL_BIN" sql --db "${2:-$DB}" --format csv "$1" 2>&1 | tail -n 1 | tr -d '\r'; }

"$FIX" write "$TMP/a.evtx" 1000 || echo "FAIL store_fixture: cannot write a.evtx"
cp "$TMP/a.evtx" "$TMP/a_copy.evtx"

# ---- ingest, twice, idempotent ----
expect_exit ingest_first 0 -- ingest --db "$DB" "$TMP/a.evtx"
expect_out ingest_first_summary '1251 records, 1001 in scope, 1001 new, 0 already stored'
expect_exit ingest_again 0 -- ingest --db "$DB" "$TMP/a.evtx"
expect_out ingest_again_summary '1001 in scope, 0 new, 1001 already stored'
expect_exit ingest_copy 0 -- ingest --db "$DB" --threads 2 "$TMP/a_copy.evtx"
expect_out ingest_copy_summary '0 new, 1001 already stored'
"$FL_BIN" dump --format jsonl "$TMP/a.evtx" >"$TMP/a.jsonl" 2>/dev/null
expect_exit ingest_jsonl_export 0 -- ingest --db "$DB" "$TMP/a.jsonl"
expect_out ingest_jsonl_export_no_new '1001 in scope, 0 new, 1001 already stored'
check ingest_twice_same_count "$(count 'SELECT count(*) FROM events')" 1001
check ingest_sources_complete "$(count "SELECT count(*) FROM sources WHERE status='complete'")" 4
check ingest_sha256 "$(count "SELECT DISTINCT sha256 FROM sources WHERE path LIKE '%/a.evtx'")" "$(sha256sum "$TMP/a.evtx" | cut -d' ' -f1)"
check ingest_format_stored "$(count "SELECT DISTINCT format FROM sources WHERE path LIKE '%/a.evtx'")" evtx
check ingest_integrity "$(count 'PRAGMA integrity_check')" ok
# the secondary index (time, peer) and peer_buckets are there
check ingest_indexes "$(count "SELECT count(*) FROM sqlite_master WHERE (name = 'events_time' AND sql LIKE '%(time, remote_address)') OR name = 'peer_buckets'")" 2
# the re-ingests above record their reader flags and store nothing new
check ingest_again_flags_recorded "$(count "SELECT count(*) FROM sources WHERE inserted = 0 AND reader_flags = 0")" 3
# other reader flags read the file again (and find every event stored)
expect_exit ingest_recover_rereads 0 -- ingest --db "$DB" --recover "$TMP/a.evtx"
expect_out ingest_recover_summary '1001 in scope, 0 new, 1001 already stored'
expect_exit ingest_quiet 0 -- ingest -q --db "$DB" "$TMP/a.evtx"
check ingest_quiet_silent "$(wc -c <"$TMP/out")$(wc -c <"$TMP/err")" 00
FAULTLINE_DB=$TMP/env.db "$FL_BIN" ingest -q "$TMP/a.evtx" >/dev/null 2>&1
check ingest_env_db "$(count 'SELECT count(*) FROM events' "$TMP/env.db")" 1001
"$FL_BIN" ingest --db "$TMP/stdin.db" - <"$TMP/a.evtx" >/dev/null 2>&1
check ingest_stdin "$(count 'SELECT count(*) FROM events' "$TMP/stdin.db")" 1001

# ---- query filters ----
qcount() { "$FL_BIN" query --db "$DB" --format jsonl "$@" | wc -l | tr -d ' '; }
check query_all "$(qcount)" 1001
check query_host "$(qcount --host host2.CORP.example)" 333
check query_peer "$(qcount --peer 198.51.100.7)" 20
check query_event "$(qcount --event 4653,4654)" 1000
check query_code_symbol "$(qcount --code ERROR_IPSEC_IKE_TIMED_OUT)" 500
check query_code_number "$(qcount --code 13805)" 500
check query_code_hex "$(qcount --code 0x35E9)" 500
check query_kind "$(qcount --kind iscsi_error)" 1
check query_type "$(qcount --type iscsiprt)" 1
check query_since "$(qcount --since 2024-05-01T12:10:00Z)" 400
check query_until "$(qcount --until 2024-05-01T12:00:10)" 10
check query_failures "$(qcount --failures --type security)" 1000
check query_limit "$(qcount --limit 5)" 5
"$FL_BIN" query --db "$DB" --format jsonl >"$TMP/q.jsonl"
if "$PY" -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$TMP/q.jsonl"; then
  echo "PASS query_jsonl_valid"; else echo "FAIL query_jsonl_valid"; fi
expect_exit query_text 0 -- query --db "$DB" --limit 3
if grep -q $'\x1b' "$TMP/out"; then echo "FAIL query_text_no_escape_bytes"; else echo "PASS query_text_no_escape_bytes"; fi
expect_out query_text_escaped 'HYPERLINK\("x"\)\\x1b\[31mred\\x0d\\x0a'
expect_exit query_csv 0 -- query --db "$DB" --format csv --limit 1
expect_out query_csv_formula_guarded "\"'=HYPERLINK\(\"\"x\"\"\)"
if "$PY" -c 'import csv,sys; r=list(csv.reader(open(sys.argv[1],newline=""))); sys.exit(0 if len(r)==2 and len(r[0])==len(r[1]) else 1)' "$TMP/out"; then
  echo "PASS query_csv_parses"; else echo "FAIL query_csv_parses"; fi

# ---- sql: read-only ----
expect_exit sql_select 0 -- sql --db "$DB" --format jsonl "SELECT kind, count(*) AS n FROM events GROUP BY kind ORDER BY kind"
expect_out sql_select_rows '"kind":"mm_failure","n":1000'
expect_exit sql_insert_refused 2 -- sql --db "$DB" "INSERT INTO events(source_id) VALUES (1)"
expect_err sql_insert_message 'read-only|not authorized'
expect_exit sql_drop_refused 2 -- sql --db "$DB" "DROP TABLE events"
expect_exit sql_attach_refused 2 -- sql --db "$DB" "ATTACH DATABASE '$TMP/x.db' AS x"
expect_exit sql_two_statements_refused 2 -- sql --db "$DB" "SELECT 1; DELETE FROM events"
expect_exit sql_pragma_write_refused 2 -- sql --db "$DB" "PRAGMA journal_mode=DELETE"
# issue 19: functions that hand out pointers or build huge values; a time limit
expect_exit sql_fts3_tokenizer_refused 2 -- sql --db "$DB" "SELECT hex(fts3_tokenizer('simple'))"
expect_err sql_fts3_tokenizer_message 'function fts3_tokenizer\(\) is not allowed'
expect_exit sql_zeroblob_refused 2 -- sql --db "$DB" "SELECT length(zeroblob(2000000000))"
expect_exit sql_timeout 1 -- sql --db "$DB" --timeout 0.3 "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
expect_err sql_timeout_message 'stopped after 300 ms \(--timeout\)'
expect_exit sql_timeout_not_hit 0 -- sql --db "$DB" --timeout 30 "SELECT count(*) FROM events"
expect_exit sql_timeout_bad 2 -- sql --db "$DB" --timeout -1 "SELECT 1"
check sql_nothing_changed "$(count 'SELECT count(*) FROM events')" 1001
check sql_attach_created_nothing "$([ -e "$TMP/x.db" ] && echo yes || echo no)" no

# ---- records without a record id next to records with one ----
# Rows are inserted many to a statement, which keeps its bindings from run
# to run: a keyless row must not inherit the record id of a row before it
# (from this input or from an earlier one in the same run), nor a keyed
# row's NULL content hash erase a keyless row's hash.
"$FL_BIN" gen enterprise --size 3MB --no-manifest -o "$TMP/k.evtx" >/dev/null 2>&1
"$FL_BIN" gen enterprise --size 3MB --format netsh --no-manifest -o "$TMP/k.netsh" >/dev/null 2>&1
"$FL_BIN" ingest -q --db "$TMP/k1.db" "$TMP/k.netsh" >/dev/null 2>&1
"$FL_BIN" ingest -q --db "$TMP/k2.db" "$TMP/k.evtx" "$TMP/k.netsh" >/dev/null 2>&1
alone=$(count 'SELECT count(*) FROM events' "$TMP/k1.db")
if [ "${alone:-0}" -gt 40 ] 2>/dev/null; then echo "PASS keyless_input_has_events ($alone)"; else
  echo "FAIL keyless_input_has_events: '$alone'"; fi
check keyless_after_keyed_all_stored "$(count "SELECT count(*) FROM events e JOIN sources s ON s.id = e.source_id WHERE s.path LIKE '%k.netsh'" "$TMP/k2.db")" "$alone"
check keyless_after_keyed_no_record_id "$(count "SELECT count(*) FROM events WHERE record_id IS NULL AND content_hash IS NOT NULL" "$TMP/k2.db")" "$alone"
check keyed_no_content_hash "$(count "SELECT count(*) FROM events WHERE record_id IS NOT NULL AND content_hash IS NOT NULL" "$TMP/k2.db")" 0
# one JSON lines file, every third record without its EventRecordID
"$FL_BIN" dump --format jsonl "$TMP/a.evtx" 2>/dev/null |
  awk '{ if (NR % 3 == 0) sub(/"EventRecordID":[0-9]+,/, ""); print }' >"$TMP/mixed.jsonl"
"$FL_BIN" ingest -q --db "$TMP/mixed.db" "$TMP/mixed.jsonl" >/dev/null 2>&1
check mixed_keys_all_stored "$(count 'SELECT count(*) FROM events' "$TMP/mixed.db")" 1001
check mixed_keys_keyless_hashed "$(count 'SELECT count(*) FROM events WHERE (record_id IS NULL) = (content_hash IS NULL)' "$TMP/mixed.db")" 0
check mixed_keys_record_ids "$(count 'SELECT count(DISTINCT record_id) FROM events' "$TMP/mixed.db")" "$(count 'SELECT count(record_id) FROM events' "$TMP/mixed.db")"
"$FL_BIN" ingest -q --db "$TMP/mixed.db" "$TMP/mixed.jsonl" --recover >/dev/null 2>&1
check mixed_keys_reingest_no_duplicates "$(count 'SELECT count(*) FROM events' "$TMP/mixed.db")" 1001

# ---- query --peer reads peer_buckets + the time index: exact ----
# peers_exact NAME DB [QUERY OPTIONS...]: for up to 25 peers of DB, query
# --peer gives as many events as a plain scan of the table, and in time
# order; one peer with no events gives none.
peers_exact() {
  local name=$1 db=$2 bad=0 n=0 peer want got since_sql=''
  shift 2
  [ "${1:-}" = --since ] && since_sql=" AND time >= $(count "SELECT (strftime('%s', '$2') + 11644473600) * 10000000" "$db")"
  while IFS= read -r peer; do
    [ -n "$peer" ] || continue
    n=$((n + 1))
    want=$(count "SELECT count(*) FROM events WHERE remote_address = '$peer'$since_sql" "$db")
    got=$("$FL_BIN" query --db "$db" --format jsonl --peer "$peer" "$@" | wc -l | tr -d ' ')
    [ "$got" = "$want" ] || { bad=$((bad + 1)); echo "  $name: peer $peer: $got events, table has $want"; }
  done < <("$FL_BIN" sql --db "$db" --format csv "SELECT DISTINCT remote_address FROM events WHERE remote_address IS NOT NULL AND remote_address NOT LIKE '%''%' LIMIT 25" | tail -n +2 | tr -d '\r')
  got=$("$FL_BIN" query --db "$db" --format jsonl --peer 192.0.2.254 "$@" | wc -l | tr -d ' ')
  if [ "$bad" = 0 ] && [ "$n" -gt 0 ] && [ "$got" = 0 ]; then echo "PASS $name ($n peers)"; else
    echo "FAIL $name: $bad of $n peers differ, unknown peer gave $got"; fi
}
peers_exact peer_query_exact "$DB"
peers_exact peer_query_exact_since "$DB" --since 2024-05-01T12:10:00Z
peers_exact peer_query_exact_two_inputs "$TMP/k2.db"
"$FL_BIN" ingest -q --db "$TMP/k2.db" "$TMP/k.netsh" "$TMP/k.evtx" --recover >/dev/null 2>&1
peers_exact peer_query_exact_reingest "$TMP/k2.db"
check peer_buckets_one_per_bucket "$(count 'SELECT count(*) - count(DISTINCT remote_address || char(1) || bucket) FROM peer_buckets' "$TMP/k2.db")" 0
check peer_buckets_every_event "$(count 'SELECT count(*) FROM events e WHERE remote_address IS NOT NULL AND NOT EXISTS (SELECT 1 FROM peer_buckets b WHERE b.remote_address = e.remote_address AND b.bucket = e.time / 6000000000)' "$TMP/k2.db")" 0
# a database as schema 4 left it (peer index, no peer_buckets, no
# sources.format / events.record_no): read-only commands read it the older
# way; the next ingest migrates it
cp "$TMP/k2.db" "$TMP/v4.db"
$PY - "$TMP/v4.db" <<'PYEOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executescript("""
DROP TABLE peer_buckets; DROP INDEX events_time;
CREATE INDEX events_time ON events(time);
CREATE INDEX events_peer ON events(remote_address, time);
ALTER TABLE sources DROP COLUMN format; ALTER TABLE events DROP COLUMN record_no;
DELETE FROM schema_version WHERE version >= 5;""")
db.commit()
PYEOF
peers_exact peer_query_schema4_read_only "$TMP/v4.db"
"$FL_BIN" report --db "$TMP/v4.db" --format json >"$TMP/v4.report" 2>"$TMP/v4.err"
rc=$?
if [ "$rc" -le 1 ] && grep -q '"unknown"' "$TMP/v4.report"; then echo "PASS report_schema4_read_only"
else echo "FAIL report_schema4_read_only: exit $rc: $(head -c 300 "$TMP/v4.err")"; fi
"$FL_BIN" ingest -q --db "$TMP/v4.db" "$TMP/k.netsh" >/dev/null 2>&1
check peer_migration_version "$(count 'SELECT max(version) FROM schema_version' "$TMP/v4.db")" 6
check peer_migration_no_peer_index "$(count "SELECT count(*) FROM sqlite_master WHERE name = 'events_peer'" "$TMP/v4.db")" 0
peers_exact peer_query_migrated "$TMP/v4.db"

# ---- exit codes ----
expect_exit usage_ingest_no_files 2 -- ingest --db "$DB"
expect_exit usage_ingest_batch 2 -- ingest --db "$DB" --batch 0 "$TMP/a.evtx"
expect_exit usage_ingest_option 2 -- ingest --bogus "$TMP/a.evtx"
expect_exit usage_query_format 2 -- query --db "$DB" --format xml
expect_exit usage_query_since 2 -- query --db "$DB" --since yesterday
expect_exit usage_query_kind 2 -- query --db "$DB" --kind nonsense
expect_exit usage_sql_none 2 -- sql --db "$DB"
expect_exit help_ingest 0 -- ingest --help
expect_exit help_query 0 -- query --help
expect_exit help_sql 0 -- sql --help
expect_exit input_missing 3 -- ingest --db "$DB" "$TMP/nope.evtx"
expect_err input_missing_message 'nope.evtx'
echo "not an evtx file" >"$TMP/text.evtx"
expect_exit input_not_evtx 3 -- ingest --db "$DB" "$TMP/text.evtx"
expect_exit input_directory 3 -- ingest --db "$DB" "$TMP"
expect_exit query_no_db 3 -- query --db "$TMP/none.db"
expect_exit sql_not_a_db 3 -- sql --db "$TMP/text.evtx" "SELECT 1"
"$FIX" write "$TMP/bad.evtx" 2000 corrupt
expect_exit input_partial 1 -- ingest --db "$TMP/partial.db" "$TMP/bad.evtx"
n=$(count 'SELECT count(*) FROM events' "$TMP/partial.db")
if [ "${n:-0}" -gt 0 ] 2>/dev/null && [ "$n" -lt 2001 ]; then echo "PASS input_partial_rest_stored"; else
  echo "FAIL input_partial_rest_stored: $n events"; fi

# ---- an unchanged file is recognised without a re-hash ----
cp "$TMP/a.evtx" "$TMP/u.evtx"
sleep 2 # file times less than two seconds old are not trusted
expect_exit unchanged_first 0 -- ingest --db "$TMP/u.db" "$TMP/u.evtx"
expect_no_out unchanged_first_read 'unchanged'
expect_exit unchanged_again 0 -- ingest --db "$TMP/u.db" "$TMP/u.evtx"
expect_out unchanged_again_not_hashed '1001 already stored, unchanged \(same path'
touch "$TMP/u.evtx" # new times: hashed, then known by content
expect_exit unchanged_touched 0 -- ingest --db "$TMP/u.db" "$TMP/u.evtx"
expect_no_out unchanged_touched_hashed 'unchanged'
expect_out unchanged_touched_known '1001 already stored'
check unchanged_one_copy "$(count 'SELECT count(*) FROM events' "$TMP/u.db")" 1001

# ---- SIGKILL part-way, then rerun ----
N=200000
"$FIX" write "$TMP/big.evtx" $N
K=$TMP/kill.db
"$FL_BIN" ingest -q --db "$K" --batch 2000 "$TMP/big.evtx" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  c=$(count 'SELECT count(*) FROM events' "$K" 2>/dev/null)
  [ "${c:-0}" -gt 0 ] 2>/dev/null && break
  sleep 0.02
done
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
status=$(count 'SELECT status FROM sources' "$K")
before=$(count 'SELECT count(*) FROM events' "$K")
if [ "$status" = ingesting ] && [ "${before:-0}" -gt 0 ] && [ "$before" -lt $((N + 1)) ]; then
  echo "PASS kill_midway ($before of $((N + 1)) stored)"
else
  echo "SKIP kill_midway: ingest was not caught part-way (status '$status', $before rows)"
fi
check kill_integrity "$(count 'PRAGMA integrity_check' "$K")" ok
expect_exit kill_rerun 0 -- ingest --db "$K" "$TMP/big.evtx"
[ "$status" = ingesting ] && expect_out kill_rerun_resumed 'resumed'
check kill_rerun_exact_count "$(count 'SELECT count(*) FROM events' "$K")" $((N + 1))
check kill_rerun_one_source "$(count "SELECT count(*) || ' ' || status || ' ' || inserted FROM sources" "$K")" "1 complete $((N + 1))"
check kill_rerun_integrity "$(count 'PRAGMA integrity_check' "$K")" ok
# a resumed source counts the file once (not once per run), no duplicates
check kill_rerun_counts "$(count "SELECT records_in_scope || ' ' || duplicates FROM sources" "$K")" "$((N + 1)) 0"
check kill_rerun_indexes "$(count "SELECT count(*) FROM sqlite_master WHERE (name = 'events_time' AND sql LIKE '%(time, remote_address)') OR name = 'peer_buckets'" "$K")" 2
check kill_rerun_peer_buckets "$(count 'SELECT count(*) FROM events e WHERE remote_address IS NOT NULL AND NOT EXISTS (SELECT 1 FROM peer_buckets b WHERE b.remote_address = e.remote_address AND b.bucket = e.time / 6000000000)' "$K")" 0
