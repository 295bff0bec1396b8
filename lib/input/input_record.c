/*
** The record builder every text reader fills, and delivery: filter (the
** EVTX reader's semantics), render, on_record, buffered on_output, stats;
** diagnostics located by line and column.
**
** Must never: call a callback for a record the filter rejects, let a
** record vanish without a stats count and (when lost) a diagnostic, or
** allocate per record once the buffers have grown.
*/
#include <stdio.h>
#include <stdlib.h>

#include "input/input_internal.h"

void fl_input_ctx_init(fl_input_ctx *c, const fl_evtx_options *opt,
                       fl_evtx_stats *stats, const char *file,
                       const char *text, size_t len, fl_input_format fmt) {
  memset(c, 0, sizeof *c);
  c->opt = opt;
  c->stats = stats;
  c->file = file;
  c->text = text;
  c->text_len = len;
  c->text_eof = 1;
  c->format = fmt;
  c->loc_line = c->base_line = 1;
}

void fl_input_ctx_stream(fl_input_ctx *c, fl_input_stream *s,
                         uint64_t raw_size) {
  const fl_input_view *v = fl_input_stream_view(s);
  c->stream = s;
  c->raw_size = raw_size;
  c->text = v->p ? v->p : "";
  c->text_len = v->len;
  c->text_base = v->base;
  c->text_eof = v->eof;
}

static void fl_input_progress(fl_input_ctx *c) {
  uint64_t done = fl_input_stream_raw_read(c->stream);
  if (!c->opt->on_progress || c->stop || done < c->progress_at + (1u << 20))
    return;
  c->progress_at = (size_t)done;
  c->opt->on_progress(done, c->raw_size, c->opt->user);
}

size_t fl_input_more(fl_input_ctx *c, size_t keep) {
  if (!c->stream || c->text_eof) return 0;
  if (keep > fl_input_end(c)) keep = fl_input_end(c);
  if (keep > c->text_base) { /* lines of what is dropped are counted */
    unsigned line, col;
    fl_input_locate(c, keep, &line, &col);
    c->base_line = c->loc_line;
    c->base_bol = c->loc_bol;
  }
  size_t got = fl_input_stream_more(c->stream, keep);
  const fl_input_view *v = fl_input_stream_view(c->stream);
  c->text = v->p ? v->p : "";
  c->text_len = v->len;
  c->text_base = v->base;
  c->text_eof = v->eof;
  fl_input_progress(c);
  return got;
}

int fl_input_byte(fl_input_ctx *c, size_t off) {
  while (off >= fl_input_end(c))
    if (!fl_input_more(c, off < c->text_base ? c->text_base : off)) return -1;
  if (off < c->text_base) return -1;
  return (unsigned char)c->text[off - c->text_base];
}

static void fl_input_flush(fl_input_ctx *c) {
  if (!c->out.len) return;
  if (c->opt->on_output && !c->stop &&
      c->opt->on_output(c->out.p, c->out.len, c->opt->user))
    c->stop = 1;
  c->out.len = 0;
}

void fl_input_ctx_end(fl_input_ctx *c) {
  fl_input_flush(c);
  fl_buf_free(&c->arena);
  fl_buf_free(&c->pairs);
  fl_buf_free(&c->pairv);
  fl_buf_free(&c->wrapper);
  fl_buf_free(&c->out);
}

void fl_input_locate(fl_input_ctx *c, size_t off, unsigned *line,
                     unsigned *col) {
  if (off > fl_input_end(c)) off = fl_input_end(c);
  if (off < c->text_base) { /* dropped: the line known at text_base */
    *line = c->base_line;
    *col = off >= c->base_bol ? (unsigned)(off - c->base_bol + 1) : 0;
    return;
  }
  if (off < c->loc_scan || c->loc_scan < c->text_base) {
    c->loc_scan = c->text_base;
    c->loc_line = c->base_line;
    c->loc_bol = c->base_bol;
  }
  for (;;) {
    const char *from = c->text + (c->loc_scan - c->text_base);
    const char *nl = memchr(from, '\n', off - c->loc_scan);
    if (!nl) break;
    c->loc_scan = (size_t)(nl - from) + c->loc_scan + 1;
    c->loc_bol = c->loc_scan;
    c->loc_line++;
  }
  c->loc_scan = off;
  *line = c->loc_line;
  *col = (unsigned)(off - c->loc_bol + 1);
}

