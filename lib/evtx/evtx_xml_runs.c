/*
** Pre-rendered XML for compiled templates: each run of consecutive fixed
** ops (open/attribute/attrs-end/close/text with no substitution between
** them) is rendered once, at compile time, into one byte string, together
** with the XML sink state it assumes on entry and leaves on exit and its
** net effect on the sink's element stack. Replay then copies the string
** when the sink is in that state (evtx_replay.c) and otherwise plays the
** ops one by one, which gives the same bytes.
**
** Must never: put a substitution, a name that needs escaping or an op whose
** output depends on a value inside a run (except the two value checks the
** run carries: an element that may repeat for an array, and an optional
** last attribute), or produce bytes the op-by-op path would not.
*/
#include "evtx/evtx_internal.h"

typedef struct fl_evtx_xs { /* XML sink state, simulated */
  uint8_t in_attr, pending;
} fl_evtx_xs;

/* The sink's state change for op i (substituted values assumed non-empty;
** a record where that is false fails the entry check and plays op by op). */
static void fl_evtx_xs_step(fl_evtx_xs *s, const fl_evtx_op *op) {
  switch (op->code) {
    case FL_OP_OPEN: case FL_OP_CLOSE: case FL_OP_CDATA: case FL_OP_PI:
      s->in_attr = s->pending = 0; break;
    case FL_OP_ATTR: s->in_attr = 1; break;
    case FL_OP_ATTRS_END: s->in_attr = 0; s->pending = 1; break;
    case FL_OP_TEXT: case FL_OP_SUB: case FL_OP_CHARREF: case FL_OP_ENTREF:
      if (!s->in_attr) s->pending = 0;
      break;
    default: break;
  }
}

/* Appends op's XML (as the sink would write it in state s) to out. */
static void fl_evtx_xs_emit(fl_evtx_buf *out, fl_evtx_xs *s,
                            const fl_evtx_op *op, const char *pool,
                            const fl_evtx_op *open) {
  if (op->code != FL_OP_TEXT && s->in_attr && op->code != FL_OP_ATTR)
    fl_evtx_buf_putc(out, '"');
  switch (op->code) {
    case FL_OP_OPEN:
      if (s->pending) fl_evtx_buf_putc(out, '>');
      fl_evtx_buf_putc(out, '<');
      fl_evtx_buf_put(out, pool + op->a, op->n);
      break;
    case FL_OP_ATTR:
      if (s->in_attr) fl_evtx_buf_putc(out, '"');
      fl_evtx_buf_putc(out, ' ');
      fl_evtx_buf_put(out, pool + op->a, op->n);
      FL_EVTX_PUTS(out, "=\"");
      break;
    case FL_OP_CLOSE:
      if (s->pending) {
        FL_EVTX_PUTS(out, "/>");
      } else {
        FL_EVTX_PUTS(out, "</");
        fl_evtx_buf_put(out, pool + open->a, open->n);
        fl_evtx_buf_putc(out, '>');
      }
      break;
    case FL_OP_TEXT:
      if (!s->in_attr && s->pending) fl_evtx_buf_putc(out, '>');
      fl_evtx_buf_put(out, pool + op->a, op->n);
      break;
    default: break;
  }
  fl_evtx_xs_step(s, op);
}

typedef struct fl_evtx_xplan {
  fl_evtx_ctx *c;
  fl_evtx_xs *state;   /* before each op */
  uint32_t *open_of;   /* CLOSE -> its OPEN, UINT32_MAX when unknown */
} fl_evtx_xplan;

/* 0: op j cannot be in a run; 1: it can; 2: it can, and ends the run. */
static int fl_evtx_xplan_fits(const fl_evtx_xplan *p, uint32_t j,
                              fl_evtx_xml_run *l) {
  const fl_evtx_op *ops = p->c->cops, *op = &ops[j];
  uint32_t n = (uint32_t)p->c->cops_len;
  switch (op->code) {
    case FL_OP_OPEN:
      if (!(op->flags & FL_OPF_XML_PLAIN)) return 0;
      if ((op->flags & FL_OPF_SOLE_SUB) && op->jump > j) {
        if (l->has_chk || op->jump - 1 >= n) return 0;
        l->has_chk = 1;
        l->chk = ops[op->jump - 1].sub;
      }
      return 1;
    case FL_OP_ATTR:
      if (!(op->flags & FL_OPF_XML_PLAIN)) return 0;
      if ((op->flags & FL_OPF_SOLE_SUB) && op->jump > j && j + 1 < n &&
          (ops[j + 1].flags & FL_OPF_OPTIONAL)) {
        l->has_tail = 1;
        l->tail_slot = ops[j + 1].sub;
        l->tail_end = op->jump;
        return 2;
      }
      return 1;
    case FL_OP_ATTRS_END: return 1;
    case FL_OP_CLOSE: /* the stack holds the open's name as written */
      return p->open_of[j] != UINT32_MAX &&
             (ops[p->open_of[j]].flags & FL_OPF_XML_PLAIN);
    case FL_OP_TEXT:
      return (op->flags & FL_OPF_XML_PLAIN) && !(j && ops[j - 1].code ==
                                                 FL_OP_PI);
    default: return 0;
  }
}

