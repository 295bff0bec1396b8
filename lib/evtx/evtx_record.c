/*
** One event record: filter it (from the compiled template's EventID /
** Provider / Channel slots when possible, else from a full field parse),
** then render it into the chunk's output and/or hand the parsed fields to
** the caller. A record whose BinXML is broken is reported and dropped whole.
**
** Must never: render a record the filter rejects, leave half a record in
** the output, or allocate (all buffers belong to the worker).
*/
#include <stdio.h>
#include <stdlib.h>

#include "evtx/evtx_internal.h"

void fl_evtx_worker_init(fl_evtx_worker *w, const char *name,
                         const fl_evtx_options *opt) {
  memset(w, 0, sizeof *w);
  fl_evtx_ctx_init(&w->ctx, name);
  w->ctx.want_xml_runs = opt->format == FL_EVTX_RENDER_XML;
  fl_evtx_xml_sink_init(&w->xml, &w->dummy);
  fl_evtx_json_sink_init(&w->json, &w->dummy);
  fl_evtx_fields_sink_init(&w->fields);
  w->opt = opt;
  for (size_t i = 0; i < opt->filter.id_count; i++)
    if (opt->filter.ids[i] < 65536)
      w->id_bits[opt->filter.ids[i] >> 6] |= 1ull << (opt->filter.ids[i] & 63);
}

void fl_evtx_worker_free(fl_evtx_worker *w) {
  fl_evtx_ctx_free(&w->ctx);
  fl_evtx_xml_sink_free(&w->xml);
  fl_evtx_json_sink_free(&w->json);
  fl_evtx_fields_sink_free(&w->fields);
  fl_buf_free(&w->dummy);
}

static int fl_evtx_name_eq(const char *a, size_t an, const char *b) {
  size_t bn = strlen(b);
  if (an != bn) return 0;
  for (size_t i = 0; i < an; i++) {
    unsigned x = (unsigned char)a[i], y = (unsigned char)b[i];
    if (x - 'A' < 26) x += 32;
    if (y - 'A' < 26) y += 32;
    if (x != y) return 0;
  }
  return 1;
}

static int fl_evtx_name_in(const char *s, size_t n, const char *const *list,
                           size_t count) {
  for (size_t i = 0; i < count; i++)
    if (fl_evtx_name_eq(s, n, list[i])) return 1;
  return 0;
}

static int fl_evtx_id_in(const fl_evtx_worker *w, uint64_t id) {
  if (id < 65536) return (int)((w->id_bits[id >> 6] >> (id & 63)) & 1);
  const fl_evtx_filter *f = &w->opt->filter;
  for (size_t i = 0; i < f->id_count; i++)
    if (f->ids[i] == id) return 1;
  return 0;
}

/* The text of a field source: 1 with c->scratch filled, 0 absent, -1
** unknown. */
static int fl_evtx_src_text(fl_evtx_ctx *c, const fl_evtx_instance *inst,
                            const fl_evtx_field_src *src) {
  c->scratch.len = 0;
  if (src->kind == 0) return 0;
  if (src->kind == 2) {
    fl_evtx_buf_put(&c->scratch, inst->tmpl->pool + src->a, src->n);
    return 1;
  }
  if (src->kind != 1) return -1;
  fl_evtx_val v;
  fl_evtx_instance_value(inst, src->slot, &v);
  if (v.type == FL_VT_BINXML) return -1;
  fl_evtx_value_format(&c->scratch, &v, FL_ESC_NONE);
  return 1;
}

/* 1 when the text of src is in list, 0 when not (or absent), -1 unknown:
** fl_evtx_src_text and fl_evtx_name_in, answered from memo when the value
** is the same bytes of the same type as last time. */
static int fl_evtx_src_in(fl_evtx_ctx *c, const fl_evtx_instance *inst,
                          const fl_evtx_field_src *src,
                          const char *const *list, size_t count,
                          fl_evtx_name_memo *memo) {
  fl_evtx_val v = {FL_VT_NULL, 0, NULL};
  if (src->kind == 2) {
    v.type = FL_VT_UTF8;
    v.len = src->n;
    v.p = (const uint8_t *)inst->tmpl->pool + src->a;
  } else if (src->kind == 1) {
    fl_evtx_instance_value(inst, src->slot, &v);
  }
  int keyed = (src->kind == 1 || src->kind == 2) && v.type != FL_VT_BINXML &&
              v.len <= FL_EVTX_NAME_MEMO_MAX;
  if (keyed && memo->valid && memo->type == v.type && memo->len == v.len &&
      (!v.len || memcmp(memo->key, v.p, v.len) == 0))
    return memo->verdict;
  int r = fl_evtx_src_text(c, inst, src);
  if (r <= 0) return r;
  r = fl_evtx_name_in(c->scratch.p, c->scratch.len, list, count);
  if (keyed) {
    memo->valid = 1;
    memo->verdict = r;
    memo->type = v.type;
    memo->len = v.len;
    if (v.len) memcpy(memo->key, v.p, v.len);
  }
  return r;
}

