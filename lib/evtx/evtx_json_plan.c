/*
** Pre-rendered JSON for compiled templates. What the JSON sink writes for a
** template depends on the record only through each substitution's class
** (left out: Null/empty; bare: integer, real, bool; string; nested BinXML)
** and the value texts; keys, their escaping and de-duplication, object and
** "#attributes" structure, commas and quotes depend on the template and
** those classes alone. So per template and class signature the sink itself
** is run once on the template with marker values (evtx_render_json.c's
** simulation mode) and its output becomes a plan: literal bytes, then a
** slot to format, then literal bytes... A nested BinXML value is a hole:
** the real sink is given the open elements the plan is inside and parses it.
**
** A plan assumes the sink is at an object with no key the plan's top-level
** keys collide with; anything else, arrays (they repeat elements) and
** shapes the simulation refuses are played op by op.
**
** Must never: produce bytes the op-by-op sink would not (tests/unit/
** test_evtx_json_plan.c and fuzz/fuzz_evtx.c compare), trust a slot beyond
** the value table (fl_evtx_slot_value), keep plans without bound per
** template, or replace a plan while a run of it is under way (a hole's
** nested BinXML may hold the same template again).
*/
#include <stdlib.h>

#include "evtx/evtx_internal.h"

int fl_evtx_json_plan_enabled = 1;
atomic_ulong fl_evtx_json_plan_runs;

/* value classes (fl_evtx_json_sink.vclass; 0 = left out) */
enum { FL_JC_EMPTY, FL_JC_BARE, FL_JC_STRING, FL_JC_BINXML, FL_JC_ARRAY };
#define FL_EVTX_JPLANS_MAX 8     /* signatures kept per template */
#define FL_EVTX_JPLAN_BUILDS 64  /* plans made per template, then op by op */

enum { FL_JS_END, FL_JS_VALUE, FL_JS_HOLE };
typedef struct fl_evtx_jstep {
  uint32_t a, n;  /* literal bytes in the pool, written first */
  uint32_t snap;  /* HOLE: the open elements, in the pool */
  uint16_t slot;
  uint8_t kind;
} fl_evtx_jstep;

typedef struct fl_evtx_jplan {
  int ok;                 /* 0: this signature plays op by op */
  unsigned busy;          /* runs under way (a hole's nested BinXML can
                             take this template's plans again): never
                             replaced while non-zero */
  unsigned deep;          /* made for an entry depth above 0 */
  uint32_t top_members;   /* members the plan adds to the entry object */
  uint32_t top_nkeys;     /* its keys, {u32 len, bytes} at keys_a/keys_n */
  uint32_t keys_a, keys_n;
  uint8_t *sig;
  fl_evtx_jstep *steps;   /* the allocation: steps, sig, pool */
  char *pool;
} fl_evtx_jplan;

typedef struct fl_evtx_jplans {
  uint16_t *refs;         /* slots the template substitutes, once each */
  uint32_t nrefs, max_depth;
  int usable;             /* ops balanced (no close below the start) */
  unsigned builds, count, next;
  fl_evtx_jplan plan[FL_EVTX_JPLANS_MAX];
} fl_evtx_jplans;

typedef struct fl_evtx_jsim {
  fl_evtx_json_sink s;
  fl_evtx_buf out, holes, fake;
} fl_evtx_jsim;

void fl_evtx_jplans_free(fl_evtx_jplans *p) {
  if (!p) return;
  for (unsigned i = 0; i < p->count; i++) free(p->plan[i].steps);
  free(p->refs);
  free(p);
}

void fl_evtx_json_sim_free(fl_evtx_json_sink *j) {
  fl_evtx_jsim *m = j->jsim;
  if (!m) return;
  fl_evtx_json_sink_free(&m->s);
  fl_buf_free(&m->out);
  fl_buf_free(&m->holes);
  fl_buf_free(&m->fake);
  free(m);
  j->jsim = NULL;
}

