/*
** Windows event XML writer for `faultline gen --format xml`: the
** `wevtutil qe /f:xml /e:Events` form (double quotes) or, with
** --xml-style getwinevent, the Get-WinEvent .ToXml() form (single quotes,
** " />" element ends). One <Event> per line inside <Events>. Raw %%NNNN
** inserts as Windows stores them; classic sources with Qualifiers, unnamed
** <Data> and <Binary>. Also the shared open/close of text outputs.
** Must never write a value without escaping it.
*/
#include <string.h>

#include "common/fl_error.h"
#include "gen/gen_internal.h"

#define OUT_BUF (1u << 20)

fl_status fl_gen_text_begin(gen_writer *w, const char *path, fl_error *err) {
  FILE *fp = fopen(path, "wb");
  if (!fp) return fl_error_line(err, FL_EIO, path, 0, 0, "cannot create the output file");
  if (fl_gen_out_init(&w->out, fp, OUT_BUF) != 0) {
    fclose(fp);
    return fl_error_line(err, FL_ENOMEM, path, 0, 0, "out of memory");
  }
  return FL_OK;
}

fl_status fl_gen_text_end(gen_writer *w, fl_error *err) {
  int bad = fl_gen_out_flush(&w->out) != 0;
  if (fclose(w->out.fp) != 0) bad = 1;
  fl_gen_out_free(&w->out);
  if (bad) return fl_error_line(err, FL_EIO, "gen", 0, 0, "writing the output failed");
  return FL_OK;
}

uint64_t fl_gen_text_bytes(const gen_writer *w) { return w->out.bytes; }

/* ---- <System> and the body, in either layout ----
** One writer for the event XML forms (wevtutil and Get-WinEvent: one line
** per event) and Event Viewer's XML View (gen_text.c: an element a line,
** "- " before an open container, two spaces before the rest, a space at a
** leaf's end, text escaped as attribute values). */

static void line_end(gen_out *o, const gen_xml_style *st, int leaf) {
  if (!st->lines) return;
  if (leaf) fl_gen_out_ch(o, ' ');
  fl_gen_out_nl(o);
}

static void open_tag(gen_out *o, const gen_xml_style *st, const char *name, int container) {
  fl_gen_out_str(o, st->lines ? (container ? "- <" : "  <") : "<");
  fl_gen_out_str(o, name);
}

/* attribute: name=QvalueQ, escaped */
static void attr(gen_out *o, const gen_xml_style *st, const char *name, const char *value) {
  fl_gen_out_ch(o, ' ');
  fl_gen_out_str(o, name);
  fl_gen_out_ch(o, '=');
  fl_gen_out_ch(o, st->q);
  fl_gen_out_xml(o, value, 1);
  fl_gen_out_ch(o, st->q);
}

static void attr_u64(gen_out *o, const gen_xml_style *st, const char *name, uint64_t v) {
  char b[24];
  b[fl_gen_fmt_u64(b, v)] = '\0';
  attr(o, st, name, b);
}

static void empty_end(gen_out *o, const gen_xml_style *st) {
  fl_gen_out_str(o, st->empty);
  line_end(o, st, 1);
}

static void leaf(gen_out *o, const gen_xml_style *st, const char *name, const char *v) {
  open_tag(o, st, name, 0);
  fl_gen_out_ch(o, '>');
  fl_gen_out_xml(o, v, st->lines);
  fl_gen_out_str(o, "</");
  fl_gen_out_str(o, name);
  fl_gen_out_ch(o, '>');
  line_end(o, st, 1);
}

static void leaf_u64(gen_out *o, const gen_xml_style *st, const char *name, uint64_t v) {
  char b[24];
  b[fl_gen_fmt_u64(b, v)] = '\0';
  leaf(o, st, name, b);
}

static void close_container(gen_out *o, const gen_xml_style *st, const char *name) {
  fl_gen_out_str(o, st->lines ? "  </" : "</");
  fl_gen_out_str(o, name);
  fl_gen_out_ch(o, '>');
  line_end(o, st, 0);
}

