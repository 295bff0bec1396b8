/*
** Replaying a compiled template with one record's substitution values into
** a sink: optional substitutions that are Null/empty drop their attribute,
** arrays repeat their element once per item, nested BinXML (0x21) values
** are parsed in place. Also the per-worker context's life cycle.
**
** Must never: index the value table without checking the slot exists, or
** follow a nested value outside the chunk (the BinXML walker checks it).
*/
#include <stdatomic.h>
#include <stdlib.h>

#include "evtx/evtx_internal.h"

void fl_evtx_ctx_init(fl_evtx_ctx *c, const char *file_name) {
  memset(c, 0, sizeof *c);
  c->file_name = file_name;
  c->chunk_gen = 1;
}

void fl_evtx_ctx_free(fl_evtx_ctx *c) {
  fl_evtx_template_free_all(c);
  free(c->cops);
  fl_buf_free(&c->cpool);
  fl_buf_free(&c->cext);
  fl_buf_free(&c->clits);
  fl_buf_free(&c->names);
  fl_buf_free(&c->vstack);
  fl_buf_free(&c->scratch);
}

typedef struct fl_evtx_play {
  fl_evtx_ctx *c;
  const fl_evtx_instance *inst;
  size_t vbase;            /* value offsets in c->vstack */
  const fl_evtx_tmpl *t;
  fl_evtx_sink *sink;
  fl_evtx_xml_sink *xml;   /* sink, when it is the XML renderer */
} fl_evtx_play;

static void fl_evtx_play_value(const fl_evtx_play *pl, uint32_t i,
                               fl_evtx_val *v) {
  fl_evtx_slot_value(pl->inst, pl->c->vstack.p + pl->vbase, i, v);
}

static int fl_evtx_play_range(const fl_evtx_play *pl, uint32_t from,
                              uint32_t to, const fl_evtx_val *item);

static int fl_evtx_play_sub(const fl_evtx_play *pl, const fl_evtx_op *op,
                            const fl_evtx_val *item) {
  fl_evtx_val v;
  if (item) v = *item;
  else fl_evtx_play_value(pl, op->sub, &v);
  if (v.type == FL_VT_NULL || v.len == 0) return 0;
  if (v.type == FL_VT_BINXML) {
    fl_evtx_ctx *c = pl->c;
    if (pl->sink->ops == &fl_evtx_json_ops &&
        ((fl_evtx_json_sink *)pl->sink)->sim) { /* making a JSON plan */
      uint32_t i = (uint32_t)(op - pl->t->ops);
      fl_evtx_json_sim_hole((fl_evtx_json_sink *)pl->sink, op->sub,
                            i + 1 < pl->t->nops &&
                                op[1].code == FL_OP_CLOSE);
      return 0;
    }
    uint32_t off = (uint32_t)(v.p - c->chunk);
    return fl_evtx_binxml_parse(c, off, off + v.len, 0, pl->sink);
  }
  pl->sink->ops->value(pl->sink, &v);
  return 0;
}

/* An element whose only content is an array value: one element per item. */
static int fl_evtx_play_array(const fl_evtx_play *pl, uint32_t open,
                              const fl_evtx_val *arr) {
  uint32_t pos = 0;
  fl_evtx_val item;
  uint32_t close = pl->t->ops[open].jump;
  while (fl_evtx_array_next(arr, &pos, &item))
    if (fl_evtx_play_range(pl, open, close + 1, &item)) return -1;
  return 0;
}

/* A pre-rendered run at op i (evtx_xml_runs.c), when the XML sink is in the
** state it was rendered for; returns the next op, or 0 to play op by op. */
static uint32_t fl_evtx_play_xml_run(const fl_evtx_play *pl, uint32_t i,
                                  uint32_t to, const fl_evtx_val *item) {
  const fl_evtx_tmpl *t = pl->t;
  fl_evtx_xml_sink *x = pl->xml;
  uint32_t k = t->ops[i].sub;
  if (k >= t->nlits) return 0;
  const fl_evtx_xml_run *l = &t->lits[k];
  if (l->end > to || x->in_attr != l->in_attr || x->pending != l->pending)
    return 0;
  fl_evtx_val v;
  if (l->has_chk && !item) {
    fl_evtx_play_value(pl, l->chk, &v);
    if ((v.type & FL_VT_ARRAY_FLAG) && v.len) return 0; /* repeats */
  }
  uint32_t n = l->n, next = l->end;
  x->in_attr = l->out_in_attr;
  x->pending = l->out_pending;
  if (l->has_tail) {
    fl_evtx_play_value(pl, l->tail_slot, &v);
    if (v.type == FL_VT_NULL || v.len == 0) { /* optional attribute left out */
      n = l->tail_n;
      next = l->tail_end;
      x->in_attr = l->tail_in_attr;
      x->pending = l->tail_pending;
    }
  }
  fl_evtx_buf_put(x->out, t->pool + l->a, n);
  for (unsigned p = 0; p < l->pops; p++) fl_evtx_xml_pop(x);
  fl_evtx_buf_put(&x->stack, t->pool + l->push_a, l->push_n);
  return next;
}