static fl_evtx_jplans *fl_evtx_jplans_make(const fl_evtx_tmpl *t) {
  uint32_t top = 0;
  for (uint32_t i = 0; i < t->nops; i++)
    if (t->ops[i].code == FL_OP_SUB && t->ops[i].sub > top) top = t->ops[i].sub;
  fl_evtx_jplans *p = calloc(1, sizeof *p);
  uint8_t *seen = calloc(top / 8 + 1, 1); /* a bit per slot number */
  if (p) p->refs = malloc(t->nops ? t->nops * sizeof *p->refs : 1);
  if (!p || !p->refs || !seen) {
    fl_evtx_jplans_free(p);
    free(seen);
    return NULL;
  }
  uint32_t depth = 0;
  p->usable = 1;
  for (uint32_t i = 0; i < t->nops; i++) {
    const fl_evtx_op *op = &t->ops[i];
    if (op->code == FL_OP_OPEN && ++depth > p->max_depth) p->max_depth = depth;
    if (op->code == FL_OP_CLOSE && !depth--) p->usable = 0;
    if (op->code == FL_OP_SUB && !(seen[op->sub >> 3] & (1u << (op->sub & 7)))) {
      seen[op->sub >> 3] |= (uint8_t)(1u << (op->sub & 7));
      p->refs[p->nrefs++] = op->sub;
    }
  }
  if (depth) p->usable = 0;
  free(seen);
  return p;
}

/* The instance's class per referenced slot into j->sig; -1 for an array. */
static int fl_evtx_jsig(fl_evtx_json_sink *j, const fl_evtx_jplans *p,
                        const fl_evtx_instance *inst) {
  uint8_t *s = (uint8_t *)fl_evtx_buf_room(&j->sig, p->nrefs + 1u);
  if (!s) return -1;
  for (uint32_t k = 0; k < p->nrefs; k++) {
    uint32_t i = p->refs[k];
    uint8_t cls = FL_JC_EMPTY;
    if (i < inst->nvalues) {
      uint32_t d = fl_le32(inst->desc + 4 * i);
      uint8_t type = (uint8_t)(d >> 16);
      if ((d & 0xffff) && type != FL_VT_NULL) cls = j->vclass[type];
    }
    if (cls == FL_JC_ARRAY) return -1;
    s[k] = cls;
  }
  return 0;
}

/* ---- making a plan: the sink in simulation mode ---- */

void fl_evtx_json_sim_hole(fl_evtx_json_sink *j, uint16_t slot,
                           int next_is_close) {
  unsigned e = j->sim_entry, d = j->depth;
  if (j->in_attr || d <= e || !next_is_close) {
    j->sim_failed = 1;
    return;
  }
  for (unsigned k = e + 1; k <= d; k++)
    if (j->frames[k].mode != 1) { /* its key is not written yet */
      j->sim_failed = 1;
      return;
    }
  uint32_t kbase = j->frames[e].keys_off;
  uint32_t hdr[2] = {d - e, (uint32_t)j->keys.len - kbase};
  fl_evtx_buf_put(j->sim_holes, hdr, sizeof hdr);
  for (unsigned k = e + 1; k <= d; k++) {
    uint32_t fr[2] = {j->frames[k].members, j->frames[k].keys_off - kbase};
    fl_evtx_buf_put(j->sim_holes, fr, sizeof fr);
  }
  fl_evtx_buf_put(j->sim_holes, j->keys.p + kbase, hdr[1]);
  char m[4] = {0, 'H', (char)(slot & 0xff), (char)(slot >> 8)};
  fl_evtx_buf_put(j->out, m, 4);
}

static fl_evtx_jsim *fl_evtx_jsim_get(fl_evtx_json_sink *j) {
  if (j->jsim) return j->jsim;
  fl_evtx_jsim *m = calloc(1, sizeof *m);
  if (!m) return NULL;
  fl_evtx_json_sink_init(&m->s, &m->out);
  m->s.sim = 1;
  m->s.sim_holes = &m->holes;
  j->jsim = m;
  return m;
}

