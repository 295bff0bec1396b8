/*
** Replaying a compiled template with one record's substitution values into
** a sink: optional substitutions that are Null/empty drop their attribute,
** arrays repeat their element once per item, nested BinXML (0x21) values
** are parsed in place. Also the per-worker context's life cycle.
**
** Must never: index the value table without checking the slot exists, or
** follow a nested value outside the chunk (the BinXML walker checks it).
*/
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
  const fl_evtx_instance *inst = pl->inst;
  if (i >= inst->nvalues) {
    v->type = FL_VT_NULL;
    v->len = 0;
    v->p = inst->data;
    return;
  }
  uint32_t off;
  memcpy(&off, pl->c->vstack.p + pl->vbase + 4u * i, 4);
  v->p = inst->data + off;
  v->len = fl_le16(inst->desc + 4 * i);
  v->type = inst->desc[4 * i + 2];
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

/* A pre-rendered run at op i (evtx_xlit.c), when the XML sink is in the
** state it was rendered for; returns the next op, or 0 to play op by op. */
static uint32_t fl_evtx_play_xlit(const fl_evtx_play *pl, uint32_t i,
                                  uint32_t to, const fl_evtx_val *item) {
  const fl_evtx_tmpl *t = pl->t;
  fl_evtx_xml_sink *x = pl->xml;
  uint32_t k = t->ops[i].sub;
  if (k >= t->nlits) return 0;
  const fl_evtx_xlit *l = &t->lits[k];
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
      uint32_t next = fl_evtx_play_xlit(pl, i, to, item);
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

int fl_evtx_template_replay(fl_evtx_ctx *c, const fl_evtx_instance *inst,
                            fl_evtx_sink *sink) {
  size_t vbase = c->vstack.len;
  char *d = fl_evtx_buf_room(&c->vstack, 4u * inst->nvalues);
  if (!d) {
    fl_evtx_ctx_fail(c, 0, "out of memory");
    return -1;
  }
  uint32_t at = 0;
  for (uint32_t i = 0; i < inst->nvalues; i++) {
    memcpy(d + 4u * i, &at, 4);
    at += fl_le16(inst->desc + 4 * i);
  }
  c->vstack.len += 4u * inst->nvalues;
  fl_evtx_xml_sink *xml =
      sink->ops == &fl_evtx_xml_ops ? (fl_evtx_xml_sink *)sink : NULL;
  fl_evtx_play pl = {c, inst, vbase, inst->tmpl, sink, xml};
  int r = fl_evtx_play_range(&pl, 0, inst->tmpl->nops, NULL);
  c->vstack.len = vbase;
  return r;
}
