/*
** Template compiler, cache and replay. A template definition is walked once
** into a flat op list (names already UTF-8, literal text already decoded,
** substitution slots numbered) and remembered per chunk by offset and
** across chunks by GUID + size + CRC + a byte compare of the definition
** (names it borrows from elsewhere in the chunk are re-checked per chunk).
** Compiling also learns which slot holds EventID, Provider Name and Channel
** so filters can test a record without rendering it.
**
** Must never: trust a slot number or value size from the record (the
** instance's value table is bounds-checked against the record), reuse a
** compiled template whose bytes or borrowed names differ, or let the cache
** grow without bound (it is flushed between chunks past a cap).
*/
#include <stdlib.h>

#include "common/fl_crc32.h"
#include "evtx/evtx_internal.h"

#define FL_EVTX_OWNED_CAP 1024 /* compiled templates per worker before a flush (RSS) */

typedef struct fl_evtx_rec {
  fl_evtx_sink base;
  fl_evtx_ctx *c;
  uint32_t open_at[FL_EVTX_MAX_ELEMENT_DEPTH + 1];
  uint32_t attrs_end_at[FL_EVTX_MAX_ELEMENT_DEPTH + 1];
  unsigned depth;
  int64_t cur_attr;
  char path[4][16];
  char attr_name[16];
  fl_evtx_field_src event_id, provider, channel;
  int structural, system_done;
} fl_evtx_rec;

static uint32_t fl_evtx_rec_op(fl_evtx_rec *r, uint8_t code, uint8_t flags,
                               uint16_t sub, uint32_t a, uint32_t n) {
  fl_evtx_ctx *c = r->c;
  if (c->cops_len == c->cops_cap) {
    size_t cap = c->cops_cap ? c->cops_cap * 2 : 256;
    fl_evtx_op *o = realloc(c->cops, cap * sizeof *o);
    if (!o) {
      c->cpool.failed = 1;
      return 0;
    }
    c->cops = o;
    c->cops_cap = cap;
  }
  fl_evtx_op *op = &c->cops[c->cops_len];
  op->code = code;
  op->flags = flags;
  op->sub = sub;
  op->a = a;
  op->n = n;
  op->jump = 0;
  return (uint32_t)c->cops_len++;
}

static uint32_t fl_evtx_rec_str(fl_evtx_rec *r, const char *s, size_t n) {
  uint32_t at = (uint32_t)r->c->cpool.len;
  fl_evtx_buf_put(&r->c->cpool, s, n);
  return at;
}

static void fl_evtx_rec_name(char dst[16], const char *s, size_t n) {
  if (n > 15) n = 15;
  memcpy(dst, s, n);
  dst[n] = 0;
}

static void fl_evtx_rec_attr_done(fl_evtx_rec *r) {
  if (r->cur_attr < 0) return;
  fl_evtx_op *ops = r->c->cops;
  uint32_t a = (uint32_t)r->cur_attr;
  ops[a].jump = (uint32_t)r->c->cops_len;
  if (r->c->cops_len == a + 2 && ops[a + 1].code == FL_OP_SUB)
    ops[a].flags |= FL_OPF_SOLE_SUB;
  r->cur_attr = -1;
}

static void fl_evtx_rec_open(fl_evtx_sink *s, const char *name, size_t n) {
  fl_evtx_rec *r = (fl_evtx_rec *)s;
  uint32_t a = fl_evtx_rec_str(r, name, n);
  if (r->depth < FL_EVTX_MAX_ELEMENT_DEPTH)
    r->open_at[++r->depth] = fl_evtx_rec_op(r, FL_OP_OPEN, 0, 0, a, (uint32_t)n);
  if (r->depth <= 4) fl_evtx_rec_name(r->path[r->depth - 1], name, n);
}

static void fl_evtx_rec_attr(fl_evtx_sink *s, const char *name, size_t n) {
  fl_evtx_rec *r = (fl_evtx_rec *)s;
  fl_evtx_rec_attr_done(r);
  uint32_t a = fl_evtx_rec_str(r, name, n);
  r->cur_attr = fl_evtx_rec_op(r, FL_OP_ATTR, 0, 0, a, (uint32_t)n);
  fl_evtx_rec_name(r->attr_name, name, n);
}

static void fl_evtx_rec_attrs_end(fl_evtx_sink *s) {
  fl_evtx_rec *r = (fl_evtx_rec *)s;
  fl_evtx_rec_attr_done(r);
  r->attrs_end_at[r->depth] = fl_evtx_rec_op(r, FL_OP_ATTRS_END, 0, 0, 0, 0);
}

