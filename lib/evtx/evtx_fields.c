/*
** Field-extractor sink: fills fl_evtx_event from a parsed record (System
** fields by path Event/System/..., EventData <Data> items and UserData
** leaf elements as name/value pairs). Strings are rendered with the same
** value formatter as the XML output, unescaped.
**
** Must never: keep pointers while its buffers may still grow (offsets
** until fl_evtx_fields_sink_finish), or assume the record has a System.
*/
#include <stdlib.h>

#include "evtx/evtx_internal.h"

/* Field ids: one per <System> value (faultline/system_fields.def), then
** the EventData/UserData pair parts. All below 32: they index bit sets. */
enum {
  FLD_NONE = 0,
#define FL_SYSTEM_TEXT(sym, el, attr, member) FLD_##sym,
#define FL_SYSTEM_NUMBER(sym, el, attr, member, width, bit) FLD_##sym,
#define FL_SYSTEM_TIME(sym, el, attr, member, bit) FLD_##sym,
#include "faultline/system_fields.def"
  FLD_SYSTEM_END_,
  FLD_PAIR_NAME = 30, FLD_PAIR_VALUE = 31
};
_Static_assert(FLD_SYSTEM_END_ <= FLD_PAIR_NAME, "field ids index 32-bit sets");

/* The numeric System values (EventID, Version, ..., ThreadID). */
enum {
  FLD_NUMERIC_ = 0
#define FL_SYSTEM_NUMBER(sym, el, attr, member, width, bit) | (1 << FLD_##sym)
#include "faultline/system_fields.def"
};

typedef fl_evtx_fields_sink fl_evtx_fs;

/* Element names the extractor cares about, by code. Names are classified
** once when an element opens (length, then bytes), so matching a record's
** path and its System rules compares small integers, not strings. */
enum {
  NAME_OTHER = 0, NAME_EVENT, NAME_SYSTEM, NAME_EVENTDATA, NAME_USERDATA,
#define FL_SYSTEM_ELEMENT(sym, name) NAME_##sym,
#include "faultline/system_fields.def"
  NAME_COUNT_
};
enum { NAME_SYSTEM_FIRST_ = NAME_USERDATA + 1 };

#define NAME(s) {s, sizeof s - 1}
static const struct { const char *s; size_t n; } fl_evtx_fld_names[NAME_COUNT_] = {
    {"", 0},           NAME("Event"),      NAME("System"),
    NAME("EventData"), NAME("UserData"),
#define FL_SYSTEM_ELEMENT(sym, name) NAME(name),
#include "faultline/system_fields.def"
};

typedef struct fl_evtx_fld_rule {
  const char *attr;        /* "": element text */
  size_t attr_len;
  int elem;                /* NAME_* of the Event/System child */
  int id;
} fl_evtx_fld_rule;

/* attribute "" (length 0): the element's text */
#define ATTR(s) s, sizeof(s) - 1
static const fl_evtx_fld_rule fl_evtx_fld_rules[] = {
#define FL_SYSTEM_TEXT(sym, el, attr, member) {ATTR(attr), NAME_##el, FLD_##sym},
#define FL_SYSTEM_NUMBER(sym, el, attr, member, width, bit) {ATTR(attr), NAME_##el, FLD_##sym},
#define FL_SYSTEM_TIME(sym, el, attr, member, bit) {ATTR(attr), NAME_##el, FLD_##sym},
#include "faultline/system_fields.def"
};
#undef ATTR
#undef NAME

/* Only the names that can matter at this depth are tried: Event at the
** root, its four children below it, System's children below System. */
static int fl_evtx_fld_name_code(const fl_evtx_fs *f, const char *name,
                                 size_t n) {
  int lo, hi;
  if (f->depth == 1) lo = hi = NAME_EVENT;
  else if (f->depth == 2 && f->name[0] == NAME_EVENT) lo = NAME_SYSTEM, hi = NAME_USERDATA;
  else if (f->depth == 3 && f->name[0] == NAME_EVENT && f->name[1] == NAME_SYSTEM)
    lo = NAME_SYSTEM_FIRST_, hi = NAME_COUNT_ - 1;
  else return NAME_OTHER;
  for (int i = lo; i <= hi; i++)
    if (fl_evtx_fld_names[i].n == n &&
        memcmp(fl_evtx_fld_names[i].s, name, n) == 0)
      return i;
  return NAME_OTHER;
}

