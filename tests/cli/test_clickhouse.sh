#!/usr/bin/env bash
# The ClickHouse store backend against real servers: two clickhouse-server
# shards started here as the current user on 127.0.0.1 (free ports, every
# path in a temp dir, bounded by timeout), the Distributed table created by
# faultline, two collectors (ingest --store) writing into it, shard 2 stopped
# mid-run and restarted (the collectors spool, then replay), and then: every
# event stored exactly once, report (text and JSON) byte for byte the
# SQLite run's, hostile text intact, prune dropping day partitions on both
# shards. Skips only when clickhouse-server is not installed.
. "$(dirname "$0")/../cli_lib.sh"
CH=${FL_CLICKHOUSE_SERVER:-/usr/sbin/clickhouse-server}
PY=/usr/bin/python3
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  [ -n "${KEEP:-}" ] || rm -rf "$TMP"
}
trap cleanup EXIT
if [ ! -x "$CH" ]; then echo "SKIP clickhouse: $CH not installed (Debian package clickhouse-server)"; exit 0; fi
. "$(dirname "$0")/../clickhouse_lib.sh"
cd "$TMP" || exit 1
ch_ports
mkconf 1 "$H1" "$T1"
mkconf 2 "$H2" "$T2"
start_shard 1 "$H1"
start_shard 2 "$H2"
echo "PASS clickhouse_started (2 shards, version $(q "$H1" 'SELECT version()'))"

# four inputs, two per collector; one with hostile peer-controlled text
"$FL_BIN" gen enterprise --hosts 3 --days 2 --seed 3 --no-manifest -o c1-a.evtx >/dev/null 2>&1
"$FL_BIN" gen estate --hosts 4 --days 2 --seed 4 --host-offset 10 --format jsonl --no-manifest -o c1-b.jsonl >/dev/null 2>&1
"$FL_BIN" gen cert-untrusted --hostile --seed 5 --host-offset 20 --format xml --no-manifest -o c2-a.xml >/dev/null 2>&1
"$FL_BIN" gen estate --hosts 4 --days 2 --seed 6 --host-offset 30 --no-manifest -o c2-b.evtx >/dev/null 2>&1

# the SQLite run: the same inputs in path order
"$FL_BIN" ingest -q --db ref.db c1-a.evtx c1-b.jsonl c2-a.xml c2-b.evtx
"$FL_BIN" report --db ref.db >ref.txt
"$FL_BIN" report --db ref.db --format json >ref.json
WANT=$("$FL_BIN" sql --db ref.db --format csv 'select count(*) from events' | tail -1 | tr -d '\r')

BOTH="127.0.0.1:$H1,127.0.0.1:$H2"
URL="clickhouse://$BOTH/fltest?cluster=fltest"
URL1="clickhouse://$BOTH/fltest?cluster=fltest&spool=$TMP/spool1"
URL2="clickhouse://127.0.0.1:$H2,127.0.0.1:$H1/fltest?cluster=fltest&spool=$TMP/spool2"

# faultline creates the tables on both nodes (no inputs: nothing to send)
expect_exit clickhouse_schema 0 -- ingest --store "$URL1"
if [ "$(q "$H2" "SELECT engine FROM system.tables WHERE database='fltest' AND name='events'")" = Distributed ] &&
   [ "$(q "$H1" "SELECT engine FROM system.tables WHERE database='fltest' AND name='events_local'")" = ReplacingMergeTree ]
then echo "PASS clickhouse_distributed_table"; else echo "FAIL clickhouse_distributed_table: $(q "$H1" "SHOW TABLES FROM fltest")"; fi