/* Fake values for the signature: a non-empty slot's 4 bytes hold its
** number, which the simulating sink writes as a marker. */
static int fl_evtx_jsim_fake(fl_evtx_jsim *m, const fl_evtx_jplans *p,
                             const fl_evtx_instance *inst, const uint8_t *sig,
                             fl_evtx_instance *fake) {
  uint32_t nv = inst->nvalues;
  m->fake.len = 0;
  uint8_t *desc = (uint8_t *)fl_evtx_buf_room(&m->fake, 9u * nv + 1u);
  if (!desc) return -1;
  uint8_t *cls = desc + 4u * nv, *data = cls + nv;
  memset(cls, FL_JC_EMPTY, nv);
  for (uint32_t k = 0; k < p->nrefs; k++)
    if (p->refs[k] < nv) cls[p->refs[k]] = sig[k];
  uint32_t at = 0;
  for (uint32_t i = 0; i < nv; i++) {
    uint8_t type = cls[i] == FL_JC_BINXML ? FL_VT_BINXML
                                          : inst->desc[4 * i + 2];
    uint8_t d[4] = {(uint8_t)(cls[i] ? 4 : 0), 0,
                    (uint8_t)(cls[i] ? type : FL_VT_NULL), 0};
    memcpy(desc + 4 * i, d, 4);
    if (!cls[i]) continue;
    uint8_t v[4] = {(uint8_t)i, (uint8_t)(i >> 8), 0, 0};
    memcpy(data + at, v, 4);
    at += 4;
  }
  fake->tmpl = inst->tmpl;
  fake->nvalues = nv;
  fake->desc = desc;
  fake->data = data;
  m->s.sim_lo = data;
  m->s.sim_hi = data + at;
  return 0;
}

/* Runs the simulating sink over the template; its output is in m->out. */
static int fl_evtx_jsim_run(fl_evtx_ctx *c, fl_evtx_jsim *m,
                            const fl_evtx_jplans *p,
                            const fl_evtx_instance *inst, const uint8_t *sig,
                            unsigned deep) {
  fl_evtx_json_sink *s = &m->s;
  fl_evtx_instance fake;
  if (fl_evtx_jsim_fake(m, p, inst, sig, &fake)) return -1;
  s->names.len = s->attrs.len = s->text.len = s->keys.len = 0;
  m->out.len = m->holes.len = 0;
  s->out = &m->out;
  s->in_attr = 0;
  s->depth = s->sim_entry = deep;
  memset(s->frames, 0, 2 * sizeof s->frames[0]);
  s->frames[0].mode = s->frames[1].mode = 1;
  s->sim_failed = 0;
  fl_evtx_buf *lim[3];
  memcpy(lim, c->lim, sizeof lim);
  c->lim[0] = NULL; /* the cap is the real rendering's business */
  int failed = c->failed;
  int r = fl_evtx_template_replay(c, &fake, &s->base);
  memcpy(c->lim, lim, sizeof lim);
  if (!failed) c->failed = 0;
  if (r || s->sim_failed || s->depth != deep || s->in_attr || m->out.failed ||
      m->holes.failed || s->keys.failed || s->attrs.failed || s->text.failed)
    return -1;
  return 0;
}

/* Turns the simulation's output into p (sig already set); 0 or -1. */
static int fl_evtx_jplan_from_sim(fl_evtx_jplan *p, const fl_evtx_jsim *m,
                                  uint32_t nrefs) {
  const char *o = m->out.p ? m->out.p : "";
  size_t len = m->out.len, nsteps = 1;
  for (const char *q = o; (q = memchr(q, 0, (size_t)(o + len - q))); q += 4)
    nsteps++;
  const fl_evtx_json_frame *top = &m->s.frames[p->deep];
  size_t kn = m->s.keys.len - top->keys_off;
  size_t pool = len + m->holes.len + kn;
  fl_evtx_jstep *st = malloc(nsteps * sizeof *st + nrefs + pool + 1);
  if (!st) return -1;
  uint8_t *sig = (uint8_t *)(st + nsteps);
  char *pl = (char *)sig + nrefs;
  memcpy(sig, p->sig, nrefs);
  size_t at = 0, hole = len, n = 0; /* pool: literals, holes, top keys */
  if (m->holes.len) memcpy(pl + len, m->holes.p, m->holes.len);
  for (size_t i = 0; i < nsteps; i++) {
    const char *q = memchr(o + at, 0, len - at);
    size_t lit = q ? (size_t)(q - o) - at : len - at;
    memcpy(pl + n, o + at, lit);
    st[i] = (fl_evtx_jstep){(uint32_t)n, (uint32_t)lit, 0, 0, FL_JS_END};
    n += lit;
    at += lit;
    if (!q) break;
    st[i].slot = (uint16_t)((uint8_t)q[2] | ((unsigned)(uint8_t)q[3] << 8));
    st[i].kind = q[1] == 'H' ? FL_JS_HOLE : FL_JS_VALUE;
    if (st[i].kind == FL_JS_HOLE) {
      uint32_t hdr[2];
      memcpy(hdr, pl + hole, sizeof hdr);
      st[i].snap = (uint32_t)hole;
      hole += 8u + 8u * hdr[0] + hdr[1];
    }
    at += 4;
  }
  p->keys_a = (uint32_t)(len + m->holes.len);
  p->keys_n = (uint32_t)kn;
  if (kn) memcpy(pl + p->keys_a, m->s.keys.p + top->keys_off, kn);
  for (size_t k = 0; k + 4 <= kn; p->top_nkeys++) {
    uint32_t l;
    memcpy(&l, pl + p->keys_a + k, 4);
    k += 4u + l;
  }
  p->top_members = top->members;
  p->steps = st;
  p->sig = sig;
  p->pool = pl;
  p->ok = 1;
  return 0;
}