/* The numeric System fields (EventID, Version, ..., ThreadID): kept as the
** integer when the element holds exactly one unsigned value, instead of
** being formatted to text here and parsed back in finish. */
static int fl_evtx_fs_numeric(int id) {
  return id < 32 && ((FLD_NUMERIC_ >> id) & 1);
}

/* An unsigned value whose text form parses back to the same integer. */
static inline int fl_evtx_fs_uint(const fl_evtx_val *v, uint64_t *out) {
  switch (v->type) {
    case FL_VT_UINT8: if (v->len != 1) return 0; *out = v->p[0]; return 1;
    case FL_VT_UINT16: if (v->len != 2) return 0; *out = fl_le16(v->p); return 1;
    case FL_VT_UINT32: case FL_VT_HEX_INT32:
      if (v->len != 4) return 0;
      *out = fl_le32(v->p);
      return 1;
    case FL_VT_UINT64: case FL_VT_HEX_INT64:
      if (v->len != 8) return 0;
      *out = fl_le64(v->p);
      return 1;
    default: return 0;
  }
}

static void fl_evtx_fs_end_capture(fl_evtx_fs *f) {
  int id = f->capture;
  if (!id) return;
  if (id < 32 && f->pend == 1 && !(f->seen & (1u << id))) {
    f->direct |= 1u << id;
    f->num[id] = f->pend_val;
  }
  f->pend = 0;
  uint32_t off = f->cap_off, len = (uint32_t)f->text.len - off;
  if (id == FLD_PAIR_NAME) {
    f->pair[0] = off;
    f->pair[1] = len;
    f->pair_name = NULL;
  } else if (id == FLD_PAIR_VALUE) {
    f->pair[2] = off;
    f->pair[3] = len;
  } else if (id < 32 && !(f->seen & (1u << id))) {
    f->seen |= 1u << id;
    f->str_off[id] = off;
    f->str_len[id] = len;
  }
  f->capture = 0;
}

static void fl_evtx_fs_start(fl_evtx_fs *f, int id) {
  fl_evtx_fs_end_capture(f);
  f->capture = id;
  f->capture_depth = f->depth;
  f->cap_off = (uint32_t)f->text.len;
  f->pend = 0;
}

/* ---- effects: what the callbacks below do to the captured fields ----
** While a template's plan is being recorded (f->rec set), each effect is
** also appended as a step, so later records of that template replay only
** the steps (evtx_replay.c) instead of every element and attribute. */
static void fl_evtx_fs_record(fl_evtx_fs *f, int op, uint32_t a, uint32_t n,
                              uint16_t slot) {
  fl_evtx_fstep st;
  memset(&st, 0, sizeof st);
  st.op = (uint8_t)op;
  st.piece = op == FL_FS_VALUE_SLOT ? FL_FS_PIECE_SLOT : FL_FS_PIECE_NONE;
  st.cond = f->rec_cond;
  st.slot = slot;
  st.a = a;
  st.n = n;
  fl_evtx_buf_put(f->rec, &st, sizeof st);
}

static void fl_evtx_fs_fx_end(fl_evtx_fs *f) {
  if (f->rec && f->capture) fl_evtx_fs_record(f, FL_FS_END, 0, 0, 0);
  fl_evtx_fs_end_capture(f);
}

/* An attribute that is no field ends the capture an earlier attribute of
** its element opened; its END is recorded unconditionally even when the
** attribute is optional. Left out, the next attribute or the attrs end
** ends that capture instead, with nothing added in between: the same.
** Under the attribute's condition the END would be skipped while the
** recording, having seen the capture end, records none at the attrs end:
** the capture would stay open past the element and take in what follows
** (a pair's element name, text after a nested template). */
static void fl_evtx_fs_fx_end_attr(fl_evtx_fs *f) {
  uint16_t cond = f->rec_cond;
  f->rec_cond = FL_FS_NO_COND;
  fl_evtx_fs_fx_end(f);
  f->rec_cond = cond;
}