/* 1 match, 0 no match, -1 cannot tell without a full parse. */
static int fl_evtx_filter_quick(fl_evtx_worker *w, uint32_t off,
                                uint32_t end) {
  fl_evtx_ctx *c = &w->ctx;
  const fl_evtx_filter *f = &w->opt->filter;
  if (end - off >= 4 && c->chunk[off] == FL_BXML_FRAGMENT_HEADER) off += 4;
  if (off >= end || c->chunk[off] != FL_BXML_TEMPLATE_INSTANCE) return -1;
  fl_evtx_instance inst;
  uint32_t next;
  if (fl_evtx_instance_read(c, off, end, &inst, &next)) {
    c->failed = 0; /* the full parse will report it */
    return -1;
  }
  c->qinst = inst; /* the full parse starts with this same instance */
  c->qinst_off = off;
  c->qinst_end = end;
  c->qinst_next = next;
  const fl_evtx_tmpl *t = inst.tmpl;
  if (!t->root_is_event) return -1;
  if (f->id_count) {
    const fl_evtx_field_src *src = &t->event_id;
    uint64_t id = 0;
    if (src->kind == 1) {
      fl_evtx_val v;
      fl_evtx_instance_value(&inst, src->slot, &v);
      if (!fl_evtx_value_u64(&v, &id)) {
        if (fl_evtx_src_text(c, &inst, src) < 0) return -1;
        fl_evtx_buf_putc(&c->scratch, 0);
        id = strtoull(c->scratch.p, NULL, 10);
      }
    } else {
      int r = fl_evtx_src_text(c, &inst, src);
      if (r <= 0) return r;
      fl_evtx_buf_putc(&c->scratch, 0);
      id = strtoull(c->scratch.p, NULL, 10);
    }
    if (!fl_evtx_id_in(w, id)) return 0;
  }
  if (f->provider_count) {
    int r = fl_evtx_src_in(c, &inst, &t->provider, f->providers,
                           f->provider_count, &w->provider_memo);
    if (r <= 0) return r;
  }
  if (f->channel_count) {
    int r = fl_evtx_src_in(c, &inst, &t->channel, f->channels,
                           f->channel_count, &w->channel_memo);
    if (r <= 0) return r;
  }
  return 1;
}

static int fl_evtx_filter_full(const fl_evtx_worker *w,
                               const fl_evtx_event *ev) {
  const fl_evtx_filter *f = &w->opt->filter;
  if (f->id_count && (!(ev->present & FL_EVTX_HAS_EVENT_ID) ||
                      !fl_evtx_id_in(w, ev->event_id)))
    return 0;
  if (f->provider_count &&
      !fl_evtx_name_in(ev->provider_name.ptr ? ev->provider_name.ptr : "",
                       ev->provider_name.len, f->providers, f->provider_count))
    return 0;
  if (f->channel_count &&
      !fl_evtx_name_in(ev->channel.ptr ? ev->channel.ptr : "", ev->channel.len,
                       f->channels, f->channel_count))
    return 0;
  return 1;
}

static void fl_evtx_record_reset(fl_evtx_ctx *c) {
  c->failed = 0;
  c->nesting = 0;
  c->elem_depth = 0;
  c->vstack.len = 0;
  c->lim[0] = c->lim[1] = c->lim[2] = NULL;
  c->lim_extra = 0;
}

/* The output cap counts what these buffers gain from now on. */
static void fl_evtx_record_limit(fl_evtx_ctx *c, fl_evtx_buf *a,
                                 fl_evtx_buf *b, fl_evtx_buf *d) {
  c->lim[0] = a;
  c->lim[1] = b;
  c->lim[2] = d;
  /* b and d are a sink's own buffers, emptied per record */
  c->lim_end = a->len + FL_EVTX_MAX_RECORD_OUTPUT;
}

static int fl_evtx_record_fields(fl_evtx_worker *w, uint32_t off,
                                 uint32_t end) {
  fl_evtx_ctx *c = &w->ctx;
  fl_evtx_record_reset(c);
  fl_evtx_fields_sink_begin(&w->fields, &w->ev);
  fl_evtx_record_limit(c, &w->fields.text, NULL, NULL);
  if (fl_evtx_binxml_parse(c, off, end, 0, &w->fields.base)) return -1;
  fl_evtx_fields_sink_finish(&w->fields);
  return 0;
}

