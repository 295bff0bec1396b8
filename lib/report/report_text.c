/*
** Terminal report: summary, findings (most impact first) as aligned
** blocks, benign episodes apart, then coverage notes with their commands.
**
** Colour only when the caller asks (it decides TTY / NO_COLOR). Must never
** print an event-derived string except through rp_term_str (a host name
** carrying ESC sequences must not repaint the user's terminal).
*/
#include "report/report_internal.h"

#include <string.h>

#define TEXT_WIDTH 78
#define LABEL_INDENT 4
#define LABEL_WIDTH 15
#define FIELD_MAX 120 /* bytes of one event string shown before cutting */
#define EVIDENCE_SHOWN 3

typedef struct text_ctx {
  FILE *out;
  int colour;
  int verbose;
} text_ctx;

static void sgr(const text_ctx *t, const char *code) {
  if (t->colour) fprintf(t->out, "\x1b[%sm", code);
}

static const char *state_sgr(fl_episode_state s) {
  /* ongoing, recovered, intermittent, seen once, ended */
  static const char *const sgr_of[] = {"1;31", "1;32", "1;33", "1", "1;34"};
  return (unsigned)s < sizeof sgr_of / sizeof *sgr_of ? sgr_of[s] : "1";
}

static void heading(const text_ctx *t, const char *text) {
  sgr(t, "1");
  fputs(text, t->out);
  sgr(t, "0");
  fputc('\n', t->out);
}

static void pad(FILE *out, size_t n) {
  while (n--) fputc(' ', out);
}

/* An event string on one line, cut after FIELD_MAX bytes (at a character
** boundary) so one hostile 1 MB host name cannot bury the report; the
** machine formats (JSON, CSV) keep it whole. */
static void field(FILE *out, const char *s) {
  s = rp_s(s);
  size_t n = strlen(s);
  if (n <= FIELD_MAX) {
    rp_term_str(out, s, 0);
    return;
  }
  size_t cut = FIELD_MAX;
  while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80) cut--;
  rp_term_strn(out, s, cut, 0);
  fprintf(out, "...[+%zu bytes]", n - cut);
}

static void label(const text_ctx *t, const char *name) {
  pad(t->out, LABEL_INDENT);
  fputs(name, t->out);
  size_t n = strlen(name);
  pad(t->out, n < LABEL_WIDTH ? LABEL_WIDTH - n : 1);
}

/* Word-wraps text (escaped, newlines kept as paragraph breaks) so that no
** line passes TEXT_WIDTH; continuation lines start at column indent. The
** first line starts at column first_col. */
static void wrap(FILE *out, const char *text, size_t indent, size_t first_col) {
  const char *p = rp_s(text);
  size_t col = first_col;
  int line_has_word = 0;
  while (*p) {
    if (*p == '\n') {
      fputc('\n', out);
      pad(out, indent);
      col = indent;
      line_has_word = 0;
      p++;
      continue;
    }
    if (*p == ' ') {
      p++;
      continue;
    }
    size_t n = strcspn(p, " \n");
    size_t w = rp_term_widthn(p, n, 0);
    if (line_has_word && col + 1 + w > TEXT_WIDTH) {
      fputc('\n', out);
      pad(out, indent);
      col = indent;
      line_has_word = 0;
    }
    if (line_has_word) {
      fputc(' ', out);
      col++;
    }
    rp_term_strn(out, p, n, 0);
    col += w;
    line_has_word = 1;
    p += n;
  }
  fputc('\n', out);
}

static void field_wrapped(const text_ctx *t, const char *name,
                          const char *value) {
  label(t, name);
  wrap(t->out, value, LABEL_INDENT + LABEL_WIDTH, LABEL_INDENT + LABEL_WIDTH);
}

