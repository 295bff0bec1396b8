#!/usr/bin/env bash
# Side-by-side EVTX benchmark: faultline dump against the Debian baselines
# (libevtx's evtxexport, python-evtx's evtx_dump.py) on the same files in one
# invocation, best wall time of N interleaved rounds, printed as one markdown
# table with MB/s, records/s, peak RSS and the speed ratio to evtxexport.
#
# usage: bench/run.sh [-n RUNS] [--no-big] [--no-python]
# env:   FL_SHARED (default ../shared), FAULTLINE (default
#        build/release/faultline, built with `make` if missing),
#        BENCH_RUNS (N, default 3), BENCH_PY_RUNS (python-evtx runs, default 1:
#        it takes ~100 s on the 48 MiB file), BENCH_BIG_SIZE (default 2GiB).
# Files: the 48 MiB corpus file, and a generated file cached as
# build/bench/enterprise-SIZE.evtx (made by `faultline gen` when it exists).
#
# Must never: write outside build/bench/ and a temp dir, print a number that
# was not measured in this invocation, or be run as a test (speed is a
# ratio here, never a pass/fail in tests/run).
set -u
cd "$(dirname "$0")/.." || exit 2
ROOT=$PWD

runs=${BENCH_RUNS:-3}
py_runs=${BENCH_PY_RUNS:-1}
big=1 python=1
while [ $# -gt 0 ]; do
  case $1 in
    -n) runs=${2:?-n needs a number}; shift 2 ;;
    --no-big) big=0; shift ;;
    --no-python) python=0; shift ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/run.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

shared=${FL_SHARED:-$(cd "$ROOT/.." && pwd)/shared}
fl=${FAULTLINE:-$ROOT/build/release/faultline}
if [ ! -x "$fl" ]; then
  make -s BUILD=release >/dev/null || { echo "bench/run.sh: build failed" >&2; exit 2; }
fi
small=$shared/evtx-corpus/big/synthetic/stitched-real-chunks-48MiB.evtx
big_size=${BENCH_BIG_SIZE:-2GiB}
big_file=$ROOT/build/bench/enterprise-$big_size.evtx
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fl-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# measure OUTFILE CMD... : one run; appends "wall_s cpu_s rss_kb exit" to
# OUTFILE. CPU (user+sys) is reported beside wall because a shared machine
# steals wall time. python's getrusage gives microseconds; /usr/bin/time
# (Debian `time`, 10 ms steps) is the fallback.
if [ -x /usr/bin/python3 ]; then
  measure() {
    local out=$1; shift
    /usr/bin/python3 -c '
import resource, subprocess, sys, time
t = time.monotonic()
rc = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
w = time.monotonic() - t
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.3f %.3f %d %d" % (w, r.ru_utime + r.ru_stime, r.ru_maxrss, rc))
' "$@" >>"$out"
  }
else
  measure() {
    local out=$1 t0 t1 u s m x; shift
    t0=$EPOCHREALTIME
    /usr/bin/time -f '%U %S %M %x' -o "$tmp/t" "$@" >/dev/null 2>/dev/null
    t1=$EPOCHREALTIME
    read -r u s m x < <(tail -n 1 "$tmp/t")
    awk -v a="$t0" -v b="$t1" -v u="$u" -v s="$s" -v m="$m" -v x="$x" \
      'BEGIN { printf "%.3f %.2f %d %d\n", b - a, u + s, m, x }' >>"$out"
  }
fi

# Rows: "label<TAB>command" with FILE standing for the input.
rows_for() { # FILE_KIND (small|big)
  printf '%s\t%s\n' \
    "faultline dump --format xml --threads 1" "$fl dump --format xml --threads 1 FILE" \
    "faultline dump --format xml --threads 2" "$fl dump --format xml --threads 2 FILE" \
    "faultline dump --format jsonl --threads 1" "$fl dump --format jsonl --threads 1 FILE" \
    "faultline dump --id 4652,4653,5453 --threads 1" "$fl dump --id 4652,4653,5453 --threads 1 FILE"
  if command -v evtxexport >/dev/null; then
    printf '%s\t%s\n' "evtxexport -f xml (libevtx)" "evtxexport -f xml FILE"
  fi
  if [ "$1" = small ] && [ "$python" = 1 ] && command -v evtx_dump.py >/dev/null; then
    printf '%s\t%s\n' "evtx_dump.py (python-evtx)" "evtx_dump.py FILE"
  fi
}

fmt_rate() { awk -v a="$1" -v b="$2" 'BEGIN { if (b <= 0) print "n/m"; else { r = a / b;
  if (r >= 100) printf "%.0f", r; else if (r >= 10) printf "%.1f", r; else printf "%.2f", r } }'; }

