#!/usr/bin/env bash
# Fuzz smoke test (run by tests/run): builds every libFuzzer target of
# fuzz/targets with `make fuzz-build`, replays every committed finding in
# fuzz/regressions/NAME/ once, and runs each target for
# FUZZ_SMOKE_SECONDS (default 60) on a throw-away corpus seeded from
# ../shared. Any crash, leak, timeout or out-of-memory is a FAIL naming the
# reproducer file (kept under build/fuzz/artifacts/NAME/) and the first
# lines of the sanitizer report. SKIP when clang or its libFuzzer runtime is
# missing, or FUZZ_SMOKE_SECONDS=0.
#
# Must never: write outside $TMP and build/fuzz/, or keep the corpus it grew
# (a smoke run must not change what the next one starts from).
set -u
: "${FL_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${FL_BIN:=$FL_ROOT/build/asan/faultline}"
export FL_BIN
# shellcheck source-path=SCRIPTDIR source=../cli_lib.sh
. "$FL_ROOT/tests/cli_lib.sh"
cd "$FL_ROOT" || exit 1

secs=${FUZZ_SMOKE_SECONDS:-60}
if [ "$secs" = 0 ]; then
  echo "SKIP fuzz smoke: FUZZ_SMOKE_SECONDS=0"
  exit 0
fi
cc=${FUZZ_CC:-clang}
if ! command -v "$cc" >/dev/null 2>&1; then
  echo "SKIP fuzz smoke: $cc not installed (Debian: clang, libclang-rt-14-dev)"
  exit 0
fi
printf '#include <stdint.h>\n#include <stddef.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' >"$TMP/probe.c"
if ! "$cc" -fsanitize=fuzzer,address,undefined "$TMP/probe.c" -o "$TMP/probe" >"$TMP/probe.log" 2>&1; then
  echo "SKIP fuzz smoke: $cc cannot link -fsanitize=fuzzer (install libclang-rt-14-dev): $(head -c 200 "$TMP/probe.log")"
  exit 0
fi

if make -s FUZZ_CC="$cc" fuzz-build >"$TMP/build.log" 2>&1; then
  echo "PASS fuzz targets build"
else
  echo "FAIL fuzz targets build: $(grep -m3 -E 'error|Error' "$TMP/build.log" | tr '\n' ' ')"
  exit 0
fi

targets=$(sed -n 's/^\([A-Za-z0-9_]\{1,\}\)[[:space:]].*/\1/p' fuzz/targets)
# Every input a fuzzer ever found stays a test: replayed once each.
for t in $targets; do
  [ -d "fuzz/regressions/$t" ] || continue
  set -- fuzz/regressions/"$t"/*
  [ -e "$1" ] || continue
  if build/fuzz/fuzz_"$t" "$@" >"$TMP/replay-$t.log" 2>&1; then
    echo "PASS fuzz $t regressions: $# inputs replayed"
  else
    echo "FAIL fuzz $t regressions: $(grep -m1 -E 'runtime error|ERROR|Running: ' "$TMP/replay-$t.log" | head -c 300)"
  fi
done
[ -d "${FL_SHARED:-../shared}" ] ||
  echo "SKIP fuzz seeds from ../shared: absent, committed seeds only"
for t in $targets; do
  art=build/fuzz/artifacts/$t
  mkdir -p "$art"
  stamp=$TMP/stamp-$t
  : >"$stamp"
  log=$TMP/fuzz-$t.log
  FUZZ_CORPUS=$TMP/corpus-$t bash fuzz/run.sh "$t" "$secs" >"$log" 2>&1
  rc=$?
  # A finding leaves a crash-/leak-/timeout-/oom- file newer than the stamp.
  found=$(find "$art" -maxdepth 1 -type f -newer "$stamp" | head -n 1)
  if [ "$rc" -eq 0 ] && [ -z "$found" ]; then
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    echo "PASS fuzz $t: ${secs}s, ${execs:-?} runs, nothing found"
  else
    report=$(grep -m1 -A8 -E '^==[0-9]+==ERROR|runtime error|^SUMMARY|ALARM|out-of-memory|fuzz_evtx:' "$log" |
             head -n 8 | tr '\n' '|')
    echo "FAIL fuzz $t: exit $rc, reproducer ${found:-none written}" \
         "(replay: build/fuzz/fuzz_$t FILE); report: ${report:-$(tail -n 5 "$log" | tr '\n' '|')}"
  fi
done