static void print_summary(const text_ctx *t, const fl_diag_result *r) {
  char a[32], b[32];
  size_t findings = rp_count_findings(r);
  heading(t, "faultline diagnosis");
  rp_iso_time(r->first_time, a, sizeof a);
  rp_iso_time(r->last_time, b, sizeof b);
  label(t, "Span");
  if (a[0])
    fprintf(t->out, "%s .. %s\n", a, b[0] ? b : a);
  else
    fputs("no timed events\n", t->out);
  label(t, "Events");
  fprintf(t->out, "%llu in scope, %llu failures\n",
          (unsigned long long)r->events_in_scope,
          (unsigned long long)r->failures);
  label(t, "Findings");
  fprintf(t->out, "%zu raised, %zu benign (never raised), %zu coverage note%s\n",
          findings, r->episode_count - findings, r->note_count,
          r->note_count == 1 ? "" : "s");
  label(t, "Sources");
  fprintf(t->out, "%zu read\n", r->source_count);
  size_t pw = 0, fw = 0;
  for (size_t i = 0; i < r->source_count; i++) {
    size_t w = rp_term_width(r->sources[i].path, 0);
    size_t f = rp_term_width(r->sources[i].format, 0);
    if (w > pw) pw = w;
    if (f > fw) fw = f;
  }
  if (pw > 40) pw = 40;
  if (fw > 12) fw = 12;
  if (pw < 4) pw = 4;
  if (fw < 6) fw = 6;
  if (r->source_count) {
    pad(t->out, LABEL_INDENT + 2);
    fprintf(t->out, "%-*s  %-*s  %9s %8s %9s\n", (int)pw, "path", (int)fw,
            "format", "records", "skipped", "in scope");
  }
  for (size_t i = 0; i < r->source_count; i++) {
    const fl_diag_source *s = &r->sources[i];
    pad(t->out, LABEL_INDENT + 2);
    field(t->out, s->path);
    size_t w = rp_term_width(s->path, 0);
    pad(t->out, w < pw ? pw - w + 2 : 2);
    rp_term_str(t->out, s->format, 0);
    size_t f = rp_term_width(s->format, 0);
    pad(t->out, f < fw ? fw - f + 2 : 2);
    fprintf(t->out, "%9llu %8llu %9llu\n",
            (unsigned long long)s->records, (unsigned long long)s->skipped,
            (unsigned long long)s->in_scope);
  }
  fputc('\n', t->out);
}

/* "host -> peer", with "(+N more)" when the episode spans several. */
static void print_pair(const text_ctx *t, const fl_episode *e) {
  field(t->out, e->host);
  if (rp_n_hosts(e) > 1) fprintf(t->out, " (+%zu more)", rp_n_hosts(e) - 1);
  fputs(" -> ", t->out);
  field(t->out, e->peer && e->peer[0] ? e->peer : "(none)");
  if (rp_n_peers(e) > 1) fprintf(t->out, " (+%zu more)", rp_n_peers(e) - 1);
  fputc('\n', t->out);
}

static void print_error(const text_ctx *t, const fl_episode *e) {
  label(t, "Error");
  if (!e->error_code && !(e->error_symbol && e->error_symbol[0])) {
    fputs("none recorded\n", t->out);
    return;
  }
  rp_error_desc d;
  rp_describe_error(e->error_code, e->error_symbol, &d);
  if (d.symbol[0]) {
    rp_term_str(t->out, d.symbol, 0);
    fputc(' ', t->out);
  }
  fprintf(t->out, "(%s)\n", d.code);
  if (d.message[0]) field_wrapped(t, "", d.message);
}

static void print_evidence(const text_ctx *t, const fl_episode *e) {
  size_t n = rp_n_evidence(e);
  size_t shown = t->verbose || n <= EVIDENCE_SHOWN + 1 ? n : EVIDENCE_SHOWN;
  char when[32];
  for (size_t i = 0; i < shown; i++) {
    const fl_evidence *v = &e->evidence[i];
    label(t, i == 0 ? "Evidence" : "");
    field(t->out, v->file);
    rp_iso_time(v->time, when, sizeof when);
    /* A netsh record's id is faultline's: its type name stands instead. */
    if (v->event_name)
      fprintf(t->out, "#record %llu  netsh %s  %s", (unsigned long long)v->record_id,
              v->event_name, when);
    else
      fprintf(t->out, "#record %llu  event %u  %s", (unsigned long long)v->record_id,
              (unsigned)v->event_id, when);
    if (v->error_code && v->error_code != e->error_code)
      fprintf(t->out, "  error 0x%08X", (unsigned)v->error_code);
    if (rp_n_peers(e) > 1 && v->peer && v->peer[0]) { /* which of the peers */
      fputs("  -> ", t->out);
      field(t->out, v->peer);
      if (v->remote_port) fprintf(t->out, ":%u", (unsigned)v->remote_port);
    }
    fputc('\n', t->out);
  }
  if (n == 0) {
    label(t, "Evidence");
    fputs("none kept\n", t->out);
  } else if (shown < n) {
    label(t, "");
    fprintf(t->out, "+%zu more\n", n - shown);
  }
}

