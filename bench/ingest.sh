#!/usr/bin/env bash
# Store ingest benchmark: `faultline ingest` into a fresh SQLite database
# (read + decode + type + insert, end to end) printed next to the bare
# filtered scan of the same file (`faultline dump --threads 1 --id <the
# in-scope ids> FILE > /dev/null`), as in-scope events/s, records/s and MB/s,
# on two inputs:
#   dense   tests/unit/test_store_fixture write F N (80 % of records in
#           scope; N = BENCH_DENSE, default 1000000, ~773 MB)
#   sparse  faultline gen enterprise --size SIZE (~1 % in scope; default 2GiB)
# plus the re-ingest of the file (every event already stored). ingest runs
# with one reader thread (records stored in file order; SQLite on the
# store's writer thread) and with --threads 2 (two reader threads).
# Results belong in docs/performance.md under "Store".
#
# usage: bench/ingest.sh [SIZE] [FAULTLINE_BINARY]     (default 2GiB, release)
# env:   BENCH_DIR (default /tmp/faultline-bench), BENCH_KEEP=1 keeps the
#        databases, BENCH_INPUT=FILE uses an existing EVTX file as the sparse
#        input, BENCH_DENSE=N (0 skips the dense input), BENCH_RUNS=N best of
#        N wall times (default 1; CPU = user + sys of the best run).
# Skips the sparse input with a message when `faultline gen` is not
# available. Never writes outside BENCH_DIR. This is not bench/run.sh (the
# reader's benchmark).
set -eu
cd "$(dirname "$0")/.."
SIZE=${1:-2GiB}
BIN=${2:-build/release/faultline}
DIR=${BENCH_DIR:-/tmp/faultline-bench}
RUNS=${BENCH_RUNS:-1}
DENSE=${BENCH_DENSE:-1000000}
mkdir -p "$DIR"
[ -x "$BIN" ] || { echo "bench/ingest.sh: $BIN not built (make)"; exit 1; }
FIX=$(dirname "$BIN")/tests/test_store_fixture
IDS=$("$FIX" ids) || { echo "bench/ingest.sh: $FIX not built (make)"; exit 1; }
DB=$DIR/bench.db
printf 'load average: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"

# timed LABEL CMD...: best-of-RUNS wall seconds into $wall, user+sys of that
# run into $cpu, the command's stdout into $out; PRE (a function name) runs
# before each run.
PRE=:
timed() {
  local best='' i t
  for ((i = 0; i < RUNS; i++)); do
    $PRE
    /usr/bin/time -f '%e %U %S' -o "$DIR/time" "$@" >"$DIR/out" 2>/dev/null || true
    t=$(tail -n 1 "$DIR/time")
    if [ -z "$best" ] || awk -v a="${t%% *}" -v b="${best%% *}" 'BEGIN{exit !(a < b)}'; then
      best=$t
      out=$(cat "$DIR/out")
    fi
  done
  wall=${best%% *}
  cpu=$(echo "$best" | awk '{ print $2 + $3 }')
}
fresh_db() { rm -f "$DB" "$DB-wal" "$DB-shm"; }
rate() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.0f", (t > 0 ? n / t : 0) }'; }
row() { # LABEL IN_SCOPE RECORDS BYTES
  printf '%-30s %8.2f %8.2f %12s %12s %11s %7.0f\n' "$1" "$wall" "$cpu" \
    "$(rate "$2" "$wall")" "$(rate "$2" "$cpu")" "$(rate "$3" "$wall")" \
    "$(awk -v b="$4" -v t="$wall" 'BEGIN { print (t > 0 ? b / 1e6 / t : 0) }')"
}

# bench_input NAME FILE: scan, ingest into a fresh database, re-ingest
bench_input() {
  local name=$1 in=$2 bytes records inscope
  bytes=$(stat -c %s "$in")
  cat "$in" >/dev/null # warm the page cache for every run alike
  PRE=fresh_db timed "$BIN" ingest --db "$DB" "$in"
  local iw=$wall ic=$cpu
  records=$(echo "$out" | sed -n 's/.*: \([0-9]*\) records, \([0-9]*\) in scope.*/\1/p')
  inscope=$(echo "$out" | sed -n 's/.*: \([0-9]*\) records, \([0-9]*\) in scope.*/\2/p')
  printf '\n%s: %s, %d MiB, %s records, %s in scope; database %d MiB\n' "$name" \
    "$in" $((bytes >> 20)) "$records" "$inscope" $(($(stat -c %s "$DB") >> 20))
  printf '%-30s %8s %8s %12s %12s %11s %7s\n' run wall_s cpu_s in-scope/s \
    in-scope/cpu-s records/s MB/s
  PRE=: timed "$BIN" dump --threads 1 --id "$IDS" --format xml "$in"
  row "dump --id (scan only)" "$inscope" "$records" "$bytes"
  local sw=$wall
  wall=$iw cpu=$ic
  row "ingest (scan+type+SQLite)" "$inscope" "$records" "$bytes"
  PRE=fresh_db timed "$BIN" ingest --threads 2 --db "$DB" "$in"
  row "ingest --threads 2" "$inscope" "$records" "$bytes"
  PRE=: timed "$BIN" ingest -q --db "$DB" "$in"
  row "re-ingest (already complete)" "$inscope" "$records" "$bytes"
  printf 'ingest / scan wall time: %.2fx\n' "$(awk -v a="$iw" -v b="$sw" 'BEGIN { print a / b }')"
  [ "${BENCH_KEEP:-0}" = 1 ] || fresh_db
}

if [ "$DENSE" -gt 0 ]; then
  DF=$DIR/dense-$DENSE.evtx
  [ -f "$DF" ] || "$FIX" write "$DF" "$DENSE"
  bench_input dense "$DF"
fi

IN=${BENCH_INPUT:-$DIR/enterprise-$SIZE.evtx}
if [ ! -f "$IN" ]; then
  if ! "$BIN" gen --help >/dev/null 2>&1; then
    echo "bench/ingest.sh: SKIP sparse: 'faultline gen' is not available in $BIN"
    exit 0
  fi
  echo "generating $IN ($SIZE, scenario enterprise) ..."
  "$BIN" gen enterprise --size "$SIZE" --format evtx -o "$IN" --no-manifest >/dev/null
fi
bench_input "sparse (gen enterprise)" "$IN"