static void fl_evtx_fs_fx_start(fl_evtx_fs *f, int id) {
  if (f->rec) fl_evtx_fs_record(f, FL_FS_START, (uint32_t)id, 0, 0);
  fl_evtx_fs_start(f, id);
}

static void fl_evtx_fs_pair_open(fl_evtx_fields_sink *f, const char *name, size_t n) {
  f->pair_open = 1;
  memset(f->pair, 0, sizeof f->pair);
  f->pair_name = NULL;
  if (!(n == 4 && memcmp(name, "Data", 4) == 0)) {
    f->pair[0] = (uint32_t)f->text.len;
    f->pair[1] = (uint32_t)n;
    fl_evtx_buf_put(&f->text, name, n);
  }
}

static void fl_evtx_fs_pair_close(fl_evtx_fields_sink *f) {
  if (f->capture == FLD_PAIR_VALUE) fl_evtx_fs_end_capture(f);
  fl_evtx_fs_pair pr;
  pr.name = f->pair_name;
  memcpy(pr.q, f->pair, sizeof pr.q);
  fl_evtx_buf_put(&f->pairs, &pr, sizeof pr);
  f->pair_open = 0;
}

static int fl_evtx_fs_at(const fl_evtx_fs *f, unsigned d, int code) {
  return f->depth >= d && d <= 3 && f->name[d - 1] == code;
}

static int fl_evtx_fs_rule(const fl_evtx_fs *f, const char *attr, size_t n) {
  if (f->depth != 3 || !fl_evtx_fs_at(f, 1, NAME_EVENT) ||
      !fl_evtx_fs_at(f, 2, NAME_SYSTEM) || f->name[2] == NAME_OTHER)
    return FLD_NONE;
  for (size_t i = 0; i < sizeof fl_evtx_fld_rules / sizeof *fl_evtx_fld_rules;
       i++) {
    const fl_evtx_fld_rule *r = &fl_evtx_fld_rules[i];
    if (r->elem != f->name[2]) continue;
    if (attr ? (n && r->attr_len == n && memcmp(r->attr, attr, n) == 0)
             : !r->attr_len)
      return r->id;
  }
  return FLD_NONE;
}

/* EventData/<X> and UserData/<wrapper>/<X> are pairs. */
static unsigned fl_evtx_fs_pair_depth(const fl_evtx_fs *f) {
  if (!fl_evtx_fs_at(f, 1, NAME_EVENT)) return 0;
  if (fl_evtx_fs_at(f, 2, NAME_EVENTDATA)) return 3;
  if (fl_evtx_fs_at(f, 2, NAME_USERDATA)) return 4;
  return 0;
}

static void fl_evtx_fs_open(fl_evtx_sink *s, const char *name, size_t n) {
  fl_evtx_fs *f = (fl_evtx_fs *)s;
  if (f->capture && f->capture != FLD_PAIR_VALUE) fl_evtx_fs_fx_end(f);
  f->depth++;
  /* below depth 3 only the Event/System/EventData/UserData names matter */
  unsigned d = f->depth;
  if (d >= 1 && d <= 3) f->name[d - 1] = fl_evtx_fld_name_code(f, name, n);
  unsigned pd = fl_evtx_fs_pair_depth(f);
  if (pd && f->depth == pd && !f->pair_open) {
    if (f->rec)
      fl_evtx_fs_record(f, FL_FS_PAIR_OPEN, (uint32_t)(name - f->rec_pool),
                        (uint32_t)n, 0);
    fl_evtx_fs_pair_open(f, name, n);
  }
}

static void fl_evtx_fs_attr(fl_evtx_sink *s, const char *name, size_t n) {
  fl_evtx_fs *f = (fl_evtx_fs *)s;
  int id = fl_evtx_fs_rule(f, name, n);
  if (!id && f->pair_open && f->depth == 3 && n == 4 &&
      memcmp(name, "Name", 4) == 0)
    id = FLD_PAIR_NAME;
  if (id) fl_evtx_fs_fx_start(f, id);
  else fl_evtx_fs_fx_end_attr(f);
}