# both collectors at once, shard 2 up
"$FL_BIN" ingest -q --batch 100 --store "$URL1" c1-a.evtx 2>c1.err & A=$!
"$FL_BIN" ingest -q --batch 100 --store "$URL2" c2-a.xml 2>c2.err & B=$!
wait $A; RA=$?; wait $B; RB=$?
if [ $RA -eq 0 ] && [ $RB -eq 0 ]; then echo "PASS clickhouse_collectors_up"; else
  echo "FAIL clickhouse_collectors_up: exit $RA $RB: $(head -c 300 c1.err c2.err)"; fi

# shard 2 goes down mid-run: the collectors keep going into their spools
stop_shard 2
"$FL_BIN" ingest -q --batch 100 --store "$URL1" c1-b.jsonl 2>c1.err & A=$!
"$FL_BIN" ingest -q --batch 100 --store "$URL2" c2-b.evtx 2>c2.err & B=$!
wait $A; RA=$?; wait $B; RB=$?
n1=$(ls spool1 | grep -c 'json.gz$'); n2=$(ls spool2 | grep -c 'json.gz$')
if [ $RA -eq 1 ] && [ $RB -eq 1 ] && [ "$n1" -gt 0 ] && [ "$n2" -gt 0 ] && grep -q spool c1.err; then
  echo "PASS clickhouse_spooled_while_down ($n1 + $n2 batches)"
else echo "FAIL clickhouse_spooled_while_down: exit $RA $RB, spooled $n1 $n2: $(head -c 300 c1.err)"; fi

# shard 2 back: the collectors replay their spools in order
start_shard 2 "$H2"
"$FL_BIN" ingest --store "$URL1" 2>c1.err & A=$!
"$FL_BIN" ingest --store "$URL2" 2>c2.err & B=$!
wait $A; RA=$?; wait $B; RB=$?
n1=$(ls spool1 | grep -c 'json.gz$'); n2=$(ls spool2 | grep -c 'json.gz$')
if [ $RA -eq 0 ] && [ $RB -eq 0 ] && [ "$n1" -eq 0 ] && [ "$n2" -eq 0 ]; then echo "PASS clickhouse_spool_replayed"
else echo "FAIL clickhouse_spool_replayed: exit $RA $RB, left $n1 $n2: $(head -c 300 c1.err c2.err)"; fi

# exactly once: as many events as SQLite stored, no key twice
GOT=$(q "$H1" "SELECT count() FROM fltest.events FINAL")
KEYS=$(q "$H1" "SELECT uniqExact(host, channel, key) FROM fltest.events")
S1=$(q "$H1" "SELECT count() FROM fltest.events_local FINAL")
S2=$(q "$H2" "SELECT count() FROM fltest.events_local FINAL")
if [ -n "$WANT" ] && [ "$GOT" = "$WANT" ] && [ "$KEYS" = "$WANT" ] && [ "$S1" -gt 0 ] && [ "$S2" -gt 0 ]; then
  echo "PASS clickhouse_exactly_once ($GOT events, $S1 + $S2 per shard)"
else echo "FAIL clickhouse_exactly_once: sqlite $WANT, clickhouse $GOT (keys $KEYS, shards $S1 $S2)"; fi

# re-sending a source changes nothing
expect_exit clickhouse_resend 0 -- ingest -q --store "$URL1" c2-a.xml
GOT=$(q "$H2" "SELECT count() FROM fltest.events FINAL")
if [ "$GOT" = "$WANT" ]; then echo "PASS clickhouse_resend_no_duplicate"; else
  echo "FAIL clickhouse_resend_no_duplicate: $GOT, expected $WANT"; fi

# the same findings as the SQLite run, byte for byte
"$FL_BIN" report --store "$URL" >ch.txt 2>ch.err
"$FL_BIN" report --store "$URL" --format json >ch.json 2>>ch.err
if cmp -s ch.txt ref.txt && cmp -s ch.json ref.json && [ -s ref.json ]; then
  echo "PASS clickhouse_report_equals_sqlite ($(wc -l <ref.txt) lines)"
