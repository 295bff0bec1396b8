#!/usr/bin/env bash
# clang-tidy gate: every lib/*/*.c, src/*.c and agent/*.c must be clean under the
# project's .clang-tidy with the flags `make tidy` uses. One PASS per clean
# file, one FAIL per file with findings (its first findings), SKIP for a file
# listed in tests/tidy-pending.txt (known findings; the list says why) -- and
# FAIL for a listed file that is in fact clean or gone, so the list cannot go
# stale. One clang-tidy per file, nproc at a time; headers are checked through
# the files that include them (HeaderFilterRegex), never on their own.
# Must never edit a source file or write outside its own temporary folder.
set -u
ROOT=${FL_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$ROOT" || { echo "FAIL tidy: cannot enter $ROOT"; exit 1; }
PENDING=tests/tidy-pending.txt

TIDY=${CLANG_TIDY:-$(command -v clang-tidy || command -v clang-tidy-14 || true)}
if [ -z "$TIDY" ]; then
  echo "SKIP tidy: clang-tidy not installed (Debian: apt-get install clang-tidy)"
  exit 0
fi

# The compile flags come from the Makefile's tidy rule (everything after
# " -- "), so this test and `make tidy` cannot drift apart.
TIDY_FLAGS=$(make -n --no-print-directory tidy 2>/dev/null | sed -n 's/^.* -- //p' | head -n 1)
if [ -z "$TIDY_FLAGS" ]; then
  echo "FAIL tidy: cannot read the compile flags from 'make -n tidy'"
  exit 1
fi

TMPD=$(mktemp -d); trap 'rm -rf "$TMPD"' EXIT
export TIDY TIDY_FLAGS TMPD

# tidy_one FILE: findings in TMPD/<FILE, / as _>.log, exit code in .rc
tidy_one() {
  local key=${1//\//_}
  eval "set -- \"\$1\" $TIDY_FLAGS" # the Makefile quotes -DFL_VERSION=\"..\" for a shell
  "$TIDY" --quiet "$1" -- "${@:2}" >"$TMPD/$key.log" 2>&1
  echo $? >"$TMPD/$key.rc"
}
export -f tidy_one

files=(lib/*/*.c src/*.c agent/*.c)
printf '%s\0' "${files[@]}" | xargs -0 -n 1 -P "$(nproc)" bash -c 'tidy_one "$1"' tidy_one

# Pending list: "path  why" per line; '#' comments and blank lines ignored.
declare -A pending=()
if [ -f "$PENDING" ]; then
  while read -r path why; do
    case $path in '' | '#'*) continue ;; esac
    pending[$path]=${why:-no reason given}
    if [ ! -f "$path" ]; then
      echo "FAIL tidy $path: listed in $PENDING but does not exist; remove the line"
    fi
  done <"$PENDING"
fi

for f in "${files[@]}"; do
  key=${f//\//_}
  rc=$(cat "$TMPD/$key.rc" 2>/dev/null || echo missing)
  findings=$(grep -E '(error|warning): ' "$TMPD/$key.log" 2>/dev/null)
  n=0; [ -n "$findings" ] && n=$(printf '%s\n' "$findings" | wc -l)
  if [ "$rc" = 0 ] && [ "$n" -eq 0 ]; then
    if [ -n "${pending[$f]+x}" ]; then
      echo "FAIL tidy $f: clean now but still listed in $PENDING; remove its line"
    else
      echo "PASS tidy $f"
    fi
  elif [ -n "${pending[$f]+x}" ]; then
    echo "SKIP tidy $f: $n known finding(s), pending: ${pending[$f]}"
  else
    first=$(printf '%s\n' "$findings" | head -n 3 | sed "s|^$ROOT/||" | tr '\n' ' ')
    [ -z "$first" ] && first="clang-tidy exited $rc: $(head -c 300 "$TMPD/$key.log" 2>/dev/null)"
    echo "FAIL tidy $f: $n finding(s): $first"
  fi
done
exit 0
