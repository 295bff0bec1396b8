/*
** Rendered-text writers of `faultline gen` (issue 14 item 5): the forms
** administrators paste and export, from the same records the XML/EVTX
** writers get, so a scenario can be diagnosed through each of them:
**   event-text   Event Viewer "Copy details as text" (Log Name: … Computer:,
**                Description: and the message)
**   format-list  Get-WinEvent | Format-List * (PowerShell property names)
**   xml-view     Event Viewer's XML View copied (the "- " collapse markers)
**   export-csv / export-txt  "Save All Events As…" .csv / tab-separated .txt
**                (Level or Keywords, Date and Time, Source, Event ID, Task
**                Category, the message as the unnamed last column)
** The message text comes from lib/catalog (fl_catalog_message_render), the
** labels are the ones lib/input reads (evtext_keys.def), so both agree by
** construction. Times are written as the UTC time in the en-US local form
** ("11/30/2026 8:14:02 AM"); the readers take it as UTC.
** What a form cannot carry is lost on purpose, never invented: exports have
** no computer, log, user or record id (Event Viewer does not write them);
** event-text and exports have whole seconds only; a message is only as good
** as the catalog's template (docs/gen.md lists the consequences).
** Must never write a value without escaping it for its form: control
** characters in data values become blanks in the message forms, XML View
** escapes as XML, export cells are quoted when they hold the delimiter,
** quotes or line breaks.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog/catalog_messages.h"
#include "common/fl_error.h"
#include "gen/gen_internal.h"

typedef struct text_form {
  fl_buf msg;      /* the record's message */
  fl_buf vals;     /* data values with control characters blanked */
  int header_done; /* exports: the header row is written at the first record */
} text_form;

/* ---------------- shared pieces ---------------- */

/* Writes s[0..n), counting its newlines (the manifest's line numbers). */
static void put_lines(gen_out *o, const char *s, size_t n) {
  while (n) {
    const char *nl = memchr(s, '\n', n);
    size_t k = nl ? (size_t)(nl - s) : n;
    fl_gen_out_put(o, s, k);
    if (!nl) break;
    fl_gen_out_nl(o);
    s += k + 1;
    n -= k + 1;
  }
}

static const char *level_name(unsigned level) {
  static const char *const names[] = {"Information", "Critical", "Error",
                                      "Warning",     "Information", "Verbose"};
  return level < sizeof names / sizeof names[0] ? names[level] : "Information";
}

/* Event Viewer's name of the keyword bits it names; "" when none. */
static const char *keywords_name(uint64_t kw) {
  static const struct { uint64_t bit; const char *name; } names[] = {
      {0x10000000000000ull, "Audit Failure"},
      {0x20000000000000ull, "Audit Success"},
      {0x80000000000000ull, "Classic"}};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (kw & names[i].bit) return names[i].name;
  return "";
}

/* "11/30/2026 8:14:02 AM" (en-US), whole seconds. */
static void put_local_date(gen_out *o, uint64_t filetime) {
  time_t t = (time_t)(filetime / 10000000u) - (time_t)11644473600;
  struct tm tm;
  if (!gmtime_r(&t, &tm)) {
    fl_gen_out_str(o, "1/1/1601 12:00:00 AM");
    return;
  }
  char buf[40];
  int h = tm.tm_hour % 12 ? tm.tm_hour % 12 : 12;
  int n = snprintf(buf, sizeof buf, "%d/%d/%d %d:%02d:%02d %s", tm.tm_mon + 1, tm.tm_mday,
                   tm.tm_year + 1900, h, tm.tm_min, tm.tm_sec, tm.tm_hour < 12 ? "AM" : "PM");
  if (n > 0 && (size_t)n < sizeof buf) fl_gen_out_put(o, buf, (size_t)n);
}