void fl_input_diag_emit(fl_input_ctx *c, fl_evtx_severity sev, size_t off,
                        const char *fmt, ...) {
  if (sev == FL_EVTX_ERROR) c->stats->errors++;
  else c->stats->warnings++;
  if (!c->opt->on_diag) return;
  fl_input_diag d;
  memset(&d, 0, sizeof d);
  d.diag.file = c->file;
  d.diag.severity = sev;
  d.diag.chunk = FL_INPUT_TEXT_CHUNK;
  d.diag.offset = off;
  if (c->in_record && (c->ev.present & FL_EVTX_HAS_EVENT_RECORD_ID)) {
    d.diag.has_record = 1;
    d.diag.record_id = c->ev.event_record_id;
  }
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(d.diag.message, sizeof d.diag.message, fmt, ap);
  va_end(ap);
  fl_input_locate(c, off, &d.line, &d.column);
  d.format = c->format;
  c->opt->on_diag(&d.diag, c->opt->user);
}

const fl_input_diag *fl_input_diag_from(const fl_evtx_diag *d) {
  if (!d || d->chunk != FL_INPUT_TEXT_CHUNK) return NULL;
  return (const fl_input_diag *)(const void *)d;
}

void fl_input_rec_begin(fl_input_ctx *c, size_t off) {
  memset(&c->ev, 0, sizeof c->ev);
  c->ev.file_offset = off;
  c->in_record = 1;
  c->rejected = 0;
  c->pairs_capped = 0;
  c->str_seen = 0;
  c->arena.len = c->pairs.len = c->wrapper.len = 0;
  c->arena.failed = c->pairs.failed = 0;
  c->ordinal++;
}

void fl_input_rec_str(fl_input_ctx *c, int field, const char *s, size_t n) {
  if (field < 0 || field >= FL_IN_STR_COUNT || c->rejected) return;
  char g[38];
  if ((field == FL_IN_GUID || field == FL_IN_ACTIVITY ||
       field == FL_IN_RELATED) && fl_input_guid_canon(s, n, g) == 0) {
    s = g;
    n = sizeof g;
  }
  c->str_off[field] = (uint32_t)c->arena.len;
  c->str_len[field] = (uint32_t)n;
  c->str_seen |= 1u << field;
  fl_input_buf_put(&c->arena, s, n);
}

void fl_input_rec_num(fl_input_ctx *c, unsigned bit, uint64_t v) {
  fl_evtx_event *ev = &c->ev;
  ev->present |= bit;
  switch (bit) { /* 32-bit members take the low half, as before */
#define FL_SYSTEM_NUMBER(sym, el, attr, member, width, has) \
    case has: ev->member = v; break;
#define FL_SYSTEM_TIME(sym, el, attr, member, has) \
    case has: ev->member = v; break;
#include "faultline/system_fields.def"
    default: ev->present &= ~bit; break;
  }
}

void fl_input_rec_num_text(fl_input_ctx *c, unsigned bit, const char *s,
                           size_t n, size_t off) {
  uint64_t v;
  fl_input_trim(&s, &n);
  if (!n) return; /* an empty element says nothing */
  uint64_t max = 0xffffffffu;
  switch (bit) {
#define FL_SYSTEM_NUMBER(sym, el, attr, member, width, has) \
    case has: max = (width) == 64 ? UINT64_MAX : 0xffffffffu; break;
#include "faultline/system_fields.def"
    default: break;
  }
  if (fl_input_parse_u64(s, n, &v) || v > max) {
    fl_input_diag_emit(c, FL_EVTX_WARNING, off,
                       "ignored a System value that is not a number: '%.40s'",
                       n > 40 ? "(long)" : s);
    return;
  }
  fl_input_rec_num(c, bit, v);
}