static void fl_evtx_rec_close(fl_evtx_sink *s) {
  fl_evtx_rec *r = (fl_evtx_rec *)s;
  uint32_t at = fl_evtx_rec_op(r, FL_OP_CLOSE, 0, 0, 0, 0);
  if (!r->depth || r->c->cpool.failed) return;
  fl_evtx_op *ops = r->c->cops;
  uint32_t o = r->open_at[r->depth], e = r->attrs_end_at[r->depth];
  ops[o].jump = at;
  if (r->depth == 2 && !strcmp(r->path[1], "System")) r->system_done = 1;
  if (at == e + 2 && ops[e + 1].code == FL_OP_SUB) ops[o].flags |= FL_OPF_SOLE_SUB;
  r->depth--;
}

/* Which System field (if any) a value at the current place feeds. */
static fl_evtx_field_src *fl_evtx_rec_field(fl_evtx_rec *r) {
  if (r->depth != 3 || strcmp(r->path[0], "Event") != 0 ||
      strcmp(r->path[1], "System") != 0)
    return NULL;
  if (r->cur_attr >= 0)
    return !strcmp(r->path[2], "Provider") && !strcmp(r->attr_name, "Name")
               ? &r->provider : NULL;
  if (!strcmp(r->path[2], "EventID")) return &r->event_id;
  if (!strcmp(r->path[2], "Channel")) return &r->channel;
  return NULL;
}

static void fl_evtx_rec_note(fl_evtx_rec *r, int kind, uint16_t slot,
                             uint32_t a, uint32_t n) {
  /* a substitution directly in <System>, or in <Event> before <System>
  ** was complete, may carry any field (the first System field seen wins,
  ** as in the full parse) */
  if (r->cur_attr < 0 && kind == 1 &&
      ((r->depth <= 1 && !r->system_done) ||
       (r->depth == 2 && !strcmp(r->path[1], "System"))))
    r->structural = 1;
  fl_evtx_field_src *f = fl_evtx_rec_field(r);
  if (!f) return;
  if (f->kind) {
    f->kind = 3; /* more than one piece: parse the record to know */
    return;
  }
  f->kind = kind;
  f->slot = slot;
  f->a = a;
  f->n = n;
}

static void fl_evtx_rec_value(fl_evtx_sink *s, const fl_evtx_val *v) {
  fl_evtx_rec *r = (fl_evtx_rec *)s;
  uint32_t a = (uint32_t)r->c->cpool.len;
  fl_evtx_value_format(&r->c->cpool, v, FL_ESC_NONE);
  uint32_t n = (uint32_t)r->c->cpool.len - a;
  fl_evtx_rec_op(r, FL_OP_TEXT, 0, 0, a, n);
  fl_evtx_rec_note(r, 2, 0, a, n);
}

static void fl_evtx_rec_cdata(fl_evtx_sink *s, const fl_evtx_val *v) {
  fl_evtx_rec *r = (fl_evtx_rec *)s;
  uint32_t a = (uint32_t)r->c->cpool.len;
  fl_evtx_value_format(&r->c->cpool, v, FL_ESC_NONE);
  fl_evtx_rec_op(r, FL_OP_CDATA, 0, 0, a, (uint32_t)r->c->cpool.len - a);
}

static void fl_evtx_rec_charref(fl_evtx_sink *s, uint16_t ch) {
  fl_evtx_rec *r = (fl_evtx_rec *)s;
  fl_evtx_rec_op(r, FL_OP_CHARREF, 0, ch, 0, 0);
  fl_evtx_rec_note(r, 3, 0, 0, 0);
}

static void fl_evtx_rec_entref(fl_evtx_sink *s, const char *name, size_t n) {
  fl_evtx_rec *r = (fl_evtx_rec *)s;
  uint32_t a = fl_evtx_rec_str(r, name, n);
  fl_evtx_rec_op(r, FL_OP_ENTREF, 0, 0, a, (uint32_t)n);
  fl_evtx_rec_note(r, 3, 0, 0, 0);
}

static void fl_evtx_rec_pi(fl_evtx_sink *s, const char *t, size_t tn,
                           const fl_evtx_val *data) {
  fl_evtx_rec *r = (fl_evtx_rec *)s;
  uint32_t a = fl_evtx_rec_str(r, t, tn);
  fl_evtx_rec_op(r, FL_OP_PI, 0, 0, a, (uint32_t)tn);
  uint32_t d = (uint32_t)r->c->cpool.len;
  fl_evtx_value_format(&r->c->cpool, data, FL_ESC_NONE);
  fl_evtx_rec_op(r, FL_OP_TEXT, 0, 0, d, (uint32_t)r->c->cpool.len - d);
}

