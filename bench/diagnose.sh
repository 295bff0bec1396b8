#!/usr/bin/env bash
# Diagnosis benchmark: `faultline diagnose` (read + type + store + diagnose +
# report, end to end) on a large generated file, side by side with the bare
# filtered scan of the same file (`faultline dump --threads 1 --id <in-scope
# ids> FILE > /dev/null`), reported as a ratio. Target (issue "Diagnosis and
# reports"): diagnose <= 2x the filtered scan. Results go in
# docs/performance.md under "Diagnosis".
#
# usage: bench/diagnose.sh [SIZE] [FAULTLINE_BINARY]   (default 2GiB, release)
# env:   BENCH_DIR (default /tmp/faultline-bench), BENCH_RUNS (best of N, 3),
#        BENCH_INPUT=FILE to use an existing EVTX file.
# Never writes outside BENCH_DIR.
set -eu
cd "$(dirname "$0")/.."
SIZE=${1:-2GiB}
BIN=${2:-build/release/faultline}
DIR=${BENCH_DIR:-/tmp/faultline-bench}
RUNS=${BENCH_RUNS:-3}
mkdir -p "$DIR"
[ -x "$BIN" ] || { echo "bench/diagnose.sh: $BIN not built (make)"; exit 1; }
FIX=$(dirname "$BIN")/tests/test_store_fixture
IDS=$("$FIX" ids) || { echo "bench/diagnose.sh: $FIX not built (make)"; exit 1; }
IN=${BENCH_INPUT:-$DIR/enterprise-$SIZE.evtx}
if [ ! -f "$IN" ]; then
  echo "making $IN with faultline gen (once)"
  "$BIN" gen enterprise --seed 1 --size "$SIZE" --format evtx --no-manifest -o "$IN" >/dev/null
fi
DB=$DIR/diagnose.db
printf 'input: %s (%s bytes)   load average: %s\n' "$IN" "$(stat -c %s "$IN")" \
  "$(cut -d' ' -f1-3 /proc/loadavg)"

# best LABEL CMD...: best-of-RUNS wall and that run's CPU and peak RSS
best() {
  local label=$1 b='' t i
  shift
  for ((i = 0; i < RUNS; i++)); do
    rm -f "$DB" "$DB-wal" "$DB-shm"
    cat "$IN" >/dev/null # same page-cache state for every run
    /usr/bin/time -f '%e %U %S %M' -o "$DIR/time" "$@" >/dev/null 2>&1 || true
    t=$(tail -n 1 "$DIR/time")
    if [ -z "$b" ] || awk -v a="${t%% *}" -v c="${b%% *}" 'BEGIN{exit !(a < c)}'; then b=$t; fi
  done
  echo "$label $b"
}
{
  best scan "$BIN" dump --threads 1 --id "$IDS" "$IN"
  best nodb "$BIN" diagnose --no-db "$IN"
  best db "$BIN" diagnose --db "$DB" "$IN"
} >"$DIR/diag-bench.txt"
awk '
  { wall[$1] = $2; cpu[$1] = $3 + $4; rss[$1] = $5 }
  END {
    printf "%-36s %8s %8s %9s %10s\n", "run", "wall s", "CPU s", "RSS MB", "x scan"
    split("scan nodb db", order, " ")
    names["scan"] = "filtered scan (dump --id, 1 thread)"
    names["nodb"] = "diagnose --no-db"
    names["db"] = "diagnose (fresh database)"
    for (i = 1; i <= 3; i++) { k = order[i]
      printf "%-36s %8.2f %8.2f %9.1f %10.2f\n", names[k], wall[k], cpu[k], rss[k] / 1024, wall[k] / wall["scan"] }
  }' "$DIR/diag-bench.txt"