/* The message Event Viewer shows for r into f->msg: the catalog's template
** or Security layout over the data values (control characters blanked), or
** the shape's title when the catalog knows no text for the event. */
static void render_message(text_form *f, const gen_record *r) {
  const gen_shape *s = r->shape;
  fl_evtx_pair pairs[GEN_MAX_FIELDS];
  f->msg.len = f->vals.len = 0;
  size_t n = s->body == GEN_BODY_NONE ? 0 : s->nfields;
  size_t at[GEN_MAX_FIELDS];
  for (size_t i = 0; i < n; i++) {
    const char *v = r->v[i].s ? r->v[i].s : "";
    size_t ln = strlen(v);
    at[i] = f->vals.len;
    if (fl_buf_reserve(&f->vals, ln + 1) != 0) return;
    for (size_t k = 0; k < ln; k++) {
      unsigned char c = (unsigned char)v[k];
      f->vals.p[f->vals.len++] = (char)(c < 0x20 || c == 0x7f ? ' ' : c);
    }
  }
  for (size_t i = 0; i < n; i++) {
    const char *name = s->body == GEN_BODY_EVENTDATA ? s->fields[i].name : "";
    size_t end = i + 1 < n ? at[i + 1] : f->vals.len;
    pairs[i].name = (fl_evtx_str){name, strlen(name)};
    pairs[i].value = (fl_evtx_str){f->vals.p + at[i], end - at[i]};
  }
  if (fl_catalog_message_render(s->provider, s->event_id, pairs, n, &f->msg) == 0) {
    while (f->msg.len && f->msg.p[f->msg.len - 1] == '\n') f->msg.len--;
    return;
  }
  const char *title = s->title ? s->title : "";
  size_t ln = strlen(title);
  if (fl_buf_reserve(&f->msg, ln) == 0) {
    memcpy(f->msg.p, title, ln);
    f->msg.len = ln;
  }
}

static void start_record(gen_writer *w, const gen_record *r, gen_pos *pos, int has_record_id) {
  pos->line = w->out.lines + 1;
  pos->index = ++w->count;
  pos->record_id = has_record_id ? r->record_id : 0;
}

static fl_status text_begin(gen_writer *w, const char *path, fl_error *err) {
  text_form *f = calloc(1, sizeof *f);
  if (!f) return fl_error_line(err, FL_ENOMEM, path, 0, 0, "out of memory");
  fl_status st = fl_gen_text_begin(w, path, err);
  if (st != FL_OK) {
    free(f);
    return st;
  }
  w->impl = f;
  return FL_OK;
}

static fl_status text_end(gen_writer *w, fl_error *err) {
  text_form *f = w->impl;
  if (f) {
    fl_buf_free(&f->msg);
    fl_buf_free(&f->vals);
    free(f);
    w->impl = NULL;
  }
  return fl_gen_text_end(w, err);
}

static void label(gen_out *o, const char *name, int width) {
  fl_gen_out_str(o, name);
  for (int k = (int)strlen(name); k < width; k++) fl_gen_out_ch(o, ' ');
}

/* ---------------- event-text: "Copy details as text" ---------------- */

enum { EVTEXT_WIDTH = 15 }; /* "Task Category: " */

/* "Label:         value" and the line end; a value's line breaks kept
** (counted), as Event Viewer shows them. */
static void text_line(gen_out *o, const char *name, const char *value) {
  label(o, name, EVTEXT_WIDTH);
  put_lines(o, value, strlen(value));
  fl_gen_out_nl(o);
}

static fl_status evtext_write(gen_writer *w, const gen_record *r, gen_pos *pos, fl_error *err) {
  (void)err;
  text_form *f = w->impl;
  gen_out *o = &w->out;
  const gen_shape *s = r->shape;
  if (w->count) fl_gen_out_nl(o);
  start_record(w, r, pos, 0);
  render_message(f, r);
  text_line(o, "Log Name:", s->channel);
  text_line(o, "Source:", s->provider);
  label(o, "Date:", EVTEXT_WIDTH);
  put_local_date(o, r->time);
  fl_gen_out_nl(o);
  char id[24];
  id[fl_gen_fmt_u64(id, s->event_id)] = '\0';
  text_line(o, "Event ID:", id);
  text_line(o, "Task Category:", s->task_name && *s->task_name ? s->task_name : "None");
  text_line(o, "Level:", level_name(s->level));
  text_line(o, "Keywords:", keywords_name(s->keywords));
  text_line(o, "User:", "N/A");
  text_line(o, "Computer:", r->computer);
  fl_gen_out_str(o, "Description:");
  fl_gen_out_nl(o);
  put_lines(o, f->msg.p, f->msg.len);
  fl_gen_out_nl(o);
  return FL_OK;
}