void fl_input_rec_time_text(fl_input_ctx *c, const char *s, size_t n,
                            size_t off) {
  uint64_t ft;
  fl_input_trim(&s, &n);
  if (!n) return;
  if (fl_input_parse_time(s, n, &ft)) {
    fl_input_diag_emit(c, FL_EVTX_WARNING, off,
                       "ignored a time that is not ISO 8601: '%.*s'",
                       (int)(n > 40 ? 40 : n), s);
    return;
  }
  fl_input_rec_num(c, FL_EVTX_HAS_TIME_CREATED, ft);
}

void fl_input_rec_pair(fl_input_ctx *c, const char *name, size_t nn,
                       const char *val, size_t vn) {
  if (c->rejected) return;
  if (c->pairs.len / (4 * sizeof(uint32_t)) >= FL_INPUT_MAX_PAIRS) {
    c->pairs_capped = 1;
    return;
  }
  if (nn > 0xffffffu) nn = 0xffffffu;
  uint32_t q[4];
  q[0] = (uint32_t)c->arena.len;
  q[1] = (uint32_t)nn;
  fl_input_buf_put(&c->arena, name, nn);
  q[2] = (uint32_t)c->arena.len;
  q[3] = (uint32_t)vn;
  fl_input_buf_put(&c->arena, val, vn);
  if (c->arena.len > 0xfffffff0u) c->arena.failed = 1; /* offsets are 32-bit */
  fl_input_buf_put(&c->pairs, q, sizeof q);
}

void fl_input_rec_pair_join(fl_input_ctx *c, const char *name, size_t nn,
                            const char *val, size_t vn, char sep) {
  size_t n = c->pairs.len / sizeof(uint32_t[4]);
  if (c->rejected) return;
  if (n && !c->arena.failed) {
    uint32_t q[4];
    memcpy(q, c->pairs.p + (n - 1) * sizeof q, sizeof q);
    /* only the last pair can grow in place: its value ends the arena */
    if (q[1] == nn && memcmp(c->arena.p + q[0], name, nn) == 0 &&
        (size_t)q[2] + q[3] == c->arena.len) {
      fl_input_buf_putc(&c->arena, sep);
      fl_input_buf_put(&c->arena, val, vn);
      q[3] = (uint32_t)(c->arena.len - q[2]);
      memcpy(c->pairs.p + (n - 1) * sizeof q, q, sizeof q);
      return;
    }
  }
  fl_input_rec_pair(c, name, nn, val, vn);
}

void fl_input_rec_wrapper(fl_input_ctx *c, const char *name, size_t n) {
  c->wrapper.len = 0;
  fl_input_buf_put(&c->wrapper, name, n);
}

static fl_evtx_str fl_input_field(const fl_input_ctx *c, int f) {
  fl_evtx_str s = {NULL, 0};
  if (c->str_seen & (1u << f)) {
    s.ptr = c->arena.p ? c->arena.p + c->str_off[f] : "";
    s.len = c->str_len[f];
  }
  return s;
}

static int fl_input_name_in(const char *s, size_t n, const char *const *list,
                            size_t count) {
  for (size_t i = 0; i < count; i++) {
    const char *w = list[i];
    size_t k = 0;
    while (k < n && w[k]) {
      unsigned char a = (unsigned char)s[k], b = (unsigned char)w[k];
      if (a >= 'A' && a <= 'Z') a = (unsigned char)(a + 32);
      if (b >= 'A' && b <= 'Z') b = (unsigned char)(b + 32);
      if (a != b) break;
      k++;
    }
    if (k == n && !w[k]) return 1;
  }
  return 0;
}