bench_file() { # KIND FILE
  local kind=$1 file=$2 size records labels=() cmds=() i r label cmd
  size=$(stat -c %s "$file")
  cat "$file" >/dev/null # page cache: every row reads from memory
  records=$("$fl" dump --format jsonl --threads 2 "$file" 2>/dev/null | wc -l)
  while IFS=$'\t' read -r label cmd; do labels+=("$label"); cmds+=("$cmd"); done < <(rows_for "$kind")
  if [ "$kind" = small ]; then
    # one untimed run of each faultline row: a freshly built binary's pages
    # and the first mapping of the file would otherwise land in the first
    # sample of rows that take ~10 ms
    for i in "${!cmds[@]}"; do
      [[ ${labels[$i]} == faultline* ]] || continue
      local warm
      read -r -a warm <<<"${cmds[$i]//FILE/$file}"
      "${warm[@]}" >/dev/null 2>&1 || true
    done
  fi
  for ((r = 1; r <= runs; r++)); do
    for i in "${!cmds[@]}"; do
      if [[ ${labels[$i]} == evtx_dump.py* ]] && [ "$r" -gt "$py_runs" ]; then continue; fi
      local argv
      read -r -a argv <<<"${cmds[$i]//FILE/$file}"
      measure "$tmp/$kind.$i" "${argv[@]}"
    done
  done
  local base_wall=""
  for i in "${!cmds[@]}"; do
    if [[ ${labels[$i]} == evtxexport* ]]; then base_wall=$(sort -n "$tmp/$kind.$i" | head -n 1 | cut -d' ' -f1); fi
  done
  printf '| **%s** (%s, %s records) | | | | | | |\n' "$(basename "$file")" \
    "$(awk -v s="$size" 'BEGIN { printf "%.1f MB", s / 1e6 }')" "$records"
  for i in "${!cmds[@]}"; do
    local best wall cpu rss rc n ratio
    best=$(sort -n "$tmp/$kind.$i" | head -n 1)
    read -r wall cpu rss rc <<<"$best"
    n=$(wc -l <"$tmp/$kind.$i")
    ratio="—"
    [ -n "$base_wall" ] && ratio="$(fmt_rate "$base_wall" "$wall")x"
    printf '| %s | %s s (%s of %s, exit %s) | %s s | %s | %s | %s | %s |\n' "${labels[$i]}" "$wall" \
      "$([ "$n" -gt 1 ] && echo best || echo 1)" "$n" "$rc" "$cpu" \
      "$(fmt_rate "$size" "$(awk -v w="$wall" 'BEGIN { print w * 1e6 }')")" \
      "$(fmt_rate "$records" "$wall")" \
      "$(awk -v k="$rss" 'BEGIN { printf "%.1f MB", k / 1024 }')" "$ratio"
    printf '%s\t%s\t%s\t%s\t%s\n' "$kind" "${labels[$i]}" "$wall" "$rss" "$cpu" >>"$tmp/summary"
  done
}

echo "# faultline bench: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, load average $(cut -d" " -f1-3 /proc/loadavg) at start, $(git rev-parse --short HEAD 2>/dev/null), best of $runs"
echo
echo "| command | wall | CPU | MB/s | records/s | peak RSS | vs evtxexport (wall) |"
echo "|---|---|---|---|---|---|---|"
if [ -f "$small" ]; then
  bench_file small "$small"
else
  echo "| skipped: $small absent | | | | | | |"
fi
if [ "$big" = 1 ]; then
  if [ ! -f "$big_file" ] && "$fl" gen --help >/dev/null 2>&1; then
    mkdir -p "$(dirname "$big_file")"
    "$fl" gen enterprise --size "$big_size" --format evtx -o "$big_file.part" >&2 &&
      mv "$big_file.part" "$big_file"
  fi
  if [ -f "$big_file" ]; then
    bench_file big "$big_file"
  elif ! "$fl" gen --help >/dev/null 2>&1; then
    echo "| $big_size generated file: skipped: faultline gen not available | | | | | | |"
  else
    echo "| $big_size generated file: skipped: faultline gen failed | | | | | | |"
  fi
fi

# The targets from the issue, read off this run.
echo
[ -f "$tmp/summary" ] && awk -F'\t' '
  { w[$1 "|" $2] = $3; m[$1 "|" $2] = $4; c[$1 "|" $2] = $5 }
  function check(kind, label, want,   b, x, bc, xc) {
    b = w[kind "|evtxexport -f xml (libevtx)"]; x = w[kind "|" label]
    bc = c[kind "|evtxexport -f xml (libevtx)"]; xc = c[kind "|" label]
    if (b == "" || x == "") return
    printf "target (%s): %s >= %dx evtxexport: %.1fx by wall %s", kind, label, want, b / x, (b / x >= want ? "MET" : "MISSED")
    if (xc > 0) printf ", %.1fx by CPU time", bc / xc
    printf "\n"
  }
  END {
    check("small", "faultline dump --format xml --threads 1", 40)
    check("small", "faultline dump --id 4652,4653,5453 --threads 1", 200)
    check("big", "faultline dump --format xml --threads 1", 40)
    check("big", "faultline dump --id 4652,4653,5453 --threads 1", 200)
    for (k in m) if (k ~ /^big\|faultline/) {
      printf "target (big): peak RSS < 64 MB for %s: %.1f MB %s\n", substr(k, 5), m[k] / 1024, (m[k] / 1024 < 64 ? "MET" : "MISSED") }
  }' "$tmp/summary"