else echo "FAIL clickhouse_report_equals_sqlite: $(diff ref.txt ch.txt | head -5) $(head -c 200 ch.err)"; fi
# read in many small time slices (an hour or a few per query): the same report
"$FL_BIN" report --store "$URL&read_rows=40" --format json >ch-sliced.json 2>ch.err
if cmp -s ch-sliced.json ref.json; then echo "PASS clickhouse_report_in_slices"
else echo "FAIL clickhouse_report_in_slices: $(diff ref.json ch-sliced.json | head -5) $(head -c 200 ch.err)"; fi
# query against ClickHouse prints the SQLite query's rows: every format,
# filters of every kind, a limit, results over several scratch rounds and
# text-width samples; in jsonl only the numbering columns (id, source_id)
# and what ClickHouse does not keep (version, file_offset) may differ
PICK=$("$FL_BIN" sql --db ref.db --format csv "select host, remote_address, error_code, event_id from events where is_failure = 1 and remote_address is not null and error_code is not null order by time limit 1" | tail -1 | tr -d '\r')
IFS=, read -r QHOST QPEER QCODE QEVENT <<<"$PICK"
qbad=
qcheck() { # name, then query options
  local name=$1; shift
  "$FL_BIN" query --db ref.db "$@" >q-ref.out 2>q-ref.err; local r1=$?
  "$FL_BIN" query --store "$URL&read_rows=50" "$@" >q-ch.out 2>q-ch.err; local r2=$?
  if [ $r1 -ne 0 ] || [ $r2 -ne 0 ] || ! cmp -s q-ref.out q-ch.out || [ ! -s q-ref.out ]; then
    qbad="$qbad $name(exit $r1/$r2: $(diff q-ref.out q-ch.out | head -3 | cut -c1-160) $(head -c 200 q-ch.err))"
  fi
}
qcheck all_text
qcheck failures_text --failures
qcheck timeline --format timeline
qcheck ecs --format ecs --failures
qcheck host --host "$(echo "$QHOST" | tr a-z A-Z)" --format timeline
qcheck peer --peer "$QPEER" --format ecs
qcheck code --code "$QCODE" --event "$QEVENT,4653"
qcheck kind --kind mm_failure --type security --limit 7
qcheck since --since 2024-01-01 --until 2030-01-01 --limit 1100 --format timeline
qcheck none --host no-such-host
qcheck none_csv --host no-such-host --format csv
qcheck hostile --host "x' OR 1=1 --"
"$FL_BIN" query --db ref.db --format jsonl >q-ref.jsonl
"$FL_BIN" query --store "$URL" --format jsonl >q-ch.jsonl 2>q-ch.err
"$PY" - q-ref.jsonl q-ch.jsonl <<'PYEOF' >q-cmp.txt || qbad="$qbad jsonl($(head -c 300 q-cmp.txt))"
import json, sys
drop = {"id", "source_id", "version", "file_offset"}
a = [json.loads(l) for l in open(sys.argv[1])]
b = [json.loads(l) for l in open(sys.argv[2])]
if len(a) != len(b) or not a:
    print("rows", len(a), len(b)); sys.exit(1)
for i, (x, y) in enumerate(zip(a, b)):
    x = {k: v for k, v in x.items() if k not in drop}
    y = {k: v for k, v in y.items() if k not in drop}
    if x != y:
        print("row", i, [k for k in x if x[k] != y.get(k)]); sys.exit(1)
