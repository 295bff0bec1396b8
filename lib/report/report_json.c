/*
** JSON report: one document, schema_version 1, described key by key in
** docs/report-json.md. Keys and their order are a contract: add keys, never
** rename or retype them without bumping schema_version.
**
** Must never emit invalid JSON: every string goes through rp_json_str
** (invalid UTF-8 -> U+FFFD), non-finite numbers become null.
*/
#include "report/report_internal.h"

#include <math.h>

#define JSON_SCHEMA_VERSION 1

static void key(FILE *out, const char *indent, const char *name) {
  fprintf(out, "%s\"%s\": ", indent, name);
}

static void kv_str(FILE *out, const char *indent, const char *name,
                   const char *value, int comma) {
  key(out, indent, name);
  rp_json_str(out, value);
  fputs(comma ? ",\n" : "\n", out);
}

static void kv_u64(FILE *out, const char *indent, const char *name,
                   uint64_t v, int comma) {
  key(out, indent, name);
  fprintf(out, "%llu%s", (unsigned long long)v, comma ? ",\n" : "\n");
}

static void kv_num(FILE *out, const char *indent, const char *name, double v,
                   int comma) {
  key(out, indent, name);
  if (isfinite(v))
    fprintf(out, "%.6g", v);
  else
    fputs("null", out);
  fputs(comma ? ",\n" : "\n", out);
}

static void kv_bool(FILE *out, const char *indent, const char *name, int v,
                    int comma) {
  key(out, indent, name);
  fprintf(out, "%s%s", v ? "true" : "false", comma ? ",\n" : "\n");
}

/* "<name>": "ISO", "<name>_filetime": N and "<name>_filetime_str": "N"
** (jq 1.6 and JavaScript round integers past 2^53; FILETIMEs are ~1.3e17);
** all null for FILETIME 0. */
static void kv_time(FILE *out, const char *indent, const char *name,
                    uint64_t ft, int comma) {
  char iso[32];
  rp_iso_time(ft, iso, sizeof iso);
  key(out, indent, name);
  if (ft)
    fprintf(out, "\"%s\",\n", iso);
  else
    fputs("null,\n", out);
  fprintf(out, "%s\"%s_filetime\": ", indent, name);
  if (ft)
    fprintf(out, "%llu,\n", (unsigned long long)ft);
  else
    fputs("null,\n", out);
  fprintf(out, "%s\"%s_filetime_str\": ", indent, name);
  if (ft)
    fprintf(out, "\"%llu\"", (unsigned long long)ft);
  else
    fputs("null", out);
  fputs(comma ? ",\n" : "\n", out);
}

static void write_summary(FILE *out, const fl_diag_result *r) {
  const char *in = "    ";
  size_t findings = rp_count_findings(r);
  fputs("  \"summary\": {\n", out);
  kv_time(out, in, "first_time", r->first_time, 1);
  kv_time(out, in, "last_time", r->last_time, 1);
  kv_u64(out, in, "events_in_scope", r->events_in_scope, 1);
  kv_u64(out, in, "failures", r->failures, 1);
  kv_u64(out, in, "episodes", r->episode_count, 1);
  kv_u64(out, in, "findings", findings, 1);
  kv_u64(out, in, "benign", r->episode_count - findings, 1);
  kv_u64(out, in, "notes", r->note_count, 1);
  kv_u64(out, in, "sources", r->source_count, 0);
  fputs("  },\n", out);
}

static void write_sources(FILE *out, const fl_diag_result *r) {
  const char *in = "      ";
  fputs("  \"sources\": [", out);
  for (size_t i = 0; i < r->source_count; i++) {
    const fl_diag_source *s = &r->sources[i];
    fputs(i ? ",\n    {\n" : "\n    {\n", out);
    kv_str(out, in, "path", s->path, 1);
    kv_str(out, in, "format", s->format, 1);
    kv_u64(out, in, "records", s->records, 1);
    kv_u64(out, in, "skipped", s->skipped, 1);
    kv_u64(out, in, "in_scope", s->in_scope, 0);
    fputs("    }", out);
  }
  fputs(r->source_count ? "\n  ],\n" : "],\n", out);
}

static void str_array(FILE *out, const char *indent, const char *name,
                      const char *const *v, size_t n) {
  key(out, indent, name);
  fputc('[', out);
  for (size_t i = 0; i < n; i++) {
    if (i) fputs(", ", out);
    rp_json_str(out, v[i]);
  }
  fputs("],\n", out);
}

static void write_error(FILE *out, const char *indent, const fl_episode *e) {
  key(out, indent, "error");
  if (!e->error_code && !(e->error_symbol && e->error_symbol[0])) {
    fputs("null,\n", out);
    return;
  }
  rp_error_desc d;
  rp_describe_error(e->error_code, e->error_symbol, &d);
  fprintf(out, "{\"code\": %u, \"hex\": \"%s\", \"symbol\": ",
          (unsigned)e->error_code, d.hex);
  rp_json_str(out, d.symbol);
  fputs(", \"message\": ", out);
  rp_json_str(out, d.message);
  fputs(", \"family\": ", out);
  rp_json_str(out, d.family);
  fputs("},\n", out);
}