static void fl_evtx_fs_attrs_end(fl_evtx_sink *s) {
  fl_evtx_fs *f = (fl_evtx_fs *)s;
  fl_evtx_fs_fx_end(f);
  int id = fl_evtx_fs_rule(f, NULL, 0);
  if (!id && f->pair_open && f->depth == fl_evtx_fs_pair_depth(f))
    id = FLD_PAIR_VALUE;
  if (id) fl_evtx_fs_fx_start(f, id);
}

static void fl_evtx_fs_close(fl_evtx_sink *s) {
  fl_evtx_fs *f = (fl_evtx_fs *)s;
  if (f->capture && f->capture_depth == f->depth) fl_evtx_fs_fx_end(f);
  if (f->pair_open && f->depth == fl_evtx_fs_pair_depth(f)) {
    if (f->rec) fl_evtx_fs_record(f, FL_FS_PAIR_CLOSE, 0, 0, 0);
    fl_evtx_fs_pair_close(f);
  }
  if (f->depth) f->depth--;
}

/* A value as text, unescaped: strings (most values) straight to UTF-8. */
static inline void fl_evtx_fs_format(fl_evtx_buf *text, const fl_evtx_val *v) {
  if (v->type == FL_VT_STRING) fl_evtx_utf16_append_plain(text, v->p, v->len);
  else fl_evtx_value_format(text, v, FL_ESC_NONE);
}

static void fl_evtx_fs_put_value(fl_evtx_fields_sink *f, const fl_evtx_val *v) {
  if (!f->capture) return;
  if (f->capture == FLD_TIME && v->type == FL_VT_FILETIME && v->len >= 8) {
    f->filetime = fl_le64(v->p);
    f->filetime_ok = 1;
  }
  if (fl_evtx_fs_numeric(f->capture)) {
    /* pend 1: one integer held back; a second piece of content turns the
    ** capture into text again, the held value first */
    if (f->pend == 0 && f->text.len == f->cap_off &&
        fl_evtx_fs_uint(v, &f->pend_val)) {
      f->pend = 1;
      f->pend_first = *v;
      return;
    }
    if (f->pend == 1) fl_evtx_value_format(&f->text, &f->pend_first, FL_ESC_NONE);
    f->pend = 2;
  }
  fl_evtx_fs_format(&f->text, v);
}

/* ---- running a template's plan (evtx_replay.c makes it) ----
** FIELD and PAIR steps do what the START ... END (PAIR_OPEN ... PAIR_CLOSE)
** run they replace did, from any state, with two shortcuts: a name or a
** field's whole text that is a template literal is referenced in the pool,
** not copied, and TimeCreated's FILETIME is not formatted (its text is
** never read). The bytes not written still count toward the output cap
** (c->lim_extra), so a record is dropped exactly when it was before. */
static void fl_evtx_fs_field(fl_evtx_fs *f, fl_evtx_ctx *c,
                             const fl_evtx_fstep *st, const fl_evtx_val *v,
                             const char *pool) {
  if (f->capture) fl_evtx_fs_end_capture(f);
  int id = st->id;
  uint32_t bit = 1u << id, off = (uint32_t)f->text.len;
  f->capture = 0;
  f->capture_depth = f->depth;
  f->cap_off = off;
  f->pend = 0;
  if (st->piece == FL_FS_PIECE_LIT) {
    c->lim_extra += st->n;
    if (!(f->seen & bit)) {
      f->seen |= bit;
      f->lit |= bit;
      f->lit_p[id] = pool + st->a;
      f->str_len[id] = st->n;
    }
    return;
  }
  if (v) {
    uint64_t x;
    if (id == FLD_TIME && v->type == FL_VT_FILETIME && v->len >= 8) {
      f->filetime = fl_le64(v->p);
      f->filetime_ok = 1;
      c->lim_extra += 28; /* what fl_evtx_filetime_format writes */
    } else if (fl_evtx_fs_numeric(id) && fl_evtx_fs_uint(v, &x)) {
      if (!(f->seen & bit)) {
        f->direct |= bit;
        f->num[id] = x;
      }
    } else {
      fl_evtx_fs_format(&f->text, v);
    }
  }
  if (!(f->seen & bit)) {
    f->seen |= bit;
    f->str_off[id] = off;
    f->str_len[id] = (uint32_t)f->text.len - off;
  }
}