static void fl_evtx_record_failed(fl_evtx_worker *w) {
  fl_evtx_ctx *c = &w->ctx;
  fl_evtx_diag_add(&w->job->diags, c->file_name, FL_EVTX_ERROR,
                   c->chunk_index, c->chunk_file_off + c->err_off, 1,
                   c->record_id, "record skipped: %s", c->errmsg);
  w->job->stats.records_skipped++;
}

static int fl_evtx_record_render(fl_evtx_worker *w, uint32_t off,
                                 uint32_t end) {
  fl_evtx_ctx *c = &w->ctx;
  fl_evtx_buf *out = &w->job->out;
  fl_evtx_sink *sink;
  size_t start = out->len;
  fl_evtx_record_reset(c);
  if (w->opt->format == FL_EVTX_RENDER_XML) {
    w->xml.out = out;
    fl_evtx_xml_sink_reset(&w->xml);
    sink = &w->xml.base;
    fl_evtx_record_limit(c, out, NULL, NULL);
  } else {
    w->json.out = out;
    w->json.plan_used = 0;
    fl_evtx_json_sink_reset(&w->json);
    sink = &w->json.base;
    fl_evtx_record_limit(c, out, &w->json.text, &w->json.attrs);
  }
  int rc = fl_evtx_binxml_parse(c, off, end, 0, sink);
  if (sink == &w->json.base && w->json.plan_used &&
      (rc || out->len - start > FL_EVTX_JSON_PLAN_MAX_OUT)) {
    /* the output cap counts the op-by-op sink's buffers: let it decide */
    out->len = start;
    fl_evtx_record_reset(c);
    fl_evtx_json_sink_reset(&w->json);
    fl_evtx_record_limit(c, out, &w->json.text, &w->json.attrs);
    w->json.no_plan = 1;
    rc = fl_evtx_binxml_parse(c, off, end, 0, sink);
    w->json.no_plan = 0;
  }
  if (rc) return -1;
  if (w->opt->format == FL_EVTX_RENDER_XML) fl_evtx_buf_putc(out, '\n');
  else fl_evtx_json_sink_end(&w->json);
  return 0;
}

int fl_evtx_record_process(fl_evtx_worker *w, uint32_t pos, uint32_t size,
                           int recovered) {
  fl_evtx_ctx *c = &w->ctx;
  const fl_evtx_options *o = w->opt;
  const fl_evtx_filter *f = &o->filter;
  uint32_t off = pos + FL_EVTX_RECORD_HEADER_SIZE, end = pos + size - 4;
  c->record_id = fl_le64(c->chunk + pos + 8);
  c->has_record = 1;
  c->record_off = pos;
  c->qinst_off = 0;
  memset(&w->ev, 0, sizeof w->ev);
  int have_fields = 0;
  if (f->id_count || f->provider_count || f->channel_count) {
    fl_evtx_record_reset(c);
    int r = fl_evtx_filter_quick(w, off, end);
    if (r < 0) {
      if (fl_evtx_record_fields(w, off, end)) {
        fl_evtx_record_failed(w);
        return 0;
      }
      have_fields = 1;
      r = fl_evtx_filter_full(w, &w->ev);
    }
    if (!r) return 0;
  }
  w->job->stats.records_matched++;
  if (w->crc_pending) fl_evtx_chunk_records_crc(w);
  size_t mark = w->job->out.len;
  if (o->format != FL_EVTX_RENDER_NONE && fl_evtx_record_render(w, off, end)) {
    w->job->out.len = mark;
    fl_evtx_record_failed(w);
    return 0;
  }
  if (o->on_record) {
    if (!have_fields && fl_evtx_record_fields(w, off, end)) {
      w->job->out.len = mark;
      fl_evtx_record_failed(w);
      return 0;
    }
    fl_evtx_event *ev = &w->ev;
    ev->record_id = c->record_id;
    ev->written_time = fl_le64(c->chunk + pos + 16);
    ev->chunk_index = c->chunk_index;
    ev->file_offset = c->chunk_file_off + pos;
    ev->recovered = recovered;
    ev->rendered.ptr = w->job->out.p ? w->job->out.p + mark : NULL;
    ev->rendered.len = w->job->out.len - mark;
    if (o->on_record(ev, o->user)) w->job->stop = 1;
  }
  return 1;
}