static int fl_evtx_play_range(const fl_evtx_play *pl, uint32_t from,
                              uint32_t to, const fl_evtx_val *item) {
  const fl_evtx_op *ops = pl->t->ops;
  const char *pool = pl->t->pool;
  fl_evtx_sink *s = pl->sink;
  for (uint32_t i = from; i < to; i++) {
    const fl_evtx_op *op = &ops[i];
    if ((op->flags & FL_OPF_XLIT) && pl->xml) {
      uint32_t next = fl_evtx_play_xml_run(pl, i, to, item);
      if (next) {
        i = next - 1;
        continue;
      }
    }
    switch (op->code) {
      case FL_OP_OPEN:
        if ((op->flags & FL_OPF_SOLE_SUB) && !item && op->jump > i) {
          fl_evtx_val v;
          fl_evtx_play_value(pl, ops[op->jump - 1].sub, &v);
          if ((v.type & FL_VT_ARRAY_FLAG) && v.len) {
            if (fl_evtx_play_array(pl, i, &v)) return -1;
            i = op->jump;
            break;
          }
        }
        if (pl->xml && (op->flags & FL_OPF_XML_PLAIN))
          fl_evtx_xml_open_plain(pl->xml, pool + op->a, op->n);
        else
          s->ops->open(s, pool + op->a, op->n);
        break;
      case FL_OP_ATTR:
        if ((op->flags & FL_OPF_SOLE_SUB) && op->jump > i &&
            (ops[i + 1].flags & FL_OPF_OPTIONAL)) {
          fl_evtx_val v;
          fl_evtx_play_value(pl, ops[i + 1].sub, &v);
          if (v.type == FL_VT_NULL || v.len == 0) {
            i = op->jump - 1;
            break;
          }
        }
        if (pl->xml && (op->flags & FL_OPF_XML_PLAIN))
          fl_evtx_xml_attr_plain(pl->xml, pool + op->a, op->n);
        else
          s->ops->attr(s, pool + op->a, op->n);
        break;
      case FL_OP_ATTRS_END: s->ops->attrs_end(s); break;
      case FL_OP_CLOSE: s->ops->close(s); break;
      case FL_OP_TEXT: {
        if (pl->xml && (op->flags & FL_OPF_XML_PLAIN)) {
          fl_evtx_xml_text_plain(pl->xml, pool + op->a, op->n);
          break;
        }
        fl_evtx_val v = {FL_VT_UTF8, op->n, (const uint8_t *)pool + op->a};
        s->ops->value(s, &v);
        break;
      }
      case FL_OP_CDATA: {
        fl_evtx_val v = {FL_VT_UTF8, op->n, (const uint8_t *)pool + op->a};
        s->ops->cdata(s, &v);
        break;
      }
      case FL_OP_SUB: /* where repeats multiply output: the cap */
        if (fl_evtx_ctx_over_limit(pl->c, (uint32_t)pl->c->record_off) ||
            fl_evtx_play_sub(pl, op, item && i + 1 < to && ops[i + 1].code ==
                                         FL_OP_CLOSE ? item : NULL))
          return -1;
        break;
      case FL_OP_CHARREF: s->ops->charref(s, op->sub); break;
      case FL_OP_ENTREF: s->ops->entref(s, pool + op->a, op->n); break;
      case FL_OP_PI: {
        fl_evtx_val v = {FL_VT_UTF8, 0, (const uint8_t *)pool};
        if (i + 1 < to && ops[i + 1].code == FL_OP_TEXT) {
          v.p = (const uint8_t *)pool + ops[i + 1].a;
          v.len = ops[i + 1].n;
          i++;
        }
        s->ops->pi(s, pool + op->a, op->n, &v);
        break;
      }
      default: break;
    }
    if (pl->c->failed) return -1;
  }
  return 0;
}