static int fl_evtx_fs_item(fl_evtx_fs *f, fl_evtx_ctx *c,
                           const fl_evtx_fstep *st, const fl_evtx_val *v,
                           const char *pool) {
  f->pair_open = 1;
  memset(f->pair, 0, sizeof f->pair);
  f->pair_name = NULL;
  /* the name from an element (PAIR_OPEN) is set before the capture open
  ** before it ends, one from a Name attribute after it */
  if (!st->named) {
    f->pair_name = pool + st->b;
    f->pair[1] = st->m;
    c->lim_extra += st->m;
  }
  if (f->capture) fl_evtx_fs_end_capture(f);
  if (st->named) {
    f->pair_name = pool + st->b;
    f->pair[1] = st->m;
    c->lim_extra += st->m;
  }
  uint32_t off = (uint32_t)f->text.len;
  if (v) {
    if (fl_evtx_ctx_over_limit(c, (uint32_t)c->record_off)) return -1;
    fl_evtx_fs_format(&f->text, v);
  } else if (st->piece == FL_FS_PIECE_LIT) {
    fl_evtx_buf_put(&f->text, pool + st->a, st->n);
  }
  f->pair[2] = off;
  f->pair[3] = (uint32_t)f->text.len - off;
  f->capture = 0;
  f->capture_depth = f->depth;
  f->cap_off = off;
  f->pend = 0;
  f->pair_open = 0;
  fl_evtx_fs_pair *pr =
      (fl_evtx_fs_pair *)(void *)fl_evtx_buf_room(&f->pairs, sizeof *pr);
  if (pr) { /* what fl_evtx_fs_pair_close appends, without a call */
    pr->name = f->pair_name;
    memcpy(pr->q, f->pair, sizeof pr->q);
    f->pairs.len += sizeof *pr;
  }
  return 0;
}

int fl_evtx_fs_run(fl_evtx_fields_sink *f, fl_evtx_ctx *c,
                   const fl_evtx_fstep *steps, uint32_t count,
                   const char *pool, const fl_evtx_instance *inst,
                   const char *voff) {
  for (const fl_evtx_fstep *st = steps, *e = steps + count; st < e; st++) {
    fl_evtx_val v;
    const fl_evtx_val *pv = NULL;
    if (st->cond != FL_FS_NO_COND) {
      fl_evtx_slot_value(inst, voff, st->cond, &v);
      if (v.type == FL_VT_NULL || v.len == 0) continue;
      /* an optional attribute's value is usually the condition itself */
      if (st->piece == FL_FS_PIECE_SLOT && st->slot == st->cond) pv = &v;
    }
    if (st->piece == FL_FS_PIECE_SLOT && !pv) {
      fl_evtx_slot_value(inst, voff, st->slot, &v);
      if (v.type != FL_VT_NULL && v.len != 0) pv = &v;
    }
    switch (st->op) {
      case FL_FS_PAIR:
        if (fl_evtx_fs_item(f, c, st, pv, pool)) return -1;
        break;
      case FL_FS_FIELD:
        if (pv && fl_evtx_ctx_over_limit(c, (uint32_t)c->record_off)) return -1;
        fl_evtx_fs_field(f, c, st, pv, pool);
        break;
      case FL_FS_VALUE_SLOT:
        if (!pv) break;
        if (fl_evtx_ctx_over_limit(c, (uint32_t)c->record_off)) return -1;
        fl_evtx_fs_put_value(f, pv);
        break;
      case FL_FS_VALUE_LIT:
        v.type = FL_VT_UTF8;
        v.len = st->n;
        v.p = (const uint8_t *)pool + st->a;
        fl_evtx_fs_put_value(f, &v);
        break;
      case FL_FS_END:
        if (f->capture) fl_evtx_fs_end_capture(f);
        break;
      case FL_FS_START: fl_evtx_fs_start(f, (int)st->a); break;
      case FL_FS_PAIR_OPEN: fl_evtx_fs_pair_open(f, pool + st->a, st->n); break;
      case FL_FS_PAIR_CLOSE: fl_evtx_fs_pair_close(f); break;
      default: break;
    }
  }
  return c->failed ? -1 : 0;
}

