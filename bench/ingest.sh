#!/usr/bin/env bash
# Store ingest benchmark: `faultline ingest` of a generated EVTX file into a
# fresh SQLite database (read + decode + type + insert, end to end), printed
# next to the bare filtered scan of the same file (`faultline dump --id <the
# in-scope ids> FILE > /dev/null`), as records/s, in-scope events/s and the
# ratio. Results belong in docs/performance.md under "Store".
#
# usage: bench/ingest.sh [SIZE] [FAULTLINE_BINARY]     (default 2GiB, release)
# env:   BENCH_DIR (default /tmp/faultline-bench), BENCH_KEEP=1 keeps files,
#        BENCH_INPUT=FILE uses an existing EVTX file instead of generating.
# Skips with a message when `faultline gen` is not available. Never writes
# outside BENCH_DIR. This is not bench/run.sh (the reader's benchmark).
set -eu
cd "$(dirname "$0")/.."
SIZE=${1:-2GiB}
BIN=${2:-build/release/faultline}
DIR=${BENCH_DIR:-/tmp/faultline-bench}
mkdir -p "$DIR"
[ -x "$BIN" ] || { echo "bench/ingest.sh: $BIN not built (make)"; exit 1; }

IN=${BENCH_INPUT:-$DIR/enterprise-$SIZE.evtx}
if [ ! -f "$IN" ]; then
  if ! "$BIN" gen --help >/dev/null 2>&1; then
    echo "bench/ingest.sh: SKIP: 'faultline gen' is not available in $BIN"
    exit 0
  fi
  echo "generating $IN ($SIZE, scenario enterprise) ..."
  "$BIN" gen enterprise --size "$SIZE" --format evtx -o "$IN" --no-manifest >/dev/null
fi
BYTES=$(stat -c %s "$IN")

# the in-scope ids, as the store derives them from the catalog
DB=$DIR/bench.db
FIX=$(dirname "$BIN")/tests/test_store_fixture
IDS=$("$FIX" ids) || { echo "bench/ingest.sh: $FIX not built (make)"; exit 1; }

now() { date +%s.%N; }
rate() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.0f", n / t }'; }

cat "$IN" >/dev/null # warm the page cache for both runs alike

t0=$(now)
"$BIN" dump --threads 1 --id "$IDS" --format xml "$IN" >/dev/null 2>&1 || true
t1=$(now)
scan=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')

rm -f "$DB" "$DB-wal" "$DB-shm"
t0=$(now)
out=$("$BIN" ingest --db "$DB" "$IN" 2>/dev/null || true)
t1=$(now)
ing=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
records=$(echo "$out" | sed -n 's/.*: \([0-9]*\) records, \([0-9]*\) in scope.*/\1/p')
inscope=$(echo "$out" | sed -n 's/.*: \([0-9]*\) records, \([0-9]*\) in scope.*/\2/p')
dbsize=$(stat -c %s "$DB")

printf '\ninput: %s, %d MiB, %s records, %s in scope\n' "$IN" $((BYTES >> 20)) "$records" "$inscope"
printf '%-34s %9s %14s %16s %9s\n' "run" "seconds" "records/s" "in-scope/s" "MB/s"
printf '%-34s %9.2f %14s %16s %9.0f\n' "dump --id <in-scope> (scan only)" "$scan" \
  "$(rate "$records" "$scan")" "$(rate "$inscope" "$scan")" "$(awk -v b="$BYTES" -v t="$scan" 'BEGIN{print b/1e6/t}')"
printf '%-34s %9.2f %14s %16s %9.0f\n' "ingest (scan + type + SQLite)" "$ing" \
  "$(rate "$records" "$ing")" "$(rate "$inscope" "$ing")" "$(awk -v b="$BYTES" -v t="$ing" 'BEGIN{print b/1e6/t}')"
printf 'ingest / scan time: %.2fx; database: %d MiB\n' \
  "$(awk -v a="$ing" -v b="$scan" 'BEGIN { print a / b }')" $((dbsize >> 20))

# the rerun: everything is a duplicate
t0=$(now)
"$BIN" ingest -q --db "$DB" "$IN" >/dev/null 2>&1 || true
t1=$(now)
printf 're-ingest (all duplicates): %.2f s\n' "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"
[ "${BENCH_KEEP:-0}" = 1 ] || rm -f "$DB" "$DB-wal" "$DB-shm"
