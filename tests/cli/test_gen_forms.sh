#!/usr/bin/env bash
# Round trip of `faultline gen` through the rendered text forms (issue 14
# item 5): each scenario is generated as event XML and as every text form from
# the same seed, and `diagnose` must give the same findings on each, compared
# on what the form can carry. Never writes outside $TMP (cli_lib.sh).
#
# What each form cannot carry (so it is not compared there):
#   all text forms but xml-view: sub-second times (whole seconds are compared),
#     and data the message text does not show: Security fields without a label
#     in security_events.def, a classic event's <Binary> dump data; confidence
#     is compared only where every field is carried.
#   event-text ("Copy details as text"): EventRecordID, Version, Opcode, Task
#     number, ProcessID/ThreadID, provider GUID, Qualifiers.
#   format-list (Format-List *): <Binary> (Properties is collapsed).
#   export-csv / export-txt (Event Viewer "Save All Events As"): also the
#     computer, log and user (the default columns are Level or Keywords, Date
#     and Time, Source, Event ID, Task Category). So no host is compared, the
#     peer is compared by address (its name came from another event's
#     Computer), and the causes that tie one host's events to another's
#     (policy-not-applied, ikeext-stopped) cannot be found: for those the test
#     checks that the export gives the per-event causes instead and that no
#     failure is lost (same total count).
#   xml-view: carries everything; compared whole (times to the nanosecond,
#     confidence).
set -u
: "${FL_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${FL_BIN:=$FL_ROOT/build/asan/faultline}"
export FL_BIN
# shellcheck source-path=SCRIPTDIR source=../cli_lib.sh
source "$FL_ROOT/tests/cli_lib.sh"

FORMS="event-text format-list xml-view export-csv export-txt"
SCENARIOS="timeout cert-untrusted proposal-mismatch kerberos-dc-unreachable dos-mode iscsi-chap-mismatch benign-reinit"
CROSS_HOST="policy-not-applied ikeext-stopped"

# findings FORM JSON : one comparable line per episode, what FORM carries.
findings() {
  "$PY" - "$1" "$2" <<'PYEOF'
import json, sys
form, path = sys.argv[1], sys.argv[2]
export = form.startswith("export-")
for ep in json.load(open(path))["episodes"]:
    k = {"finding": ep["finding"], "benign": ep["benign"], "cause": ep["cause_id"],
         "keying_module": ep.get("keying_module"), "code": (ep.get("error") or {}).get("code"),
         "count": ep["count"], "successes": ep["successes"], "state": ep.get("state"),
         "first": ep["first_seen"][:19], "last": ep["last_seen"][:19]}
    if export:
        k["peer_address"] = (ep.get("evidence") or [{}])[0].get("peer")
    else:
        k["host"], k["hosts"], k["peer"] = ep.get("host"), ep.get("hosts"), ep.get("peer")
    if form in ("xml-view", "xml"):
        k["first"], k["last"], k["confidence"] = ep["first_seen"], ep["last_seen"], ep.get("confidence")
    print(json.dumps(k, sort_keys=True))
PYEOF
}

# causes_and_total JSON : "cause cause ... | total failures"
causes_and_total() {
  "$PY" -c '
import json, sys
eps = json.load(open(sys.argv[1]))["episodes"]
print(" ".join(sorted({e["cause_id"] for e in eps})), "|", sum(e["count"] for e in eps))' "$1"
}

gen_diag() { # SCENARIO FORM -> $TMP/SCENARIO.FORM.json
  if ! "$FL_BIN" gen "$1" --format "$2" --no-manifest -o "$TMP/$1.$2" >/dev/null 2>"$TMP/err"; then
    echo "FAIL gen_${1}_$2: $(head -c 300 "$TMP/err")"; return 1; fi
  "$FL_BIN" diagnose --no-db --format json "$TMP/$1.$2" >"$TMP/$1.$2.json" 2>"$TMP/err"
  local rc=$?
  if [ "$rc" -gt 1 ]; then echo "FAIL diagnose_${1}_$2: exit $rc $(head -c 300 "$TMP/err")"; return 1; fi
}

for s in $SCENARIOS; do
  gen_diag "$s" xml || continue
  for f in $FORMS; do
    gen_diag "$s" "$f" || continue
    if [ "$(findings "$f" "$TMP/$s.xml.json" | wc -l)" -eq 0 ] && [ "$s" != benign-reinit ]; then
      echo "FAIL roundtrip_${s}_$f: the XML form gives no episode"; continue; fi
    if diff <(findings "$f" "$TMP/$s.xml.json" | sort) <(findings "$f" "$TMP/$s.$f.json" | sort) >"$TMP/diff"; then
      echo "PASS roundtrip_${s}_$f"
    else
      echo "FAIL roundtrip_${s}_$f: $(head -c 600 "$TMP/diff")"
    fi
  done
done

# Causes that need the computer name: same findings where the computer is
# carried, the per-event causes and every failure in the exports.
for s in $CROSS_HOST; do
  gen_diag "$s" xml || continue
  for f in $FORMS; do
    gen_diag "$s" "$f" || continue
    case $f in
      export-*)
        want_total=$(causes_and_total "$TMP/$s.xml.json" | sed 's/.*| //')
        got=$(causes_and_total "$TMP/$s.$f.json")
        case "$s:$got" in
          "policy-not-applied:no-policy policy-not-applied | $want_total" | \
          "ikeext-stopped:ikeext-stopped timeout | $want_total") echo "PASS roundtrip_${s}_$f" ;;
          *) echo "FAIL roundtrip_${s}_$f: got '$got', want the per-event causes and $want_total failures" ;;
        esac ;;
      *)
        if diff <(findings "$f" "$TMP/$s.xml.json" | sort) <(findings "$f" "$TMP/$s.$f.json" | sort) >"$TMP/diff"; then
          echo "PASS roundtrip_${s}_$f"
        else
          echo "FAIL roundtrip_${s}_$f: $(head -c 600 "$TMP/diff")"
        fi ;;
    esac
  done
done

# The forms are found by content and named as the input format of that name.
for f in $FORMS; do
  [ -f "$TMP/timeout.$f" ] || continue
  expect_exit "gen_form_named_$f" 1 -- diagnose --no-db "$TMP/timeout.$f"
  expect_out "gen_form_named_${f}_format" "$f"
done
