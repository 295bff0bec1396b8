#!/usr/bin/env bash
# The progress bar of dump, diagnose and ingest: drawn on stderr only when
# it is a terminal (script(1) gives one) and not with -q, moved by bytes
# read over all inputs ("NAME (i/N)", percent, MB/s, ETA), the line cleared
# at the end, no colour with NO_COLOR. FAULTLINE_PROGRESS_NOW=1 draws at
# every step so short runs show it. Never writes outside $TMP.
set -u
: "${FL_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${FL_BIN:=$FL_ROOT/build/release/faultline}"
export FL_BIN
# shellcheck source-path=SCRIPTDIR source=../cli_lib.sh
source "$FL_ROOT/tests/cli_lib.sh"
unset FAULTLINE_DB NO_COLOR
if ! command -v script >/dev/null; then echo "SKIP progress: script(1) (util-linux) missing"; exit 0; fi
"$FL_BIN" gen enterprise -o "$TMP/a.evtx" --hosts 2 --days 1 --seed 2 --no-manifest 2>/dev/null || echo "FAIL progress_gen"
"$FL_BIN" dump --format xml "$TMP/a.evtx" >"$TMP/b.xml" 2>/dev/null
gzip -c "$TMP/a.evtx" >"$TMP/c.evtx.gz"

# tty NAME COMMAND...: runs faultline on a terminal, its terminal output in $TMP/tty
tty() {
  local name=$1; shift
  local cmd="FAULTLINE_PROGRESS_NOW=1 ${NOCOL:-} $(printf '%q ' "$FL_BIN" "$@") >/dev/null"
  script -qec "$cmd" /dev/null >"$TMP/tty" 2>&1 </dev/null
}
has() { if grep -aqE -- "$2" "$TMP/tty"; then echo "PASS $1"; else echo "FAIL $1: no /$2/ in $(tr '\r\033' '|~' <"$TMP/tty" | tail -c 300)"; fi; }
hasnt() { if grep -aqE -- "$2" "$TMP/tty"; then echo "FAIL $1: /$2/ drawn"; else echo "PASS $1"; fi; }

for cmd in dump diagnose ingest; do
  args=()
  [ "$cmd" = diagnose ] && args=(--no-db)
  [ "$cmd" = ingest ] && args=(--db "$TMP/$cmd.db")
  tty "$cmd" "$cmd" "${args[@]}" "$TMP/a.evtx" "$TMP/b.xml" "$TMP/c.evtx.gz"
  has "${cmd}_bar_names_input" 'a\.evtx \(1/3\)'
  has "${cmd}_bar_text_input" 'b\.xml \(2/3\) .*%'
  has "${cmd}_bar_gzip_input" 'c\.evtx\.gz \(3/3\)'
  has "${cmd}_bar_rate" '[0-9.]+ MB/s'
  has "${cmd}_bar_eta" 'ETA [0-9]+:[0-9][0-9]'
  has "${cmd}_bar_full" '100%'
  has "${cmd}_bar_colour" $'\033\\[32m'
  # the bar is cleared before the command ends (\r ESC[K is the last thing drawn)
  if tr -d '\n' <"$TMP/tty" | grep -aqE $'\r\033\\[K$'; then echo "PASS ${cmd}_bar_cleared"; else echo "FAIL ${cmd}_bar_cleared"; fi
  rm -f "$TMP/$cmd.db"*
  tty "${cmd}_quiet" "$cmd" -q "${args[@]}" "$TMP/a.evtx"
  hasnt "${cmd}_quiet_no_bar" 'MB/s'
  "$FL_BIN" "$cmd" "${args[@]}" "$TMP/a.evtx" >/dev/null 2>"$TMP/err"
  if grep -aq $'\r' "$TMP/err"; then echo "FAIL ${cmd}_not_tty_no_bar"; else echo "PASS ${cmd}_not_tty_no_bar"; fi
  rm -f "$TMP/$cmd.db"*
done
NOCOL="NO_COLOR=1" tty dump_no_color dump "$TMP/a.evtx"
has dump_no_color_still_drawn 'MB/s'
hasnt dump_no_color_plain $'\033\\[32m'