void fl_gen_xml_system(gen_out *o, const gen_record *r, const gen_xml_style *st) {
  const gen_shape *s = r->shape;
  open_tag(o, st, "System>", 1);
  line_end(o, st, 0);
  open_tag(o, st, "Provider", 0);
  attr(o, st, "Name", s->provider);
  if (s->guid) attr(o, st, "Guid", s->guid);
  empty_end(o, st);
  open_tag(o, st, "EventID", 0);
  if (s->has_qualifiers) attr_u64(o, st, "Qualifiers", s->qualifiers);
  fl_gen_out_ch(o, '>');
  fl_gen_out_u64(o, s->event_id);
  fl_gen_out_str(o, "</EventID>");
  line_end(o, st, 1);
  leaf_u64(o, st, "Version", s->version);
  leaf_u64(o, st, "Level", s->level);
  leaf_u64(o, st, "Task", s->task);
  leaf_u64(o, st, "Opcode", s->opcode);
  char kw[19];
  fl_gen_fmt_keywords(kw, s->keywords);
  leaf(o, st, "Keywords", kw);
  char t[40];
  t[fl_gen_fmt_time(t, r->time, 9)] = '\0';
  open_tag(o, st, "TimeCreated", 0);
  attr(o, st, "SystemTime", t);
  empty_end(o, st);
  leaf_u64(o, st, "EventRecordID", r->record_id);
  open_tag(o, st, "Correlation", 0);
  empty_end(o, st);
  open_tag(o, st, "Execution", 0);
  attr_u64(o, st, "ProcessID", r->pid);
  attr_u64(o, st, "ThreadID", r->tid);
  empty_end(o, st);
  leaf(o, st, "Channel", s->channel);
  leaf(o, st, "Computer", r->computer);
  open_tag(o, st, "Security", 0);
  empty_end(o, st);
  close_container(o, st, "System");
}

void fl_gen_xml_body(gen_out *o, const gen_record *r, const gen_xml_style *st) {
  const gen_shape *s = r->shape;
  if (s->body == GEN_BODY_NONE) return;
  open_tag(o, st, "EventData>", 1);
  line_end(o, st, 0);
  for (size_t i = 0; i < s->nfields; i++) {
    const char *v = r->v[i].s ? r->v[i].s : "";
    open_tag(o, st, "Data", 0);
    if (s->body == GEN_BODY_EVENTDATA) attr(o, st, "Name", s->fields[i].name);
    if (!*v && st->lines) { /* Event Viewer shows an empty one closed */
      empty_end(o, st);
      continue;
    }
    fl_gen_out_ch(o, '>');
    fl_gen_out_xml(o, v, st->lines);
    fl_gen_out_str(o, "</Data>");
    line_end(o, st, 1);
  }
  if (s->body == GEN_BODY_CLASSIC && r->bin_len) {
    open_tag(o, st, "Binary>", 0);
    fl_gen_out_hex(o, r->bin, r->bin_len, 1);
    fl_gen_out_str(o, "</Binary>");
    line_end(o, st, 1);
  }
  close_container(o, st, "EventData");
}

static fl_status xml_begin(gen_writer *w, const char *path, fl_error *err) {
  fl_status st = fl_gen_text_begin(w, path, err);
  if (st != FL_OK) return st;
  fl_gen_out_str(&w->out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
  fl_gen_out_nl(&w->out);
  fl_gen_out_str(&w->out, "<Events>");
  fl_gen_out_nl(&w->out);
  return FL_OK;
}

static fl_status xml_write(gen_writer *w, const gen_record *r, gen_pos *pos, fl_error *err) {
  (void)err;
  int ps = w->opts->xml_style == FL_GEN_XML_GETWINEVENT;
  const gen_xml_style st = {ps ? '\'' : '"', ps ? " />" : "/>", 0};
  char q = st.q;
  gen_out *o = &w->out;
  pos->line = o->lines + 1;
  pos->index = ++w->count;
  pos->record_id = r->record_id;
  fl_gen_out_str(o, "<Event xmlns=");
  fl_gen_out_ch(o, q);
  fl_gen_out_str(o, "http://schemas.microsoft.com/win/2004/08/events/event");
  fl_gen_out_ch(o, q);
  fl_gen_out_ch(o, '>');
  fl_gen_xml_system(o, r, &st);
  fl_gen_xml_body(o, r, &st);
  fl_gen_out_str(o, "</Event>");
  fl_gen_out_nl(o);
  return FL_OK;
}

static fl_status xml_end(gen_writer *w, fl_error *err) {
  fl_gen_out_str(&w->out, "</Events>");
  fl_gen_out_nl(&w->out);
  return fl_gen_text_end(w, err);
}

void fl_gen_writer_xml(gen_writer *w) {
  w->begin = xml_begin;
  w->write = xml_write;
  w->end = xml_end;
  w->bytes = fl_gen_text_bytes;
}