PYEOF
if [ -z "$qbad" ]; then echo "PASS clickhouse_query_equals_sqlite (12 filters and formats, $(wc -l <q-ref.jsonl) jsonl rows)"
else echo "FAIL clickhouse_query_equals_sqlite:$qbad"; fi
# a record without an EventRecordID (netsh) is cited by its number in its
# source, as report cites it: never an empty evidence
"$FL_BIN" gen proposal-mismatch --seed 7 --format netsh --no-manifest -o n.xml >/dev/null 2>&1
"$FL_BIN" ingest -q --store "clickhouse://127.0.0.1:$H1/flnetsh" n.xml 2>n.err
"$FL_BIN" query --store "clickhouse://127.0.0.1:$H1/flnetsh" --format timeline >n.csv 2>>n.err
NROWS=$(($(wc -l <n.csv) - 1)); NGOOD=$(grep -c '/n\.xml#record [0-9]*.$' n.csv)
if [ "$NROWS" -gt 0 ] && [ "$NROWS" = "$NGOOD" ]; then echo "PASS clickhouse_query_keyless_evidence ($NROWS rows)"
else echo "FAIL clickhouse_query_keyless_evidence: $NGOOD of $NROWS: $(head -3 n.csv) $(head -c 200 n.err)"; fi
expect_exit clickhouse_query_bad_store 3 -- query --store "clickhouse://127.0.0.1:1/fltest"

# sql against ClickHouse: its dialect, run read-only by the server, printed
# by faultline's printer: a fleet-wide aggregate equals SQLite's, numbers
# stay numbers, hostile text is escaped alike, --limit, --timeout, no write
sbad=
"$FL_BIN" sql --db ref.db --format csv "SELECT host, count(*) AS n, sum(is_failure) AS failures FROM events GROUP BY host ORDER BY host" >s-ref.csv 2>&1
"$FL_BIN" sql --store "$URL" --format csv "SELECT host, count() AS n, sum(is_failure) AS failures FROM events FINAL GROUP BY host ORDER BY host;" >s-ch.csv 2>s-ch.err
cmp -s s-ref.csv s-ch.csv && [ "$(wc -l <s-ref.csv)" -gt 5 ] || sbad="$sbad aggregate($(diff s-ref.csv s-ch.csv | head -3) $(head -c 200 s-ch.err))"
"$FL_BIN" sql --db ref.db "SELECT host, remote_principal, error_text FROM events WHERE remote_principal <> '' ORDER BY time, host, remote_principal LIMIT 40" >s-ref.txt 2>&1
"$FL_BIN" sql --store "$URL" "SELECT host, remote_principal, error_text FROM events FINAL WHERE remote_principal != '' ORDER BY time, host, remote_principal LIMIT 40" >s-ch.txt 2>s-ch.err
cmp -s s-ref.txt s-ch.txt && [ "$(wc -l <s-ref.txt)" -gt 10 ] || sbad="$sbad text($(diff s-ref.txt s-ch.txt | head -3) $(head -c 200 s-ch.err))"
[ "$("$FL_BIN" sql --store "$URL" --format jsonl "SELECT count() AS n, toFloat64(0.5) AS f, NULL AS z, 'a\"b' AS s FROM events FINAL" 2>&1)" = "{\"n\":$WANT,\"f\":0.5,\"z\":null,\"s\":\"a\\\"b\"}" ] || sbad="$sbad jsonl_types"
[ "$("$FL_BIN" sql --store "$URL" --limit 3 --format csv "SELECT number FROM system.numbers LIMIT 100000" 2>&1 | wc -l)" = 4 ] || sbad="$sbad limit"
"$FL_BIN" sql --store "$URL" --timeout 1 "SELECT count() FROM system.numbers" >/dev/null 2>s-t.err; r=$?
[ $r = 1 ] && grep -q "timeout" s-t.err || sbad="$sbad timeout(exit $r $(head -c 200 s-t.err))"
"$FL_BIN" sql --store "$URL" "DROP TABLE events" >/dev/null 2>s-w.err; r=$?
[ $r = 3 ] && [ "$(q "$H1" "SELECT count() FROM fltest.events FINAL")" = "$WANT" ] || sbad="$sbad write(exit $r $(head -c 200 s-w.err))"
if [ -z "$sbad" ]; then echo "PASS clickhouse_sql (aggregate = SQLite's, text escaped alike, types, limit, timeout, no write)"
else echo "FAIL clickhouse_sql:$sbad"; fi