/* ---- fusing a recorded plan ---- */

/* A value step at s[k] (of n) with condition cond: its piece in out; the
** steps it used (0 or 1). An empty literal adds nothing: no piece. */
static uint32_t fl_evtx_fuse_value(const fl_evtx_fstep *s, uint32_t n,
                                   uint32_t k, uint16_t cond,
                                   fl_evtx_fstep *out) {
  out->piece = FL_FS_PIECE_NONE;
  if (k >= n || s[k].cond != cond) return 0;
  if (s[k].op == FL_FS_VALUE_SLOT) {
    out->piece = FL_FS_PIECE_SLOT;
    out->slot = s[k].slot;
    return 1;
  }
  if (s[k].op != FL_FS_VALUE_LIT) return 0;
  if (s[k].n) {
    out->piece = FL_FS_PIECE_LIT;
    out->a = s[k].a;
    out->n = s[k].n;
  }
  return 1;
}

static int fl_evtx_fuse_is(const fl_evtx_fstep *s, uint32_t n, uint32_t k,
                           int op, uint16_t cond) {
  return k < n && s[k].op == op && s[k].cond == cond;
}

/* 1 when the steps from s[k] end a capture before anything is added to
** it: optional attributes (START and values under one condition, each
** either all skipped or ending the capture first) up to an END or START
** that always runs. */
static int fl_evtx_fuse_ends(const fl_evtx_fstep *s, uint32_t n, uint32_t k) {
  while (k < n) {
    uint16_t x = s[k].cond;
    if ((s[k].op == FL_FS_END || s[k].op == FL_FS_START) && x == FL_FS_NO_COND)
      return 1;
    if (s[k].op != FL_FS_START) return 0;
    for (k++; k < n && s[k].cond == x && (s[k].op == FL_FS_VALUE_SLOT ||
                                          s[k].op == FL_FS_VALUE_LIT);
         k++) {
    }
  }
  return 0;
}

/* START(id) [value] under one condition, id a System field, with the END
** under that condition too (taken in), or ending it as fl_evtx_fuse_ends
** says (left in: it then finds no capture open). */
static uint32_t fl_evtx_fuse_field(const fl_evtx_fstep *s, uint32_t n,
                                   fl_evtx_fstep *out) {
  uint16_t cond = s[0].cond;
  if (s[0].op != FL_FS_START || s[0].a == FLD_NONE || s[0].a >= FLD_PAIR_NAME)
    return 0;
  memset(out, 0, sizeof *out);
  uint32_t k = 1 + fl_evtx_fuse_value(s, n, 1, cond, out);
  out->op = FL_FS_FIELD;
  out->id = (uint8_t)s[0].a;
  out->cond = cond;
  if (fl_evtx_fuse_is(s, n, k, FL_FS_END, cond)) return k + 1;
  return fl_evtx_fuse_ends(s, n, k) ? k : 0;
}

/* PAIR_OPEN("Data") START(name) literal END START(value) [value] END
** PAIR_CLOSE, or PAIR_OPEN(<name>) START(value) [value] END PAIR_CLOSE,
** none conditional; names are not empty. */
static uint32_t fl_evtx_fuse_pair(const fl_evtx_fstep *s, uint32_t n,
                                  const char *pool, fl_evtx_fstep *out) {
  const uint16_t no = FL_FS_NO_COND;
  if (s[0].op != FL_FS_PAIR_OPEN || s[0].cond != no || !s[0].n) return 0;
  memset(out, 0, sizeof *out);
  uint32_t k = 1;
  if (s[0].n == 4 && memcmp(pool + s[0].a, "Data", 4) == 0) {
    if (!fl_evtx_fuse_is(s, n, 1, FL_FS_START, no) || s[1].a != FLD_PAIR_NAME ||
        !fl_evtx_fuse_is(s, n, 2, FL_FS_VALUE_LIT, no) || !s[2].n ||
        !fl_evtx_fuse_is(s, n, 3, FL_FS_END, no))
      return 0;
    out->named = 1;
    out->b = s[2].a;
    out->m = s[2].n;
    k = 4;
  } else {
    out->b = s[0].a;
    out->m = s[0].n;
  }
  if (!fl_evtx_fuse_is(s, n, k, FL_FS_START, no) || s[k].a != FLD_PAIR_VALUE)
    return 0;
  k++;
  k += fl_evtx_fuse_value(s, n, k, no, out);
  if (!fl_evtx_fuse_is(s, n, k, FL_FS_END, no) ||
      !fl_evtx_fuse_is(s, n, k + 1, FL_FS_PAIR_CLOSE, no))
    return 0;
  out->op = FL_FS_PAIR;
  out->cond = no;
  return k + 2;
}