/* ---- the field extractor's plan of a template ----
** The field extractor only needs what its captures receive, and for a
** given template at a given place (the extractor's path when the template
** starts) that is fixed: which slot or literal goes to which System field
** or EventData pair. The plan is recorded once per template by walking its
** ops through a recording extractor (with slot markers for values), then
** each record replays only the plan's steps. It does not hold, and the
** template is replayed op by op, when one of its values is nested BinXML
** or a non-empty array (both change the structure), when it starts at
** another path than the one it was planned at, or when the template has
** character/entity references. Windows logs nest EventData as a BinXML
** value: the outer template is then replayed op by op and the nested
** EventData template runs its plan. Optional attributes are conditional
** steps, dropped exactly when play_range drops the attribute. */
static void fl_evtx_plan_walk(const fl_evtx_tmpl *t, fl_evtx_fields_sink *f) {
  fl_evtx_sink *s = &f->base;
  const fl_evtx_op *ops = t->ops;
  uint32_t cond_end = 0;
  for (uint32_t i = 0; i < t->nops && !f->rec_failed; i++) {
    const fl_evtx_op *op = &ops[i];
    switch (op->code) {
      case FL_OP_OPEN: s->ops->open(s, t->pool + op->a, op->n); break;
      case FL_OP_ATTR:
        if ((op->flags & FL_OPF_SOLE_SUB) && op->jump > i && i + 1 < t->nops &&
            (ops[i + 1].flags & FL_OPF_OPTIONAL)) {
          f->rec_cond = ops[i + 1].sub; /* the attribute and its value */
          cond_end = op->jump;
        }
        s->ops->attr(s, t->pool + op->a, op->n);
        break;
      case FL_OP_ATTRS_END: s->ops->attrs_end(s); break;
      case FL_OP_CLOSE: s->ops->close(s); break;
      case FL_OP_TEXT: case FL_OP_CDATA: {
        fl_evtx_val v = {FL_VT_UTF8, op->n, (const uint8_t *)t->pool + op->a};
        s->ops->value(s, &v);
        break;
      }
      case FL_OP_SUB: {
        fl_evtx_val v = {FL_VT_SLOT_MARK, op->sub, NULL};
        s->ops->value(s, &v);
        break;
      }
      case FL_OP_PI: /* the extractor ignores it and the text it takes */
        if (i + 1 < t->nops && ops[i + 1].code == FL_OP_TEXT) i++;
        break;
      default: f->rec_failed = 1; break; /* char/entity references */
    }
    if (cond_end && i + 1 >= cond_end) {
      f->rec_cond = FL_FS_NO_COND;
      cond_end = 0;
    }
  }
}

/* The extractor's path matters up to depth 3 (fl_evtx_fields_sink.name). */
static int fl_evtx_plan_same_path(const fl_evtx_tmpl *t,
                                  const fl_evtx_fields_sink *f) {
  if (f->depth != t->fplan_depth) return 0;
  for (unsigned d = 0; d < 3 && d < f->depth; d++)
    if (f->name[d] != t->fplan_name[d]) return 0;
  return 1;
}

static void fl_evtx_plan_make(fl_evtx_tmpl *t, const fl_evtx_fields_sink *at) {
  fl_evtx_fields_sink f;
  fl_evtx_event scratch;
  fl_evtx_buf steps = {0};
  memset(&scratch, 0, sizeof scratch);
  fl_evtx_fields_sink_init(&f);
  fl_evtx_fields_sink_begin(&f, &scratch);
  f.rec = &steps;
  f.rec_pool = t->pool;
  f.rec_pool_len = t->pool_len;
  f.rec_cond = FL_FS_NO_COND;
  f.depth = at->depth;
  memcpy(f.name, at->name, sizeof f.name);
  t->fplan_depth = at->depth;
  for (unsigned d = 0; d < 3; d++) t->fplan_name[d] = d < at->depth ? at->name[d] : 0;
  fl_evtx_plan_walk(t, &f);
  t->fplan_state = -1;
  if (!f.rec_failed && !steps.failed && f.depth == at->depth && !f.pair_open) {
    fl_evtx_fstep *st = (fl_evtx_fstep *)(void *)steps.p;
    uint32_t count = st ? (uint32_t)(steps.len / sizeof *st) : 0;
    count = fl_evtx_fplan_fuse(st, count, t->pool);
    t->fplan_count = count;
    t->fplan = malloc(count ? count * sizeof *st : 1);
    if (t->fplan) {
      if (st && count) memcpy(t->fplan, st, count * sizeof *st);
      t->fplan_state = 1;
    }
  }
  fl_evtx_fields_sink_free(&f);
  fl_buf_free(&steps);
}