static void fl_evtx_rec_sub(fl_evtx_sink *s, uint16_t index, uint8_t type,
                            int optional) {
  fl_evtx_rec *r = (fl_evtx_rec *)s;
  (void)type; /* the value table's type is the one that counts */
  fl_evtx_rec_op(r, FL_OP_SUB, optional ? FL_OPF_OPTIONAL : 0, index, 0, 0);
  fl_evtx_rec_note(r, 1, index, 0, 0);
}

static const fl_evtx_sink_ops fl_evtx_rec_ops = {
    fl_evtx_rec_open,  fl_evtx_rec_attr,    fl_evtx_rec_attrs_end,
    fl_evtx_rec_close, fl_evtx_rec_value,   fl_evtx_rec_cdata,
    fl_evtx_rec_charref, fl_evtx_rec_entref, fl_evtx_rec_pi,
    fl_evtx_rec_sub};

/* Copies the compile scratch into one allocation. */
static fl_evtx_tmpl *fl_evtx_template_build(fl_evtx_ctx *c, fl_evtx_rec *r,
                                            uint32_t def_off, uint32_t size,
                                            uint32_t hash) {
  size_t ops_bytes = c->cops_len * sizeof(fl_evtx_op);
  size_t lit_bytes = c->clits.failed ? 0 : c->clits.len;
  size_t pool = c->cpool.len + size + c->cext.len;
  fl_evtx_tmpl *t = malloc(sizeof *t + ops_bytes + lit_bytes + pool);
  if (!t) return NULL;
  memset(t, 0, sizeof *t);
  t->ops = (fl_evtx_op *)(t + 1);
  t->lits = (fl_evtx_xml_run *)(void *)((char *)t->ops + ops_bytes);
  t->pool = (char *)t->lits + lit_bytes;
  if (ops_bytes) memcpy(t->ops, c->cops, ops_bytes);
  if (lit_bytes) memcpy(t->lits, c->clits.p, lit_bytes);
  t->nlits = (uint32_t)(lit_bytes / sizeof(fl_evtx_xml_run));
  if (!t->nlits) /* no runs kept: no op may point at one */
    for (uint32_t i = 0; i < c->cops_len; i++)
      t->ops[i].flags &= (uint8_t)~FL_OPF_XLIT;
  if (c->cpool.len) memcpy(t->pool, c->cpool.p, c->cpool.len);
  t->def_copy = (uint32_t)c->cpool.len;
  memcpy(t->pool + t->def_copy, c->chunk + def_off + 24, size);
  t->next_ext = t->def_copy + size;
  if (c->cext.len) memcpy(t->pool + t->next_ext, c->cext.p, c->cext.len);
  t->n_ext = (uint32_t)c->cext.len;
  t->nops = (uint32_t)c->cops_len;
  t->pool_len = (uint32_t)pool;
  memcpy(t->guid, c->chunk + def_off + 4, 16);
  t->def_size = size;
  t->hash = hash;
  t->root_is_event = c->cops_len && c->cops[0].code == FL_OP_OPEN &&
                     !strcmp(r->path[0], "Event") && !r->structural;
  if (t->root_is_event) {
    t->event_id = r->event_id;
    t->provider = r->provider;
    t->channel = r->channel;
  }
  t->next_owned = c->owned;
  c->owned = t;
  c->owned_count++;
  return t;
}

static fl_evtx_tmpl *fl_evtx_template_compile(fl_evtx_ctx *c, uint32_t def_off,
                                              uint32_t size, uint32_t hash) {
  fl_evtx_rec r;
  memset(&r, 0, sizeof r);
  r.base.ops = &fl_evtx_rec_ops;
  r.c = c;
  r.cur_attr = -1;
  c->cops_len = 0;
  c->cpool.len = 0;
  c->cpool.failed = 0;
  c->cext.len = 0;
  c->cext.failed = 0;
  c->def_lo = def_off + 24;
  c->def_hi = def_off + 24 + size;
  unsigned depth = c->elem_depth;
  c->elem_depth = 0; /* a definition starts its own element count */
  int rc = fl_evtx_binxml_parse(c, c->def_lo, c->def_hi, 1, &r.base);
  c->elem_depth = depth;
  if (rc) return NULL;
  /* names and literals XML copies unchanged skip the escaper; fixed runs
  ** are pre-rendered (before the pool is copied: they live in it) */
  c->clits.len = 0;
  if (!c->cpool.failed && c->want_xml_runs) fl_evtx_xml_runs_build(c);
  if (c->cpool.failed || c->cext.failed) {
    fl_evtx_ctx_fail(c, def_off, "out of memory compiling a template");
    return NULL;
  }
  fl_evtx_tmpl *t = fl_evtx_template_build(c, &r, def_off, size, hash);
  if (!t) fl_evtx_ctx_fail(c, def_off, "out of memory compiling a template");
  return t;
}