int fl_input_rec_filter(fl_input_ctx *c) {
  const fl_evtx_filter *f = &c->opt->filter;
  const fl_evtx_event *ev = &c->ev;
  if (f->id_count) {
    int ok = 0;
    for (size_t i = 0; i < f->id_count && (ev->present & FL_EVTX_HAS_EVENT_ID); i++)
      if (f->ids[i] == ev->event_id) ok = 1;
    if (!ok) return 0;
  }
  fl_evtx_str p = fl_input_field(c, FL_IN_PROVIDER);
  fl_evtx_str ch = fl_input_field(c, FL_IN_CHANNEL);
  if (f->provider_count && !fl_input_name_in(p.ptr ? p.ptr : "", p.len,
                                             f->providers, f->provider_count))
    return 0;
  if (f->channel_count && !fl_input_name_in(ch.ptr ? ch.ptr : "", ch.len,
                                            f->channels, f->channel_count))
    return 0;
  return 1;
}

static void fl_input_rec_build(fl_input_ctx *c) {
  fl_evtx_event *ev = &c->ev;
#define FL_SYSTEM_TEXT(sym, el, attr, member) ev->member = fl_input_field(c, FL_IN_##sym);
#include "faultline/system_fields.def"
  ev->record_id = (ev->present & FL_EVTX_HAS_EVENT_RECORD_ID)
                      ? ev->event_record_id : c->ordinal;
  ev->written_time = ev->time_created;
  size_t n = c->pairs.len / sizeof(uint32_t[4]);
  c->pairv.len = 0;
  ev->data = NULL;
  ev->data_count = 0;
  if (fl_buf_reserve(&c->pairv, n * sizeof(fl_evtx_pair) + 1)) return;
  fl_evtx_pair *pv = (fl_evtx_pair *)(void *)c->pairv.p;
  for (size_t i = 0; i < n; i++) {
    uint32_t q[4];
    memcpy(q, c->pairs.p + i * sizeof q, sizeof q);
    pv[i].name.ptr = c->arena.p + q[0];
    pv[i].name.len = q[1];
    pv[i].value.ptr = c->arena.p + q[2];
    pv[i].value.len = q[3];
  }
  ev->data = pv;
  ev->data_count = n;
}

void fl_input_rec_finish(fl_input_ctx *c) {
  if (!c->in_record) return;
  c->in_record = 0;
  c->recognised = 1;
  c->stats->records++;
  if (c->opt->on_progress && !c->stream &&
      c->ev.file_offset >= c->progress_at + (1u << 20)) {
    c->progress_at = (size_t)c->ev.file_offset;
    c->opt->on_progress(c->progress_at, c->text_len, c->opt->user);
  }
  if (c->rejected || !fl_input_rec_filter(c)) return;
  if (c->arena.failed || c->pairs.failed) {
    c->in_record = 1;
    fl_input_rec_skip(c, c->ev.file_offset, "out of memory");
    c->stats->records--;
    c->nomem = 1;
    return;
  }
  c->in_record = 1; /* diagnostics below still name the record */
  if (c->pairs_capped)
    fl_input_diag_emit(c, FL_EVTX_WARNING, c->ev.file_offset,
                       "more than %u data items; the rest were dropped",
                       FL_INPUT_MAX_PAIRS);
  c->in_record = 0;
  fl_input_rec_build(c);
  c->stats->records_matched++;
  const fl_evtx_options *o = c->opt;
  size_t mark = c->out.len;
  if (o->format != FL_EVTX_RENDER_NONE)
    fl_input_render_event(&c->out, &c->ev, c->wrapper.p, c->wrapper.len,
                          o->format);
  if (c->out.failed) c->nomem = 1;
  if (o->on_record && !c->stop) {
    c->ev.rendered.ptr = c->out.len > mark ? c->out.p + mark : NULL;
    c->ev.rendered.len = c->out.len - mark;
    if (o->on_record(&c->ev, o->user)) c->stop = 1;
  }
  if (c->out.len >= FL_INPUT_OUT_FLUSH) fl_input_flush(c);
}

void fl_input_rec_skip(fl_input_ctx *c, size_t off, const char *why) {
  if (!c->in_record) return;
  fl_input_diag_emit(c, FL_EVTX_ERROR, off, "event skipped: %s", why);
  c->in_record = 0;
  c->stats->records_skipped++;
}