static int fl_evtx_plan_run(const fl_evtx_play *pl, fl_evtx_fields_sink *f) {
  const fl_evtx_tmpl *t = pl->t;
  return fl_evtx_fs_run(f, pl->c, t->fplan, t->fplan_count, t->pool, pl->inst,
                        pl->c->vstack.p + pl->vbase);
}

int fl_evtx_fields_plan_enabled = 1;
atomic_ulong fl_evtx_fields_plan_records;

/* The fields extractor, when this template's plan holds here. */
static fl_evtx_fields_sink *fl_evtx_plan_sink(fl_evtx_sink *sink,
                                              const fl_evtx_instance *inst,
                                              int fits) {
  if (sink->ops != &fl_evtx_fs_ops || !fl_evtx_fields_plan_enabled) return NULL;
  fl_evtx_fields_sink *f = (fl_evtx_fields_sink *)sink;
  /* a template starts a plan only where no capture or pair is open: the
  ** plan's steps begin from that state */
  if (f->rec || f->capture || f->pair_open || f->depth > 5) return NULL;
  if (inst->tmpl->fplan_state == 0) fl_evtx_plan_make(inst->tmpl, f);
  if (inst->tmpl->fplan_state != 1 || !fl_evtx_plan_same_path(inst->tmpl, f) ||
      !fits)
    return NULL;
  if (fl_evtx_fields_plan_enabled == 2) /* tests count the planned records */
    atomic_fetch_add_explicit(&fl_evtx_fields_plan_records, 1,
                              memory_order_relaxed);
  return f;
}

int fl_evtx_template_replay(fl_evtx_ctx *c, const fl_evtx_instance *inst,
                            fl_evtx_sink *sink) {
  size_t vbase = c->vstack.len;
  char *d = fl_evtx_buf_room(&c->vstack, 4u * inst->nvalues);
  if (!d) {
    fl_evtx_ctx_fail(c, 0, "out of memory");
    return -1;
  }
  uint32_t at = 0;
  int fits = 1; /* for a fields plan: no nested BinXML, no array value */
  if (sink->ops == &fl_evtx_fs_ops) {
    unsigned odd = 0;
    for (uint32_t i = 0; i < inst->nvalues; i++) {
      uint32_t e = fl_le32(inst->desc + 4 * i), size = e & 0xffff;
      unsigned type = (e >> 16) & 0xff;
      memcpy(d + 4u * i, &at, 4);
      at += size;
      odd |= (type == FL_VT_BINXML) | ((type & FL_VT_ARRAY_FLAG) && size);
    }
    fits = !odd;
  } else {
    for (uint32_t i = 0; i < inst->nvalues; i++) {
      memcpy(d + 4u * i, &at, 4);
      at += fl_le16(inst->desc + 4 * i);
    }
  }
  c->vstack.len += 4u * inst->nvalues;
  fl_evtx_xml_sink *xml =
      sink->ops == &fl_evtx_xml_ops ? (fl_evtx_xml_sink *)sink : NULL;
  fl_evtx_play pl = {c, inst, vbase, inst->tmpl, sink, xml};
  if (sink->ops == &fl_evtx_json_ops) {
    int r = fl_evtx_jplan_replay(c, inst, (fl_evtx_json_sink *)sink, vbase);
    if (r != 1) {
      c->vstack.len = vbase;
      return r;
    }
  }
  fl_evtx_fields_sink *planned =
      xml ? NULL : fl_evtx_plan_sink(sink, inst, fits);
  int r = planned ? fl_evtx_plan_run(&pl, planned)
                  : fl_evtx_play_range(&pl, 0, inst->tmpl->nops, NULL);
  c->vstack.len = vbase;
  return r;
}