static void write_evidence(FILE *out, const fl_episode *e) {
  char iso[32];
  size_t n = rp_n_evidence(e);
  fputs("      \"evidence\": [", out);
  for (size_t i = 0; i < n; i++) {
    const fl_evidence *v = &e->evidence[i];
    fputs(i ? ",\n        {\"file\": " : "\n        {\"file\": ", out);
    rp_json_str(out, v->file);
    rp_iso_time(v->time, iso, sizeof iso);
    fprintf(out, ", \"record_id\": %llu, \"event_id\": %u, \"error_code\": %u",
            (unsigned long long)v->record_id, (unsigned)v->event_id,
            (unsigned)v->error_code);
    /* netsh records: event_id is faultline's synthetic id (docs/inputs.md);
    ** event_name is what netsh called the event. */
    fputs(", \"event_name\": ", out);
    if (v->event_name) rp_json_str(out, v->event_name);
    else fputs("null", out);
    fputs(", \"peer\": ", out);
    rp_json_str(out, rp_s(v->peer));
    fprintf(out, ", \"remote_port\": %u, \"principal\": ", (unsigned)v->remote_port);
    rp_json_str(out, rp_s(v->principal));
    if (v->time)
      fprintf(out, ", \"time\": \"%s\", \"time_filetime\": %llu,"
              " \"time_filetime_str\": \"%llu\"}", iso,
              (unsigned long long)v->time, (unsigned long long)v->time);
    else
      fputs(", \"time\": null, \"time_filetime\": null,"
            " \"time_filetime_str\": null}", out);
  }
  fputs(n ? "\n      ],\n" : "],\n", out);
}

static void write_times(FILE *out, const fl_episode *e) {
  size_t n = rp_n_times(e);
  fputs("      \"times_filetime\": [", out);
  for (size_t i = 0; i < n; i++)
    fprintf(out, "%s%llu", i ? (i % 8 ? ", " : ",\n        ") : "",
            (unsigned long long)e->times[i]);
  fputs("]\n", out);
}

static void write_episode(FILE *out, const fl_episode *e, size_t rank) {
  const char *in = "      ";
  kv_u64(out, in, "rank", rank, 1);
  kv_u64(out, in, "id", e->id, 1);
  kv_bool(out, in, "finding", e->finding, 1);
  kv_bool(out, in, "benign", e->benign, 1);
  kv_str(out, in, "cause_id", e->cause_id, 1);
  kv_str(out, in, "cause_title", e->cause_title, 1);
  kv_str(out, in, "explanation", e->explanation, 1);
  kv_str(out, in, "inference", e->inference ? e->inference : "", 1);
  kv_str(out, in, "not_seen", e->not_seen ? e->not_seen : "", 1);
  kv_str(out, in, "check", e->check, 1);
  kv_str(out, in, "knowledge_source", e->source, 1);
  kv_num(out, in, "confidence", e->confidence, 1);
  kv_num(out, in, "impact", e->impact, 1);
  kv_str(out, in, "state", rp_state_name(e->state), 1);
  kv_str(out, in, "host", e->host, 1);
  kv_str(out, in, "peer", e->peer, 1);
  str_array(out, in, "hosts", e->hosts, rp_n_hosts(e));
  str_array(out, in, "peers", e->peers, rp_n_peers(e));
  kv_str(out, in, "keying_module", e->keying_module, 1);
  write_error(out, in, e);
  kv_time(out, in, "first_seen", e->first_seen, 1);
  kv_time(out, in, "last_seen", e->last_seen, 1);
  kv_u64(out, in, "count", e->count, 1);
  kv_u64(out, in, "successes", e->successes, 1);
  write_evidence(out, e);
  write_times(out, e);
}

static void write_notes(FILE *out, const fl_diag_result *r) {
  fputs("  \"notes\": [", out);
  for (size_t i = 0; i < r->note_count; i++) {
    const fl_coverage_note *n = &r->notes[i];
    fputs(i ? ",\n    {\"id\": " : "\n    {\"id\": ", out);
    rp_json_str(out, n->id);
    fputs(", \"text\": ", out);
    rp_json_str(out, n->text);
    fputs(", \"command\": ", out);
    rp_json_str(out, n->command);
    fputc('}', out);
  }
  fputs(r->note_count ? "\n  ]\n" : "]\n", out);
}

fl_status fl_report_json(FILE *out, const fl_diag_result *r,
                         const fl_report_options *opt, fl_error *err) {
  (void)opt;
  fl_status st = rp_check_args(out, r, err);
  if (st != FL_OK) return st;
  fprintf(out, "{\n  \"schema_version\": %d,\n", JSON_SCHEMA_VERSION);
  fprintf(out, "  \"generator\": {\"name\": \"faultline\", \"version\": ");
  rp_json_str(out, fl_version());
  fputs("},\n", out);
  write_summary(out, r);
  write_sources(out, r);
  fputs("  \"episodes\": [", out);
  for (size_t i = 0; i < r->episode_count; i++) {
    fputs(i ? ",\n    {\n" : "\n    {\n", out);
    write_episode(out, &r->episodes[i], i + 1);
    fputs("    }", out);
  }
  fputs(r->episode_count ? "\n  ],\n" : "],\n", out);
  write_notes(out, r);
  fputs("}\n", out);
  return rp_finish(out, "json", err);
}
