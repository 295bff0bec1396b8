/*
** CSV report: a header row, then one row per episode (findings first, as
** the diagnosis ordered them). RFC 4180: CRLF line ends, quoted cells.
**
** Must never write a cell except through rp_csv_cell, which guards against
** formula injection (= + - @ TAB CR) and replaces invalid UTF-8.
*/
#include "report/report_internal.h"

#include <math.h>

static const char *const csv_columns[] = {
    "rank",          "finding",      "benign",          "state",
    "cause_id",      "cause_title",  "confidence",      "host",
    "peer",          "hosts",        "peers",           "keying_module",
    "error_code",    "error_hex",    "error_symbol",    "error_message",
    "first_seen",    "last_seen",    "first_seen_filetime",
    "last_seen_filetime", "count",   "successes",       "check",
    "evidence",      "evidence_count"};
#define CSV_NCOLS (sizeof csv_columns / sizeof *csv_columns)

static void cell(FILE *out, const char *s, int last) {
  rp_csv_cell(out, s);
  fputs(last ? "\r\n" : ",", out);
}

static void cell_u64(FILE *out, uint64_t v) {
  fprintf(out, "%llu,", (unsigned long long)v);
}

/* A list cell, items joined by "; ", always quoted. */
static void cell_list(FILE *out, const char *const *v, size_t n) {
  fputc('"', out);
  if (n && rp_csv_needs_guard(v[0])) fputc('\'', out);
  for (size_t i = 0; i < n; i++) {
    if (i) fputs("; ", out);
    rp_csv_body(out, v[i]);
  }
  fputs("\",", out);
}

/* "file#record N; file#record N ...", always quoted. */
static void cell_evidence(FILE *out, const fl_episode *e) {
  size_t n = rp_n_evidence(e);
  fputc('"', out);
  if (n && rp_csv_needs_guard(e->evidence[0].file)) fputc('\'', out);
  for (size_t i = 0; i < n; i++) {
    if (i) fputs("; ", out);
    rp_csv_body(out, e->evidence[i].file);
    fprintf(out, "#record %llu", (unsigned long long)e->evidence[i].record_id);
  }
  fputs("\",", out);
}

static void write_row(FILE *out, const fl_episode *e, size_t rank) {
  char a[32], b[32], num[32];
  fprintf(out, "%zu,%d,%d,", rank, e->finding ? 1 : 0, e->benign ? 1 : 0);
  cell(out, rp_state_name(e->state), 0);
  cell(out, e->cause_id, 0);
  cell(out, e->cause_title, 0);
  if (isfinite(e->confidence))
    snprintf(num, sizeof num, "%.3f", e->confidence);
  else
    num[0] = '\0';
  cell(out, num, 0);
  cell(out, e->host, 0);
  cell(out, e->peer, 0);
  cell_list(out, e->hosts, rp_n_hosts(e));
  cell_list(out, e->peers, rp_n_peers(e));
  cell(out, e->keying_module, 0);
  int has_error = e->error_code || (e->error_symbol && e->error_symbol[0]);
  rp_error_desc d;
  rp_describe_error(e->error_code, e->error_symbol, &d);
  cell(out, has_error ? d.code : "", 0);
  cell(out, has_error ? d.hex : "", 0);
  cell(out, has_error ? d.symbol : "", 0);
  cell(out, has_error ? d.message : "", 0);
  rp_iso_time(e->first_seen, a, sizeof a);
  rp_iso_time(e->last_seen, b, sizeof b);
  cell(out, a, 0);
  cell(out, b, 0);
  cell_u64(out, e->first_seen);
  cell_u64(out, e->last_seen);
  cell_u64(out, e->count);
  cell_u64(out, e->successes);
  cell(out, e->check, 0);
  cell_evidence(out, e);
  fprintf(out, "%zu\r\n", rp_n_evidence(e));
}

fl_status fl_report_csv(FILE *out, const fl_diag_result *r,
                        const fl_report_options *opt, fl_error *err) {
  (void)opt;
  fl_status st = rp_check_args(out, r, err);
  if (st != FL_OK) return st;
  for (size_t i = 0; i < CSV_NCOLS; i++) cell(out, csv_columns[i], i + 1 == CSV_NCOLS);
  for (size_t i = 0; i < r->episode_count; i++)
    write_row(out, &r->episodes[i], i + 1);
  return rp_finish(out, "csv", err);
}
