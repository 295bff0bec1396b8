#!/usr/bin/env bash
# bench/clickhouse.sh: the ClickHouse store backend side by side with SQLite
# on the same input, in one run. Never part of `make test`.
#   1. ingest: `faultline ingest` of one dense EVTX file (test_store_fixture:
#      N in-scope IPsec main mode failures, 80 % of the records) into a fresh
#      SQLite database and into a 2-shard ClickHouse cluster (Debian's
#      clickhouse-server, started here on 127.0.0.1 as the current user):
#      wall time, events/s, peak RSS, rows stored;
#   2. fleet-wide report over every stored row: `faultline report` from each
#      store: wall time, peak RSS, and whether the two reports are byte-equal;
#   3. query: every row as a timeline CSV, and one peer's failures as JSON
#      lines (`faultline query`), from each store: wall, peak RSS, and
#      whether the outputs are byte-equal (timeline) or equal but for the
#      columns ClickHouse does not keep (jsonl; docs/deployment.md).
# usage: bench/clickhouse.sh [N] [BIN]   (default 20000000, build/release/faultline)
# env:   BENCH_DIR (default /tmp/faultline-bench-ch; the EVTX file, ~0.8 GB
#        per million events, and both stores live there and are removed)
set -u
cd "$(dirname "$0")/.."
N=${1:-20000000}
BIN=${2:-build/release/faultline}
CH=${FL_CLICKHOUSE_SERVER:-/usr/sbin/clickhouse-server}
PY=/usr/bin/python3
FIX=$(dirname "$BIN")/tests/test_store_fixture
[ -x "$BIN" ] && [ -x "$FIX" ] || { echo "bench/clickhouse.sh: build first (make)"; exit 1; }
[ -x "$CH" ] || { echo "bench/clickhouse.sh: $CH not installed (Debian package clickhouse-server)"; exit 1; }
TMP=${BENCH_DIR:-/tmp/faultline-bench-ch}
rm -rf "$TMP"; mkdir -p "$TMP"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$TMP"' EXIT
. tests/clickhouse_lib.sh
# the servers keep the tests' 1 GB per query: faultline's reads are sliced
export CH_TIMEOUT=7200
ch_ports
mkconf 1 "$H1" "$T1"
mkconf 2 "$H2" "$T2"
start_shard 1 "$H1"
start_shard 2 "$H2"
URL="clickhouse://127.0.0.1:$H1,127.0.0.1:$H2/flbench?cluster=fltest&spool=$TMP/spool"
echo "clickhouse-server $(q "$H1" 'SELECT version()'), 2 shards; load average $(cut -d' ' -f1-3 /proc/loadavg)"

"$FIX" write "$TMP/dense.evtx" "$N" >/dev/null || exit 1
echo "input: $N in-scope events, $(du -m "$TMP/dense.evtx" | cut -f1) MB EVTX"

# timed LABEL CMD...: wall seconds in $wall, peak RSS (MB) in $rss
timed() {
  local label=$1; shift
  local t0 t1
  t0=$(date +%s.%N)
  /usr/bin/time -f '%M' -o "$TMP/rss" "$@" >"$TMP/$label.out" 2>"$TMP/$label.err"
  t1=$(date +%s.%N)
  wall=$(echo "$t1 - $t0" | bc)
  rss=$(( $(tail -1 "$TMP/rss") / 1024 ))
}

timed sqlite_ingest "$BIN" ingest -q --db "$TMP/s.db" "$TMP/dense.evtx"
S_ROWS=$("$BIN" sql --db "$TMP/s.db" --format csv 'select count(*) from events' | tail -1 | tr -d '\r')
printf 'ingest  SQLite      %8.1f s  %9.0f events/s  peak RSS %4d MB  %s rows\n' "$wall" "$(echo "$S_ROWS / $wall" | bc)" "$rss" "$S_ROWS"
S_WALL=$wall
timed ch_ingest "$BIN" ingest -q --store "$URL" "$TMP/dense.evtx"
C_ROWS=$(q "$H1" "SELECT count() FROM flbench.events")
printf 'ingest  ClickHouse  %8.1f s  %9.0f events/s  peak RSS %4d MB  %s rows (ratio to SQLite %.2f)\n' "$wall" "$(echo "$C_ROWS / $wall" | bc)" "$rss" "$C_ROWS" "$(echo "$S_WALL / $wall" | bc -l)"
echo "disk: SQLite $(du -m "$TMP/s.db" | cut -f1) MB; ClickHouse $(du -sm "$TMP/ch1/data" "$TMP/ch2/data" | awk '{s += $1} END {print s}') MB over 2 shards"

timed sqlite_report "$BIN" report --db "$TMP/s.db"
printf 'report  SQLite      %8.1f s  %9.0f rows/s    peak RSS %4d MB\n' "$wall" "$(echo "$S_ROWS / $wall" | bc)" "$rss"
S_WALL=$wall
timed ch_report "$BIN" report --store "$URL"
printf 'report  ClickHouse  %8.1f s  %9.0f rows/s    peak RSS %4d MB (ratio to SQLite %.2f)\n' "$wall" "$(echo "$C_ROWS / $wall" | bc)" "$rss" "$(echo "$S_WALL / $wall" | bc -l)"
if cmp -s "$TMP/sqlite_report.out" "$TMP/ch_report.out"; then echo "reports: byte-identical ($(wc -l <"$TMP/ch_report.out") lines)"
else echo "reports DIFFER: $(diff "$TMP/sqlite_report.out" "$TMP/ch_report.out" | head -5) $(head -c 300 "$TMP/ch_report.err")"; fi

# query_row LABEL ARGS...: the same query from each store, side by side
query_row() {
  local label=$1; shift
  timed "sqlite_$label" "$BIN" query --db "$TMP/s.db" "$@"
  local s_wall=$wall s_rss=$rss
  timed "ch_$label" "$BIN" query --store "$URL" "$@"
  local rows; rows=$(wc -l <"$TMP/ch_$label.out")
  printf 'query %-9s SQLite %7.1f s (%4d MB)  ClickHouse %7.1f s (%4d MB)  %s lines  ratio %.2f\n' \
    "$label" "$s_wall" "$s_rss" "$wall" "$rss" "$rows" "$(echo "$s_wall / $wall" | bc -l)"
}
query_row timeline --format timeline
if cmp -s "$TMP/sqlite_timeline.out" "$TMP/ch_timeline.out"; then echo "timeline: byte-identical"
else echo "timeline DIFFERS: $(diff "$TMP/sqlite_timeline.out" "$TMP/ch_timeline.out" | head -3) $(head -c 300 "$TMP/ch_timeline.err")"; fi
PEER=$("$BIN" sql --db "$TMP/s.db" --format csv "select remote_address from events where remote_address is not null limit 1" | tail -1 | tr -d '\r')
query_row peer --peer "$PEER" --failures --format jsonl
"$PY" - "$TMP/sqlite_peer.out" "$TMP/ch_peer.out" <<'PYEOF'
import json, sys
drop = {"id", "source_id", "version", "file_offset"}
a = [{k: v for k, v in json.loads(l).items() if k not in drop} for l in open(sys.argv[1])]
b = [{k: v for k, v in json.loads(l).items() if k not in drop} for l in open(sys.argv[2])]
print("peer jsonl: equal" if a == b else "peer jsonl DIFFERS (%d vs %d rows)" % (len(a), len(b)))
PYEOF
