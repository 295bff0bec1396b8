#!/usr/bin/env bash
# End-to-end tests of what analysts take out of faultline: `query --format
# timeline` (CSV with Timesketch's mandatory columns), `--format ecs` (ECS
# JSON lines, nested, no nulls), sub-second times, FILETIME as a string,
# evidence as "file#record N", principals shown as Windows writes them
# (CORP\HOST$, not CORP\\HOST$). Data from `faultline gen` (deterministic).
# Never writes outside $TMP.
set -u
: "${FL_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${FL_BIN:=$FL_ROOT/build/release/faultline}"
export FL_BIN
# shellcheck source-path=SCRIPTDIR source=../cli_lib.sh
source "$FL_ROOT/tests/cli_lib.sh"
DB=$TMP/x.db

"$FL_BIN" gen benign-noise -o "$TMP/b.evtx" --seed 3 --no-manifest 2>/dev/null || echo "FAIL exports_gen: benign-noise"
"$FL_BIN" gen kerberos-dc-unreachable -o "$TMP/k.evtx" --seed 3 --no-manifest 2>/dev/null || echo "FAIL exports_gen: kerberos"
"$FL_BIN" ingest -q --db "$DB" "$TMP/b.evtx" "$TMP/k.evtx" || echo "FAIL exports_ingest"

# ---- text: principals as written, evidence as a record id ----
expect_exit query_text_principal 0 -- query --db "$DB" --event 4650 --limit 5
expect_out query_backslash_single 'CORP\\[A-Z0-9-]+\$'
expect_no_out query_backslash_not_doubled 'CORP\\\\'
expect_out query_evidence_record 'b\.evtx#record [0-9]+'
expect_no_out query_evidence_not_colon 'b\.evtx:[0-9]'

# ---- timeline CSV ----
expect_exit query_timeline 0 -- query --db "$DB" --format timeline
"$PY" - "$TMP/out" <<'PY' && echo "PASS query_timeline_shape" || echo "FAIL query_timeline_shape"
import csv, sys, datetime
rows = list(csv.DictReader(open(sys.argv[1], newline='')))
assert len(rows) == 390, len(rows)
for r in rows:
    assert r['message'] and r['timestamp_desc'] == 'Event Logged', r
    # ISO 8601 with an offset and microseconds, as Timesketch expects
    d = datetime.datetime.fromisoformat(r['datetime'])
    assert d.utcoffset() == datetime.timedelta(0) and len(r['datetime']) == 32, r['datetime']
    assert int(r['timestamp']) == int(d.timestamp() * 1e6 + 0.5) or abs(int(r['timestamp']) - d.timestamp() * 1e6) < 2
    assert '#record ' in r['evidence'], r['evidence']
k = [r for r in rows if r['error'] == 'ERROR_IPSEC_IKE_KERBEROS_ERROR']
assert k and 'Kerberos' in k[0]['cause'] and k[0]['message'].count('->') == 1, k[0]
assert any(r['datetime'][20:26] != '000000' for r in rows)  # sub-second kept
PY

# ---- ECS JSON lines ----
expect_exit query_ecs 0 -- query --db "$DB" --format ecs
"$PY" - "$TMP/out" <<'PY' && echo "PASS query_ecs_shape" || echo "FAIL query_ecs_shape"
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1])]
assert len(docs) == 390, len(docs)
def nulls(o):
    if isinstance(o, dict): return any(v is None or nulls(v) for v in o.values())
    return False
for d in docs:
    assert not nulls(d) and not any(k.count('.') for k in d), d
    assert d['@timestamp'].endswith('Z') and len(d['@timestamp']) == 28, d['@timestamp']
    assert isinstance(d['event']['code'], str) and d['host']['name']
    assert int(d['faultline']['filetime']) > 2**53  # a string: jq 1.6 cannot round it
k = [d for d in docs if d.get('error', {}).get('type') == 'ERROR_IPSEC_IKE_KERBEROS_ERROR']
assert k and k[0]['error']['code'] == '13827' and 'Kerberos' in k[0]['faultline']['cause'], k[0]
assert k[0]['source']['ip'] and k[0]['destination']['ip'] and k[0]['event']['outcome'] == 'failure'
ok = [d for d in docs if d['event']['code'] == '4650']
assert ok and ok[0]['event']['outcome'] == 'success' and '\\' in ok[0]['destination']['user']['name']
PY
expect_exit query_bad_format 2 -- query --db "$DB" --format xml
expect_err query_bad_format_lists 'timeline\|ecs'

# ---- JSON report: FILETIME also as a string ----
"$FL_BIN" report --db "$DB" --format json >"$TMP/r.json" 2>/dev/null
"$PY" - "$TMP/r.json" <<'PY' && echo "PASS report_json_filetime_str" || echo "FAIL report_json_filetime_str"
import json, sys
r = json.load(open(sys.argv[1]))
s = r['summary']
assert s['first_time_filetime_str'] == str(s['first_time_filetime'])
e = r['episodes'][0]
assert e['last_seen_filetime_str'] == str(e['last_seen_filetime'])
v = e['evidence'][0]
assert v['time_filetime_str'] == str(v['time_filetime'])
assert '.' in v['time'] or v['time_filetime'] % 10**7 < 10**4  # milliseconds shown when there are some
# evidence rows carry their key fields
assert v['peer'] and v['remote_port'] in (500, 4500) and 'principal' in v, v
PY
