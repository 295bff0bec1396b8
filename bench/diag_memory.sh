#!/usr/bin/env bash
# Diagnosis memory benchmark: peak RSS of the diagnosis engine alone fed
# 100k, 1M and 10M in-scope events of the same estate (same incidents, same
# 7 days, denser), batch (closed episodes kept for the report) and live
# (closed episodes dropped). Target (issue 13): flat in the number of events.
# Results belong in docs/performance.md under "Diagnosis".
#
# usage: bench/diag_memory.sh [FAULTLINE_BUILD_DIR]   (default build/release)
# Builds bench/diag_memory.c against the static library into BENCH_DIR
# (default /tmp/faultline-bench); never writes elsewhere.
set -eu
cd "$(dirname "$0")/.."
B=${1:-build/release}
DIR=${BENCH_DIR:-/tmp/faultline-bench}
mkdir -p "$DIR"
[ -f "$B/libfaultline.a" ] || { echo "bench/diag_memory.sh: $B/libfaultline.a not built (make)"; exit 1; }
cc -std=c11 -D_DEFAULT_SOURCE -O2 -Iinclude bench/diag_memory.c "$B/libfaultline.a" \
  -lm -lsqlite3 -lexpat -lyajl -lz -pthread -o "$DIR/diag_memory"
for n in ${BENCH_EVENTS:-100000 1000000 10000000}; do
  "$DIR/diag_memory" "$n"
  "$DIR/diag_memory" "$n" live
done