/* Upper bound of the bytes run [i, j) adds to the pool. */
static size_t fl_evtx_xplan_bound(const fl_evtx_xplan *p, uint32_t i,
                                  uint32_t j) {
  const fl_evtx_op *ops = p->c->cops;
  size_t b = 0;
  for (uint32_t k = i; k < j; k++)
    b += 2u * (size_t)ops[k].n + 12u +
         (ops[k].code == FL_OP_CLOSE ? ops[p->open_of[k]].n : 0u);
  return b;
}

/* Renders run [i, end) into the pool and records it; 0 when too short. */
static uint32_t fl_evtx_xplan_run(fl_evtx_xplan *p, uint32_t i) {
  fl_evtx_ctx *c = p->c;
  fl_evtx_op *ops = c->cops;
  uint32_t n = (uint32_t)c->cops_len, j = i;
  fl_evtx_xml_run l;
  memset(&l, 0, sizeof l);
  for (int f = 1; j < n && f == 1; j++) {
    fl_evtx_xml_run probe = l;
    f = fl_evtx_xplan_fits(p, j, &probe);
    if (!f) break;
    l = probe;
  }
  if (j - i < 2 || c->clits.len / sizeof l >= 0xffff) return 0;
  /* room first: the run's bytes are copied from the pool into itself */
  if (!fl_evtx_buf_room(&c->cpool, fl_evtx_xplan_bound(p, i, j))) return 0;
  const char *pool = c->cpool.p;
  fl_evtx_xs s = p->state[i];
  l.in_attr = s.in_attr;
  l.pending = s.pending;
  l.end = j;
  l.a = (uint32_t)c->cpool.len;
  uint32_t depth = 0; /* opens of the run still open */
  for (uint32_t k = i; k < j; k++) {
    if (ops[k].code == FL_OP_OPEN) depth++;
    if (ops[k].code == FL_OP_CLOSE) {
      if (depth) depth--;
      else l.pops++; /* an element opened before the run */
    }
    if (l.has_tail && k == j - 1) {
      l.tail_n = (uint32_t)c->cpool.len - l.a;
      l.tail_in_attr = s.in_attr;
      l.tail_pending = s.pending;
    }
    fl_evtx_xs_emit(&c->cpool, &s, &ops[k], pool,
                    ops[k].code == FL_OP_CLOSE ? &ops[p->open_of[k]] : NULL);
  }
  l.n = (uint32_t)c->cpool.len - l.a;
  l.out_in_attr = s.in_attr;
  l.out_pending = s.pending;
  /* opens left open, outermost first, as the stack holds them */
  l.push_a = (uint32_t)c->cpool.len;
  for (uint32_t k = i; k < j; k++) {
    if (ops[k].code != FL_OP_OPEN || (ops[k].jump > k && ops[k].jump < j))
      continue;
    uint32_t len = ops[k].n;
    fl_evtx_buf_put(&c->cpool, pool + ops[k].a, len);
    fl_evtx_buf_put(&c->cpool, &len, 4);
  }
  l.push_n = (uint32_t)c->cpool.len - l.push_a;
  ops[i].flags |= FL_OPF_XLIT;
  ops[i].sub = (uint16_t)(c->clits.len / sizeof l);
  fl_evtx_buf_put(&c->clits, &l, sizeof l);
  return j;
}

void fl_evtx_xml_runs_build(fl_evtx_ctx *c) {
  uint32_t n = (uint32_t)c->cops_len;
  c->clits.len = 0;
  for (uint32_t i = 0; i < n; i++) {
    fl_evtx_op *op = &c->cops[i];
    if ((op->code == FL_OP_OPEN || op->code == FL_OP_ATTR ||
         op->code == FL_OP_TEXT) &&
        fl_evtx_utf8_is_plain(c->cpool.p ? c->cpool.p + op->a : "", op->n,
                              FL_ESC_XML))
      op->flags |= FL_OPF_XML_PLAIN;
  }
  c->scratch.len = 0;
  if (!n || !fl_evtx_buf_room(&c->scratch, (size_t)n * 8u)) return;
  fl_evtx_xplan p = {c, (fl_evtx_xs *)(void *)c->scratch.p,
                     (uint32_t *)(void *)(c->scratch.p + (size_t)n * 4u)};
  fl_evtx_xs s = {0, 0};
  for (uint32_t i = 0; i < n; i++) {
    p.state[i] = s;
    p.open_of[i] = UINT32_MAX;
    fl_evtx_xs_step(&s, &c->cops[i]);
  }
  for (uint32_t i = 0; i < n; i++) /* CLOSE -> OPEN from the jumps */
    if (c->cops[i].code == FL_OP_OPEN && c->cops[i].jump > i &&
        c->cops[i].jump < n && c->cops[c->cops[i].jump].code == FL_OP_CLOSE)
      p.open_of[c->cops[i].jump] = i;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t end = fl_evtx_xplan_run(&p, i);
    if (end) i = end - 1;
  }
  c->scratch.len = 0;
}
