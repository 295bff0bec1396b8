/*
** libFuzzer target for what faultline parses from ClickHouse: response
** bytes cut into lines (ch_lines_feed, fed in two pieces so a line may
** straddle them), each line split as TabSeparated (ch_tsv_split) and read
** as a stored event (ch_row_to_typed, the `report`/`query` reader), and the
** whole input printed as a `sql` result (ch_sql_result_print:
** TabSeparatedWithNamesAndTypes through the scratch table) in every format.
** A server is trusted more than an event, but a broken or hostile one must
** not crash faultline either.
**
** Must never: keep state between inputs, or abort on anything but a
** broken promise of the parser (a field past its line, a string read short).
*/
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/clickhouse_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile unsigned fuzz_sink;

typedef struct rows_in {
  ch_field *fields;
  size_t nfields;
  unsigned acc;
} rows_in;

static unsigned touch(const char *p, size_t n, unsigned acc) {
  if (n && !p) abort();
  for (size_t i = 0; i < n; i++) acc = acc * 31u + (uint8_t)p[i];
  return acc;
}

static int on_line(char *line, size_t len, void *user) {
  rows_in *r = user;
  if (line[len] != '\0') abort(); /* promised: NUL-terminated in place */
  long got = ch_tsv_split(line, len, r->fields, r->nfields);
  if (got < -1 || got > (long)r->nfields) abort();
  for (long i = 0; i < got; i++) {
    const ch_field *f = &r->fields[i];
    if (f->p && (f->p < line || f->p + f->n > line + len)) abort();
    r->acc = touch(f->p, f->n, r->acc);
  }
  if (got == (long)r->nfields) {
    fl_typed_event t;
    ch_row_to_typed(r->fields, &t);
    r->acc = touch(t.host.ptr, t.host.len, r->acc);
    r->acc = touch(t.remote_principal.ptr, t.remote_principal.len, r->acc);
  }
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  rows_in r = {NULL, ch_row_field_count(), 0};
  r.fields = calloc(r.nfields, sizeof *r.fields);
  if (!r.fields) return 0;
  fl_buf line = {0};
  size_t half = size / 2;
  ch_lines_feed(&line, (const char *)data, half, on_line, &r);
  ch_lines_feed(&line, (const char *)data + half, size - half, on_line, &r);
  fl_buf_free(&line);
  free(r.fields);
  fuzz_sink = r.acc;

  static FILE *null_out;
  if (!null_out) null_out = fopen("/dev/null", "w");
  if (!null_out) return 0;
  static const fl_store_format formats[] = {FL_STORE_TEXT, FL_STORE_JSONL, FL_STORE_CSV};
  fl_store_format fmt = formats[size % 3];
  fl_error err;
  fl_error_clear(&err);
  uint64_t rows = 0;
  fl_status st = ch_sql_result_print((const char *)data, size, fmt, size % 7, null_out,
                                     &rows, &err);
  if (st == FL_OK && size % 7 && rows > size % 7) abort(); /* --limit kept */
  return 0;
}