/* Makes the plan for the instance's signature (j->sig); NULL when none is
** kept (out of memory, too many made already). */
static fl_evtx_jplan *fl_evtx_jplan_add(fl_evtx_ctx *c, fl_evtx_json_sink *j,
                                        fl_evtx_jplans *ps,
                                        const fl_evtx_instance *inst,
                                        unsigned deep) {
  fl_evtx_jsim *m = fl_evtx_jsim_get(j);
  if (!m || ps->builds >= FL_EVTX_JPLAN_BUILDS) return NULL;
  fl_evtx_jplan *p = NULL;
  if (ps->count < FL_EVTX_JPLANS_MAX) p = &ps->plan[ps->count++];
  /* replaced in turn, but not one whose run this one is nested in */
  for (unsigned k = 0; !p && k < FL_EVTX_JPLANS_MAX; k++)
    if (!ps->plan[ps->next++ % FL_EVTX_JPLANS_MAX].busy)
      p = &ps->plan[(ps->next - 1) % FL_EVTX_JPLANS_MAX];
  if (!p) return NULL;
  ps->builds++;
  free(p->steps);
  memset(p, 0, sizeof *p);
  p->deep = deep;
  p->sig = (uint8_t *)j->sig.p;
  if (!fl_evtx_jsim_run(c, m, ps, inst, p->sig, deep) &&
      !fl_evtx_jplan_from_sim(p, m, ps->nrefs))
    return p;
  /* remembered as "op by op" (sig kept in a steps-less allocation) */
  p->steps = malloc(ps->nrefs + 1u);
  if (!p->steps) {
    p->sig = NULL; /* matches nothing */
    return NULL;
  }
  p->sig = (uint8_t *)p->steps;
  memcpy(p->sig, j->sig.p, ps->nrefs);
  p->ok = 0;
  return p;
}

/* ---- replaying a plan ---- */

/* 1 when no existing key of the entry object equals one of the plan's
** top-level keys and the sink's 256-sibling window covers them all. */
static int fl_evtx_jplan_keys_fit(const fl_evtx_json_sink *j,
                                  const fl_evtx_jplan *p) {
  const fl_evtx_buf *kb = &j->keys;
  uint32_t have = 0;
  for (size_t at = j->frames[j->depth].keys_off; at + 4 <= kb->len; have++) {
    uint32_t n;
    memcpy(&n, kb->p + at, 4);
    for (size_t t = 0; t + 4 <= p->keys_n;) {
      uint32_t tn;
      memcpy(&tn, p->pool + p->keys_a + t, 4);
      if (tn == n && memcmp(p->pool + p->keys_a + t + 4, kb->p + at + 4, n) == 0)
        return 0;
      t += 4u + tn;
    }
    at += 4u + n;
  }
  return have + p->top_nkeys <= 256;
}