static void print_times(const text_ctx *t, const fl_episode *e) {
  char a[32];
  rp_iso_time(e->first_seen, a, sizeof a);
  label(t, "First seen");
  fprintf(t->out, "%s\n", a[0] ? a : "unknown");
  rp_iso_time(e->last_seen, a, sizeof a);
  label(t, "Last seen");
  fprintf(t->out, "%s\n", a[0] ? a : "unknown");
  label(t, "Count");
  fprintf(t->out, "%llu failure%s, %llu success%s\n",
          (unsigned long long)e->count, e->count == 1 ? "" : "s",
          (unsigned long long)e->successes, e->successes == 1 ? "" : "es");
}

static void print_episode(const text_ctx *t, const fl_episode *e, size_t rank) {
  fprintf(t->out, "[%zu] ", rank);
  sgr(t, "1");
  field(t->out, e->cause_title);
  sgr(t, "0");
  fputc('\n', t->out);
  label(t, "State");
  sgr(t, state_sgr(e->state));
  fputs(rp_state_name(e->state), t->out);
  sgr(t, "0");
  fputc('\n', t->out);
  label(t, "Confidence");
  double c = e->confidence == e->confidence ? e->confidence : 0.0;
  fprintf(t->out, "%.0f%%", c < 0 ? 0.0 : c > 1 ? 100.0 : c * 100.0);
  if (e->cause_id && e->cause_id[0]) {
    fputs("  (", t->out);
    rp_term_str(t->out, e->cause_id, 0);
    fputc(')', t->out);
  }
  fputc('\n', t->out);
  label(t, "Host -> peer");
  print_pair(t, e);
  label(t, "Keying module");
  field(t->out, e->keying_module && e->keying_module[0] ? e->keying_module : "-");
  fputc('\n', t->out);
  print_error(t, e);
  print_times(t, e);
  if (t->verbose && e->explanation && e->explanation[0])
    field_wrapped(t, "Why", e->explanation);
  if (e->inference && e->inference[0]) field_wrapped(t, "Inferred", e->inference);
  if (e->not_seen && e->not_seen[0]) field_wrapped(t, "Not seen", e->not_seen);
  if (e->check && e->check[0]) field_wrapped(t, "What to check", e->check);
  if (t->verbose && e->source && e->source[0])
    field_wrapped(t, "Knowledge", e->source);
  print_evidence(t, e);
  fputc('\n', t->out);
}

static void print_benign_line(const text_ctx *t, const fl_episode *e) {
  char a[32], b[32];
  rp_iso_time(e->first_seen, a, sizeof a);
  rp_iso_time(e->last_seen, b, sizeof b);
  fputs("  - ", t->out);
  rp_term_str(t->out, e->cause_title, 0);
  fputs(": ", t->out);
  print_pair(t, e);
  fprintf(t->out, "      %llu event%s, %s .. %s, %s\n",
          (unsigned long long)e->count, e->count == 1 ? "" : "s", a, b,
          rp_state_name(e->state));
}

static void print_notes(const text_ctx *t, const fl_diag_result *r) {
  if (!r->note_count) return;
  heading(t, "Coverage notes");
  for (size_t i = 0; i < r->note_count; i++) {
    const fl_coverage_note *n = &r->notes[i];
    fputs("  * ", t->out);
    wrap(t->out, n->text, 4, 4);
    if (n->command && n->command[0]) {
      fputs("    fix: ", t->out);
      wrap(t->out, n->command, 9, 9);
    }
  }
  fputc('\n', t->out);
}

fl_status fl_report_text(FILE *out, const fl_diag_result *r,
                         const fl_report_options *opt, fl_error *err) {
  fl_status st = rp_check_args(out, r, err);
  if (st != FL_OK) return st;
  text_ctx t = {out, opt ? opt->colour : 0, opt ? opt->verbose : 0};
  print_summary(&t, r);
  size_t findings = rp_count_findings(r), rank = 0;
  if (findings) {
    heading(&t, "Findings, most impact first");
    fputc('\n', out);
  } else {
    heading(&t, "No findings.");
    fputc('\n', out);
  }
  for (size_t i = 0; i < r->episode_count; i++)
    if (r->episodes[i].finding) print_episode(&t, &r->episodes[i], ++rank);
  if (r->episode_count > findings) {
    heading(&t, "Benign, never raised");
    for (size_t i = 0; i < r->episode_count; i++) {
      if (r->episodes[i].finding) continue;
      if (t.verbose)
        print_episode(&t, &r->episodes[i], ++rank);
      else
        print_benign_line(&t, &r->episodes[i]);
    }
    fputc('\n', out);
  }
  print_notes(&t, r);
  return rp_finish(out, "text", err);
}
