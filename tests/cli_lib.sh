# Helpers for CLI end-to-end tests (sourced, not run). Each check prints
# PASS/FAIL lines for tests/run. Never touches files outside $TMPDIR.
: "${FL_BIN:?FL_BIN must point at the faultline binary}"
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
# The tests' Python (Debian's, not a user's pyenv), and no default database
# from the caller's environment: a test names its database under $TMP.
PY=/usr/bin/python3
unset FAULTLINE_DB

# expect_exit NAME CODE -- ARGS... : runs faultline ARGS, checks the exit code;
# stdout in $TMP/out, stderr in $TMP/err.
expect_exit() {
  local name=$1 code=$2; shift 3
  "$FL_BIN" "$@" >"$TMP/out" 2>"$TMP/err"
  local rc=$?
  if [ "$rc" -eq "$code" ]; then echo "PASS $name"; else
    echo "FAIL $name: exit $rc, expected $code; stderr: $(head -c 300 "$TMP/err")"; fi
}
# check NAME GOT WANT : GOT equals WANT (a value a test computed)
check() {
  if [ "$2" = "$3" ]; then echo "PASS $1"; else echo "FAIL $1: got '$2', expected '$3'"; fi
}
# expect_out NAME REGEX : last stdout matches (grep -E)
expect_out() {
  if grep -Eq -- "$2" "$TMP/out"; then echo "PASS $1"; else
    echo "FAIL $1: stdout lacks /$2/: $(head -c 300 "$TMP/out")"; fi
}
expect_err() {
  if grep -Eq -- "$2" "$TMP/err"; then echo "PASS $1"; else
    echo "FAIL $1: stderr lacks /$2/: $(head -c 300 "$TMP/err")"; fi
}
expect_no_out() {
  if grep -Eq -- "$2" "$TMP/out"; then echo "FAIL $1: stdout has /$2/"; else echo "PASS $1"; fi
}