/* A nested BinXML value where the plan had a hole: the real sink gets the
** open elements (objects, keys already written) and parses it. */
static int fl_evtx_jplan_hole(fl_evtx_ctx *c, fl_evtx_json_sink *j,
                              const char *snap, const fl_evtx_val *v) {
  uint32_t hdr[2];
  memcpy(hdr, snap, sizeof hdr);
  unsigned d = j->depth;
  size_t names0 = j->names.len, attrs0 = j->attrs.len, keys0 = j->keys.len;
  fl_evtx_buf_put(&j->keys, snap + 8 + 8 * hdr[0], hdr[1]);
  for (uint32_t k = 1; k <= hdr[0]; k++) {
    fl_evtx_json_frame *f = &j->frames[d + k];
    uint32_t fr[2];
    memcpy(fr, snap + 8 * k, sizeof fr);
    memset(f, 0, sizeof *f);
    f->mode = 1;
    f->members = fr[0];
    f->keys_off = (uint32_t)keys0 + fr[1];
    f->name_off = (uint32_t)names0;
    f->attrs_off = (uint32_t)attrs0;
  }
  j->depth = d + hdr[0];
  int r = -1;
  if (!fl_evtx_ctx_over_limit(c, (uint32_t)c->record_off)) {
    uint32_t off = (uint32_t)(v->p - c->chunk);
    r = fl_evtx_binxml_parse(c, off, off + v->len, 0, &j->base);
  }
  if (!r && (j->depth != d + hdr[0] || j->in_attr)) {
    fl_evtx_ctx_fail(c, (uint32_t)c->record_off, "nested BinXML unbalanced");
    r = -1;
  }
  j->depth = d;
  j->names.len = names0;
  j->attrs.len = attrs0;
  j->keys.len = keys0;
  return r;
}

static int fl_evtx_jplan_run(fl_evtx_ctx *c, fl_evtx_json_sink *j,
                             const fl_evtx_instance *inst, size_t vbase,
                             const fl_evtx_jplan *p) {
  fl_evtx_buf *out = j->out;
  unsigned d = j->depth;
  if (p->top_members && j->frames[d].members) fl_evtx_buf_putc(out, ',');
  for (const fl_evtx_jstep *s = p->steps;; s++) {
    fl_evtx_buf_put(out, p->pool + s->a, s->n);
    if (s->kind == FL_JS_END) break;
    fl_evtx_val v;
    fl_evtx_slot_value(inst, c->vstack.p + vbase, s->slot, &v);
    if (s->kind == FL_JS_VALUE) fl_evtx_value_format(out, &v, FL_ESC_JSON);
    else if (fl_evtx_jplan_hole(c, j, p->pool + s->snap, &v)) return -1;
  }
  j->frames[d].members += p->top_members;
  fl_evtx_buf_put(&j->keys, p->pool + p->keys_a, p->keys_n);
  return fl_evtx_ctx_over_limit(c, (uint32_t)c->record_off) || c->failed ? -1
                                                                         : 0;
}

int fl_evtx_jplan_replay(fl_evtx_ctx *c, const fl_evtx_instance *inst,
                         fl_evtx_json_sink *j, size_t vbase) {
  if (j->sim || j->no_plan || !fl_evtx_json_plan_enabled) return 1;
  fl_evtx_tmpl *t = inst->tmpl;
  if (!t->jplans && !(t->jplans = fl_evtx_jplans_make(t))) return 1;
  fl_evtx_jplans *ps = t->jplans;
  unsigned d = j->depth, deep = d > 0;
  if (!ps->usable || j->in_attr || j->frames[d].mode != 1 ||
      d + ps->max_depth >= FL_EVTX_JSON_MAX_DEPTH || fl_evtx_jsig(j, ps, inst))
    return 1;
  fl_evtx_jplan *p = NULL;
  for (unsigned i = 0; i < ps->count && !p; i++)
    if (ps->plan[i].deep == deep && ps->plan[i].sig &&
        memcmp(ps->plan[i].sig, j->sig.p, ps->nrefs) == 0)
      p = &ps->plan[i];
  if (!p) p = fl_evtx_jplan_add(c, j, ps, inst, deep);
  if (!p || !p->ok || !fl_evtx_jplan_keys_fit(j, p)) return 1;
  j->plan_used = 1;
  if (fl_evtx_json_plan_enabled == 2) /* tests see which path was taken */
    atomic_fetch_add_explicit(&fl_evtx_json_plan_runs, 1, memory_order_relaxed);
  p->busy++;
  int r = fl_evtx_jplan_run(c, j, inst, vbase, p);
  p->busy--;
  return r;
}
