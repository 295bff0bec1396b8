#!/usr/bin/env bash
# Runs one libFuzzer target (built by `make fuzz-build` into build/fuzz/)
# with seeds made at run time from ../shared and fuzz/seeds/NAME/.
#
# usage: fuzz/run.sh NAME [SECONDS] [-- extra libFuzzer flags]
#   SECONDS empty or 0 = run until stopped (Ctrl-C).
# env:  FUZZ_CORPUS  corpus dir that grows (default build/fuzz/corpus/NAME)
#       FL_SHARED    the shared data dir (default ../shared)
#       FUZZ_RSS_MB  -rss_limit_mb (default 2048); FUZZ_TIMEOUT -timeout (10)
# Crashes, leaks and timeouts land in build/fuzz/artifacts/NAME/.
# Exit status is the fuzzer's (0 = nothing found).
#
# Must never: write into ../shared or fuzz/seeds (shared files are copied
# into a temporary seed dir, truncated to -max_len), or commit anything.
set -u
cd "$(dirname "$0")/.." || exit 2
ROOT=$PWD

name=${1:?usage: fuzz/run.sh NAME [SECONDS] [-- libFuzzer flags]}
shift
secs=0
if [ $# -gt 0 ] && [ "$1" != "--" ]; then secs=$1; shift; fi
[ $# -gt 0 ] && [ "$1" = "--" ] && shift

line=$(awk -v n="$name" '$1 == n { print; exit }' fuzz/targets)
if [ -z "$line" ]; then
  echo "fuzz/run.sh: no target '$name' in fuzz/targets" >&2
  exit 2
fi
read -r _ seed_dir seed_glob max_len <<<"$line"

bin=$ROOT/build/fuzz/fuzz_$name
if [ ! -x "$bin" ]; then
  echo "fuzz/run.sh: $bin missing; run 'make fuzz-build' first" >&2
  exit 2
fi

shared=${FL_SHARED:-$(cd "$ROOT/.." && pwd)/shared}
corpus=${FUZZ_CORPUS:-$ROOT/build/fuzz/corpus/$name}
artifacts=$ROOT/build/fuzz/artifacts/$name
mkdir -p "$corpus" "$artifacts"
seeds=$(mktemp -d "${TMPDIR:-/tmp}/fl-fuzz-seeds.XXXXXX")
trap 'rm -rf "$seeds"' EXIT

# Seeds: every matching shared file cut to its file header + first chunk
# (69632 bytes) and + first four chunks (266240): small inputs mutate
# fast, and libFuzzer can still grow them up to -max_len.
n=0
if [ -d "$shared/$seed_dir" ]; then
  while IFS= read -r -d '' f; do
    base=$(basename "$f")
    base=${base%.*}
    n=$((n + 1))
    head -c 69632 "$f" >"$seeds/$n-$base-1chunk"
    cut=266240
    [ "$cut" -gt "$max_len" ] && cut=$max_len
    head -c "$cut" "$f" >"$seeds/$n-$base-4chunks"
  done < <(find "$shared/$seed_dir" -type f -name "$seed_glob" -print0 | sort -z)
else
  echo "fuzz/run.sh: $shared/$seed_dir absent; fuzzing from committed seeds only" >&2
fi
if [ -d "fuzz/seeds/$name" ]; then
  cp fuzz/seeds/"$name"/* "$seeds/" 2>/dev/null
fi

flags=(-max_len="$max_len" -rss_limit_mb="${FUZZ_RSS_MB:-2048}"
       -timeout="${FUZZ_TIMEOUT:-10}" -artifact_prefix="$artifacts/"
       -print_final_stats=1)
[ -f "fuzz/$name.dict" ] && flags+=(-dict="fuzz/$name.dict")
[ "$secs" != 0 ] && [ -n "$secs" ] && flags+=(-max_total_time="$secs")

export ASAN_OPTIONS=${FUZZ_ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${FUZZ_UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
"$bin" "${flags[@]}" "$@" "$corpus" "$seeds"