uint32_t fl_evtx_fplan_fuse(fl_evtx_fstep *st, uint32_t count,
                            const char *pool) {
  uint32_t w = 0;
  for (uint32_t i = 0; i < count;) {
    fl_evtx_fstep f;
    uint32_t used = fl_evtx_fuse_pair(st + i, count - i, pool, &f);
    if (!used) used = fl_evtx_fuse_field(st + i, count - i, &f);
    if (used) {
      st[w++] = f;
      i += used;
    } else {
      st[w++] = st[i++];
    }
  }
  return w;
}

static void fl_evtx_fs_value(fl_evtx_sink *s, const fl_evtx_val *v) {
  fl_evtx_fs *f = (fl_evtx_fs *)s;
  if (!f->rec) {
    fl_evtx_fs_put_value(f, v);
  } else if (f->capture) { /* a slot marker, or literal text of the template */
    if (v->type == FL_VT_SLOT_MARK)
      fl_evtx_fs_record(f, FL_FS_VALUE_SLOT, 0, 0, (uint16_t)v->len);
    else if (v->type == FL_VT_UTF8 && (const char *)v->p >= f->rec_pool &&
             (const char *)v->p + v->len <= f->rec_pool + f->rec_pool_len)
      fl_evtx_fs_record(f, FL_FS_VALUE_LIT,
                        (uint32_t)((const char *)v->p - f->rec_pool), v->len, 0);
    else
      f->rec_failed = 1; /* content the plan cannot name: no plan */
  }
}

static void fl_evtx_fs_charref(fl_evtx_sink *s, uint16_t ch) {
  if (((fl_evtx_fs *)s)->rec) {
    ((fl_evtx_fs *)s)->rec_failed = 1;
    return;
  }
  uint8_t u[2] = {(uint8_t)ch, (uint8_t)(ch >> 8)};
  fl_evtx_val v = {FL_VT_STRING, 2, u};
  fl_evtx_fs_value(s, &v);
}

static void fl_evtx_fs_entref(fl_evtx_sink *s, const char *name, size_t n) {
  if (((fl_evtx_fs *)s)->rec) {
    ((fl_evtx_fs *)s)->rec_failed = 1;
    return;
  }
  static const char *const ent[5][2] = {
      {"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"}};
  for (int i = 0; i < 5; i++)
    if (strlen(ent[i][0]) == n && memcmp(ent[i][0], name, n) == 0) {
      fl_evtx_val v = {FL_VT_UTF8, 1, (const uint8_t *)ent[i][1]};
      fl_evtx_fs_value(s, &v);
    }
}

static void fl_evtx_fs_pi(fl_evtx_sink *s, const char *t, size_t tn,
                          const fl_evtx_val *data) {
  (void)s; (void)t; (void)tn; (void)data;
}

const fl_evtx_sink_ops fl_evtx_fs_ops = {
    fl_evtx_fs_open,  fl_evtx_fs_attr,    fl_evtx_fs_attrs_end,
    fl_evtx_fs_close, fl_evtx_fs_value,   fl_evtx_fs_value,
    fl_evtx_fs_charref, fl_evtx_fs_entref, fl_evtx_fs_pi,
    NULL};

void fl_evtx_fields_sink_init(fl_evtx_fields_sink *s) {
  memset(s, 0, sizeof *s);
  s->base.ops = &fl_evtx_fs_ops;
}

