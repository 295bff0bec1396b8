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

/* attribute: name=QvalueQ, escaped */
static void attr(gen_out *o, char q, const char *name, const char *value) {
  fl_gen_out_ch(o, ' ');
  fl_gen_out_str(o, name);
  fl_gen_out_ch(o, '=');
  fl_gen_out_ch(o, q);
  fl_gen_out_xml(o, value, 1);
  fl_gen_out_ch(o, q);
}

static void attr_u64(gen_out *o, char q, const char *name, uint64_t v) {
  fl_gen_out_ch(o, ' ');
  fl_gen_out_str(o, name);
  fl_gen_out_ch(o, '=');
  fl_gen_out_ch(o, q);
  fl_gen_out_u64(o, v);
  fl_gen_out_ch(o, q);
}

static void elem_u64(gen_out *o, const char *name, uint64_t v) {
  fl_gen_out_ch(o, '<');
  fl_gen_out_str(o, name);
  fl_gen_out_ch(o, '>');
  fl_gen_out_u64(o, v);
  fl_gen_out_str(o, "</");
  fl_gen_out_str(o, name);
  fl_gen_out_ch(o, '>');
}

static void elem_str(gen_out *o, const char *name, const char *v) {
  fl_gen_out_ch(o, '<');
  fl_gen_out_str(o, name);
  fl_gen_out_ch(o, '>');
  fl_gen_out_xml(o, v, 0);
  fl_gen_out_str(o, "</");
  fl_gen_out_str(o, name);
  fl_gen_out_ch(o, '>');
}

static void write_system(gen_writer *w, const gen_record *r, char q, const char *close) {
  gen_out *o = &w->out;
  const gen_shape *s = r->shape;
  fl_gen_out_str(o, "<System><Provider");
  attr(o, q, "Name", s->provider);
  if (s->guid) attr(o, q, "Guid", s->guid);
  fl_gen_out_str(o, close);
  fl_gen_out_str(o, "<EventID");
  if (s->has_qualifiers) attr_u64(o, q, "Qualifiers", s->qualifiers);
  fl_gen_out_ch(o, '>');
  fl_gen_out_u64(o, s->event_id);
  fl_gen_out_str(o, "</EventID>");
  elem_u64(o, "Version", s->version);
  elem_u64(o, "Level", s->level);
  elem_u64(o, "Task", s->task);
  elem_u64(o, "Opcode", s->opcode);
  char kw[19];
  fl_gen_fmt_keywords(kw, s->keywords);
  elem_str(o, "Keywords", kw);
  fl_gen_out_str(o, "<TimeCreated SystemTime=");
  fl_gen_out_ch(o, q);
  fl_gen_out_time(o, r->time, 9);
  fl_gen_out_ch(o, q);
  fl_gen_out_str(o, close);
  elem_u64(o, "EventRecordID", r->record_id);
  fl_gen_out_str(o, "<Correlation");
  fl_gen_out_str(o, close);
  fl_gen_out_str(o, "<Execution");
  attr_u64(o, q, "ProcessID", r->pid);
  attr_u64(o, q, "ThreadID", r->tid);
  fl_gen_out_str(o, close);
  elem_str(o, "Channel", s->channel);
  elem_str(o, "Computer", r->computer);
  fl_gen_out_str(o, "<Security");
  fl_gen_out_str(o, close);
  fl_gen_out_str(o, "</System>");
}

static void write_body(gen_writer *w, const gen_record *r, char q) {
  gen_out *o = &w->out;
  const gen_shape *s = r->shape;
  if (s->body == GEN_BODY_NONE) return;
  fl_gen_out_str(o, "<EventData>");
  for (size_t i = 0; i < s->nfields; i++) {
    fl_gen_out_str(o, "<Data");
    if (s->body == GEN_BODY_EVENTDATA) attr(o, q, "Name", s->fields[i].name);
    fl_gen_out_ch(o, '>');
    fl_gen_out_xml(o, r->v[i].s, 0);
    fl_gen_out_str(o, "</Data>");
  }
  if (s->body == GEN_BODY_CLASSIC && r->bin_len) {
    fl_gen_out_str(o, "<Binary>");
    fl_gen_out_hex(o, r->bin, r->bin_len, 1);
    fl_gen_out_str(o, "</Binary>");
  }
  fl_gen_out_str(o, "</EventData>");
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
  char q = ps ? '\'' : '"';
  const char *close = ps ? " />" : "/>";
  gen_out *o = &w->out;
  pos->line = o->lines + 1;
  pos->index = ++w->count;
  pos->record_id = r->record_id;
  fl_gen_out_str(o, "<Event xmlns=");
  fl_gen_out_ch(o, q);
  fl_gen_out_str(o, "http://schemas.microsoft.com/win/2004/08/events/event");
  fl_gen_out_ch(o, q);
  fl_gen_out_ch(o, '>');
  write_system(w, r, q, close);
  write_body(w, r, q);
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