# diagnose into ClickHouse reports what the SQLite diagnose does
"$FL_BIN" diagnose -q --store "clickhouse://$BOTH/fldiag?cluster=fltest&spool=$TMP/spool3" c2-a.xml >d.txt 2>d.err
"$FL_BIN" diagnose -q --no-db c2-a.xml >dref.txt 2>/dev/null
if cmp -s d.txt dref.txt && [ "$(q "$H1" 'SELECT count() FROM fldiag.events FINAL')" -gt 0 ]; then
  echo "PASS clickhouse_diagnose"; else echo "FAIL clickhouse_diagnose: $(diff dref.txt d.txt | head -5) $(head -c 200 d.err)"; fi

# faultline serve as a collector into the cluster: events posted over HTTP
# are stored once (a resent body changes nothing), in one source row
SERVE_URL="clickhouse://$BOTH/flserve?cluster=fltest&spool=$TMP/spool4"
"$FL_BIN" serve --store "$SERVE_URL" --listen http://127.0.0.1:0 2>serve.log & SP=$!
PIDS+=($SP)
for _ in $(seq 1 150); do grep -q 'event=ready' serve.log && break; sleep 0.1; done
SPORT=$(grep -o 'event=listening spec=http://[^ ]*' serve.log | sed 's/.*://')
post() { curl -sS -o /dev/null -w '%{http_code}' --max-time 60 -H 'Content-Type: application/x-ndjson' \
  --data-binary @"$1" "http://127.0.0.1:$SPORT/ingest"; }
"$FL_BIN" ingest -q --db serve-ref.db c1-b.jsonl
SWANT=$("$FL_BIN" sql --db serve-ref.db --format csv 'select count(*) from events' | tail -1 | tr -d '\r')
split -l 300 c1-b.jsonl part.   # bodies under serve's 1 MiB message limit
C1= C2=
for f in part.*; do C1=$C1$(post "$f"); done
for f in part.*; do C2=$C2$(post "$f"); done
kill -TERM $SP; wait $SP; SRC=$?
GOT=$(q "$H1" "SELECT count() FROM flserve.events FINAL")
NSRC=$(q "$H1" "SELECT count() FROM flserve.sources FINAL")
if [ -z "$(echo "$C1$C2" | sed 's/200//g')" ] && [ "$SRC" = 0 ] && [ -n "$SWANT" ] && [ "$GOT" = "$SWANT" ] && [ "$NSRC" = 1 ]; then
  echo "PASS clickhouse_serve_exactly_once ($GOT events, posted twice, 1 source)"
else echo "FAIL clickhouse_serve_exactly_once: http $C1 $C2 exit $SRC, sqlite $SWANT, clickhouse $GOT, sources $NSRC: $(grep -v 'event=listening' serve.log | head -c 400)"; fi

# a --host value is a string literal, never SQL
expect_exit clickhouse_host_literal 0 -- report --store "$URL" --host "x') OR 1=1 OR (host = '"
expect_out clickhouse_host_literal_empty 'Findings +0 raised'

# malformed URLs are usage errors
expect_exit clickhouse_bad_url 2 -- report --store "clickhouse://127.0.0.1:$H1/bad-name"
expect_exit clickhouse_bad_host 2 -- report --store "clickhouse://exa mple:1/db"

# retention: every generated day is long past; both shards drop them
expect_exit clickhouse_prune 0 -- prune --store "$URL" --older-than 30d
expect_out clickhouse_prune_count '^[1-9][0-9]* day partitions removed'
GOT=$(q "$H1" "SELECT count() FROM fltest.events")
if [ "$GOT" = 0 ]; then echo "PASS clickhouse_pruned"; else echo "FAIL clickhouse_pruned: $GOT rows left"; fi
expect_exit sqlite_prune 0 -- prune --db ref.db --older-than 30d
expect_out sqlite_prune_count "^$WANT events removed"