void fl_evtx_fields_sink_begin(fl_evtx_fields_sink *s, fl_evtx_event *ev) {
  s->ev = ev;
  s->text.len = s->pairs.len = 0;
  s->depth = 0;
  s->capture = 0;
  s->pair_open = 0;
  s->seen = 0;
  s->lit = 0;
  s->direct = 0;
  s->pend = 0;
  s->filetime_ok = 0;
}

/* A captured string's bytes: in text, or a template literal. */
static const char *fl_evtx_fs_text(const fl_evtx_fs *f, int id) {
  if (f->lit & (1u << id)) return f->lit_p[id];
  /* an empty capture before any text was kept: no buffer yet (NULL + 0 is
  ** undefined behaviour, and the field is seen: "" not NULL) */
  return f->text.p ? f->text.p + f->str_off[id] : "";
}

static uint64_t fl_evtx_fs_num(const fl_evtx_fs *f, int id, int *ok) {
  *ok = 0;
  if (f->direct & (1u << id)) {
    *ok = 1;
    return f->num[id];
  }
  if (!(f->seen & (1u << id)) || !f->str_len[id]) return 0;
  char tmp[32];
  size_t n = f->str_len[id] < sizeof tmp - 1 ? f->str_len[id] : sizeof tmp - 1;
  memcpy(tmp, fl_evtx_fs_text(f, id), n);
  tmp[n] = 0;
  char *end;
  unsigned long long v = strtoull(tmp, &end, 0);
  *ok = end != tmp;
  return v;
}

static fl_evtx_str fl_evtx_fs_str(const fl_evtx_fs *f, int id) {
  fl_evtx_str s = {NULL, 0};
  if (f->seen & (1u << id)) {
    s.ptr = fl_evtx_fs_text(f, id);
    s.len = f->str_len[id];
  }
  return s;
}

void fl_evtx_fields_sink_finish(fl_evtx_fields_sink *s) {
  fl_evtx_event *ev = s->ev;
  static const struct { int id; unsigned bit; size_t off; int wide; } nums[] = {
#define FL_SYSTEM_NUMBER(sym, el, attr, member, width, bit) \
  {FLD_##sym, bit, offsetof(fl_evtx_event, member), (width) == 64},
#include "faultline/system_fields.def"
  };
  for (size_t i = 0; i < sizeof nums / sizeof *nums; i++) {
    int ok;
    uint64_t v = fl_evtx_fs_num(s, nums[i].id, &ok);
    if (!ok) continue;
    ev->present |= nums[i].bit;
    char *dst = (char *)ev + nums[i].off;
    if (nums[i].wide) memcpy(dst, &v, 8);
    else {
      uint32_t v32 = (uint32_t)v;
      memcpy(dst, &v32, 4);
    }
  }
  if (s->filetime_ok) {
    ev->time_created = s->filetime;
    ev->present |= FL_EVTX_HAS_TIME_CREATED;
  }
#define FL_SYSTEM_TEXT(sym, el, attr, member) ev->member = fl_evtx_fs_str(s, FLD_##sym);
#include "faultline/system_fields.def"
  size_t n = s->pairs.len / sizeof(fl_evtx_fs_pair);
  s->pairv.len = 0;
  fl_evtx_pair *pv = (fl_evtx_pair *)fl_evtx_buf_room(&s->pairv, n * sizeof *pv + 1);
  ev->data_count = 0;
  ev->data = NULL;
  if (!pv) return;
  const char *text = s->text.p ? s->text.p : "";
  for (size_t i = 0; i < n; i++) {
    fl_evtx_fs_pair pr;
    memcpy(&pr, s->pairs.p + i * sizeof pr, sizeof pr);
    pv[i].name.ptr = pr.name ? pr.name : text + pr.q[0];
    pv[i].name.len = pr.q[1];
    pv[i].value.ptr = text + pr.q[2];
    pv[i].value.len = pr.q[3];
  }
  ev->data_count = n;
  ev->data = pv;
}

void fl_evtx_fields_sink_free(fl_evtx_fields_sink *s) {
  fl_buf_free(&s->text);
  fl_buf_free(&s->pairs);
  fl_buf_free(&s->pairv);
}