/* ---------------- format-list: Get-WinEvent | Format-List * ---------------- */

enum { FL_WIDTH = 20 }; /* "KeywordsDisplayNames" */

static void prop(gen_out *o, const char *name) {
  label(o, name, FL_WIDTH);
  fl_gen_out_str(o, " : ");
}

static void prop_u64(gen_out *o, const char *name, uint64_t v) {
  prop(o, name);
  fl_gen_out_u64(o, v);
  fl_gen_out_nl(o);
}

static void prop_str(gen_out *o, const char *name, const char *v) {
  prop(o, name);
  fl_gen_out_str(o, v);
  fl_gen_out_nl(o);
}

/* A multi-line value: every line after the first indented to the value
** column, as PowerShell prints it. */
static void prop_text(gen_out *o, const char *name, const char *s, size_t n) {
  prop(o, name);
  while (n) {
    const char *nl = memchr(s, '\n', n);
    size_t k = nl ? (size_t)(nl - s) : n;
    fl_gen_out_put(o, s, k);
    fl_gen_out_nl(o);
    if (!nl) return;
    s += k + 1;
    n -= k + 1;
    if (n && *s != '\n') label(o, "", FL_WIDTH + 3);
  }
  fl_gen_out_nl(o);
}

static fl_status format_list_write(gen_writer *w, const gen_record *r, gen_pos *pos,
                                   fl_error *err) {
  (void)err;
  text_form *f = w->impl;
  gen_out *o = &w->out;
  const gen_shape *s = r->shape;
  fl_gen_out_nl(o);
  start_record(w, r, pos, 1);
  render_message(f, r);
  prop_text(o, "Message", f->msg.p, f->msg.len);
  prop_u64(o, "Id", s->event_id);
  prop_u64(o, "Version", s->version);
  prop(o, "Qualifiers");
  if (s->has_qualifiers) fl_gen_out_u64(o, s->qualifiers);
  fl_gen_out_nl(o);
  prop_u64(o, "Level", s->level);
  prop_u64(o, "Task", s->task);
  prop_u64(o, "Opcode", s->opcode);
  prop(o, "Keywords");
  if ((int64_t)s->keywords < 0) { /* PowerShell prints the signed long */
    fl_gen_out_ch(o, '-');
    fl_gen_out_u64(o, (uint64_t)0 - s->keywords);
  } else {
    fl_gen_out_u64(o, s->keywords);
  }
  fl_gen_out_nl(o);
  prop_u64(o, "RecordId", r->record_id);
  prop_str(o, "ProviderName", s->provider);
  prop(o, "ProviderId");
  if (s->guid) { /* PowerShell: lower case, no braces */
    for (const char *g = s->guid; *g; g++)
      if (*g != '{' && *g != '}') fl_gen_out_ch(o, (char)(*g >= 'A' && *g <= 'F' ? *g + 32 : *g));
  }
  fl_gen_out_nl(o);
  prop_str(o, "LogName", s->channel);
  prop_u64(o, "ProcessId", r->pid);
  prop_u64(o, "ThreadId", r->tid);
  prop(o, "MachineName");
  put_lines(o, r->computer, strlen(r->computer));
  fl_gen_out_nl(o);
  prop_str(o, "UserId", "");
  prop(o, "TimeCreated");
  put_local_date(o, r->time);
  fl_gen_out_nl(o);
  prop_str(o, "ActivityId", "");
  prop_str(o, "RelatedActivityId", "");
  prop_str(o, "ContainerLog", s->channel);
  prop_str(o, "MatchedQueryIds", "{}");
  prop_str(o, "Bookmark", "System.Diagnostics.Eventing.Reader.EventBookmark");
  prop_str(o, "LevelDisplayName", level_name(s->level));
  prop_str(o, "OpcodeDisplayName", "Info");
  prop_str(o, "TaskDisplayName", s->task_name && *s->task_name ? s->task_name : "");
  prop(o, "KeywordsDisplayNames");
  fl_gen_out_ch(o, '{');
  fl_gen_out_str(o, keywords_name(s->keywords));
  fl_gen_out_ch(o, '}');
  fl_gen_out_nl(o);
  prop_str(o, "Properties", "{System.Diagnostics.Eventing.Reader.EventProperty}");
  return FL_OK;
}