/* Same bytes, and every borrowed name still the same in this chunk. */
static int fl_evtx_template_matches(const fl_evtx_ctx *c,
                                    const fl_evtx_tmpl *t, uint32_t def_off,
                                    uint32_t size, uint32_t hash) {
  if (t->hash != hash || t->def_size != size ||
      memcmp(t->guid, c->chunk + def_off + 4, 16) != 0 ||
      memcmp(t->pool + t->def_copy, c->chunk + def_off + 24, size) != 0)
    return 0;
  const uint8_t *e = (const uint8_t *)t->pool + t->next_ext;
  const uint8_t *end = e + t->n_ext;
  while (e < end) {
    uint32_t noff = fl_le32(e), n = fl_le32(e + 4);
    if (noff > c->chunk_len || c->chunk_len - noff < 8 ||
        (c->chunk_len - noff - 8) / 2 < n ||
        fl_le16(c->chunk + noff + 6) != n ||
        memcmp(c->chunk + noff + 8, e + 8, 2u * n) != 0)
      return 0;
    e += (8u + 2u * n + 3u) & ~3u;
  }
  return 1;
}

fl_evtx_tmpl *fl_evtx_template_get(fl_evtx_ctx *c, uint32_t def_off) {
  uint32_t h0 = (def_off * 2654435761u) >> 26;
  uint32_t slot = h0 & (FL_EVTX_CHUNK_TCACHE - 1);
  for (unsigned i = 0; i < FL_EVTX_CHUNK_TCACHE; i++) {
    uint32_t k = (slot + i) & (FL_EVTX_CHUNK_TCACHE - 1);
    if (c->ctab[k].gen != c->chunk_gen) {
      slot = k;
      break;
    }
    if (c->ctab[k].off == def_off) return c->ctab[k].t;
  }
  if (def_off > c->chunk_len || c->chunk_len - def_off < 24 ||
      c->chunk_len - def_off - 24 < fl_le32(c->chunk + def_off + 20)) {
    fl_evtx_ctx_fail(c, def_off, "template definition 0x%x outside the chunk",
                     def_off);
    return NULL;
  }
  uint32_t size = fl_le32(c->chunk + def_off + 20);
  uint32_t hash = fl_crc32(0, c->chunk + def_off + 4, 20u + size);
  fl_evtx_tmpl *t = NULL;
  uint32_t g = hash & (FL_EVTX_GLOBAL_TCACHE - 1), gfree = UINT32_MAX;
  for (unsigned i = 0; i < FL_EVTX_GLOBAL_TCACHE; i++) {
    uint32_t k = (g + i) & (FL_EVTX_GLOBAL_TCACHE - 1);
    if (!c->gtab[k]) {
      gfree = k;
      break;
    }
    if (fl_evtx_template_matches(c, c->gtab[k], def_off, size, hash)) {
      t = c->gtab[k];
      break;
    }
  }
  if (!t) {
    t = fl_evtx_template_compile(c, def_off, size, hash);
    if (!t) return NULL;
    if (gfree != UINT32_MAX && c->gcount < FL_EVTX_GLOBAL_TCACHE / 2) {
      c->gtab[gfree] = t;
      c->gcount++;
    }
  }
  if (c->ctab[slot].gen != c->chunk_gen) {
    c->ctab[slot].gen = c->chunk_gen;
    c->ctab[slot].off = def_off;
    c->ctab[slot].t = t;
  }
  return t;
}

void fl_evtx_template_free_all(fl_evtx_ctx *c) {
  while (c->owned) {
    fl_evtx_tmpl *n = c->owned->next_owned;
    free(c->owned->fplan);
    fl_evtx_jplans_free(c->owned->jplans);
    free(c->owned);
    c->owned = n;
  }
  c->owned_count = 0;
  memset(c->gtab, 0, sizeof c->gtab);
  c->gcount = 0;
  c->chunk_gen++;
}

void fl_evtx_ctx_set_chunk(fl_evtx_ctx *c, const uint8_t *chunk, uint32_t len,
                           uint32_t index, uint64_t file_off) {
  if (c->owned_count > FL_EVTX_OWNED_CAP) fl_evtx_template_free_all(c);
  c->chunk = chunk;
  c->chunk_len = len;
  c->chunk_index = index;
  c->chunk_file_off = file_off;
  if (++c->chunk_gen == 0) {
    memset(c->ctab, 0, sizeof c->ctab);
    c->chunk_gen = 1;
  }
}
