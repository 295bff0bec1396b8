#!/usr/bin/env bash
# CLI end-to-end tests of `faultline dump`: usage errors, --help, exit codes
# for clean, dirty and non-EVTX input, located warnings, filters, stdin.
# Corpus cases skip when ../shared is absent. Writes only under $TMP.
. "$(dirname "$0")/../cli_lib.sh"
C=${FL_SHARED:-}/evtx-corpus

expect_exit dump_no_args 2 -- dump
expect_err dump_no_args_msg 'no input files'
expect_exit dump_bad_option 2 -- dump --bogus x.evtx
expect_exit dump_bad_format 2 -- dump --format csv x.evtx
expect_exit dump_bad_id 2 -- dump --id 12x x.evtx
expect_exit dump_bad_threads 2 -- dump --threads -3 x.evtx
expect_exit dump_help 0 -- dump --help
expect_out dump_help_text 'usage: faultline dump'
printf 'hello, not an event log\n' > "$TMP/junk.evtx"
expect_exit dump_not_evtx 3 -- dump "$TMP/junk.evtx"
expect_err dump_not_evtx_msg 'not an EVTX file'
expect_exit dump_missing 3 -- dump "$TMP/none.evtx"
: > "$TMP/empty.evtx"
expect_exit dump_empty_file 3 -- dump "$TMP/empty.evtx"

if [ ! -d "$C" ]; then
  echo "SKIP dump_corpus: FL_SHARED/evtx-corpus not found"
  exit 0
fi
S=$C/wfp/omerbenamram__evtx/Security_short_selected.evtx
expect_exit dump_clean 0 -- dump "$S"
expect_out dump_clean_xml '<EventID>5152</EventID>'
n=$(grep -c '^<Event ' "$TMP/out")
if [ "$n" -eq 7 ]; then echo "PASS dump_clean_count"; else echo "FAIL dump_clean_count: $n records, expected 7"; fi
expect_exit dump_jsonl 0 -- dump --format jsonl "$S"
if /usr/bin/python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$TMP/out" 2>/dev/null
then echo "PASS dump_jsonl_valid"; else echo "FAIL dump_jsonl_valid: a line is not JSON"; fi
expect_out dump_jsonl_shape '"EventID":5152'
expect_exit dump_filter_id 0 -- dump --id 4611,9999 "$S"
n=$(grep -c '^<Event ' "$TMP/out")
if [ "$n" -ge 1 ] && ! grep -q '<EventID>5152<' "$TMP/out"; then echo "PASS dump_filter_id_only"; else echo "FAIL dump_filter_id_only: $n records"; fi
expect_exit dump_filter_provider 0 -- dump --provider microsoft-windows-security-auditing --channel Security "$S"
expect_out dump_filter_provider_out '<Channel>Security</Channel>'
expect_exit dump_filter_none 0 -- dump --provider NoSuchProvider "$S"
expect_no_out dump_filter_none_out '<Event'
expect_exit dump_threads_same 0 -- dump --threads 1 "$S"
cp "$TMP/out" "$TMP/t1"
"$FL_BIN" dump --threads 4 "$S" > "$TMP/t4" 2>/dev/null
if cmp -s "$TMP/t1" "$TMP/t4"; then echo "PASS dump_threads_order"; else echo "FAIL dump_threads_order: --threads 4 output differs"; fi
"$FL_BIN" dump - < "$S" > "$TMP/stdin" 2>/dev/null
if cmp -s "$TMP/t1" "$TMP/stdin"; then echo "PASS dump_stdin"; else echo "FAIL dump_stdin: stdin output differs"; fi

Z=$C/dirty/omerbenamram__evtx/sample-with-zero-data-size-event.evtx
expect_exit dump_dirty 1 -- dump "$Z"
expect_err dump_dirty_located 'chunk 0 offset 0x1820: record 3: error: record size 0'
expect_err dump_dirty_summary 'records read, 1 skipped'
B=$C/dirty/omerbenamram__evtx/sample_with_a_bad_chunk_magic.evtx
expect_exit dump_bad_magic 1 -- dump "$B"
expect_err dump_bad_magic_msg 'chunk [0-9]+ offset 0x[0-9a-f]+: .*bad chunk magic'
expect_exit dump_strict 1 -- dump --strict "$B"
expect_exit dump_recover 1 -- dump --recover "$Z"
T=$C/dirty/log2timeline__plaso/System2.evtx
expect_exit dump_truncated 1 -- dump "$T"
expect_err dump_truncated_msg 'header says 96 chunks'
W=$C/dirty/omerbenamram__evtx/MSExchange_Management_wec.evtx
expect_exit dump_templateless 0 -- dump "$W"
expect_out dump_templateless_out '<EventID Qualifiers="16384">1</EventID>'