/* ---------------- xml-view: Event Viewer's XML View, copied ---------------- */

static fl_status xml_view_write(gen_writer *w, const gen_record *r, gen_pos *pos,
                                fl_error *err) {
  (void)err;
  gen_out *o = &w->out;
  start_record(w, r, pos, 1);
  fl_gen_out_str(o, "- <Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\">");
  fl_gen_out_nl(o);
  static const gen_xml_style view = {'"', " />", 1};
  fl_gen_xml_system(o, r, &view);
  fl_gen_xml_body(o, r, &view);
  fl_gen_out_str(o, "  </Event>");
  fl_gen_out_nl(o);
  return FL_OK;
}

/* ---------------- exports: Save All Events As .csv / .txt ---------------- */

/* One cell: quoted when it holds the delimiter, a quote or a line break. */
static void cell(gen_out *o, const char *s, size_t n, char sep) {
  int quote = 0;
  for (size_t i = 0; i < n && !quote; i++)
    quote = s[i] == sep || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
  if (!quote) {
    fl_gen_out_put(o, s, n);
    return;
  }
  fl_gen_out_ch(o, '"');
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '"') fl_gen_out_ch(o, '"');
    if (s[i] == '\n') fl_gen_out_nl(o);
    else fl_gen_out_ch(o, s[i]);
  }
  fl_gen_out_ch(o, '"');
}

static void cell_str(gen_out *o, const char *s, char sep) { cell(o, s, strlen(s), sep); }

static fl_status export_write(gen_writer *w, const gen_record *r, gen_pos *pos, char sep) {
  text_form *f = w->impl;
  gen_out *o = &w->out;
  const gen_shape *s = r->shape;
  /* The Security log's view shows Keywords where the others show Level; the
  ** header follows the first event's log (one log per real export). */
  int security = !strcmp(s->channel, "Security");
  if (!f->header_done) {
    f->header_done = 1 + security;
    fl_gen_out_str(o, security ? "Keywords" : "Level");
    const char *cols[] = {"Date and Time", "Source", "Event ID", "Task Category"};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
      fl_gen_out_ch(o, sep);
      fl_gen_out_str(o, cols[i]);
    }
    fl_gen_out_nl(o);
  }
  start_record(w, r, pos, 0);
  render_message(f, r);
  cell_str(o, f->header_done == 2 ? keywords_name(s->keywords) : level_name(s->level), sep);
  fl_gen_out_ch(o, sep);
  put_local_date(o, r->time);
  fl_gen_out_ch(o, sep);
  cell_str(o, s->provider, sep);
  fl_gen_out_ch(o, sep);
  fl_gen_out_u64(o, s->event_id);
  fl_gen_out_ch(o, sep);
  cell_str(o, s->task_name && *s->task_name ? s->task_name : "None", sep);
  fl_gen_out_ch(o, sep);
  cell(o, f->msg.p, f->msg.len, sep);
  fl_gen_out_nl(o);
  return FL_OK;
}

static fl_status csv_write(gen_writer *w, const gen_record *r, gen_pos *pos, fl_error *err) {
  (void)err;
  return export_write(w, r, pos, ',');
}

static fl_status txt_write(gen_writer *w, const gen_record *r, gen_pos *pos, fl_error *err) {
  (void)err;
  return export_write(w, r, pos, '\t');
}

/* ---------------- registration ---------------- */

static void text_writer(gen_writer *w,
                        fl_status (*write)(gen_writer *, const gen_record *, gen_pos *, fl_error *)) {
  w->begin = text_begin;
  w->write = write;
  w->end = text_end;
  w->bytes = fl_gen_text_bytes;
}

void fl_gen_writer_event_text(gen_writer *w) { text_writer(w, evtext_write); }
void fl_gen_writer_format_list(gen_writer *w) { text_writer(w, format_list_write); }
void fl_gen_writer_xml_view(gen_writer *w) { text_writer(w, xml_view_write); }
void fl_gen_writer_export_csv(gen_writer *w) { text_writer(w, csv_write); }
void fl_gen_writer_export_txt(gen_writer *w) { text_writer(w, txt_write); }
